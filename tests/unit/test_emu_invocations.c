/*
 * test_emu_invocations.c - unit tests for emulator/base/emu_invocations.c as
 * the console uses it: an add publishes an "invocation" event without the
 * event and the response, emu_invocations_get finds one entry by seq with
 * both, emu_invocations_summaries lists the last N without them, and
 * nothing is published without a subscriber.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "emu_events.h"
#include "emu_invocations.h"

/* A $default MESSAGE event of connection id, with a body. */
static cJSON *message_event(const char *id) {
  cJSON *e = cJSON_CreateObject(), *rc = cJSON_AddObjectToObject(e, "requestContext");

  cJSON_AddStringToObject(rc, "routeKey", "$default");
  cJSON_AddStringToObject(rc, "eventType", "MESSAGE");
  cJSON_AddStringToObject(rc, "connectionId", id);
  cJSON_AddStringToObject(e, "body", "hello");
  return e;
}

static void add_one(struct emu_invocations *log, const char *id) {
  cJSON *resp = cJSON_CreateObject(), *logs = cJSON_CreateArray();

  cJSON_AddNumberToObject(resp, "statusCode", 200);
  cJSON_AddItemToArray(logs, cJSON_CreateString("a log line"));
  emu_invocations_add(log, "diag.echo", "req-1", message_event(id), "ok", resp, NULL, logs, 3, 12);
  cJSON_Delete(resp);
}

static void an_add_publishes_the_entry_without_event_and_response(void **state) {
  struct emu_invocations *log = emu_invocations_new();
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *sub;
  struct emu_buf out;
  cJSON *got;
  const char *json;

  (void)state;
  emu_invocations_set_events(log, bus);
  add_one(log, "c1"); /* nobody listens: nothing queued anywhere */
  sub = emu_events_subscribe(bus);
  add_one(log, "c2");
  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  assert_int_equal(emu_events_next(sub, 1000, &out), EMU_EVENTS_DATA);
  assert_memory_equal(out.data, "event: invocation\ndata: ", 24);
  json = out.data + 24;
  got = cJSON_ParseWithLength(json, strlen(json));
  assert_non_null(got);
  assert_int_equal(cJSON_GetObjectItem(got, "seq")->valueint, 2);
  assert_string_equal(cJSON_GetObjectItem(got, "connectionId")->valuestring, "c2");
  assert_string_equal(cJSON_GetObjectItem(got, "routeKey")->valuestring, "$default");
  assert_int_equal(cJSON_GetObjectItem(got, "initDurationMs")->valueint, 12);
  assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(got, "logs"), 0)->valuestring,
                      "a log line");
  assert_null(cJSON_GetObjectItem(got, "event"));
  assert_null(cJSON_GetObjectItem(got, "response"));
  cJSON_Delete(got);
  emu_buf_reset(&out);
  assert_int_equal(emu_events_next(sub, 10, &out), EMU_EVENTS_TIMEOUT);
  emu_buf_free(&out);
  emu_events_unsubscribe(sub);
  emu_invocations_free(log);
  emu_events_free(bus);
}

static void get_finds_an_entry_by_seq_with_its_event_and_response(void **state) {
  struct emu_invocations *log = emu_invocations_new();
  cJSON *got;

  (void)state;
  add_one(log, "c1");
  add_one(log, "c2");
  got = emu_invocations_get(log, 2);
  assert_non_null(got);
  assert_string_equal(cJSON_GetObjectItem(got, "connectionId")->valuestring, "c2");
  assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(got, "event"), "body")->valuestring,
                      "hello");
  assert_int_equal(
      cJSON_GetObjectItem(cJSON_GetObjectItem(got, "response"), "statusCode")->valueint, 200);
  cJSON_Delete(got);
  assert_null(emu_invocations_get(log, 3));
  emu_invocations_clear(log);
  assert_null(emu_invocations_get(log, 1));
  emu_invocations_free(log);
}

static void summaries_list_the_last_n_oldest_first_without_events(void **state) {
  struct emu_invocations *log = emu_invocations_new();
  cJSON *all, *last2;

  (void)state;
  add_one(log, "c1");
  add_one(log, "c2");
  add_one(log, "c3");
  all = emu_invocations_summaries(log, 0);
  assert_int_equal(cJSON_GetArraySize(all), 3);
  last2 = emu_invocations_summaries(log, 2);
  assert_int_equal(cJSON_GetArraySize(last2), 2);
  assert_string_equal(
      cJSON_GetObjectItem(cJSON_GetArrayItem(last2, 0), "connectionId")->valuestring, "c2");
  assert_string_equal(
      cJSON_GetObjectItem(cJSON_GetArrayItem(last2, 1), "connectionId")->valuestring, "c3");
  assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(last2, 1), "event"));
  assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(last2, 1), "response"));
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(last2, 1), "statusCode")->valueint, 200);
  cJSON_Delete(all);
  cJSON_Delete(last2);
  emu_invocations_free(log);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(an_add_publishes_the_entry_without_event_and_response),
      cmocka_unit_test(get_finds_an_entry_by_seq_with_its_event_and_response),
      cmocka_unit_test(summaries_list_the_last_n_oldest_first_without_events),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
