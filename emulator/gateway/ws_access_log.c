/*
 * ws_access_log.c - $context template rendering and the log stream (see
 * ws_access_log.h).
 *
 * Variables are looked up in the event's requestContext by their dotted
 * path (identity.sourceIp, authorizer.principalId, ...), except status,
 * integrationLatency and error.*, which describe the integration's outcome.
 * Both $context.x and ${context.x} forms are accepted.
 */
#include "ws_access_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_buf.h"

struct ws_access_log {
  pthread_mutex_t lock; /* guards out */
  FILE *out;
  int owns_out;
  char *format;
};

struct ws_access_log *ws_access_log_open(const char *format, const char *destination) {
  struct ws_access_log *log = calloc(1, sizeof(*log));

  if (!log)
    return NULL;
  if (!destination || strcmp(destination, "stderr") == 0) {
    log->out = stderr;
  } else if (strcmp(destination, "stdout") == 0) {
    log->out = stdout;
  } else {
    log->out = fopen(destination, "a");
    log->owns_out = 1;
  }
  log->format = strdup(format ? format : WS_ACCESS_LOG_DEFAULT_FORMAT);
  if (!log->out || !log->format) {
    if (log->owns_out && log->out)
      fclose(log->out);
    free(log->format);
    free(log);
    return NULL;
  }
  pthread_mutex_init(&log->lock, NULL);
  return log;
}

void ws_access_log_close(struct ws_access_log *log) {
  if (!log)
    return;
  if (log->owns_out)
    fclose(log->out);
  pthread_mutex_destroy(&log->lock);
  free(log->format);
  free(log);
}

static int is_var_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '.' || ch == '-';
}

/* Appends the value at a dotted path below obj, or "-" when absent. */
static void put_path(struct emu_buf *out, const cJSON *obj, const char *path, size_t len) {
  char key[128];
  const char *p = path, *end = path + len;

  while (obj && p < end) {
    const char *dot = memchr(p, '.', (size_t)(end - p));
    size_t klen = dot ? (size_t)(dot - p) : (size_t)(end - p);
    if (klen >= sizeof(key))
      break;
    memcpy(key, p, klen);
    key[klen] = '\0';
    obj = cJSON_GetObjectItemCaseSensitive(obj, key);
    p = dot ? dot + 1 : end;
  }
  if (p < end || !obj || cJSON_IsNull(obj) || (cJSON_IsString(obj) && !obj->valuestring[0])) {
    emu_buf_putc(out, '-');
  } else if (cJSON_IsString(obj)) {
    emu_buf_puts(out, obj->valuestring);
  } else {
    char *t = cJSON_PrintUnformatted(obj);
    if (t)
      emu_buf_puts(out, t);
    cJSON_free(t);
  }
}

static void put_variable(struct emu_buf *out, const char *name, size_t len, const cJSON *event,
                         int status, long latency, const char *error, const cJSON *stage_variables,
                         int is_stage_var) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");

  if (is_stage_var) {
    put_path(out, stage_variables, name, len);
  } else if (len == 6 && memcmp(name, "status", 6) == 0) {
    emu_buf_printf(out, "%d", status);
  } else if (len == 18 && memcmp(name, "integrationLatency", 18) == 0) {
    emu_buf_printf(out, "%ld", latency);
  } else if (len == 13 && memcmp(name, "error.message", 13) == 0) {
    emu_buf_puts(out, error && *error ? error : "-");
  } else if (len == 19 && memcmp(name, "error.messageString", 19) == 0) {
    if (error && *error)
      emu_buf_printf(out, "\"%s\"", error);
    else
      emu_buf_putc(out, '-');
  } else if (len == 18 && memcmp(name, "error.responseType", 18) == 0) {
    emu_buf_puts(out, error && *error ? "INTEGRATION_FAILURE" : "-");
  } else {
    put_path(out, rc, name, len);
  }
}

char *ws_access_log_render(const char *format, const cJSON *event, int status,
                           long integration_latency_ms, const char *error_message,
                           const cJSON *stage_variables) {
  static const char ctx[] = "context.", sv[] = "stageVariables.";
  struct emu_buf out;
  const char *p = format;

  emu_buf_init(&out, 64 * 1024);
  while (*p) {
    int braced = p[0] == '$' && p[1] == '{';
    const char *name = p + (braced ? 2 : 1);
    int is_sv = strncmp(name, sv, sizeof(sv) - 1) == 0;
    if (p[0] == '$' && (is_sv || strncmp(name, ctx, sizeof(ctx) - 1) == 0)) {
      const char *q = name + (is_sv ? sizeof(sv) - 1 : sizeof(ctx) - 1), *v = q;
      while (is_var_char(*q))
        q++;
      while (q > v && q[-1] == '.') /* a sentence's full stop is not part of the name */
        q--;
      if (braced && *q != '}') {
        emu_buf_putc(&out, *p++);
        continue;
      }
      put_variable(&out, v, (size_t)(q - v), event, status, integration_latency_ms, error_message,
                   stage_variables, is_sv);
      p = braced ? q + 1 : q;
    } else {
      emu_buf_putc(&out, *p++);
    }
  }
  return emu_buf_take(&out);
}

void ws_access_log_write(struct ws_access_log *log, const cJSON *event, int status,
                         long integration_latency_ms, const char *error_message,
                         const cJSON *stage_variables) {
  char *line;

  if (!log)
    return;
  line = ws_access_log_render(log->format, event, status, integration_latency_ms, error_message,
                              stage_variables);
  pthread_mutex_lock(&log->lock);
  fprintf(log->out, "%s\n", line);
  fflush(log->out);
  pthread_mutex_unlock(&log->lock);
  free(line);
}
