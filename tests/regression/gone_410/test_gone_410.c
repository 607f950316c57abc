/*
 * test_gone_410.c - the 410 (GoneException) regression suite, with the
 * public test kit (wsgw_kit.h):
 *   - the chat app's sendmessage cleans up stale ids (ids whose
 *     $disconnect was lost);
 *   - @connections answers 410 during $connect, after DeleteConnection,
 *     after an idle timeout and after a dropped connection;
 *   - the proof that the suite catches bugs: against broken.sendmessage (it
 *     ignores 410) the stale-id check fails, and its message names the id.
 * The SDKs' view (GoneException by class) is covered by
 * tests/clients/sdk_v3.test.js and tests/clients/boto3_test.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <wsgw/kit.h>
#include <wsgw/kit.h>

#define WAIT 3000
#define STALE "StaleStaleStal0="

static const char *chat_config(const char *sendmessage) {
  static char buf[2048];

  snprintf(
      buf, sizeof(buf),
      "{\"apis\":[{\"name\":\"chat\",\"stage\":\"dev\","
      "\"defaults\":{\"function\":{\"environment\":{\"TABLE_NAME\":\"Connections\"}}},"
      "\"routes\":{\"$connect\":\"chat.connect\",\"$disconnect\":\"chat.disconnect\","
      "\"sendmessage\":\"%s\"}}],"
      "\"tables\":[{\"TableName\":\"Connections\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
      "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
      "\"BillingMode\":\"PAY_PER_REQUEST\"}]}",
      sendmessage);
  return buf;
}

static struct wsgw_kit_emu *start(const char *config, const struct wsgw_handler *handlers,
                                  int idle_ms) {
  char err[512];
  struct wsgw_kit_options o = {0};
  struct wsgw_kit_emu *emu;

  o.config_json = config;
  o.handlers = handlers;
  o.idle_timeout_ms = idle_ms;
  emu = wsgw_kit_start(&o, err, sizeof(err));
  if (!emu)
    fail_msg("cannot start the emulator: %s", err);
  return emu;
}

static struct wsgw_kit_ws *connect_dev(struct wsgw_kit_emu *emu) {
  struct wsgw_kit_ws_options o = {.path = "/dev"};
  struct wsgw_kit_ws *ws = wsgw_kit_connect(emu, &o, NULL);

  if (!ws)
    fail_msg("connect: %s", wsgw_kit_error());
  return ws;
}

/* The suite's core check: a broadcast reaches the live clients and removes
 * the stale id. Returns 0, or -1 with wsgw_kit_error() naming what failed. */
static int stale_id_is_cleaned_up(struct wsgw_kit_emu *emu, struct wsgw_kit_ws **clients, int n) {
  int i;

  if (wsgw_kit_db_put(emu, "Connections", "{\"id\":{\"S\":\"" STALE "\"}}") != 0)
    return -1;
  if (wsgw_kit_send_text(clients[0], "{\"action\":\"sendmessage\",\"data\":\"ping\"}") != 0)
    return -1;
  for (i = 0; i < n; i++)
    if (wsgw_kit_expect_text(clients[i], "ping", WAIT) != 0)
      return -1;
  return wsgw_kit_db_expect_item(emu, "Connections", "{\"id\":{\"S\":\"" STALE "\"}}", NULL, WAIT);
}

static void chat_sendmessage_deletes_a_stale_id_and_keeps_the_live_ones(void **state) {
  struct wsgw_kit_emu *emu = start(chat_config("chat.sendmessage"), NULL, 0);
  struct wsgw_kit_ws *c[3];
  int i;

  (void)state;
  for (i = 0; i < 3; i++)
    c[i] = connect_dev(emu);
  if (stale_id_is_cleaned_up(emu, c, 3) != 0)
    fail_msg("%s", wsgw_kit_error());
  for (i = 0; i < 3; i++) {
    char key[64];
    snprintf(key, sizeof(key), "{\"id\":{\"S\":\"%s\"}}", wsgw_kit_ws_id(c[i]));
    assert_int_equal(wsgw_kit_db_expect_item(emu, "Connections", key, "{}", WAIT), 0);
    wsgw_kit_ws_free(c[i]);
  }
  wsgw_kit_stop(emu);
}

/* The proof: the same check fails against a sendmessage that ignores 410,
 * and the failure names the stale id. */
static void the_suite_fails_against_a_sendmessage_that_ignores_410(void **state) {
  struct wsgw_kit_emu *emu = start(chat_config("broken.sendmessage"), NULL, 0);
  struct wsgw_kit_ws *c[2];
  int i;

  (void)state;
  for (i = 0; i < 2; i++)
    c[i] = connect_dev(emu);
  assert_int_equal(stale_id_is_cleaned_up(emu, c, 2), -1);
  if (!strstr(wsgw_kit_error(), STALE))
    fail_msg("the failure does not name the stale id: %s", wsgw_kit_error());
  for (i = 0; i < 2; i++)
    wsgw_kit_ws_free(c[i]);
  wsgw_kit_stop(emu);
}

static _Atomic int connect_self_post;

/* $connect posts to its own id: the connection is not established yet. */
static cJSON *connect_posts_to_itself(const cJSON *event, struct wsgw_ctx *ctx) {
  char endpoint[256];
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(rc, "connectionId");

  if (wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0 || !cJSON_IsString(id))
    return wsgw_fail(ctx, "no endpoint");
  connect_self_post = wsgw_post_to_connection(ctx, endpoint, id->valuestring, "x", 1);
  return wsgw_response(200, NULL);
}

static void a_post_during_connect_gets_410(void **state) {
  static const struct wsgw_handler handlers[] = {{"t.connect", connect_posts_to_itself},
                                                 {NULL, NULL}};
  struct wsgw_kit_emu *emu = start(
      "{\"apis\":[{\"name\":\"a\",\"stage\":\"dev\",\"routes\":{\"$connect\":\"t.connect\"}}]}",
      handlers, 0);
  struct wsgw_kit_ws *ws;

  (void)state;
  connect_self_post = 0;
  ws = connect_dev(emu);
  /* SPEC docs/spec/apigw-websocket.md 7: GoneException for any post to a connection
   * whose $connect has not completed. */
  assert_int_equal(connect_self_post, 410);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

/* @connections POST over HTTP, as an SDK sends it: the status and the
 * x-amzn-ErrorType header (what the SDKs turn into GoneException). */
static int post_status(struct wsgw_kit_emu *emu, const char *id, char *type, size_t cap) {
  struct wsgw_kit_http_response r;
  char path[128];
  const char *t;
  int status;

  snprintf(path, sizeof(path), "/dev/@connections/%s", id);
  status = wsgw_kit_http(wsgw_kit_port(emu), "POST", path, NULL, "x", 1, &r);
  t = wsgw_kit_http_header(&r, "x-amzn-ErrorType");
  snprintf(type, cap, "%s", t ? t : "");
  wsgw_kit_http_free(&r);
  return status;
}

static int http_delete(struct wsgw_kit_emu *emu, const char *id) {
  struct wsgw_kit_http_response r;
  char path[128];
  int status;

  snprintf(path, sizeof(path), "/dev/@connections/%s", id);
  status = wsgw_kit_http(wsgw_kit_port(emu), "DELETE", path, NULL, NULL, 0, &r);
  wsgw_kit_http_free(&r);
  return status;
}

static void expect_gone(struct wsgw_kit_emu *emu, const char *id, const char *when) {
  char type[64];
  int status = post_status(emu, id, type, sizeof(type));

  if (status != 410 || strcmp(type, "GoneException") != 0)
    fail_msg("%s: POST to %s answered %d %s, expected 410 GoneException", when, id, status, type);
}

static void a_post_after_delete_connection_gets_410(void **state) {
  struct wsgw_kit_emu *emu = start(chat_config("chat.sendmessage"), NULL, 0);
  struct wsgw_kit_ws *ws = connect_dev(emu);
  char id[32], type[64];

  (void)state;
  snprintf(id, sizeof(id), "%s", wsgw_kit_ws_id(ws));
  assert_int_equal(post_status(emu, id, type, sizeof(type)), 200);
  assert_int_equal(http_delete(emu, id), 204);
  assert_int_equal(wsgw_kit_expect_close(ws, 1000, WAIT), 0);
  expect_gone(emu, id, "after DeleteConnection");
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void a_post_after_an_idle_timeout_gets_410(void **state) {
  struct wsgw_kit_emu *emu = start(chat_config("chat.sendmessage"), NULL, 500);
  struct wsgw_kit_ws *ws = connect_dev(emu);
  char id[32];

  (void)state;
  snprintf(id, sizeof(id), "%s", wsgw_kit_ws_id(ws));
  /* SPEC docs/spec/apigw-websocket.md 6: idle timeout -> close 1001. */
  assert_int_equal(wsgw_kit_expect_close(ws, 1001, WAIT), 0);
  expect_gone(emu, id, "after an idle timeout");
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void a_post_after_a_dropped_connection_gets_410_and_the_chat_forgets_it(void **state) {
  struct wsgw_kit_emu *emu = start(chat_config("chat.sendmessage"), NULL, 0);
  struct wsgw_kit_ws *a = connect_dev(emu), *b = connect_dev(emu);
  char id[32], key[64];

  (void)state;
  snprintf(id, sizeof(id), "%s", wsgw_kit_ws_id(b));
  snprintf(key, sizeof(key), "{\"id\":{\"S\":\"%s\"}}", id);
  /* Lose b's $disconnect, then drop b's TCP connection: its id stays. */
  assert_true(wsgw_kit_fault(emu, "{\"type\":\"disconnect.drop\",\"connectionId\":\"*\"}") > 0);
  wsgw_kit_drop(b);
  wsgw_kit_ws_free(b);
  assert_int_equal(wsgw_kit_wait_invocations(emu, NULL, NULL, NULL, 0, 10), 0);
  {
    char type[64];
    int status = 0, i;
    /* The drop is noticed asynchronously: poll until the gateway says 410. */
    for (i = 0; i < 300 && (status = post_status(emu, id, type, sizeof(type))) != 410; i++)
      assert_int_equal(wsgw_kit_expect_silence(a, 10), 0);
    if (status != 410)
      fail_msg("after a dropped connection: POST answered %d, expected 410", status);
  }
  assert_int_equal(wsgw_kit_db_expect_item(emu, "Connections", key, "{}", WAIT), 0);
  wsgw_kit_faults_reset(emu);
  /* The next broadcast meets the 410 and removes the stale id. */
  assert_int_equal(wsgw_kit_send_text(a, "{\"action\":\"sendmessage\",\"data\":\"hi\"}"), 0);
  assert_int_equal(wsgw_kit_expect_text(a, "hi", WAIT), 0);
  if (wsgw_kit_db_expect_item(emu, "Connections", key, NULL, WAIT) != 0)
    fail_msg("%s", wsgw_kit_error());
  wsgw_kit_ws_free(a);
  wsgw_kit_stop(emu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(chat_sendmessage_deletes_a_stale_id_and_keeps_the_live_ones),
      cmocka_unit_test(the_suite_fails_against_a_sendmessage_that_ignores_410),
      cmocka_unit_test(a_post_during_connect_gets_410),
      cmocka_unit_test(a_post_after_delete_connection_gets_410),
      cmocka_unit_test(a_post_after_an_idle_timeout_gets_410),
      cmocka_unit_test(a_post_after_a_dropped_connection_gets_410_and_the_chat_forgets_it),
  };
  return cmocka_run_group_tests_name("gone_410", tests, NULL, NULL);
}
