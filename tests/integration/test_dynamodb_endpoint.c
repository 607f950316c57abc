/*
 * test_dynamodb_endpoint.c - `wsgw serve --dynamodb-endpoint URL` (issue
 * 18): emulator A sends every DynamoDB call to emulator B, a second wsgw
 * acting as the external DynamoDB-compatible service, as AWS or a ScyllaDB
 * Alternator cluster would be.
 *
 * Covers: the config's tables are created on B; the chat app runs on A
 * with its connection ids in B's table; the HTTP API of A forwards body,
 * target and answer unchanged (B's errors too); U+0000 crosses A both ways
 * (HTTP and in-process); fault injection still applies on A; an endpoint
 * that cannot be reached is a 500 InternalServerError saying so; a start
 * without credentials, or with a URL that is no endpoint, fails with one
 * line; A opens no local store (its stats say where DynamoDB is).
 *
 * The credentials are the environment's (set in main, before any thread).
 * Each test starts its own emulators (free ports, in-memory stores).
 * Threading: the test thread only; the emulators run on their own threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#define WAIT_MS 5000

static const char notes_table[] =
    "{\"TableName\":\"Notes\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "\"BillingMode\":\"PAY_PER_REQUEST\"}";

/* B (the endpoint, no config) and A (the chat app, forwarding to B). */
struct pair {
  struct wsgw_kit_emu *b, *a;
};

static int pair_setup(void **state) {
  struct pair *p = calloc(1, sizeof(*p));

  p->b = kit_start_or_fail(&(struct wsgw_kit_options){0});
  p->a = kit_start_or_fail(&(struct wsgw_kit_options){
      .config_file = "fixtures/chat-app.json", .dynamodb_endpoint = wsgw_kit_base_url(p->b)});
  *state = p;
  return 0;
}

static int pair_teardown(void **state) {
  struct pair *p = *state;

  wsgw_kit_stop(p->a);
  wsgw_kit_stop(p->b);
  free(p);
  return 0;
}

/* One DynamoDB call over HTTP: the status, and the body parsed into *body
 * (may be NULL) and kept as text in raw (may be NULL, cap bytes). */
static int http_db(struct wsgw_kit_emu *emu, const char *op, const char *request, cJSON **body,
                   char *raw, size_t cap) {
  struct wsgw_kit_http_response r;
  int status = wsgw_kit_http_dynamodb(wsgw_kit_port(emu), op, request, &r);

  if (body)
    *body = r.body ? cJSON_ParseWithLength(r.body, r.body_len) : NULL;
  if (raw)
    snprintf(raw, cap, "%.*s", (int)r.body_len, r.body ? r.body : "");
  wsgw_kit_http_free(&r);
  return status;
}

/* The string at obj.member.S, or "". */
static const char *string_of(const cJSON *obj, const char *member) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, member),
                                                    "S");
  return cJSON_IsString(s) ? s->valuestring : "";
}

/* The error's name: __type after its '#', as the SDKs read it, or "". */
static const char *error_name(const cJSON *resp) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(resp, "__type");
  const char *hash = cJSON_IsString(t) ? strrchr(t->valuestring, '#') : NULL;

  return hash ? hash + 1 : "";
}

static void the_tables_a_config_declares_are_created_on_the_endpoint(void **state) {
  struct pair *p = *state;
  cJSON *resp = NULL;

  assert_int_equal(wsgw_kit_db(p->b, "DescribeTable", "{\"TableName\":\"Connections\"}", &resp),
                   200);
  cJSON_Delete(resp);
  /* B's answer to a CreateTable of a table it has reaches A's caller (the
   * config's tables take ResourceInUseException as "already there"). */
  assert_int_equal(wsgw_kit_db(p->b, "CreateTable", notes_table, NULL), 200);
  assert_int_equal(wsgw_kit_db(p->a, "CreateTable", notes_table, &resp), 400);
  assert_string_equal(error_name(resp), "ResourceInUseException");
  cJSON_Delete(resp);
}

static int contains_id(const cJSON *items, const char *id) {
  const cJSON *item;

  cJSON_ArrayForEach(item, items) {
    if (strcmp(string_of(item, "id"), id) == 0)
      return 1;
  }
  return 0;
}

static void two_clients_chat_through_a_with_their_ids_in_the_endpoints_table(void **state) {
  struct pair *p = *state;
  struct wsgw_kit_ws *c1 = kit_connect_or_fail(p->a, "/dev", WAIT_MS);
  struct wsgw_kit_ws *c2 = kit_connect_or_fail(p->a, "/dev", WAIT_MS);
  cJSON *resp = NULL;

  CHECK(wsgw_kit_send_text(c1, "{\"action\":\"sendmessage\",\"data\":\"hello from A\"}"));
  CHECK(wsgw_kit_expect_text(c1, "hello from A", WAIT_MS));
  CHECK(wsgw_kit_expect_text(c2, "hello from A", WAIT_MS));
  /* B's table, read over B's own HTTP API, holds both connection ids. */
  assert_int_equal(http_db(p->b, "Scan", "{\"TableName\":\"Connections\"}", &resp, NULL, 0), 200);
  assert_true(contains_id(cJSON_GetObjectItemCaseSensitive(resp, "Items"), wsgw_kit_ws_id(c1)));
  assert_true(contains_id(cJSON_GetObjectItemCaseSensitive(resp, "Items"), wsgw_kit_ws_id(c2)));
  cJSON_Delete(resp);
  wsgw_kit_ws_free(c1);
  wsgw_kit_ws_free(c2);
}

static void an_item_put_through_a_over_http_is_read_from_the_endpoint(void **state) {
  struct pair *p = *state;
  struct wsgw_kit_http_response r;
  cJSON *resp = NULL;
  const char *crc;

  assert_int_equal(wsgw_kit_http_dynamodb(wsgw_kit_port(p->a), "PutItem",
                                          "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":"
                                          "\"via-a\"},\"n\":{\"N\":\"42\"}}}",
                                          &r),
                   200);
  /* wsgw's usual headers on a forwarded answer. */
  assert_non_null(wsgw_kit_http_header(&r, "x-amzn-RequestId"));
  crc = wsgw_kit_http_header(&r, "x-amz-crc32");
  assert_non_null(crc);
  assert_string_equal(wsgw_kit_http_header(&r, "Content-Type"), "application/x-amz-json-1.0");
  wsgw_kit_http_free(&r);
  assert_int_equal(http_db(p->b, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"via-a\"}}}",
                           &resp, NULL, 0),
                   200);
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Item"), "n"),
          "N")
          ->valuestring,
      "42");
  cJSON_Delete(resp);
}

static void a_body_over_1_mb_is_forwarded_without_waiting_for_a_100_continue(void **state) {
  struct pair *p = *state;
  char *text = malloc(2 * 1024 * 1024 + 4096);
  size_t len = 0;
  cJSON *resp = NULL;
  long long start, took;
  int i;

  /* 25 items of 80 KB: a 2 MB BatchWriteItem, as an SDK sends it. libcurl
   * asks for a 100 Continue above 1 MB and waits a second for it. */
  assert_non_null(text);
  len += (size_t)sprintf(text, "{\"RequestItems\":{\"Connections\":[");
  for (i = 0; i < 25; i++) {
    len += (size_t)sprintf(text + len,
                           "%s{\"PutRequest\":{\"Item\":{\"id\":{\"S\":"
                           "\"big%d\"},\"v\":{\"S\":\"",
                           i ? "," : "", i);
    memset(text + len, 'x', 80000);
    len += 80000;
    len += (size_t)sprintf(text + len, "\"}}}}");
  }
  len += (size_t)sprintf(text + len, "]}}");
  start = wsgw_kit_now_ms();
  assert_int_equal(http_db(p->a, "BatchWriteItem", text, &resp, NULL, 0), 200);
  took = wsgw_kit_now_ms() - start;
  free(text);
  assert_non_null(cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedItems"));
  cJSON_Delete(resp);
  if (took >= 750)
    fail_msg("a 2 MB BatchWriteItem through A took %lld ms (a 100 Continue wait is 1000)", took);
  assert_int_equal(http_db(p->b, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"big24\"}}}",
                           &resp, NULL, 0),
                   200);
  assert_non_null(cJSON_GetObjectItemCaseSensitive(resp, "Item"));
  cJSON_Delete(resp);
}

static void u0000_in_a_string_survives_the_round_trip_through_a(void **state) {
  struct pair *p = *state;
  char raw[512];
  cJSON *item;

  /* Over HTTP: \u0000 in, \u0000 stored on B, \u0000 out. */
  assert_int_equal(
      http_db(p->a, "PutItem",
              "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\\u0000b\"}}}", NULL, NULL,
              0),
      200);
  assert_int_equal(http_db(p->b, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\\u0000b\"}}}",
                           NULL, raw, sizeof(raw)),
                   200);
  assert_non_null(strstr(raw, "\"a\\u0000b\""));
  assert_int_equal(http_db(p->a, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\\u0000b\"}}}",
                           NULL, raw, sizeof(raw)),
                   200);
  assert_non_null(strstr(raw, "\"a\\u0000b\""));
  /* In process: C0 80 in, \u0000 on B, C0 80 out, as from the local store. */
  CHECK(wsgw_kit_db_put(p->a, "Connections", "{\"id\":{\"S\":\"c\xC0\x80\"}}"));
  assert_int_equal(http_db(p->b, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"c\\u0000\"}}}",
                           NULL, raw, sizeof(raw)),
                   200);
  assert_non_null(strstr(raw, "\"c\\u0000\""));
  item = wsgw_kit_db_get(p->a, "Connections", "{\"id\":{\"S\":\"a\\u0000b\"}}");
  assert_non_null(item);
  assert_string_equal(string_of(item, "id"), "a\xC0\x80"
                                             "b");
  cJSON_Delete(item);
}

static void an_error_of_the_endpoint_arrives_unchanged_through_a(void **state) {
  struct pair *p = *state;
  static const char missing[] = "{\"TableName\":\"Nope\",\"Key\":{\"id\":{\"S\":\"x\"}}}";
  char via_a[1024], from_b[1024];
  cJSON *resp = NULL;

  assert_int_equal(http_db(p->a, "GetItem", missing, &resp, via_a, sizeof(via_a)), 400);
  assert_int_equal(http_db(p->b, "GetItem", missing, NULL, from_b, sizeof(from_b)), 400);
  assert_string_equal(via_a, from_b);
  assert_string_equal(error_name(resp), "ResourceNotFoundException");
  cJSON_Delete(resp);
  /* An unknown target is B's to refuse, too. */
  assert_int_equal(http_db(p->a, "NoSuchOperation", "{}", &resp, NULL, 0), 400);
  assert_string_equal(error_name(resp), "UnknownOperationException");
  cJSON_Delete(resp);
}

static void a_fault_injected_on_a_still_fires_with_an_endpoint(void **state) {
  struct pair *p = *state;
  cJSON *resp = NULL;

  assert_true(wsgw_kit_fault(p->a, "{\"type\":\"dynamodb.error\",\"operation\":\"GetItem\","
                                   "\"table\":\"Connections\",\"error\":\"ThrottlingException\","
                                   "\"count\":1}") > 0);
  assert_int_equal(http_db(p->a, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"x\"}}}", &resp,
                           NULL, 0),
                   400);
  assert_string_equal(error_name(resp), "ThrottlingException");
  cJSON_Delete(resp);
  assert_int_equal(http_db(p->a, "GetItem",
                           "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"x\"}}}", NULL,
                           NULL, 0),
                   200);
}

static void a_has_no_local_store_and_its_stats_name_the_endpoint(void **state) {
  struct pair *p = *state;
  struct wsgw_kit_http_response r;
  cJSON *stats, *endpoint;

  assert_int_equal(wsgw_kit_http(wsgw_kit_port(p->a), "GET", "/_wsgw/stats", NULL, NULL, 0, &r),
                   200);
  stats = cJSON_ParseWithLength(r.body, r.body_len);
  wsgw_kit_http_free(&r);
  endpoint = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stats, "store"),
                                              "endpoint");
  assert_true(cJSON_IsString(endpoint));
  assert_string_equal(endpoint->valuestring, wsgw_kit_base_url(p->b));
  assert_null(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stats, "store"), "writes"));
  cJSON_Delete(stats);
}

/* A port nothing listens on (bound, then closed). */
static int closed_port(void) {
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof(sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;

  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  port = ntohs(sa.sin_port);
  close(fd);
  return port;
}

static void an_unreachable_endpoint_answers_500_internal_server_error(void **state) {
  char url[64], prefix[128], raw[1024];
  struct wsgw_kit_emu *a;
  cJSON *resp = NULL;
  const cJSON *m;

  (void)state;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
  a = kit_start_or_fail(&(struct wsgw_kit_options){.dynamodb_endpoint = url});
  snprintf(prefix, sizeof(prefix), "wsgw could not reach the DynamoDB endpoint %s: ", url);
  assert_int_equal(http_db(a, "ListTables", "{}", &resp, raw, sizeof(raw)), 500);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(resp, "__type")->valuestring,
                      "com.amazonaws.dynamodb.v20120810#InternalServerError");
  m = cJSON_GetObjectItemCaseSensitive(resp, "message");
  assert_true(cJSON_IsString(m));
  if (strncmp(m->valuestring, prefix, strlen(prefix)) != 0 || !m->valuestring[strlen(prefix)])
    fail_msg("expected a message starting \"%s\" and saying why, got %s", prefix, raw);
  cJSON_Delete(resp);
  /* In process (handlers, the kit) alike. */
  assert_int_equal(wsgw_kit_db(a, "ListTables", "{}", &resp), 500);
  m = cJSON_GetObjectItemCaseSensitive(resp, "message");
  assert_true(cJSON_IsString(m) && strncmp(m->valuestring, prefix, strlen(prefix)) == 0);
  cJSON_Delete(resp);
  wsgw_kit_stop(a);
}

static void a_start_without_credentials_fails_saying_which_is_missing(void **state) {
  char err[1024] = "";
  struct wsgw_kit_emu *a;

  (void)state;
  unsetenv("AWS_ACCESS_KEY_ID");
  a = wsgw_kit_start(&(struct wsgw_kit_options){.dynamodb_endpoint = "http://127.0.0.1:9"}, err,
                     sizeof(err));
  setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
  assert_null(a);
  if (!strstr(err, "--dynamodb-endpoint needs AWS credentials: AWS_ACCESS_KEY_ID is not set"))
    fail_msg("expected the missing AWS_ACCESS_KEY_ID named, got \"%s\"", err);
}

static void an_endpoint_that_is_not_an_http_url_is_refused_at_start(void **state) {
  static const char *const bad[] = {"ftp://example.com", "dynamodb.us-east-1.amazonaws.com",
                                    "http://127.0.0.1:8000/?x=1", "https://", NULL};
  char err[1024];
  int i;

  (void)state;
  for (i = 0; bad[i]; i++) {
    struct wsgw_kit_emu *a;
    err[0] = '\0';
    a = wsgw_kit_start(&(struct wsgw_kit_options){.dynamodb_endpoint = bad[i]}, err, sizeof(err));
    if (a) {
      wsgw_kit_stop(a);
      fail_msg("%s: the emulator started", bad[i]);
    }
    if (!strstr(err, "--dynamodb-endpoint: "))
      fail_msg("%s: expected a message about --dynamodb-endpoint, got \"%s\"", bad[i], err);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(the_tables_a_config_declares_are_created_on_the_endpoint,
                                      pair_setup, pair_teardown),
      cmocka_unit_test_setup_teardown(
          two_clients_chat_through_a_with_their_ids_in_the_endpoints_table, pair_setup,
          pair_teardown),
      cmocka_unit_test_setup_teardown(an_item_put_through_a_over_http_is_read_from_the_endpoint,
                                      pair_setup, pair_teardown),
      cmocka_unit_test_setup_teardown(
          a_body_over_1_mb_is_forwarded_without_waiting_for_a_100_continue, pair_setup,
          pair_teardown),
      cmocka_unit_test_setup_teardown(u0000_in_a_string_survives_the_round_trip_through_a,
                                      pair_setup, pair_teardown),
      cmocka_unit_test_setup_teardown(an_error_of_the_endpoint_arrives_unchanged_through_a,
                                      pair_setup, pair_teardown),
      cmocka_unit_test_setup_teardown(a_fault_injected_on_a_still_fires_with_an_endpoint,
                                      pair_setup, pair_teardown),
      cmocka_unit_test_setup_teardown(a_has_no_local_store_and_its_stats_name_the_endpoint,
                                      pair_setup, pair_teardown),
      cmocka_unit_test(an_unreachable_endpoint_answers_500_internal_server_error),
      cmocka_unit_test(a_start_without_credentials_fails_saying_which_is_missing),
      cmocka_unit_test(an_endpoint_that_is_not_an_http_url_is_refused_at_start),
  };

  /* Before any thread: the emulators read them at start. */
  setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "test-secret", 1);
  setenv("AWS_REGION", "us-east-1", 1);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
