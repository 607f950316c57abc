/*
 * aws_env.h - what an AWS client reads from its environment: credentials,
 * region, service endpoints and the CA bundle, as the AWS SDKs read them.
 *
 * Purpose: the bootstrap (handler.h over HTTPS on Lambda) and
 * `wsgw serve --dynamodb-endpoint` sign their calls with the same
 * credentials and find their endpoints the same way as every SDK, so a
 * function's environment on Lambda (or under wsgw) needs nothing new.
 * SPEC: docs/spec/aws-clients.md 1-3 (variables, precedence, defaults).
 * Invariants: the strings written are NUL-terminated and bounded by the
 * buffers given; an over-long value is an error, never cut short.
 * Ownership: callers own every buffer. Threading: reads the environment
 * only (getenv); call it where nothing calls setenv.
 */
#ifndef AWS_ENV_H
#define AWS_ENV_H

#include <stddef.h>

#define AWS_ENV_KEY_MAX 256
/* STS session tokens are a few KB; Lambda's are about 1 KB. */
#define AWS_ENV_TOKEN_MAX 8192
#define AWS_ENV_REGION_MAX 64
#define AWS_ENV_URL_MAX 1024

struct aws_creds {
  char access_key_id[AWS_ENV_KEY_MAX];
  char secret_access_key[AWS_ENV_KEY_MAX];
  char session_token[AWS_ENV_TOKEN_MAX]; /* "" when there is none */
};

/* AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. 0, or -1
 * when either of the first two is unset or empty, or a value is too long
 * (err says which). */
int aws_env_creds(struct aws_creds *c, char *err, size_t cap);

/* AWS_REGION, else AWS_DEFAULT_REGION. 0, or -1 when neither is set. */
int aws_env_region(char *buf, size_t cap);

/* A service's endpoint: AWS_ENDPOINT_URL_<service_id>, else AWS_ENDPOINT_URL,
 * else https://<prefix>.<region>.amazonaws.com (.amazonaws.com.cn in the
 * China regions). service_id is the SDKs' environment name of the service
 * ("DYNAMODB"); AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the two
 * variables. A trailing '/' is dropped. 0, or -1 when it does not fit or
 * the variable is not an http(s) URL. */
int aws_env_endpoint(const char *service_id, const char *prefix, const char *region, char *buf,
                     size_t cap);

/* The CA certificates to verify TLS with: AWS_CA_BUNDLE, else the first
 * of the system bundles that exists (Debian's, then Amazon Linux's and
 * other Red Hat style systems'), else NULL (libcurl's built-in default).
 * The returned string is the environment's or a literal. */
const char *aws_env_ca_bundle(void);

#endif
