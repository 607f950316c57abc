/*
 * dynamo_streams.h - DynamoDB Streams: a table's change records, kept in
 * the store beside its items, and what the rest of wsgw reads of them.
 *
 * Purpose: a table with a StreamSpecification (StreamEnabled, with
 * StreamViewType KEYS_ONLY | NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES)
 * gets one record per item change (INSERT, MODIFY, REMOVE; none when a
 * write changed nothing), appended in the same LMDB write transaction as
 * the change (dynamo_indexes_apply's callers), numbered in commit order.
 * The Streams API (DynamoDBStreams_20120810.*: ListStreams,
 * DescribeStream, GetShardIterator, GetRecords) serves them on the same
 * port (dynamo_api), and the event source mappings (lambda_esm) read them
 * through the functions below.
 * SPEC: docs/spec/dynamodb-streams.md.
 *
 * A record, as GetRecords returns it and as dynamo_streams_read hands it
 * out (Lambda's event record adds "eventSourceARN"):
 *   {"eventID": "<32 hex>", "eventName": "INSERT"|"MODIFY"|"REMOVE",
 *    "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": R,
 *    "dynamodb": {"ApproximateCreationDateTime": <epoch seconds, a number>,
 *                 "Keys": {...}, "NewImage": {...}, "OldImage": {...},
 *                 "SequenceNumber": "<decimal string>", "SizeBytes": N,
 *                 "StreamViewType": V},
 *    "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
 *                     (TTL deletions only)}
 * Images are present as the view type asks. U+0000 in strings is C0 80,
 * as everywhere inside wsgw (emu_nul.h).
 *
 * Invariants: within one stream, sequence numbers strictly increase in
 * commit order; a record is never visible before its change is.
 * Threading: every function may be called from any thread; reads use
 * their own read transaction.
 */
#ifndef DYNAMO_STREAMS_H
#define DYNAMO_STREAMS_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct dynamo;
struct dynamo_error;

#define DYNAMO_STREAMS_ARN_MAX 512

/* What dynamo_streams_read found. */
struct dynamo_streams_batch {
  cJSON *records;                          /* a new array (the caller frees it), oldest first */
  char stream_arn[DYNAMO_STREAMS_ARN_MAX]; /* the table's current stream ("" when none) */
  uint64_t latest; /* the newest sequence number in that stream (0: none yet) */
  int trimmed;     /* records after `after` were already trimmed */
};

/* Up to max records of the table's current stream whose sequence numbers
 * are greater than `after` (0: from the oldest kept). 0, or -1 with err
 * (ResourceNotFoundException: no such table; ValidationException: the
 * table has no enabled stream). */
int dynamo_streams_read(struct dynamo *db, const char *table, uint64_t after, int max,
                        struct dynamo_streams_batch *out, struct dynamo_error *err);

/* The number of a record's "dynamodb"."SequenceNumber" (0 when absent or
 * not a number). */
uint64_t dynamo_streams_seq(const cJSON *record);

/* Calls fn(arg, table) after each commit that appended stream records to
 * `table`, on the committing thread, with no wsgw lock held; fn must only
 * signal (it runs inside a write request). One listener; NULL removes it.
 * Set before the server serves, or under the caller's own ordering. */
typedef void dynamo_streams_listener(void *arg, const char *table);
void dynamo_streams_set_listener(struct dynamo *db, dynamo_streams_listener *fn, void *arg);

/* The retention of records (`wsgw serve --stream-retention-hours`);
 * ms <= 0: DYNAMO_STREAMS_DEFAULT_RETENTION_MS. Set before serving. */
#define DYNAMO_STREAMS_DEFAULT_RETENTION_MS ((int64_t)24 * 3600 * 1000)
void dynamo_streams_set_retention(struct dynamo *db, int64_t ms);

/* One trimming pass (the TTL sweeper thread runs it): deletes at most max
 * records per stream older than the retention, and forgets disabled
 * streams whose retention has passed. Returns the number of records
 * deleted, or -1 on a store error. */
int dynamo_streams_trim(struct dynamo *db, int max);

/* Tests only: the shard period of streams created from now on (ms <= 0:
 * AWS's four hours). */
void dynamo_streams_set_shard_period(struct dynamo *db, int64_t ms);

/* Tests only: moves the streams' clock (iterator expiry, trimming) by ms. */
void dynamo_streams_set_clock_offset(struct dynamo *db, int64_t ms);

#endif
