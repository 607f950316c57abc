/*
 * scenario_steps.c - runs one validated scenario: starts its emulator with
 * the test kit (wsgw_kit.h), keeps its clients, named faults and variables,
 * runs the steps in order and stops at the first failing one, recording
 * what was expected and what came instead (struct scenario_result).
 *
 * Variables: "${name}" in any string of a step (member names included) is
 * replaced before the step runs; "$${" stands for a literal "${". An
 * unknown variable fails the step with its name. Values are strings:
 * "<client>.id" (set by connect), "<client>.subprotocol", "emu.port",
 * "emu.url", plus whatever "set" and "save" define.
 *
 * JSON subset (expect json, db/http expect, dbExpectItem, waitUntil dbItem):
 * the rules of wsgw_kit_json_subset: an object matches when every member of
 * the expected object is present and matches; an array when it has the same
 * length and matches element by element; a scalar when type and value are
 * equal (numbers by value). This file has its own walk because a report
 * needs both values at the first difference, not only its path
 * ("$.Items[0].id.S").
 *
 * Bounds: SCENARIO_MAX_CLIENTS, SCENARIO_MAX_FAULTS, SCENARIO_MAX_VARS and
 * SCENARIO_MAX_EXPANSION (scenario.h); HTTP answers as the kit's client reads them (16 MiB).
 * Ownership: the run owns its emulator, clients and variables and frees them
 * at the end; the result strings go to the caller.
 * Threading: one scenario per thread; nothing is shared between runs.
 */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "emu_base64.h"
#include "emu_json.h"
#include "emu_time.h"
#include "scenario.h"
#include "wsgw_kit_http.h"
#include <wsgw/kit.h>

#define MAX_HEADERS 64
#define MAX_SHOWN 4000 /* longest expected/got/received value kept for the report */

struct var {
  char name[SCENARIO_MAX_NAME + 1];
  char *value;
};

struct client {
  char name[SCENARIO_MAX_NAME + 1];
  struct wsgw_kit_ws *ws;
};

struct named_fault {
  char name[SCENARIO_MAX_NAME + 1];
  int id;
};

struct run {
  struct wsgw_kit_emu *emu;
  struct scenario_result *res;
  int step;         /* index of the running step */
  const char *verb; /* its verb */
  char label[160];  /* "expect alice": prefixes messages */
  struct var vars[SCENARIO_MAX_VARS];
  int nvars;
  struct client clients[SCENARIO_MAX_CLIENTS];
  int nclients;
  struct named_fault faults[SCENARIO_MAX_FAULTS];
  int nfaults;
};

static const cJSON *get(const cJSON *o, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(o, key);
}

static int get_int(const cJSON *o, const char *key, int dflt) {
  const cJSON *v = get(o, key);

  return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static const char *get_str(const cJSON *o, const char *key) {
  const cJSON *v = get(o, key);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);

  if (d)
    memcpy(d, s, n);
  return d;
}

/* ---- Recording a failure ---------------------------------------------------- */

static int failf(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the one-line message of a failing step; returns -1. The first
 * message wins. */
static int failf(struct run *r, const char *fmt, ...) {
  char what[1024], line[1400];
  va_list ap;

  if (r->res->failed)
    return -1;
  va_start(ap, fmt);
  vsnprintf(what, sizeof(what), fmt, ap);
  va_end(ap);
  if (r->step < 0)
    snprintf(line, sizeof(line), "start: %s", what);
  else
    snprintf(line, sizeof(line), "steps[%d] (%s): %s", r->step, r->label, what);
  r->res->failed = 1;
  r->res->step = r->step;
  r->res->verb = dup_str(r->verb);
  r->res->message = dup_str(line);
  return -1;
}

/* A text as a JSON string (cut at MAX_SHOWN bytes, marked with "..."). */
static char *json_string(const char *text) {
  cJSON *s;
  char *out, *cut = NULL;
  size_t n = strlen(text);

  if (n > MAX_SHOWN) {
    cut = malloc(MAX_SHOWN + 4);
    if (!cut)
      return NULL;
    memcpy(cut, text, MAX_SHOWN);
    memcpy(cut + MAX_SHOWN, "...", 4);
  }
  s = cJSON_CreateString(cut ? cut : text);
  free(cut);
  out = s ? cJSON_PrintUnformatted(s) : NULL;
  cJSON_Delete(s);
  return out;
}

/* A value as compact JSON (as a JSON string of its start when too long). */
static char *json_value(const cJSON *v) {
  char *text = cJSON_PrintUnformatted(v), *out;

  if (!text || strlen(text) <= MAX_SHOWN)
    return text;
  out = json_string(text);
  cJSON_free(text);
  return out;
}

/* Takes ownership of json_text (cJSON-allocated); the slot gets a malloc'ed
 * copy, freed by scenario_result_clear. */
static void set_slot(char **slot, char *json_text) {
  free(*slot);
  *slot = json_text ? dup_str(json_text) : NULL;
  cJSON_free(json_text);
}

static void set_expected_text(struct run *r, const char *text) {
  set_slot(&r->res->expected, json_string(text));
}

static void set_got_text(struct run *r, const char *text) {
  set_slot(&r->res->got, json_string(text));
}

static void set_received_text(struct run *r, const char *text) {
  set_slot(&r->res->received, json_string(text));
}

static void set_expected_json(struct run *r, const cJSON *v) {
  set_slot(&r->res->expected, json_value(v));
}

static void set_got_json(struct run *r, const cJSON *v) {
  set_slot(&r->res->got, json_value(v));
}

/* The kit's reason for the last failure, as "got": its messages read
 * "<who>: expected <what>, got <what came>", and only what came is kept. */
static void set_got_kit(struct run *r) {
  const char *why = wsgw_kit_error(), *got;

  if (!why || !*why) {
    set_got_text(r, "(no reason given)");
    return;
  }
  got = strstr(why, ", got ");
  set_got_text(r, got ? got + 6 : why);
}

/* ---- Variables -------------------------------------------------------------- */

static const char *var_get(struct run *r, const char *name, size_t len) {
  int i;

  for (i = 0; i < r->nvars; i++)
    if (strlen(r->vars[i].name) == len && !memcmp(r->vars[i].name, name, len))
      return r->vars[i].value;
  return NULL;
}

static int var_set(struct run *r, const char *name, const char *value) {
  char *copy;
  int i;

  if (strlen(name) > SCENARIO_MAX_NAME)
    return failf(r, "variable name \"%s\" is longer than %d", name, SCENARIO_MAX_NAME);
  if (strlen(value) > SCENARIO_MAX_EXPANSION)
    return failf(r, "the value of variable \"%s\" is longer than %d bytes", name,
                 SCENARIO_MAX_EXPANSION);
  copy = dup_str(value);
  if (!copy)
    return failf(r, "out of memory");
  for (i = 0; i < r->nvars; i++) {
    if (!strcmp(r->vars[i].name, name)) {
      free(r->vars[i].value);
      r->vars[i].value = copy;
      return 0;
    }
  }
  if (r->nvars == SCENARIO_MAX_VARS) {
    free(copy);
    return failf(r, "more than %d variables", SCENARIO_MAX_VARS);
  }
  snprintf(r->vars[r->nvars].name, sizeof(r->vars[r->nvars].name), "%s", name);
  r->vars[r->nvars++].value = copy;
  return 0;
}

/* A JSON value as a variable's text: strings as they are, others as JSON. */
static int var_set_json(struct run *r, const char *name, const cJSON *v) {
  char *text;
  int rc;

  if (cJSON_IsString(v))
    return var_set(r, name, v->valuestring);
  text = cJSON_PrintUnformatted(v);
  if (!text)
    return failf(r, "out of memory");
  rc = var_set(r, name, text);
  cJSON_free(text);
  return rc;
}

/* Expands ${name} and $${ in `in`; *out is cJSON_malloc'ed (NULL when the
 * string has nothing to expand). 0, or -1 with the failure recorded. */
static int expand(struct run *r, const char *in, char **out) {
  size_t cap = 256, used = 0;
  const char *p = in;
  char *buf;

  *out = NULL;
  if (!strchr(in, '$'))
    return 0;
  buf = cJSON_malloc(cap);
  if (!buf)
    return failf(r, "out of memory");
  while (*p) {
    const char *piece = p;
    size_t n = 1;
    if (p[0] == '$' && p[1] == '$' && p[2] == '{') {
      piece = "${";
      n = 2;
      p += 3;
    } else if (p[0] == '$' && p[1] == '{') {
      const char *end = strchr(p + 2, '}');
      if (!end) {
        cJSON_free(buf);
        return failf(r, "unterminated \"${\" in \"%.80s\"", in);
      }
      piece = var_get(r, p + 2, (size_t)(end - p - 2));
      if (!piece) {
        cJSON_free(buf);
        return failf(r, "unknown variable \"${%.*s}\"", (int)(end - p - 2 > 80 ? 80 : end - p - 2),
                     p + 2);
      }
      n = strlen(piece);
      p = end + 1;
    } else {
      p++;
    }
    if (used + n + 1 > SCENARIO_MAX_EXPANSION) {
      cJSON_free(buf);
      return failf(r, "a string grows past %d bytes after expansion", SCENARIO_MAX_EXPANSION);
    }
    if (used + n + 1 > cap) {
      char *bigger;
      while (used + n + 1 > cap)
        cap *= 2;
      bigger = cJSON_malloc(cap);
      if (!bigger) {
        cJSON_free(buf);
        return failf(r, "out of memory");
      }
      memcpy(bigger, buf, used);
      cJSON_free(buf);
      buf = bigger;
    }
    memcpy(buf + used, piece, n);
    used += n;
  }
  buf[used] = '\0';
  *out = buf;
  return 0;
}

/* Expands every string and member name of a tree in place. */
static int expand_tree(struct run *r, cJSON *node, int depth) {
  cJSON *child;
  char *s;

  if (depth > SCENARIO_MAX_DEPTH + 1)
    return failf(r, "nested too deeply");
  if (node->string && !(node->type & cJSON_StringIsConst)) {
    if (expand(r, node->string, &s) != 0)
      return -1;
    if (s) {
      cJSON_free(node->string);
      node->string = s;
    }
  }
  if (cJSON_IsString(node) && !(node->type & cJSON_IsReference)) {
    if (expand(r, node->valuestring, &s) != 0)
      return -1;
    if (s) {
      cJSON_free(node->valuestring);
      node->valuestring = s;
    }
  }
  for (child = node->child; child; child = child->next)
    if (expand_tree(r, child, depth + 1) != 0)
      return -1;
  return 0;
}

/* ---- JSON subset and paths -------------------------------------------------- */

struct diff {
  char path[512];
  const cJSON *want;
  const cJSON *got; /* NULL: missing */
  const char *why;  /* "differs", "is missing", "has another length" */
};

static void path_push(char *path, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void path_push(char *path, size_t *len, const char *fmt, ...) {
  va_list ap;
  int n;

  va_start(ap, fmt);
  n = vsnprintf(path + *len, 512 - *len, fmt, ap);
  va_end(ap);
  if (n > 0)
    *len = *len + (size_t)n >= 512 ? 511 : *len + (size_t)n;
}

static int scalar_equal(const cJSON *a, const cJSON *b) {
  if ((a->type & 0xFF) != (b->type & 0xFF))
    return 0;
  if (cJSON_IsString(a))
    return !strcmp(a->valuestring, b->valuestring);
  if (cJSON_IsNumber(a))
    return a->valuedouble == b->valuedouble;
  return 1; /* true, false, null */
}

/* 1 when got contains want; else 0 and d describes the first difference. */
static int subset(const cJSON *want, const cJSON *got, char *path, size_t len, struct diff *d,
                  int depth) {
  const cJSON *w;
  int i = 0;

  if (depth > EMU_JSON_MAX_DEPTH || !got || (want->type & 0xFF) != (got->type & 0xFF) ||
      (cJSON_IsArray(want) && cJSON_GetArraySize(want) != cJSON_GetArraySize(got)) ||
      (!cJSON_IsObject(want) && !cJSON_IsArray(want) && !scalar_equal(want, got))) {
    snprintf(d->path, sizeof(d->path), "%s", path);
    d->want = want;
    d->got = got;
    d->why = !got                                        ? "is missing"
             : cJSON_IsArray(want) && cJSON_IsArray(got) ? "has another length"
                                                         : "differs";
    return 0;
  }
  if (cJSON_IsObject(want)) {
    cJSON_ArrayForEach(w, want) {
      size_t l = len;
      path_push(path, &l, ".%s", w->string);
      if (!subset(w, get(got, w->string), path, l, d, depth + 1))
        return 0;
      path[len] = '\0';
    }
  } else if (cJSON_IsArray(want)) {
    const cJSON *g = got->child;
    cJSON_ArrayForEach(w, want) {
      size_t l = len;
      path_push(path, &l, "[%d]", i++);
      if (!subset(w, g, path, l, d, depth + 1))
        return 0;
      path[len] = '\0';
      g = g->next;
    }
  }
  return 1;
}

static int json_contains(const cJSON *want, const cJSON *got, struct diff *d) {
  char path[512] = "$";

  memset(d, 0, sizeof(*d));
  return subset(want, got, path, 1, d, 0);
}

/* Records a subset mismatch: "<what> differs at $.x". */
static int fail_diff(struct run *r, const char *what, const struct diff *d) {
  failf(r, "%s %s at %s", what, d->why, d->path);
  r->res->at = dup_str(d->path);
  set_expected_json(r, d->want);
  if (d->got)
    set_got_json(r, d->got);
  else
    set_got_text(r, "(missing)");
  return -1;
}

/* Follows "Item.id.S", "Items[0].id", "$.Count" or "$" in root. */
static const cJSON *json_at(const cJSON *root, const char *path) {
  const cJSON *cur = root;
  const char *p = path;

  if (*p == '$')
    p++;
  if (*p == '.')
    p++;
  while (cur && *p) {
    if (*p == '[') {
      char *end;
      long i = strtol(p + 1, &end, 10);
      if (end == p + 1 || *end != ']' || i < 0 || i > 1000000)
        return NULL;
      cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, (int)i) : NULL;
      p = end + 1;
    } else {
      char key[256];
      size_t n = strcspn(p, ".[");
      if (n == 0 || n >= sizeof(key))
        return NULL;
      memcpy(key, p, n);
      key[n] = '\0';
      cur = cJSON_IsObject(cur) ? get(cur, key) : NULL;
      p += n;
    }
    if (*p == '.')
      p++;
  }
  return cur;
}

/* "save": {"var": "path"} from doc. */
static int save_vars(struct run *r, const cJSON *save, const cJSON *doc, const char *what) {
  const cJSON *m;

  cJSON_ArrayForEach(m, save) {
    const cJSON *v = doc ? json_at(doc, m->valuestring) : NULL;
    if (!v)
      return failf(r, "save %s: nothing at \"%s\" in the %s", m->string, m->valuestring, what);
    if (var_set_json(r, m->string, v) != 0)
      return -1;
  }
  return 0;
}

/* ---- Clients ------------------------------------------------------------------ */

static struct client *client_find(struct run *r, const char *name) {
  int i;

  for (i = 0; i < r->nclients; i++)
    if (!strcmp(r->clients[i].name, name))
      return &r->clients[i];
  return NULL;
}

/* The client a step names (the validator saw it connected before). */
static struct wsgw_kit_ws *client_ws(struct run *r, const char *name) {
  struct client *c = client_find(r, name);

  if (!c || !c->ws) {
    failf(r, "client \"%s\" is not connected", name);
    return NULL;
  }
  return c->ws;
}

/* A step's "headers" as the "Name: value" lines the kit takes,
 * NULL-terminated, with room for one more line (a Content-Type). */
struct header_lines {
  const char *line[MAX_HEADERS + 2];
  char *owned[MAX_HEADERS];
  int n;
  int content_type; /* the step set a Content-Type */
};

static int header_lines_build(struct run *r, const cJSON *step, struct header_lines *hl) {
  const cJSON *h;

  memset(hl, 0, sizeof(*hl));
  cJSON_ArrayForEach(h, get(step, "headers")) {
    size_t n;
    if (hl->n == MAX_HEADERS)
      return failf(r, "more than %d headers", MAX_HEADERS);
    n = strlen(h->string) + strlen(h->valuestring) + 3;
    if (!(hl->owned[hl->n] = malloc(n)))
      return failf(r, "out of memory");
    snprintf(hl->owned[hl->n], n, "%s: %s", h->string, h->valuestring);
    hl->line[hl->n] = hl->owned[hl->n];
    hl->n++;
    if (!strcasecmp(h->string, "Content-Type"))
      hl->content_type = 1;
  }
  return 0;
}

static void header_lines_free(struct header_lines *hl) {
  int i;

  for (i = 0; i < MAX_HEADERS && hl->owned[i]; i++)
    free(hl->owned[i]);
}

/* ---- Steps: WebSocket --------------------------------------------------------- */

static int step_connect(struct run *r, const cJSON *step) {
  const char *name = get_str(step, "connect");
  struct header_lines hl;
  int status = 0, want = get_int(step, "expectStatus", 101), rc = -1;
  struct wsgw_kit_ws_options o;
  struct wsgw_kit_ws *ws;
  struct client *c;
  char var[SCENARIO_MAX_NAME + 16], got[64];

  if (header_lines_build(r, step, &hl) != 0)
    goto out;
  memset(&o, 0, sizeof(o));
  o.path = get_str(step, "path");
  o.headers = hl.n ? hl.line : NULL;
  o.subprotocols = get_str(step, "subprotocols");
  o.timeout_ms = get_int(step, "timeoutMs", 0);
  ws = wsgw_kit_connect(r->emu, &o, &status);
  if (status == 0 && ws)
    status = 101;
  if (status != want) {
    char exp[64];
    snprintf(exp, sizeof(exp), "HTTP %d", want);
    if (status)
      snprintf(got, sizeof(got), "HTTP %d", status);
    else
      snprintf(got, sizeof(got), "no HTTP answer");
    failf(r, "the handshake of %s answered %s, expected %s", o.path, got, exp);
    set_expected_text(r, exp);
    set_got_text(r, got);
    wsgw_kit_ws_free(ws);
    goto out;
  }
  rc = 0;
  if (!ws)
    goto out; /* an expected rejection defines no client */
  c = client_find(r, name);
  if (!c) {
    if (r->nclients == SCENARIO_MAX_CLIENTS) {
      wsgw_kit_ws_free(ws);
      rc = failf(r, "more than %d clients", SCENARIO_MAX_CLIENTS);
      goto out;
    }
    c = &r->clients[r->nclients++];
    snprintf(c->name, sizeof(c->name), "%s", name);
  }
  wsgw_kit_ws_free(c->ws); /* reconnecting under the same name */
  c->ws = ws;
  snprintf(var, sizeof(var), "%s.id", name);
  rc = var_set(r, var, wsgw_kit_ws_id(ws) ? wsgw_kit_ws_id(ws) : "");
  snprintf(var, sizeof(var), "%s.subprotocol", name);
  if (rc == 0)
    rc = var_set(r, var, wsgw_kit_ws_subprotocol(ws) ? wsgw_kit_ws_subprotocol(ws) : "");
out:
  header_lines_free(&hl);
  return rc;
}

static int step_send(struct run *r, const cJSON *step) {
  struct wsgw_kit_ws *ws = client_ws(r, get_str(step, "send"));
  const cJSON *json = get(step, "json");
  const char *binary = get_str(step, "binary");
  int rc;

  if (!ws)
    return -1;
  if (binary) {
    unsigned char *data = NULL;
    size_t len = 0;
    if (emu_base64_decode(binary, strlen(binary), &data, &len) != 0)
      return failf(r, "binary is not valid base64");
    rc = wsgw_kit_send_binary(ws, data, len);
    free(data);
  } else if (json) {
    char *text = cJSON_PrintUnformatted(json);
    if (!text)
      return failf(r, "out of memory");
    rc = wsgw_kit_send_text(ws, text);
    cJSON_free(text);
  } else {
    rc = wsgw_kit_send_text(ws, get_str(step, "text"));
  }
  if (rc != 0) {
    failf(r, "the send failed");
    set_got_kit(r);
    return -1;
  }
  return 0;
}

/* Waits for the next text message (any text matches "^"); NULL after
 * recording the failure. The caller has set "expected" already. */
static const char *receive(struct run *r, struct wsgw_kit_ws *ws, int timeout_ms) {
  if (wsgw_kit_expect_regex(ws, "^", timeout_ms) != 0) {
    failf(r, "no message within %d ms", timeout_ms);
    set_got_kit(r);
    return NULL;
  }
  return wsgw_kit_last_message(ws);
}

/* Parses a received text as JSON (bounded depth); NULL when it is not. */
static cJSON *parse_json_text(const char *text) {
  if (emu_json_too_deep(text, strlen(text), EMU_JSON_MAX_DEPTH))
    return NULL;
  return cJSON_Parse(text);
}

static int step_expect(struct run *r, const cJSON *step) {
  struct wsgw_kit_ws *ws = client_ws(r, get_str(step, "expect"));
  int timeout = get_int(step, "timeoutMs", SCENARIO_DEFAULT_TIMEOUT_MS);
  const cJSON *json = get(step, "json"), *save = get(step, "save");
  const char *text = get_str(step, "text"), *regex = get_str(step, "regex");
  const char *msg;
  cJSON *doc = NULL;
  int rc = -1;

  if (!ws)
    return -1;
  if (get(step, "silence")) {
    int ms = get_int(step, "silence", 0);
    char exp[64];
    snprintf(exp, sizeof(exp), "no message for %d ms", ms);
    set_expected_text(r, exp);
    if (wsgw_kit_expect_silence(ws, ms) == 0)
      return 0;
    failf(r, "a message came within %d ms", ms);
    set_got_kit(r);
    return -1;
  }
  if (get(step, "close")) {
    int code = get_int(step, "close", 0);
    char exp[64];
    snprintf(exp, sizeof(exp), "a close with code %d", code);
    set_expected_text(r, exp);
    if (wsgw_kit_expect_close(ws, code, timeout) == 0)
      return 0;
    failf(r, "no close with code %d within %d ms", code, timeout);
    set_got_kit(r);
    return -1;
  }
  if (text)
    set_expected_text(r, text);
  else if (json)
    set_expected_json(r, json);
  else
    set_expected_text(r, regex);
  msg = receive(r, ws, timeout);
  if (!msg)
    return -1;
  if (text && strcmp(text, msg) != 0) {
    failf(r, "the message differs");
    set_got_text(r, msg);
    return -1;
  }
  if (regex) {
    regex_t re;
    int match, crc = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
    if (crc != 0)
      return failf(r, "\"%s\" is not a POSIX extended regex", regex);
    match = regexec(&re, msg, 0, NULL, 0) == 0;
    regfree(&re);
    if (!match) {
      failf(r, "the message does not match the regex");
      set_got_text(r, msg);
      return -1;
    }
  }
  if (json || save)
    doc = parse_json_text(msg);
  if (json) {
    struct diff d;
    if (!doc) {
      failf(r, "the message is not JSON");
      set_got_text(r, msg);
      goto out;
    }
    if (!json_contains(json, doc, &d)) {
      fail_diff(r, "the message", &d);
      set_received_text(r, msg);
      goto out;
    }
  }
  if (save && save_vars(r, save, doc, "message") != 0) {
    set_received_text(r, msg);
    goto out;
  }
  rc = 0;
out:
  cJSON_Delete(doc);
  return rc;
}

static int step_close(struct run *r, const cJSON *step) {
  struct wsgw_kit_ws *ws = client_ws(r, get_str(step, "close"));

  if (!ws)
    return -1;
  if (wsgw_kit_close(ws, get_int(step, "code", 1000), get_str(step, "reason")) != 0) {
    failf(r, "the close handshake failed");
    set_got_kit(r);
    return -1;
  }
  return 0;
}

static int step_drop(struct run *r, const cJSON *step) {
  struct wsgw_kit_ws *ws = client_ws(r, get_str(step, "drop"));

  if (!ws)
    return -1;
  wsgw_kit_drop(ws);
  return 0;
}

static int step_kill(struct run *r, const cJSON *step) {
  struct wsgw_kit_ws *ws = client_ws(r, get_str(step, "kill"));
  const char *id;

  if (!ws)
    return -1;
  id = wsgw_kit_ws_id(ws);
  if (!id || wsgw_kit_kill_connection(r->emu, id) != 0) {
    failf(r, "the server could not kill connection %s", id ? id : "(no id)");
    set_got_kit(r);
    return -1;
  }
  return 0;
}

/* ---- Steps: DynamoDB ---------------------------------------------------------- */

/* Checks a response: status, then the JSON subset; the body goes to
 * "received" on failure. */
static int check_response(struct run *r, int status, int want_status, const cJSON *body,
                          const char *raw, const cJSON *expect, const char *what) {
  struct diff d;
  char exp[32], got[32], noun[64];

  if (status != want_status) {
    snprintf(exp, sizeof(exp), "%d", want_status);
    snprintf(got, sizeof(got), "%d", status);
    failf(r, "%s status %d, expected %d", what, status, want_status);
    set_slot(&r->res->expected, json_string(exp));
    set_got_text(r, got);
    if (body)
      set_slot(&r->res->received, json_value(body));
    else if (raw && *raw)
      set_received_text(r, raw);
    return -1;
  }
  if (!expect)
    return 0;
  snprintf(noun, sizeof(noun), "the %s %s", what, strcmp(what, "HTTP") ? "response" : "body");
  if (!body && cJSON_IsString(expect) && raw) {
    if (!strcmp(expect->valuestring, raw))
      return 0;
    failf(r, "%s differs", noun);
    set_expected_json(r, expect);
    set_got_text(r, raw);
    return -1;
  }
  if (!body) {
    failf(r, "%s is not JSON", noun);
    set_expected_json(r, expect);
    set_got_text(r, raw ? raw : "");
    return -1;
  }
  if (!json_contains(expect, body, &d)) {
    fail_diff(r, noun, &d);
    set_slot(&r->res->received, json_value(body));
    return -1;
  }
  return 0;
}

static int db_call(struct run *r, const char *op, const cJSON *request, int want_status,
                   const cJSON *expect, const cJSON *save) {
  char *text = cJSON_PrintUnformatted(request);
  cJSON *resp = NULL;
  int status, rc = -1;

  if (!text)
    return failf(r, "out of memory");
  status = wsgw_kit_db(r->emu, op, text, &resp);
  cJSON_free(text);
  if (check_response(r, status, want_status, resp, NULL, expect, op) != 0)
    goto out;
  if (save && save_vars(r, save, resp, "response") != 0) {
    set_slot(&r->res->received, resp ? json_value(resp) : NULL);
    goto out;
  }
  rc = 0;
out:
  cJSON_Delete(resp);
  return rc;
}

static int step_db(struct run *r, const cJSON *step) {
  return db_call(r, get_str(step, "db"), get(step, "request"), get_int(step, "expectStatus", 200),
                 get(step, "expect"), get(step, "save"));
}

static int step_db_put(struct run *r, const cJSON *step) {
  cJSON *req = cJSON_CreateObject();
  int rc;

  if (!req)
    return failf(r, "out of memory");
  cJSON_AddStringToObject(req, "TableName", get_str(step, "dbPut"));
  cJSON_AddItemToObject(req, "Item", cJSON_Duplicate(get(step, "item"), 1));
  rc = db_call(r, "PutItem", req, 200, NULL, NULL);
  cJSON_Delete(req);
  return rc;
}

/* One poll of an item: present and containing `want`, or absent when want
 * is NULL/null. */
struct item_probe {
  struct wsgw_kit_emu *emu;
  const char *table;
  const char *key_text;
  const cJSON *want; /* NULL: must be absent */
};

static int item_matches(void *arg) {
  struct item_probe *p = arg;
  cJSON *item = wsgw_kit_db_get(p->emu, p->table, p->key_text);
  struct diff d;
  int ok;

  if (!p->want)
    ok = item == NULL;
  else
    ok = item != NULL && json_contains(p->want, item, &d);
  cJSON_Delete(item);
  return ok;
}

static int expect_item(struct run *r, const char *table, const cJSON *key, const cJSON *want,
                       int timeout) {
  struct item_probe p;
  char *key_text = cJSON_PrintUnformatted(key);
  cJSON *item;
  struct diff d;

  if (!key_text)
    return failf(r, "out of memory");
  p.emu = r->emu;
  p.table = table;
  p.key_text = key_text;
  p.want = cJSON_IsNull(want) ? NULL : want;
  if (wsgw_kit_wait_until(item_matches, &p, timeout) == 0) {
    cJSON_free(key_text);
    return 0;
  }
  /* Once more, for the report. */
  item = wsgw_kit_db_get(r->emu, table, key_text);
  if (!p.want) {
    failf(r, "the item %s of %s is still there after %d ms", key_text, table, timeout);
    set_expected_text(r, "(absent)");
    set_got_json(r, item);
  } else if (!item) {
    failf(r, "no item %s in %s after %d ms", key_text, table, timeout);
    set_expected_json(r, p.want);
    set_got_text(r, "(absent)");
  } else if (!json_contains(p.want, item, &d)) {
    char what[64];
    snprintf(what, sizeof(what), "the item (after %d ms)", timeout);
    fail_diff(r, what, &d);
    set_slot(&r->res->received, json_value(item));
  } else {
    failf(r, "the item %s of %s matched only after %d ms", key_text, table, timeout);
  }
  cJSON_Delete(item);
  cJSON_free(key_text);
  return -1;
}

static int step_db_expect_item(struct run *r, const cJSON *step) {
  return expect_item(r, get_str(step, "dbExpectItem"), get(step, "key"), get(step, "item"),
                     get_int(step, "timeoutMs", SCENARIO_DEFAULT_TIMEOUT_MS));
}

/* ---- Steps: HTTP (the @connections API, /_wsgw control endpoints) ------------ */

/* The step's request through the kit's HTTP client: its headers, and a
 * Content-Type for `json` unless the step sets one; the answer in *resp
 * (wsgw_kit_http_free it whatever this returns). */
static int http_do(struct run *r, const cJSON *step, struct wsgw_kit_http_response *resp) {
  const char *method = get_str(step, "http"), *path = get_str(step, "path");
  const char *body = get_str(step, "body");
  const cJSON *json = get(step, "json");
  int timeout = get_int(step, "timeoutMs", SCENARIO_DEFAULT_TIMEOUT_MS), rc = -1;
  char *json_text = NULL;
  struct header_lines hl;

  memset(resp, 0, sizeof(*resp));
  if (json) {
    json_text = cJSON_PrintUnformatted(json);
    if (!json_text)
      return failf(r, "out of memory");
    body = json_text;
  }
  if (header_lines_build(r, step, &hl) != 0)
    goto out;
  if (json && !hl.content_type)
    hl.line[hl.n++] = "Content-Type: application/json";
  if (wsgw_kit_http_timed(wsgw_kit_port(r->emu), method, path, hl.line, body,
                          body ? strlen(body) : 0, timeout, resp) < 0) {
    failf(r, "no HTTP response within %d ms", timeout);
    goto out;
  }
  rc = 0;
out:
  header_lines_free(&hl);
  cJSON_free(json_text);
  return rc;
}

static int step_http(struct run *r, const cJSON *step) {
  struct wsgw_kit_http_response rep;
  const cJSON *want_headers = get(step, "expectHeaders"), *h, *save = get(step, "save");
  cJSON *body = NULL;
  int rc = -1;

  if (http_do(r, step, &rep) != 0)
    goto out;
  if (rep.body && *rep.body)
    body = parse_json_text(rep.body);
  if (check_response(r, rep.status, get_int(step, "expectStatus", 200), body, rep.body,
                     get(step, "expect"), "HTTP") != 0)
    goto out;
  cJSON_ArrayForEach(h, want_headers) {
    const char *got = wsgw_kit_http_header(&rep, h->string);
    if (!got || strcmp(got, h->valuestring) != 0) {
      failf(r, "the response header %s %s", h->string, got ? "differs" : "is missing");
      set_expected_text(r, h->valuestring);
      set_got_text(r, got ? got : "(missing)");
      goto out;
    }
  }
  if (save && save_vars(r, save, body, "response body") != 0) {
    if (rep.body)
      set_received_text(r, rep.body);
    goto out;
  }
  rc = 0;
out:
  cJSON_Delete(body);
  wsgw_kit_http_free(&rep);
  return rc;
}

/* ---- Steps: faults, waits, variables ------------------------------------------ */

static int step_fault(struct run *r, const cJSON *step) {
  char *text = cJSON_PrintUnformatted(get(step, "fault"));
  const char *as = get_str(step, "as");
  int id, i;

  if (!text)
    return failf(r, "out of memory");
  id = wsgw_kit_fault(r->emu, text);
  cJSON_free(text);
  if (id < 0) {
    failf(r, "the fault was refused");
    set_got_kit(r);
    return -1;
  }
  if (!as)
    return 0;
  for (i = 0; i < r->nfaults && strcmp(r->faults[i].name, as); i++)
    ;
  if (i == r->nfaults) {
    if (r->nfaults == SCENARIO_MAX_FAULTS)
      return failf(r, "more than %d named faults", SCENARIO_MAX_FAULTS);
    snprintf(r->faults[r->nfaults++].name, SCENARIO_MAX_NAME + 1, "%s", as);
  }
  r->faults[i].id = id;
  return 0;
}

static int step_fault_off(struct run *r, const cJSON *step) {
  const char *name = get_str(step, "faultOff");
  int i;

  if (!strcmp(name, "*")) {
    wsgw_kit_faults_reset(r->emu);
    r->nfaults = 0;
    return 0;
  }
  for (i = 0; i < r->nfaults; i++) {
    if (!strcmp(r->faults[i].name, name)) {
      /* A fault already spent ("count") or reset is gone: not an error. */
      (void)wsgw_kit_fault_remove(r->emu, r->faults[i].id);
      r->faults[i] = r->faults[--r->nfaults];
      return 0;
    }
  }
  return 0; /* removed by an earlier faultOff "*" */
}

static int step_wait_until(struct run *r, const cJSON *step) {
  const cJSON *w = get(step, "waitUntil");
  const cJSON *inv = get(w, "invocations"), *item = get(w, "dbItem");
  int timeout = get_int(step, "timeoutMs", SCENARIO_DEFAULT_TIMEOUT_MS);

  if (item)
    return expect_item(r, get_str(item, "table"), get(item, "key"), get(item, "item"), timeout);
  {
    const char *route = get_str(inv, "routeKey"), *conn = get_str(inv, "connectionId");
    const char *handler = get_str(inv, "handler"), *table = get_str(inv, "table");
    int count = get_int(inv, "count", 1), have;
    char exp[96], got[64], stream_key[300];
    cJSON *list;

    if (table) {
      /* A table's stream function (event source mapping): the invocation
       * log's key for it (emu_invocations.h). */
      snprintf(stream_key, sizeof(stream_key), "stream:%s", table);
      route = stream_key;
    }

    if (wsgw_kit_wait_invocations(r->emu, route, conn, handler, count, timeout) == 0)
      return 0;
    char *filter = cJSON_PrintUnformatted(inv);
    list = wsgw_kit_invocations(r->emu, route, conn, handler);
    have = cJSON_GetArraySize(list);
    failf(r, "%d invocation%s matching %.200s after %d ms, expected at least %d", have,
          have == 1 ? "" : "s", filter ? filter : "{}", timeout, count);
    cJSON_free(filter);
    snprintf(exp, sizeof(exp), "at least %d", count);
    snprintf(got, sizeof(got), "%d", have);
    set_expected_text(r, exp);
    set_got_text(r, got);
    cJSON_Delete(list);
    return -1;
  }
}

static int step_set(struct run *r, const cJSON *step) {
  const cJSON *m;

  cJSON_ArrayForEach(m, get(step, "set")) {
    if (var_set_json(r, m->string, m) != 0)
      return -1;
  }
  return 0;
}

/* ---- The run -------------------------------------------------------------------- */

struct verb {
  const char *name;
  int (*run)(struct run *r, const cJSON *step);
};

static const struct verb verbs[] = {
    {"connect", step_connect},
    {"send", step_send},
    {"expect", step_expect},
    {"close", step_close},
    {"drop", step_drop},
    {"kill", step_kill},
    {"db", step_db},
    {"dbPut", step_db_put},
    {"dbExpectItem", step_db_expect_item},
    {"http", step_http},
    {"fault", step_fault},
    {"faultOff", step_fault_off},
    {"waitUntil", step_wait_until},
    {"set", step_set},
};

/* "expect alice", "db PutItem", "set": the label that prefixes messages. */
static void label_step(struct run *r, const cJSON *step, const struct verb *v) {
  const cJSON *arg = get(step, v->name);

  if (cJSON_IsString(arg))
    snprintf(r->label, sizeof(r->label), "%s %.64s", v->name, arg->valuestring);
  else
    snprintf(r->label, sizeof(r->label), "%s", v->name);
}

static int run_step(struct run *r, const cJSON *orig, int index) {
  const char *name, *second;
  const struct verb *v = NULL;
  cJSON *step;
  size_t i;
  int rc;

  name = scenario_check_verb(orig, &second);
  for (i = 0; name && i < sizeof(verbs) / sizeof(verbs[0]) && !v; i++)
    if (!strcmp(verbs[i].name, name))
      v = &verbs[i];
  r->step = index;
  r->verb = v ? v->name : "?";
  if (!v) {
    snprintf(r->label, sizeof(r->label), "?");
    return failf(r, "no verb (the scenario was not validated)");
  }
  label_step(r, orig, v);
  step = cJSON_Duplicate(orig, 1);
  if (!step)
    return failf(r, "out of memory");
  rc = expand_tree(r, step, 0);
  if (rc == 0) {
    label_step(r, step, v);
    rc = v->run(r, step);
  }
  if (rc != 0 && r->res->failed && !r->res->step_name && get_str(orig, "name"))
    r->res->step_name = dup_str(get_str(orig, "name"));
  cJSON_Delete(step);
  return rc;
}

/* The emulator of the scenario; NULL after recording why. */
static struct wsgw_kit_emu *start_emulator(struct run *r, const cJSON *doc, const char *file) {
  const cJSON *cfg = get(doc, "config");
  const char *cfg_file = get_str(doc, "configFile"), *slash = strrchr(file, '/');
  struct wsgw_kit_options o;
  struct wsgw_kit_emu *emu;
  char err[1024] = "", path[4096];
  char *cfg_text = NULL;

  memset(&o, 0, sizeof(o));
  o.idle_timeout_ms = get_int(doc, "idleTimeoutMs", 0);
  o.max_duration_ms = get_int(doc, "maxDurationMs", 0);
  if (cfg) {
    cfg_text = cJSON_PrintUnformatted(cfg);
    if (!cfg_text) {
      failf(r, "out of memory");
      return NULL;
    }
    o.config_json = cfg_text;
  } else {
    if (cfg_file[0] == '/' || !slash)
      snprintf(path, sizeof(path), "%s", cfg_file);
    else
      snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - file), file, cfg_file);
    o.config_file = path;
  }
  emu = wsgw_kit_start(&o, err, sizeof(err));
  cJSON_free(cfg_text);
  if (!emu) {
    failf(r, "the emulator did not start");
    set_got_text(r, err);
  }
  return emu;
}

void scenario_steps_run(const cJSON *doc, const char *file, struct scenario_result *res) {
  struct run *r = calloc(1, sizeof(*r));
  int64_t t0 = emu_time_mono_ms();
  const cJSON *step;
  char port[16];
  int i = 0;

  res->step = -1;
  if (!r) {
    res->failed = 1;
    res->message = dup_str("start: out of memory");
    return;
  }
  r->res = res;
  r->step = -1;
  r->verb = "start";
  r->emu = start_emulator(r, doc, file);
  if (r->emu) {
    snprintf(port, sizeof(port), "%d", wsgw_kit_port(r->emu));
    if (var_set(r, "emu.port", port) == 0 &&
        var_set(r, "emu.url", wsgw_kit_base_url(r->emu)) == 0) {
      cJSON_ArrayForEach(step, get(doc, "steps")) {
        if (run_step(r, step, i++) != 0)
          break;
      }
    }
  }
  for (i = 0; i < r->nclients; i++)
    wsgw_kit_ws_free(r->clients[i].ws);
  if (r->emu)
    wsgw_kit_stop(r->emu);
  for (i = 0; i < r->nvars; i++)
    free(r->vars[i].value);
  free(r);
  res->seconds = (double)(emu_time_mono_ms() - t0) / 1000.0;
}
