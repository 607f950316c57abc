/*
 * test_connect_storm.c - regression for issue 13 item 1: the chat app
 * (fixtures/chat-app.json) under a connect storm. One client broadcasts
 * `sendmessage` back to back (the next as soon as its own copy of the
 * last arrived) while STORM_CLIENTS more connect, STORM_PARALLEL at a
 * time. chat.sendmessage deletes every id whose post answers 410; a
 * gateway that answers 410 for a connection whose $connect had already
 * returned (it registered connections only after writing the 101) made
 * it delete live connections: 2 % to 12 % of them went missing.
 * Afterwards every connection must still be in the Connections table and
 * receive a final broadcast.
 *
 * One race is AWS's own and stays: a broadcast that reads an id while that
 * connection's $connect still runs gets 410 (SPEC docs/spec/apigw-websocket.md 7),
 * and chat.sendmessage deletes it. To test the gateway and not that race,
 * $connect and sendmessage run the chat handlers inside a gate: a
 * broadcast starts only once every $connect that stored an id has
 * returned, as the invocation log shows (the gateway logs $connect after
 * it returned). From then on, AWS says, the connection is established and
 * a post to it must not get 410.
 * Threading: connector threads (one client each at a time), the
 * broadcaster thread, then the test thread reads every client.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "emu_invocations.h"
#include "emu_server.h"
#include "ws_registry.h"
#include "test_support.h"
#include "ws_client.h"

#define STORM_CLIENTS 400
#define STORM_PARALLEL 20
#define ID_LEN 16
#define WAIT_MS 10000

/* ---- the gate ---------------------------------------------------------------- */

cJSON *chat_connect(const cJSON *event, struct wsgw_ctx *ctx);
cJSON *chat_sendmessage(const cJSON *event, struct wsgw_ctx *ctx);

static struct emu *gate_emu;
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_open = PTHREAD_COND_INITIALIZER;
static int gate_broadcasting; /* a broadcast inside or waiting to enter */
/* Connections whose $connect entered the gate since the last broadcast. */
static char gate_pending[STORM_CLIENTS + 1][ID_LEN + 1];
static int gate_npending;

static const char *event_connection_id(const cJSON *event) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), "connectionId");

  return cJSON_IsString(id) ? id->valuestring : "";
}

static cJSON *gated_connect(const cJSON *event, struct wsgw_ctx *ctx) {
  pthread_mutex_lock(&gate_lock);
  while (gate_broadcasting)
    pthread_cond_wait(&gate_open, &gate_lock);
  if (gate_npending <= STORM_CLIENTS)
    snprintf(gate_pending[gate_npending++], ID_LEN + 1, "%s", event_connection_id(event));
  pthread_mutex_unlock(&gate_lock);
  return chat_connect(event, ctx);
}

/* Every pending $connect has returned (gate_lock held). */
static int pending_returned(void) {
  int i;

  for (i = 0; i < gate_npending; i++)
    if (emu_invocations_count(gate_emu->invocations, "$connect", gate_pending[i], NULL) == 0)
      return 0;
  return 1;
}

/* DeleteItem of id in Connections, as chat.sendmessage does on a 410. */
static void forget(struct wsgw_ctx *ctx, const char *id) {
  cJSON *req = cJSON_CreateObject(), *resp = NULL;

  cJSON_AddStringToObject(req, "TableName", "Connections");
  cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(req, "Key"), "id"),
                          "S", id);
  wsgw_dynamodb(ctx, "DeleteItem", req, &resp);
  cJSON_Delete(req);
  cJSON_Delete(resp);
}

static cJSON *gated_sendmessage(const cJSON *event, struct wsgw_ctx *ctx) {
  long long deadline = tsupport_now_ms() + WAIT_MS;
  static char fresh[STORM_CLIENTS + 1][ID_LEN + 1]; /* one broadcast at a time */
  char endpoint[256];
  int i, nfresh;
  cJSON *r;

  pthread_mutex_lock(&gate_lock);
  while (gate_broadcasting)
    pthread_cond_wait(&gate_open, &gate_lock);
  gate_broadcasting = 1;
  /* Polls: waking this thread from a returning $connect could pre-empt it. */
  while (!pending_returned() && tsupport_now_ms() < deadline) {
    struct timespec ts = {0, 100 * 1000L};
    pthread_mutex_unlock(&gate_lock);
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&gate_lock);
  }
  memcpy(fresh, gate_pending, sizeof(fresh[0]) * (size_t)gate_npending);
  nfresh = gate_npending;
  gate_npending = 0;
  pthread_mutex_unlock(&gate_lock);
  /* The connections that just got established first, the moment their
   * $connect returned, as chat.sendmessage would: a 410 deletes the id. */
  for (i = 0; i < nfresh && wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) == 0;
       i++)
    if (wsgw_post_to_connection(ctx, endpoint, fresh[i], "fresh", 5) == 410)
      forget(ctx, fresh[i]);
  r = chat_sendmessage(event, ctx);
  pthread_mutex_lock(&gate_lock);
  gate_broadcasting = 0;
  pthread_cond_broadcast(&gate_open);
  pthread_mutex_unlock(&gate_lock);
  return r;
}

/* Searched before the bundled handlers: the chat app's names, gated. */
static const struct wsgw_handler gated_handlers[] = {
    {"chat.connect", gated_connect},
    {"chat.sendmessage", gated_sendmessage},
    {NULL, NULL},
};

/* ---- the storm ------------------------------------------------------------------ */

struct storm {
  struct emu *emu;
  int port;
  struct ws_client *clients[STORM_CLIENTS];
  char ids[STORM_CLIENTS][ID_LEN + 1];
  atomic_int next;           /* the next client to connect */
  atomic_int connect_failed; /* a handshake that did not give 101 */
  /* The broadcaster. */
  struct ws_client *sender;
  char sender_id[ID_LEN + 1];
  atomic_int stop;
  int broadcasts;
  int broadcast_failed;
};

/* The next message of c that equals want, skipping others; 0, or -1 at the
 * deadline. */
static int receive_until(struct ws_client *c, const char *want, int timeout_ms) {
  long long deadline = tsupport_now_ms() + timeout_ms;

  for (;;) {
    struct ws_client_frame fr;
    long long left = deadline - tsupport_now_ms();
    int match;
    if (left <= 0 || ws_client_recv_message(c, (int)left, &fr) != WS_CLIENT_OK)
      return -1;
    match = fr.opcode == WS_CLIENT_TEXT && strcmp(fr.data, want) == 0;
    ws_client_frame_free(&fr);
    if (match)
      return 0;
  }
}

static int broadcast(struct ws_client *sender, const char *data) {
  char msg[128];

  snprintf(msg, sizeof(msg), "{\"action\":\"sendmessage\",\"data\":\"%s\"}", data);
  if (ws_client_send_text(sender, msg) != 0)
    return -1;
  return receive_until(sender, data, WAIT_MS);
}

static void *broadcaster_main(void *arg) {
  struct storm *s = arg;

  while (!atomic_load(&s->stop)) {
    char data[32];
    snprintf(data, sizeof(data), "storm %d", s->broadcasts);
    if (broadcast(s->sender, data) != 0) {
      s->broadcast_failed = 1;
      break;
    }
    s->broadcasts++;
  }
  return NULL;
}

struct port_id {
  struct emu *emu;
  int port;
  char *id;
};

static int id_known(void *arg) {
  struct port_id *p = arg;

  return ws_registry_id_for_port(p->emu->gw.registry, p->port, p->id) == 0;
}

/* c's connectionId (the server maps the client's port to it). */
static int learn_id(struct emu *emu, struct ws_client *c, char id[ID_LEN + 1]) {
  struct port_id p = {emu, ws_client_local_port(c), id};

  return tsupport_wait_until(WAIT_MS, id_known, &p) ? 0 : -1;
}

static void *connector_main(void *arg) {
  struct storm *s = arg;
  int i;

  while ((i = atomic_fetch_add(&s->next, 1)) < STORM_CLIENTS) {
    struct ws_client *c = ws_client_connect(s->port, "/dev", NULL, NULL, WAIT_MS);
    if (!c || ws_client_status(c) != 101 ||
        learn_id(s->emu, c, s->ids[i]) != 0) {
      atomic_store(&s->connect_failed, 1);
      ws_client_free(c);
      continue;
    }
    s->clients[i] = c;
  }
  return NULL;
}

static int in_table(const cJSON *items, const char *id) {
  const cJSON *item;

  cJSON_ArrayForEach(item, items) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "id"), "S");
    if (cJSON_IsString(v) && strcmp(v->valuestring, id) == 0)
      return 1;
  }
  return 0;
}

/* Every id of the Connections table (a full Scan, all pages). */
static cJSON *scan_connections(int port) {
  cJSON *all = cJSON_CreateArray(), *start = NULL;

  do {
    cJSON *req = cJSON_CreateObject(), *resp, *items, *item;
    char *text;
    int status;
    cJSON_AddStringToObject(req, "TableName", "Connections");
    if (start)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
    text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    resp = tsupport_dynamodb_json(port, "Scan", text, &status);
    free(text);
    assert_int_equal(status, 200);
    items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
    while ((item = cJSON_DetachItemFromArray(items, 0)) != NULL)
      cJSON_AddItemToArray(all, item);
    start = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (start);
  return all;
}

static void connections_stay_in_the_table_and_get_broadcasts_through_a_connect_storm(
    void **state) {
  /* Static: a failing test must not leave threads writing to its frame. */
  static struct storm s;
  pthread_t connectors[STORM_PARALLEL], sender;
  struct emu_options o;
  char config_path[512];
  cJSON *items;
  int i, missing = 0, silent = 0;

  (void)state;
  memset(&s, 0, sizeof(s));
  memset(&o, 0, sizeof(o));
  o.max_connections = STORM_CLIENTS + 50;
  o.tls_port = -1;
  assert_non_null(tsupport_source_path("fixtures/chat-app.json", config_path,
                                       sizeof(config_path)));
  {
    char *config = tsupport_read_file(config_path, NULL);
    assert_non_null(config);
    s.emu = tsupport_emu_start_opts(config, gated_handlers, &o);
    free(config);
  }
  assert_non_null(s.emu);
  gate_emu = s.emu;
  s.port = tsupport_emu_port(s.emu);
  s.sender = ws_client_connect(s.port, "/dev", NULL, NULL, WAIT_MS);
  assert_non_null(s.sender);
  assert_int_equal(ws_client_status(s.sender), 101);
  assert_int_equal(learn_id(s.emu, s.sender, s.sender_id), 0);
  assert_int_equal(pthread_create(&sender, NULL, broadcaster_main, &s), 0);
  for (i = 0; i < STORM_PARALLEL; i++)
    assert_int_equal(pthread_create(&connectors[i], NULL, connector_main, &s), 0);
  for (i = 0; i < STORM_PARALLEL; i++)
    pthread_join(connectors[i], NULL);
  atomic_store(&s.stop, 1);
  pthread_join(sender, NULL);
  assert_false(atomic_load(&s.connect_failed));
  assert_false(s.broadcast_failed);
  print_message("%d broadcasts during the storm\n", s.broadcasts);
  /* Broadcasts met the storm: more than one ran while clients connected. */
  assert_true(s.broadcasts > 1);

  items = scan_connections(s.port);
  if (!in_table(items, s.sender_id))
    missing++;
  for (i = 0; i < STORM_CLIENTS; i++)
    if (!in_table(items, s.ids[i])) {
      if (missing < 10)
        print_message("open connection %d (%s) is missing from Connections\n", i, s.ids[i]);
      missing++;
    }
  cJSON_Delete(items);
  if (missing)
    fail_msg("%d of %d open connections are missing from Connections", missing,
             STORM_CLIENTS + 1);

  assert_int_equal(broadcast(s.sender, "final"), 0);
  for (i = 0; i < STORM_CLIENTS; i++)
    if (receive_until(s.clients[i], "final", WAIT_MS) != 0)
      silent++;
  if (silent)
    fail_msg("%d of %d connections did not receive the final broadcast", silent, STORM_CLIENTS);
  for (i = 0; i < STORM_CLIENTS; i++)
    ws_client_free(s.clients[i]);
  ws_client_free(s.sender);
  tsupport_emu_stop(s.emu);
}

int main(void) {
  struct rlimit rl;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(
          connections_stay_in_the_table_and_get_broadcasts_through_a_connect_storm),
  };

  /* Both ends of every connection are in this process. */
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  return cmocka_run_group_tests_name("connect storm", tests, NULL, NULL);
}
