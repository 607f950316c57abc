/*
 * dynamo_transact.c - TransactWriteItems and TransactGetItems.
 *
 * Role: all-or-nothing writes of up to 100 items across tables, and a
 * consistent read of up to 100 items.
 *
 * TransactWriteItems runs in three steps:
 *   1. request checks, before any store access: the TransactItems list, each
 *      action's shape, values and expressions, the 4 MB payload limit and
 *      the ClientRequestToken; failures are plain ValidationExceptions;
 *   2. in ONE store write transaction: the tables (a missing one is a
 *      ResourceNotFoundException), the keys and the "multiple operations on
 *      one item" check; a key that does not fit the schema cancels the
 *      transaction with a ValidationError reason;
 *   3. in the same transaction, every action in order: the condition is
 *      evaluated against the item as it was before the transaction (no two
 *      actions touch one item, so applying in order sees exactly that) and
 *      the write applied (dynamo_items_apply, shared with PutItem,
 *      UpdateItem and DeleteItem). If any action failed, the transaction is
 *      aborted and TransactionCanceledException lists one reason per action;
 *      otherwise it commits, table accounting included.
 * TransactGetItems reads every item in one read transaction (a snapshot).
 *
 * Which errors cancel and which are plain exceptions follows what live
 * DynamoDB does (CONF tests/tier3/error-messages/transactWriteItems.test.ts,
 * transactGetItems.test.ts, tests/tier3/limits/itemSizeBySurface.test.ts;
 * ALT-tests test_transact.py): expression errors, bad
 * ReturnValuesOnConditionCheckFailure, empty key values and an oversized
 * Put are plain ValidationExceptions; a mistyped, missing or mismatched key
 * and an Update whose result exceeds 400 KB are ValidationError reasons.
 * "the actions are validated before any of them actually run, so if any
 * action has a ValidationError, other correctly-validated actions will
 * return a None reason" and "only the first error is detected" (ALT-tests).
 *
 * ClientRequestToken: the last TOKEN_SLOTS tokens of successful
 * transactions are kept in memory (struct dynamo_tokens, one mutex) with a
 * SHA-256 of the request's TransactItems (object members sorted, values
 * normalised). A request carrying a token holds that mutex from the lookup
 * to the commit, so two identical requests cannot both apply.
 *
 * Ownership: the request tree is the caller's (values are normalised in
 * place); *resp is new and the caller's.
 * Threading: each call opens its own store transaction; the token memory is
 * shared and guarded by its mutex.
 */
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_value.h"
#include "emu_time.h"

/* SPEC docs/spec/dynamodb.md 2.6: a transaction holds at most 100 actions and 4 MB. */
#define TRANSACT_MAX 100
#define TRANSACT_BYTES (4 * 1024 * 1024)
/* SPEC docs/spec/dynamodb.md 2.6: item size max 400 KB (1 KB = 1024 B). */
#define ITEM_MAX_BYTES (400 * 1024)
#define KEY_MAX 8192
/* ClientRequestToken is 1..36 characters (ALT-tests test_transact.py
 * test_transact_write_items_clientrequesttoken_length) and is remembered for
 * 10 minutes (AWS API reference, TransactWriteItems ClientRequestToken). */
#define TOKEN_MAX_LEN 36
#define TOKEN_TTL_MS ((int64_t)10 * 60 * 1000)
#define TOKEN_SLOTS 10000
/* The longest echo of the TransactItems list in a constraint message. */
#define ECHO_MAX 480

/* SPEC docs/spec/dynamodb.md 2.4: two actions on one item of a transaction are refused. */
static const char multiple_ops[] =
    "Transaction request cannot include multiple operations on one item";
/* SPEC docs/spec/dynamodb.md 2.4: a missing table in an item, batch, query, scan or
 * transaction operation is a ResourceNotFoundException with this message. */
static const char not_found[] = "Requested resource not found";

/* ---- ClientRequestToken memory ------------------------------------------ */

struct token_slot {
  char token[TOKEN_MAX_LEN + 1];
  unsigned char digest[32];
  int64_t at_ms; /* monotonic time of the successful transaction */
  int used;
};

struct dynamo_tokens {
  pthread_mutex_t lock;
  struct token_slot *slots; /* a ring of TOKEN_SLOTS, allocated at first use */
  size_t next;              /* the slot written next: the oldest once full */
};

struct dynamo_tokens *dynamo_tokens_new(void) {
  struct dynamo_tokens *tk = calloc(1, sizeof(*tk));

  if (tk && pthread_mutex_init(&tk->lock, NULL) != 0) {
    free(tk);
    tk = NULL;
  }
  return tk;
}

void dynamo_tokens_free(struct dynamo_tokens *tk) {
  if (!tk)
    return;
  pthread_mutex_destroy(&tk->lock);
  free(tk->slots);
  free(tk);
}

/* The slot of a token (any age), or NULL. Caller holds the lock. */
static struct token_slot *token_slot_of(struct dynamo_tokens *tk, const char *token) {
  size_t i;

  for (i = 0; tk->slots && i < TOKEN_SLOTS; i++)
    if (tk->slots[i].used && strcmp(tk->slots[i].token, token) == 0)
      return &tk->slots[i];
  return NULL;
}

/* Remembers a successful transaction's token, replacing an expired entry of
 * the same token or else the oldest entry. Caller holds the lock. */
static void token_remember(struct dynamo_tokens *tk, const char *token,
                           const unsigned char digest[32], int64_t now) {
  struct token_slot *s;

  if (!tk->slots && (tk->slots = calloc(TOKEN_SLOTS, sizeof(*tk->slots))) == NULL)
    return; /* out of memory: the token is simply not remembered */
  s = token_slot_of(tk, token);
  if (!s) {
    s = &tk->slots[tk->next];
    tk->next = (tk->next + 1) % TOKEN_SLOTS;
  }
  snprintf(s->token, sizeof(s->token), "%s", token);
  memcpy(s->digest, digest, 32);
  s->at_ms = now;
  s->used = 1;
}

static int by_name(const void *a, const void *b) {
  const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

  return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

/* Sorts every object's members by name, recursively, so that two requests
 * that differ only in member order print the same. Depth is bounded by the
 * API's nesting check (emu_json_too_deep). */
static int sort_members(cJSON *node) {
  cJSON *c, **v;
  size_t n = 0, i;

  for (c = node->child; c; c = c->next) {
    if (sort_members(c) != 0)
      return -1;
    n++;
  }
  if (!cJSON_IsObject(node) || n < 2)
    return 0;
  if ((v = malloc(n * sizeof(*v))) == NULL)
    return -1;
  for (c = node->child, i = 0; c; c = c->next)
    v[i++] = c;
  qsort(v, n, sizeof(*v), by_name);
  for (i = 0; i < n; i++) {
    v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: the head's prev is the tail */
    v[i]->next = i + 1 < n ? v[i + 1] : NULL;
  }
  node->child = v[0];
  free(v);
  return 0;
}

/* SHA-256 of the TransactItems with sorted members: what "the same request"
 * means for a ClientRequestToken. localstack#6529: "I have verified against
 * AWS, it doesn't care about parameter ordering." */
static int request_digest(const cJSON *items, unsigned char out[32]) {
  cJSON *copy = cJSON_Duplicate(items, 1);
  char *text = NULL;
  unsigned int len = 0;
  int rc = -1;

  if (copy && sort_members(copy) == 0 && (text = cJSON_PrintUnformatted(copy)) != NULL &&
      EVP_Digest(text, strlen(text), out, &len, EVP_sha256(), NULL) == 1 && len == 32)
    rc = 0;
  cJSON_free(text);
  cJSON_Delete(copy);
  return rc;
}

/* ---- Request shape ------------------------------------------------------ */

struct tx_table {
  const char *name;
  struct dynamo_table tb;
  int loaded;
  double units;
  int streamed; /* a stream record was appended for this table */
};

struct tx_action {
  enum dynamo_item_action kind; /* TransactGetItems: unused */
  const char *path;             /* "put", "update", "delete", "conditionCheck", "get" */
  cJSON *body;                  /* the action's object */
  const char *table;
  cJSON *item;  /* Put: Item */
  cJSON *key;   /* others: Key */
  int fail_old; /* ReturnValuesOnConditionCheckFailure ALL_OLD */
  struct dynamo_exprs x;
  int prepared;
  int ti;             /* index into the tables */
  struct emu_buf enc; /* the logical store key */
  int encoded;
  size_t bytes; /* the action's payload (item or key, and values) */
};

struct tx {
  struct tx_action *a;
  int n;
  struct tx_table *t;
  int nt;
};

static int tx_init(struct tx *tx, int n) {
  int i;

  memset(tx, 0, sizeof(*tx));
  tx->a = calloc((size_t)n, sizeof(*tx->a));
  tx->t = calloc((size_t)n, sizeof(*tx->t));
  if (!tx->a || !tx->t) {
    free(tx->a);
    free(tx->t);
    tx->a = NULL;
    tx->t = NULL;
    return -1;
  }
  tx->n = n;
  for (i = 0; i < n; i++)
    emu_buf_init(&tx->a[i].enc, KEY_MAX);
  return 0;
}

static void tx_free(struct tx *tx) {
  int i;

  for (i = 0; tx->a && i < tx->n; i++) {
    if (tx->a[i].prepared)
      dynamo_exprs_free(&tx->a[i].x);
    emu_buf_free(&tx->a[i].enc);
  }
  for (i = 0; tx->t && i < tx->nt; i++)
    if (tx->t[i].loaded)
      dynamo_table_free(&tx->t[i].tb);
  free(tx->a);
  free(tx->t);
  memset(tx, 0, sizeof(*tx));
}

/* The index of a table by name, added (not yet loaded) when new. */
static int tx_table_index(struct tx *tx, const char *name) {
  int i;

  for (i = 0; i < tx->nt; i++)
    if (strcmp(tx->t[i].name, name) == 0)
      return i;
  tx->t[tx->nt].name = name;
  return tx->nt++;
}

/* Java's default toString of each list element, as AWS echoes lists in
 * constraint messages (SPEC docs/spec/dynamodb.md 2.4, the BatchWriteItem row).
 * DEVIATION: the @hash is an FNV-1a hash of the element, not Java's identity
 * hash; the echo is cut at ECHO_MAX bytes with "...". */
static int too_many(const cJSON *items, const char *type, struct dynamo_error *err) {
  struct emu_buf b;
  const cJSON *el;

  emu_buf_init(&b, 1 << 20);
  emu_buf_putc(&b, '[');
  cJSON_ArrayForEach(el, items) {
    char *text = cJSON_PrintUnformatted(el);
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    uint32_t h = 2166136261u;
    for (; *p; p++)
      h = (h ^ *p) * 16777619u;
    cJSON_free(text);
    if (el != items->child)
      emu_buf_puts(&b, ", ");
    emu_buf_printf(&b, "com.amazonaws.dynamodb.v20120810.%s@%08x", type, (unsigned)h);
    if (b.len > ECHO_MAX) {
      b.len = ECHO_MAX - 3;
      emu_buf_puts(&b, "...");
      break;
    }
  }
  emu_buf_putc(&b, ']');
  /* CONF transactWriteItems.test.ts / transactGetItems.test.ts: "^1
   * validation error detected: Value '\[.+\]' at 'transactItems' failed to
   * satisfy constraint: Member must have length less than or equal to
   * 100$". */
  dynamo_error_violation(err, b.data ? b.data : "[]", -1,
                         "Member must have length less than or equal to 100", "transactItems");
  emu_buf_free(&b);
  return -1;
}

/* TransactItems: a list of 1..100 elements. */
static int transact_items(cJSON *req, const char *type, cJSON **out, int *n,
                          struct dynamo_error *err) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "TransactItems");

  if (!v || cJSON_IsNull(v))
    return dynamo_error_null(err, "transactItems");
  if (!cJSON_IsArray(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "%s",
                            cJSON_IsObject(v)
                                ? "Start of structure or map found where not expected."
                                : "Unexpected value type in payload");
  *n = cJSON_GetArraySize(v);
  if (*n < 1)
    /* CONF transactWriteItems.test.ts: "empty TransactItems: full
     * minimum-length error". */
    return dynamo_error_violation(
        err, "[]", -1, "Member must have length greater than or equal to 1", "transactItems");
  if (*n > TRANSACT_MAX)
    return too_many(v, type, err);
  *out = v;
  return 0;
}

/* Item/Key of an action: present and valid. */
static int action_map(struct tx_action *a, int index, const char *member, const char *jmember,
                      cJSON **out, struct dynamo_error *err) {
  char path[96];

  if (dynamo_req_object(a->body, member, out, err) != 0)
    return -1;
  if (!*out) {
    snprintf(path, sizeof(path), "transactItems.%d.member.%s.%s", index, a->path, jmember);
    return dynamo_error_null(err, "%s", path);
  }
  return dynamo_value_validate_map(*out, err);
}

/* A required expression member (ConditionCheck's ConditionExpression,
 * Update's UpdateExpression). */
static int required_expression(struct tx_action *a, int index, const char *member,
                               const char *jmember, struct dynamo_error *err) {
  const char *text;
  char path[96];

  if (dynamo_req_string(a->body, member, &text, err) != 0)
    return -1;
  if (text)
    return 0;
  /* ALT-tests test_transact.py: a ConditionCheck without a condition is
   * "ValidationException.*[cC]onditionExpression". */
  snprintf(path, sizeof(path), "transactItems.%d.member.%s.%s", index, a->path, jmember);
  return dynamo_error_null(err, "%s", path);
}

/* The size of the expression values an action carries. */
static size_t values_size(const cJSON *body) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "ExpressionAttributeValues");

  return cJSON_IsObject(v) ? dynamo_item_size(v) : 0;
}

/* One TransactWriteItem: exactly one of Put, Update, Delete and
 * ConditionCheck, validated as the single-item operation validates it. */
static int write_action_shape(cJSON *el, int index, struct tx_action *a, struct dynamo_error *err) {
  static const char *const members[4] = {"Put", "Update", "Delete", "ConditionCheck"};
  static const char *const paths[4] = {"put", "update", "delete", "conditionCheck"};
  static const enum dynamo_item_action kinds[4] = {DYNAMO_ITEM_PUT, DYNAMO_ITEM_UPDATE,
                                                   DYNAMO_ITEM_DELETE, DYNAMO_ITEM_CHECK};
  cJSON *m, *map;
  int k, found = -1, count = 0;
  unsigned exprs = DYNAMO_KIND(DYNAMO_EXPR_CONDITION);

  if (!cJSON_IsObject(el))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  for (k = 0; k < 4; k++) {
    if (dynamo_req_object(el, members[k], &m, err) != 0)
      return -1;
    if (m) {
      count++;
      found = k;
      a->body = m;
    }
  }
  if (count != 1)
    /* MOTO-src exceptions.py TransactWriteSingleOpException. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "TransactItems can only contain one of Check, Put, Update or Delete");
  a->kind = kinds[found];
  a->path = paths[found];
  if (dynamo_req_table_name(a->body, &a->table, err) != 0)
    return -1;
  if (a->kind == DYNAMO_ITEM_PUT) {
    if (action_map(a, index, "Item", "item", &map, err) != 0)
      return -1;
    a->item = map;
  } else {
    if (action_map(a, index, "Key", "key", &map, err) != 0)
      return -1;
    a->key = map;
  }
  if (a->kind == DYNAMO_ITEM_CHECK &&
      required_expression(a, index, "ConditionExpression", "conditionExpression", err) != 0)
    return -1;
  if (a->kind == DYNAMO_ITEM_UPDATE) {
    if (required_expression(a, index, "UpdateExpression", "updateExpression", err) != 0)
      return -1;
    exprs |= DYNAMO_KIND(DYNAMO_EXPR_UPDATE);
  }
  /* ALT-tests test_transact.py: a bad ReturnValuesOnConditionCheckFailure
   * is "a ValidationException for the entire request". */
  if (dynamo_items_on_failure_all_old(a->body, &a->fail_old, err) != 0)
    return -1;
  /* ALT-tests test_transact.py: missing/unused placeholders and syntax
   * errors are a ValidationException for the whole transaction. */
  if (dynamo_exprs_prepare(a->body, exprs, &a->x, err) != 0)
    return -1;
  a->prepared = 1;
  a->bytes = dynamo_item_size(map) + values_size(a->body);
  /* CONF itemSizeBySurface.test.ts: "a Put one byte over raises
   * ValidationException, not a cancellation" (the put wording). */
  if (a->kind == DYNAMO_ITEM_PUT && dynamo_item_size(map) > ITEM_MAX_BYTES)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Item size has exceeded the maximum allowed size");
  return 0;
}

/* One TransactGetItem: {Get: {TableName, Key, ProjectionExpression,
 * ExpressionAttributeNames}}. */
static int get_action_shape(cJSON *el, int index, struct tx_action *a, struct dynamo_error *err) {
  char path[64];

  if (!cJSON_IsObject(el))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (dynamo_req_object(el, "Get", &a->body, err) != 0)
    return -1;
  if (!a->body) {
    snprintf(path, sizeof(path), "transactItems.%d.member.get", index);
    return dynamo_error_null(err, "%s", path);
  }
  a->path = "get";
  if (dynamo_req_table_name(a->body, &a->table, err) != 0 ||
      action_map(a, index, "Key", "key", &a->key, err) != 0)
    return -1;
  if (dynamo_exprs_prepare(a->body, DYNAMO_KIND(DYNAMO_EXPR_PROJECTION), &a->x, err) != 0)
    return -1;
  a->prepared = 1;
  return 0;
}

/* ---- Inside the store transaction ------------------------------------ */

/* Loads every table the actions name (any missing: ResourceNotFound). */
static int tx_load_tables(struct dynamo *db, struct store_txn *t, struct tx *tx,
                          struct dynamo_error *err) {
  int i;

  for (i = 0; i < tx->nt; i++) {
    if (dynamo_tables_load(db, t, tx->t[i].name, &tx->t[i].tb, not_found, err) != 0)
      return -1;
    tx->t[i].loaded = 1;
  }
  return 0;
}

/* Encodes every action's key. An empty key value is refused up front (err,
 * -1); any other key problem is remembered for the first action that has
 * one (*bad, *reason), as DynamoDB reports it as a cancellation reason.
 * Then two actions on one item are refused (err, -1). */
static int tx_keys(struct tx *tx, int *bad, struct dynamo_error *reason, struct dynamo_error *err) {
  int i, j;

  *bad = -1;
  for (i = 0; i < tx->n; i++) {
    struct tx_action *a = &tx->a[i];
    const struct dynamo_table *tb = &tx->t[a->ti].tb;
    struct dynamo_error e;
    int rc;
    dynamo_error_init(&e);
    rc = a->kind == DYNAMO_ITEM_PUT && a->item ? dynamo_keys_of_item(tb, a->item, &a->enc, &e)
                                               : dynamo_keys_of_key(tb, a->key, &a->enc, &e);
    /* SPEC docs/spec/dynamodb.md 2.20: a Put's index keys; their faults
     * split as the table keys' do, below. */
    if (rc == 0 && a->kind == DYNAMO_ITEM_PUT && a->item &&
        dynamo_index_keys_check_item(tb, a->item, &e) != 0) {
      a->encoded = 1;
      rc = -1;
    }
    if (rc == 0) {
      a->encoded = 1;
      continue;
    }
    /* CONF transactWriteItems.test.ts: "empty string: top-level
     * ValidationException (up-front input validation)"; "wrong type /
     * non-scalar: TransactionCanceledException, reason code
     * 'ValidationError'"; a Key of the wrong shape cancels with "The
     * provided key element does not match the schema". */
    if (e.code != DYNAMO_ERR_VALIDATION ||
        strncmp(e.message, "One or more parameter values are not valid.", 43) == 0) {
      *err = e;
      return -1;
    }
    if (*bad < 0) {
      *bad = i;
      *reason = e;
    } else {
      dynamo_error_clear(&e);
    }
  }
  for (i = 1; i < tx->n; i++)
    for (j = 0; j < i; j++)
      if (tx->a[i].encoded && tx->a[j].encoded && tx->a[i].ti == tx->a[j].ti &&
          tx->a[i].enc.len == tx->a[j].enc.len &&
          memcmp(tx->a[i].enc.data, tx->a[j].enc.data, tx->a[i].enc.len) == 0)
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", multiple_ops);
  return 0;
}

static cJSON *reason_none(void) {
  cJSON *r = cJSON_CreateObject();

  cJSON_AddStringToObject(r, "Code", "None");
  return r;
}

static cJSON *reason_of(const char *code, const char *message) {
  cJSON *r = cJSON_CreateObject();

  cJSON_AddStringToObject(r, "Code", code);
  cJSON_AddStringToObject(r, "Message", message);
  return r;
}

/* TransactionCanceledException with the reasons (consumed), one per action.
 * SPEC docs/spec/dynamodb.md 2.3: "TransactionCanceledException carries
 * CancellationReasons ... (one per action, in order) and the message
 * Transaction cancelled, please refer cancellation reasons for specific
 * reasons [ConditionalCheckFailed, None]". The message is sent as
 * "Message", as moto and dynoxide (tested against DynamoDB) send it; SPEC
 * 2.3: botocore reads `message` or `Message`. */
static int cancelled(cJSON *reasons, struct dynamo_error *err) {
  dynamo_error_set(err, DYNAMO_ERR_TRANSACTION_CANCELED, NULL);
  err->extra = cJSON_CreateObject();
  cJSON_AddStringToObject(err->extra, "Message", ""); /* first, as DynamoDB sends it */
  cJSON_AddItemToObject(err->extra, "CancellationReasons", reasons);
  dynamo_transact_message(err);
  return -1;
}

void dynamo_transact_message(struct dynamo_error *err) {
  const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(err->extra, "CancellationReasons");
  const cJSON *r;
  struct emu_buf b;

  emu_buf_init(&b, 1 << 16);
  emu_buf_puts(&b,
               "Transaction cancelled, please refer cancellation reasons for specific reasons [");
  cJSON_ArrayForEach(r, reasons) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(r, "Code");
    if (r != reasons->child)
      emu_buf_puts(&b, ", ");
    emu_buf_puts(&b, cJSON_IsString(code) ? code->valuestring : "None");
  }
  emu_buf_putc(&b, ']');
  /* Replaced where it stands: the answer's member order does not change. */
  cJSON_ReplaceItemInObjectCaseSensitive(
      err->extra, "Message", cJSON_CreateString(b.data ? b.data : "Transaction cancelled"));
  emu_buf_free(&b);
}

/* Cancels with a ValidationError at action bad and None elsewhere. */
static int cancelled_by_validation(int n, int bad, const struct dynamo_error *reason,
                                   struct dynamo_error *err) {
  cJSON *reasons = cJSON_CreateArray();
  int i;

  for (i = 0; i < n; i++)
    cJSON_AddItemToArray(reasons,
                         i == bad ? reason_of("ValidationError", reason->message) : reason_none());
  return cancelled(reasons, err);
}

static double write_units(size_t bytes) {
  return bytes == 0 ? 1 : ceil((double)bytes / 1024.0);
}

static double read_units(size_t bytes) {
  return bytes == 0 ? 1 : ceil((double)bytes / 4096.0);
}

/* ConsumedCapacity: one entry per table (NULL unless asked for). */
static cJSON *tx_capacity(const cJSON *req, const struct tx *tx) {
  cJSON *list = NULL, *cc;
  int i;

  for (i = 0; i < tx->nt; i++) {
    if ((cc = dynamo_consumed_capacity(req, tx->t[i].name, tx->t[i].units)) == NULL)
      return list;
    if (!list)
      list = cJSON_CreateArray();
    cJSON_AddItemToArray(list, cc);
  }
  return list;
}

/* Applies every action in t; on any failure fills err with the
 * cancellation. Returns 0 when every action succeeded. */
static int tx_apply(struct store_txn *t, struct tx *tx, struct dynamo_error *err) {
  cJSON *reasons = cJSON_CreateArray();
  int i, failed = 0;

  for (i = 0; i < tx->n; i++) {
    struct tx_action *a = &tx->a[i];
    struct dynamo_item_write w = {0};
    struct dynamo_error e;
    int rc;
    dynamo_error_init(&e);
    w.action = a->kind;
    w.item = a->item;
    w.key = a->key;
    w.x = &a->x;
    rc = dynamo_items_apply(t, &tx->t[a->ti].tb, &a->enc, &w, &e);
    if (rc == 1) {
      /* SPEC AWS capacity: a transactional write costs two write units per
       * 1 KB of the item. */
      tx->t[a->ti].units += 2 * write_units(w.units_bytes);
      tx->t[a->ti].streamed |= w.streamed;
      cJSON_AddItemToArray(reasons, reason_none());
    } else if (rc == 0) {
      /* SPEC docs/spec/dynamodb.md 2.3: {"Code":"ConditionalCheckFailed","Message":"The
       * conditional request failed"}; ALT-tests test_transact.py: the old
       * item as "Item" when that action asked ALL_OLD; DynamoDB checks every
       * action rather than stopping at the first failure. */
      cJSON *r = reason_of("ConditionalCheckFailed", "The conditional request failed");
      if (a->fail_old && w.old) {
        cJSON_AddItemToObject(r, "Item", w.old);
        w.old = NULL;
      }
      cJSON_AddItemToArray(reasons, r);
      failed = 1;
    } else if (e.code == DYNAMO_ERR_VALIDATION &&
               strncmp(e.message, "One or more parameter values are not valid.", 43) != 0) {
      /* SPEC docs/spec/dynamodb.md 2.20: an Update that empties an index
       * key is a top-level ValidationException (the branch below); a wrong
       * type, a cancellation reason.
       * CONF itemSizeBySurface.test.ts: "an Update one byte over surfaces as
       * a cancellation, with the update wording". */
      cJSON_AddItemToArray(reasons, reason_of("ValidationError", e.message));
      dynamo_error_clear(&e);
      failed = 1;
    } else {
      dynamo_item_write_clear(&w);
      cJSON_Delete(reasons);
      *err = e;
      return -1;
    }
    dynamo_item_write_clear(&w);
  }
  if (failed)
    return cancelled(reasons, err);
  cJSON_Delete(reasons);
  return 0;
}

/* The response of a transaction already applied under the same token: no
 * write happens. AWS API reference (ClientRequestToken): "subsequent
 * TransactWriteItems calls with the same client token return the number of
 * read capacity units consumed in reading the item". DEVIATION: those read
 * units are counted on the request's item and key sizes. */
static cJSON *replay_response(const cJSON *req, struct tx *tx) {
  cJSON *resp = cJSON_CreateObject(), *cc;
  int i;

  for (i = 0; i < tx->n; i++)
    tx->t[tx->a[i].ti].units += 2 * read_units(tx->a[i].bytes);
  if ((cc = tx_capacity(req, tx)) != NULL)
    cJSON_AddItemToObject(resp, "ConsumedCapacity", cc);
  return resp;
}

/* ClientRequestToken: absent (NULL), or 1..36 characters. */
static int request_token(const cJSON *req, const char **token, struct dynamo_error *err) {
  size_t len;

  if (dynamo_req_string(req, "ClientRequestToken", token, err) != 0)
    return -1;
  if (!*token)
    return 0;
  len = strlen(*token);
  /* ALT-tests test_transact.py: "37 characters is too long for
   * ClientRequestToken" ("ValidationException.*[cC]lientRequestToken"). */
  if (len < 1 || len > TOKEN_MAX_LEN)
    return dynamo_error_violation(err, *token, 64,
                                  len < 1 ? "Member must have length greater than or equal to 1"
                                          : "Member must have length less than or equal to 36",
                                  "clientRequestToken");
  return 0;
}

/*
 * TransactWriteItems. Supported: TransactItems (1..100 of Put, Update,
 * Delete, ConditionCheck, each with TableName, Item/Key,
 * ConditionExpression, UpdateExpression, ExpressionAttributeNames/Values
 * and ReturnValuesOnConditionCheckFailure), ClientRequestToken,
 * ReturnConsumedCapacity (one entry per table), ReturnItemCollectionMetrics
 * (per table with a local secondary index: dynamo_item_collections.c).
 */
int dynamo_transact_write(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct tx tx;
  struct store_txn *t = NULL;
  struct dynamo_tokens *tk = db->tokens;
  struct dynamo_error reason;
  struct token_slot *slot;
  unsigned char digest[32];
  const char *token;
  cJSON *items, *el, *cc;
  size_t total = 0;
  int n, i, bad, rc = -1, locked = 0;

  if (transact_items(req, "TransactWriteItem", &items, &n, err) != 0 ||
      request_token(req, &token, err) != 0)
    return -1;
  if (tx_init(&tx, n) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
  dynamo_error_init(&reason);
  i = 0;
  cJSON_ArrayForEach(el, items) {
    if (write_action_shape(el, i + 1, &tx.a[i], err) != 0)
      goto out;
    tx.a[i].ti = tx_table_index(&tx, tx.a[i].table);
    total += tx.a[i].bytes;
    i++;
  }
  /* SPEC docs/spec/dynamodb.md 2.6: at most 4 MB. ALT-tests test_transact.py: the
   * limit is on the transaction payload, not on the items it touches ("A
   * delete transaction that deletes 5 MB of items but the transaction
   * itself is small - is allowed"), matching "ValidationException.*size
   * cannot exceed". DEVIATION: the exact wording is not captured. */
  if (total > TRANSACT_BYTES) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Transaction payload size cannot exceed 4 MB");
    goto out;
  }
  if (token) {
    if (!tk || request_digest(items, digest) != 0) {
      dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
      goto out;
    }
    pthread_mutex_lock(&tk->lock);
    locked = 1;
    slot = token_slot_of(tk, token);
    if (slot && emu_time_mono_ms() - slot->at_ms < TOKEN_TTL_MS) {
      if (memcmp(slot->digest, digest, sizeof(digest)) != 0) {
        /* AWS API reference (ClientRequestToken): "If you submit a request
         * with the same client token but a change in other parameters
         * within the 10-minute idempotency window, DynamoDB returns an
         * IdempotentParameterMismatch exception." DEVIATION: the message
         * is the API model's description of the exception; DynamoDB's wire
         * text is not captured. */
        dynamo_error_set(err, DYNAMO_ERR_IDEMPOTENT_PARAMETER_MISMATCH,
                         "DynamoDB rejected the request because you retried a request with a "
                         "different payload but with an idempotent token that was already used.");
        goto out;
      }
      *resp = replay_response(req, &tx);
      rc = 0;
      goto out;
    }
  }
  if (store_txn_begin(db->store, 1, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  if (tx_load_tables(db, t, &tx, err) != 0)
    goto out;
  for (i = 0; i < n; i++)
    if (tx.a[i].kind == DYNAMO_ITEM_UPDATE &&
        dynamo_items_update_key_check(&tx.t[tx.a[i].ti].tb, &tx.a[i].x, err) != 0)
      goto out;
  if (tx_keys(&tx, &bad, &reason, err) != 0)
    goto out;
  if (bad >= 0) {
    cancelled_by_validation(n, bad, &reason, err);
    goto out;
  }
  if (tx_apply(t, &tx, err) != 0)
    goto out;
  if (store_txn_commit(t) != STORE_OK) {
    t = NULL;
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "commit failed");
    goto out;
  }
  t = NULL;
  if (token)
    token_remember(tk, token, digest, emu_time_mono_ms());
  *resp = cJSON_CreateObject();
  if ((cc = tx_capacity(req, &tx)) != NULL)
    cJSON_AddItemToObject(*resp, "ConsumedCapacity", cc);
  /* SPEC docs/spec/dynamodb.md 2.37: per table, the collections of the Put,
   * Update and Delete actions (a ConditionCheck writes nothing). */
  if (dynamo_item_collections_wanted(req)) {
    cJSON *icm = cJSON_CreateObject();
    for (i = 0; i < tx.n; i++)
      if (tx.a[i].kind != DYNAMO_ITEM_CHECK)
        dynamo_item_collections_add(
            icm, tx.t[tx.a[i].ti].tb.name,
            dynamo_item_collections_metrics(&tx.t[tx.a[i].ti].tb,
                                            tx.a[i].item ? tx.a[i].item : tx.a[i].key));
    if (icm->child)
      cJSON_AddItemToObject(*resp, "ItemCollectionMetrics", icm);
    else
      cJSON_Delete(icm);
  }
  rc = 0;
out:
  if (locked)
    pthread_mutex_unlock(&tk->lock);
  /* The stream listener, after the commit and outside the token lock. */
  for (i = 0; rc == 0 && i < tx.nt; i++)
    if (tx.t[i].streamed)
      dynamo_streams_notify(db, tx.t[i].tb.name);
  store_txn_abort(t);
  dynamo_error_clear(&reason);
  tx_free(&tx);
  return rc;
}

/*
 * TransactGetItems. Supported: TransactItems (1..100 of Get with TableName,
 * Key, ProjectionExpression, ExpressionAttributeNames),
 * ReturnConsumedCapacity. Every item is read in one read transaction;
 * Responses holds one entry per Get, in order: {} for a missing item,
 * {"Item": ...} otherwise.
 */
int dynamo_transact_get(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct tx tx;
  struct store_txn *t = NULL;
  struct dynamo_error reason;
  cJSON *items, *el, *responses = NULL, *cc;
  int n, i, bad, rc = -1;

  if (transact_items(req, "TransactGetItem", &items, &n, err) != 0)
    return -1;
  if (tx_init(&tx, n) != 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
  dynamo_error_init(&reason);
  i = 0;
  cJSON_ArrayForEach(el, items) {
    /* CONF transactGetItems.test.ts: an invalid ProjectionExpression is a
     * "Request-level ValidationException". */
    if (get_action_shape(el, i + 1, &tx.a[i], err) != 0)
      goto out;
    tx.a[i].kind = DYNAMO_ITEM_CHECK;
    tx.a[i].ti = tx_table_index(&tx, tx.a[i].table);
    i++;
  }
  if (store_txn_begin(db->store, 0, &t) != STORE_OK) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
    goto out;
  }
  /* CONF transactGetItems.test.ts: "non-existent table: full
   * ResourceNotFoundException message" (not a cancellation). */
  if (tx_load_tables(db, t, &tx, err) != 0 || tx_keys(&tx, &bad, &reason, err) != 0)
    goto out;
  if (bad >= 0) {
    /* CONF transactGetItems.test.ts: "missing key attribute: action-level
     * ValidationError surfaces as TransactionCanceledException". */
    cancelled_by_validation(n, bad, &reason, err);
    goto out;
  }
  responses = cJSON_CreateArray();
  for (i = 0; i < n; i++) {
    struct tx_action *a = &tx.a[i];
    cJSON *entry = cJSON_CreateObject(), *item = NULL;
    size_t size;
    cJSON_AddItemToArray(responses, entry);
    if (dynamo_items_load(t, &a->enc, &item, err) != 0)
      goto out;
    size = item ? dynamo_item_size(item) : 0;
    /* SPEC AWS capacity: a transactional read costs two read units per
     * 4 KB of the item. */
    tx.t[a->ti].units += 2 * read_units(size);
    if (!item)
      continue;
    if (a->x.e[DYNAMO_EXPR_PROJECTION]) {
      cJSON *p = dynamo_expr_project(a->x.e[DYNAMO_EXPR_PROJECTION], item);
      cJSON_Delete(item);
      item = p;
    }
    cJSON_AddItemToObject(entry, "Item", item);
  }
  *resp = cJSON_CreateObject();
  cJSON_AddItemToObject(*resp, "Responses", responses);
  responses = NULL;
  if ((cc = tx_capacity(req, &tx)) != NULL)
    cJSON_AddItemToObject(*resp, "ConsumedCapacity", cc);
  rc = 0;
out:
  store_txn_abort(t);
  cJSON_Delete(responses);
  dynamo_error_clear(&reason);
  tx_free(&tx);
  return rc;
}
