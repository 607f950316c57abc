/*
 * scenario_check.c - loads a scenario file and validates it against the
 * format, so that an invalid scenario gets ONE line before anything runs:
 *
 *   file: steps[3].expect: expected one of text, json, regex, silence, close
 *
 * (the file, the JSON path, what was expected). The checks are written by
 * hand and mirror docs/scenario.schema.json member for member; keep the two
 * in step (the schema is for editors and other tools, this file is what
 * `wsgw test` enforces). A few checks go beyond the schema because they need
 * the order of steps: a client must be connected by an earlier step before
 * it is used, and faultOff must name a fault added by an earlier "as".
 *
 * Ownership: scenario_check_load returns a new tree (caller deletes).
 * Threading: reentrant (no globals; cJSON's error pointer is not used).
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_base64.h"
#include "emu_faults.h"
#include "emu_file.h"
#include "emu_json.h"
#include "scenario.h"

/* Validation state: the first error wins. */
struct check {
  const char *file;
  char *err;
  size_t cap;
  int failed;
  /* Names defined so far by earlier steps. */
  char clients[SCENARIO_MAX_CLIENTS][SCENARIO_MAX_NAME + 1];
  int nclients;
  char faults[SCENARIO_MAX_FAULTS][SCENARIO_MAX_NAME + 1];
  int nfaults;
};

/* Every verb, in the order the messages list them. */
static const char *const verbs[] = {"connect", "send",     "expect",    "close",        "drop",
                                    "kill",    "db",       "dbPut",     "dbExpectItem", "http",
                                    "fault",   "faultOff", "waitUntil", "set"};
#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

/* "expect" is also a member of db and http steps, and "close" of expect
 * steps: there they are options, not verbs. */
const char *scenario_check_verb(const cJSON *step, const char **second) {
  const char *verb = NULL;
  size_t i;

  *second = NULL;
  for (i = 0; i < NVERBS; i++) {
    if (!cJSON_GetObjectItemCaseSensitive(step, verbs[i]))
      continue;
    if (!strcmp(verbs[i], "expect") && (cJSON_GetObjectItemCaseSensitive(step, "db") ||
                                        cJSON_GetObjectItemCaseSensitive(step, "http")))
      continue;
    if (!strcmp(verbs[i], "close") && cJSON_GetObjectItemCaseSensitive(step, "expect"))
      continue;
    if (verb) {
      *second = verbs[i];
      return verb;
    }
    verb = verbs[i];
  }
  return verb;
}

static void fail(struct check *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct check *c, const char *path, const char *fmt, ...) {
  char msg[512];
  va_list ap;

  if (c->failed)
    return;
  c->failed = 1;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (path && *path)
    snprintf(c->err, c->cap, "%s: %s: %s", c->file, path, msg);
  else
    snprintf(c->err, c->cap, "%s: %s", c->file, msg);
}

/* A short rendering of a value for "got ...". */
static void show(const cJSON *v, char *out, size_t cap) {
  char *text;

  if (!v) {
    snprintf(out, cap, "nothing");
    return;
  }
  text = cJSON_PrintUnformatted(v);
  if (!text) {
    snprintf(out, cap, "?");
    return;
  }
  if (strlen(text) > 60)
    snprintf(out, cap, "%.57s...", text);
  else
    snprintf(out, cap, "%s", text);
  cJSON_free(text);
}

static void join(char *out, size_t cap, const char *path, const char *key) {
  int n = snprintf(out, cap, "%s%s%s", path, *path ? "." : "", key);

  /* A path longer than the buffer is cut: it only names a place in a message. */
  if (n < 0 || (size_t)n >= cap)
    out[cap - 1] = '\0';
}

/* ---- Value checks: each returns 0, or -1 after fail() ---------------------- */

static int is_name(const char *s, int allow_dot) {
  size_t n = strlen(s), i;

  if (n == 0 || n > SCENARIO_MAX_NAME)
    return 0;
  for (i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
          ch == '_' || ch == '-' || (allow_dot && ch == '.')))
      return 0;
  }
  return 1;
}

static int want_string(struct check *c, const cJSON *v, const char *path) {
  char got[80];

  if (cJSON_IsString(v))
    return 0;
  show(v, got, sizeof(got));
  fail(c, path, "expected a string, got %s", got);
  return -1;
}

static int want_int(struct check *c, const cJSON *v, const char *path, int lo, int hi) {
  char got[80];

  if (cJSON_IsNumber(v) && v->valuedouble >= lo && v->valuedouble <= hi &&
      v->valuedouble == (double)v->valueint)
    return 0;
  show(v, got, sizeof(got));
  fail(c, path, "expected an integer from %d to %d, got %s", lo, hi, got);
  return -1;
}

static int want_object(struct check *c, const cJSON *v, const char *path) {
  char got[80];

  if (cJSON_IsObject(v))
    return 0;
  show(v, got, sizeof(got));
  fail(c, path, "expected an object, got %s", got);
  return -1;
}

/* An object whose members are all strings (headers, expectHeaders). */
static int want_string_map(struct check *c, const cJSON *v, const char *path) {
  const cJSON *m;
  char sub[256];

  if (want_object(c, v, path) != 0)
    return -1;
  cJSON_ArrayForEach(m, v) {
    join(sub, sizeof(sub), path, m->string);
    if (want_string(c, m, sub) != 0)
      return -1;
  }
  return 0;
}

static int want_timeout(struct check *c, const cJSON *v, const char *path) {
  return want_int(c, v, path, 1, SCENARIO_MAX_TIMEOUT_MS);
}

/* "save": {"var": "json.path"}. */
static int want_save(struct check *c, const cJSON *v, const char *path) {
  const cJSON *m;
  char sub[256];

  if (want_object(c, v, path) != 0)
    return -1;
  cJSON_ArrayForEach(m, v) {
    join(sub, sizeof(sub), path, m->string);
    if (!is_name(m->string, 1)) {
      fail(c, sub, "expected a variable name (letters, digits, '_', '-', '.'; at most %d)",
           SCENARIO_MAX_NAME);
      return -1;
    }
    if (want_string(c, m, sub) != 0)
      return -1;
  }
  return 0;
}

/* The verb's value names a client connected by an earlier step. */
static int want_client(struct check *c, const cJSON *v, const char *path) {
  int i;

  if (want_string(c, v, path) != 0)
    return -1;
  for (i = 0; i < c->nclients; i++)
    if (!strcmp(c->clients[i], v->valuestring))
      return 0;
  fail(c, path, "expected a client connected by an earlier step, got \"%s\"", v->valuestring);
  return -1;
}

/* ---- Members of a step ----------------------------------------------------- */

/* Every member of step is in allowed (NULL-terminated); the message lists
 * them: "(<what> takes a, b, c)". */
static int only_members(struct check *c, const cJSON *step, const char *path, const char *what,
                        const char *const *allowed) {
  const cJSON *m;
  char list[256] = "", sub[256];
  size_t i, used = 0;

  cJSON_ArrayForEach(m, step) {
    for (i = 0; allowed[i] && strcmp(allowed[i], m->string); i++)
      ;
    if (allowed[i])
      continue;
    for (i = 0; allowed[i]; i++) {
      int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);
      if (n < 0 || (size_t)n >= sizeof(list) - used)
        break;
      used += (size_t)n;
    }
    join(sub, sizeof(sub), path, m->string);
    fail(c, sub, "unknown member (%s takes %s)", what, list);
    return -1;
  }
  return 0;
}

/* Exactly one of the members in `one_of` is present; returns it. */
static const cJSON *exactly_one(struct check *c, const cJSON *step, const char *path,
                                const char *const *one_of, const char *list) {
  const cJSON *found = NULL;
  size_t i;

  for (i = 0; one_of[i]; i++) {
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(step, one_of[i]);
    if (!m)
      continue;
    if (found) {
      fail(c, path, "expected only one of %s, got %s and %s", list, found->string, m->string);
      return NULL;
    }
    found = m;
  }
  if (!found)
    fail(c, path, "expected one of %s", list);
  return found;
}

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Checks member `key` of step with fn when present; required: must be. */
static int member(struct check *c, const cJSON *step, const char *path, const char *key,
                  int required, int (*fn)(struct check *, const cJSON *, const char *)) {
  const cJSON *v = get(step, key);
  char sub[256];

  join(sub, sizeof(sub), path, key);
  if (!v) {
    if (required)
      fail(c, path, "expected a member \"%s\"", key);
    return required ? -1 : 0;
  }
  return fn(c, v, sub);
}

static int any_json(struct check *c, const cJSON *v, const char *path) {
  return 0;
}

static int status_code(struct check *c, const cJSON *v, const char *path) {
  return want_int(c, v, path, 100, 599);
}

static int abs_path(struct check *c, const cJSON *v, const char *path) {
  if (want_string(c, v, path) != 0)
    return -1;
  if (v->valuestring[0] != '/') {
    fail(c, path, "expected a path starting with '/', got \"%s\"", v->valuestring);
    return -1;
  }
  return 0;
}

static int object_or_null(struct check *c, const cJSON *v, const char *path) {
  char got[80];

  if (cJSON_IsObject(v) || cJSON_IsNull(v))
    return 0;
  show(v, got, sizeof(got));
  fail(c, path, "expected an object or null, got %s", got);
  return -1;
}

static int nonempty_string(struct check *c, const cJSON *v, const char *path) {
  if (want_string(c, v, path) != 0)
    return -1;
  if (!*v->valuestring) {
    fail(c, path, "expected a non-empty string");
    return -1;
  }
  return 0;
}

/* A POSIX extended regex (checked now unless it uses variables). */
static int regex_string(struct check *c, const cJSON *v, const char *path) {
  regex_t re;
  int rc;

  if (want_string(c, v, path) != 0)
    return -1;
  if (strstr(v->valuestring, "${"))
    return 0;
  rc = regcomp(&re, v->valuestring, REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[128];
    regerror(rc, &re, why, sizeof(why));
    fail(c, path, "expected a POSIX extended regex (%s)", why);
    return -1;
  }
  regfree(&re);
  return 0;
}

/* ---- One function per verb ------------------------------------------------- */

static int check_connect(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name",         "connect",      "path",      "headers",
                                        "subprotocols", "expectStatus", "timeoutMs", NULL};
  const cJSON *v = get(step, "connect"), *status = get(step, "expectStatus");
  char sub[256];
  int i;

  join(sub, sizeof(sub), path, "connect");
  if (only_members(c, step, path, "a connect step", allowed) != 0 || want_string(c, v, sub) != 0)
    return -1;
  if (!is_name(v->valuestring, 0)) {
    fail(c, sub, "expected a client name (letters, digits, '_' and '-'; at most %d), got \"%s\"",
         SCENARIO_MAX_NAME, v->valuestring);
    return -1;
  }
  if (member(c, step, path, "path", 0, abs_path) != 0 ||
      member(c, step, path, "headers", 0, want_string_map) != 0 ||
      member(c, step, path, "subprotocols", 0, want_string) != 0 ||
      member(c, step, path, "expectStatus", 0, status_code) != 0 ||
      member(c, step, path, "timeoutMs", 0, want_timeout) != 0)
    return -1;
  if (status && status->valueint != 101)
    return 0; /* a rejected handshake defines no client */
  for (i = 0; i < c->nclients && strcmp(c->clients[i], v->valuestring); i++)
    ;
  if (i == c->nclients) {
    if (c->nclients == SCENARIO_MAX_CLIENTS) {
      fail(c, sub, "expected at most %d clients per scenario", SCENARIO_MAX_CLIENTS);
      return -1;
    }
    snprintf(c->clients[c->nclients++], SCENARIO_MAX_NAME + 1, "%s", v->valuestring);
  }
  return 0;
}

static int base64_string(struct check *c, const cJSON *v, const char *path) {
  const char *s;
  size_t n, i;

  if (want_string(c, v, path) != 0)
    return -1;
  s = v->valuestring;
  n = strlen(s);
  for (i = 0; i < n; i++)
    if (emu_base64_sextet((unsigned char)s[i]) < 0 && s[i] != '=')
      break;
  if (i < n || n % 4 != 0) {
    fail(c, path, "expected standard base64 (padded with '=')");
    return -1;
  }
  return 0;
}

static int check_send(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "send", "text", "json", "binary", NULL};
  static const char *const one_of[] = {"text", "json", "binary", NULL};
  const cJSON *m;
  char sub[256];

  join(sub, sizeof(sub), path, "send");
  if (only_members(c, step, path, "a send step", allowed) != 0 ||
      want_client(c, get(step, "send"), sub) != 0)
    return -1;
  m = exactly_one(c, step, sub, one_of, "text, json, binary");
  if (!m)
    return -1;
  if (!strcmp(m->string, "text"))
    return member(c, step, path, "text", 1, want_string);
  if (!strcmp(m->string, "binary"))
    return member(c, step, path, "binary", 1, base64_string);
  return 0;
}

static int close_code(struct check *c, const cJSON *v, const char *path) {
  return want_int(c, v, path, 1000, 4999);
}

static int check_expect(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name",    "expect", "text",      "json", "regex",
                                        "silence", "close",  "timeoutMs", "save", NULL};
  static const char *const one_of[] = {"text", "json", "regex", "silence", "close", NULL};
  const cJSON *m;
  char sub[256];

  join(sub, sizeof(sub), path, "expect");
  if (only_members(c, step, path, "an expect step", allowed) != 0 ||
      want_client(c, get(step, "expect"), sub) != 0)
    return -1;
  m = exactly_one(c, step, sub, one_of, "text, json, regex, silence, close");
  if (!m)
    return -1;
  if (!strcmp(m->string, "text") && member(c, step, path, "text", 1, want_string) != 0)
    return -1;
  if (!strcmp(m->string, "regex") && member(c, step, path, "regex", 1, regex_string) != 0)
    return -1;
  if (!strcmp(m->string, "silence")) {
    if (member(c, step, path, "silence", 1, want_timeout) != 0)
      return -1;
    if (get(step, "timeoutMs")) {
      join(sub, sizeof(sub), path, "timeoutMs");
      fail(c, sub, "expected no timeoutMs with silence (silence is the duration)");
      return -1;
    }
  }
  if (!strcmp(m->string, "close") && member(c, step, path, "close", 1, close_code) != 0)
    return -1;
  if (get(step, "save") && (!strcmp(m->string, "silence") || !strcmp(m->string, "close"))) {
    join(sub, sizeof(sub), path, "save");
    fail(c, sub, "expected save only with text, json or regex (a message to save from)");
    return -1;
  }
  if (member(c, step, path, "timeoutMs", 0, want_timeout) != 0 ||
      member(c, step, path, "save", 0, want_save) != 0)
    return -1;
  return 0;
}

static int reason_string(struct check *c, const cJSON *v, const char *path) {
  if (want_string(c, v, path) != 0)
    return -1;
  /* RFC 6455 5.5: a control frame payload is at most 125 bytes, 2 of them the code. */
  if (strlen(v->valuestring) > 123) {
    fail(c, path, "expected at most 123 bytes (RFC 6455 5.5)");
    return -1;
  }
  return 0;
}

static int check_close(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "close", "code", "reason", NULL};
  char sub[256];

  join(sub, sizeof(sub), path, "close");
  if (only_members(c, step, path, "a close step", allowed) != 0 ||
      want_client(c, get(step, "close"), sub) != 0 ||
      member(c, step, path, "code", 0, close_code) != 0 ||
      member(c, step, path, "reason", 0, reason_string) != 0)
    return -1;
  return 0;
}

/* drop and kill: the client only. */
static int check_client_only(struct check *c, const cJSON *step, const char *path,
                             const char *verb) {
  const char *allowed[] = {"name", verb, NULL};
  char sub[256], verb_phrase[32];

  snprintf(verb_phrase, sizeof(verb_phrase), "a %s step", verb);
  join(sub, sizeof(sub), path, verb);
  if (only_members(c, step, path, verb_phrase, allowed) != 0 ||
      want_client(c, get(step, verb), sub) != 0)
    return -1;
  return 0;
}

static int operation_name(struct check *c, const cJSON *v, const char *path) {
  const char *s;

  if (want_string(c, v, path) != 0)
    return -1;
  for (s = v->valuestring; *s && ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')); s++)
    ;
  if (*s || !*v->valuestring) {
    fail(c, path, "expected a DynamoDB operation name (PutItem, GetItem, ...), got \"%s\"",
         v->valuestring);
    return -1;
  }
  return 0;
}

static int check_db(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name",   "db",   "request", "expectStatus",
                                        "expect", "save", NULL};
  if (only_members(c, step, path, "a db step", allowed) != 0 ||
      member(c, step, path, "db", 1, operation_name) != 0 ||
      member(c, step, path, "request", 1, want_object) != 0 ||
      member(c, step, path, "expectStatus", 0, status_code) != 0 ||
      member(c, step, path, "expect", 0, any_json) != 0 ||
      member(c, step, path, "save", 0, want_save) != 0)
    return -1;
  return 0;
}

static int check_db_put(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "dbPut", "item", NULL};

  if (only_members(c, step, path, "a dbPut step", allowed) != 0 ||
      member(c, step, path, "dbPut", 1, nonempty_string) != 0 ||
      member(c, step, path, "item", 1, want_object) != 0)
    return -1;
  return 0;
}

static int check_db_expect_item(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "dbExpectItem", "key", "item", "timeoutMs", NULL};

  if (only_members(c, step, path, "a dbExpectItem step", allowed) != 0 ||
      member(c, step, path, "dbExpectItem", 1, nonempty_string) != 0 ||
      member(c, step, path, "key", 1, want_object) != 0 ||
      member(c, step, path, "item", 1, object_or_null) != 0 ||
      member(c, step, path, "timeoutMs", 0, want_timeout) != 0)
    return -1;
  return 0;
}

static int http_method(struct check *c, const cJSON *v, const char *path) {
  static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", NULL};
  size_t i;

  if (want_string(c, v, path) != 0)
    return -1;
  for (i = 0; methods[i] && strcmp(methods[i], v->valuestring); i++)
    ;
  if (!methods[i]) {
    fail(c, path, "expected one of GET, POST, PUT, DELETE, PATCH, HEAD, got \"%s\"",
         v->valuestring);
    return -1;
  }
  return 0;
}

static int check_http(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name",          "http", "path",         "headers",
                                        "body",          "json", "expectStatus", "expect",
                                        "expectHeaders", "save", "timeoutMs",    NULL};
  char sub[256];

  if (only_members(c, step, path, "an http step", allowed) != 0 ||
      member(c, step, path, "http", 1, http_method) != 0 ||
      member(c, step, path, "path", 0, abs_path) != 0 ||
      member(c, step, path, "headers", 0, want_string_map) != 0 ||
      member(c, step, path, "body", 0, want_string) != 0 ||
      member(c, step, path, "expectStatus", 0, status_code) != 0 ||
      member(c, step, path, "expect", 0, any_json) != 0 ||
      member(c, step, path, "expectHeaders", 0, want_string_map) != 0 ||
      member(c, step, path, "save", 0, want_save) != 0 ||
      member(c, step, path, "timeoutMs", 0, want_timeout) != 0)
    return -1;
  if (get(step, "body") && get(step, "json")) {
    join(sub, sizeof(sub), path, "json");
    fail(c, sub, "expected only one of body, json");
    return -1;
  }
  return 0;
}

static int check_fault(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "fault", "as", NULL};
  const cJSON *f = get(step, "fault"), *as = get(step, "as");
  struct emu_faults *faults;
  char sub[256];

  join(sub, sizeof(sub), path, "fault");
  if (only_members(c, step, path, "a fault step", allowed) != 0 || want_object(c, f, sub) != 0 ||
      member(c, f, sub, "type", 1, nonempty_string) != 0)
    return -1;
  /* The fault module is the authority on its shapes: try it on a scratch list. */
  faults = emu_faults_new();
  if (faults) {
    char why[256] = "";
    int id = emu_faults_add(faults, f, why, sizeof(why));
    emu_faults_free(faults);
    if (id < 0) {
      fail(c, sub, "%s", strncmp(why, "fault: ", 7) ? why : why + 7);
      return -1;
    }
  }
  if (!as)
    return 0;
  join(sub, sizeof(sub), path, "as");
  if (want_string(c, as, sub) != 0)
    return -1;
  if (!is_name(as->valuestring, 0)) {
    fail(c, sub, "expected a fault name (letters, digits, '_' and '-'; at most %d), got \"%s\"",
         SCENARIO_MAX_NAME, as->valuestring);
    return -1;
  }
  if (c->nfaults == SCENARIO_MAX_FAULTS) {
    fail(c, sub, "expected at most %d named faults per scenario", SCENARIO_MAX_FAULTS);
    return -1;
  }
  snprintf(c->faults[c->nfaults++], SCENARIO_MAX_NAME + 1, "%s", as->valuestring);
  return 0;
}

static int check_fault_off(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "faultOff", NULL};
  const cJSON *v = get(step, "faultOff");
  char sub[256];
  int i;

  join(sub, sizeof(sub), path, "faultOff");
  if (only_members(c, step, path, "a faultOff step", allowed) != 0 || want_string(c, v, sub) != 0)
    return -1;
  if (!strcmp(v->valuestring, "*"))
    return 0;
  for (i = 0; i < c->nfaults; i++)
    if (!strcmp(c->faults[i], v->valuestring))
      return 0;
  fail(c, sub, "expected \"*\" or a fault named by an earlier \"as\", got \"%s\"", v->valuestring);
  return -1;
}

static int positive_count(struct check *c, const cJSON *v, const char *path) {
  return want_int(c, v, path, 1, 1000000);
}

static int wait_invocations(struct check *c, const cJSON *v, const char *path) {
  static const char *const allowed[] = {"routeKey", "connectionId", "handler",
                                        "table",    "count",        NULL};

  if (want_object(c, v, path) != 0 || only_members(c, v, path, "invocations", allowed) != 0 ||
      member(c, v, path, "routeKey", 0, want_string) != 0 ||
      member(c, v, path, "table", 0, nonempty_string) != 0 ||
      member(c, v, path, "connectionId", 0, want_string) != 0 ||
      member(c, v, path, "handler", 0, want_string) != 0 ||
      member(c, v, path, "count", 0, positive_count) != 0)
    return -1;
  if (cJSON_GetObjectItemCaseSensitive(v, "table") &&
      cJSON_GetObjectItemCaseSensitive(v, "routeKey")) {
    char sub[256];
    join(sub, sizeof(sub), path, "table");
    fail(c, sub,
         "give table (a stream's invocations: routeKey \"stream:<table>\") or routeKey, "
         "not both");
    return -1;
  }
  return 0;
}

static int wait_db_item(struct check *c, const cJSON *v, const char *path) {
  static const char *const allowed[] = {"table", "key", "item", NULL};

  if (want_object(c, v, path) != 0 || only_members(c, v, path, "dbItem", allowed) != 0 ||
      member(c, v, path, "table", 1, nonempty_string) != 0 ||
      member(c, v, path, "key", 1, want_object) != 0 ||
      member(c, v, path, "item", 1, object_or_null) != 0)
    return -1;
  return 0;
}

static int check_wait_until(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "waitUntil", "timeoutMs", NULL};
  static const char *const one_of[] = {"invocations", "dbItem", NULL};
  static const char *const inner[] = {"invocations", "dbItem", NULL};
  const cJSON *w = get(step, "waitUntil"), *m;
  char sub[256], sub2[256];

  join(sub, sizeof(sub), path, "waitUntil");
  if (only_members(c, step, path, "a waitUntil step", allowed) != 0 ||
      want_object(c, w, sub) != 0 || only_members(c, w, sub, "waitUntil", inner) != 0 ||
      member(c, step, path, "timeoutMs", 0, want_timeout) != 0)
    return -1;
  m = exactly_one(c, w, sub, one_of, "invocations, dbItem");
  if (!m)
    return -1;
  join(sub2, sizeof(sub2), sub, m->string);
  if (!strcmp(m->string, "invocations"))
    return wait_invocations(c, m, sub2);
  return wait_db_item(c, m, sub2);
}

static int check_set(struct check *c, const cJSON *step, const char *path) {
  static const char *const allowed[] = {"name", "set", NULL};
  const cJSON *s = get(step, "set"), *m;
  char sub[256], sub2[256], got[80];

  join(sub, sizeof(sub), path, "set");
  if (only_members(c, step, path, "a set step", allowed) != 0 || want_object(c, s, sub) != 0)
    return -1;
  cJSON_ArrayForEach(m, s) {
    join(sub2, sizeof(sub2), sub, m->string);
    if (!is_name(m->string, 1)) {
      fail(c, sub2, "expected a variable name (letters, digits, '_', '-', '.'; at most %d)",
           SCENARIO_MAX_NAME);
      return -1;
    }
    if (!cJSON_IsString(m) && !cJSON_IsNumber(m) && !cJSON_IsBool(m)) {
      show(m, got, sizeof(got));
      fail(c, sub2, "expected a string, number or boolean, got %s", got);
      return -1;
    }
  }
  return 0;
}

static int check_step(struct check *c, const cJSON *step, int index) {
  char path[64], got[80];
  const char *verb, *other;

  snprintf(path, sizeof(path), "steps[%d]", index);
  if (!cJSON_IsObject(step)) {
    show(step, got, sizeof(got));
    fail(c, path, "expected an object, got %s", got);
    return -1;
  }
  verb = scenario_check_verb(step, &other);
  if (verb && other) {
    fail(c, path, "expected exactly one verb, got %s and %s", verb, other);
    return -1;
  }
  if (!verb) {
    fail(c, path,
         "expected one of connect, send, expect, close, drop, kill, db, dbPut, dbExpectItem, "
         "http, fault, faultOff, waitUntil, set");
    return -1;
  }
  if (member(c, step, path, "name", 0, want_string) != 0)
    return -1;
  if (!strcmp(verb, "connect"))
    return check_connect(c, step, path);
  if (!strcmp(verb, "send"))
    return check_send(c, step, path);
  if (!strcmp(verb, "expect"))
    return check_expect(c, step, path);
  if (!strcmp(verb, "close"))
    return check_close(c, step, path);
  if (!strcmp(verb, "drop") || !strcmp(verb, "kill"))
    return check_client_only(c, step, path, verb);
  if (!strcmp(verb, "db"))
    return check_db(c, step, path);
  if (!strcmp(verb, "dbPut"))
    return check_db_put(c, step, path);
  if (!strcmp(verb, "dbExpectItem"))
    return check_db_expect_item(c, step, path);
  if (!strcmp(verb, "http"))
    return check_http(c, step, path);
  if (!strcmp(verb, "fault"))
    return check_fault(c, step, path);
  if (!strcmp(verb, "faultOff"))
    return check_fault_off(c, step, path);
  if (!strcmp(verb, "waitUntil"))
    return check_wait_until(c, step, path);
  return check_set(c, step, path);
}

/* "configFile" resolves against the scenario's directory and must be readable. */
static int check_config_file(struct check *c, const cJSON *v) {
  char full[4096];
  const char *slash;

  if (want_string(c, v, "configFile") != 0)
    return -1;
  slash = strrchr(c->file, '/');
  if (v->valuestring[0] == '/' || !slash)
    snprintf(full, sizeof(full), "%s", v->valuestring);
  else
    snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - c->file), c->file, v->valuestring);
  if (access(full, R_OK) != 0) {
    fail(c, "configFile", "expected a readable file (relative to the scenario), got \"%s\"",
         v->valuestring);
    return -1;
  }
  return 0;
}

int scenario_check_doc(const cJSON *doc, const char *file, char *err, size_t cap) {
  static const char *const allowed[] = {"$schema", "name",          "description",
                                        "config",  "configFile",    "idleTimeoutMs",
                                        "steps",   "maxDurationMs", NULL};
  static const char *const one_of[] = {"config", "configFile", NULL};
  struct check *c;
  const cJSON *steps, *step, *cfg;
  int i = 0, rc = -1;

  c = calloc(1, sizeof(*c));
  if (!c) {
    snprintf(err, cap, "%s: out of memory", file);
    return -1;
  }
  c->file = file;
  c->err = err;
  c->cap = cap;
  if (!cJSON_IsObject(doc)) {
    fail(c, "(root)", "expected an object");
    goto out;
  }
  if (only_members(c, doc, "", "a scenario", allowed) != 0 ||
      member(c, doc, "", "$schema", 0, want_string) != 0 ||
      member(c, doc, "", "name", 0, want_string) != 0 ||
      member(c, doc, "", "description", 0, want_string) != 0 ||
      member(c, doc, "", "idleTimeoutMs", 0, want_timeout) != 0 ||
      member(c, doc, "", "maxDurationMs", 0, want_timeout) != 0)
    goto out;
  cfg = exactly_one(c, doc, "(root)", one_of, "config, configFile");
  if (!cfg)
    goto out;
  if (!strcmp(cfg->string, "config") ? want_object(c, cfg, "config") != 0
                                     : check_config_file(c, cfg) != 0)
    goto out;
  steps = get(doc, "steps");
  if (!steps) {
    fail(c, "(root)", "expected a member \"steps\"");
    goto out;
  }
  if (!cJSON_IsArray(steps) || cJSON_GetArraySize(steps) < 1 ||
      cJSON_GetArraySize(steps) > SCENARIO_MAX_STEPS) {
    fail(c, "steps", "expected an array of 1 to %d steps", SCENARIO_MAX_STEPS);
    goto out;
  }
  cJSON_ArrayForEach(step, steps) {
    if (check_step(c, step, i++) != 0)
      goto out;
  }
  rc = 0;
out:
  free(c);
  return rc;
}

/* Line and column (from 1) of a byte offset. */
static void line_col(const char *text, size_t off, int *line, int *col) {
  size_t i;

  *line = 1;
  *col = 1;
  for (i = 0; i < off && text[i]; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else {
      (*col)++;
    }
  }
}

cJSON *scenario_check_load(const char *file, char *err, size_t cap) {
  char *text = NULL;
  size_t len = 0;
  const char *end = NULL;
  cJSON *doc = NULL;

  switch (emu_file_read(file, SCENARIO_MAX_FILE_BYTES, &text, &len)) {
  case EMU_FILE_OK:
    break;
  case EMU_FILE_CANNOT_OPEN:
    snprintf(err, cap, "%s: expected a readable file (%s)", file,
             errno == ENOENT ? "no such file" : "cannot open");
    return NULL;
  case EMU_FILE_TOO_LARGE:
    snprintf(err, cap, "%s: expected at most %d bytes", file, SCENARIO_MAX_FILE_BYTES);
    return NULL;
  default:
    snprintf(err, cap, "%s: expected a readable file (read error)", file);
    return NULL;
  }
  if (strlen(text) != len) {
    snprintf(err, cap, "%s: expected JSON text, got a NUL byte", file);
    goto out;
  }
  if (emu_json_too_deep(text, len, SCENARIO_MAX_DEPTH)) {
    snprintf(err, cap, "%s: expected JSON nested at most %d levels", file, SCENARIO_MAX_DEPTH);
    goto out;
  }
  doc = cJSON_ParseWithOpts(text, &end, 1);
  if (!doc) {
    int line, col;
    line_col(text, end && end >= text ? (size_t)(end - text) : 0, &line, &col);
    snprintf(err, cap, "%s: line %d, column %d: expected valid JSON", file, line, col);
    goto out;
  }
  if (scenario_check_doc(doc, file, err, cap) != 0) {
    cJSON_Delete(doc);
    doc = NULL;
  }
out:
  free(text);
  return doc;
}
