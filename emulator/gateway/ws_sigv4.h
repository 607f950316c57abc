/*
 * ws_sigv4.h - the `authorizer: "iam"` check of a $connect handshake: a
 * SigV4-presigned query string (X-Amz-Algorithm, X-Amz-Credential,
 * X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature, optional X-Amz-Expires
 * and X-Amz-Security-Token).
 *
 * SPEC docs/spec/apigw-websocket.md 9 (IAM): the parameters' shapes and the
 * expiry (X-Amz-Date + X-Amz-Expires). DEVIATION: the signature itself is
 * not verified (wsgw does not know the caller's secret key): a handshake
 * whose parameters are all present and well formed, and not expired, is
 * accepted, whatever the signature's hex digits.
 * Threading: pure functions.
 */
#ifndef WS_SIGV4_H
#define WS_SIGV4_H

#include <stddef.h>
#include <stdint.h>

enum ws_sigv4_result {
  WS_SIGV4_OK,
  WS_SIGV4_UNSIGNED,  /* no X-Amz-Signature in the query */
  WS_SIGV4_MALFORMED, /* signed, but a parameter is missing or ill-formed */
  WS_SIGV4_EXPIRED,   /* X-Amz-Date + X-Amz-Expires is in the past */
};

/* Checks the raw (still percent-encoded) query string (NULL: none) at
 * now_ms (epoch milliseconds). On anything but OK, why (cap bytes) says
 * what is wrong, naming the parameter. */
enum ws_sigv4_result ws_sigv4_check_presigned(const char *query, int64_t now_ms, char *why,
                                              size_t cap);

/* Epoch seconds of an ISO 8601 basic UTC time, YYYYMMDDTHHMMSSZ, or -1
 * when text is not exactly that (with a real date and time). */
int64_t ws_sigv4_parse_date(const char *text);

#endif
