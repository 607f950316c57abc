/*
 * wsgw_kit.c - the public C test kit (contract in wsgw_kit.h): an emulator
 * in process, WebSocket test clients with expectations, fault injection,
 * the invocation log and DynamoDB helpers, for users' own tests.
 *
 * Role: a thin layer over the emulator's own API (emu_server.h,
 *   emu_faults.h, emu_invocations.h, dynamo_api.h) and the blocking client
 *   in kit_ws.c. DynamoDB calls go straight to the in-process store
 *   (dynamo_api_call_internal), not over HTTP; with dynamodb_endpoint, that
 *   call forwards them to the endpoint.
 * Errors: every failing call writes one readable line, "expected ... got
 *   ...", into a thread-local buffer (wsgw_kit_error); successful calls leave
 *   it alone. Texts quoted into it are cut at QUOTE_MAX bytes.
 * Waits: each wait has a deadline and polls every POLL_INTERVAL_MS with
 *   poll(2); nothing sleeps a fixed time.
 * Ownership: struct wsgw_kit_emu owns its struct emu; struct wsgw_kit_ws
 *   owns its kit_ws client and a copy of the last message received. cJSON
 *   results are new trees the caller deletes.
 * Threading: the emulator's parts carry their own locks, so one kit
 *   emulator may be shared by threads; a client belongs to one thread.
 */
#include <wsgw/kit.h>

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynamo_api.h"
#include "emu_buf.h"
#include "emu_config.h"
#include "emu_faults.h"
#include "emu_file.h"
#include "emu_invocations.h"
#include "emu_json.h"
#include "emu_reload.h"
#include "emu_server.h"
#include "emu_time.h"
#include "ws_registry.h"
#include "kit_ws.h"
#include "wsgw_builtin.h"

#define ERROR_CAP 4096
#define QUOTE_MAX 1000 /* bytes of a text quoted into an error */
#define POLL_INTERVAL_MS 5
#define DEFAULT_TIMEOUT_MS 5000 /* handshake and close deadline */
#define DB_RESPONSE_LIMIT (64 * 1024 * 1024)
#define PATH_CAP 512
#define READ_FILE_LIMIT (16 * 1024 * 1024)

struct wsgw_kit_emu {
  struct emu *emu;
};

struct wsgw_kit_ws {
  struct wsgw_kit_emu *emu;
  struct kit_ws *client;
  char id[17]; /* "" when the emulator did not know the connection in time */
  char *last;  /* the last message an expect call received (owned), or NULL */
};

/* The last error, per thread: a buffer allocated on a thread's first
 * failure and freed when the thread exits. Not a _Thread_local array: static
 * TLS is set up in every thread the process starts, civetweb's thousands of
 * workers included (4 KB each, and 0.9 MB more idle RSS, measured). */
static pthread_key_t error_key;
static pthread_once_t error_once = PTHREAD_ONCE_INIT;

static void error_key_init(void) {
  if (pthread_key_create(&error_key, free) != 0)
    abort(); /* OOM policy (style.md 2.3) */
}

static char *error_buf(void) {
  char *b;

  pthread_once(&error_once, error_key_init);
  if ((b = pthread_getspecific(error_key)) == NULL) {
    if ((b = calloc(1, ERROR_CAP)) == NULL || pthread_setspecific(error_key, b) != 0)
      abort();
  }
  return b;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...) {
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(error_buf(), ERROR_CAP, fmt, ap);
  va_end(ap);
}

const char *wsgw_kit_error(void) {
  return error_buf();
}

static int64_t now_ms(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the next poll of a wait loop, never past the deadline. */
static void pause_until(int64_t deadline) {
  int64_t left = deadline - now_ms();

  if (left > 0)
    poll(NULL, 0, left < POLL_INTERVAL_MS ? (int)left : POLL_INTERVAL_MS);
}

/* Milliseconds left until deadline (>= 0). */
static int time_left(int64_t deadline) {
  int64_t left = deadline - now_ms();

  return left < 0 ? 0 : left > 600000 ? 600000 : (int)left;
}

/* `text` in double quotes, cut at QUOTE_MAX bytes, for an error message. */
static const char *quote(const char *text, size_t len, char *out, size_t cap) {
  size_t n = len > QUOTE_MAX ? QUOTE_MAX : len;

  snprintf(out, cap, "\"%.*s\"%s", (int)n, text, len > n ? "..." : "");
  return out;
}

/* The JSON text of a tree (for messages), or "?". Caller cJSON_frees. */
static char *print_json(const cJSON *j) {
  char *text = j ? cJSON_PrintUnformatted(j) : NULL;

  if (!text) {
    text = cJSON_malloc(2);
    if (text)
      memcpy(text, "?", 2);
  }
  return text;
}

/* ---- The emulator ---------------------------------------------------------- */

struct wsgw_kit_emu *wsgw_kit_start(const struct wsgw_kit_options *opts, char *err, size_t cap) {
  static const struct wsgw_kit_options none = {0};
  struct emu_options eo;
  struct emu_config cfg;
  struct wsgw_kit_emu *kit;
  char msg[1024] = "";

  if (!opts)
    opts = &none;
  if (opts->config_json) {
    if (emu_config_load_string(opts->config_json, "<config_json>", &cfg, msg, sizeof(msg)) != 0)
      goto failed;
  } else if (opts->config_file) {
    if (emu_config_load_file(opts->config_file, &cfg, msg, sizeof(msg)) != 0)
      goto failed;
  } else {
    emu_config_empty(&cfg);
  }
  kit = calloc(1, sizeof(*kit));
  if (!kit) {
    emu_config_free(&cfg);
    snprintf(msg, sizeof(msg), "out of memory");
    goto failed;
  }
  memset(&eo, 0, sizeof(eo));
  eo.host = "127.0.0.1";
  eo.port = 0;
  eo.in_memory = 1;
  eo.no_sync = 1;
  eo.tls_port = opts->tls ? 0 : EMU_TLS_AUTO;
  eo.max_connections = opts->max_connections;
  eo.idle_timeout_ms = opts->idle_timeout_ms;
  eo.max_duration_ms = opts->max_duration_ms;
  eo.handlers = wsgw_builtin_handlers;
  eo.extra_handlers = opts->handlers;
  eo.handler_libs = opts->handler_libs;
  eo.config_file = opts->config_json ? NULL : opts->config_file;
  eo.watch = opts->watch;
  eo.dynamodb_endpoint = opts->dynamodb_endpoint;
  kit->emu = emu_server_start(&eo, &cfg, msg, sizeof(msg)); /* takes cfg */
  if (!kit->emu) {
    free(kit);
    goto failed;
  }
  return kit;
failed:
  fail("wsgw_kit_start: %s", msg);
  if (err && cap)
    snprintf(err, cap, "%s", error_buf());
  return NULL;
}

void wsgw_kit_stop(struct wsgw_kit_emu *emu) {
  if (!emu)
    return;
  emu_server_stop(emu->emu);
  free(emu);
}

void wsgw_kit_reloads(struct wsgw_kit_emu *emu, int *ok, int *failed) {
  emu_reload_counts(emu->emu->reload, ok, failed);
}

int wsgw_kit_wait_reloads(struct wsgw_kit_emu *emu, int ok, int failed, int timeout_ms) {
  int64_t deadline = emu_time_mono_ms() + timeout_ms;
  int now_ok, now_failed;

  for (;;) {
    emu_reload_counts(emu->emu->reload, &now_ok, &now_failed);
    if (now_ok >= ok && now_failed >= failed)
      return 0;
    if (emu_time_mono_ms() >= deadline)
      break;
    {
      struct timespec ms = {0, 10 * 1000000L};
      nanosleep(&ms, NULL);
    }
  }
  fail("wsgw_kit_wait_reloads: expected %d reload(s) and %d failed one(s) within %d ms, got %d "
       "and %d",
       ok, failed, timeout_ms, now_ok, now_failed);
  return -1;
}

int wsgw_kit_port(const struct wsgw_kit_emu *emu) {
  return emu->emu->port;
}

const char *wsgw_kit_base_url(const struct wsgw_kit_emu *emu) {
  return emu->emu->base_url;
}

int wsgw_kit_tls_port(const struct wsgw_kit_emu *emu) {
  return emu->emu->gw.tls_port;
}

const char *wsgw_kit_tls_cert(const struct wsgw_kit_emu *emu) {
  return emu->emu->gw.tls_port ? emu->emu->tls_cert_path : NULL;
}

/* ---- Faults ---------------------------------------------------------------- */

int wsgw_kit_fault(struct wsgw_kit_emu *emu, const char *fault_json) {
  cJSON *spec = fault_json ? cJSON_Parse(fault_json) : NULL;
  char msg[512] = "";
  int id;

  if (!spec) {
    fail("wsgw_kit_fault: expected a fault as JSON, got %s", fault_json ? fault_json : "NULL");
    return -1;
  }
  id = emu_faults_add(emu->emu->faults, spec, msg, sizeof(msg));
  cJSON_Delete(spec);
  if (id < 0) {
    fail("wsgw_kit_fault: %s (in %s)", msg, fault_json);
    return -1;
  }
  return id;
}

int wsgw_kit_fault_remove(struct wsgw_kit_emu *emu, int id) {
  if (emu_faults_remove(emu->emu->faults, id) != 0) {
    fail("wsgw_kit_fault_remove: expected a fault with id %d, got none", id);
    return -1;
  }
  return 0;
}

void wsgw_kit_faults_reset(struct wsgw_kit_emu *emu) {
  emu_faults_reset(emu->emu->faults);
}

cJSON *wsgw_kit_faults(struct wsgw_kit_emu *emu) {
  return emu_faults_list(emu->emu->faults);
}

int wsgw_kit_kill_connection(struct wsgw_kit_emu *emu, const char *connection_id) {
  if (!connection_id || ws_registry_kill_id(emu->emu->gw.registry, connection_id) != 0) {
    fail("wsgw_kit_kill_connection: expected an open connection %s, got none",
         connection_id ? connection_id : "NULL");
    return -1;
  }
  return 0;
}

/* ---- The invocation log ------------------------------------------------------ */

cJSON *wsgw_kit_invocations(struct wsgw_kit_emu *emu, const char *route_key,
                            const char *connection_id, const char *handler) {
  return emu_invocations_query(emu->emu->invocations, route_key, connection_id, handler);
}

int wsgw_kit_wait_invocations(struct wsgw_kit_emu *emu, const char *route_key,
                              const char *connection_id, const char *handler, int count,
                              int timeout_ms) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  int got;

  for (;;) {
    got = emu_invocations_count(emu->emu->invocations, route_key, connection_id, handler);
    if (got >= count)
      return 0;
    if (now_ms() >= deadline)
      break;
    pause_until(deadline);
  }
  fail("expected at least %d invocation(s) of route %s, connection %s, handler %s within %d ms, "
       "got %d",
       count, route_key ? route_key : "*", connection_id ? connection_id : "*",
       handler ? handler : "*", timeout_ms, got);
  return -1;
}

/* ---- WebSocket clients --------------------------------------------------------- */

struct wsgw_kit_ws *wsgw_kit_connect(struct wsgw_kit_emu *emu,
                                     const struct wsgw_kit_ws_options *opts, int *http_status) {
  static const struct wsgw_kit_ws_options none = {0};
  int timeout = opts && opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
  int64_t deadline = now_ms() + timeout;
  char default_path[160];
  const char *path;
  struct wsgw_kit_ws *ws;
  struct kit_ws *client;
  int status, port;

  if (!opts)
    opts = &none;
  path = opts->path;
  if (!path) { /* the first API's stage */
    struct ws_deployment *d = ws_deployment_slot_acquire(&emu->emu->gw.deployed);
    snprintf(default_path, sizeof(default_path), "/%s",
             d && d->config->napis ? d->config->apis[0].stage : "");
    ws_deployment_release(d);
    path = default_path;
  }
  if (http_status)
    *http_status = 0;
  client = kit_ws_connect(emu->emu->port, path, opts->headers, opts->subprotocols, timeout);
  if (!client) {
    fail("wsgw_kit_connect %s: expected an HTTP answer within %d ms, got none", path, timeout);
    return NULL;
  }
  status = kit_ws_status(client);
  if (http_status)
    *http_status = status;
  if (status != 101) {
    fail("wsgw_kit_connect %s: expected 101, got %d", path, status);
    kit_ws_free(client);
    return NULL;
  }
  ws = calloc(1, sizeof(*ws));
  if (!ws) {
    fail("wsgw_kit_connect: out of memory");
    kit_ws_free(client);
    return NULL;
  }
  ws->emu = emu;
  ws->client = client;
  /* The registry adds the connection after the 101: poll for it. */
  port = kit_ws_local_port(client);
  while (port > 0 && ws_registry_id_for_port(emu->emu->gw.registry, port, ws->id) != 0) {
    ws->id[0] = '\0';
    if (now_ms() >= deadline)
      break;
    pause_until(deadline);
  }
  return ws;
}

struct wsgw_kit_ws *wsgw_kit_ws_open(int port, const struct wsgw_kit_ws_options *opts) {
  static const struct wsgw_kit_ws_options none = {0};
  struct wsgw_kit_ws *ws;
  struct kit_ws *client;
  const char *path;

  if (!opts)
    opts = &none;
  path = opts->path ? opts->path : "/";
  client = kit_ws_connect(port, path, opts->headers, opts->subprotocols, opts->timeout_ms);
  if (!client) {
    fail("wsgw_kit_ws_open %s: expected an HTTP answer from port %d, got none", path, port);
    return NULL;
  }
  ws = calloc(1, sizeof(*ws));
  if (!ws) {
    fail("wsgw_kit_ws_open: out of memory");
    kit_ws_free(client);
    return NULL;
  }
  ws->client = client;
  return ws;
}

int wsgw_kit_ws_status(const struct wsgw_kit_ws *ws) {
  return kit_ws_status(ws->client);
}

const char *wsgw_kit_ws_header(const struct wsgw_kit_ws *ws, const char *name) {
  return kit_ws_header(ws->client, name);
}

const char *wsgw_kit_ws_id(const struct wsgw_kit_ws *ws) {
  return ws->id;
}

const char *wsgw_kit_ws_subprotocol(const struct wsgw_kit_ws *ws) {
  return kit_ws_protocol(ws->client);
}

int wsgw_kit_send_text(struct wsgw_kit_ws *ws, const char *text) {
  if (kit_ws_send_text(ws->client, text) != 0) {
    fail("wsgw_kit_send_text %s: the frame could not be sent", ws->id);
    return -1;
  }
  return 0;
}

int wsgw_kit_send_binary(struct wsgw_kit_ws *ws, const void *data, size_t len) {
  if (kit_ws_send_binary(ws->client, data, len) != 0) {
    fail("wsgw_kit_send_binary %s: the frame could not be sent", ws->id);
    return -1;
  }
  return 0;
}

int wsgw_kit_send_frame(struct wsgw_kit_ws *ws, int opcode, int fin, const void *data, size_t len) {
  if (kit_ws_send_frame(ws->client, opcode, fin, data, len) != 0) {
    fail("wsgw_kit_send_frame %s: the frame could not be sent", ws->id);
    return -1;
  }
  return 0;
}

int wsgw_kit_send_raw(struct wsgw_kit_ws *ws, const void *bytes, size_t len) {
  if (kit_ws_send_raw(ws->client, bytes, len) != 0) {
    fail("wsgw_kit_send_raw %s: the bytes could not be sent", ws->id);
    return -1;
  }
  return 0;
}

int wsgw_kit_send_fragmented(struct wsgw_kit_ws *ws, const char *text, size_t len,
                             size_t fragment_size) {
  if (fragment_size == 0 ||
      kit_ws_send_fragmented_text(ws->client, text, len, fragment_size) != 0) {
    fail("wsgw_kit_send_fragmented %s: the frames could not be sent", ws->id);
    return -1;
  }
  return 0;
}

/* The public frame is kit_ws's, field for field. */
_Static_assert((int)WSGW_KIT_TEXT == (int)KIT_WS_TEXT && (int)WSGW_KIT_CLOSE == (int)KIT_WS_CLOSE &&
                   (int)WSGW_KIT_PONG == (int)KIT_WS_PONG &&
                   (int)WSGW_KIT_RECV_EOF == (int)KIT_WS_EOF &&
                   (int)WSGW_KIT_RECV_TIMEOUT == (int)KIT_WS_TIMEOUT,
               "kit.h's opcodes and results are kit_ws.h's");

static void take_frame(struct kit_ws_frame *in, struct wsgw_kit_frame *out) {
  out->opcode = in->opcode;
  out->fin = in->fin;
  out->data = in->data; /* ownership moves */
  out->len = in->len;
  out->close_code = in->close_code;
  out->close_reason = in->close_reason;
}

int wsgw_kit_recv_frame(struct wsgw_kit_ws *ws, int timeout_ms, struct wsgw_kit_frame *out) {
  struct kit_ws_frame f;
  int rc = kit_ws_recv(ws->client, timeout_ms, &f);

  memset(out, 0, sizeof(*out));
  if (rc == KIT_WS_OK)
    take_frame(&f, out);
  return rc;
}

int wsgw_kit_recv_message(struct wsgw_kit_ws *ws, int timeout_ms, struct wsgw_kit_frame *out) {
  struct kit_ws_frame f;
  int rc = kit_ws_recv_message(ws->client, timeout_ms, &f);

  memset(out, 0, sizeof(*out));
  if (rc == KIT_WS_OK)
    take_frame(&f, out);
  return rc;
}

void wsgw_kit_frame_free(struct wsgw_kit_frame *f) {
  if (!f)
    return;
  free(f->data);
  memset(f, 0, sizeof(*f));
}

int wsgw_kit_recv_close(struct wsgw_kit_ws *ws, int timeout_ms, int *code) {
  return kit_ws_expect_close(ws->client, timeout_ms, code);
}

/* What arrived instead of a message, for an error ("got ..."). */
static const char *describe(int rc, const struct kit_ws_frame *f, int waited_ms, char *out,
                            size_t cap) {
  char q[QUOTE_MAX + 8];

  if (rc == KIT_WS_TIMEOUT)
    snprintf(out, cap, "nothing within %d ms", waited_ms);
  else if (rc == KIT_WS_EOF)
    snprintf(out, cap, "the end of the TCP connection without a close frame (1006)");
  else if (rc != KIT_WS_OK)
    snprintf(out, cap, "a broken connection");
  else if (f->opcode == KIT_WS_CLOSE)
    snprintf(out, cap, "a close frame %d %s", f->close_code,
             quote(f->close_reason, strlen(f->close_reason), q, sizeof(q)));
  else if (f->opcode == KIT_WS_BINARY)
    snprintf(out, cap, "a binary message of %zu bytes", f->len);
  else
    snprintf(out, cap, "%s", quote(f->data, f->len, q, sizeof(q)));
  return out;
}

/* Receives the next data message (answering PINGs, skipping PONGs) within
 * timeout_ms. A data message is kept as ws->last. Returns enum
 * kit_ws_result; *f is filled on KIT_WS_OK (a data or CLOSE frame). */
static int next_message(struct wsgw_kit_ws *ws, int timeout_ms, struct kit_ws_frame *f) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

  for (;;) {
    int rc = kit_ws_recv_message(ws->client, time_left(deadline), f);
    if (rc != KIT_WS_OK)
      return rc;
    if (f->opcode == KIT_WS_PING) {
      kit_ws_send_frame(ws->client, KIT_WS_PONG, 1, f->data, f->len);
    } else if (f->opcode == KIT_WS_TEXT || f->opcode == KIT_WS_BINARY) {
      char *copy = malloc(f->len + 1);
      if (copy) {
        memcpy(copy, f->data, f->len + 1);
        free(ws->last);
        ws->last = copy;
      }
      return rc;
    } else if (f->opcode == KIT_WS_CLOSE) {
      return rc;
    }
    kit_ws_frame_free(f);
  }
}

int wsgw_kit_expect_text(struct wsgw_kit_ws *ws, const char *text, int timeout_ms) {
  struct kit_ws_frame f;
  char want[QUOTE_MAX + 8], got[QUOTE_MAX + 64];
  int rc = next_message(ws, timeout_ms, &f);

  if (rc == KIT_WS_OK && f.opcode == KIT_WS_TEXT && f.len == strlen(text) &&
      memcmp(f.data, text, f.len) == 0) {
    kit_ws_frame_free(&f);
    return 0;
  }
  fail("connection %s: expected text %s, got %s", ws->id,
       quote(text, strlen(text), want, sizeof(want)),
       describe(rc, &f, timeout_ms, got, sizeof(got)));
  if (rc == KIT_WS_OK)
    kit_ws_frame_free(&f);
  return -1;
}

/* ---- JSON subsets ---------------------------------------------------------------- */

/* path holds the path so far (used bytes); appends segments while descending
 * and leaves the first difference's path. */
static int subset(const cJSON *want, const cJSON *got, char *path, size_t used, size_t cap) {
  const cJSON *w, *g;
  int i = 0;

  if (cJSON_IsObject(want)) {
    if (!cJSON_IsObject(got))
      return 0;
    cJSON_ArrayForEach(w, want) {
      snprintf(path + used, cap - used, ".%s", w->string);
      g = cJSON_GetObjectItemCaseSensitive(got, w->string);
      if (!g || !subset(w, g, path, strlen(path), cap))
        return 0;
    }
    path[used] = '\0';
    return 1;
  }
  if (cJSON_IsArray(want)) {
    if (!cJSON_IsArray(got) || cJSON_GetArraySize(want) != cJSON_GetArraySize(got))
      return 0;
    for (w = want->child, g = got->child; w && g; w = w->next, g = g->next, i++) {
      snprintf(path + used, cap - used, "[%d]", i);
      if (!subset(w, g, path, strlen(path), cap))
        return 0;
    }
    path[used] = '\0';
    return 1;
  }
  return cJSON_Compare(want, got, 1);
}

int wsgw_kit_json_subset(const cJSON *want, const cJSON *got, char *path, size_t cap) {
  char buf[PATH_CAP] = "$";
  int ok = subset(want, got, buf, 1, sizeof(buf));

  if (path && cap)
    snprintf(path, cap, "%s", ok ? "" : buf);
  return ok;
}

int wsgw_kit_expect_json(struct wsgw_kit_ws *ws, const char *json_subset, int timeout_ms) {
  cJSON *want = cJSON_Parse(json_subset), *got = NULL;
  struct kit_ws_frame f;
  char desc[QUOTE_MAX + 64], where[PATH_CAP + 64] = "", path[PATH_CAP];
  int rc;

  if (!want) {
    fail("wsgw_kit_expect_json: expected a JSON subset, got %s", json_subset);
    return -1;
  }
  rc = next_message(ws, timeout_ms, &f);
  if (rc == KIT_WS_OK && f.opcode == KIT_WS_TEXT) {
    got = cJSON_ParseWithLength(f.data, f.len);
    if (got && wsgw_kit_json_subset(want, got, path, sizeof(path))) {
      cJSON_Delete(got);
      cJSON_Delete(want);
      kit_ws_frame_free(&f);
      return 0;
    }
    snprintf(where, sizeof(where), got ? " (first difference at %s)" : " (not JSON)", path);
  }
  fail("connection %s: expected JSON containing %.*s, got %s%s", ws->id, QUOTE_MAX, json_subset,
       describe(rc, &f, timeout_ms, desc, sizeof(desc)), where);
  cJSON_Delete(got);
  cJSON_Delete(want);
  if (rc == KIT_WS_OK)
    kit_ws_frame_free(&f);
  return -1;
}

int wsgw_kit_expect_regex(struct wsgw_kit_ws *ws, const char *regex, int timeout_ms) {
  struct kit_ws_frame f;
  char desc[QUOTE_MAX + 64];
  regex_t re;
  int rc, match;

  rc = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[256];
    regerror(rc, &re, why, sizeof(why));
    fail("wsgw_kit_expect_regex: expected a POSIX extended regex, got /%s/: %s", regex, why);
    return -1;
  }
  rc = next_message(ws, timeout_ms, &f);
  match = rc == KIT_WS_OK && f.opcode == KIT_WS_TEXT && strlen(f.data) == f.len &&
          regexec(&re, f.data, 0, NULL, 0) == 0;
  regfree(&re);
  if (!match)
    fail("connection %s: expected a message matching /%s/, got %s", ws->id, regex,
         describe(rc, &f, timeout_ms, desc, sizeof(desc)));
  if (rc == KIT_WS_OK)
    kit_ws_frame_free(&f);
  return match ? 0 : -1;
}

const char *wsgw_kit_last_message(const struct wsgw_kit_ws *ws) {
  return ws->last;
}

int wsgw_kit_expect_silence(struct wsgw_kit_ws *ws, int ms) {
  struct kit_ws_frame f;
  char desc[QUOTE_MAX + 64];
  int rc = next_message(ws, ms, &f);

  if (rc == KIT_WS_TIMEOUT)
    return 0;
  fail("connection %s: expected no message for %d ms, got %s", ws->id, ms,
       describe(rc, &f, ms, desc, sizeof(desc)));
  if (rc == KIT_WS_OK)
    kit_ws_frame_free(&f);
  return -1;
}

int wsgw_kit_expect_close(struct wsgw_kit_ws *ws, int code, int timeout_ms) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  struct kit_ws_frame f;
  char desc[QUOTE_MAX + 64];
  int rc;

  /* Data messages before the close are skipped (kept as the last message). */
  do {
    rc = next_message(ws, time_left(deadline), &f);
    if (rc == KIT_WS_OK && f.opcode != KIT_WS_CLOSE)
      kit_ws_frame_free(&f);
    else
      break;
  } while (1);
  if (rc == KIT_WS_OK) {
    int got = f.close_code;
    /* RFC 6455 5.5.1: answer with a close frame (best effort). */
    kit_ws_send_frame(ws->client, KIT_WS_CLOSE, 1, f.data, got == 1005 ? 0 : 2);
    if (got == code) {
      kit_ws_frame_free(&f);
      return 0;
    }
  } else if (rc == KIT_WS_EOF && code == 1006) {
    return 0; /* 1006: the connection ended without a close frame */
  }
  fail("connection %s: expected a close with code %d, got %s", ws->id, code,
       describe(rc, &f, timeout_ms, desc, sizeof(desc)));
  if (rc == KIT_WS_OK)
    kit_ws_frame_free(&f);
  return -1;
}

int wsgw_kit_close(struct wsgw_kit_ws *ws, int code, const char *reason) {
  int rc = kit_ws_close(ws->client, code, reason, DEFAULT_TIMEOUT_MS);

  if (rc != KIT_WS_OK) {
    fail("connection %s: expected the server's close frame within %d ms, got %s", ws->id,
         DEFAULT_TIMEOUT_MS,
         rc == KIT_WS_TIMEOUT ? "nothing"
         : rc == KIT_WS_EOF   ? "the end of the TCP connection"
                              : "a broken connection");
    return -1;
  }
  return 0;
}

void wsgw_kit_drop(struct wsgw_kit_ws *ws) {
  kit_ws_drop(ws->client);
}

void wsgw_kit_ws_free(struct wsgw_kit_ws *ws) {
  if (!ws)
    return;
  kit_ws_free(ws->client);
  free(ws->last);
  free(ws);
}

/* ---- DynamoDB ------------------------------------------------------------------ */

int wsgw_kit_db(struct wsgw_kit_emu *emu, const char *operation, const char *request_json,
                cJSON **response) {
  struct emu_buf out;
  const char *body = request_json ? request_json : "{}";
  int status;

  emu_buf_init(&out, DB_RESPONSE_LIMIT);
  status = dynamo_api_call_internal(emu->emu->dynamo, operation, body, strlen(body), &out);
  if (status != 200)
    fail("DynamoDB %s: expected 200, got %d %.*s", operation, status, QUOTE_MAX,
         out.data ? out.data : "");
  if (response)
    *response = out.data ? cJSON_ParseWithLength(out.data, out.len) : NULL;
  emu_buf_free(&out);
  return status;
}

/* DynamoDB JSON from a kit user: a \u0000 inside a string becomes C0 80, as
 * in the trees the kit returns (emu_nul.h), instead of ending the string. */
static cJSON *parse_nul(const char *text) {
  size_t len = strlen(text);

  return emu_json_parse_nul(text, len, emu_json_scan(text, len, INT_MAX));
}

/* {"TableName": table, member: <member_json>} as text (cJSON_free), or NULL
 * with the error set when member_json is not a JSON object. */
static char *table_request(const char *op, const char *table, const char *member,
                           const char *member_json) {
  cJSON *req, *value = member_json ? parse_nul(member_json) : NULL;
  char *text;

  if (!cJSON_IsObject(value)) {
    fail("DynamoDB %s: expected %s as a JSON object, got %s", op, member,
         member_json ? member_json : "NULL");
    cJSON_Delete(value);
    return NULL;
  }
  req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "TableName", table);
  cJSON_AddItemToObject(req, member, value);
  if (strcmp(op, "GetItem") == 0)
    cJSON_AddBoolToObject(req, "ConsistentRead", 1);
  text = cJSON_PrintUnformatted(req);
  cJSON_Delete(req);
  return text;
}

int wsgw_kit_db_put(struct wsgw_kit_emu *emu, const char *table, const char *item_json) {
  char *req = table_request("PutItem", table, "Item", item_json);
  int status;

  if (!req)
    return -1;
  status = wsgw_kit_db(emu, "PutItem", req, NULL);
  cJSON_free(req);
  return status == 200 ? 0 : -1;
}

/* GetItem: 0 with *item (NULL when absent), or -1 on an error. */
static int db_get(struct wsgw_kit_emu *emu, const char *table, const char *key_json, cJSON **item) {
  char *req = table_request("GetItem", table, "Key", key_json);
  cJSON *resp = NULL;
  int status;

  *item = NULL;
  if (!req)
    return -1;
  status = wsgw_kit_db(emu, "GetItem", req, &resp);
  cJSON_free(req);
  if (status == 200)
    *item = cJSON_DetachItemFromObjectCaseSensitive(resp, "Item");
  cJSON_Delete(resp);
  return status == 200 ? 0 : -1;
}

cJSON *wsgw_kit_db_get(struct wsgw_kit_emu *emu, const char *table, const char *key_json) {
  cJSON *item;

  db_get(emu, table, key_json, &item);
  return item;
}

cJSON *wsgw_kit_db_scan(struct wsgw_kit_emu *emu, const char *table) {
  cJSON *all = cJSON_CreateArray(), *start = NULL;

  do {
    cJSON *req = cJSON_CreateObject(), *resp = NULL, *items, *item;
    char *text;
    int status;
    cJSON_AddStringToObject(req, "TableName", table);
    cJSON_AddBoolToObject(req, "ConsistentRead", 1);
    if (start)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
    start = NULL;
    text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    status = text ? wsgw_kit_db(emu, "Scan", text, &resp) : -1;
    cJSON_free(text);
    if (status != 200) {
      cJSON_Delete(resp);
      cJSON_Delete(all);
      return NULL;
    }
    items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
    while (cJSON_IsArray(items) && (item = cJSON_DetachItemViaPointer(items, items->child)))
      cJSON_AddItemToArray(all, item);
    start = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (start);
  return all;
}

int wsgw_kit_db_expect_item(struct wsgw_kit_emu *emu, const char *table, const char *key_json,
                            const char *subset_json, int timeout_ms) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  cJSON *want = NULL, *item = NULL;
  char path[PATH_CAP] = "";
  char *printed;

  if (subset_json && !(want = parse_nul(subset_json))) {
    fail("wsgw_kit_db_expect_item: expected a JSON subset, got %s", subset_json);
    return -1;
  }
  for (;;) {
    int ok;
    if (db_get(emu, table, key_json, &item) != 0) {
      cJSON_Delete(want);
      return -1; /* wsgw_kit_db said why */
    }
    ok = want ? item && wsgw_kit_json_subset(want, item, path, sizeof(path)) : !item;
    if (ok) {
      cJSON_Delete(item);
      cJSON_Delete(want);
      return 0;
    }
    if (now_ms() >= deadline)
      break;
    cJSON_Delete(item);
    item = NULL;
    pause_until(deadline);
  }
  printed = item ? print_json(item) : NULL;
  if (!want)
    fail("%s %s: expected no item within %d ms, got %.*s", table, key_json, timeout_ms, QUOTE_MAX,
         printed);
  else if (!item)
    fail("%s %s: expected an item containing %.*s within %d ms, got no item", table, key_json,
         QUOTE_MAX, subset_json, timeout_ms);
  else
    fail("%s %s: expected an item containing %.*s within %d ms, got %.*s (first difference at "
         "%s)",
         table, key_json, QUOTE_MAX, subset_json, timeout_ms, QUOTE_MAX, printed, path);
  cJSON_free(printed);
  cJSON_Delete(item);
  cJSON_Delete(want);
  return -1;
}

static const char *item_s(const cJSON *item, const char *name) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name),
                                                    "S");

  return cJSON_IsString(s) ? s->valuestring : NULL;
}

cJSON *wsgw_kit_recorded_event(struct wsgw_kit_emu *emu, const char *table,
                               const char *connection_id, const char *event_type) {
  cJSON *items = wsgw_kit_db_scan(emu, table), *found = NULL;
  const cJSON *item;

  /* diag.record's items: {id, connectionId, routeKey, eventType, at, event} */
  cJSON_ArrayForEach(item, items) {
    const char *conn = item_s(item, "connectionId"), *type = item_s(item, "eventType");
    const char *event = item_s(item, "event");
    if (conn && type && event && strcmp(conn, connection_id) == 0 &&
        strcmp(type, event_type) == 0) {
      found = cJSON_Parse(event);
      break;
    }
  }
  cJSON_Delete(items);
  if (!found)
    fail("%s: expected a %s event recorded for connection %s, got none", table, event_type,
         connection_id);
  return found;
}

/* ---- Helpers -------------------------------------------------------------------- */

char *wsgw_kit_read_file(const char *path, size_t *len) {
  char *data;

  switch (emu_file_read(path, READ_FILE_LIMIT, &data, len)) {
  case EMU_FILE_OK:
    return data;
  case EMU_FILE_CANNOT_OPEN:
    fail("%s: expected a readable file, got none", path);
    return NULL;
  case EMU_FILE_TOO_LARGE:
    fail("%s: expected at most %d bytes", path, READ_FILE_LIMIT);
    return NULL;
  default:
    fail("%s: read error", path);
    return NULL;
  }
}

long long wsgw_kit_now_ms(void) {
  return (long long)now_ms();
}

int wsgw_kit_wait_until(int (*pred)(void *arg), void *arg, int timeout_ms) {
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

  for (;;) {
    if (pred(arg))
      return 0;
    if (now_ms() >= deadline)
      break;
    pause_until(deadline);
  }
  if (pred(arg)) /* one last look at the deadline */
    return 0;
  fail("expected the condition to hold within %d ms, got a timeout", timeout_ms);
  return -1;
}
