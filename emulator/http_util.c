/*
 * http_util.c - civetweb response/body helpers and CRC32 (see http_util.h).
 */
#include "http_util.h"

#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

int http_util_read_body(struct mg_connection *conn, struct emu_buf *out) {
  char chunk[16384];

  for (;;) {
    int n = mg_read(conn, chunk, sizeof(chunk));
    if (n < 0)
      return -1;
    if (n == 0)
      return 0;
    if (emu_buf_append(out, chunk, (size_t)n) != 0) {
      /* Too large: drain the rest so that the keep-alive connection stays
       * in step, then report it. */
      while (mg_read(conn, chunk, sizeof(chunk)) > 0)
        ;
      return 1;
    }
  }
}

void http_util_send(struct mg_connection *conn, int status, const char *content_type,
                    const struct http_header *headers, size_t nheaders, const void *body,
                    size_t len) {
  char length[32];
  size_t i;

  mg_response_header_start(conn, status);
  if (content_type)
    mg_response_header_add(conn, "Content-Type", content_type, -1);
  snprintf(length, sizeof(length), "%zu", len);
  mg_response_header_add(conn, "Content-Length", length, -1);
  for (i = 0; i < nheaders; i++)
    mg_response_header_add(conn, headers[i].name, headers[i].value, -1);
  mg_response_header_send(conn);
  if (len)
    mg_write(conn, body, len);
}

const char *http_util_header(const struct mg_connection *conn, const char *name) {
  return mg_get_header(conn, name);
}

static uint32_t crc_table[256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
  uint32_t i, j, c;

  for (i = 0; i < 256; i++) {
    c = i;
    for (j = 0; j < 8; j++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

uint32_t http_util_crc32(const void *data, size_t len) {
  const unsigned char *p = data;
  uint32_t c = 0xFFFFFFFFu;
  size_t i;

  pthread_once(&crc_once, crc_init);
  for (i = 0; i < len; i++)
    c = crc_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
