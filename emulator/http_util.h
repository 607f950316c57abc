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

/* Reads the whole request body into out (limit = out->limit). Returns 0,
 * 1 when the body is larger than the limit (the rest is not read), or -1 on
 * a read error. */
int http_util_read_body(struct mg_connection *conn, struct emu_buf *out);

/* Sends status, headers (nheaders entries, may be 0) and body. A
 * Content-Length is always sent; content_type may be NULL. */
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
