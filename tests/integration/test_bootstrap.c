/*
 * test_bootstrap.c - the provided.al2023 custom runtime (emulator/bootstrap/)
 * as a function of wsgw: the program of integration/bootstrap_handlers.c
 * linked with libwsgw_bootstrap (env WSGW_TEST_BOOTSTRAP), run through
 * wsgw's Runtime API. The chat acceptance test covers the chat handlers
 * (integration.chat_broadcast_bootstrap); this covers the rest of the
 * handler API over HTTPS and the runtime's errors.
 * SPEC docs/spec/lambda-runtime.md 2 (the loop), docs/spec/aws-clients.md.
 * Threading: the test thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#define WAIT_MS 10000

static struct wsgw_kit_emu *start(void) {
  const char *program = getenv("WSGW_TEST_BOOTSTRAP");
  char config[4096];

  if (!program)
    fail_msg("WSGW_TEST_BOOTSTRAP is not set (tests/CMakeLists.txt sets it)");
  snprintf(config, sizeof(config),
           "{\"region\":\"us-east-1\",\"apis\":[{\"name\":\"t\",\"stage\":\"dev\","
           "\"routeSelectionExpression\":\"$request.body.action\","
           "\"defaults\":{\"function\":{\"runtime\":\"provided.al2023\",\"command\":[\"%s\"],"
           "\"timeout\":10,\"environment\":{\"TEST_VALUE\":\"v1\"}}},"
           "\"routes\":{\"$connect\":\"t.log\","
           "\"$default\":{\"function\":{\"handler\":\"t.echo\"},\"returnResponse\":true},"
           "\"context\":{\"function\":{\"handler\":\"t.context\"},\"returnResponse\":true},"
           "\"fail\":{\"function\":{\"handler\":\"t.fail\"},\"returnResponse\":true},"
           "\"null\":{\"function\":{\"handler\":\"t.null\"},\"returnResponse\":true},"
           "\"missing\":{\"function\":{\"handler\":\"t.missing\"},\"returnResponse\":true}}}],"
           "\"tables\":[{\"TableName\":\"Items\",\"AttributeDefinitions\":[{\"AttributeName\":"
           "\"id\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":"
           "\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}]}",
           program);
  return kit_start_or_fail(&(struct wsgw_kit_options){.config_json = config});
}

/* The newest invocation of a route (new tree). */
static cJSON *last_invocation(struct wsgw_kit_emu *emu, const char *route) {
  cJSON *all;
  cJSON *last;

  CHECK(wsgw_kit_wait_invocations(emu, route, NULL, NULL, 1, WAIT_MS));
  all = wsgw_kit_invocations(emu, route, NULL, NULL);
  last = cJSON_DetachItemFromArray(all, cJSON_GetArraySize(all) - 1);
  cJSON_Delete(all);
  return last;
}

static const char *str(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : "";
}

static void the_handler_api_over_https_answers_as_in_process(void **state) {
  struct wsgw_kit_emu *emu = start();
  struct wsgw_kit_ws *ws = kit_connect_or_fail(emu, "/dev", WAIT_MS);
  cJSON *got, *inv, *want;
  char path[256];

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"context\"}"));
  CHECK(wsgw_kit_expect_regex(ws, "^\\{", WAIT_MS));
  got = cJSON_Parse(wsgw_kit_last_message(ws));
  assert_non_null(got);
  inv = last_invocation(emu, "context");
  /* Lambda's context: the invocation's request id, time left before the
   * 10 s timeout, the connection id and the function's environment. */
  assert_string_equal(str(got, "requestId"), str(inv, "requestId"));
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(got, "remainingPositive")));
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(got, "remainingBelowTimeout")));
  assert_string_equal(str(got, "connectionId"), wsgw_kit_ws_id(ws));
  assert_string_equal(str(got, "env"), "v1");
  /* @connections over HTTPS, signed: GetConnection of its own connection,
   * and a gone id is 410 GoneException. */
  want = cJSON_Parse("{\"getConnection\":200,\"getConnectionHasIdentity\":true,"
                     "\"postToGone\":410,\"postToGoneType\":\"GoneException\"}");
  if (!wsgw_kit_json_subset(want, got, path, sizeof(path)))
    fail_msg("the answer differs at %s: %s", path, wsgw_kit_last_message(ws));
  cJSON_Delete(want);
  /* DynamoDB: an error's status and type as the SDKs name it, and a
   * U+0000 stored and read back. */
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(got, "missingTable")->valueint, 400);
  assert_string_equal(str(got, "missingTableType"), "ResourceNotFoundException");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(got, "put")->valueint, 200);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(got, "nulRoundTrip")));
  cJSON_Delete(got);
  cJSON_Delete(inv);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void a_nul_in_a_message_reaches_the_handler_and_comes_back(void **state) {
  static const char msg[] = "ab\0cd";
  struct wsgw_kit_emu *emu = start();
  struct wsgw_kit_ws *ws = kit_connect_or_fail(emu, "/dev", WAIT_MS);
  struct wsgw_kit_frame f;

  (void)state;
  CHECK(wsgw_kit_send_frame(ws, 1, 1, msg, sizeof(msg) - 1));
  assert_int_equal(wsgw_kit_recv_message(ws, WAIT_MS, &f), WSGW_KIT_RECV_OK);
  assert_int_equal((int)f.len, (int)sizeof(msg) - 1);
  assert_memory_equal(f.data, msg, sizeof(msg) - 1);
  wsgw_kit_frame_free(&f);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void a_failed_handler_is_a_function_error_with_its_message(void **state) {
  struct wsgw_kit_emu *emu = start();
  struct wsgw_kit_ws *ws = kit_connect_or_fail(emu, "/dev", WAIT_MS);
  cJSON *inv;

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"fail\"}"));
  CHECK(wsgw_kit_expect_json(ws, "{\"message\":\"Internal server error\"}", WAIT_MS));
  inv = last_invocation(emu, "fail");
  assert_string_equal(str(inv, "outcome"), "error");
  assert_non_null(strstr(str(inv, "error"), "bad input: on purpose"));
  cJSON_Delete(inv);
  /* NULL without wsgw_fail is a function error too; the process serves on. */
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"null\"}"));
  CHECK(wsgw_kit_expect_json(ws, "{\"message\":\"Internal server error\"}", WAIT_MS));
  inv = last_invocation(emu, "null");
  assert_string_equal(str(inv, "outcome"), "error");
  assert_non_null(strstr(str(inv, "error"), "returned no response"));
  cJSON_Delete(inv);
  CHECK(wsgw_kit_send_text(ws, "still here"));
  CHECK(wsgw_kit_expect_text(ws, "still here", WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void a_handler_the_program_lacks_is_an_init_error_naming_the_ones_it_has(void **state) {
  struct wsgw_kit_emu *emu = start();
  struct wsgw_kit_ws *ws = kit_connect_or_fail(emu, "/dev", WAIT_MS);
  cJSON *inv;

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"missing\"}"));
  CHECK(wsgw_kit_expect_json(ws, "{\"message\":\"Internal server error\"}", WAIT_MS));
  inv = last_invocation(emu, "missing");
  assert_string_equal(str(inv, "outcome"), "error");
  assert_non_null(strstr(str(inv, "error"), "Runtime.HandlerNotFound"));
  assert_non_null(strstr(str(inv, "error"), "t.missing"));
  assert_non_null(strstr(str(inv, "error"), "t.echo"));
  cJSON_Delete(inv);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_handler_api_over_https_answers_as_in_process),
      cmocka_unit_test(a_nul_in_a_message_reaches_the_handler_and_comes_back),
      cmocka_unit_test(a_failed_handler_is_a_function_error_with_its_message),
      cmocka_unit_test(a_handler_the_program_lacks_is_an_init_error_naming_the_ones_it_has),
  };
  return cmocka_run_group_tests_name("bootstrap", tests, NULL, NULL);
}
