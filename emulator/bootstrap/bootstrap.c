/*
 * bootstrap.c - main() of a provided.al2023 custom runtime: the Lambda
 * Runtime API loop around the handlers a program exports in
 * `wsgw_handlers` (the same table a handler library exports for
 * `wsgw serve --handlers`, written with WSGW_HANDLERS).
 *
 * The function's handler setting (_HANDLER, e.g. "chat.connect") picks one
 * handler at init; then: GET next -> call it -> POST response or error,
 * one invocation at a time, until Lambda (or wsgw) stops the process.
 * SPEC: docs/spec/lambda-runtime.md 1-2 (the lifecycle, the resources), 8.1
 * (a custom runtime's duties).
 * Invariants: every invocation that was received gets exactly one
 * response or error; a Runtime API that cannot be reached ends the
 * process (Lambda then starts a new environment), after a short retry.
 * Ownership: the event tree and the result belong to the loop and are
 * freed after each invocation. Threading: one thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootstrap.h"
#include "emu_buf.h"
#include "emu_json.h"

/* SPEC: docs/spec/lambda-runtime.md 4: an event and a response are at most
 * 6 MB; a little more is read so that an oversized one is seen whole. */
#define EVENT_MAX ((size_t)7 * 1024 * 1024)
#define POST_TIMEOUT_MS 30000L
#define NEXT_ATTEMPTS 5

struct runtime {
  struct bootstrap b;
  char base[512]; /* "http://{AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime" */
  wsgw_handler_fn *fn;
};

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* POSTs body to {base}{path}; 0 when answered 2xx. */
static int post(struct runtime *rt, const char *path, const char *const *headers, const char *body,
                size_t len) {
  struct aws_http_response resp;
  char url[768];
  int status;

  snprintf(url, sizeof(url), "%s%s", rt->base, path);
  aws_http_response_init(&resp);
  status = aws_http_call(rt->b.http,
                         &(struct aws_http_request){.method = "POST",
                                                    .url = url,
                                                    .headers = headers,
                                                    .body = body,
                                                    .body_len = len,
                                                    .timeout_ms = POST_TIMEOUT_MS,
                                                    .max_response = 64 * 1024},
                         &resp);
  if (status < 0)
    fprintf(stderr, "bootstrap: POST %s: %s\n", path, resp.error);
  else if (status < 200 || status >= 300)
    fprintf(stderr, "bootstrap: POST %s: %d %.*s\n", path, status, (int)resp.body.len,
            resp.body.data ? resp.body.data : "");
  aws_http_response_free(&resp);
  return status >= 200 && status < 300 ? 0 : -1;
}

/* SPEC: docs/spec/lambda-runtime.md 2.3, 2.4: {"errorMessage", "errorType"}
 * with the type also in Lambda-Runtime-Function-Error-Type. */
static int post_error(struct runtime *rt, const char *path, const char *type, const char *message) {
  cJSON *e = cJSON_CreateObject();
  char header[160];
  char *text;
  int rc;

  cJSON_AddStringToObject(e, "errorMessage", message);
  cJSON_AddStringToObject(e, "errorType", type);
  cJSON_AddItemToObject(e, "stackTrace", cJSON_CreateArray());
  text = cJSON_PrintUnformatted(e);
  cJSON_Delete(e);
  if (!text)
    return -1;
  snprintf(header, sizeof(header), "Lambda-Runtime-Function-Error-Type: %s", type);
  const char *headers[] = {"Content-Type: application/json", header, NULL};
  rc = post(rt, path, headers, text, strlen(text));
  cJSON_free(text);
  return rc;
}

/* SPEC: docs/spec/lambda-runtime.md 8.1: an init failure is posted, then the
 * runtime exits. */
static int init_error(struct runtime *rt, const char *type, const char *message) {
  fprintf(stderr, "bootstrap: %s: %s\n", type, message);
  return post_error(rt, "/init/error", type, message);
}

static wsgw_handler_fn *find_handler(const char *name, char *names, size_t cap) {
  size_t o = 0;

  names[0] = '\0';
  for (const struct wsgw_handler *h = wsgw_handlers; h->name; h++) {
    int n;
    if (name && strcmp(h->name, name) == 0)
      return h->fn;
    n = snprintf(names + o, cap - o, "%s%s", o ? ", " : "", h->name);
    if (n > 0 && (size_t)n < cap - o)
      o += (size_t)n;
  }
  return NULL;
}

/* Waits for the next event: 0 with the response filled in, or -1 when the
 * Runtime API cannot be reached after a few tries. */
static int next_event(struct runtime *rt, struct aws_http_response *resp) {
  char url[768];

  snprintf(url, sizeof(url), "%s/invocation/next", rt->base);
  for (int attempt = 0; attempt < NEXT_ATTEMPTS; attempt++) {
    /* SPEC: docs/spec/lambda-runtime.md 2.1: next blocks until an event
     * comes, so it has no timeout. */
    int status = aws_http_call(
        rt->b.http,
        &(struct aws_http_request){
            .method = "GET", .url = url, .timeout_ms = 0, .max_response = EVENT_MAX},
        resp);
    if (status == 200)
      return 0;
    if (status < 0)
      fprintf(stderr, "bootstrap: GET /invocation/next: %s\n", resp->error);
    else
      fprintf(stderr, "bootstrap: GET /invocation/next: %d\n", status);
    sleep_ms(100L << attempt);
  }
  return -1;
}

static void invoke(struct runtime *rt, struct aws_http_response *next) {
  struct wsgw_ctx ctx;
  char deadline[32], trace[512], path[256];
  unsigned found;
  cJSON *event, *result;

  memset(&ctx, 0, sizeof(ctx));
  ctx.b = &rt->b;
  if (aws_http_header(next, "Lambda-Runtime-Aws-Request-Id", ctx.request_id,
                      sizeof(ctx.request_id)) != 0 ||
      strchr(ctx.request_id, '/')) {
    fprintf(stderr, "bootstrap: an event without a usable Lambda-Runtime-Aws-Request-Id\n");
    return;
  }
  if (aws_http_header(next, "Lambda-Runtime-Deadline-Ms", deadline, sizeof(deadline)) == 0)
    ctx.deadline_ms = strtoll(deadline, NULL, 10);
  /* SPEC: docs/spec/lambda-runtime.md 8.1: the trace header goes to the
   * function's SDKs as _X_AMZN_TRACE_ID. */
  if (aws_http_header(next, "Lambda-Runtime-Trace-Id", trace, sizeof(trace)) == 0)
    setenv("_X_AMZN_TRACE_ID", trace, 1);
  else
    unsetenv("_X_AMZN_TRACE_ID");

  snprintf(path, sizeof(path), "/invocation/%s/error", ctx.request_id);
  found = emu_json_scan(next->body.data ? next->body.data : "", next->body.len, EMU_JSON_MAX_DEPTH);
  event = found & EMU_JSON_TOO_DEEP
              ? NULL
              : emu_json_parse_nul(next->body.data ? next->body.data : "", next->body.len, found);
  if (!event) {
    post_error(rt, path, "Runtime.InvalidEvent", "the event is not a JSON document");
    return;
  }
  ctx.event = event;
  result = rt->fn(event, &ctx);
  if (ctx.failed || !result) {
    post_error(rt, path, "HandlerError",
               ctx.failed ? ctx.error : "the handler returned no response (NULL)");
  } else {
    char *text = cJSON_PrintUnformatted(result);
    struct emu_buf wire;
    emu_buf_init(&wire, EVENT_MAX);
    /* The result's strings hold U+0000 as C0 80; on the wire it is \u0000. */
    if (!text || emu_json_nul_escape(&wire, text, strlen(text)) != 0) {
      post_error(rt, path, "Runtime.ResponseSizeTooLarge", "the response could not be written");
    } else {
      static const char *const headers[] = {"Content-Type: application/json", NULL};
      snprintf(path, sizeof(path), "/invocation/%s/response", ctx.request_id);
      post(rt, path, headers, wire.data ? wire.data : "", wire.len);
    }
    cJSON_free(text);
    emu_buf_free(&wire);
  }
  cJSON_Delete(result);
  cJSON_Delete(event);
}

int main(void) {
  static struct runtime rt;
  struct aws_http_response next;
  const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
  char err[256], names[1024];

  if (!api || !*api) {
    fprintf(stderr, "bootstrap: AWS_LAMBDA_RUNTIME_API is not set: this program is a Lambda "
                    "custom runtime; run it on Lambda (provided.al2023) or under `wsgw serve`\n");
    return 2;
  }
  snprintf(rt.base, sizeof(rt.base), "http://%s/2018-06-01/runtime", api);
  if (bootstrap_init(&rt.b, err, sizeof(err)) != 0) {
    if (rt.b.http)
      init_error(&rt, "Runtime.InitError", err);
    else
      fprintf(stderr, "bootstrap: %s\n", err);
    bootstrap_free(&rt.b);
    return 1;
  }
  rt.b.handler_name = getenv("_HANDLER");
  rt.fn = find_handler(rt.b.handler_name, names, sizeof(names));
  if (!rt.fn) {
    char msg[1400];
    snprintf(msg, sizeof(msg), "handler '%s' is not one of this bootstrap's handlers: %s",
             rt.b.handler_name ? rt.b.handler_name : "", names);
    init_error(&rt, "Runtime.HandlerNotFound", msg);
    bootstrap_free(&rt.b);
    return 1;
  }
  aws_http_response_init(&next);
  while (next_event(&rt, &next) == 0)
    invoke(&rt, &next);
  aws_http_response_free(&next);
  bootstrap_free(&rt.b);
  return 1;
}
