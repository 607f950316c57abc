/*
 * dynamo_int.h - internals shared by the dynamo_*.c operation files: the
 * struct dynamo context, the loaded table schema, request-field getters and
 * the operation prototypes (from dynamo_ops.def).
 *
 * Ownership: a struct dynamo_table owns its description tree; free it with
 * dynamo_table_free. Threading: operations run concurrently on civetweb
 * workers; each opens its own store transaction.
 */
#ifndef DYNAMO_INT_H
#define DYNAMO_INT_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "dynamo_errors.h"
#include "dynamo_streams.h"
#include "dynamo_expr.h"
#include "emu_buf.h"
#include "emu_json.h"
#include "store.h"

struct emu_faults;
struct dynamo_tokens;
struct dynamo_remote;

struct aws_sigv4_key;

struct dynamo {
  struct store *store;          /* NULL when remote is set */
  struct dynamo_remote *remote; /* the external endpoint (dynamo_remote.h), or NULL: the store */
  char region[32];
  char account[13];                 /* the fixed local account id */
  struct emu_faults *faults;        /* fault injection, or NULL */
  int cors;                         /* answer CORS as DynamoDB does (dynamo_set_cors) */
  const struct aws_sigv4_key *keys; /* --auth sigv4 key pairs (dynamo_set_auth), or NULL */
  size_t nkeys;
  struct dynamo_tokens *tokens; /* TransactWriteItems ClientRequestTokens (dynamo_transact.c) */
  struct dynamo_table_cache *tables; /* parsed schemas (dynamo_table_cache.c) */
  /* DynamoDB Streams (dynamo_streams.c): the commit listener, the record
   * retention, and a clock offset that only tests set. */
  dynamo_streams_listener *stream_listener;
  void *stream_listener_arg;
  int64_t stream_retention_ms;
  int64_t stream_clock_offset_ms;
  int64_t stream_shard_ms; /* a new stream's shard period (0: DYNAMO_STREAMS_SHARD_MS) */
};

/* A secondary index (dynamo_indexes.c). */
enum dynamo_projection { DYNAMO_PROJ_KEYS_ONLY, DYNAMO_PROJ_INCLUDE, DYNAMO_PROJ_ALL };
struct dynamo_index {
  char name[256];
  uint8_t space; /* the key space of its entries (store_keycodec.h), 1.. */
  int global;    /* GSI (1) or LSI (0) */
  char hash_name[256];
  char hash_type;
  char range_name[256];
  char range_type; /* 0: no sort key */
  enum dynamo_projection projection;
  const cJSON *non_key; /* INCLUDE: NonKeyAttributes (borrowed from desc) */
};

/* A table's schema, as the item operations need it. An index view (see
 * dynamo_indexes_view) has the index's keys in hash/range, space > 0 and
 * base pointing to the table. */
struct dynamo_table {
  uint32_t id;
  char name[256];
  char hash_name[256];
  char hash_type; /* 'S', 'N' or 'B' */
  char range_name[256];
  char range_type;                  /* 0 when the table has no sort key */
  cJSON *desc;                      /* the stored TableDescription */
  uint8_t space;                    /* 0: the table itself; an index view: the index's */
  const struct dynamo_table *base;  /* an index view: the table */
  const struct dynamo_index *index; /* an index view: the index */
  struct dynamo_index *indexes;     /* owned, unless shared; nindexes entries */
  int nindexes;
  /* The enabled stream (dynamo_streams.c): its view type (enum
   * dynamo_stream_view; 0 when the table has no enabled stream) and its
   * number within the table (1.., 0: never had one). */
  int stream_view;
  uint32_t stream_no;
  /* Not NULL: desc and indexes are borrowed, read-only, from the table
   * cache; dynamo_table_free gives them back. */
  struct dynamo_table_shared *shared;
};

/* Loads a table's schema as of t's snapshot. Missing:
 * ResourceNotFoundException with `missing_message` ("Requested resource
 * not found" for item operations). The result may be shared with the table
 * cache: never write its desc or indexes. */
int dynamo_tables_load(struct dynamo *db, struct store_txn *t, const char *name,
                       struct dynamo_table *out, const char *missing_message,
                       struct dynamo_error *err);
void dynamo_table_free(struct dynamo_table *tb);

/* The table cache (dynamo_table_cache.c). get: when the cache holds the
 * table parsed from exactly these record bytes, fills *out with a shared
 * reference and returns 1. put: moves a freshly parsed *tb into the cache
 * (tb becomes a shared reference). release: gives a reference back. */
struct dynamo_table_shared;
struct dynamo_table_cache;
struct dynamo_table_cache *dynamo_table_cache_new(void);
void dynamo_table_cache_free(struct dynamo_table_cache *c);
int dynamo_table_cache_get(struct dynamo_table_cache *c, const char *name, const void *rec,
                           size_t len, struct dynamo_table *out);
void dynamo_table_cache_put(struct dynamo_table_cache *c, const void *rec, size_t len,
                            struct dynamo_table *tb);
void dynamo_table_cache_release(struct dynamo_table_shared *sh);
/* Adds to a table's live ItemCount/TableSizeBytes (in the caller's write
 * transaction). */
int dynamo_tables_account(struct store_txn *t, const struct dynamo_table *tb, int64_t items,
                          int64_t bytes);

/* Request fields, with AWS's errors for wrong types and missing members. */
int dynamo_req_table_name(const cJSON *req, const char **out, struct dynamo_error *err);
/* An optional string member: NULL when absent; SerializationException when
 * not a string. */
int dynamo_req_string(const cJSON *req, const char *name, const char **out,
                      struct dynamo_error *err);
/* An optional object member (may be NULL). */
int dynamo_req_object(const cJSON *req, const char *name, cJSON **out, struct dynamo_error *err);
int dynamo_req_bool(const cJSON *req, const char *name, int *out, struct dynamo_error *err);
/* An optional integer member `name` (AWS calls it `member` in violation
 * messages) in lo..hi; hi 0: no upper bound, larger values count as 2^30.
 * Absent or null: *out unchanged, *present 0 (present may be NULL). Not a
 * number: SerializationException. Out of range: a violation added to bad,
 * or with bad NULL the ValidationException itself. */
struct dynamo_violations;
int dynamo_req_int(const cJSON *req, const char *name, const char *member, int lo, int hi, int *out,
                   int *present, struct dynamo_violations *bad, struct dynamo_error *err);

/* The expressions of one request (dynamo_request.c). e[kind] is NULL when
 * the request has no such expression. */
struct dynamo_exprs {
  struct dynamo_expr_env env;
  struct dynamo_expr *e[5]; /* indexed by enum dynamo_expr_kind */
};
#define DYNAMO_KIND(k) (1u << (k))
/* Parses the request's expressions of the kinds in `kinds` (a mask of
 * DYNAMO_KIND bits), validating ExpressionAttributeNames/Values (values are
 * normalised in place) and reporting unused placeholders. */
int dynamo_exprs_prepare(cJSON *req, unsigned kinds, struct dynamo_exprs *x,
                         struct dynamo_error *err);
void dynamo_exprs_free(struct dynamo_exprs *x);

/* Keys (dynamo_keys.c). */
/* The logical store key of an item (PutItem): the key attributes must be
 * present, of the schema's types, non-empty and within the size limits. */
int dynamo_keys_of_item(const struct dynamo_table *tb, const cJSON *item, struct emu_buf *key,
                        struct dynamo_error *err);
/* The logical store key of a Key map (GetItem/DeleteItem/UpdateItem): it
 * must hold exactly the key attributes. */
int dynamo_keys_of_key(const struct dynamo_table *tb, const cJSON *keymap, struct emu_buf *key,
                       struct dynamo_error *err);
/* The prefix of every item of the table (space 0). */
int dynamo_keys_table_prefix(const struct dynamo_table *tb, struct emu_buf *out);
/* The key attributes of an item, as a new Key map. */
cJSON *dynamo_keys_extract(const struct dynamo_table *tb, const cJSON *item);
/* The store key of item's entry in index ix of tb: the index partition's
 * header, then enc(index partition), enc(index sort), enc(table partition),
 * enc(table sort). Returns 1 (key set), 0 (the item has no entry: an index key
 * attribute is absent, of another type or empty; indexes are sparse) or -1.
 * For an index view (tb->base set), dynamo_keys_of_key builds the same key
 * from an ExclusiveStartKey map holding exactly those attributes. */
int dynamo_keys_index_entry(const struct dynamo_table *tb, const struct dynamo_index *ix,
                            const cJSON *item, struct emu_buf *key);

/* Secondary index key attributes of a written item (dynamo_index_keys.c):
 * of the declared type and not empty, with DynamoDB's messages. check_item:
 * every index key attribute of item (PutItem, BatchWriteItem, a
 * transaction's Put). check_update: the attributes update writes, in the
 * updated item. */
int dynamo_index_keys_check_item(const struct dynamo_table *tb, const cJSON *item,
                                 struct dynamo_error *err);
int dynamo_index_keys_check_update(const struct dynamo_table *tb, const struct dynamo_expr *update,
                                   const cJSON *item, struct dynamo_error *err);
/* A projection or filter may not read a nested path inside a key
 * attribute of the table or of an index ("Key attributes must be
 * scalars"). */
int dynamo_index_keys_check_read_paths(const struct dynamo_table *tb, const struct dynamo_expr *e,
                                       struct dynamo_error *err);
/* UpdateItem, before the update runs: an index key attribute that the
 * expression alone shows to get a wrong type or an empty value. */
int dynamo_index_keys_check_static(const struct dynamo_table *tb, const struct dynamo_expr *update,
                                   struct dynamo_error *err);
/* Before the update runs: update may not write a nested path inside an
 * index key attribute. */
int dynamo_index_keys_check_paths(const struct dynamo_table *tb, const struct dynamo_expr *update,
                                  struct dynamo_error *err);

/* The member constraints of an item operation (dynamo_members.c), all
 * violations in one ValidationException in DynamoDB's order; 0 for an
 * operation without rules. */
int dynamo_members_check(const char *op, const cJSON *req, struct dynamo_error *err);
/* The table name inside a table ARN given as TableName
 * (arn:<partition>:dynamodb:<region>:<account>:table/<name>), or NULL when
 * value is not one. */
const char *dynamo_members_arn_name(const char *value);
/* Adds the violations of a table or index name (pattern, 3..255) as
 * `member`. */
void dynamo_members_name(const char *name, const char *member, struct dynamo_violations *bad);

/* Select against the projection and IndexName (dynamo_select.c), Query's
 * (is_query) or Scan's messages; an unknown value is the enum violation.
 * *count_only: Select COUNT. */
enum dynamo_select_source {
  DYNAMO_SELECT_NO_PROJECTION,
  DYNAMO_SELECT_PROJECTION_EXPRESSION,
  DYNAMO_SELECT_ATTRIBUTES_TO_GET
};
int dynamo_select_check(const char *select, enum dynamo_select_source projection, int has_index,
                        int is_query, int *count_only, struct dynamo_error *err);

/* Capacity units consumed, in AWS's shape (NULL unless asked for). */
cJSON *dynamo_consumed_capacity(const cJSON *req, const char *table, double units);
/* Whether the request asks for ConsumedCapacity (not absent, not NONE). */
int dynamo_wants_capacity(const cJSON *req);

/* Tags (dynamo_tags.c). check: a list of {Key, Value} as TagResource
 * checks it (every key, value and duplicate, at most 50). create: stores a
 * new table's checked tags in t; 0 or -1. */
int dynamo_tags_check(const cJSON *list, struct dynamo_error *err);
int dynamo_tags_create(struct store_txn *t, uint32_t id, const cJSON *list);

/* A table's optional settings (dynamo_table_options.c): Tags,
 * SSESpecification, TableClass, OnDemandThroughput, WarmThroughput,
 * ResourcePolicy. check: CreateTable's validation, before anything is
 * written (pt: the ProvisionedThroughput description). create: applies
 * them to the new table id's description and writes its tags and policy in
 * t. requested: whether an UpdateTable request names one of TableClass,
 * SSESpecification, OnDemandThroughput, WarmThroughput; update: applies
 * those to desc (billing: the table's mode after the update). */
int dynamo_table_options_check(const cJSON *req, const char *billing, const cJSON *pt,
                               struct dynamo_error *err);
int dynamo_table_options_create(struct dynamo *db, struct store_txn *t, const cJSON *req,
                                const char *billing, uint32_t id, cJSON *desc,
                                struct dynamo_error *err);
int dynamo_table_options_requested(const cJSON *req);
int dynamo_table_options_update(struct dynamo *db, struct store_txn *t, const cJSON *req,
                                const char *billing, cJSON *desc, struct dynamo_error *err);
/* A GSI added by UpdateTable gets the default WarmThroughput. */
void dynamo_table_options_gsi_defaults(const char *billing, cJSON *desc);

/* Resource policies (dynamo_policy.c). check: a policy document (member:
 * the request member, named in errors): a JSON object of at most 20 KB.
 * store: writes table id's policy in t with a new RevisionId (into rev).
 * drop: removes it (DeleteTable). 0 or -1. */
int dynamo_policy_check(const char *member, const char *policy, struct dynamo_error *err);
int dynamo_policy_store(struct store_txn *t, uint32_t id, const char *policy, char *rev,
                        size_t rev_cap);
int dynamo_policy_drop(struct store_txn *t, uint32_t id);

/* ItemCollectionMetrics (dynamo_item_collections.c). wanted: the request's
 * ReturnItemCollectionMetrics is SIZE. metrics: the metrics of the
 * collection of item (an item or a key map) in tb, or NULL when tb has no
 * local secondary index. add: appends entry (taken; NULL is nothing) to
 * by_table[table], once per collection. */
int dynamo_item_collections_wanted(const cJSON *req);
cJSON *dynamo_item_collections_metrics(const struct dynamo_table *tb, const cJSON *item);
void dynamo_item_collections_add(cJSON *by_table, const char *table, cJSON *entry);

#define XX(op, fn, doc) \
  int fn(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err);
#include "dynamo_ops.def"
#include "dynamo_streams_ops.def"
#undef XX

/* ---- One item write inside a caller's write transaction (dynamo_items.c) --
 * Shared by PutItem, UpdateItem, DeleteItem and TransactWriteItems. */
enum dynamo_item_action {
  DYNAMO_ITEM_PUT,
  DYNAMO_ITEM_UPDATE,
  DYNAMO_ITEM_DELETE,
  DYNAMO_ITEM_CHECK
};
struct dynamo_item_write {
  enum dynamo_item_action action;
  const cJSON *item;            /* PUT: the new item (validated) */
  const cJSON *key;             /* UPDATE: the Key map, added to a new item */
  const struct dynamo_exprs *x; /* the condition (and update) expression */
  cJSON *old;                   /* out: the item before, or NULL (owned) */
  cJSON *new_item;              /* out: the item written by PUT/UPDATE (owned) */
  size_t units_bytes;           /* out: the larger of the old and new sizes */
  int streamed;                 /* out: a stream record was appended */
};
/* Loads the item at an encoded key: *item is NULL when absent. */
int dynamo_items_load(struct store_txn *t, const struct emu_buf *key, cJSON **item,
                      struct dynamo_error *err);
/* In the caller's write transaction t: reads the item at key, evaluates the
 * condition against it and, when it holds, writes the new item (PUT,
 * UPDATE), deletes (DELETE) or does nothing (CHECK), and accounts the
 * table. Returns 1 when the condition held (done), 0 when it failed
 * (nothing written; w->old is the item), -1 on an error (err set; a
 * ValidationException for a run-time problem such as an item over 400 KB).
 * Free the outputs with dynamo_item_write_clear. */
int dynamo_items_apply(struct store_txn *t, const struct dynamo_table *tb,
                       const struct emu_buf *key, struct dynamo_item_write *w,
                       struct dynamo_error *err);
void dynamo_item_write_clear(struct dynamo_item_write *w);
/* ReturnValuesOnConditionCheckFailure: NONE (0, also when absent) or
 * ALL_OLD (1); anything else is a ValidationException. */
int dynamo_items_on_failure_all_old(const cJSON *req, int *all_old, struct dynamo_error *err);
/* "Cannot update attribute <attr>. This attribute is part of the key" when
 * the update expression writes a key attribute of tb. */
int dynamo_items_update_key_check(const struct dynamo_table *tb, const struct dynamo_exprs *x,
                                  struct dynamo_error *err);

/* ---- Secondary indexes (dynamo_indexes.c) ---------------------------- */
#define DYNAMO_MAX_LSI 5
#define DYNAMO_MAX_GSI 20
/* Fills tb->indexes from tb->desc (its GlobalSecondaryIndexes and
 * LocalSecondaryIndexes, each with the private space member). */
int dynamo_indexes_parse(struct dynamo_table *tb);
/* The index named `name`, or NULL. */
const struct dynamo_index *dynamo_indexes_find(const struct dynamo_table *tb, const char *name);
/* An index view of tb (borrows tb; nothing to free). */
void dynamo_indexes_view(const struct dynamo_table *tb, const struct dynamo_index *ix,
                         struct dynamo_table *view);
/* Index maintenance for one item write (old and/or new may be NULL), in
 * the caller's write transaction: every index's old entry is deleted and
 * the new one put. Returns 0 or -1. */
int dynamo_indexes_apply(struct store_txn *t, const struct dynamo_table *tb, const cJSON *old,
                         const cJSON *item);
/* Puts the entry of one item in one index (backfill). */
int dynamo_indexes_put_one(struct store_txn *t, const struct dynamo_table *tb,
                           const struct dynamo_index *ix, const cJSON *item);
/* Validates CreateTable's LocalSecondaryIndexes/GlobalSecondaryIndexes and
 * adds their descriptions to desc (spaces 1..). */
int dynamo_indexes_create(const cJSON *req, const char *billing, const char *table_arn, cJSON *desc,
                          struct dynamo_error *err);
/* UpdateTable GlobalSecondaryIndexUpdates (Create with backfill, Delete) on
 * desc, in t. */
int dynamo_indexes_update(struct store_txn *t, const struct dynamo_table *tb, const cJSON *req,
                          cJSON *desc, struct dynamo_error *err);
/* Replaces the private members of desc's index descriptions with live
 * ItemCount/IndexSizeBytes (counted in t; t may be NULL: zero). */
void dynamo_indexes_describe(struct store_txn *t, const struct dynamo_table *tb, cJSON *desc);
/* Query/Scan with IndexName (NULL: the table): *q becomes tb or an index
 * view in `view`. DynamoDB's errors for an unknown index, ConsistentRead
 * on a GSI and Select ALL_ATTRIBUTES on a GSI that does not project ALL.
 * *fetch is set when items must be read from the table (Select
 * ALL_ATTRIBUTES on an LSI that does not project ALL). */
int dynamo_indexes_target(const struct dynamo_table *tb, const char *index, int consistent,
                          const char *select, struct dynamo_table *view,
                          const struct dynamo_table **q, int *fetch, struct dynamo_error *err);
/* The table item of an index entry's value (its JSON text) into out.
 * STORE_OK, STORE_NOT_FOUND or an error. */
int dynamo_indexes_fetch(struct store_txn *t, const struct dynamo_table *tb, const void *v,
                         size_t vl, struct emu_buf *out);
/* Deletes the table's items and every index entry. */
int dynamo_indexes_drop_all(struct store_txn *t, const struct dynamo_table *tb);

/* ---- DynamoDB Streams (dynamo_streams.c) ------------------------------ */
enum dynamo_stream_view {
  DYNAMO_STREAM_NONE = 0,
  DYNAMO_STREAM_KEYS_ONLY,
  DYNAMO_STREAM_NEW_IMAGE,
  DYNAMO_STREAM_OLD_IMAGE,
  DYNAMO_STREAM_NEW_AND_OLD_IMAGES
};
/* Appends the stream record of one item change (old and/or item may be
 * NULL) in the caller's write transaction t. ttl: a TTL deletion (the
 * record carries the service's userIdentity). Returns 1 (appended), 0 (no
 * enabled stream, or the write changed nothing) or -1 (store error). */
int dynamo_streams_append(struct store_txn *t, const struct dynamo_table *tb, const cJSON *old,
                          const cJSON *item, int ttl);
/* Calls the listener (if any) for table: after the commit of a write
 * that appended records, outside every lock. */
void dynamo_streams_notify(struct dynamo *db, const char *table);
/* Validates a request's StreamSpecification (spec may be NULL: no
 * change). *change: 0 none, 1 enable (with *view), -1 disable. updating:
 * UpdateTable's rules (disable allowed, no view type with it). */
int dynamo_streams_spec(const cJSON *spec, int updating, int *change, int *view,
                        struct dynamo_error *err);
/* Creates stream number `no` of table (id, name) with view, in t: its
 * catalogue record, and StreamSpecification, LatestStreamArn and
 * LatestStreamLabel in desc. */
int dynamo_streams_create(struct dynamo *db, struct store_txn *t, const char *table, uint32_t id,
                          uint32_t no, int view, cJSON *desc, struct dynamo_error *err);
/* Disables tb's enabled stream in t (it stays readable, DISABLED), and
 * removes StreamSpecification from desc. */
int dynamo_streams_disable(struct dynamo *db, struct store_txn *t, const struct dynamo_table *tb,
                           cJSON *desc, struct dynamo_error *err);
/* DeleteTable: forgets the table's streams (their records go with the
 * table's key prefix). */
int dynamo_streams_drop(struct dynamo *db, struct store_txn *t, const struct dynamo_table *tb);
/* Reads the view type from a description's StreamSpecification (0: none). */
int dynamo_streams_view_of(const cJSON *desc);

/* Shared with the Streams API (dynamo_streams_api.c). */
#define DYNAMO_STREAMS_KEY_LEN 17 /* table id, 0xFF, stream number, sequence number */
const char *dynamo_streams_view_name(int view);
/* The streams' clock: the wall clock plus the tests' offset. */
int64_t dynamo_streams_now_ms(const struct dynamo *db);
/* A decimal sequence number (0: malformed). */
uint64_t dynamo_streams_parse_seq(const char *s);
void dynamo_streams_key(uint32_t id, uint32_t no, uint64_t seq, unsigned char k[17]);
/* The highest sequence number of stream `no` of table id (0: no records). */
uint64_t dynamo_streams_last(struct store_txn *t, uint32_t id, uint32_t no);
/* A stream's catalogue record (a new tree), or NULL when there is none. */
cJSON *dynamo_streams_load(struct store_txn *t, const char *arn);
/* A sequence number member of a catalogue record (0: absent). */
uint64_t dynamo_streams_rec_seq(const cJSON *rec, const char *member);
/* A number member of a catalogue record (0: absent or out of range). */
uint32_t dynamo_streams_rec_u32(const cJSON *rec, const char *member);
/* Appends up to max records of stream (id, no) after `after` (and below
 * `below`, when not 0) to the array into, stopping once their JSON texts
 * reach max_bytes (at least one record). Returns the number added, or -1. */
int dynamo_streams_range(struct store_txn *t, uint32_t id, uint32_t no, uint64_t after,
                         uint64_t below, int max, size_t max_bytes, cJSON *into);
/* The first (last = 0) or last (last = 1) sequence number of stream (id,
 * no) in from..below-1 (below 0: no bound); 0 when there is none. */
uint64_t dynamo_streams_seek(struct store_txn *t, uint32_t id, uint32_t no, uint64_t from,
                             uint64_t below, int last);
/* A shard's period when none was set: AWS's four hours. */
#define DYNAMO_STREAMS_SHARD_MS ((int64_t)4 * 3600 * 1000)

/* ClientRequestToken memory of TransactWriteItems (dynamo_transact.c),
 * created by dynamo_open and freed by dynamo_close. NULL when out of
 * memory. */
struct dynamo_tokens *dynamo_tokens_new(void);
void dynamo_tokens_free(struct dynamo_tokens *tk);

/* (Re)writes a TransactionCanceledException's "Message" in err->extra from
 * its CancellationReasons' codes ("... [ConditionalCheckFailed, None]"),
 * after a caller changed them (PartiQL's DuplicateItem). */
void dynamo_transact_message(struct dynamo_error *err);

#endif
