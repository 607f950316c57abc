/*
 * test_route_selection.c - regression: routeSelectionExpression end to end.
 * Every form (nested $request.body.a.b, ${request.body.x}, composites,
 * static expressions), a path that is not found ("" -> $default), non-JSON
 * and non-object JSON (-> $default), exact case-sensitive matching, and the
 * exact Forbidden frame when nothing matches and there is no $default (the
 * connection stays open).
 * SPEC docs/spec/apigw-websocket.md 3.
 *
 * One emulator serves the group; each stage has its own expression. Every
 * route runs test.routekey, a two-way handler that answers the routeKey it
 * was invoked for, so the frame that comes back names the selected route.
 * Threading: the test thread, plus the emulator's threads running the
 * stateless handlers.
 */
#define _POSIX_C_SOURCE 200809L
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define ID_LEN 16
#define WAIT_MS 5000
#define QUIET_MS 200

static const char *rc_string(const cJSON *event, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

/* Two-way: answers "route:<routeKey>". */
static cJSON *routekey(const cJSON *event, struct wsgw_ctx *ctx) {
  char text[256];

  (void)ctx;
  snprintf(text, sizeof(text), "route:%s", rc_string(event, "routeKey"));
  return wsgw_response(200, text);
}

static const struct wsgw_handler test_handlers[] = {
    {"test.routekey", routekey},
    {NULL, NULL},
};

#define R(key) "\"" key "\":{\"function\":\"test.routekey\",\"returnResponse\":true}"

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"nested\",\"stage\":\"nested\","
    "  \"routeSelectionExpression\":\"$request.body.data.type\","
    // clang-format off
    "  \"routes\":{" R("ping") "," R("$default") "}},"
    " {\"name\":\"braced\",\"stage\":\"braced\","
    "  \"routeSelectionExpression\":\"${request.body.action}\","
    "  \"routes\":{" R("join") "," R("$default") "}},"
    " {\"name\":\"composite\",\"stage\":\"composite\","
    "  \"routeSelectionExpression\":\"${request.body.service}/${request.body.action}\","
    "  \"routes\":{" R("chat/join") "," R("chat/leave") "," R("$default") "}},"
    " {\"name\":\"static\",\"stage\":\"static\","
    "  \"routeSelectionExpression\":\"fixed\","
    "  \"routes\":{" R("fixed") "," R("$default") "}},"
    " {\"name\":\"plain\",\"stage\":\"plain\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{" R("sendMessage") "," R("echo") "," R("$default") "}},"
    " {\"name\":\"nodefault\",\"stage\":\"nodefault\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{" R("known") ","
    "   \"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true}}}]}";
// clang-format on

struct fixture {
  struct wsgw_kit_emu *emu;
  int port;
};

static int group_setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  f->emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = test_handlers}, NULL, 0);
  if (!f->emu)
    fail_msg("%s", wsgw_kit_error());
  f->port = wsgw_kit_port(f->emu);
  *state = f;
  return 0;
}

static int group_teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_stop(f->emu);
  free(f);
  return 0;
}

/* One row: on stage `stage`, message `body` selects route `route` (NULL:
 * no route, the Forbidden frame). */
struct route_case {
  const char *stage;
  const char *body;
  const char *route;
  const char *reason;
};

static const struct route_case cases[] = {
    /* $request.body.a.b (nested) */
    {"nested", "{\"data\":{\"type\":\"ping\"}}", "ping", "nested path"},
    {"nested", "{\"data\":{\"kind\":\"ping\"}}", "$default", "inner key not found -> \"\""},
    {"nested", "{\"data\":\"ping\"}", "$default", "intermediate value is not an object"},
    {"nested", "{\"type\":\"ping\"}", "$default", "outer key not found -> \"\""},
    /* ${request.body.x} */
    {"braced", "{\"action\":\"join\"}", "join", "braced selector"},
    {"braced", "{\"action\":\"leave\"}", "$default", "no route with that key"},
    /* composites */
    {"composite", "{\"service\":\"chat\",\"action\":\"join\"}", "chat/join",
     "two selectors and a literal"},
    {"composite", "{\"action\":\"leave\",\"service\":\"chat\"}", "chat/leave",
     "member order does not matter"},
    {"composite", "{\"service\":\"mail\",\"action\":\"join\"}", "$default",
     "composite value with no route"},
    /* static expression */
    {"static", "{\"action\":\"anything\"}", "fixed", "a static value selects that route"},
    {"static", "not JSON at all", "fixed", "a static value does not read the body"},
    /* not found, non-JSON, non-object JSON */
    {"plain", "{\"message\":\"no action\"}", "$default", "path not found -> \"\" -> $default"},
    {"plain", "{\"action\":\"\"}", "$default", "empty key -> $default"},
    {"plain", "hello", "$default", "not JSON -> $default"},
    {"plain", "{\"action\":\"echo\"", "$default", "truncated JSON is not JSON"},
    {"plain", "{\"action\":\"echo\"} trailing", "$default", "text after the JSON value"},
    {"plain", "\"echo\"", "$default", "a JSON string is not an object"},
    {"plain", "[\"echo\"]", "$default", "a JSON array is not an object"},
    {"plain", "42", "$default", "a JSON number is not an object"},
    {"plain", "null", "$default", "JSON null is not an object"},
    {"plain", " {\"action\":\"echo\"} \n", "echo", "whitespace around the object is fine"},
    /* exact, case-sensitive matching */
    {"plain", "{\"action\":\"sendMessage\"}", "sendMessage", "exact match"},
    {"plain", "{\"action\":\"sendmessage\"}", "$default", "matching is case-sensitive"},
    {"plain", "{\"action\":\"SENDMESSAGE\"}", "$default", "matching is case-sensitive"},
    {"plain", "{\"action\":\"echo \"}", "$default", "no trimming"},
    {"plain", "{\"action\":\"ech\"}", "$default", "no prefix matching"},
    {"plain", "{\"Action\":\"echo\"}", "$default", "JSON member names are case-sensitive"},
    {"plain", "{\"action\":\"$default\"}", "$default", "a literal $default key"},
    {"plain", "{\"action\":\"$connect\"}", "$default", "$connect is never selected by a message"},
    /* no match and no $default */
    {"nodefault", "{\"action\":\"known\"}", "known", "control: the route exists"},
    {"nodefault", "{\"action\":\"unknown\"}", NULL, "no match, no $default -> Forbidden"},
    {"nodefault", "not JSON", NULL, "not JSON, no $default -> Forbidden"},
    {"nodefault", "{\"action\":\"Known\"}", NULL, "case differs, no $default -> Forbidden"},
};

static void every_route_selection_rule_selects_the_expected_route(void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *c = NULL;
  const char *open_stage = "";
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const struct route_case *k = &cases[i];
    struct wsgw_kit_frame fr;
    char want[128];
    if (strcmp(open_stage, k->stage) != 0) {
      char path[64];
      wsgw_kit_ws_free(c);
      snprintf(path, sizeof(path), "/%s", k->stage);
      c = wsgw_kit_ws_open(f->port,
                           &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = WAIT_MS});
      assert_non_null(c);
      assert_int_equal(wsgw_kit_ws_status(c), 101);
      open_stage = k->stage;
    }
    assert_int_equal(wsgw_kit_send_text(c, k->body), 0);
    if (wsgw_kit_recv_message(c, WAIT_MS, &fr) != WSGW_KIT_RECV_OK)
      fail_msg("case %zu (%s): %s %s: no answer", i, k->reason, k->stage, k->body);
    if (k->route)
      snprintf(want, sizeof(want), "route:%s", k->route);
    else
      snprintf(want, sizeof(want), "{\"message\": \"Forbidden\"");
    if (fr.opcode != WSGW_KIT_TEXT || strncmp(fr.data, want, strlen(want)) != 0 ||
        (k->route && strlen(fr.data) != strlen(want)))
      fail_msg("case %zu (%s): stage %s, message %s: got \"%s\", expected \"%s%s\"", i, k->reason,
               k->stage, k->body, fr.data, want, k->route ? "" : "...");
    wsgw_kit_frame_free(&fr);
  }
  wsgw_kit_ws_free(c);
}

static void no_match_and_no_default_sends_the_exact_forbidden_frame_and_stays_open(void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){.path = "/nodefault", .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], expected_prefix[128], first_rid[ID_LEN + 1];
  regex_t re;
  regmatch_t m[2];
  int round;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN + 1);
  wsgw_kit_frame_free(&fr);

  /* Byte for byte: a space after "message": and after each comma, none
   * after "connectionId": and "requestId":; requestId fresh per message. */
  snprintf(expected_prefix, sizeof(expected_prefix),
           "{\"message\": \"Forbidden\", \"connectionId\":\"%s\", \"requestId\":\"", id);
  assert_int_equal(regcomp(&re, "^\"([A-Za-z0-9_-]{15}=)\"}$", REG_EXTENDED), 0);
  for (round = 0; round < 2; round++) {
    const char *rest;
    assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"nope\"}"), 0);
    assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
    assert_int_equal(fr.opcode, WSGW_KIT_TEXT);
    assert_true(fr.fin);
    assert_int_equal(fr.len, strlen(expected_prefix) + ID_LEN + 2);
    assert_memory_equal(fr.data, expected_prefix, strlen(expected_prefix));
    rest = fr.data + strlen(expected_prefix) - 1; /* from the opening quote */
    if (regexec(&re, rest, 2, m, 0) != 0)
      fail_msg("Forbidden frame does not have AWS's byte layout: %s", fr.data);
    assert_string_not_equal(rest + 1, id);
    if (round == 0) {
      memcpy(first_rid, rest + 1, ID_LEN);
      first_rid[ID_LEN] = '\0';
    } else {
      assert_memory_not_equal(rest + 1, first_rid, ID_LEN);
    }
    wsgw_kit_frame_free(&fr);
    /* Exactly one frame per message. */
    assert_int_equal(wsgw_kit_recv_frame(c, QUIET_MS, &fr), WSGW_KIT_RECV_TIMEOUT);
  }
  regfree(&re);
  /* Still connected and routable. */
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"known\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_string_equal(fr.data, "route:known");
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_route_selection_rule_selects_the_expected_route),
      cmocka_unit_test(no_match_and_no_default_sends_the_exact_forbidden_frame_and_stays_open),
  };

  return cmocka_run_group_tests_name("regression_route_selection", tests, group_setup,
                                     group_teardown);
}
