/*
 * ceiling.c - the floor under wsgw's figures: a minimal civetweb 1.15 server
 * with the same thread model (one worker per connection, TCP_NODELAY), no
 * handler, no JSON, no storage. `make bench` drives it with the same load
 * generator as wsgw to show what civetweb alone does on this machine:
 *   POST /        answers a fixed 2-byte JSON body with one write;
 *   WebSocket /   echoes every text frame unchanged.
 *
 *   ceiling PORT THREADS      (prints "ready" and serves until SIGTERM)
 *
 * Threading: civetweb's workers; no shared state.
 */
#include <civetweb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static int http(struct mg_connection *conn, void *cb) {
  static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"
                             "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}";
  char buf[4096];

  (void)cb;
  while (mg_read(conn, buf, sizeof(buf)) > 0)
    ;
  mg_write(conn, resp, sizeof(resp) - 1);
  return 200;
}

static int ws_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cb) {
  (void)cb;
  if ((bits & 0x0f) == MG_WEBSOCKET_OPCODE_TEXT)
    mg_websocket_write(conn, MG_WEBSOCKET_OPCODE_TEXT, data, len);
  return (bits & 0x0f) != MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE;
}

int main(int argc, char **argv) {
  const char *opts[] = {"listening_ports", argc > 1 ? argv[1] : "8099",
                        "num_threads", argc > 2 ? argv[2] : "64",
                        "enable_keep_alive", "yes",
                        "tcp_nodelay", "1",
                        NULL};
  struct mg_callbacks cbs;
  struct mg_context *ctx;

  memset(&cbs, 0, sizeof(cbs));
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  mg_init_library(0);
  if (!(ctx = mg_start(&cbs, NULL, opts))) {
    fprintf(stderr, "ceiling: cannot start\n");
    return 1;
  }
  mg_set_request_handler(ctx, "/", http, NULL);
  mg_set_websocket_handler(ctx, "/ws", NULL, NULL, ws_data, NULL, NULL);
  printf("ready\n");
  fflush(stdout);
  while (!stop)
    pause();
  mg_stop(ctx);
  return 0;
}
