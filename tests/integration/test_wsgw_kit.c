/*
 * test_wsgw_kit.c - the public C test kit (include/wsgw/kit.h), every
 * function of it, against the bundled chat app (fixtures/chat-app.json) and
 * the diagnostic handlers, the way a user's own tests would call it.
 *
 * Covers: start/stop (config file, string, errors, TLS); clients with
 * paths, query strings, headers, subprotocols and rejected handshakes;
 * every expectation, succeeding and failing with a readable message;
 * faults through the kit (@connections 410, DynamoDB throttling,
 * $disconnect dropped); the invocation log; killing and dropping
 * connections ($disconnect sees 1006); the DynamoDB helpers; raw clients
 * (frames, any handshake answer) and plain HTTP against the port; and the
 * example of docs/testkit.md, which is compiled here verbatim (a test
 * checks that the document still shows exactly this code).
 *
 * main() changes to $WSGW_SOURCE_DIR (ctest sets it to the repository
 * root), so config paths are relative to the repository, as in the docs.
 * Each test starts its own emulator. Threading: the test thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define WAIT_MS 5000
#define SHORT_MS 150

/* Fails the test with the kit's explanation when a kit check fails. */
#define CHECK(call)                                \
  do {                                             \
    if ((call) != 0)                               \
      fail_msg("%s: %s", #call, wsgw_kit_error()); \
  } while (0)

/* Asserts that a kit check fails and that its message mentions `text`
 * (the message is printed: the test output shows what users would read). */
#define CHECK_FAILS(call, text)                                                                    \
  do {                                                                                             \
    if ((call) != -1)                                                                              \
      fail_msg("%s: expected -1", #call);                                                          \
    print_message("    kit: %s\n", wsgw_kit_error());                                              \
    if (!strstr(wsgw_kit_error(), (text)))                                                         \
      fail_msg("%s: the message \"%s\" does not mention \"%s\"", #call, wsgw_kit_error(), (text)); \
  } while (0)

/* ---- The example of docs/testkit.md (kept identical to it) ------------------- */

/* docs/testkit.md example: begin */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include <wsgw/kit.h>

#define KIT_OK(call)                    \
  do {                                  \
    if ((call) != 0)                    \
      fail_msg("%s", wsgw_kit_error()); \
  } while (0)

static void chat_reaches_everyone_and_forgets_who_leaves(void **state) {
  char err[512], key[64];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = "fixtures/chat-app.json"}, err, sizeof err);
  if (!emu)
    fail_msg("%s", err);
  struct wsgw_kit_ws_options dev = {.path = "/dev"};
  struct wsgw_kit_ws *alice = wsgw_kit_connect(emu, &dev, NULL);
  struct wsgw_kit_ws *bob = wsgw_kit_connect(emu, &dev, NULL);
  assert_non_null(alice);
  assert_non_null(bob);
  KIT_OK(wsgw_kit_send_text(alice, "{\"action\":\"sendmessage\",\"data\":\"hi all\"}"));
  KIT_OK(wsgw_kit_expect_text(alice, "hi all", 2000));
  KIT_OK(wsgw_kit_expect_text(bob, "hi all", 2000));
  snprintf(key, sizeof key, "{\"id\":{\"S\":\"%s\"}}", wsgw_kit_ws_id(bob));
  KIT_OK(wsgw_kit_close(bob, 1000, "bye"));
  KIT_OK(wsgw_kit_db_expect_item(emu, "Connections", key, NULL, 2000)); /* $disconnect ran */
  wsgw_kit_ws_free(alice);
  wsgw_kit_ws_free(bob);
  wsgw_kit_stop(emu);
}
/* docs/testkit.md example: end */

/* ---- Fixtures ------------------------------------------------------------------ */

/* Three APIs of diagnostic handlers, plus the user handler kit.upper. */
static const char diag_config[] =
    "{\"apis\": ["
    " {\"name\": \"status\", \"stage\": \"status\","
    "  \"routeSelectionExpression\": \"$request.body.action\","
    "  \"routes\": {\"$connect\": \"diag.status\"}},"
    " {\"name\": \"proto\", \"stage\": \"proto\","
    "  \"routeSelectionExpression\": \"$request.body.action\","
    "  \"routes\": {\"$connect\": \"diag.subprotocol\"}},"
    " {\"name\": \"rec\", \"stage\": \"rec\","
    "  \"routeSelectionExpression\": \"$request.body.action\","
    "  \"defaults\": {\"function\": {\"environment\": {\"EVENTS_TABLE\": \"Events\"}}},"
    "  \"routes\": {\"$connect\": \"diag.record\", \"$disconnect\": \"diag.record\","
    "   \"echo\": {\"function\": {\"handler\": \"diag.echo\"}, \"returnResponse\": true},"
    "   \"who\": {\"function\": {\"handler\": \"diag.whoami\"}, \"returnResponse\": true},"
    "   \"upper\": {\"function\": {\"handler\": \"kit.upper\"}, \"returnResponse\": true}}}],"
    " \"tables\": [{\"TableName\": \"Events\","
    "  \"AttributeDefinitions\": [{\"AttributeName\": \"id\", \"AttributeType\": \"S\"}],"
    "  \"KeySchema\": [{\"AttributeName\": \"id\", \"KeyType\": \"HASH\"}],"
    "  \"BillingMode\": \"PAY_PER_REQUEST\"}]}";

/* A user handler: answers with the body's "text" in upper case. */
static cJSON *kit_upper(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body_text = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *body = cJSON_IsString(body_text) ? cJSON_Parse(body_text->valuestring) : NULL;
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(body, "text");
  char out[128] = "";
  size_t i;
  cJSON *r;

  (void)ctx;
  if (cJSON_IsString(text))
    for (i = 0; text->valuestring[i] && i + 1 < sizeof(out); i++)
      out[i] = (char)(text->valuestring[i] >= 'a' && text->valuestring[i] <= 'z'
                          ? text->valuestring[i] - 'a' + 'A'
                          : text->valuestring[i]);
  r = wsgw_response(200, out);
  cJSON_Delete(body);
  return r;
}

static const struct wsgw_handler user_handlers[] = {
    {"kit.upper", kit_upper},
    {NULL, NULL},
};

static struct wsgw_kit_emu *start_chat(void) {
  char err[512];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = "fixtures/chat-app.json"}, err, sizeof(err));

  if (!emu)
    fail_msg("%s", err);
  return emu;
}

static struct wsgw_kit_emu *start_diag(void) {
  char err[512];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = diag_config, .handlers = user_handlers}, err,
      sizeof(err));

  if (!emu)
    fail_msg("%s", err);
  return emu;
}

static struct wsgw_kit_ws *connect_path(struct wsgw_kit_emu *emu, const char *path) {
  int status = -1;
  struct wsgw_kit_ws *ws = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = path},
                                            &status);

  if (!ws)
    fail_msg("connect %s: %s", path, wsgw_kit_error());
  assert_int_equal(status, 101);
  assert_int_equal(strlen(wsgw_kit_ws_id(ws)), 16);
  return ws;
}

/* {"id":{"S":"<id>"}} */
static const char *id_key(const char *id, char *buf, size_t cap) {
  snprintf(buf, cap, "{\"id\":{\"S\":\"%s\"}}", id);
  return buf;
}

/* ---- The emulator ---------------------------------------------------------- */

static void start_serves_a_config_file_or_string_and_explains_a_bad_one(void **state) {
  struct wsgw_kit_emu *emu = start_chat(), *empty;
  char url[64], err[512] = "";

  (void)state;
  assert_true(wsgw_kit_port(emu) > 0);
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", wsgw_kit_port(emu));
  assert_string_equal(wsgw_kit_base_url(emu), url);
  assert_int_equal(wsgw_kit_tls_port(emu), 0);
  assert_null(wsgw_kit_tls_cert(emu));
  wsgw_kit_stop(emu);

  /* No config at all: an emulator with no APIs (DynamoDB only). */
  empty = wsgw_kit_start(NULL, err, sizeof(err));
  assert_non_null(empty);
  wsgw_kit_stop(empty);

  assert_null(
      wsgw_kit_start(&(struct wsgw_kit_options){.config_json = "{\"apis\": 3}"}, err, sizeof(err)));
  assert_non_null(strstr(err, "apis"));
  assert_non_null(strstr(wsgw_kit_error(), "apis"));
  assert_null(wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = "fixtures/no-such-config.json"}, err, sizeof(err)));
  assert_non_null(strstr(err, "no-such-config.json"));
  wsgw_kit_stop(NULL);
}

static void start_with_tls_also_serves_a_second_port(void **state) {
  char err[512];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = "fixtures/chat-app.json", .tls = 1}, err,
      sizeof(err));

  (void)state;
  if (!emu)
    fail_msg("%s", err);
  assert_true(wsgw_kit_tls_port(emu) > 0);
  assert_int_not_equal(wsgw_kit_tls_port(emu), wsgw_kit_port(emu));
  assert_non_null(wsgw_kit_tls_cert(emu));
  assert_int_equal(access(wsgw_kit_tls_cert(emu), R_OK), 0);
  wsgw_kit_stop(emu);
}

/* ---- Clients ------------------------------------------------------------------ */

static void clients_connect_with_query_headers_and_subprotocols(void **state) {
  struct wsgw_kit_emu *emu = start_diag();
  const char *headers[] = {"X-Kit-Test: yes", NULL};
  struct wsgw_kit_ws *ws;
  cJSON *inv, *want;
  char path[32];
  int status = 0;

  (void)state;
  /* A rejected handshake: NULL, the status, and why. */
  assert_null(
      wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/status?status=403"}, &status));
  assert_int_equal(status, 403);
  assert_non_null(strstr(wsgw_kit_error(), "expected 101, got 403"));
  ws = connect_path(emu, "/status?status=200");
  assert_null(wsgw_kit_ws_subprotocol(ws));
  wsgw_kit_ws_free(ws);

  /* A subprotocol offer, and the one the server accepted. */
  ws = wsgw_kit_connect(emu,
                        &(struct wsgw_kit_ws_options){.path = "/proto?protocol=chat.v2",
                                                      .subprotocols = "chat.v1, chat.v2",
                                                      .timeout_ms = WAIT_MS},
                        &status);
  assert_non_null(ws);
  assert_int_equal(status, 101);
  assert_string_equal(wsgw_kit_ws_subprotocol(ws), "chat.v2");
  wsgw_kit_ws_free(ws);

  /* Headers and query reach the $connect event (seen in the invocation log). */
  ws = wsgw_kit_connect(
      emu, &(struct wsgw_kit_ws_options){.path = "/rec?who=kit", .headers = headers}, &status);
  assert_non_null(ws);
  CHECK(wsgw_kit_wait_invocations(emu, "$connect", wsgw_kit_ws_id(ws), "diag.record", 1, WAIT_MS));
  inv = wsgw_kit_invocations(emu, "$connect", wsgw_kit_ws_id(ws), NULL);
  assert_int_equal(cJSON_GetArraySize(inv), 1);
  want = cJSON_Parse("{\"handler\": \"diag.record\", \"outcome\": \"ok\","
                     " \"event\": {\"headers\": {\"X-Kit-Test\": \"yes\"},"
                     "  \"queryStringParameters\": {\"who\": \"kit\"}}}");
  path[0] = '\0';
  if (!wsgw_kit_json_subset(want, cJSON_GetArrayItem(inv, 0), path, sizeof(path)))
    fail_msg("the $connect invocation differs at %s", path);
  cJSON_Delete(want);
  cJSON_Delete(inv);

  /* A user handler (searched before the bundled ones). */
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"upper\",\"text\":\"shout\"}"));
  CHECK(wsgw_kit_expect_text(ws, "SHOUT", WAIT_MS));
  wsgw_kit_ws_free(ws);

  /* path NULL: the first API's stage. */
  ws = wsgw_kit_connect(emu, NULL, &status);
  assert_non_null(ws);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void expectations_match_text_json_regex_silence_and_close(void **state) {
  struct wsgw_kit_emu *emu = start_diag();
  struct wsgw_kit_ws *ws = connect_path(emu, "/rec");
  const char *msg = "{\"action\":\"echo\",\"n\":42,\"tags\":[\"a\",{\"b\":true}],\"x\":\"y\"}";

  (void)state;
  assert_null(wsgw_kit_last_message(ws));
  CHECK(wsgw_kit_send_text(ws, msg));
  CHECK(wsgw_kit_expect_text(ws, msg, WAIT_MS));
  assert_string_equal(wsgw_kit_last_message(ws), msg);
  CHECK(wsgw_kit_send_text(ws, msg));
  CHECK(wsgw_kit_expect_json(ws, "{\"n\": 42, \"tags\": [\"a\", {}]}", WAIT_MS));
  CHECK(wsgw_kit_send_text(ws, msg));
  CHECK(wsgw_kit_expect_regex(ws, "\"n\":[0-9]+,", WAIT_MS));
  CHECK(wsgw_kit_expect_silence(ws, SHORT_MS));
  /* API Gateway closes on a binary frame with 1003. */
  CHECK(wsgw_kit_send_binary(ws, "\x01\x02", 2));
  CHECK(wsgw_kit_expect_close(ws, 1003, WAIT_MS));
  wsgw_kit_ws_free(ws);

  /* A close from the client, answered by the server. */
  ws = connect_path(emu, "/rec");
  CHECK(wsgw_kit_close(ws, 1000, "done"));
  CHECK(wsgw_kit_wait_invocations(emu, "$disconnect", wsgw_kit_ws_id(ws), NULL, 1, WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void failing_expectations_say_what_was_expected_and_what_came(void **state) {
  struct wsgw_kit_emu *emu = start_diag();
  struct wsgw_kit_ws *ws = connect_path(emu, "/rec");
  char key[64];

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"echo\",\"say\":\"hello there\"}"));
  CHECK_FAILS(wsgw_kit_expect_text(ws, "goodbye", WAIT_MS), "goodbye");
  assert_non_null(strstr(wsgw_kit_error(), "hello there"));
  assert_non_null(strstr(wsgw_kit_last_message(ws), "hello there"));

  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"echo\",\"a\":{\"b\":[1,2]}}"));
  CHECK_FAILS(wsgw_kit_expect_json(ws, "{\"a\":{\"b\":[1,3]}}", WAIT_MS), "$.a.b[1]");
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"echo\",\"a\":{\"b\":[1,2]}}"));
  CHECK_FAILS(wsgw_kit_expect_json(ws, "{\"a\":{\"b\":[1]}}", WAIT_MS), "$.a.b");
  CHECK_FAILS(wsgw_kit_expect_json(ws, "{not json", WAIT_MS), "{not json");

  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"echo\",\"v\":\"abc\"}"));
  CHECK_FAILS(wsgw_kit_expect_regex(ws, "^x", WAIT_MS), "/^x/");
  assert_non_null(strstr(wsgw_kit_error(), "abc"));
  CHECK_FAILS(wsgw_kit_expect_regex(ws, "(", WAIT_MS), "regex");

  CHECK_FAILS(wsgw_kit_expect_text(ws, "anything", 50), "nothing within 50 ms");
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"echo\",\"noise\":1}"));
  CHECK_FAILS(wsgw_kit_expect_silence(ws, WAIT_MS), "noise");
  CHECK_FAILS(wsgw_kit_expect_close(ws, 1000, 50), "expected a close with code 1000");

  CHECK_FAILS(wsgw_kit_wait_invocations(emu, "nope", NULL, NULL, 1, 50),
              "expected at least 1 invocation");
  CHECK_FAILS(wsgw_kit_db_expect_item(emu, "Events", id_key("missing", key, sizeof(key)), "{}", 50),
              "got no item");
  CHECK(wsgw_kit_db_put(emu, "Events", "{\"id\":{\"S\":\"e1\"},\"n\":{\"N\":\"1\"}}"));
  CHECK_FAILS(wsgw_kit_db_expect_item(emu, "Events", id_key("e1", key, sizeof(key)),
                                      "{\"n\":{\"N\":\"2\"}}", 50),
              "first difference at $.n.N");
  CHECK_FAILS(wsgw_kit_db_expect_item(emu, "Events", id_key("e1", key, sizeof(key)), NULL, 50),
              "expected no item");
  CHECK_FAILS(wsgw_kit_db_put(emu, "NoSuchTable", "{\"id\":{\"S\":\"x\"}}"),
              "ResourceNotFoundException");
  CHECK_FAILS(wsgw_kit_db_put(emu, "Events", "[1]"), "JSON object");

  CHECK_FAILS(wsgw_kit_fault(emu, "{oops"), "{oops");
  CHECK_FAILS(wsgw_kit_fault(emu, "{\"type\":\"no.such.fault\"}"), "no.such.fault");
  CHECK_FAILS(wsgw_kit_fault_remove(emu, 999), "999");
  CHECK_FAILS(wsgw_kit_kill_connection(emu, "AAAAAAAAAAAAAAA="), "AAAAAAAAAAAAAAA=");
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static int never(void *arg) {
  (void)arg;
  return 0;
}

static int counter_reaches_three(void *arg) {
  int *n = arg;

  return ++*n >= 3;
}

static void helpers_wait_and_compare_json(void **state) {
  cJSON *want = cJSON_Parse("{\"a\":[1,{\"b\":\"c\"}],\"d\":null}");
  cJSON *got = cJSON_Parse("{\"a\":[1,{\"b\":\"c\",\"e\":2}],\"d\":null,\"f\":0}");
  cJSON *other = cJSON_Parse("{\"a\":[1,{\"b\":\"x\"}],\"d\":null}");
  char path[64];
  int n = 0;

  (void)state;
  assert_int_equal(wsgw_kit_json_subset(want, got, path, sizeof(path)), 1);
  assert_string_equal(path, "");
  assert_int_equal(wsgw_kit_json_subset(want, other, path, sizeof(path)), 0);
  assert_string_equal(path, "$.a[1].b");
  assert_int_equal(wsgw_kit_json_subset(got, want, path, sizeof(path)), 0);
  assert_string_equal(path, "$.a[1].e");
  assert_int_equal(wsgw_kit_json_subset(want, got, NULL, 0), 1);
  cJSON_Delete(want);
  cJSON_Delete(got);
  cJSON_Delete(other);

  assert_int_equal(wsgw_kit_wait_until(counter_reaches_three, &n, WAIT_MS), 0);
  assert_int_equal(n, 3);
  CHECK_FAILS(wsgw_kit_wait_until(never, NULL, 20), "within 20 ms");
}

/* ---- Faults --------------------------------------------------------------------- */

struct fault_hits {
  struct wsgw_kit_emu *emu;
  int id;
};

/* Whether fault `id` has fired. */
static int fault_fired(void *arg) {
  struct fault_hits *h = arg;
  cJSON *list = wsgw_kit_faults(h->emu);
  const cJSON *f;
  int fired = 0;

  cJSON_ArrayForEach(f, list) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "id");
    const cJSON *hits = cJSON_GetObjectItemCaseSensitive(f, "hits");
    if (cJSON_IsNumber(id) && id->valueint == h->id && cJSON_IsNumber(hits) && hits->valueint > 0)
      fired = 1;
  }
  cJSON_Delete(list);
  return fired;
}

static void a_gone_fault_makes_the_broadcast_delete_a_live_id(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  struct wsgw_kit_ws *a = connect_path(emu, "/dev"), *b = connect_path(emu, "/dev");
  char spec[160], key[64];
  struct fault_hits h = {emu, 0};

  (void)state;
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", id_key(wsgw_kit_ws_id(a), key, sizeof(key)),
                                "{}", WAIT_MS));
  snprintf(spec, sizeof(spec),
           "{\"type\":\"connections.error\",\"connectionId\":\"%s\",\"status\":410}",
           wsgw_kit_ws_id(a));
  h.id = wsgw_kit_fault(emu, spec);
  if (h.id < 0)
    fail_msg("%s", wsgw_kit_error());
  CHECK(wsgw_kit_send_text(b, "{\"action\":\"sendmessage\",\"data\":\"who is there\"}"));
  CHECK(wsgw_kit_expect_text(b, "who is there", WAIT_MS));
  /* a is connected, but @connections said 410: the chat forgot it. */
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", id_key(wsgw_kit_ws_id(a), key, sizeof(key)),
                                NULL, WAIT_MS));
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", id_key(wsgw_kit_ws_id(b), key, sizeof(key)),
                                "{}", WAIT_MS));
  CHECK(wsgw_kit_expect_silence(a, SHORT_MS));
  assert_true(fault_fired(&h));
  CHECK(wsgw_kit_fault_remove(emu, h.id));
  CHECK_FAILS(wsgw_kit_fault_remove(emu, h.id), "expected a fault");
  wsgw_kit_ws_free(a);
  wsgw_kit_ws_free(b);
  wsgw_kit_stop(emu);
}

static void a_dynamodb_fault_fails_one_put_item(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  const char *item = "{\"id\":{\"S\":\"p1\"},\"who\":{\"S\":\"kit\"}}";
  cJSON *got, *all, *list;
  int id;

  (void)state;
  id = wsgw_kit_fault(emu, "{\"type\":\"dynamodb.error\",\"operation\":\"PutItem\","
                           "\"table\":\"Connections\","
                           "\"error\":\"ProvisionedThroughputExceededException\",\"count\":1}");
  if (id < 0)
    fail_msg("%s", wsgw_kit_error());
  CHECK_FAILS(wsgw_kit_db_put(emu, "Connections", item), "ProvisionedThroughputExceededException");
  assert_null(wsgw_kit_db_get(emu, "Connections", "{\"id\":{\"S\":\"p1\"}}"));
  CHECK(wsgw_kit_db_put(emu, "Connections", item)); /* count 1: spent */
  got = wsgw_kit_db_get(emu, "Connections", "{\"id\":{\"S\":\"p1\"}}");
  assert_non_null(got);
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(got, "who"), "S")
          ->valuestring,
      "kit");
  cJSON_Delete(got);
  all = wsgw_kit_db_scan(emu, "Connections");
  assert_int_equal(cJSON_GetArraySize(all), 1);
  cJSON_Delete(all);
  list = wsgw_kit_faults(emu);
  assert_int_equal(cJSON_GetArraySize(list), 1);
  cJSON_Delete(list);
  wsgw_kit_faults_reset(emu);
  list = wsgw_kit_faults(emu);
  assert_int_equal(cJSON_GetArraySize(list), 0);
  cJSON_Delete(list);
  wsgw_kit_stop(emu);
}

static void a_dropped_disconnect_leaves_the_id_in_the_table(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  struct wsgw_kit_ws *ws = connect_path(emu, "/dev");
  struct fault_hits h = {emu, 0};
  char spec[128], key[64], id[17];
  cJSON *inv;

  (void)state;
  snprintf(id, sizeof(id), "%s", wsgw_kit_ws_id(ws));
  snprintf(spec, sizeof(spec), "{\"type\":\"disconnect.drop\",\"connectionId\":\"%s\"}", id);
  h.id = wsgw_kit_fault(emu, spec);
  if (h.id < 0)
    fail_msg("%s", wsgw_kit_error());
  CHECK(wsgw_kit_close(ws, 1000, "bye"));
  wsgw_kit_ws_free(ws);
  CHECK(wsgw_kit_wait_until(fault_fired, &h, WAIT_MS));
  /* The stale id stays: $disconnect never ran. */
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", id_key(id, key, sizeof(key)), "{}", 0));
  inv = wsgw_kit_invocations(emu, "$disconnect", id, NULL);
  assert_int_equal(cJSON_GetArraySize(inv), 0);
  cJSON_Delete(inv);
  wsgw_kit_stop(emu);
}

/* ---- The invocation log ---------------------------------------------------------- */

static void the_invocation_log_answers_by_route_connection_and_handler(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  struct wsgw_kit_ws *a = connect_path(emu, "/dev"), *b = connect_path(emu, "/dev");
  cJSON *inv, *want;
  char path[64], subset[160];

  (void)state;
  CHECK(wsgw_kit_send_text(a, "{\"action\":\"sendmessage\",\"data\":\"logged\"}"));
  CHECK(wsgw_kit_expect_text(b, "logged", WAIT_MS));
  CHECK(wsgw_kit_wait_invocations(emu, "sendmessage", wsgw_kit_ws_id(a), "chat.sendmessage", 1,
                                  WAIT_MS));

  inv = wsgw_kit_invocations(emu, "$connect", wsgw_kit_ws_id(a), NULL);
  assert_int_equal(cJSON_GetArraySize(inv), 1);
  snprintf(subset, sizeof(subset),
           "{\"handler\":\"chat.connect\",\"routeKey\":\"$connect\",\"connectionId\":\"%s\","
           "\"outcome\":\"ok\",\"statusCode\":200}",
           wsgw_kit_ws_id(a));
  want = cJSON_Parse(subset);
  if (!wsgw_kit_json_subset(want, cJSON_GetArrayItem(inv, 0), path, sizeof(path)))
    fail_msg("the $connect entry differs at %s", path);
  cJSON_Delete(want);
  cJSON_Delete(inv);

  inv = wsgw_kit_invocations(emu, NULL, NULL, "chat.connect");
  assert_int_equal(cJSON_GetArraySize(inv), 2);
  cJSON_Delete(inv);
  inv = wsgw_kit_invocations(emu, NULL, wsgw_kit_ws_id(a), NULL);
  assert_int_equal(cJSON_GetArraySize(inv), 2); /* $connect, sendmessage (oldest first) */
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(inv, 1), "routeKey")->valuestring,
      "sendmessage");
  cJSON_Delete(inv);
  inv = wsgw_kit_invocations(emu, "sendmessage", wsgw_kit_ws_id(b), NULL);
  assert_int_equal(cJSON_GetArraySize(inv), 0);
  cJSON_Delete(inv);
  wsgw_kit_ws_free(a);
  wsgw_kit_ws_free(b);
  wsgw_kit_stop(emu);
}

/* ---- Killing and dropping connections -------------------------------------------- */

/* The DISCONNECT event of id in the invocation log has status 1006. */
static void assert_disconnect_1006(struct wsgw_kit_emu *emu, const char *id) {
  cJSON *inv, *want;
  char path[64];

  CHECK(wsgw_kit_wait_invocations(emu, "$disconnect", id, "diag.record", 1, WAIT_MS));
  inv = wsgw_kit_invocations(emu, "$disconnect", id, NULL);
  want = cJSON_Parse("{\"eventType\":\"DISCONNECT\","
                     " \"event\":{\"requestContext\":{\"disconnectStatusCode\":1006}}}");
  if (!wsgw_kit_json_subset(want, cJSON_GetArrayItem(inv, 0), path, sizeof(path)))
    fail_msg("the $disconnect entry differs at %s", path);
  cJSON_Delete(want);
  cJSON_Delete(inv);
}

/* Whether diag.record stored a DISCONNECT item for the connection. */
static int disconnect_recorded(void *arg) {
  void **args = arg;
  cJSON *items = wsgw_kit_db_scan(args[0], "Events");
  const cJSON *item;
  int found = 0;

  cJSON_ArrayForEach(item, items) {
    const cJSON *conn = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "connectionId"), "S");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(item, "eventType"), "S");
    if (cJSON_IsString(conn) && strcmp(conn->valuestring, args[1]) == 0 && cJSON_IsString(type) &&
        strcmp(type->valuestring, "DISCONNECT") == 0)
      found = 1;
  }
  cJSON_Delete(items);
  return found;
}

static void a_killed_connection_ends_the_client_and_disconnect_sees_1006(void **state) {
  struct wsgw_kit_emu *emu = start_diag();
  struct wsgw_kit_ws *killed = connect_path(emu, "/rec"), *dropped = connect_path(emu, "/rec");
  void *args[2];

  (void)state;
  CHECK(wsgw_kit_kill_connection(emu, wsgw_kit_ws_id(killed)));
  CHECK(wsgw_kit_expect_close(killed, 1006, WAIT_MS)); /* EOF, no close frame */
  assert_disconnect_1006(emu, wsgw_kit_ws_id(killed));
  args[0] = emu;
  args[1] = (void *)wsgw_kit_ws_id(killed);
  CHECK(wsgw_kit_wait_until(disconnect_recorded, args, WAIT_MS));
  CHECK_FAILS(wsgw_kit_kill_connection(emu, wsgw_kit_ws_id(killed)), wsgw_kit_ws_id(killed));

  wsgw_kit_drop(dropped);
  assert_disconnect_1006(emu, wsgw_kit_ws_id(dropped));
  wsgw_kit_ws_free(killed);
  wsgw_kit_ws_free(dropped);
  wsgw_kit_stop(emu);
}

/* ---- DynamoDB -------------------------------------------------------------------- */

static void db_helpers_put_get_scan_and_expect(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  cJSON *resp = NULL, *all;
  char item[96];
  int i;

  (void)state;
  assert_int_equal(wsgw_kit_db(emu, "ListTables", "{}", &resp), 200);
  assert_string_equal(
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "TableNames"), 0)->valuestring,
      "Connections");
  cJSON_Delete(resp);
  assert_int_equal(wsgw_kit_db(emu, "NoSuchOperation", "{}", &resp), 400);
  assert_non_null(resp);
  cJSON_Delete(resp);
  assert_int_equal(wsgw_kit_db(emu, "ListTables", NULL, NULL), 200);

  for (i = 0; i < 25; i++) {
    snprintf(item, sizeof(item), "{\"id\":{\"S\":\"item%02d\"},\"n\":{\"N\":\"%d\"}}", i, i);
    CHECK(wsgw_kit_db_put(emu, "Connections", item));
  }
  all = wsgw_kit_db_scan(emu, "Connections");
  assert_int_equal(cJSON_GetArraySize(all), 25);
  cJSON_Delete(all);
  assert_null(wsgw_kit_db_scan(emu, "NoSuchTable"));
  assert_null(wsgw_kit_db_get(emu, "Connections", "{\"id\":{\"S\":\"absent\"}}"));
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", "{\"id\":{\"S\":\"item07\"}}",
                                "{\"n\":{\"N\":\"7\"}}", WAIT_MS));
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", "{\"id\":{\"S\":\"absent\"}}", NULL, 0));
  wsgw_kit_stop(emu);
}

/* Issue 19: a table's stream through the kit, in process (wsgw_kit_db) and
 * over HTTP with the DynamoDBStreams target (wsgw_kit_http_dynamodb). */
static void db_helpers_and_http_reach_the_streams_api(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  struct wsgw_kit_http_response r;
  cJSON *resp = NULL, *body;
  char req[1024];
  const char *arn, *shard;

  (void)state;
  assert_int_equal(
      wsgw_kit_db(emu, "CreateTable",
                  "{\"TableName\":\"Feed\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
                  "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":"
                  "\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\",\"StreamSpecification\":{"
                  "\"StreamEnabled\":true,\"StreamViewType\":\"NEW_IMAGE\"}}",
                  NULL),
      200);
  CHECK(wsgw_kit_db_put(emu, "Feed", "{\"id\":{\"S\":\"one\"}}"));
  assert_int_equal(
      wsgw_kit_db(emu, "DynamoDBStreams_20120810.ListStreams", "{\"TableName\":\"Feed\"}", &resp),
      200);
  arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Streams"), 0), "StreamArn"));
  assert_non_null(arn);
  snprintf(req, sizeof(req), "{\"StreamArn\":\"%s\"}", arn);
  cJSON_Delete(resp);
  assert_int_equal(wsgw_kit_http_dynamodb(wsgw_kit_port(emu),
                                          "DynamoDBStreams_20120810.DescribeStream", req, &r),
                   200);
  assert_int_equal(r.status, 200);
  body = cJSON_Parse(r.body);
  wsgw_kit_http_free(&r);
  shard = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
      cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                             cJSON_GetObjectItemCaseSensitive(body, "StreamDescription"), "Shards"),
                         0),
      "ShardId"));
  assert_non_null(shard);
  snprintf(req, sizeof(req),
           "{\"StreamArn\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}",
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
               cJSON_GetObjectItemCaseSensitive(body, "StreamDescription"), "StreamArn")),
           shard);
  cJSON_Delete(body);
  assert_int_equal(wsgw_kit_http_dynamodb(wsgw_kit_port(emu),
                                          "DynamoDBStreams_20120810.GetShardIterator", req, &r),
                   200);
  assert_int_equal(r.status, 200);
  body = cJSON_Parse(r.body);
  wsgw_kit_http_free(&r);
  snprintf(req, sizeof(req), "{\"ShardIterator\":\"%s\"}",
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "ShardIterator")));
  cJSON_Delete(body);
  assert_int_equal(
      wsgw_kit_http_dynamodb(wsgw_kit_port(emu), "DynamoDBStreams_20120810.GetRecords", req, &r),
      200);
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "\"eventName\":\"INSERT\""));
  assert_non_null(strstr(r.body, "\"NewImage\":{\"id\":{\"S\":\"one\"}}"));
  wsgw_kit_http_free(&r);
  /* An unknown Streams operation, and the Streams prefix is not DynamoDB's. */
  assert_int_equal(
      wsgw_kit_http_dynamodb(wsgw_kit_port(emu), "DynamoDBStreams_20120810.PutItem", "{}", &r),
      400);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "UnknownOperationException"));
  wsgw_kit_http_free(&r);
  wsgw_kit_stop(emu);
}

/* Issue 19: a config file's table is a CreateTable request, so its
 * StreamSpecification gives it a stream at start. */
static void a_config_table_with_a_stream_specification_has_a_stream(void **state) {
  static const char config[] =
      "{\"tables\": [{\"TableName\": \"Feed\", \"AttributeDefinitions\": [{\"AttributeName\": "
      "\"id\", \"AttributeType\": \"S\"}], \"KeySchema\": [{\"AttributeName\": \"id\", "
      "\"KeyType\": \"HASH\"}], \"BillingMode\": \"PAY_PER_REQUEST\", \"StreamSpecification\": "
      "{\"StreamEnabled\": true, \"StreamViewType\": \"KEYS_ONLY\"}}]}";
  char err[512];
  struct wsgw_kit_emu *emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config}, err,
                                            sizeof(err));
  cJSON *resp = NULL;
  const cJSON *table;

  (void)state;
  if (!emu)
    fail_msg("%s", err);
  assert_int_equal(wsgw_kit_db(emu, "DescribeTable", "{\"TableName\":\"Feed\"}", &resp), 200);
  table = cJSON_GetObjectItemCaseSensitive(resp, "Table");
  assert_string_equal(
      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(table, "StreamSpecification"), "StreamViewType")),
      "KEYS_ONLY");
  assert_non_null(
      strstr(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(table, "LatestStreamArn")),
             ":table/Feed/stream/"));
  cJSON_Delete(resp);
  wsgw_kit_stop(emu);
}

/* Issue 13 item 3: a \u0000 in the kit's DynamoDB JSON is U+0000, not the end
 * of the string; result trees hold it as C0 80 (wsgw_kit.h). */
static void db_helpers_keep_a_nul_in_keys_and_values(void **state) {
  struct wsgw_kit_emu *emu = start_chat();
  cJSON *got, *resp = NULL;
  const cJSON *v;

  (void)state;
  CHECK(wsgw_kit_db_put(emu, "Connections",
                        "{\"id\":{\"S\":\"k\\u0000A\"},\"v\":{\"S\":\"one\\u0000\"}}"));
  CHECK(
      wsgw_kit_db_put(emu, "Connections", "{\"id\":{\"S\":\"k\\u0000B\"},\"v\":{\"S\":\"two\"}}"));
  got = wsgw_kit_db_get(emu, "Connections", "{\"id\":{\"S\":\"k\\u0000A\"}}");
  assert_non_null(got);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "id")->child->valuestring, "k\xC0\x80"
                                                                                       "A");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(got, "v")->child->valuestring,
                      "one\xC0\x80");
  cJSON_Delete(got);
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", "{\"id\":{\"S\":\"k\\u0000B\"}}",
                                "{\"v\":{\"S\":\"two\"}}", WAIT_MS));
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", "{\"id\":{\"S\":\"k\"}}", NULL, 0));
  /* C0 80 in a request text is U+0000 too. */
  assert_int_equal(wsgw_kit_db(emu, "GetItem",
                               "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"k\xC0\x80"
                               "A\"}}}",
                               &resp),
                   200);
  v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Item"), "v");
  assert_non_null(v);
  assert_string_equal(v->child->valuestring, "one\xC0\x80");
  cJSON_Delete(resp);
  wsgw_kit_stop(emu);
}

/* ---- The documentation ------------------------------------------------------------- */

struct recorded {
  struct wsgw_kit_emu *emu;
  const char *id;
};

static int connect_recorded(void *arg) {
  struct recorded *r = arg;
  cJSON *event = wsgw_kit_recorded_event(r->emu, "Events", r->id, "CONNECT");
  int found = event != NULL;

  cJSON_Delete(event);
  return found;
}

/* wsgw_kit_ws_open, frames, wsgw_kit_http*, diag.whoami and diag.record,
 * through the emulator's port as any client would reach it. */
static void raw_clients_and_http_reach_the_port_as_sent(void **state) {
  struct wsgw_kit_emu *emu = start_diag();
  int port = wsgw_kit_port(emu);
  struct wsgw_kit_ws *ws, *known;
  struct wsgw_kit_frame f;
  struct wsgw_kit_http_response r;
  struct recorded rec = {emu, NULL};
  static const char raw[] =
      "GET /_wsgw/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  static const char who[] = "{\"action\":\"who\"}";

  (void)state;
  /* A rejected handshake still gives a client with the answer's status. */
  ws = wsgw_kit_ws_open(port, &(struct wsgw_kit_ws_options){.path = "/status?status=403"});
  assert_non_null(ws);
  assert_int_equal(wsgw_kit_ws_status(ws), 403);
  assert_string_equal(wsgw_kit_ws_id(ws), "");
  wsgw_kit_ws_free(ws);

  ws = wsgw_kit_ws_open(port, &(struct wsgw_kit_ws_options){.path = "/rec"});
  assert_non_null(ws);
  assert_int_equal(wsgw_kit_ws_status(ws), 101);
  assert_non_null(wsgw_kit_ws_header(ws, "Sec-WebSocket-Accept"));
  CHECK(wsgw_kit_send_frame(ws, WSGW_KIT_PING, 1, "p1", 2));
  assert_int_equal(wsgw_kit_recv_frame(ws, WAIT_MS, &f), WSGW_KIT_RECV_OK);
  assert_int_equal(f.opcode, WSGW_KIT_PONG);
  assert_int_equal(f.len, 2);
  assert_memory_equal(f.data, "p1", 2);
  wsgw_kit_frame_free(&f);
  /* A fragmented message is one message; diag.whoami answers with the id
   * diag.record stored at $connect. */
  CHECK(wsgw_kit_send_fragmented(ws, who, strlen(who), 5));
  assert_int_equal(wsgw_kit_recv_message(ws, WAIT_MS, &f), WSGW_KIT_RECV_OK);
  assert_int_equal(f.opcode, WSGW_KIT_TEXT);
  assert_true(f.len > 0);
  rec.id = f.data;
  CHECK(wsgw_kit_wait_until(connect_recorded, &rec, WAIT_MS));
  wsgw_kit_frame_free(&f);
  assert_int_equal(wsgw_kit_recv_frame(ws, SHORT_MS, &f), WSGW_KIT_RECV_TIMEOUT);
  wsgw_kit_ws_free(ws);
  /* The kit's own clients: whoami is wsgw_kit_ws_id. */
  known = connect_path(emu, "/rec");
  CHECK(wsgw_kit_send_text(known, who));
  CHECK(wsgw_kit_expect_text(known, wsgw_kit_ws_id(known), WAIT_MS));
  wsgw_kit_ws_free(known);

  assert_int_equal(
      wsgw_kit_http(port, "GET", "/_wsgw/invocations?routeKey=%24connect", NULL, NULL, 0, &r), 200);
  assert_non_null(strstr(r.body, "diag.record"));
  assert_non_null(wsgw_kit_http_header(&r, "content-type"));
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_http_raw(port, raw, strlen(raw), 1, WAIT_MS, &r), 200);
  assert_true(r.body_len > 0 && r.body[0] == '[');
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_http_dynamodb(port, "ListTables", "{}", &r), 200);
  assert_non_null(strstr(r.body, "\"Events\""));
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_http_dynamodb(port, "NoSuchOperation", "{}", &r), 400);
  assert_non_null(strstr(r.body, "UnknownOperationException"));
  wsgw_kit_http_free(&r);
  wsgw_kit_stop(emu);
}

/* The example between the markers of this file is in docs/testkit.md as is. */
static void the_docs_show_the_example_compiled_here(void **state) {
  char *self = wsgw_kit_read_file("tests/integration/test_wsgw_kit.c", NULL);
  char *doc = wsgw_kit_read_file("docs/testkit.md", NULL);
  const char *begin_mark = "/* docs/testkit.md example: begin */\n";
  char *begin, *end;

  int shown = 0;

  (void)state;
  begin = self ? strstr(self, begin_mark) : NULL;
  end = begin ? strstr(begin, "/* docs/testkit.md example: end */") : NULL;
  if (end && doc) {
    *end = '\0';
    shown = strstr(doc, begin + strlen(begin_mark)) != NULL;
  }
  free(self);
  free(doc);
  if (!end)
    fail_msg("cannot read the example's markers in tests/integration/test_wsgw_kit.c");
  if (!shown)
    fail_msg("docs/testkit.md does not show the example of test_wsgw_kit.c verbatim");
}

int main(void) {
  const char *root = getenv("WSGW_SOURCE_DIR");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(chat_reaches_everyone_and_forgets_who_leaves),
      cmocka_unit_test(start_serves_a_config_file_or_string_and_explains_a_bad_one),
      cmocka_unit_test(start_with_tls_also_serves_a_second_port),
      cmocka_unit_test(clients_connect_with_query_headers_and_subprotocols),
      cmocka_unit_test(expectations_match_text_json_regex_silence_and_close),
      cmocka_unit_test(failing_expectations_say_what_was_expected_and_what_came),
      cmocka_unit_test(helpers_wait_and_compare_json),
      cmocka_unit_test(a_gone_fault_makes_the_broadcast_delete_a_live_id),
      cmocka_unit_test(a_dynamodb_fault_fails_one_put_item),
      cmocka_unit_test(a_dropped_disconnect_leaves_the_id_in_the_table),
      cmocka_unit_test(the_invocation_log_answers_by_route_connection_and_handler),
      cmocka_unit_test(a_killed_connection_ends_the_client_and_disconnect_sees_1006),
      cmocka_unit_test(db_helpers_put_get_scan_and_expect),
      cmocka_unit_test(db_helpers_and_http_reach_the_streams_api),
      cmocka_unit_test(a_config_table_with_a_stream_specification_has_a_stream),
      cmocka_unit_test(db_helpers_keep_a_nul_in_keys_and_values),
      cmocka_unit_test(raw_clients_and_http_reach_the_port_as_sent),
      cmocka_unit_test(the_docs_show_the_example_compiled_here),
  };

  if (root && *root && chdir(root) != 0) {
    perror(root);
    return 1;
  }
  return cmocka_run_group_tests_name("wsgw_kit", tests, NULL, NULL);
}
