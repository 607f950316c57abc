/*
 * ws_registry.c - connection table and per-connection locking (see
 * ws_registry.h for the lock and lifetime rules).
 *
 * The table is a fixed array of hash chains; ids are random, so the first
 * bytes hash well.
 *
 * Sending (write_as_writer): the writer flag makes one thread at a time
 * the connection's writer; it writes with conn->lock released and takes
 * the lock only between frames. Posters that find a writer, or a socket
 * whose 101 is not out yet, queue a copy. Failures end the connection
 * (break_locked): 1006, no further frame, the queue dropped, the socket
 * shut down (at once when a writer is stuck; after the watchdog's close
 * grace when a write already failed, usually because the client is gone).
 */
#include "ws_registry.h"

#include <civetweb.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_sock.h"
#include "emu_time.h"
#include "ws_conn_info.h"
#include "ws_deployment.h"

#define REGISTRY_BUCKETS 4096
/* How long a closing connection's writer may go on before its socket is
 * shut down under it (ws_registry_remove). */
#define REMOVE_WRITER_WAIT_MS 100

struct ws_registry {
  pthread_rwlock_t lock;
  struct ws_conn *buckets[REGISTRY_BUCKETS];
  size_t count;
  struct emu_events *events; /* read-only after start; may be NULL */
};

static size_t bucket_of(const char *id, size_t len) {
  uint64_t h = 14695981039346656037ull;
  size_t i;

  for (i = 0; i < len; i++)
    h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
  return (size_t)(h % REGISTRY_BUCKETS);
}

static int shutdown_locked(struct ws_conn *c);

struct ws_registry *ws_registry_new(void) {
  struct ws_registry *reg = calloc(1, sizeof(*reg));

  if (reg)
    pthread_rwlock_init(&reg->lock, NULL);
  return reg;
}

void ws_registry_set_events(struct ws_registry *reg, struct emu_events *events) {
  if (reg)
    reg->events = events;
}

struct emu_events *ws_registry_events(struct ws_registry *reg) {
  return reg->events;
}

void ws_registry_free(struct ws_registry *reg) {
  size_t i;

  if (!reg)
    return;
  for (i = 0; i < REGISTRY_BUCKETS; i++) {
    while (reg->buckets[i]) {
      struct ws_conn *c = reg->buckets[i];
      reg->buckets[i] = c->next;
      ws_registry_conn_unref(c);
    }
  }
  pthread_rwlock_destroy(&reg->lock);
  free(reg);
}

struct ws_conn *ws_registry_conn_new(struct ws_deployment *d, const struct emu_api *api,
                                     const char *source_ip, const char *user_agent) {
  struct ws_conn *c = calloc(1, sizeof(*c));

  if (!c) {
    ws_deployment_release(d);
    return NULL;
  }
  emu_id_new(c->id);
  c->api = api;
  c->deployment = d;
  c->connected_at_ms = emu_time_now_ms();
  atomic_store(&c->last_active_ms, c->connected_at_ms);
  atomic_init(&c->frames_in, 0);
  atomic_init(&c->frames_out, 0);
  atomic_init(&c->dirty, 0);
  snprintf(c->source_ip, sizeof(c->source_ip), "%s", source_ip ? source_ip : "127.0.0.1");
  c->user_agent = user_agent ? strdup(user_agent) : NULL;
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->writer_done, NULL);
  atomic_store(&c->write_started_ms, 0);
  c->state = WS_CONN_CONNECTING;
  /* SPEC docs/spec/apigw-websocket.md 6: message payload 128 KB (the cap of the
   * assembly buffer; the gateway checks it before appending). */
  emu_buf_init(&c->message, 128 * 1024);
  atomic_store(&c->refs, 1);
  return c;
}

void ws_registry_conn_ref(struct ws_conn *c) {
  atomic_fetch_add(&c->refs, 1);
}

static void drop_queue_locked(struct ws_conn *c) {
  struct ws_out *f = c->out_head;

  while (f) {
    struct ws_out *next = f->next;
    free(f);
    f = next;
  }
  c->out_head = c->out_tail = NULL;
  c->out_bytes = 0;
}

void ws_registry_conn_unref(struct ws_conn *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
    return;
  drop_queue_locked(c);
  pthread_cond_destroy(&c->writer_done);
  pthread_mutex_destroy(&c->lock);
  emu_buf_free(&c->message);
  cJSON_Delete(c->authorizer);
  free(c->user_agent);
  free(c->subprotocol);
  ws_deployment_release(c->deployment);
  free(c);
}

void ws_registry_add(struct ws_registry *reg, struct ws_conn *c, struct mg_connection *mg) {
  size_t b = bucket_of(c->id, EMU_ID_LEN);

  pthread_mutex_lock(&c->lock);
  c->mg = mg;
  c->state = WS_CONN_OPEN;
  c->ready = 0;
  pthread_mutex_unlock(&c->lock);
  ws_registry_conn_ref(c);
  pthread_rwlock_wrlock(&reg->lock);
  c->next = reg->buckets[b];
  reg->buckets[b] = c;
  reg->count++;
  pthread_rwlock_unlock(&reg->lock);
  ws_conn_info_publish(reg->events, c);
}

void ws_registry_remove(struct ws_registry *reg, struct ws_conn *c, int code, const char *reason) {
  size_t b = bucket_of(c->id, EMU_ID_LEN);
  struct ws_conn **pp;
  int found = 0, closed_code;
  char closed_reason[sizeof(c->close_reason)];

  pthread_mutex_lock(&c->lock);
  if (c->close_code == 0) {
    c->close_code = code;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
  }
  if (c->state == WS_CONN_OPEN)
    c->state = WS_CONN_CLOSING; /* no new frames */
  if (c->writing) {
    /* Let a writer finish what is queued (a close echo behind a broadcast)
     * for a moment; one still at the socket then (a client that stopped
     * reading) gets its socket shut down, so that its write fails at once.
     * The descriptor is still this connection's: the close callback has not
     * returned. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += REMOVE_WRITER_WAIT_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    while (c->writing && pthread_cond_timedwait(&c->writer_done, &c->lock, &until) == 0)
      ;
    if (c->writing && c->mg)
      shutdown_locked(c);
  }
  c->state = WS_CONN_CLOSED;
  while (c->writing)
    pthread_cond_wait(&c->writer_done, &c->lock);
  drop_queue_locked(c);
  c->mg = NULL;
  closed_code = c->close_code;
  snprintf(closed_reason, sizeof(closed_reason), "%s", c->close_reason);
  pthread_mutex_unlock(&c->lock);
  pthread_rwlock_wrlock(&reg->lock);
  for (pp = &reg->buckets[b]; *pp; pp = &(*pp)->next) {
    if (*pp == c) {
      *pp = c->next;
      reg->count--;
      found = 1;
      break;
    }
  }
  pthread_rwlock_unlock(&reg->lock);
  if (found)
    ws_conn_info_publish_gone(reg->events, c, closed_code, closed_reason);
  if (found)
    ws_registry_conn_unref(c);
}

struct ws_conn *ws_registry_get(struct ws_registry *reg, const char *id, size_t len) {
  struct ws_conn *c;

  if (len != EMU_ID_LEN)
    return NULL;
  pthread_rwlock_rdlock(&reg->lock);
  for (c = reg->buckets[bucket_of(id, len)]; c; c = c->next)
    if (memcmp(c->id, id, len) == 0)
      break;
  if (c)
    ws_registry_conn_ref(c);
  pthread_rwlock_unlock(&reg->lock);
  return c;
}

size_t ws_registry_count(struct ws_registry *reg) {
  size_t n;

  pthread_rwlock_rdlock(&reg->lock);
  n = reg->count;
  pthread_rwlock_unlock(&reg->lock);
  return n;
}

size_t ws_registry_snapshot(struct ws_registry *reg, struct ws_conn ***out) {
  size_t i, n = 0;
  struct ws_conn *c;

  pthread_rwlock_rdlock(&reg->lock);
  *out = malloc((reg->count + 1) * sizeof(**out));
  for (i = 0; i < REGISTRY_BUCKETS && *out; i++)
    for (c = reg->buckets[i]; c; c = c->next) {
      ws_registry_conn_ref(c);
      (*out)[n++] = c;
    }
  pthread_rwlock_unlock(&reg->lock);
  return n;
}

/* The connection find_socket looks for, and what it found. */
struct socket_query {
  const char *ip;
  int remote_port, local_port;
  int fd;
};

static int socket_matches(int fd, const struct sockaddr_storage *self,
                          const struct sockaddr_storage *peer, void *arg) {
  struct socket_query *q = arg;
  char host[EMU_SOCK_HOST_MAX];

  if (emu_sock_port(peer) != q->remote_port || emu_sock_port(self) != q->local_port ||
      !emu_sock_host(peer, host, sizeof(host)) || strcmp(host, q->ip) != 0)
    return 0;
  q->fd = fd;
  return 1;
}

/* The socket of our side of the TCP connection to the client's port, or
 * -1 (emu_sock: civetweb does not expose it). Only on the rare paths that
 * shut a socket down, so the linear scan is acceptable. */
static int find_socket(const char *ip, int remote_port, int local_port) {
  struct socket_query q = {ip, remote_port, local_port, -1};

  emu_sock_each(socket_matches, &q);
  return q.fd;
}

/* Shuts c's socket down (c->lock held, c registered and not CLOSED, so the
 * descriptor is still c's). Returns 0, or -1 when it was not found. */
static int shutdown_locked(struct ws_conn *c) {
  int fd = find_socket(c->source_ip, c->remote_port, c->local_port);

  if (fd < 0)
    return -1;
  shutdown(fd, SHUT_RDWR);
  return 0;
}

/* c's socket cannot take its data (c->lock held, c OPEN or CLOSING with a
 * socket): records 1006 unless an end was recorded, refuses further frames
 * (nothing follows a partial frame) and drops the queue. With `shut`, also
 * shuts the socket down, so that a blocked write and the worker's read fail
 * at once (its close callback then runs $disconnect); returns
 * shutdown_locked's result. Without (a write that already failed: usually
 * the client is gone and the read fails anyway), the watchdog shuts it down
 * after CLOSE_GRACE_MS if the connection is still there, sparing the common
 * case the descriptor scan. */
static int break_locked(struct ws_conn *c, int shut) {
  if (c->close_code == 0) {
    /* SPEC docs/spec/apigw-websocket.md 8: an abnormal end without a close frame
     * -> 1006. */
    c->close_code = 1006;
    c->close_reason[0] = '\0';
  }
  c->broken = 1;
  if (c->state == WS_CONN_OPEN) {
    c->state = WS_CONN_CLOSING;
    c->closing_since_ms = emu_time_mono_ms();
  }
  drop_queue_locked(c);
  return shut ? shutdown_locked(c) : 0;
}

/* Appends a copy of a frame to c's queue (c->lock held). Unless `always`,
 * a frame that would take the queue past WS_OUT_QUEUE_MAX ends c instead
 * (break_locked). Returns 0, or -1 when the frame was not queued. */
static int enqueue_locked(struct ws_conn *c, int opcode, const void *data, size_t len, int always) {
  struct ws_out *f;

  if (!always && c->out_bytes > 0 && c->out_bytes + len > WS_OUT_QUEUE_MAX) {
    break_locked(c, 1); /* the writer is stuck on it */
    return -1;
  }
  f = malloc(sizeof(*f) + len);
  if (!f) {
    break_locked(c, 1);
    return -1;
  }
  f->next = NULL;
  f->opcode = opcode;
  f->len = len;
  if (len)
    memcpy(f->data, data, len);
  if (c->out_tail)
    c->out_tail->next = f;
  else
    c->out_head = f;
  c->out_tail = f;
  c->out_bytes += len;
  return 0;
}

/* One frame on the socket, without c->lock. civetweb returns the payload
 * bytes written (the header's when there is none), -1, or a partial count
 * when its write timed out: only a whole frame is a success. */
static int write_one(struct ws_conn *c, struct mg_connection *mg, int opcode, const void *data,
                     size_t len) {
  int64_t now = emu_time_mono_ms();
  int n;

  atomic_store(&c->write_started_ms, now > 0 ? now : 1);
  n = mg_websocket_write(mg, opcode, (const char *)data, len);
  atomic_store(&c->write_started_ms, 0);
  return n > 0 && (len == 0 || (size_t)n == len) ? 0 : -1;
}

/* Makes the caller c's writer (c->lock held; c ready, nobody writing): its
 * own frame first when `own`, then every queued frame, in order, with the
 * lock released around each write. Returns with the lock held and the
 * writer gone: 0 when the own frame went out whole, else -1. */
static int write_as_writer(struct ws_conn *c, int own, int opcode, const void *data, size_t len) {
  struct mg_connection *mg = c->mg;
  int rc = 0;

  c->writing = 1;
  if (own) {
    pthread_mutex_unlock(&c->lock);
    rc = write_one(c, mg, opcode, data, len);
    pthread_mutex_lock(&c->lock);
    if (rc != 0 && c->state != WS_CONN_CLOSED)
      break_locked(c, 0);
  }
  while (c->out_head && !c->broken && c->state != WS_CONN_CLOSED) {
    struct ws_out *f = c->out_head;
    int r;
    c->out_head = f->next;
    if (!c->out_head)
      c->out_tail = NULL;
    c->out_bytes -= f->len;
    pthread_mutex_unlock(&c->lock);
    r = write_one(c, mg, f->opcode, f->data, f->len);
    free(f);
    pthread_mutex_lock(&c->lock);
    if (r != 0 && c->state != WS_CONN_CLOSED)
      break_locked(c, 0);
  }
  c->writing = 0;
  pthread_cond_broadcast(&c->writer_done);
  return rc;
}

void ws_registry_ready(struct ws_conn *c) {
  pthread_mutex_lock(&c->lock);
  c->ready = 1;
  /* A DELETE that came before the 101: its client gets the grace from now. */
  if (c->state == WS_CONN_CLOSING)
    c->closing_since_ms = emu_time_mono_ms();
  if (!c->writing && c->out_head && c->mg && c->state != WS_CONN_CLOSED)
    write_as_writer(c, 0, 0, NULL, 0);
  pthread_mutex_unlock(&c->lock);
}

int ws_registry_send(struct ws_conn *c, int opcode, const void *data, size_t len) {
  int rc;

  pthread_mutex_lock(&c->lock);
  if (c->state != WS_CONN_OPEN || !c->mg)
    rc = -1;
  else if (!c->ready || c->writing)
    rc = enqueue_locked(c, opcode, data, len, 0);
  else
    rc = write_as_writer(c, 1, opcode, data, len);
  pthread_mutex_unlock(&c->lock);
  if (rc == 0 && (opcode == MG_WEBSOCKET_OPCODE_TEXT || opcode == MG_WEBSOCKET_OPCODE_BINARY)) {
    /* The count, then the flag with release: the watchdog's exchange of
     * the flag (ws_gateway.c) then sees this count or a later one. */
    atomic_fetch_add_explicit(&c->frames_out, 1, memory_order_relaxed);
    atomic_store_explicit(&c->dirty, 1, memory_order_release);
  }
  return rc;
}

int ws_registry_close(struct ws_conn *c, int code, const char *reason) {
  unsigned char frame[125];
  size_t rlen = reason ? strlen(reason) : 0, flen;
  int rc = -1;

  /* RFC 6455 5.5: control frame payloads are at most 125 bytes. */
  if (rlen > sizeof(frame) - 2)
    rlen = sizeof(frame) - 2;
  frame[0] = (unsigned char)(code >> 8);
  frame[1] = (unsigned char)(code & 0xFF);
  if (rlen)
    memcpy(frame + 2, reason, rlen);
  /* RFC 6455 7.4.1: 1005 and 1006 must not be sent in a close frame; the
   * close is echoed without a payload then. */
  flen = code == 1005 || code == 1006 ? 0 : rlen + 2;
  pthread_mutex_lock(&c->lock);
  if (c->state == WS_CONN_OPEN && c->mg) {
    if (c->close_code == 0) {
      c->close_code = code;
      snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
    }
    c->state = WS_CONN_CLOSING;
    c->closing_since_ms = emu_time_mono_ms();
    /* Behind the frames already queued; before the 101, ws_registry_ready
     * sends it right after them. */
    if (!c->ready || c->writing)
      enqueue_locked(c, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, frame, flen, 1);
    else
      write_as_writer(c, 1, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, frame, flen);
    rc = 0;
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

int ws_registry_write_overdue(struct ws_conn *c, int64_t now_ms, int64_t deadline_ms) {
  int64_t since = atomic_load(&c->write_started_ms);
  int rc = 0;

  if (since == 0 || now_ms - since < deadline_ms)
    return 0;
  /* The writer does not hold the lock while it writes: this never waits
   * for the socket. */
  pthread_mutex_lock(&c->lock);
  since = atomic_load(&c->write_started_ms);
  if (since != 0 && now_ms - since >= deadline_ms && c->mg &&
      (c->state == WS_CONN_OPEN || c->state == WS_CONN_CLOSING)) {
    break_locked(c, 1);
    rc = 1;
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

void ws_registry_force_close(struct ws_conn *c) {
  pthread_mutex_lock(&c->lock);
  /* Under the lock the close callback has not run, so the descriptor still
   * belongs to this connection. */
  if (c->state == WS_CONN_CLOSING && c->mg)
    shutdown_locked(c);
  pthread_mutex_unlock(&c->lock);
}

struct ws_conn *ws_registry_find_port(struct ws_registry *reg, int remote_port) {
  struct ws_conn *c, *found = NULL;
  size_t i;

  pthread_rwlock_rdlock(&reg->lock);
  for (i = 0; i < REGISTRY_BUCKETS && !found; i++)
    for (c = reg->buckets[i]; c && !found; c = c->next)
      if (c->remote_port == remote_port) {
        ws_registry_conn_ref(c);
        found = c;
      }
  pthread_rwlock_unlock(&reg->lock);
  return found;
}

int ws_registry_kill(struct ws_conn *c) {
  int rc = -1;

  pthread_mutex_lock(&c->lock);
  if ((c->state == WS_CONN_OPEN || c->state == WS_CONN_CLOSING) && c->mg)
    rc = break_locked(c, 1);
  pthread_mutex_unlock(&c->lock);
  return rc;
}

int ws_registry_kill_id(struct ws_registry *reg, const char *connection_id) {
  struct ws_conn *c = ws_registry_get(reg, connection_id, strlen(connection_id));
  int rc;

  if (!c)
    return -1;
  rc = ws_registry_kill(c);
  ws_registry_conn_unref(c);
  return rc;
}

int ws_registry_id_for_port(struct ws_registry *reg, int remote_port, char id[EMU_ID_LEN + 1]) {
  struct ws_conn *c = ws_registry_find_port(reg, remote_port);

  if (!c)
    return -1;
  memcpy(id, c->id, EMU_ID_LEN + 1);
  ws_registry_conn_unref(c);
  return 0;
}
