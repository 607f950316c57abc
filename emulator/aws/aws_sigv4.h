/*
 * aws_sigv4.h - verifies a request's Signature Version 4 Authorization
 * header against configured key pairs (wsgw serve --auth sigv4).
 *
 * SPEC: docs/spec/aws-clients.md 4: the canonical request (method, the path
 * encoded once more than on the wire, the sorted canonical query, the
 * signed headers lowercased with values trimmed and inner blanks collapsed,
 * the signed header list, the body's SHA-256), the string to sign
 * ("AWS4-HMAC-SHA256", X-Amz-Date, the credential scope, the canonical
 * request's SHA-256) and the HMAC-SHA256 key chain from "AWS4" + secret.
 * DEVIATION: the scope's region and the request's age are not checked
 * (the clock of a local test may be set back); the service is.
 *
 * Invariants: pure computation with libcrypto; bounded buffers, anything
 * longer is AWS_SIGV4_MALFORMED. Threading: pure functions.
 */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stddef.h>

struct aws_sigv4_header {
  const char *name;
  const char *value;
};

struct aws_sigv4_request {
  const char *method;
  const char *path;  /* the path as sent on the wire (percent-encoded), no query */
  const char *query; /* the raw query string, or NULL */
  const struct aws_sigv4_header *headers; /* every request header, as received */
  size_t nheaders;
  const void *body;
  size_t body_len;
};

struct aws_sigv4_key {
  char akid[129];
  char secret[129];
};

enum aws_sigv4_result {
  AWS_SIGV4_OK,
  AWS_SIGV4_MISSING,     /* no Authorization header */
  AWS_SIGV4_MALFORMED,   /* not AWS4-HMAC-SHA256 with Credential, SignedHeaders, Signature */
  AWS_SIGV4_UNKNOWN_KEY, /* the access key id is none of the keys */
  AWS_SIGV4_MISMATCH,    /* another signature, or another service in the scope */
};

/* Checks r's signature for service ("dynamodb", "execute-api") with the
 * key whose id the credential names among keys[0..nkeys). */
enum aws_sigv4_result aws_sigv4_verify(const struct aws_sigv4_request *r, const char *service,
                                       const struct aws_sigv4_key *keys, size_t nkeys);

/* aws_sigv4_verify for a request civetweb read (its raw path, query and
 * headers) with the body read whole. */
struct mg_request_info;
enum aws_sigv4_result aws_sigv4_verify_http(const struct mg_request_info *ri, const void *body,
                                            size_t len, const char *service,
                                            const struct aws_sigv4_key *keys, size_t nkeys);

/* Parses "AKID:SECRET" into *key. 0, or -1 when malformed or too long. */
int aws_sigv4_key_parse(const char *text, struct aws_sigv4_key *key);

#endif
