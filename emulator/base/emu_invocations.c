/*
 * emu_invocations.c - the bounded invocation log (see emu_invocations.h).
 *
 * A FIFO of entries, each a cJSON object plus its printed size; the oldest
 * are dropped past the entry or byte budget.
 */
#include "emu_invocations.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_events.h"
#include "emu_json.h"

struct entry {
  cJSON *obj;
  size_t bytes;
  struct entry *next;
};

struct emu_invocations {
  pthread_mutex_t lock; /* guards everything below */
  struct entry *head, *tail;
  int count;
  size_t bytes;
  long seq;
  struct emu_events *events; /* read-only after start; may be NULL */
};

struct emu_invocations *emu_invocations_new(void) {
  struct emu_invocations *log = calloc(1, sizeof(*log));

  if (log)
    pthread_mutex_init(&log->lock, NULL);
  return log;
}

void emu_invocations_set_events(struct emu_invocations *log, struct emu_events *events) {
  if (log)
    log->events = events;
}

/* Takes the oldest entry off the list (the caller frees it). */
static struct entry *unlink_oldest(struct emu_invocations *log) {
  struct entry *e = log->head;

  log->head = e->next;
  if (!log->head)
    log->tail = NULL;
  log->count--;
  log->bytes -= e->bytes;
  e->next = NULL;
  return e;
}

static void drop_oldest(struct emu_invocations *log) {
  struct entry *e = unlink_oldest(log);

  cJSON_Delete(e->obj);
  free(e);
}

void emu_invocations_clear(struct emu_invocations *log) {
  pthread_mutex_lock(&log->lock);
  while (log->head)
    drop_oldest(log);
  pthread_mutex_unlock(&log->lock);
}

void emu_invocations_free(struct emu_invocations *log) {
  if (!log)
    return;
  emu_invocations_clear(log);
  pthread_mutex_destroy(&log->lock);
  free(log);
}

static const char *context_string(const cJSON *event, const char *name) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(rc, name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

/* A DynamoDB stream event ({"Records": [{"eventSource": "aws:dynamodb",
 * "eventSourceARN": "arn:...:table/NAME/stream/LABEL"}]}): its table's
 * name into out, 1; otherwise 0. */
static int stream_table(const cJSON *event, char *out, size_t cap) {
  const cJSON *recs = cJSON_GetObjectItemCaseSensitive(event, "Records");
  const cJSON *first = cJSON_IsArray(recs) ? recs->child : NULL;
  const cJSON *src = cJSON_GetObjectItemCaseSensitive(first, "eventSource");
  const cJSON *arn = cJSON_GetObjectItemCaseSensitive(first, "eventSourceARN");
  const char *t, *end;

  if (!cJSON_IsString(src) || strcmp(src->valuestring, "aws:dynamodb") != 0 ||
      !cJSON_IsString(arn) || !(t = strstr(arn->valuestring, ":table/")))
    return 0;
  t += 7;
  end = strchr(t, '/');
  if (!end)
    end = t + strlen(t);
  snprintf(out, cap, "%.*s", (int)(end - t), t);
  return 1;
}

void emu_invocations_add(struct emu_invocations *log, const char *handler, const char *request_id,
                         cJSON *event, const char *outcome, const cJSON *response,
                         const char *error, cJSON *logs, int64_t duration_ms, int64_t init_ms) {
  struct entry *e, *dropped = NULL;
  const cJSON *line;
  size_t log_bytes = 0;
  cJSON *o, *summary;
  long seq;
  const cJSON *status = cJSON_GetObjectItemCaseSensitive(response, "statusCode");
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(event, "body");
  char table[256];

  if (!log) {
    cJSON_Delete(event);
    cJSON_Delete(logs);
    return;
  }
  o = cJSON_CreateObject();
  emu_json_add_const(o, "handler", cJSON_CreateString(handler));
  if (request_id)
    emu_json_add_const(o, "requestId", cJSON_CreateString(request_id));
  if (stream_table(event, table, sizeof(table))) {
    char key[300];
    snprintf(key, sizeof(key), "stream:%s", table);
    emu_json_add_const(o, "routeKey", cJSON_CreateString(key));
    emu_json_add_const(o, "eventType", cJSON_CreateString("STREAM"));
  } else {
    emu_json_add_const(o, "routeKey", cJSON_CreateString(context_string(event, "routeKey")));
    emu_json_add_const(o, "eventType", cJSON_CreateString(context_string(event, "eventType")));
  }
  emu_json_add_const(o, "connectionId", cJSON_CreateString(context_string(event, "connectionId")));
  emu_json_add_const(o, "outcome", cJSON_CreateString(outcome));
  if (cJSON_IsNumber(status))
    emu_json_add_const(o, "statusCode", cJSON_CreateNumber(status->valuedouble));
  emu_json_add_const(o, "durationMs", cJSON_CreateNumber((double)duration_ms));
  if (init_ms >= 0)
    emu_json_add_const(o, "initDurationMs", cJSON_CreateNumber((double)init_ms));
  if (error && *error)
    emu_json_add_const(o, "error", cJSON_CreateString(error));
  if (logs) {
    cJSON_ArrayForEach(line, logs) {
      log_bytes += cJSON_IsString(line) ? strlen(line->valuestring) + 4 : 0;
    }
    emu_json_add_const(o, "logs", logs);
  }
  /* The console's copy: everything but the event and the response (a
   * click fetches those: emu_invocations_get). Built only when somebody
   * listens. */
  summary = emu_events_active(log->events) ? cJSON_Duplicate(o, 1) : NULL;
  e = calloc(1, sizeof(*e));
  /* An estimate (printing the entry would cost more than storing it): the
   * message body and log lines plus about 2 KB of context, headers and
   * response. */
  e->bytes = 2048 + (cJSON_IsString(body) ? strlen(body->valuestring) : 0) + log_bytes;
  if (event)
    emu_json_add_const(o, "event", event);
  if (response)
    emu_json_add_const(o, "response", cJSON_Duplicate(response, 1));
  e->obj = o;
  pthread_mutex_lock(&log->lock);
  seq = ++log->seq;
  emu_json_add_const(o, "seq", cJSON_CreateNumber((double)seq));
  if (log->tail)
    log->tail->next = e;
  else
    log->head = e;
  log->tail = e;
  log->count++;
  log->bytes += e->bytes;
  while (log->head && log->head != e &&
         (log->count > EMU_INVOCATIONS_MAX || log->bytes > EMU_INVOCATIONS_MAX_BYTES)) {
    struct entry *old = unlink_oldest(log);
    old->next = dropped;
    dropped = old;
  }
  pthread_mutex_unlock(&log->lock);
  if (summary) {
    emu_json_add_const(summary, "seq", cJSON_CreateNumber((double)seq));
    emu_events_publish(log->events, "invocation", summary);
    cJSON_Delete(summary);
  }
  /* Freeing a dropped entry's JSON is most of an add's work: not under
   * the lock. */
  while (dropped) {
    struct entry *next = dropped->next;
    cJSON_Delete(dropped->obj);
    free(dropped);
    dropped = next;
  }
}

static int field_is(const cJSON *o, const char *name, const char *want) {
  const cJSON *v;

  if (!want)
    return 1;
  v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) && strcmp(v->valuestring, want) == 0;
}

static int entry_matches(const cJSON *o, const char *route_key, const char *connection_id,
                         const char *handler) {
  return field_is(o, "routeKey", route_key) && field_is(o, "connectionId", connection_id) &&
         field_is(o, "handler", handler);
}

cJSON *emu_invocations_query(struct emu_invocations *log, const char *route_key,
                             const char *connection_id, const char *handler) {
  cJSON *arr = cJSON_CreateArray();
  struct entry *e;

  pthread_mutex_lock(&log->lock);
  for (e = log->head; e; e = e->next)
    if (entry_matches(e->obj, route_key, connection_id, handler))
      cJSON_AddItemToArray(arr, cJSON_Duplicate(e->obj, 1));
  pthread_mutex_unlock(&log->lock);
  return arr;
}

cJSON *emu_invocations_summaries(struct emu_invocations *log, int last) {
  cJSON *arr = cJSON_CreateArray();
  struct entry *e;
  int skip;

  pthread_mutex_lock(&log->lock);
  skip = last > 0 && log->count > last ? log->count - last : 0;
  for (e = log->head; e; e = e->next) {
    cJSON *copy, *v;
    if (skip > 0) {
      skip--;
      continue;
    }
    /* A shallow walk: the event and the response are never copied. */
    copy = cJSON_CreateObject();
    cJSON_ArrayForEach(v, e->obj) {
      if (strcmp(v->string, "event") != 0 && strcmp(v->string, "response") != 0)
        cJSON_AddItemToObject(copy, v->string, cJSON_Duplicate(v, 1));
    }
    cJSON_AddItemToArray(arr, copy);
  }
  pthread_mutex_unlock(&log->lock);
  return arr;
}

cJSON *emu_invocations_get(struct emu_invocations *log, long seq) {
  cJSON *found = NULL;
  struct entry *e;

  pthread_mutex_lock(&log->lock);
  for (e = log->head; e && !found; e = e->next) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e->obj, "seq");
    if (cJSON_IsNumber(v) && (long)v->valuedouble == seq)
      found = cJSON_Duplicate(e->obj, 1);
  }
  pthread_mutex_unlock(&log->lock);
  return found;
}

int emu_invocations_count(struct emu_invocations *log, const char *route_key,
                          const char *connection_id, const char *handler) {
  struct entry *e;
  int n = 0;

  pthread_mutex_lock(&log->lock);
  for (e = log->head; e; e = e->next)
    n += entry_matches(e->obj, route_key, connection_id, handler);
  pthread_mutex_unlock(&log->lock);
  return n;
}
