/*
 * emu_event_filter.c - event filter patterns: checking and matching (see
 * emu_event_filter.h).
 *
 * Invariant: emu_event_filter_match only sees patterns that passed
 * emu_event_filter_check, so it never meets an unknown operator and its
 * recursion is bounded by EMU_EVENT_FILTER_MAX_DEPTH.
 */
#include "emu_event_filter.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- Checking ---------------------------------------------------------- */

static int is_scalar(const cJSON *v) {
  return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v) || cJSON_IsNull(v);
}

static int check_string_op(const cJSON *op, int allow_ignore_case, char *err, size_t cap) {
  if (cJSON_IsString(op))
    return 0;
  if (allow_ignore_case && cJSON_IsObject(op) && cJSON_GetArraySize(op) == 1 &&
      strcmp(op->child->string, "equals-ignore-case") == 0 && cJSON_IsString(op->child))
    return 0;
  snprintf(err, cap, "\"%s\" expects a string", op->string);
  return -1;
}

static int check_numeric(const cJSON *arr, char *err, size_t cap) {
  int n = cJSON_GetArraySize(arr), i;

  if (!cJSON_IsArray(arr) || (n != 2 && n != 4)) {
    snprintf(err, cap, "\"numeric\" expects [op, number] or [op, number, op, number]");
    return -1;
  }
  for (i = 0; i < n; i += 2) {
    const cJSON *op = cJSON_GetArrayItem(arr, i), *num = cJSON_GetArrayItem(arr, i + 1);
    if (!cJSON_IsString(op) ||
        (strcmp(op->valuestring, "=") && strcmp(op->valuestring, "<") &&
         strcmp(op->valuestring, "<=") && strcmp(op->valuestring, ">") &&
         strcmp(op->valuestring, ">=")) ||
        !cJSON_IsNumber(num)) {
      snprintf(err, cap, "\"numeric\": expected an operator (=, <, <=, >, >=) and a number");
      return -1;
    }
  }
  return 0;
}

static int check_matcher(const cJSON *m, char *err, size_t cap) {
  const cJSON *op;

  if (is_scalar(m))
    return 0;
  if (!cJSON_IsObject(m) || cJSON_GetArraySize(m) != 1) {
    snprintf(err, cap,
             "a value must be a string, number, boolean, null or an object with one "
             "operator");
    return -1;
  }
  op = m->child;
  if (strcmp(op->string, "prefix") == 0)
    return check_string_op(op, 1, err, cap);
  if (strcmp(op->string, "suffix") == 0 || strcmp(op->string, "equals-ignore-case") == 0)
    return check_string_op(op, 0, err, cap);
  if (strcmp(op->string, "exists") == 0) {
    if (cJSON_IsBool(op))
      return 0;
    snprintf(err, cap, "\"exists\" expects true or false");
    return -1;
  }
  if (strcmp(op->string, "numeric") == 0)
    return check_numeric(op, err, cap);
  if (strcmp(op->string, "anything-but") == 0) {
    const cJSON *it;
    if (is_scalar(op))
      return 0;
    if (cJSON_IsArray(op)) {
      cJSON_ArrayForEach(it, op) {
        if (!cJSON_IsString(it) && !cJSON_IsNumber(it)) {
          snprintf(err, cap, "\"anything-but\" lists strings or numbers");
          return -1;
        }
      }
      return 0;
    }
    if (cJSON_IsObject(op) && cJSON_GetArraySize(op) == 1 &&
        (strcmp(op->child->string, "prefix") == 0 || strcmp(op->child->string, "suffix") == 0 ||
         strcmp(op->child->string, "equals-ignore-case") == 0) &&
        cJSON_IsString(op->child))
      return 0;
    snprintf(err, cap,
             "\"anything-but\" expects a value, a list, or {\"prefix\"|\"suffix\"|"
             "\"equals-ignore-case\": string}");
    return -1;
  }
  snprintf(err, cap,
           "unknown operator \"%.64s\" (expected prefix, suffix, equals-ignore-case, "
           "anything-but, numeric or exists)",
           op->string);
  return -1;
}

static int check_object(const cJSON *pattern, int depth, char *err, size_t cap) {
  const cJSON *it, *m;

  if (depth > EMU_EVENT_FILTER_MAX_DEPTH) {
    snprintf(err, cap, "the pattern nests deeper than %d objects", EMU_EVENT_FILTER_MAX_DEPTH);
    return -1;
  }
  if (!cJSON_IsObject(pattern) || !pattern->child) {
    snprintf(err, cap, "a pattern is a non-empty JSON object");
    return -1;
  }
  cJSON_ArrayForEach(it, pattern) {
    if (cJSON_IsObject(it)) {
      if (check_object(it, depth + 1, err, cap) != 0)
        return -1;
      continue;
    }
    if (!cJSON_IsArray(it) || !it->child) {
      snprintf(err, cap, "\"%.64s\": expected an array of values or an object", it->string);
      return -1;
    }
    cJSON_ArrayForEach(m, it) {
      if (check_matcher(m, err, cap) != 0)
        return -1;
    }
  }
  return 0;
}

int emu_event_filter_check(const cJSON *pattern, char *err, size_t cap) {
  return check_object(pattern, 1, err, cap);
}

cJSON *emu_event_filter_parse(const char *text, char *err, size_t cap) {
  cJSON *p;

  if (strlen(text) > EMU_EVENT_FILTER_MAX_PATTERN) {
    snprintf(err, cap, "a pattern is at most %d characters", EMU_EVENT_FILTER_MAX_PATTERN);
    return NULL;
  }
  if (!(p = cJSON_Parse(text))) {
    snprintf(err, cap, "the pattern is not valid JSON");
    return NULL;
  }
  if (emu_event_filter_check(p, err, cap) != 0) {
    cJSON_Delete(p);
    return NULL;
  }
  return p;
}

/* ---- Matching ---------------------------------------------------------- */

static int has_prefix(const char *s, const char *p, int ignore_case) {
  size_t n = strlen(p);

  return strlen(s) >= n && (ignore_case ? strncasecmp(s, p, n) : strncmp(s, p, n)) == 0;
}

static int has_suffix(const char *s, const char *p) {
  size_t n = strlen(p), m = strlen(s);

  return m >= n && strcmp(s + m - n, p) == 0;
}

static int scalar_equal(const cJSON *m, const cJSON *v) {
  if (cJSON_IsString(m))
    return cJSON_IsString(v) && strcmp(m->valuestring, v->valuestring) == 0;
  if (cJSON_IsNumber(m))
    return cJSON_IsNumber(v) && m->valuedouble == v->valuedouble;
  if (cJSON_IsBool(m))
    return cJSON_IsBool(v) && cJSON_IsTrue(m) == cJSON_IsTrue(v);
  return cJSON_IsNull(m) && cJSON_IsNull(v);
}

static int numeric_holds(const char *op, double v, double n) {
  if (strcmp(op, "=") == 0)
    return v == n;
  if (strcmp(op, "<") == 0)
    return v < n;
  if (strcmp(op, "<=") == 0)
    return v <= n;
  if (strcmp(op, ">") == 0)
    return v > n;
  return v >= n;
}

/* Whether the string operator {name: arg} holds for v. */
static int string_op(const char *name, const cJSON *arg, const cJSON *v) {
  if (!cJSON_IsString(v))
    return 0;
  if (strcmp(name, "prefix") == 0) {
    if (cJSON_IsObject(arg))
      return has_prefix(v->valuestring, arg->child->valuestring, 1);
    return has_prefix(v->valuestring, arg->valuestring, 0);
  }
  if (strcmp(name, "suffix") == 0)
    return has_suffix(v->valuestring, arg->valuestring);
  return strcasecmp(v->valuestring, arg->valuestring) == 0;
}

/* One matcher against one present value (not an array). */
static int matcher_holds(const cJSON *m, const cJSON *v) {
  const cJSON *op;

  if (!cJSON_IsObject(m))
    return scalar_equal(m, v);
  op = m->child;
  if (strcmp(op->string, "exists") == 0)
    return cJSON_IsTrue(op);
  if (strcmp(op->string, "numeric") == 0) {
    int i, n = cJSON_GetArraySize(op);
    if (!cJSON_IsNumber(v))
      return 0;
    for (i = 0; i < n; i += 2)
      if (!numeric_holds(cJSON_GetArrayItem(op, i)->valuestring, v->valuedouble,
                         cJSON_GetArrayItem(op, i + 1)->valuedouble))
        return 0;
    return 1;
  }
  if (strcmp(op->string, "anything-but") == 0) {
    const cJSON *it;
    if (cJSON_IsObject(op))
      return cJSON_IsString(v) && !string_op(op->child->string, op->child, v);
    if (cJSON_IsArray(op)) {
      cJSON_ArrayForEach(it, op) {
        if (scalar_equal(it, v))
          return 0;
      }
      return 1;
    }
    return !scalar_equal(op, v);
  }
  return string_op(op->string, op, v);
}

/* A field's list of matchers against the field (NULL: absent). */
static int values_match(const cJSON *list, const cJSON *field) {
  const cJSON *m, *el;

  cJSON_ArrayForEach(m, list) {
    const cJSON *op = cJSON_IsObject(m) ? m->child : NULL;
    int exists_op = op && strcmp(op->string, "exists") == 0;
    if (!field) {
      /* SPEC: docs/spec/lambda-esm.md 6: only {"exists": false} matches an
       * absent field. */
      if (exists_op && cJSON_IsFalse(op))
        return 1;
      continue;
    }
    if (exists_op) {
      if (cJSON_IsTrue(op))
        return 1;
      continue;
    }
    if (cJSON_IsArray(field)) {
      /* An array field matches when any of its elements does. */
      cJSON_ArrayForEach(el, field) {
        if (matcher_holds(m, el))
          return 1;
      }
      continue;
    }
    if (matcher_holds(m, field))
      return 1;
  }
  return 0;
}

int emu_event_filter_match(const cJSON *pattern, const cJSON *record) {
  const cJSON *it;

  cJSON_ArrayForEach(it, pattern) {
    const cJSON *field = cJSON_IsObject(record)
                             ? cJSON_GetObjectItemCaseSensitive(record, it->string)
                             : NULL;
    if (cJSON_IsObject(it)) {
      if (!emu_event_filter_match(it, field))
        return 0;
    } else if (!values_match(it, field)) {
      return 0;
    }
  }
  return 1;
}

int emu_event_filter_match_any(const cJSON *patterns, const cJSON *record) {
  const cJSON *p;

  if (!patterns || !patterns->child)
    return 1;
  cJSON_ArrayForEach(p, patterns) {
    if (emu_event_filter_match(p, record))
      return 1;
  }
  return 0;
}
