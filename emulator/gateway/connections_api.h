/*
 * connections_api.h - the @connections management API
 * (ApiGatewayManagementApi 2018-11-29): POST sends, GET describes, DELETE
 * disconnects.
 *
 * Paths (already percent-decoded): /{stage}/@connections/{id} and the root
 * form /@connections/{id}. connections_api_handle is the one implementation,
 * used by the HTTP endpoint and by in-process handlers alike.
 * Threading: safe from any thread (the registry and connections lock).
 */
#ifndef CONNECTIONS_API_H
#define CONNECTIONS_API_H

#include <stddef.h>

#include "emu_buf.h"

struct ws_gateway;
struct mg_connection;
struct lambda_mgmt_response;

struct connections_api_response {
  int status;
  const char *error_type; /* x-amzn-ErrorType ("GoneException"), or NULL */
  struct emu_buf body;    /* response body (may be empty) */
};

/* Whether a decoded path addresses the management API. */
int connections_api_matches(const char *path);
/* Handles one request; out->body must be emu_buf_free'd by the caller. */
void connections_api_handle(struct ws_gateway *gw, const char *method, const char *path,
                            const char *body, size_t len, struct connections_api_response *out);
/* connections_api_handle as a lambda_management_fn (lambda_invoke.h), arg
 * the struct ws_gateway: the management API of in-process handlers
 * (lambda_runtime.management). */
void connections_api_management(void *gw, const char *method, const char *path, const char *body,
                                size_t len, struct lambda_mgmt_response *out);
/* The HTTP endpoint: reads the request, handles it, writes the response.
 * path is the percent-decoded request path (http_util_path). */
void connections_api_serve(struct ws_gateway *gw, struct mg_connection *conn, const char *path);

#endif
