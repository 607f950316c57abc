/*
 * ws_conn_info.h - a live connection as the console and GET
 * /_wsgw/connections show it, and the console's connection events.
 *
 *   {"connectionId", "api", "stage", "sourceIp", "userAgent" (when the
 *    client sent one), "connectedAt", "lastActiveAt" (ISO 8601 UTC, ms),
 *    "framesIn", "framesOut"}
 *
 * Events (emu_events.h): "connection" with that object when a connection
 * is registered and, at most once per watchdog pass, when its counters
 * changed; "disconnect" {"connectionId", "closeCode", "closeReason"} when
 * it is removed.
 * Threading: reads only a connection's read-only fields and atomics (no
 * lock); any thread holding a reference to it.
 */
#ifndef WS_CONN_INFO_H
#define WS_CONN_INFO_H

#include <cjson/cJSON.h>

struct ws_conn;
struct emu_events;

/* A new object (the caller owns it). */
cJSON *ws_conn_info_json(struct ws_conn *c);
/* A "connection" event for c (nothing without subscribers; events may be
 * NULL). */
void ws_conn_info_publish(struct emu_events *events, struct ws_conn *c);
/* A "disconnect" event for c, which ended with code and reason. */
void ws_conn_info_publish_gone(struct emu_events *events, struct ws_conn *c, int code,
                               const char *reason);

#endif
