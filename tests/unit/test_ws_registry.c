/*
 * test_ws_registry.c - unit tests for emulator/gateway/ws_registry.c: the
 * id table with its reference counts, the outbound queue and its cap
 * (WS_OUT_QUEUE_MAX), the single-writer rule, the write deadline
 * (ws_registry_write_overdue), close frames, ids that share a hash chain,
 * get/remove racing on several threads, the reference a connection
 * holds to the deployment it connected under, and the console's events
 * (ws_conn_info: registered, removed, frames counted).
 *
 * The socket is the one seam: this file defines mg_websocket_write, which
 * the linker takes before civetweb's, and every "mg_connection" handed to
 * the registry is a struct fake_sock that records the frames written to it
 * and can hold a writer inside its write (a client that stops reading) or
 * fail it. No server, no port. The registry never reads a connection's
 * API or deployment, so connections are made with neither (NULL, NULL),
 * except in the one test of the deployment reference, which deploys a
 * config. Threading: helper threads are joined before each test returns.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <civetweb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_config.h"
#include "emu_events.h"
#include "emu_id.h"
#include "emu_time.h"
#include "lambda_handlers.h"
#include "ws_conn_info.h"
#include "ws_deployment.h"
#include "ws_registry.h"

#define FAKE_FRAMES_MAX 64

/* A socket that records what is written to it. Guarded by mu. */
struct fake_sock {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int hold;        /* writers wait inside the write while set */
  int fail;        /* writes fail (-1) while set */
  int inside;      /* writers inside a write now */
  int most_inside; /* the most ever inside at once */
  int entered;     /* writes started */
  size_t nframes;
  int opcodes[FAKE_FRAMES_MAX];
  char payloads[FAKE_FRAMES_MAX][160];
  size_t lens[FAKE_FRAMES_MAX];
  pthread_t writers[FAKE_FRAMES_MAX];
};

static void fake_init(struct fake_sock *s) {
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
}

static void fake_destroy(struct fake_sock *s) {
  pthread_mutex_destroy(&s->mu);
  pthread_cond_destroy(&s->cv);
}

static struct mg_connection *as_mg(struct fake_sock *s) {
  return (struct mg_connection *)s;
}

/* civetweb's writer, replaced: see the file comment. */
int mg_websocket_write(struct mg_connection *conn, int opcode, const char *data, size_t len) {
  struct fake_sock *s = (struct fake_sock *)conn;
  int rc;

  pthread_mutex_lock(&s->mu);
  s->inside++;
  s->entered++;
  if (s->inside > s->most_inside)
    s->most_inside = s->inside;
  pthread_cond_broadcast(&s->cv);
  while (s->hold)
    pthread_cond_wait(&s->cv, &s->mu);
  rc = s->fail ? -1 : (len ? (int)len : 2);
  if (!s->fail && s->nframes < FAKE_FRAMES_MAX) {
    s->opcodes[s->nframes] = opcode;
    s->lens[s->nframes] = len;
    memcpy(s->payloads[s->nframes], data,
           len < sizeof(s->payloads[0]) ? len : sizeof(s->payloads[0]));
    s->writers[s->nframes] = pthread_self();
    s->nframes++;
  }
  s->inside--;
  pthread_mutex_unlock(&s->mu);
  return rc;
}

static void fake_hold(struct fake_sock *s, int on) {
  pthread_mutex_lock(&s->mu);
  s->hold = on;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

/* Waits (5 s at most) until n writes have started; returns how many did. */
static int fake_wait_entered(struct fake_sock *s, int n) {
  struct timespec until;
  int v;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 5;
  pthread_mutex_lock(&s->mu);
  while (s->entered < n && pthread_cond_timedwait(&s->cv, &s->mu, &until) == 0)
    ;
  v = s->entered;
  pthread_mutex_unlock(&s->mu);
  return v;
}

static int conn_state(struct ws_conn *c) {
  int st;

  pthread_mutex_lock(&c->lock);
  st = (int)c->state;
  pthread_mutex_unlock(&c->lock);
  return st;
}

static int conn_close_code(struct ws_conn *c) {
  int code;

  pthread_mutex_lock(&c->lock);
  code = c->close_code;
  pthread_mutex_unlock(&c->lock);
  return code;
}

static size_t conn_queued(struct ws_conn *c) {
  size_t n;

  pthread_mutex_lock(&c->lock);
  n = c->out_bytes;
  pthread_mutex_unlock(&c->lock);
  return n;
}

/* A registered connection on sock, with its 101 on the wire when ready. */
static struct ws_conn *open_conn(struct ws_registry *reg, struct fake_sock *sock, int ready) {
  struct ws_conn *c = ws_registry_conn_new(NULL, NULL, "127.0.0.1", "test-agent");

  assert_non_null(c);
  ws_registry_add(reg, c, as_mg(sock));
  if (ready)
    ws_registry_ready(c);
  return c;
}

static void a_new_connection_is_connecting_and_cannot_be_found_or_sent_to(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct ws_conn *c = ws_registry_conn_new(NULL, NULL, "203.0.113.7", NULL);

  (void)state;
  assert_true(emu_id_is_valid(c->id, strlen(c->id)));
  assert_int_equal(conn_state(c), WS_CONN_CONNECTING);
  assert_string_equal(c->source_ip, "203.0.113.7");
  assert_null(c->user_agent);
  assert_null(ws_registry_get(reg, c->id, EMU_ID_LEN));
  assert_int_equal(ws_registry_count(reg), 0);
  /* SPEC docs/spec/apigw-websocket.md 7: a connection whose $connect has
   * not returned is not established: posts answer 410. */
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "x", 1), -1);
  assert_int_equal(ws_registry_close(c, 1000, "bye"), -1);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
}

static void get_returns_a_new_reference_and_remove_drops_the_registrys(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c, *got;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  assert_int_equal(conn_state(c), WS_CONN_OPEN);
  assert_int_equal(atomic_load(&c->refs), 2); /* ours and the registry's */
  assert_int_equal(ws_registry_count(reg), 1);
  got = ws_registry_get(reg, c->id, EMU_ID_LEN);
  assert_ptr_equal(got, c);
  assert_int_equal(atomic_load(&c->refs), 3);
  ws_registry_conn_unref(got);
  assert_int_equal(atomic_load(&c->refs), 2);

  ws_registry_remove(reg, c, 1001, "Going away");
  assert_int_equal(atomic_load(&c->refs), 1);
  assert_int_equal(conn_state(c), WS_CONN_CLOSED);
  assert_int_equal(conn_close_code(c), 1001);
  assert_string_equal(c->close_reason, "Going away");
  assert_null(c->mg);
  assert_null(ws_registry_get(reg, c->id, EMU_ID_LEN));
  assert_int_equal(ws_registry_count(reg), 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "x", 1), -1);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void an_unknown_id_or_a_wrong_length_finds_nothing(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  char other[EMU_ID_LEN + 1];

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  memcpy(other, c->id, sizeof(other));
  other[0] = other[0] == 'A' ? 'B' : 'A';
  assert_null(ws_registry_get(reg, other, EMU_ID_LEN));
  assert_null(ws_registry_get(reg, c->id, EMU_ID_LEN - 1));
  assert_null(ws_registry_get(reg, "", 0));
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void the_first_recorded_close_code_wins(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  assert_int_equal(ws_registry_close(c, 1000, "Connection Closed Normally"), 0);
  assert_int_equal(conn_state(c), WS_CONN_CLOSING);
  /* A second close, and the close callback's own code, change nothing. */
  assert_int_equal(ws_registry_close(c, 1001, "again"), -1);
  ws_registry_remove(reg, c, 1005, "");
  assert_int_equal(conn_close_code(c), 1000);
  assert_string_equal(c->close_reason, "Connection Closed Normally");
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void frames_sent_before_the_101_wait_and_go_out_in_order_when_ready(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "one", 3), 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_BINARY, "two", 3), 0);
  assert_int_equal(ws_registry_close(c, 1000, "done"), 0);
  assert_int_equal(sock.entered, 0); /* nothing before the 101 */
  assert_int_equal(conn_queued(c), 3 + 3 + 6);

  ws_registry_ready(c);
  assert_int_equal(sock.nframes, 3);
  assert_int_equal(sock.opcodes[0], MG_WEBSOCKET_OPCODE_TEXT);
  assert_memory_equal(sock.payloads[0], "one", 3);
  assert_int_equal(sock.opcodes[1], MG_WEBSOCKET_OPCODE_BINARY);
  assert_memory_equal(sock.payloads[1], "two", 3);
  /* The close frame last: code 1000 big-endian, then the reason. */
  assert_int_equal(sock.opcodes[2], MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE);
  assert_int_equal(sock.lens[2], 6);
  assert_memory_equal(sock.payloads[2], "\003\350done", 6);
  assert_int_equal(conn_queued(c), 0);
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void a_close_frame_carries_at_most_125_bytes_and_none_for_1006(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *a, *b;
  char reason[300];

  (void)state;
  fake_init(&sock);
  memset(reason, 'r', sizeof(reason) - 1);
  reason[sizeof(reason) - 1] = '\0';
  a = open_conn(reg, &sock, 1);
  assert_int_equal(ws_registry_close(a, 4000, reason), 0);
  /* RFC 6455 5.5: a control frame's payload is at most 125 bytes. */
  assert_int_equal(sock.lens[0], 125);
  b = open_conn(reg, &sock, 1);
  /* RFC 6455 7.4.1: 1006 is never sent in a close frame. */
  assert_int_equal(ws_registry_close(b, 1006, "gone"), 0);
  assert_int_equal(sock.lens[1], 0);
  assert_int_equal(conn_close_code(b), 1006);
  ws_registry_remove(reg, a, 1000, NULL);
  ws_registry_remove(reg, b, 1000, NULL);
  ws_registry_conn_unref(a);
  ws_registry_conn_unref(b);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void the_queue_takes_up_to_its_cap_and_an_overflow_ends_the_connection_as_1006(
    void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  char *half = calloc(1, WS_OUT_QUEUE_MAX / 2);

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, half, WS_OUT_QUEUE_MAX / 2), 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, half, WS_OUT_QUEUE_MAX / 2), 0);
  assert_int_equal(conn_queued(c), WS_OUT_QUEUE_MAX);
  /* One byte more is past the cap. */
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "x", 1), -1);
  assert_int_equal(conn_state(c), WS_CONN_CLOSING);
  assert_int_equal(conn_close_code(c), 1006);
  assert_int_equal(conn_queued(c), 0); /* dropped */
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "y", 1), -1);
  ws_registry_ready(c);
  assert_int_equal(sock.entered, 0); /* nothing of the dropped queue went out */
  ws_registry_remove(reg, c, 1000, NULL);
  assert_int_equal(conn_close_code(c), 1006);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
  free(half);
}

static void one_frame_larger_than_the_cap_is_still_accepted_into_an_empty_queue(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  char *big = calloc(1, WS_OUT_QUEUE_MAX + 1);

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, big, WS_OUT_QUEUE_MAX + 1), 0);
  assert_int_equal(conn_state(c), WS_CONN_OPEN);
  ws_registry_ready(c);
  assert_int_equal(sock.nframes, 1);
  assert_int_equal(sock.lens[0], WS_OUT_QUEUE_MAX + 1);
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
  free(big);
}

struct sender {
  struct ws_conn *c;
  const char *text;
  int rc;
};

static void *send_thread(void *arg) {
  struct sender *s = arg;

  s->rc = ws_registry_send(s->c, MG_WEBSOCKET_OPCODE_TEXT, s->text, strlen(s->text));
  return NULL;
}

static void a_second_sender_queues_behind_the_writer_which_writes_its_frame_after(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  struct sender a;
  pthread_t t;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  fake_hold(&sock, 1);
  a = (struct sender){c, "first", -2};
  pthread_create(&t, NULL, send_thread, &a);
  assert_int_equal(fake_wait_entered(&sock, 1), 1);
  /* The writer is inside its write: the lock is free, so these return at
   * once, queued. */
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "second", 6), 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "third", 5), 0);
  assert_int_equal(conn_queued(c), 11);
  assert_int_equal(sock.entered, 1);
  fake_hold(&sock, 0);
  pthread_join(t, NULL);
  assert_int_equal(a.rc, 0);
  assert_int_equal(sock.nframes, 3);
  assert_memory_equal(sock.payloads[0], "first", 5);
  assert_memory_equal(sock.payloads[1], "second", 6);
  assert_memory_equal(sock.payloads[2], "third", 5);
  /* The writer wrote them all: one writer, never two at once. */
  assert_true(pthread_equal(sock.writers[1], sock.writers[0]));
  assert_true(pthread_equal(sock.writers[2], sock.writers[0]));
  assert_int_equal(sock.most_inside, 1);
  assert_int_equal(conn_queued(c), 0);
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void senders_on_many_threads_never_write_at_once(void **state) {
  enum { SENDERS = 8 };
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  struct sender s[SENDERS];
  pthread_t t[SENDERS];
  int i;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  for (i = 0; i < SENDERS; i++) {
    s[i] = (struct sender){c, "frame", -2};
    pthread_create(&t[i], NULL, send_thread, &s[i]);
  }
  for (i = 0; i < SENDERS; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(s[i].rc, 0);
  }
  assert_int_equal(sock.nframes, SENDERS);
  assert_int_equal(sock.most_inside, 1);
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void a_write_that_fails_ends_the_connection_as_1006(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  sock.fail = 1;
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "lost", 4), -1);
  assert_int_equal(conn_state(c), WS_CONN_CLOSING);
  assert_int_equal(conn_close_code(c), 1006);
  sock.fail = 0;
  /* Never another frame after one that did not go out whole. */
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "next", 4), -1);
  assert_int_equal(sock.nframes, 0);
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void a_write_is_overdue_only_at_its_deadline_and_then_ends_the_connection(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  struct sender a;
  int64_t started;
  pthread_t t;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  /* No write in progress: never overdue. */
  assert_int_equal(ws_registry_write_overdue(c, emu_time_mono_ms() + 3600000, 1), 0);
  fake_hold(&sock, 1);
  a = (struct sender){c, "stuck", -2};
  pthread_create(&t, NULL, send_thread, &a);
  assert_int_equal(fake_wait_entered(&sock, 1), 1);
  started = atomic_load(&c->write_started_ms);
  assert_true(started > 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "queued", 6), 0);
  assert_int_equal(
      ws_registry_write_overdue(c, started + WS_WRITE_DEADLINE_MS - 1, WS_WRITE_DEADLINE_MS), 0);
  assert_int_equal(conn_state(c), WS_CONN_OPEN);
  /* Returns at once although the writer is still inside its write. */
  assert_int_equal(
      ws_registry_write_overdue(c, started + WS_WRITE_DEADLINE_MS, WS_WRITE_DEADLINE_MS), 1);
  assert_int_equal(conn_state(c), WS_CONN_CLOSING);
  assert_int_equal(conn_close_code(c), 1006);
  assert_int_equal(conn_queued(c), 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "late", 4), -1);
  fake_hold(&sock, 0);
  pthread_join(t, NULL);
  /* The queued frame was dropped, not written after the stuck one. */
  assert_int_equal(sock.nframes, 1);
  assert_int_equal(atomic_load(&c->write_started_ms), 0);
  ws_registry_remove(reg, c, 1000, NULL);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

struct remover {
  struct ws_registry *reg;
  struct ws_conn *c;
  pthread_mutex_t mu;
  int done;
};

static void *remove_thread(void *arg) {
  struct remover *r = arg;

  ws_registry_remove(r->reg, r->c, 1006, "");
  pthread_mutex_lock(&r->mu);
  r->done = 1;
  pthread_mutex_unlock(&r->mu);
  return NULL;
}

static void remove_waits_until_the_writer_has_left_the_socket(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *c;
  struct sender a;
  struct remover r;
  struct timespec ms200 = {0, 200000000L};
  pthread_t tw, tr;
  int done;

  (void)state;
  fake_init(&sock);
  c = open_conn(reg, &sock, 1);
  fake_hold(&sock, 1);
  a = (struct sender){c, "slow", -2};
  pthread_create(&tw, NULL, send_thread, &a);
  assert_int_equal(fake_wait_entered(&sock, 1), 1);
  r.reg = reg;
  r.c = c;
  r.done = 0;
  pthread_mutex_init(&r.mu, NULL);
  pthread_create(&tr, NULL, remove_thread, &r);
  nanosleep(&ms200, NULL); /* past REMOVE_WRITER_WAIT_MS */
  pthread_mutex_lock(&r.mu);
  done = r.done;
  pthread_mutex_unlock(&r.mu);
  assert_int_equal(done, 0); /* the socket is still in use */
  fake_hold(&sock, 0);
  pthread_join(tw, NULL);
  pthread_join(tr, NULL);
  assert_int_equal(r.done, 1);
  assert_int_equal(conn_state(c), WS_CONN_CLOSED);
  assert_null(c->mg);
  assert_int_equal(sock.most_inside, 1);
  pthread_mutex_destroy(&r.mu);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

/* More connections than the table has hash chains (4096): ids must share
 * chains, and each is still found, and removing one leaves the others. */
static void ids_sharing_a_hash_chain_are_each_found_and_removed_alone(void **state) {
  enum { N = 5000 };
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn **cs = calloc(N, sizeof(*cs));
  int i;

  (void)state;
  fake_init(&sock);
  for (i = 0; i < N; i++)
    cs[i] = open_conn(reg, &sock, 1);
  assert_int_equal(ws_registry_count(reg), N);
  for (i = 0; i < N; i += 2) {
    ws_registry_remove(reg, cs[i], 1000, NULL);
  }
  assert_int_equal(ws_registry_count(reg), N / 2);
  for (i = 0; i < N; i++) {
    struct ws_conn *got = ws_registry_get(reg, cs[i]->id, EMU_ID_LEN);
    if (i % 2) {
      assert_ptr_equal(got, cs[i]);
      ws_registry_conn_unref(got);
    } else {
      assert_null(got);
    }
  }
  {
    struct ws_conn **snap;
    size_t n = ws_registry_snapshot(reg, &snap), j;
    assert_int_equal(n, N / 2);
    for (j = 0; j < n; j++)
      ws_registry_conn_unref(snap[j]);
    free(snap);
  }
  for (i = 0; i < N; i++) {
    if (i % 2)
      ws_registry_remove(reg, cs[i], 1000, NULL);
    ws_registry_conn_unref(cs[i]);
  }
  assert_int_equal(ws_registry_count(reg), 0);
  free(cs);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

static void find_port_returns_the_connection_of_that_client_port(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct ws_conn *a, *b, *got;

  (void)state;
  fake_init(&sock);
  a = ws_registry_conn_new(NULL, NULL, "127.0.0.1", NULL);
  b = ws_registry_conn_new(NULL, NULL, "127.0.0.1", NULL);
  a->remote_port = 40001;
  b->remote_port = 40002;
  ws_registry_add(reg, a, as_mg(&sock));
  ws_registry_add(reg, b, as_mg(&sock));
  got = ws_registry_find_port(reg, 40002);
  assert_ptr_equal(got, b);
  ws_registry_conn_unref(got);
  assert_null(ws_registry_find_port(reg, 40003));
  ws_registry_remove(reg, a, 1000, NULL);
  ws_registry_remove(reg, b, 1000, NULL);
  ws_registry_conn_unref(a);
  ws_registry_conn_unref(b);
  ws_registry_free(reg);
  fake_destroy(&sock);
}

/* Getters post to connections while another thread removes them (as
 * @connections races close callbacks): every reference stays valid (ASan
 * would see a use after free), and the counts end at zero. Bounded. */
enum { STRESS_CONNS = 256, STRESS_GETTERS = 3, STRESS_ROUNDS = 40 };

struct stress {
  struct ws_registry *reg;
  char ids[STRESS_CONNS][EMU_ID_LEN + 1];
  atomic_int stop;
  atomic_long found;
};

static void *stress_getter(void *arg) {
  struct stress *s = arg;
  unsigned i = 0;

  while (!atomic_load(&s->stop)) {
    const char *id = s->ids[i++ % STRESS_CONNS];
    struct ws_conn *c = ws_registry_get(s->reg, id, EMU_ID_LEN);
    if (c) {
      if (memcmp(c->id, id, EMU_ID_LEN) != 0)
        abort();
      ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "ping", 4);
      ws_registry_conn_unref(c);
      atomic_fetch_add(&s->found, 1);
    }
  }
  return NULL;
}

static void get_and_remove_on_several_threads_keep_every_reference_valid(void **state) {
  struct stress *s = calloc(1, sizeof(*s));
  struct fake_sock sock;
  struct ws_conn *cs[STRESS_CONNS];
  pthread_t t[STRESS_GETTERS];
  int round, i;

  (void)state;
  fake_init(&sock);
  s->reg = ws_registry_new();
  atomic_store(&s->stop, 0);
  /* Fixed ids, written before the getters start: each round's connections
   * take them again, so an id comes back after its connection was removed. */
  for (i = 0; i < STRESS_CONNS; i++)
    emu_id_new(s->ids[i]);
  for (i = 0; i < STRESS_GETTERS; i++)
    pthread_create(&t[i], NULL, stress_getter, s);
  for (round = 0; round < STRESS_ROUNDS; round++) {
    for (i = 0; i < STRESS_CONNS; i++) {
      cs[i] = ws_registry_conn_new(NULL, NULL, "127.0.0.1", NULL);
      /* Before ws_registry_add, no other thread can see the connection. */
      memcpy(cs[i]->id, s->ids[i], EMU_ID_LEN + 1);
      ws_registry_add(s->reg, cs[i], as_mg(&sock));
      ws_registry_ready(cs[i]);
    }
    for (i = 0; i < STRESS_CONNS; i++) {
      ws_registry_remove(s->reg, cs[i], 1000, NULL);
      ws_registry_conn_unref(cs[i]); /* the last reference unless a getter holds one */
    }
  }
  atomic_store(&s->stop, 1);
  for (i = 0; i < STRESS_GETTERS; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(ws_registry_count(s->reg), 0);
  assert_true(atomic_load(&s->found) > 0);
  ws_registry_free(s->reg);
  free(s);
  fake_destroy(&sock);
}

static cJSON *h_none(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  return NULL;
}

/* The connection takes over the caller's reference to its deployment and
 * drops it with its own last reference (after ws_registry_remove, which
 * drops only the registry's): a config reload cannot free the API a live
 * connection points into. */
static void a_connection_holds_its_deployment_until_its_last_reference_goes(void **state) {
  static const struct wsgw_handler table[] = {{"t.none", h_none}, {NULL, NULL}};
  struct lambda_handlers *h = lambda_handlers_new(table, NULL);
  struct ws_registry *reg = ws_registry_new();
  struct fake_sock sock;
  struct emu_config cfg;
  struct ws_deployment *d;
  struct ws_conn *c;
  char err[1024];

  (void)state;
  fake_init(&sock);
  if (emu_config_load_string("{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
                             "\"routes\":{\"$default\":\"t.none\"}}]}",
                             "<test>", &cfg, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  d = ws_deployment_new(&cfg, h, err, sizeof(err));
  assert_non_null(d);
  ws_deployment_retain(d); /* the connection's */
  c = ws_registry_conn_new(d, &d->config->apis[0], "127.0.0.1", NULL);
  assert_non_null(c);
  assert_ptr_equal(c->deployment, d);
  assert_ptr_equal(c->api, &d->config->apis[0]);
  assert_int_equal(atomic_load(&d->refs), 2);
  ws_registry_add(reg, c, as_mg(&sock));
  ws_registry_remove(reg, c, 1000, NULL);
  assert_int_equal(atomic_load(&d->refs), 2); /* c still has a reference */
  ws_deployment_release(d);                   /* as a reload drops the old deployment */
  assert_int_equal(atomic_load(&d->refs), 1);
  assert_string_equal(c->api->stage, "dev"); /* still valid (ASan) */
  ws_registry_conn_unref(c);                 /* the last reference: frees d too (LSan) */
  ws_registry_free(reg);
  lambda_handlers_free(h);
  fake_destroy(&sock);
}

static void the_console_sees_a_connection_registered_counted_and_removed(void **state) {
  struct ws_registry *reg = ws_registry_new();
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *sub = emu_events_subscribe(bus);
  struct fake_sock sock;
  struct ws_conn *c;
  struct emu_buf out;
  char want[128];
  cJSON *info;

  (void)state;
  fake_init(&sock);
  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  ws_registry_set_events(reg, bus);
  c = open_conn(reg, &sock, 1);
  assert_int_equal(emu_events_next(sub, 1000, &out), EMU_EVENTS_DATA);
  snprintf(want, sizeof(want), "event: connection\ndata: {\"connectionId\":\"%s\"", c->id);
  assert_memory_equal(out.data, want, strlen(want));
  assert_non_null(strstr(out.data, "\"userAgent\":\"test-agent\""));
  emu_buf_reset(&out);
  /* Data frames count (a pong does not) and mark the connection changed. */
  assert_false(atomic_load(&c->dirty));
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_TEXT, "a", 1), 0);
  assert_int_equal(ws_registry_send(c, MG_WEBSOCKET_OPCODE_PONG, "", 0), 0);
  assert_true(atomic_load(&c->dirty));
  info = ws_conn_info_json(c);
  assert_int_equal(cJSON_GetObjectItem(info, "framesOut")->valueint, 1);
  assert_int_equal(cJSON_GetObjectItem(info, "framesIn")->valueint, 0);
  assert_string_equal(cJSON_GetObjectItem(info, "sourceIp")->valuestring, "127.0.0.1");
  cJSON_Delete(info);
  ws_registry_remove(reg, c, 1000, "Connection Closed Normally");
  assert_int_equal(emu_events_next(sub, 1000, &out), EMU_EVENTS_DATA);
  snprintf(want, sizeof(want),
           "event: disconnect\ndata: {\"connectionId\":\"%s\",\"closeCode\":1000,"
           "\"closeReason\":\"Connection Closed Normally\"}\n\n",
           c->id);
  assert_string_equal(out.data, want);
  emu_buf_free(&out);
  ws_registry_conn_unref(c);
  ws_registry_free(reg);
  emu_events_unsubscribe(sub);
  emu_events_free(bus);
  fake_destroy(&sock);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_new_connection_is_connecting_and_cannot_be_found_or_sent_to),
      cmocka_unit_test(get_returns_a_new_reference_and_remove_drops_the_registrys),
      cmocka_unit_test(an_unknown_id_or_a_wrong_length_finds_nothing),
      cmocka_unit_test(the_first_recorded_close_code_wins),
      cmocka_unit_test(frames_sent_before_the_101_wait_and_go_out_in_order_when_ready),
      cmocka_unit_test(a_close_frame_carries_at_most_125_bytes_and_none_for_1006),
      cmocka_unit_test(the_queue_takes_up_to_its_cap_and_an_overflow_ends_the_connection_as_1006),
      cmocka_unit_test(one_frame_larger_than_the_cap_is_still_accepted_into_an_empty_queue),
      cmocka_unit_test(a_second_sender_queues_behind_the_writer_which_writes_its_frame_after),
      cmocka_unit_test(senders_on_many_threads_never_write_at_once),
      cmocka_unit_test(a_write_that_fails_ends_the_connection_as_1006),
      cmocka_unit_test(a_write_is_overdue_only_at_its_deadline_and_then_ends_the_connection),
      cmocka_unit_test(remove_waits_until_the_writer_has_left_the_socket),
      cmocka_unit_test(ids_sharing_a_hash_chain_are_each_found_and_removed_alone),
      cmocka_unit_test(find_port_returns_the_connection_of_that_client_port),
      cmocka_unit_test(get_and_remove_on_several_threads_keep_every_reference_valid),
      cmocka_unit_test(a_connection_holds_its_deployment_until_its_last_reference_goes),
      cmocka_unit_test(the_console_sees_a_connection_registered_counted_and_removed),
  };

  return cmocka_run_group_tests_name("ws_registry", tests, NULL, NULL);
}
