/*
 * test_safe_defaults.c - issue 20, "Safe local defaults": what a web page
 * that the developer happens to visit can do to a running wsgw, tried with
 * raw HTTP requests as a browser would send them.
 *   - DNS rebinding (a page's own name resolving to 127.0.0.1): its Host
 *     names no loopback host, so every /_wsgw/ endpoint refuses it and
 *     nothing changes;
 *   - the same page calling DynamoDB or @connections: a browser's request
 *     (Origin or Sec-Fetch-Site) under such a Host is refused, while SDKs,
 *     which send neither, may use any Host (a container's service name);
 *   - cross-site requests: a text/plain POST (a "simple" request, which needs
 *     no CORS preflight) installs no fault; an Origin or Sec-Fetch-Site of
 *     another site is refused, also for the chat page and connection kills;
 *     the percent-encoded spelling of /_wsgw/ is guarded the same way;
 *   - path traversal: ../, %2e%2e, encoded slashes and backslashes, NUL
 *     bytes and overlong paths never serve a file (wsgw has no document root)
 *     and never crash the server;
 *   - `wsgw serve` without --host listens on 127.0.0.1 only;
 *   - the TLS listener refuses TLS 1.0 and 1.1 and TLS 1.2 suites without
 *     forward secrecy or AEAD (OpenSSL's own client, every level allowed).
 * One emulator serves the group. Threading: the test thread only.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <wsgw/kit.h>

#define WAIT_MS 5000

static const char config[] =
    "{\"apis\":[{\"name\":\"safe\",\"stage\":\"dev\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true}}}]}";

static int group_setup(void **state) {
  *state = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config, .tls = 1}, NULL, 0);
  if (!*state)
    print_error("%s\n", wsgw_kit_error());
  return *state ? 0 : -1;
}

static int group_teardown(void **state) {
  wsgw_kit_stop(*state);
  return 0;
}

/* Sends "METHOD PATH" with the given header lines (each ending in \r\n)
 * and a body; returns the status (the response stays in *r). */
static int raw(struct wsgw_kit_emu *emu, const char *method, const char *path, const char *headers,
               const char *body, struct wsgw_kit_http_response *r) {
  char req[4096];
  int n = snprintf(req, sizeof(req),
                   "%s %s HTTP/1.1\r\n%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s", method,
                   path, headers, strlen(body), body);

  assert_true(n > 0 && (size_t)n < sizeof(req));
  return wsgw_kit_http_raw(wsgw_kit_port(emu), req, (size_t)n, 0, WAIT_MS, r);
}

static int fault_count(struct wsgw_kit_emu *emu) {
  struct wsgw_kit_http_response r;
  cJSON *list;
  int n;

  assert_int_equal(wsgw_kit_http(wsgw_kit_port(emu), "GET", "/_wsgw/faults", NULL, NULL, 0, &r),
                   200);
  list = cJSON_Parse(r.body);
  assert_true(cJSON_IsArray(list));
  n = cJSON_GetArraySize(list);
  cJSON_Delete(list);
  wsgw_kit_http_free(&r);
  return n;
}

static const char fault[] = "{\"type\":\"handler.timeout\"}";

static void a_dns_rebinding_host_reaches_no_control_endpoint(void **state) {
  struct wsgw_kit_emu *emu = *state;
  struct wsgw_kit_http_response r;
  static const char *const paths[] = {
      "/_wsgw/faults",         "/_wsgw/invocations", "/_wsgw/connections", "/_wsgw/stats",
      "/_wsgw/chat?stage=dev", "/%5F%77sgw/faults",  "/_wsgw/nope"};
  static const char *const hosts[] = {"Host: rebind.example:8080\r\n",
                                      "Host: 127.0.0.1.rebind.example\r\n",
                                      "Host: localhost.rebind.example\r\n", ""};
  size_t i, j;

  (void)state;
  for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
    for (j = 0; j < sizeof(hosts) / sizeof(hosts[0]); j++) {
      assert_int_equal(raw(emu, "GET", paths[i], hosts[j], "", &r), 403);
      assert_non_null(strstr(r.body, "Host header"));
      wsgw_kit_http_free(&r);
    }
  assert_int_equal(raw(emu, "POST", "/_wsgw/faults",
                       "Host: rebind.example\r\nContent-Type: application/json\r\n", fault, &r),
                   403);
  wsgw_kit_http_free(&r);
  assert_int_equal(fault_count(emu), 0);
  /* The same requests with a loopback Host pass. */
  assert_int_equal(raw(emu, "GET", "/_wsgw/stats", "Host: localhost:1\r\n", "", &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(raw(emu, "GET", "/_wsgw/chat?stage=dev", "Host: [::1]:1\r\n", "", &r), 200);
  wsgw_kit_http_free(&r);
}

/* A DynamoDB call as raw HTTP: target, extra header lines, body. */
static int dynamo(struct wsgw_kit_emu *emu, const char *target, const char *headers,
                  const char *body, struct wsgw_kit_http_response *r) {
  char h[1024];

  snprintf(h, sizeof(h),
           "%sX-Amz-Target: DynamoDB_20120810.%s\r\nContent-Type: application/x-amz-json-1.0\r\n"
           "Authorization: AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/dynamodb/aws4_request, "
           "SignedHeaders=host, Signature=0\r\n",
           headers, target);
  return raw(emu, "POST", "/", h, body, r);
}

static void a_dns_rebinding_page_reaches_neither_dynamodb_nor_connections(void **state) {
  struct wsgw_kit_emu *emu = *state;
  struct wsgw_kit_http_response r;
  static const char table[] =
      "{\"TableName\":\"Stolen\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
      "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
      "\"BillingMode\":\"PAY_PER_REQUEST\"}";
  /* What a browser adds to a page's fetch (Origin on a POST, Sec-Fetch-*
   * on everything) when the page's own name resolves to 127.0.0.1. */
  static const char *const browser[] = {
      "Host: rebind.example:8080\r\nOrigin: http://rebind.example:8080\r\n",
      "Host: rebind.example:8080\r\nSec-Fetch-Site: same-origin\r\n",
      "Host: 127.0.0.1.rebind.example\r\nOrigin: http://127.0.0.1.rebind.example\r\n"};
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(browser) / sizeof(browser[0]); i++) {
    assert_int_equal(dynamo(emu, "CreateTable", browser[i], table, &r), 400);
    assert_non_null(strstr(r.body, "AccessDeniedException"));
    assert_non_null(strstr(r.body, "DNS-rebinding"));
    wsgw_kit_http_free(&r);
    assert_int_equal(raw(emu, "OPTIONS", "/", browser[i], "", &r), 400);
    wsgw_kit_http_free(&r);
    assert_int_equal(raw(emu, "GET", "/@connections/AAAAAAAAAAAAAAAA", browser[i], "", &r), 403);
    assert_non_null(strstr(r.body, "DNS-rebinding"));
    assert_non_null(wsgw_kit_http_header(&r, "x-amzn-ErrorType"));
    assert_string_equal(wsgw_kit_http_header(&r, "x-amzn-ErrorType"), "ForbiddenException");
    wsgw_kit_http_free(&r);
  }
  /* Nothing was created: the table list is empty. */
  assert_int_equal(dynamo(emu, "ListTables", "Host: localhost\r\n", "{}", &r), 200);
  assert_non_null(strstr(r.body, "\"TableNames\":[]"));
  wsgw_kit_http_free(&r);
  /* An SDK in a container calls wsgw by its service name, without Origin:
   * any Host passes. A page on localhost passes with Origin. */
  assert_int_equal(dynamo(emu, "ListTables", "Host: wsgw:8000\r\n", "{}", &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(dynamo(emu, "ListTables",
                          "Host: localhost:8000\r\nOrigin: http://localhost:3000\r\n", "{}", &r),
                   200);
  wsgw_kit_http_free(&r);
  assert_int_equal(raw(emu, "GET", "/@connections/AAAAAAAAAAAAAAAA", "Host: wsgw:8000\r\n", "", &r),
                   410);
  wsgw_kit_http_free(&r);
}

static void a_cross_site_page_installs_no_fault_and_kills_no_connection(void **state) {
  struct wsgw_kit_emu *emu = *state;
  struct wsgw_kit_http_response r;
  struct wsgw_kit_ws *ws;
  char path[160];

  /* The simple requests a page may send without a preflight. */
  assert_int_equal(raw(emu, "POST", "/_wsgw/faults",
                       "Host: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\n", fault, &r),
                   415);
  wsgw_kit_http_free(&r);
  assert_int_equal(raw(emu, "POST", "/_wsgw/faults",
                       "Host: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n",
                       fault, &r),
                   415);
  wsgw_kit_http_free(&r);
  assert_int_equal(raw(emu, "POST", "/%5fwsgw/faults", "Host: 127.0.0.1\r\n", fault, &r), 415);
  wsgw_kit_http_free(&r);
  /* After a preflight a page could send JSON: its Origin is refused. */
  assert_int_equal(raw(emu, "POST", "/_wsgw/faults",
                       "Host: 127.0.0.1\r\nOrigin: https://evil.example\r\n"
                       "Content-Type: application/json\r\n",
                       fault, &r),
                   403);
  wsgw_kit_http_free(&r);
  assert_int_equal(
      raw(emu, "DELETE", "/_wsgw/faults", "Host: 127.0.0.1\r\nOrigin: null\r\n", "", &r), 403);
  wsgw_kit_http_free(&r);
  assert_int_equal(fault_count(emu), 0);

  ws = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/dev"}, NULL);
  assert_non_null(ws);
  snprintf(path, sizeof(path), "/_wsgw/connections/%s/kill", wsgw_kit_ws_id(ws));
  assert_int_equal(raw(emu, "POST", path,
                       "Host: 127.0.0.1\r\nOrigin: http://evil.example\r\n"
                       "Content-Type: application/json\r\n",
                       "", &r),
                   403);
  wsgw_kit_http_free(&r);
  assert_int_equal(raw(emu, "POST", path,
                       "Host: 127.0.0.1\r\nSec-Fetch-Site: cross-site\r\n"
                       "Content-Type: application/json\r\n",
                       "", &r),
                   403);
  wsgw_kit_http_free(&r);
  assert_int_equal(raw(emu, "POST", path, "Host: 127.0.0.1\r\n", "", &r), 415);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_send_text(ws, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_expect_regex(ws, ".", WAIT_MS), 0);
  /* The developer's own tools (curl, a page on localhost) still can. */
  assert_int_equal(raw(emu, "POST", path,
                       "Host: 127.0.0.1\r\nOrigin: http://localhost:3000\r\n"
                       "Content-Type: application/json\r\n",
                       "", &r),
                   204);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_expect_close(ws, 1006, WAIT_MS), 0);
  wsgw_kit_ws_free(ws);
}

static void no_path_serves_a_file_or_breaks_the_server(void **state) {
  struct wsgw_kit_emu *emu = *state;
  struct wsgw_kit_http_response r;
  static const char *const paths[] = {
      "/../../../../etc/passwd",
      "/_wsgw/chat/../../../../etc/passwd",
      "/_wsgw/../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
      "/_wsgw/chat%2F..%2F..%2F..%2Fetc%2Fpasswd",
      "/_wsgw/%2e%2e/%2e%2e/CMakeLists.txt",
      "/..%5c..%5c..%5cetc%5cpasswd",
      "/..\\..\\..\\etc\\passwd",
      "/%252e%252e/%252e%252e/etc/passwd",
      "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
      "/_wsgw/chat%00../../etc/passwd",
      "/_wsgw/chat?stage=../../../../etc/passwd",
      "//etc/passwd",
      "/CMakeLists.txt",
      "/README.md",
      "/./README.md",
      "/dev/../../README.md",
      "/dev/%2e%2e/%2e%2e/README.md",
      "/_wsgw/%00",
      "/%",
      "/%zz",
      "/%2",
      "*",
      "../etc/passwd",
  };
  size_t i;

  for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    /* -1: civetweb closed the connection without an answer (request
     * targets that are not absolute paths); the next request shows that
     * the server lives on. */
    int status = raw(emu, "GET", paths[i], "Host: 127.0.0.1\r\n", "", &r);
    if (status == 200 || (r.body && (strstr(r.body, "root:") || strstr(r.body, "cmake_minimum") ||
                                     strstr(r.body, "# wsgw"))))
      fail_msg("GET %s: %d %s", paths[i], status, r.body ? r.body : "");
    wsgw_kit_http_free(&r);
    assert_int_equal(raw(emu, "GET", "/_wsgw/stats", "Host: 127.0.0.1\r\n", "", &r), 200);
    wsgw_kit_http_free(&r);
  }
  /* A path of 64 KiB, and the server still answers. */
  {
    size_t len = 64 * 1024;
    char *req = malloc(len + 64);
    assert_non_null(req);
    memcpy(req, "GET /", 5);
    for (i = 5; i < len; i += 3)
      memcpy(req + i, "../", 3);
    snprintf(req + i, 64, " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    wsgw_kit_http_raw(wsgw_kit_port(emu), req, strlen(req), 0, WAIT_MS, &r);
    assert_true(r.status != 200);
    wsgw_kit_http_free(&r);
    free(req);
  }
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(emu), "GET", "/_wsgw/chat?stage=dev", NULL, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
}

/* Whether /proc/net/tcp has a listening socket on 127.0.0.1:port and none
 * on another address with that port. */
static int listens_on_loopback_only(int port) {
  FILE *f = fopen("/proc/net/tcp", "r");
  char line[512];
  int loopback = 0, other = 0;

  if (!f)
    return -1;
  while (fgets(line, sizeof(line), f)) {
    unsigned addr, p, st;
    if (sscanf(line, " %*d: %8X:%4X %*8X:%*4X %2X", &addr, &p, &st) == 3 && (int)p == port &&
        st == 0x0A) {
      if (addr == 0x0100007Fu)
        loopback++;
      else
        other++;
    }
  }
  fclose(f);
  return loopback == 1 && other == 0;
}

static void wsgw_serve_listens_on_127_0_0_1_unless_told_otherwise(void **state) {
  const char *bin = getenv("WSGW_BIN");
  int out[2], status, port = 0;
  char banner[256] = "";
  FILE *f;
  pid_t pid;

  (void)state;
  if (!bin)
    skip();
  assert_int_equal(pipe(out), 0);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execl(bin, "wsgw", "serve", "--in-memory", "--port", "0", "--no-tls", (char *)NULL);
    _exit(127);
  }
  close(out[1]);
  f = fdopen(out[0], "r");
  assert_non_null(f);
  assert_non_null(fgets(banner, sizeof(banner), f));
  if (sscanf(banner, "wsgw %*s ready on http://127.0.0.1:%d", &port) != 1)
    fail_msg("banner: %s", banner);
  assert_int_equal(listens_on_loopback_only(port), 1);
  kill(pid, SIGTERM);
  fclose(f);
  assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* The TLS version and suite a handshake with the listener settles on
 * ("" when it fails), offering only versions [min, max] and, for TLS 1.2,
 * the suites in ciphers. */
static void handshake(int port, int min, int max, const char *ciphers, char *out, size_t cap) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  struct sockaddr_in a;
  SSL *ssl;
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  assert_non_null(ctx);
  assert_true(fd >= 0);
  out[0] = '\0';
  /* Security level 0: the client offers whatever it is told to. */
  SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, min);
  SSL_CTX_set_max_proto_version(ctx, max);
  assert_int_equal(SSL_CTX_set_cipher_list(ctx, ciphers), 1);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  ssl = SSL_new(ctx);
  assert_non_null(ssl);
  SSL_set_fd(ssl, fd);
  if (SSL_connect(ssl) == 1)
    snprintf(out, cap, "%s %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
  SSL_free(ssl);
  close(fd);
  SSL_CTX_free(ctx);
}

static void the_tls_listener_speaks_tls_1_2_and_1_3_with_strong_suites_only(void **state) {
  struct wsgw_kit_emu *emu = *state;
  int port = wsgw_kit_tls_port(emu);
  static const char *const weak[] = {
      "ECDHE-ECDSA-AES128-SHA",
      "ECDHE-ECDSA-AES256-SHA384",
      "ECDHE-ECDSA-AES128-SHA256",
      "AES128-GCM-SHA256",
      "AES128-SHA",
      "NULL-SHA256",
      "ECDHE-ECDSA-NULL-SHA",
  };
  char got[128];
  size_t i;

  assert_true(port > 0);
  handshake(port, TLS1_VERSION, TLS1_VERSION, "ALL:@SECLEVEL=0", got, sizeof(got));
  assert_string_equal(got, "");
  handshake(port, TLS1_1_VERSION, TLS1_1_VERSION, "ALL:@SECLEVEL=0", got, sizeof(got));
  assert_string_equal(got, "");
  for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
    handshake(port, TLS1_2_VERSION, TLS1_2_VERSION, weak[i], got, sizeof(got));
    if (got[0])
      fail_msg("TLS 1.2 with %s was accepted: %s", weak[i], got);
  }
  handshake(port, TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", got,
            sizeof(got));
  assert_string_equal(got, "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256");
  handshake(port, TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305", got,
            sizeof(got));
  assert_string_equal(got, "TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305");
  handshake(port, TLS1_2_VERSION, TLS1_3_VERSION, "ALL", got, sizeof(got));
  assert_int_equal(strncmp(got, "TLSv1.3 ", 8), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_dns_rebinding_host_reaches_no_control_endpoint),
      cmocka_unit_test(a_dns_rebinding_page_reaches_neither_dynamodb_nor_connections),
      cmocka_unit_test(a_cross_site_page_installs_no_fault_and_kills_no_connection),
      cmocka_unit_test(no_path_serves_a_file_or_breaks_the_server),
      cmocka_unit_test(wsgw_serve_listens_on_127_0_0_1_unless_told_otherwise),
      cmocka_unit_test(the_tls_listener_speaks_tls_1_2_and_1_3_with_strong_suites_only),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
