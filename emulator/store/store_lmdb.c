/*
 * store_lmdb.c - store.h on LMDB; the only file that includes lmdb.h.
 *
 * Layout: one environment in the data directory with two named databases,
 * "meta" and "items".
 *
 * Long keys. Debian's liblmdb caps a key at 511 bytes (mdb_env_get_maxkeysize)
 * and rejects empty keys, while a logical item key can reach
 * 13 + 2 * 2048 + 2 * 1024 + 4 bytes. Keys of at most DIRECT_MAX bytes are
 * stored as they are. A longer key K is stored inside a *bucket*: the LMDB
 * record whose key is K[0..DIRECT_MAX) followed by one 0x00 byte, whose value
 * is every long record sharing those first DIRECT_MAX bytes, sorted by
 * full key:
 *
 *   bucket value := entry*      entry := klen(u32 BE) key vlen(u32 BE) value
 *
 * Order is preserved: a bucket key B = Q||0x00 (length DIRECT_MAX + 1, never
 * used by a direct key) sorts after the direct key Q and before every key
 * greater than all of Q's extensions, which are exactly its entries. So a
 * cursor walking LMDB in order and expanding buckets in place visits the
 * logical keys in byte order. Invariant: no bucket is empty.
 *
 * Group commit. A durable LMDB commit costs two fdatasyncs, and LMDB has
 * one writer at a time, so committing every write transaction on its own
 * caps writes at one per sync pair whatever the number of clients. Instead
 * a caller's write transaction is a *nested* LMDB transaction (a child) of
 * a shared *batch* transaction:
 *   - the first writer to arrive when no batch is open is the batch's
 *     leader: it begins the batch (taking LMDB's writer lock), then runs
 *     its own work in a child like everyone else;
 *   - later writers join the open batch one at a time (children are
 *     serialized: one active child at most), each committing or aborting
 *     only its own child, so a failed condition undoes only its own writes;
 *   - when its own child is done, the leader waits until no writer is
 *     waiting to join and no child is active (or GC_MAX_MEMBERS joined),
 *     and, after a batch of several writers, until writers stop arriving
 *     (GC_GAP_US, GC_WINDOW_US); then it closes the batch, commits it
 *     (the syncs), and wakes the members with the result. Nobody returns
 *     from store_txn_commit before its batch is on disk, so a reply is only
 *     sent for durable data.
 * The batch is begun and committed by its leader's thread, as LMDB's
 * writer lock requires; children are begun and ended in their own threads
 * under gc.mu, which orders all access to the batch. Readers see a batch's
 * writes once it is committed, before its members are told, so a member's
 * acknowledged write is visible to its next read. Under load the batch
 * grows to the number of concurrent writers, and one sync pair serves them
 * all; alone, a writer commits at once. Only STORE_DURABLE stores batch:
 * without syncs, a write transaction is a plain one.
 *
 * Threading: MDB_NOTLS, so read transactions are not bound to threads.
 * The group-commit state (struct gc) is owned by the store and guarded by
 * gc.mu. Nothing returned to callers points into LMDB pages after a call
 * returns, except cursor results (valid until the next cursor call, inside
 * the transaction), as store.h documents.
 */
#include "store.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIRECT_MAX 500

static int64_t mono_us(void) {
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
/* Address space only; the file grows as needed. A build for valgrind, which
 * cannot map 64 GB, passes a smaller one (-DSTORE_MAP_SIZE=...). */
#ifndef STORE_MAP_SIZE
#define STORE_MAP_SIZE ((size_t)64 << 30)
#endif
#define MAP_SIZE ((size_t)(STORE_MAP_SIZE))

/* Children per batch at most: bounds the leader's wait and the batch's
 * dirty pages. */
#define GC_MAX_MEMBERS 64
/* Commit delay (only after a batch of more than one writer, i.e. when
 * writers are concurrent): the leader keeps the batch open while writers
 * keep arriving less than GC_GAP_US apart, for GC_WINDOW_US at most.
 * Without it, concurrent clients split into two alternating half-size
 * batches: those answered by one commit send their next write while the
 * other half's batch is committing. */
#define GC_GAP_US 60
#define GC_WINDOW_US 400

struct gc {
  pthread_mutex_t mu;
  pthread_cond_t join_cv;      /* writers waiting to join or lead a batch */
  pthread_cond_t leader_cv;    /* the leader waiting for its members */
  pthread_cond_t done_cv;      /* members waiting for the batch's commit */
  int leader_present;          /* a batch is being begun, open or committing */
  MDB_txn *batch;              /* the open batch, NULL otherwise */
  int open;                    /* the batch takes members */
  int child_active;            /* a member's child transaction is running */
  int waiting;                 /* writers in store_txn_begin not yet placed */
  int members;                 /* children begun in the open batch */
  int last_members;            /* children of the last batch */
  int64_t opened_us;           /* when the open batch began (monotonic) */
  int64_t joined_us;           /* when its latest member joined */
  struct store_txn *done_list; /* members whose writes await the commit */
  int dirty;                   /* members of the open batch that wrote */
  uint64_t batches;            /* batches committed with writes (for tests and tuning) */
  uint64_t writes;             /* members whose writes went into a batch */
  uint64_t commit_us;          /* time in batch commits */
};

struct store {
  MDB_env *env;
  MDB_dbi meta;
  MDB_dbi items;
  struct gc gc;
  int group; /* group commit on (durable mode); off, writes commit alone */
};

struct store_txn {
  struct store *s;
  MDB_txn *txn;
  int write;
  int placed;             /* holds the child slot of a batch (write only) */
  int leader;             /* began that batch */
  int finished;           /* the batch holding our writes has ended */
  int result;             /* its commit's LMDB result */
  struct store_txn *next; /* in gc.done_list */
};

static int map_rc(int rc) {
  if (rc == 0)
    return STORE_OK;
  if (rc == MDB_NOTFOUND)
    return STORE_NOT_FOUND;
  if (rc == MDB_MAP_FULL)
    return STORE_FULL;
  return STORE_ERROR;
}

int store_open(const char *dir, int mode, struct store **out, char *err, size_t cap) {
  unsigned flags = MDB_NOTLS;
  struct store *s = calloc(1, sizeof(*s));
  MDB_txn *txn = NULL;
  int rc;

  *out = NULL;
  if (!s)
    return STORE_ERROR;
  rc = mdb_env_create(&s->env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(s->env, 4);
  if (rc == 0)
    rc = mdb_env_set_maxreaders(s->env, 4096);
  if (rc == 0)
    rc = mdb_env_set_mapsize(s->env, MAP_SIZE);
  if (mode == STORE_NO_SYNC)
    flags |= MDB_NOSYNC;
  else if (mode == STORE_SCRATCH)
    /* Writing pages into the map instead of a pwrite per page made
     * PutItem 1.5x faster (23.7k -> 35k/s at 16 connections). */
    flags |= MDB_NOSYNC | MDB_WRITEMAP;
  if (rc == 0)
    rc = mdb_env_open(s->env, dir, flags, 0600);
  if (rc == 0)
    rc = mdb_txn_begin(s->env, NULL, 0, &txn);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &s->meta);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "items", MDB_CREATE, &s->items);
  if (rc == 0) {
    /* Commit frees the transaction, whether it succeeds or not. */
    rc = mdb_txn_commit(txn);
    txn = NULL;
  }
  if (rc != 0) {
    snprintf(err, cap, "cannot open the LMDB store in %s: %s", dir, mdb_strerror(rc));
    if (txn)
      mdb_txn_abort(txn);
    if (s->env)
      mdb_env_close(s->env);
    free(s);
    return STORE_ERROR;
  }
  if (mdb_env_get_maxkeysize(s->env) < DIRECT_MAX + 1) {
    snprintf(err, cap, "this liblmdb allows keys of only %d bytes", mdb_env_get_maxkeysize(s->env));
    mdb_env_close(s->env);
    free(s);
    return STORE_ERROR;
  }
  /* Without syncs a commit is cheap, and batching would only add
   * nested-transaction and hand-off costs. */
  s->group = mode == STORE_DURABLE;
  pthread_mutex_init(&s->gc.mu, NULL);
  pthread_cond_init(&s->gc.join_cv, NULL);
  pthread_cond_init(&s->gc.leader_cv, NULL);
  pthread_cond_init(&s->gc.done_cv, NULL);
  *out = s;
  return STORE_OK;
}

void store_close(struct store *s) {
  if (!s)
    return;
  mdb_env_close(s->env);
  pthread_mutex_destroy(&s->gc.mu);
  pthread_cond_destroy(&s->gc.join_cv);
  pthread_cond_destroy(&s->gc.leader_cv);
  pthread_cond_destroy(&s->gc.done_cv);
  free(s);
}

/* Places the calling writer in a batch, as its leader or a member, and
 * begins its child transaction. */
static int write_begin(struct store *s, struct store_txn *t) {
  struct gc *g = &s->gc;
  MDB_txn *batch = NULL;
  int rc;

  pthread_mutex_lock(&g->mu);
  g->waiting++;
  for (;;) {
    if (g->batch && g->open && !g->child_active && g->members < GC_MAX_MEMBERS)
      break;
    if (!g->leader_present) {
      g->leader_present = 1;
      t->leader = 1;
      break;
    }
    pthread_cond_wait(&g->join_cv, &g->mu);
  }
  g->waiting--;
  if (t->leader) {
    pthread_mutex_unlock(&g->mu);
    rc = mdb_txn_begin(s->env, NULL, 0, &batch);
    pthread_mutex_lock(&g->mu);
    if (rc != 0) {
      g->leader_present = 0;
      t->leader = 0;
      pthread_cond_broadcast(&g->join_cv);
      pthread_mutex_unlock(&g->mu);
      return rc;
    }
    g->batch = batch;
    g->open = 1;
    g->members = 0;
    g->dirty = 0;
    g->opened_us = mono_us();
  }
  g->child_active = 1;
  g->members++;
  g->joined_us = mono_us();
  t->placed = 1;
  batch = g->batch;
  pthread_mutex_unlock(&g->mu);
  rc = mdb_txn_begin(s->env, batch, 0, &t->txn);
  if (rc != 0)
    t->txn = NULL;
  return rc;
}

/* The leader's end: waits for the members, commits the batch and tells
 * every member waiting for it. Returns the batch commit's result. Called
 * with gc.mu held; returns with it released. */
static int leader_finish(struct store *s) {
  struct gc *g = &s->gc;
  struct store_txn *m;
  struct timespec t0, t1;
  MDB_txn *batch;
  int rc;

  for (;;) {
    int64_t now, until;
    if (g->child_active || (g->waiting > 0 && g->members < GC_MAX_MEMBERS)) {
      pthread_cond_wait(&g->leader_cv, &g->mu);
      continue;
    }
    if (g->members >= GC_MAX_MEMBERS || g->last_members <= 1)
      break;
    now = mono_us();
    until = g->joined_us + GC_GAP_US;
    if (until > g->opened_us + GC_WINDOW_US)
      until = g->opened_us + GC_WINDOW_US;
    if (now >= until)
      break;
    {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += (long)(until - now) * 1000L;
      if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&g->leader_cv, &g->mu, &ts);
    }
  }
  g->last_members = g->members;
  g->open = 0;
  batch = g->batch;
  pthread_mutex_unlock(&g->mu);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  rc = mdb_txn_commit(batch); /* the syncs, outside the lock */
  clock_gettime(CLOCK_MONOTONIC, &t1);
  pthread_mutex_lock(&g->mu);
  if (g->dirty) { /* an empty batch (every member aborted) costs no sync */
    g->commit_us += (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000L +
                               (t1.tv_nsec - t0.tv_nsec) / 1000);
    g->batches++;
  }
  g->batch = NULL;
  g->leader_present = 0;
  for (m = g->done_list; m; m = m->next) {
    m->result = rc;
    m->finished = 1;
    g->writes++;
  }
  g->done_list = NULL;
  pthread_cond_broadcast(&g->done_cv);
  pthread_cond_broadcast(&g->join_cv);
  pthread_mutex_unlock(&g->mu);
  return rc;
}

/* Ends a writer's child (commit = 1: into the batch). Returns the LMDB
 * result: the child's, or once it is in the batch, the batch's. */
static int write_end(struct store_txn *t, int commit) {
  struct gc *g = &t->s->gc;
  int rc = 0, mine;

  if (t->txn) {
    if (commit)
      rc = mdb_txn_commit(t->txn);
    else
      mdb_txn_abort(t->txn);
  } else {
    rc = EINVAL;
  }
  mine = commit && rc == 0; /* writes of ours that the batch must persist */
  pthread_mutex_lock(&g->mu);
  g->child_active = 0;
  g->dirty += mine;
  pthread_cond_signal(&g->join_cv);
  pthread_cond_signal(&g->leader_cv);
  if (t->leader) {
    int brc;
    if (mine)
      g->writes++;
    brc = leader_finish(t->s);
    return mine ? brc : rc;
  }
  if (mine) {
    t->next = g->done_list;
    g->done_list = t;
    while (!t->finished)
      pthread_cond_wait(&g->done_cv, &g->mu);
    rc = t->result;
  }
  pthread_mutex_unlock(&g->mu);
  return rc;
}

int store_txn_begin(struct store *s, int write, struct store_txn **out) {
  struct store_txn *t = calloc(1, sizeof(*t));
  int rc;

  *out = NULL;
  if (!t)
    return STORE_ERROR;
  t->s = s;
  t->write = write;
  if (write && s->group) {
    rc = write_begin(s, t);
    if (rc != 0) {
      if (t->placed)
        write_end(t, 0); /* gives the slot back (and ends a batch we lead) */
      free(t);
      return map_rc(rc);
    }
  } else {
    rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc != 0) {
      free(t);
      return map_rc(rc);
    }
  }
  *out = t;
  return STORE_OK;
}

int store_txn_commit(struct store_txn *t) {
  int rc = t->write && t->s->group ? write_end(t, 1) : mdb_txn_commit(t->txn);

  free(t);
  return map_rc(rc);
}

void store_txn_abort(struct store_txn *t) {
  if (!t)
    return;
  if (t->write && t->s->group)
    write_end(t, 0);
  else
    mdb_txn_abort(t->txn);
  free(t);
}

void store_get_stats(struct store *s, struct store_stats *out) {
  pthread_mutex_lock(&s->gc.mu);
  out->writes = s->gc.writes;
  out->batches = s->gc.batches;
  out->commit_us = s->gc.commit_us;
  pthread_mutex_unlock(&s->gc.mu);
}

/* ---- meta --------------------------------------------------------------- */

int store_meta_get(struct store_txn *t, const char *name, struct emu_buf *val) {
  MDB_val k = {strlen(name), (void *)name}, v;
  int rc = mdb_get(t->txn, t->s->meta, &k, &v);

  if (rc != 0)
    return map_rc(rc);
  emu_buf_reset(val);
  return emu_buf_append(val, v.mv_data, v.mv_size) == 0 ? STORE_OK : STORE_ERROR;
}

int store_meta_put(struct store_txn *t, const char *name, const void *val, size_t len) {
  MDB_val k = {strlen(name), (void *)name}, v = {len, (void *)val};

  return map_rc(mdb_put(t->txn, t->s->meta, &k, &v, 0));
}

int store_meta_del(struct store_txn *t, const char *name) {
  MDB_val k = {strlen(name), (void *)name};

  return map_rc(mdb_del(t->txn, t->s->meta, &k, NULL));
}

int store_meta_next(struct store_txn *t, const char *prefix, const char *after,
                    struct emu_buf *name) {
  size_t plen = strlen(prefix);
  MDB_cursor *mc;
  MDB_val k, v;
  int rc;

  if (mdb_cursor_open(t->txn, t->s->meta, &mc) != 0)
    return STORE_ERROR;
  k.mv_data = (void *)(after ? after : prefix);
  k.mv_size = strlen(after ? after : prefix);
  rc = mdb_cursor_get(mc, &k, &v, MDB_SET_RANGE);
  if (rc == 0 && after && k.mv_size == strlen(after) && memcmp(k.mv_data, after, k.mv_size) == 0)
    rc = mdb_cursor_get(mc, &k, &v, MDB_NEXT);
  if (rc == 0 && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
    rc = MDB_NOTFOUND;
  if (rc == 0) {
    emu_buf_reset(name);
    if (emu_buf_append(name, k.mv_data, k.mv_size) != 0)
      rc = EINVAL;
  }
  mdb_cursor_close(mc);
  return map_rc(rc);
}

int store_meta_counter(struct store_txn *t, const char *name, uint32_t *value) {
  MDB_val k = {strlen(name), (void *)name}, v;
  unsigned char b[4];
  uint32_t n = 0;
  int rc = mdb_get(t->txn, t->s->meta, &k, &v);

  if (rc == 0 && v.mv_size == 4) {
    memcpy(b, v.mv_data, 4);
    n = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
  } else if (rc != MDB_NOTFOUND && rc != 0) {
    return map_rc(rc);
  }
  n++;
  b[0] = (unsigned char)(n >> 24);
  b[1] = (unsigned char)(n >> 16);
  b[2] = (unsigned char)(n >> 8);
  b[3] = (unsigned char)n;
  v.mv_size = 4;
  v.mv_data = b;
  *value = n;
  return map_rc(mdb_put(t->txn, t->s->meta, &k, &v, 0));
}

/* ---- buckets -------------------------------------------------------------- */

static uint32_t get_u32(const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put_u32(unsigned char *p, uint32_t n) {
  p[0] = (unsigned char)(n >> 24);
  p[1] = (unsigned char)(n >> 16);
  p[2] = (unsigned char)(n >> 8);
  p[3] = (unsigned char)n;
}

/* Compares byte strings as LMDB does (memcmp, then shorter first). */
static int key_cmp(const void *a, size_t alen, const void *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);

  if (c)
    return c;
  return alen < blen ? -1 : alen > blen;
}

struct bucket_entry {
  const unsigned char *key;
  size_t klen;
  const unsigned char *val;
  size_t vlen;
};

/* Parses a bucket into entries (malloc'd array). Returns the count, or -1
 * when the bucket is malformed. */
static long bucket_parse(const unsigned char *p, size_t len, struct bucket_entry **out) {
  size_t off = 0, n = 0, cap = 8;
  struct bucket_entry *e = malloc(cap * sizeof(*e));

  while (e && off < len) {
    if (n == cap) {
      struct bucket_entry *ne = realloc(e, (cap *= 2) * sizeof(*e));
      if (!ne)
        break;
      e = ne;
    }
    if (len - off < 4)
      break;
    e[n].klen = get_u32(p + off);
    off += 4;
    if (len - off < e[n].klen + 4)
      break;
    e[n].key = p + off;
    off += e[n].klen;
    e[n].vlen = get_u32(p + off);
    off += 4;
    if (len - off < e[n].vlen)
      break;
    e[n].val = p + off;
    off += e[n].vlen;
    n++;
  }
  if (!e || off != len) {
    free(e);
    return -1;
  }
  *out = e;
  return (long)n;
}

static void bucket_key(const void *key, unsigned char out[DIRECT_MAX + 1]) {
  memcpy(out, key, DIRECT_MAX);
  out[DIRECT_MAX] = 0x00;
}

/* Read-modify-write of the bucket holding a long key: replaces (val != NULL)
 * or removes (val == NULL) the entry for key. */
static int bucket_update(struct store_txn *t, const void *key, size_t klen, const void *val,
                         size_t vlen) {
  unsigned char bk[DIRECT_MAX + 1], len4[4];
  MDB_val k = {sizeof(bk), bk}, v;
  struct bucket_entry *e = NULL;
  struct emu_buf nb;
  long n = 0, i;
  int rc, found = 0, inserted = 0;

  bucket_key(key, bk);
  rc = mdb_get(t->txn, t->s->items, &k, &v);
  if (rc == 0) {
    n = bucket_parse(v.mv_data, v.mv_size, &e);
    if (n < 0)
      return STORE_ERROR;
  } else if (rc != MDB_NOTFOUND) {
    return map_rc(rc);
  }
  emu_buf_init(&nb, (size_t)1 << 31);
  for (i = 0; i <= n; i++) {
    int c = i < n ? key_cmp(e[i].key, e[i].klen, key, klen) : 1;
    if (c == 0)
      found = 1;
    if (c >= 0 && val && !inserted) {
      put_u32(len4, (uint32_t)klen);
      emu_buf_append(&nb, len4, 4);
      emu_buf_append(&nb, key, klen);
      put_u32(len4, (uint32_t)vlen);
      emu_buf_append(&nb, len4, 4);
      emu_buf_append(&nb, val, vlen);
      inserted = 1;
    }
    if (i < n && c != 0) {
      put_u32(len4, (uint32_t)e[i].klen);
      emu_buf_append(&nb, len4, 4);
      emu_buf_append(&nb, e[i].key, e[i].klen);
      put_u32(len4, (uint32_t)e[i].vlen);
      emu_buf_append(&nb, len4, 4);
      emu_buf_append(&nb, e[i].val, e[i].vlen);
    }
  }
  free(e);
  if (!val && !found) {
    emu_buf_free(&nb);
    return STORE_NOT_FOUND;
  }
  if (nb.len == 0) {
    rc = mdb_del(t->txn, t->s->items, &k, NULL);
  } else {
    v.mv_size = nb.len;
    v.mv_data = nb.data;
    rc = mdb_put(t->txn, t->s->items, &k, &v, 0);
  }
  emu_buf_free(&nb);
  return map_rc(rc);
}

/* ---- items ---------------------------------------------------------------- */

int store_get(struct store_txn *t, const void *key, size_t klen, struct emu_buf *val) {
  MDB_val k, v;
  int rc;

  if (klen == 0)
    return STORE_ERROR;
  emu_buf_reset(val);
  if (klen <= DIRECT_MAX) {
    k.mv_size = klen;
    k.mv_data = (void *)key;
    rc = mdb_get(t->txn, t->s->items, &k, &v);
    if (rc != 0)
      return map_rc(rc);
    return emu_buf_append(val, v.mv_data, v.mv_size) == 0 ? STORE_OK : STORE_ERROR;
  } else {
    unsigned char bk[DIRECT_MAX + 1];
    struct bucket_entry *e;
    long n, i;
    bucket_key(key, bk);
    k.mv_size = sizeof(bk);
    k.mv_data = bk;
    rc = mdb_get(t->txn, t->s->items, &k, &v);
    if (rc != 0)
      return map_rc(rc);
    n = bucket_parse(v.mv_data, v.mv_size, &e);
    if (n < 0)
      return STORE_ERROR;
    rc = STORE_NOT_FOUND;
    for (i = 0; i < n; i++)
      if (key_cmp(e[i].key, e[i].klen, key, klen) == 0) {
        rc = emu_buf_append(val, e[i].val, e[i].vlen) == 0 ? STORE_OK : STORE_ERROR;
        break;
      }
    free(e);
    return rc;
  }
}

int store_put(struct store_txn *t, const void *key, size_t klen, const void *val, size_t vlen) {
  MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};

  if (klen == 0)
    return STORE_ERROR;
  if (klen > DIRECT_MAX)
    return bucket_update(t, key, klen, val, vlen);
  return map_rc(mdb_put(t->txn, t->s->items, &k, &v, 0));
}

int store_del(struct store_txn *t, const void *key, size_t klen) {
  MDB_val k = {klen, (void *)key};

  if (klen == 0)
    return STORE_ERROR;
  if (klen > DIRECT_MAX)
    return bucket_update(t, key, klen, NULL, 0);
  return map_rc(mdb_del(t->txn, t->s->items, &k, NULL));
}

/* ---- cursors -------------------------------------------------------------- */

struct store_cursor {
  struct store_txn *t;
  MDB_cursor *mc;
  unsigned char *prefix; /* the full prefix */
  size_t plen;
  size_t tlen;          /* min(plen, DIRECT_MAX): what LMDB keys must start with */
  unsigned char *start; /* exclusive bound, or NULL */
  size_t slen;
  int reverse;
  int positioned; /* the LMDB cursor is on a record not yet consumed */
  int done;
  struct bucket_entry *bucket; /* expansion of the current bucket */
  long nbucket;
  long bpos; /* next entry to look at */
};

static int entry_wanted(const struct store_cursor *c, const void *key, size_t klen) {
  if (klen < c->plen || memcmp(key, c->prefix, c->plen) != 0)
    return 0;
  if (c->start) {
    int cmp = key_cmp(key, klen, c->start, c->slen);
    if (c->reverse ? cmp >= 0 : cmp <= 0)
      return 0;
  }
  return 1;
}

int store_cursor_open(struct store_txn *t, const void *prefix, size_t plen, int reverse,
                      const void *start, size_t slen, struct store_cursor **out) {
  struct store_cursor *c = calloc(1, sizeof(*c));
  unsigned char seek[DIRECT_MAX + 1];
  MDB_val k, v;
  size_t seek_len;
  int rc;

  *out = NULL;
  if (!c)
    return STORE_ERROR;
  c->t = t;
  c->reverse = reverse;
  c->prefix = malloc(plen ? plen : 1);
  memcpy(c->prefix, prefix, plen);
  c->plen = plen;
  c->tlen = plen < DIRECT_MAX ? plen : DIRECT_MAX;
  /* A start bound outside the prefix range, on the side the cursor comes
   * from, excludes nothing: seeking to it would land outside the range and
   * end the iteration at once. */
  if (start && (slen < plen || memcmp(start, prefix, plen) != 0) &&
      (key_cmp(start, slen, prefix, plen) < 0) == !reverse)
    start = NULL;
  if (start) {
    c->start = malloc(slen ? slen : 1);
    memcpy(c->start, start, slen);
    c->slen = slen;
  }
  if (mdb_cursor_open(t->txn, t->s->items, &c->mc) != 0) {
    store_cursor_close(c);
    return STORE_ERROR;
  }
  /* Where to seek: the start bound, else the prefix (forward) or just past
   * every key with the prefix (reverse). Keys longer than DIRECT_MAX are
   * sought through their bucket key. */
  if (start) {
    if (slen <= DIRECT_MAX) {
      memcpy(seek, start, slen);
      seek_len = slen;
    } else {
      bucket_key(start, seek);
      seek_len = sizeof(seek);
    }
  } else if (!reverse) {
    memcpy(seek, prefix, c->tlen);
    seek_len = c->tlen;
  } else {
    /* The successor of the truncated prefix: increment its last byte that
     * is not 0xFF. */
    seek_len = c->tlen;
    memcpy(seek, prefix, seek_len);
    while (seek_len > 0 && seek[seek_len - 1] == 0xFF)
      seek_len--;
    if (seek_len > 0)
      seek[seek_len - 1]++;
  }
  if (seek_len == 0) {
    rc = mdb_cursor_get(c->mc, &k, &v, reverse ? MDB_LAST : MDB_FIRST);
  } else {
    k.mv_size = seek_len;
    k.mv_data = seek;
    rc = mdb_cursor_get(c->mc, &k, &v, MDB_SET_RANGE);
    if (reverse) {
      if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(c->mc, &k, &v, MDB_LAST);
      else if (rc == 0 && key_cmp(k.mv_data, k.mv_size, seek, seek_len) != 0)
        rc = mdb_cursor_get(c->mc, &k, &v, MDB_PREV);
      else if (rc == 0 && !start)
        rc = mdb_cursor_get(c->mc, &k, &v, MDB_PREV);
    }
  }
  if (rc == MDB_NOTFOUND)
    c->done = 1;
  else if (rc != 0) {
    store_cursor_close(c);
    return map_rc(rc);
  }
  c->positioned = 1;
  *out = c;
  return STORE_OK;
}

int store_cursor_next(struct store_cursor *c, const void **key, size_t *klen, const void **val,
                      size_t *vlen) {
  MDB_val k, v;
  int rc;

  for (;;) {
    /* Entries of an expanded bucket first. */
    while (c->bucket && c->bpos >= 0 && c->bpos < c->nbucket) {
      struct bucket_entry *e = &c->bucket[c->bpos];
      c->bpos += c->reverse ? -1 : 1;
      if (entry_wanted(c, e->key, e->klen)) {
        *key = e->key;
        *klen = e->klen;
        *val = e->val;
        *vlen = e->vlen;
        return STORE_OK;
      }
    }
    free(c->bucket);
    c->bucket = NULL;
    if (c->done)
      return STORE_NOT_FOUND;
    if (c->positioned) {
      rc = mdb_cursor_get(c->mc, &k, &v, MDB_GET_CURRENT);
      c->positioned = 0;
    } else {
      rc = mdb_cursor_get(c->mc, &k, &v, c->reverse ? MDB_PREV : MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND) {
      c->done = 1;
      return STORE_NOT_FOUND;
    }
    if (rc != 0)
      return map_rc(rc);
    /* Past the prefix range: every later key (earlier, in reverse) is too. */
    if (k.mv_size < c->tlen || memcmp(k.mv_data, c->prefix, c->tlen) != 0) {
      c->done = 1;
      return STORE_NOT_FOUND;
    }
    if (k.mv_size == DIRECT_MAX + 1) {
      long n = bucket_parse(v.mv_data, v.mv_size, &c->bucket);
      if (n < 0)
        return STORE_ERROR;
      c->nbucket = n;
      c->bpos = c->reverse ? n - 1 : 0;
      continue;
    }
    if (entry_wanted(c, k.mv_data, k.mv_size)) {
      *key = k.mv_data;
      *klen = k.mv_size;
      *val = v.mv_data;
      *vlen = v.mv_size;
      return STORE_OK;
    }
  }
}

void store_cursor_close(struct store_cursor *c) {
  if (!c)
    return;
  if (c->mc)
    mdb_cursor_close(c->mc);
  free(c->bucket);
  free(c->prefix);
  free(c->start);
  free(c);
}

int store_del_prefix(struct store_txn *t, const void *prefix, size_t plen) {
  struct store_cursor *c;
  struct emu_buf keys; /* klen(u32) key ... */
  const void *k, *v;
  size_t kl, vl, off;
  unsigned char len4[4];
  int rc;

  rc = store_cursor_open(t, prefix, plen, 0, NULL, 0, &c);
  if (rc != STORE_OK)
    return rc;
  emu_buf_init(&keys, (size_t)1 << 34);
  while ((rc = store_cursor_next(c, &k, &kl, &v, &vl)) == STORE_OK) {
    put_u32(len4, (uint32_t)kl);
    if (emu_buf_append(&keys, len4, 4) != 0 || emu_buf_append(&keys, k, kl) != 0) {
      rc = STORE_ERROR;
      break;
    }
  }
  store_cursor_close(c);
  if (rc != STORE_NOT_FOUND) {
    emu_buf_free(&keys);
    return rc;
  }
  rc = STORE_OK;
  for (off = 0; off < keys.len && rc == STORE_OK;) {
    uint32_t n = get_u32((const unsigned char *)keys.data + off);
    rc = store_del(t, keys.data + off + 4, n);
    off += 4 + n;
  }
  emu_buf_free(&keys);
  return rc == STORE_NOT_FOUND ? STORE_OK : rc;
}
