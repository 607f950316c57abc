/*
 * emu_invocations.h - the invocation log: which handler ran, for which
 * route and connection, with which event and result. The test kit, the
 * scenario runner and GET /_wsgw/invocations query it.
 *
 * Bounded: the oldest entries are dropped past EMU_INVOCATIONS_MAX entries
 * or EMU_INVOCATIONS_MAX_BYTES of stored JSON.
 * Threading: one mutex guards the log; events are moved in, everything
 * else is copied in and out; dropped entries are freed outside the lock.
 */
#ifndef EMU_INVOCATIONS_H
#define EMU_INVOCATIONS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#define EMU_INVOCATIONS_MAX 10000
#define EMU_INVOCATIONS_MAX_BYTES (32 * 1024 * 1024)

struct emu_invocations;
struct emu_events;

struct emu_invocations *emu_invocations_new(void);
void emu_invocations_free(struct emu_invocations *log);
/* The console's event stream (not owned, may be NULL; set before the first
 * add): each add publishes an "invocation" event, the entry without its
 * "event" and "response" (emu_invocations_get has them). Events can arrive
 * out of seq order when invocations end at once. */
void emu_invocations_set_events(struct emu_invocations *log, struct emu_events *events);

/* Records one invocation. request_id: Lambda's awsRequestId (may be NULL).
 * outcome: "ok", "error" or "timeout"; response may be NULL. The log takes
 * the event and `logs` (an array of the handler's wsgw_log lines, bounded
 * by the caller, or NULL): they are freed when the entry is dropped, or at
 * once when log is NULL. The response is copied. init_ms: the init duration
 * of a cold start (an out-of-process function's new process), or -1. */
void emu_invocations_add(struct emu_invocations *log, const char *handler, const char *request_id,
                         cJSON *event, const char *outcome, const cJSON *response,
                         const char *error, cJSON *logs, int64_t duration_ms, int64_t init_ms);
/* Entries matching every non-NULL filter, oldest first, as a new array:
 * [{"seq", "handler", "requestId", "routeKey", "eventType", "connectionId",
 *   "outcome", "statusCode", "durationMs", "initDurationMs", "error", "logs", "event",
 *   "response"}] ("logs": the wsgw_log lines, only when there were some).
 * A DynamoDB stream event (an event source mapping's invocation) is logged
 * with routeKey "stream:<table>" and eventType "STREAM". */
cJSON *emu_invocations_query(struct emu_invocations *log, const char *route_key,
                             const char *connection_id, const char *handler);
/* The last `last` entries (at most; every entry when last <= 0), oldest
 * first, without "event" and "response": what the console lists. */
cJSON *emu_invocations_summaries(struct emu_invocations *log, int last);
/* A copy of the entry with that seq, or NULL when it is not (or no
 * longer) in the log. */
cJSON *emu_invocations_get(struct emu_invocations *log, long seq);
/* How many entries match (same filters), without copying them. */
int emu_invocations_count(struct emu_invocations *log, const char *route_key,
                          const char *connection_id, const char *handler);
void emu_invocations_clear(struct emu_invocations *log);

#endif
