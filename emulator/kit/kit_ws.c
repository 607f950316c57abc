/*
 * kit_ws.c - a small blocking RFC 6455 client for tests (see kit_ws.h).
 *
 * Role: the test kit's WebSocket client, behind wsgw_kit's raw-frame calls;
 *   uses nothing of the emulator.
 * Reading: all input goes through one bounded read buffer (rbuf), filled
 *   by recv(2) after poll(2) with the time left until the caller's
 *   deadline; handshake bytes that arrive after the response head stay in
 *   it for the first frame.
 * Invariants: once a wait times out in the middle of a frame, or any I/O
 *   fails, `broken` is set and every later call fails fast, so a test never
 *   parses a desynchronized stream.
 * Ownership: frames own their payload (malloc); the client owns its head
 *   buffer, into which the parsed header names/values point.
 * Threading: one thread per client; no global state (the masking keys come
 *   from a per-client xorshift generator, which is enough for masking).
 */
#include "kit_ws.h"

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

#include "emu_base64.h"

#define RBUF_SIZE 16384

struct header {
  const char *name;
  const char *value;
};

struct kit_ws {
  int fd;
  int broken;
  int status;
  uint64_t rng;
  char head[KIT_WS_MAX_HEAD + 1];
  struct header headers[KIT_WS_MAX_HEADERS];
  size_t nheaders;
  unsigned char rbuf[RBUF_SIZE];
  size_t rpos, rlen;
};

static int64_t now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int time_left(int64_t deadline) {
  int64_t left = deadline - now_ms();

  return left < 0 ? 0 : left > 600000 ? 600000 : (int)left;
}

static uint32_t next_random(struct kit_ws *c) {
  /* xorshift64* */
  c->rng ^= c->rng >> 12;
  c->rng ^= c->rng << 25;
  c->rng ^= c->rng >> 27;
  return (uint32_t)((c->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

/* Waits for `events` on the socket. 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline) {
  for (;;) {
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int n = poll(&p, 1, time_left(deadline));
    if (n > 0)
      return 1;
    if (n == 0)
      return 0;
    if (errno != EINTR)
      return -1;
  }
}

static int send_all(struct kit_ws *c, const void *data, size_t len, int64_t deadline) {
  const unsigned char *p = data;

  while (len > 0) {
    ssize_t n;
    int w = wait_fd(c->fd, POLLOUT, deadline);
    if (w <= 0)
      return -1;
    n = send(c->fd, p, len, MSG_NOSIGNAL);
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

/* Refills rbuf (when empty). Returns enum kit_ws_result. */
static int fill(struct kit_ws *c, int64_t deadline) {
  ssize_t n;
  int w;

  if (c->rpos < c->rlen)
    return KIT_WS_OK;
  c->rpos = c->rlen = 0;
  for (;;) {
    w = wait_fd(c->fd, POLLIN, deadline);
    if (w == 0)
      return KIT_WS_TIMEOUT;
    if (w < 0)
      return KIT_WS_ERROR;
    n = recv(c->fd, c->rbuf, sizeof(c->rbuf), 0);
    if (n > 0) {
      c->rlen = (size_t)n;
      return KIT_WS_OK;
    }
    if (n == 0)
      return KIT_WS_EOF;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
      return errno == ECONNRESET ? KIT_WS_EOF : KIT_WS_ERROR;
  }
}

/* Reads exactly len bytes. `started` says whether a partial frame was
 * already consumed (a timeout then breaks the client). */
static int read_exact(struct kit_ws *c, void *out, size_t len, int64_t deadline, int started) {
  unsigned char *p = out;

  while (len > 0) {
    size_t take;
    int rc = fill(c, deadline);
    if (rc != KIT_WS_OK) {
      if (rc != KIT_WS_TIMEOUT || started)
        c->broken = 1;
      return rc;
    }
    take = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
    memcpy(p, c->rbuf + c->rpos, take);
    c->rpos += take;
    p += take;
    len -= take;
    started = 1;
  }
  return KIT_WS_OK;
}

/* Appends to a bounded request buffer; -1 when it does not fit. */
static int append(char *buf, size_t cap, size_t *len, const char *s) {
  size_t n = strlen(s);

  if (*len + n >= cap)
    return -1;
  memcpy(buf + *len, s, n);
  *len += n;
  buf[*len] = '\0';
  return 0;
}

static int parse_status(const char *line) {
  /* "HTTP/1.1 101 Switching Protocols" */
  const char *sp = strchr(line, ' ');
  char *end;
  long v;

  if (strncmp(line, "HTTP/1.", 7) != 0 || !sp)
    return -1;
  errno = 0;
  v = strtol(sp + 1, &end, 10);
  if (errno || end == sp + 1 || v < 100 || v > 999)
    return -1;
  return (int)v;
}

/* Reads the response head into c->head, splits it into header lines. */
static int read_head(struct kit_ws *c, int64_t deadline) {
  size_t len = 0;
  char *line, *next;

  for (;;) {
    int rc = fill(c, deadline);
    if (rc != KIT_WS_OK)
      return -1;
    while (c->rpos < c->rlen) {
      if (len >= KIT_WS_MAX_HEAD)
        return -1;
      c->head[len++] = (char)c->rbuf[c->rpos++];
      if (len >= 4 && memcmp(c->head + len - 4, "\r\n\r\n", 4) == 0)
        goto done;
    }
  }
done:
  c->head[len] = '\0';
  line = c->head;
  next = strstr(line, "\r\n");
  *next = '\0';
  c->status = parse_status(line);
  if (c->status < 0)
    return -1;
  for (line = next + 2; *line; line = next + 2) {
    char *colon;
    next = strstr(line, "\r\n");
    *next = '\0';
    colon = strchr(line, ':');
    if (!colon || c->nheaders >= KIT_WS_MAX_HEADERS)
      continue;
    *colon = '\0';
    colon++;
    while (*colon == ' ' || *colon == '\t')
      colon++;
    c->headers[c->nheaders].name = line;
    c->headers[c->nheaders++].value = colon;
  }
  return 0;
}

struct kit_ws *kit_ws_connect(int port, const char *path_and_query, const char *const *headers,
                              const char *protocol, int timeout_ms) {
  struct kit_ws *c = calloc(1, sizeof(*c));
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : KIT_WS_DEFAULT_TIMEOUT_MS);
  struct sockaddr_in addr;
  unsigned char nonce[16];
  char key[32], req[8192], line[256];
  size_t len = 0, i;
  int one = 1, rc, err = 0;
  socklen_t errlen = sizeof(err);

  if (!c)
    return NULL;
  c->rng = (uint64_t)now_ms() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)c;
  if (c->rng == 0)
    c->rng = 1;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    goto fail;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  rc = connect(c->fd, (struct sockaddr *)&addr, sizeof(addr));
  if (rc != 0) {
    if (errno != EINPROGRESS || wait_fd(c->fd, POLLOUT, deadline) <= 0)
      goto fail;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) != 0 || err != 0)
      goto fail;
  }
  for (i = 0; i < sizeof(nonce); i++)
    nonce[i] = (unsigned char)next_random(c);
  emu_base64_encode_into(nonce, sizeof(nonce), key, 0);
  snprintf(line, sizeof(line), "Host: 127.0.0.1:%d\r\n", port);
  if (append(req, sizeof(req), &len, "GET ") || append(req, sizeof(req), &len, path_and_query) ||
      append(req, sizeof(req), &len, " HTTP/1.1\r\n") || append(req, sizeof(req), &len, line) ||
      append(req, sizeof(req), &len,
             "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Key: ") ||
      append(req, sizeof(req), &len, key) || append(req, sizeof(req), &len, "\r\n"))
    goto fail;
  if (protocol &&
      (append(req, sizeof(req), &len, "Sec-WebSocket-Protocol: ") ||
       append(req, sizeof(req), &len, protocol) || append(req, sizeof(req), &len, "\r\n")))
    goto fail;
  for (i = 0; headers && headers[i]; i++)
    if (append(req, sizeof(req), &len, headers[i]) || append(req, sizeof(req), &len, "\r\n"))
      goto fail;
  if (append(req, sizeof(req), &len, "\r\n") || send_all(c, req, len, deadline) != 0 ||
      read_head(c, deadline) != 0)
    goto fail;
  return c;
fail:
  kit_ws_free(c);
  return NULL;
}

int kit_ws_local_port(const struct kit_ws *c) {
  struct sockaddr_in addr;
  socklen_t len = sizeof(addr);

  if (c->fd < 0 || getsockname(c->fd, (struct sockaddr *)&addr, &len) != 0)
    return -1;
  return ntohs(addr.sin_port);
}

int kit_ws_status(const struct kit_ws *c) {
  return c->status;
}

const char *kit_ws_header(const struct kit_ws *c, const char *name) {
  size_t i;

  for (i = 0; i < c->nheaders; i++)
    if (strcasecmp(c->headers[i].name, name) == 0)
      return c->headers[i].value;
  return NULL;
}

const char *kit_ws_protocol(const struct kit_ws *c) {
  return kit_ws_header(c, "Sec-WebSocket-Protocol");
}

int kit_ws_send_frame(struct kit_ws *c, int opcode, int fin, const void *data, size_t len) {
  int64_t deadline = now_ms() + KIT_WS_DEFAULT_TIMEOUT_MS;
  const unsigned char *in = data;
  unsigned char *frame, mask[4];
  size_t h = 0, i;
  uint32_t m;
  int rc;

  if (c->fd < 0 || c->broken || len > (size_t)64 * 1024 * 1024)
    return -1;
  frame = malloc(len + 14);
  if (!frame)
    return -1;
  frame[h++] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0F));
  if (len < 126) {
    frame[h++] = (unsigned char)(0x80 | len);
  } else if (len <= 0xFFFF) {
    frame[h++] = 0x80 | 126;
    frame[h++] = (unsigned char)(len >> 8);
    frame[h++] = (unsigned char)len;
  } else {
    frame[h++] = 0x80 | 127;
    for (i = 0; i < 8; i++)
      frame[h++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
  }
  m = next_random(c);
  for (i = 0; i < 4; i++) {
    mask[i] = (unsigned char)(m >> (8 * i));
    frame[h++] = mask[i];
  }
  for (i = 0; i < len; i++)
    frame[h + i] = in[i] ^ mask[i & 3];
  rc = send_all(c, frame, h + len, deadline);
  free(frame);
  if (rc != 0)
    c->broken = 1;
  return rc;
}

int kit_ws_send_raw(struct kit_ws *c, const void *bytes, size_t len) {
  int rc;

  if (c->fd < 0 || c->broken)
    return -1;
  rc = send_all(c, bytes, len, now_ms() + KIT_WS_DEFAULT_TIMEOUT_MS);
  if (rc != 0)
    c->broken = 1;
  return rc;
}

int kit_ws_send_text(struct kit_ws *c, const char *text) {
  return kit_ws_send_frame(c, KIT_WS_TEXT, 1, text, strlen(text));
}

int kit_ws_send_binary(struct kit_ws *c, const void *data, size_t len) {
  return kit_ws_send_frame(c, KIT_WS_BINARY, 1, data, len);
}

int kit_ws_send_ping(struct kit_ws *c, const void *data, size_t len) {
  return kit_ws_send_frame(c, KIT_WS_PING, 1, data, len);
}

int kit_ws_send_close(struct kit_ws *c, int code, const char *reason) {
  unsigned char payload[125];
  size_t rlen = reason ? strlen(reason) : 0;

  if (code == 0)
    return kit_ws_send_frame(c, KIT_WS_CLOSE, 1, NULL, 0);
  if (rlen > sizeof(payload) - 2)
    rlen = sizeof(payload) - 2;
  payload[0] = (unsigned char)((code >> 8) & 0xFF);
  payload[1] = (unsigned char)(code & 0xFF);
  if (rlen)
    memcpy(payload + 2, reason, rlen);
  return kit_ws_send_frame(c, KIT_WS_CLOSE, 1, payload, rlen + 2);
}

int kit_ws_send_fragmented_text(struct kit_ws *c, const char *text, size_t len,
                                size_t fragment_size) {
  size_t off = 0;
  int first = 1;

  if (fragment_size == 0)
    return -1;
  do {
    size_t n = len - off < fragment_size ? len - off : fragment_size;
    int fin = off + n == len;
    if (kit_ws_send_frame(c, first ? KIT_WS_TEXT : KIT_WS_CONTINUATION, fin, text + off, n) != 0)
      return -1;
    first = 0;
    off += n;
  } while (off < len);
  return 0;
}

static int recv_deadline(struct kit_ws *c, int64_t deadline, struct kit_ws_frame *out) {
  unsigned char hdr[2], ext[8], mask[4] = {0, 0, 0, 0};
  uint64_t len;
  size_t i;
  int rc, masked;

  memset(out, 0, sizeof(*out));
  if (c->fd < 0 || c->broken)
    return KIT_WS_ERROR;
  rc = read_exact(c, hdr, 2, deadline, 0);
  if (rc != KIT_WS_OK)
    return rc;
  out->fin = (hdr[0] & 0x80) != 0;
  out->opcode = hdr[0] & 0x0F;
  masked = (hdr[1] & 0x80) != 0;
  len = hdr[1] & 0x7F;
  if (len == 126) {
    if ((rc = read_exact(c, ext, 2, deadline, 1)) != KIT_WS_OK)
      return rc;
    len = (uint64_t)ext[0] << 8 | ext[1];
  } else if (len == 127) {
    if ((rc = read_exact(c, ext, 8, deadline, 1)) != KIT_WS_OK)
      return rc;
    for (len = 0, i = 0; i < 8; i++)
      len = len << 8 | ext[i];
  }
  if (len > KIT_WS_MAX_PAYLOAD) {
    c->broken = 1;
    return KIT_WS_ERROR;
  }
  if (masked && (rc = read_exact(c, mask, 4, deadline, 1)) != KIT_WS_OK)
    return rc;
  out->data = malloc((size_t)len + 1);
  if (!out->data) {
    c->broken = 1;
    return KIT_WS_ERROR;
  }
  if ((rc = read_exact(c, out->data, (size_t)len, deadline, 1)) != KIT_WS_OK) {
    kit_ws_frame_free(out);
    return rc;
  }
  for (i = 0; masked && i < len; i++)
    out->data[i] = (char)(out->data[i] ^ mask[i & 3]);
  out->data[len] = '\0';
  out->len = (size_t)len;
  if (out->opcode == KIT_WS_CLOSE) {
    out->close_code = 1005;
    out->close_reason = out->data + out->len;
    if (out->len >= 2) {
      out->close_code = (unsigned char)out->data[0] << 8 | (unsigned char)out->data[1];
      out->close_reason = out->data + 2;
    }
  }
  return KIT_WS_OK;
}

int kit_ws_recv(struct kit_ws *c, int timeout_ms, struct kit_ws_frame *out) {
  return recv_deadline(c, now_ms() + (timeout_ms > 0 ? timeout_ms : 0), out);
}

int kit_ws_recv_message(struct kit_ws *c, int timeout_ms, struct kit_ws_frame *out) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  struct kit_ws_frame f;
  int rc;

  rc = recv_deadline(c, deadline, out);
  if (rc != KIT_WS_OK || out->fin || out->opcode >= KIT_WS_CLOSE)
    return rc;
  for (;;) {
    char *joined;
    rc = recv_deadline(c, deadline, &f);
    if (rc != KIT_WS_OK) {
      if (rc == KIT_WS_TIMEOUT)
        c->broken = 1; /* the message was started: the stream is now unusable */
      kit_ws_frame_free(out);
      return rc;
    }
    if (f.opcode == KIT_WS_CLOSE) {
      kit_ws_frame_free(out);
      *out = f;
      return KIT_WS_OK;
    }
    if (f.opcode != KIT_WS_CONTINUATION) { /* PING/PONG mid-message: skip */
      kit_ws_frame_free(&f);
      continue;
    }
    if (out->len + f.len > KIT_WS_MAX_PAYLOAD ||
        !(joined = realloc(out->data, out->len + f.len + 1))) {
      kit_ws_frame_free(&f);
      kit_ws_frame_free(out);
      c->broken = 1;
      return KIT_WS_ERROR;
    }
    memcpy(joined + out->len, f.data, f.len);
    out->data = joined;
    out->len += f.len;
    out->data[out->len] = '\0';
    out->fin = f.fin;
    kit_ws_frame_free(&f);
    if (out->fin)
      return KIT_WS_OK;
  }
}

void kit_ws_frame_free(struct kit_ws_frame *f) {
  if (!f)
    return;
  free(f->data);
  memset(f, 0, sizeof(*f));
}

int kit_ws_expect_close(struct kit_ws *c, int timeout_ms, int *code) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  struct kit_ws_frame f;

  for (;;) {
    int rc = recv_deadline(c, deadline, &f);
    if (rc != KIT_WS_OK)
      return rc;
    if (f.opcode == KIT_WS_CLOSE) {
      if (code)
        *code = f.close_code;
      /* RFC 6455 5.5.1: answer with a close frame (best effort: the server
       * may already have closed the socket). */
      if (f.close_code == 1005)
        kit_ws_send_frame(c, KIT_WS_CLOSE, 1, NULL, 0);
      else
        kit_ws_send_frame(c, KIT_WS_CLOSE, 1, f.data, 2);
      kit_ws_frame_free(&f);
      return KIT_WS_OK;
    }
    kit_ws_frame_free(&f);
  }
}

int kit_ws_close(struct kit_ws *c, int code, const char *reason, int timeout_ms) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  struct kit_ws_frame f;

  if (kit_ws_send_close(c, code, reason) != 0)
    return KIT_WS_ERROR;
  for (;;) {
    int rc = recv_deadline(c, deadline, &f);
    if (rc != KIT_WS_OK)
      return rc;
    if (f.opcode == KIT_WS_CLOSE) {
      kit_ws_frame_free(&f);
      return KIT_WS_OK;
    }
    kit_ws_frame_free(&f);
  }
}

void kit_ws_drop(struct kit_ws *c) {
  if (!c || c->fd < 0)
    return;
  shutdown(c->fd, SHUT_RDWR);
  close(c->fd);
  c->fd = -1;
}

void kit_ws_free(struct kit_ws *c) {
  if (!c)
    return;
  if (c->fd >= 0)
    close(c->fd);
  free(c);
}
