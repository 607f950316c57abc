/*
 * test_dynamo_batch.c - BatchGetItem and BatchWriteItem through
 * dynamo_api_call: limits (25 writes, 100 keys), duplicates, missing
 * tables, mixed puts and deletes across tables applied all-or-nothing, the
 * table accounting, projection, ConsumedCapacity, and UnprocessedKeys past
 * 16 MB. A fresh LMDB directory per test.
 *
 * Cases are rows (as in test_dynamo_api.c): operation, request, expected
 * status, __type (NULL on success), a substring of the body, and the
 * reason the row exists. Rows run in order within one table of rows.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_api.h"

#include "dynamo_rows.h"

static const char create_users[] =
    "{\"TableName\":\"Users\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
static const char create_events[] =
    "{\"TableName\":\"Events\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";

#define PUT_U(id) "{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"" id "\"},\"n\":{\"N\":\"1\"}}}}"
#define DEL_U(id) "{\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"" id "\"}}}}"
#define PUT_E(sk) "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"" sk "\"}}}}"
#define DEL_E(sk) "{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"" sk "\"}}}}"

static void batch_write_mixes_puts_and_deletes_across_tables(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"CreateTable", create_events, 200, NULL, NULL, "set-up"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U("a") "," PUT_U("b") "," PUT_U(
           "c") "],\"Events\":[" PUT_E("1") "," PUT_E("2.0") "]}}",
       200, NULL, "{\"UnprocessedItems\":{}}", "puts in two tables"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":3",
       "accounting: three users"},
      {"DescribeTable", "{\"TableName\":\"Events\"}", 200, NULL, "\"ItemCount\":2",
       "accounting: two events"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" DEL_U("a") "," DEL_U("zz") "," PUT_U(
           "d") "],\"Events\":[" DEL_E("2") "]},"
                                            "\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL,
       "\"ConsumedCapacity\":[{\"TableName\":\"Users\",\"CapacityUnits\":3},{\"TableName\":\"Events\",\"CapacityUnits\":1}]",
       "mixed put/delete; a missing item deletes fine; capacity per table"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":3", "b, c, d"},
      {"DescribeTable", "{\"TableName\":\"Events\"}", 200, NULL, "\"ItemCount\":1",
       "2 deleted (spelled 2.0 on put)"},
      {"Scan",
       "{\"TableName\":\"Users\",\"Select\":\"COUNT\",\"FilterExpression\":\"id = :a\","
       "\"ExpressionAttributeValues\":{\":a\":{\"S\":\"a\"}}}",
       200, NULL, "\"Count\":0", "a is gone"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"b\"},\"big\":{\"S\":\"xxxxxxxxxx\"}}}}]}}",
       200, NULL, NULL, "replacing an item"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"b\"}}}", 200, NULL,
       "{\"Item\":{\"id\":{\"S\":\"b\"},\"big\":{\"S\":\"xxxxxxxxxx\"}}}",
       "the put replaced the whole item"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":3",
       "a replace keeps the count"},
      /* All-or-nothing: one bad request and nothing is written. */
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U("x1") "],\"Nope\":[" PUT_U("x2") "]}}", 400,
       DYNAMO_ROWS_NOT_FOUND, "\"message\":\"Requested resource not found\"", "a missing table"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U(
           "x1") ",{\"PutRequest\":{\"Item\":{\"name\":{\"S\":\"x\"}}}}]}}",
       400, DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Missing the key id in the item",
       "a put validated like PutItem"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U(
           "x1") ",{\"DeleteRequest\":{\"Key\":{\"id\":{\"N\":\"1\"}}}}]}}",
       400, DYNAMO_ROWS_VALIDATION, "The provided key element does not match the schema",
       "a delete validated like DeleteItem"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U(
           "x1") ",{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"\"}}}}]}}",
       400, DYNAMO_ROWS_VALIDATION,
       "The AttributeValue for a key attribute cannot contain an empty string value. Key: id",
       "empty key"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U(
           "x1") ",{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"x3\"},\"s\":{\"SS\":[]}}}}]}}",
       400, DYNAMO_ROWS_VALIDATION, "An string set  may not be empty", "item values validated"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":3",
       "nothing of the failed batches"},
      {"GetItem", "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"x1\"}}}", 200, NULL, "{}",
       "x1 never written"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* A BatchWriteItem with n1 puts into table t1 and, when n2 > 0, n2 puts
 * into t2 (ids u0..; the count is checked before any key); caller frees. */
static char *puts_request(const char *t1, int n1, const char *t2, int n2) {
  size_t cap = (size_t)(n1 + n2) * 96 + 256, used = 0;
  char *r = malloc(cap);
  int i, part;

  used += (size_t)snprintf(r + used, cap - used, "{\"RequestItems\":{");
  for (part = 0; part < 2; part++) {
    int n = part ? n2 : n1;
    if (part && n2 == 0)
      break;
    used += (size_t)snprintf(r + used, cap - used, "%s\"%s\":[", part ? "," : "", part ? t2 : t1);
    for (i = 0; i < n; i++)
      used += (size_t)snprintf(r + used, cap - used,
                               "%s{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"u%d\"}}}}",
                               i ? "," : "", i);
    used += (size_t)snprintf(r + used, cap - used, "]");
  }
  snprintf(r + used, cap - used, "}}");
  return r;
}

static void batch_write_limits_and_duplicates_follow_aws(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"CreateTable", create_events, 200, NULL, NULL, "set-up"},
      {"BatchWriteItem", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
       "no RequestItems"},
      {"BatchWriteItem", "{\"RequestItems\":{}}", 400, DYNAMO_ROWS_VALIDATION,
       "The requestItems parameter is required for BatchWriteItem",
       "empty RequestItems (SPEC 2.4)"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":[]}}", 400, DYNAMO_ROWS_VALIDATION,
       "1 validation error detected: Value '{Users=[]}' at 'requestItems' failed to satisfy constraint: Map value "
       "must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater "
       "than or equal to 1]",
       "an empty list for a table"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":[" PUT_U("a") "]}}", 200, NULL, NULL,
       "one is fine"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":[{}]}}", 400, DYNAMO_ROWS_VALIDATION,
       "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
       "a request with neither put nor delete (DYN-val)"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[{\"PutRequest\":{\"Item\":{\"id\":{\"S\":\"a\"}}},"
       "\"DeleteRequest\":{\"Key\":{\"id\":{\"S\":\"a\"}}}}]}}",
       400, DYNAMO_ROWS_VALIDATION, "Supplied AttributeValue has more than one datatypes set",
       "a request with both"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":[{\"PutRequest\":{}}]}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Value null at 'requestItems.Users.member.putRequest.item' failed to satisfy constraint: Member must not be null",
       "a put without an item"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":{}}}", 400, DYNAMO_ROWS_SERIALIZATION,
       "Start of structure or map found where not expected.", "a map where a list belongs"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":[" PUT_U("d") "," PUT_U("d") "]}}", 400,
       DYNAMO_ROWS_VALIDATION, "Provided list of item keys contains duplicates",
       "two puts of one key"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Users\":[" PUT_U("d") "," DEL_U("d") "]}}", 400,
       DYNAMO_ROWS_VALIDATION, "Provided list of item keys contains duplicates",
       "a put and a delete of one key"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Events\":[" PUT_E("1") "," DEL_E("1.00") "]}}", 400,
       DYNAMO_ROWS_VALIDATION, "Provided list of item keys contains duplicates",
       "one number key in two spellings"},
      {"BatchWriteItem", "{\"RequestItems\":{\"Events\":[" PUT_E("1") "," PUT_E("-1") "]}}", 200,
       NULL, NULL, "different sort keys are not duplicates"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U(
           "e") "],\"Events\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"e\"},"
                "\"sk\":{\"N\":\"7\"}}}}]}}",
       200, NULL, NULL, "the same key value in two tables is not a duplicate"},
  };
  static const char describe[] = "{\"TableName\":\"Users\"}";
  char *req;
  struct emu_buf out;

  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  emu_buf_init(&out, 1 << 24);
  /* 25 in one table is fine; 26 breaks the per-table constraint. */
  req = puts_request("Users", 25, NULL, 0);
  assert_int_equal(dynamo_api_call(f->db, "BatchWriteItem", req, strlen(req), &out), 200);
  free(req);
  req = puts_request("Users", 26, NULL, 0);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "BatchWriteItem", req, strlen(req), &out), 400);
  free(req);
  assert_non_null(strstr(
      out.data, "1 validation error detected: Value '{Users=[WriteRequest(putRequest=PutRequest("
                "item={id=com.amazonaws.dynamodb.v20120810.AttributeValue@"));
  assert_non_null(
      strstr(out.data, "at 'requestItems' failed to satisfy constraint: Map value must satisfy "
                       "constraint: [Member must have length less than or equal to 25, Member must "
                       "have length greater than or equal to 1]"));
  /* 13 + 13 across two tables: each list is fine, the batch is not. */
  req = puts_request("Users", 13, "Events", 13);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "BatchWriteItem", req, strlen(req), &out), 400);
  assert_non_null(
      strstr(out.data, "\"message\":\"Too many items requested for the BatchWriteItem call\""));
  free(req);
  emu_buf_reset(&out);
  /* The length excludes the NUL: a byte after the JSON is a SerializationException. */
  assert_int_equal(dynamo_api_call(f->db, "DescribeTable", describe, strlen(describe), &out), 200);
  assert_non_null(strstr(out.data, "\"ItemCount\":27")); /* a, e and u0..u24 */
  emu_buf_free(&out);
}

static void batch_get_reads_keys_across_tables(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_users, 200, NULL, NULL, "set-up"},
      {"CreateTable", create_events, 200, NULL, NULL, "set-up"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Users\":[" PUT_U("a") "," PUT_U("b") "],\"Events\":[" PUT_E(
           "1") "," PUT_E("2") "]}}",
       200, NULL, NULL, "set-up"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}},{\"id\":{\"S\":\"zz\"}},{\"id\":{\"S\":\"b\"}}]},"
       "\"Events\":{\"Keys\":[{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"2.0\"}}],\"ProjectionExpression\":\"sk\"}}}",
       200, NULL,
       "{\"Responses\":{\"Users\":[{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}},{\"id\":{\"S\":\"b\"},\"n\":{\"N\":\"1\"}}],"
       "\"Events\":[{\"sk\":{\"N\":\"2\"}}]},\"UnprocessedKeys\":{}}",
       "found items per table, missing keys absent, projection per table"},
      {"BatchGetItem", "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"nobody\"}}]}}}",
       200, NULL, "{\"Responses\":{\"Users\":[]},\"UnprocessedKeys\":{}}",
       "a table with nothing found still answers"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}],\"ProjectionExpression\":\"#n\","
       "\"ExpressionAttributeNames\":{\"#n\":\"n\"},\"ConsistentRead\":true}},\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL,
       "{\"Responses\":{\"Users\":[{\"n\":{\"N\":\"1\"}}]},\"UnprocessedKeys\":{},\"ConsumedCapacity\":[{\"TableName\":"
       "\"Users\",\"CapacityUnits\":1}]}",
       "names, a consistent read, capacity"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}],\"AttributesToGet\":[\"id\"]}}}",
       200, NULL, "{\"Users\":[{\"id\":{\"S\":\"a\"}}]}", "legacy AttributesToGet"},
      {"BatchGetItem", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
       "no RequestItems"},
      {"BatchGetItem", "{\"RequestItems\":{}}", 400, DYNAMO_ROWS_VALIDATION,
       "The requestItems parameter is required for BatchGetItem", "empty RequestItems"},
      {"BatchGetItem", "{\"RequestItems\":{\"Users\":{}}}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'requestItems.Users.member.keys' failed to satisfy constraint: Member must not be null",
       "no Keys"},
      {"BatchGetItem", "{\"RequestItems\":{\"Users\":{\"Keys\":[]}}}", 400, DYNAMO_ROWS_VALIDATION,
       "1 validation error detected: Value '[]' at 'requestItems.Users.member.keys' failed to satisfy constraint: "
       "Member must have length greater than or equal to 1",
       "empty Keys"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}},{\"id\":{\"S\":\"a\"}}]}}}",
       400, DYNAMO_ROWS_VALIDATION, "Provided list of item keys contains duplicates",
       "duplicate keys"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Events\":{\"Keys\":[{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"1\"}},"
       "{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"10e-1\"}}]}}}",
       400, DYNAMO_ROWS_VALIDATION, "Provided list of item keys contains duplicates",
       "duplicates in two number spellings"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}]},\"Nope\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}]}}}",
       400, DYNAMO_ROWS_NOT_FOUND, "\"message\":\"Requested resource not found\"",
       "a missing table"},
      {"BatchGetItem", "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"N\":\"1\"}}]}}}", 400,
       DYNAMO_ROWS_VALIDATION, "The provided key element does not match the schema",
       "a key of the wrong type"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}]}}}",
       400, DYNAMO_ROWS_VALIDATION, "The provided key element does not match the schema",
       "a key with an extra attribute"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}],\"ProjectionExpression\":\"#x\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "An expression attribute name used in the document path is not defined; attribute name: #x",
       "projection errors per table"},
      {"BatchGetItem",
       "{\"RequestItems\":{\"Users\":{\"Keys\":[{\"id\":{\"S\":\"a\"}}],\"ConsistentRead\":\"yes\"}}}",
       400, DYNAMO_ROWS_SERIALIZATION, NULL, "ConsistentRead type"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* A BatchGetItem over n keys: tables Users (ids k0..) and, when split,
 * Events; caller frees. */
static char *keys_request(int n_users, int n_events) {
  size_t cap = (size_t)(n_users + n_events) * 64 + 256, used = 0;
  char *r = malloc(cap);
  int i;

  used += (size_t)snprintf(r + used, cap - used, "{\"RequestItems\":{\"Users\":{\"Keys\":[");
  for (i = 0; i < n_users; i++)
    used += (size_t)snprintf(r + used, cap - used, "%s{\"id\":{\"S\":\"k%d\"}}", i ? "," : "", i);
  used += (size_t)snprintf(r + used, cap - used, "]}");
  if (n_events) {
    used += (size_t)snprintf(r + used, cap - used, ",\"Events\":{\"Keys\":[");
    for (i = 0; i < n_events; i++)
      used += (size_t)snprintf(r + used, cap - used,
                               "%s{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"%d\"}}", i ? "," : "", i);
    used += (size_t)snprintf(r + used, cap - used, "]}");
  }
  snprintf(r + used, cap - used, "}}");
  return r;
}

static void batch_get_key_limits_follow_aws(void **state) {
  struct dynamo_fixture *f = *state;
  struct emu_buf out;
  char *req;

  emu_buf_init(&out, 1 << 24);
  assert_int_equal(dynamo_api_call(f->db, "CreateTable", create_users, strlen(create_users), &out),
                   200);
  emu_buf_reset(&out);
  assert_int_equal(
      dynamo_api_call(f->db, "CreateTable", create_events, strlen(create_events), &out), 200);
  /* 100 keys across two tables are fine. */
  req = keys_request(60, 40);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "BatchGetItem", req, strlen(req), &out), 200);
  free(req);
  /* 101 across two tables: the total. */
  req = keys_request(60, 41);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "BatchGetItem", req, strlen(req), &out), 400);
  assert_non_null(
      strstr(out.data, "\"message\":\"Too many items requested for the BatchGetItem call\""));
  free(req);
  /* 101 in one table: the member constraint. SPEC docs/spec/dynamodb.md
   * 2.25 (CONF batchGetItem.test.ts, live 2026): "1 validation error
   * detected: Value at 'RequestItems.<table>.member.Keys' failed to satisfy
   * constraint: Member must have length less than or equal to 100". */
  req = keys_request(101, 0);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "BatchGetItem", req, strlen(req), &out), 400);
  assert_non_null(strstr(out.data, "\"1 validation error detected: Value at "
                                   "'RequestItems.Users.member.Keys' failed to satisfy constraint: "
                                   "Member must have length less than or equal to 100\""));
  free(req);
  emu_buf_free(&out);
}

/* SPEC docs/spec/dynamodb.md 2.6: at most 16 MB of results; the rest comes back as
 * UnprocessedKeys. 45 items of ~400 KB: 41 fit (41 * 409,6xx bytes <
 * 16 MiB), 4 do not. */
static void batch_get_returns_unprocessed_keys_past_16_megabytes(void **state) {
  struct dynamo_fixture *f = *state;
  size_t len = 409000;
  char *fill = malloc(len + 1), *req = malloc(len + 256), *again;
  cJSON *resp, *left, *keys;
  int i;

  memset(fill, 'x', len);
  fill[len] = '\0';
  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_users));
  for (i = 0; i < 45; i++) {
    snprintf(req, len + 256,
             "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"k%d\"},\"d\":{\"S\":\"%s\"}}}", i,
             fill);
    cJSON_Delete(dynamo_rows_call_ok(f->db, "PutItem", req));
  }
  free(req);
  req = keys_request(45, 0);
  resp = dynamo_rows_call_ok(f->db, "BatchGetItem", req);
  free(req);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetObjectItemCaseSensitive(resp, "Responses"), "Users")),
                   41);
  left = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedKeys"),
                                          "Users");
  assert_non_null(left);
  keys = cJSON_GetObjectItemCaseSensitive(left, "Keys");
  assert_int_equal(cJSON_GetArraySize(keys), 4);
  /* The unread keys, in request order, ready to send again. */
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                          cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(keys, 0), "id"), "S")
                          ->valuestring,
                      "k41");
  {
    cJSON *retry = cJSON_CreateObject();
    cJSON_AddItemToObject(retry, "RequestItems",
                          cJSON_DetachItemFromObjectCaseSensitive(resp, "UnprocessedKeys"));
    cJSON_AddStringToObject(retry, "ReturnConsumedCapacity", "TOTAL");
    again = cJSON_PrintUnformatted(retry);
    cJSON_Delete(retry);
  }
  cJSON_Delete(resp);
  resp = dynamo_rows_call_ok(f->db, "BatchGetItem", again);
  cJSON_free(again);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetObjectItemCaseSensitive(resp, "Responses"), "Users")),
                   4);
  assert_null(cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedKeys")->child);
  /* 4 eventually consistent reads of 100 x 4 KB each: 4 * 100 * 0.5. */
  assert_int_equal(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "ConsumedCapacity"), 0),
          "CapacityUnits")
          ->valueint,
      200);
  cJSON_Delete(resp);
  free(fill);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(batch_write_mixes_puts_and_deletes_across_tables,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(batch_write_limits_and_duplicates_follow_aws,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(batch_get_reads_keys_across_tables, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(batch_get_key_limits_follow_aws, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(batch_get_returns_unprocessed_keys_past_16_megabytes,
                                      dynamo_rows_setup, dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_batch", tests, NULL, NULL);
}
