/*
 * test_dynamo_indexes.c - global and local secondary indexes through
 * dynamo_api_call: CreateTable's index validation (DynamoDB's messages),
 * GSI/LSI queries in index sort order, sparse indexes, the three
 * projections, index entries following PutItem/UpdateItem/DeleteItem,
 * BatchWriteItem, TransactWriteItems and the TTL sweep, paging through an
 * index (every item once), the ConsistentRead and Select errors, UpdateTable
 * creating (with backfill) and deleting a GSI, DescribeTable's shape, and
 * DeleteTable removing every index entry from the store; Select
 * ALL_ATTRIBUTES on a KEYS_ONLY LSI (read from the table) and reverse
 * index queries over table keys that start with the byte 0xFF.
 * A fresh LMDB directory per test (dynamo_rows fixture).
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_int.h"
#include "dynamo_rows.h"
#include "dynamo_ttl.h"

#define AD(n, t) "{\"AttributeName\":\"" n "\",\"AttributeType\":\"" t "\"}"
#define KS(n, t) "{\"AttributeName\":\"" n "\",\"KeyType\":\"" t "\"}"

/* Orders: pk/sk; ByStatus (GSI status/total, KEYS_ONLY); ByNote (GSI note,
 * INCLUDE total); ByTotal (LSI pk/total, ALL). */
static const char create_orders[] =
    // clang-format off
    "{\"TableName\":\"Orders\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":["
    AD("pk", "S") "," AD("sk", "S") "," AD("status", "S") "," AD("total", "N") "," AD("note", "S") "],"
    "\"KeySchema\":[" KS("pk", "HASH") "," KS("sk", "RANGE") "],"
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ByStatus\",\"KeySchema\":[" KS("status", "HASH") ","
    KS("total", "RANGE") "],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}},"
    "{\"IndexName\":\"ByNote\",\"KeySchema\":[" KS("note", "HASH") "],\"Projection\":{\"ProjectionType\":"
    "\"INCLUDE\",\"NonKeyAttributes\":[\"total\"]}}],"
    "\"LocalSecondaryIndexes\":[{\"IndexName\":\"ByTotal\",\"KeySchema\":[" KS("pk", "HASH") ","
    KS("total", "RANGE") "],\"Projection\":{\"ProjectionType\":\"ALL\"}}]}";
// clang-format on

static void put(struct dynamo *db, const char *pk, const char *sk, const char *status,
                const char *total, const char *note) {
  char req[1024];
  int n = snprintf(
      req, sizeof(req),
      "{\"TableName\":\"Orders\",\"Item\":{\"pk\":{\"S\":\"%s\"},\"sk\":{\"S\":\"%s\"},"
      "\"extra\":{\"S\":\"x\"}",
      pk, sk);
  if (status)
    n += snprintf(req + n, sizeof(req) - (size_t)n, ",\"status\":{\"S\":\"%s\"}", status);
  if (total)
    n += snprintf(req + n, sizeof(req) - (size_t)n, ",\"total\":{\"N\":\"%s\"}", total);
  if (note)
    n += snprintf(req + n, sizeof(req) - (size_t)n, ",\"note\":{\"S\":\"%s\"}", note);
  snprintf(req + n, sizeof(req) - (size_t)n, "}}");
  cJSON_Delete(dynamo_rows_call_ok(db, "PutItem", req));
}

/* The sk values of a Query/Scan response's Items, joined by ','. */
static void sks(const cJSON *resp, char *out, size_t cap) {
  const cJSON *it;
  size_t n = 0;

  out[0] = '\0';
  cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
    const cJSON *sk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "sk"),
                                                       "S");
    n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "", sk ? sk->valuestring : "?");
  }
}

static void query_expect(struct dynamo *db, const char *req, const char *want) {
  char got[512];
  cJSON *resp = dynamo_rows_call_ok(db, "Query", req);

  sks(resp, got, sizeof(got));
  if (strcmp(got, want) != 0)
    fail_msg("Query %s: got [%s], want [%s]", req, got, want);
  cJSON_Delete(resp);
}

static int count_of(struct dynamo *db, const char *op, const char *req) {
  cJSON *resp = dynamo_rows_call_ok(db, op, req);
  int n = cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint;

  cJSON_Delete(resp);
  return n;
}

#define Q_STATUS(s)                                                                                    \
  "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"KeyConditionExpression\":\"#s = :s\","       \
  "\"ExpressionAttributeNames\":{\"#s\":\"status\"},\"ExpressionAttributeValues\":{\":s\":{\"S\":\"" s \
  "\"}}}"
#define Q_NOTE(s)                                                                                \
  "{\"TableName\":\"Orders\",\"IndexName\":\"ByNote\",\"KeyConditionExpression\":\"note = :s\"," \
  "\"ExpressionAttributeValues\":{\":s\":{\"S\":\"" s "\"}}}"
#define SCAN_INDEX(i) "{\"TableName\":\"Orders\",\"IndexName\":\"" i "\"}"

static void create_table_validates_indexes(void **state) {
  struct dynamo_fixture *f = *state;
#define T2                                                                        \
  "\"TableName\":\"Tbl\",\"BillingMode\":\"PAY_PER_REQUEST\",\"KeySchema\":[" KS( \
      "a", "HASH") "," KS("b", "RANGE") "],"
#define ADS "\"AttributeDefinitions\":[" AD("a", "S") "," AD("b", "S") "," AD("c", "N") "],"
#define LSI(name, h, r, proj) \
  "{\"IndexName\":\"" name    \
  "\",\"KeySchema\":[" KS(h, "HASH") "," KS(r, "RANGE") "],\"Projection\":" proj "}"
#define GSI(name, h, proj) \
  "{\"IndexName\":\"" name "\",\"KeySchema\":[" KS(h, "HASH") "],\"Projection\":" proj "}"
#define ALL "{\"ProjectionType\":\"ALL\"}"
  static const struct dynamo_row rows[] = {
      {"CreateTable", "{" T2 ADS "\"LocalSecondaryIndexes\":[" LSI("ix1", "c", "b", ALL) "]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Index KeySchema does not have the same leading hash key as table KeySchema for index: ix1. "
       "index hash key: c, table hash key: a",
       "LSI hash must be the table's"},
      {"CreateTable", "{" T2 ADS "\"LocalSecondaryIndexes\":[" LSI("ix1", "a", "zz", ALL) "]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Some index key attributes are not defined in AttributeDefinitions. Keys: [a, zz], "
       "AttributeDefinitions: [a, b, c]",
       "index key not defined"},
      {"CreateTable",
       "{" T2 ADS
       "\"GlobalSecondaryIndexes\":[" GSI("ix1", "c", "{\"ProjectionType\":\"SOME\"}") "]}",
       400, DYNAMO_ROWS_VALIDATION, "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]",
       "projection type enum"},
      {"CreateTable", "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI("ix1", "c", "{}") "]}", 400,
       DYNAMO_ROWS_VALIDATION, "Unknown ProjectionType: null", "projection type missing"},
      {"CreateTable",
       "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI(
           "ix1", "c", "{\"ProjectionType\":\"ALL\",\"NonKeyAttributes\":[\"x\"]}") "]}",
       400, DYNAMO_ROWS_VALIDATION, "ProjectionType is ALL, but NonKeyAttributes is specified",
       "NonKeyAttributes only with INCLUDE"},
      {"CreateTable", "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI("ix", "c", ALL) "]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "Value 'ix' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must "
       "have length greater than or equal to 3",
       "name too short"},
      {"CreateTable", "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI("ix 1", "c", ALL) "]}", 400,
       DYNAMO_ROWS_VALIDATION, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
       "name pattern"},
      {"CreateTable",
       "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI(
           "ix1", "c", ALL) "],\"LocalSecondaryIndexes\":[" LSI("ix1", "a", "c", ALL) "]}",
       400, DYNAMO_ROWS_VALIDATION, "Duplicate index name: ix1",
       "duplicate names across GSI and LSI"},
      {"CreateTable",
       "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI("ix1", "c", ALL) "," GSI("ix1", "c", ALL) "]}",
       400, DYNAMO_ROWS_VALIDATION, "Duplicate index name: ix1", "duplicate GSI names"},
      {"CreateTable", "{" T2 ADS "\"GlobalSecondaryIndexes\":[]}", 400, DYNAMO_ROWS_VALIDATION,
       "List of GlobalSecondaryIndexes is empty", "empty GSI list"},
      {"CreateTable",
       "{\"TableName\":\"Tbl\",\"BillingMode\":\"PAY_PER_REQUEST\",\"KeySchema\":[" KS(
           "a", "HASH") "]," ADS "\"LocalSecondaryIndexes\":[" LSI("ix1", "a", "c", ALL) "]}",
       400, DYNAMO_ROWS_VALIDATION,
       "Table KeySchema does not have a range key, which is required when "
       "specifying a LocalSecondaryIndex",
       "LSI needs a table sort key"},
      {"CreateTable",
       "{" T2 ADS "\"LocalSecondaryIndexes\":[{\"IndexName\":\"ix1\",\"KeySchema\":[" KS(
           "a", "HASH") "],"
                        "\"Projection\":" ALL "}]}",
       400, DYNAMO_ROWS_VALIDATION, "Index KeySchema does not have a range key for index: ix1",
       "LSI needs a sort key"},
      {"CreateTable",
       "{" T2 ADS "\"LocalSecondaryIndexes\":[" LSI("ix1", "a", "c", ALL) "," LSI(
           "ix2", "a", "c", ALL) "," LSI("ix3", "a", "c",
                                         ALL) "," LSI("ix4", "a", "c",
                                                      ALL) "," LSI("ix5", "a", "c",
                                                                   ALL) "," LSI("ix6", "a", "c",
                                                                                ALL) "]}",
       400, DYNAMO_ROWS_VALIDATION, "Number of LocalSecondaryIndexes exceeds per-table limit of 5",
       "at most 5 LSIs"},
      {"CreateTable",
       "{" T2 ADS
       "\"GlobalSecondaryIndexes\":[" GSI("g01", "c", ALL) "," GSI("g02", "c", ALL) "," GSI("g03", "c", ALL) "," GSI(
           "g04", "c", ALL) "," GSI("g05", "c",
                                    ALL) "," GSI("g06", "c",
                                                 ALL) "," GSI("g07", "c",
                                                              ALL) "," GSI("g08", "c",
                                                                           ALL) "," GSI("g09", "c",
                                                                                        ALL) "," GSI("g10", "c", ALL) "," GSI("g11", "c", ALL) "," GSI("g12", "c", ALL) "," GSI("g13", "c", ALL) "," GSI("g14", "c", ALL) "," GSI("g15", "c", ALL) "," GSI("g16",
                                                                                                                                                                                                                                                           "c", ALL) "," GSI("g17", "c", ALL) "," GSI("g18",
                                                                                                                                                                                                                                                                                                      "c", ALL) "," GSI("g19",
                                                                                                                                                                                                                                                                                                                        "c", ALL) "," GSI("g20", "c", ALL) "," GSI("g21",
                                                                                                                                                                                                                                                                                                                                                                   "c",
                                                                                                                                                                                                                                                                                                                                                                   ALL) "]}",
       400, DYNAMO_ROWS_VALIDATION, "GlobalSecondaryIndex count exceeds the per-table limit of 20",
       "at most 20 GSIs"},
      {"CreateTable",
       // clang-format off
       "{" T2 ADS "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ix1\",\"KeySchema\":[" KS("c", "HASH") "],"
       "\"Projection\":" ALL ",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1}}]}",
       // clang-format on
       400, DYNAMO_ROWS_VALIDATION, "ProvisionedThroughput should not be specified for index: ix1",
       "on-demand GSI without throughput"},
      {"CreateTable",
       "{\"TableName\":\"Tbl\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1},"
       "\"KeySchema\":[" KS("a", "HASH") "," KS(
           "b", "RANGE") "]," ADS "\"GlobalSecondaryIndexes\":[" GSI("ix1", "c", ALL) "]}",
       400, DYNAMO_ROWS_VALIDATION, "ProvisionedThroughput must be specified for index: ix1",
       "provisioned GSI needs throughput"},
      {"CreateTable",
       "{\"TableName\":\"Tbl\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1},"
       "\"KeySchema\":[" KS("a", "HASH") "," KS(
           "b", "RANGE") "]," ADS
                         "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ix1\",\"KeySchema\":[" KS(
                             "c",
                             "HASH") "],\"Projection\":" ALL ",\"ProvisionedThroughput\":"
                                     "{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1e40}}]}",
       400, DYNAMO_ROWS_SERIALIZATION, "DECIMAL_VALUE cannot be converted to Long",
       "a GSI capacity beyond 64 bits is refused, not converted"},
      {"CreateTable", "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI("ix1", "b", ALL) "]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Some AttributeDefinitions are not used. "
       "AttributeDefinitions: [a, b, c], keys used: [a, b]",
       "every definition must be a key"},
      {"CreateTable", "{" T2 ADS "\"GlobalSecondaryIndexes\":[" GSI("ix1", "c", ALL) "]}", 200,
       NULL, "\"IndexArn\":\"arn:aws:dynamodb:", "a valid table with a GSI"},
      {"DescribeTable", "{\"TableName\":\"Tbl\"}", 200, NULL,
       "\"IndexStatus\":\"ACTIVE\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":0,"
       "\"NumberOfDecreasesToday\":0},\"IndexSizeBytes\":0,\"ItemCount\":0",
       "GSI description shape"},
      {"Query",
       "{\"TableName\":\"Tbl\",\"IndexName\":\"nope\",\"KeyConditionExpression\":\"c = :c\","
       "\"ExpressionAttributeValues\":{\":c\":{\"N\":\"1\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "The table does not have the specified index: nope",
       "unknown index (Query)"},
      {"Scan", "{\"TableName\":\"Tbl\",\"IndexName\":\"nope\"}", 400, DYNAMO_ROWS_VALIDATION,
       "The table does not have the specified index: nope", "unknown index (Scan)"},
      {"Query",
       "{\"TableName\":\"Tbl\",\"IndexName\":\"ix1\",\"ConsistentRead\":true,\"KeyConditionExpression\":\"c = :c\","
       "\"ExpressionAttributeValues\":{\":c\":{\"N\":\"1\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "Consistent reads are not supported on global secondary indexes", "ConsistentRead on a GSI"},
      {"Scan", "{\"TableName\":\"Tbl\",\"IndexName\":\"ix1\",\"ConsistentRead\":true}", 400,
       DYNAMO_ROWS_VALIDATION, "Consistent reads are not supported on global secondary indexes",
       "ConsistentRead on a GSI (Scan)"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void queries_follow_index_order_sparseness_and_projection(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *resp, *it;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_orders));
  put(f->db, "c1", "o1", "open", "30", "gift");
  put(f->db, "c1", "o2", "open", "-5", NULL);
  put(f->db, "c2", "o3", "open", "100", "gift");
  put(f->db, "c2", "o4", "shipped", "7", NULL);
  put(f->db, "c1", "o5", NULL, "1", NULL);    /* not in ByStatus */
  put(f->db, "c1", "o6", "open", NULL, NULL); /* no sort key: not in ByStatus or ByTotal */
  put(f->db, "c3", "o7", "open", "2.50", NULL);
  /* GSI: by total ascending, across partitions; reverse. */
  query_expect(f->db, Q_STATUS("open"), "o2,o7,o1,o3");
  query_expect(
      f->db,
      "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"ScanIndexForward\":false,"
      "\"KeyConditionExpression\":\"#s = :s AND #t BETWEEN :a AND :b\",\"ExpressionAttributeNames\":"
      "{\"#s\":\"status\",\"#t\":\"total\"},\"ExpressionAttributeValues\":{\":s\":{\"S\":\"open\"},"
      "\":a\":{\"N\":\"-5\"},\":b\":{\"N\":\"30\"}}}",
      "o1,o7,o2");
  query_expect(
      f->db,
      "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"ScanIndexForward\":false,"
      "\"KeyConditionExpression\":\"#s = :s AND #t = :a\",\"ExpressionAttributeNames\":"
      "{\"#s\":\"status\",\"#t\":\"total\"},\"ExpressionAttributeValues\":{\":s\":{\"S\":\"open\"},"
      "\":a\":{\"N\":\"30\"}}}",
      "o1");
  query_expect(
      f->db,
      "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\","
      "\"KeyConditionExpression\":\"#s = :s AND #t > :a\",\"ExpressionAttributeNames\":"
      "{\"#s\":\"status\",\"#t\":\"total\"},\"ExpressionAttributeValues\":{\":s\":{\"S\":\"open\"},"
      "\":a\":{\"N\":\"2.5\"}}}",
      "o1,o3");
  query_expect(f->db, Q_STATUS("shipped"), "o4");
  /* KEYS_ONLY: table keys and index keys only. */
  resp = dynamo_rows_call_ok(f->db, "Query", Q_STATUS("shipped"));
  it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
  assert_int_equal(cJSON_GetArraySize(it), 4);
  assert_null(cJSON_GetObjectItemCaseSensitive(it, "extra"));
  cJSON_Delete(resp);
  /* INCLUDE: keys plus total, hash-only GSI. */
  resp = dynamo_rows_call_ok(f->db, "Query", Q_NOTE("gift"));
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint, 2);
  cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
    assert_non_null(cJSON_GetObjectItemCaseSensitive(it, "total"));
    assert_null(cJSON_GetObjectItemCaseSensitive(it, "extra"));
    assert_null(cJSON_GetObjectItemCaseSensitive(it, "status"));
  }
  cJSON_Delete(resp);
  /* LSI (ALL): one partition by total, whole items. */
  query_expect(
      f->db,
      "{\"TableName\":\"Orders\",\"IndexName\":\"ByTotal\",\"ConsistentRead\":true,"
      "\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"c1\"}}}",
      "o2,o5,o1");
  resp = dynamo_rows_call_ok(
      f->db, "Query",
      "{\"TableName\":\"Orders\",\"IndexName\":\"ByTotal\",\"Select\":\"ALL_PROJECTED_ATTRIBUTES\","
      "\"KeyConditionExpression\":\"pk = :p AND #t < :t\",\"ExpressionAttributeNames\":{\"#t\":\"total\"},"
      "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"c1\"},\":t\":{\"N\":\"0\"}}}");
  it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
  assert_non_null(cJSON_GetObjectItemCaseSensitive(it, "extra"));
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "Items")), 1);
  cJSON_Delete(resp);
  /* Scans of indexes see only the indexed items. */
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByStatus")), 5);
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByNote")), 2);
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByTotal")), 6);
  {
    static const struct dynamo_row rows[] = {
        {"Query",
         "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"Select\":\"ALL_ATTRIBUTES\","
         "\"KeyConditionExpression\":\"#s = :s\",\"ExpressionAttributeNames\":{\"#s\":\"status\"},"
         "\"ExpressionAttributeValues\":{\":s\":{\"S\":\"open\"}}}",
         400, DYNAMO_ROWS_VALIDATION,
         "Select type ALL_ATTRIBUTES is not supported for global secondary index ByStatus because its "
         "projection type is not ALL",
         "ALL_ATTRIBUTES on a KEYS_ONLY GSI"},
        {"Query",
         "{\"TableName\":\"Orders\",\"Select\":\"ALL_PROJECTED_ATTRIBUTES\","
         "\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"c1\"}}}",
         400, DYNAMO_ROWS_VALIDATION,
         "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
         "ALL_PROJECTED_ATTRIBUTES needs an index"},
        {"Query",
         "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"KeyConditionExpression\":\"pk = :p\","
         "\"ExpressionAttributeValues\":{\":p\":{\"S\":\"c1\"}}}",
         400, DYNAMO_ROWS_VALIDATION, "Query condition missed key schema element",
         "the index's key schema"},
        {"Query",
         "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"KeyConditionExpression\":\"#s = :s\","
         "\"ExpressionAttributeNames\":{\"#s\":\"status\"},"
         "\"ExpressionAttributeValues\":{\":s\":{\"S\":\"open\"}},\"ExclusiveStartKey\":{\"pk\":{\"S\":\"c1\"},"
         "\"sk\":{\"S\":\"o1\"}}}",
         400, DYNAMO_ROWS_VALIDATION, "The provided starting key is invalid",
         "an index start key needs the index keys"},
    };
    dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  }
}

static void entries_follow_every_kind_of_write(void **state) {
  struct dynamo_fixture *f = *state;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_orders));
  put(f->db, "c1", "o1", "open", "30", NULL);
  put(f->db, "c1", "o2", "open", "10", NULL);
  /* UpdateItem moves the entry. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "UpdateItem",
      "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}},"
      "\"UpdateExpression\":\"SET #s = :s, #t = :t\",\"ExpressionAttributeNames\":"
      "{\"#s\":\"status\",\"#t\":\"total\"},\"ExpressionAttributeValues\":"
      "{\":s\":{\"S\":\"shipped\"},\":t\":{\"N\":\"5\"}}}"));
  query_expect(f->db, Q_STATUS("open"), "o2");
  query_expect(f->db, Q_STATUS("shipped"), "o1");
  /* Removing an index key drops the entry (sparse). */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "UpdateItem",
      "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}},"
      "\"UpdateExpression\":\"REMOVE #s\",\"ExpressionAttributeNames\":{\"#s\":\"status\"}}"));
  query_expect(f->db, Q_STATUS("shipped"), "");
  /* A PutItem replacing the item replaces the entry. */
  put(f->db, "c1", "o2", "open", "99", "n");
  query_expect(f->db, Q_STATUS("open"), "o2");
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByStatus")), 1);
  /* DeleteItem. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "DeleteItem",
      "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o2\"}}}"));
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByStatus")), 0);
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByNote")), 0);
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByTotal")), 1); /* o1 still has total 5 */
  /* BatchWriteItem. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "BatchWriteItem",
      "{\"RequestItems\":{\"Orders\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"c2\"},\"sk\":{\"S\":\"b1\"},"
      "\"status\":{\"S\":\"open\"},\"total\":{\"N\":\"2\"}}}},{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"c2\"},"
      "\"sk\":{\"S\":\"b2\"},\"status\":{\"S\":\"open\"},\"total\":{\"N\":\"1\"}}}},"
      "{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}}}}]}}"));
  query_expect(f->db, Q_STATUS("open"), "b2,b1");
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByTotal")), 2);
  /* TransactWriteItems. */
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "TransactWriteItems",
      "{\"TransactItems\":[{\"Put\":{\"TableName\":\"Orders\",\"Item\":{\"pk\":{\"S\":\"c3\"},\"sk\":{\"S\":\"t1\"},"
      "\"status\":{\"S\":\"open\"},\"total\":{\"N\":\"0\"}}}},{\"Delete\":{\"TableName\":\"Orders\",\"Key\":"
      "{\"pk\":{\"S\":\"c2\"},\"sk\":{\"S\":\"b1\"}}}},{\"Update\":{\"TableName\":\"Orders\",\"Key\":{\"pk\":"
      "{\"S\":\"c2\"},\"sk\":{\"S\":\"b2\"}},\"UpdateExpression\":\"SET #t = :t\",\"ExpressionAttributeNames\":{\"#t\":\"total\"},"
      "\"ExpressionAttributeValues\":{\":t\":{\"N\":\"50\"}}}}]}"));
  query_expect(f->db, Q_STATUS("open"), "t1,b2");
  /* A failed transaction leaves the index alone. */
  {
    static const struct dynamo_row rows[] = {
        {"TransactWriteItems",
         "{\"TransactItems\":[{\"Put\":{\"TableName\":\"Orders\",\"Item\":{\"pk\":{\"S\":\"c4\"},\"sk\":{\"S\":\"x\"},"
         "\"status\":{\"S\":\"open\"},\"total\":{\"N\":\"1\"}}}},{\"ConditionCheck\":{\"TableName\":\"Orders\","
         "\"Key\":{\"pk\":{\"S\":\"c3\"},\"sk\":{\"S\":\"t1\"}},\"ConditionExpression\":\"attribute_not_exists(pk)\"}}]}",
         400, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException", NULL, "cancelled"},
    };
    dynamo_rows_run(f->db, rows, 1);
  }
  query_expect(f->db, Q_STATUS("open"), "t1,b2");
  /* TTL deletion. */
  cJSON_Delete(
      dynamo_rows_call_ok(f->db, "UpdateTimeToLive",
                          "{\"TableName\":\"Orders\",\"TimeToLiveSpecification\":{\"Enabled\":true,"
                          "\"AttributeName\":\"exp\"}}"));
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "UpdateItem",
      "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c3\"},\"sk\":{\"S\":\"t1\"}},"
      "\"UpdateExpression\":\"SET #e = :e\",\"ExpressionAttributeNames\":{\"#e\":\"exp\"},"
      "\"ExpressionAttributeValues\":{\":e\":{\"N\":\"1600000000\"}}}"));
  assert_int_equal(dynamo_ttl_sweep(f->db, 1700000000LL, 0), 1);
  query_expect(f->db, Q_STATUS("open"), "b2");
  assert_int_equal(count_of(f->db, "Scan", SCAN_INDEX("ByTotal")), 1);
}

static void paging_through_an_index_returns_every_item_once(void **state) {
  struct dynamo_fixture *f = *state;
  char seen[64] = {0}, req[2048], *lek = NULL;
  int pages = 0, total = 0, i;

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_orders));
  for (i = 0; i < 9; i++) {
    char pk[8], sk[8], tot[8];
    snprintf(pk, sizeof(pk), "c%d", i % 3);
    snprintf(sk, sizeof(sk), "%c", 'a' + i);
    snprintf(tot, sizeof(tot), "%d", i % 4); /* equal totals: order by table key */
    put(f->db, pk, sk, "open", tot, NULL);
  }
  for (;;) {
    cJSON *resp, *it, *last;
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"Orders\",\"IndexName\":\"ByStatus\",\"Limit\":2,\"KeyConditionExpression\":\"#s = :s\","
        "\"ExpressionAttributeNames\":{\"#s\":\"status\"},\"ExpressionAttributeValues\":{\":s\":{\"S\":\"open\"}}"
        "%s%s}",
        lek ? ",\"ExclusiveStartKey\":" : "", lek ? lek : "");
    cJSON_free(lek);
    lek = NULL;
    resp = dynamo_rows_call_ok(f->db, "Query", req);
    pages++;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
      int c = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(it, "sk"), "S")
                  ->valuestring[0];
      assert_int_equal(seen[c - 'a'], 0);
      seen[c - 'a'] = 1;
      total++;
    }
    last = cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedKey");
    if (last) {
      /* Index keys plus table keys. */
      assert_int_equal(cJSON_GetArraySize(last), 4);
      assert_non_null(cJSON_GetObjectItemCaseSensitive(last, "status"));
      assert_non_null(cJSON_GetObjectItemCaseSensitive(last, "total"));
      lek = cJSON_PrintUnformatted(last);
    }
    cJSON_Delete(resp);
    if (!lek)
      break;
    assert_true(pages < 20);
  }
  assert_int_equal(total, 9);
  assert_int_equal(pages, 5);
  /* The same through Scan of the index. */
  total = pages = 0;
  for (;;) {
    cJSON *resp, *last;
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Orders\",\"IndexName\":\"ByTotal\",\"Limit\":4%s%s}",
             lek ? ",\"ExclusiveStartKey\":" : "", lek ? lek : "");
    cJSON_free(lek);
    lek = NULL;
    resp = dynamo_rows_call_ok(f->db, "Scan", req);
    pages++;
    total += cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint;
    last = cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedKey");
    if (last) {
      assert_int_equal(cJSON_GetArraySize(last), 3); /* pk, sk, total */
      lek = cJSON_PrintUnformatted(last);
    }
    cJSON_Delete(resp);
    if (!lek)
      break;
    assert_true(pages < 20);
  }
  assert_int_equal(total, 9);
}

static double index_number(struct dynamo *db, const char *list, const char *member) {
  cJSON *resp = dynamo_rows_call_ok(db, "DescribeTable", "{\"TableName\":\"Orders\"}");
  const cJSON *d = cJSON_GetArrayItem(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Table"), list), 0);
  double v = -1;

  if (d) {
    assert_null(cJSON_GetObjectItemCaseSensitive(d, "WsgwSpace"));
    v = cJSON_GetObjectItemCaseSensitive(d, member)->valuedouble;
  }
  cJSON_Delete(resp);
  return v;
}

static int records_of_table(struct dynamo *db, uint32_t id) {
  unsigned char p[4] = {(unsigned char)(id >> 24), (unsigned char)(id >> 16),
                        (unsigned char)(id >> 8), (unsigned char)id};
  struct store_txn *t;
  struct store_cursor *c;
  const void *k, *v;
  size_t kl, vl;
  int n = 0;

  assert_int_equal(store_txn_begin(db->store, 0, &t), STORE_OK);
  assert_int_equal(store_cursor_open(t, p, sizeof(p), 0, NULL, 0, &c), STORE_OK);
  while (store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK)
    n++;
  store_cursor_close(c);
  store_txn_abort(t);
  return n;
}

static void update_table_creates_and_deletes_gsis(void **state) {
  struct dynamo_fixture *f = *state;
  static const char create_plain[] =
      "{\"TableName\":\"Orders\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[" AD(
          "pk", "S") "," AD("sk", "S") "],\"KeySchema\":[" KS("pk", "HASH") "," KS("sk",
                                                                                   "RANGE") "]}";
  static const char add_gsi[] =
      "{\"TableName\":\"Orders\",\"AttributeDefinitions\":[" AD("status", "S") "," AD(
          "total",
          "N") "],"
               "\"GlobalSecondaryIndexUpdates\":[{\"Create\":{\"IndexName\":\"ByStatus\",\"KeySchema\":[" KS(
                   "status",
                   "HASH") "," KS("total",
                                  "RANGE") "],\"Projection\":{\"ProjectionType\":\"ALL\"}}}]}";
  static const struct dynamo_row rows[] = {
      {"UpdateTable",
       "{\"TableName\":\"Orders\",\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{\"IndexName\":\"abc\"}},"
       "{\"Delete\":{\"IndexName\":\"abd\"}}]}",
       400, "com.amazonaws.dynamodb.v20120810#LimitExceededException",
       "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table",
       "one index change per call"},
      {"UpdateTable",
       "{\"TableName\":\"Orders\",\"GlobalSecondaryIndexUpdates\":[{\"Delete\":{\"IndexName\":\"abc\"}}]}",
       400, DYNAMO_ROWS_NOT_FOUND, NULL, "deleting a missing index"},
      {"UpdateTable", add_gsi, 200, NULL, "\"IndexName\":\"ByStatus\"", "create with backfill"},
      {"UpdateTable", add_gsi, 400, DYNAMO_ROWS_VALIDATION,
       "Attempting to create an index which already exists", "creating it twice"},
  };

  cJSON_Delete(dynamo_rows_call_ok(f->db, "CreateTable", create_plain));
  put(f->db, "c1", "o1", "open", "30", NULL);
  put(f->db, "c1", "o2", "open", "10", NULL);
  put(f->db, "c2", "o3", NULL, "10", NULL);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
  query_expect(f->db, Q_STATUS("open"), "o2,o1");
  assert_int_equal((int)index_number(f->db, "GlobalSecondaryIndexes", "ItemCount"), 2);
  assert_true(index_number(f->db, "GlobalSecondaryIndexes", "IndexSizeBytes") > 0);
  /* The new index is maintained like any other. */
  put(f->db, "c3", "o4", "open", "20", NULL);
  query_expect(f->db, Q_STATUS("open"), "o2,o4,o1");
  assert_int_equal(records_of_table(f->db, 1), 4 + 3);
  cJSON_Delete(
      dynamo_rows_call_ok(f->db, "UpdateTable",
                          "{\"TableName\":\"Orders\",\"GlobalSecondaryIndexUpdates\":[{\"Delete\":"
                          "{\"IndexName\":\"ByStatus\"}}]}"));
  assert_int_equal((int)index_number(f->db, "GlobalSecondaryIndexes", "ItemCount"), -1);
  assert_int_equal(records_of_table(f->db, 1), 4);
  {
    static const struct dynamo_row after[] = {
        {"Query", Q_STATUS("open"), 400, DYNAMO_ROWS_VALIDATION,
         "The table does not have the specified index: ByStatus", "the index is gone"},
    };
    dynamo_rows_run(f->db, after, 1);
  }
}

static void describe_and_delete_table(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *resp, *d;

  resp = dynamo_rows_call_ok(f->db, "CreateTable", create_orders);
  d = cJSON_GetObjectItemCaseSensitive(resp, "TableDescription");
  assert_int_equal(
      cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "GlobalSecondaryIndexes")), 2);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "LocalSecondaryIndexes")),
                   1);
  {
    char *text = cJSON_PrintUnformatted(d);
    assert_null(strstr(text, "WsgwSpace"));
    assert_non_null(strstr(text, "\"IndexArn\":\"arn:aws:dynamodb:"));
    assert_non_null(strstr(text, "table/Orders/index/ByTotal\""));
    cJSON_free(text);
  }
  cJSON_Delete(resp);
  put(f->db, "c1", "o1", "open", "30", "gift");
  put(f->db, "c1", "o2", NULL, "3", NULL);
  assert_int_equal((int)index_number(f->db, "LocalSecondaryIndexes", "ItemCount"), 2);
  assert_int_equal((int)index_number(f->db, "GlobalSecondaryIndexes", "ItemCount"), 1);
  /* 2 items + 1 ByStatus + 1 ByNote + 2 ByTotal. */
  assert_int_equal(records_of_table(f->db, 1), 6);
  resp = dynamo_rows_call_ok(f->db, "DeleteTable", "{\"TableName\":\"Orders\"}");
  {
    char *text = cJSON_PrintUnformatted(resp);
    assert_null(strstr(text, "WsgwSpace"));
    assert_non_null(strstr(text, "\"TableStatus\":\"DELETING\""));
    cJSON_free(text);
  }
  cJSON_Delete(resp);
  assert_int_equal(records_of_table(f->db, 1), 0);
}

/* Select ALL_ATTRIBUTES on a KEYS_ONLY LSI reads the table's items; a
 * reverse equality query on a GSI finds entries whose table key starts
 * with the byte 0xFF (right after enc(index sort) in the entry key). */
static void lsi_fetch_and_reverse_edges(void **state) {
  struct dynamo_fixture *f = *state;
  cJSON *resp, *it;

  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "CreateTable",
      // clang-format off
      "{\"TableName\":\"Logs\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[" AD("pk", "B") ","
      AD("sk", "S") "," AD("ls", "S") "," AD("g", "S") "],\"KeySchema\":[" KS("pk", "HASH") "," KS("sk", "RANGE") "],"
      "\"LocalSecondaryIndexes\":[{\"IndexName\":\"ByLs\",\"KeySchema\":[" KS("pk", "HASH") "," KS("ls", "RANGE") "],"
      "\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}],"
      "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ByG\",\"KeySchema\":[" KS("g", "HASH") "," KS("ls", "RANGE") "],"
      "\"Projection\":{\"ProjectionType\":\"ALL\"}}]}"));
  // clang-format on
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "PutItem",
      "{\"TableName\":\"Logs\",\"Item\":{\"pk\":{\"B\":\"/wE=\"},\"sk\":{\"S\":\"a\"},\"ls\":{\"S\":\"x\"},"
      "\"g\":{\"S\":\"G\"},\"body\":{\"S\":\"hello\"}}}"));
  cJSON_Delete(dynamo_rows_call_ok(
      f->db, "PutItem",
      "{\"TableName\":\"Logs\",\"Item\":{\"pk\":{\"B\":\"/wE=\"},\"sk\":{\"S\":\"b\"},\"ls\":{\"S\":\"xy\"},"
      "\"g\":{\"S\":\"G\"}}}"));
  resp = dynamo_rows_call_ok(
      f->db, "Query",
      "{\"TableName\":\"Logs\",\"IndexName\":\"ByLs\",\"Select\":\"ALL_ATTRIBUTES\","
      "\"KeyConditionExpression\":\"pk = :p AND ls = :l\",\"ExpressionAttributeValues\":"
      "{\":p\":{\"B\":\"/wE=\"},\":l\":{\"S\":\"x\"}}}");
  it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
  assert_non_null(cJSON_GetObjectItemCaseSensitive(it, "body"));
  cJSON_Delete(resp);
  resp = dynamo_rows_call_ok(
      f->db, "Query",
      "{\"TableName\":\"Logs\",\"IndexName\":\"ByLs\","
      "\"KeyConditionExpression\":\"pk = :p AND ls = :l\",\"ExpressionAttributeValues\":"
      "{\":p\":{\"B\":\"/wE=\"},\":l\":{\"S\":\"x\"}}}");
  it = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(resp, "Items"), 0);
  assert_null(cJSON_GetObjectItemCaseSensitive(it, "body"));
  cJSON_Delete(resp);
  query_expect(f->db,
               "{\"TableName\":\"Logs\",\"IndexName\":\"ByG\",\"ScanIndexForward\":false,"
               "\"KeyConditionExpression\":\"g = :g AND ls = :l\",\"ExpressionAttributeValues\":"
               "{\":g\":{\"S\":\"G\"},\":l\":{\"S\":\"x\"}}}",
               "a");
  query_expect(f->db,
               "{\"TableName\":\"Logs\",\"IndexName\":\"ByG\",\"ScanIndexForward\":false,"
               "\"KeyConditionExpression\":\"g = :g AND ls <= :l\",\"ExpressionAttributeValues\":"
               "{\":g\":{\"S\":\"G\"},\":l\":{\"S\":\"xy\"}}}",
               "b,a");
  query_expect(
      f->db,
      "{\"TableName\":\"Logs\",\"IndexName\":\"ByG\",\"ScanIndexForward\":false,"
      "\"KeyConditionExpression\":\"g = :g AND begins_with(ls, :l)\",\"ExpressionAttributeValues\":"
      "{\":g\":{\"S\":\"G\"},\":l\":{\"S\":\"x\"}}}",
      "b,a");
  query_expect(f->db,
               "{\"TableName\":\"Logs\",\"IndexName\":\"ByG\","
               "\"KeyConditionExpression\":\"g = :g AND ls > :l\",\"ExpressionAttributeValues\":"
               "{\":g\":{\"S\":\"G\"},\":l\":{\"S\":\"x\"}}}",
               "b");
}

#define ICM_TABLE(name, lsi)                                                                       \
  "{\"TableName\":\"" name                                                                         \
  "\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[" AD("c", "S") "," AD(         \
      "o", "S") "," AD("t", "N") "],\"KeySchema\":[" KS("c", "HASH") "," KS("o", "RANGE") "]," lsi \
                                                                                          "}"
#define ICM_LSI                                                                               \
  "\"LocalSecondaryIndexes\":[{\"IndexName\":\"ByT\",\"KeySchema\":[" KS("c", "HASH") "," KS( \
      "t", "RANGE") "],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]"
#define ICM_GSI                                                            \
  "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"ByT\",\"KeySchema\":[" KS( \
      "t", "HASH") "],\"Projection\":{\"ProjectionType\":\"KEYS_ONLY\"}}]"
#define ICM_ITEM(c, o) "{\"c\":{\"S\":\"" c "\"},\"o\":{\"S\":\"" o "\"},\"t\":{\"N\":\"1\"}}"
#define ICM_KEY(c, o) "{\"c\":{\"S\":\"" c "\"},\"o\":{\"S\":\"" o "\"}}"
#define ICM(c) "{\"ItemCollectionKey\":{\"c\":{\"S\":\"" c "\"}},\"SizeEstimateRangeGB\":[0,1]}"

/* SPEC docs/spec/dynamodb.md 2.37: ReturnItemCollectionMetrics SIZE returns
 * ItemCollectionMetrics {ItemCollectionKey (the partition key), SizeEstimateRangeGB [low, high]}
 * on tables with a local secondary index; "If the table does not have any local secondary
 * indexes, this information is not returned in the response." */
static void item_collection_metrics_on_tables_with_an_lsi(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable", ICM_TABLE("Orders", ICM_LSI), 200, NULL, NULL, "a table with an LSI"},
      {"CreateTable", ICM_TABLE("Plain", ICM_GSI), 200, NULL, NULL, "a table with a GSI only"},
      {"PutItem",
       "{\"TableName\":\"Orders\",\"Item\":" ICM_ITEM(
           "c1", "o1") ",\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL, "{\"ItemCollectionMetrics\":" ICM("c1") "}",
       "PutItem: the collection's partition key and its size range in GB"},
      {"UpdateItem",
       "{\"TableName\":\"Orders\",\"Key\":" ICM_KEY(
           "c1",
           "o2") ",\"UpdateExpression\":\"SET t = :t\",\"ExpressionAttributeValues\":{\":t\":{\"N\":\"2\"}},"
                 "\"ReturnItemCollectionMetrics\":\"SIZE\",\"ReturnValues\":\"UPDATED_NEW\"}",
       200, NULL, "{\"Attributes\":{\"t\":{\"N\":\"2\"}},\"ItemCollectionMetrics\":" ICM("c1") "}",
       "UpdateItem"},
      {"DeleteItem",
       "{\"TableName\":\"Orders\",\"Key\":" ICM_KEY(
           "c1", "o2") ",\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL, "{\"ItemCollectionMetrics\":" ICM("c1") "}", "DeleteItem"},
      {"PutItem",
       "{\"TableName\":\"Orders\",\"Item\":" ICM_ITEM(
           "c1", "o3") ",\"ReturnItemCollectionMetrics\":\"NONE\"}",
       200, NULL, "{}", "NONE (the default): nothing"},
      {"PutItem",
       "{\"TableName\":\"Plain\",\"Item\":" ICM_ITEM(
           "c1", "o1") ",\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL, "{}", "no LSI: nothing, even when asked"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Orders\":[{\"PutRequest\":{\"Item\":" ICM_ITEM("c2", "o1") "}},{\"PutRequest\":{\"Item\":" ICM_ITEM(
           "c2",
           "o2") "}},{\"DeleteRequest\":{\"Key\":" ICM_KEY("c3",
                                                           "o1") "}}],\"Plain\":[{\"PutRequest\":{\"Item\":" ICM_ITEM("c2",
                                                                                                                      "o1") "}}]},\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL, "\"ItemCollectionMetrics\":{\"Orders\":[" ICM("c2") "," ICM("c3") "]}",
       "BatchWriteItem: a list per table with an LSI, one entry per collection"},
      {"TransactWriteItems",
       "{\"TransactItems\":[{\"Put\":{\"TableName\":\"Orders\",\"Item\":" ICM_ITEM("c4", "o1") "}},{\"Delete\":{\"TableName\":\"Orders\",\"Key\":" ICM_KEY(
           "c5",
           "o1") "}},{\"ConditionCheck\":{\"TableName\":\"Orders\",\"Key\":" ICM_KEY("c1",
                                                                                     "o1") ",\"ConditionExpression\":\"attribute_exists(c)\"}},{\"Put\":{\"TableName\":\"Plain\","
                                                                                           "\"Item\":" ICM_ITEM(
                                                                                               "c6",
                                                                                               "o1") "}}],\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL, "{\"ItemCollectionMetrics\":{\"Orders\":[" ICM("c4") "," ICM("c5") "]}}",
       "TransactWriteItems: per table, the collections written (not the ConditionCheck's)"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Plain\":[{\"PutRequest\":{\"Item\":" ICM_ITEM(
           "c7", "o1") "}}]},\"ReturnItemCollectionMetrics\":\"SIZE\"}",
       200, NULL, "{\"UnprocessedItems\":{}}", "only tables without an LSI: no member"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* SPEC docs/spec/dynamodb.md 2.20: every write checks the item's index key
 * attributes against the index's declared type and refuses an empty one;
 * "Type mismatch for Index Key <attr> Expected: <T> Actual: <T> IndexName:
 * <index>" names the index that sorts first; in a transaction a wrong type
 * cancels with a ValidationError reason and an empty value is a top-level
 * ValidationException. */
static void writes_check_index_key_types_and_emptiness(void **state) {
  struct dynamo_fixture *f = *state;
#define ITEM(extra) "{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}" extra "}"
#define PUT(extra) "{\"TableName\":\"Orders\",\"Item\":" ITEM(extra) "}"
#define UPD(expr, values)                                                            \
  "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}}," \
  "\"UpdateExpression\":\"" expr                                                     \
  "\",\"ExpressionAttributeNames\":{\"#s\":\"status\",\"#t\":\"total\"},"            \
  "\"ExpressionAttributeValues\":" values                                            \
  ",\"ConditionExpression\":\"attribute_not_exists(#t) OR #s <> :z\"}"
#define TX(action) "{\"TransactItems\":[{" action "}]}"
#define MISMATCH "One or more parameter values were invalid: Type mismatch for Index Key "
#define CANCELED "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
  static const struct dynamo_row rows[] = {
      {"CreateTable", create_orders, 200, NULL, NULL, "the table"},
      {"PutItem", PUT(",\"total\":{\"S\":\"ten\"}"), 400, DYNAMO_ROWS_VALIDATION,
       MISMATCH "total Expected: N Actual: S IndexName: ByStatus",
       "PutItem: 'total' keys ByStatus and ByTotal; the first name in order is reported"},
      {"PutItem", PUT(",\"status\":{\"NULL\":true}"), 400, DYNAMO_ROWS_VALIDATION,
       MISMATCH "status Expected: S Actual: NULL IndexName: ByStatus",
       "a NULL is a type mismatch, not an absent key"},
      {"PutItem", PUT(",\"note\":{\"S\":\"\"}"), 400, DYNAMO_ROWS_VALIDATION,
       "One or more parameter values are not valid. A value specified for a secondary index key is "
       "not supported. The AttributeValue for a key attribute cannot contain an empty string value. "
       "IndexName: ByNote, IndexKey: note",
       "an empty string as an index key"},
      {"PutItem", PUT(",\"extra\":{\"S\":\"\"}"), 200, NULL, NULL,
       "no index key at all: the item is written (indexes are sparse)"},
      {"UpdateItem", UPD("SET note = :e", "{\":e\":{\"S\":\"\"},\":z\":{\"S\":\"z\"}}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "One or more parameter values are not valid. The update expression attempted to update a "
       "secondary index key to a value that is not supported. The AttributeValue for a key "
       "attribute cannot contain an empty string value.",
       "UpdateItem SET an index key to an empty string"},
      {"UpdateItem", UPD("SET #s = :n", "{\":n\":{\"N\":\"1\"},\":z\":{\"S\":\"z\"}}"), 400,
       DYNAMO_ROWS_VALIDATION, MISMATCH "status Expected: S Actual: N IndexName: ByStatus",
       "UpdateItem SET a wrong type"},
      {"UpdateItem", UPD("ADD #s :n", "{\":n\":{\"N\":\"1\"},\":z\":{\"S\":\"z\"}}"), 400,
       DYNAMO_ROWS_VALIDATION, MISMATCH "status Expected: S Actual: N IndexName: ByStatus",
       "UpdateItem ADD a number to a string index key"},
      {"UpdateItem",
       UPD("ADD #t :n SET #s = :s",
           "{\":n\":{\"N\":\"5\"},\":s\":{\"S\":\"open\"},\":z\":{\"S\":\"z\"}}"),
       200, NULL, NULL, "ADD on a number index key is fine"},
      {"Query", Q_STATUS("open"), 200, NULL, "\"Count\":1", "and the item is in the index"},
      {"UpdateItem",
       "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}},"
       "\"UpdateExpression\":\"SET note = :n\",\"ConditionExpression\":\"attribute_exists(nope)\","
       "\"ExpressionAttributeValues\":{\":n\":{\"N\":\"1\"}}}",
       400, DYNAMO_ROWS_VALIDATION, MISMATCH "note Expected: S Actual: N IndexName: ByNote",
       "UpdateItem: a wrong type the expression shows is refused before the condition is evaluated"},
      {"BatchWriteItem",
       "{\"RequestItems\":{\"Orders\":[{\"PutRequest\":{\"Item\":" ITEM(
           ",\"note\":{\"N\":\"1\"}") "}}]}}",
       400, DYNAMO_ROWS_VALIDATION, MISMATCH "note Expected: S Actual: N IndexName: ByNote",
       "BatchWriteItem checks a put's index keys"},
      {"TransactWriteItems",
       TX("\"Put\":{\"TableName\":\"Orders\",\"Item\":" ITEM(",\"total\":{\"SS\":[\"a\"]}") "}"),
       400, CANCELED,
       "\"Code\":\"ValidationError\",\"Message\":\"" MISMATCH
       "total Expected: N Actual: SS IndexName: ByStatus\"",
       "a transaction's Put of a wrong type cancels with a ValidationError reason"},
      {"TransactWriteItems",
       TX("\"Put\":{\"TableName\":\"Orders\",\"Item\":" ITEM(",\"note\":{\"S\":\"\"}") "}"), 400,
       DYNAMO_ROWS_VALIDATION, "IndexName: ByNote, IndexKey: note",
       "a transaction's Put of an empty index key is a top-level ValidationException"},
      {"TransactWriteItems",
       TX("\"Update\":" UPD("SET note = :e", "{\":e\":{\"S\":\"\"},\":z\":{\"S\":\"z\"}}")), 400,
       DYNAMO_ROWS_VALIDATION, "The update expression attempted to update a secondary index key",
       "a transaction's Update emptying an index key: top-level"},
      {"TransactWriteItems",
       TX("\"Update\":" UPD("SET #s = :n", "{\":n\":{\"N\":\"1\"},\":z\":{\"S\":\"z\"}}")), 400,
       CANCELED, "\"Code\":\"ValidationError\"",
       "a transaction's Update of a wrong type: a cancellation reason"},
      {"UpdateItem", UPD("SET #s = #t", "{\":z\":{\"S\":\"z\"}}"), 400, DYNAMO_ROWS_VALIDATION,
       "\"The update expression attempted to update the secondary index key to unsupported type\"",
       "a wrong type copied from another attribute of the item"},
      {"UpdateItem", UPD("SET note.a = :e", "{\":e\":{\"S\":\"x\"},\":z\":{\"S\":\"z\"}}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
       "allowed: IndexKey: note\"",
       "an update may not write inside an index key"},
      {"Query", Q_STATUS("open"), 200, NULL, "\"Count\":1", "nothing refused was written"},
      {"GetItem",
       "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}},"
       "\"ProjectionExpression\":\"extra, sk[0]\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
       "allowed: Key: sk\"",
       "a projection may not read inside a table key"},
      {"GetItem",
       "{\"TableName\":\"Orders\",\"Key\":{\"pk\":{\"S\":\"c1\"},\"sk\":{\"S\":\"o1\"}},"
       "\"ProjectionExpression\":\"note.a.b\"}",
       400, DYNAMO_ROWS_VALIDATION, "are not allowed: IndexKey: note\"", "nor inside an index key"},
      {"Scan",
       "{\"TableName\":\"Orders\",\"FilterExpression\":\"attribute_exists(#s.c)\","
       "\"ExpressionAttributeNames\":{\"#s\":\"status\"}}",
       400, DYNAMO_ROWS_VALIDATION, "are not allowed: IndexKey: status\"",
       "a Scan filter may not read inside an index key"},
      {"Query",
       "{\"TableName\":\"Orders\",\"KeyConditionExpression\":\"pk = :p\",\"FilterExpression\":"
       "\"note[1] = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":\"c1\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "are not allowed: IndexKey: note\"",
       "a Query filter may not read inside an index key"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
#undef ITEM
#undef PUT
#undef UPD
#undef TX
#undef MISMATCH
#undef CANCELED
}

/* SPEC docs/spec/dynamodb.md 2.21: UpdateTable accepts a redefinition of
 * an attribute with another type and keeps the type it has. */
static void update_table_keeps_an_attribute_type(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"CreateTable",
       "{\"TableName\":\"Plain\",\"BillingMode\":\"PAY_PER_REQUEST\",\"AttributeDefinitions\":[" AD(
           "pk", "S") "],\"KeySchema\":[" KS("pk", "HASH") "]}",
       200, NULL, NULL, "the table"},
      {"UpdateTable",
       "{\"TableName\":\"Plain\",\"AttributeDefinitions\":[" AD("pk", "N") "," AD(
           "g", "S") "],\"GlobalSecondaryIndexUpdates\":[{\"Create\":{\"IndexName\":\"ByG\","
                     "\"KeySchema\":[" KS(
                         "g", "HASH") "],\"Projection\":{\"ProjectionType\":\"ALL\"}}}]}",
       200, NULL, "\"IndexName\":\"ByG\"", "pk redefined as N: accepted"},
      {"DescribeTable", "{\"TableName\":\"Plain\"}", 200, NULL,
       "{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}", "pk is still S"},
      {"PutItem", "{\"TableName\":\"Plain\",\"Item\":{\"pk\":{\"S\":\"a\"},\"g\":{\"S\":\"x\"}}}",
       200, NULL, NULL, "a string key still works"},
  };
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(create_table_validates_indexes, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(queries_follow_index_order_sparseness_and_projection,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(entries_follow_every_kind_of_write, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(paging_through_an_index_returns_every_item_once,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(update_table_creates_and_deletes_gsis, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(describe_and_delete_table, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(lsi_fetch_and_reverse_edges, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(item_collection_metrics_on_tables_with_an_lsi,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(writes_check_index_key_types_and_emptiness, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(update_table_keeps_an_attribute_type, dynamo_rows_setup,
                                      dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_indexes", tests, NULL, NULL);
}
