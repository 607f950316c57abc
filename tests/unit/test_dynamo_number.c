/*
 * test_dynamo_number.c - unit tests for emulator/dynamo/dynamo_number.c: which
 * spellings DynamoDB accepts, how they normalise, range and precision
 * limits, ordering and exact arithmetic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dynamo_number.h"

struct format_case {
  const char *in;
  const char *out;
  const char *reason;
};

struct status_case {
  const char *in;
  enum dynamo_number_status st;
  const char *reason;
};

static const char *fmt(const char *in, char *buf) {
  struct dynamo_number n;
  enum dynamo_number_status st = dynamo_number_parse(in, strlen(in), &n);

  if (st != DYNAMO_NUMBER_OK) {
    print_error("parse(\"%s\") failed with %d\n", in, (int)st);
    fail();
  }
  dynamo_number_format(&n, buf, DYNAMO_NUMBER_TEXT_MAX);
  return buf;
}

static struct dynamo_number num(const char *in) {
  struct dynamo_number n;

  assert_int_equal(dynamo_number_parse(in, strlen(in), &n), DYNAMO_NUMBER_OK);
  return n;
}

/* Builds "<prefix><count x ch><suffix>" into buf. */
static const char *repeat(char *buf, size_t cap, const char *prefix, char ch, int count,
                          const char *suffix) {
  size_t pos = (size_t)snprintf(buf, cap, "%s", prefix);
  int i;

  for (i = 0; i < count && pos + 1 < cap; i++)
    buf[pos++] = ch;
  snprintf(buf + pos, cap - pos, "%s", suffix);
  return buf;
}

static void parse_accepts_and_normalises_every_documented_spelling(void **state) {
  static const struct format_case cases[] = {
      {"0", "0", "plain zero"},
      {"-0", "0", "negative zero loses its sign"},
      {"+0", "0", "positive zero"},
      {"0.000", "0", "zero with fraction digits"},
      {"0e10", "0", "zero with an exponent inside the range"},
      {"0.0e126", "0", "zero whose last digit is at 10^125 (DynamoDB accepts it)"},
      {"0e125", "0", "zero at the top of the range"},
      {"0e-130", "0", "zero at the bottom of the range"},
      {"1", "1", "plain integer"},
      {"+3", "3", "leading plus"},
      {".123", "0.123", "no integer part"},
      {".5", "0.5", "no integer part, one digit"},
      {"5.", "5", "no fraction digits after the point"},
      {"0001.23", "1.23", "leading zeros"},
      {"1.0", "1", "trailing fractional zero"},
      {"0.10", "0.1", "trailing fractional zero after a digit"},
      {"1e3", "1000", "exponent expands to an integer"},
      {"1E3", "1000", "capital E"},
      {"1e+5", "100000", "explicit plus in the exponent"},
      {"1e-3", "0.001", "negative exponent gives a fraction"},
      {"-17.4E37", "-174000000000000000000000000000000000000", "negative with exponent"},
      {"12.5e-1", "1.25", "exponent moves the point left"},
      {"12.5e1", "125", "exponent moves the point right"},
      {"0.00012e2", "0.012", "fraction with leading zeros and exponent"},
      {"-56.789", "-56.789", "already normal"},
      {"1e00000000000000000000000000001", "10", "exponent with many leading zeros"},
      {"0000012345678901234567890123456789012345678", "12345678901234567890123456789012345678",
       "38 digits after leading zeros"},
      {"-00001.23456789012345678901234567890123456780000",
       "-1.2345678901234567890123456789012345678", "trailing zeros do not count as digits"},
      {"100", "100", "integer trailing zeros are kept in the text"},
      {"1010.0100", "1010.01", "interior zeros are kept"},
  };
  char buf[DYNAMO_NUMBER_TEXT_MAX];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *got = fmt(cases[i].in, buf);

    if (strcmp(got, cases[i].out) != 0) {
      print_error("\"%s\" -> \"%s\", want \"%s\" (%s)\n", cases[i].in, got, cases[i].out,
                  cases[i].reason);
      fail();
    }
  }
}

static void parse_rejects_what_is_not_a_number(void **state) {
  static const char *const bad[] = {
      "",      "NaN",  "nan",   "Infinity", "-Infinity", "inf",   "dog",   " 1",  "1 ",
      " ",     "1e",   "1e+",   "e5",       "E5",        ".",     "-",     "+",   "--1",
      "+-1",   "-+1",  "1.2.3", "0x10",     "1_000",     "1,000", "1e5.5", "..1", "1..",
      "1e--5", "1ee5", ".e1",   "-.",       "1f",        "١",
  };
  char reason[64];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    struct dynamo_number n;

    snprintf(reason, sizeof(reason), "\"%s\"", bad[i]);
    if (dynamo_number_parse(bad[i], strlen(bad[i]), &n) != DYNAMO_NUMBER_INVALID) {
      print_error("%s should be invalid\n", reason);
      fail();
    }
  }
}

static void parse_rejects_an_embedded_nul_byte(void **state) {
  struct dynamo_number n;

  (void)state;
  assert_int_equal(dynamo_number_parse("1\0", 2, &n), DYNAMO_NUMBER_INVALID);
  assert_int_equal(dynamo_number_parse(NULL, 0, &n), DYNAMO_NUMBER_INVALID);
}

static void parse_reports_range_and_precision_limits(void **state) {
  static const struct status_case cases[] = {
      {"1e125", DYNAMO_NUMBER_OK, "largest power of ten"},
      {"9.9999999999999999999999999999999999999E+125", DYNAMO_NUMBER_OK, "largest value"},
      {"1e126", DYNAMO_NUMBER_OVERFLOW, "one power too large"},
      {"-1e126", DYNAMO_NUMBER_OVERFLOW, "negative overflow"},
      {"10e125", DYNAMO_NUMBER_OVERFLOW, "overflow through the mantissa"},
      {"1e-130", DYNAMO_NUMBER_OK, "smallest magnitude"},
      {"1e-131", DYNAMO_NUMBER_UNDERFLOW, "one power too small"},
      {"-1e-131", DYNAMO_NUMBER_UNDERFLOW, "negative underflow"},
      {"0.1e-130", DYNAMO_NUMBER_UNDERFLOW, "underflow through the fraction"},
      {"123456789012345678901234567890123456789", DYNAMO_NUMBER_PRECISION, "39 digits"},
      {"-1.23456789012345678901234567890123456789", DYNAMO_NUMBER_PRECISION,
       "39 digits in a fraction"},
      {"1234567890123456789012345678901234567890", DYNAMO_NUMBER_PRECISION,
       "39 significant digits and a trailing zero"},
      {"1e2147483647", DYNAMO_NUMBER_OVERFLOW, "INT_MAX exponent is range-checked"},
      {"1e2147483648", DYNAMO_NUMBER_OVERFLOW, "exponent past a 32-bit int overflows"},
      {"1e99999999999", DYNAMO_NUMBER_OVERFLOW, "exponent past a 32-bit int overflows"},
      {"1e-99999999999", DYNAMO_NUMBER_UNDERFLOW, "negative exponent past a 32-bit int"},
      {"1e-2147483648", DYNAMO_NUMBER_UNDERFLOW, "INT_MIN exponent"},
      {"1e9223372036854775807", DYNAMO_NUMBER_OVERFLOW, "INT64_MAX exponent still fits"},
      {"1e9223372036854775808", DYNAMO_NUMBER_INVALID, "exponent past a 64-bit integer"},
      {"1e99999999999999999999", DYNAMO_NUMBER_INVALID, "huge exponent does not wrap"},
      {"0e126", DYNAMO_NUMBER_OVERFLOW, "zero is range-checked by its written exponent"},
      {"0e-131", DYNAMO_NUMBER_UNDERFLOW, "zero below the range"},
      {"0e99999999", DYNAMO_NUMBER_OVERFLOW, "zero with a huge exponent"},
      {"0.0e-130", DYNAMO_NUMBER_UNDERFLOW, "zero whose last digit is below 10^-130"},
      {"1e126e", DYNAMO_NUMBER_INVALID, "syntax is checked before range"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct dynamo_number n;
    enum dynamo_number_status st = dynamo_number_parse(cases[i].in, strlen(cases[i].in), &n);

    if (st != cases[i].st) {
      print_error("\"%s\" -> %d, want %d (%s)\n", cases[i].in, (int)st, (int)cases[i].st,
                  cases[i].reason);
      fail();
    }
  }
}

static void parse_ignores_trailing_zeros_beyond_38_digits(void **state) {
  char in[300], buf[DYNAMO_NUMBER_TEXT_MAX];

  (void)state;
  /* SPEC docs/spec/dynamodb.md 2.5 / dynamo_number.h: "1.000...0 is one digit". */
  assert_string_equal(fmt(repeat(in, sizeof(in), "1.", '0', 120, ""), buf), "1");
  /* 1 followed by 200 zeros, scaled back by 1e-190: 1e10, one digit. */
  assert_string_equal(fmt(repeat(in, sizeof(in), "1", '0', 200, "e-190"), buf), "10000000000");
  assert_string_equal(fmt(repeat(in, sizeof(in), "0.", '0', 150, "1e150"), buf), "0.1");
}

static void format_expands_extreme_exponents(void **state) {
  char want[DYNAMO_NUMBER_TEXT_MAX], buf[DYNAMO_NUMBER_TEXT_MAX];
  struct dynamo_number n;
  size_t len;

  (void)state;
  /* SPEC docs/spec/dynamodb.md 2.5: "1e125 -> 1 followed by 125 zeros". */
  n = num("1e125");
  len = dynamo_number_format(&n, buf, sizeof(buf));
  assert_string_equal(buf, repeat(want, sizeof(want), "1", '0', 125, ""));
  assert_int_equal(len, 126);

  n = num("-1E-130");
  len = dynamo_number_format(&n, buf, sizeof(buf));
  assert_string_equal(buf, repeat(want, sizeof(want), "-0.", '0', 129, "1"));
  assert_int_equal(len, 133);

  n = num("-0009.99999999999999999999999999999999999990000e125");
  dynamo_number_format(&n, buf, sizeof(buf));
  assert_string_equal(
      buf, repeat(want, sizeof(want), "-99999999999999999999999999999999999999", '0', 88, ""));
}

static void format_fits_the_longest_number_in_text_max(void **state) {
  char in[200], buf[DYNAMO_NUMBER_TEXT_MAX];
  struct dynamo_number n;
  size_t len;

  (void)state;
  /* -0.(129 zeros)(38 digits): the longest normalised text. */
  n = num(repeat(in, sizeof(in), "-1.", '1', 37, "e-130"));
  len = dynamo_number_format(&n, buf, sizeof(buf));
  assert_int_equal(len, 1 + 2 + 129 + 38);
  assert_int_equal(strlen(buf), len);
  assert_true(len < DYNAMO_NUMBER_TEXT_MAX);
}

static void format_truncates_safely_into_a_small_buffer(void **state) {
  struct dynamo_number n = num("-123.45");
  char buf[5];

  (void)state;
  memset(buf, 'x', sizeof(buf));
  assert_int_equal(dynamo_number_format(&n, buf, sizeof(buf)), 4);
  assert_string_equal(buf, "-123");
}

static void parse_of_small_values_underflows_past_131_fraction_zeros(void **state) {
  char in[200];
  struct dynamo_number n;

  (void)state;
  repeat(in, sizeof(in), "0.", '0', 129, "1"); /* 1e-130 */
  assert_int_equal(dynamo_number_parse(in, strlen(in), &n), DYNAMO_NUMBER_OK);
  repeat(in, sizeof(in), "0.", '0', 130, "1"); /* 1e-131 */
  assert_int_equal(dynamo_number_parse(in, strlen(in), &n), DYNAMO_NUMBER_UNDERFLOW);
  repeat(in, sizeof(in), "0.", '0', 150, "1e20"); /* 1e-131 */
  assert_int_equal(dynamo_number_parse(in, strlen(in), &n), DYNAMO_NUMBER_UNDERFLOW);
}

static void equal_values_have_equal_structs_whatever_the_spelling(void **state) {
  struct dynamo_number a = num("1.0"), b = num("0001e0"), c = num("10e-1");

  (void)state;
  assert_int_equal(dynamo_number_compare(&a, &b), 0);
  assert_int_equal(dynamo_number_compare(&b, &c), 0);
  assert_int_equal(a.exp, c.exp);
  assert_int_equal(a.ndigits, 1);
  assert_int_equal(c.ndigits, 1);
  assert_int_equal(a.digits[0], 1);
}

static void compare_orders_numerically_not_textually(void **state) {
  static const struct {
    const char *a, *b;
    int want;
    const char *reason;
  } cases[] = {
      {"2", "10", -1, "shorter integer is smaller"},
      {"-2", "-10", 1, "negative order flips"},
      {"-1", "0", -1, "negative below zero"},
      {"0", "1e-130", -1, "zero below the smallest positive"},
      {"-1e-130", "0", -1, "smallest negative below zero"},
      {"1.5", "1.25", 1, "fraction digits compare position by position"},
      {"1.2", "1.25", -1, "prefix is smaller"},
      {"-1.2", "-1.25", 1, "negative prefix is larger"},
      {"100", "1e2", 0, "same value, different spelling"},
      {"0", "-0", 0, "signed zeros are equal"},
      {"9.99e125", "1e125", 1, "large exponents"},
      {"123456789012345678901234567890123456.78", "123456789012345678901234567890123456.79", -1,
       "differ in the 38th digit"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct dynamo_number a = num(cases[i].a), b = num(cases[i].b);
    int got = dynamo_number_compare(&a, &b);
    int back = dynamo_number_compare(&b, &a);

    got = got < 0 ? -1 : got > 0;
    back = back < 0 ? -1 : back > 0;
    if (got != cases[i].want || back != -cases[i].want) {
      print_error("compare(%s, %s) = %d, want %d (%s)\n", cases[i].a, cases[i].b, got,
                  cases[i].want, cases[i].reason);
      fail();
    }
  }
}

static void add_and_sub_are_exact(void **state) {
  static const struct {
    const char *a, *b, *sum, *diff;
    const char *reason;
  } cases[] = {
      {"1", "2", "3", "-1", "small integers"},
      {"0.1", "0.2", "0.3", "-0.1", "no binary floating point error"},
      {"-5", "5", "0", "-10", "cancels to zero"},
      {"999", "1", "1000", "998", "carry adds a digit"},
      {"1000", "-1", "999", "1001", "borrow removes a digit"},
      {"1e100", "1e-20", "", "", "would need 121 digits"},
      {"12345678901234567890123456789012345678", "1", "12345678901234567890123456789012345679",
       "12345678901234567890123456789012345677", "38 digits stay exact"},
      {"0", "-7.5", "-7.5", "7.5", "zero operand"},
      {"-0.5", "0", "-0.5", "-0.5", "zero second operand"},
      {"1.25", "-1.25", "0", "2.5", "exact cancellation"},
  };
  char buf[DYNAMO_NUMBER_TEXT_MAX];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct dynamo_number a = num(cases[i].a), b = num(cases[i].b), r;
    enum dynamo_number_status st;

    if (cases[i].sum[0] == '\0') {
      assert_int_equal(dynamo_number_add(&a, &b, &r), DYNAMO_NUMBER_OVERFLOW);
      continue;
    }
    st = dynamo_number_add(&a, &b, &r);
    assert_int_equal(st, DYNAMO_NUMBER_OK);
    dynamo_number_format(&r, buf, sizeof(buf));
    if (strcmp(buf, cases[i].sum) != 0) {
      print_error("%s + %s = %s, want %s (%s)\n", cases[i].a, cases[i].b, buf, cases[i].sum,
                  cases[i].reason);
      fail();
    }
    st = dynamo_number_sub(&a, &b, &r);
    assert_int_equal(st, DYNAMO_NUMBER_OK);
    dynamo_number_format(&r, buf, sizeof(buf));
    if (strcmp(buf, cases[i].diff) != 0) {
      print_error("%s - %s = %s, want %s (%s)\n", cases[i].a, cases[i].b, buf, cases[i].diff,
                  cases[i].reason);
      fail();
    }
  }
}

static void add_keeps_the_smallest_values_exact(void **state) {
  struct dynamo_number a = num("1e-130"), b = num("1.5e-130"), r, want = num("2.5e-130");

  (void)state;
  assert_int_equal(dynamo_number_add(&a, &b, &r), DYNAMO_NUMBER_OK);
  assert_int_equal(dynamo_number_compare(&r, &want), 0);
  assert_int_equal(r.exp, -129);
  assert_int_equal(r.ndigits, 2);
}

static void add_reports_overflow_when_the_result_leaves_the_range(void **state) {
  struct dynamo_number a = num("9.9999999999999999999999999999999999999e125");
  struct dynamo_number one = num("1e88"), r;
  struct dynamo_number neg = num("-9.9999999999999999999999999999999999999e125");

  (void)state;
  assert_int_equal(dynamo_number_add(&a, &one, &r), DYNAMO_NUMBER_OVERFLOW);
  assert_int_equal(dynamo_number_sub(&neg, &one, &r), DYNAMO_NUMBER_OVERFLOW);
  assert_int_equal(r.sign, 0);
}

static void add_reports_precision_loss_as_overflow(void **state) {
  /* SPEC docs/spec/dynamodb.md 2.5: "DynamoDB reports even the precision case as
   * Number overflow". 38 nines + 0.1 needs 39 digits. */
  struct dynamo_number a = num("99999999999999999999999999999999999999");
  struct dynamo_number b = num("0.1"), r;

  (void)state;
  assert_int_equal(dynamo_number_add(&a, &b, &r), DYNAMO_NUMBER_OVERFLOW);
  b = num("1");
  assert_int_equal(dynamo_number_add(&a, &b, &r), DYNAMO_NUMBER_OK);
  assert_int_equal(r.ndigits, 1);
  assert_int_equal(r.exp, 39);
}

static void sub_reports_underflow_for_a_too_small_difference(void **state) {
  struct dynamo_number a = num("1.1e-130"), b = num("1e-130"), r;

  (void)state;
  assert_int_equal(dynamo_number_sub(&a, &b, &r), DYNAMO_NUMBER_UNDERFLOW);
}

static void message_matches_dynamodb_text_exactly(void **state) {
  char buf[256];

  (void)state;
  assert_string_equal(dynamo_number_message(DYNAMO_NUMBER_INVALID, "dog", buf, sizeof(buf)),
                      "The parameter cannot be converted to a numeric value: dog");
  assert_string_equal(dynamo_number_message(DYNAMO_NUMBER_INVALID, "", buf, sizeof(buf)),
                      "The parameter cannot be converted to a numeric value: ");
  assert_string_equal(dynamo_number_message(DYNAMO_NUMBER_PRECISION, NULL, buf, sizeof(buf)),
                      "Attempting to store more than 38 significant digits in a Number");
  assert_string_equal(dynamo_number_message(DYNAMO_NUMBER_OVERFLOW, NULL, buf, sizeof(buf)),
                      "Number overflow. Attempting to store a number with magnitude larger "
                      "than supported range");
  assert_string_equal(dynamo_number_message(DYNAMO_NUMBER_UNDERFLOW, NULL, buf, sizeof(buf)),
                      "Number underflow. Attempting to store a number with magnitude smaller "
                      "than supported range");
  assert_string_equal(dynamo_number_message(DYNAMO_NUMBER_OK, NULL, buf, sizeof(buf)), "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parse_accepts_and_normalises_every_documented_spelling),
      cmocka_unit_test(parse_rejects_what_is_not_a_number),
      cmocka_unit_test(parse_rejects_an_embedded_nul_byte),
      cmocka_unit_test(parse_reports_range_and_precision_limits),
      cmocka_unit_test(parse_ignores_trailing_zeros_beyond_38_digits),
      cmocka_unit_test(parse_of_small_values_underflows_past_131_fraction_zeros),
      cmocka_unit_test(format_expands_extreme_exponents),
      cmocka_unit_test(format_fits_the_longest_number_in_text_max),
      cmocka_unit_test(format_truncates_safely_into_a_small_buffer),
      cmocka_unit_test(equal_values_have_equal_structs_whatever_the_spelling),
      cmocka_unit_test(compare_orders_numerically_not_textually),
      cmocka_unit_test(add_and_sub_are_exact),
      cmocka_unit_test(add_keeps_the_smallest_values_exact),
      cmocka_unit_test(add_reports_overflow_when_the_result_leaves_the_range),
      cmocka_unit_test(add_reports_precision_loss_as_overflow),
      cmocka_unit_test(sub_reports_underflow_for_a_too_small_difference),
      cmocka_unit_test(message_matches_dynamodb_text_exactly),
  };

  return cmocka_run_group_tests_name("dynamo_number", tests, NULL, NULL);
}
