/*
 * test_support.h - helpers for integration tests that run the emulator in
 * process: start/stop an emulator from a config, a tiny HTTP/1.1 client,
 * a DynamoDB JSON-API caller, and deadline-bound polling.
 *
 * This is the seed of a public test kit, so the rules are stated here:
 *   - Everything is prefixed tsupport_.
 *   - Arguments are borrowed. Returned pointers are owned by the caller;
 *     each says how to release it.
 *   - Every wait has a deadline; nothing sleeps for a fixed time to
 *     "let things settle". tsupport_wait_until polls a predicate until it
 *     holds or the deadline passes.
 *   - Clients talk to 127.0.0.1 over plain HTTP; a request opens its own
 *     connection (Connection: close), so calls are independent.
 * Threading: every function is safe to call from any thread; the emulator
 * itself runs on its own (civetweb) threads.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stddef.h>

#include <wsgw/handler.h>

struct emu;

#define TSUPPORT_HTTP_TIMEOUT_MS 10000     /* one whole HTTP exchange */
#define TSUPPORT_HTTP_MAX_HEAD 16384       /* response status line + headers */
#define TSUPPORT_HTTP_MAX_HEADERS 64       /* response header lines kept */
#define TSUPPORT_HTTP_MAX_BODY (16 * 1024 * 1024) /* response body */

/* ---- Emulator lifecycle ------------------------------------------------ */

/* Starts an emulator from a JSON config text (the `--config` format of
 * emu_config.h): in memory (a temporary data directory removed at stop),
 * on 127.0.0.1 with a free port, with the builtin handlers
 * (wsgw_builtin_handlers) and, searched first, `extra_handlers` (a
 * NULL-terminated table, or NULL). Returns the emulator (stop it with
 * tsupport_emu_stop), or NULL after printing the reason to stderr. */
struct emu *tsupport_emu_start(const char *config_json,
                               const struct wsgw_handler *extra_handlers);
/* The same with a config file; a relative path is taken from the source
 * tree (tsupport_source_path). */
struct emu *tsupport_emu_start_file(const char *path,
                                    const struct wsgw_handler *extra_handlers);
/* The same with server options: the non-zero fields of `overrides` among
 * idle_timeout_ms, max_duration_ms, max_connections, tls_cert and tls_key
 * replace the defaults, and tls_port is taken as given (0: a free port, as
 * tsupport_emu_start; -1: no TLS listener). The remaining fields (port,
 * data directory, handlers) are always the test defaults. `overrides` may
 * be NULL (then this is tsupport_emu_start). */
struct emu_options;
struct emu *tsupport_emu_start_opts(const char *config_json,
                                    const struct wsgw_handler *extra_handlers,
                                    const struct emu_options *overrides);
/* Stops it (closes every WebSocket with 1001, runs $disconnect, removes the
 * data directory). NULL is allowed. */
void tsupport_emu_stop(struct emu *emu);
/* The port the emulator listens on. */
int tsupport_emu_port(const struct emu *emu);

/* A cmocka group fixture: one emulator shared by a group's tests. */
struct tsupport_fixture {
  struct emu *emu;
  int port;
};
/* Group setup: starts the emulator as tsupport_emu_start and stores a
 * struct tsupport_fixture in *state. Returns 0, or -1 (the group fails). */
int tsupport_fixture_setup(void **state, const char *config_json,
                           const struct wsgw_handler *extra_handlers);
/* Group teardown: stops the emulator and frees the fixture. Returns 0. */
int tsupport_fixture_teardown(void **state);

/* ---- Files --------------------------------------------------------------- */

/* Writes "$WSGW_SOURCE_DIR/relative" (or "./relative" when the variable is
 * unset; ctest sets it to the repository root) into buf. Returns buf, or
 * NULL when it does not fit. */
const char *tsupport_source_path(const char *relative, char *buf, size_t cap);
/* The whole file, NUL-terminated (free() it), or NULL. *len may be NULL. */
char *tsupport_read_file(const char *path, size_t *len);

/* ---- HTTP/1.1 ------------------------------------------------------------ */

struct tsupport_http_header {
  const char *name;  /* points into the response's head buffer */
  const char *value;
};

struct tsupport_http_response {
  int status;        /* e.g. 200; -1 when the exchange failed */
  struct tsupport_http_header headers[TSUPPORT_HTTP_MAX_HEADERS];
  size_t nheaders;
  char *body;        /* NUL-terminated (may also hold NULs); never NULL after a
                        successful call */
  size_t body_len;
  char *head;        /* owned storage of the header names and values */
};

/*
 * One request to 127.0.0.1:port. `headers` is NULL or a NULL-terminated
 * list of "Name: value" lines; Host, Content-Length and Connection: close
 * are added. `body` may be NULL when len is 0. Reads the response (by
 * Content-Length, chunked encoding, or until EOF) within
 * TSUPPORT_HTTP_TIMEOUT_MS.
 * Returns the status (also in resp->status), or -1 on failure. Release
 * *resp with tsupport_http_response_free in both cases.
 */
int tsupport_http(int port, const char *method, const char *path, const char *const *headers,
                  const void *body, size_t len, struct tsupport_http_response *resp);
/*
 * Raw bytes to 127.0.0.1:port, sent as given (a request line, headers and
 * any body, possibly malformed or shorter than its Content-Length), then,
 * when shut_write, a shutdown of the sending side (the server sees EOF).
 * Reads one response within timeout_ms. Returns the status or -1; *resp as
 * for tsupport_http.
 */
int tsupport_http_raw(int port, const void *request, size_t len, int shut_write, int timeout_ms,
                      struct tsupport_http_response *resp);
/* A response header's value (name compared case-insensitively), or NULL. */
const char *tsupport_http_header(const struct tsupport_http_response *resp, const char *name);
void tsupport_http_response_free(struct tsupport_http_response *resp);

/* ---- DynamoDB ------------------------------------------------------------- */

/* POST / with X-Amz-Target: DynamoDB_20120810.<operation>, Content-Type
 * application/x-amz-json-1.0 and a dummy SigV4 Authorization header, body
 * json_text. Returns the HTTP status (200 on success) or -1; *resp as for
 * tsupport_http. */
int tsupport_dynamodb(int port, const char *operation, const char *json_text,
                      struct tsupport_http_response *resp);
/* Convenience: the same call, returning the parsed response body (the
 * caller cJSON_Deletes it; NULL if it is not JSON) and the status in
 * *status (may be NULL). */
cJSON *tsupport_dynamodb_json(int port, const char *operation, const char *json_text,
                              int *status);

/* The event stored by the builtin handler diag.record (table `table`,
 * items {id, connectionId, routeKey, eventType, at, event}) for
 * connection_id with that eventType ("CONNECT", "MESSAGE", "DISCONNECT"):
 * the parsed event JSON of the first match of a full Scan (the caller
 * cJSON_Deletes it), or NULL when there is none yet. Poll it with
 * tsupport_wait_until: diag.record runs asynchronously to the client. */
cJSON *tsupport_recorded_event(int port, const char *table, const char *connection_id,
                               const char *event_type);

/* ---- Polling ------------------------------------------------------------- */

/* Monotonic milliseconds. */
long long tsupport_now_ms(void);
/* Calls predicate(arg) until it returns non-zero or timeout_ms passed,
 * waiting a few milliseconds (poll(2)) between attempts. Returns 1 if the
 * predicate held, 0 on timeout (after one last attempt at the deadline). */
int tsupport_wait_until(int timeout_ms, int (*predicate)(void *arg), void *arg);

#endif
