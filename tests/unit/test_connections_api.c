/*
 * test_connections_api.c - unit tests for emulator/gateway/connections_api.c
 * through connections_api_handle: POST, GET and DELETE on live, closed and
 * unknown ids (410 GoneException), the limits (131072-byte payload, ids no
 * connection can have, an empty id), the stage part of the path (stage,
 * custom-domain mapping path, root form, wrong stage, another API's
 * connection) and the exact statuses, x-amzn-ErrorType values and bodies of
 * docs/spec/apigw-websocket.md 7. The HTTP wrapper (connections_api_serve:
 * x-amzn-RequestId, reading the body) is covered by
 * tests/integration/test_connections_api.c.
 *
 * Context: a struct ws_gateway (the module's context) filled by hand with
 * what connections_api reads: a deployment of the config in its slot (the
 * stage lookup), a registry and the fault list (gw.lambda.faults); no
 * server, no port. Connections are registered but their 101 is never
 * "written" (ws_registry_ready is not called), so what a POST or DELETE
 * sends stays in the connection's outbound queue, where the test reads it;
 * nothing touches a socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <civetweb.h>
#include <stdlib.h>
#include <string.h>

#include "connections_api.h"
#include "emu_config.h"
#include "emu_faults.h"
#include "lambda_handlers.h"
#include "ws_deployment.h"
#include "ws_gateway.h"
#include "ws_registry.h"

/* SPEC docs/spec/apigw-websocket.md 6: PostToConnection data is at most
 * 131072 bytes. */
#define POST_MAX 131072

static const char config_text[] =
    "{\"apis\": ["
    " {\"name\": \"chat\", \"stage\": \"dev\","
    "  \"customDomain\": {\"domainName\": \"chat.example.com\", \"path\": \"v1\"},"
    "  \"routes\": {\"$default\": \"t.echo\"}},"
    " {\"name\": \"other\", \"stage\": \"prod\", \"routes\": {\"$default\": \"t.echo\"}}]}";

/* The config names t.echo: deploying it needs the name resolved (never run). */
static cJSON *h_echo(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
  return NULL;
}

static const struct wsgw_handler handlers[] = {{"t.echo", h_echo}, {NULL, NULL}};

struct fixture {
  struct ws_gateway gw;
  struct lambda_handlers *handlers;
  struct ws_conn *live; /* OPEN on api 0, 101 not yet out */
  int sock;             /* stands for its socket: never written */
  struct connections_api_response r;
};

/* A new connection (CONNECTING) of the deployment's API 0, as the gateway
 * makes one at a handshake: it holds a reference to the deployment. */
static struct ws_conn *conn_new(struct fixture *f, const char *ip, const char *agent) {
  struct ws_deployment *d = ws_deployment_slot_acquire(&f->gw.deployed);

  assert_non_null(d);
  return ws_registry_conn_new(d, &d->config->apis[0], ip, agent);
}

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  struct emu_config cfg;
  struct ws_deployment *d;
  char err[1024];

  if (!f || emu_config_load_string(config_text, "t.json", &cfg, err, sizeof(err)) != 0)
    return -1;
  f->handlers = lambda_handlers_new(handlers, NULL);
  if (!(d = ws_deployment_new(&cfg, f->handlers, err, sizeof(err)))) {
    print_error("deployment: %s\n", err);
    return -1;
  }
  ws_deployment_slot_init(&f->gw.deployed, d);
  f->gw.registry = ws_registry_new();
  f->gw.lambda.faults = emu_faults_new();
  f->live = conn_new(f, "203.0.113.7", "agent/1.0");
  ws_registry_add(f->gw.registry, f->live, (struct mg_connection *)&f->sock);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  emu_buf_free(&f->r.body);
  ws_registry_remove(f->gw.registry, f->live, 1000, NULL);
  ws_registry_conn_unref(f->live);
  ws_registry_free(f->gw.registry);
  emu_faults_free(f->gw.lambda.faults);
  ws_deployment_slot_publish(&f->gw.deployed, NULL);
  lambda_handlers_free(f->handlers);
  free(f);
  return 0;
}

/* Runs one request; returns the status. The previous response is freed. */
static int call(struct fixture *f, const char *method, const char *path, const char *body,
                size_t len) {
  emu_buf_free(&f->r.body);
  memset(&f->r, 0, sizeof(f->r));
  connections_api_handle(&f->gw, method, path, body ? body : "", len, &f->r);
  return f->r.status;
}

static int call_id(struct fixture *f, const char *method, const char *prefix, const char *id) {
  char path[256];

  snprintf(path, sizeof(path), "%s/@connections/%s", prefix, id);
  return call(f, method, path, NULL, 0);
}

/* The response body as a string ("" when empty). */
static const char *body(struct fixture *f) {
  static char buf[1024];
  size_t n = f->r.body.len < sizeof(buf) - 1 ? f->r.body.len : sizeof(buf) - 1;

  if (n)
    memcpy(buf, f->r.body.data, n);
  buf[n] = '\0';
  return buf;
}

/* SPEC docs/spec/apigw-websocket.md 7: 410, x-amzn-ErrorType GoneException,
 * and an empty body. */
static void assert_gone(struct fixture *f) {
  assert_int_equal(f->r.status, 410);
  assert_non_null(f->r.error_type);
  assert_string_equal(f->r.error_type, "GoneException");
  assert_int_equal(f->r.body.len, 0);
}

/* The frames waiting in c's queue. */
static int queued_frames(struct ws_conn *c) {
  const struct ws_out *o;
  int n = 0;

  pthread_mutex_lock(&c->lock);
  for (o = c->out_head; o; o = o->next)
    n++;
  pthread_mutex_unlock(&c->lock);
  return n;
}

static void only_at_connections_paths_does_the_api_answer(void **state) {
  (void)state;
  assert_true(connections_api_matches("/dev/@connections/abc"));
  assert_true(connections_api_matches("/@connections/abc"));
  assert_true(connections_api_matches("/dev/@connections"));
  assert_false(connections_api_matches("/dev/@connectionsX/abc"));
  assert_false(connections_api_matches("/dev/connections/abc"));
  assert_false(connections_api_matches("/"));
}

static void post_sends_the_raw_bytes_as_one_text_frame_and_answers_200_empty(void **state) {
  struct fixture *f = *state;
  static const char data[] = "{\"not\": \"wrapped\"}\n\x01 bytes";
  char path[128];
  const struct ws_out *o;

  snprintf(path, sizeof(path), "/dev/@connections/%s", f->live->id);
  assert_int_equal(call(f, "POST", path, data, sizeof(data) - 1), 200);
  assert_null(f->r.error_type);
  assert_int_equal(f->r.body.len, 0);
  pthread_mutex_lock(&f->live->lock);
  o = f->live->out_head;
  assert_non_null(o);
  assert_null(o->next);
  assert_int_equal(o->opcode, MG_WEBSOCKET_OPCODE_TEXT);
  assert_int_equal(o->len, sizeof(data) - 1);
  assert_memory_equal(o->data, data, sizeof(data) - 1);
  pthread_mutex_unlock(&f->live->lock);
}

static void a_post_of_131072_bytes_is_sent_and_one_byte_more_is_413(void **state) {
  struct fixture *f = *state;
  char *big = malloc(POST_MAX + 1);
  char path[128];

  memset(big, 'a', POST_MAX + 1);
  snprintf(path, sizeof(path), "/dev/@connections/%s", f->live->id);
  assert_int_equal(call(f, "POST", path, big, POST_MAX), 200);
  assert_int_equal(call(f, "POST", path, big, POST_MAX + 1), 413);
  /* SPEC docs/spec/apigw-websocket.md 7: PayloadTooLargeException, with a message. */
  assert_string_equal(f->r.error_type, "PayloadTooLargeException");
  assert_string_equal(body(f), "{\"message\":\"Request entity too large\"}");
  assert_int_equal(queued_frames(f->live), 1);
  free(big);
}

static void get_describes_the_connection_in_the_wire_shape(void **state) {
  struct fixture *f = *state;
  const cJSON *identity, *at;
  cJSON *o;

  assert_int_equal(call_id(f, "GET", "/dev", f->live->id), 200);
  assert_null(f->r.error_type);
  o = cJSON_ParseWithLength(f->r.body.data, f->r.body.len);
  assert_non_null(o);
  assert_int_equal(cJSON_GetArraySize(o), 3);
  identity = cJSON_GetObjectItemCaseSensitive(o, "identity");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(identity, "sourceIp")->valuestring,
                      "203.0.113.7");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(identity, "userAgent")->valuestring,
                      "agent/1.0");
  /* SPEC docs/spec/apigw-websocket.md 7: ISO-8601 timestamps, ms and Z. */
  at = cJSON_GetObjectItemCaseSensitive(o, "connectedAt");
  assert_true(cJSON_IsString(at));
  assert_int_equal(strlen(at->valuestring), strlen("2024-11-11T11:35:24.553Z"));
  assert_int_equal(at->valuestring[strlen(at->valuestring) - 1], 'Z');
  assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "lastActiveAt")));
  assert_int_equal(queued_frames(f->live), 0);
  cJSON_Delete(o);
}

static void get_writes_a_null_user_agent_for_a_client_that_sent_none(void **state) {
  struct fixture *f = *state;
  struct ws_conn *c = conn_new(f, "127.0.0.1", NULL);
  cJSON *o;

  ws_registry_add(f->gw.registry, c, (struct mg_connection *)&f->sock);
  assert_int_equal(call_id(f, "GET", "/dev", c->id), 200);
  o = cJSON_ParseWithLength(f->r.body.data, f->r.body.len);
  assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(o, "identity"), "userAgent")));
  cJSON_Delete(o);
  ws_registry_remove(f->gw.registry, c, 1000, NULL);
  ws_registry_conn_unref(c);
}

static void delete_answers_204_sends_a_1000_close_and_the_id_is_then_gone(void **state) {
  struct fixture *f = *state;
  const struct ws_out *o;

  assert_int_equal(call_id(f, "DELETE", "/dev", f->live->id), 204);
  assert_null(f->r.error_type);
  assert_int_equal(f->r.body.len, 0);
  pthread_mutex_lock(&f->live->lock);
  o = f->live->out_head;
  assert_non_null(o);
  /* SPEC docs/spec/apigw-websocket.md 8: 1000 "Connection Closed Normally". */
  assert_int_equal(o->opcode, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE);
  assert_memory_equal(o->data, "\003\350Connection Closed Normally", o->len);
  assert_int_equal(f->live->state, WS_CONN_CLOSING);
  pthread_mutex_unlock(&f->live->lock);
  call_id(f, "POST", "/dev", f->live->id);
  assert_gone(f);
  call_id(f, "GET", "/dev", f->live->id);
  assert_gone(f);
  call_id(f, "DELETE", "/dev", f->live->id);
  assert_gone(f);
  assert_int_equal(queued_frames(f->live), 1);
}

static void an_unknown_or_closed_id_is_gone_for_every_method(void **state) {
  struct fixture *f = *state;
  static const char *const methods[] = {"POST", "GET", "DELETE"};
  struct ws_conn *closed = conn_new(f, "127.0.0.1", NULL);
  size_t i;

  ws_registry_add(f->gw.registry, closed, (struct mg_connection *)&f->sock);
  ws_registry_remove(f->gw.registry, closed, 1001, "Going away");
  for (i = 0; i < 3; i++) {
    call_id(f, methods[i], "/dev", "AAAAAAAAAAAAAAA=");
    assert_gone(f);
    call_id(f, methods[i], "/dev", closed->id);
    assert_gone(f);
  }
  ws_registry_conn_unref(closed);
}

/* SPEC docs/spec/apigw-websocket.md 7: a connection whose $connect has not
 * returned is not established yet. */
static void a_connection_still_in_connect_is_gone(void **state) {
  struct fixture *f = *state;
  struct ws_conn *c = conn_new(f, "127.0.0.1", NULL);

  call_id(f, "POST", "/dev", c->id);
  assert_gone(f);
  call_id(f, "GET", "/dev", c->id);
  assert_gone(f);
  ws_registry_conn_unref(c);
}

static void an_id_no_connection_can_have_is_gone(void **state) {
  struct fixture *f = *state;
  char near[32];

  call_id(f, "POST", "/dev", "short");
  assert_gone(f);
  /* The right length with a character outside base64url. */
  snprintf(near, sizeof(near), "%s", f->live->id);
  near[3] = '!';
  call_id(f, "GET", "/dev", near);
  assert_gone(f);
  /* One character more than a live id. */
  snprintf(near, sizeof(near), "%sA", f->live->id);
  call_id(f, "DELETE", "/dev", near);
  assert_gone(f);
  assert_int_equal(queued_frames(f->live), 0);
}

static void an_empty_id_or_another_method_matches_no_route(void **state) {
  struct fixture *f = *state;
  char path[128];

  assert_int_equal(call(f, "GET", "/dev/@connections/", NULL, 0), 404);
  assert_string_equal(f->r.error_type, "NotFoundException");
  assert_string_equal(body(f),
                      "{\"message\":\"No method found matching route @connections/ for http "
                      "method GET.\"}");
  assert_int_equal(call(f, "GET", "/dev/@connections", NULL, 0), 404);
  snprintf(path, sizeof(path), "/dev/@connections/%s/more", f->live->id);
  assert_int_equal(call(f, "POST", path, "x", 1), 404);
  snprintf(path, sizeof(path), "/dev/@connections/%s", f->live->id);
  assert_int_equal(call(f, "PUT", path, "x", 1), 404);
  assert_string_equal(f->r.error_type, "NotFoundException");
  assert_int_equal(queued_frames(f->live), 0);
}

static void the_stage_the_mapping_path_and_the_root_form_reach_the_connection(void **state) {
  struct fixture *f = *state;

  assert_int_equal(call_id(f, "GET", "/dev", f->live->id), 200);
  /* SPEC docs/spec/apigw-websocket.md 1: an API mapping's path serves the API. */
  assert_int_equal(call_id(f, "GET", "/v1", f->live->id), 200);
  assert_int_equal(call_id(f, "GET", "", f->live->id), 200);
}

static void a_wrong_stage_is_forbidden(void **state) {
  struct fixture *f = *state;
  static const char *const prefixes[] = {"/staging", "/de", "/dev/extra", "/"};
  size_t i;

  for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
    /* SPEC docs/spec/apigw-websocket.md 1: 403 {"message":"Forbidden"}. */
    assert_int_equal(call_id(f, "POST", prefixes[i], f->live->id), 403);
    assert_string_equal(f->r.error_type, "ForbiddenException");
    assert_string_equal(body(f), "{\"message\":\"Forbidden\"}");
  }
  assert_int_equal(queued_frames(f->live), 0);
}

static void another_apis_stage_does_not_reach_the_connection(void **state) {
  struct fixture *f = *state;

  call_id(f, "POST", "/prod", f->live->id);
  assert_gone(f);
  assert_int_equal(queued_frames(f->live), 0);
}

static void injected_errors_answer_with_their_status_type_and_body(void **state) {
  static const struct {
    int status;
    const char *type;
    const char *body;
  } cases[] = {
      {410, "GoneException", ""},
      {429, "LimitExceededException", ""},
      {403, "ForbiddenException", "{\"message\":\"Forbidden\"}"},
      {500, "InternalServerErrorException", "{\"message\":\"Internal server error\"}"},
  };
  struct fixture *f = *state;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char spec_text[128], err[128];
    cJSON *spec;
    snprintf(spec_text, sizeof(spec_text),
             "{\"type\": \"connections.error\", \"connectionId\": \"%s\", \"status\": %d}",
             f->live->id, cases[i].status);
    spec = cJSON_Parse(spec_text);
    emu_faults_reset(f->gw.lambda.faults);
    assert_true(emu_faults_add(f->gw.lambda.faults, spec, err, sizeof(err)) > 0);
    assert_int_equal(call_id(f, "POST", "/dev", f->live->id), cases[i].status);
    assert_string_equal(f->r.error_type, cases[i].type);
    assert_string_equal(body(f), cases[i].body);
    cJSON_Delete(spec);
  }
  assert_int_equal(queued_frames(f->live), 0);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(only_at_connections_paths_does_the_api_answer),
      T(post_sends_the_raw_bytes_as_one_text_frame_and_answers_200_empty),
      T(a_post_of_131072_bytes_is_sent_and_one_byte_more_is_413),
      T(get_describes_the_connection_in_the_wire_shape),
      T(get_writes_a_null_user_agent_for_a_client_that_sent_none),
      T(delete_answers_204_sends_a_1000_close_and_the_id_is_then_gone),
      T(an_unknown_or_closed_id_is_gone_for_every_method),
      T(a_connection_still_in_connect_is_gone),
      T(an_id_no_connection_can_have_is_gone),
      T(an_empty_id_or_another_method_matches_no_route),
      T(the_stage_the_mapping_path_and_the_root_form_reach_the_connection),
      T(a_wrong_stage_is_forbidden),
      T(another_apis_stage_does_not_reach_the_connection),
      T(injected_errors_answer_with_their_status_type_and_body),
  };
#undef T

  return cmocka_run_group_tests_name("connections_api", tests, NULL, NULL);
}
