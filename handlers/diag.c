/*
 * diag.c - diagnostic handlers for smoke tests and regression suites:
 *   diag.echo         {statusCode: 200, body: event.body}
 *   diag.status       on $connect: the status in query parameter `status`
 *   diag.fail         a function error
 *   diag.sleep        sleeps for `ms` (JSON body, or query on $connect)
 *   diag.subprotocol  on $connect: Sec-WebSocket-Protocol = query `protocol`
 *   diag.authorizer   a Lambda REQUEST authorizer driven by the token (header
 *                     Authorization, else query `token`): "allow" -> Allow
 *                     with context {user: "u1"}, "deny" -> Deny,
 *                     "unauthorized" -> the error "Unauthorized", "rest" ->
 *                     an Allow for .../{stage}/(any)/(any), REST style, which does not
 *                     match $connect), anything else -> a function error
 *   diag.record       appends every event to table Events (env
 *                     EVENTS_TABLE): {id, connectionId, routeKey, eventType,
 *                     at, event (the JSON text)}
 *   diag.whoami       {statusCode: 200, body: the caller's connectionId} (""
 *                     when the event has none): a client learns its own id
 * Threading: no global state.
 */
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsgw_builtin.h"

static const char *query_param(const cJSON *event, const char *name) {
  const cJSON *q = cJSON_GetObjectItemCaseSensitive(event, "queryStringParameters");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(q, name);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *context_string(const cJSON *event, const char *name) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(rc, name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

cJSON *diag_echo(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(event, "body");

  (void)ctx;
  return wsgw_response(200, cJSON_IsString(body) ? body->valuestring : NULL);
}

cJSON *diag_whoami(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)ctx;
  return wsgw_response(200, context_string(event, "connectionId"));
}

cJSON *diag_status(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *s = query_param(event, "status");
  long status = s ? strtol(s, NULL, 10) : 200;

  (void)ctx;
  /* atoi is undefined past int's range; any int passes through. */
  return wsgw_response(status >= INT_MIN && status <= INT_MAX ? (int)status : 500, NULL);
}

cJSON *diag_fail(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  return wsgw_fail(ctx, "diag.fail: failing on purpose");
}

cJSON *diag_sleep(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body_text = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *body = cJSON_IsString(body_text) ? cJSON_Parse(body_text->valuestring) : NULL;
  const cJSON *ms_json = cJSON_GetObjectItemCaseSensitive(body, "ms");
  const char *ms_query = query_param(event, "ms");
  /* Clamped as a double first: converting 1e300 to long is undefined. */
  double want = cJSON_IsNumber(ms_json) ? ms_json->valuedouble
                : ms_query              ? strtod(ms_query, NULL)
                                        : 0;
  long ms = want > 0 ? (long)(want < 60000 ? want : 60000) : 0;
  struct timespec ts;
  char text[64];

  (void)ctx;
  cJSON_Delete(body);
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  while (nanosleep(&ts, &ts) != 0)
    ;
  snprintf(text, sizeof(text), "slept %ld ms", ms);
  return wsgw_response(200, text);
}

cJSON *diag_subprotocol(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *p = query_param(event, "protocol");
  cJSON *r = wsgw_response(200, NULL);

  (void)ctx;
  if (p) {
    cJSON *h = cJSON_AddObjectToObject(r, "headers");
    cJSON_AddStringToObject(h, "Sec-WebSocket-Protocol", p);
  }
  return r;
}

static void add_s(cJSON *item, const char *name, const char *value) {
  cJSON *v = cJSON_AddObjectToObject(item, name);

  cJSON_AddStringToObject(v, "S", value);
}

cJSON *diag_record(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *table = wsgw_env(ctx, "EVENTS_TABLE");
  cJSON *req = cJSON_CreateObject(), *resp = NULL, *item, *at;
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *epoch = cJSON_GetObjectItemCaseSensitive(rc, "requestTimeEpoch");
  char *text = cJSON_PrintUnformatted(event), num[32];
  int status;

  cJSON_AddStringToObject(req, "TableName", table && *table ? table : "Events");
  item = cJSON_AddObjectToObject(req, "Item");
  add_s(item, "id", context_string(event, "requestId"));
  add_s(item, "connectionId", context_string(event, "connectionId"));
  add_s(item, "routeKey", context_string(event, "routeKey"));
  add_s(item, "eventType", context_string(event, "eventType"));
  add_s(item, "event", text ? text : "");
  snprintf(num, sizeof(num), "%.0f", cJSON_IsNumber(epoch) ? epoch->valuedouble : 0.0);
  at = cJSON_AddObjectToObject(item, "at");
  cJSON_AddStringToObject(at, "N", num);
  status = wsgw_dynamodb(ctx, "PutItem", req, &resp);
  cJSON_free(text);
  cJSON_Delete(req);
  cJSON_Delete(resp);
  if (status != 200)
    return wsgw_fail(ctx, "diag.record: PutItem failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, NULL);
}

static const char *header_value(const cJSON *event, const char *name) {
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(event, "headers"), *it;

  cJSON_ArrayForEach(it, h) {
    const char *a = it->string, *b = name;
    while (*a && *b && ((*a | 0x20) == (*b | 0x20)))
      a++, b++;
    if (!*a && !*b && cJSON_IsString(it))
      return it->valuestring;
  }
  return NULL;
}

cJSON *diag_authorizer(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *token = header_value(event, "Authorization");
  const cJSON *arn = cJSON_GetObjectItemCaseSensitive(event, "methodArn");
  cJSON *r, *doc, *st, *stmts, *c;
  char resource[512];
  int allow;

  if (!token)
    token = query_param(event, "token");
  if (!token || !cJSON_IsString(arn))
    return wsgw_fail(ctx, "diag.authorizer: no token");
  if (strcmp(token, "unauthorized") == 0)
    return wsgw_fail(ctx, "Unauthorized");
  if (strcmp(token, "allow") && strcmp(token, "deny") && strcmp(token, "rest"))
    return wsgw_fail(ctx, "diag.authorizer: unexpected token");
  allow = strcmp(token, "deny") != 0;
  if (strcmp(token, "rest") == 0) {
    /* arn:...:{api}/{stage}/$connect -> arn:...:{api}/{stage}/(star)/(star) */
    const char *last = strrchr(arn->valuestring, '/');
    snprintf(resource, sizeof(resource), "%.*s/*/*", (int)(last - arn->valuestring),
             arn->valuestring);
  } else {
    snprintf(resource, sizeof(resource), "%s", arn->valuestring);
  }
  r = cJSON_CreateObject();
  cJSON_AddStringToObject(r, "principalId", "user-1");
  doc = cJSON_AddObjectToObject(r, "policyDocument");
  cJSON_AddStringToObject(doc, "Version", "2012-10-17");
  stmts = cJSON_AddArrayToObject(doc, "Statement");
  st = cJSON_CreateObject();
  cJSON_AddStringToObject(st, "Action", "execute-api:Invoke");
  cJSON_AddStringToObject(st, "Effect", allow ? "Allow" : "Deny");
  cJSON_AddStringToObject(st, "Resource", resource);
  cJSON_AddItemToArray(stmts, st);
  c = cJSON_AddObjectToObject(r, "context");
  cJSON_AddStringToObject(c, "user", "u1");
  cJSON_AddNumberToObject(c, "level", 3);
  return r;
}
