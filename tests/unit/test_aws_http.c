/*
 * test_aws_http.c - aws_http: libcurl's SigV4 signature as aws_http drives
 * it, checked against AWS's published Signature Version 4 test suite
 * (docs/spec/aws-clients.md 5), plus the canonical URI, the wire path,
 * response headers and the response cap.
 *
 * Each request goes to a one-shot HTTP server on 127.0.0.1 in a thread,
 * which keeps what it received; the test sets the suite's Host and
 * X-Amz-Date headers, so libcurl signs exactly the suite's request.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_http.h"

#define SUITE_KEY "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_SCOPE "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
#define SUITE_TOKEN                                                                                \
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPf"  \
  "IeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7W"  \
  "Z0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FD" \
  "rypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

/* Why aws_http_new failed (the tests run on one thread). */
static char err[256];

struct server {
  int fd;
  int port;
  const char *reply;
  char got[16384];
  pthread_t thread;
};

static void *serve_one(void *arg) {
  struct server *s = arg;
  int c = accept(s->fd, NULL, NULL);
  size_t n = 0;

  if (c < 0)
    return NULL;
  for (;;) {
    ssize_t r = read(c, s->got + n, sizeof(s->got) - 1 - n);
    char *end;
    if (r <= 0)
      break;
    n += (size_t)r;
    s->got[n] = '\0';
    end = strstr(s->got, "\r\n\r\n");
    if (end) {
      const char *cl = strstr(s->got, "Content-Length: ");
      size_t want = (size_t)(end + 4 - s->got) + (cl ? (size_t)atol(cl + 16) : 0);
      if (n >= want)
        break;
    }
  }
  if (write(c, s->reply, strlen(s->reply)) < 0)
    perror("write");
  close(c);
  return NULL;
}

static void server_start(struct server *s, const char *reply) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(a);

  memset(s, 0, sizeof(*s));
  s->reply = reply ? reply : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(s->fd >= 0);
  assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(s->fd, 1), 0);
  assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
  s->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&s->thread, NULL, serve_one, s), 0);
}

static void server_join(struct server *s) {
  pthread_join(s->thread, NULL);
  close(s->fd);
}

/* Sends one request to a one-shot server and returns the Authorization
 * header it received (in `auth`), with the request line in `line`. */
static void signed_request(const char *method, const char *path, const char *const *headers,
                           const char *body, const char *service, const char *token, char *auth,
                           size_t cap, char *line, size_t line_cap) {
  struct aws_creds creds = {SUITE_KEY, SUITE_SECRET, ""};
  struct aws_http *h = aws_http_new(1, err, sizeof(err));
  struct aws_http_response resp;
  struct server s;
  char url[64];
  const char *a, *e;

  assert_non_null(h);
  if (token)
    snprintf(creds.session_token, sizeof(creds.session_token), "%s", token);
  server_start(&s, NULL);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
  aws_http_response_init(&resp);
  assert_int_equal(aws_http_call(h,
                                 &(struct aws_http_request){.method = method,
                                                            .url = url,
                                                            .path = path,
                                                            .headers = headers,
                                                            .body = body,
                                                            .body_len = body ? strlen(body) : 0,
                                                            .creds = &creds,
                                                            .region = "us-east-1",
                                                            .service = service,
                                                            .timeout_ms = 10000,
                                                            .max_response = 1024},
                                 &resp),
                   200);
  server_join(&s);
  assert_string_equal(resp.body.data, "ok");
  aws_http_response_free(&resp);
  aws_http_free(h);

  e = strstr(s.got, "\r\n");
  assert_non_null(e);
  snprintf(line, line_cap, "%.*s", (int)(e - s.got), s.got);
  a = strstr(s.got, "\r\nAuthorization: ");
  assert_non_null(a);
  a += 17;
  e = strstr(a, "\r\n");
  snprintf(auth, cap, "%.*s", (int)(e - a), a);
}

#define SUITE_HEADERS "Host: example.amazonaws.com", "X-Amz-Date: 20150830T123600Z"

static void check_vector(const char *method, const char *path, const char *const *headers,
                         const char *body, const char *token, const char *expected) {
  char auth[1024], line[512];

  signed_request(method, path, headers, body, "service", token, auth, sizeof(auth), line,
                 sizeof(line));
  assert_string_equal(auth, expected);
}

static void get_vanilla_matches_the_published_signature(void **state) {
  static const char *const h[] = {SUITE_HEADERS, NULL};
  check_vector("GET", "/", h, NULL, NULL,
               "AWS4-HMAC-SHA256 " SUITE_SCOPE "SignedHeaders=host;x-amz-date, "
               "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

static void post_vanilla_matches_the_published_signature(void **state) {
  static const char *const h[] = {SUITE_HEADERS, NULL};
  check_vector("POST", "/", h, NULL, NULL,
               "AWS4-HMAC-SHA256 " SUITE_SCOPE "SignedHeaders=host;x-amz-date, "
               "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

static void a_signed_body_and_content_type_match_post_x_www_form_urlencoded(void **state) {
  static const char *const h[] = {"Content-Type: application/x-www-form-urlencoded", SUITE_HEADERS,
                                  NULL};
  check_vector("POST", "/", h, "Param1=value1", NULL,
               "AWS4-HMAC-SHA256 " SUITE_SCOPE "SignedHeaders=content-type;host;x-amz-date, "
               "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

static void header_values_are_trimmed_as_in_get_header_value_trim(void **state) {
  static const char *const h[] = {"My-Header1:  value1", "My-Header2: \"a   b   c\"", SUITE_HEADERS,
                                  NULL};
  check_vector("GET", "/", h, NULL, NULL,
               "AWS4-HMAC-SHA256 " SUITE_SCOPE
               "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
               "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

static void a_session_token_is_signed_as_in_post_sts_header_before(void **state) {
  static const char *const h[] = {SUITE_HEADERS, NULL};
  check_vector("POST", "/", h, NULL, SUITE_TOKEN,
               "AWS4-HMAC-SHA256 " SUITE_SCOPE
               "SignedHeaders=host;x-amz-date;x-amz-security-token, "
               "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
}

static void a_utf8_path_is_encoded_as_in_get_utf8(void **state) {
  static const char *const h[] = {SUITE_HEADERS, NULL};
  check_vector("GET", "/\xE1\x88\xB4", h, NULL, NULL,
               "AWS4-HMAC-SHA256 " SUITE_SCOPE "SignedHeaders=host;x-amz-date, "
               "Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

/* No published vector covers @connections; the expected value is the AWS
 * SDK for JavaScript v3's signer (@smithy/signature-v4 in fixtures/node)
 * on the same request: POST /dev/@connections/L0SM9cOFvHcCIhw%3D, body
 * "hello", the suite's keys and date, us-east-1, execute-api. */
static void a_post_to_connection_path_is_signed_as_the_aws_sdk_signs_it(void **state) {
  static const char *const h[] = {
      "Content-Type: application/octet-stream",
      "Host: abcdef1234.execute-api.us-east-1.amazonaws.com",
      "X-Amz-Content-Sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
      "X-Amz-Date: 20150830T123600Z", NULL};
  char auth[1024], line[512];

  signed_request("POST", "/dev/@connections/L0SM9cOFvHcCIhw%3D", h, "hello", "execute-api", NULL,
                 auth, sizeof(auth), line, sizeof(line));
  assert_string_equal(auth,
                      "AWS4-HMAC-SHA256 "
                      "Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, "
                      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
                      "Signature=f44c4fb4b1078153a9ca30689d58e4327ea15089d166d5fd203025cebfe98b50");
  /* On the wire the path is the one given, not the canonical URI. */
  assert_string_equal(line, "POST /dev/@connections/L0SM9cOFvHcCIhw%3D HTTP/1.1");
}

static void the_canonical_uri_encodes_all_but_unreserved_characters_and_slashes(void **state) {
  char buf[128];

  assert_int_equal(aws_http_canonical_uri("/dev/@connections/a%3D", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "/dev/%40connections/a%253D");
  assert_int_equal(aws_http_canonical_uri("", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "/");
  assert_int_equal(aws_http_canonical_uri("/A-z0_9.~ ", buf, sizeof(buf)), 0);
  assert_string_equal(buf, "/A-z0_9.~%20");
  assert_int_equal(aws_http_canonical_uri("/@@@@", buf, 8), -1);
  /* A path label (a connection id) keeps no '/'. */
  assert_int_equal(aws_http_uri_encode("a/b+c=", 0, buf, sizeof(buf)), 0);
  assert_string_equal(buf, "a%2Fb%2Bc%3D");
}

static void an_unsigned_request_has_no_authorization_and_returns_headers(void **state) {
  struct aws_http *h = aws_http_new(2, err, sizeof(err));
  struct aws_http_response resp;
  struct server s;
  char url[64], v[64];

  server_start(&s, "HTTP/1.1 202 Accepted\r\nLambda-Runtime-Aws-Request-Id:  abc-1 \r\n"
                   "Content-Length: 4\r\nConnection: close\r\n\r\n{\"a\"");
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/base", s.port);
  aws_http_response_init(&resp);
  assert_int_equal(aws_http_call(h,
                                 &(struct aws_http_request){.method = "GET",
                                                            .url = url,
                                                            .path = "/next",
                                                            .timeout_ms = 10000,
                                                            .max_response = 64},
                                 &resp),
                   202);
  server_join(&s);
  assert_null(strstr(s.got, "Authorization"));
  assert_non_null(strstr(s.got, "GET /base/next HTTP/1.1\r\n"));
  assert_int_equal(aws_http_header(&resp, "lambda-runtime-aws-request-id", v, sizeof(v)), 0);
  assert_string_equal(v, "abc-1");
  assert_int_equal(aws_http_header(&resp, "X-Missing", v, sizeof(v)), -1);
  assert_int_equal((int)resp.body.len, 4);
  aws_http_response_free(&resp);
  aws_http_free(h);
}

static void a_response_over_the_cap_fails_with_a_reason(void **state) {
  struct aws_http *h = aws_http_new(1, err, sizeof(err));
  struct aws_http_response resp;
  struct server s;
  char url[64];

  server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789");
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", s.port);
  aws_http_response_init(&resp);
  assert_int_equal(
      aws_http_call(h,
                    &(struct aws_http_request){
                        .method = "GET", .url = url, .timeout_ms = 10000, .max_response = 4},
                    &resp),
      -1);
  server_join(&s);
  assert_non_null(strstr(resp.error, "over 4 bytes"));
  aws_http_response_free(&resp);
  aws_http_free(h);
}

static void a_refused_connection_and_a_bad_url_fail_with_a_reason(void **state) {
  struct aws_http *h = aws_http_new(1, err, sizeof(err));
  struct aws_http_response resp;
  struct aws_creds creds = {"k", "s", ""};

  aws_http_response_init(&resp);
  /* Port 1 on loopback: nothing listens there. */
  assert_int_equal(aws_http_call(h,
                                 &(struct aws_http_request){.method = "GET",
                                                            .url = "http://127.0.0.1:1",
                                                            .timeout_ms = 5000,
                                                            .max_response = 64},
                                 &resp),
                   -1);
  assert_true(resp.error[0] != '\0');
  assert_int_equal(aws_http_call(h,
                                 &(struct aws_http_request){.method = "GET",
                                                            .url = "ftp://example.com",
                                                            .max_response = 64},
                                 &resp),
                   -1);
  assert_non_null(strstr(resp.error, "not an http(s) URL"));
  assert_int_equal(aws_http_call(h,
                                 &(struct aws_http_request){.method = "GET",
                                                            .url = "http://127.0.0.1:1",
                                                            .path = "/?a=b",
                                                            .creds = &creds,
                                                            .region = "us-east-1",
                                                            .service = "dynamodb",
                                                            .max_response = 64},
                                 &resp),
                   -1);
  assert_non_null(strstr(resp.error, "query string"));
  aws_http_response_free(&resp);
  aws_http_free(h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(get_vanilla_matches_the_published_signature),
      cmocka_unit_test(post_vanilla_matches_the_published_signature),
      cmocka_unit_test(a_signed_body_and_content_type_match_post_x_www_form_urlencoded),
      cmocka_unit_test(header_values_are_trimmed_as_in_get_header_value_trim),
      cmocka_unit_test(a_session_token_is_signed_as_in_post_sts_header_before),
      cmocka_unit_test(a_utf8_path_is_encoded_as_in_get_utf8),
      cmocka_unit_test(a_post_to_connection_path_is_signed_as_the_aws_sdk_signs_it),
      cmocka_unit_test(the_canonical_uri_encodes_all_but_unreserved_characters_and_slashes),
      cmocka_unit_test(an_unsigned_request_has_no_authorization_and_returns_headers),
      cmocka_unit_test(a_response_over_the_cap_fails_with_a_reason),
      cmocka_unit_test(a_refused_connection_and_a_bad_url_fail_with_a_reason),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
