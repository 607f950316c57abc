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
  cJSON *extra;                           /* members merged into the error JSON, or NULL */
};

void dynamo_error_init(struct dynamo_error *err);
void dynamo_error_clear(struct dynamo_error *err);
/* Sets code and a printf-style message (truncated to fit). Always returns -1,
 * so that `return dynamo_error_set(err, ...)` reads naturally. */
int dynamo_error_set(struct dynamo_error *err, enum dynamo_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int dynamo_error_status(enum dynamo_error_code code);
const char *dynamo_error_name(enum dynamo_error_code code);   /* "ValidationException" */
const char *dynamo_error_prefix(enum dynamo_error_code code); /* "com.amazon.coral.validate#" */
/* Looks an exception up by wire name; returns DYNAMO_OK when unknown. */
enum dynamo_error_code dynamo_error_from_name(const char *name);
/* Builds the error body: {"__type": prefix+name, "message": ...} plus extra. */
cJSON *dynamo_error_to_json(const struct dynamo_error *err);

/* ---- Constraint violations ---------------------------------------------
 * SPEC docs/spec/dynamodb.md 2.4: a member that breaks its constraint is
 * reported as "Value 'V' at 'member' failed to satisfy constraint: C"
 * (a missing member as "Value null at ..."); the violations of one request
 * are collected into one ValidationException, "1 validation error
 * detected: A" or "N validation errors detected: A; B".
 * Collect several with init, add..., finish; report one with
 * dynamo_error_violation or dynamo_error_null. Nothing else in the tree
 * spells these phrases. */
#define DYNAMO_NOT_NULL "Member must not be null"
/* Table and index names (SPEC docs/spec/dynamodb.md 2.6). */
#define DYNAMO_NAME_PATTERN "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
/* Select's constraints (Query and Scan). */
#define DYNAMO_SELECT_ENUM                                                            \
  "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, " \
  "ALL_PROJECTED_ATTRIBUTES]"

struct dynamo_violations {
  int count;
  size_t len;
  char text[DYNAMO_ERROR_MESSAGE_MAX]; /* the violations, "; "-separated */
};

void dynamo_violations_init(struct dynamo_violations *v);
/* Pass as a violation's value to leave the value out ("Value at 'Limit'
 * failed to satisfy ...", as DynamoDB writes some). */
extern const char dynamo_value_omitted[];
/* Adds one violation. value: the value as DynamoDB echoes it, quoted in the
 * message, at most value_max bytes of it (-1: all of it); NULL writes
 * `Value null` unquoted; dynamo_value_omitted, `Value at`. constraint: the
 * text after "constraint: ".
 * member_fmt: the member's path (printf-style), e.g. "keySchema.%d.member.keyType". */
void dynamo_violations_add(struct dynamo_violations *v, const char *value, int value_max,
                           const char *constraint, const char *member_fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* 0 when nothing was added; else sets err to the ValidationException and
 * returns -1. */
int dynamo_violations_finish(const struct dynamo_violations *v, struct dynamo_error *err);
/* One violation, reported at once: always returns -1. */
int dynamo_error_violation(struct dynamo_error *err, const char *value, int value_max,
                           const char *constraint, const char *member_fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* "Value null at 'member' failed to satisfy constraint: Member must not be
 * null": always returns -1. */
int dynamo_error_null(struct dynamo_error *err, const char *member_fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A number too large for a Long member (a capacity of 1e40): a
 * SerializationException; always returns -1. */
int dynamo_error_long(struct dynamo_error *err);

#endif
