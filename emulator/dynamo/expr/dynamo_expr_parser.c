/*
 * dynamo_expr_parser.c - recursive-descent parser for DynamoDB expressions:
 * text -> AST (dynamo_expr_int.h), with DynamoDB's validation messages.
 *
 * Grammar (keywords are case-insensitive, function names are not):
 *
 *   condition   := or_cond EOF                       (Condition, Filter, KeyCondition)
 *   or_cond     := and_cond ( OR and_cond )*
 *   and_cond    := not_cond ( AND not_cond )*
 *   not_cond    := NOT not_cond | primary
 *   primary     := unit comparator operand_p
 *                | unit BETWEEN operand_p AND operand_p
 *                | unit IN '(' operand_p ( ',' operand_p )* ')'
 *                | unit                               (a function call, or a
 *                                                      parenthesized condition)
 *   unit        := '(' or_cond ')' | operand
 *   operand_p   := '(' operand_p ')' | operand
 *   operand     := function | ':value' | path
 *   function    := NAME '(' arg ( ',' arg )* ')'      (arg = operand_p)
 *   comparator  := '=' | '<>' | '<' | '<=' | '>' | '>='
 *
 *   update      := clause+ EOF                        (UpdateExpression)
 *   clause      := SET set_action ( ',' set_action )*
 *                | REMOVE path ( ',' path )*
 *                | ADD path ':value' ( ',' path ':value' )*
 *                | DELETE path ':value' ( ',' path ':value' )*
 *   set_action  := path '=' set_value
 *   set_value   := '(' set_term ')' | set_term
 *   set_term    := u_operand ( ( '+' | '-' ) u_operand )?
 *   u_operand   := '(' operand ')' | operand          (one level only; the
 *                                                      arguments of update
 *                                                      functions too)
 *
 *   projection  := path ( ',' path )* EOF             (ProjectionExpression)
 *
 *   path        := elem ( '.' elem | '[' NUMBER ']' )*
 *   elem        := NAME | '#name'                     (NAME: not a keyword of
 *                                                      the grammar in use)
 *
 * Precedence follows the developer guide ("Comparison operator and function
 * reference"): comparators, IN, BETWEEN, functions, parentheses, NOT, AND,
 * OR (highest first). A primary is parsed as a "unit" first because '('
 * may open either a parenthesized condition or a parenthesized operand;
 * the token after the unit decides. An operand not followed by a
 * comparator is a syntax error at that token, as in DynamoDB ("foo" ->
 * token "<EOF>", near "foo").
 *
 * Errors. Syntax errors, size limits and nesting limits stop parsing at
 * once. Everything else (reserved words, undefined placeholders, function
 * misuse, operand types, overlapping paths, ...) is "deferred": the first
 * error of each category is kept and, when the text parsed, the category
 * that DynamoDB reports first wins (orders per expression kind below, as
 * observed by DYN-test against live DynamoDB).
 *
 * Memory: the AST lives in one arena allocated after lexing (its capacity
 * is derived from the token count: every allocation consumes at least one
 * token), see dynamo_expr_int.h.
 * Ownership: the returned expression is the caller's (dynamo_expr_free);
 * it borrows env->names and env->values, which must outlive it.
 * Threading: a parse touches only its own state and env (not shared).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_expr_int.h"
#include "dynamo_value.h"

/* ------------------------------------------------------ deferred errors */

enum errcat {
  CAT_PARENS,       /* redundant parentheses */
  CAT_UNKNOWN_FUNC, /* "Invalid function name" */
  CAT_MISUSED_FUNC, /* function used where it is not allowed */
  CAT_RESERVED,     /* reserved word used as a name */
  CAT_SECTION,      /* clause used twice */
  CAT_NAME,         /* undefined #name (conditions: #name or :value) */
  CAT_VALUE,        /* undefined :value (UpdateExpression) */
  CAT_OVERLAP,      /* overlapping document paths */
  CAT_CONFLICT,     /* conflicting document paths */
  CAT_OPERAND,      /* operand counts; ADD/DELETE operand types */
  CAT_DISTINCT,     /* same path on both sides */
  CAT_FUNCTION,     /* function / operator operand checks */
  CAT_COUNT
};

/* Which deferred error DynamoDB reports first, per grammar (DYN-db
 * conditionParser/updateParser/projectionParser.pegjs, checked by DYN-test). */
static const enum errcat order_condition[] = {
    CAT_PARENS, CAT_UNKNOWN_FUNC, CAT_MISUSED_FUNC, CAT_RESERVED,
    CAT_NAME,   CAT_OPERAND,      CAT_DISTINCT,     CAT_FUNCTION,
};
static const enum errcat order_update[] = {
    CAT_RESERVED, CAT_UNKNOWN_FUNC, CAT_MISUSED_FUNC, CAT_SECTION, CAT_NAME,
    CAT_VALUE,    CAT_OVERLAP,      CAT_CONFLICT,     CAT_OPERAND, CAT_FUNCTION,
};
static const enum errcat order_projection[] = {
    CAT_RESERVED,
    CAT_NAME,
    CAT_OVERLAP,
    CAT_CONFLICT,
};

struct parser {
  const char *text;
  struct expr_token *toks;
  size_t ntoks;
  size_t pos;            /* current token; never past the EOF token */
  struct dynamo_expr *e; /* result, owns the arena */
  struct dynamo_expr_env *env;
  enum dynamo_expr_kind kind;
  int cond_grammar; /* 1 for Condition/Filter/KeyCondition */
  int depth;        /* current nesting, <= DYNAMO_EXPR_MAX_DEPTH */
  int failed;       /* a fatal error is in *err */
  struct dynamo_error *err;
  unsigned sections; /* UpdateExpression clauses seen (bit per kind) */
  int have[CAT_COUNT];
  char msg[CAT_COUNT][DYNAMO_ERROR_MESSAGE_MAX];
};

static const char *const kind_names[] = {
    "ConditionExpression",  "FilterExpression", "KeyConditionExpression",
    "ProjectionExpression", "UpdateExpression",
};

const char *dynamo_expr__kind_name(enum dynamo_expr_kind kind) {
  if ((size_t)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
    return "Expression";
  return kind_names[kind];
}

int dynamo_expr__is_condition_kind(enum dynamo_expr_kind kind) {
  return kind == DYNAMO_EXPR_CONDITION || kind == DYNAMO_EXPR_FILTER ||
         kind == DYNAMO_EXPR_KEY_CONDITION;
}

static void defer(struct parser *p, enum errcat cat, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void defer(struct parser *p, enum errcat cat, const char *fmt, ...) {
  va_list ap;

  /* Conditions keep undefined names and values in one slot (DYN-db). */
  if (p->cond_grammar && cat == CAT_VALUE)
    cat = CAT_NAME;
  if (p->have[cat])
    return;
  p->have[cat] = 1;
  va_start(ap, fmt);
  vsnprintf(p->msg[cat], sizeof(p->msg[cat]), fmt, ap);
  va_end(ap);
}

static void fatal(struct parser *p, enum dynamo_error_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fatal(struct parser *p, enum dynamo_error_code code, const char *fmt, ...) {
  char buf[DYNAMO_ERROR_MESSAGE_MAX];
  va_list ap;

  if (p->failed)
    return;
  p->failed = 1;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  dynamo_error_set(p->err, code, "Invalid %s: %s", dynamo_expr__kind_name(p->kind), buf);
}

/* SPEC docs/spec/dynamodb.md 2.4: "Invalid UpdateExpression: Syntax error; token:
 * \"INVALID\", near: \"INVALID SYNTAX\"". The window is the previous token,
 * the offending one and the next one, as written (LowVoltage exploration
 * test against live DynamoDB: "a+:delta<b" -> token "+", near "a+:delta";
 * "foo" -> token "<EOF>", near "foo"). */
static void syntax_error(struct parser *p) {
  const struct expr_token *cur = &p->toks[p->pos];
  const struct expr_token *prev = p->pos > 0 ? &p->toks[p->pos - 1] : cur;
  const struct expr_token *next = cur->kind == EXPR_TOK_EOF ? cur : &p->toks[p->pos + 1];
  size_t from = prev->start, to = next->start + next->len;

  if (cur->kind == EXPR_TOK_EOF)
    fatal(p, DYNAMO_ERR_VALIDATION, "Syntax error; token: \"<EOF>\", near: \"%.*s\"",
          (int)(to - from), p->text + from);
  else
    fatal(p, DYNAMO_ERR_VALIDATION, "Syntax error; token: \"%.*s\", near: \"%.*s\"", (int)cur->len,
          p->text + cur->start, (int)(to - from), p->text + from);
}

/* ------------------------------------------------------------- helpers */

#define ARENA_ALIGN (sizeof(max_align_t))
#define ALIGN_UP(n) (((n) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

static void *alloc(struct parser *p, size_t size) {
  struct dynamo_expr *e = p->e;
  size_t need = ALIGN_UP(size);
  void *r;

  if (p->failed)
    return NULL;
  if (need > e->arena_cap - e->arena_used) {
    /* Cannot happen: the capacity bounds every allocation by the token
     * count. Reported rather than assumed. */
    fatal(p, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "expression arena exhausted");
    return NULL;
  }
  r = e->arena + e->arena_used;
  e->arena_used += need;
  return r; /* zero-filled: the whole block comes from calloc */
}

static const struct expr_token *cur(const struct parser *p) {
  return &p->toks[p->pos];
}

static const struct expr_token *peek(const struct parser *p, size_t ahead) {
  size_t i = p->pos + ahead;
  return i < p->ntoks ? &p->toks[i] : &p->toks[p->ntoks - 1];
}

static void advance(struct parser *p) {
  if (p->toks[p->pos].kind != EXPR_TOK_EOF)
    p->pos++;
}

static int accept(struct parser *p, enum expr_tok kind) {
  if (cur(p)->kind != kind)
    return 0;
  advance(p);
  return 1;
}

static int expect(struct parser *p, enum expr_tok kind) {
  if (accept(p, kind))
    return 0;
  syntax_error(p);
  return -1;
}

static int is_kw(const struct expr_token *t, enum expr_kw kw) {
  return t->kind == EXPR_TOK_IDENT && t->kw == kw;
}

/* A keyword of the grammar in use (cannot be a name there). */
static int is_grammar_kw(const struct parser *p, const struct expr_token *t) {
  if (t->kind != EXPR_TOK_IDENT || t->kw == EXPR_KW_NONE)
    return 0;
  if (p->cond_grammar)
    return t->kw == EXPR_KW_AND || t->kw == EXPR_KW_OR || t->kw == EXPR_KW_NOT ||
           t->kw == EXPR_KW_BETWEEN || t->kw == EXPR_KW_IN;
  if (p->kind == DYNAMO_EXPR_UPDATE)
    return t->kw == EXPR_KW_SET || t->kw == EXPR_KW_REMOVE || t->kw == EXPR_KW_ADD ||
           t->kw == EXPR_KW_DELETE;
  return 0;
}

static int is_name_token(const struct parser *p, const struct expr_token *t) {
  return (t->kind == EXPR_TOK_IDENT && !is_grammar_kw(p, t)) || t->kind == EXPR_TOK_NAME_REF;
}

static char *copy_token(struct parser *p, const struct expr_token *t) {
  char *s = alloc(p, t->len + 1);

  if (s)
    memcpy(s, p->text + t->start, t->len);
  return s;
}

/* SPEC DYNAMO_EXPR_MAX_DEPTH (dynamo_expr.h): parsing nests at most that
 * deep, so a hostile "((((((..." cannot exhaust the stack.
 * DEVIATION: DynamoDB documents no such limit or message; any text this
 * deep is far outside what real applications send. */
static int enter(struct parser *p) {
  if (++p->depth > DYNAMO_EXPR_MAX_DEPTH) {
    fatal(p, DYNAMO_ERR_VALIDATION,
          "The expression has too many levels of nesting; maximum depth: %d",
          DYNAMO_EXPR_MAX_DEPTH);
    return -1;
  }
  return 0;
}

static void leave(struct parser *p) {
  p->depth--;
}

/* Finds key (not NUL-terminated) in a placeholder object and marks it used. */
static const cJSON *lookup_placeholder(const cJSON *obj, unsigned char *used, const char *key,
                                       size_t len) {
  const cJSON *it;
  size_t i = 0;

  if (!obj)
    return NULL;
  for (it = obj->child; it; it = it->next, i++) {
    if (it->string && strlen(it->string) == len && memcmp(it->string, key, len) == 0) {
      if (used)
        used[i] = 1;
      return it;
    }
  }
  return NULL;
}

/* Renders a path as DynamoDB does in messages: "[a, b, [0]]". */
static void path_str(const struct expr_path *path, char *buf, size_t cap) {
  const struct expr_path_elem *el;
  size_t used = 0;
  int n;

  buf[0] = '\0';
  n = snprintf(buf, cap, "[");
  used = n > 0 ? (size_t)n : 0;
  for (el = path->head; el && used < cap; el = el->next) {
    const char *sep = el == path->head ? "" : ", ";
    if (el->name)
      n = snprintf(buf + used, cap - used, "%s%s", sep, el->name);
    else
      n = snprintf(buf + used, cap - used, "%s[%u]", sep, (unsigned)el->index);
    if (n < 0)
      return;
    used += (size_t)n;
  }
  if (used < cap)
    snprintf(buf + used, cap - used, "]");
}

static int path_equal(const struct expr_path *a, const struct expr_path *b) {
  const struct expr_path_elem *x = a->head, *y = b->head;

  if (a->n != b->n)
    return 0;
  for (; x && y; x = x->next, y = y->next) {
    if ((x->name == NULL) != (y->name == NULL))
      return 0;
    if (x->name ? strcmp(x->name, y->name) != 0 : x->index != y->index)
      return 0;
  }
  return 1;
}

/* ------------------------------------------------------------- values */

static const char *type_tag(const cJSON *av) {
  return av ? dynamo_type_tag(dynamo_value_type(av, NULL)) : NULL;
}

/* Type names of "operator: ADD, operand type: STRING" style messages
 * (DYN-test updateItem.js: STRING, NULL, BOOLEAN, BINARY, MAP, LIST,
 * NUMBER). The set names never appear in verified messages. */
static const char *long_type_name(enum dynamo_type t) {
  switch (t) {
  case DYNAMO_T_S:
    return "STRING";
  case DYNAMO_T_N:
    return "NUMBER";
  case DYNAMO_T_B:
    return "BINARY";
  case DYNAMO_T_BOOL:
    return "BOOLEAN";
  case DYNAMO_T_NULL:
    return "NULL";
  case DYNAMO_T_M:
    return "MAP";
  case DYNAMO_T_L:
    return "LIST";
  case DYNAMO_T_SS:
    return "STRING_SET";
  case DYNAMO_T_NS:
    return "NUMBER_SET";
  case DYNAMO_T_BS:
    return "BINARY_SET";
  default:
    return "";
  }
}

static int is_boolean_func(int fn) {
  return fn == EXPR_F_ATTRIBUTE_EXISTS || fn == EXPR_F_ATTRIBUTE_NOT_EXISTS ||
         fn == EXPR_F_ATTRIBUTE_TYPE || fn == EXPR_F_BEGINS_WITH || fn == EXPR_F_CONTAINS;
}

/* The type an operand is known to have before any item is seen: a value's
 * tag, "N" for size(), "BOOL" for the boolean functions (DYN-db getType). */
static const char *static_type(const struct expr_node *n) {
  if (n->kind == EXPR_N_VALUE)
    return type_tag(n->value);
  if (n->kind == EXPR_N_CALL && n->op == EXPR_F_SIZE)
    return "N";
  if (n->kind == EXPR_N_CALL && is_boolean_func(n->op))
    return "BOOL";
  return NULL;
}

static int is_condition_node(const struct expr_node *n) {
  return n->kind == EXPR_N_CMP || n->kind == EXPR_N_BETWEEN || n->kind == EXPR_N_IN ||
         n->kind == EXPR_N_AND || n->kind == EXPR_N_OR || n->kind == EXPR_N_NOT;
}

static void add_kid(struct expr_node *parent, struct expr_node *kid) {
  struct expr_node **slot = &parent->kids;

  while (*slot)
    slot = &(*slot)->next;
  *slot = kid;
  parent->nkids++;
}

static struct expr_node *kid_at(const struct expr_node *n, size_t i) {
  struct expr_node *k = n->kids;

  while (k && i--)
    k = k->next;
  return k;
}

static struct expr_node *new_node(struct parser *p, enum expr_node_kind kind) {
  struct expr_node *n = alloc(p, sizeof(*n));

  if (n)
    n->kind = kind;
  return n;
}

/* --------------------------------------------------------------- paths */

static int parse_elem(struct parser *p, struct expr_path *path, struct expr_path_elem ***tail) {
  const struct expr_token *t = cur(p);
  struct expr_path_elem *el;

  if (!is_name_token(p, t)) {
    syntax_error(p);
    return -1;
  }
  el = alloc(p, sizeof(*el));
  if (!el)
    return -1;
  if (t->kind == EXPR_TOK_IDENT) {
    el->name = copy_token(p, t);
    if (!el->name)
      return -1;
    /* Developer guide "Reserved words in DynamoDB" (DYN-test):
     * reserved words cannot be bare attribute names (any case). */
    if (dynamo_expr__is_reserved(p->text + t->start, t->len))
      defer(p, CAT_RESERVED, "Attribute name is a reserved keyword; reserved keyword: %s",
            el->name);
  } else {
    const cJSON *name = lookup_placeholder(p->env ? p->env->names : NULL,
                                           p->env ? p->env->names_used : NULL, p->text + t->start,
                                           t->len);
    if (name && cJSON_IsString(name) && name->valuestring) {
      el->name = name->valuestring;
    } else {
      el->name = copy_token(p, t);
      if (!el->name)
        return -1;
      defer(p, CAT_NAME,
            "An expression attribute name used in the document path is not defined; "
            "attribute name: %s",
            el->name);
    }
  }
  advance(p);
  **tail = el;
  *tail = &el->next;
  path->n++;
  return 0;
}

static uint32_t parse_index_digits(const char *s, size_t len) {
  uint64_t v = 0;
  size_t i;

  for (i = 0; i < len; i++) {
    v = v * 10 + (uint64_t)(s[i] - '0');
    if (v > UINT32_MAX)
      return UINT32_MAX; /* saturates: beyond any list */
  }
  return (uint32_t)v;
}

static int parse_path(struct parser *p, struct expr_path *path) {
  struct expr_path_elem **tail = &path->head;

  path->n = 0;
  path->head = NULL;
  if (parse_elem(p, path, &tail) < 0)
    return -1;
  for (;;) {
    if (accept(p, EXPR_TOK_DOT)) {
      if (parse_elem(p, path, &tail) < 0)
        return -1;
    } else if (accept(p, EXPR_TOK_LBRACKET)) {
      const struct expr_token *t = cur(p);
      struct expr_path_elem *el;
      if (t->kind != EXPR_TOK_NUMBER) {
        syntax_error(p);
        return -1;
      }
      el = alloc(p, sizeof(*el));
      if (!el)
        return -1;
      el->index = parse_index_digits(p->text + t->start, t->len);
      advance(p);
      if (expect(p, EXPR_TOK_RBRACKET) < 0)
        return -1;
      *tail = el;
      tail = &el->next;
      path->n++;
    } else {
      break;
    }
    /* SPEC docs/spec/dynamodb.md 2.6: "nesting <= 32 levels".
     * DEVIATION: message wording not verified against DynamoDB. */
    if (path->n > DYNAMO_EXPR_MAX_PATH) {
      fatal(p, DYNAMO_ERR_VALIDATION,
            "The document path has too many nesting levels; nesting levels: %zu, "
            "maximum: %d",
            path->n, DYNAMO_EXPR_MAX_PATH);
      return -1;
    }
  }
  return 0;
}

/* ------------------------------------------------------------ operands */

static struct expr_node *parse_value_ref(struct parser *p) {
  const struct expr_token *t = cur(p);
  struct expr_node *n;
  const cJSON *v;

  if (t->kind != EXPR_TOK_VALUE_REF) {
    syntax_error(p);
    return NULL;
  }
  n = new_node(p, EXPR_N_VALUE);
  if (!n)
    return NULL;
  n->name = copy_token(p, t);
  if (!n->name)
    return NULL;
  v = lookup_placeholder(p->env ? p->env->values : NULL, p->env ? p->env->values_used : NULL,
                         p->text + t->start, t->len);
  if (v)
    n->value = v;
  else
    defer(p, CAT_VALUE,
          "An expression attribute value used in expression is not defined; "
          "attribute value: %s",
          n->name);
  advance(p);
  return n;
}

struct func_info {
  const char *name;
  enum expr_func fn;
  size_t nargs;
  int update; /* 1: UpdateExpression function, 0: condition function */
};

/* SPEC developer guide, "Comparison operator and function reference" and
 * "Update expressions": function names are case-sensitive. */
static const struct func_info funcs[] = {
    {"attribute_exists", EXPR_F_ATTRIBUTE_EXISTS, 1, 0},
    {"attribute_not_exists", EXPR_F_ATTRIBUTE_NOT_EXISTS, 1, 0},
    {"attribute_type", EXPR_F_ATTRIBUTE_TYPE, 2, 0},
    {"begins_with", EXPR_F_BEGINS_WITH, 2, 0},
    {"contains", EXPR_F_CONTAINS, 2, 0},
    {"size", EXPR_F_SIZE, 1, 0},
    {"if_not_exists", EXPR_F_IF_NOT_EXISTS, 2, 1},
    {"list_append", EXPR_F_LIST_APPEND, 2, 1},
};

static const struct func_info *func_lookup(const char *name) {
  size_t i;

  for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
    if (strcmp(funcs[i].name, name) == 0)
      return &funcs[i];
  return NULL;
}

static void check_misused_args(struct parser *p, const struct expr_node *parent) {
  const struct expr_node *a;

  for (a = parent->kids; a; a = a->next) {
    if (a->kind != EXPR_N_CALL || a->op == EXPR_F_UNKNOWN)
      continue;
    /* Conditions: only size() may be an operand (DYN-db checkMisusedFunction).
     * Updates: list_append() cannot be nested in list_append() (ALT-tests
     * test_update_expression_function_nesting, DynamoDB behaviour). */
    if (p->cond_grammar ? a->op != EXPR_F_SIZE
                        : (parent->kind == EXPR_N_CALL && parent->op == EXPR_F_LIST_APPEND &&
                           a->op == EXPR_F_LIST_APPEND))
      defer(p, CAT_MISUSED_FUNC,
            "The function is not allowed to be used this way in an expression; "
            "function: %s",
            a->name);
  }
}

static void check_distinct(struct parser *p, const char *op, const struct expr_node *a,
                           const struct expr_node *b) {
  char buf[512];

  if (a->kind != EXPR_N_PATH || b->kind != EXPR_N_PATH || !path_equal(&a->path, &b->path))
    return;
  path_str(&a->path, buf, sizeof(buf));
  defer(p, CAT_DISTINCT,
        "The first operand must be distinct from the remaining operands for this "
        "operator or function; operator: %s, first operand: %s",
        op, buf);
}

static void type_error(struct parser *p, const char *op, const char *type) {
  defer(p, CAT_FUNCTION,
        "Incorrect operand type for operator or function; operator or function: %s, "
        "operand type: %s",
        op, type);
}

static void require_path(struct parser *p, const struct expr_node *call,
                         const struct expr_node *arg) {
  if (arg->kind != EXPR_N_PATH)
    defer(p, CAT_FUNCTION,
          "Operator or function requires a document path; operator or function: %s", call->name);
}

/* Static checks of a function call (DYN-db checkFunction). */
static void check_call(struct parser *p, struct expr_node *call) {
  const struct func_info *fi = func_lookup(call->name);
  struct expr_node *a0 = kid_at(call, 0), *a1 = kid_at(call, 1), *a;
  const char *t;

  if (fi)
    call->op = fi->fn;
  check_misused_args(p, call);
  if (!fi) {
    defer(p, CAT_UNKNOWN_FUNC, "Invalid function name; function: %s", call->name);
    return;
  }
  if (fi->update == p->cond_grammar) {
    /* ALT-tests test_update_condition_other_funcs: if_not_exists() in a
     * condition is "not allowed", not an unknown name.
     * DEVIATION: the mirror case (size() etc. in an UpdateExpression) is
     * assumed to behave the same; not verified against DynamoDB. */
    defer(p, CAT_MISUSED_FUNC,
          "The function is not allowed to be used this way in an expression; function: %s",
          call->name);
    return;
  }
  if (call->nkids != fi->nargs) {
    defer(p, p->cond_grammar ? CAT_OPERAND : CAT_FUNCTION,
          "Incorrect number of operands for operator or function; operator or function: "
          "%s, number of operands: %zu",
          call->name, call->nkids);
    return;
  }
  if (fi->nargs == 2 && p->cond_grammar)
    check_distinct(p, call->name, a0, a1);
  switch (fi->fn) {
  case EXPR_F_ATTRIBUTE_EXISTS:
  case EXPR_F_ATTRIBUTE_NOT_EXISTS:
  case EXPR_F_IF_NOT_EXISTS:
    require_path(p, call, a0);
    break;
  case EXPR_F_BEGINS_WITH:
    for (a = call->kids; a; a = a->next) {
      t = static_type(a);
      if (t && strcmp(t, "S") != 0 && strcmp(t, "B") != 0) {
        type_error(p, call->name, t);
        break;
      }
    }
    break;
  case EXPR_F_ATTRIBUTE_TYPE:
    t = static_type(a1);
    if (!t || strcmp(t, "S") != 0) {
      type_error(p, call->name, t ? t : "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
    } else {
      const cJSON *inner = NULL;
      dynamo_value_type(a1->value, &inner);
      if (!cJSON_IsString(inner) || dynamo_type_from_tag(inner->valuestring) == DYNAMO_T_INVALID)
        defer(p, CAT_FUNCTION,
              "Invalid attribute type name found; type: %s, valid types: "
              "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
              cJSON_IsString(inner) ? inner->valuestring : "");
    }
    break;
  case EXPR_F_SIZE:
    t = static_type(a0);
    if (t && (strcmp(t, "N") == 0 || strcmp(t, "BOOL") == 0 || strcmp(t, "NULL") == 0))
      type_error(p, call->name, t);
    break;
  case EXPR_F_LIST_APPEND:
    for (a = call->kids; a; a = a->next) {
      t = a->kind == EXPR_N_VALUE ? type_tag(a->value) : NULL;
      if (t && strcmp(t, "L") != 0) {
        type_error(p, call->name, t);
        break;
      }
    }
    break;
  default:
    break;
  }
}

static struct expr_node *parse_operand(struct parser *p);
static struct expr_node *parse_operand_p(struct parser *p);
static struct expr_node *parse_u_operand(struct parser *p);

static struct expr_node *parse_call(struct parser *p) {
  const struct expr_token *t = cur(p);
  struct expr_node *call = new_node(p, EXPR_N_CALL);

  if (!call)
    return NULL;
  call->name = copy_token(p, t);
  if (!call->name)
    return NULL;
  advance(p); /* name */
  advance(p); /* '(' */
  if (enter(p) < 0)
    return NULL;
  for (;;) {
    struct expr_node *arg = p->cond_grammar ? parse_operand_p(p) : parse_u_operand(p);
    if (!arg)
      return NULL;
    add_kid(call, arg);
    if (!accept(p, EXPR_TOK_COMMA))
      break;
  }
  if (expect(p, EXPR_TOK_RPAREN) < 0)
    return NULL;
  leave(p);
  check_call(p, call);
  return call;
}

/* operand := function | ':value' | path */
static struct expr_node *parse_operand(struct parser *p) {
  const struct expr_token *t = cur(p);
  struct expr_node *n;

  if (t->kind == EXPR_TOK_VALUE_REF)
    return parse_value_ref(p);
  if (t->kind == EXPR_TOK_IDENT && !is_grammar_kw(p, t) && peek(p, 1)->kind == EXPR_TOK_LPAREN)
    return parse_call(p);
  if (!is_name_token(p, t)) {
    syntax_error(p);
    return NULL;
  }
  n = new_node(p, EXPR_N_PATH);
  if (!n || parse_path(p, &n->path) < 0)
    return NULL;
  return n;
}

/* The developer guide's "(a)" operand form; two directly nested pairs are
 * "redundant parentheses" (CONF tier3 scan.test.ts: "((#a = :v))" ->
 * "Invalid FilterExpression: The expression has redundant parentheses;"). */
static void mark_paren(struct parser *p, struct expr_node *n) {
  if (n->paren)
    defer(p, CAT_PARENS, "The expression has redundant parentheses;");
  n->paren = 1;
}

/* operand_p := '(' operand_p ')' | operand (condition grammar) */
static struct expr_node *parse_operand_p(struct parser *p) {
  struct expr_node *n;

  if (!accept(p, EXPR_TOK_LPAREN))
    return parse_operand(p);
  if (enter(p) < 0)
    return NULL;
  n = parse_operand_p(p);
  if (!n || expect(p, EXPR_TOK_RPAREN) < 0)
    return NULL;
  leave(p);
  mark_paren(p, n);
  return n;
}

/* u_operand := '(' operand ')' | operand (update grammar: one level) */
static struct expr_node *parse_u_operand(struct parser *p) {
  struct expr_node *n;

  if (!accept(p, EXPR_TOK_LPAREN))
    return parse_operand(p);
  if (enter(p) < 0)
    return NULL;
  n = parse_operand(p);
  if (!n || expect(p, EXPR_TOK_RPAREN) < 0)
    return NULL;
  leave(p);
  return n;
}

/* ---------------------------------------------------------- conditions */

static const char *cmp_symbol(int op) {
  switch (op) {
  case EXPR_CMP_EQ:
    return "=";
  case EXPR_CMP_NE:
    return "<>";
  case EXPR_CMP_LT:
    return "<";
  case EXPR_CMP_LE:
    return "<=";
  case EXPR_CMP_GT:
    return ">";
  default:
    return ">=";
  }
}

static int comparator_of(const struct expr_token *t, int *op) {
  switch (t->kind) {
  case EXPR_TOK_EQ:
    *op = EXPR_CMP_EQ;
    return 1;
  case EXPR_TOK_NE:
    *op = EXPR_CMP_NE;
    return 1;
  case EXPR_TOK_LT:
    *op = EXPR_CMP_LT;
    return 1;
  case EXPR_TOK_LE:
    *op = EXPR_CMP_LE;
    return 1;
  case EXPR_TOK_GT:
    *op = EXPR_CMP_GT;
    return 1;
  case EXPR_TOK_GE:
    *op = EXPR_CMP_GE;
    return 1;
  default:
    return 0;
  }
}

/* Ordering comparators and BETWEEN accept only S, N and B constants; a
 * constant of another type is a ValidationException, not a false
 * condition (ALT-tests test_update_condition_lt/_between).
 * DEVIATION: the type wording ("LIST") follows a third-party capture, not
 * a verified DynamoDB message. */
static void check_ordered_operand(struct parser *p, const char *op, const struct expr_node *n) {
  enum dynamo_type t;

  if (n->kind != EXPR_N_VALUE || !n->value)
    return;
  t = dynamo_value_type(n->value, NULL);
  if (t != DYNAMO_T_S && t != DYNAMO_T_N && t != DYNAMO_T_B)
    type_error(p, op, long_type_name(t));
}

static void render_bound(const cJSON *av, char *buf, size_t cap) {
  const cJSON *inner = NULL;
  enum dynamo_type t = dynamo_value_type(av, &inner);

  snprintf(buf, cap, "{%s:%s}", dynamo_type_tag(t),
           cJSON_IsString(inner) ? inner->valuestring : "");
}

static void check_between(struct parser *p, struct expr_node *n) {
  struct expr_node *x = kid_at(n, 0), *lo = kid_at(n, 1), *hi = kid_at(n, 2);
  char a[256], b[256];
  int comparable = 0;

  check_misused_args(p, n);
  check_ordered_operand(p, "BETWEEN", x);
  check_ordered_operand(p, "BETWEEN", lo);
  check_ordered_operand(p, "BETWEEN", hi);
  if (lo->kind != EXPR_N_VALUE || hi->kind != EXPR_N_VALUE || !lo->value || !hi->value)
    return;
  render_bound(lo->value, a, sizeof(a));
  render_bound(hi->value, b, sizeof(b));
  /* DYN-db checkBetweenArgs, verified by DYN-test. */
  if (dynamo_value_type(lo->value, NULL) != dynamo_value_type(hi->value, NULL))
    defer(p, CAT_FUNCTION,
          "The BETWEEN operator requires same data type for lower and upper bounds; "
          "lower bound operand: AttributeValue: %s, upper bound operand: AttributeValue: %s",
          a, b);
  else if (dynamo_value_compare(lo->value, hi->value, &comparable) > 0 && comparable)
    defer(p, CAT_FUNCTION,
          "The BETWEEN operator requires upper bound to be greater than or equal to lower "
          "bound; lower bound operand: AttributeValue: %s, upper bound operand: "
          "AttributeValue: %s",
          a, b);
}

static struct expr_node *parse_or(struct parser *p);

/* A node used where a condition is required. An operand there is only
 * possible right before ')' (primary rejects it elsewhere): syntax error
 * at the current token. size() is a value, not a condition. */
static int use_as_condition(struct parser *p, const struct expr_node *n) {
  if (n->kind == EXPR_N_PATH || n->kind == EXPR_N_VALUE) {
    syntax_error(p);
    return -1;
  }
  if (n->kind == EXPR_N_CALL && n->op == EXPR_F_SIZE)
    defer(p, CAT_MISUSED_FUNC,
          "The function is not allowed to be used this way in an expression; function: %s",
          n->name);
  return 0;
}

static struct expr_node *parse_primary(struct parser *p) {
  struct expr_node *u, *n;
  int op;

  if (accept(p, EXPR_TOK_LPAREN)) {
    if (enter(p) < 0)
      return NULL;
    u = parse_or(p);
    if (!u || expect(p, EXPR_TOK_RPAREN) < 0)
      return NULL;
    leave(p);
    mark_paren(p, u);
  } else {
    u = parse_operand(p);
    if (!u)
      return NULL;
  }

  if (comparator_of(cur(p), &op)) {
    if (is_condition_node(u)) {
      syntax_error(p);
      return NULL;
    }
    advance(p);
    n = new_node(p, EXPR_N_CMP);
    if (!n)
      return NULL;
    n->op = op;
    add_kid(n, u);
    u = parse_operand_p(p);
    if (!u)
      return NULL;
    add_kid(n, u);
    check_misused_args(p, n);
    check_distinct(p, cmp_symbol(op), n->kids, n->kids->next);
    if (op != EXPR_CMP_EQ && op != EXPR_CMP_NE) {
      check_ordered_operand(p, cmp_symbol(op), n->kids);
      check_ordered_operand(p, cmp_symbol(op), n->kids->next);
    }
    return n;
  }
  if (is_kw(cur(p), EXPR_KW_BETWEEN)) {
    struct expr_node *lo, *hi;
    if (is_condition_node(u)) {
      syntax_error(p);
      return NULL;
    }
    advance(p);
    n = new_node(p, EXPR_N_BETWEEN);
    lo = n ? parse_operand_p(p) : NULL;
    if (!lo)
      return NULL;
    if (!is_kw(cur(p), EXPR_KW_AND)) {
      syntax_error(p);
      return NULL;
    }
    advance(p);
    hi = parse_operand_p(p);
    if (!hi)
      return NULL;
    add_kid(n, u);
    add_kid(n, lo);
    add_kid(n, hi);
    check_between(p, n);
    return n;
  }
  if (is_kw(cur(p), EXPR_KW_IN)) {
    if (is_condition_node(u)) {
      syntax_error(p);
      return NULL;
    }
    advance(p);
    n = new_node(p, EXPR_N_IN);
    if (!n || expect(p, EXPR_TOK_LPAREN) < 0)
      return NULL;
    add_kid(n, u);
    do {
      struct expr_node *c = parse_operand_p(p);
      if (!c)
        return NULL;
      add_kid(n, c);
    } while (accept(p, EXPR_TOK_COMMA));
    if (expect(p, EXPR_TOK_RPAREN) < 0)
      return NULL;
    check_misused_args(p, n);
    /* SPEC docs/spec/dynamodb.md 2.6: "<= 100 operands for IN".
     * DEVIATION: the wording comes from a third-party emulator's tests
     * ("...; number of operands: 101" for 101 candidates), not from a
     * verified DynamoDB capture. */
    if (n->nkids - 1 > DYNAMO_EXPR_MAX_IN)
      defer(p, CAT_OPERAND,
            "The IN operator is provided with too many operands; number of operands: %zu",
            n->nkids - 1);
    return n;
  }
  if (is_condition_node(u) || u->kind == EXPR_N_CALL)
    return u;
  if (cur(p)->kind == EXPR_TOK_RPAREN)
    return u; /* "(a)": the enclosing primary decides */
  syntax_error(p);
  return NULL;
}

static struct expr_node *parse_not(struct parser *p) {
  struct expr_node *n, *x;

  if (!is_kw(cur(p), EXPR_KW_NOT))
    return parse_primary(p);
  advance(p);
  if (enter(p) < 0)
    return NULL;
  x = parse_not(p);
  if (!x || use_as_condition(p, x) < 0)
    return NULL;
  leave(p);
  n = new_node(p, EXPR_N_NOT);
  if (n)
    add_kid(n, x);
  return n;
}

/* and_cond / or_cond: n-ary nodes, children in text order. */
static struct expr_node *parse_chain(struct parser *p, enum expr_kw kw, enum expr_node_kind kind,
                                     struct expr_node *(*sub)(struct parser *)) {
  struct expr_node *first = sub(p), *n;

  if (!first)
    return NULL;
  if (!is_kw(cur(p), kw))
    return first;
  if (use_as_condition(p, first) < 0)
    return NULL;
  n = new_node(p, kind);
  if (!n)
    return NULL;
  add_kid(n, first);
  while (is_kw(cur(p), kw)) {
    struct expr_node *x;
    advance(p);
    x = sub(p);
    if (!x || use_as_condition(p, x) < 0)
      return NULL;
    add_kid(n, x);
  }
  return n;
}

static struct expr_node *parse_and(struct parser *p) {
  return parse_chain(p, EXPR_KW_AND, EXPR_N_AND, parse_not);
}

static struct expr_node *parse_or(struct parser *p) {
  return parse_chain(p, EXPR_KW_OR, EXPR_N_OR, parse_and);
}

static void parse_condition(struct parser *p) {
  struct expr_node *root = parse_or(p);

  if (!root)
    return;
  if (cur(p)->kind != EXPR_TOK_EOF) {
    syntax_error(p);
    return;
  }
  if (use_as_condition(p, root) < 0)
    return;
  p->e->cond = root;
}

/* -------------------------------------------------------------- update */

/* Two paths overlap when one is a prefix of the other, and conflict when
 * they first differ by a name against an index (DYN-db checkPaths; ALT-
 * tests test_update_expression_multi_overlap*, test_projection_expression
 * _path_overlap/_conflict). */
static void check_two_paths(struct parser *p, const struct expr_path *one,
                            const struct expr_path *two) {
  const struct expr_path_elem *x = one->head, *y = two->head;
  char a[512], b[512];

  for (; x && y; x = x->next, y = y->next) {
    if ((x->name == NULL) != (y->name == NULL)) {
      if (p->have[CAT_CONFLICT])
        return;
      path_str(one, a, sizeof(a));
      path_str(two, b, sizeof(b));
      defer(p, CAT_CONFLICT,
            "Two document paths conflict with each other; must remove or rewrite one of "
            "these paths; path one: %s, path two: %s",
            a, b);
      return;
    }
    if (x->name ? strcmp(x->name, y->name) != 0 : x->index != y->index)
      return;
  }
  if (p->have[CAT_OVERLAP])
    return;
  path_str(one, a, sizeof(a));
  path_str(two, b, sizeof(b));
  /* CONF tier3 / DYN-test: "Two document paths overlap with each other;
   * must remove or rewrite one of these paths; path one: [a], path two:
   * [a, b]". */
  defer(p, CAT_OVERLAP,
        "Two document paths overlap with each other; must remove or rewrite one of these "
        "paths; path one: %s, path two: %s",
        a, b);
}

static void check_overlaps(struct parser *p, const struct expr_path **paths, size_t n) {
  size_t i, j;

  for (j = 1; j < n; j++)
    for (i = 0; i < j; i++)
      check_two_paths(p, paths[i], paths[j]);
}

/* set_term tail: x [ ('+' | '-') u_operand ] */
static struct expr_node *parse_arith(struct parser *p, struct expr_node *x) {
  struct expr_node *y, *n;
  const char *opname;
  int plus;

  if (cur(p)->kind != EXPR_TOK_PLUS && cur(p)->kind != EXPR_TOK_MINUS)
    return x;
  plus = cur(p)->kind == EXPR_TOK_PLUS;
  opname = plus ? "+" : "-";
  advance(p);
  y = parse_u_operand(p);
  n = y ? new_node(p, plus ? EXPR_N_PLUS : EXPR_N_MINUS) : NULL;
  if (!n)
    return NULL;
  add_kid(n, x);
  add_kid(n, y);
  /* DYN-test "incorrect types to functions": '+' and '-' take numbers
   * ("operator or function: +, operand type: S"). */
  for (y = n->kids; y; y = y->next) {
    const char *t = y->kind == EXPR_N_VALUE ? type_tag(y->value) : NULL;
    if (t && strcmp(t, "N") != 0) {
      type_error(p, opname, t);
      break;
    }
  }
  return n;
}

/* set_value := '(' set_term ')' | set_term. A leading '(' opens either the
 * whole term ("(b + c)", "((b) + (c))") or just the first operand
 * ("(b) + c"). DYN-test records that DynamoDB accepts "(b + c)" and
 * "((b.c.d)+(e))" and rejects "(b.c).d + e" and "b + c + d". */
static struct expr_node *parse_set_value(struct parser *p) {
  struct expr_node *x;

  if (cur(p)->kind != EXPR_TOK_LPAREN) {
    x = parse_u_operand(p);
    return x ? parse_arith(p, x) : NULL;
  }
  advance(p);
  if (enter(p) < 0)
    return NULL;
  if (cur(p)->kind == EXPR_TOK_LPAREN) {
    x = parse_u_operand(p);
    x = x ? parse_arith(p, x) : NULL;
    if (!x || expect(p, EXPR_TOK_RPAREN) < 0)
      return NULL;
    leave(p);
    return x;
  }
  x = parse_operand(p);
  if (!x)
    return NULL;
  if (cur(p)->kind == EXPR_TOK_PLUS || cur(p)->kind == EXPR_TOK_MINUS) {
    x = parse_arith(p, x);
    if (!x || expect(p, EXPR_TOK_RPAREN) < 0)
      return NULL;
    leave(p);
    return x;
  }
  if (expect(p, EXPR_TOK_RPAREN) < 0)
    return NULL;
  leave(p);
  return parse_arith(p, x);
}

static const char *const section_names[] = {"SET", "REMOVE", "ADD", "DELETE"};

static void parse_update(struct parser *p) {
  struct expr_action **tail = &p->e->actions;
  const struct expr_path **paths;
  size_t npaths = 0;

  /* One slot per action; actions <= tokens. */
  paths = alloc(p, sizeof(*paths) * p->ntoks);
  if (!paths)
    return;
  if (cur(p)->kind == EXPR_TOK_EOF) {
    syntax_error(p);
    return;
  }
  while (cur(p)->kind != EXPR_TOK_EOF) {
    const struct expr_token *t = cur(p);
    enum expr_action_kind kind;

    if (is_kw(t, EXPR_KW_SET))
      kind = EXPR_ACT_SET;
    else if (is_kw(t, EXPR_KW_REMOVE))
      kind = EXPR_ACT_REMOVE;
    else if (is_kw(t, EXPR_KW_ADD))
      kind = EXPR_ACT_ADD;
    else if (is_kw(t, EXPR_KW_DELETE))
      kind = EXPR_ACT_DELETE;
    else {
      syntax_error(p);
      return;
    }
    advance(p);
    /* DYN-test updateItem.js: 'The "SET" section can only be used once in
     * an update expression;' (also REMOVE, ADD, DELETE). */
    if (p->sections & (1u << kind))
      defer(p, CAT_SECTION, "The \"%s\" section can only be used once in an update expression;",
            section_names[kind]);
    p->sections |= 1u << kind;
    do {
      struct expr_action *a = alloc(p, sizeof(*a));
      if (!a || parse_path(p, &a->path) < 0)
        return;
      a->kind = kind;
      if (kind == EXPR_ACT_SET) {
        if (expect(p, EXPR_TOK_EQ) < 0)
          return;
        a->value = parse_set_value(p);
        if (!a->value)
          return;
      } else if (kind == EXPR_ACT_ADD || kind == EXPR_ACT_DELETE) {
        enum dynamo_type vt;
        a->value = parse_value_ref(p);
        if (!a->value)
          return;
        vt = a->value->value ? dynamo_value_type(a->value->value, NULL) : DYNAMO_T_INVALID;
        /* DYN-test updateItem.js: "Incorrect operand type for operator or
         * function; operator: ADD, operand type: STRING". ADD takes numbers
         * and sets, DELETE only sets. */
        if (vt != DYNAMO_T_INVALID && vt != DYNAMO_T_SS && vt != DYNAMO_T_NS && vt != DYNAMO_T_BS &&
            !(kind == EXPR_ACT_ADD && vt == DYNAMO_T_N))
          defer(p, CAT_OPERAND,
                "Incorrect operand type for operator or function; operator: %s, operand "
                "type: %s",
                section_names[kind], long_type_name(vt));
      }
      *tail = a;
      tail = &a->next;
      p->e->nactions++;
      paths[npaths++] = &a->path;
    } while (accept(p, EXPR_TOK_COMMA));
  }
  check_overlaps(p, paths, npaths);
}

/* ---------------------------------------------------------- projection */

static void parse_projection(struct parser *p) {
  struct expr_proj **tail = &p->e->proj;
  const struct expr_path **paths = alloc(p, sizeof(*paths) * p->ntoks);
  size_t n = 0;

  if (!paths)
    return;
  do {
    struct expr_proj *pr = alloc(p, sizeof(*pr));
    if (!pr || parse_path(p, &pr->path) < 0)
      return;
    *tail = pr;
    tail = &pr->next;
    paths[n++] = &pr->path;
  } while (accept(p, EXPR_TOK_COMMA));
  if (cur(p)->kind != EXPR_TOK_EOF) {
    syntax_error(p);
    return;
  }
  p->e->nproj = n;
  check_overlaps(p, paths, n);
}

/* ------------------------------------------------------------ entry */

static void collect_targets(struct parser *p) {
  struct dynamo_expr *e = p->e;
  const struct expr_action *a;

  e->targets = alloc(p, sizeof(*e->targets) * (e->nactions + 1));
  if (!e->targets)
    return;
  for (a = e->actions; a; a = a->next) {
    const char *name = a->path.head->name;
    size_t i;
    for (i = 0; i < e->ntargets; i++)
      if (strcmp(e->targets[i], name) == 0)
        break;
    if (i == e->ntargets)
      e->targets[e->ntargets++] = name;
  }
}

static int report_deferred(struct parser *p) {
  const enum errcat *order;
  size_t n, i;

  if (p->cond_grammar) {
    order = order_condition;
    n = sizeof(order_condition) / sizeof(order_condition[0]);
  } else if (p->kind == DYNAMO_EXPR_UPDATE) {
    order = order_update;
    n = sizeof(order_update) / sizeof(order_update[0]);
  } else {
    order = order_projection;
    n = sizeof(order_projection) / sizeof(order_projection[0]);
  }
  for (i = 0; i < n; i++) {
    if (p->have[order[i]]) {
      fatal(p, DYNAMO_ERR_VALIDATION, "%s", p->msg[order[i]]);
      return -1;
    }
  }
  return 0;
}

static size_t arena_capacity(size_t ntoks, size_t len) {
  /* Per token at most: a node, a path element, an action or projection
   * entry, a pointer slot (paths/targets arrays) and a copied string. */
  size_t per = ALIGN_UP(sizeof(struct expr_node)) + ALIGN_UP(sizeof(struct expr_path_elem)) +
               ALIGN_UP(sizeof(struct expr_action)) + ALIGN_UP(sizeof(struct expr_proj)) +
               2 * sizeof(void *) + 2 * ARENA_ALIGN;
  return (ntoks + 4) * per + len + 4 * ARENA_ALIGN;
}

void dynamo_expr_env_init(struct dynamo_expr_env *env, const cJSON *names, const cJSON *values) {
  int nn = names ? cJSON_GetArraySize(names) : 0;
  int nv = values ? cJSON_GetArraySize(values) : 0;

  env->names = names;
  env->values = values;
  env->names_used = nn > 0 ? calloc((size_t)nn, 1) : NULL;
  env->values_used = nv > 0 ? calloc((size_t)nv, 1) : NULL;
  /* OOM policy (style.md 2.3): allocation failure is fatal. */
  if ((nn > 0 && !env->names_used) || (nv > 0 && !env->values_used))
    abort();
}

void dynamo_expr_env_free(struct dynamo_expr_env *env) {
  free(env->names_used);
  free(env->values_used);
  env->names_used = NULL;
  env->values_used = NULL;
}

static int report_unused(const char *what, const cJSON *obj, const unsigned char *used,
                         struct dynamo_error *err) {
  char keys[DYNAMO_ERROR_MESSAGE_MAX];
  const cJSON *it;
  size_t i = 0, off = 0;
  int any = 0;

  keys[0] = '\0';
  if (!obj || !used)
    return 0;
  for (it = obj->child; it; it = it->next, i++) {
    int n;
    if (used[i])
      continue;
    n = snprintf(keys + off, sizeof(keys) - off, "%s%s", any ? ", " : "",
                 it->string ? it->string : "");
    any = 1;
    if (n < 0 || (size_t)n >= sizeof(keys) - off) {
      off = sizeof(keys) - 1;
      break;
    }
    off += (size_t)n;
  }
  if (!any)
    return 0;
  /* SPEC docs/spec/dynamodb.md 2.4: "Value provided in ExpressionAttributeValues
   * unused in expressions: keys: {:unused}"; several keys are joined by
   * ", " in request order (DYN-val validateExpressions). */
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          "Value provided in %s unused in expressions: keys: {%s}", what, keys);
}

int dynamo_expr_env_check_unused(const struct dynamo_expr_env *env, struct dynamo_error *err) {
  /* Names are reported before values (DYN-val validateExpressions). */
  if (report_unused("ExpressionAttributeNames", env->names, env->names_used, err) < 0)
    return -1;
  return report_unused("ExpressionAttributeValues", env->values, env->values_used, err);
}

struct dynamo_expr *dynamo_expr_parse(enum dynamo_expr_kind kind, const char *text,
                                      struct dynamo_expr_env *env, struct dynamo_error *err) {
  struct parser *p;
  struct dynamo_expr *e;
  struct expr_token *toks = NULL;
  size_t ntoks = 0, len = text ? strlen(text) : 0, header, cap;

  /* SPEC docs/spec/dynamodb.md 2.4: "Invalid UpdateExpression: The expression can not
   * be empty;" (same pattern for every kind). */
  if (len == 0) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Invalid %s: The expression can not be empty;",
                     dynamo_expr__kind_name(kind));
    return NULL;
  }
  /* SPEC docs/spec/dynamodb.md 2.6: "expression strings <= 4 KB"; the message is
   * DynamoDB's as seen in the wild ("Invalid FilterExpression: Expression
   * size has exceeded the maximum allowed size; expression size: 5872"). */
  if (len > DYNAMO_EXPR_MAX_TEXT) {
    dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                     "Invalid %s: Expression size has exceeded the maximum allowed size; "
                     "expression size: %zu",
                     dynamo_expr__kind_name(kind), len);
    return NULL;
  }
  if (dynamo_expr__lex(text, len, &toks, &ntoks) < 0) {
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
    return NULL;
  }
  header = ALIGN_UP(sizeof(struct dynamo_expr));
  cap = arena_capacity(ntoks, len);
  e = calloc(1, header + cap);
  /* Everything but the deferred messages is zeroed: msg[cat] is written
   * before it is read (have[cat] guards it), and zeroing the 13 KB of
   * messages was a fifth of an UpdateItem's instructions (make profile). */
  p = malloc(sizeof(*p));
  if (p)
    memset(p, 0, offsetof(struct parser, msg));
  if (!e || !p) {
    free(e);
    free(p);
    free(toks);
    dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
    return NULL;
  }
  e->kind = kind;
  e->arena = (unsigned char *)e + header;
  e->arena_cap = cap;
  p->text = text;
  p->toks = toks;
  p->ntoks = ntoks;
  p->e = e;
  p->env = env;
  p->kind = kind;
  p->cond_grammar = dynamo_expr__is_condition_kind(kind);
  p->err = err;

  if (p->cond_grammar)
    parse_condition(p);
  else if (kind == DYNAMO_EXPR_UPDATE)
    parse_update(p);
  else
    parse_projection(p);
  if (!p->failed)
    report_deferred(p);
  if (!p->failed && kind == DYNAMO_EXPR_UPDATE)
    collect_targets(p);

  free(toks);
  if (p->failed) {
    free(p);
    free(e);
    return NULL;
  }
  free(p);
  return e;
}

void dynamo_expr_free(struct dynamo_expr *e) {
  free(e);
}
