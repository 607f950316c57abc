/*
 * test_ws_deployment.c - unit tests for emulator/gateway/ws_deployment.c:
 * a deployment resolves every function of its config once (a missing name
 * is an error naming the route), a rebind shares the config part, and the
 * slot hands out references without a lock while deployments are published
 * (readers on several threads, a publisher swapping hundreds of times:
 * AddressSanitizer reports any use after free, LeakSanitizer any leak).
 * Threading: the test thread and the reader threads it starts.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu_config.h"
#include "lambda_handlers.h"
#include "ws_deployment.h"

static cJSON *handler_a(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  return NULL;
}

static cJSON *handler_b(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  return NULL;
}

static const struct wsgw_handler table[] = {{"t.a", handler_a}, {"t.b", handler_b}, {NULL, NULL}};

static const char CONFIG[] =
    "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
    "\"routeSelectionExpression\":\"$request.body.action\","
    "\"customDomain\":{\"domainName\":\"ws.example.com\",\"path\":\"chat\"},"
    "\"routes\":{\"$default\":\"t.a\",\"b\":\"t.b\"}}]}";

static struct ws_deployment *deploy(const char *text, const struct lambda_handlers *h, char *err,
                                    size_t cap) {
  struct emu_config cfg;

  if (emu_config_load_string(text, "<test>", &cfg, err, cap) != 0)
    fail_msg("%s", err);
  return ws_deployment_new(&cfg, h, err, cap);
}

static void every_route_is_resolved_when_the_config_is_deployed(void **state) {
  struct lambda_handlers *h = lambda_handlers_new(table, NULL);
  char err[1024];
  struct ws_deployment *d = deploy(CONFIG, h, err, sizeof(err));
  const struct emu_api *api;

  (void)state;
  assert_non_null(d);
  assert_int_equal(ws_deployment_api(d, "dev", 3), 0);
  assert_int_equal(ws_deployment_api(d, "chat", 4), 0);
  assert_int_equal(ws_deployment_api(d, "prod", 4), -1);
  api = &d->config->apis[0];
  assert_ptr_equal(ws_deployment_route(d, 0, emu_api_route(api, "$default"))->ref.fn, handler_a);
  assert_ptr_equal(ws_deployment_route(d, 0, emu_api_route(api, "b"))->ref.fn, handler_b);
  assert_ptr_equal(ws_deployment_route(d, 0, emu_api_route(api, "b"))->fn,
                   &emu_api_route(api, "b")->fn);
  assert_non_null(ws_deployment_expr(d, 0));
  assert_int_equal(ws_deployment_api_by_id(d, api->api_id), 0);
  assert_int_equal(ws_deployment_api_by_id(d, "nosuchapi0"), -1);
  ws_deployment_release(d);
  lambda_handlers_free(h);
}

static void a_missing_handler_fails_the_deployment_naming_the_route(void **state) {
  struct lambda_handlers *h = lambda_handlers_new(table, NULL);
  char err[1024];

  (void)state;
  assert_null(deploy("{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
                     "\"routes\":{\"$default\":\"t.nope\"}}]}",
                     h, err, sizeof(err)));
  assert_non_null(strstr(err, "<test>: apis[0].routes.$default: unknown handler \"t.nope\""));
  assert_non_null(strstr(err, "the program's handlers: t.a, t.b"));
  lambda_handlers_free(h);
}

static void a_rebind_shares_the_config_and_resolves_again(void **state) {
  struct lambda_handlers *h = lambda_handlers_new(table, NULL);
  char err[1024];
  struct ws_deployment *d = deploy(CONFIG, h, err, sizeof(err)), *r;

  (void)state;
  r = ws_deployment_rebind(d, h, err, sizeof(err));
  assert_non_null(r);
  assert_ptr_equal(r->config, d->config);
  assert_ptr_not_equal(r->routes, d->routes);
  ws_deployment_release(d); /* the config part lives on in r */
  assert_string_equal(r->config->apis[0].stage, "dev");
  ws_deployment_release(r);
  lambda_handlers_free(h);
}

struct readers {
  struct ws_deployment_slot slot;
  atomic_int stop;
  atomic_long reads;
};

static void *reader_main(void *arg) {
  struct readers *r = arg;

  while (!atomic_load(&r->stop)) {
    struct ws_deployment *d = ws_deployment_slot_acquire(&r->slot);
    assert_non_null(d);
    /* Touch what a message reads. */
    if (d->config->napis != 1 || d->routes[0][0].ref.fn == NULL)
      fail_msg("a deployment was read after it was freed");
    ws_deployment_release(d);
    atomic_fetch_add(&r->reads, 1);
  }
  return NULL;
}

static void readers_never_see_a_freed_deployment_while_others_are_published(void **state) {
  struct lambda_handlers *h = lambda_handlers_new(table, NULL);
  static struct readers r;
  pthread_t t[4];
  char err[1024];
  int i;

  (void)state;
  ws_deployment_slot_init(&r.slot, deploy(CONFIG, h, err, sizeof(err)));
  atomic_store(&r.stop, 0);
  atomic_store(&r.reads, 0);
  for (i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&t[i], NULL, reader_main, &r), 0);
  /* The readers are reading before the publishes start (on a loaded
   * machine they once got no turn until all 400 were done): up to 10 s. */
  for (i = 0; i < 10000 && atomic_load(&r.reads) == 0; i++) {
    struct timespec ms = {0, 1000000L};
    nanosleep(&ms, NULL);
  }
  assert_true(atomic_load(&r.reads) > 0);
  for (i = 0; i < 400; i++) {
    /* Every other one a new config, every other one a rebind. */
    struct ws_deployment *cur = ws_deployment_slot_acquire(&r.slot), *next;
    next = i % 2 ? ws_deployment_rebind(cur, h, err, sizeof(err))
                 : deploy(CONFIG, h, err, sizeof(err));
    ws_deployment_release(cur);
    assert_non_null(next);
    ws_deployment_slot_publish(&r.slot, next);
  }
  atomic_store(&r.stop, 1);
  for (i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  print_message("    %ld reads during 400 publishes\n", (long)atomic_load(&r.reads));
  assert_true(atomic_load(&r.reads) > 0);
  ws_deployment_slot_publish(&r.slot, NULL);
  assert_null(ws_deployment_slot_acquire(&r.slot));
  lambda_handlers_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_route_is_resolved_when_the_config_is_deployed),
      cmocka_unit_test(a_missing_handler_fails_the_deployment_naming_the_route),
      cmocka_unit_test(a_rebind_shares_the_config_and_resolves_again),
      cmocka_unit_test(readers_never_see_a_freed_deployment_while_others_are_published),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
