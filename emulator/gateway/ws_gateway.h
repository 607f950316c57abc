/*
 * ws_gateway.h - the client-facing WebSocket endpoint ws://HOST:PORT/{stage}:
 * civetweb's websocket callbacks turned into API Gateway's pipeline
 * ($connect -> messages routed by the selection expression -> $disconnect).
 *
 * struct ws_gateway is the gateway's context (the civetweb callbacks' and
 * connections_api's): the current deployment, the Lambda runtime, the
 * registry and limits, the watchdog. emu_server owns one inside struct emu
 * and fills it at start; the gateway never sees struct emu (layers: the
 * server is above the gateway).
 *
 * Threading: civetweb runs each connection's callbacks on the one worker
 * thread that owns the socket; handlers run synchronously there. Other
 * threads reach a connection only through ws_registry.
 */
#ifndef WS_GATEWAY_H
#define WS_GATEWAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lambda_invoke.h"
#include "ws_deployment.h"

struct mg_context;
struct mg_connection;
struct ws_registry;
struct ws_limit;
struct emu_guard;
struct aws_sigv4_key;

/* The watchdog's state (only ws_gateway.c touches it). */
struct ws_watchdog {
  pthread_t thread;
  pthread_mutex_t lock; /* guards stop */
  pthread_cond_t cond;
  int stop;
  int running;
};

struct ws_gateway {
  struct ws_deployment_slot deployed; /* the current config, compiled and resolved */
  struct lambda_runtime lambda;       /* invocations (its faults and invokers too) */
  struct ws_registry *registry;
  struct ws_limit *limits; /* the --max-connections cap (atomics) */
  struct emu_guard *guard; /* head budget and frame cap counters (atomics) */
  /* --auth sigv4: the key pairs @connections requests must be signed with
   * (aws_sigv4.h), or NULL; borrowed from struct emu. */
  const struct aws_sigv4_key *auth_keys;
  size_t nauth_keys;
  char domain_name[96];     /* "127.0.0.1:PORT": requestContext.domainName */
  char tls_domain_name[96]; /* "127.0.0.1:TLSPORT" */
  int tls_port;             /* 0 when there is no TLS listener */
  int64_t idle_timeout_ms;
  int64_t max_duration_ms;
  atomic_int stopping; /* set at the start of emu_server_stop */
  atomic_int ending;   /* connections between unregistering and the end of their
                          $disconnect (the server's stop waits for 0) */
  struct ws_watchdog watchdog;
};

/* Registers the callbacks for every path ("**"); the stage is checked in the
 * connect callback. */
void ws_gateway_register(struct ws_gateway *gw, struct mg_context *ctx);
/* Server shutdown: closes every open connection with 1001 "Going away".
 * Its writes may block on clients that do not read: emu_server_stop runs it
 * on a thread of its own and shuts the sockets down after a grace period. */
void ws_gateway_close_all(struct ws_gateway *gw);
/* For civetweb's connection_close callback (every connection, on its
 * worker): a WebSocket connection that $connect accepted but whose
 * handshake civetweb then failed is unregistered and gets its $disconnect
 * (1006). Does nothing for any other connection. */
void ws_gateway_connection_close(struct ws_gateway *gw, const struct mg_connection *conn);
/* 1 when a client may send `code` in a close frame (RFC 6455 7.4), else 0:
 * the connection then fails with 1002. */
int ws_gateway_close_code_valid(int code);

/* The thread that enforces the idle and maximum-duration timeouts and ends
 * connections whose clients ignore a close. */
int ws_gateway_start_watchdog(struct ws_gateway *gw);
void ws_gateway_stop_watchdog(struct ws_gateway *gw);

#endif
