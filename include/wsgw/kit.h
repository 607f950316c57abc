/*
 * wsgw_kit.h - the wsgw test kit: drive an in-process emulator from your own
 * C tests (cmocka or any other framework).
 *
 *   struct wsgw_kit_emu *emu = wsgw_kit_start(&(struct wsgw_kit_options){
 *       .config_file = "fixtures/chat-app.json"}, err, sizeof err);
 *   struct wsgw_kit_ws *a = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){
 *       .path = "/dev"}, NULL);
 *   wsgw_kit_send_text(a, "{\"action\":\"sendmessage\",\"data\":\"hi\"}");
 *   assert_int_equal(wsgw_kit_expect_text(a, "hi", 1000), 0);   // wsgw_kit_error() says why not
 *   wsgw_kit_ws_free(a);
 *   wsgw_kit_stop(emu);
 *
 * Conventions:
 *   - Functions that check something return 0 when it holds and -1 when it
 *     does not, with a readable "expected ... got ..." message available
 *     from wsgw_kit_error() (per thread, until the next kit call fails).
 *   - Every wait takes a deadline in milliseconds and polls; nothing sleeps
 *     a fixed time.
 *   - Objects are owned by the caller and freed with their _free/_stop.
 *     cJSON results are new trees the caller deletes.
 * Threading: one emulator may be used from several threads; one WebSocket
 * client belongs to one thread.
 */
#ifndef WSGW_KIT_H
#define WSGW_KIT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include <wsgw/handler.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The emulator ---------------------------------------------------------- */

struct wsgw_kit_emu;

struct wsgw_kit_options {
  const char *config_json;  /* the config as text, or */
  const char *config_file;  /* a config file (relative paths: the working directory) */
  /* Your handlers, NULL-terminated; searched before the bundled ones. */
  const struct wsgw_handler *handlers;
  int idle_timeout_ms;      /* 0: AWS's 10 minutes */
  int max_duration_ms;      /* 0: AWS's 2 hours */
  int tls;                  /* also serve wss:// and https:// (on a second free port) */
  /* Handler libraries to load, as `wsgw serve --handlers` (NULL-terminated
   * paths), or NULL. Their names must not clash with the bundled handlers
   * or with each other. */
  const char *const *handler_libs;
  /* Reload the handler libraries and config_file when they change on disk,
   * as `wsgw serve` does (one watcher thread). */
  int watch;
};

/* An emulator on 127.0.0.1, a free port, a temporary data directory
 * (removed at stop). NULL and a message in err on failure. */
struct wsgw_kit_emu *wsgw_kit_start(const struct wsgw_kit_options *opts, char *err, size_t cap);
void wsgw_kit_stop(struct wsgw_kit_emu *emu);
int wsgw_kit_port(const struct wsgw_kit_emu *emu);
/* "http://127.0.0.1:PORT" (valid until stop). */
const char *wsgw_kit_base_url(const struct wsgw_kit_emu *emu);
/* With tls = 1: the wss:// / https:// port and the PEM certificate clients
 * should trust (a self-signed one in the data directory); else 0 and NULL. */
int wsgw_kit_tls_port(const struct wsgw_kit_emu *emu);
const char *wsgw_kit_tls_cert(const struct wsgw_kit_emu *emu);

/* Hot reloads (`watch`) so far: *ok successful ones, *failed failed ones
 * (the previous version stayed in service). */
void wsgw_kit_reloads(struct wsgw_kit_emu *emu, int *ok, int *failed);
/* Waits until at least `ok` successful and `failed` failed reloads
 * happened. 0, or -1 (wsgw_kit_error() says what it saw). */
int wsgw_kit_wait_reloads(struct wsgw_kit_emu *emu, int ok, int failed, int timeout_ms);

/* ---- Faults (see emulator/base/emu_faults.h for the JSON shapes) ------------------ */

/* Adds a fault; returns its id, or -1 (wsgw_kit_error() says why). */
int wsgw_kit_fault(struct wsgw_kit_emu *emu, const char *fault_json);
int wsgw_kit_fault_remove(struct wsgw_kit_emu *emu, int id);
void wsgw_kit_faults_reset(struct wsgw_kit_emu *emu);
/* The faults with their "id", "hits" (times fired) and, for a counted one,
 * "remaining": [{"id":1,"hits":0,"type":...}, ...] (new tree). */
cJSON *wsgw_kit_faults(struct wsgw_kit_emu *emu);
/* Cuts a client's TCP connection from the server side without a close frame
 * ($disconnect then sees 1006). */
int wsgw_kit_kill_connection(struct wsgw_kit_emu *emu, const char *connection_id);

/* ---- The invocation log ------------------------------------------------------ */

/* Invocations matching the non-NULL filters, oldest first (see
 * emulator/base/emu_invocations.h for the entry shape). */
cJSON *wsgw_kit_invocations(struct wsgw_kit_emu *emu, const char *route_key,
                            const char *connection_id, const char *handler);
/* Waits until at least `count` invocations match; 0, or -1 at the deadline. */
int wsgw_kit_wait_invocations(struct wsgw_kit_emu *emu, const char *route_key,
                              const char *connection_id, const char *handler, int count,
                              int timeout_ms);

/* ---- WebSocket clients --------------------------------------------------------- */

struct wsgw_kit_ws;

struct wsgw_kit_ws_options {
  const char *path;                 /* "/dev" or "/dev?token=x"; NULL: the first API's stage */
  const char *const *headers;       /* NULL-terminated "Name: value" lines, or NULL */
  const char *subprotocols;         /* Sec-WebSocket-Protocol offer, or NULL */
  int timeout_ms;                   /* handshake deadline; 0: 5000 */
};

/* Connects. On a 101 returns the client (and *http_status = 101); on a
 * rejected handshake returns NULL with *http_status set (e.g. 401), or 0
 * when no HTTP answer came. http_status may be NULL. */
struct wsgw_kit_ws *wsgw_kit_connect(struct wsgw_kit_emu *emu,
                                     const struct wsgw_kit_ws_options *opts, int *http_status);
/* The connectionId API Gateway gave this client ("" if the emulator no
 * longer knew the connection by the handshake deadline). */
const char *wsgw_kit_ws_id(const struct wsgw_kit_ws *ws);
/* The subprotocol the server accepted, or NULL. */
const char *wsgw_kit_ws_subprotocol(const struct wsgw_kit_ws *ws);

int wsgw_kit_send_text(struct wsgw_kit_ws *ws, const char *text);
int wsgw_kit_send_binary(struct wsgw_kit_ws *ws, const void *data, size_t len);

/* The next text message must equal `text` / contain the JSON subset
 * `json_subset` (objects by member, arrays element-wise) / match the POSIX
 * extended regex `regex`, within the deadline. */
int wsgw_kit_expect_text(struct wsgw_kit_ws *ws, const char *text, int timeout_ms);
int wsgw_kit_expect_json(struct wsgw_kit_ws *ws, const char *json_subset, int timeout_ms);
int wsgw_kit_expect_regex(struct wsgw_kit_ws *ws, const char *regex, int timeout_ms);
/* The last message received by an expect call (NULL before any). */
const char *wsgw_kit_last_message(const struct wsgw_kit_ws *ws);
/* No message arrives for ms milliseconds. */
int wsgw_kit_expect_silence(struct wsgw_kit_ws *ws, int ms);
/* The server closes with `code` within the deadline (data messages before
 * the close are skipped). Code 1006 expects the TCP connection to end
 * without a close frame, as after wsgw_kit_kill_connection. */
int wsgw_kit_expect_close(struct wsgw_kit_ws *ws, int code, int timeout_ms);

/* Sends a close frame (code 0: none) and waits for the server's answer. */
int wsgw_kit_close(struct wsgw_kit_ws *ws, int code, const char *reason);
/* Drops the TCP connection without a close frame. */
void wsgw_kit_drop(struct wsgw_kit_ws *ws);
void wsgw_kit_ws_free(struct wsgw_kit_ws *ws);

/* ---- DynamoDB ------------------------------------------------------------------ */

/* Any operation: returns the HTTP status; *response (may be NULL) gets the
 * parsed body. U+0000 in a string: cJSON trees cannot hold a NUL, so in
 * *response (and in every kit result tree) it is the byte pair C0 80
 * ("\xC0\x80" in C), as handlers see it (emu_nul.h). The JSON texts given
 * to the kit's DynamoDB helpers (requests, items, keys, subsets) may write
 * it as \u0000 or as C0 80. */
int wsgw_kit_db(struct wsgw_kit_emu *emu, const char *operation, const char *request_json,
                cJSON **response);
/* PutItem of an item in DynamoDB JSON ({"id":{"S":"x"}}). */
int wsgw_kit_db_put(struct wsgw_kit_emu *emu, const char *table, const char *item_json);
/* GetItem: the item, or NULL when absent. */
cJSON *wsgw_kit_db_get(struct wsgw_kit_emu *emu, const char *table, const char *key_json);
/* Every item of a table (all Scan pages). */
cJSON *wsgw_kit_db_scan(struct wsgw_kit_emu *emu, const char *table);
/* The item at key exists and contains the JSON subset, within the deadline;
 * subset NULL: the item must be absent. */
int wsgw_kit_db_expect_item(struct wsgw_kit_emu *emu, const char *table, const char *key_json,
                            const char *subset_json, int timeout_ms);

/* ---- Helpers -------------------------------------------------------------------- */

/* Polls pred(arg) until it returns non-zero; 0, or -1 at the deadline. */
int wsgw_kit_wait_until(int (*pred)(void *arg), void *arg, int timeout_ms);
/* Whether `got` contains the JSON subset `want`; on a difference, the path
 * of the first one is written into path. */
int wsgw_kit_json_subset(const cJSON *want, const cJSON *got, char *path, size_t cap);
/* Why the last failing kit call failed, on this thread ("" if none). */
const char *wsgw_kit_error(void);

#ifdef __cplusplus
}
#endif

#endif
