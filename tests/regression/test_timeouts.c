/*
 * test_timeouts.c - regression: the idle timeout and the maximum
 * connection duration (AWS: 10 min and 2 h, configurable down to seconds
 * through the kit's options). Both close with 1001 and reach $disconnect as 1001
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

#include <wsgw/kit.h>

#define ID_LEN 16
#define IDLE_MS 1000
#define MAX_DURATION_MS 2000
#define WAIT_MS 6000
#define ACTIVE_STEP_MS 200

static const char config[] =
    "{\"apis\":[{\"name\":\"t\",\"stage\":\"t\","
    "  \"routes\":{"
    "   \"$disconnect\":{\"function\":{\"handler\":\"diag.record\","
    "                                  \"environment\":{\"EVENTS_TABLE\":\"Events\"}}},"
    "   \"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true},"
    "   \"echo\":{\"function\":\"diag.echo\",\"returnResponse\":true}}}],"
    " \"tables\":[{\"TableName\":\"Events\","
    "  \"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "  \"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "  \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

struct fixture {
  struct wsgw_kit_emu *emu;
  int port;
};

static int group_setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  f->emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config,
                                                     .idle_timeout_ms = IDLE_MS,
                                                     .max_duration_ms = MAX_DURATION_MS},
                          NULL, 0);
  if (!f->emu)
    fail_msg("%s", wsgw_kit_error());
  f->port = wsgw_kit_port(f->emu);
  *state = f;
  return 0;
}

static int group_teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_stop(f->emu);
  free(f);
  return 0;
}

/* Connects to /t and learns the id; the whoami message is the last
 * activity, at *active_at (monotonic ms). *started_at (may be NULL) is
 * taken before connecting: the server's duration clock starts later, so
 * time measured from it is never shorter than the server's. */
static struct wsgw_kit_ws *connect_t(const struct fixture *f, char id[ID_LEN + 1],
                                     long long *active_at, long long *started_at) {
  struct wsgw_kit_ws *c;
  struct wsgw_kit_frame fr;

  if (started_at)
    *started_at = wsgw_kit_now_ms();
  c = wsgw_kit_ws_open(f->port, &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  *active_at = wsgw_kit_now_ms();
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN + 1);
  wsgw_kit_frame_free(&fr);
  return c;
}

struct disconnect {
  struct wsgw_kit_emu *emu;
  const char *id;
  int code;
  char reason[128];
};

static int disconnect_recorded(void *arg) {
  struct disconnect *d = arg;
  cJSON *event = wsgw_kit_recorded_event(d->emu, "Events", d->id, "DISCONNECT");
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
  struct disconnect d = {f->emu, id, 0, ""};

  if (wsgw_kit_wait_until(disconnect_recorded, &d, WAIT_MS) != 0)
    fail_msg("no DISCONNECT event recorded for %s", id);
  assert_int_equal(d.code, 1001);
  assert_string_equal(d.reason, "Going away");
}

static void an_idle_connection_is_closed_with_1001_going_away(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long active_at;
  struct wsgw_kit_ws *c = connect_t(f, id, &active_at, NULL);
  int code = 0;
  long long elapsed;

  assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
  elapsed = wsgw_kit_now_ms() - active_at;
  assert_int_equal(code, 1001);
  /* Closed for idleness: not before the idle timeout, and well before the
   * maximum duration. */
  if (elapsed < IDLE_MS - 50 || elapsed >= MAX_DURATION_MS - 100)
    fail_msg("closed %lld ms after the last message; idle timeout is %d ms", elapsed, IDLE_MS);
  assert_disconnect_going_away(f, id);
  wsgw_kit_ws_free(c);
}

/* Keeps c active with echo messages until the server closes it; returns
 * the close code, or fails after WAIT_MS. */
static int keep_active_until_closed(struct wsgw_kit_ws *c, void (*activity)(struct wsgw_kit_ws *)) {
  long long deadline = wsgw_kit_now_ms() + WAIT_MS;

  while (wsgw_kit_now_ms() < deadline) {
    long long step_end = wsgw_kit_now_ms() + ACTIVE_STEP_MS;
    activity(c);
    for (;;) {
      struct wsgw_kit_frame fr;
      long long left = step_end - wsgw_kit_now_ms();
      int rc = wsgw_kit_recv_frame(c, left > 0 ? (int)left : 0, &fr);
      if (rc == WSGW_KIT_RECV_TIMEOUT)
        break;
      if (rc != WSGW_KIT_RECV_OK)
        fail_msg("connection ended without a close frame (%d)", rc);
      if (fr.opcode == WSGW_KIT_CLOSE) {
        int code = fr.close_code;
        unsigned char echo[2] = {(unsigned char)(code >> 8), (unsigned char)(code & 0xff)};
        wsgw_kit_frame_free(&fr);
        wsgw_kit_send_frame(c, WSGW_KIT_CLOSE, 1, echo, sizeof(echo)); /* RFC 6455 5.5.1 */
        return code;
      }
      wsgw_kit_frame_free(&fr);
    }
  }
  fail_msg("the server did not close the connection within %d ms", WAIT_MS);
  return -1;
}

static void send_echo(struct wsgw_kit_ws *c) {
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"echo\"}"), 0);
}

static void send_ping(struct wsgw_kit_ws *c) {
  assert_int_equal(wsgw_kit_send_frame(c, WSGW_KIT_PING, 1, "p", 1), 0);
}

static void an_active_connection_is_closed_at_the_maximum_duration_with_1001(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long connected_at, active_at;
  struct wsgw_kit_ws *c = connect_t(f, id, &active_at, &connected_at);
  long long elapsed;
  int code = keep_active_until_closed(c, send_echo);

  elapsed = wsgw_kit_now_ms() - connected_at;
  assert_int_equal(code, 1001);
  /* Messages every ACTIVE_STEP_MS keep it from going idle; the maximum
   * duration still ends it. */
  if (elapsed < MAX_DURATION_MS - 100)
    fail_msg("closed after %lld ms, before the maximum duration (%d ms)", elapsed, MAX_DURATION_MS);
  assert_disconnect_going_away(f, id);
  wsgw_kit_ws_free(c);
}

static void a_ping_is_not_activity(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long active_at;
  struct wsgw_kit_ws *c = connect_t(f, id, &active_at, NULL);
  long long elapsed;
  int code = keep_active_until_closed(c, send_ping);

  elapsed = wsgw_kit_now_ms() - active_at;
  assert_int_equal(code, 1001);
  /* Pings every ACTIVE_STEP_MS did not keep it open until the maximum
   * duration: the idle timeout closed it. */
  if (elapsed >= MAX_DURATION_MS - 100)
    fail_msg("closed after %lld ms: pings counted as activity (idle timeout %d ms)", elapsed,
             IDLE_MS);
  assert_disconnect_going_away(f, id);
  wsgw_kit_ws_free(c);
}

static void a_client_that_never_answers_the_close_frame_is_still_disconnected(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  long long active_at;
  struct wsgw_kit_ws *c = connect_t(f, id, &active_at, NULL);
  struct wsgw_kit_frame fr;
  int rc;

  /* The client reads nothing and answers nothing: the server's close frame
   * goes unanswered, and the server must give up on the socket itself. */
  assert_disconnect_going_away(f, id);
  /* What the client finds afterwards: the close frame (1001), then EOF. */
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_CLOSE);
  assert_int_equal(fr.close_code, 1001);
  wsgw_kit_frame_free(&fr);
  rc = wsgw_kit_recv_frame(c, WAIT_MS, &fr);
  if (rc == WSGW_KIT_RECV_OK) {
    wsgw_kit_frame_free(&fr);
    fail_msg("expected EOF after the close frame, got another frame");
  }
  assert_true(rc == WSGW_KIT_RECV_EOF || rc == WSGW_KIT_RECV_ERROR);
  wsgw_kit_ws_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(an_idle_connection_is_closed_with_1001_going_away),
      cmocka_unit_test(an_active_connection_is_closed_at_the_maximum_duration_with_1001),
      cmocka_unit_test(a_ping_is_not_activity),
      cmocka_unit_test(a_client_that_never_answers_the_close_frame_is_still_disconnected),
  };

  return cmocka_run_group_tests_name("regression_timeouts", tests, group_setup, group_teardown);
}
