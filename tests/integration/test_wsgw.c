/*
 * test_wsgw.c - the handler API's Lambda context (emulator/lambda/wsgw.c,
 * declared in include/wsgw/handler.h): wsgw_request_id, wsgw_remaining_ms,
 * wsgw_log and wsgw_connection_id, seen from a handler served through the
 * kit and from the invocation log.
 *
 * Each test starts its own emulator. Threading: the test thread only; the
 * handlers run on the emulator's invoker threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#define WAIT_MS 5000

/* Answers {"requestId", "remainingMs", "connectionId"} and logs two lines. */
static cJSON *ctx_probe(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *id = wsgw_connection_id(ctx);
  cJSON *body = cJSON_CreateObject(), *r;
  char *text;

  wsgw_log(ctx, "first line %d", 1);
  wsgw_log(ctx, "second line");
  cJSON_AddStringToObject(body, "requestId", wsgw_request_id(ctx));
  cJSON_AddNumberToObject(body, "remainingMs", (double)wsgw_remaining_ms(ctx));
  if (id)
    cJSON_AddStringToObject(body, "connectionId", id);
  text = cJSON_PrintUnformatted(body);
  r = wsgw_response(200, text);
  cJSON_free(text);
  cJSON_Delete(body);
  return r;
}

/* Logs far more lines than the invocation log keeps. */
static cJSON *ctx_chatty(const cJSON *event, struct wsgw_ctx *ctx) {
  for (int i = 0; i < 200; i++)
    wsgw_log(ctx, "line %d", i);
  return wsgw_response(200, "done");
}

/* Logs, then runs until its timeout has passed (remaining time 0). */
static cJSON *ctx_slow(const cJSON *event, struct wsgw_ctx *ctx) {
  wsgw_log(ctx, "before the deadline");
  for (int i = 0; i < 400 && wsgw_remaining_ms(ctx) > 0; i++)
    poll(NULL, 0, 10);
  poll(NULL, 0, 50);
  return wsgw_response(200, "late");
}

static const struct wsgw_handler handlers[] = {
    {"ctx.probe", ctx_probe},
    {"ctx.chatty", ctx_chatty},
    {"ctx.slow", ctx_slow},
    {NULL, NULL},
};

static const char config[] =
    "{\"apis\": [{\"name\": \"ctx\", \"stage\": \"dev\","
    " \"routeSelectionExpression\": \"$request.body.action\","
    " \"routes\": {"
    "  \"$default\": {\"function\": {\"handler\": \"ctx.probe\", \"timeout\": 3},"
    "   \"returnResponse\": true},"
    "  \"chatty\": {\"function\": {\"handler\": \"ctx.chatty\"}, \"returnResponse\": true},"
    "  \"slow\": {\"function\": {\"handler\": \"ctx.slow\", \"timeout\": 0.3}}}}]}";

struct fixture {
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
};

static int setup(void **state) {
  static struct fixture f;
  char err[512];

  f.emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config, .handlers = handlers},
                         err, sizeof(err));
  if (!f.emu)
    fail_msg("%s", err);
  f.ws = wsgw_kit_connect(f.emu, &(struct wsgw_kit_ws_options){.path = "/dev"}, NULL);
  if (!f.ws)
    fail_msg("connect: %s", wsgw_kit_error());
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_ws_free(f->ws);
  wsgw_kit_stop(f->emu);
  return 0;
}

/* Sends text and parses the handler's JSON answer. */
static cJSON *probe(struct fixture *f) {
  CHECK(wsgw_kit_send_text(f->ws, "probe"));
  CHECK(wsgw_kit_expect_regex(f->ws, "^\\{", WAIT_MS));
  return cJSON_Parse(wsgw_kit_last_message(f->ws));
}

static const char *str(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The entry of the invocation log whose requestId is id (a new tree). */
static cJSON *log_entry(struct fixture *f, const char *handler, const char *id) {
  cJSON *all = wsgw_kit_invocations(f->emu, NULL, NULL, handler), *e;

  cJSON_ArrayForEach(e, all) {
    if (id && str(e, "requestId") && strcmp(str(e, "requestId"), id) == 0) {
      cJSON *copy = cJSON_Duplicate(e, 1);
      cJSON_Delete(all);
      return copy;
    }
  }
  cJSON_Delete(all);
  fail_msg("no invocation of %s with requestId %s", handler, id ? id : "(null)");
  return NULL;
}

static void is_uuid(const char *s) {
  assert_non_null(s);
  assert_int_equal(strlen(s), 36);
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      assert_int_equal(s[i], '-');
    else
      assert_non_null(strchr("0123456789abcdef", s[i]));
  }
}

static void request_id_is_a_uuid_per_invocation_recorded_in_the_invocation_log(void **state) {
  struct fixture *f = *state;
  cJSON *a = probe(f), *b = probe(f), *entry;

  is_uuid(str(a, "requestId"));
  is_uuid(str(b, "requestId"));
  assert_string_not_equal(str(a, "requestId"), str(b, "requestId"));
  entry = log_entry(f, "ctx.probe", str(a, "requestId"));
  assert_string_equal(str(entry, "outcome"), "ok");
  cJSON_Delete(entry);
  cJSON_Delete(a);
  cJSON_Delete(b);
}

static void remaining_time_counts_down_from_the_configured_timeout(void **state) {
  struct fixture *f = *state;
  cJSON *a = probe(f);
  const cJSON *ms = cJSON_GetObjectItemCaseSensitive(a, "remainingMs");

  assert_true(cJSON_IsNumber(ms));
  assert_true(ms->valuedouble > 0);
  assert_true(ms->valuedouble <= 3000);
  cJSON_Delete(a);
}

static void connection_id_is_the_events_connection_id(void **state) {
  struct fixture *f = *state;
  cJSON *a = probe(f);

  assert_non_null(str(a, "connectionId"));
  assert_string_equal(str(a, "connectionId"), wsgw_kit_ws_id(f->ws));
  cJSON_Delete(a);
}

static void log_lines_go_to_stderr_and_into_the_invocation_log(void **state) {
  struct fixture *f = *state;
  char path[] = "/tmp/wsgw-test-wsgw-XXXXXX", text[8192], want[128];
  int fd = mkstemp(path), saved = dup(2);
  cJSON *a, *entry;
  const cJSON *logs;
  FILE *in;
  size_t n;

  assert_true(fd >= 0 && saved >= 0);
  fflush(stderr);
  dup2(fd, 2);
  a = probe(f);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  in = fopen(path, "r");
  assert_non_null(in);
  n = fread(text, 1, sizeof(text) - 1, in);
  text[n] = '\0';
  fclose(in);
  unlink(path);
  /* "<function> <request id> <message>", one line each. */
  snprintf(want, sizeof(want), "ctx.probe %s first line 1\n", str(a, "requestId"));
  assert_non_null(strstr(text, want));
  snprintf(want, sizeof(want), "ctx.probe %s second line\n", str(a, "requestId"));
  assert_non_null(strstr(text, want));
  entry = log_entry(f, "ctx.probe", str(a, "requestId"));
  logs = cJSON_GetObjectItemCaseSensitive(entry, "logs");
  assert_int_equal(cJSON_GetArraySize(logs), 2);
  assert_string_equal(cJSON_GetArrayItem(logs, 0)->valuestring, "first line 1");
  assert_string_equal(cJSON_GetArrayItem(logs, 1)->valuestring, "second line");
  cJSON_Delete(entry);
  cJSON_Delete(a);
}

static void invocation_log_keeps_a_bounded_number_of_log_lines(void **state) {
  struct fixture *f = *state;
  cJSON *all, *entry;
  const cJSON *logs;
  int n;

  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"chatty\"}"));
  CHECK(wsgw_kit_expect_text(f->ws, "done", WAIT_MS));
  all = wsgw_kit_invocations(f->emu, NULL, NULL, "ctx.chatty");
  entry = cJSON_GetArrayItem(all, 0);
  logs = cJSON_GetObjectItemCaseSensitive(entry, "logs");
  n = cJSON_GetArraySize(logs);
  /* 64 lines kept, then one saying how many were not. */
  assert_int_equal(n, 65);
  assert_string_equal(cJSON_GetArrayItem(logs, 0)->valuestring, "line 0");
  assert_string_equal(cJSON_GetArrayItem(logs, 63)->valuestring, "line 63");
  assert_string_equal(cJSON_GetArrayItem(logs, 64)->valuestring, "(136 more lines not kept)");
  cJSON_Delete(all);
}

static void timed_out_invocation_records_the_lines_logged_before_its_deadline(void **state) {
  struct fixture *f = *state;
  cJSON *all;
  const cJSON *entry, *logs;

  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"slow\"}"));
  CHECK(wsgw_kit_wait_invocations(f->emu, "slow", NULL, "ctx.slow", 1, WAIT_MS));
  all = wsgw_kit_invocations(f->emu, "slow", NULL, "ctx.slow");
  entry = cJSON_GetArrayItem(all, 0);
  assert_string_equal(str(entry, "outcome"), "timeout");
  is_uuid(str(entry, "requestId"));
  logs = cJSON_GetObjectItemCaseSensitive(entry, "logs");
  assert_int_equal(cJSON_GetArraySize(logs), 1);
  assert_string_equal(cJSON_GetArrayItem(logs, 0)->valuestring, "before the deadline");
  cJSON_Delete(all);
  /* The gateway's error frame for the timeout; the handler then finishes
   * (its remaining time reached 0) before the emulator stops. */
  CHECK(wsgw_kit_expect_regex(f->ws, "Internal server error|Endpoint request timed out", WAIT_MS));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          request_id_is_a_uuid_per_invocation_recorded_in_the_invocation_log, setup, teardown),
      cmocka_unit_test_setup_teardown(remaining_time_counts_down_from_the_configured_timeout, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(connection_id_is_the_events_connection_id, setup, teardown),
      cmocka_unit_test_setup_teardown(log_lines_go_to_stderr_and_into_the_invocation_log, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(invocation_log_keeps_a_bounded_number_of_log_lines, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          timed_out_invocation_records_the_lines_logged_before_its_deadline, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
