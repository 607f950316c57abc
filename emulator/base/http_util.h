/*
 * http_util.h - small helpers over civetweb for the HTTP endpoints: read a
 * request body with a cap, send a complete response with extra headers,
 * CRC32 for DynamoDB's x-amz-crc32.
 *
 * Threading: each function works on the calling worker's own connection.
 */
#ifndef HTTP_UTIL_H
#define HTTP_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "emu_buf.h"

struct mg_connection;

struct http_header {
  const char *name;
  const char *value;
};

/* What http_util_read_body found. Nothing may act on a body that is not
 * HTTP_BODY_OK. */
enum http_body {
  HTTP_BODY_OK = 0,         /* the whole body is in out */
  HTTP_BODY_TOO_LARGE = 1,  /* larger than out->limit (the rest was drained) */
  HTTP_BODY_INCOMPLETE = 2, /* fewer bytes than Content-Length arrived before
                               the request timeout or the client's EOF */
  HTTP_BODY_MALFORMED = 3,  /* bad chunked encoding, or a chunked body cut
                               short, or a socket error */
};

/* Reads the whole request body into out (limit = out->limit). With a
 * Content-Length it stops at the first short read (a timeout or EOF), so an
 * incomplete body is reported after at most one request timeout. */
enum http_body http_util_read_body(struct mg_connection *conn, struct emu_buf *out);
/* A one-line description of a body status other than HTTP_BODY_OK, for the
 * endpoints' 400 messages. */
const char *http_util_body_message(enum http_body status);
/* The longest percent-decoded request path http_util_path accepts. */
#define HTTP_UTIL_PATH_MAX 2048
/* The request path, percent-decoded. civetweb runs with decode_url=no so
 * that the decoded length is known here: a path that decodes to a NUL byte
 * (%00, which would end the C string early and hide the rest), or that
 * does not fit buf (cap bytes), is refused with NULL. Without a '%' the
 * path is returned as civetweb holds it, without a copy. */
const char *http_util_path(const struct mg_connection *conn, char *buf, size_t cap);

/* Sends status, headers (nheaders entries, may be 0) and body. A
 * Content-Length is always sent; content_type may be NULL. A "Connection"
 * entry in headers replaces the default keep-alive decision (pass
 * "close" after a body that was not read whole). */
void http_util_send(struct mg_connection *conn, int status, const char *content_type,
                    const struct http_header *headers, size_t nheaders, const void *body,
                    size_t len);

/* CRC-32 (IEEE/zlib polynomial) of a buffer. */
uint32_t http_util_crc32(const void *data, size_t len);

/* Writes v in decimal with a NUL into out (at least 21 bytes); returns the
 * length. */
size_t http_util_format_u64(char *out, uint64_t v);

/* Case-insensitive request header lookup (NULL when absent). */
const char *http_util_header(const struct mg_connection *conn, const char *name);

#endif
