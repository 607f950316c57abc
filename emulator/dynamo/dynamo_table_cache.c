/*
 * dynamo_table_cache.c - parsed table schemas, shared between requests.
 *
 * Every item operation loads its table's catalogue record (a JSON text of
 * about 1 KB); parsing it took 15 % of a GetItem's server time. The cache
 * keeps the parsed form of the latest record seen for each table together
 * with the record's bytes. dynamo_tables_load still reads the record in
 * the caller's transaction and uses the cached form only when the bytes
 * are identical, so a request always sees the schema of its own snapshot;
 * a changed record (UpdateTable, a table re-created under the same name)
 * simply misses and replaces the entry.
 *
 * Invariants: a cached struct dynamo_table (its desc and indexes) is never
 * written after it is published; requests borrow it read-only through
 * tb->shared and give it back with dynamo_table_free. An entry is freed
 * when its last reference goes (the cache holds one while it is cached).
 * Bounded: CACHE_SLOTS entries, direct-mapped by name; a collision
 * replaces the older entry.
 * Threading: the slot array is guarded by the cache's mutex; reference
 * counts are atomic, so releasing needs no lock.
 */
#include "dynamo_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SLOTS 64

struct dynamo_table_shared {
  atomic_int refs;
  char *rec; /* the record's bytes */
  size_t len;
  struct dynamo_table tb; /* owns desc and indexes */
};

struct dynamo_table_cache {
  pthread_mutex_t mu;
  struct dynamo_table_shared *slot[CACHE_SLOTS];
};

struct dynamo_table_cache *dynamo_table_cache_new(void) {
  struct dynamo_table_cache *c = calloc(1, sizeof(*c));

  if (c)
    pthread_mutex_init(&c->mu, NULL);
  return c;
}

void dynamo_table_cache_release(struct dynamo_table_shared *sh) {
  if (!sh || atomic_fetch_sub(&sh->refs, 1) != 1)
    return;
  cJSON_Delete(sh->tb.desc);
  free(sh->tb.indexes);
  free(sh->rec);
  free(sh);
}

void dynamo_table_cache_free(struct dynamo_table_cache *c) {
  int i;

  if (!c)
    return;
  for (i = 0; i < CACHE_SLOTS; i++)
    dynamo_table_cache_release(c->slot[i]);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

static unsigned slot_of(const char *name) {
  unsigned h = 2166136261u; /* FNV-1a */

  for (; *name; name++)
    h = (h ^ (unsigned char)*name) * 16777619u;
  return h % CACHE_SLOTS;
}

int dynamo_table_cache_get(struct dynamo_table_cache *c, const char *name, const void *rec,
                           size_t len, struct dynamo_table *out) {
  struct dynamo_table_shared *sh;

  if (!c)
    return 0;
  pthread_mutex_lock(&c->mu);
  sh = c->slot[slot_of(name)];
  if (sh && sh->len == len && memcmp(sh->rec, rec, len) == 0 && strcmp(sh->tb.name, name) == 0)
    atomic_fetch_add(&sh->refs, 1);
  else
    sh = NULL;
  pthread_mutex_unlock(&c->mu);
  if (!sh)
    return 0;
  *out = sh->tb;
  out->shared = sh;
  return 1;
}

void dynamo_table_cache_put(struct dynamo_table_cache *c, const void *rec, size_t len,
                            struct dynamo_table *tb) {
  struct dynamo_table_shared *sh, *old;
  unsigned i;

  if (!c || tb->shared || !(sh = calloc(1, sizeof(*sh))))
    return;
  if (!(sh->rec = malloc(len ? len : 1))) {
    free(sh);
    return;
  }
  memcpy(sh->rec, rec, len);
  sh->len = len;
  sh->tb = *tb; /* takes desc and indexes */
  sh->tb.shared = NULL;
  atomic_init(&sh->refs, 2); /* the cache's and the caller's */
  tb->shared = sh;
  i = slot_of(tb->name);
  pthread_mutex_lock(&c->mu);
  old = c->slot[i];
  c->slot[i] = sh;
  pthread_mutex_unlock(&c->mu);
  dynamo_table_cache_release(old);
}
