/*
 * emu_serverless.c - serverless.yml into wsgw's config JSON (see
 * emu_serverless.h for what is read).
 *
 * The project is read lazily: only the keys wsgw uses are resolved, so a
 * variable wsgw cannot resolve (${ssm:...}) in a section it ignores (custom,
 * iamRoleStatements) never stops the import. resolve() returns a resolved
 * copy of a node; a string that is one whole variable becomes the variable's
 * value (any type), a string with variables inside becomes a string.
 * `file` and `where` name the file and the key being read, for errors and
 * for the one "ignored" log line. Bounds: EMU_SERVERLESS_MAX_DEPTH nested
 * resolutions, EMU_SERVERLESS_MAX_RESOLVES variables, EMU_SERVERLESS_MAX_TEXT
 * bytes of text built around variables, each file through
 * emu_yaml's bounds.
 * Ownership: struct sls owns the project tree and the loaded files' trees;
 * everything is freed before emu_serverless_to_json returns.
 */
#define _XOPEN_SOURCE 700 /* realpath, strtok_r, strndup */
#include "emu_serverless.h"

#include <ctype.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_log.h"
#include "emu_yaml.h"

#define SLS_WHERE_MAX 256
#define SLS_IGNORED_MAX 1024
#define SLS_KEY_MAX (2 * SLS_WHERE_MAX + 64) /* a key under a where */

struct sls {
  const char *path; /* the serverless.yml */
  char *dir;        /* its directory, absolute */
  const char *opt_stage;
  cJSON *root;               /* the serverless.yml's tree */
  const char *file;          /* the file of the node being read */
  char where[SLS_WHERE_MAX]; /* the key being read */
  char *err;
  size_t cap;
  int failed;
  int resolves;
  char ignored[SLS_IGNORED_MAX];
  int old_runtime_warned;
  char *stage;              /* the resolved stage */
  char last_file[PATH_MAX]; /* the file the last ${file()} read (errors name it) */
  cJSON *tables;            /* logical id -> CreateTable request, for Ref */
};

static int sls_fail(struct sls *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sls_fail(struct sls *s, const char *fmt, ...) {
  char msg[512];
  va_list ap;

  if (s->failed)
    return -1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  snprintf(s->err, s->cap, "%s: %s: %s", s->file, s->where[0] ? s->where : "(top level)", msg);
  s->failed = 1;
  return -1;
}

static void ignore(struct sls *s, const char *key) {
  size_t n = strlen(s->ignored);

  if (n + strlen(key) + 8 >= sizeof(s->ignored)) {
    if (n + 5 < sizeof(s->ignored) && !strstr(s->ignored, ", ..."))
      strcat(s->ignored, ", ...");
    return;
  }
  snprintf(s->ignored + n, sizeof(s->ignored) - n, "%s%s", n ? ", " : "", key);
}

/* where = prefix + "." + key (or prefix alone); restored by the caller. */
static void set_where(struct sls *s, const char *prefix, const char *key) {
  char tmp[SLS_WHERE_MAX];

  snprintf(tmp, sizeof(tmp), "%s%s%s", prefix, prefix[0] && key[0] ? "." : "", key);
  memcpy(s->where, tmp, sizeof(tmp));
}

static cJSON *resolve(struct sls *s, const cJSON *node, int depth);
static cJSON *resolve_string(struct sls *s, const char *str, int depth);

/* ---- Variables ------------------------------------------------------------ */

/* Whether the text between ${ and } is a Serverless variable: "file(" or a
 * source name and one colon (AWS::Region, with two, is CloudFormation's). */
static int is_variable(const char *t, size_t len) {
  size_t i = 0;

  while (i < len && t[i] == ' ')
    i++;
  if (len - i >= 5 && !strncmp(t + i, "file(", 5))
    return 1;
  while (i < len && isalpha((unsigned char)t[i]))
    i++;
  return i > 0 && i + 1 < len && t[i] == ':' && t[i + 1] != ':';
}

/* The index of the } closing the ${ at open, or 0. */
static size_t closing(const char *str, size_t open) {
  size_t i, nest = 0;

  for (i = open + 2; str[i]; i++) {
    if (str[i] == '$' && str[i + 1] == '{') {
      nest++;
      i++;
    } else if (str[i] == '}') {
      if (nest == 0)
        return i;
      nest--;
    }
  }
  return 0;
}

/* Walks a dotted path from node, resolving only the nodes on the path (a
 * step that is a variable, such as environment: ${file(...)}), then the
 * value found. Returns an owned resolved copy, or NULL (s->failed tells an
 * error from "not found"). */
static cJSON *walk(struct sls *s, const cJSON *node, const char *path, int depth) {
  const cJSON *cur = node;
  cJSON *owned = NULL, *result;
  char *copy = strdup(path ? path : ""), *seg, *save = NULL;

  for (seg = strtok_r(copy, ".", &save); cur && seg; seg = strtok_r(NULL, ".", &save)) {
    const cJSON *next = NULL;
    if (cJSON_IsString(cur) && strstr(cur->valuestring, "${")) {
      cJSON *r = resolve_string(s, cur->valuestring, depth + 1);
      cJSON_Delete(owned);
      cur = owned = r;
      if (!r)
        break;
    }
    if (cJSON_IsObject(cur))
      next = cJSON_GetObjectItemCaseSensitive(cur, seg);
    else if (cJSON_IsArray(cur) && isdigit((unsigned char)seg[0]))
      next = cJSON_GetArrayItem(cur, atoi(seg));
    if (owned && next) {
      cJSON *dup = cJSON_Duplicate(next, 1);
      cJSON_Delete(owned);
      next = owned = dup;
    }
    cur = next;
  }
  free(copy);
  result = cur && !s->failed ? resolve(s, cur, depth + 1) : NULL;
  cJSON_Delete(owned);
  return result;
}

/* A default after the comma: 'text', "text", a number, or plain text. */
static cJSON *default_value(const char *d) {
  size_t n = strlen(d);
  char *end;
  double v;

  if (n >= 2 && (d[0] == '\'' || d[0] == '"') && d[n - 1] == d[0]) {
    char *t = strndup(d + 1, n - 2);
    cJSON *r = cJSON_CreateString(t ? t : "");
    free(t);
    return r;
  }
  v = strtod(d, &end);
  if (n && *end == '\0' && (isdigit((unsigned char)d[0]) || d[0] == '-'))
    return cJSON_CreateNumber(v);
  return cJSON_CreateString(d);
}

static char *trim(char *t) {
  size_t n;

  while (*t == ' ')
    t++;
  n = strlen(t);
  while (n && t[n - 1] == ' ')
    t[--n] = '\0';
  return t;
}

static cJSON *file_variable(struct sls *s, const char *ref, int depth) {
  const char *close = strchr(ref, ')');
  char *rel, full[PATH_MAX], *key = NULL;
  const char *saved_file = s->file;
  cJSON *tree, *v;
  size_t n;

  if (!close)
    return sls_fail(s, "${%s}: expected file(PATH)", ref), NULL;
  rel = strndup(ref + 5, (size_t)(close - ref - 5));
  if (!rel)
    return NULL;
  if (close[1] == ':')
    key = trim((char *)close + 2);
  else if (close[1] != '\0')
    return free(rel), sls_fail(s, "${%s}: expected file(PATH) or file(PATH):KEY", ref), NULL;
  n = strlen(trim(rel));
  if (n > 3 && (!strcmp(trim(rel) + n - 3, ".js") || !strcmp(trim(rel) + n - 3, ".ts"))) {
    sls_fail(s, "${%s}: JavaScript files are not supported by wsgw (YAML and JSON are)", ref);
    free(rel);
    return NULL;
  }
  snprintf(full, sizeof(full), "%s%s%s", trim(rel)[0] == '/' ? "" : s->dir,
           trim(rel)[0] == '/' ? "" : "/", trim(rel));
  free(rel);
  {
    char err[512];
    tree = emu_yaml_load_file(full, err, sizeof(err));
    if (!tree)
      return sls_fail(s, "${%s}: %s", ref, err), NULL;
  }
  /* Variables inside the file are read in its name (errors name it). */
  s->file = strdup(full);
  v = s->file ? walk(s, tree, key, depth) : NULL;
  free((char *)s->file);
  s->file = saved_file;
  cJSON_Delete(tree);
  snprintf(s->last_file, sizeof(s->last_file), "%s", full);
  return v;
}

/* The value of one variable's text (nested variables already expanded). */
static cJSON *variable(struct sls *s, char *text, int depth) {
  char *ref = text, *dflt = NULL, *p;
  int paren = 0, quote = 0;
  cJSON *v = NULL;

  for (p = text; *p; p++) {
    if (quote) {
      quote = *p == quote ? 0 : quote;
    } else if (*p == '\'' || *p == '"') {
      quote = *p;
    } else if (*p == '(') {
      paren++;
    } else if (*p == ')') {
      paren--;
    } else if (*p == ',' && paren == 0) {
      *p = '\0';
      dflt = trim(p + 1);
      break;
    }
  }
  ref = trim(ref);
  if (!strncmp(ref, "file(", 5))
    v = file_variable(s, ref, depth);
  else if (!strcmp(ref, "opt:stage"))
    v = s->opt_stage ? cJSON_CreateString(s->opt_stage) : NULL;
  else if (!strncmp(ref, "opt:", 4))
    v = NULL;
  else if (!strcmp(ref, "sls:stage"))
    v = s->stage ? cJSON_CreateString(s->stage) : NULL;
  else if (!strncmp(ref, "self:", 5)) {
    const char *saved = s->file;
    s->file = s->path;
    v = walk(s, s->root, trim(ref + 5), depth);
    s->file = saved;
  } else if (!strncmp(ref, "env:", 4)) {
    const char *e = getenv(trim(ref + 4));
    v = e ? cJSON_CreateString(e) : NULL;
  } else if (!strcmp(ref, "aws:region")) {
    cJSON *r = walk(s, s->root, "provider.region", depth);
    v = cJSON_IsString(r) ? r : (cJSON_Delete(r), cJSON_CreateString("us-east-1"));
  } else if (!strcmp(ref, "aws:accountId")) {
    v = cJSON_CreateString("000000000000");
  } else {
    /* ssm:, cf:, s3:, param:, ... */
    return sls_fail(s, "${%s}: this variable source is not supported by wsgw", ref), NULL;
  }
  if (v || s->failed)
    return v;
  if (dflt)
    return default_value(dflt);
  return sls_fail(s, "${%s}: resolves to nothing and has no default", ref), NULL;
}

static int append(char **buf, size_t *len, const char *t, size_t n) {
  char *b = *len + n <= EMU_SERVERLESS_MAX_TEXT ? realloc(*buf, *len + n + 1) : NULL;

  if (!b)
    return -1;
  memcpy(b + *len, t, n);
  *len += n;
  b[*len] = '\0';
  *buf = b;
  return 0;
}

/* A scalar's text for a string; -1 for objects and arrays. */
static int scalar_text(const cJSON *v, char *buf, size_t cap, const char **out) {
  if (cJSON_IsString(v))
    *out = v->valuestring;
  else if (cJSON_IsNumber(v)) {
    snprintf(buf, cap, "%.17g", v->valuedouble);
    *out = buf;
  } else if (cJSON_IsBool(v))
    *out = cJSON_IsTrue(v) ? "true" : "false";
  else
    return -1;
  return 0;
}

static cJSON *resolve_string(struct sls *s, const char *str, int depth) {
  char *out = NULL;
  size_t len = 0, i = 0, start = 0;

  if (!strstr(str, "${"))
    return cJSON_CreateString(str);
  if (depth > EMU_SERVERLESS_MAX_DEPTH)
    return sls_fail(s, "variables nest deeper than %d levels (a cycle?)", EMU_SERVERLESS_MAX_DEPTH),
           NULL;
  append(&out, &len, "", 0);
  while (str[i]) {
    size_t end;
    cJSON *inner, *v;
    char *text, num[64];
    const char *piece;

    if (str[i] != '$' || str[i + 1] != '{' || !(end = closing(str, i)) ||
        !is_variable(str + i + 2, end - i - 2)) {
      i++;
      continue;
    }
    if (++s->resolves > EMU_SERVERLESS_MAX_RESOLVES) {
      free(out);
      return sls_fail(s, "more than %d variables", EMU_SERVERLESS_MAX_RESOLVES), NULL;
    }
    text = strndup(str + i + 2, end - i - 2);
    inner = text ? resolve_string(s, text, depth + 1) : NULL;
    free(text);
    if (!inner || !cJSON_IsString(inner)) {
      cJSON_Delete(inner);
      free(out);
      return s->failed ? NULL : (sls_fail(s, "a variable inside a variable must be text"), NULL);
    }
    v = variable(s, inner->valuestring, depth + 1);
    cJSON_Delete(inner);
    if (!v) {
      free(out);
      return NULL;
    }
    if (i == 0 && str[end + 1] == '\0') {
      /* The whole value: any type. */
      free(out);
      return v;
    }
    if (scalar_text(v, num, sizeof(num), &piece) != 0) {
      cJSON_Delete(v);
      free(out);
      return sls_fail(s, "a variable inside a text resolves to an object or a list"), NULL;
    }
    if (append(&out, &len, str + start, i - start) != 0 ||
        append(&out, &len, piece, strlen(piece)) != 0) {
      cJSON_Delete(v);
      free(out);
      return sls_fail(s, "a text with variables is longer than %d bytes", EMU_SERVERLESS_MAX_TEXT),
             NULL;
    }
    cJSON_Delete(v);
    i = start = end + 1;
  }
  if (append(&out, &len, str + start, i - start) != 0) {
    free(out);
    return sls_fail(s, "a text with variables is longer than %d bytes", EMU_SERVERLESS_MAX_TEXT),
           NULL;
  }
  {
    cJSON *r = out ? cJSON_CreateString(out) : NULL;
    free(out);
    return r;
  }
}

static cJSON *resolve(struct sls *s, const cJSON *node, int depth) {
  cJSON *copy, *it;

  if (!node || s->failed)
    return NULL;
  if (depth > EMU_SERVERLESS_MAX_DEPTH)
    return sls_fail(s, "variables nest deeper than %d levels (a cycle?)", EMU_SERVERLESS_MAX_DEPTH),
           NULL;
  if (cJSON_IsString(node))
    return resolve_string(s, node->valuestring, depth);
  if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
    return cJSON_Duplicate(node, 0);
  copy = cJSON_IsObject(node) ? cJSON_CreateObject() : cJSON_CreateArray();
  for (it = node->child; copy && it; it = it->next) {
    cJSON *v = resolve(s, it, depth + 1);
    if (!v) {
      cJSON_Delete(copy);
      return NULL;
    }
    if (cJSON_IsObject(node))
      cJSON_AddItemToObject(copy, it->string, v);
    else
      cJSON_AddItemToArray(copy, v);
  }
  return copy;
}

/* The resolved member `key` of a resolved object (NULL when absent). */
static cJSON *member(struct sls *s, const cJSON *obj, const char *key) {
  return resolve(s, cJSON_GetObjectItemCaseSensitive(obj, key), 0);
}

/* ---- The project ---------------------------------------------------------- */

/* The wsgw value of an environment variable: text, or a table's Ref or Arn. */
static int env_value(struct sls *s, const cJSON *v, char **out) {
  char num[64];
  const char *t;
  const cJSON *ref = cJSON_GetObjectItemCaseSensitive(v, "Ref");
  const cJSON *att = cJSON_GetObjectItemCaseSensitive(v, "Fn::GetAtt");

  if (scalar_text(v, num, sizeof(num), &t) == 0) {
    *out = strdup(t);
    return 0;
  }
  if (cJSON_IsString(ref) && cJSON_GetObjectItemCaseSensitive(s->tables, ref->valuestring)) {
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s->tables, ref->valuestring);
    /* SPEC docs/spec/serverless.md 5: Ref of a DynamoDB table is its name. */
    *out = strdup(cJSON_GetObjectItemCaseSensitive(req, "TableName")->valuestring);
    return 0;
  }
  if (cJSON_GetArraySize(att) == 2 && cJSON_IsString(cJSON_GetArrayItem(att, 0)) &&
      cJSON_GetObjectItemCaseSensitive(s->tables, cJSON_GetArrayItem(att, 0)->valuestring) &&
      cJSON_IsString(cJSON_GetArrayItem(att, 1)) &&
      !strcmp(cJSON_GetArrayItem(att, 1)->valuestring, "Arn")) {
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s->tables,
                                                        cJSON_GetArrayItem(att, 0)->valuestring);
    char arn[512];
    cJSON *region = walk(s, s->root, "provider.region", 0);
    /* SPEC docs/spec/serverless.md 5: Fn::GetAtt Table.Arn is the table's ARN. */
    snprintf(arn, sizeof(arn), "arn:aws:dynamodb:%s:000000000000:table/%s",
             cJSON_IsString(region) ? region->valuestring : "us-east-1",
             cJSON_GetObjectItemCaseSensitive(req, "TableName")->valuestring);
    cJSON_Delete(region);
    *out = strdup(arn);
    return 0;
  }
  return sls_fail(s, "expected text, or Ref / Fn::GetAtt [Table, Arn] of a DynamoDB table in "
                     "resources (wsgw resolves no other intrinsic function)");
}

/* Adds the environment object env (resolved) into dst, later keys winning. */
static int add_environment(struct sls *s, const cJSON *env, cJSON *dst, const char *prefix) {
  const cJSON *it;

  if (!env || cJSON_IsNull(env))
    return 0;
  if (!cJSON_IsObject(env)) {
    set_where(s, prefix, "");
    return sls_fail(s, "expected a map of environment variables");
  }
  cJSON_ArrayForEach(it, env) {
    char *v = NULL;
    set_where(s, prefix, it->string);
    if (env_value(s, it, &v) != 0)
      return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(dst, it->string);
    cJSON_AddItemToObject(dst, it->string, cJSON_CreateString(v ? v : ""));
    free(v);
  }
  return 0;
}

/* CloudFormation-only table properties that change nothing wsgw emulates
 * (dropped with one warning). Tags, TableClass, WarmThroughput,
 * OnDemandThroughput, DeletionProtectionEnabled and TimeToLiveSpecification
 * go through as CreateTable (and the config's tables) take them;
 * SSESpecification and ResourcePolicy are translated (map_table_props). */
static const char *const table_dropped[] = {"PointInTimeRecoverySpecification",
                                            "ContributorInsightsSpecification",
                                            "KinesisStreamSpecification", NULL};

/* SPEC docs/spec/serverless.md 5: CloudFormation's SSESpecification says
 * SSEEnabled where CreateTable says Enabled, and its ResourcePolicy is
 * {PolicyDocument: a JSON object} where CreateTable takes the document as
 * text. 0, or -1 with the error set. */
static int map_table_props(struct sls *s, const char *prefix, cJSON *props) {
  cJSON *sse = cJSON_GetObjectItemCaseSensitive(props, "SSESpecification");
  cJSON *policy = cJSON_GetObjectItemCaseSensitive(props, "ResourcePolicy");

  if (sse) {
    cJSON *on = cJSON_DetachItemFromObjectCaseSensitive(sse, "SSEEnabled");
    if (!cJSON_IsObject(sse) || !cJSON_IsBool(on)) {
      cJSON_Delete(on);
      set_where(s, prefix, "Properties.SSESpecification");
      return sls_fail(s, "expected {SSEEnabled: true | false, SSEType: KMS, KMSMasterKeyId: ...}");
    }
    cJSON_AddItemToObject(sse, "Enabled", on);
  }
  if (policy) {
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(policy, "PolicyDocument");
    char *text = cJSON_IsObject(doc)   ? cJSON_PrintUnformatted(doc)
                 : cJSON_IsString(doc) ? strdup(doc->valuestring)
                                       : NULL;
    if (!text) {
      set_where(s, prefix, "Properties.ResourcePolicy");
      return sls_fail(s, "expected {PolicyDocument: a policy as a map}");
    }
    cJSON_ReplaceItemInObjectCaseSensitive(props, "ResourcePolicy", cJSON_CreateString(text));
    free(text);
  }
  return 0;
}

static int read_table(struct sls *s, const char *id, const cJSON *res, const char *service) {
  char prefix[SLS_WHERE_MAX];
  cJSON *props, *name;
  size_t i;

  snprintf(prefix, sizeof(prefix), "resources.Resources.%s", id);
  set_where(s, prefix, "Properties");
  props = member(s, res, "Properties");
  if (!cJSON_IsObject(props)) {
    cJSON_Delete(props);
    return s->failed ? -1 : sls_fail(s, "expected the table's CreateTable properties");
  }
  if (cJSON_GetObjectItemCaseSensitive(props, "ImportSourceSpecification")) {
    cJSON_Delete(props);
    set_where(s, prefix, "Properties.ImportSourceSpecification");
    return sls_fail(s, "importing from S3 is not supported by wsgw");
  }
  for (i = 0; table_dropped[i]; i++)
    if (cJSON_GetObjectItemCaseSensitive(props, table_dropped[i])) {
      char key[SLS_KEY_MAX];
      snprintf(key, sizeof(key), "%s.Properties.%s", prefix, table_dropped[i]);
      ignore(s, key);
      cJSON_DeleteItemFromObjectCaseSensitive(props, table_dropped[i]);
    }
  if (map_table_props(s, prefix, props) != 0) {
    cJSON_Delete(props);
    return -1;
  }
  {
    /* SPEC docs/spec/serverless.md 5: CloudFormation's StreamSpecification
     * is {StreamViewType}; CreateTable's also says StreamEnabled. */
    cJSON *ss = cJSON_GetObjectItemCaseSensitive(props, "StreamSpecification");
    if (ss && (!cJSON_IsObject(ss) ||
               !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(ss, "StreamViewType")))) {
      cJSON_Delete(props);
      set_where(s, prefix, "Properties.StreamSpecification");
      return sls_fail(s, "expected {StreamViewType: NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES | "
                         "KEYS_ONLY}");
    }
    if (ss && !cJSON_GetObjectItemCaseSensitive(ss, "StreamEnabled"))
      cJSON_AddTrueToObject(ss, "StreamEnabled");
  }
  name = cJSON_GetObjectItemCaseSensitive(props, "TableName");
  if (!name) {
    /* DEVIATION: CloudFormation names an unnamed table STACK-ID-RANDOM; wsgw
     * uses SERVICE-STAGE-ID, stable across runs. */
    char gen[256];
    snprintf(gen, sizeof(gen), "%s-%s-%s", service, s->stage, id);
    cJSON_AddStringToObject(props, "TableName", gen);
  } else if (!cJSON_IsString(name)) {
    cJSON_Delete(props);
    set_where(s, prefix, "Properties.TableName");
    return sls_fail(s, "expected text (wsgw resolves ${...} variables here, not intrinsic "
                       "functions)");
  }
  cJSON_AddItemToObject(s->tables, id, props);
  return 0;
}

static int read_resources(struct sls *s, const char *service) {
  cJSON *all = member(s, s->root, "resources"), *list, *it;
  int rc = 0;

  if (!all)
    return s->failed ? -1 : 0;
  list = cJSON_IsArray(all) ? all : NULL;
  for (it = list ? all->child : all; it && rc == 0; it = list ? it->next : NULL) {
    const cJSON *k;
    cJSON *resources;
    if (!cJSON_IsObject(it)) {
      set_where(s, "resources", "");
      rc = sls_fail(s, "expected a map (Resources, Outputs, ...)");
      break;
    }
    cJSON_ArrayForEach(k, it)
      if (strcmp(k->string, "Resources")) {
        char key[SLS_KEY_MAX];
        snprintf(key, sizeof(key), "resources.%s", k->string);
        ignore(s, key);
      }
    resources = cJSON_GetObjectItemCaseSensitive(it, "Resources");
    cJSON_ArrayForEach(k, resources) {
      const cJSON *type = cJSON_GetObjectItemCaseSensitive(k, "Type");
      char key[SLS_KEY_MAX];
      if (cJSON_IsString(type) && !strcmp(type->valuestring, "AWS::DynamoDB::Table")) {
        if ((rc = read_table(s, k->string, k, service)) != 0)
          break;
      } else {
        snprintf(key, sizeof(key), "resources.Resources.%s (%s)", k->string,
                 cJSON_IsString(type) ? type->valuestring : "no Type");
        ignore(s, key);
      }
    }
  }
  cJSON_Delete(all);
  return rc;
}

/* SPEC docs/spec/serverless.md 2: a runtime before nodejs18.x is deprecated
 * on AWS; wsgw runs it on the installed Node with one warning. */
static int check_runtime(struct sls *s, const char *rt) {
  if (!strncmp(rt, "nodejs", 6)) {
    int major = atoi(rt + 6);
    if (major > 0 && major < 18 && !s->old_runtime_warned) {
      s->old_runtime_warned = 1;
      emu_log_warn("serverless",
                   "%s: %s: runtime %s is deprecated on AWS; wsgw runs it on the "
                   "installed Node.js",
                   s->file, s->where, rt);
    }
    return 0;
  }
  if (!strncmp(rt, "provided", 8))
    return 0;
  return sls_fail(s, "runtime %s is not supported by wsgw (nodejsNN.x and provided.* are)", rt);
}

struct sls_defaults {
  const char *runtime;
  double timeout, memory;
  const cJSON *environment; /* resolved provider.environment, as text */
};

/* The table a stream event's arn names: Fn::GetAtt [Table, StreamArn] of a
 * table in resources, or a DynamoDB stream ARN (…:table/NAME/stream/…). */
static int stream_table(struct sls *s, const cJSON *arn, char *out, size_t cap) {
  const cJSON *att = cJSON_GetObjectItemCaseSensitive(arn, "Fn::GetAtt");
  const char *t, *end;

  if (cJSON_GetArraySize(att) == 2 && cJSON_IsString(cJSON_GetArrayItem(att, 0)) &&
      cJSON_IsString(cJSON_GetArrayItem(att, 1)) &&
      !strcmp(cJSON_GetArrayItem(att, 1)->valuestring, "StreamArn")) {
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(s->tables,
                                                        cJSON_GetArrayItem(att, 0)->valuestring);
    if (!req)
      return sls_fail(s, "Fn::GetAtt names %s, which is not a DynamoDB table in resources",
                      cJSON_GetArrayItem(att, 0)->valuestring);
    /* SPEC docs/spec/serverless.md 5: Fn::GetAtt Table.StreamArn is the
     * table's stream's ARN. */
    snprintf(out, cap, "%s", cJSON_GetObjectItemCaseSensitive(req, "TableName")->valuestring);
    return 0;
  }
  if (cJSON_IsString(arn) && !strncmp(arn->valuestring, "arn:", 4) &&
      strstr(arn->valuestring, ":dynamodb:") && (t = strstr(arn->valuestring, ":table/")) &&
      (end = strstr(t + 7, "/stream/")) && end > t + 7) {
    snprintf(out, cap, "%.*s", (int)(end - (t + 7)), t + 7);
    return 0;
  }
  return sls_fail(s, "expected Fn::GetAtt [Table, StreamArn] of a DynamoDB table in resources, "
                     "or a DynamoDB stream ARN (arn:aws:dynamodb:...:table/NAME/stream/...)");
}

/* One `stream` event into an eventSourceMappings entry.
 * SPEC docs/spec/serverless.md 6. */
static int read_stream_event(struct sls *s, const char *prefix, const char *fname, const cJSON *st,
                             const cJSON *fn, cJSON *esms) {
  static const char *const copied[][2] = {
      {"batchSize", "batchSize"},
      {"startingPosition", "startingPosition"},
      {"enabled", "enabled"},
      {"batchWindow", "maximumBatchingWindowInSeconds"},
      {"maximumRetryAttempts", "maximumRetryAttempts"},
      {"bisectBatchOnFunctionError", "bisectBatchOnFunctionError"},
  };
  static const char *const ignored[] = {"parallelizationFactor", "maximumRecordAgeInSeconds",
                                        "destinations", "tumblingWindowInSeconds", NULL};
  char table[256], key[SLS_KEY_MAX];
  const cJSON *arn = cJSON_IsObject(st) ? cJSON_GetObjectItemCaseSensitive(st, "arn") : st;
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(st, "type"), *it;
  cJSON *m, *f;
  size_t i;

  if (cJSON_IsObject(st)) {
    cJSON_ArrayForEach(it, st) {
      int known = !strcmp(it->string, "arn") || !strcmp(it->string, "type") ||
                  !strcmp(it->string, "filterPatterns") ||
                  !strcmp(it->string, "functionResponseType");
      for (i = 0; !known && i < sizeof(copied) / sizeof(copied[0]); i++)
        known = !strcmp(it->string, copied[i][0]);
      for (i = 0; !known && ignored[i]; i++)
        if (!strcmp(it->string, ignored[i])) {
          snprintf(key, sizeof(key), "%s.stream.%s", prefix, it->string);
          ignore(s, key);
          known = 1;
        }
      if (!known) {
        set_where(s, prefix, "stream");
        set_where(s, s->where, it->string);
        return sls_fail(s, "not supported by wsgw (a stream event reads arn, type, batchSize, "
                           "startingPosition, enabled, batchWindow, maximumRetryAttempts, "
                           "bisectBatchOnFunctionError, filterPatterns, functionResponseType)");
      }
    }
  }
  set_where(s, prefix, "stream.type");
  if (type && (!cJSON_IsString(type) || strcmp(type->valuestring, "dynamodb") != 0))
    return sls_fail(s, "only DynamoDB streams (type: dynamodb) are supported by wsgw");
  set_where(s, prefix, cJSON_IsObject(st) ? "stream.arn" : "stream");
  if (stream_table(s, arn, table, sizeof(table)) != 0)
    return -1;
  m = cJSON_CreateObject();
  cJSON_AddItemToArray(esms, m);
  cJSON_AddStringToObject(m, "table", table);
  f = cJSON_Duplicate(fn, 1);
  cJSON_AddStringToObject(f, "name", fname);
  cJSON_AddItemToObject(m, "function", f);
  /* SPEC docs/spec/serverless.md 6: Serverless's defaults are batchSize 10
   * and startingPosition TRIM_HORIZON. */
  cJSON_AddNumberToObject(m, "batchSize", 10);
  cJSON_AddStringToObject(m, "startingPosition", "TRIM_HORIZON");
  for (i = 0; cJSON_IsObject(st) && i < sizeof(copied) / sizeof(copied[0]); i++) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(st, copied[i][0]);
    if (!v)
      continue;
    cJSON_DeleteItemFromObjectCaseSensitive(m, copied[i][1]);
    cJSON_AddItemToObject(m, copied[i][1], cJSON_Duplicate(v, 1));
  }
  if ((it = cJSON_GetObjectItemCaseSensitive(st, "functionResponseType")) != NULL)
    cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "functionResponseTypes"),
                         cJSON_Duplicate(it, 1));
  if ((it = cJSON_GetObjectItemCaseSensitive(st, "filterPatterns")) != NULL) {
    /* Each pattern is an object; Lambda takes it as JSON text. */
    cJSON *filters = cJSON_AddArrayToObject(cJSON_AddObjectToObject(m, "filterCriteria"),
                                            "Filters");
    const cJSON *p;
    set_where(s, prefix, "stream.filterPatterns");
    if (!cJSON_IsArray(it))
      return sls_fail(s, "expected a list of filter patterns");
    cJSON_ArrayForEach(p, it) {
      char *text = cJSON_PrintUnformatted(p);
      if (!cJSON_IsObject(p) || !text) {
        free(text);
        return sls_fail(s, "expected a filter pattern (a map, such as {eventName: [INSERT]})");
      }
      cJSON *one = cJSON_CreateObject();
      cJSON_AddStringToObject(one, "Pattern", text);
      cJSON_AddItemToArray(filters, one);
      free(text);
    }
  }
  return 0;
}

/* One websocket or stream event into routes or esms: returns 0 also for
 * other events. */
static int read_event(struct sls *s, const char *fprefix, const char *fname, int idx,
                      const cJSON *ev, const cJSON *fn, cJSON *routes, cJSON *esms) {
  char prefix[SLS_WHERE_MAX], key[SLS_KEY_MAX];
  const cJSON *ws, *route, *it;
  cJSON *r;

  snprintf(prefix, sizeof(prefix), "%.200s.events[%d]", fprefix, idx);
  if (!cJSON_IsObject(ev) || !ev->child) {
    set_where(s, prefix, "");
    return sls_fail(s, "expected an event such as {websocket: {route: $connect}}");
  }
  if ((it = cJSON_GetObjectItemCaseSensitive(ev, "stream")) != NULL)
    return read_stream_event(s, prefix, fname, it, fn, esms);
  if (!(ws = cJSON_GetObjectItemCaseSensitive(ev, "websocket"))) {
    snprintf(key, sizeof(key), "%s.%s", prefix, ev->child->string);
    ignore(s, key);
    return 0;
  }
  route = ws;
  if (cJSON_IsObject(ws)) {
    route = cJSON_GetObjectItemCaseSensitive(ws, "route");
    if (!route)
      route = cJSON_GetObjectItemCaseSensitive(ws, "routeKey"); /* the older plugin's name */
    cJSON_ArrayForEach(it, ws) {
      if (!strcmp(it->string, "route") || !strcmp(it->string, "routeKey") ||
          !strcmp(it->string, "routeResponseSelectionExpression"))
        continue;
      set_where(s, prefix, "websocket");
      set_where(s, s->where, it->string);
      return sls_fail(s, "not supported by wsgw (a websocket event reads route, routeKey and "
                         "routeResponseSelectionExpression)");
    }
  }
  if (!cJSON_IsString(route)) {
    set_where(s, prefix, "websocket.route");
    return sls_fail(s, "expected a route key such as $connect");
  }
  if (cJSON_GetObjectItemCaseSensitive(routes, route->valuestring)) {
    set_where(s, prefix, "websocket.route");
    return sls_fail(s, "route %s is already served by another function", route->valuestring);
  }
  r = cJSON_CreateObject();
  cJSON_AddItemToObject(r, "function", cJSON_Duplicate(fn, 1));
  /* SPEC docs/spec/serverless.md 4: routeResponseSelectionExpression makes
   * the route two-way (its only value is $default). */
  if (cJSON_IsObject(ws) &&
      cJSON_GetObjectItemCaseSensitive(ws, "routeResponseSelectionExpression"))
    cJSON_AddTrueToObject(r, "returnResponse");
  cJSON_AddItemToObject(routes, route->valuestring, r);
  return 0;
}

static int read_function(struct sls *s, const char *name, const cJSON *raw,
                         const struct sls_defaults *d, cJSON *routes, cJSON *esms) {
  static const char *const unsupported[] = {"image", "layers", "destinations", NULL};
  char prefix[SLS_WHERE_MAX], abs[PATH_MAX + 256], fn_file[PATH_MAX];
  const char *saved_file = s->file;
  cJSON *fn, *wfn, *env, *v;
  const cJSON *it, *events;
  int i, rc = -1;

  snprintf(prefix, sizeof(prefix), "functions.%s", name);
  set_where(s, prefix, "");
  /* A whole function may be one ${file(...)}: resolve the top, then keys. */
  s->last_file[0] = '\0';
  fn = cJSON_IsString(raw) ? resolve(s, raw, 0) : cJSON_Duplicate(raw, 1);
  if (cJSON_IsString(raw) && s->last_file[0]) {
    /* Errors in a function of its own file name that file. */
    snprintf(fn_file, sizeof(fn_file), "%s", s->last_file);
    s->file = fn_file;
  }
  if (!cJSON_IsObject(fn)) {
    cJSON_Delete(fn);
    if (!s->failed)
      sls_fail(s, "expected a function (handler, events, ...)");
    s->file = saved_file;
    return -1;
  }
  wfn = cJSON_CreateObject();
  env = cJSON_CreateObject();
  cJSON_ArrayForEach(it, fn) {
    static const char *const read[] = {"handler",    "events",  "environment", "timeout",
                                       "memorySize", "runtime", NULL};
    int k;
    for (k = 0; unsupported[k] && strcmp(unsupported[k], it->string); k++)
      ;
    if (unsupported[k] && !cJSON_IsNull(it)) {
      set_where(s, prefix, it->string);
      sls_fail(s, "not supported by wsgw (functions run from the project's directory with "
                  "the installed Node.js)");
      goto out;
    }
    for (k = 0; read[k] && strcmp(read[k], it->string); k++)
      ;
    if (!read[k]) {
      char key[SLS_KEY_MAX];
      snprintf(key, sizeof(key), "%s.%s", prefix, it->string);
      ignore(s, key);
    }
  }
  set_where(s, prefix, "events");
  events = v = member(s, fn, "events");
  if (s->failed)
    goto out;
  if (!cJSON_IsArray(events) || !cJSON_GetArraySize(events)) {
    ignore(s, prefix); /* no websocket events: nothing for wsgw to serve */
    cJSON_Delete(v);
    rc = 0;
    goto out;
  }
  {
    cJSON *handler, *rt, *t, *mem, *fenv;
    set_where(s, prefix, "handler");
    handler = member(s, fn, "handler");
    if (!cJSON_IsString(handler)) {
      cJSON_Delete(handler);
      cJSON_Delete(v);
      if (!s->failed)
        sls_fail(s, "expected the handler, such as src/chat.connect");
      goto out;
    }
    snprintf(abs, sizeof(abs), "%s/%s", s->dir, handler->valuestring);
    cJSON_Delete(handler);
    set_where(s, prefix, "runtime");
    rt = member(s, fn, "runtime");
    if ((rt && !cJSON_IsString(rt)) || check_runtime(s, rt ? rt->valuestring : d->runtime) != 0) {
      if (!s->failed)
        sls_fail(s, "expected a runtime such as nodejs20.x");
      cJSON_Delete(rt);
      cJSON_Delete(v);
      goto out;
    }
    cJSON_AddStringToObject(wfn, "runtime", rt ? rt->valuestring : d->runtime);
    cJSON_Delete(rt);
    cJSON_AddStringToObject(wfn, "handler", abs);
    set_where(s, prefix, "timeout");
    t = member(s, fn, "timeout");
    mem = member(s, fn, "memorySize");
    if ((t && !cJSON_IsNumber(t)) || (mem && !cJSON_IsNumber(mem))) {
      set_where(s, prefix, t && !cJSON_IsNumber(t) ? "timeout" : "memorySize");
      sls_fail(s, "expected a number");
      cJSON_Delete(t);
      cJSON_Delete(mem);
      cJSON_Delete(v);
      goto out;
    }
    cJSON_AddNumberToObject(wfn, "timeout", t ? t->valuedouble : d->timeout);
    if (mem || d->memory > 0)
      cJSON_AddNumberToObject(wfn, "memorySize", mem ? mem->valuedouble : d->memory);
    cJSON_Delete(t);
    cJSON_Delete(mem);
    if (add_environment(s, d->environment, env, "provider.environment") != 0) {
      cJSON_Delete(v);
      goto out;
    }
    set_where(s, prefix, "environment");
    fenv = member(s, fn, "environment");
    snprintf(abs, sizeof(abs), "%s.environment", prefix);
    if (s->failed || add_environment(s, fenv, env, abs) != 0) {
      cJSON_Delete(fenv);
      cJSON_Delete(v);
      goto out;
    }
    cJSON_Delete(fenv);
    cJSON_AddItemToObject(wfn, "environment", env);
    env = NULL;
  }
  i = 0;
  rc = 0;
  cJSON_ArrayForEach(it, events) {
    if ((rc = read_event(s, prefix, name, i++, it, wfn, routes, esms)) != 0)
      break;
  }
  cJSON_Delete(v);
out:
  if (rc != 0 && !s->failed)
    sls_fail(s, "out of memory");
  s->file = saved_file;
  cJSON_Delete(env);
  cJSON_Delete(wfn);
  cJSON_Delete(fn);
  return rc;
}

static int read_functions(struct sls *s, const struct sls_defaults *d, cJSON *routes, cJSON *esms) {
  const cJSON *all = cJSON_GetObjectItemCaseSensitive(s->root, "functions"), *it, *f;
  cJSON *resolved;
  int rc = 0;

  set_where(s, "functions", "");
  /* functions: ${file(...)} or a list of ${file(...)}: the top levels first. */
  resolved = cJSON_IsString(all) ? resolve(s, all, 0) : cJSON_Duplicate(all, 1);
  if (cJSON_IsArray(resolved)) {
    cJSON *merged = cJSON_CreateObject();
    cJSON_ArrayForEach(it, resolved) {
      cJSON *one = cJSON_IsString(it) ? resolve(s, it, 0) : cJSON_Duplicate(it, 1);
      if (!cJSON_IsObject(one)) {
        cJSON_Delete(one);
        cJSON_Delete(merged);
        cJSON_Delete(resolved);
        return s->failed ? -1 : sls_fail(s, "expected maps of functions");
      }
      while (one->child) {
        cJSON *m = cJSON_DetachItemViaPointer(one, one->child);
        cJSON_DeleteItemFromObjectCaseSensitive(merged, m->string);
        cJSON_AddItemToObject(merged, m->string, m);
      }
      cJSON_Delete(one);
    }
    cJSON_Delete(resolved);
    resolved = merged;
  }
  if (resolved && !cJSON_IsObject(resolved)) {
    cJSON_Delete(resolved);
    return s->failed ? -1 : sls_fail(s, "expected a map of functions");
  }
  cJSON_ArrayForEach(f, resolved) {
    if ((rc = read_function(s, f->string, f, d, routes, esms)) != 0)
      break;
  }
  cJSON_Delete(resolved);
  return s->failed ? -1 : rc;
}

/* A provider key, resolved, into *v (NULL when absent); -1 on an error or
 * when present but not of the wanted type (cJSON_IsString, ...). */
static int provider_key(struct sls *s, const cJSON *provider, const char *key,
                        cJSON_bool (*is)(const cJSON *), const char *expected, cJSON **v) {
  set_where(s, "provider", key);
  *v = member(s, provider, key);
  if (s->failed)
    return -1;
  if (*v && is && !is(*v)) {
    cJSON_Delete(*v);
    *v = NULL;
    return sls_fail(s, "expected %s", expected);
  }
  return 0;
}

static int read_project(struct sls *s, cJSON *out) {
  static const char *const top_read[] = {"service", "provider", "functions", "resources", NULL};
  static const char *const provider_read[] = {"name",
                                              "region",
                                              "stage",
                                              "runtime",
                                              "environment",
                                              "timeout",
                                              "memorySize",
                                              "websocketsApiRouteSelectionExpression",
                                              "websocketApiRouteSelectionExpression",
                                              NULL};
  struct sls_defaults d;
  cJSON *provider = NULL, *service = NULL, *stage = NULL, *rt = NULL, *region = NULL, *env = NULL,
        *rse = NULL, *t = NULL, *mem = NULL, *name = NULL, *esms = NULL, *api, *routes;
  const cJSON *it;
  int rc = -1, k;

  memset(&d, 0, sizeof(d));
  if (!cJSON_IsObject(s->root))
    return sls_fail(s, "expected a map (service, provider, functions, ...)");
  cJSON_ArrayForEach(it, s->root) {
    for (k = 0; top_read[k] && strcmp(top_read[k], it->string); k++)
      ;
    if (!top_read[k])
      ignore(s, it->string);
  }
  set_where(s, "service", "");
  service = member(s, s->root, "service");
  if (cJSON_IsObject(service)) { /* the older form: service: {name: chat} */
    cJSON *n = cJSON_DetachItemFromObjectCaseSensitive(service, "name");
    cJSON_Delete(service);
    service = n;
  }
  if (!cJSON_IsString(service) || !service->valuestring[0]) {
    if (!s->failed)
      sls_fail(s, "expected the service's name");
    goto out;
  }
  /* The provider's keys are resolved one by one: those wsgw ignores may
   * hold variables it cannot resolve. */
  set_where(s, "provider", "");
  it = cJSON_GetObjectItemCaseSensitive(s->root, "provider");
  provider = cJSON_IsString(it) ? resolve(s, it, 0) : cJSON_Duplicate(it, 1);
  if (s->failed)
    goto out;
  if (!provider)
    provider = cJSON_CreateObject();
  if (!cJSON_IsObject(provider)) {
    sls_fail(s, "expected a map (name, runtime, stage, ...)");
    goto out;
  }
  cJSON_ArrayForEach(it, provider) {
    char key[SLS_KEY_MAX];
    for (k = 0; provider_read[k] && strcmp(provider_read[k], it->string); k++)
      ;
    snprintf(key, sizeof(key), "provider.%s", it->string);
    if (!provider_read[k])
      ignore(s, key);
  }
  /* The stage first: ${sls:stage} reads it. */
  if (provider_key(s, provider, "stage", cJSON_IsString, "the stage's name", &stage) != 0)
    goto out;
  s->stage = strdup(s->opt_stage                     ? s->opt_stage
                    : stage && stage->valuestring[0] ? stage->valuestring
                                                     : EMU_SERVERLESS_DEFAULT_STAGE);
  if (provider_key(s, provider, "name", cJSON_IsString, "aws", &name) != 0)
    goto out;
  if (name && strcmp(name->valuestring, "aws")) {
    sls_fail(s, "only the aws provider is supported by wsgw");
    goto out;
  }
  if (provider_key(s, provider, "region", cJSON_IsString, "a region such as us-east-1", &region) !=
          0 ||
      provider_key(s, provider, "runtime", cJSON_IsString, "a runtime such as nodejs20.x", &rt) !=
          0)
    goto out;
  /* DEVIATION: Serverless requires a runtime (v4) or defaults to a
   * nodejs version of its own (v3); wsgw defaults to nodejs20.x. */
  d.runtime = rt ? rt->valuestring : "nodejs20.x";
  if (rt && check_runtime(s, rt->valuestring) != 0)
    goto out;
  if (provider_key(s, provider, "timeout", cJSON_IsNumber, "a number of seconds", &t) != 0 ||
      provider_key(s, provider, "memorySize", cJSON_IsNumber, "a number of MB", &mem) != 0)
    goto out;
  d.timeout = t ? t->valuedouble : EMU_SERVERLESS_DEFAULT_TIMEOUT_S;
  d.memory = mem ? mem->valuedouble : 0;
  if (provider_key(s, provider, "websocketsApiRouteSelectionExpression", cJSON_IsString,
                   "an expression such as $request.body.action", &rse) != 0)
    goto out;
  if (!rse && provider_key(s, provider, "websocketApiRouteSelectionExpression", cJSON_IsString,
                           "an expression such as $request.body.action", &rse) != 0)
    goto out;
  /* Tables before the environment and the functions: they may Ref them. */
  if (read_resources(s, service->valuestring) != 0)
    goto out;
  if (provider_key(s, provider, "environment", NULL, NULL, &env) != 0)
    goto out;
  d.environment = env;
  cJSON_AddStringToObject(out, "region", region ? region->valuestring : "us-east-1");
  api = cJSON_CreateObject();
  cJSON_AddItemToArray(cJSON_AddArrayToObject(out, "apis"), api);
  cJSON_AddStringToObject(api, "name", service->valuestring);
  cJSON_AddStringToObject(api, "stage", s->stage);
  /* SPEC docs/spec/serverless.md 4: the default route selection expression
   * is $request.body.action. */
  cJSON_AddStringToObject(api, "routeSelectionExpression",
                          rse ? rse->valuestring : "$request.body.action");
  routes = cJSON_AddObjectToObject(api, "routes");
  esms = cJSON_CreateArray();
  if (read_functions(s, &d, routes, esms) != 0)
    goto out;
  {
    cJSON *tables = cJSON_AddArrayToObject(out, "tables");
    cJSON_ArrayForEach(it, s->tables)
      cJSON_AddItemToArray(tables, cJSON_Duplicate(it, 1));
  }
  if (cJSON_GetArraySize(esms) > 0) {
    cJSON_AddItemToObject(out, "eventSourceMappings", esms);
    esms = NULL;
  }
  rc = 0;
out:
  cJSON_Delete(esms);
  cJSON_Delete(service);
  cJSON_Delete(provider);
  cJSON_Delete(stage);
  cJSON_Delete(name);
  cJSON_Delete(region);
  cJSON_Delete(rt);
  cJSON_Delete(t);
  cJSON_Delete(mem);
  cJSON_Delete(rse);
  cJSON_Delete(env);
  return rc;
}

int emu_serverless_to_json(const char *path, const char *stage, char **json, char *err,
                           size_t cap) {
  struct sls s;
  char *copy;
  cJSON *out = NULL;
  int rc = -1;

  *json = NULL;
  memset(&s, 0, sizeof(s));
  s.path = s.file = path;
  s.opt_stage = stage;
  s.err = err;
  s.cap = cap;
  copy = strdup(path);
  s.dir = copy ? realpath(dirname(copy), NULL) : NULL;
  free(copy);
  if (!s.dir) {
    snprintf(err, cap, "%s: cannot resolve the project's directory", path);
    return -1;
  }
  s.root = emu_yaml_load_file(path, err, cap);
  s.tables = cJSON_CreateObject();
  out = cJSON_CreateObject();
  if (s.root && s.tables && out && read_project(&s, out) == 0) {
    *json = cJSON_Print(out);
    rc = *json ? 0 : -1;
    if (s.ignored[0])
      emu_log_warn("serverless", "%s: ignored (wsgw has no use for them): %s", path, s.ignored);
  }
  cJSON_Delete(out);
  cJSON_Delete(s.root);
  cJSON_Delete(s.tables);
  free(s.stage);
  free(s.dir);
  return rc;
}

int emu_serverless_load(const char *path, const char *stage, struct emu_config *out, char *err,
                        size_t cap) {
  char *json, *copy, *dir;

  if (emu_serverless_to_json(path, stage, &json, err, cap) != 0)
    return -1;
  if (emu_config_load_string(json, path, out, err, cap) != 0) {
    free(json);
    return -1;
  }
  free(json);
  copy = strdup(path);
  dir = copy ? realpath(dirname(copy), NULL) : NULL;
  free(copy);
  if (!dir) {
    emu_config_free(out);
    snprintf(err, cap, "%s: cannot resolve the project's directory", path);
    return -1;
  }
  free(out->dir);
  out->dir = dir;
  return 0;
}
