/*
 * test_emu_events.c - unit tests for emulator/base/emu_events.c: events
 * reach every subscriber in order as server-sent events, nothing is built
 * without subscribers, a subscriber that falls behind is dropped (and the
 * others keep theirs), the subscriber cap, timeouts, close waking a
 * waiting reader on another thread, and publishers on several threads
 * (none lost, each one's order kept).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "emu_events.h"

static cJSON *event_n(int n) {
  cJSON *o = cJSON_CreateObject();

  cJSON_AddNumberToObject(o, "n", n);
  return o;
}

static void publish_n(struct emu_events *bus, int n) {
  cJSON *o = event_n(n);

  emu_events_publish(bus, "test", o);
  cJSON_Delete(o);
}

static void events_reach_every_subscriber_in_order(void **state) {
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *a = emu_events_subscribe(bus), *b = emu_events_subscribe(bus);
  struct emu_buf out;

  (void)state;
  assert_non_null(a);
  assert_non_null(b);
  assert_true(emu_events_active(bus));
  publish_n(bus, 1);
  publish_n(bus, 2);
  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  assert_int_equal(emu_events_next(a, 1000, &out), EMU_EVENTS_DATA);
  assert_string_equal(out.data, "event: test\ndata: {\"n\":1}\n\nevent: test\ndata: {\"n\":2}\n\n");
  emu_buf_reset(&out);
  assert_int_equal(emu_events_next(b, 1000, &out), EMU_EVENTS_DATA);
  assert_non_null(strstr(out.data, "{\"n\":2}"));
  emu_buf_reset(&out);
  assert_int_equal(emu_events_next(a, 10, &out), EMU_EVENTS_TIMEOUT);
  assert_int_equal(out.len, 0);
  emu_buf_free(&out);
  emu_events_unsubscribe(a);
  emu_events_unsubscribe(b);
  assert_false(emu_events_active(bus));
  emu_events_free(bus);
}

static void publishing_without_subscribers_or_bus_does_nothing(void **state) {
  struct emu_events *bus = emu_events_new();

  (void)state;
  assert_false(emu_events_active(bus));
  assert_false(emu_events_active(NULL));
  publish_n(bus, 1);
  publish_n(NULL, 1);
  emu_events_free(bus);
  emu_events_free(NULL);
}

static void a_subscriber_that_falls_behind_is_dropped_and_others_keep_theirs(void **state) {
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *slow = emu_events_subscribe(bus), *fast = emu_events_subscribe(bus);
  struct emu_buf out;
  int i;

  (void)state;
  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  for (i = 0; i < EMU_EVENTS_QUEUE_MAX + 10; i++) {
    publish_n(bus, i);
    if (i % 100 == 0) {
      assert_int_equal(emu_events_next(fast, 1000, &out), EMU_EVENTS_DATA);
      emu_buf_reset(&out);
    }
  }
  assert_int_equal(emu_events_next(slow, 1000, &out), EMU_EVENTS_DROPPED);
  assert_int_equal(out.len, 0);
  /* Dropped for good: later events do not revive it. */
  publish_n(bus, -1);
  assert_int_equal(emu_events_next(slow, 10, &out), EMU_EVENTS_DROPPED);
  assert_int_equal(emu_events_next(fast, 1000, &out), EMU_EVENTS_DATA);
  assert_non_null(strstr(out.data, "{\"n\":-1}"));
  emu_buf_free(&out);
  emu_events_unsubscribe(slow);
  emu_events_unsubscribe(fast);
  emu_events_free(bus);
}

static void at_most_max_subscribers_listen_at_once(void **state) {
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *subs[EMU_EVENTS_MAX_SUBSCRIBERS];
  struct emu_events_sub *extra;
  int i;

  (void)state;
  for (i = 0; i < EMU_EVENTS_MAX_SUBSCRIBERS; i++)
    assert_non_null(subs[i] = emu_events_subscribe(bus));
  assert_null(emu_events_subscribe(bus));
  emu_events_unsubscribe(subs[0]);
  assert_non_null(extra = emu_events_subscribe(bus));
  emu_events_unsubscribe(extra);
  for (i = 1; i < EMU_EVENTS_MAX_SUBSCRIBERS; i++)
    emu_events_unsubscribe(subs[i]);
  emu_events_free(bus);
}

static void *wait_long(void *arg) {
  struct emu_buf out;
  static enum emu_events_wait rc;

  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  rc = emu_events_next(arg, 30000, &out);
  emu_buf_free(&out);
  return &rc;
}

static void close_wakes_a_waiting_reader_and_refuses_new_subscribers(void **state) {
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *s = emu_events_subscribe(bus);
  pthread_t tid;
  void *res;

  (void)state;
  assert_int_equal(pthread_create(&tid, NULL, wait_long, s), 0);
  emu_events_close(bus);
  assert_int_equal(pthread_join(tid, &res), 0);
  assert_int_equal(*(enum emu_events_wait *)res, EMU_EVENTS_CLOSED);
  assert_null(emu_events_subscribe(bus));
  emu_events_unsubscribe(s);
  emu_events_free(bus);
}

#define PUBLISHERS 4
#define PER_PUBLISHER 200

struct publisher {
  struct emu_events *bus;
  int id;
};

static void *publish_many(void *arg) {
  struct publisher *p = arg;
  int i;

  for (i = 0; i < PER_PUBLISHER; i++) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "p", p->id);
    cJSON_AddNumberToObject(o, "i", i);
    emu_events_publish(p->bus, "test", o);
    cJSON_Delete(o);
  }
  return NULL;
}

static void publishers_on_several_threads_lose_nothing_and_keep_their_order(void **state) {
  struct emu_events *bus = emu_events_new();
  struct emu_events_sub *sub = emu_events_subscribe(bus);
  struct publisher pubs[PUBLISHERS];
  pthread_t tids[PUBLISHERS];
  int next[PUBLISHERS] = {0}, seen = 0, i;
  struct emu_buf out;

  (void)state;
  /* PUBLISHERS * PER_PUBLISHER fits one queue: nothing may be dropped. */
  assert_true(PUBLISHERS * PER_PUBLISHER <= EMU_EVENTS_QUEUE_MAX);
  for (i = 0; i < PUBLISHERS; i++) {
    pubs[i].bus = bus;
    pubs[i].id = i;
    assert_int_equal(pthread_create(&tids[i], NULL, publish_many, &pubs[i]), 0);
  }
  emu_buf_init(&out, EMU_EVENTS_QUEUE_MAX_BYTES);
  while (seen < PUBLISHERS * PER_PUBLISHER) {
    const char *at;
    int p, n;
    assert_int_equal(emu_events_next(sub, 5000, &out), EMU_EVENTS_DATA);
    for (at = out.data; (at = strstr(at, "data: ")) != NULL; at++) {
      assert_int_equal(sscanf(at, "data: {\"p\":%d,\"i\":%d}", &p, &n), 2);
      assert_true(p >= 0 && p < PUBLISHERS);
      assert_int_equal(n, next[p]); /* each publisher's events in its order */
      next[p]++;
      seen++;
    }
    emu_buf_reset(&out);
  }
  for (i = 0; i < PUBLISHERS; i++)
    assert_int_equal(pthread_join(tids[i], NULL), 0);
  assert_int_equal(emu_events_next(sub, 10, &out), EMU_EVENTS_TIMEOUT);
  emu_buf_free(&out);
  emu_events_unsubscribe(sub);
  emu_events_free(bus);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(events_reach_every_subscriber_in_order),
      cmocka_unit_test(publishing_without_subscribers_or_bus_does_nothing),
      cmocka_unit_test(a_subscriber_that_falls_behind_is_dropped_and_others_keep_theirs),
      cmocka_unit_test(at_most_max_subscribers_listen_at_once),
      cmocka_unit_test(close_wakes_a_waiting_reader_and_refuses_new_subscribers),
      cmocka_unit_test(publishers_on_several_threads_lose_nothing_and_keep_their_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
