/*
 * test_limits.c - regression for issue 13, items 4 and 6: connection
 * limits, slow request heads, and the memory a frame header can claim.
 *
 *   --max-connections N holds exactly N WebSockets; the next handshake is
 *   refused within 50 ms with 429 and a JSON body naming the limit; the
 *   first refusal of a burst logs one line; HTTP keeps answering while N
 *   WebSockets are open and handshakes beyond them keep coming, and while
 *   many clients trickle request heads; a trickling head is cut off within
 *   seconds; /_wsgw/stats counts refusals and cut-off heads.
 *   A frame header declaring 2 GB gets close 1009 from its header, and the
 *   process's resident memory stays bounded while the client keeps sending
 *   (also when the header came with the handshake, before the 101).
 *
 * Each test starts its own emulator (the counters and the log burst start
 * fresh). Raw sockets are used where a client must misbehave below the
 * level of the kit's WebSocket client. Every wait has a deadline.
 * Threading: the test thread; one helper thread trickles heads.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define MAX_CONN 4
#define WAIT_MS 5000

static const char config[] =
    "{\"apis\":[{\"name\":\"t\",\"stage\":\"t\","
    "  \"routes\":{\"echo\":{\"function\":\"diag.echo\",\"returnResponse\":true}}}]}";

struct fixture {
  struct wsgw_kit_emu *emu;
  int port;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  f->emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .max_connections = MAX_CONN}, NULL, 0);
  if (!f->emu)
    fail_msg("%s", wsgw_kit_error());
  f->port = wsgw_kit_port(f->emu);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_stop(f->emu);
  free(f);
  return 0;
}

/* ---- raw sockets ------------------------------------------------------- */

static int raw_connect(int port) {
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

  assert_true(fd >= 0);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  return fd;
}

/* Reads into buf (NUL-terminated) until `until` appears, EOF, or the
 * deadline. Returns the bytes read; *eof says whether the server closed. */
static size_t raw_read(int fd, char *buf, size_t cap, const char *until, int timeout_ms, int *eof) {
  long long deadline = wsgw_kit_now_ms() + timeout_ms;
  size_t len = 0;

  *eof = 0;
  buf[0] = '\0';
  while (len + 1 < cap && !(until && strstr(buf, until))) {
    struct pollfd p = {fd, POLLIN, 0};
    long long left = deadline - wsgw_kit_now_ms();
    ssize_t n;
    if (left <= 0 || poll(&p, 1, (int)left) <= 0)
      break;
    n = recv(fd, buf + len, cap - 1 - len, 0);
    if (n <= 0) {
      *eof = 1;
      break;
    }
    len += (size_t)n;
    buf[len] = '\0';
  }
  return len;
}

static const char handshake[] =
    "GET /t HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

/* VmRSS of this process (the emulator runs in it), in KB. */
static long rss_kb(void) {
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");

  assert_non_null(f);
  while (fgets(line, sizeof(line), f))
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
      break;
  fclose(f);
  return kb;
}

static cJSON *stats(int port) {
  struct wsgw_kit_http_response r;
  cJSON *o, *c;

  assert_int_equal(wsgw_kit_http(port, "GET", "/_wsgw/stats", NULL, NULL, 0, &r), 200);
  o = cJSON_Parse(r.body);
  wsgw_kit_http_free(&r);
  assert_non_null(o);
  c = cJSON_DetachItemFromObjectCaseSensitive(o, "connections");
  cJSON_Delete(o);
  assert_non_null(c);
  return c;
}

static long long stat_of(int port, const char *name) {
  cJSON *c = stats(port);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, name);
  long long n;

  assert_true(cJSON_IsNumber(v));
  n = (long long)v->valuedouble;
  cJSON_Delete(c);
  return n;
}

static void assert_http_answers(int port) {
  struct wsgw_kit_http_response r;
  cJSON *tables;
  int status;

  assert_int_equal(wsgw_kit_http(port, "GET", "/", NULL, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
  status = wsgw_kit_http_dynamodb(port, "ListTables", "{}", &r);
  tables = status > 0 ? cJSON_ParseWithLength(r.body, r.body_len) : NULL;
  wsgw_kit_http_free(&r);
  assert_int_equal(status, 200);
  cJSON_Delete(tables);
  assert_int_equal(wsgw_kit_http(port, "GET", "/_wsgw/connections", NULL, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
}

/* ---- --max-connections --------------------------------------------------- */

static void max_connections_n_holds_exactly_n_websockets_and_refuses_the_next_within_50_ms(
    void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *open[MAX_CONN + 1];
  char resp[2048];
  const char *body;
  cJSON *json;
  long long t0, took;
  int i, fd, eof;

  for (i = 0; i < MAX_CONN; i++) {
    open[i] = wsgw_kit_ws_open(f->port,
                               &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});
    assert_non_null(open[i]);
    assert_int_equal(wsgw_kit_ws_status(open[i]), 101);
  }
  t0 = wsgw_kit_now_ms();
  fd = raw_connect(f->port);
  assert_int_equal(send(fd, handshake, strlen(handshake), MSG_NOSIGNAL),
                   (ssize_t)strlen(handshake));
  raw_read(fd, resp, sizeof(resp), NULL, WAIT_MS, &eof);
  took = wsgw_kit_now_ms() - t0;
  close(fd);
  if (strncmp(resp, "HTTP/1.1 429 ", 13) != 0)
    fail_msg("handshake %d of %d was answered \"%.40s\"", MAX_CONN + 1, MAX_CONN, resp);
  assert_true(eof);
  if (took > 50)
    fail_msg("the refusal took %lld ms", took);
  body = strstr(resp, "\r\n\r\n");
  assert_non_null(body);
  json = cJSON_Parse(body + 4);
  assert_non_null(json);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(json, "limit")->valuestring,
                      "--max-connections");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(json, "maxConnections")->valueint, MAX_CONN);
  cJSON_Delete(json);
  assert_int_equal(stat_of(f->port, "webSockets"), MAX_CONN);

  /* A closed WebSocket gives its slot back. */
  assert_int_equal(wsgw_kit_close(open[0], 1000, NULL), 0);
  wsgw_kit_ws_free(open[0]);
  open[0] = NULL;
  for (long long deadline = wsgw_kit_now_ms() + WAIT_MS;;) {
    struct wsgw_kit_ws *c = wsgw_kit_ws_open(
        f->port, &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});
    assert_non_null(c);
    if (wsgw_kit_ws_status(c) == 101) {
      open[0] = c;
      break;
    }
    wsgw_kit_ws_free(c);
    if (wsgw_kit_now_ms() > deadline)
      fail_msg("the slot of a closed WebSocket was not given back");
  }
  open[MAX_CONN] = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});
  assert_non_null(open[MAX_CONN]);
  assert_int_equal(wsgw_kit_ws_status(open[MAX_CONN]), 429);
  for (i = 0; i <= MAX_CONN; i++)
    wsgw_kit_ws_free(open[i]);
}

static void the_first_refusal_of_a_burst_logs_one_line_naming_max_connections(void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *open[MAX_CONN];
  char path[] = "/tmp/wsgw-limits-log-XXXXXX", *log, *p, expect[64];
  int i, saved, tmp, lines = 0, named = 0;

  for (i = 0; i < MAX_CONN; i++) {
    open[i] = wsgw_kit_ws_open(f->port,
                               &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});
    assert_int_equal(wsgw_kit_ws_status(open[i]), 101);
  }
  fflush(stderr);
  tmp = mkstemp(path);
  assert_true(tmp >= 0);
  saved = dup(2);
  dup2(tmp, 2);
  for (i = 0; i < 3; i++) {
    struct wsgw_kit_ws *c = wsgw_kit_ws_open(
        f->port, &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});
    assert_non_null(c);
    assert_int_equal(wsgw_kit_ws_status(c), 429);
    wsgw_kit_ws_free(c);
  }
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(tmp);
  log = wsgw_kit_read_file(path, NULL);
  unlink(path);
  assert_non_null(log);
  snprintf(expect, sizeof(expect), "--max-connections %d", MAX_CONN);
  for (p = log; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
    lines++;
    if (strstr(p, expect) && (!strchr(p, '\n') || strstr(p, expect) < strchr(p, '\n')))
      named++;
  }
  if (lines != 1 || named != 1)
    fail_msg("expected one line naming \"%s\", the log was:\n%s", expect, log);
  free(log);
  assert_int_equal(stat_of(f->port, "refused"), 3);
  for (i = 0; i < MAX_CONN; i++)
    wsgw_kit_ws_free(open[i]);
}

static void http_answers_while_n_websockets_are_open_and_more_handshakes_come(void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *open[MAX_CONN], *more[48];
  int i, accepted = 0;

  for (i = 0; i < MAX_CONN; i++) {
    open[i] = wsgw_kit_ws_open(f->port,
                               &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = WAIT_MS});
    assert_int_equal(wsgw_kit_ws_status(open[i]), 101);
  }
  /* More handshakes than the whole worker pool: kept open if accepted. */
  for (i = 0; i < 48; i++) {
    more[i] = wsgw_kit_ws_open(f->port,
                               &(struct wsgw_kit_ws_options){.path = "/t", .timeout_ms = 300});
    if (more[i] && wsgw_kit_ws_status(more[i]) == 101)
      accepted++;
  }
  assert_int_equal(accepted, 0);
  assert_http_answers(f->port);
  /* The open ones still work. */
  {
    struct wsgw_kit_frame fr;
    assert_int_equal(wsgw_kit_send_text(open[0], "{\"action\":\"echo\",\"x\":1}"), 0);
    assert_int_equal(wsgw_kit_recv_message(open[0], WAIT_MS, &fr), WSGW_KIT_RECV_OK);
    wsgw_kit_frame_free(&fr);
  }
  for (i = 0; i < 48; i++)
    if (more[i])
      wsgw_kit_ws_free(more[i]);
  for (i = 0; i < MAX_CONN; i++)
    wsgw_kit_ws_free(open[i]);
}

/* ---- slow request heads ------------------------------------------------- */

static const char slow_head[] =
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 0123456789abcdef\r\n\r\n";

static void a_client_slow_to_send_its_request_head_is_cut_off_within_seconds(void **state) {
  struct fixture *f = *state;
  int fd = raw_connect(f->port), eof = 0;
  long long t0 = wsgw_kit_now_ms(), took;
  size_t i;
  char resp[512];

  /* One byte every 400 ms: the whole head would take 25 s. */
  for (i = 0; i < sizeof(slow_head) - 1; i++) {
    if (send(fd, slow_head + i, 1, MSG_NOSIGNAL) != 1)
      break;
    raw_read(fd, resp, sizeof(resp), NULL, 400, &eof);
    if (eof)
      break;
  }
  took = wsgw_kit_now_ms() - t0;
  close(fd);
  if (!eof && i < sizeof(slow_head) - 1)
    eof = 1; /* the send failed: the server had closed */
  if (!eof || took > 4000)
    fail_msg("a trickling head was still being read after %lld ms", took);
  assert_int_equal(stat_of(f->port, "headTimeouts"), 1);
}

struct tricklers {
  int port, n, fds[64];
  volatile int stop;
};

static void *trickle(void *arg) {
  struct tricklers *t = arg;
  size_t pos = 0;

  while (!t->stop && pos < sizeof(slow_head) - 1) {
    for (int i = 0; i < t->n; i++)
      if (t->fds[i] >= 0 && send(t->fds[i], slow_head + pos, 1, MSG_NOSIGNAL) != 1) {
        close(t->fds[i]);
        t->fds[i] = -1;
      }
    pos++;
    poll(NULL, 0, 500);
  }
  return NULL;
}

static void http_answers_while_many_clients_trickle_request_heads(void **state) {
  struct fixture *f = *state;
  struct tricklers t;
  struct wsgw_kit_http_response r;
  pthread_t tid;
  long long t0, took;
  int status;

  /* More trickling clients than workers (MAX_CONN + the HTTP reserve). */
  memset(&t, 0, sizeof(t));
  t.port = f->port;
  t.n = 64;
  for (int i = 0; i < t.n; i++)
    t.fds[i] = raw_connect(f->port);
  assert_int_equal(pthread_create(&tid, NULL, trickle, &t), 0);
  poll(NULL, 0, 600);
  t0 = wsgw_kit_now_ms();
  status = wsgw_kit_http(f->port, "GET", "/", NULL, NULL, 0, &r);
  took = wsgw_kit_now_ms() - t0;
  wsgw_kit_http_free(&r);
  t.stop = 1;
  pthread_join(tid, NULL);
  for (int i = 0; i < t.n; i++)
    if (t.fds[i] >= 0)
      close(t.fds[i]);
  if (status != 200 || took > 6000)
    fail_msg("GET / answered %d after %lld ms while heads trickled", status, took);
  assert_true(stat_of(f->port, "headTimeouts") >= 1);
}

/* ---- frame memory ------------------------------------------------------- */

/* A masked text frame header declaring len bytes (14 bytes). */
static size_t frame_header(unsigned char h[14], uint64_t len) {
  h[0] = 0x81;
  h[1] = 0x80 | 127;
  for (int i = 0; i < 8; i++)
    h[2 + i] = (unsigned char)(len >> (56 - 8 * i));
  memset(h + 10, 0, 4); /* mask 0: the payload goes as sent */
  return 14;
}

/* Sends up to total bytes of zeros (1 MB at a time) until the server stops
 * taking them. Returns the bytes sent. */
static size_t flood(int fd, size_t total) {
  static char chunk[1 << 20];
  size_t sent = 0;
  long long deadline = wsgw_kit_now_ms() + 20000;

  while (sent < total && wsgw_kit_now_ms() < deadline) {
    struct pollfd p = {fd, POLLOUT, 0};
    ssize_t n;
    if (poll(&p, 1, 2000) <= 0 || (p.revents & (POLLERR | POLLHUP)))
      break;
    n = send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      break;
    if (n > 0)
      sent += (size_t)n;
  }
  return sent;
}

/* The close frame's code in buf (a server frame: unmasked), or -1. */
static int close_code_in(const unsigned char *b, size_t len) {
  size_t i = 0;

  while (i + 2 <= len) {
    size_t plen = b[i + 1] & 127, hl = 2;
    if (plen == 126) {
      if (i + 4 > len)
        return -1;
      plen = ((size_t)b[i + 2] << 8) | b[i + 3];
      hl = 4;
    }
    if ((b[i] & 0x0F) == 0x8)
      return i + hl + 2 <= len ? (b[i + hl] << 8) | b[i + hl + 1] : -1;
    i += hl + plen;
  }
  return -1;
}

#define FLOOD_BYTES ((size_t)192 << 20)
#define RSS_GROWTH_KB (48 * 1024)

static void check_refused_and_bounded(int fd, long rss_before, const char *rest, size_t rest_len) {
  unsigned char buf[4096];
  char *b = (char *)buf;
  int eof, code;
  size_t n = rest_len, sent;
  long grew;

  if (rest_len)
    memcpy(buf, rest, rest_len);
  /* The close frame comes from the header, before any payload is sent. */
  n += raw_read(fd, b + n, sizeof(buf) - n, NULL, 1500, &eof);
  code = close_code_in(buf, n);
  sent = flood(fd, FLOOD_BYTES);
  grew = rss_kb() - rss_before;
  close(fd);
  if (code != 1009 || grew > RSS_GROWTH_KB)
    fail_msg("after the frame header: close code %d (expected 1009); then %zu bytes of payload "
             "taken, and resident memory grew by %ld KB (at most %d allowed)",
             code, sent, grew, RSS_GROWTH_KB);
}

static void a_frame_header_declaring_2_gb_gets_1009_and_memory_stays_bounded(void **state) {
  struct fixture *f = *state;
  int fd = raw_connect(f->port), eof;
  unsigned char h[14];
  char resp[1024], *end;
  long before;

  assert_int_equal(send(fd, handshake, strlen(handshake), MSG_NOSIGNAL),
                   (ssize_t)strlen(handshake));
  raw_read(fd, resp, sizeof(resp), "\r\n\r\n", WAIT_MS, &eof);
  assert_memory_equal(resp, "HTTP/1.1 101 ", 13);
  end = strstr(resp, "\r\n\r\n") + 4;
  before = rss_kb();
  assert_int_equal(send(fd, h, frame_header(h, 0x7FFF0000u), MSG_NOSIGNAL), 14);
  check_refused_and_bounded(fd, before, end, strlen(end));
  assert_int_equal(stat_of(f->port, "framesRefused"), 1);
}

static void a_frame_header_sent_with_the_handshake_cannot_claim_its_length_either(void **state) {
  struct fixture *f = *state;
  int fd = raw_connect(f->port), eof;
  unsigned char h[14];
  char req[512], resp[1024], *end;
  size_t hl = strlen(handshake);
  long before = rss_kb();

  /* Against RFC 6455 4.1, the frame comes before the 101: civetweb
   * buffers it with the request head. 128 MB declared. */
  memcpy(req, handshake, hl);
  memcpy(req + hl, h, frame_header(h, (uint64_t)128 << 20));
  assert_int_equal(send(fd, req, hl + 14, MSG_NOSIGNAL), (ssize_t)(hl + 14));
  raw_read(fd, resp, sizeof(resp), "\r\n\r\n", WAIT_MS, &eof);
  assert_memory_equal(resp, "HTTP/1.1 101 ", 13);
  end = strstr(resp, "\r\n\r\n") + 4;
  {
    /* The close comes once the payload outgrows a legal frame. */
    size_t sent = flood(fd, (size_t)256 << 10);
    assert_true(sent > 0);
  }
  check_refused_and_bounded(fd, before, end, strlen(end));
  assert_int_equal(stat_of(f->port, "framesRefused"), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          max_connections_n_holds_exactly_n_websockets_and_refuses_the_next_within_50_ms, setup,
          teardown),
      cmocka_unit_test_setup_teardown(
          the_first_refusal_of_a_burst_logs_one_line_naming_max_connections, setup, teardown),
      cmocka_unit_test_setup_teardown(
          http_answers_while_n_websockets_are_open_and_more_handshakes_come, setup, teardown),
      cmocka_unit_test_setup_teardown(
          a_client_slow_to_send_its_request_head_is_cut_off_within_seconds, setup, teardown),
      cmocka_unit_test_setup_teardown(http_answers_while_many_clients_trickle_request_heads, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          a_frame_header_declaring_2_gb_gets_1009_and_memory_stays_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(
          a_frame_header_sent_with_the_handshake_cannot_claim_its_length_either, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
