/*
 * dynamo_index_keys.c - the checks DynamoDB makes on an item's secondary
 * index key attributes when the item is written (PutItem, UpdateItem,
 * BatchWriteItem, TransactWriteItems).
 *
 * SPEC docs/spec/dynamodb.md 2.20: an attribute that is a key of a GSI or an
 * LSI, when the item has it, must be of the type the table's
 * AttributeDefinitions give it and must not be an empty string or binary;
 * an item that simply lacks it is written and left out of that index
 * (indexes are sparse). When several indexes share the attribute, the
 * message names the index whose name sorts first.
 *
 * Invariant: an item that passes dynamo_index_keys_check_item has an entry
 * in every index whose key attributes it holds (dynamo_keys_index_entry
 * then returns 1 for it). Threading: pure.
 */
#include <string.h>

#include "dynamo_int.h"
#include "dynamo_value.h"

enum fault { FAULT_NONE, FAULT_TYPE, FAULT_EMPTY };

/* What is wrong with item[name] as a key of type want (FAULT_NONE when it is
 * absent or fine). *actual: the value's wire type tag. */
static enum fault fault_of(const cJSON *item, const char *name, char want, const char **actual) {
  const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name), *inner = NULL;
  const char *tag;

  *actual = "";
  if (!av)
    return FAULT_NONE;
  tag = dynamo_type_tag(dynamo_value_type(av, &inner));
  *actual = tag;
  if (tag[0] != want || tag[1] != '\0')
    return FAULT_TYPE;
  if (!cJSON_IsString(inner) || inner->valuestring[0] == '\0')
    return FAULT_EMPTY;
  return FAULT_NONE;
}

struct finding {
  const struct dynamo_index *ix; /* NULL: nothing found */
  const char *attr;
  char want;
  const char *actual;
};

/* The fault of kind `kind` whose index name sorts first. only: when not
 * NULL, the attribute names to look at (n of them); others are skipped. */
static void find(const struct dynamo_table *tb, const cJSON *item, enum fault kind,
                 const char *const *only, size_t n, struct finding *f) {
  int i, k;
  size_t j;

  f->ix = NULL;
  for (i = 0; i < tb->nindexes; i++) {
    const struct dynamo_index *ix = &tb->indexes[i];
    for (k = 0; k < 2; k++) {
      const char *attr = k == 0 ? ix->hash_name : ix->range_name;
      char want = k == 0 ? ix->hash_type : ix->range_type;
      const char *actual;
      if (!want)
        continue;
      if (only) {
        for (j = 0; j < n && strcmp(only[j], attr) != 0; j++)
          ;
        if (j == n)
          continue;
      }
      if (fault_of(item, attr, want, &actual) != kind)
        continue;
      if (f->ix && strcmp(ix->name, f->ix->name) >= 0)
        continue;
      f->ix = ix;
      f->attr = attr;
      f->want = want;
      f->actual = actual;
      break; /* the hash key's fault comes before the sort key's */
    }
  }
}

static int type_mismatch(const struct finding *f, struct dynamo_error *err) {
  /* SPEC docs/spec/dynamodb.md 2.20: "One or more parameter values were
   * invalid: Type mismatch for Index Key <attr> Expected: <T> Actual: <T>
   * IndexName: <index>". */
  return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                          "One or more parameter values were invalid: Type mismatch for Index Key "
                          "%s Expected: %c Actual: %s IndexName: %s",
                          f->attr, f->want, f->actual, f->ix->name);
}

int dynamo_index_keys_check_item(const struct dynamo_table *tb, const cJSON *item,
                                 struct dynamo_error *err) {
  struct finding f;

  find(tb, item, FAULT_TYPE, NULL, 0, &f);
  if (f.ix)
    return type_mismatch(&f, err);
  find(tb, item, FAULT_EMPTY, NULL, 0, &f);
  if (f.ix)
    /* SPEC docs/spec/dynamodb.md 2.20: the empty index key of a written item. */
    return dynamo_error_set(
        err, DYNAMO_ERR_VALIDATION,
        "One or more parameter values are not valid. A value specified for a "
        "secondary index key is not supported. The AttributeValue for a key "
        "attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
        f.want == 'B' ? "binary" : "string", f.ix->name, f.attr);
  return 0;
}

int dynamo_index_keys_check_paths(const struct dynamo_table *tb, const struct dynamo_expr *update,
                                  struct dynamo_error *err) {
  int i, k;

  for (i = 0; i < tb->nindexes; i++)
    for (k = 0; k < 2; k++) {
      const char *attr = k == 0 ? tb->indexes[i].hash_name : tb->indexes[i].range_name;
      if ((k == 0 || tb->indexes[i].range_type) && dynamo_expr_update_nested(update, attr))
        /* SPEC docs/spec/dynamodb.md 2.20: an index key is a scalar; an
         * update may not write inside it. */
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                                "Key attributes must be scalars; list random access '[]' and map "
                                "lookup '.' are not allowed: IndexKey: %s",
                                attr);
    }
  return 0;
}

int dynamo_index_keys_check_static(const struct dynamo_table *tb, const struct dynamo_expr *update,
                                   struct dynamo_error *err) {
  struct finding f = {NULL, NULL, 0, NULL}, empty = {NULL, NULL, 0, NULL};
  int i, k;

  for (i = 0; i < tb->nindexes; i++)
    for (k = 0; k < 2; k++) {
      const struct dynamo_index *ix = &tb->indexes[i];
      const char *attr = k == 0 ? ix->hash_name : ix->range_name;
      char want = k == 0 ? ix->hash_type : ix->range_type;
      const cJSON *v, *inner = NULL;
      const char *tag;
      int kind;
      if (!want || (kind = dynamo_expr_update_static_value(update, attr, &v)) == 0)
        continue;
      tag = kind == 2 ? "N" : dynamo_type_tag(dynamo_value_type(v, &inner));
      if (tag[0] != want || tag[1] != '\0') {
        if (!f.ix || strcmp(ix->name, f.ix->name) < 0)
          f = (struct finding){ix, attr, want, tag};
      } else if (kind == 1 && cJSON_IsString(inner) && !inner->valuestring[0]) {
        if (!empty.ix || strcmp(ix->name, empty.ix->name) < 0)
          empty = (struct finding){ix, attr, want, tag};
      }
    }
  /* SPEC docs/spec/dynamodb.md 2.20: what the expression alone shows is
   * refused before the update runs (and before its condition). */
  if (f.ix)
    return type_mismatch(&f, err);
  if (empty.ix)
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values are not valid. The update expression "
                            "attempted to update a secondary index key to a value that is not "
                            "supported. The AttributeValue for a key attribute cannot contain an "
                            "empty %s value.",
                            empty.want == 'B' ? "binary" : "string");
  return 0;
}

int dynamo_index_keys_check_read_paths(const struct dynamo_table *tb, const struct dynamo_expr *e,
                                       struct dynamo_error *err) {
  static const char scalars[] =
      "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed";
  int i, k;

  if (!e)
    return 0;
  /* SPEC docs/spec/dynamodb.md 2.20: the table's keys ("Key: a") first,
   * then the indexes' ("IndexKey: d"). */
  if (dynamo_expr_nests(e, tb->hash_name) ||
      (tb->range_type && dynamo_expr_nests(e, tb->range_name)))
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s: Key: %s", scalars,
                            dynamo_expr_nests(e, tb->hash_name) ? tb->hash_name : tb->range_name);
  for (i = 0; i < tb->nindexes; i++)
    for (k = 0; k < 2; k++) {
      const char *attr = k == 0 ? tb->indexes[i].hash_name : tb->indexes[i].range_name;
      if ((k == 0 || tb->indexes[i].range_type) && dynamo_expr_nests(e, attr))
        return dynamo_error_set(err, DYNAMO_ERR_VALIDATION, "%s: IndexKey: %s", scalars, attr);
    }
  return 0;
}

int dynamo_index_keys_check_update(const struct dynamo_table *tb, const struct dynamo_expr *update,
                                   const cJSON *item, struct dynamo_error *err) {
  const char *targets[256];
  size_t n;
  struct finding f;

  if (!update || tb->nindexes == 0)
    return 0;
  n = dynamo_expr_update_targets(update, targets, 256);
  if (n > 256)
    n = 256;
  find(tb, item, FAULT_TYPE, targets, n, &f);
  if (f.ix && dynamo_expr_update_reads_item(update, f.attr))
    /* SPEC docs/spec/dynamodb.md 2.20: a wrong type copied from the item
     * ("SET c = e") is found as the update runs, in other words. */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "The update expression attempted to update the secondary index key to "
                            "unsupported type");
  if (f.ix)
    return type_mismatch(&f, err);
  find(tb, item, FAULT_EMPTY, targets, n, &f);
  if (f.ix)
    /* SPEC docs/spec/dynamodb.md 2.20: an update that makes an index key
     * empty (no index or attribute named). */
    return dynamo_error_set(err, DYNAMO_ERR_VALIDATION,
                            "One or more parameter values are not valid. The update expression "
                            "attempted to update a secondary index key to a value that is not "
                            "supported. The AttributeValue for a key attribute cannot contain an "
                            "empty %s value.",
                            f.want == 'B' ? "binary" : "string");
  return 0;
}
