/*
 * dynamo_items.c - PutItem, UpdateItem, GetItem and DeleteItem, and the
 * single-item write they share with TransactWriteItems (dynamo_items_apply).
 *
 * A conditional write reads the old item, evaluates the condition and
 * writes in one LMDB write transaction, so no other writer can slip in
 * between (SPEC issue 4: "A conditional write is checked and applied in one
 * LMDB write transaction"). dynamo_items_apply does that work inside a
 * transaction the caller owns, so a transaction can apply many writes and
 * commit or abort them together. Items are stored as their JSON text with
 * numbers normalised.
 * Threading: each operation opens its own transaction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_legacy.h"
#include "dynamo_value.h"

/* SPEC docs/spec/dynamodb.md 2.6: item size max 400 KB (1 KB = 1024 B). */
#define ITEM_MAX_BYTES (400 * 1024)

#define RETURN_VALUES_ENUM \
  "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"

/* ReturnValues for PutItem/DeleteItem: NONE (0) or ALL_OLD (1). */
static int return_values_old(const cJSON *req, int *all_old, struct dynamo_error *err) {
  const char *rv;

  *all_old = 0;
  if (dynamo_req_string(req, "ReturnValues", &rv, err) != 0)
    return -1;
  if (!rv || strcmp(rv, "NONE") == 0)
    return 0;
  if (strcmp(rv, "ALL_OLD") == 0) {
    *all_old = 1;
    return 0;
  }
  if (strcmp(rv, "ALL_NEW") && strcmp(rv, "UPDATED_OLD") && strcmp(rv, "UPDATED_NEW"))
    return dynamo_error_violation(err, rv, 64, RETURN_VALUES_ENUM, "returnValues");
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "ReturnValues can only be ALL_OLD or NONE");
}

int dynamo_items_on_failure_all_old(const cJSON *req, int *all_old, struct dynamo_error *err) {
  const char *v;

  *all_old = 0;
  if (dynamo_req_string(req, "ReturnValuesOnConditionCheckFailure", &v, err) != 0)
    return -1;
  if (!v || strcmp(v, "NONE") == 0)
    return 0;
  if (strcmp(v, "ALL_OLD") == 0) {
    *all_old = 1;
    return 0;
  }
  return dynamo_error_violation(err, v, 64, "Member must satisfy enum value set: [ALL_OLD, NONE]",
                                "returnValuesOnConditionCheckFailure");
}

/* SPEC docs/spec/dynamodb.md 2.3: ConditionalCheckFailedException carries "Item" (the
 * old item) when ReturnValuesOnConditionCheckFailure is ALL_OLD. */
static int condition_failed(const cJSON *old, int with_item, struct dynamo_error *err) {
  dynamo_error_set(err, DYNAMO_ERR_CONDITIONAL_CHECK_FAILED, "The conditional request failed");
  if (with_item && old) {
    err->extra = cJSON_CreateObject();
    cJSON_AddItemToObject(err->extra, "Item", cJSON_Duplicate(old, 1));
  }
  return -1;
}

static double write_units(size_t bytes) {
  return bytes == 0 ? 1 : ceil((double)bytes / 1024.0);
}

/* Loads the item at key (NULL when absent). */
int dynamo_items_load(struct store_txn *t, const struct emu_buf *key, cJSON **item,
                      struct dynamo_error *err) {
  struct emu_buf val;
  int rc;

  *item = NULL;
  emu_buf_init(&val, (size_t)1 << 24);
  rc = store_get(t, key->data, key->len, &val);
  if (rc == STORE_OK) {
    *item = cJSON_ParseWithLength(val.data, val.len);
    if (!*item)
      rc = STORE_ERROR;
  }
  emu_buf_free(&val);
  if (rc != STORE_OK && rc != STORE_NOT_FOUND)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
  return 0;
}

/* The new item of an UpdateItem (or a transaction's Update): the old item
 * (or {}) with the update applied. */
static cJSON *updated_item(const struct dynamo_item_write *w, const cJSON *old,
                           struct dynamo_error *err) {
  cJSON *item = old ? cJSON_Duplicate(old, 1) : cJSON_CreateObject();
  const cJSON *k;

  /* SPEC (dynamo_expr.h): a missing item is updated as {} and the key
   * attributes are added after, as DynamoDB creates the item. */
  if (w->x->e[DYNAMO_EXPR_UPDATE] &&
      dynamo_expr_apply_update(w->x->e[DYNAMO_EXPR_UPDATE], item, err) != 0) {
    cJSON_Delete(item);
    return NULL;
  }
  if (!old) {
    cJSON_ArrayForEach(k, w->key) {
      cJSON_DeleteItemFromObjectCaseSensitive(item, k->string);
      cJSON_AddItemToObject(item, k->string, cJSON_Duplicate(k, 1));
    }
  }
  return item;
}

void dynamo_item_write_clear(struct dynamo_item_write *w) {
  cJSON_Delete(w->old);
  cJSON_Delete(w->new_item);
  w->old = NULL;
  w->new_item = NULL;
  w->units_bytes = 0;
}

int dynamo_items_apply(struct store_txn *t, const struct dynamo_table *tb,
                       const struct emu_buf *key, struct dynamo_item_write *w,
                       struct dynamo_error *err) {
  cJSON *old = NULL, *item = NULL;
  size_t old_size = 0, new_size = 0;

  w->old = w->new_item = NULL;
  w->units_bytes = 0;
  w->streamed = 0;
  if (dynamo_items_load(t, key, &old, err) != 0)
    return -1;
  if (old)
    old_size = dynamo_item_size(old);
  if (w->x->e[DYNAMO_EXPR_CONDITION]) {
    int ok = dynamo_expr_eval_condition(w->x->e[DYNAMO_EXPR_CONDITION], old, err);
    if (ok <= 0) {
      if (ok == 0)
        w->old = old;
      else
        cJSON_Delete(old);
      return ok;
    }
  }
  if (w->action == DYNAMO_ITEM_CHECK) {
    w->old = old;
    w->units_bytes = old_size;
    return 1;
  }
  if (w->action == DYNAMO_ITEM_PUT) {
    item = cJSON_Duplicate(w->item, 1);
  } else if (w->action == DYNAMO_ITEM_UPDATE) {
    if ((item = updated_item(w, old, err)) == NULL ||
        dynamo_index_keys_check_update(tb, w->x->e[DYNAMO_EXPR_UPDATE], item, err) != 0)
      goto fail;
  }
  if (item) {
    char *text;
    int src;
    new_size = dynamo_item_size(item);
    /* SPEC docs/spec/dynamodb.md 2.6: item size max 400 KB; 2.4: "Item size has
     * exceeded the maximum allowed size" (UpdateItem: "Item size to update
     * has exceeded the maximum allowed size"). */
    if (new_size > ITEM_MAX_BYTES) {
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                       w->action == DYNAMO_ITEM_PUT
                           ? "Item size has exceeded the maximum allowed size"
                           : "Item size to update has exceeded the maximum allowed size");
      goto fail;
    }
    text = cJSON_PrintUnformatted(item);
    src = store_put(t, key->data, key->len, text, strlen(text));
    cJSON_free(text);
    if (src != STORE_OK) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
      goto fail;
    }
  } else if (old && store_del(t, key->data, key->len) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto fail;
  }
  /* The indexes, in the same transaction (dynamo_indexes.c). */
  if ((item || old) && dynamo_indexes_apply(t, tb, old, item) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto fail;
  }
  if ((item || old) && dynamo_tables_account(t, tb, (item ? 1 : 0) - (old ? 1 : 0),
                                             (int64_t)new_size - (int64_t)old_size) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto fail;
  }
  /* The stream record, in the same transaction (dynamo_streams.c). */
  if ((w->streamed = dynamo_streams_append(t, tb, old, item, 0)) < 0) {
    w->streamed = 0;
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto fail;
  }
  w->old = old;
  w->new_item = item;
  w->units_bytes = new_size > old_size ? new_size : old_size;
  return 1;
fail:
  cJSON_Delete(old);
  cJSON_Delete(item);
  return -1;
}

/* PutItem, UpdateItem and DeleteItem: in one write transaction, reads the
 * old item, checks the condition against it, computes the new item and
 * writes (or deletes) it (dynamo_items_apply). The key comes from
 * key_source (the item for a put, the Key map otherwise). *metrics: the
 * ItemCollectionMetrics when the request asks for them and the table has
 * any (else NULL). */
static int conditional_write(struct dynamo *db, const cJSON *req, const char *table,
                             const cJSON *key_source, struct dynamo_item_write *w, cJSON **metrics,
                             struct dynamo_error *err) {
  struct dynamo_table tb;
  struct store_txn *t = NULL;
  struct emu_buf key;
  int fail_old, rc = -1, loaded = 0, applied;

  emu_buf_init(&key, 16384);
  if (dynamo_items_on_failure_all_old(req, &fail_old, err) != 0)
    goto out;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  if (dynamo_tables_load(db, t, table, &tb, "Requested resource not found", err) != 0)
    goto out;
  loaded = 1;
  if ((w->action == DYNAMO_ITEM_PUT ? dynamo_keys_of_item(&tb, key_source, &key, err)
                                    : dynamo_keys_of_key(&tb, key_source, &key, err)) != 0)
    goto out;
  if (w->action == DYNAMO_ITEM_PUT && dynamo_index_keys_check_item(&tb, key_source, err) != 0)
    goto out;
  applied = dynamo_items_apply(t, &tb, &key, w, err);
  if (applied < 0)
    goto out;
  if (applied == 0) {
    condition_failed(w->old, fail_old, err);
    dynamo_item_write_clear(w);
    goto out;
  }
  rc = store_txn_commit(t) == STORE_OK
           ? 0
           : dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
  t = NULL;
  if (rc != 0)
    dynamo_item_write_clear(w);
  else if (w->streamed)
    dynamo_streams_notify(db, tb.name);
  /* SPEC docs/spec/dynamodb.md 2.37: ReturnItemCollectionMetrics SIZE. */
  if (rc == 0 && dynamo_item_collections_wanted(req))
    *metrics = dynamo_item_collections_metrics(&tb, key_source);
out:
  if (loaded)
    dynamo_table_free(&tb);
  store_txn_abort(t);
  emu_buf_free(&key);
  return rc;
}

/* PutItem and DeleteItem: the same request shape around a different member
 * ("Item" or "Key") and action. */
static int put_or_delete(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err,
                         int is_put) {
  struct dynamo_item_write w = {0};
  struct dynamo_exprs x;
  const char *table;
  cJSON *target, *cc, *metrics = NULL;
  int all_old, rc;

  /* Request shape first, then the table (as DynamoDB validates). */
  if (dynamo_req_table_name(req, &table, err) != 0 ||
      dynamo_req_object(req, is_put ? "Item" : "Key", &target, err) != 0)
    return -1;
  if (!target)
    return dynamo_error_null(err, "%s", is_put ? "item" : "key");
  if (dynamo_value_validate_map(target, err) != 0 || return_values_old(req, &all_old, err) != 0 ||
      dynamo_legacy_translate(req, is_put ? DYNAMO_LEGACY_PUT : DYNAMO_LEGACY_DELETE, err) != 0)
    return -1;
  if (dynamo_exprs_prepare(req, DYNAMO_KIND(DYNAMO_EXPR_CONDITION), &x, err) != 0)
    return -1;
  w.action = is_put ? DYNAMO_ITEM_PUT : DYNAMO_ITEM_DELETE;
  if (is_put)
    w.item = target;
  w.x = &x;
  rc = conditional_write(db, req, table, target, &w, &metrics, err);
  dynamo_exprs_free(&x);
  if (rc != 0)
    return -1;
  *resp = cJSON_CreateObject();
  if (all_old && w.old) {
    cJSON_AddItemToObject(*resp, "Attributes", w.old);
    w.old = NULL;
  }
  cc = dynamo_consumed_capacity(req, table, write_units(w.units_bytes));
  dynamo_item_write_clear(&w);
  if (cc)
    cJSON_AddItemToObject(*resp, "ConsumedCapacity", cc);
  if (metrics)
    cJSON_AddItemToObject(*resp, "ItemCollectionMetrics", metrics);
  return 0;
}

int dynamo_items_put(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  return put_or_delete(db, req, resp, err, 1);
}

int dynamo_items_delete(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  return put_or_delete(db, req, resp, err, 0);
}

int dynamo_items_get(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_exprs x;
  struct dynamo_table tb;
  struct store_txn *t = NULL;
  struct emu_buf key;
  const char *table;
  cJSON *keymap, *item = NULL, *cc;
  int consistent, rc = -1;
  size_t bytes = 0;

  if (dynamo_req_table_name(req, &table, err) != 0 ||
      dynamo_req_object(req, "Key", &keymap, err) != 0)
    return -1;
  if (!keymap)
    return dynamo_error_null(err, "key");
  if (dynamo_value_validate_map(keymap, err) != 0 ||
      dynamo_req_bool(req, "ConsistentRead", &consistent, err) != 0 ||
      dynamo_legacy_translate(req, DYNAMO_LEGACY_GET, err) != 0)
    return -1;
  if (dynamo_exprs_prepare(req, DYNAMO_KIND(DYNAMO_EXPR_PROJECTION), &x, err) != 0)
    return -1;
  emu_buf_init(&key, 16384);
  if (store_txn_begin(db->store, 0, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  if (dynamo_tables_load(db, t, table, &tb, "Requested resource not found", err) != 0)
    goto out;
  if (dynamo_keys_of_key(&tb, keymap, &key, err) != 0 ||
      dynamo_index_keys_check_read_paths(&tb, x.e[DYNAMO_EXPR_PROJECTION], err) != 0) {
    /* the error is set */
  } else if (!x.e[DYNAMO_EXPR_PROJECTION] && !dynamo_wants_capacity(req)) {
    /* The whole item, and no size needed: its stored JSON text goes into
     * the answer as it is, without a parse and a print. */
    struct emu_buf val;
    int src;
    emu_buf_init(&val, (size_t)1 << 24);
    src = store_get(t, key.data, key.len, &val);
    if (src == STORE_OK || src == STORE_NOT_FOUND) {
      *resp = cJSON_CreateObject();
      if (src == STORE_OK)
        cJSON_AddRawToObject(*resp, "Item", val.data);
      rc = 0;
    } else {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    }
    emu_buf_free(&val);
  } else if (dynamo_items_load(t, &key, &item, err) == 0) {
    *resp = cJSON_CreateObject();
    if (item) {
      bytes = dynamo_item_size(item);
      if (x.e[DYNAMO_EXPR_PROJECTION]) {
        cJSON *p = dynamo_expr_project(x.e[DYNAMO_EXPR_PROJECTION], item);
        cJSON_Delete(item);
        item = p;
      }
      cJSON_AddItemToObject(*resp, "Item", item);
      item = NULL;
    }
    /* SPEC AWS capacity: one read unit per 4 KB, half for eventually
     * consistent reads. */
    if ((cc = dynamo_consumed_capacity(
             req, table, ceil((double)(bytes ? bytes : 1) / 4096.0) * (consistent ? 1.0 : 0.5))) !=
        NULL)
      cJSON_AddItemToObject(*resp, "ConsumedCapacity", cc);
    rc = 0;
  }
  dynamo_table_free(&tb);
out:
  store_txn_abort(t);
  cJSON_Delete(item);
  emu_buf_free(&key);
  dynamo_exprs_free(&x);
  return rc;
}

/* ---- UpdateItem ------------------------------------------------------- */

/* ReturnValues for UpdateItem: 0 NONE, 1 ALL_OLD, 2 UPDATED_OLD, 3 ALL_NEW,
 * 4 UPDATED_NEW. */
static int update_return_values(const cJSON *req, int *rv, struct dynamo_error *err) {
  static const char *const names[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"};
  const char *v;
  int i;

  *rv = 0;
  if (dynamo_req_string(req, "ReturnValues", &v, err) != 0)
    return -1;
  if (!v)
    return 0;
  for (i = 0; i < 5; i++)
    if (strcmp(v, names[i]) == 0) {
      *rv = i;
      return 0;
    }
  return dynamo_error_violation(err, v, 64, RETURN_VALUES_ENUM, "returnValues");
}

int dynamo_items_update_key_check(const struct dynamo_table *tb, const struct dynamo_exprs *x,
                                  struct dynamo_error *err) {
  const char *targets[256];
  size_t n, i;

  if (!x->e[DYNAMO_EXPR_UPDATE])
    return 0;
  n = dynamo_expr_update_targets(x->e[DYNAMO_EXPR_UPDATE], targets, 256);
  for (i = 0; i < n && i < 256; i++)
    if (strcmp(targets[i], tb->hash_name) == 0 ||
        (tb->range_type && strcmp(targets[i], tb->range_name) == 0))
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "One or more parameter values were invalid: Cannot update attribute "
                              "%s. This attribute is part of the key",
                              targets[i]);
  return dynamo_index_keys_check_paths(tb, x->e[DYNAMO_EXPR_UPDATE], err);
}

int dynamo_items_update(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_item_write w = {0};
  struct dynamo_exprs x;
  struct dynamo_table tb;
  struct store_txn *t;
  const char *table;
  cJSON *key, *cc, *attrs = NULL, *metrics = NULL;
  int rv, rc;

  if (dynamo_req_table_name(req, &table, err) != 0 || dynamo_req_object(req, "Key", &key, err) != 0)
    return -1;
  if (!key)
    return dynamo_error_null(err, "key");
  if (dynamo_value_validate_map(key, err) != 0 || update_return_values(req, &rv, err) != 0 ||
      dynamo_legacy_translate(req, DYNAMO_LEGACY_UPDATE, err) != 0)
    return -1;
  if (dynamo_exprs_prepare(
          req, DYNAMO_KIND(DYNAMO_EXPR_UPDATE) | DYNAMO_KIND(DYNAMO_EXPR_CONDITION), &x, err) != 0)
    return -1;
  /* SPEC docs/spec/dynamodb.md 2.4: "One or more parameter values were invalid:
   * Cannot update attribute <attr>. This attribute is part of the key".
   * The schema is needed for this check, before the write. */
  if (x.e[DYNAMO_EXPR_UPDATE]) {
    if (store_txn_begin(db->store, 0, &t) != STORE_OK) {
      dynamo_exprs_free(&x);
      return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    }
    rc = dynamo_tables_load(db, t, table, &tb, "Requested resource not found", err);
    store_txn_abort(t);
    if (rc != 0) {
      dynamo_exprs_free(&x);
      return -1;
    }
    rc = dynamo_items_update_key_check(&tb, &x, err);
    /* A transaction reports these as cancellation reasons (at apply time);
     * UpdateItem refuses them before the write. */
    if (rc == 0)
      rc = dynamo_index_keys_check_static(&tb, x.e[DYNAMO_EXPR_UPDATE], err);
    dynamo_table_free(&tb);
    if (rc != 0) {
      dynamo_exprs_free(&x);
      return -1;
    }
  }
  w.action = DYNAMO_ITEM_UPDATE;
  w.key = key;
  w.x = &x;
  rc = conditional_write(db, req, table, key, &w, &metrics, err);
  if (rc == 0) {
    if (rv == 1 && w.old)
      attrs = cJSON_Duplicate(w.old, 1);
    /* SPEC docs/spec/dynamodb.md 2.36: UPDATED_OLD and UPDATED_NEW return
     * the updated paths only, nested ones within their enclosing maps and
     * lists. */
    else if (rv == 2 && w.old)
      attrs = dynamo_expr_project_targets(x.e[DYNAMO_EXPR_UPDATE], w.old);
    else if (rv == 3)
      attrs = cJSON_Duplicate(w.new_item, 1);
    else if (rv == 4)
      attrs = dynamo_expr_project_targets(x.e[DYNAMO_EXPR_UPDATE], w.new_item);
  }
  dynamo_exprs_free(&x);
  cc = rc == 0 ? dynamo_consumed_capacity(req, table, write_units(w.units_bytes)) : NULL;
  dynamo_item_write_clear(&w);
  if (rc != 0)
    return -1;
  *resp = cJSON_CreateObject();
  if (attrs && attrs->child)
    cJSON_AddItemToObject(*resp, "Attributes", attrs);
  else
    cJSON_Delete(attrs);
  if (cc)
    cJSON_AddItemToObject(*resp, "ConsumedCapacity", cc);
  if (metrics)
    cJSON_AddItemToObject(*resp, "ItemCollectionMetrics", metrics);
  return 0;
}
