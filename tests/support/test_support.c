/*
 * test_support.c - emulator lifecycle, HTTP/DynamoDB clients and polling
 * for integration tests (see test_support.h).
 *
 * Role: test support only; the emulator is used through emu_server.h and
 * emu_config.h, the rest is plain POSIX sockets.
 * HTTP: one connection per request with Connection: close; the response is
 *   read into bounded buffers (head TSUPPORT_HTTP_MAX_HEAD, body
 *   TSUPPORT_HTTP_MAX_BODY) before a deadline, with poll(2) between reads.
 * Ownership: a response owns its head (header names/values point into it)
 *   and its body; tsupport_http_response_free releases both.
 * Threading: no global state.
 */
#define _POSIX_C_SOURCE 200809L
#include "test_support.h"

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

#include "emu_config.h"
#include "emu_server.h"
#include "wsgw_builtin.h"

#define POLL_INTERVAL_MS 5

/* ---- Emulator lifecycle ------------------------------------------------ */

struct emu *tsupport_emu_start(const char *config_json,
                               const struct wsgw_handler *extra_handlers) {
  return tsupport_emu_start_opts(config_json, extra_handlers, NULL);
}

struct emu *tsupport_emu_start_opts(const char *config_json,
                                    const struct wsgw_handler *extra_handlers,
                                    const struct emu_options *overrides) {
  struct emu_options opts;
  struct emu_config cfg;
  struct emu *emu;
  char err[512] = "";

  if (emu_config_load_string(config_json, "<test config>", &cfg, err, sizeof(err)) != 0) {
    fprintf(stderr, "tsupport_emu_start: config: %s\n", err);
    return NULL;
  }
  memset(&opts, 0, sizeof(opts));
  opts.port = 0;
  opts.in_memory = 1;
  opts.no_sync = 1;
  opts.max_connections = 32;
  opts.handlers = wsgw_builtin_handlers;
  opts.extra_handlers = extra_handlers;
  if (overrides) {
    if (overrides->idle_timeout_ms > 0)
      opts.idle_timeout_ms = overrides->idle_timeout_ms;
    if (overrides->max_duration_ms > 0)
      opts.max_duration_ms = overrides->max_duration_ms;
    if (overrides->max_connections > 0)
      opts.max_connections = overrides->max_connections;
    if (overrides->tls_cert)
      opts.tls_cert = overrides->tls_cert;
    if (overrides->tls_key)
      opts.tls_key = overrides->tls_key;
    opts.tls_port = overrides->tls_port;
  }
  emu = emu_server_start(&opts, &cfg, err, sizeof(err));
  if (!emu)
    fprintf(stderr, "tsupport_emu_start: %s\n", err);
  return emu;
}

struct emu *tsupport_emu_start_file(const char *path,
                                    const struct wsgw_handler *extra_handlers) {
  char full[4096];
  const char *p = path[0] == '/' ? path : tsupport_source_path(path, full, sizeof(full));
  char *text = p ? tsupport_read_file(p, NULL) : NULL;
  struct emu *emu;

  if (!text) {
    fprintf(stderr, "tsupport_emu_start_file: cannot read %s\n", p ? p : path);
    return NULL;
  }
  emu = tsupport_emu_start(text, extra_handlers);
  free(text);
  return emu;
}

void tsupport_emu_stop(struct emu *emu) {
  emu_server_stop(emu);
}

int tsupport_emu_port(const struct emu *emu) {
  return emu->port;
}

int tsupport_fixture_setup(void **state, const char *config_json,
                           const struct wsgw_handler *extra_handlers) {
  struct tsupport_fixture *f = calloc(1, sizeof(*f));

  if (f == NULL) return -1;
  f->emu = tsupport_emu_start(config_json, extra_handlers);
  if (f->emu == NULL) {
    free(f);
    return -1;
  }
  f->port = tsupport_emu_port(f->emu);
  *state = f;
  return 0;
}

int tsupport_fixture_teardown(void **state) {
  struct tsupport_fixture *f = *state;

  if (f != NULL) tsupport_emu_stop(f->emu);
  free(f);
  *state = NULL;
  return 0;
}

/* ---- Files --------------------------------------------------------------- */

const char *tsupport_source_path(const char *relative, char *buf, size_t cap) {
  const char *root = getenv("WSGW_SOURCE_DIR");
  int n = snprintf(buf, cap, "%s/%s", root && *root ? root : ".", relative);

  return n < 0 || (size_t)n >= cap ? NULL : buf;
}

char *tsupport_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  size_t n = 0, cap = 0;

  if (!f)
    return NULL;
  for (;;) {
    size_t got;
    if (n + 4096 + 1 > cap) {
      char *grown;
      cap = cap ? cap * 2 : 8192;
      if (cap > TSUPPORT_HTTP_MAX_BODY || !(grown = realloc(data, cap))) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = grown;
    }
    got = fread(data + n, 1, 4096, f);
    n += got;
    if (got < 4096)
      break;
  }
  if (ferror(f)) {
    free(data);
    fclose(f);
    return NULL;
  }
  fclose(f);
  data[n] = '\0';
  if (len)
    *len = n;
  return data;
}

/* ---- Polling ------------------------------------------------------------- */

long long tsupport_now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tsupport_wait_until(int timeout_ms, int (*predicate)(void *arg), void *arg) {
  long long deadline = tsupport_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

  for (;;) {
    long long left;
    if (predicate(arg))
      return 1;
    left = deadline - tsupport_now_ms();
    if (left <= 0)
      return predicate(arg) ? 1 : 0;
    /* The polling interval, bounded by the deadline. */
    poll(NULL, 0, left < POLL_INTERVAL_MS ? (int)left : POLL_INTERVAL_MS);
  }
}

/* ---- HTTP/1.1 ------------------------------------------------------------ */

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
    long long left = deadline - tsupport_now_ms();
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
static int parse_head(char *head, struct tsupport_http_response *resp) {
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
    if (!colon || resp->nheaders >= TSUPPORT_HTTP_MAX_HEADERS)
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
                         struct tsupport_http_response *resp) {
  struct buf in = {NULL, 0, 0, TSUPPORT_HTTP_MAX_HEAD + TSUPPORT_HTTP_MAX_BODY};
  struct buf decoded = {NULL, 0, 0, TSUPPORT_HTTP_MAX_BODY + 1};
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
    if (in.len > TSUPPORT_HTTP_MAX_HEAD || read_some(fd, &in, deadline) != 1)
      goto fail;
  }
  resp->head = malloc(head_len + 1);
  if (!resp->head)
    goto fail;
  memcpy(resp->head, in.data, head_len - 2);
  resp->head[head_len - 2] = '\0';
  if (parse_head(resp->head, resp) != 0)
    goto fail;
  te = tsupport_http_header(resp, "Transfer-Encoding");
  chunked = te && strcasecmp(te, "chunked") == 0;
  cl = tsupport_http_header(resp, "Content-Length");
  if (!chunked && cl) {
    if (parse_size(cl, 10, &want) != 0 || want > TSUPPORT_HTTP_MAX_BODY)
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

int tsupport_http(int port, const char *method, const char *path, const char *const *headers,
                  const void *body, size_t len, struct tsupport_http_response *resp) {
  long long deadline = tsupport_now_ms() + TSUPPORT_HTTP_TIMEOUT_MS;
  struct buf req = {NULL, 0, 0, 64 * 1024};
  char line[256];
  size_t i;
  int fd = -1;

  memset(resp, 0, sizeof(*resp));
  resp->status = -1;
  snprintf(line, sizeof(line), "Host: 127.0.0.1:%d\r\nContent-Length: %zu\r\n", port, len);
  if (buf_append(&req, method, strlen(method)) || buf_append(&req, " ", 1) ||
      buf_append(&req, path, strlen(path)) || buf_append(&req, " HTTP/1.1\r\n", 11) ||
      buf_append(&req, line, strlen(line)) ||
      buf_append(&req, "Connection: close\r\n", 19))
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

int tsupport_http_raw(int port, const void *request, size_t len, int shut_write, int timeout_ms,
                      struct tsupport_http_response *resp) {
  long long deadline = tsupport_now_ms() + timeout_ms;
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

const char *tsupport_http_header(const struct tsupport_http_response *resp, const char *name) {
  size_t i;

  for (i = 0; i < resp->nheaders; i++)
    if (strcasecmp(resp->headers[i].name, name) == 0)
      return resp->headers[i].value;
  return NULL;
}

void tsupport_http_response_free(struct tsupport_http_response *resp) {
  if (!resp)
    return;
  free(resp->head);
  free(resp->body);
  memset(resp, 0, sizeof(*resp));
  resp->status = -1;
}

/* ---- DynamoDB ------------------------------------------------------------- */

int tsupport_dynamodb(int port, const char *operation, const char *json_text,
                      struct tsupport_http_response *resp) {
  char target[160];
  const char *headers[] = {
      target,
      "Content-Type: application/x-amz-json-1.0",
      "Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0000",
      "X-Amz-Date: 20240101T000000Z",
      NULL,
  };
  int n = snprintf(target, sizeof(target), "X-Amz-Target: DynamoDB_20120810.%s", operation);

  if (n < 0 || (size_t)n >= sizeof(target)) {
    memset(resp, 0, sizeof(*resp));
    resp->status = -1;
    return -1;
  }
  return tsupport_http(port, "POST", "/", headers, json_text, strlen(json_text), resp);
}

cJSON *tsupport_dynamodb_json(int port, const char *operation, const char *json_text,
                              int *status) {
  struct tsupport_http_response resp;
  int st = tsupport_dynamodb(port, operation, json_text, &resp);
  cJSON *out = st > 0 ? cJSON_ParseWithLength(resp.body, resp.body_len) : NULL;

  tsupport_http_response_free(&resp);
  if (status)
    *status = st;
  return out;
}

static const char *item_s(const cJSON *item, const char *name) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name),
                                                    "S");

  return cJSON_IsString(s) ? s->valuestring : NULL;
}

cJSON *tsupport_recorded_event(int port, const char *table, const char *connection_id,
                               const char *event_type) {
  cJSON *start = NULL, *found = NULL;

  do {
    cJSON *req = cJSON_CreateObject(), *resp;
    const cJSON *item;
    char *text;
    int status;
    cJSON_AddStringToObject(req, "TableName", table);
    if (start)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
    start = NULL;
    text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    resp = text ? tsupport_dynamodb_json(port, "Scan", text, &status) : NULL;
    cJSON_free(text);
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
      const char *conn = item_s(item, "connectionId"), *type = item_s(item, "eventType");
      const char *event = item_s(item, "event");
      if (conn && type && event && strcmp(conn, connection_id) == 0 &&
          strcmp(type, event_type) == 0) {
        found = cJSON_Parse(event);
        break;
      }
    }
    if (!found)
      start = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (start);
  return found;
}
