/*
 * store.h - the storage interface used by dynamo_*.c. No LMDB type leaks
 * through it; store_lmdb.c is the only includer of lmdb.h.
 *
 * Two keyspaces:
 *   meta   small records by name: table descriptions ("t:<name>") and
 *          counters;
 *   items  item and index records by logical key (store_keycodec.h):
 *          any length >= 1, ordered by unsigned bytes.
 *
 * Transactions: every read and write happens in a transaction. A write
 * transaction is exclusive (one writer at a time, others wait); reads see
 * a snapshot. Commit of a write is durable (fsync) when the store was
 * opened STORE_DURABLE.
 * Ownership: values are copied out into caller buffers, so nothing borrowed
 * from LMDB outlives its transaction. Cursor results point into
 * cursor-owned memory and are valid until the next cursor call.
 * Threading: a transaction belongs to one thread; the store is shared.
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "emu_buf.h"

#define STORE_OK 0
#define STORE_NOT_FOUND 1 /* a result, not an error */
#define STORE_ERROR (-1)
#define STORE_FULL (-2) /* the map is full */

struct store;
struct store_txn;
struct store_cursor;

/* How commits reach the disk. */
enum store_mode {
  STORE_DURABLE = 0, /* fsync, with group commit: a commit returns once on disk */
  STORE_NO_SYNC = 1, /* no fsync: survives a process kill, not a power loss */
  /* No fsync, and LMDB writes through a writable memory map (MDB_WRITEMAP)
   * instead of a write call per page. For a directory removed at exit:
   * the data file is sparse and as large as the map (64 GB) on disk
   * listings. */
  STORE_SCRATCH = 2,
};

int store_open(const char *dir, int mode, struct store **out, char *err, size_t cap);

/* Group-commit counters since open (STORE_DURABLE; zeros otherwise). */
struct store_stats {
  uint64_t writes;    /* write transactions committed with changes */
  uint64_t batches;   /* batch commits, each one sync pair */
  uint64_t commit_us; /* time spent in batch commits (writing and syncing) */
};
void store_get_stats(struct store *s, struct store_stats *out);
void store_close(struct store *s);

int store_txn_begin(struct store *s, int write, struct store_txn **out);
int store_txn_commit(struct store_txn *t); /* frees t, even on failure */
void store_txn_abort(struct store_txn *t); /* frees t; NULL is fine */

/* meta */
int store_meta_get(struct store_txn *t, const char *name, struct emu_buf *val);
int store_meta_put(struct store_txn *t, const char *name, const void *val, size_t len);
int store_meta_del(struct store_txn *t, const char *name);
/* The first meta name starting with prefix that sorts after `after` (NULL:
 * the first). Copies it into name. STORE_NOT_FOUND at the end. */
int store_meta_next(struct store_txn *t, const char *prefix, const char *after,
                    struct emu_buf *name);
/* Increments and returns a counter (starting at 1). */
int store_meta_counter(struct store_txn *t, const char *name, uint32_t *value);

/* items */
int store_get(struct store_txn *t, const void *key, size_t klen, struct emu_buf *val);
int store_put(struct store_txn *t, const void *key, size_t klen, const void *val, size_t vlen);
int store_del(struct store_txn *t, const void *key, size_t klen);
/* Deletes every record whose key starts with prefix. */
int store_del_prefix(struct store_txn *t, const void *prefix, size_t plen);

/* Ordered iteration over the records whose keys start with prefix,
 * ascending (reverse = 0) or descending, strictly after (before, in
 * reverse) `start` when start is not NULL. The cursor must not outlive t,
 * and t must not be written while the cursor is open. */
int store_cursor_open(struct store_txn *t, const void *prefix, size_t plen, int reverse,
                      const void *start, size_t slen, struct store_cursor **out);
int store_cursor_next(struct store_cursor *c, const void **key, size_t *klen, const void **val,
                      size_t *vlen);
void store_cursor_close(struct store_cursor *c);

#endif
