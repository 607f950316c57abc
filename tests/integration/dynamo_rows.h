/*
 * dynamo_rows.h - table-driven tests of the DynamoDB API: each row is an
 * operation, its request, the expected status, the expected "__type" (NULL
 * on success), a substring the body must contain, and the reason the row
 * exists. Rows run in order against one store, through dynamo_api_call.
 *
 * A test-local helper, not a harness: unit-level tests of the DynamoDB API
 * against the store itself (no server, no HTTP). Tests that go through the
 * emulator use the public kit (wsgw_kit_db, wsgw_kit_http_dynamodb).
 *
 * Ownership: the fixture owns a fresh LMDB directory (removed at teardown),
 * opened durable, so every write goes through group commit.
 * Threading: one test thread.
 */
#ifndef DYNAMO_ROWS_H
#define DYNAMO_ROWS_H

#include <cjson/cJSON.h>
#include <stddef.h>

struct dynamo;

struct dynamo_row {
  const char *op;
  const char *request;
  int status;
  const char *type;     /* full __type, or NULL on success */
  const char *contains; /* substring of the response body, or NULL */
  const char *reason;
};

struct dynamo_fixture {
  char dir[64];
  struct dynamo *db;
};

#define DYNAMO_ROWS_VALIDATION "com.amazon.coral.validate#ValidationException"
#define DYNAMO_ROWS_NOT_FOUND "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
#define DYNAMO_ROWS_IN_USE "com.amazonaws.dynamodb.v20120810#ResourceInUseException"
#define DYNAMO_ROWS_SERIALIZATION "com.amazon.coral.service#SerializationException"
#define DYNAMO_ROWS_CONDITION "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"

/* cmocka setup/teardown: *state becomes a struct dynamo_fixture. */
int dynamo_rows_setup(void **state);
int dynamo_rows_teardown(void **state);
/* Runs the rows in order; fails the test at the first row that does not
 * match, naming the row, its reason, the request and the response. */
void dynamo_rows_run(struct dynamo *db, const struct dynamo_row *rows, size_t n);
/* Runs op; fails the test unless it answers 200. Returns the parsed
 * response (the caller deletes it). */
cJSON *dynamo_rows_call_ok(struct dynamo *db, const char *op, const char *request);

#endif
