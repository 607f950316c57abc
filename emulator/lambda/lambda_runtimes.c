/*
 * lambda_runtimes.c - out-of-process functions: their programs, their
 * environment, and the registry of their pools (see lambda_runtimes.h).
 *
 * Invariants (under r->mu): `list` holds every external with refs > 0; an
 * external's key never changes; its pool is created once, at its first
 * invocation (the endpoints are known by then), and freed with it.
 * A pool's own calls (invoke, recycle) run outside r->mu.
 */
#define _GNU_SOURCE /* asprintf */
#include "lambda_runtimes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "emu_buf.h"
#include "emu_id.h"
#include "emu_json.h"
#include "emu_nul.h"
#include "emu_strv.h"

/* The Node runtime client (emulator/lambda/node/runtime.cjs), embedded at
 * build time (lambda_node_client.c, generated). */
extern const unsigned char lambda_node_client[];
extern const unsigned long lambda_node_client_len;

struct lambda_external {
  struct lambda_runtimes *r;
  int refs;  /* under r->mu */
  char *key; /* everything the processes depend on, as JSON */
  char *name;
  char *dir;
  char *runtime;
  char *handler; /* or NULL */
  char **command;
  int memory_mb;
  int concurrency;
  cJSON *environment;
  struct lambda_procs *procs; /* created at the first invocation, under r->mu */
  char arn[256];
  struct lambda_external *next;
};

struct lambda_runtimes {
  pthread_mutex_t mu;
  char work_dir[PATH_MAX];
  char region[64];
  char http_domain[128];
  char https_domain[128];
  char cert_path[PATH_MAX];
  char node_client[PATH_MAX]; /* written at the first Node function, or "" */
  struct lambda_external *list;
};

struct lambda_runtimes *lambda_runtimes_new(const char *work_dir, const char *region) {
  struct lambda_runtimes *r = calloc(1, sizeof(*r));

  if (!r)
    return NULL;
  pthread_mutex_init(&r->mu, NULL);
  snprintf(r->work_dir, sizeof(r->work_dir), "%s", work_dir);
  snprintf(r->region, sizeof(r->region), "%s", region ? region : "us-east-1");
  return r;
}

void lambda_runtimes_set_endpoints(struct lambda_runtimes *r, const char *http_domain,
                                   const char *https_domain, const char *cert_path) {
  pthread_mutex_lock(&r->mu);
  snprintf(r->http_domain, sizeof(r->http_domain), "%s", http_domain ? http_domain : "");
  snprintf(r->https_domain, sizeof(r->https_domain), "%s", https_domain ? https_domain : "");
  snprintf(r->cert_path, sizeof(r->cert_path), "%s", cert_path ? cert_path : "");
  pthread_mutex_unlock(&r->mu);
}

static int is_node(const char *runtime) {
  return strncmp(runtime, "nodejs", 6) == 0;
}

/* Whether `prog` (no '/') is an executable file in a directory of PATH. */
static int on_path(const char *prog) {
  const char *path = getenv("PATH"), *p;
  char file[PATH_MAX];

  for (p = path ? path : "/usr/bin:/bin"; *p;) {
    size_t n = strcspn(p, ":");
    if (n && snprintf(file, sizeof(file), "%.*s/%s", (int)n, p, prog) < (int)sizeof(file) &&
        access(file, X_OK) == 0)
      return 1;
    p += n;
    if (*p == ':')
      p++;
  }
  return 0;
}

/* Writes the Node runtime client once (under r->mu): a temporary file
 * renamed into place, so a process never reads half of it. */
static int write_node_client(struct lambda_runtimes *r, char *err, size_t cap) {
  char dir[PATH_MAX], tmp[PATH_MAX + 16];
  int fd;
  size_t off = 0;

  if (r->node_client[0])
    return 0;
  if (snprintf(dir, sizeof(dir), "%s/runtimes", r->work_dir) >= (int)sizeof(dir) ||
      (mkdir(dir, 0700) != 0 && errno != EEXIST)) {
    snprintf(err, cap, "cannot create %s: %s", dir, strerror(errno));
    return -1;
  }
  if (snprintf(tmp, sizeof(tmp), "%s/node-runtime.cjs.tmp", dir) >= (int)sizeof(tmp) ||
      snprintf(r->node_client, sizeof(r->node_client), "%s/node-runtime.cjs", dir) >=
          (int)sizeof(r->node_client)) {
    r->node_client[0] = '\0';
    snprintf(err, cap, "the work directory's path is too long");
    return -1;
  }
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  while (fd >= 0 && off < lambda_node_client_len) {
    ssize_t n = write(fd, lambda_node_client + off, lambda_node_client_len - off);
    if (n <= 0 && errno != EINTR)
      break;
    off += n > 0 ? (size_t)n : 0;
  }
  if (fd < 0 || off != lambda_node_client_len || close(fd) != 0) {
    snprintf(err, cap, "cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
      close(fd);
    r->node_client[0] = '\0';
    return -1;
  }
  if (rename(tmp, r->node_client) != 0) {
    snprintf(err, cap, "cannot write %s: %s", r->node_client, strerror(errno));
    r->node_client[0] = '\0';
    return -1;
  }
  return 0;
}

/* SPEC docs/spec/lambda-runtime.md 7: Lambda reserves these keys; a
 * function's configuration cannot set them. */
static const char *const reserved[] = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "TZ",
    NULL,
};

static int check_reserved(const cJSON *env, char *err, size_t cap) {
  const cJSON *it;

  cJSON_ArrayForEach(it, env) {
    for (size_t i = 0; reserved[i]; i++)
      if (strcmp(it->string, reserved[i]) == 0) {
        snprintf(err, cap,
                 "environment: Lambda was unable to configure your environment variables "
                 "because the environment variables you have provided contains reserved keys "
                 "that are currently not supported for modification. Reserved keys used in this "
                 "request: %s",
                 it->string);
        return -1;
      }
  }
  return 0;
}

static char *key_of(const char *dir, const struct emu_function *fn, const char *name) {
  cJSON *k = cJSON_CreateObject();
  char *s;

  cJSON_AddStringToObject(k, "name", name);
  cJSON_AddStringToObject(k, "dir", dir);
  cJSON_AddStringToObject(k, "runtime", fn->runtime);
  if (fn->handler)
    cJSON_AddStringToObject(k, "handler", fn->handler);
  if (fn->command)
    cJSON_AddItemToObject(
        k, "command",
        cJSON_CreateStringArray((const char *const *)fn->command,
                                (int)emu_strv_len((const char *const *)fn->command)));
  cJSON_AddNumberToObject(k, "memory", fn->memory_mb);
  cJSON_AddNumberToObject(k, "concurrency", fn->concurrency);
  cJSON_AddItemToObject(k, "environment", cJSON_Duplicate(fn->environment, 1));
  s = cJSON_PrintUnformatted(k);
  cJSON_Delete(k);
  return s;
}

static void external_free(struct lambda_external *x) {
  if (!x)
    return;
  lambda_procs_free(x->procs);
  emu_strv_free(x->command);
  cJSON_Delete(x->environment);
  free(x->key);
  free(x->name);
  free(x->dir);
  free(x->runtime);
  free(x->handler);
  free(x);
}

struct lambda_external *lambda_runtimes_get(struct lambda_runtimes *r, const char *dir,
                                            const struct emu_function *fn, const char *name,
                                            char *err, size_t cap) {
  struct lambda_external *x;
  char *key;

  if (check_reserved(fn->environment, err, cap) != 0)
    return NULL;
  if (is_node(fn->runtime) && !on_path("node")) {
    snprintf(err, cap, "runtime %s: no `node` on PATH (install Node.js)", fn->runtime);
    return NULL;
  }
  if (!(key = key_of(dir, fn, name))) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  pthread_mutex_lock(&r->mu);
  for (x = r->list; x; x = x->next)
    if (strcmp(x->key, key) == 0) {
      x->refs++;
      pthread_mutex_unlock(&r->mu);
      free(key);
      return x;
    }
  if (is_node(fn->runtime) && write_node_client(r, err, cap) != 0) {
    pthread_mutex_unlock(&r->mu);
    free(key);
    return NULL;
  }
  x = calloc(1, sizeof(*x));
  if (!x) {
    pthread_mutex_unlock(&r->mu);
    free(key);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  x->r = r;
  x->refs = 1;
  x->key = key;
  x->name = strdup(name);
  x->dir = strdup(dir);
  x->runtime = strdup(fn->runtime);
  x->handler = fn->handler ? strdup(fn->handler) : NULL;
  x->memory_mb = fn->memory_mb;
  x->concurrency = fn->concurrency;
  x->environment = cJSON_Duplicate(fn->environment, 1);
  x->command = emu_strv_dup((const char *const *)fn->command);
  if (x->command && strchr(x->command[0], '/') && x->command[0][0] != '/') {
    /* A relative program path is relative to the task root. */
    char *abs;
    if (asprintf(&abs, "%s/%s", dir, x->command[0]) >= 0) {
      free(x->command[0]);
      x->command[0] = abs;
    }
  }
  /* SPEC docs/spec/lambda-runtime.md 7: the function's ARN,
   * arn:aws:lambda:REGION:ACCOUNT:function:NAME. */
  snprintf(x->arn, sizeof(x->arn), "arn:aws:lambda:%s:%s:function:%s", r->region, EMU_ACCOUNT_ID,
           name);
  x->next = r->list;
  r->list = x;
  pthread_mutex_unlock(&r->mu);
  return x;
}

void lambda_external_release(struct lambda_external *x) {
  struct lambda_runtimes *r;
  struct lambda_external **pp;

  if (!x)
    return;
  r = x->r;
  pthread_mutex_lock(&r->mu);
  if (--x->refs > 0) {
    pthread_mutex_unlock(&r->mu);
    return;
  }
  for (pp = &r->list; *pp; pp = &(*pp)->next)
    if (*pp == x) {
      *pp = x->next;
      break;
    }
  pthread_mutex_unlock(&r->mu);
  external_free(x); /* kills its processes, outside the lock */
}

/* The environment strings of x's processes (NULL-terminated, one
 * allocation each, freed by strv_free). Under r->mu. */
struct strv {
  char **v;
  size_t n, cap;
};

static void strv_add(struct strv *s, const char *name, const char *value) {
  char *e;

  if (s->n + 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    char **v = realloc(s->v, cap * sizeof(*v));
    if (!v)
      return;
    s->v = v;
    s->cap = cap;
  }
  if (asprintf(&e, "%s=%s", name, value) < 0)
    return;
  /* A later value replaces an earlier one of the same name. */
  for (size_t i = 0; i < s->n; i++)
    if (strncmp(s->v[i], e, strlen(name) + 1) == 0) {
      free(s->v[i]);
      s->v[i] = e;
      return;
    }
  s->v[s->n++] = e;
  s->v[s->n] = NULL;
}

static void build_env(struct lambda_runtimes *r, struct lambda_external *x, struct strv *s) {
  char buf[PATH_MAX + 64], day[16];
  const char *inherit[] = {"PATH", "HOME", "TMPDIR", "LANG", NULL};
  struct tm tm;
  time_t now = time(NULL);
  char stream[33];
  const cJSON *it;

  for (size_t i = 0; inherit[i]; i++)
    if (getenv(inherit[i]))
      strv_add(s, inherit[i], getenv(inherit[i]));
  /* SPEC docs/spec/lambda-runtime.md 7: what Lambda sets. */
  if (x->handler)
    strv_add(s, "_HANDLER", x->handler);
  strv_add(s, "AWS_LAMBDA_FUNCTION_NAME", x->name);
  strv_add(s, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
  snprintf(buf, sizeof(buf), "%d", x->memory_mb);
  strv_add(s, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", buf);
  snprintf(buf, sizeof(buf), "/aws/lambda/%s", x->name);
  strv_add(s, "AWS_LAMBDA_LOG_GROUP_NAME", buf);
  gmtime_r(&now, &tm);
  strftime(day, sizeof(day), "%Y/%m/%d", &tm);
  snprintf(stream, sizeof(stream), "%016llx%016llx", (unsigned long long)emu_id_random64(),
           (unsigned long long)emu_id_random64());
  snprintf(buf, sizeof(buf), "%s/[$LATEST]%s", day, stream);
  strv_add(s, "AWS_LAMBDA_LOG_STREAM_NAME", buf);
  strv_add(s, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  snprintf(buf, sizeof(buf), "AWS_Lambda_%s", x->runtime);
  strv_add(s, "AWS_EXECUTION_ENV", buf);
  strv_add(s, "LAMBDA_TASK_ROOT", x->dir);
  if (is_node(x->runtime)) {
    char *slash;
    snprintf(buf, sizeof(buf), "%s", r->node_client);
    if ((slash = strrchr(buf, '/')) != NULL)
      *slash = '\0';
    strv_add(s, "LAMBDA_RUNTIME_DIR", buf);
  }
  strv_add(s, "AWS_REGION", r->region);
  strv_add(s, "AWS_DEFAULT_REGION", r->region);
  /* DEVIATION: fixed local credentials instead of the execution role's
   * temporary ones; this emulator does not check signatures. */
  strv_add(s, "AWS_ACCESS_KEY_ID", "wsgwlocal");
  strv_add(s, "AWS_SECRET_ACCESS_KEY", "wsgwlocal");
  strv_add(s, "AWS_SESSION_TOKEN", "wsgwlocal");
  strv_add(s, "TZ", ":UTC");
  /* The SDKs' endpoint variables (SDK v3, boto3 and others read them; the
   * Node runtime client points SDK v2 at the same): this emulator. */
  if (r->http_domain[0]) {
    snprintf(buf, sizeof(buf), "http://%s", r->http_domain);
    strv_add(s, "AWS_ENDPOINT_URL_DYNAMODB", buf);
    strv_add(s, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", buf);
  }
  if (r->https_domain[0] || r->http_domain[0]) {
    snprintf(buf, sizeof(buf), "%s://%s", r->https_domain[0] ? "https" : "http",
             r->https_domain[0] ? r->https_domain : r->http_domain);
    strv_add(s, "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", buf);
  }
  if (r->cert_path[0]) {
    /* The https recipe: the functions trust this emulator's certificate. */
    strv_add(s, "NODE_EXTRA_CA_CERTS", r->cert_path);
    strv_add(s, "AWS_CA_BUNDLE", r->cert_path);
  }
  cJSON_ArrayForEach(it, x->environment)
    strv_add(s, it->string, it->valuestring);
}

/* x's pool, created at its first invocation. */
static struct lambda_procs *pool_of(struct lambda_external *x, char *err, size_t cap) {
  struct lambda_runtimes *r = x->r;
  struct lambda_procs *p;

  pthread_mutex_lock(&r->mu);
  if (!(p = x->procs)) {
    struct strv env = {0};
    const char *node_argv[] = {"node", r->node_client, NULL};
    const char *const *argv = is_node(x->runtime) ? node_argv : (const char *const *)x->command;

    build_env(r, x, &env);
    if (argv && env.v) {
      struct lambda_procs_spec spec = {
          .name = x->name,
          .argv = argv,
          .env = (const char *const *)env.v,
          .cwd = x->dir,
          .concurrency = x->concurrency,
          .function_arn = x->arn,
      };
      p = x->procs = lambda_procs_new(&spec, err, cap);
    } else {
      snprintf(err, cap, "out of memory");
    }
    emu_strv_free(env.v);
  }
  pthread_mutex_unlock(&r->mu);
  return p;
}

/* DEVIATION: on AWS, requestContext.domainName is the API's https host (or
 * its custom domain). A client of this emulator may come over ws:// to the
 * plain listener, where https://{domainName}/{stage} would fail, and a
 * custom domain resolves nowhere near it; out-of-process functions get the
 * TLS listener's host:port instead (whose certificate they trust), so the
 * https recipe reaches this emulator whichever way the client came (the
 * @connections API answers at the stage and at the mapping path). */
static void rewrite_domain(struct lambda_runtimes *r, cJSON *event) {
  cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  cJSON *d = cJSON_GetObjectItemCaseSensitive(rc, "domainName");

  pthread_mutex_lock(&r->mu);
  if (cJSON_IsString(d) && r->https_domain[0] && strcmp(d->valuestring, r->https_domain) != 0)
    cJSON_ReplaceItemInObjectCaseSensitive(rc, "domainName", cJSON_CreateString(r->https_domain));
  pthread_mutex_unlock(&r->mu);
}

int lambda_external_invoke(struct lambda_external *x, const char *request_id, cJSON *event,
                           int64_t deadline_ms, struct lambda_procs_result *out) {
  struct lambda_procs *p;
  char err[512];
  char *json;
  size_t len;
  int rc;

  memset(out, 0, sizeof(*out));
  out->init_ms = -1;
  if (!(p = pool_of(x, err, sizeof(err)))) {
    out->outcome = LAMBDA_PROCS_ERROR;
    snprintf(out->error_type, sizeof(out->error_type), "Runtime.InvalidEntrypoint");
    snprintf(out->error_message, sizeof(out->error_message), "%s", err);
    return 0;
  }
  rewrite_domain(x->r, event);
  if (!(json = cJSON_PrintUnformatted(event))) {
    out->outcome = LAMBDA_PROCS_ERROR;
    snprintf(out->error_type, sizeof(out->error_type), "Runtime.OutOfMemory");
    snprintf(out->error_message, sizeof(out->error_message), "cannot serialise the event");
    return 0;
  }
  len = strlen(json);
  if (memchr(json, (int)EMU_NUL_LEAD, len)) {
    /* U+0000 is C0 80 inside the tree (emu_nul.h); a function reads JSON,
     * where it is the escape \u0000. */
    struct emu_buf wire;
    emu_buf_init(&wire, 4 * len + 16);
    if (emu_json_nul_escape(&wire, json, len) != 0) {
      free(json);
      emu_buf_free(&wire);
      out->outcome = LAMBDA_PROCS_ERROR;
      snprintf(out->error_type, sizeof(out->error_type), "Runtime.OutOfMemory");
      snprintf(out->error_message, sizeof(out->error_message), "cannot serialise the event");
      return 0;
    }
    free(json);
    len = wire.len;
    json = emu_buf_take(&wire);
  }
  rc = lambda_procs_invoke(p, request_id, json, len, deadline_ms, out);
  free(json);
  return rc;
}

int lambda_runtimes_recycle(struct lambda_runtimes *r) {
  struct lambda_external *x;
  int n = 0;

  /* Under r->mu: an external in the list stays alive (its release needs
   * the lock to unlink it); recycling only signals its processes. */
  pthread_mutex_lock(&r->mu);
  for (x = r->list; x; x = x->next)
    if (x->procs) {
      lambda_procs_recycle(x->procs);
      n++;
    }
  pthread_mutex_unlock(&r->mu);
  return n;
}

void lambda_runtimes_free(struct lambda_runtimes *r) {
  if (!r)
    return;
  /* Anything still listed belongs to a deployment that outlived the
   * server's stop, which must not happen; free it anyway. */
  while (r->list) {
    struct lambda_external *x = r->list;
    r->list = x->next;
    external_free(x);
  }
  pthread_mutex_destroy(&r->mu);
  free(r);
}
