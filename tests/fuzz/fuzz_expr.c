/*
 * fuzz_expr.c - libFuzzer target: the expression lexer, parser and
 * evaluator (dynamo_expr_parse, then evaluation of what parsed).
 *
 * Input: one byte picks the expression kind (condition, filter, key
 * condition, projection, update), the rest is the expression text. The
 * placeholders #n, #m, :v, :w, :s, :l, :m and :b are defined; a parsed
 * condition or filter is evaluated against a fixed item, a projection is
 * applied to it, an update is applied to a copy, and a key condition is
 * checked against the key schema (pk, sk).
 * Ownership: everything built per input is freed before returning.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_errors.h"
#include "dynamo_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char names_json[] = "{\"#n\":\"a\",\"#m\":\"m\"}";
static const char values_json[] =
    "{\":v\":{\"N\":\"1\"},\":w\":{\"N\":\"-2.5e3\"},\":s\":{\"S\":\"x\"},"
    "\":l\":{\"L\":[{\"S\":\"y\"}]},\":m\":{\"M\":{\"k\":{\"BOOL\":true}}},"
    "\":b\":{\"B\":\"AAE=\"},\":ss\":{\"SS\":[\"p\",\"q\"]},\":ns\":{\"NS\":[\"1\",\"2\"]}}";
static const char item_json[] =
    "{\"pk\":{\"S\":\"k\"},\"sk\":{\"N\":\"3\"},\"a\":{\"N\":\"7\"},\"s\":{\"S\":\"hello\"},"
    "\"l\":{\"L\":[{\"N\":\"1\"},{\"M\":{\"x\":{\"NULL\":true}}}]},"
    "\"m\":{\"M\":{\"k\":{\"BOOL\":false},\"n\":{\"M\":{\"z\":{\"SS\":[\"p\"]}}}}},"
    "\"ns\":{\"NS\":[\"1\",\"5\"]},\"b\":{\"B\":\"AAE=\"}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static cJSON *names, *values, *item;
  struct dynamo_expr_env env;
  struct dynamo_error err;
  struct dynamo_expr *e;
  enum dynamo_expr_kind kind;
  char *text;
  if (size < 1) {
    return 0;
  }
  if (!names) {
    names = cJSON_Parse(names_json);
    values = cJSON_Parse(values_json);
    item = cJSON_Parse(item_json);
  }
  kind = (enum dynamo_expr_kind)(data[0] % 5);
  text = malloc(size);
  if (!text) {
    return 0;
  }
  memcpy(text, data + 1, size - 1);
  text[size - 1] = '\0';
  dynamo_error_init(&err);
  dynamo_expr_env_init(&env, names, values);
  e = dynamo_expr_parse(kind, text, &env, &err);
  if (e) {
    if (kind == DYNAMO_EXPR_CONDITION || kind == DYNAMO_EXPR_FILTER) {
      int r = dynamo_expr_eval_condition(e, item, &err);
      if (r < -1 || r > 1) {
        abort();
      }
      dynamo_error_clear(&err);
      (void)dynamo_expr_eval_condition(e, NULL, &err);
    } else if (kind == DYNAMO_EXPR_PROJECTION) {
      cJSON_Delete(dynamo_expr_project(e, item));
    } else if (kind == DYNAMO_EXPR_UPDATE) {
      cJSON *copy = cJSON_Duplicate(item, 1);
      const char *targets[8];
      (void)dynamo_expr_apply_update(e, copy, &err);
      (void)dynamo_expr_update_targets(e, targets, 8);
      cJSON_Delete(copy);
    } else {
      struct dynamo_key_condition kc;
      (void)dynamo_expr_key_condition(e, "pk", "sk", &kc, &err);
    }
    dynamo_error_clear(&err);
    (void)dynamo_expr_env_check_unused(&env, &err);
    dynamo_expr_free(e);
  }
  dynamo_error_clear(&err);
  dynamo_expr_env_free(&env);
  free(text);
  return 0;
}
