/*
 * test_apis.c - regression: several APIs in one config, each with its own
 * stage, apiId and stage variables, and an API mapping like a custom domain
 * (customDomain {domainName, path}): clients connect at /{path}, events
 * show domainName = the custom domain and stage = the real stage, and
 * @connections answers at /{path}/@connections/{id}.
 * SPEC docs/spec/apigw-websocket.md 1 (custom domains, management endpoint) and 11
 * (several APIs, stages).
 *
 * One emulator serves the group. Route "whoami" answers
 * "<connectionId> <apiId> <stage> <domainName> <stageVariables.name>", so
 * one frame shows what the handler saw.
 * Threading: the test thread, plus the emulator's threads running the
 * stateless handler below.
 */
#define _POSIX_C_SOURCE 200809L
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

static const char *rc_string(const cJSON *event, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), name);

  return cJSON_IsString(v) ? v->valuestring : "-";
}

/* Not diag.whoami: this suite needs which API and stage answered, so the
 * reply is "connectionId apiId stage domainName stageVariables.name". */
static cJSON *api_identity(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "stageVariables"), "name");
  char text[512];

  (void)ctx;
  snprintf(text, sizeof(text), "%s %s %s %s %s", rc_string(event, "connectionId"),
           rc_string(event, "apiId"), rc_string(event, "stage"), rc_string(event, "domainName"),
           cJSON_IsString(name) ? name->valuestring : "-");
  return wsgw_response(200, text);
}

static const struct wsgw_handler test_handlers[] = {
    {"test.api_identity", api_identity},
    {NULL, NULL},
};

#define ROUTES \
  "\"routes\":{\"whoami\":{\"function\":\"test.api_identity\",\"returnResponse\":true}}"

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"alpha\",\"stage\":\"a1\",\"stageVariables\":{\"name\":\"alpha\"}," ROUTES "},"
    " {\"name\":\"beta\",\"stage\":\"b1\",\"stageVariables\":{\"name\":\"beta\"},"
    "  \"customDomain\":{\"domainName\":\"ws.example.test\",\"path\":\"orders\"}," ROUTES "},"
    " {\"name\":\"gamma\",\"stage\":\"c1\"," ROUTES "}]}";

struct fixture {
  struct wsgw_kit_emu *emu;
  int port;
  char domain[64];
};

static int group_setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  f->emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = test_handlers}, NULL, 0);
  if (!f->emu)
    fail_msg("%s", wsgw_kit_error());
  f->port = wsgw_kit_port(f->emu);
  snprintf(f->domain, sizeof(f->domain), "127.0.0.1:%d", f->port);
  *state = f;
  return 0;
}

static int group_teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_stop(f->emu);
  free(f);
  return 0;
}

/* What the handler saw for a connection. */
struct seen {
  char id[ID_LEN + 1];
  char api_id[32], stage[32], domain[96], name[32];
};

static struct wsgw_kit_ws *connect_and_ask(const struct fixture *f, const char *path,
                                           struct seen *s) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;

  assert_non_null(c);
  if (wsgw_kit_ws_status(c) != 101)
    fail_msg("GET %s: %d instead of 101", path, wsgw_kit_ws_status(c));
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  if (sscanf(fr.data, "%16s %31s %31s %95s %31s", s->id, s->api_id, s->stage, s->domain, s->name) !=
      5)
    fail_msg("unexpected answer \"%s\"", fr.data);
  wsgw_kit_frame_free(&fr);
  return c;
}

static void each_api_has_its_own_stage_api_id_and_stage_variables(void **state) {
  struct fixture *f = *state;
  struct seen a, b, g;
  struct wsgw_kit_ws *ca = connect_and_ask(f, "/a1", &a);
  struct wsgw_kit_ws *cb = connect_and_ask(f, "/b1", &b);
  struct wsgw_kit_ws *cg = connect_and_ask(f, "/c1", &g);

  assert_string_equal(a.stage, "a1");
  assert_string_equal(b.stage, "b1");
  assert_string_equal(g.stage, "c1");
  assert_string_equal(a.name, "alpha");
  assert_string_equal(b.name, "beta");
  assert_string_equal(g.name, "-"); /* no stage variables: none in the event */
  assert_int_equal(strlen(a.api_id), 10);
  assert_string_not_equal(a.api_id, b.api_id);
  assert_string_not_equal(a.api_id, g.api_id);
  assert_string_not_equal(b.api_id, g.api_id);
  /* At the stage path, domainName is this emulator even for a mapped API. */
  assert_string_equal(a.domain, f->domain);
  assert_string_equal(b.domain, f->domain);
  wsgw_kit_ws_free(ca);
  wsgw_kit_ws_free(cb);
  wsgw_kit_ws_free(cg);
}

static void the_api_id_is_stable_per_api(void **state) {
  struct fixture *f = *state;
  struct seen first, second;
  struct wsgw_kit_ws *c1 = connect_and_ask(f, "/a1", &first);
  struct wsgw_kit_ws *c2 = connect_and_ask(f, "/a1", &second);

  assert_string_equal(first.api_id, second.api_id);
  assert_string_not_equal(first.id, second.id);
  wsgw_kit_ws_free(c1);
  wsgw_kit_ws_free(c2);
}

static void a_mapping_path_connects_with_the_custom_domain_and_the_real_stage(void **state) {
  struct fixture *f = *state;
  struct seen direct, mapped;
  struct wsgw_kit_ws *cd = connect_and_ask(f, "/b1", &direct);
  struct wsgw_kit_ws *cm = connect_and_ask(f, "/orders", &mapped);

  assert_string_equal(mapped.domain, "ws.example.test");
  assert_string_equal(mapped.stage, "b1");
  assert_string_equal(mapped.api_id, direct.api_id);
  assert_string_equal(mapped.name, "beta");
  wsgw_kit_ws_free(cd);
  wsgw_kit_ws_free(cm);
}

static void connections_answers_at_the_mapping_path(void **state) {
  struct fixture *f = *state;
  struct seen s;
  struct wsgw_kit_ws *c = connect_and_ask(f, "/orders", &s);
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char path[128];

  /* The management endpoint through a custom domain is https://{domain}/{path}. */
  snprintf(path, sizeof(path), "/orders/@connections/%s", s.id);
  assert_int_equal(wsgw_kit_http(f->port, "POST", path, NULL, "via mapping", 11, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_string_equal(fr.data, "via mapping");
  wsgw_kit_frame_free(&fr);
  assert_int_equal(wsgw_kit_http(f->port, "GET", path, NULL, NULL, 0, &r), 200);
  wsgw_kit_http_free(&r);
  /* The stage path works for the same connection. */
  snprintf(path, sizeof(path), "/b1/@connections/%s", s.id);
  assert_int_equal(wsgw_kit_http(f->port, "POST", path, NULL, "via stage", 9, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_frame(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_string_equal(fr.data, "via stage");
  wsgw_kit_frame_free(&fr);
  /* DELETE through the mapping closes it. */
  snprintf(path, sizeof(path), "/orders/@connections/%s", s.id);
  assert_int_equal(wsgw_kit_http(f->port, "DELETE", path, NULL, NULL, 0, &r), 204);
  wsgw_kit_http_free(&r);
  {
    int code = 0;
    assert_int_equal(wsgw_kit_recv_close(c, WAIT_MS, &code), WSGW_KIT_RECV_OK);
    assert_int_equal(code, 1000);
  }
  wsgw_kit_ws_free(c);
}

static void an_unknown_path_is_neither_a_stage_nor_a_mapping(void **state) {
  struct fixture *f = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){.path = "/ws.example.test", .timeout_ms = WAIT_MS});
  struct wsgw_kit_http_response r;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 403);
  wsgw_kit_ws_free(c);
  assert_int_equal(
      wsgw_kit_http(f->port, "GET", "/Orders/@connections/AAAAAAAAAAAAAAA=", NULL, NULL, 0, &r),
      403);
  wsgw_kit_http_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(each_api_has_its_own_stage_api_id_and_stage_variables),
      cmocka_unit_test(the_api_id_is_stable_per_api),
      cmocka_unit_test(a_mapping_path_connects_with_the_custom_domain_and_the_real_stage),
      cmocka_unit_test(connections_answers_at_the_mapping_path),
      cmocka_unit_test(an_unknown_path_is_neither_a_stage_nor_a_mapping),
  };

  return cmocka_run_group_tests_name("regression_apis", tests, group_setup, group_teardown);
}
