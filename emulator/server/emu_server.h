/*
 * emu_server.h - one emulator instance: the civetweb server on one port,
 * the WebSocket gateway, @connections, and the DynamoDB API.
 *
 * struct emu is the context passed explicitly to every module (there is no
 * global state). Its fields are set during emu_server_start and read-only
 * afterwards, except where a field says otherwise; the mutable parts (the
 * connection registry, the store) carry their own locks.
 * Lifecycle: emu_server_start -> serve -> emu_server_stop (closes every
 * connection with 1001 "Going away", runs $disconnect, closes LMDB, removes
 * an --in-memory directory).
 */
#ifndef EMU_SERVER_H
#define EMU_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>

#include "emu_config.h"
#include <wsgw/handler.h>

struct ws_registry;
struct ws_route_expr;
struct ws_access_log;
struct emu_faults;
struct emu_invocations;
struct lambda_pool;
struct dynamo;
struct dynamo_ttl_sweeper;
struct mg_context;
struct ws_limit;
struct emu_guard;

#define EMU_DEFAULT_MAX_CONNECTIONS 200
/* SPEC docs/spec/apigw-websocket.md 6: idle connection timeout 10 min; connection
 * duration 2 h. */
#define EMU_DEFAULT_IDLE_TIMEOUT_MS (10 * 60 * 1000)
#define EMU_DEFAULT_MAX_DURATION_MS (2 * 60 * 60 * 1000)

struct emu_options {
  const char *host;         /* default 127.0.0.1 */
  int port;                 /* 0 picks a free port */
  const char *data_dir;     /* NULL: the per-user default, unless in_memory */
  int in_memory;            /* a temporary data directory removed at stop; nothing synced */
  int max_connections;      /* concurrent WebSockets; the pool has WS_LIMIT_HTTP_RESERVE more workers */
  int no_sync;              /* LMDB without fsync per commit (faster, not durable) */
  int tls_port;             /* wss:// and https:// listener; -1: none; 0: a free port */
  const char *tls_cert;     /* PEM certificate, or NULL: self-signed in the data dir */
  const char *tls_key;      /* PEM private key (with tls_cert) */
  int idle_timeout_ms;      /* 0: AWS's 10 minutes */
  int max_duration_ms;      /* 0: AWS's 2 hours */
  int ttl_interval_s;       /* TTL sweeper period; 0: DYNAMO_TTL_DEFAULT_INTERVAL_S; <0: off */
  /* Handlers, NULL-terminated tables; `extra_handlers` is searched first. */
  const struct wsgw_handler *handlers;
  const struct wsgw_handler *extra_handlers;
};

struct emu {
  struct emu_config config;        /* owned */
  struct ws_route_expr **route_exprs; /* one per config.apis[i] */
  struct ws_access_log **access_logs; /* one per config.apis[i], NULL when off */
  const struct wsgw_handler *handlers;
  const struct wsgw_handler *extra_handlers;
  struct ws_registry *registry;
  struct ws_limit *limits;           /* the --max-connections cap (atomics) */
  struct emu_guard *guard;           /* head budget and frame cap counters (atomics) */
  struct emu_faults *faults;           /* fault injection (own lock) */
  struct emu_invocations *invocations; /* the invocation log (own lock) */
  struct lambda_pool *invokers;        /* threads for handler invocations (own lock) */
  struct dynamo *dynamo;
  struct mg_context *mg;
  int port;
  char host[64];
  char domain_name[96];            /* "127.0.0.1:PORT" */
  char base_url[128];              /* "http://127.0.0.1:PORT" */
  int tls_port;                    /* 0 when there is no TLS listener */
  char tls_domain_name[96];        /* "127.0.0.1:TLSPORT" */
  char tls_cert_path[PATH_MAX];    /* the certificate clients should trust */
  char data_dir[PATH_MAX];
  int remove_data_dir;
  atomic_int stopping;
  atomic_int inflight;             /* handler threads still running */
  int64_t idle_timeout_ms;
  int64_t max_duration_ms;
  pthread_t watchdog;              /* ws_gateway's timeout thread */
  pthread_mutex_t watchdog_lock;   /* guards watchdog_stop */
  pthread_cond_t watchdog_cond;
  int watchdog_stop;
  int watchdog_running;
  struct dynamo_ttl_sweeper *ttl_sweeper; /* expired-item deletion (dynamo_ttl.h), or NULL */
};

/* Starts an emulator. Takes ownership of *config (it is moved, and zeroed in
 * the caller) whether or not the start succeeds. Returns NULL and one line
 * in err on failure. */
struct emu *emu_server_start(const struct emu_options *opts, struct emu_config *config,
                             char *err, size_t cap);
void emu_server_stop(struct emu *emu);
/* Prints the endpoints and the environment a client would export. */
void emu_server_print_banner(const struct emu *emu, FILE *out);
/* The handler registered under name, or NULL. */
wsgw_handler_fn *emu_server_find_handler(const struct emu *emu, const char *name);
/* The connectionId of the live connection whose client uses TCP port
 * remote_port (the test kit learns its clients' ids this way). 0, or -1. */
int emu_server_connection_for_port(struct emu *emu, int remote_port, char id[17]);
/* Cuts a connection's TCP socket without a close frame ($disconnect sees
 * 1006). 0, or -1 when there is no such open connection. */
int emu_server_kill_connection(struct emu *emu, const char *connection_id);

/* The API serving a stage, with its compiled route expression. */
const struct emu_api *emu_server_api(const struct emu *emu, const char *stage, size_t len,
                                     const struct ws_route_expr **expr);

#endif
