/*
 * wsgw_kit_http.c - the kit's plain HTTP/1.1 client (contract in
 * include/wsgw/kit.h, "Plain HTTP"): requests to 127.0.0.1:port, raw bytes
 * for bad-input tests, and DynamoDB calls in the wire format SDKs send.
 *
 * Role: tests of the HTTP endpoints (@connections, /_wsgw, DynamoDB) from
 *   the outside, over a real socket; also against a `wsgw serve` process.
 * HTTP: one connection per request with Connection: close; the response is
 *   read into bounded buffers (head MAX_HEAD, body MAX_BODY) before a
 *   deadline, with poll(2) between reads. Never raises SIGPIPE.
 * Ownership: a response owns its head (header names/values point into it)
 *   and its body; wsgw_kit_http_free releases both.
 * Threading: no global state; any thread.
 */
#define _POSIX_C_SOURCE 200809L
#include "wsgw_kit_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HTTP_TIMEOUT_MS 10000       /* one whole HTTP exchange */
#define MAX_HEAD 16384              /* response status line + headers */
#define MAX_BODY (16 * 1024 * 1024) /* response body */

static long long now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A growable byte buffer with a hard cap. */
struct buf {
  char *data;
  size_t len, cap, max;
};

static int buf_append(struct buf *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->max)
    return -1;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *grown;
    while (cap < b->len + n + 1)
      cap *= 2;
    if (cap > b->max)
      cap = b->max;
    grown = realloc(b->data, cap);
    if (!grown)
      return -1;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

static int wait_fd(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int n = poll(&p, 1, left <= 0 ? 0 : left > 600000 ? 600000 : (int)left);
    if (n > 0)
      return 1;
    if (n == 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

static int connect_local(int port, long long deadline) {
  struct sockaddr_in addr;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1, err = 0;
  socklen_t errlen = sizeof(err);

  if (fd < 0)
    return -1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    if (errno != EINPROGRESS || wait_fd(fd, POLLOUT, deadline) <= 0 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

static int send_all(int fd, const void *data, size_t len, long long deadline) {
  const char *p = data;

  while (len > 0) {
    ssize_t n;
    if (wait_fd(fd, POLLOUT, deadline) <= 0)
      return -1;
    n = send(fd, p, len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Reads what is available into b. 1 data, 0 EOF, -1 error/timeout/full. */
static int read_some(int fd, struct buf *b, long long deadline) {
  char chunk[16384];

  for (;;) {
    ssize_t n;
    if (wait_fd(fd, POLLIN, deadline) <= 0)
      return -1;
    n = recv(fd, chunk, sizeof(chunk), 0);
    if (n > 0)
      return buf_append(b, chunk, (size_t)n) == 0 ? 1 : -1;
    if (n == 0)
      return 0;
    if (errno == ECONNRESET)
      return 0;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
      return -1;
  }
}

/* Parses a non-negative decimal/hex number that must fill [s, end-of-token). */
static int parse_size(const char *s, int base, size_t *out) {
  char *end;
  unsigned long long v;

  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '-' || *s == '\0')
    return -1;
  errno = 0;
  v = strtoull(s, &end, base);
  if (errno || end == s)
    return -1;
  while (*end == ' ' || *end == '\t')
    end++;
  if (*end != '\0' && *end != ';' && *end != '\r')
    return -1;
  *out = (size_t)v;
  return 0;
}

/* Splits the head (status line + header lines, NUL-terminated, without the
 * blank line) into resp. */
static int parse_head(char *head, struct wsgw_kit_http_response *resp) {
  char *line = head, *next, *sp;
  size_t status;

  next = strstr(line, "\r\n");
  if (next)
    *next = '\0';
  sp = strchr(line, ' ');
  if (strncmp(line, "HTTP/1.", 7) != 0 || !sp)
    return -1;
  sp++;
  {
    char code[4];
    if (strlen(sp) < 3 || (sp[3] != ' ' && sp[3] != '\0'))
      return -1;
    memcpy(code, sp, 3);
    code[3] = '\0';
    if (parse_size(code, 10, &status) != 0 || status < 100 || status > 999)
      return -1;
  }
  resp->status = (int)status;
  while (next) {
    char *colon;
    line = next + 2;
    next = strstr(line, "\r\n");
    if (next)
      *next = '\0';
    if (*line == '\0')
      break;
    colon = strchr(line, ':');
    if (!colon || resp->nheaders >= WSGW_KIT_HTTP_MAX_HEADERS)
      continue;
    *colon++ = '\0';
    while (*colon == ' ' || *colon == '\t')
      colon++;
    resp->headers[resp->nheaders].name = line;
    resp->headers[resp->nheaders++].value = colon;
  }
  return 0;
}

/* Decodes a complete chunked body from raw into out. 1 complete, 0 needs
 * more bytes, -1 malformed. */
static int dechunk(const char *raw, size_t len, struct buf *out) {
  size_t pos = 0;

  out->len = 0;
  for (;;) {
    const char *eol = NULL;
    char line[32];
    size_t n, i;
    for (i = pos; i + 1 < len; i++)
      if (raw[i] == '\r' && raw[i + 1] == '\n') {
        eol = raw + i;
        break;
      }
    if (!eol)
      return 0;
    n = (size_t)(eol - (raw + pos));
    if (n == 0 || n >= sizeof(line))
      return -1;
    memcpy(line, raw + pos, n);
    line[n] = '\0';
    if (parse_size(line, 16, &n) != 0)
      return -1;
    pos = (size_t)(eol - raw) + 2;
    if (n == 0)
      return 1; /* trailers are ignored */
    if (len - pos < n + 2)
      return 0;
    if (buf_append(out, raw + pos, n) != 0)
      return -1;
    pos += n + 2;
  }
}

/* Reads one response from fd into resp (head_only: a HEAD request, no
 * body). Returns the status, or -1. */
static int read_response(int fd, int head_only, long long deadline,
                         struct wsgw_kit_http_response *resp) {
  struct buf in = {NULL, 0, 0, MAX_HEAD + MAX_BODY};
  struct buf decoded = {NULL, 0, 0, MAX_BODY + 1};
  const char *te, *cl;
  size_t head_len = 0, want = 0;
  int rc, chunked, have_length = 0;

  /* The head. */
  for (;;) {
    char *end = in.data ? strstr(in.data, "\r\n\r\n") : NULL;
    if (end) {
      head_len = (size_t)(end - in.data) + 4;
      break;
    }
    if (in.len > MAX_HEAD || read_some(fd, &in, deadline) != 1)
      goto fail;
  }
  resp->head_ = malloc(head_len + 1);
  if (!resp->head_)
    goto fail;
  memcpy(resp->head_, in.data, head_len - 2);
  resp->head_[head_len - 2] = '\0';
  if (parse_head(resp->head_, resp) != 0)
    goto fail;
  te = wsgw_kit_http_header(resp, "Transfer-Encoding");
  chunked = te && strcasecmp(te, "chunked") == 0;
  cl = wsgw_kit_http_header(resp, "Content-Length");
  if (!chunked && cl) {
    if (parse_size(cl, 10, &want) != 0 || want > MAX_BODY)
      goto fail;
    have_length = 1;
  }
  if (head_only || resp->status == 204 || resp->status == 304 ||
      (resp->status >= 100 && resp->status < 200)) {
    have_length = 1;
    want = 0;
    chunked = 0;
  }
  /* The body. */
  for (;;) {
    size_t have = in.len - head_len;
    if (have_length && have >= want)
      break;
    if (chunked) {
      rc = dechunk(in.data + head_len, have, &decoded);
      if (rc < 0)
        goto fail;
      if (rc == 1)
        break;
    }
    rc = read_some(fd, &in, deadline);
    if (rc < 0)
      goto fail;
    if (rc == 0) {
      if (have_length || chunked)
        goto fail; /* truncated */
      break;
    }
  }
  if (chunked) {
    resp->body = decoded.data ? decoded.data : calloc(1, 1);
    resp->body_len = decoded.len;
    decoded.data = NULL;
  } else {
    size_t n = have_length ? want : in.len - head_len;
    resp->body = malloc(n + 1);
    if (!resp->body)
      goto fail;
    memcpy(resp->body, in.data + head_len, n);
    resp->body[n] = '\0';
    resp->body_len = n;
  }
  if (!resp->body)
    goto fail;
  free(in.data);
  free(decoded.data);
  return resp->status;
fail:
  free(in.data);
  free(decoded.data);
  resp->status = -1;
  return -1;
}

int wsgw_kit_http(int port, const char *method, const char *path, const char *const *headers,
                  const void *body, size_t len, struct wsgw_kit_http_response *resp) {
  return wsgw_kit_http_timed(port, method, path, headers, body, len, HTTP_TIMEOUT_MS, resp);
}

int wsgw_kit_http_timed(int port, const char *method, const char *path, const char *const *headers,
                        const void *body, size_t len, int timeout_ms,
                        struct wsgw_kit_http_response *resp) {
  long long deadline = now_ms() + timeout_ms;
  struct buf req = {NULL, 0, 0, 64 * 1024};
  char line[256];
  size_t i;
  int fd = -1;

  memset(resp, 0, sizeof(*resp));
  resp->status = -1;
  snprintf(line, sizeof(line), "Host: 127.0.0.1:%d\r\nContent-Length: %zu\r\n", port, len);
  if (buf_append(&req, method, strlen(method)) || buf_append(&req, " ", 1) ||
      buf_append(&req, path, strlen(path)) || buf_append(&req, " HTTP/1.1\r\n", 11) ||
      buf_append(&req, line, strlen(line)) || buf_append(&req, "Connection: close\r\n", 19))
    goto fail;
  for (i = 0; headers && headers[i]; i++)
    if (buf_append(&req, headers[i], strlen(headers[i])) || buf_append(&req, "\r\n", 2))
      goto fail;
  if (buf_append(&req, "\r\n", 2))
    goto fail;
  fd = connect_local(port, deadline);
  if (fd < 0 || send_all(fd, req.data, req.len, deadline) != 0)
    goto fail;
  /* The server may answer before reading the whole body (413); a failed
   * send is then not an error as long as a response arrives. */
  if (len)
    send_all(fd, body, len, deadline);
  if (read_response(fd, strcmp(method, "HEAD") == 0, deadline, resp) < 0)
    goto fail;
  close(fd);
  free(req.data);
  return resp->status;
fail:
  if (fd >= 0)
    close(fd);
  free(req.data);
  resp->status = -1;
  return -1;
}

int wsgw_kit_http_raw(int port, const void *request, size_t len, int shut_write, int timeout_ms,
                      struct wsgw_kit_http_response *resp) {
  long long deadline = now_ms() + timeout_ms;
  int fd;

  memset(resp, 0, sizeof(*resp));
  resp->status = -1;
  fd = connect_local(port, deadline);
  if (fd < 0)
    return -1;
  if (send_all(fd, request, len, deadline) != 0 || (shut_write && shutdown(fd, SHUT_WR) != 0) ||
      read_response(fd, 0, deadline, resp) < 0) {
    close(fd);
    resp->status = -1;
    return -1;
  }
  close(fd);
  return resp->status;
}

const char *wsgw_kit_http_header(const struct wsgw_kit_http_response *resp, const char *name) {
  size_t i;

  for (i = 0; i < resp->nheaders; i++)
    if (strcasecmp(resp->headers[i].name, name) == 0)
      return resp->headers[i].value;
  return NULL;
}

void wsgw_kit_http_free(struct wsgw_kit_http_response *resp) {
  if (!resp)
    return;
  free(resp->head_);
  free(resp->body);
  memset(resp, 0, sizeof(*resp));
  resp->status = -1;
}

/* ---- DynamoDB over HTTP -------------------------------------------------- */

int wsgw_kit_http_dynamodb(int port, const char *operation, const char *json_text,
                           struct wsgw_kit_http_response *resp) {
  char target[160];
  const char *headers[] = {
      target,
      "Content-Type: application/x-amz-json-1.0",
      "Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000",
      "X-Amz-Date: 20240101T000000Z",
      NULL,
  };
  /* A DynamoDB Streams operation comes with its own target prefix. */
  int streams = strncmp(operation, "DynamoDBStreams_20120810.", 25) == 0;
  int n = snprintf(target, sizeof(target), "X-Amz-Target: %s%s",
                   streams ? "" : "DynamoDB_20120810.", operation);

  if (n < 0 || (size_t)n >= sizeof(target)) {
    memset(resp, 0, sizeof(*resp));
    resp->status = -1;
    return -1;
  }
  return wsgw_kit_http(port, "POST", "/", headers, json_text, strlen(json_text), resp);
}
