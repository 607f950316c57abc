/*
 * dynamo_legacy.h - DynamoDB's legacy (pre-expression) parameters, turned
 * into expressions so that one evaluator serves both:
 *
 *   Expected + ConditionalOperator   -> ConditionExpression
 *   AttributesToGet                  -> ProjectionExpression
 *   AttributeUpdates                 -> UpdateExpression
 *   ScanFilter / QueryFilter + ConditionalOperator -> FilterExpression
 *   KeyConditions                    -> KeyConditionExpression
 *
 * The request is rewritten in place: the legacy members are removed and the
 * expression members added, with generated placeholders (#lgN, :lgN) added
 * to ExpressionAttributeNames/Values. Mixing legacy and expression
 * parameters is refused with DynamoDB's message ("Can not use both
 * expression and non-expression parameters in the same request:
 * Non-expression parameters: {Expected} Expression parameters:
 * {ConditionExpression}"), as are malformed legacy parameters (AWS's
 * messages, e.g. for an operator with the wrong number of values).
 *
 * Threading: pure; the request tree belongs to the caller.
 */
#ifndef DYNAMO_LEGACY_H
#define DYNAMO_LEGACY_H

#include <cjson/cJSON.h>

#include "dynamo_errors.h"

enum dynamo_legacy_op {
  DYNAMO_LEGACY_PUT,    /* Expected, ConditionalOperator */
  DYNAMO_LEGACY_DELETE, /* Expected, ConditionalOperator */
  DYNAMO_LEGACY_UPDATE, /* Expected, ConditionalOperator, AttributeUpdates */
  DYNAMO_LEGACY_GET,    /* AttributesToGet */
  DYNAMO_LEGACY_SCAN,   /* AttributesToGet, ScanFilter, ConditionalOperator */
  DYNAMO_LEGACY_QUERY,  /* AttributesToGet, KeyConditions, QueryFilter, ConditionalOperator */
};

/* Rewrites req's legacy parameters for op. Returns 0 (also when there were
 * none), or -1 with err set. */
int dynamo_legacy_translate(cJSON *req, enum dynamo_legacy_op op, struct dynamo_error *err);

#endif
