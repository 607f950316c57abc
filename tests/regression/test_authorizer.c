/*
 * test_authorizer.c - regression: the Lambda REQUEST authorizer on
 * $connect. identitySource as a header or a query string; a missing source
 * gets 401 without invoking the authorizer; the authorizer event (type
 * REQUEST, methodArn, headers with Connection/Upgrade, stageVariables);
 * the IAM policy evaluated with '*' globbing against the $connect ARN;
 * Allow continues with requestContext.authorizer on every later event;
 * Deny or no matching statement -> 403, the error "Unauthorized" -> 401,
 * any other error -> 500. authorizer "iam": a SigV4-presigned $connect is
 * accepted (shapes and expiry checked, not the signature), an unsigned,
 * ill-formed or expired one gets 403 {"message":"Forbidden"}; "none" lets
 * every handshake in.
 * SPEC docs/spec/apigw-websocket.md 9.
 *
 * One emulator serves the group. test.auth wraps the builtin
 * diag.authorizer (token "allow", "deny", "rest", "unauthorized", other)
 * and keeps the last event it got and a call count, under a mutex;
 * test.policy answers a policy chosen by the query parameter `policy`.
 * Threading: the test thread, plus the emulator's threads running the
 * authorizers (they touch `seen` only under seen.lock).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
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
#include "wsgw_builtin.h"

#define ID_LEN 16
#define WAIT_MS 5000

/* What test.auth saw; guarded by lock. */
static struct {
  pthread_mutex_t lock;
  int calls;
  cJSON *last_event;
} seen = {PTHREAD_MUTEX_INITIALIZER, 0, NULL};

static cJSON *auth(const cJSON *event, struct wsgw_ctx *ctx) {
  pthread_mutex_lock(&seen.lock);
  seen.calls++;
  cJSON_Delete(seen.last_event);
  seen.last_event = cJSON_Duplicate(event, 1);
  pthread_mutex_unlock(&seen.lock);
  return diag_authorizer(event, ctx);
}

static int seen_calls(void) {
  int n;

  pthread_mutex_lock(&seen.lock);
  n = seen.calls;
  pthread_mutex_unlock(&seen.lock);
  return n;
}

/* A copy of the last authorizer event (cJSON_Delete it), or NULL. */
static cJSON *seen_event(void) {
  cJSON *e;

  pthread_mutex_lock(&seen.lock);
  e = seen.last_event ? cJSON_Duplicate(seen.last_event, 1) : NULL;
  pthread_mutex_unlock(&seen.lock);
  return e;
}

static const char *query(const cJSON *event, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "queryStringParameters"), name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

static void add_statement(cJSON *stmts, const char *effect, const char *action,
                          const char *resource) {
  cJSON *st = cJSON_CreateObject();

  cJSON_AddStringToObject(st, "Action", action);
  cJSON_AddStringToObject(st, "Effect", effect);
  cJSON_AddStringToObject(st, "Resource", resource);
  cJSON_AddItemToArray(stmts, st);
}

/* Builds a policy for the methodArn arn:aws:execute-api:R:A:{api}/{stage}/$connect
 * according to query `policy`. */
static cJSON *policy(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *arn_json = cJSON_GetObjectItemCaseSensitive(event, "methodArn");
  const char *which = query(event, "policy"), *arn, *last, *api_slash;
  char res[512], res2[512];
  cJSON *r, *doc, *stmts;
  int stage_end, api_end;

  if (!cJSON_IsString(arn_json))
    return wsgw_fail(ctx, "no methodArn");
  arn = arn_json->valuestring;
  last = strrchr(arn, '/');
  api_slash = strchr(arn, '/');
  if (!last || !api_slash)
    return wsgw_fail(ctx, "bad methodArn");
  stage_end = (int)(last - arn);    /* arn up to {api}/{stage} */
  api_end = (int)(api_slash - arn); /* arn up to {api} */
  r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "principalId", "p-1");
  doc = cJSON_AddObjectToObject(r, "policyDocument");
  cJSON_AddStringToObject(doc, "Version", "2012-10-17");
  stmts = cJSON_AddArrayToObject(doc, "Statement");
  if (strcmp(which, "exact") == 0) {
    add_statement(stmts, "Allow", "execute-api:Invoke", arn);
  } else if (strcmp(which, "stage-star") == 0) {
    snprintf(res, sizeof(res), "%.*s/*", stage_end, arn);
    add_statement(stmts, "Allow", "execute-api:Invoke", res);
  } else if (strcmp(which, "api-star") == 0) {
    snprintf(res, sizeof(res), "%.*s/*", api_end, arn);
    add_statement(stmts, "Allow", "execute-api:Invoke", res);
  } else if (strcmp(which, "all") == 0) {
    add_statement(stmts, "Allow", "execute-api:Invoke", "*");
  } else if (strcmp(which, "action-star") == 0) {
    add_statement(stmts, "Allow", "execute-api:*", arn);
  } else if (strcmp(which, "rest") == 0) {
    snprintf(res, sizeof(res), "%.*s/*/*", stage_end, arn);
    add_statement(stmts, "Allow", "execute-api:Invoke", res);
  } else if (strcmp(which, "other-stage") == 0) {
    snprintf(res, sizeof(res), "%.*s/other/$connect", api_end, arn);
    add_statement(stmts, "Allow", "execute-api:Invoke", res);
  } else if (strcmp(which, "other-route") == 0) {
    snprintf(res, sizeof(res), "%.*s/sendmessage", stage_end, arn);
    add_statement(stmts, "Allow", "execute-api:Invoke", res);
  } else if (strcmp(which, "other-action") == 0) {
    add_statement(stmts, "Allow", "execute-api:ManageConnections", arn);
  } else if (strcmp(which, "allow-and-deny") == 0) {
    add_statement(stmts, "Allow", "execute-api:Invoke", "*");
    snprintf(res2, sizeof(res2), "%s", arn);
    add_statement(stmts, "Deny", "execute-api:Invoke", res2);
  } else if (strcmp(which, "empty") == 0) {
    /* no statements */
  } else {
    cJSON_Delete(r);
    return wsgw_fail(ctx, "unknown policy %s", which);
  }
  return r;
}

static const char *rc_string(const cJSON *event, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

static const struct wsgw_handler test_handlers[] = {
    {"test.auth", auth},
    {"test.policy", policy},
    {NULL, NULL},
};

#define RECORDING_ROUTES                                                                        \
  "\"defaults\":{\"function\":{\"environment\":{\"EVENTS_TABLE\":\"Events\"}}},"                \
  "\"routes\":{"                                                                                \
  " \"$connect\":\"diag.record\",\"$disconnect\":\"diag.record\",\"$default\":\"diag.record\"," \
  " \"whoami\":{\"function\":{\"handler\":\"diag.whoami\"},\"returnResponse\":true}}"

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"hdr\",\"stage\":\"hdr\","
    "  \"stageVariables\":{\"env\":\"test\",\"color\":\"red\"},"
    "  \"authorizer\":{\"type\":\"lambda\",\"function\":\"test.auth\","
    "                 \"identitySource\":[\"route.request.header.Authorization\"]}," RECORDING_ROUTES
    "},"
    " {\"name\":\"qs\",\"stage\":\"qs\","
    "  \"authorizer\":{\"type\":\"lambda\",\"function\":\"test.auth\","
    "                 \"identitySource\":[\"route.request.querystring.token\"]}," RECORDING_ROUTES
    "},"
    " {\"name\":\"policy\",\"stage\":\"policy\","
    "  \"authorizer\":{\"type\":\"lambda\",\"function\":\"test.policy\","
    "                 \"identitySource\":[\"route.request.querystring.policy\"]},"
    "  \"routes\":{\"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true}}},"
    " {\"name\":\"iam\",\"stage\":\"iam\",\"authorizer\":\"iam\","
    "  \"routes\":{\"$connect\":\"diag.record\","
    "            \"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true}}},"
    " {\"name\":\"open\",\"stage\":\"open\",\"authorizer\":\"none\","
    "  \"routes\":{\"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true}}}],"
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
  f->emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = test_handlers}, NULL, 0);
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
  pthread_mutex_lock(&seen.lock);
  cJSON_Delete(seen.last_event);
  seen.last_event = NULL;
  pthread_mutex_unlock(&seen.lock);
  return 0;
}

/* The handshake status for path with an optional Authorization header. */
static int handshake(const struct fixture *f, const char *path, const char *authorization) {
  char line[128];
  const char *headers[] = {line, NULL};
  struct wsgw_kit_ws *c;
  int status;

  snprintf(line, sizeof(line), "Authorization: %s", authorization ? authorization : "");
  c = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){
                   .path = path, .headers = authorization ? headers : NULL, .timeout_ms = WAIT_MS});
  if (!c)
    fail_msg("GET %s: no HTTP response", path);
  status = wsgw_kit_ws_status(c);
  wsgw_kit_ws_free(c);
  return status;
}

static struct wsgw_kit_ws *connect_allowed(const struct fixture *f, const char *path,
                                           const char *authorization, char id[ID_LEN + 1]) {
  char line[128];
  const char *headers[] = {line, NULL};
  struct wsgw_kit_ws *c;
  struct wsgw_kit_frame fr;

  snprintf(line, sizeof(line), "Authorization: %s", authorization ? authorization : "");
  c = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){
                   .path = path, .headers = authorization ? headers : NULL, .timeout_ms = WAIT_MS});
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

static cJSON *wait_event(const struct fixture *f, const char *id, const char *type) {
  struct lookup l = {f->emu, id, type, NULL};

  if (wsgw_kit_wait_until(event_recorded, &l, WAIT_MS) != 0)
    fail_msg("no %s event recorded for %s", type, id);
  return l.event;
}

static const char *obj_string(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

  if (!cJSON_IsString(v))
    fail_msg("%s is not a string", name);
  return v->valuestring;
}

/* ---- Identity sources ---------------------------------------------------------- */

static void a_header_identity_source_is_passed_to_the_authorizer(void **state) {
  struct fixture *f = *state;
  int before = seen_calls();
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_allowed(f, "/hdr", "allow", id);
  cJSON *ev = seen_event();

  assert_int_equal(seen_calls(), before + 1);
  assert_non_null(ev);
  assert_string_equal(obj_string(cJSON_GetObjectItemCaseSensitive(ev, "headers"), "Authorization"),
                      "allow");
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

static void a_querystring_identity_source_is_passed_to_the_authorizer(void **state) {
  struct fixture *f = *state;
  int before = seen_calls();
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_allowed(f, "/qs?token=allow", NULL, id);
  cJSON *ev = seen_event();
  const cJSON *mq;

  assert_int_equal(seen_calls(), before + 1);
  assert_non_null(ev);
  assert_string_equal(
      obj_string(cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters"), "token"), "allow");
  mq = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(ev, "multiValueQueryStringParameters"), "token");
  assert_true(cJSON_IsArray(mq));
  assert_string_equal(cJSON_GetArrayItem(mq, 0)->valuestring, "allow");
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

static void a_missing_identity_source_gets_401_without_invoking_the_authorizer(void **state) {
  struct fixture *f = *state;
  int before = seen_calls();

  assert_int_equal(handshake(f, "/hdr", NULL), 401);
  /* The token in the query does not count for a header source. */
  assert_int_equal(handshake(f, "/hdr?Authorization=allow", NULL), 401);
  assert_int_equal(handshake(f, "/qs", NULL), 401);
  assert_int_equal(handshake(f, "/qs?other=allow", NULL), 401);
  /* The header does not count for a querystring source. */
  assert_int_equal(handshake(f, "/qs", "allow"), 401);
  assert_int_equal(seen_calls(), before);
}

/* ---- The authorizer event ----------------------------------------------------- */

static void the_authorizer_event_carries_type_method_arn_headers_and_stage_variables(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1], arn[256];
  struct wsgw_kit_ws *c = connect_allowed(f, "/hdr", "allow", id);
  cJSON *ev = seen_event(), *connect = wait_event(f, id, "CONNECT");
  const cJSON *h, *mh, *sv, *rc;

  assert_non_null(ev);
  assert_string_equal(obj_string(ev, "type"), "REQUEST");
  snprintf(arn, sizeof(arn), "arn:aws:execute-api:us-east-1:000000000000:%s/hdr/$connect",
           rc_string(connect, "apiId"));
  assert_string_equal(obj_string(ev, "methodArn"), arn);
  /* Connection and Upgrade are present here (absent from the integration
   * event), with content-length 0. */
  h = cJSON_GetObjectItemCaseSensitive(ev, "headers");
  mh = cJSON_GetObjectItemCaseSensitive(ev, "multiValueHeaders");
  assert_true(cJSON_IsObject(h));
  assert_true(cJSON_IsObject(mh));
  assert_non_null(strstr(obj_string(h, "Connection"), "pgrade"));
  assert_string_equal(obj_string(h, "Upgrade"), "websocket");
  assert_string_equal(obj_string(h, "content-length"), "0");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(h, "Sec-WebSocket-Key"));
  assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(mh, "Upgrade")));
  assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(mh, "Authorization")));
  sv = cJSON_GetObjectItemCaseSensitive(ev, "stageVariables");
  assert_true(cJSON_IsObject(sv));
  assert_string_equal(obj_string(sv, "env"), "test");
  assert_string_equal(obj_string(sv, "color"), "red");
  /* requestContext as on CONNECT; the connectionId already exists. */
  rc = cJSON_GetObjectItemCaseSensitive(ev, "requestContext");
  assert_true(cJSON_IsObject(rc));
  assert_string_equal(obj_string(rc, "routeKey"), "$connect");
  assert_string_equal(obj_string(rc, "eventType"), "CONNECT");
  assert_string_equal(obj_string(rc, "connectionId"), id);
  assert_string_equal(obj_string(rc, "stage"), "hdr");
  cJSON_Delete(connect);
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

static void the_authorizer_event_has_empty_stage_variables_when_none_are_defined(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_allowed(f, "/qs?token=allow", NULL, id);
  cJSON *ev = seen_event();
  const cJSON *sv = cJSON_GetObjectItemCaseSensitive(ev, "stageVariables");

  assert_true(cJSON_IsObject(sv));
  assert_int_equal(cJSON_GetArraySize(sv), 0);
  cJSON_Delete(ev);
  wsgw_kit_ws_free(c);
}

/* ---- Outcomes ------------------------------------------------------------------- */

static void allow_continues_with_the_authorizer_context_on_every_later_event(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_allowed(f, "/hdr", "allow", id);
  const char *types[] = {"CONNECT", "MESSAGE", "DISCONNECT"};
  size_t i;

  assert_int_equal(wsgw_kit_send_text(c, "to $default"), 0);
  {
    cJSON *m = wait_event(f, id, "MESSAGE");
    cJSON_Delete(m);
  }
  assert_int_equal(wsgw_kit_close(c, 1000, "bye"), 0);
  for (i = 0; i < 3; i++) {
    cJSON *ev = wait_event(f, id, types[i]);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ev, "requestContext"), "authorizer");
    const cJSON *level = cJSON_GetObjectItemCaseSensitive(a, "level");
    if (!cJSON_IsObject(a))
      fail_msg("%s event has no requestContext.authorizer", types[i]);
    assert_string_equal(obj_string(a, "principalId"), "user-1");
    assert_string_equal(obj_string(a, "user"), "u1");
    /* Context values as the authorizer returned them (number 3). */
    assert_non_null(level);
    assert_true((cJSON_IsNumber(level) && level->valueint == 3) ||
                (cJSON_IsString(level) && strcmp(level->valuestring, "3") == 0));
    cJSON_Delete(ev);
  }
  wsgw_kit_ws_free(c);
}

static void authorizer_outcomes_give_the_aws_handshake_statuses(void **state) {
  struct fixture *f = *state;
  static const struct {
    const char *token;
    int status;
    const char *reason;
  } rows[] = {
      {"allow", 101, "Allow on the $connect ARN"},
      {"deny", 403, "explicit Deny"},
      {"rest", 403, "REST-style .../{stage}/*/* does not match .../{stage}/$connect"},
      {"unauthorized", 401, "the error \"Unauthorized\""},
      {"boom", 500, "any other authorizer error"},
  };
  size_t i;

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    int before = seen_calls(), got = handshake(f, "/hdr", rows[i].token);
    char path[64];
    if (got != rows[i].status)
      fail_msg("token %s (%s): header source: %d, expected %d", rows[i].token, rows[i].reason, got,
               rows[i].status);
    assert_int_equal(seen_calls(), before + 1);
    snprintf(path, sizeof(path), "/qs?token=%s", rows[i].token);
    got = handshake(f, path, NULL);
    if (got != rows[i].status)
      fail_msg("token %s (%s): query source: %d, expected %d", rows[i].token, rows[i].reason, got,
               rows[i].status);
  }
}

static void the_policy_is_matched_with_star_globbing_against_the_connect_arn(void **state) {
  struct fixture *f = *state;
  static const struct {
    const char *policy;
    int status;
    const char *reason;
  } rows[] = {
      {"exact", 101, "the $connect ARN itself"},
      {"stage-star", 101, ".../{stage}/* matches"},
      {"api-star", 101, ".../{api}/* matches"},
      {"all", 101, "* matches everything"},
      {"action-star", 101, "execute-api:* covers execute-api:Invoke"},
      {"rest", 403, "REST-style .../{stage}/*/* needs a second '/'"},
      {"other-stage", 403, "another stage's $connect"},
      {"other-route", 403, "another route of the stage"},
      {"other-action", 403, "an action other than Invoke"},
      {"allow-and-deny", 403, "an explicit Deny wins over an Allow"},
      {"empty", 403, "no statement matches"},
  };
  size_t i;

  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char path[64];
    int got;
    snprintf(path, sizeof(path), "/policy?policy=%s", rows[i].policy);
    got = handshake(f, path, NULL);
    if (got != rows[i].status)
      fail_msg("policy %s (%s): %d, expected %d", rows[i].policy, rows[i].reason, got,
               rows[i].status);
  }
}

/* A SigV4-presigned query for the iam API, signed secs_ago seconds ago and
 * valid for expires seconds (0: no X-Amz-Expires), as SDK presigners write
 * it (percent-encoded). The signature's digits are arbitrary: wsgw checks
 * shapes and expiry only (DEVIATION in ws_sigv4.h). */
static void presigned_path(char *out, size_t cap, long secs_ago, int expires, int token) {
  time_t at = time(NULL) - secs_ago;
  struct tm tm;
  char date[20], day[9], exp[32] = "";

  gmtime_r(&at, &tm);
  strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
  memcpy(day, date, 8);
  day[8] = '\0';
  if (expires)
    snprintf(exp, sizeof(exp), "&X-Amz-Expires=%d", expires);
  snprintf(out, cap,
           "/iam?X-Amz-Algorithm=AWS4-HMAC-SHA256"
           "&X-Amz-Credential=AKIDEXAMPLE%%2F%s%%2Fus-east-1%%2Fexecute-api%%2Faws4_request"
           "&X-Amz-Date=%s%s%s&X-Amz-SignedHeaders=host"
           "&X-Amz-Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
           day, date, exp, token ? "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%3D" : "");
}

/* The raw answer to an upgrade request for path: status and body. */
static int upgrade_answer(const struct fixture *f, const char *path, char *body, size_t cap) {
  struct wsgw_kit_http_response resp;
  char req[1024];
  int n = snprintf(req, sizeof(req),
                   "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n",
                   path);
  int status = wsgw_kit_http_raw(f->port, req, (size_t)n, 0, WAIT_MS, &resp);

  snprintf(body, cap, "%s", resp.body ? resp.body : "");
  wsgw_kit_http_free(&resp);
  return status;
}

static void iam_accepts_a_presigned_connect_and_refuses_an_unsigned_one_with_403(void **state) {
  struct fixture *f = *state;
  char path[512], body[256];
  struct wsgw_kit_ws *c;
  int status = 0;

  (void)state;
  presigned_path(path, sizeof(path), 0, 0, 0);
  c = wsgw_kit_connect(f->emu, &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = WAIT_MS},
                       &status);
  if (!c)
    fail_msg("presigned %s: %d, expected 101", path, status);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_expect_text(c, wsgw_kit_ws_id(c), WAIT_MS), 0);
  wsgw_kit_ws_free(c);
  /* With X-Amz-Expires and a session token, within the expiry. */
  presigned_path(path, sizeof(path), 30, 300, 1);
  assert_int_equal(handshake(f, path, NULL), 101);
  /* Unsigned, or with another query only: 403 with API Gateway's body. */
  assert_int_equal(upgrade_answer(f, "/iam", body, sizeof(body)), 403);
  assert_string_equal(body, "{\"message\":\"Forbidden\"}");
  assert_int_equal(upgrade_answer(f, "/iam?token=allow", body, sizeof(body)), 403);
  assert_null(wsgw_kit_connect(f->emu, &(struct wsgw_kit_ws_options){.path = "/iam"}, &status));
  assert_int_equal(status, 403);
  /* Expired: signed 10 minutes ago for 5 minutes. */
  presigned_path(path, sizeof(path), 600, 300, 0);
  assert_int_equal(upgrade_answer(f, path, body, sizeof(body)), 403);
  assert_string_equal(body, "{\"message\":\"Forbidden\"}");
  /* Ill-formed: a signature that is not 64 hex digits. */
  presigned_path(path, sizeof(path), 0, 0, 0);
  snprintf(strstr(path, "X-Amz-Signature=") + 16, 8, "zz");
  assert_int_equal(handshake(f, path, NULL), 403);
}

static void authorizer_none_lets_every_handshake_in(void **state) {
  struct fixture *f = *state;

  assert_int_equal(handshake(f, "/open", NULL), 101);
  assert_int_equal(handshake(f, "/open?X-Amz-Signature=anything", NULL), 101);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_header_identity_source_is_passed_to_the_authorizer),
      cmocka_unit_test(a_querystring_identity_source_is_passed_to_the_authorizer),
      cmocka_unit_test(a_missing_identity_source_gets_401_without_invoking_the_authorizer),
      cmocka_unit_test(the_authorizer_event_carries_type_method_arn_headers_and_stage_variables),
      cmocka_unit_test(the_authorizer_event_has_empty_stage_variables_when_none_are_defined),
      cmocka_unit_test(allow_continues_with_the_authorizer_context_on_every_later_event),
      cmocka_unit_test(authorizer_outcomes_give_the_aws_handshake_statuses),
      cmocka_unit_test(the_policy_is_matched_with_star_globbing_against_the_connect_arn),
      cmocka_unit_test(iam_accepts_a_presigned_connect_and_refuses_an_unsigned_one_with_403),
      cmocka_unit_test(authorizer_none_lets_every_handshake_in),
  };

  return cmocka_run_group_tests_name("regression_authorizer", tests, group_setup, group_teardown);
}
