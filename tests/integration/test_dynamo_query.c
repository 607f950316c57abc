/*
 * test_dynamo_query.c - Query through dynamo_api_call: sort-key order for
 * numbers (mixed spellings, negatives), UTF-8 strings (by bytes) and
 * binaries; every key-condition operator both ways; paging with Limit and
 * ExclusiveStartKey; filters with Count/ScannedCount; the 1 MB page; Select
 * COUNT; projection; and every error with its exact message. A fresh LMDB
 * directory per test.
 *
 * Cases are rows with a reason column: order rows give a key condition, its
 * values, the direction and the expected sort keys in order; error rows (as
 * in test_dynamo_api.c) give the request, status, __type and a substring.
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

/* One Query and the sort keys it must return, in order. */
struct order_row {
  const char *table;
  const char *kce;
  const char *values; /* ExpressionAttributeValues members */
  int forward;
  const char *expect; /* sort-key texts joined by "," ("" for none) */
  const char *reason;
};

static void put(struct dynamo *db, const char *request) {
  cJSON_Delete(dynamo_rows_call_ok(db, "PutItem", request));
}

/* The sort keys (S, N or B text of attribute `attr`) of resp's Items,
 * joined by ",". */
static void join_keys(const cJSON *resp, const char *attr, char *buf, size_t cap) {
  const cJSON *it;
  size_t used = 0;

  buf[0] = '\0';
  cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(it, attr);
    const char *text = av && av->child && cJSON_IsString(av->child) ? av->child->valuestring : "?";
    int n = snprintf(buf + used, cap - used, "%s%s", used ? "," : "", text);
    if (n < 0 || (size_t)n >= cap - used)
      break;
    used += (size_t)n;
  }
}

static void run_order_rows(struct dynamo *db, const struct order_row *rows, size_t n) {
  size_t i;

  for (i = 0; i < n; i++) {
    char req[2048], got[2048];
    cJSON *resp;
    snprintf(req, sizeof(req),
             "{\"TableName\":\"%s\",\"KeyConditionExpression\":\"%s\","
             "\"ExpressionAttributeValues\":{%s},\"ScanIndexForward\":%s}",
             rows[i].table, rows[i].kce, rows[i].values, rows[i].forward ? "true" : "false");
    resp = dynamo_rows_call_ok(db, "Query", req);
    join_keys(resp, "sk", got, sizeof(got));
    if (strcmp(got, rows[i].expect) != 0) {
      cJSON_Delete(resp);
      fail_msg("row %zu: %s\n  request: %s\n  expected [%s]\n  got      [%s]", i, rows[i].reason,
               req, rows[i].expect, got);
    }
    /* Count matches the items returned. */
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint,
                     cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(resp, "Items")));
    cJSON_Delete(resp);
  }
}

static void create_table(struct dynamo *db, const char *name, char hash_type, char range_type) {
  char req[1024];

  if (range_type)
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"%s\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"%c\"},"
        "{\"AttributeName\":\"sk\",\"AttributeType\":\"%c\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
        "\"KeyType\":\"HASH\"},{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
        "\"BillingMode\":\"PAY_PER_REQUEST\"}",
        name, hash_type, range_type);
  else
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"%s\",\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"%c\"}],"
        "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}",
        name, hash_type);
  cJSON_Delete(dynamo_rows_call_ok(db, "CreateTable", req));
}

/* Table Nums: partition "p" holds sort keys written -10, -1.5, 0, 1e1,
 * 2.50, 100 (stored normalised: -10, -1.5, 0, 10, 2.5, 100); partition "q"
 * holds 5 (it must never leak into "p"). */
static void fill_numbers(struct dynamo *db) {
  static const char *const spellings[] = {"100", "-10", "2.50", "1e1", "0", "-1.5"};
  char req[256];
  size_t i;

  create_table(db, "Nums", 'S', 'N');
  for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++) {
    snprintf(
        req, sizeof(req),
        "{\"TableName\":\"Nums\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"%s\"},\"v\":{\"N\":\"%zu\"}}}",
        spellings[i], i % 2);
    put(db, req);
  }
  put(db, "{\"TableName\":\"Nums\",\"Item\":{\"pk\":{\"S\":\"q\"},\"sk\":{\"N\":\"5\"}}}");
}

#define P "\":p\":{\"S\":\"p\"}"

static void number_sort_keys_order_numerically_with_every_operator(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct order_row rows[] = {
      {"Nums", "pk = :p", P, 1, "-10,-1.5,0,2.5,10,100", "whole partition, numeric order"},
      {"Nums", "pk = :p", P, 0, "100,10,2.5,0,-1.5,-10", "ScanIndexForward false reverses"},
      {"Nums", "pk = :p AND sk = :v", P ",\":v\":{\"N\":\"10.000\"}", 1, "10",
       "= matches 1e1 spelled 10.000"},
      {"Nums", "pk = :p AND sk = :v", P ",\":v\":{\"N\":\"-0\"}", 0, "0", "= zero, reverse"},
      {"Nums", "pk = :p AND sk = :v", P ",\":v\":{\"N\":\"3\"}", 1, "", "= with no match"},
      {"Nums", "pk = :p AND sk < :v", P ",\":v\":{\"N\":\"2.5\"}", 1, "-10,-1.5,0", "<"},
      {"Nums", "pk = :p AND sk < :v", P ",\":v\":{\"N\":\"2.5\"}", 0, "0,-1.5,-10",
       "< reverse (seek)"},
      {"Nums", "pk = :p AND sk <= :v", P ",\":v\":{\"N\":\"2.5\"}", 1, "-10,-1.5,0,2.5", "<="},
      {"Nums", "pk = :p AND sk <= :v", P ",\":v\":{\"N\":\"25e-1\"}", 0, "2.5,0,-1.5,-10",
       "<= reverse"},
      {"Nums", "pk = :p AND sk > :v", P ",\":v\":{\"N\":\"-1.5\"}", 1, "0,2.5,10,100",
       "> a negative"},
      {"Nums", "pk = :p AND sk > :v", P ",\":v\":{\"N\":\"-1.5\"}", 0, "100,10,2.5,0", "> reverse"},
      {"Nums", "pk = :p AND sk >= :v", P ",\":v\":{\"N\":\"-1.5\"}", 1, "-1.5,0,2.5,10,100",
       ">= includes the bound"},
      {"Nums", "pk = :p AND sk >= :v", P ",\":v\":{\"N\":\"0\"}", 1, "0,2.5,10,100", ">= zero"},
      {"Nums", "pk = :p AND sk >= :v", P ",\":v\":{\"N\":\"-5\"}", 0, "100,10,2.5,0,-1.5",
       ">= reverse"},
      {"Nums", "pk = :p AND sk >= :v", P ",\":v\":{\"N\":\"1000\"}", 1, "", ">= above everything"},
      {"Nums", "pk = :p AND sk BETWEEN :a AND :b",
       P ",\":a\":{\"N\":\"-1.5\"},\":b\":{\"N\":\"1E1\"}", 1, "-1.5,0,2.5,10",
       "BETWEEN is inclusive at both ends"},
      {"Nums", "pk = :p AND sk BETWEEN :a AND :b",
       P ",\":a\":{\"N\":\"-1.5\"},\":b\":{\"N\":\"1E1\"}", 0, "10,2.5,0,-1.5", "BETWEEN reverse"},
      {"Nums", "pk = :p AND sk BETWEEN :a AND :b",
       P ",\":a\":{\"N\":\"-100\"},\":b\":{\"N\":\"-2\"}", 1, "-10", "BETWEEN among negatives"},
      {"Nums", ":v > sk AND pk = :p", P ",\":v\":{\"N\":\"0\"}", 1, "-10,-1.5",
       "value first: :v > sk is sk < :v"},
      {"Nums", "pk = :q", "\":q\":{\"S\":\"q\"}", 1, "5", "another partition"},
      {"Nums", "pk = :q", "\":q\":{\"S\":\"nope\"}", 1, "", "an empty partition"},
  };
  fill_numbers(f->db);
  run_order_rows(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void string_sort_keys_order_by_utf8_bytes(void **state) {
  struct dynamo_fixture *f = *state;
  /* Byte order: "B" < "a" < "ab" < "z" < "é" (C3 A9) < "ét" < "日本"
   * (E6 97 A5) < "｡" (U+FF61, EF BD A1) < "😀" (F0 9F 98 80). UTF-16 order
   * would put 😀 (D83D) before ｡ (FF61). */
  static const char *const keys[] = {
      "z", "\\u00e9t", "ab", "\\ud83d\\ude00", "B", "\\u65e5\\u672c", "a", "\\uff61", "\\u00e9"};
  static const struct order_row rows[] = {
      {"Strs", "pk = :p", P, 1,
       "B,a,ab,z,\xc3\xa9,\xc3\xa9t,\xe6\x97\xa5\xe6\x9c\xac,\xef\xbd\xa1,\xf0\x9f\x98\x80",
       "UTF-8 byte order"},
      {"Strs", "pk = :p", P, 0,
       "\xf0\x9f\x98\x80,\xef\xbd\xa1,\xe6\x97\xa5\xe6\x9c\xac,\xc3\xa9t,\xc3\xa9,z,ab,a,B",
       "reverse"},
      {"Strs", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"S\":\"a\"}", 1, "a,ab",
       "begins_with"},
      {"Strs", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"S\":\"a\"}", 0, "ab,a",
       "begins_with reverse"},
      {"Strs", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"S\":\"\\u00e9\"}", 1,
       "\xc3\xa9,\xc3\xa9t", "begins_with a two-byte character"},
      {"Strs", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"S\":\"\\u00e9\"}", 0,
       "\xc3\xa9t,\xc3\xa9", "begins_with a two-byte character, reverse"},
      {"Strs", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"S\":\"b\"}", 1, "",
       "begins_with, no match"},
      {"Strs", "pk = :p AND sk > :v", P ",\":v\":{\"S\":\"z\"}", 1,
       "\xc3\xa9,\xc3\xa9t,\xe6\x97\xa5\xe6\x9c\xac,\xef\xbd\xa1,\xf0\x9f\x98\x80",
       "> compares bytes"},
      {"Strs", "pk = :p AND sk < :v", P ",\":v\":{\"S\":\"a\"}", 1, "B", "upper case sorts first"},
      {"Strs", "pk = :p AND sk BETWEEN :a AND :b",
       P ",\":a\":{\"S\":\"ab\"},\":b\":{\"S\":\"\\u00e9\"}", 1, "ab,z,\xc3\xa9",
       "BETWEEN on strings"},
  };
  char req[256];
  size_t i;

  create_table(f->db, "Strs", 'S', 'S');
  for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Strs\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"%s\"}}}",
             keys[i]);
    put(f->db, req);
  }
  run_order_rows(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void binary_sort_keys_order_by_unsigned_bytes(void **state) {
  struct dynamo_fixture *f = *state;
  /* 00 < 00 00 < 01 < 7F < 80 < FF < FF 00 */
  static const char *const keys[] = {"/wA=", "gA==", "AA==", "fw==", "AAA=", "/w==", "AQ=="};
  static const struct order_row rows[] = {
      {"Bins", "pk = :p", P, 1, "AA==,AAA=,AQ==,fw==,gA==,/w==,/wA=", "unsigned byte order"},
      {"Bins", "pk = :p", P, 0, "/wA=,/w==,gA==,fw==,AQ==,AAA=,AA==", "reverse"},
      {"Bins", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"B\":\"/w==\"}", 1,
       "/w==,/wA=", "begins_with 0xFF"},
      {"Bins", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"B\":\"/w==\"}", 0,
       "/wA=,/w==", "begins_with 0xFF, reverse (no upper bound)"},
      {"Bins", "pk = :p AND begins_with(sk, :v)", P ",\":v\":{\"B\":\"AA==\"}", 1,
       "AA==,AAA=", "begins_with 0x00"},
      {"Bins", "pk = :p AND sk BETWEEN :a AND :b",
       P ",\":a\":{\"B\":\"AQ==\"},\":b\":{\"B\":\"gA==\"}", 1,
       "AQ==,fw==,gA==", "BETWEEN on binaries"},
      {"Bins", "pk = :p AND sk > :v", P ",\":v\":{\"B\":\"AA==\"}", 1,
       "AAA=,AQ==,fw==,gA==,/w==,/wA=", "> a one-byte prefix"},
      {"Bins", "pk = :p AND sk <= :v", P ",\":v\":{\"B\":\"AAA=\"}", 0, "AAA=,AA==", "<= reverse"},
  };
  char req[256];
  size_t i;

  create_table(f->db, "Bins", 'S', 'B');
  for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Bins\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"B\":\"%s\"}}}",
             keys[i]);
    put(f->db, req);
  }
  run_order_rows(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* Pages through a query with Limit, returning the sort keys seen in order
 * and the number of pages. */
static int page_through(struct dynamo *db, const char *base, char *seen, size_t cap) {
  char req[2048], *start = NULL;
  size_t used = 0;
  int pages = 0;

  seen[0] = '\0';
  do {
    cJSON *resp, *lek;
    char keys[1024];
    if (start)
      snprintf(req, sizeof(req), "%s,\"ExclusiveStartKey\":%s}", base, start);
    else
      snprintf(req, sizeof(req), "%s}", base);
    free(start);
    start = NULL;
    resp = dynamo_rows_call_ok(db, "Query", req);
    join_keys(resp, "sk", keys, sizeof(keys));
    if (keys[0]) {
      int n = snprintf(seen + used, cap - used, "%s%s", used ? "," : "", keys);
      if (n > 0 && (size_t)n < cap - used)
        used += (size_t)n;
    }
    lek = cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedKey");
    if (lek)
      start = cJSON_PrintUnformatted(lek);
    cJSON_Delete(resp);
    pages++;
  } while (start && pages < 50);
  free(start);
  return pages;
}

static void paging_with_limit_returns_every_item_once(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct {
    const char *base;
    const char *expect;
    int pages;
    const char *reason;
  } cases[] = {
      {"{\"TableName\":\"Page\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
       "},"
       "\"Limit\":7",
       "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20", 3, "forward, 7 + 7 + 6"},
      {"{\"TableName\":\"Page\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
       "},"
       "\"Limit\":7,\"ScanIndexForward\":false",
       "20,19,18,17,16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1", 3, "reverse pages"},
      {"{\"TableName\":\"Page\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
       "},"
       "\"Limit\":5",
       "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20", 4,
       "an exactly full last page has no LastEvaluatedKey"},
      {"{\"TableName\":\"Page\",\"KeyConditionExpression\":\"pk = :p AND sk BETWEEN :a AND :b\","
       "\"ExpressionAttributeValues\":{" P
       ",\":a\":{\"N\":\"3\"},\":b\":{\"N\":\"12\"}},\"Limit\":4",
       "3,4,5,6,7,8,9,10,11,12", 3, "paging inside a sort-key range"},
      {"{\"TableName\":\"Page\",\"KeyConditionExpression\":\"pk = :p AND sk <= :b\","
       "\"ExpressionAttributeValues\":{" P
       ",\":b\":{\"N\":\"9\"}},\"Limit\":3,\"ScanIndexForward\":false",
       "9,8,7,6,5,4,3,2,1", 3, "reverse paging from a bound"},
      {"{\"TableName\":\"Page\",\"KeyConditionExpression\":\"pk = :p AND sk > :b\","
       "\"ExpressionAttributeValues\":{" P ",\":b\":{\"N\":\"17\"}},\"Limit\":1",
       "18,19,20", 3, "Limit 1"},
  };
  char req[256], seen[1024];
  size_t i;
  int pages;

  create_table(f->db, "Page", 'S', 'N');
  for (i = 1; i <= 20; i++) {
    snprintf(req, sizeof(req),
             "{\"TableName\":\"Page\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"%zu\"}}}", i);
    put(f->db, req);
  }
  /* Neighbouring partitions, so the pages cannot run into them. */
  put(f->db, "{\"TableName\":\"Page\",\"Item\":{\"pk\":{\"S\":\"o\"},\"sk\":{\"N\":\"1\"}}}");
  put(f->db, "{\"TableName\":\"Page\",\"Item\":{\"pk\":{\"S\":\"pp\"},\"sk\":{\"N\":\"1\"}}}");
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    pages = page_through(f->db, cases[i].base, seen, sizeof(seen));
    if (strcmp(seen, cases[i].expect) != 0 || pages != cases[i].pages)
      fail_msg("case %zu: %s\n  expected %d pages [%s]\n  got      %d pages [%s]", i,
               cases[i].reason, cases[i].pages, cases[i].expect, pages, seen);
  }
}

static void filters_count_and_projection_follow_aws(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"FilterExpression\":\"v = :one\","
       "\"ExpressionAttributeValues\":{" P ",\":one\":{\"N\":\"1\"}}}",
       200, NULL, "\"Count\":3,\"ScannedCount\":6", "the filter runs after the read"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"FilterExpression\":\"v = :one\","
       "\"ExpressionAttributeValues\":{" P ",\":one\":{\"N\":\"1\"}},\"Limit\":2}",
       200, NULL,
       "\"ScannedCount\":2,\"LastEvaluatedKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"-1.5\"}}",
       "Limit counts items read, before the filter"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"FilterExpression\":\"v = :two\","
       "\"ExpressionAttributeValues\":{" P ",\":two\":{\"N\":\"2\"}}}",
       200, NULL, "{\"Items\":[],\"Count\":0,\"ScannedCount\":6}", "nothing passes the filter"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p AND sk > :z\",\"Select\":\"COUNT\","
       "\"ExpressionAttributeValues\":{" P ",\":z\":{\"N\":\"0\"}}}",
       200, NULL, "{\"Count\":3,\"ScannedCount\":3}", "Select COUNT returns no Items"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p AND sk = :z\",\"ProjectionExpression\":\"v\","
       "\"ExpressionAttributeValues\":{" P ",\":z\":{\"N\":\"100\"}}}",
       200, NULL, "\"Items\":[{\"v\":{\"N\":\"0\"}}]", "projection"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"#k = :p AND sk = :z\",\"ProjectionExpression\":\"#k, sk\","
       "\"Select\":\"SPECIFIC_ATTRIBUTES\",\"ExpressionAttributeNames\":{\"#k\":\"pk\"},"
       "\"ExpressionAttributeValues\":{" P ",\":z\":{\"N\":\"100\"}}}",
       200, NULL, "\"Items\":[{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"100\"}}]",
       "names and SPECIFIC_ATTRIBUTES"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p AND sk = :z\",\"Select\":\"ALL_ATTRIBUTES\","
       "\"ExpressionAttributeValues\":{" P ",\":z\":{\"N\":\"100\"}},\"ConsistentRead\":true,"
       "\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL, "\"ConsumedCapacity\":{\"TableName\":\"Nums\",\"CapacityUnits\":1}",
       "a strongly consistent read of one small item is one unit"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p AND sk = :z\","
       "\"ExpressionAttributeValues\":{" P
       ",\":z\":{\"N\":\"100\"}},\"ReturnConsumedCapacity\":\"TOTAL\"}",
       200, NULL, "\"CapacityUnits\":0.5", "eventually consistent: half"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\","
       "\"AttributeValueList\":[{\"S\":\"p\"}]},\"sk\":{\"ComparisonOperator\":\"GT\","
       "\"AttributeValueList\":[{\"N\":\"10\"}]}},\"AttributesToGet\":[\"sk\"]}",
       200, NULL, "{\"Items\":[{\"sk\":{\"N\":\"100\"}}],\"Count\":1",
       "legacy KeyConditions and AttributesToGet"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\","
       "\"AttributeValueList\":[{\"S\":\"p\"}]}},\"QueryFilter\":{\"v\":{\"ComparisonOperator\":\"EQ\","
       "\"AttributeValueList\":[{\"N\":\"0\"}]}},\"Select\":\"COUNT\"}",
       200, NULL, "{\"Count\":3,\"ScannedCount\":6}", "legacy QueryFilter"},
      /* SPEC docs/spec/dynamodb.md 2.22: "Filter Expression can only contain
       * non-primary key attributes: Primary key attribute: <attr>". */
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"FilterExpression\":"
       "\"attribute_exists(v) AND sk[1] = :one\",\"ExpressionAttributeValues\":{" P
       ",\":one\":{\"N\":\"1\"}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"Filter Expression can only contain non-primary key attributes: Primary key attribute: sk\"",
       "a filter may not name the sort key, even by a nested path"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"FilterExpression\":"
       "\"sk > :one AND #k = :p\",\"ExpressionAttributeNames\":{\"#k\":\"pk\"},"
       "\"ExpressionAttributeValues\":{" P ",\":one\":{\"N\":\"1\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "Primary key attribute: pk\"",
       "the partition key is reported first, through a #name too"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\","
       "\"AttributeValueList\":[{\"S\":\"p\"}]}},\"QueryFilter\":{\"sk\":{\"ComparisonOperator\":\"GT\","
       "\"AttributeValueList\":[{\"N\":\"0\"}]}}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"QueryFilter can only contain non-primary key attributes: Primary key attribute: sk\"",
       "QueryFilter is named as such"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
       "},"
       "\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2.5\"}}}",
       200, NULL, "\"Count\":2,", "ExclusiveStartKey resumes after 2.5"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
       "},"
       "\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"2.5\"}},\"ScanIndexForward\":false}",
       200, NULL, "\"Count\":3,", "ExclusiveStartKey resumes before 2.5 in reverse"},
      {"Query",
       "{\"TableName\":\"Nums\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
       "},"
       "\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"3\"}}}",
       200, NULL, "\"Count\":2,", "a start key need not be an existing item"},
  };
  fill_numbers(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

static void a_hash_only_table_answers_its_one_item(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"Query",
       "{\"TableName\":\"Flat\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"N\":\"1.0\"}}}",
       200, NULL,
       "{\"Items\":[{\"pk\":{\"N\":\"1\"},\"x\":{\"S\":\"one\"}}],\"Count\":1,\"ScannedCount\":1}",
       "one item per partition"},
      {"Query",
       "{\"TableName\":\"Flat\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"N\":\"1\"}},"
       "\"ExclusiveStartKey\":{\"pk\":{\"N\":\"1\"}}}",
       200, NULL, "{\"Items\":[],\"Count\":0,\"ScannedCount\":0}",
       "restarting after the only item"},
      {"Query",
       "{\"TableName\":\"Flat\",\"KeyConditionExpression\":\"pk = :p AND sk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"N\":\"1\"}}}",
       400, DYNAMO_ROWS_VALIDATION, "Query key condition not supported",
       "a sort condition on a table without one"},
  };
  create_table(f->db, "Flat", 'N', 0);
  put(f->db, "{\"TableName\":\"Flat\",\"Item\":{\"pk\":{\"N\":\"1\"},\"x\":{\"S\":\"one\"}}}");
  put(f->db, "{\"TableName\":\"Flat\",\"Item\":{\"pk\":{\"N\":\"10\"},\"x\":{\"S\":\"ten\"}}}");
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* SPEC docs/spec/dynamodb.md 2.6: a page stops at 1 MB of data read. 25 items of
 * ~100 KB: 10 items are 1,024,1xx bytes, the 11th crosses 1 MB. */
static void a_page_stops_after_one_megabyte_read(void **state) {
  struct dynamo_fixture *f = *state;
  size_t len = 100 * 1024;
  char *req = malloc(len + 512), *fill = malloc(len + 1), seen[1024];
  cJSON *resp;
  int i, pages;

  create_table(f->db, "Big", 'S', 'N');
  memset(fill, 'x', len);
  fill[len] = '\0';
  for (i = 1; i <= 25; i++) {
    snprintf(
        req, len + 512,
        "{\"TableName\":\"Big\",\"Item\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"%d\"},\"d\":{\"S\":\"%s\"}}}",
        i, fill);
    put(f->db, req);
  }
  resp = dynamo_rows_call_ok(
      f->db, "Query",
      "{\"TableName\":\"Big\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
      "},"
      "\"Select\":\"COUNT\",\"FilterExpression\":\"attribute_not_exists(d)\"}");
  /* Counted before the filter: 11 read, none kept. */
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(resp, "ScannedCount")->valueint, 11);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(resp, "Count")->valueint, 0);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                          cJSON_GetObjectItemCaseSensitive(
                              cJSON_GetObjectItemCaseSensitive(resp, "LastEvaluatedKey"), "sk"),
                          "N")
                          ->valuestring,
                      "11");
  cJSON_Delete(resp);
  pages = page_through(
      f->db,
      "{\"TableName\":\"Big\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
      "},"
      "\"ProjectionExpression\":\"sk\"",
      seen, sizeof(seen));
  assert_string_equal(seen, "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25");
  assert_int_equal(pages, 3);
  free(req);
  free(fill);
}

#define Q(rest) "{\"TableName\":\"Nums\"," rest "}"
#define KP "\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P "}"

static void query_errors_carry_aws_messages(void **state) {
  struct dynamo_fixture *f = *state;
  static const struct dynamo_row rows[] = {
      {"Query",
       Q("\"FilterExpression\":\"v = :v\",\"ExpressionAttributeValues\":{\":v\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
       "no key condition (DYN-val query.js)"},
      {"Query", "{\"TableName\":\"Nums\"}", 400, DYNAMO_ROWS_VALIDATION,
       "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
       "nothing at all"},
      {"Query",
       Q("\"KeyConditionExpression\":\"sk = :v\",\"ExpressionAttributeValues\":{\":v\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION, "Query condition missed key schema element: pk",
       "no partition-key condition"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :v\",\"ExpressionAttributeValues\":{\":v\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Condition parameter type does not match schema type",
       "partition value of the wrong type"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND sk > :v\",\"ExpressionAttributeValues\":{" P
         ",\":v\":{\"S\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Condition parameter type does not match schema type",
       "sort value of the wrong type"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND sk BETWEEN :a AND :b\",\"ExpressionAttributeValues\":{" P
         ",\":a\":{\"S\":\"1\"},\"b\":{\"S\":\"2\"}}"),
       400, DYNAMO_ROWS_VALIDATION, "ExpressionAttributeValues contains invalid key",
       "a malformed placeholder"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND begins_with(sk, :v)\",\"ExpressionAttributeValues\":{" P
         ",\":v\":{\"S\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "One or more parameter values were invalid: Condition parameter type does not match schema type",
       "begins_with a string on a number key fails the schema check (CONF tier3)"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND begins_with(sk, :v)\",\"ExpressionAttributeValues\":{" P
         ",\":v\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: "
       "begins_with, operand type: N",
       "begins_with a number (CONF tier3)"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND sk < :v\",\"ExpressionAttributeValues\":{" P
         ",\":v\":{\"BOOL\":true}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: <, "
       "operand type: BOOL",
       "ordering a boolean (CONF tier3)"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND sk BETWEEN :a AND :b\",\"ExpressionAttributeValues\":{" P
         ",\":a\":{\"N\":\"5\"},\":b\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "The BETWEEN operator requires upper bound to be greater than or equal to lower bound",
       "BETWEEN bounds reversed"},
      {"Query", Q("\"KeyConditionExpression\":\"pk < :p\",\"ExpressionAttributeValues\":{" P "}"),
       400, DYNAMO_ROWS_VALIDATION, "Query key condition not supported", "partition key needs ="},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p OR sk = :v\",\"ExpressionAttributeValues\":{" P
         ",\":v\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION, "Invalid operator used in KeyConditionExpression: OR", "OR"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :e\",\"ExpressionAttributeValues\":{\":e\":{\"S\":\"\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
       "empty partition value"},
      {"Query", Q("\"KeyConditionExpression\":\"pk = :p\""), 400, DYNAMO_ROWS_VALIDATION,
       "An expression attribute value used in expression is not defined; attribute value: :p",
       "undefined value"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{" P
         ",\":x\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}",
       "unused value"},
      {"Query", Q("\"KeyConditionExpression\":\"pk = \",\"ExpressionAttributeValues\":{" P "}"),
       400, DYNAMO_ROWS_VALIDATION, "Invalid KeyConditionExpression: Syntax error", "syntax"},
      {"Query", Q(KP ",\"IndexName\":\"byV\""), 400, DYNAMO_ROWS_VALIDATION,
       "The table does not have the specified index: byV", "unknown index"},
      /* SPEC docs/spec/dynamodb.md 2.23: Select against the projection and
       * IndexName; Query's messages have the "1 validation error detected: "
       * prefix, Scan's do not. */
      {"Query", Q(KP ",\"Select\":\"ALL_PROJECTED_ATTRIBUTES\""), 400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying "
       "using an IndexName\"",
       "ALL_PROJECTED_ATTRIBUTES needs an index"},
      {"Query", Q(KP ",\"Select\":\"SPECIFIC_ATTRIBUTES\""), 400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Must specify the AttributesToGet or ProjectionExpression "
       "when choosing to get SPECIFIC_ATTRIBUTES\"",
       "SPECIFIC_ATTRIBUTES needs a projection"},
      {"Query", Q(KP ",\"Select\":\"ALL_ATTRIBUTES\",\"ProjectionExpression\":\"v\""), 400,
       DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Cannot specify the ProjectionExpression when choosing to get "
       "ALL_ATTRIBUTES\"",
       "ALL_ATTRIBUTES with a ProjectionExpression"},
      {"Query", Q(KP ",\"Select\":\"COUNT\",\"ProjectionExpression\":\"v\""), 400,
       DYNAMO_ROWS_VALIDATION,
       "Cannot specify the ProjectionExpression when choosing to get only the Count\"",
       "COUNT with a ProjectionExpression"},
      {"Query",
       Q("\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\",\"AttributeValueList\":[{\"S\":"
         "\"p\"}]}},\"Select\":\"ALL_PROJECTED_ATTRIBUTES\",\"AttributesToGet\":[\"v\"]"),
       400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Cannot specify the AttributesToGet when choosing to get "
       "ALL_PROJECTED_ATTRIBUTES\"",
       "AttributesToGet is named as such, and the projection is checked before the index"},
      {"Scan", "{\"TableName\":\"Nums\",\"Select\":\"COUNT\",\"AttributesToGet\":[\"v\"]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Cannot specify the AttributesToGet when choosing to get only the Count\"",
       "Scan: the same words without the prefix"},
      {"Scan", "{\"TableName\":\"Nums\",\"Select\":\"SPECIFIC_ATTRIBUTES\"}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"Must specify the AttributesToGet or ProjectionExpression when choosing to get "
       "SPECIFIC_ATTRIBUTES\"",
       "Scan: SPECIFIC_ATTRIBUTES needs a projection"},
      {"Scan", "{\"TableName\":\"Nums\",\"Select\":\"ALL_PROJECTED_ATTRIBUTES\"}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName\"",
       "Scan: ALL_PROJECTED_ATTRIBUTES needs an index"},
      {"Scan",
       "{\"TableName\":\"Nums\",\"Select\":\"SPECIFIC_ATTRIBUTES\",\"ProjectionExpression\":\"v\"}",
       200, NULL, "\"Count\":", "SPECIFIC_ATTRIBUTES with a projection is fine"},
      {"Query", Q(KP ",\"Select\":\"SOME\""), 400, DYNAMO_ROWS_VALIDATION,
       "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]",
       "Select enum"},
      /* SPEC docs/spec/dynamodb.md 2.25 (CONF query.test.ts, live 2026):
       * Query's Limit is named 'Limit' and its value left out. */
      {"Query", Q(KP ",\"Limit\":0"), 400, DYNAMO_ROWS_VALIDATION,
       "\"1 validation error detected: Value at 'Limit' failed to satisfy constraint: Member must have "
       "value greater than or equal to 1\"",
       "Limit >= 1"},
      {"Query", Q(KP ",\"Limit\":\"3\""), 400, DYNAMO_ROWS_SERIALIZATION,
       "STRING_VALUE cannot be converted to Integer", "Limit type"},
      {"Query", Q(KP ",\"ScanIndexForward\":1"), 400, DYNAMO_ROWS_SERIALIZATION,
       "NUMBER_VALUE cannot be converted to Boolean", "ScanIndexForward type"},
      {"Query", "{\"TableName\":\"Nope\"," KP "}", 400, DYNAMO_ROWS_NOT_FOUND,
       "\"message\":\"Requested resource not found\"", "missing table"},
      {"Query", Q(KP ",\"ExclusiveStartKey\":{\"pk\":{\"S\":\"q\"},\"sk\":{\"N\":\"1\"}}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "The provided starting key is outside query boundaries based on provided conditions",
       "start key in another partition (DYN-act query.js)"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND sk > :z\",\"ExpressionAttributeValues\":{" P
         ",\":z\":{\"N\":\"0\"}},\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"-1\"}}"),
       400, DYNAMO_ROWS_VALIDATION,
       "The provided starting key does not match the range key predicate",
       "start key outside the sort-key range (DYN-act query.js)"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p AND sk > :z\",\"ExpressionAttributeValues\":{" P
         ",\":z\":{\"N\":\"0\"}},\"ExclusiveStartKey\":{\"pk\":{\"S\":\"q\"},\"sk\":{\"N\":\"1\"}}"),
       400, DYNAMO_ROWS_VALIDATION, "The query can return at most one row and cannot be restarted",
       "start key in the range but another partition (DYN-act query.js)"},
      {"Query", Q(KP ",\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"}}"), 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"The provided starting key is invalid\"", "start key without the sort key"},
      {"Query", Q(KP ",\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"1\"}}"), 400,
       DYNAMO_ROWS_VALIDATION, "The provided key element does not match the schema",
       "start key of the wrong type"},
      {"Query", Q(KP ",\"ExclusiveStartKey\":{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"x\"}}"), 400,
       DYNAMO_ROWS_VALIDATION,
       "The provided starting key is invalid: The parameter cannot be converted to a numeric value: x",
       "start key values are validated"},
      {"Query",
       Q("\"KeyConditionExpression\":\"pk = :p\",\"KeyConditions\":{\"pk\":{\"ComparisonOperator\":\"EQ\","
         "\"AttributeValueList\":[{\"S\":\"p\"}]}},\"ExpressionAttributeValues\":{" P "}"),
       400, DYNAMO_ROWS_VALIDATION,
       "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
       "{KeyConditions} Expression parameters: {KeyConditionExpression}",
       "mixing styles"},
  };
  fill_numbers(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

/* SPEC docs/spec/dynamodb.md 2.4: the constraint violations of one request are
 * collected into one message, "N validation errors detected: A; B". */
/* SPEC docs/spec/dynamodb.md 2.25: every violation of one request in one
 * message, in DynamoDB's order for the operation, members named as the
 * service model names them; a missing required member is "Value null". */
static void several_constraint_violations_are_reported_in_one_message(void **state) {
  struct dynamo_fixture *f = *state;
#define ENUM_RCC "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
#define ENUM_RV \
  "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"
#define PATTERN "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
#define A16 "aaaaaaaaaaaaaaaa"
#define A256 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16
  static const struct dynamo_row rows[] = {
      {"Scan", "{\"TableName\":\"Nums\",\"Limit\":0,\"Segment\":-1,\"TotalSegments\":0}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"3 validation errors detected: "
       "Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal "
       "to 1; "
       "Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0; "
       "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1\"",
       "Scan: totalSegments, segment, limit"},
      {"Scan", "{\"TableName\":\"Nums\",\"Segment\":1000000,\"TotalSegments\":1000001}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"2 validation errors detected: "
       "Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal "
       "to 1000000; "
       "Value '1000000' at 'segment' failed to satisfy constraint: Member must have value less than or equal to "
       "999999\"",
       "both above their maximum"},
      {"Scan", "{\"TableName\":\"Nums\",\"Limit\":0}", 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must "
       "have value greater than or equal to 1\"",
       "one alone keeps the singular"},
      {"Scan", "{\"TableName\":\"Nums\",\"Limit\":0,\"Segment\":\"x\",\"TotalSegments\":0}", 400,
       DYNAMO_ROWS_SERIALIZATION, "STRING_VALUE cannot be converted to Integer",
       "a value of the wrong type is a serialization error, before any constraint"},
      {"Scan", "{\"TableName\":\"a!\"}", 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"2 validation errors detected: Value 'a!' at 'tableName' failed to satisfy constraint: "
       "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a!' at 'tableName' failed to "
       "satisfy constraint: Member must have length greater than or equal to 3\"",
       "table name: pattern and length"},
      {"Scan",
       "{\"TableName\":\"Nums\",\"ReturnConsumedCapacity\":\"hi\",\"IndexName\":\"abc;\",\"Segment\":-1,"
       "\"TotalSegments\":-1,\"Select\":\"hi\",\"Limit\":-1,\"ConditionalOperator\":\"AN\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"7 validation errors detected: "
       "Value 'hi' at 'select' failed to satisfy constraint: Member must satisfy enum value set: "
       "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; "
       "Value 'abc;' at 'indexName' failed to satisfy constraint: " PATTERN "; "
       "Value '-1' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or "
       "equal to 1; "
       "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: " ENUM_RCC "; "
       "Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value "
       "set: [OR, AND]; "
       "Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal "
       "to 0; "
       "Value '-1' at 'limit' failed to satisfy constraint: Member must have value greater than or equal "
       "to 1\"",
       "Scan: DynamoDB's order"},
      {"PutItem",
       "{\"TableName\":\"Nums\",\"ReturnConsumedCapacity\":\"hi\",\"ReturnItemCollectionMetrics\":\"hi\","
       "\"ReturnValues\":\"hi\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"4 validation errors detected: "
       "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: " ENUM_RCC "; "
       "Value null at 'item' failed to satisfy constraint: Member must not be null; "
       "Value 'hi' at 'returnValues' failed to satisfy constraint: " ENUM_RV "; "
       "Value 'hi' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum "
       "value set: [SIZE, NONE]\"",
       "PutItem: DynamoDB's order, a missing Item as Value null"},
      {"PutItem",
       "{\"Item\":{\"pk\":{\"S\":\"p\"}},\"ReturnValues\":\"X\",\"ReturnConsumedCapacity\":\"Y\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"1 validation error detected: "
       "Value null at 'tableName' failed to satisfy constraint: Member must not be null\"",
       "a missing TableName of an item operation is Value null, reported first and alone"},
      {"UpdateItem", "{\"TableName\":\"x!\",\"ReturnValues\":\"hi\"}", 400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"2 validation errors detected: Value 'x!' at 'tableName' failed to satisfy "
       "constraint: " PATTERN
       "; Value 'x!' at 'tableName' failed to satisfy constraint: Member must "
       "have length greater than or equal to 3\"",
       "a bad TableName is reported without the other members' violations"},
      /* CONF putItem.test.ts (live, 2026): an empty TableName, and one of
       * 256 characters echoed whole. */
      {"PutItem", "{\"TableName\":\"\",\"Item\":{\"pk\":{\"S\":\"p\"}}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"1 validation error detected: Value '' at 'tableName' failed to satisfy "
       "constraint: Member must have length greater than or equal to 1\"",
       "an empty TableName of an item operation: length >= 1 only"},
      {"PutItem", "{\"TableName\":\"" A256 "\",\"Item\":{\"pk\":{\"S\":\"p\"}}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"1 validation error detected: Value '" A256
       "' at 'tableName' failed to satisfy "
       "constraint: Member must have length less than or equal to 255\"",
       "a 256-character TableName, echoed whole"},
      {"PutItem", "{\"TableName\":\"bad table!@#\",\"Item\":{\"pk\":{\"S\":\"p\"}}}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"1 validation error detected: Value 'bad table!@#' at 'tableName' failed to "
       "satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+\"",
       "a TableName with other characters"},
      {"UpdateItem",
       "{\"TableName\":\"Nums\",\"ReturnValues\":\"hi\",\"ReturnItemCollectionMetrics\":\"hi\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"3 validation errors detected: Value 'hi' at 'returnItemCollectionMetrics' failed to "
       "satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]; Value 'hi' at 'returnValues'",
       "UpdateItem: returnItemCollectionMetrics before returnValues, then key"},
      {"DeleteItem",
       "{\"TableName\":\"Nums\",\"ReturnValues\":\"hi\",\"ReturnItemCollectionMetrics\":\"hi\"}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"3 validation errors detected: Value 'hi' at 'returnValues' failed to satisfy constraint: "
       "" ENUM_RV "; Value 'hi' at 'returnItemCollectionMetrics'",
       "DeleteItem: returnValues before returnItemCollectionMetrics"},
      {"GetItem",
       "{\"TableName\":\"Nums\",\"ReturnConsumedCapacity\":\"hi\",\"AttributesToGet\":[]}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"3 validation errors detected: "
       "Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or "
       "equal to 1; "
       "Value 'hi' at 'returnConsumedCapacity' failed to satisfy constraint: " ENUM_RCC "; "
       "Value null at 'key' failed to satisfy constraint: Member must not be null\"",
       "GetItem: DynamoDB's order"},
      {"Query",
       "{\"TableName\":\"Nums\",\"Select\":\"hi\",\"Limit\":0,\"KeyConditionExpression\":\"pk = :p\","
       "\"ExpressionAttributeValues\":{" P "}}",
       400, DYNAMO_ROWS_VALIDATION,
       "\"message\":\"2 validation errors detected: Value 'hi' at 'select' failed to satisfy constraint: "
       "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
       "ALL_PROJECTED_ATTRIBUTES]; Value at 'Limit'",
       "Query: select before limit"},
      {"BatchWriteItem",
       "{\"ReturnConsumedCapacity\":\"hi\",\"ReturnItemCollectionMetrics\":\"hi\"}", 400,
       DYNAMO_ROWS_VALIDATION,
       "\"message\":\"3 validation errors detected: Value 'hi' at 'returnConsumedCapacity'",
       "BatchWriteItem: its enums and a missing RequestItems together"},
      {"BatchGetItem", "{\"ReturnConsumedCapacity\":\"hi\"}", 400, DYNAMO_ROWS_VALIDATION,
       "; Value null at 'requestItems' failed to satisfy constraint: Member must not be null\"",
       "BatchGetItem: requestItems last"},
  };
#undef ENUM_RCC
#undef ENUM_RV
#undef PATTERN
#undef A16
#undef A256

  fill_numbers(f->db);
  dynamo_rows_run(f->db, rows, sizeof(rows) / sizeof(rows[0]));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(number_sort_keys_order_numerically_with_every_operator,
                                      dynamo_rows_setup, dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(string_sort_keys_order_by_utf8_bytes, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(binary_sort_keys_order_by_unsigned_bytes, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(paging_with_limit_returns_every_item_once, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(filters_count_and_projection_follow_aws, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(a_hash_only_table_answers_its_one_item, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(a_page_stops_after_one_megabyte_read, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(query_errors_carry_aws_messages, dynamo_rows_setup,
                                      dynamo_rows_teardown),
      cmocka_unit_test_setup_teardown(several_constraint_violations_are_reported_in_one_message,
                                      dynamo_rows_setup, dynamo_rows_teardown),
  };
  return cmocka_run_group_tests_name("dynamo_query", tests, NULL, NULL);
}
