/*
 * test_dynamo_expr_eval.c - unit tests for emulator/dynamo/expr/dynamo_expr_eval.c:
 * condition/filter evaluation, projection, update application, update
 * targets and Query key-condition extraction.
 *
 * Items are written in DynamoDB wire form. Tables carry a reason column;
 * expected items are compared with cJSON_Compare (member order free, list
 * and set order significant).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dynamo_expr_int.h"

/* ------------------------------------------------------------ fixtures */

static const char *const ITEM_JSON =
    "{\"pk\":{\"S\":\"p\"},\"n\":{\"N\":\"10\"},\"s\":{\"S\":\"banana\"},"
    "\"b\":{\"B\":\"AQID\"},\"flag\":{\"BOOL\":true},\"nothing\":{\"NULL\":true},"
    "\"tags\":{\"SS\":[\"red\",\"green\"]},\"nums\":{\"NS\":[\"1\",\"5\"]},"
    "\"bins\":{\"BS\":[\"AQ==\",\"Ag==\"]},"
    "\"things\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"},{\"N\":\"3\"},{\"L\":[{\"N\":\"1\"}]}]},"
    "\"info\":{\"M\":{\"nested\":{\"M\":{\"deep\":{\"S\":\"x\"}}},"
    "\"arr\":{\"L\":[{\"M\":{\"v\":{\"N\":\"1\"}}},{\"M\":{\"v\":{\"N\":\"2\"}}}]}}},"
    "\"dotted.name\":{\"S\":\"yes\"},\"unicode\":{\"S\":\"\\u00e9t\\u00e9\"},"
    "\"emptys\":{\"S\":\"\"},\"emptym\":{\"M\":{}}}";

static const char *const NAMES_JSON = "{\"#d\":\"dotted.name\",\"#i\":\"info\",\"#x\":\"x\"}";

static const char *const VALUES_JSON =
    "{\":nine\":{\"N\":\"9\"},\":ten\":{\"N\":\"10\"},\":eleven\":{\"N\":\"11\"},"
    "\":twenty\":{\"N\":\"20\"},\":zero\":{\"N\":\"0\"},\":one\":{\"N\":\"1\"},"
    "\":two\":{\"N\":\"2\"},\":three\":{\"N\":\"3\"},\":four\":{\"N\":\"4\"},"
    "\":five\":{\"N\":\"5\"},\":six\":{\"N\":\"6\"},\":seven\":{\"N\":\"7\"},"
    "\":ban\":{\"S\":\"ban\"},\":nan\":{\"S\":\"nan\"},\":banana\":{\"S\":\"banana\"},"
    "\":apple\":{\"S\":\"apple\"},\":cherry\":{\"S\":\"cherry\"},\":red\":{\"S\":\"red\"},"
    "\":blue\":{\"S\":\"blue\"},\":x\":{\"S\":\"x\"},\":yes\":{\"S\":\"yes\"},"
    "\":a\":{\"S\":\"a\"},\":empty\":{\"S\":\"\"},"
    "\":b12\":{\"B\":\"AQI=\"},\":b23\":{\"B\":\"AgM=\"},\":b13\":{\"B\":\"AQM=\"},"
    "\":b1\":{\"B\":\"AQ==\"},\":b9\":{\"B\":\"CQ==\"},"
    "\":tS\":{\"S\":\"S\"},\":tSS\":{\"S\":\"SS\"},\":tN\":{\"S\":\"N\"},"
    "\":tNS\":{\"S\":\"NS\"},\":tB\":{\"S\":\"B\"},\":tBS\":{\"S\":\"BS\"},"
    "\":tBOOL\":{\"S\":\"BOOL\"},\":tNULL\":{\"S\":\"NULL\"},\":tL\":{\"S\":\"L\"},"
    "\":tM\":{\"S\":\"M\"},\":true\":{\"BOOL\":true},\":false\":{\"BOOL\":false},"
    "\":null\":{\"NULL\":true},\":l1\":{\"L\":[{\"N\":\"1\"}]},"
    "\":tagset\":{\"SS\":[\"green\",\"red\"]},\":numset\":{\"NS\":[\"5\",\"1\"]},"
    "\":innerm\":{\"M\":{\"deep\":{\"S\":\"x\"}}}}";

struct fixture {
  cJSON *item, *names, *values;
  struct dynamo_expr_env env;
};

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  if (!f)
    return -1;
  f->item = cJSON_Parse(ITEM_JSON);
  f->names = cJSON_Parse(NAMES_JSON);
  f->values = cJSON_Parse(VALUES_JSON);
  if (!f->item || !f->names || !f->values)
    return -1;
  dynamo_expr_env_init(&f->env, f->names, f->values);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  dynamo_expr_env_free(&f->env);
  cJSON_Delete(f->item);
  cJSON_Delete(f->names);
  cJSON_Delete(f->values);
  free(f);
  return 0;
}

static struct dynamo_expr *parse_or_fail(enum dynamo_expr_kind kind, const char *text,
                                         struct dynamo_expr_env *env) {
  struct dynamo_error err;
  struct dynamo_expr *e;

  dynamo_error_init(&err);
  e = dynamo_expr_parse(kind, text, env, &err);
  if (!e)
    fail_msg("\"%s\": %s", text, err.message);
  return e;
}

/* ---------------------------------------------------------- conditions */

struct cond_case {
  const char *text;
  int want;
  const char *reason;
};

static const struct cond_case cond_cases[] = {
    /* comparisons */
    {"n = :ten", 1, "numbers by value"},
    {"n > :nine AND n < :eleven", 1, "numeric order, not text order (10 > 9)"},
    {"n >= :ten AND n <= :ten", 1, "inclusive bounds"},
    {"n <> :nine", 1, "not equal"},
    {"n = :nine", 0, "unequal numbers"},
    {"s > :apple AND s < :cherry", 1, "strings by bytes"},
    {"s = :banana", 1, "string equality"},
    {"b < :b13 AND b > :b12", 1, "binary by unsigned bytes"},
    {"s > :one", 0, "different types are never ordered (false, not an error)"},
    {"s <> :one", 1, "different types are unequal"},
    {"s = :one", 0, "different types are not equal"},
    {"absent = :one", 0, "missing attribute is not equal"},
    {"absent <> :one", 1, "missing attribute is unequal (ALT-tests)"},
    {"absent < :one", 0, "missing attribute is not ordered"},
    {"absent = gone", 0, "two missing attributes are not equal (ALT-tests #8511)"},
    {"absent <> gone", 1, "two missing attributes are unequal (ALT-tests #8511)"},
    {"absent <= gone", 0, "ordering two missing attributes is false"},
    {"flag = :true", 1, "BOOL equality"},
    {"flag = :false", 0, "BOOL inequality"},
    {"flag < n", 0, "BOOL from the item is not ordered (false)"},
    {"nothing = :null", 1, "NULL equality"},
    {"tags = :tagset", 1, "sets compare unordered (ALT-tests #5021)"},
    {"nums = :numset", 1, "number sets compare unordered"},
    {"info.nested = :innerm", 1, "deep map equality"},
    {"things[3] = :l1", 1, "deep list equality"},
    {"things = :l1", 0, "lists of different length"},
    {":ten = n", 1, "value on the left"},
    {"info.arr[0].v < info.arr[1].v", 1, "two paths"},
    {"info.arr[5].v < :two", 0, "index past the end is missing"},
    {"s.x = :x", 0, "map access into a string is missing"},
    {"things.x = :x", 0, "map access into a list is missing"},
    {"info[0] = :x", 0, "index into a map is missing"},
    {"#d = :yes", 1, "placeholder with a dot is one attribute"},
    {"#i.nested.deep = :x", 1, "placeholder inside a path"},
    /* BETWEEN and IN */
    {"n BETWEEN :nine AND :eleven", 1, "inside"},
    {"n BETWEEN :ten AND :ten", 1, "bounds are inclusive"},
    {"n BETWEEN :eleven AND :twenty", 0, "outside"},
    {"s BETWEEN :nine AND :ten", 0, "type mismatch is false"},
    {"absent BETWEEN :nine AND :ten", 0, "missing is false"},
    {"n BETWEEN s AND :twenty", 0, "a path bound of another type is false (ALT-tests)"},
    {"n IN (:nine, :ten)", 1, "IN hit"},
    {"n IN (:nine, :eleven)", 0, "IN miss"},
    {"s IN (:one, :banana)", 1, "mixed candidate types (ALT-tests)"},
    {"absent IN (:one, :ten)", 0, "missing is false"},
    {"tags IN (:tagset)", 1, "IN uses deep equality"},
    /* functions */
    {"attribute_exists(n)", 1, "exists"},
    {"attribute_exists(nothing)", 1, "NULL exists"},
    {"attribute_exists(absent)", 0, "does not exist"},
    {"attribute_not_exists(absent)", 1, "not exists"},
    {"attribute_not_exists(things[9])", 1, "missing list element"},
    {"attribute_exists(info.nested.deep)", 1, "nested exists"},
    {"attribute_type(tags, :tSS)", 1, "SS"},
    {"attribute_type(nums, :tNS)", 1, "NS"},
    {"attribute_type(bins, :tBS)", 1, "BS"},
    {"attribute_type(n, :tN)", 1, "N"},
    {"attribute_type(s, :tS)", 1, "S"},
    {"attribute_type(b, :tB)", 1, "B"},
    {"attribute_type(flag, :tBOOL)", 1, "BOOL"},
    {"attribute_type(nothing, :tNULL)", 1, "NULL"},
    {"attribute_type(things, :tL)", 1, "L"},
    {"attribute_type(info, :tM)", 1, "M"},
    {"attribute_type(n, :tS)", 0, "wrong type"},
    {"attribute_type(absent, :tS)", 0, "missing"},
    {"attribute_type(:ten, :tN)", 1, "value operand (ALT-tests)"},
    {"begins_with(s, :ban)", 1, "string prefix"},
    {"begins_with(s, :nan)", 0, "not a prefix"},
    {"begins_with(s, :empty)", 1, "empty prefix"},
    {"begins_with(b, :b12)", 1, "binary prefix"},
    {"begins_with(b, :b23)", 0, "binary non-prefix"},
    {"begins_with(n, :ban)", 0, "number attribute is false, not an error (ALT-tests)"},
    {"begins_with(absent, :ban)", 0, "missing"},
    {"begins_with(:banana, s)", 1, "reversed operands (ALT-tests)"},
    {"contains(s, :nan)", 1, "substring"},
    {"contains(s, :apple)", 0, "not a substring"},
    {"contains(b, :b23)", 1, "binary substring"},
    {"contains(b, :b13)", 0, "binary non-substring"},
    {"contains(tags, :red)", 1, "SS member"},
    {"contains(tags, :blue)", 0, "SS non-member"},
    {"contains(nums, :five)", 1, "NS member by value"},
    {"contains(nums, :two)", 0, "NS non-member"},
    {"contains(bins, :b1)", 1, "BS member"},
    {"contains(bins, :b9)", 0, "BS non-member"},
    {"contains(things, :three)", 1, "list element"},
    {"contains(things, :a)", 1, "list string element"},
    {"contains(things, :l1)", 1, "nested list element by deep equality (ALT-tests)"},
    {"contains(things, :five)", 0, "not in the list"},
    {"contains(tags, :one)", 0, "wrong member type"},
    {"contains(n, :one)", 0, "number contains nothing"},
    {"contains(absent, :one)", 0, "missing"},
    {"size(s) = :six", 1, "string length"},
    {"size(unicode) = :five", 1, "string size counts UTF-8 bytes"},
    {"size(emptys) = :zero", 1, "empty string"},
    {"size(b) = :three", 1, "binary length in bytes"},
    {"size(tags) = :two", 1, "set size"},
    {"size(things) = :four", 1, "list size"},
    {"size(info) = :two", 1, "map size"},
    {"size(emptym) = :zero", 1, "empty map"},
    {"size(n) = :two", 0, "numbers have no size (ALT-tests)"},
    {"size(flag) = :one", 0, "BOOL has no size"},
    {"size(absent) = :zero", 0, "missing has no size"},
    {"size(absent) <> :zero", 1, "missing size is unequal"},
    {"size(s) = :banana", 0, "size against a string is false (ALT-tests)"},
    {"size(s) > :five AND size(s) < :seven", 1, "size with ordering"},
    {"size(things[3]) = :one", 1, "size of a nested element"},
    {"size(s) = n", 0, "size against a path (6 vs 10)"},
    /* logic */
    {"n = :ten AND s = :banana", 1, "AND true"},
    {"n = :ten AND s = :apple", 0, "AND false"},
    {"n = :nine OR s = :banana", 1, "OR true"},
    {"n = :nine OR s = :apple", 0, "OR false"},
    {"NOT n = :nine", 1, "NOT"},
    {"NOT NOT NOT NOT n = :ten", 1, "stacked NOT"},
    {"n = :ten OR n = :ten AND n = :nine", 1, "AND before OR"},
    {"(n = :ten OR n = :ten) AND n = :nine", 0, "parentheses first"},
    {"NOT n = :nine AND n = :ten", 1, "NOT before AND"},
    {"not (n = :ten)", 0, "NOT of a parenthesized condition"},
    {"n between :one and :twenty Or s in (:a)", 1, "keywords in any case"},
};

static void conditions_evaluate_as_dynamodb_does(void **state) {
  struct fixture *f = *state;
  size_t i;

  for (i = 0; i < sizeof(cond_cases) / sizeof(cond_cases[0]); i++) {
    struct dynamo_error err;
    struct dynamo_expr *e = parse_or_fail(DYNAMO_EXPR_CONDITION, cond_cases[i].text, &f->env);
    int r;

    dynamo_error_init(&err);
    r = dynamo_expr_eval_condition(e, f->item, &err);
    if (r != cond_cases[i].want)
      fail_msg("\"%s\" (%s): got %d, want %d", cond_cases[i].text, cond_cases[i].reason, r,
               cond_cases[i].want);
    dynamo_expr_free(e);
  }
}

static const struct cond_case missing_item_cases[] = {
    {"attribute_not_exists(pk)", 1, "the put-if-absent idiom"},
    {"attribute_exists(pk)", 0, "nothing exists"},
    {"pk <> :a", 1, "<> on a missing item is true (ALT-tests)"},
    {"pk = :a", 0, "= on a missing item is false"},
    {"size(s) = :zero", 0, "no size"},
};

static void conditions_treat_a_missing_item_as_having_no_attributes(void **state) {
  struct fixture *f = *state;
  cJSON *empty = cJSON_CreateObject();
  size_t i;

  for (i = 0; i < sizeof(missing_item_cases) / sizeof(missing_item_cases[0]); i++) {
    struct dynamo_error err;
    struct dynamo_expr *e = parse_or_fail(DYNAMO_EXPR_FILTER, missing_item_cases[i].text, &f->env);
    dynamo_error_init(&err);
    if (dynamo_expr_eval_condition(e, NULL, &err) != missing_item_cases[i].want ||
        dynamo_expr_eval_condition(e, empty, &err) != missing_item_cases[i].want)
      fail_msg("\"%s\" (%s)", missing_item_cases[i].text, missing_item_cases[i].reason);
    dynamo_expr_free(e);
  }
  cJSON_Delete(empty);
}

/* ---------------------------------------------------------- projection */

struct proj_case {
  const char *text;
  const char *want;
  const char *reason;
};

static const struct proj_case proj_cases[] = {
    {"n", "{\"n\":{\"N\":\"10\"}}", "one top-level attribute"},
    {"n, s", "{\"n\":{\"N\":\"10\"},\"s\":{\"S\":\"banana\"}}", "two attributes"},
    {"absent", "{}", "missing attribute gives an empty item (ALT-tests)"},
    {"info.nested.deep", "{\"info\":{\"M\":{\"nested\":{\"M\":{\"deep\":{\"S\":\"x\"}}}}}}",
     "nested path keeps its enclosing maps"},
    {"things[1]", "{\"things\":{\"L\":[{\"S\":\"b\"}]}}",
     "one list element becomes a one-element list"},
    {"things[2], things[0]", "{\"things\":{\"L\":[{\"S\":\"a\"},{\"N\":\"3\"}]}}",
     "list elements in index order"},
    {"info.arr[1].v, info.nested",
     "{\"info\":{\"M\":{\"arr\":{\"L\":[{\"M\":{\"v\":{\"N\":\"2\"}}}]},"
     "\"nested\":{\"M\":{\"deep\":{\"S\":\"x\"}}}}}}",
     "paths merge into one tree"},
    {"things[3][0]", "{\"things\":{\"L\":[{\"L\":[{\"N\":\"1\"}]}]}}", "nested list index"},
    {"things[9]", "{}", "index past the end (ALT-tests)"},
    {"info.x", "{}", "missing map key: no empty map left behind (ALT-tests)"},
    {"info.x.y", "{}", "missing prefix"},
    {"info[0]", "{}", "index into a map"},
    {"things.x", "{}", "key into a list"},
    {"s.x", "{}", "key into a string"},
    {"info.x, things[9], absent, n", "{\"n\":{\"N\":\"10\"}}",
     "missing paths are ignored (ALT-tests)"},
    {"#d", "{\"dotted.name\":{\"S\":\"yes\"}}", "placeholder with a dot (ALT-tests)"},
    {"#i.nested", "{\"info\":{\"M\":{\"nested\":{\"M\":{\"deep\":{\"S\":\"x\"}}}}}}",
     "placeholder parent"},
    {"emptym", "{\"emptym\":{\"M\":{}}}", "an empty map requested whole stays"},
};

static void projection_keeps_only_the_requested_paths(void **state) {
  struct fixture *f = *state;
  size_t i;

  for (i = 0; i < sizeof(proj_cases) / sizeof(proj_cases[0]); i++) {
    struct dynamo_expr *e = parse_or_fail(DYNAMO_EXPR_PROJECTION, proj_cases[i].text, &f->env);
    cJSON *got = dynamo_expr_project(e, f->item);
    cJSON *want = cJSON_Parse(proj_cases[i].want);
    assert_non_null(got);
    assert_non_null(want);
    if (!cJSON_Compare(got, want, 1)) {
      char *g = cJSON_PrintUnformatted(got);
      fail_msg("\"%s\" (%s): got %s, want %s", proj_cases[i].text, proj_cases[i].reason, g,
               proj_cases[i].want);
    }
    cJSON_Delete(got);
    cJSON_Delete(want);
    dynamo_expr_free(e);
  }
}

static void projection_of_a_missing_item_is_empty(void **state) {
  struct fixture *f = *state;
  struct dynamo_expr *e = parse_or_fail(DYNAMO_EXPR_PROJECTION, "a, b.c", &f->env);
  cJSON *got = dynamo_expr_project(e, NULL);

  assert_non_null(got);
  assert_null(got->child);
  cJSON_Delete(got);
  dynamo_expr_free(e);
}

/* -------------------------------------------------------------- update */

struct update_case {
  const char *item;
  const char *text;
  const char *values;
  const char *want; /* expected item JSON, or NULL when want_err is set */
  const char *want_err;
  const char *reason;
};

#define NUM(x) "{\"N\":\"" x "\"}"
#define STR(x) "{\"S\":\"" x "\"}"

static const struct update_case update_cases[] = {
    {"{}", "SET a = :v", "{\":v\":" NUM("4") "}", "{\"a\":" NUM("4") "}", NULL,
     "SET on a new item"},
    {"{\"a\":" STR("hi") "}", "SET b = :v", "{\":v\":" STR("hello") "}",
     "{\"a\":" STR("hi") ",\"b\":" STR("hello") "}", NULL, "SET merges (ALT-tests)"},
    {"{\"a\":" STR("hi") "}", "SET a = :v", "{\":v\":" NUM("1") "}", "{\"a\":" NUM("1") "}", NULL,
     "SET replaces, type may change"},
    {"{\"a\":" STR("hello") "}", "SET b = a", NULL,
     "{\"a\":" STR("hello") ",\"b\":" STR("hello") "}", NULL, "copy an attribute (ALT-tests)"},
    {"{\"a\":" STR("hello") "}", "SET c = z", NULL, NULL,
     "The provided expression refers to an attribute that does not exist in the item",
     "copy a missing attribute (DYN-test)"},
    {"{\"a\":" STR("hello") "}", "SET x = :v, y = x", "{\":v\":" NUM("4") "}", NULL,
     "The provided expression refers to an attribute that does not exist in the item",
     "right-hand sides read the old item (ALT-tests)"},
    {"{\"tally\":" NUM("1") "}", "SET a = tally, tally = :v", "{\":v\":" NUM("10") "}",
     "{\"a\":" NUM("1") ",\"tally\":" NUM("10") "}", NULL, "old value copied"},
    {"{\"a\":" STR("hello") "}", "REMOVE a SET b = a", NULL, "{\"b\":" STR("hello") "}", NULL,
     "REMOVE and read the same attribute (ALT-tests)"},
    {"{\"a\":" NUM("2") "}", "SET a = a + :v", "{\":v\":" NUM("3") "}", "{\"a\":" NUM("5") "}",
     NULL, "increment"},
    {"{\"a\":" NUM("2") "}", "SET b = :v - a", "{\":v\":" NUM("7") "}",
     "{\"a\":" NUM("2") ",\"b\":" NUM("5") "}", NULL, "subtract (ALT-tests)"},
    {"{\"f\":" NUM("0.1") "}", "SET f = f + :v", "{\":v\":" NUM("0.2") "}",
     "{\"f\":" NUM("0.3") "}", NULL, "exact decimal arithmetic"},
    {"{\"big\":" NUM("12345678901234567890123456789012345678") "}", "SET big = big - :v",
     "{\":v\":" NUM("1") "}", "{\"big\":" NUM("12345678901234567890123456789012345677") "}", NULL,
     "38 significant digits are kept"},
    {"{\"big\":" NUM("9.9999999999999999999999999999999999999E+125") "}", "SET big = big + :v",
     "{\":v\":" NUM("9.9999999999999999999999999999999999999E+125") "}", NULL,
     "Number overflow. Attempting to store a number with magnitude larger than supported range",
     "overflow (SPEC docs/spec/dynamodb.md 2.5)"},
    {"{\"s\":" STR("x") "}", "SET a = s + :v", "{\":v\":" NUM("1") "}", NULL,
     "An operand in the update expression has an incorrect data type",
     "+ on a string attribute (DYN-test)"},
    {"{}", "SET a = absent + :v", "{\":v\":" NUM("1") "}", NULL,
     "The provided expression refers to an attribute that does not exist in the item",
     "+ on a missing attribute"},
    {"{}", "SET a = if_not_exists(a, :v)", "{\":v\":" NUM("2") "}", "{\"a\":" NUM("2") "}", NULL,
     "if_not_exists on a missing attribute (ALT-tests)"},
    {"{\"a\":" NUM("2") "}", "SET a = if_not_exists(a, :v)", "{\":v\":" NUM("3") "}",
     "{\"a\":" NUM("2") "}", NULL, "if_not_exists keeps an existing value"},
    {"{\"a\":" NUM("2") "}", "SET b = if_not_exists(a, :v)", "{\":v\":" NUM("6") "}",
     "{\"a\":" NUM("2") ",\"b\":" NUM("2") "}", NULL, "if_not_exists copies (ALT-tests)"},
    {"{\"b\":" NUM("2") "}", "SET b = if_not_exists(b, :v)+:w",
     "{\":v\":" NUM("0") ",\":w\":" NUM("3") "}", "{\"b\":" NUM("5") "}", NULL,
     "if_not_exists plus a value"},
    {"{}", "SET a = if_not_exists(b, if_not_exists(c, :v))", "{\":v\":" NUM("3") "}",
     "{\"a\":" NUM("3") "}", NULL, "nested if_not_exists"},
    {"{\"l\":{\"L\":[" STR("hi") "," NUM("2") "]}}", "SET l = list_append(l, :v)",
     "{\":v\":{\"L\":[" NUM("4") "]}}", "{\"l\":{\"L\":[" STR("hi") "," NUM("2") "," NUM("4") "]}}",
     NULL, "append to a list"},
    {"{\"l\":{\"L\":[" STR("hi") "]}}", "SET l = list_append(:v, l)",
     "{\":v\":{\"L\":[" STR("dog") "]}}", "{\"l\":{\"L\":[" STR("dog") "," STR("hi") "]}}", NULL,
     "prepend to a list"},
    {"{}", "SET a = list_append(if_not_exists(a, :e), :v)",
     "{\":e\":{\"L\":[]},\":v\":{\"L\":[" NUM("9") "]}}", "{\"a\":{\"L\":[" NUM("9") "]}}", NULL,
     "the create-or-append idiom"},
    {"{}", "SET a = list_append(b, :v)", "{\":v\":{\"L\":[]}}", NULL,
     "The provided expression refers to an attribute that does not exist in the item",
     "list_append of a missing attribute (DYN-test)"},
    {"{\"b\":{\"NS\":[\"1\"]}}", "SET a = list_append(b, :v)", "{\":v\":{\"L\":[]}}", NULL,
     "An operand in the update expression has an incorrect data type",
     "list_append of a set (DYN-test)"},
    /* nested SET */
    {"{\"a\":{\"M\":{\"b\":" NUM("3") ",\"c\":" NUM("4") "}},\"d\":" NUM("5") "}",
     "SET a.c = :v, a.d = :w", "{\":v\":" NUM("7") ",\":w\":" NUM("3") "}",
     "{\"a\":{\"M\":{\"b\":" NUM("3") ",\"c\":" NUM("7") ",\"d\":" NUM("3") "}},\"d\":" NUM(
         "5") "}",
     NULL, "replace and add map members (ALT-tests)"},
    {"{\"a\":{\"L\":[" STR("one") "," STR("two") "," STR("three") "]}}", "SET a[1] = :v",
     "{\":v\":" STR("hello") "}",
     "{\"a\":{\"L\":[" STR("one") "," STR("hello") "," STR("three") "]}}", NULL,
     "replace a list element (ALT-tests)"},
    {"{\"a\":{\"L\":[" STR("one") "," STR("two") "," STR("three") "]}}", "SET a[7] = :v",
     "{\":v\":" STR("hello") "}",
     "{\"a\":{\"L\":[" STR("one") "," STR("two") "," STR("three") "," STR("hello") "]}}", NULL,
     "past the end appends (SPEC brief, ALT-tests)"},
    {"{\"a\":{\"L\":[" STR("x") "]}}", "SET a[84] = :v1, a[37] = :v2, a[17] = :v3, a[50] = :v4",
     "{\":v1\":" STR("a1") ",\":v2\":" STR("a2") ",\":v3\":" STR("a3") ",\":v4\":" STR("a4") "}",
     "{\"a\":{\"L\":[" STR("x") "," STR("a3") "," STR("a2") "," STR("a4") "," STR("a1") "]}}", NULL,
     "several appends go in index order (ALT-tests)"},
    {"{\"a\":{\"M\":{\"b\":" NUM("3") ",\"c\":{\"L\":[" STR(
         "hi") ",{\"M\":{\"x\":{\"M\":{\"y\":{\"L\":[" NUM("3") "," NUM("5") "," NUM("7") "]}}}}}]}}}}",
     "SET a.c[1].#x.y[1] = :v", "{\":v\":" NUM("9") "}",
     "{\"a\":{\"M\":{\"b\":" NUM("3") ",\"c\":{\"L\":[" STR(
         "hi") ",{\"M\":{\"x\":{\"M\":{\"y\":{\"L\":[" NUM("3") "," NUM("9") "," NUM("7") "]}}}}}]}}}}",
     NULL, "deep target with a placeholder (ALT-tests)"},
    {"{\"a\":" STR("hello") "}", "SET a.c = :v", "{\":v\":" NUM("7") "}", NULL,
     "The document path provided in the update expression is invalid for update",
     "parent is a string (ALT-tests)"},
    {"{}", "SET c.c = :v", "{\":v\":" NUM("7") "}", NULL,
     "The document path provided in the update expression is invalid for update",
     "parent is missing (SPEC brief)"},
    {"{\"a\":" STR("hello") "}", "SET a[0] = :v", "{\":v\":" NUM("7") "}", NULL,
     "The document path provided in the update expression is invalid for update",
     "index into a string (ALT-tests)"},
    {"{\"c\":{\"M\":{\"1\":" STR("a") "}}}", "SET c[1] = :v", "{\":v\":" NUM("7") "}", NULL,
     "The document path provided in the update expression is invalid for update",
     "index into a map (DYN-test)"},
    /* REMOVE */
    {"{\"a\":" STR("hello") ",\"b\":" STR("hi") "}", "REMOVE a", NULL, "{\"b\":" STR("hi") "}",
     NULL, "remove a top-level attribute"},
    {"{\"a\":" STR("x") "}", "REMOVE c", NULL, "{\"a\":" STR("x") "}", NULL,
     "removing a missing attribute is a no-op (ALT-tests)"},
    {"{\"a\":{\"M\":{\"b\":" NUM("1") "}}}", "REMOVE a.b", NULL, "{\"a\":{\"M\":{}}}", NULL,
     "an emptied map stays (ALT-tests)"},
    {"{\"a\":{\"L\":[" NUM("1") "]}}", "REMOVE a[0]", NULL, "{\"a\":{\"L\":[]}}", NULL,
     "an emptied list stays (ALT-tests)"},
    {"{\"a\":{\"L\":[" NUM("4") "," NUM("5") "," NUM("6") "]}}", "REMOVE a[17]", NULL,
     "{\"a\":{\"L\":[" NUM("4") "," NUM("5") "," NUM("6") "]}}", NULL,
     "index past the end is a no-op (SPEC brief)"},
    {"{\"l\":{\"L\":[" NUM("1") "," NUM("2") "," NUM("3") "]}}", "REMOVE l[0], l[2]", NULL,
     "{\"l\":{\"L\":[" NUM("2") "]}}", NULL, "indexes refer to the original list"},
    {"{\"a\":{\"L\":[" NUM("2") "," NUM("3") "," NUM("4") "," NUM("5") "," NUM("6") "," NUM(
         "7") "]}}",
     "REMOVE a[1] SET a[3] = :v", "{\":v\":" NUM("17") "}",
     "{\"a\":{\"L\":[" NUM("2") "," NUM("4") "," NUM("17") "," NUM("6") "," NUM("7") "]}}", NULL,
     "SET and REMOVE use original positions (ALT-tests)"},
    {"{\"a\":{\"L\":[" NUM("2") "," NUM("3") "," NUM("4") "," NUM("5") "," NUM("6") "," NUM(
         "7") "]}}",
     "SET a[3] = :v REMOVE a[1]", "{\":v\":" NUM("17") "}",
     "{\"a\":{\"L\":[" NUM("2") "," NUM("4") "," NUM("17") "," NUM("6") "," NUM("7") "]}}", NULL,
     "clause order does not matter (ALT-tests)"},
    {"{\"a\":{\"M\":{\"b\":" NUM("3") ",\"c\":{\"L\":[" STR("hi") ",{\"M\":{\"x\":{\"M\":{\"y\":{\"L\":[" NUM(
         "3") "," NUM("5") "," NUM("7") "]}}},\"q\":" NUM("2") "}}]}}}}",
     "REMOVE a.c[1].x.y[1], a.c[1].q", NULL,
     "{\"a\":{\"M\":{\"b\":" NUM("3") ",\"c\":{\"L\":[" STR(
         "hi") ",{\"M\":{\"x\":{\"M\":{\"y\":{\"L\":[" NUM("3") "," NUM("7") "]}}}}}]}}}}",
     NULL, "nested removals (ALT-tests)"},
    {"{\"a\":" STR("x") "}", "REMOVE y.a", NULL, NULL,
     "The document path provided in the update expression is invalid for update",
     "missing parent (ALT-tests)"},
    {"{\"a\":" STR("x") "}", "REMOVE a[0]", NULL, NULL,
     "The document path provided in the update expression is invalid for update",
     "index into a string (ALT-tests)"},
    {"{}", "REMOVE x.y, z[0]", NULL, "{}", NULL,
     "bad paths are ignored on a missing item (ALT-tests xfail note)"},
    /* ADD */
    {"{\"a\":" NUM("3") "}", "ADD a :v", "{\":v\":" NUM("4") "}", "{\"a\":" NUM("7") "}", NULL,
     "ADD to a number (ALT-tests)"},
    {"{}", "ADD b :v", "{\":v\":" NUM("7") "}", "{\"b\":" NUM("7") "}", NULL,
     "ADD to a missing number starts at 0 (SPEC brief)"},
    {"{\"a\":" NUM("-1.5") "}", "ADD a :v", "{\":v\":" NUM("1.5") "}", "{\"a\":" NUM("0") "}", NULL,
     "exact sum to zero"},
    {"{\"b\":" STR("hi") "}", "ADD b :v", "{\":v\":" NUM("1") "}", NULL,
     "An operand in the update expression has an incorrect data type",
     "ADD a number to a string (ALT-tests)"},
    {"{\"a\":{\"SS\":[\"dog\",\"cat\",\"mouse\"]}}", "ADD a :v", "{\":v\":{\"SS\":[\"pig\"]}}",
     "{\"a\":{\"SS\":[\"dog\",\"cat\",\"mouse\",\"pig\"]}}", NULL, "set union (ALT-tests)"},
    {"{\"a\":{\"SS\":[\"beaver\",\"lynx\",\"coati\"]}}", "ADD a :v",
     "{\":v\":{\"SS\":[\"coati\",\"beaver\",\"badger\"]}}",
     "{\"a\":{\"SS\":[\"beaver\",\"lynx\",\"coati\",\"badger\"]}}", NULL,
     "union without duplicates (ALT-tests)"},
    {"{\"n\":{\"NS\":[\"1\",\"2\"]}}", "ADD n :v", "{\":v\":{\"NS\":[\"2\",\"3\"]}}",
     "{\"n\":{\"NS\":[\"1\",\"2\",\"3\"]}}", NULL, "number set union"},
    {"{\"b\":{\"BS\":[\"AQ==\"]}}", "ADD b :v", "{\":v\":{\"BS\":[\"AQ==\",\"Ag==\"]}}",
     "{\"b\":{\"BS\":[\"AQ==\",\"Ag==\"]}}", NULL, "binary set union"},
    {"{}", "ADD b :v", "{\":v\":{\"SS\":[\"cat\"]}}", "{\"b\":{\"SS\":[\"cat\"]}}", NULL,
     "ADD creates a set (ALT-tests)"},
    {"{\"a\":{\"SS\":[\"x\"]}}", "ADD a :v", "{\":v\":{\"NS\":[\"1\"]}}", NULL,
     "An operand in the update expression has an incorrect data type",
     "set types must match (DYN-test)"},
    {"{\"a\":{\"L\":[" NUM("1") "]}}", "ADD a :v", "{\":v\":{\"NS\":[\"3\"]}}", NULL,
     "An operand in the update expression has an incorrect data type",
     "ADD a set to a list (ALT-tests)"},
    {"{\"m\":{\"M\":{}}}", "ADD m.c :v", "{\":v\":" NUM("2") "}",
     "{\"m\":{\"M\":{\"c\":" NUM("2") "}}}", NULL, "ADD into a nested map"},
    {"{}", "ADD y.a :v", "{\":v\":" NUM("2") "}", NULL,
     "The document path provided in the update expression is invalid for update",
     "ADD below a missing parent (DYN-test)"},
    /* DELETE */
    {"{\"a\":{\"SS\":[\"dog\",\"cat\",\"mouse\"]},\"b\":" STR("hi") "}", "DELETE a :v",
     "{\":v\":{\"SS\":[\"cat\",\"mouse\"]}}", "{\"a\":{\"SS\":[\"dog\"]},\"b\":" STR("hi") "}",
     NULL, "set difference (ALT-tests)"},
    {"{\"a\":{\"SS\":[\"dog\"]}}", "DELETE a :v", "{\":v\":{\"SS\":[\"pig\"]}}",
     "{\"a\":{\"SS\":[\"dog\"]}}", NULL, "deleting a non-member is a no-op"},
    {"{\"a\":{\"SS\":[\"dog\"]},\"b\":" STR("hi") "}", "DELETE a :v", "{\":v\":{\"SS\":[\"dog\"]}}",
     "{\"b\":" STR("hi") "}", NULL, "emptying a set removes it (SPEC brief)"},
    {"{}", "DELETE a :v", "{\":v\":{\"SS\":[\"dog\"]}}", "{}", NULL,
     "DELETE from a missing attribute is a no-op (ALT-tests)"},
    {"{\"n\":{\"NS\":[\"1\",\"2\",\"3\"]}}", "DELETE n :v", "{\":v\":{\"NS\":[\"2\"]}}",
     "{\"n\":{\"NS\":[\"1\",\"3\"]}}", NULL, "number set difference"},
    {"{\"d\":{\"NS\":[\"1\"]}}", "DELETE d :v", "{\":v\":{\"SS\":[\"1\"]}}", NULL,
     "An operand in the update expression has an incorrect data type",
     "set types must match (DYN-test)"},
    {"{\"c\":" NUM("1") "}", "DELETE c :v", "{\":v\":{\"NS\":[\"1\"]}}", NULL,
     "An operand in the update expression has an incorrect data type",
     "DELETE from a number (DYN-test)"},
    /* combinations */
    {"{\"tally\":" NUM("1") ",\"info\":{\"M\":{\"a\":" NUM(
         "1") "}},\"tags\":{\"SS\":[\"a\",\"b\"]}}",
     "SET a = :a REMOVE info ADD tally :one DELETE tags :t",
     "{\":a\":" NUM("1") ",\":one\":" NUM("1") ",\":t\":{\"SS\":[\"a\"]}}",
     "{\"tally\":" NUM("2") ",\"tags\":{\"SS\":[\"b\"]},\"a\":" NUM("1") "}", NULL,
     "all four clauses"},
    {"{\"a\":{\"M\":{\"x\":" NUM("3") ",\"y\":" NUM("4") ",\"c\":{\"M\":{\"y\":" NUM(
         "3") "}}}},"
              "\"b\":{\"M\":{\"x\":" NUM("1") ",\"y\":" NUM("2") "}}}",
     "SET a.b = :v1, a.c.d = :v2, b.x = :v3 REMOVE a.x, b.y",
     "{\":v1\":" NUM("10") ",\":v2\":" STR("dog") ",\":v3\":" NUM("17") "}",
     "{\"a\":{\"M\":{\"y\":" NUM("4") ",\"b\":" NUM("10") ",\"c\":{\"M\":{\"y\":" NUM(
         "3") ",\"d\":" STR("dog") "}}}},\"b\":{\"M\":{\"x\":" NUM("17") "}}}",
     NULL, "several non-overlapping nested changes (ALT-tests)"},
};

static void updates_apply_as_dynamodb_does(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(update_cases) / sizeof(update_cases[0]); i++) {
    const struct update_case *c = &update_cases[i];
    cJSON *item = cJSON_Parse(c->item);
    cJSON *values = c->values ? cJSON_Parse(c->values) : NULL;
    cJSON *names = cJSON_Parse(NAMES_JSON);
    struct dynamo_expr_env env;
    struct dynamo_error err;
    struct dynamo_expr *e;
    int rc;

    assert_non_null(item);
    dynamo_error_init(&err);
    dynamo_expr_env_init(&env, names, values);
    e = dynamo_expr_parse(DYNAMO_EXPR_UPDATE, c->text, &env, &err);
    if (!e)
      fail_msg("\"%s\" (%s): %s", c->text, c->reason, err.message);
    rc = dynamo_expr_apply_update(e, item, &err);
    if (c->want_err) {
      if (rc != -1 || strcmp(err.message, c->want_err) != 0)
        fail_msg("\"%s\" (%s): rc %d, got \"%s\", want \"%s\"", c->text, c->reason, rc, err.message,
                 c->want_err);
      assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
    } else {
      cJSON *want = cJSON_Parse(c->want);
      assert_non_null(want);
      if (rc != 0)
        fail_msg("\"%s\" (%s): %s", c->text, c->reason, err.message);
      if (!cJSON_Compare(item, want, 1)) {
        char *g = cJSON_PrintUnformatted(item);
        fail_msg("\"%s\" (%s):\n got %s\nwant %s", c->text, c->reason, g, c->want);
      }
      cJSON_Delete(want);
    }
    dynamo_expr_free(e);
    dynamo_expr_env_free(&env);
    cJSON_Delete(item);
    cJSON_Delete(values);
    cJSON_Delete(names);
  }
}

static void update_values_are_copies_not_references(void **state) {
  cJSON *values = cJSON_Parse("{\":m\":{\"M\":{\"k\":{\"S\":\"v\"}}}}");
  cJSON *item = cJSON_CreateObject();
  struct dynamo_expr_env env;
  struct dynamo_error err;
  struct dynamo_expr *e;
  char *printed;

  (void)state;
  dynamo_error_init(&err);
  dynamo_expr_env_init(&env, NULL, values);
  e = parse_or_fail(DYNAMO_EXPR_UPDATE, "SET a = :m, b = :m", &env);
  assert_int_equal(dynamo_expr_apply_update(e, item, &err), 0);
  dynamo_expr_free(e);
  dynamo_expr_env_free(&env);
  cJSON_Delete(values); /* the item must not point into the values */
  printed = cJSON_PrintUnformatted(item);
  assert_string_equal(printed,
                      "{\"a\":{\"M\":{\"k\":{\"S\":\"v\"}}},\"b\":{\"M\":{\"k\":{\"S\":\"v\"}}}}");
  cJSON_free(printed);
  cJSON_Delete(item);
}

/* ------------------------------------------------------ key conditions */

struct key_case {
  const char *text;
  const char *hash, *range;
  const char *want; /* rendered condition, or the error message */
  const char *reason;
};

static const char *const KEY_VALUES_JSON =
    "{\":p\":{\"S\":\"p\"},\":c\":{\"N\":\"3\"},\":c1\":{\"N\":\"1\"},\":c2\":{\"N\":\"7\"},"
    "\":s\":{\"S\":\"b\"}}";

static const struct key_case key_cases[] = {
    {"p = :p", "p", "c", "hash=:p", "partition key only"},
    {"p = :p", "p", NULL, "hash=:p", "hash-only table"},
    {"p = :p AND c = :c", "p", "c", "hash=:p range=EQ :c", "sort key ="},
    {"p = :p AND c < :c", "p", "c", "hash=:p range=LT :c", "<"},
    {"p = :p AND c <= :c", "p", "c", "hash=:p range=LE :c", "<="},
    {"p = :p AND c > :c", "p", "c", "hash=:p range=GT :c", ">"},
    {"p = :p AND c >= :c", "p", "c", "hash=:p range=GE :c", ">="},
    {"p = :p AND c BETWEEN :c1 AND :c2", "p", "c", "hash=:p range=BETWEEN :c1 :c2", "BETWEEN"},
    {"p = :p AND begins_with(c, :s)", "p", "c", "hash=:p range=BEGINS_WITH :s", "begins_with"},
    {":p = p AND :c < c", "p", "c", "hash=:p range=GT :c", "reversed operands flip (ALT-tests)"},
    {"c >= :c AND p = :p", "p", "c", "hash=:p range=GE :c", "either order"},
    {"((c=:c) AND (p=:p))", "p", "c", "hash=:p range=EQ :c", "parentheses (ALT-tests)"},
    {"(begins_with(c, :s)) AND (#p = :p)", "p", "c", "hash=:p range=BEGINS_WITH :s",
     "placeholder and parentheses"},
    {"c = :c", "p", "c", "Query condition missed key schema element: p",
     "no partition key (SPEC docs/spec/dynamodb.md 2.4)"},
    {"p = :p AND x = :c", "p", "c", "Query condition missed key schema element: c",
     "non-key attribute with a sort key"},
    {"p = :p AND x = :c", "p", NULL, "Query key condition not supported",
     "two conditions on a hash-only table"},
    {"p < :p", "p", "c", "Query key condition not supported", "partition key needs = (ALT-tests)"},
    {"begins_with(p, :p)", "p", NULL, "Query key condition not supported",
     "begins_with on the partition key"},
    {"p = :p AND p = :p", "p", "c",
     "KeyConditionExpressions must only contain one condition per key",
     "same key twice (ALT-tests)"},
    {"p = :p AND c >= :c1 AND c <= :c2", "p", "c",
     "KeyConditionExpressions must only contain one condition per key",
     "two sort key conditions (ALT-tests)"},
    {"p = :p AND c = :c AND x = :c", "p", "c", "Conditions can be of length 1 or 2 only",
     "three conditions"},
    {"c = :c OR p = :p", "p", "c", "Invalid operator used in KeyConditionExpression: OR",
     "OR (ALT-tests)"},
    {"NOT c = :c AND p = :p", "p", "c", "Invalid operator used in KeyConditionExpression: NOT",
     "NOT (ALT-tests)"},
    {"p = :p AND c <> :c", "p", "c", "Invalid operator used in KeyConditionExpression: <>",
     "<> (ALT-tests)"},
    {"p = :p AND c IN (:c)", "p", "c", "Invalid operator used in KeyConditionExpression: IN",
     "IN (ALT-tests)"},
    {"p = :p AND attribute_exists(c)", "p", "c",
     "Invalid operator used in KeyConditionExpression: attribute_exists",
     "attribute_exists (ALT-tests)"},
    {"p = :p AND size(c) = :c", "p", "c",
     "KeyConditionExpressions cannot contain nested operations", "size"},
    {"p = :p AND c.x = :c", "p", "c",
     "KeyConditionExpressions cannot have conditions on nested attributes", "nested path"},
    {"p = :p AND c = p", "p", "c",
     "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
     "two paths"},
    {"p = :p AND :c = :c1", "p", "c",
     "Invalid condition in KeyConditionExpression: No key attribute specified", "no path"},
    {"p = :p AND :c BETWEEN c AND :c2", "p", "c",
     "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
     "BETWEEN operand order"},
    {"p = :p AND begins_with(:s, c)", "p", "c",
     "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
     "begins_with operand order"},
};

static const char *key_op_name(enum dynamo_key_op op) {
  switch (op) {
  case DYNAMO_KEY_EQ:
    return "EQ";
  case DYNAMO_KEY_LT:
    return "LT";
  case DYNAMO_KEY_LE:
    return "LE";
  case DYNAMO_KEY_GT:
    return "GT";
  case DYNAMO_KEY_GE:
    return "GE";
  case DYNAMO_KEY_BETWEEN:
    return "BETWEEN";
  case DYNAMO_KEY_BEGINS_WITH:
    return "BEGINS_WITH";
  }
  return "?";
}

static void key_conditions_are_checked_against_the_key_schema(void **state) {
  cJSON *values = cJSON_Parse(KEY_VALUES_JSON);
  cJSON *names = cJSON_Parse("{\"#p\":\"p\"}");
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
    const struct key_case *c = &key_cases[i];
    struct dynamo_key_condition kc;
    struct dynamo_expr_env env;
    struct dynamo_error err;
    struct dynamo_expr *e;
    char got[DYNAMO_ERROR_MESSAGE_MAX];

    dynamo_error_init(&err);
    dynamo_expr_env_init(&env, names, values);
    e = parse_or_fail(DYNAMO_EXPR_KEY_CONDITION, c->text, &env);
    if (dynamo_expr_key_condition(e, c->hash, c->range, &kc, &err) < 0) {
      snprintf(got, sizeof(got), "%s", err.message);
      assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
    } else {
      size_t used = (size_t)snprintf(got, sizeof(got), "hash=%s", kc.hash_value->string);
      if (kc.has_range)
        used += (size_t)snprintf(got + used, sizeof(got) - used, " range=%s %s",
                                 key_op_name(kc.range_op), kc.range_lo->string);
      if (kc.range_hi)
        snprintf(got + used, sizeof(got) - used, " %s", kc.range_hi->string);
    }
    if (strcmp(got, c->want) != 0)
      fail_msg("\"%s\" (%s):\n got %s\nwant %s", c->text, c->reason, got, c->want);
    dynamo_expr_free(e);
    dynamo_expr_env_free(&env);
  }
  cJSON_Delete(values);
  cJSON_Delete(names);
}

/* --------------------------------------------------------------- misuse */

static void eval_functions_reject_the_wrong_expression_kind(void **state) {
  struct fixture *f = *state;
  struct dynamo_expr *cond = parse_or_fail(DYNAMO_EXPR_CONDITION, "attribute_exists(n)", &f->env);
  struct dynamo_expr *proj = parse_or_fail(DYNAMO_EXPR_PROJECTION, "n", &f->env);
  struct dynamo_key_condition kc;
  struct dynamo_error err;
  const char *names[2];
  cJSON *item = cJSON_CreateObject();

  dynamo_error_init(&err);
  assert_int_equal(dynamo_expr_eval_condition(proj, item, &err), -1);
  assert_int_equal(dynamo_expr_apply_update(cond, item, &err), -1);
  assert_null(dynamo_expr_project(cond, item));
  assert_int_equal(dynamo_expr_update_targets(cond, names, 2), 0);
  assert_int_equal(dynamo_expr_key_condition(cond, "p", NULL, &kc, &err), -1);
  cJSON_Delete(item);
  dynamo_expr_free(cond);
  dynamo_expr_free(proj);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(conditions_evaluate_as_dynamodb_does, setup, teardown),
      cmocka_unit_test_setup_teardown(conditions_treat_a_missing_item_as_having_no_attributes,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(projection_keeps_only_the_requested_paths, setup, teardown),
      cmocka_unit_test_setup_teardown(projection_of_a_missing_item_is_empty, setup, teardown),
      cmocka_unit_test(updates_apply_as_dynamodb_does),
      cmocka_unit_test(update_values_are_copies_not_references),
      cmocka_unit_test(key_conditions_are_checked_against_the_key_schema),
      cmocka_unit_test_setup_teardown(eval_functions_reject_the_wrong_expression_kind, setup,
                                      teardown),
  };
  return cmocka_run_group_tests_name("dynamo_expr_eval", tests, NULL, NULL);
}
