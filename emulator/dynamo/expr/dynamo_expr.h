/*
 * dynamo_expr.h - DynamoDB expressions: ConditionExpression,
 * FilterExpression, KeyConditionExpression, ProjectionExpression and
 * UpdateExpression. Lexer (dynamo_expr_lexer.c), recursive-descent parser
 * (dynamo_expr_parser.c) and evaluator (dynamo_expr_eval.c).
 *
 * Model: items and values are cJSON trees in DynamoDB wire form (see
 * dynamo_value.h). A parsed expression is an AST in one allocation arena,
 * independent of the text; value placeholders point into the caller's
 * ExpressionAttributeValues tree, which must outlive the expression.
 *
 * Bounds: expressions are <= 4 KB of text (SPEC AWS-quota), parsing nests
 * at most DYNAMO_EXPR_MAX_DEPTH, document paths at most 32 levels, so
 * neither parsing nor evaluation can overflow the stack or spin.
 * Errors: every failure fills a struct dynamo_error with DynamoDB's message
 * ("Invalid ConditionExpression: Syntax error; token: ...", "... An expression
 * attribute value used in expression is not defined; attribute value: :v").
 * Threading: a parsed expression is immutable and may be shared read-only.
 */
#ifndef DYNAMO_EXPR_H
#define DYNAMO_EXPR_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "dynamo_errors.h"

#define DYNAMO_EXPR_MAX_TEXT 4096
#define DYNAMO_EXPR_MAX_DEPTH 64

enum dynamo_expr_kind {
  DYNAMO_EXPR_CONDITION,     /* "ConditionExpression" */
  DYNAMO_EXPR_FILTER,        /* "FilterExpression" */
  DYNAMO_EXPR_KEY_CONDITION, /* "KeyConditionExpression" */
  DYNAMO_EXPR_PROJECTION,    /* "ProjectionExpression" */
  DYNAMO_EXPR_UPDATE,        /* "UpdateExpression" */
};

/* The placeholders of one request, shared by all its expressions, so that
 * unused ones can be reported after every expression was parsed. */
struct dynamo_expr_env {
  const cJSON *names;         /* ExpressionAttributeNames object, or NULL */
  const cJSON *values;        /* ExpressionAttributeValues object (validated), or NULL */
  unsigned char *names_used;  /* one flag per member of names (private) */
  unsigned char *values_used; /* one flag per member of values (private) */
};

void dynamo_expr_env_init(struct dynamo_expr_env *env, const cJSON *names, const cJSON *values);
void dynamo_expr_env_free(struct dynamo_expr_env *env);
/* SPEC docs/spec/dynamodb.md 2.4: "Value provided in ExpressionAttributeValues unused in
 * expressions: keys: {:unused}" (and the ExpressionAttributeNames variant
 * with {#unused}). Returns 0 when all were used, else -1 with err. */
int dynamo_expr_env_check_unused(const struct dynamo_expr_env *env, struct dynamo_error *err);

struct dynamo_expr; /* opaque */

/* Parses text as the given kind. Returns NULL with err set on failure. */
struct dynamo_expr *dynamo_expr_parse(enum dynamo_expr_kind kind, const char *text,
                                      struct dynamo_expr_env *env, struct dynamo_error *err);
void dynamo_expr_free(struct dynamo_expr *e);

/* Condition/filter: 1 when true, 0 when false, -1 on a runtime error (err
 * set, e.g. an operand type that the operator rejects at run time). item
 * may be NULL (no item: every path is absent). */
int dynamo_expr_eval_condition(const struct dynamo_expr *e, const cJSON *item,
                               struct dynamo_error *err);

/* Projection: a new item holding only the projected paths (nested paths
 * keep their enclosing maps/lists, as DynamoDB returns them). */
cJSON *dynamo_expr_project(const struct dynamo_expr *e, const cJSON *item);
/* An update's target paths (SET, REMOVE, ADD and DELETE alike) projected
 * from item, as a ProjectionExpression of those paths: what UPDATED_OLD
 * (item: the old item) and UPDATED_NEW (the new one) return. A new tree
 * (NULL when e is not an UpdateExpression or memory ran out). */
cJSON *dynamo_expr_project_targets(const struct dynamo_expr *e, const cJSON *item);

/* Update: applies SET/REMOVE/ADD/DELETE actions to item in place (item is an
 * object, possibly empty for a new item). Returns 0, or -1 with err (for
 * example "Invalid UpdateExpression: Incorrect operand type for operator or
 * function; operator: ADD, operand type: STRING"). On failure item may be
 * partly modified: callers apply updates to a copy. */
int dynamo_expr_apply_update(const struct dynamo_expr *e, cJSON *item, struct dynamo_error *err);

/* The distinct top-level attribute names an update expression writes or
 * removes, in first-use order (after #name substitution). Returns how many
 * exist; fills at most cap entries. Pointers live as long as e. */
size_t dynamo_expr_update_targets(const struct dynamo_expr *e, const char **names, size_t cap);

/* Whether a condition or filter expression has a document path whose first
 * element is the attribute `name` (after #name substitution): 1 or 0. */
int dynamo_expr_names_attribute(const struct dynamo_expr *e, const char *name);

/* Whether a condition, filter or projection expression has a nested path
 * (a.b, a[1]) under the top-level attribute `name`: 1 or 0. */
int dynamo_expr_nests(const struct dynamo_expr *e, const char *name);

/* Whether the value an update expression SETs the top-level attribute
 * `name` to is read from the item (a path operand, if_not_exists,
 * list_append) rather than given by placeholders and arithmetic: 1 or 0. */
int dynamo_expr_update_reads_item(const struct dynamo_expr *e, const char *name);

/* What the update expression's last action on the top-level attribute
 * `name` writes, when the expression alone tells: 1 with *value set (SET
 * name = :v, ADD name :v), 2 for a number computed by + or - (*value
 * NULL), 0 otherwise (REMOVE, DELETE, a value read from the item, no
 * action). */
int dynamo_expr_update_static_value(const struct dynamo_expr *e, const char *name,
                                    const cJSON **value);

/* Whether an update expression has an action on a nested path (a.b, a[1])
 * under the top-level attribute `name`: 1 or 0. */
int dynamo_expr_update_nested(const struct dynamo_expr *e, const char *name);

/* Key conditions, as a Query needs them. */
enum dynamo_key_op {
  DYNAMO_KEY_EQ,
  DYNAMO_KEY_LT,
  DYNAMO_KEY_LE,
  DYNAMO_KEY_GT,
  DYNAMO_KEY_GE,
  DYNAMO_KEY_BETWEEN,
  DYNAMO_KEY_BEGINS_WITH,
};
struct dynamo_key_condition {
  const cJSON *hash_value; /* AttributeValue the partition key must equal */
  int has_range;           /* 0 when only the partition key is constrained */
  enum dynamo_key_op range_op;
  const cJSON *range_lo; /* operand (BETWEEN: low bound) */
  const cJSON *range_hi; /* BETWEEN: high bound, else NULL */
};
/* Checks a parsed KeyConditionExpression against the key schema (hash_name,
 * range_name or NULL) and extracts it. Errors use DynamoDB's messages, e.g.
 * "Query condition missed key schema element: id". */
int dynamo_expr_key_condition(const struct dynamo_expr *e, const char *hash_name,
                              const char *range_name, struct dynamo_key_condition *out,
                              struct dynamo_error *err);

#endif
