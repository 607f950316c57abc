/*
 * dynamo_remote.c - DynamoDB calls forwarded to an external endpoint (see
 * dynamo_remote.h).
 *
 * A call is a signed POST / carrying the body bytes and the X-Amz-Target
 * as they came; the answer's status and body go back untouched. The only
 * rewriting is for callers inside the process, whose JSON holds U+0000 as
 * C0 80 (emu_nul.h): their body is escaped to \u0000 on the way out and the
 * answer's \u0000 escapes become C0 80 again, as the local store's
 * in-process answers have them.
 *
 * Stack: calls run on civetweb workers (about 100 KB of stack); the
 * credentials live in the struct (heap) and aws_http keeps its scratch on
 * the heap, so a call uses a few hundred bytes of stack here.
 */
#include "dynamo_remote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_env.h"
#include "aws_http.h"
#include "dynamo_errors.h"
#include "emu_json.h"
#include "emu_log.h"

struct dynamo_remote {
  struct aws_http *http;
  struct aws_creds creds; /* read once at start */
  char url[AWS_ENV_URL_MAX];
  char region[AWS_ENV_REGION_MAX];
};

/* The longest X-Amz-Target or Content-Type forwarded (DynamoDB's longest
 * target is under 60 bytes). */
#define HEADER_VALUE_MAX 200
static const char json10[] = "application/x-amz-json-1.0";

int dynamo_remote_check_url(const char *url, char *err, size_t cap) {
  const char *p, *host, *end;
  size_t n = url ? strlen(url) : 0;

  if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
    snprintf(err, cap, "--dynamodb-endpoint: expected an http:// or https:// URL, got \"%s\"",
             url ? url : "");
    return -1;
  }
  if (n >= AWS_ENV_URL_MAX) {
    snprintf(err, cap, "--dynamodb-endpoint: the URL is longer than %d bytes", AWS_ENV_URL_MAX - 1);
    return -1;
  }
  for (p = url; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
      snprintf(err, cap,
               "--dynamodb-endpoint: \"%s\": a query, fragment, blank or control byte is not "
               "allowed (DynamoDB's endpoint is scheme://host[:port][/path])",
               url);
      return -1;
    }
  }
  host = strstr(url, "://") + 3;
  end = host + strcspn(host, "/");
  if (end == host || *host == ':' || memchr(host, '@', (size_t)(end - host))) {
    snprintf(err, cap, "--dynamodb-endpoint: \"%s\": expected scheme://host[:port][/path]", url);
    return -1;
  }
  return 0;
}

struct dynamo_remote *dynamo_remote_new(const char *url, const char *default_region, char *err,
                                        size_t cap) {
  struct dynamo_remote *r;
  char why[256];
  size_t n;

  if (dynamo_remote_check_url(url, err, cap) != 0)
    return NULL;
  r = calloc(1, sizeof(*r));
  if (!r) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  /* SPEC: docs/spec/aws-clients.md 1: the credentials are
   * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); the
   * SDKs refuse to call without them, and so does wsgw, at start. */
  if (aws_env_creds(&r->creds, why, sizeof(why)) != 0) {
    snprintf(err, cap, "--dynamodb-endpoint needs AWS credentials: %s",
             strncmp(why, "no AWS credentials: ", 20) == 0 ? why + 20 : why);
    dynamo_remote_free(r);
    return NULL;
  }
  /* SPEC: docs/spec/aws-clients.md 1: the region is AWS_REGION, else
   * AWS_DEFAULT_REGION; wsgw's own (the config's) when neither is set. */
  if (aws_env_region(r->region, sizeof(r->region)) != 0)
    snprintf(r->region, sizeof(r->region), "%s",
             default_region && *default_region ? default_region : "us-east-1");
  snprintf(r->url, sizeof(r->url), "%s", url);
  n = strlen(r->url);
  while (n > 0 && r->url[n - 1] == '/' && strstr(r->url, "://") + 3 < r->url + n - 1)
    r->url[--n] = '\0';
  r->http = aws_http_new(DYNAMO_REMOTE_MAX_IDLE, why, sizeof(why));
  if (!r->http) {
    snprintf(err, cap, "--dynamodb-endpoint: %s", why);
    dynamo_remote_free(r);
    return NULL;
  }
  return r;
}

void dynamo_remote_free(struct dynamo_remote *r) {
  if (!r)
    return;
  aws_http_free(r->http);
  /* The secret does not linger in freed memory. */
  memset(&r->creds, 0, sizeof(r->creds));
  free(r);
}

const char *dynamo_remote_url(const struct dynamo_remote *r) {
  return r->url;
}

const char *dynamo_remote_region(const struct dynamo_remote *r) {
  return r->region;
}

/* An error of wsgw's own in DynamoDB's envelope (docs/spec/aws-clients.md
 * 3); returns its status. */
static int local_error(struct emu_buf *out, enum dynamo_error_code code, const char *message) {
  struct dynamo_error err;
  cJSON *o;
  char *text;

  dynamo_error_init(&err);
  dynamo_error_set(&err, code, "%s", message);
  o = dynamo_error_to_json(&err);
  text = cJSON_PrintUnformatted(o);
  emu_buf_reset(out);
  if (text)
    emu_buf_puts(out, text);
  cJSON_free(text);
  cJSON_Delete(o);
  dynamo_error_clear(&err);
  return dynamo_error_status(code);
}

int dynamo_remote_call(struct dynamo_remote *r, const char *target, const char *content_type,
                       const char *body, size_t len, struct emu_buf *out, char *request_id,
                       size_t cap) {
  char tline[HEADER_VALUE_MAX + 32], cline[HEADER_VALUE_MAX + 32], msg[DYNAMO_ERROR_MESSAGE_MAX];
  const char *headers[3];
  struct aws_http_response resp;
  size_t nh = 0;
  int status;

  request_id[0] = '\0';
  if (!content_type || strlen(content_type) > HEADER_VALUE_MAX)
    content_type = json10;
  /* SPEC: docs/spec/aws-clients.md 3: POST / with the JSON 1.0 content
   * type and X-Amz-Target: DynamoDB_20120810.<Operation>. */
  snprintf(cline, sizeof(cline), "Content-Type: %s", content_type);
  headers[nh++] = cline;
  if (target) {
    if (strlen(target) > HEADER_VALUE_MAX)
      return local_error(out, DYNAMO_ERR_UNKNOWN_OPERATION, "");
    snprintf(tline, sizeof(tline), "X-Amz-Target: %s", target);
    headers[nh++] = tline;
  }
  headers[nh] = NULL;
  aws_http_response_init(&resp);
  status = aws_http_call(r->http,
                         &(struct aws_http_request){
                             .method = "POST",
                             .url = r->url,
                             .path = "/",
                             .headers = headers,
                             .body = body,
                             .body_len = len,
                             .creds = &r->creds,
                             .region = r->region,
                             .service = "dynamodb",
                             .timeout_ms = DYNAMO_REMOTE_TIMEOUT_MS,
                             .connect_timeout_ms = DYNAMO_REMOTE_CONNECT_TIMEOUT_MS,
                             .max_response = DYNAMO_REMOTE_MAX_RESPONSE,
                         },
                         &resp);
  if (status < 0 || resp.body.len > out->limit) {
    /* DEVIATION: DynamoDB itself never answers "unreachable"; wsgw stands
     * between the client and the endpoint, and says so in the envelope of
     * the error every SDK retries (HTTP 500 InternalServerError). */
    snprintf(msg, sizeof(msg), "wsgw could not reach the DynamoDB endpoint %.512s: %.255s", r->url,
             status < 0 ? resp.error : "the answer is larger than wsgw's buffer");
    emu_log_warn("dynamodb", "%s", msg);
    aws_http_response_free(&resp);
    return local_error(out, DYNAMO_ERR_INTERNAL_SERVER_ERROR, msg);
  }
  if (aws_http_header(&resp, "x-amzn-RequestId", request_id, cap) != 0)
    request_id[0] = '\0';
  {
    /* The answer's buffer becomes out's (no copy of up to 64 MB). */
    struct emu_buf mine = *out;
    *out = resp.body;
    out->limit = mine.limit;
    resp.body = mine;
  }
  aws_http_response_free(&resp);
  return status;
}

int dynamo_remote_call_internal(struct dynamo_remote *r, const char *operation, const char *body,
                                size_t len, struct emu_buf *out) {
  char target[HEADER_VALUE_MAX + 1], rid[128];
  struct emu_buf escaped;
  unsigned found;
  int status, n;

  n = snprintf(target, sizeof(target), "DynamoDB_20120810.%s", operation);
  if (n < 0 || (size_t)n >= sizeof(target))
    return local_error(out, DYNAMO_ERR_UNKNOWN_OPERATION, "");
  emu_buf_init(&escaped, DYNAMO_REMOTE_MAX_RESPONSE);
  if (memchr(body, 0xC0, len)) {
    /* U+0000 as C0 80 -> \u0000 on the wire (emu_nul.h). */
    if (emu_json_nul_escape(&escaped, body, len) != 0) {
      emu_buf_free(&escaped);
      return local_error(out, DYNAMO_ERR_REQUEST_TOO_LARGE, "the request is too large");
    }
    body = escaped.data;
    len = escaped.len;
  }
  status = dynamo_remote_call(r, target, NULL, body, len, out, rid, sizeof(rid));
  emu_buf_free(&escaped);
  if (!out->len)
    return status;
  found = emu_json_scan(out->data, out->len, EMU_JSON_MAX_DEPTH);
  if (found & (EMU_JSON_TOO_DEEP | EMU_JSON_RAW_C0C1)) {
    /* In-process callers parse the answer with cJSON on small stacks, and
     * read C0 80 as U+0000: an answer nesting deeper than any DynamoDB
     * answer, or not valid UTF-8, does not reach them. */
    char msg[DYNAMO_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof(msg), "the DynamoDB endpoint %.512s answered %s", r->url,
             found & EMU_JSON_TOO_DEEP ? "JSON nested too deep" : "bytes that are not UTF-8");
    return local_error(out, DYNAMO_ERR_INTERNAL_SERVER_ERROR, msg);
  }
  if (found & EMU_JSON_NUL_ESCAPE)
    out->len = emu_json_nul_unescape(out->data, out->data, out->len);
  return status;
}
