/*
 * dynamo_remote.h - DynamoDB calls sent to an external DynamoDB-compatible
 * service (`wsgw serve --dynamodb-endpoint URL`): AWS itself, a ScyllaDB
 * Alternator cluster, or another wsgw.
 *
 * Purpose: a struct dynamo opened with dynamo_open_remote has no store;
 * dynamo_api.c hands every operation to this module instead (the HTTP API
 * on wsgw's port, and the in-process calls of handlers and the test kit).
 * Each call is one POST / signed with Signature Version 4 for the service
 * "dynamodb" (aws_http.h); the remote's status and body come back as they
 * are, so its errors reach the client unchanged.
 *
 * Invariants: a call ends within DYNAMO_REMOTE_TIMEOUT_MS; an answer is at
 * most DYNAMO_REMOTE_MAX_RESPONSE bytes; a remote that gives no complete
 * answer (refused, timeout, TLS, an answer over the cap) is a 500
 * InternalServerError in DynamoDB's envelope, never a hang or a crash.
 * Ownership: struct dynamo_remote owns its connection pool and the
 * credentials it read from the environment at start.
 * Threading: dynamo_remote_call and dynamo_remote_call_internal may run on
 * any number of threads at once (aws_http's pool has its own lock); the
 * rest of the struct is read-only after dynamo_remote_new.
 */
#ifndef DYNAMO_REMOTE_H
#define DYNAMO_REMOTE_H

#include <stddef.h>

#include "emu_buf.h"

struct dynamo_remote;

/* The whole exchange, and the connection alone. */
#define DYNAMO_REMOTE_TIMEOUT_MS 30000
#define DYNAMO_REMOTE_CONNECT_TIMEOUT_MS 5000
/* The largest answer accepted. DynamoDB's largest (BatchGetItem's, a
 * Query or Scan page) are 16 MB of data; their JSON is somewhat larger. */
#define DYNAMO_REMOTE_MAX_RESPONSE ((size_t)64 * 1024 * 1024)
/* Idle connections kept for reuse. */
#define DYNAMO_REMOTE_MAX_IDLE 64

/* 0 when url is an endpoint wsgw can send DynamoDB calls to: http:// or
 * https://, a host, an optional port and base path, no query or fragment,
 * no blanks or control bytes; else -1 and one line in err. */
int dynamo_remote_check_url(const char *url, char *err, size_t cap);

/* A client of the endpoint url, signing with the credentials of the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * read once, here) for the region AWS_REGION, else AWS_DEFAULT_REGION,
 * else default_region. NULL and one line in err when the URL is not valid,
 * the credentials are missing, or libcurl cannot start. */
struct dynamo_remote *dynamo_remote_new(const char *url, const char *default_region, char *err,
                                        size_t cap);
void dynamo_remote_free(struct dynamo_remote *r);
/* The endpoint (without a trailing '/') and the signing region. */
const char *dynamo_remote_url(const struct dynamo_remote *r);
const char *dynamo_remote_region(const struct dynamo_remote *r);

/* One call with a wire body (U+0000 as the escape \u0000), sent as it came:
 * target is the X-Amz-Target value ("DynamoDB_20120810.PutItem"; NULL:
 * none is sent), content_type the request's (NULL: the JSON 1.0 type).
 * Writes the answer's body into out and returns its HTTP status. request_id
 * (cap bytes) gets the remote's x-amzn-RequestId, or "" when it sent none. */
int dynamo_remote_call(struct dynamo_remote *r, const char *target, const char *content_type,
                       const char *body, size_t len, struct emu_buf *out, char *request_id,
                       size_t cap);

/* The same for callers inside the process (dynamo_api_call_internal):
 * U+0000 may be C0 80 in the body and is C0 80 in the answer (emu_nul.h). */
int dynamo_remote_call_internal(struct dynamo_remote *r, const char *operation, const char *body,
                                size_t len, struct emu_buf *out);

#endif
