/*
 * test_dynamo_table_cache.c - unit tests for emulator/dynamo/dynamo_table_cache.c:
 * a schema parsed from a record is shared when the same record bytes come
 * again, missed when they differ (a changed table), kept alive for its
 * borrowers after it is replaced, and freed with its last reference (the
 * sanitizer build reports any leak or use after free).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../emulator/dynamo/dynamo_int.h"

/* A parsed table as dynamo_tables_load makes it: it owns desc. */
static void make_table(struct dynamo_table *tb, const char *name, const char *hash) {
  memset(tb, 0, sizeof(*tb));
  snprintf(tb->name, sizeof(tb->name), "%s", name);
  snprintf(tb->hash_name, sizeof(tb->hash_name), "%s", hash);
  tb->hash_type = 'S';
  tb->desc = cJSON_CreateObject();
  cJSON_AddStringToObject(tb->desc, "TableName", name);
}

static void the_same_record_shares_the_parsed_table(void **state) {
  struct dynamo_table_cache *c = dynamo_table_cache_new();
  struct dynamo_table a, b;
  static const char rec[] = "{\"id\":1,\"desc\":{}}";

  (void)state;
  make_table(&a, "T", "pk");
  dynamo_table_cache_put(c, rec, sizeof(rec) - 1, &a);
  assert_non_null(a.shared);
  assert_int_equal(dynamo_table_cache_get(c, "T", rec, sizeof(rec) - 1, &b), 1);
  assert_ptr_equal(b.desc, a.desc);
  assert_string_equal(b.hash_name, "pk");
  dynamo_table_free(&a);
  dynamo_table_free(&b);
  assert_null(b.shared);
  dynamo_table_cache_free(c);
}

static void a_changed_record_misses(void **state) {
  struct dynamo_table_cache *c = dynamo_table_cache_new();
  struct dynamo_table a, b;
  static const char rec[] = "{\"id\":1}", other[] = "{\"id\":2}";

  (void)state;
  make_table(&a, "T", "pk");
  dynamo_table_cache_put(c, rec, sizeof(rec) - 1, &a);
  assert_int_equal(dynamo_table_cache_get(c, "T", other, sizeof(other) - 1, &b), 0);
  assert_int_equal(dynamo_table_cache_get(c, "U", rec, sizeof(rec) - 1, &b), 0);
  dynamo_table_free(&a);
  dynamo_table_cache_free(c);
}

static void a_replaced_entry_lives_until_its_borrowers_are_done(void **state) {
  struct dynamo_table_cache *c = dynamo_table_cache_new();
  struct dynamo_table a, b, n;
  static const char rec[] = "{\"v\":1}", rec2[] = "{\"v\":2}";

  (void)state;
  make_table(&a, "T", "pk");
  dynamo_table_cache_put(c, rec, sizeof(rec) - 1, &a);
  assert_int_equal(dynamo_table_cache_get(c, "T", rec, sizeof(rec) - 1, &b), 1);
  dynamo_table_free(&a);
  /* UpdateTable wrote a new record: its parse replaces the entry. */
  make_table(&n, "T", "id");
  dynamo_table_cache_put(c, rec2, sizeof(rec2) - 1, &n);
  /* The old borrower still reads its own snapshot's schema. */
  assert_string_equal(b.hash_name, "pk");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(b.desc, "TableName")->valuestring, "T");
  dynamo_table_free(&b);
  assert_int_equal(dynamo_table_cache_get(c, "T", rec2, sizeof(rec2) - 1, &b), 1);
  assert_string_equal(b.hash_name, "id");
  dynamo_table_free(&b);
  dynamo_table_free(&n);
  dynamo_table_cache_free(c);
}

static void entries_outlive_the_cache_while_borrowed(void **state) {
  struct dynamo_table_cache *c = dynamo_table_cache_new();
  struct dynamo_table a;
  static const char rec[] = "{}";

  (void)state;
  make_table(&a, "T", "pk");
  dynamo_table_cache_put(c, rec, sizeof(rec) - 1, &a);
  dynamo_table_cache_free(c);
  assert_string_equal(a.hash_name, "pk");
  dynamo_table_free(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_same_record_shares_the_parsed_table),
      cmocka_unit_test(a_changed_record_misses),
      cmocka_unit_test(a_replaced_entry_lives_until_its_borrowers_are_done),
      cmocka_unit_test(entries_outlive_the_cache_while_borrowed),
  };

  return cmocka_run_group_tests_name("dynamo_table_cache", tests, NULL, NULL);
}
