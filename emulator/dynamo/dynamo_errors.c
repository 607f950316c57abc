/*
 * dynamo_errors.c - the exception table expanded from dynamo_errors.def, and
 * the constraint-violation messages (see dynamo_errors.h).
 *
 * Invariant: a message is cut at DYNAMO_ERROR_MESSAGE_MAX - 1 bytes, the
 * same for one violation or several.
 */
#include "dynamo_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct error_row {
  int status;
  const char *prefix;
  const char *name;
};

static const struct error_row error_rows[] = {
    {200, "", ""},
#define XX(name, status, prefix, wire) {status, prefix, wire},
#include "dynamo_errors.def"
#undef XX
};

#define ERROR_ROWS (sizeof(error_rows) / sizeof(error_rows[0]))

void dynamo_error_init(struct dynamo_error *err) {
  err->code = DYNAMO_OK;
  err->message[0] = '\0';
  err->extra = NULL;
}

void dynamo_error_clear(struct dynamo_error *err) {
  cJSON_Delete(err->extra);
  dynamo_error_init(err);
}

int dynamo_error_set(struct dynamo_error *err, enum dynamo_error_code code, const char *fmt, ...) {
  va_list ap;

  err->code = code;
  if (fmt) {
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
  } else {
    err->message[0] = '\0';
  }
  return -1;
}

static const struct error_row *row_of(enum dynamo_error_code code) {
  if ((size_t)code >= ERROR_ROWS)
    code = DYNAMO_ERR_INTERNAL_SERVER_ERROR;
  return &error_rows[code];
}

int dynamo_error_status(enum dynamo_error_code code) {
  return row_of(code)->status;
}
const char *dynamo_error_name(enum dynamo_error_code code) {
  return row_of(code)->name;
}
const char *dynamo_error_prefix(enum dynamo_error_code code) {
  return row_of(code)->prefix;
}

enum dynamo_error_code dynamo_error_from_name(const char *name) {
  size_t i;

  for (i = 1; i < ERROR_ROWS; i++)
    if (strcmp(error_rows[i].name, name) == 0)
      return (enum dynamo_error_code)i;
  return DYNAMO_OK;
}

cJSON *dynamo_error_to_json(const struct dynamo_error *err) {
  const struct error_row *row = row_of(err->code);
  char type[128];
  cJSON *o = cJSON_CreateObject();
  cJSON *it;

  snprintf(type, sizeof(type), "%s%s", row->prefix, row->name);
  cJSON_AddStringToObject(o, "__type", type);
  /* SPEC docs/spec/dynamodb.md 2.3: botocore reads `message` or `Message`; DynamoDB
   * spells SerializationException's member "Message" (as dynalite, tested
   * against DynamoDB, reproduces) and every other exception's "message". */
  if (err->message[0])
    cJSON_AddStringToObject(o, err->code == DYNAMO_ERR_SERIALIZATION ? "Message" : "message",
                            err->message);
  if (err->extra) {
    cJSON_ArrayForEach(it, err->extra) {
      cJSON_AddItemToObject(o, it->string, cJSON_Duplicate(it, 1));
    }
  }
  return o;
}

/* ---- Constraint violations ---------------------------------------------- */

const char dynamo_value_omitted[] = "";

void dynamo_violations_init(struct dynamo_violations *v) {
  v->count = 0;
  v->len = 0;
  v->text[0] = '\0';
}

static void put(struct dynamo_violations *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends to v->text, keeping what fits. */
static void put(struct dynamo_violations *v, const char *fmt, ...) {
  va_list ap;
  int n;

  if (v->len >= sizeof(v->text) - 1)
    return;
  va_start(ap, fmt);
  n = vsnprintf(v->text + v->len, sizeof(v->text) - v->len, fmt, ap);
  va_end(ap);
  if (n > 0)
    v->len += (size_t)n < sizeof(v->text) - v->len ? (size_t)n : sizeof(v->text) - 1 - v->len;
}

static void vadd(struct dynamo_violations *v, const char *value, int value_max,
                 const char *constraint, const char *member_fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void vadd(struct dynamo_violations *v, const char *value, int value_max,
                 const char *constraint, const char *member_fmt, va_list ap) {
  char member[DYNAMO_ERROR_MESSAGE_MAX];

  vsnprintf(member, sizeof(member), member_fmt, ap);
  if (v->count++ > 0)
    put(v, "; ");
  if (value == dynamo_value_omitted)
    put(v, "Value at '%s' failed to satisfy constraint: %s", member, constraint);
  else if (value)
    put(v, "Value '%.*s' at '%s' failed to satisfy constraint: %s", value_max, value, member,
        constraint);
  else
    put(v, "Value null at '%s' failed to satisfy constraint: %s", member, constraint);
}

void dynamo_violations_add(struct dynamo_violations *v, const char *value, int value_max,
                           const char *constraint, const char *member_fmt, ...) {
  va_list ap;

  va_start(ap, member_fmt);
  vadd(v, value, value_max, constraint, member_fmt, ap);
  va_end(ap);
}

int dynamo_violations_finish(const struct dynamo_violations *v, struct dynamo_error *err) {
  if (v->count == 0)
    return 0;
  if (v->count == 1)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "1 validation error detected: %s", v->text);
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%d validation errors detected: %s", v->count,
                          v->text);
}

int dynamo_error_violation(struct dynamo_error *err, const char *value, int value_max,
                           const char *constraint, const char *member_fmt, ...) {
  struct dynamo_violations v;
  va_list ap;

  dynamo_violations_init(&v);
  va_start(ap, member_fmt);
  vadd(&v, value, value_max, constraint, member_fmt, ap);
  va_end(ap);
  return dynamo_violations_finish(&v, err);
}

int dynamo_error_null(struct dynamo_error *err, const char *member_fmt, ...) {
  struct dynamo_violations v;
  va_list ap;

  dynamo_violations_init(&v);
  va_start(ap, member_fmt);
  vadd(&v, NULL, -1, DYNAMO_NOT_NULL, member_fmt, ap);
  va_end(ap);
  return dynamo_violations_finish(&v, err);
}

int dynamo_error_long(struct dynamo_error *err) {
  /* DEVIATION: AWS's answer to a Long member beyond 64 bits is not
   * recorded; wsgw answers as its JSON reader does for a value the member's
   * type cannot hold. */
  return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                          "DECIMAL_VALUE cannot be converted to Long");
}
