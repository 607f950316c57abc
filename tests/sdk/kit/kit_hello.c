/*
 * kit_hello.c - a user's test program against the installed kit, built by
 * tests/sdk/run.sh twice (find_package(wsgw) and pkg-config) outside the
 * wsgw build. It serves its own handler, which uses the Lambda context of
 * <wsgw/handler.h>, through the kit of <wsgw/kit.h>, and checks the answer
 * and the invocation log. Exit 0 when everything holds, else 1 with the
 * kit's explanation on stderr.
 */
#include <stdio.h>
#include <string.h>

#include <wsgw/kit.h>

/* Answers "hello <connection id>" and logs one line. */
static cJSON *hello(const cJSON *event, struct wsgw_ctx *ctx) {
  char body[128];
  const char *id = wsgw_connection_id(ctx);

  if (!id)
    return wsgw_fail(ctx, "no connection id");
  wsgw_log(ctx, "hello from %s", id);
  snprintf(body, sizeof(body), "hello %s", id);
  return wsgw_response(200, body);
}

static const struct wsgw_handler handlers[] = {{"sdk.hello", hello}, {NULL, NULL}};

static const char config[] =
    "{\"apis\": [{\"name\": \"sdk\", \"stage\": \"dev\","
    " \"routeSelectionExpression\": \"$request.body.action\","
    " \"routes\": {\"$default\": {\"function\": {\"handler\": \"sdk.hello\"},"
    " \"returnResponse\": true}}}]}";

static int check(int ok, const char *what) {
  if (!ok)
    fprintf(stderr, "kit_hello: %s: %s\n", what, wsgw_kit_error());
  return ok ? 0 : 1;
}

int main(void) {
  char err[512], want[64];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = handlers}, err, sizeof(err));
  struct wsgw_kit_ws *ws;
  cJSON *log;
  const cJSON *entry, *logs;
  int failed = 0;

  if (!emu) {
    fprintf(stderr, "kit_hello: %s\n", err);
    return 1;
  }
  ws = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/dev"}, NULL);
  if (check(ws != NULL, "connect")) {
    wsgw_kit_stop(emu);
    return 1;
  }
  snprintf(want, sizeof(want), "hello %s", wsgw_kit_ws_id(ws));
  failed |= check(wsgw_kit_send_text(ws, "hi") == 0, "send");
  failed |= check(wsgw_kit_expect_text(ws, want, 5000) == 0, "expect the handler's answer");
  log = wsgw_kit_invocations(emu, "$default", NULL, "sdk.hello");
  entry = cJSON_GetArrayItem(log, 0);
  logs = cJSON_GetObjectItemCaseSensitive(entry, "logs");
  failed |= check(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(entry, "requestId")),
                  "the invocation log has a requestId");
  failed |= check(cJSON_IsString(cJSON_GetArrayItem(logs, 0)) &&
                      strstr(cJSON_GetArrayItem(logs, 0)->valuestring, "hello from ") != NULL,
                  "the invocation log has the wsgw_log line");
  cJSON_Delete(log);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
  if (!failed)
    printf("kit_hello: ok\n");
  return failed;
}
