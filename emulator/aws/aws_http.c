/*
 * aws_http.c - HTTP requests over libcurl, signed with libcurl's SigV4
 * (see aws_http.h).
 *
 * The canonical URI. AWS signs the path encoded once more than it is sent
 * (docs/spec/aws-clients.md 4): "/dev/@connections/a%3D" is signed as
 * "/dev/%40connections/a%253D". libcurl 8.14 and later compute that from
 * the URL. Earlier releases sign the URL's path as it is (up to 8.8) or
 * only normalize its escapes (8.9 to 8.13). With those, the URL carries the
 * canonical URI itself (a fixed point of their normalization) and
 * CURLOPT_REQUEST_TARGET the path that goes on the wire; libcurl signs the
 * URL's path and sends the request target.
 * Stack: a call may run on a civetweb worker (100 KB of stack), so its
 * URL and header scratch space is on the heap.
 * Threading: see aws_http.h; pool.lock guards only the idle list.
 */
#include "aws_http.h"

#include "aws_curl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HEADERS_MAX (64 * 1024)
#define URL_MAX 2048

struct aws_http {
  pthread_mutex_t lock;
  CURL **idle; /* max_idle slots */
  int n_idle;
  int max_idle;
  int sign_raw_path; /* libcurl encodes the path itself when signing */
  const struct aws_curl *api;
};

struct aws_http *aws_http_new(int max_idle, char *err, size_t cap) {
  const struct aws_curl *api = aws_curl_get(err, cap);
  struct aws_http *h;
  const curl_version_info_data *v;

  if (!api)
    return NULL;
  h = calloc(1, sizeof(*h));
  if (!h) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  h->api = api;
  h->max_idle = max_idle > 0 ? max_idle : 1;
  h->idle = calloc((size_t)h->max_idle, sizeof(*h->idle));
  if (!h->idle) {
    free(h);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&h->lock, NULL);
  v = api->version_info(CURLVERSION_NOW);
  h->sign_raw_path = v && v->version_num >= 0x080e00;
  return h;
}

void aws_http_free(struct aws_http *h) {
  if (!h)
    return;
  for (int i = 0; i < h->n_idle; i++)
    h->api->easy_cleanup(h->idle[i]);
  pthread_mutex_destroy(&h->lock);
  free(h->idle);
  free(h);
}

static CURL *handle_take(struct aws_http *h) {
  CURL *c = NULL;

  pthread_mutex_lock(&h->lock);
  if (h->n_idle > 0)
    c = h->idle[--h->n_idle];
  pthread_mutex_unlock(&h->lock);
  if (c) {
    /* Options go back to their defaults; the open connections stay. */
    h->api->easy_reset(c);
    return c;
  }
  return h->api->easy_init();
}

static void handle_give(struct aws_http *h, CURL *c, int reusable) {
  if (reusable) {
    pthread_mutex_lock(&h->lock);
    if (h->n_idle < h->max_idle) {
      h->idle[h->n_idle++] = c;
      c = NULL;
    }
    pthread_mutex_unlock(&h->lock);
  }
  if (c)
    h->api->easy_cleanup(c);
}

void aws_http_response_init(struct aws_http_response *r) {
  memset(r, 0, sizeof(*r));
  emu_buf_init(&r->body, 0);
  emu_buf_init(&r->headers, HEADERS_MAX);
}

void aws_http_response_free(struct aws_http_response *r) {
  emu_buf_free(&r->body);
  emu_buf_free(&r->headers);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
  struct emu_buf *b = arg;

  /* Returning less than given makes libcurl stop with CURLE_WRITE_ERROR. */
  return emu_buf_append(b, p, n) == 0 ? n : 0;
  (void)size;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg) {
  struct emu_buf *b = arg;

  /* A status line starts a response's headers: after "100 Continue" only
   * the final response's are kept. */
  if (n >= 5 && memcmp(p, "HTTP/", 5) == 0)
    emu_buf_reset(b);
  return emu_buf_append(b, p, n) == 0 ? n : 0;
  (void)size;
}

static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int aws_http_uri_encode(const char *s, int keep_slash, char *buf, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;

  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (unreserved(*p) || (keep_slash && *p == '/')) {
      if (o + 1 >= cap)
        return -1;
      buf[o++] = (char)*p;
    } else {
      if (o + 3 >= cap)
        return -1;
      buf[o++] = '%';
      buf[o++] = hex[*p >> 4];
      buf[o++] = hex[*p & 15];
    }
  }
  if (o >= cap)
    return -1;
  buf[o] = '\0';
  return 0;
}

int aws_http_canonical_uri(const char *path, char *buf, size_t cap) {
  /* SPEC: docs/spec/aws-clients.md 4: URI-encode every byte of the path
   * except the unreserved characters and '/'; an empty path is "/". */
  return aws_http_uri_encode(path && *path ? path : "/", 1, buf, cap);
}

static int fail(struct aws_http_response *out, const char *why, const char *what) {
  snprintf(out->error, sizeof(out->error), "%s%s", why, what);
  out->status = -1;
  return -1;
}

/* Builds the URL (and, when libcurl would sign the wire path as it is,
 * the request target). Returns 0, or -1 when it does not fit. */
static int build_url(const struct aws_http *h, const struct aws_http_request *r, char *url,
                     char *target, size_t cap) {
  const char *scheme_end = strstr(r->url, "://");
  const char *base_path = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
  size_t origin_len = base_path ? (size_t)(base_path - r->url) : strlen(r->url);
  char wire[URL_MAX];
  char canon[URL_MAX * 3];
  int n;

  target[0] = '\0';
  n = snprintf(wire, sizeof(wire), "%s%s", base_path ? base_path : "", r->path ? r->path : "");
  if (n < 0 || (size_t)n >= sizeof(wire))
    return -1;
  if (!wire[0])
    memcpy(wire, "/", 2);
  if (!r->creds || h->sign_raw_path) {
    n = snprintf(url, cap, "%.*s%s", (int)origin_len, r->url, wire);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
  }
  if (aws_http_canonical_uri(wire, canon, sizeof(canon)) != 0)
    return -1;
  n = snprintf(url, cap, "%.*s%s", (int)origin_len, r->url, canon);
  if (n < 0 || (size_t)n >= cap)
    return -1;
  if (strcmp(canon, wire) != 0) {
    n = snprintf(target, cap, "%s", wire);
    if (n < 0 || (size_t)n >= cap)
      return -1;
  }
  return 0;
}

int aws_http_call(struct aws_http *h, const struct aws_http_request *r,
                  struct aws_http_response *out) {
  struct scratch {
    char url[URL_MAX * 3], target[URL_MAX * 3], line[AWS_ENV_TOKEN_MAX + 32];
  } * s;
  char sigv4[160];
  struct curl_slist *headers = NULL;
  const char *ca = r->ca_file ? r->ca_file : aws_env_ca_bundle();
  CURL *c;
  CURLcode rc;
  long status = 0;
  int ok = 1;

  emu_buf_reset(&out->body);
  emu_buf_reset(&out->headers);
  out->body.limit = r->max_response;
  out->error[0] = '\0';
  out->status = -1;
  if (strncmp(r->url, "http://", 7) != 0 && strncmp(r->url, "https://", 8) != 0)
    return fail(out, "not an http(s) URL: ", r->url);
  s = malloc(sizeof(*s));
  if (!s)
    return fail(out, "out of memory", "");
  /* libcurl before 8.3 signs a query string unsorted: wsgw's calls have
   * none, and a signed one is refused rather than signed wrong. */
  if (r->creds && r->path && strchr(r->path, '?')) {
    free(s);
    return fail(out, "a signed request cannot carry a query string: ", r->path);
  }
  if (build_url(h, r, s->url, s->target, sizeof(s->url)) != 0) {
    free(s);
    return fail(out, "the URL is too long", "");
  }
  c = handle_take(h);
  if (!c) {
    free(s);
    return fail(out, "libcurl could not start a request", "");
  }

  for (const char *const *l = r->headers; l && *l && ok; l++) {
    struct curl_slist *n = h->api->slist_append(headers, *l);
    ok = n != NULL;
    headers = n ? n : headers;
  }
  if (ok && r->creds && r->creds->session_token[0]) {
    /* SPEC: docs/spec/aws-clients.md 1: temporary credentials send their
     * token as X-Amz-Security-Token (signed with the other headers). */
    struct curl_slist *n;
    snprintf(s->line, sizeof(s->line), "X-Amz-Security-Token: %s", r->creds->session_token);
    n = h->api->slist_append(headers, s->line);
    ok = n != NULL;
    headers = n ? n : headers;
  }
  if (!ok) {
    h->api->slist_free_all(headers);
    handle_give(h, c, 1);
    free(s);
    return fail(out, "out of memory", "");
  }

  h->api->easy_setopt(c, CURLOPT_URL, s->url);
  if (s->target[0])
    h->api->easy_setopt(c, CURLOPT_REQUEST_TARGET, s->target);
  h->api->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  h->api->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  h->api->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (strcmp(r->method, "POST") == 0) {
    /* POSTFIELDS, not a read callback: libcurl hashes this body for the
     * signature. */
    h->api->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->body ? r->body_len : 0));
    h->api->easy_setopt(c, CURLOPT_POSTFIELDS, r->body ? r->body : "");
  } else if (strcmp(r->method, "GET") == 0) {
    h->api->easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    h->api->easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
  }
  if (r->creds) {
    snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:%s", r->region, r->service);
    h->api->easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
    h->api->easy_setopt(c, CURLOPT_USERNAME, r->creds->access_key_id);
    h->api->easy_setopt(c, CURLOPT_PASSWORD, r->creds->secret_access_key);
  }
  if (ca)
    h->api->easy_setopt(c, CURLOPT_CAINFO, ca);
  h->api->easy_setopt(c, CURLOPT_TIMEOUT_MS, r->timeout_ms);
  h->api->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                      r->connect_timeout_ms > 0 ? r->connect_timeout_ms : 10000L);
  /* Bodies over 1 MB: libcurl sends "Expect: 100-continue" and waits up to
   * a second for the 100 (civetweb sends none: +1 s per forwarded
   * BatchWriteItem). The body follows at once; a server's 100 is still
   * read. (An "Expect:" header to drop it would be signed, not sent.) */
  h->api->easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
  h->api->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  h->api->easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
  h->api->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  h->api->easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);

  rc = h->api->easy_perform(c);
  h->api->slist_free_all(headers);
  if (rc != CURLE_OK) {
    handle_give(h, c, 0);
    if (rc == CURLE_WRITE_ERROR)
      snprintf(out->error, sizeof(out->error), "%.200s: the response is over %zu bytes", s->url,
               r->max_response);
    else
      snprintf(out->error, sizeof(out->error), "%.200s: %s", s->url, h->api->easy_strerror(rc));
    free(s);
    out->status = -1;
    return -1;
  }
  h->api->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  handle_give(h, c, 1);
  free(s);
  out->status = (int)status;
  return out->status;
}

int aws_http_header(const struct aws_http_response *r, const char *name, char *buf, size_t cap) {
  size_t nlen = strlen(name);
  const char *p = r->headers.data;
  const char *end = p ? p + r->headers.len : NULL;

  while (p && p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *stop = eol ? eol : end;
    if ((size_t)(stop - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
      const char *v = p + nlen + 1;
      const char *ve = stop;
      while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      if ((size_t)(ve - v) >= cap)
        return -1;
      memcpy(buf, v, (size_t)(ve - v));
      buf[ve - v] = '\0';
      return 0;
    }
    p = eol ? eol + 1 : end;
  }
  return -1;
}
