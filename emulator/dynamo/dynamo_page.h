/*
 * dynamo_page.h - one page of a Query or Scan: the items read in key order
 * are counted, filtered, projected and collected here, so that both
 * operations apply DynamoDB's paging rules the same way.
 *
 * SPEC docs/spec/dynamodb.md 2.6: a page stops at Limit items or 1 MB of data read
 * (before filtering and projection); Count and ScannedCount are per page;
 * LastEvaluatedKey is the key of the last item read.
 * Ownership: the page owns items and last until dynamo_page_response or
 * dynamo_page_free. Threading: one request.
 */
#ifndef DYNAMO_PAGE_H
#define DYNAMO_PAGE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "dynamo_int.h"

#define DYNAMO_PAGE_BYTES (1024 * 1024)

struct dynamo_page {
  const struct dynamo_table *tb;
  const struct dynamo_expr *filter;     /* or NULL */
  const struct dynamo_expr *projection; /* or NULL */
  int limit;                            /* 0: none */
  cJSON *items;                         /* NULL for Select COUNT */
  cJSON *last;                          /* the key of the last item read */
  int count, scanned;
  size_t bytes;
  int full; /* Limit or 1 MB reached */
};

void dynamo_page_init(struct dynamo_page *p, const struct dynamo_table *tb,
                      const struct dynamo_exprs *x, int limit, int count_only);
/* Reads one stored item (its JSON text). Returns 0, or -1 with err. */
int dynamo_page_add(struct dynamo_page *p, const void *value, size_t len, struct dynamo_error *err);
/* Reads one stored record of a Query or Scan: the item itself, or, with
 * fetch (Select ALL_ATTRIBUTES on an LSI), the table's item behind the
 * index entry, read into *full. Returns 0, or -1 with err. */
int dynamo_page_add_entry(struct dynamo_page *p, struct store_txn *t, const struct dynamo_table *tb,
                          int fetch, const void *value, size_t len, struct emu_buf *full,
                          struct dynamo_error *err);
/* The response: Items (unless COUNT), Count, ScannedCount, LastEvaluatedKey
 * when `more` items remain, and ConsumedCapacity when asked. Frees the
 * page's trees into the response. */
cJSON *dynamo_page_response(struct dynamo_page *p, int more, const cJSON *req, const char *table,
                            int consistent);
void dynamo_page_free(struct dynamo_page *p);

#endif
