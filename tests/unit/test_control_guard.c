/*
 * test_control_guard.c - unit tests for emulator/server/control_guard.c:
 * which Host, Origin, Sec-Fetch-Site and Content-Type values let a request
 * reach the /_wsgw/ control endpoints, including the hostile ones a
 * cross-site page or a DNS-rebinding page sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "control_guard.h"

static int status_of(const char *method, const char *host, const char *origin, const char *site,
                     const char *type, const char *allow) {
  struct control_guard_request r = {method, host, origin, site, type};
  int status = 0;

  return control_guard_refusal(&r, allow, &status) ? status : 200;
}

static void loopback_names_and_address_literals_are_accepted_hosts(void **state) {
  static const char *const ok[] = {
      "localhost",    "localhost:8080", "LocalHost.:8080", "app.localhost:3000",
      "127.0.0.1",    "127.0.0.1:8080", "127.9.9.9:1",     "[::1]:8080",
      "[::1]",        "192.168.1.5:80", "10.0.0.1",        "[fe80::1]:8080",
      "0.0.0.0:8080",
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
    assert_true(control_guard_host_ok(ok[i], NULL));
}

static void rebinding_names_and_malformed_hosts_are_refused(void **state) {
  static const char *const bad[] = {
      "evil.example",
      "evil.example:8080",
      "localhost.evil.example",
      "127.0.0.1.nip.io",
      "x",
      "",
      "::1",
      "[::1",
      "[::1]x",
      "localhost:80a",
      "local host",
      "localhost/x",
      "user@localhost",
      "localhostx",
      "[127.0.0.1]",
      "1.2.3",
      "localhost\\x",
      ".",
      "wsgw:8080",
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_false(control_guard_host_ok(bad[i], NULL));
  assert_false(control_guard_host_ok(NULL, NULL));
  assert_false(control_guard_host_ok(NULL, "*"));
  assert_int_equal(status_of("GET", "evil.example:8080", NULL, NULL, NULL, NULL), 403);
}

static void allow_host_names_are_accepted_case_insensitively_and_star_accepts_any(void **state) {
  (void)state;
  assert_true(control_guard_host_ok("wsgw:8080", "wsgw"));
  assert_true(control_guard_host_ok("WSGW.", "other, wsgw"));
  assert_false(control_guard_host_ok("wsgw2", "wsgw"));
  assert_false(control_guard_host_ok("w", "wsgw"));
  assert_true(control_guard_host_ok("anything.example", "*"));
  assert_int_equal(status_of("GET", "wsgw:8080", NULL, NULL, NULL, "wsgw"), 200);
}

static void loopback_and_same_origin_pages_may_drive_wsgw(void **state) {
  (void)state;
  assert_int_equal(status_of("GET", "127.0.0.1:8080", "http://localhost:3000", NULL, NULL, NULL),
                   200);
  assert_int_equal(status_of("GET", "127.0.0.1:8080", "https://127.0.0.1:5173", NULL, NULL, NULL),
                   200);
  assert_int_equal(status_of("GET", "localhost:8080", "http://[::1]:3000", NULL, NULL, NULL), 200);
  /* The chat page, served from a LAN address, calls back on its own Host. */
  assert_int_equal(
      status_of("GET", "192.168.1.5:8080", "http://192.168.1.5:8080", NULL, NULL, NULL), 200);
  assert_int_equal(status_of("GET", "wsgw:8080", "http://app:3000", NULL, NULL, "wsgw,app"), 200);
  assert_int_equal(status_of("GET", "localhost:8080", NULL, "same-site", NULL, NULL), 200);
  assert_int_equal(status_of("GET", "localhost:8080", NULL, "none", NULL, NULL), 200);
}

static void cross_site_and_opaque_origins_are_refused(void **state) {
  static const char *const bad[] = {
      "http://evil.example",
      "https://evil.example:443",
      "null",
      "file://",
      "chrome-extension://abc",
      "http://localhost.evil.example",
      "http://127.0.0.1.evil.example",
      "http://localhost:8080/path",
      "http://localhost@evil.example",
      "http://192.168.1.9:8080",
      "",
      "http://",
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    assert_int_equal(status_of("GET", "127.0.0.1:8080", bad[i], NULL, NULL, NULL), 403);
  /* --allow-host "*" is for Host only: Origins stay checked. */
  assert_int_equal(status_of("GET", "127.0.0.1:8080", "http://evil.example", NULL, NULL, "*"), 403);
  assert_int_equal(status_of("GET", "127.0.0.1:8080", NULL, "cross-site", NULL, NULL), 403);
  assert_int_equal(status_of("GET", "127.0.0.1:8080", NULL, "Cross-Site", NULL, NULL), 403);
}

static void a_post_needs_a_json_content_type(void **state) {
  static const char *const simple[] = {
      NULL,
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonx",
      "application/json-seq",
      "",
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
    assert_int_equal(status_of("POST", "127.0.0.1:8080", NULL, NULL, simple[i], NULL), 415);
  assert_int_equal(status_of("POST", "127.0.0.1", NULL, NULL, "application/json", NULL), 200);
  assert_int_equal(
      status_of("POST", "127.0.0.1", NULL, NULL, "Application/JSON; charset=utf-8", NULL), 200);
  assert_int_equal(status_of("DELETE", "127.0.0.1", NULL, NULL, NULL, NULL), 200);
  assert_int_equal(status_of("GET", "127.0.0.1", NULL, NULL, NULL, NULL), 200);
}

static void aws_endpoints_refuse_only_browser_requests_under_a_rebinding_host(void **state) {
  (void)state;
  /* SDKs send neither Origin nor Sec-Fetch-Site: any Host. */
  assert_null(control_guard_browser_refusal("wsgw:8000", NULL, NULL, NULL));
  assert_null(control_guard_browser_refusal(NULL, NULL, NULL, NULL));
  /* A browser under a loopback or allowed Host. */
  assert_null(control_guard_browser_refusal("localhost:8000", "http://localhost:3000", NULL, NULL));
  assert_null(control_guard_browser_refusal("127.0.0.1:8000", NULL, "same-origin", NULL));
  assert_null(
      control_guard_browser_refusal("dev.test:8000", "http://dev.test:8000", NULL, "dev.test"));
  /* A browser under the rebinding page's own name. */
  assert_non_null(control_guard_browser_refusal("rebind.example:8000", "http://rebind.example:8000",
                                                NULL, NULL));
  assert_non_null(control_guard_browser_refusal("rebind.example", NULL, "same-origin", NULL));
  assert_non_null(control_guard_browser_refusal(NULL, "http://rebind.example", NULL, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(loopback_names_and_address_literals_are_accepted_hosts),
      cmocka_unit_test(aws_endpoints_refuse_only_browser_requests_under_a_rebinding_host),
      cmocka_unit_test(rebinding_names_and_malformed_hosts_are_refused),
      cmocka_unit_test(allow_host_names_are_accepted_case_insensitively_and_star_accepts_any),
      cmocka_unit_test(loopback_and_same_origin_pages_may_drive_wsgw),
      cmocka_unit_test(cross_site_and_opaque_origins_are_refused),
      cmocka_unit_test(a_post_needs_a_json_content_type),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
