/*
 * test_lambda_invoke.c - unit tests for emulator/lambda/lambda_invoke.c:
 * a handler's response comes back; a NULL or non-object result and
 * wsgw_fail are function errors; the timeout fires at the function's
 * deadline and a late result is dropped (ASan/LSan check that it is freed
 * exactly once); the `then` hook runs once, on the handler's thread, only
 * for a response object that did not fail, and never after the deadline;
 * fault injection's latency and forced timeout; the environment reaches
 * wsgw_env; the invocation log records each call; a handler abandoned at
 * its deadline holds its target's owner until it returns (owner hooks);
 * the @connections client maps an endpoint to its stage.
 *
 * Context: a struct ws_gateway built by hand, the gateway's context whose
 * `lambda` member is the struct lambda_runtime lambda_invoke takes (faults,
 * invocation log, thread pool, counting owner hooks, and `management` =
 * connections_api_management with the gateway as its argument, as
 * emu_server sets it), plus what the management API reads (a deployment of
 * the config in the slot, the registry). No server and no port. Handlers
 * are resolved by name from the test's table (lambda_handlers_resolve, as a
 * deployment does) into a struct lambda_target per call. An unknown name is
 * refused there, at resolution (here and, for a config, in
 * test_ws_deployment.c); lambda_invoke's own check is that a target with no
 * function is a function error naming it.
 * Threading: handlers run on the pool's threads; every test waits for
 * gw.lambda.inflight to reach 0 before freeing the context.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connections_api.h"
#include "emu_faults.h"
#include "emu_invocations.h"
#include "emu_time.h"
#include "lambda_handlers.h"
#include "lambda_invoke.h"
#include "lambda_pool.h"
#include "ws_deployment.h"
#include "ws_gateway.h"
#include "ws_registry.h"
#include <wsgw/handler.h>

/* A gate a handler can be held at, and what the handlers saw. */
static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int hold;  /* held handlers wait while set */
  int runs;  /* handler bodies started */
  int hooks; /* then-hook calls */
  pthread_t hook_thread;
  pthread_t handler_thread;
} g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0};

static void gate_reset(int hold) {
  pthread_mutex_lock(&g.mu);
  g.hold = hold;
  g.runs = 0;
  g.hooks = 0;
  pthread_mutex_unlock(&g.mu);
}

static void gate_release(void) {
  pthread_mutex_lock(&g.mu);
  g.hold = 0;
  pthread_cond_broadcast(&g.cv);
  pthread_mutex_unlock(&g.mu);
}

static void gate_enter(void) {
  pthread_mutex_lock(&g.mu);
  g.runs++;
  g.handler_thread = pthread_self();
  while (g.hold)
    pthread_cond_wait(&g.cv, &g.mu);
  pthread_mutex_unlock(&g.mu);
}

static int gate_runs(void) {
  int n;

  pthread_mutex_lock(&g.mu);
  n = g.runs;
  pthread_mutex_unlock(&g.mu);
  return n;
}

/* Handlers. */
static cJSON *h_created(const cJSON *event, struct wsgw_ctx *ctx) {
  cJSON *r = wsgw_response(201, "made");
  cJSON *h = cJSON_AddObjectToObject(r, "headers");

  (void)event;
  (void)ctx;
  gate_enter();
  cJSON_AddStringToObject(h, "X-Thing", "yes");
  return r;
}

static cJSON *h_null(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  gate_enter();
  return NULL;
}

static cJSON *h_string(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  gate_enter();
  return cJSON_CreateString("not a response object");
}

static cJSON *h_fail(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  gate_enter();
  return wsgw_fail(ctx, "boom %d", 7);
}

/* Fails, yet returns an object: still a function error, and the object is
 * freed (LSan). */
static cJSON *h_fail_with_object(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  gate_enter();
  wsgw_fail(ctx, "half done");
  return wsgw_response(200, "ignored");
}

static cJSON *h_server_error(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  gate_enter();
  return wsgw_response(500, "no");
}

static cJSON *h_env(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *table = wsgw_env(ctx, "TABLE_NAME");
  cJSON *r;

  (void)event;
  gate_enter();
  r = wsgw_response(200, table ? table : "(none)");
  cJSON_AddBoolToObject(r, "missingIsNull", wsgw_env(ctx, "NOT_SET") == NULL);
  cJSON_AddBoolToObject(r, "numberIsNull", wsgw_env(ctx, "A_NUMBER") == NULL);
  return r;
}

/* Reads its environment after it was held, into late_env. */
static char late_env[32];

static cJSON *h_env_late(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *v;

  (void)event;
  gate_enter();
  v = wsgw_env(ctx, "TABLE_NAME");
  pthread_mutex_lock(&g.mu);
  snprintf(late_env, sizeof(late_env), "%s", v ? v : "(none)");
  pthread_mutex_unlock(&g.mu);
  return wsgw_response(200, v);
}

/* Reads its event after it was held: a late handler still owns it. */
static cJSON *h_echo(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(event, "body");

  (void)ctx;
  gate_enter();
  return wsgw_response(200, cJSON_IsString(body) ? body->valuestring : "");
}

/* Asks the management API about a connection id given in the event. */
static cJSON *h_get_connection(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *endpoint = cJSON_GetObjectItemCaseSensitive(event, "endpoint");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(event, "id");
  cJSON *resp = NULL, *r;
  int status;
  char body[64];

  gate_enter();
  status = wsgw_get_connection(ctx, endpoint->valuestring, id->valuestring, &resp);
  snprintf(body, sizeof(body), "%d %s", status, wsgw_last_error_type(ctx));
  r = wsgw_response(200, body);
  if (resp)
    cJSON_AddItemToObject(r, "connection", resp);
  return r;
}

static const struct wsgw_handler handlers[] = {
    {"t.created", h_created},
    {"t.null", h_null},
    {"t.string", h_string},
    {"t.fail", h_fail},
    {"t.fail_with_object", h_fail_with_object},
    {"t.server_error", h_server_error},
    {"t.env", h_env},
    {"t.env_late", h_env_late},
    {"t.echo", h_echo},
    {"t.get_connection", h_get_connection},
    {NULL, NULL},
};

static const char config_text[] =
    "{\"apis\": [{\"name\": \"chat\", \"stage\": \"dev\","
    "  \"customDomain\": {\"domainName\": \"chat.example.com\", \"path\": \"v1\"},"
    "  \"routes\": {\"$default\": \"t.echo\"}}]}";

/* The gateway context lambda_invoke runs in (see the file comment). */
struct context {
  struct ws_gateway gw;
  struct lambda_handlers *handlers;
  atomic_int owner_retains;  /* owner_retain calls */
  atomic_int owner_releases; /* owner_release calls */
};

/* The owner hooks: the owner of every target here is the context. */
static void owner_retain(void *owner) {
  atomic_fetch_add(&((struct context *)owner)->owner_retains, 1);
}

static void owner_release(void *owner) {
  atomic_fetch_add(&((struct context *)owner)->owner_releases, 1);
}

static struct context *context_new(void) {
  struct context *cx = calloc(1, sizeof(*cx));
  struct emu_config cfg;
  struct ws_deployment *d;
  char err[1024];

  assert_non_null(cx);
  if (emu_config_load_string(config_text, "t.json", &cfg, err, sizeof(err)) != 0)
    fail_msg("config: %s", err);
  cx->handlers = lambda_handlers_new(handlers, NULL);
  if (!(d = ws_deployment_new(&cfg, cx->handlers, err, sizeof(err))))
    fail_msg("deployment: %s", err);
  ws_deployment_slot_init(&cx->gw.deployed, d);
  cx->gw.registry = ws_registry_new();
  cx->gw.lambda.faults = emu_faults_new();
  cx->gw.lambda.invocations = emu_invocations_new();
  cx->gw.lambda.invokers = lambda_pool_new(4);
  cx->gw.lambda.management = connections_api_management;
  cx->gw.lambda.management_arg = &cx->gw;
  cx->gw.lambda.owner_retain = owner_retain;
  cx->gw.lambda.owner_release = owner_release;
  atomic_store(&cx->gw.lambda.inflight, 0);
  atomic_store(&cx->owner_retains, 0);
  atomic_store(&cx->owner_releases, 0);
  return cx;
}

/* Waits (5 s at most) until every handler thread has finished. */
static void wait_inflight(struct context *cx) {
  struct timespec ms = {0, 1000000L};
  int i;

  for (i = 0; i < 5000 && atomic_load(&cx->gw.lambda.inflight) > 0; i++)
    nanosleep(&ms, NULL);
  assert_int_equal(atomic_load(&cx->gw.lambda.inflight), 0);
}

/* Waits for every handler thread, as emu_server_stop does. Every hold an
 * abandoned handler took on its owner was given back. */
static void context_free(struct context *cx) {
  wait_inflight(cx);
  assert_int_equal(atomic_load(&cx->owner_releases), atomic_load(&cx->owner_retains));
  lambda_pool_free(cx->gw.lambda.invokers);
  ws_registry_free(cx->gw.registry);
  emu_invocations_free(cx->gw.lambda.invocations);
  emu_faults_free(cx->gw.lambda.faults);
  ws_deployment_slot_publish(&cx->gw.deployed, NULL);
  lambda_handlers_free(cx->handlers);
  free(cx);
}

/* fn resolved as a deployment resolves it: 0 with *t set, or -1 with the
 * reason in err and t->ref empty (no function). The owner is the context. */
static int target_of(struct context *cx, const struct emu_function *fn, struct lambda_target *t,
                     char *err, size_t cap) {
  memset(t, 0, sizeof(*t));
  t->fn = fn;
  t->owner = cx;
  if (lambda_handlers_resolve(cx->handlers, fn->handler, &t->ref, err, cap) != 0) {
    memset(&t->ref, 0, sizeof(t->ref));
    return -1;
  }
  return 0;
}

/* lambda_invoke of fn (resolved; unresolved: a target with no function). */
static void invoke_fn(struct context *cx, const struct emu_function *fn, cJSON *event,
                      struct lambda_result *out) {
  struct lambda_target t;
  char err[1024];

  target_of(cx, fn, &t, err, sizeof(err));
  lambda_invoke(&cx->gw.lambda, &t, event, out);
  lambda_ref_release(&t.ref);
}

static int setup(void **state) {
  gate_reset(0);
  *state = context_new();
  return 0;
}

static int teardown(void **state) {
  gate_release();
  context_free(*state);
  return 0;
}

static cJSON *event_with_body(const char *body) {
  cJSON *e = cJSON_CreateObject();

  cJSON_AddStringToObject(e, "body", body);
  return e;
}

static void invoke(struct context *cx, const char *handler, int timeout_ms, cJSON *env,
                   struct lambda_result *out) {
  struct emu_function fn = {
      .handler = (char *)handler, .timeout_ms = timeout_ms, .environment = env};

  invoke_fn(cx, &fn, event_with_body("hello"), out);
}

/* The one entry the log holds for handler (its "outcome" etc.). */
static cJSON *only_log_entry(struct context *cx, const char *handler) {
  cJSON *all = emu_invocations_query(cx->gw.lambda.invocations, NULL, NULL, handler);
  cJSON *one;

  assert_int_equal(cJSON_GetArraySize(all), 1);
  one = cJSON_DetachItemFromArray(all, 0);
  cJSON_Delete(all);
  return one;
}

static const char *str_of(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void a_handlers_response_comes_back_with_status_body_and_headers(void **state) {
  struct context *cx = *state;
  struct lambda_result r;

  invoke(cx, "t.created", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_OK);
  assert_non_null(r.response);
  assert_int_equal(lambda_result_status(&r), 201);
  assert_string_equal(lambda_result_body(&r), "made");
  assert_string_equal(lambda_result_header(&r, "x-thing"), "yes");
  assert_null(lambda_result_header(&r, "x-other"));
  assert_true(r.duration_ms >= 0 && r.duration_ms < 5000);
  assert_false(pthread_equal(g.handler_thread, pthread_self()));
  /* The caller's own hold on the owner covers a call that ends in time. */
  assert_int_equal(atomic_load(&cx->owner_retains), 0);
  lambda_result_free(&r);
  assert_null(r.response);
}

static void a_missing_status_code_reads_as_200_and_a_string_one_as_its_number(void **state) {
  cJSON *resp = cJSON_CreateObject();

  (void)state;
  assert_int_equal(lambda_response_status(resp), 200);
  cJSON_AddStringToObject(resp, "statusCode", "404");
  assert_int_equal(lambda_response_status(resp), 404);
  cJSON_Delete(resp);
}

static void a_null_result_is_a_function_error(void **state) {
  struct context *cx = *state;
  struct lambda_result r;

  invoke(cx, "t.null", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_ERROR);
  assert_null(r.response);
  assert_string_equal(r.error, "the handler returned no response object");
  lambda_result_free(&r);
}

static void a_result_that_is_not_an_object_is_a_function_error(void **state) {
  struct context *cx = *state;
  struct lambda_result r;

  invoke(cx, "t.string", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_ERROR);
  assert_null(r.response);
  lambda_result_free(&r);
}

static void wsgw_fail_is_a_function_error_with_its_message(void **state) {
  struct context *cx = *state;
  struct lambda_result r;

  invoke(cx, "t.fail", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_ERROR);
  assert_string_equal(r.error, "boom 7");
  lambda_result_free(&r);
  invoke(cx, "t.fail_with_object", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_ERROR);
  assert_null(r.response);
  assert_string_equal(r.error, "half done");
  lambda_result_free(&r);
}

/* The name is looked up once, when the function is resolved (a config is
 * deployed: see also test_ws_deployment.c, which checks that the
 * deployment fails naming the route); a target left without a function
 * still reaches lambda_invoke only as a function error naming it. */
static void an_unregistered_handler_is_a_function_error_naming_it(void **state) {
  struct context *cx = *state;
  struct emu_function fn = {.handler = "t.nowhere", .timeout_ms = 5000, .environment = NULL};
  struct lambda_target t;
  struct lambda_result r;
  char err[1024];

  assert_int_equal(target_of(cx, &fn, &t, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "unknown handler \"t.nowhere\""));
  assert_null(t.ref.fn);
  lambda_invoke(&cx->gw.lambda, &t, event_with_body("hello"), &r);
  assert_int_equal(r.outcome, LAMBDA_ERROR);
  assert_non_null(strstr(r.error, "t.nowhere"));
  lambda_result_free(&r);
}

static void the_timeout_fires_at_the_functions_deadline(void **state) {
  struct context *cx = *state;
  struct lambda_result r;

  gate_reset(1);
  invoke(cx, "t.echo", 300, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_TIMEOUT);
  assert_null(r.response);
  /* The handler is held until teardown: only the deadline ends the wait
   * (the upper bound leaves room for a loaded machine). */
  assert_true(r.duration_ms >= 300);
  assert_true(r.duration_ms < 300 + 2000);
  assert_string_equal(r.error, "Task timed out after 0.30 seconds");
  lambda_result_free(&r);
}

static void a_late_result_is_dropped_and_logged_once_as_a_timeout(void **state) {
  struct context *cx = *state;
  struct lambda_result r;
  struct timespec ms = {0, 1000000L};
  cJSON *entry;
  int i;

  gate_reset(1);
  invoke(cx, "t.echo", 100, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_TIMEOUT);
  assert_int_equal(atomic_load(&cx->gw.lambda.inflight), 1); /* still running */
  /* The handler now reads its event and returns a response nobody takes. */
  gate_release();
  for (i = 0; i < 5000 && atomic_load(&cx->gw.lambda.inflight) > 0; i++)
    nanosleep(&ms, NULL);
  assert_int_equal(atomic_load(&cx->gw.lambda.inflight), 0);
  entry = only_log_entry(cx, "t.echo");
  assert_string_equal(str_of(entry, "outcome"), "timeout");
  /* The log kept its own copy of the event. */
  assert_string_equal(str_of(cJSON_GetObjectItemCaseSensitive(entry, "event"), "body"), "hello");
  cJSON_Delete(entry);
  lambda_result_free(&r);
}

/* A handler past its deadline still has its context: lambda_invoke keeps
 * the function (`fn`, owned by the deployment) in it, so the caller that
 * abandons it at the deadline takes a hold on the target's owner
 * (owner_retain) which the handler's thread gives back when it returns
 * (owner_release): a reload may drop the deployment meanwhile. */
static void a_late_handler_still_reads_its_functions_environment(void **state) {
  static struct emu_function fn = {.handler = "t.env_late", .timeout_ms = 100, .environment = NULL};
  struct context *cx = *state;
  struct lambda_result r;
  cJSON *entry;

  fn.environment = cJSON_Parse("{\"TABLE_NAME\": \"late\"}");
  gate_reset(1);
  invoke_fn(cx, &fn, event_with_body("x"), &r);
  assert_int_equal(r.outcome, LAMBDA_TIMEOUT);
  /* The handler is held: its hold on the owner is taken, not yet given back. */
  assert_int_equal(atomic_load(&cx->owner_retains), 1);
  assert_int_equal(atomic_load(&cx->owner_releases), 0);
  gate_release();
  wait_inflight(cx);
  assert_int_equal(atomic_load(&cx->owner_releases), 1);
  pthread_mutex_lock(&g.mu);
  assert_string_equal(late_env, "late");
  pthread_mutex_unlock(&g.mu);
  /* Its response was dropped: the log holds the timeout only. */
  entry = only_log_entry(cx, "t.env_late");
  assert_string_equal(str_of(entry, "outcome"), "timeout");
  cJSON_Delete(entry);
  lambda_result_free(&r);
  cJSON_Delete(fn.environment);
  fn.environment = NULL;
}

static void hook(const cJSON *response, void *arg) {
  int *status = arg;

  pthread_mutex_lock(&g.mu);
  g.hooks++;
  g.hook_thread = pthread_self();
  pthread_mutex_unlock(&g.mu);
  *status = lambda_response_status(response);
}

static int invoke_then(struct context *cx, const char *handler, int timeout_ms,
                       enum lambda_outcome want, int *status) {
  struct emu_function fn = {
      .handler = (char *)handler, .timeout_ms = timeout_ms, .environment = NULL};
  struct lambda_target t;
  struct lambda_result r;
  char err[1024];

  *status = 0;
  target_of(cx, &fn, &t, err, sizeof(err)); /* t.nowhere: a target with no function */
  lambda_invoke_then(&cx->gw.lambda, &t, event_with_body("x"), &r, hook, status);
  lambda_ref_release(&t.ref);
  assert_int_equal(r.outcome, want);
  lambda_result_free(&r);
  pthread_mutex_lock(&g.mu);
  int hooks = g.hooks;
  g.hooks = 0;
  pthread_mutex_unlock(&g.mu);
  return hooks;
}

static void the_then_hook_runs_once_on_the_handlers_thread_before_the_caller_returns(void **state) {
  struct context *cx = *state;
  int status;

  assert_int_equal(invoke_then(cx, "t.created", 5000, LAMBDA_OK, &status), 1);
  assert_int_equal(status, 201);
  assert_true(pthread_equal(g.hook_thread, g.handler_thread));
  assert_false(pthread_equal(g.hook_thread, pthread_self()));
}

/* lambda_invoke.h: the hook sees every response object that did not fail;
 * telling a 2xx from the rest is the caller's (ws_gateway's accept_on_2xx). */
static void the_then_hook_sees_a_non_2xx_response_and_leaves_the_status_to_the_caller(
    void **state) {
  struct context *cx = *state;
  int status;

  assert_int_equal(invoke_then(cx, "t.server_error", 5000, LAMBDA_OK, &status), 1);
  assert_int_equal(status, 500);
}

static void the_then_hook_never_runs_for_a_function_error(void **state) {
  struct context *cx = *state;
  int status;

  assert_int_equal(invoke_then(cx, "t.fail", 5000, LAMBDA_ERROR, &status), 0);
  assert_int_equal(invoke_then(cx, "t.fail_with_object", 5000, LAMBDA_ERROR, &status), 0);
  assert_int_equal(invoke_then(cx, "t.null", 5000, LAMBDA_ERROR, &status), 0);
  assert_int_equal(invoke_then(cx, "t.string", 5000, LAMBDA_ERROR, &status), 0);
  assert_int_equal(invoke_then(cx, "t.nowhere", 5000, LAMBDA_ERROR, &status), 0);
}

static void the_then_hook_never_runs_for_a_result_after_the_deadline(void **state) {
  struct context *cx = *state;
  int status;

  gate_reset(1);
  assert_int_equal(invoke_then(cx, "t.created", 100, LAMBDA_TIMEOUT, &status), 0);
  gate_release();
  wait_inflight(cx);
  assert_int_equal(gate_runs(), 1);
  pthread_mutex_lock(&g.mu);
  assert_int_equal(g.hooks, 0);
  pthread_mutex_unlock(&g.mu);
  assert_int_equal(status, 0);
}

static void the_functions_environment_reaches_wsgw_env(void **state) {
  struct context *cx = *state;
  cJSON *env = cJSON_Parse("{\"TABLE_NAME\": \"chat-connections\", \"A_NUMBER\": 5}");
  struct lambda_result r;

  invoke(cx, "t.env", 5000, env, &r);
  assert_int_equal(r.outcome, LAMBDA_OK);
  assert_string_equal(lambda_result_body(&r), "chat-connections");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.response, "missingIsNull")));
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r.response, "numberIsNull")));
  lambda_result_free(&r);
  cJSON_Delete(env);
}

static void the_invocation_log_records_the_event_outcome_and_response(void **state) {
  struct context *cx = *state;
  struct lambda_result r;
  const cJSON *response;
  cJSON *entry;

  invoke(cx, "t.created", 5000, NULL, &r);
  lambda_result_free(&r);
  entry = only_log_entry(cx, "t.created");
  assert_string_equal(str_of(entry, "outcome"), "ok");
  assert_string_equal(str_of(cJSON_GetObjectItemCaseSensitive(entry, "event"), "body"), "hello");
  response = cJSON_GetObjectItemCaseSensitive(entry, "response");
  assert_string_equal(str_of(response, "body"), "made");
  cJSON_Delete(entry);

  invoke(cx, "t.fail", 5000, NULL, &r);
  lambda_result_free(&r);
  entry = only_log_entry(cx, "t.fail");
  assert_string_equal(str_of(entry, "outcome"), "error");
  assert_string_equal(str_of(entry, "error"), "boom 7");
  cJSON_Delete(entry);
}

static void an_injected_latency_counts_toward_the_deadline(void **state) {
  struct context *cx = *state;
  cJSON *spec = cJSON_Parse(
      "{\"type\": \"handler.latency\", \"handler\": \"t.echo\", \"ms\": 400}");
  struct lambda_result r;
  char err[128];

  assert_true(emu_faults_add(cx->gw.lambda.faults, spec, err, sizeof(err)) > 0);
  invoke(cx, "t.echo", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_OK);
  assert_true(r.duration_ms >= 400);
  lambda_result_free(&r);
  invoke(cx, "t.echo", 150, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_TIMEOUT); /* 400 ms of latency, 150 ms allowed */
  assert_true(r.duration_ms >= 150);
  lambda_result_free(&r);
  cJSON_Delete(spec);
}

static void a_forced_timeout_answers_at_once_without_running_the_handler(void **state) {
  struct context *cx = *state;
  cJSON *spec = cJSON_Parse("{\"type\": \"handler.timeout\", \"handler\": \"t.echo\"}");
  struct lambda_result r;
  cJSON *entry;
  char err[128];

  assert_true(emu_faults_add(cx->gw.lambda.faults, spec, err, sizeof(err)) > 0);
  invoke(cx, "t.echo", 5000, NULL, &r);
  assert_int_equal(r.outcome, LAMBDA_TIMEOUT);
  assert_int_equal(gate_runs(), 0);
  lambda_result_free(&r);
  entry = only_log_entry(cx, "t.echo");
  assert_string_equal(str_of(entry, "outcome"), "timeout");
  cJSON_Delete(entry);
  cJSON_Delete(spec);
}

/* Runs t.get_connection for id at endpoint; returns the body "STATUS TYPE"
 * (owned by r). */
static const char *get_connection(struct context *cx, const char *endpoint, const char *id,
                                  struct lambda_result *r) {
  struct emu_function fn = {.handler = "t.get_connection", .timeout_ms = 5000, .environment = NULL};
  cJSON *event = cJSON_CreateObject();

  cJSON_AddStringToObject(event, "endpoint", endpoint);
  cJSON_AddStringToObject(event, "id", id);
  invoke_fn(cx, &fn, event, r);
  assert_int_equal(r->outcome, LAMBDA_OK);
  return lambda_result_body(r);
}

static void the_connections_client_reaches_a_connection_through_its_stage_or_base_path(
    void **state) {
  struct context *cx = *state;
  struct ws_deployment *d = ws_deployment_slot_acquire(&cx->gw.deployed); /* c's */
  struct ws_conn *c = ws_registry_conn_new(d, &d->config->apis[0], "203.0.113.9", "agent/1");
  int sock; /* GET never writes: any non-NULL socket will do */
  struct lambda_result r;
  const cJSON *conn;

  ws_registry_add(cx->gw.registry, c, (struct mg_connection *)&sock);
  assert_string_equal(get_connection(cx, "https://abc.execute-api.local/dev", c->id, &r), "200 ");
  conn = cJSON_GetObjectItemCaseSensitive(r.response, "connection");
  assert_string_equal(str_of(cJSON_GetObjectItemCaseSensitive(conn, "identity"), "sourceIp"),
                      "203.0.113.9");
  lambda_result_free(&r);
  /* A trailing slash, and the custom domain's mapping path. */
  assert_string_equal(get_connection(cx, "https://127.0.0.1:9/dev/", c->id, &r), "200 ");
  lambda_result_free(&r);
  assert_string_equal(get_connection(cx, "https://chat.example.com/v1", c->id, &r), "200 ");
  lambda_result_free(&r);
  /* SPEC docs/spec/apigw-websocket.md 7: a wrong stage is a 403. */
  assert_string_equal(get_connection(cx, "https://127.0.0.1:9/prod", c->id, &r),
                      "403 ForbiddenException");
  lambda_result_free(&r);
  ws_registry_remove(cx->gw.registry, c, 1000, NULL);
  /* SPEC docs/spec/apigw-websocket.md 7: a closed connection is gone. */
  assert_string_equal(get_connection(cx, "https://127.0.0.1:9/dev", c->id, &r),
                      "410 GoneException");
  lambda_result_free(&r);
  ws_registry_conn_unref(c);
}

static void the_management_endpoint_is_built_from_the_events_domain_and_stage(void **state) {
  cJSON *event = cJSON_Parse(
      "{\"requestContext\": {\"domainName\": \"127.0.0.1:8080\", \"stage\": \"dev\"}}");
  char buf[64], tiny[8];

  (void)state;
  assert_int_equal(wsgw_management_endpoint(event, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "https://127.0.0.1:8080/dev");
  assert_int_equal(wsgw_management_endpoint(event, tiny, sizeof(tiny)), -1);
  cJSON_Delete(event);
  event = cJSON_Parse("{\"requestContext\": {}}");
  assert_int_equal(wsgw_management_endpoint(event, buf, sizeof(buf)), -1);
  cJSON_Delete(event);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(a_handlers_response_comes_back_with_status_body_and_headers),
      T(a_missing_status_code_reads_as_200_and_a_string_one_as_its_number),
      T(a_null_result_is_a_function_error),
      T(a_result_that_is_not_an_object_is_a_function_error),
      T(wsgw_fail_is_a_function_error_with_its_message),
      T(an_unregistered_handler_is_a_function_error_naming_it),
      T(the_timeout_fires_at_the_functions_deadline),
      T(a_late_result_is_dropped_and_logged_once_as_a_timeout),
      T(a_late_handler_still_reads_its_functions_environment),
      T(the_then_hook_runs_once_on_the_handlers_thread_before_the_caller_returns),
      T(the_then_hook_sees_a_non_2xx_response_and_leaves_the_status_to_the_caller),
      T(the_then_hook_never_runs_for_a_function_error),
      T(the_then_hook_never_runs_for_a_result_after_the_deadline),
      T(the_functions_environment_reaches_wsgw_env),
      T(the_invocation_log_records_the_event_outcome_and_response),
      T(an_injected_latency_counts_toward_the_deadline),
      T(a_forced_timeout_answers_at_once_without_running_the_handler),
      T(the_connections_client_reaches_a_connection_through_its_stage_or_base_path),
      T(the_management_endpoint_is_built_from_the_events_domain_and_stage),
  };
#undef T

  return cmocka_run_group_tests_name("lambda_invoke", tests, NULL, NULL);
}
