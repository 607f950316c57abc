/*
 * wsgw.c (bootstrap) - the handler API of include/wsgw/handler.h over
 * HTTPS, for handlers running as a Lambda custom runtime: DynamoDB and the
 * @connections API are real AWS calls signed with SigV4 (aws_http), and
 * Lambda's context comes from the Runtime API's headers.
 *
 * The twin of lambda/wsgw.c (the same functions in process). What a
 * handler sees is the same: the service's wire JSON, the same statuses,
 * U+0000 as C0 80 inside cJSON strings (converted to and from \u0000 on
 * the wire here, as dynamo_api does in process), the same error types.
 * SPEC: docs/spec/aws-clients.md 1-3 (credentials, endpoints, DynamoDB's wire).
 * DEVIATION: the SDKs retry throttling and 5xx answers with backoff; these
 * calls do not retry (a handler sees the first answer).
 * Threading: see bootstrap.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootstrap.h"
#include "emu_buf.h"
#include "emu_json.h"

/* DynamoDB's largest request (BatchWriteItem) and answer are 16 MB; the
 * JSON escapes of C0 80 can add a little. */
#define DYNAMO_MAX_BODY ((size_t)64 * 1024 * 1024)
#define CALL_TIMEOUT_MS 30000L
/* PostToConnection's payload is at most 128 KB; GetConnection's answer is small. */
#define MGMT_MAX_RESPONSE ((size_t)64 * 1024)

static int64_t now_epoch_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bootstrap_init(struct bootstrap *b, char *err, size_t cap) {
  char why[160];

  memset(b, 0, sizeof(*b));
  b->http = aws_http_new(4, err, cap);
  if (!b->http)
    return -1;
  /* DEVIATION: Lambda always sets the role's credentials; without any
   * (a local endpoint that checks none) calls go unsigned. */
  b->have_creds = aws_env_creds(&b->creds, why, sizeof(why)) == 0;
  if (aws_env_region(b->region, sizeof(b->region)) != 0) {
    snprintf(err, cap, "no region: set AWS_REGION (Lambda sets it)");
    return -1;
  }
  if (aws_env_endpoint("DYNAMODB", "dynamodb", b->region, b->dynamodb, sizeof(b->dynamodb)) != 0) {
    snprintf(err, cap, "AWS_ENDPOINT_URL_DYNAMODB (or AWS_ENDPOINT_URL) is not an http(s) URL");
    return -1;
  }
  return 0;
}

void bootstrap_free(struct bootstrap *b) {
  aws_http_free(b->http);
  b->http = NULL;
}

const char *wsgw_request_id(struct wsgw_ctx *ctx) {
  return ctx->request_id;
}

long wsgw_remaining_ms(struct wsgw_ctx *ctx) {
  int64_t left = ctx->deadline_ms - now_epoch_ms();

  return left > 0 ? (long)left : 0;
}

void wsgw_log(struct wsgw_ctx *ctx, const char *fmt, ...) {
  char line[1024], stamp[32];
  struct timespec ts;
  struct tm tm;
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  /* SPEC: docs/spec/lambda-runtime.md 6: a runtime's output lines are the
   * function's log. The line is Lambda's text format for Node.js
   * (timestamp, request id, level, message), one write per line. */
  fprintf(stderr, "%s.%03ldZ\t%s\tINFO\t%s\n", stamp, ts.tv_nsec / 1000000, ctx->request_id, line);
}

const char *wsgw_connection_id(struct wsgw_ctx *ctx) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(ctx->event, "requestContext");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(rc, "connectionId");

  return cJSON_IsString(id) ? id->valuestring : NULL;
}

/* On Lambda a function's configured environment is the process's. */
const char *wsgw_env(struct wsgw_ctx *ctx, const char *name) {
  return getenv(name);
}

cJSON *wsgw_fail(struct wsgw_ctx *ctx, const char *fmt, ...) {
  va_list ap;

  ctx->failed = 1;
  va_start(ap, fmt);
  vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
  va_end(ap);
  return NULL;
}

const char *wsgw_last_error_type(struct wsgw_ctx *ctx) {
  return ctx->last_error_type;
}

static void call_failed(struct wsgw_ctx *ctx, const char *what, const char *why) {
  fprintf(stderr, "%s\twsgw: %s: %s\n", ctx->request_id, what, why);
}

/* Signs with the environment's credentials when there are any. */
static const struct aws_creds *creds_of(struct wsgw_ctx *ctx) {
  return ctx->b->have_creds ? &ctx->b->creds : NULL;
}

/* Parses a DynamoDB answer with each \u0000 kept as C0 80 (emu_nul.h). */
static cJSON *parse_wire(const struct emu_buf *body) {
  const char *text = body->len ? body->data : "{}";
  size_t len = body->len ? body->len : 2;
  unsigned found = emu_json_scan(text, len, EMU_JSON_MAX_DEPTH);

  if (found & EMU_JSON_TOO_DEEP)
    return NULL;
  return emu_json_parse_nul(text, len, found);
}

int wsgw_dynamodb(struct wsgw_ctx *ctx, const char *operation, const cJSON *request,
                  cJSON **response) {
  struct aws_http_response resp;
  struct emu_buf wire;
  char target[128];
  char *text;
  int status;

  *response = NULL;
  ctx->last_error_type[0] = '\0';
  if (!operation || strlen(operation) > 64 || !request)
    return -1;
  text = cJSON_PrintUnformatted(request);
  if (!text)
    return -1;
  emu_buf_init(&wire, DYNAMO_MAX_BODY);
  if (emu_json_nul_escape(&wire, text, strlen(text)) != 0) {
    cJSON_free(text);
    emu_buf_free(&wire);
    return -1;
  }
  cJSON_free(text);
  /* SPEC: docs/spec/aws-clients.md 3: POST / with the JSON 1.0 content type
   * and the operation in X-Amz-Target. */
  snprintf(target, sizeof(target), "X-Amz-Target: DynamoDB_20120810.%s", operation);
  const char *headers[] = {"Content-Type: application/x-amz-json-1.0", target, NULL};
  aws_http_response_init(&resp);
  status = aws_http_call(ctx->b->http,
                         &(struct aws_http_request){.method = "POST",
                                                    .url = ctx->b->dynamodb,
                                                    .headers = headers,
                                                    .body = wire.data ? wire.data : "",
                                                    .body_len = wire.len,
                                                    .creds = creds_of(ctx),
                                                    .region = ctx->b->region,
                                                    .service = "dynamodb",
                                                    .timeout_ms = CALL_TIMEOUT_MS,
                                                    .max_response = DYNAMO_MAX_BODY},
                         &resp);
  emu_buf_free(&wire);
  if (status < 0) {
    call_failed(ctx, operation, resp.error);
  } else {
    *response = parse_wire(&resp.body);
    if (status != 200) {
      const cJSON *type = cJSON_GetObjectItemCaseSensitive(*response, "__type");
      if (cJSON_IsString(type)) {
        const char *hash = strrchr(type->valuestring, '#');
        snprintf(ctx->last_error_type, sizeof(ctx->last_error_type), "%s",
                 hash ? hash + 1 : type->valuestring);
      }
    }
  }
  aws_http_response_free(&resp);
  return status;
}

/* The exception's name as the SDKs take it: x-amzn-ErrorType up to its
 * first ':', else the status's exception in the management API's model. */
static void management_error_type(struct wsgw_ctx *ctx, const struct aws_http_response *resp) {
  char v[256];

  if (aws_http_header(resp, "x-amzn-ErrorType", v, sizeof(v)) == 0) {
    v[strcspn(v, ":")] = '\0';
    snprintf(ctx->last_error_type, sizeof(ctx->last_error_type), "%.127s", v);
    return;
  }
  snprintf(ctx->last_error_type, sizeof(ctx->last_error_type), "%s",
           resp->status == 410   ? "GoneException"
           : resp->status == 403 ? "ForbiddenException"
           : resp->status == 413 ? "PayloadTooLargeException"
           : resp->status == 429 ? "LimitExceededException"
                                 : "UnknownError");
}

static int management_call(struct wsgw_ctx *ctx, const char *method, const char *endpoint,
                           const char *id, const char *data, size_t len, cJSON **response) {
  static const char *const post_headers[] = {"Content-Type: application/octet-stream", NULL};
  struct aws_http_response resp;
  char path[1024], url[AWS_ENV_URL_MAX];
  size_t n;
  int status;

  ctx->last_error_type[0] = '\0';
  if (response)
    *response = NULL;
  if (!endpoint || !id ||
      (strncmp(endpoint, "https://", 8) != 0 && strncmp(endpoint, "http://", 7) != 0))
    return -1;
  n = strlen(endpoint);
  while (n > 0 && endpoint[n - 1] == '/')
    n--;
  if (n >= sizeof(url))
    return -1;
  memcpy(url, endpoint, n);
  url[n] = '\0';
  /* The path the SDKs send: @connections as is, the id percent-encoded
   * (connection ids end in '='). */
  memcpy(path, "/@connections/", 15);
  if (aws_http_uri_encode(id, 0, path + 14, sizeof(path) - 14) != 0)
    return -1;
  aws_http_response_init(&resp);
  /* SPEC: docs/spec/aws-clients.md 2: the endpoint is the API's own,
   * signed for execute-api. */
  status = aws_http_call(ctx->b->http,
                         &(struct aws_http_request){.method = method,
                                                    .url = url,
                                                    .path = path,
                                                    .headers = data ? post_headers : NULL,
                                                    .body = data,
                                                    .body_len = len,
                                                    .creds = creds_of(ctx),
                                                    .region = ctx->b->region,
                                                    .service = "execute-api",
                                                    .timeout_ms = CALL_TIMEOUT_MS,
                                                    .max_response = MGMT_MAX_RESPONSE},
                         &resp);
  if (status < 0)
    call_failed(ctx, method, resp.error);
  else if (status >= 300)
    management_error_type(ctx, &resp);
  else if (response && status == 200 && resp.body.len)
    *response = cJSON_ParseWithLength(resp.body.data, resp.body.len);
  aws_http_response_free(&resp);
  return status;
}

int wsgw_post_to_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id,
                            const char *data, size_t len) {
  return management_call(ctx, "POST", endpoint, connection_id, data ? data : "", len, NULL);
}

int wsgw_delete_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id) {
  return management_call(ctx, "DELETE", endpoint, connection_id, NULL, 0, NULL);
}

int wsgw_get_connection(struct wsgw_ctx *ctx, const char *endpoint, const char *connection_id,
                        cJSON **response) {
  return management_call(ctx, "GET", endpoint, connection_id, NULL, 0, response);
}
