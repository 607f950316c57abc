/*
 * ws_routes.h - route selection: evaluates an API's routeSelectionExpression
 * against a message and picks the route.
 *
 * SPEC docs/spec/apigw-websocket.md 3: forms $request.body.action,
 * ${request.body.action}, nested $request.body.data.type, composites
 * ${request.body.service}/${request.body.action}, static values, escaped
 * \$default. A JSONPath that is not found resolves to "". Matching is exact
 * and case-sensitive. Fall-through to $default when the message is not JSON,
 * the key is missing, or no route key matches.
 *
 * Ownership: a compiled expression owns its segments; free with
 * ws_routes_free. Threading: compiled expressions are immutable and shared
 * by all connection threads.
 */
#ifndef WS_ROUTES_H
#define WS_ROUTES_H

#include <stddef.h>

#include "emu_buf.h"
#include "emu_config.h"

struct ws_route_expr;

/* Compiles expr. Returns NULL and writes err for an invalid expression
 * (e.g. an unterminated "${"). */
struct ws_route_expr *ws_routes_compile(const char *expr, char *err, size_t cap);
void ws_routes_free(struct ws_route_expr *e);

enum ws_routes_eval {
  WS_ROUTES_KEY = 0,    /* out holds the evaluated route key */
  WS_ROUTES_NOT_OBJECT, /* the body is not a JSON object: use $default */
};
/* Evaluates against a message body. */
enum ws_routes_eval ws_routes_evaluate(const struct ws_route_expr *e, const char *body, size_t len,
                                       struct emu_buf *out);

/* Selects the route for a message: the exact match, else $default, else
 * NULL (the caller sends the Forbidden frame). */
const struct emu_route *ws_routes_select(const struct emu_api *api, const struct ws_route_expr *e,
                                         const char *body, size_t len);

#endif
