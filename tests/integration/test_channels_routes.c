/*
 * test_channels_routes.c - the channel chat app's handlers
 * (handlers/channels.c) on their own: the routes of
 * fixtures/channels-app.json write subscriptions and messages and deliver
 * nothing themselves, and channels.broadcast, handed a stream event by the
 * test (through a route of the test's own, test.relay), posts to the
 * channel's subscribers and deletes the subscriptions of gone connections.
 * The stream and its event source mapping are left out of the config here;
 * tests/integration/test_channels.c runs the whole app end to end.
 * Threading: the test thread only; the emulator runs on its own threads.
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

#include "wsgw_builtin.h"

#define WAIT_MS 5000
#define SILENCE_MS 200
#define STALE_ID "AAAAAAAAAAAAAAA="

struct routes {
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *a, *b;
};

/* test.relay: {"action":"relay","Records":[...]} is handed to
 * channels.broadcast as its stream event. */
static cJSON *relay(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *body = cJSON_IsString(text) ? cJSON_Parse(text->valuestring) : NULL;
  cJSON *result = body ? channels_broadcast(body, ctx) : NULL;
  char *printed = result ? cJSON_PrintUnformatted(result) : NULL;
  cJSON *resp = printed ? wsgw_response(200, printed) : wsgw_fail(ctx, "relay failed");

  cJSON_free(printed);
  cJSON_Delete(result);
  cJSON_Delete(body);
  return resp;
}

static const struct wsgw_handler test_handlers[] = {{"test.relay", relay}, {NULL, NULL}};

/* fixtures/channels-app.json without its stream and mapping, plus the
 * route "relay" (new text). */
static char *routes_config(void) {
  char *text = wsgw_kit_read_file("fixtures/channels-app.json", NULL);
  cJSON *cfg = text ? cJSON_Parse(text) : NULL;
  cJSON *routes = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "apis"), 0), "routes");
  cJSON *table;
  char *out;

  free(text);
  assert_non_null(routes);
  cJSON_DeleteItemFromObjectCaseSensitive(cfg, "eventSourceMappings");
  cJSON_ArrayForEach(table, cJSON_GetObjectItemCaseSensitive(cfg, "tables")) {
    cJSON_DeleteItemFromObjectCaseSensitive(table, "StreamSpecification");
  }
  cJSON_AddStringToObject(routes, "relay", "test.relay");
  out = cJSON_PrintUnformatted(cfg);
  cJSON_Delete(cfg);
  return out;
}

static struct wsgw_kit_ws *connect(struct routes *t) {
  struct wsgw_kit_ws *ws = wsgw_kit_connect(t->emu, &(struct wsgw_kit_ws_options){.path = "/dev"},
                                            NULL);

  if (!ws)
    fail_msg("connect: %s", wsgw_kit_error());
  return ws;
}

static int setup(void **state) {
  struct routes *t = calloc(1, sizeof(*t));
  char *config = routes_config();

  assert_non_null(t);
  t->emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = test_handlers}, NULL, 0);
  cJSON_free(config);
  if (!t->emu)
    fail_msg("%s", wsgw_kit_error());
  t->a = connect(t);
  t->b = connect(t);
  *state = t;
  return 0;
}

static int teardown(void **state) {
  struct routes *t = *state;

  wsgw_kit_ws_free(t->a);
  wsgw_kit_ws_free(t->b);
  wsgw_kit_stop(t->emu);
  free(t);
  return 0;
}

static void expect_subscription(struct routes *t, const char *channel, const char *id,
                                int present) {
  char key[256];

  snprintf(key, sizeof(key), "{\"channel\":{\"S\":\"%s\"},\"connectionId\":{\"S\":\"%s\"}}",
           channel, id);
  if (wsgw_kit_db_expect_item(t->emu, "Channels", key, present ? "{}" : NULL, WAIT_MS) != 0)
    fail_msg("%s", wsgw_kit_error());
}

/* The Messages items of a type (and content, if given) about a connection. */
static int count_messages(struct routes *t, const char *type, const char *id) {
  cJSON *items = wsgw_kit_db_scan(t->emu, "Messages"), *item;
  int n = 0;

  cJSON_ArrayForEach(item, items) {
    const cJSON *ty = cJSON_GetObjectItemCaseSensitive(item, "type");
    const cJSON *who = cJSON_GetObjectItemCaseSensitive(item, "connectionId");
    n += strcmp(cJSON_GetObjectItemCaseSensitive(ty, "S")->valuestring, type) == 0 &&
         strcmp(cJSON_GetObjectItemCaseSensitive(who, "S")->valuestring, id) == 0;
  }
  cJSON_Delete(items);
  return n;
}

struct count_arg {
  struct routes *t;
  const char *type, *id;
  int want;
};

static int has_count(void *arg) {
  struct count_arg *c = arg;

  return count_messages(c->t, c->type, c->id) == c->want;
}

static void expect_messages(struct routes *t, const char *type, const char *id, int want) {
  struct count_arg c = {t, type, id, want};

  if (wsgw_kit_wait_until(has_count, &c, WAIT_MS) != 0)
    fail_msg("expected %d %s items of %s, got %d", want, type, id, count_messages(t, type, id));
}

static void send(struct wsgw_kit_ws *ws, const char *text) {
  assert_int_equal(wsgw_kit_send_text(ws, text), 0);
}

static void silence(struct routes *t) {
  assert_int_equal(wsgw_kit_expect_silence(t->a, SILENCE_MS), 0);
  assert_int_equal(wsgw_kit_expect_silence(t->b, SILENCE_MS), 0);
}

static void the_routes_write_subscriptions_and_messages_and_post_nothing(void **state) {
  struct routes *t = *state;
  const char *a = wsgw_kit_ws_id(t->a);
  cJSON *items, *item;
  char key[256];

  /* $connect: General, with a join notice that names the endpoint. */
  expect_subscription(t, "General", a, 1);
  expect_messages(t, "join", a, 1);
  send(t->a, "{\"action\":\"subscribeChannel\",\"channel\":\"dev\"}");
  expect_subscription(t, "dev", a, 1);
  expect_messages(t, "join", a, 2);
  /* Subscribing again changes nothing and tells nobody. */
  send(t->a, "{\"action\":\"subscribeChannel\",\"channel\":\"dev\"}");
  assert_int_equal(wsgw_kit_wait_invocations(t->emu, "subscribeChannel", a, NULL, 2, WAIT_MS), 0);
  send(t->a, "{\"action\":\"sendMessage\",\"channel\":\"dev\",\"content\":\"hi\"}");
  expect_messages(t, "message", a, 1);
  expect_messages(t, "join", a, 2);
  send(t->a, "{\"action\":\"unsubscribeChannel\",\"channel\":\"dev\"}");
  expect_subscription(t, "dev", a, 0);
  expect_messages(t, "leave", a, 1);
  send(t->a, "{\"action\":\"unsubscribeChannel\",\"channel\":\"dev\"}");
  assert_int_equal(wsgw_kit_wait_invocations(t->emu, "unsubscribeChannel", a, NULL, 2, WAIT_MS), 0);
  expect_messages(t, "leave", a, 1);
  /* The broadcast is the stream's: no route posted anything. */
  silence(t);

  /* Every item names the management endpoint its route was called through. */
  items = wsgw_kit_db_scan(t->emu, "Messages");
  assert_int_equal(cJSON_GetArraySize(items), 5);
  cJSON_ArrayForEach(item, items) {
    const char *endpoint = cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(item, "endpoint"), "S")
                               ->valuestring;
    assert_int_equal(strncmp(endpoint, "https://", 8), 0);
    assert_string_equal(endpoint + strlen(endpoint) - 4, "/dev");
  }
  cJSON_Delete(items);
  snprintf(key, sizeof(key), "{\"channel\":{\"S\":\"General\"},\"connectionId\":{\"S\":\"%s\"}}",
           a);
  assert_int_equal(wsgw_kit_db_expect_item(t->emu, "Channels", key, "{}", 0), 0);
}

static void bad_requests_answer_400_and_write_nothing(void **state) {
  struct routes *t = *state;
  const char *a = wsgw_kit_ws_id(t->a);
  static const char *const bad[] = {
      "{\"action\":\"subscribeChannel\"}",
      "{\"action\":\"subscribeChannel\",\"channel\":\"\"}",
      "{\"action\":\"subscribeChannel\",\"channel\":7}",
      "{\"action\":\"unsubscribeChannel\",\"channel\":null}",
      "{\"action\":\"sendMessage\",\"channel\":\"General\"}",
      "{\"action\":\"sendMessage\",\"channel\":\"General\",\"content\":{\"x\":1}}",
      "{\"action\":\"sendMessage\",\"content\":\"x\"}",
  };
  char long_channel[300];
  cJSON *log, *entry;
  size_t i;

  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    send(t->a, bad[i]);
  memset(long_channel, 0, sizeof(long_channel));
  strcpy(long_channel, "{\"action\":\"subscribeChannel\",\"channel\":\"");
  memset(long_channel + strlen(long_channel), 'x', 129);
  strcat(long_channel, "\"}");
  send(t->a, long_channel);
  assert_int_equal(wsgw_kit_wait_invocations(t->emu, NULL, a, "channels.subscribe", 4, WAIT_MS), 0);
  assert_int_equal(wsgw_kit_wait_invocations(t->emu, NULL, a, "channels.send", 3, WAIT_MS), 0);
  assert_int_equal(wsgw_kit_wait_invocations(t->emu, NULL, a, "channels.unsubscribe", 1, WAIT_MS),
                   0);
  log = wsgw_kit_invocations(t->emu, NULL, a, NULL);
  cJSON_ArrayForEach(entry, log) {
    const cJSON *route = cJSON_GetObjectItemCaseSensitive(entry, "routeKey");
    if (strcmp(route->valuestring, "$connect") == 0)
      continue;
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(entry, "statusCode")->valueint, 400);
  }
  cJSON_Delete(log);
  expect_messages(t, "join", a, 1);
  expect_messages(t, "message", a, 0);
  silence(t);
}

/* A stream event of one INSERT record: the Messages item of `type` about
 * connection `id` (the first found). */
static char *stream_event(struct routes *t, const char *type, const char *id) {
  cJSON *items = wsgw_kit_db_scan(t->emu, "Messages"), *item, *found = NULL;
  cJSON *body = cJSON_CreateObject(), *record, *dynamodb;
  char *text;

  cJSON_ArrayForEach(item, items) {
    if (!found &&
        strcmp(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "type"), "S")
                   ->valuestring,
               type) == 0 &&
        strcmp(cJSON_GetObjectItemCaseSensitive(
                   cJSON_GetObjectItemCaseSensitive(item, "connectionId"), "S")
                   ->valuestring,
               id) == 0)
      found = item;
  }
  assert_non_null(found);
  cJSON_AddStringToObject(body, "action", "relay");
  record = cJSON_CreateObject();
  cJSON_AddItemToArray(cJSON_AddArrayToObject(body, "Records"), record);
  cJSON_AddStringToObject(record, "eventName", "INSERT");
  dynamodb = cJSON_AddObjectToObject(record, "dynamodb");
  cJSON_AddStringToObject(dynamodb, "SequenceNumber", "100");
  cJSON_AddItemToObject(dynamodb, "NewImage", cJSON_Duplicate(found, 1));
  text = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  cJSON_Delete(items);
  return text;
}

static void broadcast_posts_to_the_subscribers_and_unsubscribes_gone_connections(void **state) {
  struct routes *t = *state;
  const char *a = wsgw_kit_ws_id(t->a), *b = wsgw_kit_ws_id(t->b);
  char want[256], *event;

  assert_int_equal(
      wsgw_kit_db_put(t->emu, "Channels",
                      "{\"channel\":{\"S\":\"General\"},\"connectionId\":{\"S\":\"" STALE_ID
                      "\"}}"),
      0);
  send(t->a, "{\"action\":\"sendMessage\",\"channel\":\"General\",\"content\":\"hi\"}");
  expect_messages(t, "message", a, 1);
  event = stream_event(t, "message", a);
  send(t->b, event);
  cJSON_free(event);
  snprintf(want, sizeof(want),
           "{\"channel\":\"General\",\"type\":\"message\",\"connectionId\":\"%s\","
           "\"content\":\"hi\"}",
           a);
  assert_int_equal(wsgw_kit_expect_json(t->a, want, WAIT_MS), 0);
  assert_int_equal(wsgw_kit_expect_json(t->b, want, WAIT_MS), 0);
  expect_subscription(t, "General", STALE_ID, 0);
  expect_subscription(t, "General", a, 1);
  silence(t);

  /* A notice goes to everyone but its subject. */
  event = stream_event(t, "join", b);
  send(t->a, event);
  cJSON_free(event);
  snprintf(want, sizeof(want),
           "{\"channel\":\"General\",\"type\":\"join\",\"connectionId\":\"%s\"}", b);
  assert_int_equal(wsgw_kit_expect_json(t->a, want, WAIT_MS), 0);
  silence(t);
}

static void disconnect_removes_every_subscription_with_a_leave_notice(void **state) {
  struct routes *t = *state;
  char a[64];

  snprintf(a, sizeof(a), "%s", wsgw_kit_ws_id(t->a));
  send(t->a, "{\"action\":\"subscribeChannel\",\"channel\":\"dev\"}");
  send(t->a, "{\"action\":\"subscribeChannel\",\"channel\":\"ops\"}");
  expect_subscription(t, "ops", a, 1);
  expect_subscription(t, "dev", a, 1);
  assert_int_equal(wsgw_kit_close(t->a, 1000, "bye"), 0);
  expect_subscription(t, "General", a, 0);
  expect_subscription(t, "dev", a, 0);
  expect_subscription(t, "ops", a, 0);
  expect_messages(t, "leave", a, 3);
  expect_subscription(t, "General", wsgw_kit_ws_id(t->b), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(the_routes_write_subscriptions_and_messages_and_post_nothing,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(bad_requests_answer_400_and_write_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(
          broadcast_posts_to_the_subscribers_and_unsubscribes_gone_connections, setup, teardown),
      cmocka_unit_test_setup_teardown(disconnect_removes_every_subscription_with_a_leave_notice,
                                      setup, teardown),
  };

  return cmocka_run_group_tests_name("channels_routes", tests, NULL, NULL);
}
