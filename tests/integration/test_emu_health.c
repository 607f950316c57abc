/*
 * test_emu_health.c - `wsgw health URL` (emulator/server/emu_health.c), the container
 * image's HEALTHCHECK: a 200 from the emulator's GET / is healthy; any other
 * status, a closed port or a malformed URL is not, with distinct exit codes.
 *
 * Each test starts its own in-process emulator (the bundled chat app) on a
 * free port. Threading: the test thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu_health.h"
#include <wsgw/kit.h>

#define TIMEOUT_MS 5000

static struct wsgw_kit_emu *start_chat(void) {
  char err[512];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = "fixtures/chat-app.json"}, err, sizeof(err));
  if (!emu)
    fail_msg("the emulator did not start: %s", err);
  return emu;
}

static int run_main(const char *a0, const char *a1, const char *a2) {
  char *argv[3] = {(char *)a0, (char *)a1, (char *)a2};
  int argc = a2 ? 3 : a1 ? 2 : a0 ? 1 : 0;
  return emu_health_main(argc, argv);
}

static void a_running_emulator_is_healthy_by_its_200_to_get_slash(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  char url[64], line[128], err[256] = "";

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", wsgw_kit_port(emu));
  assert_int_equal(emu_health_get(url, TIMEOUT_MS, line, sizeof(line), err, sizeof(err)), 200);
  assert_string_equal(line, "healthy: dynamodb.us-east-1.amazonaws.com");
  assert_int_equal(run_main(url, NULL, NULL), 0);
  /* No path means "/"; a host name is resolved. */
  snprintf(url, sizeof(url), "http://localhost:%d", wsgw_kit_port(emu));
  assert_int_equal(run_main("--timeout", "2", url), 0);
  wsgw_kit_stop(emu);
}

static void an_answer_other_than_200_is_unhealthy(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  char url[64], line[128], err[256] = "";

  /* A plain GET of the stage URL answers 426 (emu_server.c). */
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/dev", wsgw_kit_port(emu));
  assert_int_equal(emu_health_get(url, TIMEOUT_MS, line, sizeof(line), err, sizeof(err)), 426);
  assert_int_equal(run_main(url, NULL, NULL), 1);
  wsgw_kit_stop(emu);
}

static void a_port_nobody_listens_on_is_unhealthy(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  char url[64], err[256] = "";

  snprintf(url, sizeof(url), "http://127.0.0.1:%d/", wsgw_kit_port(emu));
  wsgw_kit_stop(emu);
  assert_int_equal(emu_health_get(url, TIMEOUT_MS, NULL, 0, err, sizeof(err)), -1);
  print_message("    health: %s\n", err);
  assert_non_null(strstr(err, "cannot connect"));
  assert_int_equal(run_main(url, NULL, NULL), 1);
}

static void malformed_urls_and_arguments_are_usage_errors(void **state) {
  static const char *const bad[] = {
      "https://127.0.0.1:8080/",
      "127.0.0.1:8080",
      "http://",
      "http://:8080/",
      "http://127.0.0.1:0/",
      "http://127.0.0.1:65536/",
      "http://127.0.0.1:80x/",
      "http://127.0.0.1:/",
      "http://[::1/",
      "http://127.0.0.1:8080/a b",
  };
  char err[256];
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    err[0] = '\0';
    if (emu_health_get(bad[i], TIMEOUT_MS, NULL, 0, err, sizeof(err)) != -2)
      fail_msg("%s: expected -2 (malformed URL)", bad[i]);
    assert_non_null(strstr(err, "expected a URL"));
    assert_int_equal(run_main(bad[i], NULL, NULL), 2);
  }
  assert_int_equal(run_main(NULL, NULL, NULL), 2);
  assert_int_equal(run_main("--timeout", "0", "http://127.0.0.1:8080/"), 2);
  assert_int_equal(run_main("http://127.0.0.1:8080/", "http://127.0.0.1:8081/", NULL), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_running_emulator_is_healthy_by_its_200_to_get_slash),
      cmocka_unit_test(an_answer_other_than_200_is_unhealthy),
      cmocka_unit_test(a_port_nobody_listens_on_is_unhealthy),
      cmocka_unit_test(malformed_urls_and_arguments_are_usage_errors),
  };
  return cmocka_run_group_tests_name("emu_health", tests, NULL, NULL);
}
