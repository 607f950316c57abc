/*
 * test_channels.c - the acceptance test of the channel chat app
 * (handlers/channels.c, fixtures/channels-app.json) end to end: real
 * WebSocket clients, the routes writing to DynamoDB, the Messages table's
 * stream driving channels.broadcast through the config's event source
 * mapping, and the Streams API read by a consumer as an SDK reads it.
 *
 * Every test starts its own emulator with three clients A, B, C, connected
 * one after the other; the next one connects once the join notice of the
 * last has been broadcast (the invocation log says so), so that no late
 * broadcast reaches a client that joined after the notice was written.
 * Exact delivery: each client's next messages are expected in order, then
 * silence.
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

#define NCLIENTS 3
#define WAIT_MS 10000
#define SILENCE_MS 300
#define STALE_ID "AAAAAAAAAAAAAAA="

enum { A, B, C };

struct channels {
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws[NCLIENTS];
  char id[NCLIENTS][64];
};

/* Sends {"action": action, "channel": channel[, "content": content]}. */
static void send_action(struct channels *t, int who, const char *action, const char *channel,
                        const char *content) {
  char text[512];

  if (content)
    snprintf(text, sizeof(text), "{\"action\":\"%s\",\"channel\":\"%s\",\"content\":\"%s\"}",
             action, channel, content);
  else
    snprintf(text, sizeof(text), "{\"action\":\"%s\",\"channel\":\"%s\"}", action, channel);
  assert_int_equal(wsgw_kit_send_text(t->ws[who], text), 0);
}

/* The next message of client `who` is the notice or message given. */
static void expect_frame(struct channels *t, int who, const char *channel, const char *type,
                         int from, const char *content) {
  char subset[512];

  if (content)
    snprintf(subset, sizeof(subset),
             "{\"channel\":\"%s\",\"type\":\"%s\",\"connectionId\":\"%s\",\"content\":\"%s\"}",
             channel, type, t->id[from], content);
  else
    snprintf(subset, sizeof(subset), "{\"channel\":\"%s\",\"type\":\"%s\",\"connectionId\":\"%s\"}",
             channel, type, t->id[from]);
  if (wsgw_kit_expect_json(t->ws[who], subset, WAIT_MS) != 0)
    fail_msg("client %c: %s", 'A' + who, wsgw_kit_error());
}

static void expect_silence(struct channels *t) {
  int i;

  for (i = 0; i < NCLIENTS; i++)
    if (t->ws[i] && wsgw_kit_expect_silence(t->ws[i], SILENCE_MS) != 0)
      fail_msg("client %c: %s", 'A' + i, wsgw_kit_error());
}

/* The subscription item {channel, connectionId} exists (present) or not,
 * within the deadline. */
static void expect_subscription(struct channels *t, const char *channel, const char *id,
                                int present) {
  char key[256];

  snprintf(key, sizeof(key), "{\"channel\":{\"S\":\"%s\"},\"connectionId\":{\"S\":\"%s\"}}",
           channel, id);
  if (wsgw_kit_db_expect_item(t->emu, "Channels", key, present ? "{}" : NULL, WAIT_MS) != 0)
    fail_msg("%s", wsgw_kit_error());
}

/* The number of subscriptions of a connection (a Query of the GSI). */
static int subscriptions_of(struct channels *t, const char *id) {
  char request[256];
  cJSON *resp = NULL;
  int n;

  snprintf(request, sizeof(request),
           "{\"TableName\":\"Channels\",\"IndexName\":\"ByConnection\","
           "\"KeyConditionExpression\":\"connectionId = :c\","
           "\"ExpressionAttributeValues\":{\":c\":{\"S\":\"%s\"}},\"Select\":\"COUNT\"}",
           id);
  assert_int_equal(wsgw_kit_db(t->emu, "Query", request, &resp), 200);
  n = cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint;
  cJSON_Delete(resp);
  return n;
}

static void connect_client(struct channels *t, int who) {
  t->ws[who] = wsgw_kit_connect(t->emu, &(struct wsgw_kit_ws_options){.path = "/dev"}, NULL);
  if (!t->ws[who])
    fail_msg("connect: %s", wsgw_kit_error());
  snprintf(t->id[who], sizeof(t->id[who]), "%s", wsgw_kit_ws_id(t->ws[who]));
  assert_true(t->id[who][0] != '\0');
}

/* The invocations of channels.broadcast whose records include the message
 * `content`, oldest first. */
static cJSON *broadcasts_of(struct channels *t, const char *content) {
  cJSON *log = wsgw_kit_invocations(t->emu, NULL, NULL, "channels.broadcast");
  cJSON *out = cJSON_CreateArray(), *entry, *record;

  cJSON_ArrayForEach(entry, log) {
    int match = 0;
    cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(entry, "event"), "Records")) {
      const cJSON *c = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(
              cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(record, "dynamodb"),
                                               "NewImage"),
              "content"),
          "S");
      match |= cJSON_IsString(c) && strcmp(c->valuestring, content) == 0;
    }
    if (match)
      cJSON_AddItemToArray(out, cJSON_Duplicate(entry, 1));
  }
  cJSON_Delete(log);
  return out;
}

/* A finished invocation of channels.broadcast had the record of `type` in
 * `channel` about connection `id`. */
struct broadcast_arg {
  struct channels *t;
  const char *type, *channel, *id;
};

static const char *image_s(const cJSON *record, const char *name) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(record, "dynamodb"),
                                           "NewImage"),
          name),
      "S");

  return cJSON_IsString(s) ? s->valuestring : "";
}

static int broadcast_done(void *arg) {
  struct broadcast_arg *b = arg;
  cJSON *log = wsgw_kit_invocations(b->t->emu, NULL, NULL, "channels.broadcast"), *entry, *record;
  int found = 0;

  cJSON_ArrayForEach(entry, log) {
    const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(entry, "outcome");
    if (!cJSON_IsString(outcome) || strcmp(outcome->valuestring, "ok") != 0)
      continue;
    cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(entry, "event"), "Records")) {
      found |= strcmp(image_s(record, "type"), b->type) == 0 &&
               strcmp(image_s(record, "channel"), b->channel) == 0 &&
               strcmp(image_s(record, "connectionId"), b->id) == 0;
    }
  }
  cJSON_Delete(log);
  return found;
}

/* Waits until the notice about `who` has been broadcast: a notice is not
 * posted to its subject, so no frame tells the test, and a late broadcast
 * would reach clients that subscribe after it was written. */
static void wait_broadcast(struct channels *t, const char *type, const char *channel, int who) {
  struct broadcast_arg b = {t, type, channel, t->id[who]};

  if (wsgw_kit_wait_until(broadcast_done, &b, WAIT_MS) != 0)
    fail_msg("no broadcast of the %s of %c in %s", type, 'A' + who, channel);
}

static int setup(void **state) {
  struct channels *t = calloc(1, sizeof(*t));
  int i, j;

  assert_non_null(t);
  t->emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_file = "fixtures/channels-app.json"},
                          NULL, 0);
  if (!t->emu)
    fail_msg("%s", wsgw_kit_error());
  /* Everyone joins General on $connect; the others hear of it. */
  for (i = 0; i < NCLIENTS; i++) {
    connect_client(t, i);
    wait_broadcast(t, "join", "General", i);
    for (j = 0; j < i; j++)
      expect_frame(t, j, "General", "join", i, NULL);
  }
  *state = t;
  return 0;
}

static int teardown(void **state) {
  struct channels *t = *state;
  int i;

  for (i = 0; i < NCLIENTS; i++)
    wsgw_kit_ws_free(t->ws[i]);
  wsgw_kit_stop(t->emu);
  free(t);
  return 0;
}

/* A: General and dev; B: dev only; C: General only. */
static void arrange_two_channels(struct channels *t) {
  send_action(t, A, "subscribeChannel", "dev", NULL);
  wait_broadcast(t, "join", "dev", A);
  send_action(t, B, "subscribeChannel", "dev", NULL);
  expect_frame(t, A, "dev", "join", B, NULL);
  send_action(t, B, "unsubscribeChannel", "General", NULL);
  expect_frame(t, A, "General", "leave", B, NULL);
  expect_frame(t, C, "General", "leave", B, NULL);
  expect_silence(t);
}

static void three_clients_in_two_channels_get_exactly_their_channels_messages(void **state) {
  struct channels *t = *state;

  arrange_two_channels(t);
  send_action(t, A, "sendMessage", "dev", "d1");
  expect_frame(t, A, "dev", "message", A, "d1");
  expect_frame(t, B, "dev", "message", A, "d1");
  send_action(t, C, "sendMessage", "General", "g1");
  expect_frame(t, A, "General", "message", C, "g1");
  expect_frame(t, C, "General", "message", C, "g1");
  send_action(t, B, "sendMessage", "dev", "d2");
  expect_frame(t, A, "dev", "message", B, "d2");
  expect_frame(t, B, "dev", "message", B, "d2");
  expect_silence(t);
  /* A channel nobody subscribed to reaches nobody. */
  send_action(t, C, "sendMessage", "empty", "e1");
  expect_silence(t);
}

static void unsubscribing_stops_delivery(void **state) {
  struct channels *t = *state;

  arrange_two_channels(t);
  send_action(t, A, "unsubscribeChannel", "dev", NULL);
  expect_frame(t, B, "dev", "leave", A, NULL);
  expect_subscription(t, "dev", t->id[A], 0);
  send_action(t, B, "sendMessage", "dev", "after");
  expect_frame(t, B, "dev", "message", B, "after");
  expect_silence(t);
  /* A is still in General. */
  send_action(t, C, "sendMessage", "General", "still");
  expect_frame(t, A, "General", "message", C, "still");
  expect_frame(t, C, "General", "message", C, "still");
  expect_silence(t);
}

static void a_disconnect_removes_every_subscription_and_tells_the_channels(void **state) {
  struct channels *t = *state;

  arrange_two_channels(t);
  assert_int_equal(subscriptions_of(t, t->id[A]), 2);
  assert_int_equal(wsgw_kit_close(t->ws[A], 1000, "bye"), 0);
  wsgw_kit_ws_free(t->ws[A]);
  t->ws[A] = NULL;
  /* B hears it in dev, C in General. */
  expect_frame(t, B, "dev", "leave", A, NULL);
  expect_frame(t, C, "General", "leave", A, NULL);
  assert_int_equal(subscriptions_of(t, t->id[A]), 0);
  send_action(t, B, "sendMessage", "dev", "alone");
  expect_frame(t, B, "dev", "message", B, "alone");
  expect_silence(t);
}

static void a_dead_connection_is_unsubscribed_when_a_broadcast_gets_410(void **state) {
  struct channels *t = *state;

  /* A lost $disconnect leaves a subscription of a connection that is gone. */
  assert_int_equal(
      wsgw_kit_db_put(t->emu, "Channels",
                      "{\"channel\":{\"S\":\"General\"},\"connectionId\":{\"S\":\"" STALE_ID
                      "\"}}"),
      0);
  send_action(t, B, "sendMessage", "General", "hi");
  expect_frame(t, A, "General", "message", B, "hi");
  expect_frame(t, B, "General", "message", B, "hi");
  expect_frame(t, C, "General", "message", B, "hi");
  expect_subscription(t, "General", STALE_ID, 0);
  expect_subscription(t, "General", t->id[A], 1);
  expect_silence(t);
}

static void a_failing_broadcast_is_retried_and_the_message_arrives_once(void **state) {
  struct channels *t = *state;
  cJSON *log, *first, *retry;

  /* The next invocation of the stream function fails, as a function error
   * would: the mapping retries the batch. */
  assert_true(wsgw_kit_fault(t->emu, "{\"type\":\"stream.error\",\"table\":\"Messages\","
                                     "\"count\":1}") > 0);
  send_action(t, C, "sendMessage", "General", "again");
  expect_frame(t, A, "General", "message", C, "again");
  expect_frame(t, B, "General", "message", C, "again");
  expect_frame(t, C, "General", "message", C, "again");
  expect_silence(t);
  log = broadcasts_of(t, "again");
  assert_int_equal(cJSON_GetArraySize(log), 2);
  first = cJSON_GetArrayItem(log, 0);
  retry = cJSON_GetArrayItem(log, 1);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(first, "outcome")->valuestring, "error");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(retry, "outcome")->valuestring, "ok");
  assert_true(cJSON_Compare(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(first, "event"), "Records"),
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(retry, "event"), "Records"),
      1));
  cJSON_Delete(log);
}

/* A subscriber Query that fails makes the function report the record in
 * batchItemFailures: the mapping retries from it. */
static void a_record_reported_as_failed_is_retried_and_arrives_once(void **state) {
  struct channels *t = *state;
  cJSON *log;

  assert_true(wsgw_kit_fault(t->emu, "{\"type\":\"dynamodb.error\",\"operation\":\"Query\","
                                     "\"table\":\"Channels\",\"error\":\"InternalServerError\","
                                     "\"count\":1}") > 0);
  send_action(t, A, "sendMessage", "General", "partial");
  expect_frame(t, A, "General", "message", A, "partial");
  expect_frame(t, B, "General", "message", A, "partial");
  expect_frame(t, C, "General", "message", A, "partial");
  expect_silence(t);
  log = broadcasts_of(t, "partial");
  assert_int_equal(cJSON_GetArraySize(log), 2);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(log, 0), "response"),
                       "batchItemFailures")),
                   1);
  cJSON_Delete(log);
}

/* A Streams API call as the SDKs send it; the parsed answer, or a failure. */
static cJSON *streams_call(struct channels *t, const char *operation, const char *request) {
  char target[128];
  const char *headers[] = {"Content-Type: application/x-amz-json-1.0", target,
                           "Authorization: AWS4-HMAC-SHA256 "
                           "Credential=local/20240101/us-east-1/dynamodb/aws4_request, "
                           "SignedHeaders=host;x-amz-target, Signature=0",
                           NULL};
  struct wsgw_kit_http_response http;
  cJSON *resp;
  int status;

  snprintf(target, sizeof(target), "X-Amz-Target: DynamoDBStreams_20120810.%s", operation);
  status = wsgw_kit_http(wsgw_kit_port(t->emu), "POST", "/", headers, request, strlen(request),
                         &http);
  if (status != 200)
    fail_msg("%s: %d %s", operation, status, http.body ? http.body : "");
  resp = cJSON_ParseWithLength(http.body, http.body_len);
  wsgw_kit_http_free(&http);
  assert_non_null(resp);
  return resp;
}

/* Every record of the Messages stream, oldest first (all shards in
 * DescribeStream's order, parents first; each from TRIM_HORIZON until a page
 * comes back empty or the shard ends). */
static cJSON *stream_records(struct channels *t) {
  cJSON *table = NULL, *desc, *shard, *all = cJSON_CreateArray();
  const cJSON *arn;
  char request[1024];

  assert_int_equal(wsgw_kit_db(t->emu, "DescribeTable", "{\"TableName\":\"Messages\"}", &table),
                   200);
  arn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(table, "Table"),
                                         "LatestStreamArn");
  assert_true(cJSON_IsString(arn));
  snprintf(request, sizeof(request), "{\"StreamArn\":\"%s\"}", arn->valuestring);
  desc = streams_call(t, "DescribeStream", request);
  cJSON_ArrayForEach(shard,
                     cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(desc, "StreamDescription"), "Shards")) {
    const cJSON *shard_id = cJSON_GetObjectItemCaseSensitive(shard, "ShardId");
    cJSON *it;
    char *iterator;
    assert_true(cJSON_IsString(shard_id));
    snprintf(request, sizeof(request),
             "{\"StreamArn\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}",
             arn->valuestring, shard_id->valuestring);
    it = streams_call(t, "GetShardIterator", request);
    iterator = strdup(cJSON_GetObjectItemCaseSensitive(it, "ShardIterator")->valuestring);
    cJSON_Delete(it);
    for (;;) {
      cJSON *page, *records, *next;
      char *body;
      cJSON *req = cJSON_CreateObject();
      cJSON_AddStringToObject(req, "ShardIterator", iterator);
      body = cJSON_PrintUnformatted(req);
      cJSON_Delete(req);
      page = streams_call(t, "GetRecords", body);
      cJSON_free(body);
      records = cJSON_GetObjectItemCaseSensitive(page, "Records");
      next = cJSON_GetObjectItemCaseSensitive(page, "NextShardIterator");
      free(iterator);
      iterator = NULL;
      if (cJSON_GetArraySize(records) == 0) {
        cJSON_Delete(page);
        break;
      }
      while (cJSON_GetArraySize(records) > 0)
        cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(records, 0));
      /* A closed shard read to its end has no next iterator. */
      iterator = cJSON_IsString(next) ? strdup(next->valuestring) : NULL;
      cJSON_Delete(page);
      if (!iterator)
        break;
    }
    free(iterator);
  }
  cJSON_Delete(desc);
  cJSON_Delete(table);
  return all;
}

/* The records channels.broadcast was invoked with, first delivery of each
 * (a retry repeats records), oldest first. */
static cJSON *delivered_records(struct channels *t) {
  cJSON *log = wsgw_kit_invocations(t->emu, NULL, NULL, "channels.broadcast");
  cJSON *all = cJSON_CreateArray(), *entry, *record, *seen;

  cJSON_ArrayForEach(entry, log) {
    cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(
                                   cJSON_GetObjectItemCaseSensitive(entry, "event"), "Records")) {
      const cJSON *id = cJSON_GetObjectItemCaseSensitive(record, "eventID");
      int dup = 0;
      cJSON_ArrayForEach(seen, all) {
        dup |= cJSON_Compare(cJSON_GetObjectItemCaseSensitive(seen, "eventID"), id, 1);
      }
      if (!dup)
        cJSON_AddItemToArray(all, cJSON_Duplicate(record, 1));
    }
  }
  cJSON_Delete(log);
  return all;
}

static void a_streams_api_consumer_reads_the_records_the_function_got(void **state) {
  struct channels *t = *state;
  cJSON *read, *got, *r, *g;
  int n;

  arrange_two_channels(t);
  send_action(t, A, "sendMessage", "dev", "d1");
  expect_frame(t, A, "dev", "message", A, "d1");
  expect_frame(t, B, "dev", "message", A, "d1");
  expect_silence(t);

  /* Joins of A, B and C on $connect, A and B to dev, B leaving General, d1:
   * seven items written, seven INSERT records, each delivered once. */
  read = stream_records(t);
  got = delivered_records(t);
  n = cJSON_GetArraySize(read);
  assert_int_equal(n, 3 + 2 + 1 + 1);
  assert_int_equal(cJSON_GetArraySize(got), n);
  for (r = read->child, g = got->child; r && g; r = r->next, g = g->next) {
    const cJSON *rd = cJSON_GetObjectItemCaseSensitive(r, "dynamodb");
    const cJSON *gd = cJSON_GetObjectItemCaseSensitive(g, "dynamodb");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "eventName")->valuestring, "INSERT");
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(r, "eventID"),
                              cJSON_GetObjectItemCaseSensitive(g, "eventID"), 1));
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(rd, "SequenceNumber"),
                              cJSON_GetObjectItemCaseSensitive(gd, "SequenceNumber"), 1));
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(rd, "Keys"),
                              cJSON_GetObjectItemCaseSensitive(gd, "Keys"), 1));
    assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(rd, "NewImage"),
                              cJSON_GetObjectItemCaseSensitive(gd, "NewImage"), 1));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(g, "eventSourceARN"));
  }
  cJSON_Delete(read);
  cJSON_Delete(got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(
          three_clients_in_two_channels_get_exactly_their_channels_messages, setup, teardown),
      cmocka_unit_test_setup_teardown(unsubscribing_stops_delivery, setup, teardown),
      cmocka_unit_test_setup_teardown(
          a_disconnect_removes_every_subscription_and_tells_the_channels, setup, teardown),
      cmocka_unit_test_setup_teardown(a_dead_connection_is_unsubscribed_when_a_broadcast_gets_410,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_failing_broadcast_is_retried_and_the_message_arrives_once,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_record_reported_as_failed_is_retried_and_arrives_once,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(a_streams_api_consumer_reads_the_records_the_function_got,
                                      setup, teardown),
  };

  return cmocka_run_group_tests_name("channels", tests, NULL, NULL);
}
