/*
 * dynamo_errors.c - the exception table expanded from dynamo_errors.def.
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

int dynamo_error_set(struct dynamo_error *err, enum dynamo_error_code code,
                     const char *fmt, ...) {
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

int dynamo_error_status(enum dynamo_error_code code) { return row_of(code)->status; }
const char *dynamo_error_name(enum dynamo_error_code code) { return row_of(code)->name; }
const char *dynamo_error_prefix(enum dynamo_error_code code) { return row_of(code)->prefix; }

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
