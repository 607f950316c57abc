/*
 * lambda_esm.c - the event source mapping dispatcher (see lambda_esm.h).
 *
 * One worker thread per mapping, the only one touching its position and
 * retry state. What a reload may change (the config, the target, their
 * owner) sits under the mapping's lock; the worker copies it and holds the
 * owner for one step (one read and at most one invocation).
 * Invariant: `pos` only grows while the stream stays the same; records at
 * or below it were delivered (or discarded after their retries).
 */
#include "lambda_esm.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_event_filter.h"
#include "emu_faults.h"
#include "emu_id.h"
#include "emu_invocations.h"
#include "emu_log.h"
#include "emu_time.h"

/* DEVIATION: Lambda retries with a backoff whose intervals it does not
 * document (docs/spec/lambda-esm.md 4); wsgw pauses RETRY_FIRST_MS after
 * a first failure, doubling up to RETRY_MAX_MS, so tests stay quick. */
#define POLL_MS 1000       /* an idle worker looks at its stream this often */
#define RETRY_FIRST_MS 100 /* the pause after a first failure, doubled per retry */
#define RETRY_MAX_MS 2000  /* ... up to this */
#define KEY_MAX 400

struct mapping {
  struct lambda_esm *esm;
  pthread_t tid;
  int started_thread;
  char key[KEY_MAX]; /* table "\n" function name: the identity across reloads */
  char table[256];
  /* Guarded by lock: */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int stop, woken;
  const struct emu_esm *cfg;
  const struct lambda_target *target;
  void *owner;
  /* The worker's own: */
  char arn[DYNAMO_STREAMS_ARN_MAX]; /* the stream pos belongs to ("" none yet) */
  uint64_t pos;                     /* the checkpoint: the last record done */
  int retries;                      /* failed attempts of the batch at pos */
  int limit;                        /* records per batch (smaller while bisecting) */
  uint64_t split_end;               /* bisecting up to this record */
  int64_t window_start;             /* mono ms the first waiting record was seen, or 0 */
  int64_t not_before;               /* mono ms: no retry before (a backoff) */
  struct mapping *next;
};

struct lambda_esm {
  struct lambda_runtime *rt;
  struct lambda_esm_source src;
  pthread_mutex_t lock; /* guards the list (deploy, notify, free) */
  struct mapping *head;
};

static void abs_deadline(int64_t ms, struct timespec *ts) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

static void owner_hold(struct lambda_esm *esm, void *owner) {
  if (owner && esm->rt->owner_retain)
    esm->rt->owner_retain(owner);
}

static void owner_drop(struct lambda_esm *esm, void *owner) {
  if (owner && esm->rt->owner_release)
    esm->rt->owner_release(owner);
}

/* ---- One step of a worker ---------------------------------------------- */

/* SPEC: docs/spec/lambda-esm.md 5: a ReportBatchItemFailures response.
 * Returns 0 (complete success), 1 with *first the lowest failed sequence
 * number, or -1 (malformed: the whole batch failed). */
static int item_failures(const cJSON *response, const uint64_t *seqs, int n, uint64_t *first) {
  const cJSON *list = cJSON_GetObjectItemCaseSensitive(response, "batchItemFailures"), *it;
  int found = 0;

  if (!cJSON_IsObject(response) || !list || cJSON_IsNull(list))
    return 0;
  if (!cJSON_IsArray(list))
    return -1;
  cJSON_ArrayForEach(it, list) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier");
    char *end;
    uint64_t seq;
    int i;
    if (!cJSON_IsString(id) || !id->valuestring[0])
      return -1;
    errno = 0;
    seq = strtoull(id->valuestring, &end, 10);
    if (errno || *end)
      return -1;
    /* DEVIATION: an identifier naming no record of the batch is taken as a
     * malformed response (Lambda does not document this case). */
    for (i = 0; i < n && seqs[i] != seq; i++)
      ;
    if (i == n)
      return -1;
    if (!found || seq < *first)
      *first = seq;
    found = 1;
  }
  return found;
}

/* The function failed on the batch whose records end at `last`; `kept` is
 * how far the checkpoint may move anyway (partial success), nread the
 * records read. Returns the ms to wait before the next step. */
static int64_t on_failure(struct mapping *m, const struct emu_esm *cfg, uint64_t kept,
                          uint64_t last, int nread, int partial) {
  if (kept > m->pos) {
    m->pos = kept;
    m->retries = 0;
  }
  /* SPEC: docs/spec/lambda-esm.md 4: bisecting a failed batch does not
   * count as a retry; a batch of one cannot be split. */
  if (cfg->bisect && !partial && nread > 1) {
    m->limit = nread / 2;
    if (last > m->split_end)
      m->split_end = last;
    return 0;
  }
  m->retries++;
  /* SPEC: docs/spec/lambda-esm.md 4: retried until maximumRetryAttempts
   * (-1: until the records expire), then the records are discarded. */
  if (cfg->max_retries >= 0 && m->retries > cfg->max_retries) {
    emu_log_warn("esm", "%s -> %s: discarding records up to %" PRIu64 " after %d retries", m->table,
                 cfg->name, last, cfg->max_retries);
    m->pos = last;
    m->retries = 0;
    m->limit = cfg->batch_size;
    m->split_end = 0;
    return 0;
  }
  {
    int64_t pause = RETRY_FIRST_MS;
    int i;
    for (i = 1; i < m->retries && pause < RETRY_MAX_MS; i++)
      pause *= 2;
    if (pause > RETRY_MAX_MS)
      pause = RETRY_MAX_MS;
    m->not_before = emu_time_mono_ms() + pause;
    return pause;
  }
}

static void on_success(struct mapping *m, const struct emu_esm *cfg, uint64_t last) {
  m->pos = last;
  m->retries = 0;
  if (m->pos >= m->split_end) {
    m->limit = cfg->batch_size;
    m->split_end = 0;
  }
}

/* Logs an injected failure as the invocation it replaced. */
static void log_injected(struct lambda_esm *esm, const struct emu_esm *cfg, cJSON *event) {
  char request_id[EMU_UUID_LEN + 1];

  emu_id_uuid(request_id);
  emu_invocations_add(esm->rt->invocations, cfg->name, request_id, event, "error", NULL,
                      "stream function failure (fault injection)", NULL, 0, -1);
}

/* Where a new mapping starts, read when it is deployed (before its thread
 * runs), so that LATEST means the records committed after the deploy.
 * SPEC: docs/spec/lambda-esm.md 3: LATEST starts after the newest record,
 * TRIM_HORIZON at the oldest kept. A stream that appears after the mapping
 * was deployed is read from its beginning. */
static void mapping_start(struct mapping *m, const struct emu_esm *cfg) {
  struct lambda_esm *esm = m->esm;
  struct dynamo_streams_batch b;

  memset(&b, 0, sizeof(b));
  m->limit = cfg->batch_size;
  m->arn[0] = '\0';
  m->pos = 0;
  if (esm->src.read(esm->src.arg, m->table, 0, 1, &b) == 0 && b.stream_arn[0]) {
    snprintf(m->arn, sizeof(m->arn), "%s", b.stream_arn);
    m->pos = cfg->trim_horizon ? 0 : b.latest;
  }
  cJSON_Delete(b.records);
}

/* One read and at most one invocation. Returns the ms to wait before the
 * next step (a wake-up may cut it short unless it is a retry's pause), 0
 * to go on at once, or -1 to wait for a wake-up (or the poll). */
static int64_t step(struct mapping *m, const struct emu_esm *cfg, const struct lambda_target *t) {
  struct lambda_esm *esm = m->esm;
  struct dynamo_streams_batch b;
  struct lambda_result res;
  cJSON *event, *records, *rec;
  uint64_t *seqs = NULL, last = 0, kept;
  int nread, nsent = 0, failed, partial = 0, limit;
  int64_t wait;

  if (!cfg->enabled)
    return -1;
  memset(&b, 0, sizeof(b));
  /* Bisecting: the halves' size; otherwise the (maybe reloaded) setting. */
  limit = m->split_end && m->limit > 0 ? m->limit : cfg->batch_size;
  if (esm->src.read(esm->src.arg, m->table, m->pos, limit, &b) != 0 || !b.stream_arn[0]) {
    cJSON_Delete(b.records);
    return -1;
  }
  if (strcmp(b.stream_arn, m->arn) != 0) {
    /* DEVIATION: a mapping follows its table's current stream: after the
     * stream is disabled and enabled again it reads the new one from its
     * start (Lambda's mapping stays on the stream ARN it was made for). */
    emu_log_info("esm", "%s -> %s: reading stream %s", m->table, cfg->name, b.stream_arn);
    snprintf(m->arn, sizeof(m->arn), "%s", b.stream_arn);
    m->pos = 0;
    m->retries = 0;
    m->limit = cfg->batch_size;
    m->split_end = 0;
    m->window_start = 0;
    cJSON_Delete(b.records);
    return 0;
  }
  nread = cJSON_GetArraySize(b.records);
  if (b.trimmed)
    emu_log_warn("esm", "%s -> %s: records after %" PRIu64 " expired before they were delivered",
                 m->table, cfg->name, m->pos);
  if (nread == 0) {
    cJSON_Delete(b.records);
    return -1;
  }
  /* SPEC: docs/spec/lambda-esm.md 2: with a batching window, a batch waits
   * until it is full or the window has passed since its first record. */
  if (cfg->window_s > 0 && nread < cfg->batch_size && m->retries == 0 && m->split_end == 0) {
    int64_t now = emu_time_mono_ms();
    if (!m->window_start)
      m->window_start = now;
    wait = m->window_start + (int64_t)cfg->window_s * 1000 - now;
    if (wait > 0) {
      cJSON_Delete(b.records);
      return wait;
    }
  }
  m->window_start = 0;
  /* DEVIATION: Lambda also ends a batch before its payload reaches 6 MB
   * (docs/spec/lambda-esm.md 1); wsgw counts records only (a batch of the
   * largest items can exceed it). */
  seqs = calloc((size_t)nread, sizeof(*seqs));
  event = cJSON_CreateObject();
  records = cJSON_AddArrayToObject(event, "Records");
  if (!seqs || !records) {
    free(seqs);
    cJSON_Delete(event);
    cJSON_Delete(b.records);
    return POLL_MS;
  }
  while ((rec = cJSON_DetachItemFromArray(b.records, 0)) != NULL) {
    uint64_t seq = esm->src.seq(rec);
    if (seq > last)
      last = seq;
    /* SPEC: docs/spec/lambda-esm.md 1: Lambda adds the stream's ARN. */
    cJSON_DeleteItemFromObjectCaseSensitive(rec, "eventSourceARN");
    cJSON_AddStringToObject(rec, "eventSourceARN", b.stream_arn);
    /* SPEC: docs/spec/lambda-esm.md 6: records the filters do not match
     * never reach the function; they count as processed. */
    if (!emu_event_filter_match_any(cfg->filters, rec)) {
      cJSON_Delete(rec);
      continue;
    }
    seqs[nsent++] = seq;
    cJSON_AddItemToArray(records, rec);
  }
  cJSON_Delete(b.records);
  if (nsent == 0) {
    cJSON_Delete(event);
    free(seqs);
    on_success(m, cfg, last);
    return 0;
  }
  memset(&res, 0, sizeof(res));
  if (emu_faults_stream(esm->rt->faults, m->table)) {
    log_injected(esm, cfg, event);
    snprintf(res.error, sizeof(res.error), "stream function failure (fault injection)");
    failed = 1;
  } else {
    /* DEVIATION: an in-process handler that returns NULL without
     * wsgw_fail is a function error here as on every route (Lambda takes a
     * stream function returning nothing as a success): return an object. */
    lambda_invoke(esm->rt, t, event, &res);
    failed = res.outcome != LAMBDA_OK;
  }
  kept = m->pos;
  if (!failed && cfg->report_item_failures) {
    uint64_t first = 0;
    int r = item_failures(res.response, seqs, nsent, &first);
    if (r < 0) {
      emu_log_warn("esm", "%s -> %s: malformed batchItemFailures: the batch failed", m->table,
                   cfg->name);
      failed = 1;
    } else if (r > 0) {
      /* SPEC: docs/spec/lambda-esm.md 5: checkpoint just before the lowest
       * failed item; retry from it. */
      failed = partial = 1;
      kept = first - 1; /* first > pos: it was read after pos */
    }
  } else if (failed) {
    emu_log_warn("esm", "%s -> %s: %s", m->table, cfg->name, res.error[0] ? res.error : "failed");
  }
  lambda_result_free(&res);
  free(seqs);
  if (!failed) {
    on_success(m, cfg, last);
    return 0;
  }
  return on_failure(m, cfg, kept, last, nread, partial);
}

/* ---- Workers ----------------------------------------------------------- */

static void *worker_main(void *arg) {
  struct mapping *m = arg;
  struct lambda_esm *esm = m->esm;
  int64_t wait = 0;

  for (;;) {
    const struct emu_esm *cfg;
    const struct lambda_target *t;
    void *owner;
    struct timespec ts;
    pthread_mutex_lock(&m->lock);
    if (wait != 0) {
      int64_t until = emu_time_mono_ms() + (wait < 0 ? POLL_MS : wait);
      for (;;) {
        int64_t now = emu_time_mono_ms();
        int hard = now < m->not_before;
        if (m->stop || now >= until || (m->woken && !hard))
          break;
        abs_deadline((hard ? m->not_before : until) - now, &ts);
        pthread_cond_timedwait(&m->cond, &m->lock, &ts);
      }
    }
    if (m->stop) {
      pthread_mutex_unlock(&m->lock);
      break;
    }
    m->woken = 0;
    cfg = m->cfg;
    t = m->target;
    owner = m->owner;
    owner_hold(esm, owner);
    pthread_mutex_unlock(&m->lock);
    wait = step(m, cfg, t);
    owner_drop(esm, owner);
  }
  return NULL;
}

static void mapping_free(struct mapping *m) {
  if (m->started_thread) {
    pthread_mutex_lock(&m->lock);
    m->stop = 1;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->tid, NULL);
  }
  owner_drop(m->esm, m->owner);
  pthread_mutex_destroy(&m->lock);
  pthread_cond_destroy(&m->cond);
  free(m);
}

static void mapping_key(const struct emu_esm *cfg, char *out, size_t cap) {
  snprintf(out, cap, "%s\n%s", cfg->table, cfg->name);
}

struct lambda_esm *lambda_esm_new(struct lambda_runtime *rt, const struct lambda_esm_source *src) {
  struct lambda_esm *esm = calloc(1, sizeof(*esm));

  if (!esm)
    return NULL;
  esm->rt = rt;
  esm->src = *src;
  pthread_mutex_init(&esm->lock, NULL);
  return esm;
}

void lambda_esm_free(struct lambda_esm *esm) {
  struct mapping *m, *next;

  if (!esm)
    return;
  pthread_mutex_lock(&esm->lock);
  m = esm->head;
  esm->head = NULL;
  pthread_mutex_unlock(&esm->lock);
  for (; m; m = next) {
    next = m->next;
    mapping_free(m);
  }
  pthread_mutex_destroy(&esm->lock);
  free(esm);
}

int lambda_esm_deploy(struct lambda_esm *esm, const struct emu_esm *maps,
                      const struct lambda_target *targets, size_t n, void *owner) {
  struct mapping *old, *fresh = NULL, **tail = &fresh, *m, *next;
  char key[KEY_MAX];
  size_t i;
  int rc = 0;

  pthread_mutex_lock(&esm->lock);
  old = esm->head;
  esm->head = NULL;
  pthread_mutex_unlock(&esm->lock);
  for (i = 0; i < n; i++) {
    struct mapping **p;
    mapping_key(&maps[i], key, sizeof(key));
    for (p = &old; *p && strcmp((*p)->key, key) != 0; p = &(*p)->next)
      ;
    if ((m = *p) != NULL) {
      void *prev;
      /* Kept: the same worker, position and retries, the new settings. */
      *p = m->next;
      owner_hold(esm, owner);
      pthread_mutex_lock(&m->lock);
      prev = m->owner;
      m->cfg = &maps[i];
      m->target = &targets[i];
      m->owner = owner;
      m->woken = 1;
      pthread_cond_signal(&m->cond);
      pthread_mutex_unlock(&m->lock);
      owner_drop(esm, prev);
    } else {
      if (!(m = calloc(1, sizeof(*m)))) {
        rc = -1;
        continue;
      }
      m->esm = esm;
      snprintf(m->key, sizeof(m->key), "%s", key);
      snprintf(m->table, sizeof(m->table), "%s", maps[i].table);
      pthread_mutex_init(&m->lock, NULL);
      {
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&m->cond, &ca);
        pthread_condattr_destroy(&ca);
      }
      owner_hold(esm, owner);
      m->cfg = &maps[i];
      m->target = &targets[i];
      m->owner = owner;
      mapping_start(m, &maps[i]);
      if (pthread_create(&m->tid, NULL, worker_main, m) != 0) {
        emu_log_error("esm", "%s -> %s: cannot start a thread", maps[i].table, maps[i].name);
        mapping_free(m);
        rc = -1;
        continue;
      }
      m->started_thread = 1;
    }
    m->next = NULL;
    *tail = m;
    tail = &m->next;
  }
  pthread_mutex_lock(&esm->lock);
  esm->head = fresh;
  pthread_mutex_unlock(&esm->lock);
  /* Removed mappings stop (each after the invocation it is in). */
  for (m = old; m; m = next) {
    next = m->next;
    mapping_free(m);
  }
  return rc;
}

void lambda_esm_notify(void *arg, const char *table) {
  struct lambda_esm *esm = arg;
  struct mapping *m;

  pthread_mutex_lock(&esm->lock);
  for (m = esm->head; m; m = m->next) {
    if (strcmp(m->table, table) != 0)
      continue;
    pthread_mutex_lock(&m->lock);
    m->woken = 1;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->lock);
  }
  pthread_mutex_unlock(&esm->lock);
}
