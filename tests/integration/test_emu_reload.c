/*
 * test_emu_reload.c - hot reload (emulator/server/emu_reload.c) through the
 * public kit: a handler library loaded with the kit's `handler_libs` and
 * `watch`, a client connected, the library file replaced by another build
 * (renamed over it, or truncated and rewritten), and the same client's next
 * message running the new code with no close and no error frame. A broken
 * rebuild (it does not load; it lacks a handler the config names) keeps the
 * old code and logs one line; an invocation in flight during a reload
 * finishes on the old code; a config reload changes a route without
 * dropping the client, and an invalid one keeps the old config; under load
 * (clients sending without pause through ten reloads) every message gets
 * its answer, from one version or the other (ASan: no call into freed code).
 *
 * The libraries are built from reload_lib.c (tests/CMakeLists.txt); each
 * test copies them into a scratch directory. Waits poll with deadlines
 * (wsgw_kit_wait_reloads). Threading: the test thread and the emulator's;
 * the load test adds LOAD_CLIENTS client threads (struct load, its counts
 * guarded by mu).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#include "reload_files.h"

#define WAIT_MS 5000

static const char CONFIG[] =
    "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
    "\"routeSelectionExpression\":\"$request.body.action\","
    "\"routes\":{\"$default\":{\"function\":{\"handler\":\"lib.version\"},\"returnResponse\":true},"
    "\"sleep\":{\"function\":{\"handler\":\"lib.sleep\",\"timeout\":10},\"returnResponse\":true},"
    "\"slow\":{\"function\":{\"handler\":\"lib.sleep\",\"timeout\":1},\"returnResponse\":true},"
    "\"post\":\"lib.post\"}}]}";

struct fixture {
  char dir[256];
  char lib[512];    /* dir/libapp.so: what the emulator loaded */
  char config[512]; /* dir/config.json */
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
};

/* Starts an emulator serving dir/libapp.so (a copy of V1) with CONFIG,
 * watching both, and connects one client. */
static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  const char *libs[2];
  char err[4096];

  if (!reload_lib("V1"))
    fail_msg("WSGW_RELOAD_LIB_V1 is not set: run this test through ctest");
  assert_int_equal(reload_scratch(f->dir, sizeof(f->dir)), 0);
  snprintf(f->lib, sizeof(f->lib), "%s/libapp.so", f->dir);
  snprintf(f->config, sizeof(f->config), "%s/config.json", f->dir);
  assert_int_equal(reload_replace_by_rename(reload_lib("V1"), f->lib), 0);
  assert_int_equal(reload_write_text(f->config, CONFIG), 0);
  libs[0] = f->lib;
  libs[1] = NULL;
  f->emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = f->config, .handler_libs = libs, .watch = 1}, err,
      sizeof(err));
  if (!f->emu)
    fail_msg("%s", err);
  f->ws = wsgw_kit_connect(f->emu, NULL, NULL);
  assert_non_null(f->ws);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_ws_free(f->ws);
  wsgw_kit_stop(f->emu);
  reload_scratch_remove(f->dir);
  free(f);
  return 0;
}

/* The client asks which version answers, and gets exactly `expected` as
 * the next message (an error frame would be the next message instead). */
static void expect_version(struct wsgw_kit_ws *ws, const char *expected) {
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"version\"}"));
  CHECK(wsgw_kit_expect_text(ws, expected, WAIT_MS));
}

/* Runs fn with the process's stderr in dir/stderr.txt; returns what was
 * written there (static buffer). */
static const char *stderr_of(struct fixture *f, void (*fn)(struct fixture *)) {
  static char text[8192];
  char path[600];
  int saved = dup(2), fd;
  FILE *in;
  size_t n;

  snprintf(path, sizeof(path), "%s/stderr.txt", f->dir);
  fflush(stderr);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  assert_true(saved >= 0 && fd >= 0);
  dup2(fd, 2);
  close(fd);
  fn(f);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  in = fopen(path, "r");
  assert_non_null(in);
  n = fread(text, 1, sizeof(text) - 1, in);
  text[n] = '\0';
  fclose(in);
  print_message("    stderr: %s", text);
  return text;
}

/* The number of lines in text. */
static int count_lines(const char *text) {
  int n = 0;

  for (; *text; text++)
    n += *text == '\n';
  return n;
}

static void test_a_library_renamed_over_runs_the_new_code_for_the_same_client(void **state) {
  struct fixture *f = *state;

  expect_version(f->ws, "v1");
  assert_int_equal(reload_replace_by_rename(reload_lib("V2"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 0, WAIT_MS));
  expect_version(f->ws, "v2");
  /* The handler API reaches @connections from the new code too. */
  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"post\"}"));
  CHECK(wsgw_kit_expect_text(f->ws, "posted v2", WAIT_MS));
  CHECK(wsgw_kit_expect_silence(f->ws, 100));
}

static void test_a_library_truncated_and_rewritten_runs_the_new_code(void **state) {
  struct fixture *f = *state;

  expect_version(f->ws, "v1");
  assert_int_equal(reload_rewrite_in_place(reload_lib("V2"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 0, WAIT_MS));
  expect_version(f->ws, "v2");
  /* And back: every version gets a private copy, so glibc cannot hand the
   * first one back. */
  assert_int_equal(reload_rewrite_in_place(reload_lib("V1"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 2, 0, WAIT_MS));
  expect_version(f->ws, "v1");
}

static void replace_with_unresolved(struct fixture *f) {
  assert_int_equal(reload_replace_by_rename(reload_lib("UNRESOLVED"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 0, 1, WAIT_MS));
}

static void replace_with_missing(struct fixture *f) {
  assert_int_equal(reload_replace_by_rename(reload_lib("MISSING"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 0, 2, WAIT_MS));
}

static void test_a_broken_rebuild_keeps_the_old_code_and_logs_why(void **state) {
  struct fixture *f = *state;
  const char *log;
  int ok, failed;

  expect_version(f->ws, "v1");
  log = stderr_of(f, replace_with_unresolved);
  assert_non_null(strstr(log, "wsgw: reload of "));
  assert_non_null(strstr(log, "cannot load it"));
  assert_non_null(strstr(log, "wsgw_test_symbol_nobody_defines"));
  assert_non_null(strstr(log, "keeping the previous version"));
  expect_version(f->ws, "v1");
  log = stderr_of(f, replace_with_missing);
  assert_non_null(strstr(log, "unknown handler \"lib.sleep\""));
  assert_non_null(strstr(log, "keeping the previous version"));
  expect_version(f->ws, "v1");
  /* One line per reload. */
  assert_int_equal(count_lines(log), 1);
  /* A good build after the broken ones is taken. */
  assert_int_equal(reload_replace_by_rename(reload_lib("V2"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 2, WAIT_MS));
  expect_version(f->ws, "v2");
  wsgw_kit_reloads(f->emu, &ok, &failed);
  assert_int_equal(ok, 1);
  assert_int_equal(failed, 2);
}

static void test_an_invocation_in_flight_during_a_reload_finishes_on_the_old_code(void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *other = wsgw_kit_connect(f->emu, NULL, NULL);

  assert_non_null(other);
  /* f->ws's handler sleeps in v1's code while v2 is loaded and serves. */
  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"sleep\",\"ms\":1500}"));
  CHECK(wsgw_kit_expect_text(f->ws, "sleeping v1", WAIT_MS));
  assert_int_equal(reload_replace_by_rename(reload_lib("V2"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 0, WAIT_MS));
  expect_version(other, "v2");
  CHECK(wsgw_kit_expect_text(f->ws, "slept v1", WAIT_MS));
  expect_version(f->ws, "v2");
  wsgw_kit_ws_free(other);
}

static void test_a_handler_abandoned_at_its_deadline_keeps_its_code_through_a_reload(void **state) {
  struct fixture *f = *state;

  /* The client connected under v1; v2 is current when the slow handler
   * starts, and v1 again while it sleeps past its 1 s timeout. Nothing but
   * the abandoned invocation then holds v2's deployment: its code must stay
   * mapped until it returns (else this process crashes). */
  assert_int_equal(reload_replace_by_rename(reload_lib("V2"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 0, WAIT_MS));
  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"slow\",\"ms\":2000,\"woke\":true}"));
  CHECK(wsgw_kit_expect_text(f->ws, "sleeping v2", WAIT_MS));
  assert_int_equal(reload_replace_by_rename(reload_lib("V1"), f->lib), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 2, 0, WAIT_MS));
  CHECK(wsgw_kit_expect_json(f->ws, "{\"message\":\"Endpoint request timed out\"}", WAIT_MS));
  CHECK(wsgw_kit_expect_text(f->ws, "woke v2", WAIT_MS));
  expect_version(f->ws, "v1");
}

static const char CONFIG_ECHO[] =
    "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
    "\"routeSelectionExpression\":\"$request.body.action\","
    "\"routes\":{\"$default\":{\"function\":{\"handler\":\"diag.echo\"},\"returnResponse\":true},"
    "\"sleep\":\"lib.sleep\"}}],"
    "\"tables\":[{\"TableName\":\"Added\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "\"BillingMode\":\"PAY_PER_REQUEST\"}]}";

static void test_a_config_reload_changes_a_route_without_dropping_the_client(void **state) {
  struct fixture *f = *state;

  expect_version(f->ws, "v1");
  assert_int_equal(reload_write_text(f->config, CONFIG_ECHO), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 0, WAIT_MS));
  /* $default is diag.echo now: the same client gets its message back. */
  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"version\"}"));
  CHECK(wsgw_kit_expect_text(f->ws, "{\"action\":\"version\"}", WAIT_MS));
  /* The new config's table was created. */
  CHECK(wsgw_kit_db_put(f->emu, "Added", "{\"id\":{\"S\":\"x\"}}"));
}

static void test_an_invalid_config_reload_keeps_the_old_config(void **state) {
  struct fixture *f = *state;

  assert_int_equal(reload_write_text(f->config, "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
                                                "\"routes\":{\"$default\":\"lib.nope\"}}]}"),
                   0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 0, 1, WAIT_MS));
  expect_version(f->ws, "v1");
  assert_int_equal(reload_write_text(f->config, "{\"apis\": ["), 0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 0, 2, WAIT_MS));
  expect_version(f->ws, "v1");
}

static void test_a_stage_gone_from_the_config_closes_its_clients_at_their_next_message(
    void **state) {
  struct fixture *f = *state;

  assert_int_equal(reload_write_text(f->config, "{\"apis\":[{\"name\":\"other\",\"stage\":\"prod\","
                                                "\"routes\":{\"$default\":\"lib.version\"}}]}"),
                   0);
  CHECK(wsgw_kit_wait_reloads(f->emu, 1, 0, WAIT_MS));
  CHECK(wsgw_kit_send_text(f->ws, "{\"action\":\"version\"}"));
  CHECK(wsgw_kit_expect_close(f->ws, 1001, WAIT_MS));
}

#define LOAD_CLIENTS 4
#define LOAD_RELOADS 10

struct load {
  struct fixture *f;
  pthread_mutex_t mu;
  int stop;     /* set by the test thread after the last reload */
  int sent;     /* messages sent, all clients */
  int answered; /* of those, answered "v1" or "v2" */
  int failures; /* sends or answers that failed */
  char failure[256];
};

/* One client: its own connection, a message at a time without pause until
 * told to stop; each must be answered "v1" or "v2" (an error frame or a
 * close fails). */
static void *load_client(void *arg) {
  struct load *l = arg;
  struct wsgw_kit_ws *ws = wsgw_kit_connect(l->f->emu, NULL, NULL);
  int stop = 0;

  while (ws && !stop) {
    int sent = wsgw_kit_send_text(ws, "{\"action\":\"version\"}") == 0;
    int ok = sent && wsgw_kit_expect_regex(ws, "^v[12]$", WAIT_MS) == 0;
    pthread_mutex_lock(&l->mu);
    l->sent += sent;
    l->answered += ok;
    if (!ok && l->failures++ == 0)
      snprintf(l->failure, sizeof(l->failure), "%s (last message: %s)", wsgw_kit_error(),
               wsgw_kit_last_message(ws) ? wsgw_kit_last_message(ws) : "none");
    stop = l->stop || !ok;
    pthread_mutex_unlock(&l->mu);
  }
  if (!ws) {
    pthread_mutex_lock(&l->mu);
    if (l->failures++ == 0)
      snprintf(l->failure, sizeof(l->failure), "connect: %s", wsgw_kit_error());
    pthread_mutex_unlock(&l->mu);
  }
  wsgw_kit_ws_free(ws);
  return NULL;
}

static void test_reloads_under_load_lose_no_invocation(void **state) {
  struct fixture *f = *state;
  struct load l = {.f = f};
  pthread_t threads[LOAD_CLIENTS];

  pthread_mutex_init(&l.mu, NULL);
  for (int i = 0; i < LOAD_CLIENTS; i++)
    assert_int_equal(pthread_create(&threads[i], NULL, load_client, &l), 0);
  for (int i = 1; i <= LOAD_RELOADS; i++) {
    assert_int_equal(reload_replace_by_rename(reload_lib(i % 2 ? "V2" : "V1"), f->lib), 0);
    CHECK(wsgw_kit_wait_reloads(f->emu, i, 0, WAIT_MS));
  }
  pthread_mutex_lock(&l.mu);
  l.stop = 1;
  pthread_mutex_unlock(&l.mu);
  for (int i = 0; i < LOAD_CLIENTS; i++)
    pthread_join(threads[i], NULL);
  pthread_mutex_destroy(&l.mu);
  if (l.failures)
    fail_msg("%d of %d messages failed; the first: %s", l.failures, l.sent, l.failure);
  assert_int_equal(l.answered, l.sent);
  print_message("    %d clients, %d reloads: %d messages, %d answered\n", LOAD_CLIENTS,
                LOAD_RELOADS, l.sent, l.answered);
  expect_version(f->ws, "v1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          test_a_library_renamed_over_runs_the_new_code_for_the_same_client, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_library_truncated_and_rewritten_runs_the_new_code,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_broken_rebuild_keeps_the_old_code_and_logs_why, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_an_invocation_in_flight_during_a_reload_finishes_on_the_old_code, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_a_handler_abandoned_at_its_deadline_keeps_its_code_through_a_reload, setup,
          teardown),
      cmocka_unit_test_setup_teardown(
          test_a_config_reload_changes_a_route_without_dropping_the_client, setup, teardown),
      cmocka_unit_test_setup_teardown(test_an_invalid_config_reload_keeps_the_old_config, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(
          test_a_stage_gone_from_the_config_closes_its_clients_at_their_next_message, setup,
          teardown),
      cmocka_unit_test_setup_teardown(test_reloads_under_load_lose_no_invocation, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
