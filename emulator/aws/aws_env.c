/*
 * aws_env.c - credentials, region, endpoints and CA bundle from the
 * environment, with the SDKs' precedence (see aws_env.h).
 * Threading: getenv only.
 */
#include "aws_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Copies the variable's value into buf: 1 when set and not empty, 0 when
 * unset or empty, -1 when it does not fit. */
static int env_copy(const char *name, char *buf, size_t cap) {
  const char *v = getenv(name);
  size_t n;

  buf[0] = '\0';
  if (!v || !*v)
    return 0;
  n = strlen(v);
  if (n >= cap)
    return -1;
  memcpy(buf, v, n + 1);
  return 1;
}

int aws_env_creds(struct aws_creds *c, char *err, size_t cap) {
  static const struct {
    const char *name;
    size_t off, size;
    int required;
  } vars[] = {
      {"AWS_ACCESS_KEY_ID", offsetof(struct aws_creds, access_key_id), AWS_ENV_KEY_MAX, 1},
      {"AWS_SECRET_ACCESS_KEY", offsetof(struct aws_creds, secret_access_key), AWS_ENV_KEY_MAX, 1},
      {"AWS_SESSION_TOKEN", offsetof(struct aws_creds, session_token), AWS_ENV_TOKEN_MAX, 0},
  };

  /* SPEC: docs/spec/aws-clients.md 1: the access key id and secret key
   * together; the session token only with temporary credentials. */
  for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
    int r = env_copy(vars[i].name, (char *)c + vars[i].off, vars[i].size);
    if (r < 0) {
      snprintf(err, cap, "%s is longer than %zu bytes", vars[i].name, vars[i].size - 1);
      return -1;
    }
    if (r == 0 && vars[i].required) {
      snprintf(err, cap, "no AWS credentials: %s is not set", vars[i].name);
      return -1;
    }
  }
  return 0;
}

int aws_env_region(char *buf, size_t cap) {
  /* SPEC: docs/spec/aws-clients.md 1: AWS_REGION (Lambda sets it), then
   * AWS_DEFAULT_REGION (the CLI's name). */
  if (env_copy("AWS_REGION", buf, cap) == 1)
    return 0;
  return env_copy("AWS_DEFAULT_REGION", buf, cap) == 1 ? 0 : -1;
}

static int http_url(const char *v) {
  return strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0;
}

int aws_env_endpoint(const char *service_id, const char *prefix, const char *region, char *buf,
                     size_t cap) {
  const char *ignore = getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
  char name[96];
  size_t n;
  int r;

  buf[0] = '\0';
  /* SPEC: docs/spec/aws-clients.md 2: AWS_ENDPOINT_URL_<SERVICE> overrides
   * AWS_ENDPOINT_URL; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores both. */
  if (!(ignore && strcmp(ignore, "true") == 0)) {
    snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", service_id);
    r = env_copy(name, buf, cap);
    if (r == 0)
      r = env_copy("AWS_ENDPOINT_URL", buf, cap);
    if (r < 0 || (r == 1 && !http_url(buf)))
      return -1;
  }
  if (!buf[0]) {
    /* SPEC: docs/spec/aws-clients.md 2: the default is the regional
     * endpoint, https://{prefix}.{region}.amazonaws.com (.com.cn in China). */
    const char *suffix = strncmp(region, "cn-", 3) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
    int w = snprintf(buf, cap, "https://%s.%s.%s", prefix, region, suffix);
    if (w < 0 || (size_t)w >= cap)
      return -1;
  }
  n = strlen(buf);
  while (n > 0 && buf[n - 1] == '/')
    buf[--n] = '\0';
  return 0;
}

const char *aws_env_ca_bundle(void) {
  static const char *const system_bundles[] = {
      "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
      "/etc/pki/tls/certs/ca-bundle.crt",   /* Amazon Linux 2023 (Lambda), Fedora, RHEL */
      "/etc/ssl/cert.pem",                  /* Alpine, the BSDs */
  };
  const char *v = getenv("AWS_CA_BUNDLE");

  /* SPEC: docs/spec/aws-clients.md 3: AWS_CA_BUNDLE names a PEM file of
   * certificates to trust instead of the system's. */
  if (v && *v)
    return v;
  /* A libcurl built on Debian looks for Debian's bundle; on Lambda
   * (Amazon Linux) the bundle lives elsewhere, so name it. */
  for (size_t i = 0; i < sizeof(system_bundles) / sizeof(system_bundles[0]); i++)
    if (access(system_bundles[i], R_OK) == 0)
      return system_bundles[i];
  return NULL;
}
