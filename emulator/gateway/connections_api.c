/*
 * connections_api.c - @connections POST/GET/DELETE (see connections_api.h).
 *
 * SPEC docs/spec/apigw-websocket.md 7: PostToConnection 200 empty body;
 * GetConnection 200 {connectedAt, identity, lastActiveAt} (ISO-8601);
 * DeleteConnection 204. Unknown/closed id, a connection whose $connect has
 * not completed, and a connection after DELETE -> 410 with
 * x-amzn-ErrorType: GoneException (the header is what the SDKs read).
 */
#include "connections_api.h"

#include <civetweb.h>
#include <stdio.h>
#include <string.h>

#include "apigw_errors.h"
#include "aws_sigv4.h"
#include "emu_faults.h"
#include "emu_id.h"
#include "emu_time.h"
#include "emu_utf8.h"
#include "http_util.h"
#include "lambda_invoke.h"
#include "ws_deployment.h"
#include "ws_gateway.h"
#include "ws_registry.h"

/* SPEC docs/spec/apigw-websocket.md 6: PostToConnection Data max 131072 bytes -> 413. */
#define POST_MAX_BYTES 131072

static const char segment[] = "@connections";

int connections_api_matches(const char *path) {
  const char *p = strstr(path, "/@connections");

  return p && (p[sizeof(segment)] == '/' || p[sizeof(segment)] == '\0');
}

static void respond(struct connections_api_response *out, int status, const char *type,
                    const char *body) {
  out->status = status;
  out->error_type = type;
  if (body)
    emu_buf_puts(&out->body, body);
}

/* One of apigw_errors.def's @connections answers; body NULL: its own. */
static void respond_error(struct connections_api_response *out, enum apigw_error e,
                          const char *body) {
  respond(out, apigw_error_status(e), apigw_error_type(e), body ? body : apigw_error_body(e));
}

void connections_api_handle(struct ws_gateway *gw, const char *method, const char *path,
                            const char *body, size_t len, struct connections_api_response *out) {
  const char *at = strstr(path, "/@connections");
  const char *id = at ? at + 1 + strlen(segment) : NULL;
  char api_id[sizeof(((struct emu_api *)0)->api_id)] = "";
  struct ws_conn *c;

  emu_buf_init(&out->body, 64 * 1024);
  if (!at) {
    respond_error(out, APIGW_ERR_FORBIDDEN, NULL);
    return;
  }
  /* The stage is the path before /@connections; the root form has none. */
  if (at != path) {
    const char *stage = path + 1;
    struct ws_deployment *d = ws_deployment_slot_acquire(&gw->deployed);
    int ai = d ? ws_deployment_api(d, stage, (size_t)(at - stage)) : -1;
    if (ai >= 0)
      memcpy(api_id, d->config->apis[ai].api_id, sizeof(api_id));
    ws_deployment_release(d);
    if (ai < 0) {
      /* SPEC docs/spec/apigw-websocket.md 1: a wrong stage on the execute-api host
       * answers 403 {"message":"Forbidden"} (SDK: ForbiddenException). */
      respond_error(out, APIGW_ERR_FORBIDDEN, NULL);
      return;
    }
  }
  if (*id == '/')
    id++;
  if (*id == '\0' || strchr(id, '/') ||
      (strcmp(method, "POST") && strcmp(method, "GET") && strcmp(method, "DELETE"))) {
    /* SPEC docs/spec/apigw-websocket.md 1: an empty id matches no route: "No method
     * found matching route @connections/ for http method GET." [obs];
     * DEVIATION: the status (404) is not recorded in the sources. */
    char msg[512];
    snprintf(
        msg, sizeof(msg),
        "{\"message\":\"No method found matching route @connections/%.200s for http method %.16s.\"}",
        id, method);
    respond_error(out, APIGW_ERR_NOT_FOUND, msg);
    return;
  }
  if (!emu_id_is_valid(id, strlen(id))) {
    /* An id that no connection can have (wrong length or characters: a
     * decoded control character, say) reaches no connection.
     * DEVIATION: AWS's answer to a malformed id is [unverified]; we answer
     * as for an unknown id (SPEC docs/spec/apigw-websocket.md 7: GoneException 410). */
    respond_error(out, APIGW_ERR_GONE, NULL);
    return;
  }
  {
    /* Fault injection: @connections answers 410, 429, 403 or 500 for
     * chosen ids (SPEC docs/spec/apigw-websocket.md 7: GoneException 410,
     * ForbiddenException 403, LimitExceededException 429). */
    int status;
    if (emu_faults_connections(gw->lambda.faults, id, &status)) {
      respond_error(out, apigw_error_of_status(APIGW_MANAGEMENT, status, APIGW_ERR_INTERNAL), NULL);
      return;
    }
  }
  if (strcmp(method, "POST") == 0 && len > POST_MAX_BYTES) {
    respond_error(out, APIGW_ERR_PAYLOAD_TOO_LARGE, NULL);
    return;
  }
  if (strcmp(method, "POST") == 0 && !emu_utf8_valid(body, len)) {
    /* The data goes out as a text frame, which RFC 6455 8.1 requires to be
     * UTF-8 (a browser fails the connection on anything else).
     * DEVIATION: what API Gateway answers for such data is [unverified]
     * (SPEC docs/spec/apigw-websocket.md 7); we refuse it, 400
     * BadRequestException, and the connection stays open. */
    respond_error(out, APIGW_ERR_BAD_REQUEST,
                  "{\"message\":\"Invalid UTF-8 in the data: a text frame must be UTF-8\"}");
    return;
  }
  c = ws_registry_get(gw->registry, id, strlen(id));
  /* DEVIATION: whether a connection is reachable through another stage's
   * path is [unverified]; we answer 410, as for an unknown id. */
  if (c && api_id[0] && strcmp(c->api->api_id, api_id) != 0) {
    ws_registry_conn_unref(c);
    c = NULL;
  }
  if (!c) {
    respond_error(out, APIGW_ERR_GONE, NULL);
    return;
  }
  if (strcmp(method, "POST") == 0) {
    /* SPEC docs/spec/apigw-websocket.md 7: the body is the raw bytes, delivered as a
     * text frame, never JSON-wrapped. A connection whose $connect returned
     * but whose 101 is not out yet queues it (ws_registry_ready).
     * DEVIATION: AWS buffers for a slow client and answers 429 when its
     * buffer is full; here 200 means written whole or queued (at most
     * WS_OUT_QUEUE_MAX), and a frame that could not go out whole (write
     * deadline, queue full) ends the connection as 1006 and answers 410. */
    if (ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, body, len) == 0)
      respond(out, 200, NULL, NULL);
    else
      respond_error(out, APIGW_ERR_GONE, NULL);
  } else if (strcmp(method, "DELETE") == 0) {
    /* SPEC docs/spec/apigw-websocket.md 8: DeleteConnection -> $disconnect with 1000
     * "Connection Closed Normally". */
    if (ws_registry_close(c, apigw_close_code(APIGW_CLOSE_NORMAL),
                          apigw_close_reason(APIGW_CLOSE_NORMAL)) == 0)
      respond(out, 204, NULL, NULL);
    else
      respond_error(out, APIGW_ERR_GONE, NULL);
  } else {
    cJSON *o, *identity;
    char iso[40];
    char *text;
    int open;
    pthread_mutex_lock(&c->lock);
    open = c->state == WS_CONN_OPEN;
    pthread_mutex_unlock(&c->lock);
    if (!open) {
      respond_error(out, APIGW_ERR_GONE, NULL);
    } else {
      o = cJSON_CreateObject();
      emu_time_iso8601(c->connected_at_ms, iso, sizeof(iso));
      cJSON_AddStringToObject(o, "connectedAt", iso);
      identity = cJSON_AddObjectToObject(o, "identity");
      cJSON_AddStringToObject(identity, "sourceIp", c->source_ip);
      if (c->user_agent)
        cJSON_AddStringToObject(identity, "userAgent", c->user_agent);
      else
        cJSON_AddNullToObject(identity, "userAgent");
      emu_time_iso8601(atomic_load(&c->last_active_ms), iso, sizeof(iso));
      cJSON_AddStringToObject(o, "lastActiveAt", iso);
      text = cJSON_PrintUnformatted(o);
      respond(out, 200, NULL, text);
      cJSON_free(text);
      cJSON_Delete(o);
    }
  }
  ws_registry_conn_unref(c);
}

void connections_api_management(void *gw, const char *method, const char *path, const char *body,
                                size_t len, struct lambda_mgmt_response *out) {
  struct connections_api_response resp;

  connections_api_handle(gw, method, path, body, len, &resp);
  out->status = resp.status;
  out->error_type = resp.error_type;
  out->body = resp.body;
}

void connections_api_serve(struct ws_gateway *gw, struct mg_connection *conn, const char *path) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  struct connections_api_response resp;
  char request_id[EMU_UUID_LEN + 1];
  struct http_header headers[3];
  struct emu_buf body;
  size_t nh = 0;
  enum http_body rc;

  emu_buf_init(&body, POST_MAX_BYTES);
  rc = http_util_read_body(conn, &body);
  emu_id_uuid(request_id);
  headers[nh].name = "x-amzn-RequestId";
  headers[nh++].value = request_id;
  if (rc == HTTP_BODY_TOO_LARGE) {
    const char *msg = apigw_error_body(APIGW_ERR_PAYLOAD_TOO_LARGE);
    headers[nh].name = "x-amzn-ErrorType";
    headers[nh++].value = apigw_error_type(APIGW_ERR_PAYLOAD_TOO_LARGE);
    http_util_send(conn, apigw_error_status(APIGW_ERR_PAYLOAD_TOO_LARGE), "application/json",
                   headers, nh, msg, strlen(msg));
    emu_buf_free(&body);
    return;
  }
  if (rc != HTTP_BODY_OK) {
    /* A body cut short or badly chunked is never delivered.
     * DEVIATION: API Gateway's answer is [unverified]; we answer at once,
     * 400 BadRequestException {"message"} (the shape of API Gateway's
     * other errors), and close the connection, which is out of step. */
    char msg[256];
    int n = snprintf(msg, sizeof(msg), "{\"message\":\"%s\"}", http_util_body_message(rc));
    headers[nh].name = "x-amzn-ErrorType";
    headers[nh++].value = apigw_error_type(APIGW_ERR_BAD_REQUEST);
    headers[nh].name = "Connection";
    headers[nh++].value = "close";
    http_util_send(conn, apigw_error_status(APIGW_ERR_BAD_REQUEST), "application/json", headers, nh,
                   msg, n > 0 && (size_t)n < sizeof(msg) ? (size_t)n : 0);
    emu_buf_free(&body);
    return;
  }
  if (gw->auth_keys) {
    enum aws_sigv4_result sig = aws_sigv4_verify_http(ri, body.data, body.len, "execute-api",
                                                      gw->auth_keys, gw->nauth_keys);
    if (sig != AWS_SIGV4_OK) {
      enum apigw_error e = sig == AWS_SIGV4_MISSING       ? APIGW_ERR_MISSING_AUTH_TOKEN
                           : sig == AWS_SIGV4_MALFORMED   ? APIGW_ERR_INCOMPLETE_SIGNATURE
                           : sig == AWS_SIGV4_UNKNOWN_KEY ? APIGW_ERR_UNRECOGNIZED_CLIENT
                                                          : APIGW_ERR_INVALID_SIGNATURE;
      const char *msg = apigw_error_body(e);
      headers[nh].name = "x-amzn-ErrorType";
      headers[nh++].value = apigw_error_type(e);
      http_util_send(conn, apigw_error_status(e), "application/json", headers, nh, msg,
                     strlen(msg));
      emu_buf_free(&body);
      return;
    }
  }
  connections_api_handle(gw, ri->request_method, path, body.data ? body.data : "", body.len, &resp);
  if (resp.error_type) {
    headers[nh].name = "x-amzn-ErrorType";
    headers[nh++].value = resp.error_type;
  }
  http_util_send(conn, resp.status, resp.body.len ? "application/json" : NULL, headers, nh,
                 resp.body.data, resp.body.len);
  emu_buf_free(&resp.body);
  emu_buf_free(&body);
}
