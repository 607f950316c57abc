/*
 * test_emu_json.c - unit tests for emulator/emu_json.c: the nesting-depth
 * pre-scan (strings and escapes skipped, bounded by the length) and adding
 * members under literal keys without copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emu_json.h"

static void depth_at_the_limit_passes_and_one_more_level_fails(void **state) {
  (void)state;
  assert_int_equal(emu_json_too_deep("[[[]]]", 6, 3), 0);
  assert_int_equal(emu_json_too_deep("[[[[]]]]", 8, 3), 1);
  assert_int_equal(emu_json_too_deep("{\"a\":{\"b\":[1]}}", 15, 3), 0);
}

static void brackets_inside_strings_and_escapes_do_not_count(void **state) {
  static const char text[] = "{\"k\":\"[[[[\\\"[[[[\"}";

  (void)state;
  assert_int_equal(emu_json_too_deep(text, sizeof(text) - 1, 1), 0);
}

static void the_scan_stops_at_the_given_length(void **state) {
  (void)state;
  /* Only the first two bytes are looked at. */
  assert_int_equal(emu_json_too_deep("[[[[[[", 2, 2), 0);
}

static void add_const_keeps_the_key_pointer_and_survives_duplicate_and_delete(void **state) {
  static const char key[] = "routeKey";
  cJSON *o = cJSON_CreateObject(), *v, *copy;
  char *text;

  (void)state;
  v = emu_json_add_const(o, key, cJSON_CreateString("$default"));
  assert_non_null(v);
  assert_ptr_equal(v->string, key); /* not a copy */
  assert_ptr_equal(cJSON_GetObjectItemCaseSensitive(o, "routeKey"), v);
  copy = cJSON_Duplicate(o, 1);
  text = cJSON_PrintUnformatted(copy);
  assert_string_equal(text, "{\"routeKey\":\"$default\"}");
  free(text);
  cJSON_Delete(copy); /* must not free the literal */
  cJSON_Delete(o);
}

static void add_const_of_null_adds_nothing(void **state) {
  cJSON *o = cJSON_CreateObject();

  (void)state;
  assert_null(emu_json_add_const(o, "x", NULL));
  assert_int_equal(cJSON_GetArraySize(o), 0);
  cJSON_Delete(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(depth_at_the_limit_passes_and_one_more_level_fails),
      cmocka_unit_test(brackets_inside_strings_and_escapes_do_not_count),
      cmocka_unit_test(the_scan_stops_at_the_given_length),
      cmocka_unit_test(add_const_keeps_the_key_pointer_and_survives_duplicate_and_delete),
      cmocka_unit_test(add_const_of_null_adds_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
