/*
 * wsgw.c - the handler API of include/wsgw/handler.h, as wsgw serves it
 * in process: the AWS clients, the function error, and Lambda's context
 * (request id, remaining time, log, connection id).
 *
 * The AWS clients given to handlers do not open sockets: wsgw_dynamodb
 * serializes the request to JSON text and calls dynamo_api_call_internal,
 * the code behind POST /; the management API calls connections_api_handle,
 * the code behind /{stage}/@connections/{id}. So a handler sees exactly the
 * wire behaviour an SDK sees over HTTP, except that a U+0000 inside a
 * string is the byte pair C0 80 both ways, since cJSON trees cannot hold a
 * NUL (emu_nul.h).
 *
 * wsgw_response and wsgw_management_endpoint, which need no runtime, are
 * in wsgw_helpers.c (shared with the bootstrap).
 * Exported: the wsgw executable exports exactly the functions of handler.h
 * (include/wsgw/handler.dynlist), so that handler libraries loaded with
 * dlopen bind to these.
 * Threading: a context belongs to its handler's thread (see wsgw_ctx.h for
 * the log lines).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dynamo_api.h"
#include "emu_buf.h"
#include "lambda_invoke.h"
#include "emu_time.h"
#include "wsgw_ctx.h"
#include <wsgw/handler.h>

void wsgw_ctx_init(struct wsgw_ctx *ctx, struct lambda_runtime *rt, const struct emu_function *fn,
                   const cJSON *event, int64_t start_ms) {
  memset(ctx, 0, sizeof(*ctx));
  ctx->rt = rt;
  ctx->fn = fn;
  ctx->event = event;
  ctx->deadline_ms = start_ms + fn->timeout_ms;
  /* Lambda's context.awsRequestId: a UUID per invocation
   * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html). */
  emu_id_uuid(ctx->request_id);
  pthread_mutex_init(&ctx->logs_lock, NULL);
}

void wsgw_ctx_destroy(struct wsgw_ctx *ctx) {
  cJSON_Delete(ctx->logs);
  ctx->logs = NULL;
  pthread_mutex_destroy(&ctx->logs_lock);
}

cJSON *wsgw_ctx_take_logs(struct wsgw_ctx *ctx, int copy) {
  cJSON *logs;

  pthread_mutex_lock(&ctx->logs_lock);
  if (copy) {
    logs = ctx->logs ? cJSON_Duplicate(ctx->logs, 1) : NULL;
  } else {
    logs = ctx->logs;
    ctx->logs = NULL;
  }
  if (logs && ctx->logs_dropped > 0) {
    char note[64];
    snprintf(note, sizeof(note), "(%d more lines not kept)", ctx->logs_dropped);
    cJSON_AddItemToArray(logs, cJSON_CreateString(note));
  }
  pthread_mutex_unlock(&ctx->logs_lock);
  return logs;
}

const char *wsgw_request_id(struct wsgw_ctx *ctx) {
  return ctx->request_id;
}

/* Lambda's getRemainingTimeInMillis counts down the function's configured
 * timeout; the gateway's 29 s integration limit (lambda_invoke) does not
 * shorten it, as on AWS. */
long wsgw_remaining_ms(struct wsgw_ctx *ctx) {
  int64_t left = ctx->deadline_ms - emu_time_mono_ms();

  return left > 0 ? (long)left : 0;
}

void wsgw_log(struct wsgw_ctx *ctx, const char *fmt, ...) {
  char line[WSGW_CTX_LOG_LINE_MAX];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  /* DEVIATION: Lambda's log lines go to CloudWatch as "timestamp, request
   * id, level, message"; here one stderr line names the function and the
   * request id, and the invocation log keeps the message (bounded).
   * One fprintf: stdio locks the stream, so lines do not interleave. */
  fprintf(stderr, "%s %s %s\n", ctx->fn->handler, ctx->request_id, line);
  pthread_mutex_lock(&ctx->logs_lock);
  if (!ctx->logs)
    ctx->logs = cJSON_CreateArray();
  if (cJSON_GetArraySize(ctx->logs) < WSGW_CTX_LOGS_MAX)
    cJSON_AddItemToArray(ctx->logs, cJSON_CreateString(line));
  else
    ctx->logs_dropped++;
  pthread_mutex_unlock(&ctx->logs_lock);
}

const char *wsgw_connection_id(struct wsgw_ctx *ctx) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(ctx->event, "requestContext");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(rc, "connectionId");

  return cJSON_IsString(id) ? id->valuestring : NULL;
}

const char *wsgw_env(struct wsgw_ctx *ctx, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx->fn->environment, name);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

cJSON *wsgw_fail(struct wsgw_ctx *ctx, const char *fmt, ...) {
  va_list ap;

  ctx->failed = 1;
  va_start(ap, fmt);
  vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
  va_end(ap);
  return NULL;
}

int wsgw_dynamodb(struct wsgw_ctx *ctx, const char *operation, const cJSON *request,
                  cJSON **response) {
  struct emu_buf out;
  char *text = cJSON_PrintUnformatted(request);
  int status;

  *response = NULL;
  ctx->last_error_type[0] = '\0';
  if (!text)
    return -1;
  emu_buf_init(&out, (size_t)64 * 1024 * 1024);
  status = dynamo_api_call_internal(ctx->rt->dynamo, operation, text, strlen(text), &out);
  cJSON_free(text);
  *response = cJSON_ParseWithLength(out.data ? out.data : "{}", out.len ? out.len : 2);
  if (status != 200) {
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(*response, "__type");
    if (cJSON_IsString(type)) {
      const char *hash = strrchr(type->valuestring, '#');
      snprintf(ctx->last_error_type, sizeof(ctx->last_error_type), "%s",
               hash ? hash + 1 : type->valuestring);
    }
  }
  emu_buf_free(&out);
  return status;
}

/* Turns "https://host[:port]/stage[/more]" + id into the decoded management
 * path "/stage[/more]/@connections/id". DEVIATION: the host is not checked:
 * in process every endpoint means this emulator, so a custom domain's
 * https://{domainName}/{stage} works here although it fails on AWS when the
 * mapping path is not the stage. */
static int management_path(const char *endpoint, const char *id, char *buf, size_t cap) {
  const char *p = strstr(endpoint, "://");
  size_t plen;
  int n;

  p = p ? p + 3 : endpoint;
  p = strchr(p, '/');
  if (!p)
    p = "";
  plen = strlen(p);
  while (plen > 0 && p[plen - 1] == '/')
    plen--;
  n = snprintf(buf, cap, "%.*s/@connections/%s", (int)plen, p, id);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

static int management_call(struct wsgw_ctx *ctx, const char *method, const char *endpoint,
                           const char *id, const char *data, size_t len, cJSON **response) {
  struct lambda_mgmt_response resp;
  char path[1024];
  int status;

  ctx->last_error_type[0] = '\0';
  if (response)
    *response = NULL;
  if (!endpoint || !id || management_path(endpoint, id, path, sizeof(path)) != 0)
    return -1;
  ctx->rt->management(ctx->rt->management_arg, method, path, data ? data : "", len, &resp);
  status = resp.status;
  if (resp.error_type)
    snprintf(ctx->last_error_type, sizeof(ctx->last_error_type), "%s", resp.error_type);
  if (response && status == 200 && resp.body.len)
    *response = cJSON_ParseWithLength(resp.body.data, resp.body.len);
  emu_buf_free(&resp.body);
  return status;
}

int wsgw_post_to_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id,
                            const char *data, size_t len) {
  return management_call(ctx, "POST", endpoint, connection_id, data, len, NULL);
}

int wsgw_delete_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id) {
  return management_call(ctx, "DELETE", endpoint, connection_id, NULL, 0, NULL);
}

int wsgw_get_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id,
                        cJSON **response) {
  return management_call(ctx, "GET", endpoint, connection_id, NULL, 0, response);
}

const char *wsgw_last_error_type(struct wsgw_ctx *ctx) {
  return ctx->last_error_type;
}
