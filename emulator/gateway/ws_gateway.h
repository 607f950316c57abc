/*
 * ws_gateway.h - the client-facing WebSocket endpoint ws://HOST:PORT/{stage}:
 * civetweb's websocket callbacks turned into API Gateway's pipeline
 * ($connect -> messages routed by the selection expression -> $disconnect).
 *
 * Threading: civetweb runs each connection's callbacks on the one worker
 * thread that owns the socket; handlers run synchronously there. Other
 * threads reach a connection only through ws_registry.
 */
#ifndef WS_GATEWAY_H
#define WS_GATEWAY_H

#include <pthread.h>

struct emu;
struct mg_context;
struct mg_connection;

/* Registers the callbacks for every path ("**"); the stage is checked in the
 * connect callback. */
void ws_gateway_register(struct emu *emu, struct mg_context *ctx);
/* Server shutdown: closes every open connection with 1001 "Going away".
 * Its writes may block on clients that do not read: emu_server_stop runs it
 * on a thread of its own and shuts the sockets down after a grace period. */
void ws_gateway_close_all(struct emu *emu);
/* For civetweb's connection_close callback (every connection, on its
 * worker): a WebSocket connection that $connect accepted but whose
 * handshake civetweb then failed is unregistered and gets its $disconnect
 * (1006). Does nothing for any other connection. */
void ws_gateway_connection_close(struct emu *emu, const struct mg_connection *conn);

/* The watchdog's state (struct emu holds one; only this module touches it). */
struct ws_watchdog {
  pthread_t thread;
  pthread_mutex_t lock; /* guards stop */
  pthread_cond_t cond;
  int stop;
  int running;
};

/* The thread that enforces the idle and maximum-duration timeouts and ends
 * connections whose clients ignore a close. */
int ws_gateway_start_watchdog(struct emu *emu);
void ws_gateway_stop_watchdog(struct emu *emu);

#endif
