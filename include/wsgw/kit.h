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
  const char *config_json; /* the config as text, or */
  const char *config_file; /* a config file (relative paths: the working directory) */
  /* Your handlers, NULL-terminated; searched before the bundled ones. */
  const struct wsgw_handler *handlers;
  int idle_timeout_ms; /* 0: AWS's 10 minutes */
  int max_duration_ms; /* 0: AWS's 2 hours */
  int tls;             /* also serve wss:// and https:// (on a second free port); a
                          config with out-of-process functions ("runtime") gets
                          that listener anyway, for their https recipe */
  int max_connections; /* concurrent WebSockets; 0: the server's default */
  /* Handler libraries to load, as `wsgw serve --handlers` (NULL-terminated
   * paths), or NULL. Their names must not clash with the bundled handlers
   * or with each other. */
  const char *const *handler_libs;
  /* Reload the handler libraries and config_file when they change on disk,
   * as `wsgw serve` does (one watcher thread). */
  int watch;
  /* Send every DynamoDB call to this DynamoDB-compatible service instead of
   * the emulator's own store, as `wsgw serve --dynamodb-endpoint URL`
   * ("https://dynamodb.eu-west-1.amazonaws.com", an Alternator node, or
   * another emulator's wsgw_kit_base_url), signed with AWS_ACCESS_KEY_ID /
   * AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) for AWS_REGION; the start
   * fails without credentials. The kit's DynamoDB helpers then read and
   * write the remote's tables. NULL: the emulator's own store. */
  const char *dynamodb_endpoint;
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
  const char *path;           /* "/dev" or "/dev?token=x"; NULL: the first API's stage */
  const char *const *headers; /* NULL-terminated "Name: value" lines, or NULL */
  const char *subprotocols;   /* Sec-WebSocket-Protocol offer, or NULL */
  int timeout_ms;             /* handshake deadline; 0: 5000 */
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

/* ---- Raw WebSocket frames ------------------------------------------------------ */
/* For protocol tests: any wsgw on 127.0.0.1 (also a `wsgw serve` you started),
 * any handshake answer, frames as they arrive. */

enum wsgw_kit_opcode { /* RFC 6455 5.2 */
                       WSGW_KIT_CONTINUATION = 0x0,
                       WSGW_KIT_TEXT = 0x1,
                       WSGW_KIT_BINARY = 0x2,
                       WSGW_KIT_CLOSE = 0x8,
                       WSGW_KIT_PING = 0x9,
                       WSGW_KIT_PONG = 0xA,
};

/* What wsgw_kit_recv_frame / wsgw_kit_recv_message return (0 is success). */
enum wsgw_kit_recv_result {
  WSGW_KIT_RECV_OK = 0,
  WSGW_KIT_RECV_ERROR = -1,   /* I/O or protocol error; the client is unusable */
  WSGW_KIT_RECV_TIMEOUT = -2, /* nothing (complete) before the deadline */
  WSGW_KIT_RECV_EOF = -3,     /* the server ended the TCP connection */
};

struct wsgw_kit_frame {
  int opcode;               /* enum wsgw_kit_opcode */
  int fin;                  /* FIN bit (1 for a whole message) */
  char *data;               /* payload, NUL-terminated (owned; may hold NULs) */
  size_t len;               /* payload bytes, without the terminator */
  int close_code;           /* CLOSE: the status code, 1005 when absent */
  const char *close_reason; /* CLOSE: points into data, "" when absent */
};

/* Handshakes with 127.0.0.1:port at opts->path (NULL: "/") and returns the
 * client whatever the answer (101 or a rejection; see wsgw_kit_ws_status),
 * or NULL when no HTTP answer came within the deadline. Its
 * wsgw_kit_ws_id is "" (no emulator to ask). */
struct wsgw_kit_ws *wsgw_kit_ws_open(int port, const struct wsgw_kit_ws_options *opts);
/* The handshake's HTTP status (101 when upgraded) and a header of its
 * answer (name case-insensitive; NULL if absent), for either kind of client. */
int wsgw_kit_ws_status(const struct wsgw_kit_ws *ws);
const char *wsgw_kit_ws_header(const struct wsgw_kit_ws *ws, const char *name);

/* One masked frame: any opcode, FIN as given (0 starts or continues a
 * fragmented message). 0, or -1 when it could not be sent. */
int wsgw_kit_send_frame(struct wsgw_kit_ws *ws, int opcode, int fin, const void *data, size_t len);
/* len bytes as they are, no framing and no mask: for what a conforming
 * client never sends (unmasked frames, reserved bits). 0, or -1. */
int wsgw_kit_send_raw(struct wsgw_kit_ws *ws, const void *bytes, size_t len);
/* One text message as TEXT, CONTINUATION..., each of at most
 * fragment_size (> 0) bytes, the last with FIN. */
int wsgw_kit_send_fragmented(struct wsgw_kit_ws *ws, const char *text, size_t len,
                             size_t fragment_size);
/* The next frame, whatever its opcode / the next message (fragments joined,
 * control frames returned as they arrive; nothing is answered for you).
 * enum wsgw_kit_recv_result; on WSGW_KIT_RECV_OK free *out with
 * wsgw_kit_frame_free. */
int wsgw_kit_recv_frame(struct wsgw_kit_ws *ws, int timeout_ms, struct wsgw_kit_frame *out);
int wsgw_kit_recv_message(struct wsgw_kit_ws *ws, int timeout_ms, struct wsgw_kit_frame *out);
void wsgw_kit_frame_free(struct wsgw_kit_frame *f);
/* Reads frames until a CLOSE (data frames are discarded), answers it as
 * RFC 6455 5.5.1 asks and stores its code in *code (1005 when it had none).
 * enum wsgw_kit_recv_result. wsgw_kit_expect_close is the checking form. */
int wsgw_kit_recv_close(struct wsgw_kit_ws *ws, int timeout_ms, int *code);

/* ---- Plain HTTP ---------------------------------------------------------------- */
/* One request per connection (Connection: close) to 127.0.0.1:port: the
 * @connections API, /_wsgw endpoints, DynamoDB's wire format, bad input. */

#define WSGW_KIT_HTTP_MAX_HEADERS 64

struct wsgw_kit_http_response {
  int status; /* e.g. 200; -1 when the exchange failed */
  char *body; /* NUL-terminated (may also hold NULs); NULL after a failure */
  size_t body_len;
  size_t nheaders;
  struct {
    const char *name, *value;
  } headers[WSGW_KIT_HTTP_MAX_HEADERS]; /* as received, first 64 */
  char *head_;                          /* private: storage of the header texts */
};

/* method path, the "Name: value" lines of `headers` (NULL-terminated, or
 * NULL), Host, Content-Length and Connection: close, then len bytes of body.
 * Reads the answer (Content-Length, chunked or until EOF) within 10 s.
 * Returns the status (also resp->status) or -1; free *resp in both cases
 * with wsgw_kit_http_free. */
int wsgw_kit_http(int port, const char *method, const char *path, const char *const *headers,
                  const void *body, size_t len, struct wsgw_kit_http_response *resp);
/* The bytes as given (possibly malformed or shorter than their
 * Content-Length), then, when shut_write, the end of the sending side (the
 * server sees EOF); one answer within timeout_ms. As wsgw_kit_http. */
int wsgw_kit_http_raw(int port, const void *request, size_t len, int shut_write, int timeout_ms,
                      struct wsgw_kit_http_response *resp);
/* A DynamoDB call over HTTP, as an SDK sends it (X-Amz-Target, the JSON
 * content type, a dummy SigV4 Authorization). As wsgw_kit_http. A DynamoDB
 * Streams operation is named with its target prefix:
 * "DynamoDBStreams_20120810.GetRecords" (so is it for wsgw_kit_db). */
int wsgw_kit_http_dynamodb(int port, const char *operation, const char *request_json,
                           struct wsgw_kit_http_response *resp);
/* A header of the answer (name case-insensitive), or NULL. */
const char *wsgw_kit_http_header(const struct wsgw_kit_http_response *resp, const char *name);
void wsgw_kit_http_free(struct wsgw_kit_http_response *resp);

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

/* The event the bundled handler diag.record stored in `table` for
 * connection_id and eventType ("CONNECT", "MESSAGE", "DISCONNECT"): the
 * first match (a new tree), or NULL when there is none yet. diag.record runs
 * asynchronously to the client: poll it with wsgw_kit_wait_until. */
cJSON *wsgw_kit_recorded_event(struct wsgw_kit_emu *emu, const char *table,
                               const char *connection_id, const char *event_type);

/* ---- Helpers -------------------------------------------------------------------- */

/* A whole file (a log your test had wsgw write, a fixture), NUL-terminated
 * (free() it), or NULL; *len (may be NULL) gets its size. At most 16 MB. */
char *wsgw_kit_read_file(const char *path, size_t *len);
/* A monotonic clock in milliseconds, for a test's own deadlines. */
long long wsgw_kit_now_ms(void);
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
