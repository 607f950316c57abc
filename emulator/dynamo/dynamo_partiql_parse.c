/*
 * dynamo_partiql_parse.c - the PartiQL statement grammar (dynamo_partiql.h):
 * a lexer over the statement text and a recursive-descent parser into a
 * struct dynamo_partiql.
 *
 * Lexical rules: blanks are space, tab, CR and LF; a bare name starts with a
 * letter or '_' and continues with letters, digits, '_' and '$'; "quoted"
 * names and 'strings' double their quote to contain it; numbers are digits
 * with an optional fraction and exponent; punctuation is ( ) [ ] { } , . :
 * * ? ; + - = <> != < <= > >= << >>. Anything else is a syntax error.
 * Invariants: every recursive step (parentheses, NOT, constructors,
 * function arguments, operator chains) counts against
 * DYNAMO_PARTIQL_MAX_DEPTH, so the tree is at most that deep and the
 * parser, the translator and dynamo_partiql_free recurse boundedly.
 * Ownership: the parser owns nodes until they hang from the statement; on
 * a failure the partly built statement is freed whole.
 * Threading: pure functions.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynamo_partiql.h"

enum tok_kind {
  T_EOF,
  T_IDENT,  /* bare name or keyword */
  T_QIDENT, /* "quoted name" */
  T_STRING, /* 'string' */
  T_NUMBER,
  T_LPAREN,
  T_RPAREN,
  T_LBRACKET,
  T_RBRACKET,
  T_LBRACE,
  T_RBRACE,
  T_COMMA,
  T_DOT,
  T_COLON,
  T_STAR,
  T_QUESTION,
  T_SEMI,
  T_PLUS,
  T_MINUS,
  T_EQ,
  T_NE,
  T_LT,
  T_LE,
  T_GT,
  T_GE,
  T_LBAG,
  T_RBAG,
  T_BAD /* an unknown character or an unterminated quote */
};

struct tok {
  enum tok_kind kind;
  size_t start, len; /* the token's text */
  size_t end;        /* where the next token's search starts */
};

struct parser {
  const char *s;
  size_t n;
  struct tok cur;
  int depth;
  int nparams;
  struct dynamo_error *err;
  int failed;
};

#define MALFORMED "Statement wasn't well formed, can't be processed: "

/* ------------------------------------------------------------------ lexer */

static struct tok lex_at(const char *s, size_t n, size_t i) {
  struct tok t = {T_EOF, 0, 0, 0};
  char c;

  while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
    i++;
  t.start = i;
  if (i >= n) {
    t.end = i;
    return t;
  }
  c = s[i];
  if (isalpha((unsigned char)c) || c == '_') {
    size_t j = i + 1;
    while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '$'))
      j++;
    t.kind = T_IDENT;
    t.len = j - i;
  } else if (isdigit((unsigned char)c) ||
             (c == '.' && i + 1 < n && isdigit((unsigned char)s[i + 1]))) {
    size_t j = i;
    while (j < n && isdigit((unsigned char)s[j]))
      j++;
    if (j < n && s[j] == '.') {
      j++;
      while (j < n && isdigit((unsigned char)s[j]))
        j++;
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
      size_t k = j + 1;
      if (k < n && (s[k] == '+' || s[k] == '-'))
        k++;
      if (k < n && isdigit((unsigned char)s[k])) {
        while (k < n && isdigit((unsigned char)s[k]))
          k++;
        j = k;
      }
    }
    t.kind = T_NUMBER;
    t.len = j - i;
  } else if (c == '\'' || c == '"') {
    size_t j = i + 1;
    t.kind = T_BAD;
    while (j < n) {
      if (s[j] == c) {
        if (j + 1 < n && s[j + 1] == c) {
          j += 2;
          continue;
        }
        t.kind = c == '\'' ? T_STRING : T_QIDENT;
        j++;
        break;
      }
      j++;
    }
    t.len = j - i;
  } else {
    static const struct {
      const char *text;
      enum tok_kind kind;
    } punct[] = {{"<<", T_LBAG},    {">>", T_RBAG},  {"<>", T_NE},    {"!=", T_NE},
                 {"<=", T_LE},      {">=", T_GE},    {"<", T_LT},     {">", T_GT},
                 {"=", T_EQ},       {"(", T_LPAREN}, {")", T_RPAREN}, {"[", T_LBRACKET},
                 {"]", T_RBRACKET}, {"{", T_LBRACE}, {"}", T_RBRACE}, {",", T_COMMA},
                 {".", T_DOT},      {":", T_COLON},  {"*", T_STAR},   {"?", T_QUESTION},
                 {";", T_SEMI},     {"+", T_PLUS},   {"-", T_MINUS}};
    size_t k;
    t.kind = T_BAD;
    t.len = 1;
    for (k = 0; k < sizeof(punct) / sizeof(punct[0]); k++) {
      size_t l = strlen(punct[k].text);
      if (i + l <= n && memcmp(s + i, punct[k].text, l) == 0) {
        t.kind = punct[k].kind;
        t.len = l;
        break;
      }
    }
  }
  t.end = i + t.len;
  return t;
}

static void advance(struct parser *p) {
  p->cur = lex_at(p->s, p->n, p->cur.end);
}

static struct tok peek(const struct parser *p) {
  return lex_at(p->s, p->n, p->cur.end);
}

/* -------------------------------------------------------------- failures */

/* SPEC docs/spec/dynamodb.md PartiQL.4: "Statement wasn't well formed,
 * can't be processed: <detail>", the detail without a position
 * ("Expected data manipulation", "Unexpected token after expression").
 * DEVIATION: other details are wsgw's own words (DynamoDB's parser words
 * its details differently). */
static void *fail(struct parser *p, const char *detail) {
  if (!p->failed) {
    p->failed = 1;
    dynamo_error_set(p->err, DYNAMO_ERR_VALIDATION, MALFORMED "%s", detail);
  }
  return NULL;
}

/* A ValidationException with its own message (not the syntax one). */
static void *fail_with(struct parser *p, const char *message) {
  if (!p->failed) {
    p->failed = 1;
    dynamo_error_set(p->err, DYNAMO_ERR_VALIDATION, "%s", message);
  }
  return NULL;
}

static void *out_of_memory(struct parser *p) {
  if (!p->failed) {
    p->failed = 1;
    dynamo_error_set(p->err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
  }
  return NULL;
}

static int enter(struct parser *p) {
  if (++p->depth > DYNAMO_PARTIQL_MAX_DEPTH) {
    fail(p, "Statement nested too deeply");
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------- helpers */

static int is_kw(const struct parser *p, const char *kw) {
  return p->cur.kind == T_IDENT && strlen(kw) == p->cur.len &&
         strncasecmp(p->s + p->cur.start, kw, p->cur.len) == 0;
}

static int accept_kw(struct parser *p, const char *kw) {
  if (!is_kw(p, kw))
    return 0;
  advance(p);
  return 1;
}

static int expect_kw(struct parser *p, const char *kw) {
  char detail[64];
  if (accept_kw(p, kw))
    return 0;
  snprintf(detail, sizeof(detail), "Expected %s", kw);
  fail(p, detail);
  return -1;
}

static int expect(struct parser *p, enum tok_kind kind, const char *what) {
  char detail[64];
  if (p->cur.kind == kind) {
    advance(p);
    return 0;
  }
  snprintf(detail, sizeof(detail), "Expected %s", what);
  fail(p, detail);
  return -1;
}

/* Words that end or structure a statement: never a bare path. */
static int is_clause_word(const struct parser *p) {
  static const char *const words[] = {"SELECT", "FROM",    "WHERE",  "AND",       "OR",
                                      "NOT",    "BETWEEN", "IN",     "IS",        "SET",
                                      "REMOVE", "VALUE",   "INSERT", "INTO",      "UPDATE",
                                      "DELETE", "ORDER",   "BY",     "RETURNING", "EXISTS"};
  size_t i;
  for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (is_kw(p, words[i]))
      return 1;
  return 0;
}

/* The text of the current token, quotes removed and doubled quotes
 * undone; malloc'd. */
static char *tok_text(struct parser *p) {
  const struct tok *t = &p->cur;
  size_t i, o = 0, a = t->start, b = t->start + t->len;
  char *s;

  if (t->kind == T_STRING || t->kind == T_QIDENT) {
    a++;
    b--;
  }
  if (!(s = malloc(b - a + 1)))
    return out_of_memory(p);
  for (i = a; i < b; i++) {
    s[o++] = p->s[i];
    if ((t->kind == T_STRING || t->kind == T_QIDENT) && p->s[i] == p->s[t->start] && i + 1 < b)
      i++;
  }
  s[o] = '\0';
  return s;
}

static struct partiql_node *node_new(struct parser *p, enum partiql_node_kind kind) {
  struct partiql_node *nd = calloc(1, sizeof(*nd));
  if (!nd)
    return out_of_memory(p);
  nd->kind = kind;
  return nd;
}

static void node_free(struct partiql_node *nd) {
  while (nd) {
    struct partiql_node *next = nd->next;
    size_t i;
    node_free(nd->kids);
    for (i = 0; i < nd->nelems; i++)
      free(nd->elems[i].name);
    free(nd->elems);
    free(nd->name);
    cJSON_Delete(nd->value);
    free(nd);
    nd = next;
  }
}

static void add_kid(struct partiql_node *parent, struct partiql_node *kid) {
  struct partiql_node **tail = &parent->kids;
  while (*tail)
    tail = &(*tail)->next;
  *tail = kid;
  parent->nkids++;
}

static struct partiql_node *literal(struct parser *p, const char *tag, cJSON *inner) {
  struct partiql_node *nd;
  cJSON *av;

  if (!inner)
    return out_of_memory(p);
  if (!(av = cJSON_CreateObject())) {
    cJSON_Delete(inner);
    return out_of_memory(p);
  }
  cJSON_AddItemToObject(av, tag, inner);
  if (!(nd = node_new(p, PQ_LITERAL))) {
    cJSON_Delete(av);
    return NULL;
  }
  nd->value = av;
  return nd;
}

/* --------------------------------------------------------------- grammar */

static struct partiql_node *parse_cond(struct parser *p);
static struct partiql_node *parse_sum(struct parser *p);

/* A path starting at the current name token. */
static struct partiql_node *parse_path(struct parser *p) {
  struct partiql_node *nd;

  if (p->cur.kind != T_QIDENT && (p->cur.kind != T_IDENT || is_clause_word(p)))
    return fail(p, "Expected a path");
  if (!(nd = node_new(p, PQ_PATH)))
    return NULL;
  if (!(nd->elems = calloc(DYNAMO_PARTIQL_MAX_PATH, sizeof(*nd->elems)))) {
    node_free(nd);
    return out_of_memory(p);
  }
  for (;;) {
    struct partiql_elem *e;
    if (nd->nelems == DYNAMO_PARTIQL_MAX_PATH) {
      node_free(nd);
      return fail(p, "Path nested too deeply");
    }
    e = &nd->elems[nd->nelems];
    if (nd->nelems == 0 || p->cur.kind == T_IDENT || p->cur.kind == T_QIDENT) {
      if (!(e->name = tok_text(p))) {
        node_free(nd);
        return NULL;
      }
      nd->nelems++;
      if (!e->name[0]) {
        node_free(nd);
        return fail_with(p, "Path component cannot be an empty string");
      }
      advance(p);
    } else { /* '[' digits ']' */
      unsigned long long v = 0;
      size_t i;
      advance(p);
      if (p->cur.kind != T_NUMBER) {
        node_free(nd);
        return fail(p, "Expected a list index");
      }
      for (i = 0; i < p->cur.len; i++) {
        char c = p->s[p->cur.start + i];
        if (!isdigit((unsigned char)c) || v > 0xFFFFFFFFull) {
          node_free(nd);
          return fail(p, "Expected a list index");
        }
        v = v * 10 + (unsigned)(c - '0');
      }
      if (v > 0xFFFFFFFFull) {
        node_free(nd);
        return fail(p, "Expected a list index");
      }
      e->index = (uint32_t)v;
      nd->nelems++;
      advance(p);
      if (expect(p, T_RBRACKET, "]") != 0) {
        node_free(nd);
        return NULL;
      }
    }
    if (p->cur.kind == T_DOT) {
      struct tok next = peek(p);
      if (next.kind != T_IDENT && next.kind != T_QIDENT) {
        advance(p);
        node_free(nd);
        return fail(p, "Expected a name after '.'");
      }
      advance(p);
    } else if (p->cur.kind != T_LBRACKET) {
      return nd;
    }
  }
}

/* The items of a [list], {tuple} or <<bag>> up to the closing token. */
static struct partiql_node *parse_items(struct parser *p, enum partiql_node_kind kind,
                                        enum tok_kind close, const char *close_text) {
  struct partiql_node *nd, *kid;

  if (enter(p) != 0)
    return NULL;
  advance(p); /* the opening token */
  if (!(nd = node_new(p, kind)))
    return NULL;
  while (p->cur.kind != close) {
    if (nd->nkids > 0 && expect(p, T_COMMA, ",") != 0)
      goto bad;
    if (kind == PQ_TUPLE) {
      char *key;
      if (p->cur.kind != T_STRING && p->cur.kind != T_QIDENT) {
        fail(p, "Expected a string key in a tuple");
        goto bad;
      }
      if (!(key = tok_text(p)))
        goto bad;
      if (!(kid = literal(p, "S", cJSON_CreateString(key)))) {
        free(key);
        goto bad;
      }
      free(key);
      add_kid(nd, kid);
      advance(p);
      if (expect(p, T_COLON, ":") != 0)
        goto bad;
    }
    if (!(kid = parse_sum(p)))
      goto bad;
    add_kid(nd, kid);
  }
  if (expect(p, close, close_text) != 0)
    goto bad;
  p->depth--;
  return nd;
bad:
  node_free(nd);
  return NULL;
}

static struct partiql_node *parse_call(struct parser *p) {
  struct partiql_node *nd, *kid;
  char *name;
  size_t i;

  if (enter(p) != 0 || !(name = tok_text(p)))
    return NULL;
  for (i = 0; name[i]; i++)
    name[i] = (char)tolower((unsigned char)name[i]);
  if (!(nd = node_new(p, PQ_CALL))) {
    free(name);
    return NULL;
  }
  nd->name = name;
  advance(p); /* the name */
  advance(p); /* ( */
  while (p->cur.kind != T_RPAREN) {
    if (nd->nkids > 0 && expect(p, T_COMMA, ",") != 0)
      goto bad;
    if (!(kid = parse_cond(p)))
      goto bad;
    add_kid(nd, kid);
  }
  advance(p);
  p->depth--;
  return nd;
bad:
  node_free(nd);
  return NULL;
}

static struct partiql_node *parse_primary(struct parser *p) {
  struct partiql_node *nd;
  char *text;

  switch (p->cur.kind) {
  case T_QUESTION:
    if (!(nd = node_new(p, PQ_PARAM)))
      return NULL;
    nd->param = p->nparams++;
    advance(p);
    return nd;
  case T_STRING:
    if (!(text = tok_text(p)))
      return NULL;
    nd = literal(p, "S", cJSON_CreateString(text));
    free(text);
    if (nd)
      advance(p);
    return nd;
  case T_NUMBER:
  case T_MINUS: {
    char buf[512];
    int neg = p->cur.kind == T_MINUS;
    if (neg) {
      advance(p);
      if (p->cur.kind != T_NUMBER)
        return fail(p, "Expected a number after '-'");
    }
    if (p->cur.len >= sizeof(buf) - 1)
      return fail(p, "Number too long");
    snprintf(buf, sizeof(buf), "%s%.*s", neg ? "-" : "", (int)p->cur.len, p->s + p->cur.start);
    nd = literal(p, "N", cJSON_CreateString(buf));
    if (nd)
      advance(p);
    return nd;
  }
  case T_LBRACKET:
    return parse_items(p, PQ_LIST, T_RBRACKET, "]");
  case T_LBRACE:
    return parse_items(p, PQ_TUPLE, T_RBRACE, "}");
  case T_LBAG:
    return parse_items(p, PQ_BAG, T_RBAG, ">>");
  case T_LPAREN:
    if (enter(p) != 0)
      return NULL;
    advance(p);
    if (!(nd = parse_cond(p)))
      return NULL;
    if (expect(p, T_RPAREN, ")") != 0) {
      node_free(nd);
      return NULL;
    }
    p->depth--;
    return nd;
  case T_QIDENT:
    return parse_path(p);
  case T_IDENT:
    if (is_kw(p, "TRUE") || is_kw(p, "FALSE")) {
      nd = literal(p, "BOOL", cJSON_CreateBool(is_kw(p, "TRUE")));
      if (nd)
        advance(p);
      return nd;
    }
    if (is_kw(p, "NULL")) {
      nd = literal(p, "NULL", cJSON_CreateBool(1));
      if (nd)
        advance(p);
      return nd;
    }
    if (is_kw(p, "MISSING")) {
      if ((nd = node_new(p, PQ_MISSING)))
        advance(p);
      return nd;
    }
    if (peek(p).kind == T_LPAREN && !is_clause_word(p))
      return parse_call(p);
    return parse_path(p);
  default:
    return fail(p, "Unexpected token");
  }
}

static struct partiql_node *binary(struct parser *p, enum partiql_node_kind kind,
                                   struct partiql_node *a, struct partiql_node *b) {
  struct partiql_node *nd = node_new(p, kind);
  if (!nd) {
    node_free(a);
    node_free(b);
    return NULL;
  }
  add_kid(nd, a);
  add_kid(nd, b);
  return nd;
}

static struct partiql_node *parse_sum(struct parser *p) {
  struct partiql_node *left, *right;
  int chain = 0;

  if (!(left = parse_primary(p)))
    return NULL;
  while (p->cur.kind == T_PLUS || p->cur.kind == T_MINUS) {
    enum partiql_node_kind kind = p->cur.kind == T_PLUS ? PQ_PLUS : PQ_MINUS;
    if (p->depth + ++chain > DYNAMO_PARTIQL_MAX_DEPTH) {
      node_free(left);
      return fail(p, "Statement nested too deeply");
    }
    advance(p);
    if (!(right = parse_primary(p))) {
      node_free(left);
      return NULL;
    }
    if (!(left = binary(p, kind, left, right)))
      return NULL;
  }
  return left;
}

static struct partiql_node *parse_pred(struct parser *p) {
  static const struct {
    enum tok_kind tok;
    enum partiql_cmp op;
  } cmps[] = {{T_EQ, PQ_EQ}, {T_NE, PQ_NE}, {T_LT, PQ_LT},
              {T_LE, PQ_LE}, {T_GT, PQ_GT}, {T_GE, PQ_GE}};
  struct partiql_node *left, *nd, *kid;
  size_t i;

  if (!(left = parse_sum(p)))
    return NULL;
  for (i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++) {
    if (p->cur.kind != cmps[i].tok)
      continue;
    advance(p);
    if (!(kid = parse_sum(p))) {
      node_free(left);
      return NULL;
    }
    if ((nd = binary(p, PQ_CMP, left, kid)))
      nd->op = (int)cmps[i].op;
    return nd;
  }
  if (accept_kw(p, "BETWEEN")) {
    struct partiql_node *lo, *hi;
    if (!(lo = parse_sum(p))) {
      node_free(left);
      return NULL;
    }
    if (expect_kw(p, "AND") != 0 || !(hi = parse_sum(p))) {
      node_free(left);
      node_free(lo);
      return NULL;
    }
    if (!(nd = binary(p, PQ_BETWEEN, left, lo))) {
      node_free(hi);
      return NULL;
    }
    add_kid(nd, hi);
    return nd;
  }
  if (accept_kw(p, "IN")) {
    enum tok_kind close = p->cur.kind == T_LBRACKET ? T_RBRACKET : T_RPAREN;
    if (p->cur.kind != T_LBRACKET && p->cur.kind != T_LPAREN) {
      node_free(left);
      return fail_with(p, "IN operator must have a left hand argument of type Variable Reference "
                          "and right hand argument of type Seq with at least one member");
    }
    if (!(nd = node_new(p, PQ_IN))) {
      node_free(left);
      return NULL;
    }
    add_kid(nd, left);
    advance(p);
    while (p->cur.kind != close) {
      if (nd->nkids > 1 && expect(p, T_COMMA, ",") != 0) {
        node_free(nd);
        return NULL;
      }
      if (!(kid = parse_sum(p))) {
        node_free(nd);
        return NULL;
      }
      add_kid(nd, kid);
    }
    advance(p);
    if (nd->nkids < 2) {
      node_free(nd);
      return fail_with(p, "IN operator must have a left hand argument of type Variable Reference "
                          "and right hand argument of type Seq with at least one member");
    }
    return nd;
  }
  if (accept_kw(p, "IS")) {
    int negated = accept_kw(p, "NOT");
    int what;
    if (is_kw(p, "MISSING"))
      what = PQ_IS_MISSING;
    else if (is_kw(p, "NULL"))
      what = PQ_IS_NULL;
    else {
      node_free(left);
      return fail(p, "Expected MISSING or NULL after IS");
    }
    advance(p);
    if (!(nd = node_new(p, PQ_IS))) {
      node_free(left);
      return NULL;
    }
    nd->op = what;
    nd->negated = negated;
    add_kid(nd, left);
    return nd;
  }
  return left;
}

static struct partiql_node *parse_not(struct parser *p) {
  struct partiql_node *nd, *kid;

  if (!is_kw(p, "NOT"))
    return parse_pred(p);
  if (enter(p) != 0)
    return NULL;
  advance(p);
  if (!(kid = parse_not(p)))
    return NULL;
  if (!(nd = node_new(p, PQ_NOT))) {
    node_free(kid);
    return NULL;
  }
  add_kid(nd, kid);
  p->depth--;
  return nd;
}

/* and := not (AND not)...; or := and (OR and)... as n-ary nodes. */
static struct partiql_node *parse_chain(struct parser *p, int level) {
  const char *word = level ? "AND" : "OR";
  enum partiql_node_kind kind = level ? PQ_AND : PQ_OR;
  struct partiql_node *first, *nd, *kid;

  first = level ? parse_not(p) : parse_chain(p, 1);
  if (!first || !is_kw(p, word))
    return first;
  if (!(nd = node_new(p, kind))) {
    node_free(first);
    return NULL;
  }
  add_kid(nd, first);
  while (accept_kw(p, word)) {
    if (!(kid = level ? parse_not(p) : parse_chain(p, 1))) {
      node_free(nd);
      return NULL;
    }
    add_kid(nd, kid);
  }
  return nd;
}

static struct partiql_node *parse_cond(struct parser *p) {
  struct partiql_node *nd;
  if (enter(p) != 0)
    return NULL;
  nd = parse_chain(p, 0);
  p->depth--;
  return nd;
}

/* A table or index name. */
static char *parse_name(struct parser *p) {
  char *name;
  if (p->cur.kind != T_QIDENT && (p->cur.kind != T_IDENT || is_clause_word(p)))
    return fail(p, "Expected a table name");
  if ((name = tok_text(p)) && !name[0]) {
    free(name);
    return fail_with(p, "Path component cannot be an empty string");
  }
  if (name)
    advance(p);
  return name;
}

/* FROM name ['.' name] (the FROM keyword already read). */
static int parse_from(struct parser *p, struct dynamo_partiql *st, int index_ok) {
  if (!(st->table = parse_name(p)))
    return -1;
  if (p->cur.kind == T_DOT) {
    if (!index_ok) {
      fail_with(p, "FROM clause may only contain a single table name in data manipulation "
                   "statements");
      return -1;
    }
    advance(p);
    if (!(st->index = parse_name(p)))
      return -1;
    if (p->cur.kind == T_DOT) {
      fail_with(p, "A path may contain at most 2 components in the FROM clause");
      return -1;
    }
  }
  return 0;
}

static int parse_where(struct parser *p, struct dynamo_partiql *st, int required) {
  if (!accept_kw(p, "WHERE")) {
    if (required) {
      fail_with(p, "Where clause does not contain a mandatory equality on all key attributes");
      return -1;
    }
    return 0;
  }
  return (st->where = parse_cond(p)) ? 0 : -1;
}

static int parse_select(struct parser *p, struct dynamo_partiql *st) {
  struct partiql_node **tail = &st->proj;

  if (p->cur.kind == T_STAR) {
    st->star = 1;
    advance(p);
    if (p->cur.kind == T_COMMA) {
      fail_with(p, "Other attributes should not be present in the projection when '*' is used.");
      return -1;
    }
  } else {
    for (;;) {
      if (p->cur.kind == T_STAR) {
        fail_with(p, "Other attributes should not be present in the projection when '*' is "
                     "used.");
        return -1;
      }
      if (!(*tail = parse_path(p)))
        return -1;
      tail = &(*tail)->next;
      st->nproj++;
      if (p->cur.kind != T_COMMA)
        break;
      advance(p);
    }
  }
  if (expect_kw(p, "FROM") != 0 || parse_from(p, st, 1) != 0 || parse_where(p, st, 0) != 0)
    return -1;
  if (accept_kw(p, "ORDER")) {
    if (expect_kw(p, "BY") != 0)
      return -1;
    if (!st->where) {
      fail_with(p, "Must have WHERE clause in the statement when using ORDER BY clause.");
      return -1;
    }
    if (!(st->order_key = parse_name(p)))
      return -1;
    if (accept_kw(p, "DESC"))
      st->order_desc = 1;
    else
      accept_kw(p, "ASC");
  }
  return 0;
}

static int parse_update(struct parser *p, struct dynamo_partiql *st) {
  struct partiql_action **tail = &st->actions;

  /* An index is grammatical here; the plan refuses it. */
  if (parse_from(p, st, 1) != 0)
    return -1;
  while (is_kw(p, "SET") || is_kw(p, "REMOVE")) {
    int remove = is_kw(p, "REMOVE");
    advance(p);
    for (;;) {
      struct partiql_action *a = calloc(1, sizeof(*a));
      if (!a) {
        out_of_memory(p);
        return -1;
      }
      *tail = a;
      tail = &a->next;
      a->remove = remove;
      if (!(a->path = parse_path(p)))
        return -1;
      if (!remove && (expect(p, T_EQ, "=") != 0 || !(a->value = parse_sum(p))))
        return -1;
      if (p->cur.kind != T_COMMA)
        break;
      advance(p);
    }
  }
  if (!st->actions) {
    fail(p, "Expected SET or REMOVE");
    return -1;
  }
  if (parse_where(p, st, 1) != 0)
    return -1;
  if (accept_kw(p, "RETURNING")) {
    int all, old;
    if (accept_kw(p, "ALL"))
      all = 1;
    else if (accept_kw(p, "MODIFIED"))
      all = 0;
    else {
      fail(p, "Expected ALL or MODIFIED");
      return -1;
    }
    if (accept_kw(p, "OLD"))
      old = 1;
    else if (accept_kw(p, "NEW"))
      old = 0;
    else {
      fail(p, "Expected OLD or NEW");
      return -1;
    }
    if (p->cur.kind != T_STAR) {
      fail_with(p, "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause");
      return -1;
    }
    advance(p);
    st->returning = all ? (old ? PQ_RET_ALL_OLD : PQ_RET_ALL_NEW)
                        : (old ? PQ_RET_MODIFIED_OLD : PQ_RET_MODIFIED_NEW);
  }
  return 0;
}

static int parse_delete(struct parser *p, struct dynamo_partiql *st) {
  if (expect_kw(p, "FROM") != 0 || parse_from(p, st, 1) != 0 || parse_where(p, st, 1) != 0)
    return -1;
  if (accept_kw(p, "RETURNING")) {
    size_t from = p->cur.start, to = p->n;
    if (!accept_kw(p, "ALL") || !accept_kw(p, "OLD") || p->cur.kind != T_STAR) {
      char msg[256];
      while (to > from && (p->s[to - 1] == ' ' || p->s[to - 1] == ';' || p->s[to - 1] == '\n'))
        to--;
      snprintf(msg, sizeof(msg),
               "Invalid returning clause: RETURNING %.*s. Only RETURNING ALL OLD * is allowed in "
               "DELETE statements.",
               (int)(to - from > 64 ? 64 : to - from), p->s + from);
      fail_with(p, msg);
      return -1;
    }
    advance(p);
    st->returning = PQ_RET_ALL_OLD;
  }
  return 0;
}

static int parse_statement(struct parser *p, struct dynamo_partiql *st) {
  if (accept_kw(p, "SELECT")) {
    st->kind = PARTIQL_SELECT;
    return parse_select(p, st);
  }
  if (accept_kw(p, "INSERT")) {
    st->kind = PARTIQL_INSERT;
    if (expect_kw(p, "INTO") != 0 || !(st->table = parse_name(p)))
      return -1;
    if (p->cur.kind == T_DOT) {
      fail_with(p, "FROM clause may only contain a single table name in data manipulation "
                   "statements");
      return -1;
    }
    if (is_kw(p, "VALUES")) {
      fail_with(p, "Unsupported operation: Inserting multiple items in a single statement is not "
                   "supported, use \"INSERT INTO tableName VALUE item\" instead");
      return -1;
    }
    if (expect_kw(p, "VALUE") != 0)
      return -1;
    if (p->cur.kind != T_LBRACE && p->cur.kind != T_QUESTION) {
      fail_with(p, "Unsupported format in item expression. Please use struct format {...} to "
                   "express item values for insert statement.");
      return -1;
    }
    if (!(st->item = parse_primary(p)))
      return -1;
    if (is_kw(p, "RETURNING")) {
      fail_with(p, "RETURNING is not supported in INSERT");
      return -1;
    }
    return 0;
  }
  if (accept_kw(p, "UPDATE")) {
    st->kind = PARTIQL_UPDATE;
    return parse_update(p, st);
  }
  if (accept_kw(p, "DELETE")) {
    st->kind = PARTIQL_DELETE;
    return parse_delete(p, st);
  }
  if (is_kw(p, "EXISTS")) {
    st->kind = PARTIQL_EXISTS;
    advance(p);
    if (expect(p, T_LPAREN, "(") != 0 || expect_kw(p, "SELECT") != 0 ||
        expect(p, T_STAR, "*") != 0 || expect_kw(p, "FROM") != 0 || parse_from(p, st, 0) != 0 ||
        parse_where(p, st, 1) != 0 || expect(p, T_RPAREN, ")") != 0)
      return -1;
    return 0;
  }
  fail(p, "Expected data manipulation");
  return -1;
}

int dynamo_partiql_parse(const char *text, size_t len, struct dynamo_partiql **out,
                         struct dynamo_error *err) {
  struct parser p;
  struct dynamo_partiql *st;

  *out = NULL;
  memset(&p, 0, sizeof(p));
  p.s = text;
  p.n = len;
  p.err = err;
  p.cur = lex_at(text, len, 0);
  if (!(st = calloc(1, sizeof(*st)))) {
    out_of_memory(&p);
    return -1;
  }
  if (parse_statement(&p, st) == 0) {
    if (p.cur.kind == T_SEMI)
      advance(&p);
    if (p.cur.kind != T_EOF)
      fail(&p, "Unexpected token after expression");
  } else if (!p.failed) {
    fail(&p, "Unexpected token");
  }
  if (p.failed) {
    dynamo_partiql_free(st);
    return -1;
  }
  st->nparams = p.nparams;
  *out = st;
  return 0;
}

void dynamo_partiql_free(struct dynamo_partiql *st) {
  struct partiql_action *a, *next;

  if (!st)
    return;
  free(st->table);
  free(st->index);
  free(st->order_key);
  node_free(st->proj);
  node_free(st->where);
  node_free(st->item);
  for (a = st->actions; a; a = next) {
    next = a->next;
    node_free(a->path);
    node_free(a->value);
    free(a);
  }
  free(st);
}
