/*
 * http_util.c - civetweb response/body helpers and CRC32 (see http_util.h).
 */
#include "http_util.h"

#include <civetweb.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* civetweb's mg_read blocks until it has every byte asked for, the request
 * timeout (request_timeout_ms) passes, or the peer closes; it then returns
 * what it has (0 or -1 when nothing came). A Content-Length body is read
 * in pieces no larger than what is still due, so a short piece means the
 * body stopped: reading on would wait one more timeout per call and, at
 * the end, hand the handler a truncated body as if it were whole. Chunked
 * bodies: mg_read returns -1 for bad chunk framing, and also for a chunk
 * cut short (after up to two timeouts: civetweb retries the chunk). */
enum http_body http_util_read_body(struct mg_connection *conn, struct emu_buf *out) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  const long long declared = ri ? ri->content_length : -1; /* -1: chunked or none */
  long long got = 0;
  int too_large = 0;
  char chunk[16384];

  for (;;) {
    size_t want = sizeof(chunk);
    int n;
    if (declared >= 0) {
      if (got >= declared)
        return too_large ? HTTP_BODY_TOO_LARGE : HTTP_BODY_OK;
      if ((long long)want > declared - got)
        want = (size_t)(declared - got);
    }
    n = mg_read(conn, chunk, want);
    if (n < 0)
      return too_large       ? HTTP_BODY_TOO_LARGE
             : declared >= 0 ? HTTP_BODY_INCOMPLETE
                             : HTTP_BODY_MALFORMED;
    if (n == 0 && declared < 0)
      return too_large ? HTTP_BODY_TOO_LARGE : HTTP_BODY_OK; /* chunked: the last chunk */
    got += n;
    /* Too large: keep draining (without storing) so that a keep-alive
     * connection stays in step, then report it. */
    if (!too_large && emu_buf_append(out, chunk, (size_t)n) != 0)
      too_large = 1;
    if (declared >= 0 && (size_t)n < want)
      return too_large ? HTTP_BODY_TOO_LARGE : HTTP_BODY_INCOMPLETE;
  }
}

const char *http_util_body_message(enum http_body status) {
  switch (status) {
  case HTTP_BODY_OK:
    return "";
  case HTTP_BODY_TOO_LARGE:
    return "Request body is too large";
  case HTTP_BODY_INCOMPLETE:
    return "Request body is shorter than its Content-Length: the rest did not arrive in time";
  case HTTP_BODY_MALFORMED:
    break;
  }
  return "Request body could not be read: malformed or truncated chunked encoding";
}

const char *http_util_path(const struct mg_connection *conn, char *buf, size_t cap) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  const char *raw = ri && ri->local_uri ? ri->local_uri : "/";
  size_t rlen = strlen(raw);
  int n;

  if (!memchr(raw, '%', rlen))
    return raw;
  /* Decoding never lengthens the text; the raw length bounds the work. */
  if (rlen >= cap || rlen > INT_MAX)
    return NULL;
  n = mg_url_decode(raw, (int)rlen, buf, (int)cap, 0);
  if (n < 0 || memchr(buf, '\0', (size_t)n))
    return NULL;
  return buf;
}

/* The response is formatted here and written with one mg_write: civetweb's
 * mg_response_header_* write every header line with its own send(), which
 * with TCP_NODELAY is one packet per line (9 sends for a DynamoDB answer,
 * two thirds of a GetItem's server time in perf). */
static int keep_alive(const struct mg_connection *conn, int status) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  const char *hdr = mg_get_header(conn, "Connection");

  /* The same decision as civetweb's own: 401 closes; a Connection header
   * decides; otherwise HTTP/1.1 keeps the connection. */
  if (status == 401)
    return 0;
  if (hdr) {
    for (; *hdr; hdr++)
      if (strncasecmp(hdr, "keep-alive", 10) == 0)
        return 1;
    return 0;
  }
  return ri && ri->http_version && strcmp(ri->http_version, "1.1") == 0;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate), without
 * strftime, which consults the time zone files on every call. Each worker
 * thread keeps the last second's text: one gmtime_r per thread per second. */
static void http_date(char out[64]) {
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static _Thread_local time_t cached_at = (time_t)-1;
  static _Thread_local char cached[64];
  time_t now = time(NULL);

  if (now != cached_at) {
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(cached, sizeof(cached), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
             tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    cached_at = now;
  }
  memcpy(out, cached, sizeof(cached));
}

/* Decimal text of v into out (at least 21 bytes); returns its length. */
size_t http_util_format_u64(char *out, uint64_t v) {
  char tmp[20];
  size_t n = 0, i;

  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (i = 0; i < n; i++)
    out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return n;
}

static void put_header(struct emu_buf *b, const char *name, const char *value) {
  emu_buf_puts(b, name);
  emu_buf_append(b, ": ", 2);
  emu_buf_puts(b, value);
  emu_buf_append(b, "\r\n", 2);
}

void http_util_send(struct mg_connection *conn, int status, const char *content_type,
                    const struct http_header *headers, size_t nheaders, const void *body,
                    size_t len) {
  enum { INLINE_BODY_MAX = 64 * 1024 };
  const struct mg_request_info *ri = mg_get_request_info(conn);
  const char *text = mg_get_response_code_text(conn, status);
  char date[64], num[32];
  struct emu_buf b;
  size_t i;

  http_date(date);
  emu_buf_init(&b, (size_t)256 * 1024);
  {
    /* One allocation: the status line and fixed headers take < 200 bytes. */
    size_t need = 256 + (content_type ? strlen(content_type) : 0) +
                  (len <= INLINE_BODY_MAX ? len : 0);
    for (i = 0; i < nheaders; i++)
      need += strlen(headers[i].name) + strlen(headers[i].value) + 4;
    emu_buf_reserve(&b, need);
  }
  emu_buf_puts(&b, "HTTP/");
  emu_buf_puts(&b, ri && ri->http_version ? ri->http_version : "1.1");
  emu_buf_append(&b, " ", 1);
  emu_buf_append(&b, num, http_util_format_u64(num, (uint64_t)(status > 0 ? status : 0)));
  emu_buf_append(&b, " ", 1);
  emu_buf_puts(&b, text ? text : "");
  emu_buf_append(&b, "\r\n", 2);
  if (content_type)
    put_header(&b, "Content-Type", content_type);
  http_util_format_u64(num, len);
  put_header(&b, "Content-Length", num);
  for (i = 0; i < nheaders; i++)
    put_header(&b, headers[i].name, headers[i].value);
  put_header(&b, "Date", date);
  for (i = 0; i < nheaders; i++)
    if (strcasecmp(headers[i].name, "Connection") == 0)
      break;
  if (i == nheaders)
    put_header(&b, "Connection", keep_alive(conn, status) ? "keep-alive" : "close");
  emu_buf_append(&b, "\r\n", 2);
  if (len && len <= INLINE_BODY_MAX) {
    emu_buf_append(&b, body, len);
    len = 0;
  }
  if (b.data)
    mg_write(conn, b.data, b.len);
  if (len)
    mg_write(conn, body, len);
  emu_buf_free(&b);
}

const char *http_util_header(const struct mg_connection *conn, const char *name) {
  return mg_get_header(conn, name);
}

/* CRC-32 (IEEE, reflected), slicing by 8: eight table lookups per 8 bytes
 * instead of one per byte. The tables are built once and only read after. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void) {
  uint32_t i, j, c;

  for (i = 0; i < 256; i++) {
    c = i;
    for (j = 0; j < 8; j++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    crc_table[0][i] = c;
  }
  for (i = 0; i < 256; i++)
    for (j = 1; j < 8; j++)
      crc_table[j][i] = (crc_table[j - 1][i] >> 8) ^ crc_table[0][crc_table[j - 1][i] & 0xFF];
}

uint32_t http_util_crc32(const void *data, size_t len) {
  const unsigned char *p = data;
  uint32_t c = 0xFFFFFFFFu;

  pthread_once(&crc_once, crc_init);
  for (; len >= 8; len -= 8, p += 8) {
    uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                       (uint32_t)p[3] << 24);
    c = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^ crc_table[5][(lo >> 16) & 0xFF] ^
        crc_table[4][lo >> 24] ^ crc_table[3][p[4]] ^ crc_table[2][p[5]] ^ crc_table[1][p[6]] ^
        crc_table[0][p[7]];
  }
  for (; len; len--, p++)
    c = crc_table[0][(c ^ *p) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
