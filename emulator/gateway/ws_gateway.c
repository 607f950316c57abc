/*
 * ws_gateway.c - civetweb websocket callbacks -> API Gateway behaviour.
 *
 * connect  (worker, before the 101): mint the connectionId, run $connect,
 *          accept (2xx), or reject with the handler's status (502 on a
 *          function error, 504 on a timeout). Subprotocol: only what
 *          $connect returns in Sec-WebSocket-Protocol is accepted. An
 *          accepted connection is registered at once: it is established,
 *          and posts and DELETEs from then on are queued until the 101 is out.
 * ready    (after the 101): write what was queued meanwhile, in order.
 * data     (per frame): frames that break RFC 6455 fail the connection
 *          (1002, 1007; unmasked ones never get here: emu_guard); control
 *          frames handled here, never passed to handlers; text messages
 *          reassembled, routed, invoked.
 * close    (socket gone): unregister, then run $disconnect with the code
 *          and reason of how it ended. civetweb can still fail a handshake
 *          after connect accepted it (then neither ready nor close runs):
 *          its connection_close callback (ws_gateway_connection_close)
 *          ends such a connection the same way, as 1006.
 * watchdog (own thread): idle and maximum-duration timeouts, close
 *          handshakes that never finish, writes past their deadline. It
 *          never writes to a socket itself (its closes run on lambda_pool
 *          threads) and never waits for a writer.
 *
 * The limits and close codes quote docs/spec/apigw-websocket.md sections 5, 6 and 8.
 */
#include "ws_gateway.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "apigw_errors.h"
#include "emu_faults.h"
#include "emu_guard.h"
#include "emu_id.h"
#include "emu_log.h"
#include "emu_nul.h"
#include "ws_deployment.h"
#include "emu_time.h"
#include "emu_utf8.h"
#include "http_util.h"
#include "lambda_invoke.h"
#include "lambda_pool.h"
#include "ws_access_log.h"
#include "ws_authorizer.h"
#include "ws_conn_info.h"
#include "ws_sigv4.h"
#include "ws_event.h"
#include "ws_limit.h"
#include "ws_registry.h"
#include "ws_routes.h"

/* SPEC docs/spec/apigw-websocket.md 6: a frame is at most 32 KB and a message at
 * most 128 KB; anything bigger closes the connection with 1009. */
#define WS_MAX_FRAME (32 * 1024)
#define WS_MAX_MESSAGE (128 * 1024)

static void event_conn(const struct ws_gateway *gw, const struct ws_conn *c,
                       struct ws_event_conn *ec) {
  ec->api = c->api;
  ec->domain_name = c->domain_name ? c->domain_name : gw->domain_name;
  ec->stage_variables = c->api->stage_variables;
  ec->connection_id = c->id;
  ec->connected_at_ms = c->connected_at_ms;
  ec->source_ip = c->source_ip;
  ec->user_agent = c->user_agent;
  ec->authorizer = c->authorizer;
}

/* The API (its index in d) named by a handshake path "/{stage}" (a
 * trailing slash is tolerated), or -1. */
static int stage_of_path(const struct ws_deployment *d, const char *path) {
  size_t len;

  if (path[0] != '/')
    return -1;
  path++;
  len = strlen(path);
  if (len > 0 && path[len - 1] == '/')
    len--;
  if (memchr(path, '/', len))
    return -1;
  return ws_deployment_api(d, path, len);
}

/* A copy of what the access log needs from an event (the event itself is
 * handed to the invocation), or NULL when the API logs nothing. */
static cJSON *log_copy(const struct ws_access_log *log, const cJSON *event) {
  cJSON *o;

  if (!log)
    return NULL;
  o = cJSON_CreateObject();
  cJSON_AddItemToObject(
      o, "requestContext",
      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(event, "requestContext"), 1));
  return o;
}

static void log_event(struct ws_access_log *log, const struct emu_api *api, cJSON *copy, int status,
                      long latency, const char *error) {
  if (copy)
    ws_access_log_write(log, copy, status, latency, error, api->stage_variables);
  cJSON_Delete(copy);
}

static int reject(const struct mg_connection *conn, int status, const char *body) {
  /* The handshake is still plain HTTP on the wire, but civetweb already
   * treats the connection as a websocket and refuses its response-header
   * API, so the response is written by hand. */
  mg_printf((struct mg_connection *)conn,
            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
            "Connection: close\r\n\r\n%s",
            status, mg_get_response_code_text(conn, status), strlen(body), body);
  return 1;
}

static int reject_error(const struct mg_connection *conn, enum apigw_error e) {
  return reject(conn, apigw_error_status(e), apigw_error_body(e));
}

/* Runs the API's Lambda REQUEST authorizer. Returns 0 to continue (with
 * c->authorizer set) or the HTTP status that rejects the handshake. */
static int authorize(struct ws_gateway *gw, const struct ws_deployment *d, size_t ai,
                     struct ws_conn *c, const struct ws_event_header *headers, size_t nheaders,
                     const struct mg_request_info *ri) {
  const struct emu_api *api = &d->config->apis[ai];
  struct ws_access_log *log = ws_deployment_log(d, ai);
  struct ws_event_conn ec;
  struct lambda_result res;
  char arn[512];
  cJSON *connect_event, *event, *context = NULL, *copy;
  enum ws_authorizer_decision decision;

  /* SPEC docs/spec/apigw-websocket.md 9: a missing identity source gets 401 without
   * invoking the authorizer [unverified: REST behaviour]. */
  if (!ws_authorizer_sources_present(api->authorizer->identity_source, headers, nheaders,
                                     ri->query_string)) {
    if (log) {
      event_conn(gw, c, &ec);
      connect_event = ws_event_connect(&ec, headers, nheaders, ri->query_string, ri->is_ssl,
                                       emu_time_now_ms());
      log_event(log, api, log_copy(log, connect_event), apigw_error_status(APIGW_ERR_UNAUTHORIZED),
                0, "Unauthorized");
      cJSON_Delete(connect_event);
    }
    return apigw_error_status(APIGW_ERR_UNAUTHORIZED);
  }
  /* SPEC docs/spec/apigw-websocket.md 9: methodArn =
   * arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/$connect. */
  snprintf(arn, sizeof(arn), "arn:aws:execute-api:%s:" EMU_ACCOUNT_ID ":%s/%s/$connect",
           d->config->region, api->api_id, api->stage);
  event_conn(gw, c, &ec);
  connect_event = ws_event_connect(&ec, headers, nheaders, ri->query_string, ri->is_ssl,
                                   emu_time_now_ms());
  event = ws_authorizer_event(connect_event, headers, nheaders, arn, api->stage_variables);
  copy = log_copy(log, connect_event);
  cJSON_Delete(connect_event);
  lambda_invoke(&gw->lambda, &d->authorizers[ai], event, &res);
  if (res.outcome != LAMBDA_OK) {
    /* SPEC docs/spec/apigw-websocket.md 9: the error "Unauthorized" -> 401; other
     * authorizer errors -> 500 [unverified]. */
    int unauthorized = res.outcome == LAMBDA_ERROR && strcmp(res.error, "Unauthorized") == 0;
    int status = apigw_error_status(unauthorized ? APIGW_ERR_UNAUTHORIZED
                                                 : APIGW_ERR_AUTHORIZER_FAILED);
    log_event(log, api, copy, status, (long)res.duration_ms, res.error);
    lambda_result_free(&res);
    return status;
  }
  decision = ws_authorizer_evaluate(res.response, arn, &context);
  lambda_result_free(&res);
  if (decision != WS_AUTHORIZER_ALLOW) {
    int status = apigw_error_status(decision == WS_AUTHORIZER_DENY ? APIGW_ERR_HANDSHAKE_FORBIDDEN
                                                                   : APIGW_ERR_AUTHORIZER_FAILED);
    log_event(log, api, copy, status, (long)res.duration_ms,
              decision == WS_AUTHORIZER_DENY ? "Forbidden" : "Authorizer response is invalid");
    return status;
  }
  cJSON_Delete(copy);
  cJSON_AddNumberToObject(context, "integrationLatency", (double)res.duration_ms);
  c->authorizer = context;
  return 0;
}

/* What $connect's return hook needs to register the connection. */
struct accept {
  struct ws_gateway *gw;
  struct ws_conn *c;
  struct mg_connection *mg;
  int registered; /* set by the hook (under the invocation's lock) */
};

/* lambda_returned_fn: on the handler's thread, the instant $connect
 * returned. SPEC docs/spec/apigw-websocket.md 7: once $connect has returned a 2xx the
 * connection is established: POST/GET/DELETE succeed even before the client
 * has read the 101. Registering here, rather than when the worker wakes,
 * leaves the gateway no window of its own in which a post answers 410: a
 * broadcast that read the id from a table $connect wrote sees 410 only
 * while $connect really runs, as on AWS. */
static void accept_on_2xx(const cJSON *response, void *arg) {
  struct accept *a = arg;
  int status = lambda_response_status(response);

  if (status >= 200 && status <= 299) {
    ws_registry_add(a->gw->registry, a->c, a->mg);
    a->registered = 1;
  }
}

static int on_connect(const struct mg_connection *conn, void *cbdata) {
  struct ws_gateway *gw = cbdata;
  const struct mg_request_info *ri = mg_get_request_info(conn);
  char pathbuf[HTTP_UTIL_PATH_MAX];
  const char *uri = http_util_path(conn, pathbuf, sizeof(pathbuf));
  struct ws_deployment *d;
  const struct emu_api *api;
  struct ws_access_log *log;
  const struct emu_route *route;
  struct ws_event_header headers[MG_MAX_HEADERS];
  struct ws_event_conn ec;
  struct lambda_result res;
  struct ws_conn *c;
  struct accept acc;
  cJSON *event;
  int i, status, ai;

  if (!ws_limit_admit(gw->limits)) {
    char body[160];
    ws_limit_refusal_body(gw->limits, body, sizeof(body));
    return reject(conn, apigw_error_status(APIGW_ERR_TOO_MANY_CONNECTIONS), body);
  }
  d = ws_deployment_slot_acquire(&gw->deployed);
  ai = d && uri ? stage_of_path(d, uri) : -1;
  if (ai < 0 || atomic_load(&gw->stopping)) {
    ws_deployment_release(d);
    /* DEVIATION: AWS's answer for an unknown stage is [unverified]; a 403
     * {"message":"Forbidden"} is what its other endpoints answer. */
    return reject_error(conn, APIGW_ERR_HANDSHAKE_FORBIDDEN);
  }
  api = &d->config->apis[ai];
  log = ws_deployment_log(d, ai);
  /* The connection keeps d (its api points into it): c's reference. */
  ws_deployment_retain(d);
  c = ws_registry_conn_new(d, api, ri->remote_addr, mg_get_header(conn, "User-Agent"));
  ws_deployment_release(d); /* this function's; c holds d from here on */
  if (!c)
    return reject_error(conn, APIGW_ERR_HANDSHAKE_INTERNAL);
  c->remote_port = ri->remote_port;
  c->local_port = ri->server_port;
  {
    const char *path = uri + 1;
    size_t plen = strlen(path);
    if (plen && path[plen - 1] == '/')
      plen--;
    /* SPEC docs/spec/apigw-websocket.md 1: through a custom domain, domainName is the
     * custom domain; stage stays the real stage. Over TLS, the TLS port, so
     * that https://{domainName}/{stage} reaches this emulator. */
    if (api->base_path && api->domain_name && strlen(api->base_path) == plen &&
        memcmp(api->base_path, path, plen) == 0)
      c->domain_name = api->domain_name;
    else
      c->domain_name = ri->is_ssl && gw->tls_port ? gw->tls_domain_name : gw->domain_name;
  }
  for (i = 0; i < ri->num_headers; i++) {
    headers[i].name = ri->http_headers[i].name;
    headers[i].value = ri->http_headers[i].value;
  }
  if (api->iam_auth) {
    char why[160];
    /* SPEC docs/spec/apigw-websocket.md 9 (IAM): the client presigns the upgrade
     * request with SigV4; a refused one gets 403. DEVIATION in ws_sigv4.h: the
     * signature is checked for shape and expiry only. */
    if (ws_sigv4_check_presigned(ri->query_string, emu_time_now_ms(), why, sizeof(why)) !=
        WS_SIGV4_OK) {
      emu_log_warn("ws", "%s: IAM authorization refused the handshake: %s", api->name, why);
      ws_registry_conn_unref(c);
      return reject_error(conn, APIGW_ERR_HANDSHAKE_FORBIDDEN);
    }
  }
  if (api->authorizer &&
      (status = authorize(gw, d, (size_t)ai, c, headers, (size_t)ri->num_headers, ri)) != 0) {
    ws_registry_conn_unref(c);
    return reject_error(
        conn, apigw_error_of_status(APIGW_HANDSHAKE, status, APIGW_ERR_AUTHORIZER_FAILED));
  }
  route = emu_api_route(api, "$connect");
  if (route) {
    cJSON *copy;
    event_conn(gw, c, &ec);
    event = ws_event_connect(&ec, headers, (size_t)ri->num_headers, ri->query_string, ri->is_ssl,
                             emu_time_now_ms());
    copy = log_copy(log, event);
    acc = (struct accept){gw, c, (struct mg_connection *)conn, 0};
    lambda_invoke_then(&gw->lambda, ws_deployment_route(d, (size_t)ai, route), event, &res,
                       accept_on_2xx, &acc);
    /* The hook registered c only for a 2xx, which is accepted below. */
    if (res.outcome != LAMBDA_OK) {
      /* SPEC docs/spec/apigw-websocket.md 4.1: a function error rejects the handshake
       * with 502; a timeout "presumably 504" [unverified]. */
      enum apigw_error e = res.outcome == LAMBDA_TIMEOUT ? APIGW_ERR_HANDSHAKE_TIMEOUT
                                                         : APIGW_ERR_HANDSHAKE_FUNCTION_ERROR;
      status = apigw_error_status(e);
      log_event(log, api, copy, status, (long)res.duration_ms, res.error);
      lambda_result_free(&res);
      ws_registry_conn_unref(c);
      return reject_error(conn, e);
    }
    status = lambda_result_status(&res);
    log_event(log, api, copy, status, (long)res.duration_ms, NULL);
    if (status < 200 || status > 299) {
      /* SPEC docs/spec/apigw-websocket.md 4.1: any other status is passed through as
       * the HTTP status of the rejected handshake. */
      lambda_result_free(&res);
      ws_registry_conn_unref(c);
      if (status < 100 || status > 599)
        status = apigw_error_status(APIGW_ERR_HANDSHAKE_FUNCTION_ERROR);
      return reject(conn, status, "");
    }
    {
      /* SPEC docs/spec/apigw-websocket.md 4.1: only Sec-WebSocket-Protocol is
       * propagated into the 101; body and other headers are dropped. */
      const char *proto = lambda_result_header(&res, "Sec-WebSocket-Protocol");
      if (proto)
        c->subprotocol = strdup(proto);
    }
    lambda_result_free(&res);
  }
  /* SPEC docs/spec/apigw-websocket.md 5: API Gateway does not echo the subprotocol;
   * the 101 carries only what $connect returned. civetweb writes this field
   * into the handshake (the handler list registered is empty, so civetweb
   * itself accepted none). */
  ((struct mg_request_info *)ri)->acceptedWebSocketSubprotocol = c->subprotocol;
  mg_set_user_connection_data(conn, c);
  /* Established (accept_on_2xx): frames posted from now on wait for the
   * 101 (ws_registry_ready). Without a $connect route, from here. */
  if (!route || !acc.registered)
    ws_registry_add(gw->registry, c, (struct mg_connection *)conn);
  {
    /* Fault injection: a slow 101 (the established-but-not-yet-upgraded
     * window made wide enough to test). */
    int delay_ms = 0;
    if (emu_faults_handshake(gw->lambda.faults, c->id, &delay_ms) && delay_ms > 0) {
      struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
      while (nanosleep(&ts, &ts) != 0)
        ;
    }
  }
  return 0;
}

static void on_ready(struct mg_connection *conn, void *cbdata) {
  struct ws_gateway *gw = cbdata;
  struct ws_conn *c = mg_get_user_connection_data(conn);

  if (c) {
    ws_registry_ready(c);
    emu_guard_ws_open(gw->guard, c);
  }
}

static void send_error_frame(struct ws_conn *c, const char *message) {
  char frame[256], request_id[EMU_ID_LEN + 1];
  int n;

  emu_id_new(request_id);
  /* SPEC docs/spec/apigw-websocket.md 3 and 4.2: the exact byte layout, e.g.
   * {"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}
   * (space after "message": and after each comma, none after the other
   * colons); requestId is fresh per message. */
  n = snprintf(frame, sizeof(frame),
               "{\"message\": \"%s\", \"connectionId\":\"%s\", \"requestId\":\"%s\"}", message,
               c->id, request_id);
  ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, frame, (size_t)n);
}

/* The index in d of connection c's API: the one it connected to, looked up
 * by id when d is a later deployment (a config or handler reload), or -1
 * when d no longer has it. */
static int api_of(const struct ws_deployment *d, const struct ws_conn *c) {
  if (d == c->deployment)
    return (int)(c->api - d->config->apis);
  return ws_deployment_api_by_id(d, c->api->api_id);
}

/* Fills ec for an event of c's API as the deployment d has it (its stage
 * variables may have changed since c connected). */
static void event_conn_in(const struct ws_gateway *gw, const struct ws_conn *c,
                          const struct emu_api *api, struct ws_event_conn *ec) {
  event_conn(gw, c, ec);
  ec->api = api;
  ec->stage_variables = api->stage_variables;
}

/* The current deployment for a message or the end of c, with a reference
 * the caller drops with done_with(c, d). */
static struct ws_deployment *current_for(struct ws_gateway *gw, const struct ws_conn *c) {
  if (ws_deployment_slot_is_current(&gw->deployed, c->deployment))
    return c->deployment; /* c's own reference covers the call */
  return ws_deployment_slot_acquire(&gw->deployed);
}

static void done_with(const struct ws_conn *c, struct ws_deployment *d) {
  if (d != c->deployment)
    ws_deployment_release(d);
}

static void dispatch_message(struct ws_gateway *gw, struct ws_conn *c, const char *body,
                             size_t len) {
  /* A message runs on the current deployment. Until a reload, that is the
   * connection's own, which it holds: no reference to take. */
  struct ws_deployment *d = current_for(gw, c);
  int ai = d ? api_of(d, c) : -1;
  const struct emu_api *api;
  struct ws_access_log *log;
  const struct emu_route *route;
  struct ws_event_conn ec;
  struct lambda_result res;
  cJSON *event, *copy;

  atomic_store(&c->last_active_ms, emu_time_now_ms());
  if (ai < 0) {
    /* DEVIATION: the API or stage is gone from the reloaded config. AWS
     * drops the clients of a deleted stage (close code unverified); here a
     * message to one closes it with 1001 "Going away", as a server-side end
     * does, and end_connection finds no $disconnect to run. */
    done_with(c, d);
    ws_registry_close(c, apigw_close_code(APIGW_CLOSE_GOING_AWAY),
                      apigw_close_reason(APIGW_CLOSE_GOING_AWAY));
    return;
  }
  api = &d->config->apis[ai];
  log = ws_deployment_log(d, (size_t)ai);
  route = ws_routes_select(api, ws_deployment_expr(d, (size_t)ai), body, len);
  if (!route) {
    /* SPEC docs/spec/apigw-websocket.md 3: no match and no $default -> the Forbidden
     * frame; the connection stays open. */
    send_error_frame(c, apigw_frame_message(APIGW_FRAME_FORBIDDEN));
    if (log) {
      event_conn_in(gw, c, api, &ec);
      event = ws_event_message(&ec, "$default", body, len, emu_time_now_ms());
      log_event(log, api, log_copy(log, event), apigw_frame_status(APIGW_FRAME_FORBIDDEN), 0,
                apigw_frame_message(APIGW_FRAME_FORBIDDEN));
      cJSON_Delete(event);
    }
    done_with(c, d);
    return;
  }
  event_conn_in(gw, c, api, &ec);
  event = ws_event_message(&ec, route->key, body, len, emu_time_now_ms());
  copy = log_copy(log, event);
  lambda_invoke(&gw->lambda, ws_deployment_route(d, (size_t)ai, route), event, &res);
  log_event(log, api, copy,
            res.outcome == LAMBDA_OK        ? lambda_result_status(&res)
            : res.outcome == LAMBDA_TIMEOUT ? apigw_frame_status(APIGW_FRAME_TIMEOUT)
                                            : apigw_frame_status(APIGW_FRAME_INTERNAL),
            (long)res.duration_ms, res.outcome == LAMBDA_OK ? NULL : res.error);
  if (res.outcome == LAMBDA_ERROR) {
    /* SPEC docs/spec/apigw-websocket.md 4.2: function error -> "Internal server error"
     * frame, connection stays open (one-way routes too). */
    send_error_frame(c, apigw_frame_message(APIGW_FRAME_INTERNAL));
  } else if (res.outcome == LAMBDA_TIMEOUT) {
    send_error_frame(c, apigw_frame_message(APIGW_FRAME_TIMEOUT));
  } else if (route->return_response) {
    /* SPEC docs/spec/apigw-websocket.md 4.2: two-way routes send the returned body as
     * one text frame; nothing when the body is missing or empty [peer]. */
    const char *out = lambda_result_body(&res);
    size_t n = out ? strlen(out) : 0;
    if (n && memchr(out, (int)EMU_NUL_LEAD, n)) {
      /* The body's C0 80 pairs are U+0000 (emu_nul.h): the byte 0x00 on the wire. */
      char *raw = malloc(n + 1);
      if (raw) {
        n = emu_nul_decode(raw, out, n);
        ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, raw, n);
        free(raw);
      }
    } else if (n) {
      ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, out, n);
    }
  }
  lambda_result_free(&res);
  done_with(c, d);
}

int ws_gateway_close_code_valid(int code) {
  /* SPEC docs/spec/apigw-websocket.md 5: the close codes a client may send.
   * RFC 6455 7.4.1 and IANA's registry: 1000-1003 and 1007-1014 are
   * defined and may be sent; 1004 is reserved; 1005, 1006 and 1015 are
   * never sent in a close frame; 1016-2999 are unassigned; 3000-4999 are
   * for libraries and applications. */
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

static int close_with(struct ws_conn *c, enum apigw_close why) {
  ws_registry_close(c, apigw_close_code(why), apigw_close_reason(why));
  return 0; /* civetweb closes the socket */
}

static int on_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cbdata) {
  struct ws_gateway *gw = cbdata;
  struct ws_conn *c = mg_get_user_connection_data(conn);
  int opcode = bits & 0x0F, fin = (bits & 0x80) != 0;

  if (!c)
    return 0;
  emu_guard_ws_frame();
  /* SPEC docs/spec/apigw-websocket.md 5: a frame that breaks RFC 6455 fails
   * the connection with 1002 (the RFC's rule; AWS's answer [unverified]).
   * RFC 6455 5.2: a reserved bit set without an extension that defines it
   * (wsgw negotiates none) fails the connection; 5.5: control frames
   * (opcodes 8-15) are never fragmented and carry at most 125 bytes. The
   * guard (emu_guard.c) already refused unmasked frames. */
  if ((bits & 0x70) || ((opcode & 0x8) && (!fin || len > 125)))
    return close_with(c, APIGW_CLOSE_PROTOCOL_ERROR);
  switch (opcode) {
  case MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE: {
    int code = apigw_close_code(APIGW_CLOSE_NO_STATUS);
    char reason[124];
    snprintf(reason, sizeof(reason), "%s", apigw_close_reason(APIGW_CLOSE_NO_STATUS));
    /* SPEC docs/spec/apigw-websocket.md 8: a close frame without a status code ->
     * 1005 "Client-side close frame status not set"; with a code -> that
     * code and the client's reason [unverified]. */
    if (len >= 2) {
      size_t rlen = len - 2; /* at most 123: the frame's 125 less the code */
      code = ((unsigned char)data[0] << 8) | (unsigned char)data[1];
      /* RFC 6455 5.5.1: a body is a 2-byte code and UTF-8 text; 7.4: a
       * code that may not be sent (1005, 1006, 1015, unassigned ones)
       * fails the connection with 1002, a reason that is not UTF-8 with
       * 1007. */
      if (!ws_gateway_close_code_valid(code))
        return close_with(c, APIGW_CLOSE_PROTOCOL_ERROR);
      if (!emu_utf8_valid(data + 2, rlen))
        return close_with(c, APIGW_CLOSE_INVALID_UTF8);
      memcpy(reason, data + 2, rlen);
      reason[rlen] = '\0';
    } else if (len == 1) {
      return close_with(c, APIGW_CLOSE_PROTOCOL_ERROR);
    }
    /* Answer the close (RFC 6455 5.5.1) unless we started it. */
    ws_registry_close(c, code, reason);
    return 0;
  }
  case MG_WEBSOCKET_OPCODE_PING:
    /* SPEC docs/spec/apigw-websocket.md 5: Ping gets Pong; control frames never reach
     * handlers. */
    ws_registry_send(c, MG_WEBSOCKET_OPCODE_PONG, data, len);
    return 1;
  case MG_WEBSOCKET_OPCODE_PONG:
    return 1;
  case MG_WEBSOCKET_OPCODE_BINARY:
    /* SPEC docs/spec/apigw-websocket.md 5: a binary frame from a client is refused and
     * the client disconnected with 1003. */
    return close_with(c, APIGW_CLOSE_BINARY);
  case MG_WEBSOCKET_OPCODE_TEXT:
  case MG_WEBSOCKET_OPCODE_CONTINUATION:
    /* The count, then the flag with release (see ws_registry_send). */
    atomic_fetch_add_explicit(&c->frames_in, 1, memory_order_relaxed);
    atomic_store_explicit(&c->dirty, 1, memory_order_release);
    break;
  default:
    return close_with(c, APIGW_CLOSE_PROTOCOL_ERROR);
  }
  if (len > WS_MAX_FRAME)
    /* DEVIATION: civetweb reads a whole frame before we see it, so a frame
     * of up to 64 KB is refused after it arrived; a longer one is refused
     * from its header by emu_guard, before civetweb allocates it. */
    return close_with(c, APIGW_CLOSE_TOO_BIG);
  if ((opcode == MG_WEBSOCKET_OPCODE_CONTINUATION) != (c->in_message != 0))
    return close_with(c, APIGW_CLOSE_PROTOCOL_ERROR);
  if (c->message.len + len > WS_MAX_MESSAGE)
    return close_with(c, APIGW_CLOSE_TOO_BIG);
  if (!fin || c->in_message) {
    emu_buf_append(&c->message, data, len);
    c->in_message = !fin;
    if (!fin)
      return 1;
    data = c->message.data ? c->message.data : (char *)"";
    len = c->message.len;
  }
  if (!emu_utf8_valid(data, len)) {
    emu_buf_reset(&c->message);
    /* RFC 6455 8.1: invalid UTF-8 in a text message fails the connection
     * with 1007. */
    return close_with(c, APIGW_CLOSE_INVALID_UTF8);
  }
  dispatch_message(gw, c, data, len);
  emu_buf_reset(&c->message);
  return 1;
}

/* The end of an accepted connection: unregister it (posts now get 410),
 * then run $disconnect. Called once per connection, by whichever callback
 * finds it attached to the civetweb connection. */
static void end_connection(struct ws_gateway *gw, const struct mg_connection *conn) {
  struct ws_conn *c = mg_get_user_connection_data(conn);
  struct ws_deployment *d;
  const struct emu_route *route = NULL;
  int ai;

  emu_guard_ws_closed();
  if (!c)
    return;
  mg_set_user_connection_data(conn, NULL);
  atomic_fetch_add(&gw->ending, 1);
  /* SPEC docs/spec/apigw-websocket.md 8: a TCP drop without a close frame -> 1006
   * (reason text [unverified]). */
  ws_registry_remove(gw->registry, c, apigw_close_code(APIGW_CLOSE_ABNORMAL),
                     apigw_close_reason(APIGW_CLOSE_ABNORMAL));
  /* SPEC docs/spec/apigw-websocket.md 8: $disconnect runs after the connection is
   * closed (posting to it now gets 410). */
  /* The current deployment's $disconnect; none when the API is gone from it. */
  d = current_for(gw, c);
  ai = d ? api_of(d, c) : -1;
  if (ai >= 0)
    route = emu_api_route(&d->config->apis[ai], "$disconnect");
  {
    /* Fault injection: a lost or late $disconnect (SPEC docs/spec/apigw-websocket.md
     * 8: delivery is best effort), the stale-id case. */
    int drop = 0, delay_ms = 0;
    if (route && emu_faults_disconnect(gw->lambda.faults, c->id, &drop, &delay_ms)) {
      if (drop)
        route = NULL;
      else if (delay_ms > 0) {
        struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0)
          ;
      }
    }
  }
  if (route) {
    struct ws_event_conn ec;
    struct lambda_result res;
    cJSON *event, *copy;
    int code;
    char reason[128];
    pthread_mutex_lock(&c->lock);
    code = c->close_code;
    snprintf(reason, sizeof(reason), "%s", c->close_reason);
    pthread_mutex_unlock(&c->lock);
    const struct emu_api *api = &d->config->apis[ai];
    struct ws_access_log *log = ws_deployment_log(d, (size_t)ai);
    event_conn_in(gw, c, api, &ec);
    event = ws_event_disconnect(&ec, code, reason, emu_time_now_ms());
    copy = log_copy(log, event);
    /* SPEC docs/spec/apigw-websocket.md 4.2: $disconnect's return value is ignored. */
    lambda_invoke(&gw->lambda, ws_deployment_route(d, (size_t)ai, route), event, &res);
    log_event(log, api, copy,
              res.outcome == LAMBDA_OK ? lambda_result_status(&res)
                                       : apigw_frame_status(APIGW_FRAME_INTERNAL),
              (long)res.duration_ms, res.outcome == LAMBDA_OK ? NULL : res.error);
    lambda_result_free(&res);
  }
  done_with(c, d);
  ws_registry_conn_unref(c);
  atomic_fetch_sub(&gw->ending, 1);
}

static void on_close(const struct mg_connection *conn, void *cbdata) {
  end_connection(cbdata, conn);
}

void ws_gateway_connection_close(struct ws_gateway *gw, const struct mg_connection *conn) {
  /* Only a connection whose handshake civetweb failed after on_connect
   * accepted it (e.g. a 500 for an over-long Sec-WebSocket-Key) still has
   * its ws_conn here: on_close detached every other one. Every connection
   * that $connect accepted thus gets its $disconnect.
   * DEVIATION: what AWS does when the upgrade fails after $connect is
   * [unverified]; $disconnect runs with 1006, as for a TCP drop. */
  end_connection(gw, conn);
}

void ws_gateway_register(struct ws_gateway *gw, struct mg_context *ctx) {
  /* An empty list makes civetweb accept no subprotocol by itself. */
  static struct mg_websocket_subprotocols none = {0, NULL};

  mg_set_websocket_handler_with_subprotocols(ctx, "**", &none, on_connect, on_ready, on_data,
                                             on_close, gw);
}

void ws_gateway_close_all(struct ws_gateway *gw) {
  struct ws_conn **all = NULL;
  size_t i, n = ws_registry_snapshot(gw->registry, &all);

  for (i = 0; i < n; i++) {
    /* SPEC docs/spec/apigw-websocket.md 6: server-side ends use 1001 "Going away". */
    ws_registry_close(all[i], apigw_close_code(APIGW_CLOSE_GOING_AWAY),
                      apigw_close_reason(APIGW_CLOSE_GOING_AWAY));
    ws_registry_conn_unref(all[i]);
  }
  free(all);
}

/* ---- Idle and maximum-duration timeouts ----------------------------------- */

/* A client has this long to answer our close frame before its socket is
 * shut down (the close then counts as it was recorded). */
#define CLOSE_GRACE_MS 2000

/* A lambda_pool job: the timeout close of one connection (drops the
 * reference the watchdog handed over). */
static void timeout_close(void *arg) {
  struct ws_conn *c = arg;

  /* SPEC docs/spec/apigw-websocket.md 6: server-side ends use 1001 "Going away". */
  ws_registry_close(c, apigw_close_code(APIGW_CLOSE_GOING_AWAY),
                    apigw_close_reason(APIGW_CLOSE_GOING_AWAY));
  ws_registry_conn_unref(c);
}

/* One pass over the connections: SPEC docs/spec/apigw-websocket.md 6: idle 10 min and
 * connection duration 2 h, both closing with 1001 "Going away".
 * SPEC docs/spec/apigw-websocket.md 5: whether pings reset the idle timer is
 * disputed; only data messages from the client count here. */
static void watchdog_pass(struct ws_gateway *gw) {
  struct ws_conn **all = NULL;
  size_t i, n = ws_registry_snapshot(gw->registry, &all);
  int64_t now = emu_time_now_ms(), mono = emu_time_mono_ms();

  for (i = 0; i < n; i++) {
    struct ws_conn *c = all[i];
    int state, ready;
    int64_t closing_since;
    /* A slow reader: its write ends the connection as 1006. */
    /* The console's live counters (ws_conn_info): at most one update per
     * connection per pass. */
    if (atomic_exchange(&c->dirty, 0))
      ws_conn_info_publish(ws_registry_events(gw->registry), c);
    if (ws_registry_write_overdue(c, mono, WS_WRITE_DEADLINE_MS)) {
      ws_registry_conn_unref(c);
      continue;
    }
    /* Never held across a socket write (ws_registry.h): a short wait. */
    pthread_mutex_lock(&c->lock);
    state = c->state;
    ready = c->ready;
    closing_since = c->closing_since_ms;
    pthread_mutex_unlock(&c->lock);
    if (state == WS_CONN_OPEN && (now - atomic_load(&c->last_active_ms) >= gw->idle_timeout_ms ||
                                  now - c->connected_at_ms >= gw->max_duration_ms)) {
      /* The close frame may meet a full socket: it is written on a pool
       * thread, so that the watchdog itself never blocks. */
      if (lambda_pool_run(gw->lambda.invokers, timeout_close, c) == 0)
        continue; /* the job drops the reference */
    } else if (state == WS_CONN_CLOSING && ready && mono - closing_since >= CLOSE_GRACE_MS) {
      ws_registry_force_close(c);
    }
    ws_registry_conn_unref(c);
  }
  free(all);
}

static void *watchdog_main(void *arg) {
  struct ws_gateway *gw = arg;
  int64_t shortest = gw->idle_timeout_ms < gw->max_duration_ms ? gw->idle_timeout_ms
                                                               : gw->max_duration_ms;
  /* Check often enough to honour second-level timeouts in tests. */
  int64_t period = shortest / 4 < 250 ? shortest / 4 : 250;

  if (period < 10)
    period = 10;
  pthread_mutex_lock(&gw->watchdog.lock);
  while (!gw->watchdog.stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)(period % 1000) * 1000000L;
    until.tv_sec += period / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&gw->watchdog.cond, &gw->watchdog.lock, &until);
    if (gw->watchdog.stop)
      break;
    pthread_mutex_unlock(&gw->watchdog.lock);
    watchdog_pass(gw);
    pthread_mutex_lock(&gw->watchdog.lock);
  }
  pthread_mutex_unlock(&gw->watchdog.lock);
  return NULL;
}

int ws_gateway_start_watchdog(struct ws_gateway *gw) {
  pthread_mutex_init(&gw->watchdog.lock, NULL);
  pthread_cond_init(&gw->watchdog.cond, NULL);
  gw->watchdog.stop = 0;
  if (pthread_create(&gw->watchdog.thread, NULL, watchdog_main, gw) != 0)
    return -1;
  gw->watchdog.running = 1;
  return 0;
}

void ws_gateway_stop_watchdog(struct ws_gateway *gw) {
  if (!gw->watchdog.running)
    return;
  pthread_mutex_lock(&gw->watchdog.lock);
  gw->watchdog.stop = 1;
  pthread_cond_signal(&gw->watchdog.cond);
  pthread_mutex_unlock(&gw->watchdog.lock);
  pthread_join(gw->watchdog.thread, NULL);
  pthread_mutex_destroy(&gw->watchdog.lock);
  pthread_cond_destroy(&gw->watchdog.cond);
  gw->watchdog.running = 0;
}
