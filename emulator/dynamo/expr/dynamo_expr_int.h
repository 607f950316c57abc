/*
 * dynamo_expr_int.h - internal types shared by dynamo_expr_lexer.c,
 * dynamo_expr_parser.c and dynamo_expr_eval.c. Not part of the public API
 * (dynamo_expr.h); only those three files and their unit tests include it.
 *
 * Pipeline:
 *
 *   text --lexer--> struct expr_token[] --parser--> struct dynamo_expr (AST)
 *                                                    |
 *                          eval: condition / projection / update / key cond
 *
 * Token array (dynamo_expr__lex):
 *   One malloc'd array, always ending with exactly one EXPR_TOK_EOF token.
 *   Every other token covers text[start, start + len) and len >= 1; tokens
 *   appear in text order and never overlap; whitespace (space, tab, CR, LF)
 *   separates tokens and belongs to none. The EOF token has len 0 and
 *   starts where the last real token ends (0 for an all-blank text), so a
 *   "near" window ending at EOF never includes trailing blanks.
 *   Keywords (AND OR NOT BETWEEN IN SET REMOVE ADD DELETE, any case) are
 *   EXPR_TOK_IDENT tokens with kw != EXPR_KW_NONE: whether a keyword is a
 *   keyword depends on the grammar (SET is one in an UpdateExpression and an
 *   ordinary, reserved, word in a ConditionExpression).
 *
 * Arena layout of a parsed expression (one allocation, see parser):
 *
 *   +---------------------+  <- malloc'd block, freed by dynamo_expr_free
 *   | struct dynamo_expr  |
 *   +---------------------+  <- arena (aligned to max_align_t)
 *   | nodes, path elems,  |  bump-allocated while parsing, zero-filled;
 *   | actions, copies of  |  capacity is computed from the token count
 *   | identifier strings  |  before parsing, so it cannot run out
 *   +---------------------+
 *
 * Invariants of a successfully parsed expression:
 *   - every path has 1 <= n <= DYNAMO_EXPR_MAX_PATH elements, the first one
 *     a name; names are NUL-terminated, either copies in the arena (bare
 *     identifiers) or borrowed from env->names (#placeholders);
 *   - EXPR_N_VALUE nodes point into env->values (borrowed, never modified);
 *   - condition trees are at most DYNAMO_EXPR_MAX_DEPTH deep, AND/OR are
 *     n-ary (children in text order), so evaluation recursion is bounded;
 *   - update paths neither overlap nor conflict (checked at parse time), so
 *     no action's target contains another action's target.
 * Ownership: the expression owns its arena only; env->names and
 * env->values must outlive it.
 * Threading: immutable after parsing; safe to share read-only.
 */
#ifndef DYNAMO_EXPR_INT_H
#define DYNAMO_EXPR_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dynamo_expr.h"

/* SPEC docs/spec/dynamodb.md 2.6 / AWS-quota: "nesting <= 32 levels" (document paths). */
#define DYNAMO_EXPR_MAX_PATH 32
/* SPEC docs/spec/dynamodb.md 2.6: "<= 100 operands for IN". */
#define DYNAMO_EXPR_MAX_IN 100

/* ---------------------------------------------------------------- tokens */

enum expr_tok {
  EXPR_TOK_EOF,
  EXPR_TOK_IDENT,     /* [A-Za-z][A-Za-z0-9_]*, possibly a keyword */
  EXPR_TOK_NAME_REF,  /* #[A-Za-z0-9_]+ */
  EXPR_TOK_VALUE_REF, /* :[A-Za-z0-9_]+ */
  EXPR_TOK_NUMBER,    /* [0-9]+ (list indexes) */
  EXPR_TOK_LPAREN,
  EXPR_TOK_RPAREN,
  EXPR_TOK_LBRACKET,
  EXPR_TOK_RBRACKET,
  EXPR_TOK_COMMA,
  EXPR_TOK_DOT,
  EXPR_TOK_EQ,
  EXPR_TOK_NE,
  EXPR_TOK_LT,
  EXPR_TOK_LE,
  EXPR_TOK_GT,
  EXPR_TOK_GE,
  EXPR_TOK_PLUS,
  EXPR_TOK_MINUS,
  EXPR_TOK_INVALID /* any other character (a whole UTF-8 sequence), or a
                         lone '#' / ':' */
};

enum expr_kw {
  EXPR_KW_NONE,
  EXPR_KW_AND,
  EXPR_KW_OR,
  EXPR_KW_NOT,
  EXPR_KW_BETWEEN,
  EXPR_KW_IN,
  EXPR_KW_SET,
  EXPR_KW_REMOVE,
  EXPR_KW_ADD,
  EXPR_KW_DELETE,
};

struct expr_token {
  enum expr_tok kind;
  enum expr_kw kw; /* EXPR_TOK_IDENT only */
  size_t start;    /* byte offset in the text */
  size_t len;      /* bytes; 0 only for EXPR_TOK_EOF */
};

/* Splits text[0, len) into tokens. On success returns 0 and a malloc'd
 * array (caller frees) of *ntoks tokens, the last one EXPR_TOK_EOF;
 * *ntoks <= len + 1. Returns -1 only when malloc fails. Never fails on
 * bad input: unknown characters become EXPR_TOK_INVALID tokens so that the
 * parser can report them as DynamoDB does. */
int dynamo_expr__lex(const char *text, size_t len, struct expr_token **toks, size_t *ntoks);
/* 1 when word[0, len) is one of DynamoDB's reserved words (any case). */
int dynamo_expr__is_reserved(const char *word, size_t len);
/* Number of entries in the reserved-word table (for tests). */
size_t dynamo_expr__reserved_count(void);

/* ------------------------------------------------------------------- AST */

/* One step of a document path: a map key (name != NULL) or a list index. */
struct expr_path_elem {
  const char *name; /* NUL-terminated, or NULL for an index */
  uint32_t index;   /* list index when name == NULL */
  struct expr_path_elem *next;
};

struct expr_path {
  size_t n;                    /* 1..DYNAMO_EXPR_MAX_PATH */
  struct expr_path_elem *head; /* head->name != NULL */
};

enum expr_node_kind {
  EXPR_N_PATH,    /* operand: document path (path) */
  EXPR_N_VALUE,   /* operand: :placeholder (value, name) */
  EXPR_N_CALL,    /* function call (op = enum expr_func, name, kids = args) */
  EXPR_N_CMP,     /* op = enum expr_cmp, kids = lhs, rhs */
  EXPR_N_BETWEEN, /* kids = operand, low, high */
  EXPR_N_IN,      /* kids = operand, candidates... */
  EXPR_N_AND,     /* kids = 2+ conditions */
  EXPR_N_OR,      /* kids = 2+ conditions */
  EXPR_N_NOT,     /* kids = 1 condition */
  EXPR_N_PLUS,    /* SET value: kids = 2 operands */
  EXPR_N_MINUS,   /* SET value: kids = 2 operands */
};

enum expr_func {
  EXPR_F_UNKNOWN,
  /* ConditionExpression / FilterExpression / KeyConditionExpression */
  EXPR_F_ATTRIBUTE_EXISTS,
  EXPR_F_ATTRIBUTE_NOT_EXISTS,
  EXPR_F_ATTRIBUTE_TYPE,
  EXPR_F_BEGINS_WITH,
  EXPR_F_CONTAINS,
  EXPR_F_SIZE,
  /* UpdateExpression */
  EXPR_F_IF_NOT_EXISTS,
  EXPR_F_LIST_APPEND,
};

enum expr_cmp { EXPR_CMP_EQ, EXPR_CMP_NE, EXPR_CMP_LT, EXPR_CMP_LE, EXPR_CMP_GT, EXPR_CMP_GE };

struct expr_node {
  enum expr_node_kind kind;
  int op;                /* EXPR_N_CMP: enum expr_cmp; EXPR_N_CALL: enum expr_func */
  const char *name;      /* EXPR_N_CALL: function name; EXPR_N_VALUE: ":v" */
  const cJSON *value;    /* EXPR_N_VALUE: borrowed AttributeValue */
  struct expr_path path; /* EXPR_N_PATH */
  size_t nkids;
  struct expr_node *kids; /* first child; siblings via next */
  struct expr_node *next; /* next sibling */
  unsigned char paren;    /* parser only: node was wrapped in ( ) */
};

enum expr_action_kind { EXPR_ACT_SET, EXPR_ACT_REMOVE, EXPR_ACT_ADD, EXPR_ACT_DELETE };

struct expr_action {
  enum expr_action_kind kind;
  struct expr_path path;    /* the target */
  struct expr_node *value;  /* SET: value tree; ADD/DELETE: EXPR_N_VALUE; REMOVE: NULL */
  struct expr_action *next; /* text order */
};

struct expr_proj { /* one ProjectionExpression path */
  struct expr_path path;
  struct expr_proj *next; /* text order */
};

struct dynamo_expr {
  enum dynamo_expr_kind kind;
  struct expr_node *cond;      /* condition kinds: the root condition */
  struct expr_action *actions; /* UpdateExpression, text order */
  size_t nactions;
  struct expr_proj *proj; /* ProjectionExpression, text order */
  size_t nproj;
  const char **targets; /* UpdateExpression: distinct top-level names */
  size_t ntargets;
  unsigned char *arena; /* bump area inside this allocation */
  size_t arena_cap;
  size_t arena_used;
};

/* "ConditionExpression", "UpdateExpression", ... for error prefixes. */
const char *dynamo_expr__kind_name(enum dynamo_expr_kind kind);
/* 1 for the three kinds that use the condition grammar. */
int dynamo_expr__is_condition_kind(enum dynamo_expr_kind kind);
/* Resolves path in item (an attribute map); NULL when any step is missing
 * or of the wrong type. */
const cJSON *dynamo_expr__resolve(const cJSON *item, const struct expr_path *path);

#endif
