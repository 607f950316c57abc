/*
 * dynamo_members.c - the member constraints of the item operations,
 * checked together: every violation of one request goes into one
 * ValidationException, in the order DynamoDB lists them.
 *
 * SPEC docs/spec/dynamodb.md 2.25: the service model's constraints (enums,
 * TableName's and IndexName's pattern and lengths, Limit >= 1, Segment,
 * TotalSegments, a non-empty AttributesToGet, required members as "Value
 * null at '<member>' ... Member must not be null"), members named as the
 * service model names them with a lower-case first letter, at most 10
 * listed, in each operation's order (the rule tables below); a bad
 * TableName is reported first and alone.
 * A member of the wrong JSON type is a SerializationException, found before
 * any constraint.
 *
 * Threading: pure; the rule tables are constant.
 */
#include <stdio.h>
#include <string.h>

#include "dynamo_int.h"

#define MAX_LISTED 10

enum rule_kind {
  R_ENUM,         /* a string in `set` */
  R_NAME,         /* a table or index name: pattern, 3..255 */
  R_NOT_NULL,     /* an object that must be present */
  R_INT,          /* an integer in lo..hi */
  R_LIST_MIN1,    /* a list of at least one member */
  R_TABLE_NAME,   /* R_NAME, and present */
  R_INT_UNECHOED, /* R_INT, reported without the value */
};

struct rule {
  const char *name;   /* the JSON member */
  const char *member; /* as violations name it */
  enum rule_kind kind;
  const char *set; /* R_ENUM: the value set, as printed */
  long lo, hi;     /* R_INT */
};

#define RCC \
  { "ReturnConsumedCapacity", "returnConsumedCapacity", R_ENUM, "INDEXES, TOTAL, NONE", 0, 0 }
#define RICM \
  { "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", R_ENUM, "SIZE, NONE", 0, 0 }
#define RV                                                                                         \
  {                                                                                                \
    "ReturnValues", "returnValues", R_ENUM, "ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW", 0, \
        0                                                                                          \
  }
#define TABLE \
  { "TableName", "tableName", R_TABLE_NAME, NULL, 0, 0 }
#define COP \
  { "ConditionalOperator", "conditionalOperator", R_ENUM, "OR, AND", 0, 0 }
#define SELECT                                                                       \
  {                                                                                  \
    "Select", "select", R_ENUM,                                                      \
        "SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES", 0, 0 \
  }
#define INDEX \
  { "IndexName", "indexName", R_NAME, NULL, 0, 0 }
#define ATG \
  { "AttributesToGet", "attributesToGet", R_LIST_MIN1, NULL, 0, 0 }
#define LIMIT \
  { "Limit", "limit", R_INT, NULL, 1, 0 }

/* The orders DynamoDB lists the members in (DYN-test, each operation's
 * "should return ValidationException for incorrect attributes"). */
static const struct rule put_rules[] = {RCC, TABLE, {"Item", "item", R_NOT_NULL, NULL, 0, 0},
                                        COP, RV,    RICM};
static const struct rule update_rules[] = {
    RCC, TABLE, RICM, RV, {"Key", "key", R_NOT_NULL, NULL, 0, 0}, COP};
static const struct rule delete_rules[] = {
    RCC, TABLE, RV, RICM, {"Key", "key", R_NOT_NULL, NULL, 0, 0}, COP};
static const struct rule get_rules[] = {ATG, RCC, {"Key", "key", R_NOT_NULL, NULL, 0, 0}, TABLE};
/* SPEC docs/spec/dynamodb.md 2.25: Query's Limit reads "Value at 'Limit'",
 * without the value. */
static const struct rule query_rules[] = {
    SELECT, INDEX, RCC, TABLE, COP, ATG, {"Limit", "Limit", R_INT_UNECHOED, NULL, 1, 0}};
static const struct rule scan_rules[] = {
    SELECT,
    INDEX,
    {"TotalSegments", "totalSegments", R_INT, NULL, 1, 1000000},
    RCC,
    TABLE,
    COP,
    {"Segment", "segment", R_INT, NULL, 0, 999999},
    LIMIT,
    ATG};
#define REQUEST_ITEMS \
  { "RequestItems", "requestItems", R_NOT_NULL, NULL, 0, 0 }
static const struct rule batch_get_rules[] = {RCC, REQUEST_ITEMS};
static const struct rule batch_write_rules[] = {RCC, RICM, REQUEST_ITEMS};
/* DEVIATION: the transactions' order is not captured; the service model's
 * member order is used, and TransactItems' own constraints are checked
 * after these (dynamo_transact.c). */
static const struct rule transact_write_rules[] = {RCC, RICM};
static const struct rule transact_get_rules[] = {RCC};

struct rule_set {
  const char *op;
  const struct rule *rules;
  size_t n;
};

#define SET(op, r) \
  { op, r, sizeof(r) / sizeof(r[0]) }
static const struct rule_set sets[] = {
    SET("PutItem", put_rules),
    SET("UpdateItem", update_rules),
    SET("DeleteItem", delete_rules),
    SET("GetItem", get_rules),
    SET("Query", query_rules),
    SET("Scan", scan_rules),
    SET("BatchGetItem", batch_get_rules),
    SET("BatchWriteItem", batch_write_rules),
    SET("TransactWriteItems", transact_write_rules),
    SET("TransactGetItems", transact_get_rules),
};

/* Whether value is one of the ", "-separated words of set. */
static int in_set(const char *set, const char *value) {
  size_t n = strlen(value);
  const char *p = set;

  while (*p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && n > 0 && memcmp(p, value, n) == 0)
      return 1;
    if (!end)
      break;
    p = end + 2;
  }
  return 0;
}

const char *dynamo_members_arn_name(const char *value) {
  static const char service[] = "dynamodb";
  const char *p = value, *field[5];
  int i;

  if (strncmp(value, "arn:", 4) != 0)
    return NULL;
  /* arn:<partition>:dynamodb:<region>:<account>:table/<name> */
  for (i = 0; i < 5; i++) {
    if (!(p = strchr(p, ':')))
      return NULL;
    field[i] = ++p;
  }
  if (strncmp(field[1], service, sizeof(service) - 1) != 0 ||
      field[1][sizeof(service) - 1] != ':' || strncmp(field[4], "table/", 6) != 0 || !field[4][6] ||
      strchr(field[4] + 6, '/'))
    return NULL;
  return field[4] + 6;
}

void dynamo_members_name(const char *name, const char *member, struct dynamo_violations *bad) {
  size_t len = strlen(name), i;

  for (i = 0; i < len; i++) {
    char ch = name[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '.' || ch == '-'))
      break;
  }
  if (i < len)
    dynamo_violations_add(bad, name, 255, DYNAMO_NAME_PATTERN, "%s", member);
  if (len < 3)
    dynamo_violations_add(bad, name, -1, "Member must have length greater than or equal to 3", "%s",
                          member);
  if (len > 255)
    /* SPEC docs/spec/dynamodb.md 2.25: the whole value is echoed (as far
     * as the message's size allows). */
    dynamo_violations_add(bad, name, -1, "Member must have length less than or equal to 255", "%s",
                          member);
}

/* The JSON type of one member: a SerializationException when wrong. */
static int type_of(const cJSON *req, const struct rule *r, struct dynamo_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, r->name);
  const char *s;
  cJSON *o;

  switch (r->kind) {
  case R_ENUM:
  case R_NAME:
  case R_TABLE_NAME:
    return dynamo_req_string(req, r->name, &s, err);
  case R_NOT_NULL:
    return dynamo_req_object(req, r->name, &o, err);
  case R_INT:
  case R_INT_UNECHOED:
    if (v && !cJSON_IsNull(v) && !cJSON_IsNumber(v))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              "STRING_VALUE cannot be converted to Integer");
    return 0;
  case R_LIST_MIN1:
    if (v && !cJSON_IsNull(v) && !cJSON_IsArray(v))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
    return 0;
  }
  return 0;
}

static void check(const cJSON *req, const struct rule *r, struct dynamo_violations *bad) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, r->name);
  char text[64], constraint[300];
  int present = v && !cJSON_IsNull(v);

  switch (r->kind) {
  case R_ENUM:
    if (present && !in_set(r->set, v->valuestring)) {
      snprintf(constraint, sizeof(constraint), "Member must satisfy enum value set: [%s]", r->set);
      dynamo_violations_add(bad, v->valuestring, 255, constraint, "%s", r->member);
    }
    return;
  case R_TABLE_NAME:
    if (!present) {
      dynamo_violations_add(bad, NULL, -1, DYNAMO_NOT_NULL, "%s", r->member);
      return;
    }
    if (!v->valuestring[0]) {
      /* SPEC docs/spec/dynamodb.md 2.25: the item operations' TableName
       * (shape TableArn) is at least 1 character; an empty one gets only
       * that violation. */
      dynamo_violations_add(bad, "", -1, "Member must have length greater than or equal to 1", "%s",
                            r->member);
      return;
    }
    /* SPEC docs/spec/dynamodb.md 2.25: a table ARN stands for its name. */
    dynamo_members_name(dynamo_members_arn_name(v->valuestring)
                            ? dynamo_members_arn_name(v->valuestring)
                            : v->valuestring,
                        r->member, bad);
    return;
  case R_NAME:
    if (present)
      dynamo_members_name(v->valuestring, r->member, bad);
    return;
  case R_NOT_NULL:
    if (!present)
      dynamo_violations_add(bad, NULL, -1, DYNAMO_NOT_NULL, "%s", r->member);
    return;
  case R_INT:
  case R_INT_UNECHOED:
    if (!present)
      return;
    snprintf(text, sizeof(text), "%.0f", v->valuedouble);
    if (v->valuedouble < (double)r->lo) {
      snprintf(constraint, sizeof(constraint),
               "Member must have value greater than or equal to %ld", r->lo);
      dynamo_violations_add(bad, r->kind == R_INT ? text : dynamo_value_omitted, -1, constraint,
                            "%s", r->member);
    } else if (r->hi > 0 && v->valuedouble > (double)r->hi) {
      snprintf(constraint, sizeof(constraint), "Member must have value less than or equal to %ld",
               r->hi);
      dynamo_violations_add(bad, r->kind == R_INT ? text : dynamo_value_omitted, -1, constraint,
                            "%s", r->member);
    }
    return;
  case R_LIST_MIN1:
    if (present && cJSON_GetArraySize(v) == 0)
      dynamo_violations_add(bad, "[]", -1, "Member must have length greater than or equal to 1",
                            "%s", r->member);
    return;
  }
}

int dynamo_members_check(const char *op, const cJSON *req, struct dynamo_error *err) {
  struct dynamo_violations bad;
  const struct rule_set *rs = NULL;
  size_t i;

  for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
    if (strcmp(sets[i].op, op) == 0)
      rs = &sets[i];
  if (!rs)
    return 0;
  for (i = 0; i < rs->n; i++)
    if (type_of(req, &rs->rules[i], err) != 0)
      return -1;
  /* SPEC docs/spec/dynamodb.md 2.25: TableName first, reported alone. */
  dynamo_violations_init(&bad);
  for (i = 0; i < rs->n; i++)
    if (rs->rules[i].kind == R_TABLE_NAME)
      check(req, &rs->rules[i], &bad);
  if (bad.count)
    return dynamo_violations_finish(&bad, err);
  for (i = 0; i < rs->n && bad.count < MAX_LISTED; i++)
    if (rs->rules[i].kind != R_TABLE_NAME)
      check(req, &rs->rules[i], &bad);
  return dynamo_violations_finish(&bad, err);
}
