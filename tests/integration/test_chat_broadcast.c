/*
 * test_chat_broadcast.c - the acceptance test of the foundation: the chat
 * app of fixtures/chat-app.json (AWS's simple-websockets-chat-app in C) run
 * in process, driven by real WebSocket clients and checked through the
 * DynamoDB HTTP API.
 *
 * Covers: $connect stores the connectionId; sendmessage fans out to every
 * stored id through @connections; a stale id (a lost $disconnect) answers
 * 410 GoneException and is deleted by the handler while live ids stay;
 * $disconnect deletes the id of a closed client.
 * SPEC docs/spec/apigw-websocket.md 4, 7 and 8.
 *
 * Run twice (tests/CMakeLists.txt): with the handlers in process, and, when
 * WSGW_BOOTSTRAP names the chat example built as a provided.al2023 custom
 * runtime (build/bootstrap/bootstrap), with fixtures/chat-bootstrap.json:
 * the same handlers out of process through wsgw's Runtime API, reaching
 * DynamoDB and @connections over HTTP(S) with SigV4 (emulator/bootstrap/).
 *
 * Each test starts its own emulator (fresh in-memory store, free port).
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
#define ID_LEN 16
#define WAIT_MS 5000
#define STALE_ID "AAAAAAAAAAAAAAA="

struct chat {
  struct wsgw_kit_emu *emu;
  int port;
  struct wsgw_kit_ws *clients[NCLIENTS];
  char ids[NCLIENTS][ID_LEN + 1];
};

/* The ids in table Connections (a full Scan, following pages). Returns the
 * count, or -1 if the Scan failed; at most cap ids are stored. */
static int scan_ids(int port, char ids[][ID_LEN + 1], int cap) {
  char request[512];
  cJSON *start = NULL;
  int n = 0;

  do {
    struct wsgw_kit_http_response http;
    cJSON *resp, *item;
    int status;
    if (start) {
      char *key = cJSON_PrintUnformatted(start);
      snprintf(request, sizeof(request), "{\"TableName\":\"Connections\",\"ExclusiveStartKey\":%s}",
               key);
      cJSON_free(key);
      cJSON_Delete(start);
      start = NULL;
    } else {
      snprintf(request, sizeof(request), "{\"TableName\":\"Connections\"}");
    }
    status = wsgw_kit_http_dynamodb(port, "Scan", request, &http);
    resp = status > 0 ? cJSON_ParseWithLength(http.body, http.body_len) : NULL;
    wsgw_kit_http_free(&http);
    if (status != 200 || !resp) {
      cJSON_Delete(resp);
      return -1;
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
      const cJSON *s = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(item, "id"), "S");
      if (cJSON_IsString(s) && n < cap)
        snprintf(ids[n], ID_LEN + 1, "%s", s->valuestring);
      if (cJSON_IsString(s))
        n++;
    }
    start = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (start);
  return n;
}

/* 1 if the id is an item of Connections, 0 if not, -1 on error. */
static int stored(int port, const char *id) {
  struct wsgw_kit_http_response http;
  char request[256];
  cJSON *resp;
  int status, found;

  snprintf(request, sizeof(request),
           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"%s\"}},"
           "\"ConsistentRead\":true}",
           id);
  status = wsgw_kit_http_dynamodb(port, "GetItem", request, &http);
  resp = status > 0 ? cJSON_ParseWithLength(http.body, http.body_len) : NULL;
  wsgw_kit_http_free(&http);
  if (status != 200 || !resp) {
    cJSON_Delete(resp);
    return -1;
  }
  found = cJSON_GetObjectItemCaseSensitive(resp, "Item") != NULL;
  cJSON_Delete(resp);
  return found;
}

struct absent_arg {
  int port;
  const char *id;
};

static int id_absent(void *arg) {
  struct absent_arg *a = arg;

  return stored(a->port, a->id) == 0;
}

/* fixtures/chat-bootstrap.json with its command replaced by the given
 * program (new text, or NULL). */
static char *bootstrap_config(const char *program) {
  char *text = wsgw_kit_read_file("fixtures/chat-bootstrap.json", NULL);
  cJSON *cfg = text ? cJSON_Parse(text) : NULL;
  cJSON *api = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "apis"), 0);
  cJSON *fn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(api, "defaults"),
                                               "function");
  char *out = NULL;

  free(text);
  if (fn) {
    cJSON *command = cJSON_CreateArray();
    cJSON_AddItemToArray(command, cJSON_CreateString(program));
    cJSON_ReplaceItemInObjectCaseSensitive(fn, "command", command);
    out = cJSON_PrintUnformatted(cfg);
  }
  cJSON_Delete(cfg);
  return out;
}

static int setup(void **state) {
  struct chat *t = calloc(1, sizeof(*t));
  char known[NCLIENTS + 1][ID_LEN + 1];
  const char *bootstrap = getenv("WSGW_BOOTSTRAP");
  char *config = NULL;
  int i, j, k, n;

  assert_non_null(t);
  if (bootstrap && *bootstrap) {
    config = bootstrap_config(bootstrap);
    assert_non_null(config);
  }
  t->emu = wsgw_kit_start(config
                              ? &(struct wsgw_kit_options){.config_json = config}
                              : &(struct wsgw_kit_options){.config_file = "fixtures/chat-app.json"},
                          NULL, 0);
  cJSON_free(config);
  if (!t->emu)
    fail_msg("%s", wsgw_kit_error());
  t->port = wsgw_kit_port(t->emu);
  /* Connect one at a time; $connect stored each id before the 101, so the
   * one new id in the table after each handshake is that client's. */
  for (i = 0; i < NCLIENTS; i++) {
    t->clients[i] = wsgw_kit_ws_open(
        t->port, &(struct wsgw_kit_ws_options){.path = "/dev", .timeout_ms = WAIT_MS});
    assert_non_null(t->clients[i]);
    assert_int_equal(wsgw_kit_ws_status(t->clients[i]), 101);
    n = scan_ids(t->port, known, NCLIENTS + 1);
    assert_int_equal(n, i + 1);
    for (j = 0; j < n; j++) {
      int old = 0;
      for (k = 0; k < i; k++)
        old |= strcmp(known[j], t->ids[k]) == 0;
      if (!old)
        memcpy(t->ids[i], known[j], sizeof(t->ids[i]));
    }
    assert_int_equal(strlen(t->ids[i]), ID_LEN);
  }
  *state = t;
  return 0;
}

static int teardown(void **state) {
  struct chat *t = *state;
  int i;

  for (i = 0; i < NCLIENTS; i++)
    wsgw_kit_ws_free(t->clients[i]);
  wsgw_kit_stop(t->emu);
  free(t);
  return 0;
}

/* Every client receives exactly `text` as one text message, and nothing
 * else follows it right away. */
static void assert_all_receive(struct chat *t, const char *text) {
  int i;

  for (i = 0; i < NCLIENTS; i++) {
    struct wsgw_kit_frame f;
    assert_int_equal(wsgw_kit_recv_message(t->clients[i], WAIT_MS, &f), WSGW_KIT_RECV_OK);
    assert_int_equal(f.opcode, WSGW_KIT_TEXT);
    assert_int_equal(f.len, strlen(text));
    assert_memory_equal(f.data, text, f.len);
    wsgw_kit_frame_free(&f);
  }
  for (i = 0; i < NCLIENTS; i++) {
    struct wsgw_kit_frame f;
    assert_int_equal(wsgw_kit_recv_frame(t->clients[i], 100, &f), WSGW_KIT_RECV_TIMEOUT);
  }
}

static void sendmessage_reaches_every_connected_client(void **state) {
  struct chat *t = *state;

  assert_int_equal(
      wsgw_kit_send_text(t->clients[0], "{\"action\":\"sendmessage\",\"data\":\"hello\"}"), 0);
  assert_all_receive(t, "hello");
}

static void broadcast_deletes_a_stale_id_and_keeps_the_live_ones(void **state) {
  struct chat *t = *state;
  struct absent_arg stale = {t->port, STALE_ID};
  char ids[NCLIENTS + 2][ID_LEN + 1];
  struct wsgw_kit_http_response resp;
  int i, j, n;

  /* A lost $disconnect leaves an id in the table that is not connected. */
  assert_int_equal(wsgw_kit_http_dynamodb(t->port, "PutItem",
                                          "{\"TableName\":\"Connections\","
                                          "\"Item\":{\"id\":{\"S\":\"" STALE_ID "\"}}}",
                                          &resp),
                   200);
  wsgw_kit_http_free(&resp);
  assert_int_equal(stored(t->port, STALE_ID), 1);

  assert_int_equal(
      wsgw_kit_send_text(t->clients[1], "{\"action\":\"sendmessage\",\"data\":\"hello again\"}"),
      0);
  assert_all_receive(t, "hello again");

  /* The post to the stale id got 410 GoneException, and the handler deleted
   * it (the fan-out may still be running when the frames arrive). */
  assert_int_equal(wsgw_kit_wait_until(id_absent, &stale, WAIT_MS), 0);
  n = scan_ids(t->port, ids, NCLIENTS + 2);
  assert_int_equal(n, NCLIENTS);
  for (i = 0; i < NCLIENTS; i++) {
    int found = 0;
    for (j = 0; j < n; j++)
      found |= strcmp(ids[j], t->ids[i]) == 0;
    assert_true(found);
    assert_int_equal(stored(t->port, t->ids[i]), 1);
  }
}

static void a_closed_client_is_removed_by_disconnect(void **state) {
  struct chat *t = *state;
  struct absent_arg gone = {t->port, t->ids[2]};
  struct wsgw_kit_frame f;
  int i;

  assert_int_equal(wsgw_kit_close(t->clients[2], 1000, "bye"), 0);
  assert_int_equal(wsgw_kit_wait_until(id_absent, &gone, WAIT_MS), 0);
  for (i = 0; i < 2; i++)
    assert_int_equal(stored(t->port, t->ids[i]), 1);

  /* The remaining clients still chat. */
  assert_int_equal(
      wsgw_kit_send_text(t->clients[0], "{\"action\":\"sendmessage\",\"data\":\"still here\"}"), 0);
  for (i = 0; i < 2; i++) {
    assert_int_equal(wsgw_kit_recv_message(t->clients[i], WAIT_MS, &f), WSGW_KIT_RECV_OK);
    assert_string_equal(f.data, "still here");
    wsgw_kit_frame_free(&f);
  }
}

static void a_dropped_client_is_removed_by_disconnect(void **state) {
  struct chat *t = *state;
  struct absent_arg gone = {t->port, t->ids[0]};

  wsgw_kit_drop(t->clients[0]);
  assert_int_equal(wsgw_kit_wait_until(id_absent, &gone, WAIT_MS), 0);
  assert_int_equal(stored(t->port, t->ids[1]), 1);
  assert_int_equal(stored(t->port, t->ids[2]), 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(sendmessage_reaches_every_connected_client, setup, teardown),
      cmocka_unit_test_setup_teardown(broadcast_deletes_a_stale_id_and_keeps_the_live_ones, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_closed_client_is_removed_by_disconnect, setup, teardown),
      cmocka_unit_test_setup_teardown(a_dropped_client_is_removed_by_disconnect, setup, teardown),
  };

  return cmocka_run_group_tests_name("chat_broadcast", tests, NULL, NULL);
}
