/*
 * apigw_errors.c - the tables expanded from apigw_errors.def.
 *
 * Threading: constant data only.
 */
#include "apigw_errors.h"

#include <stddef.h>

struct http_row {
  enum apigw_surface surface;
  int status;
  const char *type;
  const char *body;
};

static const struct http_row http_rows[] = {
#define APIGW_HTTP(name, surface, status, type, body) {APIGW_##surface, status, type, body},
#include "apigw_errors.def"
};

static const struct {
  int code;
  const char *reason;
} close_rows[] = {
#define APIGW_CLOSE(name, code, reason) {code, reason},
#include "apigw_errors.def"
};

static const struct {
  int status;
  const char *message;
} frame_rows[] = {
#define APIGW_FRAME(name, status, message) {status, message},
#include "apigw_errors.def"
};

int apigw_error_status(enum apigw_error e) {
  return http_rows[e].status;
}
const char *apigw_error_type(enum apigw_error e) {
  return http_rows[e].type;
}
const char *apigw_error_body(enum apigw_error e) {
  return http_rows[e].body;
}

enum apigw_error apigw_error_of_status(enum apigw_surface surface, int status,
                                       enum apigw_error fallback) {
  size_t i;

  for (i = 0; i < sizeof(http_rows) / sizeof(http_rows[0]); i++)
    if (http_rows[i].surface == surface && http_rows[i].status == status)
      return (enum apigw_error)i;
  return fallback;
}

int apigw_close_code(enum apigw_close c) {
  return close_rows[c].code;
}
const char *apigw_close_reason(enum apigw_close c) {
  return close_rows[c].reason;
}

const char *apigw_frame_message(enum apigw_frame f) {
  return frame_rows[f].message;
}
int apigw_frame_status(enum apigw_frame f) {
  return frame_rows[f].status;
}
