/*
 * test_dynamo_ttl.c - UpdateTimeToLive/DescribeTimeToLive through
 * dynamo_api_call (round trip, DynamoDB's errors), and the expiry sweep:
 * dynamo_ttl_sweep with a fixed `now` deletes exactly the expired items
 * and fixes ItemCount/TableSizeBytes; expired-but-unswept items are still
 * returned; non-Number and too-old TTL values are kept; the per-pass bound;
 * DeleteTable forgets the setting; and the real thread at a 1 s period.
 * A fresh LMDB directory per test (dynamo_rows fixture).
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_api.h"
#include "dynamo_rows.h"
#include "dynamo_ttl.h"
#include "dynamo_value.h"

#define NOW 1700000000LL

static const char create_users[] =
    "{\"TableName\":\"Users\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
static const char create_events[] =
    "{\"TableName\":\"Events\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";

#define TTL_ON(attr)                                                                                 \
  "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"" attr \
  "\"}}"
#define TTL_OFF(attr)                                                                                 \
  "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"Enabled\":false,\"AttributeName\":\"" attr \
  "\"}}"

static void update_and_describe_round_trip_with_aws_errors(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"DescribeTimeToLive", "{\"TableName\":\"Users\"}", 200, NULL,
       "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLED\"}}",
       "off by default, no AttributeName"},
      {"UpdateTimeToLive", TTL_OFF("exp"), 400, DYNAMO_ROWS_VALIDATION,
       "\"TimeToLive is already disabled\"", "disabling when disabled"},
      {"UpdateTimeToLive", TTL_ON("exp"), 200, NULL,
       "{\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"exp\"}}",
       "enable echoes the spec"},
      {"DescribeTimeToLive", "{\"TableName\":\"Users\"}", 200, NULL,
       "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"ENABLED\",\"AttributeName\":\"exp\"}}",
       "enabled"},
      {"UpdateTimeToLive", TTL_ON("exp"), 400, DYNAMO_ROWS_VALIDATION,
       "\"TimeToLive is already enabled\"", "enabling the same attribute again"},
      {"UpdateTimeToLive", TTL_ON("other"), 400, DYNAMO_ROWS_VALIDATION,
       "\"TimeToLive is active on a different AttributeName: current AttributeName is exp\"",
       "enabling another attribute"},
      {"UpdateTimeToLive", TTL_OFF("other"), 400, DYNAMO_ROWS_VALIDATION,
       "\"TimeToLive is active on a different AttributeName: current AttributeName is exp\"",
       "disabling names the current attribute"},
      {"UpdateTimeToLive", TTL_OFF("exp"), 200, NULL,
       "{\"TimeToLiveSpecification\":{\"Enabled\":false,\"AttributeName\":\"exp\"}}", "disable"},
      {"DescribeTimeToLive", "{\"TableName\":\"Users\"}", 200, NULL,
       "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLED\"}}", "disabled again"},
      {"UpdateTimeToLive", TTL_ON("other"), 200, NULL, "\"AttributeName\":\"other\"",
       "after disabling, another attribute is fine"},
      {"DescribeTimeToLive", "{\"TableName\":\"Nope\"}", 400, DYNAMO_ROWS_NOT_FOUND,
       "\"Requested resource not found: Table: Nope not found\"", "missing table"},
      {"UpdateTimeToLive",
       "{\"TableName\":\"Nope\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"x\"}}",
       400, DYNAMO_ROWS_NOT_FOUND, "\"Requested resource not found: Table: Nope not found\"",
       "missing table"},
      {"DescribeTimeToLive", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "The parameter 'TableName' is required but was not present in the request", "no TableName"},
      {"UpdateTimeToLive", "{\"TableName\":\"Users\"}", 400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: "
       "Member must not be null\"",
       "no specification"},
      {"UpdateTimeToLive", "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy "
       "constraint: Member must not be null; Value null at 'timeToLiveSpecification.enabled' failed to satisfy "
       "constraint: Member must not be null\"",
       "both members missing"},
      {"UpdateTimeToLive",
       "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"AttributeName\":\"x\"}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Value null at 'timeToLiveSpecification.enabled'",
       "Enabled missing"},
      {"UpdateTimeToLive",
       "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"\"}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Value '' at 'timeToLiveSpecification.attributeName' failed to satisfy "
       "constraint: Member must have length greater than or equal to 1\"",
       "empty attribute name (message verbatim from terraform-provider-aws#39195)"},
      {"UpdateTimeToLive",
       "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"Enabled\":\"yes\",\"AttributeName\":\"x\"}}",
       400, DYNAMO_ROWS_SERIALIZATION, NULL, "Enabled of the wrong type"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void long_attribute_names_are_refused(void **state) {
  struct dynamo_fixture *f = *state;
  char req[1024], name[257];
  struct emu_buf out;
  int status;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  memset(name, 'a', 256);
  name[256] = 0;
  snprintf(
      req, sizeof(req),
      "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"%s\"}}",
      name);
  emu_buf_init(&out, 1 << 20);
  status = dynamo_api_call(f->db, "UpdateTimeToLive", req, strlen(req), &out);
  assert_int_equal(status, 400);
  assert_non_null(strstr(out.data, "Member must have length less than or equal to 255"));
  emu_buf_free(&out);
  name[255] = 0; /* 255 is fine */
  snprintf(
      req, sizeof(req),
      "{\"TableName\":\"Users\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"%s\"}}",
      name);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "UpdateTimeToLive", req));
}

static long long table_number(struct dynamo *db, const char *table, const char *member) {
  char req[128];
  cJSON *resp, *v;
  long long n;

  snprintf(req, sizeof(req), "{\"TableName\":\"%s\"}", table);
  resp = dynamo_rows_call_ok(db, "DescribeTable", req);
  v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Table"), member);
  assert_true(cJSON_IsNumber(v));
  n = (long long)v->valuedouble;
  cJSON_Delete(resp);
  return n;
}

static int has_item(struct dynamo *db, const char *key_json) {
  char req[512];
  cJSON *resp;
  int has;

  snprintf(req, sizeof(req), "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"%s\"}}}", key_json);
  resp = dynamo_rows_call_ok(db, "GetItem", req);
  has = cJSON_GetObjectItemCaseSensitive(resp, "Item") != NULL;
  cJSON_Delete(resp);
  return has;
}

/* The items of the sweep test: id, the rest of the item, whether due at
 * NOW. */
static const struct {
  const char *id;
  const char *attrs;
  int expired;
} users[] = {
    {"past", "\"exp\":{\"N\":\"1699999940\"}", 1},
    {"past-exponent", "\"exp\":{\"N\":\"16999999e2\"}", 1},
    {"past-fraction", "\"exp\":{\"N\":\"1699999999.5\"}", 1},
    {"now", "\"exp\":{\"N\":\"1700000000\"}", 0},
    {"future", "\"exp\":{\"N\":\"1700000060\"}", 0},
    {"string", "\"exp\":{\"S\":\"1600000000\"}", 0},
    {"number-set", "\"exp\":{\"NS\":[\"1600000000\"]}", 0},
    {"nested", "\"m\":{\"M\":{\"exp\":{\"N\":\"1600000000\"}}}", 0},
    {"missing", "\"other\":{\"N\":\"1600000000\"}", 0},
    {"ancient", "\"exp\":{\"N\":\"162777600\"}", 0}, /* more than five years before NOW */
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

static void put_users(struct dynamo *db, long long *kept_bytes) {
  char req[512];
  size_t i;

  *kept_bytes = 0;
  for (i = 0; i < NUSERS; i++) {
    char item[400];
    cJSON *parsed;
    snprintf(item, sizeof(item), "{\"id\":{\"S\":\"%s\"},%s}", users[i].id, users[i].attrs);
    snprintf(req, sizeof(req), "{\"TableName\":\"Users\",\"Item\":%s}", item);
    cJSON_Delete(dynamo_rows_call_ok(db, "PutItem", req));
    parsed = cJSON_Parse(item);
    assert_non_null(parsed);
    if (!users[i].expired)
      *kept_bytes += (long long)dynamo_item_size(parsed);
    cJSON_Delete(parsed);
  }
}

static void sweep_deletes_exactly_the_expired_items(void **state) {
  struct dynamo_fixture *f = *state;
  long long kept_bytes;
  size_t i;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  put_users(f->db, &kept_bytes);
  /* TTL off: nothing is deleted. */
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 0), 0);
  assert_int_equal(table_number(f->db, "Users", "ItemCount"), (long long)NUSERS);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "UpdateTimeToLive", TTL_ON("exp")));
  /* Expired but not yet swept: still returned, as in DynamoDB. */
  assert_true(has_item(f->db, "past"));
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 0), 3);
  for (i = 0; i < NUSERS; i++)
    if (has_item(f->db, users[i].id) == users[i].expired)
      fail_msg("%s: expected %s", users[i].id, users[i].expired ? "deleted" : "kept");
  assert_int_equal(table_number(f->db, "Users", "ItemCount"), (long long)NUSERS - 3);
  assert_int_equal(table_number(f->db, "Users", "TableSizeBytes"), kept_bytes);
  /* Nothing left to do at the same instant; a minute later "now" and
   * "future" are due too. */
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 0), 0);
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW + 61, 0), 2);
  assert_false(has_item(f->db, "future"));
  assert_true(has_item(f->db, "string"));
  assert_int_equal(table_number(f->db, "Users", "ItemCount"), (long long)NUSERS - 5);
}

static void sweep_deletes_by_sort_key_and_is_bounded_per_pass(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *resp;
  char req[256];
  int i;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_events));
  for (i = 0; i < 7; i++) {
    /* Five due (NOW-1 .. NOW-5), two not (NOW+1, NOW+2). */
    long long sk = i < 5 ? NOW - 1 - i : NOW + i - 4;
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Events\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"%lld\"}}}",
             sk);
    cJSON_Delete(dynamo_rows_call_ok(f->db, "PutItem", req));
  }
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "UpdateTimeToLive",
      "{\"TableName\":\"Events\",\"TimeToLiveSpecification\":{\"Enabled\":true,\"AttributeName\":\"sk\"}}"));
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 2), 2);
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 2), 2);
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 2), 1);
  assert_int_equal(dynamo_ttl_sweep(f->db, NOW, 2), 0);
  resp = dynamo_rows_call_ok(f->db, "Query",
                             "{\"TableName\":\"Events\",\"KeyConditionExpression\":\"pk = :p\","
                             "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p\"}}}");
  assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(resp, "Count")->valuedouble, 2);
  cJSON_Delete(resp);
  assert_int_equal(table_number(f->db, "Events", "ItemCount"), 2);
}

static void delete_table_forgets_the_setting(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"UpdateTimeToLive", TTL_ON("exp"), 200, NULL, NULL, "enable"},
      {"DeleteTable", "{\"TableName\":\"Users\"}", 200, NULL, NULL, "delete"},
      {"CreateTable", create_users, 200, NULL, NULL, "re-create"},
      {"DescribeTimeToLive", "{\"TableName\":\"Users\"}", 200, NULL,
       "\"TimeToLiveStatus\":\"DISABLED\"", "a re-created table starts with TTL off"},
      {"PutItem", "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"},\"exp\":{\"N\":\"1\"}}}",
       200, NULL, NULL, "an item the old setting would expire"},
  };
  cJSON *resp;

  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  assert_int_equal(dynamo_ttl_sweep(f->db, 1000, 0), 0);
  assert_true(has_item(f->db, "a"));
  /* DescribeTable shows no TTL member (SPEC docs/spec/dynamodb.md 2.7). */
  cJSON_Delete(dynamo_rows_call_ok(f->db, "UpdateTimeToLive", TTL_ON("exp")));
  resp = dynamo_rows_call_ok(f->db, "DescribeTable", "{\"TableName\":\"Users\"}");
  {
    char *text = cJSON_PrintUnformatted(resp);
    assert_null(strstr(text, "TimeToLive"));
    cJSON_free(text);
  }
  cJSON_Delete(resp);
}

static void the_thread_deletes_expired_items_within_its_period(void **state) {
  struct dynamo_fixture *f = *state;
  struct dynamo_ttl_sweeper *s;
  struct timespec pause = {0, 100 * 1000 * 1000};
  char req[256];
  time_t deadline;
  int gone = 0;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  cJSON_Delete(dynamo_rows_call_ok(f->db, "UpdateTimeToLive", TTL_ON("exp")));
  snprintf(req, sizeof(req),
           "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"due\"},\"exp\":{\"N\":\"%lld\"}}}",
           (long long)time(NULL) - 10);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "PutItem", req));
  snprintf(req, sizeof(req),
           "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"later\"},\"exp\":{\"N\":\"%lld\"}}}",
           (long long)time(NULL) + 3600);
  cJSON_Delete(dynamo_rows_call_ok(f->db, "PutItem", req));
  s = dynamo_ttl_start(f->db, 1);
  assert_non_null(s);
  deadline = time(NULL) + 10;
  while (!gone && time(NULL) < deadline) {
    gone = !has_item(f->db, "due");
    if (!gone)
      nanosleep(&pause, NULL);
  }
  dynamo_ttl_stop(s);
  assert_true(gone);
  assert_true(has_item(f->db, "later"));
  assert_int_equal(table_number(f->db, "Users", "ItemCount"), 1);
}

static void stopping_an_idle_thread_is_prompt(void **state) {
  struct dynamo_fixture *f = *state;
  struct dynamo_ttl_sweeper *s = dynamo_ttl_start(f->db, 3600);
  time_t start = time(NULL);

  assert_non_null(s);
  dynamo_ttl_stop(s);
  assert_true(time(NULL) - start < 5);
  dynamo_ttl_stop(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(update_and_describe_round_trip_with_aws_errors,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(long_attribute_names_are_refused, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(sweep_deletes_exactly_the_expired_items, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(sweep_deletes_by_sort_key_and_is_bounded_per_pass,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(delete_table_forgets_the_setting, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(the_thread_deletes_expired_items_within_its_period,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(stopping_an_idle_thread_is_prompt, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_ttl", tests, NULL, NULL);
}
