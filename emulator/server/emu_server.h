/*
 * emu_server.h - one emulator instance: the civetweb server on one port,
 * the WebSocket gateway, @connections, and the DynamoDB API.
 *
 * struct emu is the context passed explicitly to every module (there is no
 * global state). Its fields are set during emu_server_start and read-only
 * afterwards, except where a field says otherwise; the mutable parts (the
 * connection registry, the store) carry their own locks. The config is not
 * a field: it is part of the current deployment (`deployed`,
 * ws_deployment.h), which a reload (emu_reload.h) replaces atomically.
 * Lifecycle: emu_server_start -> serve -> emu_server_stop (closes every
 * connection with 1001 "Going away", runs $disconnect, closes LMDB, removes
 * an --in-memory directory). With a DynamoDB endpoint (emu_options) no
 * LMDB store is opened: the data directory holds the TLS certificate and
 * the functions' files only.
 */
#ifndef EMU_SERVER_H
#define EMU_SERVER_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>

#include "aws_sigv4.h"
#include "emu_config.h"
#include "lambda_invoke.h"
#include "ws_deployment.h"
#include "ws_gateway.h"
#include <wsgw/handler.h>

struct ws_registry;
struct emu_reload;
struct emu_faults;
struct emu_invocations;
struct lambda_pool;
struct dynamo;
struct dynamo_ttl_sweeper;
struct mg_context;
struct ws_limit;
struct emu_guard;
struct emu_events;

/* emu_options.console: the web console at /_wsgw/ (console.h). */
enum emu_console {
  EMU_CONSOLE_AUTO = 0, /* on when the server listens on a loopback address */
  EMU_CONSOLE_ON = 1,   /* --console */
  EMU_CONSOLE_OFF = 2,  /* --no-console */
};

#define EMU_DEFAULT_MAX_CONNECTIONS 200
/* SPEC docs/spec/apigw-websocket.md 6: idle connection timeout 10 min; connection
 * duration 2 h. */
#define EMU_DEFAULT_IDLE_TIMEOUT_MS (10 * 60 * 1000)
#define EMU_DEFAULT_MAX_DURATION_MS (2 * 60 * 60 * 1000)

#define EMU_TLS_AUTO (-2)
#define EMU_AUTH_KEYS_MAX 16
/* civetweb workers added for each process out-of-process functions may run
 * (emu_config_runtime_processes), at most EMU_RUNTIME_WORKERS_MAX in all. */
#define EMU_RUNTIME_WORKERS_PER_PROCESS 8
#define EMU_RUNTIME_WORKERS_MAX 2048

struct emu_options {
  const char *host;     /* default 127.0.0.1 */
  int port;             /* 0 picks a free port */
  const char *data_dir; /* NULL: the per-user default, unless in_memory */
  int in_memory;        /* a temporary data directory removed at stop; nothing synced */
  int max_connections;  /* concurrent WebSockets; the pool has WS_LIMIT_HTTP_RESERVE more workers */
  int no_sync;          /* LMDB without fsync per commit (faster, not durable) */
  int tls_port;         /* wss:// and https:// listener; -1: none; 0: a free port;
                           EMU_TLS_AUTO: a free port when the config has
                           out-of-process functions, else none */
  const char *tls_cert; /* PEM certificate, or NULL: self-signed in the data dir */
  const char *tls_key;  /* PEM private key (with tls_cert) */
  int idle_timeout_ms;  /* 0: AWS's 10 minutes */
  int max_duration_ms;  /* 0: AWS's 2 hours */
  int ttl_interval_s;   /* TTL sweeper period; 0: DYNAMO_TTL_DEFAULT_INTERVAL_S; <0: off
                           (always off with dynamodb_endpoint) */
  int stream_retention_hours; /* DynamoDB Streams records kept this long; 0: 24 (AWS's).
                                 Trimmed by the TTL sweeper's thread */
  /* Handlers, NULL-terminated tables; `extra_handlers` shadows `handlers`. */
  const struct wsgw_handler *handlers;
  const struct wsgw_handler *extra_handlers;
  /* Handler libraries (--handlers), NULL-terminated, or NULL. */
  const char *const *handler_libs;
  /* The config's file, reloaded when it changes (with `watch`), or NULL. */
  const char *config_file;
  /* config_file is a Serverless Framework project (emu_serverless.h), read
   * (and reloaded) with serverless_stage (--stage, or NULL). */
  int serverless;
  const char *serverless_stage;
  /* Reload the handler libraries and config_file when they change on disk
   * (emu_reload.h). */
  int watch;
  /* An external DynamoDB-compatible service (AWS, ScyllaDB Alternator,
   * another wsgw) that gets every DynamoDB call instead of the local store,
   * signed with the environment's credentials (dynamo_remote.h); NULL: the
   * store in data_dir. */
  const char *dynamodb_endpoint;
  /* Host names the control endpoints accept besides loopback names and
   * address literals, comma-separated ("*": any), or NULL
   * (control_guard.h). */
  const char *allow_hosts;
  /* Answer CORS on the DynamoDB endpoint as DynamoDB does (--cors); off by
   * default (dynamo_set_cors). */
  int cors;
  /* --auth sigv4: DynamoDB and @connections calls must be signed with one
   * of these key pairs (aws_sigv4.h; at most EMU_AUTH_KEYS_MAX, copied);
   * nauth_keys 0: any signature is accepted. */
  const struct aws_sigv4_key *auth_keys;
  size_t nauth_keys;
  /* The web console at /_wsgw/ (--console / --no-console). */
  enum emu_console console;
};

struct emu {
  struct ws_gateway gw;                /* the gateway's context: deployment, Lambda
                                        runtime, registry, limits, guard, watchdog */
  struct emu_reload *reload;           /* handler libraries, the watcher thread */
  char region[64];                     /* the config's region at start (DynamoDB's) */
  struct emu_faults *faults;           /* fault injection (own lock) */
  struct emu_invocations *invocations; /* the invocation log (own lock) */
  struct emu_events *events;           /* the console's event stream (own lock):
                                          the registry and the log publish to it */
  int console;                         /* the web console answers (console.h) */
  struct lambda_pool *invokers;        /* threads for handler invocations (own lock) */
  struct lambda_runtimes *runtimes;    /* out-of-process functions' pools (own lock) */
  struct dynamo *dynamo;
  struct mg_context *mg;
  int port;
  char host[64];
  char allow_hosts[1024];                            /* emu_options.allow_hosts, or "" */
  struct aws_sigv4_key auth_keys[EMU_AUTH_KEYS_MAX]; /* emu_options.auth_keys, copied */
  size_t nauth_keys;
  char base_url[128];           /* "http://127.0.0.1:PORT" */
  char tls_cert_path[PATH_MAX]; /* the certificate clients should trust */
  char data_dir[PATH_MAX];
  int remove_data_dir;
  struct dynamo_ttl_sweeper *ttl_sweeper; /* expired-item deletion (dynamo_ttl.h), or NULL */
  /* Event source mappings (lambda_esm.h): the store's stream listener
   * wakes them; each deployment's mappings are handed over when it is
   * published, once esm_live is set (after the first deployment, when the
   * server listens: out-of-process stream functions need its endpoints). */
  struct lambda_esm *esm;
  int esm_live;
};

/* Starts an emulator. Takes ownership of *config (it is moved, and zeroed in
 * the caller) whether or not the start succeeds. Returns NULL and one line
 * in err on failure. */
struct emu *emu_server_start(const struct emu_options *opts, struct emu_config *config, char *err,
                             size_t cap);
void emu_server_stop(struct emu *emu);
/* Prints the endpoints and the environment a client would export. */
void emu_server_print_banner(struct emu *emu, FILE *out);
/* Creates the tables a config lists that do not exist yet (at start and at
 * a config reload). 0, or -1 and one line in err. */
int emu_server_create_tables(struct emu *emu, const struct emu_config *cfg, char *err, size_t cap);

#endif
