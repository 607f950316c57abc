/*
 * lambda_lib.c - one loaded version of a handler library (see lambda_lib.h).
 */
#include "lambda_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A library exporting more is surely missing its NULL terminator. */
#define LAMBDA_LIB_MAX_HANDLERS 4096

struct lambda_lib {
  atomic_int refs;
  void *dl;
  const struct wsgw_handler *handlers;
  size_t count;
  char *path;
};

/* Copies src to dst (created 0700). 0, or -1 with errno set. */
static int copy_file(const char *src, const char *dst) {
  char buf[64 * 1024];
  int in = open(src, O_RDONLY | O_CLOEXEC), out;
  ssize_t n;

  if (in < 0)
    return -1;
  out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0700);
  if (out < 0) {
    int e = errno;
    close(in);
    errno = e;
    return -1;
  }
  while ((n = read(in, buf, sizeof(buf))) != 0) {
    ssize_t off = 0;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    while (off < n) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0) {
        n = -1;
        break;
      }
      off += w;
    }
    if (n < 0)
      break;
  }
  {
    int e = errno;
    close(in);
    if (close(out) != 0 || n < 0) {
      unlink(dst);
      errno = n < 0 ? e : errno;
      return -1;
    }
  }
  return 0;
}

struct lambda_lib *lambda_lib_load(const char *path, const char *dir, unsigned seq, char *err,
                                   size_t cap) {
  const char *base = strrchr(path, '/');
  char copy[4096];
  struct lambda_lib *l;
  void *dl;
  const struct wsgw_handler *h;
  size_t n;

  base = base ? base + 1 : path;
  if (snprintf(copy, sizeof(copy), "%s/%u-%s", dir, seq, base) >= (int)sizeof(copy)) {
    snprintf(err, cap, "%s: the path is too long", path);
    return NULL;
  }
  if (copy_file(path, copy) != 0) {
    snprintf(err, cap, "%s: cannot read it: %s", path, strerror(errno));
    return NULL;
  }
  dlerror();
  dl = dlopen(copy, RTLD_NOW | RTLD_LOCAL);
  unlink(copy); /* the mapping stays; nothing else may open this version */
  if (!dl) {
    const char *why = dlerror();
    snprintf(err, cap, "%s: cannot load it: %s", path, why ? why : "unknown error");
    return NULL;
  }
  h = dlsym(dl, "wsgw_handlers");
  if (!h) {
    snprintf(err, cap,
             "%s: it does not export wsgw_handlers (the NULL-terminated "
             "struct wsgw_handler array of <wsgw/handler.h>)",
             path);
    dlclose(dl);
    return NULL;
  }
  for (n = 0; n < LAMBDA_LIB_MAX_HANDLERS && h[n].name; n++)
    if (!h[n].fn) {
      snprintf(err, cap, "%s: wsgw_handlers[%zu] (\"%s\") has no function", path, n, h[n].name);
      dlclose(dl);
      return NULL;
    }
  if (n == LAMBDA_LIB_MAX_HANDLERS) {
    snprintf(err, cap, "%s: wsgw_handlers has no NULL terminator", path);
    dlclose(dl);
    return NULL;
  }
  l = calloc(1, sizeof(*l));
  if (!l || !(l->path = strdup(path))) {
    free(l);
    dlclose(dl);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  atomic_init(&l->refs, 1);
  l->dl = dl;
  l->handlers = h;
  l->count = n;
  return l;
}

const struct wsgw_handler *lambda_lib_handlers(const struct lambda_lib *l) {
  return l->handlers;
}

const char *lambda_lib_path(const struct lambda_lib *l) {
  return l->path;
}

size_t lambda_lib_count(const struct lambda_lib *l) {
  return l->count;
}

void lambda_lib_ref(struct lambda_lib *l) {
  atomic_fetch_add(&l->refs, 1);
}

void lambda_lib_unref(struct lambda_lib *l) {
  if (!l || atomic_fetch_sub(&l->refs, 1) != 1)
    return;
  dlclose(l->dl);
  free(l->path);
  free(l);
}
