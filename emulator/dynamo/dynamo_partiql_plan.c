/*
 * dynamo_partiql_plan.c - the translation of one parsed PartiQL statement
 * (dynamo_partiql.h) into the request of an existing operation, so that
 * conditions, projections and updates go through the same expression
 * engine and store code as the rest of the API:
 *   SELECT, the full key with equality and nothing else   -> GetItem
 *   SELECT, the partition key with equality                -> Query (the sort
 *           key condition as KeyConditionExpression, the rest as filter)
 *   SELECT, otherwise                                      -> Scan with filter
 *   INSERT  -> PutItem with attribute_not_exists(partition key)
 *   UPDATE  -> UpdateItem with attribute_exists(partition key) AND conditions
 *   DELETE  -> DeleteItem with attribute_not_exists(partition key) OR conditions
 *   EXISTS  -> a ConditionCheck (ExecuteTransaction only)
 * Every attribute name becomes a #name placeholder and every value a :value
 * placeholder, so reserved words and literals need no care.
 *
 * DEVIATION: what the operation itself refuses (a key of the wrong type,
 * an item over 400 KB, a malformed Parameter) is reported in that
 * operation's words, not in PartiQL's.
 *
 * Ownership: the plan's request is the caller's. Threading: the schema is
 * read in its own read transaction; the operation then opens its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_partiql.h"
#include "dynamo_value.h"

#define INCOMPLETE_KEY "Where clause does not contain a mandatory equality on all key attributes"

/* The keys a statement addresses (a table's, or an index's for SELECT). */
struct schema {
  char hash[256];
  char range[256]; /* "" when there is no sort key */
  /* A SELECT FROM "T"."I": what the index projects besides the keys. */
  char index[256]; /* "" for the table */
  int global;
  int projection;          /* enum dynamo_projection */
  cJSON *non_key;          /* INCLUDE: a copy of NonKeyAttributes (owned), or NULL */
  char table_keys[2][256]; /* the table's keys, always projected */
};

/* The translation state of one statement. */
struct tr {
  const cJSON *params; /* the Parameters array, or NULL */
  cJSON *names;        /* ExpressionAttributeNames being built */
  cJSON *values;       /* ExpressionAttributeValues being built */
  int nnames, nvalues;
  struct dynamo_error *err;
};

/* ------------------------------------------------------------ values */

static int is_value(const struct partiql_node *nd) {
  return nd->kind == PQ_LITERAL || nd->kind == PQ_PARAM || nd->kind == PQ_LIST ||
         nd->kind == PQ_TUPLE || nd->kind == PQ_BAG;
}

static cJSON *oom(struct tr *t) {
  dynamo_error_set(t->err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
  return NULL;
}

/* The AttributeValue of a value expression (a new tree), or NULL with
 * t->err set. */
static cJSON *value_of(struct tr *t, const struct partiql_node *nd) {
  const struct partiql_node *k;
  cJSON *av, *inner, *v;

  switch (nd->kind) {
  case PQ_LITERAL:
    return (av = cJSON_Duplicate(nd->value, 1)) ? av : oom(t);
  case PQ_PARAM:
    v = cJSON_GetArrayItem(t->params, nd->param);
    if (!v) {
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                       "Number of parameters in request and statement don't match.");
      return NULL;
    }
    return (av = cJSON_Duplicate(v, 1)) ? av : oom(t);
  case PQ_LIST:
  case PQ_TUPLE:
    if (!(av = cJSON_CreateObject()) ||
        !(inner = nd->kind == PQ_LIST ? cJSON_CreateArray() : cJSON_CreateObject())) {
      cJSON_Delete(av);
      return oom(t);
    }
    cJSON_AddItemToObject(av, nd->kind == PQ_LIST ? "L" : "M", inner);
    for (k = nd->kids; k; k = k->next) {
      const char *key = NULL;
      if (nd->kind == PQ_TUPLE) {
        key = cJSON_GetObjectItemCaseSensitive(k->value, "S")->valuestring;
        k = k->next;
        if (cJSON_GetObjectItemCaseSensitive(inner, key)) {
          dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "Duplicate keys in tuple. Key: %s", key);
          cJSON_Delete(av);
          return NULL;
        }
      }
      if (k->kind == PQ_MISSING) /* a MISSING member is no member */
        continue;
      if (!is_value(k)) {
        dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "Unsupported value in a %s",
                         nd->kind == PQ_LIST ? "list" : "tuple");
        cJSON_Delete(av);
        return NULL;
      }
      if (!(v = value_of(t, k))) {
        cJSON_Delete(av);
        return NULL;
      }
      if (key)
        cJSON_AddItemToObject(inner, key, v);
      else
        cJSON_AddItemToArray(inner, v);
    }
    return av;
  case PQ_BAG: {
    /* SPEC docs/spec/dynamodb.md PartiQL.4: a <<bag>> is a string or number set. */
    const char *tag = NULL;
    if (!nd->kids) {
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "Empty bags are not supported");
      return NULL;
    }
    if (!(av = cJSON_CreateObject()) || !(inner = cJSON_CreateArray())) {
      cJSON_Delete(av);
      return oom(t);
    }
    for (k = nd->kids; k; k = k->next) {
      enum dynamo_type ty = DYNAMO_T_INVALID;
      const cJSON *x = NULL;
      cJSON *elem = is_value(k) ? value_of(t, k) : NULL;
      if (elem)
        ty = dynamo_value_type(elem, &x);
      if (!elem || (ty != DYNAMO_T_S && ty != DYNAMO_T_N && ty != DYNAMO_T_B) ||
          (tag && strcmp(tag, ty == DYNAMO_T_S   ? "SS"
                              : ty == DYNAMO_T_N ? "NS"
                                                 : "BS") != 0)) {
        if (elem || t->err->code == DYNAMO_OK)
          dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                           "Unsupported data type in Bag. DynamoDB only supports either numbers "
                           "or strings in bags");
        cJSON_Delete(elem);
        cJSON_Delete(inner);
        cJSON_Delete(av);
        return NULL;
      }
      tag = ty == DYNAMO_T_S ? "SS" : ty == DYNAMO_T_N ? "NS" : "BS";
      cJSON_AddItemToArray(inner, cJSON_Duplicate(x, 1));
      cJSON_Delete(elem);
    }
    cJSON_AddItemToObject(av, tag, inner);
    return av;
  }
  default:
    dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "Unsupported value");
    return NULL;
  }
}

/* ------------------------------------------------- expression text */

/* Appends a :value placeholder for a value expression. */
static int put_value(struct tr *t, struct emu_buf *b, const struct partiql_node *nd) {
  char ph[24];
  cJSON *v = value_of(t, nd);
  if (!v)
    return -1;
  /* A literal is checked as the AttributeValue it is, in those words (not
   * as an ExpressionAttributeValues member, which the statement has none of). */
  if (dynamo_value_validate(v, 1, t->err) != 0) {
    cJSON_Delete(v);
    return -1;
  }
  snprintf(ph, sizeof(ph), ":v%d", t->nvalues++);
  cJSON_AddItemToObject(t->values, ph, v);
  emu_buf_puts(b, ph);
  return 0;
}

/* Appends the #name placeholder of name (one per distinct name). */
static void put_name(struct tr *t, struct emu_buf *b, const char *name) {
  const cJSON *n;
  char ph[24];
  cJSON_ArrayForEach(n, t->names) {
    if (strcmp(n->valuestring, name) == 0) {
      emu_buf_puts(b, n->string);
      return;
    }
  }
  snprintf(ph, sizeof(ph), "#p%d", t->nnames++);
  cJSON_AddStringToObject(t->names, ph, name);
  emu_buf_puts(b, ph);
}

static void put_path(struct tr *t, struct emu_buf *b, const struct partiql_node *nd) {
  size_t i;
  for (i = 0; i < nd->nelems; i++) {
    if (nd->elems[i].name) {
      if (i > 0)
        emu_buf_putc(b, '.');
      put_name(t, b, nd->elems[i].name);
    } else {
      emu_buf_printf(b, "[%u]", nd->elems[i].index);
    }
  }
}

static int missing_error(struct tr *t) {
  return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                          "MISSING must be compared using IS operator");
}

static int put_args(struct tr *t, struct emu_buf *b, const struct partiql_node *call);

/* A path, MISSING (an error) or a value: 0 when written, -1 on error, 1
 * when nd is none of these. */
static int put_leaf(struct tr *t, struct emu_buf *b, const struct partiql_node *nd) {
  if (nd->kind == PQ_PATH) {
    put_path(t, b, nd);
    return 0;
  }
  if (nd->kind == PQ_MISSING)
    return missing_error(t);
  if (is_value(nd))
    return put_value(t, b, nd);
  return 1;
}

/* An operand of a comparison or function: a path, a value or a call. */
static int put_operand(struct tr *t, struct emu_buf *b, const struct partiql_node *nd) {
  int rc = put_leaf(t, b, nd);

  if (rc != 1)
    return rc;
  if (nd->kind == PQ_CALL)
    return put_args(t, b, nd);
  return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                          "Unsupported operator in Condition Expression. Operator: %s",
                          nd->kind == PQ_PLUS    ? "+"
                          : nd->kind == PQ_MINUS ? "-"
                                                 : "nested");
}

/* A function call: the condition functions of DynamoDB's expressions. */
static int put_args(struct tr *t, struct emu_buf *b, const struct partiql_node *call) {
  static const char *const known[] = {"begins_with", "contains",         "attribute_type",
                                      "size",        "attribute_exists", "attribute_not_exists"};
  const struct partiql_node *k;
  size_t i;

  for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(call->name, known[i]) == 0)
      break;
  if (i == sizeof(known) / sizeof(known[0]))
    return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "Unrecognized function: %s", call->name);
  emu_buf_printf(b, "%s(", call->name);
  for (k = call->kids; k; k = k->next) {
    if (k != call->kids)
      emu_buf_puts(b, ", ");
    if (put_operand(t, b, k) != 0)
      return -1;
  }
  emu_buf_putc(b, ')');
  return 0;
}

static int put_cond(struct tr *t, struct emu_buf *b, const struct partiql_node *nd) {
  static const char *const cmp[] = {"=", "<>", "<", "<=", ">", ">="};
  const struct partiql_node *k;

  switch (nd->kind) {
  case PQ_CMP:
    if (nd->kids->kind == PQ_MISSING || nd->kids->next->kind == PQ_MISSING)
      return missing_error(t);
    if (put_operand(t, b, nd->kids) != 0)
      return -1;
    emu_buf_printf(b, " %s ", cmp[nd->op]);
    return put_operand(t, b, nd->kids->next);
  case PQ_AND:
  case PQ_OR:
    emu_buf_putc(b, '(');
    for (k = nd->kids; k; k = k->next) {
      if (k != nd->kids)
        emu_buf_puts(b, nd->kind == PQ_AND ? ") AND (" : ") OR (");
      if (put_cond(t, b, k) != 0)
        return -1;
    }
    emu_buf_putc(b, ')');
    return 0;
  case PQ_NOT:
    emu_buf_puts(b, "NOT (");
    if (put_cond(t, b, nd->kids) != 0)
      return -1;
    emu_buf_putc(b, ')');
    return 0;
  case PQ_BETWEEN:
    if (put_operand(t, b, nd->kids) != 0)
      return -1;
    emu_buf_puts(b, " BETWEEN ");
    if (put_operand(t, b, nd->kids->next) != 0)
      return -1;
    emu_buf_puts(b, " AND ");
    return put_operand(t, b, nd->kids->next->next);
  case PQ_IN:
    if (nd->kids->kind != PQ_PATH)
      return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                              "IN operator must have a left hand argument of type Variable "
                              "Reference and right hand argument of type Seq with at least one "
                              "member");
    put_path(t, b, nd->kids);
    emu_buf_puts(b, " IN (");
    for (k = nd->kids->next; k; k = k->next) {
      if (k != nd->kids->next)
        emu_buf_puts(b, ", ");
      if (put_operand(t, b, k) != 0)
        return -1;
    }
    emu_buf_putc(b, ')');
    return 0;
  case PQ_IS:
    if (nd->kids->kind != PQ_PATH)
      return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                              "The left hand side argument to IS must be a Variable Reference, "
                              "Literal, or Path");
    if (nd->op == PQ_IS_MISSING) {
      /* SPEC docs/spec/dynamodb.md PartiQL.4: IS MISSING is the attribute's absence. */
      emu_buf_puts(b, nd->negated ? "attribute_exists(" : "attribute_not_exists(");
      put_path(t, b, nd->kids);
      emu_buf_putc(b, ')');
      return 0;
    } else {
      char ph[24];
      cJSON *null_tag = cJSON_CreateObject();
      if (!null_tag)
        return -1;
      cJSON_AddStringToObject(null_tag, "S", "NULL");
      snprintf(ph, sizeof(ph), ":v%d", t->nvalues++);
      cJSON_AddItemToObject(t->values, ph, null_tag);
      emu_buf_puts(b, nd->negated ? "NOT attribute_type(" : "attribute_type(");
      put_path(t, b, nd->kids);
      emu_buf_printf(b, ", %s)", ph);
      return 0;
    }
  case PQ_CALL:
    if (strcmp(nd->name, "size") == 0)
      break;
    return put_args(t, b, nd);
  default:
    break;
  }
  return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                          "WHERE clause must contain an expression that resolves to a boolean");
}

/* A SET value: a path, a value, +/-, list_append or if_not_exists. */
static int put_update_value(struct tr *t, struct emu_buf *b, const struct partiql_node *nd,
                            int depth) {
  const struct partiql_node *k;
  int rc = put_leaf(t, b, nd);

  if (rc != 1)
    return rc;
  if ((nd->kind == PQ_PLUS || nd->kind == PQ_MINUS) && depth == 0) {
    if (put_update_value(t, b, nd->kids, 1) != 0)
      return -1;
    emu_buf_puts(b, nd->kind == PQ_PLUS ? " + " : " - ");
    return put_update_value(t, b, nd->kids->next, 1);
  }
  if (nd->kind == PQ_CALL &&
      (strcmp(nd->name, "list_append") == 0 || strcmp(nd->name, "if_not_exists") == 0)) {
    emu_buf_printf(b, "%s(", nd->name);
    for (k = nd->kids; k; k = k->next) {
      if (k != nd->kids)
        emu_buf_puts(b, ", ");
      if (put_update_value(t, b, k, 1) != 0)
        return -1;
    }
    emu_buf_putc(b, ')');
    return 0;
  }
  if (nd->kind == PQ_CALL)
    return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "Unrecognized function: %s", nd->name);
  return dynamo_error_set(
      t->err, DYNAMO_ERR_VALIDATION, "Unsupported operator in Update Expression. Operator: %s",
      nd->kind == PQ_PLUS || nd->kind == PQ_MINUS ? "nested arithmetic" : "condition");
}

static int same_path(const struct partiql_node *a, const struct partiql_node *b) {
  size_t i;
  if (a->kind != PQ_PATH || b->kind != PQ_PATH || a->nelems != b->nelems)
    return 0;
  for (i = 0; i < a->nelems; i++) {
    const struct partiql_elem *x = &a->elems[i], *y = &b->elems[i];
    if (!x->name != !y->name || (x->name ? strcmp(x->name, y->name) != 0 : x->index != y->index))
      return 0;
  }
  return 1;
}

/* The UpdateExpression of an UPDATE's actions. SPEC docs/spec/dynamodb.md
 * 12.5: SET path = set_add(path, <<...>>) adds to a set and set_delete
 * removes from it (DynamoDB's ADD and DELETE actions). */
static int put_update(struct tr *t, struct emu_buf *b, const struct dynamo_partiql *st) {
  struct emu_buf parts[4]; /* SET, REMOVE, ADD, DELETE */
  static const char *const words[] = {"SET ", "REMOVE ", "ADD ", "DELETE "};
  const struct partiql_action *a;
  int i, rc = -1;

  for (i = 0; i < 4; i++)
    emu_buf_init(&parts[i], DYNAMO_PARTIQL_MAX_TEXT * 8);
  for (a = st->actions; a; a = a->next) {
    const struct partiql_node *v = a->value;
    int which = a->remove ? 1 : 0;
    if (v && v->kind == PQ_CALL &&
        (strcmp(v->name, "set_add") == 0 || strcmp(v->name, "set_delete") == 0)) {
      const char *op = v->name[4] == 'a' ? "ADD" : "DELETE";
      cJSON *set;
      enum dynamo_type ty;
      which = v->name[4] == 'a' ? 2 : 3;
      if (v->nkids != 2) {
        dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "SET_%s must have exactly two arguments",
                         op);
        goto out;
      }
      if (!same_path(v->kids, a->path)) {
        dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                         "The first argument to SET_%s must equal the assignment value", op);
        goto out;
      }
      if (!is_value(v->kids->next) || !(set = value_of(t, v->kids->next))) {
        if (t->err->code == DYNAMO_OK)
          dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                           "The second argument to SET_%s must be a value with type SET", op);
        goto out;
      }
      ty = dynamo_value_type(set, NULL);
      cJSON_Delete(set);
      if (ty != DYNAMO_T_SS && ty != DYNAMO_T_NS && ty != DYNAMO_T_BS) {
        dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                         "The second argument to SET_%s must be a value with type SET", op);
        goto out;
      }
    }
    if (parts[which].len)
      emu_buf_puts(&parts[which], ", ");
    put_path(t, &parts[which], a->path);
    if (which == 0) {
      emu_buf_puts(&parts[0], " = ");
      if (put_update_value(t, &parts[0], v, 0) != 0)
        goto out;
    } else if (which >= 2) {
      emu_buf_putc(&parts[which], ' ');
      if (put_value(t, &parts[which], v->kids->next) != 0)
        goto out;
    }
  }
  for (i = 0; i < 4; i++) {
    if (!parts[i].len)
      continue;
    if (b->len)
      emu_buf_putc(b, ' ');
    emu_buf_puts(b, words[i]);
    emu_buf_append(b, parts[i].data, parts[i].len);
  }
  rc = 0;
out:
  for (i = 0; i < 4; i++)
    emu_buf_free(&parts[i]);
  return rc;
}

/* ------------------------------------------------------------- keys */

/* The conditions of a WHERE clause joined by AND at its top (a node that
 * is not an AND is one condition). */
struct conjuncts {
  const struct partiql_node **c;
  unsigned char *used;
  size_t n;
};

static int conjuncts_of(const struct partiql_node *where, struct conjuncts *cj) {
  const struct partiql_node *k;
  size_t cap = where ? (where->kind == PQ_AND ? where->nkids : 1) : 0;

  cj->n = 0;
  cj->c = calloc(cap + 1, sizeof(*cj->c));
  cj->used = calloc(cap + 1, 1);
  if (!cj->c || !cj->used)
    return -1;
  if (!where)
    return 0;
  if (where->kind != PQ_AND) {
    cj->c[cj->n++] = where;
    return 0;
  }
  for (k = where->kids; k; k = k->next)
    cj->c[cj->n++] = k;
  return 0;
}

static void conjuncts_free(struct conjuncts *cj) {
  free(cj->c);
  free(cj->used);
}

static int is_key_path(const struct partiql_node *nd, const char *key) {
  return nd->kind == PQ_PATH && nd->nelems == 1 && strcmp(nd->elems[0].name, key) == 0;
}

/* The value node of a `key = value` (or `value = key`) condition. */
static const struct partiql_node *key_eq(const struct partiql_node *c, const char *key) {
  const struct partiql_node *l, *r;
  if (c->kind != PQ_CMP || c->op != PQ_EQ)
    return NULL;
  l = c->kids;
  r = l->next;
  if (is_key_path(l, key) && is_value(r))
    return r;
  if (is_key_path(r, key) && is_value(l))
    return l;
  return NULL;
}

/* Finds the unused equality on key; marks it used. */
static const struct partiql_node *take_key_eq(struct conjuncts *cj, const char *key) {
  size_t i;
  for (i = 0; i < cj->n; i++) {
    const struct partiql_node *v;
    if (!cj->used[i] && (v = key_eq(cj->c[i], key))) {
      cj->used[i] = 1;
      return v;
    }
  }
  return NULL;
}

/* The unused conditions, ANDed, into b (nothing when none are left). */
static int put_rest(struct tr *t, struct emu_buf *b, const struct conjuncts *cj) {
  size_t i;
  int first = 1;
  for (i = 0; i < cj->n; i++) {
    if (cj->used[i])
      continue;
    emu_buf_puts(b, first ? "(" : " AND (");
    first = 0;
    if (put_cond(t, b, cj->c[i]) != 0)
      return -1;
    emu_buf_putc(b, ')');
  }
  return 0;
}

static int rest_count(const struct conjuncts *cj) {
  size_t i;
  int n = 0;
  for (i = 0; i < cj->n; i++)
    n += !cj->used[i];
  return n;
}

/* Moves the key equalities into a Key map. Returns the map or NULL with
 * err (the incomplete-key message unless given another). */
static cJSON *key_map(struct tr *t, struct conjuncts *cj, const struct schema *sc,
                      const char *incomplete) {
  const struct partiql_node *hv = take_key_eq(cj, sc->hash), *rv = NULL;
  cJSON *key, *v;

  if (!hv || (sc->range[0] && !(rv = take_key_eq(cj, sc->range)))) {
    dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "%s", incomplete);
    return NULL;
  }
  if (!(key = cJSON_CreateObject()))
    return oom(t);
  if (!(v = value_of(t, hv))) {
    cJSON_Delete(key);
    return NULL;
  }
  cJSON_AddItemToObject(key, sc->hash, v);
  if (rv) {
    if (!(v = value_of(t, rv))) {
      cJSON_Delete(key);
      return NULL;
    }
    cJSON_AddItemToObject(key, sc->range, v);
  }
  return key;
}

/* The index of the first unused sort key condition a Query can use (key op
 * value, value op key, key BETWEEN v AND v, begins_with(key, v)), or -1. */
static int find_range_cond(const struct conjuncts *cj, const char *key) {
  size_t i;

  for (i = 0; i < cj->n; i++) {
    const struct partiql_node *c = cj->c[i];
    if (cj->used[i])
      continue;
    if (c->kind == PQ_CMP && c->op != PQ_NE &&
        ((is_key_path(c->kids, key) && is_value(c->kids->next)) ||
         (is_value(c->kids) && is_key_path(c->kids->next, key))))
      return (int)i;
    if (c->kind == PQ_BETWEEN && is_key_path(c->kids, key) && is_value(c->kids->next) &&
        is_value(c->kids->next->next))
      return (int)i;
    if (c->kind == PQ_CALL && strcmp(c->name, "begins_with") == 0 && c->nkids == 2 &&
        is_key_path(c->kids, key) && is_value(c->kids->next))
      return (int)i;
  }
  return -1;
}

/* Appends a condition find_range_cond chose, the key on the left. */
static int put_range_cond(struct tr *t, struct emu_buf *b, const struct partiql_node *c) {
  static const char *const cmp[] = {"=", "<>", "<", "<=", ">", ">="};
  static const int flip[] = {PQ_EQ, PQ_NE, PQ_GT, PQ_GE, PQ_LT, PQ_LE};

  if (c->kind == PQ_CMP && c->kids->kind != PQ_PATH) {
    put_path(t, b, c->kids->next);
    emu_buf_printf(b, " %s ", cmp[flip[c->op]]);
    return put_value(t, b, c->kids);
  }
  return put_cond(t, b, c);
}

/* Whether a condition names attribute `name` at the top of a path. */
static int mentions(const struct partiql_node *nd, const char *name) {
  const struct partiql_node *k;
  if (nd->kind == PQ_PATH)
    return strcmp(nd->elems[0].name, name) == 0;
  for (k = nd->kids; k; k = k->next)
    if (mentions(k, name))
      return 1;
  return 0;
}

/* ---------------------------------------------------------- schema */

static int load_schema(struct dynamo *db, const struct dynamo_partiql *st, struct schema *table,
                       struct schema *target, int *global, struct dynamo_error *err) {
  struct store_txn *txn = NULL;
  struct dynamo_table tb;
  int rc = -1;

  *global = 0;
  if (store_txn_begin(db->store, 0, &txn) != STORE_OK)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "store busy");
  if (dynamo_tables_load(db, txn, st->table, &tb, "Requested resource not found", err) != 0) {
    store_txn_abort(txn);
    return -1;
  }
  snprintf(table->hash, sizeof(table->hash), "%s", tb.hash_name);
  snprintf(table->range, sizeof(table->range), "%s", tb.range_type ? tb.range_name : "");
  *target = *table;
  if (st->index) {
    const struct dynamo_index *ix = dynamo_indexes_find(&tb, st->index);
    if (!ix) {
      /* SPEC docs/spec/dynamodb.md PartiQL.4: PartiQL's message names no
       * index (Query's appends it). */
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "The table does not have the specified index");
      goto out;
    }
    snprintf(target->hash, sizeof(target->hash), "%s", ix->hash_name);
    snprintf(target->range, sizeof(target->range), "%s", ix->range_type ? ix->range_name : "");
    snprintf(target->index, sizeof(target->index), "%s", ix->name);
    snprintf(target->table_keys[0], sizeof(target->table_keys[0]), "%s", table->hash);
    snprintf(target->table_keys[1], sizeof(target->table_keys[1]), "%s", table->range);
    target->global = *global = ix->global;
    target->projection = (int)ix->projection;
    target->non_key = ix->non_key ? cJSON_Duplicate(ix->non_key, 1) : NULL;
  }
  rc = 0;
out:
  dynamo_table_free(&tb);
  store_txn_abort(txn);
  return rc;
}

/* -------------------------------------------------------- translate */

static void add_text(cJSON *req, const char *member, struct emu_buf *b) {
  if (b->len)
    cJSON_AddStringToObject(req, member, b->data);
}

/* Whether the index a SELECT reads projects top-level attribute name. */
static int projected(const struct schema *sc, const char *name) {
  const cJSON *n;
  if (!sc->index[0] || sc->projection == DYNAMO_PROJ_ALL || strcmp(name, sc->hash) == 0 ||
      strcmp(name, sc->range) == 0 || strcmp(name, sc->table_keys[0]) == 0 ||
      strcmp(name, sc->table_keys[1]) == 0)
    return 1;
  if (sc->projection == DYNAMO_PROJ_INCLUDE)
    cJSON_ArrayForEach(n, sc->non_key) {
      if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
        return 1;
    }
  return 0;
}

/* Appends to b the attributes nd names that the index does not project
 * (each once, comma-separated). */
static void unprojected(const struct schema *sc, const struct partiql_node *nd, struct emu_buf *b) {
  const struct partiql_node *k;
  if (nd->kind == PQ_PATH && !projected(sc, nd->elems[0].name)) {
    const char *seen = b->data;
    size_t l = strlen(nd->elems[0].name);
    while (seen && (seen = strstr(seen, nd->elems[0].name)) &&
           !((seen == b->data || seen[-1] == ' ') && (seen[l] == ',' || seen[l] == '\0')))
      seen += l;
    if (!seen) {
      if (b->len)
        emu_buf_puts(b, ", ");
      emu_buf_puts(b, nd->elems[0].name);
    }
  }
  for (k = nd->kids; k; k = k->next)
    unprojected(sc, k, b);
}

/* SPEC docs/spec/dynamodb.md PartiQL.4: what a SELECT on an index may name:
 * a global index refuses to project what it lacks; a keyed read (not a
 * scan) refuses a filter on what the index lacks, the conditions left after
 * the key condition. */
static int check_projected(struct tr *t, const struct dynamo_partiql *st, const struct schema *sc,
                           const struct conjuncts *cj, int scan) {
  struct emu_buf miss;
  const struct partiql_node *p;
  size_t i;
  int rc = 0;

  if (!sc->index[0] || sc->projection == DYNAMO_PROJ_ALL)
    return 0;
  emu_buf_init(&miss, DYNAMO_PARTIQL_MAX_TEXT * 2);
  if (sc->global)
    for (p = st->proj; p; p = p->next)
      unprojected(sc, p, &miss);
  if (miss.len) {
    rc = dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                          "One or more parameter values were invalid: Global secondary index %s "
                          "does not project [%s]",
                          sc->index, miss.data);
    goto out;
  }
  for (i = 0; i < cj->n && !scan; i++)
    if (!cj->used[i])
      unprojected(sc, cj->c[i], &miss);
  if (miss.len)
    rc = dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                          "One or more parameter values were invalid: Secondary index %s does not "
                          "project one or more filter attributes: [%s]",
                          sc->index, miss.data);
out:
  emu_buf_free(&miss);
  return rc;
}

/* Whether the WHERE is exactly the equalities on the whole key. */
static int full_key_only(const struct conjuncts *cj, const struct schema *sc) {
  if (!sc->range[0])
    return cj->n == 1 && key_eq(cj->c[0], sc->hash);
  return cj->n == 2 && ((key_eq(cj->c[0], sc->hash) && key_eq(cj->c[1], sc->range)) ||
                        (key_eq(cj->c[0], sc->range) && key_eq(cj->c[1], sc->hash)));
}

/* The read of a SELECT. */
static int plan_select(struct tr *t, const struct dynamo_partiql *st, const struct schema *sc,
                       enum partiql_mode mode, struct dynamo_partiql_plan *pl,
                       struct emu_buf *bufs) {
  struct emu_buf *proj = &bufs[0], *keycond = &bufs[1], *filter = &bufs[2];
  struct conjuncts cj;
  const struct partiql_node *k, *hv = NULL;
  int rc = -1;

  for (k = st->proj; k; k = k->next) {
    if (k != st->proj)
      emu_buf_puts(proj, ", ");
    put_path(t, proj, k);
  }
  if (conjuncts_of(st->where, &cj) != 0) {
    conjuncts_free(&cj);
    oom(t);
    return -1;
  }
  if (mode != PQ_MODE_SINGLE) {
    /* SPEC docs/spec/dynamodb.md PartiQL.2 and PartiQL.3: a SELECT in a batch or a
     * transaction names one item by its full primary key, on the table. */
    const char *msg =
        mode == PQ_MODE_BATCH
            ? "Select statements within BatchExecuteStatement must specify the primary key in "
              "the where clause."
            : "Select statements within ExecuteTransaction must specify the primary key in the "
              "where clause.";
    cJSON *key;
    if (st->index) {
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "%s",
                       mode == PQ_MODE_BATCH ? msg
                                             : "Reads on indices are not supported within "
                                               "transactions.");
      goto out;
    }
    if (!(key = key_map(t, &cj, sc, msg)))
      goto out;
    if (rest_count(&cj) > 0) {
      cJSON_Delete(key);
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION, "%s", msg);
      goto out;
    }
    pl->op = PQ_OP_GET;
    cJSON_AddItemToObject(pl->req, "Key", key);
    add_text(pl->req, "ProjectionExpression", proj);
    rc = 0;
    goto out;
  }
  if (!st->index && !st->order_key && full_key_only(&cj, sc)) {
    /* The full key with equality and nothing else: one GetItem. */
    cJSON *key = key_map(t, &cj, sc, INCOMPLETE_KEY);
    if (!key)
      goto out;
    pl->op = PQ_OP_GET;
    cJSON_AddItemToObject(pl->req, "Key", key);
    add_text(pl->req, "ProjectionExpression", proj);
    rc = 0;
    goto out;
  }
  hv = take_key_eq(&cj, sc->hash);
  if (st->order_key) {
    if (!hv) {
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                       "Must have at least one non-optional hash key condition in WHERE clause "
                       "when using ORDER BY clause.");
      goto out;
    }
    if (strcmp(st->order_key, sc->hash) != 0 && strcmp(st->order_key, sc->range) != 0) {
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                       "Variable reference %s in ORDER BY clause must be part of the primary key",
                       st->order_key);
      goto out;
    }
  }
  if (hv) {
    /* A Query's filter may not name a key attribute: a WHERE that
     * constrains a key beyond the key condition is scanned instead (unless
     * it is ordered, which needs the Query). */
    int ri = sc->range[0] ? find_range_cond(&cj, sc->range) : -1;
    size_t i;
    if (ri >= 0)
      cj.used[ri] = 1;
    for (i = 0; i < cj.n && hv && !st->order_key; i++)
      if (!cj.used[i] &&
          (mentions(cj.c[i], sc->hash) || (sc->range[0] && mentions(cj.c[i], sc->range))))
        hv = NULL;
    if (hv) {
      put_name(t, keycond, sc->hash);
      emu_buf_puts(keycond, " = ");
      if (put_value(t, keycond, hv) != 0)
        goto out;
      if (ri >= 0) {
        emu_buf_puts(keycond, " AND ");
        if (put_range_cond(t, keycond, cj.c[ri]) != 0)
          goto out;
      }
      if (check_projected(t, st, sc, &cj, 0) != 0 || put_rest(t, filter, &cj) != 0)
        goto out;
      pl->op = PQ_OP_QUERY;
    }
  }
  if (!hv) {
    /* SPEC docs/spec/dynamodb.md PartiQL.4: without an equality on the
     * partition key a SELECT is a full scan. */
    if (st->order_key) {
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                       "Must have at least one non-optional hash key condition in WHERE clause "
                       "when using ORDER BY clause.");
      goto out;
    }
    pl->op = PQ_OP_SCAN;
    if (check_projected(t, st, sc, &cj, 1) != 0 ||
        (st->where && put_cond(t, filter, st->where) != 0))
      goto out;
  }
  if (pl->op != PQ_OP_GET && st->index)
    cJSON_AddStringToObject(pl->req, "IndexName", st->index);
  add_text(pl->req, "ProjectionExpression", proj);
  if (pl->op == PQ_OP_QUERY) {
    add_text(pl->req, "KeyConditionExpression", keycond);
    if (st->order_desc)
      cJSON_AddFalseToObject(pl->req, "ScanIndexForward");
  }
  add_text(pl->req, "FilterExpression", filter);
  rc = 0;
out:
  conjuncts_free(&cj);
  return rc;
}

/* The write of an INSERT, UPDATE, DELETE or EXISTS. */
static int plan_write(struct tr *t, const struct dynamo_partiql *st, const struct schema *sc,
                      struct dynamo_partiql_plan *pl, struct emu_buf *bufs) {
  struct emu_buf *cond = &bufs[0], *upd = &bufs[1], *rest = &bufs[2];
  struct conjuncts cj;
  cJSON *key;
  size_t i;
  int rc = -1;

  if (st->kind == PARTIQL_INSERT) {
    cJSON *item = value_of(t, st->item), *m;
    if (!item)
      return -1;
    if (dynamo_value_type(item, NULL) != DYNAMO_T_M) {
      cJSON_Delete(item);
      return dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                              "Unsupported format in item expression. Please use struct format "
                              "{...} to express item values for insert statement.");
    }
    m = cJSON_DetachItemFromObjectCaseSensitive(item, "M");
    cJSON_Delete(item);
    cJSON_AddItemToObject(pl->req, "Item", m);
    /* SPEC docs/spec/dynamodb.md PartiQL.5: INSERT of an existing key is a
     * DuplicateItemException. */
    emu_buf_puts(cond, "attribute_not_exists(");
    put_name(t, cond, sc->hash);
    emu_buf_putc(cond, ')');
    add_text(pl->req, "ConditionExpression", cond);
    pl->op = PQ_OP_PUT;
    pl->insert = 1;
    return 0;
  }
  if (conjuncts_of(st->where, &cj) != 0) {
    conjuncts_free(&cj);
    oom(t);
    return -1;
  }
  /* SPEC docs/spec/dynamodb.md PartiQL.5: UPDATE and DELETE name one item by
   * equalities on its whole primary key. */
  if (!(key = key_map(t, &cj, sc,
                      st->kind == PARTIQL_EXISTS
                          ? "EXISTS() must contain a single item read with additional condition"
                          : INCOMPLETE_KEY)))
    goto out;
  cJSON_AddItemToObject(pl->req, "Key", key);
  for (i = 0; i < cj.n; i++) {
    const char *again = NULL;
    if (cj.used[i])
      continue;
    if (mentions(cj.c[i], sc->hash))
      again = sc->hash;
    else if (sc->range[0] && mentions(cj.c[i], sc->range))
      again = sc->range;
    if (again) {
      /* SPEC docs/spec/dynamodb.md PartiQL.5: the key once, by equality. */
      dynamo_error_set(t->err, DYNAMO_ERR_VALIDATION,
                       "Multiple conditions on same key %s. Only single item Update/Insert/Delete "
                       "are supported",
                       again);
      goto out;
    }
  }
  if (put_rest(t, rest, &cj) != 0)
    goto out;
  if (st->kind == PARTIQL_UPDATE) {
    if (put_update(t, upd, st) != 0)
      goto out;
    add_text(pl->req, "UpdateExpression", upd);
    /* SPEC docs/spec/dynamodb.md PartiQL.5: an UPDATE whose WHERE matches no
     * item is a ConditionalCheckFailedException. */
    emu_buf_puts(cond, "attribute_exists(");
    put_name(t, cond, sc->hash);
    emu_buf_putc(cond, ')');
    if (rest->len) {
      emu_buf_puts(cond, " AND ");
      emu_buf_append(cond, rest->data, rest->len);
    }
    pl->op = PQ_OP_UPDATE;
  } else if (st->kind == PARTIQL_DELETE) {
    /* SPEC docs/spec/dynamodb.md PartiQL.5: DELETE of an absent item succeeds;
     * of a present one whose condition is false fails. */
    if (rest->len) {
      emu_buf_puts(cond, "attribute_not_exists(");
      put_name(t, cond, sc->hash);
      emu_buf_puts(cond, ") OR ");
      emu_buf_append(cond, rest->data, rest->len);
    }
    pl->op = PQ_OP_DELETE;
  } else {
    emu_buf_puts(cond, "attribute_exists(");
    put_name(t, cond, sc->hash);
    emu_buf_putc(cond, ')');
    if (rest->len) {
      emu_buf_puts(cond, " AND ");
      emu_buf_append(cond, rest->data, rest->len);
    }
    pl->op = PQ_OP_CHECK;
  }
  add_text(pl->req, "ConditionExpression", cond);
  if (st->returning != PQ_RET_NONE) {
    static const char *const rv[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"};
    cJSON_AddStringToObject(pl->req, "ReturnValues", rv[st->returning]);
  }
  rc = 0;
out:
  conjuncts_free(&cj);
  return rc;
}

/* Translates one statement (entry: its Statement, Parameters,
 * ConsistentRead, ReturnValuesOnConditionCheckFailure) into *pl. */
int dynamo_partiql_plan(struct dynamo *db, const struct dynamo_partiql *st, cJSON *entry,
                        enum partiql_mode mode, struct dynamo_partiql_plan *pl,
                        struct dynamo_error *err) {
  struct schema table, target;
  struct tr t;
  cJSON *pv;
  struct emu_buf bufs[3];
  cJSON *params = cJSON_GetObjectItemCaseSensitive(entry, "Parameters");
  const cJSON *v;
  int global, i, rc = -1;

  memset(pl, 0, sizeof(*pl));
  memset(&table, 0, sizeof(table));
  memset(&target, 0, sizeof(target));
  /* SPEC docs/spec/dynamodb.md PartiQL.1: as many Parameters as '?'. */
  if (st->nparams != cJSON_GetArraySize(params))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Number of parameters in request and statement don't match.");
  /* SPEC docs/spec/dynamodb.md PartiQL.1: each Parameter is an
   * AttributeValue, checked (and its numbers normalised) as such. */
  cJSON_ArrayForEach(pv, params) {
    if (dynamo_value_validate(pv, 1, err) != 0)
      return -1;
  }
  if (st->kind == PARTIQL_EXISTS && mode != PQ_MODE_TRANSACTION)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "EXISTS can only be used in ExecuteTransaction write requests.");
  if (st->index && st->kind != PARTIQL_SELECT)
    /* SPEC docs/spec/dynamodb.md PartiQL.5: writes go to the table. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "This operation is not supported on an index");
  if (load_schema(db, st, &table, &target, &global, err) != 0)
    return -1;
  if (st->kind == PARTIQL_SELECT && global && mode == PQ_MODE_SINGLE &&
      cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(entry, "ConsistentRead"))) {
    /* SPEC docs/spec/dynamodb.md PartiQL.1: PartiQL's wording, not Query's. */
    cJSON_Delete(target.non_key);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Strongly consistent read is not supported on Global Secondary "
                            "Indexes");
  }
  if (mode == PQ_MODE_TRANSACTION && st->returning != PQ_RET_NONE) {
    /* SPEC docs/spec/dynamodb.md PartiQL.3: no RETURNING in a transaction. */
    cJSON_Delete(target.non_key);
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "RETURNING clause is not supported in ExecuteTransaction.");
  }
  memset(&t, 0, sizeof(t));
  t.params = params;
  t.err = err;
  t.names = cJSON_CreateObject();
  t.values = cJSON_CreateObject();
  pl->req = cJSON_CreateObject();
  for (i = 0; i < 3; i++)
    emu_buf_init(&bufs[i], DYNAMO_PARTIQL_MAX_TEXT * 8);
  if (!t.names || !t.values || !pl->req) {
    oom(&t);
    goto out;
  }
  cJSON_AddStringToObject(pl->req, "TableName", st->table);
  if (st->kind == PARTIQL_SELECT) {
    if (plan_select(&t, st, &target, mode, pl, bufs) != 0)
      goto out;
    v = cJSON_GetObjectItemCaseSensitive(entry, "ConsistentRead");
    if (v && pl->op != PQ_OP_GET && mode == PQ_MODE_SINGLE)
      cJSON_AddItemToObject(pl->req, "ConsistentRead", cJSON_Duplicate(v, 1));
    else if (v && pl->op == PQ_OP_GET && mode != PQ_MODE_TRANSACTION)
      cJSON_AddItemToObject(pl->req, "ConsistentRead", cJSON_Duplicate(v, 1));
  } else {
    if (plan_write(&t, st, &table, pl, bufs) != 0)
      goto out;
    v = cJSON_GetObjectItemCaseSensitive(entry, "ReturnValuesOnConditionCheckFailure");
    if (v)
      cJSON_AddItemToObject(pl->req, "ReturnValuesOnConditionCheckFailure", cJSON_Duplicate(v, 1));
  }
  if (t.names && t.names->child) {
    cJSON_AddItemToObject(pl->req, "ExpressionAttributeNames", t.names);
    t.names = NULL;
  }
  if (t.values && t.values->child) {
    cJSON_AddItemToObject(pl->req, "ExpressionAttributeValues", t.values);
    t.values = NULL;
  }
  rc = 0;
out:
  for (i = 0; i < 3; i++)
    emu_buf_free(&bufs[i]);
  cJSON_Delete(target.non_key);
  cJSON_Delete(t.names);
  cJSON_Delete(t.values);
  if (rc != 0) {
    cJSON_Delete(pl->req);
    pl->req = NULL;
  }
  return rc;
}
