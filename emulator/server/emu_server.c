/*
 * emu_server.c - one emulator on one port (see emu_server.h).
 *
 * Routing of plain HTTP requests (websocket upgrades go to ws_gateway):
 *   .../@connections/...    -> connections_api
 *   POST / , OPTIONS /      -> dynamo_api
 *   GET /                   -> health check
 *   /_wsgw/...              -> control_api (GET /_wsgw: 302 to /_wsgw/)
 *   GET /{stage}            -> 426 Upgrade Required
 *   anything else           -> 403 {"message":"Forbidden"}
 *
 * Threads: civetweb's worker pool. One WebSocket connection holds one worker
 * for its lifetime, so the pool is max_connections plus a reserve for HTTP
 * that WebSockets cannot take (ws_limit). civetweb's connection callbacks
 * feed ws_limit (slots) and emu_guard (request heads, frame sizes).
 */
/* nftw() is an XSI function. */
#define _XOPEN_SOURCE 700
#include "emu_server.h"

#include <civetweb.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apigw_errors.h"
#include "connections_api.h"
#include "control_api.h"
#include "control_guard.h"
#include "dynamo_api.h"
#include "dynamo_streams.h"
#include "dynamo_ttl.h"
#include "emu_events.h"
#include "emu_faults.h"
#include "emu_guard.h"
#include "emu_invocations.h"
#include "emu_log.h"
#include "emu_reload.h"
#include "emu_sock.h"
#include "emu_time.h"
#include "emu_tls.h"
#include "lambda_runtimes.h"
#include "http_util.h"
#include "lambda_esm.h"
#include "lambda_pool.h"
#include "store.h"
#include "ws_gateway.h"
#include "ws_limit.h"
#include "ws_registry.h"

static void send_text(struct mg_connection *conn, int status, const char *type, const char *body) {
  http_util_send(conn, status, type, NULL, 0, body, strlen(body));
}

/* Whether an API answers at path (its stage or mapping path). */
static int is_stage(struct emu *emu, const char *path) {
  struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);
  int found = d && ws_deployment_api(d, path, strlen(path)) >= 0;

  ws_deployment_release(d);
  return found;
}

/* A browser request to an AWS endpoint under a Host that fails the control
 * guard's Host rule (a DNS-rebinding page): answered here, unread, in the
 * endpoint's error shape. Returns 1 when it was refused.
 * DEVIATION: AWS's endpoints take such requests (each needs a signature
 * made with a secret key, which a page has not); wsgw checks signatures
 * only with --auth sigv4, so it refuses them. */
static int browser_refused(struct emu *emu, struct mg_connection *conn, int dynamodb) {
  const char *origin = mg_get_header(conn, "Origin");
  const char *fetch_site = mg_get_header(conn, "Sec-Fetch-Site");
  const char *why;

  if (!origin && !fetch_site)
    return 0; /* not a browser: SDKs and the CLI send neither */
  why = control_guard_browser_refusal(mg_get_header(conn, "Host"), origin, fetch_site,
                                      emu->allow_hosts);
  if (!why)
    return 0;
  if (dynamodb) {
    dynamo_api_deny(conn, why);
  } else {
    struct http_header h[2] = {{"x-amzn-ErrorType", apigw_error_type(APIGW_ERR_FORBIDDEN)},
                               {"Connection", "close"}};
    cJSON *o = cJSON_CreateObject();
    char *text;
    cJSON_AddStringToObject(o, "message", why);
    text = cJSON_PrintUnformatted(o);
    http_util_send(conn, apigw_error_status(APIGW_ERR_FORBIDDEN), "application/json", h, 2, text,
                   text ? strlen(text) : 0);
    cJSON_free(text);
    cJSON_Delete(o);
  }
  return 1;
}

static int http_route(struct mg_connection *conn, void *cbdata) {
  struct emu *emu = cbdata;
  const struct mg_request_info *ri = mg_get_request_info(conn);
  char pathbuf[HTTP_UTIL_PATH_MAX];
  const char *uri = http_util_path(conn, pathbuf, sizeof(pathbuf));
  const char *method = ri->request_method;

  if (!uri) {
    /* DEVIATION: API Gateway's and DynamoDB's answer to a path that
     * percent-decodes to a NUL byte is [unverified]; a 400 is what an HTTP
     * front end gives a malformed request line. Nothing is routed. */
    send_text(
        conn, 400, "application/json",
        "{\"message\":\"Bad Request: the request path is too long or decodes to a NUL byte\"}");
  } else if (strncmp(uri, CONTROL_API_PREFIX, sizeof(CONTROL_API_PREFIX) - 1) == 0) {
    control_api_serve(emu, conn, uri);
  } else if (strcmp(uri, "/_wsgw") == 0 && strcmp(method, "GET") == 0) {
    /* The console's address typed without its slash: its relative links
     * need the slash. */
    static const struct http_header location = {"Location", CONTROL_API_PREFIX};
    http_util_send(conn, 302, "text/plain", &location, 1, "", 0);
  } else if (connections_api_matches(uri)) {
    if (!browser_refused(emu, conn, 0))
      connections_api_serve(&emu->gw, conn, uri);
  } else if (strcmp(uri, "/") == 0) {
    if (strcmp(method, "GET") == 0) {
      /* SPEC docs/spec/dynamodb.md 2.1: GET / is the health check, "healthy: <host>".
       * It reads no table: with --dynamodb-endpoint it says that wsgw
       * answers, not that the endpoint does. */
      char body[300];
      snprintf(body, sizeof(body), "healthy: dynamodb.%s.amazonaws.com", emu->region);
      send_text(conn, 200, "text/plain", body);
    } else if (!browser_refused(emu, conn, 1)) {
      dynamo_api_serve(emu->dynamo, conn);
    }
  } else if (uri[0] == '/' && strcmp(method, "GET") == 0 && is_stage(emu, uri + 1)) {
    /* DEVIATION: AWS's answer to a plain GET of the stage URL is
     * [unverified]; we answer 426 as serverless-offline does. */
    send_text(conn, 426, "application/json", "{\"message\":\"Upgrade Required\"}");
  } else {
    send_text(conn, 403, "application/json", "{\"message\":\"Forbidden\"}");
  }
  return 1;
}

/* Every request is authorized here: API Gateway's authorizers run in
 * ws_gateway, and DynamoDB accepts any signature. Without an auth handler
 * civetweb looks for a .htpasswd file on every request (a stat call, 4 %
 * of a GetItem's server time). */
static int allow_all(struct mg_connection *conn, void *cbdata) {
  (void)conn;
  (void)cbdata;
  return 1;
}

static int log_civetweb(const struct mg_connection *conn, const char *message) {
  (void)conn;
  emu_log_debug("http", "%s", message);
  return 1;
}

static struct emu *emu_of(const struct mg_connection *conn) {
  return mg_get_user_data(mg_get_context(conn));
}

/* A new connection on this worker: its first request head starts. */
static int on_init_connection(const struct mg_connection *conn, void **conn_data) {
  (void)conn_data;
  emu_guard_connection_start(emu_of(conn)->gw.guard);
  return 0;
}

static int on_begin_request(struct mg_connection *conn) {
  (void)conn;
  emu_guard_head_done();
  return 0; /* civetweb goes on with the handlers */
}

/* A keep-alive connection waits for its next head. */
static void on_end_request(const struct mg_connection *conn, int status) {
  (void)status;
  emu_guard_head_start(emu_of(conn)->gw.guard);
}

static int on_http_error(struct mg_connection *conn, int status, const char *message) {
  (void)conn;
  (void)message;
  emu_guard_http_error(status);
  return 1; /* civetweb sends its error page */
}

/* Runs for every connection, on its worker, also after failed handshakes:
 * a handshake civetweb failed after $connect accepted it gets its
 * $disconnect (ws_gateway), then the worker's slot and guard are let go. */
static void on_connection_close(const struct mg_connection *conn) {
  ws_gateway_connection_close(&emu_of(conn)->gw, conn);
  ws_limit_connection_closed();
  emu_guard_connection_closed();
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int make_dirs(const char *dir) {
  char tmp[PATH_MAX];
  char *p;

  if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
    return -1;
  for (p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
      *p = '/';
    }
  }
  return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int choose_data_dir(struct emu *emu, const struct emu_options *opts, char *err, size_t cap) {
  if (opts->in_memory) {
    const char *tmp = getenv("TMPDIR");
    snprintf(emu->data_dir, sizeof(emu->data_dir), "%s/wsgw-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(emu->data_dir)) {
      snprintf(err, cap, "cannot create a temporary data directory: %s", strerror(errno));
      return -1;
    }
    emu->remove_data_dir = 1;
    return 0;
  }
  if (opts->data_dir) {
    snprintf(emu->data_dir, sizeof(emu->data_dir), "%s", opts->data_dir);
  } else {
    /* The per-user default: $XDG_DATA_HOME/wsgw, else ~/.local/share/wsgw. */
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
      snprintf(emu->data_dir, sizeof(emu->data_dir), "%s/wsgw", xdg);
    else
      snprintf(emu->data_dir, sizeof(emu->data_dir), "%s/.local/share/wsgw",
               home && *home ? home : ".");
  }
  if (make_dirs(emu->data_dir) != 0) {
    snprintf(err, cap, "cannot create the data directory %s: %s", emu->data_dir, strerror(errno));
    return -1;
  }
  return 0;
}

/* One call for a config table: 0 when it answered 200 (or, for
 * CreateTable, the table was there already: *existed = 1), else -1 with
 * DynamoDB's message in err. */
static int table_call(struct emu *emu, const struct emu_config *cfg, int i, const char *op,
                      const cJSON *req, int *existed, char *err, size_t cap) {
  struct emu_buf out;
  char *body = cJSON_PrintUnformatted(req);
  int status, rc = 0;

  emu_buf_init(&out, 1 << 20);
  status = body ? dynamo_api_call(emu->dynamo, op, body, strlen(body), &out) : 500;
  cJSON_free(body);
  if (existed)
    *existed = status != 200 && out.data && strstr(out.data, "ResourceInUseException");
  if (status != 200 && !(existed && *existed)) {
    cJSON *e = cJSON_ParseWithLength(out.data ? out.data : "", out.len);
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    snprintf(err, cap, "%s: tables[%d]: %s failed: %s", cfg->source, i, op,
             cJSON_IsString(m) ? m->valuestring : (out.data ? out.data : "unknown error"));
    cJSON_Delete(e);
    rc = -1;
  }
  emu_buf_free(&out);
  return rc;
}

int emu_server_create_tables(struct emu *emu, const struct emu_config *cfg, char *err, size_t cap) {
  const cJSON *t;
  int i = 0;

  cJSON_ArrayForEach(t, cfg->tables) {
    /* A table may carry TimeToLiveSpecification (CloudFormation's, and the
     * config's): not a CreateTable member, so it is applied with
     * UpdateTimeToLive once the table is created. A table that was there
     * already keeps the TTL setting it has. */
    cJSON *create = cJSON_Duplicate(t, 1);
    cJSON *ttl = cJSON_DetachItemFromObjectCaseSensitive(create, "TimeToLiveSpecification");
    int existed = 0, rc;
    rc = table_call(emu, cfg, i, "CreateTable", create, &existed, err, cap);
    if (rc == 0 && ttl && !existed &&
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ttl, "Enabled"))) {
      cJSON *update = cJSON_CreateObject();
      cJSON_AddItemReferenceToObject(update, "TableName",
                                     cJSON_GetObjectItemCaseSensitive(create, "TableName"));
      cJSON_AddItemReferenceToObject(update, "TimeToLiveSpecification", ttl);
      rc = table_call(emu, cfg, i, "UpdateTimeToLive", update, NULL, err, cap);
      cJSON_Delete(update);
    }
    cJSON_Delete(ttl);
    cJSON_Delete(create);
    if (rc != 0)
      return -1;
    i++;
  }
  return 0;
}

#ifndef PR_FUTEX_HASH
#define PR_FUTEX_HASH 78
#define PR_FUTEX_HASH_SET_SLOTS 1
#define PR_FUTEX_HASH_GET_SLOTS 2
#endif

/* Linux 6.17 gives each process a private futex hash of 16 slots on a
 * 2-CPU machine. civetweb's idle workers all wait on one condition
 * variable, so one slot holds thousands of waiters, and every wake that
 * hashes to it walks them all: with 10,000 workers, futex_wake was 42 % of
 * the server's time in the echo benchmark and halved its throughput. Sizes
 * the hash for the thread count (4 slots per thread, 64 bytes each), never
 * shrinking it (several emulators may share a process); older kernels
 * refuse the call and keep their global hash. */
static void size_futex_hash(int threads) {
  unsigned long slots = 64;
  int current = prctl(PR_FUTEX_HASH, PR_FUTEX_HASH_GET_SLOTS, 0, 0, 0);

  while (slots < (unsigned long)threads * 4 && slots < (1ul << 20))
    slots <<= 1;
  if (current < 0 || (unsigned long)current >= slots)
    return;
  if (prctl(PR_FUTEX_HASH, PR_FUTEX_HASH_SET_SLOTS, slots, 0, 0) != 0)
    emu_log_debug("server", "private futex hash not resized: %s", strerror(errno));
}

static int start_civetweb(struct emu *emu, const struct emu_options *opts, char *err, size_t cap) {
  struct mg_callbacks callbacks;
  struct mg_init_data init;
  struct mg_error_data error;
  struct mg_server_port ports[4];
  char listen[128], threads[16], errtext[256] = "", buffer[16], request_timeout[16];
  int max_conn = opts->max_connections > 0 ? opts->max_connections : EMU_DEFAULT_MAX_CONNECTIONS;
  char server_pem[PATH_MAX];
  const char *options[32];
  size_t o = 0;
  int n;

  int reserve = WS_LIMIT_HTTP_RESERVE;
  struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);

  /* Out-of-process functions call DynamoDB and @connections over HTTP, and
   * their SDKs keep those connections alive (each holds a worker until
   * keep_alive_timeout_ms). So many more workers than the reserve: a few
   * per runtime process (a fan-out opens several sockets at once). */
  if (d) {
    int procs = emu_config_runtime_processes(d->config);
    reserve += procs > EMU_RUNTIME_WORKERS_MAX / EMU_RUNTIME_WORKERS_PER_PROCESS
                   ? EMU_RUNTIME_WORKERS_MAX
                   : procs * EMU_RUNTIME_WORKERS_PER_PROCESS;
  }
  ws_deployment_release(d);
  snprintf(listen, sizeof(listen), "%s:%d", emu->host, opts->port);
  snprintf(threads, sizeof(threads), "%d", max_conn + reserve);
  snprintf(buffer, sizeof(buffer), "%d", EMU_GUARD_READ_BUFFER);
  snprintf(request_timeout, sizeof(request_timeout), "%d", EMU_GUARD_REQUEST_TIMEOUT_MS);
  size_futex_hash(max_conn + reserve + 64);
  if (!(emu->gw.limits = ws_limit_new(max_conn)) || !(emu->gw.guard = emu_guard_new())) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  options[o++] = "listening_ports";
  options[o++] = listen;
  options[o++] = "num_threads";
  options[o++] = threads;
  options[o++] = "enable_keep_alive";
  options[o++] = "yes";
  options[o++] = "keep_alive_timeout_ms";
  options[o++] = "5000";
  /* civetweb reads a request head within this long, and waits this long
   * for a write to progress and for each piece of a request body. Its
   * default, 30 s, let silent or trickling clients hold workers for 30 s
   * (issue 13); emu_guard cuts trickling heads sooner. */
  options[o++] = "request_timeout_ms";
  options[o++] = request_timeout;
  /* How long a WebSocket read waits before it polls again: not a close
   * (ping/pong is off; idle WebSockets are closed by ws_gateway's
   * watchdog), so independent of the request timeout above. */
  options[o++] = "websocket_timeout_ms";
  options[o++] = "60000";
  /* civetweb's per-connection read buffer, which emu_guard's frame cap
   * accounts for (16384 is civetweb's default). */
  options[o++] = "max_request_size";
  options[o++] = buffer;
  /* A burst of handshakes beyond --max-connections must reach a worker to
   * be refused, not wait in a full accept queue for SYN retries. */
  options[o++] = "listen_backlog";
  options[o++] = "1024";
  options[o++] = "enable_websocket_ping_pong";
  options[o++] = "no";
  /* http_util_path decodes the path itself, keeping its length: civetweb's
   * in-place decoding would end the path at a decoded %00. */
  options[o++] = "decode_url";
  options[o++] = "no";
  /* Responses and frames leave in several writes (headers, body); without
   * TCP_NODELAY, Nagle holds the last one until the client's delayed ACK,
   * about 40 ms per reply (docs/benchmarks.md). */
  options[o++] = "tcp_nodelay";
  options[o++] = "1";
  /* Empty: civetweb must not answer CORS preflights itself (with its own
   * max-age); dynamo_api answers them as DynamoDB does. */
  options[o++] = "access_control_allow_methods";
  options[o++] = "";
  if (opts->tls_port >= 0) {
    if (emu_tls_prepare(emu->data_dir, opts->tls_cert, opts->tls_key, server_pem,
                        emu->tls_cert_path, sizeof(server_pem), err, cap) != 0)
      return -1;
    snprintf(listen + strlen(listen), sizeof(listen) - strlen(listen), ",%s:%ds", emu->host,
             opts->tls_port);
    options[o++] = "ssl_certificate";
    options[o++] = server_pem;
    /* TLS 1.2 or newer (civetweb's 4: no SSLv2, SSLv3, TLS 1.0, 1.1),
     * whatever the system's openssl.cnf says; TLS 1.2 only with forward
     * secret AEAD suites (Mozilla's "intermediate" list, without DHE, which
     * would need DH parameters). TLS 1.3 keeps OpenSSL's suites, all AEAD. */
    options[o++] = "ssl_protocol_version";
    options[o++] = "4";
    options[o++] = "ssl_cipher_list";
    options[o++] = EMU_TLS_CIPHERS;
  }
  options[o] = NULL;
  memset(&callbacks, 0, sizeof(callbacks));
  callbacks.log_message = log_civetweb;
  callbacks.init_connection = on_init_connection;
  callbacks.begin_request = on_begin_request;
  callbacks.end_request = on_end_request;
  callbacks.http_error = on_http_error;
  callbacks.connection_close = on_connection_close;
  memset(&init, 0, sizeof(init));
  init.callbacks = &callbacks;
  init.user_data = emu;
  init.configuration_options = options;
  memset(&error, 0, sizeof(error));
  error.text = errtext;
  error.text_buffer_size = sizeof(errtext);
  emu->mg = mg_start2(&init, &error);
  if (!emu->mg) {
    snprintf(err, cap, "cannot listen on %s: %s", listen, errtext[0] ? errtext : "unknown error");
    return -1;
  }
  n = mg_get_server_ports(emu->mg, 4, ports);
  if (n < 1) {
    snprintf(err, cap, "cannot read the listening port");
    return -1;
  }
  for (int i = 0; i < n; i++) {
    if (ports[i].is_ssl)
      emu->gw.tls_port = ports[i].port;
    else
      emu->port = ports[i].port;
  }
  mg_set_request_handler(emu->mg, "**", http_route, emu);
  mg_set_auth_handler(emu->mg, "**", allow_all, NULL);
  ws_gateway_register(&emu->gw, emu->mg);
  return 0;
}

/* How long clients get to answer the 1001 close at shutdown before their
 * sockets are shut down under them (SIGTERM must end the server within 2 s,
 * whatever the clients do). */
#define STOP_GRACE_MS 500

struct stopper {
  struct emu *emu;
  atomic_int stopping_civetweb;
  atomic_int done;
};

/* Shutdown's blocking part: the 1001 close frames (a client that does not
 * read can block one), then mg_stop (it joins every worker, and each runs
 * its connection's $disconnect). */
/* How long the listeners stay open at stop for the $disconnects the 1001
 * closes start: an out-of-process function reaches DynamoDB and
 * @connections through them (in-process handlers do not need them).
 * Clients get STOP_DISCONNECT_MS to end their connections; a $disconnect
 * already running gets up to STOP_DISCONNECT_RUN_MS in all, since a Node
 * function's cold start alone can take over a second on a loaded machine. */
#define STOP_DISCONNECT_MS 1000
#define STOP_DISCONNECT_RUN_MS 3000

static void *stopper_main(void *arg) {
  struct stopper *s = arg;
  int64_t start = emu_time_mono_ms();

  ws_gateway_close_all(&s->emu->gw);
  for (;;) {
    int64_t waited = emu_time_mono_ms() - start;
    int open = ws_registry_count(s->emu->gw.registry) > 0;
    int running = atomic_load(&s->emu->gw.ending) > 0;
    if (!(open && waited < STOP_DISCONNECT_MS) && !(running && waited < STOP_DISCONNECT_RUN_MS))
      break;
    struct timespec ms = {0, 5000000L};
    nanosleep(&ms, NULL);
  }
  atomic_store(&s->stopping_civetweb, 1);
  mg_stop(s->emu->mg);
  atomic_store(&s->done, 1);
  return NULL;
}

/* Wakes civetweb's master thread, which polls its listening sockets in 2 s
 * quanta (SOCKET_TIMEOUT_QUANTUM) and only then sees the stop flag. */
static void poke_listener(int port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

  if (fd < 0)
    return;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd, (struct sockaddr *)&a, sizeof(a));
  close(fd);
}

/* Which sockets shutdown_client_sockets takes. */
struct shutdown_scope {
  const struct emu *emu;
  int websockets_only; /* 1: only a registered WebSocket client's */
};

/* Shuts down every connected socket this server accepted (local port: its
 * HTTP or TLS port), found among the process's descriptors (civetweb does
 * not expose them). A blocked write or read on one fails at once, where
 * civetweb itself would notice its stop flag only after its 2 s poll
 * quantum, or after a client that does not read let the write time out.
 * Clients in the same process are untouched: their local port is another.
 * While the $disconnects run, only WebSocket clients' sockets go: an
 * out-of-process $disconnect's own HTTP call to DynamoDB or @connections
 * is a connection of this server too, and must be served. */
static int shutdown_if_ours(int fd, const struct sockaddr_storage *self,
                            const struct sockaddr_storage *peer, void *arg) {
  const struct shutdown_scope *scope = arg;
  const struct emu *emu = scope->emu;
  int port = emu_sock_port(self);

  if (port <= 0 || (port != emu->port && port != emu->gw.tls_port))
    return 0;
  if (scope->websockets_only) {
    struct ws_conn *c = ws_registry_find_port(emu->gw.registry, emu_sock_port(peer));
    if (!c)
      return 0;
    ws_registry_conn_unref(c);
  }
  shutdown(fd, SHUT_RDWR);
  return 0;
}

static void shutdown_client_sockets(const struct emu *emu, int websockets_only) {
  struct shutdown_scope scope = {emu, websockets_only};

  emu_sock_each(shutdown_if_ours, &scope);
}

/* ws_gateway_close_all and mg_stop, bounded: after STOP_GRACE_MS the
 * remaining client sockets are shut down (and again every 250 ms, for any
 * accepted meanwhile), so that nothing a client does holds the stop up. */
static void stop_civetweb(struct emu *emu) {
  struct stopper s;
  pthread_t tid;
  int64_t start = emu_time_mono_ms(), last_kill = 0;

  s.emu = emu;
  atomic_store(&s.stopping_civetweb, 0);
  atomic_store(&s.done, 0);
  if (pthread_create(&tid, NULL, stopper_main, &s) != 0) {
    ws_gateway_close_all(&emu->gw);
    mg_stop(emu->mg);
    return;
  }
  while (!atomic_load(&s.done)) {
    struct timespec ms = {0, 5000000L};
    int64_t now = emu_time_mono_ms();
    if (atomic_load(&s.stopping_civetweb) && emu->port &&
        (strcmp(emu->host, "127.0.0.1") == 0 || strcmp(emu->host, "0.0.0.0") == 0 ||
         strcmp(emu->host, "localhost") == 0))
      poke_listener(emu->port);
    if (now - start >= STOP_GRACE_MS && now - last_kill >= 250) {
      shutdown_client_sockets(emu, !atomic_load(&s.stopping_civetweb));
      last_kill = now;
    }
    nanosleep(&ms, NULL);
  }
  pthread_join(tid, NULL);
}

/* Whether the listening address is a loopback one (127.0.0.0/8, ::1,
 * localhost): only then is the console on by default. */
static int host_is_loopback(const char *host) {
  return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0 ||
         strcmp(host, "localhost") == 0;
}

static void deployment_retain(void *d) {
  ws_deployment_retain(d);
}

static void deployment_release(void *d) {
  ws_deployment_release(d);
}

struct emu *emu_server_start(const struct emu_options *opts, struct emu_config *config, char *err,
                             size_t cap) {
  struct emu *emu = calloc(1, sizeof(*emu));
  const char *host = opts->host && *opts->host ? opts->host : "127.0.0.1";
  struct emu_options o = *opts;

  /* Out-of-process functions build https://{domainName}/{stage}: they
   * need a TLS listener (lambda_runtimes.c). */
  if (o.tls_port == EMU_TLS_AUTO)
    o.tls_port = emu_config_has_runtimes(config) ? 0 : -1;
  opts = &o;
  if (!emu) {
    emu_config_free(config);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  ws_deployment_slot_init(&emu->gw.deployed, NULL);
  atomic_init(&emu->gw.lambda.inflight, 0);
  snprintf(emu->region, sizeof(emu->region), "%s", config->region ? config->region : "us-east-1");
  snprintf(emu->host, sizeof(emu->host), "%s", host);
  snprintf(emu->allow_hosts, sizeof(emu->allow_hosts), "%s",
           opts->allow_hosts ? opts->allow_hosts : "");
  for (size_t k = 0; k < opts->nauth_keys && k < EMU_AUTH_KEYS_MAX; k++)
    emu->auth_keys[emu->nauth_keys++] = opts->auth_keys[k];
  emu->gw.auth_keys = emu->nauth_keys ? emu->auth_keys : NULL;
  emu->gw.nauth_keys = emu->nauth_keys;
  emu->gw.idle_timeout_ms = opts->idle_timeout_ms > 0 ? opts->idle_timeout_ms
                                                      : EMU_DEFAULT_IDLE_TIMEOUT_MS;
  emu->gw.max_duration_ms = opts->max_duration_ms > 0 ? opts->max_duration_ms
                                                      : EMU_DEFAULT_MAX_DURATION_MS;
  mg_init_library(opts->tls_port >= 0 ? MG_FEATURES_TLS : 0);
  if (choose_data_dir(emu, opts, err, cap) != 0) {
    emu_config_free(config);
    goto fail;
  }
  /* A temporary directory is removed at exit: nothing in it needs a sync.
   * With an endpoint, no store is opened: nothing can read an empty local
   * one while the data is elsewhere. */
  if (opts->dynamodb_endpoint)
    emu->dynamo = dynamo_open_remote(opts->dynamodb_endpoint, emu->region, err, cap);
  else
    emu->dynamo = dynamo_open(emu->data_dir, emu->region,
                              opts->in_memory ? STORE_SCRATCH
                              : opts->no_sync ? STORE_NO_SYNC
                                              : STORE_DURABLE,
                              err, cap);
  if (emu->dynamo && opts->stream_retention_hours > 0)
    dynamo_streams_set_retention(emu->dynamo, (int64_t)opts->stream_retention_hours * 3600 * 1000);
  emu->gw.registry = ws_registry_new();
  emu->faults = emu_faults_new();
  emu->invocations = emu_invocations_new();
  /* NULL (no memory) only turns the console's live updates off. */
  emu->events = emu_events_new();
  ws_registry_set_events(emu->gw.registry, emu->events);
  emu_invocations_set_events(emu->invocations, emu->events);
  emu->console = opts->console == EMU_CONSOLE_ON ||
                 (opts->console == EMU_CONSOLE_AUTO && host_is_loopback(host));
  /* Parked invoker threads kept for reuse; more run when needed. */
  emu->invokers = lambda_pool_new(64);
  emu->gw.lambda.dynamo = emu->dynamo;
  emu->gw.lambda.management = connections_api_management;
  emu->gw.lambda.management_arg = &emu->gw;
  emu->gw.lambda.faults = emu->faults;
  emu->gw.lambda.invocations = emu->invocations;
  emu->gw.lambda.invokers = emu->invokers;
  emu->gw.lambda.owner_retain = deployment_retain;
  emu->gw.lambda.owner_release = deployment_release;
  emu->runtimes = lambda_runtimes_new(emu->data_dir, emu->region);
  if (!emu->dynamo) {
    emu_config_free(config);
    goto fail;
  }
  dynamo_set_faults(emu->dynamo, emu->faults);
  dynamo_set_cors(emu->dynamo, opts->cors);
  dynamo_set_auth(emu->dynamo, emu->auth_keys, emu->nauth_keys);
  {
    /* Before anything can write: the listener is set once. */
    struct lambda_esm_source src = lambda_esm_dynamo_source(emu->dynamo);
    if (!(emu->esm = lambda_esm_new(&emu->gw.lambda, &src))) {
      emu_config_free(config);
      snprintf(err, cap, "out of memory");
      goto fail;
    }
    dynamo_streams_set_listener(emu->dynamo, lambda_esm_notify, emu->esm);
  }
  {
    /* Faults listed in the config are injected at start (not at a reload). */
    const cJSON *fault;
    int i = 0;
    cJSON_ArrayForEach(fault, config->faults) {
      char why[256];
      if (emu_faults_add(emu->faults, fault, why, sizeof(why)) < 0) {
        snprintf(err, cap, "%s: faults[%d]: %s", config->source, i, why);
        emu_config_free(config);
        goto fail;
      }
      i++;
    }
  }
  /* Libraries loaded, every handler name resolved, tables created: the
   * first deployment (emu_reload.h). */
  if (!(emu->reload = emu_reload_new(emu, opts, err, cap))) {
    emu_config_free(config);
    goto fail;
  }
  if (emu_reload_deploy(emu->reload, config, err, cap) != 0)
    goto fail;
  if (start_civetweb(emu, opts, err, cap) != 0)
    goto fail;
  /* At once, now that the ports are known: what handlers build
   * https://{domainName}/{stage} from, and the endpoints out-of-process
   * functions get. */
  snprintf(emu->gw.domain_name, sizeof(emu->gw.domain_name), "%s:%d",
           strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, emu->port);
  snprintf(emu->base_url, sizeof(emu->base_url), "http://%s", emu->gw.domain_name);
  if (emu->gw.tls_port)
    snprintf(emu->gw.tls_domain_name, sizeof(emu->gw.tls_domain_name), "%s:%d",
             strcmp(host, "0.0.0.0") == 0 ? "127.0.0.1" : host, emu->gw.tls_port);
  lambda_runtimes_set_endpoints(emu->runtimes, emu->gw.domain_name, emu->gw.tls_domain_name,
                                emu->gw.tls_port ? emu->tls_cert_path : "");
  {
    /* The first deployment's mappings start now that functions can reach
     * the server; later ones at each publish (emu_reload). */
    struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);
    if (d) {
      lambda_esm_deploy(emu->esm, d->config->esms, d->esms, d->config->nesms, d);
      ws_deployment_release(d);
    }
    emu->esm_live = 1;
  }
  if (ws_gateway_start_watchdog(&emu->gw) != 0) {
    snprintf(err, cap, "cannot start the timeout thread");
    goto fail;
  }
  if (opts->watch && emu_reload_watch(emu->reload, opts->config_file, err, cap) != 0)
    goto fail;
  /* The endpoint expires its own items (DynamoDB's TTL, Alternator's):
   * no sweeper with one. */
  if (opts->ttl_interval_s >= 0 && !opts->dynamodb_endpoint &&
      !(emu->ttl_sweeper = dynamo_ttl_start(emu->dynamo, opts->ttl_interval_s))) {
    snprintf(err, cap, "cannot start the TTL thread");
    goto fail;
  }
  return emu;
fail:
  emu_server_stop(emu);
  return NULL;
}

void emu_server_stop(struct emu *emu) {
  if (!emu)
    return;
  atomic_store(&emu->gw.stopping, 1);
  /* First: no deployment is published while the server shuts down. */
  emu_reload_free(emu->reload);
  emu->reload = NULL;
  /* The mappings stop while the server still serves (an out-of-process
   * stream function in its last invocation reaches DynamoDB through it);
   * the dispatcher itself stays until the store closes, for the listener. */
  if (emu->esm)
    lambda_esm_deploy(emu->esm, NULL, NULL, 0, NULL);
  ws_gateway_stop_watchdog(&emu->gw);
  /* The console's event streams end now: they hold civetweb workers. */
  emu_events_close(emu->events);
  dynamo_ttl_stop(emu->ttl_sweeper);
  emu->ttl_sweeper = NULL;
  if (emu->mg) {
    /* Closes every connection (1001) and stops the workers; each open
     * connection's close callback runs $disconnect before the store is
     * closed below. */
    stop_civetweb(emu);
  }
  /* Handlers abandoned at their deadline may still run and call into the
   * store and the registry: wait for them (diag.sleep caps at 60 s). */
  while (atomic_load(&emu->gw.lambda.inflight) > 0) {
    struct timespec ms = {0, 1000000L};
    nanosleep(&ms, NULL);
  }
  lambda_pool_free(emu->invokers);
  ws_registry_free(emu->gw.registry);
  ws_limit_free(emu->gw.limits);
  emu_guard_free(emu->gw.guard);
  if (emu->dynamo)
    dynamo_streams_set_listener(emu->dynamo, NULL, NULL);
  lambda_esm_free(emu->esm);
  dynamo_close(emu->dynamo);
  emu_faults_free(emu->faults);
  emu_invocations_free(emu->invocations);
  /* After the registry and the log (its publishers) and civetweb (its
   * subscribers). */
  emu_events_free(emu->events);
  /* The connections (freed with the registry) held their deployments; this
   * drops the last one. */
  ws_deployment_slot_publish(&emu->gw.deployed, NULL);
  /* After the last deployment: its functions' processes are gone. */
  lambda_runtimes_free(emu->runtimes);
  if (emu->remove_data_dir)
    nftw(emu->data_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(emu);
}

/* The file name of a path (the config's, for the banner's app line). */
static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');

  return slash ? slash + 1 : path;
}

void emu_server_print_banner(struct emu *emu, FILE *out) {
  struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);
  const struct emu_config *cfg = d->config;
  const char *mgmt_stage = cfg->napis ? cfg->apis[0].stage : "{stage}";
  size_t i;

  fprintf(out, "wsgw %s ready on %s\n", WSGW_VERSION, emu->base_url);
  if (cfg->napis) {
    fprintf(out, "  app:              ");
    for (i = 0; i < cfg->napis; i++)
      fprintf(out, "%s%s", i ? ", " : "",
              cfg->apis[i].name ? cfg->apis[i].name : cfg->apis[i].stage);
    fprintf(out, " (%s)\n", base_name(cfg->source ? cfg->source : ""));
  }
  for (i = 0; i < cfg->napis; i++) {
    const struct emu_api *a = &cfg->apis[i];
    fprintf(out, "  WebSocket (%s):   ws://%s/%s\n", a->name, emu->gw.domain_name, a->stage);
    if (a->base_path)
      fprintf(out, "  mapping (%s):     ws://%s/%s  (domainName %s)\n", a->name,
              emu->gw.domain_name, a->base_path, a->domain_name);
    fprintf(out, "  @connections:     %s/%s/@connections/{connectionId}\n", emu->base_url,
            a->stage);
  }
  if (dynamo_endpoint(emu->dynamo))
    fprintf(out, "  DynamoDB:         %s, forwarded to %s (no local store)\n", emu->base_url,
            dynamo_endpoint(emu->dynamo));
  else
    fprintf(out, "  DynamoDB:         %s\n", emu->base_url);
  if (emu_config_has_runtimes(cfg))
    fprintf(out,
            "  functions:        out of process (Runtime API); their https://{domainName}/{stage} "
            "is %s\n",
            emu->gw.tls_port ? emu->gw.tls_domain_name : "unreachable (--no-tls)");
  if (emu->gw.tls_port) {
    fprintf(out, "  TLS:              wss://%s/{stage}, https://%s (certificate: %s)\n",
            emu->gw.tls_domain_name, emu->gw.tls_domain_name, emu->tls_cert_path);
  }
  fprintf(out, "  data directory:   %s%s%s\n", emu->data_dir,
          emu->remove_data_dir ? " (in memory: removed at exit)" : "",
          dynamo_endpoint(emu->dynamo) ? " (no tables: DynamoDB is remote)" : "");
  if (emu->console)
    fprintf(out, "  console:          %s/_wsgw/\n", emu->base_url);
  else
    fprintf(out, "  console:          off (--console turns it on)\n");
  /* SDK JS v3, botocore >= 1.31 (boto3 >= 1.28) and AWS CLI >= 2.13 read
   * AWS_ENDPOINT_URL_*; older ones need the endpoint given explicitly, and
   * old botocore reads AWS_DEFAULT_REGION only (README "Connecting
   * clients"). */
  fprintf(out, "Environment for clients (AWS SDK for JavaScript v3, boto3 >= 1.28, AWS CLI >= "
               "2.13):\n");
  fprintf(out, "  export AWS_ENDPOINT_URL_DYNAMODB=%s\n", emu->base_url);
  fprintf(out, "  export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=%s\n", emu->base_url);
  for (i = 0; i < cfg->napis && i < 1; i++)
    fprintf(out, "  export AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI=%s/%s\n", emu->base_url,
            cfg->apis[i].stage);
  fprintf(out, "  export AWS_REGION=%s\n", cfg->region);
  fprintf(out, "  export AWS_DEFAULT_REGION=%s\n", cfg->region);
  fprintf(out, "  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local\n");
  if (emu->gw.tls_port)
    fprintf(out, "  export NODE_EXTRA_CA_CERTS=%s\n", emu->tls_cert_path);
  fprintf(out, "Older clients ignore AWS_ENDPOINT_URL_*: give the endpoint explicitly\n");
  fprintf(out, "  AWS SDK for JavaScript v2: new AWS.DynamoDB({ endpoint: '%s' })\n",
          emu->base_url);
  fprintf(out, "  boto3 < 1.28:     boto3.client('dynamodb', endpoint_url='%s')\n", emu->base_url);
  fprintf(out, "  AWS CLI < 2.13:   aws dynamodb list-tables --endpoint-url %s\n", emu->base_url);
  fprintf(out, "                    (@connections: --endpoint-url %s/%s)\n", emu->base_url,
          mgmt_stage);
  fflush(out);
  ws_deployment_release(d);
}
