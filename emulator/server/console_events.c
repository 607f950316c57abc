/*
 * console_events.c - the console's server-sent event stream (see
 * console_events.h).
 */
#include "console_events.h"

#include <civetweb.h>
#include <stdio.h>
#include <string.h>

#include "emu_events.h"
#include "emu_server.h"
#include "http_util.h"

/* How long the stream may stay silent before a comment line: a closed
 * client is noticed at the second write after it left (the first one
 * meets its RST), so within about twice this. */
#define KEEPALIVE_MS 2000

/* One chunk of the chunked response: 0, or -1 when the client is gone. */
static int send_chunk(struct mg_connection *conn, const char *data, size_t len) {
  char head[24];
  int n = snprintf(head, sizeof(head), "%zx\r\n", len);

  if (mg_write(conn, head, (size_t)n) <= 0 || mg_write(conn, data, len) <= 0 ||
      mg_write(conn, "\r\n", 2) <= 0)
    return -1;
  return 0;
}

void console_events_serve(struct emu *emu, struct mg_connection *conn) {
  static const char head[] = "HTTP/1.1 200 OK\r\n"
                             "Content-Type: text/event-stream\r\n"
                             "Cache-Control: no-store\r\n"
                             "X-Content-Type-Options: nosniff\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "\r\n";
  static const char hello[] = "retry: 1000\nevent: hello\ndata: {}\n\n";
  static const char dropped[] = "event: dropped\ndata: {}\n\n";
  static const char keepalive[] = ": keep-alive\n\n";
  struct emu_events_sub *sub = emu_events_subscribe(emu->events);
  struct emu_buf out;
  int alive;

  if (!sub) {
    static const char body[] = "{\"message\":\"too many console event streams are open\"}";
    http_util_send(conn, 503, "application/json", NULL, 0, body, sizeof(body) - 1);
    return;
  }
  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  alive = mg_write(conn, head, sizeof(head) - 1) > 0 &&
          send_chunk(conn, hello, sizeof(hello) - 1) == 0;
  while (alive) {
    enum emu_events_wait rc = emu_events_next(sub, KEEPALIVE_MS, &out);
    if (rc == EMU_EVENTS_DATA)
      alive = send_chunk(conn, out.data, out.len) == 0;
    else if (rc == EMU_EVENTS_TIMEOUT)
      alive = send_chunk(conn, keepalive, sizeof(keepalive) - 1) == 0;
    else {
      if (rc == EMU_EVENTS_DROPPED)
        send_chunk(conn, dropped, sizeof(dropped) - 1);
      break;
    }
    emu_buf_reset(&out);
  }
  /* The last chunk: the response is complete, the connection reusable. */
  if (alive)
    mg_write(conn, "0\r\n\r\n", 5);
  emu_buf_free(&out);
  emu_events_unsubscribe(sub);
}
