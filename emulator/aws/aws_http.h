/*
 * aws_http.h - one HTTP request to an AWS service (or the Lambda Runtime
 * API), optionally signed with Signature Version 4, over libcurl.
 *
 * Purpose: the only user of libcurl. The bootstrap's DynamoDB and
 * @connections calls, its Runtime API loop, and `wsgw serve
 * --dynamodb-endpoint` all go through aws_http_call. Signing is libcurl's
 * (CURLOPT_AWS_SIGV4); this file feeds it what it needs to produce AWS's
 * canonical request, including on libcurl releases that do not encode the
 * path themselves (docs/spec/aws-clients.md 4).
 *
 * Invariants: a request's response body is bounded by max_response; every
 * request that has a timeout ends by it; TLS peers are always verified.
 * Ownership: struct aws_http owns its idle libcurl handles (a free list);
 * a call borrows one and gives it back, so connections are reused. The
 * response's buffers belong to the caller (aws_http_response_free).
 * Threading: aws_http_call may run on many threads at once (one handle
 * each; the free list has a mutex). aws_http_new loads and initializes
 * libcurl once (aws_curl_get).
 */
#ifndef AWS_HTTP_H
#define AWS_HTTP_H

#include <stddef.h>

#include "aws_env.h"
#include "emu_buf.h"

struct aws_http;

/* A pool that keeps at most max_idle idle connections (handles). NULL, with
 * one line in err, when libcurl cannot be loaded or started (aws_curl.h). */
struct aws_http *aws_http_new(int max_idle, char *err, size_t cap);
void aws_http_free(struct aws_http *h);

struct aws_http_request {
  const char *method;         /* "GET", "POST", "DELETE" */
  const char *url;            /* the endpoint: "https://host[:port][/base path]" */
  const char *path;           /* appended to url: the raw path as sent, percent-encoded
                          where the wire needs it ("/dev/@connections/a%3D"), or NULL */
  const char *const *headers; /* "Name: value" lines, NULL-terminated, or NULL */
  const char *body;           /* or NULL */
  size_t body_len;
  /* Signing: with creds, the request is signed for region and service (the
   * signing name: "dynamodb", "execute-api"); with NULL creds it is not. */
  const struct aws_creds *creds;
  const char *region;
  const char *service;
  const char *ca_file;     /* PEM to verify TLS with; NULL: aws_env_ca_bundle() */
  long timeout_ms;         /* the whole request; 0: none (the Runtime API's next) */
  long connect_timeout_ms; /* 0: 10 s */
  size_t max_response;     /* the largest response body accepted */
};

struct aws_http_response {
  int status;
  struct emu_buf body;
  struct emu_buf headers; /* the response's header lines, as received */
  char error[256];        /* why the call failed (status -1) */
};

void aws_http_response_init(struct aws_http_response *r);
void aws_http_response_free(struct aws_http_response *r);

/* Sends the request and reads the response. Returns the HTTP status (also
 * in out->status), or -1 when no complete response came (out->error says
 * why: connection, TLS, timeout, a body over max_response). out must have
 * been initialized; its buffers are reset first. */
int aws_http_call(struct aws_http *h, const struct aws_http_request *r,
                  struct aws_http_response *out);

/* The value of the response header `name` (case-insensitive) copied into
 * buf, without surrounding blanks. 0, or -1 when absent or too long. */
int aws_http_header(const struct aws_http_response *r, const char *name, char *buf, size_t cap);

/* URI-encodes s as SigV4 and the SDKs do: every byte but the unreserved
 * ones (A-Z a-z 0-9 - . _ ~), and '/' when keep_slash, written %XX
 * (uppercase hex). 0, or -1 when it does not fit in cap bytes. A path
 * label (a connection id) is encoded with keep_slash 0. */
int aws_http_uri_encode(const char *s, int keep_slash, char *buf, size_t cap);

/* AWS's canonical URI of a raw path: aws_http_uri_encode with '/' kept,
 * so a '%' of the wire path is encoded again (all services but S3); "/"
 * for an empty path. Exposed for the unit test. */
int aws_http_canonical_uri(const char *path, char *buf, size_t cap);

#endif
