/*
 * aws_curl_dl.c - aws_curl.h for the wsgw executable: libcurl (libcurl.so.4,
 * Debian's libcurl4) is loaded with dlopen the first time an AWS client is
 * made, and its functions looked up once.
 * Invariants: a failed load is final for the process (the reason is kept).
 * Threading: see aws_curl.h.
 */
#include "aws_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct aws_curl table;
static int loaded;
static char why[256];

/* dlsym into a function pointer: through memcpy, as ISO C has no cast
 * between object and function pointers. */
static int sym(void *lib, const char *name, void *fn, size_t size) {
  void *p = dlsym(lib, name);

  if (!p) {
    snprintf(why, sizeof(why), "libcurl.so.4 has no %s", name);
    return -1;
  }
  memcpy(fn, &p, size);
  return 0;
}

#define SYM(field, name) sym(lib, name, &table.field, sizeof(table.field))

static void load(void) {
  void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  CURLcode (*global_init)(long flags) = NULL;
  CURLcode rc;

  if (!lib) {
    snprintf(why, sizeof(why), "cannot load libcurl (install Debian's libcurl4): %s", dlerror());
    return;
  }
  if (SYM(easy_init, "curl_easy_init") || SYM(easy_cleanup, "curl_easy_cleanup") ||
      SYM(easy_reset, "curl_easy_reset") || SYM(easy_setopt, "curl_easy_setopt") ||
      SYM(easy_perform, "curl_easy_perform") || SYM(easy_getinfo, "curl_easy_getinfo") ||
      SYM(easy_strerror, "curl_easy_strerror") || SYM(slist_append, "curl_slist_append") ||
      SYM(slist_free_all, "curl_slist_free_all") || SYM(version_info, "curl_version_info") ||
      sym(lib, "curl_global_init", &global_init, sizeof(global_init)))
    return;
  /* libcurl's global init is not thread-safe: once, before any handle. */
  rc = global_init(CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK) {
    snprintf(why, sizeof(why), "libcurl could not start: %s", table.easy_strerror(rc));
    return;
  }
  /* The library stays loaded for the life of the process. */
  loaded = 1;
}

const struct aws_curl *aws_curl_get(char *err, size_t cap) {
  pthread_once(&once, load);
  if (!loaded) {
    snprintf(err, cap, "%s", why);
    return NULL;
  }
  return &table;
}
