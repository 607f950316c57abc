/*
 * ws_registry.h - live WebSocket connections by connectionId.
 *
 * A struct ws_conn is created by the gateway when a handshake starts and is
 * shared by three kinds of threads: the civetweb worker that owns the
 * socket (reads frames, runs handlers), any thread posting to it through
 * @connections, and the server at shutdown.
 *
 * Locks (never held while a handler runs):
 *   registry->lock (rwlock) guards the id -> conn table.
 *   conn->lock (mutex) guards conn->mg, state and the close code/reason; every
 *   frame written to the socket is written under it, so nothing writes
 *   to an mg_connection after the close callback released it.
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

enum ws_conn_state {
  WS_CONN_CONNECTING, /* $connect running: posts get 410 */
  WS_CONN_OPEN,
  WS_CONN_CLOSING,    /* a close frame was sent or received: posts get 410 */
  WS_CONN_CLOSED,     /* the socket is gone */
};

struct ws_conn {
  char id[EMU_ID_LEN + 1];          /* read-only after creation */
  const struct emu_api *api;        /* read-only */
  const char *domain_name;          /* read-only: requestContext.domainName (owned by emu) */
  int64_t connected_at_ms;          /* read-only */
  char source_ip[48];               /* read-only */
  char *user_agent;                 /* read-only, may be NULL */
  cJSON *authorizer;                /* read-only after $connect, may be NULL */
  atomic_llong last_active_ms;

  pthread_mutex_t lock;
  struct mg_connection *mg;         /* guarded by lock; NULL unless OPEN/CLOSING */
  enum ws_conn_state state;         /* guarded by lock */
  int close_code;                   /* guarded by lock; 0 until the end is known */
  int64_t closing_since_ms;         /* guarded by lock; when CLOSING began */
  int remote_port;                  /* read-only: the client's TCP port */
  int local_port;                   /* read-only: the server's TCP port */
  char close_reason[128];           /* guarded by lock */

  /* Owned by the socket's worker thread only. */
  struct emu_buf message;           /* fragments of the message being assembled */
  int in_message;                   /* a fragmented text message is open */
  char *subprotocol;                /* chosen by $connect */

  atomic_int refs;
  struct ws_conn *next;             /* hash chain, guarded by registry->lock */
};

struct ws_registry;

struct ws_registry *ws_registry_new(void);
void ws_registry_free(struct ws_registry *reg);

/* A new connection (state CONNECTING, one reference held by the caller). */
struct ws_conn *ws_registry_conn_new(const struct emu_api *api, const char *source_ip,
                                     const char *user_agent);
void ws_registry_conn_ref(struct ws_conn *c);
void ws_registry_conn_unref(struct ws_conn *c);

/* Marks c OPEN on socket mg and makes it findable (takes a reference). */
void ws_registry_add(struct ws_registry *reg, struct ws_conn *c, struct mg_connection *mg);
/* Marks c CLOSED, forgets its socket and removes it (drops that reference).
 * If no close code was recorded, code/reason are recorded. */
void ws_registry_remove(struct ws_registry *reg, struct ws_conn *c, int code,
                        const char *reason);
/* The connection with that id (a new reference), or NULL. */
struct ws_conn *ws_registry_get(struct ws_registry *reg, const char *id, size_t len);
size_t ws_registry_count(struct ws_registry *reg);
/* New references to every registered connection; *out is malloc'd. */
size_t ws_registry_snapshot(struct ws_registry *reg, struct ws_conn ***out);

/* Sends one frame if the connection is OPEN. Returns 0, or -1 when it is not
 * open (the caller answers 410) or the write failed. */
int ws_registry_send(struct ws_conn *c, int opcode, const void *data, size_t len);
/* Starts a server-side close: records code/reason (unless already set),
 * sends a close frame and moves to CLOSING. Returns 0, or -1 if the
 * connection was not open. */
int ws_registry_close(struct ws_conn *c, int code, const char *reason);

/* The connection whose client uses TCP port remote_port (a new reference),
 * or NULL. */
struct ws_conn *ws_registry_find_port(struct ws_registry *reg, int remote_port);
/* Shuts the socket down at once, without a close frame (a silent TCP drop):
 * records 1006 and returns 0, or -1 when the connection is not open. */
int ws_registry_kill(struct ws_conn *c);

/* Ends a connection whose client ignored our close frame: shuts its socket
 * down so that civetweb's read fails and the close callback runs. Does
 * nothing unless the connection is CLOSING. */
void ws_registry_force_close(struct ws_conn *c);

#endif
