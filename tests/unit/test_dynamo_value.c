/*
 * test_dynamo_value.c - unit tests for emulator/dynamo/dynamo_value.c: which
 * AttributeValues DynamoDB accepts, the exact error it returns for the rest
 * (and which error wins), in-place normalisation, nesting limits, equality,
 * ordering and item size.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_value.h"

#define INVALID "One or more parameter values were invalid: "
#define EMPTY \
  "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
#define NESTING                                                                        \
  "Nesting Levels have exceeded supported limits: Attributes in the item have nested " \
  "levels beyond supported limit"
#define NOT_NUMERIC "The parameter cannot be converted to a numeric value: "

enum expect { OK, VAL, SER };

struct value_case {
  const char *in;
  enum expect kind;
  const char *want; /* normalised JSON when OK, else the exact message */
  const char *reason;
};

static cJSON *parse(const char *json) {
  cJSON *v = cJSON_Parse(json);

  if (!v) {
    print_error("test JSON does not parse: %s\n", json);
    fail();
  }
  return v;
}

/* Runs one case through validate (or validate_map) and checks the outcome. */
static void check_case(const struct value_case *c, int as_map) {
  struct dynamo_error err;
  cJSON *v = parse(c->in);
  int rc;

  dynamo_error_init(&err);
  rc = as_map ? dynamo_value_validate_map(v, &err) : dynamo_value_validate(v, 1, &err);
  if (c->kind == OK) {
    char *out = cJSON_PrintUnformatted(v);

    if (rc != 0 || strcmp(out, c->want) != 0) {
      print_error("%s: rc %d, message \"%s\", tree %s; want %s (%s)\n", c->in, rc, err.message, out,
                  c->want, c->reason);
      free(out);
      fail();
    }
    free(out);
  } else {
    enum dynamo_error_code code = c->kind == VAL ? DYNAMO_ERR_VALIDATION : DYNAMO_ERR_SERIALIZATION;

    if (rc != -1 || err.code != code || strcmp(err.message, c->want) != 0) {
      print_error("%s: rc %d, %s \"%s\"; want %s \"%s\" (%s)\n", c->in, rc,
                  dynamo_error_name(err.code), err.message, dynamo_error_name(code), c->want,
                  c->reason);
      fail();
    }
  }
  dynamo_error_clear(&err);
  cJSON_Delete(v);
}

static void run_cases(const struct value_case *cases, size_t n, int as_map) {
  size_t i;

  for (i = 0; i < n; i++)
    check_case(&cases[i], as_map);
}

static void validate_accepts_every_datatype_and_normalises_in_place(void **state) {
  static const struct value_case cases[] = {
      {"{\"S\":\"x\"}", OK, "{\"S\":\"x\"}", "string"},
      {"{\"S\":\"\"}", OK, "{\"S\":\"\"}", "empty string is legal outside keys"},
      {"{\"N\":\"1e3\"}", OK, "{\"N\":\"1000\"}", "number normalised in place"},
      {"{\"N\":\"-0\"}", OK, "{\"N\":\"0\"}", "negative zero"},
      {"{\"N\":\"1e125\"}", OK,
       "{\"N\":\"100000000000000000000000000000000000000000000000000000000000000000000000000000"
       "000000000000000000000000000000000000000000000000\"}",
       "normalised text longer than the input"},
      {"{\"B\":\"Yg==\"}", OK, "{\"B\":\"Yg==\"}", "binary"},
      {"{\"B\":\"\"}", OK, "{\"B\":\"\"}", "empty binary is legal outside keys"},
      {"{\"BOOL\":true}", OK, "{\"BOOL\":true}", "true"},
      {"{\"BOOL\":false}", OK, "{\"BOOL\":false}", "false"},
      {"{\"NULL\":true}", OK, "{\"NULL\":true}", "null"},
      {"{\"M\":{}}", OK, "{\"M\":{}}", "empty map is legal"},
      {"{\"L\":[]}", OK, "{\"L\":[]}", "empty list is legal"},
      {"{\"SS\":[\"a\",\"b\"]}", OK, "{\"SS\":[\"a\",\"b\"]}", "string set"},
      {"{\"SS\":[\"\"]}", OK, "{\"SS\":[\"\"]}", "empty string member (dynalite putItem)"},
      {"{\"NS\":[\"1.0\",\"02\"]}", OK, "{\"NS\":[\"1\",\"2\"]}", "number set normalised"},
      {"{\"BS\":[\"Yg==\",\"Yw==\"]}", OK, "{\"BS\":[\"Yg==\",\"Yw==\"]}", "binary set"},
      {"{\"BS\":[\"\"]}", OK, "{\"BS\":[\"\"]}", "empty binary member (dynalite putItem)"},
      {"{\"M\":{\"a\":{\"N\":\".5\"},\"b\":{\"L\":[{\"NS\":[\"1e1\"]}]}}}", OK,
       "{\"M\":{\"a\":{\"N\":\"0.5\"},\"b\":{\"L\":[{\"NS\":[\"10\"]}]}}}",
       "numbers normalised at every depth"},
      {"{\"S\":\"a\",\"X\":1}", OK, "{\"S\":\"a\"}", "unknown member ignored and removed"},
      {"{\"S\":null,\"N\":\"5\"}", OK, "{\"N\":\"5\"}", "null member counts as absent"},
      {"{\"x\":\"1\",\"BOOL\":true}", OK, "{\"BOOL\":true}", "tags are case-sensitive"},
  };

  (void)state;
  run_cases(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static void validate_reports_dynamodb_validation_messages(void **state) {
  static const struct value_case cases[] = {
      {"{}", VAL, EMPTY, "SPEC 2.4 empty AttributeValue"},
      {"{\"X\":\"1\"}", VAL, EMPTY, "unknown type tag only (dynalite {a: ''})"},
      {"{\"s\":\"1\"}", VAL, EMPTY, "lower-case tag is unknown"},
      {"{\"S\":null}", VAL, EMPTY, "null member is absent"},
      {"{\"S\":\"a\",\"N\":\"1\"}", VAL,
       "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
       "the supported datatypes",
       "two datatypes"},
      {"{\"S\":\"\",\"N\":\"\"}", VAL, NOT_NUMERIC, "number checked before the count"},
      {"{\"S\":\"a\",\"N\":\"b\"}", VAL, NOT_NUMERIC "b", "bad number beats two datatypes"},
      {"{\"NULL\":false}", VAL, INVALID "Null attribute value types must have the value of true",
       "SPEC 2.4"},
      {"{\"SS\":[]}", VAL, INVALID "An string set  may not be empty", "two spaces"},
      {"{\"NS\":[]}", VAL, INVALID "An number set  may not be empty", "two spaces"},
      {"{\"BS\":[]}", VAL, INVALID "Binary sets should not be empty", "binary wording"},
      {"{\"SS\":[\"a\",\"a\"]}", VAL, INVALID "Input collection [a, a] contains duplicates.",
       "SPEC 2.4 duplicates"},
      {"{\"SS\":[\"b\",\"a\",\"b\"]}", VAL,
       INVALID "Input collection [b, a, b] contains duplicates.", "members as sent"},
      {"{\"SS\":[\"\",\"\"]}", VAL, INVALID "Input collection [, ] contains duplicates.",
       "empty members repeat"},
      {"{\"BS\":[\"Yg==\",\"Yg==\"]}", VAL,
       INVALID "Input collection [Yg==, Yg==]of type BS contains duplicates.",
       "dynalite putItem: no space before 'of'"},
      {"{\"NS\":[\"1\",\"1\"]}", VAL, "Input collection contains duplicates",
       "dynalite putItem: NS duplicate is bare"},
      {"{\"NS\":[\"1\",\"1.0\"]}", VAL, "Input collection contains duplicates",
       "duplicates by numeric value"},
      {"{\"NS\":[\"1\",\"b\"]}", VAL, NOT_NUMERIC "b", "bad member"},
      {"{\"NS\":[\"1\",\"\"]}", VAL, NOT_NUMERIC, "empty member"},
      {"{\"NS\":[\"1\",null]}", VAL, NOT_NUMERIC, "null member"},
      {"{\"SS\":[\"a\",null]}", VAL, "The supplied Item contains a null AttributeValue",
       "null string member"},
      {"{\"N\":\"dog\"}", VAL, NOT_NUMERIC "dog", "SPEC 2.5 rejected spelling"},
      {"{\"N\":\" 1\"}", VAL, NOT_NUMERIC " 1", "leading space echoed"},
      {"{\"N\":\"1e126\"}", VAL,
       "Number overflow. Attempting to store a number with magnitude larger than supported "
       "range",
       "too large"},
      {"{\"N\":\"-1e-131\"}", VAL,
       "Number underflow. Attempting to store a number with magnitude smaller than supported "
       "range",
       "too small"},
      {"{\"N\":\"123456789012345678901234567890123456789\"}", VAL,
       "Attempting to store more than 38 significant digits in a Number", "39 digits"},
      {"{\"M\":{\"a\":{}}}", VAL, EMPTY, "empty value inside a map"},
      {"{\"L\":[{}]}", VAL, EMPTY, "empty value inside a list"},
      {"{\"L\":[{\"a\":{}}]}", VAL, EMPTY, "unknown tag inside a list"},
      {"{\"L\":[null]}", VAL, "The supplied Item contains a null AttributeValue",
       "null list element"},
      {"{\"M\":{\"a\":null}}", VAL, "The supplied Item contains a null AttributeValue",
       "null map value"},
      {"{\"M\":{\"a\":{\"N\":\"x\"}}}", VAL, NOT_NUMERIC "x", "nested bad number"},
      {"{\"L\":[{\"N\":\"1\"},{\"NULL\":false},{\"N\":\"y\"}]}", VAL,
       INVALID "Null attribute value types must have the value of true",
       "first error in document order wins"},
  };

  (void)state;
  run_cases(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static void validate_reports_wrong_json_types_as_serialization_errors(void **state) {
  static const struct value_case cases[] = {
      {"{\"N\":123}", SER, "NUMBER_VALUE cannot be converted to String", "number as number"},
      {"{\"S\":5}", SER, "NUMBER_VALUE cannot be converted to String", "integer string"},
      {"{\"S\":34.56}", SER, "DECIMAL_VALUE cannot be converted to String", "decimal"},
      {"{\"S\":true}", SER, "TRUE_VALUE cannot be converted to String", "true"},
      {"{\"S\":false}", SER, "FALSE_VALUE cannot be converted to String", "false"},
      {"{\"S\":[]}", SER, "Unrecognized collection type class java.lang.String", "list"},
      {"{\"N\":{}}", SER, "Start of structure or map found where not expected", "object"},
      {"{\"BOOL\":\"true\"}", SER, "Unexpected token received from parser", "string bool"},
      {"{\"BOOL\":23}", SER, "NUMBER_VALUE cannot be converted to Boolean", "number bool"},
      {"{\"NULL\":34.56}", SER, "DECIMAL_VALUE cannot be converted to Boolean", "decimal"},
      {"{\"NULL\":[]}", SER, "Unrecognized collection type class java.lang.Boolean", "list"},
      {"{\"BOOL\":{}}", SER, "Start of structure or map found where not expected", "object"},
      {"{\"B\":true}", SER, "only base-64-encoded strings are convertible to bytes", "bool"},
      {"{\"B\":23}", SER, "only base-64-encoded strings are convertible to bytes", "number"},
      {"{\"B\":[]}", SER, "Unrecognized collection type class java.nio.ByteBuffer", "list"},
      {"{\"B\":{}}", SER, "Start of structure or map found where not expected", "object"},
      {"{\"B\":\"23456\"}", SER,
       "Base64 encoded length is expected a multiple of 4 bytes but found: 5", "bad length"},
      {"{\"B\":\"=+/=\"}", SER, "Invalid last non-pad Base64 character dectected",
       "dynalite helpers.js (sic)"},
      {"{\"B\":\"+/+=\"}", SER, "Invalid last non-pad Base64 character dectected",
       "non-zero pad bits"},
      {"{\"B\":\"Zh==\"}", SER, "Invalid last non-pad Base64 character dectected",
       "non-zero bits before two pads"},
      {"{\"B\":\"Zm9v!m9v\"}", SER, "Invalid Base64 character: '!'", "outside the alphabet"},
      {"{\"B\":\"Zg==Zg==\"}", SER, "Invalid Base64 character: '='", "padding in the middle"},
      {"{\"B\":\"Zm\xc3\xa9\"}", SER, "Invalid Base64 character: '\xc3\xa9'",
       "a multi-byte character is quoted whole"},
      {"{\"L\":{}}", SER, "Start of structure or map found where not expected", "map as list"},
      {"{\"L\":\"x\"}", SER, "Unexpected field type", "string as list"},
      {"{\"SS\":\"a\"}", SER, "Unexpected field type", "string as set"},
      {"{\"NS\":true}", SER, "Unexpected field type", "bool as set"},
      {"{\"SS\":[1]}", SER, "NUMBER_VALUE cannot be converted to String", "number member"},
      {"{\"NS\":[1]}", SER, "NUMBER_VALUE cannot be converted to String", "NS member as number"},
      {"{\"BS\":[1]}", SER, "only base-64-encoded strings are convertible to bytes",
       "number blob member"},
      {"{\"BS\":[\"Yg\"]}", SER,
       "Base64 encoded length is expected a multiple of 4 bytes but found: 2", "short member"},
      {"{\"M\":[]}", SER,
       "Unrecognized collection type java.util.Map<java.lang.String, "
       "com.amazonaws.dynamodb.v20120810.AttributeValue>",
       "list as map"},
      {"{\"M\":1}", SER, "Unexpected field type", "number as map"},
      {"{\"L\":[1]}", SER, "Unexpected value type in payload", "number where a value belongs"},
      {"{\"L\":[\"x\"]}", SER, "Unexpected value type in payload", "string element"},
      {"{\"L\":[[]]}", SER,
       "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
       "list where a value belongs"},
      {"{\"M\":{\"a\":\"x\"}}", SER, "Unexpected value type in payload", "map value scalar"},
      {"\"x\"", SER, "Unexpected value type in payload", "top-level scalar"},
      {"{\"N\":\"dog\",\"S\":5}", SER, "NUMBER_VALUE cannot be converted to String",
       "serialization beats an earlier validation error"},
      {"{\"L\":[{\"N\":\"dog\"},{\"M\":{\"a\":{\"S\":[]}}}]}", SER,
       "Unrecognized collection type class java.lang.String",
       "the whole tree is deserialised before validation"},
      {"{\"X\":5,\"S\":\"a\"}", OK, "{\"S\":\"a\"}", "unknown members are not type-checked"},
  };

  (void)state;
  run_cases(cases, sizeof(cases) / sizeof(cases[0]), 0);
}

static void validate_map_checks_the_map_and_every_member(void **state) {
  static const struct value_case cases[] = {
      {"{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"01.50\"}}", OK,
       "{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1.5\"}}", "members normalised"},
      {"{}", OK, "{}", "empty map"},
      {"[]", SER,
       "Unrecognized collection type java.util.Map<java.lang.String, "
       "com.amazonaws.dynamodb.v20120810.AttributeValue>",
       "list instead of map"},
      {"\"x\"", SER, "Unexpected field type", "string instead of map"},
      {"{\"a\":1}", SER, "Unexpected value type in payload", "member not a value"},
      {"{\"a\":null}", VAL, "The supplied Item contains a null AttributeValue", "null member"},
      {"{\"a\":{}}", VAL, EMPTY, "empty member"},
      {"{\"a\":{\"N\":\"x\"},\"b\":{\"S\":1}}", SER, "NUMBER_VALUE cannot be converted to String",
       "a later member's type error beats an earlier member's value error"},
      {"{\"a\":{\"NULL\":false},\"b\":{\"N\":\"x\"}}", VAL,
       INVALID "Null attribute value types must have the value of true",
       "members validated in order"},
  };

  (void)state;
  run_cases(cases, sizeof(cases) / sizeof(cases[0]), 1);
}

static void validate_map_treats_an_absent_map_as_nothing_to_check(void **state) {
  struct dynamo_error err;
  cJSON *null_json = cJSON_CreateNull();

  (void)state;
  dynamo_error_init(&err);
  assert_int_equal(dynamo_value_validate_map(NULL, &err), 0);
  assert_int_equal(dynamo_value_validate_map(null_json, &err), 0);
  assert_int_equal(err.code, DYNAMO_OK);
  cJSON_Delete(null_json);
}

static void validate_renders_long_duplicate_collections_within_the_message_limit(void **state) {
  struct dynamo_error err;
  cJSON *av = cJSON_CreateObject(), *ss = cJSON_AddArrayToObject(av, "SS");
  char member[64];
  int i;
  size_t len;

  (void)state;
  for (i = 0; i < 200; i++) {
    snprintf(member, sizeof(member), "member-%03d", i);
    cJSON_AddItemToArray(ss, cJSON_CreateString(member));
  }
  cJSON_AddItemToArray(ss, cJSON_CreateString("member-000"));
  dynamo_error_init(&err);
  assert_int_equal(dynamo_value_validate(av, 1, &err), -1);
  len = strlen(err.message);
  assert_true(len < DYNAMO_ERROR_MESSAGE_MAX);
  assert_memory_equal(err.message, INVALID "Input collection [member-000, member-001",
                      strlen(INVALID "Input collection [member-000, member-001"));
  assert_string_equal(err.message + len - strlen("...] contains duplicates."),
                      "...] contains duplicates.");
  cJSON_Delete(av);
}

/* Wraps a leaf in `levels` maps ({"M":{"n": ...}}) or lists ({"L":[...]}),
 * as CONF nestingDepth.test.ts deepMap / deepList do. */
static cJSON *deep_value(int levels, int use_list) {
  cJSON *v = parse("{\"S\":\"leaf\"}");
  int i;

  for (i = 0; i < levels; i++) {
    cJSON *wrap = cJSON_CreateObject();

    if (use_list)
      cJSON_AddItemToArray(cJSON_AddArrayToObject(wrap, "L"), v);
    else
      cJSON_AddItemToObject(cJSON_AddObjectToObject(wrap, "M"), "n", v);
    v = wrap;
  }
  return v;
}

static void validate_accepts_31_wraps_and_refuses_32(void **state) {
  struct dynamo_error err;
  int use_list;

  (void)state;
  for (use_list = 0; use_list <= 1; use_list++) {
    cJSON *ok = deep_value(31, use_list), *bad = deep_value(32, use_list);

    dynamo_error_init(&err);
    assert_int_equal(dynamo_value_validate(ok, 1, &err), 0);
    assert_int_equal(dynamo_value_validate(bad, 1, &err), -1);
    assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
    assert_string_equal(err.message, NESTING);
    cJSON_Delete(ok);
    cJSON_Delete(bad);
  }
}

static void validate_counts_the_depth_it_is_given(void **state) {
  struct dynamo_error err;
  cJSON *leaf = parse("{\"S\":\"x\"}"), *map = parse("{\"M\":{\"a\":{\"S\":\"x\"}}}");
  cJSON *empty = parse("{\"M\":{}}");

  (void)state;
  dynamo_error_init(&err);
  assert_int_equal(dynamo_value_validate(leaf, 32, &err), 0);
  assert_int_equal(dynamo_value_validate(empty, 32, &err), 0);
  assert_int_equal(dynamo_value_validate(map, 31, &err), 0);
  assert_int_equal(dynamo_value_validate(map, 32, &err), -1);
  assert_string_equal(err.message, NESTING);
  dynamo_error_clear(&err);
  assert_int_equal(dynamo_value_validate(leaf, 33, &err), -1);
  assert_string_equal(err.message, NESTING);
  cJSON_Delete(leaf);
  cJSON_Delete(map);
  cJSON_Delete(empty);
}

/* Frees a chain built by build_chain bottom-up, since cJSON_Delete itself
 * recurses once per level. */
struct chain {
  cJSON **values;     /* values[i] is the AttributeValue at level i + 1 */
  cJSON **containers; /* containers[i] holds values[i + 1] */
  int n;
};

static struct chain build_chain(int levels, const char *tag) {
  struct chain c;
  int i;

  c.values = malloc((size_t)levels * sizeof(cJSON *));
  c.containers = malloc((size_t)levels * sizeof(cJSON *));
  assert_non_null(c.values);
  assert_non_null(c.containers);
  c.n = levels;
  for (i = 0; i < levels; i++) {
    c.values[i] = cJSON_CreateObject();
    if (strcmp(tag, "L") == 0)
      c.containers[i] = cJSON_AddArrayToObject(c.values[i], "L");
    else
      c.containers[i] = cJSON_AddObjectToObject(c.values[i], tag);
    if (i > 0) {
      if (strcmp(tag, "L") == 0)
        cJSON_AddItemToArray(c.containers[i - 1], c.values[i]);
      else
        cJSON_AddItemToObject(c.containers[i - 1], "n", c.values[i]);
    }
  }
  return c;
}

static void free_chain(struct chain *c) {
  int i;

  for (i = c->n - 1; i > 0; i--)
    cJSON_Delete(cJSON_DetachItemViaPointer(c->containers[i - 1], c->values[i]));
  cJSON_Delete(c->values[0]);
  free(c->values);
  free(c->containers);
}

static void validate_survives_a_200000_level_tree(void **state) {
  static const char *const tags[] = {"M", "L"};
  struct dynamo_error err;
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
    struct chain c = build_chain(200000, tags[i]);
    cJSON *item = cJSON_CreateObject();

    dynamo_error_init(&err);
    assert_int_equal(dynamo_value_validate(c.values[0], 1, &err), -1);
    assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
    assert_string_equal(err.message, NESTING);
    assert_true(dynamo_value_size(c.values[0]) == SIZE_MAX);
    assert_false(dynamo_value_equal(c.values[0], c.values[0]));
    /* Through an item map as well. */
    cJSON_AddItemToObject(item, "deep", c.values[0]);
    dynamo_error_clear(&err);
    assert_int_equal(dynamo_value_validate_map(item, &err), -1);
    assert_string_equal(err.message, NESTING);
    cJSON_DetachItemViaPointer(item, c.values[0]);
    cJSON_Delete(item);
    free_chain(&c);
  }
}

static void validate_strips_a_deep_unknown_member_without_recursing(void **state) {
  /* Alternator test_manual_requests.py::test_deeply_nested_put sends
   * {"":{"":...}} 200,000 levels deep: an unknown tag, never descended into,
   * and removed with an iterative delete. */
  struct chain c = build_chain(200000, "");
  struct dynamo_error err;

  (void)state;
  dynamo_error_init(&err);
  assert_int_equal(dynamo_value_size(c.values[0]), 0);
  assert_int_equal(dynamo_value_validate(c.values[0], 1, &err), -1);
  assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
  assert_string_equal(err.message, EMPTY);
  assert_null(c.values[0]->child);
  cJSON_Delete(c.values[0]);
  free(c.values);
  free(c.containers);
}

static void type_reports_the_tag_and_inner_node(void **state) {
  static const struct {
    const char *json;
    enum dynamo_type want;
    const char *reason;
  } cases[] = {
      {"{\"S\":\"x\"}", DYNAMO_T_S, "string"},
      {"{\"N\":\"1\"}", DYNAMO_T_N, "number"},
      {"{\"B\":\"\"}", DYNAMO_T_B, "binary"},
      {"{\"BOOL\":false}", DYNAMO_T_BOOL, "bool"},
      {"{\"NULL\":true}", DYNAMO_T_NULL, "null"},
      {"{\"M\":{}}", DYNAMO_T_M, "map"},
      {"{\"L\":[]}", DYNAMO_T_L, "list"},
      {"{\"SS\":[\"a\"]}", DYNAMO_T_SS, "string set"},
      {"{\"NS\":[\"1\"]}", DYNAMO_T_NS, "number set"},
      {"{\"BS\":[\"\"]}", DYNAMO_T_BS, "binary set"},
      {"{\"S\":\"x\",\"X\":1}", DYNAMO_T_S, "unknown member ignored"},
      {"{}", DYNAMO_T_INVALID, "empty"},
      {"{\"S\":\"x\",\"N\":\"1\"}", DYNAMO_T_INVALID, "two types"},
      {"{\"S\":1}", DYNAMO_T_INVALID, "wrong inner JSON type"},
      {"{\"NULL\":false}", DYNAMO_T_INVALID, "NULL must be true"},
      {"[]", DYNAMO_T_INVALID, "not an object"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *v = parse(cases[i].json);
    const cJSON *inner = (const cJSON *)v;
    enum dynamo_type t = dynamo_value_type(v, &inner);

    if (t != cases[i].want) {
      print_error("%s -> %d, want %d (%s)\n", cases[i].json, (int)t, (int)cases[i].want,
                  cases[i].reason);
      fail();
    }
    if (t == DYNAMO_T_INVALID) {
      assert_null(inner);
    } else {
      assert_string_equal(inner->string, dynamo_type_tag(t));
    }
    cJSON_Delete(v);
  }
  assert_int_equal(dynamo_value_type(NULL, NULL), DYNAMO_T_INVALID);
}

static void type_tags_round_trip(void **state) {
  static const char *const tags[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
    assert_string_equal(dynamo_type_tag(dynamo_type_from_tag(tags[i])), tags[i]);
  assert_int_equal(dynamo_type_from_tag("s"), DYNAMO_T_INVALID);
  assert_int_equal(dynamo_type_from_tag("STRING"), DYNAMO_T_INVALID);
  assert_int_equal(dynamo_type_from_tag(NULL), DYNAMO_T_INVALID);
  assert_string_equal(dynamo_type_tag(DYNAMO_T_INVALID), "");
}

static void equal_follows_dynamodb_equality(void **state) {
  static const struct {
    const char *a, *b;
    int want;
    const char *reason;
  } cases[] = {
      {"{\"S\":\"a\"}", "{\"S\":\"a\"}", 1, "same string"},
      {"{\"S\":\"a\"}", "{\"S\":\"A\"}", 0, "case matters"},
      {"{\"N\":\"1\"}", "{\"N\":\"1.0\"}", 1, "numbers by value"},
      {"{\"N\":\"-0\"}", "{\"N\":\"0\"}", 1, "signed zero"},
      {"{\"N\":\"1\"}", "{\"S\":\"1\"}", 0, "types differ"},
      {"{\"B\":\"Yg==\"}", "{\"B\":\"Yg==\"}", 1, "same bytes"},
      {"{\"B\":\"Yg==\"}", "{\"B\":\"Yw==\"}", 0, "different bytes"},
      {"{\"BOOL\":true}", "{\"BOOL\":true}", 1, "bools"},
      {"{\"BOOL\":true}", "{\"BOOL\":false}", 0, "true is not false"},
      {"{\"NULL\":true}", "{\"NULL\":true}", 1, "nulls"},
      {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"b\",\"a\"]}", 1, "sets are unordered"},
      {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\"]}", 0, "different sizes"},
      {"{\"SS\":[\"a\",\"b\"]}", "{\"SS\":[\"a\",\"c\"]}", 0, "different members"},
      {"{\"NS\":[\"1\",\"2.50\"]}", "{\"NS\":[\"2.5\",\"1e0\"]}", 1, "number sets by value"},
      {"{\"BS\":[\"Yg==\",\"AA==\"]}", "{\"BS\":[\"AA==\",\"Yg==\"]}", 1, "binary sets"},
      {"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", 1,
       "lists"},
      {"{\"L\":[{\"S\":\"a\"},{\"N\":\"1\"}]}", "{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"}]}", 0,
       "list order matters"},
      {"{\"L\":[]}", "{\"M\":{}}", 0, "empty list is not empty map"},
      {"{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}}",
       "{\"M\":{\"b\":{\"S\":\"x\"},\"a\":{\"N\":\"1.00\"}}}", 1, "map order does not matter"},
      {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"A\":{\"N\":\"1\"}}}", 0,
       "map keys are case-sensitive"},
      {"{\"M\":{\"a\":{\"N\":\"1\"}}}", "{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"N\":\"1\"}}}", 0,
       "extra key"},
      {"{}", "{}", 0, "invalid values are never equal"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *a = parse(cases[i].a), *b = parse(cases[i].b);
    int got = dynamo_value_equal(a, b), back = dynamo_value_equal(b, a);

    if (got != cases[i].want || back != cases[i].want) {
      print_error("equal(%s, %s) = %d/%d, want %d (%s)\n", cases[i].a, cases[i].b, got, back,
                  cases[i].want, cases[i].reason);
      fail();
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
  }
}

static void compare_orders_strings_numbers_and_binary_like_dynamodb(void **state) {
  static const struct {
    const char *a, *b;
    int comparable, want;
    const char *reason;
  } cases[] = {
      {"{\"S\":\"a\"}", "{\"S\":\"b\"}", 1, -1, "strings by bytes"},
      {"{\"S\":\"Z\"}", "{\"S\":\"a\"}", 1, -1, "upper case sorts first"},
      {"{\"S\":\"z\"}", "{\"S\":\"\xc3\xa9\"}", 1, -1, "UTF-8 bytes are unsigned"},
      {"{\"S\":\"ab\"}", "{\"S\":\"a\"}", 1, 1, "prefix sorts first"},
      {"{\"S\":\"\"}", "{\"S\":\"\"}", 1, 0, "equal empty strings"},
      {"{\"N\":\"10\"}", "{\"N\":\"9\"}", 1, 1, "numbers numerically"},
      {"{\"N\":\"-10\"}", "{\"N\":\"-9\"}", 1, -1, "negative numbers"},
      {"{\"N\":\"1.0\"}", "{\"N\":\"1\"}", 1, 0, "equal by value"},
      {"{\"B\":\"/w==\"}", "{\"B\":\"AA==\"}", 1, 1, "0xFF after 0x00: unsigned"},
      {"{\"B\":\"AA==\"}", "{\"B\":\"AAA=\"}", 1, -1, "shorter prefix first"},
      {"{\"B\":\"\"}", "{\"B\":\"AA==\"}", 1, -1, "empty binary first"},
      {"{\"S\":\"1\"}", "{\"N\":\"1\"}", 0, 0, "types differ"},
      {"{\"BOOL\":true}", "{\"BOOL\":false}", 0, 0, "bools are not ordered"},
      {"{\"SS\":[\"a\"]}", "{\"SS\":[\"a\"]}", 0, 0, "sets are not ordered"},
      {"{\"M\":{}}", "{\"M\":{}}", 0, 0, "maps are not ordered"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *a = parse(cases[i].a), *b = parse(cases[i].b);
    int comparable = -1, got = dynamo_value_compare(a, b, &comparable);

    got = got < 0 ? -1 : got > 0;
    if (comparable != cases[i].comparable || got != cases[i].want) {
      print_error("compare(%s, %s) = %d (comparable %d), want %d (%d) (%s)\n", cases[i].a,
                  cases[i].b, got, comparable, cases[i].want, cases[i].comparable, cases[i].reason);
      fail();
    }
    if (comparable) {
      int back = dynamo_value_compare(b, a, NULL);

      assert_int_equal(back < 0 ? -1 : back > 0, -cases[i].want);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
  }
}

static void size_of_numbers_matches_the_captured_byte_costs(void **state) {
  /* CONF src/item-size.ts CAPTURED_NUMBER_BYTES, measured against DynamoDB
   * (eu-west-2, 2026-08-18). */
  static const struct {
    const char *n;
    size_t bytes;
    const char *why;
  } cases[] = {
      {"0", 1, "zero"},
      {"1", 2, ""},
      {"12", 2, "two digits cost what one does"},
      {"123", 3, ""},
      {"1234", 3, "odd counts round up"},
      {"12345678901234567890123456789012345678", 20, "38 digits"},
      {"0042", 2, "leading zeros trimmed"},
      {"100", 2, "trailing zeros trimmed"},
      {"1010", 3, "interior zero is significant"},
      {"0.0000001", 2, "fraction's leading zeros"},
      {"1E125", 2, "exponent not counted"},
      {"1E-100", 2, "nor a negative one"},
      {"1.5", 3, "straddles the point"},
      {"15", 2, "no straddle"},
      {"1.2", 3, ""},
      {"1.200", 3, "fraction's trailing zeros"},
      {"1.234", 4, ""},
      {"3.14159", 5, "the documented rule predicts 4"},
      {"123456", 4, "same digit count without a straddle"},
      {"100.5", 4, "integer trailing zeros count once a fraction follows"},
      {"0.15", 2, "no integer digits"},
      {"-42", 3, "sign byte"},
      {"-0", 1, "zero is never negative"},
  };
  char json[128];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *v;
    size_t got;

    snprintf(json, sizeof(json), "{\"N\":\"%s\"}", cases[i].n);
    v = parse(json);
    got = dynamo_value_size(v);
    if (got != cases[i].bytes) {
      print_error("size(%s) = %zu, want %zu (%s)\n", cases[i].n, got, cases[i].bytes, cases[i].why);
      fail();
    }
    cJSON_Delete(v);
  }
}

static void size_follows_the_item_size_rules(void **state) {
  static const struct {
    const char *json;
    size_t bytes;
    const char *reason;
  } cases[] = {
      {"{\"S\":\"abc\"}", 3, "string bytes"},
      {"{\"S\":\"\xc3\xa9\"}", 2, "UTF-8 bytes, not characters"},
      {"{\"S\":\"\"}", 0, "empty string"},
      {"{\"B\":\"Zm9vYg==\"}", 4, "decoded bytes, not base64 text"},
      {"{\"B\":\"\"}", 0, "empty binary"},
      {"{\"BOOL\":false}", 1, "boolean"},
      {"{\"NULL\":true}", 1, "null"},
      {"{\"SS\":[\"ab\",\"c\"]}", 3, "string set sums members"},
      {"{\"NS\":[\"1\",\"-42\"]}", 5, "number set sums members"},
      {"{\"BS\":[\"Zg==\",\"Zm8=\"]}", 3, "binary set sums decoded members"},
      {"{\"L\":[]}", 3, "empty list overhead"},
      {"{\"M\":{}}", 3, "empty map overhead"},
      {"{\"L\":[{\"S\":\"xy\"},{\"NULL\":true}]}", 3 + 1 + 2 + 1 + 1, "1 byte per element"},
      {"{\"M\":{\"ab\":{\"S\":\"x\"}}}", 3 + 1 + 2 + 1, "map elements count their names"},
      {"{\"M\":{\"a\":{\"L\":[{\"N\":\"1\"}]}}}", 3 + 1 + 1 + (3 + 1 + 2), "nested"},
      {"{}", 0, "not a value"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *v = parse(cases[i].json);
    size_t got = dynamo_value_size(v);

    if (got != cases[i].bytes) {
      print_error("size(%s) = %zu, want %zu (%s)\n", cases[i].json, got, cases[i].bytes,
                  cases[i].reason);
      fail();
    }
    cJSON_Delete(v);
  }
}

static void item_size_adds_attribute_name_bytes(void **state) {
  cJSON *item = parse("{\"id\":{\"S\":\"abc\"},\"n\":{\"N\":\"12345\"},\"flag\":{\"BOOL\":true},"
                      "\"l\":{\"L\":[{\"S\":\"xy\"}]},\"\xc3\xa9\":{\"S\":\"\"}}");

  (void)state;
  /* (2+3) + (1+4) + (4+1) + (1+3+1+2) + (2+0) */
  assert_int_equal(dynamo_item_size(item), 5 + 5 + 5 + 7 + 2);
  assert_int_equal(dynamo_item_size(NULL), 0);
  cJSON_Delete(item);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(validate_accepts_every_datatype_and_normalises_in_place),
      cmocka_unit_test(validate_reports_dynamodb_validation_messages),
      cmocka_unit_test(validate_reports_wrong_json_types_as_serialization_errors),
      cmocka_unit_test(validate_map_checks_the_map_and_every_member),
      cmocka_unit_test(validate_map_treats_an_absent_map_as_nothing_to_check),
      cmocka_unit_test(validate_renders_long_duplicate_collections_within_the_message_limit),
      cmocka_unit_test(validate_accepts_31_wraps_and_refuses_32),
      cmocka_unit_test(validate_counts_the_depth_it_is_given),
      cmocka_unit_test(validate_survives_a_200000_level_tree),
      cmocka_unit_test(validate_strips_a_deep_unknown_member_without_recursing),
      cmocka_unit_test(type_reports_the_tag_and_inner_node),
      cmocka_unit_test(type_tags_round_trip),
      cmocka_unit_test(equal_follows_dynamodb_equality),
      cmocka_unit_test(compare_orders_strings_numbers_and_binary_like_dynamodb),
      cmocka_unit_test(size_of_numbers_matches_the_captured_byte_costs),
      cmocka_unit_test(size_follows_the_item_size_rules),
      cmocka_unit_test(item_size_adds_attribute_name_bytes),
  };

  return cmocka_run_group_tests_name("dynamo_value", tests, NULL, NULL);
}
