/*
 * ws_access_log.h - API Gateway access logs: one line per WebSocket event,
 * rendered from a $context template (JSON, CSV or free text, as in SST's
 * accessLog option), written to stderr or appended to a file.
 *
 * SPEC docs/spec/apigw-websocket.md 10: $context.apiId, connectionId, connectedAt,
 * domainName, eventType, messageId, routeKey, requestId,
 * extendedRequestId, stage, status, requestTime, requestTimeEpoch,
 * integrationLatency, identity.sourceIp, identity.userAgent,
 * authorizer.principalId, authorizer.<key>, error.message,
 * error.messageString, error.responseType; $stageVariables.<name>.
 * An empty or unknown variable renders as "-", as API Gateway does.
 *
 * Threading: ws_access_log_write may be called from any thread (one lock
 * per log guards the stream).
 */
#ifndef WS_ACCESS_LOG_H
#define WS_ACCESS_LOG_H

#include <cjson/cJSON.h>

struct ws_access_log;

/* The default format (SST's JSON shape). */
#define WS_ACCESS_LOG_DEFAULT_FORMAT                                               \
  "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","   \
  "\"requestTime\":\"$context.requestTime\",\"eventType\":\"$context.eventType\"," \
  "\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\","             \
  "\"connectionId\":\"$context.connectionId\"}"

/* destination: "stderr", "stdout" or a file path (appended). NULL format:
 * the default. Returns NULL when the file cannot be opened. */
struct ws_access_log *ws_access_log_open(const char *format, const char *destination);
void ws_access_log_close(struct ws_access_log *log);

/* Renders template against an event's requestContext plus status, latency
 * and error message, and writes one line. */
void ws_access_log_write(struct ws_access_log *log, const cJSON *event, int status,
                         long integration_latency_ms, const char *error_message,
                         const cJSON *stage_variables);
/* The rendering alone (malloc'd), for tests. */
char *ws_access_log_render(const char *format, const cJSON *event, int status,
                           long integration_latency_ms, const char *error_message,
                           const cJSON *stage_variables);

#endif
