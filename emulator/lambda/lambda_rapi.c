/*
 * lambda_rapi.c - the Runtime API's wire (see lambda_rapi.h): an HTTP/1.1
 * request parser bounded by the head and payload caps, the route table of
 * docs/spec/lambda-runtime.md, and the responses.
 *
 * The parser never keeps state between calls: it is handed everything the
 * connection buffered so far and says whether one request is complete.
 * Each call costs the head plus, for a chunked body, one step per chunk
 * (the chunks' bytes are skipped, not read), so a body arriving in many
 * reads is not rescanned byte by byte.
 */
#include "lambda_rapi.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "emu_id.h"

/* The offset just past the first "\r\n\r\n" in buf[0..len), or 0. */
static size_t head_end(const char *buf, size_t len) {
  for (size_t i = 0; i + 3 < len; i++)
    if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
      return i + 4;
  return 0;
}

/* RFC 9110 token characters (method and header names). */
static int is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return 1;
  return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Parses the request line at p (ending at eol): method, target, version. */
static int parse_request_line(const char *p, const char *eol, struct lambda_rapi_request *req,
                              int *http10) {
  const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
  const char *sp2;
  size_t n;

  if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof(req->method))
    return -1;
  for (const char *c = p; c < sp1; c++)
    if (!is_tchar(*c))
      return -1;
  memcpy(req->method, p, (size_t)(sp1 - p));
  req->method[sp1 - p] = '\0';
  sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
  if (!sp2)
    return -1;
  n = (size_t)(sp2 - sp1 - 1);
  if (n == 0 || n >= sizeof(req->target) || sp1[1] != '/')
    return -1;
  for (const char *c = sp1 + 1; c < sp2; c++)
    if ((unsigned char)*c <= 0x20 || (unsigned char)*c == 0x7f)
      return -1;
  memcpy(req->target, sp1 + 1, n);
  req->target[n] = '\0';
  n = (size_t)(eol - sp2 - 1);
  if (n != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 || (sp2[8] != '0' && sp2[8] != '1'))
    return -1;
  *http10 = sp2[8] == '0';
  return 0;
}

/* Whether the comma-separated list v[0..n) holds token (any case). */
static int list_has(const char *v, size_t n, const char *token) {
  size_t tl = strlen(token);
  size_t i = 0;

  while (i < n) {
    size_t start, end;
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
      i++;
    start = i;
    while (i < n && v[i] != ',')
      i++;
    end = i;
    while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
      end--;
    if (end - start == tl && strncasecmp(v + start, token, tl) == 0)
      return 1;
  }
  return 0;
}

/* One header line name: value (p..eol). */
static int parse_header(const char *p, const char *eol, struct lambda_rapi_request *req,
                        int *keep_alive) {
  const char *colon = memchr(p, ':', (size_t)(eol - p));
  const char *v, *ve;
  size_t nl, vl;

  if (!colon || colon == p)
    return -1;
  for (const char *c = p; c < colon; c++)
    if (!is_tchar(*c))
      return -1;
  nl = (size_t)(colon - p);
  v = colon + 1;
  while (v < eol && (*v == ' ' || *v == '\t'))
    v++;
  ve = eol;
  while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
    ve--;
  vl = (size_t)(ve - v);
  for (const char *c = v; c < ve; c++)
    if ((unsigned char)*c < 0x20 && *c != '\t')
      return -1;
  if (nl == 14 && strncasecmp(p, "Content-Length", nl) == 0) {
    int64_t cl = 0;
    if (vl == 0 || vl > 18)
      return -1;
    for (size_t i = 0; i < vl; i++) {
      if (v[i] < '0' || v[i] > '9')
        return -1;
      cl = cl * 10 + (v[i] - '0');
    }
    if (req->content_length >= 0 && req->content_length != cl)
      return -1;
    req->content_length = cl;
  } else if (nl == 17 && strncasecmp(p, "Transfer-Encoding", nl) == 0) {
    /* Only chunked is a coding a runtime client sends. */
    if (vl != 7 || strncasecmp(v, "chunked", 7) != 0)
      return -1;
    req->chunked = 1;
  } else if (nl == 10 && strncasecmp(p, "Connection", nl) == 0) {
    if (list_has(v, vl, "close"))
      req->close = 1;
    if (list_has(v, vl, "keep-alive"))
      *keep_alive = 1;
  } else if (nl == 6 && strncasecmp(p, "Expect", nl) == 0) {
    if (vl == 12 && strncasecmp(v, "100-continue", 12) == 0)
      req->expect_continue = 1;
  } else if (nl == 34 && strncasecmp(p, "Lambda-Runtime-Function-Error-Type", nl) == 0) {
    if (vl >= sizeof(req->error_type))
      vl = sizeof(req->error_type) - 1;
    memcpy(req->error_type, v, vl);
    req->error_type[vl] = '\0';
  }
  return 0;
}

/* Walks a chunked body at p[0..n): *used gets its length including the
 * last chunk and trailers; each chunk's data is appended to out when out
 * is not NULL. */
static enum lambda_rapi_status chunk_walk(const char *p, size_t n, size_t *used,
                                          struct emu_buf *out) {
  size_t pos = 0;
  size_t sum = 0;

  for (;;) {
    size_t size = 0;
    size_t digits = 0;
    const char *eol;

    /* chunk-size [ chunk-ext ] CRLF; a size line is short */
    eol = memchr(p + pos, '\n', n - pos < 1024 ? n - pos : 1024);
    if (!eol)
      return n - pos < 1024 ? LAMBDA_RAPI_INCOMPLETE : LAMBDA_RAPI_MALFORMED;
    if (eol == p + pos || eol[-1] != '\r')
      return LAMBDA_RAPI_MALFORMED;
    for (const char *c = p + pos; c < eol - 1 && *c != ';'; c++) {
      int d;
      if (*c >= '0' && *c <= '9')
        d = *c - '0';
      else if (*c >= 'a' && *c <= 'f')
        d = *c - 'a' + 10;
      else if (*c >= 'A' && *c <= 'F')
        d = *c - 'A' + 10;
      else
        return LAMBDA_RAPI_MALFORMED;
      if (++digits > 8)
        return LAMBDA_RAPI_BODY_TOO_LARGE;
      size = size * 16 + (size_t)d;
    }
    if (digits == 0)
      return LAMBDA_RAPI_MALFORMED;
    pos = (size_t)(eol - p) + 1;
    if (size == 0)
      break;
    sum += size;
    if (sum > LAMBDA_RAPI_PAYLOAD_MAX)
      return LAMBDA_RAPI_BODY_TOO_LARGE;
    if (n - pos < size + 2)
      return LAMBDA_RAPI_INCOMPLETE;
    if (p[pos + size] != '\r' || p[pos + size + 1] != '\n')
      return LAMBDA_RAPI_MALFORMED;
    if (out && emu_buf_append(out, p + pos, size) != 0)
      return LAMBDA_RAPI_BODY_TOO_LARGE;
    pos += size + 2;
  }
  /* trailer fields, then the empty line */
  for (;;) {
    const char *eol = memchr(p + pos, '\n', n - pos);
    if (!eol)
      return n - pos < LAMBDA_RAPI_HEAD_MAX ? LAMBDA_RAPI_INCOMPLETE : LAMBDA_RAPI_MALFORMED;
    if (eol == p + pos || eol[-1] != '\r')
      return LAMBDA_RAPI_MALFORMED;
    if (eol == p + pos + 1) {
      *used = pos + 2;
      return LAMBDA_RAPI_COMPLETE;
    }
    pos = (size_t)(eol - p) + 1;
  }
}

enum lambda_rapi_status lambda_rapi_parse(const char *buf, size_t len,
                                          struct lambda_rapi_request *req) {
  size_t scan = len < LAMBDA_RAPI_HEAD_MAX ? len : LAMBDA_RAPI_HEAD_MAX;
  size_t end = head_end(buf, scan);
  const char *p = buf;
  const char *eol;
  int http10 = 0;
  int keep_alive = 0;

  memset(req, 0, sizeof(*req));
  req->content_length = -1;
  if (!end)
    return scan == LAMBDA_RAPI_HEAD_MAX ? LAMBDA_RAPI_HEAD_TOO_LARGE : LAMBDA_RAPI_INCOMPLETE;
  if (memchr(buf, '\0', end))
    return LAMBDA_RAPI_MALFORMED;
  req->head_len = end;
  eol = memchr(p, '\n', end);
  if (!eol || eol == p || eol[-1] != '\r' || parse_request_line(p, eol - 1, req, &http10) != 0)
    return LAMBDA_RAPI_MALFORMED;
  p = eol + 1;
  while (p < buf + end - 2) {
    eol = memchr(p, '\n', (size_t)(buf + end - p));
    /* a line starting with white space would be an obsolete folded line */
    if (!eol || eol == p || eol[-1] != '\r' || *p == ' ' || *p == '\t' ||
        parse_header(p, eol - 1, req, &keep_alive) != 0)
      return LAMBDA_RAPI_MALFORMED;
    p = eol + 1;
  }
  if (http10 && !keep_alive)
    req->close = 1;
  /* Both framings at once is how requests get smuggled: refused. */
  if (req->chunked && req->content_length >= 0)
    return LAMBDA_RAPI_MALFORMED;
  if (req->chunked) {
    size_t used = 0;
    enum lambda_rapi_status st = chunk_walk(buf + end, len - end, &used, NULL);
    if (st == LAMBDA_RAPI_COMPLETE)
      req->total = end + used;
    return st;
  }
  if (req->content_length < 0)
    req->content_length = 0;
  if (req->content_length > LAMBDA_RAPI_PAYLOAD_MAX)
    return LAMBDA_RAPI_BODY_TOO_LARGE;
  if (len - end < (size_t)req->content_length)
    return LAMBDA_RAPI_INCOMPLETE;
  req->total = end + (size_t)req->content_length;
  return LAMBDA_RAPI_COMPLETE;
}

int lambda_rapi_body(const char *buf, const struct lambda_rapi_request *req, struct emu_buf *out) {
  size_t used = 0;

  if (!req->chunked)
    return emu_buf_append(out, buf + req->head_len, req->total - req->head_len);
  return chunk_walk(buf + req->head_len, req->total - req->head_len, &used, out) ==
                 LAMBDA_RAPI_COMPLETE
             ? 0
             : -1;
}

/* SPEC docs/spec/lambda-runtime.md 2: version 2018-06-01. */
#define RAPI_PREFIX "/2018-06-01/runtime/"

enum lambda_rapi_route lambda_rapi_route(const char *method, const char *target,
                                         char id[LAMBDA_RAPI_ID_MAX + 1]) {
  size_t plen = strcspn(target, "?");
  const size_t pre = sizeof(RAPI_PREFIX) - 1;
  const char *rest;
  size_t rlen;

  id[0] = '\0';
  if (plen < pre || strncmp(target, RAPI_PREFIX, pre) != 0)
    return LAMBDA_RAPI_NOT_FOUND;
  rest = target + pre;
  rlen = plen - pre;
  if (rlen == 15 && strncmp(rest, "invocation/next", 15) == 0)
    return strcmp(method, "GET") == 0 ? LAMBDA_RAPI_NEXT : LAMBDA_RAPI_BAD_METHOD;
  if (rlen == 10 && strncmp(rest, "init/error", 10) == 0)
    return strcmp(method, "POST") == 0 ? LAMBDA_RAPI_INIT_ERROR : LAMBDA_RAPI_BAD_METHOD;
  if (rlen > 11 && strncmp(rest, "invocation/", 11) == 0) {
    const char *idp = rest + 11;
    const char *slash = memchr(idp, '/', rlen - 11);
    size_t idlen, tail;
    enum lambda_rapi_route route;
    if (!slash || slash == idp)
      return LAMBDA_RAPI_NOT_FOUND;
    idlen = (size_t)(slash - idp);
    tail = rlen - 11 - idlen - 1;
    if (tail == 8 && strncmp(slash + 1, "response", 8) == 0)
      route = LAMBDA_RAPI_RESPONSE;
    else if (tail == 5 && strncmp(slash + 1, "error", 5) == 0)
      route = LAMBDA_RAPI_ERROR;
    else
      return LAMBDA_RAPI_NOT_FOUND;
    if (idlen > LAMBDA_RAPI_ID_MAX)
      return LAMBDA_RAPI_NOT_FOUND;
    if (strcmp(method, "POST") != 0)
      return LAMBDA_RAPI_BAD_METHOD;
    memcpy(id, idp, idlen);
    id[idlen] = '\0';
    return route;
  }
  return LAMBDA_RAPI_NOT_FOUND;
}

static const char *reason(int status) {
  // clang-format off
  switch (status) {
  case 200: return "OK";
  case 202: return "Accepted";
  case 400: return "Bad Request";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Payload Too Large";
  case 431: return "Request Header Fields Too Large";
  default: return "Internal Server Error";
  }
  // clang-format on
}

int lambda_rapi_respond(struct emu_buf *out, int status, const char *content_type,
                        const char *extra_headers, const char *body, size_t len, int close) {
  size_t mark = out->len;

  if (emu_buf_printf(out, "HTTP/1.1 %d %s\r\n", status, reason(status)) != 0 ||
      (content_type && emu_buf_printf(out, "Content-Type: %s\r\n", content_type) != 0) ||
      emu_buf_printf(out, "Content-Length: %zu\r\n", len) != 0 ||
      (close && emu_buf_puts(out, "Connection: close\r\n") != 0) ||
      (extra_headers && emu_buf_puts(out, extra_headers) != 0) || emu_buf_puts(out, "\r\n") != 0 ||
      (len && emu_buf_append(out, body, len) != 0)) {
    out->len = mark;
    if (out->data)
      out->data[mark] = '\0';
    return -1;
  }
  return 0;
}

int lambda_rapi_respond_error(struct emu_buf *out, int status, const char *error_type,
                              const char *message, int close) {
  cJSON *doc = cJSON_CreateObject();
  char *text = NULL;
  int rc = -1;

  /* SPEC docs/spec/lambda-runtime.md 3: {"errorMessage", "errorType"}. */
  if (doc && cJSON_AddStringToObject(doc, "errorMessage", message) &&
      cJSON_AddStringToObject(doc, "errorType", error_type))
    text = cJSON_PrintUnformatted(doc);
  if (text)
    rc = lambda_rapi_respond(out, status, "application/json", NULL, text, strlen(text), close);
  cJSON_free(text);
  cJSON_Delete(doc);
  return rc;
}

static void copy_text(char *dst, size_t cap, const char *src, size_t len) {
  size_t n = len < cap ? len : cap - 1;

  /* cut inside a UTF-8 sequence: the partial sequence goes too */
  if (n < len)
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
      n--;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void lambda_rapi_error_fields(const char *body, size_t len, const char *header_type, char *type,
                              size_t type_cap, char *message, size_t message_cap) {
  cJSON *doc = len ? cJSON_ParseWithLength(body, len) : NULL;
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(doc, "errorType");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "errorMessage");

  if (cJSON_IsString(t) && t->valuestring[0])
    copy_text(type, type_cap, t->valuestring, strlen(t->valuestring));
  else if (header_type && header_type[0])
    copy_text(type, type_cap, header_type, strlen(header_type));
  else
    /* DEVIATION: a runtime that names no type gets "Runtime.Unknown". */
    copy_text(type, type_cap, "Runtime.Unknown", 15);
  if (cJSON_IsString(m))
    copy_text(message, message_cap, m->valuestring, strlen(m->valuestring));
  else if (!cJSON_IsObject(doc))
    copy_text(message, message_cap, body ? body : "", body ? strnlen(body, len) : 0);
  else
    message[0] = '\0';
  cJSON_Delete(doc);
}

void lambda_rapi_trace_id(int64_t epoch_ms, char *out, size_t cap) {
  uint64_t a = emu_id_random64(), b = emu_id_random64(), c = emu_id_random64();

  /* SPEC docs/spec/lambda-runtime.md 2.1: an X-Ray trace
   * header, Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>. */
  snprintf(out, cap, "Root=1-%08x-%08x%016llx;Parent=%016llx;Sampled=0",
           (unsigned)(epoch_ms / 1000), (unsigned)(a >> 32), (unsigned long long)b,
           (unsigned long long)c);
}
