/*
 * test_dynamo_partiql_parse.c - unit tests for
 * emulator/dynamo/dynamo_partiql_parse.c: which statements parse, the
 * shape of the tree (precedence, paths, literals, parameters, clauses),
 * DynamoDB's messages for refused statements, and the bounds (nesting,
 * path length, arbitrary bytes).
 *
 * The tables have a reason column; OK means the text parses, otherwise
 * the message must contain the expected text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dynamo_partiql.h"

#define OK NULL
#define MALFORMED "Statement wasn't well formed, can't be processed: "

struct row {
  const char *text;
  const char *message; /* OK, or a substring of the error message */
  const char *reason;
};

static struct dynamo_partiql *parse_ok(const char *text) {
  struct dynamo_partiql *st = NULL;
  struct dynamo_error err;

  dynamo_error_init(&err);
  if (dynamo_partiql_parse(text, strlen(text), &st, &err) != 0)
    fail_msg("%s: %s", text, err.message);
  dynamo_error_clear(&err);
  return st;
}

static void run_rows(const struct row *rows, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) {
    struct dynamo_partiql *st = NULL;
    struct dynamo_error err;
    int rc;

    dynamo_error_init(&err);
    rc = dynamo_partiql_parse(rows[i].text, strlen(rows[i].text), &st, &err);
    if (rows[i].message == OK && rc != 0)
      fail_msg("row %zu (%s): %s refused: %s", i, rows[i].reason, rows[i].text, err.message);
    if (rows[i].message != OK &&
        (rc == 0 || err.code != DYNAMO_ERR_VALIDATION || !strstr(err.message, rows[i].message)))
      fail_msg("row %zu (%s): %s: got '%s', want '%s'", i, rows[i].reason, rows[i].text,
               rc == 0 ? "(parsed)" : err.message, rows[i].message);
    dynamo_partiql_free(st);
    dynamo_error_clear(&err);
  }
}

static void statements_parse_as_dynamodb_documents_them(void **state) {
  static const struct row rows[] = {
      {"SELECT * FROM \"Music\"", OK, "SELECT * FROM a quoted table"},
      {"select OrderID, Total from Orders where OrderID = 1", OK, "keywords in any case"},
      {"SELECT * FROM \"Orders\" WHERE OrderID IN [100, 300, 234]", OK, "IN with a list"},
      {"SELECT * FROM \"Orders\" WHERE OrderID = 100 OR OrderID = 200", OK, "OR"},
      {"SELECT * FROM \"TableName\".\"IndexName\" WHERE k = 1", OK, "an index"},
      {"SELECT a.b[2].c, \"d e\" FROM t WHERE x BETWEEN 1 AND 5 AND NOT y = 'z'", OK,
       "paths, BETWEEN, NOT"},
      {"SELECT * FROM t WHERE begins_with(a, 'x') AND size(b) > 2 AND c IS NOT MISSING", OK,
       "functions and IS NOT MISSING"},
      {"SELECT * FROM t WHERE k = ? ORDER BY s DESC", OK, "ORDER BY ... DESC"},
      {"INSERT INTO \"Music\" value {'Artist' : 'Acme Band','SongTitle' : 'PartiQL Rocks'}", OK,
       "the developer guide's INSERT example"},
      {"INSERT INTO t VALUE {'a': <<1, 2>>, 'b': [TRUE, NULL, -1.5e3], 'c': {'d': 'it''s'}}", OK,
       "bags, lists, tuples, booleans, NULL, negative numbers, a doubled quote"},
      {"UPDATE \"Music\" SET AwardsWon=1 SET AwardDetail={'Grammys':[2020, 2018]} WHERE "
       "Artist='Acme Band' AND SongTitle='PartiQL Rocks' RETURNING ALL OLD *",
       OK, "the developer guide's UPDATE example"},
      {"UPDATE t SET a = a + 1, l = list_append(l, [1]) REMOVE b, c.d WHERE k = 1", OK,
       "arithmetic, list_append, REMOVE lists"},
      {"UPDATE t SET s = set_add(s, <<'x'>>) WHERE k = 1 RETURNING MODIFIED NEW *", OK,
       "set_add, MODIFIED NEW"},
      {"DELETE FROM \"Music\" WHERE \"Artist\" = 'Acme Band' AND \"SongTitle\" = 'PartiQL Rocks' "
       "RETURNING ALL OLD *",
       OK, "the developer guide's DELETE example"},
      {"EXISTS(SELECT * FROM \"Music\" where Artist='No One You Know' and SongTitle='Call Me "
       "Today' and Awards is MISSING)",
       OK, "the developer guide's EXISTS example"},
      {"SELECT * FROM t;", OK, "a trailing semicolon"},
      {"", MALFORMED "Expected data manipulation", "an empty statement"},
      {"SLECT * FROM t", MALFORMED "Expected data manipulation", "a misspelt keyword"},
      {"SELECT * FROM t WHERE", MALFORMED, "a WHERE without a condition"},
      {"SELECT * FROM t WHERE a = 'open", MALFORMED, "an unterminated string"},
      {"SELECT * FROM t WHERE a = 1 b", MALFORMED "Unexpected token after expression",
       "text after the statement"},
      {"SELECT * FROM t WHERE a # 1", MALFORMED, "an unknown character"},
      {"SELECT * FROM a.b.c", "A path may contain at most 2 components in the FROM clause",
       "three components in FROM"},
      {"SELECT *, a FROM t", "Other attributes should not be present in the projection",
       "* and a list"},
      {"SELECT * FROM t ORDER BY a", "Must have WHERE clause", "ORDER BY without WHERE"},
      {"SELECT * FROM t WHERE a IN 1", "IN operator must have", "IN without a list"},
      {"SELECT * FROM t WHERE a IN []", "IN operator must have", "IN with an empty list"},
      {"SELECT * FROM t WHERE a IS 3", MALFORMED, "IS needs MISSING or NULL"},
      {"SELECT * FROM t WHERE a.\"\" = 1", "Path component cannot be an empty string",
       "an empty path component"},
      {"INSERT INTO t VALUES {'a': 1}", "Inserting multiple items in a single statement", "VALUES"},
      {"INSERT INTO t VALUE 'a'", "Please use struct format {...}", "an item that is no tuple"},
      {"INSERT INTO t VALUE {'a': 1} RETURNING ALL OLD *", "RETURNING is not supported in INSERT",
       "RETURNING on INSERT"},
      {"INSERT INTO t VALUE {a: 1}", MALFORMED "Expected a string key in a tuple",
       "tuple keys are strings"},
      {"UPDATE t WHERE k = 1", MALFORMED "Expected SET or REMOVE", "an UPDATE without actions"},
      {"UPDATE t SET a = 1", "Where clause does not contain a mandatory equality",
       "an UPDATE without WHERE"},
      {"UPDATE t.i SET a = 1 WHERE k = 1", OK,
       "an UPDATE of an index parses (the plan refuses it)"},
      {"INSERT INTO t.i VALUE {'a': 1}", "FROM clause may only contain a single table name",
       "an INSERT into an index does not parse"},
      {"UPDATE t SET a = 1 WHERE k = 1 RETURNING ALL OLD", "Expected '*' after", "no *"},
      {"DELETE FROM t WHERE k = 1 RETURNING MODIFIED OLD *",
       "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed "
       "in DELETE statements.",
       "DELETE returns ALL OLD only"},
      {"DELETE FROM t", "Where clause does not contain a mandatory equality",
       "a DELETE without WHERE"},
  };
  (void)state;
  run_rows(rows, sizeof(rows) / sizeof(rows[0]));
}

static void conditions_follow_or_and_not_precedence(void **state) {
  struct dynamo_partiql *st = parse_ok("SELECT * FROM t WHERE a = 1 OR b = 2 AND NOT c = 3");
  const struct partiql_node *w = st->where;
  (void)state;

  assert_int_equal(w->kind, PQ_OR);
  assert_int_equal(w->nkids, 2);
  assert_int_equal(w->kids->kind, PQ_CMP);
  assert_int_equal(w->kids->next->kind, PQ_AND);
  assert_int_equal(w->kids->next->kids->next->kind, PQ_NOT);
  dynamo_partiql_free(st);

  st = parse_ok("SELECT * FROM t WHERE x BETWEEN 1 AND 2 AND y = 3");
  assert_int_equal(st->where->kind, PQ_AND);
  assert_int_equal(st->where->kids->kind, PQ_BETWEEN);
  assert_int_equal(st->where->kids->nkids, 3);
  dynamo_partiql_free(st);
}

static void paths_literals_and_parameters_are_kept_exactly(void **state) {
  struct dynamo_partiql *st = parse_ok(
      "SELECT \"a b\".c[12] FROM \"My\"\"Table\" WHERE k = ? AND s = 'it''s' AND n = ?");
  const struct partiql_node *p = st->proj, *eq;
  char *text;
  (void)state;

  assert_string_equal(st->table, "My\"Table");
  assert_int_equal(p->nelems, 3);
  assert_string_equal(p->elems[0].name, "a b");
  assert_string_equal(p->elems[1].name, "c");
  assert_null(p->elems[2].name);
  assert_int_equal(p->elems[2].index, 12);
  assert_int_equal(st->nparams, 2);
  eq = st->where->kids->next;
  text = cJSON_PrintUnformatted(eq->kids->next->value);
  assert_string_equal(text, "{\"S\":\"it's\"}");
  free(text);
  assert_int_equal(st->where->kids->next->next->kids->next->param, 1);
  dynamo_partiql_free(st);

  st = parse_ok("UPDATE t SET a = -2.5E+3 REMOVE b WHERE k = 1 RETURNING MODIFIED OLD *");
  text = cJSON_PrintUnformatted(st->actions->value->value);
  assert_string_equal(text, "{\"N\":\"-2.5E+3\"}");
  free(text);
  assert_int_equal(st->actions->next->remove, 1);
  assert_int_equal(st->returning, PQ_RET_MODIFIED_OLD);
  dynamo_partiql_free(st);
}

static void nesting_and_paths_are_bounded(void **state) {
  char text[DYNAMO_PARTIQL_MAX_TEXT + 64];
  struct dynamo_partiql *st = NULL;
  struct dynamo_error err;
  size_t n = 0;
  int i;
  (void)state;

  n += (size_t)snprintf(text, sizeof(text), "SELECT * FROM t WHERE ");
  for (i = 0; i < 200; i++)
    text[n++] = '(';
  n += (size_t)snprintf(text + n, sizeof(text) - n, "a = 1");
  for (i = 0; i < 200; i++)
    text[n++] = ')';
  text[n] = '\0';
  dynamo_error_init(&err);
  assert_int_equal(dynamo_partiql_parse(text, n, &st, &err), -1);
  assert_non_null(strstr(err.message, "nested too deeply"));
  dynamo_error_clear(&err);

  n = (size_t)snprintf(text, sizeof(text), "SELECT * FROM t WHERE a = 1");
  for (i = 0; i < 500; i++)
    n += (size_t)snprintf(text + n, sizeof(text) - n, " + 1");
  dynamo_error_init(&err);
  assert_int_equal(dynamo_partiql_parse(text, n, &st, &err), -1);
  assert_non_null(strstr(err.message, "nested too deeply"));
  dynamo_error_clear(&err);

  n = (size_t)snprintf(text, sizeof(text), "SELECT a");
  for (i = 0; i < 40; i++)
    n += (size_t)snprintf(text + n, sizeof(text) - n, ".b");
  n += (size_t)snprintf(text + n, sizeof(text) - n, " FROM t");
  dynamo_error_init(&err);
  assert_int_equal(dynamo_partiql_parse(text, n, &st, &err), -1);
  assert_non_null(strstr(err.message, "Path nested too deeply"));
  dynamo_error_clear(&err);
}

/* Arbitrary bytes never crash or leak (ASan checks): every outcome is a
 * parse or a ValidationException. */
static void arbitrary_bytes_are_parsed_or_refused(void **state) {
  static const char alphabet[] = "SELECT*FROMWHEREAND OR NOT()[]{}<<>>,.:?'\"=<>!+-0123456789abc";
  unsigned seed = 12345;
  int round;
  (void)state;

  for (round = 0; round < 20000; round++) {
    char text[64];
    size_t n = (size_t)(round % 60), i;
    struct dynamo_partiql *st = NULL;
    struct dynamo_error err;
    for (i = 0; i < n; i++) {
      seed = seed * 1103515245u + 12345u;
      text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
    }
    if (round % 3 == 0 && n > 14)
      memcpy(text, "SELECT * FROM ", 14);
    text[n] = '\0';
    dynamo_error_init(&err);
    if (dynamo_partiql_parse(text, n, &st, &err) != 0)
      assert_int_equal(err.code, DYNAMO_ERR_VALIDATION);
    dynamo_partiql_free(st);
    dynamo_error_clear(&err);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(statements_parse_as_dynamodb_documents_them),
      cmocka_unit_test(conditions_follow_or_and_not_precedence),
      cmocka_unit_test(paths_literals_and_parameters_are_kept_exactly),
      cmocka_unit_test(nesting_and_paths_are_bounded),
      cmocka_unit_test(arbitrary_bytes_are_parsed_or_refused),
  };
  return cmocka_run_group_tests_name("dynamo_partiql_parse", tests, NULL, NULL);
}
