/*
 * test_lambda_handlers.c - handler libraries (emulator/lambda/lambda_lib.c,
 * lambda_handlers.c) as a team uses them: loaded with the kit's
 * `handler_libs` and with `wsgw serve --handlers` ($WSGW_BIN), their names
 * resolved when the config loads. A missing name or one exported twice is a
 * config error that lists what each library exports; a library that does
 * not load, or exports no wsgw_handlers, fails the start naming the file.
 *
 * The libraries are built from reload_lib.c (tests/CMakeLists.txt).
 * Threading: the test thread, the emulator's, a child process for the
 * binary.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#include "reload_files.h"

#define WAIT_MS 5000

static const char *lib(const char *variant) {
  const char *p = reload_lib(variant);

  if (!p)
    fail_msg("WSGW_RELOAD_LIB_%s is not set: run this test through ctest", variant);
  return p;
}

/* Starts the kit with one route to `handler` and the given libraries;
 * returns the emulator, or NULL with the error in err. */
static struct wsgw_kit_emu *start(const char *handler, const char *const *libs, char *err,
                                  size_t cap) {
  char config[512];

  snprintf(config, sizeof(config),
           "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\",\"routes\":{\"$default\":"
           "{\"function\":{\"handler\":\"%s\"},\"returnResponse\":true}}}]}",
           handler);
  return wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config, .handler_libs = libs},
                        err, cap);
}

static void test_a_library_handler_answers_a_client(void **state) {
  const char *libs[] = {lib("V2"), NULL};
  char err[4096];
  struct wsgw_kit_emu *emu = start("lib.version", libs, err, sizeof(err));
  struct wsgw_kit_ws *ws;

  (void)state;
  if (!emu)
    fail_msg("%s", err);
  ws = wsgw_kit_connect(emu, NULL, NULL);
  assert_non_null(ws);
  CHECK(wsgw_kit_send_text(ws, "hello"));
  CHECK(wsgw_kit_expect_text(ws, "v2", WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void test_a_config_naming_a_missing_handler_fails_with_the_listing(void **state) {
  const char *libs[] = {lib("V1"), NULL};
  char err[4096];

  (void)state;
  assert_null(start("lib.nope", libs, err, sizeof(err)));
  print_message("    %s\n", err);
  assert_non_null(strstr(err, "apis[0].routes.$default: unknown handler \"lib.nope\""));
  assert_non_null(strstr(err, ": lib.version, lib.sleep, lib.post"));
  assert_non_null(strstr(err, "; bundled: "));
  assert_non_null(strstr(err, "diag.echo"));
}

static void test_a_name_exported_by_two_libraries_is_a_config_error(void **state) {
  char dir[256], other[512], err[4096];
  const char *libs[3];

  (void)state;
  assert_int_equal(reload_scratch(dir, sizeof(dir)), 0);
  snprintf(other, sizeof(other), "%s/libother.so", dir);
  assert_int_equal(reload_replace_by_rename(lib("V2"), other), 0);
  libs[0] = lib("V1");
  libs[1] = other;
  libs[2] = NULL;
  assert_null(start("lib.version", libs, err, sizeof(err)));
  print_message("    %s\n", err);
  assert_non_null(strstr(err, "handler \"lib.version\" is exported twice"));
  assert_non_null(strstr(err, "libother.so"));
  reload_scratch_remove(dir);
}

static cJSON *program_version(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  return wsgw_response(200, "program");
}

static void test_a_name_in_the_program_and_in_a_library_is_a_config_error(void **state) {
  static const struct wsgw_handler mine[] = {{"lib.version", program_version}, {NULL, NULL}};
  const char *libs[] = {lib("V1"), NULL};
  char err[4096];

  (void)state;
  assert_null(wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\","
                                                "\"routes\":{\"$default\":\"lib.version\"}}]}",
                                 .handlers = mine,
                                 .handler_libs = libs},
      err, sizeof(err)));
  print_message("    %s\n", err);
  assert_non_null(
      strstr(err, "handler \"lib.version\" is exported twice (the program's handlers and"));
  assert_non_null(strstr(err, "; the program's handlers: lib.version"));
}

static void test_a_library_that_does_not_load_fails_the_start_with_dlerror(void **state) {
  const char *libs[] = {lib("UNRESOLVED"), NULL};
  char err[4096];

  (void)state;
  assert_null(start("lib.version", libs, err, sizeof(err)));
  print_message("    %s\n", err);
  assert_non_null(strstr(err, lib("UNRESOLVED")));
  assert_non_null(strstr(err, "cannot load it"));
  assert_non_null(strstr(err, "wsgw_test_symbol_nobody_defines"));
}

static void test_a_library_without_wsgw_handlers_fails_the_start(void **state) {
  const char *libs[] = {lib("NOTABLE"), NULL};
  char err[4096];

  (void)state;
  assert_null(start("lib.version", libs, err, sizeof(err)));
  print_message("    %s\n", err);
  assert_non_null(strstr(err, lib("NOTABLE")));
  assert_non_null(strstr(err, "does not export wsgw_handlers"));
}

/* ---- wsgw serve --handlers ------------------------------------------------------ */

struct server {
  pid_t pid;
  char out[600];
  int port;
};

static char *read_all(const char *path) {
  FILE *f = fopen(path, "r");
  char *text;
  size_t n;

  if (!f)
    return NULL;
  text = calloc(1, 65536);
  n = fread(text, 1, 65535, f);
  text[n] = '\0';
  fclose(f);
  return text;
}

static int banner_seen(void *arg) {
  struct server *s = arg;
  char *text = read_all(s->out);
  const char *at = text ? strstr(text, " ready on http://127.0.0.1:") : NULL;
  int status;

  if (at)
    s->port = atoi(at + strlen(" ready on http://127.0.0.1:"));
  free(text);
  return s->port > 0 || waitpid(s->pid, &status, WNOHANG) == s->pid;
}

static int log_has_reload(void *arg) {
  struct server *s = arg;
  char *text = read_all(s->out);
  int found = text && strstr(text, "wsgw: reloaded ") != NULL;

  free(text);
  return found;
}

static void test_wsgw_serve_loads_and_reloads_a_handlers_library(void **state) {
  const char *bin = getenv("WSGW_BIN");
  char dir[256], app[512], config[512];
  struct server s;
  struct wsgw_kit_ws *ws;
  struct wsgw_kit_frame fr;
  int status;

  (void)state;
  if (!bin || !*bin)
    fail_msg("WSGW_BIN is not set: run this test through ctest");
  assert_int_equal(reload_scratch(dir, sizeof(dir)), 0);
  snprintf(app, sizeof(app), "%s/libapp.so", dir);
  snprintf(config, sizeof(config), "%s/config.json", dir);
  assert_int_equal(reload_replace_by_rename(lib("V1"), app), 0);
  assert_int_equal(reload_write_text(config,
                                     "{\"apis\":[{\"name\":\"app\",\"stage\":\"dev\",\"routes\":"
                                     "{\"$default\":{\"function\":{\"handler\":\"lib.version\"},"
                                     "\"returnResponse\":true}}}]}"),
                   0);
  memset(&s, 0, sizeof(s));
  snprintf(s.out, sizeof(s.out), "%s/stderr.txt", dir);
  s.pid = fork();
  assert_true(s.pid >= 0);
  if (s.pid == 0) {
    char *argv[] = {(char *)bin, "serve",  "--config", config,        "--handlers",
                    app,         "--port", "0",        "--in-memory", NULL};
    int out = open(s.out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
      _exit(126);
    execv(bin, argv);
    _exit(127);
  }
  assert_int_equal(wsgw_kit_wait_until(banner_seen, &s, 20000), 0);
  if (s.port <= 0)
    fail_msg("wsgw exited before its banner");
  ws = wsgw_kit_ws_open(s.port,
                        &(struct wsgw_kit_ws_options){.path = "/dev", .timeout_ms = WAIT_MS});
  assert_non_null(ws);
  assert_int_equal(wsgw_kit_ws_status(ws), 101);
  assert_int_equal(wsgw_kit_send_text(ws, "which"), 0);
  assert_int_equal(wsgw_kit_recv_message(ws, WAIT_MS, &fr), 0);
  assert_string_equal(fr.data, "v1");
  wsgw_kit_frame_free(&fr);
  assert_int_equal(reload_replace_by_rename(lib("V2"), app), 0);
  assert_int_equal(wsgw_kit_wait_until(log_has_reload, &s, WAIT_MS), 0);
  assert_int_equal(wsgw_kit_send_text(ws, "which"), 0);
  assert_int_equal(wsgw_kit_recv_message(ws, WAIT_MS, &fr), 0);
  assert_string_equal(fr.data, "v2");
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(ws);
  kill(s.pid, SIGTERM);
  assert_int_equal(waitpid(s.pid, &status, 0), s.pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  reload_scratch_remove(dir);
}

/* Regression: --handlers paths were kept in a heap array that the argument
 * errors after it did not free (LeakSanitizer in the test build reported
 * it, and turned the exit status 2 into 1). */
static void test_an_argument_error_after_handlers_exits_2_and_leaks_nothing(void **state) {
  const char *bin = getenv("WSGW_BIN");
  char cmd[1024];
  int status;

  (void)state;
  if (!bin || !*bin)
    fail_msg("WSGW_BIN is not set: run this test through ctest");
  snprintf(cmd, sizeof(cmd),
           "ASAN_OPTIONS=detect_leaks=1 '%s' serve --handlers ./nowhere.so --port x "
           ">/dev/null 2>&1",
           bin);
  status = system(cmd);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_library_handler_answers_a_client),
      cmocka_unit_test(test_a_config_naming_a_missing_handler_fails_with_the_listing),
      cmocka_unit_test(test_a_name_exported_by_two_libraries_is_a_config_error),
      cmocka_unit_test(test_a_name_in_the_program_and_in_a_library_is_a_config_error),
      cmocka_unit_test(test_a_library_that_does_not_load_fails_the_start_with_dlerror),
      cmocka_unit_test(test_a_library_without_wsgw_handlers_fails_the_start),
      cmocka_unit_test(test_wsgw_serve_loads_and_reloads_a_handlers_library),
      cmocka_unit_test(test_an_argument_error_after_handlers_exits_2_and_leaks_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
