/*
 * ws_registry.c - connection table and per-connection locking (see
 * ws_registry.h for the lock and lifetime rules).
 *
 * The table is a fixed array of hash chains; ids are random, so the first
 * bytes hash well.
 */
#include "ws_registry.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_time.h"

#define REGISTRY_BUCKETS 4096

struct ws_registry {
  pthread_rwlock_t lock;
  struct ws_conn *buckets[REGISTRY_BUCKETS];
  size_t count;
};

static size_t bucket_of(const char *id, size_t len) {
  uint64_t h = 14695981039346656037ull;
  size_t i;

  for (i = 0; i < len; i++)
    h = (h ^ (unsigned char)id[i]) * 1099511628211ull;
  return (size_t)(h % REGISTRY_BUCKETS);
}

struct ws_registry *ws_registry_new(void) {
  struct ws_registry *reg = calloc(1, sizeof(*reg));

  if (reg)
    pthread_rwlock_init(&reg->lock, NULL);
  return reg;
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

struct ws_conn *ws_registry_conn_new(const struct emu_api *api, const char *source_ip,
                                     const char *user_agent) {
  struct ws_conn *c = calloc(1, sizeof(*c));

  if (!c)
    return NULL;
  emu_id_new(c->id);
  c->api = api;
  c->connected_at_ms = emu_time_now_ms();
  atomic_store(&c->last_active_ms, c->connected_at_ms);
  snprintf(c->source_ip, sizeof(c->source_ip), "%s", source_ip ? source_ip : "127.0.0.1");
  c->user_agent = user_agent ? strdup(user_agent) : NULL;
  pthread_mutex_init(&c->lock, NULL);
  c->state = WS_CONN_CONNECTING;
  /* SPEC apigw-websocket.md 6: message payload 128 KB (the cap of the
   * assembly buffer; the gateway checks it before appending). */
  emu_buf_init(&c->message, 128 * 1024);
  atomic_store(&c->refs, 1);
  return c;
}

void ws_registry_conn_ref(struct ws_conn *c) { atomic_fetch_add(&c->refs, 1); }

void ws_registry_conn_unref(struct ws_conn *c) {
  if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
    return;
  pthread_mutex_destroy(&c->lock);
  emu_buf_free(&c->message);
  cJSON_Delete(c->authorizer);
  free(c->user_agent);
  free(c->subprotocol);
  free(c);
}

void ws_registry_add(struct ws_registry *reg, struct ws_conn *c, struct mg_connection *mg) {
  size_t b = bucket_of(c->id, EMU_ID_LEN);

  pthread_mutex_lock(&c->lock);
  c->mg = mg;
  c->state = WS_CONN_OPEN;
  pthread_mutex_unlock(&c->lock);
  ws_registry_conn_ref(c);
  pthread_rwlock_wrlock(&reg->lock);
  c->next = reg->buckets[b];
  reg->buckets[b] = c;
  reg->count++;
  pthread_rwlock_unlock(&reg->lock);
}

void ws_registry_remove(struct ws_registry *reg, struct ws_conn *c, int code,
                        const char *reason) {
  size_t b = bucket_of(c->id, EMU_ID_LEN);
  struct ws_conn **pp;
  int found = 0;

  pthread_mutex_lock(&c->lock);
  c->mg = NULL;
  c->state = WS_CONN_CLOSED;
  if (c->close_code == 0) {
    c->close_code = code;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
  }
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

int ws_registry_send(struct ws_conn *c, int opcode, const void *data, size_t len) {
  int rc = -1;

  pthread_mutex_lock(&c->lock);
  if (c->state == WS_CONN_OPEN && c->mg)
    rc = mg_websocket_write(c->mg, opcode, data, len) > 0 || len == 0 ? 0 : -1;
  pthread_mutex_unlock(&c->lock);
  return rc;
}

int ws_registry_close(struct ws_conn *c, int code, const char *reason) {
  unsigned char frame[125];
  size_t rlen = reason ? strlen(reason) : 0;
  int rc = -1;

  /* RFC 6455 5.5: control frame payloads are at most 125 bytes. */
  if (rlen > sizeof(frame) - 2)
    rlen = sizeof(frame) - 2;
  frame[0] = (unsigned char)(code >> 8);
  frame[1] = (unsigned char)(code & 0xFF);
  if (rlen)
    memcpy(frame + 2, reason, rlen);
  pthread_mutex_lock(&c->lock);
  if (c->state == WS_CONN_OPEN && c->mg) {
    if (c->close_code == 0) {
      c->close_code = code;
      snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
    }
    c->state = WS_CONN_CLOSING;
    c->closing_since_ms = emu_time_mono_ms();
    /* RFC 6455 7.4.1: 1005 and 1006 must not be sent in a close frame; the
     * close is echoed without a payload then. */
    mg_websocket_write(c->mg, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, (const char *)frame,
                       code == 1005 || code == 1006 ? 0 : rlen + 2);
    rc = 0;
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}

/* The socket of our side of the TCP connection to the client's port: found
 * by peer address among this process's descriptors (civetweb does not
 * expose it). Only used when a client ignores a close, so the linear scan
 * is acceptable. */
static int find_socket(const char *ip, int remote_port, int local_port) {
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int found = -1;

  if (!d)
    return -1;
  while (found < 0 && (e = readdir(d)) != NULL) {
    struct sockaddr_storage peer, self;
    socklen_t plen = sizeof(peer), slen = sizeof(self);
    char host[INET6_ADDRSTRLEN];
    int fd, pport, sport;
    char *end;
    long v = strtol(e->d_name, &end, 10);
    if (*end || v < 0)
      continue;
    fd = (int)v;
    if (getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 ||
        getsockname(fd, (struct sockaddr *)&self, &slen) != 0)
      continue;
    if (peer.ss_family == AF_INET) {
      inet_ntop(AF_INET, &((struct sockaddr_in *)&peer)->sin_addr, host, sizeof(host));
      pport = ntohs(((struct sockaddr_in *)&peer)->sin_port);
      sport = ntohs(((struct sockaddr_in *)&self)->sin_port);
    } else if (peer.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&peer)->sin6_addr, host, sizeof(host));
      pport = ntohs(((struct sockaddr_in6 *)&peer)->sin6_port);
      sport = ntohs(((struct sockaddr_in6 *)&self)->sin6_port);
    } else {
      continue;
    }
    if (pport == remote_port && sport == local_port && strcmp(host, ip) == 0)
      found = fd;
  }
  closedir(d);
  return found;
}

void ws_registry_force_close(struct ws_conn *c) {
  pthread_mutex_lock(&c->lock);
  /* Under the lock the close callback has not run, so the descriptor still
   * belongs to this connection. */
  if (c->state == WS_CONN_CLOSING && c->mg) {
    int fd = find_socket(c->source_ip, c->remote_port, c->local_port);
    if (fd >= 0)
      shutdown(fd, SHUT_RDWR);
  }
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
  if ((c->state == WS_CONN_OPEN || c->state == WS_CONN_CLOSING) && c->mg) {
    int fd = find_socket(c->source_ip, c->remote_port, c->local_port);
    if (fd >= 0) {
      if (c->close_code == 0) {
        c->close_code = 1006;
        c->close_reason[0] = '\0';
      }
      c->state = WS_CONN_CLOSING;
      shutdown(fd, SHUT_RDWR);
      rc = 0;
    }
  }
  pthread_mutex_unlock(&c->lock);
  return rc;
}
