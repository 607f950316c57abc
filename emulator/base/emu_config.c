/*
 * emu_config.c - loads and validates the `--config` file (see emu_config.h).
 *
 * Validation walks the cJSON tree with a path stack (apis[0].routes.echo...)
 * so that every error names the field. cJSON keeps no source positions, so
 * a small scanner (config_locate) finds the offending value's line and
 * column in the original text by following the same path.
 *
 * Unknown fields are errors: a misspelt "routeSelectionExpresion" must not
 * silently fall back to a default.
 * Threading: single-threaded, at start-up.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "emu_config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "emu_event_filter.h"
#include "emu_file.h"
#include "emu_id.h"
#include "emu_strv.h"

#define CONFIG_MAX_BYTES (4 * 1024 * 1024)
#define PATH_MAX_DEPTH 16

struct path_seg {
  const char *key; /* member name, or NULL for an array index */
  int index;
};

struct config_ctx {
  const char *text;
  size_t len;
  const char *source;
  struct path_seg path[PATH_MAX_DEPTH];
  int depth;
  char *err;
  size_t cap;
  const cJSON *tables;       /* the root's "tables" (borrowed; NULL or not yet checked) */
  const char *region;        /* the config's region, once read */
  const struct emu_api *api; /* the API being read: name and stage */
};

/* ---- Locating a path in the source text ------------------------------ */

static const char *skip_ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* Skips a JSON string starting at '"'; returns the position after it. */
static const char *skip_string(const char *p, const char *end) {
  for (p++; p < end; p++) {
    if (*p == '\\')
      p++;
    else if (*p == '"')
      return p + 1;
  }
  return end;
}

/* Skips one value without recursion (brackets are counted). The text was
 * already parsed by cJSON, so it is well formed. */
static const char *skip_value(const char *p, const char *end) {
  int nest = 0;

  p = skip_ws(p, end);
  do {
    if (p >= end)
      return end;
    if (*p == '"') {
      p = skip_string(p, end);
      continue;
    }
    if (*p == '{' || *p == '[')
      nest++;
    else if (*p == '}' || *p == ']')
      nest--;
    else if (nest == 0 && (*p == ',' || *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
      return p;
    p++;
  } while (nest > 0 || (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
                        *p != '\r' && *p != '\t'));
  return p;
}

/* Finds the start of the value at path[0..n) below the value at p. */
static const char *config_locate(const char *p, const char *end, const struct path_seg *path,
                                 int n) {
  int i;

  for (i = 0; i < n; i++) {
    p = skip_ws(p, end);
    if (p >= end)
      return NULL;
    if (path[i].key && *p == '{') {
      size_t klen = strlen(path[i].key);
      p++;
      for (;;) {
        const char *kstart, *kend;
        p = skip_ws(p, end);
        if (p >= end || *p != '"')
          return NULL;
        kstart = p + 1;
        kend = skip_string(p, end) - 1;
        p = skip_ws(kend + 1, end);
        if (p < end && *p == ':')
          p++;
        if ((size_t)(kend - kstart) == klen && memcmp(kstart, path[i].key, klen) == 0)
          break;
        p = skip_ws(skip_value(p, end), end);
        if (p >= end || *p != ',')
          return NULL;
        p++;
      }
    } else if (!path[i].key && *p == '[') {
      int k;
      p++;
      for (k = 0; k < path[i].index; k++) {
        p = skip_ws(skip_value(p, end), end);
        if (p >= end || *p != ',')
          return NULL;
        p++;
      }
    } else {
      return NULL;
    }
  }
  return skip_ws(p, end);
}

static void line_col(const char *text, const char *at, int *line, int *col) {
  const char *p;

  *line = 1;
  *col = 1;
  for (p = text; p < at; p++) {
    if (*p == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

static int config_fail(struct config_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int config_fail(struct config_ctx *c, const char *fmt, ...) {
  char path[512] = "", msg[512];
  size_t used = 0;
  int i, line = 0, col = 0;
  const char *at;
  va_list ap;

  for (i = 0; i < c->depth && used < sizeof(path); i++) {
    int n;
    if (c->path[i].key)
      n = snprintf(path + used, sizeof(path) - used, "%s%s", i ? "." : "", c->path[i].key);
    else
      n = snprintf(path + used, sizeof(path) - used, "[%d]", c->path[i].index);
    if (n < 0)
      break;
    used += (size_t)n;
  }
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  /* A missing field has no position: point at the nearest enclosing value. */
  for (i = c->depth < PATH_MAX_DEPTH ? c->depth : PATH_MAX_DEPTH, at = NULL; i >= 0 && !at; i--)
    at = config_locate(c->text, c->text + c->len, c->path, i);
  if (at)
    line_col(c->text, at, &line, &col);
  if (at)
    snprintf(c->err, c->cap, "%s:%d:%d: %s: %s", c->source, line, col, used ? path : "(top level)",
             msg);
  else
    snprintf(c->err, c->cap, "%s: %s: %s", c->source, used ? path : "(top level)", msg);
  return -1;
}

static void push_key(struct config_ctx *c, const char *key) {
  if (c->depth < PATH_MAX_DEPTH) {
    c->path[c->depth].key = key;
    c->path[c->depth].index = 0;
  }
  c->depth++;
}

static void push_index(struct config_ctx *c, int index) {
  if (c->depth < PATH_MAX_DEPTH) {
    c->path[c->depth].key = NULL;
    c->path[c->depth].index = index;
  }
  c->depth++;
}

static void pop(struct config_ctx *c) {
  c->depth--;
}

/* ---- Field checks ----------------------------------------------------- */

/* JSON allows a name twice and cJSON keeps both; a config must not. */
static int check_duplicates(struct config_ctx *c, const cJSON *obj) {
  const cJSON *it, *prev;

  cJSON_ArrayForEach(it, obj) {
    for (prev = obj->child; prev != it; prev = prev->next) {
      if (strcmp(prev->string, it->string) == 0) {
        push_key(c, it->string);
        return config_fail(c, "this field appears twice");
      }
    }
  }
  return 0;
}

/* Fails on any member of obj whose name is not in allowed (NULL-ended). */
static int check_members(struct config_ctx *c, const cJSON *obj, const char *const *allowed) {
  const cJSON *it;

  if (check_duplicates(c, obj) != 0)
    return -1;
  cJSON_ArrayForEach(it, obj) {
    const char *const *a;
    for (a = allowed; *a; a++)
      if (strcmp(*a, it->string) == 0)
        break;
    if (!*a) {
      char list[256] = "";
      size_t used = 0;
      for (a = allowed; *a && used < sizeof(list); a++) {
        int n = snprintf(list + used, sizeof(list) - used, "%s%s", a == allowed ? "" : ", ", *a);
        if (n < 0)
          break;
        used += (size_t)n;
      }
      push_key(c, it->string);
      return config_fail(c, "unknown field (expected one of: %s)", list);
    }
  }
  return 0;
}

static int get_string(struct config_ctx *c, const cJSON *obj, const char *name, const char *dflt,
                      char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
  int rc = 0;

  if (!v) {
    if (!dflt) {
      push_key(c, name);
      rc = config_fail(c, "required field is missing");
      pop(c);
      return rc;
    }
    *out = strdup(dflt);
    return 0;
  }
  push_key(c, name);
  if (!cJSON_IsString(v) || !v->valuestring[0])
    rc = config_fail(c, "expected a non-empty string");
  else
    *out = strdup(v->valuestring);
  pop(c);
  return rc;
}

/* SST takes a timeout as seconds or as "N seconds"/"N minutes". */
static int parse_timeout(struct config_ctx *c, const cJSON *v, int *ms) {
  double secs = -1;

  if (cJSON_IsNumber(v)) {
    secs = v->valuedouble;
  } else if (cJSON_IsString(v)) {
    char unit[16] = "";
    double n;
    int used = 0;
    if (sscanf(v->valuestring, "%lf %15s%n", &n, unit, &used) == 2 &&
        v->valuestring[used] == '\0') {
      if (!strcmp(unit, "second") || !strcmp(unit, "seconds"))
        secs = n;
      else if (!strcmp(unit, "minute") || !strcmp(unit, "minutes"))
        secs = n * 60;
    } else if (sscanf(v->valuestring, "%lf%n", &n, &used) == 1 && v->valuestring[used] == '\0') {
      secs = n;
    }
  }
  if (!(secs > 0) || secs > 900)
    return config_fail(
        c, "expected a timeout in seconds between 0 and 900 (a number, or \"N seconds\")");
  *ms = (int)(secs * 1000 + 0.5);
  if (*ms < 1)
    *ms = 1;
  return 0;
}

static int check_environment(struct config_ctx *c, const cJSON *env) {
  const cJSON *it;

  if (!cJSON_IsObject(env))
    return config_fail(c, "expected an object of string values");
  cJSON_ArrayForEach(it, env) {
    if (!cJSON_IsString(it)) {
      int rc;
      push_key(c, it->string);
      rc = config_fail(c, "expected a string value");
      pop(c);
      return rc;
    }
  }
  return 0;
}

/* Reads a `function` value (a handler name, or an object) into fn, on top
 * of the defaults already in fn. */
/* SPEC docs/spec/lambda-runtime.md 7: runtime identifiers nodejsNN.x, and provided,
 * provided.al2, provided.al2023 (OS-only runtimes running a bootstrap). */
static int runtime_known(const char *r) {
  size_t n = strspn(r + (strncmp(r, "nodejs", 6) == 0 ? 6 : 0), "0123456789");

  if (strncmp(r, "nodejs", 6) == 0)
    return n > 0 && strcmp(r + 6 + n, ".x") == 0;
  return !strcmp(r, "provided") || !strcmp(r, "provided.al2") || !strcmp(r, "provided.al2023");
}

static int parse_command(struct config_ctx *c, const cJSON *v, struct emu_function *fn) {
  const cJSON *it;
  size_t n = 0;

  if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 || cJSON_GetArraySize(v) > 256)
    return config_fail(c, "expected an array of 1 to 256 strings: the program and its arguments");
  cJSON_ArrayForEach(it, v) {
    if (!cJSON_IsString(it) || (n == 0 && !it->valuestring[0]))
      return config_fail(c, "expected an array of strings (the program first, not empty)");
    n++;
  }
  emu_strv_free(fn->command);
  fn->command = calloc(n + 1, sizeof(*fn->command));
  if (!fn->command)
    return config_fail(c, "out of memory");
  n = 0;
  cJSON_ArrayForEach(it, v)
    fn->command[n++] = strdup(it->valuestring);
  return 0;
}

static int parse_int_field(struct config_ctx *c, const cJSON *obj, const char *name, int lo, int hi,
                           int *out) {
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);
  int rc = 0;

  if (!f)
    return 0;
  push_key(c, name);
  /* The range first: converting a double out of int's range is undefined. */
  if (!cJSON_IsNumber(f) || !(f->valuedouble >= lo && f->valuedouble <= hi) ||
      f->valuedouble != (double)(int)f->valuedouble)
    rc = config_fail(c, "expected an integer from %d to %d", lo, hi);
  else
    *out = f->valueint;
  pop(c);
  return rc;
}

/* Whether "tables" holds a CreateTable request named name. */
static int table_declared(const cJSON *tables, const char *name) {
  const cJSON *t;

  cJSON_ArrayForEach(t, tables) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(t, "TableName");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
      return 1;
  }
  return 0;
}

/* SST's `bind`: an array of table names, each declared in "tables"; added
 * to the names already in fn->bind (defaults'), each once. */
static int parse_bind(struct config_ctx *c, const cJSON *v, struct emu_function *fn) {
  const cJSON *it;
  int i = 0;

  if (!cJSON_IsArray(v))
    return config_fail(c, "expected an array of table names (from \"tables\")");
  if (!fn->bind && !(fn->bind = cJSON_CreateArray()))
    return config_fail(c, "out of memory");
  cJSON_ArrayForEach(it, v) {
    const cJSON *have;
    int dup = 0;
    push_index(c, i++);
    if (!cJSON_IsString(it) || !it->valuestring[0])
      return config_fail(c, "expected a table name (wsgw binds tables only)");
    if (!table_declared(c->tables, it->valuestring))
      return config_fail(c, "table \"%s\" is not in \"tables\"", it->valuestring);
    pop(c);
    cJSON_ArrayForEach(have, fn->bind)
      dup |= strcmp(have->valuestring, it->valuestring) == 0;
    if (!dup)
      cJSON_AddItemToArray(fn->bind, cJSON_CreateString(it->valuestring));
  }
  return 0;
}

/* Adds key=value to fn's environment unless the function sets key itself. */
static void bind_env(struct emu_function *fn, const char *key, const char *value) {
  if (!cJSON_HasObjectItem(fn->environment, key))
    cJSON_AddStringToObject(fn->environment, key, value);
}

/* The environment SST v2 gives a function with bound resources, for the
 * `sst/node/table` client: SST_Table_tableName_<id> = the table's name for
 * each bound table (the client reads Table.<id>.tableName from it), and
 * SST_APP, SST_STAGE, SST_REGION, SST_SSM_PREFIX. The app is the API's name.
 * The id is the table name with characters other than letters, digits and
 * '_' as '_' (the client looks ids up with '-' as '_'). A key the
 * function's environment sets explicitly wins. */
static void apply_bind(const struct config_ctx *c, struct emu_function *fn) {
  const cJSON *it;
  char key[320], prefix[600];

  if (!fn->bind || !cJSON_GetArraySize(fn->bind))
    return;
  bind_env(fn, "SST_APP", c->api->name);
  bind_env(fn, "SST_STAGE", c->api->stage);
  bind_env(fn, "SST_REGION", c->region);
  snprintf(prefix, sizeof(prefix), "/sst/%s/%s/", c->api->name, c->api->stage);
  bind_env(fn, "SST_SSM_PREFIX", prefix);
  cJSON_ArrayForEach(it, fn->bind) {
    char *p;
    int n = snprintf(key, sizeof(key), "SST_Table_tableName_%s", it->valuestring);
    for (p = key + 20; n > 0 && *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
        *p = '_';
    bind_env(fn, key, it->valuestring);
  }
}

static int parse_function(struct config_ctx *c, const cJSON *v, struct emu_function *fn) {
  static const char *const fields[] = {"handler", "timeout",    "environment", "runtime",
                                       "command", "memorySize", "concurrency", "permissions",
                                       "bind",    NULL};
  const cJSON *f;

  if (cJSON_IsString(v)) {
    if (!v->valuestring[0])
      return config_fail(c, "expected a handler name");
    free(fn->handler);
    fn->handler = strdup(v->valuestring);
    return 0;
  }
  if (!cJSON_IsObject(v))
    return config_fail(c, "expected a handler name or an object with \"handler\"");
  if (check_members(c, v, fields) != 0)
    return -1;
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "handler")) != NULL) {
    char *h = NULL;
    if (get_string(c, v, "handler", NULL, &h) != 0)
      return -1;
    free(fn->handler);
    fn->handler = h;
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "timeout")) != NULL) {
    int rc;
    push_key(c, "timeout");
    rc = parse_timeout(c, f, &fn->timeout_ms);
    pop(c);
    if (rc)
      return -1;
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "environment")) != NULL) {
    const cJSON *it;
    int rc;
    push_key(c, "environment");
    rc = check_environment(c, f);
    pop(c);
    if (rc)
      return -1;
    cJSON_ArrayForEach(it, f) {
      cJSON_DeleteItemFromObjectCaseSensitive(fn->environment, it->string);
      cJSON_AddStringToObject(fn->environment, it->string, it->valuestring);
    }
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "runtime")) != NULL) {
    char *r = NULL;
    if (get_string(c, v, "runtime", NULL, &r) != 0)
      return -1;
    if (!runtime_known(r)) {
      push_key(c, "runtime");
      config_fail(c,
                  "runtime \"%s\" is not supported: use nodejsNN.x (e.g. nodejs20.x), "
                  "provided.al2023 with \"command\", or no runtime for a C handler",
                  r);
      free(r);
      return -1;
    }
    free(fn->runtime);
    fn->runtime = r;
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "command")) != NULL) {
    int rc;
    push_key(c, "command");
    rc = parse_command(c, f, fn);
    pop(c);
    if (rc)
      return -1;
  }
  /* SPEC docs/spec/lambda-runtime.md 7: memory 128 MB to 10,240 MB. */
  if (parse_int_field(c, v, "memorySize", 128, 10240, &fn->memory_mb) != 0 ||
      parse_int_field(c, v, "concurrency", 1, EMU_CONFIG_MAX_CONCURRENCY, &fn->concurrency) != 0)
    return -1;
  /* DEVIATION: SST's `permissions` ("*", or IAM actions, policy statements,
   * constructs) become the function's IAM policy on AWS; wsgw accepts the
   * same shapes and enforces nothing: every function may call everything. */
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "permissions")) != NULL && !cJSON_IsArray(f) &&
      !cJSON_IsString(f) && !cJSON_IsObject(f)) {
    push_key(c, "permissions");
    return config_fail(c, "expected \"*\", an array of actions or statements, or an object");
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "bind")) != NULL) {
    int rc;
    push_key(c, "bind");
    rc = parse_bind(c, f, fn);
    pop(c);
    if (rc)
      return -1;
  }
  return 0;
}

/* A route's or authorizer's function once its defaults are merged: what it
 * runs must be complete. */
static int check_function(struct config_ctx *c, const struct emu_function *fn, const char *what) {
  if (!fn->runtime) {
    if (fn->command)
      return config_fail(c, "%s has a \"command\" but no \"runtime\" (provided.al2023)", what);
    if (!fn->handler)
      return config_fail(c, "%s has no \"handler\"", what);
    return 0;
  }
  if (strncmp(fn->runtime, "nodejs", 6) == 0) {
    const char *slash = strrchr(fn->handler ? fn->handler : "", '/');
    const char *dot = strchr(slash ? slash + 1 : fn->handler ? fn->handler : "", '.');
    if (fn->command)
      return config_fail(c, "%s: \"command\" is for provided runtimes; %s runs \"handler\"", what,
                         fn->runtime);
    /* SPEC docs/spec/lambda-nodejs.md 1: a Node.js handler is FILE.EXPORT, the file
     * relative to the task root. */
    if (!fn->handler || !dot || dot == fn->handler || !dot[1] || (slash && dot == slash + 1))
      return config_fail(c,
                         "%s needs \"handler\": \"path/to/file.export\" (e.g. "
                         "\"src/lambda.main\" for src/lambda.ts or .js exporting main)",
                         what);
    return 0;
  }
  if (!fn->command)
    return config_fail(c, "%s: runtime %s needs \"command\": [\"./bootstrap\", ...]", what,
                       fn->runtime);
  return 0;
}

static void function_free(struct emu_function *fn) {
  free(fn->handler);
  cJSON_Delete(fn->environment);
  free(fn->runtime);
  emu_strv_free(fn->command);
  cJSON_Delete(fn->bind);
  memset(fn, 0, sizeof(*fn));
}

static int copy_function(const struct emu_function *src, struct emu_function *dst) {
  *dst = *src;
  dst->handler = src->handler ? strdup(src->handler) : NULL;
  dst->environment = cJSON_Duplicate(src->environment, 1);
  dst->runtime = src->runtime ? strdup(src->runtime) : NULL;
  dst->command = emu_strv_dup((const char *const *)src->command);
  dst->bind = src->bind ? cJSON_Duplicate(src->bind, 1) : NULL;
  if ((src->command && !dst->command) || (src->bind && !dst->bind))
    return -1;
  return dst->environment ? 0 : -1;
}

/* SPEC docs/spec/apigw-websocket.md 3: custom route keys must not start with '$'
 * (reserved); $connect, $disconnect and $default are the predefined ones. */
static int check_route_key(struct config_ctx *c, const char *key) {
  if (!key[0])
    return config_fail(c, "a route key cannot be empty");
  if (key[0] == '$' && strcmp(key, "$connect") && strcmp(key, "$disconnect") &&
      strcmp(key, "$default"))
    return config_fail(c, "route keys starting with '$' are reserved: use $connect, "
                          "$disconnect or $default");
  return 0;
}

static int parse_route(struct config_ctx *c, const cJSON *v, const struct emu_function *defaults,
                       struct emu_route *r) {
  static const char *const fields[] = {"function", "returnResponse", NULL};
  const cJSON *f;

  if (copy_function(defaults, &r->fn) != 0)
    return config_fail(c, "out of memory");
  if (cJSON_IsString(v)) {
    if (parse_function(c, v, &r->fn) != 0)
      return -1;
    apply_bind(c, &r->fn);
    return check_function(c, &r->fn, "the route");
  }
  if (!cJSON_IsObject(v))
    return config_fail(c, "expected a handler name or an object with \"function\"");
  if (check_members(c, v, fields) != 0)
    return -1;
  f = cJSON_GetObjectItemCaseSensitive(v, "function");
  if (!f)
    return config_fail(c, "a route object needs \"function\"");
  push_key(c, "function");
  if (parse_function(c, f, &r->fn) != 0)
    return -1;
  pop(c);
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "returnResponse")) != NULL) {
    push_key(c, "returnResponse");
    if (!cJSON_IsBool(f))
      return config_fail(c, "expected true or false");
    pop(c);
    r->return_response = cJSON_IsTrue(f);
  }
  apply_bind(c, &r->fn);
  return check_function(c, &r->fn, "the route's function");
}

static int check_string_map(struct config_ctx *c, const cJSON *v) {
  return check_environment(c, v);
}

static int parse_authorizer(struct config_ctx *c, const cJSON *v,
                            const struct emu_function *defaults, struct emu_api *api) {
  static const char *const fields[] = {"type", "name", "function", "identitySource", NULL};
  const cJSON *type, *fn, *ids, *it;
  struct emu_authorizer *a;

  /* SST's WebSocketApi authorizer: "none", "iam" or {type: "lambda", ...}. */
  if (cJSON_IsString(v) && strcmp(v->valuestring, "none") == 0)
    return 0;
  if (cJSON_IsString(v) && strcmp(v->valuestring, "iam") == 0) {
    api->iam_auth = 1;
    return 0;
  }
  if (!cJSON_IsObject(v))
    return config_fail(c, "expected \"none\", \"iam\" or an object {\"type\": \"lambda\", "
                          "\"function\": ..., \"identitySource\": [...]}");
  if (check_members(c, v, fields) != 0)
    return -1;
  type = cJSON_GetObjectItemCaseSensitive(v, "type");
  if (!cJSON_IsString(type) || strcmp(type->valuestring, "lambda") != 0) {
    push_key(c, "type");
    return config_fail(c, "only \"lambda\" (a REQUEST authorizer) is supported");
  }
  a = calloc(1, sizeof(*a));
  api->authorizer = a;
  if (copy_function(defaults, &a->fn) != 0)
    return config_fail(c, "out of memory");
  fn = cJSON_GetObjectItemCaseSensitive(v, "function");
  push_key(c, "function");
  if (!fn)
    return config_fail(c, "required field is missing");
  if (parse_function(c, fn, &a->fn) != 0)
    return -1;
  apply_bind(c, &a->fn);
  if (check_function(c, &a->fn, "the authorizer's function") != 0)
    return -1;
  pop(c);
  ids = cJSON_GetObjectItemCaseSensitive(v, "identitySource");
  if (ids) {
    push_key(c, "identitySource");
    if (cJSON_IsString(ids)) {
      a->identity_source = cJSON_CreateArray();
      cJSON_AddItemToArray(a->identity_source, cJSON_CreateString(ids->valuestring));
    } else if (cJSON_IsArray(ids)) {
      a->identity_source = cJSON_Duplicate(ids, 1);
    } else {
      return config_fail(c, "expected an array of identity sources");
    }
    cJSON_ArrayForEach(it, a->identity_source) {
      /* SPEC docs/spec/apigw-websocket.md 9: identity sources name a header or a
       * query string parameter of the $connect request. */
      if (!cJSON_IsString(it) || (strncmp(it->valuestring, "route.request.header.", 21) != 0 &&
                                  strncmp(it->valuestring, "route.request.querystring.", 26) != 0))
        return config_fail(c, "each identity source must be route.request.header.<Name> or "
                              "route.request.querystring.<Name>");
    }
    pop(c);
  } else {
    a->identity_source = cJSON_CreateArray();
  }
  return 0;
}

static int parse_access_log(struct config_ctx *c, const cJSON *v, struct emu_api *api) {
  static const char *const fields[] = {"format", "destination", NULL};
  const cJSON *f;

  if (cJSON_IsBool(v)) {
    api->access_log = cJSON_IsTrue(v);
    return 0;
  }
  if (cJSON_IsString(v)) {
    api->access_log = 1;
    api->access_log_format = strdup(v->valuestring);
    return 0;
  }
  if (!cJSON_IsObject(v))
    return config_fail(c,
                       "expected true, a $context format string, or {\"format\", \"destination\"}");
  if (check_members(c, v, fields) != 0)
    return -1;
  api->access_log = 1;
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "format")) != NULL &&
      get_string(c, v, "format", NULL, &api->access_log_format) != 0)
    return -1;
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "destination")) != NULL &&
      get_string(c, v, "destination", NULL, &api->access_log_destination) != 0)
    return -1;
  return 0;
}

static int parse_custom_domain(struct config_ctx *c, const cJSON *v, struct emu_api *api) {
  static const char *const fields[] = {"domainName", "path", NULL};
  const char *p;

  /* SST takes the domain name alone: the same as {"domainName": it}, with
   * no mapping path. */
  if (cJSON_IsString(v)) {
    if (!v->valuestring[0])
      return config_fail(c, "expected a domain name");
    api->domain_name = strdup(v->valuestring);
    return 0;
  }
  if (!cJSON_IsObject(v))
    return config_fail(c, "expected a domain name, or an object {\"domainName\", \"path\"}");
  if (check_members(c, v, fields) != 0 ||
      get_string(c, v, "domainName", NULL, &api->domain_name) != 0)
    return -1;
  if (cJSON_GetObjectItemCaseSensitive(v, "path") &&
      get_string(c, v, "path", NULL, &api->base_path) != 0)
    return -1;
  /* SPEC docs/spec/apigw-websocket.md 1: mapping keys may contain letters, digits and
   * $-_.+!*'(), max 300 chars (one level here). */
  for (p = api->base_path; p && *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
          strchr("$-_.+!*'()", *p))) {
      push_key(c, "path");
      return config_fail(c, "a mapping path may contain only letters, digits and $-_.+!*'()");
    }
  if (api->base_path && strlen(api->base_path) > 300) {
    push_key(c, "path");
    return config_fail(c, "a mapping path has at most 300 characters");
  }
  return 0;
}

static int parse_api(struct config_ctx *c, const cJSON *v, struct emu_api *api) {
  static const char *const fields[] = {"name",       "stage",     "routeSelectionExpression",
                                       "defaults",   "routes",    "stageVariables",
                                       "authorizer", "accessLog", "customDomain",
                                       NULL};
  struct emu_function defaults = {.timeout_ms = EMU_CONFIG_DEFAULT_TIMEOUT_MS,
                                  .environment = cJSON_CreateObject(),
                                  .memory_mb = EMU_CONFIG_DEFAULT_MEMORY_MB,
                                  .concurrency = EMU_CONFIG_DEFAULT_CONCURRENCY};
  const cJSON *routes, *d, *it;
  size_t n;
  int rc = -1;

  if (!cJSON_IsObject(v)) {
    config_fail(c, "expected an API object");
    goto out;
  }
  if (check_members(c, v, fields) != 0 || get_string(c, v, "name", NULL, &api->name) != 0 ||
      get_string(c, v, "stage", "dev", &api->stage) != 0 ||
      get_string(c, v, "routeSelectionExpression", "$request.body.action",
                 &api->route_selection_expression) != 0)
    goto out;
  emu_id_api_id(api->name, api->api_id);
  c->api = api;
  if (strchr(api->stage, '/') || strchr(api->stage, '@')) {
    push_key(c, "stage");
    config_fail(c, "a stage name cannot contain '/' or '@'");
    goto out;
  }
  if ((d = cJSON_GetObjectItemCaseSensitive(v, "defaults")) != NULL) {
    static const char *const dfields[] = {"function", NULL};
    const cJSON *df;
    push_key(c, "defaults");
    if (!cJSON_IsObject(d)) {
      config_fail(c, "expected an object");
      goto out;
    }
    if (check_members(c, d, dfields) != 0)
      goto out;
    if ((df = cJSON_GetObjectItemCaseSensitive(d, "function")) != NULL) {
      push_key(c, "function");
      if (!cJSON_IsObject(df)) {
        config_fail(c, "expected an object with timeout, environment or handler");
        goto out;
      }
      if (parse_function(c, df, &defaults) != 0)
        goto out;
      pop(c);
    }
    pop(c);
  }
  routes = cJSON_GetObjectItemCaseSensitive(v, "routes");
  push_key(c, "routes");
  if (!routes) {
    config_fail(c, "required field is missing");
    goto out;
  }
  if (!cJSON_IsObject(routes)) {
    config_fail(c, "expected an object mapping route keys to handlers");
    goto out;
  }
  n = (size_t)cJSON_GetArraySize(routes);
  if (check_duplicates(c, routes) != 0)
    goto out;
  if (n > EMU_CONFIG_MAX_ROUTES) {
    config_fail(c, "at most %d routes per API (AWS quota)", EMU_CONFIG_MAX_ROUTES);
    goto out;
  }
  api->routes = calloc(n ? n : 1, sizeof(*api->routes));
  cJSON_ArrayForEach(it, routes) {
    struct emu_route *r = &api->routes[api->nroutes++];
    push_key(c, it->string);
    r->key = strdup(it->string);
    if (check_route_key(c, it->string) != 0 || parse_route(c, it, &defaults, r) != 0)
      goto out;
    pop(c);
  }
  pop(c);
  if ((d = cJSON_GetObjectItemCaseSensitive(v, "stageVariables")) != NULL) {
    push_key(c, "stageVariables");
    if (check_string_map(c, d) != 0)
      goto out;
    api->stage_variables = cJSON_Duplicate(d, 1);
    pop(c);
  }
  if ((d = cJSON_GetObjectItemCaseSensitive(v, "authorizer")) != NULL) {
    push_key(c, "authorizer");
    if (parse_authorizer(c, d, &defaults, api) != 0)
      goto out;
    pop(c);
  }
  if ((d = cJSON_GetObjectItemCaseSensitive(v, "accessLog")) != NULL) {
    push_key(c, "accessLog");
    if (parse_access_log(c, d, api) != 0)
      goto out;
    pop(c);
  }
  if ((d = cJSON_GetObjectItemCaseSensitive(v, "customDomain")) != NULL) {
    push_key(c, "customDomain");
    if (parse_custom_domain(c, d, api) != 0)
      goto out;
    pop(c);
  }
  rc = 0;
out:
  function_free(&defaults);
  return rc;
}

/* ---- Event source mappings --------------------------------------------- */

static int get_bool(struct config_ctx *c, const cJSON *obj, const char *name, int *out) {
  const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);
  int rc = 0;

  if (!f)
    return 0;
  push_key(c, name);
  if (!cJSON_IsBool(f))
    rc = config_fail(c, "expected true or false");
  else
    *out = cJSON_IsTrue(f);
  pop(c);
  return rc;
}

/* SPEC: docs/spec/lambda-esm.md 6: FilterCriteria {"Filters": [{"Pattern":
 * "<JSON text>"}]}, at most 5 filters. */
static int parse_filters(struct config_ctx *c, const cJSON *v, struct emu_esm *m) {
  static const char *const fields[] = {"Filters", NULL};
  static const char *const ffields[] = {"Pattern", NULL};
  const cJSON *filters, *it;
  int i = 0;

  if (!cJSON_IsObject(v))
    return config_fail(c, "expected {\"Filters\": [{\"Pattern\": \"...\"}]}");
  if (check_members(c, v, fields) != 0)
    return -1;
  filters = cJSON_GetObjectItemCaseSensitive(v, "Filters");
  if (!filters)
    return 0;
  push_key(c, "Filters");
  if (!cJSON_IsArray(filters) || cJSON_GetArraySize(filters) > EMU_EVENT_FILTER_MAX_FILTERS)
    return config_fail(c, "expected an array of at most %d filters", EMU_EVENT_FILTER_MAX_FILTERS);
  m->filters = cJSON_CreateArray();
  cJSON_ArrayForEach(it, filters) {
    const cJSON *pat = cJSON_GetObjectItemCaseSensitive(it, "Pattern");
    char why[256];
    cJSON *p;
    push_index(c, i++);
    if (!cJSON_IsObject(it))
      return config_fail(c, "expected {\"Pattern\": \"<JSON text>\"}");
    if (check_members(c, it, ffields) != 0)
      return -1;
    push_key(c, "Pattern");
    if (!cJSON_IsString(pat))
      return config_fail(c, "expected the pattern as a JSON string");
    if (!(p = emu_event_filter_parse(pat->valuestring, why, sizeof(why))))
      return config_fail(c, "%s", why);
    cJSON_AddItemToArray(m->filters, p);
    pop(c);
    pop(c);
  }
  pop(c);
  return 0;
}

static int parse_response_types(struct config_ctx *c, const cJSON *v, struct emu_esm *m) {
  const cJSON *it;

  if (!cJSON_IsArray(v))
    return config_fail(c, "expected [\"ReportBatchItemFailures\"] or []");
  cJSON_ArrayForEach(it, v) {
    if (!cJSON_IsString(it) || strcmp(it->valuestring, "ReportBatchItemFailures") != 0)
      return config_fail(c, "the only response type is \"ReportBatchItemFailures\"");
    m->report_item_failures = 1;
  }
  return 0;
}

static int parse_esm(struct config_ctx *c, const cJSON *v, struct emu_esm *m) {
  static const char *const fields[] = {"table",
                                       "function",
                                       "batchSize",
                                       "maximumBatchingWindowInSeconds",
                                       "startingPosition",
                                       "maximumRetryAttempts",
                                       "bisectBatchOnFunctionError",
                                       "filterCriteria",
                                       "functionResponseTypes",
                                       "enabled",
                                       NULL};
  const cJSON *f;
  char *start = NULL;
  int rc;

  m->fn.timeout_ms = EMU_CONFIG_DEFAULT_TIMEOUT_MS;
  m->fn.environment = cJSON_CreateObject();
  m->fn.memory_mb = EMU_CONFIG_DEFAULT_MEMORY_MB;
  m->fn.concurrency = EMU_CONFIG_DEFAULT_CONCURRENCY;
  m->batch_size = EMU_ESM_DEFAULT_BATCH;
  m->max_retries = -1;
  m->enabled = 1;
  if (!cJSON_IsObject(v))
    return config_fail(c, "expected a mapping object with \"table\" and \"function\"");
  if (check_members(c, v, fields) != 0 || get_string(c, v, "table", NULL, &m->table) != 0)
    return -1;
  f = cJSON_GetObjectItemCaseSensitive(v, "function");
  push_key(c, "function");
  if (!f)
    return config_fail(c, "required field is missing");
  if (cJSON_IsObject(f) && cJSON_GetObjectItemCaseSensitive(f, "name")) {
    /* "name" is the mapping's own: the rest are a route function's props. */
    cJSON *copy = cJSON_Duplicate(f, 1);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
    push_key(c, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0] || strlen(name->valuestring) > 64) {
      cJSON_Delete(copy);
      return config_fail(c, "expected a function name of 1 to 64 characters");
    }
    pop(c);
    m->name = strdup(name->valuestring);
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "name");
    rc = parse_function(c, copy, &m->fn);
    cJSON_Delete(copy);
  } else {
    rc = parse_function(c, f, &m->fn);
  }
  if (rc != 0)
    return -1;
  apply_bind(c, &m->fn);
  if (check_function(c, &m->fn, "the mapping's function") != 0)
    return -1;
  pop(c);
  if (!m->name)
    m->name = strdup(m->fn.handler ? m->fn.handler : m->table);
  if (parse_int_field(c, v, "batchSize", 1, EMU_ESM_MAX_BATCH, &m->batch_size) != 0 ||
      parse_int_field(c, v, "maximumBatchingWindowInSeconds", 0, EMU_ESM_MAX_WINDOW_S,
                      &m->window_s) != 0 ||
      get_bool(c, v, "bisectBatchOnFunctionError", &m->bisect) != 0 ||
      get_bool(c, v, "enabled", &m->enabled) != 0)
    return -1;
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "maximumRetryAttempts")) != NULL) {
    push_key(c, "maximumRetryAttempts");
    if (!cJSON_IsNumber(f) || !(f->valuedouble >= -1 && f->valuedouble <= EMU_ESM_MAX_RETRIES) ||
        f->valuedouble != (double)(int)f->valuedouble)
      return config_fail(c, "expected -1 (until the records expire) or an integer from 0 to %d",
                         EMU_ESM_MAX_RETRIES);
    m->max_retries = f->valueint;
    pop(c);
  }
  /* SPEC: docs/spec/lambda-esm.md 3: StartingPosition is required for a
   * stream, TRIM_HORIZON or LATEST (AT_TIMESTAMP is Kinesis's). */
  if (get_string(c, v, "startingPosition", NULL, &start) != 0)
    return -1;
  m->trim_horizon = strcmp(start, "TRIM_HORIZON") == 0;
  rc = m->trim_horizon || strcmp(start, "LATEST") == 0;
  free(start);
  if (!rc) {
    push_key(c, "startingPosition");
    return config_fail(c, "expected \"LATEST\" or \"TRIM_HORIZON\"");
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "filterCriteria")) != NULL) {
    push_key(c, "filterCriteria");
    if (parse_filters(c, f, m) != 0)
      return -1;
    pop(c);
  }
  if ((f = cJSON_GetObjectItemCaseSensitive(v, "functionResponseTypes")) != NULL) {
    push_key(c, "functionResponseTypes");
    if (parse_response_types(c, f, m) != 0)
      return -1;
    pop(c);
  }
  return 0;
}

static int parse_esms(struct config_ctx *c, const cJSON *v, struct emu_config *cfg) {
  const cJSON *it;

  push_key(c, "eventSourceMappings");
  if (!cJSON_IsArray(v))
    return config_fail(c, "expected an array of event source mappings");
  cfg->esms = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*cfg->esms));
  if (!cfg->esms)
    return config_fail(c, "out of memory");
  cJSON_ArrayForEach(it, v) {
    size_t j;
    push_index(c, (int)cfg->nesms);
    if (parse_esm(c, it, &cfg->esms[cfg->nesms++]) != 0)
      return -1;
    for (j = 0; j + 1 < cfg->nesms; j++) {
      const struct emu_esm *a = &cfg->esms[j], *b = &cfg->esms[cfg->nesms - 1];
      if (strcmp(a->table, b->table) == 0 && strcmp(a->name, b->name) == 0)
        return config_fail(c, "table \"%s\" is already mapped to function \"%s\" (mapping %zu)",
                           b->table, b->name, j);
    }
    pop(c);
  }
  pop(c);
  return 0;
}

static int config_parse(struct config_ctx *c, struct emu_config *cfg) {
  static const char *const fields[] = {"region", "apis", "tables", "faults", "eventSourceMappings",
                                       NULL};
  const char *end = NULL;
  cJSON *root;
  const cJSON *apis, *tables, *it;
  size_t i, j;
  int rc = -1;

  root = cJSON_ParseWithLengthOpts(c->text, c->len, &end, 0);
  if (root && end && skip_ws(end, c->text + c->len) != c->text + c->len) {
    /* cJSON stops after the first value: anything but whitespace after it
     * is an error, at its position. */
    cJSON_Delete(root);
    root = NULL;
    end = skip_ws(end, c->text + c->len);
  }
  if (!root) {
    int line, col;
    const char *at = end ? end : cJSON_GetErrorPtr();
    if (!at || at < c->text || at > c->text + c->len)
      at = c->text;
    line_col(c->text, at, &line, &col);
    snprintf(c->err, c->cap, "%s:%d:%d: invalid JSON", c->source, line, col);
    return -1;
  }
  if (!cJSON_IsObject(root)) {
    config_fail(c, "expected a JSON object");
    goto out;
  }
  if (check_members(c, root, fields) != 0 ||
      get_string(c, root, "region", "us-east-1", &cfg->region) != 0)
    goto out;
  c->region = cfg->region;
  /* Functions' `bind` names tables: they are looked up before the APIs are
   * read (and checked after). */
  c->tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
  apis = cJSON_GetObjectItemCaseSensitive(root, "apis");
  if (apis) {
    push_key(c, "apis");
    if (!cJSON_IsArray(apis)) {
      config_fail(c, "expected an array of APIs");
      goto out;
    }
    cfg->apis = calloc((size_t)cJSON_GetArraySize(apis) + 1, sizeof(*cfg->apis));
    cJSON_ArrayForEach(it, apis) {
      push_index(c, (int)cfg->napis);
      if (parse_api(c, it, &cfg->apis[cfg->napis++]) != 0)
        goto out;
      pop(c);
    }
    pop(c);
  }
  /* SPEC docs/spec/apigw-websocket.md 11: an emulator serving several APIs on one port
   * separates them by path, so stages must be unique across APIs. */
  /* Stages and mapping paths share one path space: each names one API. */
  for (i = 0; i < cfg->napis; i++) {
    const char *bp = cfg->apis[i].base_path;
    for (j = 0; bp && j < cfg->napis; j++) {
      if (j == i)
        continue;
      if (strcmp(bp, cfg->apis[j].stage) == 0 ||
          (cfg->apis[j].base_path && j < i && strcmp(bp, cfg->apis[j].base_path) == 0)) {
        push_key(c, "apis");
        push_index(c, (int)i);
        push_key(c, "customDomain");
        push_key(c, "path");
        config_fail(c, "path \"%s\" already names API \"%s\"", bp, cfg->apis[j].name);
        goto out;
      }
    }
  }
  for (i = 0; i < cfg->napis; i++)
    for (j = 0; j < i; j++)
      if (strcmp(cfg->apis[i].stage, cfg->apis[j].stage) == 0) {
        push_key(c, "apis");
        push_index(c, (int)i);
        push_key(c, "stage");
        config_fail(c, "stage \"%s\" is already served by API \"%s\"", cfg->apis[i].stage,
                    cfg->apis[j].name);
        goto out;
      }
  tables = cJSON_GetObjectItemCaseSensitive(root, "tables");
  if (tables) {
    push_key(c, "tables");
    if (!cJSON_IsArray(tables)) {
      config_fail(c, "expected an array of CreateTable requests");
      goto out;
    }
    i = 0;
    cJSON_ArrayForEach(it, tables) {
      push_index(c, (int)i++);
      if (!cJSON_IsObject(it) ||
          !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "TableName"))) {
        config_fail(c, "expected a CreateTable request with a TableName");
        goto out;
      }
      pop(c);
    }
    pop(c);
    cfg->tables = cJSON_Duplicate(tables, 1);
  } else {
    cfg->tables = cJSON_CreateArray();
  }
  if ((tables = cJSON_GetObjectItemCaseSensitive(root, "faults")) != NULL) {
    push_key(c, "faults");
    if (!cJSON_IsArray(tables)) {
      config_fail(c, "expected an array of faults (see emu_faults.h)");
      goto out;
    }
    cfg->faults = cJSON_Duplicate(tables, 1);
    pop(c);
  }
  if ((tables = cJSON_GetObjectItemCaseSensitive(root, "eventSourceMappings")) != NULL &&
      parse_esms(c, tables, cfg) != 0)
    goto out;
  rc = 0;
out:
  cJSON_Delete(root);
  return rc;
}

int emu_config_load_string(const char *text, const char *source, struct emu_config *out, char *err,
                           size_t cap) {
  struct config_ctx c;

  memset(out, 0, sizeof(*out));
  memset(&c, 0, sizeof(c));
  c.text = text;
  c.len = strlen(text);
  c.source = source ? source : "<string>";
  c.err = err;
  c.cap = cap;
  out->source = strdup(c.source);
  out->dir = getcwd(NULL, 0);
  if (config_parse(&c, out) != 0) {
    emu_config_free(out);
    return -1;
  }
  return 0;
}

int emu_config_load_file(const char *path, struct emu_config *out, char *err, size_t cap) {
  char *text;
  size_t n;
  int rc;

  switch (emu_file_read(path, CONFIG_MAX_BYTES, &text, &n)) {
  case EMU_FILE_OK:
    break;
  case EMU_FILE_CANNOT_OPEN:
    snprintf(err, cap, "%s: cannot open the config file", path);
    return -1;
  case EMU_FILE_TOO_LARGE:
    snprintf(err, cap, "%s: the config file is larger than %d bytes", path, CONFIG_MAX_BYTES);
    return -1;
  default:
    snprintf(err, cap, "%s: cannot read the config file", path);
    return -1;
  }
  if (strlen(text) != n) {
    free(text);
    snprintf(err, cap, "%s: the config file contains a NUL byte", path);
    return -1;
  }
  rc = emu_config_load_string(text, path, out, err, cap);
  free(text);
  if (rc == 0) {
    /* Paths in the config are relative to its directory. */
    char *copy = strdup(path), *abs = copy ? realpath(dirname(copy), NULL) : NULL;
    free(copy);
    if (!abs) {
      emu_config_free(out);
      snprintf(err, cap, "%s: cannot resolve the config file's directory", path);
      return -1;
    }
    free(out->dir);
    out->dir = abs;
  }
  return rc;
}

int emu_config_runtime_processes(const struct emu_config *cfg) {
  int n = 0;

  for (size_t i = 0; i < cfg->napis; i++) {
    const struct emu_api *a = &cfg->apis[i];
    if (a->authorizer && a->authorizer->fn.runtime)
      n += a->authorizer->fn.concurrency;
    for (size_t j = 0; j < a->nroutes; j++)
      if (a->routes[j].fn.runtime)
        n += a->routes[j].fn.concurrency;
  }
  for (size_t i = 0; i < cfg->nesms; i++)
    if (cfg->esms[i].fn.runtime)
      n += cfg->esms[i].fn.concurrency;
  return n;
}

int emu_config_has_runtimes(const struct emu_config *cfg) {
  return emu_config_runtime_processes(cfg) > 0;
}

void emu_config_empty(struct emu_config *out) {
  memset(out, 0, sizeof(*out));
  out->source = strdup("<empty>");
  out->dir = getcwd(NULL, 0);
  out->region = strdup("us-east-1");
  out->tables = cJSON_CreateArray();
}

void emu_config_free(struct emu_config *cfg) {
  size_t i, j;

  for (i = 0; i < cfg->napis; i++) {
    struct emu_api *a = &cfg->apis[i];
    for (j = 0; j < a->nroutes; j++) {
      free(a->routes[j].key);
      function_free(&a->routes[j].fn);
    }
    free(a->routes);
    cJSON_Delete(a->stage_variables);
    if (a->authorizer) {
      function_free(&a->authorizer->fn);
      cJSON_Delete(a->authorizer->identity_source);
      free(a->authorizer);
    }
    free(a->access_log_format);
    free(a->access_log_destination);
    free(a->domain_name);
    free(a->base_path);
    free(a->name);
    free(a->stage);
    free(a->route_selection_expression);
  }
  free(cfg->apis);
  for (i = 0; i < cfg->nesms; i++) {
    free(cfg->esms[i].table);
    free(cfg->esms[i].name);
    function_free(&cfg->esms[i].fn);
    cJSON_Delete(cfg->esms[i].filters);
  }
  free(cfg->esms);
  free(cfg->region);
  free(cfg->source);
  free(cfg->dir);
  cJSON_Delete(cfg->tables);
  cJSON_Delete(cfg->faults);
  memset(cfg, 0, sizeof(*cfg));
}

const struct emu_route *emu_api_route(const struct emu_api *api, const char *key) {
  size_t i;

  for (i = 0; i < api->nroutes; i++)
    if (strcmp(api->routes[i].key, key) == 0)
      return &api->routes[i];
  return NULL;
}

const struct emu_api *emu_config_api(const struct emu_config *cfg, const char *path, size_t len) {
  size_t i;

  for (i = 0; i < cfg->napis; i++) {
    const struct emu_api *a = &cfg->apis[i];
    /* SPEC docs/spec/apigw-websocket.md 1: an API mapping binds (api, stage, path);
     * the API answers at its stage path and at its mapping path. */
    if ((strlen(a->stage) == len && memcmp(a->stage, path, len) == 0) ||
        (a->base_path && strlen(a->base_path) == len && memcmp(a->base_path, path, len) == 0))
      return a;
  }
  return NULL;
}
