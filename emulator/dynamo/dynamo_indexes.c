/*
 * dynamo_indexes.c - global and local secondary indexes: CreateTable and
 * UpdateTable validation, index descriptions, and index maintenance.
 *
 * Storage (store_keycodec.h): each index owns a key space 1..25 of its
 * table, kept in the table's catalogue record as the private member
 * "WsgwSpace" of the index's description (DescribeTable strips it). An
 * index entry is
 *   header(table id, space, enc(index partition)) | enc(index partition)
 *   | enc(index sort) | enc(table partition) | enc(table sort)
 * (built by dynamo_keys_index_entry, the one owner of key encodings)
 * so entries are unique and sort by index sort key, then table key. Its
 * value is the projected item (KEYS_ONLY: table and index keys; INCLUDE:
 * plus NonKeyAttributes; ALL: the item).
 * Indexes are sparse: an item without every index key attribute, or with
 * one of another type than the index's, or empty, has no entry.
 * DEVIATION: DynamoDB refuses such a write ("Type mismatch for Index
 * Key"); wsgw leaves the item out of the index.
 * Maintenance: dynamo_indexes_apply runs in the item's own LMDB write
 * transaction, so an index never disagrees with its table (issue 7).
 * Messages: DynamoDB's, as dynalite reproduces them (DYN-val
 * createTable.js).
 * Threading: pure functions on the caller's transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_value.h"

#define SPACE_MEMBER "WsgwSpace"
#define SPACE_MAX 25
#define KEY_MAX 16384

/* ---- Loading ------------------------------------------------------------ */

static char attr_type(const cJSON *ad, const char *name) {
  const cJSON *a;

  cJSON_ArrayForEach(a, ad) {
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(a, "AttributeName");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(a, "AttributeType");
    if (cJSON_IsString(an) && cJSON_IsString(at) && strcmp(an->valuestring, name) == 0)
      return at->valuestring[0];
  }
  return 0;
}

static int parse_one(const cJSON *ad, const cJSON *d, int global, struct dynamo_index *ix) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "IndexName");
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(d, "KeySchema");
  const cJSON *proj = cJSON_GetObjectItemCaseSensitive(d, "Projection");
  const cJSON *pt = cJSON_GetObjectItemCaseSensitive(proj, "ProjectionType");
  const cJSON *space = cJSON_GetObjectItemCaseSensitive(d, SPACE_MEMBER);
  const cJSON *el;

  memset(ix, 0, sizeof(*ix));
  if (!cJSON_IsString(name) || !cJSON_IsArray(ks) || !cJSON_IsNumber(space) || !cJSON_IsString(pt))
    return -1;
  snprintf(ix->name, sizeof(ix->name), "%s", name->valuestring);
  ix->space = (uint8_t)space->valueint;
  ix->global = global;
  cJSON_ArrayForEach(el, ks) {
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(el, "AttributeName");
    const cJSON *kt = cJSON_GetObjectItemCaseSensitive(el, "KeyType");
    if (!cJSON_IsString(an) || !cJSON_IsString(kt))
      return -1;
    if (strcmp(kt->valuestring, "HASH") == 0) {
      snprintf(ix->hash_name, sizeof(ix->hash_name), "%s", an->valuestring);
      ix->hash_type = attr_type(ad, an->valuestring);
    } else {
      snprintf(ix->range_name, sizeof(ix->range_name), "%s", an->valuestring);
      ix->range_type = attr_type(ad, an->valuestring);
    }
  }
  if (strcmp(pt->valuestring, "ALL") == 0)
    ix->projection = DYNAMO_PROJ_ALL;
  else if (strcmp(pt->valuestring, "INCLUDE") == 0)
    ix->projection = DYNAMO_PROJ_INCLUDE;
  else
    ix->projection = DYNAMO_PROJ_KEYS_ONLY;
  ix->non_key = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes");
  return ix->hash_type ? 0 : -1;
}

int dynamo_indexes_parse(struct dynamo_table *tb) {
  const cJSON *ad = cJSON_GetObjectItemCaseSensitive(tb->desc, "AttributeDefinitions");
  const char *lists[2] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"};
  int n = 0, i;
  const cJSON *d;

  for (i = 0; i < 2; i++)
    n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tb->desc, lists[i]));
  tb->indexes = NULL;
  tb->nindexes = 0;
  if (n == 0)
    return 0;
  tb->indexes = calloc((size_t)n, sizeof(*tb->indexes));
  if (!tb->indexes)
    return -1;
  for (i = 0; i < 2; i++) {
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(tb->desc, lists[i])) {
      if (parse_one(ad, d, i == 1, &tb->indexes[tb->nindexes]) != 0)
        return -1;
      tb->nindexes++;
    }
  }
  return 0;
}

const struct dynamo_index *dynamo_indexes_find(const struct dynamo_table *tb, const char *name) {
  int i;

  for (i = 0; i < tb->nindexes; i++)
    if (strcmp(tb->indexes[i].name, name) == 0)
      return &tb->indexes[i];
  return NULL;
}

void dynamo_indexes_view(const struct dynamo_table *tb, const struct dynamo_index *ix,
                         struct dynamo_table *view) {
  memset(view, 0, sizeof(*view));
  view->id = tb->id;
  snprintf(view->name, sizeof(view->name), "%s", tb->name);
  snprintf(view->hash_name, sizeof(view->hash_name), "%s", ix->hash_name);
  view->hash_type = ix->hash_type;
  snprintf(view->range_name, sizeof(view->range_name), "%s", ix->range_name);
  view->range_type = ix->range_type;
  view->space = ix->space;
  view->base = tb;
  view->index = ix;
}

/* ---- Entries ------------------------------------------------------------ */

static void copy_attr(cJSON *out, const cJSON *item, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, name);

  if (v && !cJSON_GetObjectItemCaseSensitive(out, name))
    cJSON_AddItemToObject(out, name, cJSON_Duplicate(v, 1));
}

static cJSON *project(const struct dynamo_table *tb, const struct dynamo_index *ix,
                      const cJSON *item) {
  cJSON *out;
  const cJSON *a;

  if (ix->projection == DYNAMO_PROJ_ALL)
    return cJSON_Duplicate(item, 1);
  out = cJSON_CreateObject();
  copy_attr(out, item, tb->hash_name);
  if (tb->range_type)
    copy_attr(out, item, tb->range_name);
  copy_attr(out, item, ix->hash_name);
  if (ix->range_type)
    copy_attr(out, item, ix->range_name);
  if (ix->projection == DYNAMO_PROJ_INCLUDE)
    cJSON_ArrayForEach(a, ix->non_key) {
      if (cJSON_IsString(a))
        copy_attr(out, item, a->valuestring);
    }
  return out;
}

int dynamo_indexes_put_one(struct store_txn *t, const struct dynamo_table *tb,
                           const struct dynamo_index *ix, const cJSON *item) {
  struct emu_buf key;
  cJSON *p;
  char *text;
  int rc;

  emu_buf_init(&key, KEY_MAX);
  rc = dynamo_keys_index_entry(tb, ix, item, &key);
  if (rc == 1) {
    p = project(tb, ix, item);
    text = cJSON_PrintUnformatted(p);
    cJSON_Delete(p);
    rc = text && store_put(t, key.data, key.len, text, strlen(text)) == STORE_OK ? 0 : -1;
    cJSON_free(text);
  }
  emu_buf_free(&key);
  return rc < 0 ? -1 : 0;
}

int dynamo_indexes_apply(struct store_txn *t, const struct dynamo_table *tb, const cJSON *old,
                         const cJSON *item) {
  struct emu_buf okey, nkey;
  int i, rc = 0;

  if (tb->nindexes == 0)
    return 0;
  emu_buf_init(&okey, KEY_MAX);
  emu_buf_init(&nkey, KEY_MAX);
  for (i = 0; i < tb->nindexes && rc == 0; i++) {
    const struct dynamo_index *ix = &tb->indexes[i];
    int has_old = old ? dynamo_keys_index_entry(tb, ix, old, &okey) : 0;
    int has_new = item ? dynamo_keys_index_entry(tb, ix, item, &nkey) : 0;
    if (has_old < 0 || has_new < 0) {
      rc = -1;
      break;
    }
    if (has_old == 1 &&
        !(has_new == 1 && okey.len == nkey.len && memcmp(okey.data, nkey.data, okey.len) == 0)) {
      int d = store_del(t, okey.data, okey.len);
      if (d != STORE_OK && d != STORE_NOT_FOUND)
        rc = -1;
    }
    if (rc == 0 && has_new == 1)
      rc = dynamo_indexes_put_one(t, tb, ix, item);
  }
  emu_buf_free(&okey);
  emu_buf_free(&nkey);
  return rc;
}

/* ---- Descriptions ------------------------------------------------------- */

static void space_prefix(const struct dynamo_table *tb, uint8_t space, unsigned char b[5]) {
  b[0] = (unsigned char)(tb->id >> 24);
  b[1] = (unsigned char)(tb->id >> 16);
  b[2] = (unsigned char)(tb->id >> 8);
  b[3] = (unsigned char)tb->id;
  b[4] = space;
}

static void count_space(struct store_txn *t, const struct dynamo_table *tb, uint8_t space,
                        double *count, double *bytes) {
  struct store_cursor *c;
  unsigned char p[5];
  const void *k, *v;
  size_t kl, vl;

  *count = *bytes = 0;
  if (!t)
    return;
  space_prefix(tb, space, p);
  if (store_cursor_open(t, p, sizeof(p), 0, NULL, 0, &c) != STORE_OK)
    return;
  while (store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK) {
    cJSON *item = cJSON_ParseWithLength(v, vl);
    *count += 1;
    if (item)
      *bytes += (double)dynamo_item_size(item);
    cJSON_Delete(item);
  }
  store_cursor_close(c);
}

void dynamo_indexes_describe(struct store_txn *t, const struct dynamo_table *tb, cJSON *desc) {
  const char *lists[2] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"};
  cJSON *d;
  int i;

  for (i = 0; i < 2; i++)
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(desc, lists[i])) {
      const cJSON *space = cJSON_GetObjectItemCaseSensitive(d, SPACE_MEMBER);
      double count = 0, bytes = 0;
      if (cJSON_IsNumber(space))
        count_space(t, tb, (uint8_t)space->valueint, &count, &bytes);
      cJSON_DeleteItemFromObjectCaseSensitive(d, SPACE_MEMBER);
      cJSON_ReplaceItemInObjectCaseSensitive(d, "IndexSizeBytes", cJSON_CreateNumber(bytes));
      cJSON_ReplaceItemInObjectCaseSensitive(d, "ItemCount", cJSON_CreateNumber(count));
    }
}

int dynamo_indexes_drop_all(struct store_txn *t, const struct dynamo_table *tb) {
  unsigned char p[5];

  /* Table ids are 4 bytes: this covers the items (space 0) and every index
   * space. */
  space_prefix(tb, 0, p);
  return store_del_prefix(t, p, 4) == STORE_OK ? 0 : -1;
}

/* ---- Validation --------------------------------------------------------- */

/* A ValidationException with up to two string arguments. */
#define verr(err, fmt, a, b) dynamo_error_set((err), DYNAMO_ERR_VALIDATION, fmt, (a), (b))

static void name_list(const cJSON *arr, const char *member, char *out, size_t cap) {
  const cJSON *el;
  size_t n = 0;

  out[0] = '\0';
  cJSON_ArrayForEach(el, arr) {
    const cJSON *v = member ? cJSON_GetObjectItemCaseSensitive(el, member) : el;
    n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? ", " : "",
                          cJSON_IsString(v) ? v->valuestring : "");
    if (n >= cap)
      break;
  }
}

/* The shape of one index (the request's type constraints); path names it
 * in the messages ("globalSecondaryIndexes.1.member"). */
static int check_shape(const cJSON *d, const char *path, struct dynamo_error *err) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "IndexName");
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(d, "KeySchema");
  const cJSON *proj = cJSON_GetObjectItemCaseSensitive(d, "Projection");
  const cJSON *el;
  int n, k = 1;
  size_t len, j;

  if (!cJSON_IsObject(d))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (!cJSON_IsArray(ks))
    return dynamo_error_null(err, "%s.keySchema", path);
  n = cJSON_GetArraySize(ks);
  if (n < 1 || n > 2)
    return dynamo_error_violation(err, "[]", -1,
                                  n < 1 ? "Member must have length greater than or equal to 1"
                                        : "Member must have length less than or equal to 2",
                                  "%s.keySchema", path);
  cJSON_ArrayForEach(el, ks) {
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(el, "AttributeName");
    const cJSON *kt = cJSON_GetObjectItemCaseSensitive(el, "KeyType");
    if (!cJSON_IsString(an) || !cJSON_IsString(kt))
      return dynamo_error_null(err, "%s.keySchema.%d.member.%s", path, k,
                               cJSON_IsString(an) ? "keyType" : "attributeName");
    k++;
  }
  if (!cJSON_IsObject(proj))
    return dynamo_error_null(err, "%s.projection", path);
  {
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(proj, "ProjectionType");
    const cJSON *nk = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes");
    if (cJSON_IsString(pt) && strcmp(pt->valuestring, "ALL") &&
        strcmp(pt->valuestring, "INCLUDE") && strcmp(pt->valuestring, "KEYS_ONLY"))
      return dynamo_error_violation(err, pt->valuestring, 64,
                                    "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]",
                                    "%s.projection.projectionType", path);
    if (nk && (!cJSON_IsArray(nk) || cJSON_GetArraySize(nk) < 1))
      return dynamo_error_violation(err, "[]", -1,
                                    "Member must have length greater than or equal to 1",
                                    "%s.projection.nonKeyAttributes", path);
  }
  if (!cJSON_IsString(name))
    return dynamo_error_null(err, "%s.indexName", path);
  len = strlen(name->valuestring);
  for (j = 0; j < len; j++) {
    char c = name->valuestring[j];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return dynamo_error_violation(err, name->valuestring, 255, DYNAMO_NAME_PATTERN,
                                    "%s.indexName", path);
  }
  if (len < 3 || len > 255)
    return dynamo_error_violation(err, name->valuestring, 300,
                                  len < 3 ? "Member must have length greater than or equal to 3"
                                          : "Member must have length less than or equal to 255",
                                  "%s.indexName", path);
  return 0;
}

/* The checks after the shapes, in DynamoDB's order (DYN-val
 * createTable.js). table_hash is NULL for a GSI. */
static int check_index(const cJSON *d, const cJSON *ad, const char *table_hash,
                       struct dynamo_error *err) {
  const char *name = cJSON_GetObjectItemCaseSensitive(d, "IndexName")->valuestring;
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(d, "KeySchema");
  const cJSON *proj = cJSON_GetObjectItemCaseSensitive(d, "Projection");
  const cJSON *pt = cJSON_GetObjectItemCaseSensitive(proj, "ProjectionType");
  const cJSON *k0 = ks->child, *k1 = ks->child->next, *el;
  const char *h = cJSON_GetObjectItemCaseSensitive(k0, "AttributeName")->valuestring;

  cJSON_ArrayForEach(el, ks) {
    if (!attr_type(ad, cJSON_GetObjectItemCaseSensitive(el, "AttributeName")->valuestring)) {
      char keys[600], defs[2400];
      name_list(ks, "AttributeName", keys, sizeof(keys));
      name_list(ad, "AttributeName", defs, sizeof(defs));
      return verr(err,
                  "One or more parameter values were invalid: Some index key attributes are not "
                  "defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
                  keys, defs);
    }
  }
  if (k1 && strcmp(h, cJSON_GetObjectItemCaseSensitive(k1, "AttributeName")->valuestring) == 0)
    return verr(
        err, "Both the Hash Key and the Range Key element in the KeySchema have the same name%s%s",
        "", "");
  if (strcmp(cJSON_GetObjectItemCaseSensitive(k0, "KeyType")->valuestring, "HASH") != 0)
    return verr(err, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type%s%s", "",
                "");
  if (k1 && strcmp(cJSON_GetObjectItemCaseSensitive(k1, "KeyType")->valuestring, "RANGE") != 0)
    return verr(err, "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type%s%s",
                "", "");
  if (table_hash && !k1)
    return verr(err,
                "One or more parameter values were invalid: Index KeySchema does not have a range "
                "key for index: %s%s",
                name, "");
  if (table_hash && strcmp(h, table_hash) != 0)
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "One or more parameter values were invalid: Index KeySchema does not have "
        "the same leading hash key as table KeySchema for index: %s. index hash "
        "key: %s, table hash key: %s",
        name, h, table_hash);
  if (!cJSON_IsString(pt))
    return verr(err, "One or more parameter values were invalid: Unknown ProjectionType: null%s%s",
                "", "");
  if (cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes") &&
      strcmp(pt->valuestring, "INCLUDE") != 0)
    return verr(err,
                "One or more parameter values were invalid: ProjectionType is %s, but "
                "NonKeyAttributes is specified%s",
                pt->valuestring, "");
  return 0;
}

/* A GSI's ProvisionedThroughput for the table's billing mode. */
static int gsi_throughput(const cJSON *d, const char *billing, cJSON **out,
                          struct dynamo_error *err) {
  const char *name = cJSON_GetObjectItemCaseSensitive(d, "IndexName")->valuestring;
  const cJSON *pt = cJSON_GetObjectItemCaseSensitive(d, "ProvisionedThroughput");
  const cJSON *r = cJSON_GetObjectItemCaseSensitive(pt, "ReadCapacityUnits");
  int64_t rv, wv;
  const cJSON *w = cJSON_GetObjectItemCaseSensitive(pt, "WriteCapacityUnits");

  *out = NULL;
  if (strcmp(billing, "PAY_PER_REQUEST") == 0) {
    if (pt && !cJSON_IsNull(pt))
      /* DEVIATION: the wording is assumed (DynamoDB refuses it). */
      return verr(err,
                  "One or more parameter values were invalid: ProvisionedThroughput should not be "
                  "specified for index: %s when BillingMode is PAY_PER_REQUEST%s",
                  name, "");
    *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(*out, "ReadCapacityUnits", 0);
    cJSON_AddNumberToObject(*out, "WriteCapacityUnits", 0);
  } else {
    if (!cJSON_IsObject(pt))
      return verr(err,
                  "One or more parameter values were invalid: ProvisionedThroughput must be "
                  "specified for index: %s%s",
                  name, "");
    if (!cJSON_IsNumber(r) || !cJSON_IsNumber(w) || r->valuedouble < 1 || w->valuedouble < 1)
      return verr(err,
                  "One or more parameter values were invalid: ProvisionedThroughput is invalid "
                  "for index: %s%s",
                  name, "");
    if (!emu_json_int(r, 1, INT64_MAX, &rv) || !emu_json_int(w, 1, INT64_MAX, &wv))
      return dynamo_error_long(err);
    *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(*out, "ReadCapacityUnits", (double)rv);
    cJSON_AddNumberToObject(*out, "WriteCapacityUnits", (double)wv);
  }
  cJSON_AddNumberToObject(*out, "NumberOfDecreasesToday", 0);
  return 0;
}

/* The stored description of a validated index. */
static cJSON *index_desc(const cJSON *d, int global, cJSON *pt, const char *table_arn, int space) {
  const char *name = cJSON_GetObjectItemCaseSensitive(d, "IndexName")->valuestring;
  cJSON *out = cJSON_CreateObject();
  char arn[1024];

  cJSON_AddStringToObject(out, "IndexName", name);
  cJSON_AddItemToObject(out, "KeySchema",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(d, "KeySchema"), 1));
  cJSON_AddItemToObject(out, "Projection",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(d, "Projection"), 1));
  if (global) {
    cJSON_AddStringToObject(out, "IndexStatus", "ACTIVE");
    cJSON_AddItemToObject(out, "ProvisionedThroughput", pt);
  }
  cJSON_AddNumberToObject(out, "IndexSizeBytes", 0);
  cJSON_AddNumberToObject(out, "ItemCount", 0);
  snprintf(arn, sizeof(arn), "%s/index/%s", table_arn, name);
  cJSON_AddStringToObject(out, "IndexArn", arn);
  cJSON_AddNumberToObject(out, SPACE_MEMBER, space);
  return out;
}

static int name_taken(const cJSON *desc, const char *name) {
  const char *lists[2] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"};
  const cJSON *d;
  int i;

  for (i = 0; i < 2; i++)
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(desc, lists[i])) {
      if (strcmp(cJSON_GetObjectItemCaseSensitive(d, "IndexName")->valuestring, name) == 0)
        return 1;
    }
  return 0;
}

static int used_in(const cJSON *ks, const char *name) {
  const cJSON *el;

  cJSON_ArrayForEach(el, ks) {
    if (strcmp(cJSON_GetObjectItemCaseSensitive(el, "AttributeName")->valuestring, name) == 0)
      return 1;
  }
  return 0;
}

/* Appends the attribute names of a KeySchema to names (a string array),
 * once each. */
static void add_key_names(cJSON *names, const cJSON *ks) {
  const cJSON *el, *n;

  cJSON_ArrayForEach(el, ks) {
    const char *an = cJSON_GetObjectItemCaseSensitive(el, "AttributeName")->valuestring;
    int seen = 0;
    cJSON_ArrayForEach(n, names) {
      seen |= strcmp(n->valuestring, an) == 0;
    }
    if (!seen)
      cJSON_AddItemToArray(names, cJSON_CreateString(an));
  }
}

int dynamo_indexes_create(const cJSON *req, const char *billing, const char *table_arn, cJSON *desc,
                          struct dynamo_error *err) {
  const cJSON *ad = cJSON_GetObjectItemCaseSensitive(req, "AttributeDefinitions");
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(req, "KeySchema");
  const cJSON *lists[2], *d, *a;
  const char *members[2] = {"localSecondaryIndexes", "globalSecondaryIndexes"};
  const char *names[2] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"};
  int l, i, space = 1;

  for (l = 0; l < 2; l++) {
    lists[l] = cJSON_GetObjectItemCaseSensitive(req, names[l]);
    if (lists[l] && cJSON_IsNull(lists[l]))
      lists[l] = NULL;
    if (lists[l] && !cJSON_IsArray(lists[l])) {
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              "Start of structure or map found where not expected.");
    }
    i = 1;
    cJSON_ArrayForEach(d, lists[l]) {
      char path[64];
      snprintf(path, sizeof(path), "%s.%d.member", members[l], i++);
      if (check_shape(d, path, err) != 0) {
        return -1;
      }
    }
  }
  for (l = 0; l < 2; l++) {
    const char *table_hash =
        cJSON_GetObjectItemCaseSensitive(ks->child, "AttributeName")->valuestring;
    if (!lists[l])
      continue;
    if (cJSON_GetArraySize(lists[l]) == 0) {
      return verr(err, "One or more parameter values were invalid: List of %s is empty%s", names[l],
                  "");
    }
    if (l == 0 && cJSON_GetArraySize(ks) != 2) {
      return verr(
          err,
          "One or more parameter values were invalid: Table KeySchema does not have a range "
          "key, which is required when specifying a LocalSecondaryIndex%s%s",
          "", "");
    }
    cJSON_ArrayForEach(d, lists[l]) {
      const char *name = cJSON_GetObjectItemCaseSensitive(d, "IndexName")->valuestring;
      cJSON *pt = NULL;
      if (check_index(d, ad, l == 0 ? table_hash : NULL, err) != 0 ||
          (name_taken(desc, name)
               ? verr(err, "One or more parameter values were invalid: Duplicate index name: %s%s",
                      name, "")
               : 0) != 0 ||
          (l == 1 && gsi_throughput(d, billing, &pt, err) != 0)) {
        return -1;
      }
      {
        cJSON *list = cJSON_GetObjectItemCaseSensitive(desc, names[l]);
        if (!list)
          list = cJSON_AddArrayToObject(desc, names[l]);
        cJSON_AddItemToArray(list, index_desc(d, l, pt, table_arn, space++));
      }
    }
    if (l == 0 && cJSON_GetArraySize(lists[l]) > DYNAMO_MAX_LSI) {
      return verr(err,
                  "One or more parameter values were invalid: Number of LocalSecondaryIndexes "
                  "exceeds per-table limit of 5%s%s",
                  "", "");
    }
    if (l == 1 && cJSON_GetArraySize(lists[l]) > DYNAMO_MAX_GSI) {
      return verr(err,
                  "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds "
                  "the per-table limit of 20%s%s",
                  "", "");
    }
  }
  if (!lists[0] && !lists[1])
    return 0;
  /* Every attribute definition must be a key of the table or an index. */
  cJSON_ArrayForEach(a, ad) {
    const char *an = cJSON_GetObjectItemCaseSensitive(a, "AttributeName")->valuestring;
    int used = used_in(ks, an);
    for (l = 0; l < 2 && !used; l++)
      cJSON_ArrayForEach(d, lists[l]) {
        used |= used_in(cJSON_GetObjectItemCaseSensitive(d, "KeySchema"), an);
      }
    if (!used) {
      /* SPEC (real AWS, quoted by aws-cloudformation/cfn-lint#1037): "Some
       * AttributeDefinitions are not used. AttributeDefinitions: [...],
       * keys used: [...]". */
      char defs[2400], keys[2400];
      cJSON *kl = cJSON_CreateArray();
      add_key_names(kl, ks);
      for (l = 0; l < 2; l++)
        cJSON_ArrayForEach(d, lists[l]) {
          add_key_names(kl, cJSON_GetObjectItemCaseSensitive(d, "KeySchema"));
        }
      name_list(ad, "AttributeName", defs, sizeof(defs));
      name_list(kl, NULL, keys, sizeof(keys));
      cJSON_Delete(kl);
      return dynamo_error_set(
          err, DYNAMO_ERR_VALIDATION,
          "One or more parameter values were invalid: Some AttributeDefinitions are "
          "not used. AttributeDefinitions: [%s], keys used: [%s]",
          defs, keys);
    }
  }
  return 0;
}

/* ---- UpdateTable -------------------------------------------------------- */

/* The lowest key space no index of desc uses. */
static int free_space(const cJSON *desc) {
  const char *lists[2] = {"LocalSecondaryIndexes", "GlobalSecondaryIndexes"};
  unsigned char used[SPACE_MAX + 1] = {0};
  const cJSON *d;
  int i;

  for (i = 0; i < 2; i++)
    cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(desc, lists[i])) {
      const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, SPACE_MEMBER);
      if (cJSON_IsNumber(s) && s->valueint >= 1 && s->valueint <= SPACE_MAX)
        used[s->valueint] = 1;
    }
  for (i = 1; i <= SPACE_MAX; i++)
    if (!used[i])
      return i;
  return 0;
}

/* Copies the table's items into a new index (collected first: the store
 * must not be written while a cursor is open). */
static int backfill(struct store_txn *t, const struct dynamo_table *tb,
                    const struct dynamo_index *ix) {
  struct store_cursor *c;
  unsigned char p[5];
  const void *k, *v;
  size_t kl, vl;
  cJSON *items = cJSON_CreateArray(), *item;
  int rc = 0;

  space_prefix(tb, 0, p);
  if (store_cursor_open(t, p, sizeof(p), 0, NULL, 0, &c) != STORE_OK) {
    cJSON_Delete(items);
    return -1;
  }
  while (store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK) {
    item = cJSON_ParseWithLength(v, vl);
    if (item)
      cJSON_AddItemToArray(items, item);
  }
  store_cursor_close(c);
  cJSON_ArrayForEach(item, items) {
    if (dynamo_indexes_put_one(t, tb, ix, item) != 0) {
      rc = -1;
      break;
    }
  }
  cJSON_Delete(items);
  return rc;
}

/* Merges the request's AttributeDefinitions into desc's. SPEC
 * docs/spec/dynamodb.md 2.21: a redefinition with another type is accepted
 * and ignored; the attribute keeps the type it has. */
static int merge_definitions(const cJSON *req, cJSON *desc, struct dynamo_error *err) {
  const cJSON *ad = cJSON_GetObjectItemCaseSensitive(req, "AttributeDefinitions"), *a;
  cJSON *cur = cJSON_GetObjectItemCaseSensitive(desc, "AttributeDefinitions");

  if (!ad || cJSON_IsNull(ad))
    return 0;
  if (!cJSON_IsArray(ad))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of structure or map found where not expected.");
  cJSON_ArrayForEach(a, ad) {
    const cJSON *an = cJSON_GetObjectItemCaseSensitive(a, "AttributeName");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(a, "AttributeType");
    char have;
    if (!cJSON_IsString(an) || !cJSON_IsString(at) ||
        (strcmp(at->valuestring, "S") && strcmp(at->valuestring, "N") &&
         strcmp(at->valuestring, "B")))
      return dynamo_error_null(err, "attributeDefinitions.member");
    have = attr_type(cur, an->valuestring);
    if (!have)
      cJSON_AddItemToArray(cur, cJSON_Duplicate(a, 1));
  }
  return 0;
}

int dynamo_indexes_update(struct store_txn *t, const struct dynamo_table *tb, const cJSON *req,
                          cJSON *desc, struct dynamo_error *err) {
  const cJSON *ups = cJSON_GetObjectItemCaseSensitive(req, "GlobalSecondaryIndexUpdates");
  const cJSON *up, *create, *del, *upd;
  cJSON *gsis;
  int changes = 0;

  if (!cJSON_IsArray(ups))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of structure or map found where not expected.");
  cJSON_ArrayForEach(up, ups) {
    changes += cJSON_GetObjectItemCaseSensitive(up, "Create") != NULL;
    changes += cJSON_GetObjectItemCaseSensitive(up, "Delete") != NULL;
  }
  /* DYN-test updateTable.js (checked against DynamoDB). */
  if (changes > 1)
    return dynamo_error_set(
        err, DYNAMO_ERR_LIMIT_EXCEEDED,
        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
        "simultaneously per table");
  if (merge_definitions(req, desc, err) != 0)
    return -1;
  cJSON_ArrayForEach(up, ups) {
    create = cJSON_GetObjectItemCaseSensitive(up, "Create");
    del = cJSON_GetObjectItemCaseSensitive(up, "Delete");
    upd = cJSON_GetObjectItemCaseSensitive(up, "Update");
    if (create) {
      const cJSON *bms = cJSON_GetObjectItemCaseSensitive(desc, "BillingModeSummary");
      const char *billing = bms ? cJSON_GetObjectItemCaseSensitive(bms, "BillingMode")->valuestring
                                : "PROVISIONED";
      const cJSON *ad = cJSON_GetObjectItemCaseSensitive(desc, "AttributeDefinitions");
      const char *arn = cJSON_GetObjectItemCaseSensitive(desc, "TableArn")->valuestring;
      struct dynamo_table view = *tb;
      struct dynamo_index ix;
      cJSON *pt = NULL, *d;
      int space;
      if (check_shape(create, "globalSecondaryIndexUpdates.1.member.create", err) != 0)
        return -1;
      if (check_index(create, ad, NULL, err) != 0)
        return -1;
      if (name_taken(desc, cJSON_GetObjectItemCaseSensitive(create, "IndexName")->valuestring))
        return verr(err,
                    "One or more parameter values were invalid: Attempting to create an index "
                    "which already exists%s%s",
                    "", "");
      if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(desc, "GlobalSecondaryIndexes")) >=
              DYNAMO_MAX_GSI ||
          (space = free_space(desc)) == 0)
        return verr(err,
                    "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds "
                    "the per-table limit of 20%s%s",
                    "", "");
      if (gsi_throughput(create, billing, &pt, err) != 0)
        return -1;
      d = index_desc(create, 1, pt, arn, space);
      gsis = cJSON_GetObjectItemCaseSensitive(desc, "GlobalSecondaryIndexes");
      if (!gsis)
        gsis = cJSON_AddArrayToObject(desc, "GlobalSecondaryIndexes");
      cJSON_AddItemToArray(gsis, d);
      if (parse_one(ad, d, 1, &ix) != 0)
        return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "index description");
      /* DEVIATION: the index is backfilled in this transaction and ACTIVE
       * at once (DynamoDB reports CREATING and Backfilling for a while). */
      view.indexes = NULL;
      view.nindexes = 0;
      if (backfill(t, &view, &ix) != 0)
        return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    } else if (del || upd) {
      const cJSON *name = cJSON_GetObjectItemCaseSensitive(del ? del : upd, "IndexName");
      const struct dynamo_index *ix;
      cJSON *d;
      int i = 0;
      if (!cJSON_IsString(name))
        return dynamo_error_null(err, "globalSecondaryIndexUpdates.1.member.%s.indexName",
                                 del ? "delete" : "update");
      ix = dynamo_indexes_find(tb, name->valuestring);
      if (!ix || !ix->global)
        /* DEVIATION: the wording is assumed. */
        return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND,
                                "Requested resource not found: Index: %s not found",
                                name->valuestring);
      gsis = cJSON_GetObjectItemCaseSensitive(desc, "GlobalSecondaryIndexes");
      cJSON_ArrayForEach(d, gsis) {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(d, "IndexName")->valuestring,
                   name->valuestring) == 0)
          break;
        i++;
      }
      if (del) {
        unsigned char p[5];
        space_prefix(tb, ix->space, p);
        if (store_del_prefix(t, p, sizeof(p)) != STORE_OK)
          return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
        cJSON_DeleteItemFromArray(gsis, i);
        if (cJSON_GetArraySize(gsis) == 0)
          cJSON_DeleteItemFromObjectCaseSensitive(desc, "GlobalSecondaryIndexes");
      } else {
        cJSON *pt = NULL;
        if (gsi_throughput(upd, "PROVISIONED", &pt, err) != 0)
          return -1;
        cJSON_ReplaceItemInObjectCaseSensitive(d, "ProvisionedThroughput", pt);
      }
    } else {
      return verr(err,
                  "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate "
                  "actions (Create, Update, Delete) must be specified%s%s",
                  "", "");
    }
  }
  return 0;
}

/* ---- Query and Scan ------------------------------------------------------ */

int dynamo_indexes_target(const struct dynamo_table *tb, const char *index, int consistent,
                          const char *select, struct dynamo_table *view,
                          const struct dynamo_table **q, int *fetch, struct dynamo_error *err) {
  const struct dynamo_index *ix;

  *q = tb;
  *fetch = 0;
  if (!index)
    return 0;
  ix = dynamo_indexes_find(tb, index);
  if (!ix)
    /* DYN-act query.js / scan.js. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The table does not have the specified index: %s", index);
  if (ix->global && consistent)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Consistent reads are not supported on global secondary indexes");
  if (select && strcmp(select, "ALL_ATTRIBUTES") == 0 && ix->projection != DYNAMO_PROJ_ALL) {
    if (ix->global)
      return dynamo_error_set(
          err, DYNAMO_ERR_VALIDATION,
          "One or more parameter values were invalid: Select type ALL_ATTRIBUTES "
          "is not supported for global secondary index %s because its projection "
          "type is not ALL",
          ix->name);
    *fetch = 1;
  }
  dynamo_indexes_view(tb, ix, view);
  *q = view;
  return 0;
}

int dynamo_indexes_fetch(struct store_txn *t, const struct dynamo_table *tb, const void *v,
                         size_t vl, struct emu_buf *out) {
  struct dynamo_error err;
  struct emu_buf key;
  cJSON *entry = cJSON_ParseWithLength(v, vl);
  int rc = STORE_ERROR;

  dynamo_error_init(&err);
  emu_buf_init(&key, KEY_MAX);
  if (entry && dynamo_keys_of_item(tb, entry, &key, &err) == 0) {
    emu_buf_reset(out);
    rc = store_get(t, key.data, key.len, out);
  }
  dynamo_error_clear(&err);
  cJSON_Delete(entry);
  emu_buf_free(&key);
  return rc;
}
