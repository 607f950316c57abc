/*
 * test_events.c - regression: the Lambda-proxy events handed to handlers.
 * CONNECT carries the handshake headers, multiValueHeaders and (only when
 * the URL has a query) the query parameters; every event carries identity,
 * requestTime (CLF) and requestTimeEpoch, a connectedAt constant for the
 * connection, requestId == extendedRequestId, domainName/apiId/stage, the
 * stage variables and the authorizer context; messageId only on MESSAGE;
 * DISCONNECT has AWS's fixed header set and disconnectStatusCode/Reason.
 * SPEC docs/spec/apigw-websocket.md 2 (events), 8 ($disconnect), 9 (authorizer).
 *
 * One emulator serves the group. Stage "ev" records every event with
 * diag.record (table Events); stage "auth" does the same behind
 * diag.authorizer (token in the query). Tests find their own connection's
 * events by connectionId, polling with a deadline.
 * Threading: the test thread, plus the emulator's threads running the
 * stateless whoami handler.
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
#include <time.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define ID_LEN 16
#define WAIT_MS 5000
#define ID_RE "^[A-Za-z0-9_-]{15}=$"

#define RECORDING_ROUTES                                                                        \
  "\"routes\":{"                                                                                \
  " \"$connect\":\"diag.record\",\"$disconnect\":\"diag.record\",\"$default\":\"diag.record\"," \
  " \"whoami\":{\"function\":{\"handler\":\"diag.whoami\"},\"returnResponse\":true}}"

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"ev\",\"stage\":\"ev\","
    "  \"stageVariables\":{\"color\":\"blue\",\"tableName\":\"T1\"},"
    "  \"defaults\":{\"function\":{\"environment\":{\"EVENTS_TABLE\":\"Events\"}}}," RECORDING_ROUTES
    "},"
    " {\"name\":\"auth\",\"stage\":\"auth\","
    "  \"authorizer\":{\"type\":\"lambda\",\"function\":\"diag.authorizer\","
    "                 \"identitySource\":[\"route.request.querystring.token\"]},"
    "  \"defaults\":{\"function\":{\"environment\":{\"EVENTS_TABLE\":\"Events\"}}}," RECORDING_ROUTES
    "}],"
    " \"tables\":[{\"TableName\":\"Events\","
    "  \"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "  \"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "  \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

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

/* ---- Helpers ---------------------------------------------------------------- */

/* Connects to path (with optional extra header lines) and learns the
 * connectionId through route whoami. */
static struct wsgw_kit_ws *connect_as(struct wsgw_kit_emu *f, const char *path,
                                      const char *const *headers, char id[ID_LEN + 1]) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f),
      &(struct wsgw_kit_ws_options){.path = path, .headers = headers, .timeout_ms = WAIT_MS});
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

struct lookup {
  struct wsgw_kit_emu *emu;
  const char *id;
  const char *type;
  cJSON *event;
};

static int event_recorded(void *arg) {
  struct lookup *l = arg;

  l->event = wsgw_kit_recorded_event(l->emu, "Events", l->id, l->type);
  return l->event != NULL;
}

/* The recorded event of that type for connection id (cJSON_Delete it). */
static cJSON *wait_event(struct wsgw_kit_emu *f, const char *id, const char *type) {
  struct lookup l = {f, id, type, NULL};

  if (wsgw_kit_wait_until(event_recorded, &l, WAIT_MS) != 0)
    fail_msg("no %s event recorded for %s", type, id);
  return l.event;
}

static const cJSON *rc_item(const cJSON *event, const char *name) {
  return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(event, "requestContext"),
                                          name);
}

static const char *rc_string(const cJSON *event, const char *name) {
  const cJSON *v = rc_item(event, name);

  if (!cJSON_IsString(v))
    fail_msg("requestContext.%s is not a string", name);
  return v->valuestring;
}

static double rc_number(const cJSON *event, const char *name) {
  const cJSON *v = rc_item(event, name);

  if (!cJSON_IsNumber(v))
    fail_msg("requestContext.%s is not a number", name);
  return v->valuedouble;
}

static void assert_matches(const char *text, const char *pattern) {
  regex_t re;
  int rc;

  assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  rc = regexec(&re, text, 0, NULL, 0);
  regfree(&re);
  if (rc != 0)
    fail_msg("\"%s\" does not match %s", text, pattern);
}

static long long wall_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Opens a connection on /ev with a User-Agent, sends one $default message,
 * closes with a code, and returns the three recorded events. */
struct three {
  char id[ID_LEN + 1];
  cJSON *connect, *message, *disconnect;
  long long before, after;
};

static void record_three(struct wsgw_kit_emu *f, const char *path, struct three *t) {
  static const char *const headers[] = {"User-Agent: regression/1.0", NULL};
  struct wsgw_kit_ws *c;

  t->before = wall_ms();
  c = connect_as(f, path, headers, t->id);
  assert_int_equal(wsgw_kit_send_text(c, "not json: goes to $default"), 0);
  t->message = wait_event(f, t->id, "MESSAGE");
  assert_int_equal(wsgw_kit_close(c, 4000, "done"), 0);
  t->disconnect = wait_event(f, t->id, "DISCONNECT");
  t->connect = wait_event(f, t->id, "CONNECT");
  t->after = wall_ms();
  wsgw_kit_ws_free(c);
}

static void free_three(struct three *t) {
  cJSON_Delete(t->connect);
  cJSON_Delete(t->message);
  cJSON_Delete(t->disconnect);
}

/* ---- CONNECT ------------------------------------------------------------------ */

static void connect_carries_headers_and_multi_value_headers_as_received(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const headers[] = {"X-Custom-Header: abc", "Cookie: k=v", "X-Dup: one",
                                        "X-Dup: two", NULL};
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_as(f, "/ev", headers, id);
  cJSON *ev = wait_event(f, id, "CONNECT");
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(ev, "headers");
  const cJSON *mh = cJSON_GetObjectItemCaseSensitive(ev, "multiValueHeaders");
  const cJSON *v;

  assert_true(cJSON_IsObject(h));
  assert_true(cJSON_IsObject(mh));
  /* Header-name case is kept as received. */
  v = cJSON_GetObjectItemCaseSensitive(h, "X-Custom-Header");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "abc");
  v = cJSON_GetObjectItemCaseSensitive(h, "Cookie");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "k=v");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(h, "Sec-WebSocket-Key"));
  assert_non_null(cJSON_GetObjectItemCaseSensitive(h, "Sec-WebSocket-Version"));
  assert_non_null(cJSON_GetObjectItemCaseSensitive(h, "Host"));
  /* Added by API Gateway. */
  v = cJSON_GetObjectItemCaseSensitive(h, "X-Forwarded-For");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "127.0.0.1");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(h, "X-Forwarded-Proto"));
  assert_non_null(cJSON_GetObjectItemCaseSensitive(h, "X-Forwarded-Port"));
  v = cJSON_GetObjectItemCaseSensitive(h, "X-Amzn-Trace-Id");
  assert_true(cJSON_IsString(v));
  assert_matches(v->valuestring, "^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$");
  /* Connection and Upgrade are absent from the integration event. */
  assert_null(cJSON_GetObjectItemCaseSensitive(h, "Connection"));
  assert_null(cJSON_GetObjectItemCaseSensitive(h, "Upgrade"));
  /* A repeated header: every value in multiValueHeaders, one in headers. */
  v = cJSON_GetObjectItemCaseSensitive(mh, "X-Dup");
  assert_true(cJSON_IsArray(v));
  assert_int_equal(cJSON_GetArraySize(v), 2);
  assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "one");
  assert_string_equal(cJSON_GetArrayItem(v, 1)->valuestring, "two");
  v = cJSON_GetObjectItemCaseSensitive(h, "X-Dup");
  assert_true(cJSON_IsString(v));
  assert_true(strcmp(v->valuestring, "one") == 0 || strcmp(v->valuestring, "two") == 0);
  /* Otherwise multiValueHeaders mirrors headers with one-element arrays. */
  assert_int_equal(cJSON_GetArraySize(mh), cJSON_GetArraySize(h));
  cJSON_ArrayForEach(v, h) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(mh, v->string);
    if (strcmp(v->string, "X-Dup") == 0)
      continue;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) != 1)
      fail_msg("multiValueHeaders.%s is not a one-element array", v->string);
    assert_string_equal(cJSON_GetArrayItem(arr, 0)->valuestring, v->valuestring);
  }
  /* No query string: the keys are absent, not null. */
  assert_null(cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters"));
  assert_null(cJSON_GetObjectItemCaseSensitive(ev, "multiValueQueryStringParameters"));
  /* No body on CONNECT. */
  assert_null(cJSON_GetObjectItemCaseSensitive(ev, "body"));
  v = cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded");
  assert_true(cJSON_IsFalse(v));
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

static void connect_carries_query_parameters_when_the_url_has_a_query(void **state) {
  struct wsgw_kit_emu *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_as(f, "/ev?room=lobby&tag=a&tag=b&sp=x%20y", NULL, id);
  cJSON *ev = wait_event(f, id, "CONNECT");
  const cJSON *q = cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters");
  const cJSON *mq = cJSON_GetObjectItemCaseSensitive(ev, "multiValueQueryStringParameters");
  const cJSON *v;

  assert_true(cJSON_IsObject(q));
  assert_true(cJSON_IsObject(mq));
  v = cJSON_GetObjectItemCaseSensitive(q, "room");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "lobby");
  v = cJSON_GetObjectItemCaseSensitive(q, "sp");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "x y");
  /* A repeated parameter: every value in the multi-value map, the last in
   * the single-value map (REST API behaviour). */
  v = cJSON_GetObjectItemCaseSensitive(q, "tag");
  assert_true(cJSON_IsString(v));
  assert_string_equal(v->valuestring, "b");
  v = cJSON_GetObjectItemCaseSensitive(mq, "tag");
  assert_true(cJSON_IsArray(v));
  assert_int_equal(cJSON_GetArraySize(v), 2);
  assert_string_equal(cJSON_GetArrayItem(v, 0)->valuestring, "a");
  assert_string_equal(cJSON_GetArrayItem(v, 1)->valuestring, "b");
  v = cJSON_GetObjectItemCaseSensitive(mq, "room");
  assert_true(cJSON_IsArray(v));
  assert_int_equal(cJSON_GetArraySize(v), 1);
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

/* ---- Every event -------------------------------------------------------------- */

static void every_event_carries_identity_with_source_ip_and_user_agent(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  cJSON *events[3];
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c;
  cJSON *ev;
  size_t i;

  record_three(f, "/ev", &t);
  events[0] = t.connect;
  events[1] = t.message;
  events[2] = t.disconnect;
  for (i = 0; i < 3; i++) {
    const cJSON *identity = rc_item(events[i], "identity");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(identity, "sourceIp");
    assert_true(cJSON_IsObject(identity));
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "127.0.0.1");
    v = cJSON_GetObjectItemCaseSensitive(identity, "userAgent");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "regression/1.0");
  }
  free_three(&t);

  /* Without a User-Agent header, identity has no userAgent. */
  c = connect_as(f, "/ev", NULL, id);
  ev = wait_event(f, id, "CONNECT");
  assert_true(cJSON_IsObject(rc_item(ev, "identity")));
  assert_null(cJSON_GetObjectItemCaseSensitive(rc_item(ev, "identity"), "userAgent"));
  assert_non_null(cJSON_GetObjectItemCaseSensitive(rc_item(ev, "identity"), "sourceIp"));
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

static void request_time_is_clf_of_request_time_epoch(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct three t;
  cJSON *events[3];
  size_t i;

  record_three(f, "/ev", &t);
  events[0] = t.connect;
  events[1] = t.message;
  events[2] = t.disconnect;
  for (i = 0; i < 3; i++) {
    double epoch = rc_number(events[i], "requestTimeEpoch");
    const char *clf = rc_string(events[i], "requestTime");
    time_t secs = (time_t)(epoch / 1000);
    struct tm tm;
    char expected[40];
    /* Integer milliseconds since the epoch, taken during the test. */
    assert_true(epoch == (double)(long long)epoch);
    assert_true((long long)epoch >= t.before && (long long)epoch <= t.after);
    /* dd/MMM/yyyy:HH:mm:ss +0000, UTC, English month, same instant. */
    assert_matches(clf, "^[0-3][0-9]/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/"
                        "[0-9]{4}:[0-2][0-9]:[0-5][0-9]:[0-6][0-9] \\+0000$");
    gmtime_r(&secs, &tm);
    snprintf(expected, sizeof(expected), "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    assert_string_equal(clf, expected);
  }
  /* requestTimeEpoch is per event. */
  assert_true(rc_number(t.connect, "requestTimeEpoch") <= rc_number(t.message, "requestTimeEpoch"));
  assert_true(rc_number(t.message, "requestTimeEpoch") <=
              rc_number(t.disconnect, "requestTimeEpoch"));
  free_three(&t);
}

static void connected_at_is_constant_across_the_events_of_a_connection(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  double at;

  record_three(f, "/ev", &t);
  at = rc_number(t.connect, "connectedAt");
  assert_true(at == (double)(long long)at);
  assert_true((long long)at >= t.before && (long long)at <= t.after);
  assert_true(at <= rc_number(t.connect, "requestTimeEpoch"));
  assert_true(rc_number(t.message, "connectedAt") == at);
  assert_true(rc_number(t.disconnect, "connectedAt") == at);
  free_three(&t);
}

static void request_id_equals_extended_request_id_and_is_fresh_per_event(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  cJSON *events[3];
  size_t i;

  record_three(f, "/ev", &t);
  events[0] = t.connect;
  events[1] = t.message;
  events[2] = t.disconnect;
  for (i = 0; i < 3; i++) {
    const char *rid = rc_string(events[i], "requestId");
    assert_matches(rid, ID_RE);
    assert_string_equal(rid, rc_string(events[i], "extendedRequestId"));
    assert_string_equal(rc_string(events[i], "connectionId"), t.id);
    assert_string_equal(rc_string(events[i], "messageDirection"), "IN");
  }
  assert_string_not_equal(rc_string(t.connect, "requestId"), rc_string(t.message, "requestId"));
  assert_string_not_equal(rc_string(t.message, "requestId"), rc_string(t.disconnect, "requestId"));
  assert_string_equal(rc_string(t.connect, "routeKey"), "$connect");
  assert_string_equal(rc_string(t.connect, "eventType"), "CONNECT");
  assert_string_equal(rc_string(t.message, "routeKey"), "$default");
  assert_string_equal(rc_string(t.message, "eventType"), "MESSAGE");
  assert_string_equal(rc_string(t.disconnect, "routeKey"), "$disconnect");
  assert_string_equal(rc_string(t.disconnect, "eventType"), "DISCONNECT");
  free_three(&t);
}

static void every_event_names_domain_api_and_stage(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  cJSON *events[3];
  char domain[64];
  size_t i;

  snprintf(domain, sizeof(domain), "127.0.0.1:%d", wsgw_kit_port(f));
  record_three(f, "/ev", &t);
  events[0] = t.connect;
  events[1] = t.message;
  events[2] = t.disconnect;
  for (i = 0; i < 3; i++) {
    assert_string_equal(rc_string(events[i], "domainName"), domain);
    assert_string_equal(rc_string(events[i], "stage"), "ev");
    assert_matches(rc_string(events[i], "apiId"), "^[a-z0-9]{10}$");
    assert_string_equal(rc_string(events[i], "apiId"), rc_string(t.connect, "apiId"));
  }
  free_three(&t);
}

static void every_event_carries_the_stage_variables(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  cJSON *events[3];
  size_t i;

  record_three(f, "/ev", &t);
  events[0] = t.connect;
  events[1] = t.message;
  events[2] = t.disconnect;
  for (i = 0; i < 3; i++) {
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(events[i], "stageVariables");
    const cJSON *v;
    assert_true(cJSON_IsObject(sv));
    assert_int_equal(cJSON_GetArraySize(sv), 2);
    v = cJSON_GetObjectItemCaseSensitive(sv, "color");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "blue");
    v = cJSON_GetObjectItemCaseSensitive(sv, "tableName");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "T1");
  }
  free_three(&t);
}

static void the_authorizer_context_is_on_every_event_of_the_connection(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  cJSON *events[3];
  size_t i;

  record_three(f, "/auth?token=allow", &t);
  events[0] = t.connect;
  events[1] = t.message;
  events[2] = t.disconnect;
  for (i = 0; i < 3; i++) {
    const cJSON *a = rc_item(events[i], "authorizer");
    const cJSON *v;
    if (!cJSON_IsObject(a))
      fail_msg("%s event has no requestContext.authorizer object",
               rc_string(events[i], "eventType"));
    v = cJSON_GetObjectItemCaseSensitive(a, "principalId");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "user-1");
    v = cJSON_GetObjectItemCaseSensitive(a, "user");
    assert_true(cJSON_IsString(v));
    assert_string_equal(v->valuestring, "u1");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(a, "level"));
  }
  free_three(&t);
}

static void an_api_without_authorizer_has_no_authorizer_field(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;

  record_three(f, "/ev", &t);
  assert_null(rc_item(t.connect, "authorizer"));
  assert_null(rc_item(t.message, "authorizer"));
  assert_null(rc_item(t.disconnect, "authorizer"));
  free_three(&t);
}

/* ---- MESSAGE -------------------------------------------------------------------- */

static void message_id_is_on_message_events_only(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct three t;
  const cJSON *body;

  record_three(f, "/ev", &t);
  assert_matches(rc_string(t.message, "messageId"), ID_RE);
  assert_string_not_equal(rc_string(t.message, "messageId"), rc_string(t.message, "requestId"));
  assert_null(rc_item(t.connect, "messageId"));
  assert_null(rc_item(t.disconnect, "messageId"));
  /* MESSAGE: the body verbatim, no headers or query. */
  body = cJSON_GetObjectItemCaseSensitive(t.message, "body");
  assert_true(cJSON_IsString(body));
  assert_string_equal(body->valuestring, "not json: goes to $default");
  assert_null(cJSON_GetObjectItemCaseSensitive(t.message, "headers"));
  assert_null(cJSON_GetObjectItemCaseSensitive(t.message, "multiValueHeaders"));
  assert_null(cJSON_GetObjectItemCaseSensitive(t.message, "queryStringParameters"));
  free_three(&t);
}

/* ---- DISCONNECT ----------------------------------------------------------------- */

static void disconnect_has_the_aws_header_set(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const names[] = {"Host", "x-api-key", "X-Forwarded-For", "x-restapi"};
  struct three t;
  const cJSON *h, *mh, *v;
  char domain[64];
  size_t i;

  snprintf(domain, sizeof(domain), "127.0.0.1:%d", wsgw_kit_port(f));
  record_three(f, "/ev", &t);
  h = cJSON_GetObjectItemCaseSensitive(t.disconnect, "headers");
  mh = cJSON_GetObjectItemCaseSensitive(t.disconnect, "multiValueHeaders");
  assert_true(cJSON_IsObject(h));
  assert_true(cJSON_IsObject(mh));
  assert_int_equal(cJSON_GetArraySize(h), 4);
  assert_int_equal(cJSON_GetArraySize(mh), 4);
  for (i = 0; i < 4; i++) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(mh, names[i]);
    v = cJSON_GetObjectItemCaseSensitive(h, names[i]);
    if (!cJSON_IsString(v))
      fail_msg("DISCONNECT headers.%s missing", names[i]);
    assert_string_equal(v->valuestring, i == 0 ? domain : "");
    assert_true(cJSON_IsArray(arr));
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    assert_string_equal(cJSON_GetArrayItem(arr, 0)->valuestring, v->valuestring);
  }
  assert_null(cJSON_GetObjectItemCaseSensitive(t.disconnect, "body"));
  /* The close code and reason are on DISCONNECT only. */
  assert_true(rc_number(t.disconnect, "disconnectStatusCode") == 4000);
  assert_string_equal(rc_string(t.disconnect, "disconnectReason"), "done");
  assert_null(rc_item(t.connect, "disconnectStatusCode"));
  assert_null(rc_item(t.connect, "disconnectReason"));
  assert_null(rc_item(t.message, "disconnectStatusCode"));
  assert_null(rc_item(t.message, "disconnectReason"));
  free_three(&t);
}

/* How the connection ends, and what $disconnect must say. Idle timeout
 * and maximum duration are in test_timeouts.c (they need short limits). */
struct ending {
  const char *how;
  int code;
  const char *reason; /* NULL: not checked (unverified text) */
};

static void end_connection(struct wsgw_kit_emu *f, const char *how, struct wsgw_kit_ws *c,
                           const char *id) {
  if (strcmp(how, "DeleteConnection") == 0) {
    struct wsgw_kit_http_response r;
    char path[128];
    int code = 0;
    snprintf(path, sizeof(path), "/ev/@connections/%s", id);
    assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "DELETE", path, NULL, NULL, 0, &r), 204);
    wsgw_kit_http_free(&r);
    assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
    /* What the client sees for DeleteConnection. */
    assert_int_equal(code, 1000);
  } else if (strcmp(how, "close frame without a code") == 0) {
    assert_int_equal(wsgw_kit_close(c, 0, NULL), 0);
  } else if (strcmp(how, "close frame with a code") == 0) {
    assert_int_equal(wsgw_kit_close(c, 4321, "client says bye"), 0);
  } else if (strcmp(how, "TCP dropped") == 0) {
    wsgw_kit_drop(c);
  } else {
    fail_msg("unknown ending %s", how);
  }
}

static void disconnect_status_code_and_reason_tell_how_the_connection_ended(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const struct ending endings[] = {
      {"DeleteConnection", 1000, "Connection Closed Normally"},
      {"close frame without a code", 1005, "Client-side close frame status not set"},
      {"close frame with a code", 4321, "client says bye"},
      {"TCP dropped", 1006, NULL},
  };
  size_t i;

  for (i = 0; i < sizeof(endings) / sizeof(endings[0]); i++) {
    char id[ID_LEN + 1];
    struct wsgw_kit_ws *c = connect_as(f, "/ev", NULL, id);
    cJSON *ev;
    end_connection(f, endings[i].how, c, id);
    ev = wait_event(f, id, "DISCONNECT");
    if (rc_number(ev, "disconnectStatusCode") != endings[i].code)
      fail_msg("%s: disconnectStatusCode %g, expected %d", endings[i].how,
               rc_number(ev, "disconnectStatusCode"), endings[i].code);
    if (endings[i].reason)
      assert_string_equal(rc_string(ev, "disconnectReason"), endings[i].reason);
    else
      (void)rc_string(ev, "disconnectReason"); /* present, a string */
    cJSON_Delete(ev);
    wsgw_kit_ws_free(c);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(connect_carries_headers_and_multi_value_headers_as_received),
      cmocka_unit_test(connect_carries_query_parameters_when_the_url_has_a_query),
      cmocka_unit_test(every_event_carries_identity_with_source_ip_and_user_agent),
      cmocka_unit_test(request_time_is_clf_of_request_time_epoch),
      cmocka_unit_test(connected_at_is_constant_across_the_events_of_a_connection),
      cmocka_unit_test(request_id_equals_extended_request_id_and_is_fresh_per_event),
      cmocka_unit_test(every_event_names_domain_api_and_stage),
      cmocka_unit_test(every_event_carries_the_stage_variables),
      cmocka_unit_test(the_authorizer_context_is_on_every_event_of_the_connection),
      cmocka_unit_test(an_api_without_authorizer_has_no_authorizer_field),
      cmocka_unit_test(message_id_is_on_message_events_only),
      cmocka_unit_test(disconnect_has_the_aws_header_set),
      cmocka_unit_test(disconnect_status_code_and_reason_tell_how_the_connection_ended),
  };

  return cmocka_run_group_tests_name("regression_events", tests, group_setup, group_teardown);
}
