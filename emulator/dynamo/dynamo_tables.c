/*
 * dynamo_tables.c - CreateTable, DescribeTable, ListTables, DeleteTable, and
 * loading a table's schema for the item operations.
 *
 * Catalogue records (store meta):
 *   "t:<TableName>"  {"id": <table id>, "desc": <TableDescription>}
 *   "c:<table id>"   16 bytes: item count, then size in bytes (u64 BE each)
 *   "next_table_id"  counter; ids are never reused, so a re-created table
 *                    never sees the old table's items.
 * The "t:" record also holds "stream": the number of the table's latest
 * DynamoDB stream (dynamo_streams.c), absent when it never had one.
 * SPEC docs/spec/dynamodb.md 2.7: DescribeTable's shape; tables are ACTIVE at once (as
 * DynamoDB Local does) so waiters return immediately.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "emu_id.h"
#include "emu_time.h"

#define LIST_TABLES_MAX 100

static void meta_name(char *buf, size_t cap, const char *table) {
  snprintf(buf, cap, "t:%s", table);
}

static void counter_name(char *buf, size_t cap, uint32_t id) {
  snprintf(buf, cap, "c:%u", id);
}

void dynamo_table_free(struct dynamo_table *tb) {
  if (tb->shared) {
    dynamo_table_cache_release(tb->shared);
    tb->shared = NULL;
  } else {
    cJSON_Delete(tb->desc);
    free(tb->indexes);
  }
  tb->desc = NULL;
  tb->indexes = NULL;
  tb->nindexes = 0;
}

/* Takes the description out of rec (rec keeps the rest): no copy. */
static int parse_schema(cJSON *rec, struct dynamo_table *tb) {
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
  const cJSON *desc = cJSON_GetObjectItemCaseSensitive(rec, "desc");
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(desc, "KeySchema");
  const cJSON *ad = cJSON_GetObjectItemCaseSensitive(desc, "AttributeDefinitions");
  const cJSON *el, *a;

  int64_t n;

  if (!emu_json_int(id, 0, UINT32_MAX, &n) || !cJSON_IsArray(ks) || !cJSON_IsArray(ad))
    return -1;
  tb->id = (uint32_t)n;
  cJSON_ArrayForEach(el, ks) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(el, "AttributeName");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(el, "KeyType");
    char attr_type = 0;
    if (!cJSON_IsString(name) || !cJSON_IsString(type))
      return -1;
    cJSON_ArrayForEach(a, ad) {
      const cJSON *an = cJSON_GetObjectItemCaseSensitive(a, "AttributeName");
      const cJSON *at = cJSON_GetObjectItemCaseSensitive(a, "AttributeType");
      if (cJSON_IsString(an) && cJSON_IsString(at) &&
          strcmp(an->valuestring, name->valuestring) == 0)
        attr_type = at->valuestring[0];
    }
    if (strcmp(type->valuestring, "HASH") == 0) {
      snprintf(tb->hash_name, sizeof(tb->hash_name), "%s", name->valuestring);
      tb->hash_type = attr_type;
    } else {
      snprintf(tb->range_name, sizeof(tb->range_name), "%s", name->valuestring);
      tb->range_type = attr_type;
    }
  }
  tb->desc = cJSON_DetachItemViaPointer(rec, (cJSON *)desc);
  tb->stream_no = dynamo_streams_rec_u32(rec, "stream");
  tb->stream_view = tb->stream_no ? dynamo_streams_view_of(tb->desc) : 0;
  if (dynamo_indexes_parse(tb) != 0)
    return -1;
  return tb->hash_type ? 0 : -1;
}

int dynamo_tables_load(struct dynamo *db, struct store_txn *t, const char *name,
                       struct dynamo_table *out, const char *missing_message,
                       struct dynamo_error *err) {
  char key[300];
  struct emu_buf val;
  cJSON *rec;
  int rc;

  memset(out, 0, sizeof(*out));
  snprintf(out->name, sizeof(out->name), "%s", name);
  meta_name(key, sizeof(key), name);
  emu_buf_init(&val, 1 << 20);
  rc = store_meta_get(t, key, &val);
  if (rc == STORE_NOT_FOUND) {
    emu_buf_free(&val);
    return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND, "%s", missing_message);
  }
  if (rc != STORE_OK) {
    emu_buf_free(&val);
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
  }
  /* The record of this snapshot, parsed before: share it. */
  if (dynamo_table_cache_get(db->tables, name, val.data, val.len, out)) {
    emu_buf_free(&val);
    return 0;
  }
  rec = cJSON_ParseWithLength(val.data, val.len);
  rc = parse_schema(rec, out);
  cJSON_Delete(rec);
  if (rc != 0) {
    emu_buf_free(&val);
    dynamo_table_free(out);
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "corrupt table record for %s",
                            name);
  }
  dynamo_table_cache_put(db->tables, val.data, val.len, out);
  emu_buf_free(&val);
  return 0;
}

static int read_counters(struct store_txn *t, uint32_t id, uint64_t *count, uint64_t *bytes) {
  char key[32];
  struct emu_buf val;
  int rc, i;

  *count = *bytes = 0;
  counter_name(key, sizeof(key), id);
  emu_buf_init(&val, 64);
  rc = store_meta_get(t, key, &val);
  if (rc == STORE_OK && val.len == 16) {
    const unsigned char *p = (const unsigned char *)val.data;
    for (i = 0; i < 8; i++) {
      *count = (*count << 8) | p[i];
      *bytes = (*bytes << 8) | p[8 + i];
    }
  }
  emu_buf_free(&val);
  return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}

int dynamo_tables_account(struct store_txn *t, const struct dynamo_table *tb, int64_t items,
                          int64_t bytes) {
  unsigned char b[16];
  uint64_t count, size;
  char key[32];
  int i;

  if (read_counters(t, tb->id, &count, &size) != STORE_OK)
    return -1;
  count = (int64_t)count + items < 0 ? 0 : (uint64_t)((int64_t)count + items);
  size = (int64_t)size + bytes < 0 ? 0 : (uint64_t)((int64_t)size + bytes);
  for (i = 0; i < 8; i++) {
    b[i] = (unsigned char)(count >> (56 - 8 * i));
    b[8 + i] = (unsigned char)(size >> (56 - 8 * i));
  }
  counter_name(key, sizeof(key), tb->id);
  return store_meta_put(t, key, b, sizeof(b)) == STORE_OK ? 0 : -1;
}

/* ---- CreateTable ------------------------------------------------------ */

#define BILLING_ENUM "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"

static int check_attribute_definitions(const cJSON *ad, struct dynamo_error *err) {
  const cJSON *a, *b;
  int i = 1;

  if (!ad)
    return dynamo_error_null(err, "attributeDefinitions");
  if (!cJSON_IsArray(ad))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of structure or map found where not expected.");
  cJSON_ArrayForEach(a, ad) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "AttributeName");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(a, "AttributeType");
    if (!cJSON_IsObject(a) || !cJSON_IsString(name) || !name->valuestring[0])
      return dynamo_error_null(err, "attributeDefinitions.%d.member.attributeName", i);
    if (!cJSON_IsString(type) || (strcmp(type->valuestring, "S") &&
                                  strcmp(type->valuestring, "N") && strcmp(type->valuestring, "B")))
      return dynamo_error_violation(err, cJSON_IsString(type) ? type->valuestring : "null", -1,
                                    "Member must satisfy enum value set: [B, N, S]",
                                    "attributeDefinitions.%d.member.attributeType", i);
    for (b = ad->child; b != a; b = b->next) {
      const cJSON *bn = cJSON_GetObjectItemCaseSensitive(b, "AttributeName");
      if (strcmp(bn->valuestring, name->valuestring) == 0)
        /* SPEC docs/spec/dynamodb.md 2.21: one name defined twice (with
         * one type or two) is "Attribute Name is duplicated: <name>". */
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Attribute Name is duplicated: %.255s",
                                name->valuestring);
    }
    i++;
  }
  return 0;
}

static const cJSON *definition_of(const cJSON *ad, const char *name) {
  const cJSON *a;

  cJSON_ArrayForEach(a, ad) {
    if (strcmp(cJSON_GetObjectItemCaseSensitive(a, "AttributeName")->valuestring, name) == 0)
      return a;
  }
  return NULL;
}

/* The AttributeName members of a list, ", "-separated (cut to cap). */
static void names_of(const cJSON *arr, char *out, size_t cap) {
  const cJSON *el;
  size_t n = 0;

  out[0] = '\0';
  cJSON_ArrayForEach(el, arr) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(el, "AttributeName");
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%.255s", n ? ", " : "",
                          cJSON_IsString(v) ? v->valuestring : "");
    if (n >= cap)
      break;
  }
}

static int check_key_schema(const cJSON *ks, const cJSON *ad, int has_indexes,
                            struct dynamo_error *err) {
  const cJSON *el;
  int i = 1, n;

  if (!ks)
    return dynamo_error_null(err, "keySchema");
  if (!cJSON_IsArray(ks))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of structure or map found where not expected.");
  n = cJSON_GetArraySize(ks);
  if (n < 1 || n > 2)
    return dynamo_error_violation(err, "[]", -1,
                                  n < 1 ? "Member must have length greater than or equal to 1"
                                        : "Member must have length less than or equal to 2",
                                  "keySchema");
  cJSON_ArrayForEach(el, ks) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(el, "AttributeName");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(el, "KeyType");
    if (!cJSON_IsString(name) || !name->valuestring[0])
      return dynamo_error_null(err, "keySchema.%d.member.attributeName", i);
    if (!cJSON_IsString(type) ||
        (strcmp(type->valuestring, "HASH") && strcmp(type->valuestring, "RANGE")))
      return dynamo_error_violation(err, cJSON_IsString(type) ? type->valuestring : "null", -1,
                                    "Member must satisfy enum value set: [HASH, RANGE]",
                                    "keySchema.%d.member.keyType", i);
    i++;
  }
  /* SPEC docs/spec/dynamodb.md 2.21: after the members' constraints, in this
   * order: more keys than definitions, a key without a definition (both
   * lists named), one attribute as both keys, then the key types. */
  if (n > cJSON_GetArraySize(ad))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Invalid KeySchema: Some index key attribute have no definition");
  cJSON_ArrayForEach(el, ks) {
    const char *name = cJSON_GetObjectItemCaseSensitive(el, "AttributeName")->valuestring;
    if (!definition_of(ad, name)) {
      char keys[600], defs[2400];
      names_of(ks, keys, sizeof(keys));
      names_of(ad, defs, sizeof(defs));
      return dynamo_error_set(
          err, DYNAMO_ERR_VALIDATION,
          "One or more parameter values were invalid: Some index key attributes "
          "are not defined in AttributeDefinitions. Keys: [%s], "
          "AttributeDefinitions: [%s]",
          keys, defs);
    }
  }
  if (n == 2 &&
      strcmp(cJSON_GetObjectItemCaseSensitive(ks->child, "AttributeName")->valuestring,
             cJSON_GetObjectItemCaseSensitive(ks->child->next, "AttributeName")->valuestring) == 0)
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  if (strcmp(cJSON_GetObjectItemCaseSensitive(ks->child, "KeyType")->valuestring, "HASH") != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  if (n == 2 &&
      strcmp(cJSON_GetObjectItemCaseSensitive(ks->child->next, "KeyType")->valuestring, "RANGE"))
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  /* With indexes, dynamo_indexes_create checks that every definition is
   * used. */
  if (!has_indexes && cJSON_GetArraySize(ad) != n)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: Number of attributes in "
                            "KeySchema does not exactly match number of attributes defined in "
                            "AttributeDefinitions");
  return 0;
}

static int check_throughput(const cJSON *req, const char *billing, cJSON **out,
                            struct dynamo_error *err) {
  const cJSON *pt = cJSON_GetObjectItemCaseSensitive(req, "ProvisionedThroughput");
  const char *names[2] = {"ReadCapacityUnits", "WriteCapacityUnits"};
  const char *members[2] = {"readCapacityUnits", "writeCapacityUnits"};
  int64_t units;
  int i;

  *out = cJSON_CreateObject();
  cJSON_AddNumberToObject(*out, "NumberOfDecreasesToday", 0);
  if (strcmp(billing, "PAY_PER_REQUEST") == 0) {
    if (pt && !cJSON_IsNull(pt))
      return dynamo_error_set(
          err, DYNAMO_ERR_VALIDATION,
          "One or more parameter values were invalid: Neither ReadCapacityUnits "
          "nor WriteCapacityUnits can be specified when BillingMode is "
          "PAY_PER_REQUEST");
    /* SPEC docs/spec/dynamodb.md 2.7: 0 and 0 for on-demand tables. */
    cJSON_AddNumberToObject(*out, "ReadCapacityUnits", 0);
    cJSON_AddNumberToObject(*out, "WriteCapacityUnits", 0);
    return 0;
  }
  if (!cJSON_IsObject(pt))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: ReadCapacityUnits and "
                            "WriteCapacityUnits must both be specified when BillingMode is "
                            "PROVISIONED");
  for (i = 0; i < 2; i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(pt, names[i]);
    if (!v)
      return dynamo_error_null(err, "provisionedThroughput.%s", members[i]);
    if (!cJSON_IsNumber(v))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    if (v->valuedouble < 1) {
      char value[64];
      snprintf(value, sizeof(value), "%.0f", v->valuedouble);
      return dynamo_error_violation(err, value, -1,
                                    "Member must have value greater than or equal to 1",
                                    "provisionedThroughput.%s", members[i]);
    }
    if (!emu_json_int(v, 1, INT64_MAX, &units))
      return dynamo_error_long(err);
    cJSON_AddNumberToObject(*out, names[i], (double)units);
  }
  return 0;
}

int dynamo_tables_create(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *name, *billing = NULL;
  const cJSON *ad = cJSON_GetObjectItemCaseSensitive(req, "AttributeDefinitions");
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(req, "KeySchema");
  struct store_txn *t = NULL;
  struct emu_buf existing;
  cJSON *desc = NULL, *pt = NULL, *rec, *indexes = NULL, *il;
  char key[300], arn[512], uuid[EMU_UUID_LEN + 1];
  uint32_t id;
  char *text;
  int rc = -1;
  const cJSON *gsi = cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexes");
  const cJSON *lsi = cJSON_GetObjectItemCaseSensitive(req, "LocalSecondaryIndexes");
  int has_indexes = (gsi && !cJSON_IsNull(gsi)) || (lsi && !cJSON_IsNull(lsi));
  int stream_change, stream_view;

  emu_buf_init(&existing, 1 << 20);
  if (dynamo_req_table_name(req, &name, err) != 0 || check_attribute_definitions(ad, err) != 0 ||
      check_key_schema(ks, ad, has_indexes, err) != 0 ||
      dynamo_req_string(req, "BillingMode", &billing, err) != 0 ||
      dynamo_streams_spec(cJSON_GetObjectItemCaseSensitive(req, "StreamSpecification"), 0,
                          &stream_change, &stream_view, err) != 0)
    goto out;
  if (!billing)
    billing = "PROVISIONED";
  if (strcmp(billing, "PROVISIONED") && strcmp(billing, "PAY_PER_REQUEST")) {
    dynamo_error_violation(err, billing, 64, BILLING_ENUM, "billingMode");
    goto out;
  }
  if (check_throughput(req, billing, &pt, err) != 0 ||
      dynamo_table_options_check(req, billing, pt, err) != 0)
    goto out;
  snprintf(arn, sizeof(arn), "arn:aws:dynamodb:%s:%s:table/%s", db->region, db->account, name);
  /* Index descriptions (validated first, as DynamoDB does), added to the
   * description below. */
  indexes = cJSON_CreateObject();
  if (dynamo_indexes_create(req, billing, arn, indexes, err) != 0)
    goto out;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  meta_name(key, sizeof(key), name);
  if (store_meta_get(t, key, &existing) == STORE_OK) {
    /* SPEC docs/spec/dynamodb.md 2.4: ResourceInUseException "Table already exists: <name>". */
    dynamo_error_set(err, DYNAMO_ERR_RESOURCE_IN_USE, "Table already exists: %s", name);
    goto out;
  }
  if (store_meta_counter(t, "next_table_id", &id) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto out;
  }
  emu_id_uuid(uuid);
  desc = cJSON_CreateObject();
  cJSON_AddItemToObject(desc, "AttributeDefinitions", cJSON_Duplicate(ad, 1));
  cJSON_AddStringToObject(desc, "TableName", name);
  cJSON_AddItemToObject(desc, "KeySchema", cJSON_Duplicate(ks, 1));
  cJSON_AddStringToObject(desc, "TableStatus", "ACTIVE");
  cJSON_AddNumberToObject(desc, "CreationDateTime", (double)emu_time_now_ms() / 1000.0);
  cJSON_AddItemToObject(desc, "ProvisionedThroughput", pt);
  pt = NULL;
  cJSON_AddNumberToObject(desc, "TableSizeBytes", 0);
  cJSON_AddNumberToObject(desc, "ItemCount", 0);
  cJSON_AddStringToObject(desc, "TableArn", arn);
  cJSON_AddStringToObject(desc, "TableId", uuid);
  if (strcmp(billing, "PAY_PER_REQUEST") == 0) {
    cJSON *bms = cJSON_AddObjectToObject(desc, "BillingModeSummary");
    cJSON_AddStringToObject(bms, "BillingMode", "PAY_PER_REQUEST");
    cJSON_AddNumberToObject(bms, "LastUpdateToPayPerRequestDateTime",
                            (double)emu_time_now_ms() / 1000.0);
  }
  cJSON_AddBoolToObject(desc, "DeletionProtectionEnabled", 0);
  while ((il = indexes->child) != NULL)
    cJSON_AddItemToObject(desc, il->string, cJSON_DetachItemViaPointer(indexes, il));
  if (dynamo_table_options_create(db, t, req, billing, id, desc, err) != 0) {
    rc = -1;
    goto out;
  }
  if (stream_change == 1 &&
      dynamo_streams_create(db, t, name, id, 1, stream_view, desc, err) != 0) {
    rc = -1;
    goto out;
  }
  rec = cJSON_CreateObject();
  cJSON_AddNumberToObject(rec, "id", id);
  if (stream_change == 1)
    cJSON_AddNumberToObject(rec, "stream", 1);
  cJSON_AddItemToObject(rec, "desc", cJSON_Duplicate(desc, 1));
  text = cJSON_PrintUnformatted(rec);
  cJSON_Delete(rec);
  rc = store_meta_put(t, key, text, strlen(text));
  cJSON_free(text);
  if (rc != STORE_OK || store_txn_commit(t) != STORE_OK) {
    t = rc != STORE_OK ? t : NULL;
    rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto out;
  }
  t = NULL;
  *resp = cJSON_CreateObject();
  dynamo_indexes_describe(NULL, NULL, desc);
  cJSON_AddItemToObject(*resp, "TableDescription", desc);
  desc = NULL;
  rc = 0;
out:
  store_txn_abort(t);
  cJSON_Delete(desc);
  cJSON_Delete(indexes);
  cJSON_Delete(pt);
  emu_buf_free(&existing);
  return rc;
}

/* The description with live counters. */
static cJSON *live_description(struct store_txn *t, const struct dynamo_table *tb) {
  cJSON *desc = cJSON_Duplicate(tb->desc, 1);
  uint64_t count, bytes;

  if (read_counters(t, tb->id, &count, &bytes) == STORE_OK) {
    cJSON_ReplaceItemInObjectCaseSensitive(desc, "ItemCount", cJSON_CreateNumber((double)count));
    cJSON_ReplaceItemInObjectCaseSensitive(desc, "TableSizeBytes",
                                           cJSON_CreateNumber((double)bytes));
  }
  dynamo_indexes_describe(t, tb, desc);
  return desc;
}

static int missing_table(const char *name, char *buf, size_t cap) {
  /* SPEC docs/spec/dynamodb.md 2.4: DescribeTable/DeleteTable say
   * "Requested resource not found: Table: <name> not found". */
  return snprintf(buf, cap, "Requested resource not found: Table: %s not found", name);
}

int dynamo_tables_describe(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_table tb;
  struct store_txn *t;
  const char *name;
  char msg[400];

  if (dynamo_req_table_name(req, &name, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  missing_table(name, msg, sizeof(msg));
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  *resp = cJSON_CreateObject();
  cJSON_AddItemToObject(*resp, "Table", live_description(t, &tb));
  store_txn_abort(t);
  dynamo_table_free(&tb);
  return 0;
}

int dynamo_tables_delete(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_table tb;
  struct store_txn *t;
  const char *name;
  char msg[400], key[300];
  cJSON *desc;

  if (dynamo_req_table_name(req, &name, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  missing_table(name, msg, sizeof(msg));
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tb.desc, "DeletionProtectionEnabled"))) {
    store_txn_abort(t);
    dynamo_table_free(&tb);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Resource cannot be deleted as it is currently protected against "
                            "deletion. Disable deletion protection first.");
  }
  desc = live_description(t, &tb);
  cJSON_ReplaceItemInObjectCaseSensitive(desc, "TableStatus", cJSON_CreateString("DELETING"));
  {
    /* SPEC docs/spec/dynamodb.md 2.35: DeleteTable's description leaves out
     * these members, which DescribeTable has. DEVIATION: the members whose
     * presence is unverified (StreamSpecification, SSEDescription, ...) are
     * kept. */
    static const char *const left_out[] = {"CreationDateTime",      "KeySchema",
                                           "AttributeDefinitions",  "GlobalSecondaryIndexes",
                                           "LocalSecondaryIndexes", NULL};
    int i;
    for (i = 0; left_out[i]; i++)
      cJSON_DeleteItemFromObjectCaseSensitive(desc, left_out[i]);
  }
  meta_name(key, sizeof(key), name);
  /* The items and every index entry. */
  if (dynamo_indexes_drop_all(t, &tb) != 0 || dynamo_streams_drop(db, t, &tb) != 0 ||
      store_meta_del(t, key) != STORE_OK) {
    store_txn_abort(t);
    t = NULL;
  }
  counter_name(key, sizeof(key), tb.id);
  if (t)
    store_meta_del(t, key);
  /* The table's TTL setting and tags (dynamo_ttl.c, dynamo_tags.c). */
  snprintf(key, sizeof(key), "ttl:%u", tb.id);
  if (t)
    store_meta_del(t, key);
  snprintf(key, sizeof(key), "tags:%u", tb.id);
  if (t)
    store_meta_del(t, key);
  /* Its resource policy (dynamo_policy.c). */
  if (t)
    dynamo_policy_drop(t, tb.id);
  dynamo_table_free(&tb);
  if (!t || store_txn_commit(t) != STORE_OK) {
    cJSON_Delete(desc);
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  }
  *resp = cJSON_CreateObject();
  cJSON_AddItemToObject(*resp, "TableDescription", desc);
  return 0;
}

int dynamo_tables_list(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const cJSON *limit_json = cJSON_GetObjectItemCaseSensitive(req, "Limit");
  const char *start;
  struct store_txn *t;
  struct emu_buf name;
  char after[300];
  cJSON *names;
  int limit = LIST_TABLES_MAX, n = 0, rc;

  if (dynamo_req_string(req, "ExclusiveStartTableName", &start, err) != 0)
    return -1;
  if (limit_json && !cJSON_IsNull(limit_json)) {
    if (!cJSON_IsNumber(limit_json))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              "STRING_VALUE cannot be converted to Integer");
    if (limit_json->valuedouble < 1 || limit_json->valuedouble > LIST_TABLES_MAX) {
      char value[64];
      snprintf(value, sizeof(value), "%.0f", limit_json->valuedouble);
      return dynamo_error_violation(err, value, -1,
                                    limit_json->valuedouble < 1
                                        ? "Member must have value greater than or equal to 1"
                                        : "Member must have value less than or equal to 100",
                                    "limit");
    }
    limit = (int)limit_json->valuedouble;
  }
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  emu_buf_init(&name, 512);
  *resp = cJSON_CreateObject();
  names = cJSON_AddArrayToObject(*resp, "TableNames");
  if (start)
    meta_name(after, sizeof(after), start);
  while ((rc = store_meta_next(t, "t:", start ? after : NULL, &name)) == STORE_OK) {
    if (n == limit) {
      /* More remain: the page ends with the last name returned. */
      cJSON_AddStringToObject(*resp, "LastEvaluatedTableName", after + 2);
      break;
    }
    cJSON_AddItemToArray(names, cJSON_CreateString(name.data + 2));
    snprintf(after, sizeof(after), "%s", name.data);
    start = after;
    n++;
  }
  store_txn_abort(t);
  emu_buf_free(&name);
  return 0;
}

/* ---- UpdateTable ---------------------------------------------------------- */

static void put_table(struct store_txn *t, const struct dynamo_table *tb, const cJSON *desc,
                      uint32_t stream_no, int *rc) {
  cJSON *rec = cJSON_CreateObject();
  char key[300], *text;

  cJSON_AddNumberToObject(rec, "id", tb->id);
  if (stream_no)
    cJSON_AddNumberToObject(rec, "stream", stream_no);
  cJSON_AddItemToObject(rec, "desc", cJSON_Duplicate(desc, 1));
  text = cJSON_PrintUnformatted(rec);
  cJSON_Delete(rec);
  meta_name(key, sizeof(key), tb->name);
  *rc = store_meta_put(t, key, text, strlen(text));
  cJSON_free(text);
}

/* Supports BillingMode, ProvisionedThroughput, DeletionProtectionEnabled,
 * StreamSpecification (dynamo_streams.c) and GlobalSecondaryIndexUpdates
 * (dynamo_indexes_update). DEVIATION: the table stays ACTIVE (DynamoDB reports UPDATING
 * for a while), as DynamoDB Local does, so waiters return at once. */
int dynamo_tables_update(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  static const char *const refused[] = {"ReplicaUpdates", NULL};
  const cJSON *pt = cJSON_GetObjectItemCaseSensitive(req, "ProvisionedThroughput");
  const char *name, *billing;
  struct dynamo_table tb;
  struct store_txn *t;
  char msg[400];
  cJSON *desc = NULL, *cur_pt, *new_pt = NULL, *bms;
  const char *cur_billing;
  int i, rc = -1, store_rc = STORE_OK, stream_change, stream_view;
  uint32_t stream_no;

  if (dynamo_req_table_name(req, &name, err) != 0 ||
      dynamo_req_string(req, "BillingMode", &billing, err) != 0 ||
      dynamo_streams_spec(cJSON_GetObjectItemCaseSensitive(req, "StreamSpecification"), 1,
                          &stream_change, &stream_view, err) != 0)
    return -1;
  for (i = 0; refused[i]; i++)
    if (cJSON_GetObjectItemCaseSensitive(req, refused[i]))
      /* DEVIATION: not supported yet; refused rather than ignored. */
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "wsgw does not support %s in UpdateTable yet", refused[i]);
  if (billing && strcmp(billing, "PROVISIONED") && strcmp(billing, "PAY_PER_REQUEST"))
    return dynamo_error_violation(err, billing, 64, BILLING_ENUM, "billingMode");
  if (!billing && !pt && !cJSON_GetObjectItemCaseSensitive(req, "DeletionProtectionEnabled") &&
      !cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexUpdates") && !stream_change &&
      !dynamo_table_options_requested(req))
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  missing_table(name, msg, sizeof(msg));
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  desc = cJSON_Duplicate(tb.desc, 1);
  stream_no = tb.stream_no;
  /* SPEC docs/spec/dynamodb-streams.md 2.2: enabling an enabled stream (any
   * view type) and disabling a table without one are refused. */
  if (stream_change == 1 && tb.stream_view) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                     "Table already has an enabled stream: TableName: %s", name);
    goto out;
  }
  if (stream_change == -1 && !tb.stream_view) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Table has no stream to disable: TableName: %s",
                     name);
    goto out;
  }
  if (stream_change == -1 && dynamo_streams_disable(db, t, &tb, desc, err) != 0)
    goto out;
  if (stream_change == 1 &&
      dynamo_streams_create(db, t, name, tb.id, ++stream_no, stream_view, desc, err) != 0)
    goto out;
  bms = cJSON_GetObjectItemCaseSensitive(desc, "BillingModeSummary");
  cur_billing = bms ? cJSON_GetObjectItemCaseSensitive(bms, "BillingMode")->valuestring
                    : "PROVISIONED";
  if (!billing)
    billing = cur_billing;
  if (pt || strcmp(billing, cur_billing) != 0) {
    if (check_throughput(req, billing, &new_pt, err) != 0)
      goto out;
  }
  cur_pt = cJSON_GetObjectItemCaseSensitive(desc, "ProvisionedThroughput");
  if (new_pt && pt && strcmp(billing, "PROVISIONED") == 0 &&
      strcmp(cur_billing, "PROVISIONED") == 0) {
    double cr = cJSON_GetObjectItemCaseSensitive(cur_pt, "ReadCapacityUnits")->valuedouble;
    double cw = cJSON_GetObjectItemCaseSensitive(cur_pt, "WriteCapacityUnits")->valuedouble;
    double nr = cJSON_GetObjectItemCaseSensitive(new_pt, "ReadCapacityUnits")->valuedouble;
    double nw = cJSON_GetObjectItemCaseSensitive(new_pt, "WriteCapacityUnits")->valuedouble;
    double decreases =
        cJSON_GetObjectItemCaseSensitive(cur_pt, "NumberOfDecreasesToday")->valuedouble;
    if (cr == nr && cw == nw) {
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                       "The provisioned throughput for the table will not change. The requested "
                       "value equals the current value. Current ReadCapacityUnits provisioned for "
                       "the table: %.0f. Requested ReadCapacityUnits: %.0f. Current "
                       "WriteCapacityUnits provisioned for the table: %.0f. Requested "
                       "WriteCapacityUnits: %.0f. Refer to the Amazon DynamoDB Developer Guide for "
                       "current limits and how to request higher limits.",
                       cr, nr, cw, nw);
      goto out;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(new_pt, "NumberOfDecreasesToday",
                                           cJSON_CreateNumber(decreases + (nr < cr || nw < cw)));
    if (nr > cr || nw > cw)
      cJSON_AddNumberToObject(new_pt, "LastIncreaseDateTime", (double)emu_time_now_ms() / 1000.0);
    if (nr < cr || nw < cw)
      cJSON_AddNumberToObject(new_pt, "LastDecreaseDateTime", (double)emu_time_now_ms() / 1000.0);
  }
  if (new_pt) {
    cJSON_ReplaceItemInObjectCaseSensitive(desc, "ProvisionedThroughput", new_pt);
    new_pt = NULL;
  }
  if (strcmp(billing, cur_billing) != 0) {
    cJSON_DeleteItemFromObjectCaseSensitive(desc, "BillingModeSummary");
    bms = cJSON_AddObjectToObject(desc, "BillingModeSummary");
    cJSON_AddStringToObject(bms, "BillingMode", billing);
    if (strcmp(billing, "PAY_PER_REQUEST") == 0)
      cJSON_AddNumberToObject(bms, "LastUpdateToPayPerRequestDateTime",
                              (double)emu_time_now_ms() / 1000.0);
  }
  if (dynamo_table_options_update(db, t, req, billing, desc, err) != 0)
    goto out;
  if (cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexUpdates") &&
      dynamo_indexes_update(t, &tb, req, desc, err) != 0)
    goto out;
  dynamo_table_options_gsi_defaults(billing, desc);
  {
    const cJSON *dp = cJSON_GetObjectItemCaseSensitive(req, "DeletionProtectionEnabled");
    if (cJSON_IsBool(dp))
      cJSON_ReplaceItemInObjectCaseSensitive(desc, "DeletionProtectionEnabled",
                                             cJSON_CreateBool(cJSON_IsTrue(dp)));
  }
  put_table(t, &tb, desc, stream_no, &store_rc);
  if (store_rc != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto out;
  }
  if (store_txn_commit(t) != STORE_OK) {
    t = NULL;
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
    goto out;
  }
  t = NULL;
  dynamo_table_free(&tb);
  tb.desc = desc;
  desc = NULL;
  if (dynamo_indexes_parse(&tb) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "index description");
    goto out;
  }
  if (store_txn_begin(db->store, 0, &t) == STORE_OK) {
    *resp = cJSON_CreateObject();
    cJSON_AddItemToObject(*resp, "TableDescription", live_description(t, &tb));
  }
  rc = *resp ? 0 : dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
out:
  store_txn_abort(t);
  cJSON_Delete(new_pt);
  cJSON_Delete(desc);
  dynamo_table_free(&tb);
  return rc;
}
