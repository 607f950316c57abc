/*
 * test_aws_sigv4.c - unit tests for emulator/aws/aws_sigv4.c: AWS's
 * published Signature Version 4 test vectors (docs/spec/aws-clients.md 5)
 * and the AWS SDK for JavaScript v3's signature of a POST to @connections
 * verify; a changed secret, body, header, path or service does not; an
 * unknown key and malformed headers are told apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "aws_sigv4.h"

#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_AUTH(signed_headers, sig)                                               \
  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " \
  "SignedHeaders=" signed_headers ", Signature=" sig
#define HOST \
  { "Host", "example.amazonaws.com" }
#define DATE \
  { "X-Amz-Date", "20150830T123600Z" }

static const struct aws_sigv4_key keys[] = {
    {"OTHERKEY", "other"},
    {"AKIDEXAMPLE", SUITE_SECRET},
};

static enum aws_sigv4_result verify(const char *method, const char *path, const char *query,
                                    const struct aws_sigv4_header *h, size_t n, const char *body,
                                    const char *service) {
  struct aws_sigv4_request r = {method, path, query, h, n, body, body ? strlen(body) : 0};
  return aws_sigv4_verify(&r, service, keys, 2);
}

#define VERIFY(method, path, query, h, body, service) \
  verify(method, path, query, h, sizeof(h) / sizeof(h[0]), body, service)

static void the_published_vectors_verify(void **state) {
  const struct aws_sigv4_header get_vanilla[] = {
      HOST,
      DATE,
      {"Authorization",
       SUITE_AUTH("host;x-amz-date",
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")}};
  const struct aws_sigv4_header post_vanilla[] = {
      {"Authorization",
       SUITE_AUTH("host;x-amz-date",
                  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")},
      HOST,
      DATE};
  const struct aws_sigv4_header form[] = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      HOST,
      DATE,
      {"Authorization",
       SUITE_AUTH("content-type;host;x-amz-date",
                  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")}};
  const struct aws_sigv4_header trim[] = {
      {"My-Header1", " value1"},
      {"My-Header2", "\"a   b   c\""},
      HOST,
      DATE,
      {"Authorization",
       SUITE_AUTH("host;my-header1;my-header2;x-amz-date",
                  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736")}};
  const struct aws_sigv4_header utf8[] = {
      HOST,
      DATE,
      {"Authorization",
       SUITE_AUTH("host;x-amz-date",
                  "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")}};
  (void)state;
  assert_int_equal(VERIFY("GET", "/", NULL, get_vanilla, NULL, "service"), AWS_SIGV4_OK);
  assert_int_equal(VERIFY("POST", "/", "", post_vanilla, NULL, "service"), AWS_SIGV4_OK);
  assert_int_equal(VERIFY("POST", "/", NULL, form, "Param1=value1", "service"), AWS_SIGV4_OK);
  assert_int_equal(VERIFY("GET", "/", NULL, trim, NULL, "service"), AWS_SIGV4_OK);
  assert_int_equal(VERIFY("GET", "/\xE1\x88\xB4", NULL, utf8, NULL, "service"), AWS_SIGV4_OK);
  /* Changed: the body, a signed header, the path, the method, the service. */
  assert_int_equal(VERIFY("POST", "/", NULL, form, "Param1=value2", "service"), AWS_SIGV4_MISMATCH);
  assert_int_equal(VERIFY("GET", "/x", NULL, get_vanilla, NULL, "service"), AWS_SIGV4_MISMATCH);
  assert_int_equal(VERIFY("POST", "/", NULL, get_vanilla, NULL, "service"), AWS_SIGV4_MISMATCH);
  assert_int_equal(VERIFY("GET", "/", NULL, get_vanilla, NULL, "dynamodb"), AWS_SIGV4_MISMATCH);
  assert_int_equal(VERIFY("GET", "/", "a=b", get_vanilla, NULL, "service"), AWS_SIGV4_MISMATCH);
}

static void a_post_to_connection_signed_by_the_javascript_sdk_verifies(void **state) {
  const struct aws_sigv4_header h[] = {
      {"Content-Type", "application/octet-stream"},
      {"Host", "abcdef1234.execute-api.us-east-1.amazonaws.com"},
      {"X-Amz-Content-Sha256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
      {"X-Amz-Date", "20150830T123600Z"},
      {"Authorization",
       "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/execute-api/aws4_request, "
       "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
       "Signature=f44c4fb4b1078153a9ca30689d58e4327ea15089d166d5fd203025cebfe98b50"}};

  (void)state;
  assert_int_equal(
      VERIFY("POST", "/dev/@connections/L0SM9cOFvHcCIhw%3D", NULL, h, "hello", "execute-api"),
      AWS_SIGV4_OK);
  assert_int_equal(
      VERIFY("POST", "/dev/@connections/L0SM9cOFvHcCIhw=", NULL, h, "hello", "execute-api"),
      AWS_SIGV4_MISMATCH);
  assert_int_equal(
      VERIFY("POST", "/dev/@connections/L0SM9cOFvHcCIhw%3D", NULL, h, "hellO", "execute-api"),
      AWS_SIGV4_MISMATCH);
}

static void unknown_keys_wrong_secrets_and_malformed_headers_are_told_apart(void **state) {
  static const char *const malformed[] = {
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/service/aws4_request, "
      "SignedHeaders=host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws5_request, "
      "SignedHeaders=host, Signature=00",
      "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host, Signature=00",
      "",
  };
  struct aws_sigv4_header h[] = {HOST, DATE, {"Authorization", NULL}};
  struct aws_sigv4_key wrong = {"AKIDEXAMPLE", "not the secret"};
  struct aws_sigv4_request r = {"GET", "/", NULL, h, 3, NULL, 0};
  size_t i;

  (void)state;
  h[2].value = SUITE_AUTH("host;x-amz-date",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  assert_int_equal(aws_sigv4_verify(&r, "service", &wrong, 1), AWS_SIGV4_MISMATCH);
  assert_int_equal(aws_sigv4_verify(&r, "service", keys, 1), AWS_SIGV4_UNKNOWN_KEY);
  assert_int_equal(aws_sigv4_verify(&r, "service", keys, 0), AWS_SIGV4_UNKNOWN_KEY);
  /* A signed header that the request lacks. */
  h[2].value = SUITE_AUTH("host;x-amz-date;x-missing",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  assert_int_equal(aws_sigv4_verify(&r, "service", keys, 2), AWS_SIGV4_MISMATCH);
  for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
    h[2].value = malformed[i];
    assert_int_equal(aws_sigv4_verify(&r, "service", keys, 2), AWS_SIGV4_MALFORMED);
  }
  r.nheaders = 2;
  assert_int_equal(aws_sigv4_verify(&r, "service", keys, 2), AWS_SIGV4_MISSING);
}

static void key_pairs_parse_as_akid_colon_secret(void **state) {
  struct aws_sigv4_key k;

  (void)state;
  assert_int_equal(aws_sigv4_key_parse("AKID:sec/ret+x", &k), 0);
  assert_string_equal(k.akid, "AKID");
  assert_string_equal(k.secret, "sec/ret+x");
  assert_int_equal(aws_sigv4_key_parse("AKID", &k), -1);
  assert_int_equal(aws_sigv4_key_parse(":secret", &k), -1);
  assert_int_equal(aws_sigv4_key_parse("AKID:", &k), -1);
  assert_int_equal(aws_sigv4_key_parse("A:b:c", &k), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_published_vectors_verify),
      cmocka_unit_test(a_post_to_connection_signed_by_the_javascript_sdk_verifies),
      cmocka_unit_test(unknown_keys_wrong_secrets_and_malformed_headers_are_told_apart),
      cmocka_unit_test(key_pairs_parse_as_akid_colon_secret),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
