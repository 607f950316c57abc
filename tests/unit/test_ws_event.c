/*
 * test_ws_event.c - unit tests for emulator/gateway/ws_event.c: the CONNECT, MESSAGE
 * and DISCONNECT Lambda-proxy events of docs/spec/apigw-websocket.md 2.1-2.4. Checks
 * the requestContext fields per event type (requestId == extendedRequestId,
 * 16-char ids ending in '=', CLF requestTime, messageId on MESSAGE only,
 * constant connectedAt, userAgent only when sent), the CONNECT headers
 * (Connection/Upgrade removed, X-Forwarded-* and X-Amzn-Trace-Id added,
 * multiValueHeaders mirroring headers), query parameters (absent without a
 * query, decoded values), the DISCONNECT header set and close details, and
 * the MESSAGE body kept verbatim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ws_event.h"

/* 11/Nov/2024:11:35:24.561 UTC, the CONNECT capture of spec 2.1. */
#define NOW_MS INT64_C(1731324924561)
#define CONNECTED_AT_MS INT64_C(1731324924553)

static struct emu_api test_api = {
    .name = (char *)"chat",
    .stage = (char *)"prod",
    .route_selection_expression = (char *)"$request.body.action",
    .api_id = "abc123defg",
};

static struct ws_event_conn test_conn(void) {
  struct ws_event_conn c;

  memset(&c, 0, sizeof(c));
  c.api = &test_api;
  c.domain_name = "127.0.0.1:8080";
  c.connection_id = "BFHPhfCWIAMCKlQ=";
  c.connected_at_ms = CONNECTED_AT_MS;
  c.source_ip = "203.0.113.7";
  return c;
}

/* ---- Helpers ------------------------------------------------------------- */

static const cJSON *member(const cJSON *obj, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

  if (!v) {
    print_error("member \"%s\" is missing\n", name);
    fail();
  }
  return v;
}

static const char *string_member(const cJSON *obj, const char *name) {
  const cJSON *v = member(obj, name);

  assert_true(cJSON_IsString(v));
  return v->valuestring;
}

static int64_t number_member(const cJSON *obj, const char *name) {
  const cJSON *v = member(obj, name);

  assert_true(cJSON_IsNumber(v));
  return (int64_t)v->valuedouble;
}

static void assert_absent(const cJSON *obj, const char *name) {
  if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL) {
    print_error("member \"%s\" should be absent\n", name);
    fail();
  }
}

/* SPEC 2.4 "ID formats": 16 chars, base64url alphabet, ending in one '='. */
static void assert_aws_id(const char *id) {
  size_t i;

  assert_int_equal(strlen(id), 16);
  assert_int_equal(id[15], '=');
  for (i = 0; i < 15; i++) {
    char ch = id[i];
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_')) {
      print_error("id \"%s\" has '%c' at %zu\n", id, ch, i);
      fail();
    }
  }
}

static int is_hex(const char *s, size_t n) {
  size_t i;

  for (i = 0; i < n; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return 0;
  return 1;
}

/* The fields every event carries (spec 2.4). */
static void assert_common_context(const cJSON *rc, const char *route_key, const char *type) {
  const cJSON *identity;

  assert_string_equal(string_member(rc, "routeKey"), route_key);
  assert_string_equal(string_member(rc, "eventType"), type);
  assert_aws_id(string_member(rc, "requestId"));
  assert_string_equal(string_member(rc, "extendedRequestId"), string_member(rc, "requestId"));
  assert_string_equal(string_member(rc, "requestTime"), "11/Nov/2024:11:35:24 +0000");
  assert_string_equal(string_member(rc, "messageDirection"), "IN");
  assert_string_equal(string_member(rc, "stage"), "prod");
  assert_true(number_member(rc, "connectedAt") == CONNECTED_AT_MS);
  assert_true(number_member(rc, "requestTimeEpoch") == NOW_MS);
  identity = member(rc, "identity");
  assert_true(cJSON_IsObject(identity));
  assert_string_equal(string_member(identity, "sourceIp"), "203.0.113.7");
  assert_string_equal(string_member(rc, "domainName"), "127.0.0.1:8080");
  assert_string_equal(string_member(rc, "connectionId"), "BFHPhfCWIAMCKlQ=");
  assert_string_equal(string_member(rc, "apiId"), "abc123defg");
}

/* multiValueHeaders (or the query maps) has exactly the keys of the
 * single-valued map, each an array of strings ending in the single value. */
static void assert_multi_mirrors_single(const cJSON *single, const cJSON *multi) {
  const cJSON *it;

  assert_true(cJSON_IsObject(single));
  assert_true(cJSON_IsObject(multi));
  assert_int_equal(cJSON_GetArraySize(single), cJSON_GetArraySize(multi));
  cJSON_ArrayForEach(it, single) {
    const cJSON *arr = member(multi, it->string), *last;
    assert_true(cJSON_IsArray(arr));
    assert_true(cJSON_GetArraySize(arr) >= 1);
    last = cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1);
    assert_true(cJSON_IsString(last));
    assert_string_equal(last->valuestring, it->valuestring);
  }
}

static void assert_string_array(const cJSON *arr, const char *a, const char *b) {
  assert_true(cJSON_IsArray(arr));
  assert_int_equal(cJSON_GetArraySize(arr), b ? 2 : 1);
  assert_string_equal(cJSON_GetArrayItem(arr, 0)->valuestring, a);
  if (b)
    assert_string_equal(cJSON_GetArrayItem(arr, 1)->valuestring, b);
}

static const struct ws_event_header handshake[] = {
    {"Host", "127.0.0.1:8080"},
    {"Connection", "Upgrade"},
    {"Upgrade", "websocket"},
    {"Sec-WebSocket-Key", "+W5xw47OHh3OTFsWKjGu9Q=="},
    {"Sec-WebSocket-Version", "13"},
    {"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"},
    {"User-Agent", "test-agent/1.0"},
    {"x-custom-Header", "Mixed"},
};
#define NHANDSHAKE (sizeof(handshake) / sizeof(handshake[0]))

/* ---- CONNECT --------------------------------------------------------------- */

static void connect_event_has_the_documented_request_context(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  const cJSON *rc;

  (void)state;
  assert_non_null(ev);
  rc = member(ev, "requestContext");
  assert_common_context(rc, "$connect", "CONNECT");
  assert_absent(rc, "messageId");
  assert_absent(rc, "disconnectStatusCode");
  assert_absent(rc, "disconnectReason");
  assert_absent(rc, "authorizer");
  assert_absent(member(rc, "identity"), "userAgent");
  assert_true(cJSON_IsFalse(member(ev, "isBase64Encoded")));
  assert_absent(ev, "body");
  cJSON_Delete(ev);
}

static void connect_event_identity_has_user_agent_only_when_given(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev;

  (void)state;
  c.user_agent = "Mozilla/5.0 (X11)";
  ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  assert_string_equal(string_member(member(member(ev, "requestContext"), "identity"), "userAgent"),
                      "Mozilla/5.0 (X11)");
  assert_int_equal(cJSON_GetArraySize(member(member(ev, "requestContext"), "identity")), 2);
  cJSON_Delete(ev);
}

static void connect_event_drops_connection_and_upgrade_headers(void **state) {
  static const struct ws_event_header odd_case[] = {{"Host", "h"},
                                                    {"connection", "keep-alive, Upgrade"},
                                                    {"UPGRADE", "websocket"},
                                                    {"Connection-Extra", "kept"}};
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  const cJSON *h = member(ev, "headers"), *mh = member(ev, "multiValueHeaders");

  (void)state;
  assert_absent(h, "Connection");
  assert_absent(h, "Upgrade");
  assert_absent(mh, "Connection");
  assert_absent(mh, "Upgrade");
  cJSON_Delete(ev);

  ev = ws_event_connect(&c, odd_case, 4, NULL, 0, NOW_MS);
  h = member(ev, "headers");
  assert_absent(h, "connection");
  assert_absent(h, "UPGRADE");
  assert_string_equal(string_member(h, "Connection-Extra"), "kept");
  cJSON_Delete(ev);
}

static void connect_event_keeps_client_headers_with_their_case(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  const cJSON *h = member(ev, "headers");

  (void)state;
  assert_string_equal(string_member(h, "Host"), "127.0.0.1:8080");
  assert_string_equal(string_member(h, "Sec-WebSocket-Key"), "+W5xw47OHh3OTFsWKjGu9Q==");
  assert_string_equal(string_member(h, "Sec-WebSocket-Version"), "13");
  assert_string_equal(string_member(h, "Sec-WebSocket-Extensions"),
                      "permessage-deflate; client_max_window_bits");
  assert_string_equal(string_member(h, "User-Agent"), "test-agent/1.0");
  assert_string_equal(string_member(h, "x-custom-Header"), "Mixed");
  assert_absent(h, "x-custom-header");
  /* 6 client headers kept + 4 added by API Gateway. */
  assert_int_equal(cJSON_GetArraySize(h), 10);
  cJSON_Delete(ev);
}

static void connect_event_adds_forwarding_and_trace_headers(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  const cJSON *h = member(ev, "headers");
  const char *trace = string_member(h, "X-Amzn-Trace-Id");
  char secs[16];

  (void)state;
  assert_string_equal(string_member(h, "X-Forwarded-For"), "203.0.113.7");
  assert_string_equal(string_member(h, "X-Forwarded-Port"), "8080");
  assert_string_equal(string_member(h, "X-Forwarded-Proto"), "http");
  /* "Root=1-6731ebfc-08e1e656421db73c5d2eef31": epoch seconds in hex, then
   * 24 hex digits. */
  assert_int_equal(strlen(trace), strlen("Root=1-6731ebfc-08e1e656421db73c5d2eef31"));
  assert_memory_equal(trace, "Root=1-", 7);
  snprintf(secs, sizeof(secs), "%08llx", (unsigned long long)(NOW_MS / 1000));
  assert_memory_equal(trace + 7, secs, 8);
  assert_int_equal(trace[15], '-');
  assert_true(is_hex(trace + 16, 24));
  cJSON_Delete(ev);
}

static void connect_event_forwarded_headers_follow_tls_and_port(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev;

  (void)state;
  ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 1, NOW_MS);
  assert_string_equal(string_member(member(ev, "headers"), "X-Forwarded-Proto"), "https");
  assert_string_equal(string_member(member(ev, "headers"), "X-Forwarded-Port"), "8080");
  cJSON_Delete(ev);

  c.domain_name = "abc123defg.execute-api.us-east-1.amazonaws.com";
  ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 1, NOW_MS);
  assert_string_equal(string_member(member(ev, "headers"), "X-Forwarded-Port"), "443");
  cJSON_Delete(ev);
  ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  assert_string_equal(string_member(member(ev, "headers"), "X-Forwarded-Port"), "80");
  cJSON_Delete(ev);
}

static void connect_event_multi_value_headers_mirror_headers(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  const cJSON *mh = member(ev, "multiValueHeaders");

  (void)state;
  assert_multi_mirrors_single(member(ev, "headers"), mh);
  assert_string_array(member(mh, "Host"), "127.0.0.1:8080", NULL);
  assert_string_array(member(mh, "X-Forwarded-Proto"), "http", NULL);
  cJSON_Delete(ev);
}

static void connect_event_repeated_header_becomes_an_array_of_both(void **state) {
  static const struct ws_event_header hdrs[] = {
      {"Host", "h"}, {"Cookie", "a=1"}, {"Accept", "x"}, {"Cookie", "b=2"}};
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, hdrs, 4, NULL, 0, NOW_MS);
  const cJSON *h = member(ev, "headers"), *mh = member(ev, "multiValueHeaders");

  (void)state;
  assert_string_array(member(mh, "Cookie"), "a=1", "b=2");
  assert_string_equal(string_member(h, "Cookie"), "b=2");
  assert_multi_mirrors_single(h, mh);
  cJSON_Delete(ev);
}

static void connect_event_has_no_query_keys_without_a_query(void **state) {
  static const char *const queries[] = {NULL, ""};
  struct ws_event_conn c = test_conn();
  size_t i;

  (void)state;
  for (i = 0; i < 2; i++) {
    cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE, queries[i], 0, NOW_MS);
    /* Absent, not null (spec 2.1). */
    assert_absent(ev, "queryStringParameters");
    assert_absent(ev, "multiValueQueryStringParameters");
    cJSON_Delete(ev);
  }
}

static void connect_event_decodes_query_parameters(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_connect(&c, handshake, NHANDSHAKE,
                               "token=abc&name=John%20Doe&city=New+York&a=1&a=2", 0, NOW_MS);
  const cJSON *q = member(ev, "queryStringParameters");
  const cJSON *mq = member(ev, "multiValueQueryStringParameters");

  (void)state;
  assert_string_equal(string_member(q, "token"), "abc");
  assert_string_equal(string_member(q, "name"), "John Doe");
  assert_string_equal(string_member(q, "city"), "New York");
  assert_string_equal(string_member(q, "a"), "2");
  assert_string_array(member(mq, "a"), "1", "2");
  assert_string_array(member(mq, "name"), "John Doe", NULL);
  assert_multi_mirrors_single(q, mq);
  cJSON_Delete(ev);
}

static void parse_query_decodes_every_component_form(void **state) {
  static const struct {
    const char *query;
    const char *key;
    const char *value;
    const char *reason;
  } cases[] = {
      {"a=b", "a", "b", "plain pair"},
      {"q=%20", "q", " ", "%20 alone"},
      {"q=x%20y%20", "q", "x y ", "%20 inside and at the end"},
      {"q=a+b", "q", "a b", "'+' is a space"},
      {"q=%2B", "q", "+", "an encoded plus stays a plus"},
      {"q=%3d%3D", "q", "==", "hex digits of either case"},
      {"q=%C3%A9", "q", "\xc3\xa9", "UTF-8 bytes"},
      {"q=%zz", "q", "%zz", "a '%' without hex digits stays"},
      {"q=50%", "q", "50%", "a '%' at the end stays"},
      {"q=%2", "q", "%2", "a truncated escape stays"},
      {"flag", "flag", "", "a key without '=' has an empty value"},
      {"empty=", "empty", "", "an empty value"},
      {"q=a=b", "q", "a=b", "only the first '=' splits"},
      {"my%20key=v", "my key", "v", "keys are decoded too"},
      {"&&q=v&&", "q", "v", "empty components are skipped"},
      {"x=1&q=last", "q", "last", "a second pair"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *single = NULL, *multi = NULL;
    const cJSON *v;

    if (ws_event_parse_query(cases[i].query, &single, &multi) != 0) {
      print_error("\"%s\": parse failed (%s)\n", cases[i].query, cases[i].reason);
      failures++;
      continue;
    }
    v = cJSON_GetObjectItemCaseSensitive(single, cases[i].key);
    if (!cJSON_IsString(v) || strcmp(v->valuestring, cases[i].value) != 0) {
      print_error("\"%s\": %s should be \"%s\", got \"%s\" (%s)\n", cases[i].query, cases[i].key,
                  cases[i].value, cJSON_IsString(v) ? v->valuestring : "(none)", cases[i].reason);
      failures++;
    }
    cJSON_Delete(single);
    cJSON_Delete(multi);
  }
  assert_int_equal(failures, 0);
}

static void parse_query_rejects_a_missing_or_empty_query(void **state) {
  cJSON *single = NULL, *multi = NULL;

  (void)state;
  assert_int_equal(ws_event_parse_query(NULL, &single, &multi), -1);
  assert_int_equal(ws_event_parse_query("", &single, &multi), -1);
  assert_null(single);
  assert_null(multi);
}

/* ---- MESSAGE --------------------------------------------------------------- */

static void message_event_has_the_documented_request_context(void **state) {
  static const char body[] = "{\"action\":\"chat\",\"message\":\"Hello from client\"}";
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_message(&c, "chat", body, strlen(body), NOW_MS);
  const cJSON *rc = member(ev, "requestContext");

  (void)state;
  assert_common_context(rc, "chat", "MESSAGE");
  assert_aws_id(string_member(rc, "messageId"));
  assert_string_not_equal(string_member(rc, "messageId"), string_member(rc, "requestId"));
  assert_absent(rc, "disconnectStatusCode");
  assert_absent(rc, "disconnectReason");
  assert_absent(member(rc, "identity"), "userAgent");
  /* SPEC 2.2: no headers or query parameters on MESSAGE. */
  assert_absent(ev, "headers");
  assert_absent(ev, "multiValueHeaders");
  assert_absent(ev, "queryStringParameters");
  assert_absent(ev, "multiValueQueryStringParameters");
  assert_true(cJSON_IsFalse(member(ev, "isBase64Encoded")));
  cJSON_Delete(ev);
}

static void message_event_keeps_the_body_verbatim(void **state) {
  static const struct {
    const char *body;
    const char *reason;
  } cases[] = {
      {"{\"a\" : 1}", "spaces inside JSON are kept (not re-serialized)"},
      {"{\n  \"action\": \"x\",\n  \"n\": 1.50\n}", "newlines and number spelling are kept"},
      {"{\"b\":2,\"a\":1}", "member order is kept"},
      {"not json at all", "plain text"},
      {"", "empty message"},
      {"caf\xc3\xa9 \"quoted\" \\ back", "UTF-8, quotes and backslashes"},
  };
  struct ws_event_conn c = test_conn();
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *ev = ws_event_message(&c, "$default", cases[i].body, strlen(cases[i].body), NOW_MS);
    char *text = cJSON_PrintUnformatted(ev);
    cJSON *back = cJSON_Parse(text);

    if (strcmp(string_member(ev, "body"), cases[i].body) != 0) {
      print_error("body changed: %s\n", cases[i].reason);
      fail();
    }
    /* The serialized event round-trips to the same body string. */
    assert_non_null(back);
    assert_string_equal(string_member(back, "body"), cases[i].body);
    cJSON_Delete(back);
    free(text);
    cJSON_Delete(ev);
  }
}

static void message_event_reads_only_len_bytes_of_the_body(void **state) {
  static const char frame[] = {'{', '"', 'a', '"', ':', '1', '}', 'X', 'Y'};
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_message(&c, "$default", frame, 7, NOW_MS);

  (void)state;
  assert_string_equal(string_member(ev, "body"), "{\"a\":1}");
  cJSON_Delete(ev);
}

static void message_events_share_connected_at_but_not_ids(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *a = ws_event_message(&c, "x", "1", 1, NOW_MS);
  cJSON *b = ws_event_message(&c, "x", "2", 1, NOW_MS + 5000);
  const cJSON *ra = member(a, "requestContext"), *rb = member(b, "requestContext");

  (void)state;
  assert_true(number_member(ra, "connectedAt") == CONNECTED_AT_MS);
  assert_true(number_member(rb, "connectedAt") == CONNECTED_AT_MS);
  assert_true(number_member(rb, "requestTimeEpoch") == NOW_MS + 5000);
  assert_string_equal(string_member(rb, "requestTime"), "11/Nov/2024:11:35:29 +0000");
  assert_string_not_equal(string_member(ra, "requestId"), string_member(rb, "requestId"));
  assert_string_not_equal(string_member(ra, "messageId"), string_member(rb, "messageId"));
  cJSON_Delete(a);
  cJSON_Delete(b);
}

static void request_time_is_clf_in_utc_with_english_months(void **state) {
  static const struct {
    int64_t ms;
    const char *clf;
    const char *reason;
  } cases[] = {
      {INT64_C(1731332746514), "11/Nov/2024:13:45:46 +0000", "the MESSAGE capture of spec 2.2"},
      {INT64_C(1736038800999), "05/Jan/2025:01:00:00 +0000", "zero-padded day, ms truncated"},
      {INT64_C(1709164799000), "28/Feb/2024:23:59:59 +0000", "end of a day"},
      {INT64_C(1709251199000), "29/Feb/2024:23:59:59 +0000", "leap day"},
      {INT64_C(1735689599999), "31/Dec/2024:23:59:59 +0000", "last second of the year"},
      {INT64_C(0), "01/Jan/1970:00:00:00 +0000", "the epoch"},
  };
  struct ws_event_conn c = test_conn();
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cJSON *ev = ws_event_message(&c, "x", "", 0, cases[i].ms);
    const char *got = string_member(member(ev, "requestContext"), "requestTime");

    if (strcmp(got, cases[i].clf) != 0) {
      print_error("%lld: expected %s, got %s (%s)\n", (long long)cases[i].ms, cases[i].clf, got,
                  cases[i].reason);
      fail();
    }
    cJSON_Delete(ev);
  }
}

/* ---- DISCONNECT ------------------------------------------------------------ */

static void disconnect_event_has_the_fixed_header_set(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev = ws_event_disconnect(&c, 1005, "Client-side close frame status not set", NOW_MS);
  const cJSON *h = member(ev, "headers"), *mh = member(ev, "multiValueHeaders");

  (void)state;
  assert_int_equal(cJSON_GetArraySize(h), 4);
  assert_string_equal(string_member(h, "Host"), "127.0.0.1:8080");
  assert_string_equal(string_member(h, "x-api-key"), "");
  assert_string_equal(string_member(h, "X-Forwarded-For"), "");
  assert_string_equal(string_member(h, "x-restapi"), "");
  assert_multi_mirrors_single(h, mh);
  assert_string_array(member(mh, "x-api-key"), "", NULL);
  assert_absent(ev, "queryStringParameters");
  assert_absent(ev, "body");
  assert_true(cJSON_IsFalse(member(ev, "isBase64Encoded")));
  cJSON_Delete(ev);
}

static void disconnect_event_carries_status_code_and_reason(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *ev;
  const cJSON *rc;

  (void)state;
  c.user_agent = "wscat";
  ev = ws_event_disconnect(&c, 1005, "Client-side close frame status not set", NOW_MS);
  rc = member(ev, "requestContext");
  assert_common_context(rc, "$disconnect", "DISCONNECT");
  assert_int_equal(number_member(rc, "disconnectStatusCode"), 1005);
  assert_string_equal(string_member(rc, "disconnectReason"),
                      "Client-side close frame status not set");
  assert_absent(rc, "messageId");
  /* SPEC 2.3: identity keeps the original sourceIp/userAgent. */
  assert_string_equal(string_member(member(rc, "identity"), "userAgent"), "wscat");
  cJSON_Delete(ev);

  ev = ws_event_disconnect(&c, 1001, NULL, NOW_MS);
  rc = member(ev, "requestContext");
  assert_int_equal(number_member(rc, "disconnectStatusCode"), 1001);
  assert_string_equal(string_member(rc, "disconnectReason"), "");
  cJSON_Delete(ev);
}

/* ---- Authorizer ------------------------------------------------------------ */

static void authorizer_context_is_copied_into_every_event(void **state) {
  struct ws_event_conn c = test_conn();
  cJSON *auth = cJSON_Parse("{\"principalId\":\"user-1\",\"role\":\"admin\"}");
  cJSON *evs[3];
  size_t i;

  (void)state;
  c.authorizer = auth;
  evs[0] = ws_event_connect(&c, handshake, NHANDSHAKE, NULL, 0, NOW_MS);
  evs[1] = ws_event_message(&c, "x", "m", 1, NOW_MS);
  evs[2] = ws_event_disconnect(&c, 1000, "bye", NOW_MS);
  /* The events own copies: the original may go away first. */
  cJSON_Delete(auth);
  for (i = 0; i < 3; i++) {
    const cJSON *a = member(member(evs[i], "requestContext"), "authorizer");
    assert_string_equal(string_member(a, "principalId"), "user-1");
    assert_string_equal(string_member(a, "role"), "admin");
    cJSON_Delete(evs[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(connect_event_has_the_documented_request_context),
      cmocka_unit_test(connect_event_identity_has_user_agent_only_when_given),
      cmocka_unit_test(connect_event_drops_connection_and_upgrade_headers),
      cmocka_unit_test(connect_event_keeps_client_headers_with_their_case),
      cmocka_unit_test(connect_event_adds_forwarding_and_trace_headers),
      cmocka_unit_test(connect_event_forwarded_headers_follow_tls_and_port),
      cmocka_unit_test(connect_event_multi_value_headers_mirror_headers),
      cmocka_unit_test(connect_event_repeated_header_becomes_an_array_of_both),
      cmocka_unit_test(connect_event_has_no_query_keys_without_a_query),
      cmocka_unit_test(connect_event_decodes_query_parameters),
      cmocka_unit_test(parse_query_decodes_every_component_form),
      cmocka_unit_test(parse_query_rejects_a_missing_or_empty_query),
      cmocka_unit_test(message_event_has_the_documented_request_context),
      cmocka_unit_test(message_event_keeps_the_body_verbatim),
      cmocka_unit_test(message_event_reads_only_len_bytes_of_the_body),
      cmocka_unit_test(message_events_share_connected_at_but_not_ids),
      cmocka_unit_test(request_time_is_clf_in_utc_with_english_months),
      cmocka_unit_test(disconnect_event_has_the_fixed_header_set),
      cmocka_unit_test(disconnect_event_carries_status_code_and_reason),
      cmocka_unit_test(authorizer_context_is_copied_into_every_event),
  };

  return cmocka_run_group_tests_name("ws_event", tests, NULL, NULL);
}
