/*
 * dynamo_select.c - Query's and Scan's Select parameter against the
 * projection (ProjectionExpression or legacy AttributesToGet) and IndexName.
 *
 * SPEC docs/spec/dynamodb.md 2.23: a projection goes only with
 * SPECIFIC_ATTRIBUTES (or no Select), SPECIFIC_ATTRIBUTES needs one, and
 * ALL_PROJECTED_ATTRIBUTES needs an IndexName; Query's messages carry the
 * "1 validation error detected: " prefix, Scan's do not.
 * Threading: pure.
 */
#include <string.h>

#include "dynamo_int.h"

int dynamo_select_check(const char *select, enum dynamo_select_source projection, int has_index,
                        int is_query, int *count_only, struct dynamo_error *err) {
  const char *prefix = is_query ? "1 validation error detected: " : "";
  const char *chosen = NULL;

  *count_only = 0;
  if (!select)
    return 0;
  if (strcmp(select, "ALL_ATTRIBUTES") == 0)
    chosen = "ALL_ATTRIBUTES";
  else if (strcmp(select, "ALL_PROJECTED_ATTRIBUTES") == 0)
    chosen = "ALL_PROJECTED_ATTRIBUTES";
  else if (strcmp(select, "COUNT") == 0)
    chosen = "only the Count";
  else if (strcmp(select, "SPECIFIC_ATTRIBUTES") != 0)
    return dynamo_error_violation(err, select, 64, DYNAMO_SELECT_ENUM, "select");
  if (chosen && projection != DYNAMO_SELECT_NO_PROJECTION)
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION, "%sCannot specify the %s when choosing to get %s", prefix,
        projection == DYNAMO_SELECT_ATTRIBUTES_TO_GET ? "AttributesToGet" : "ProjectionExpression",
        chosen);
  if (!chosen && projection == DYNAMO_SELECT_NO_PROJECTION)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "%sMust specify the AttributesToGet or ProjectionExpression when "
                            "choosing to get SPECIFIC_ATTRIBUTES",
                            prefix);
  if (strcmp(select, "ALL_PROJECTED_ATTRIBUTES") == 0 && !has_index)
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "%sALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName", prefix);
  *count_only = strcmp(select, "COUNT") == 0;
  return 0;
}
