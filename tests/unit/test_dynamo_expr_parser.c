/*
 * test_dynamo_expr_parser.c - unit tests for emulator/dynamo/expr/dynamo_expr_parser.c:
 * grammar and precedence (checked on the AST), DynamoDB's validation
 * messages, placeholder bookkeeping, bounds.
 *
 * Most tests are tables with a reason column. Expected messages are exact;
 * OK means the text parses. Every table row runs against the same
 * ExpressionAttributeNames / ExpressionAttributeValues (see setup_env).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dynamo_expr_int.h"

#define OK NULL

#define C DYNAMO_EXPR_CONDITION
#define F DYNAMO_EXPR_FILTER
#define K DYNAMO_EXPR_KEY_CONDITION
#define P DYNAMO_EXPR_PROJECTION
#define U DYNAMO_EXPR_UPDATE

static const char *const NAMES_JSON =
    "{\"#n\":\"a\",\"#m\":\"a\",\"#dot\":\"a.b\",\"#s\":\"status\",\"#d\":\"[3]\"}";
static const char *const VALUES_JSON =
    "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"2\"},\":s\":{\"S\":\"x\"},\":t\":{\"S\":\"SS\"},"
    "\":dog\":{\"S\":\"DOG\"},\":l\":{\"L\":[]},\":m\":{\"M\":{}},\":ss\":{\"SS\":[\"a\"]},"
    "\":ns\":{\"NS\":[\"1\"]},\":bs\":{\"BS\":[\"YQ==\"]},\":b\":{\"B\":\"YQ==\"},"
    "\":bool\":{\"BOOL\":true},\":null\":{\"NULL\":true}}";

struct fixture {
  cJSON *names;
  cJSON *values;
  struct dynamo_expr_env env;
};

static int setup_env(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  if (!f)
    return -1;
  f->names = cJSON_Parse(NAMES_JSON);
  f->values = cJSON_Parse(VALUES_JSON);
  if (!f->names || !f->values)
    return -1;
  dynamo_expr_env_init(&f->env, f->names, f->values);
  *state = f;
  return 0;
}

static int teardown_env(void **state) {
  struct fixture *f = *state;

  dynamo_expr_env_free(&f->env);
  cJSON_Delete(f->names);
  cJSON_Delete(f->values);
  free(f);
  return 0;
}

struct parse_case {
  enum dynamo_expr_kind kind;
  const char *text;
  const char *want; /* exact message, or OK */
  const char *reason;
};

static void run_parse_cases(void **state, const struct parse_case *cases, size_t n) {
  struct fixture *f = *state;
  size_t i;

  for (i = 0; i < n; i++) {
    const struct parse_case *c = &cases[i];
    struct dynamo_error err;
    struct dynamo_expr *e;

    dynamo_error_init(&err);
    e = dynamo_expr_parse(c->kind, c->text, &f->env, &err);
    if (c->want == OK && !e)
      fail_msg("\"%s\" (%s): unexpected error: %s", c->text, c->reason, err.message);
    if (c->want != OK) {
      if (e)
        fail_msg("\"%s\" (%s): parsed, want error: %s", c->text, c->reason, c->want);
      if (strcmp(err.message, c->want) != 0)
        fail_msg("\"%s\" (%s):\n got: %s\nwant: %s", c->text, c->reason, err.message, c->want);
      assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
    }
    dynamo_expr_free(e);
    dynamo_error_clear(&err);
  }
}

#define RUN(cases) run_parse_cases(state, cases, sizeof(cases) / sizeof(cases[0]))

/* --------------------------------------------------------- syntax errors */

static const struct parse_case syntax_cases[] = {
    {C, "foo", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"foo\"",
     "a bare path is not a condition (LowVoltage capture of real DynamoDB)"},
    {C, "a+:v<b", "Invalid ConditionExpression: Syntax error; token: \"+\", near: \"a+:v\"",
     "no arithmetic in conditions (LowVoltage capture)"},
    {U, "INVALID SYNTAX",
     "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"",
     "SPEC docs/spec/dynamodb.md 2.4 example"},
    {U, "SET _123 = :v", "Invalid UpdateExpression: Syntax error; token: \"_\", near: \"SET _123\"",
     "names cannot start with _ (ALT-tests comment)"},
    {C, "a = = :v", "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :v\"",
     "doubled operator"},
    {C, "a IN ()", "Invalid ConditionExpression: Syntax error; token: \")\", near: \"()\"",
     "IN needs at least one operand"},
    {C, "a = :v AND", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\"",
     "dangling AND"},
    {C, "a = :v   ", "OK-placeholder", "trailing blanks are fine"},
    {C, "a != :v", "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"a !=\"",
     "!= is not an operator"},
    {C, "a AND b = :v",
     "Invalid ConditionExpression: Syntax error; token: \"AND\", near: \"a AND b\"",
     "operand where a condition is needed"},
    {C, "(a = :v", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":v\"",
     "unclosed parenthesis"},
    {C, "a = :v)", "Invalid ConditionExpression: Syntax error; token: \")\", near: \":v)\"",
     "unopened parenthesis"},
    {C, "a = b = c", "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"b = c\"",
     "comparisons do not chain"},
    {C, "and = :v", "Invalid ConditionExpression: Syntax error; token: \"and\", near: \"and =\"",
     "grammar keywords are not names"},
    {C, "a[:v] = :w", "Invalid ConditionExpression: Syntax error; token: \":v\", near: \"[:v]\"",
     "list index must be a number (ALT-tests nested_attribute_index_reference)"},
    {U, "SET a[#n] = :v", "Invalid UpdateExpression: Syntax error; token: \"#n\", near: \"[#n]\"",
     "name placeholders are not indexes"},
    {U, "SET a = b + c + d",
     "Invalid UpdateExpression: Syntax error; token: \"+\", near: \"c + d\"",
     "only one + per value"},
    {U, "set a = (b.c).d + e",
     "Invalid UpdateExpression: Syntax error; token: \".\", near: \").d\"",
     "parenthesized path cannot continue (DYN-test)"},
    {U, "SET a = if_not_exists(c, :v+:w)",
     "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":v+:w\"",
     "no arithmetic inside function arguments (ALT-tests)"},
    {U, "SET :v = :w", "Invalid UpdateExpression: Syntax error; token: \":v\", near: \"SET :v =\"",
     "a value cannot be assigned to"},
    {U, "set a = (((b)))", "Invalid UpdateExpression: Syntax error; token: \"(\", near: \"((b\"",
     "update operands take one pair of parentheses"},
    {U, "HELLO b = :v",
     "Invalid UpdateExpression: Syntax error; token: \"HELLO\", near: \"HELLO b\"",
     "unknown clause"},
    {U, "SET", "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \"SET\"",
     "clause without action"},
    {U, "set a=set", "Invalid UpdateExpression: Syntax error; token: \"set\", near: \"=set\"",
     "clause keyword as a value (DYN-test)"},
    {U, "remove a = b", "Invalid UpdateExpression: Syntax error; token: \"=\", near: \"a = b\"",
     "REMOVE takes paths only"},
    {U, "add a b", "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\"",
     "ADD takes a value placeholder"},
    {U, "set a[1] = \"eight\"",
     "Invalid UpdateExpression: Syntax error; token: \"\"\", near: \"= \"eight\"",
     "no string literals (DYN-test)"},
    {U, "SET a = b / c", "Invalid UpdateExpression: Syntax error; token: \"/\", near: \"b / c\"",
     "no division"},
    {U, "SET # = :v", "Invalid UpdateExpression: Syntax error; token: \"#\", near: \"SET # =\"",
     "a lone # (ALT-tests)"},
    {U, "SET a = :", "Invalid UpdateExpression: Syntax error; token: \":\", near: \"= :\"",
     "a lone : (ALT-tests)"},
    {U, "SET a = _f(b)", "Invalid UpdateExpression: Syntax error; token: \"_\", near: \"= _f\"",
     "function names start with a letter (ALT-tests)"},
    {P, "a,", "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"",
     "trailing comma (ALT-tests)"},
    {P, ",a", "Invalid ProjectionExpression: Syntax error; token: \",\", near: \",a\"",
     "leading comma"},
    {P, "a,,b", "Invalid ProjectionExpression: Syntax error; token: \",\", near: \",,b\"",
     "double comma"},
    {P, "size(a)", "Invalid ProjectionExpression: Syntax error; token: \"(\", near: \"size(a\"",
     "no functions in projections"},
    {K, "p=:v AND c!=:w",
     "Invalid KeyConditionExpression: Syntax error; token: \"!\", near: \"c!=\"",
     "ALT-tests test_key_condition_expression_syntax"},
    {F, "   ", "Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \"\"",
     "blank text is not empty text"},
};

static void parser_reports_syntax_errors_with_token_and_near_context(void **state) {
  size_t i;
  struct parse_case fixed[sizeof(syntax_cases) / sizeof(syntax_cases[0])];

  for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
    fixed[i] = syntax_cases[i];
    if (fixed[i].want && strcmp(fixed[i].want, "OK-placeholder") == 0)
      fixed[i].want = OK;
  }
  run_parse_cases(state, fixed, sizeof(fixed) / sizeof(fixed[0]));
}

/* ------------------------------------------------------------ conditions */

static const struct parse_case condition_cases[] = {
    {C, "a = :v AND begins_with(b, :s)", OK, "AND of comparison and function"},
    {C, "a <> :v OR b < :w OR c <= :v", OK, "OR chain"},
    {C, "a BETWEEN :v AND :w", OK, "BETWEEN with ordered bounds"},
    {C, "a IN (:v, :w, :s)", OK, "IN with mixed types is fine (ALT-tests)"},
    {C, "NOT NOT NOT NOT a < b", OK, "stacked NOT (ALT-tests)"},
    {C, "attribute_exists (a)", OK, "blank before the argument list"},
    {C, "attribute_not_exists(#n.x)", OK, "placeholder path"},
    {C, "attribute_type(a, :t)", OK, "type name as a value"},
    {C, "attribute_type(:v, :t)", OK, "first operand may be a value (ALT-tests)"},
    {C, "contains(a, :ns)", OK, "any second operand type (ALT-tests)"},
    {C, "begins_with(:s, a)", OK, "operands in either order (ALT-tests)"},
    {C, "size(a) > :v", OK, "size() as an operand"},
    {C, "size(a) = b", OK, "size() against a path"},
    {C, ":v < a", OK, "value on the left"},
    {C, "(a) = :v", OK, "parenthesized operand"},
    {C, "a = (:v)", OK, "parenthesized right operand"},
    {C, "(a = :v)", OK, "one pair around a condition"},
    {C, "((c=:v) AND (b=:v))", OK, "one pair per level is fine (ALT-tests)"},
    {C, "(a < b OR b < a) AND (b < c AND (a < b OR b < c))", OK, "nesting (ALT-tests)"},
    {C, "a.b[2].c = :v", OK, "deep path"},
    {C, "#n = :v", OK, "name placeholder"},
    {C, "a < :s", OK, "string constants are ordered"},
    {C, "a >= :b", OK, "binary constants are ordered"},
    {C, "a = :l", OK, "any type for ="},
    {C, "a between :v and :w or b in (:s)", OK, "keywords in any case"},
    {C, "((a = :v))", "Invalid ConditionExpression: The expression has redundant parentheses;",
     "two pairs around one condition (CONF tier3)"},
    {C, "((c=:v) AND ((b=:v)))",
     "Invalid ConditionExpression: The expression has redundant parentheses;",
     "redundant pair inside (ALT-tests comment)"},
    {C, "((a)) = :v", "Invalid ConditionExpression: The expression has redundant parentheses;",
     "two pairs around an operand (DYN-db)"},
    {C, "status = :v",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
     "reserved word (SPEC brief)"},
    {C, "a.Name = :v",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Name",
     "reserved words are checked at every level, case kept"},
    {C, "#s = :v", OK, "a placeholder hides a reserved word"},
    {C, "set = :v",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: set",
     "SET is only a keyword in updates"},
    {C, "#x = :v",
     "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x",
     "undefined name"},
    {C, "a = :x",
     "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x",
     "undefined value"},
    {C, "dog(a)=:v", "Invalid ConditionExpression: Invalid function name; function: dog",
     "unknown function (ALT-tests)"},
    {C, "ATTRIBUTE_EXISTS(a)",
     "Invalid ConditionExpression: Invalid function name; function: ATTRIBUTE_EXISTS",
     "function names are case-sensitive"},
    {C, "if_not_exists(a, a)=:v",
     "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: if_not_exists",
     "update function in a condition (ALT-tests)"},
    {C, "size(a)",
     "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
     "size() is not a condition (ALT-tests)"},
    {C, "attribute_exists(a) < :v",
     "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
     "boolean function as an operand (ALT-tests)"},
    {C, "begins_with(a, :s) = :bool",
     "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: begins_with",
     "boolean function compared"},
    {C, "size(a, a)=:v",
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
     "operand count (ALT-tests)"},
    {C, "begins_with(a)",
     "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
     "operand count"},
    {C, "attribute_exists(:v)",
     "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
     "needs a path (ALT-tests)"},
    {C, "begins_with(a, :v)",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
     "begins_with takes S or B (CONF tier3)"},
    {C, "attribute_type(a, :dog)",
     "Invalid ConditionExpression: Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
     "unknown type name (ALT-tests match DOG)"},
    {C, "attribute_type(a, b)",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
     "type must be a value (ALT-tests)"},
    {C, "attribute_type(a, :v)",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
     "type must be a string"},
    {C, "size(:v) = :v",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
     "size of a number"},
    {C, "contains(a, a)",
     "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a]",
     "same path twice (ALT-tests xfail note)"},
    {C, "a.b = a.b",
     "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a, b]",
     "comparison of a path with itself"},
    {C, "a < :l",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <, operand type: LIST",
     "ordering a list constant is a ValidationException (ALT-tests)"},
    {C, ":m >= a",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: >=, operand type: MAP",
     "constant on either side"},
    {C, "a BETWEEN :l AND :l",
     "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: LIST",
     "BETWEEN list bounds (ALT-tests)"},
    {C, "a BETWEEN :w AND :v",
     "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}",
     "reversed bounds (DYN-db)"},
    {C, "a BETWEEN :v AND :s",
     "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}",
     "mixed bound types (DYN-db)"},
    {C, "a BETWEEN b AND :v", OK, "a path bound is only checked at run time"},
    {C, "status = :x",
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
     "reserved words outrank undefined values (DYN-db order)"},
    {C, "dog(status)", "Invalid ConditionExpression: Invalid function name; function: dog",
     "unknown functions outrank reserved words"},
    {F, "((#n = :v))", "Invalid FilterExpression: The expression has redundant parentheses;",
     "filter kind prefix (CONF tier3)"},
    {K, "p = :v AND begins_with(c, :v)",
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
     "begins_with on a number key (electrodb capture)"},
};

static void parser_accepts_conditions_and_reports_dynamodb_messages(void **state) {
  RUN(condition_cases);
}

static void parser_limits_in_to_one_hundred_operands(void **state) {
  struct fixture *f = *state;
  char text[2048];
  size_t used, i;
  int ncand;

  for (ncand = 100; ncand <= 101; ncand++) {
    struct dynamo_error err;
    struct dynamo_expr *e;
    used = (size_t)snprintf(text, sizeof(text), "a IN (");
    for (i = 0; i < (size_t)ncand; i++)
      used += (size_t)snprintf(text + used, sizeof(text) - used, "%s:v", i ? "," : "");
    snprintf(text + used, sizeof(text) - used, ")");
    dynamo_error_init(&err);
    e = dynamo_expr_parse(C, text, &f->env, &err);
    if (ncand == 100) {
      assert_non_null(e);
    } else {
      assert_null(e);
      assert_string_equal(err.message,
                          "Invalid ConditionExpression: The IN operator is provided with too many "
                          "operands; number of operands: 101");
    }
    dynamo_expr_free(e);
  }
}

/* --------------------------------------------------------------- updates */

static const struct parse_case update_cases[] = {
    {U, "SET a = :v", OK, "simplest SET"},
    {U, "set b = :v, c = :w", OK, "two actions, lower case"},
    {U, "  set   b=:v  ", OK, "blanks are ignored (ALT-tests)"},
    {U, "REMOVE a SET b = :v", OK, "clauses in any order"},
    {U, "SET c = :v REMOVE b ADD d :v DELETE e :ss", OK, "all four clauses"},
    {U, "SET a = a + :v", OK, "arithmetic"},
    {U, "SET a = :v - a", OK, "subtraction"},
    {U, "SET a = (b + c)", OK, "parenthesized term (DYN-test)"},
    {U, "set a = ((b.c.d)+(e))", OK, "parenthesized operands inside (DYN-test)"},
    {U, "SET a = (b) + :v", OK, "parenthesized first operand"},
    {U, "SET b = if_not_exists(b, :v)+:w", OK, "function result plus value (ALT-tests)"},
    {U, "SET a = list_append(if_not_exists(a, :l), :l)", OK, "if_not_exists inside list_append"},
    {U, "SET a = if_not_exists(b, if_not_exists(c, :v))", OK, "nested if_not_exists (ALT-tests)"},
    {U, "SET a.c[1].#n.y[1] = :v", OK, "deep target"},
    {U, "SET a[84] = :v, a[37] = :w", OK, "two list elements"},
    {U, "REMOVE a.x, b[7]", OK, "nested removals"},
    {U, "ADD a :v, b :ss, c :ns, d :bs", OK, "ADD numbers and sets"},
    {U, "SET #n = :v", OK, "placeholder target"},
    {U, "SET #dot = :v", OK, "a dot inside a placeholder is literal"},
    {U, "SET a = :v SET b = :v",
     "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
     "duplicate SET (SPEC brief)"},
    {U, "remove d set a = b remove e",
     "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update expression;",
     "duplicate REMOVE, interleaved (DYN-test)"},
    {U, "add d :v set a = b add e :v",
     "Invalid UpdateExpression: The \"ADD\" section can only be used once in an update expression;",
     "duplicate ADD"},
    {U, "delete d :ss delete e :ss",
     "Invalid UpdateExpression: The \"DELETE\" section can only be used once in an update expression;",
     "duplicate DELETE"},
    {U, "SET a = :v, a.b = :w",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
     "overlap (SPEC brief)"},
    {U, "SET a = :v REMOVE a",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
     "same path in two clauses (ALT-tests)"},
    {U, "SET #n = :v, #m = :w",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
     "compared after substitution (ALT-tests)"},
    {U, "SET a[1][1] = :v, a[1] = :w",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, [1], [1]], path two: [a, [1]]",
     "index paths"},
    {U, "set c[3].#d = a, c[3] = a",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [3], [3]], path two: [c, [3]]",
     "a name that looks like an index (DYN-test)"},
    {U, "SET a.b = :v, a[1] = :w",
     "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
     "conflict (ALT-tests)"},
    {U, "SET a = :v, b = :v", OK, "different paths do not overlap"},
    {U, "SET a.b = :v, a.c = :w", OK, "siblings do not overlap"},
    {U, "SET a = b REMOVE b", OK, "reading a removed path is fine"},
    {U, "ADD a :s",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
     "ADD of a string (SPEC brief)"},
    {U, "ADD a :l",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST",
     "ADD of a list (ALT-tests)"},
    {U, "add a.b :null",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: NULL",
     "ADD of NULL (DYN-test)"},
    {U, "add a.b :bool",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN",
     "ADD of BOOL (DYN-test)"},
    {U, "add a.b :b",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BINARY",
     "ADD of B (DYN-test)"},
    {U, "add a.b :m",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: MAP",
     "ADD of M (DYN-test)"},
    {U, "delete a.b :v",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
     "DELETE of a number (DYN-test)"},
    {U, "DELETE a :s",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING",
     "DELETE of a string"},
    {U, "set a = list_append(:s, a)",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
     "list_append of a string (DYN-test)"},
    {U, "set a = a + :s",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
     "+ of a string (DYN-test)"},
    {U, "set a = a - :l",
     "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: L",
     "- of a list (DYN-test)"},
    {U, "set a = if_not_exists(c)",
     "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: if_not_exists, number of operands: 1",
     "if_not_exists arity (DYN-test)"},
    {U, "SET a = list_append(:l, :l, :l)",
     "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 3",
     "list_append arity (ALT-tests)"},
    {U, "set a = if_not_exists(:v, c)",
     "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
     "if_not_exists needs a path (DYN-test)"},
    {U, "set a = if_not_exists(if_not_exists(a, b), c)",
     "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
     "nested call is not a path (DYN-test)"},
    {U, "SET a = list_append(list_append(:l, :l), :l)",
     "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; function: list_append",
     "nested list_append (ALT-tests comment)"},
    {U, "SET a = LIST_APPEND(:l, :l)",
     "Invalid UpdateExpression: Invalid function name; function: LIST_APPEND",
     "function names are case-sensitive (ALT-tests)"},
    {U, "SET a = f123_hi(b,c,d)",
     "Invalid UpdateExpression: Invalid function name; function: f123_hi",
     "unknown function (ALT-tests)"},
    {U, " set #c = :v set abOrt = true ",
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt",
     "reserved words outrank everything in updates (DYN-test)"},
    {U, " remove Absolute ",
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: Absolute",
     "reserved REMOVE target (DYN-test)"},
    {U, "SET status = :v",
     "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
     "common surprise: status is reserved"},
    {U, "SET #c = if_not_exists(:v)",
     "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c",
     "undefined names outrank arity (DYN-test)"},
    {U, "SET #n = if_not_exists(:c)",
     "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :c",
     "undefined values outrank arity (DYN-test)"},
    {U, "SET b = if_not_exists(:x, :v)",
     "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :x",
     "undefined value before the path check (ALT-tests)"},
    {U, "set d[1] = a, d.b = a, c[1].a = a, c = if_not_exists(a)",
     "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [c, [1], a], path two: [c]",
     "overlap outranks conflict and arity (DYN-test)"},
    {U, "SET a = :x SET b = :v",
     "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
     "section error outranks undefined values (DYN-db)"},
};

static void parser_handles_update_expressions(void **state) {
  RUN(update_cases);
}

/* ----------------------------------------------------------- projections */

static const struct parse_case projection_cases[] = {
    {P, "a", OK, "one attribute"},
    {P, " a  ,   b  ", OK, "blanks (ALT-tests)"},
    {P, "a.b[0], a.b[1], a.c", OK, "siblings"},
    {P, "#n.x, #dot", OK, "placeholders"},
    {P, "a, a",
     "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
     "duplicate (CONF tier3)"},
    {P, "#n, #m",
     "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
     "aliases of one attribute (CONF tier3)"},
    {P, "a, a.b",
     "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
     "parent and child (CONF tier3)"},
    {P, "a.b, a[1]",
     "Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]",
     "map key against index (ALT-tests)"},
    {P, "#undef",
     "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #undef",
     "undefined name (CONF tier3)"},
    {P, "COMMENT",
     "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: COMMENT",
     "reserved word"},
    {P, "and, or, set",
     "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: and",
     "no keywords in projections: plain reserved words"},
};

static void parser_handles_projection_expressions(void **state) {
  RUN(projection_cases);
}

/* ------------------------------------------------------------ text limits */

static void parser_rejects_empty_and_oversized_texts(void **state) {
  struct fixture *f = *state;
  static const struct {
    enum dynamo_expr_kind kind;
    const char *name;
  } kinds[] = {{C, "ConditionExpression"},
               {F, "FilterExpression"},
               {K, "KeyConditionExpression"},
               {P, "ProjectionExpression"},
               {U, "UpdateExpression"}};
  char *big = malloc(DYNAMO_EXPR_MAX_TEXT + 2);
  char want[256];
  size_t i;

  assert_non_null(big);
  memset(big, 'a', DYNAMO_EXPR_MAX_TEXT + 1);
  big[DYNAMO_EXPR_MAX_TEXT + 1] = '\0';
  for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
    struct dynamo_error err;
    dynamo_error_init(&err);
    assert_null(dynamo_expr_parse(kinds[i].kind, "", &f->env, &err));
    snprintf(want, sizeof(want), "Invalid %s: The expression can not be empty;", kinds[i].name);
    assert_string_equal(err.message, want);
    assert_null(dynamo_expr_parse(kinds[i].kind, NULL, &f->env, &err));
    assert_string_equal(err.message, want);
    assert_null(dynamo_expr_parse(kinds[i].kind, big, &f->env, &err));
    snprintf(want, sizeof(want),
             "Invalid %s: Expression size has exceeded the maximum allowed size; expression "
             "size: 4097",
             kinds[i].name);
    assert_string_equal(err.message, want);
  }
  /* exactly 4096 bytes is allowed */
  big[DYNAMO_EXPR_MAX_TEXT] = '\0';
  {
    struct dynamo_error err;
    struct dynamo_expr *e;
    dynamo_error_init(&err);
    e = dynamo_expr_parse(P, big, &f->env, &err);
    assert_non_null(e);
    dynamo_expr_free(e);
  }
  free(big);
}

static double seconds_since(const struct timespec *t0) {
  struct timespec t1;

  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void parser_rejects_hostile_nesting_quickly_without_overflowing_the_stack(void **state) {
  struct fixture *f = *state;
  static const struct {
    const char *prefix, *unit;
  } units[] = {{"", "("},     {"", "NOT "},   {"", "size("}, {"", "begins_with(a, ("},
               {"a = ", "("}, {"a IN (", "("}};
  const size_t huge = 100000;
  char *text = malloc(huge + 1);
  struct timespec t0;
  size_t i, u;

  assert_non_null(text);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  /* 100,000 '(' is over the size limit */
  memset(text, '(', huge);
  text[huge] = '\0';
  {
    struct dynamo_error err;
    dynamo_error_init(&err);
    assert_null(dynamo_expr_parse(C, text, &f->env, &err));
    assert_string_equal(err.message,
                        "Invalid ConditionExpression: Expression size has exceeded the maximum "
                        "allowed size; expression size: 100000");
  }
  /* within the size limit: every way to nest hits the depth cap */
  for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
    struct dynamo_error err;
    size_t ulen = strlen(units[u].unit), used = strlen(units[u].prefix);
    memcpy(text, units[u].prefix, used);
    while (used + ulen <= DYNAMO_EXPR_MAX_TEXT) {
      memcpy(text + used, units[u].unit, ulen);
      used += ulen;
    }
    text[used] = '\0';
    dynamo_error_init(&err);
    assert_null(dynamo_expr_parse(C, text, &f->env, &err));
    if (strcmp(err.message, "Invalid ConditionExpression: The expression has too many levels of "
                            "nesting; maximum depth: 64") != 0)
      fail_msg("unit \"%s%s...\": %s", units[u].prefix, units[u].unit, err.message);
  }
  /* a legitimate 60-deep nesting still parses */
  {
    struct dynamo_error err;
    struct dynamo_expr *e;
    size_t used = 0;
    for (i = 0; i < 60; i++)
      text[used++] = '(';
    memcpy(text + used, "a = :v", 6);
    used += 6;
    for (i = 0; i < 60; i++)
      text[used++] = ')';
    text[used] = '\0';
    dynamo_error_init(&err);
    e = dynamo_expr_parse(C, text, &f->env, &err);
    /* DynamoDB rejects the doubled pairs, but only after parsing all of it */
    assert_null(e);
    assert_string_equal(err.message,
                        "Invalid ConditionExpression: The expression has redundant parentheses;");
  }
  free(text);
  assert_true(seconds_since(&t0) < 1.0);
}

static void parser_rejects_paths_deeper_than_32_levels(void **state) {
  struct fixture *f = *state;
  char text[512];
  size_t used, i;
  int depth;

  for (depth = 32; depth <= 33; depth++) {
    struct dynamo_error err;
    struct dynamo_expr *e;
    used = (size_t)snprintf(text, sizeof(text), "a");
    for (i = 1; i < (size_t)depth; i++)
      used += (size_t)snprintf(text + used, sizeof(text) - used, "%s", i % 2 ? ".b" : "[0]");
    dynamo_error_init(&err);
    e = dynamo_expr_parse(P, text, &f->env, &err);
    if (depth == 32) {
      assert_non_null(e);
    } else {
      assert_null(e);
      assert_string_equal(err.message,
                          "Invalid ProjectionExpression: The document path has too many nesting "
                          "levels; nesting levels: 33, maximum: 32");
    }
    dynamo_expr_free(e);
  }
}

/* -------------------------------------------------------------- the AST */

static void render_path(const struct expr_path *p, char *out, size_t cap, size_t *used) {
  const struct expr_path_elem *el;

  for (el = p->head; el; el = el->next) {
    int n = el->name
                ? snprintf(out + *used, cap - *used, "%s%s", el == p->head ? "" : ".", el->name)
                : snprintf(out + *used, cap - *used, "[%u]", (unsigned)el->index);
    *used += (size_t)n;
  }
}

static void render_node(const struct expr_node *n, char *out, size_t cap, size_t *used) {
  static const char *const cmp[] = {"=", "<>", "<", "<=", ">", ">="};
  const struct expr_node *k;
  const char *head = "?";

  switch (n->kind) {
  case EXPR_N_PATH:
    render_path(&n->path, out, cap, used);
    return;
  case EXPR_N_VALUE:
    *used += (size_t)snprintf(out + *used, cap - *used, "%s", n->name);
    return;
  case EXPR_N_CALL:
    head = n->name;
    break;
  case EXPR_N_CMP:
    head = cmp[n->op];
    break;
  case EXPR_N_BETWEEN:
    head = "BETWEEN";
    break;
  case EXPR_N_IN:
    head = "IN";
    break;
  case EXPR_N_AND:
    head = "AND";
    break;
  case EXPR_N_OR:
    head = "OR";
    break;
  case EXPR_N_NOT:
    head = "NOT";
    break;
  case EXPR_N_PLUS:
    head = "+";
    break;
  case EXPR_N_MINUS:
    head = "-";
    break;
  }
  *used += (size_t)snprintf(out + *used, cap - *used, "(%s", head);
  for (k = n->kids; k; k = k->next) {
    *used += (size_t)snprintf(out + *used, cap - *used, " ");
    render_node(k, out, cap, used);
  }
  *used += (size_t)snprintf(out + *used, cap - *used, ")");
}

struct ast_case {
  enum dynamo_expr_kind kind;
  const char *text;
  const char *ast;
  const char *reason;
};

static const struct ast_case ast_cases[] = {
    {C, "a = :v OR b = :v AND c = :v", "(OR (= a :v) (AND (= b :v) (= c :v)))",
     "AND binds tighter than OR"},
    {C, "(a = :v OR b = :v) AND c = :v", "(AND (OR (= a :v) (= b :v)) (= c :v))",
     "parentheses first"},
    {C, "NOT a = :v AND b = :v", "(AND (NOT (= a :v)) (= b :v))",
     "NOT binds tighter than AND (ALT-tests)"},
    {C, "NOT NOT a < b", "(NOT (NOT (< a b)))", "stacked NOT"},
    {C, "b BETWEEN a AND c AND a < b", "(AND (BETWEEN b a c) (< a b))",
     "BETWEEN's AND before the logical AND (ALT-tests)"},
    {C, "a = :v AND b = :v AND c = :v", "(AND (= a :v) (= b :v) (= c :v))", "AND is n-ary"},
    {C, "a IN (:v, b, size(c))", "(IN a :v b (size c))", "IN candidates in order"},
    {C, "size(a.b[2].c) >= :v", "(>= (size a.b[2].c) :v)", "function of a deep path"},
    {C, "#n.x[0][1] <> :v", "(<> a.x[0][1] :v)", "placeholder resolved in the path"},
    {C, "#dot = :v", "(= a.b :v)", "placeholder with a literal dot stays one element"},
    {K, "((c=:v) AND (p=:w))", "(AND (= c :v) (= p :w))", "parentheses in key conditions"},
};

static void parser_applies_dynamodb_precedence_and_builds_paths(void **state) {
  struct fixture *f = *state;
  size_t i;

  for (i = 0; i < sizeof(ast_cases) / sizeof(ast_cases[0]); i++) {
    const struct ast_case *c = &ast_cases[i];
    struct dynamo_error err;
    struct dynamo_expr *e;
    char out[512];
    size_t used = 0;

    dynamo_error_init(&err);
    e = dynamo_expr_parse(c->kind, c->text, &f->env, &err);
    if (!e)
      fail_msg("\"%s\" (%s): %s", c->text, c->reason, err.message);
    out[0] = '\0';
    render_node(e->cond, out, sizeof(out), &used);
    if (strcmp(out, c->ast) != 0)
      fail_msg("\"%s\" (%s): got %s, want %s", c->text, c->reason, out, c->ast);
    dynamo_expr_free(e);
  }
}

static void parser_keeps_path_elements_in_order(void **state) {
  struct fixture *f = *state;
  struct dynamo_error err;
  struct dynamo_expr *e;
  const struct expr_path_elem *el;

  dynamo_error_init(&err);
  e = dynamo_expr_parse(P, "x.b[2].c, a[0][1]", &f->env, &err);
  assert_non_null(e);
  assert_int_equal(e->nproj, 2);
  el = e->proj->path.head;
  assert_int_equal(e->proj->path.n, 4);
  assert_string_equal(el->name, "x");
  assert_string_equal(el->next->name, "b");
  assert_null(el->next->next->name);
  assert_int_equal(el->next->next->index, 2);
  assert_string_equal(el->next->next->next->name, "c");
  el = e->proj->next->path.head;
  assert_int_equal(e->proj->next->path.n, 3);
  assert_int_equal(el->next->index, 0);
  assert_int_equal(el->next->next->index, 1);
  dynamo_expr_free(e);
}

/* ----------------------------------------------- placeholders and targets */

static void env_check_unused_reports_names_before_values_in_request_order(void **state) {
  struct {
    const char *names, *values;
    enum dynamo_expr_kind kind;
    const char *text;
    const char *want; /* NULL: nothing unused */
    const char *reason;
  } cases[] = {
      {"{\"#a\":\"x\"}", "{\":v\":{\"N\":\"1\"}}", C, "#a = :v", NULL, "all used"},
      {NULL, "{\":v\":{\"N\":\"1\"},\":unused\":{\"N\":\"2\"}}", U, "SET a = :v",
       "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}",
       "SPEC docs/spec/dynamodb.md 2.4"},
      {"{\"#n\":\"x\"}", "{\":v\":{\"N\":\"1\"}}", U, "SET a = :v",
       "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}",
       "unused name"},
      {"{\"#b\":\"x\",\"#a\":\"y\",\"#c\":\"z\"}", "{\":z\":{\"N\":\"1\"},\":q\":{\"N\":\"1\"}}", C,
       "#a = :z",
       "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b, #c}",
       "names first, in request order, even when values are unused too"},
      {NULL, "{\":c\":{\"N\":\"1\"},\":a\":{\"N\":\"1\"},\":b\":{\"N\":\"1\"}}", C, "x = :a",
       "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c, :b}",
       "several values joined by \", \""},
      {"{\"#name1\":\"a\",\"#name2\":\"b\"}", "{\":val1\":{\"N\":\"1\"},\":val2\":{\"N\":\"2\"}}",
       C, "#name1 = :val1 OR #name2 = :val2", NULL,
       "a placeholder counts as used even where evaluation would short-circuit (ALT-tests)"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *n = cases[i].names ? cJSON_Parse(cases[i].names) : NULL;
    cJSON *v = cases[i].values ? cJSON_Parse(cases[i].values) : NULL;
    struct dynamo_expr_env env;
    struct dynamo_error err;
    struct dynamo_expr *e;
    int rc;

    dynamo_error_init(&err);
    dynamo_expr_env_init(&env, n, v);
    e = dynamo_expr_parse(cases[i].kind, cases[i].text, &env, &err);
    if (!e)
      fail_msg("\"%s\" (%s): %s", cases[i].text, cases[i].reason, err.message);
    rc = dynamo_expr_env_check_unused(&env, &err);
    if (cases[i].want == NULL && rc != 0)
      fail_msg("\"%s\" (%s): unexpected %s", cases[i].text, cases[i].reason, err.message);
    if (cases[i].want != NULL && (rc != -1 || strcmp(err.message, cases[i].want) != 0))
      fail_msg("\"%s\" (%s): got \"%s\", want \"%s\"", cases[i].text, cases[i].reason, err.message,
               cases[i].want);
    dynamo_expr_free(e);
    dynamo_expr_env_free(&env);
    cJSON_Delete(n);
    cJSON_Delete(v);
  }
}

static void env_is_shared_by_all_expressions_of_a_request(void **state) {
  cJSON *n = cJSON_Parse("{\"#a\":\"a\",\"#b\":\"b\"}");
  cJSON *v = cJSON_Parse("{\":x\":{\"N\":\"1\"},\":y\":{\"N\":\"2\"}}");
  struct dynamo_expr_env env;
  struct dynamo_error err;
  struct dynamo_expr *u, *c;

  (void)state;
  dynamo_error_init(&err);
  dynamo_expr_env_init(&env, n, v);
  u = dynamo_expr_parse(U, "SET #a = :x", &env, &err);
  assert_non_null(u);
  assert_int_equal(dynamo_expr_env_check_unused(&env, &err), -1);
  c = dynamo_expr_parse(C, "#b = :y", &env, &err);
  assert_non_null(c);
  assert_int_equal(dynamo_expr_env_check_unused(&env, &err), 0);
  dynamo_expr_free(u);
  dynamo_expr_free(c);
  dynamo_expr_env_free(&env);
  cJSON_Delete(n);
  cJSON_Delete(v);
}

static void parser_works_without_any_placeholders(void **state) {
  struct dynamo_error err;
  struct dynamo_expr *e;

  (void)state;
  dynamo_error_init(&err);
  e = dynamo_expr_parse(C, "attribute_exists(a)", NULL, &err);
  assert_non_null(e);
  dynamo_expr_free(e);
  assert_null(dynamo_expr_parse(C, "a = :v", NULL, &err));
  assert_string_equal(err.message, "Invalid ConditionExpression: An expression attribute value "
                                   "used in expression is not defined; attribute value: :v");
}

static void update_targets_lists_distinct_top_level_names_in_first_use_order(void **state) {
  struct fixture *f = *state;
  struct dynamo_error err;
  struct dynamo_expr *e;
  const char *names[8];
  size_t n;

  dynamo_error_init(&err);
  e = dynamo_expr_parse(U, "SET b.x = :v, #n = c REMOVE b.y, d[1] ADD e :v DELETE #dot :ss",
                        &f->env, &err);
  if (!e)
    fail_msg("%s", err.message);
  n = dynamo_expr_update_targets(e, names, 8);
  assert_int_equal(n, 5);
  assert_string_equal(names[0], "b");
  assert_string_equal(names[1], "a");
  assert_string_equal(names[2], "d");
  assert_string_equal(names[3], "e");
  assert_string_equal(names[4], "a.b"); /* "#dot": one attribute with a dot */
  /* a small buffer still learns the full count */
  assert_int_equal(dynamo_expr_update_targets(e, names, 1), 5);
  dynamo_expr_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(parser_reports_syntax_errors_with_token_and_near_context,
                                      setup_env, teardown_env),
      cmocka_unit_test_setup_teardown(parser_accepts_conditions_and_reports_dynamodb_messages,
                                      setup_env, teardown_env),
      cmocka_unit_test_setup_teardown(parser_limits_in_to_one_hundred_operands, setup_env,
                                      teardown_env),
      cmocka_unit_test_setup_teardown(parser_handles_update_expressions, setup_env, teardown_env),
      cmocka_unit_test_setup_teardown(parser_handles_projection_expressions, setup_env,
                                      teardown_env),
      cmocka_unit_test_setup_teardown(parser_rejects_empty_and_oversized_texts, setup_env,
                                      teardown_env),
      cmocka_unit_test_setup_teardown(
          parser_rejects_hostile_nesting_quickly_without_overflowing_the_stack, setup_env,
          teardown_env),
      cmocka_unit_test_setup_teardown(parser_rejects_paths_deeper_than_32_levels, setup_env,
                                      teardown_env),
      cmocka_unit_test_setup_teardown(parser_applies_dynamodb_precedence_and_builds_paths,
                                      setup_env, teardown_env),
      cmocka_unit_test_setup_teardown(parser_keeps_path_elements_in_order, setup_env, teardown_env),
      cmocka_unit_test(env_check_unused_reports_names_before_values_in_request_order),
      cmocka_unit_test(env_is_shared_by_all_expressions_of_a_request),
      cmocka_unit_test(parser_works_without_any_placeholders),
      cmocka_unit_test_setup_teardown(
          update_targets_lists_distinct_top_level_names_in_first_use_order, setup_env,
          teardown_env),
  };
  return cmocka_run_group_tests_name("dynamo_expr_parser", tests, NULL, NULL);
}
