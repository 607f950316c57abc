/*
 * test_bad_input.c - regression for issue 13, item 7 ("smaller, same
 * issue"): bad input gets AWS's error shape and a clear message, in time,
 * and changes nothing.
 *   - a request body shorter than its Content-Length (the client waits, or
 *     closes its side) and malformed chunking: a timely 400, never executed
 *     and never a 413;
 *   - POST /dev/@connections/ID%00junk is not delivered to ID;
 *   - a fault list that is refused (too long, or one bad fault) installs
 *     nothing;
 *   - trailing bytes after the JSON body and empty attribute names are
 *     refused by the DynamoDB API, and nothing is written.
 * The DEVIATION rows in the README say which answers are unverified.
 *
 * One emulator serves the group; each test uses its own keys/connections.
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
/* The server answers an incomplete body after one civetweb request timeout
 * (request_timeout_ms: 30 s at most); before the fix it executed the body
 * after two or three of them. */
#define REQUEST_TIMEOUT_BOUND_MS 45000
#define QUICK_MS 5000 /* answers that need no timeout (EOF, bad framing) */
#define NO_FRAME_MS 300

static const char config[] =
    "{\"apis\":[{\"name\":\"bad\",\"stage\":\"dev\","
    "  \"routeSelectionExpression\":\"$request.body.action\","
    "  \"routes\":{\"whoami\":{\"function\":\"diag.whoami\",\"returnResponse\":true}}}],"
    " \"tables\":[{\"TableName\":\"Items\","
    "  \"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
    "  \"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
    "  \"BillingMode\":\"PAY_PER_REQUEST\"}]}";

static int group_setup(void **state) {
  *state = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config}, NULL, 0);
  if (!*state)
    print_error("%s\n", wsgw_kit_error());
  return *state ? 0 : -1;
}

static int group_teardown(void **state) {
  wsgw_kit_stop(*state);
  return 0;
}

/* ---- helpers --------------------------------------------------------------- */

/* A DynamoDB request's head (no body) for operation, ending with the blank
 * line; content_length < 0: chunked. */
static void dynamo_head(char *buf, size_t cap, const char *operation, long content_length) {
  char framing[64];

  if (content_length < 0)
    snprintf(framing, sizeof(framing), "Transfer-Encoding: chunked");
  else
    snprintf(framing, sizeof(framing), "Content-Length: %ld", content_length);
  snprintf(buf, cap,
           "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: application/x-amz-json-1.0\r\n"
           "X-Amz-Target: DynamoDB_20120810.%s\r\n"
           "Authorization: AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, "
           "SignedHeaders=host, Signature=0\r\n"
           "%s\r\n\r\n",
           operation, framing);
}

/* Whether Items holds an item with pk = key. */
static int item_exists(struct wsgw_kit_emu *emu, const char *key) {
  char req[256];
  cJSON *resp;
  int status, found;

  snprintf(req, sizeof(req),
           "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"%s\"}},\"ConsistentRead\":true}",
           key);
  status = wsgw_kit_db(emu, "GetItem", req, &resp);
  assert_int_equal(status, 200);
  found = cJSON_GetObjectItemCaseSensitive(resp, "Item") != NULL;
  cJSON_Delete(resp);
  return found;
}

static void assert_dynamo_error(const struct wsgw_kit_http_response *r, int status,
                                const char *type, const char *message_part) {
  cJSON *body = cJSON_Parse(r->body ? r->body : "");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(body, "__type");
  const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, "message");

  /* botocore reads "message" or "Message"; SerializationException has the latter. */
  if (!m)
    m = cJSON_GetObjectItemCaseSensitive(body, "Message");

  if (r->status != status || !cJSON_IsString(t) || !strstr(t->valuestring, type) ||
      (message_part && (!cJSON_IsString(m) || !strstr(m->valuestring, message_part))))
    fail_msg("expected %d %s \"%s\", got %d %s", status, type, message_part ? message_part : "",
             r->status, r->body ? r->body : "(none)");
  cJSON_Delete(body);
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
  memcpy(id, fr.data, ID_LEN + 1);
  wsgw_kit_frame_free(&fr);
  return c;
}

static void assert_no_frame(struct wsgw_kit_ws *c) {
  struct wsgw_kit_frame fr;
  int rc = wsgw_kit_recv_message(c, NO_FRAME_MS, &fr);

  if (rc == WSGW_KIT_RECV_OK) {
    char shown[64];
    snprintf(shown, sizeof(shown), "%.*s", (int)(fr.len < 60 ? fr.len : 60), (const char *)fr.data);
    wsgw_kit_frame_free(&fr);
    fail_msg("expected no frame, got \"%s\"", shown);
  }
  assert_int_equal(rc, WSGW_KIT_RECV_TIMEOUT);
}

/* ---- request bodies -------------------------------------------------------- */

static void a_dynamodb_body_shorter_than_its_content_length_is_refused_in_time_and_not_written(
    void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char body[] = "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"short-wait\"}}}";
  struct wsgw_kit_http_response r;
  char req[1024];
  long long started = wsgw_kit_now_ms(), took;

  /* Ten bytes promised that never come; the client keeps its side open. */
  dynamo_head(req, sizeof(req), "PutItem", (long)strlen(body) + 10);
  strcat(req, body);
  wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 0, REQUEST_TIMEOUT_BOUND_MS, &r);
  took = wsgw_kit_now_ms() - started;
  if (r.status < 0)
    fail_msg("no answer within %d ms", REQUEST_TIMEOUT_BOUND_MS);
  assert_true(took < REQUEST_TIMEOUT_BOUND_MS);
  assert_dynamo_error(&r, 400, "SerializationException", "shorter than its Content-Length");
  assert_string_equal(wsgw_kit_http_header(&r, "Connection"), "close");
  wsgw_kit_http_free(&r);
  assert_false(item_exists(f, "short-wait"));
}

static void a_dynamodb_body_cut_short_by_the_client_is_a_400_not_a_413(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char body[] = "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"short-eof\"}}}";
  struct wsgw_kit_http_response r;
  char req[1024];

  dynamo_head(req, sizeof(req), "PutItem", (long)strlen(body) + 10);
  strcat(req, body);
  wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 1, QUICK_MS, &r);
  assert_dynamo_error(&r, 400, "SerializationException", "shorter than its Content-Length");
  wsgw_kit_http_free(&r);
  assert_false(item_exists(f, "short-eof"));
}

static void malformed_chunking_is_a_400_not_a_413_and_nothing_runs(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const char *const bodies[] = {
      /* a chunk size that is not hex */
      "zz\r\n{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"chunk-1\"}}}\r\n0\r\n\r\n",
      /* a chunk longer than its size, no CRLF where one is due */
      "4\r\n{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"chunk-2\"}}}\r\n0\r\n\r\n",
  };
  struct wsgw_kit_http_response r;
  char req[1024];
  size_t i;

  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    dynamo_head(req, sizeof(req), "PutItem", -1);
    strcat(req, bodies[i]);
    wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 0, QUICK_MS, &r);
    assert_dynamo_error(&r, 400, "SerializationException", "chunked");
    assert_string_equal(wsgw_kit_http_header(&r, "Connection"), "close");
    wsgw_kit_http_free(&r);
  }
  assert_false(item_exists(f, "chunk-1"));
  assert_false(item_exists(f, "chunk-2"));
  /* A well-formed chunked body still works. */
  {
    static const char good[] = "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"chunk-ok\"}}}";
    char chunked[512];
    snprintf(chunked, sizeof(chunked), "%zx\r\n%s\r\n0\r\n\r\n", strlen(good), good);
    dynamo_head(req, sizeof(req), "PutItem", -1);
    strcat(req, chunked);
    assert_int_equal(wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 0, QUICK_MS, &r), 200);
    wsgw_kit_http_free(&r);
    assert_true(item_exists(f, "chunk-ok"));
  }
}

static void a_connections_post_cut_short_is_refused_and_not_delivered(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  char id[ID_LEN + 1], req[512];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  const char *type;

  snprintf(
      req, sizeof(req),
      "POST /dev/@connections/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20\r\n\r\nhello",
      id);
  wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 1, QUICK_MS, &r);
  assert_int_equal(r.status, 400);
  type = wsgw_kit_http_header(&r, "x-amzn-ErrorType");
  assert_non_null(type);
  assert_string_equal(type, "BadRequestException");
  assert_non_null(strstr(r.body, "shorter than its Content-Length"));
  wsgw_kit_http_free(&r);
  assert_no_frame(c);
  /* Malformed chunking: also a 400, also not delivered. */
  snprintf(
      req, sizeof(req),
      "POST /dev/@connections/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "q\r\nhello\r\n0\r\n\r\n",
      id);
  wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 0, QUICK_MS, &r);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "chunked"));
  wsgw_kit_http_free(&r);
  assert_no_frame(c);
  wsgw_kit_ws_free(c);
}

static void a_fault_list_cut_short_is_refused(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  static const char req[] =
      "POST /_wsgw/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 80\r\n\r\n"
      "[{\"type\":\"handler.timeout\"}]";

  wsgw_kit_http_raw(wsgw_kit_port(f), req, strlen(req), 1, QUICK_MS, &r);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "shorter than its Content-Length"));
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "GET", "/_wsgw/faults", NULL, NULL, 0, &r), 200);
  assert_string_equal(r.body, "[]");
  wsgw_kit_http_free(&r);
}

/* ---- @connections ids ------------------------------------------------------ */

static void a_nul_or_control_character_in_the_id_is_not_delivered_to_its_prefix(void **state) {
  struct wsgw_kit_emu *f = *state;
  /* A path that decodes to a NUL is refused before routing (400); an id
   * with a control character is an id no connection has (410). */
  static const struct {
    const char *tail;
    int status;
    const char *type;
  } cases[] = {{"%00junk", 400, NULL},
               {"%00", 400, NULL},
               {"%01", 410, "GoneException"},
               {"%0a", 410, "GoneException"}};
  struct wsgw_kit_http_response r;
  char id[ID_LEN + 1], path[128];
  struct wsgw_kit_ws *c = connect_dev(f, id);
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char *type;
    snprintf(path, sizeof(path), "/dev/@connections/%s%s", id, cases[i].tail);
    wsgw_kit_http(wsgw_kit_port(f), "POST", path, NULL, "x", 1, &r);
    if (r.status != cases[i].status)
      fail_msg("POST %s: expected %d, got %d", path, cases[i].status, r.status);
    type = wsgw_kit_http_header(&r, "x-amzn-ErrorType");
    if (cases[i].type) {
      assert_non_null(type);
      assert_string_equal(type, cases[i].type);
    }
    wsgw_kit_http_free(&r);
    assert_no_frame(c);
  }
  /* GET and DELETE neither: the connection is still there afterwards. */
  snprintf(path, sizeof(path), "/dev/@connections/%s%%00junk", id);
  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "DELETE", path, NULL, NULL, 0, &r), 400);
  wsgw_kit_http_free(&r);
  snprintf(path, sizeof(path), "/dev/@connections/%s%%01", id);
  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "GET", path, NULL, NULL, 0, &r), 410);
  wsgw_kit_http_free(&r);
  /* Any endpoint: /_wsgw/faults%00x is not /_wsgw/faults. */
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(f), "DELETE", "/_wsgw/faults%00x", NULL, NULL, 0, &r), 400);
  wsgw_kit_http_free(&r);
  snprintf(path, sizeof(path), "/dev/@connections/%s", id);
  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "POST", path, NULL, "y", 1, &r), 200);
  wsgw_kit_http_free(&r);
  {
    struct wsgw_kit_frame fr;
    assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
    assert_int_equal(fr.len, 1);
    assert_memory_equal(fr.data, "y", 1);
    wsgw_kit_frame_free(&fr);
  }
  wsgw_kit_ws_free(c);
}

/* ---- faults ---------------------------------------------------------------- */

static int fault_count(int port) {
  struct wsgw_kit_http_response r;
  cJSON *list;
  int n;

  assert_int_equal(wsgw_kit_http(port, "GET", "/_wsgw/faults", NULL, NULL, 0, &r), 200);
  list = cJSON_Parse(r.body);
  assert_true(cJSON_IsArray(list));
  n = cJSON_GetArraySize(list);
  cJSON_Delete(list);
  wsgw_kit_http_free(&r);
  return n;
}

static char *fault_array(int n, int bad_at) {
  static const char good[] = "{\"type\":\"handler.latency\",\"handler\":\"nobody\",\"ms\":1}";
  static const char bad[] = "{\"type\":\"handler.latency\",\"handler\":\"nobody\"}";
  char *s = malloc((size_t)n * sizeof(good) + 8), *p = s;
  int i;

  assert_non_null(s);
  *p++ = '[';
  for (i = 0; i < n; i++)
    p += sprintf(p, "%s%s", i ? "," : "", i == bad_at ? bad : good);
  *p++ = ']';
  *p = '\0';
  return s;
}

static void a_refused_fault_list_installs_none(void **state) {
  static const char *const json[] = {"Content-Type: application/json", NULL};
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;
  char *body;

  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "DELETE", "/_wsgw/faults", NULL, NULL, 0, &r),
                   204);
  wsgw_kit_http_free(&r);
  /* 300 faults: over the 256 limit. */
  body = fault_array(300, -1);
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(f), "POST", "/_wsgw/faults", json, body, strlen(body), &r), 400);
  assert_non_null(strstr(r.body, "at most 256"));
  wsgw_kit_http_free(&r);
  free(body);
  assert_int_equal(fault_count(wsgw_kit_port(f)), 0);
  /* 10 faults, the 6th invalid. */
  body = fault_array(10, 5);
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(f), "POST", "/_wsgw/faults", json, body, strlen(body), &r), 400);
  assert_non_null(strstr(r.body, "faults[5]"));
  wsgw_kit_http_free(&r);
  free(body);
  assert_int_equal(fault_count(wsgw_kit_port(f)), 0);
  /* 200 valid, then 100 more: the second list would pass the limit. */
  body = fault_array(200, -1);
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(f), "POST", "/_wsgw/faults", json, body, strlen(body), &r), 200);
  wsgw_kit_http_free(&r);
  free(body);
  body = fault_array(100, -1);
  assert_int_equal(
      wsgw_kit_http(wsgw_kit_port(f), "POST", "/_wsgw/faults", json, body, strlen(body), &r), 400);
  wsgw_kit_http_free(&r);
  free(body);
  assert_int_equal(fault_count(wsgw_kit_port(f)), 200);
  /* Not a fault or a list of them. */
  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "POST", "/_wsgw/faults", json, "42", 2, &r),
                   400);
  wsgw_kit_http_free(&r);
  assert_int_equal(wsgw_kit_http(wsgw_kit_port(f), "DELETE", "/_wsgw/faults", NULL, NULL, 0, &r),
                   204);
  wsgw_kit_http_free(&r);
}

/* ---- DynamoDB validation --------------------------------------------------- */

static void trailing_bytes_after_the_json_body_are_a_serialization_exception(void **state) {
  struct wsgw_kit_emu *f = *state;
  struct wsgw_kit_http_response r;

  wsgw_kit_http_dynamodb(wsgw_kit_port(f), "ListTables", "{} xx", &r);
  assert_dynamo_error(&r, 400, "SerializationException", NULL);
  wsgw_kit_http_free(&r);
  wsgw_kit_http_dynamodb(wsgw_kit_port(f), "PutItem",
                         "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"trail\"}}}{}", &r);
  assert_dynamo_error(&r, 400, "SerializationException", NULL);
  wsgw_kit_http_free(&r);
  assert_false(item_exists(f, "trail"));
  /* JSON whitespace after the body is fine. */
  assert_int_equal(wsgw_kit_http_dynamodb(
                       wsgw_kit_port(f), "PutItem",
                       "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"trail-ws\"}}} \r\n\t",
                       &r),
                   200);
  wsgw_kit_http_free(&r);
  assert_true(item_exists(f, "trail-ws"));
}

static void empty_attribute_names_are_refused_and_nothing_is_written(void **state) {
  struct wsgw_kit_emu *f = *state;
  static const struct {
    const char *op, *body, *message;
  } cases[] = {
      {"PutItem", "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"e1\"},\"\":{\"S\":\"x\"}}}",
       "Empty attribute name"},
      {"UpdateItem",
       "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"e2\"}},\"UpdateExpression\":\"SET #a = :v\","
       "\"ExpressionAttributeNames\":{\"#a\":\"\"},\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"},
      {"UpdateItem",
       "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"e3\"}},"
       "\"AttributeUpdates\":{\"\":{\"Action\":\"PUT\",\"Value\":{\"S\":\"x\"}}}}",
       "Empty attribute name"},
      {"UpdateItem",
       "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"e4\"},\"\":{\"S\":\"k\"}},"
       "\"UpdateExpression\":\"SET a = :v\",\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       "Empty attribute name"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Items\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"e5\"},\"\":{\"N\":\"1\"}}}}]}}",
       "Empty attribute name"},
      {"TransactWriteItems",
       "{\"TransactItems\":[{\"Put\":{\"TableName\":\"Items\","
       "\"Item\":{\"pk\":{\"S\":\"e6\"},\"\":{\"BOOL\":true}}}}]}",
       "Empty attribute name"},
      {"PutItem",
       "{\"TableName\":\"Items\",\"Item\":{\"pk\":{\"S\":\"e10\"}},\"Expected\":{\"\":{\"Exists\":false}}}",
       "Empty attribute name"},
      {"GetItem", "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"e7\"},\"\":{\"S\":\"k\"}}}",
       "Empty attribute name"},
      {"GetItem",
       "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"e8\"}},\"AttributesToGet\":[\"\"]}",
       "Empty attribute name"},
      {"GetItem",
       "{\"TableName\":\"Items\",\"Key\":{\"pk\":{\"S\":\"e9\"}},\"ProjectionExpression\":\"#p\","
       "\"ExpressionAttributeNames\":{\"#p\":\"\"}}",
       "ExpressionAttributeNames contains invalid value: Empty attribute name for key #p"},
  };
  struct wsgw_kit_http_response r;
  size_t i;

  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    wsgw_kit_http_dynamodb(wsgw_kit_port(f), cases[i].op, cases[i].body, &r);
    assert_dynamo_error(&r, 400, "ValidationException", cases[i].message);
    wsgw_kit_http_free(&r);
  }
  for (i = 1; i <= 10; i++) {
    char key[8];
    snprintf(key, sizeof(key), "e%zu", i);
    assert_false(item_exists(f, key));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_dynamodb_body_cut_short_by_the_client_is_a_400_not_a_413),
      cmocka_unit_test(malformed_chunking_is_a_400_not_a_413_and_nothing_runs),
      cmocka_unit_test(a_connections_post_cut_short_is_refused_and_not_delivered),
      cmocka_unit_test(a_fault_list_cut_short_is_refused),
      cmocka_unit_test(a_nul_or_control_character_in_the_id_is_not_delivered_to_its_prefix),
      cmocka_unit_test(a_refused_fault_list_installs_none),
      cmocka_unit_test(trailing_bytes_after_the_json_body_are_a_serialization_exception),
      cmocka_unit_test(empty_attribute_names_are_refused_and_nothing_is_written),
      cmocka_unit_test(
          a_dynamodb_body_shorter_than_its_content_length_is_refused_in_time_and_not_written),
  };

  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
