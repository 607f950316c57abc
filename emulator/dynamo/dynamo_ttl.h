/*
 * dynamo_ttl.h - Time to Live: the expiry sweep and its background thread.
 * (UpdateTimeToLive and DescribeTimeToLive are dispatched from
 * dynamo_ops.def; their prototypes come from dynamo_int.h.)
 *
 * A table's TTL setting lives in its own meta record, "ttl:<table id>"
 * (present only while TTL is enabled; see dynamo_ttl.c). The sweeper
 * deletes items whose TTL attribute is a Number of epoch seconds in the
 * past; until then expired items are still returned, as in DynamoDB.
 *
 * Ownership: dynamo_ttl_start returns a sweeper owned by the caller and
 * released by dynamo_ttl_stop; it borrows db, which must outlive it.
 * Threading: dynamo_ttl_sweep may run on any thread, concurrently with the
 * operations (it uses its own store transactions).
 */
#ifndef DYNAMO_TTL_H
#define DYNAMO_TTL_H

#include <stdint.h>

struct dynamo;
struct dynamo_ttl_sweeper;

/* The sweeper's default period (`wsgw serve --ttl-interval SECONDS`). */
#define DYNAMO_TTL_DEFAULT_INTERVAL_S 5
/* Deletions per table per pass, so one pass never holds the writer long. */
#define DYNAMO_TTL_MAX_PER_PASS 1000

/* One pass at time now_s (epoch seconds): for each table with TTL enabled,
 * deletes at most `max` expired items (max <= 0: DYNAMO_TTL_MAX_PER_PASS),
 * with the table's ItemCount/TableSizeBytes adjusted in the same write
 * transaction. Returns the number of items deleted, or -1 on a store
 * error. With a remote endpoint (dynamo_open_remote) there is no store and
 * nothing to sweep: 0 (the endpoint runs its own TTL). */
int dynamo_ttl_sweep(struct dynamo *db, int64_t now_s, int max);

/* Starts the background thread: a pass every interval_s seconds
 * (interval_s <= 0: DYNAMO_TTL_DEFAULT_INTERVAL_S). NULL on failure. */
struct dynamo_ttl_sweeper *dynamo_ttl_start(struct dynamo *db, int interval_s);
/* Wakes the thread, joins it and frees the sweeper. NULL is fine. */
void dynamo_ttl_stop(struct dynamo_ttl_sweeper *s);

#endif
