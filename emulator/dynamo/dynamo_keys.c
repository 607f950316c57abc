/*
 * dynamo_keys.c - from items and Key maps to logical store keys
 * (store_keycodec.h), with DynamoDB's key validation: a table's item keys
 * and its secondary index entries' keys (the only place either encoding is
 * written; dynamo_indexes stores and deletes the entries).
 *
 * SPEC docs/spec/dynamodb.md 2.6: partition key value 1..2048 bytes, sort key
 * 1..1024 bytes ("Size of hashkey has exceeded the maximum size limit
 * of2048 bytes", sic); empty string/binary values are illegal in keys.
 * Threading: pure.
 */
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_value.h"
#include "emu_base64.h"
#include "emu_nul.h"
#include "store_keycodec.h"

#define HASH_KEY_MAX 2048
#define RANGE_KEY_MAX 1024
#define INDEX_KEY_MAX 16384 /* an index entry key: four encoded key values */

/* The raw bytes of a key value: S text, B decoded, N text. *owned is set
 * when the bytes were allocated. */
static int key_bytes(const cJSON *inner, char type, const char **p, size_t *len, char **owned) {
  *owned = NULL;
  if (type == 'B') {
    unsigned char *dec;
    if (emu_base64_decode(inner->valuestring, strlen(inner->valuestring), &dec, len) != 0)
      return -1;
    *owned = (char *)dec;
    *p = (const char *)dec;
    return 0;
  }
  *p = inner->valuestring;
  *len = strlen(inner->valuestring);
  return 0;
}

/* ---- Index entries ------------------------------------------------------ */

/* Appends enc(item[name]) when it is a non-empty value of `type`: 1; 0 when
 * absent, of another type or empty; -1 on an error. */
static int enc_attr(const cJSON *item, const char *name, char type, struct emu_buf *out) {
  const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name), *inner = NULL;
  const char *tag;
  int rc;

  if (!av)
    return 0;
  tag = dynamo_type_tag(dynamo_value_type(av, &inner));
  if (tag[0] != type || tag[1] != '\0' || !cJSON_IsString(inner) || !inner->valuestring[0])
    return 0;
  if (type == 'B') {
    unsigned char *dec;
    size_t len;
    if (emu_base64_decode(inner->valuestring, strlen(inner->valuestring), &dec, &len) != 0)
      return 0;
    rc = len ? store_keycodec_append(out, 'B', (const char *)dec, len) : 1;
    free(dec);
    if (!len)
      return 0;
  } else {
    rc = store_keycodec_append(out, type, inner->valuestring, strlen(inner->valuestring));
  }
  return rc == 0 ? 1 : (type == 'N' ? 0 : -1);
}

int dynamo_keys_index_entry(const struct dynamo_table *tb, const struct dynamo_index *ix,
                            const cJSON *item, struct emu_buf *key) {
  struct emu_buf ip;
  int rc;

  emu_buf_init(&ip, INDEX_KEY_MAX);
  emu_buf_reset(key);
  rc = enc_attr(item, ix->hash_name, ix->hash_type, &ip);
  if (rc == 1 && (store_keycodec_header(key, tb->id, ix->space, ip.data, ip.len) != 0 ||
                  emu_buf_append(key, ip.data, ip.len) != 0))
    rc = -1;
  if (rc == 1 && ix->range_type)
    rc = enc_attr(item, ix->range_name, ix->range_type, key);
  if (rc == 1)
    rc = enc_attr(item, tb->hash_name, tb->hash_type, key);
  if (rc == 1 && tb->range_type)
    rc = enc_attr(item, tb->range_name, tb->range_type, key);
  emu_buf_free(&ip);
  return rc;
}

/* The store key of an index entry for an ExclusiveStartKey map on an index
 * view: the map holds exactly the index keys plus the table keys. */
static int index_start_key(const struct dynamo_table *view, const cJSON *map, struct emu_buf *key,
                           struct dynamo_error *err) {
  static const char mismatch[] = "The provided key element does not match the schema";
  const struct dynamo_table *tb = view->base;
  const char *names[4];
  int n = 0, i, j, distinct = 0;

  names[n++] = view->index->hash_name;
  if (view->index->range_type)
    names[n++] = view->index->range_name;
  names[n++] = tb->hash_name;
  if (tb->range_type)
    names[n++] = tb->range_name;
  for (i = 0; i < n; i++) {
    for (j = 0; j < i && strcmp(names[i], names[j]) != 0; j++)
      ;
    distinct += j == i;
    if (!cJSON_GetObjectItemCaseSensitive(map, names[i]))
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, mismatch);
  }
  if (cJSON_GetArraySize(map) != distinct ||
      dynamo_keys_index_entry(tb, view->index, map, key) != 1)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, mismatch);
  return 0;
}

/* ---- Table keys --------------------------------------------------------- */

enum key_mode { KEY_OF_ITEM, KEY_OF_KEYMAP };

static int one_key(const char *name, char want, const cJSON *av, int is_range, enum key_mode mode,
                   struct emu_buf *enc, struct dynamo_error *err) {
  static const char mismatch[] = "The provided key element does not match the schema";
  const cJSON *inner = NULL;
  enum dynamo_type t;
  const char *p;
  size_t len, size;
  char *owned;
  int rc;

  if (!av) {
    if (mode == KEY_OF_KEYMAP)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, mismatch);
    /* SPEC docs/spec/dynamodb.md 2.4: "One or more parameter values were invalid:
     * Missing the key <attr> in the item". */
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "One or more parameter values were invalid: Missing the key %s in the item", name);
  }
  t = dynamo_value_type(av, &inner);
  if (strcmp(dynamo_type_tag(t), (char[]){want, 0}) != 0) {
    if (mode == KEY_OF_KEYMAP)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, mismatch);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: Type mismatch for key %s "
                            "expected: %c actual: %s",
                            name, want, dynamo_type_tag(t));
  }
  if (key_bytes(inner, want, &p, &len, &owned) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, mismatch);
  /* The size DynamoDB counts: a U+0000 (C0 80 here, emu_nul.h) is one byte. */
  size = want == 'S' ? len - emu_nul_count(p, len) : len;
  if (len == 0) {
    free(owned);
    /* SPEC docs/spec/dynamodb.md 2.4: empty string/binary key. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values are not valid. The AttributeValue for a "
                            "key attribute cannot contain an empty %s value. Key: %s",
                            want == 'B' ? "binary" : "string", name);
  }
  if (!is_range && size > HASH_KEY_MAX && want != 'N') {
    free(owned);
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "One or more parameter values were invalid: Size of hashkey has exceeded "
        "the maximum size limit of2048 bytes");
  }
  if (is_range && size > RANGE_KEY_MAX && want != 'N') {
    free(owned);
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "One or more parameter values were invalid: Aggregated size of all range "
        "keys has exceeded the size limit of 1024 bytes");
  }
  rc = store_keycodec_append(enc, want, p, len);
  free(owned);
  if (rc != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, mismatch);
  return 0;
}

static int build_key(const struct dynamo_table *tb, const cJSON *map, enum key_mode mode,
                     struct emu_buf *key, struct dynamo_error *err) {
  struct emu_buf pk, rk;
  int rc = -1;

  if (tb->base) /* an index view: index keys plus table keys */
    return index_start_key(tb, map, key, err);
  emu_buf_init(&pk, 8192);
  emu_buf_init(&rk, 8192);
  if (mode == KEY_OF_KEYMAP && cJSON_GetArraySize(map) != (tb->range_type ? 2 : 1)) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                     "The provided key element does not match the schema");
    goto out;
  }
  if (one_key(tb->hash_name, tb->hash_type, cJSON_GetObjectItemCaseSensitive(map, tb->hash_name), 0,
              mode, &pk, err) != 0)
    goto out;
  if (tb->range_type &&
      one_key(tb->range_name, tb->range_type, cJSON_GetObjectItemCaseSensitive(map, tb->range_name),
              1, mode, &rk, err) != 0)
    goto out;
  emu_buf_reset(key);
  if (store_keycodec_header(key, tb->id, tb->space, pk.data, pk.len) != 0 ||
      emu_buf_append(key, pk.data, pk.len) != 0 || emu_buf_append(key, rk.data, rk.len) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "key too long");
    goto out;
  }
  rc = 0;
out:
  emu_buf_free(&pk);
  emu_buf_free(&rk);
  return rc;
}

int dynamo_keys_of_item(const struct dynamo_table *tb, const cJSON *item, struct emu_buf *key,
                        struct dynamo_error *err) {
  return build_key(tb, item, KEY_OF_ITEM, key, err);
}

int dynamo_keys_of_key(const struct dynamo_table *tb, const cJSON *keymap, struct emu_buf *key,
                       struct dynamo_error *err) {
  return build_key(tb, keymap, KEY_OF_KEYMAP, key, err);
}

int dynamo_keys_table_prefix(const struct dynamo_table *tb, struct emu_buf *out) {
  unsigned char b[5];

  b[0] = (unsigned char)(tb->id >> 24);
  b[1] = (unsigned char)(tb->id >> 16);
  b[2] = (unsigned char)(tb->id >> 8);
  b[3] = (unsigned char)tb->id;
  b[4] = tb->space;
  emu_buf_reset(out);
  return emu_buf_append(out, b, sizeof(b));
}

cJSON *dynamo_keys_extract(const struct dynamo_table *tb, const cJSON *item) {
  cJSON *k = cJSON_CreateObject();
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(item, tb->hash_name);

  if (h)
    cJSON_AddItemToObject(k, tb->hash_name, cJSON_Duplicate(h, 1));
  if (tb->range_type) {
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(item, tb->range_name);
    if (r)
      cJSON_AddItemToObject(k, tb->range_name, cJSON_Duplicate(r, 1));
  }
  if (tb->base) {
    /* An index's LastEvaluatedKey: index keys plus table keys. */
    cJSON *tk = dynamo_keys_extract(tb->base, item), *el;
    while ((el = tk->child) != NULL) {
      cJSON_DetachItemViaPointer(tk, el);
      if (cJSON_GetObjectItemCaseSensitive(k, el->string))
        cJSON_Delete(el);
      else
        cJSON_AddItemToObject(k, el->string, el);
    }
    cJSON_Delete(tk);
  }
  return k;
}
