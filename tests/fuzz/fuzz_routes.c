/*
 * fuzz_routes.c - libFuzzer target: route selection and the Lambda-proxy
 * event builder.
 *
 * Input: the route selection expression, a newline, the message body, a
 * newline, a query string. The expression is compiled (ws_routes_compile);
 * when it compiles, the route for the body is selected from an API with
 * routes "sendmessage", "$default" and a route named by the first 8 bytes
 * of the body, and the MESSAGE event for that route key is built and
 * serialized, as is a CONNECT event with the query string and a DISCONNECT
 * event. Checks: the selected route is one of the API's, and every event
 * serializes to JSON that parses again.
 * Ownership: everything built per input is freed before returning.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_buf.h"
#include "emu_config.h"
#include "ws_event.h"
#include "ws_routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(cJSON *ev) {
  char *text;
  cJSON *again;
  if (!ev) {
    abort();
  }
  text = cJSON_PrintUnformatted(ev);
  again = text ? cJSON_Parse(text) : NULL;
  if (!again) {
    fprintf(stderr, "event does not serialize to JSON\n");
    abort();
  }
  cJSON_Delete(again);
  cJSON_free(text);
  cJSON_Delete(ev);
}

/* Splits off the text up to the next newline (or the end) as a string. */
static char *next_part(const char **p, const char *end) {
  const char *nl = memchr(*p, '\n', (size_t)(end - *p));
  size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
  char *s = malloc(n + 1);
  if (!s) {
    abort();
  }
  memcpy(s, *p, n);
  s[n] = '\0';
  *p = nl ? nl + 1 : end;
  return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data, *end = p + size;
  char *expr = next_part(&p, end), *body = next_part(&p, end), *query = next_part(&p, end);
  char err[256], own_key[9];
  struct emu_route routes[3];
  struct emu_api api;
  struct ws_route_expr *e = ws_routes_compile(expr, err, sizeof(err));
  size_t blen = strlen(body);
  memset(routes, 0, sizeof(routes));
  memset(&api, 0, sizeof(api));
  snprintf(own_key, sizeof(own_key), "%s", body);
  routes[0].key = "sendmessage";
  routes[1].key = "$default";
  routes[2].key = own_key;
  api.name = "fuzz";
  api.stage = "dev";
  api.route_selection_expression = expr;
  memcpy(api.api_id, "abcdefghij", 11);
  api.routes = routes;
  api.nroutes = 3;
  if (e) {
    struct emu_buf key;
    const struct emu_route *r = ws_routes_select(&api, e, body, blen);
    const struct ws_event_conn c = {
        &api, "127.0.0.1:8080", "Zm9vYmFyMTIzNA=", 1700000000000, "127.0.0.1", "fuzz/1.0", NULL,
        NULL};
    const struct ws_event_header headers[] = {{"Host", "127.0.0.1"}, {"X-Fuzz", body}};
    if (r && r != &routes[0] && r != &routes[1] && r != &routes[2]) {
      abort();
    }
    emu_buf_init(&key, (size_t)1 << 20);
    (void)ws_routes_evaluate(e, body, blen, &key);
    emu_buf_free(&key);
    check_event(ws_event_message(&c, r ? r->key : "$default", body, blen, 1700000000001));
    check_event(ws_event_connect(&c, headers, 2, query, 0, 1700000000002));
    check_event(ws_event_disconnect(&c, 1005, body, 1700000000003));
    ws_routes_free(e);
  }
  free(expr);
  free(body);
  free(query);
  return 0;
}
