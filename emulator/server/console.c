/*
 * console.c - the web console's files and its /_wsgw/info (see console.h).
 *
 * The files are served from the table cmake/wsgw_embed.cmake generated; the
 * content type comes from the name's extension. index.html names its
 * stylesheet and script by relative URL, so the console also works behind
 * --allow-host names and over https://.
 */
#include "console.h"

#include <civetweb.h>
#include <stdio.h>
#include <string.h>

#include "console_events.h"
#include "dynamo_api.h"
#include "emu_server.h"
#include "http_util.h"

/* Only the console's own files and same-origin requests; no inline
 * script, no framing by another page. */
#define CONSOLE_CSP                                                                 \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " \
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

int console_enabled(const struct emu *emu) {
  return emu->console;
}

static const struct console_asset *find_asset(const char *name) {
  const struct console_asset *a;

  for (a = console_assets; a->name; a++)
    if (strcmp(a->name, name) == 0)
      return a;
  return NULL;
}

int console_owns(const char *path) {
  return !*path || strcmp(path, "info") == 0 || strcmp(path, "events") == 0 ||
         find_asset(path) != NULL;
}

static const char *content_type(const char *name) {
  static const struct {
    const char *ext, *type;
  } types[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
  };
  const char *dot = strrchr(name, '.');
  size_t i;

  for (i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
    if (strcmp(dot, types[i].ext) == 0)
      return types[i].type;
  return "application/octet-stream";
}

static void send_json(struct mg_connection *conn, int status, cJSON *body) {
  char *text = cJSON_PrintUnformatted(body);

  http_util_send(conn, status, "application/json", NULL, 0, text, text ? strlen(text) : 0);
  cJSON_free(text);
  cJSON_Delete(body);
}

/* GET /_wsgw/info: what the "Connect a client" panel shows. */
static void serve_info(struct emu *emu, struct mg_connection *conn) {
  struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);
  cJSON *o = cJSON_CreateObject(), *apis = cJSON_AddArrayToObject(o, "apis");
  char url[512];
  size_t i;

  cJSON_AddStringToObject(o, "version", WSGW_VERSION);
  cJSON_AddStringToObject(o, "region", emu->region);
  cJSON_AddStringToObject(o, "dynamodb", emu->base_url);
  if (dynamo_endpoint(emu->dynamo))
    cJSON_AddStringToObject(o, "dynamodbForwardedTo", dynamo_endpoint(emu->dynamo));
  cJSON_AddStringToObject(o, "auth", emu->nauth_keys ? "sigv4" : "none");
  if (d) {
    cJSON_AddStringToObject(o, "config", d->config->source ? d->config->source : "");
    for (i = 0; i < d->config->napis; i++) {
      const struct emu_api *a = &d->config->apis[i];
      cJSON *x = cJSON_CreateObject();
      cJSON_AddStringToObject(x, "name", a->name ? a->name : "");
      cJSON_AddStringToObject(x, "stage", a->stage);
      snprintf(url, sizeof(url), "ws://%s/%s", emu->gw.domain_name, a->stage);
      cJSON_AddStringToObject(x, "url", url);
      snprintf(url, sizeof(url), "%s/%s", emu->base_url, a->stage);
      cJSON_AddStringToObject(x, "connectionsUrl", url);
      cJSON_AddItemToArray(apis, x);
    }
  }
  if (emu->gw.tls_port) {
    cJSON *t = cJSON_AddObjectToObject(o, "tls");
    snprintf(url, sizeof(url), "wss://%s", emu->gw.tls_domain_name);
    cJSON_AddStringToObject(t, "url", url);
    cJSON_AddStringToObject(t, "cert", emu->tls_cert_path);
  }
  ws_deployment_release(d);
  send_json(conn, 200, o);
}

void console_serve(struct emu *emu, struct mg_connection *conn, const char *path) {
  const char *method = mg_get_request_info(conn)->request_method;
  const struct console_asset *a;

  if (!console_enabled(emu)) {
    static const char body[] =
        "{\"message\":\"the console is off: wsgw listens on a non-loopback address "
        "(start it with --console to turn it on)\"}";
    http_util_send(conn, 404, "application/json", NULL, 0, body, sizeof(body) - 1);
    return;
  }
  if (strcmp(method, "GET") != 0) {
    static const struct http_header allow = {"Allow", "GET"};
    static const char body[] = "{\"message\":\"the console's pages answer GET only\"}";
    http_util_send(conn, 405, "application/json", &allow, 1, body, sizeof(body) - 1);
    return;
  }
  if (strcmp(path, "events") == 0) {
    console_events_serve(emu, conn);
    return;
  }
  if (strcmp(path, "info") == 0) {
    serve_info(emu, conn);
    return;
  }
  a = find_asset(*path ? path : "index.html");
  if (a) {
    const struct http_header headers[] = {
        {"Cache-Control", "no-cache"},
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", CONSOLE_CSP},
        {"Referrer-Policy", "no-referrer"},
    };
    http_util_send(conn, 200, content_type(a->name), headers, sizeof(headers) / sizeof(headers[0]),
                   a->data, (size_t)a->len);
  }
}
