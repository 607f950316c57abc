/*
 * aws_curl_linked.c - aws_curl.h for programs linked with libcurl (the
 * bootstrap): the table holds libcurl's own functions.
 * Threading: see aws_curl.h.
 */
#include "aws_curl.h"

#include <pthread.h>
#include <stdio.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;

/* The names in parentheses: curl.h may define some as type-checking macros. */
static const struct aws_curl table = {
    .easy_init = (curl_easy_init),
    .easy_cleanup = (curl_easy_cleanup),
    .easy_reset = (curl_easy_reset),
    .easy_setopt = (curl_easy_setopt),
    .easy_perform = (curl_easy_perform),
    .easy_getinfo = (curl_easy_getinfo),
    .easy_strerror = (curl_easy_strerror),
    .slist_append = (curl_slist_append),
    .slist_free_all = (curl_slist_free_all),
    .version_info = (curl_version_info),
};

static void init(void) {
  /* libcurl's global init is not thread-safe: once, before any handle. */
  init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

const struct aws_curl *aws_curl_get(char *err, size_t cap) {
  pthread_once(&once, init);
  if (init_rc != CURLE_OK) {
    snprintf(err, cap, "libcurl could not start: %s", curl_easy_strerror(init_rc));
    return NULL;
  }
  return &table;
}
