/*
 * ws_routes.c - route selection expressions (see ws_routes.h).
 *
 * A compiled expression is a list of segments, each either literal text or
 * a path below $request.body. Evaluation parses the body once with cJSON
 * (whose nesting limit bounds the recursion) and concatenates the segments.
 */
#include "ws_routes.h"

#include "emu_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SEGMENTS 32
#define MAX_PATH_KEYS 16

struct segment {
  char *literal;             /* literal text, or NULL for a path */
  char *keys[MAX_PATH_KEYS]; /* path below $request.body */
  int nkeys;
};

struct ws_route_expr {
  struct segment seg[MAX_SEGMENTS];
  int nseg;
  int uses_body; /* at least one path segment */
};

static const char body_prefix[] = "request.body.";

static int is_path_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_' || ch == '-' || ch == '.';
}

static int add_literal(struct ws_route_expr *e, const char *p, size_t n) {
  struct segment *s;

  if (n == 0)
    return 0;
  if (e->nseg > 0 && e->seg[e->nseg - 1].literal) { /* extend the previous literal */
    struct segment *prev = &e->seg[e->nseg - 1];
    size_t old = strlen(prev->literal);
    char *t = realloc(prev->literal, old + n + 1);
    if (!t)
      return -1;
    memcpy(t + old, p, n);
    t[old + n] = '\0';
    prev->literal = t;
    return 0;
  }
  if (e->nseg == MAX_SEGMENTS)
    return -1;
  s = &e->seg[e->nseg++];
  s->literal = strndup(p, n);
  return s->literal ? 0 : -1;
}

static int add_path(struct ws_route_expr *e, const char *p, size_t n, char *err, size_t cap) {
  struct segment *s;
  const char *end = p + n, *k;

  if (e->nseg == MAX_SEGMENTS) {
    snprintf(err, cap, "too many parts in the route selection expression");
    return -1;
  }
  s = &e->seg[e->nseg++];
  s->literal = NULL;
  for (k = p; k <= end; k++) {
    if (k == end || *k == '.') {
      if (k == p || s->nkeys == MAX_PATH_KEYS) {
        snprintf(err, cap, "invalid JSON path in the route selection expression");
        return -1;
      }
      s->keys[s->nkeys++] = strndup(p, (size_t)(k - p));
      p = k + 1;
    }
  }
  e->uses_body = 1;
  return 0;
}

struct ws_route_expr *ws_routes_compile(const char *expr, char *err, size_t cap) {
  struct ws_route_expr *e = calloc(1, sizeof(*e));
  const char *p = expr, *lit = expr;

  if (!e)
    return NULL;
  while (*p) {
    if (p[0] == '\\' && p[1] == '$') { /* escaped: a literal '$' */
      if (add_literal(e, lit, (size_t)(p - lit)) != 0)
        goto fail;
      lit = p + 1;
      p += 2;
    } else if (p[0] == '$' && p[1] == '{') {
      const char *close = strchr(p, '}');
      if (!close) {
        snprintf(err, cap, "unterminated ${ in the route selection expression");
        goto fail;
      }
      if (strncmp(p + 2, body_prefix, sizeof(body_prefix) - 1) != 0) {
        snprintf(err, cap,
                 "only ${request.body.*} selectors are supported in WebSocket route selection");
        goto fail;
      }
      if (add_literal(e, lit, (size_t)(p - lit)) != 0)
        goto fail;
      p += 2 + sizeof(body_prefix) - 1;
      if (add_path(e, p, (size_t)(close - p), err, cap) != 0)
        goto fail;
      p = lit = close + 1;
    } else if (p[0] == '$' && strncmp(p + 1, body_prefix, sizeof(body_prefix) - 1) == 0) {
      const char *start = p + 1 + sizeof(body_prefix) - 1, *q = start;
      if (add_literal(e, lit, (size_t)(p - lit)) != 0)
        goto fail;
      while (is_path_char(*q))
        q++;
      while (q > start && q[-1] == '.')
        q--;
      if (add_path(e, start, (size_t)(q - start), err, cap) != 0)
        goto fail;
      p = lit = q;
    } else if (p[0] == '$' && (p != expr || strncmp(p, "$request.", 9) == 0)) {
      /* A '$' is literal only at the start ("$default"); a $request.*
       * selector other than $request.body.<path> is never literal. */
      snprintf(err, cap, "unsupported selector at \"%s\"", p);
      goto fail;
    } else {
      p++;
    }
  }
  if (add_literal(e, lit, (size_t)(p - lit)) != 0)
    goto fail;
  if (e->nseg == 0) {
    snprintf(err, cap, "the route selection expression is empty");
    goto fail;
  }
  return e;
fail:
  if (err[0] == '\0')
    snprintf(err, cap, "invalid route selection expression");
  ws_routes_free(e);
  return NULL;
}

void ws_routes_free(struct ws_route_expr *e) {
  int i, k;

  if (!e)
    return;
  for (i = 0; i < e->nseg; i++) {
    free(e->seg[i].literal);
    for (k = 0; k < e->seg[i].nkeys; k++)
      free(e->seg[i].keys[k]);
  }
  free(e);
}

/* SPEC docs/spec/apigw-websocket.md 3: a non-scalar result is turned into a string;
 * an array reads [item1, item2]. DEVIATION: how numbers, booleans and objects
 * stringify is [unverified]; we use their JSON text (objects unformatted). */
static void stringify(const cJSON *v, struct emu_buf *out, int depth) {
  if (cJSON_IsString(v)) {
    emu_buf_puts(out, v->valuestring);
  } else if (cJSON_IsArray(v) && depth < 4) {
    const cJSON *it;
    int first = 1;
    emu_buf_putc(out, '[');
    cJSON_ArrayForEach(it, v) {
      if (!first)
        emu_buf_puts(out, ", ");
      first = 0;
      stringify(it, out, depth + 1);
    }
    emu_buf_putc(out, ']');
  } else if (!cJSON_IsNull(v)) {
    char *t = cJSON_PrintUnformatted(v);
    if (t)
      emu_buf_puts(out, t);
    free(t);
  }
}

enum ws_routes_eval ws_routes_evaluate(const struct ws_route_expr *e, const char *body, size_t len,
                                       struct emu_buf *out) {
  cJSON *doc = NULL;
  int i, k;

  emu_buf_reset(out);
  if (e->uses_body) {
    const char *end = NULL;
    /* DEVIATION: a message nested deeper than EMU_JSON_MAX_DEPTH is routed
     * as non-JSON ($default): parsing it could overflow the worker's stack
     * (see emu_json.h). */
    doc = emu_json_too_deep(body, len, EMU_JSON_MAX_DEPTH)
              ? NULL
              : cJSON_ParseWithLengthOpts(body, len, &end, 0);
    /* cJSON stops after the first value: text after it (other than
     * whitespace) makes the message not JSON. */
    while (doc && end && end < body + len &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
      end++;
    if (doc && end != body + len) {
      cJSON_Delete(doc);
      doc = NULL;
    }
    if (!cJSON_IsObject(doc)) {
      /* SPEC docs/spec/apigw-websocket.md 3: non-JSON messages fall through to
       * $default; JSON that is not an object behaves as "path not found"
       * [unverified but implied], which also ends at $default. */
      cJSON_Delete(doc);
      return WS_ROUTES_NOT_OBJECT;
    }
  }
  for (i = 0; i < e->nseg; i++) {
    const struct segment *s = &e->seg[i];
    const cJSON *v = doc;
    if (s->literal) {
      emu_buf_puts(out, s->literal);
      continue;
    }
    for (k = 0; k < s->nkeys && v; k++)
      v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, s->keys[k]) : NULL;
    /* SPEC docs/spec/apigw-websocket.md 3: a JSONPath that is not found resolves to "". */
    if (v)
      stringify(v, out, 0);
  }
  cJSON_Delete(doc);
  return WS_ROUTES_KEY;
}

const struct emu_route *ws_routes_select(const struct emu_api *api, const struct ws_route_expr *e,
                                         const char *body, size_t len) {
  struct emu_buf key;
  const struct emu_route *r = NULL;

  emu_buf_init(&key, 64 * 1024);
  if (ws_routes_evaluate(e, body, len, &key) == WS_ROUTES_KEY && key.len > 0 &&
      strlen(key.data) == key.len && strcmp(key.data, "$connect") != 0 &&
      strcmp(key.data, "$disconnect") != 0)
    r = emu_api_route(api, key.data);
  emu_buf_free(&key);
  /* SPEC docs/spec/apigw-websocket.md 3: fall through to $default when no route key
   * matches. */
  return r ? r : emu_api_route(api, "$default");
}
