/*
 * test_ws_gateway.c - the client-facing WebSocket endpoint: handshake outcomes
 * decided by $connect, subprotocol propagation, route selection and the
 * gateway's own error frames, two-way and one-way routes, frame rules
 * (binary, sizes, fragmentation, UTF-8, ping) and the close codes handed to
 * $disconnect.
 * SPEC docs/spec/apigw-websocket.md 3 (route selection, the Forbidden frame), 4
 * (handler return values), 5 (subprotocols, frames), 6 (limits) and 8
 * ($disconnect codes).
 *
 * One emulator serves the whole group; each stage of the config isolates
 * one $connect behaviour. $disconnect of stage "open" runs diag.record,
 * which stores every DISCONNECT event in table Events; tests find their own
 * connection's event by connectionId, polling with a deadline.
 * Threading: the test thread, plus the emulator's threads running the
 * whoami handler (stateless).
 */
#define _POSIX_C_SOURCE 200809L
#include <regex.h>
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
#define WAIT_MS 5000
#define QUIET_MS 200
#define MAX_FRAME (32 * 1024)
#define MAX_MESSAGE (128 * 1024)

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"open\",\"stage\":\"open\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{"
    "   \"$disconnect\":{\"function\":{\"handler\":\"diag.record\","
    "                                  \"environment\":{\"EVENTS_TABLE\":\"Events\"}}},"
    "   \"whoami\":{\"function\":{\"handler\":\"diag.whoami\"},\"returnResponse\":true},"
    "   \"echo\":{\"function\":{\"handler\":\"diag.echo\"},\"returnResponse\":true},"
    "   \"oneway\":\"diag.echo\","
    "   \"fail\":\"diag.fail\"}},"
    " {\"name\":\"verbatim\",\"stage\":\"verbatim\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"$default\":{\"function\":{\"handler\":\"diag.echo\"},\"returnResponse\":true}}},"
    " {\"name\":\"status\",\"stage\":\"status\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"$connect\":\"diag.status\"}},"
    " {\"name\":\"failconn\",\"stage\":\"failconn\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"$connect\":\"diag.fail\"}},"
    " {\"name\":\"plain\",\"stage\":\"plain\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"$connect\":\"diag.echo\"}},"
    " {\"name\":\"proto\",\"stage\":\"proto\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"$connect\":\"diag.subprotocol\"}}],"
    " \"tables\":[{\"TableName\":\"Events\","
    "  \"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "  \"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "  \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

/* SPEC docs/spec/apigw-websocket.md 3: the exact byte layout of the gateway's frames,
 * e.g. {"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}
 * (ids: 16 chars, base64url of 11 bytes, one '=' of padding). */
#define ERROR_FRAME_RE(msg)                                                   \
  "^\\{\"message\": \"" msg "\", \"connectionId\":\"([A-Za-z0-9_-]{15}=)\", " \
  "\"requestId\":\"([A-Za-z0-9_-]{15}=)\"\\}$"

static int group_setup(void **state) {
  *state = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config}, NULL, 0);
  if (!*state)
    print_error("%s\n", wsgw_kit_error());
  return *state ? 0 : -1;
}

static int group_teardown(void **state) {
  wsgw_kit_stop(*state);
  return 0;
}

/* A client on /open and its connectionId (asked through route whoami). */
static struct wsgw_kit_ws *connect_open(struct wsgw_kit_emu *f, char id[ID_LEN + 1]) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/open", .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN + 1);
  wsgw_kit_frame_free(&fr);
  return c;
}

/* Sends text and expects exactly `expected` back as one text frame. */
static void assert_echo(struct wsgw_kit_ws *c, const char *text) {
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_text(c, text), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_true(fr.fin);
  assert_int_equal(fr.len, strlen(text));
  assert_memory_equal(fr.data, text, fr.len);
  wsgw_kit_frame_free(&fr);
}

static void assert_silence(struct wsgw_kit_ws *c) {
  struct wsgw_kit_frame fr;
  int rc = wsgw_kit_recv_frame(c, QUIET_MS, &fr);

  if (rc == WSGW_KIT_RECV_OK) {
    fail_msg("expected no frame, got opcode %d \"%s\"", fr.opcode, fr.data);
  }
  assert_int_equal(rc, WSGW_KIT_RECV_TIMEOUT);
}

/* Checks an error frame against ERROR_FRAME_RE(message) and that it names
 * connection `id`; copies its requestId into request_id. */
static void assert_error_frame(const struct wsgw_kit_frame *fr, const char *pattern, const char *id,
                               char request_id[ID_LEN + 1]) {
  regex_t re;
  regmatch_t m[3];

  assert_int_equal(fr->opcode, WSGW_KIT_TEXT);
  assert_int_equal(regcomp(&re, pattern, REG_EXTENDED), 0);
  if (regexec(&re, fr->data, 3, m, 0) != 0) {
    regfree(&re);
    fail_msg("frame does not have AWS's byte layout: %s", fr->data);
  }
  regfree(&re);
  assert_int_equal(m[1].rm_eo - m[1].rm_so, ID_LEN);
  assert_memory_equal(fr->data + m[1].rm_so, id, ID_LEN);
  assert_int_equal(m[2].rm_eo - m[2].rm_so, ID_LEN);
  memcpy(request_id, fr->data + m[2].rm_so, ID_LEN);
  request_id[ID_LEN] = '\0';
}

/* ---- $disconnect events recorded by diag.record ------------------------ */

struct disconnect {
  struct wsgw_kit_emu *emu;
  const char *id;
  int code;         /* requestContext.disconnectStatusCode, once found */
  char reason[128]; /* requestContext.disconnectReason */
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

/* Waits for the DISCONNECT event of `id` and checks its status code (and
 * reason, unless NULL). */
static void assert_disconnect(struct wsgw_kit_emu *f, const char *id, int code,
                              const char *reason) {
  struct disconnect d = {f, id, 0, ""};

  if (wsgw_kit_wait_until(disconnect_recorded, &d, WAIT_MS) != 0)
    fail_msg("no DISCONNECT event recorded for %s", id);
  assert_int_equal(d.code, code);
  if (reason)
    assert_string_equal(d.reason, reason);
}

/* The HTTP status of a handshake on path (101 when upgraded). Fails the
 * test when no HTTP response head came back at all. */
static int handshake_status(struct wsgw_kit_emu *f, const char *path) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = WAIT_MS});
  int status;

  if (!c)
    fail_msg("GET %s: no HTTP response (status line missing or connection failed)", path);
  status = wsgw_kit_ws_status(c);
  wsgw_kit_ws_free(c);
  return status;
}

/* ---- Handshake ------------------------------------------------------------ */

static void a_stage_without_connect_route_accepts_the_handshake(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/open", .timeout_ms = WAIT_MS});

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_null(wsgw_kit_ws_subprotocol(c));
  wsgw_kit_ws_free(c);
}

static void connect_status_is_the_handshake_status(void **state) {
  struct wsgw_kit_emu *f = *state;

  /* SPEC docs/spec/apigw-websocket.md 4.1: a non-2xx statusCode is the status of the
   * rejected handshake; 2xx gives 101. */
  assert_int_equal(handshake_status(f, "/status?status=403"), 403);
  assert_int_equal(handshake_status(f, "/status?status=401"), 401);
  assert_int_equal(handshake_status(f, "/status?status=200"), 101);
}

static void a_failing_connect_rejects_the_handshake_with_502(void **state) {
  struct wsgw_kit_emu *f = *state;

  assert_int_equal(handshake_status(f, "/failconn"), 502);
}

static void an_offered_subprotocol_is_not_echoed_unless_connect_returns_it(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){
                            .path = "/plain", .subprotocols = "chat", .timeout_ms = WAIT_MS});

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_null(wsgw_kit_ws_subprotocol(c));
  wsgw_kit_ws_free(c);

  /* The same with no $connect route at all. */
  c = wsgw_kit_ws_open(wsgw_kit_port(f),
                       &(struct wsgw_kit_ws_options){.path = "/open",
                                                     .subprotocols = "chat, superchat",
                                                     .timeout_ms = WAIT_MS});
  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_null(wsgw_kit_ws_subprotocol(c));
  wsgw_kit_ws_free(c);
}

static void the_subprotocol_returned_by_connect_is_in_the_101(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/proto?protocol=chat",
                                                      .subprotocols = "superchat, chat",
                                                      .timeout_ms = WAIT_MS});

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_non_null(wsgw_kit_ws_subprotocol(c));
  assert_string_equal(wsgw_kit_ws_subprotocol(c), "chat");
  wsgw_kit_ws_free(c);
}

static void an_unknown_stage_is_forbidden(void **state) {
  struct wsgw_kit_emu *f = *state;

  assert_int_equal(handshake_status(f, "/nope"), 403);
  /* Nothing may follow the stage. */
  assert_int_equal(handshake_status(f, "/open/more"), 403);
}

/* ---- Messages ------------------------------------------------------------- */

static void an_unrouted_message_gets_the_forbidden_frame_and_stays_open(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1], first[ID_LEN + 1], second[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"nosuchroute\"}"), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_error_frame(&fr, ERROR_FRAME_RE("Forbidden"), id, first);
  wsgw_kit_frame_free(&fr);

  /* Not JSON: no route key, and no $default either. */
  assert_int_equal(wsgw_kit_send_text(c, "hello"), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_error_frame(&fr, ERROR_FRAME_RE("Forbidden"), id, second);
  wsgw_kit_frame_free(&fr);
  /* requestId is fresh per message. */
  assert_string_not_equal(first, second);

  assert_echo(c, "{\"action\":\"echo\",\"after\":\"forbidden\"}");
  wsgw_kit_ws_free(c);
}

static void a_failing_route_gets_the_internal_server_error_frame_and_stays_open(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1], request_id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"fail\"}"), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_error_frame(&fr, ERROR_FRAME_RE("Internal server error"), id, request_id);
  wsgw_kit_frame_free(&fr);
  assert_echo(c, "{\"action\":\"echo\",\"after\":\"fail\"}");
  wsgw_kit_ws_free(c);
}

static void a_two_way_route_returns_the_body_as_one_text_frame(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);

  /* The body is the client's text verbatim, not re-serialized. */
  assert_echo(c, "{ \"action\" : \"echo\",  \"n\": 1.50, \"s\": \"\\u00e9\xc3\xa9\" }");
  assert_silence(c);
  wsgw_kit_ws_free(c);
}

static void a_one_way_route_sends_nothing(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);

  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"oneway\",\"x\":1}"), 0);
  assert_silence(c);
  assert_echo(c, "{\"action\":\"echo\",\"after\":\"oneway\"}");
  wsgw_kit_ws_free(c);
}

static void a_fragmented_text_message_is_reassembled_and_routed(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char text[] = "{\"action\":\"echo\",\"fragmented\":\"across several frames\"}";
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_fragmented(c, text, sizeof(text) - 1, 7), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_string_equal(fr.data, text);
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
}

/* {"action":"echo","pad":"..."} of exactly `len` bytes (malloc'd). */
static char *echo_message_of(size_t len) {
  static const char head[] = "{\"action\":\"echo\",\"pad\":\"";
  char *m = malloc(len + 1);

  assert_non_null(m);
  assert_true(len > sizeof(head) + 2);
  memcpy(m, head, sizeof(head) - 1);
  memset(m + sizeof(head) - 1, 'x', len - (sizeof(head) - 1) - 2);
  memcpy(m + len - 2, "\"}", 2);
  m[len] = '\0';
  return m;
}

static void a_frame_of_exactly_32_kb_is_accepted(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  char *m = echo_message_of(MAX_FRAME);
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_text(c, m), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, MAX_FRAME);
  assert_memory_equal(fr.data, m, MAX_FRAME);
  wsgw_kit_frame_free(&fr);
  free(m);
  wsgw_kit_ws_free(c);
}

static void a_frame_over_32_kb_closes_with_1009(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  char *m = echo_message_of(MAX_FRAME + 1);
  int code = 0;

  assert_int_equal(wsgw_kit_send_text(c, m), 0);
  assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
  assert_int_equal(code, 1009);
  assert_disconnect(f, id, 1009, NULL);
  free(m);
  wsgw_kit_ws_free(c);
}

static void a_fragmented_message_over_128_kb_closes_with_1009(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  char *m = echo_message_of(MAX_MESSAGE + 1);
  int code = 0;

  /* Every frame is within 32 KB; the message is not within 128 KB. The
   * server may close before the last fragment is written. */
  wsgw_kit_send_fragmented(c, m, MAX_MESSAGE + 1, MAX_FRAME);
  assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
  assert_int_equal(code, 1009);
  assert_disconnect(f, id, 1009, NULL);
  free(m);
  wsgw_kit_ws_free(c);
}

static void a_fragmented_message_of_exactly_128_kb_is_routed(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  char *m = echo_message_of(MAX_MESSAGE);
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_fragmented(c, m, MAX_MESSAGE, MAX_FRAME), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_int_equal(fr.len, MAX_MESSAGE);
  assert_memory_equal(fr.data, m, MAX_MESSAGE);
  wsgw_kit_frame_free(&fr);
  free(m);
  wsgw_kit_ws_free(c);
}

static void a_binary_frame_closes_with_1003(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  static const unsigned char bytes[] = {0x7b, 0x00, 0xff, 0x7d};
  int code = 0;

  assert_int_equal(wsgw_kit_send_binary(c, bytes, sizeof(bytes)), 0);
  assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
  assert_int_equal(code, 1003);
  assert_disconnect(f, id, 1003, NULL);
  wsgw_kit_ws_free(c);
}

static void invalid_utf8_closes_with_1007(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  int code = 0;

  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"echo\",\"bad\":\"\xc3\x28\"}"), 0);
  assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
  assert_int_equal(code, 1007);
  wsgw_kit_ws_free(c);
}

static void a_ping_gets_a_pong_with_the_same_payload(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_frame(c, WSGW_KIT_PING, 1, "ping-42", 7), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_PONG);
  assert_int_equal(fr.len, 7);
  assert_memory_equal(fr.data, "ping-42", 7);
  wsgw_kit_frame_free(&fr);
  /* Control frames never reach a route: nothing else arrives. */
  assert_silence(c);
  wsgw_kit_ws_free(c);
}

/* ---- $disconnect ---------------------------------------------------------- */

/* SPEC docs/spec/apigw-websocket.md 2.2: the body is the client's text
 * verbatim, a U+0000 included (it was cut there: cJSON strings end at NUL). */
static void a_nul_in_a_message_reaches_the_handler_and_comes_back(void **state) {
  static const char msg[] = "ab\0cd";
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/verbatim", .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_send_frame(c, WSGW_KIT_TEXT, 1, msg, sizeof(msg) - 1), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, sizeof(msg) - 1);
  assert_memory_equal(fr.data, msg, sizeof(msg) - 1);
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
}

static void a_close_without_code_reaches_disconnect_as_1005(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);

  assert_int_equal(wsgw_kit_close(c, 0, NULL), 0);
  assert_disconnect(f, id, 1005, "Client-side close frame status not set");
  wsgw_kit_ws_free(c);
}

static void a_close_with_code_reaches_disconnect_with_that_code(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);

  assert_int_equal(wsgw_kit_close(c, 4001, "bye now"), 0);
  assert_disconnect(f, id, 4001, "bye now");
  wsgw_kit_ws_free(c);
}

static void a_dropped_connection_reaches_disconnect_as_1006(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_open(f, id);

  wsgw_kit_drop(c);
  assert_disconnect(f, id, 1006, NULL);
  wsgw_kit_ws_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_stage_without_connect_route_accepts_the_handshake),
      cmocka_unit_test(connect_status_is_the_handshake_status),
      cmocka_unit_test(a_failing_connect_rejects_the_handshake_with_502),
      cmocka_unit_test(an_offered_subprotocol_is_not_echoed_unless_connect_returns_it),
      cmocka_unit_test(the_subprotocol_returned_by_connect_is_in_the_101),
      cmocka_unit_test(an_unknown_stage_is_forbidden),
      cmocka_unit_test(an_unrouted_message_gets_the_forbidden_frame_and_stays_open),
      cmocka_unit_test(a_failing_route_gets_the_internal_server_error_frame_and_stays_open),
      cmocka_unit_test(a_two_way_route_returns_the_body_as_one_text_frame),
      cmocka_unit_test(a_one_way_route_sends_nothing),
      cmocka_unit_test(a_fragmented_text_message_is_reassembled_and_routed),
      cmocka_unit_test(a_frame_of_exactly_32_kb_is_accepted),
      cmocka_unit_test(a_frame_over_32_kb_closes_with_1009),
      cmocka_unit_test(a_fragmented_message_over_128_kb_closes_with_1009),
      cmocka_unit_test(a_fragmented_message_of_exactly_128_kb_is_routed),
      cmocka_unit_test(a_binary_frame_closes_with_1003),
      cmocka_unit_test(invalid_utf8_closes_with_1007),
      cmocka_unit_test(a_ping_gets_a_pong_with_the_same_payload),
      cmocka_unit_test(a_nul_in_a_message_reaches_the_handler_and_comes_back),
      cmocka_unit_test(a_close_without_code_reaches_disconnect_as_1005),
      cmocka_unit_test(a_close_with_code_reaches_disconnect_with_that_code),
      cmocka_unit_test(a_dropped_connection_reaches_disconnect_as_1006),
  };

  return cmocka_run_group_tests_name("ws_gateway", tests, group_setup, group_teardown);
}
