/*
 * test_connections_api.c - the @connections management API over HTTP
 * (PostToConnection, GetConnection, DeleteConnection) against live
 * WebSocket clients: statuses, bodies, the x-amzn-ErrorType header the SDKs
 * read, percent-encoded paths, the root form, a wrong stage, the 128 KB
 * payload cap, posting from inside $connect, and the code DeleteConnection
 * hands to $disconnect (recorded by diag.record into table Events).
 * SPEC docs/spec/apigw-websocket.md 1 (URL shapes) and 7 (the API and its errors).
 *
 * One emulator serves the whole group (starting one per test costs a
 * second or two); every test opens its own connections, so tests do not
 * share state.
 * Threading: the test thread, plus the emulator's threads running the
 * handlers defined here (they touch only the atomics below).
 */
#define _POSIX_C_SOURCE 200809L
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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
#define POST_MAX 131072
#define UNKNOWN_ID "AAAAAAAAAAAAAAA="

/* What the $connect handler of stage "self" saw when posting to itself. */
static atomic_int self_post_status = -100;
static atomic_int self_post_gone_type = 0;

/* $connect of stage "self": posts to its own id, records the status. */
static cJSON *post_to_self(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), "connectionId");
  char endpoint[512];
  const char *type;
  int status = -1;

  if (cJSON_IsString(id) && wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) == 0)
    status = wsgw_post_to_connection(ctx, endpoint, id->valuestring, "early", 5);
  type = wsgw_last_error_type(ctx);
  atomic_store(&self_post_gone_type, type && strcmp(type, "GoneException") == 0);
  atomic_store(&self_post_status, status);
  return wsgw_response(200, NULL);
}

static const struct wsgw_handler test_handlers[] = {
    {"test.post_to_self", post_to_self},
    {NULL, NULL},
};

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"conn\",\"stage\":\"dev\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"whoami\":{\"function\":{\"handler\":\"diag.whoami\"},"
    "                          \"returnResponse\":true},"
    "            \"$disconnect\":{\"function\":{\"handler\":\"diag.record\","
    "                             \"environment\":{\"EVENTS_TABLE\":\"Events\"}}}}},"
    " {\"name\":\"self\",\"stage\":\"self\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"$connect\":\"test.post_to_self\"}}],"
    " \"tables\":[{\"TableName\":\"Events\","
    "  \"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "  \"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "  \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

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

/* A connected client on /dev and its connectionId. */
static struct wsgw_kit_ws *connect_dev(struct wsgw_kit_emu *f, char id[ID_LEN + 1]) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/dev", .timeout_ms = WAIT_MS});
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

/* "/{prefix}/@connections/{id}" with '=' percent-encoded when asked. */
static void conn_path(char *buf, size_t cap, const char *prefix, const char *id, int encode) {
  char enc[64];
  size_t i, o = 0;

  for (i = 0; id[i] && o + 4 < sizeof(enc); i++) {
    if (encode && id[i] == '=') {
      memcpy(enc + o, "%3D", 3);
      o += 3;
    } else {
      enc[o++] = id[i];
    }
  }
  enc[o] = '\0';
  snprintf(buf, cap, "%s/@connections/%s", prefix, enc);
}

static int http(struct wsgw_kit_emu *f, const char *method, const char *path, const char *body,
                size_t len, struct wsgw_kit_http_response *resp) {
  static const char *const octets[] = {"Content-Type: application/octet-stream", NULL};

  return wsgw_kit_http(wsgw_kit_port(f), method, path, body ? octets : NULL, body, len, resp);
}

static void assert_gone(const struct wsgw_kit_http_response *r) {
  const char *type = wsgw_kit_http_header(r, "x-amzn-ErrorType");

  assert_int_equal(r->status, 410);
  assert_non_null(type);
  assert_string_equal(type, "GoneException");
}

static void assert_iso8601(const char *s) {
  regex_t re;

  assert_int_equal(regcomp(&re,
                           "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                           "(\\.[0-9]{1,3})?Z$",
                           REG_EXTENDED | REG_NOSUB),
                   0);
  if (regexec(&re, s, 0, NULL, 0) != 0)
    fail_msg("not ISO-8601 UTC: \"%s\"", s);
  regfree(&re);
}

static void post_delivers_the_raw_body_as_one_text_frame(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char body[] = "not JSON {\"a\": 1} \xc3\xa9 raw bytes";
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);

  conn_path(path, sizeof(path), "/dev", id, 0);
  assert_int_equal(http(f, "POST", path, body, sizeof(body) - 1, &r), 200);
  assert_int_equal(r.body_len, 0);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_true(fr.fin);
  assert_int_equal(fr.len, sizeof(body) - 1);
  assert_memory_equal(fr.data, body, fr.len);
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
}

static void get_returns_connected_at_last_active_at_and_source_ip(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  const cJSON *identity, *v;
  cJSON *o;

  conn_path(path, sizeof(path), "/dev", id, 0);
  assert_int_equal(http(f, "GET", path, NULL, 0, &r), 200);
  o = cJSON_ParseWithLength(r.body, r.body_len);
  assert_non_null(o);
  v = cJSON_GetObjectItemCaseSensitive(o, "connectedAt");
  assert_true(cJSON_IsString(v));
  assert_iso8601(v->valuestring);
  v = cJSON_GetObjectItemCaseSensitive(o, "lastActiveAt");
  assert_true(cJSON_IsString(v));
  assert_iso8601(v->valuestring);
  identity = cJSON_GetObjectItemCaseSensitive(o, "identity");
  assert_true(cJSON_IsObject(identity));
  v = cJSON_GetObjectItemCaseSensitive(identity, "sourceIp");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "127.0.0.1");
  cJSON_Delete(o);
  wsgw_kit_http_free(&r);
  wsgw_kit_ws_free(c);
}

struct recorded {
  struct wsgw_kit_emu *emu;
  const char *id;
  cJSON *event;
};

static int disconnect_recorded(void *arg) {
  struct recorded *r = arg;

  r->event = wsgw_kit_recorded_event(r->emu, "Events", r->id, "DISCONNECT");
  return r->event != NULL;
}

static void delete_closes_with_1000_and_later_calls_are_gone(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  int code = 0;

  conn_path(path, sizeof(path), "/dev", id, 0);
  assert_int_equal(http(f, "DELETE", path, NULL, 0, &r), 204);
  assert_int_equal(r.body_len, 0);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
  assert_int_equal(code, 1000);

  http(f, "POST", path, "late", 4, &r);
  assert_gone(&r);
  wsgw_kit_http_free(&r);
  http(f, "GET", path, NULL, 0, &r);
  assert_gone(&r);
  wsgw_kit_http_free(&r);
  http(f, "DELETE", path, NULL, 0, &r);
  assert_gone(&r);
  wsgw_kit_http_free(&r);

  /* SPEC docs/spec/apigw-websocket.md 8: DeleteConnection reaches $disconnect as
   * 1000 "Connection Closed Normally". */
  {
    struct recorded rec = {f, id, NULL};
    const cJSON *rc, *v;
    assert_int_equal(wsgw_kit_wait_until(disconnect_recorded, &rec, WAIT_MS), 0);
    rc = cJSON_GetObjectItemCaseSensitive(rec.event, "requestContext");
    v = cJSON_GetObjectItemCaseSensitive(rc, "disconnectStatusCode");
    assert_true(cJSON_IsNumber(v));
    assert_int_equal(v->valueint, 1000);
    v = cJSON_GetObjectItemCaseSensitive(rc, "disconnectReason");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "Connection Closed Normally");
    cJSON_Delete(rec.event);
  }
  wsgw_kit_ws_free(c);
}

static void an_unknown_id_is_gone_for_every_method(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const methods[] = {"POST", "GET", "DELETE"};
  struct wsgw_kit_http_response r;
  size_t i;

  for (i = 0; i < 3; i++) {
    http(f, methods[i], "/dev/@connections/" UNKNOWN_ID, i == 0 ? "x" : NULL, i == 0, &r);
    assert_gone(&r);
    wsgw_kit_http_free(&r);
  }
}

static void percent_encoded_id_and_at_sign_are_decoded(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);

  /* The SDKs encode '=' as %3D; AWS's own example also encodes '@'. */
  conn_path(path, sizeof(path), "/dev", id, 1);
  assert_non_null(strstr(path, "%3D"));
  assert_int_equal(http(f, "POST", path, "one", 3, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_string_equal(fr.data, "one");
  wsgw_kit_frame_free(&fr);

  conn_path(path, sizeof(path), "/dev", id, 1);
  memmove(path + 7, path + 5, strlen(path + 5) + 1); /* "/dev/@" -> "/dev/%40" */
  memcpy(path + 5, "%40", 3);
  assert_memory_equal(path, "/dev/%40connections/", 20);
  assert_int_equal(http(f, "POST", path, "two", 3, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_string_equal(fr.data, "two");
  wsgw_kit_frame_free(&fr);

  assert_int_equal(http(f, "GET", path, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
  wsgw_kit_ws_free(c);
}

static void the_root_form_without_a_stage_works(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);

  conn_path(path, sizeof(path), "", id, 0);
  assert_int_equal(http(f, "POST", path, "root", 4, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_string_equal(fr.data, "root");
  wsgw_kit_frame_free(&fr);
  assert_int_equal(http(f, "GET", path, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
  wsgw_kit_ws_free(c);
}

static void a_wrong_stage_is_forbidden(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const methods[] = {"POST", "GET", "DELETE"};
  struct wsgw_kit_http_response r;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  struct wsgw_kit_frame fr;
  size_t i;

  conn_path(path, sizeof(path), "/nope", id, 0);
  for (i = 0; i < 3; i++) {
    assert_int_equal(http(f, methods[i], path, i == 0 ? "x" : NULL, i == 0, &r), 403);
    assert_int_equal(r.body_len, strlen("{\"message\":\"Forbidden\"}"));
    assert_string_equal(r.body, "{\"message\":\"Forbidden\"}");
    wsgw_kit_http_free(&r);
  }
  /* Nothing was delivered and the connection is still open. */
  assert_int_equal(wsgw_kit_recv_frame(c, 100, &fr), WSGW_KIT_RECV_TIMEOUT);
  conn_path(path, sizeof(path), "/dev", id, 0);
  assert_int_equal(http(f, "GET", path, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
  wsgw_kit_ws_free(c);
}

static void a_post_over_131072_bytes_is_payload_too_large(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  char *big = malloc(POST_MAX + 1);
  const char *type;

  assert_non_null(big);
  memset(big, 'a', POST_MAX + 1);
  conn_path(path, sizeof(path), "/dev", id, 0);
  assert_int_equal(http(f, "POST", path, big, POST_MAX + 1, &r), 413);
  type = wsgw_kit_http_header(&r, "x-amzn-ErrorType");
  assert_non_null(type);
  assert_string_equal(type, "PayloadTooLargeException");
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, 100, &fr), WSGW_KIT_RECV_TIMEOUT);

  /* Exactly the limit is accepted and delivered whole. */
  assert_int_equal(http(f, "POST", path, big, POST_MAX, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
  assert_int_equal(fr.len, POST_MAX);
  assert_memory_equal(fr.data, big, POST_MAX);
  wsgw_kit_frame_free(&fr);
  free(big);
  wsgw_kit_ws_free(c);
}

/* A text frame must be UTF-8 (RFC 6455 8.1): data that is not is refused
 * (DEVIATION: AWS's answer is unverified), nothing reaches the client, and
 * the connection stays usable. */
static void a_post_that_is_not_utf8_is_refused_and_nothing_is_sent(void **state) {
  static const char *const bad[] = {"caf\xe9", "r\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                    "ab\xe2\x82"};
  static const char good[] = "nul \0 and \xf0\x9f\x98\x80 are fine";
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  const char *type;

  conn_path(path, sizeof(path), "/dev", id, 0);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(http(f, "POST", path, bad[i], strlen(bad[i]), &r), 400);
    type = wsgw_kit_http_header(&r, "x-amzn-ErrorType");
    assert_non_null(type);
    assert_string_equal(type, "BadRequestException");
    assert_non_null(strstr(r.body, "Invalid UTF-8"));
    wsgw_kit_http_free(&r);
  }
  assert_int_equal(wsgw_kit_recv_frame(c, 100, &fr), WSGW_KIT_RECV_TIMEOUT);
  assert_int_equal(http(f, "POST", path, good, sizeof(good) - 1, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, sizeof(good) - 1);
  assert_memory_equal(fr.data, good, fr.len);
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
}

static void a_post_from_inside_connect_to_its_own_id_is_gone(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_ws *c;
  struct wsgw_kit_frame fr;

  atomic_store(&self_post_status, -100);
  atomic_store(&self_post_gone_type, 0);
  c = wsgw_kit_ws_open(wsgw_kit_port(f),
                       &(struct wsgw_kit_ws_options){.path = "/self", .timeout_ms = WAIT_MS});
  assert_non_null(c);
  /* The connection exists only once $connect finished: the handler's post
   * was answered 410 GoneException, and the handshake still succeeded. */
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_int_equal(atomic_load(&self_post_status), 410);
  assert_true(atomic_load(&self_post_gone_type));
  /* The early post delivered nothing. */
  assert_int_equal(wsgw_kit_recv_frame(c, 100, &fr), WSGW_KIT_RECV_TIMEOUT);
  wsgw_kit_ws_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(post_delivers_the_raw_body_as_one_text_frame),
      cmocka_unit_test(get_returns_connected_at_last_active_at_and_source_ip),
      cmocka_unit_test(delete_closes_with_1000_and_later_calls_are_gone),
      cmocka_unit_test(an_unknown_id_is_gone_for_every_method),
      cmocka_unit_test(percent_encoded_id_and_at_sign_are_decoded),
      cmocka_unit_test(the_root_form_without_a_stage_works),
      cmocka_unit_test(a_wrong_stage_is_forbidden),
      cmocka_unit_test(a_post_over_131072_bytes_is_payload_too_large),
      cmocka_unit_test(a_post_that_is_not_utf8_is_refused_and_nothing_is_sent),
      cmocka_unit_test(a_post_from_inside_connect_to_its_own_id_is_gone),
  };

  return cmocka_run_group_tests_name("connections_api", tests, group_setup, group_teardown);
}
