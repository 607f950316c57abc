/*
 * console_events.h - GET /_wsgw/events: the console's live updates as
 * server-sent events (text/event-stream), from the emu_events bus.
 *
 *   event: hello        {} once, first: the console (re)loads its lists
 *   event: connection   a connection registered or its counters changed
 *                       (ws_conn_info.h)
 *   event: disconnect   {"connectionId", "closeCode", "closeReason"}
 *   event: invocation   an invocation log entry without "event" and
 *                       "response" (emu_invocations.h)
 *   event: dropped      {} last: this stream fell behind and lost events
 *
 * A comment line every 2 s finds closed clients (within about 4 s). The response is chunked:
 * it ends cleanly (a dropped stream, the server stopping) and the browser's
 * EventSource reconnects after "retry" (1 s). At most
 * EMU_EVENTS_MAX_SUBSCRIBERS streams at once (each holds a civetweb
 * worker): 503 beyond.
 * Threading: the calling worker, for the stream's whole life.
 */
#ifndef CONSOLE_EVENTS_H
#define CONSOLE_EVENTS_H

struct emu;
struct mg_connection;

void console_events_serve(struct emu *emu, struct mg_connection *conn);

#endif
