/*
 * test_timeouts.c - regression: the idle timeout and the maximum
 * connection duration (AWS: 10 min and 2 h, configurable down to seconds
 * through emu_options). Both close with 1001 and reach $disconnect as 1001
 * "Going away"; a client that never answers the close frame is still
 * disconnected (and $disconnect runs); a ping is not activity.
 * SPEC docs/spec/apigw-websocket.md 5 (pings), 6 (limits) and 8 ($disconnect codes).
 *
 * One emulator with idle 1 s and maximum duration 2 s serves the group;
 * $disconnect runs diag.record (table Events). Every wait polls with a
 * deadline; "keeping a connection active" means sending a message, then
 * waiting up to ACTIVE_STEP_MS for the server's close frame.
 * Threading: the test thread, plus the emulator's threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "emu_server.h"
#include "test_support.h"
#include "ws_client.h"

#define ID_LEN 16
#define IDLE_MS 1000
#define MAX_DURATION_MS 2000
#define WAIT_MS 6000
#define ACTIVE_STEP_MS 200

static cJSON *whoami(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), "connectionId");

  (void)ctx;
  return wsgw_response(200, cJSON_IsString(id) ? id->valuestring : "");
}

static const struct wsgw_handler test_handlers[] = {
    {"test.whoami", whoami},
    {NULL, NULL},
};

static const char config[] =
    "{\"apis\":[{\"name\":\"t\",\"stage\":\"t\","
    "  \"routes\":{"
    "   \"$disconnect\":{\"function\":{\"handler\":\"diag.record\","
    "                                  \"environment\":{\"EVENTS_TABLE\":\"Events\"}}},"
    "   \"whoami\":{\"function\":\"test.whoami\",\"returnResponse\":true},"
    "   \"echo\":{\"function\":\"diag.echo\",\"returnResponse\":true}}}],"
    " \"tables\":[{\"TableName\":\"Events\","
    "  \"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "  \"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "  \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

struct fixture {
  struct emu *emu;
  int port;
};

static int group_setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  struct emu_options o;

  assert_non_null(f);
  memset(&o, 0, sizeof(o));
  o.idle_timeout_ms = IDLE_MS;
  o.max_duration_ms = MAX_DURATION_MS;
  o.tls_port = -1;
  f->emu = tsupport_emu_start_opts(config, test_handlers, &o);
  assert_non_null(f->emu);
  f->port = tsupport_emu_port(f->emu);
  *state = f;
  return 0;
}

static int group_teardown(void **state) {
  struct fixture *f = *state;

  tsupport_emu_stop(f->emu);
  free(f);
  return 0;
}

/* Connects to /t and learns the id; the whoami message is the last
 * activity, at *active_at (monotonic ms). *started_at (may be NULL) is
 * taken before connecting: the server's duration clock starts later, so
 * time measured from it is never shorter than the server's. */
static struct ws_client *connect_t(const struct fixture *f, char id[ID_LEN + 1],
                                   long long *active_at, long long *started_at) {
  struct ws_client *c;
  struct ws_client_frame fr;

  if (started_at)
    *started_at = tsupport_now_ms();
  c = ws_client_connect(f->port, "/t", NULL, NULL, WAIT_MS);

  assert_non_null(c);
  assert_int_equal(ws_client_status(c), 101);
  *active_at = tsupport_now_ms();
  assert_int_equal(ws_client_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(ws_client_recv_message(c, WAIT_MS, &fr), WS_CLIENT_OK);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN + 1);
  ws_client_frame_free(&fr);
  return c;
}

struct disconnect {
  int port;
  const char *id;
  int code;
  char reason[128];
};

static int disconnect_recorded(void *arg) {
  struct disconnect *d = arg;
  cJSON *event = tsupport_recorded_event(d->port, "Events", d->id, "DISCONNECT");
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *code = cJSON_GetObjectItemCaseSensitive(rc, "disconnectStatusCode");
  const cJSON *reason = cJSON_GetObjectItemCaseSensitive(rc, "disconnectReason");

  if (!event)
    return 0;
  d->code = cJSON_IsNumber(code) ? code->valueint : -1;
  snprintf(d->reason, sizeof(d->reason), "%s",
           cJSON_IsString(reason) ? reason->valuestring : "(none)");
  cJSON_Delete(event);
  return 1;
}

static void assert_disconnect_going_away(const struct fixture *f, const char *id) {
  struct disconnect d = {f->port, id, 0, ""};

  if (!tsupport_wait_until(WAIT_MS, disconnect_recorded, &d))
    fail_msg("no DISCONNECT event recorded for %s", id);
  assert_int_equal(d.code, 1001);
  assert_string_equal(d.reason, "Going away");
}

static void an_idle_connection_is_closed_with_1001_going_away(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long active_at;
  struct ws_client *c = connect_t(f, id, &active_at, NULL);
  int code = 0;
  long long elapsed;

  assert_int_equal(ws_client_expect_close(c, WAIT_MS, &code), WS_CLIENT_OK);
  elapsed = tsupport_now_ms() - active_at;
  assert_int_equal(code, 1001);
  /* Closed for idleness: not before the idle timeout, and well before the
   * maximum duration. */
  if (elapsed < IDLE_MS - 50 || elapsed >= MAX_DURATION_MS - 100)
    fail_msg("closed %lld ms after the last message; idle timeout is %d ms", elapsed, IDLE_MS);
  assert_disconnect_going_away(f, id);
  ws_client_free(c);
}

/* Keeps c active with echo messages until the server closes it; returns
 * the close code, or fails after WAIT_MS. */
static int keep_active_until_closed(struct ws_client *c, void (*activity)(struct ws_client *)) {
  long long deadline = tsupport_now_ms() + WAIT_MS;

  while (tsupport_now_ms() < deadline) {
    long long step_end = tsupport_now_ms() + ACTIVE_STEP_MS;
    activity(c);
    for (;;) {
      struct ws_client_frame fr;
      long long left = step_end - tsupport_now_ms();
      int rc = ws_client_recv(c, left > 0 ? (int)left : 0, &fr);
      if (rc == WS_CLIENT_TIMEOUT)
        break;
      if (rc != WS_CLIENT_OK)
        fail_msg("connection ended without a close frame (%d)", rc);
      if (fr.opcode == WS_CLIENT_CLOSE) {
        int code = fr.close_code;
        ws_client_frame_free(&fr);
        ws_client_send_close(c, code, NULL);
        return code;
      }
      ws_client_frame_free(&fr);
    }
  }
  fail_msg("the server did not close the connection within %d ms", WAIT_MS);
  return -1;
}

static void send_echo(struct ws_client *c) {
  assert_int_equal(ws_client_send_text(c, "{\"action\":\"echo\"}"), 0);
}

static void send_ping(struct ws_client *c) {
  assert_int_equal(ws_client_send_ping(c, "p", 1), 0);
}

static void an_active_connection_is_closed_at_the_maximum_duration_with_1001(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long connected_at, active_at;
  struct ws_client *c = connect_t(f, id, &active_at, &connected_at);
  long long elapsed;
  int code = keep_active_until_closed(c, send_echo);

  elapsed = tsupport_now_ms() - connected_at;
  assert_int_equal(code, 1001);
  /* Messages every ACTIVE_STEP_MS keep it from going idle; the maximum
   * duration still ends it. */
  if (elapsed < MAX_DURATION_MS - 100)
    fail_msg("closed after %lld ms, before the maximum duration (%d ms)", elapsed,
             MAX_DURATION_MS);
  assert_disconnect_going_away(f, id);
  ws_client_free(c);
}

static void a_ping_is_not_activity(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long active_at;
  struct ws_client *c = connect_t(f, id, &active_at, NULL);
  long long elapsed;
  int code = keep_active_until_closed(c, send_ping);

  elapsed = tsupport_now_ms() - active_at;
  assert_int_equal(code, 1001);
  /* Pings every ACTIVE_STEP_MS did not keep it open until the maximum
   * duration: the idle timeout closed it. */
  if (elapsed >= MAX_DURATION_MS - 100)
    fail_msg("closed after %lld ms: pings counted as activity (idle timeout %d ms)", elapsed,
             IDLE_MS);
  assert_disconnect_going_away(f, id);
  ws_client_free(c);
}

static void a_client_that_never_answers_the_close_frame_is_still_disconnected(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long active_at;
  struct ws_client *c = connect_t(f, id, &active_at, NULL);
  struct ws_client_frame fr;
  int rc;

  /* The client reads nothing and answers nothing: the server's close frame
   * goes unanswered, and the server must give up on the socket itself. */
  assert_disconnect_going_away(f, id);
  /* What the client finds afterwards: the close frame (1001), then EOF. */
  assert_int_equal(ws_client_recv(c, WAIT_MS, &fr), WS_CLIENT_OK);
  assert_int_equal(fr.opcode, WS_CLIENT_CLOSE);
  assert_int_equal(fr.close_code, 1001);
  ws_client_frame_free(&fr);
  rc = ws_client_recv(c, WAIT_MS, &fr);
  if (rc == WS_CLIENT_OK) {
    ws_client_frame_free(&fr);
    fail_msg("expected EOF after the close frame, got another frame");
  }
  assert_true(rc == WS_CLIENT_EOF || rc == WS_CLIENT_ERROR);
  ws_client_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(an_idle_connection_is_closed_with_1001_going_away),
      cmocka_unit_test(an_active_connection_is_closed_at_the_maximum_duration_with_1001),
      cmocka_unit_test(a_ping_is_not_activity),
      cmocka_unit_test(a_client_that_never_answers_the_close_frame_is_still_disconnected),
  };

  return cmocka_run_group_tests_name("regression_timeouts", tests, group_setup,
                                     group_teardown);
}
