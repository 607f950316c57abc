/*
 * wsgw/handler.h - the contract between a route handler and its runtime.
 *
 * A handler is a Lambda function written in C. It receives the API Gateway
 * Lambda-proxy event (the exact JSON AWS sends) and returns the proxy
 * response object ({"statusCode": 200, "headers": {...}, "body": "..."}).
 * Under `wsgw serve` it runs in process. The same source, linked with
 * libwsgw_bootstrap (pkg-config wsgw-bootstrap, CMake wsgw::bootstrap)
 * instead, is a Lambda custom runtime: a `bootstrap` for provided.al2023
 * whose main() runs the Runtime API loop around the handler that Lambda's
 * handler setting (_HANDLER) names in `wsgw_handlers`, and where these
 * functions are real AWS calls over HTTPS, signed with SigV4 (credentials,
 * region and endpoints from the standard AWS_* environment variables).
 * That is why every AWS call takes and returns the service's wire JSON,
 * and why the management endpoint is passed explicitly, built from the
 * event as on AWS: https://{requestContext.domainName}/{stage}.
 *
 * Handler rules:
 *   - `event` is read-only and lives for the duration of the call.
 *   - Return a new cJSON object (ownership passes to the runtime), or
 *     return wsgw_fail(ctx, ...) to report a function error (AWS: the
 *     Lambda threw). Returning NULL without wsgw_fail is a function error too.
 *   - Handlers may run concurrently on several threads; keep no unlocked
 *     global state.
 *
 * A handler library (a shared object for `wsgw serve --handlers lib.so`)
 * exports its handlers as one NULL-terminated array named `wsgw_handlers`
 * (write it with WSGW_HANDLERS below). Its rules:
 *   - Build it with -fPIC as a shared object and link nothing of wsgw: the
 *     wsgw_* functions below are exported by the wsgw process and bind when
 *     the library is loaded (cJSON comes from the process too).
 *   - It may be unloaded (dlclose) after a reload, once no invocation runs
 *     in it: leave no thread running after a handler returns, register no
 *     atexit() or destructor that calls into it, and keep no pointer into it
 *     anywhere else (no callbacks handed to other libraries).
 *   - Static state is per loaded copy: a reload starts from fresh globals.
 *
 * Ownership: every cJSON handed back through an out-parameter belongs to
 * the caller (cJSON_Delete it). Strings returned by wsgw_env,
 * wsgw_last_error_type, wsgw_request_id and wsgw_connection_id live as long
 * as the context (the invocation).
 */
#ifndef WSGW_HANDLER_H
#define WSGW_HANDLER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wsgw_ctx; /* opaque: one per invocation */

typedef cJSON *wsgw_handler_fn(const cJSON *event, struct wsgw_ctx *ctx);

struct wsgw_handler {
  const char *name; /* "chat.connect": the name routes use in the config */
  wsgw_handler_fn *fn;
};

/* What a handler library exports: its handlers, ended by {NULL, NULL}.
 * Names must be unique across the bundled handlers and every library. */
extern const struct wsgw_handler wsgw_handlers[];

/* Defines wsgw_handlers from {name, function} pairs (no trailing comma)
 * and adds the end mark:
 *   WSGW_HANDLERS({"app.connect", app_connect}, {"app.message", app_message});
 */
#define WSGW_HANDLERS(...) const struct wsgw_handler wsgw_handlers[] = {__VA_ARGS__, {NULL, NULL}}

/* Lambda's context object. */

/* The invocation's request id (Lambda's awsRequestId, a UUID); the
 * invocation log's "requestId" of this invocation. */
const char *wsgw_request_id(struct wsgw_ctx *ctx);
/* Milliseconds left before the function's configured timeout (Lambda's
 * getRemainingTimeInMillis); 0 once it has passed. */
long wsgw_remaining_ms(struct wsgw_ctx *ctx);
/* Writes one line to stderr, "<handler> <request id> <message>", and
 * appends the message to this invocation's "logs" in the invocation log
 * (GET /_wsgw/invocations, wsgw_kit_invocations), which keeps the first 64
 * lines of at most 1 KB each and then counts the rest. */
void wsgw_log(struct wsgw_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* event.requestContext.connectionId, or NULL when the event has none. */
const char *wsgw_connection_id(struct wsgw_ctx *ctx);

/* The function's environment variable (config `environment`), or NULL. */
const char *wsgw_env(struct wsgw_ctx *ctx, const char *name);

/* Records a function error (the message appears in the invocation log) and
 * returns NULL, so that `return wsgw_fail(ctx, "bad input: %s", why);`. */
cJSON *wsgw_fail(struct wsgw_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Builds {"statusCode": status, "body": body} (body may be NULL). */
cJSON *wsgw_response(int status, const char *body);

/* DynamoDB: `operation` is the X-Amz-Target operation ("PutItem"); `request`
 * is the JSON request body. Returns the HTTP status (200 on success) and
 * stores the parsed response body in *response (the error JSON, with
 * "__type" and "message", on failure). Returns -1 when the call could not
 * be made at all.
 * U+0000: DynamoDB strings may hold it, cJSON strings end at a NUL. In the
 * trees of `request` and *response, a U+0000 inside a string (value or
 * attribute name) is the byte pair C0 80 (0xC0 0x80, as in Java's modified
 * UTF-8); write it so to store one. SDK clients see "\u0000" for the same
 * data. strlen counts C0 80 as two bytes. The same holds for the event (a
 * message's body) and the response a handler returns. */
int wsgw_dynamodb(struct wsgw_ctx *ctx, const char *operation, const cJSON *request,
                  cJSON **response);

/* The ApiGatewayManagementApi. `endpoint` is the management endpoint as the
 * AWS SDKs take it ("https://{domainName}/{stage}"). PostToConnection sends
 * the `len` bytes of `data` as they are, NUL bytes included: to send a
 * U+0000 read from DynamoDB (C0 80 in the tree), write the byte 0x00. Each returns the HTTP
 * status: PostToConnection 200, DeleteConnection 204, GetConnection 200 (with
 * *response the JSON body); 410 when the connection is gone; -1 when the
 * call could not be made. After an error status, wsgw_last_error_type()
 * names the exception as the SDKs do ("GoneException"). */
int wsgw_post_to_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id,
                            const char *data, size_t len);
int wsgw_delete_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id);
int wsgw_get_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id,
                        cJSON **response);
const char *wsgw_last_error_type(struct wsgw_ctx *ctx);

/* Convenience for the AWS recipe: writes "https://{domainName}/{stage}" from
 * event.requestContext into buf. Returns 0, or -1 if the fields are missing
 * or buf is too small. */
int wsgw_management_endpoint(const cJSON *event, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
