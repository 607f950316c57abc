/*
 * dynamo_streams.c - DynamoDB Streams inside the store: enabling and
 * disabling a table's stream, appending one record per item change in the
 * change's own write transaction, reading records back, and trimming them
 * after the retention period.
 *
 * Where records live: in the items keyspace, beside the table's items, in
 * a key space of their own (0xFF; indexes use 1..DYNAMO_MAX_LSI+GSI):
 *
 *   OFFSET SIZE  FIELD
 *   0      4     table id, big-endian (as every item key, store_keycodec.h)
 *   4      1     0xFF: stream records
 *   5      4     the stream's number within the table, big-endian (1..)
 *   9      8     the record's sequence number, big-endian
 *
 * so a stream's records are one key range in sequence order and a read is
 * a range scan; DeleteTable's prefix delete of the table id removes them
 * with the items. The value is the record's JSON text (dynamo_streams.h).
 *
 * Sequence numbers: max(last + 1, now_ms * 10^6), where last is the
 * highest number of any of the table's streams (one reverse cursor step
 * in the writer's transaction). Strictly increasing per table, hence per
 * stream; roughly the record's time, so trimming by age is a key-range
 * delete. 19 decimal digits (DEVIATION: AWS's have 21 or more).
 *
 * Stream catalogue (store meta), one record per stream, enabled or not:
 *   "S:<stream ARN>"  {"TableName", "tableId", "no", "StreamViewType",
 *                      "StreamLabel", "StreamStatus", "created" (ms),
 *                      "start", "end", "trimmed" (sequence numbers as
 *                      decimal strings), "disabled" (ms), "shardMs" (the
 *                      shard period, dynamo_streams_api.c), "KeySchema"}
 * The table's own record carries the number of its latest stream
 * ("stream" in "t:<name>", dynamo_tables.c) and its description carries
 * StreamSpecification (while enabled), LatestStreamArn and
 * LatestStreamLabel.
 *
 * Retention: dynamo_streams_trim runs on the TTL sweeper's thread, every
 * --ttl-interval seconds (DEVIATION: with --ttl-interval 0 nothing trims
 * records; AWS always does).
 *
 * Invariants: a record is written only inside its change's transaction,
 * so it is visible exactly when the change is; a table without an enabled
 * stream pays one branch per write (dynamo_streams_append).
 * Threading: every function runs on the caller's thread in the caller's
 * transaction, or opens its own; the listener is set before serving.
 * SPEC: docs/spec/dynamodb-streams.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_value.h"
#include "emu_id.h"
#include "emu_time.h"

#define SEQ_PER_MS UINT64_C(1000000)
#define RECORD_BUF_LIMIT ((size_t)1 << 22)
#define READ_MAX 10000
#define READ_BYTES_MAX ((size_t)16 << 20)

static const char *const view_names[] = {"", "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE",
                                         "NEW_AND_OLD_IMAGES"};

const char *dynamo_streams_view_name(int view) {
  return view > 0 && view <= DYNAMO_STREAM_NEW_AND_OLD_IMAGES ? view_names[view] : "";
}

static int view_parse(const char *s) {
  int i;

  for (i = 1; i <= DYNAMO_STREAM_NEW_AND_OLD_IMAGES; i++)
    if (strcmp(s, view_names[i]) == 0)
      return i;
  return 0;
}

int64_t dynamo_streams_now_ms(const struct dynamo *db) {
  return emu_time_now_ms() + db->stream_clock_offset_ms;
}

void dynamo_streams_set_clock_offset(struct dynamo *db, int64_t ms) {
  db->stream_clock_offset_ms = ms;
}

void dynamo_streams_set_shard_period(struct dynamo *db, int64_t ms) {
  db->stream_shard_ms = ms > 0 ? ms : DYNAMO_STREAMS_SHARD_MS;
}

void dynamo_streams_set_retention(struct dynamo *db, int64_t ms) {
  db->stream_retention_ms = ms > 0 ? ms : DYNAMO_STREAMS_DEFAULT_RETENTION_MS;
}

void dynamo_streams_set_listener(struct dynamo *db, dynamo_streams_listener *fn, void *arg) {
  db->stream_listener = fn;
  db->stream_listener_arg = arg;
}

void dynamo_streams_notify(struct dynamo *db, const char *table) {
  if (db->stream_listener)
    db->stream_listener(db->stream_listener_arg, table);
}

uint64_t dynamo_streams_seq(const cJSON *record) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(record, "dynamodb");
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(d, "SequenceNumber");

  return cJSON_IsString(s) ? dynamo_streams_parse_seq(s->valuestring) : 0;
}

uint64_t dynamo_streams_parse_seq(const char *s) {
  uint64_t v = 0;

  if (!s || !*s || strlen(s) > 20)
    return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
      return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  return v;
}

/* ---- keys ----------------------------------------------------------------- */

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static uint64_t get_u64(const unsigned char *p) {
  uint64_t v = 0;
  int i;

  for (i = 0; i < 8; i++)
    v = (v << 8) | p[i];
  return v;
}

void dynamo_streams_key(uint32_t id, uint32_t no, uint64_t seq, unsigned char k[17]) {
  int i;

  put_u32(k, id);
  k[4] = 0xFF;
  put_u32(k + 5, no);
  for (i = 0; i < 8; i++)
    k[9 + i] = (unsigned char)(seq >> (56 - 8 * i));
}

/* The highest sequence number under prefix (plen bytes), 0 when none. */
static uint64_t last_seq(struct store_txn *t, const unsigned char *prefix, size_t plen) {
  struct store_cursor *c;
  const void *k, *v;
  size_t kl, vl;
  uint64_t seq = 0;

  if (store_cursor_open(t, prefix, plen, 1, NULL, 0, &c) != STORE_OK)
    return 0;
  if (store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK && kl == DYNAMO_STREAMS_KEY_LEN)
    seq = get_u64((const unsigned char *)k + 9);
  store_cursor_close(c);
  return seq;
}

uint64_t dynamo_streams_last(struct store_txn *t, uint32_t id, uint32_t no) {
  unsigned char k[DYNAMO_STREAMS_KEY_LEN];

  dynamo_streams_key(id, no, 0, k);
  return last_seq(t, k, 9);
}

/* The next sequence number of table id, in its writer's transaction. */
static uint64_t next_seq(struct store_txn *t, uint32_t id) {
  unsigned char k[DYNAMO_STREAMS_KEY_LEN];
  uint64_t last, now = (uint64_t)emu_time_now_ms() * SEQ_PER_MS;

  dynamo_streams_key(id, 0, 0, k);
  last = last_seq(t, k, 5);
  return last + 1 > now ? last + 1 : now;
}

/* ---- the stream catalogue ------------------------------------------------- */

static void catalogue_name(char *buf, size_t cap, const char *arn) {
  snprintf(buf, cap, "S:%s", arn);
}

cJSON *dynamo_streams_load(struct store_txn *t, const char *arn) {
  char name[DYNAMO_STREAMS_ARN_MAX + 8];
  struct emu_buf val;
  cJSON *rec = NULL;

  if (strlen(arn) >= DYNAMO_STREAMS_ARN_MAX)
    return NULL;
  catalogue_name(name, sizeof(name), arn);
  emu_buf_init(&val, 1 << 16);
  if (store_meta_get(t, name, &val) == STORE_OK)
    rec = cJSON_ParseWithLength(val.data, val.len);
  emu_buf_free(&val);
  return rec;
}

static int catalogue_put(struct store_txn *t, const char *arn, const cJSON *rec) {
  char name[DYNAMO_STREAMS_ARN_MAX + 8];
  char *text = cJSON_PrintUnformatted(rec);
  int rc;

  if (!text)
    return -1;
  catalogue_name(name, sizeof(name), arn);
  rc = store_meta_put(t, name, text, strlen(text)) == STORE_OK ? 0 : -1;
  cJSON_free(text);
  return rc;
}

static void set_seq(cJSON *rec, const char *member, uint64_t seq) {
  char s[24];

  snprintf(s, sizeof(s), "%" PRIu64, seq);
  cJSON_DeleteItemFromObjectCaseSensitive(rec, member);
  cJSON_AddStringToObject(rec, member, s);
}

uint64_t dynamo_streams_rec_seq(const cJSON *rec, const char *member) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, member);

  return cJSON_IsString(s) ? dynamo_streams_parse_seq(s->valuestring) : 0;
}

uint32_t dynamo_streams_rec_u32(const cJSON *rec, const char *member) {
  int64_t n;

  return emu_json_int(cJSON_GetObjectItemCaseSensitive(rec, member), 0, UINT32_MAX, &n)
             ? (uint32_t)n
             : 0;
}

/* ---- StreamSpecification --------------------------------------------------- */

int dynamo_streams_view_of(const cJSON *desc) {
  const cJSON *spec = cJSON_GetObjectItemCaseSensitive(desc, "StreamSpecification");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, "StreamViewType");

  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(spec, "StreamEnabled")) || !cJSON_IsString(v))
    return 0;
  return view_parse(v->valuestring);
}

int dynamo_streams_spec(const cJSON *spec, int updating, int *change, int *view,
                        struct dynamo_error *err) {
  const cJSON *en, *vt;

  *change = 0;
  *view = 0;
  if (!spec || cJSON_IsNull(spec))
    return 0;
  if (!cJSON_IsObject(spec))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  en = cJSON_GetObjectItemCaseSensitive(spec, "StreamEnabled");
  vt = cJSON_GetObjectItemCaseSensitive(spec, "StreamViewType");
  /* SPEC docs/spec/dynamodb-streams.md 2.1: StreamEnabled is required. */
  if (!en || cJSON_IsNull(en))
    return dynamo_error_null(err, "streamSpecification.streamEnabled");
  if (!cJSON_IsBool(en))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (vt && !cJSON_IsNull(vt)) {
    if (!cJSON_IsString(vt))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    /* SPEC docs/spec/dynamodb-streams.md 2.1: the four view types. */
    if (!(*view = view_parse(vt->valuestring)))
      return dynamo_error_violation(
          err, vt->valuestring, 64,
          "Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, "
          "KEYS_ONLY]",
          "streamSpecification.streamViewType");
  }
  if (cJSON_IsTrue(en)) {
    /* SPEC docs/spec/dynamodb-streams.md 2.2: enabling needs a view type. */
    if (!*view)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "One or more parameter values were invalid: If stream is being "
                              "enabled then UpdateViewType is required");
    *change = 1;
    return 0;
  }
  /* SPEC docs/spec/dynamodb-streams.md 2.2: disabling takes no view type. */
  if (*view)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values were invalid: If stream is being "
                            "disabled, then UpdateViewType must not be specified");
  /* CreateTable with StreamEnabled false: no stream, nothing to change. */
  *change = updating ? -1 : 0;
  return 0;
}

int dynamo_streams_create(struct dynamo *db, struct store_txn *t, const char *table, uint32_t id,
                          uint32_t no, int view, cJSON *desc, struct dynamo_error *err) {
  int64_t ms = emu_time_now_ms();
  char label[40], arn[DYNAMO_STREAMS_ARN_MAX];
  cJSON *rec, *old, *spec;
  const cJSON *ks = cJSON_GetObjectItemCaseSensitive(desc, "KeySchema");
  int tries, rc;
  size_t n;

  /* SPEC docs/spec/dynamodb-streams.md 2.3: the label is the creation time
   * (ISO 8601, milliseconds, no zone); a label already used by a stream of
   * a table of this name moves on by a millisecond. */
  for (tries = 0; tries < 1000; tries++, ms++) {
    emu_time_iso8601(ms, label, sizeof(label));
    n = strlen(label);
    if (n && label[n - 1] == 'Z')
      label[n - 1] = '\0';
    snprintf(arn, sizeof(arn), "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", db->region, db->account,
             table, label);
    if (!(old = dynamo_streams_load(t, arn)))
      break;
    cJSON_Delete(old);
  }
  rec = cJSON_CreateObject();
  cJSON_AddStringToObject(rec, "TableName", table);
  cJSON_AddNumberToObject(rec, "tableId", id);
  cJSON_AddNumberToObject(rec, "no", no);
  cJSON_AddStringToObject(rec, "StreamViewType", dynamo_streams_view_name(view));
  cJSON_AddStringToObject(rec, "StreamLabel", label);
  cJSON_AddStringToObject(rec, "StreamStatus", "ENABLED");
  cJSON_AddNumberToObject(rec, "created", (double)ms);
  cJSON_AddNumberToObject(
      rec, "shardMs",
      (double)(db->stream_shard_ms > 0 ? db->stream_shard_ms : DYNAMO_STREAMS_SHARD_MS));
  set_seq(rec, "start", next_seq(t, id));
  cJSON_AddItemToObject(rec, "KeySchema", cJSON_Duplicate(ks, 1));
  rc = catalogue_put(t, arn, rec);
  cJSON_Delete(rec);
  if (rc != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "StreamSpecification");
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "LatestStreamArn");
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "LatestStreamLabel");
  spec = cJSON_AddObjectToObject(desc, "StreamSpecification");
  cJSON_AddBoolToObject(spec, "StreamEnabled", 1);
  cJSON_AddStringToObject(spec, "StreamViewType", dynamo_streams_view_name(view));
  cJSON_AddStringToObject(desc, "LatestStreamLabel", label);
  cJSON_AddStringToObject(desc, "LatestStreamArn", arn);
  return 0;
}

int dynamo_streams_disable(struct dynamo *db, struct store_txn *t, const struct dynamo_table *tb,
                           cJSON *desc, struct dynamo_error *err) {
  const cJSON *arn = cJSON_GetObjectItemCaseSensitive(tb->desc, "LatestStreamArn");
  cJSON *rec = cJSON_IsString(arn) ? dynamo_streams_load(t, arn->valuestring) : NULL;
  uint64_t last;
  int rc = 0;

  if (rec) {
    cJSON_ReplaceItemInObjectCaseSensitive(rec, "StreamStatus", cJSON_CreateString("DISABLED"));
    cJSON_AddNumberToObject(rec, "disabled", (double)emu_time_now_ms());
    if ((last = dynamo_streams_last(t, tb->id, tb->stream_no)) != 0)
      set_seq(rec, "end", last);
    rc = catalogue_put(t, arn->valuestring, rec);
    cJSON_Delete(rec);
  }
  if (rc != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
  /* SPEC docs/spec/dynamodb-streams.md 2.3: after disabling, DescribeTable
   * has no StreamSpecification; LatestStreamArn and LatestStreamLabel stay. */
  cJSON_DeleteItemFromObjectCaseSensitive(desc, "StreamSpecification");
  return 0;
}

int dynamo_streams_drop(struct dynamo *db, struct store_txn *t, const struct dynamo_table *tb) {
  char prefix[DYNAMO_STREAMS_ARN_MAX + 8];
  struct emu_buf name;
  char *after = NULL;
  int rc = 0, src;

  if (tb->stream_no == 0)
    return 0;
  snprintf(prefix, sizeof(prefix), "S:arn:aws:dynamodb:%s:%s:table/%s/stream/", db->region,
           db->account, tb->name);
  emu_buf_init(&name, DYNAMO_STREAMS_ARN_MAX + 8);
  /* DEVIATION: the streams go with the table (AWS keeps them readable for
   * 24 hours after DeleteTable). */
  while (rc == 0 && (src = store_meta_next(t, prefix, after, &name)) == STORE_OK) {
    cJSON *rec = dynamo_streams_load(t, name.data + 2);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "tableId");
    int64_t table_id;
    free(after);
    after = strdup(name.data);
    if (!after)
      rc = -1;
    else if (emu_json_int(id, 0, UINT32_MAX, &table_id) && table_id == tb->id &&
             store_meta_del(t, name.data) != STORE_OK)
      rc = -1;
    cJSON_Delete(rec);
  }
  free(after);
  emu_buf_free(&name);
  return rc;
}

/* ---- records ---------------------------------------------------------------- */

static const char *region_of(const struct dynamo_table *tb, char *buf, size_t cap) {
  const cJSON *arn = cJSON_GetObjectItemCaseSensitive(tb->desc, "TableArn");
  const char *p, *q;

  buf[0] = '\0';
  /* arn:aws:dynamodb:REGION:ACCOUNT:table/NAME */
  if (cJSON_IsString(arn) && (p = strchr(arn->valuestring, ':')) && (p = strchr(p + 1, ':')) &&
      (p = strchr(p + 1, ':')) && (q = strchr(p + 1, ':')) && (size_t)(q - p - 1) < cap)
    snprintf(buf, cap, "%.*s", (int)(q - p - 1), p + 1);
  return buf;
}

/* Whether two items hold the same attributes with equal values (numbers by
 * value, sets in any order: dynamo_value_equal). */
static int items_equal(const cJSON *a, const cJSON *b) {
  const cJSON *x;

  if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
    return 0;
  cJSON_ArrayForEach(x, a) {
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
    if (!y || !dynamo_value_equal(x, y))
      return 0;
  }
  return 1;
}

static int append_record(struct store_txn *t, const struct dynamo_table *tb, const cJSON *old,
                         const cJSON *item, int ttl) {
  unsigned char key[DYNAMO_STREAMS_KEY_LEN];
  char seqs[24], eid[40], region[64];
  cJSON *rec, *d, *keys;
  uint64_t seq;
  size_t size;
  char *text;
  int rc, view = tb->stream_view;

  /* SPEC docs/spec/dynamodb-streams.md 3.1: no record when a write changed
   * nothing (a delete of a missing item, a put of an identical item). */
  if (!old && !item)
    return 0;
  if (old && item && items_equal(old, item))
    return 0;
  seq = next_seq(t, tb->id);
  snprintf(seqs, sizeof(seqs), "%" PRIu64, seq);
  snprintf(eid, sizeof(eid), "%016" PRIx64 "%016" PRIx64, emu_id_random64(), emu_id_random64());
  keys = dynamo_keys_extract(tb, item ? item : old);
  size = dynamo_item_size(keys);
  rec = cJSON_CreateObject();
  cJSON_AddStringToObject(rec, "eventID", eid);
  cJSON_AddStringToObject(rec, "eventName", !old ? "INSERT" : item ? "MODIFY" : "REMOVE");
  cJSON_AddStringToObject(rec, "eventVersion", "1.1");
  cJSON_AddStringToObject(rec, "eventSource", "aws:dynamodb");
  cJSON_AddStringToObject(rec, "awsRegion", region_of(tb, region, sizeof(region)));
  d = cJSON_AddObjectToObject(rec, "dynamodb");
  /* SPEC docs/spec/dynamodb-streams.md 3.2: epoch seconds, a number. */
  cJSON_AddNumberToObject(d, "ApproximateCreationDateTime", (double)(emu_time_now_ms() / 1000));
  cJSON_AddItemToObject(d, "Keys", keys);
  if (item && (view == DYNAMO_STREAM_NEW_IMAGE || view == DYNAMO_STREAM_NEW_AND_OLD_IMAGES)) {
    cJSON_AddItemToObject(d, "NewImage", cJSON_Duplicate(item, 1));
    size += dynamo_item_size(item);
  }
  if (old && (view == DYNAMO_STREAM_OLD_IMAGE || view == DYNAMO_STREAM_NEW_AND_OLD_IMAGES)) {
    cJSON_AddItemToObject(d, "OldImage", cJSON_Duplicate(old, 1));
    size += dynamo_item_size(old);
  }
  cJSON_AddStringToObject(d, "SequenceNumber", seqs);
  cJSON_AddNumberToObject(d, "SizeBytes", (double)size);
  cJSON_AddStringToObject(d, "StreamViewType", dynamo_streams_view_name(view));
  if (ttl) {
    /* SPEC docs/spec/dynamodb-streams.md 3.3: TTL deletions. */
    cJSON *u = cJSON_AddObjectToObject(rec, "userIdentity");
    cJSON_AddStringToObject(u, "type", "Service");
    cJSON_AddStringToObject(u, "principalId", "dynamodb.amazonaws.com");
  }
  text = cJSON_PrintUnformatted(rec);
  cJSON_Delete(rec);
  if (!text)
    return -1;
  dynamo_streams_key(tb->id, tb->stream_no, seq, key);
  rc = store_put(t, key, sizeof(key), text, strlen(text)) == STORE_OK ? 1 : -1;
  cJSON_free(text);
  return rc;
}

int dynamo_streams_append(struct store_txn *t, const struct dynamo_table *tb, const cJSON *old,
                          const cJSON *item, int ttl) {
  /* A table without an enabled stream: this one branch. */
  if (!tb->stream_view)
    return 0;
  return append_record(t, tb, old, item, ttl);
}

uint64_t dynamo_streams_seek(struct store_txn *t, uint32_t id, uint32_t no, uint64_t from,
                             uint64_t below, int last) {
  unsigned char prefix[DYNAMO_STREAMS_KEY_LEN], start[DYNAMO_STREAMS_KEY_LEN];
  struct store_cursor *c;
  const void *k, *v;
  size_t kl, vl;
  uint64_t seq = 0;
  int rc;

  dynamo_streams_key(id, no, 0, prefix);
  if (last)
    dynamo_streams_key(id, no, below ? below : UINT64_MAX, start);
  else
    dynamo_streams_key(id, no, from ? from - 1 : 0, start);
  rc = last
           ? store_cursor_open(t, prefix, 9, 1, below ? start : NULL, below ? sizeof(start) : 0, &c)
           : store_cursor_open(t, prefix, 9, 0, from ? start : NULL, from ? sizeof(start) : 0, &c);
  if (rc != STORE_OK)
    return 0;
  if (store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK && kl == DYNAMO_STREAMS_KEY_LEN)
    seq = get_u64((const unsigned char *)k + 9);
  store_cursor_close(c);
  if (seq && (seq < from || (below && seq >= below)))
    seq = 0;
  return seq;
}

int dynamo_streams_range(struct store_txn *t, uint32_t id, uint32_t no, uint64_t after,
                         uint64_t below, int max, size_t max_bytes, cJSON *into) {
  unsigned char prefix[DYNAMO_STREAMS_KEY_LEN], start[DYNAMO_STREAMS_KEY_LEN];
  struct store_cursor *c;
  const void *k, *v;
  size_t kl, vl, bytes = 0;
  int n = 0;

  dynamo_streams_key(id, no, 0, prefix);
  dynamo_streams_key(id, no, after, start);
  if (store_cursor_open(t, prefix, 9, 0, after ? start : NULL, after ? sizeof(start) : 0, &c) !=
      STORE_OK)
    return -1;
  while (n < max && bytes < max_bytes && store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK) {
    cJSON *r;
    if (below && kl == DYNAMO_STREAMS_KEY_LEN && get_u64((const unsigned char *)k + 9) >= below)
      break;
    r = cJSON_ParseWithLength(v, vl);
    bytes += vl;
    if (r) {
      cJSON_AddItemToArray(into, r);
      n++;
    }
  }
  store_cursor_close(c);
  return n;
}

int dynamo_streams_read(struct dynamo *db, const char *table, uint64_t after, int max,
                        struct dynamo_streams_batch *out, struct dynamo_error *err) {
  struct dynamo_table tb;
  struct store_txn *t;
  const cJSON *arn;
  cJSON *rec;
  char msg[400];

  memset(out, 0, sizeof(*out));
  if (db->remote)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "DynamoDB Streams are not available with --dynamodb-endpoint");
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  snprintf(msg, sizeof(msg), "Requested resource not found: Table: %s not found", table);
  if (dynamo_tables_load(db, t, table, &tb, msg, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  arn = cJSON_GetObjectItemCaseSensitive(tb.desc, "LatestStreamArn");
  if (!tb.stream_view || !cJSON_IsString(arn)) {
    store_txn_abort(t);
    dynamo_table_free(&tb);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Table %s has no enabled stream", table);
  }
  snprintf(out->stream_arn, sizeof(out->stream_arn), "%s", arn->valuestring);
  rec = dynamo_streams_load(t, arn->valuestring);
  out->trimmed = after != 0 && after < dynamo_streams_rec_seq(rec, "trimmed");
  cJSON_Delete(rec);
  out->latest = dynamo_streams_last(t, tb.id, tb.stream_no);
  out->records = cJSON_CreateArray();
  if (max < 1)
    max = 1;
  if (max > READ_MAX)
    max = READ_MAX;
  if (dynamo_streams_range(t, tb.id, tb.stream_no, after, 0, max, READ_BYTES_MAX, out->records) <
      0) {
    cJSON_Delete(out->records);
    out->records = NULL;
    store_txn_abort(t);
    dynamo_table_free(&tb);
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
  }
  store_txn_abort(t);
  dynamo_table_free(&tb);
  return 0;
}

/* ---- trimming ------------------------------------------------------------- */

/* Trims one stream (its catalogue record rec, named arn) in its own write
 * transaction. Returns the number of records deleted, or -1. */
static int trim_stream(struct dynamo *db, const char *arn, uint64_t cutoff, int64_t forget_before,
                       int max) {
  unsigned char prefix[DYNAMO_STREAMS_KEY_LEN], *keys = NULL;
  struct store_txn *t;
  struct store_cursor *c;
  const void *k, *v;
  size_t kl, vl;
  uint64_t top = 0;
  uint32_t id, no;
  int n = 0, i, rc = 0;
  cJSON *rec;
  const cJSON *dis;
  int64_t dis_ms;

  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return -1;
  if (!(rec = dynamo_streams_load(t, arn))) {
    store_txn_abort(t);
    return 0;
  }
  id = dynamo_streams_rec_u32(rec, "tableId");
  no = dynamo_streams_rec_u32(rec, "no");
  dynamo_streams_key(id, no, 0, prefix);
  if (!(keys = malloc((size_t)max * DYNAMO_STREAMS_KEY_LEN)) ||
      store_cursor_open(t, prefix, 9, 0, NULL, 0, &c) != STORE_OK) {
    rc = -1;
    goto out;
  }
  while (n < max && store_cursor_next(c, &k, &kl, &v, &vl) == STORE_OK) {
    uint64_t seq;
    if (kl != DYNAMO_STREAMS_KEY_LEN)
      continue;
    seq = get_u64((const unsigned char *)k + 9);
    if (seq >= cutoff)
      break;
    memcpy(keys + (size_t)n * DYNAMO_STREAMS_KEY_LEN, k, DYNAMO_STREAMS_KEY_LEN);
    top = seq;
    n++;
  }
  store_cursor_close(c);
  for (i = 0; i < n && rc == 0; i++)
    if (store_del(t, keys + (size_t)i * DYNAMO_STREAMS_KEY_LEN, DYNAMO_STREAMS_KEY_LEN) != STORE_OK)
      rc = -1;
  dis = cJSON_GetObjectItemCaseSensitive(rec, "disabled");
  if (rc == 0 && emu_json_int(dis, 0, INT64_MAX, &dis_ms) && dis_ms < forget_before &&
      dynamo_streams_last(t, id, no) == 0) {
    char name[DYNAMO_STREAMS_ARN_MAX + 8];
    /* SPEC docs/spec/dynamodb-streams.md 4: a disabled stream goes when its
     * retention has passed. */
    catalogue_name(name, sizeof(name), arn);
    rc = store_meta_del(t, name) == STORE_OK ? 0 : -1;
  } else if (rc == 0 && n > 0) {
    set_seq(rec, "trimmed", top);
    rc = catalogue_put(t, arn, rec);
  }
out:
  free(keys);
  cJSON_Delete(rec);
  if (rc != 0) {
    store_txn_abort(t);
    return -1;
  }
  return store_txn_commit(t) == STORE_OK ? n : -1;
}

int dynamo_streams_trim(struct dynamo *db, int max) {
  int64_t retention = db->stream_retention_ms > 0 ? db->stream_retention_ms
                                                  : DYNAMO_STREAMS_DEFAULT_RETENTION_MS;
  int64_t before = dynamo_streams_now_ms(db) - retention;
  uint64_t cutoff = before > 0 ? (uint64_t)before * SEQ_PER_MS : 0;
  struct store_txn *t;
  struct emu_buf name;
  char **arns = NULL;
  size_t n = 0, cap = 0, i;
  int total = 0, failed = 0, src;

  if (db->remote)
    return 0;
  if (max <= 0)
    max = 1000;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return -1;
  emu_buf_init(&name, DYNAMO_STREAMS_ARN_MAX + 8);
  while ((src = store_meta_next(t, "S:", n ? arns[n - 1] : NULL, &name)) == STORE_OK) {
    if (n == cap) {
      char **grown = realloc(arns, (cap = cap ? cap * 2 : 16) * sizeof(*arns));
      if (!grown)
        break;
      arns = grown;
    }
    if (!(arns[n] = strdup(name.data)))
      break;
    n++;
  }
  store_txn_abort(t);
  emu_buf_free(&name);
  for (i = 0; i < n; i++) {
    int d = trim_stream(db, arns[i] + 2, cutoff, before, max);
    if (d < 0)
      failed = 1;
    else
      total += d;
    free(arns[i]);
  }
  free(arns);
  return failed && total == 0 ? -1 : total;
}
