/*
 * test_emu_event_filter.c - unit tests for emulator/base/emu_event_filter.c:
 * Lambda's filter patterns against a DynamoDB stream record (exact values,
 * nested objects, prefix, suffix, equals-ignore-case, anything-but,
 * numeric, exists, null and empty, arrays in the record, OR across
 * filters) and the errors a bad pattern gets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "emu_event_filter.h"

static const char *const RECORD =
    "{\"eventName\": \"INSERT\", \"eventSource\": \"aws:dynamodb\", \"dynamodb\": {"
    "\"Keys\": {\"pk\": {\"S\": \"channel#General\"}},"
    "\"NewImage\": {\"pk\": {\"S\": \"channel#General\"}, \"kind\": {\"S\": \"Message\"},"
    "\"n\": {\"N\": \"5\"}, \"tags\": {\"SS\": [\"a\", \"b\"]}, \"none\": {\"NULL\": true}},"
    "\"SizeBytes\": 42, \"Empty\": \"\", \"Nothing\": null}}";

/* Whether the pattern text matches RECORD. */
static int matches(const char *pattern) {
  char err[256] = "";
  cJSON *p = emu_event_filter_parse(pattern, err, sizeof(err));
  cJSON *r = cJSON_Parse(RECORD);
  int m;

  if (!p) {
    print_error("pattern %s: %s\n", pattern, err);
    fail();
  }
  m = emu_event_filter_match(p, r);
  cJSON_Delete(p);
  cJSON_Delete(r);
  return m;
}

static void exact_values_and_nested_objects_match(void **state) {
  (void)state;
  assert_true(matches("{\"eventName\": [\"INSERT\"]}"));
  assert_true(matches("{\"eventName\": [\"MODIFY\", \"INSERT\"]}"));
  assert_false(matches("{\"eventName\": [\"REMOVE\"]}"));
  assert_true(matches("{\"dynamodb\": {\"NewImage\": {\"kind\": {\"S\": [\"Message\"]}}}}"));
  assert_false(matches("{\"dynamodb\": {\"NewImage\": {\"kind\": {\"S\": [\"Join\"]}}}}"));
  /* Every member must match. */
  assert_false(matches("{\"eventName\": [\"INSERT\"], \"eventSource\": [\"aws:sqs\"]}"));
  assert_true(matches("{\"dynamodb\": {\"SizeBytes\": [42]}}"));
  assert_false(matches("{\"dynamodb\": {\"SizeBytes\": [\"42\"]}}"));
}

static void string_operators_match(void **state) {
  (void)state;
  assert_true(
      matches("{\"dynamodb\": {\"Keys\": {\"pk\": {\"S\": [{\"prefix\": \"channel#\"}]}}}}"));
  assert_false(matches("{\"dynamodb\": {\"Keys\": {\"pk\": {\"S\": [{\"prefix\": \"user#\"}]}}}}"));
  assert_true(
      matches("{\"dynamodb\": {\"Keys\": {\"pk\": {\"S\": [{\"prefix\": {\"equals-ignore-case\": "
              "\"CHANNEL#\"}}]}}}}"));
  assert_true(
      matches("{\"dynamodb\": {\"Keys\": {\"pk\": {\"S\": [{\"suffix\": \"General\"}]}}}}"));
  assert_true(matches("{\"eventName\": [{\"equals-ignore-case\": \"insert\"}]}"));
  assert_true(matches("{\"eventName\": [{\"anything-but\": [\"REMOVE\", \"MODIFY\"]}]}"));
  assert_false(matches("{\"eventName\": [{\"anything-but\": \"INSERT\"}]}"));
  assert_false(matches("{\"eventName\": [{\"anything-but\": {\"prefix\": \"INS\"}}]}"));
  assert_true(matches("{\"dynamodb\": {\"Empty\": [\"\"]}}"));
  assert_true(matches("{\"dynamodb\": {\"Nothing\": [null]}}"));
}

static void numeric_exists_and_arrays_match(void **state) {
  (void)state;
  assert_true(matches("{\"dynamodb\": {\"SizeBytes\": [{\"numeric\": [\">\", 40, \"<=\", 42]}]}}"));
  assert_false(matches("{\"dynamodb\": {\"SizeBytes\": [{\"numeric\": [\"<\", 42]}]}}"));
  /* DynamoDB numbers are strings in the record: numeric does not see them. */
  assert_false(
      matches("{\"dynamodb\": {\"NewImage\": {\"n\": {\"N\": [{\"numeric\": [\">\", 1]}]}}}}"));
  assert_true(matches("{\"dynamodb\": {\"NewImage\": {\"kind\": [{\"exists\": true}]}}}"));
  assert_false(matches("{\"dynamodb\": {\"OldImage\": [{\"exists\": true}]}}"));
  assert_true(matches("{\"dynamodb\": {\"OldImage\": [{\"exists\": false}]}}"));
  assert_true(
      matches("{\"dynamodb\": {\"OldImage\": {\"kind\": {\"S\": [{\"exists\": false}]}}}}"));
  assert_false(matches("{\"dynamodb\": {\"OldImage\": {\"kind\": {\"S\": [\"Message\"]}}}}"));
  /* An array in the record matches when one of its elements does. */
  assert_true(matches("{\"dynamodb\": {\"NewImage\": {\"tags\": {\"SS\": [\"b\"]}}}}"));
  assert_false(matches("{\"dynamodb\": {\"NewImage\": {\"tags\": {\"SS\": [\"c\"]}}}}"));
}

static void any_filter_of_several_may_match(void **state) {
  cJSON *list = cJSON_CreateArray(), *r = cJSON_Parse(RECORD);
  char err[256];

  (void)state;
  assert_true(emu_event_filter_match_any(list, r)); /* no filters: everything */
  cJSON_AddItemToArray(list, emu_event_filter_parse("{\"eventName\": [\"REMOVE\"]}", err, 256));
  assert_false(emu_event_filter_match_any(list, r));
  cJSON_AddItemToArray(list, emu_event_filter_parse("{\"eventName\": [\"INSERT\"]}", err, 256));
  assert_true(emu_event_filter_match_any(list, r));
  cJSON_Delete(list);
  cJSON_Delete(r);
}

static void bad_patterns_are_refused_with_a_reason(void **state) {
  static const char *const bad[][2] = {
      {"[1]", "non-empty JSON object"},
      {"{}", "non-empty JSON object"},
      {"{\"eventName\": \"INSERT\"}", "expected an array"},
      {"{\"eventName\": []}", "expected an array"},
      {"{\"eventName\": [{\"regex\": \"x\"}]}", "unknown operator"},
      {"{\"eventName\": [{\"prefix\": 1}]}", "expects a string"},
      {"{\"n\": [{\"numeric\": [\"!=\", 1]}]}", "operator"},
      {"{\"n\": [{\"numeric\": [\">\"]}]}", "numeric"},
      {"{\"n\": [{\"exists\": 1}]}", "true or false"},
      {"{\"n\": [{\"anything-but\": {\"wildcard\": \"x\"}}]}", "anything-but"},
      {"{\"n\": [[1]]}", "one operator"},
      {"{\"eventName\": ", "not valid JSON"},
  };
  char err[256];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cJSON *p = emu_event_filter_parse(bad[i][0], err, sizeof(err));
    if (p || !strstr(err, bad[i][1])) {
      print_error("pattern %s: got \"%s\", expected \"%s\"\n", bad[i][0], p ? "(accepted)" : err,
                  bad[i][1]);
      cJSON_Delete(p);
      fail();
    }
  }
}

static void deep_and_long_patterns_are_refused(void **state) {
  char text[EMU_EVENT_FILTER_MAX_PATTERN + 64], err[256];
  size_t used = 0;
  int i;

  (void)state;
  for (i = 0; i < EMU_EVENT_FILTER_MAX_DEPTH + 2; i++)
    used += (size_t)snprintf(text + used, sizeof(text) - used, "{\"a\":");
  used += (size_t)snprintf(text + used, sizeof(text) - used, "[1]");
  for (i = 0; i < EMU_EVENT_FILTER_MAX_DEPTH + 2; i++)
    text[used++] = '}';
  text[used] = '\0';
  assert_null(emu_event_filter_parse(text, err, sizeof(err)));
  assert_non_null(strstr(err, "deeper"));
  memset(text, ' ', EMU_EVENT_FILTER_MAX_PATTERN + 1);
  text[EMU_EVENT_FILTER_MAX_PATTERN + 1] = '\0';
  assert_null(emu_event_filter_parse(text, err, sizeof(err)));
  assert_non_null(strstr(err, "at most"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(exact_values_and_nested_objects_match),
      cmocka_unit_test(string_operators_match),
      cmocka_unit_test(numeric_exists_and_arrays_match),
      cmocka_unit_test(any_filter_of_several_may_match),
      cmocka_unit_test(bad_patterns_are_refused_with_a_reason),
      cmocka_unit_test(deep_and_long_patterns_are_refused),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
