/*
 * emu_events.h - the event stream behind the web console: publishers (the
 * connection registry, the invocation log) hand it small JSON events, and
 * each subscriber (one GET /_wsgw/events, server-sent events) reads them in
 * order from its own bounded queue.
 *
 * Invariants: publishing never blocks on a subscriber. Each subscriber's
 * queue holds at most EMU_EVENTS_QUEUE_MAX events and
 * EMU_EVENTS_QUEUE_MAX_BYTES bytes; an event that does not fit drops the
 * subscriber instead (it loses every later event, and emu_events_next
 * tells it so: it ends its stream, and the console reconnects and reloads
 * its lists). At most EMU_EVENTS_MAX_SUBSCRIBERS subscribe at once (each
 * holds a civetweb worker).
 * Ownership: the bus owns the queued text; emu_events_next moves it into
 * the caller's buffer. A subscriber belongs to the thread that subscribed
 * and must be unsubscribed by it before emu_events_free.
 * Threading: one mutex (bus->lock) guards the subscriber list and every
 * queue; it is held only to link or unlink nodes and to signal, never
 * while JSON is printed or a socket is written. Each subscriber waits on
 * its own condition variable under that mutex. The subscriber count is
 * also kept in an atomic, so that a publisher with nobody listening pays
 * one atomic load (emu_events_active) and builds nothing.
 */
#ifndef EMU_EVENTS_H
#define EMU_EVENTS_H

#include <cjson/cJSON.h>

#include "emu_buf.h"

#define EMU_EVENTS_MAX_SUBSCRIBERS 8
#define EMU_EVENTS_QUEUE_MAX 1024
#define EMU_EVENTS_QUEUE_MAX_BYTES (4 * 1024 * 1024)

struct emu_events;
struct emu_events_sub;

/* What emu_events_next found. */
enum emu_events_wait {
  EMU_EVENTS_DATA = 0,    /* one or more events were appended to out */
  EMU_EVENTS_TIMEOUT = 1, /* nothing arrived in time */
  EMU_EVENTS_DROPPED = 2, /* the subscriber fell behind and was dropped */
  EMU_EVENTS_CLOSED = 3,  /* the bus is shutting down */
};

struct emu_events *emu_events_new(void);
/* Every subscriber must have unsubscribed. NULL is allowed. */
void emu_events_free(struct emu_events *bus);
/* Wakes every subscriber for good: their emu_events_next returns
 * EMU_EVENTS_CLOSED from now on, and nobody may subscribe. */
void emu_events_close(struct emu_events *bus);

/* Whether anybody subscribes (a hint: one may come or go at once). NULL
 * bus: 0. */
int emu_events_active(const struct emu_events *bus);
/* Queues one event for every subscriber, as a server-sent event
 * "event: TYPE\ndata: JSON\n\n" (data printed unformatted, so it holds no
 * newline). type: a short word without spaces. Does nothing with a NULL
 * bus or without subscribers. Never waits for a subscriber. */
void emu_events_publish(struct emu_events *bus, const char *type, const cJSON *data);

/* A new subscriber, or NULL when EMU_EVENTS_MAX_SUBSCRIBERS already
 * listen, the bus is closed, or memory ran out. */
struct emu_events_sub *emu_events_subscribe(struct emu_events *bus);
void emu_events_unsubscribe(struct emu_events_sub *sub);
/* Waits up to timeout_ms for events and appends every queued one to out
 * (whole events only; what does not fit out's limit stays queued for the
 * next call). out's limit must be at least EMU_EVENTS_QUEUE_MAX_BYTES, the
 * largest event, and out empty: then DATA always appends something. */
enum emu_events_wait emu_events_next(struct emu_events_sub *sub, int timeout_ms,
                                     struct emu_buf *out);

#endif
