/*
 * test_emu_yaml.c - unit tests for emulator/base/emu_yaml.c: mappings,
 * sequences and typed plain scalars; CloudFormation short-form tags in their
 * long form; anchors, aliases and merge keys; the bounds (depth, an alias
 * bomb); errors as one FILE:LINE:COL line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_yaml.h"

/* Parses text and compares the tree's unformatted JSON with want. */
static void expect_json(const char *text, const char *want) {
  char err[256] = "";
  cJSON *root = emu_yaml_parse(text, strlen(text), "t.yml", err, sizeof(err));
  char *got;

  if (!root)
    fail_msg("%s", err);
  got = cJSON_PrintUnformatted(root);
  assert_string_equal(got, want);
  free(got);
  cJSON_Delete(root);
}

static void expect_error(const char *text, const char *want) {
  char err[256] = "";
  cJSON *root = emu_yaml_parse(text, strlen(text), "t.yml", err, sizeof(err));

  assert_null(root);
  if (!strstr(err, want))
    fail_msg("error \"%s\" lacks \"%s\"", err, want);
  assert_null(strchr(err, '\n'));
}

static void mappings_sequences_and_plain_scalars_become_json(void **state) {
  (void)state;
  expect_json("a: 1\nb: [x, 'y', \"2\"]\nc: true\nd: ~\ne: 1.5\nf: nodejs18.x\ng:\n",
              "{\"a\":1,\"b\":[\"x\",\"y\",\"2\"],\"c\":true,\"d\":null,\"e\":1.5,"
              "\"f\":\"nodejs18.x\",\"g\":null}");
  expect_json("- a: 1\n  b: 2\n- c\n", "[{\"a\":1,\"b\":2},\"c\"]");
  expect_json("", "{}");
  expect_json("# only a comment\n", "{}");
}

static void quoted_and_tagged_strings_stay_strings(void **state) {
  (void)state;
  expect_json("a: '1'\nb: !!str 2\nc: \"true\"\n", "{\"a\":\"1\",\"b\":\"2\",\"c\":\"true\"}");
}

static void cloudformation_short_forms_become_the_long_form(void **state) {
  (void)state;
  expect_json("t: !Ref ChatTable\n", "{\"t\":{\"Ref\":\"ChatTable\"}}");
  expect_json("a: !GetAtt ChatTable.Arn\n", "{\"a\":{\"Fn::GetAtt\":[\"ChatTable\",\"Arn\"]}}");
  expect_json("a: !GetAtt [ChatTable, Arn]\n", "{\"a\":{\"Fn::GetAtt\":[\"ChatTable\",\"Arn\"]}}");
  expect_json("s: !Sub 'arn:aws:dynamodb:${AWS::Region}:*:table/x'\n",
              "{\"s\":{\"Fn::Sub\":\"arn:aws:dynamodb:${AWS::Region}:*:table/x\"}}");
  expect_json("j: !Join ['', [a, !Ref B]]\n",
              "{\"j\":{\"Fn::Join\":[\"\",[\"a\",{\"Ref\":\"B\"}]]}}");
  expect_json("c: !Condition IsProd\n", "{\"c\":{\"Condition\":\"IsProd\"}}");
}

static void anchors_aliases_and_merge_keys_are_resolved(void **state) {
  (void)state;
  expect_json("base: &b {timeout: 6, memory: 128}\nf:\n  <<: *b\n  timeout: 10\nr: *b\n",
              "{\"base\":{\"timeout\":6,\"memory\":128},\"f\":{\"timeout\":10,\"memory\":128},"
              "\"r\":{\"timeout\":6,\"memory\":128}}");
  expect_json("a: &x 1\nb: *x\na: 2\nc: *x\n", "{\"a\":2,\"b\":1,\"c\":1}");
  expect_error("a: *nothing\n", "t.yml:1:4: an alias names no anchor");
}

static void an_alias_bomb_is_refused_by_the_node_bound(void **state) {
  char text[1024];
  size_t n = 0;
  int i;

  (void)state;
  n += (size_t)snprintf(text + n, sizeof(text) - n, "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (i = 1; i < 9; i++)
    n += (size_t)snprintf(
        text + n, sizeof(text) - n,
        "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i - 1,
        i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
  expect_error(text, "more nodes than wsgw reads");
}

static void nesting_beyond_the_depth_bound_is_an_error(void **state) {
  char text[EMU_YAML_MAX_DEPTH * 2 + 8];
  size_t i;

  (void)state;
  for (i = 0; i < EMU_YAML_MAX_DEPTH + 2; i++)
    text[i] = '[';
  text[i] = '\0';
  expect_error(text, "nests deeper than wsgw reads");
}

static void syntax_errors_name_the_file_line_and_column(void **state) {
  (void)state;
  expect_error("a: 1\nb: [1, 2\n", "t.yml:3:1: ");
  expect_error("a: 1\n  b: 2\n", "t.yml:2:4: ");
  expect_error("[a]: 1\n", "t.yml:1:1: a mapping key must be a scalar");
}

static void a_missing_file_is_an_error_naming_it(void **state) {
  char err[256];

  (void)state;
  assert_null(emu_yaml_load_file("/nonexistent/serverless.yml", err, sizeof(err)));
  assert_non_null(strstr(err, "/nonexistent/serverless.yml"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(mappings_sequences_and_plain_scalars_become_json),
      cmocka_unit_test(quoted_and_tagged_strings_stay_strings),
      cmocka_unit_test(cloudformation_short_forms_become_the_long_form),
      cmocka_unit_test(anchors_aliases_and_merge_keys_are_resolved),
      cmocka_unit_test(an_alias_bomb_is_refused_by_the_node_bound),
      cmocka_unit_test(nesting_beyond_the_depth_bound_is_an_error),
      cmocka_unit_test(syntax_errors_name_the_file_line_and_column),
      cmocka_unit_test(a_missing_file_is_an_error_naming_it),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
