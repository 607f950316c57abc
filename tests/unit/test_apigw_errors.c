/*
 * test_apigw_errors.c - unit tests for emulator/gateway/apigw_errors.c: the
 * lookups by status that replace the gateway's ternary chains (each surface
 * maps a status to the answer the gateway used to spell out), and the
 * tables' shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "apigw_errors.h"

static void the_authorizer_statuses_map_to_their_handshake_answers(void **state) {
  (void)state;
  assert_int_equal(apigw_error_of_status(APIGW_HANDSHAKE, 401, APIGW_ERR_HANDSHAKE_INTERNAL),
                   APIGW_ERR_UNAUTHORIZED);
  assert_int_equal(apigw_error_of_status(APIGW_HANDSHAKE, 403, APIGW_ERR_HANDSHAKE_INTERNAL),
                   APIGW_ERR_HANDSHAKE_FORBIDDEN);
  /* 500 from the authorizer is {"message": null}, not $connect's 500. */
  assert_int_equal(apigw_error_of_status(APIGW_HANDSHAKE, 500, APIGW_ERR_HANDSHAKE_INTERNAL),
                   APIGW_ERR_AUTHORIZER_FAILED);
  assert_string_equal(apigw_error_body(APIGW_ERR_AUTHORIZER_FAILED), "{\"message\": null}");
}

static void the_fault_statuses_map_to_their_connections_exceptions(void **state) {
  static const struct {
    int status;
    const char *type;
  } want[] = {
      {410, "GoneException"},
      {429, "LimitExceededException"},
      {403, "ForbiddenException"},
      {500, "InternalServerErrorException"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    enum apigw_error e = apigw_error_of_status(APIGW_MANAGEMENT, want[i].status,
                                               APIGW_ERR_INTERNAL);
    assert_int_equal(apigw_error_status(e), want[i].status);
    assert_string_equal(apigw_error_type(e), want[i].type);
  }
  assert_null(apigw_error_body(APIGW_ERR_GONE));
  assert_null(apigw_error_body(APIGW_ERR_LIMIT_EXCEEDED));
  assert_int_equal(apigw_error_of_status(APIGW_MANAGEMENT, 418, APIGW_ERR_INTERNAL),
                   APIGW_ERR_INTERNAL);
}

static void handshake_answers_carry_no_exception_header(void **state) {
  (void)state;
  assert_null(apigw_error_type(APIGW_ERR_UNAUTHORIZED));
  assert_null(apigw_error_type(APIGW_ERR_HANDSHAKE_TIMEOUT));
  assert_int_equal(apigw_error_status(APIGW_ERR_HANDSHAKE_TIMEOUT), 504);
  assert_int_equal(apigw_error_status(APIGW_ERR_HANDSHAKE_FUNCTION_ERROR), 502);
}

static void close_codes_and_frames_keep_their_wire_values(void **state) {
  (void)state;
  assert_int_equal(apigw_close_code(APIGW_CLOSE_NORMAL), 1000);
  assert_int_equal(apigw_close_code(APIGW_CLOSE_GOING_AWAY), 1001);
  assert_int_equal(apigw_close_code(APIGW_CLOSE_BINARY), 1003);
  assert_int_equal(apigw_close_code(APIGW_CLOSE_ABNORMAL), 1006);
  assert_string_equal(apigw_close_reason(APIGW_CLOSE_ABNORMAL), "");
  assert_int_equal(apigw_close_code(APIGW_CLOSE_INVALID_UTF8), 1007);
  assert_int_equal(apigw_close_code(APIGW_CLOSE_TOO_BIG), 1009);
  assert_string_equal(apigw_frame_message(APIGW_FRAME_FORBIDDEN), "Forbidden");
  assert_int_equal(apigw_frame_status(APIGW_FRAME_TIMEOUT), 504);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_authorizer_statuses_map_to_their_handshake_answers),
      cmocka_unit_test(the_fault_statuses_map_to_their_connections_exceptions),
      cmocka_unit_test(handshake_answers_carry_no_exception_header),
      cmocka_unit_test(close_codes_and_frames_keep_their_wire_values),
  };

  return cmocka_run_group_tests_name("apigw_errors", tests, NULL, NULL);
}
