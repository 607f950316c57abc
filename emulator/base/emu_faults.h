/*
 * emu_faults.h - fault injection: standing faults that the emulator's hook
 * points consult, added and removed at run time (test kit API, the config's
 * "faults", and the HTTP control endpoint /_wsgw/faults).
 *
 * A fault is a JSON object (the same shape everywhere):
 *   {"type": "disconnect.drop",   "connectionId": "<id>|*"}
 *   {"type": "disconnect.delay",  "connectionId": "<id>|*", "ms": 500}
 *   {"type": "connections.error", "connectionId": "<id>|*", "status": 410|429|403|500}
 *   {"type": "dynamodb.error",    "operation": "<Op>|*", "table": "<name>|*",
 *                                 "error": "ProvisionedThroughputExceededException"
 *                                        | "ThrottlingException" | "InternalServerError"}
 *   {"type": "handler.latency",   "handler": "<name>|*", "ms": 200}
 *   {"type": "handler.timeout",   "handler": "<name>|*"}
 *   {"type": "handshake.delay",   "connectionId": "<id>|*", "ms": 300}
 *       (the 101 leaves ms after $connect accepted the connection: it is
 *       established meanwhile, so posts are queued and a DELETE closes it
 *       right after the 101)
 *   {"type": "stream.error",      "table": "<name>|*"}
 *       (an event source mapping's invocation of the table's stream
 *       function fails without running it, as a function error would:
 *       the batch is retried; logged in the invocation log as "error")
 * plus, on any fault, "count": N (fires N times, then is spent; default
 * unlimited; at most EMU_FAULTS_MAX_COUNT) and "rate": 0..1 (probability
 * per match, default 1; drawn from a generator seeded by "seed", default 1,
 * a number from 0 to 2^53, so runs repeat).
 *
 * Every fault that fires is logged ("[fault] ...") and counted in its
 * "hits"; emu_faults_list shows them. emu_faults_reset removes all.
 * Threading: one mutex guards the list; hooks may run on any thread.
 */
#ifndef EMU_FAULTS_H
#define EMU_FAULTS_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct emu_faults;

#define EMU_FAULTS_MAX 256                     /* faults in force at once */
#define EMU_FAULTS_MAX_COUNT 1000000000        /* largest "count" */
#define EMU_FAULTS_MAX_SEED 9007199254740992.0 /* largest "seed": 2^53, exact in a double */

struct emu_faults *emu_faults_new(void);
void emu_faults_free(struct emu_faults *f);

/* Adds a fault from its JSON description. Returns its id (>= 1), or -1 with
 * one line in err for an invalid description. */
int emu_faults_add(struct emu_faults *f, const cJSON *spec, char *err, size_t cap);
/* Adds every fault of a JSON array, or none: the whole array is checked
 * (each description and the count against the limit) before any is
 * installed. Fills ids[i] (room for EMU_FAULTS_MAX) and returns the number
 * added, or -1 with one line in err. */
int emu_faults_add_all(struct emu_faults *f, const cJSON *specs, int *ids, char *err, size_t cap);
/* Removes one fault (0), or -1 when there is none with that id. */
int emu_faults_remove(struct emu_faults *f, int id);
void emu_faults_reset(struct emu_faults *f);
/* [{"id":1, "hits":0, <the spec>...}, ...] (new tree, caller frees). */
cJSON *emu_faults_list(struct emu_faults *f);

/* Hooks. Each returns 1 when a fault fires (and fills the out-parameters),
 * else 0. */
int emu_faults_disconnect(struct emu_faults *f, const char *connection_id, int *drop,
                          int *delay_ms);
int emu_faults_connections(struct emu_faults *f, const char *connection_id, int *status);
/* *error_name: the DynamoDB exception to answer with (a static string:
 * "ProvisionedThroughputExceededException", "ThrottlingException" or
 * "InternalServerError"); the DynamoDB layer maps it to its error code. */
/* Whether any fault is in force (no lock: a hint for callers that must
 * prepare work before asking, as parsing a body). f may be NULL. */
int emu_faults_armed(struct emu_faults *f);
int emu_faults_dynamodb(struct emu_faults *f, const char *operation, const char *table,
                        const char **error_name);
int emu_faults_handler(struct emu_faults *f, const char *handler, int *latency_ms,
                       int *force_timeout);
int emu_faults_handshake(struct emu_faults *f, const char *connection_id, int *delay_ms);
/* An event source mapping is about to invoke the function of `table`'s
 * stream: 1 when the invocation is to fail instead. */
int emu_faults_stream(struct emu_faults *f, const char *table);

#endif
