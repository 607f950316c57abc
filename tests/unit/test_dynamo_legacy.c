/*
 * test_dynamo_legacy.c - unit tests for emulator/dynamo/dynamo_legacy.c: the
 * translation of DynamoDB's legacy parameters (Expected, ConditionalOperator,
 * ScanFilter, QueryFilter, KeyConditions, AttributesToGet, AttributeUpdates)
 * into expressions.
 *
 * Requests are written as JSON. Each table carries a reason column. The
 * first table pins the generated text and placeholder maps (whole request
 * compared with cJSON_Compare, member order free); the semantic tables then
 * run the translated expressions through the real parser and evaluator
 * (dynamo_expr.h) against sample items; the last table pins every error
 * with its exact message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dynamo_expr.h"
#include "dynamo_legacy.h"

#define PUT DYNAMO_LEGACY_PUT
#define DEL DYNAMO_LEGACY_DELETE
#define UPD DYNAMO_LEGACY_UPDATE
#define GET DYNAMO_LEGACY_GET
#define SCAN DYNAMO_LEGACY_SCAN
#define QUERY DYNAMO_LEGACY_QUERY

#define INV "One or more parameter values were invalid: "

/* ------------------------------------------------------------- helpers */

static cJSON *parse_or_fail(const char *json) {
  cJSON *j = cJSON_Parse(json);

  if (!j)
    fail_msg("bad test JSON: %s", json);
  return j;
}

static void assert_json_equal(const cJSON *got, const char *want_json, const char *reason) {
  cJSON *want = parse_or_fail(want_json);

  if (!cJSON_Compare(got, want, 1)) {
    char *g = cJSON_PrintUnformatted(got);
    print_error("%s\n  got:  %s\n  want: %s\n", reason, g, want_json);
    cJSON_free(g);
    cJSON_Delete(want);
    fail();
  }
  cJSON_Delete(want);
}

/* Translates req_json for op; the test fails when translation fails. */
static cJSON *translate_ok(enum dynamo_legacy_op op, const char *req_json, const char *reason) {
  struct dynamo_error err;
  cJSON *req = parse_or_fail(req_json);

  dynamo_error_init(&err);
  if (dynamo_legacy_translate(req, op, &err) != 0)
    fail_msg("%s: translation failed: %s", reason, err.message);
  dynamo_error_clear(&err);
  return req;
}

static struct dynamo_expr *parse_text(cJSON *req, enum dynamo_expr_kind kind, const char *member,
                                      struct dynamo_expr_env *env, const char *reason) {
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(req, member);
  struct dynamo_error err;
  struct dynamo_expr *e;

  if (!cJSON_IsString(text))
    fail_msg("%s: no %s in the translated request", reason, member);
  dynamo_error_init(&err);
  e = dynamo_expr_parse(kind, text->valuestring, env, &err);
  if (!e)
    fail_msg("%s: %s does not parse: %s (%s)", reason, member, err.message, text->valuestring);
  return e;
}

/* Parses req's expression member of the given kind with the request's
 * placeholders (and its KeyConditionExpression, if any, which shares
 * them), requiring every placeholder to be used. */
static struct dynamo_expr *parse_member(cJSON *req, enum dynamo_expr_kind kind, const char *member,
                                        struct dynamo_expr_env *env, const char *reason) {
  struct dynamo_error err;
  struct dynamo_expr *e, *key = NULL;

  dynamo_error_init(&err);
  dynamo_expr_env_init(env, cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeNames"),
                       cJSON_GetObjectItemCaseSensitive(req, "ExpressionAttributeValues"));
  e = parse_text(req, kind, member, env, reason);
  if (kind != DYNAMO_EXPR_KEY_CONDITION &&
      cJSON_GetObjectItemCaseSensitive(req, "KeyConditionExpression"))
    key = parse_text(req, DYNAMO_EXPR_KEY_CONDITION, "KeyConditionExpression", env, reason);
  if (dynamo_expr_env_check_unused(env, &err) != 0)
    fail_msg("%s: %s", reason, err.message);
  dynamo_expr_free(key);
  return e;
}

/* ------------------------------------------------- generated expressions */

struct shape_case {
  const char *reason;
  enum dynamo_legacy_op op;
  const char *request;
  const char *translated; /* the whole request afterwards */
};

static const struct shape_case shape_cases[] = {
    {"a request without legacy members is left alone", PUT,
     "{\"TableName\":\"t\",\"ConditionExpression\":\"attribute_exists(a)\"}",
     "{\"TableName\":\"t\",\"ConditionExpression\":\"attribute_exists(a)\"}"},
    {"Expected Value is an equality over placeholders", PUT,
     "{\"TableName\":\"t\",\"Expected\":{\"a\":{\"Value\":{\"S\":\"x\"}}}}",
     "{\"TableName\":\"t\",\"ConditionExpression\":\"#lg0 = :lg0\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"x\"}}}"},
    {"Exists false is attribute_not_exists and needs no values map", DEL,
     "{\"Expected\":{\"a\":{\"Exists\":false}}}",
     "{\"ConditionExpression\":\"attribute_not_exists(#lg0)\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\"}}"},
    {"Exists true with a Value is an equality; numbers are normalised", PUT,
     "{\"Expected\":{\"n\":{\"Exists\":true,\"Value\":{\"N\":\"1.50\"}}}}",
     "{\"ConditionExpression\":\"#lg0 = :lg0\",\"ExpressionAttributeNames\":{\"#lg0\":\"n\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"1.5\"}}}"},
    {"several Expected entries are ANDed by default, in request order", PUT,
     "{\"Expected\":{\"a\":{\"Value\":{\"S\":\"x\"}},\"b\":{\"Exists\":false},"
     "\"c\":{\"ComparisonOperator\":\"NOT_NULL\"}}}",
     "{\"ConditionExpression\":\"#lg0 = :lg0 AND attribute_not_exists(#lg1) AND "
     "attribute_exists(#lg2)\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"b\",\"#lg2\":\"c\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"x\"}}}"},
    {"ConditionalOperator OR joins with OR and is removed", PUT,
     "{\"Expected\":{\"a\":{\"ComparisonOperator\":\"NE\",\"AttributeValueList\":[{\"N\":\"1\"}]},"
     "\"b\":{\"ComparisonOperator\":\"NULL\"}},\"ConditionalOperator\":\"OR\"}",
     "{\"ConditionExpression\":\"#lg0 <> :lg0 OR attribute_not_exists(#lg1)\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"b\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"1\"}}}"},
    {"NOT_CONTAINS requires the attribute and is parenthesised under OR", UPD,
     "{\"Expected\":{\"a\":{\"ComparisonOperator\":\"NOT_CONTAINS\",\"AttributeValueList\":"
     "[{\"S\":\"x\"}]},\"b\":{\"ComparisonOperator\":\"CONTAINS\",\"AttributeValueList\":"
     "[{\"S\":\"y\"}]}},\"ConditionalOperator\":\"OR\"}",
     "{\"ConditionExpression\":\"(attribute_exists(#lg0) AND NOT contains(#lg0, :lg0)) OR "
     "contains(#lg1, :lg1)\",\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"b\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"x\"},\":lg1\":{\"S\":\"y\"}}}"},
    {"ComparisonOperator may take its single value from Value", PUT,
     "{\"Expected\":{\"a\":{\"ComparisonOperator\":\"GT\",\"Value\":{\"N\":\"3\"}}}}",
     "{\"ConditionExpression\":\"#lg0 > :lg0\",\"ExpressionAttributeNames\":{\"#lg0\":\"a\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"3\"}}}"},
    {"IN, BETWEEN and BEGINS_WITH become their expression forms", SCAN,
     "{\"ScanFilter\":{\"a\":{\"ComparisonOperator\":\"IN\",\"AttributeValueList\":"
     "[{\"N\":\"1\"},{\"N\":\"2\"}]},\"b\":{\"ComparisonOperator\":\"BETWEEN\","
     "\"AttributeValueList\":[{\"S\":\"a\"},{\"S\":\"m\"}]},\"c\":{\"ComparisonOperator\":"
     "\"BEGINS_WITH\",\"AttributeValueList\":[{\"S\":\"pre\"}]}}}",
     "{\"FilterExpression\":\"#lg0 IN (:lg0, :lg1) AND #lg1 BETWEEN :lg2 AND :lg3 AND "
     "begins_with(#lg2, :lg4)\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"b\",\"#lg2\":\"c\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"1\"},\":lg1\":{\"N\":\"2\"},"
     "\":lg2\":{\"S\":\"a\"},\":lg3\":{\"S\":\"m\"},\":lg4\":{\"S\":\"pre\"}}}"},
    {"reserved words and odd names are safe behind placeholders", SCAN,
     "{\"ScanFilter\":{\"size\":{\"ComparisonOperator\":\"LE\",\"AttributeValueList\":"
     "[{\"N\":\"5\"}]},\"a.b[0]\":{\"ComparisonOperator\":\"NOT_NULL\"}}}",
     "{\"FilterExpression\":\"#lg0 <= :lg0 AND attribute_exists(#lg1)\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"size\",\"#lg1\":\"a.b[0]\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"5\"}}}"},
    {"AttributesToGet becomes a projection of name placeholders", GET,
     "{\"Key\":{\"pk\":{\"S\":\"k\"}},\"AttributesToGet\":[\"a\",\"name\",\"x.y\"]}",
     "{\"Key\":{\"pk\":{\"S\":\"k\"}},\"ProjectionExpression\":\"#lg0, #lg1, #lg2\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"name\",\"#lg2\":\"x.y\"}}"},
    {"AttributeUpdates: PUT is SET, DELETE without Value is REMOVE, with a set DELETE", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"PUT\",\"Value\":{\"S\":\"x\"}},"
     "\"b\":{\"Action\":\"DELETE\"},\"c\":{\"Action\":\"DELETE\",\"Value\":{\"SS\":[\"q\"]}},"
     "\"d\":{\"Value\":{\"BOOL\":true}}}}",
     "{\"UpdateExpression\":\"SET #lg0 = :lg0, #lg3 = :lg2 DELETE #lg2 :lg1 REMOVE #lg1\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"b\",\"#lg2\":\"c\",\"#lg3\":\"d\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"x\"},\":lg1\":{\"SS\":[\"q\"]},"
     "\":lg2\":{\"BOOL\":true}}}"},
    {"ADD of a number or set is ADD; ADD of a list appends through list_append", UPD,
     "{\"AttributeUpdates\":{\"n\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"2\"}},"
     "\"l\":{\"Action\":\"ADD\",\"Value\":{\"L\":[{\"S\":\"z\"}]}}}}",
     "{\"UpdateExpression\":\"SET #lg1 = list_append(if_not_exists(#lg1, :lg1), :lg2) "
     "ADD #lg0 :lg0\",\"ExpressionAttributeNames\":{\"#lg0\":\"n\",\"#lg1\":\"l\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"2\"},\":lg1\":{\"L\":[]},"
     "\":lg2\":{\"L\":[{\"S\":\"z\"}]}}}"},
    {"AttributeUpdates and Expected share one pair of placeholder maps", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Value\":{\"N\":\"1\"}}},"
     "\"Expected\":{\"a\":{\"Value\":{\"N\":\"0\"}}}}",
     "{\"UpdateExpression\":\"SET #lg1 = :lg1\",\"ConditionExpression\":\"#lg0 = :lg0\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"a\",\"#lg1\":\"a\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"N\":\"0\"},\":lg1\":{\"N\":\"1\"}}}"},
    {"KeyConditions are ANDed into a KeyConditionExpression", QUERY,
     "{\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":"
     "[{\"S\":\"h\"}]},\"sk\":{\"ComparisonOperator\":\"BETWEEN\",\"AttributeValueList\":"
     "[{\"N\":\"1\"},{\"N\":\"9\"}]}},\"QueryFilter\":{\"f\":{\"ComparisonOperator\":"
     "\"NOT_NULL\"}},\"AttributesToGet\":[\"f\"]}",
     "{\"KeyConditionExpression\":\"#lg1 = :lg0 AND #lg2 BETWEEN :lg1 AND :lg2\","
     "\"FilterExpression\":\"attribute_exists(#lg0)\",\"ProjectionExpression\":\"#lg3\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"f\",\"#lg1\":\"pk\",\"#lg2\":\"sk\","
     "\"#lg3\":\"f\"},\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"h\"},"
     "\":lg1\":{\"N\":\"1\"},\":lg2\":{\"N\":\"9\"}}}"},
    {"KeyConditions next to a FilterExpression skip the request's own placeholders", QUERY,
     "{\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":"
     "[{\"S\":\"h\"}]}},\"FilterExpression\":\"#lg0 = :lg0\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"f\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"v\"}}}",
     "{\"KeyConditionExpression\":\"#lg1 = :lg1\",\"FilterExpression\":\"#lg0 = :lg0\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"f\",\"#lg1\":\"pk\"},"
     "\"ExpressionAttributeValues\":{\":lg0\":{\"S\":\"v\"},\":lg1\":{\"S\":\"h\"}}}"},
    {"an empty Expected means no condition (Alternator test_update_expected_empty)", PUT,
     "{\"TableName\":\"t\",\"Expected\":{}}", "{\"TableName\":\"t\"}"},
    {"null entries are skipped, as DynamoDB does", SCAN,
     "{\"ScanFilter\":{\"a\":null,\"b\":{\"ComparisonOperator\":\"NULL\"}}}",
     "{\"FilterExpression\":\"attribute_not_exists(#lg0)\","
     "\"ExpressionAttributeNames\":{\"#lg0\":\"b\"}}"},
    {"members of other operations are not touched", GET,
     "{\"Expected\":{\"a\":{\"Exists\":false}},\"ConditionalOperator\":\"OR\"}",
     "{\"Expected\":{\"a\":{\"Exists\":false}},\"ConditionalOperator\":\"OR\"}"},
};

static void translations_generate_the_expected_text_and_placeholders(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(shape_cases) / sizeof(shape_cases[0]); i++) {
    const struct shape_case *c = &shape_cases[i];
    cJSON *req = translate_ok(c->op, c->request, c->reason);

    assert_json_equal(req, c->translated, c->reason);
    cJSON_Delete(req);
  }
}

/* ----------------------------------------------------- condition semantics */

static const char *const ITEM =
    "{\"pk\":{\"S\":\"h\"},\"n\":{\"N\":\"5\"},\"s\":{\"S\":\"hello\"},"
    "\"b\":{\"B\":\"aGkgdGhlcmU=\"},\"flag\":{\"BOOL\":true},\"nul\":{\"NULL\":true},"
    "\"ss\":{\"SS\":[\"red\",\"green\"]},\"ns\":{\"NS\":[\"2\",\"4\",\"7\"]},"
    "\"l\":{\"L\":[{\"N\":\"2\"},{\"S\":\"x\"}]},\"m\":{\"M\":{\"k\":{\"S\":\"v\"}}}}";

struct cond_case {
  const char *reason;
  enum dynamo_legacy_op op;
  const char *request;
  int want; /* against ITEM */
};

#define EXP1(attr, cond) "{\"Expected\":{\"" attr "\":" cond "}}"
#define FLT1(attr, cond) "{\"ScanFilter\":{\"" attr "\":" cond "}}"
#define OPV(op, vals) "{\"ComparisonOperator\":\"" op "\",\"AttributeValueList\":[" vals "]}"

static const struct cond_case cond_cases[] = {
    {"Value equal to the stored number", PUT, EXP1("n", "{\"Value\":{\"N\":\"5.0\"}}"), 1},
    {"Value of another type is simply false", PUT, EXP1("n", "{\"Value\":{\"S\":\"5\"}}"), 0},
    {"Value on an absent attribute is false", PUT, EXP1("zz", "{\"Value\":{\"N\":\"1\"}}"), 0},
    {"Exists false on an absent attribute", PUT, EXP1("zz", "{\"Exists\":false}"), 1},
    {"Exists false on a present attribute", PUT, EXP1("n", "{\"Exists\":false}"), 0},
    {"EQ on a string set ignores order", PUT, EXP1("ss", OPV("EQ", "{\"SS\":[\"green\",\"red\"]}")),
     1},
    {"EQ on a different value", PUT, EXP1("s", OPV("EQ", "{\"S\":\"hell\"}")), 0},
    {"EQ on a BOOL", SCAN, FLT1("flag", OPV("EQ", "{\"BOOL\":true}")), 1},
    {"NE on a different value", PUT, EXP1("n", OPV("NE", "{\"N\":\"6\"}")), 1},
    {"NE on the same value", PUT, EXP1("n", OPV("NE", "{\"N\":\"5\"}")), 0},
    {"NE of another type is not equal", PUT, EXP1("n", OPV("NE", "{\"S\":\"5\"}")), 1},
    {"NE on an absent attribute is true (Alternator test_update_expected_1_ne_true)", PUT,
     EXP1("zz", OPV("NE", "{\"N\":\"1\"}")), 1},
    {"LT on numbers", SCAN, FLT1("n", OPV("LT", "{\"N\":\"6\"}")), 1},
    {"GE on strings", SCAN, FLT1("s", OPV("GE", "{\"S\":\"hello\"}")), 1},
    {"GT across types is false, not an error", SCAN, FLT1("n", OPV("GT", "{\"S\":\"1\"}")), 0},
    {"NOT_NULL on a NULL-typed attribute (it tests existence)", PUT,
     EXP1("nul", "{\"ComparisonOperator\":\"NOT_NULL\"}"), 1},
    {"NOT_NULL on an absent attribute", PUT, EXP1("zz", "{\"ComparisonOperator\":\"NOT_NULL\"}"),
     0},
    {"NULL on an absent attribute", PUT, EXP1("zz", "{\"ComparisonOperator\":\"NULL\"}"), 1},
    {"NULL on a present attribute", PUT, EXP1("s", "{\"ComparisonOperator\":\"NULL\"}"), 0},
    {"CONTAINS a substring", PUT, EXP1("s", OPV("CONTAINS", "{\"S\":\"ell\"}")), 1},
    {"CONTAINS a set member", PUT, EXP1("ns", OPV("CONTAINS", "{\"N\":\"4\"}")), 1},
    {"CONTAINS a list element", PUT, EXP1("l", OPV("CONTAINS", "{\"N\":\"2\"}")), 1},
    {"CONTAINS in binary", PUT, EXP1("b", OPV("CONTAINS", "{\"B\":\"aGVyZQ==\"}")), 1},
    {"CONTAINS on an absent attribute", PUT, EXP1("zz", OPV("CONTAINS", "{\"N\":\"1\"}")), 0},
    {"NOT_CONTAINS a missing substring", PUT, EXP1("s", OPV("NOT_CONTAINS", "{\"S\":\"dog\"}")), 1},
    {"NOT_CONTAINS a present set member", PUT, EXP1("ns", OPV("NOT_CONTAINS", "{\"N\":\"4\"}")), 0},
    {"NOT_CONTAINS of another type is true", PUT, EXP1("s", OPV("NOT_CONTAINS", "{\"N\":\"1\"}")),
     1},
    {"NOT_CONTAINS on an absent attribute is false (Alternator)", PUT,
     EXP1("zz", OPV("NOT_CONTAINS", "{\"N\":\"1\"}")), 0},
    {"BEGINS_WITH a prefix", SCAN, FLT1("s", OPV("BEGINS_WITH", "{\"S\":\"he\"}")), 1},
    {"BEGINS_WITH on a number attribute is false", SCAN,
     FLT1("n", OPV("BEGINS_WITH", "{\"S\":\"5\"}")), 0},
    {"IN a value list", PUT, EXP1("n", OPV("IN", "{\"N\":\"2\"},{\"N\":\"5\"},{\"N\":\"8\"}")), 1},
    {"IN does not look inside sets (Alternator test_update_expected_1_in)", PUT,
     EXP1("ns", OPV("IN", "{\"N\":\"2\"}")), 0},
    {"BETWEEN inclusive bounds", PUT, EXP1("n", OPV("BETWEEN", "{\"N\":\"1\"},{\"N\":\"5\"}")), 1},
    {"BETWEEN outside the range", PUT, EXP1("n", OPV("BETWEEN", "{\"N\":\"6\"},{\"N\":\"9\"}")), 0},
    {"BETWEEN on an absent attribute", PUT,
     EXP1("zz", OPV("BETWEEN", "{\"N\":\"0\"},{\"N\":\"100\"}")), 0},
    {"AND: every condition true", PUT,
     "{\"Expected\":{\"n\":{\"Value\":{\"N\":\"5\"}},\"s\":" OPV(
         "BEGINS_WITH", "{\"S\":\"h\"}") ",\"zz\":{\"Exists\":false}}}",
     1},
    {"AND: one condition false", PUT,
     "{\"Expected\":{\"n\":{\"Value\":{\"N\":\"5\"}},\"s\":" OPV("EQ", "{\"S\":\"x\"}") "}}", 0},
    {"OR: one condition true is enough", PUT,
     "{\"Expected\":{\"n\":{\"Value\":{\"N\":\"74\"}},\"zz\":{\"Exists\":false}},"
     "\"ConditionalOperator\":\"OR\"}",
     1},
    {"OR: every condition false", PUT,
     "{\"Expected\":{\"n\":{\"Value\":{\"N\":\"74\"}},\"s\":" OPV(
         "NOT_CONTAINS", "{\"S\":\"ell\"}") "},\"ConditionalOperator\":\"OR\"}",
     0},
    {"OR with NOT_CONTAINS on an absent attribute stays false", SCAN,
     "{\"ScanFilter\":{\"zz\":" OPV("NOT_CONTAINS", "{\"S\":\"a\"}") ",\"n\":" OPV(
         "EQ", "{\"N\":\"0\"}") "},\"ConditionalOperator\":\"OR\"}",
     0},
    {"QueryFilter is a filter as well", QUERY,
     "{\"KeyConditions\":{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") "},\"QueryFilter\":{\"n\":" OPV(
         "GT", "{\"N\":\"4\"}") ",\"s\":" OPV("CONTAINS", "{\"S\":\"lo\"}") "}}",
     1},
};

static void translated_conditions_evaluate_as_the_legacy_operators_do(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cond_cases) / sizeof(cond_cases[0]); i++) {
    const struct cond_case *c = &cond_cases[i];
    int filter = c->op == SCAN || c->op == QUERY;
    cJSON *req = translate_ok(c->op, c->request, c->reason);
    cJSON *item = parse_or_fail(ITEM);
    struct dynamo_expr_env env;
    struct dynamo_expr *e;
    struct dynamo_error err;
    int got;

    e = parse_member(req, filter ? DYNAMO_EXPR_FILTER : DYNAMO_EXPR_CONDITION,
                     filter ? "FilterExpression" : "ConditionExpression", &env, c->reason);
    dynamo_error_init(&err);
    got = dynamo_expr_eval_condition(e, item, &err);
    if (got != c->want)
      fail_msg("%s: got %d, want %d (%s)", c->reason, got, c->want, err.message);
    dynamo_expr_free(e);
    dynamo_expr_env_free(&env);
    cJSON_Delete(item);
    cJSON_Delete(req);
  }
}

/* ------------------------------------------------------- updates, projection */

struct update_case {
  const char *reason;
  const char *updates; /* AttributeUpdates */
  const char *before;
  const char *after;
};

static const struct update_case update_cases[] = {
    {"PUT replaces and adds attributes",
     "{\"a\":{\"Action\":\"PUT\",\"Value\":{\"S\":\"new\"}},\"b\":{\"Value\":{\"N\":\"1\"}}}",
     "{\"a\":{\"S\":\"old\"}}", "{\"a\":{\"S\":\"new\"},\"b\":{\"N\":\"1\"}}"},
    {"DELETE without a Value removes the attribute", "{\"a\":{\"Action\":\"DELETE\"}}",
     "{\"a\":{\"S\":\"x\"},\"k\":{\"N\":\"1\"}}", "{\"k\":{\"N\":\"1\"}}"},
    {"DELETE with a set subtracts it",
     "{\"s\":{\"Action\":\"DELETE\",\"Value\":{\"SS\":[\"a\",\"c\"]}}}",
     "{\"s\":{\"SS\":[\"a\",\"b\",\"c\"]}}", "{\"s\":{\"SS\":[\"b\"]}}"},
    {"ADD a number adds, starting from 0 when absent",
     "{\"n\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"-3.5\"}},\"m\":{\"Action\":\"ADD\",\"Value\":{\"N\":\"2\"}}}",
     "{\"n\":{\"N\":\"9\"}}", "{\"n\":{\"N\":\"5.5\"},\"m\":{\"N\":\"2\"}}"},
    {"ADD a set unions it", "{\"s\":{\"Action\":\"ADD\",\"Value\":{\"NS\":[\"3\",\"4\"]}}}",
     "{\"s\":{\"NS\":[\"1\",\"3\"]}}", "{\"s\":{\"NS\":[\"1\",\"3\",\"4\"]}}"},
    {"ADD a list appends (Alternator test_update_item_add)",
     "{\"l\":{\"Action\":\"ADD\",\"Value\":{\"L\":[{\"N\":\"3\"},{\"N\":\"5\"}]}}}",
     "{\"l\":{\"L\":[{\"N\":\"1\"},{\"N\":\"3\"}]}}",
     "{\"l\":{\"L\":[{\"N\":\"1\"},{\"N\":\"3\"},{\"N\":\"3\"},{\"N\":\"5\"}]}}"},
    {"ADD a list to an absent attribute starts from an empty list",
     "{\"l\":{\"Action\":\"ADD\",\"Value\":{\"L\":[{\"S\":\"a\"}]}}}", "{}",
     "{\"l\":{\"L\":[{\"S\":\"a\"}]}}"},
};

static void translated_attribute_updates_apply_as_dynamodb_does(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(update_cases) / sizeof(update_cases[0]); i++) {
    const struct update_case *c = &update_cases[i];
    char json[1024];
    cJSON *req, *item;
    struct dynamo_expr_env env;
    struct dynamo_expr *e;
    struct dynamo_error err;

    snprintf(json, sizeof(json), "{\"AttributeUpdates\":%s}", c->updates);
    req = translate_ok(UPD, json, c->reason);
    item = parse_or_fail(c->before);
    e = parse_member(req, DYNAMO_EXPR_UPDATE, "UpdateExpression", &env, c->reason);
    dynamo_error_init(&err);
    if (dynamo_expr_apply_update(e, item, &err) != 0)
      fail_msg("%s: %s", c->reason, err.message);
    assert_json_equal(item, c->after, c->reason);
    dynamo_expr_free(e);
    dynamo_expr_env_free(&env);
    cJSON_Delete(item);
    cJSON_Delete(req);
  }
}

static void attributes_to_get_project_top_level_attributes_by_name(void **state) {
  cJSON *req = translate_ok(SCAN, "{\"AttributesToGet\":[\"s\",\"zz\",\"m\",\"a.b\"]}",
                            "projection");
  cJSON *item = parse_or_fail(
      "{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"1\"},\"m\":{\"M\":{\"b\":{\"N\":\"2\"}}},"
      "\"a.b\":{\"S\":\"dotted\"},\"a\":{\"M\":{\"b\":{\"S\":\"nested\"}}}}");
  struct dynamo_expr_env env;
  struct dynamo_expr *e;
  cJSON *out;

  (void)state;
  e = parse_member(req, DYNAMO_EXPR_PROJECTION, "ProjectionExpression", &env, "projection");
  out = dynamo_expr_project(e, item);
  assert_json_equal(out,
                    "{\"s\":{\"S\":\"x\"},\"m\":{\"M\":{\"b\":{\"N\":\"2\"}}},"
                    "\"a.b\":{\"S\":\"dotted\"}}",
                    "a dotted name is one top-level attribute, not a path");
  cJSON_Delete(out);
  dynamo_expr_free(e);
  dynamo_expr_env_free(&env);
  cJSON_Delete(item);
  cJSON_Delete(req);
}

/* --------------------------------------------------------- key conditions */

struct key_case {
  const char *reason;
  const char *keyconds;
  int has_range;
  enum dynamo_key_op range_op;
  const char *hash, *lo, *hi; /* expected values as JSON, hi/lo NULL when absent */
};

static const struct key_case key_cases[] = {
    {"EQ on the hash key only", "{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") "}", 0, DYNAMO_KEY_EQ,
     "{\"S\":\"h\"}", NULL, NULL},
    {"EQ hash and LE range",
     "{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") ",\"sk\":" OPV("LE", "{\"N\":\"3\"}") "}", 1,
     DYNAMO_KEY_LE, "{\"S\":\"h\"}", "{\"N\":\"3\"}", NULL},
    {"range listed first still extracts",
     "{\"sk\":" OPV("GT", "{\"N\":\"3\"}") ",\"pk\":" OPV("EQ", "{\"S\":\"h\"}") "}", 1,
     DYNAMO_KEY_GT, "{\"S\":\"h\"}", "{\"N\":\"3\"}", NULL},
    {"BEGINS_WITH on the range key",
     "{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") ",\"sk\":" OPV("BEGINS_WITH", "{\"S\":\"ab\"}") "}", 1,
     DYNAMO_KEY_BEGINS_WITH, "{\"S\":\"h\"}", "{\"S\":\"ab\"}", NULL},
    {"BETWEEN on the range key",
     "{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") ",\"sk\":" OPV("BETWEEN",
                                                          "{\"N\":\"1\"},{\"N\":\"2\"}") "}",
     1, DYNAMO_KEY_BETWEEN, "{\"S\":\"h\"}", "{\"N\":\"1\"}", "{\"N\":\"2\"}"},
};

static void key_conditions_become_extractable_key_conditions(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
    const struct key_case *c = &key_cases[i];
    char json[1024];
    cJSON *req;
    struct dynamo_expr_env env;
    struct dynamo_expr *e;
    struct dynamo_key_condition kc;
    struct dynamo_error err;

    snprintf(json, sizeof(json), "{\"KeyConditions\":%s}", c->keyconds);
    req = translate_ok(QUERY, json, c->reason);
    e = parse_member(req, DYNAMO_EXPR_KEY_CONDITION, "KeyConditionExpression", &env, c->reason);
    dynamo_error_init(&err);
    if (dynamo_expr_key_condition(e, "pk", "sk", &kc, &err) != 0)
      fail_msg("%s: %s", c->reason, err.message);
    assert_json_equal(kc.hash_value, c->hash, c->reason);
    assert_int_equal(kc.has_range, c->has_range);
    if (c->has_range) {
      assert_int_equal(kc.range_op, c->range_op);
      assert_json_equal(kc.range_lo, c->lo, c->reason);
      if (c->hi)
        assert_json_equal(kc.range_hi, c->hi, c->reason);
    }
    dynamo_expr_free(e);
    dynamo_expr_env_free(&env);
    cJSON_Delete(req);
  }
}

/* ------------------------------------------------------------------ errors */

struct error_case {
  const char *reason;
  enum dynamo_legacy_op op;
  const char *request;
  enum dynamo_error_code code;
  const char *message;
};

#define V DYNAMO_ERR_VALIDATION
#define SER DYNAMO_ERR_SERIALIZATION

static const struct error_case error_cases[] = {
    /* mixing (DYN-db validateExpressionParams; recorded live) */
    {"Expected with a ConditionExpression", PUT,
     "{\"Expected\":{\"a\":{\"Exists\":false}},\"ConditionExpression\":\"attribute_exists(a)\"}", V,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
    {"several of each are listed in DynamoDB's order", UPD,
     "{\"Expected\":{\"a\":{\"Exists\":false}},\"AttributeUpdates\":{},\"ConditionalOperator\":\"OR\","
     "\"ConditionExpression\":\"a = :v\",\"UpdateExpression\":\"SET a = :v\"}",
     V,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributeUpdates, Expected, ConditionalOperator} Expression "
     "parameters: {UpdateExpression, ConditionExpression}"},
    {"KeyConditions count as mixing only next to a KeyConditionExpression", QUERY,
     "{\"KeyConditions\":{},\"QueryFilter\":{},\"KeyConditionExpression\":\"pk = :v\"}", V,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {QueryFilter, KeyConditions} Expression parameters: "
     "{KeyConditionExpression}"},
    {"AttributesToGet with a ProjectionExpression", GET,
     "{\"AttributesToGet\":[\"a\"],\"ProjectionExpression\":\"a\"}", V,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"},
    {"ScanFilter with a ProjectionExpression and a FilterExpression", SCAN,
     "{\"ScanFilter\":{},\"FilterExpression\":\"a = :v\",\"ProjectionExpression\":\"a\"}", V,
     "Can not use both expression and non-expression parameters in the same request: "
     "Non-expression parameters: {ScanFilter} Expression parameters: {ProjectionExpression, "
     "FilterExpression}"},
    /* placeholder maps without expressions */
    {"ExpressionAttributeValues with only Expected", PUT,
     "{\"Expected\":{\"a\":{\"Exists\":false}},\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
     V,
     "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression "
     "is null"},
    {"ExpressionAttributeValues with only AttributeUpdates", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"DELETE\"}},\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
     V,
     "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression "
     "and ConditionExpression are null"},
    {"ExpressionAttributeValues with only KeyConditions", QUERY,
     "{\"KeyConditions\":{\"pk\":" OPV(
         "EQ", "{\"S\":\"h\"}") "},\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
     V,
     "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and "
     "KeyConditionExpression are null"},
    {"ExpressionAttributeNames with only a ScanFilter", SCAN,
     "{\"ScanFilter\":{},\"ExpressionAttributeNames\":{\"#a\":\"a\"}}", V,
     "ExpressionAttributeNames can only be specified when using expressions"},
    /* ConditionalOperator */
    {"ConditionalOperator outside its enum", PUT,
     "{\"Expected\":{\"a\":{\"Exists\":false},\"b\":{\"Exists\":false}},\"ConditionalOperator\":\"XOR\"}",
     V,
     "1 validation error detected: Value 'XOR' at 'conditionalOperator' failed to satisfy "
     "constraint: Member must satisfy enum value set: [OR, AND]"},
    {"ConditionalOperator with an empty Expected", UPD,
     "{\"AttributeUpdates\":{},\"Expected\":{},\"ConditionalOperator\":\"OR\"}", V,
     "ConditionalOperator cannot be used without Filter or Expected"},
    {"ConditionalOperator alone", PUT, "{\"ConditionalOperator\":\"AND\"}", V,
     "ConditionalOperator cannot be used without Filter or Expected"},
    {"ConditionalOperator with KeyConditions but no QueryFilter", QUERY,
     "{\"KeyConditions\":{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") "},\"ConditionalOperator\":\"AND\"}",
     V, "ConditionalOperator cannot be used without Filter or Expected"},
    {"ConditionalOperator with a one-entry ScanFilter (recorded live)", SCAN,
     "{\"ScanFilter\":{\"a\":{\"ComparisonOperator\":\"NULL\"}},\"ConditionalOperator\":\"AND\"}",
     V, "ConditionalOperator can only be used when Filter or Expected has two or more elements"},
    /* Expected entries (DYN-db validateAttributeConditions) */
    {"Value and AttributeValueList together", PUT,
     EXP1(
         "a",
         "{\"Value\":{\"S\":\"x\"},\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":[{\"S\":\"x\"}]}"),
     V, INV "Value and AttributeValueList cannot be used together for Attribute: a"},
    {"Exists and ComparisonOperator together", PUT,
     EXP1("a", "{\"Exists\":false,\"ComparisonOperator\":\"NULL\"}"), V,
     INV "Exists and ComparisonOperator cannot be used together for Attribute: a"},
    {"an operator without any value", PUT, EXP1("a", "{\"ComparisonOperator\":\"EQ\"}"), V,
     INV "Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"},
    {"AttributeValueList without an operator", DEL,
     EXP1("a", "{\"AttributeValueList\":[{\"S\":\"x\"}]}"), V,
     INV "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
    {"Exists true without a Value", PUT, EXP1("a", "{\"Exists\":true}"), V,
     INV "Value must be provided when Exists is true for Attribute: a"},
    {"neither Exists nor Value", PUT, EXP1("a", "{}"), V,
     INV "Value must be provided when Exists is null for Attribute: a"},
    {"Exists false with a Value", PUT, EXP1("a", "{\"Exists\":false,\"Value\":{\"N\":\"1\"}}"), V,
     INV "Value cannot be used when Exists is false for Attribute: a"},
    {"an unknown ComparisonOperator in Expected", PUT, EXP1("a", "{\"ComparisonOperator\":\"XX\"}"),
     V,
     "1 validation error detected: Value 'XX' at 'expected.a.member.comparisonOperator' failed to "
     "satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, "
     "EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
    {"a bad number in a Value", PUT, EXP1("a", "{\"Value\":{\"N\":\"abc\"}}"), V,
     "The parameter cannot be converted to a numeric value: abc"},
    {"Exists of the wrong JSON type", PUT, EXP1("a", "{\"Exists\":\"yes\"}"), SER,
     "Unexpected token received from parser"},
    {"Expected as a list", PUT, "{\"Expected\":[]}", SER, "Start of list found where not expected"},
    {"an Expected entry that is a list", PUT, "{\"Expected\":{\"a\":[]}}", SER,
     "Start of list found where not expected"},
    /* operator arguments (DYN-db validateConditions; Alternator test_expected.py) */
    {"EQ with two values", PUT, EXP1("a", OPV("EQ", "{\"N\":\"2\"},{\"N\":\"3\"}")), V,
     INV "Invalid number of argument(s) for the EQ ComparisonOperator"},
    {"NOT_NULL with a value", PUT, EXP1("a", OPV("NOT_NULL", "{\"N\":\"2\"}")), V,
     INV "Invalid number of argument(s) for the NOT_NULL ComparisonOperator"},
    {"IN with no values", PUT, EXP1("a", OPV("IN", "")), V,
     INV "Invalid number of argument(s) for the IN ComparisonOperator"},
    {"BETWEEN with three values", SCAN,
     FLT1("a", OPV("BETWEEN", "{\"N\":\"2\"},{\"N\":\"3\"},{\"N\":\"4\"}")), V,
     INV "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
    {"CONTAINS with no values in a filter", SCAN, FLT1("a", OPV("CONTAINS", "")), V,
     INV "Invalid number of argument(s) for the CONTAINS ComparisonOperator"},
    {"IN mixing types", PUT, EXP1("a", OPV("IN", "{\"N\":\"3\"},{\"S\":\"dog\"}")), V,
     INV "AttributeValues inside AttributeValueList must be of same type"},
    {"BETWEEN mixing types", PUT, EXP1("a", OPV("BETWEEN", "{\"N\":\"4\"},{\"S\":\"dog\"}")), V,
     INV "AttributeValues inside AttributeValueList must be of same type"},
    {"LT on a BOOL", SCAN, FLT1("a", OPV("LT", "{\"BOOL\":true}")), V,
     INV "ComparisonOperator LT is not valid for BOOL AttributeValue type"},
    {"GE on a string set", QUERY,
     "{\"KeyConditions\":{\"pk\":" OPV("EQ", "{\"S\":\"h\"}") "},\"QueryFilter\":{\"a\":" OPV(
         "GE", "{\"SS\":[\"a\"]}") "}}",
     V, INV "ComparisonOperator GE is not valid for SS AttributeValue type"},
    {"IN of lists", PUT, EXP1("a", OPV("IN", "{\"L\":[]},{\"L\":[]}")), V,
     INV "ComparisonOperator IN is not valid for L AttributeValue type"},
    {"CONTAINS a list", PUT, EXP1("a", OPV("CONTAINS", "{\"L\":[{\"N\":\"1\"}]}")), V,
     INV "ComparisonOperator CONTAINS is not valid for L AttributeValue type"},
    {"NOT_CONTAINS a map", SCAN, FLT1("a", OPV("NOT_CONTAINS", "{\"M\":{}}")), V,
     INV "ComparisonOperator NOT_CONTAINS is not valid for M AttributeValue type"},
    {"BEGINS_WITH a number (Alternator test_update_expected_1_begins_with_false)", PUT,
     EXP1("a", OPV("BEGINS_WITH", "{\"N\":\"3\"}")), V,
     INV "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
    {"BETWEEN of sets", PUT, EXP1("a", OPV("BETWEEN", "{\"NS\":[\"1\"]},{\"NS\":[\"2\"]}")), V,
     INV "ComparisonOperator BETWEEN is not valid for NS AttributeValue type"},
    {"BETWEEN with reversed bounds", PUT, EXP1("a", OPV("BETWEEN", "{\"N\":\"4\"},{\"N\":\"3\"}")),
     V,
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper "
     "bound"},
    {"BETWEEN with reversed string bounds", SCAN,
     FLT1("a", OPV("BETWEEN", "{\"S\":\"dog\"},{\"S\":\"ant\"}")), V,
     "The BETWEEN condition was provided a range where the lower bound is greater than the upper "
     "bound"},
    {"a filter entry without ComparisonOperator", SCAN,
     FLT1("a", "{\"AttributeValueList\":[{\"S\":\"x\"}]}"), V,
     "1 validation error detected: Value null at 'scanFilter.a.member.comparisonOperator' failed "
     "to satisfy constraint: Member must not be null"},
    {"an unknown ComparisonOperator in a QueryFilter", QUERY,
     "{\"QueryFilter\":{\"a\":{\"ComparisonOperator\":\"LIKE\"}}}", V,
     "1 validation error detected: Value 'LIKE' at 'queryFilter.a.member.comparisonOperator' "
     "failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, "
     "NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"},
    {"a ComparisonOperator of the wrong JSON type", SCAN, FLT1("a", "{\"ComparisonOperator\":1}"),
     SER, "NUMBER_VALUE cannot be converted to String"},
    {"an AttributeValueList that is a map", SCAN,
     FLT1("a", "{\"ComparisonOperator\":\"NULL\",\"AttributeValueList\":{}}"), SER,
     "Start of structure or map found where not expected."},
    /* KeyConditions */
    {"three KeyConditions", QUERY,
     "{\"KeyConditions\":{\"a\":" OPV("EQ", "{\"S\":\"h\"}") ",\"b\":" OPV(
         "EQ", "{\"S\":\"h\"}") ",\"c\":" OPV("EQ", "{\"S\":\"h\"}") "}}",
     V, "Conditions can be of length 1 or 2 only"},
    {"empty KeyConditions", QUERY, "{\"KeyConditions\":{}}", V,
     "Conditions can be of length 1 or 2 only"},
    {"NE in KeyConditions", QUERY, "{\"KeyConditions\":{\"pk\":" OPV("NE", "{\"S\":\"h\"}") "}}", V,
     "Attempted conditional constraint is not an indexable operation"},
    {"NULL in KeyConditions", QUERY,
     "{\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"NULL\"}}}", V,
     "Attempted conditional constraint is not an indexable operation"},
    {"EQ with two values in KeyConditions", QUERY,
     "{\"KeyConditions\":{\"pk\":" OPV("EQ", "{\"S\":\"h\"},{\"S\":\"i\"}") "}}", V,
     INV "Invalid number of argument(s) for the EQ ComparisonOperator"},
    /* AttributeUpdates (DYN-db updateItem.js; Alternator test_update_item.py) */
    {"PUT without a Value", UPD, "{\"AttributeUpdates\":{\"a\":{\"Action\":\"PUT\"}}}", V,
     INV "Only DELETE action is allowed when no attribute value is specified"},
    {"the default action without a Value", UPD, "{\"AttributeUpdates\":{\"a\":{}}}", V,
     INV "Only DELETE action is allowed when no attribute value is specified"},
    {"ADD without a Value", UPD, "{\"AttributeUpdates\":{\"a\":{\"Action\":\"ADD\"}}}", V,
     INV "Only DELETE action is allowed when no attribute value is specified"},
    {"DELETE with a scalar Value", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"DELETE\",\"Value\":{\"S\":\"x\"}}}}", V,
     INV "DELETE action with value is not supported for the type S"},
    {"ADD of a string", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"ADD\",\"Value\":{\"S\":\"s\"}}}}", V,
     INV "ADD action is not supported for the type S"},
    {"ADD of a map", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"ADD\",\"Value\":{\"M\":{}}}}}", V,
     INV "ADD action is not supported for the type M"},
    {"an unknown Action", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"APPEND\",\"Value\":{\"S\":\"s\"}}}}", V,
     "1 validation error detected: Value 'APPEND' at 'attributeUpdates.a.member.action' failed to "
     "satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"},
    {"an empty set as a Value", UPD,
     "{\"AttributeUpdates\":{\"a\":{\"Action\":\"DELETE\",\"Value\":{\"SS\":[]}}}}", V,
     INV "An string set  may not be empty"},
    /* AttributesToGet */
    {"duplicate AttributesToGet", SCAN, "{\"AttributesToGet\":[\"a\",\"b\",\"a\"]}", V,
     INV "Duplicate value in attribute name: a"},
    {"empty AttributesToGet", GET, "{\"AttributesToGet\":[]}", V,
     "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: "
     "Member must have length greater than or equal to 1"},
    {"a non-string in AttributesToGet", QUERY, "{\"AttributesToGet\":[1]}", SER,
     "Unexpected value type in payload"},
    /* bounds */
    {"more than 100 Expected entries", PUT, NULL, V,
     INV "Too many entries in Expected; at most 100 are supported"},
    {"a translation longer than the expression quota", PUT, NULL, V,
     INV "Expected is too large to translate into an expression of at most 4096 bytes"},
};

/* The two bound cases are generated: 101 entries, and 100 IN conditions of
 * 100 values each. */
static char *bound_request(const char *reason) {
  size_t cap = 1u << 20, used = 0;
  char *buf = malloc(cap);
  int i, j, many = strstr(reason, "100 Expected") != NULL;

  if (!buf)
    fail();
  used += (size_t)snprintf(buf + used, cap - used, "{\"Expected\":{");
  for (i = 0; i < (many ? 101 : 100); i++) {
    used += (size_t)snprintf(buf + used, cap - used, "%s\"a%d\":", i ? "," : "", i);
    if (many) {
      used += (size_t)snprintf(buf + used, cap - used, "{\"Exists\":false}");
      continue;
    }
    used += (size_t)snprintf(buf + used, cap - used,
                             "{\"ComparisonOperator\":\"IN\",\"AttributeValueList\":[");
    for (j = 0; j < 100; j++)
      used += (size_t)snprintf(buf + used, cap - used, "%s{\"N\":\"%d\"}", j ? "," : "", j);
    used += (size_t)snprintf(buf + used, cap - used, "]}");
  }
  snprintf(buf + used, cap - used, "}}");
  return buf;
}

static void malformed_legacy_parameters_fail_with_dynamodb_messages(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
    const struct error_case *c = &error_cases[i];
    char *generated = c->request ? NULL : bound_request(c->reason);
    cJSON *req = parse_or_fail(c->request ? c->request : generated);
    cJSON *before = cJSON_Duplicate(req, 1);
    struct dynamo_error err;

    dynamo_error_init(&err);
    if (dynamo_legacy_translate(req, c->op, &err) == 0)
      fail_msg("%s: translation succeeded", c->reason);
    if (err.code != c->code || strcmp(err.message, c->message) != 0)
      fail_msg("%s:\n  got:  [%s] %s\n  want: [%s] %s", c->reason, dynamo_error_name(err.code),
               err.message, dynamo_error_name(c->code), c->message);
    /* Checks come before any rewrite (only values may be normalised). */
    if (!strstr(c->reason, "number") && !cJSON_Compare(req, before, 1))
      fail_msg("%s: the request was modified", c->reason);
    dynamo_error_clear(&err);
    cJSON_Delete(before);
    cJSON_Delete(req);
    free(generated);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(translations_generate_the_expected_text_and_placeholders),
      cmocka_unit_test(translated_conditions_evaluate_as_the_legacy_operators_do),
      cmocka_unit_test(translated_attribute_updates_apply_as_dynamodb_does),
      cmocka_unit_test(attributes_to_get_project_top_level_attributes_by_name),
      cmocka_unit_test(key_conditions_become_extractable_key_conditions),
      cmocka_unit_test(malformed_legacy_parameters_fail_with_dynamodb_messages),
  };

  return cmocka_run_group_tests_name("dynamo_legacy", tests, NULL, NULL);
}
