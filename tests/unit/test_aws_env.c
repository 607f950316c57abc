/*
 * test_aws_env.c - aws_env: credentials, region, endpoint precedence and
 * the CA bundle from the environment, as the AWS SDKs read them
 * (docs/spec/aws-clients.md 1-3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws_env.h"

static int clear_env(void **state) {
  static const char *const vars[] = {"AWS_ACCESS_KEY_ID",
                                     "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN",
                                     "AWS_REGION",
                                     "AWS_DEFAULT_REGION",
                                     "AWS_ENDPOINT_URL",
                                     "AWS_ENDPOINT_URL_DYNAMODB",
                                     "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                                     "AWS_CA_BUNDLE",
                                     NULL};
  for (int i = 0; vars[i]; i++)
    unsetenv(vars[i]);
  return 0;
}

static void credentials_need_both_keys_and_take_an_optional_token(void **state) {
  struct aws_creds c;
  char err[128];

  assert_int_equal(aws_env_creds(&c, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "AWS_ACCESS_KEY_ID"));
  setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  assert_int_equal(aws_env_creds(&c, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY"));
  setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  assert_int_equal(aws_env_creds(&c, err, sizeof(err)), 0);
  assert_string_equal(c.access_key_id, "AKID");
  assert_string_equal(c.secret_access_key, "secret");
  assert_string_equal(c.session_token, "");
  setenv("AWS_SESSION_TOKEN", "token", 1);
  assert_int_equal(aws_env_creds(&c, err, sizeof(err)), 0);
  assert_string_equal(c.session_token, "token");
}

static void an_over_long_key_is_an_error_not_a_cut(void **state) {
  struct aws_creds c;
  char err[128], big[AWS_ENV_KEY_MAX + 2];

  memset(big, 'k', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  setenv("AWS_ACCESS_KEY_ID", big, 1);
  setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
  assert_int_equal(aws_env_creds(&c, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "longer than"));
}

static void the_region_is_aws_region_then_aws_default_region(void **state) {
  char r[AWS_ENV_REGION_MAX];

  assert_int_equal(aws_env_region(r, sizeof(r)), -1);
  setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
  assert_int_equal(aws_env_region(r, sizeof(r)), 0);
  assert_string_equal(r, "eu-west-1");
  setenv("AWS_REGION", "us-west-2", 1);
  assert_int_equal(aws_env_region(r, sizeof(r)), 0);
  assert_string_equal(r, "us-west-2");
}

static void the_service_endpoint_overrides_the_global_one_which_overrides_the_default(
    void **state) {
  char u[AWS_ENV_URL_MAX];

  assert_int_equal(aws_env_endpoint("DYNAMODB", "dynamodb", "us-east-1", u, sizeof(u)), 0);
  assert_string_equal(u, "https://dynamodb.us-east-1.amazonaws.com");
  assert_int_equal(aws_env_endpoint("DYNAMODB", "dynamodb", "cn-north-1", u, sizeof(u)), 0);
  assert_string_equal(u, "https://dynamodb.cn-north-1.amazonaws.com.cn");
  setenv("AWS_ENDPOINT_URL", "http://global:1/", 1);
  assert_int_equal(aws_env_endpoint("DYNAMODB", "dynamodb", "us-east-1", u, sizeof(u)), 0);
  assert_string_equal(u, "http://global:1");
  setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000", 1);
  assert_int_equal(aws_env_endpoint("DYNAMODB", "dynamodb", "us-east-1", u, sizeof(u)), 0);
  assert_string_equal(u, "http://127.0.0.1:8000");
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
  assert_int_equal(aws_env_endpoint("DYNAMODB", "dynamodb", "us-east-1", u, sizeof(u)), 0);
  assert_string_equal(u, "https://dynamodb.us-east-1.amazonaws.com");
}

static void an_endpoint_that_is_not_an_http_url_is_an_error(void **state) {
  char u[AWS_ENV_URL_MAX];

  setenv("AWS_ENDPOINT_URL_DYNAMODB", "localhost:8000", 1);
  assert_int_equal(aws_env_endpoint("DYNAMODB", "dynamodb", "us-east-1", u, sizeof(u)), -1);
}

static void aws_ca_bundle_names_the_certificates_to_trust(void **state) {
  setenv("AWS_CA_BUNDLE", "/tmp/some.pem", 1);
  assert_string_equal(aws_env_ca_bundle(), "/tmp/some.pem");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(credentials_need_both_keys_and_take_an_optional_token, clear_env),
      cmocka_unit_test_setup(an_over_long_key_is_an_error_not_a_cut, clear_env),
      cmocka_unit_test_setup(the_region_is_aws_region_then_aws_default_region, clear_env),
      cmocka_unit_test_setup(
          the_service_endpoint_overrides_the_global_one_which_overrides_the_default, clear_env),
      cmocka_unit_test_setup(an_endpoint_that_is_not_an_http_url_is_an_error, clear_env),
      cmocka_unit_test_setup(aws_ca_bundle_names_the_certificates_to_trust, clear_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
