/*
 * dynamo_legacy.c - DynamoDB's legacy (pre-expression) request parameters,
 * rewritten into expressions (contract: dynamo_legacy.h):
 *
 *   Expected (+ ConditionalOperator)             -> ConditionExpression
 *   ScanFilter / QueryFilter (+ ConditionalOperator) -> FilterExpression
 *   KeyConditions                                -> KeyConditionExpression
 *   AttributesToGet                              -> ProjectionExpression
 *   AttributeUpdates                             -> UpdateExpression
 *
 * Every attribute name and value goes through a generated placeholder
 * (#lgN, :lgN; a number already used by the request is skipped), so any
 * name works, reserved words included. Translations (semantics from the
 * developer guide's "Legacy conditional parameters" pages, live behaviour
 * recorded by Alternator's test_expected.py / test_update_item.py and the
 * AWS DAX client's own legacy-to-expression converter):
 *   EQ/NE/LE/LT/GE/GT  -> = <> <= < >= >   (NE is true for an absent
 *                         attribute, as '<>' is)
 *   NOT_NULL / NULL    -> attribute_exists() / attribute_not_exists()
 *   CONTAINS           -> contains()
 *   NOT_CONTAINS       -> attribute_exists() AND NOT contains()  (false for
 *                         an absent attribute, unlike NE)
 *   BEGINS_WITH, IN, BETWEEN -> begins_with(), IN (...), BETWEEN
 *   Value / Exists     -> '=' / attribute_not_exists()
 *   PUT -> SET, DELETE -> REMOVE (no Value) or DELETE (set Value),
 *   ADD -> ADD (number, set) or SET list_append(if_not_exists(a, []), v)
 *   (list Value: ADD appends to a list, an absent one counting as empty).
 *
 * Order of checks (DynamoDB validates before touching the table; the order
 * follows dynalite's validations/<op>.js, DYN-db): request shape (wrong JSON
 * types: SerializationException), member constraints ("1 validation error
 * detected: ..."), mixing of legacy and expression parameters, placeholder
 * maps without expressions, then per operation the legacy members'
 * contents. Only then is anything rewritten, so on an error the request is
 * unchanged except for AttributeValues normalised in place.
 *
 * Bounds: at most DYNAMO_LEGACY_MAX_ENTRIES entries per legacy map and
 * DYNAMO_EXPR_MAX_TEXT bytes per generated expression, so a hostile
 * request cannot make the rewrite allocate without limit.
 * Ownership: the request tree is the caller's; values are copied into
 * ExpressionAttributeValues (cJSON_Duplicate), names into
 * ExpressionAttributeNames (created when absent).
 * Threading: pure; no shared state.
 */
#include <stdio.h>
#include <string.h>

#include "dynamo_expr.h"
#include "dynamo_int.h"
#include "dynamo_legacy.h"
#include "dynamo_value.h"
#include "emu_buf.h"

/* DEVIATION: DynamoDB documents no limit on legacy maps; 100 entries keep
 * the generated expressions within the 4 KB expression quota. */
#define DYNAMO_LEGACY_MAX_ENTRIES 100
/* SPEC API_Query/API_Scan: AttributesToGet "Array Members: Minimum number
 * of 1 item" (dynalite: lengthLessThanOrEqual 255). */
#define DYNAMO_LEGACY_MAX_ATTRS 255

#define INVALID "One or more parameter values were invalid: "

/* ------------------------------------------------------------ per operation */

struct op_spec {
  const char *legacy[5]; /* legacy members, in the order DynamoDB lists them */
  const char *exprs[4];  /* expression members of the same roles, ditto */
};

/* DYN-db validations/{putItem,deleteItem,updateItem,getItem,scan,query}.js
 * validateExpressionParams(data, expressions, nonExpressions).
 * DEVIATION: dynalite lists no ConditionalOperator for the write
 * operations; DynamoDB's DAX client counts it as a non-expression
 * parameter there too, so it is listed last (unverified wording/order). */
static const struct op_spec specs[] = {
    [DYNAMO_LEGACY_PUT] = {{"Expected", "ConditionalOperator"}, {"ConditionExpression"}},
    [DYNAMO_LEGACY_DELETE] = {{"Expected", "ConditionalOperator"}, {"ConditionExpression"}},
    [DYNAMO_LEGACY_UPDATE] = {{"AttributeUpdates", "Expected", "ConditionalOperator"},
                              {"UpdateExpression", "ConditionExpression"}},
    [DYNAMO_LEGACY_GET] = {{"AttributesToGet"}, {"ProjectionExpression"}},
    [DYNAMO_LEGACY_SCAN] = {{"AttributesToGet", "ScanFilter", "ConditionalOperator"},
                            {"ProjectionExpression", "FilterExpression"}},
    [DYNAMO_LEGACY_QUERY] = {{"AttributesToGet", "QueryFilter", "ConditionalOperator",
                              "KeyConditions"},
                             {"ProjectionExpression", "FilterExpression",
                              "KeyConditionExpression"}},
};

static const cJSON *member(const cJSON *obj, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

  return (v && !cJSON_IsNull(v)) ? v : NULL;
}

/* -------------------------------------------------------- comparison operators */

enum cmp {
  // clang-format off
  OP_EQ, OP_NE, OP_LE, OP_LT, OP_GE, OP_GT, OP_NOT_NULL, OP_NULL, OP_CONTAINS,
  OP_NOT_CONTAINS, OP_BEGINS_WITH, OP_IN, OP_BETWEEN, OP_COUNT
  // clang-format on
};

#define T(x) (1u << (x))
#define T_ALL 0xffffu
#define T_SNB (T(DYNAMO_T_S) | T(DYNAMO_T_N) | T(DYNAMO_T_B))

/* SPEC API_Condition "ComparisonOperator": how many AttributeValueList
 * entries each operator takes and of which types. Types checked against
 * DynamoDB by dynalite's tests (DYN-test query.js/scan.js: LT/LE/GT/GE/IN
 * refuse BOOL, NULL, SS, NS, BS, M, L; CONTAINS/NOT_CONTAINS refuse SS,
 * NS, BS, M, L) and Alternator (BEGINS_WITH refuses N).
 * DEVIATION: EQ/NE accept every type ("EQ is supported for all data types,
 * including lists and maps"; the DAX client does not check them either);
 * dynalite refuses BOOL/NULL/M/L there. Unverified against DynamoDB. */
static const struct {
  const char *name;
  int nargs; /* -1: one or more */
  unsigned types;
  const char *infix; /* comparison operators */
} ops[OP_COUNT] = {
    [OP_EQ] = {"EQ", 1, T_ALL, "="},
    [OP_NE] = {"NE", 1, T_ALL, "<>"},
    [OP_LE] = {"LE", 1, T_SNB, "<="},
    [OP_LT] = {"LT", 1, T_SNB, "<"},
    [OP_GE] = {"GE", 1, T_SNB, ">="},
    [OP_GT] = {"GT", 1, T_SNB, ">"},
    [OP_NOT_NULL] = {"NOT_NULL", 0, T_ALL, NULL},
    [OP_NULL] = {"NULL", 0, T_ALL, NULL},
    [OP_CONTAINS] = {"CONTAINS", 1, T_SNB | T(DYNAMO_T_BOOL) | T(DYNAMO_T_NULL), NULL},
    [OP_NOT_CONTAINS] = {"NOT_CONTAINS", 1, T_SNB | T(DYNAMO_T_BOOL) | T(DYNAMO_T_NULL), NULL},
    [OP_BEGINS_WITH] = {"BEGINS_WITH", 1, T(DYNAMO_T_S) | T(DYNAMO_T_B), NULL},
    [OP_IN] = {"IN", -1, T_SNB, NULL},
    [OP_BETWEEN] = {"BETWEEN", 2, T_SNB, NULL},
};

/* The enum as DynamoDB's constraint message lists it (DYN-db types). */
#define CMP_ENUM                                                                                     \
  "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, " \
  "LE, BEGINS_WITH, GE, CONTAINS]"

static int cmp_lookup(const char *name) {
  int i;

  for (i = 0; i < OP_COUNT; i++)
    if (strcmp(ops[i].name, name) == 0)
      return i;
  return -1;
}

/* "expected" from "Expected": the member path DynamoDB's constraint
 * messages use (lower-case first letter). */
static void lower_first(const char *in, char *out, size_t cap) {
  snprintf(out, cap, "%s", in);
  if (out[0] >= 'A' && out[0] <= 'Z')
    out[0] = (char)(out[0] - 'A' + 'a');
}

/* ------------------------------------------------------------- shape checks */

/* A legacy map member (Expected, ScanFilter, ...): absent/null -> *out NULL.
 * dynamo_req_object gives DynamoDB's SerializationException texts. */
static int get_map(const cJSON *obj, const char *name, const cJSON **out,
                   struct dynamo_error *err) {
  cJSON *m;

  if (dynamo_req_object(obj, name, &m, err) != 0)
    return -1;
  *out = m;
  return 0;
}

/* A list member (AttributesToGet, AttributeValueList). */
static int get_list(const cJSON *obj, const char *name, const cJSON **out,
                    struct dynamo_error *err) {
  const cJSON *v = member(obj, name);

  *out = NULL;
  if (!v)
    return 0;
  if (cJSON_IsObject(v))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of structure or map found where not expected.");
  if (!cJSON_IsArray(v))
    /* DEVIATION: unverified wording for a scalar where a list belongs. */
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
  *out = v;
  return 0;
}

/* One entry of a legacy map: an object, or null (skipped, as DynamoDB
 * does: the DAX client's converter records "Move ahead If update entry is
 * null. DynamoDB's behavior."). */
static int entry_shape(const cJSON *e, struct dynamo_error *err) {
  if (cJSON_IsNull(e) || cJSON_IsObject(e))
    return 0;
  if (cJSON_IsArray(e))
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Start of list found where not expected");
  /* DEVIATION: unverified wording for a scalar where a structure belongs
   * (dynamo_req_object's text for a string). */
  return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Unexpected value type in payload");
}

static int too_many(const char *map, struct dynamo_error *err) {
  /* DEVIATION: invented wording; DynamoDB documents no such limit. */
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          INVALID "Too many entries in %s; at most %d are supported", map,
                          DYNAMO_LEGACY_MAX_ENTRIES);
}

/* Shape and constraint checks of a condition map (Expected, ScanFilter,
 * QueryFilter, KeyConditions). op_required: ComparisonOperator must be
 * present (Condition type; optional in ExpectedAttributeValue). */
static int check_condition_map_shape(const cJSON *map, const char *mname, int op_required,
                                     struct dynamo_error *err) {
  const cJSON *e, *list;
  const char *op;
  char path[64];
  int n = 0, exists;

  lower_first(mname, path, sizeof(path));
  cJSON_ArrayForEach(e, map) {
    if (++n > DYNAMO_LEGACY_MAX_ENTRIES)
      return too_many(mname, err);
    if (entry_shape(e, err) != 0)
      return -1;
    if (dynamo_value_check_name(e->string, err) != 0)
      return -1;
    if (cJSON_IsNull(e))
      continue;
    if (dynamo_req_string(e, "ComparisonOperator", &op, err) != 0 ||
        get_list(e, "AttributeValueList", &list, err) != 0)
      return -1;
    if (!op_required && dynamo_req_bool(e, "Exists", &exists, err) != 0)
      return -1;
    if (!op && op_required)
      /* DYN-db query.js/scan.js: ComparisonOperator "notNull".
       * DEVIATION: the member path format follows dynalite; unverified. */
      return dynamo_error_null(err, "%s.%.255s.member.comparisonOperator", path, e->string);
    if (op && cmp_lookup(op) < 0)
      return dynamo_error_violation(err, op, 255, CMP_ENUM, "%s.%.255s.member.comparisonOperator",
                                    path, e->string);
  }
  return 0;
}

/* --------------------------------------------------- condition validation */

/* Checks one operator's values: each a valid AttributeValue (normalised in
 * place), the right count, one type, a type the operator takes, and for
 * BETWEEN a non-empty range. vals holds n values. */
static int check_operator(int op, cJSON *const *vals, int n, struct dynamo_error *err) {
  enum dynamo_type t0 = DYNAMO_T_INVALID;
  int i, comparable = 0;

  for (i = 0; i < n; i++)
    if (dynamo_value_validate(vals[i], 1, err) != 0)
      return -1;
  if (ops[op].nargs >= 0 ? n != ops[op].nargs : n < 1)
    /* SPEC API_Condition: "AttributeValueList can contain only one
     * AttributeValue element" (two for BETWEEN, none for NULL/NOT_NULL). */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID "Invalid number of argument(s) for the %s ComparisonOperator",
                            ops[op].name);
  for (i = 0; i < n; i++) {
    enum dynamo_type t = dynamo_value_type(vals[i], NULL);
    if (i == 0)
      t0 = t;
    else if (t != t0)
      /* Alternator test_update_expected_1_in: mixed types are refused. */
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              INVALID
                              "AttributeValues inside AttributeValueList must be of same type");
  }
  for (i = 0; i < n; i++) {
    enum dynamo_type t = dynamo_value_type(vals[i], NULL);
    if (!(ops[op].types & T(t)))
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              INVALID
                              "ComparisonOperator %s is not valid for %s AttributeValue type",
                              ops[op].name, dynamo_type_tag(t));
  }
  if (op == OP_BETWEEN && dynamo_value_compare(vals[0], vals[1], &comparable) > 0 && comparable)
    /* Alternator test_update_expected_1_between: [4, 3] is refused. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The BETWEEN condition was provided a range where the lower bound "
                            "is greater than the upper bound");
  return 0;
}

/* The values of a condition: the AttributeValueList members, or the single
 * Value of an Expected entry. At most max are stored; *n counts all. */
static int condition_values(const cJSON *cond, int expected, cJSON **vals, int max, int *n,
                            struct dynamo_error *err) {
  const cJSON *list, *v;
  cJSON *it;

  *n = 0;
  if (get_list(cond, "AttributeValueList", &list, err) != 0)
    return -1;
  if (list) {
    cJSON_ArrayForEach(it, list) {
      if (*n >= max)
        return too_many("AttributeValueList", err);
      vals[(*n)++] = it;
    }
  } else if (expected && (v = member(cond, "Value")) != NULL) {
    vals[(*n)++] = (cJSON *)v;
  }
  return 0;
}

/* Validates one entry of a Condition map (ScanFilter, QueryFilter,
 * KeyConditions). DYN-db validations/index.js validateConditions. */
static int check_filter_entry(const cJSON *cond, struct dynamo_error *err) {
  cJSON *vals[DYNAMO_LEGACY_MAX_ENTRIES];
  const char *opname;
  int n = 0;

  if (dynamo_req_string(cond, "ComparisonOperator", &opname, err) != 0 ||
      condition_values(cond, 0, vals, DYNAMO_LEGACY_MAX_ENTRIES, &n, err) != 0)
    return -1;
  return check_operator(cmp_lookup(opname), vals, n, err);
}

/* Validates one Expected entry. DYN-db validations/index.js
 * validateAttributeConditions; messages confirmed by Alternator
 * test_expected.py (ValidationException in each case) and the DAX client. */
static int check_expected_entry(const char *attr, const cJSON *cond, struct dynamo_error *err) {
  cJSON *vals[DYNAMO_LEGACY_MAX_ENTRIES];
  const char *opname;
  int has_list = member(cond, "AttributeValueList") != NULL;
  int has_value = member(cond, "Value") != NULL;
  int has_exists = member(cond, "Exists") != NULL;
  int exists = 1, op, n;

  if (dynamo_req_string(cond, "ComparisonOperator", &opname, err) != 0 ||
      dynamo_req_bool(cond, "Exists", &exists, err) != 0)
    return -1;
  if (!has_exists)
    exists = 1;
  if (has_list && has_value)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID "Value and AttributeValueList cannot be used together for "
                                    "Attribute: %.255s",
                            attr);
  if (opname) {
    op = cmp_lookup(opname);
    if (has_exists)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              INVALID "Exists and ComparisonOperator cannot be used together for "
                                      "Attribute: %.255s",
                              attr);
    if (op != OP_NULL && op != OP_NOT_NULL && !has_list && !has_value)
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              INVALID "Value or AttributeValueList must be used with "
                                      "ComparisonOperator: %s for Attribute: %.255s",
                              opname, attr);
    if (condition_values(cond, 1, vals, DYNAMO_LEGACY_MAX_ENTRIES, &n, err) != 0)
      return -1;
    return check_operator(op, vals, n, err);
  }
  if (has_list)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID "AttributeValueList can only be used with a ComparisonOperator "
                                    "for Attribute: %.255s",
                            attr);
  if (exists && !has_value)
    /* Alternator test_update_expected_1_exists_true: Exists true alone is a
     * ValidationException; "null" when Exists is absent (DYN-db). */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID
                            "Value must be provided when Exists is %s for Attribute: %.255s",
                            has_exists ? "true" : "null", attr);
  if (!exists && has_value)
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        INVALID "Value cannot be used when Exists is false for Attribute: %.255s", attr);
  if (has_value)
    return dynamo_value_validate(cJSON_GetObjectItemCaseSensitive(cond, "Value"), 1, err);
  return 0;
}

static int count_entries(const cJSON *map) {
  const cJSON *e;
  int n = 0;

  cJSON_ArrayForEach(e, map)
    if (!cJSON_IsNull(e))
      n++;
  return n;
}

/* SPEC LegacyConditionalParameters.ConditionalOperator: "A logical operator
 * to apply to the conditions in a ... map". The messages: with the map
 * absent or empty the DAX client's validator ("cannot be used without");
 * with one entry, DynamoDB's answer recorded live for a one-entry
 * ScanFilter ("two or more elements"). */
static int check_conditional_operator(const cJSON *map, struct dynamo_error *err) {
  if (!map || count_entries(map) == 0)
    /* DEVIATION: unverified wording (DAX client's validator); Alternator
     * test_update_expected_empty only shows a ValidationException naming
     * ConditionalOperator. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "ConditionalOperator cannot be used without Filter or Expected");
  if (count_entries(map) < 2)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "ConditionalOperator can only be used when Filter or Expected has "
                            "two or more elements");
  return 0;
}

/* ------------------------------------------------------- AttributeUpdates */

#define ACTION_ENUM "Member must satisfy enum value set: [ADD, PUT, DELETE]"

static int check_updates_shape(const cJSON *map, struct dynamo_error *err) {
  const cJSON *e;
  const char *action;
  int n = 0;

  cJSON_ArrayForEach(e, map) {
    if (++n > DYNAMO_LEGACY_MAX_ENTRIES)
      return too_many("AttributeUpdates", err);
    if (entry_shape(e, err) != 0)
      return -1;
    if (dynamo_value_check_name(e->string, err) != 0)
      return -1;
    if (cJSON_IsNull(e))
      continue;
    if (dynamo_req_string(e, "Action", &action, err) != 0)
      return -1;
    if (action && strcmp(action, "ADD") != 0 && strcmp(action, "PUT") != 0 &&
        strcmp(action, "DELETE") != 0)
      /* DEVIATION: unverified wording; the AttributeAction enum as the
       * API reference lists it (ADD | PUT | DELETE). */
      return dynamo_error_violation(err, action, 255, ACTION_ENUM,
                                    "attributeUpdates.%.255s.member.action", e->string);
  }
  return 0;
}

/* DYN-db validations/updateItem.js (AttributeUpdates checks); Alternator
 * test_update_item.py confirms ADD on a list appends and ADD/DELETE refuse
 * other types with a ValidationException naming the type. */
static int check_update_entry(const cJSON *u, struct dynamo_error *err) {
  cJSON *v = cJSON_GetObjectItemCaseSensitive(u, "Value");
  const char *action;
  enum dynamo_type t;

  if (dynamo_req_string(u, "Action", &action, err) != 0)
    return -1;
  if (!action)
    action = "PUT"; /* SPEC AttributeValueUpdate: "The default is PUT." */
  if (v && cJSON_IsNull(v))
    v = NULL;
  if (v && dynamo_value_validate(v, 1, err) != 0)
    return -1;
  if (!v && strcmp(action, "DELETE") != 0)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID "Only DELETE action is allowed when no attribute value is "
                                    "specified");
  if (!v)
    return 0;
  t = dynamo_value_type(v, NULL);
  if (strcmp(action, "DELETE") == 0 && t != DYNAMO_T_SS && t != DYNAMO_T_NS && t != DYNAMO_T_BS)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID "DELETE action with value is not supported for the type %s",
                            dynamo_type_tag(t));
  if (strcmp(action, "ADD") == 0 && t != DYNAMO_T_L && t != DYNAMO_T_SS && t != DYNAMO_T_NS &&
      t != DYNAMO_T_BS && t != DYNAMO_T_N)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            INVALID "ADD action is not supported for the type %s",
                            dynamo_type_tag(t));
  return 0;
}

/* -------------------------------------------------------- AttributesToGet */

static int check_attributes_to_get(const cJSON *list, struct dynamo_error *err) {
  const cJSON *a, *b;
  int n = cJSON_GetArraySize(list);

  cJSON_ArrayForEach(a, list)
    if (!cJSON_IsString(a))
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                              cJSON_IsObject(a)
                                  ? "Start of structure or map found where not expected."
                                  : "Unexpected value type in payload");
  if (n < 1 || n > DYNAMO_LEGACY_MAX_ATTRS) {
    /* DYN-db checkValidations: "Value '[a, b]' at 'attributesToGet' failed
     * to satisfy constraint: Member must have length ...". */
    char shown[512], value[515], constraint[64];
    size_t used = 0;
    int k = 0;

    shown[0] = '\0';
    cJSON_ArrayForEach(a, list) {
      int w = snprintf(shown + used, sizeof(shown) - used, "%s%s", k++ ? ", " : "", a->valuestring);
      if (w < 0 || (size_t)w >= sizeof(shown) - used)
        break;
      used += (size_t)w;
    }
    snprintf(value, sizeof(value), "[%s]", shown);
    snprintf(constraint, sizeof(constraint), "Member must have length %s %d",
             n < 1 ? "greater than or equal to" : "less than or equal to",
             n < 1 ? 1 : DYNAMO_LEGACY_MAX_ATTRS);
    return dynamo_error_violation(err, value, -1, constraint, "attributesToGet");
  }
  cJSON_ArrayForEach(a, list)
    if (dynamo_value_check_name(a->valuestring, err) != 0)
      return -1;
  /* DYN-db scan.js/query.js: duplicate names are refused. O(n^2) over at
   * most 255 names. */
  cJSON_ArrayForEach(a, list)
    for (b = list->child; b != a; b = b->next)
      if (strcmp(a->valuestring, b->valuestring) == 0)
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                                INVALID "Duplicate value in attribute name: %.255s",
                                a->valuestring);
  return 0;
}

/* ---------------------------------------------------------------- output */

struct gen {
  cJSON *req;
  cJSON *names;  /* ExpressionAttributeNames, created on first use */
  cJSON *values; /* ExpressionAttributeValues, created on first use */
  unsigned next_name, next_value;
  int failed; /* err was set (otherwise a failed append hit the size cap) */
  struct dynamo_error *err;
  /* For rolling back a failed rewrite: the maps' sizes before it (-1: the
   * map did not exist) and the expression members added. */
  int names_n0, values_n0;
  const char *added[4];
  int nadded;
};

static int map_size(const cJSON *req, const char *name) {
  const cJSON *m = member(req, name);

  return m ? cJSON_GetArraySize(m) : -1;
}

/* Undoes a partial rewrite: generated placeholders are appended at the end
 * of the maps, and the expression members added were absent before (the
 * mixing check guarantees it). */
static void rollback(struct gen *g) {
  static const char *const maps[2] = {"ExpressionAttributeNames", "ExpressionAttributeValues"};
  int n0[2] = {g->names_n0, g->values_n0}, k, i;

  for (k = 0; k < 2; k++) {
    cJSON *m = cJSON_GetObjectItemCaseSensitive(g->req, maps[k]);
    if (!m)
      continue;
    if (n0[k] < 0) {
      cJSON_DeleteItemFromObjectCaseSensitive(g->req, maps[k]);
      continue;
    }
    while (cJSON_GetArraySize(m) > n0[k])
      cJSON_DeleteItemFromArray(m, n0[k]);
  }
  for (i = 0; i < g->nadded; i++)
    cJSON_DeleteItemFromObjectCaseSensitive(g->req, g->added[i]);
}

static int oom(struct gen *g) {
  g->failed = 1;
  return dynamo_error_set(g->err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "out of memory");
}

static cJSON *map_for(struct gen *g, const char *member_name, cJSON **slot) {
  if (*slot)
    return *slot;
  *slot = cJSON_GetObjectItemCaseSensitive(g->req, member_name);
  if (*slot && cJSON_IsNull(*slot)) {
    cJSON_DeleteItemFromObjectCaseSensitive(g->req, member_name);
    *slot = NULL;
  }
  if (!*slot)
    *slot = cJSON_AddObjectToObject(g->req, member_name);
  return *slot;
}

/* Appends a fresh placeholder for attribute name attr ("#lgN", skipping
 * numbers the request already uses) to b. */
static int put_name(struct gen *g, struct emu_buf *b, const char *attr) {
  char ph[24];
  cJSON *names = map_for(g, "ExpressionAttributeNames", &g->names), *s;

  if (!names)
    return oom(g);
  do
    snprintf(ph, sizeof(ph), "#lg%u", g->next_name++);
  while (cJSON_GetObjectItemCaseSensitive(names, ph));
  if (!(s = cJSON_CreateString(attr)) || !cJSON_AddItemToObject(names, ph, s)) {
    cJSON_Delete(s);
    return oom(g);
  }
  return emu_buf_puts(b, ph);
}

/* Appends a fresh placeholder (":lgN") for a copy of value v to b. */
static int put_value(struct gen *g, struct emu_buf *b, const cJSON *v) {
  char ph[24];
  cJSON *values = map_for(g, "ExpressionAttributeValues", &g->values), *copy;

  if (!values)
    return oom(g);
  do
    snprintf(ph, sizeof(ph), ":lg%u", g->next_value++);
  while (cJSON_GetObjectItemCaseSensitive(values, ph));
  if (!(copy = cJSON_Duplicate(v, 1)) || !cJSON_AddItemToObject(values, ph, copy)) {
    cJSON_Delete(copy);
    return oom(g);
  }
  return emu_buf_puts(b, ph);
}

/* One condition as expression text. parens: the conditions are ORed, so
 * NOT_CONTAINS (an AND of two terms) must be parenthesised. */
static int put_condition(struct gen *g, struct emu_buf *b, const char *attr, int op,
                         cJSON *const *vals, int n, int parens) {
  char nm[24];
  struct emu_buf name;
  int i, rc = 0;

  /* The name placeholder is generated once even when used twice. */
  emu_buf_init(&name, sizeof(nm));
  if (put_name(g, &name, attr) != 0) {
    emu_buf_free(&name);
    return -1;
  }
  snprintf(nm, sizeof(nm), "%s", name.data);
  emu_buf_free(&name);
  switch (op) {
  case OP_NOT_NULL:
    return emu_buf_printf(b, "attribute_exists(%s)", nm);
  case OP_NULL:
    return emu_buf_printf(b, "attribute_not_exists(%s)", nm);
  case OP_CONTAINS:
  case OP_NOT_CONTAINS:
  case OP_BEGINS_WITH:
    if (op == OP_NOT_CONTAINS)
      /* Alternator test_update_expected_1_not_contains: "if an attribute
       * does not exist at all, NOT_CONTAINS fails". */
      rc = emu_buf_printf(b, "%sattribute_exists(%s) AND NOT ", parens ? "(" : "", nm);
    rc = rc ? rc
            : emu_buf_printf(b, "%s(%s, ", op == OP_BEGINS_WITH ? "begins_with" : "contains", nm);
    rc = rc ? rc : put_value(g, b, vals[0]);
    return rc ? rc : emu_buf_puts(b, op == OP_NOT_CONTAINS && parens ? "))" : ")");
  case OP_IN:
    rc = emu_buf_printf(b, "%s IN (", nm);
    for (i = 0; i < n && rc == 0; i++)
      rc = (i ? emu_buf_puts(b, ", ") : 0) || put_value(g, b, vals[i]) ? -1 : 0;
    return rc ? rc : emu_buf_putc(b, ')');
  case OP_BETWEEN:
    rc = emu_buf_printf(b, "%s BETWEEN ", nm);
    rc = rc ? rc : put_value(g, b, vals[0]);
    rc = rc ? rc : emu_buf_puts(b, " AND ");
    return rc ? rc : put_value(g, b, vals[1]);
  default:
    rc = emu_buf_printf(b, "%s %s ", nm, ops[op].infix);
    return rc ? rc : put_value(g, b, vals[0]);
  }
}

static int too_long(const char *map, struct dynamo_error *err) {
  /* DEVIATION: invented wording; the translated expression must fit the
   * expression quota the evaluator enforces. */
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          INVALID "%s is too large to translate into an expression of at most %d "
                                  "bytes",
                          map, DYNAMO_EXPR_MAX_TEXT);
}

/* Adds text as expression member expr (replacing nothing: the mixing
 * check guaranteed it is absent, or it is an empty translation). */
static int set_expression(struct gen *g, const char *expr, struct emu_buf *b) {
  cJSON *s;

  if (b->len == 0)
    return 0;
  if (!(s = cJSON_CreateString(b->data)) || !cJSON_AddItemToObject(g->req, expr, s)) {
    cJSON_Delete(s);
    return oom(g);
  }
  g->added[g->nadded++] = expr;
  return 0;
}

/* Expected / ScanFilter / QueryFilter / KeyConditions -> expression text.
 * joiner: " AND " or " OR "; expected selects the ExpectedAttributeValue
 * forms (Value, Exists). */
static int gen_conditions(struct gen *g, const cJSON *map, const char *mname, int expected,
                          const char *joiner, const char *expr) {
  cJSON *vals[DYNAMO_LEGACY_MAX_ENTRIES];
  struct emu_buf b;
  const cJSON *e;
  const char *opname;
  int first = 1, n, rc = 0, parens = strcmp(joiner, " OR ") == 0 && count_entries(map) > 1;

  emu_buf_init(&b, DYNAMO_EXPR_MAX_TEXT);
  cJSON_ArrayForEach(e, map) {
    if (cJSON_IsNull(e))
      continue;
    if (!first && emu_buf_puts(&b, joiner) != 0) {
      rc = -1;
      break;
    }
    first = 0;
    opname = NULL;
    dynamo_req_string(e, "ComparisonOperator", &opname, g->err); /* checked before */
    if (condition_values(e, expected, vals, DYNAMO_LEGACY_MAX_ENTRIES, &n, g->err) != 0) {
      rc = -1;
      break;
    }
    if (opname)
      rc = put_condition(g, &b, e->string, cmp_lookup(opname), vals, n, parens);
    else if (expected && n == 0)
      rc = put_condition(g, &b, e->string, OP_NULL, vals, 0, parens); /* Exists: false */
    else
      rc = put_condition(g, &b, e->string, OP_EQ, vals, n, parens); /* Value */
    if (rc != 0)
      break;
  }
  if (rc != 0) {
    emu_buf_free(&b);
    return g->failed ? -1 : too_long(mname, g->err);
  }
  rc = set_expression(g, expr, &b);
  emu_buf_free(&b);
  return rc;
}

static int gen_projection(struct gen *g, const cJSON *list) {
  struct emu_buf b;
  const cJSON *a;
  int rc = 0;

  emu_buf_init(&b, DYNAMO_EXPR_MAX_TEXT);
  cJSON_ArrayForEach(a, list) {
    if ((a != list->child && emu_buf_puts(&b, ", ") != 0) || put_name(g, &b, a->valuestring) != 0) {
      rc = -1;
      break;
    }
  }
  if (rc != 0) {
    emu_buf_free(&b);
    return g->failed ? -1 : too_long("AttributesToGet", g->err);
  }
  rc = set_expression(g, "ProjectionExpression", &b);
  emu_buf_free(&b);
  return rc;
}

enum clause { CL_SET, CL_ADD, CL_DELETE, CL_REMOVE, CL_COUNT };

static int gen_updates(struct gen *g, const cJSON *map) {
  static const char *const kw[CL_COUNT] = {"SET ", "ADD ", "DELETE ", "REMOVE "};
  struct emu_buf cl[CL_COUNT], b;
  const cJSON *u;
  const cJSON *v;
  const char *action;
  cJSON *empty = NULL;
  int k, rc = 0;

  for (k = 0; k < CL_COUNT; k++)
    emu_buf_init(&cl[k], DYNAMO_EXPR_MAX_TEXT);
  emu_buf_init(&b, DYNAMO_EXPR_MAX_TEXT);
  cJSON_ArrayForEach(u, map) {
    struct emu_buf *c;
    char nm[24];
    struct emu_buf name;

    if (cJSON_IsNull(u))
      continue;
    action = NULL;
    dynamo_req_string(u, "Action", &action, g->err); /* checked before */
    if (!action)
      action = "PUT";
    v = member(u, "Value");
    k = strcmp(action, "PUT") == 0   ? CL_SET
        : strcmp(action, "ADD") == 0 ? (dynamo_value_type(v, NULL) == DYNAMO_T_L ? CL_SET : CL_ADD)
        : v                          ? CL_DELETE
                                     : CL_REMOVE;
    c = &cl[k];
    emu_buf_init(&name, sizeof(nm));
    if (put_name(g, &name, u->string) != 0) {
      emu_buf_free(&name);
      rc = -1;
      break;
    }
    snprintf(nm, sizeof(nm), "%s", name.data);
    emu_buf_free(&name);
    rc = c->len ? emu_buf_puts(c, ", ") : emu_buf_puts(c, kw[k]);
    if (rc == 0 && strcmp(action, "ADD") == 0 && k == CL_SET) {
      /* Alternator test_update_item_add: "ADD operation on lists ... works
       * similar to sets", appending; an absent attribute counts as []. */
      if (!empty && !(empty = cJSON_Parse("{\"L\":[]}"))) {
        rc = oom(g);
        break;
      }
      rc = emu_buf_printf(c, "%s = list_append(if_not_exists(%s, ", nm, nm);
      rc = rc ? rc : put_value(g, c, empty);
      rc = rc ? rc : emu_buf_puts(c, "), ");
      rc = rc ? rc : put_value(g, c, v);
      rc = rc ? rc : emu_buf_putc(c, ')');
    } else if (rc == 0) {
      rc = emu_buf_printf(c, k == CL_SET ? "%s = " : k == CL_REMOVE ? "%s" : "%s ", nm);
      if (rc == 0 && k != CL_REMOVE)
        rc = put_value(g, c, v);
    }
    if (rc != 0)
      break;
  }
  for (k = 0; k < CL_COUNT && rc == 0; k++)
    if (cl[k].len)
      rc = (b.len ? emu_buf_putc(&b, ' ') : 0) || emu_buf_append(&b, cl[k].data, cl[k].len) ? -1
                                                                                            : 0;
  if (rc != 0 && !g->failed)
    too_long("AttributeUpdates", g->err);
  if (rc == 0)
    rc = set_expression(g, "UpdateExpression", &b);
  for (k = 0; k < CL_COUNT; k++)
    emu_buf_free(&cl[k]);
  emu_buf_free(&b);
  cJSON_Delete(empty);
  return rc ? -1 : 0;
}

/* ------------------------------------------------------------- entry point */

/* Request shape and member constraints of every legacy member of op. */
static int check_shapes(const cJSON *req, enum dynamo_legacy_op op, struct dynamo_error *err) {
  const cJSON *m, *list;
  const char *co;
  cJSON *obj;

  if (dynamo_req_object(req, "ExpressionAttributeNames", &obj, err) != 0 ||
      dynamo_req_object(req, "ExpressionAttributeValues", &obj, err) != 0)
    return -1;
  if (op != DYNAMO_LEGACY_GET) {
    if (dynamo_req_string(req, "ConditionalOperator", &co, err) != 0)
      return -1;
    if (co && strcmp(co, "AND") != 0 && strcmp(co, "OR") != 0)
      /* Recorded live (deep-request tests): the older enum wording. */
      return dynamo_error_violation(err, co, 255, "Member must satisfy enum value set: [OR, AND]",
                                    "conditionalOperator");
  }
  switch (op) {
  case DYNAMO_LEGACY_UPDATE:
    if (get_map(req, "AttributeUpdates", &m, err) != 0 || (m && check_updates_shape(m, err) != 0))
      return -1;
    /* fall through */
  case DYNAMO_LEGACY_PUT:
  case DYNAMO_LEGACY_DELETE:
    return get_map(req, "Expected", &m, err) != 0 ||
                   (m && check_condition_map_shape(m, "Expected", 0, err) != 0)
               ? -1
               : 0;
  case DYNAMO_LEGACY_QUERY:
    if (get_map(req, "KeyConditions", &m, err) != 0 ||
        (m && check_condition_map_shape(m, "KeyConditions", 1, err) != 0) ||
        get_map(req, "QueryFilter", &m, err) != 0 ||
        (m && check_condition_map_shape(m, "QueryFilter", 1, err) != 0))
      return -1;
    break;
  case DYNAMO_LEGACY_SCAN:
    if (get_map(req, "ScanFilter", &m, err) != 0 ||
        (m && check_condition_map_shape(m, "ScanFilter", 1, err) != 0))
      return -1;
    break;
  case DYNAMO_LEGACY_GET:
    break;
  }
  if (get_list(req, "AttributesToGet", &list, err) != 0)
    return -1;
  return list ? check_attributes_to_get(list, err) : 0;
}

/* Appends "<sep>s" to buf (NUL-terminated, *used bytes) unless it would not
 * fit; the lists here are short fixed names, so truncation cannot occur. */
static void list_add(char *buf, size_t cap, size_t *used, const char *sep, const char *s) {
  int w = snprintf(buf + *used, cap - *used, "%s%s", *used ? sep : "", s);

  if (w > 0 && (size_t)w < cap - *used)
    *used += (size_t)w;
  else
    buf[*used] = '\0';
}

/* DYN-db validations/index.js validateExpressionParams: mixing, then the
 * placeholder maps without any expression. */
static int check_mixing(const cJSON *req, enum dynamo_legacy_op op, struct dynamo_error *err) {
  const struct op_spec *s = &specs[op];
  char lg[160] = "", ex[160] = "", nulls[160] = "";
  size_t ll = 0, el = 0, nl = 0;
  int i, nexpr = 0, nval = 0, any_legacy = 0;

  for (i = 0; i < 4 && s->exprs[i]; i++)
    if (member(req, s->exprs[i])) {
      list_add(ex, sizeof(ex), &el, ", ", s->exprs[i]);
      nexpr++;
    }
  for (i = 0; i < 5 && s->legacy[i]; i++) {
    if (!member(req, s->legacy[i]))
      continue;
    any_legacy = 1;
    /* DYN-db: KeyConditions counts only next to a KeyConditionExpression,
     * so KeyConditions may be combined with FilterExpression. */
    if (strcmp(s->legacy[i], "KeyConditions") == 0 && !member(req, "KeyConditionExpression"))
      continue;
    list_add(lg, sizeof(lg), &ll, ", ", s->legacy[i]);
  }
  if (!any_legacy)
    return 0;
  if (nexpr && ll)
    /* SPEC docs/spec/dynamodb.md 2.4 / LegacyConditionalParameters: "DynamoDB does
     * not allow mixing legacy conditional parameters and expression
     * parameters in a single call." Wording recorded live. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "Can not use both expression and non-expression parameters in the "
                            "same request: Non-expression parameters: {%s} Expression "
                            "parameters: {%s}",
                            lg, ex);
  if (nexpr)
    return 0;
  if (member(req, "ExpressionAttributeNames"))
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "ExpressionAttributeNames can only be specified when using expressions");
  for (i = 0; i < 4 && s->exprs[i]; i++)
    if (strcmp(s->exprs[i], "ProjectionExpression") != 0) {
      list_add(nulls, sizeof(nulls), &nl, " and ", s->exprs[i]);
      nval++;
    }
  if (nval && member(req, "ExpressionAttributeValues"))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "ExpressionAttributeValues can only be specified when using "
                            "expressions: %s %s null",
                            nulls, nval > 1 ? "are" : "is");
  return 0;
}

/* Validates a condition map's entries (Expected, or a Condition map). */
static int check_conditions(const cJSON *map, int expected, struct dynamo_error *err) {
  const cJSON *e;

  cJSON_ArrayForEach(e, map) {
    if (cJSON_IsNull(e))
      continue;
    if (expected ? check_expected_entry(e->string, e, err) != 0 : check_filter_entry(e, err) != 0)
      return -1;
  }
  return 0;
}

/* KeyConditions: Condition entries, one or two of them, indexable
 * operators only. */
static int check_key_conditions(const cJSON *map, struct dynamo_error *err) {
  const cJSON *e;
  const char *opname;
  int op, n;

  if (check_conditions(map, 0, err) != 0)
    return -1;
  n = count_entries(map);
  if (n != 1 && n != 2)
    /* DYN-db query.js; the same text the KeyConditionExpression path uses. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "Conditions can be of length 1 or 2 only");
  cJSON_ArrayForEach(e, map) {
    if (cJSON_IsNull(e))
      continue;
    dynamo_req_string(e, "ComparisonOperator", &opname, err);
    op = cmp_lookup(opname);
    if (op == OP_NULL || op == OP_NOT_NULL || op == OP_NE || op == OP_CONTAINS ||
        op == OP_NOT_CONTAINS || op == OP_IN)
      /* DYN-test query.js "non-indexable operations".
       * DEVIATION: DynamoDB reports this once the key schema is known (after
       * the table lookup); here it comes before it. */
      return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                              "Attempted conditional constraint is not an indexable operation");
  }
  return 0;
}

static void drop(cJSON *req, const char *name) {
  cJSON_DeleteItemFromObjectCaseSensitive(req, name);
}

int dynamo_legacy_translate(cJSON *req, enum dynamo_legacy_op op, struct dynamo_error *err) {
  const cJSON *expected = NULL, *updates = NULL, *filter = NULL, *keyconds = NULL, *attrs = NULL;
  const char *filter_name = op == DYNAMO_LEGACY_QUERY ? "QueryFilter" : "ScanFilter";
  const char *co = NULL;
  struct gen g;
  int has_co;

  if ((unsigned)op > DYNAMO_LEGACY_QUERY)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "unknown legacy operation");
  if (check_shapes(req, op, err) != 0 || check_mixing(req, op, err) != 0)
    return -1;
  if (op != DYNAMO_LEGACY_GET)
    dynamo_req_string(req, "ConditionalOperator", &co, err);
  has_co = co != NULL;
  switch (op) {
  case DYNAMO_LEGACY_UPDATE:
    updates = member(req, "AttributeUpdates");
    if (updates) {
      const cJSON *u;
      cJSON_ArrayForEach(u, updates)
        if (!cJSON_IsNull(u) && check_update_entry(u, err) != 0)
          return -1;
    }
    /* fall through */
  case DYNAMO_LEGACY_PUT:
  case DYNAMO_LEGACY_DELETE:
    expected = member(req, "Expected");
    if ((has_co && check_conditional_operator(expected, err) != 0) ||
        (expected && check_conditions(expected, 1, err) != 0))
      return -1;
    break;
  case DYNAMO_LEGACY_SCAN:
  case DYNAMO_LEGACY_QUERY:
    filter = member(req, filter_name);
    if ((has_co && check_conditional_operator(filter, err) != 0) ||
        (filter && check_conditions(filter, 0, err) != 0))
      return -1;
    keyconds = op == DYNAMO_LEGACY_QUERY ? member(req, "KeyConditions") : NULL;
    if (keyconds && check_key_conditions(keyconds, err) != 0)
      return -1;
    break;
  case DYNAMO_LEGACY_GET:
    break;
  }
  attrs = member(req, "AttributesToGet");

  /* Everything checked: rewrite. */
  memset(&g, 0, sizeof(g));
  g.req = req;
  g.err = err;
  g.names_n0 = map_size(req, "ExpressionAttributeNames");
  g.values_n0 = map_size(req, "ExpressionAttributeValues");
  if ((expected &&
       gen_conditions(&g, expected, "Expected", 1, co && strcmp(co, "OR") == 0 ? " OR " : " AND ",
                      "ConditionExpression") != 0) ||
      (filter &&
       gen_conditions(&g, filter, filter_name, 0, co && strcmp(co, "OR") == 0 ? " OR " : " AND ",
                      "FilterExpression") != 0) ||
      (keyconds &&
       gen_conditions(&g, keyconds, "KeyConditions", 0, " AND ", "KeyConditionExpression") != 0) ||
      (updates && gen_updates(&g, updates) != 0) || (attrs && gen_projection(&g, attrs) != 0)) {
    rollback(&g);
    return -1;
  }
  {
    const char *const *l = specs[op].legacy;
    int i;
    for (i = 0; i < 5 && l[i]; i++)
      drop(req, l[i]);
  }
  return 0;
}
