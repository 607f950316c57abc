/*
 * dynamo_expr_eval.c - evaluates parsed DynamoDB expressions against items:
 * conditions and filters, projections, update actions, update targets and
 * Query key conditions.
 *
 * Items and values are cJSON trees in DynamoDB wire form (dynamo_value.h).
 * Semantics follow DynamoDB as recorded by the Alternator suite (ALT-tests,
 * run against live DynamoDB) and dynalite's tests (DYN-test):
 *   - a missing operand makes '=' and ordering comparisons false and '<>'
 *     true; values of different types are never ordered (false, not an
 *     error); '=' is deep equality (dynamo_value_equal);
 *   - an update reads every right-hand side from the item as it was before
 *     the update ("SET a = b, b = :v" copies the old b), and list indexes
 *     in REMOVE refer to positions before any removal;
 *   - SET past the end of a list appends, several such SETs append in
 *     index order; REMOVE past the end is a no-op;
 *   - numbers are added with dynamo_number_add/sub, never through double.
 * Invariants relied on: the parser guarantees that update paths neither
 * overlap nor conflict, so no action's target lies inside another's, and
 * that function calls have the right number of arguments.
 * Ownership: functions borrow the expression and the item; projections
 * return a new tree owned by the caller; updates modify the caller's item.
 * Threading: no shared state.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_expr_int.h"
#include "dynamo_number.h"
#include "dynamo_value.h"
#include "emu_base64.h"
#include "emu_nul.h"

/* DYN-test updateItem.js (messages checked against live DynamoDB; they
 * carry no "Invalid UpdateExpression:" prefix). */
#define MSG_NO_ATTRIBUTE \
  "The provided expression refers to an attribute that does not exist in the item"
#define MSG_BAD_TYPE "An operand in the update expression has an incorrect data type"
#define MSG_BAD_PATH "The document path provided in the update expression is invalid for update"

/* ------------------------------------------------------------- helpers */

static const cJSON *inner_of(const cJSON *av, enum dynamo_type *t) {
  const cJSON *inner = NULL;

  *t = av ? dynamo_value_type(av, &inner) : DYNAMO_T_INVALID;
  return inner;
}

/* Element el of a container: an object member or an array item. */
static cJSON *child_of(const cJSON *container, const struct expr_path_elem *el) {
  if (el->name)
    return cJSON_IsObject(container) ? cJSON_GetObjectItemCaseSensitive(container, el->name) : NULL;
  if (!cJSON_IsArray(container) || el->index >= (uint32_t)INT_MAX)
    return NULL;
  return cJSON_GetArrayItem(container, (int)el->index);
}

const cJSON *dynamo_expr__resolve(const cJSON *item, const struct expr_path *path) {
  const struct expr_path_elem *el = path->head;
  const cJSON *cur;

  if (!item || !el)
    return NULL;
  cur = child_of(item, el);
  for (el = el->next; cur && el; el = el->next) {
    enum dynamo_type t;
    const cJSON *inner = inner_of(cur, &t);
    if ((el->name && t != DYNAMO_T_M) || (!el->name && t != DYNAMO_T_L))
      return NULL;
    cur = child_of(inner, el);
  }
  return cur;
}

/* Decoded bytes of a B value (or a BS member). */
static int b64_bytes(const char *text, unsigned char **out, size_t *len) {
  return emu_base64_decode(text, strlen(text), out, len);
}

static cJSON *new_number(const struct dynamo_number *num) {
  char buf[DYNAMO_NUMBER_TEXT_MAX];
  cJSON *o = cJSON_CreateObject();

  dynamo_number_format(num, buf, sizeof(buf));
  if (o && !cJSON_AddStringToObject(o, "N", buf)) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* A deep copy without the member name the source carried (":v", ...). */
static cJSON *dup_value(const cJSON *v) {
  cJSON *d = cJSON_Duplicate(v, 1);

  if (d && d->string) {
    if (!(d->type & cJSON_StringIsConst))
      cJSON_free(d->string);
    d->string = NULL;
    d->type &= ~cJSON_StringIsConst;
  }
  return d;
}

static int oom(struct dynamo_error *err) {
  return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
}

/* Equality of two set members of set type t (texts of SS, NS or BS). */
static int member_equal(enum dynamo_type t, const char *a, const char *b) {
  if (t == DYNAMO_T_NS) {
    struct dynamo_number x, y;
    if (dynamo_number_parse(a, strlen(a), &x) != DYNAMO_NUMBER_OK ||
        dynamo_number_parse(b, strlen(b), &y) != DYNAMO_NUMBER_OK)
      return strcmp(a, b) == 0;
    return dynamo_number_compare(&x, &y) == 0;
  }
  if (t == DYNAMO_T_BS) {
    unsigned char *x = NULL, *y = NULL;
    size_t xl = 0, yl = 0;
    int eq;
    if (b64_bytes(a, &x, &xl) < 0 || b64_bytes(b, &y, &yl) < 0) {
      free(x);
      free(y);
      return strcmp(a, b) == 0;
    }
    eq = xl == yl && memcmp(x, y, xl) == 0;
    free(x);
    free(y);
    return eq;
  }
  return strcmp(a, b) == 0;
}

static int set_has(enum dynamo_type t, const cJSON *array, const char *member) {
  const cJSON *it;

  cJSON_ArrayForEach(it, array)
    if (cJSON_IsString(it) && member_equal(t, it->valuestring, member))
      return 1;
  return 0;
}

static int is_set_type(enum dynamo_type t) {
  return t == DYNAMO_T_SS || t == DYNAMO_T_NS || t == DYNAMO_T_BS;
}

/* ---------------------------------------------------------- conditions */

struct operand {
  const cJSON *v; /* NULL: the operand does not exist */
  cJSON *owned;   /* set when v was computed (size()) */
};

static void operand_release(struct operand *o) {
  cJSON_Delete(o->owned);
  o->owned = NULL;
  o->v = NULL;
}

/* Developer guide "Comparison operator and function reference": size() is
 * the length of a string (counted here in UTF-8 bytes), of a binary in
 * bytes, the element count of sets and lists and the member count of a
 * map; other types have no size (the comparison is then false). */
static int size_of(const cJSON *av, size_t *out) {
  enum dynamo_type t;
  const cJSON *inner = inner_of(av, &t);

  switch (t) {
  case DYNAMO_T_S:
    *out = emu_nul_strlen(inner->valuestring); /* C0 80 (U+0000) is one byte */
    return 0;
  case DYNAMO_T_B:
    *out = emu_base64_decoded_len(inner->valuestring, strlen(inner->valuestring));
    return 0;
  case DYNAMO_T_SS:
  case DYNAMO_T_NS:
  case DYNAMO_T_BS:
  case DYNAMO_T_L:
  case DYNAMO_T_M:
    *out = (size_t)cJSON_GetArraySize(inner);
    return 0;
  default:
    return -1;
  }
}

static int eval_operand(const struct expr_node *n, const cJSON *item, struct operand *out,
                        struct dynamo_error *err) {
  out->v = NULL;
  out->owned = NULL;
  switch (n->kind) {
  case EXPR_N_PATH:
    out->v = dynamo_expr__resolve(item, &n->path);
    return 0;
  case EXPR_N_VALUE:
    out->v = n->value;
    return 0;
  case EXPR_N_CALL:
    if (n->op == EXPR_F_SIZE) {
      struct operand arg;
      size_t size;
      char buf[32];
      if (eval_operand(n->kids, item, &arg, err) < 0)
        return -1;
      if (arg.v && size_of(arg.v, &size) == 0) {
        snprintf(buf, sizeof(buf), "%zu", size);
        out->owned = cJSON_CreateObject();
        if (!out->owned || !cJSON_AddStringToObject(out->owned, "N", buf)) {
          operand_release(&arg);
          operand_release(out);
          return oom(err);
        }
        out->v = out->owned;
      }
      operand_release(&arg);
    }
    return 0;
  default:
    return 0;
  }
}

static int compare_values(int op, const cJSON *a, const cJSON *b) {
  int comparable = 0, c;

  if (op == EXPR_CMP_EQ)
    return a && b && dynamo_value_equal(a, b);
  if (op == EXPR_CMP_NE)
    return !(a && b && dynamo_value_equal(a, b));
  if (!a || !b)
    return 0;
  c = dynamo_value_compare(a, b, &comparable);
  if (!comparable)
    return 0;
  switch (op) {
  case EXPR_CMP_LT:
    return c < 0;
  case EXPR_CMP_LE:
    return c <= 0;
  case EXPR_CMP_GT:
    return c > 0;
  default:
    return c >= 0;
  }
}

/* Byte-wise search of needle in hay. */
static int bytes_contain(const unsigned char *hay, size_t hl, const unsigned char *needle,
                         size_t nl) {
  size_t i;

  if (nl == 0)
    return 1;
  for (i = 0; i + nl <= hl; i++)
    if (memcmp(hay + i, needle, nl) == 0)
      return 1;
  return 0;
}

static int binary_test(const char *a, const char *b, int prefix) {
  unsigned char *x = NULL, *y = NULL;
  size_t xl = 0, yl = 0;
  int r = 0;

  if (b64_bytes(a, &x, &xl) == 0 && b64_bytes(b, &y, &yl) == 0)
    r = prefix ? (yl <= xl && memcmp(x, y, yl) == 0) : bytes_contain(x, xl, y, yl);
  free(x);
  free(y);
  return r;
}

/* begins_with(a, b): S or B prefixes; anything else is false. */
static int begins_with(const cJSON *a, const cJSON *b) {
  enum dynamo_type ta, tb;
  const cJSON *ia = inner_of(a, &ta), *ib = inner_of(b, &tb);

  if (!a || !b || ta != tb)
    return 0;
  if (ta == DYNAMO_T_S)
    return strncmp(ia->valuestring, ib->valuestring, strlen(ib->valuestring)) == 0;
  if (ta == DYNAMO_T_B)
    return binary_test(ia->valuestring, ib->valuestring, 1);
  return 0;
}

/* contains(a, b): substring of S/B, member of a set of b's type, or an
 * element of a list deep-equal to b (ALT-tests test_update_condition_contains). */
static int contains(const cJSON *a, const cJSON *b) {
  enum dynamo_type ta, tb;
  const cJSON *ia = inner_of(a, &ta), *ib = inner_of(b, &tb), *it;

  if (!a || !b)
    return 0;
  if (ta == DYNAMO_T_S && tb == DYNAMO_T_S)
    return strstr(ia->valuestring, ib->valuestring) != NULL;
  if (ta == DYNAMO_T_B && tb == DYNAMO_T_B)
    return binary_test(ia->valuestring, ib->valuestring, 0);
  if ((ta == DYNAMO_T_SS && tb == DYNAMO_T_S) || (ta == DYNAMO_T_NS && tb == DYNAMO_T_N) ||
      (ta == DYNAMO_T_BS && tb == DYNAMO_T_B))
    return set_has(ta, ia, ib->valuestring);
  if (ta == DYNAMO_T_L) {
    cJSON_ArrayForEach(it, ia)
      if (dynamo_value_equal(it, b))
        return 1;
  }
  return 0;
}

static int eval_call(const struct expr_node *n, const cJSON *item, struct dynamo_error *err) {
  struct operand a = {NULL, NULL}, b = {NULL, NULL};
  int r = 0;

  if (n->op == EXPR_F_ATTRIBUTE_EXISTS || n->op == EXPR_F_ATTRIBUTE_NOT_EXISTS) {
    int exists = dynamo_expr__resolve(item, &n->kids->path) != NULL;
    return n->op == EXPR_F_ATTRIBUTE_EXISTS ? exists : !exists;
  }
  if (n->nkids != 2)
    return 0; /* size() is not a condition; the parser rejects it */
  if (eval_operand(n->kids, item, &a, err) < 0 || eval_operand(n->kids->next, item, &b, err) < 0) {
    operand_release(&a);
    return -1;
  }
  switch (n->op) {
  case EXPR_F_ATTRIBUTE_TYPE: {
    enum dynamo_type ta, tb;
    const cJSON *ib = inner_of(b.v, &tb);
    inner_of(a.v, &ta);
    r = a.v && tb == DYNAMO_T_S && ta != DYNAMO_T_INVALID &&
        strcmp(dynamo_type_tag(ta), ib->valuestring) == 0;
    break;
  }
  case EXPR_F_BEGINS_WITH:
    r = begins_with(a.v, b.v);
    break;
  case EXPR_F_CONTAINS:
    r = contains(a.v, b.v);
    break;
  default:
    r = 0;
    break;
  }
  operand_release(&a);
  operand_release(&b);
  return r;
}

static int eval_cond(const struct expr_node *n, const cJSON *item, struct dynamo_error *err) {
  const struct expr_node *k;
  struct operand x, y, z;
  int r;

  switch (n->kind) {
  case EXPR_N_AND:
    for (k = n->kids; k; k = k->next)
      if ((r = eval_cond(k, item, err)) <= 0)
        return r;
    return 1;
  case EXPR_N_OR:
    for (k = n->kids; k; k = k->next)
      if ((r = eval_cond(k, item, err)) != 0)
        return r;
    return 0;
  case EXPR_N_NOT:
    r = eval_cond(n->kids, item, err);
    return r < 0 ? r : !r;
  case EXPR_N_CMP:
    if (eval_operand(n->kids, item, &x, err) < 0)
      return -1;
    if (eval_operand(n->kids->next, item, &y, err) < 0) {
      operand_release(&x);
      return -1;
    }
    r = compare_values(n->op, x.v, y.v);
    operand_release(&x);
    operand_release(&y);
    return r;
  case EXPR_N_BETWEEN:
    r = 0;
    if (eval_operand(n->kids, item, &x, err) < 0)
      return -1;
    if (eval_operand(n->kids->next, item, &y, err) < 0) {
      operand_release(&x);
      return -1;
    }
    if (eval_operand(n->kids->next->next, item, &z, err) < 0) {
      operand_release(&x);
      operand_release(&y);
      return -1;
    }
    r = compare_values(EXPR_CMP_GE, x.v, y.v) && compare_values(EXPR_CMP_LE, x.v, z.v);
    operand_release(&x);
    operand_release(&y);
    operand_release(&z);
    return r;
  case EXPR_N_IN:
    r = 0;
    if (eval_operand(n->kids, item, &x, err) < 0)
      return -1;
    for (k = n->kids->next; x.v && k && !r; k = k->next) {
      if (eval_operand(k, item, &y, err) < 0) {
        operand_release(&x);
        return -1;
      }
      r = compare_values(EXPR_CMP_EQ, x.v, y.v);
      operand_release(&y);
    }
    operand_release(&x);
    return r;
  case EXPR_N_CALL:
    return eval_call(n, item, err);
  default:
    return 0;
  }
}

int dynamo_expr_eval_condition(const struct dynamo_expr *e, const cJSON *item,
                               struct dynamo_error *err) {
  if (!e || !e->cond)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "expression is not a condition");
  return eval_cond(e->cond, item, err);
}

/* ---------------------------------------------------------- projection */

/* The projection of value av along the remaining elements els[0..n) (all
 * names or all indexes: conflicting paths are rejected by the parser).
 * Returns a new AttributeValue, or NULL when nothing projected exists. */
static cJSON *project_value(const cJSON *av, const struct expr_path_elem **els, size_t n);

/* Projects members of a map (the item itself at top level) into a new
 * object, in first-use order. Returns NULL on allocation failure. */
static cJSON *project_map(const cJSON *obj, const struct expr_path_elem **els, size_t n) {
  cJSON *out = cJSON_CreateObject();
  const struct expr_path_elem **next;
  size_t i, j;

  next = malloc(sizeof(*next) * (n ? n : 1));
  if (!out || !next) {
    cJSON_Delete(out);
    free(next);
    return NULL;
  }
  for (i = 0; i < n; i++) {
    const cJSON *child;
    cJSON *sub = NULL;
    size_t m = 0;
    int whole = 0;

    if (!els[i]->name)
      continue;
    for (j = 0; j < i; j++)
      if (els[j]->name && strcmp(els[j]->name, els[i]->name) == 0)
        break;
    if (j < i)
      continue; /* already projected with its first use */
    child = cJSON_GetObjectItemCaseSensitive(obj, els[i]->name);
    if (!child)
      continue;
    for (j = i; j < n; j++) {
      if (!els[j]->name || strcmp(els[j]->name, els[i]->name) != 0)
        continue;
      if (!els[j]->next)
        whole = 1;
      else
        next[m++] = els[j]->next;
    }
    sub = whole ? dup_value(child) : project_value(child, next, m);
    if (sub)
      cJSON_AddItemToObject(out, els[i]->name, sub);
  }
  free(next);
  return out;
}

/* Projects list elements into a new array, in index order. */
static cJSON *project_list(const cJSON *arr, const struct expr_path_elem **els, size_t n) {
  cJSON *out = cJSON_CreateArray();
  const struct expr_path_elem **next;
  uint32_t done = 0;
  int any_done = 0;

  next = malloc(sizeof(*next) * (n ? n : 1));
  if (!out || !next) {
    cJSON_Delete(out);
    free(next);
    return NULL;
  }
  for (;;) {
    /* the smallest index above the last one handled */
    uint32_t idx = UINT32_MAX;
    int found = 0, whole = 0;
    size_t j, m = 0;
    const cJSON *child;
    cJSON *sub;

    for (j = 0; j < n; j++) {
      if (els[j]->name || (any_done && els[j]->index <= done))
        continue;
      if (!found || els[j]->index < idx)
        idx = els[j]->index;
      found = 1;
    }
    if (!found)
      break;
    for (j = 0; j < n; j++) {
      if (els[j]->name || els[j]->index != idx)
        continue;
      if (!els[j]->next)
        whole = 1;
      else
        next[m++] = els[j]->next;
    }
    done = idx;
    any_done = 1;
    child = idx < (uint32_t)INT_MAX ? cJSON_GetArrayItem(arr, (int)idx) : NULL;
    if (!child)
      break; /* indexes only grow from here: all out of range */
    sub = whole ? dup_value(child) : project_value(child, next, m);
    if (sub)
      cJSON_AddItemToArray(out, sub);
    if (idx == UINT32_MAX)
      break;
  }
  free(next);
  return out;
}

static cJSON *project_value(const cJSON *av, const struct expr_path_elem **els, size_t n) {
  enum dynamo_type t;
  const cJSON *inner = inner_of(av, &t);
  cJSON *sub, *wrap;

  if (n == 0)
    return NULL;
  if (t == DYNAMO_T_M && els[0]->name)
    sub = project_map(inner, els, n);
  else if (t == DYNAMO_T_L && !els[0]->name)
    sub = project_list(inner, els, n);
  else
    return NULL;
  /* ALT-tests test_projection_expression_path: nothing found -> no member
   * at all, not an empty map or list. */
  if (!sub || !sub->child) {
    cJSON_Delete(sub);
    return NULL;
  }
  wrap = cJSON_CreateObject();
  if (!wrap) {
    cJSON_Delete(sub);
    return NULL;
  }
  cJSON_AddItemToObject(wrap, t == DYNAMO_T_M ? "M" : "L", sub);
  return wrap;
}

cJSON *dynamo_expr_project(const struct dynamo_expr *e, const cJSON *item) {
  const struct expr_path_elem **els;
  const struct expr_proj *pr;
  size_t n = 0;
  cJSON *out;

  if (!e || e->kind != DYNAMO_EXPR_PROJECTION)
    return NULL;
  if (!item)
    return cJSON_CreateObject();
  els = malloc(sizeof(*els) * (e->nproj ? e->nproj : 1));
  if (!els)
    return NULL;
  for (pr = e->proj; pr; pr = pr->next)
    els[n++] = pr->path.head;
  out = project_map(item, els, n);
  free(els);
  return out;
}

cJSON *dynamo_expr_project_targets(const struct dynamo_expr *e, const cJSON *item) {
  const struct expr_path_elem **els;
  const struct expr_action *a;
  size_t n = 0;
  cJSON *out;

  if (!e || e->kind != DYNAMO_EXPR_UPDATE)
    return NULL;
  if (!item)
    return cJSON_CreateObject();
  els = malloc(sizeof(*els) * (e->nactions ? e->nactions : 1));
  if (!els)
    return NULL;
  /* SPEC docs/spec/dynamodb.md 2.36: the update's target paths, projected
   * as a ProjectionExpression of those paths would be. */
  for (a = e->actions; a; a = a->next)
    els[n++] = a->path.head;
  out = project_map(item, els, n);
  free(els);
  return out;
}

/* -------------------------------------------------------------- update */

/* The value of a SET right-hand side, computed from the item as it was
 * before the update. Returns a new tree, or NULL with err. */
static cJSON *eval_set_value(const struct expr_node *n, const cJSON *item,
                             struct dynamo_error *err) {
  cJSON *a, *b, *r;
  const cJSON *src;
  enum dynamo_type ta, tb;
  const cJSON *ia, *ib;

  switch (n->kind) {
  case EXPR_N_VALUE:
    r = dup_value(n->value);
    if (!r)
      oom(err);
    return r;
  case EXPR_N_PATH:
    src = dynamo_expr__resolve(item, &n->path);
    if (!src) {
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_NO_ATTRIBUTE);
      return NULL;
    }
    r = dup_value(src);
    if (!r)
      oom(err);
    return r;
  case EXPR_N_CALL:
    if (n->op == EXPR_F_IF_NOT_EXISTS) {
      src = dynamo_expr__resolve(item, &n->kids->path);
      if (src) {
        r = dup_value(src);
        if (!r)
          oom(err);
        return r;
      }
      return eval_set_value(n->kids->next, item, err);
    }
    if (n->op != EXPR_F_LIST_APPEND)
      break;
    /* list_append evaluates both operands like + and - */
    /* fall through */
  case EXPR_N_PLUS:
  case EXPR_N_MINUS:
    a = eval_set_value(n->kids, item, err);
    if (!a)
      return NULL;
    b = eval_set_value(n->kids->next, item, err);
    if (!b) {
      cJSON_Delete(a);
      return NULL;
    }
    ia = inner_of(a, &ta);
    ib = inner_of(b, &tb);
    r = NULL;
    if (n->kind == EXPR_N_CALL) {
      /* list_append(l1, l2): both lists (DYN-test: a non-list operand is
       * "An operand in the update expression has an incorrect data type"). */
      if (ta != DYNAMO_T_L || tb != DYNAMO_T_L) {
        dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_TYPE);
      } else {
        cJSON *la = cJSON_GetObjectItemCaseSensitive(a, "L");
        cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "L");
        while (lb->child)
          cJSON_AddItemToArray(la, cJSON_DetachItemViaPointer(lb, lb->child));
        r = a;
        a = NULL;
      }
    } else if (ta != DYNAMO_T_N || tb != DYNAMO_T_N) {
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_TYPE);
    } else {
      /* SPEC docs/spec/dynamodb.md 2.5: "Arithmetic (SET a = a + :v, ADD) must keep
       * full precision; a result outside range/precision fails". */
      struct dynamo_number x, y, z;
      enum dynamo_number_status st = dynamo_number_parse(ia->valuestring, strlen(ia->valuestring),
                                                         &x);
      if (st == DYNAMO_NUMBER_OK)
        st = dynamo_number_parse(ib->valuestring, strlen(ib->valuestring), &y);
      if (st == DYNAMO_NUMBER_OK)
        st = n->kind == EXPR_N_PLUS ? dynamo_number_add(&x, &y, &z) : dynamo_number_sub(&x, &y, &z);
      if (st != DYNAMO_NUMBER_OK) {
        char buf[DYNAMO_ERROR_MESSAGE_MAX];
        dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s",
                         dynamo_number_message(st, ia->valuestring, buf, sizeof(buf)));
      } else {
        r = new_number(&z);
        if (!r)
          oom(err);
      }
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    return r;
  default:
    break;
  }
  dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "unexpected SET operand");
  return NULL;
}

/* The container (object or array) that holds the last element of path:
 * the item for a top-level path, else the "M" object or "L" array of the
 * parent value. NULL when a parent is missing or has the wrong type. */
static cJSON *write_container(cJSON *item, const struct expr_path *path,
                              const struct expr_path_elem **last) {
  const struct expr_path_elem *el = path->head;
  cJSON *container = item;

  while (el->next) {
    cJSON *child = child_of(container, el);
    enum dynamo_type t;
    const cJSON *inner;
    if (!child)
      return NULL;
    inner = inner_of(child, &t);
    if ((el->next->name && t != DYNAMO_T_M) || (!el->next->name && t != DYNAMO_T_L))
      return NULL;
    container = (cJSON *)inner; /* inner belongs to child, which we may modify */
    el = el->next;
  }
  *last = el;
  return container;
}

struct pending_append {
  cJSON *array;
  uint32_t index;
  cJSON *value;
};

struct update_state {
  struct pending_append *appends;
  size_t nappends;
};

/* Stores value (owned) at el of container: replaces, adds a map member,
 * or (list index past the end) queues an append. */
static int place(struct update_state *st, cJSON *container, const struct expr_path_elem *el,
                 cJSON *value, struct dynamo_error *err) {
  if (el->name) {
    if (cJSON_GetObjectItemCaseSensitive(container, el->name)) {
      if (!cJSON_ReplaceItemInObjectCaseSensitive(container, el->name, value)) {
        cJSON_Delete(value);
        return oom(err);
      }
    } else if (!cJSON_AddItemToObject(container, el->name, value)) {
      cJSON_Delete(value);
      return oom(err);
    }
    return 0;
  }
  if (el->index < (uint32_t)cJSON_GetArraySize(container)) {
    if (!cJSON_ReplaceItemInArray(container, (int)el->index, value)) {
      cJSON_Delete(value);
      return oom(err);
    }
    return 0;
  }
  /* SPEC developer guide "Update expressions" (ALT-tests
   * test_nested_attribute_update_array_out_of_bounds): SET on a missing
   * element appends at the end; several appends go in index order. */
  st->appends[st->nappends].array = container;
  st->appends[st->nappends].index = el->index;
  st->appends[st->nappends].value = value;
  st->nappends++;
  return 0;
}

static void flush_appends(struct update_state *st) {
  size_t i, j;

  /* stable insertion sort by index */
  for (i = 1; i < st->nappends; i++) {
    struct pending_append t = st->appends[i];
    for (j = i; j > 0 && st->appends[j - 1].index > t.index; j--)
      st->appends[j] = st->appends[j - 1];
    st->appends[j] = t;
  }
  for (i = 0; i < st->nappends; i++)
    cJSON_AddItemToArray(st->appends[i].array, st->appends[i].value);
  st->nappends = 0;
}

static int apply_add(struct update_state *st, cJSON *item, const struct expr_action *a,
                     struct dynamo_error *err) {
  const struct expr_path_elem *last;
  cJSON *container = write_container(item, &a->path, &last), *target, *r;
  enum dynamo_type tv, tt;
  const cJSON *iv = inner_of(a->value->value, &tv), *it;
  cJSON *itt;

  if (!container)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_PATH);
  target = child_of(container, last);
  if (!target) {
    /* Developer guide "Update expressions" (ALT-tests _add_numbers_new,
     * _add_sets_new): ADD to a missing attribute starts from 0 or {}. */
    r = dup_value(a->value->value);
    return r ? place(st, container, last, r, err) : oom(err);
  }
  itt = (cJSON *)inner_of(target, &tt);
  if (tt != tv)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_TYPE);
  if (tv == DYNAMO_T_N) {
    struct dynamo_number x, y, z;
    enum dynamo_number_status s = dynamo_number_parse(itt->valuestring, strlen(itt->valuestring),
                                                      &x);
    if (s == DYNAMO_NUMBER_OK)
      s = dynamo_number_parse(iv->valuestring, strlen(iv->valuestring), &y);
    if (s == DYNAMO_NUMBER_OK)
      s = dynamo_number_add(&x, &y, &z);
    if (s != DYNAMO_NUMBER_OK) {
      char buf[DYNAMO_ERROR_MESSAGE_MAX];
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s",
                              dynamo_number_message(s, iv->valuestring, buf, sizeof(buf)));
    }
    r = new_number(&z);
    return r ? place(st, container, last, r, err) : oom(err);
  }
  /* set union, keeping the existing order and appending new members */
  cJSON_ArrayForEach(it, iv) {
    cJSON *s;
    if (!cJSON_IsString(it) || set_has(tv, itt, it->valuestring))
      continue;
    s = cJSON_CreateString(it->valuestring);
    if (!s || !cJSON_AddItemToArray(itt, s)) {
      cJSON_Delete(s);
      return oom(err);
    }
  }
  return 0;
}

static int apply_delete(cJSON *item, const struct expr_action *a, struct dynamo_error *err) {
  const struct expr_path_elem *last;
  cJSON *container = write_container(item, &a->path, &last), *target, *itt, *it, *nx;
  enum dynamo_type tv, tt;
  const cJSON *iv = inner_of(a->value->value, &tv);

  if (!container)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_PATH);
  target = child_of(container, last);
  if (!target)
    return 0; /* ALT-tests test_update_expression_delete_sets: a no-op */
  itt = (cJSON *)inner_of(target, &tt);
  if (tt != tv || !is_set_type(tt))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_TYPE);
  for (it = itt->child; it; it = nx) {
    nx = it->next;
    if (cJSON_IsString(it) && set_has(tv, iv, it->valuestring))
      cJSON_Delete(cJSON_DetachItemViaPointer(itt, it));
  }
  /* ALT-tests test_update_expression_delete_sets: emptying a set removes
   * the attribute (SPEC docs/spec/dynamodb.md 2.6: "empty sets are illegal"). */
  if (!itt->child)
    cJSON_Delete(cJSON_DetachItemViaPointer(container, target));
  return 0;
}

struct removal {
  cJSON *parent;
  cJSON *node;
};

int dynamo_expr_apply_update(const struct dynamo_expr *e, cJSON *item, struct dynamo_error *err) {
  struct update_state st = {NULL, 0};
  struct removal *rm = NULL;
  cJSON **values = NULL;
  const struct expr_action *a;
  size_t i, nrm = 0;
  int empty_item, rc = -1;

  if (!e || e->kind != DYNAMO_EXPR_UPDATE || !cJSON_IsObject(item))
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR,
                            "expression is not an update or item is not an object");
  empty_item = item->child == NULL;
  values = calloc(e->nactions + 1, sizeof(*values));
  rm = calloc(e->nactions + 1, sizeof(*rm));
  st.appends = calloc(e->nactions + 1, sizeof(*st.appends));
  if (!values || !rm || !st.appends) {
    oom(err);
    goto out;
  }

  /* 1. Every SET value from the item as it was (ALT-tests
   *    test_update_expression_multi_with_copy). */
  for (a = e->actions, i = 0; a; a = a->next, i++) {
    if (a->kind != EXPR_ACT_SET)
      continue;
    values[i] = eval_set_value(a->value, item, err);
    if (!values[i])
      goto out;
  }
  /* 2. REMOVE targets, located before anything moves (list indexes refer
   *    to the original positions: ALT-tests test_update_expression_nested
   *    _remove_list_item_original_number). */
  for (a = e->actions; a; a = a->next) {
    const struct expr_path_elem *last;
    cJSON *container, *node;
    if (a->kind != EXPR_ACT_REMOVE)
      continue;
    container = write_container(item, &a->path, &last);
    if (!container) {
      /* ALT-tests test_nested_attribute_remove_from_missing_item: for a
       * missing item DynamoDB ignores a bad nested path.
       * DEVIATION: "missing" is recognised as an empty object; a caller
       * that seeds a new item with its key attributes gets the error. */
      if (empty_item)
        continue;
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_PATH);
      goto out;
    }
    node = child_of(container, last);
    if (node) {
      rm[nrm].parent = container;
      rm[nrm].node = node;
      nrm++;
    }
  }
  /* 3. SET, 4. ADD and DELETE, 5. REMOVE. Targets never overlap, so the
   *    order only matters for list positions. */
  for (a = e->actions, i = 0; a; a = a->next, i++) {
    const struct expr_path_elem *last;
    cJSON *container;
    if (a->kind != EXPR_ACT_SET)
      continue;
    container = write_container(item, &a->path, &last);
    if (!container) {
      /* DYN-test / ALT-tests test_nested_attribute_update_bad_path_*:
       * a missing or wrong-typed parent is MSG_BAD_PATH. */
      dynamo_error_set(err, DYNAMO_ERR_VALIDATION, MSG_BAD_PATH);
      goto out;
    }
    rc = place(&st, container, last, values[i], err);
    values[i] = NULL; /* owned by the item (or freed) now */
    if (rc < 0)
      goto out;
  }
  flush_appends(&st);
  rc = -1;
  for (a = e->actions; a; a = a->next) {
    if (a->kind == EXPR_ACT_ADD && apply_add(&st, item, a, err) < 0)
      goto out;
    if (a->kind == EXPR_ACT_DELETE && apply_delete(item, a, err) < 0)
      goto out;
  }
  flush_appends(&st);
  for (i = 0; i < nrm; i++)
    cJSON_Delete(cJSON_DetachItemViaPointer(rm[i].parent, rm[i].node));
  rc = 0;
out:
  for (i = 0; st.appends && i < st.nappends; i++)
    cJSON_Delete(st.appends[i].value);
  for (i = 0; values && i < e->nactions; i++)
    cJSON_Delete(values[i]);
  free(values);
  free(rm);
  free(st.appends);
  return rc;
}

size_t dynamo_expr_update_targets(const struct dynamo_expr *e, const char **names, size_t cap) {
  size_t i;

  if (!e || e->kind != DYNAMO_EXPR_UPDATE)
    return 0;
  for (i = 0; i < e->ntargets && i < cap; i++)
    names[i] = e->targets[i];
  return e->ntargets;
}

static int node_names(const struct expr_node *n, const char *name) {
  const struct expr_node *k;

  /* The parser bounds the tree's depth, so this recursion is bounded. */
  if (n->kind == EXPR_N_PATH)
    return strcmp(n->path.head->name, name) == 0;
  for (k = n->kids; k; k = k->next)
    if (node_names(k, name))
      return 1;
  return 0;
}

int dynamo_expr_names_attribute(const struct dynamo_expr *e, const char *name) {
  if (!e || !e->cond)
    return 0;
  return node_names(e->cond, name);
}

static int node_nests(const struct expr_node *n, const char *name) {
  const struct expr_node *k;

  /* Bounded recursion, as node_names. */
  if (n->kind == EXPR_N_PATH)
    return n->path.n > 1 && strcmp(n->path.head->name, name) == 0;
  for (k = n->kids; k; k = k->next)
    if (node_nests(k, name))
      return 1;
  return 0;
}

int dynamo_expr_nests(const struct dynamo_expr *e, const char *name) {
  const struct expr_proj *p;

  if (!e)
    return 0;
  if (e->cond)
    return node_nests(e->cond, name);
  for (p = e->proj; p; p = p->next)
    if (p->path.n > 1 && strcmp(p->path.head->name, name) == 0)
      return 1;
  return 0;
}

static int node_reads_item(const struct expr_node *n) {
  const struct expr_node *k;

  if (n->kind == EXPR_N_PATH)
    return 1;
  for (k = n->kids; k; k = k->next)
    if (node_reads_item(k))
      return 1;
  return 0;
}

int dynamo_expr_update_reads_item(const struct dynamo_expr *e, const char *name) {
  const struct expr_action *a;
  int reads = 0;

  if (!e || e->kind != DYNAMO_EXPR_UPDATE)
    return 0;
  for (a = e->actions; a; a = a->next)
    if (a->kind == EXPR_ACT_SET && a->path.n == 1 && strcmp(a->path.head->name, name) == 0)
      reads = a->value && node_reads_item(a->value);
  return reads;
}

int dynamo_expr_update_static_value(const struct dynamo_expr *e, const char *name,
                                    const cJSON **value) {
  const struct expr_action *a;
  int kind = 0;

  *value = NULL;
  if (!e || e->kind != DYNAMO_EXPR_UPDATE)
    return 0;
  for (a = e->actions; a; a = a->next) {
    if (a->path.n != 1 || strcmp(a->path.head->name, name) != 0)
      continue;
    kind = 0;
    *value = NULL;
    if ((a->kind == EXPR_ACT_SET || a->kind == EXPR_ACT_ADD) && a->value &&
        a->value->kind == EXPR_N_VALUE) {
      *value = a->value->value;
      kind = 1;
    } else if (a->kind == EXPR_ACT_SET && a->value &&
               (a->value->kind == EXPR_N_PLUS || a->value->kind == EXPR_N_MINUS)) {
      kind = 2;
    }
  }
  return kind;
}

int dynamo_expr_update_nested(const struct dynamo_expr *e, const char *name) {
  const struct expr_action *a;

  if (!e || e->kind != DYNAMO_EXPR_UPDATE)
    return 0;
  for (a = e->actions; a; a = a->next)
    if (a->path.n > 1 && strcmp(a->path.head->name, name) == 0)
      return 1;
  return 0;
}

/* ------------------------------------------------------ key conditions */

#define KEY_MAX_LEAVES 8

static int key_error(struct dynamo_error *err, const char *msg, const char *arg) {
  if (arg)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s%s", msg, arg);
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", msg);
}

/* Collects the primitive conditions of an AND tree, rejecting what a key
 * condition cannot hold (DYN-val convertKeyCondition, verified by
 * DYN-test; ALT-tests test_key_condition_expression_parser). */
static int key_leaves(const struct expr_node *n, const struct expr_node **leaves, size_t *count,
                      struct dynamo_error *err) {
  const struct expr_node *k;

  switch (n->kind) {
  case EXPR_N_AND:
    for (k = n->kids; k; k = k->next)
      if (key_leaves(k, leaves, count, err) < 0)
        return -1;
    return 0;
  case EXPR_N_OR:
    return key_error(err, "Invalid operator used in KeyConditionExpression: OR", NULL);
  case EXPR_N_NOT:
    return key_error(err, "Invalid operator used in KeyConditionExpression: NOT", NULL);
  case EXPR_N_IN:
    return key_error(err, "Invalid operator used in KeyConditionExpression: IN", NULL);
  case EXPR_N_CMP:
    if (n->op == EXPR_CMP_NE)
      return key_error(err, "Invalid operator used in KeyConditionExpression: <>", NULL);
    break;
  case EXPR_N_CALL:
    if (n->op == EXPR_F_SIZE)
      return key_error(err, "KeyConditionExpressions cannot contain nested operations", NULL);
    if (n->op != EXPR_F_BEGINS_WITH)
      return key_error(err, "Invalid operator used in KeyConditionExpression: ", n->name);
    break;
  default:
    break;
  }
  if (*count >= KEY_MAX_LEAVES)
    return key_error(err, "Conditions can be of length 1 or 2 only", NULL);
  leaves[(*count)++] = n;
  return 0;
}

struct key_cond {
  const char *attr;
  int op; /* enum dynamo_key_op */
  const cJSON *lo, *hi;
};

static int key_leaf(const struct expr_node *n, struct key_cond *out, struct dynamo_error *err) {
  const struct expr_node *k, *path = NULL;
  size_t i, at = 0;

  if ((n->kind == EXPR_N_BETWEEN || n->kind == EXPR_N_CALL) && n->kids->kind != EXPR_N_PATH)
    return key_error(err,
                     n->kind == EXPR_N_BETWEEN
                         ? "Invalid condition in KeyConditionExpression: BETWEEN operator "
                           "must have the key attribute as its first operand"
                         : "Invalid condition in KeyConditionExpression: begins_with "
                           "operator must have the key attribute as its first operand",
                     NULL);
  for (k = n->kids, i = 0; k; k = k->next, i++) {
    if (k->kind == EXPR_N_PATH) {
      if (path)
        return key_error(err,
                         "Invalid condition in KeyConditionExpression: Multiple attribute "
                         "names used in one condition",
                         NULL);
      if (k->path.n > 1)
        return key_error(err, "KeyConditionExpressions cannot have conditions on nested attributes",
                         NULL);
      path = k;
      at = i;
    } else if (k->kind == EXPR_N_CALL) {
      return key_error(err, "KeyConditionExpressions cannot contain nested operations", NULL);
    }
  }
  if (!path)
    return key_error(err, "Invalid condition in KeyConditionExpression: No key attribute specified",
                     NULL);
  out->attr = path->path.head->name;
  out->hi = NULL;
  if (n->kind == EXPR_N_BETWEEN) {
    out->op = DYNAMO_KEY_BETWEEN;
    out->lo = n->kids->next->value;
    out->hi = n->kids->next->next->value;
  } else if (n->kind == EXPR_N_CALL) {
    out->op = DYNAMO_KEY_BEGINS_WITH;
    out->lo = n->kids->next->value;
  } else {
    /* "attr op :v", or ":v op attr" with the operator mirrored */
    static const int direct[] = {DYNAMO_KEY_EQ, DYNAMO_KEY_EQ, DYNAMO_KEY_LT,
                                 DYNAMO_KEY_LE, DYNAMO_KEY_GT, DYNAMO_KEY_GE};
    static const int mirrored[] = {DYNAMO_KEY_EQ, DYNAMO_KEY_EQ, DYNAMO_KEY_GT,
                                   DYNAMO_KEY_GE, DYNAMO_KEY_LT, DYNAMO_KEY_LE};
    out->op = at == 0 ? direct[n->op] : mirrored[n->op];
    out->lo = at == 0 ? n->kids->next->value : n->kids->value;
  }
  return 0;
}

int dynamo_expr_key_condition(const struct dynamo_expr *e, const char *hash_name,
                              const char *range_name, struct dynamo_key_condition *out,
                              struct dynamo_error *err) {
  const struct expr_node *leaves[KEY_MAX_LEAVES];
  struct key_cond conds[KEY_MAX_LEAVES];
  const char *schema[2];
  size_t n = 0, i, j, k;

  memset(out, 0, sizeof(*out));
  if (!e || e->kind != DYNAMO_EXPR_KEY_CONDITION || !e->cond || !hash_name)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR,
                            "expression is not a key condition");
  if (key_leaves(e->cond, leaves, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++) {
    if (key_leaf(leaves[i], &conds[i], err) < 0)
      return -1;
    for (j = 0; j < i; j++)
      if (strcmp(conds[j].attr, conds[i].attr) == 0)
        return key_error(err, "KeyConditionExpressions must only contain one condition per key",
                         NULL);
  }
  if (n > 2)
    return key_error(err, "Conditions can be of length 1 or 2 only", NULL);
  /* Against the key schema (DYN-act query.js; SPEC docs/spec/dynamodb.md 2.4:
   * "Query condition missed key schema element: <attr>"). */
  schema[0] = hash_name;
  schema[1] = range_name;
  for (k = 0; k < 2 && schema[k]; k++) {
    const struct key_cond *c = NULL;
    if (k == 0 && !range_name && n > 1)
      return key_error(err, "Query key condition not supported", NULL);
    for (i = 0; i < n; i++)
      if (strcmp(conds[i].attr, schema[k]) == 0)
        c = &conds[i];
    if (!c) {
      if (k == 0 || n > 1)
        return key_error(err, "Query condition missed key schema element: ", schema[k]);
      continue;
    }
    if (k == 0) {
      /* SPEC developer guide "Key condition expressions": the partition
       * key takes an equality condition only. */
      if (c->op != DYNAMO_KEY_EQ)
        return key_error(err, "Query key condition not supported", NULL);
      out->hash_value = c->lo;
    } else {
      out->has_range = 1;
      out->range_op = (enum dynamo_key_op)c->op;
      out->range_lo = c->lo;
      out->range_hi = c->hi;
    }
  }
  return 0;
}
