/*
 * test_ws_sigv4.c - unit tests for emulator/gateway/ws_sigv4.c: a
 * SigV4-presigned query (percent-encoded as SDKs send it) is accepted with
 * or without X-Amz-Expires and X-Amz-Security-Token; a query without a
 * signature is unsigned; each ill-formed parameter is named; a signature
 * past X-Amz-Date + X-Amz-Expires is expired; dates are parsed strictly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ws_sigv4.h"

#define SIG "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CRED "X-Amz-Credential=AKIDEXAMPLE%2F20261202%2Fus-east-1%2Fexecute-api%2Faws4_request"
#define SIGNED \
  "X-Amz-Algorithm=AWS4-HMAC-SHA256&" CRED "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host"

/* 2026-12-02T14:00:00Z and one minute later, in epoch ms. */
#define SIGNED_AT_MS 1796220000000LL
#define NOW_MS (SIGNED_AT_MS + 60000)

static enum ws_sigv4_result check(const char *query, char *why, size_t cap) {
  return ws_sigv4_check_presigned(query, NOW_MS, why, cap);
}

static void dates_are_iso8601_basic_utc_and_nothing_else(void **state) {
  (void)state;
  assert_int_equal(ws_sigv4_parse_date("20261202T140000Z"), SIGNED_AT_MS / 1000);
  assert_int_equal(ws_sigv4_parse_date("19700101T000000Z"), 0);
  assert_int_equal(ws_sigv4_parse_date("20240229T000000Z"), 1709164800);
  assert_int_equal(ws_sigv4_parse_date("20250229T000000Z"), -1);
  assert_int_equal(ws_sigv4_parse_date("20261302T140000Z"), -1);
  assert_int_equal(ws_sigv4_parse_date("20261202T240000Z"), -1);
  assert_int_equal(ws_sigv4_parse_date("20261202T140000"), -1);
  assert_int_equal(ws_sigv4_parse_date("2026-12-02T14:00:00Z"), -1);
  assert_int_equal(ws_sigv4_parse_date(""), -1);
}

static void a_well_formed_presigned_query_is_accepted(void **state) {
  char why[160] = "";

  (void)state;
  assert_int_equal(check(SIGNED "&X-Amz-Signature=" SIG, why, sizeof(why)), WS_SIGV4_OK);
  assert_int_equal(check("token=x&" SIGNED "&X-Amz-Expires=300&X-Amz-Security-Token=FQo%2Bx%3D"
                         "&X-Amz-Signature=" SIG,
                         why, sizeof(why)),
                   WS_SIGV4_OK);
  assert_int_equal(check("X-Amz-Algorithm=AWS4-HMAC-SHA256&" CRED
                         "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host%3Bx-amz-date"
                         "&X-Amz-Signature=" SIG,
                         why, sizeof(why)),
                   WS_SIGV4_OK);
}

static void a_query_without_a_signature_is_unsigned(void **state) {
  char why[160] = "";

  (void)state;
  assert_int_equal(check(NULL, why, sizeof(why)), WS_SIGV4_UNSIGNED);
  assert_int_equal(check("", why, sizeof(why)), WS_SIGV4_UNSIGNED);
  assert_int_equal(check("token=abc", why, sizeof(why)), WS_SIGV4_UNSIGNED);
  assert_int_equal(check(SIGNED, why, sizeof(why)), WS_SIGV4_UNSIGNED);
  assert_non_null(strstr(why, "X-Amz-Signature"));
}

static void each_ill_formed_parameter_is_named(void **state) {
  static const struct {
    const char *query, *named;
  } rows[] = {
      {"X-Amz-Algorithm=AWS4-HMAC-SHA1&" CRED
       "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" SIG,
       "X-Amz-Algorithm"},
      {CRED "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" SIG,
       "X-Amz-Algorithm"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&" CRED
       "&X-Amz-Date=2026-12-02&X-Amz-SignedHeaders=host&X-Amz-Signature=" SIG,
       "X-Amz-Date"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261201%2Fus-east-1%2F"
       "execute-api%2Faws4_request&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host"
       "&X-Amz-Signature=" SIG,
       "X-Amz-Credential"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261202%2Fus-east-1%2Fs3%2F"
       "aws4_request&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=" SIG,
       "X-Amz-Credential"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID&X-Amz-Date=20261202T140000Z"
       "&X-Amz-SignedHeaders=host&X-Amz-Signature=" SIG,
       "X-Amz-Credential"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&" CRED
       "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=x-amz-date&X-Amz-Signature=" SIG,
       "X-Amz-SignedHeaders"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&" CRED
       "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=Host&X-Amz-Signature=" SIG,
       "X-Amz-SignedHeaders"},
      {"X-Amz-Algorithm=AWS4-HMAC-SHA256&" CRED
       "&X-Amz-Date=20261202T140000Z&X-Amz-SignedHeaders=host%3B&X-Amz-Signature=" SIG,
       "X-Amz-SignedHeaders"},
      {SIGNED "&X-Amz-Signature=abc", "X-Amz-Signature"},
      {SIGNED "&X-Amz-Signature=" SIG "0", "X-Amz-Signature"},
      {SIGNED "&X-Amz-Signature=0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
       "X-Amz-Signature"},
      {SIGNED "&X-Amz-Security-Token=&X-Amz-Signature=" SIG, "X-Amz-Security-Token"},
      {SIGNED "&X-Amz-Expires=0&X-Amz-Signature=" SIG, "X-Amz-Expires"},
      {SIGNED "&X-Amz-Expires=604801&X-Amz-Signature=" SIG, "X-Amz-Expires"},
      {SIGNED "&X-Amz-Expires=5m&X-Amz-Signature=" SIG, "X-Amz-Expires"},
  };
  char why[160];

  (void)state;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    why[0] = '\0';
    if (check(rows[i].query, why, sizeof(why)) != WS_SIGV4_MALFORMED || !strstr(why, rows[i].named))
      fail_msg("row %zu: expected MALFORMED naming %s, got \"%s\"", i, rows[i].named, why);
  }
}

static void a_signature_past_its_expiry_is_expired(void **state) {
  char why[160] = "";

  (void)state;
  /* Signed one minute ago: valid for 60 s, expired after 59 s. */
  assert_int_equal(check(SIGNED "&X-Amz-Expires=60&X-Amz-Signature=" SIG, why, sizeof(why)),
                   WS_SIGV4_OK);
  assert_int_equal(check(SIGNED "&X-Amz-Expires=59&X-Amz-Signature=" SIG, why, sizeof(why)),
                   WS_SIGV4_EXPIRED);
  assert_non_null(strstr(why, "expired"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(dates_are_iso8601_basic_utc_and_nothing_else),
      cmocka_unit_test(a_well_formed_presigned_query_is_accepted),
      cmocka_unit_test(a_query_without_a_signature_is_unsigned),
      cmocka_unit_test(each_ill_formed_parameter_is_named),
      cmocka_unit_test(a_signature_past_its_expiry_is_expired),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
