/*
 * test_emu_config.c - unit tests for emulator/base/emu_config.c: the example
 * config (fixtures/chat-app.json) loads; defaults (region, stage,
 * routeSelectionExpression, timeout); a route's function overrides
 * defaults.function except `environment`, which merges; timeouts as a
 * number or as "N seconds"; and every error is one line of the form
 * "FILE:LINE:COL: PATH: message" pointing at the offending value (wrong
 * types, unknown fields, reserved route keys, duplicate stages, missing
 * fields, invalid JSON).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_config.h"

/* ---- Helpers ------------------------------------------------------------- */

static void load_ok(const char *text, struct emu_config *cfg) {
  char err[512] = "";

  if (emu_config_load_string(text, "t.json", cfg, err, sizeof(err)) != 0) {
    print_error("config should load, got: %s\n", err);
    fail();
  }
}

static const char *env_value(const struct emu_function *fn, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(fn->environment, name);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const struct emu_route *route(const struct emu_api *api, const char *key) {
  const struct emu_route *r = emu_api_route(api, key);

  if (!r) {
    print_error("route \"%s\" is missing\n", key);
    fail();
  }
  return r;
}

/* Line and column (1-based) of the first occurrence of needle in text,
 * computed independently of the module's own scanner. */
static void position_of(const char *text, const char *needle, int *line, int *col) {
  const char *at = strstr(text, needle), *p;

  if (!at) {
    print_error("test bug: \"%s\" not in the config text\n", needle);
    fail();
  }
  *line = 1;
  *col = 1;
  for (p = text; p < at; p++) {
    if (*p == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

/* Loads text expecting failure with exactly "t.json:L:C: path: ..." where
 * L:C is where `at` occurs, and the message containing `what`. Returns the
 * number of mismatches (printed). */
static int check_error(const char *text, const char *at, const char *path, const char *what,
                       const char *reason) {
  struct emu_config cfg;
  char err[512] = "", want[512];
  int line, col;

  if (emu_config_load_string(text, "t.json", &cfg, err, sizeof(err)) == 0) {
    print_error("should fail (%s)\n", reason);
    emu_config_free(&cfg);
    return 1;
  }
  position_of(text, at, &line, &col);
  snprintf(want, sizeof(want), "t.json:%d:%d: %s: ", line, col, path);
  if (strncmp(err, want, strlen(want)) != 0) {
    print_error("expected \"%s...\", got \"%s\" (%s)\n", want, err, reason);
    return 1;
  }
  if (what && !strstr(err + strlen(want), what)) {
    print_error("expected the message to mention \"%s\", got \"%s\" (%s)\n", what, err, reason);
    return 1;
  }
  if (strchr(err, '\n')) {
    print_error("the error is not one line: \"%s\" (%s)\n", err, reason);
    return 1;
  }
  return 0;
}

static char *fixture_path(const char *name) {
  const char *dir = getenv("WSGW_SOURCE_DIR");
  char *path = malloc(4096);

  assert_non_null(path);
  if (dir) {
    snprintf(path, 4096, "%s/fixtures/%s", dir, name);
  } else {
    /* Not run by ctest: find the tree from this file's path. */
    const char *slash = strstr(__FILE__, "tests/unit/");
    snprintf(path, 4096, "%.*sfixtures/%s", slash ? (int)(slash - __FILE__) : 0, __FILE__, name);
  }
  return path;
}

/* ---- Loading -------------------------------------------------------------- */

static void example_config_loads(void **state) {
  struct emu_config cfg;
  char err[512] = "";
  char *path = fixture_path("chat-app.json");
  const struct emu_api *api;
  const struct emu_route *r;
  size_t i;

  (void)state;
  if (emu_config_load_file(path, &cfg, err, sizeof(err)) != 0) {
    print_error("%s\n", err);
    fail();
  }
  assert_string_equal(cfg.source, path);
  assert_string_equal(cfg.region, "us-east-1");
  assert_int_equal(cfg.napis, 1);
  api = &cfg.apis[0];
  assert_string_equal(api->name, "chat");
  assert_string_equal(api->stage, "dev");
  assert_string_equal(api->route_selection_expression, "$request.body.action");
  assert_int_equal(strlen(api->api_id), 10);
  for (i = 0; i < 10; i++)
    assert_true((api->api_id[i] >= 'a' && api->api_id[i] <= 'z') ||
                (api->api_id[i] >= '0' && api->api_id[i] <= '9'));
  assert_int_equal(api->nroutes, 4);

  r = route(api, "$connect");
  assert_string_equal(r->fn.handler, "chat.connect");
  assert_int_equal(r->fn.timeout_ms, 20000);
  assert_string_equal(env_value(&r->fn, "TABLE_NAME"), "Connections");
  assert_int_equal(r->return_response, 0);
  assert_string_equal(route(api, "$disconnect")->fn.handler, "chat.disconnect");
  assert_string_equal(route(api, "sendmessage")->fn.handler, "chat.sendmessage");

  r = route(api, "echo");
  assert_string_equal(r->fn.handler, "diag.echo");
  assert_int_equal(r->fn.timeout_ms, 5000);
  assert_int_equal(r->return_response, 1);
  assert_string_equal(env_value(&r->fn, "TABLE_NAME"), "Connections");
  assert_null(emu_api_route(api, "$default"));

  assert_true(cJSON_IsArray(cfg.tables));
  assert_int_equal(cJSON_GetArraySize(cfg.tables), 1);
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cfg.tables, 0), "TableName")->valuestring,
      "Connections");

  assert_ptr_equal(emu_config_api(&cfg, "dev", 3), api);
  assert_ptr_equal(emu_config_api(&cfg, "devX", 3), api);
  assert_null(emu_config_api(&cfg, "de", 2));
  assert_null(emu_config_api(&cfg, "prod", 4));
  emu_config_free(&cfg);
  free(path);
}

static void missing_file_is_reported_with_its_name(void **state) {
  struct emu_config cfg;
  char err[512] = "";

  (void)state;
  assert_int_equal(emu_config_load_file("/nonexistent/wsgw.json", &cfg, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "/nonexistent/wsgw.json"));
  assert_null(strchr(err, '\n'));
}

static void omitted_fields_take_their_defaults(void **state) {
  struct emu_config cfg;
  const struct emu_route *r;

  (void)state;
  load_ok("{\"apis\":[{\"name\":\"a\",\"routes\":{\"$default\":\"h\"}}]}", &cfg);
  assert_string_equal(cfg.source, "t.json");
  assert_string_equal(cfg.region, "us-east-1");
  assert_string_equal(cfg.apis[0].stage, "dev");
  assert_string_equal(cfg.apis[0].route_selection_expression, "$request.body.action");
  r = route(&cfg.apis[0], "$default");
  assert_string_equal(r->fn.handler, "h");
  assert_int_equal(r->fn.timeout_ms, EMU_CONFIG_DEFAULT_TIMEOUT_MS);
  assert_true(cJSON_IsObject(r->fn.environment));
  assert_int_equal(cJSON_GetArraySize(r->fn.environment), 0);
  assert_int_equal(r->return_response, 0);
  assert_true(cJSON_IsArray(cfg.tables));
  assert_int_equal(cJSON_GetArraySize(cfg.tables), 0);
  emu_config_free(&cfg);
}

static void an_empty_object_is_a_config_without_apis(void **state) {
  struct emu_config cfg;

  (void)state;
  load_ok("{}", &cfg);
  assert_int_equal(cfg.napis, 0);
  assert_string_equal(cfg.region, "us-east-1");
  assert_non_null(cfg.tables);
  assert_int_equal(cJSON_GetArraySize(cfg.tables), 0);
  emu_config_free(&cfg);

  load_ok("{\"region\":\"eu-west-1\",\"apis\":[]}", &cfg);
  assert_string_equal(cfg.region, "eu-west-1");
  assert_int_equal(cfg.napis, 0);
  emu_config_free(&cfg);
}

static void empty_config_has_no_apis_and_the_default_region(void **state) {
  struct emu_config cfg;

  (void)state;
  emu_config_empty(&cfg);
  assert_int_equal(cfg.napis, 0);
  assert_string_equal(cfg.region, "us-east-1");
  assert_true(cJSON_IsArray(cfg.tables));
  assert_null(emu_config_api(&cfg, "dev", 3));
  emu_config_free(&cfg);
}

static void route_function_overrides_defaults_but_merges_environment(void **state) {
  static const char text[] =
      "{\"apis\":[{\"name\":\"a\",\"stage\":\"prod\","
      "\"defaults\":{\"function\":{\"handler\":\"dflt\",\"timeout\":10,"
      "\"environment\":{\"A\":\"1\",\"B\":\"2\"}}},"
      "\"routes\":{"
      "\"r1\":\"h1\","
      "\"r2\":{\"function\":{\"timeout\":3,\"environment\":{\"B\":\"x\",\"C\":\"3\"}}},"
      "\"r3\":{\"function\":{\"handler\":\"h3\"},\"returnResponse\":true},"
      "\"r4\":{\"function\":\"h4\",\"returnResponse\":false}}}]}";
  struct emu_config cfg;
  const struct emu_route *r;

  (void)state;
  load_ok(text, &cfg);
  assert_string_equal(cfg.apis[0].stage, "prod");

  r = route(&cfg.apis[0], "r1");
  assert_string_equal(r->fn.handler, "h1");
  assert_int_equal(r->fn.timeout_ms, 10000);
  assert_int_equal(cJSON_GetArraySize(r->fn.environment), 2);
  assert_string_equal(env_value(&r->fn, "A"), "1");
  assert_string_equal(env_value(&r->fn, "B"), "2");

  r = route(&cfg.apis[0], "r2");
  assert_string_equal(r->fn.handler, "dflt");
  assert_int_equal(r->fn.timeout_ms, 3000);
  assert_int_equal(cJSON_GetArraySize(r->fn.environment), 3);
  assert_string_equal(env_value(&r->fn, "A"), "1");
  assert_string_equal(env_value(&r->fn, "B"), "x");
  assert_string_equal(env_value(&r->fn, "C"), "3");

  /* r2's merge did not leak into the defaults seen by later routes. */
  r = route(&cfg.apis[0], "r3");
  assert_string_equal(r->fn.handler, "h3");
  assert_int_equal(r->fn.timeout_ms, 10000);
  assert_int_equal(r->return_response, 1);
  assert_int_equal(cJSON_GetArraySize(r->fn.environment), 2);
  assert_string_equal(env_value(&r->fn, "B"), "2");

  r = route(&cfg.apis[0], "r4");
  assert_string_equal(r->fn.handler, "h4");
  assert_int_equal(r->return_response, 0);
  emu_config_free(&cfg);
}

static void timeout_accepts_seconds_as_a_number_or_text(void **state) {
  static const struct {
    const char *value; /* JSON text */
    int ms;
    const char *reason;
  } cases[] = {
      {"5", 5000, "a number of seconds"},
      {"0.5", 500, "a fraction of a second"},
      {"29", 29000, "the gateway's maximum"},
      {"900", 900000, "Lambda's maximum"},
      {"\"5 seconds\"", 5000, "SST's text form"},
      {"\"1 second\"", 1000, "singular unit"},
      {"\"5\"", 5000, "text without a unit"},
      {"\"2 minutes\"", 120000, "minutes"},
      {"\"1 minute\"", 60000, "singular minute"},
      {"\"15 minutes\"", 900000, "minutes up to the maximum"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char text[256], err[512] = "";
    struct emu_config cfg;

    snprintf(text, sizeof(text),
             "{\"apis\":[{\"name\":\"a\",\"routes\":{\"r\":{\"function\":{\"handler\":\"h\","
             "\"timeout\":%s}}}}]}",
             cases[i].value);
    if (emu_config_load_string(text, "t.json", &cfg, err, sizeof(err)) != 0) {
      print_error("timeout %s: %s (%s)\n", cases[i].value, err, cases[i].reason);
      failures++;
      continue;
    }
    if (cfg.apis[0].routes[0].fn.timeout_ms != cases[i].ms) {
      print_error("timeout %s: expected %d ms, got %d (%s)\n", cases[i].value, cases[i].ms,
                  cfg.apis[0].routes[0].fn.timeout_ms, cases[i].reason);
      failures++;
    }
    emu_config_free(&cfg);
  }
  assert_int_equal(failures, 0);
}

static void timeout_rejects_anything_else(void **state) {
  static const struct {
    const char *value;
    const char *reason;
  } cases[] = {
      {"0", "zero"},
      {"-1", "negative"},
      {"901", "above Lambda's 900 s"},
      {"\"abc\"", "not a number"},
      {"\"\"", "empty text"},
      {"\"5 hours\"", "unknown unit"},
      {"\"5s\"", "abbreviated unit"},
      {"\"16 minutes\"", "minutes above the maximum"},
      {"\"nan\"", "not a number in disguise"},
      {"\"inf seconds\"", "infinity"},
      {"true", "a boolean"},
      {"null", "null"},
      {"[5]", "an array"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char text[256];

    snprintf(text, sizeof(text),
             "{\"apis\":[{\"name\":\"a\",\"routes\":{\"r\":{\"function\":{\"handler\":\"h\","
             "\"timeout\":%s}}}}]}",
             cases[i].value);
    failures += check_error(text, cases[i].value, "apis[0].routes.r.function.timeout", "timeout",
                            cases[i].reason);
  }
  assert_int_equal(failures, 0);
}

/* ---- Errors ---------------------------------------------------------------- */

static void wrong_typed_timeout_is_reported_at_its_line_and_column(void **state) {
  static const char text[] = "{\n"
                             "  \"region\": \"us-east-1\",\n"
                             "  \"apis\": [{\n"
                             "    \"name\": \"chat\",\n"
                             "    \"routes\": {\n"
                             "      \"$connect\": \"chat.connect\",\n"
                             "      \"echo\": { \"function\": { \"handler\": \"diag.echo\",\n"
                             "                                \"timeout\": \"abc\" } }\n"
                             "    }\n"
                             "  }]\n"
                             "}\n";
  struct emu_config cfg;
  char err[512] = "";

  (void)state;
  assert_int_equal(emu_config_load_string(text, "t.json", &cfg, err, sizeof(err)), -1);
  /* "abc" is on line 8, after 32 spaces and `"timeout": `. */
  assert_string_equal(err, "t.json:8:44: apis[0].routes.echo.function.timeout: expected a "
                           "timeout in seconds between 0 and 900 (a number, or \"N seconds\")");
}

static void file_errors_name_the_file(void **state) {
  static const char text[] = "{\n  \"apis\": 7\n}\n";
  char path[] = "/tmp/wsgw-config-XXXXXX";
  struct emu_config cfg;
  char err[512] = "", want[600];
  FILE *f;
  int fd = mkstemp(path);

  (void)state;
  assert_true(fd >= 0);
  f = fdopen(fd, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  assert_int_equal(emu_config_load_file(path, &cfg, err, sizeof(err)), -1);
  snprintf(want, sizeof(want), "%s:2:11: apis: expected an array of APIs", path);
  assert_string_equal(err, want);
  remove(path);
}

static void a_file_with_a_nul_byte_is_rejected(void **state) {
  static const char text[] = "{\"region\":\"us-east-1\"}\0{}";
  char path[] = "/tmp/wsgw-config-XXXXXX";
  struct emu_config cfg;
  char err[512] = "";
  FILE *f;
  int fd = mkstemp(path);

  (void)state;
  assert_true(fd >= 0);
  f = fdopen(fd, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
  fclose(f);
  assert_int_equal(emu_config_load_file(path, &cfg, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "NUL"));
  remove(path);
}

static void errors_point_at_the_offending_value(void **state) {
  static const struct {
    const char *text;
    const char *at; /* where the error must point */
    const char *path;
    const char *what; /* part of the message */
    const char *reason;
  } cases[] = {
      {"{\n  \"region\": 5\n}", "5", "region", "string", "region is not a string"},
      {"{\n  \"region\": \"\"\n}", "\"\"", "region", "non-empty", "empty region"},
      {"{\n  \"apis\": {}\n}", "{}", "apis", "array", "apis is not an array"},
      {"{ \"apis\": [\n  7\n] }", "7", "apis[0]", "API", "an API that is not an object"},
      {"{ \"apis\": [{ \"name\": 1, \"routes\": {} }] }", "1", "apis[0].name", "string",
       "name is not a string"},
      {"{ \"apis\": [{ \"name\": \"a\", \"stage\": true, \"routes\": {} }] }", "true",
       "apis[0].stage", "string", "stage is not a string"},
      {"{ \"apis\": [{ \"name\": \"a\", \"stage\": \"x/y\", \"routes\": {} }] }", "\"x/y\"",
       "apis[0].stage", "'/'", "a stage with a slash"},
      {"{ \"apis\": [{ \"name\": \"a\", \"stage\": \"@x\", \"routes\": {} }] }", "\"@x\"",
       "apis[0].stage", "'@'", "a stage with an at sign"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routeSelectionExpression\": [], \"routes\": {} }] }",
       "[]", "apis[0].routeSelectionExpression", "string", "expression is not a string"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": [] }] }", "[]", "apis[0].routes", "object",
       "routes is not an object"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": 5 } }] }", "5", "apis[0].routes.r",
       "handler", "a route that is a number"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": \"\" } }] }", "\"\"",
       "apis[0].routes.r", "handler", "an empty handler name"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"returnResponse\": true } } }] }",
       "{ \"returnResponse\"", "apis[0].routes.r", "function", "a route without function"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"function\": { \"timeout\": 3 } "
       "} } }] }",
       "{ \"function\"", "apis[0].routes.r", "handler", "no handler and no default handler"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"function\": \"h\", "
       "\"returnResponse\": 1 } } }] }",
       "1 }", "apis[0].routes.r.returnResponse", "true or false", "returnResponse is a number"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"function\": { \"handler\": 7 } "
       "} } }] }",
       "7", "apis[0].routes.r.function.handler", "string", "handler is not a string"},
      {"{ \"apis\": [{ \"name\": \"a\", \"defaults\": { \"function\": { \"environment\": "
       "{ \"A\": \"1\", \"N\": 2 } } }, \"routes\": {} }] }",
       "2 }", "apis[0].defaults.function.environment.N", "string",
       "an environment value that is not a string"},
      {"{ \"apis\": [{ \"name\": \"a\", \"defaults\": { \"function\": { \"environment\": [] } }, "
       "\"routes\": {} }] }",
       "[]", "apis[0].defaults.function.environment", "object", "environment is not an object"},
      {"{ \"apis\": [{ \"name\": \"a\", \"defaults\": { \"function\": \"h\" }, \"routes\": {} "
       "}] }",
       "\"h\" }", "apis[0].defaults.function", "object", "defaults.function is a string"},
      {"{ \"apis\": [{ \"name\": \"a\", \"defaults\": 3, \"routes\": {} }] }", "3",
       "apis[0].defaults", "object", "defaults is not an object"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"\": \"h\" } }] }", "\"h\"",
       "apis[0].routes.", "empty", "an empty route key"},
      {"{ \"tables\": [ { \"KeySchema\": [] } ] }", "{ \"KeySchema\"", "tables[0]", "TableName",
       "a table without TableName"},
      {"{ \"tables\": {} }", "{} }", "tables", "array", "tables is not an array"},
      {"[1, 2]", "[1", "(top level)", "object", "the document is not an object"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    failures += check_error(cases[i].text, cases[i].at, cases[i].path, cases[i].what,
                            cases[i].reason);
  assert_int_equal(failures, 0);
}

static void unknown_fields_are_rejected_by_name(void **state) {
  static const struct {
    const char *text;
    const char *at;
    const char *path;
    const char *reason;
  } cases[] = {
      {"{\n  \"regoin\": \"us-east-1\"\n}", "\"us-east-1\"", "regoin", "top level typo"},
      {"{ \"apis\": [{ \"name\": \"a\",\n  \"routeSelectionExpresion\": \"x\",\n"
       "  \"routes\": {} }] }",
       "\"x\"", "apis[0].routeSelectionExpresion", "misspelt expression must not fall back"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"function\": \"h\", "
       "\"return\": true } } }] }",
       "true", "apis[0].routes.r.return", "route object"},
      {"{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"function\": { \"handler\": "
       "\"h\", \"memory\": 128 } } } }] }",
       "128", "apis[0].routes.r.function.memory", "function object"},
      {"{ \"apis\": [{ \"name\": \"a\", \"defaults\": { \"fn\": {} }, \"routes\": {} }] }", "{} }",
       "apis[0].defaults.fn", "defaults object"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    failures += check_error(cases[i].text, cases[i].at, cases[i].path, "unknown field",
                            cases[i].reason);
  assert_int_equal(failures, 0);
}

static void invalid_json_gives_line_and_column(void **state) {
  static const char missing_comma[] = "{\n"
                                      "  \"region\": \"us-east-1\"\n"
                                      "  \"apis\": []\n"
                                      "}\n";
  struct emu_config cfg;
  char err[512] = "";

  (void)state;
  assert_int_equal(emu_config_load_string(missing_comma, "t.json", &cfg, err, sizeof(err)), -1);
  /* The parser stops at the token where ',' or '}' was expected. */
  assert_string_equal(err, "t.json:3:3: invalid JSON");

  assert_int_equal(emu_config_load_string("{\"apis\": [1,,2]}", "t.json", &cfg, err, sizeof(err)),
                   -1);
  assert_string_equal(err, "t.json:1:13: invalid JSON");

  assert_int_equal(emu_config_load_string("", "t.json", &cfg, err, sizeof(err)), -1);
  assert_string_equal(err, "t.json:1:1: invalid JSON");

  assert_int_equal(emu_config_load_string("{}\n}", "t.json", &cfg, err, sizeof(err)), -1);
  assert_string_equal(err, "t.json:2:1: invalid JSON");
}

static void reserved_route_keys_are_rejected(void **state) {
  static const char text[] =
      "{ \"apis\": [{ \"name\": \"a\", \"routes\": {\n"
      "    \"$connect\": \"c\", \"$disconnect\": \"d\", \"$default\": \"x\",\n"
      "    \"$foo\": \"f\" } }] }";
  static const char text2[] =
      "{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"$Default\": \"f\" } }] }";

  (void)state;
  assert_int_equal(check_error(text, "\"f\"", "apis[0].routes.$foo", "reserved",
                               "custom keys must not start with '$' (spec 3)"),
                   0);
  assert_int_equal(
      check_error(text2, "\"f\"", "apis[0].routes.$Default", "reserved", "keys are exact"), 0);
}

static void duplicate_stage_across_apis_is_rejected(void **state) {
  static const char text[] = "{ \"apis\": [\n"
                             "  { \"name\": \"one\", \"stage\": \"dev\", \"routes\": {} },\n"
                             "  { \"name\": \"two\", \"stage\": \"prod\", \"routes\": {} },\n"
                             "  { \"name\": \"three\", \"stage\": \"prod\", \"routes\": {} }\n"
                             "] }";
  static const char defaulted[] = "{ \"apis\": [\n"
                                  "  { \"name\": \"one\", \"routes\": {} },\n"
                                  "  { \"name\": \"two\", \"routes\": {} }\n"
                                  "] }";

  (void)state;
  /* Points at the second "prod" (line 4). */
  assert_int_equal(check_error(text, "\"prod\", \"routes\": {} }\n]", "apis[2].stage",
                               "already served by API \"two\"", "stage used twice"),
                   0);
  /* Both default to "dev": the position falls back to the API object. */
  assert_int_equal(check_error(defaulted, "{ \"name\": \"two\"", "apis[1].stage",
                               "\"dev\" is already served by API \"one\"",
                               "default stage used twice"),
                   0);
}

static void missing_name_is_rejected(void **state) {
  static const char text[] = "{ \"apis\": [\n"
                             "  { \"stage\": \"dev\", \"routes\": {} }\n"
                             "] }";
  static const char no_routes[] = "{ \"apis\": [ { \"name\": \"a\" } ] }";

  (void)state;
  /* A missing field has no position of its own: the enclosing object. */
  assert_int_equal(check_error(text, "{ \"stage\"", "apis[0].name", "required", "name is required"),
                   0);
  assert_int_equal(
      check_error(no_routes, "{ \"name\"", "apis[0].routes", "required", "routes is required"), 0);
}

static void too_many_routes_are_rejected(void **state) {
  char *text = malloc(64 * 1024);
  size_t used;
  int i;

  (void)state;
  assert_non_null(text);
  used = (size_t)snprintf(text, 64 * 1024, "{\"apis\":[{\"name\":\"a\",\"routes\":{");
  for (i = 0; i <= EMU_CONFIG_MAX_ROUTES; i++)
    used += (size_t)snprintf(text + used, 64 * 1024 - used, "%s\"r%d\":\"h\"", i ? "," : "", i);
  snprintf(text + used, 64 * 1024 - used, "}}]}");
  assert_int_equal(check_error(text, "{\"r0\"", "apis[0].routes", "300", "301 routes"), 0);
  free(text);
}

static void errors_fit_a_small_buffer(void **state) {
  struct emu_config cfg;
  char err[16];

  (void)state;
  memset(err, 'x', sizeof(err));
  assert_int_equal(emu_config_load_string("{\"regoin\":1}", "t.json", &cfg, err, sizeof(err)), -1);
  assert_int_equal(strlen(err), sizeof(err) - 1);
  assert_memory_equal(err, "t.json:1:11: re", 15);
}

static void a_node_function_takes_its_runtime_handler_memory_and_concurrency(void **state) {
  struct emu_config cfg;
  const struct emu_route *n, *c;
  char *cwd = getcwd(NULL, 0);

  (void)state;
  load_ok("{ \"apis\": [{ \"name\": \"a\", \"routes\": {"
          "  \"$connect\": { \"function\": { \"runtime\": \"nodejs20.x\","
          "    \"handler\": \"src/lambda.main\", \"memorySize\": 256, \"concurrency\": 3 } },"
          "  \"echo\": \"diag.echo\" } }] }",
          &cfg);
  n = route(&cfg.apis[0], "$connect");
  c = route(&cfg.apis[0], "echo");
  assert_string_equal(n->fn.runtime, "nodejs20.x");
  assert_string_equal(n->fn.handler, "src/lambda.main");
  assert_int_equal(n->fn.memory_mb, 256);
  assert_int_equal(n->fn.concurrency, 3);
  assert_null(c->fn.runtime);
  assert_int_equal(c->fn.memory_mb, EMU_CONFIG_DEFAULT_MEMORY_MB);
  assert_int_equal(c->fn.concurrency, EMU_CONFIG_DEFAULT_CONCURRENCY);
  assert_string_equal(cfg.dir, cwd);
  assert_true(emu_config_has_runtimes(&cfg));
  emu_config_free(&cfg);
  load_ok("{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"echo\": \"diag.echo\" } }] }", &cfg);
  assert_false(emu_config_has_runtimes(&cfg));
  emu_config_free(&cfg);
  free(cwd);
}

static void a_runtime_in_defaults_applies_to_routes_given_as_handler_strings(void **state) {
  struct emu_config cfg;

  (void)state;
  load_ok("{ \"apis\": [{ \"name\": \"a\", \"defaults\": { \"function\": {"
          "  \"runtime\": \"nodejs22.x\", \"timeout\": 3 } },"
          "  \"routes\": { \"$default\": \"src/chat.onMessage\" } }] }",
          &cfg);
  assert_string_equal(route(&cfg.apis[0], "$default")->fn.runtime, "nodejs22.x");
  assert_string_equal(route(&cfg.apis[0], "$default")->fn.handler, "src/chat.onMessage");
  assert_int_equal(route(&cfg.apis[0], "$default")->fn.timeout_ms, 3000);
  emu_config_free(&cfg);
}

static void a_provided_function_runs_its_command_with_its_arguments(void **state) {
  struct emu_config cfg;
  const struct emu_function *fn;

  (void)state;
  load_ok(
      "{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"$default\": { \"function\": {"
      "  \"runtime\": \"provided.al2023\", \"command\": [\"./bootstrap\", \"-v\", \"\"] } } } }] }",
      &cfg);
  fn = &route(&cfg.apis[0], "$default")->fn;
  assert_string_equal(fn->runtime, "provided.al2023");
  assert_null(fn->handler);
  assert_string_equal(fn->command[0], "./bootstrap");
  assert_string_equal(fn->command[1], "-v");
  assert_string_equal(fn->command[2], "");
  assert_null(fn->command[3]);
  emu_config_free(&cfg);
}

static void runtime_settings_that_cannot_run_are_rejected_saying_why(void **state) {
#define FN(body) \
  "{ \"apis\": [{ \"name\": \"a\", \"routes\": { \"r\": { \"function\": " body " } } }] }"
  static const struct {
    const char *text, *at, *path, *what, *reason;
  } cases[] = {
      {FN("{ \"runtime\": \"python3.12\", \"handler\": \"app.main\" }"), "\"python3.12\"",
       "apis[0].routes.r.function.runtime", "nodejsNN.x", "an unsupported runtime"},
      {FN("{ \"runtime\": \"nodejs.x\", \"handler\": \"app.main\" }"), "\"nodejs.x\"",
       "apis[0].routes.r.function.runtime", "not supported", "nodejs without a version"},
      {FN("{ \"runtime\": \"nodejs20.x\", \"handler\": \"src/app\" }"), "{ \"function",
       "apis[0].routes.r", "file.export", "a Node handler without an export"},
      {FN("{ \"runtime\": \"nodejs20.x\", \"handler\": \"src.d/app\" }"), "{ \"function",
       "apis[0].routes.r", "file.export", "a dot only in a directory name"},
      {FN("{ \"runtime\": \"provided.al2023\" }"), "{ \"function", "apis[0].routes.r",
       "needs \"command\"", "provided without a command"},
      {FN("{ \"handler\": \"h\", \"command\": [\"./x\"] }"), "{ \"function", "apis[0].routes.r",
       "no \"runtime\"", "a command without a runtime"},
      {FN("{ \"runtime\": \"provided\", \"command\": [] }"), "[]",
       "apis[0].routes.r.function.command", "1 to 256 strings", "an empty command"},
      {FN("{ \"runtime\": \"provided\", \"command\": [\"a\", 1] }"), "[\"a\"",
       "apis[0].routes.r.function.command", "array of strings", "a number in the command"},
      {FN("{ \"handler\": \"h\", \"memorySize\": 64 }"), "64",
       "apis[0].routes.r.function.memorySize", "128 to 10240", "too little memory"},
      {FN("{ \"handler\": \"h\", \"concurrency\": 0 }"), "0 }",
       "apis[0].routes.r.function.concurrency", "1 to 1000", "no concurrency"},
      {FN("{ \"handler\": \"h\", \"concurrency\": 2.5 }"), "2.5",
       "apis[0].routes.r.function.concurrency", "integer", "a fraction of a process"},
      /* fuzz_config: checked before any conversion to int (out of range: UB). */
      {FN("{ \"handler\": \"h\", \"memorySize\": 2.5e86 }"), "2.5e86",
       "apis[0].routes.r.function.memorySize", "128 to 10240", "memory beyond an int"},
  };
#undef FN
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    failures += check_error(cases[i].text, cases[i].at, cases[i].path, cases[i].what,
                            cases[i].reason);
  assert_int_equal(failures, 0);
}

static void a_config_files_functions_resolve_against_its_directory(void **state) {
  struct emu_config cfg;
  char *path = fixture_path("chat-app.json"), err[512];
  char *want = realpath(path, NULL);

  (void)state;
  assert_non_null(want);
  *strrchr(want, '/') = '\0';
  assert_int_equal(emu_config_load_file(path, &cfg, err, sizeof(err)), 0);
  assert_string_equal(cfg.dir, want);
  emu_config_free(&cfg);
  free(path);
  free(want);
}

static void an_api_is_found_by_its_stage_and_by_its_mapping_path(void **state) {
  static const char text[] =
      "{ \"apis\": ["
      "{ \"name\": \"chat\", \"stage\": \"dev\", \"routes\": {},"
      "  \"customDomain\": { \"domainName\": \"ws.example.com\", \"path\": \"chat\" } },"
      "{ \"name\": \"other\", \"stage\": \"prod\", \"routes\": {} } ] }";
  struct emu_config cfg;

  (void)state;
  load_ok(text, &cfg);
  assert_ptr_equal(emu_config_api(&cfg, "dev", 3), &cfg.apis[0]);
  assert_ptr_equal(emu_config_api(&cfg, "chat", 4), &cfg.apis[0]);
  assert_ptr_equal(emu_config_api(&cfg, "prod", 4), &cfg.apis[1]);
  assert_null(emu_config_api(&cfg, "cha", 3));
  assert_null(emu_config_api(&cfg, "chatX", 5));
  emu_config_free(&cfg);
}

static void api_ids_are_stable_per_name(void **state) {
  static const char text[] = "{ \"apis\": ["
                             "{ \"name\": \"chat\", \"stage\": \"a\", \"routes\": {} },"
                             "{ \"name\": \"other\", \"stage\": \"b\", \"routes\": {} } ] }";
  struct emu_config one, two;

  (void)state;
  load_ok(text, &one);
  load_ok(text, &two);
  assert_string_equal(one.apis[0].api_id, two.apis[0].api_id);
  assert_string_not_equal(one.apis[0].api_id, one.apis[1].api_id);
  assert_ptr_equal(emu_config_api(&one, "b", 1), &one.apis[1]);
  emu_config_free(&one);
  emu_config_free(&two);
}

/* ---- SST's function props and API props ---------------------------------- */

static void sst_permissions_are_accepted_in_every_shape_sst_takes(void **state) {
  static const char text[] =
      "{ \"apis\": [{ \"name\": \"chat\", "
      "  \"defaults\": { \"function\": { \"permissions\": [\"dynamodb\", "
      "      { \"actions\": [\"execute-api:ManageConnections\"], \"resources\": [\"*\"] }] } },"
      "  \"routes\": { \"$connect\": { \"function\": { \"handler\": \"a.b\", \"permissions\": \"*\" } },"
      "              \"x\": { \"function\": { \"handler\": \"a.b\", \"permissions\": {} } } } }] }";
  static const char bad[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {"
      " \"x\": { \"function\": { \"handler\": \"a.b\", \"permissions\": 7 } } } }] }";
  struct emu_config cfg;

  (void)state;
  load_ok(text, &cfg);
  assert_int_equal(cfg.apis[0].nroutes, 2);
  emu_config_free(&cfg);
  assert_int_equal(check_error(bad, "7 }", "apis[0].routes.x.function.permissions", "expected",
                               "a number is no permission"),
                   0);
}

#define SST_TABLES \
  " \"tables\": [{ \"TableName\": \"Connections\" }, { \"TableName\": \"chat-messages.v2\" }] }"

static void sst_bind_sets_the_variables_sst_node_client_reads_for_each_bound_table(void **state) {
  static const char text[] =
      "{ \"region\": \"eu-west-1\", \"apis\": [{ \"name\": \"chat\", \"stage\": \"prod\","
      "  \"defaults\": { \"function\": { \"bind\": [\"Connections\"] } },"
      "  \"routes\": { \"$connect\": \"a.b\","
      "    \"x\": { \"function\": { \"handler\": \"a.b\", \"bind\": [\"chat-messages.v2\", "
      "\"Connections\"], \"environment\": { \"SST_STAGE\": \"mine\" } } } } },"
      " { \"name\": \"other\", \"stage\": \"dev\", \"routes\": { \"$default\": \"a.b\" } }]," SST_TABLES;
  struct emu_config cfg;
  const struct emu_function *fn;

  (void)state;
  load_ok(text, &cfg);
  fn = &route(&cfg.apis[0], "$connect")->fn;
  assert_string_equal(env_value(fn, "SST_Table_tableName_Connections"), "Connections");
  assert_null(env_value(fn, "SST_Table_tableName_chat_messages_v2"));
  assert_string_equal(env_value(fn, "SST_APP"), "chat");
  assert_string_equal(env_value(fn, "SST_STAGE"), "prod");
  assert_string_equal(env_value(fn, "SST_REGION"), "eu-west-1");
  assert_string_equal(env_value(fn, "SST_SSM_PREFIX"), "/sst/chat/prod/");
  fn = &route(&cfg.apis[0], "x")->fn;
  assert_int_equal(cJSON_GetArraySize(fn->bind), 2); /* Connections once */
  assert_string_equal(env_value(fn, "SST_Table_tableName_Connections"), "Connections");
  assert_string_equal(env_value(fn, "SST_Table_tableName_chat_messages_v2"), "chat-messages.v2");
  assert_string_equal(env_value(fn, "SST_STAGE"), "mine"); /* the function's own wins */
  fn = &route(&cfg.apis[1], "$default")->fn;
  assert_null(fn->bind);
  assert_null(env_value(fn, "SST_APP"));
  emu_config_free(&cfg);
}

static void sst_bind_of_a_table_not_in_tables_names_the_key_and_the_table(void **state) {
  static const char missing[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {"
      " \"x\": { \"function\": { \"handler\": \"a.b\", \"bind\": [\"Connections\", \"Nope\"] } } } }]," SST_TABLES;
  static const char in_defaults[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"defaults\": { \"function\": { \"bind\": [\"Gone\"] } },"
      " \"routes\": { \"x\": \"a.b\" } }] }";
  static const char not_a_name[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {"
      " \"x\": { \"function\": { \"handler\": \"a.b\", \"bind\": [{ \"topic\": 1 }] } } } }]," SST_TABLES;
  static const char not_an_array[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {"
      " \"x\": { \"function\": { \"handler\": \"a.b\", \"bind\": \"Connections\" } } } }]," SST_TABLES;

  (void)state;
  assert_int_equal(check_error(missing, "\"Nope\"", "apis[0].routes.x.function.bind[1]",
                               "table \"Nope\" is not in \"tables\"", "unknown table"),
                   0);
  assert_int_equal(check_error(in_defaults, "\"Gone\"", "apis[0].defaults.function.bind[0]",
                               "table \"Gone\"", "no tables at all"),
                   0);
  assert_int_equal(check_error(not_a_name, "{ \"topic\"", "apis[0].routes.x.function.bind[0]",
                               "table name", "wsgw binds tables only"),
                   0);
  assert_int_equal(check_error(not_an_array, "\"Connections\" }", "apis[0].routes.x.function.bind",
                               "array", "a string is not a bind list"),
                   0);
}

static void a_custom_domain_string_is_the_domain_name_without_a_mapping_path(void **state) {
  static const char as_string[] = "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {},"
                                  " \"customDomain\": \"chat.example.com\" }] }";
  static const char as_object[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {},"
      " \"customDomain\": { \"domainName\": \"chat.example.com\" } }] }";
  static const char empty[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {}, \"customDomain\": \"\" }] }";
  struct emu_config s, o;

  (void)state;
  load_ok(as_string, &s);
  load_ok(as_object, &o);
  assert_string_equal(s.apis[0].domain_name, "chat.example.com");
  assert_string_equal(o.apis[0].domain_name, s.apis[0].domain_name);
  assert_null(s.apis[0].base_path);
  assert_null(o.apis[0].base_path);
  assert_ptr_equal(emu_config_api(&s, "dev", 3), &s.apis[0]);
  emu_config_free(&s);
  emu_config_free(&o);
  assert_int_equal(
      check_error(empty, "\"\" }", "apis[0].customDomain", "domain name", "an empty name"), 0);
}

static void the_authorizer_may_be_iam_or_none(void **state) {
  static const char iam[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {}, \"authorizer\": \"iam\" }] }";
  static const char none[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {}, \"authorizer\": \"none\" }] }";
  static const char other[] =
      "{ \"apis\": [{ \"name\": \"chat\", \"routes\": {}, \"authorizer\": \"jwt\" }] }";
  struct emu_config cfg;

  (void)state;
  load_ok(iam, &cfg);
  assert_true(cfg.apis[0].iam_auth);
  assert_null(cfg.apis[0].authorizer);
  emu_config_free(&cfg);
  load_ok(none, &cfg);
  assert_false(cfg.apis[0].iam_auth);
  assert_null(cfg.apis[0].authorizer);
  emu_config_free(&cfg);
  assert_int_equal(check_error(other, "\"jwt\"", "apis[0].authorizer", "\"iam\"", "jwt"), 0);
}

/* ---- Event source mappings ------------------------------------------------ */

static void event_source_mappings_load_with_lambdas_defaults(void **state) {
  struct emu_config cfg;
  const struct emu_esm *m;

  (void)state;
  load_ok("{\"eventSourceMappings\": [{\"table\": \"Messages\", \"function\": "
          "\"channels.broadcast\", \"startingPosition\": \"LATEST\"},"
          "{\"table\": \"Other\", \"function\": {\"handler\": \"src/s.main\", \"runtime\": "
          "\"nodejs20.x\", \"name\": \"stream-fn\", \"timeout\": 5, \"concurrency\": 2},"
          "\"batchSize\": 10, \"maximumBatchingWindowInSeconds\": 2, \"startingPosition\": "
          "\"TRIM_HORIZON\", \"maximumRetryAttempts\": 3, \"bisectBatchOnFunctionError\": true,"
          "\"filterCriteria\": {\"Filters\": [{\"Pattern\": \"{\\\"eventName\\\": "
          "[\\\"INSERT\\\"]}\"}]}, \"functionResponseTypes\": [\"ReportBatchItemFailures\"],"
          "\"enabled\": false}]}",
          &cfg);
  assert_int_equal(cfg.nesms, 2);
  m = &cfg.esms[0];
  assert_string_equal(m->table, "Messages");
  assert_string_equal(m->fn.handler, "channels.broadcast");
  assert_string_equal(m->name, "channels.broadcast");
  assert_int_equal(m->batch_size, 100);
  assert_int_equal(m->window_s, 0);
  assert_int_equal(m->trim_horizon, 0);
  assert_int_equal(m->max_retries, -1);
  assert_int_equal(m->bisect, 0);
  assert_int_equal(m->report_item_failures, 0);
  assert_int_equal(m->enabled, 1);
  assert_null(m->filters);
  assert_int_equal(m->fn.timeout_ms, EMU_CONFIG_DEFAULT_TIMEOUT_MS);
  m = &cfg.esms[1];
  assert_string_equal(m->name, "stream-fn");
  assert_string_equal(m->fn.runtime, "nodejs20.x");
  assert_int_equal(m->fn.timeout_ms, 5000);
  assert_int_equal(m->batch_size, 10);
  assert_int_equal(m->window_s, 2);
  assert_int_equal(m->trim_horizon, 1);
  assert_int_equal(m->max_retries, 3);
  assert_int_equal(m->bisect, 1);
  assert_int_equal(m->report_item_failures, 1);
  assert_int_equal(m->enabled, 0);
  assert_int_equal(cJSON_GetArraySize(m->filters), 1);
  /* An out-of-process stream function counts towards the processes. */
  assert_int_equal(emu_config_runtime_processes(&cfg), 2);
  emu_config_free(&cfg);
}

static void event_source_mapping_errors_point_at_the_field(void **state) {
  static const struct {
    const char *text, *at, *path, *what;
  } cases[] = {
      {"{\"eventSourceMappings\": {}}", "{}", "eventSourceMappings", "array"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", \"batch\": 1, "
       "\"startingPosition\": \"LATEST\"}]}",
       "1,", "eventSourceMappings[0].batch", "unknown field"},
      {"{\"eventSourceMappings\": [{\"function\": \"f\", \"startingPosition\": \"LATEST\"}]}",
       "{\"function\"", "eventSourceMappings[0].table", "required"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"startingPosition\": \"LATEST\"}]}",
       "{\"table\"", "eventSourceMappings[0].function", "required"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\"}]}", "{\"table\"",
       "eventSourceMappings[0].startingPosition", "required"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"AT_TIMESTAMP\"}]}",
       "\"AT_TIMESTAMP\"", "eventSourceMappings[0].startingPosition", "TRIM_HORIZON"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\", \"batchSize\": 10001}]}",
       "10001", "eventSourceMappings[0].batchSize", "1 to 10000"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\", \"maximumBatchingWindowInSeconds\": 301}]}",
       "301", "eventSourceMappings[0].maximumBatchingWindowInSeconds", "0 to 300"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\", \"maximumRetryAttempts\": -2}]}",
       "-2", "eventSourceMappings[0].maximumRetryAttempts", "-1"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\", \"bisectBatchOnFunctionError\": 1}]}",
       "1}", "eventSourceMappings[0].bisectBatchOnFunctionError", "true or false"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\", \"functionResponseTypes\": [\"X\"]}]}",
       "[\"X\"]", "eventSourceMappings[0].functionResponseTypes", "ReportBatchItemFailures"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\", \"filterCriteria\": {\"Filters\": [{\"Pattern\": "
       "\"{\\\"a\\\": 1}\"}]}}]}",
       "\"{", "eventSourceMappings[0].filterCriteria.Filters[0].Pattern", "array"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": {\"handler\": \"f\", "
       "\"name\": \"\"}, \"startingPosition\": \"LATEST\"}]}",
       "\"\"}", "eventSourceMappings[0].function.name", "1 to 64"},
      {"{\"eventSourceMappings\": [{\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"LATEST\"}, {\"table\": \"T\", \"function\": \"f\", "
       "\"startingPosition\": \"TRIM_HORIZON\"}]}",
       "{\"table\": \"T\", \"function\": \"f\", \"startingPosition\": \"TRIM",
       "eventSourceMappings[1]", "already mapped"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    failures += check_error(cases[i].text, cases[i].at, cases[i].path, cases[i].what,
                            cases[i].path);
  assert_int_equal(failures, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(event_source_mappings_load_with_lambdas_defaults),
      cmocka_unit_test(event_source_mapping_errors_point_at_the_field),
      cmocka_unit_test(example_config_loads),
      cmocka_unit_test(missing_file_is_reported_with_its_name),
      cmocka_unit_test(omitted_fields_take_their_defaults),
      cmocka_unit_test(an_empty_object_is_a_config_without_apis),
      cmocka_unit_test(empty_config_has_no_apis_and_the_default_region),
      cmocka_unit_test(route_function_overrides_defaults_but_merges_environment),
      cmocka_unit_test(timeout_accepts_seconds_as_a_number_or_text),
      cmocka_unit_test(timeout_rejects_anything_else),
      cmocka_unit_test(wrong_typed_timeout_is_reported_at_its_line_and_column),
      cmocka_unit_test(file_errors_name_the_file),
      cmocka_unit_test(a_file_with_a_nul_byte_is_rejected),
      cmocka_unit_test(errors_point_at_the_offending_value),
      cmocka_unit_test(unknown_fields_are_rejected_by_name),
      cmocka_unit_test(invalid_json_gives_line_and_column),
      cmocka_unit_test(reserved_route_keys_are_rejected),
      cmocka_unit_test(duplicate_stage_across_apis_is_rejected),
      cmocka_unit_test(missing_name_is_rejected),
      cmocka_unit_test(too_many_routes_are_rejected),
      cmocka_unit_test(errors_fit_a_small_buffer),
      cmocka_unit_test(api_ids_are_stable_per_name),
      cmocka_unit_test(an_api_is_found_by_its_stage_and_by_its_mapping_path),
      cmocka_unit_test(a_node_function_takes_its_runtime_handler_memory_and_concurrency),
      cmocka_unit_test(a_runtime_in_defaults_applies_to_routes_given_as_handler_strings),
      cmocka_unit_test(a_provided_function_runs_its_command_with_its_arguments),
      cmocka_unit_test(runtime_settings_that_cannot_run_are_rejected_saying_why),
      cmocka_unit_test(a_config_files_functions_resolve_against_its_directory),
      cmocka_unit_test(sst_permissions_are_accepted_in_every_shape_sst_takes),
      cmocka_unit_test(sst_bind_sets_the_variables_sst_node_client_reads_for_each_bound_table),
      cmocka_unit_test(sst_bind_of_a_table_not_in_tables_names_the_key_and_the_table),
      cmocka_unit_test(a_custom_domain_string_is_the_domain_name_without_a_mapping_path),
      cmocka_unit_test(the_authorizer_may_be_iam_or_none),
  };

  return cmocka_run_group_tests_name("emu_config", tests, NULL, NULL);
}
