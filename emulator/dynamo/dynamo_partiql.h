/*
 * dynamo_partiql.h - PartiQL statements for DynamoDB: the parsed form of one
 * statement (dynamo_partiql_parse.c) and its translation into an item
 * operation's request (dynamo_partiql_plan.c), which ExecuteStatement,
 * BatchExecuteStatement and ExecuteTransaction (dynamo_partiql.c) run.
 *
 * Grammar (keywords in any case; a table or index name is a "quoted" or bare
 * identifier):
 *   statement := SELECT proj FROM name ['.' name] [WHERE cond]
 *                  [ORDER BY name [ASC|DESC]]
 *              | INSERT INTO name VALUE value
 *              | UPDATE name (SET path '=' value [',' path '=' value]...
 *                            | REMOVE path [',' path]...)... WHERE cond
 *                  [RETURNING (ALL|MODIFIED) (OLD|NEW) '*']
 *              | DELETE FROM name WHERE cond [RETURNING ALL OLD '*']
 *              | EXISTS '(' SELECT '*' FROM name WHERE cond ')'
 *   proj      := '*' | path [',' path]...
 *   cond      := and [OR and]... ; and := not [AND not]... ; not := [NOT] pred
 *   pred      := sum [(= | <> | != | < | <= | > | >=) sum | BETWEEN sum AND sum
 *                     | IN (list | '(' value, ... ')') | IS [NOT] (MISSING | NULL)]
 *   sum       := primary [(+ | -) primary]...
 *   primary   := path | literal | '?' | name '(' [cond [',' cond]...] ')' | '(' cond ')'
 *   literal   := 'string' | number | TRUE | FALSE | NULL | MISSING
 *              | '[' ... ']' | '{' 'key' ':' value, ... '}' | '<<' ... '>>'
 *   path      := name ('.' name | '[' digits ']')...
 *
 * Bounds: statements are at most DYNAMO_PARTIQL_MAX_TEXT bytes (the
 * caller checks), nesting (parentheses, constructors, operator chains) at
 * most DYNAMO_PARTIQL_MAX_DEPTH, paths at most 32 elements: parsing,
 * translating and freeing recurse a bounded number of levels.
 * Errors: "Statement wasn't well formed, can't be processed: <detail>" and
 * DynamoDB's other PartiQL messages, as ValidationException.
 * Ownership: a parsed statement owns every node and string in it; literal
 * values are AttributeValue trees in wire form (dynamo_value.h).
 * Threading: pure; a parsed statement is used by one request.
 */
#ifndef DYNAMO_PARTIQL_H
#define DYNAMO_PARTIQL_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "dynamo_errors.h"

/* SPEC docs/spec/dynamodb.md PartiQL.1: Statement is 1..8192 characters
 * (code points; the parser takes any length). */
#define DYNAMO_PARTIQL_MAX_TEXT 8192
#define DYNAMO_PARTIQL_MAX_DEPTH 64
#define DYNAMO_PARTIQL_MAX_PATH 32

enum partiql_kind {
  PARTIQL_SELECT,
  PARTIQL_INSERT,
  PARTIQL_UPDATE,
  PARTIQL_DELETE,
  PARTIQL_EXISTS
};

enum partiql_node_kind {
  PQ_PATH,    /* elems */
  PQ_LITERAL, /* value: an owned AttributeValue */
  PQ_MISSING, /* the MISSING literal */
  PQ_PARAM,   /* param: the 0-based position of a '?' */
  PQ_LIST,    /* [kids] */
  PQ_TUPLE,   /* {kids}: key (a PQ_LITERAL string), value, key, value... */
  PQ_BAG,     /* <<kids>> */
  PQ_CMP,     /* op: enum partiql_cmp; kids: lhs, rhs */
  PQ_AND,     /* kids: 2+ conditions */
  PQ_OR,      /* kids: 2+ conditions */
  PQ_NOT,     /* kids: 1 condition */
  PQ_BETWEEN, /* kids: operand, low, high */
  PQ_IN,      /* kids: operand, candidates... */
  PQ_IS,      /* op: enum partiql_is, negated; kids: operand */
  PQ_CALL,    /* name: the function, lower case; kids: arguments */
  PQ_PLUS,    /* kids: 2 operands */
  PQ_MINUS,   /* kids: 2 operands */
};

enum partiql_cmp { PQ_EQ, PQ_NE, PQ_LT, PQ_LE, PQ_GT, PQ_GE };
enum partiql_is { PQ_IS_MISSING, PQ_IS_NULL };

/* One step of a path: a name, or a list index when name is NULL. */
struct partiql_elem {
  char *name;
  uint32_t index;
};

struct partiql_node {
  enum partiql_node_kind kind;
  int op;
  int negated;                /* PQ_IS: IS NOT */
  char *name;                 /* PQ_CALL */
  cJSON *value;               /* PQ_LITERAL */
  int param;                  /* PQ_PARAM */
  struct partiql_elem *elems; /* PQ_PATH: nelems steps, the first a name */
  size_t nelems;
  struct partiql_node *kids; /* first child; siblings through next */
  size_t nkids;
  struct partiql_node *next;
};

/* One UPDATE action, in text order. */
struct partiql_action {
  int remove;                 /* REMOVE path (else SET path = value) */
  struct partiql_node *path;  /* PQ_PATH */
  struct partiql_node *value; /* SET: the value expression */
  struct partiql_action *next;
};

enum partiql_returning {
  PQ_RET_NONE,
  PQ_RET_ALL_OLD,
  PQ_RET_MODIFIED_OLD,
  PQ_RET_ALL_NEW,
  PQ_RET_MODIFIED_NEW
};

struct dynamo_partiql {
  enum partiql_kind kind;
  char *table;
  char *index;               /* SELECT FROM "T"."I": the index, else NULL */
  int star;                  /* SELECT * */
  struct partiql_node *proj; /* SELECT paths (PQ_PATH), through next */
  size_t nproj;
  struct partiql_node *where; /* NULL: no WHERE */
  char *order_key;            /* ORDER BY key, or NULL */
  int order_desc;
  struct partiql_node *item;      /* INSERT: the VALUE expression */
  struct partiql_action *actions; /* UPDATE */
  enum partiql_returning returning;
  int nparams; /* the number of '?' */
};

/* Parses text[0, len). Returns 0 and *out (free it with
 * dynamo_partiql_free), or -1 with err set (a ValidationException; an
 * InternalServerError when memory runs out). */
int dynamo_partiql_parse(const char *text, size_t len, struct dynamo_partiql **out,
                         struct dynamo_error *err);
void dynamo_partiql_free(struct dynamo_partiql *st);

/* ---- Translation into an operation's request (dynamo_partiql_plan.c) -- */
struct dynamo;

enum partiql_mode { PQ_MODE_SINGLE, PQ_MODE_BATCH, PQ_MODE_TRANSACTION };
enum partiql_op {
  PQ_OP_GET,    /* GetItem */
  PQ_OP_QUERY,  /* Query */
  PQ_OP_SCAN,   /* Scan */
  PQ_OP_PUT,    /* PutItem */
  PQ_OP_UPDATE, /* UpdateItem */
  PQ_OP_DELETE, /* DeleteItem */
  PQ_OP_CHECK   /* a TransactWriteItems ConditionCheck */
};
struct dynamo_partiql_plan {
  enum partiql_op op;
  cJSON *req; /* the operation's request (owned by the caller) */
  int insert; /* an INSERT: a failed condition means the key exists */
};
/* Translates st, with the Parameters (validated and normalised in place),
 * ConsistentRead and
 * ReturnValuesOnConditionCheckFailure of entry (an ExecuteStatement request
 * or one member of a batch or transaction), reading the table's schema from
 * db. mode: the rules of ExecuteStatement, a batch or a transaction.
 * Returns 0 (pl->req set) or -1 with err. */
int dynamo_partiql_plan(struct dynamo *db, const struct dynamo_partiql *st, cJSON *entry,
                        enum partiql_mode mode, struct dynamo_partiql_plan *pl,
                        struct dynamo_error *err);

#endif
