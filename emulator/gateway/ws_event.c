/*
 * ws_event.c - Lambda-proxy event builders (see ws_event.h).
 *
 * SPEC docs/spec/apigw-websocket.md 2.4 (field reference): routeKey, eventType,
 * extendedRequestId == requestId, requestTime (CLF), messageDirection "IN",
 * stage, connectedAt, requestTimeEpoch, identity {sourceIp[,userAgent]},
 * domainName, connectionId, apiId on every event; messageId on MESSAGE only;
 * disconnectStatusCode/disconnectReason on DISCONNECT only.
 */
#include "ws_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu_id.h"
#include "emu_json.h"
#include "emu_nul.h"
#include "emu_time.h"

static cJSON *request_context(const struct ws_event_conn *c, const char *route_key,
                              const char *event_type, int64_t now_ms) {
  cJSON *rc = cJSON_CreateObject(), *identity;
  char request_id[EMU_ID_LEN + 1], clf[40];

  emu_id_new(request_id);
  emu_time_clf(now_ms, clf, sizeof(clf));
  emu_json_add_const(rc, "routeKey", cJSON_CreateString(route_key));
  emu_json_add_const(rc, "eventType", cJSON_CreateString(event_type));
  if (strcmp(event_type, "MESSAGE") == 0) {
    char message_id[EMU_ID_LEN + 1];
    emu_id_new(message_id);
    emu_json_add_const(rc, "messageId", cJSON_CreateString(message_id));
  }
  /* SPEC docs/spec/apigw-websocket.md 2.4: requestId is "Same as extendedRequestId". */
  emu_json_add_const(rc, "extendedRequestId", cJSON_CreateString(request_id));
  emu_json_add_const(rc, "requestTime", cJSON_CreateString(clf));
  emu_json_add_const(rc, "messageDirection", cJSON_CreateString("IN"));
  emu_json_add_const(rc, "stage", cJSON_CreateString(c->api->stage));
  emu_json_add_const(rc, "connectedAt", cJSON_CreateNumber((double)c->connected_at_ms));
  emu_json_add_const(rc, "requestTimeEpoch", cJSON_CreateNumber((double)now_ms));
  identity = emu_json_add_const(rc, "identity", cJSON_CreateObject());
  emu_json_add_const(identity, "sourceIp", cJSON_CreateString(c->source_ip));
  if (c->user_agent)
    emu_json_add_const(identity, "userAgent", cJSON_CreateString(c->user_agent));
  emu_json_add_const(rc, "requestId", cJSON_CreateString(request_id));
  emu_json_add_const(rc, "domainName", cJSON_CreateString(c->domain_name));
  emu_json_add_const(rc, "connectionId", cJSON_CreateString(c->connection_id));
  emu_json_add_const(rc, "apiId", cJSON_CreateString(c->api->api_id));
  if (c->authorizer)
    cJSON_AddItemToObjectCS(rc, "authorizer", cJSON_Duplicate(c->authorizer, 1));
  return rc;
}

/* SPEC docs/spec/apigw-websocket.md 2.1: whether the integration event carries
 * stageVariables when the stage defines variables is [unverified] (likely
 * yes, REST-style); it is added only then, so plain events keep the sparse
 * shape of the captures. */
static void add_stage_variables(cJSON *ev, const struct ws_event_conn *c) {
  if (c->stage_variables && cJSON_GetArraySize(c->stage_variables) > 0)
    cJSON_AddItemToObjectCS(ev, "stageVariables", cJSON_Duplicate(c->stage_variables, 1));
}

static void add_header(cJSON *single, cJSON *multi, const char *name, const char *value) {
  cJSON *arr = cJSON_GetObjectItemCaseSensitive(multi, name);

  /* Header-name case is kept as received [obs]; a repeated header keeps its
   * last value in the single-valued map. */
  cJSON_DeleteItemFromObjectCaseSensitive(single, name);
  cJSON_AddStringToObject(single, name, value);
  if (!arr)
    arr = cJSON_AddArrayToObject(multi, name);
  cJSON_AddItemToArray(arr, cJSON_CreateString(value));
}

static int hex_value(char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Form-style decoding of one query component: %XX and '+' as space; a '%'
 * not followed by two hex digits stays as it is. out holds len + 1 bytes. */
static void url_decode(const char *in, size_t len, char *out) {
  size_t i, o = 0;

  for (i = 0; i < len; i++) {
    int hi, lo;
    if (in[i] == '%' && i + 2 < len && (hi = hex_value(in[i + 1])) >= 0 &&
        (lo = hex_value(in[i + 2])) >= 0) {
      out[o++] = (char)(hi * 16 + lo);
      i += 2;
    } else {
      out[o++] = in[i] == '+' ? ' ' : in[i];
    }
  }
  out[o] = '\0';
}

int ws_event_parse_query(const char *query, cJSON **single, cJSON **multi) {
  const char *p = query;

  if (!query || !*query)
    return -1;
  *single = cJSON_CreateObject();
  *multi = cJSON_CreateObject();
  while (*p) {
    const char *amp = strchr(p, '&');
    size_t n = amp ? (size_t)(amp - p) : strlen(p);
    if (n > 0) {
      const char *eq = memchr(p, '=', n);
      size_t klen = eq ? (size_t)(eq - p) : n;
      char *key = malloc(klen + 1), *val = malloc(n + 1);
      url_decode(p, klen, key);
      if (eq)
        url_decode(eq + 1, n - klen - 1, val);
      else
        val[0] = '\0';
      add_header(*single, *multi, key, val);
      free(key);
      free(val);
    }
    p += n;
    if (*p == '&')
      p++;
  }
  return 0;
}

cJSON *ws_event_connect(const struct ws_event_conn *c, const struct ws_event_header *headers,
                        size_t nheaders, const char *query, int is_tls, int64_t now_ms) {
  cJSON *ev = cJSON_CreateObject();
  cJSON *h = emu_json_add_const(ev, "headers", cJSON_CreateObject());
  cJSON *mh = emu_json_add_const(ev, "multiValueHeaders", cJSON_CreateObject());
  cJSON *qs = NULL, *mqs = NULL;
  char trace[64];
  size_t i;

  for (i = 0; i < nheaders; i++) {
    /* SPEC docs/spec/apigw-websocket.md 2.1: Connection and Upgrade are absent from
     * the integration event. */
    if (strcasecmp(headers[i].name, "Connection") == 0 ||
        strcasecmp(headers[i].name, "Upgrade") == 0)
      continue;
    add_header(h, mh, headers[i].name, headers[i].value);
  }
  /* SPEC docs/spec/apigw-websocket.md 2.1: API Gateway adds X-Amzn-Trace-Id,
   * X-Forwarded-For, X-Forwarded-Port and X-Forwarded-Proto. DEVIATION:
   * the port is the one the emulator listens on, not always 443. */
  snprintf(trace, sizeof(trace), "Root=1-%08llx-%016llx%08llx", (unsigned long long)(now_ms / 1000),
           (unsigned long long)emu_id_random64(),
           (unsigned long long)(emu_id_random64() & 0xFFFFFFFFull));
  add_header(h, mh, "X-Amzn-Trace-Id", trace);
  add_header(h, mh, "X-Forwarded-For", c->source_ip);
  {
    const char *colon = strrchr(c->domain_name, ':');
    add_header(h, mh, "X-Forwarded-Port", colon ? colon + 1 : (is_tls ? "443" : "80"));
  }
  add_header(h, mh, "X-Forwarded-Proto", is_tls ? "https" : "http");
  /* SPEC docs/spec/apigw-websocket.md 2.1: query parameters appear only when the URL
   * has a query string (absent otherwise, not null). */
  if (ws_event_parse_query(query, &qs, &mqs) == 0) {
    cJSON_AddItemToObjectCS(ev, "queryStringParameters", qs);
    cJSON_AddItemToObjectCS(ev, "multiValueQueryStringParameters", mqs);
  }
  add_stage_variables(ev, c);
  cJSON_AddItemToObjectCS(ev, "requestContext", request_context(c, "$connect", "CONNECT", now_ms));
  emu_json_add_const(ev, "isBase64Encoded", cJSON_CreateBool(0));
  return ev;
}

cJSON *ws_event_message(const struct ws_event_conn *c, const char *route_key, const char *body,
                        size_t len, int64_t now_ms) {
  cJSON *ev = cJSON_CreateObject();
  /* A U+0000 of the text is C0 80 in the tree (emu_nul.h): two bytes. */
  char *copy = malloc(2 * len + 1);

  add_stage_variables(ev, c);
  cJSON_AddItemToObjectCS(ev, "requestContext", request_context(c, route_key, "MESSAGE", now_ms));
  /* SPEC docs/spec/apigw-websocket.md 2.2: body is the client's text verbatim
   * (a U+0000 included: cJSON would end the string there). */
  emu_nul_encode(copy, body, len);
  emu_json_add_const(ev, "body", cJSON_CreateString(copy));
  free(copy);
  emu_json_add_const(ev, "isBase64Encoded", cJSON_CreateBool(0));
  return ev;
}

cJSON *ws_event_disconnect(const struct ws_event_conn *c, int status_code, const char *reason,
                           int64_t now_ms) {
  cJSON *ev = cJSON_CreateObject();
  cJSON *h = emu_json_add_const(ev, "headers", cJSON_CreateObject());
  cJSON *mh = emu_json_add_const(ev, "multiValueHeaders", cJSON_CreateObject());
  cJSON *rc;

  /* SPEC docs/spec/apigw-websocket.md 2.3: the fixed header set (Host, empty
   * x-api-key, empty X-Forwarded-For, empty x-restapi). */
  add_header(h, mh, "Host", c->domain_name);
  add_header(h, mh, "x-api-key", "");
  add_header(h, mh, "X-Forwarded-For", "");
  add_header(h, mh, "x-restapi", "");
  add_stage_variables(ev, c);
  rc = request_context(c, "$disconnect", "DISCONNECT", now_ms);
  emu_json_add_const(rc, "disconnectStatusCode", cJSON_CreateNumber(status_code));
  emu_json_add_const(rc, "disconnectReason", cJSON_CreateString(reason ? reason : ""));
  cJSON_AddItemToObjectCS(ev, "requestContext", rc);
  emu_json_add_const(ev, "isBase64Encoded", cJSON_CreateBool(0));
  return ev;
}
