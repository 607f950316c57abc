/*
 * dynamo_streams_api.c - the DynamoDB Streams API (dynamo_streams_ops.def):
 * ListStreams, DescribeStream, GetShardIterator and GetRecords over the
 * stream catalogue and records of dynamo_streams.c.
 *
 * Shards are computed, not stored: shard i of a stream covers the
 * sequence numbers of the records written in the time window
 * [created + i * period, created + (i + 1) * period) (period: the
 * catalogue's "shardMs", four hours as AWS's, fixed when the stream is
 * created), so a new shard starts every period, with ParentShardId naming
 * the one before; sequence numbers are times (dynamo_streams.c), so a
 * window is a key range. A shard's id is
 * "shardId-<window start ms, 20 digits>-<8 hex of table, stream and
 * index>". The last shard is open while the stream is ENABLED; every other
 * shard, and every shard of a DISABLED stream, is closed. Shards before
 * the oldest record kept (or, without records, before the retention) are
 * no longer listed.
 *
 * Shard iterators: "<stream ARN>|<shard index>|<position>|<issued ms>",
 * where position is the sequence number after which the next GetRecords
 * reads. They are opaque to clients, hold no server state, and expire 15
 * minutes after they were issued (the streams' clock,
 * dynamo_streams_now_ms, which tests can move).
 *
 * Threading: each call reads in its own read transaction; nothing here
 * writes.
 * SPEC: docs/spec/dynamodb-streams.md 5.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "emu_time.h"

#define LIST_MAX 100
#define RECORDS_MAX 1000
#define RECORDS_BYTES_MAX ((size_t)1 << 20)
#define ITERATOR_TTL_MS ((int64_t)15 * 60 * 1000)
#define ITERATOR_MAX 2048

/* An optional integer member Limit in lo..hi (*out unchanged when absent). */
static int stream_missing(struct dynamo_error *err, const char *arn) {
  /* SPEC docs/spec/dynamodb-streams.md 5.3: a stream that does not exist.
   * DEVIATION: the message is [unverified]. */
  return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND,
                          "Requested resource not found: Stream: %.600s not found", arn);
}

#define SEQ_PER_MS UINT64_C(1000000)

static int is_enabled(const cJSON *rec) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, "StreamStatus");

  return cJSON_IsString(s) && strcmp(s->valuestring, "ENABLED") == 0;
}

/* A stream's shards, from its catalogue record and records. */
struct shards {
  uint32_t id, no;
  int64_t created, period; /* ms */
  uint64_t start;          /* the stream's first sequence number */
  uint64_t trimmed;        /* the highest sequence number trimmed (0: none) */
  int64_t first, last;     /* the indexes listed */
  int enabled;
};

static int64_t index_of_ms(const struct shards *s, int64_t ms) {
  return ms <= s->created ? 0 : (ms - s->created) / s->period;
}

static int64_t index_of_seq(const struct shards *s, uint64_t seq) {
  return index_of_ms(s, (int64_t)(seq / SEQ_PER_MS));
}

/* The first sequence number of shard i's window, and the first after it. */
static uint64_t window_lo(const struct shards *s, int64_t i) {
  return i == 0 ? s->start : (uint64_t)(s->created + i * s->period) * SEQ_PER_MS;
}

static uint64_t window_hi(const struct shards *s, int64_t i) {
  return (uint64_t)(s->created + (i + 1) * s->period) * SEQ_PER_MS;
}

static int is_closed(const struct shards *s, int64_t i) {
  return i < s->last || !s->enabled;
}

static void shards_of(struct dynamo *db, struct store_txn *t, const cJSON *rec, struct shards *s) {
  const cJSON *created = cJSON_GetObjectItemCaseSensitive(rec, "created");
  const cJSON *period = cJSON_GetObjectItemCaseSensitive(rec, "shardMs");
  const cJSON *disabled = cJSON_GetObjectItemCaseSensitive(rec, "disabled");
  int64_t retention = db->stream_retention_ms > 0 ? db->stream_retention_ms
                                                  : DYNAMO_STREAMS_DEFAULT_RETENTION_MS;
  uint64_t oldest, newest;
  int64_t disabled_ms;

  memset(s, 0, sizeof(*s));
  s->id = dynamo_streams_rec_u32(rec, "tableId");
  s->no = dynamo_streams_rec_u32(rec, "no");
  if (!emu_json_int(created, 0, INT64_MAX, &s->created))
    s->created = 0;
  if (!emu_json_int(period, 1, INT64_MAX, &s->period))
    s->period = DYNAMO_STREAMS_SHARD_MS;
  s->start = dynamo_streams_rec_seq(rec, "start");
  s->trimmed = dynamo_streams_rec_seq(rec, "trimmed");
  s->enabled = is_enabled(rec);
  if (s->enabled || !emu_json_int(disabled, 0, INT64_MAX, &disabled_ms))
    disabled_ms = emu_time_now_ms();
  s->last = index_of_ms(s, disabled_ms);
  if ((newest = dynamo_streams_last(t, s->id, s->no)) != 0 && index_of_seq(s, newest) > s->last)
    s->last = index_of_seq(s, newest);
  oldest = dynamo_streams_seek(t, s->id, s->no, 0, 0, 0);
  s->first = oldest ? index_of_seq(s, oldest)
                    : index_of_ms(s, dynamo_streams_now_ms(db) - retention);
  if (s->first > s->last)
    s->first = s->last;
}

static void shard_id(const struct shards *s, int64_t i, char *out, size_t cap) {
  uint32_t h = 2166136261u; /* FNV-1a of (table id, stream number, index) */
  uint32_t parts[3];
  int k;

  parts[0] = s->id;
  parts[1] = s->no;
  parts[2] = (uint32_t)i;
  for (k = 0; k < 12; k++)
    h = (h ^ (uint8_t)(parts[k / 4] >> (8 * (k % 4)))) * 16777619u;
  snprintf(out, cap, "shardId-%020" PRId64 "-%08" PRIx32, s->created + i * s->period, h);
}

/* The index of a shard id of this stream (0..last), or -1. */
static int64_t shard_index(const struct shards *s, const char *id) {
  char want[64], digits[21];
  const char *p;
  int64_t ms, i;

  if (strncmp(id, "shardId-", 8) != 0 || strlen(id) != 8 + 20 + 1 + 8)
    return -1;
  memcpy(digits, id + 8, 20);
  digits[20] = '\0';
  p = digits + strspn(digits, "0");
  ms = *p ? (int64_t)dynamo_streams_parse_seq(p) : 0;
  if (ms < s->created || (ms - s->created) % s->period != 0)
    return -1;
  i = (ms - s->created) / s->period;
  if (i > s->last)
    return -1;
  shard_id(s, i, want, sizeof(want));
  return strcmp(want, id) == 0 ? i : -1;
}

static void add_shard(const struct shards *s, struct store_txn *t, int64_t i, cJSON *into) {
  cJSON *shard = cJSON_CreateObject(), *range;
  char sid[64], seq[24];
  uint64_t end;

  shard_id(s, i, sid, sizeof(sid));
  cJSON_AddStringToObject(shard, "ShardId", sid);
  if (i > 0) {
    /* SPEC docs/spec/dynamodb-streams.md 5.3: a new shard names its parent. */
    shard_id(s, i - 1, sid, sizeof(sid));
    cJSON_AddStringToObject(shard, "ParentShardId", sid);
  }
  range = cJSON_AddObjectToObject(shard, "SequenceNumberRange");
  snprintf(seq, sizeof(seq), "%" PRIu64, window_lo(s, i));
  cJSON_AddStringToObject(range, "StartingSequenceNumber", seq);
  if (is_closed(s, i)) {
    /* SPEC docs/spec/dynamodb-streams.md 5.3: a closed shard's end: its last
     * record (its start when it has none). */
    end = dynamo_streams_seek(t, s->id, s->no, window_lo(s, i), window_hi(s, i), 1);
    snprintf(seq, sizeof(seq), "%" PRIu64, end ? end : window_lo(s, i));
    cJSON_AddStringToObject(range, "EndingSequenceNumber", seq);
  }
  cJSON_AddItemToArray(into, shard);
}

static int begin_read(struct dynamo *db, struct store_txn **t, struct dynamo_error *err) {
  if (store_txn_begin(db->store, 0, t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  return 0;
}

/* The required StreamArn member, and its catalogue record. */
static int load_stream(struct store_txn *t, const cJSON *req, const char **arn, cJSON **rec,
                       struct dynamo_error *err) {
  if (dynamo_req_string(req, "StreamArn", arn, err) != 0)
    return -1;
  if (!*arn)
    return dynamo_error_null(err, "streamArn");
  /* SPEC docs/spec/dynamodb-streams.md 5.3: ARNs are 37..1024 characters. */
  if (strlen(*arn) < 37 || strlen(*arn) > 1024)
    return dynamo_error_violation(err, *arn, 64,
                                  strlen(*arn) < 37
                                      ? "Member must have length greater than or equal to 37"
                                      : "Member must have length less than or equal to 1024",
                                  "streamArn");
  if (!(*rec = dynamo_streams_load(t, *arn)))
    return stream_missing(err, *arn);
  return 0;
}

int dynamo_streams_list(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *table, *start;
  struct store_txn *t;
  struct emu_buf name;
  char after[DYNAMO_STREAMS_ARN_MAX + 8];
  cJSON *streams;
  int limit = LIST_MAX, n = 0, src;

  if (dynamo_req_string(req, "TableName", &table, err) != 0 ||
      dynamo_req_string(req, "ExclusiveStartStreamArn", &start, err) != 0 ||
      dynamo_req_int(req, "Limit", "limit", 1, LIST_MAX, &limit, NULL, NULL, err) != 0)
    return -1;
  if (begin_read(db, &t, err) != 0)
    return -1;
  emu_buf_init(&name, DYNAMO_STREAMS_ARN_MAX + 8);
  *resp = cJSON_CreateObject();
  streams = cJSON_AddArrayToObject(*resp, "Streams");
  if (start)
    snprintf(after, sizeof(after), "S:%.*s", DYNAMO_STREAMS_ARN_MAX, start);
  /* SPEC docs/spec/dynamodb-streams.md 5.2: every stream, disabled ones
   * included, optionally of one table; paged by ARN. */
  while ((src = store_meta_next(t, "S:", start ? after : NULL, &name)) == STORE_OK) {
    cJSON *rec = dynamo_streams_load(t, name.data + 2);
    const cJSON *tn = cJSON_GetObjectItemCaseSensitive(rec, "TableName");
    snprintf(after, sizeof(after), "%s", name.data);
    start = after;
    if (rec && cJSON_IsString(tn) && (!table || strcmp(table, tn->valuestring) == 0)) {
      cJSON *s;
      if (n == limit) {
        cJSON_Delete(rec);
        cJSON_AddStringToObject(*resp, "LastEvaluatedStreamArn",
                                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetArrayItem(streams, n - 1), "StreamArn")));
        break;
      }
      s = cJSON_CreateObject();
      cJSON_AddStringToObject(s, "StreamArn", name.data + 2);
      cJSON_AddStringToObject(s, "TableName", tn->valuestring);
      cJSON_AddItemToObject(
          s, "StreamLabel",
          cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "StreamLabel"), 1));
      cJSON_AddItemToArray(streams, s);
      n++;
    }
    cJSON_Delete(rec);
  }
  store_txn_abort(t);
  emu_buf_free(&name);
  return 0;
}

int dynamo_streams_describe(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *arn, *start;
  struct store_txn *t;
  cJSON *rec = NULL, *d, *shards;
  struct shards sh;
  int64_t i, k;
  int limit = LIST_MAX, n;

  if (dynamo_req_string(req, "ExclusiveStartShardId", &start, err) != 0 ||
      dynamo_req_int(req, "Limit", "limit", 1, LIST_MAX, &limit, NULL, NULL, err) != 0 ||
      begin_read(db, &t, err) != 0)
    return -1;
  if (load_stream(t, req, &arn, &rec, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  *resp = cJSON_CreateObject();
  d = cJSON_AddObjectToObject(*resp, "StreamDescription");
  cJSON_AddStringToObject(d, "StreamArn", arn);
  cJSON_AddItemToObject(d, "StreamLabel",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "StreamLabel"), 1));
  cJSON_AddStringToObject(d, "StreamStatus", is_enabled(rec) ? "ENABLED" : "DISABLED");
  cJSON_AddItemToObject(
      d, "StreamViewType",
      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "StreamViewType"), 1));
  cJSON_AddNumberToObject(d, "CreationRequestDateTime",
                          cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(rec, "created")) /
                              1000.0);
  cJSON_AddItemToObject(d, "TableName",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "TableName"), 1));
  cJSON_AddItemToObject(d, "KeySchema",
                        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec, "KeySchema"), 1));
  shards = cJSON_AddArrayToObject(d, "Shards");
  shards_of(db, t, rec, &sh);
  i = sh.first;
  if (start && (k = shard_index(&sh, start)) >= 0)
    i = k + 1 > sh.first ? k + 1 : sh.first;
  for (n = 0; i <= sh.last; i++, n++) {
    if (n == limit) {
      /* SPEC docs/spec/dynamodb-streams.md 5.3: more shards remain. */
      char sid[64];
      shard_id(&sh, i - 1, sid, sizeof(sid));
      cJSON_AddStringToObject(d, "LastEvaluatedShardId", sid);
      break;
    }
    add_shard(&sh, t, i, shards);
  }
  cJSON_Delete(rec);
  store_txn_abort(t);
  return 0;
}

static void make_iterator(const char *arn, int64_t shard, uint64_t after, int64_t now, char *out,
                          size_t cap) {
  snprintf(out, cap, "%s|%" PRId64 "|%" PRIu64 "|%" PRId64, arn, shard, after, now);
}

int dynamo_streams_iterator(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  static const char *const types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                                      "AFTER_SEQUENCE_NUMBER"};
  const char *arn, *shard, *type, *seqs;
  char it[ITERATOR_MAX + 64];
  struct store_txn *t;
  struct shards sh;
  cJSON *rec = NULL;
  uint64_t after = 0, seq = 0, lo, hi, last;
  int64_t i;
  int kind, rc = -1;

  if (dynamo_req_string(req, "ShardId", &shard, err) != 0 ||
      dynamo_req_string(req, "ShardIteratorType", &type, err) != 0 ||
      dynamo_req_string(req, "SequenceNumber", &seqs, err) != 0)
    return -1;
  if (!shard)
    return dynamo_error_null(err, "shardId");
  if (!type)
    return dynamo_error_null(err, "shardIteratorType");
  for (kind = 0; kind < 4 && strcmp(type, types[kind]) != 0; kind++)
    ;
  /* SPEC docs/spec/dynamodb-streams.md 5.4: the four iterator types. */
  if (kind == 4)
    return dynamo_error_violation(err, type, 64,
                                  "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, "
                                  "LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
                                  "shardIteratorType");
  if (kind >= 2) {
    /* DEVIATION: the message is [unverified]. */
    if (!seqs || !(seq = dynamo_streams_parse_seq(seqs)))
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "Invalid SequenceNumber: a decimal sequence number is required "
                              "with %s",
                              type);
  }
  if (begin_read(db, &t, err) != 0)
    return -1;
  if (load_stream(t, req, &arn, &rec, err) != 0)
    goto out;
  shards_of(db, t, rec, &sh);
  if ((i = shard_index(&sh, shard)) < 0) {
    /* DEVIATION: the message is [unverified]. */
    dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND,
                     "Requested resource not found: Shard does not exist");
    goto out;
  }
  lo = window_lo(&sh, i);
  hi = window_hi(&sh, i);
  if (kind >= 2 && (seq < lo || seq >= hi)) {
    /* DEVIATION: the message is [unverified]. */
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                     "Invalid SequenceNumber: %s is not in the range of shard %s", seqs, shard);
    goto out;
  }
  /* SPEC docs/spec/dynamodb-streams.md 4: a sequence number older than the
   * trim point. DEVIATION: the message is [unverified]. */
  if ((kind == 2 && seq <= sh.trimmed) || (kind == 3 && seq < sh.trimmed)) {
    dynamo_error_set(err, DYNAMO_ERR_TRIMMED_DATA_ACCESS,
                     "The sequence number %s is older than the trim point of the shard", seqs);
    goto out;
  }
  if (kind == 0) {
    after = lo - 1; /* TRIM_HORIZON: the oldest record kept */
  } else if (kind == 1) {
    last = dynamo_streams_seek(t, sh.id, sh.no, lo, hi, 1);
    after = last ? last : lo - 1; /* LATEST: after the newest record */
  } else {
    after = kind == 2 ? seq - 1 : seq;
  }
  if (kind <= 1 && after < sh.trimmed)
    after = sh.trimmed;
  make_iterator(arn, i, after, dynamo_streams_now_ms(db), it, sizeof(it));
  *resp = cJSON_CreateObject();
  cJSON_AddStringToObject(*resp, "ShardIterator", it);
  rc = 0;
out:
  cJSON_Delete(rec);
  store_txn_abort(t);
  return rc;
}

/* One '|'-separated decimal field before *end (moved to its separator).
 * Returns 0, or -1 when there is no such field. */
static int field_before(const char *it, const char **end, uint64_t *out) {
  const char *p = *end;
  char num[24];
  size_t len;

  while (p > it && p[-1] != '|')
    p--;
  len = (size_t)(*end - p);
  if (p == it || len == 0 || len >= sizeof(num) || strspn(p, "0123456789") < len)
    return -1;
  memcpy(num, p, len);
  num[len] = '\0';
  *out = strspn(num, "0") == len ? 0 : dynamo_streams_parse_seq(num + strspn(num, "0"));
  if (*out == 0 && strspn(num, "0") != len)
    return -1;
  *end = p - 1;
  return 0;
}

/* Splits an iterator into its ARN (into arn), shard index, position and
 * issue time. Returns 0, or -1 when it is not one of ours. */
static int parse_iterator(const char *it, char *arn, size_t cap, int64_t *shard, uint64_t *after,
                          int64_t *issued) {
  const char *end = it + strlen(it);
  uint64_t v;
  size_t alen;

  if (field_before(it, &end, &v) != 0 || v == 0)
    return -1;
  *issued = (int64_t)v;
  if (field_before(it, &end, after) != 0 || field_before(it, &end, &v) != 0 || v > INT32_MAX)
    return -1;
  *shard = (int64_t)v;
  alen = (size_t)(end - it);
  if (alen == 0 || alen >= cap)
    return -1;
  memcpy(arn, it, alen);
  arn[alen] = '\0';
  return 0;
}

int dynamo_streams_get_records(struct dynamo *db, cJSON *req, cJSON **resp,
                               struct dynamo_error *err) {
  char arn[DYNAMO_STREAMS_ARN_MAX], it[ITERATOR_MAX + 64];
  const char *iterator;
  struct store_txn *t;
  struct shards sh;
  cJSON *rec = NULL, *records;
  uint64_t after, hi;
  int64_t issued, shard, now = dynamo_streams_now_ms(db);
  int limit = RECORDS_MAX, n, rc = -1;

  if (dynamo_req_string(req, "ShardIterator", &iterator, err) != 0 ||
      dynamo_req_int(req, "Limit", "limit", 1, RECORDS_MAX, &limit, NULL, NULL, err) != 0)
    return -1;
  if (!iterator)
    return dynamo_error_null(err, "shardIterator");
  /* DEVIATION: the message for an iterator wsgw did not issue is
   * [unverified]. */
  if (strlen(iterator) > ITERATOR_MAX ||
      parse_iterator(iterator, arn, sizeof(arn), &shard, &after, &issued) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Invalid ShardIterator");
  /* SPEC docs/spec/dynamodb-streams.md 5.4: iterators expire after 15
   * minutes. DEVIATION: the message is [unverified]. */
  if (now - issued > ITERATOR_TTL_MS)
    return dynamo_error_set(err, DYNAMO_ERR_EXPIRED_ITERATOR,
                            "Iterator expired. The iterator was created at time %" PRId64
                            " while right now it is %" PRId64
                            " which is further in the future than the tolerated delay of "
                            "900000 milliseconds.",
                            issued, now);
  if (begin_read(db, &t, err) != 0)
    return -1;
  if (!(rec = dynamo_streams_load(t, arn))) {
    stream_missing(err, arn);
    goto out;
  }
  shards_of(db, t, rec, &sh);
  if (shard > sh.last) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Invalid ShardIterator");
    goto out;
  }
  /* SPEC docs/spec/dynamodb-streams.md 4: records after the iterator's
   * position were trimmed since it was issued. */
  if (after < sh.trimmed) {
    dynamo_error_set(err, DYNAMO_ERR_TRIMMED_DATA_ACCESS,
                     "The operation attempted to read past the oldest stream record in a shard");
    goto out;
  }
  hi = window_hi(&sh, shard);
  *resp = cJSON_CreateObject();
  records = cJSON_AddArrayToObject(*resp, "Records");
  n = dynamo_streams_range(t, sh.id, sh.no, after, hi, limit, RECORDS_BYTES_MAX, records);
  if (n < 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  if (n > 0)
    after = dynamo_streams_seq(cJSON_GetArrayItem(records, n - 1));
  /* SPEC docs/spec/dynamodb-streams.md 5.5: a closed shard read to its end
   * has no next iterator. */
  if (!is_closed(&sh, shard) || dynamo_streams_seek(t, sh.id, sh.no, after + 1, hi, 0) != 0) {
    make_iterator(arn, shard, after, now, it, sizeof(it));
    cJSON_AddStringToObject(*resp, "NextShardIterator", it);
  }
  rc = 0;
out:
  if (rc != 0 && *resp) {
    cJSON_Delete(*resp);
    *resp = NULL;
  }
  cJSON_Delete(rec);
  store_txn_abort(t);
  return rc;
}
