/*
 * dynamo_value.h - the AttributeValue model: validate, normalise, compare,
 * measure. Values are cJSON trees in DynamoDB's wire form ({"S":"x"},
 * {"N":"1"}, {"M":{...}}, {"SS":[...]} ...); an item is a cJSON object
 * mapping attribute names to such values.
 *
 * Invariants: after dynamo_value_validate* succeeds, every N and NS member
 * holds its normalised text (dynamo_number.h), so equal numbers compare
 * equal as text and sets hold no duplicates.
 * Ownership: functions never take ownership of their arguments.
 * Threading: pure functions over trees owned by the caller.
 */
#ifndef DYNAMO_VALUE_H
#define DYNAMO_VALUE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "dynamo_errors.h"

/* SPEC docs/spec/dynamodb.md 2.6 / AWS-quota: nesting <= 32 levels. */
#define DYNAMO_VALUE_MAX_DEPTH 32

enum dynamo_type {
  DYNAMO_T_INVALID = 0,
  DYNAMO_T_S,
  DYNAMO_T_N,
  DYNAMO_T_B,
  DYNAMO_T_BOOL,
  DYNAMO_T_NULL,
  DYNAMO_T_M,
  DYNAMO_T_L,
  DYNAMO_T_SS,
  DYNAMO_T_NS,
  DYNAMO_T_BS,
};

/* The type of a (valid) AttributeValue and its inner JSON ({"S":"x"} ->
 * DYNAMO_T_S and the "x" node). DYNAMO_T_INVALID when av is not an object
 * with exactly one known member. inner may be NULL. */
enum dynamo_type dynamo_value_type(const cJSON *av, const cJSON **inner);
/* "S", "N", ... for a type (the wire tag); "" for DYNAMO_T_INVALID. */
const char *dynamo_type_tag(enum dynamo_type t);
enum dynamo_type dynamo_type_from_tag(const char *tag);

/* Validates one AttributeValue and normalises it in place. depth is the
 * nesting level of av (1 for a top-level attribute). On failure fills err
 * with DynamoDB's exact ValidationException (or SerializationException for
 * wrong JSON types, e.g. {"N": 123}) and returns -1. Recursion is bounded by
 * DYNAMO_VALUE_MAX_DEPTH, so a hostile document cannot overflow the stack. */
int dynamo_value_validate(cJSON *av, int depth, struct dynamo_error *err);
/* Validates an attribute map (Item, Key, ExpressionAttributeValues): must be
 * a JSON object; each member validated at depth 1; no member name empty. */
int dynamo_value_validate_map(cJSON *map, struct dynamo_error *err);
/* A top-level attribute name (an Item/Key member, an AttributeUpdates or
 * condition-map member, an AttributesToGet entry): 0, or -1 with a
 * ValidationException when it is empty. */
int dynamo_value_check_name(const char *name, struct dynamo_error *err);

/* Deep equality as DynamoDB's '=' sees it: same type, numbers by value, sets
 * as unordered collections, B by decoded bytes. */
int dynamo_value_equal(const cJSON *a, const cJSON *b);
/* Orders two values of the same scalar type S (UTF-8 bytes), N (numeric) or
 * B (unsigned bytes). Sets *comparable = 0 (and returns 0) when the types
 * differ or are not S/N/B; else *comparable = 1. */
int dynamo_value_compare(const cJSON *a, const cJSON *b, int *comparable);

/* Size in bytes as DynamoDB counts it (SPEC AWS-quota "Item size": UTF-8
 * name lengths plus value sizes; numbers ~ 1 byte per 2 significant digits
 * + 1; B counts decoded bytes; M/L add 3 bytes plus 1 per element). */
size_t dynamo_value_size(const cJSON *av);
size_t dynamo_item_size(const cJSON *item);

#endif
