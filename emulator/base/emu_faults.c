/*
 * emu_faults.c - the fault registry (shapes and semantics in emu_faults.h).
 *
 * A small list under one mutex: hooks walk it on every matching event, so
 * it is meant for tens of faults, not thousands (EMU_FAULTS_MAX).
 */
#include "emu_faults.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_log.h"

enum fault_type {
  FAULT_DISCONNECT_DROP,
  FAULT_DISCONNECT_DELAY,
  FAULT_CONNECTIONS_ERROR,
  FAULT_DYNAMODB_ERROR,
  FAULT_HANDLER_LATENCY,
  FAULT_HANDLER_TIMEOUT,
  FAULT_HANDSHAKE_DELAY,
  FAULT_STREAM_ERROR,
};

static const char *const type_names[] = {
    "disconnect.drop", "disconnect.delay", "connections.error", "dynamodb.error",
    "handler.latency", "handler.timeout",  "handshake.delay",   "stream.error",
};

struct fault {
  int id;
  enum fault_type type;
  char target[256];  /* connectionId, operation or handler; "*" matches all */
  char table[256];   /* dynamodb.error: the table, "*" for any */
  int status;        /* connections.error */
  const char *error; /* dynamodb.error: the exception name (a static string) */
  int ms;            /* delays */
  long remaining;    /* -1: unlimited */
  double rate;       /* 0..1 */
  long hits;
  cJSON *spec; /* as given */
};

struct emu_faults {
  pthread_mutex_t lock;
  struct fault items[EMU_FAULTS_MAX];
  int n;
  atomic_int armed; /* == n, readable without the lock: no faults, no lock */
  int next_id;
  uint64_t rng; /* splitmix64 state, seeded per fault list */
};

struct emu_faults *emu_faults_new(void) {
  struct emu_faults *f = calloc(1, sizeof(*f));

  if (!f)
    return NULL;
  pthread_mutex_init(&f->lock, NULL);
  f->next_id = 1;
  f->rng = 1;
  return f;
}

void emu_faults_free(struct emu_faults *f) {
  if (!f)
    return;
  emu_faults_reset(f);
  pthread_mutex_destroy(&f->lock);
  free(f);
}

static double next_random(struct emu_faults *f) {
  uint64_t z = (f->rng += 0x9E3779B97F4A7C15ull);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0; /* [0, 1) */
}

static int get_target(const cJSON *spec, const char *name, char *out, size_t cap, char *err,
                      size_t errcap) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, name);

  if (!v) {
    snprintf(out, cap, "*");
    return 0;
  }
  if (!cJSON_IsString(v) || !v->valuestring[0] || strlen(v->valuestring) >= cap) {
    snprintf(err, errcap, "fault: \"%s\" must be a non-empty string (or \"*\")", name);
    return -1;
  }
  snprintf(out, cap, "%s", v->valuestring);
  return 0;
}

/* Checks one fault description and fills *out (its spec is left NULL).
 * Returns 0, or -1 with one line in err. Touches no shared state. */
static int parse_fault(const cJSON *spec, struct fault *out, char *err, size_t cap) {
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(spec, "type");
  const cJSON *count = cJSON_GetObjectItemCaseSensitive(spec, "count");
  const cJSON *rate = cJSON_GetObjectItemCaseSensitive(spec, "rate");
  const cJSON *ms = cJSON_GetObjectItemCaseSensitive(spec, "ms");
  const cJSON *seed = cJSON_GetObjectItemCaseSensitive(spec, "seed");
  struct fault ft;
  size_t t;

  memset(&ft, 0, sizeof(ft));
  if (!cJSON_IsObject(spec) || !cJSON_IsString(type)) {
    snprintf(err, cap, "fault: expected an object with a \"type\"");
    return -1;
  }
  for (t = 0; t < sizeof(type_names) / sizeof(type_names[0]); t++)
    if (strcmp(type->valuestring, type_names[t]) == 0)
      break;
  if (t == sizeof(type_names) / sizeof(type_names[0])) {
    snprintf(err, cap,
             "fault: unknown type \"%.64s\" (expected disconnect.drop, disconnect.delay, "
             "connections.error, dynamodb.error, handler.latency, handler.timeout, "
             "handshake.delay or stream.error)",
             type->valuestring);
    return -1;
  }
  ft.type = (enum fault_type)t;
  ft.remaining = -1;
  ft.rate = 1.0;
  if (count) {
    /* Checked before the conversion: a double out of long's range (1e300)
     * is undefined behaviour when converted. */
    if (!cJSON_IsNumber(count) || !(count->valuedouble >= 1) ||
        count->valuedouble > EMU_FAULTS_MAX_COUNT) {
      snprintf(err, cap, "fault: \"count\" must be a positive number up to %d",
               EMU_FAULTS_MAX_COUNT);
      return -1;
    }
    ft.remaining = (long)count->valuedouble;
  }
  if (rate) {
    if (!cJSON_IsNumber(rate) || rate->valuedouble < 0 || rate->valuedouble > 1) {
      snprintf(err, cap, "fault: \"rate\" must be a number from 0 to 1");
      return -1;
    }
    ft.rate = rate->valuedouble;
  }
  /* Used when the fault is added (the generator's seed): checked here. */
  if (seed && (!cJSON_IsNumber(seed) || !(seed->valuedouble >= 0) ||
               seed->valuedouble > EMU_FAULTS_MAX_SEED)) {
    snprintf(err, cap, "fault: \"seed\" must be a number from 0 to %.0f", EMU_FAULTS_MAX_SEED);
    return -1;
  }
  switch (ft.type) {
  case FAULT_DISCONNECT_DROP:
  case FAULT_DISCONNECT_DELAY:
  case FAULT_CONNECTIONS_ERROR:
  case FAULT_HANDSHAKE_DELAY:
    if (get_target(spec, "connectionId", ft.target, sizeof(ft.target), err, cap) != 0)
      return -1;
    break;
  case FAULT_DYNAMODB_ERROR:
    if (get_target(spec, "operation", ft.target, sizeof(ft.target), err, cap) != 0 ||
        get_target(spec, "table", ft.table, sizeof(ft.table), err, cap) != 0)
      return -1;
    break;
  case FAULT_HANDLER_LATENCY:
  case FAULT_HANDLER_TIMEOUT:
    if (get_target(spec, "handler", ft.target, sizeof(ft.target), err, cap) != 0)
      return -1;
    break;
  case FAULT_STREAM_ERROR:
    if (get_target(spec, "table", ft.target, sizeof(ft.target), err, cap) != 0)
      return -1;
    break;
  }
  if (ft.type == FAULT_DISCONNECT_DELAY || ft.type == FAULT_HANDLER_LATENCY ||
      ft.type == FAULT_HANDSHAKE_DELAY) {
    if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > 600000) {
      snprintf(err, cap, "fault: %s needs \"ms\" from 0 to 600000", type_names[t]);
      return -1;
    }
    ft.ms = (int)ms->valuedouble;
  }
  if (ft.type == FAULT_CONNECTIONS_ERROR) {
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(spec, "status");
    /* issue 5: make @connections answer 410, 429 LimitExceededException,
     * 403 or 500. */
    if (!cJSON_IsNumber(st) || (st->valueint != 410 && st->valueint != 429 && st->valueint != 403 &&
                                st->valueint != 500)) {
      snprintf(err, cap, "fault: connections.error needs \"status\" 410, 429, 403 or 500");
      return -1;
    }
    ft.status = st->valueint;
  }
  if (ft.type == FAULT_DYNAMODB_ERROR) {
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(spec, "error");
    const char *name = cJSON_IsString(e) ? e->valuestring : "";
    static const char *const names[] = {"ProvisionedThroughputExceededException",
                                        "ThrottlingException", "InternalServerError"};
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
      if (strcmp(name, names[i]) == 0)
        ft.error = names[i];
    if (!ft.error) {
      snprintf(err, cap,
               "fault: dynamodb.error needs \"error\" ProvisionedThroughputExceededException, "
               "ThrottlingException or InternalServerError");
      return -1;
    }
  }
  *out = ft;
  return 0;
}

/* Installs n parsed faults (specs[i] describes fts[i]) in one step: all of
 * them, or none when the list would exceed EMU_FAULTS_MAX. */
static int install(struct emu_faults *f, struct fault *fts, const cJSON *const *specs, size_t n,
                   int *ids, char *err, size_t cap) {
  size_t i;

  for (i = 0; i < n; i++) {
    if ((fts[i].spec = cJSON_Duplicate(specs[i], 1)) == NULL) {
      while (i > 0)
        cJSON_Delete(fts[--i].spec);
      snprintf(err, cap, "fault: out of memory");
      return -1;
    }
  }
  pthread_mutex_lock(&f->lock);
  if ((size_t)f->n + n > EMU_FAULTS_MAX) {
    int had = f->n;
    pthread_mutex_unlock(&f->lock);
    for (i = 0; i < n; i++)
      cJSON_Delete(fts[i].spec);
    snprintf(err, cap,
             "fault: at most %d faults at once (%d installed, %zu more asked); none added",
             EMU_FAULTS_MAX, had, n);
    return -1;
  }
  for (i = 0; i < n; i++) {
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(specs[i], "seed");
    if (cJSON_IsNumber(seed))
      f->rng = (uint64_t)seed->valuedouble;
    fts[i].id = ids[i] = f->next_id++;
    f->items[f->n++] = fts[i];
  }
  atomic_store(&f->armed, f->n);
  pthread_mutex_unlock(&f->lock);
  for (i = 0; i < n; i++)
    emu_log_info("fault", "added #%d %s", ids[i], type_names[fts[i].type]);
  return 0;
}

int emu_faults_add(struct emu_faults *f, const cJSON *spec, char *err, size_t cap) {
  struct fault ft;
  int id;

  if (parse_fault(spec, &ft, err, cap) != 0 || install(f, &ft, &spec, 1, &id, err, cap) != 0)
    return -1;
  return id;
}

int emu_faults_add_all(struct emu_faults *f, const cJSON *specs, int *ids, char *err, size_t cap) {
  const cJSON *specv[EMU_FAULTS_MAX];
  struct fault *fts;
  const cJSON *it;
  size_t n = 0;
  int rc;

  if (!cJSON_IsArray(specs)) {
    snprintf(err, cap, "fault: expected an array of faults");
    return -1;
  }
  /* The size first: a list longer than the registry can never fit. */
  cJSON_ArrayForEach(it, specs) {
    if (n == EMU_FAULTS_MAX) {
      snprintf(err, cap, "fault: at most %d faults at once; none added", EMU_FAULTS_MAX);
      return -1;
    }
    specv[n++] = it;
  }
  if (n == 0)
    return 0;
  if ((fts = calloc(n, sizeof(*fts))) == NULL) {
    snprintf(err, cap, "fault: out of memory");
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    char why[256];
    if (parse_fault(specv[i], &fts[i], why, sizeof(why)) != 0) {
      snprintf(err, cap, "faults[%zu]: %s; none added", i, why);
      free(fts);
      return -1;
    }
  }
  rc = install(f, fts, specv, n, ids, err, cap);
  free(fts);
  return rc < 0 ? -1 : (int)n;
}

int emu_faults_remove(struct emu_faults *f, int id) {
  int i, rc = -1;

  pthread_mutex_lock(&f->lock);
  for (i = 0; i < f->n; i++)
    if (f->items[i].id == id) {
      cJSON_Delete(f->items[i].spec);
      memmove(&f->items[i], &f->items[i + 1], (size_t)(f->n - i - 1) * sizeof(f->items[0]));
      f->n--;
      atomic_store(&f->armed, f->n);
      rc = 0;
      break;
    }
  pthread_mutex_unlock(&f->lock);
  return rc;
}

void emu_faults_reset(struct emu_faults *f) {
  int i;

  pthread_mutex_lock(&f->lock);
  for (i = 0; i < f->n; i++)
    cJSON_Delete(f->items[i].spec);
  f->n = 0;
  atomic_store(&f->armed, 0);
  pthread_mutex_unlock(&f->lock);
}

cJSON *emu_faults_list(struct emu_faults *f) {
  cJSON *arr = cJSON_CreateArray();
  int i;

  pthread_mutex_lock(&f->lock);
  for (i = 0; i < f->n; i++) {
    cJSON *o = cJSON_Duplicate(f->items[i].spec, 1);
    cJSON_DeleteItemFromObjectCaseSensitive(o, "id");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "hits");
    cJSON_AddNumberToObject(o, "id", f->items[i].id);
    cJSON_AddNumberToObject(o, "hits", (double)f->items[i].hits);
    if (f->items[i].remaining >= 0)
      cJSON_AddNumberToObject(o, "remaining", (double)f->items[i].remaining);
    cJSON_AddItemToArray(arr, o);
  }
  pthread_mutex_unlock(&f->lock);
  return arr;
}

static int matches(const char *pattern, const char *value) {
  return strcmp(pattern, "*") == 0 || (value && strcmp(pattern, value) == 0);
}

/* Finds the first live fault of `type` that matches and fires (count and
 * rate), copying it into *out. Called with no lock held. */
static int fire(struct emu_faults *f, enum fault_type type, const char *target, const char *table,
                struct fault *out) {
  int i, fired = 0;

  /* Every request asks; with no fault in force the answer needs no lock. */
  if (!f || atomic_load(&f->armed) == 0)
    return 0;
  pthread_mutex_lock(&f->lock);
  for (i = 0; i < f->n && !fired; i++) {
    struct fault *ft = &f->items[i];
    if (ft->type != type || ft->remaining == 0 || !matches(ft->target, target) ||
        (type == FAULT_DYNAMODB_ERROR && !matches(ft->table, table)))
      continue;
    if (ft->rate < 1.0 && next_random(f) >= ft->rate)
      continue;
    if (ft->remaining > 0)
      ft->remaining--;
    ft->hits++;
    *out = *ft;
    out->spec = NULL;
    fired = 1;
  }
  pthread_mutex_unlock(&f->lock);
  if (fired)
    emu_log_info("fault", "#%d %s fired on %s%s%s", out->id, type_names[type],
                 target ? target : "-", table ? " / " : "", table ? table : "");
  return fired;
}

int emu_faults_disconnect(struct emu_faults *f, const char *connection_id, int *drop,
                          int *delay_ms) {
  struct fault ft;
  int any = 0;

  *drop = 0;
  *delay_ms = 0;
  if (fire(f, FAULT_DISCONNECT_DROP, connection_id, NULL, &ft)) {
    *drop = 1;
    any = 1;
  } else if (fire(f, FAULT_DISCONNECT_DELAY, connection_id, NULL, &ft)) {
    *delay_ms = ft.ms;
    any = 1;
  }
  return any;
}

int emu_faults_connections(struct emu_faults *f, const char *connection_id, int *status) {
  struct fault ft;

  if (!fire(f, FAULT_CONNECTIONS_ERROR, connection_id, NULL, &ft))
    return 0;
  *status = ft.status;
  return 1;
}

int emu_faults_armed(struct emu_faults *f) {
  return f && atomic_load(&f->armed) > 0;
}

int emu_faults_dynamodb(struct emu_faults *f, const char *operation, const char *table,
                        const char **error_name) {
  struct fault ft;

  if (!fire(f, FAULT_DYNAMODB_ERROR, operation, table ? table : "", &ft))
    return 0;
  *error_name = ft.error;
  return 1;
}

int emu_faults_handler(struct emu_faults *f, const char *handler, int *latency_ms,
                       int *force_timeout) {
  struct fault ft;
  int any = 0;

  *latency_ms = 0;
  *force_timeout = 0;
  if (fire(f, FAULT_HANDLER_TIMEOUT, handler, NULL, &ft)) {
    *force_timeout = 1;
    any = 1;
  }
  if (fire(f, FAULT_HANDLER_LATENCY, handler, NULL, &ft)) {
    *latency_ms = ft.ms;
    any = 1;
  }
  return any;
}

int emu_faults_handshake(struct emu_faults *f, const char *connection_id, int *delay_ms) {
  struct fault ft;

  if (!fire(f, FAULT_HANDSHAKE_DELAY, connection_id, NULL, &ft))
    return 0;
  *delay_ms = ft.ms;
  return 1;
}

int emu_faults_stream(struct emu_faults *f, const char *table) {
  struct fault ft;

  return fire(f, FAULT_STREAM_ERROR, table, NULL, &ft);
}
