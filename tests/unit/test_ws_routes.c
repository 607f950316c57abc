/*
 * test_ws_routes.c - unit tests for emulator/gateway/ws_routes.c: every rule of
 * route selection in docs/spec/apigw-websocket.md section 3. Expression forms
 * ($request.body.x, nested paths, ${...}, composites, static values,
 * escaped \$default), "not found" resolving to "", bodies that are not JSON
 * objects, stringification of non-string values, exact case-sensitive
 * matching, the $default fall-through (and NULL without $default), and the
 * expressions rejected at compile time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_buf.h"
#include "emu_config.h"
#include "ws_routes.h"

#define NO_ROUTE NULL   /* expected: ws_routes_select returns NULL */
#define NOT_OBJECT NULL /* expected: ws_routes_evaluate says WS_ROUTES_NOT_OBJECT */

/* ---- Fixtures ----------------------------------------------------------- */

/* Builds an API by hand; keys are borrowed string literals. */
#define ROUTE(k)                                                            \
  {                                                                         \
    .key = (char *)(k), .fn = {.handler = (char *)"h", .timeout_ms = 1000 } \
  }

static struct emu_route chat_routes[] = {
    ROUTE("$connect"),  ROUTE("$disconnect"), ROUTE("$default"), ROUTE("sendmessage"),
    ROUTE("chat/join"), ROUTE("42"),          ROUTE("true"),     ROUTE("[a, b]"),
    ROUTE("1.5"),       ROUTE("chat/"),
};
static const struct emu_api chat_api = {
    .name = (char *)"chat",
    .stage = (char *)"dev",
    .route_selection_expression = (char *)"$request.body.action",
    .api_id = "abcdefghij",
    .routes = chat_routes,
    .nroutes = sizeof(chat_routes) / sizeof(chat_routes[0]),
};

static struct emu_route strict_routes[] = {
    ROUTE("$connect"),
    ROUTE("sendmessage"),
};
static const struct emu_api strict_api = {
    .name = (char *)"strict",
    .stage = (char *)"prod",
    .route_selection_expression = (char *)"$request.body.action",
    .api_id = "klmnopqrst",
    .routes = strict_routes,
    .nroutes = sizeof(strict_routes) / sizeof(strict_routes[0]),
};

static struct ws_route_expr *compile_ok(const char *expr) {
  char err[256] = "";
  struct ws_route_expr *e = ws_routes_compile(expr, err, sizeof(err));

  if (!e) {
    print_error("compile(\"%s\") failed: %s\n", expr, err);
    fail();
  }
  return e;
}

/* ---- Evaluation --------------------------------------------------------- */

struct eval_case {
  const char *expr;
  const char *body;
  const char *key; /* evaluated key, or NOT_OBJECT */
  const char *reason;
};

static void run_eval_cases(const struct eval_case *cases, size_t n) {
  struct emu_buf out;
  size_t i;
  int failures = 0;

  emu_buf_init(&out, 64 * 1024);
  for (i = 0; i < n; i++) {
    struct ws_route_expr *e = compile_ok(cases[i].expr);
    enum ws_routes_eval r;

    /* Stale content must not leak into the result. */
    emu_buf_puts(&out, "stale");
    r = ws_routes_evaluate(e, cases[i].body, strlen(cases[i].body), &out);
    if (cases[i].key == NOT_OBJECT) {
      if (r != WS_ROUTES_NOT_OBJECT) {
        print_error("%s on %s: expected NOT_OBJECT, got key \"%s\" (%s)\n", cases[i].expr,
                    cases[i].body, out.data ? out.data : "", cases[i].reason);
        failures++;
      }
    } else if (r != WS_ROUTES_KEY || out.len != strlen(cases[i].key) ||
               memcmp(out.data, cases[i].key, out.len) != 0) {
      print_error("%s on %s: expected \"%s\", got %s \"%.*s\" (%s)\n", cases[i].expr, cases[i].body,
                  cases[i].key, r == WS_ROUTES_KEY ? "key" : "NOT_OBJECT", (int)out.len,
                  out.data ? out.data : "", cases[i].reason);
      failures++;
    }
    ws_routes_free(e);
  }
  emu_buf_free(&out);
  assert_int_equal(failures, 0);
}

static void evaluation_supports_every_documented_expression_form(void **state) {
  static const struct eval_case cases[] = {
      {"$request.body.action", "{\"action\":\"sendmessage\"}", "sendmessage",
       "the default expression"},
      {"${request.body.action}", "{\"action\":\"join\"}", "join", "braced form"},
      {"$request.body.data.type", "{\"data\":{\"type\":\"x\"}}", "x", "nested path (spec 3)"},
      {"$request.body.a.b", "{\"a\":{\"b\":\"deep\"},\"b\":\"top\"}", "deep",
       "nested path takes the inner member"},
      {"${request.body.a.b.c}", "{\"a\":{\"b\":{\"c\":\"three\"}}}", "three",
       "three levels in braces"},
      {"${request.body.service}/${request.body.action}",
       "{\"service\":\"chat\",\"action\":\"join\"}", "chat/join", "composite (spec 3)"},
      {"$request.body.service/$request.body.action", "{\"service\":\"chat\",\"action\":\"join\"}",
       "chat/join", "composite without braces"},
      {"v1-${request.body.action}", "{\"action\":\"join\"}", "v1-join", "literal prefix"},
      {"${request.body.action}!", "{\"action\":\"join\"}", "join!", "literal suffix"},
      {"$request.body.my-key_1", "{\"my-key_1\":\"k\"}", "k", "hyphen and underscore in a name"},
      {"${request.body.a b}", "{\"a b\":\"spaced\"}", "spaced", "braces delimit any name"},
      {"action", "{\"action\":\"join\"}", "action", "static expression (spec 3)"},
      {"\\$default", "{\"action\":\"join\"}", "$default", "escaped \\$default (spec 3)"},
      {"x\\$y", "{}", "x$y", "escaped dollar inside a literal"},
      {"$request.body.action", "  {\"action\" : \"join\"}  ", "join",
       "whitespace around JSON is fine"},
      {"$request.body.action", "{\"action\":\"caf\xc3\xa9\"}", "caf\xc3\xa9", "UTF-8 is kept"},
      {"$request.body.action", "{\"action\":\"a\\/b\\u0041\"}", "a/bA", "JSON escapes are decoded"},
  };

  (void)state;
  run_eval_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void a_path_that_is_not_found_resolves_to_an_empty_string(void **state) {
  static const struct eval_case cases[] = {
      {"$request.body.action", "{}", "", "empty object"},
      {"$request.body.action", "{\"other\":\"x\"}", "", "member missing"},
      {"$request.body.action", "{\"Action\":\"x\"}", "", "member names are case-sensitive"},
      {"$request.body.a.b", "{\"a\":{\"c\":\"x\"}}", "", "inner member missing"},
      {"$request.body.a.b", "{\"a\":\"string\"}", "", "descending into a string"},
      {"$request.body.a.b", "{\"a\":[{\"b\":\"x\"}]}", "", "descending into an array"},
      {"$request.body.a.b", "{\"a\":null}", "", "descending into null"},
      {"$request.body.action", "{\"action\":null}", "", "null resolves to empty"},
      {"${request.body.service}/${request.body.action}", "{\"service\":\"chat\"}", "chat/",
       "one part of a composite missing"},
      {"${request.body.action}-${request.body.invalidPath}", "{\"action\":\"join\"}", "join-",
       "literal substitution (the doc's table row shows \"join\"; spec 3 calls it ambiguous)"},
  };

  (void)state;
  run_eval_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void bodies_that_are_not_json_objects_are_reported_as_such(void **state) {
  static const struct eval_case cases[] = {
      {"$request.body.action", "hello", NOT_OBJECT, "plain text"},
      {"$request.body.action", "", NOT_OBJECT, "empty message"},
      {"$request.body.action", "\"hi\"", NOT_OBJECT, "JSON string (spec 3)"},
      {"$request.body.action", "[1]", NOT_OBJECT, "JSON array (spec 3)"},
      {"$request.body.action", "42", NOT_OBJECT, "JSON number (spec 3)"},
      {"$request.body.action", "null", NOT_OBJECT, "JSON null"},
      {"$request.body.action", "true", NOT_OBJECT, "JSON boolean"},
      {"$request.body.action", "{\"action\":", NOT_OBJECT, "truncated JSON"},
      {"$request.body.action", "{\"action\":\"a\"} x", NOT_OBJECT, "trailing garbage"},
      {"${request.body.service}/x", "[\"chat\"]", NOT_OBJECT, "composite on an array"},
  };

  (void)state;
  run_eval_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void non_string_values_are_stringified(void **state) {
  static const struct eval_case cases[] = {
      {"$request.body.action", "{\"action\":42}", "42", "integer as JSON text"},
      {"$request.body.action", "{\"action\":-7}", "-7", "negative integer"},
      {"$request.body.action", "{\"action\":1.5}", "1.5", "fraction"},
      {"$request.body.action", "{\"action\":true}", "true", "boolean true"},
      {"$request.body.action", "{\"action\":false}", "false", "boolean false"},
      {"$request.body.action", "{\"action\":[\"a\",\"b\"]}", "[a, b]",
       "array as [item1, item2] (spec 3)"},
      {"$request.body.action", "{\"action\":[1,true]}", "[1, true]", "array of scalars"},
      {"$request.body.action", "{\"action\":[]}", "[]", "empty array"},
      {"$request.body.action", "{\"action\":[[\"a\"],\"b\"]}", "[[a], b]", "nested array"},
      {"$request.body.action", "{\"action\":{\"x\":1}}", "{\"x\":1}", "object as compact JSON"},
      {"${request.body.n}/${request.body.b}", "{\"n\":3,\"b\":false}", "3/false",
       "scalars inside a composite"},
  };

  (void)state;
  run_eval_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void evaluation_reads_only_len_bytes_of_the_body(void **state) {
  static const char body[] = "{\"action\":\"join\"}{\"action\":\"other\"}";
  struct ws_route_expr *e = compile_ok("$request.body.action");
  struct emu_buf out;

  (void)state;
  emu_buf_init(&out, 1024);
  assert_int_equal(ws_routes_evaluate(e, body, 17, &out), WS_ROUTES_KEY);
  assert_string_equal(out.data, "join");
  assert_int_equal(ws_routes_evaluate(e, body, 10, &out), WS_ROUTES_NOT_OBJECT);
  assert_int_equal(out.len, 0);
  emu_buf_free(&out);
  ws_routes_free(e);
}

/* ---- Selection ---------------------------------------------------------- */

struct select_case {
  const struct emu_api *api;
  const char *expr;
  const char *body;
  const char *route; /* selected route key, or NO_ROUTE */
  const char *reason;
};

static void run_select_cases(const struct select_case *cases, size_t n) {
  size_t i;
  int failures = 0;

  for (i = 0; i < n; i++) {
    struct ws_route_expr *e = compile_ok(cases[i].expr);
    const struct emu_route *r = ws_routes_select(cases[i].api, e, cases[i].body,
                                                 strlen(cases[i].body));

    if (cases[i].route == NO_ROUTE ? r != NULL
                                   : (r == NULL || strcmp(r->key, cases[i].route) != 0)) {
      print_error("%s on %s: expected %s, got %s (%s)\n", cases[i].expr, cases[i].body,
                  cases[i].route ? cases[i].route : "NULL", r ? r->key : "NULL", cases[i].reason);
      failures++;
    }
    ws_routes_free(e);
  }
  assert_int_equal(failures, 0);
}

static void selection_matches_route_keys_exactly(void **state) {
  static const struct select_case cases[] = {
      {&chat_api, "$request.body.action", "{\"action\":\"sendmessage\"}", "sendmessage",
       "exact match"},
      {&chat_api, "$request.body.action", "{\"action\":\"SendMessage\"}", "$default",
       "matching is case-sensitive (spec 3)"},
      {&chat_api, "$request.body.action", "{\"action\":\"SENDMESSAGE\"}", "$default",
       "upper case does not match"},
      {&chat_api, "$request.body.action", "{\"action\":\"sendmessage \"}", "$default",
       "trailing space does not match"},
      {&chat_api, "$request.body.action", "{\"action\":\"sendmess\"}", "$default",
       "a prefix of a key does not match"},
      {&chat_api, "$request.body.action", "{\"action\":\"unknown\"}", "$default",
       "no key matches (spec 3)"},
      {&chat_api, "${request.body.service}/${request.body.action}",
       "{\"service\":\"chat\",\"action\":\"join\"}", "chat/join", "composite key"},
      {&chat_api, "${request.body.service}/${request.body.action}", "{\"service\":\"chat\"}",
       "chat/", "a missing part leaves the rest of the composite"},
      {&chat_api, "$request.body.action", "{\"action\":42}", "42", "number stringified"},
      {&chat_api, "$request.body.action", "{\"action\":1.5}", "1.5", "fraction stringified"},
      {&chat_api, "$request.body.action", "{\"action\":true}", "true", "boolean stringified"},
      {&chat_api, "$request.body.action", "{\"action\":[\"a\",\"b\"]}", "[a, b]",
       "array stringified as [a, b]"},
      {&chat_api, "\\$default", "{\"action\":\"sendmessage\"}", "$default",
       "escaped static \\$default"},
      {&chat_api, "sendmessage", "{\"action\":\"other\"}", "sendmessage",
       "static expression ignores the body"},
  };

  (void)state;
  run_select_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void selection_falls_back_to_default(void **state) {
  static const struct select_case cases[] = {
      {&chat_api, "$request.body.action", "not json", "$default", "not JSON (spec 3)"},
      {&chat_api, "$request.body.action", "", "$default", "empty message"},
      {&chat_api, "$request.body.action", "\"hi\"", "$default", "JSON string"},
      {&chat_api, "$request.body.action", "[1]", "$default", "JSON array"},
      {&chat_api, "$request.body.action", "42", "$default",
       "JSON number, even though route \"42\" exists"},
      {&chat_api, "$request.body.action", "{}", "$default", "path not found gives \"\""},
      {&chat_api, "$request.body.action", "{\"action\":\"\"}", "$default", "empty string"},
      {&chat_api, "$request.body.action", "{\"action\":null}", "$default", "null"},
      {&chat_api, "$request.body.action", "{\"action\":\"$connect\"}", "$default",
       "a message never selects $connect"},
      {&chat_api, "$request.body.action", "{\"action\":\"$disconnect\"}", "$default",
       "a message never selects $disconnect"},
      {&chat_api, "$request.body.action", "{\"action\":\"$default\"}", "$default",
       "naming $default selects it"},
  };

  (void)state;
  run_select_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void selection_without_a_default_route_returns_null(void **state) {
  static const struct select_case cases[] = {
      {&strict_api, "$request.body.action", "{\"action\":\"sendmessage\"}", "sendmessage",
       "a matching route is still found"},
      {&strict_api, "$request.body.action", "{\"action\":\"other\"}", NO_ROUTE,
       "no match and no $default: the caller sends Forbidden (spec 3)"},
      {&strict_api, "$request.body.action", "{\"action\":\"SendMessage\"}", NO_ROUTE,
       "case differs"},
      {&strict_api, "$request.body.action", "hello", NO_ROUTE, "not JSON"},
      {&strict_api, "$request.body.action", "[1]", NO_ROUTE, "not an object"},
      {&strict_api, "$request.body.action", "{}", NO_ROUTE, "path not found"},
      {&strict_api, "$request.body.action", "{\"action\":\"$connect\"}", NO_ROUTE,
       "$connect exists but is never selected by a message"},
      {&strict_api, "\\$default", "{}", NO_ROUTE, "static $default without the route"},
  };

  (void)state;
  run_select_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void selection_works_on_a_config_loaded_api(void **state) {
  static const char text[] =
      "{\"apis\":[{\"name\":\"svc\",\"routeSelectionExpression\":"
      "\"${request.body.service}/${request.body.action}\","
      "\"routes\":{\"$default\":\"d.h\",\"chat/join\":\"c.j\",\"chat/leave\":\"c.l\"}}]}";
  struct emu_config cfg;
  struct ws_route_expr *e;
  const struct emu_route *r;
  char err[256] = "";
  static const char join[] = "{\"service\":\"chat\",\"action\":\"join\"}";
  static const char leave[] = "{\"action\":\"leave\",\"service\":\"chat\"}";

  (void)state;
  assert_int_equal(emu_config_load_string(text, NULL, &cfg, err, sizeof(err)), 0);
  e = compile_ok(cfg.apis[0].route_selection_expression);
  r = ws_routes_select(&cfg.apis[0], e, join, strlen(join));
  assert_non_null(r);
  assert_string_equal(r->fn.handler, "c.j");
  r = ws_routes_select(&cfg.apis[0], e, leave, strlen(leave));
  assert_non_null(r);
  assert_string_equal(r->fn.handler, "c.l");
  r = ws_routes_select(&cfg.apis[0], e, "{}", 2);
  assert_non_null(r);
  assert_string_equal(r->key, "$default");
  ws_routes_free(e);
  emu_config_free(&cfg);
}

/* ---- Compilation -------------------------------------------------------- */

static void compile_rejects_invalid_expressions(void **state) {
  static const struct {
    const char *expr;
    const char *reason;
  } cases[] = {
      {"${request.body.action", "unterminated ${"},
      {"chat/${request.body.action", "unterminated ${ after a literal"},
      {"${", "only an opening ${"},
      {"", "empty expression"},
      {"${}", "empty selector"},
      {"${request.body.}", "empty JSON path in braces"},
      {"$request.body.", "empty JSON path"},
      {"${request.body.a..b}", "empty path component"},
      {"${request.body.a.}", "trailing dot in braces"},
      {"${request.header.x}", "only request.body selectors in WebSocket route selection"},
      {"${context.routeKey}", "context variables are not selectors here"},
      {"a/$request.header.x", "a non-body selector after a literal"},
      {"$request.header.x", "a non-body selector at the start (spec 3: must be $request.body)"},
      {"$request.querystring.x", "query strings are not selectors either"},
      {"$request.body", "no JSON path at all"},
      {"${request.body.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q}", "more path keys than supported"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char err[256] = "";
    struct ws_route_expr *e = ws_routes_compile(cases[i].expr, err, sizeof(err));

    if (e) {
      print_error("\"%s\" should be rejected (%s)\n", cases[i].expr, cases[i].reason);
      ws_routes_free(e);
      failures++;
    } else if (err[0] == '\0') {
      print_error("\"%s\" was rejected without a message (%s)\n", cases[i].expr, cases[i].reason);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

static void compile_explains_an_unterminated_brace(void **state) {
  char err[256] = "";

  (void)state;
  assert_null(ws_routes_compile("${request.body.action", err, sizeof(err)));
  assert_non_null(strstr(err, "unterminated"));
}

static void compile_rejects_more_segments_than_supported(void **state) {
  struct emu_buf expr;
  char err[256] = "";
  int i;

  (void)state;
  emu_buf_init(&expr, 4096);
  for (i = 0; i < 40; i++)
    assert_int_equal(emu_buf_printf(&expr, "${request.body.k%d}/", i), 0);
  assert_null(ws_routes_compile(expr.data, err, sizeof(err)));
  assert_true(err[0] != '\0');
  emu_buf_free(&expr);
}

static void free_accepts_null(void **state) {
  (void)state;
  ws_routes_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(evaluation_supports_every_documented_expression_form),
      cmocka_unit_test(a_path_that_is_not_found_resolves_to_an_empty_string),
      cmocka_unit_test(bodies_that_are_not_json_objects_are_reported_as_such),
      cmocka_unit_test(non_string_values_are_stringified),
      cmocka_unit_test(evaluation_reads_only_len_bytes_of_the_body),
      cmocka_unit_test(selection_matches_route_keys_exactly),
      cmocka_unit_test(selection_falls_back_to_default),
      cmocka_unit_test(selection_without_a_default_route_returns_null),
      cmocka_unit_test(selection_works_on_a_config_loaded_api),
      cmocka_unit_test(compile_rejects_invalid_expressions),
      cmocka_unit_test(compile_explains_an_unterminated_brace),
      cmocka_unit_test(compile_rejects_more_segments_than_supported),
      cmocka_unit_test(free_accepts_null),
  };

  return cmocka_run_group_tests_name("ws_routes", tests, NULL, NULL);
}
