/*
 * dynamo_item_collections.c - ItemCollectionMetrics, which PutItem,
 * UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems return
 * when asked with ReturnItemCollectionMetrics SIZE.
 *
 * An item collection is every item of a table with one partition key value,
 * with their entries in the table's local secondary indexes. Metrics exist
 * only for tables with an LSI (SPEC docs/spec/dynamodb.md 2.37):
 *   {"ItemCollectionKey": {<partition key name>: <value>},
 *    "SizeEstimateRangeGB": [low, high]}
 * The batch operations return them per table: {"<table>": [metrics...]},
 * one entry per collection written.
 *
 * Ownership: the returned trees are the caller's; inputs are borrowed.
 * Threading: pure.
 */
#include <string.h>

#include "dynamo_int.h"

int dynamo_item_collections_wanted(const cJSON *req) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "ReturnItemCollectionMetrics");

  return cJSON_IsString(v) && strcmp(v->valuestring, "SIZE") == 0;
}

static int has_lsi(const struct dynamo_table *tb) {
  int i;

  for (i = 0; i < tb->nindexes; i++)
    if (!tb->indexes[i].global)
      return 1;
  return 0;
}

cJSON *dynamo_item_collections_metrics(const struct dynamo_table *tb, const cJSON *item) {
  const cJSON *pk = cJSON_GetObjectItemCaseSensitive(item, tb->hash_name);
  cJSON *m, *key, *range;

  /* SPEC docs/spec/dynamodb.md 2.37: "If the table does not have any local
   * secondary indexes, this information is not returned in the response." */
  if (!has_lsi(tb) || !pk)
    return NULL;
  m = cJSON_CreateObject();
  key = cJSON_AddObjectToObject(m, "ItemCollectionKey");
  cJSON_AddItemToObject(key, tb->hash_name, cJSON_Duplicate(pk, 1));
  /* DEVIATION: DynamoDB's estimate is undocumented ("do not rely on the
   * precision or accuracy of the estimate"); wsgw reports every collection
   * as under 1 GB, the bracket DynamoDB reports for small ones. */
  range = cJSON_AddArrayToObject(m, "SizeEstimateRangeGB");
  cJSON_AddItemToArray(range, cJSON_CreateNumber(0.0));
  cJSON_AddItemToArray(range, cJSON_CreateNumber(1.0));
  return m;
}

void dynamo_item_collections_add(cJSON *by_table, const char *table, cJSON *entry) {
  cJSON *list = cJSON_GetObjectItemCaseSensitive(by_table, table);
  const cJSON *el;

  if (!entry)
    return;
  if (!list)
    list = cJSON_AddArrayToObject(by_table, table);
  /* One entry per collection. */
  cJSON_ArrayForEach(el, list) {
    if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(el, "ItemCollectionKey"),
                      cJSON_GetObjectItemCaseSensitive(entry, "ItemCollectionKey"), 1)) {
      cJSON_Delete(entry);
      return;
    }
  }
  cJSON_AddItemToArray(list, entry);
}
