/*
 * dynamo_tags.c - TagResource, UntagResource and ListTagsOfResource on
 * table ARNs (arn:aws:dynamodb:<region>:<account>:table/<name>).
 *
 * Record (store meta): "tags:<table id>" holds a JSON object of tag key ->
 * value, keys in byte order (the order ListTagsOfResource returns). Keyed by
 * table id (ids are never reused), so a re-created table starts untagged;
 * DeleteTable removes it.
 *
 * SPEC, from DynamoDB as observed (dynalite's tagResource.js /
 * untagResource.js / listTagsOfResource.js tests, alternator test_tag.py,
 * and a published probe of DynamoDB's tag validation, "DDB-TABLE-107/108"):
 *   - no ResourceArn: ValidationException "Invalid TableArn";
 *   - no Tags / TagKeys: "1 validation error detected: Value null at 'tags'
 *     failed to satisfy constraint: Member must not be null" ('tagKeys');
 *   - a malformed ARN or table name: "Invalid TableArn: Invalid ResourceArn
 *     provided as input <arn>";
 *   - empty lists: "Atleast one Tag needs to be provided as Input." and
 *     "Atleast one Tag Key needs to be provided as Input." (sic);
 *   - "The Tag Key provided is invalid, Key: <k>" (1..128 characters, "null"
 *     when absent), "The Tag Value provided is invalid, Value: <v>"
 *     (0..256 characters), "Tag Key cannot be prefixed with aws:, Key: <k>",
 *     "Duplicate Tag Keys provided as input: Duplicate Tag Key found <k>";
 *   - more than 50 tags after the merge (or more than 50 keys to untag):
 *     ValidationException "Number of Tags exceed the current limit for the
 *     provided ResourceArn";
 *   - a well-formed ARN of no table: ResourceNotFoundException "Requested
 *     resource not found: ResourcArn: <arn> not found" (sic);
 *   - requests are all-or-nothing; removing absent keys is fine.
 * SPEC docs/spec/dynamodb.md 2.24: a ResourceArn that does not even split
 * into six ':'-separated fields with a '/' in the last ("", "abcd",
 * "a:b:c:d:e:f"), and a well-formed ARN of another account, are
 * AccessDeniedException "User: <principal> is not authorized to perform:
 * dynamodb:<Operation> on resource: <arn>" ("*" for an empty ARN).
 * Tag changes are visible at once (DynamoDB applies them within seconds and
 * meanwhile refuses further changes with LimitExceededException).
 * Characters: AWS allows Unicode letters, digits, white space and
 * + - = . _ : / @ (letters of any script, NBSP and ideographic space
 * accepted; emoji and other punctuation refused). Without Unicode tables,
 * wsgw accepts every code point outside the punctuation/symbol blocks it
 * knows (Latin-1 symbols, General Punctuation, the symbol blocks
 * U+2100..U+2BFF, CJK punctuation, private use, variation selectors, emoji
 * U+1F000 and up).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "emu_utf8.h"

#define TAGS_MAX 50
#define TAG_KEY_MAX 128
#define TAG_VALUE_MAX 256
/* ListTagsOfResource page size. With at most 50 tags one page always holds
 * them all (DynamoDB returns no NextToken at 50 tags); a NextToken given by
 * a client resumes after that key. */
#define TAGS_PAGE 50

static void tags_record_name(char *buf, size_t cap, uint32_t id) {
  snprintf(buf, cap, "tags:%u", id);
}

/* ---- validation ----------------------------------------------------------- */

static int allowed_char(uint32_t c) {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
           c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
           strchr("+-=._:/@", (int)c) != NULL;
  /* Latin-1: letters and NBSP; not the symbols and punctuation. */
  if (c >= 0xA1 && c <= 0xBF)
    return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
           (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7)
    return 0;
  if (c >= 0x80 && c < 0xA0)
    return 0; /* C1 controls */
  /* General Punctuation: the spaces are fine, the rest is not. */
  if (c >= 0x2000 && c <= 0x206F)
    return c <= 0x200A || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F;
  if (c >= 0x20A0 && c <= 0x2BFF)
    return 0; /* currency, letterlike, arrows, maths, technical, dingbats... */
  if (c >= 0x3001 && c <= 0x303F)
    return 0; /* CJK punctuation (U+3000, the ideographic space, is fine) */
  if ((c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE0F) || c >= 0x1F000)
    return 0;
  return 1;
}

/* 0 when s is made of allowed characters and has min..max characters. */
static int check_text(const char *s, size_t min, size_t max) {
  const unsigned char *p = (const unsigned char *)s;
  size_t left = strlen(s), n = 0;

  while (left) {
    uint32_t cp;
    size_t len = emu_utf8_decode(p, left, &cp);
    if (!len || !allowed_char(cp))
      return -1;
    p += len;
    left -= len;
    n++;
  }
  return n < min || n > max ? -1 : 0;
}

static int invalid_key(const char *key, struct dynamo_error *err) {
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          "The Tag Key provided is invalid, Key: %.300s", key ? key : "null");
}

static int check_key(const cJSON *k, struct dynamo_error *err) {
  if (k && !cJSON_IsNull(k) && !cJSON_IsString(k))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (!cJSON_IsString(k))
    return invalid_key(NULL, err);
  if (check_text(k->valuestring, 1, TAG_KEY_MAX) != 0)
    return invalid_key(k->valuestring, err);
  return 0;
}

/* ---- the ARN and the record ----------------------------------------------- */

static int valid_table_name(const char *s, size_t len) {
  size_t i;

  if (len < 3 || len > 255)
    return 0;
  for (i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
      return 0;
  return 1;
}

/* AccessDeniedException for op on the resource arn (SPEC
 * docs/spec/dynamodb.md 2.24); the caller is the emulator's account root. */
static int access_denied(const struct dynamo *db, const char *op, const char *arn,
                         struct dynamo_error *err) {
  return dynamo_error_set(err, DYNAMO_ERR_ACCESS_DENIED,
                          "User: arn:aws:iam::%s:root is not authorized to perform: dynamodb:%s on "
                          "resource: %.1300s",
                          db->account, op, arn[0] ? arn : "*");
}

/* Whether arn has the shape of an ARN: five ':' and then a '/'. */
static int arn_shaped(const char *arn) {
  const char *p = arn;
  int colons = 0;

  while (colons < 5 && (p = strchr(p, ':')) != NULL) {
    p++;
    colons++;
  }
  return colons == 5 && strchr(p, '/') != NULL;
}

/* Splits arn:aws:dynamodb:<region>:<account>:table/<name>. Not shaped like
 * an ARN, or another account's: AccessDeniedException for op. Malformed
 * otherwise: ValidationException. Well-formed but of another region:
 * *ours = 0 (the caller reports ResourceNotFoundException). */
static int parse_arn(const struct dynamo *db, const char *arn, const char *op, char *name,
                     size_t cap, int *ours, struct dynamo_error *err) {
  static const char head[] = "arn:aws:dynamodb:";
  const char *region, *account, *res, *p;
  size_t rlen, alen, i;

  *ours = 0;
  if (!arn_shaped(arn))
    return access_denied(db, op, arn, err);
  if (strncmp(arn, head, sizeof(head) - 1) != 0)
    goto invalid;
  region = arn + sizeof(head) - 1;
  if (!(p = strchr(region, ':')) || p == region)
    goto invalid;
  rlen = (size_t)(p - region);
  account = p + 1;
  if (!(p = strchr(account, ':')) || p == account)
    goto invalid;
  alen = (size_t)(p - account);
  for (i = 0; i < alen; i++)
    if (account[i] < '0' || account[i] > '9')
      goto invalid;
  res = p + 1;
  if (strncmp(res, "table/", 6) != 0 || strchr(res + 6, '/') || strchr(res + 6, ':') ||
      !valid_table_name(res + 6, strlen(res + 6)))
    goto invalid;
  snprintf(name, cap, "%s", res + 6);
  if (alen != strlen(db->account) || memcmp(account, db->account, alen) != 0)
    return access_denied(db, op, arn, err);
  *ours = rlen == strlen(db->region) && memcmp(region, db->region, rlen) == 0;
  return 0;
invalid:
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          "Invalid TableArn: Invalid ResourceArn provided as input %.1300s", arn);
}

static int required_arn(const cJSON *req, const char **arn, struct dynamo_error *err) {
  if (dynamo_req_string(req, "ResourceArn", arn, err) != 0)
    return -1;
  if (!*arn)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Invalid TableArn");
  return 0;
}

static int null_list(const cJSON *req, const char *member, const char *field, const cJSON **out,
                     struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, member);

  *out = NULL;
  if (!v || cJSON_IsNull(v))
    return dynamo_error_null(err, "%s", field);
  if (!cJSON_IsArray(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  *out = v;
  return 0;
}

/* Loads the table an ARN names (in t) and its tags (an object, owned by
 * the caller). */
static int load_tags(struct dynamo *db, struct store_txn *t, const char *arn, const char *name,
                     int ours, uint32_t *id, cJSON **tags, struct dynamo_error *err) {
  struct dynamo_table tb;
  struct emu_buf val;
  char msg[1400], key[32];
  int rc;

  *tags = NULL;
  snprintf(msg, sizeof(msg), "Requested resource not found: ResourcArn: %.1300s not found", arn);
  if (!ours)
    return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND, "%s", msg);
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0)
    return -1;
  *id = tb.id;
  dynamo_table_free(&tb);
  tags_record_name(key, sizeof(key), *id);
  emu_buf_init(&val, 1 << 20);
  rc = store_meta_get(t, key, &val);
  if (rc == STORE_OK)
    *tags = cJSON_ParseWithLength(val.data, val.len);
  emu_buf_free(&val);
  if (rc != STORE_OK && rc != STORE_NOT_FOUND)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
  if (!cJSON_IsObject(*tags)) {
    cJSON_Delete(*tags);
    *tags = cJSON_CreateObject();
  }
  return 0;
}

static int by_key(const void *a, const void *b) {
  return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Writes the tags back, keys sorted (none: the record is removed). */
static int store_tags(struct store_txn *t, uint32_t id, cJSON *tags) {
  char key[32], *text;
  cJSON *sorted, *el, *v[TAGS_MAX];
  int n = 0, i, rc;

  tags_record_name(key, sizeof(key), id);
  cJSON_ArrayForEach(el, tags) {
    if (n == TAGS_MAX)
      return -1;
    v[n++] = el;
  }
  if (n == 0)
    return store_meta_del(t, key) == STORE_OK ? 0 : -1;
  qsort(v, (size_t)n, sizeof(v[0]), by_key);
  sorted = cJSON_CreateObject();
  for (i = 0; i < n; i++)
    cJSON_AddStringToObject(sorted, v[i]->string, v[i]->valuestring);
  text = cJSON_PrintUnformatted(sorted);
  cJSON_Delete(sorted);
  rc = text ? store_meta_put(t, key, text, strlen(text)) : STORE_ERROR;
  cJSON_free(text);
  return rc == STORE_OK ? 0 : -1;
}

static int commit(struct store_txn *t, struct dynamo_error *err) {
  if (store_txn_commit(t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
  return 0;
}

/* ---- a list of tags ------------------------------------------------------- */

int dynamo_tags_check(const cJSON *list, struct dynamo_error *err) {
  const cJSON *tag, *prev;

  cJSON_ArrayForEach(tag, list) {
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(tag, "Key");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(tag, "Value");
    if (!cJSON_IsObject(tag))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    if (check_key(k, err) != 0)
      return -1;
    if (v && !cJSON_IsNull(v) && !cJSON_IsString(v))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    if (!cJSON_IsString(v) || check_text(v->valuestring, 0, TAG_VALUE_MAX) != 0)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "The Tag Value provided is invalid, Value: %.300s",
                              cJSON_IsString(v) ? v->valuestring : "null");
    if (strncmp(k->valuestring, "aws:", 4) == 0)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "Tag Key cannot be prefixed with aws:, Key: %s", k->valuestring);
    for (prev = list->child; prev != tag; prev = prev->next)
      if (strcmp(cJSON_GetObjectItemCaseSensitive(prev, "Key")->valuestring, k->valuestring) == 0)
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                                "Duplicate Tag Keys provided as input: Duplicate Tag Key found %s",
                                k->valuestring);
  }
  if (cJSON_GetArraySize(list) > TAGS_MAX)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Number of Tags exceed the current limit for the provided ResourceArn");
  return 0;
}

/* ---- operations ----------------------------------------------------------- */

int dynamo_tags_tag(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *arn;
  const cJSON *list, *tag;
  char name[256];
  struct store_txn *t;
  cJSON *tags = NULL;
  uint32_t id = 0;
  int ours, rc = -1;

  (void)resp; /* SPEC AWS API reference: an empty body on success ("{}"). */
  if (required_arn(req, &arn, err) != 0 || null_list(req, "Tags", "tags", &list, err) != 0 ||
      parse_arn(db, arn, "TagResource", name, sizeof(name), &ours, err) != 0)
    return -1;
  if (cJSON_GetArraySize(list) == 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Atleast one Tag needs to be provided as Input.");
  if (dynamo_tags_check(list, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  if (load_tags(db, t, arn, name, ours, &id, &tags, err) != 0)
    goto out;
  cJSON_ArrayForEach(tag, list) {
    const char *k = cJSON_GetObjectItemCaseSensitive(tag, "Key")->valuestring;
    const char *v = cJSON_GetObjectItemCaseSensitive(tag, "Value")->valuestring;
    if (cJSON_GetObjectItemCaseSensitive(tags, k))
      cJSON_ReplaceItemInObjectCaseSensitive(tags, k, cJSON_CreateString(v));
    else
      cJSON_AddStringToObject(tags, k, v);
  }
  if (cJSON_GetArraySize(tags) > TAGS_MAX) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                     "Number of Tags exceed the current limit for the provided ResourceArn");
    goto out;
  }
  if (store_tags(t, id, tags) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto out;
  }
  rc = commit(t, err);
  t = NULL;
out:
  store_txn_abort(t);
  cJSON_Delete(tags);
  return rc;
}

int dynamo_tags_untag(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *arn;
  const cJSON *list, *k;
  char name[256];
  struct store_txn *t;
  cJSON *tags = NULL;
  uint32_t id = 0;
  int ours, rc = -1;

  (void)resp;
  if (required_arn(req, &arn, err) != 0 || null_list(req, "TagKeys", "tagKeys", &list, err) != 0 ||
      parse_arn(db, arn, "UntagResource", name, sizeof(name), &ours, err) != 0)
    return -1;
  if (cJSON_GetArraySize(list) == 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Atleast one Tag Key needs to be provided as Input.");
  cJSON_ArrayForEach(k, list)
    if (check_key(k, err) != 0)
      return -1;
  if (cJSON_GetArraySize(list) > TAGS_MAX)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Number of Tags exceed the current limit for the provided ResourceArn");
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  if (load_tags(db, t, arn, name, ours, &id, &tags, err) != 0)
    goto out;
  cJSON_ArrayForEach(k, list)
    cJSON_DeleteItemFromObjectCaseSensitive(tags, k->valuestring);
  if (store_tags(t, id, tags) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto out;
  }
  rc = commit(t, err);
  t = NULL;
out:
  store_txn_abort(t);
  cJSON_Delete(tags);
  return rc;
}

int dynamo_tags_list(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *arn, *token;
  const cJSON *el;
  char name[256];
  struct store_txn *t;
  cJSON *tags = NULL, *out;
  uint32_t id = 0;
  int ours, n = 0, rc;

  if (required_arn(req, &arn, err) != 0 || dynamo_req_string(req, "NextToken", &token, err) != 0 ||
      parse_arn(db, arn, "ListTagsOfResource", name, sizeof(name), &ours, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  rc = load_tags(db, t, arn, name, ours, &id, &tags, err);
  store_txn_abort(t);
  if (rc != 0)
    return -1;
  *resp = cJSON_CreateObject();
  out = cJSON_AddArrayToObject(*resp, "Tags");
  /* Stored in key order: a NextToken (the last key of the previous page)
   * resumes after it. */
  cJSON_ArrayForEach(el, tags) {
    cJSON *pair;
    if (token && strcmp(el->string, token) <= 0)
      continue;
    if (n == TAGS_PAGE) {
      cJSON_AddStringToObject(*resp, "NextToken", el->prev->string);
      break;
    }
    pair = cJSON_CreateObject();
    cJSON_AddStringToObject(pair, "Key", el->string);
    cJSON_AddStringToObject(pair, "Value", el->valuestring);
    cJSON_AddItemToArray(out, pair);
    n++;
  }
  cJSON_Delete(tags);
  return 0;
}

int dynamo_tags_create(struct store_txn *t, uint32_t id, const cJSON *list) {
  const cJSON *tag;
  cJSON *tags = cJSON_CreateObject();
  int rc;

  cJSON_ArrayForEach(tag, list)
    cJSON_AddStringToObject(tags, cJSON_GetObjectItemCaseSensitive(tag, "Key")->valuestring,
                            cJSON_GetObjectItemCaseSensitive(tag, "Value")->valuestring);
  rc = store_tags(t, id, tags);
  cJSON_Delete(tags);
  return rc;
}
