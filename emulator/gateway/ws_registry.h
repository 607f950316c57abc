/*
 * ws_registry.h - live WebSocket connections by connectionId, and the
 * ordered, bounded delivery of frames to each.
 *
 * A struct ws_conn is created by the gateway when a handshake starts and is
 * shared by three kinds of threads: the civetweb worker that owns the
 * socket (reads frames, runs handlers), any thread posting to it through
 * @connections, and the server (watchdog, shutdown).
 *
 * Life of a connection: CONNECTING while $connect runs (not registered:
 * posts get 410), OPEN once $connect returned 2xx (registered; frames posted
 * before the 101 is on the wire wait in the outbound queue and
 * ws_registry_ready writes them right after it), CLOSING once a close frame
 * is queued or the socket failed, CLOSED when the worker's close callback
 * ran (ws_registry_remove).
 *
 * Sending: no lock is ever held across a socket write. A sender appends
 * its frame to the connection's outbound queue under conn->lock, or, when
 * the socket is ready and nobody is writing, becomes the connection's only
 * writer: it drops the lock, writes its frame from its own buffer (no copy),
 * re-takes the lock and writes whatever others queued meanwhile, in order.
 * The queue is capped (WS_OUT_QUEUE_MAX) and every write has a deadline
 * (WS_WRITE_DEADLINE_MS, enforced by the gateway's watchdog through
 * ws_registry_write_overdue). A frame that does not go out whole, a queue
 * overflow or a missed deadline ends the connection as 1006: no frame is
 * written after it (never another frame after a partial one), the queue is
 * dropped, later sends fail (410), and the socket is shut down so that the
 * worker's read ends (at once for an overflow or a missed deadline; after
 * the watchdog's close grace for a write that failed by itself).
 *
 * Locks (never held while a handler runs or a socket is written):
 *   registry->lock (rwlock) guards the id -> conn table.
 *   conn->lock (mutex) guards mg, state, ready, the writer flag, the queue
 *   and the close code/reason. ws_registry_remove waits (writer_done) until
 *   the writer has left, so nothing writes to an mg_connection after the
 *   close callback released it.
 * Lifetime: reference counted. The registry holds one reference while the
 * connection is registered, the owning worker one until its close callback
 * finishes; ws_registry_get returns a new reference.
 */
#ifndef WS_REGISTRY_H
#define WS_REGISTRY_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_buf.h"
#include "emu_config.h"
#include "emu_id.h"

struct mg_connection;
struct ws_deployment;
struct emu_events;

/* Bytes of frames a connection may have waiting behind its writer (at
 * least one frame is always accepted): four maximum-size messages. */
#define WS_OUT_QUEUE_MAX (512 * 1024)
/* A write to a connection still in progress after this long ends it. */
#define WS_WRITE_DEADLINE_MS 2000

enum ws_conn_state {
  WS_CONN_CONNECTING, /* $connect running, not registered: posts get 410 */
  WS_CONN_OPEN,       /* registered: posts are written (or queued until ready) */
  WS_CONN_CLOSING,    /* a close frame was queued or received, or the socket
                         failed: posts get 410 */
  WS_CONN_CLOSED,     /* the close callback ran */
};

/* A frame waiting in a connection's outbound queue (a copy). */
struct ws_out {
  struct ws_out *next;
  int opcode;
  size_t len;
  char data[];
};

struct ws_conn {
  char id[EMU_ID_LEN + 1];          /* read-only after creation */
  const struct emu_api *api;        /* read-only: points into `deployment` */
  struct ws_deployment *deployment; /* read-only: the deployment it connected under
                                       (a reference, released with the connection) */
  const char *domain_name;          /* read-only: requestContext.domainName (owned by emu) */
  int64_t connected_at_ms;          /* read-only */
  char source_ip[48];               /* read-only */
  char *user_agent;                 /* read-only, may be NULL */
  cJSON *authorizer;                /* read-only after $connect, may be NULL */
  atomic_llong last_active_ms;
  atomic_llong frames_in;  /* data frames received (text and continuation) */
  atomic_llong frames_out; /* data frames written or queued (ws_registry_send) */
  atomic_int dirty;        /* a counter changed since the last "connection"
                              event (the watchdog publishes it: ws_conn_info) */

  pthread_mutex_t lock;
  pthread_cond_t writer_done;         /* signalled (under lock) when the writer leaves */
  struct mg_connection *mg;           /* guarded by lock; NULL unless OPEN/CLOSING */
  enum ws_conn_state state;           /* guarded by lock */
  int ready;                          /* guarded by lock: the 101 is on the wire */
  int writing;                        /* guarded by lock: a thread is writing to mg */
  int broken;                         /* guarded by lock: a write failed or overran */
  struct ws_out *out_head, *out_tail; /* guarded by lock: frames for the writer */
  size_t out_bytes;                   /* guarded by lock: their payload bytes */
  atomic_llong write_started_ms;      /* monotonic start of the write in progress, 0:
                                       none (read by the watchdog without the lock) */
  int close_code;                     /* guarded by lock; 0 until the end is known */
  int64_t closing_since_ms;           /* guarded by lock; when CLOSING began */
  int remote_port;                    /* read-only: the client's TCP port */
  int local_port;                     /* read-only: the server's TCP port */
  char close_reason[128];             /* guarded by lock */

  /* Owned by the socket's worker thread only. */
  struct emu_buf message; /* fragments of the message being assembled */
  int in_message;         /* a fragmented text message is open */
  char *subprotocol;      /* chosen by $connect */

  atomic_int refs;
  struct ws_conn *next; /* hash chain, guarded by registry->lock */
};

struct ws_registry;

struct ws_registry *ws_registry_new(void);
void ws_registry_free(struct ws_registry *reg);
/* The console's event stream (emu_events.h; not owned, may be NULL): a
 * "connection" event when a connection is registered, "disconnect" when it
 * is removed. Set before the first connection. */
void ws_registry_set_events(struct ws_registry *reg, struct emu_events *events);
struct emu_events *ws_registry_events(struct ws_registry *reg);

/* A new connection (state CONNECTING, one reference held by the caller) of
 * api, an API of deployment d; takes over the caller's reference to d
 * (released with the connection's last reference, also when NULL is
 * returned). */
struct ws_conn *ws_registry_conn_new(struct ws_deployment *d, const struct emu_api *api,
                                     const char *source_ip, const char *user_agent);
void ws_registry_conn_ref(struct ws_conn *c);
void ws_registry_conn_unref(struct ws_conn *c);

/* Marks c OPEN on socket mg and makes it findable (takes a reference):
 * called as soon as $connect accepted it, before the 101 is written. Frames
 * sent until ws_registry_ready are queued. */
void ws_registry_add(struct ws_registry *reg, struct ws_conn *c, struct mg_connection *mg);
/* The 101 is on the wire: writes the frames queued since ws_registry_add
 * (a queued close frame last), in order, on the calling thread. */
void ws_registry_ready(struct ws_conn *c);
/* Marks c CLOSED and removes it (drops that reference); waits until a
 * writer still busy with the socket has left (shutting the socket down so
 * that its write fails at once), then drops the queue and forgets the
 * socket. If no close code was recorded, code/reason are recorded. */
void ws_registry_remove(struct ws_registry *reg, struct ws_conn *c, int code, const char *reason);
/* The connection with that id (a new reference), or NULL. */
struct ws_conn *ws_registry_get(struct ws_registry *reg, const char *id, size_t len);
size_t ws_registry_count(struct ws_registry *reg);
/* New references to every registered connection; *out is malloc'd. */
size_t ws_registry_snapshot(struct ws_registry *reg, struct ws_conn ***out);

/* Sends one frame if the connection is OPEN: writes it now (as the writer),
 * or queues a copy behind the writer or until the 101 is out. Returns 0
 * when the frame was written whole or queued; -1 when the connection is
 * not open (the caller answers 410), or when this frame could not be
 * written whole or queued (the connection then ends as 1006). A queued
 * frame that never goes out because the connection ended is dropped. */
int ws_registry_send(struct ws_conn *c, int opcode, const void *data, size_t len);
/* Starts a server-side close: records code/reason (unless already set),
 * sends (or queues, behind the frames already queued) a close frame and
 * moves to CLOSING. Returns 0, or -1 if the connection was not open. */
int ws_registry_close(struct ws_conn *c, int code, const char *reason);
/* For the watchdog: if a write to c has been in progress for deadline_ms
 * or more at monotonic time now_ms, ends c as 1006 (ws_registry_kill) and
 * returns 1; else 0. Never waits for the writer. */
int ws_registry_write_overdue(struct ws_conn *c, int64_t now_ms, int64_t deadline_ms);

/* The connection whose client uses TCP port remote_port (a new reference),
 * or NULL. */
struct ws_conn *ws_registry_find_port(struct ws_registry *reg, int remote_port);
/* Shuts the socket down at once, without a close frame (a silent TCP drop):
 * records 1006 and returns 0, or -1 when the connection is not open. */
int ws_registry_kill(struct ws_conn *c);
/* ws_registry_kill of the open connection with this id: 0, or -1 when there
 * is none (the control API's and the kit's kill). */
int ws_registry_kill_id(struct ws_registry *reg, const char *connection_id);
/* The connectionId of the live connection whose client uses TCP port
 * remote_port (the test kit learns its clients' ids this way). 0, or -1. */
int ws_registry_id_for_port(struct ws_registry *reg, int remote_port, char id[EMU_ID_LEN + 1]);

/* Ends a connection whose client ignored our close frame: shuts its socket
 * down so that civetweb's read fails and the close callback runs. Does
 * nothing unless the connection is CLOSING. */
void ws_registry_force_close(struct ws_conn *c);

#endif
