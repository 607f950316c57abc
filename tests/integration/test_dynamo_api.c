/*
 * test_dynamo_api.c - the DynamoDB JSON API through dynamo_api_call: every
 * operation of the foundation (CreateTable, DescribeTable, ListTables,
 * DeleteTable, PutItem, GetItem, DeleteItem, Scan) and their AWS errors,
 * against a fresh LMDB directory per test.
 *
 * Cases are rows: operation, request, expected status, the expected
 * "__type" (or NULL for success), a substring the body must contain, and
 * the reason the row exists. Rows run in order within one table of rows.
 * One test runs writers on several threads (the fixture's store is
 * durable, so they meet in group commit): conditional puts and counter
 * updates keep DynamoDB's semantics.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <pthread.h>
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

static const char create_conn[] =
    "{\"TableName\":\"Connections\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\","
    "\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],"
    "\"BillingMode\":\"PAY_PER_REQUEST\"}";

static void table_operations_follow_aws(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"ListTables", "{}", 200, NULL, "\"TableNames\":[]", "no tables yet"},
      {"CreateTable", create_conn, 200, NULL, "\"TableStatus\":\"ACTIVE\"",
       "tables are ACTIVE at once"},
      {"CreateTable", create_conn, 400, DYNAMO_ROWS_IN_USE, "Table already exists: Connections",
       "a second create is refused"},
      {"DescribeTable", "{\"TableName\":\"Connections\"}", 200, NULL,
       "\"TableArn\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Connections\"", "ARN shape"},
      {"DescribeTable", "{\"TableName\":\"Connections\"}", 200, NULL,
       "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"", "on-demand summary"},
      {"DescribeTable", "{\"TableName\":\"Nope\"}", 400, DYNAMO_ROWS_NOT_FOUND,
       "Requested resource not found: Table: Nope not found", "DescribeTable names the table"},
      /* SPEC docs/spec/dynamodb.md 2.25: a table's ARN may be given as
       * TableName ("You can also provide the Amazon Resource Name (ARN) of the
       * table in this parameter"). */
      {"DescribeTable",
       "{\"TableName\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Connections\"}", 200, NULL,
       "\"TableName\":\"Connections\"", "DescribeTable by ARN"},
      {"PutItem",
       "{\"TableName\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Connections\","
       "\"Item\":{\"id\":{\"S\":\"by-arn\"}}}",
       200, NULL, NULL, "PutItem by ARN"},
      {"GetItem", "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"by-arn\"}}}", 200, NULL,
       "\"Item\":{\"id\":{\"S\":\"by-arn\"}}", "the item is in the table the ARN names"},
      {"DeleteItem",
       "{\"TableName\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Connections\","
       "\"Key\":{\"id\":{\"S\":\"by-arn\"}}}",
       200, NULL, NULL, "DeleteItem by ARN"},
      {"GetItem",
       "{\"TableName\":\"arn:aws:dynamodb:us-east-1:000000000000:table/Connections/index/x\","
       "\"Key\":{\"id\":{\"S\":\"by-arn\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "Member must satisfy regular expression pattern",
       "an index ARN is not a table name"},
      {"DescribeTable", "{}", 400, DYNAMO_ROWS_VALIDATION,
       "The parameter 'TableName' is required but was not present in the request", "missing name"},
      {"DescribeTable", "{\"TableName\":\"ab\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Member must have length greater than or equal to 3", "name too short"},
      {"DescribeTable", "{\"TableName\":\"a b c\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", "bad characters"},
      {"DescribeTable", "{\"TableName\":5}", 400, DYNAMO_ROWS_SERIALIZATION,
       "NUMBER_VALUE cannot be converted to String", "wrong JSON type"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}",
       400, DYNAMO_ROWS_VALIDATION,
       "ReadCapacityUnits and WriteCapacityUnits must both be specified",
       "PROVISIONED needs throughput"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"X\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION, "Member must satisfy enum value set: [B, N, S]",
       "attribute type enum"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION, "The first KeySchemaElement is not a HASH key type",
       "first key must be HASH"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
       "{\"AttributeName\":\"x\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION, "Number of attributes in KeySchema does not exactly match",
       "unused definition"},
      /* SPEC docs/spec/dynamodb.md 2.21: one name defined twice, with one
       * type or two; the KeySchema's checks in DynamoDB's order. */
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
       "{\"AttributeName\":\"id\",\"AttributeType\":\"N\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION, "\"Attribute Name is duplicated: id\"",
       "an attribute defined twice with conflicting types"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
       "{\"AttributeName\":\"x\",\"AttributeType\":\"S\"},{\"AttributeName\":\"x\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION, "\"Attribute Name is duplicated: x\"",
       "an attribute defined twice with one type"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
       "{\"AttributeName\":\"x\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"id\","
       "\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Both the Hash Key and the Range Key element in the KeySchema have the same name\"",
       "a KeySchema naming one attribute twice"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"id\","
       "\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Invalid KeySchema: Some index key attribute have no definition\"",
       "more keys than definitions comes first"},
      {"CreateTable",
       "{\"TableName\":\"Tab2\",\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"},"
       "{\"AttributeName\":\"x\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"RANGE\"},{\"AttributeName\":\"zz\","
       "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"One or more parameter values were invalid: Some index key attributes are not defined in "
       "AttributeDefinitions. Keys: [id, zz], AttributeDefinitions: [id, x]\"",
       "an undefined key names both lists, before the key types"},
      {"CreateTable",
       "{\"TableName\":\"Prov\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"N\"},"
       "{\"AttributeName\":\"sk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
       "\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
       "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":7}}",
       200, NULL, "\"WriteCapacityUnits\":7", "provisioned table with a sort key"},
      {"CreateTable",
       "{\"TableName\":\"Huge\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
       "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":7.44e44,\"WriteCapacityUnits\":1}}",
       400, DYNAMO_ROWS_SERIALIZATION, "DECIMAL_VALUE cannot be converted to Long",
       "a capacity beyond 64 bits is refused, not converted (fuzz_dynamo_request, CI)"},
      {"ListTables", "{\"Limit\":1}", 200, NULL, "\"LastEvaluatedTableName\":\"Connections\"",
       "paging: first page of one"},
      {"ListTables", "{\"ExclusiveStartTableName\":\"Connections\"}", 200, NULL,
       "\"TableNames\":[\"Prov\"]}", "paging: the rest, no more pages"},
      {"ListTables", "{\"Limit\":0}", 400, DYNAMO_ROWS_VALIDATION, "greater than or equal to 1",
       "limit bounds"},
      {"UpdateTable", "{\"TableName\":\"Prov\"}", 400, DYNAMO_ROWS_VALIDATION,
       "At least one of ProvisionedThroughput, BillingMode", "UpdateTable needs a change"},
      {"UpdateTable",
       "{\"TableName\":\"Prov\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":7}}",
       400, DYNAMO_ROWS_VALIDATION, "The provisioned throughput for the table will not change",
       "same throughput"},
      {"UpdateTable",
       "{\"TableName\":\"Prov\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":9,\"WriteCapacityUnits\":2}}",
       200, NULL, "\"NumberOfDecreasesToday\":1", "a decrease is counted"},
      {"UpdateTable", "{\"TableName\":\"Prov\",\"BillingMode\":\"PAY_PER_REQUEST\"}", 200, NULL,
       "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"", "switch to on-demand"},
      {"DescribeTable", "{\"TableName\":\"Prov\"}", 200, NULL, "\"ReadCapacityUnits\":0",
       "on-demand tables report 0 capacity"},
      {"UpdateTable", "{\"TableName\":\"Prov\",\"DeletionProtectionEnabled\":true}", 200, NULL,
       "\"DeletionProtectionEnabled\":true", "protect"},
      {"DeleteTable", "{\"TableName\":\"Prov\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Resource cannot be deleted as it is currently protected against deletion", "protected"},
      {"UpdateTable", "{\"TableName\":\"Prov\",\"DeletionProtectionEnabled\":false}", 200, NULL,
       NULL, "unprotect"},
      {"DeleteTable", "{\"TableName\":\"Prov\"}", 200, NULL, "\"TableStatus\":\"DELETING\"",
       "DeleteTable returns DELETING"},
      {"DeleteTable", "{\"TableName\":\"Prov\"}", 400, DYNAMO_ROWS_NOT_FOUND,
       "Requested resource not found: Table: Prov not found", "already gone"},
      {"ListTables", "{}", 200, NULL, "{\"TableNames\":[\"Connections\"]}",
       "deleted table is not listed"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void item_operations_follow_aws(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_conn, 200, NULL, NULL, "set-up"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"001.50\"}}}",
       200, NULL, "{}", "a put answers {}"},
      {"GetItem", "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "\"n\":{\"N\":\"1.5\"}", "numbers come back normalised"},
      {"GetItem", "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"zz\"}}}", 200, NULL,
       "{}", "a missing item is an empty object"},
      {"GetItem", "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"N\":\"1\"}}}", 400,
       DYNAMO_ROWS_VALIDATION, "The provided key element does not match the schema",
       "wrong key type"},
      {"GetItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"},\"x\":{\"S\":\"b\"}}}", 400,
       DYNAMO_ROWS_VALIDATION, "The provided key element does not match the schema",
       "extra key attribute"},
      {"GetItem", "{\"TableName\":\"Nope\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 400,
       DYNAMO_ROWS_NOT_FOUND, "\"message\":\"Requested resource not found\"",
       "item operations say only this"},
      {"GetItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ProjectionExpression\":\"n\"}",
       200, NULL, "{\"Item\":{\"n\":{\"N\":\"1.5\"}}}", "projection"},
      {"PutItem", "{\"TableName\":\"Connections\",\"Item\":{\"x\":{\"S\":\"a\"}}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Missing the key id in the item", "missing key"},
      {"PutItem", "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"N\":\"1\"}}}", 400,
       DYNAMO_ROWS_VALIDATION, "Type mismatch for key id expected: S actual: N", "key type"},
      {"PutItem", "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"\"}}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "The AttributeValue for a key attribute cannot contain an empty string value. Key: id",
       "empty key"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"b\"},\"s\":{\"SS\":[]}}}", 400,
       DYNAMO_ROWS_VALIDATION, "An string set  may not be empty", "empty set"},
      {"PutItem", "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"b\"},\"v\":{}}}", 400,
       DYNAMO_ROWS_VALIDATION, "Supplied AttributeValue is empty", "empty AttributeValue"},
      {"PutItem", "{\"TableName\":\"Connections\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Value null at 'item'", "no Item"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_not_exists(id)\"}",
       400, DYNAMO_ROWS_CONDITION, "The conditional request failed",
       "condition on an existing item"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_not_exists(id)\","
       "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\"}",
       400, DYNAMO_ROWS_CONDITION, "\"Item\":{\"id\":{\"S\":\"a\"}",
       "the failure carries the old item"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"2\"}},\"ReturnValues\":\"ALL_OLD\"}",
       200, NULL, "\"Attributes\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1.5\"}}",
       "ALL_OLD returns the replaced item"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ReturnValues\":\"ALL_NEW\"}",
       400, DYNAMO_ROWS_VALIDATION, "ReturnValues can only be ALL_OLD or NONE",
       "PutItem return values"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"c\"}},\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "ExpressionAttributeValues can only be specified when using expressions", "EAV alone"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"c\"}},\"ConditionExpression\":\"attribute_not_exists(id)\","
       "\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "unused in expressions: keys: {:v}", "unused placeholder"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"}},\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL, "\"ConsumedCapacity\":{\"TableName\":\"Connections\",\"CapacityUnits\":1}",
       "capacity"},
      {"DeleteItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ReturnValues\":\"ALL_OLD\"}",
       200, NULL, "\"Attributes\":{\"id\":{\"S\":\"a\"}}", "delete returns the old item"},
      {"DeleteItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(id)\"}",
       400, DYNAMO_ROWS_CONDITION, "The conditional request failed",
       "conditional delete of a missing item"},
      {"DeleteItem", "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}}}", 200, NULL,
       "{}", "deleting a missing item is fine"},
      {"DescribeTable", "{\"TableName\":\"Connections\"}", 200, NULL, "\"ItemCount\":0",
       "count back to zero"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void update_item_follows_aws(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_conn, 200, NULL, NULL, "set-up"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET n = :one, l = :l\","
       "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"},\":l\":{\"L\":[{\"S\":\"a\"}]}},\"ReturnValues\":\"ALL_NEW\"}",
       200, NULL,
       "\"Attributes\":{\"n\":{\"N\":\"1\"},\"l\":{\"L\":[{\"S\":\"a\"}]},\"id\":{\"S\":\"u\"}}",
       "an update creates the item with its key"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET n = n + :big\","
       "\"ExpressionAttributeValues\":{\":big\":{\"N\":\"99999999999999999999999999999999999998\"}},\"ReturnValues\":\"UPDATED_NEW\"}",
       200, NULL, "{\"Attributes\":{\"n\":{\"N\":\"99999999999999999999999999999999999999\"}}}",
       "38-digit arithmetic is exact"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET n = n + :one\","
       "\"ExpressionAttributeValues\":{\":one\":{\"N\":\"0.1\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "Number overflow",
       "39 significant digits are refused (reported as overflow)"},
      /* SPEC docs/spec/dynamodb.md 2.5 and 2.4: magnitudes 1E-130 ..
       * 9.9999999999999999999999999999999999999E+125, 38 significant digits,
       * through the whole API. */
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"n\"},\"hi\":{\"N\":"
       "\"9.9999999999999999999999999999999999999E+125\"},\"lo\":{\"N\":\"-1E-130\"}}}",
       200, NULL, NULL, "the largest and smallest magnitudes are stored"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"n\"},\"x\":{\"N\":\"1e126\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Number overflow. Attempting to store a number with magnitude larger than supported range\"",
       "an exponent past +125"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"n\"},\"x\":{\"NS\":[\"1\",\"-1e-131\"]}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Number underflow. Attempting to store a number with magnitude smaller than supported "
       "range\"",
       "an exponent past -130, inside a set"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"n\"},\"x\":{\"N\":"
       "\"1.23456789012345678901234567890123456789\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Attempting to store more than 38 significant digits in a Number\"",
       "39 significant digits written out"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET l = list_append(l, :l) REMOVE n\","
       "\"ExpressionAttributeValues\":{\":l\":{\"L\":[{\"S\":\"b\"}]}},\"ReturnValues\":\"UPDATED_OLD\"}",
       200, NULL,
       "\"Attributes\":{\"l\":{\"L\":[{\"S\":\"a\"}]},\"n\":", "UPDATED_OLD holds the old values"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"ADD s :s\","
       "\"ExpressionAttributeValues\":{\":s\":{\"SS\":[\"x\",\"y\"]}},\"ReturnValues\":\"ALL_OLD\"}",
       200, NULL, "\"l\":{\"L\":[{\"S\":\"a\"},{\"S\":\"b\"}]}", "ALL_OLD is the whole old item"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET id = :v\","
       "\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "Cannot update attribute id. This attribute is part of the key",
       "key attributes are fixed"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET a = :v\","
       "\"ConditionExpression\":\"attribute_not_exists(id)\",\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       400, DYNAMO_ROWS_CONDITION, "The conditional request failed", "conditional update"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET a = :v\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "An expression attribute value used in expression is not defined; attribute value: :v",
       "undefined placeholder"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"UpdateExpression\":\"SET a = \"}",
       400, DYNAMO_ROWS_VALIDATION, "Invalid UpdateExpression: Syntax error; token: \\\"<EOF>\\\"",
       "syntax error"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}},\"ReturnValues\":\"SOME\"}",
       400, DYNAMO_ROWS_VALIDATION, "Member must satisfy enum value set", "return values enum"},
      {"GetItem", "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"u\"}}}", 200, NULL,
       "\"s\":{\"SS\":[\"x\",\"y\"]}", "the item after the updates"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* SPEC docs/spec/dynamodb.md 2.6: partition key 1..2048 bytes, sort key 1..1024 bytes,
 * both far over LMDB's 511-byte key cap (store_lmdb.c's buckets). */
#define NESTED_UPDATE(expr, values, rv)                                                        \
  "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"n\"}},\"UpdateExpression\":\"" expr \
  "\"" values ",\"ReturnValues\":\"" rv "\"}"
#define V1(v) ",\"ExpressionAttributeValues\":{\":v\":" v "}"
#define V2(v, w) ",\"ExpressionAttributeValues\":{\":v\":" v ",\":w\":" w "}"

/* SPEC docs/spec/dynamodb.md 2.36 (ALT-tests test_returnvalues.py,
 * test_update_item_returnvalues_nested): "UPDATED_OLD and UPDATED_NEW return *only* the nested
 * attribute, not the entire top-level attribute", within its enclosing maps and lists. */
static void updated_return_values_hold_only_the_updated_nested_paths(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_conn, 200, NULL, NULL, "set-up"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"n\"},\"a\":{\"M\":{\"b\":{\"S\":"
       "\"dog\"},\"c\":{\"L\":[{\"N\":\"1\"},{\"N\":\"2\"},{\"N\":\"3\"}]}}},\"d\":{\"S\":\"cat\"}}}",
       200, NULL, NULL, "the item {a: {b: dog, c: [1, 2, 3]}, d: cat}"},
      {"UpdateItem", NESTED_UPDATE("SET a.b = :v", V1("{\"S\":\"yo\"}"), "UPDATED_OLD"), 200, NULL,
       "{\"Attributes\":{\"a\":{\"M\":{\"b\":{\"S\":\"dog\"}}}}}",
       "UPDATED_OLD of a.b: {a: {b: old}}, not the whole of a"},
      {"UpdateItem", NESTED_UPDATE("SET a.c[1] = :v", V1("{\"N\":\"7\"}"), "UPDATED_OLD"), 200,
       NULL, "{\"Attributes\":{\"a\":{\"M\":{\"c\":{\"L\":[{\"N\":\"2\"}]}}}}}",
       "UPDATED_OLD of a list element: the list holds that element only"},
      {"UpdateItem",
       NESTED_UPDATE("SET a.c[1] = :v, a.b = :w", V2("{\"N\":\"8\"}", "{\"S\":\"dog\"}"),
                     "UPDATED_OLD"),
       200, NULL,
       "{\"Attributes\":{\"a\":{\"M\":{\"c\":{\"L\":[{\"N\":\"7\"}]},\"b\":{\"S\":\"yo\"}}}}}",
       "two nested paths of one attribute, merged (members in the update's order)"},
      {"UpdateItem", NESTED_UPDATE("SET a.b = :v", V1("{\"S\":\"hello\"}"), "UPDATED_NEW"), 200,
       NULL, "{\"Attributes\":{\"a\":{\"M\":{\"b\":{\"S\":\"hello\"}}}}}", "UPDATED_NEW of a.b"},
      {"UpdateItem", NESTED_UPDATE("SET a.c[1] = :v", V1("{\"N\":\"4\"}"), "UPDATED_NEW"), 200,
       NULL, "{\"Attributes\":{\"a\":{\"M\":{\"c\":{\"L\":[{\"N\":\"4\"}]}}}}}",
       "UPDATED_NEW of a list element"},
      {"UpdateItem", NESTED_UPDATE("SET a.b = :v", V1("{\"S\":\"hi\"}"), "ALL_NEW"), 200, NULL,
       "\"a\":{\"M\":{\"b\":{\"S\":\"hi\"},\"c\":{\"L\":[{\"N\":\"1\"},{\"N\":\"4\"},{\"N\":\"3\"}]}}}",
       "ALL_NEW: the whole item after the nested update"},
      {"UpdateItem", NESTED_UPDATE("REMOVE a.c[1], a.c[3]", "", "UPDATED_OLD"), 200, NULL,
       "{\"Attributes\":{\"a\":{\"M\":{\"c\":{\"L\":[{\"N\":\"4\"}]}}}}}",
       "REMOVE: the removed element; a.c[3] did not exist"},
      {"UpdateItem", NESTED_UPDATE("SET a.x2 = :v", V1("{\"N\":\"8\"}"), "UPDATED_NEW"), 200, NULL,
       "{\"Attributes\":{\"a\":{\"M\":{\"x2\":{\"N\":\"8\"}}}}}",
       "a new nested attribute is in UPDATED_NEW"},
      {"UpdateItem", NESTED_UPDATE("SET a.c[100] = :v", V1("{\"N\":\"70\"}"), "UPDATED_NEW"), 200,
       NULL, "{}", "SET past a list's end appends, and a.c[100] is not returned"},
      {"UpdateItem", NESTED_UPDATE("REMOVE a.c[1]", "", "UPDATED_NEW"), 200, NULL,
       "{\"Attributes\":{\"a\":{\"M\":{\"c\":{\"L\":[{\"N\":\"70\"}]}}}}}",
       "REMOVE a.c[1] with UPDATED_NEW: the element shifted into a.c[1]"},
  };
  cJSON *resp;

  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  /* "When adding a new sub-attribute, UPDATED_OLD does not return anything". */
  resp = dynamo_rows_call_ok(f->db, "UpdateItem",
                             NESTED_UPDATE("SET a.x1 = :v", V1("{\"N\":\"8\"}"), "UPDATED_OLD"));
  assert_null(cJSON_GetObjectItemCaseSensitive(resp, "Attributes"));
  cJSON_Delete(resp);
  resp = dynamo_rows_call_ok(
      f->db, "UpdateItem", NESTED_UPDATE("SET a.c[100] = :v", V1("{\"N\":\"71\"}"), "UPDATED_NEW"));
  assert_null(cJSON_GetObjectItemCaseSensitive(resp, "Attributes"));
  cJSON_Delete(resp);
}

static void largest_keys_are_stored_read_and_scanned_in_order(void **state) {
  struct dynamo_fixture *f = *state;
  static const char create[] =
      "{\"TableName\":\"Big\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
      "{\"AttributeName\":\"sk\",\"AttributeType\":\"B\"}],\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
      "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}";
  char *pk = malloc(2050), *sk_bytes = malloc(1400), *req = malloc(16384);
  struct emu_buf out;
  cJSON *resp;
  int i, n;

  emu_buf_init(&out, 1 << 24);
  assert_int_equal(dynamo_api_call(f->db, "CreateTable", create, strlen(create), &out), 200);
  memset(pk, 'p', 2048);
  pk[2048] = '\0';
  /* A 1024-byte binary sort key in base64: 1364 '/' (1023 bytes of 0xFF)
   * and a final group for the last byte. */
  for (i = 0; i < 1364; i++)
    sk_bytes[i] = '/';
  sk_bytes[1364] = '\0';
  for (n = 0; n < 3; n++) {
    /* Three items in one 2048-byte partition whose 1024-byte sort keys
     * differ only in the last byte: "/w==" 0xFF, "/Q==" 0xFD, "/A==" 0xFC. */
    static const char *const last[] = {"/A==", "/Q==", "/w=="};
    snprintf(
        req, 16384,
        "{\"TableName\":\"Big\",\"Item\":{\"pk\":{\"S\":\"%s\"},\"sk\":{\"B\":\"%s%s\"},\"n\":{\"N\":\"%d\"}}}",
        pk, sk_bytes, last[2 - n], n);
    emu_buf_reset(&out);
    if (dynamo_api_call(f->db, "PutItem", req, strlen(req), &out) != 200)
      fail_msg("PutItem of a maximal key failed: %s", out.data);
  }
  snprintf(req, 16384,
           "{\"TableName\":\"Big\",\"Key\":{\"pk\":{\"S\":\"%s\"},\"sk\":{\"B\":\"%s/Q==\"}}}", pk,
           sk_bytes);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "GetItem", req, strlen(req), &out), 200);
  assert_non_null(strstr(out.data, "\"n\":{\"N\":\"1\"}"));
  /* Scan returns the partition's items in sort-key byte order. */
  emu_buf_reset(&out);
  snprintf(req, 16384, "{\"TableName\":\"Big\",\"ProjectionExpression\":\"n\"}");
  assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), 200);
  resp = cJSON_Parse(out.data);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "Items")), 3);
  for (i = 0; i < 3; i++) {
    const cJSON *it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), i);
    const cJSON *num = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "n"),
                                                        "N");
    assert_string_equal(num->valuestring, i == 0 ? "2" : i == 1 ? "1" : "0");
  }
  cJSON_Delete(resp);
  /* One byte more than the partition key allows. */
  pk[2048] = 'p';
  pk[2049] = '\0';
  snprintf(req, 16384,
           "{\"TableName\":\"Big\",\"Item\":{\"pk\":{\"S\":\"%s\"},\"sk\":{\"B\":\"AA==\"}}}", pk);
  emu_buf_reset(&out);
  assert_int_equal(dynamo_api_call(f->db, "PutItem", req, strlen(req), &out), 400);
  assert_non_null(
      strstr(out.data, "Size of hashkey has exceeded the maximum size limit of2048 bytes"));
  free(pk);
  free(sk_bytes);
  free(req);
  emu_buf_free(&out);
}

static void number_keys_in_any_spelling_address_one_item(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable",
       "{\"TableName\":\"Nums\",\"AttributeDefinitions\":[{\"AttributeName\":\"k\",\"AttributeType\":\"N\"}],"
       "\"KeySchema\":[{\"AttributeName\":\"k\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
       200, NULL, NULL, "set-up"},
      {"PutItem",
       "{\"TableName\":\"Nums\",\"Item\":{\"k\":{\"N\":\"1000.0\"},\"v\":{\"S\":\"a\"}}}", 200,
       NULL, NULL, "stored as 1000"},
      {"GetItem", "{\"TableName\":\"Nums\",\"Key\":{\"k\":{\"N\":\"1e3\"}}}", 200, NULL,
       "{\"Item\":{\"k\":{\"N\":\"1000\"},\"v\":{\"S\":\"a\"}}}", "1e3 is the same key"},
      {"PutItem",
       "{\"TableName\":\"Nums\",\"Item\":{\"k\":{\"N\":\"+01000\"},\"v\":{\"S\":\"b\"}},\"ReturnValues\":\"ALL_OLD\"}",
       200, NULL, "\"v\":{\"S\":\"a\"}", "+01000 replaces it"},
      {"DescribeTable", "{\"TableName\":\"Nums\"}", 200, NULL, "\"ItemCount\":1", "still one item"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void legacy_parameters_work_through_the_operations(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_conn, 200, NULL, NULL, "set-up"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"5\"}}}", 200,
       NULL, NULL, "set-up"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"}},\"Expected\":{\"id\":{\"Exists\":false}}}",
       400, DYNAMO_ROWS_CONDITION, "The conditional request failed",
       "Expected Exists false on an existing item"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"5\"}},"
       "\"Expected\":{\"n\":{\"ComparisonOperator\":\"GE\",\"AttributeValueList\":[{\"N\":\"5\"}]}}}",
       200, NULL, NULL, "Expected with a comparison operator"},
      {"PutItem",
       "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"a\"}},\"Expected\":{\"id\":{\"Exists\":false}},"
       "\"ConditionExpression\":\"attribute_exists(id)\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "Can not use both expression and non-expression parameters in the same request: Non-expression "
       "parameters: {Expected} Expression parameters: {ConditionExpression}",
       "mixing styles"},
      {"GetItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}},\"AttributesToGet\":[\"n\"]}",
       200, NULL, "{\"Item\":{\"n\":{\"N\":\"5\"}}}", "AttributesToGet projects"},
      {"UpdateItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}},\"AttributeUpdates\":{\"n\":{\"Action\":\"ADD\","
       "\"Value\":{\"N\":\"2\"}}},\"ReturnValues\":\"UPDATED_NEW\"}",
       200, NULL, "{\"Attributes\":{\"n\":{\"N\":\"7\"}}}", "AttributeUpdates ADD"},
      {"Scan",
       "{\"TableName\":\"Connections\",\"ScanFilter\":{\"n\":{\"ComparisonOperator\":\"GT\",\"AttributeValueList\":[{\"N\":\"6\"}]}}}",
       200, NULL, "\"Count\":1", "ScanFilter"},
      {"GetItem",
       "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"a\"}},\"ExpressionAttributeValues\":{\":v\":{\"S\":\"x\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}",
       "GetItem takes no values: they are reported as unused (as dynalite reproduces)"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void scan_pages_through_every_item_once(void **state) {
  struct dynamo_fixture *f = *state;
  struct emu_buf out;
  char req[256], *start = NULL;
  int i, seen = 0, pages = 0;

  emu_buf_init(&out, 1 << 24);
  assert_int_equal(dynamo_api_call(f->db, "CreateTable", create_conn, strlen(create_conn), &out),
                   200);
  for (i = 0; i < 25; i++) {
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"id%02d\"},\"p\":{\"N\":\"%d\"}}}",
        i, i);
    emu_buf_reset(&out);
    assert_int_equal(dynamo_api_call(f->db, "PutItem", req, strlen(req), &out), 200);
  }
  do {
    cJSON *resp, *items, *lek;
    if (start)
      snprintf(
          req, sizeof(req),
          "{\"TableName\":\"Connections\",\"Limit\":10,\"ProjectionExpression\":\"id\",\"ExclusiveStartKey\":%s}",
          start);
    else
      snprintf(req, sizeof(req),
               "{\"TableName\":\"Connections\",\"Limit\":10,\"ProjectionExpression\":\"id\"}");
    free(start);
    start = NULL;
    emu_buf_reset(&out);
    assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), 200);
    resp = cJSON_Parse(out.data);
    items = cJSON_GetObjectItemCaseSensitive(resp, "Items");
    seen += cJSON_GetArraySize(items);
    assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, 0), "p"));
    lek = cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedKey");
    if (lek)
      start = cJSON_PrintUnformatted(lek);
    cJSON_Delete(resp);
    pages++;
  } while (start && pages < 10);
  assert_int_equal(seen, 25);
  assert_int_equal(pages, 3);
  emu_buf_free(&out);
}

static void parallel_scan_segments_partition_the_table(void **state) {
  struct dynamo_fixture *f = *state;
  struct emu_buf out;
  char req[256];
  int i, seg, total = 0;

  emu_buf_init(&out, 1 << 24);
  assert_int_equal(dynamo_api_call(f->db, "CreateTable", create_conn, strlen(create_conn), &out),
                   200);
  for (i = 0; i < 100; i++) {
    snprintf(req, sizeof(req), "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"k%d\"}}}",
             i);
    emu_buf_reset(&out);
    assert_int_equal(dynamo_api_call(f->db, "PutItem", req, strlen(req), &out), 200);
  }
  for (seg = 0; seg < 4; seg++) {
    cJSON *resp;
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"Connections\",\"Segment\":%d,\"TotalSegments\":4,\"Select\":\"COUNT\"}",
        seg);
    emu_buf_reset(&out);
    assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), 200);
    resp = cJSON_Parse(out.data);
    total += cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint;
    assert_null(cJSON_GetObjectItemCaseSensitive(resp, "Items"));
    cJSON_Delete(resp);
  }
  assert_int_equal(total, 100);
  emu_buf_reset(&out);
  snprintf(req, sizeof(req), "{\"TableName\":\"Connections\",\"Segment\":4,\"TotalSegments\":4}");
  assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), 400);
  assert_non_null(strstr(out.data, "Segment: 4 is not less than TotalSegments: 4"));
  /* SPEC docs/spec/dynamodb.md 2.23: a start key from segment 1 is refused
   * by segment 0 and accepted by segment 1 ("The provided starting key is
   * invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with
   * correct Segment. TotalSegments: 4 Segment: 0"). */
  {
    cJSON *resp, *first;
    char *key;
    emu_buf_reset(&out);
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Connections\",\"Segment\":1,\"TotalSegments\":4,\"Limit\":1}");
    assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), 200);
    resp = cJSON_Parse(out.data);
    first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
    assert_non_null(first);
    key = cJSON_PrintUnformatted(first);
    for (seg = 0; seg < 2; seg++) {
      snprintf(req, sizeof(req),
               "{\"TableName\":\"Connections\",\"Segment\":%d,\"TotalSegments\":4,"
               "\"ExclusiveStartKey\":%s}",
               seg, key);
      emu_buf_reset(&out);
      assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), seg ? 200 : 400);
      if (!seg)
        assert_non_null(strstr(out.data, "The provided starting key is invalid: Invalid "
                                         "ExclusiveStartKey. Please use ExclusiveStartKey with "
                                         "correct Segment. TotalSegments: 4 Segment: 0\""));
    }
    cJSON_free(key);
    cJSON_Delete(resp);
    emu_buf_reset(&out);
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Connections\",\"Segment\":0,\"TotalSegments\":1,"
             "\"ExclusiveStartKey\":{\"id\":{\"S\":\"k1\"}}}");
    assert_int_equal(dynamo_api_call(f->db, "Scan", req, strlen(req), &out), 200);
  }
  emu_buf_free(&out);
}

static void unknown_operations_and_bad_json_get_coral_errors(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"Frobnicate", "{}", 400, "com.amazon.coral.service#UnknownOperationException", NULL,
       "unknown op"},
      {"ListTables", "{not json", 400, DYNAMO_ROWS_SERIALIZATION, NULL, "malformed JSON"},
      {"ListTables", "", 400, DYNAMO_ROWS_SERIALIZATION, NULL, "empty body"},
      {"ListTables", "[1]", 400, DYNAMO_ROWS_SERIALIZATION, NULL, "not an object"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* ---- Concurrent writers ------------------------------------------------- */

#define CW_THREADS 8
#define CW_KEYS 40

struct cw {
  struct dynamo *db;
  int id;
  int created;  /* conditional puts that succeeded */
  int counted;  /* increments that succeeded */
  int failures; /* unexpected answers (cmocka asserts are not thread-safe) */
};

/* Every thread tries to create every key (attribute_not_exists) and to
 * increment one shared counter per key. */
static void *cw_main(void *arg) {
  struct cw *w = arg;
  struct emu_buf out;
  char req[512];
  int k;

  emu_buf_init(&out, 1 << 20);
  for (k = 0; k < CW_KEYS; k++) {
    int st;
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Connections\",\"Item\":{\"id\":{\"S\":\"k%02d\"},"
             "\"owner\":{\"N\":\"%d\"}},\"ConditionExpression\":\"attribute_not_exists(id)\"}",
             k, w->id);
    emu_buf_reset(&out);
    st = dynamo_api_call(w->db, "PutItem", req, strlen(req), &out);
    if (st == 200)
      w->created++;
    else if (st != 400 || !strstr(out.data, "ConditionalCheckFailedException"))
      w->failures++;
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"count\"}},"
        "\"UpdateExpression\":\"ADD n :one\",\"ExpressionAttributeValues\":{\":one\":{\"N\":\"1\"}}}");
    emu_buf_reset(&out);
    if (dynamo_api_call(w->db, "UpdateItem", req, strlen(req), &out) == 200)
      w->counted++;
    else
      w->failures++;
  }
  emu_buf_free(&out);
  return NULL;
}

static void concurrent_conditional_writes_succeed_exactly_once(void **state) {
  struct dynamo_fixture *f = *state;
  struct cw w[CW_THREADS];
  pthread_t th[CW_THREADS];
  struct emu_buf out;
  cJSON *resp;
  int i, created = 0, counted = 0;

  emu_buf_init(&out, 1 << 20);
  assert_int_equal(dynamo_api_call(f->db, "CreateTable", create_conn, strlen(create_conn), &out),
                   200);
  emu_buf_free(&out);
  for (i = 0; i < CW_THREADS; i++) {
    w[i] = (struct cw){f->db, i, 0, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, cw_main, &w[i]), 0);
  }
  for (i = 0; i < CW_THREADS; i++) {
    pthread_join(th[i], NULL);
    assert_int_equal(w[i].failures, 0);
    created += w[i].created;
    counted += w[i].counted;
  }
  /* Each key was created by exactly one writer; no increment was lost. */
  assert_int_equal(created, CW_KEYS);
  assert_int_equal(counted, CW_THREADS * CW_KEYS);
  resp = dynamo_rows_call_ok(f->db, "GetItem",
                             "{\"TableName\":\"Connections\",\"Key\":{\"id\":{\"S\":\"count\"}}}");
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Item"), "n"),
          "N")
          ->valuestring,
      "320");
  cJSON_Delete(resp);
  resp = dynamo_rows_call_ok(f->db, "Scan", "{\"TableName\":\"Connections\",\"Select\":\"COUNT\"}");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint, CW_KEYS + 1);
  cJSON_Delete(resp);
}

/* SPEC docs/spec/dynamodb.md 2.35 (ALT-tests test_delete_table_description_with_si): "whereas
 * DescribeTable returns a description of the indexes ..., DeleteTable doesn't"; nor KeySchema,
 * AttributeDefinitions or CreationDateTime. TableId, TableArn, BillingModeSummary,
 * ProvisionedThroughput, TableSizeBytes and ItemCount are there. */
static void delete_table_returns_what_dynamodb_returns(void **state) {
  struct dynamo_fixture *f = *state;
  static const char *const absent[] = {"KeySchema",
                                       "AttributeDefinitions",
                                       "CreationDateTime",
                                       "GlobalSecondaryIndexes",
                                       "LocalSecondaryIndexes",
                                       NULL};
  static const char *const present[] = {"TableName",      "TableId",        "TableArn",
                                        "TableSizeBytes", "ItemCount",      "ProvisionedThroughput",
                                        "TableStatus",    "WarmThroughput", NULL};
  const cJSON *d, *bms;
  cJSON *resp;
  int i;

  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "CreateTable",
      "{\"TableName\":\"WithSi\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
      "{\"AttributeName\":\"p\",\"AttributeType\":\"S\"},{\"AttributeName\":\"c\","
      "\"AttributeType\":\"S\"},{\"AttributeName\":\"x\",\"AttributeType\":\"S\"}],"
      "\"KeySchema\":[{\"AttributeName\":\"p\",\"KeyType\":\"HASH\"},{\"AttributeName\":"
      "\"c\",\"KeyType\":\"RANGE\"}],\"GlobalSecondaryIndexes\":[{\"IndexName\":\"hello\","
      "\"KeySchema\":[{\"AttributeName\":\"x\",\"KeyType\":\"HASH\"}],\"Projection\":{"
      "\"ProjectionType\":\"ALL\"}}],\"LocalSecondaryIndexes\":[{\"IndexName\":\"hithere\","
      "\"KeySchema\":[{\"AttributeName\":\"p\",\"KeyType\":\"HASH\"},{\"AttributeName\":"
      "\"x\",\"KeyType\":\"RANGE\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}]}"));
  resp = dynamo_rows_call_ok(f->db, "DeleteTable", "{\"TableName\":\"WithSi\"}");
  d = cJSON_GetObjectItemCaseSensitive(resp, "TableDescription");
  for (i = 0; absent[i]; i++)
    if (cJSON_GetObjectItemCaseSensitive(d, absent[i]))
      fail_msg("DeleteTable returned %s", absent[i]);
  for (i = 0; present[i]; i++)
    if (!cJSON_GetObjectItemCaseSensitive(d, present[i]))
      fail_msg("DeleteTable left out %s", present[i]);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(d, "TableStatus")->valuestring, "DELETING");
  bms = cJSON_GetObjectItemCaseSensitive(d, "BillingModeSummary");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(bms, "BillingMode")->valuestring,
                      "PAY_PER_REQUEST");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(bms, "LastUpdateToPayPerRequestDateTime"));
  cJSON_Delete(resp);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(table_operations_follow_aws, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(item_operations_follow_aws, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(update_item_follows_aws, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(updated_return_values_hold_only_the_updated_nested_paths,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(largest_keys_are_stored_read_and_scanned_in_order,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(number_keys_in_any_spelling_address_one_item,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(legacy_parameters_work_through_the_operations,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(scan_pages_through_every_item_once, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(parallel_scan_segments_partition_the_table, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(unknown_operations_and_bad_json_get_coral_errors,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(concurrent_conditional_writes_succeed_exactly_once,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(delete_table_returns_what_dynamodb_returns, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_api", tests, NULL, NULL);
}
