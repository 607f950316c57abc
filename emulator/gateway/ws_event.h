/*
 * ws_event.h - builds the Lambda-proxy events API Gateway sends to WebSocket
 * route integrations: CONNECT, MESSAGE and DISCONNECT, in the current
 * (sparse) shape of docs/spec/apigw-websocket.md section 2.
 *
 * Ownership: every builder returns a new cJSON tree owned by the caller.
 * Inputs are borrowed for the duration of the call. Threading: pure.
 */
#ifndef WS_EVENT_H
#define WS_EVENT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_config.h"

/* What every event of one connection shares. */
struct ws_event_conn {
  const struct emu_api *api;
  const char *domain_name; /* "127.0.0.1:8080": what handlers put in https://{domainName}/{stage} */
  const char *connection_id;
  int64_t connected_at_ms; /* constant for the connection */
  const char *source_ip;
  const char *user_agent;       /* NULL when the client sent none */
  const cJSON *authorizer;      /* requestContext.authorizer, or NULL */
  const cJSON *stage_variables; /* the stage's variables, or NULL */
};

struct ws_event_header {
  const char *name;
  const char *value;
};

/* CONNECT: headers as received (Connection and Upgrade removed, API
 * Gateway's X-Forwarded-* and X-Amzn-Trace-Id added); query parameters
 * only when query is non-NULL and non-empty. */
cJSON *ws_event_connect(const struct ws_event_conn *c, const struct ws_event_header *headers,
                        size_t nheaders, const char *query, int is_tls, int64_t now_ms);
/* MESSAGE: body verbatim (never re-serialized). */
cJSON *ws_event_message(const struct ws_event_conn *c, const char *route_key, const char *body,
                        size_t len, int64_t now_ms);
/* DISCONNECT: AWS's fixed header set plus disconnectStatusCode/Reason. */
cJSON *ws_event_disconnect(const struct ws_event_conn *c, int status_code, const char *reason,
                           int64_t now_ms);

/* Decodes a query string into the two parameter maps (single-valued keeps
 * the last value). Returns 0, or -1 for an empty query (maps not set). */
int ws_event_parse_query(const char *query, cJSON **single, cJSON **multi);

#endif
