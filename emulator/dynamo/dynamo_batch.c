/*
 * dynamo_batch.c - BatchGetItem and BatchWriteItem.
 *
 * Role: several item reads or writes across tables in one call.
 * BatchGetItem reads every key in one read transaction (a consistent
 * snapshot) and returns what does not fit in 16 MB as UnprocessedKeys.
 * BatchWriteItem validates every request (shape, table, key, duplicates)
 * before writing anything, then applies all of them in ONE store write
 * transaction, so a batch is all-or-nothing here (DynamoDB may apply part
 * of a batch and return the rest as UnprocessedItems; we never need to, so
 * UnprocessedItems is always {}).
 *
 * SPEC docs/spec/dynamodb.md 2.6: "BatchWriteItem <= 25 put/delete requests and
 * <= 16 MB; BatchGetItem <= 100 keys and <= 16 MB of results (excess
 * returned as UnprocessedKeys)". Messages: SPEC docs/spec/dynamodb.md 2.4 and
 * dynalite's validations/batch{Get,Write}Item.js (DYN-val).
 * Invariants: the table accounting (ItemCount, TableSizeBytes) changes in
 * the same write transaction as the items (dynamo_tables_account).
 * Ownership: the request tree is the caller's (legacy AttributesToGet is
 * rewritten in place); *resp is new and the caller's.
 * Threading: each call opens its own transaction.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_legacy.h"
#include "dynamo_value.h"

#define BATCH_GET_MAX 100
#define BATCH_WRITE_MAX 25
#define BATCH_GET_BYTES (16 * 1024 * 1024)
/* SPEC docs/spec/dynamodb.md 2.6: item size max 400 KB (1 KB = 1024 B). */
#define ITEM_MAX_BYTES (400 * 1024)
#define KEY_MAX 8192
/* The longest echo of a request value inside a constraint message. */
#define ECHO_MAX 480

static const char duplicates[] = "Provided list of item keys contains duplicates";

/* ---- Java-style echoes of request values ---------------------------------
 * AWS's constraint messages echo the offending value as Java's toString
 * renders it, e.g. (SPEC docs/spec/dynamodb.md 2.4, CONF captures):
 *   {T=[WriteRequest(putRequest=PutRequest(item={pk=com.amazonaws.dynamodb.
 *   v20120810.AttributeValue@483470e1}, workloadProfileName=null),
 *   deleteRequest=null)]}
 * DEVIATION: the @hash is Java's identity hash in DynamoDB; here it is a
 * stable FNV-1a hash of the value, and echoes longer than ECHO_MAX bytes are
 * cut with "..." so the message keeps its constraint text. */

static void echo_value(struct emu_buf *b, const cJSON *av) {
  char *text = cJSON_PrintUnformatted(av);
  const unsigned char *p = (const unsigned char *)(text ? text : "");
  uint32_t h = 2166136261u;

  for (; *p; p++)
    h = (h ^ *p) * 16777619u;
  cJSON_free(text);
  emu_buf_printf(b, "com.amazonaws.dynamodb.v20120810.AttributeValue@%08x", (unsigned)h);
}

static void echo_map(struct emu_buf *b, const cJSON *map) {
  const cJSON *it;

  emu_buf_putc(b, '{');
  cJSON_ArrayForEach(it, map) {
    if (it != map->child)
      emu_buf_puts(b, ", ");
    emu_buf_printf(b, "%s=", it->string ? it->string : "");
    echo_value(b, it);
  }
  emu_buf_putc(b, '}');
}

static void echo_write_request(struct emu_buf *b, const cJSON *wr) {
  const cJSON *put = cJSON_GetObjectItemCaseSensitive(wr, "PutRequest");
  const cJSON *del = cJSON_GetObjectItemCaseSensitive(wr, "DeleteRequest");

  emu_buf_puts(b, "WriteRequest(putRequest=");
  if (cJSON_IsObject(put)) {
    emu_buf_puts(b, "PutRequest(item=");
    echo_map(b, cJSON_GetObjectItemCaseSensitive(put, "Item"));
    emu_buf_puts(b, ", workloadProfileName=null)");
  } else {
    emu_buf_puts(b, "null");
  }
  emu_buf_puts(b, ", deleteRequest=");
  if (cJSON_IsObject(del)) {
    emu_buf_puts(b, "DeleteRequest(key=");
    echo_map(b, cJSON_GetObjectItemCaseSensitive(del, "Key"));
    emu_buf_puts(b, ", workloadProfileName=null))");
  } else {
    emu_buf_puts(b, "null)");
  }
}

/* The echo as a C string (cut to ECHO_MAX); free with free(). */
static char *echo_finish(struct emu_buf *b) {
  if (b->len > ECHO_MAX) {
    b->len = ECHO_MAX - 3;
    emu_buf_puts(b, "...");
  }
  return emu_buf_take(b);
}

/* RequestItems: present and not empty. */
static int request_items(cJSON *req, const char *op, cJSON **out, struct dynamo_error *err) {
  if (dynamo_req_object(req, "RequestItems", out, err) != 0)
    return -1;
  if (!*out)
    return dynamo_error_null(err, "requestItems");
  if (!(*out)->child)
    /* SPEC docs/spec/dynamodb.md 2.4: "BatchWrite/Get with empty map: The
     * requestItems parameter is required for BatchWriteItem". */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The requestItems parameter is required for %s", op);
  return 0;
}

/* 1 when keys[i] equals one of keys[0..i-1]. */
static int duplicate_of_earlier(const struct emu_buf *keys, int i) {
  int j;

  for (j = 0; j < i; j++)
    if (keys[j].len == keys[i].len && memcmp(keys[j].data, keys[i].data, keys[i].len) == 0)
      return 1;
  return 0;
}

/* ---- BatchGetItem ------------------------------------------------------- */

struct get_table {
  const char *name;
  cJSON *entry; /* the request's KeysAndAttributes (rewritten in place) */
  cJSON *echo;  /* the entry as sent, without Keys, for UnprocessedKeys */
  cJSON *keys;  /* the Keys array */
  int nkeys;
  int consistent;
  int prepared;
  struct dynamo_exprs x;
  struct dynamo_table tb;
  int loaded;
  struct emu_buf *enc; /* the logical key of each Keys entry */
};

static void get_tables_free(struct get_table *g, int n) {
  int i, k;

  for (i = 0; g && i < n; i++) {
    if (g[i].prepared)
      dynamo_exprs_free(&g[i].x);
    if (g[i].loaded)
      dynamo_table_free(&g[i].tb);
    cJSON_Delete(g[i].echo);
    for (k = 0; g[i].enc && k < g[i].nkeys; k++)
      emu_buf_free(&g[i].enc[k]);
    free(g[i].enc);
  }
  free(g);
}

/* Shape of one table's KeysAndAttributes (DYN-val batchGetItem.js types). */
static int get_entry_shape(struct get_table *g, struct dynamo_error *err) {
  char path[320];
  const cJSON *k;

  if (!cJSON_IsObject(g->entry))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  snprintf(path, sizeof(path), "requestItems.%s.member.keys", g->name);
  g->keys = cJSON_GetObjectItemCaseSensitive(g->entry, "Keys");
  if (!g->keys || cJSON_IsNull(g->keys))
    return dynamo_error_null(err, "%s", path);
  if (!cJSON_IsArray(g->keys))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  g->nkeys = cJSON_GetArraySize(g->keys);
  if (g->nkeys < 1 || g->nkeys > BATCH_GET_MAX) {
    struct emu_buf b;
    char *echo;
    emu_buf_init(&b, 1 << 20);
    emu_buf_putc(&b, '[');
    cJSON_ArrayForEach(k, g->keys) {
      if (k != g->keys->child)
        emu_buf_puts(&b, ", ");
      echo_map(&b, k);
    }
    emu_buf_putc(&b, ']');
    echo = echo_finish(&b);
    if (g->nkeys > BATCH_GET_MAX)
      /* SPEC docs/spec/dynamodb.md 2.25: over 100 keys in one table, the
       * value left out and the member path capitalised. */
      dynamo_error_violation(err, dynamo_value_omitted, -1,
                             "Member must have length less than or equal to 100",
                             "RequestItems.%s.member.Keys", g->name);
    else
      dynamo_error_violation(err, echo, -1, "Member must have length greater than or equal to 1",
                             "%s", path);
    free(echo);
    emu_buf_free(&b);
    return -1;
  }
  cJSON_ArrayForEach(k, g->keys) {
    if (!cJSON_IsObject(k))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    if (dynamo_value_validate_map((cJSON *)k, err) != 0)
      return -1;
  }
  return dynamo_req_bool(g->entry, "ConsistentRead", &g->consistent, err);
}

/*
 * BatchGetItem. Supported: RequestItems (table -> Keys,
 * ProjectionExpression, ExpressionAttributeNames, ConsistentRead,
 * AttributesToGet), ReturnConsumedCapacity. Responses holds every requested
 * table (an empty list when nothing was found); keys whose items would take
 * the response past 16 MB come back in UnprocessedKeys with the table's
 * other request members.
 */
int dynamo_batch_get(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct get_table *g = NULL;
  struct store_txn *t = NULL;
  cJSON *items, *it, *responses = NULL, *unprocessed = NULL, *capacity = NULL;
  size_t used = 0;
  int n = 0, i, total = 0, rc = -1, over = 0;

  if (request_items(req, "BatchGetItem", &items, err) != 0)
    return -1;
  n = cJSON_GetArraySize(items);
  g = calloc((size_t)n, sizeof(*g));
  if (!g)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
  i = 0;
  cJSON_ArrayForEach(it, items) {
    g[i].name = it->string;
    g[i].entry = it;
    if (get_entry_shape(&g[i], err) != 0)
      goto out;
    total += g[i].nkeys;
    /* SPEC docs/spec/dynamodb.md 2.4: "BatchGetItem > 100 keys: Too many items
     * requested for the BatchGetItem call" (counted across tables). */
    if (total > BATCH_GET_MAX) {
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                       "Too many items requested for the BatchGetItem call");
      goto out;
    }
    i++;
  }
  for (i = 0; i < n; i++) {
    g[i].echo = cJSON_Duplicate(g[i].entry, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(g[i].echo, "Keys");
    if (dynamo_legacy_translate(g[i].entry, DYNAMO_LEGACY_GET, err) != 0 ||
        dynamo_exprs_prepare(g[i].entry, DYNAMO_KIND(DYNAMO_EXPR_PROJECTION), &g[i].x, err) != 0)
      goto out;
    g[i].prepared = 1;
  }
  if (store_txn_begin(db->store, 0, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  /* Every table and key is checked before anything is read. */
  for (i = 0; i < n; i++) {
    int k = 0;
    const cJSON *key;
    if (dynamo_tables_load(db, t, g[i].name, &g[i].tb, "Requested resource not found", err) != 0)
      goto out;
    g[i].loaded = 1;
    g[i].enc = calloc((size_t)g[i].nkeys, sizeof(*g[i].enc));
    if (!g[i].enc) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
      goto out;
    }
    for (k = 0; k < g[i].nkeys; k++)
      emu_buf_init(&g[i].enc[k], KEY_MAX);
    k = 0;
    cJSON_ArrayForEach(key, g[i].keys) {
      if (dynamo_keys_of_key(&g[i].tb, key, &g[i].enc[k], err) != 0)
        goto out;
      /* SPEC docs/spec/dynamodb.md 2.4: duplicate keys in a batch. */
      if (duplicate_of_earlier(g[i].enc, k)) {
        dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", duplicates);
        goto out;
      }
      k++;
    }
  }
  responses = cJSON_CreateObject();
  unprocessed = cJSON_CreateObject();
  if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(req, "ReturnConsumedCapacity")))
    capacity = cJSON_CreateArray();
  for (i = 0; i < n; i++) {
    cJSON *list = cJSON_AddArrayToObject(responses, g[i].name), *left = NULL, *cc;
    const cJSON *key;
    double units = 0;
    int k = 0;
    cJSON_ArrayForEach(key, g[i].keys) {
      cJSON *item = NULL;
      size_t size;
      if (!over && dynamo_items_load(t, &g[i].enc[k], &item, err) != 0)
        goto out;
      size = item ? dynamo_item_size(item) : 0;
      /* SPEC docs/spec/dynamodb.md 2.6: at most 16 MB of results; the rest is
       * returned as UnprocessedKeys (in request order, so the retry
       * continues where this call stopped). */
      if (!over && used + size > BATCH_GET_BYTES)
        over = 1;
      if (over) {
        cJSON_Delete(item);
        if (!left) {
          cJSON *entry = cJSON_Duplicate(g[i].echo, 1);
          left = cJSON_AddArrayToObject(entry, "Keys");
          cJSON_AddItemToObject(unprocessed, g[i].name, entry);
        }
        cJSON_AddItemToArray(left, cJSON_Duplicate(key, 1));
        k++;
        continue;
      }
      used += size;
      /* SPEC AWS capacity: one read unit per 4 KB of each item, half for
       * eventually consistent reads. */
      units += ceil((double)(size ? size : 1) / 4096.0) * (g[i].consistent ? 1.0 : 0.5);
      if (item) {
        if (g[i].x.e[DYNAMO_EXPR_PROJECTION]) {
          cJSON *p = dynamo_expr_project(g[i].x.e[DYNAMO_EXPR_PROJECTION], item);
          cJSON_Delete(item);
          item = p;
        }
        cJSON_AddItemToArray(list, item);
      }
      k++;
    }
    if (capacity && units > 0 && (cc = dynamo_consumed_capacity(req, g[i].name, units)) != NULL)
      cJSON_AddItemToArray(capacity, cc);
  }
  *resp = cJSON_CreateObject();
  cJSON_AddItemToObject(*resp, "Responses", responses);
  cJSON_AddItemToObject(*resp, "UnprocessedKeys", unprocessed);
  responses = unprocessed = NULL;
  if (capacity && capacity->child) {
    cJSON_AddItemToObject(*resp, "ConsumedCapacity", capacity);
    capacity = NULL;
  }
  rc = 0;
out:
  store_txn_abort(t);
  get_tables_free(g, n);
  cJSON_Delete(responses);
  cJSON_Delete(unprocessed);
  cJSON_Delete(capacity);
  return rc;
}

/* ---- BatchWriteItem ----------------------------------------------------- */

struct write_table {
  const char *name;
  struct dynamo_table tb;
  int loaded;
  int64_t items, bytes; /* accounting deltas */
  double units;
  int streamed; /* a stream record was appended */
};

struct write_req {
  struct write_table *wt;
  const cJSON *put_item; /* PutRequest.Item, or NULL */
  const cJSON *del_key;  /* DeleteRequest.Key, or NULL */
  struct emu_buf key;
};

static int write_map_constraint(const cJSON *items, struct dynamo_error *err) {
  struct emu_buf b;
  const cJSON *tab, *wr;
  char *echo;

  emu_buf_init(&b, 1 << 20);
  emu_buf_putc(&b, '{');
  cJSON_ArrayForEach(tab, items) {
    if (tab != items->child)
      emu_buf_puts(&b, ", ");
    emu_buf_printf(&b, "%s=[", tab->string);
    cJSON_ArrayForEach(wr, tab) {
      if (wr != tab->child)
        emu_buf_puts(&b, ", ");
      echo_write_request(&b, wr);
    }
    emu_buf_putc(&b, ']');
  }
  emu_buf_putc(&b, '}');
  echo = echo_finish(&b);
  /* SPEC docs/spec/dynamodb.md 2.4: "BatchWriteItem > 25 requests: 1 validation error
   * detected: Value '<rendered map>' at 'requestItems' failed to satisfy
   * constraint: Map value must satisfy constraint: [Member must have length
   * less than or equal to 25, Member must have length greater than or equal
   * to 1]". */
  dynamo_error_violation(err, echo, -1,
                         "Map value must satisfy constraint: [Member must have length less than or "
                         "equal to 25, Member must have length greater than or equal to 1]",
                         "requestItems");
  free(echo);
  emu_buf_free(&b);
  return -1;
}

/* Shape of one WriteRequest (DYN-val batchWriteItem.js). */
static int write_request_shape(const char *table, cJSON *wr, struct write_req *out,
                               struct dynamo_error *err) {
  cJSON *put, *del, *m;
  char path[320];

  if (!cJSON_IsObject(wr))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (dynamo_req_object(wr, "PutRequest", &put, err) != 0 ||
      dynamo_req_object(wr, "DeleteRequest", &del, err) != 0)
    return -1;
  if (!put == !del)
    /* DYN-val batchWriteItem.js (a request with no member); DynamoDB Local
     * answers the same for a request with both. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Supplied AttributeValue has more than one datatypes set, must contain "
                            "exactly one of the supported datatypes");
  snprintf(path, sizeof(path), "requestItems.%s.member.%s", table,
           put ? "putRequest.item" : "deleteRequest.key");
  if (dynamo_req_object(put ? put : del, put ? "Item" : "Key", &m, err) != 0)
    return -1;
  if (!m)
    return dynamo_error_null(err, "%s", path);
  if (dynamo_value_validate_map(m, err) != 0)
    return -1;
  if (put && dynamo_item_size(m) > ITEM_MAX_BYTES)
    /* SPEC docs/spec/dynamodb.md 2.4: "Item size has exceeded the maximum allowed
     * size". */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Item size has exceeded the maximum allowed size");
  out->put_item = put ? m : NULL;
  out->del_key = put ? NULL : m;
  return 0;
}

static double write_units(size_t bytes) {
  return bytes == 0 ? 1 : ceil((double)bytes / 1024.0);
}

/* Applies one validated request in the write transaction t. */
static int write_apply(struct store_txn *t, struct write_req *w, struct dynamo_error *err) {
  cJSON *old = NULL;
  size_t old_size = 0, new_size = 0;
  int src = STORE_OK;

  if (dynamo_items_load(t, &w->key, &old, err) != 0)
    return -1;
  if (old)
    old_size = dynamo_item_size(old);
  if (w->put_item) {
    char *text = cJSON_PrintUnformatted(w->put_item);
    new_size = dynamo_item_size(w->put_item);
    src = store_put(t, w->key.data, w->key.len, text, strlen(text));
    cJSON_free(text);
  } else if (old) {
    src = store_del(t, w->key.data, w->key.len);
  }
  /* The indexes, in the same transaction (dynamo_indexes.c). */
  if (src == STORE_OK && (w->put_item || old) &&
      dynamo_indexes_apply(t, &w->wt->tb, old, w->put_item) != 0)
    src = STORE_ERROR;
  /* The stream record, in the same transaction (dynamo_streams.c). */
  if (src == STORE_OK) {
    int appended = dynamo_streams_append(t, &w->wt->tb, old, w->put_item, 0);
    if (appended < 0)
      src = STORE_ERROR;
    w->wt->streamed |= appended > 0;
  }
  if (src != STORE_OK) {
    cJSON_Delete(old);
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  }
  w->wt->items += (w->put_item ? 1 : 0) - (old ? 1 : 0);
  w->wt->bytes += (int64_t)new_size - (int64_t)old_size;
  w->wt->units += write_units(new_size > old_size ? new_size : old_size);
  cJSON_Delete(old);
  return 0;
}

/*
 * BatchWriteItem. Supported: RequestItems (table -> [{PutRequest: {Item}} |
 * {DeleteRequest: {Key}}]), ReturnConsumedCapacity (one entry per table).
 * Every request is validated as PutItem/DeleteItem validate theirs, then
 * all are written in one transaction. UnprocessedItems is always {};
 * ReturnItemCollectionMetrics SIZE returns ItemCollectionMetrics, per table
 * with a local secondary index (dynamo_item_collections.c).
 */
int dynamo_batch_write(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct write_table *wt = NULL;
  struct write_req *w = NULL;
  struct store_txn *t = NULL;
  cJSON *items, *tab, *wr, *capacity = NULL;
  int ntables, nreq = 0, i, j, rc = -1;

  if (request_items(req, "BatchWriteItem", &items, err) != 0)
    return -1;
  ntables = cJSON_GetArraySize(items);
  cJSON_ArrayForEach(tab, items) {
    int len;
    if (!cJSON_IsArray(tab))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              cJSON_IsObject(tab)
                                  ? "Start of structure or map found where not expected."
                                  : "Unexpected value type in payload");
    len = cJSON_GetArraySize(tab);
    if (len < 1 || len > BATCH_WRITE_MAX)
      return write_map_constraint(items, err);
    nreq += len;
  }
  /* DYN-val batchWriteItem.js: more than 25 requests across tables. */
  if (nreq > BATCH_WRITE_MAX)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Too many items requested for the BatchWriteItem call");
  wt = calloc((size_t)ntables, sizeof(*wt));
  w = calloc((size_t)nreq, sizeof(*w));
  if (!wt || !w) {
    free(wt);
    free(w);
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
  }
  for (j = 0; j < nreq; j++)
    emu_buf_init(&w[j].key, KEY_MAX);
  i = j = 0;
  cJSON_ArrayForEach(tab, items) {
    wt[i].name = tab->string;
    cJSON_ArrayForEach(wr, tab) {
      w[j].wt = &wt[i];
      if (write_request_shape(tab->string, wr, &w[j], err) != 0)
        goto out;
      j++;
    }
    i++;
  }
  if (store_txn_begin(db->store, 1, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  for (i = 0; i < ntables; i++) {
    if (dynamo_tables_load(db, t, wt[i].name, &wt[i].tb, "Requested resource not found", err) != 0)
      goto out;
    wt[i].loaded = 1;
  }
  /* Keys as PutItem/DeleteItem check them; then duplicates within a table
   * (a put and a delete of one key count too). */
  for (j = 0; j < nreq; j++) {
    int k;
    if ((w[j].put_item ? dynamo_keys_of_item(&w[j].wt->tb, w[j].put_item, &w[j].key, err)
                       : dynamo_keys_of_key(&w[j].wt->tb, w[j].del_key, &w[j].key, err)) != 0)
      goto out;
    if (w[j].put_item && dynamo_index_keys_check_item(&w[j].wt->tb, w[j].put_item, err) != 0)
      goto out;
    for (k = 0; k < j; k++)
      if (w[k].wt == w[j].wt && w[k].key.len == w[j].key.len &&
          memcmp(w[k].key.data, w[j].key.data, w[j].key.len) == 0) {
        /* SPEC docs/spec/dynamodb.md 2.4: duplicate keys in a batch. */
        dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", duplicates);
        goto out;
      }
  }
  for (j = 0; j < nreq; j++)
    if (write_apply(t, &w[j], err) != 0)
      goto out;
  for (i = 0; i < ntables; i++)
    if ((wt[i].items || wt[i].bytes) &&
        dynamo_tables_account(t, &wt[i].tb, wt[i].items, wt[i].bytes) != 0) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
      goto out;
    }
  if (store_txn_commit(t) != STORE_OK) {
    t = NULL;
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
    goto out;
  }
  t = NULL;
  for (i = 0; i < ntables; i++)
    if (wt[i].streamed)
      dynamo_streams_notify(db, wt[i].tb.name);
  *resp = cJSON_CreateObject();
  cJSON_AddObjectToObject(*resp, "UnprocessedItems");
  for (i = 0; i < ntables; i++) {
    cJSON *cc = dynamo_consumed_capacity(req, wt[i].name, wt[i].units);
    if (!cc)
      break;
    if (!capacity)
      capacity = cJSON_AddArrayToObject(*resp, "ConsumedCapacity");
    cJSON_AddItemToArray(capacity, cc);
  }
  /* SPEC docs/spec/dynamodb.md 2.37: per table, a list; only tables with an
   * LSI have one. */
  if (dynamo_item_collections_wanted(req)) {
    cJSON *icm = cJSON_CreateObject();
    for (j = 0; j < nreq; j++)
      dynamo_item_collections_add(icm, w[j].wt->name,
                                  dynamo_item_collections_metrics(
                                      &w[j].wt->tb, w[j].put_item ? w[j].put_item : w[j].del_key));
    if (icm->child)
      cJSON_AddItemToObject(*resp, "ItemCollectionMetrics", icm);
    else
      cJSON_Delete(icm);
  }
  rc = 0;
out:
  store_txn_abort(t);
  for (i = 0; wt && i < ntables; i++)
    if (wt[i].loaded)
      dynamo_table_free(&wt[i].tb);
  for (j = 0; w && j < nreq; j++)
    emu_buf_free(&w[j].key);
  free(wt);
  free(w);
  return rc;
}
