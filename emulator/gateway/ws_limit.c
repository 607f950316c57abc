/*
 * ws_limit.c - the --max-connections cap on concurrent WebSockets (see
 * ws_limit.h).
 */
#include "ws_limit.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emu_log.h"
#include "emu_time.h"

struct ws_limit {
  int max;                   /* read-only */
  atomic_int held;           /* slots held */
  atomic_llong refused;      /* handshakes refused since start */
  atomic_llong last_refusal; /* monotonic ms of the last refusal; 0: none */
};

/* The limit whose slot this worker thread holds, or NULL. A worker serves
 * one connection at a time, and connection_close runs on it. */
static _Thread_local struct ws_limit *slot_of_thread;

struct ws_limit *ws_limit_new(int max_connections) {
  struct ws_limit *l = calloc(1, sizeof(*l));

  if (l)
    l->max = max_connections;
  return l;
}

void ws_limit_free(struct ws_limit *l) {
  free(l);
}

/* Counts a refusal; the first of a burst logs one line. */
static void refuse(struct ws_limit *l) {
  int held = atomic_load(&l->held);
  int64_t now = emu_time_mono_ms(), last = atomic_exchange(&l->last_refusal, now);

  atomic_fetch_add(&l->refused, 1);
  if (last == 0 || now - last >= WS_LIMIT_BURST_QUIET_MS)
    emu_log_warn("ws",
                 "WebSocket handshake refused with 429: %d WebSockets are open, the limit set by "
                 "--max-connections %d; raise it to accept more (README, \"Limits\")",
                 held, l->max);
}

int ws_limit_admit(struct ws_limit *l) {
  int held;

  /* One connection holds one slot, whatever it asks (civetweb closes a
   * connection after any upgrade request, accepted or not). */
  if (slot_of_thread == l)
    return 1;
  held = atomic_load(&l->held);
  do {
    if (held >= l->max) {
      refuse(l);
      return 0;
    }
  } while (!atomic_compare_exchange_weak(&l->held, &held, held + 1));
  slot_of_thread = l;
  return 1;
}

size_t ws_limit_refusal_body(const struct ws_limit *l, char *buf, size_t cap) {
  /* DEVIATION: AWS has no per-API cap on concurrent connections (SPEC
   * docs/spec/apigw-websocket.md 6: "Concurrent connections: no quota"); wsgw serves
   * each WebSocket on a worker thread, so it caps them and refuses the
   * handshake beyond the cap with 429, AWS's status for its other limits
   * (SPEC docs/spec/apigw-websocket.md 7: LimitExceededException 429). */
  int n = snprintf(buf, cap,
                   "{\"message\":\"Too Many Requests\",\"limit\":\"--max-connections\","
                   "\"maxConnections\":%d}",
                   l->max);
  return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

void ws_limit_connection_closed(void) {
  struct ws_limit *l = slot_of_thread;

  if (l) {
    slot_of_thread = NULL;
    atomic_fetch_sub(&l->held, 1);
  }
}

cJSON *ws_limit_stats(const struct ws_limit *l) {
  cJSON *o = cJSON_CreateObject();

  cJSON_AddNumberToObject(o, "maxConnections", l->max);
  cJSON_AddNumberToObject(o, "webSockets", atomic_load(&l->held));
  cJSON_AddNumberToObject(o, "refused", (double)atomic_load(&l->refused));
  return o;
}
