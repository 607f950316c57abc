/*
 * dynamo_query.c - Query: the items of one partition, in sort-key order,
 * in pages.
 *
 * Role: the Query operation on tables (index queries arrive with the
 * indexes work). The key condition picks the partition (an equality on the
 * partition key) and optionally a sort-key range (=, <, <=, >, >=, BETWEEN,
 * begins_with); FilterExpression, ProjectionExpression, Select, Limit and
 * ExclusiveStartKey work as in Scan.
 *
 * Seeking (store_keycodec.h): every item of a partition lives under
 * prefix = header(table, space 0, hash) | enc(partition), sorted by
 * enc(sort), and enc() is order-preserving and prefix-free. So the sort-key
 * condition becomes a byte range over enc(sort): the cursor starts next to
 * the range's first end (exclusive start key just below it, or just above
 * it in reverse), every key is classified by comparing its enc(sort) bytes
 * with the encoded operands (below / inside / above the range), and the
 * walk stops at the first key past the range's far end. Numbers compare
 * numerically because enc(N) is order-preserving over normalised values;
 * strings by UTF-8 bytes; binaries by unsigned bytes (SPEC docs/spec/dynamodb.md 2.6:
 * "Query results are sorted by sort key: Number numerically, String by
 * UTF-8 bytes, Binary by unsigned bytes; ScanIndexForward=false
 * reverses").
 *
 * Invariants: keys the classifier puts outside the range are never parsed,
 * counted or charged (DynamoDB does not read them); Limit and the 1 MB page
 * count the items read, before the filter (SPEC docs/spec/dynamodb.md 2.6).
 * Ownership: the request tree is the caller's (legacy parameters are
 * rewritten in place, dynamo_legacy.h); *resp is new and the caller's.
 * Threading: one read transaction per call (a consistent snapshot).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_page.h"
#include "dynamo_legacy.h"
#include "dynamo_value.h"
#include "emu_base64.h"
#include "store_keycodec.h"

#define KEY_MAX 8192

static const char schema_mismatch[] =
    "One or more parameter values were invalid: Condition parameter type does not match schema type";

struct query_args {
  int limit;      /* 0: none */
  int count_only; /* Select COUNT */
  int consistent;
  int reverse;  /* ScanIndexForward false */
  cJSON *start; /* ExclusiveStartKey, or NULL */
  const char *select;
};

/* The sort-key range as bytes of enc(sort) (store_keycodec.h). */
struct sort_range {
  int has; /* 0: the whole partition */
  enum dynamo_key_op op;
  struct emu_buf lo, hi; /* enc(operand); BETWEEN: both bounds;
                           * begins_with: lo is enc(prefix) without its
                           * terminator */
};

/* Request members checked before the table is read. */
static int parse_args(cJSON *req, struct query_args *a, struct dynamo_error *err) {
  const cJSON *fwd;
  int forward = 1;

  memset(a, 0, sizeof(*a));
  if (dynamo_req_int(req, "Limit", "limit", 1, 0, &a->limit, NULL, NULL, err) != 0 ||
      dynamo_req_bool(req, "ConsistentRead", &a->consistent, err) != 0 ||
      dynamo_req_object(req, "ExclusiveStartKey", &a->start, err) != 0 ||
      dynamo_req_string(req, "Select", &a->select, err) != 0)
    return -1;
  fwd = cJSON_GetObjectItemCaseSensitive(req, "ScanIndexForward");
  if (fwd && !cJSON_IsNull(fwd)) {
    if (dynamo_req_bool(req, "ScanIndexForward", &forward, err) != 0)
      return -1;
    a->reverse = !forward;
  }
  if (a->select && strcmp(a->select, "ALL_ATTRIBUTES") &&
      strcmp(a->select, "SPECIFIC_ATTRIBUTES") && strcmp(a->select, "COUNT") &&
      strcmp(a->select, "ALL_PROJECTED_ATTRIBUTES"))
    return dynamo_error_violation(err, a->select, 64, DYNAMO_SELECT_ENUM, "select");
  return 0;
}

/* Appends enc(av) for a key of type `type`; av must already be of that
 * type. with_terminator 0 drops the S/B terminator (begins_with prefixes). */
static int encode_operand(char type, const cJSON *av, int with_terminator, struct emu_buf *out) {
  const cJSON *inner = NULL;
  unsigned char *dec = NULL;
  size_t len;
  int rc;

  dynamo_value_type(av, &inner);
  if (!cJSON_IsString(inner))
    return -1;
  if (type == 'B') {
    if (emu_base64_decode(inner->valuestring, strlen(inner->valuestring), &dec, &len) != 0)
      return -1;
    rc = store_keycodec_append(out, 'B', (const char *)dec, len);
    free(dec);
  } else {
    rc = store_keycodec_append(out, type, inner->valuestring, strlen(inner->valuestring));
  }
  if (rc == 0 && !with_terminator && type != 'N' && out->len >= 2)
    out->len -= 2; /* the 0x00 0x01 terminator (store_keycodec.h) */
  return rc;
}

/* 1 when av is an empty S or B value. */
static int empty_value(const cJSON *av) {
  const cJSON *inner = NULL;
  enum dynamo_type t = dynamo_value_type(av, &inner);

  return (t == DYNAMO_T_S || t == DYNAMO_T_B) && cJSON_IsString(inner) &&
         inner->valuestring[0] == '\0';
}

/* The operand's type must be the key attribute's schema type. */
static int check_operand(const cJSON *av, char type, const char *attr, struct dynamo_error *err) {
  const char *tag;

  if (!av)
    return 0;
  tag = dynamo_type_tag(dynamo_value_type(av, NULL));
  /* SPEC docs/spec/dynamodb.md 2.4 family; DYN-act query.js: "One or more parameter
   * values were invalid: Condition parameter type does not match schema
   * type" (CONF tier3 query operand-type tests, verified live). */
  if (tag[0] != type || tag[1] != '\0')
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", schema_mismatch);
  if (empty_value(av))
    /* SPEC docs/spec/dynamodb.md 2.4: empty string/binary key. DEVIATION: the Query
     * wording is assumed to be the item operations' one (unverified). */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values are not valid. The AttributeValue for a "
                            "key attribute cannot contain an empty %s value. Key: %s",
                            type == 'B' ? "binary" : "string", attr);
  return 0;
}

static int lexcmp(const unsigned char *a, size_t al, const unsigned char *b, size_t bl) {
  size_t n = al < bl ? al : bl;
  int c = n ? memcmp(a, b, n) : 0;

  if (c != 0)
    return c < 0 ? -1 : 1;
  return al < bl ? -1 : al > bl ? 1 : 0;
}

/* Where an encoded sort key lies against the range: -1 below, 0 inside,
 * +1 above. */
static int classify(const struct sort_range *r, const unsigned char *sk, size_t len) {
  const unsigned char *lo = (const unsigned char *)r->lo.data;
  int c;

  if (!r->has)
    return 0;
  switch (r->op) {
  case DYNAMO_KEY_EQ:
    return lexcmp(sk, len, lo, r->lo.len);
  case DYNAMO_KEY_LT:
    return lexcmp(sk, len, lo, r->lo.len) < 0 ? 0 : 1;
  case DYNAMO_KEY_LE:
    return lexcmp(sk, len, lo, r->lo.len) <= 0 ? 0 : 1;
  case DYNAMO_KEY_GT:
    return lexcmp(sk, len, lo, r->lo.len) > 0 ? 0 : -1;
  case DYNAMO_KEY_GE:
    return lexcmp(sk, len, lo, r->lo.len) >= 0 ? 0 : -1;
  case DYNAMO_KEY_BETWEEN:
    if (lexcmp(sk, len, lo, r->lo.len) < 0)
      return -1;
    return lexcmp(sk, len, (const unsigned char *)r->hi.data, r->hi.len) <= 0 ? 0 : 1;
  case DYNAMO_KEY_BEGINS_WITH:
    /* enc(s) starts with enc(p) minus its terminator iff s starts with p
     * (the escape 0x00 -> 0x00 0xFF keeps character boundaries). */
    if (len >= r->lo.len && (r->lo.len == 0 || memcmp(sk, lo, r->lo.len) == 0))
      return 0;
    c = lexcmp(sk, len, lo, r->lo.len);
    return c < 0 ? -1 : 1;
  }
  return 0;
}

/* The exclusive cursor start for the range: forward, a key just below the
 * range's low end; reverse, a key just above its high end. Leaves start
 * empty when the range is open at that end (walk from the partition's
 * edge). Any key between `start` and the range's end is skipped by
 * classify(), so the bound need only be on the correct side. */
/* prefix | the smallest byte string above every extension of b: b's last
 * byte that is not 0xFF incremented, cut after it. All 0xFF (or empty):
 * open end (start left empty). */
static int successor(const struct emu_buf *prefix, const struct emu_buf *b, struct emu_buf *start) {
  size_t n = b->len;

  while (n > 0 && (unsigned char)b->data[n - 1] == 0xFF)
    n--;
  if (n == 0)
    return 0;
  if (emu_buf_append(start, prefix->data, prefix->len) != 0 ||
      emu_buf_append(start, b->data, n) != 0)
    return -1;
  start->data[start->len - 1] = (char)((unsigned char)start->data[start->len - 1] + 1);
  return 0;
}

static int range_start(const struct sort_range *r, int reverse, int suffixed,
                       const struct emu_buf *prefix, struct emu_buf *start) {
  const struct emu_buf *b = NULL;
  int below = 0; /* forward: start strictly below enc(operand) */

  emu_buf_reset(start);
  if (!r->has)
    return 0;
  if (!reverse) {
    switch (r->op) {
    case DYNAMO_KEY_LT:
    case DYNAMO_KEY_LE:
      return 0;
    case DYNAMO_KEY_GT:
      b = &r->lo; /* keys strictly after enc(v): exactly sort > v */
      break;
    case DYNAMO_KEY_BEGINS_WITH:
      b = &r->lo; /* enc(p) without terminator sorts before every match */
      break;
    default: /* EQ, GE, BETWEEN: include enc(lo) itself */
      b = &r->lo;
      below = 1;
      break;
    }
  } else {
    switch (r->op) {
    case DYNAMO_KEY_GT:
    case DYNAMO_KEY_GE:
      return 0;
    case DYNAMO_KEY_LT:
      b = &r->lo; /* keys strictly before enc(v) */
      break;
    case DYNAMO_KEY_BEGINS_WITH:
      return successor(prefix, &r->lo, start);
    default: /* EQ, LE, BETWEEN: include enc(high end) itself */
      b = r->op == DYNAMO_KEY_BETWEEN ? &r->hi : &r->lo;
      if (suffixed)
        /* Index entries carry the table key after enc(sort), which may
         * start with 0xFF: start above every extension of enc(b). */
        return successor(prefix, b, start);
      /* enc() is prefix-free, so enc(v) | 0xFF is above enc(v) and below
       * every larger encoding. */
      if (emu_buf_append(start, prefix->data, prefix->len) != 0 ||
          emu_buf_append(start, b->data, b->len) != 0 || emu_buf_putc(start, (char)0xFF) != 0)
        return -1;
      return 0;
    }
  }
  if (emu_buf_append(start, prefix->data, prefix->len) != 0 ||
      emu_buf_append(start, b->data, b->len) != 0)
    return -1;
  if (below && start->len > prefix->len) {
    /* A key just below enc(lo): decrement its last byte, or drop it when it
     * is 0x00 (every encoding ends in 0x01, 0x00 or 0xFF, or is 0x80 for
     * zero). */
    unsigned char *last = (unsigned char *)&start->data[start->len - 1];
    if (*last > 0)
      (*last)--;
    else
      start->len--;
  }
  return 0;
}

/* The ExclusiveStartKey: the table's key, inside the queried partition and
 * the sort-key range (DYN-act query.js, whose messages dynalite checked
 * against DynamoDB). */
static int check_start_key(const struct dynamo_table *tb, const cJSON *start,
                           const struct emu_buf *prefix, const struct sort_range *r,
                           struct emu_buf *key, struct dynamo_error *err) {
  int in_partition, in_range = 1;

  if (!tb->base && (cJSON_GetArraySize(start) != (tb->range_type ? 2 : 1) ||
                    !cJSON_GetObjectItemCaseSensitive(start, tb->hash_name) ||
                    (tb->range_type && !cJSON_GetObjectItemCaseSensitive(start, tb->range_name))))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "The provided starting key is invalid");
  if (dynamo_keys_of_key(tb, start, key, err) != 0) {
    if (tb->base) /* an index: index keys plus table keys (SPEC docs/spec/dynamodb.md 2.6) */
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "The provided starting key is invalid");
    return -1;
  }
  in_partition = key->len >= prefix->len && memcmp(key->data, prefix->data, prefix->len) == 0 &&
                 (tb->range_type || tb->base || key->len == prefix->len);
  if (!r->has) {
    if (!in_partition)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "The provided starting key is outside query boundaries based on "
                              "provided conditions");
    return 0;
  }
  /* The sort part of the start key: its enc(sort) is what follows the
   * (variable-length) partition part, which we re-encode to find its end. */
  {
    struct emu_buf enc;
    const cJSON *rv = cJSON_GetObjectItemCaseSensitive(start, tb->range_name);
    emu_buf_init(&enc, KEY_MAX);
    if (encode_operand(tb->range_type, rv, 1, &enc) == 0)
      in_range = classify(r, (const unsigned char *)enc.data, enc.len) == 0;
    emu_buf_free(&enc);
  }
  if (!in_range)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The provided starting key does not match the range key predicate");
  if (!in_partition)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The query can return at most one row and cannot be restarted");
  return 0;
}

/* SPEC docs/spec/dynamodb.md 2.22: a Query's filter may not name a key
 * attribute of the table or index it reads, the partition key checked
 * first; "QueryFilter" or "Filter Expression" as the request spelled it. */
static int filter_key_check(const struct dynamo_table *q, const struct dynamo_expr *filter,
                            int legacy, struct dynamo_error *err) {
  const char *key = NULL;

  if (dynamo_expr_names_attribute(filter, q->hash_name))
    key = q->hash_name;
  else if (q->range_type && dynamo_expr_names_attribute(filter, q->range_name))
    key = q->range_name;
  if (!key)
    return 0;
  return dynamo_error_set(
      err, DYNAMO_ERR_VALIDATION,
      "%s can only contain non-primary key attributes: Primary key attribute: %s",
      legacy ? "QueryFilter" : "Filter Expression", key);
}

static int legacy_and_index(cJSON *req, const char **index, struct dynamo_error *err) {
  if (dynamo_req_string(req, "IndexName", index, err) != 0)
    return -1;
  return dynamo_legacy_translate(req, DYNAMO_LEGACY_QUERY, err);
}

/*
 * Query. Supported: TableName, KeyConditionExpression (or legacy
 * KeyConditions), FilterExpression (or QueryFilter + ConditionalOperator),
 * ProjectionExpression (or AttributesToGet), ExpressionAttributeNames/Values,
 * Select (ALL_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT), Limit,
 * ExclusiveStartKey, ScanIndexForward, ConsistentRead,
 * ReturnConsumedCapacity, IndexName (the index's key space; Select
 * ALL_PROJECTED_ATTRIBUTES; dynamo_indexes_target for its errors).
 * DEVIATION: on an LSI that does not project ALL, only Select
 * ALL_ATTRIBUTES reads the table's items; a ProjectionExpression naming
 * unprojected attributes does not.
 */
int dynamo_query(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_exprs x;
  struct query_args a;
  struct dynamo_table tb, view;
  const struct dynamo_table *q;
  struct dynamo_key_condition kc;
  struct sort_range r;
  struct store_txn *t = NULL;
  struct store_cursor *cur = NULL;
  struct emu_buf pk, prefix, start;
  const char *table, *index = NULL;
  struct dynamo_page page = {0};
  struct emu_buf full;
  const void *k, *v;
  size_t kl, vl;
  int rc = -1, src, loaded = 0, more = 0, fetch = 0, legacy_filter, legacy_projection;

  memset(&x, 0, sizeof(x));
  memset(&r, 0, sizeof(r));
  legacy_filter = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(req, "QueryFilter"));
  legacy_projection = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(req, "AttributesToGet"));
  if (dynamo_req_table_name(req, &table, err) != 0 || parse_args(req, &a, err) != 0 ||
      legacy_and_index(req, &index, err) != 0)
    return -1;
  /* DYN-val query.js: the start key's values, then the key condition's
   * presence, then the expressions. */
  if (a.start && dynamo_value_validate_map(a.start, err) != 0) {
    char msg[DYNAMO_ERROR_MESSAGE_MAX];
    memcpy(msg, err->message, sizeof(msg));
    msg[sizeof(msg) - 1] = '\0';
    return dynamo_error_set(err, err->code, "The provided starting key is invalid: %s", msg);
  }
  {
    const cJSON *kce = cJSON_GetObjectItemCaseSensitive(req, "KeyConditionExpression");
    if (!kce || cJSON_IsNull(kce))
      /* DYN-val query.js, checked against DynamoDB by DYN-test query.js
       * ("should return ValidationException for null conditions"). */
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "Either the KeyConditions or KeyConditionExpression parameter must "
                              "be specified in the request.");
  }
  if (dynamo_exprs_prepare(req,
                           DYNAMO_KIND(DYNAMO_EXPR_KEY_CONDITION) |
                               DYNAMO_KIND(DYNAMO_EXPR_FILTER) |
                               DYNAMO_KIND(DYNAMO_EXPR_PROJECTION),
                           &x, err) != 0)
    return -1;
  emu_buf_init(&pk, KEY_MAX);
  emu_buf_init(&prefix, KEY_MAX);
  emu_buf_init(&start, KEY_MAX);
  emu_buf_init(&r.lo, KEY_MAX);
  emu_buf_init(&r.hi, KEY_MAX);
  emu_buf_init(&full, (size_t)1 << 24);
  if (dynamo_select_check(a.select,
                          !x.e[DYNAMO_EXPR_PROJECTION] ? DYNAMO_SELECT_NO_PROJECTION
                          : legacy_projection          ? DYNAMO_SELECT_ATTRIBUTES_TO_GET
                                                       : DYNAMO_SELECT_PROJECTION_EXPRESSION,
                          index != NULL, 1, &a.count_only, err) != 0)
    goto out;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  if (dynamo_tables_load(db, t, table, &tb, "Requested resource not found", err) != 0)
    goto out;
  loaded = 1;
  if (dynamo_indexes_target(&tb, index, a.consistent, a.select, &view, &q, &fetch, err) != 0)
    goto out;
  /* SPEC docs/spec/dynamodb.md 2.4: "Query condition missed key schema element:
   * <attr>" and the other key-condition shape errors (dynamo_expr.h). */
  if (dynamo_expr_key_condition(x.e[DYNAMO_EXPR_KEY_CONDITION], q->hash_name,
                                q->range_type ? q->range_name : NULL, &kc, err) != 0)
    goto out;
  if (check_operand(kc.hash_value, q->hash_type, q->hash_name, err) != 0 ||
      (kc.has_range && (check_operand(kc.range_lo, q->range_type, q->range_name, err) != 0 ||
                        check_operand(kc.range_hi, q->range_type, q->range_name, err) != 0)))
    goto out;
  if (encode_operand(q->hash_type, kc.hash_value, 1, &pk) != 0 ||
      store_keycodec_header(&prefix, q->id, q->space, pk.data, pk.len) != 0 ||
      emu_buf_append(&prefix, pk.data, pk.len) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", schema_mismatch);
    goto out;
  }
  if (kc.has_range) {
    r.has = 1;
    r.op = kc.range_op;
    if (encode_operand(q->range_type, kc.range_lo, r.op != DYNAMO_KEY_BEGINS_WITH, &r.lo) != 0 ||
        (kc.range_hi && encode_operand(q->range_type, kc.range_hi, 1, &r.hi) != 0)) {
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", schema_mismatch);
      goto out;
    }
  }
  if (a.start) {
    struct emu_buf sk;
    emu_buf_init(&sk, KEY_MAX);
    if (check_start_key(q, a.start, &prefix, &r, &sk, err) != 0) {
      emu_buf_free(&sk);
      goto out;
    }
    emu_buf_reset(&start);
    src = emu_buf_append(&start, sk.data, sk.len);
    emu_buf_free(&sk);
    if (src != 0) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "key too long");
      goto out;
    }
  } else if (range_start(&r, a.reverse, q->base != NULL, &prefix, &start) != 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "key too long");
    goto out;
  }
  if (dynamo_index_keys_check_read_paths(&tb, x.e[DYNAMO_EXPR_PROJECTION], err) != 0 ||
      filter_key_check(q, x.e[DYNAMO_EXPR_FILTER], legacy_filter, err) != 0 ||
      dynamo_index_keys_check_read_paths(&tb, x.e[DYNAMO_EXPR_FILTER], err) != 0)
    goto out;
  if (store_cursor_open(t, prefix.data, prefix.len, a.reverse, start.len ? start.data : NULL,
                        start.len, &cur) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  dynamo_page_init(&page, q, &x, a.limit, a.count_only);
  while ((src = store_cursor_next(cur, &k, &kl, &v, &vl)) == STORE_OK) {
    size_t sl = kl - prefix.len;
    int where;
    if (q->base && q->range_type) /* an index entry: enc(sort) then the table key */
      sl = store_keycodec_len(q->range_type, (const unsigned char *)k + prefix.len, sl);
    where = classify(&r, (const unsigned char *)k + prefix.len, sl);
    if (where == (a.reverse ? -1 : 1))
      break; /* beyond the range's far end */
    if (where != 0)
      continue; /* between the seek position and the range: not read */
    if (page.full) {
      /* A key after a full page that is still inside the range: there is
       * more, so the page gets its LastEvaluatedKey. */
      more = 1;
      break;
    }
    if (dynamo_page_add_entry(&page, t, &tb, fetch, v, vl, &full, err) != 0)
      goto out;
  }
  if (src != STORE_OK && src != STORE_NOT_FOUND) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  /* A full page followed by more of the range has a LastEvaluatedKey (the
   * table key of the last item read); the end of the range has none.
   * DynamoDB may also return one on an exactly full last page; the look-
   * ahead lets the common case end cleanly, as Scan does. */
  *resp = dynamo_page_response(&page, page.full && more, req, table, a.consistent);
  rc = 0;
out:
  store_cursor_close(cur);
  store_txn_abort(t);
  if (loaded)
    dynamo_table_free(&tb);
  dynamo_page_free(&page);
  emu_buf_free(&pk);
  emu_buf_free(&prefix);
  emu_buf_free(&start);
  emu_buf_free(&r.lo);
  emu_buf_free(&r.hi);
  emu_buf_free(&full);
  dynamo_exprs_free(&x);
  return rc;
}
