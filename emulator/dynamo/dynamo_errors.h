/*
 * dynamo_errors.h - DynamoDB protocol errors as values.
 *
 * Purpose: operations report an exception by filling a struct dynamo_error;
 * only dynamo_api.c turns it into an HTTP response (status, __type, message).
 * The list of exceptions lives in dynamo_errors.def.
 *
 * Ownership: `extra` (optional members such as "Item" or
 * "CancellationReasons") is owned by the error; dynamo_error_clear frees it.
 * Threading: none; an error value belongs to one request.
 */
#ifndef DYNAMO_ERRORS_H
#define DYNAMO_ERRORS_H

#include <cjson/cJSON.h>

enum dynamo_error_code {
  DYNAMO_OK = 0,
#define XX(name, status, prefix, wire) DYNAMO_ERR_##name,
#include "dynamo_errors.def"
#undef XX
};

#define DYNAMO_ERROR_MESSAGE_MAX 1024

struct dynamo_error {
  enum dynamo_error_code code;
  char message[DYNAMO_ERROR_MESSAGE_MAX]; /* "" means: no message member */
  cJSON *extra; /* members merged into the error JSON, or NULL */
};

void dynamo_error_init(struct dynamo_error *err);
void dynamo_error_clear(struct dynamo_error *err);
/* Sets code and a printf-style message (truncated to fit). Always returns -1,
 * so that `return dynamo_error_set(err, ...)` reads naturally. */
int dynamo_error_set(struct dynamo_error *err, enum dynamo_error_code code,
                     const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int dynamo_error_status(enum dynamo_error_code code);
const char *dynamo_error_name(enum dynamo_error_code code);   /* "ValidationException" */
const char *dynamo_error_prefix(enum dynamo_error_code code); /* "com.amazon.coral.validate#" */
/* Looks an exception up by wire name; returns DYNAMO_OK when unknown. */
enum dynamo_error_code dynamo_error_from_name(const char *name);
/* Builds the error body: {"__type": prefix+name, "message": ...} plus extra. */
cJSON *dynamo_error_to_json(const struct dynamo_error *err);

#endif
