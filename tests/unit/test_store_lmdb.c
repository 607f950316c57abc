/*
 * test_store_lmdb.c - unit tests for emulator/store/store_lmdb.c (store.h on
 * LMDB): get/put/del, meta records, meta iteration and counters,
 * transactions (snapshots, abort, read-only), prefix cursors forward and
 * reverse with exclusive start keys, and the long-key bucket scheme of the
 * file header: keys over 500 bytes (up to ~6 KB) stored in buckets keyed by
 * their first 500 bytes, interleaved with short keys. A model-based test
 * compares every cursor (many prefixes x many start keys x both directions)
 * with a sorted in-memory model. Also store_del_prefix, buckets emptied by
 * deletes, and durability across close/reopen. Group commit: concurrent
 * writers share batches, each sees the writes of the members before it,
 * and an aborted member undoes only its own writes.
 *
 * Every test gets a fresh mkdtemp directory, removed afterwards.
 *
 * White box: this file includes store_lmdb.c itself (style.md 2.7, the
 * h2o/civetweb technique; the test is therefore not linked against
 * store_lmdb.o) so that it can check the raw LMDB records behind buckets,
 * e.g. the invariant that no bucket is empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../emulator/store/store_lmdb.c"

/* ---- Fixture ---------------------------------------------------------------- */

struct fixture {
  char dir[64];
  struct store *s;
};

static void open_store(struct fixture *f) {
  char err[512] = "";

  if (store_open(f->dir, 0, &f->s, err, sizeof(err)) != STORE_OK) {
    print_error("store_open: %s\n", err);
    fail();
  }
}

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  if (!f)
    return -1;
  snprintf(f->dir, sizeof(f->dir), "/tmp/wsgw-store-test-XXXXXX");
  if (!mkdtemp(f->dir)) {
    free(f);
    return -1;
  }
  open_store(f);
  *state = f;
  return 0;
}

static void remove_dir(const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *de;

  if (d) {
    while ((de = readdir(d)) != NULL) {
      char path[512];
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
      unlink(path);
    }
    closedir(d);
  }
  rmdir(dir);
}

static int teardown(void **state) {
  struct fixture *f = *state;

  store_close(f->s);
  remove_dir(f->dir);
  free(f);
  return 0;
}

/* ---- Helpers ---------------------------------------------------------------- */

static struct store_txn *begin(struct store *s, int write) {
  struct store_txn *t = NULL;

  assert_int_equal(store_txn_begin(s, write, &t), STORE_OK);
  assert_non_null(t);
  return t;
}

static void put(struct store_txn *t, const void *k, size_t klen, const char *v) {
  assert_int_equal(store_put(t, k, klen, v, strlen(v)), STORE_OK);
}

static void put_committed(struct store *s, const void *k, size_t klen, const char *v) {
  struct store_txn *t = begin(s, 1);

  put(t, k, klen, v);
  assert_int_equal(store_txn_commit(t), STORE_OK);
}

/* Asserts the value stored under k (NULL: not found). */
static void expect_stored(struct store_txn *t, const void *k, size_t klen, const char *v) {
  struct emu_buf val;
  int rc;

  emu_buf_init(&val, 1 << 24);
  rc = store_get(t, k, klen, &val);
  if (!v) {
    assert_int_equal(rc, STORE_NOT_FOUND);
  } else {
    assert_int_equal(rc, STORE_OK);
    assert_int_equal(val.len, strlen(v));
    assert_memory_equal(val.data, v, val.len);
  }
  emu_buf_free(&val);
}

static int bytes_cmp(const void *a, size_t alen, const void *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);

  if (c)
    return (c > 0) - (c < 0);
  return (alen > blen) - (alen < blen);
}

/* Collects a cursor's keys as "k1|k2|..." for short printable keys. */
static void collect(struct store_txn *t, const char *prefix, int reverse, const char *start,
                    char *out, size_t cap) {
  struct store_cursor *c = NULL;
  const void *k, *v;
  size_t kl, vl, used = 0;
  int rc;

  out[0] = '\0';
  assert_int_equal(
      store_cursor_open(t, prefix, strlen(prefix), reverse, start, start ? strlen(start) : 0, &c),
      STORE_OK);
  while ((rc = store_cursor_next(c, &k, &kl, &v, &vl)) == STORE_OK) {
    int n = snprintf(out + used, cap - used, "%s%.*s", used ? "|" : "", (int)kl, (const char *)k);
    assert_true(n > 0 && (size_t)n < cap - used);
    used += (size_t)n;
  }
  assert_int_equal(rc, STORE_NOT_FOUND);
  /* Stays at the end. */
  assert_int_equal(store_cursor_next(c, &k, &kl, &v, &vl), STORE_NOT_FOUND);
  store_cursor_close(c);
}

/* White box: the number of raw LMDB records in "items". */
static size_t raw_item_records(struct store *s) {
  MDB_txn *txn;
  MDB_stat st;

  assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
  assert_int_equal(mdb_stat(txn, s->items, &st), 0);
  mdb_txn_abort(txn);
  return st.ms_entries;
}

/* White box: whether the bucket for keys starting with base[0..500) exists,
 * and the number of entries in it. */
static long raw_bucket_entries(struct store *s, const void *base) {
  unsigned char bk[DIRECT_MAX + 1];
  MDB_txn *txn;
  MDB_val k = {sizeof(bk), bk}, v;
  struct bucket_entry *e = NULL;
  long n = -1;

  bucket_key(base, bk);
  assert_int_equal(mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn), 0);
  if (mdb_get(txn, s->items, &k, &v) == 0) {
    n = bucket_parse(v.mv_data, v.mv_size, &e);
    assert_true(n >= 0);
    free(e);
  }
  mdb_txn_abort(txn);
  return n;
}

/* ---- Basic records ---------------------------------------------------------- */

static void put_then_get_returns_the_value(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);

  put(t, "k1", 2, "v1");
  put(t, "k2", 2, "");
  expect_stored(t, "k1", 2, "v1");
  expect_stored(t, "k2", 2, "");
  expect_stored(t, "k3", 2, NULL);
  expect_stored(t, "k", 1, NULL);
  expect_stored(t, "k1x", 3, NULL);
  assert_int_equal(store_txn_commit(t), STORE_OK);

  t = begin(f->s, 0);
  expect_stored(t, "k1", 2, "v1");
  store_txn_abort(t);
}

static void put_overwrites_and_del_removes(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);

  put(t, "k", 1, "first");
  put(t, "k", 1, "second value");
  expect_stored(t, "k", 1, "second value");
  assert_int_equal(store_del(t, "k", 1), STORE_OK);
  expect_stored(t, "k", 1, NULL);
  assert_int_equal(store_del(t, "k", 1), STORE_NOT_FOUND);
  assert_int_equal(store_del(t, "never", 5), STORE_NOT_FOUND);
  assert_int_equal(store_txn_commit(t), STORE_OK);
}

static void keys_with_nul_and_high_bytes_are_distinct(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);

  put(t, "a\0b", 3, "1");
  put(t, "a\0c", 3, "2");
  put(t, "a", 1, "3");
  put(t, "a\xff", 2, "4");
  expect_stored(t, "a\0b", 3, "1");
  expect_stored(t, "a\0c", 3, "2");
  expect_stored(t, "a", 1, "3");
  expect_stored(t, "a\xff", 2, "4");
  expect_stored(t, "a\0", 2, NULL);
  store_txn_abort(t);
}

static void empty_keys_are_refused(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);
  struct emu_buf val;

  emu_buf_init(&val, 64);
  assert_int_equal(store_put(t, "", 0, "v", 1), STORE_ERROR);
  assert_int_equal(store_get(t, "", 0, &val), STORE_ERROR);
  assert_int_equal(store_del(t, "", 0), STORE_ERROR);
  emu_buf_free(&val);
  store_txn_abort(t);
}

static void large_values_round_trip_for_short_and_long_keys(void **state) {
  struct fixture *f = *state;
  enum { VLEN = 300 * 1024 };
  char *big = malloc(VLEN + 1), *longkey = malloc(3000);
  struct store_txn *t;
  size_t i;

  assert_non_null(big);
  assert_non_null(longkey);
  for (i = 0; i < VLEN; i++)
    big[i] = (char)('a' + i % 23);
  big[VLEN] = '\0';
  memset(longkey, 'L', 3000);
  t = begin(f->s, 1);
  put(t, "short", 5, big);
  put(t, longkey, 3000, big);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  t = begin(f->s, 0);
  expect_stored(t, "short", 5, big);
  expect_stored(t, longkey, 3000, big);
  store_txn_abort(t);
  free(big);
  free(longkey);
}

static void read_transactions_cannot_write(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 0);
  char longkey[600];

  memset(longkey, 'r', sizeof(longkey));
  assert_int_equal(store_put(t, "k", 1, "v", 1), STORE_ERROR);
  assert_int_equal(store_put(t, longkey, sizeof(longkey), "v", 1), STORE_ERROR);
  assert_int_equal(store_meta_put(t, "m", "v", 1), STORE_ERROR);
  store_txn_abort(t);
}

static void a_read_transaction_sees_a_snapshot(void **state) {
  struct fixture *f = *state;
  struct store_txn *r, *w;

  put_committed(f->s, "k", 1, "old");
  r = begin(f->s, 0);
  w = begin(f->s, 1);
  put(w, "k", 1, "new");
  put(w, "k2", 2, "added");
  assert_int_equal(store_txn_commit(w), STORE_OK);
  expect_stored(r, "k", 1, "old");
  expect_stored(r, "k2", 2, NULL);
  store_txn_abort(r);
  r = begin(f->s, 0);
  expect_stored(r, "k", 1, "new");
  store_txn_abort(r);
}

static void an_aborted_write_leaves_nothing(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);
  char longkey[1000];

  memset(longkey, 'A', sizeof(longkey));
  put(t, "k", 1, "v");
  put(t, longkey, sizeof(longkey), "long");
  assert_int_equal(store_meta_put(t, "m", "x", 1), STORE_OK);
  store_txn_abort(t);
  store_txn_abort(NULL); /* NULL is fine */

  t = begin(f->s, 0);
  expect_stored(t, "k", 1, NULL);
  expect_stored(t, longkey, sizeof(longkey), NULL);
  {
    struct emu_buf val;
    emu_buf_init(&val, 64);
    assert_int_equal(store_meta_get(t, "m", &val), STORE_NOT_FOUND);
    emu_buf_free(&val);
  }
  store_txn_abort(t);
  assert_int_equal(raw_item_records(f->s), 0);
}

/* ---- Meta ------------------------------------------------------------------- */

static void meta_records_are_separate_from_items(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);
  struct emu_buf val;

  emu_buf_init(&val, 1024);
  assert_int_equal(store_meta_put(t, "t:Users", "{\"a\":1}", 7), STORE_OK);
  assert_int_equal(store_meta_get(t, "t:Users", &val), STORE_OK);
  assert_string_equal(val.data, "{\"a\":1}");
  expect_stored(t, "t:Users", 7, NULL); /* not an item */
  put(t, "t:Other", 7, "item");
  assert_int_equal(store_meta_get(t, "t:Other", &val), STORE_NOT_FOUND);
  assert_int_equal(store_meta_put(t, "t:Users", "2", 1), STORE_OK);
  assert_int_equal(store_meta_get(t, "t:Users", &val), STORE_OK);
  assert_string_equal(val.data, "2");
  assert_int_equal(store_meta_del(t, "t:Users"), STORE_OK);
  assert_int_equal(store_meta_get(t, "t:Users", &val), STORE_NOT_FOUND);
  assert_int_equal(store_meta_del(t, "t:Users"), STORE_NOT_FOUND);
  emu_buf_free(&val);
  assert_int_equal(store_txn_commit(t), STORE_OK);
}

static void meta_next_walks_names_with_a_prefix_in_order(void **state) {
  static const char *const names[] = {"u:x", "t:c", "t:a", "s:z", "t:b", "t:", "t;"};
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);
  struct emu_buf name;
  size_t i;

  emu_buf_init(&name, 1024);
  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
    assert_int_equal(store_meta_put(t, names[i], "1", 1), STORE_OK);
  assert_int_equal(store_meta_next(t, "t:", NULL, &name), STORE_OK);
  assert_string_equal(name.data, "t:");
  assert_int_equal(store_meta_next(t, "t:", "t:", &name), STORE_OK);
  assert_string_equal(name.data, "t:a");
  assert_int_equal(store_meta_next(t, "t:", "t:a", &name), STORE_OK);
  assert_string_equal(name.data, "t:b");
  assert_int_equal(store_meta_next(t, "t:", "t:aa", &name), STORE_OK); /* not a name */
  assert_string_equal(name.data, "t:b");
  assert_int_equal(store_meta_next(t, "t:", "t:b", &name), STORE_OK);
  assert_string_equal(name.data, "t:c");
  assert_int_equal(store_meta_next(t, "t:", "t:c", &name), STORE_NOT_FOUND);
  assert_int_equal(store_meta_next(t, "v:", NULL, &name), STORE_NOT_FOUND);
  assert_int_equal(store_meta_next(t, "u:", NULL, &name), STORE_OK);
  assert_string_equal(name.data, "u:x");
  assert_int_equal(store_meta_next(t, "", "t;", &name), STORE_OK);
  assert_string_equal(name.data, "u:x");
  emu_buf_free(&name);
  store_txn_abort(t);
}

static void counters_start_at_one_and_persist(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 1);
  uint32_t v = 0;

  assert_int_equal(store_meta_counter(t, "next_table_id", &v), STORE_OK);
  assert_int_equal(v, 1);
  assert_int_equal(store_meta_counter(t, "next_table_id", &v), STORE_OK);
  assert_int_equal(v, 2);
  assert_int_equal(store_meta_counter(t, "other", &v), STORE_OK);
  assert_int_equal(v, 1);
  assert_int_equal(store_txn_commit(t), STORE_OK);

  /* An aborted increment is not counted. */
  t = begin(f->s, 1);
  assert_int_equal(store_meta_counter(t, "next_table_id", &v), STORE_OK);
  assert_int_equal(v, 3);
  store_txn_abort(t);

  store_close(f->s);
  open_store(f);
  t = begin(f->s, 1);
  assert_int_equal(store_meta_counter(t, "next_table_id", &v), STORE_OK);
  assert_int_equal(v, 3);
  assert_int_equal(store_txn_commit(t), STORE_OK);
}

/* ---- Cursors on short keys -------------------------------------------------- */

static void fill_short_keys(struct store *s) {
  static const char *const keys[] = {"a1", "a5", "b1", "b2", "b3", "b", "ba", "c1", "c9", "d"};
  struct store_txn *t = begin(s, 1);
  size_t i;

  for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    put(t, keys[i], strlen(keys[i]), keys[i]);
  assert_int_equal(store_txn_commit(t), STORE_OK);
}

static void cursor_iterates_a_prefix_in_both_directions(void **state) {
  struct fixture *f = *state;
  struct store_txn *t;
  char got[512];

  fill_short_keys(f->s);
  t = begin(f->s, 0);
  collect(t, "b", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "b|b1|b2|b3|ba");
  collect(t, "b", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "ba|b3|b2|b1|b");
  collect(t, "", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "a1|a5|b|b1|b2|b3|ba|c1|c9|d");
  collect(t, "", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "d|c9|c1|ba|b3|b2|b1|b|a5|a1");
  collect(t, "d", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "d");
  collect(t, "x", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "");
  collect(t, "x", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "");
  collect(t, "0", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "");
  collect(t, "b1", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "b1");
  store_txn_abort(t);
}

static void cursor_start_keys_are_exclusive(void **state) {
  static const struct {
    const char *prefix;
    int reverse;
    const char *start;
    const char *want;
    const char *reason;
  } cases[] = {
      {"b", 0, "b1", "b2|b3|ba", "start on a key"},
      {"b", 1, "b2", "b1|b", "reverse start on a key"},
      {"b", 0, "b15", "b2|b3|ba", "start between keys"},
      {"b", 1, "b15", "b1|b", "reverse start between keys"},
      {"b", 0, "b", "b1|b2|b3|ba", "start equal to the prefix"},
      {"b", 1, "b", "", "reverse from the prefix itself: nothing before it"},
      {"b", 0, "ba", "", "start on the last key"},
      {"b", 1, "ba", "b3|b2|b1|b", "reverse start on the last key"},
      {"b", 1, "bz", "ba|b3|b2|b1|b", "reverse start after the last key"},
      {"", 0, "b3", "ba|c1|c9|d", "no prefix"},
      {"", 1, "b3", "b2|b1|b|a5|a1", "no prefix, reverse"},
      {"", 1, "zzz", "d|c9|c1|ba|b3|b2|b1|b|a5|a1", "reverse start after everything"},
      {"", 0, "", "a1|a5|b|b1|b2|b3|ba|c1|c9|d", "empty start: everything is after it"},
      {"", 1, "", "", "empty start, reverse: nothing is before it"},
      {"b", 0, "a0", "b|b1|b2|b3|ba", "start before the prefix range"},
      {"b", 0, "a5", "b|b1|b2|b3|ba", "start on a key before the prefix range"},
      {"b", 1, "c5", "ba|b3|b2|b1|b", "reverse start after the prefix range"},
      {"b", 1, "c1", "ba|b3|b2|b1|b", "reverse start on a key after the prefix range"},
      {"b", 0, "c0", "", "start after the prefix range"},
      {"b", 1, "a9", "", "reverse start before the prefix range"},
  };
  struct fixture *f = *state;
  struct store_txn *t;
  size_t i;
  int failures = 0;

  fill_short_keys(f->s);
  t = begin(f->s, 0);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char got[512];
    collect(t, cases[i].prefix, cases[i].reverse, cases[i].start, got, sizeof(got));
    if (strcmp(got, cases[i].want) != 0) {
      print_error("prefix \"%s\" %s after \"%s\": expected \"%s\", got \"%s\" (%s)\n",
                  cases[i].prefix, cases[i].reverse ? "reverse" : "forward", cases[i].start,
                  cases[i].want, got, cases[i].reason);
      failures++;
    }
  }
  store_txn_abort(t);
  assert_int_equal(failures, 0);
}

static void cursor_on_an_empty_store_finds_nothing(void **state) {
  struct fixture *f = *state;
  struct store_txn *t = begin(f->s, 0);
  char got[64];

  collect(t, "", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "");
  collect(t, "", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "");
  collect(t, "\xff\xff", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "");
  store_txn_abort(t);
}

static void reverse_cursor_handles_prefixes_ending_in_0xff(void **state) {
  struct fixture *f = *state;
  struct store_txn *t;
  char got[512];

  t = begin(f->s, 1);
  put(t, "a\xff", 2, "1");
  put(t, "a\xff\xff", 3, "2");
  put(t,
      "a\xff\xff"
      "b",
      4, "3");
  put(t, "b", 1, "4");
  put(t, "\xff", 1, "5");
  put(t, "\xff\xff", 2, "6");
  assert_int_equal(store_txn_commit(t), STORE_OK);
  t = begin(f->s, 0);
  collect(t, "a\xff\xff", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "a\xff\xff"
                           "b|a\xff\xff");
  collect(t, "a\xff", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "a\xff\xff"
                           "b|a\xff\xff|a\xff");
  collect(t, "\xff", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "\xff\xff|\xff");
  collect(t, "\xff\xff", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "\xff\xff");
  store_txn_abort(t);
}

/* ---- Long keys: model-based ------------------------------------------------- */

#define Q_LEN DIRECT_MAX /* the bucket boundary, 500 */
#define MAX_KEY 6200

struct mkey {
  unsigned char *k;
  size_t len;
  char val[24];
  int live;
};

struct model {
  struct mkey *keys;
  size_t n, cap;
};

static uint64_t rng_state;

static uint64_t rng_next(void) { /* splitmix64 */
  uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static size_t rng_below(size_t n) {
  return (size_t)(rng_next() % n);
}

/* base (Q_LEN bytes): "P" then a pattern; the shared first 500 bytes. */
static unsigned char q_base[Q_LEN];

static void init_q_base(void) {
  size_t i;

  q_base[0] = 'P';
  for (i = 1; i < Q_LEN; i++)
    q_base[i] = (unsigned char)('a' + i % 7);
}

/* Builds base[0..base_len) || tail[0..tail_len) || fill x fill_len. */
static size_t build_key(unsigned char *out, size_t base_len, const void *tail, size_t tail_len,
                        unsigned char fill, size_t fill_len) {
  memcpy(out, q_base, base_len);
  memcpy(out + base_len, tail, tail_len);
  memset(out + base_len + tail_len, fill, fill_len);
  return base_len + tail_len + fill_len;
}

static void model_add(struct model *m, const unsigned char *k, size_t len) {
  size_t i;

  for (i = 0; i < m->n; i++)
    if (bytes_cmp(m->keys[i].k, m->keys[i].len, k, len) == 0)
      return; /* already there */
  if (m->n == m->cap) {
    m->cap = m->cap ? m->cap * 2 : 64;
    m->keys = realloc(m->keys, m->cap * sizeof(*m->keys));
    assert_non_null(m->keys);
  }
  m->keys[m->n].k = malloc(len);
  assert_non_null(m->keys[m->n].k);
  memcpy(m->keys[m->n].k, k, len);
  m->keys[m->n].len = len;
  m->keys[m->n].live = 0;
  m->keys[m->n].val[0] = '\0';
  m->n++;
}

static int mkey_cmp(const void *a, const void *b) {
  const struct mkey *x = a, *y = b;

  return bytes_cmp(x->k, x->len, y->k, y->len);
}

static void model_free(struct model *m) {
  size_t i;

  for (i = 0; i < m->n; i++)
    free(m->keys[i].k);
  free(m->keys);
  memset(m, 0, sizeof(*m));
}

/* The key universe: short keys around the bucket boundary, long keys in
 * one crowded bucket (sharing q_base) and in neighbouring buckets, keys up
 * to ~6 KB, plus random long keys. Sorted. */
static void model_build(struct model *m) {
  unsigned char k[MAX_KEY], t[8];
  size_t i;

  init_q_base();
  /* Short (direct) keys. */
  model_add(m, (const unsigned char *)"A", 1);
  model_add(m, (const unsigned char *)"P", 1);
  model_add(m, (const unsigned char *)"Pa", 2);
  model_add(m, (const unsigned char *)"Z", 1);
  model_add(m, (const unsigned char *)"\xff\xff\xff", 3);
  model_add(m, k, build_key(k, 100, "", 0, 0, 0));
  model_add(m, k, build_key(k, Q_LEN - 1, "", 0, 0, 0));     /* 499 */
  model_add(m, k, build_key(k, Q_LEN - 1, "\0", 1, 0, 0));   /* 500, below Q */
  model_add(m, k, build_key(k, Q_LEN - 1, "\xff", 1, 0, 0)); /* 500, above Q */
  model_add(m, k, build_key(k, Q_LEN, "", 0, 0, 0));         /* Q itself */
  /* The crowded bucket: Q || ... */
  model_add(m, k, build_key(k, Q_LEN, "\0", 1, 0, 0)); /* 501: looks like the bucket key */
  model_add(m, k, build_key(k, Q_LEN, "\0\0", 2, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\0\xff", 2, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\0\1", 2, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\1", 1, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\5", 1, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\5", 1, 'a', 100));
  model_add(m, k, build_key(k, Q_LEN, "\5", 1, 'a', 99));
  model_add(m, k, build_key(k, Q_LEN, "\5b", 2, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\5", 1, 'm', 5500)); /* ~6 KB */
  model_add(m, k, build_key(k, Q_LEN, "\5", 1, 'm', 5600));
  model_add(m, k, build_key(k, Q_LEN, "\5", 1, 'l', 5600));
  model_add(m, k, build_key(k, Q_LEN, "\xff", 1, 0, 0));
  model_add(m, k, build_key(k, Q_LEN, "\xff", 1, 0xff, 1000));
  /* Neighbouring buckets. */
  model_add(m, k, build_key(k, Q_LEN - 1, "\0\0", 2, 'x', 10)); /* base ...\0 */
  model_add(m, k, build_key(k, Q_LEN - 1, "\0\xff", 2, 0, 0));
  model_add(m, k, build_key(k, Q_LEN - 1, "\xff\0", 2, 0, 0)); /* base ...\xff */
  model_add(m, k, build_key(k, Q_LEN - 1, "\xff", 1, 'z', 2000));
  /* Random extensions of Q (same bucket) and of shorter bases. */
  rng_state = UINT64_C(0x10ca1);
  for (i = 0; i < 40; i++) {
    static const unsigned char alphabet[] = {0x00, 0x01, 0x05, 'a', 'm', 0xfe, 0xff};
    size_t j, tail = 1 + rng_below(6), base = rng_below(4) ? Q_LEN : Q_LEN - 1 - rng_below(3);
    for (j = 0; j < tail && j < sizeof(t); j++)
      t[j] = alphabet[rng_below(sizeof(alphabet))];
    model_add(m, k,
              build_key(k, base, t, tail, alphabet[rng_below(sizeof(alphabet))],
                        rng_below(3) ? rng_below(50) : rng_below(4000)));
  }
  qsort(m->keys, m->n, sizeof(*m->keys), mkey_cmp);
}

/* Writes the live keys of the model into the store, in a shuffled order
 * spread over several transactions. */
static void model_store(struct store *s, struct model *m, int round) {
  size_t *order = malloc(m->n * sizeof(*order)), i;
  struct store_txn *t = begin(s, 1);

  assert_non_null(order);
  for (i = 0; i < m->n; i++)
    order[i] = i;
  for (i = m->n; i > 1; i--) {
    size_t j = rng_below(i), tmp = order[i - 1];
    order[i - 1] = order[j];
    order[j] = tmp;
  }
  for (i = 0; i < m->n; i++) {
    struct mkey *e = &m->keys[order[i]];
    snprintf(e->val, sizeof(e->val), "v%zu.%d", order[i], round);
    e->live = 1;
    put(t, e->k, e->len, e->val);
    if (i % 17 == 16) {
      assert_int_equal(store_txn_commit(t), STORE_OK);
      t = begin(s, 1);
    }
  }
  assert_int_equal(store_txn_commit(t), STORE_OK);
  free(order);
}

/* Compares one cursor with the model; returns the number of mismatches. */
static int check_cursor(struct store_txn *t, const struct model *m, const unsigned char *prefix,
                        size_t plen, int reverse, const unsigned char *start, size_t slen,
                        const char *what) {
  struct store_cursor *c = NULL;
  size_t pos = 0, count = 0;
  int rc;

  assert_int_equal(store_cursor_open(t, prefix, plen, reverse, start, slen, &c), STORE_OK);
  for (;;) {
    const void *k, *v;
    size_t kl, vl;
    const struct mkey *want = NULL;

    /* The next model key in this direction that passes the filters. */
    for (; pos < m->n && !want; pos++) {
      const struct mkey *e = &m->keys[reverse ? m->n - 1 - pos : pos];
      int cmp = start ? bytes_cmp(e->k, e->len, start, slen) : 0;
      if (e->live && e->len >= plen && memcmp(e->k, prefix, plen) == 0 &&
          (!start || (reverse ? cmp < 0 : cmp > 0)))
        want = e;
    }
    rc = store_cursor_next(c, &k, &kl, &v, &vl);
    if (!want && rc == STORE_NOT_FOUND)
      break;
    if (!want || rc != STORE_OK || kl != want->len || memcmp(k, want->k, kl) != 0 ||
        vl != strlen(want->val) || memcmp(v, want->val, vl) != 0) {
      print_error("%s (prefix %zu bytes, start %zu bytes, %s): item %zu: expected %s "
                  "(len %zu), got rc %d len %zu\n",
                  what, plen, start ? slen : (size_t)0, reverse ? "reverse" : "forward", count,
                  want ? "a key" : "the end", want ? want->len : (size_t)0, rc,
                  rc == STORE_OK ? kl : (size_t)0);
      store_cursor_close(c);
      return 1;
    }
    count++;
  }
  store_cursor_close(c);
  return 0;
}

/* Prefixes and start keys to try: around and inside buckets. */
static size_t probe_keys(const struct model *m, unsigned char **probes, size_t *lens) {
  unsigned char k[MAX_KEY];
  size_t n = 0, i;

#define PROBE(len)                         \
  do {                                     \
    probes[n] = malloc((len) ? (len) : 1); \
    assert_non_null(probes[n]);            \
    memcpy(probes[n], k, (len));           \
    lens[n++] = (len);                     \
  } while (0)
  PROBE(build_key(k, 0, "", 0, 0, 0));
  PROBE(build_key(k, 1, "", 0, 0, 0));
  PROBE(build_key(k, 50, "", 0, 0, 0));
  PROBE(build_key(k, Q_LEN - 1, "", 0, 0, 0));
  PROBE(build_key(k, Q_LEN - 1, "\0", 1, 0, 0));
  PROBE(build_key(k, Q_LEN - 1, "\xff", 1, 0, 0));
  PROBE(build_key(k, Q_LEN, "", 0, 0, 0));
  PROBE(build_key(k, Q_LEN, "\0", 1, 0, 0));
  PROBE(build_key(k, Q_LEN, "\1", 1, 0, 0));
  PROBE(build_key(k, Q_LEN, "\5", 1, 0, 0));
  PROBE(build_key(k, Q_LEN, "\5", 1, 'a', 50));
  PROBE(build_key(k, Q_LEN, "\5", 1, 'm', 3000));
  PROBE(build_key(k, Q_LEN, "\5", 1, 'm', 5550));
  PROBE(build_key(k, Q_LEN, "\x80", 1, 0, 0));
  PROBE(build_key(k, Q_LEN, "\xff", 1, 0, 0));
  PROBE(build_key(k, Q_LEN, "\xff", 1, 0xff, 500));
  PROBE(build_key(k, Q_LEN, "\xff", 1, 0xff, 1500));
  PROBE(build_key(k, 0, "A", 1, 0, 0));
  PROBE(build_key(k, 0, "Q", 1, 0, 0));
  PROBE(build_key(k, 0, "\xff\xff\xff\xff", 4, 0, 0));
  /* Every model key is a start probe too; some are prefixes of others. */
  for (i = 0; i < m->n; i++) {
    memcpy(k, m->keys[i].k, m->keys[i].len);
    PROBE(m->keys[i].len);
  }
#undef PROBE
  return n;
}

static int check_all_cursors(struct store *s, const struct model *m) {
  unsigned char **probes = malloc((m->n + 32) * sizeof(*probes));
  size_t *lens = malloc((m->n + 32) * sizeof(*lens));
  size_t np, p, st, nprefix = 20; /* the first 20 probes double as prefixes */
  struct store_txn *t = begin(s, 0);
  int failures = 0, reverse;

  assert_non_null(probes);
  assert_non_null(lens);
  np = probe_keys(m, probes, lens);
  for (p = 0; p < nprefix && failures < 5; p++)
    for (reverse = 0; reverse <= 1; reverse++) {
      failures += check_cursor(t, m, probes[p], lens[p], reverse, NULL, 0, "no start");
      for (st = 0; st < np && failures < 5; st++)
        failures += check_cursor(t, m, probes[p], lens[p], reverse, probes[st], lens[st],
                                 "with start");
    }
  /* Prefixes inside the crowded bucket taken from model keys. */
  for (p = nprefix; p < np && failures < 5; p += 3)
    for (reverse = 0; reverse <= 1; reverse++)
      failures += check_cursor(t, m, probes[p], lens[p], reverse, NULL, 0, "key as prefix");
  store_txn_abort(t);
  for (p = 0; p < np; p++)
    free(probes[p]);
  free(probes);
  free(lens);
  return failures;
}

static void long_keys_round_trip_through_get(void **state) {
  struct fixture *f = *state;
  struct model m = {NULL, 0, 0};
  struct store_txn *t;
  size_t i;

  model_build(&m);
  model_store(f->s, &m, 0);
  t = begin(f->s, 0);
  for (i = 0; i < m.n; i++)
    expect_stored(t, m.keys[i].k, m.keys[i].len, m.keys[i].val);
  {
    unsigned char k[MAX_KEY];
    expect_stored(t, k, build_key(k, Q_LEN, "\5", 1, 'm', 5499), NULL); /* in a bucket */
    expect_stored(t, k, build_key(k, Q_LEN, "\x80", 1, 0, 0), NULL);
    expect_stored(t, k, build_key(k, 10, "Q", 1, 'q', 800), NULL); /* no bucket */
  }
  store_txn_abort(t);
  model_free(&m);
}

static void cursor_order_equals_sorted_byte_order_with_long_keys(void **state) {
  struct fixture *f = *state;
  struct model m = {NULL, 0, 0};

  model_build(&m);
  model_store(f->s, &m, 0);
  assert_int_equal(check_all_cursors(f->s, &m), 0);
  model_free(&m);
}

static void cursor_order_holds_after_overwrites_and_deletes(void **state) {
  struct fixture *f = *state;
  struct model m = {NULL, 0, 0};
  struct store_txn *t;
  size_t i;

  model_build(&m);
  model_store(f->s, &m, 0);
  model_store(f->s, &m, 1); /* overwrite everything with new values */
  t = begin(f->s, 1);
  rng_state = UINT64_C(0xde1e7e);
  for (i = 0; i < m.n; i++)
    if (rng_below(2)) {
      assert_int_equal(store_del(t, m.keys[i].k, m.keys[i].len), STORE_OK);
      assert_int_equal(store_del(t, m.keys[i].k, m.keys[i].len), STORE_NOT_FOUND);
      m.keys[i].live = 0;
    }
  assert_int_equal(store_txn_commit(t), STORE_OK);
  assert_int_equal(check_all_cursors(f->s, &m), 0);
  t = begin(f->s, 0);
  for (i = 0; i < m.n; i++)
    expect_stored(t, m.keys[i].k, m.keys[i].len, m.keys[i].live ? m.keys[i].val : NULL);
  store_txn_abort(t);
  model_free(&m);
}

/* ---- Buckets ------------------------------------------------------------------ */

static void long_keys_sharing_500_bytes_share_one_bucket(void **state) {
  struct fixture *f = *state;
  unsigned char k[MAX_KEY];
  struct store_txn *t;

  init_q_base();
  t = begin(f->s, 1);
  put(t, k, build_key(k, Q_LEN, "x", 1, 0, 0), "1");
  put(t, k, build_key(k, Q_LEN, "y", 1, 'y', 3000), "2");
  put(t, k, build_key(k, Q_LEN, "\0", 1, 0, 0), "3");
  put(t, k, build_key(k, Q_LEN, "", 0, 0, 0), "direct");
  assert_int_equal(store_txn_commit(t), STORE_OK);
  /* One bucket record plus one direct record. */
  assert_int_equal(raw_bucket_entries(f->s, q_base), 3);
  assert_int_equal(raw_item_records(f->s), 2);
}

static void deleting_every_long_key_removes_the_bucket(void **state) {
  struct fixture *f = *state;
  unsigned char k[MAX_KEY];
  struct store_txn *t;
  char got[64];

  init_q_base();
  t = begin(f->s, 1);
  put(t, k, build_key(k, Q_LEN, "a", 1, 0, 0), "1");
  put(t, k, build_key(k, Q_LEN, "b", 1, 'b', 700), "2");
  put(t, k, build_key(k, Q_LEN, "c", 1, 0, 0), "3");
  put(t, "short", 5, "s");
  assert_int_equal(store_txn_commit(t), STORE_OK);
  assert_int_equal(raw_bucket_entries(f->s, q_base), 3);

  t = begin(f->s, 1);
  assert_int_equal(store_del(t, k, build_key(k, Q_LEN, "b", 1, 'b', 700)), STORE_OK);
  assert_int_equal(store_del(t, k, build_key(k, Q_LEN, "a", 1, 0, 0)), STORE_OK);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  assert_int_equal(raw_bucket_entries(f->s, q_base), 1);

  t = begin(f->s, 1);
  assert_int_equal(store_del(t, k, build_key(k, Q_LEN, "c", 1, 0, 0)), STORE_OK);
  /* Deleting again, and deleting a never-stored key of the same bucket. */
  assert_int_equal(store_del(t, k, build_key(k, Q_LEN, "c", 1, 0, 0)), STORE_NOT_FOUND);
  assert_int_equal(store_del(t, k, build_key(k, Q_LEN, "d", 1, 0, 0)), STORE_NOT_FOUND);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  /* SPEC store_lmdb.c header: no bucket is empty. */
  assert_int_equal(raw_bucket_entries(f->s, q_base), -1);
  assert_int_equal(raw_item_records(f->s), 1);

  t = begin(f->s, 0);
  collect(t, "", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "short");
  collect(t, "", 1, NULL, got, sizeof(got));
  assert_string_equal(got, "short");
  store_txn_abort(t);
}

static void a_long_key_equal_to_a_bucket_key_is_an_ordinary_entry(void **state) {
  struct fixture *f = *state;
  unsigned char k[MAX_KEY];
  struct store_txn *t;

  /* Q || 0x00 is exactly the bucket key's bytes; it must live inside the
   * bucket, not overwrite it. */
  init_q_base();
  t = begin(f->s, 1);
  put(t, k, build_key(k, Q_LEN, "\0", 1, 0, 0), "same bytes as the bucket key");
  put(t, k, build_key(k, Q_LEN, "\0\0", 2, 0, 0), "longer");
  assert_int_equal(store_txn_commit(t), STORE_OK);
  assert_int_equal(raw_bucket_entries(f->s, q_base), 2);
  t = begin(f->s, 0);
  expect_stored(t, k, build_key(k, Q_LEN, "\0", 1, 0, 0), "same bytes as the bucket key");
  expect_stored(t, k, build_key(k, Q_LEN, "\0\0", 2, 0, 0), "longer");
  store_txn_abort(t);
}

/* ---- store_del_prefix --------------------------------------------------------- */

static void del_prefix_removes_exactly_the_prefix(void **state) {
  struct fixture *f = *state;
  struct store_txn *t;
  char got[256];

  fill_short_keys(f->s);
  t = begin(f->s, 1);
  assert_int_equal(store_del_prefix(t, "b", 1), STORE_OK);
  assert_int_equal(store_del_prefix(t, "x", 1), STORE_OK); /* nothing to delete */
  assert_int_equal(store_txn_commit(t), STORE_OK);
  t = begin(f->s, 0);
  collect(t, "", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "a1|a5|c1|c9|d");
  store_txn_abort(t);
}

static void del_prefix_handles_long_keys_and_partial_buckets(void **state) {
  struct fixture *f = *state;
  struct model m = {NULL, 0, 0};
  unsigned char k[MAX_KEY];
  size_t plen, i;
  struct store_txn *t;

  model_build(&m);
  model_store(f->s, &m, 0);

  /* A prefix longer than 500 bytes removes part of the crowded bucket. */
  plen = build_key(k, Q_LEN, "\5", 1, 0, 0);
  t = begin(f->s, 1);
  assert_int_equal(store_del_prefix(t, k, plen), STORE_OK);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  for (i = 0; i < m.n; i++)
    if (m.keys[i].len >= plen && memcmp(m.keys[i].k, k, plen) == 0)
      m.keys[i].live = 0;
  assert_int_equal(check_all_cursors(f->s, &m), 0);
  assert_true(raw_bucket_entries(f->s, q_base) > 0);

  /* Q as the prefix removes Q itself and the whole bucket. */
  plen = build_key(k, Q_LEN, "", 0, 0, 0);
  t = begin(f->s, 1);
  assert_int_equal(store_del_prefix(t, k, plen), STORE_OK);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  for (i = 0; i < m.n; i++)
    if (m.keys[i].len >= plen && memcmp(m.keys[i].k, k, plen) == 0)
      m.keys[i].live = 0;
  assert_int_equal(raw_bucket_entries(f->s, q_base), -1);
  assert_int_equal(check_all_cursors(f->s, &m), 0);

  /* A short prefix over several buckets. */
  plen = 10;
  t = begin(f->s, 1);
  assert_int_equal(store_del_prefix(t, q_base, plen), STORE_OK);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  for (i = 0; i < m.n; i++)
    if (m.keys[i].len >= plen && memcmp(m.keys[i].k, q_base, plen) == 0)
      m.keys[i].live = 0;
  assert_int_equal(check_all_cursors(f->s, &m), 0);
  assert_int_equal(raw_item_records(f->s), 5); /* A, P, Pa, Z, FF FF FF */
  model_free(&m);
}

/* ---- Durability ------------------------------------------------------------------ */

static void a_committed_write_survives_reopening(void **state) {
  struct fixture *f = *state;
  unsigned char k[MAX_KEY];
  struct store_txn *t;
  struct emu_buf val;
  char got[64];

  init_q_base();
  t = begin(f->s, 1);
  put(t, "kept", 4, "yes");
  put(t, k, build_key(k, Q_LEN, "z", 1, 'z', 4000), "long and kept");
  assert_int_equal(store_meta_put(t, "t:T", "desc", 4), STORE_OK);
  assert_int_equal(store_txn_commit(t), STORE_OK);
  t = begin(f->s, 1);
  put(t, "dropped", 7, "no");
  put(t, k, build_key(k, Q_LEN, "y", 1, 0, 0), "long and dropped");
  assert_int_equal(store_del(t, "kept", 4), STORE_OK);
  store_txn_abort(t);

  store_close(f->s);
  f->s = NULL;
  open_store(f);
  t = begin(f->s, 0);
  expect_stored(t, "kept", 4, "yes");
  expect_stored(t, "dropped", 7, NULL);
  expect_stored(t, k, build_key(k, Q_LEN, "z", 1, 'z', 4000), "long and kept");
  expect_stored(t, k, build_key(k, Q_LEN, "y", 1, 0, 0), NULL);
  emu_buf_init(&val, 64);
  assert_int_equal(store_meta_get(t, "t:T", &val), STORE_OK);
  assert_string_equal(val.data, "desc");
  emu_buf_free(&val);
  collect(t, "k", 0, NULL, got, sizeof(got));
  assert_string_equal(got, "kept");
  store_txn_abort(t);
}

/* ---- Group commit ------------------------------------------------------------- */

#define GC_THREADS 8
#define GC_ROUNDS 120

struct gc_worker {
  struct store *s;
  int id;
  int committed; /* increments of "total" that were committed */
  int failures;  /* cmocka asserts are not thread-safe: counted here */
};

/* Reads a decimal counter stored at key (0 when absent). */
static long read_counter(struct store_txn *t, const char *key) {
  struct emu_buf v;
  long n = 0;

  emu_buf_init(&v, 64);
  if (store_get(t, key, strlen(key), &v) == STORE_OK)
    n = strtol(v.data, NULL, 10);
  emu_buf_free(&v);
  return n;
}

static int write_counter(struct store_txn *t, const char *key, long n) {
  char b[32];

  snprintf(b, sizeof(b), "%ld", n);
  return store_put(t, key, strlen(key), b, strlen(b) + 1);
}

/* Each round increments the shared "total" and the worker's own key, and
 * every third round aborts instead of committing. */
static void *gc_worker_main(void *arg) {
  struct gc_worker *w = arg;
  char own[32];
  int r;

  snprintf(own, sizeof(own), "own-%d", w->id);
  for (r = 0; r < GC_ROUNDS; r++) {
    struct store_txn *t;
    if (store_txn_begin(w->s, 1, &t) != STORE_OK) {
      w->failures++;
      continue;
    }
    if (write_counter(t, "total", read_counter(t, "total") + 1) != STORE_OK ||
        write_counter(t, own, read_counter(t, own) + 1) != STORE_OK)
      w->failures++;
    if (r % 3 == 2) {
      store_txn_abort(t);
      continue;
    }
    if (store_txn_commit(t) != STORE_OK) {
      w->failures++;
      continue;
    }
    w->committed++;
    /* Acknowledged means visible: a new snapshot sees our own count. */
    if (store_txn_begin(w->s, 0, &t) != STORE_OK) {
      w->failures++;
      continue;
    }
    if (read_counter(t, own) != w->committed)
      w->failures++;
    store_txn_abort(t);
  }
  return NULL;
}

static void concurrent_writers_share_batches_and_lose_nothing(void **state) {
  struct fixture *f = *state;
  struct gc_worker w[GC_THREADS];
  pthread_t th[GC_THREADS];
  struct store_txn *t;
  long total = 0;
  int i;

  for (i = 0; i < GC_THREADS; i++) {
    w[i] = (struct gc_worker){f->s, i, 0, 0};
    assert_int_equal(pthread_create(&th[i], NULL, gc_worker_main, &w[i]), 0);
  }
  for (i = 0; i < GC_THREADS; i++)
    pthread_join(th[i], NULL);
  t = begin(f->s, 0);
  for (i = 0; i < GC_THREADS; i++) {
    char own[32];
    assert_int_equal(w[i].failures, 0);
    snprintf(own, sizeof(own), "own-%d", i);
    assert_int_equal(read_counter(t, own), w[i].committed);
    total += w[i].committed;
  }
  /* Serializable: no increment of the shared counter is lost or doubled. */
  assert_int_equal(read_counter(t, "total"), total);
  assert_int_equal(total, GC_THREADS * (GC_ROUNDS - GC_ROUNDS / 3));
  store_txn_abort(t);
  /* Durable writers waiting together share commits. */
  assert_true(f->s->gc.batches < (uint64_t)total);
  print_message("%ld commits in %llu batches\n", total, (unsigned long long)f->s->gc.batches);
}

static void a_scratch_store_writes_through_its_map_and_reopens(void **state) {
  struct fixture *f = *state;
  struct store_txn *t;
  char err[512] = "";
  int i;

  store_close(f->s);
  assert_int_equal(store_open(f->dir, STORE_SCRATCH, &f->s, err, sizeof(err)), STORE_OK);
  assert_int_equal(f->s->group, 0);
  for (i = 0; i < 200; i++) {
    char k[16];
    snprintf(k, sizeof(k), "k%03d", i);
    t = begin(f->s, 1);
    put(t, k, strlen(k), "v");
    assert_int_equal(store_txn_commit(t), STORE_OK);
  }
  store_close(f->s);
  f->s = NULL;
  open_store(f); /* durable mode reads the same file */
  t = begin(f->s, 0);
  expect_stored(t, "k000", 4, "v");
  expect_stored(t, "k199", 4, "v");
  store_txn_abort(t);
}

static void open_fails_for_a_missing_directory(void **state) {
  struct fixture *f = *state;
  struct store *s = (struct store *)1;
  char path[128], err[512] = "";

  snprintf(path, sizeof(path), "%s/does/not/exist", f->dir);
  assert_int_equal(store_open(path, 1, &s, err, sizeof(err)), STORE_ERROR);
  assert_null(s);
  assert_non_null(strstr(err, path));
  store_close(NULL); /* NULL is fine */
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(put_then_get_returns_the_value),
      T(put_overwrites_and_del_removes),
      T(keys_with_nul_and_high_bytes_are_distinct),
      T(empty_keys_are_refused),
      T(large_values_round_trip_for_short_and_long_keys),
      T(read_transactions_cannot_write),
      T(a_read_transaction_sees_a_snapshot),
      T(an_aborted_write_leaves_nothing),
      T(meta_records_are_separate_from_items),
      T(meta_next_walks_names_with_a_prefix_in_order),
      T(counters_start_at_one_and_persist),
      T(cursor_iterates_a_prefix_in_both_directions),
      T(cursor_start_keys_are_exclusive),
      T(cursor_on_an_empty_store_finds_nothing),
      T(reverse_cursor_handles_prefixes_ending_in_0xff),
      T(long_keys_round_trip_through_get),
      T(cursor_order_equals_sorted_byte_order_with_long_keys),
      T(cursor_order_holds_after_overwrites_and_deletes),
      T(long_keys_sharing_500_bytes_share_one_bucket),
      T(deleting_every_long_key_removes_the_bucket),
      T(a_long_key_equal_to_a_bucket_key_is_an_ordinary_entry),
      T(del_prefix_removes_exactly_the_prefix),
      T(del_prefix_handles_long_keys_and_partial_buckets),
      T(a_committed_write_survives_reopening),
      T(concurrent_writers_share_batches_and_lose_nothing),
      T(a_scratch_store_writes_through_its_map_and_reopens),
      T(open_fails_for_a_missing_directory),
  };

  return cmocka_run_group_tests_name("store_lmdb", tests, NULL, NULL);
}
