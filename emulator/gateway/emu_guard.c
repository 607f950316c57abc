/*
 * emu_guard.c - limits on what civetweb reads from a client (see
 * emu_guard.h): the request-head budget and the WebSocket frame cap, on
 * top of a recv(2) that civetweb's calls bind to.
 */
/* RTLD_NEXT; and recv must be the plain function, not a fortify wrapper. */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE
#include "emu_guard.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "apigw_errors.h"
#include "emu_log.h"
#include "emu_time.h"
#include "ws_registry.h"

struct emu_guard {
  atomic_llong head_timeouts;  /* heads cut off or timed out */
  atomic_llong frames_refused; /* WebSockets closed with 1009 or 1002 by the guard */
};

enum phase { PHASE_NONE = 0, PHASE_HEAD, PHASE_FRAMES };

/* What this worker thread is reading (see the phases in emu_guard.h). */
struct guard_thread {
  enum phase phase;
  struct emu_guard *g;
  /* PHASE_HEAD */
  int64_t head_start_ms; /* monotonic ms when the worker began waiting for it */
  int64_t head_first_ms; /* monotonic ms of the head's first byte; 0: none yet */
  int requests;          /* heads read on this connection */
  int head_cut;          /* the guard cut this head (already counted) */
  int head_end;          /* bytes of the blank line ending the head matched so far */
  int head_extra;        /* bytes followed the head's end in the same read */
  /* PHASE_FRAMES */
  struct ws_conn *c;
  unsigned char hdr[14]; /* the frame header being read */
  unsigned hlen, need;   /* its bytes so far, and its full length once known */
  uint64_t skip;         /* payload bytes of the current frame still to come */
  uint64_t undelivered;  /* bytes read since the last delivered frame */
  int unaligned;         /* frame bytes came with the handshake: no mask check */
  int refused;           /* 1: refusal pending (bytes before it delivered); 2: done */
  enum apigw_close why;  /* the refusal's close code: TOO_BIG or PROTOCOL_ERROR */
};

static _Thread_local struct guard_thread t;

struct emu_guard *emu_guard_new(void) {
  return calloc(1, sizeof(struct emu_guard));
}

void emu_guard_free(struct emu_guard *g) {
  free(g);
}

void emu_guard_connection_start(struct emu_guard *g) {
  memset(&t, 0, sizeof(t));
  emu_guard_head_start(g);
}

void emu_guard_head_start(struct emu_guard *g) {
  t.phase = PHASE_HEAD;
  t.g = g;
  t.head_start_ms = emu_time_mono_ms();
  t.head_first_ms = 0;
  t.head_cut = 0;
  t.head_end = 0;
  t.head_extra = 0;
}

/* Follows a head's bytes to its end (CR LF CR LF) and notes whether more
 * bytes came in the same read: civetweb keeps those, and for a WebSocket
 * they are frames the guard never sees. */
static void head_bytes(const unsigned char *p, long n) {
  static const char end[] = "\r\n\r\n";

  for (long i = 0; i < n; i++) {
    if (p[i] == (unsigned char)end[t.head_end])
      t.head_end++;
    else
      t.head_end = p[i] == '\r' ? 1 : 0;
    if (t.head_end == 4) {
      t.head_end = 0;
      t.head_extra = i + 1 < n;
    }
  }
}

void emu_guard_head_done(void) {
  if (t.phase == PHASE_HEAD) {
    t.phase = PHASE_NONE;
    t.requests++;
  }
}

void emu_guard_connection_closed(void) {
  /* A keep-alive connection that sent nothing more is normal; a new one
   * that sent nothing held its worker until civetweb's timeout. */
  if (t.phase == PHASE_HEAD && !t.requests && !t.head_first_ms &&
      emu_time_mono_ms() - t.head_start_ms >= EMU_GUARD_REQUEST_TIMEOUT_MS - 500)
    atomic_fetch_add(&t.g->head_timeouts, 1);
  memset(&t, 0, sizeof(t));
}

void emu_guard_http_error(int status) {
  /* civetweb answers 400 "Malformed message" when request_timeout_ms ran
   * out on a partial head (or the client gave up on one). */
  if (t.phase == PHASE_HEAD && status == 400 && !t.head_cut && t.head_first_ms &&
      emu_time_mono_ms() - t.head_first_ms > EMU_GUARD_HEAD_BUDGET_MS)
    atomic_fetch_add(&t.g->head_timeouts, 1);
}

void emu_guard_ws_open(struct emu_guard *g, struct ws_conn *c) {
  /* DEVIATION: RFC 6455 5.1 fails an unmasked client frame with 1002, and
   * the guard does from its header; but frame bytes a client sent in the
   * same read as its handshake were taken by civetweb before this phase
   * (which cannot be changed from outside civetweb), so the guard cannot
   * tell where the next header starts, and checks no mask bits on that
   * connection (lengths are still bounded by EMU_GUARD_MAX_UNDELIVERED). */
  int unaligned = t.head_extra;

  memset(&t, 0, sizeof(t));
  t.unaligned = unaligned;
  t.phase = PHASE_FRAMES;
  t.g = g;
  t.c = c;
  t.need = 2;
}

void emu_guard_ws_frame(void) {
  t.undelivered = 0;
}

void emu_guard_ws_closed(void) {
  if (t.phase == PHASE_FRAMES) {
    t.phase = PHASE_NONE;
    t.c = NULL;
  }
}

/* Follows the frame headers through n bytes of the stream. Returns -1, or
 * the offset in p of the header of a frame to refuse (0 when that header
 * began in an earlier read), with t.why set: an unmasked frame
 * (PROTOCOL_ERROR) or one longer than EMU_GUARD_MAX_FRAME (TOO_BIG). */
static long scan_frames(const unsigned char *p, long n) {
  long i = 0;

  while (i < n) {
    if (t.skip) {
      uint64_t take = t.skip < (uint64_t)(n - i) ? t.skip : (uint64_t)(n - i);
      t.skip -= take;
      i += (long)take;
      continue;
    }
    t.hdr[t.hlen++] = p[i++];
    /* RFC 6455 5.2: 7-bit length, or 126 + 16 bits, or 127 + 64 bits,
     * then a 4-byte mask when the mask bit is set. */
    if (t.hlen == 2) {
      unsigned l7 = t.hdr[1] & 127u;
      /* RFC 6455 5.1: a server closes the connection on a frame that is
       * not masked (civetweb 1.15 reads both kinds, and its data callback
       * is not told which this was). */
      if (!(t.hdr[1] & 128u) && !t.unaligned) {
        long start = i - 2;
        t.hlen = 0;
        t.why = APIGW_CLOSE_PROTOCOL_ERROR;
        return start > 0 ? start : 0;
      }
      t.need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + ((t.hdr[1] & 128u) ? 4 : 0);
    }
    if (t.hlen >= 2 && t.hlen == t.need) {
      unsigned l7 = t.hdr[1] & 127u;
      uint64_t len = l7;
      long start = i - (long)t.hlen;
      if (l7 == 126)
        len = ((uint64_t)t.hdr[2] << 8) | t.hdr[3];
      else if (l7 == 127) {
        len = 0;
        for (int k = 2; k < 10; k++)
          len = (len << 8) | t.hdr[k];
      }
      t.hlen = 0;
      t.need = 2;
      if (len > EMU_GUARD_MAX_FRAME) {
        t.why = APIGW_CLOSE_TOO_BIG;
        return start > 0 ? start : 0;
      }
      t.skip = len;
    }
  }
  return -1;
}

/* The refusal, counted once: close 1009 (SPEC docs/spec/apigw-websocket.md 6: a
 * frame over 32 KB closes with 1009) or 1002 (RFC 6455 5.1: an unmasked
 * client frame fails the connection; 7.4.1: 1002 is a protocol error). */
static void refuse_frame(void) {
  t.refused = 2;
  atomic_fetch_add(&t.g->frames_refused, 1);
  if (t.c) {
    if (t.why == APIGW_CLOSE_PROTOCOL_ERROR)
      emu_log_info("ws", "%s: an unmasked frame: closed with 1002 before it was read", t.c->id);
    else
      emu_log_info("ws", "%s: a frame over %d bytes: closed with 1009 before it was read", t.c->id,
                   EMU_GUARD_MAX_FRAME);
    ws_registry_close(t.c, apigw_close_code(t.why), apigw_close_reason(t.why));
  }
}

static long after_frames_read(int fd, const unsigned char *p, long n) {
  long cut;

  if (t.refused) {
    if (t.refused == 1)
      refuse_frame();
    return 0;
  }
  if (n <= 0)
    return n;
  cut = scan_frames(p, n);
  t.undelivered += (uint64_t)n;
  /* Whatever the headers seemed to say (bytes civetweb buffered with the
   * handshake are not seen here), civetweb never reads this much between
   * two frames of legal size. */
  if (cut < 0 && t.undelivered > EMU_GUARD_MAX_UNDELIVERED) {
    t.why = APIGW_CLOSE_TOO_BIG;
    cut = 0;
  }
  if (cut < 0)
    return n;
  if (cut == 0) {
    refuse_frame();
    return 0;
  }
  /* The frames before the refused header are delivered first; the read
   * side is shut so that civetweb's next read comes at once and ends the
   * connection (after the close frame). */
  t.refused = 1;
  shutdown(fd, SHUT_RD);
  return cut;
}

long emu_guard_after_read(int fd, const void *buf, long n) {
  switch (t.phase) {
  case PHASE_HEAD:
    if (n > 0) {
      int64_t now = emu_time_mono_ms();
      if (!t.head_first_ms) {
        t.head_first_ms = now;
      } else if (now - t.head_first_ms > EMU_GUARD_HEAD_BUDGET_MS) {
        t.head_cut = 1;
        t.phase = PHASE_NONE;
        atomic_fetch_add(&t.g->head_timeouts, 1);
        emu_log_info("http", "a request head still incomplete %d ms after its first byte: cut off",
                     EMU_GUARD_HEAD_BUDGET_MS);
        return 0;
      }
      head_bytes(buf, n);
    }
    return n;
  case PHASE_FRAMES:
    return after_frames_read(fd, buf, n);
  default:
    return n;
  }
}

typedef ssize_t recv_fn(int, void *, size_t, int);

static _Atomic(recv_fn *) real_recv;

static ssize_t recv_syscall(int fd, void *buf, size_t len, int flags) {
  return syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

/* The recv(2) civetweb calls: the real one, then the guard of this
 * thread's phase. */
ssize_t recv(int fd, void *buf, size_t len, int flags) {
  recv_fn *fn = atomic_load_explicit(&real_recv, memory_order_relaxed);
  ssize_t n;

  if (!fn) {
    void *sym = dlsym(RTLD_NEXT, "recv");
    if (sym)
      memcpy(&fn, &sym, sizeof(fn));
    else
      fn = recv_syscall;
    atomic_store_explicit(&real_recv, fn, memory_order_relaxed);
  }
  n = fn(fd, buf, len, flags);
  if (t.phase == PHASE_NONE || (flags & MSG_PEEK))
    return n;
  return (ssize_t)emu_guard_after_read(fd, buf, (long)n);
}

void emu_guard_stats(const struct emu_guard *g, cJSON *o) {
  cJSON_AddNumberToObject(o, "headTimeouts", (double)atomic_load(&g->head_timeouts));
  cJSON_AddNumberToObject(o, "framesRefused", (double)atomic_load(&g->frames_refused));
}
