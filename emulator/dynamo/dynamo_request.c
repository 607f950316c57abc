/*
 * dynamo_request.c - typed getters for request members with DynamoDB's
 * errors: wrong JSON types are SerializationExceptions with the Java-flavoured
 * texts DynamoDB sends (SPEC docs/spec/dynamodb.md 2.1: "NUMBER_VALUE cannot be
 * converted to String", "Start of structure or map found where not
 * expected"), missing required members a ValidationException.
 * Also the ConsumedCapacity shape. Threading: pure.
 */
#include <stdio.h>
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_value.h"

static int wrong_type(const cJSON *v, const char *want, struct dynamo_error *err) {
  if (cJSON_IsObject(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of structure or map found where not expected.");
  if (cJSON_IsArray(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of list found where not expected");
  if (cJSON_IsNumber(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "NUMBER_VALUE cannot be converted to %s",
                            want);
  if (cJSON_IsTrue(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "TRUE_VALUE cannot be converted to %s",
                            want);
  if (cJSON_IsFalse(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "FALSE_VALUE cannot be converted to %s",
                            want);
  return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
}

int dynamo_req_string(const cJSON *req, const char *name, const char **out,
                      struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);

  *out = NULL;
  if (!v || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsString(v))
    return wrong_type(v, "String", err);
  *out = v->valuestring;
  return 0;
}

int dynamo_req_object(const cJSON *req, const char *name, cJSON **out, struct dynamo_error *err) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);

  *out = NULL;
  if (!v || cJSON_IsNull(v))
    return 0;
  if (cJSON_IsString(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  if (!cJSON_IsObject(v))
    return wrong_type(v, "Structure", err);
  *out = v;
  return 0;
}

int dynamo_req_bool(const cJSON *req, const char *name, int *out, struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);

  *out = 0;
  if (!v || cJSON_IsNull(v))
    return 0;
  if (cJSON_IsString(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected token received from parser");
  if (!cJSON_IsBool(v))
    return wrong_type(v, "Boolean", err);
  *out = cJSON_IsTrue(v);
  return 0;
}

int dynamo_req_int(const cJSON *req, const char *name, const char *member, int lo, int hi, int *out,
                   int *present, struct dynamo_violations *bad, struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);
  double top = hi > 0 ? hi : (double)(1 << 30);
  char value[64], constraint[64];

  if (present)
    *present = 0;
  if (!v || cJSON_IsNull(v))
    return 0;
  if (!cJSON_IsNumber(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "STRING_VALUE cannot be converted to Integer");
  if (v->valuedouble < lo || (hi > 0 && v->valuedouble > hi)) {
    /* SPEC docs/spec/dynamodb.md 2.4: a constraint violation names the
     * member, its value and the bound. */
    snprintf(value, sizeof(value), "%.0f", v->valuedouble);
    snprintf(constraint, sizeof(constraint), "Member must have value %s %d",
             v->valuedouble < lo ? "greater than or equal to" : "less than or equal to",
             v->valuedouble < lo ? lo : hi);
    if (!bad)
      return dynamo_error_violation(err, value, -1, constraint, "%s", member);
    dynamo_violations_add(bad, value, -1, constraint, "%s", member);
    return 0;
  }
  *out = v->valuedouble > top ? (int)top : (int)v->valuedouble;
  if (present)
    *present = 1;
  return 0;
}

int dynamo_req_table_name(const cJSON *req, const char **out, struct dynamo_error *err) {
  struct dynamo_violations bad;
  const char *name;

  if (dynamo_req_string(req, "TableName", &name, err) != 0)
    return -1;
  if (!name)
    /* SPEC docs/spec/dynamodb.md 2.4: "The parameter 'TableName' is required but was
     * not present in the request". */
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "The parameter 'TableName' is required but was not present in the request");
  /* SPEC docs/spec/dynamodb.md 2.25: a table's ARN may stand for its name.
   * DEVIATION: the ARN's region and account are not compared with the
   * emulator's; the name inside names a local table. */
  if (dynamo_members_arn_name(name))
    name = dynamo_members_arn_name(name);
  /* SPEC docs/spec/dynamodb.md 2.6: table names 3..255 chars [a-zA-Z0-9_.-]+; the
   * aggregated constraint message of 2.4. */
  dynamo_violations_init(&bad);
  dynamo_members_name(name, "tableName", &bad);
  if (dynamo_violations_finish(&bad, err) != 0)
    return -1;
  *out = name;
  return 0;
}

int dynamo_wants_capacity(const cJSON *req) {
  const cJSON *rcc = cJSON_GetObjectItemCaseSensitive(req, "ReturnConsumedCapacity");

  return cJSON_IsString(rcc) && strcmp(rcc->valuestring, "NONE") != 0;
}

cJSON *dynamo_consumed_capacity(const cJSON *req, const char *table, double units) {
  const cJSON *rcc = cJSON_GetObjectItemCaseSensitive(req, "ReturnConsumedCapacity");
  cJSON *cc;

  if (!cJSON_IsString(rcc) || strcmp(rcc->valuestring, "NONE") == 0)
    return NULL;
  cc = cJSON_CreateObject();
  cJSON_AddStringToObject(cc, "TableName", table);
  cJSON_AddNumberToObject(cc, "CapacityUnits", units);
  if (strcmp(rcc->valuestring, "INDEXES") == 0) {
    cJSON *t = cJSON_AddObjectToObject(cc, "Table");
    cJSON_AddNumberToObject(t, "CapacityUnits", units);
  }
  return cc;
}

/* ---- Expressions ---------------------------------------------------------- */

static const char *const kind_members[5] = {
    "ConditionExpression",  "FilterExpression", "KeyConditionExpression",
    "ProjectionExpression", "UpdateExpression",
};

static int check_placeholder_map(const cJSON *map, const char *member, char lead,
                                 struct dynamo_error *err) {
  const cJSON *it;

  if (cJSON_GetArraySize(map) == 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s must not be empty", member);
  cJSON_ArrayForEach(it, map) {
    if (it->string[0] != lead || it->string[1] == '\0')
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "%s contains invalid key: Syntax error; key: \"%.255s\"", member,
                              it->string);
    if (lead == '#' && !cJSON_IsString(it))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              "Start of structure or map found where not expected.");
    if (lead == '#' && it->valuestring[0] == '\0')
      /* DynamoDB's text, as applications match it (not in the spec file):
       * "ExpressionAttributeNames contains invalid value: Empty attribute
       * name for key #DE". */
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "%s contains invalid value: Empty attribute name for key %.255s",
                              member, it->string);
  }
  return 0;
}

int dynamo_exprs_prepare(cJSON *req, unsigned kinds, struct dynamo_exprs *x,
                         struct dynamo_error *err) {
  cJSON *names, *values;
  const char *text[5] = {NULL, NULL, NULL, NULL, NULL};
  int k, any = 0, any_values = 0;

  memset(x, 0, sizeof(*x));
  if (dynamo_req_object(req, "ExpressionAttributeNames", &names, err) != 0 ||
      dynamo_req_object(req, "ExpressionAttributeValues", &values, err) != 0)
    return -1;
  for (k = 0; k < 5; k++) {
    if (!(kinds & DYNAMO_KIND(k)))
      continue;
    if (dynamo_req_string(req, kind_members[k], &text[k], err) != 0)
      return -1;
    if (text[k]) {
      any = 1;
      if (k != DYNAMO_EXPR_PROJECTION)
        any_values = 1;
    }
  }
  if (names && check_placeholder_map(names, "ExpressionAttributeNames", '#', err) != 0)
    return -1;
  if (values && check_placeholder_map(values, "ExpressionAttributeValues", ':', err) != 0)
    return -1;
  if (names && !any)
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "ExpressionAttributeNames can only be specified when using expressions");
  /* An operation whose only expression is a projection reports values as
   * unused (below); the others say which expressions are missing. */
  if (values && !any_values && (kinds & ~DYNAMO_KIND(DYNAMO_EXPR_PROJECTION))) {
    /* SPEC docs/spec/dynamodb.md 2.4: "ExpressionAttributeValues can only be specified
     * when using expressions: ConditionExpression is null". */
    /* dynalite's (DynamoDB's) order: Update, KeyCondition, Condition, Filter. */
    static const int order[4] = {DYNAMO_EXPR_UPDATE, DYNAMO_EXPR_KEY_CONDITION,
                                 DYNAMO_EXPR_CONDITION, DYNAMO_EXPR_FILTER};
    char null_list[160] = "";
    size_t used = 0;
    int listed = 0, o;
    for (o = 0; o < 4; o++) {
      int n;
      if (!(kinds & DYNAMO_KIND(order[o])))
        continue;
      n = snprintf(null_list + used, sizeof(null_list) - used, "%s%s", listed ? " and " : "",
                   kind_members[order[o]]);
      if (n > 0 && (size_t)n < sizeof(null_list) - used)
        used += (size_t)n;
      listed++;
    }
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "ExpressionAttributeValues can only be specified when using "
                            "expressions: %s %s null",
                            null_list, listed > 1 ? "are" : "is");
  }
  if (values && dynamo_value_validate_map(values, err) != 0)
    return -1;
  dynamo_expr_env_init(&x->env, names, values);
  for (k = 0; k < 5; k++) {
    if (!text[k])
      continue;
    x->e[k] = dynamo_expr_parse((enum dynamo_expr_kind)k, text[k], &x->env, err);
    if (!x->e[k]) {
      dynamo_exprs_free(x);
      return -1;
    }
  }
  if (dynamo_expr_env_check_unused(&x->env, err) != 0) {
    dynamo_exprs_free(x);
    return -1;
  }
  return 0;
}

void dynamo_exprs_free(struct dynamo_exprs *x) {
  int k;

  for (k = 0; k < 5; k++) {
    dynamo_expr_free(x->e[k]);
    x->e[k] = NULL;
  }
  dynamo_expr_env_free(&x->env);
}
