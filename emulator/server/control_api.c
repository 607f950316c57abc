/*
 * control_api.c - the /_wsgw/ control endpoint (see control_api.h).
 */
#include "control_api.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_page.h"
#include "console.h"
#include "control_guard.h"
#include "dynamo_api.h"
#include "emu_faults.h"
#include "emu_guard.h"
#include "emu_invocations.h"
#include "emu_json.h"
#include "emu_server.h"
#include "http_util.h"
#include "ws_conn_info.h"
#include "ws_limit.h"
#include "ws_registry.h"

static void send_json(struct mg_connection *conn, int status, cJSON *body) {
  char *text = cJSON_PrintUnformatted(body);

  http_util_send(conn, status, "application/json", NULL, 0, text, strlen(text));
  cJSON_free(text);
  cJSON_Delete(body);
}

static void send_message(struct mg_connection *conn, int status, const char *message) {
  cJSON *o = cJSON_CreateObject();

  cJSON_AddStringToObject(o, "message", message);
  send_json(conn, status, o);
}

/* A query parameter's decoded value into buf, or NULL. */
static const char *query_param(const struct mg_request_info *ri, const char *name, char *buf,
                               size_t cap) {
  if (!ri->query_string ||
      mg_get_var(ri->query_string, strlen(ri->query_string), name, buf, cap) < 0)
    return NULL;
  return buf;
}

/* POST /_wsgw/faults: one fault object, or an array of them added all or
 * nothing (a rejected request changes nothing). */
static void faults_add(struct emu *emu, struct mg_connection *conn) {
  static const int body_cap = 1 << 20;
  struct emu_buf body;
  enum http_body rc;
  cJSON *spec = NULL, *resp;
  char err[320];

  emu_buf_init(&body, (size_t)body_cap);
  rc = http_util_read_body(conn, &body);
  if (rc != HTTP_BODY_OK) {
    static const struct http_header close_hdr = {"Connection", "close"};
    cJSON *o = cJSON_CreateObject();
    char *text;
    emu_buf_free(&body);
    if (rc == HTTP_BODY_TOO_LARGE)
      snprintf(err, sizeof(err), "request body larger than %d bytes", body_cap);
    else
      snprintf(err, sizeof(err), "%s", http_util_body_message(rc));
    cJSON_AddStringToObject(o, "message", err);
    text = cJSON_PrintUnformatted(o);
    http_util_send(conn, rc == HTTP_BODY_TOO_LARGE ? 413 : 400, "application/json",
                   rc == HTTP_BODY_TOO_LARGE ? NULL : &close_hdr, rc == HTTP_BODY_TOO_LARGE ? 0 : 1,
                   text, text ? strlen(text) : 0);
    cJSON_free(text);
    cJSON_Delete(o);
    return;
  }
  if (!emu_json_too_deep(body.data ? body.data : "", body.len, 32))
    spec = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
  emu_buf_free(&body);
  if (!cJSON_IsObject(spec) && !cJSON_IsArray(spec)) {
    cJSON_Delete(spec);
    send_message(conn, 400, "expected a fault object or an array of them");
    return;
  }
  if (cJSON_IsObject(spec)) {
    int id = emu_faults_add(emu->faults, spec, err, sizeof(err));
    cJSON_Delete(spec);
    if (id < 0) {
      send_message(conn, 400, err);
      return;
    }
    resp = cJSON_CreateObject();
    cJSON_AddNumberToObject(resp, "id", id);
    send_json(conn, 200, resp);
    return;
  }
  {
    int *ids = calloc(EMU_FAULTS_MAX, sizeof(*ids));
    int n = ids ? emu_faults_add_all(emu->faults, spec, ids, err, sizeof(err)) : -1;
    cJSON_Delete(spec);
    if (n < 0) {
      free(ids);
      send_message(conn, 400, ids ? err : "out of memory");
      return;
    }
    resp = cJSON_CreateObject();
    cJSON_AddItemToObject(resp, "ids", cJSON_CreateIntArray(ids, n));
    free(ids);
    send_json(conn, 200, resp);
  }
}

static void connections_list(struct emu *emu, struct mg_connection *conn) {
  struct ws_conn **all = NULL;
  size_t i, n = ws_registry_snapshot(emu->gw.registry, &all);
  cJSON *arr = cJSON_CreateArray();

  for (i = 0; i < n; i++) {
    cJSON_AddItemToArray(arr, ws_conn_info_json(all[i]));
    ws_registry_conn_unref(all[i]);
  }
  free(all);
  send_json(conn, 200, arr);
}

void control_api_serve(struct emu *emu, struct mg_connection *conn, const char *uri) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  const char *path = uri + strlen(CONTROL_API_PREFIX);
  const char *method = ri->request_method;
  struct control_guard_request g = {
      method, mg_get_header(conn, "Host"), mg_get_header(conn, "Origin"),
      mg_get_header(conn, "Sec-Fetch-Site"), mg_get_header(conn, "Content-Type")};
  int status;
  const char *refusal = control_guard_refusal(&g, emu->allow_hosts, &status);

  if (refusal) {
    /* The body is left unread: the connection closes after the answer. */
    static const struct http_header close_hdr = {"Connection", "close"};
    cJSON *o = cJSON_CreateObject();
    char *text;
    cJSON_AddStringToObject(o, "message", refusal);
    text = cJSON_PrintUnformatted(o);
    http_util_send(conn, status, "application/json", &close_hdr, 1, text, text ? strlen(text) : 0);
    cJSON_free(text);
    cJSON_Delete(o);
    return;
  }
  if (strcmp(path, "faults") == 0) {
    if (strcmp(method, "GET") == 0)
      send_json(conn, 200, emu_faults_list(emu->faults));
    else if (strcmp(method, "POST") == 0)
      faults_add(emu, conn);
    else if (strcmp(method, "DELETE") == 0) {
      emu_faults_reset(emu->faults);
      http_util_send(conn, 204, NULL, NULL, 0, "", 0);
    } else
      send_message(conn, 404, "use GET, POST or DELETE on /_wsgw/faults");
  } else if (strncmp(path, "faults/", 7) == 0 && strcmp(method, "DELETE") == 0) {
    char *end;
    long id = strtol(path + 7, &end, 10);
    if (*end || id < 1 || emu_faults_remove(emu->faults, (int)id) != 0)
      send_message(conn, 404, "no fault with that id");
    else
      http_util_send(conn, 204, NULL, NULL, 0, "", 0);
  } else if (strcmp(path, "invocations") == 0) {
    char last[16];
    if (strcmp(method, "GET") == 0 && query_param(ri, "summary", last, sizeof(last))) {
      /* The console's list: ?summary=1&last=N, without events and
       * responses. */
      const char *n = query_param(ri, "last", last, sizeof(last));
      send_json(conn, 200, emu_invocations_summaries(emu->invocations, n ? atoi(n) : 0));
    } else if (strcmp(method, "GET") == 0) {
      char route[256], id[64], handler[256];
      send_json(conn, 200,
                emu_invocations_query(emu->invocations,
                                      query_param(ri, "routeKey", route, sizeof(route)),
                                      query_param(ri, "connectionId", id, sizeof(id)),
                                      query_param(ri, "handler", handler, sizeof(handler))));
    } else if (strcmp(method, "DELETE") == 0) {
      emu_invocations_clear(emu->invocations);
      http_util_send(conn, 204, NULL, NULL, 0, "", 0);
    } else
      send_message(conn, 404, "use GET or DELETE on /_wsgw/invocations");
  } else if (strncmp(path, "invocations/", 12) == 0 && strcmp(method, "GET") == 0) {
    char *end;
    long seq = strtol(path + 12, &end, 10);
    cJSON *entry = *end || seq < 1 ? NULL : emu_invocations_get(emu->invocations, seq);
    if (entry)
      send_json(conn, 200, entry);
    else
      send_message(conn, 404, "no invocation with that seq in the log");
  } else if (strcmp(path, "stats") == 0 && strcmp(method, "GET") == 0) {
    /* Counters for benchmarks and tuning: the store's group commit; the
     * connection limits (WebSockets held and refused, request heads cut
     * off, frames refused). */
    cJSON *o = cJSON_CreateObject(), *limits = ws_limit_stats(emu->gw.limits);
    cJSON_AddItemToObject(o, "store", dynamo_store_stats(emu->dynamo));
    emu_guard_stats(emu->gw.guard, limits);
    cJSON_AddItemToObject(o, "connections", limits);
    send_json(conn, 200, o);
  } else if (console_owns(path)) {
    console_serve(emu, conn, path);
  } else if (strcmp(path, CHAT_PAGE_PATH) == 0) {
    chat_page_serve(emu, conn);
  } else if (strcmp(path, "connections") == 0 && strcmp(method, "GET") == 0) {
    connections_list(emu, conn);
  } else if (strncmp(path, "connections/", 12) == 0 && strcmp(method, "POST") == 0) {
    char id[64];
    const char *slash = strchr(path + 12, '/');
    if (!slash || strcmp(slash, "/kill") != 0 || (size_t)(slash - (path + 12)) >= sizeof(id)) {
      send_message(conn, 404, "use POST /_wsgw/connections/{id}/kill");
      return;
    }
    snprintf(id, sizeof(id), "%.*s", (int)(slash - (path + 12)), path + 12);
    if (ws_registry_kill_id(emu->gw.registry, id) != 0)
      send_message(conn, 404, "no open connection with that id");
    else
      http_util_send(conn, 204, NULL, NULL, 0, "", 0);
  } else {
    send_message(
        conn, 404,
        "unknown control endpoint (see control_api.h: faults, invocations, connections, stats, chat)");
  }
}
