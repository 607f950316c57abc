/*
 * test_lambda_esm.c - unit tests for emulator/lambda/lambda_esm.c, the
 * event source mapping dispatcher, over a fake record source (an in-memory
 * stream; no store): batches in order, LATEST and TRIM_HORIZON, the
 * batching window, a failing batch retried while it blocks the stream,
 * maximumRetryAttempts discarding, bisectBatchOnFunctionError,
 * ReportBatchItemFailures (partial and malformed), filters dropping
 * records, a reload keeping the position and removing a mapping, and the
 * stream.error fault with the invocation log's "stream:<table>" key.
 *
 * Context: a struct lambda_runtime with a pool, a fault list and an
 * invocation log; mappings come from a config string (emu_config), their
 * targets point at this file's handler.
 * Threading: the handler runs on pool threads and records what it saw
 * under `seen.mu`; tests poll for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_config.h"
#include "emu_faults.h"
#include "emu_invocations.h"
#include "emu_time.h"
#include "lambda_esm.h"
#include "lambda_invoke.h"
#include "lambda_pool.h"
#include <wsgw/handler.h>

#define ARN "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-01-01T00:00:00.000"
#define MAX_CALLS 64

/* ---- The fake stream ---------------------------------------------------- */

static struct {
  pthread_mutex_t mu;
  cJSON *records; /* oldest first */
  uint64_t next;
  int exists;
} src = {PTHREAD_MUTEX_INITIALIZER, NULL, 1, 1};

static uint64_t fake_seq(const cJSON *r) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(r, "dynamodb");
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "SequenceNumber");

  return cJSON_IsString(s) ? strtoull(s->valuestring, NULL, 10) : 0;
}

static int fake_read(void *arg, const char *table, uint64_t after, int max,
                     struct dynamo_streams_batch *out) {
  const cJSON *r;

  (void)arg;
  memset(out, 0, sizeof(*out));
  pthread_mutex_lock(&src.mu);
  if (!src.exists || strcmp(table, "T") != 0) {
    pthread_mutex_unlock(&src.mu);
    return -1;
  }
  out->records = cJSON_CreateArray();
  snprintf(out->stream_arn, sizeof(out->stream_arn), "%s", ARN);
  out->latest = src.next - 1;
  cJSON_ArrayForEach(r, src.records) {
    if (fake_seq(r) > after && cJSON_GetArraySize(out->records) < max)
      cJSON_AddItemToArray(out->records, cJSON_Duplicate(r, 1));
  }
  pthread_mutex_unlock(&src.mu);
  return 0;
}

/* Appends a record (eventName INSERT or MODIFY) and returns its number. */
static uint64_t append(const char *event_name) {
  char text[512];
  uint64_t seq;

  pthread_mutex_lock(&src.mu);
  seq = src.next++;
  snprintf(text, sizeof(text),
           "{\"eventID\":\"e%llu\",\"eventName\":\"%s\",\"eventVersion\":\"1.1\","
           "\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"us-east-1\",\"dynamodb\":{"
           "\"Keys\":{\"id\":{\"S\":\"k%llu\"}},\"SequenceNumber\":\"%llu\",\"SizeBytes\":10,"
           "\"StreamViewType\":\"NEW_IMAGE\"}}",
           (unsigned long long)seq, event_name, (unsigned long long)seq, (unsigned long long)seq);
  cJSON_AddItemToArray(src.records, cJSON_Parse(text));
  pthread_mutex_unlock(&src.mu);
  return seq;
}

/* ---- The function ------------------------------------------------------- */

enum mode {
  OK,           /* succeed */
  FAIL_FIRST,   /* fail the first `arg` invocations */
  FAIL_HOLDING, /* fail every batch holding record `arg` */
  ITEM_FAIL,    /* first invocation: batchItemFailures naming record `arg` */
  MALFORMED,    /* first invocation: an empty itemIdentifier */
};

static struct {
  pthread_mutex_t mu;
  enum mode mode;
  uint64_t arg;
  int calls;
  char batches[MAX_CALLS][128]; /* "1,2,3" per invocation */
  int64_t at[MAX_CALLS];        /* mono ms of each invocation */
  int bad_shape;                /* a record without Lambda's fields */
} seen = {PTHREAD_MUTEX_INITIALIZER, OK, 0, 0, {{0}}, {0}, 0};

static cJSON *stream_fn(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *recs = cJSON_GetObjectItemCaseSensitive(event, "Records"), *r;
  char list[128] = "";
  int holds = 0, call;
  enum mode mode;
  uint64_t arg;

  pthread_mutex_lock(&seen.mu);
  cJSON_ArrayForEach(r, recs) {
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(r, "eventSourceARN");
    uint64_t s = fake_seq(r);
    size_t used = strlen(list);
    snprintf(list + used, sizeof(list) - used, "%s%llu", used ? "," : "", (unsigned long long)s);
    if (!cJSON_IsString(arn) || strcmp(arn->valuestring, ARN) != 0 ||
        !cJSON_GetObjectItemCaseSensitive(r, "eventName"))
      seen.bad_shape = 1;
    if (s == seen.arg)
      holds = 1;
  }
  call = seen.calls++;
  if (call < MAX_CALLS) {
    snprintf(seen.batches[call], sizeof(seen.batches[call]), "%s", list);
    seen.at[call] = emu_time_mono_ms();
  }
  mode = seen.mode;
  arg = seen.arg;
  pthread_mutex_unlock(&seen.mu);
  if ((mode == FAIL_FIRST && (uint64_t)call < arg) || (mode == FAIL_HOLDING && holds))
    return wsgw_fail(ctx, "failing on purpose");
  if (mode == ITEM_FAIL && call == 0) {
    char text[128];
    snprintf(text, sizeof(text), "{\"batchItemFailures\":[{\"itemIdentifier\":\"%llu\"}]}",
             (unsigned long long)arg);
    return cJSON_Parse(text);
  }
  if (mode == MALFORMED && call == 0)
    return cJSON_Parse("{\"batchItemFailures\":[{\"itemIdentifier\":\"\"}]}");
  return cJSON_CreateObject();
}

/* ---- Context ------------------------------------------------------------ */

static struct context {
  struct lambda_runtime rt;
  struct lambda_esm *esm;
  /* Every config deployed, kept to the end: a worker may still read the
   * previous one for the step it is in (no owner hooks here). */
  struct emu_config cfgs[8];
  struct lambda_target targets[8][4];
  int ncfgs;
} cx;

static int setup(void **state) {
  struct lambda_esm_source s = {fake_read, fake_seq, NULL};

  (void)state;
  memset(&cx, 0, sizeof(cx));
  cx.rt.faults = emu_faults_new();
  cx.rt.invocations = emu_invocations_new();
  cx.rt.invokers = lambda_pool_new(4);
  atomic_init(&cx.rt.inflight, 0);
  cx.esm = lambda_esm_new(&cx.rt, &s);
  pthread_mutex_lock(&src.mu);
  cJSON_Delete(src.records);
  src.records = cJSON_CreateArray();
  src.next = 1;
  src.exists = 1;
  pthread_mutex_unlock(&src.mu);
  pthread_mutex_lock(&seen.mu);
  memset(seen.batches, 0, sizeof(seen.batches));
  seen.calls = 0;
  seen.mode = OK;
  seen.arg = 0;
  seen.bad_shape = 0;
  pthread_mutex_unlock(&seen.mu);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lambda_esm_free(cx.esm);
  while (atomic_load(&cx.rt.inflight) > 0) {
    struct timespec ms = {0, 1000000L};
    nanosleep(&ms, NULL);
  }
  lambda_pool_free(cx.rt.invokers);
  emu_faults_free(cx.rt.faults);
  emu_invocations_free(cx.rt.invocations);
  for (int i = 0; i < cx.ncfgs; i++)
    emu_config_free(&cx.cfgs[i]);
  pthread_mutex_lock(&src.mu);
  cJSON_Delete(src.records);
  src.records = NULL;
  pthread_mutex_unlock(&src.mu);
  return 0;
}

/* Loads `mappings` (the JSON array's members) and deploys them. */
static void deploy(const char *mappings) {
  char text[2048], err[512] = "";
  struct emu_config *next;
  struct lambda_target *targets;
  size_t i;

  snprintf(text, sizeof(text), "{\"eventSourceMappings\": [%s]}", mappings);
  assert_true(cx.ncfgs < 8);
  next = &cx.cfgs[cx.ncfgs];
  targets = cx.targets[cx.ncfgs];
  if (emu_config_load_string(text, "t.json", next, err, sizeof(err)) != 0) {
    print_error("config: %s\n", err);
    fail();
  }
  cx.ncfgs++;
  assert_true(next->nesms <= 4);
  for (i = 0; i < next->nesms; i++) {
    targets[i].fn = &next->esms[i].fn;
    targets[i].ref.fn = stream_fn;
  }
  assert_int_equal(lambda_esm_deploy(cx.esm, next->esms, targets, next->nesms, NULL), 0);
}

static void set_mode(enum mode mode, uint64_t arg) {
  pthread_mutex_lock(&seen.mu);
  seen.mode = mode;
  seen.arg = arg;
  pthread_mutex_unlock(&seen.mu);
}

static int calls(void) {
  int n;

  pthread_mutex_lock(&seen.mu);
  n = seen.calls;
  pthread_mutex_unlock(&seen.mu);
  return n;
}

/* Waits up to ms for at least n invocations. */
static void wait_calls(int n, int ms) {
  int64_t end = emu_time_mono_ms() + ms;

  while (calls() < n && emu_time_mono_ms() < end) {
    struct timespec t = {0, 5000000L};
    nanosleep(&t, NULL);
  }
  if (calls() < n) {
    print_error("expected %d invocations, saw %d\n", n, calls());
    fail();
  }
}

static void pause_ms(int ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};

  nanosleep(&t, NULL);
}

/* The batches seen, "1,2|3" */
static void expect_batches(const char *want) {
  char got[1024] = "";
  int i;

  pthread_mutex_lock(&seen.mu);
  for (i = 0; i < seen.calls && i < MAX_CALLS; i++) {
    size_t used = strlen(got);
    snprintf(got + used, sizeof(got) - used, "%s%s", i ? "|" : "", seen.batches[i]);
  }
  pthread_mutex_unlock(&seen.mu);
  assert_string_equal(got, want);
}

#define MAPPING(extra)                                                                             \
  "{\"table\": \"T\", \"function\": \"test.stream\", \"startingPosition\": \"TRIM_HORIZON\"" extra \
  "}"

/* ---- Tests -------------------------------------------------------------- */

static void records_arrive_in_order_in_batches_of_batch_size(void **state) {
  int i;

  (void)state;
  for (i = 0; i < 5; i++)
    append("INSERT");
  deploy(MAPPING(", \"batchSize\": 2"));
  wait_calls(3, 3000);
  pause_ms(100);
  expect_batches("1,2|3,4|5");
  assert_int_equal(seen.bad_shape, 0);
}

static void latest_skips_what_the_stream_held_and_a_commit_wakes_the_worker(void **state) {
  int64_t t0;

  (void)state;
  append("INSERT");
  append("INSERT");
  deploy("{\"table\": \"T\", \"function\": \"test.stream\", \"startingPosition\": \"LATEST\"}");
  pause_ms(150); /* the worker has read its starting point */
  append("INSERT");
  t0 = emu_time_mono_ms();
  lambda_esm_notify(cx.esm, "T");
  wait_calls(1, 2000);
  /* Woken by the notification, not by the once-a-second poll. */
  assert_true(seen.at[0] - t0 < 500);
  pause_ms(100);
  expect_batches("3");
}

static void a_batching_window_gathers_records_until_it_passes(void **state) {
  int64_t t0;

  (void)state;
  deploy(MAPPING(", \"batchSize\": 10, \"maximumBatchingWindowInSeconds\": 1"));
  pause_ms(100);
  t0 = emu_time_mono_ms();
  append("INSERT");
  lambda_esm_notify(cx.esm, "T");
  pause_ms(300);
  append("INSERT");
  lambda_esm_notify(cx.esm, "T");
  wait_calls(1, 3000);
  assert_true(seen.at[0] - t0 >= 900);
  expect_batches("1,2");
}

static void a_failing_batch_is_retried_and_blocks_the_stream_until_it_succeeds(void **state) {
  (void)state;
  set_mode(FAIL_FIRST, 2);
  append("INSERT");
  append("INSERT");
  deploy(MAPPING(", \"batchSize\": 1"));
  wait_calls(4, 5000);
  pause_ms(100);
  expect_batches("1|1|1|2");
}

static void maximum_retry_attempts_discards_the_batch_and_moves_on(void **state) {
  (void)state;
  set_mode(FAIL_HOLDING, 1);
  append("INSERT");
  append("INSERT");
  deploy(MAPPING(", \"batchSize\": 1, \"maximumRetryAttempts\": 1"));
  wait_calls(3, 5000);
  pause_ms(400);
  expect_batches("1|1|2");
}

static void bisect_halves_a_failing_batch_down_to_the_bad_record(void **state) {
  int i;

  (void)state;
  set_mode(FAIL_HOLDING, 3);
  for (i = 0; i < 4; i++)
    append("INSERT");
  deploy(MAPPING(", \"batchSize\": 4, \"bisectBatchOnFunctionError\": true, "
                 "\"maximumRetryAttempts\": 0"));
  wait_calls(5, 5000);
  pause_ms(400);
  expect_batches("1,2,3,4|1,2|3,4|3|4");
}

static void batch_item_failures_retry_from_the_lowest_failed_record(void **state) {
  int i;

  (void)state;
  set_mode(ITEM_FAIL, 3);
  for (i = 0; i < 4; i++)
    append("INSERT");
  deploy(MAPPING(", \"batchSize\": 4, \"functionResponseTypes\": [\"ReportBatchItemFailures\"]"));
  wait_calls(2, 5000);
  pause_ms(300);
  expect_batches("1,2,3,4|3,4");
}

static void batch_item_failures_are_ignored_without_the_response_type(void **state) {
  (void)state;
  set_mode(ITEM_FAIL, 1);
  append("INSERT");
  deploy(MAPPING(""));
  wait_calls(1, 3000);
  pause_ms(300);
  expect_batches("1");
}

static void a_malformed_batch_item_failure_fails_the_whole_batch(void **state) {
  (void)state;
  set_mode(MALFORMED, 0);
  append("INSERT");
  append("INSERT");
  deploy(MAPPING(", \"functionResponseTypes\": [\"ReportBatchItemFailures\"]"));
  wait_calls(2, 5000);
  pause_ms(300);
  expect_batches("1,2|1,2");
}

static void records_the_filters_do_not_match_never_reach_the_function(void **state) {
  (void)state;
  append("INSERT");
  append("MODIFY");
  append("INSERT");
  append("MODIFY");
  deploy(MAPPING(", \"filterCriteria\": {\"Filters\": [{\"Pattern\": "
                 "\"{\\\"eventName\\\": [\\\"INSERT\\\"]}\"}]}"));
  wait_calls(1, 3000);
  pause_ms(300);
  expect_batches("1,3");
  /* Only MODIFYs after the checkpoint: nothing is invoked, the position moves. */
  append("MODIFY");
  lambda_esm_notify(cx.esm, "T");
  pause_ms(300);
  append("INSERT");
  lambda_esm_notify(cx.esm, "T");
  wait_calls(2, 3000);
  expect_batches("1,3|6");
}

static void a_reload_keeps_the_position_and_a_removed_mapping_stops(void **state) {
  (void)state;
  append("INSERT");
  deploy(MAPPING(""));
  wait_calls(1, 3000);
  deploy(MAPPING(", \"batchSize\": 5"));
  append("INSERT");
  lambda_esm_notify(cx.esm, "T");
  wait_calls(2, 3000);
  pause_ms(200);
  expect_batches("1|2");
  deploy("");
  append("INSERT");
  lambda_esm_notify(cx.esm, "T");
  pause_ms(1300);
  expect_batches("1|2");
}

static void a_disabled_mapping_invokes_nothing(void **state) {
  (void)state;
  append("INSERT");
  deploy(MAPPING(", \"enabled\": false"));
  pause_ms(1200);
  assert_int_equal(calls(), 0);
}

static void a_table_without_a_stream_waits_for_one(void **state) {
  (void)state;
  pthread_mutex_lock(&src.mu);
  src.exists = 0;
  pthread_mutex_unlock(&src.mu);
  deploy("{\"table\": \"T\", \"function\": \"test.stream\", \"startingPosition\": \"LATEST\"}");
  pause_ms(100);
  pthread_mutex_lock(&src.mu);
  src.exists = 1;
  pthread_mutex_unlock(&src.mu);
  /* The stream appeared after the mapping: even LATEST reads it all. */
  append("INSERT");
  lambda_esm_notify(cx.esm, "T");
  wait_calls(1, 3000);
  expect_batches("1");
}

static void a_stream_fault_fails_the_invocation_and_the_log_shows_it(void **state) {
  cJSON *spec = cJSON_Parse("{\"type\": \"stream.error\", \"table\": \"T\", \"count\": 1}");
  cJSON *log;
  char err[256];

  (void)state;
  assert_true(emu_faults_add(cx.rt.faults, spec, err, sizeof(err)) > 0);
  cJSON_Delete(spec);
  append("INSERT");
  deploy(MAPPING(""));
  wait_calls(1, 3000);
  pause_ms(100);
  expect_batches("1"); /* the function ran once: after the injected failure */
  assert_int_equal(emu_invocations_count(cx.rt.invocations, "stream:T", NULL, NULL), 2);
  log = emu_invocations_query(cx.rt.invocations, "stream:T", NULL, NULL);
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "outcome")->valuestring,
                      "error");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "eventType")->valuestring,
                      "STREAM");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 1), "outcome")->valuestring,
                      "ok");
  cJSON_Delete(log);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(records_arrive_in_order_in_batches_of_batch_size, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          latest_skips_what_the_stream_held_and_a_commit_wakes_the_worker, setup, teardown),
      cmocka_unit_test_setup_teardown(a_batching_window_gathers_records_until_it_passes, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          a_failing_batch_is_retried_and_blocks_the_stream_until_it_succeeds, setup, teardown),
      cmocka_unit_test_setup_teardown(maximum_retry_attempts_discards_the_batch_and_moves_on, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(bisect_halves_a_failing_batch_down_to_the_bad_record, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(batch_item_failures_retry_from_the_lowest_failed_record,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(batch_item_failures_are_ignored_without_the_response_type,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_malformed_batch_item_failure_fails_the_whole_batch, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(records_the_filters_do_not_match_never_reach_the_function,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_reload_keeps_the_position_and_a_removed_mapping_stops,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_disabled_mapping_invokes_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(a_table_without_a_stream_waits_for_one, setup, teardown),
      cmocka_unit_test_setup_teardown(a_stream_fault_fails_the_invocation_and_the_log_shows_it,
                                      setup, teardown),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
