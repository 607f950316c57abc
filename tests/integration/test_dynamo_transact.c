/*
 * test_dynamo_transact.c - TransactWriteItems and TransactGetItems through
 * dynamo_api_call: mixed actions across tables, all-or-nothing on a failed
 * condition, CancellationReasons in action order (with "Item" for ALL_OLD),
 * which errors cancel and which are plain exceptions, the "multiple
 * operations on one item" error, the 1..100 action limits, the item and
 * 4 MB size limits, ClientRequestToken idempotency and mismatch, and
 * TransactGetItems order, projection and snapshot reads. A fresh LMDB
 * directory per test.
 *
 * Cases are rows (tests/integration/dynamo_rows.h): operation, request,
 * expected status, __type (NULL on success), a substring of the body, and
 * the reason the row exists. Rows run in order within one table of rows.
 */
#define _XOPEN_SOURCE 700
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_api.h"
#include "emu_buf.h"

#include "dynamo_rows.h"

#define CANCELED "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
#define MISMATCH "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"

static const char create_users[] =
    "{\"TableName\":\"Users\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
static const char create_users2[] =
    "{\"TableName\":\"Users2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
static const char create_events[] =
    "{\"TableName\":\"Events\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";

#define TW(items) "{\"TransactItems\":[" items "]}"
#define PUT_U(id, extra) \
  "{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"" id "\"}" extra "}}}"
#define GET_U(id) "{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"" id "\"}}}"
#define CHECK_U(id, cond)                                                     \
  "{\"ConditionCheck\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"" id \
  "\"}},\"ConditionExpression\":\"" cond "\"}}"
#define DEL_U(id) "{\"Delete\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"" id "\"}}}}"
#define INC_U(id)                                                     \
  "{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"" id \
  "\"}},\"UpdateExpression\":\"ADD n :one\","                         \
  "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}}"

static void set_up_tables(struct dynamo *db) {
  cJSON_Delete(dynamo_rows_call_ok(db, "CreateTable", create_users));
  cJSON_Delete(dynamo_rows_call_ok(db, "CreateTable", create_users2));
  cJSON_Delete(dynamo_rows_call_ok(db, "CreateTable", create_events));
}

static void write_applies_every_action_across_tables(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"PutItem", "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"b\"},\"n\":{\"N\":\"41\"}}}",
       200, NULL, NULL, "set-up"},
      {"PutItem",
       "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"c\"},\"gone\":{\"BOOL\":true}}}", 200,
       NULL, NULL, "set-up"},
      {"PutItem", "{\"TableName\":\"Events\",\"Item\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"1\"}}}",
       200, NULL, NULL, "set-up"},
      {"TransactWriteItems",
       "{\"TransactItems\":[" PUT_U(
           "a",
           ",\"x\":{\"S\":\"dog\"}") ","
                                     "{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"b\"}},\"UpdateExpression\":\"SET #n = #n + :one\","
                                     "\"ConditionExpression\":\"#n = :v\",\"ExpressionAttributeNames\":{\"#n\":\"n\"},"
                                     "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":v\":{\"N\":\"41.0\"}}}},"
                                     "{\"Delete\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"c\"}},\"ConditionExpression\":\"gone = :t\","
                                     "\"ExpressionAttributeValues\":{\":t\":{\"BOOL\":true}}}},"
                                     "{\"ConditionCheck\":{\"TableName\":\"Events\",\"Key\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"1.0\"}},"
                                     "\"ConditionExpression\":\"attribute_exists(pk)\"}},"
                                     "{\"Put\":{\"TableName\":\"Events\",\"Item\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"2\"}},"
                                     "\"ConditionExpression\":\"attribute_not_exists(pk)\"}}"
                                     "],\"ReturnConsumedCapacity\":\"TOTAL\",\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL,
       "{\"ConsumedCapacity\":[{\"TableName\":\"Users\",\"CapacityUnits\":6},{\"TableName\":\"Events\",\"CapacityUnits\":4}]}",
       "Put, Update, Delete, ConditionCheck on two tables; two write units per action and table"},
      {"GetItem", GET_U("a"), 200, NULL, "{\"Item\":{\"id\":{\"S\":\"a\"},\"x\":{\"S\":\"dog\"}}}",
       "the Put"},
      {"GetItem", GET_U("b"), 200, NULL, "{\"Item\":{\"id\":{\"S\":\"b\"},\"n\":{\"N\":\"42\"}}}",
       "the Update"},
      {"GetItem", GET_U("c"), 200, NULL, "{}", "the Delete"},
      {"GetItem", "{\"TableName\":\"Events\",\"Key\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"2\"}}}",
       200, NULL, "\"Item\"", "the Put on the second table"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":2",
       "accounting: a and b"},
      {"DescribeTable", "{\"TableName\":\"Events\"}", 200, NULL, "\"ItemCount\":2",
       "accounting: 1 and 2"},
      {"TransactWriteItems", TW(INC_U("new")), 200, NULL, "{}", "an Update creates a missing item"},
      {"GetItem", GET_U("new"), 200, NULL,
       "{\"Item\":{\"n\":{\"N\":\"1\"},\"id\":{\"S\":\"new\"}}}",
       "the key is added to the created item"},
      {"TransactWriteItems", TW(CHECK_U("zz", "attribute_not_exists(id)")), 200, NULL, "{}",
       "a true ConditionCheck alone writes nothing"},
      {"GetItem", GET_U("zz"), 200, NULL, "{}", "nothing written by the check"},
      {"TransactWriteItems", TW(DEL_U("nobody")), 200, NULL, "{}",
       "deleting a missing item is fine"},
  };
  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void a_failed_condition_cancels_everything(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"PutItem", "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"old\"},\"n\":{\"N\":\"7\"}}}",
       200, NULL, NULL, "set-up"},
      {"TransactWriteItems",
       TW(PUT_U("p1", "") "," PUT_U("p2", "") "," INC_U("old") "," CHECK_U("p3",
                                                                           "attribute_exists(id)")),
       400, CANCELED,
       "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, "
       "ConditionalCheckFailed]\",\"CancellationReasons\":[{\"Code\":\"None\"},{\"Code\":\"None\"},{\"Code\":\"None\"},"
       "{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\"}]",
       "SPEC 2.3: one reason per action in order, None for the others"},
      {"GetItem", GET_U("p1"), 200, NULL, "{}", "all-or-nothing: p1 not written"},
      {"GetItem", GET_U("p2"), 200, NULL, "{}", "all-or-nothing: p2 not written"},
      {"GetItem", GET_U("old"), 200, NULL,
       "{\"Item\":{\"id\":{\"S\":\"old\"},\"n\":{\"N\":\"7\"}}}",
       "all-or-nothing: the update not applied"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":1",
       "accounting unchanged"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"old\"}},\"ConditionExpression\":\"n = :v\","
          "\"ExpressionAttributeValues\":{\":v\":{\"N\":\"8\"}},\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}}," PUT_U(
              "p4",
              "") ","
                  "{\"Delete\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"p5\"}},\"ConditionExpression\":\"attribute_exists(id)\","
                  "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}}"),
       400, CANCELED,
       "[ConditionalCheckFailed, None, ConditionalCheckFailed]\",\"CancellationReasons\":[{\"Code\":"
       "\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\",\"Item\":{\"id\":{\"S\":\"old\"},"
       "\"n\":{\"N\":\"7\"}}},{\"Code\":\"None\"},{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional "
       "request failed\"}]",
       "every failed action is reported; Item on ALL_OLD when there is an old item"},
      {"TransactWriteItems",
       TW("{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"old\"}},\"UpdateExpression\":\"SET n = :v\","
          "\"ConditionExpression\":\"n = :v\",\"ExpressionAttributeValues\":{\":v\":{\"N\":\"8\"}},"
          "\"ReturnValuesOnConditionCheckFailure\":\"NONE\"}}"),
       400, CANCELED,
       "\"CancellationReasons\":[{\"Code\":\"ConditionalCheckFailed\",\"Message\":\"The conditional request failed\"}]",
       "NONE: no Item"},
      {"GetItem", GET_U("p4"), 200, NULL, "{}", "p4 not written"},
  };
  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void errors_are_cancellations_or_exceptions_as_in_dynamodb(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      /* ValidationError reasons (CONF transactWriteItems.test.ts; ALT
       * test_transact_write_cancellation_reasons_validationerror). */
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"N\":\"7\"}}}},"
          "{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"N\":\"8\"}}}},"
          "{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"v1\"}},\"ConditionExpression\":\"attribute_exists(id)\"}}"),
       400, CANCELED,
       "[ValidationError, None, None]\",\"CancellationReasons\":[{\"Code\":\"ValidationError\",\"Message\":\"One or "
       "more parameter values were invalid: Type mismatch for key id expected: S actual: N\"},{\"Code\":\"None\"},"
       "{\"Code\":\"None\"}]",
       "only the first validation error; conditions are not evaluated"},
      {"TransactWriteItems",
       TW("{\"Delete\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"N\":\"5\"}}}}"), 400, CANCELED,
       "{\"Code\":\"ValidationError\",\"Message\":\"The provided key element does not match the schema\"}",
       "a Key of the wrong type cancels with the schema mismatch"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"x\":{\"S\":\"5\"}}}}"), 400, CANCELED,
       "Missing the key id in the item", "a missing key attribute cancels"},
      {"TransactWriteItems",
       TW(INC_U(
           "v2") ",{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"v3\"}},"
                 "\"UpdateExpression\":\"SET s = s + :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}}"),
       400, CANCELED, "[None, ValidationError]", "an update that fails at run time cancels"},
      {"GetItem", GET_U("v2"), 200, NULL, "{}", "nothing written"},
      /* Plain exceptions. */
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"\"}}}}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
       "contain an empty string value. Key: id\"",
       "CONF: an empty key value is refused up front"},
      {"TransactWriteItems",
       TW("{\"ConditionCheck\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}}}}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint",
       "ALT: a ConditionCheck needs a ConditionExpression"},
      {"TransactWriteItems",
       TW(PUT_U("a", "") ",{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"b\"}}}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'transactItems.2.member.update.updateExpression'",
       "an Update needs an UpdateExpression"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(id)\","
          "\"ReturnValuesOnConditionCheckFailure\":\"dog\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "'returnValuesOnConditionCheckFailure' failed to satisfy constraint",
       "ALT: a bad ReturnValuesOnConditionCheckFailure is an exception"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(#xyz)\"}}"),
       400, DYNAMO_ROWS_VALIDATION, "#xyz", "ALT: a missing name is an exception"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(id)\","
          "\"ExpressionAttributeValues\":{\":xyz\":{\"N\":\"7\"}}}}"),
       400, DYNAMO_ROWS_VALIDATION, "unused in expressions: keys: {:xyz}",
       "ALT: an unused value is an exception"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"hello!\"}}"),
       400, DYNAMO_ROWS_VALIDATION, "Syntax error", "ALT: a syntax error is an exception"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(p)\","
          "\"ExpressionAttributeNames\":{\"#xyz\":7}}}"),
       400, DYNAMO_ROWS_SERIALIZATION, NULL, "ALT: a number as a name is a SerializationException"},
      {"TransactWriteItems",
       TW("{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}},\"UpdateExpression\":\"SET id = :v\","
          "\"ExpressionAttributeValues\":{\":v\":{\"S\":\"b\"}}}}"),
       400, DYNAMO_ROWS_VALIDATION, "Cannot update attribute id. This attribute is part of the key",
       "an update of a key attribute"},
      {"TransactWriteItems",
       TW(PUT_U("a", "") ",{\"Put\":{\"TableName\":\"Nope\",\"Item\":{\"id\":{\"S\":\"a\"}}}}"),
       400, DYNAMO_ROWS_NOT_FOUND, "\"message\":\"Requested resource not found\"",
       "CONF: a missing table is a ResourceNotFoundException"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}}},\"Delete\":{\"TableName\":\"Users\","
          "\"Key\":{\"id\":{\"S\":\"a\"}}}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "TransactItems can only contain one of Check, Put, Update or Delete",
       "two members in one action"},
      {"TransactWriteItems", TW("{}"), 400, DYNAMO_ROWS_VALIDATION,
       "TransactItems can only contain one of Check, Put, Update or Delete", "no member"},
      {"TransactWriteItems", TW("{\"Put\":{\"TableName\":\"Users\"}}"), 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'transactItems.1.member.put.item' failed to satisfy constraint: Member must not be null",
       "a Put without an Item"},
      {"TransactWriteItems", TW("{\"Put\":{\"Item\":{\"id\":{\"S\":\"a\"}}}}"), 400,
       DYNAMO_ROWS_VALIDATION, "The parameter 'TableName' is required", "a Put without a table"},
      {"TransactWriteItems", TW(PUT_U("a", ",\"s\":{\"SS\":[]}")), 400, DYNAMO_ROWS_VALIDATION,
       "An string set  may not be empty", "values validated up front"},
      {"TransactWriteItems", TW("7"), 400, DYNAMO_ROWS_SERIALIZATION, NULL,
       "an action that is not an object"},
      {"TransactWriteItems", "{\"TransactItems\":{}}", 400, DYNAMO_ROWS_SERIALIZATION, NULL,
       "not a list"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":0",
       "nothing of it was written"},
  };
  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void two_actions_on_one_item_are_refused(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"TransactWriteItems", TW(PUT_U("a", "") "," PUT_U("a", "")), 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"Transaction request cannot include multiple operations on one item\"",
       "two puts"},
      {"TransactWriteItems", TW(PUT_U("a", "") "," CHECK_U("a", "attribute_not_exists(id)")), 400,
       DYNAMO_ROWS_VALIDATION, "Transaction request cannot include multiple operations on one item",
       "ALT: a ConditionCheck counts too"},
      {"TransactWriteItems",
       TW(PUT_U("a", "") "," CHECK_U("b", "attribute_not_exists(id)") "," CHECK_U(
           "b", "attribute_not_exists(id)")),
       400, DYNAMO_ROWS_VALIDATION, "multiple operations on one item", "two checks of one item"},
      {"TransactWriteItems",
       TW("{\"Put\":{\"TableName\":\"Events\",\"Item\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"1\"}}}},"
          "{\"Delete\":{\"TableName\":\"Events\",\"Key\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"10e-1\"}}}}"),
       400, DYNAMO_ROWS_VALIDATION, "multiple operations on one item",
       "one key in two number spellings"},
      {"TransactWriteItems",
       TW(PUT_U("a", "") ",{\"Put\":{\"TableName\":\"Users2\",\"Item\":{\"id\":{\"S\":\"a\"}}}}"),
       200, NULL, "{}", "the same key in two tables is two items"},
      {"TransactGetItems",
       "{\"TransactItems\":[{\"Get\":" GET_U("a") "},{\"Get\":" GET_U("a") "}]}", 400,
       DYNAMO_ROWS_VALIDATION, "multiple operations on one item", "two gets of one item"},
      {"DescribeTable", "{\"TableName\":\"Users\"}", 200, NULL, "\"ItemCount\":1",
       "only the last transaction wrote"},
  };
  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* A TransactWriteItems (or, with get, a TransactGetItems) of n actions on
 * Users ids u0..; caller frees. */
static char *n_actions(int n, int get) {
  struct emu_buf b;
  int i;

  emu_buf_init(&b, 1 << 20);
  emu_buf_puts(&b, "{\"TransactItems\":[");
  for (i = 0; i < n; i++) {
    if (get)
      emu_buf_printf(&b, "%s{\"Get\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"u%d\"}}}}",
                     i ? "," : "", i);
    else
      emu_buf_printf(
          &b,
          "%s{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"u%d\"},\"i\":{\"N\":\"%d\"}}}}",
          i ? "," : "", i, i);
  }
  emu_buf_puts(&b, "]}");
  return emu_buf_take(&b);
}

static int call(struct dynamo *db, const char *op, const char *req, struct emu_buf *out) {
  emu_buf_reset(out);
  return dynamo_api_call(db, op, req, strlen(req), out);
}

static void action_counts_are_limited_to_one_hundred(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"TransactWriteItems", "{\"TransactItems\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member "
       "must have length greater than or equal to 1\"",
       "CONF: empty TransactItems"},
      {"TransactGetItems", "{\"TransactItems\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
       "CONF: empty TransactItems (get)"},
      {"TransactWriteItems", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
       "no TransactItems"},
      /* SPEC docs/spec/dynamodb.md 2.25: the enums of a transaction,
       * together. */
      {"TransactWriteItems",
       "{\"TransactItems\":[],\"ReturnConsumedCapacity\":\"x\",\"ReturnItemCollectionMetrics\":\"y\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"2 validation errors detected: Value 'x' at 'returnConsumedCapacity' failed to "
       "satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]; Value 'y' at "
       "'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: "
       "[SIZE, NONE]\"",
       "ReturnConsumedCapacity and ReturnItemCollectionMetrics are checked"},
      {"TransactGetItems", "{\"TransactItems\":[],\"ReturnConsumedCapacity\":\"x\"}", 400,
       DYNAMO_ROWS_VALIDATION, "Value 'x' at 'returnConsumedCapacity'",
       "TransactGetItems' ReturnConsumedCapacity"},
  };
  struct emu_buf out;
  char *req;

  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  emu_buf_init(&out, 1 << 24);
  req = n_actions(100, 0);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 200);
  free(req);
  req = n_actions(101, 0);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 400);
  assert_non_null(
      strstr(out.data, "\"message\":\"1 validation error detected: Value '[com.amazonaws.dynamodb."
                       "v20120810.TransactWriteItem@"));
  assert_non_null(strstr(
      out.data, "...]' at 'transactItems' failed to satisfy constraint: Member must have length "
                "less than or equal to 100\""));
  free(req);
  req = n_actions(100, 1);
  assert_int_equal(call(f->db, "TransactGetItems", req, &out), 200);
  {
    cJSON *resp = cJSON_Parse(out.data), *r = cJSON_GetObjectItemCaseSensitive(resp, "Responses"),
          *e;
    int i = 0;
    assert_int_equal(cJSON_GetArraySize(r), 100);
    cJSON_ArrayForEach(e, r) {
      const cJSON *n = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "Item"), "i"), "N");
      char want[16];
      snprintf(want, sizeof(want), "%d", i++);
      assert_true(cJSON_IsString(n));
      assert_string_equal(n->valuestring, want);
    }
    cJSON_Delete(resp);
  }
  free(req);
  req = n_actions(101, 1);
  assert_int_equal(call(f->db, "TransactGetItems", req, &out), 400);
  assert_non_null(strstr(out.data, "Value '[com.amazonaws.dynamodb.v20120810.TransactGetItem@"));
  assert_non_null(strstr(out.data, "Member must have length less than or equal to 100"));
  free(req);
  assert_int_equal(call(f->db, "DescribeTable", "{\"TableName\":\"Users\"}", &out), 200);
  assert_non_null(strstr(out.data, "\"ItemCount\":100"));
  emu_buf_free(&out);
}

/* A Put of one item with a string attribute of len bytes, or with update,
 * an Update setting it; caller frees. */
static char *sized(const char *id, size_t len, int update) {
  struct emu_buf b;
  char *fill = malloc(len + 1);

  memset(fill, 'x', len);
  fill[len] = '\0';
  emu_buf_init(&b, (size_t)1 << 24);
  if (update)
    emu_buf_printf(
        &b,
        "{\"Update\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"%s\"}},\"UpdateExpression\":"
        "\"SET p = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"%s\"}}}}",
        id, fill);
  else
    emu_buf_printf(
        &b,
        "{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"%s\"},\"p\":{\"S\":\"%s\"}}}}",
        id, fill);
  free(fill);
  return emu_buf_take(&b);
}

static char *wrap(char **actions, int n) {
  struct emu_buf b;
  int i;

  emu_buf_init(&b, (size_t)1 << 25);
  emu_buf_puts(&b, "{\"TransactItems\":[");
  for (i = 0; i < n; i++) {
    emu_buf_printf(&b, "%s%s", i ? "," : "", actions[i]);
    free(actions[i]);
  }
  emu_buf_puts(&b, "]}");
  return emu_buf_take(&b);
}

/* CONF itemSizeBySurface.test.ts and transactionLimits.test.ts. The item
 * "id"+"a" (3 bytes) plus "p" (1) and the value: 409,596 bytes of value
 * make exactly 409,600. */
static void size_limits_follow_dynamodb(void **state) {
  struct dynamo_fixture *f = *state;
  struct emu_buf out;
  char *a[12], *req;
  int i;

  set_up_tables(f->db);
  emu_buf_init(&out, 1 << 24);
  a[0] = sized("a", 409596, 0);
  req = wrap(a, 1);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 200);
  free(req);
  a[0] = sized("b", 409597, 0);
  req = wrap(a, 1);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 400);
  assert_non_null(strstr(
      out.data,
      "ValidationException\",\"message\":\"Item size has exceeded the maximum allowed size\""));
  free(req);
  a[0] = sized("c", 409596, 1);
  req = wrap(a, 1);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 200);
  free(req);
  a[0] = sized("d", 409597, 1);
  req = wrap(a, 1);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 400);
  assert_non_null(strstr(
      out.data, "{\"Code\":\"ValidationError\",\"Message\":\"Item size to update has exceeded the "
                "maximum allowed size\"}"));
  free(req);
  /* 10 items of ~350 KB fit in 4 MB; 12 do not. */
  for (i = 0; i < 10; i++) {
    char id[8];
    snprintf(id, sizeof(id), "m%d", i);
    a[i] = sized(id, 350000, 0);
  }
  req = wrap(a, 10);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 200);
  free(req);
  for (i = 0; i < 12; i++) {
    char id[8];
    snprintf(id, sizeof(id), "n%d", i);
    a[i] = sized(id, 350000, 0);
  }
  req = wrap(a, 12);
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 400);
  assert_non_null(strstr(out.data, "ValidationException"));
  assert_non_null(strstr(out.data, "size cannot exceed"));
  free(req);
  /* ALT: deleting more than 4 MB of items in a small transaction is fine. */
  req = strdup(
      "{\"TransactItems\":[" DEL_U("m0") "," DEL_U("m1") "," DEL_U("m2") "," DEL_U("m3") "," DEL_U("m4") "," DEL_U(
          "m5") "," DEL_U("m6") "," DEL_U("m7") "," DEL_U("m8") "," DEL_U("m9") "," DEL_U("a") "," DEL_U("c") "]}");
  assert_int_equal(call(f->db, "TransactWriteItems", req, &out), 200);
  free(req);
  assert_int_equal(call(f->db, "DescribeTable", "{\"TableName\":\"Users\"}", &out), 200);
  assert_non_null(strstr(out.data, "\"ItemCount\":0"));
  assert_non_null(strstr(out.data, "\"TableSizeBytes\":0"));
  emu_buf_free(&out);
}

static void client_request_tokens_make_writes_idempotent(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"TransactWriteItems", TW(INC_U("k")), 200, NULL, "{}", "no token: applied"},
      {"TransactWriteItems", TW(INC_U("k")), 200, NULL, "{}", "no token: applied again"},
      {"GetItem", GET_U("k"), 200, NULL, "\"n\":{\"N\":\"2\"}", "ALT: without a token both happen"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"tok-1\",\"TransactItems\":[" INC_U("k") "]}", 200, NULL, "{}",
       "first use of a token"},
      {"TransactWriteItems",
       "{\"ReturnConsumedCapacity\":\"TOTAL\",\"TransactItems\":[" INC_U(
           "k") "],\"ClientRequestToken\":\"tok-1\"}",
       200, NULL, "{\"ConsumedCapacity\":[{\"TableName\":\"Users\",\"CapacityUnits\":2}]}",
       "the same request and token: success, read units, not applied"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"tok-1\",\"TransactItems\":[{\"Update\":{\"ExpressionAttributeValues\":{\":one\":"
       "{\"N\":\"1.0\"}},\"UpdateExpression\":\"ADD n :one\",\"Key\":{\"id\":{\"S\":\"k\"}},\"TableName\":\"Users\"}}]}",
       200, NULL, "{}", "member order and number spelling do not make another request"},
      {"GetItem", GET_U("k"), 200, NULL, "\"n\":{\"N\":\"3\"}", "applied once"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"tok-1\",\"TransactItems\":[" INC_U("other") "]}", 400, MISMATCH,
       "DynamoDB rejected the request because you retried a request with a different payload",
       "the same token with another request"},
      {"GetItem", GET_U("other"), 200, NULL, "{}", "the mismatched request was not applied"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"tok-2\",\"TransactItems\":[" CHECK_U(
           "gate", "attribute_exists(id)") "," INC_U("k") "]}",
       400, CANCELED, "[ConditionalCheckFailed, None]", "a cancelled transaction ..."},
      {"PutItem", "{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"gate\"}}}", 200, NULL, NULL,
       "open the gate"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"tok-2\",\"TransactItems\":[" CHECK_U(
           "gate", "attribute_exists(id)") "," INC_U("k") "]}",
       200, NULL, "{}", "... does not use up its token"},
      {"GetItem", GET_U("k"), 200, NULL, "\"n\":{\"N\":\"4\"}", "applied"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"0123456789012345678901234567890123456\",\"TransactItems\":[" INC_U(
           "k") "]}",
       400, DYNAMO_ROWS_VALIDATION,
       "Value '0123456789012345678901234567890123456' at 'clientRequestToken' failed to satisfy constraint: Member "
       "must have length less than or equal to 36",
       "ALT: 37 characters are too many"},
      {"TransactWriteItems",
       "{\"ClientRequestToken\":\"012345678901234567890123456789012345\",\"TransactItems\":[" INC_U(
           "k") "]}",
       200, NULL, "{}", "36 are fine"},
      {"TransactWriteItems", "{\"ClientRequestToken\":7,\"TransactItems\":[" INC_U("k") "]}", 400,
       DYNAMO_ROWS_SERIALIZATION, NULL, "a token must be a string"},
  };
  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void transact_get_reads_in_order(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"TransactWriteItems",
       TW(PUT_U(
           "a",
           ",\"x\":{\"N\":\"1\"},\"y\":{\"N\":\"2\"},\"z\":{\"N\":\"3\"}") ","
                                                                           "{\"Put\":{\"TableName\":\"Events\",\"Item\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"5\"}}}}"),
       200, NULL, NULL, "set-up"},
      {"TransactGetItems",
       "{\"TransactItems\":[{\"Get\":{\"TableName\":\"Events\",\"Key\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"5.00\"}}}},"
       "{\"Get\":" GET_U(
           "missing") "},"
                      "{\"Get\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ProjectionExpression\":\"#x,z\","
                      "\"ExpressionAttributeNames\":{\"#x\":\"x\"}}}],\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL,
       "{\"Responses\":[{\"Item\":{\"pk\":{\"S\":\"e\"},\"sk\":{\"N\":\"5\"}}},{},{\"Item\":{\"x\":{\"N\":\"1\"},"
       "\"z\":{\"N\":\"3\"}}}],\"ConsumedCapacity\":[{\"TableName\":\"Events\",\"CapacityUnits\":2},{\"TableName\":"
       "\"Users\",\"CapacityUnits\":4}]}",
       "responses in request order, {} when missing, projection, two read units per item"},
      {"TransactGetItems",
       "{\"TransactItems\":[{\"Get\":{\"TableName\":\"Nope\",\"Key\":{\"id\":{\"S\":\"a\"}}}}]}",
       400, DYNAMO_ROWS_NOT_FOUND, "\"message\":\"Requested resource not found\"",
       "CONF: a missing table"},
      {"TransactGetItems", "{\"TransactItems\":[{\"Get\":{\"TableName\":\"Users\",\"Key\":{}}}]}",
       400, CANCELED,
       "reasons [ValidationError]\",\"CancellationReasons\":[{\"Code\":\"ValidationError\",\"Message\":\"The "
       "provided key element does not match the schema\"}]",
       "CONF: an empty Key cancels with a ValidationError"},
      {"TransactGetItems",
       "{\"TransactItems\":[{\"Get\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ProjectionExpression\":\"!!!\"}}]}",
       400, DYNAMO_ROWS_VALIDATION,
       "Invalid ProjectionExpression: Syntax error; token: \\\"!\\\", near: \\\"!!\\\"",
       "CONF: a projection syntax error is an exception"},
      {"TransactGetItems",
       "{\"TransactItems\":[{\"Get\":{\"TableName\":\"Users\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ProjectionExpression\":\"#xx\","
       "\"ExpressionAttributeNames\":{\"#xx\":\"x\",\"#qq\":\"q\"}}}]}",
       400, DYNAMO_ROWS_VALIDATION, "unused in expressions: keys: {#qq}", "ALT: an unused name"},
      {"TransactGetItems",
       "{\"TransactItems\":[{\"Put\":{\"TableName\":\"Users\",\"Item\":{\"id\":{\"S\":\"a\"}}}}]}",
       400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'transactItems.1.member.get' failed to satisfy constraint",
       "only Get actions"},
  };
  set_up_tables(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* Snapshot reads: a writer keeps two items equal through transactions while
 * a reader checks that every TransactGetItems sees them equal. */
struct race {
  struct dynamo *db;
  int rounds;
  int failures;
};

static void *writer(void *arg) {
  struct race *r = arg;
  struct emu_buf out;
  char req[512];
  int i;

  emu_buf_init(&out, 1 << 20);
  for (i = 1; i <= r->rounds; i++) {
    snprintf(req, sizeof(req),
             "{\"TransactItems\":[" PUT_U("left", ",\"v\":{\"N\":\"%d\"}") "," PUT_U(
                 "right", ",\"v\":{\"N\":\"%d\"}") "]}",
             i, i);
    if (call(r->db, "TransactWriteItems", req, &out) != 200)
      r->failures++;
  }
  emu_buf_free(&out);
  return NULL;
}

static void transact_get_reads_one_snapshot(void **state) {
  struct dynamo_fixture *f = *state;
  static const char get_both[] = "{\"TransactItems\":[{\"Get\":" GET_U("left") "},{\"Get\":" GET_U(
      "right") "}]}";
  struct race r = {f->db, 300, 0};
  struct emu_buf out;
  pthread_t th;
  int i, torn = 0;

  set_up_tables(f->db);
  cJSON_Delete(
      dynamo_rows_call_ok(f->db, "TransactWriteItems",
                          "{\"TransactItems\":[" PUT_U("left", ",\"v\":{\"N\":\"0\"}") "," PUT_U(
                              "right", ",\"v\":{\"N\":\"0\"}") "]}"));
  emu_buf_init(&out, 1 << 20);
  assert_int_equal(pthread_create(&th, NULL, writer, &r), 0);
  for (i = 0; i < 300; i++) {
    cJSON *resp, *l, *rt;
    assert_int_equal(call(f->db, "TransactGetItems", get_both, &out), 200);
    resp = cJSON_Parse(out.data);
    l = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Responses"), 0), "Item");
    rt = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Responses"), 1), "Item");
    l = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(l, "v"), "N");
    rt = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rt, "v"), "N");
    if (!cJSON_IsString(l) || !cJSON_IsString(rt) || strcmp(l->valuestring, rt->valuestring) != 0)
      torn++;
    cJSON_Delete(resp);
  }
  pthread_join(th, NULL);
  emu_buf_free(&out);
  assert_int_equal(r.failures, 0);
  assert_int_equal(torn, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(write_applies_every_action_across_tables, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(a_failed_condition_cancels_everything, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(errors_are_cancellations_or_exceptions_as_in_dynamodb,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(two_actions_on_one_item_are_refused, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(action_counts_are_limited_to_one_hundred, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(size_limits_follow_dynamodb, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(client_request_tokens_make_writes_idempotent,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(transact_get_reads_in_order, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(transact_get_reads_one_snapshot, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_transact", tests, NULL, NULL);
}
