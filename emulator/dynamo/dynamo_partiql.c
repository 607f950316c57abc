/*
 * dynamo_partiql.c - ExecuteStatement, BatchExecuteStatement and
 * ExecuteTransaction: each statement is parsed (dynamo_partiql_parse.c),
 * translated into an operation's request (dynamo_partiql_plan.c) and run
 * by that operation; batches run their statements one by one, transactions
 * as one TransactGetItems or TransactWriteItems.
 * A SELECT's NextToken is the base64 text of the LastEvaluatedKey.
 *
 * Ownership: requests and answers built here are freed here.
 * Threading: as every operation.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_partiql.h"
#include "emu_base64.h"
#include "emu_utf8.h"

/* SPEC docs/spec/dynamodb.md PartiQL.1: NextToken is 1..32768 characters. */
#define NEXT_TOKEN_MAX 32768
/* SPEC docs/spec/dynamodb.md PartiQL.2: a batch holds 1..25 statements. */
#define BATCH_MAX 25
/* SPEC docs/spec/dynamodb.md PartiQL.3: a transaction holds 1..100 statements. */
#define TRANSACTION_MAX 100

#define DUPLICATE_ITEM "Duplicate primary key exists in table"

/* -------------------------------------------------------- requests */

/* Statement: a string of 1..8192 characters, parsed into *st. */
static int statement_of(const cJSON *entry, const char *member, struct dynamo_partiql **st,
                        struct dynamo_error *err) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(entry, "Statement");
  size_t len;

  *st = NULL;
  if (!s || cJSON_IsNull(s))
    return dynamo_error_null(err, "%s", member);
  if (!cJSON_IsString(s))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "NUMBER_VALUE cannot be converted to String");
  len = strlen(s->valuestring);
  /* SPEC docs/spec/dynamodb.md PartiQL.1: Statement is 1..8192 characters. */
  if (len < 1)
    return dynamo_error_violation(err, s->valuestring, 256,
                                  "Member must have length greater than or equal to 1", "%s",
                                  member);
  if (emu_utf8_count(s->valuestring) > DYNAMO_PARTIQL_MAX_TEXT)
    return dynamo_error_violation(err, s->valuestring, 256,
                                  "Member must have length less than or equal to 8192", "%s",
                                  member);
  return dynamo_partiql_parse(s->valuestring, len, st, err);
}

/* Parameters: absent, or an array of 1.. AttributeValue objects. */
static int check_parameters(const cJSON *entry, const char *member, struct dynamo_error *err) {
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(entry, "Parameters"), *v;
  if (!p || cJSON_IsNull(p))
    return 0;
  if (!cJSON_IsArray(p))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (cJSON_GetArraySize(p) < 1)
    return dynamo_error_violation(
        err, "[]", -1, "Member must have length greater than or equal to 1", "%s", member);
  cJSON_ArrayForEach(v, p) {
    if (!cJSON_IsObject(v))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  }
  return 0;
}

typedef int op_handler(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err);

static op_handler *handler_of(enum partiql_op op) {
  switch (op) {
  case PQ_OP_GET:
    return dynamo_items_get;
  case PQ_OP_QUERY:
    return dynamo_query;
  case PQ_OP_SCAN:
    return dynamo_scan;
  case PQ_OP_PUT:
    return dynamo_items_put;
  case PQ_OP_UPDATE:
    return dynamo_items_update;
  default:
    return dynamo_items_delete;
  }
}

/* Runs a translated statement. An INSERT whose key exists fails with
 * DuplicateItemException. */
static int run_plan(struct dynamo *db, struct dynamo_partiql_plan *pl, cJSON **resp,
                    struct dynamo_error *err) {
  *resp = NULL;
  if (handler_of(pl->op)(db, pl->req, resp, err) == 0)
    return 0;
  if (err->code == DYNAMO_ERR_VALIDATION && strncmp(err->message, "Invalid ", 8) == 0) {
    /* A statement has no expressions of its own: "Invalid FilterExpression:
     * Incorrect operand type ..." reads "Incorrect operand type ..."
     * (SPEC docs/spec/dynamodb.md PartiQL.4). */
    const char *rest = strstr(err->message, "Expression: ");
    static const char boolean[] = "operand type: BOOLEAN";
    size_t n;
    if (rest && !memchr(err->message + 8, ' ', (size_t)(rest - (err->message + 8))))
      memmove(err->message, rest + 12, strlen(rest + 12) + 1);
    /* PartiQL names the boolean type BOOL. */
    n = strlen(err->message);
    if (n >= sizeof(boolean) - 1 && strcmp(err->message + n - (sizeof(boolean) - 1), boolean) == 0)
      err->message[n - 3] = '\0';
  }
  if (pl->insert && err->code == DYNAMO_ERR_CONDITIONAL_CHECK_FAILED) {
    dynamo_error_clear(err);
    /* SPEC docs/spec/dynamodb.md PartiQL.5: "Duplicate primary key exists in table". */
    dynamo_error_set(err, DYNAMO_ERR_DUPLICATE_ITEM, DUPLICATE_ITEM);
  }
  return -1;
}

/* The value at a projected path of an item in wire form, or NULL. */
static const cJSON *at_path(const cJSON *item, const struct partiql_node *path) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, path->elems[0].name);
  size_t i;
  for (i = 1; v && i < path->nelems; i++) {
    const struct partiql_elem *e = &path->elems[i];
    v = e->name
            ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(v, "M"), e->name)
            : cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(v, "L"), (int)e->index);
  }
  return v;
}

/* SPEC docs/spec/dynamodb.md PartiQL.4: a projected path that ends in a
 * name comes back as an attribute of that name (SELECT mymap.nested gives
 * "nested"), not inside its maps as a ProjectionExpression returns it.
 * item (consumed) is the ProjectionExpression's result; returns the
 * statement's. A path ending in a list index keeps the nested form. */
static cJSON *flatten(const struct dynamo_partiql *st, cJSON *item) {
  const struct partiql_node *p;
  cJSON *out;
  int nested = 0;

  for (p = st->proj; p; p = p->next)
    nested |= p->nelems > 1 && p->elems[p->nelems - 1].name != NULL;
  if (!nested || !item || !(out = cJSON_CreateObject()))
    return item;
  for (p = st->proj; p; p = p->next) {
    int leaf = p->elems[p->nelems - 1].name != NULL;
    const char *name = leaf ? p->elems[p->nelems - 1].name : p->elems[0].name;
    const cJSON *v = leaf ? at_path(item, p) : cJSON_GetObjectItemCaseSensitive(item, name);
    if (v && !cJSON_GetObjectItemCaseSensitive(out, name))
      cJSON_AddItemToObject(out, name, cJSON_Duplicate(v, 1));
  }
  cJSON_Delete(item);
  return out;
}

/* flatten over an array of items (consumed); returns the new array. */
static cJSON *flatten_items(const struct dynamo_partiql *st, cJSON *items) {
  cJSON *out, *item;
  if (!items || !(out = cJSON_CreateArray()))
    return items;
  while (items->child) {
    item = cJSON_DetachItemViaPointer(items, items->child);
    cJSON_AddItemToArray(out, flatten(st, item));
  }
  cJSON_Delete(items);
  return out;
}

/* The items a statement returns, taken out of the operation's answer. */
static cJSON *items_of(const struct dynamo_partiql_plan *pl, cJSON *resp) {
  cJSON *items, *one = NULL;

  if (pl->op == PQ_OP_QUERY || pl->op == PQ_OP_SCAN) {
    items = cJSON_DetachItemFromObjectCaseSensitive(resp, "Items");
    return items ? items : cJSON_CreateArray();
  }
  if (!(items = cJSON_CreateArray()))
    return NULL;
  if (resp)
    one = cJSON_DetachItemFromObjectCaseSensitive(resp,
                                                  pl->op == PQ_OP_GET ? "Item" : "Attributes");
  /* SPEC docs/spec/dynamodb.md PartiQL.2: an empty MODIFIED projection is
   * no item. */
  if (one && cJSON_IsObject(one) && !one->child)
    cJSON_Delete(one);
  else if (one)
    cJSON_AddItemToArray(items, one);
  return items;
}

/* SPEC docs/spec/dynamodb.md PartiQL.1: NextToken continues a SELECT; here it
 * is the base64 text of the operation's LastEvaluatedKey. */
/* The statement a token belongs to: FNV-1a over its text, in hex. */
static void statement_hash(const char *text, char out[17]) {
  uint64_t h = 14695981039346656037ull;
  for (; *text; text++)
    h = (h ^ (unsigned char)*text) * 1099511628211ull;
  snprintf(out, 17, "%016" PRIx64, h);
}

/* {"s": the statement's hash, "k": the LastEvaluatedKey}, in base64. */
static char *token_of(const char *statement, const cJSON *last) {
  char hash[17], *text, *tok;
  cJSON *o = cJSON_CreateObject();

  statement_hash(statement, hash);
  if (!o || !cJSON_AddStringToObject(o, "s", hash)) {
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddItemToObject(o, "k", cJSON_Duplicate(last, 1));
  text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!text)
    return NULL;
  tok = emu_base64_encode((const unsigned char *)text, strlen(text), 0);
  free(text);
  return tok;
}

/* The ExclusiveStartKey of a token. SPEC docs/spec/dynamodb.md PartiQL.1:
 * "Invalid NextToken"; a token of another statement: "NextToken does not
 * match request". */
static cJSON *start_key_of(const char *statement, const char *token, struct dynamo_error *err) {
  unsigned char *raw = NULL;
  size_t n = 0;
  char hash[17];
  cJSON *o = NULL, *key;
  const cJSON *s;

  if (emu_base64_decode(token, strlen(token), &raw, &n) == 0)
    o = cJSON_ParseWithLength((const char *)raw, n);
  free(raw);
  s = cJSON_GetObjectItemCaseSensitive(o, "s");
  key = cJSON_DetachItemFromObjectCaseSensitive(o, "k");
  if (!cJSON_IsString(s) || !cJSON_IsObject(key)) {
    cJSON_Delete(o);
    cJSON_Delete(key);
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Invalid NextToken");
    return NULL;
  }
  statement_hash(statement, hash);
  if (strcmp(s->valuestring, hash) != 0) {
    cJSON_Delete(o);
    cJSON_Delete(key);
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "NextToken does not match request");
    return NULL;
  }
  cJSON_Delete(o);
  return key;
}

/* The Statement of a request (checked to be a string by then). */
static const char *statement_text(const cJSON *req) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(req, "Statement");
  return cJSON_IsString(s) ? s->valuestring : "";
}

static void copy_member(cJSON *to, const cJSON *from, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
  if (v)
    cJSON_AddItemToObject(to, name, cJSON_Duplicate(v, 1));
}

int dynamo_partiql_execute(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_violations bad;
  struct dynamo_partiql *st = NULL;
  struct dynamo_partiql_plan pl;
  const char *token = NULL;
  const cJSON *last;
  cJSON *out = NULL, *answer = NULL, *items;
  int limit = 0, has_limit = 0, consistent = 0, rc = -1;

  memset(&pl, 0, sizeof(pl));
  dynamo_violations_init(&bad);
  if (dynamo_req_int(req, "Limit", "limit", 1, 0, &limit, &has_limit, &bad, err) != 0 ||
      dynamo_req_string(req, "NextToken", &token, err) != 0 ||
      dynamo_req_bool(req, "ConsistentRead", &consistent, err) != 0)
    return -1;
  if (token && (!token[0] || strlen(token) > NEXT_TOKEN_MAX))
    dynamo_violations_add(&bad, token, 256,
                          token[0] ? "Member must have length less than or equal to 32768"
                                   : "Member must have length greater than or equal to 1",
                          "nextToken");
  if (dynamo_violations_finish(&bad, err) != 0 || check_parameters(req, "parameters", err) != 0 ||
      statement_of(req, "statement", &st, err) != 0)
    goto out;
  if (dynamo_partiql_plan(db, st, req, PQ_MODE_SINGLE, &pl, err) != 0)
    goto out;
  if (pl.op == PQ_OP_QUERY || pl.op == PQ_OP_SCAN) {
    if (has_limit)
      cJSON_AddNumberToObject(pl.req, "Limit", limit);
    if (token) {
      cJSON *start = start_key_of(statement_text(req), token, err);
      if (!start)
        goto out;
      cJSON_AddItemToObject(pl.req, "ExclusiveStartKey", start);
    }
  }
  copy_member(pl.req, req, "ReturnConsumedCapacity");
  if (run_plan(db, &pl, &answer, err) != 0)
    goto out;
  if (!(out = cJSON_CreateObject()) || !(items = items_of(&pl, answer))) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
    goto out;
  }
  cJSON_AddItemToObject(out, "Items",
                        pl.op == PQ_OP_GET || pl.op == PQ_OP_QUERY || pl.op == PQ_OP_SCAN
                            ? flatten_items(st, items)
                            : items);
  if ((last = cJSON_GetObjectItemCaseSensitive(answer, "LastEvaluatedKey"))) {
    char *next = token_of(statement_text(req), last);
    if (next)
      cJSON_AddStringToObject(out, "NextToken", next);
    free(next);
  }
  copy_member(out, answer, "ConsumedCapacity");
  *resp = out;
  out = NULL;
  rc = 0;
out:
  cJSON_Delete(out);
  cJSON_Delete(answer);
  cJSON_Delete(pl.req);
  dynamo_partiql_free(st);
  return rc;
}

/* ------------------------------------------------------------ batches */

/* SPEC docs/spec/dynamodb.md PartiQL.2: BatchStatementError codes. */
static const char *batch_code(enum dynamo_error_code code) {
  switch (code) {
  case DYNAMO_ERR_VALIDATION:
  case DYNAMO_ERR_SERIALIZATION:
    return "ValidationError";
  case DYNAMO_ERR_CONDITIONAL_CHECK_FAILED:
    return "ConditionalCheckFailed";
  case DYNAMO_ERR_DUPLICATE_ITEM:
    return "DuplicateItem";
  case DYNAMO_ERR_RESOURCE_NOT_FOUND:
    return "ResourceNotFound";
  case DYNAMO_ERR_TRANSACTION_CONFLICT:
    return "TransactionConflict";
  case DYNAMO_ERR_PROVISIONED_THROUGHPUT_EXCEEDED:
    return "ProvisionedThroughputExceeded";
  case DYNAMO_ERR_ITEM_COLLECTION_SIZE_LIMIT_EXCEEDED:
    return "ItemCollectionSizeLimitExceeded";
  case DYNAMO_ERR_THROTTLING:
    return "ThrottlingError";
  case DYNAMO_ERR_ACCESS_DENIED:
    return "AccessDenied";
  default:
    return "InternalServerError";
  }
}

/* One member of a batch's Responses for a failed statement. */
static cJSON *batch_error(const struct dynamo_error *e, const char *table) {
  cJSON *r = cJSON_CreateObject(), *o = cJSON_CreateObject();
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(e->extra, "Item");

  if (!r || !o) {
    cJSON_Delete(r);
    cJSON_Delete(o);
    return NULL;
  }
  cJSON_AddStringToObject(o, "Code", batch_code(e->code));
  cJSON_AddStringToObject(o, "Message", e->message[0] ? e->message : batch_code(e->code));
  if (item)
    cJSON_AddItemToObject(o, "Item", cJSON_Duplicate(item, 1));
  cJSON_AddItemToObject(r, "Error", o);
  if (table && e->code != DYNAMO_ERR_RESOURCE_NOT_FOUND)
    cJSON_AddStringToObject(r, "TableName", table);
  return r;
}

/* The statement list of a batch or transaction: an array of lo..hi
 * objects, each with a Statement of 1..8192 characters. */
static int statement_list(cJSON *req, const char *name, const char *member, int hi, cJSON **list,
                          struct dynamo_error *err) {
  cJSON *l = cJSON_GetObjectItemCaseSensitive(req, name);
  const cJSON *e;
  char constraint[64];
  int i = 0;

  *list = l;
  if (!l || cJSON_IsNull(l))
    return dynamo_error_null(err, "%s", member);
  if (!cJSON_IsArray(l))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (cJSON_GetArraySize(l) < 1 || cJSON_GetArraySize(l) > hi) {
    snprintf(constraint, sizeof(constraint), "Member must have length %s",
             cJSON_GetArraySize(l) < 1 ? "greater than or equal to 1" : "");
    if (cJSON_GetArraySize(l) > hi)
      snprintf(constraint, sizeof(constraint), "Member must have length less than or equal to %d",
               hi);
    return dynamo_error_violation(err, NULL, 0, constraint, "%s", member);
  }
  cJSON_ArrayForEach(e, l) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "Statement");
    char m[96];
    i++;
    if (!cJSON_IsObject(e))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    snprintf(m, sizeof(m), "%s.%d.member.statement", member, i);
    if (!s || cJSON_IsNull(s))
      return dynamo_error_null(err, "%s", m);
    if (!cJSON_IsString(s))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              "NUMBER_VALUE cannot be converted to String");
    if (!s->valuestring[0] || emu_utf8_count(s->valuestring) > DYNAMO_PARTIQL_MAX_TEXT)
      return dynamo_error_violation(err, s->valuestring, 256,
                                    s->valuestring[0]
                                        ? "Member must have length less than or equal to 8192"
                                        : "Member must have length greater than or equal to 1",
                                    "%s", m);
    snprintf(m, sizeof(m), "%s.%d.member.parameters", member, i);
    if (check_parameters(e, m, err) != 0)
      return -1;
  }
  return 0;
}

/* DEVIATION: DynamoDB refuses a batch or transaction that mixes reads and
 * writes; the wording of this message is ours. */
#define MIXED "Unsupported operation: %s must consist of either read statements or write statements"

/* Adds an operation's ConsumedCapacity to the batch's, one entry per
 * table. */
static void add_capacity(cJSON *list, const cJSON *cc) {
  const cJSON *table = cJSON_GetObjectItemCaseSensitive(cc, "TableName");
  const cJSON *units = cJSON_GetObjectItemCaseSensitive(cc, "CapacityUnits");
  cJSON *e;

  if (!cJSON_IsString(table) || !cJSON_IsNumber(units))
    return;
  cJSON_ArrayForEach(e, list) {
    cJSON *u = cJSON_GetObjectItemCaseSensitive(e, "CapacityUnits");
    if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "TableName")->valuestring, table->valuestring) ==
        0) {
      cJSON_SetNumberValue(u, u->valuedouble + units->valuedouble);
      return;
    }
  }
  if ((e = cJSON_CreateObject())) {
    cJSON_AddStringToObject(e, "TableName", table->valuestring);
    cJSON_AddNumberToObject(e, "CapacityUnits", units->valuedouble);
    cJSON_AddItemToArray(list, e);
  }
}

int dynamo_partiql_batch(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err) {
  struct dynamo_partiql *st[BATCH_MAX];
  struct dynamo_error perr[BATCH_MAX];
  cJSON *list, *e;
  cJSON *out = NULL, *responses, *capacity = NULL;
  int n = 0, i, reads = 0, writes = 0, rc = -1;

  if (statement_list(req, "Statements", "statements", BATCH_MAX, &list, err) != 0)
    return -1;
  cJSON_ArrayForEach(e, list) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "Statement");
    dynamo_error_init(&perr[n]);
    if (dynamo_partiql_parse(s->valuestring, strlen(s->valuestring), &st[n], &perr[n]) == 0) {
      if (st[n]->kind == PARTIQL_SELECT)
        reads++;
      else
        writes++;
    }
    n++;
  }
  /* SPEC docs/spec/dynamodb.md PartiQL.2: a batch is all reads or all writes. */
  if (reads && writes) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MIXED, "A batch");
    goto out;
  }
  if (!(out = cJSON_CreateObject()) || !(responses = cJSON_AddArrayToObject(out, "Responses"))) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
    goto out;
  }
  /* SPEC docs/spec/dynamodb.md PartiQL.2: ReturnConsumedCapacity sums the
   * members per table, each read rated by its own ConsistentRead. */
  if (dynamo_wants_capacity(req))
    capacity = cJSON_AddArrayToObject(out, "ConsumedCapacity");
  i = 0;
  cJSON_ArrayForEach(e, list) {
    struct dynamo_partiql_plan pl;
    struct dynamo_error one;
    cJSON *answer = NULL, *r;

    dynamo_error_init(&one);
    memset(&pl, 0, sizeof(pl));
    if (!st[i]) {
      r = batch_error(&perr[i], NULL);
    } else if (dynamo_partiql_plan(db, st[i], e, PQ_MODE_BATCH, &pl, &one) != 0 ||
               (capacity && !cJSON_AddStringToObject(pl.req, "ReturnConsumedCapacity", "TOTAL")) ||
               run_plan(db, &pl, &answer, &one) != 0) {
      r = batch_error(&one, st[i]->table);
    } else if ((r = cJSON_CreateObject())) {
      /* SPEC docs/spec/dynamodb.md PartiQL.2: a read's item, or what a
       * write's RETURNING asked for (no Item for an empty one). */
      cJSON *items = items_of(&pl, answer);
      cJSON *item = items && items->child ? cJSON_DetachItemViaPointer(items, items->child) : NULL;
      cJSON_Delete(items);
      cJSON_AddStringToObject(r, "TableName", st[i]->table);
      if (item)
        cJSON_AddItemToObject(r, "Item", pl.op == PQ_OP_GET ? flatten(st[i], item) : item);
      if (capacity)
        add_capacity(capacity, cJSON_GetObjectItemCaseSensitive(answer, "ConsumedCapacity"));
    }
    dynamo_error_clear(&one);
    cJSON_Delete(answer);
    cJSON_Delete(pl.req);
    if (r)
      cJSON_AddItemToArray(responses, r);
    i++;
  }
  *resp = out;
  out = NULL;
  rc = 0;
out:
  cJSON_Delete(out);
  for (i = 0; i < n; i++) {
    dynamo_partiql_free(st[i]);
    dynamo_error_clear(&perr[i]);
  }
  return rc;
}

/* ------------------------------------------------------- transactions */

/* SPEC docs/spec/dynamodb.md PartiQL.3: a statement's validation error
 * names it: "Validation failed in TransactStatements[0]: ...". */
static int statement_failed(int i, struct dynamo_error *err) {
  char msg[DYNAMO_ERROR_MESSAGE_MAX];
  if (err->code != DYNAMO_ERR_VALIDATION)
    return -1;
  snprintf(msg, sizeof(msg), "%s", err->message);
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          "Validation failed in TransactStatements[%d]: %s", i, msg);
}

/* The cancellation reasons of an INSERT's failed condition read
 * DuplicateItem; the message lists the codes again. */
static void duplicate_reasons(const struct dynamo_partiql_plan *pl, int n,
                              struct dynamo_error *err) {
  cJSON *reasons = cJSON_GetObjectItemCaseSensitive(err->extra, "CancellationReasons"), *r;
  int i = 0, changed = 0;

  cJSON_ArrayForEach(r, reasons) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(r, "Code");
    if (i < n && pl[i].insert && cJSON_IsString(code) &&
        strcmp(code->valuestring, "ConditionalCheckFailed") == 0) {
      cJSON_ReplaceItemInObjectCaseSensitive(r, "Code", cJSON_CreateString("DuplicateItem"));
      cJSON_DeleteItemFromObjectCaseSensitive(r, "Message");
      cJSON_AddStringToObject(r, "Message", DUPLICATE_ITEM);
      cJSON_DeleteItemFromObjectCaseSensitive(r, "Item");
      changed = 1;
    }
    i++;
  }
  if (changed)
    dynamo_transact_message(err);
}

int dynamo_partiql_transaction(struct dynamo *db, cJSON *req, cJSON **resp,
                               struct dynamo_error *err) {
  static const char *const wrap[] = {"Get", "", "", "Put", "Update", "Delete", "ConditionCheck"};
  struct dynamo_partiql *st[TRANSACTION_MAX];
  struct dynamo_partiql_plan pl[TRANSACTION_MAX];
  cJSON *list, *e;
  cJSON *treq = NULL, *actions;
  int n = 0, i, reads = 0, rc = -1;

  memset(pl, 0, sizeof(pl));
  if (statement_list(req, "TransactStatements", "transactStatements", TRANSACTION_MAX, &list,
                     err) != 0)
    return -1;
  cJSON_ArrayForEach(e, list) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "Statement");
    if (dynamo_partiql_parse(s->valuestring, strlen(s->valuestring), &st[n], err) != 0) {
      statement_failed(n, err);
      goto out;
    }
    reads += st[n]->kind == PARTIQL_SELECT;
    n++;
  }
  /* SPEC docs/spec/dynamodb.md PartiQL.3: a transaction is all reads or all
   * writes (EXISTS counts as a write-side check). */
  if (reads && reads != n) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MIXED, "A transaction");
    goto out;
  }
  if (!(treq = cJSON_CreateObject()) || !(actions = cJSON_AddArrayToObject(treq, "TransactItems")))
    goto oom;
  i = 0;
  cJSON_ArrayForEach(e, list) {
    cJSON *a;
    if (dynamo_partiql_plan(db, st[i], e, PQ_MODE_TRANSACTION, &pl[i], err) != 0) {
      statement_failed(i, err);
      goto out;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(pl[i].req, "ReturnValues");
    if (!(a = cJSON_CreateObject()))
      goto oom;
    cJSON_AddItemToObject(a, wrap[pl[i].op], pl[i].req);
    pl[i].req = NULL;
    cJSON_AddItemToArray(actions, a);
    i++;
  }
  /* ClientRequestToken makes writes idempotent; a read has nothing to repeat. */
  if (!reads)
    copy_member(treq, req, "ClientRequestToken");
  copy_member(treq, req, "ReturnConsumedCapacity");
  if (reads) {
    rc = dynamo_transact_get(db, treq, resp, err);
    if (rc == 0) {
      cJSON *r;
      i = 0;
      cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(*resp, "Responses")) {
        cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(r, "Item");
        if (item && i < n)
          cJSON_AddItemToObject(r, "Item", flatten(st[i], item));
        else if (item)
          cJSON_AddItemToObject(r, "Item", item);
        i++;
      }
    }
  } else {
    rc = dynamo_transact_write(db, treq, resp, err);
    if (rc != 0 && err->code == DYNAMO_ERR_TRANSACTION_CANCELED)
      duplicate_reasons(pl, n, err);
  }
  goto out;
oom:
  dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
out:
  cJSON_Delete(treq);
  for (i = 0; i < n; i++) {
    dynamo_partiql_free(st[i]);
    cJSON_Delete(pl[i].req);
  }
  return rc;
}
