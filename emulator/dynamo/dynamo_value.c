/*
 * dynamo_value.c - the AttributeValue model: validate and normalise values
 * in DynamoDB's wire form ({"S":"x"}, {"N":"1"}, {"M":{...}}, ...), compare
 * them, and measure them as DynamoDB counts item size.
 *
 * Validation runs in two passes, mirroring how DynamoDB's front end works:
 *   1. shape: the JSON type of every member is checked first, as DynamoDB's
 *      deserialiser does before any validation runs. Wrong JSON types are a
 *      SerializationException anywhere in the tree, so they win over any
 *      ValidationException (dynalite validations/index.js checkTypes runs
 *      before validateAttributeValue).
 *   2. values: document order, as dynalite's validateAttributeValue: numbers
 *      (normalised in place), NULL must be true, empty sets, set members,
 *      duplicates, nesting, and last "exactly one datatype".
 * Both passes stop descending at DYNAMO_VALUE_MAX_DEPTH before recursing,
 * so the C stack holds at most 33 frames whatever the document's depth.
 *
 * Invariants: after a successful validate, every AttributeValue object holds
 * exactly one member (unknown members and members whose value is JSON null
 * are removed: DynamoDB's deserialiser ignores both), every N / NS member
 * holds its normalised text, every B / BS member is canonical base64, and
 * sets hold no duplicates. On failure the tree may be partly normalised.
 * Ownership: functions borrow their arguments; validate edits the caller's
 * tree in place and allocates only temporaries it frees itself.
 * Threading: pure functions over trees owned by the caller.
 *
 * Spec sources: SPEC docs/spec/dynamodb.md 2.4 (messages), 2.5 (numbers), 2.6 (nesting
 * 32, item size); DYN-val/DYN-test: mhart/dynalite validations/index.js,
 * test/helpers.js assertType (SerializationException texts), test/putItem.js;
 * CONF: paritysuite/dynamodb-conformance tests/tier3/limits/nestingDepth,
 * numberByteSize (src/item-size.ts), error-messages/valueLayers; AWS-quota
 * "DynamoDB item sizes and formats" (CapacityUnitCalculations).
 */
#include "dynamo_value.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_number.h"
#include "emu_base64.h"
#include "emu_nul.h"
#include "emu_utf8.h"

/* ---------------------------------------------------------------------- */
/* Messages. ValidationException unless the name says SER_.                */

#define MSG_INVALID "One or more parameter values were invalid: "
/* SPEC docs/spec/dynamodb.md 2.4 "empty AttributeValue {}"; dynalite putItem.js also
 * sends {a: ''} (an unknown member only) and gets this text. */
#define MSG_EMPTY \
  "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
#define MSG_MULTI                                                                         \
  "Supplied AttributeValue has more than one datatypes set, must contain exactly one of " \
  "the supported datatypes"
#define MSG_NULL_FALSE MSG_INVALID "Null attribute value types must have the value of true"
#define MSG_SS_EMPTY MSG_INVALID "An string set  may not be empty"
#define MSG_NS_EMPTY MSG_INVALID "An number set  may not be empty"
#define MSG_BS_EMPTY MSG_INVALID "Binary sets should not be empty"
/* dynalite test/putItem.js (run against live DynamoDB): an NS duplicate is
 * reported bare, without the prefix or the collection. */
#define MSG_NS_DUP "Input collection contains duplicates"
/* CONF nestingDepth.test.ts NEST_BARE (the message without the 2026
 * "1 validation error detected: " envelope). */
#define MSG_NESTING                                                                           \
  "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels " \
  "beyond supported limit"
/* DynamoDB Local ErrorFactory ITEM_CONTAINS_NULL_ATTRVALUE (JSON null where
 * an AttributeValue is required). */
#define MSG_NULL_AV "The supplied Item contains a null AttributeValue"

/* SerializationException texts, dynalite test/helpers.js assertType. */
#define SER_VALUE_TYPE "Unexpected value type in payload"
#define SER_AV_COLLECTION \
  "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"
#define SER_MAP_COLLECTION                                        \
  "Unrecognized collection type java.util.Map<java.lang.String, " \
  "com.amazonaws.dynamodb.v20120810.AttributeValue>"
#define SER_FIELD_TYPE "Unexpected field type"
#define SER_STRUCT "Start of structure or map found where not expected"
#define SER_TOKEN "Unexpected token received from parser"
#define SER_BLOB_TYPE "only base-64-encoded strings are convertible to bytes"
#define SER_B64_LAST "Invalid last non-pad Base64 character dectected"

/* ---------------------------------------------------------------------- */
/* Type tags                                                               */

static const struct {
  enum dynamo_type type;
  const char *tag;
} type_tags[] = {
    {DYNAMO_T_S, "S"},       {DYNAMO_T_N, "N"},   {DYNAMO_T_B, "B"}, {DYNAMO_T_BOOL, "BOOL"},
    {DYNAMO_T_NULL, "NULL"}, {DYNAMO_T_M, "M"},   {DYNAMO_T_L, "L"}, {DYNAMO_T_SS, "SS"},
    {DYNAMO_T_NS, "NS"},     {DYNAMO_T_BS, "BS"},
};

#define TYPE_TAGS (sizeof(type_tags) / sizeof(type_tags[0]))

const char *dynamo_type_tag(enum dynamo_type t) {
  size_t i;

  for (i = 0; i < TYPE_TAGS; i++)
    if (type_tags[i].type == t)
      return type_tags[i].tag;
  return "";
}

enum dynamo_type dynamo_type_from_tag(const char *tag) {
  size_t i;

  if (!tag)
    return DYNAMO_T_INVALID;
  for (i = 0; i < TYPE_TAGS; i++)
    if (strcmp(type_tags[i].tag, tag) == 0)
      return type_tags[i].type;
  return DYNAMO_T_INVALID;
}

/* Whether inner has the JSON type a valid value of type t carries. */
static int inner_fits(enum dynamo_type t, const cJSON *inner) {
  switch (t) {
  case DYNAMO_T_S:
  case DYNAMO_T_N:
  case DYNAMO_T_B:
    return cJSON_IsString(inner) && inner->valuestring != NULL;
  case DYNAMO_T_BOOL:
    return cJSON_IsBool(inner);
  case DYNAMO_T_NULL:
    return cJSON_IsTrue(inner);
  case DYNAMO_T_M:
    return cJSON_IsObject(inner);
  case DYNAMO_T_L:
  case DYNAMO_T_SS:
  case DYNAMO_T_NS:
  case DYNAMO_T_BS:
    return cJSON_IsArray(inner);
  case DYNAMO_T_INVALID:
  default:
    return 0;
  }
}

enum dynamo_type dynamo_value_type(const cJSON *av, const cJSON **inner) {
  const cJSON *child, *found = NULL;
  enum dynamo_type t = DYNAMO_T_INVALID;
  int count = 0;

  if (inner)
    *inner = NULL;
  if (!cJSON_IsObject(av))
    return DYNAMO_T_INVALID;
  for (child = av->child; child; child = child->next) {
    enum dynamo_type ct = dynamo_type_from_tag(child->string);

    if (ct == DYNAMO_T_INVALID || cJSON_IsNull(child))
      continue; /* ignored, as DynamoDB's deserialiser ignores them */
    count++;
    t = ct;
    found = child;
  }
  if (count != 1 || !inner_fits(t, found))
    return DYNAMO_T_INVALID;
  if (inner)
    *inner = found;
  return t;
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

static size_t add_sat(size_t a, size_t b) {
  return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The Jackson token name DynamoDB's deserialiser reports for a scalar. cJSON
 * keeps no source text, so an integral value counts as NUMBER_VALUE
 * (DEVIATION: "1.0" and "1e2" in the request are DECIMAL_VALUE in AWS). */
static const char *token_name(const cJSON *v) {
  if (cJSON_IsTrue(v))
    return "TRUE_VALUE";
  if (cJSON_IsFalse(v))
    return "FALSE_VALUE";
  if (cJSON_IsNumber(v)) {
    double d = v->valuedouble;

    if (d > -9.2e18 && d < 9.2e18 && (double)(long long)d == d)
      return "NUMBER_VALUE";
    return "DECIMAL_VALUE";
  }
  return "STRING_VALUE";
}

/* Deletes a detached tree without recursion: cJSON_Delete recurses once per
 * level, and a member we strip (an unknown tag) may hold a subtree of any
 * depth. Each node's children are spliced into the walk list, then the node
 * is freed alone. */
static void delete_iteratively(cJSON *item) {
  cJSON *cur = item, *next, *last;

  if (cur)
    cur->next = NULL;
  while (cur) {
    if (cur->child && !(cur->type & cJSON_IsReference)) {
      for (last = cur->child; last->next; last = last->next)
        ;
      last->next = cur->next;
      cur->next = cur->child;
    }
    cur->child = NULL;
    next = cur->next;
    cur->next = NULL;
    cur->prev = NULL;
    cJSON_Delete(cur);
    cur = next;
  }
}

static int ser_error(struct dynamo_error *err, const char *msg) {
  return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "%s", msg);
}

static int val_error(struct dynamo_error *err, const char *msg) {
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s", msg);
}

/* ---------------------------------------------------------------------- */
/* Pass 1: JSON shape (SerializationException)                             */

/* A member DynamoDB models as java.lang.String (S, N, SS and NS members). */
static int shape_string(const cJSON *v, struct dynamo_error *err) {
  if (cJSON_IsString(v) && v->valuestring)
    return 0;
  /* SPEC DYN-test helpers.js assertType 'String'. */
  if (cJSON_IsArray(v))
    return ser_error(err, "Unrecognized collection type class java.lang.String");
  if (cJSON_IsObject(v))
    return ser_error(err, SER_STRUCT);
  return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "%s cannot be converted to String",
                          token_name(v));
}

/* A member modelled as java.lang.Boolean (BOOL, NULL). */
static int shape_boolean(const cJSON *v, struct dynamo_error *err) {
  if (cJSON_IsBool(v))
    return 0;
  /* SPEC DYN-test helpers.js assertType 'Boolean': '23' -> "Unexpected
   * token received from parser". */
  if (cJSON_IsString(v))
    return ser_error(err, SER_TOKEN);
  if (cJSON_IsArray(v))
    return ser_error(err, "Unrecognized collection type class java.lang.Boolean");
  if (cJSON_IsObject(v))
    return ser_error(err, SER_STRUCT);
  return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "%s cannot be converted to Boolean",
                          token_name(v));
}

/* A member modelled as a Blob (B, BS members): a canonical base64 string. */
static int shape_blob(const cJSON *v, struct dynamo_error *err) {
  const unsigned char *s;
  size_t len, pads = 0, i;

  if (cJSON_IsArray(v))
    return ser_error(err, "Unrecognized collection type class java.nio.ByteBuffer");
  if (cJSON_IsObject(v))
    return ser_error(err, SER_STRUCT);
  if (!cJSON_IsString(v) || !v->valuestring)
    return ser_error(err, SER_BLOB_TYPE); /* helpers.js: true, 23, 34.56 */
  s = (const unsigned char *)v->valuestring;
  len = strlen(v->valuestring);
  /* SPEC DYN-test helpers.js 'Blob': '23456' -> "Base64 encoded length is
   * expected a multiple of 4 bytes but found: 5". */
  if (len % 4 != 0)
    return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION,
                            "Base64 encoded length is expected a multiple of 4 bytes but "
                            "found: %zu",
                            len);
  if (len == 0)
    return 0;
  if (s[len - 1] == '=')
    pads++;
  if (s[len - 2] == '=')
    pads++;
  /* SPEC DYN-test helpers.js 'Blob': '+/+=' and '=+/=' -> "Invalid last
   * non-pad Base64 character dectected" (sic): the low bits the padding
   * leaves unused in the last data character must be zero. Checked before
   * the character scan, which is what makes '=+/=' answer this way. */
  {
    int last = emu_base64_sextet(s[len - 1 - pads]);
    int mask = pads == 1 ? 0x3 : pads == 2 ? 0xF : 0;

    if (last >= 0 && (last & mask) != 0)
      return ser_error(err, SER_B64_LAST);
  }
  for (i = 0; i < len - pads; i++) {
    if (emu_base64_sextet(s[i]) < 0) {
      size_t n = emu_utf8_seq_len(s + i, len - i);

      /* Wording of the older DynamoDB layer, which printed it after
       * "'<value>' can not be converted to a Blob: " (dynalite
       * validations/index.js, 2015); not re-verified on the current one. */
      return dynamo_error_set(err, DYNAMO_ERR_SERIALIZATION, "Invalid Base64 character: '%.*s'",
                              (int)n, (const char *)s + i);
    }
  }
  return 0;
}

/* A member modelled as a List (SS, NS, BS, L). */
static int shape_list(const cJSON *v, struct dynamo_error *err) {
  if (cJSON_IsArray(v))
    return 0;
  if (cJSON_IsObject(v))
    return ser_error(err, SER_STRUCT);
  return ser_error(err, SER_FIELD_TYPE); /* helpers.js 'List' */
}

/* A member modelled as Map<String, AttributeValue> (M, and attribute maps). */
static int shape_map(const cJSON *v, struct dynamo_error *err) {
  if (cJSON_IsObject(v))
    return 0;
  if (cJSON_IsArray(v))
    return ser_error(err, SER_MAP_COLLECTION);
  return ser_error(err, SER_FIELD_TYPE); /* helpers.js 'Map' */
}

static int shape_value(const cJSON *av, int depth, struct dynamo_error *err) {
  const cJSON *child, *e;

  if (cJSON_IsNull(av))
    return 0; /* absent in DynamoDB's model; pass 2 reports it */
  /* SPEC DYN-test helpers.js 'ValueStruct': a scalar where an
   * AttributeValue belongs is "Unexpected value type in payload". */
  if (cJSON_IsArray(av))
    return ser_error(err, SER_AV_COLLECTION);
  if (!cJSON_IsObject(av))
    return ser_error(err, SER_VALUE_TYPE);
  for (child = av->child; child; child = child->next) {
    enum dynamo_type t = dynamo_type_from_tag(child->string);

    if (cJSON_IsNull(child))
      continue;
    switch (t) {
    case DYNAMO_T_S:
    case DYNAMO_T_N:
      if (shape_string(child, err) != 0)
        return -1;
      break;
    case DYNAMO_T_B:
      if (shape_blob(child, err) != 0)
        return -1;
      break;
    case DYNAMO_T_BOOL:
    case DYNAMO_T_NULL:
      if (shape_boolean(child, err) != 0)
        return -1;
      break;
    case DYNAMO_T_SS:
    case DYNAMO_T_NS:
    case DYNAMO_T_BS:
      if (shape_list(child, err) != 0)
        return -1;
      cJSON_ArrayForEach(e, child) {
        if (cJSON_IsNull(e))
          continue;
        if ((t == DYNAMO_T_BS ? shape_blob(e, err) : shape_string(e, err)) != 0)
          return -1;
      }
      break;
    case DYNAMO_T_L:
    case DYNAMO_T_M:
      if ((t == DYNAMO_T_L ? shape_list(child, err) : shape_map(child, err)) != 0)
        return -1;
      /* Bounded before descending: pass 2 reports what lies deeper. */
      if (depth + 1 > DYNAMO_VALUE_MAX_DEPTH)
        break;
      cJSON_ArrayForEach(e, child) {
        if (shape_value(e, depth + 1, err) != 0)
          return -1;
      }
      break;
    case DYNAMO_T_INVALID:
    default:
      break; /* unknown members are ignored, whatever their JSON type */
    }
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Pass 2: values (ValidationException)                                    */

/* Parses one number string, reports DynamoDB's message or replaces the text
 * with its normalised form. */
static int normalise_number(cJSON *node, struct dynamo_error *err) {
  struct dynamo_number n;
  char text[DYNAMO_NUMBER_TEXT_MAX];
  char msg[DYNAMO_ERROR_MESSAGE_MAX];
  const char *raw = cJSON_IsString(node) && node->valuestring ? node->valuestring : "";
  enum dynamo_number_status st = dynamo_number_parse(raw, strlen(raw), &n);

  if (st != DYNAMO_NUMBER_OK)
    return val_error(err, dynamo_number_message(st, raw, msg, sizeof(msg)));
  /* SPEC docs/spec/dynamodb.md 2.5: returned values are normalised. */
  dynamo_number_format(&n, text, sizeof(text));
  if (strcmp(text, raw) != 0 && !cJSON_SetValuestring(node, text))
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "%s", "out of memory");
  return 0;
}

static int cmp_str_ptr(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* 1 when the string members of arr (no nulls) hold a repeat, 0 if not, -1
 * when out of memory. */
static int has_duplicate_strings(const cJSON *arr) {
  int n = cJSON_GetArraySize(arr), i = 0, dup = 0;
  const char **v;
  const cJSON *e;

  if (n < 2)
    return 0;
  v = malloc((size_t)n * sizeof(*v));
  if (!v)
    return -1;
  cJSON_ArrayForEach(e, arr)
    v[i++] = e->valuestring;
  qsort(v, (size_t)n, sizeof(*v), cmp_str_ptr);
  for (i = 1; i < n && !dup; i++)
    dup = strcmp(v[i - 1], v[i]) == 0;
  free(v);
  return dup;
}

/* Appends s to buf (capacity lim, NUL included) unless it does not fit. */
static int append_fits(char *buf, size_t lim, size_t *len, const char *s) {
  size_t n = strlen(s);

  if (*len + n + 1 > lim)
    return 0;
  memcpy(buf + *len, s, n + 1);
  *len += n;
  return 1;
}

/* "One or more parameter values were invalid: Input collection [a, a]<tail>",
 * members as sent, joined by ", " (SPEC docs/spec/dynamodb.md 2.4). DEVIATION: a
 * rendering longer than the error buffer is cut and marked "...", keeping
 * the tail. */
static int duplicates_error(struct dynamo_error *err, const cJSON *arr, const char *tail) {
  char buf[DYNAMO_ERROR_MESSAGE_MAX];
  size_t len = 0, reserve = strlen("...]") + strlen(tail);
  const cJSON *e;
  int first = 1, cut = 0;

  buf[0] = '\0';
  append_fits(buf, sizeof(buf), &len, MSG_INVALID "Input collection [");
  cJSON_ArrayForEach(e, arr) {
    if ((!first && !append_fits(buf, sizeof(buf) - reserve, &len, ", ")) ||
        !append_fits(buf, sizeof(buf) - reserve, &len, e->valuestring)) {
      cut = 1;
      break;
    }
    first = 0;
  }
  append_fits(buf, sizeof(buf), &len, cut ? "...]" : "]");
  append_fits(buf, sizeof(buf), &len, tail);
  return val_error(err, buf);
}

static int validate_set(cJSON *arr, enum dynamo_type t, struct dynamo_error *err) {
  cJSON *e;
  int dup;

  if (cJSON_GetArraySize(arr) == 0) {
    /* SPEC docs/spec/dynamodb.md 2.4 "empty set" (two spaces in the first two). */
    return val_error(err, t == DYNAMO_T_SS   ? MSG_SS_EMPTY
                          : t == DYNAMO_T_NS ? MSG_NS_EMPTY
                                             : MSG_BS_EMPTY);
  }
  cJSON_ArrayForEach(e, arr) {
    if (t == DYNAMO_T_NS) {
      /* dynalite checkNum: a null member is "cannot be converted". */
      if (normalise_number(e, err) != 0)
        return -1;
    } else if (cJSON_IsNull(e)) {
      return val_error(err, MSG_NULL_AV);
    }
  }
  /* NS members are normalised by now, so equal numbers are equal text:
   * ["1", "1.0"] is a duplicate. B members are canonical base64, so equal
   * bytes are equal text. */
  dup = has_duplicate_strings(arr);
  if (dup < 0)
    return dynamo_error_set(err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "%s", "out of memory");
  if (!dup)
    return 0;
  if (t == DYNAMO_T_NS)
    return val_error(err, MSG_NS_DUP);
  /* SPEC DYN-test putItem.js: "Input collection [Yg==, Yg==]of type BS
   * contains duplicates." (sic, no space before "of"). */
  return duplicates_error(
      err, arr, t == DYNAMO_T_SS ? " contains duplicates." : "of type BS contains duplicates.");
}

static int validate_value(cJSON *av, int depth, struct dynamo_error *err) {
  cJSON *child, *next, *e;
  int count = 0;

  /* SPEC docs/spec/dynamodb.md 2.6: nesting <= 32 levels, the attribute itself being
   * level 1 (CONF nestingDepth.test.ts: a leaf at level 32 is accepted, at
   * level 33 refused). */
  if (depth > DYNAMO_VALUE_MAX_DEPTH)
    return val_error(err, MSG_NESTING);
  if (!cJSON_IsObject(av))
    return cJSON_IsNull(av) ? val_error(err, MSG_NULL_AV) : ser_error(err, SER_VALUE_TYPE);

  /* Unknown members and JSON nulls are not part of the value. */
  for (child = av->child; child; child = next) {
    next = child->next;
    if (dynamo_type_from_tag(child->string) == DYNAMO_T_INVALID || cJSON_IsNull(child))
      delete_iteratively(cJSON_DetachItemViaPointer(av, child));
  }

  for (child = av->child; child; child = child->next) {
    enum dynamo_type t = dynamo_type_from_tag(child->string);

    count++;
    switch (t) {
    case DYNAMO_T_N:
      if (normalise_number(child, err) != 0)
        return -1;
      break;
    case DYNAMO_T_NULL:
      if (!cJSON_IsTrue(child))
        return val_error(err, MSG_NULL_FALSE);
      break;
    case DYNAMO_T_SS:
    case DYNAMO_T_NS:
    case DYNAMO_T_BS:
      if (validate_set(child, t, err) != 0)
        return -1;
      break;
    case DYNAMO_T_M:
    case DYNAMO_T_L:
      cJSON_ArrayForEach(e, child) {
        /* Bounded before descending, so depth never exceeds 33 frames. */
        if (depth + 1 > DYNAMO_VALUE_MAX_DEPTH)
          return val_error(err, MSG_NESTING);
        if (validate_value(e, depth + 1, err) != 0)
          return -1;
      }
      break;
    case DYNAMO_T_S:
    case DYNAMO_T_B:
    case DYNAMO_T_BOOL:
    case DYNAMO_T_INVALID:
    default:
      break; /* nothing beyond their JSON shape; empty S and B are legal */
    }
  }
  /* dynalite validateAttributeValue checks the members first and the count
   * last: {"S": "", "N": ""} reports the number. */
  if (count == 0)
    return val_error(err, MSG_EMPTY);
  if (count > 1)
    return val_error(err, MSG_MULTI);
  return 0;
}

int dynamo_value_validate(cJSON *av, int depth, struct dynamo_error *err) {
  struct dynamo_error scratch;

  if (!err) {
    dynamo_error_init(&scratch);
    err = &scratch;
  }
  if (depth < 1)
    depth = 1;
  if (depth > DYNAMO_VALUE_MAX_DEPTH)
    return val_error(err, MSG_NESTING);
  if (!av)
    return val_error(err, MSG_NULL_AV);
  if (shape_value(av, depth, err) != 0)
    return -1;
  return validate_value(av, depth, err);
}

int dynamo_value_check_name(const char *name, struct dynamo_error *err) {
  if (name && name[0])
    return 0;
  /* DynamoDB refuses an empty attribute name (issue 13).
   * DEVIATION: the wording is [unverified]; ExpressionAttributeNames'
   * counterpart ("... Empty attribute name for key #k") suggests it. */
  return val_error(err, "One or more parameter values were invalid: Empty attribute name");
}

int dynamo_value_validate_map(cJSON *map, struct dynamo_error *err) {
  struct dynamo_error scratch;
  cJSON *member;

  if (!err) {
    dynamo_error_init(&scratch);
    err = &scratch;
  }
  /* An absent map is the operation's concern ("Value null at 'item'..."). */
  if (!map || cJSON_IsNull(map))
    return 0;
  if (shape_map(map, err) != 0)
    return -1;
  /* Deserialisation covers the whole map before any value is validated. */
  cJSON_ArrayForEach(member, map) {
    if (shape_value(member, 1, err) != 0)
      return -1;
  }
  cJSON_ArrayForEach(member, map) {
    if (dynamo_value_check_name(member->string, err) != 0 || validate_value(member, 1, err) != 0)
      return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Equality and ordering                                                   */

struct bytes {
  unsigned char *p;
  size_t n;
};

static int cmp_bytes(const struct bytes *a, const struct bytes *b) {
  size_t n = a->n < b->n ? a->n : b->n;
  int c = n ? memcmp(a->p, b->p, n) : 0;

  if (c != 0)
    return c < 0 ? -1 : 1;
  return a->n < b->n ? -1 : a->n > b->n;
}

static int cmp_bytes_qsort(const void *x, const void *y) {
  return cmp_bytes(x, y);
}

static int cmp_number_qsort(const void *x, const void *y) {
  return dynamo_number_compare(x, y);
}

static int parse_number_text(const cJSON *s, struct dynamo_number *n) {
  const char *t = s->valuestring;

  return dynamo_number_parse(t, strlen(t), n) == DYNAMO_NUMBER_OK ? 0 : -1;
}

static int decode_text(const cJSON *s, struct bytes *b) {
  return emu_base64_decode(s->valuestring, strlen(s->valuestring), &b->p, &b->n);
}

/* Orders two scalars of the same type t (S, N or B); *ok = 0 when a value
 * does not parse. */
static int compare_scalar(enum dynamo_type t, const cJSON *a, const cJSON *b, int *ok) {
  *ok = 1;
  if (t == DYNAMO_T_S) {
    /* SPEC docs/spec/dynamodb.md 2.6: String by UTF-8 bytes (unsigned, and a U+0000,
     * the pair C0 80 here, is the byte 0x00: emu_nul.h). */
    int c = emu_nul_strcmp(a->valuestring, b->valuestring);

    return c < 0 ? -1 : c > 0;
  }
  if (t == DYNAMO_T_N) {
    struct dynamo_number x, y;

    if (parse_number_text(a, &x) != 0 || parse_number_text(b, &y) != 0) {
      *ok = 0;
      return 0;
    }
    return dynamo_number_compare(&x, &y);
  } else {
    struct bytes x = {NULL, 0}, y = {NULL, 0};
    int c = 0;

    /* Binary by unsigned bytes. */
    if (decode_text(a, &x) != 0 || decode_text(b, &y) != 0)
      *ok = 0;
    else
      c = cmp_bytes(&x, &y);
    free(x.p);
    free(y.p);
    return c;
  }
}

/* Set equality as unordered collections: sort both, compare pairwise. */
static int sets_equal(enum dynamo_type t, const cJSON *a, const cJSON *b) {
  int n = cJSON_GetArraySize(a), i = 0, eq = 1;
  const cJSON *e;

  if (n != cJSON_GetArraySize(b))
    return 0;
  if (n == 0)
    return 1;
  if (t == DYNAMO_T_SS) {
    const char **x = malloc((size_t)n * sizeof(*x)), **y = malloc((size_t)n * sizeof(*y));

    if (x && y) {
      cJSON_ArrayForEach(e, a)
        x[i++] = e->valuestring;
      i = 0;
      cJSON_ArrayForEach(e, b)
        y[i++] = e->valuestring;
      qsort(x, (size_t)n, sizeof(*x), cmp_str_ptr);
      qsort(y, (size_t)n, sizeof(*y), cmp_str_ptr);
      for (i = 0; i < n && eq; i++)
        eq = strcmp(x[i], y[i]) == 0;
    } else {
      eq = 0;
    }
    free(x);
    free(y);
  } else if (t == DYNAMO_T_NS) {
    struct dynamo_number *x = malloc((size_t)n * sizeof(*x)), *y = malloc((size_t)n * sizeof(*y));

    if (x && y) {
      cJSON_ArrayForEach(e, a)
        eq = eq && parse_number_text(e, &x[i++]) == 0;
      i = 0;
      cJSON_ArrayForEach(e, b)
        eq = eq && parse_number_text(e, &y[i++]) == 0;
      if (eq) {
        qsort(x, (size_t)n, sizeof(*x), cmp_number_qsort);
        qsort(y, (size_t)n, sizeof(*y), cmp_number_qsort);
        for (i = 0; i < n && eq; i++)
          eq = dynamo_number_compare(&x[i], &y[i]) == 0;
      }
    } else {
      eq = 0;
    }
    free(x);
    free(y);
  } else {
    struct bytes *x = calloc((size_t)n, sizeof(*x)), *y = calloc((size_t)n, sizeof(*y));

    if (x && y) {
      cJSON_ArrayForEach(e, a)
        eq = eq && decode_text(e, &x[i++]) == 0;
      i = 0;
      cJSON_ArrayForEach(e, b)
        eq = eq && decode_text(e, &y[i++]) == 0;
      if (eq) {
        qsort(x, (size_t)n, sizeof(*x), cmp_bytes_qsort);
        qsort(y, (size_t)n, sizeof(*y), cmp_bytes_qsort);
        for (i = 0; i < n && eq; i++)
          eq = cmp_bytes(&x[i], &y[i]) == 0;
      }
    } else {
      eq = 0;
    }
    for (i = 0; i < n && x && y; i++) {
      free(x[i].p);
      free(y[i].p);
    }
    free(x);
    free(y);
  }
  return eq;
}

static int equal_at(const cJSON *a, const cJSON *b, int depth) {
  const cJSON *ia, *ib, *x, *y;
  enum dynamo_type t = dynamo_value_type(a, &ia);
  int ok;

  /* Valid values are at most 32 levels deep; deeper trees are not values. */
  if (depth > DYNAMO_VALUE_MAX_DEPTH + 1)
    return 0;
  if (t == DYNAMO_T_INVALID || dynamo_value_type(b, &ib) != t)
    return 0;
  switch (t) {
  case DYNAMO_T_S:
  case DYNAMO_T_N:
  case DYNAMO_T_B:
    return compare_scalar(t, ia, ib, &ok) == 0 && ok;
  case DYNAMO_T_BOOL:
    return cJSON_IsTrue(ia) == cJSON_IsTrue(ib);
  case DYNAMO_T_NULL:
    return 1;
  case DYNAMO_T_SS:
  case DYNAMO_T_NS:
  case DYNAMO_T_BS:
    return sets_equal(t, ia, ib);
  case DYNAMO_T_L:
    if (cJSON_GetArraySize(ia) != cJSON_GetArraySize(ib))
      return 0;
    for (x = ia->child, y = ib->child; x && y; x = x->next, y = y->next)
      if (!equal_at(x, y, depth + 1))
        return 0;
    return 1;
  case DYNAMO_T_M:
    if (cJSON_GetArraySize(ia) != cJSON_GetArraySize(ib))
      return 0;
    cJSON_ArrayForEach(x, ia) {
      y = cJSON_GetObjectItemCaseSensitive(ib, x->string);
      if (!y || !equal_at(x, y, depth + 1))
        return 0;
    }
    return 1;
  case DYNAMO_T_INVALID:
  default:
    return 0;
  }
}

int dynamo_value_equal(const cJSON *a, const cJSON *b) {
  return equal_at(a, b, 1);
}

int dynamo_value_compare(const cJSON *a, const cJSON *b, int *comparable) {
  const cJSON *ia, *ib;
  enum dynamo_type t = dynamo_value_type(a, &ia);
  int ok = 0, c = 0;

  if ((t == DYNAMO_T_S || t == DYNAMO_T_N || t == DYNAMO_T_B) && dynamo_value_type(b, &ib) == t)
    c = compare_scalar(t, ia, ib, &ok);
  if (comparable)
    *comparable = ok;
  return ok ? c : 0;
}

/* ---------------------------------------------------------------------- */
/* Size                                                                    */

static int floor_half(int v) {
  return v >= 0 ? v / 2 : -((-v + 1) / 2);
}

/* CONF src/item-size.ts numberBytes (captured against DynamoDB, 2026):
 * 1 + ceil(integer significant digits / 2) + ceil(fraction significant
 * digits / 2) + 1 if negative, over the value without leading and trailing
 * zeros; zero costs 1. That is one byte of exponent plus one per base-100
 * digit pair aligned on the decimal point, plus a sign byte: "3.14159" is
 * 03.14 15 90 -> 5, "123456" is 12 34 56 -> 4. The AWS guide's "1 byte per
 * two significant digits plus 1" is the approximation of this. */
static size_t number_size(const char *text) {
  struct dynamo_number n;
  int hi, lo;

  if (dynamo_number_parse(text, strlen(text), &n) != DYNAMO_NUMBER_OK)
    return strlen(text); /* not a valid value; never stored */
  if (n.sign == 0)
    return 1;
  hi = floor_half(n.exp - 1);         /* pair of the first digit (power exp-1) */
  lo = floor_half(n.exp - n.ndigits); /* pair of the last digit */
  return (size_t)(1 + (hi - lo + 1) + (n.sign < 0 ? 1 : 0));
}

/* Decoded length of a B value; its text length when that is not a
 * multiple of 4 (not a valid value; never stored). */
static size_t binary_size(const char *text) {
  size_t len = strlen(text);

  return len % 4 != 0 ? len : emu_base64_decoded_len(text, len);
}

static size_t size_at(const cJSON *av, int depth) {
  const cJSON *inner, *e;
  enum dynamo_type t = dynamo_value_type(av, &inner);
  size_t total = 0;

  /* Deeper than any valid value: count as unbounded so size checks fail. */
  if (depth > DYNAMO_VALUE_MAX_DEPTH + 1)
    return SIZE_MAX;
  /* SPEC AWS-quota "DynamoDB item sizes and formats". */
  switch (t) {
  case DYNAMO_T_S:
    return emu_nul_strlen(inner->valuestring); /* UTF-8 bytes (C0 80 is one) */
  case DYNAMO_T_N:
    return number_size(inner->valuestring);
  case DYNAMO_T_B:
    return binary_size(inner->valuestring); /* raw bytes, not base64 */
  case DYNAMO_T_BOOL:
  case DYNAMO_T_NULL:
    return 1;
  case DYNAMO_T_SS:
  case DYNAMO_T_NS:
  case DYNAMO_T_BS:
    cJSON_ArrayForEach(e, inner) {
      if (!cJSON_IsString(e) || !e->valuestring)
        continue;
      total = add_sat(total, t == DYNAMO_T_SS   ? emu_nul_strlen(e->valuestring)
                             : t == DYNAMO_T_NS ? number_size(e->valuestring)
                                                : binary_size(e->valuestring));
    }
    return total;
  case DYNAMO_T_L:
  case DYNAMO_T_M:
    /* "3 bytes of overhead" plus "1 byte for each element"; map elements
     * also count their names (dynalite db/index.js valSize 'M'). */
    total = 3;
    cJSON_ArrayForEach(e, inner) {
      total = add_sat(total, 1);
      if (t == DYNAMO_T_M)
        total = add_sat(total, emu_nul_strlen(e->string));
      total = add_sat(total, size_at(e, depth + 1));
    }
    return total;
  case DYNAMO_T_INVALID:
  default:
    return 0;
  }
}

size_t dynamo_value_size(const cJSON *av) {
  return size_at(av, 1);
}

size_t dynamo_item_size(const cJSON *item) {
  const cJSON *member;
  size_t total = 0;

  if (!cJSON_IsObject(item))
    return 0;
  /* SPEC docs/spec/dynamodb.md 2.6: "counting UTF-8 attribute-name lengths plus value
   * lengths". */
  cJSON_ArrayForEach(member, item) {
    total = add_sat(total, emu_nul_strlen(member->string));
    total = add_sat(total, size_at(member, 1));
  }
  return total;
}
