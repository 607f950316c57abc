/*
 * test_dynamo_errors.c - unit tests for emulator/dynamo/dynamo_errors.c's
 * constraint-violation builder: one violation in the singular, several
 * joined with "; " under "N validation errors detected", `Value null`
 * unquoted, the value cut at its maximum, and the message cut at the same
 * byte whether one violation or several are collected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "dynamo_errors.h"

static void nothing_added_is_no_error(void **state) {
  struct dynamo_violations v;
  struct dynamo_error err;

  (void)state;
  dynamo_error_init(&err);
  dynamo_violations_init(&v);
  assert_int_equal(dynamo_violations_finish(&v, &err), 0);
  assert_int_equal(err.code, DYNAMO_OK);
}

static void one_violation_reads_in_the_singular(void **state) {
  struct dynamo_error err;

  (void)state;
  dynamo_error_init(&err);
  assert_int_equal(dynamo_error_violation(&err, "ab", -1,
                                          "Member must have length greater than or equal to 3",
                                          "tableName"),
                   -1);
  assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
  assert_string_equal(err.message,
                      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
                      "constraint: Member must have length greater than or equal to 3");
}

static void several_are_joined_under_their_count(void **state) {
  struct dynamo_violations v;
  struct dynamo_error err;

  (void)state;
  dynamo_error_init(&err);
  dynamo_violations_init(&v);
  dynamo_violations_add(&v, NULL, -1, DYNAMO_NOT_NULL, "timeToLiveSpecification.%s",
                        "attributeName");
  dynamo_violations_add(&v, "x", -1, "C", "m.%d", 2);
  dynamo_violations_add(&v, "y", -1, "D", "n");
  assert_int_equal(dynamo_violations_finish(&v, &err), -1);
  assert_string_equal(
      err.message,
      "3 validation errors detected: Value null at 'timeToLiveSpecification.attributeName' "
      "failed to satisfy constraint: Member must not be null; Value 'x' at 'm.2' failed to "
      "satisfy constraint: C; Value 'y' at 'n' failed to satisfy constraint: D");
}

static void null_is_unquoted_and_values_are_cut_at_their_maximum(void **state) {
  struct dynamo_error err;

  (void)state;
  dynamo_error_init(&err);
  dynamo_error_null(&err, "keySchema.%d.member.keyType", 1);
  assert_string_equal(err.message,
                      "1 validation error detected: Value null at 'keySchema.1.member.keyType' "
                      "failed to satisfy constraint: Member must not be null");
  dynamo_error_violation(&err, "abcdef", 3, "C", "select");
  assert_string_equal(err.message,
                      "1 validation error detected: Value 'abc' at 'select' failed to satisfy "
                      "constraint: C");
}

static void a_long_message_is_cut_where_a_single_format_would_cut_it(void **state) {
  char value[2000];
  struct dynamo_error err;

  (void)state;
  memset(value, 'v', sizeof(value) - 1);
  value[sizeof(value) - 1] = '\0';
  dynamo_error_init(&err);
  dynamo_error_violation(&err, value, -1, "C", "transactItems");
  assert_int_equal(strlen(err.message), DYNAMO_ERROR_MESSAGE_MAX - 1);
  assert_memory_equal(err.message, "1 validation error detected: Value 'vvv", 39);
  assert_int_equal(err.message[DYNAMO_ERROR_MESSAGE_MAX - 2], 'v');
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(nothing_added_is_no_error),
      cmocka_unit_test(one_violation_reads_in_the_singular),
      cmocka_unit_test(several_are_joined_under_their_count),
      cmocka_unit_test(null_is_unquoted_and_values_are_cut_at_their_maximum),
      cmocka_unit_test(a_long_message_is_cut_where_a_single_format_would_cut_it),
  };

  return cmocka_run_group_tests_name("dynamo_errors", tests, NULL, NULL);
}
