/*
 * loadgen.c - the load generator behind `make bench` (bench/run.sh).
 *
 * One thread, epoll, non-blocking sockets to 127.0.0.1 only. It speaks
 * keep-alive HTTP/1.1 (the DynamoDB JSON API) and a minimal WebSocket client
 * (RFC 6455: masked client frames, text/close/ping). Every phase is bounded
 * in count and in time; random choices come from a fixed seed. Warm-up runs
 * before, and separately from, the measurement. Results are JSON lines on
 * stdout, one per measurement.
 *
 *   loadgen dynamo  --port P --op PutItem|GetItem|Query|Scan|UpdateItem|ExecuteStatement
 *                   [--conns 16] [--warmup S] [--duration S] [--count N]
 *   loadgen connect --port P [--path /dev] --clients N [--inflight K]
 *                   [--hold S] [--server-pid PID]
 *   loadgen echo    --port P [--path /dev] [--clients C] [--inflight F]
 *                   [--warmup-count W] [--count N] [--duration S]
 *                   [--action echo] (the route: {"action":A,"data":"e<id>"})
 *   loadgen fanout  --port P [--path /dev] --clients N [--repeats R]
 *                   [--warmup-repeats W] [--ddb-port D] [--server-pid PID]
 *   loadgen stream  --port P [--path /dev] [--repeats R] [--warmup-count W]
 *                   [--count N] [--conns C] [--duration S]
 *                   (the channel chat app: commit-to-frame latency of one
 *                   write at a time, and stream records delivered per
 *                   second under --count writes on C connections)
 *   loadgen startup [--port P | banner] [--path /dev] [--rss-delay-ms MS]
 *                   -- COMMAND ARGS...
 *   loadgen fsync   --path DIR [--duration S]
 *                   (the disk under a durable commit: pwrite 4 KB + fdatasync
 *                   in a file in DIR, in a loop; no server)
 * Common: --label L (copied into the output), --seed N, --timeout S (hard
 * limit for the whole run). dynamo and echo also take --before-measure CMD
 * and --after-measure CMD: shell commands run right after the warm-up has
 * drained and right after the measurement (bench/profile.sh zeroes and
 * dumps callgrind's counters with them).
 *
 * Built by bench/run.sh (cc -O2); not part of the top-level build.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- options */

static struct {
  const char *mode, *op, *path, *label, *table, *action;
  const char *before_measure, *after_measure; /* shell commands (bench/profile.sh) */
  int port, ddb_port, conns, clients, inflight, repeats, warmup_repeats, server_pid;
  int connect_inflight;
  double warmup, duration, hold, timeout, repeat_timeout, handshake_timeout;
  long count, warmup_count, rss_delay_ms;
  uint64_t seed;
  char **cmd;
} opt = {
  .op = "GetItem", .path = "/dev", .label = "", .table = "bench", .action = "echo",
  .conns = 16, .clients = 1, .inflight = 1, .repeats = 20, .warmup_repeats = 3,
  .warmup = 1.0, .duration = 4.0, .hold = 1.0, .timeout = 120.0, .repeat_timeout = 10.0,
  .connect_inflight = 32, .handshake_timeout = 10.0,
  .count = 2000000, .warmup_count = 1000, .rss_delay_ms = 500, .seed = 42,
};

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("loadgen: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

/* ------------------------------------------------------------- utilities */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng_state;
static uint64_t rnd(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

/* latency samples in ns */
struct samples {
  uint64_t *v;
  size_t n, cap;
};
static void sample_add(struct samples *s, uint64_t x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 4096;
    s->v = realloc(s->v, s->cap * sizeof(*s->v));
    if (!s->v)
      die("out of memory");
  }
  s->v[s->n++] = x;
}
static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
/* nearest-rank percentile, in ms */
static double pct_ms(struct samples *s, double p) {
  size_t k;
  if (!s->n)
    return -1;
  qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
  k = (size_t)(p / 100.0 * (double)s->n + 0.999999);
  if (k < 1)
    k = 1;
  if (k > s->n)
    k = s->n;
  return (double)s->v[k - 1] / 1e6;
}

/* VmRSS of pid and all its descendants, in kB */
static long rss_kb_one(int pid) {
  char p[64], line[256];
  long kb = -1;
  FILE *f;
  snprintf(p, sizeof p, "/proc/%d/status", pid);
  if (!(f = fopen(p, "r")))
    return -1;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmRSS:", 6))
      kb = strtol(line + 6, NULL, 10);
  fclose(f);
  return kb;
}
static int ppid_of(int pid) {
  char p[64], buf[512], *c;
  FILE *f;
  int pp = -1;
  snprintf(p, sizeof p, "/proc/%d/stat", pid);
  if (!(f = fopen(p, "r")))
    return -1;
  if (fgets(buf, sizeof buf, f) && (c = strrchr(buf, ')')))
    sscanf(c + 2, "%*c %d", &pp);
  fclose(f);
  return pp;
}
static long rss_kb_tree(int root) {
  long total = rss_kb_one(root);
  DIR *d;
  struct dirent *e;
  if (total < 0)
    return -1;
  if (!(d = opendir("/proc")))
    return total;
  while ((e = readdir(d))) {
    int pid = atoi(e->d_name), p = pid;
    if (pid <= 0 || pid == root)
      continue;
    for (int depth = 0; depth < 8 && p > 1; depth++) { /* is root an ancestor? */
      p = ppid_of(p);
      if (p == root) {
        long kb = rss_kb_one(pid);
        if (kb > 0)
          total += kb;
        break;
      }
    }
  }
  closedir(d);
  return total;
}

/* Runs a --before-measure / --after-measure command, if any; nothing is in
 * flight while it runs. */
static void run_hook(const char *cmd) {
  int st;
  if (!cmd || !*cmd)
    return;
  fflush(stdout);
  st = system(cmd);
  if (st != 0)
    fprintf(stderr, "loadgen: '%s' exited with status %d\n", cmd, st);
}

static void json_head(const char *kind) {
  printf("{\"mode\":\"%s\",\"label\":\"%s\"", kind, opt.label);
}

/* ------------------------------------------------------------ connections */

enum cstate { C_CONNECTING, C_HANDSHAKE, C_OPEN, C_CLOSED, C_FAILED };
enum ckind { K_HTTP, K_WS };

struct conn {
  int fd, idx;
  enum cstate state;
  enum ckind kind;
  char *rbuf, *wbuf;
  size_t rlen, rcap, wlen, woff, wcap;
  int want_out;
  uint64_t t0;     /* start of the pending request / handshake */
  long inflight;   /* echo: messages in flight */
  long last_rep;   /* fanout: last repeat received */
  int fail_status; /* the HTTP status of a failed handshake */
};

static int ep;
static int quickack; /* LOADGEN_QUICKACK=1: a diagnosis of delayed-ACK stalls, not for results */
static struct conn *conns;
static int nconns;
static struct sockaddr_in target;

/* callbacks, set by the mode */
static void (*on_open)(struct conn *);
static void (*on_fail)(struct conn *, const char *why);
static void (*on_text)(struct conn *, const char *data, size_t len);
static void (*on_http)(struct conn *, int status, const char *body, size_t len);
static void (*on_closed)(struct conn *);

static void grow(char **b, size_t *cap, size_t need) {
  if (need <= *cap)
    return;
  while (*cap < need)
    *cap = *cap ? *cap * 2 : 4096;
  *b = realloc(*b, *cap);
  if (!*b)
    die("out of memory");
}

static void conn_mod(struct conn *c, int out) {
  struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
  if (c->want_out == out)
    return;
  c->want_out = out;
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_close(struct conn *c, enum cstate st) {
  if (c->fd >= 0) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
  }
  c->state = st;
  c->rlen = c->wlen = c->woff = 0;
}

static void conn_fail(struct conn *c, const char *why) {
  enum cstate was = c->state;
  conn_close(c, C_FAILED);
  if (was == C_OPEN) {
    if (on_closed)
      on_closed(c);
  } else if (on_fail) {
    on_fail(c, why);
  }
}

static void conn_flush(struct conn *c) {
  while (c->woff < c->wlen) {
    ssize_t n = write(c->fd, c->wbuf + c->woff, c->wlen - c->woff);
    if (n > 0) {
      c->woff += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN) {
      conn_mod(c, 1);
      return;
    }
    conn_fail(c, "write");
    return;
  }
  c->woff = c->wlen = 0;
  conn_mod(c, 0);
}

static void conn_send(struct conn *c, const void *data, size_t len) {
  if (c->fd < 0)
    return;
  grow(&c->wbuf, &c->wcap, c->wlen + len);
  memcpy(c->wbuf + c->wlen, data, len);
  c->wlen += len;
  if (!c->want_out)
    conn_flush(c);
}

static int conn_start(struct conn *c, enum ckind kind) {
  int one = 1;
  struct epoll_event ev;
  c->kind = kind;
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  c->rlen = c->wlen = c->woff = 0;
  c->want_out = 1;
  c->t0 = now_ns();
  c->fail_status = 0;
  if (c->fd < 0) {
    c->state = C_FAILED;
    return -1;
  }
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = C_CONNECTING;
  if (connect(c->fd, (struct sockaddr *)&target, sizeof target) != 0 && errno != EINPROGRESS) {
    close(c->fd);
    c->fd = -1;
    c->state = C_FAILED;
    return -1;
  }
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.ptr = c;
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  return 0;
}

/* WebSocket: a masked client frame */
static void ws_send(struct conn *c, int opcode, const char *data, size_t len) {
  unsigned char hdr[14];
  size_t h = 0;
  uint32_t mask = (uint32_t)rnd();
  unsigned char *m = (unsigned char *)&mask;
  char stackbuf[1024], *buf = len + 14 <= sizeof stackbuf ? stackbuf : malloc(len + 14);
  hdr[h++] = (unsigned char)(0x80 | opcode);
  if (len < 126) {
    hdr[h++] = (unsigned char)(0x80 | len);
  } else if (len < 65536) {
    hdr[h++] = 0x80 | 126;
    hdr[h++] = (unsigned char)(len >> 8);
    hdr[h++] = (unsigned char)len;
  } else {
    hdr[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      hdr[h++] = (unsigned char)((uint64_t)len >> (8 * i));
  }
  memcpy(hdr + h, m, 4);
  h += 4;
  memcpy(buf, hdr, h);
  for (size_t i = 0; i < len; i++)
    buf[h + i] = (char)(data[i] ^ m[i & 3]);
  conn_send(c, buf, h + len);
  if (buf != stackbuf)
    free(buf);
}

static void ws_handshake(struct conn *c) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char req[512], key[25];
  int n;
  /* a distinct key per connection (16 random bytes in base64): some servers derive ids from it */
  for (int i = 0; i < 21; i++)
    key[i] = b64[rnd() % 64];
  key[21] = b64[(rnd() % 4) * 16];
  memcpy(key + 22, "==", 3);
  n = snprintf(req, sizeof req,
               "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n",
               opt.path, opt.port, key);
  conn_send(c, req, (size_t)n);
}

static const char *memfind(const char *h, size_t hl, const char *n) {
  size_t nl = strlen(n);
  if (hl < nl)
    return NULL;
  for (size_t i = 0; i + nl <= hl; i++)
    if (h[i] == n[0] && !memcmp(h + i, n, nl))
      return h + i;
  return NULL;
}

static long header_long(const char *hdrs, size_t len, const char *name) {
  size_t nl = strlen(name);
  for (size_t i = 0; i + nl < len; i++) {
    if ((i == 0 || hdrs[i - 1] == '\n') && !strncasecmp(hdrs + i, name, nl) &&
        hdrs[i + nl] == ':')
      return strtol(hdrs + i + nl + 1, NULL, 10);
  }
  return -1;
}
static int header_has(const char *hdrs, size_t len, const char *name, const char *value) {
  size_t nl = strlen(name);
  for (size_t i = 0; i + nl < len; i++) {
    if ((i == 0 || hdrs[i - 1] == '\n') && !strncasecmp(hdrs + i, name, nl) &&
        hdrs[i + nl] == ':') {
      const char *e = memchr(hdrs + i, '\n', len - i);
      size_t vl = strlen(value);
      for (const char *p = hdrs + i + nl + 1; e && p + vl <= e; p++)
        if (!strncasecmp(p, value, vl))
          return 1;
    }
  }
  return 0;
}

/* Parses whole HTTP responses out of rbuf (keep-alive); returns bytes used or 0. */
static size_t http_parse(struct conn *c) {
  const char *end = memfind(c->rbuf, c->rlen, "\r\n\r\n");
  size_t hl, total;
  long cl;
  int status;
  if (!end)
    return 0;
  hl = (size_t)(end - c->rbuf) + 4;
  status = atoi(c->rbuf + 9);
  if (header_has(c->rbuf, hl, "Transfer-Encoding", "chunked")) {
    /* de-chunk in place into a copy */
    size_t p = hl, outn = 0;
    char *out = malloc(c->rlen + 1);
    for (;;) {
      const char *le = memfind(c->rbuf + p, c->rlen - p, "\r\n");
      long sz;
      if (!le) {
        free(out);
        return 0;
      }
      sz = strtol(c->rbuf + p, NULL, 16);
      p = (size_t)(le - c->rbuf) + 2;
      if (sz == 0) {
        if (c->rlen < p + 2) {
          free(out);
          return 0;
        }
        p += 2;
        break;
      }
      if (c->rlen < p + (size_t)sz + 2) {
        free(out);
        return 0;
      }
      memcpy(out + outn, c->rbuf + p, (size_t)sz);
      outn += (size_t)sz;
      p += (size_t)sz + 2;
    }
    out[outn] = 0;
    on_http(c, status, out, outn);
    free(out);
    return p;
  }
  cl = header_long(c->rbuf, hl, "Content-Length");
  if (cl < 0)
    cl = 0;
  total = hl + (size_t)cl;
  if (c->rlen < total)
    return 0;
  on_http(c, status, c->rbuf + hl, (size_t)cl);
  return total;
}

/* Parses WebSocket frames out of rbuf; returns bytes used or 0. */
static size_t ws_parse(struct conn *c) {
  const unsigned char *b = (const unsigned char *)c->rbuf;
  size_t h = 2;
  uint64_t len;
  int opcode;
  if (c->rlen < 2)
    return 0;
  opcode = b[0] & 0x0f;
  len = b[1] & 0x7f;
  if (len == 126) {
    if (c->rlen < 4)
      return 0;
    len = (uint64_t)b[2] << 8 | b[3];
    h = 4;
  } else if (len == 127) {
    if (c->rlen < 10)
      return 0;
    len = 0;
    for (int i = 0; i < 8; i++)
      len = len << 8 | b[2 + i];
    h = 10;
  }
  if (b[1] & 0x80)
    h += 4; /* servers do not mask; skip a mask anyway */
  if (c->rlen < h + len)
    return 0;
  if (opcode == 1 || opcode == 2 || opcode == 0) {
    on_text(c, c->rbuf + h, (size_t)len);
  } else if (opcode == 8) {
    conn_close(c, C_CLOSED);
    if (on_closed)
      on_closed(c);
    return (size_t)-1;
  } else if (opcode == 9) {
    ws_send(c, 10, c->rbuf + h, (size_t)len);
  }
  return h + (size_t)len;
}

static void conn_readable(struct conn *c) {
  for (;;) {
    ssize_t n;
    grow(&c->rbuf, &c->rcap, c->rlen + 65536);
    n = read(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen - 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      break;
    if (n <= 0) {
      conn_fail(c, n == 0 ? "eof" : "read");
      return;
    }
    c->rlen += (size_t)n;
    c->rbuf[c->rlen] = 0;
    if (quickack) { /* diagnosis only: ACK at once instead of delaying the ACK */
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    }
    if ((size_t)n < 65536)
      break;
  }
  for (;;) {
    size_t used = 0;
    if (c->state == C_HANDSHAKE) {
      const char *end = memfind(c->rbuf, c->rlen, "\r\n\r\n");
      if (!end)
        return;
      if (c->rlen < 12 || atoi(c->rbuf + 9) != 101) {
        c->fail_status = c->rlen >= 12 ? atoi(c->rbuf + 9) : 0;
        conn_fail(c, "status");
        return;
      }
      used = (size_t)(end - c->rbuf) + 4;
      c->state = C_OPEN;
      memmove(c->rbuf, c->rbuf + used, c->rlen - used);
      c->rlen -= used;
      on_open(c);
      if (c->fd < 0)
        return;
      continue;
    }
    if (c->state != C_OPEN || c->rlen == 0)
      return;
    used = c->kind == K_HTTP ? http_parse(c) : ws_parse(c);
    if (used == (size_t)-1 || c->fd < 0)
      return;
    if (!used)
      return;
    memmove(c->rbuf, c->rbuf + used, c->rlen - used);
    c->rlen -= used;
  }
}

static void conn_event(struct conn *c, uint32_t ev) {
  if (c->state == C_CONNECTING) {
    int err = 0;
    socklen_t l = sizeof err;
    if (!(ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
      return;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) {
      conn_fail(c, "connect");
      return;
    }
    if (c->kind == K_WS) {
      c->state = C_HANDSHAKE;
      c->want_out = 1;
      conn_mod(c, 0);
      ws_handshake(c);
    } else {
      c->state = C_OPEN;
      conn_mod(c, 0);
      on_open(c);
    }
    return;
  }
  if (ev & EPOLLOUT)
    conn_flush(c);
  if (c->fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)))
    conn_readable(c);
}

/* Runs the loop until done() or the deadline. Returns 0 if done. */
static int loop_until(int (*done)(void), uint64_t deadline) {
  struct epoll_event evs[256];
  while (!done()) {
    uint64_t t = now_ns();
    int n, ms;
    if (t >= deadline)
      return -1;
    ms = (int)((deadline - t) / 1000000) + 1;
    if (ms > 50)
      ms = 50;
    n = epoll_wait(ep, evs, 256, ms);
    for (int i = 0; i < n; i++)
      conn_event(evs[i].data.ptr, evs[i].events);
  }
  return 0;
}

static void conns_alloc(int n) {
  conns = calloc((size_t)n, sizeof(*conns));
  if (!conns)
    die("out of memory");
  nconns = n;
  for (int i = 0; i < n; i++) {
    conns[i].fd = -1;
    conns[i].idx = i;
    conns[i].state = C_CLOSED;
  }
}

/* Closes every open WebSocket with a close frame, then the socket. */
static void ws_close_all(void) {
  for (int i = 0; i < nconns; i++) {
    struct conn *c = &conns[i];
    if (c->state == C_OPEN && c->fd >= 0) {
      ws_send(c, 8, "\x03\xe8", 2);
      conn_close(c, C_CLOSED);
    } else if (c->fd >= 0) {
      conn_close(c, C_CLOSED);
    }
  }
}

/* ------------------------------------------------ connect many WebSockets */

static struct {
  int target_n, started, opened, failed, pending, closed_early, timed_out;
  int status_fail[6]; /* by status class: 0 = no status (reset/eof/timeout) */
  struct samples lat;
} cm;

static void cm_open(struct conn *c) {
  cm.pending--;
  cm.opened++;
  sample_add(&cm.lat, now_ns() - c->t0);
}
static void cm_fail(struct conn *c, const char *why) {
  (void)why;
  cm.pending--;
  cm.failed++;
  cm.status_fail[c->fail_status / 100 <= 5 ? c->fail_status / 100 : 0]++;
}
static void cm_closed(struct conn *c) {
  (void)c;
  cm.closed_early++;
}
static void cm_ignore_text(struct conn *c, const char *d, size_t l) {
  (void)c;
  (void)d;
  (void)l;
}

static int cm_done(void) {
  static uint64_t last_scan;
  uint64_t t = now_ns();
  if (t - last_scan > 100000000ull) { /* a handshake that takes too long is a failure */
    last_scan = t;
    for (int i = 0; i < cm.started; i++) {
      struct conn *c = &conns[i];
      if ((c->state == C_CONNECTING || c->state == C_HANDSHAKE) &&
          t - c->t0 > (uint64_t)(opt.handshake_timeout * 1e9)) {
        conn_close(c, C_FAILED);
        cm.pending--;
        cm.failed++;
        cm.status_fail[0]++;
        cm.timed_out++;
      }
    }
  }
  while (cm.started < cm.target_n && cm.pending < opt.connect_inflight) {
    struct conn *c = &conns[cm.started++];
    cm.pending++;
    if (conn_start(c, K_WS) != 0) {
      cm.pending--;
      cm.failed++;
      cm.status_fail[0]++;
    }
  }
  return cm.started == cm.target_n && cm.pending == 0;
}

/* Opens conns[0..n) with at most opt.inflight handshakes pending. Returns seconds taken. */
static double connect_many(int n, double timeout_s) {
  uint64_t t0 = now_ns();
  memset(&cm, 0, sizeof cm);
  cm.target_n = n;
  on_open = cm_open;
  on_fail = cm_fail;
  on_closed = cm_closed;
  if (!on_text)
    on_text = cm_ignore_text;
  if (loop_until(cm_done, t0 + (uint64_t)(timeout_s * 1e9)) != 0) {
    for (int i = 0; i < cm.started; i++)
      if (conns[i].state == C_CONNECTING || conns[i].state == C_HANDSHAKE) {
        conn_close(&conns[i], C_FAILED);
        cm.pending--;
        cm.failed++;
        cm.status_fail[0]++;
      }
    cm.failed += cm.target_n - cm.started; /* never started */
  }
  return (double)(now_ns() - t0) / 1e9;
}

static void print_connect(double secs) {
  json_head("connect");
  printf(",\"clients\":%d,\"inflight\":%d,\"opened\":%d,\"failed\":%d,\"failed_5xx\":%d,"
         "\"failed_4xx\":%d,\"failed_nostatus\":%d,\"handshake_timeouts\":%d,\"seconds\":%.3f,\"connects_per_s\":%.1f,"
         "\"handshake_p50_ms\":%.3f,\"handshake_p99_ms\":%.3f",
         cm.target_n, opt.connect_inflight, cm.opened, cm.failed, cm.status_fail[5], cm.status_fail[4],
         cm.status_fail[0] + cm.status_fail[1] + cm.status_fail[2] + cm.status_fail[3], cm.timed_out, secs,
         secs > 0 ? cm.opened / secs : 0, pct_ms(&cm.lat, 50), pct_ms(&cm.lat, 99));
}

/* ------------------------------------------------------------ mode connect */

static int never(void) { return 0; }

static int mode_connect(void) {
  double secs;
  long rss = -1;
  int still_open = 0;
  conns_alloc(opt.clients);
  secs = connect_many(opt.clients, opt.timeout * 0.8);
  /* hold: every connection must stay open */
  loop_until(never, now_ns() + (uint64_t)(opt.hold * 1e9));
  for (int i = 0; i < nconns; i++)
    still_open += conns[i].state == C_OPEN;
  if (opt.server_pid > 0)
    rss = rss_kb_tree(opt.server_pid);
  print_connect(secs);
  printf(",\"held\":%d,\"hold_s\":%.1f,\"closed_during_hold\":%d,\"server_rss_kb\":%ld}\n",
         still_open, opt.hold, cm.closed_early, rss);
  fflush(stdout);
  ws_close_all();
  return 0;
}

/* --------------------------------------------------------------- mode echo */

static struct {
  long total, sent, recv, errors, target;
  uint64_t *ts; /* send time by message id */
  long cap;
  struct samples lat;
  int measuring;
} em;

static void echo_send_one(struct conn *c) {
  char msg[256];
  int n;
  if (em.sent >= em.target || em.total >= em.cap)
    return;
  n = snprintf(msg, sizeof msg, "{\"action\":\"%.64s\",\"data\":\"e%ld\"}", opt.action, em.total);
  em.ts[em.total++] = now_ns();
  em.sent++;
  c->inflight++;
  ws_send(c, 1, msg, (size_t)n);
}

static void echo_text(struct conn *c, const char *d, size_t len) {
  const char *p = memfind(d, len, "\"data\":\"e");
  long id;
  c->inflight--;
  if (!p) {
    em.errors++;
  } else {
    id = strtol(p + 9, NULL, 10);
    if (id >= 0 && id < em.total) {
      if (em.measuring)
        sample_add(&em.lat, now_ns() - em.ts[id]);
      em.recv++;
    } else {
      em.errors++;
    }
  }
  echo_send_one(c);
}

static int echo_done(void) { return em.recv + em.errors >= em.target; }

static void echo_phase(long count, uint64_t deadline) {
  em.sent = em.recv = em.errors = 0;
  em.target = count;
  for (int f = 0; f < opt.inflight; f++)
    for (int i = 0; i < nconns; i++)
      if (conns[i].state == C_OPEN)
        echo_send_one(&conns[i]);
  loop_until(echo_done, deadline);
}

static void echo_closed(struct conn *c) {
  (void)c;
  em.errors++;
}

static int mode_echo(void) {
  double secs;
  uint64_t t0;
  long lost;
  int open = 0;
  conns_alloc(opt.clients);
  em.cap = opt.warmup_count + opt.count + 16;
  em.ts = calloc((size_t)em.cap, sizeof(uint64_t));
  on_text = echo_text;
  connect_many(opt.clients, 30);
  on_closed = echo_closed;
  for (int i = 0; i < nconns; i++)
    open += conns[i].state == C_OPEN;
  /* warm-up, then drain what is still in flight */
  echo_phase(opt.warmup_count, now_ns() + (uint64_t)(opt.warmup * 1e9) + 10000000000ull);
  run_hook(opt.before_measure);
  em.measuring = 1;
  t0 = now_ns();
  echo_phase(opt.count, t0 + (uint64_t)(opt.duration * 1e9));
  secs = (double)(now_ns() - t0) / 1e9;
  run_hook(opt.after_measure);
  lost = em.sent - em.recv - em.errors;
  json_head("echo");
  printf(",\"action\":\"%.64s\",\"clients\":%d,\"open\":%d,\"inflight_per_client\":%d,\"sent\":%ld,\"received\":%ld,"
         "\"errors\":%ld,\"unanswered\":%ld,\"seconds\":%.3f,\"msgs_per_s\":%.1f,\"p50_ms\":%.3f,"
         "\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
         opt.action, opt.clients, open, opt.inflight, em.sent, em.recv, em.errors, lost, secs,
         em.recv / secs, pct_ms(&em.lat, 50), pct_ms(&em.lat, 99), pct_ms(&em.lat, 100));
  fflush(stdout);
  ws_close_all();
  return 0;
}

/* ----------------------------------------------- a blocking DynamoDB call */

static const char *AUTH =
    "Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=0000000000000000000000000000000000000000000000000000000000000000\r\n"
    "X-Amz-Date: 20240101T000000Z\r\n";

static int ddb_request(char *out, size_t cap, int port, const char *op, const char *body,
                       size_t len) {
  return snprintf(out, cap,
                  "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Amz-Target: DynamoDB_20120810.%s\r\n"
                  "Content-Type: application/x-amz-json-1.0\r\n%sContent-Length: %zu\r\n\r\n%.*s",
                  port, op, AUTH, len, (int)len, body);
}

/* One request on a fresh blocking socket; the response body into resp. Returns the status. */
static int ddb_call(int port, const char *op, const char *body, char *resp, size_t cap) {
  struct sockaddr_in a = target;
  char *req = malloc(strlen(body) + 1024);
  size_t got = 0;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), status = -1;
  struct timeval tv = {.tv_sec = 10};
  int n;
  a.sin_port = htons((uint16_t)port);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
    goto out;
  n = ddb_request(req, strlen(body) + 1024, port, op, body, strlen(body));
  if (write(fd, req, (size_t)n) != n)
    goto out;
  resp[0] = 0;
  for (;;) {
    ssize_t r = read(fd, resp + got, cap - 1 - got);
    const char *e;
    long cl;
    if (r <= 0)
      break;
    got += (size_t)r;
    resp[got] = 0;
    if ((e = strstr(resp, "\r\n\r\n")) &&
        (cl = header_long(resp, (size_t)(e - resp), "Content-Length")) >= 0 &&
        got >= (size_t)(e - resp) + 4 + (size_t)cl) {
      status = atoi(resp + 9);
      memmove(resp, e + 4, (size_t)cl);
      resp[cl] = 0;
      break;
    }
  }
out:
  close(fd);
  free(req);
  return status;
}

static long ddb_count(int port, const char *table) {
  char body[256], resp[8192];
  const char *p;
  snprintf(body, sizeof body, "{\"TableName\":\"%s\",\"Select\":\"COUNT\"}", table);
  if (ddb_call(port, "Scan", body, resp, sizeof resp) != 200 || !(p = strstr(resp, "\"Count\":")))
    return -1;
  return strtol(p + 8, NULL, 10);
}

/* ------------------------------------------------------------- mode fanout */

static struct {
  long rep;
  int got, receivers;
  uint64_t t_send;
} fm;

static void fan_text(struct conn *c, const char *d, size_t len) {
  long rep;
  if (len < 2 || d[0] != 'f' || c->idx == fm.receivers)
    return;
  rep = strtol(d + 1, NULL, 10);
  if (rep == fm.rep && c->last_rep != rep) {
    c->last_rep = rep;
    fm.got++;
  }
}
static int fan_done(void) { return fm.got >= fm.receivers; }
static void fan_closed(struct conn *c) { (void)c; }

static int mode_fanout(void) {
  int n = opt.clients, open = 0;
  double csecs;
  long rss = -1, rows = -1, missing = 0, timeouts = 0;
  struct samples lat = {0};
  uint64_t wait_until;
  conns_alloc(n + 1); /* n receivers and the sender, last */
  on_text = fan_text;
  csecs = connect_many(n + 1, opt.timeout * 0.5);
  on_closed = fan_closed;
  for (int i = 0; i <= n; i++) {
    conns[i].last_rep = -1;
    open += conns[i].state == C_OPEN;
  }
  if (opt.server_pid > 0)
    rss = rss_kb_tree(opt.server_pid);
  print_connect(csecs);
  printf(",\"for\":\"fanout\",\"server_rss_kb\":%ld}\n", rss);
  fflush(stdout);
  /* rows left by earlier runs would turn into 410s: wait until the table holds only ours */
  if (opt.ddb_port > 0) {
    wait_until = now_ns() + 60000000000ull;
    while ((rows = ddb_count(opt.ddb_port, "Connections")) > open && now_ns() < wait_until)
      loop_until(never, now_ns() + 100000000ull);
  }
  fm.receivers = n;
  if (conns[n].state != C_OPEN) {
    json_head("fanout");
    printf(",\"clients\":%d,\"error\":\"the sender could not connect\"}\n", n);
    ws_close_all();
    return 1;
  }
  for (long r = 0; r < opt.warmup_repeats + opt.repeats; r++) {
    char msg[128];
    int len = snprintf(msg, sizeof msg, "{\"action\":\"sendmessage\",\"data\":\"f%ld\"}", r);
    fm.rep = r;
    fm.got = 0;
    for (int i = 0; i < n; i++) /* receivers that are not open can never get it */
      if (conns[i].state != C_OPEN)
        fm.got++;
    fm.t_send = now_ns();
    ws_send(&conns[n], 1, msg, (size_t)len);
    if (loop_until(fan_done, fm.t_send + (uint64_t)(opt.repeat_timeout * 1e9)) != 0) {
      if (r >= opt.warmup_repeats) {
        timeouts++;
        missing += fm.receivers - fm.got;
      }
      /* a late delivery must not count for the next repeat; let the server finish */
      loop_until(never, now_ns() + 500000000ull);
      continue;
    }
    if (r >= opt.warmup_repeats)
      sample_add(&lat, now_ns() - fm.t_send);
    loop_until(never, now_ns() + 20000000ull); /* let the handler return */
  }
  json_head("fanout");
  printf(",\"clients\":%d,\"open\":%d,\"table_rows\":%ld,\"repeats\":%d,\"completed\":%zu,"
         "\"timeouts\":%ld,\"missing_deliveries\":%ld,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
         "\"max_ms\":%.3f}\n",
         n, open, rows, opt.repeats, lat.n, timeouts, missing, pct_ms(&lat, 50),
         pct_ms(&lat, 99), pct_ms(&lat, 100));
  fflush(stdout);
  ws_close_all();
  return 0;
}

/* ------------------------------------------------------------- mode dynamo */

#define PARTS 100
#define PER_PART 10
static struct {
  int op; /* 0 Put 1 Get 2 Query 3 Scan 4 Update 5 PartiQL SELECT by key */
  long done, errors, target;
  int measuring;
  struct samples lat;
  char lasterr[256];
} dm;
static const char *OPS[] = {"PutItem",    "GetItem",   "Query",
                             "Scan",       "UpdateItem", "ExecuteStatement"};
#define NOPS ((int)(sizeof(OPS) / sizeof(OPS[0])))
static const char PAD[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void dyn_send(struct conn *c) {
  char body[1024], req[2048];
  int n = 0, m;
  unsigned long p = rnd() % PARTS, s = rnd() % PER_PART;
  switch (dm.op) {
  case 0:
    n = snprintf(body, sizeof body,
                 "{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"w%016" PRIx64 "\"},"
                 "\"sk\":{\"N\":\"%lu\"},\"data\":{\"S\":\"%s\"},\"n\":{\"N\":\"1\"}}}",
                 opt.table, rnd(), s, PAD);
    break;
  case 1:
    n = snprintf(body, sizeof body,
                 "{\"TableName\":\"%s\",\"Key\":{\"pk\":{\"S\":\"p%03lu\"},\"sk\":{\"N\":\"%lu\"}}}",
                 opt.table, p, s);
    break;
  case 2:
    n = snprintf(body, sizeof body,
                 "{\"TableName\":\"%s\",\"KeyConditionExpression\":\"pk = :p\","
                 "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p%03lu\"}}}",
                 opt.table, p);
    break;
  case 3:
    n = snprintf(body, sizeof body, "{\"TableName\":\"%s\",\"Limit\":100}", opt.table);
    break;
  case 4:
    n = snprintf(body, sizeof body,
                 "{\"TableName\":\"%s\",\"Key\":{\"pk\":{\"S\":\"p%03lu\"},\"sk\":{\"N\":\"%lu\"}},"
                 "\"UpdateExpression\":\"SET n = n + :one\","
                 "\"ConditionExpression\":\"attribute_exists(pk) AND n >= :zero\","
                 "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":zero\":{\"N\":\"0\"}}}",
                 opt.table, p, s);
    break;
  case 5: /* the same read as GetItem, as a PartiQL statement */
    n = snprintf(body, sizeof body,
                 "{\"Statement\":\"SELECT * FROM \\\"%s\\\" WHERE pk = 'p%03lu' AND sk = %lu\"}",
                 opt.table, p, s);
    break;
  }
  m = ddb_request(req, sizeof req, opt.port, OPS[dm.op], body, (size_t)n);
  c->t0 = now_ns();
  c->inflight = 1;
  conn_send(c, req, (size_t)m);
}

static int dyn_stop;
static void dyn_http(struct conn *c, int status, const char *body, size_t len) {
  c->inflight = 0;
  if (status != 200) {
    dm.errors++;
    snprintf(dm.lasterr, sizeof dm.lasterr, "%d %.*s", status, (int)(len > 200 ? 200 : len), body);
    for (char *q = dm.lasterr; *q; q++)
      if (*q == '"' || *q == '\\' || (unsigned char)*q < 32)
        *q = '\'';
  } else {
    dm.done++;
    if (dm.measuring)
      sample_add(&dm.lat, now_ns() - c->t0);
  }
  if (!dyn_stop && dm.done + dm.errors < dm.target)
    dyn_send(c);
}
static void dyn_open(struct conn *c) { dyn_send(c); }
static void dyn_fail(struct conn *c, const char *why) {
  c->inflight = 0;
  dm.errors++;
  snprintf(dm.lasterr, sizeof dm.lasterr, "connection: %s", why);
}
static int dyn_done(void) { return dm.done + dm.errors >= dm.target; }
static int dyn_idle(void) {
  for (int i = 0; i < nconns; i++)
    if (conns[i].inflight)
      return 0;
  return 1;
}

static void dyn_setup(void) {
  char body[8192], resp[65536];
  int st;
  uint64_t until;
  snprintf(body, sizeof body,
           "{\"TableName\":\"%s\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
           "\"AttributeType\":\"S\"},{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],"
           "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},{\"AttributeName\":"
           "\"sk\",\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
           opt.table);
  st = ddb_call(opt.port, "CreateTable", body, resp, sizeof resp);
  if (st != 200 && !strstr(resp, "ResourceInUse"))
    die("CreateTable: %d %s", st, resp);
  snprintf(body, sizeof body, "{\"TableName\":\"%s\"}", opt.table);
  until = now_ns() + 30000000000ull;
  while (now_ns() < until) {
    if (ddb_call(opt.port, "DescribeTable", body, resp, sizeof resp) == 200 &&
        strstr(resp, "\"TableStatus\":\"ACTIVE\""))
      break;
    usleep(20000);
  }
  /* 100 partitions x 10 items, 25 per BatchWriteItem */
  for (int k = 0; k < PARTS * PER_PART; k += 25) {
    size_t o = (size_t)snprintf(body, sizeof body, "{\"RequestItems\":{\"%s\":[", opt.table);
    for (int j = k; j < k + 25; j++)
      o += (size_t)snprintf(body + o, sizeof body - o,
                            "%s{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"p%03d\"},\"sk\":{\"N\":"
                            "\"%d\"},\"data\":{\"S\":\"%s\"},\"n\":{\"N\":\"0\"}}}}",
                            j > k ? "," : "", j / PER_PART, j % PER_PART, PAD);
    snprintf(body + o, sizeof body - o, "]}}");
    if ((st = ddb_call(opt.port, "BatchWriteItem", body, resp, sizeof resp)) != 200)
      die("BatchWriteItem: %d %s", st, resp);
  }
}

static int mode_dynamo(void) {
  uint64_t t0;
  long done;
  double secs;
  long errs_warm;
  dm.op = -1;
  for (int i = 0; i < NOPS; i++)
    if (!strcmp(opt.op, OPS[i]))
      dm.op = i;
  if (dm.op < 0)
    die("--op: one of PutItem GetItem Query Scan UpdateItem ExecuteStatement");
  dyn_setup();
  conns_alloc(opt.conns);
  on_open = dyn_open;
  on_http = dyn_http;
  on_fail = dyn_fail;
  on_closed = NULL;
  /* warm-up: the same requests for opt.warmup seconds */
  dm.target = LONG_MAX;
  for (int i = 0; i < nconns; i++)
    conn_start(&conns[i], K_HTTP);
  loop_until(never, now_ns() + (uint64_t)(opt.warmup * 1e9));
  /* let the requests in flight finish: stop sending, drain */
  dyn_stop = 1;
  loop_until(dyn_idle, now_ns() + 10000000000ull);
  errs_warm = dm.errors;
  run_hook(opt.before_measure);
  /* measurement */
  dyn_stop = 0;
  dm.measuring = 1;
  dm.done = dm.errors = 0;
  dm.target = opt.count;
  t0 = now_ns();
  for (int i = 0; i < nconns; i++)
    if (conns[i].state == C_OPEN)
      dyn_send(&conns[i]);
  loop_until(dyn_done, t0 + (uint64_t)(opt.duration * 1e9));
  secs = (double)(now_ns() - t0) / 1e9;
  done = dm.done;
  if (opt.after_measure) {
    /* Drain, so that the hook sees no request in flight; "served" counts
     * every request the server answered since --before-measure. */
    dyn_stop = 1;
    loop_until(dyn_idle, now_ns() + 10000000000ull);
    run_hook(opt.after_measure);
  }
  json_head("dynamo");
  if (opt.after_measure)
    printf(",\"served\":%ld", dm.done + dm.errors);
  printf(",\"op\":\"%s\",\"conns\":%d,\"ops\":%ld,\"errors\":%ld,\"warmup_errors\":%ld,"
         "\"seconds\":%.3f,\"ops_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f%s%s%s}\n",
         opt.op, opt.conns, done, dm.errors, errs_warm, secs, done / secs,
         pct_ms(&dm.lat, 50), pct_ms(&dm.lat, 99), dm.lasterr[0] ? ",\"last_error\":\"" : "",
         dm.lasterr, dm.lasterr[0] ? "\"" : "");
  fflush(stdout);
  return 0;
}

/* ------------------------------------------------------------- mode stream */

/* The channel chat app (fixtures/channels-app.json): one WebSocket client
 * (in "General" since its $connect), PutItem calls into table Messages as a
 * sendMessage route writes them, and the frames channels.broadcast, the
 * table's stream function, posts to the client. Two phases:
 *   latency: one write at a time; from the PutItem's answer (the commit)
 *            and from its request to the frame;
 *   rate:    --count writes on --conns connections as fast as they are
 *            answered; stream records delivered per second, from the first
 *            write to the last frame. */
static struct {
  int phase; /* 0 latency, 1 rate */
  long next, acked, framed, errors, target;
  uint64_t t_req, t_ack, t_frame;
  char *seen; /* rate: frames received, by write number */
  uint64_t t_last_ack, t_last_frame;
  char lasterr[256];
} sm;

static void stream_put(struct conn *c) {
  char body[1024], req[2048];
  int n, m;
  long k = sm.next++;
  n = snprintf(body, sizeof body,
               "{\"TableName\":\"Messages\",\"Item\":{\"channel\":{\"S\":\"General\"},"
               "\"id\":{\"S\":\"%c%08ld\"},\"type\":{\"S\":\"message\"},\"connectionId\":{\"S\":"
               "\"loadgen\"},\"content\":{\"S\":\"%c%ld\"},\"endpoint\":{\"S\":"
               "\"https://127.0.0.1:%d/dev\"}}}",
               sm.phase ? 'r' : 'l', k, sm.phase ? 'r' : 'l', k, opt.port);
  m = ddb_request(req, sizeof req, opt.port, "PutItem", body, (size_t)n);
  c->inflight = 1;
  if (!sm.phase)
    sm.t_req = now_ns();
  conn_send(c, req, (size_t)m);
}

static void stream_http(struct conn *c, int status, const char *body, size_t len) {
  c->inflight = 0;
  if (status != 200) {
    sm.errors++;
    snprintf(sm.lasterr, sizeof sm.lasterr, "%d %.*s", status, (int)(len > 200 ? 200 : len), body);
    for (char *q = sm.lasterr; *q; q++)
      if (*q == '"' || *q == '\\' || (unsigned char)*q < 32)
        *q = '\'';
    return;
  }
  sm.acked++;
  sm.t_ack = sm.t_last_ack = now_ns();
  if (sm.phase && sm.next < sm.target)
    stream_put(c);
}

static void stream_text(struct conn *c, const char *d, size_t len) {
  const char *p = memfind(d, len, "\"content\":\"");
  long k;
  (void)c;
  if (!p || (p[11] != 'l' && p[11] != 'r'))
    return;
  k = strtol(p + 12, NULL, 10);
  if (p[11] == 'l' && !sm.phase) {
    sm.t_frame = now_ns();
    sm.framed++;
  } else if (p[11] == 'r' && sm.phase && k >= 0 && k < sm.target && !sm.seen[k]) {
    sm.seen[k] = 1;
    sm.framed++;
    sm.t_last_frame = now_ns();
  }
}

static void stream_open(struct conn *c) { (void)c; }
static void stream_fail(struct conn *c, const char *why) {
  c->inflight = 0;
  sm.errors++;
  snprintf(sm.lasterr, sizeof sm.lasterr, "connection: %s", why);
}

static int stream_one_done(void) { return (sm.t_ack && sm.t_frame) || sm.errors; }
static int stream_all_done(void) { return sm.framed >= sm.target || sm.errors; }
static int stream_http_open(void) { return conns[1].state == C_OPEN || conns[1].state == C_FAILED; }

static int mode_stream(void) {
  struct samples from_ack = {0}, from_req = {0};
  long lost = 0, warm = opt.warmup_count;
  uint64_t t0;
  double secs = 0;
  int writers = opt.conns > 0 ? opt.conns : 1;
  conns_alloc(1 + writers);
  on_text = stream_text;
  connect_many(1, 30); /* conns[0]: the subscriber */
  if (conns[0].state != C_OPEN) {
    json_head("stream");
    printf(",\"error\":\"the WebSocket client could not connect\"}\n");
    return 1;
  }
  on_http = stream_http;
  on_open = stream_open;
  on_fail = stream_fail;
  on_closed = NULL;
  for (int i = 1; i <= writers; i++)
    conn_start(&conns[i], K_HTTP);
  loop_until(stream_http_open, now_ns() + 5000000000ull);
  /* latency: one write at a time (the first --warmup-count are not measured) */
  for (long i = 0; i < warm + opt.repeats && !sm.errors; i++) {
    sm.t_ack = sm.t_frame = 0;
    sm.framed = 0;
    stream_put(&conns[1]);
    if (loop_until(stream_one_done, now_ns() + (uint64_t)(opt.repeat_timeout * 1e9)) != 0) {
      lost += i >= warm;
      loop_until(never, now_ns() + 200000000ull);
      continue;
    }
    if (i >= warm) {
      sample_add(&from_req, sm.t_frame - sm.t_req);
      /* the frame may come before the answer: the stream is read at the commit */
      sample_add(&from_ack, sm.t_frame > sm.t_ack ? sm.t_frame - sm.t_ack : 0);
    }
  }
  /* rate: --count writes through the mapping */
  sm.phase = 1;
  sm.next = sm.acked = sm.framed = 0;
  sm.target = opt.count;
  sm.seen = calloc((size_t)opt.count + 1, 1);
  if (!sm.seen)
    die("out of memory");
  t0 = now_ns();
  for (int i = 1; i <= writers && sm.next < sm.target; i++)
    if (conns[i].state == C_OPEN)
      stream_put(&conns[i]);
  loop_until(stream_all_done, t0 + (uint64_t)(opt.duration * 1e9));
  if (sm.t_last_frame > t0)
    secs = (double)(sm.t_last_frame - t0) / 1e9;
  json_head("stream");
  printf(",\"latency_writes\":%d,\"latency_lost\":%ld,\"ack_to_frame_p50_ms\":%.3f,"
         "\"ack_to_frame_p99_ms\":%.3f,\"put_to_frame_p50_ms\":%.3f,\"put_to_frame_p99_ms\":%.3f,"
         "\"writers\":%d,\"writes\":%ld,\"acked\":%ld,\"delivered\":%ld,\"errors\":%ld,"
         "\"seconds\":%.3f,\"records_per_s\":%.1f,\"writes_per_s\":%.1f,\"lag_ms\":%.1f%s%s%s}\n",
         opt.repeats, lost, pct_ms(&from_ack, 50), pct_ms(&from_ack, 99), pct_ms(&from_req, 50),
         pct_ms(&from_req, 99), writers, sm.next, sm.acked, sm.framed, sm.errors, secs,
         secs > 0 ? (double)sm.framed / secs : 0,
         sm.t_last_ack > t0 ? (double)sm.acked / ((double)(sm.t_last_ack - t0) / 1e9) : 0,
         sm.t_last_frame > sm.t_last_ack ? (double)(sm.t_last_frame - sm.t_last_ack) / 1e6 : 0,
         sm.lasterr[0] ? ",\"last_error\":\"" : "", sm.lasterr, sm.lasterr[0] ? "\"" : "");
  fflush(stdout);
  free(sm.seen);
  ws_close_all();
  return 0;
}

/* ----------------------------------------------------------- mode mktable */

/* Creates table --table with a string hash key "id" (the chat app's Connections) */
static int mode_mktable(void) {
  char body[1024], resp[8192];
  int st;
  snprintf(body, sizeof body,
           "{\"TableName\":\"%s\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
           "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":"
           "\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
           opt.table);
  st = ddb_call(opt.port, "CreateTable", body, resp, sizeof resp);
  if (st != 200 && !strstr(resp, "ResourceInUse")) {
    fprintf(stderr, "loadgen: CreateTable: %d %s\n", st, resp);
    return 1;
  }
  return 0;
}

/* ------------------------------------------------------------ mode startup */

static int st_done_flag;
static void st_open(struct conn *c) {
  st_done_flag = 1;
  conn_close(c, C_CLOSED);
}
static void st_fail(struct conn *c, const char *why) {
  (void)c;
  (void)why;
}
static int st_resolved(void) { return st_done_flag || conns[0].state == C_FAILED; }

static int mode_startup(void) {
  int pipefd[2], pid, status;
  uint64_t t0, deadline, t_ready = 0;
  char out[8192];
  size_t outn = 0;
  long rss = -1;
  if (!opt.cmd || !opt.cmd[0])
    die("startup: -- COMMAND ARGS... missing");
  if (pipe2(pipefd, O_CLOEXEC) != 0)
    die("pipe");
  t0 = now_ns();
  pid = fork();
  if (pid == 0) {
    setsid();
    dup2(pipefd[1], 1);
    int dn = open("/dev/null", O_RDWR);
    dup2(dn, 0);
    execvp(opt.cmd[0], opt.cmd);
    _exit(127);
  }
  close(pipefd[1]);
  fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
  deadline = t0 + (uint64_t)(opt.timeout * 1e9);
  conns_alloc(1);
  on_open = st_open;
  on_fail = st_fail;
  on_text = cm_ignore_text;
  while (now_ns() < deadline) {
    ssize_t r;
    if (outn > sizeof out / 2) { /* keep the tail; the child must never block on the pipe */
      memmove(out, out + outn - 1024, 1024);
      outn = 1024;
    }
    r = read(pipefd[0], out + outn, sizeof out - 1 - outn);
    if (r > 0) {
      outn += (size_t)r;
      out[outn] = 0;
    }
    if (opt.port <= 0) { /* wsgw's banner names the port */
      const char *p = strstr(out, "ready on http://127.0.0.1:");
      if (p)
        opt.port = atoi(p + 26);
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      break;
    }
    if (opt.port > 0) {
      target.sin_port = htons((uint16_t)opt.port);
      st_done_flag = 0;
      conn_start(&conns[0], K_WS);
      loop_until(st_resolved, now_ns() + 1000000000ull);
      if (conns[0].fd >= 0)
        conn_close(&conns[0], C_CLOSED);
      if (st_done_flag) {
        t_ready = now_ns();
        break;
      }
    }
    {
      struct pollfd pf = {.fd = pipefd[0], .events = POLLIN};
      poll(&pf, 1, opt.port > 0 ? 2 : 1);
    }
  }
  if (t_ready && pid > 0) {
    usleep((useconds_t)opt.rss_delay_ms * 1000);
    rss = rss_kb_tree(pid);
  }
  if (pid > 0) {
    uint64_t until = now_ns() + 10000000000ull;
    kill(-pid, SIGTERM);
    while (waitpid(pid, &status, WNOHANG) == 0 && now_ns() < until)
      usleep(10000);
    if (now_ns() >= until) {
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    kill(-pid, SIGKILL); /* the rest of its group, if any */
  }
  close(pipefd[0]);
  json_head("startup");
  if (t_ready)
    printf(",\"ready_ms\":%.2f,\"idle_rss_kb\":%ld}\n", (double)(t_ready - t0) / 1e6, rss);
  else
    printf(",\"error\":\"not ready within %.0f s\"}\n", opt.timeout);
  fflush(stdout);
  return t_ready ? 0 : 1;
}

/* ------------------------------------------------------------- mode fsync */

/* What one durable LMDB commit waits for: a page write, then fdatasync.
 * Overwrites the same 16 pages of a 64 KB file in turn, as a commit's
 * copy-on-write pages land in an already allocated file. */
static int mode_fsync(void) {
  char path[PATH_MAX], page[4096];
  struct samples lat = {0};
  uint64_t t0, end, t;
  long n = 0;
  int fd, i;

  if (!opt.path || !*opt.path)
    die("fsync: --path DIR is required");
  snprintf(path, sizeof path, "%s/loadgen-fsync.tmp", opt.path);
  fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    die("fsync: cannot open %s: %s", path, strerror(errno));
  memset(page, 'x', sizeof page);
  for (i = 0; i < 16; i++)
    if (pwrite(fd, page, sizeof page, (off_t)i * 4096) != (ssize_t)sizeof page)
      die("fsync: write failed");
  fdatasync(fd);
  t0 = now_ns();
  end = t0 + (uint64_t)(opt.duration * 1e9);
  while ((t = now_ns()) < end) {
    page[0] = (char)n;
    if (pwrite(fd, page, sizeof page, (off_t)(n % 16) * 4096) != (ssize_t)sizeof page ||
        fdatasync(fd) != 0)
      die("fsync: %s", strerror(errno));
    sample_add(&lat, now_ns() - t);
    n++;
  }
  close(fd);
  unlink(path);
  json_head("fsync");
  printf(",\"syncs\":%ld,\"seconds\":%.3f,\"syncs_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", n,
         (double)(now_ns() - t0) / 1e9, (double)n / ((double)(now_ns() - t0) / 1e9),
         pct_ms(&lat, 50), pct_ms(&lat, 99));
  fflush(stdout);
  free(lat.v);
  return 0;
}

/* ------------------------------------------------------------------- main */

static void on_alarm(int sig) {
  static const char msg[] = "{\"mode\":\"timeout\",\"error\":\"hard time limit reached\"}\n";
  (void)sig;
  if (write(1, msg, sizeof msg - 1) < 0) {
  }
  _exit(3);
}

int main(int argc, char **argv) {
  if (argc < 2)
    die("usage: loadgen dynamo|connect|echo|fanout|stream|startup [options] (see the source)");
  opt.mode = argv[1];
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--")) {
      opt.cmd = argv + i + 1;
      break;
    }
    if (!v)
      die("%s needs a value", a);
    i++;
    if (!strcmp(a, "--port")) opt.port = atoi(v);
    else if (!strcmp(a, "--ddb-port")) opt.ddb_port = atoi(v);
    else if (!strcmp(a, "--op")) opt.op = v;
    else if (!strcmp(a, "--path")) opt.path = v;
    else if (!strcmp(a, "--label")) opt.label = v;
    else if (!strcmp(a, "--before-measure")) opt.before_measure = v;
    else if (!strcmp(a, "--after-measure")) opt.after_measure = v;
    else if (!strcmp(a, "--table")) opt.table = v;
    else if (!strcmp(a, "--action")) opt.action = v;
    else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
    else if (!strcmp(a, "--clients")) opt.clients = atoi(v);
    else if (!strcmp(a, "--inflight")) opt.inflight = atoi(v);
    else if (!strcmp(a, "--connect-inflight")) opt.connect_inflight = atoi(v);
    else if (!strcmp(a, "--handshake-timeout")) opt.handshake_timeout = atof(v);
    else if (!strcmp(a, "--repeats")) opt.repeats = atoi(v);
    else if (!strcmp(a, "--warmup-repeats")) opt.warmup_repeats = atoi(v);
    else if (!strcmp(a, "--server-pid")) opt.server_pid = atoi(v);
    else if (!strcmp(a, "--warmup")) opt.warmup = atof(v);
    else if (!strcmp(a, "--duration")) opt.duration = atof(v);
    else if (!strcmp(a, "--hold")) opt.hold = atof(v);
    else if (!strcmp(a, "--timeout")) opt.timeout = atof(v);
    else if (!strcmp(a, "--repeat-timeout")) opt.repeat_timeout = atof(v);
    else if (!strcmp(a, "--count")) opt.count = atol(v);
    else if (!strcmp(a, "--warmup-count")) opt.warmup_count = atol(v);
    else if (!strcmp(a, "--rss-delay-ms")) opt.rss_delay_ms = atol(v);
    else if (!strcmp(a, "--seed")) opt.seed = strtoull(v, NULL, 10);
    else die("unknown option %s", a);
  }
  rng_state = opt.seed ? opt.seed : 42;
  quickack = getenv("LOADGEN_QUICKACK") && atoi(getenv("LOADGEN_QUICKACK"));
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, on_alarm);
  alarm((unsigned)opt.timeout + 5);
  ep = epoll_create1(EPOLL_CLOEXEC);
  memset(&target, 0, sizeof target);
  target.sin_family = AF_INET;
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  target.sin_port = htons((uint16_t)opt.port);
  if (!strcmp(opt.mode, "startup"))
    return mode_startup();
  if (!strcmp(opt.mode, "fsync"))
    return mode_fsync();
  if (opt.port <= 0)
    die("--port is required");
  if (!strcmp(opt.mode, "mktable"))
    return mode_mktable();
  if (!strcmp(opt.mode, "dynamo"))
    return mode_dynamo();
  if (!strcmp(opt.mode, "connect"))
    return mode_connect();
  if (!strcmp(opt.mode, "echo"))
    return mode_echo();
  if (!strcmp(opt.mode, "fanout"))
    return mode_fanout();
  if (!strcmp(opt.mode, "stream"))
    return mode_stream();
  die("unknown mode %s", opt.mode);
  return 2;
}
