/*
 * dynamo_streams_api.c - the DynamoDB Streams API (dynamo_streams_ops.def):
 * ListStreams, DescribeStream, GetShardIterator and GetRecords over the
 * stream catalogue and records of dynamo_streams.c.
 *
 * Shards: one per stream, never split (DEVIATION: AWS opens a new shard
 * about every four hours, with ParentShardId naming the old one; a wsgw
 * stream's one shard has no parent). Its id is derived from the stream
 * ("shardId-<creation ms, 20 digits>-<8 hex>"), so nothing stores it. The
 * shard is open while the stream is ENABLED and closed once it is
 * DISABLED.
 *
 * Shard iterators: "<stream ARN>|<position>|<issued ms>", where position is
 * the sequence number after which the next GetRecords reads (0: the
 * oldest record kept). They are opaque to clients, hold no server state,
 * and expire 15 minutes after they were issued (the streams' clock,
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

#define LIST_MAX 100
#define RECORDS_MAX 1000
#define RECORDS_BYTES_MAX ((size_t)1 << 20)
#define ITERATOR_TTL_MS ((int64_t)15 * 60 * 1000)
#define ITERATOR_MAX 2048

/* An optional integer member Limit in lo..hi (*out unchanged when absent). */
static int req_limit(const cJSON *req, int lo, int hi, int *out, struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "Limit");
  char value[64], constraint[64];

  if (!v || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsNumber(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "STRING_VALUE cannot be converted to Integer");
  if (v->valuedouble >= lo && v->valuedouble <= hi) {
    *out = (int)v->valuedouble;
    return 0;
  }
  snprintf(value, sizeof(value), "%.0f", v->valuedouble);
  if (v->valuedouble < lo)
    snprintf(constraint, sizeof(constraint), "Member must have value greater than or equal to %d",
             lo);
  else
    snprintf(constraint, sizeof(constraint), "Member must have value less than or equal to %d", hi);
  return dynamo_error_violation(err, value, -1, constraint, "limit");
}

static int stream_missing(struct dynamo_error *err, const char *arn) {
  /* SPEC docs/spec/dynamodb-streams.md 5.3: a stream that does not exist.
   * DEVIATION: the message is [unverified]. */
  return dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND,
                          "Requested resource not found: Stream: %.600s not found", arn);
}

static void shard_id(const cJSON *rec, char *out, size_t cap) {
  const cJSON *created = cJSON_GetObjectItemCaseSensitive(rec, "created");
  uint32_t h = 2166136261u; /* FNV-1a of (table id, stream number) */
  uint32_t parts[2];
  int i;

  parts[0] = dynamo_streams_rec_u32(rec, "tableId");
  parts[1] = dynamo_streams_rec_u32(rec, "no");
  for (i = 0; i < 8; i++)
    h = (h ^ (uint8_t)(parts[i / 4] >> (8 * (i % 4)))) * 16777619u;
  snprintf(out, cap, "shardId-%020" PRId64 "-%08" PRIx32,
           cJSON_IsNumber(created) ? (int64_t)created->valuedouble : 0, h);
}

static int is_enabled(const cJSON *rec) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(rec, "StreamStatus");

  return cJSON_IsString(s) && strcmp(s->valuestring, "ENABLED") == 0;
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
      req_limit(req, 1, LIST_MAX, &limit, err) != 0)
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
  cJSON *rec = NULL, *d, *shards, *shard, *range;
  char sid[64], seq[24];
  uint64_t end;
  int limit = LIST_MAX;

  if (dynamo_req_string(req, "ExclusiveStartShardId", &start, err) != 0 ||
      req_limit(req, 1, LIST_MAX, &limit, err) != 0 || begin_read(db, &t, err) != 0)
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
  shard_id(rec, sid, sizeof(sid));
  /* One shard: after it, nothing (SPEC docs/spec/dynamodb-streams.md 5.3). */
  if (!start || strcmp(start, sid) != 0) {
    shard = cJSON_CreateObject();
    cJSON_AddStringToObject(shard, "ShardId", sid);
    range = cJSON_AddObjectToObject(shard, "SequenceNumberRange");
    snprintf(seq, sizeof(seq), "%" PRIu64, dynamo_streams_rec_seq(rec, "start"));
    cJSON_AddStringToObject(range, "StartingSequenceNumber", seq);
    if (!is_enabled(rec)) {
      /* SPEC docs/spec/dynamodb-streams.md 5.3: a closed shard's end. */
      end = dynamo_streams_rec_seq(rec, "end");
      snprintf(seq, sizeof(seq), "%" PRIu64, end ? end : dynamo_streams_rec_seq(rec, "start"));
      cJSON_AddStringToObject(range, "EndingSequenceNumber", seq);
    }
    cJSON_AddItemToArray(shards, shard);
  }
  cJSON_Delete(rec);
  store_txn_abort(t);
  return 0;
}

static void make_iterator(const char *arn, uint64_t after, int64_t now, char *out, size_t cap) {
  snprintf(out, cap, "%s|%" PRIu64 "|%" PRId64, arn, after, now);
}

int dynamo_streams_iterator(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  static const char *const types[] = {"TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER",
                                      "AFTER_SEQUENCE_NUMBER"};
  const char *arn, *shard, *type, *seqs;
  char sid[64], it[ITERATOR_MAX + 64];
  struct store_txn *t;
  cJSON *rec = NULL;
  uint64_t after = 0, seq = 0;
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
  shard_id(rec, sid, sizeof(sid));
  if (strcmp(shard, sid) != 0) {
    /* DEVIATION: the message is [unverified]. */
    dynamo_error_set(err, DYNAMO_ERR_RESOURCE_NOT_FOUND,
                     "Requested resource not found: Shard does not exist");
    goto out;
  }
  if (kind == 1)
    after = dynamo_streams_last(t, dynamo_streams_rec_u32(rec, "tableId"),
                                dynamo_streams_rec_u32(rec, "no"));
  else if (kind >= 2)
    after = kind == 2 ? seq - 1 : seq;
  /* SPEC docs/spec/dynamodb-streams.md 4: a sequence number older than the
   * trim point. DEVIATION: the message is [unverified]. */
  if (kind >= 2 && seq <= dynamo_streams_rec_seq(rec, "trimmed")) {
    dynamo_error_set(err, DYNAMO_ERR_TRIMMED_DATA_ACCESS,
                     "The sequence number %s is older than the trim point of the shard", seqs);
    goto out;
  }
  make_iterator(arn, after, dynamo_streams_now_ms(db), it, sizeof(it));
  *resp = cJSON_CreateObject();
  cJSON_AddStringToObject(*resp, "ShardIterator", it);
  rc = 0;
out:
  cJSON_Delete(rec);
  store_txn_abort(t);
  return rc;
}

/* Splits an iterator into its ARN (into arn), position and issue time.
 * Returns 0, or -1 when it is not one of ours. */
static int parse_iterator(const char *it, char *arn, size_t cap, uint64_t *after, int64_t *issued) {
  const char *p2 = strrchr(it, '|'), *p1;
  char num[32];
  size_t alen;

  if (!p2 || p2 == it)
    return -1;
  for (p1 = p2 - 1; p1 > it && *p1 != '|'; p1--)
    ;
  if (*p1 != '|' || p2 - p1 - 1 <= 0 || p2 - p1 - 1 >= (long)sizeof(num))
    return -1;
  alen = (size_t)(p1 - it);
  if (alen == 0 || alen >= cap || strlen(p2 + 1) == 0 || strlen(p2 + 1) >= sizeof(num))
    return -1;
  memcpy(arn, it, alen);
  arn[alen] = '\0';
  snprintf(num, sizeof(num), "%.*s", (int)(p2 - p1 - 1), p1 + 1);
  if (strcmp(num, "0") == 0)
    *after = 0;
  else if (!(*after = dynamo_streams_parse_seq(num)))
    return -1;
  *issued = (int64_t)dynamo_streams_parse_seq(p2 + 1);
  return *issued > 0 ? 0 : -1;
}

int dynamo_streams_get_records(struct dynamo *db, cJSON *req, cJSON **resp,
                               struct dynamo_error *err) {
  char arn[DYNAMO_STREAMS_ARN_MAX], it[ITERATOR_MAX + 64];
  const char *iterator;
  struct store_txn *t;
  cJSON *rec = NULL, *records;
  uint64_t after, last;
  int64_t issued, now = dynamo_streams_now_ms(db);
  int limit = RECORDS_MAX, n, rc = -1;
  uint32_t id, no;

  if (dynamo_req_string(req, "ShardIterator", &iterator, err) != 0 ||
      req_limit(req, 1, RECORDS_MAX, &limit, err) != 0)
    return -1;
  if (!iterator)
    return dynamo_error_null(err, "shardIterator");
  /* DEVIATION: the message for an iterator wsgw did not issue is
   * [unverified]. */
  if (strlen(iterator) > ITERATOR_MAX ||
      parse_iterator(iterator, arn, sizeof(arn), &after, &issued) != 0)
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
  /* SPEC docs/spec/dynamodb-streams.md 4: records after the iterator's
   * position were trimmed since it was issued. */
  if (after != 0 && after < dynamo_streams_rec_seq(rec, "trimmed")) {
    dynamo_error_set(err, DYNAMO_ERR_TRIMMED_DATA_ACCESS,
                     "The operation attempted to read past the oldest stream record in a shard");
    goto out;
  }
  id = dynamo_streams_rec_u32(rec, "tableId");
  no = dynamo_streams_rec_u32(rec, "no");
  *resp = cJSON_CreateObject();
  records = cJSON_AddArrayToObject(*resp, "Records");
  n = dynamo_streams_range(t, id, no, after, limit, RECORDS_BYTES_MAX, records);
  if (n < 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  if (n > 0)
    after = dynamo_streams_seq(cJSON_GetArrayItem(records, n - 1));
  last = dynamo_streams_last(t, id, no);
  /* SPEC docs/spec/dynamodb-streams.md 5.5: a closed shard read to its end
   * has no next iterator. */
  if (is_enabled(rec) || after < last) {
    make_iterator(arn, after, now, it, sizeof(it));
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
