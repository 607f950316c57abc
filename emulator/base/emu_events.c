/*
 * emu_events.c - the console's event stream (see emu_events.h).
 *
 * Each subscriber has a FIFO of nodes, each one printed server-sent event.
 * A publisher prints the event once, outside the lock, then under the lock
 * appends a copy to every subscriber's FIFO that has room and marks the
 * others dropped (their FIFOs are emptied at once, so a dropped subscriber
 * holds no memory). Nodes are freed outside the lock where it is easy
 * (dropping), and inside it in emu_events_next (one free per event read:
 * small, and the reader is the only one waiting on its own queue).
 */
#include "emu_events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct node {
  struct node *next;
  size_t len;
  char text[];
};

struct emu_events_sub {
  struct emu_events *bus;
  struct emu_events_sub *next; /* the bus's list, guarded by bus->lock */
  pthread_cond_t wake;         /* signalled under bus->lock */
  struct node *head, *tail;    /* guarded by bus->lock */
  size_t count, bytes;         /* guarded by bus->lock */
  int dropped;                 /* guarded by bus->lock */
};

struct emu_events {
  pthread_mutex_t lock; /* guards subs, closed and every subscriber's queue */
  struct emu_events_sub *subs;
  int closed;
  atomic_int nsubs; /* the list's length, readable without the lock */
};

struct emu_events *emu_events_new(void) {
  struct emu_events *bus = calloc(1, sizeof(*bus));

  if (!bus)
    return NULL;
  pthread_mutex_init(&bus->lock, NULL);
  atomic_init(&bus->nsubs, 0);
  return bus;
}

void emu_events_free(struct emu_events *bus) {
  if (!bus)
    return;
  pthread_mutex_destroy(&bus->lock);
  free(bus);
}

void emu_events_close(struct emu_events *bus) {
  struct emu_events_sub *s;

  if (!bus)
    return;
  pthread_mutex_lock(&bus->lock);
  bus->closed = 1;
  for (s = bus->subs; s; s = s->next)
    pthread_cond_signal(&s->wake);
  pthread_mutex_unlock(&bus->lock);
}

int emu_events_active(const struct emu_events *bus) {
  return bus && atomic_load(&bus->nsubs) > 0;
}

/* Detaches a subscriber's queue (the caller frees it outside the lock). */
static struct node *take_queue_locked(struct emu_events_sub *s) {
  struct node *q = s->head;

  s->head = s->tail = NULL;
  s->count = s->bytes = 0;
  return q;
}

static void free_nodes(struct node *n) {
  while (n) {
    struct node *next = n->next;
    free(n);
    n = next;
  }
}

void emu_events_publish(struct emu_events *bus, const char *type, const cJSON *data) {
  struct emu_events_sub *s;
  struct node *garbage = NULL;
  struct emu_buf text;
  char *json;

  if (!emu_events_active(bus))
    return;
  json = cJSON_PrintUnformatted(data);
  if (!json)
    return;
  emu_buf_init(&text, EMU_EVENTS_QUEUE_MAX_BYTES);
  if (emu_buf_printf(&text, "event: %s\ndata: %s\n\n", type, json) != 0) {
    /* Larger than a whole queue: every subscriber would be dropped by it;
     * it is left out instead (publishers keep events small). */
    cJSON_free(json);
    emu_buf_free(&text);
    return;
  }
  cJSON_free(json);
  pthread_mutex_lock(&bus->lock);
  for (s = bus->subs; s; s = s->next) {
    struct node *n;
    if (s->dropped)
      continue;
    if (s->count >= EMU_EVENTS_QUEUE_MAX || s->bytes + text.len > EMU_EVENTS_QUEUE_MAX_BYTES ||
        !(n = malloc(sizeof(*n) + text.len))) {
      /* Too slow (or no memory): the subscriber is dropped, never waited
       * for. Its queue goes now. */
      struct node *q = take_queue_locked(s);
      if (q) {
        struct node *last = q;
        while (last->next)
          last = last->next;
        last->next = garbage;
        garbage = q;
      }
      s->dropped = 1;
      pthread_cond_signal(&s->wake);
      continue;
    }
    n->next = NULL;
    n->len = text.len;
    memcpy(n->text, text.data, text.len);
    if (s->tail)
      s->tail->next = n;
    else
      s->head = n;
    s->tail = n;
    s->count++;
    s->bytes += n->len;
    pthread_cond_signal(&s->wake);
  }
  pthread_mutex_unlock(&bus->lock);
  emu_buf_free(&text);
  free_nodes(garbage);
}

struct emu_events_sub *emu_events_subscribe(struct emu_events *bus) {
  struct emu_events_sub *s;
  pthread_condattr_t attr;

  if (!bus || !(s = calloc(1, sizeof(*s))))
    return NULL;
  s->bus = bus;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&s->wake, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_lock(&bus->lock);
  if (bus->closed || atomic_load(&bus->nsubs) >= EMU_EVENTS_MAX_SUBSCRIBERS) {
    pthread_mutex_unlock(&bus->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
    return NULL;
  }
  s->next = bus->subs;
  bus->subs = s;
  atomic_fetch_add(&bus->nsubs, 1);
  pthread_mutex_unlock(&bus->lock);
  return s;
}

void emu_events_unsubscribe(struct emu_events_sub *sub) {
  struct emu_events *bus;
  struct emu_events_sub **pp;
  struct node *q;

  if (!sub)
    return;
  bus = sub->bus;
  pthread_mutex_lock(&bus->lock);
  for (pp = &bus->subs; *pp; pp = &(*pp)->next) {
    if (*pp == sub) {
      *pp = sub->next;
      atomic_fetch_sub(&bus->nsubs, 1);
      break;
    }
  }
  q = take_queue_locked(sub);
  pthread_mutex_unlock(&bus->lock);
  free_nodes(q);
  pthread_cond_destroy(&sub->wake);
  free(sub);
}

enum emu_events_wait emu_events_next(struct emu_events_sub *sub, int timeout_ms,
                                     struct emu_buf *out) {
  struct emu_events *bus = sub->bus;
  struct timespec until;
  enum emu_events_wait rc;

  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += timeout_ms / 1000;
  until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  until.tv_sec += until.tv_nsec / 1000000000L;
  until.tv_nsec %= 1000000000L;
  pthread_mutex_lock(&bus->lock);
  while (!sub->head && !sub->dropped && !bus->closed &&
         pthread_cond_timedwait(&sub->wake, &bus->lock, &until) == 0)
    ;
  if (bus->closed)
    rc = EMU_EVENTS_CLOSED;
  else if (sub->dropped)
    rc = EMU_EVENTS_DROPPED;
  else if (!sub->head)
    rc = EMU_EVENTS_TIMEOUT;
  else {
    rc = EMU_EVENTS_DATA;
    while (sub->head && emu_buf_append(out, sub->head->text, sub->head->len) == 0) {
      struct node *n = sub->head;
      sub->head = n->next;
      if (!sub->head)
        sub->tail = NULL;
      sub->count--;
      sub->bytes -= n->len;
      free(n);
    }
  }
  pthread_mutex_unlock(&bus->lock);
  return rc;
}
