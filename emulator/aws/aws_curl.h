/*
 * aws_curl.h - the libcurl functions aws_http calls, as a table, so that
 * the wsgw executable loads libcurl only when it makes an AWS call.
 *
 * Two implementations, one per program: aws_curl_dl.c (wsgw_core: libcurl
 * is dlopen'ed the first time a client is made, i.e. with
 * --dynamodb-endpoint; a plain `wsgw serve` maps none of libcurl's ~30
 * libraries, which would cost it 4 MB of RSS and milliseconds of start)
 * and aws_curl_linked.c (wsgw_bootstrap: linked as usual, so the packaging
 * finds libcurl and its libraries with ldd).
 * Invariants: the table is complete or not returned; libcurl's global init
 * has run once before the table is returned.
 * Ownership: the table is static, for the life of the process.
 * Threading: aws_curl_get may be called from any thread (pthread_once).
 */
#ifndef AWS_CURL_H
#define AWS_CURL_H

#include <curl/curl.h>
#include <stddef.h>

struct aws_curl {
  CURL *(*easy_init)(void);
  void (*easy_cleanup)(CURL *c);
  void (*easy_reset)(CURL *c);
  CURLcode (*easy_setopt)(CURL *c, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL *c);
  CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
  const char *(*easy_strerror)(CURLcode code);
  struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
  void (*slist_free_all)(struct curl_slist *list);
  curl_version_info_data *(*version_info)(CURLversion v);
};

/* libcurl, initialized; or NULL with one line in err saying why. */
const struct aws_curl *aws_curl_get(char *err, size_t cap);

#endif
