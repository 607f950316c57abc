/*
 * test_lambda_esm.c - event source mappings end to end: a table's stream
 * (dynamo_streams) feeding a C handler through the server (emu_server's
 * listener, lambda_esm, lambda_invoke), driven by the kit's DynamoDB calls.
 *
 * A C handler mapped to a table's stream receives exactly its records, in
 * order, in Lambda's event shape (checked against docs/spec/lambda-esm.md
 * 1 and the table's LatestStreamArn) within a moment of the commit; a
 * failing function is retried while it blocks the stream, then succeeds;
 * the stream.error fault fails one invocation; a filter drops records; a
 * config reload keeps a mapping's position. The invocation log shows
 * stream invocations as routeKey "stream:<table>", eventType "STREAM".
 * Each test starts its own emulator (in memory, a free port).
 * Threading: handlers run on the emulator's threads and count calls in
 * atomics; the test thread waits through the invocation log.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"
#include "reload_files.h"

#define WAIT_MS 10000

static void pause_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};

  nanosleep(&t, NULL);
}

static atomic_int fail_left; /* test.flaky fails while this is positive */

static cJSON *stream_ok(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  return cJSON_CreateObject();
}

static cJSON *stream_flaky(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  if (atomic_fetch_sub(&fail_left, 1) > 0)
    return wsgw_fail(ctx, "not yet");
  return cJSON_CreateObject();
}

static const struct wsgw_handler handlers[] = {
    {"test.stream_ok", stream_ok},
    {"test.flaky", stream_flaky},
    {NULL, NULL},
};

#define TABLE                                                                             \
  "{\"TableName\": \"Messages\", \"AttributeDefinitions\": [{\"AttributeName\": \"id\", " \
  "\"AttributeType\": \"S\"}], \"KeySchema\": [{\"AttributeName\": \"id\", \"KeyType\": " \
  "\"HASH\"}], \"BillingMode\": \"PAY_PER_REQUEST\", \"StreamSpecification\": "           \
  "{\"StreamEnabled\": true, \"StreamViewType\": \"NEW_AND_OLD_IMAGES\"}}"

static struct wsgw_kit_emu *start(const char *mapping) {
  char config[4096];

  snprintf(config, sizeof(config), "{\"tables\": [" TABLE "], \"eventSourceMappings\": [%s]}",
           mapping);
  return kit_start_or_fail(&(struct wsgw_kit_options){.config_json = config, .handlers = handlers});
}

static const char *str(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

/* The stream invocations so far (a new array). */
static cJSON *stream_log(struct wsgw_kit_emu *emu) {
  return wsgw_kit_invocations(emu, "stream:Messages", NULL, NULL);
}

/* Every record delivered successfully, in order, as "INSERT a,MODIFY a". */
static void delivered(struct wsgw_kit_emu *emu, char *out, size_t cap) {
  cJSON *log = stream_log(emu), *inv, *rec;

  out[0] = '\0';
  cJSON_ArrayForEach(inv, log) {
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(inv, "event"), "Records");
    if (strcmp(str(inv, "outcome"), "ok") != 0)
      continue;
    cJSON_ArrayForEach(rec, recs) {
      const cJSON *keys = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(rec, "dynamodb"), "Keys");
      const cJSON *id = cJSON_GetObjectItemCaseSensitive(keys, "id");
      size_t used = strlen(out);
      snprintf(out + used, cap - used, "%s%s %s", used ? "," : "", str(rec, "eventName"),
               str(id, "S"));
    }
  }
  cJSON_Delete(log);
}

static void put(struct wsgw_kit_emu *emu, const char *id, const char *text) {
  char item[256];

  snprintf(item, sizeof(item), "{\"id\": {\"S\": \"%s\"}, \"text\": {\"S\": \"%s\"}}", id, text);
  assert_int_equal(wsgw_kit_db_put(emu, "Messages", item), 0);
}

static void a_c_handler_receives_exactly_the_tables_records_in_lambdas_shape(void **state) {
  struct wsgw_kit_emu *emu = start("{\"table\": \"Messages\", \"function\": \"test.stream_ok\", "
                                   "\"startingPosition\": \"TRIM_HORIZON\"}");
  cJSON *resp = NULL, *log, *inv, *rec;
  const char *arn;
  char got[512];
  long long t0;
  unsigned long long prev = 0;

  (void)state;
  assert_int_equal(wsgw_kit_db(emu, "DescribeTable", "{\"TableName\": \"Messages\"}", &resp), 200);
  arn = str(cJSON_GetObjectItemCaseSensitive(resp, "Table"), "LatestStreamArn");
  assert_true(arn[0]);
  t0 = wsgw_kit_now_ms();
  put(emu, "a", "hello");
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 1, WAIT_MS), 0);
  /* Delivery starts at the commit, not at a poll. */
  assert_true(wsgw_kit_now_ms() - t0 < 900);
  put(emu, "a", "edited");
  assert_int_equal(wsgw_kit_db(emu, "DeleteItem",
                               "{\"TableName\": \"Messages\", \"Key\": {\"id\": {\"S\": \"a\"}}}",
                               NULL),
                   200);
  for (int i = 0; i < 100; i++) {
    delivered(emu, got, sizeof(got));
    if (strcmp(got, "INSERT a,MODIFY a,REMOVE a") == 0)
      break;
    pause_ms(50);
  }
  assert_string_equal(got, "INSERT a,MODIFY a,REMOVE a");
  log = stream_log(emu);
  cJSON_ArrayForEach(inv, log) {
    const cJSON *event = cJSON_GetObjectItemCaseSensitive(inv, "event");
    assert_string_equal(str(inv, "eventType"), "STREAM");
    assert_string_equal(str(inv, "handler"), "test.stream_ok");
    assert_int_equal(cJSON_GetArraySize(event), 1); /* {"Records": [...]} only */
    cJSON_ArrayForEach(rec, cJSON_GetObjectItemCaseSensitive(event, "Records")) {
      const cJSON *ddb = cJSON_GetObjectItemCaseSensitive(rec, "dynamodb");
      const char *name = str(rec, "eventName");
      unsigned long long seq = strtoull(str(ddb, "SequenceNumber"), NULL, 10);
      assert_string_equal(str(rec, "eventSource"), "aws:dynamodb");
      assert_string_equal(str(rec, "eventSourceARN"), arn);
      assert_string_equal(str(rec, "awsRegion"), "us-east-1");
      assert_true(str(rec, "eventID")[0]);
      assert_true(str(rec, "eventVersion")[0]);
      assert_string_equal(str(ddb, "StreamViewType"), "NEW_AND_OLD_IMAGES");
      assert_non_null(cJSON_GetObjectItemCaseSensitive(ddb, "Keys"));
      assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ddb, "SizeBytes")));
      assert_true(
          cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ddb, "ApproximateCreationDateTime")));
      assert_true(seq > prev);
      prev = seq;
      assert_int_equal(cJSON_GetObjectItemCaseSensitive(ddb, "NewImage") != NULL,
                       strcmp(name, "REMOVE") != 0);
      assert_int_equal(cJSON_GetObjectItemCaseSensitive(ddb, "OldImage") != NULL,
                       strcmp(name, "INSERT") != 0);
    }
  }
  cJSON_Delete(log);
  cJSON_Delete(resp);
  wsgw_kit_stop(emu);
}

static void a_failing_function_is_retried_and_blocks_the_stream_then_succeeds(void **state) {
  struct wsgw_kit_emu *emu;
  cJSON *log;
  char got[512];

  (void)state;
  atomic_store(&fail_left, 2);
  emu = start("{\"table\": \"Messages\", \"function\": \"test.flaky\", \"batchSize\": 1, "
              "\"startingPosition\": \"LATEST\"}");
  pause_ms(100);
  put(emu, "a", "1");
  put(emu, "b", "2");
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 4, WAIT_MS), 0);
  log = stream_log(emu);
  assert_string_equal(str(cJSON_GetArrayItem(log, 0), "outcome"), "error");
  assert_string_equal(str(cJSON_GetArrayItem(log, 1), "outcome"), "error");
  assert_string_equal(str(cJSON_GetArrayItem(log, 2), "outcome"), "ok");
  assert_string_equal(str(cJSON_GetArrayItem(log, 3), "outcome"), "ok");
  cJSON_Delete(log);
  /* b waited behind a: in order, each once successfully. */
  delivered(emu, got, sizeof(got));
  assert_string_equal(got, "INSERT a,INSERT b");
  wsgw_kit_stop(emu);
}

static void a_stream_fault_fails_one_invocation_which_is_then_retried(void **state) {
  struct wsgw_kit_emu *emu = start("{\"table\": \"Messages\", \"function\": \"test.stream_ok\", "
                                   "\"startingPosition\": \"LATEST\"}");
  cJSON *log;

  (void)state;
  assert_true(wsgw_kit_fault(emu, "{\"type\": \"stream.error\", \"table\": \"Messages\", "
                                  "\"count\": 1}") > 0);
  pause_ms(100);
  put(emu, "a", "1");
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 2, WAIT_MS), 0);
  log = stream_log(emu);
  assert_string_equal(str(cJSON_GetArrayItem(log, 0), "outcome"), "error");
  assert_string_equal(str(cJSON_GetArrayItem(log, 1), "outcome"), "ok");
  cJSON_Delete(log);
  wsgw_kit_stop(emu);
}

static void a_filter_keeps_records_it_does_not_match_from_the_function(void **state) {
  struct wsgw_kit_emu *emu = start(
      "{\"table\": \"Messages\", \"function\": \"test.stream_ok\", \"startingPosition\": "
      "\"TRIM_HORIZON\", \"filterCriteria\": {\"Filters\": [{\"Pattern\": \"{\\\"dynamodb\\\": "
      "{\\\"NewImage\\\": {\\\"text\\\": {\\\"S\\\": [{\\\"prefix\\\": \\\"keep\\\"}]}}}}\"}]}}");
  char got[512];

  (void)state;
  put(emu, "a", "drop me");
  put(emu, "b", "keep me");
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 1, WAIT_MS), 0);
  pause_ms(300);
  delivered(emu, got, sizeof(got));
  assert_string_equal(got, "INSERT b");
  wsgw_kit_stop(emu);
}

static void a_config_reload_keeps_the_mappings_position(void **state) {
  char dir[256], path[512], config[4096], got[512];
  struct wsgw_kit_emu *emu;

  (void)state;
  assert_int_equal(reload_scratch(dir, sizeof(dir)), 0);
  snprintf(path, sizeof(path), "%s/config.json", dir);
  snprintf(config, sizeof(config),
           "{\"tables\": [" TABLE "], \"eventSourceMappings\": [{\"table\": \"Messages\", "
           "\"function\": \"test.stream_ok\", \"startingPosition\": \"TRIM_HORIZON\"}]}");
  assert_int_equal(reload_write_text(path, config), 0);
  emu = kit_start_or_fail(
      &(struct wsgw_kit_options){.config_file = path, .handlers = handlers, .watch = 1});
  put(emu, "a", "1");
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 1, WAIT_MS), 0);
  /* The same mapping with another batch size: kept, with its position. */
  snprintf(config, sizeof(config),
           "{\"tables\": [" TABLE "], \"eventSourceMappings\": [{\"table\": \"Messages\", "
           "\"function\": \"test.stream_ok\", \"startingPosition\": \"TRIM_HORIZON\", "
           "\"batchSize\": 5}]}");
  assert_int_equal(reload_write_text(path, config), 0);
  assert_int_equal(wsgw_kit_wait_reloads(emu, 1, 0, WAIT_MS), 0);
  put(emu, "b", "2");
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 2, WAIT_MS), 0);
  pause_ms(300);
  delivered(emu, got, sizeof(got));
  assert_string_equal(got, "INSERT a,INSERT b");
  wsgw_kit_stop(emu);
  reload_scratch_remove(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_c_handler_receives_exactly_the_tables_records_in_lambdas_shape),
      cmocka_unit_test(a_failing_function_is_retried_and_blocks_the_stream_then_succeeds),
      cmocka_unit_test(a_stream_fault_fails_one_invocation_which_is_then_retried),
      cmocka_unit_test(a_filter_keeps_records_it_does_not_match_from_the_function),
      cmocka_unit_test(a_config_reload_keeps_the_mappings_position),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
