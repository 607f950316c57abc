/*
 * test_handler_results.c - regression: what the gateway does with a
 * handler's result. On $connect: 2xx -> 101, any other status passed to
 * the handshake unchanged, function error -> 502, timeout -> 504, only
 * Sec-WebSocket-Protocol copied from the response headers. On MESSAGE
 * routes: one-way by default, returnResponse sends the returned body as one
 * text frame, a function error sends the "Internal server error" frame and
 * a timeout the "Endpoint request timed out" frame, byte for byte, and the
 * connection stays open. Each function has its own timeout: the per-route
 * value, else defaults.function.
 * SPEC docs/spec/apigw-websocket.md 4 (handler return values) and 6 (timeouts).
 *
 * One emulator serves the group; each stage isolates one behaviour.
 * diag.sleep sleeps for query `ms` on $connect and body `ms` on messages.
 * Threading: the test thread, plus the emulator's threads running the
 * stateless handlers below.
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

static const char *rc_string(const cJSON *event, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

/* $connect: 200 with a subprotocol, other headers and a body; only the
 * subprotocol may reach the client. */
static cJSON *connect_with_headers(const cJSON *event, struct wsgw_ctx *ctx) {
  cJSON *r = wsgw_response(200, "body of $connect");
  cJSON *h = cJSON_AddObjectToObject(r, "headers");

  (void)event;
  (void)ctx;
  cJSON_AddStringToObject(h, "Sec-WebSocket-Protocol", "chat");
  cJSON_AddStringToObject(h, "X-Custom", "from-connect");
  cJSON_AddStringToObject(h, "Set-Cookie", "session=1");
  cJSON_AddStringToObject(h, "Access-Control-Allow-Origin", "*");
  return r;
}

/* MESSAGE: a body that differs from the input. */
static cJSON *reply(const cJSON *event, struct wsgw_ctx *ctx) {
  char text[128];

  (void)ctx;
  snprintf(text, sizeof(text), "reply to %s", rc_string(event, "routeKey"));
  return wsgw_response(200, text);
}

static const struct wsgw_handler test_handlers[] = {
    {"test.connect_with_headers", connect_with_headers},
    {"test.reply", reply},
    {NULL, NULL},
};

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"status\",\"stage\":\"status\",\"routes\":{\"$connect\":\"diag.status\"}},"
    " {\"name\":\"failconn\",\"stage\":\"failconn\",\"routes\":{\"$connect\":\"diag.fail\"}},"
    " {\"name\":\"slowconn\",\"stage\":\"slowconn\","
    "  \"routes\":{\"$connect\":{\"function\":{\"handler\":\"diag.sleep\",\"timeout\":0.5}}}},"
    " {\"name\":\"hdrs\",\"stage\":\"hdrs\","
    "  \"routes\":{\"$connect\":\"test.connect_with_headers\"}},"
    " {\"name\":\"msg\",\"stage\":\"msg\","
    "  \"defaults\":{\"function\":{\"timeout\":0.2}},"
    "  \"routes\":{"
    /* Fast handlers get a generous timeout of their own, so a loaded CI
     * machine cannot push them past the 0.2 s default that "slow" tests. */
    "   \"whoami\":{\"function\":{\"handler\":\"diag.whoami\",\"timeout\":10},\"returnResponse\":true},"
    "   \"oneway\":{\"function\":{\"handler\":\"test.reply\",\"timeout\":10}},"
    "   \"twoway\":{\"function\":{\"handler\":\"test.reply\",\"timeout\":10},\"returnResponse\":true},"
    "   \"fail\":{\"function\":{\"handler\":\"diag.fail\",\"timeout\":10}},"
    "   \"failtwo\":{\"function\":{\"handler\":\"diag.fail\",\"timeout\":10},\"returnResponse\":true},"
    "   \"slow\":{\"function\":\"diag.sleep\",\"returnResponse\":true},"
    "   \"slowok\":{\"function\":{\"handler\":\"diag.sleep\",\"timeout\":5},"
    "               \"returnResponse\":true}}}]}";

static int group_setup(void **state) {
  *state = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = test_handlers}, NULL, 0);
  if (!*state)
    print_error("%s\n", wsgw_kit_error());
  return *state ? 0 : -1;
}

static int group_teardown(void **state) {
  wsgw_kit_stop(*state);
  return 0;
}

static int handshake_status(struct wsgw_kit_emu *f, const char *path) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = WAIT_MS});
  int status;

  if (!c)
    fail_msg("GET %s: no HTTP response", path);
  status = wsgw_kit_ws_status(c);
  wsgw_kit_ws_free(c);
  return status;
}

static struct wsgw_kit_ws *connect_msg(struct wsgw_kit_emu *f, char id[ID_LEN + 1]) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/msg", .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN + 1);
  wsgw_kit_frame_free(&fr);
  return c;
}

static void assert_silence(struct wsgw_kit_ws *c) {
  struct wsgw_kit_frame fr;
  int rc = wsgw_kit_recv_frame(c, QUIET_MS, &fr);

  if (rc == WSGW_KIT_RECV_OK)
    fail_msg("expected no frame, got opcode %d \"%s\"", fr.opcode, fr.data);
  assert_int_equal(rc, WSGW_KIT_RECV_TIMEOUT);
}

/* Sends text and expects exactly `want` back as one text frame. */
static void assert_reply(struct wsgw_kit_ws *c, const char *text, const char *want) {
  struct wsgw_kit_frame fr;

  assert_int_equal(wsgw_kit_send_text(c, text), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_true(fr.fin);
  assert_string_equal(fr.data, want);
  wsgw_kit_frame_free(&fr);
}

/* Sends text and expects the gateway's error frame for `message`, byte for
 * byte: {"message": "<message>", "connectionId":"<id>", "requestId":"<16>"}. */
static void assert_error_frame(struct wsgw_kit_ws *c, const char *text, const char *message,
                               const char *id) {
  struct wsgw_kit_frame fr;
  char prefix[160];
  regex_t re;
  int rc;

  snprintf(prefix, sizeof(prefix),
           "{\"message\": \"%s\", \"connectionId\":\"%s\", \"requestId\":\"", message, id);
  assert_int_equal(wsgw_kit_send_text(c, text), 0);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  if (fr.len != strlen(prefix) + ID_LEN + 2 || memcmp(fr.data, prefix, strlen(prefix)) != 0)
    fail_msg("expected %s<requestId>\"}, got %s", prefix, fr.data);
  assert_int_equal(regcomp(&re, "^[A-Za-z0-9_-]{15}=\"}$", REG_EXTENDED | REG_NOSUB), 0);
  rc = regexec(&re, fr.data + strlen(prefix), 0, NULL, 0);
  regfree(&re);
  if (rc != 0)
    fail_msg("requestId of %s is not a 16-character id", fr.data);
  wsgw_kit_frame_free(&fr);
}

/* ---- $connect ---------------------------------------------------------------- */

static void connect_2xx_gives_101_and_other_statuses_pass_through(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const struct {
    int returned, handshake;
    const char *reason;
  } rows[] = {
      {200, 101, "200 accepts"},
      {201, 101, "any 2xx accepts"},
      {204, 101, "any 2xx accepts"},
      {299, 101, "the top of 2xx accepts"},
      {301, 301, "a redirect is passed through"},
      {400, 400, "client errors are passed through"},
      {401, 401, "seen on AWS as 'Unexpected server response: 401'"},
      {403, 403, "client errors are passed through"},
      {429, 429, "client errors are passed through"},
      {500, 500, "server errors are passed through"},
      {501, 501, "seen on AWS as 'Unexpected server response: 501'"},
  };
  size_t i;

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char path[64];
    int got;
    snprintf(path, sizeof(path), "/status?status=%d", rows[i].returned);
    got = handshake_status(f, path);
    if (got != rows[i].handshake)
      fail_msg("$connect returned %d (%s): handshake %d, expected %d", rows[i].returned,
               rows[i].reason, got, rows[i].handshake);
  }
}

static void a_connect_function_error_gives_502(void **state) {
  struct wsgw_kit_emu *f = *state;

  assert_int_equal(handshake_status(f, "/failconn"), 502);
}

static void a_connect_timeout_gives_504(void **state) {
  struct wsgw_kit_emu *f = *state;
  long long start = wsgw_kit_now_ms();

  /* The route's timeout is 0.5 s: a 2 s $connect is cut off at 0.5 s. */
  assert_int_equal(handshake_status(f, "/slowconn?ms=2000"), 504);
  assert_true(wsgw_kit_now_ms() - start < 1800);
  /* Within the timeout it connects. */
  assert_int_equal(handshake_status(f, "/slowconn?ms=0"), 101);
}

static void only_sec_websocket_protocol_is_copied_from_the_connect_response(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){
                            .path = "/hdrs", .subprotocols = "chat", .timeout_ms = WAIT_MS});

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_non_null(wsgw_kit_ws_subprotocol(c));
  assert_string_equal(wsgw_kit_ws_subprotocol(c), "chat");
  assert_null(wsgw_kit_ws_header(c, "X-Custom"));
  assert_null(wsgw_kit_ws_header(c, "Set-Cookie"));
  assert_null(wsgw_kit_ws_header(c, "Access-Control-Allow-Origin"));
  /* The body is dropped too: no frame follows the 101. */
  assert_silence(c);
  wsgw_kit_ws_free(c);
}

/* ---- MESSAGE routes ------------------------------------------------------------ */

static void a_route_is_one_way_unless_return_response_is_set(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_msg(f, id);

  /* test.reply returns a body; a one-way route drops it. */
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"oneway\"}"), 0);
  assert_silence(c);
  /* returnResponse: the returned body (not the input) as one text frame. */
  assert_reply(c, "{\"action\":\"twoway\"}", "reply to twoway");
  assert_silence(c);
  wsgw_kit_ws_free(c);
}

static void a_function_error_sends_the_internal_server_error_frame_and_stays_open(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_msg(f, id);

  assert_error_frame(c, "{\"action\":\"fail\"}", "Internal server error", id);
  assert_error_frame(c, "{\"action\":\"failtwo\"}", "Internal server error", id);
  assert_reply(c, "{\"action\":\"twoway\"}", "reply to twoway");
  wsgw_kit_ws_free(c);
}

static void a_timeout_sends_the_endpoint_request_timed_out_frame_and_stays_open(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_msg(f, id);
  long long start = wsgw_kit_now_ms();

  /* "slow" inherits defaults.function.timeout (0.2 s). */
  assert_error_frame(c, "{\"action\":\"slow\",\"ms\":1000}", "Endpoint request timed out", id);
  assert_true(wsgw_kit_now_ms() - start < 900);
  /* The abandoned invocation's result never arrives; the connection works. */
  assert_reply(c, "{\"action\":\"twoway\"}", "reply to twoway");
  assert_reply(c, "{\"action\":\"slow\",\"ms\":0}", "slept 0 ms");
  wsgw_kit_ws_free(c);
}

static void a_per_route_timeout_overrides_the_default_function_timeout(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_msg(f, id);

  /* 400 ms: past the default 0.2 s, within slowok's own 5 s. */
  assert_reply(c, "{\"action\":\"slowok\",\"ms\":400}", "slept 400 ms");
  assert_error_frame(c, "{\"action\":\"slow\",\"ms\":400}", "Endpoint request timed out", id);
  wsgw_kit_ws_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(connect_2xx_gives_101_and_other_statuses_pass_through),
      cmocka_unit_test(a_connect_function_error_gives_502),
      cmocka_unit_test(a_connect_timeout_gives_504),
      cmocka_unit_test(only_sec_websocket_protocol_is_copied_from_the_connect_response),
      cmocka_unit_test(a_route_is_one_way_unless_return_response_is_set),
      cmocka_unit_test(a_function_error_sends_the_internal_server_error_frame_and_stays_open),
      cmocka_unit_test(a_timeout_sends_the_endpoint_request_timed_out_frame_and_stays_open),
      cmocka_unit_test(a_per_route_timeout_overrides_the_default_function_timeout),
  };

  return cmocka_run_group_tests_name("regression_handler_results", tests, group_setup,
                                     group_teardown);
}
