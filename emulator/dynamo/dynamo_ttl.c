/*
 * dynamo_ttl.c - UpdateTimeToLive, DescribeTimeToLive, and the sweeper that
 * deletes expired items.
 *
 * Record (store meta), present only while TTL is enabled:
 *   "ttl:<table id>"  {"TableName": <name>, "AttributeName": <attribute>}
 * Keyed by table id (ids are never reused), so a re-created table starts
 * with TTL disabled; DeleteTable removes it. It is a record of its own, not
 * a member of the catalogue record "t:<name>", because UpdateTable rewrites
 * that record, and DescribeTable must not show TTL (SPEC docs/spec/dynamodb.md 2.7
 * lists no TTL member).
 *
 * SPEC (AWS API reference, UpdateTimeToLive): "If the epoch time value
 * stored in the attribute is less than the current time, the item is marked
 * as expired and subsequently deleted." ... "Items that have expired and not
 * been deleted will still show up in reads, queries, and scans." Items
 * whose attribute is missing, not a Number (a String "1700000000" included)
 * or more than five years in the past are never deleted (alternator
 * test_ttl.py test_ttl_expiration: p3, p7; DynamoDB Developer Guide, TTL).
 * Numbers are compared exactly (dynamo_number.h), so 1.7e9 and 1700000000.5
 * work as DynamoDB reads them.
 *
 * DEVIATION: TTL is ENABLED/DISABLED at once (DynamoDB passes through
 * ENABLING/DISABLING for up to an hour and refuses a second change within
 * that hour: "Time to live has been modified multiple times within a fixed
 * interval"); expired items are deleted within one sweeper period
 * (--ttl-interval, default DYNAMO_TTL_DEFAULT_INTERVAL_S seconds) rather than
 * within days.
 *
 * Threading: operations and sweeps each use their own transactions; the
 * sweeper reads candidates in a read transaction (writers are not blocked),
 * then re-checks and deletes them in one write transaction per table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dynamo_int.h"
#include "dynamo_number.h"
#include "dynamo_ttl.h"
#include "dynamo_value.h"
#include "emu_log.h"
#include "emu_time.h"
#include "emu_utf8.h"

/* SPEC AWS API reference, TimeToLiveSpecification.AttributeName: length
 * 1..255. */
#define TTL_ATTR_MAX 255
/* "more than five years in the past": 5 * 365 days plus the leap day(s). */
#define TTL_MAX_AGE_S ((int64_t)1826 * 24 * 3600)
#define ITEM_BUF_LIMIT ((size_t)1 << 24)

static void ttl_record_name(char *buf, size_t cap, uint32_t id) {
  snprintf(buf, cap, "ttl:%u", id);
}

/* The enabled attribute of table `id` into attr (attr[0] = 0: disabled). */
static int read_setting(struct store_txn *t, uint32_t id, char *attr, size_t cap) {
  char key[32];
  struct emu_buf val;
  cJSON *rec;
  const cJSON *a;
  int rc;

  attr[0] = 0;
  ttl_record_name(key, sizeof(key), id);
  emu_buf_init(&val, 4096);
  rc = store_meta_get(t, key, &val);
  if (rc == STORE_NOT_FOUND) {
    emu_buf_free(&val);
    return 0;
  }
  if (rc != STORE_OK) {
    emu_buf_free(&val);
    return -1;
  }
  rec = cJSON_ParseWithLength(val.data, val.len);
  emu_buf_free(&val);
  a = cJSON_GetObjectItemCaseSensitive(rec, "AttributeName");
  if (cJSON_IsString(a))
    snprintf(attr, cap, "%s", a->valuestring);
  cJSON_Delete(rec);
  return 0;
}

static void missing_table(const char *name, char *buf, size_t cap) {
  /* SPEC docs/spec/dynamodb.md 2.4, as DescribeTable; dynalite describeTimeToLive.js
   * test: "Requested resource not found: Table: <name> not found". */
  snprintf(buf, cap, "Requested resource not found: Table: %s not found", name);
}

/* Validates TimeToLiveSpecification; collects the "N validation errors"
 * message as AWS does (SPEC docs/spec/dynamodb.md 2.4 message style; the '' case is
 * verbatim in hashicorp/terraform-provider-aws#39195). */
static int check_spec(const cJSON *req, const char **attr, int *enabled, struct dynamo_error *err) {
  struct dynamo_violations bad;
  cJSON *spec;
  const cJSON *en;

  if (dynamo_req_object(req, "TimeToLiveSpecification", &spec, err) != 0)
    return -1;
  if (!spec)
    return dynamo_error_null(err, "timeToLiveSpecification");
  if (dynamo_req_string(spec, "AttributeName", attr, err) != 0 ||
      dynamo_req_bool(spec, "Enabled", enabled, err) != 0)
    return -1;
  en = cJSON_GetObjectItemCaseSensitive(spec, "Enabled");
  dynamo_violations_init(&bad);
  if (!*attr)
    dynamo_violations_add(&bad, NULL, -1, DYNAMO_NOT_NULL, "timeToLiveSpecification.attributeName");
  else if (!(*attr)[0] || emu_utf8_count(*attr) > TTL_ATTR_MAX)
    dynamo_violations_add(&bad, *attr, 255,
                          (*attr)[0] ? "Member must have length less than or equal to 255"
                                     : "Member must have length greater than or equal to 1",
                          "timeToLiveSpecification.attributeName");
  if (!en || cJSON_IsNull(en))
    dynamo_violations_add(&bad, NULL, -1, DYNAMO_NOT_NULL, "timeToLiveSpecification.enabled");
  return dynamo_violations_finish(&bad, err);
}

int dynamo_ttl_update(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  const char *name, *attr = NULL;
  char msg[400], key[32], current[TTL_ATTR_MAX * 4 + 1];
  struct dynamo_table tb;
  struct store_txn *t;
  cJSON *spec;
  int enabled = 0, rc;

  if (dynamo_req_table_name(req, &name, err) != 0 || check_spec(req, &attr, &enabled, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  missing_table(name, msg, sizeof(msg));
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  if (read_setting(t, tb.id, current, sizeof(current)) != 0) {
    rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
    goto out;
  }
  /* SPEC observed DynamoDB messages (celery dynamodb backend tests, cdkd
   * #932, alternator test_ttl.py test_ttl_enable/test_ttl_disable_errors):
   * another attribute while enabled, either way -> "TimeToLive is active on
   * a different AttributeName: current AttributeName is <a>"; enabling the
   * same attribute again -> "TimeToLive is already enabled"; disabling when
   * disabled -> "TimeToLive is already disabled". */
  if (current[0] && strcmp(current, attr) != 0) {
    rc = dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          "TimeToLive is active on a different AttributeName: current "
                          "AttributeName is %s",
                          current);
    goto out;
  }
  if (current[0] && enabled) {
    rc = dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "TimeToLive is already enabled");
    goto out;
  }
  if (!current[0] && !enabled) {
    rc = dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "TimeToLive is already disabled");
    goto out;
  }
  ttl_record_name(key, sizeof(key), tb.id);
  if (enabled) {
    cJSON *rec = cJSON_CreateObject();
    char *text;
    cJSON_AddStringToObject(rec, "TableName", name);
    cJSON_AddStringToObject(rec, "AttributeName", attr);
    text = cJSON_PrintUnformatted(rec);
    cJSON_Delete(rec);
    rc = text ? store_meta_put(t, key, text, strlen(text)) : STORE_ERROR;
    cJSON_free(text);
  } else {
    rc = store_meta_del(t, key);
  }
  if (rc != STORE_OK) {
    rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store write failed");
    goto out;
  }
  rc = store_txn_commit(t);
  t = NULL;
  if (rc != STORE_OK) {
    rc = dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
    goto out;
  }
  /* SPEC AWS API reference: the response is the TimeToLiveSpecification. */
  *resp = cJSON_CreateObject();
  spec = cJSON_AddObjectToObject(*resp, "TimeToLiveSpecification");
  cJSON_AddBoolToObject(spec, "Enabled", enabled);
  cJSON_AddStringToObject(spec, "AttributeName", attr);
  rc = 0;
out:
  store_txn_abort(t);
  dynamo_table_free(&tb);
  return rc;
}

int dynamo_ttl_describe(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  char msg[400], attr[TTL_ATTR_MAX * 4 + 1];
  struct dynamo_table tb;
  struct store_txn *t;
  const char *name;
  cJSON *d;
  int rc;

  if (dynamo_req_table_name(req, &name, err) != 0)
    return -1;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  missing_table(name, msg, sizeof(msg));
  if (dynamo_tables_load(db, t, name, &tb, msg, err) != 0) {
    store_txn_abort(t);
    return -1;
  }
  rc = read_setting(t, tb.id, attr, sizeof(attr));
  store_txn_abort(t);
  dynamo_table_free(&tb);
  if (rc != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store read failed");
  /* SPEC alternator test_describe_ttl_without_ttl and dynalite
   * describeTimeToLive.js: disabled is {"TimeToLiveStatus": "DISABLED"}
   * with no AttributeName. */
  *resp = cJSON_CreateObject();
  d = cJSON_AddObjectToObject(*resp, "TimeToLiveDescription");
  cJSON_AddStringToObject(d, "TimeToLiveStatus", attr[0] ? "ENABLED" : "DISABLED");
  if (attr[0])
    cJSON_AddStringToObject(d, "AttributeName", attr);
  return 0;
}

/* ---- the sweep ------------------------------------------------------------ */

struct ttl_target {
  uint32_t id;
  char name[256];
  char attr[TTL_ATTR_MAX * 4 + 1];
};

/* The tables with TTL enabled (a read transaction). */
static int list_targets(struct dynamo *db, struct ttl_target **out, size_t *n) {
  struct ttl_target *v = NULL;
  struct store_txn *t;
  struct emu_buf name, val;
  size_t cap = 0;
  int rc;

  *out = NULL;
  *n = 0;
  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return -1;
  emu_buf_init(&name, 512);
  emu_buf_init(&val, 4096);
  while ((rc = store_meta_next(t, "ttl:", name.len ? name.data : NULL, &name)) == STORE_OK) {
    const cJSON *tn, *an;
    cJSON *rec;
    char *end;
    unsigned long id;

    errno = 0;
    id = strtoul(name.data + 4, &end, 10);
    if (errno || *end || id > UINT32_MAX || store_meta_get(t, name.data, &val) != STORE_OK)
      continue;
    rec = cJSON_ParseWithLength(val.data, val.len);
    tn = cJSON_GetObjectItemCaseSensitive(rec, "TableName");
    an = cJSON_GetObjectItemCaseSensitive(rec, "AttributeName");
    if (cJSON_IsString(tn) && cJSON_IsString(an)) {
      if (*n == cap) {
        size_t ncap = cap ? cap * 2 : 8;
        struct ttl_target *nv = realloc(v, ncap * sizeof(*v));
        if (!nv) {
          cJSON_Delete(rec);
          rc = STORE_ERROR;
          break;
        }
        v = nv;
        cap = ncap;
      }
      v[*n].id = (uint32_t)id;
      snprintf(v[*n].name, sizeof(v[*n].name), "%s", tn->valuestring);
      snprintf(v[*n].attr, sizeof(v[*n].attr), "%s", an->valuestring);
      (*n)++;
    }
    cJSON_Delete(rec);
  }
  store_txn_abort(t);
  emu_buf_free(&name);
  emu_buf_free(&val);
  if (rc != STORE_NOT_FOUND) {
    free(v);
    *n = 0;
    return -1;
  }
  *out = v;
  return 0;
}

/* Whether an item is due: its attribute is a Number below now and not more
 * than five years below it. */
static int is_expired(const cJSON *item, const char *attr, const struct dynamo_number *now,
                      const struct dynamo_number *oldest) {
  const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, attr);
  const cJSON *inner;
  struct dynamo_number v;

  if (!av || dynamo_value_type(av, &inner) != DYNAMO_T_N || !cJSON_IsString(inner))
    return 0;
  if (dynamo_number_parse(inner->valuestring, strlen(inner->valuestring), &v) != DYNAMO_NUMBER_OK)
    return 0;
  return dynamo_number_compare(&v, now) < 0 && dynamo_number_compare(&v, oldest) >= 0;
}

/* A cheap pre-filter on the stored JSON text: an item without the
 * attribute's name anywhere in it cannot have the attribute. Names that
 * JSON escapes are not pre-filtered. */
static int may_have(const char *text, size_t len, const char *attr, size_t alen, int plain) {
  size_t i;

  if (!plain)
    return 1;
  for (i = 0; i + alen <= len; i++)
    if (text[i] == attr[0] && memcmp(text + i, attr, alen) == 0)
      return 1;
  return 0;
}

static int plain_name(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\' || (unsigned char)*s >= 0x7F)
      return 0;
  return 1;
}

static int epoch_number(int64_t s, struct dynamo_number *out) {
  char text[32];
  int len = snprintf(text, sizeof(text), "%lld", (long long)s);

  return dynamo_number_parse(text, (size_t)len, out) == DYNAMO_NUMBER_OK ? 0 : -1;
}

struct key_list {
  struct emu_buf *keys;
  size_t n, cap;
};

static int key_list_add(struct key_list *l, const void *key, size_t klen) {
  if (l->n == l->cap) {
    size_t ncap = l->cap ? l->cap * 2 : 16;
    struct emu_buf *nk = realloc(l->keys, ncap * sizeof(*nk));
    if (!nk)
      return -1;
    l->keys = nk;
    l->cap = ncap;
  }
  emu_buf_init(&l->keys[l->n], 1 << 16);
  if (emu_buf_append(&l->keys[l->n], key, klen) != 0) {
    emu_buf_free(&l->keys[l->n]);
    return -1;
  }
  l->n++;
  return 0;
}

static void key_list_free(struct key_list *l) {
  size_t i;

  for (i = 0; i < l->n; i++)
    emu_buf_free(&l->keys[i]);
  free(l->keys);
  memset(l, 0, sizeof(*l));
}

/* Finds up to max expired items of one table (a read transaction). */
static int find_expired(struct dynamo *db, const struct ttl_target *tg,
                        const struct dynamo_number *now, const struct dynamo_number *oldest,
                        int max, struct key_list *out) {
  struct dynamo_table tb;
  struct dynamo_error err;
  struct store_txn *t;
  struct store_cursor *c = NULL;
  struct emu_buf prefix;
  size_t alen = strlen(tg->attr);
  int plain = plain_name(tg->attr), rc = 0;
  const void *k, *v;
  size_t klen, vlen;

  if (store_txn_begin(db->store, 0, &t) != STORE_OK)
    return -1;
  dynamo_error_init(&err);
  if (dynamo_tables_load(db, t, tg->name, &tb, "gone", &err) != 0) {
    /* Deleted since the list was read: nothing to do. */
    store_txn_abort(t);
    dynamo_error_clear(&err);
    return 0;
  }
  emu_buf_init(&prefix, 64);
  if (tb.id != tg->id || dynamo_keys_table_prefix(&tb, &prefix) != 0)
    goto out;
  if (store_cursor_open(t, prefix.data, prefix.len, 0, NULL, 0, &c) != STORE_OK) {
    rc = -1;
    goto out;
  }
  while ((int)out->n < max && store_cursor_next(c, &k, &klen, &v, &vlen) == STORE_OK) {
    cJSON *item;
    if (!may_have(v, vlen, tg->attr, alen, plain))
      continue;
    item = cJSON_ParseWithLength(v, vlen);
    if (item && is_expired(item, tg->attr, now, oldest) && key_list_add(out, k, klen) != 0)
      rc = -1;
    cJSON_Delete(item);
    if (rc)
      break;
  }
  store_cursor_close(c);
out:
  store_txn_abort(t);
  emu_buf_free(&prefix);
  dynamo_table_free(&tb);
  return rc;
}

/* Deletes the candidates that are still expired (one write transaction),
 * with the table accounting. Returns the number deleted, or -1. */
static int delete_expired(struct dynamo *db, const struct ttl_target *tg,
                          const struct dynamo_number *now, const struct dynamo_number *oldest,
                          const struct key_list *keys) {
  struct dynamo_table tb;
  struct dynamo_error err;
  struct store_txn *t;
  struct emu_buf val;
  int64_t bytes = 0;
  int deleted = 0, rc = 0, streamed = 0;
  size_t i;

  if (store_txn_begin(db->store, 1, &t) != STORE_OK)
    return -1;
  dynamo_error_init(&err);
  if (dynamo_tables_load(db, t, tg->name, &tb, "gone", &err) != 0) {
    store_txn_abort(t);
    dynamo_error_clear(&err);
    return 0;
  }
  if (tb.id != tg->id) {
    store_txn_abort(t);
    dynamo_table_free(&tb);
    return 0;
  }
  emu_buf_init(&val, ITEM_BUF_LIMIT);
  for (i = 0; i < keys->n && rc == 0; i++) {
    const struct emu_buf *key = &keys->keys[i];
    cJSON *item;
    int src = store_get(t, key->data, key->len, &val);
    if (src == STORE_NOT_FOUND)
      continue; /* deleted meanwhile */
    if (src != STORE_OK) {
      rc = -1;
      break;
    }
    item = cJSON_ParseWithLength(val.data, val.len);
    /* Re-checked: the item may have been rewritten since it was read. */
    if (item && is_expired(item, tg->attr, now, oldest)) {
      /* The item and its index entries (dynamo_indexes.c). */
      int appended = 0;
      /* The item, its index entries (dynamo_indexes.c) and its stream
       * record, a REMOVE by the service (dynamo_streams.c). */
      if (store_del(t, key->data, key->len) != STORE_OK ||
          dynamo_indexes_apply(t, &tb, item, NULL) != 0 ||
          (appended = dynamo_streams_append(t, &tb, item, NULL, 1)) < 0) {
        rc = -1;
      } else {
        bytes += (int64_t)dynamo_item_size(item);
        deleted++;
        streamed |= appended;
      }
    }
    cJSON_Delete(item);
  }
  emu_buf_free(&val);
  if (rc == 0 && deleted > 0 && dynamo_tables_account(t, &tb, -(int64_t)deleted, -bytes) != 0)
    rc = -1;
  dynamo_table_free(&tb);
  if (rc != 0 || deleted == 0) {
    store_txn_abort(t);
    return rc;
  }
  if (store_txn_commit(t) != STORE_OK)
    return -1;
  if (streamed)
    dynamo_streams_notify(db, tg->name);
  return deleted;
}

int dynamo_ttl_sweep(struct dynamo *db, int64_t now_s, int max) {
  struct dynamo_number now, oldest;
  struct ttl_target *targets;
  size_t n, i;
  int total = 0, failed = 0;

  /* A remote endpoint deletes its own expired items (DynamoDB's TTL,
   * Alternator's): there is no local store to sweep. */
  if (db->remote)
    return 0;
  if (max <= 0)
    max = DYNAMO_TTL_MAX_PER_PASS;
  if (epoch_number(now_s, &now) != 0 || epoch_number(now_s - TTL_MAX_AGE_S, &oldest) != 0)
    return -1;
  if (list_targets(db, &targets, &n) != 0)
    return -1;
  for (i = 0; i < n; i++) {
    struct key_list keys = {NULL, 0, 0};
    int d = -1;
    if (find_expired(db, &targets[i], &now, &oldest, max, &keys) == 0)
      d = keys.n ? delete_expired(db, &targets[i], &now, &oldest, &keys) : 0;
    key_list_free(&keys);
    if (d < 0) {
      emu_log_warn("dynamodb", "TTL sweep of table %s failed", targets[i].name);
      failed = 1;
      continue;
    }
    if (d > 0)
      emu_log_debug("dynamodb", "TTL deleted %d expired item(s) from %s", d, targets[i].name);
    total += d;
  }
  free(targets);
  return failed && total == 0 ? -1 : total;
}

/* ---- the thread ----------------------------------------------------------- */

struct dynamo_ttl_sweeper {
  struct dynamo *db;
  int interval_s;
  pthread_t thread;
  pthread_mutex_t lock; /* guards stop */
  pthread_cond_t cond;
  int stop;
};

static void *sweeper_main(void *arg) {
  struct dynamo_ttl_sweeper *s = arg;

  pthread_mutex_lock(&s->lock);
  while (!s->stop) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += s->interval_s;
    while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT)
      ;
    if (s->stop)
      break;
    pthread_mutex_unlock(&s->lock);
    dynamo_ttl_sweep(s->db, emu_time_now_ms() / 1000, DYNAMO_TTL_MAX_PER_PASS);
    /* DynamoDB Streams' retention, on the same bounded schedule. */
    dynamo_streams_trim(s->db, DYNAMO_TTL_MAX_PER_PASS);
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

struct dynamo_ttl_sweeper *dynamo_ttl_start(struct dynamo *db, int interval_s) {
  struct dynamo_ttl_sweeper *s = calloc(1, sizeof(*s));
  pthread_condattr_t attr;

  if (!s)
    return NULL;
  s->db = db;
  s->interval_s = interval_s > 0 ? interval_s : DYNAMO_TTL_DEFAULT_INTERVAL_S;
  pthread_mutex_init(&s->lock, NULL);
  pthread_condattr_init(&attr);
  /* Deadlines on the monotonic clock: a wall-clock jump neither stalls nor
   * races the sweeper. */
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&s->cond, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&s->thread, NULL, sweeper_main, s) != 0) {
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return NULL;
  }
  return s;
}

void dynamo_ttl_stop(struct dynamo_ttl_sweeper *s) {
  if (!s)
    return;
  pthread_mutex_lock(&s->lock);
  s->stop = 1;
  pthread_cond_signal(&s->cond);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->cond);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
