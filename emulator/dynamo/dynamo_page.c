/*
 * dynamo_page.c - the shared page of Query and Scan (see dynamo_page.h).
 */
#include "dynamo_page.h"

#include <math.h>

#include "dynamo_value.h"
#include "store.h"

void dynamo_page_init(struct dynamo_page *p, const struct dynamo_table *tb,
                      const struct dynamo_exprs *x, int limit, int count_only) {
  p->tb = tb;
  p->filter = x->e[DYNAMO_EXPR_FILTER];
  p->projection = x->e[DYNAMO_EXPR_PROJECTION];
  p->limit = limit;
  p->items = count_only ? NULL : cJSON_CreateArray();
  p->last = NULL;
  p->count = p->scanned = 0;
  p->bytes = 0;
  p->full = 0;
}

int dynamo_page_add(struct dynamo_page *p, const void *value, size_t len,
                    struct dynamo_error *err) {
  cJSON *item = cJSON_ParseWithLength(value, len);
  int keep = 1;

  if (!item)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "corrupt item");
  p->scanned++;
  p->bytes += dynamo_item_size(item);
  if (p->filter) {
    keep = dynamo_expr_eval_condition(p->filter, item, err);
    if (keep < 0) {
      cJSON_Delete(item);
      return -1;
    }
  }
  cJSON_Delete(p->last);
  p->last = dynamo_keys_extract(p->tb, item);
  if (keep) {
    p->count++;
    if (p->items) {
      if (p->projection) {
        cJSON *projected = dynamo_expr_project(p->projection, item);
        cJSON_Delete(item);
        item = projected;
      }
      cJSON_AddItemToArray(p->items, item);
      item = NULL;
    }
  }
  cJSON_Delete(item);
  /* SPEC docs/spec/dynamodb.md 2.6: Limit items or 1 MB read, whichever first. */
  if ((p->limit && p->scanned >= p->limit) || p->bytes >= DYNAMO_PAGE_BYTES)
    p->full = 1;
  return 0;
}

int dynamo_page_add_entry(struct dynamo_page *p, struct store_txn *t, const struct dynamo_table *tb,
                          int fetch, const void *value, size_t len, struct emu_buf *full,
                          struct dynamo_error *err) {
  if (fetch) {
    if (dynamo_indexes_fetch(t, tb, value, len, full) != STORE_OK)
      return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    value = full->data;
    len = full->len;
  }
  return dynamo_page_add(p, value, len, err);
}

cJSON *dynamo_page_response(struct dynamo_page *p, int more, const cJSON *req, const char *table,
                            int consistent) {
  cJSON *resp = cJSON_CreateObject(), *cc;

  if (p->items) {
    cJSON_AddItemToObject(resp, "Items", p->items);
    p->items = NULL;
  }
  cJSON_AddNumberToObject(resp, "Count", p->count);
  cJSON_AddNumberToObject(resp, "ScannedCount", p->scanned);
  if (more && p->last) {
    cJSON_AddItemToObject(resp, "LastEvaluatedKey", p->last);
    p->last = NULL;
  }
  /* SPEC AWS capacity: one read unit per 4 KB, half for eventually
   * consistent reads. */
  cc = dynamo_consumed_capacity(
      req, table, ceil((double)(p->bytes ? p->bytes : 1) / 4096.0) * (consistent ? 1.0 : 0.5));
  if (cc)
    cJSON_AddItemToObject(resp, "ConsumedCapacity", cc);
  return resp;
}

void dynamo_page_free(struct dynamo_page *p) {
  cJSON_Delete(p->items);
  cJSON_Delete(p->last);
  p->items = p->last = NULL;
}
