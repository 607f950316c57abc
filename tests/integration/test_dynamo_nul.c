/*
 * test_dynamo_nul.c - U+0000 inside strings (issue 13, item 3), through
 * the HTTP API with raw JSON: keys that differ after a NUL are different
 * items, GetItem (its fast path and its parsed path), Query and Scan answer
 * the NUL as \u0000, an attribute name with a NUL is not its prefix,
 * ExpressionAttributeNames/Values keep their NULs in UpdateItem, conditions,
 * size(), begins_with, contains and comparisons (0x00 sorts first), the key
 * size limits count a NUL as one byte, and a raw C0 byte, like any body
 * that is not UTF-8, is refused. Then
 * the in-process side: a handler's wsgw_dynamodb sees U+0000 as C0 80 both
 * ways, and @connections payloads (HTTP and wsgw_post_to_connection) keep
 * their NUL bytes.
 *
 * One emulator serves the group (tables Tnul and Qnul); each test uses its
 * own keys.
 * Threading: the test thread, plus the emulator's threads running the
 * handler defined here.
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

/* MESSAGE route "nul": stores {"id": "h<NUL>i", "v": "w<NUL>"} through
 * wsgw_dynamodb (writing U+0000 as C0 80, as wsgw_handler.h says), reads it
 * back, and posts to the caller "ok\0end" (6 bytes, a NUL inside) when the
 * value came back whole, else "bad". */
static cJSON *nul_handler(const cJSON *event, struct wsgw_ctx *ctx) {
  static const char ok[] = "ok\0end";
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(event, "requestContext"), "connectionId");
  cJSON *req, *resp = NULL, *item;
  const cJSON *v;
  char endpoint[512];
  int good = 0;

  if (!cJSON_IsString(id) || wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0)
    return wsgw_fail(ctx, "no connection id");
  req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "TableName", "Tnul");
  item = cJSON_AddObjectToObject(req, "Item");
  cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "id"), "S", "h\xC0\x80i");
  cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "v"), "S", "w\xC0\x80");
  if (wsgw_dynamodb(ctx, "PutItem", req, &resp) == 200) {
    cJSON_Delete(resp);
    resp = NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(req, "Item");
    item = cJSON_AddObjectToObject(req, "Key");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "id"), "S", "h\xC0\x80i");
    if (wsgw_dynamodb(ctx, "GetItem", req, &resp) == 200) {
      v = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Item"), "v"),
          "S");
      good = cJSON_IsString(v) && strcmp(v->valuestring, "w\xC0\x80") == 0;
    }
  }
  cJSON_Delete(resp);
  cJSON_Delete(req);
  if (good)
    wsgw_post_to_connection(ctx, endpoint, id->valuestring, ok, sizeof(ok) - 1);
  else
    wsgw_post_to_connection(ctx, endpoint, id->valuestring, "bad", 3);
  return wsgw_response(200, NULL);
}

static const struct wsgw_handler test_handlers[] = {
    {"test.nul", nul_handler},
    {NULL, NULL},
};

static const char config[] =
    "{\"apis\":["
    " {\"name\":\"nul\",\"stage\":\"dev\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"whoami\":{\"function\":{\"handler\":\"diag.whoami\"},"
    "                          \"returnResponse\":true},"
    "            \"nul\":\"test.nul\"}}],"
    " \"tables\":["
    "  {\"TableName\":\"Tnul\","
    "   \"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "   \"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "   \"BillingMode\":\"PAY_PER_REQUEST\"},"
    "  {\"TableName\":\"Qnul\","
    "   \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
    "                            {\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}],"
    "   \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
    "                 {\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
    "   \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

static int group_setup(void **state) {
  *state = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_json = config, .handlers = test_handlers}, NULL, 0);
  if (!*state)
    print_error("%s\n", wsgw_kit_error());
  return *state ? 0 : -1;
}

static int group_teardown(void **state) {
  wsgw_kit_stop(*state);
  return 0;
}

/* A response quoted in a failure message (copied so that nothing leaks when
 * the failure jumps out). */
static char shown[4096];

/* Runs op with the raw JSON request; asserts the status and returns the
 * raw response body (free() it). */
static char *call(struct wsgw_kit_emu *f, const char *op, const char *json, int status) {
  struct wsgw_kit_http_response r;
  char *body;

  wsgw_kit_http_dynamodb(wsgw_kit_port(f), op, json, &r);
  if (r.status != status) {
    int got = r.status;
    snprintf(shown, sizeof(shown), "%s", r.body ? r.body : "");
    wsgw_kit_http_free(&r);
    fail_msg("%s %s: expected %d, got %d %s", op, json, status, got, shown);
  }
  body = malloc(r.body_len + 1);
  assert_non_null(body);
  memcpy(body, r.body, r.body_len);
  body[r.body_len] = '\0';
  wsgw_kit_http_free(&r);
  return body;
}

static void call_ok(struct wsgw_kit_emu *f, const char *op, const char *json) {
  free(call(f, op, json, 200));
}

/* The raw body equals want exactly. */
static void expect_body(struct wsgw_kit_emu *f, const char *op, const char *json,
                        const char *want) {
  char *body = call(f, op, json, 200);
  int same = strcmp(body, want) == 0;

  snprintf(shown, sizeof(shown), "%s", body);
  free(body);
  if (!same)
    fail_msg("%s %s:\n  expected %s\n  got      %s", op, json, want, shown);
}

/* The raw body holds each of the texts, in this order (NULL-terminated). */
static void expect_in_order(const char *body, const char *const *texts) {
  const char *at = body;
  size_t i;

  for (i = 0; texts[i]; i++) {
    const char *p = strstr(at, texts[i]);
    if (!p)
      fail_msg("expected %s after offset %zu in %s", texts[i], (size_t)(at - body), body);
    at = p + strlen(texts[i]);
  }
}

static void keys_that_differ_after_a_nul_are_two_items(void **state) {
  struct wsgw_kit_emu *f = *state;
  char *body;

  call_ok(f, "PutItem",
          "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"k\\u0000A\"},\"v\":{\"S\":\"one\"}}}");
  call_ok(f, "PutItem",
          "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"k\\u0000B\"},\"v\":{\"S\":\"two\"}}}");
  /* The fast path: the stored JSON text, answered as it is. */
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\\u0000A\"}}}",
              "{\"Item\":{\"id\":{\"S\":\"k\\u0000A\"},\"v\":{\"S\":\"one\"}}}");
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\\u0000B\"}}}",
              "{\"Item\":{\"id\":{\"S\":\"k\\u0000B\"},\"v\":{\"S\":\"two\"}}}");
  /* The parsed path (a projection). */
  expect_body(
      f, "GetItem",
      "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\\u0000A\"}},\"ProjectionExpression\":\"id\"}",
      "{\"Item\":{\"id\":{\"S\":\"k\\u0000A\"}}}");
  /* "k" alone is a third key, not stored. */
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\"}}}", "{}");
  body = call(f, "Scan", "{\"TableName\":\"Tnul\"}", 200);
  assert_non_null(strstr(body, "{\"id\":{\"S\":\"k\\u0000A\"},\"v\":{\"S\":\"one\"}}"));
  assert_non_null(strstr(body, "{\"id\":{\"S\":\"k\\u0000B\"},\"v\":{\"S\":\"two\"}}"));
  free(body);
  /* DeleteItem removes exactly one of them. */
  call_ok(f, "DeleteItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\\u0000A\"}}}");
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\\u0000A\"}}}",
              "{}");
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"k\\u0000B\"}}}",
              "{\"Item\":{\"id\":{\"S\":\"k\\u0000B\"},\"v\":{\"S\":\"two\"}}}");
}

static void an_attribute_name_with_a_nul_is_distinct_from_its_prefix(void **state) {
  struct wsgw_kit_emu *f = *state;

  call_ok(
      f, "PutItem",
      "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"names\"},"
      "\"a\\u0000b\":{\"S\":\"x\"},\"a\":{\"S\":\"y\"},\"m\":{\"M\":{\"c\\u0000\":{\"N\":\"1\"}}}}}");
  expect_body(f, "GetItem",
              "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"names\"}},\"ConsistentRead\":true}",
              "{\"Item\":{\"id\":{\"S\":\"names\"},\"a\\u0000b\":{\"S\":\"x\"},\"a\":{\"S\":\"y\"},"
              "\"m\":{\"M\":{\"c\\u0000\":{\"N\":\"1\"}}}}}");
  /* A projection by placeholder picks the name with the NUL only. */
  expect_body(
      f, "GetItem",
      "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"names\"}},\"ProjectionExpression\":\"#n\","
      "\"ExpressionAttributeNames\":{\"#n\":\"a\\u0000b\"}}",
      "{\"Item\":{\"a\\u0000b\":{\"S\":\"x\"}}}");
}

/* A condition on the item {"id": "expr", "f<NUL>g": "v<NUL>w"}, its values
 * and whether it holds. */
struct cond_row {
  const char *condition;
  const char *values; /* ExpressionAttributeValues members */
  int holds;
};

static void expression_names_and_values_keep_their_nuls(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const struct cond_row rows[] = {
      {"#n = :a", "\":a\":{\"S\":\"v\\u0000w\"}", 1},
      {"#n = :a", "\":a\":{\"S\":\"v\\u0000\"}", 0},
      {"#n = :a", "\":a\":{\"S\":\"v\"}", 0},
      {"size(#n) = :a", "\":a\":{\"N\":\"3\"}", 1},
      {"begins_with(#n, :a)", "\":a\":{\"S\":\"v\\u0000\"}", 1},
      {"begins_with(#n, :a)", "\":a\":{\"S\":\"v\\u0000x\"}", 0},
      {"contains(#n, :a)", "\":a\":{\"S\":\"\\u0000w\"}", 1},
      {"contains(#n, :a)", "\":a\":{\"S\":\"\\u0000v\"}", 0},
      /* UTF-8 byte order: 0x00 sorts before every other byte. */
      {"#n < :a", "\":a\":{\"S\":\"v\\u0001\"}", 1},
      {"#n >= :a", "\":a\":{\"S\":\"v\\u0001\"}", 0},
      {"#n > :a", "\":a\":{\"S\":\"v\\u0000\"}", 1},
      {"#n > :a", "\":a\":{\"S\":\"v\"}", 1},
      {"#n < :a", "\":a\":{\"S\":\"v\"}", 0},
      {"#n BETWEEN :a AND :b", "\":a\":{\"S\":\"v\\u0000\"},\":b\":{\"S\":\"v\\u0001\"}", 1},
      {"#n BETWEEN :a AND :b", "\":a\":{\"S\":\"v\\u0000x\"},\":b\":{\"S\":\"v\\u0001\"}", 0},
  };
  char req[1024];
  size_t i;

  expect_body(
      f, "UpdateItem",
      "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"expr\"}},\"UpdateExpression\":\"SET #n = :v\","
      "\"ExpressionAttributeNames\":{\"#n\":\"f\\u0000g\"},"
      "\"ExpressionAttributeValues\":{\":v\":{\"S\":\"v\\u0000w\"}},\"ReturnValues\":\"ALL_NEW\"}",
      "{\"Attributes\":{\"f\\u0000g\":{\"S\":\"v\\u0000w\"},\"id\":{\"S\":\"expr\"}}}");
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char *body;
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"expr\"}},\"ConditionExpression\":\"%s\","
        "\"UpdateExpression\":\"SET c = :c\",\"ExpressionAttributeNames\":{\"#n\":\"f\\u0000g\"},"
        "\"ExpressionAttributeValues\":{\":c\":{\"N\":\"1\"},%s}}",
        rows[i].condition, rows[i].values);
    body = call(f, "UpdateItem", req, rows[i].holds ? 200 : 400);
    snprintf(shown, sizeof(shown), "%s", body);
    free(body);
    if (!rows[i].holds && !strstr(shown, "ConditionalCheckFailedException"))
      fail_msg("%s with %s: expected ConditionalCheckFailedException, got %s", rows[i].condition,
               rows[i].values, shown);
  }
  /* The name f<NUL>g is not f: f is still absent. */
  expect_body(
      f, "GetItem",
      "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"expr\"}},\"ProjectionExpression\":\"f, #n\","
      "\"ExpressionAttributeNames\":{\"#n\":\"f\\u0000g\"}}",
      "{\"Item\":{\"f\\u0000g\":{\"S\":\"v\\u0000w\"}}}");
}

/* A Query of partition "p" of table Qnul: its raw body. */
static char *query(struct wsgw_kit_emu *f, const char *condition, const char *values,
                   const char *extra) {
  char req[1024];

  snprintf(req, sizeof(req),
           "{\"TableName\":\"Qnul\",\"KeyConditionExpression\":\"pk = :p%s\","
           "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"p\"}%s}%s}",
           condition, values, extra);
  return call(f, "Query", req, 200);
}

static void a_nul_sorts_before_every_other_byte_in_sort_keys(void **state) {
  struct wsgw_kit_emu *f = *state;
  /* Sort keys as sent, in UTF-8 byte order ("a" < "a\0" < "a\0b" < "a\1" < "b"). */
  static const char *const keys[] = {"a", "a\\u0000", "a\\u0000b", "a\\u0001", "b"};
  static const char *const ascending[] = {
      "\"sk\":{\"S\":\"a\"}",        "\"sk\":{\"S\":\"a\\u0000\"}", "\"sk\":{\"S\":\"a\\u0000b\"}",
      "\"sk\":{\"S\":\"a\\u0001\"}", "\"sk\":{\"S\":\"b\"}",        NULL};
  static const char *const descending[] = {
      "\"sk\":{\"S\":\"b\"}",        "\"sk\":{\"S\":\"a\\u0001\"}", "\"sk\":{\"S\":\"a\\u0000b\"}",
      "\"sk\":{\"S\":\"a\\u0000\"}", "\"sk\":{\"S\":\"a\"}",        NULL};
  static const char *const below_a1[] = {"\"sk\":{\"S\":\"a\"}", "\"sk\":{\"S\":\"a\\u0000\"}",
                                         "\"sk\":{\"S\":\"a\\u0000b\"}", NULL};
  static const char *const after_nul[] = {"\"sk\":{\"S\":\"a\\u0000\"}",
                                          "\"sk\":{\"S\":\"a\\u0000b\"}", NULL};
  char req[512], *body;
  size_t i;

  /* Inserted out of order: the store must sort them. */
  for (i = sizeof(keys) / sizeof(keys[0]); i-- > 0;) {
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Qnul\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"%s\"},"
             "\"v\":{\"S\":\"%s\"}}}",
             keys[i], keys[i]);
    call_ok(f, "PutItem", req);
  }
  body = query(f, "", "", "");
  assert_non_null(strstr(body, "\"Count\":5"));
  expect_in_order(body, ascending);
  free(body);
  body = query(f, "", "", ",\"ScanIndexForward\":false");
  expect_in_order(body, descending);
  free(body);
  body = query(f, " AND sk < :x", ",\":x\":{\"S\":\"a\\u0001\"}", "");
  assert_non_null(strstr(body, "\"Count\":3"));
  expect_in_order(body, below_a1);
  free(body);
  body = query(f, " AND sk BETWEEN :lo AND :hi",
               ",\":lo\":{\"S\":\"a\\u0000\"},\":hi\":{\"S\":\"a\\u0000b\"}", "");
  assert_non_null(strstr(body, "\"Count\":2"));
  expect_in_order(body, after_nul);
  free(body);
  body = query(f, " AND begins_with(sk, :x)", ",\":x\":{\"S\":\"a\\u0000\"}", "");
  assert_non_null(strstr(body, "\"Count\":2"));
  expect_in_order(body, after_nul);
  free(body);
  /* A filter compares non-key strings the same way. */
  body = query(f, "", ",\":x\":{\"S\":\"a\\u0001\"}", ",\"FilterExpression\":\"v < :x\"");
  assert_non_null(strstr(body, "\"Count\":3"));
  expect_in_order(body, below_a1);
  free(body);
  body = call(f, "Scan", "{\"TableName\":\"Qnul\"}", 200);
  assert_non_null(strstr(body, "\"Count\":5"));
  for (i = 0; ascending[i]; i++)
    assert_non_null(strstr(body, ascending[i]));
  free(body);
}

/* {"TableName":"T","Item":{"id":{"S":<n 'x' then \u0000>}}} */
static char *long_key_put(size_t n) {
  char *req = malloc(n + 128);
  size_t o;

  assert_non_null(req);
  o = (size_t)sprintf(req, "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"");
  memset(req + o, 'x', n);
  o += n;
  strcpy(req + o, "\\u0000\"}}}");
  return req;
}

static void sizes_count_a_nul_as_one_byte(void **state) {
  struct wsgw_kit_emu *f = *state;
  char *req, *body;
  size_t o;

  /* SPEC docs/spec/dynamodb.md 2.6: partition key value 1..2048 bytes. */
  req = long_key_put(2047);
  call_ok(f, "PutItem", req);
  free(req);
  req = long_key_put(2048);
  body = call(f, "PutItem", req, 400);
  assert_non_null(strstr(body, "Size of hashkey has exceeded the maximum size limit of2048 bytes"));
  free(body);
  free(req);
  /* Write units: "id" + "size" + "v" + 1000 NULs is 1007 bytes, one unit. */
  req = malloc(7000);
  assert_non_null(req);
  o = (size_t)sprintf(req, "{\"TableName\":\"Tnul\",\"ReturnConsumedCapacity\":\"TOTAL\","
                           "\"Item\":{\"id\":{\"S\":\"size\"},\"v\":{\"S\":\"");
  for (int i = 0; i < 1000; i++, o += 6)
    memcpy(req + o, "\\u0000", 6);
  strcpy(req + o, "\"}}}");
  body = call(f, "PutItem", req, 200);
  assert_non_null(strstr(body, "\"CapacityUnits\":1}"));
  free(body);
  free(req);
}

static void a_raw_c0_byte_is_refused_and_an_escaped_backslash_is_no_nul(void **state) {
  struct wsgw_kit_emu *f = *state;
  char *body;

  /* C0 80 is how wsgw holds U+0000 inside; from a client it is invalid
   * UTF-8 and must not alias "r\u0000". */
  body = call(f, "PutItem", "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"r\xC0\x80\"}}}",
              400);
  assert_non_null(strstr(body, "SerializationException"));
  free(body);
  body = call(f, "PutItem", "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"r\xC1\xBF\"}}}",
              400);
  assert_non_null(strstr(body, "SerializationException"));
  free(body);
  /* "\\u0000" is a backslash and "u0000", six characters. */
  call_ok(
      f, "PutItem",
      "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"bs\"},\"v\":{\"S\":\"x\\\\u0000y\"}}}");
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"bs\"}}}",
              "{\"Item\":{\"id\":{\"S\":\"bs\"},\"v\":{\"S\":\"x\\\\u0000y\"}}}");
}

/* JSON text is UTF-8: a body that is not is a SerializationException
 * wherever the bad bytes are, and nothing is stored. */
static void a_string_that_is_not_utf8_is_a_serialization_exception(void **state) {
  static const char *const bad[] = {"caf\xe9", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x82",
                                    "\xff"};
  struct wsgw_kit_emu *f = *state;
  char json[256], *body;

  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    snprintf(json, sizeof(json),
             "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"u8\"},\"v\":{\"S\":\"%s\"}}}",
             bad[i]);
    body = call(f, "PutItem", json, 400);
    assert_non_null(strstr(body, "SerializationException"));
    free(body);
  }
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"u8\"}}}", "{}");
  /* Valid multi-byte UTF-8, U+10FFFF included, is stored as sent. */
  call_ok(f, "PutItem",
          "{\"TableName\":\"Tnul\",\"Item\":{\"id\":{\"S\":\"u8\"},\"v\":{\"S\":\"caf\xc3\xa9 "
          "\xf4\x8f\xbf\xbf\"}}}");
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"u8\"}}}",
              "{\"Item\":{\"id\":{\"S\":\"u8\"},\"v\":{\"S\":\"caf\xc3\xa9 \xf4\x8f\xbf\xbf\"}}}");
}

/* A connected client on /dev and its connectionId. */
static struct wsgw_kit_ws *connect_dev(struct wsgw_kit_emu *f, char id[ID_LEN + 1]) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(f), &(struct wsgw_kit_ws_options){.path = "/dev", .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN);
  id[ID_LEN] = '\0';
  wsgw_kit_frame_free(&fr);
  return c;
}

static void a_posted_payload_with_a_nul_byte_is_delivered_whole(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const octets[] = {"Content-Type: application/octet-stream", NULL};
  static const char payload[] = "before\0after";
  struct wsgw_kit_http_response r;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);

  snprintf(path, sizeof(path), "/dev/@connections/%s", id);
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(f), "POST", path, octets, payload, sizeof(payload) - 1, &r), 200);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, sizeof(payload) - 1);
  assert_memory_equal(fr.data, payload, sizeof(payload) - 1);
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
}

static void a_handler_sees_a_nul_as_c0_80_and_posts_nul_bytes_whole(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_frame fr;
  char id[ID_LEN + 1];
  struct wsgw_kit_ws *c = connect_dev(f, id);

  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"nul\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, 6);
  assert_memory_equal(fr.data, "ok\0end", 6);
  wsgw_kit_frame_free(&fr);
  wsgw_kit_ws_free(c);
  /* What the handler stored is U+0000 on the wire. */
  expect_body(f, "GetItem", "{\"TableName\":\"Tnul\",\"Key\":{\"id\":{\"S\":\"h\\u0000i\"}}}",
              "{\"Item\":{\"id\":{\"S\":\"h\\u0000i\"},\"v\":{\"S\":\"w\\u0000\"}}}");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(keys_that_differ_after_a_nul_are_two_items),
      cmocka_unit_test(an_attribute_name_with_a_nul_is_distinct_from_its_prefix),
      cmocka_unit_test(expression_names_and_values_keep_their_nuls),
      cmocka_unit_test(a_nul_sorts_before_every_other_byte_in_sort_keys),
      cmocka_unit_test(sizes_count_a_nul_as_one_byte),
      cmocka_unit_test(a_raw_c0_byte_is_refused_and_an_escaped_backslash_is_no_nul),
      cmocka_unit_test(a_string_that_is_not_utf8_is_a_serialization_exception),
      cmocka_unit_test(a_posted_payload_with_a_nul_byte_is_delivered_whole),
      cmocka_unit_test(a_handler_sees_a_nul_as_c0_80_and_posts_nul_bytes_whole),
  };

  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
