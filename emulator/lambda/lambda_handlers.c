/*
 * lambda_handlers.c - the handler set a config resolves against (see
 * lambda_handlers.h).
 */
#include "lambda_handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lambda_lib.h"

struct lambda_handlers {
  const struct wsgw_handler *program;
  const struct wsgw_handler *bundled;
  struct lambda_lib **libs; /* one reference each */
  size_t nlibs;
  struct lambda_runtimes *runtimes; /* not owned, or NULL */
};

struct lambda_handlers *lambda_handlers_new(const struct wsgw_handler *program,
                                            const struct wsgw_handler *bundled) {
  struct lambda_handlers *h = calloc(1, sizeof(*h));

  if (h) {
    h->program = program;
    h->bundled = bundled;
  }
  return h;
}

struct lambda_handlers *lambda_handlers_with(const struct lambda_handlers *h, size_t slot,
                                             struct lambda_lib *lib) {
  struct lambda_handlers *n = lambda_handlers_new(h->program, h->bundled);
  size_t i, count = slot < h->nlibs ? h->nlibs : h->nlibs + 1;

  if (!n || !(n->libs = calloc(count, sizeof(*n->libs)))) {
    free(n);
    return NULL;
  }
  n->nlibs = count;
  n->runtimes = h->runtimes;
  for (i = 0; i < count; i++) {
    n->libs[i] = i == slot ? lib : h->libs[i];
    lambda_lib_ref(n->libs[i]);
  }
  return n;
}

void lambda_handlers_set_runtimes(struct lambda_handlers *h, struct lambda_runtimes *rts) {
  h->runtimes = rts;
}

struct lambda_runtimes *lambda_handlers_runtimes(const struct lambda_handlers *h) {
  return h->runtimes;
}

void lambda_handlers_free(struct lambda_handlers *h) {
  size_t i;

  if (!h)
    return;
  for (i = 0; i < h->nlibs; i++)
    lambda_lib_unref(h->libs[i]);
  free(h->libs);
  free(h);
}

size_t lambda_handlers_nlibs(const struct lambda_handlers *h) {
  return h->nlibs;
}

struct lambda_lib *lambda_handlers_lib(const struct lambda_handlers *h, size_t slot) {
  return slot < h->nlibs ? h->libs[slot] : NULL;
}

int lambda_handlers_slot(const struct lambda_handlers *h, const char *path) {
  size_t i;

  for (i = 0; i < h->nlibs; i++)
    if (strcmp(lambda_lib_path(h->libs[i]), path) == 0)
      return (int)i;
  return -1;
}

static wsgw_handler_fn *find_in(const struct wsgw_handler *t, const char *name) {
  for (; t && t->name; t++)
    if (strcmp(t->name, name) == 0)
      return t->fn;
  return NULL;
}

/* Appends "; FROM: a, b, c" to err (truncated at cap). */
static void list_exports(char *err, size_t cap, const char *from, const struct wsgw_handler *t) {
  size_t len = strlen(err);
  const char *sep = ": ";

  len += (size_t)snprintf(err + len, len < cap ? cap - len : 0, "; %s", from);
  for (; t && t->name && len < cap; t++, sep = ", ")
    len += (size_t)snprintf(err + len, cap - len, "%s%s", sep, t->name);
  if (sep[0] == ':' && len < cap)
    snprintf(err + len, cap - len, ": (none)");
}

static void listing(const struct lambda_handlers *h, char *err, size_t cap) {
  size_t i;

  for (i = 0; i < h->nlibs; i++)
    list_exports(err, cap, lambda_lib_path(h->libs[i]), lambda_lib_handlers(h->libs[i]));
  if (h->program)
    list_exports(err, cap, "the program's handlers", h->program);
  list_exports(err, cap, "bundled", h->bundled);
}

int lambda_handlers_resolve(const struct lambda_handlers *h, const char *name,
                            struct lambda_ref *out, char *err, size_t cap) {
  wsgw_handler_fn *fn = find_in(h->program, name);
  const char *where = fn ? "the program's handlers" : NULL;
  struct lambda_lib *lib = NULL;
  size_t i;

  if (!fn && (fn = find_in(h->bundled, name)))
    where = "bundled";
  for (i = 0; i < h->nlibs; i++) {
    wsgw_handler_fn *f = find_in(lambda_lib_handlers(h->libs[i]), name);
    if (!f)
      continue;
    if (fn) {
      snprintf(err, cap, "handler \"%s\" is exported twice (%s and %s)", name, where,
               lambda_lib_path(h->libs[i]));
      listing(h, err, cap);
      return -1;
    }
    fn = f;
    lib = h->libs[i];
    where = lambda_lib_path(lib);
  }
  if (!fn) {
    snprintf(err, cap, "unknown handler \"%s\"", name);
    listing(h, err, cap);
    return -1;
  }
  out->fn = fn;
  out->lib = lib;
  if (lib)
    lambda_lib_ref(lib);
  return 0;
}

void lambda_ref_release(struct lambda_ref *r) {
  lambda_lib_unref(r->lib);
  r->lib = NULL;
  r->fn = NULL;
}
