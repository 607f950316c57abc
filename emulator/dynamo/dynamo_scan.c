/*
 * dynamo_scan.c - Scan: every item of a table in hash order, in pages.
 *
 * SPEC docs/spec/dynamodb.md 2.6: a page stops at Limit items or 1 MB of data read
 * (before filtering/projection) and then returns LastEvaluatedKey; the next
 * call passes it back as ExclusiveStartKey. Count and ScannedCount are per
 * page. Parallel scan: segment i of N owns the hash range
 * [i * 2^64 / N, (i + 1) * 2^64 / N), so every item lands in exactly one
 * segment (store_keycodec.h puts the hash right after the table prefix).
 * IndexName scans the index's key space (dynamo_indexes.c), with its
 * LastEvaluatedKey of index and table keys.
 * Threading: one read transaction per call (a consistent snapshot).
 */
#include <stdio.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_page.h"
#include "dynamo_legacy.h"
#include "dynamo_value.h"
#include "store_keycodec.h"

struct scan_args {
  int limit;          /* 0: none */
  int count_only;     /* Select COUNT */
  int segment, total; /* total 0: not parallel */
  int consistent;
  cJSON *start; /* ExclusiveStartKey, or NULL */
  const char *select;
  const char *index; /* IndexName, or NULL */
};

/* An integer member within lo..hi: a violation is added to *bad (and the
 * member counts as absent); a value of another type is a serialization
 * error, returned at once. */
static int parse_args(cJSON *req, struct scan_args *a, enum dynamo_select_source projection,
                      struct dynamo_error *err) {
  struct dynamo_violations bad;
  const char *select;
  int has_seg, has_total;

  memset(a, 0, sizeof(*a));
  dynamo_violations_init(&bad);
  /* SPEC docs/spec/dynamodb.md 2.4: constraint violations are collected into
   * one message. DEVIATION: the order of several is [unverified]; wsgw
   * lists Limit, Segment, TotalSegments. */
  if (dynamo_req_int(req, "Limit", "limit", 1, 1 << 30, &a->limit, &has_seg, &bad, err) != 0 ||
      dynamo_req_int(req, "Segment", "segment", 0, 999999, &a->segment, &has_seg, &bad, err) != 0 ||
      dynamo_req_int(req, "TotalSegments", "totalSegments", 1, 1000000, &a->total, &has_total, &bad,
                     err) != 0 ||
      dynamo_violations_finish(&bad, err) != 0 ||
      dynamo_req_bool(req, "ConsistentRead", &a->consistent, err) != 0 ||
      dynamo_req_object(req, "ExclusiveStartKey", &a->start, err) != 0 ||
      dynamo_req_string(req, "Select", &select, err) != 0 ||
      dynamo_req_string(req, "IndexName", &a->index, err) != 0)
    return -1;
  a->select = select;
  /* SPEC docs/spec/dynamodb.md 2.4: the parallel scan parameter messages. */
  if (has_seg && !has_total)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The TotalSegments parameter is required but was not present in the "
                            "request when Segment parameter is present");
  if (has_total && !has_seg)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The Segment parameter is required but was not present in the request "
                            "when parameter TotalSegments is present");
  if (has_seg && a->segment >= a->total)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The Segment parameter is zero-based and must be less than parameter "
                            "TotalSegments: Segment: %d is not less than TotalSegments: %d",
                            a->segment, a->total);
  return dynamo_select_check(select, projection, a->index != NULL, 0, &a->count_only, err);
}

static uint64_t segment_bound(int segment, int total) {
  /* floor(segment * 2^64 / total) without overflow. */
  unsigned __int128 b = ((unsigned __int128)segment << 64) / (unsigned)total;
  return (uint64_t)b;
}

static uint64_t key_hash(const void *key, size_t len) {
  const unsigned char *p = key;
  uint64_t h = 0;
  int i;

  if (len < STORE_KEY_HEADER)
    return 0;
  for (i = 0; i < 8; i++)
    h = (h << 8) | p[5 + i];
  return h;
}

int dynamo_scan(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_exprs x;
  struct scan_args a;
  struct dynamo_table tb, view;
  const struct dynamo_table *q;
  struct store_txn *t = NULL;
  struct store_cursor *cur = NULL;
  struct emu_buf prefix, start;
  const char *table;
  struct dynamo_page page = {0};
  const void *k, *v;
  size_t kl, vl;
  uint64_t hi = 0;
  struct emu_buf full;
  int rc = -1, src = STORE_NOT_FOUND, has_hi = 0, loaded = 0, more = 0, fetch = 0,
      legacy_projection;

  legacy_projection = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(req, "AttributesToGet"));
  if (dynamo_req_table_name(req, &table, err) != 0 ||
      dynamo_legacy_translate(req, DYNAMO_LEGACY_SCAN, err) != 0)
    return -1;
  if (dynamo_exprs_prepare(
          req, DYNAMO_KIND(DYNAMO_EXPR_FILTER) | DYNAMO_KIND(DYNAMO_EXPR_PROJECTION), &x, err) != 0)
    return -1;
  emu_buf_init(&prefix, 64);
  emu_buf_init(&start, 16384);
  emu_buf_init(&full, (size_t)1 << 24);
  if (parse_args(req, &a,
                 !x.e[DYNAMO_EXPR_PROJECTION] ? DYNAMO_SELECT_NO_PROJECTION
                 : legacy_projection          ? DYNAMO_SELECT_ATTRIBUTES_TO_GET
                                              : DYNAMO_SELECT_PROJECTION_EXPRESSION,
                 err) != 0)
    goto out;
  if (a.start && dynamo_value_validate_map(a.start, err) != 0)
    goto out;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  if (dynamo_tables_load(db, t, table, &tb, "Requested resource not found", err) != 0)
    goto out;
  loaded = 1;
  if (dynamo_indexes_target(&tb, a.index, a.consistent, a.select, &view, &q, &fetch, err) != 0)
    goto out;
  if (dynamo_index_keys_check_read_paths(&tb, x.e[DYNAMO_EXPR_PROJECTION], err) != 0 ||
      dynamo_index_keys_check_read_paths(&tb, x.e[DYNAMO_EXPR_FILTER], err) != 0)
    goto out;
  dynamo_keys_table_prefix(q, &prefix);
  if (a.start) {
    if (dynamo_keys_of_key(q, a.start, &start, err) != 0) {
      snprintf(
          err->message, sizeof(err->message),
          "The provided starting key is invalid: The provided key element does not match the schema");
      goto out;
    }
    if (a.total > 1) {
      /* SPEC docs/spec/dynamodb.md 2.23: a parallel Scan's start key must
       * lie in its segment. */
      uint64_t h = key_hash(start.data, start.len);
      if (h < segment_bound(a.segment, a.total) ||
          (a.segment + 1 < a.total && h >= segment_bound(a.segment + 1, a.total))) {
        dynamo_error_set(
            err, DYNAMO_ERR_VALIDATION,
            "The provided starting key is invalid: Invalid ExclusiveStartKey. Please "
            "use ExclusiveStartKey with correct Segment. TotalSegments: %d Segment: %d",
            a.total, a.segment);
        goto out;
      }
    }
  } else if (a.total > 0 && a.segment > 0) {
    /* Start just before the segment's first hash: a 13-byte header sorts
     * before every item key that carries that hash. */
    unsigned char hdr[STORE_KEY_HEADER];
    uint64_t lo = segment_bound(a.segment, a.total);
    int i;
    memcpy(hdr, prefix.data, 5);
    for (i = 0; i < 8; i++)
      hdr[5 + i] = (unsigned char)(lo >> (56 - 8 * i));
    emu_buf_append(&start, hdr, sizeof(hdr));
  }
  if (a.total > 0 && a.segment + 1 < a.total) {
    hi = segment_bound(a.segment + 1, a.total);
    has_hi = 1;
  }
  if (store_cursor_open(t, prefix.data, prefix.len, 0, start.len ? start.data : NULL, start.len,
                        &cur) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  dynamo_page_init(&page, q, &x, a.limit, a.count_only);
  while (!page.full && (src = store_cursor_next(cur, &k, &kl, &v, &vl)) == STORE_OK) {
    if (has_hi && key_hash(k, kl) >= hi) {
      src = STORE_NOT_FOUND; /* the segment's end */
      break;
    }
    if (dynamo_page_add_entry(&page, t, &tb, fetch, v, vl, &full, err) != 0)
      goto out;
  }
  if (src != STORE_OK && src != STORE_NOT_FOUND) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  /* A page cut by Limit or size has a LastEvaluatedKey unless nothing
   * follows (DynamoDB may return one on an exactly full last page; looking
   * ahead ends the common case cleanly); the end of the table or segment
   * has none. */
  if (page.full) {
    const void *k2, *v2;
    size_t kl2, vl2;
    more = store_cursor_next(cur, &k2, &kl2, &v2, &vl2) == STORE_OK &&
           !(has_hi && key_hash(k2, kl2) >= hi);
  }
  *resp = dynamo_page_response(&page, more, req, table, a.consistent);
  rc = 0;
out:
  store_cursor_close(cur);
  store_txn_abort(t);
  if (loaded)
    dynamo_table_free(&tb);
  dynamo_page_free(&page);
  emu_buf_free(&prefix);
  emu_buf_free(&start);
  emu_buf_free(&full);
  dynamo_exprs_free(&x);
  return rc;
}
