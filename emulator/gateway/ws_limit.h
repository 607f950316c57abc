/*
 * ws_limit.h - the --max-connections cap on concurrent WebSockets.
 *
 * civetweb serves every socket on a worker thread of one fixed pool, and a
 * WebSocket holds its worker for its whole life. emu_server sizes the pool
 * as max_connections + WS_LIMIT_HTTP_RESERVE: WebSockets may hold at most
 * max_connections workers (one *slot* each), so the reserve always serves
 * HTTP (health, DynamoDB, @connections, /_wsgw) and refuses the handshakes
 * beyond the cap, quickly, with 429 and a JSON body naming the limit.
 *
 * Invariants: slots held == WebSockets being handshaken or open <= max.
 * A worker takes its slot at the top of the gateway's connect callback and
 * gives it back in civetweb's connection_close callback (which runs for
 * every connection, on the same worker thread, also after a failed
 * handshake), so a slot is released exactly once. Which worker holds a slot
 * is thread-local state; nothing else in this file is global.
 * Ownership: struct ws_limit belongs to struct emu (ws_limit_new/free).
 * Threading: admit and release run on civetweb workers; counters are
 * atomics, read by /_wsgw/stats from any thread.
 */
#ifndef WS_LIMIT_H
#define WS_LIMIT_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Workers that WebSockets can never take: HTTP requests, and the
 * handshakes that are refused because the cap is reached, run on them. */
#define WS_LIMIT_HTTP_RESERVE 32
/* The largest cap: civetweb starts at most 65536 workers. */
#define WS_LIMIT_MAX (65536 - WS_LIMIT_HTTP_RESERVE)
/* Refusals less than this far apart form one burst, logged once. */
#define WS_LIMIT_BURST_QUIET_MS 10000

struct ws_limit;

struct ws_limit *ws_limit_new(int max_connections);
void ws_limit_free(struct ws_limit *l);

/* At the top of the WebSocket connect callback, before anything else.
 * Returns 1 when this worker holds a slot (the handshake may go on), or 0
 * when the cap is reached: the caller refuses the handshake with 429 and
 * ws_limit_refusal_body. The first refusal of a burst logs one warning
 * naming --max-connections and its value. */
int ws_limit_admit(struct ws_limit *l);
/* The refusal's JSON body, naming the limit, into buf (cap bytes); returns
 * its length (0 if it did not fit). */
size_t ws_limit_refusal_body(const struct ws_limit *l, char *buf, size_t cap);
/* civetweb's connection_close callback: gives back the slot this worker
 * holds, if any. */
void ws_limit_connection_closed(void);

/* {"maxConnections", "webSockets" (slots held), "refused"}: a new object. */
cJSON *ws_limit_stats(const struct ws_limit *l);

#endif
