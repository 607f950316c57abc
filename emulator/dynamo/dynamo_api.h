/*
 * dynamo_api.h - the DynamoDB JSON API: POST / with
 * X-Amz-Target: DynamoDB_20120810.<Operation>, a JSON body, and JSON
 * responses with AWS's error shape. Operations are dispatched from
 * dynamo_ops.def, the one list of supported operations; the DynamoDB
 * Streams API (DynamoDBStreams_20120810.<Operation>) from
 * dynamo_streams_ops.def, on the same port.
 *
 * Threading: every function is safe from any thread; LMDB transactions
 * serialize writers and give readers snapshots.
 * Ownership: struct dynamo owns its store, or its remote endpoint's client
 * (dynamo_open_remote); dynamo_close releases it.
 */
#ifndef DYNAMO_API_H
#define DYNAMO_API_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "emu_buf.h"

struct dynamo;
struct mg_connection;

/* SPEC docs/spec/dynamodb.md 2.1: request body limit 16 MB -> HTTP 413. */
#define DYNAMO_MAX_REQUEST_BYTES (16 * 1024 * 1024)

/* mode: enum store_mode (store.h). */
struct dynamo *dynamo_open(const char *dir, const char *region, int mode, char *err, size_t cap);
/* No store: every operation goes to the DynamoDB-compatible service at url
 * (`--dynamodb-endpoint`, dynamo_remote.h), signed with the environment's
 * credentials for the environment's region, else `region`. NULL and one
 * line in err when url is not an http(s) endpoint or there are no
 * credentials. */
struct dynamo *dynamo_open_remote(const char *url, const char *region, char *err, size_t cap);
/* The remote endpoint, or NULL when the data is in the local store. */
const char *dynamo_endpoint(const struct dynamo *db);
void dynamo_close(struct dynamo *db);
/* Lets fault injection reach the operations (may be NULL). */
struct emu_faults;
void dynamo_set_faults(struct dynamo *db, struct emu_faults *faults);
/* on: the endpoint answers CORS as DynamoDB does (preflights, and
 * Access-Control-Allow-Origin: * on responses to requests with an Origin);
 * off (the default): no Access-Control-* headers at all, so no web page
 * can read or write the tables through the browser. Set before serving. */
void dynamo_set_cors(struct dynamo *db, int on);
/* With keys (nkeys > 0), every call must carry a Signature Version 4
 * signature made with one of them (aws_sigv4.h); NULL: any signature is
 * accepted. The keys are borrowed for the dynamo's lifetime. */
struct aws_sigv4_key;
void dynamo_set_auth(struct dynamo *db, const struct aws_sigv4_key *keys, size_t nkeys);
/* The store's group-commit counters as JSON: {"writes", "batches",
 * "commitMicros"} (GET /_wsgw/stats); with a remote endpoint, which has no
 * local store, {"endpoint": URL}. */
cJSON *dynamo_store_stats(struct dynamo *db);

/* Runs one operation ("PutItem"; a DynamoDB Streams operation with its
 * target prefix: "DynamoDBStreams_20120810.GetRecords") on a JSON request
 * body. Writes the response
 * body (success or error JSON) into out and returns the HTTP status. The
 * body and the answer are wire JSON: U+0000 is the escape \u0000, and raw
 * C0/C1 bytes are refused (SerializationException). With a remote endpoint
 * (dynamo_open_remote) this and the two functions below forward the call
 * and answer with the endpoint's status and body (dynamo_remote.h). */
int dynamo_api_call(struct dynamo *db, const char *operation, const char *body, size_t len,
                    struct emu_buf *out);
/* The same for callers inside the process whose cJSON trees cannot hold a
 * NUL (handlers through wsgw_dynamodb, the test kit): U+0000 is the pair C0
 * 80 in the answer and may be either form in the body (emu_nul.h). */
int dynamo_api_call_internal(struct dynamo *db, const char *operation, const char *body, size_t len,
                             struct emu_buf *out);
/* The HTTP endpoint for POST / (and OPTIONS preflights). */
void dynamo_api_serve(struct dynamo *db, struct mg_connection *conn);
/* Answers a request that the server's guard refused, unread, with 400
 * AccessDeniedException and message, and closes the connection. */
void dynamo_api_deny(struct mg_connection *conn, const char *message);
/* Names of the supported operations, in dispatch-table order (NULL-ended). */
const char *const *dynamo_api_operations(void);

#endif
