/*
 * apigw_errors.h - API Gateway's error answers as values: the HTTP errors of
 * the handshake and of @connections, the close codes and reasons, the error
 * frames. The list lives in apigw_errors.def.
 *
 * Threading: pure lookups in constant tables.
 */
#ifndef APIGW_ERRORS_H
#define APIGW_ERRORS_H

enum apigw_surface { APIGW_HANDSHAKE, APIGW_MANAGEMENT };

enum apigw_error {
#define APIGW_HTTP(name, surface, status, type, body) APIGW_ERR_##name,
#include "apigw_errors.def"
};

enum apigw_close {
#define APIGW_CLOSE(name, code, reason) APIGW_CLOSE_##name,
#include "apigw_errors.def"
};

enum apigw_frame {
#define APIGW_FRAME(name, status, message) APIGW_FRAME_##name,
#include "apigw_errors.def"
};

int apigw_error_status(enum apigw_error e);
/* The x-amzn-ErrorType (the exception name the SDKs read), or NULL. */
const char *apigw_error_type(enum apigw_error e);
/* The fixed JSON body, or NULL (no body, or one built by the caller). */
const char *apigw_error_body(enum apigw_error e);
/* The first error of surface with that status; fallback when none. */
enum apigw_error apigw_error_of_status(enum apigw_surface surface, int status,
                                       enum apigw_error fallback);

int apigw_close_code(enum apigw_close c);
const char *apigw_close_reason(enum apigw_close c);

const char *apigw_frame_message(enum apigw_frame f);
/* The status the access log records with the frame ($context.status). */
int apigw_frame_status(enum apigw_frame f);

#endif
