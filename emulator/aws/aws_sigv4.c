/*
 * aws_sigv4.c - Signature Version 4 verification (see aws_sigv4.h).
 */
#include "aws_sigv4.h"

#include <civetweb.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_http.h"
#include "emu_buf.h"

#define ALGORITHM "AWS4-HMAC-SHA256"
/* Bounds of the pieces of an Authorization header. */
#define FIELD_MAX 1024
/* The canonical request's bound: headers are bounded by civetweb's request
 * head (16 KiB), the path and query by the same. */
#define CANONICAL_MAX (64 * 1024)

static void hex(const unsigned char *p, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;

  for (i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
}

static void sha256_hex(const void *p, size_t n, char out[65]) {
  unsigned char md[SHA256_DIGEST_LENGTH];

  SHA256(p, n, md);
  hex(md, sizeof(md), out);
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32]) {
  unsigned int len = 32;

  HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len);
}

/* The value of "Name=value" in the Authorization header's parameter list
 * (up to ',' or the end) into out. 0, or -1 when absent or too long. */
static int auth_field(const char *auth, const char *name, char *out, size_t cap) {
  size_t nlen = strlen(name);
  const char *p = auth;

  while ((p = strstr(p, name)) != NULL) {
    if ((p == auth || p[-1] == ' ' || p[-1] == ',') && p[nlen] == '=') {
      size_t n = strcspn(p + nlen + 1, ", ");
      if (n == 0 || n >= cap)
        return -1;
      memcpy(out, p + nlen + 1, n);
      out[n] = '\0';
      return 0;
    }
    p += nlen;
  }
  return -1;
}

/* Appends a header value trimmed, inner runs of blanks collapsed to one. */
static int append_trimmed(struct emu_buf *b, const char *v) {
  int space = 0, any = 0;

  for (; *v; v++) {
    if (*v == ' ' || *v == '\t') {
      space = any;
      continue;
    }
    if (space && emu_buf_append(b, " ", 1) != 0)
      return -1;
    if (emu_buf_append(b, v, 1) != 0)
      return -1;
    space = 0;
    any = 1;
  }
  return 0;
}

/* One query parameter, percent-decoded then encoded as SigV4 does. */
struct param {
  char *name, *value;
};

static int cmp_param(const void *a, const void *b) {
  const struct param *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->value, y->value);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* s[0..n) percent-decoded ('+' stays), then SigV4-encoded; malloc'ed. */
static char *reencode(const char *s, size_t n) {
  char *dec = malloc(n + 1), *enc;
  size_t i, o = 0;

  if (!dec)
    return NULL;
  for (i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      dec[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    } else {
      dec[o++] = s[i];
    }
  }
  dec[o] = '\0';
  enc = malloc(3 * o + 1);
  if (enc && aws_http_uri_encode(dec, 0, enc, 3 * o + 1) != 0) {
    free(enc);
    enc = NULL;
  }
  free(dec);
  return enc;
}

/* The canonical query string of a raw query into b. */
static int canonical_query(const char *q, struct emu_buf *b) {
  struct param *ps = NULL;
  size_t n = 0, cap = 0, i;
  int rc = -1;
  const char *p = q;

  while (p && *p) {
    size_t len = strcspn(p, "&");
    const char *eq = memchr(p, '=', len);
    if (len) {
      if (n == cap) {
        struct param *grown;
        if (cap >= 1024)
          goto out;
        cap = cap ? cap * 2 : 8;
        grown = realloc(ps, cap * sizeof(*ps));
        if (!grown)
          goto out;
        ps = grown;
      }
      ps[n].name = reencode(p, eq ? (size_t)(eq - p) : len);
      ps[n].value = eq ? reencode(eq + 1, len - (size_t)(eq - p) - 1) : reencode("", 0);
      n++;
      if (!ps[n - 1].name || !ps[n - 1].value)
        goto out;
    }
    p += len;
    if (*p == '&')
      p++;
  }
  if (n)
    qsort(ps, n, sizeof(*ps), cmp_param);
  for (i = 0; i < n; i++)
    if ((i && emu_buf_append(b, "&", 1)) || emu_buf_append(b, ps[i].name, strlen(ps[i].name)) ||
        emu_buf_append(b, "=", 1) || emu_buf_append(b, ps[i].value, strlen(ps[i].value)))
      goto out;
  rc = 0;
out:
  for (i = 0; i < n; i++) {
    free(ps[i].name);
    free(ps[i].value);
  }
  free(ps);
  return rc;
}

/* The canonical headers of the signed names (';'-separated, lowercase,
 * sorted as the client listed them) into b. -1 when one is absent. */
static int canonical_headers(const struct aws_sigv4_request *r, const char *signed_headers,
                             struct emu_buf *b) {
  const char *p = signed_headers;

  while (*p) {
    size_t len = strcspn(p, ";"), i;
    int found = 0;
    if (len == 0 || emu_buf_append(b, p, len) != 0 || emu_buf_append(b, ":", 1) != 0)
      return -1;
    for (i = 0; i < r->nheaders; i++) {
      const char *name = r->headers[i].name;
      if (strlen(name) != len || strncasecmp(name, p, len) != 0)
        continue;
      if ((found && emu_buf_append(b, ",", 1) != 0) || append_trimmed(b, r->headers[i].value) != 0)
        return -1;
      found = 1;
    }
    if (!found || emu_buf_append(b, "\n", 1) != 0)
      return -1;
    p += len;
    if (*p == ';')
      p++;
  }
  return 0;
}

static const char *header(const struct aws_sigv4_request *r, const char *name) {
  size_t i;

  for (i = 0; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].name, name) == 0)
      return r->headers[i].value;
  return NULL;
}

enum aws_sigv4_result aws_sigv4_verify(const struct aws_sigv4_request *r, const char *service,
                                       const struct aws_sigv4_key *keys, size_t nkeys) {
  const char *auth = header(r, "Authorization"), *date = header(r, "X-Amz-Date");
  char cred[FIELD_MAX], signed_headers[FIELD_MAX], sig[FIELD_MAX], uri[3 * 8192];
  char akid[129], day[9], region[64], svc[64], payload[65], creq_hash[65], want[65];
  const struct aws_sigv4_key *key = NULL;
  struct emu_buf creq;
  unsigned char k[32], k2[32];
  char kdate[200], sts[FIELD_MAX + 256];
  const char *s1, *s2, *s3, *s4;
  size_t i;
  enum aws_sigv4_result res = AWS_SIGV4_MALFORMED;

  if (!auth)
    return AWS_SIGV4_MISSING;
  if (strncmp(auth, ALGORITHM " ", sizeof(ALGORITHM)) != 0 ||
      auth_field(auth, "Credential", cred, sizeof(cred)) != 0 ||
      auth_field(auth, "SignedHeaders", signed_headers, sizeof(signed_headers)) != 0 ||
      auth_field(auth, "Signature", sig, sizeof(sig)) != 0 || !date)
    return AWS_SIGV4_MALFORMED;
  /* Credential=AKID/YYYYMMDD/REGION/SERVICE/aws4_request */
  s1 = strchr(cred, '/');
  s2 = s1 ? strchr(s1 + 1, '/') : NULL;
  s3 = s2 ? strchr(s2 + 1, '/') : NULL;
  s4 = s3 ? strchr(s3 + 1, '/') : NULL;
  if (!s4 || strcmp(s4 + 1, "aws4_request") != 0 || (size_t)(s1 - cred) >= sizeof(akid) ||
      s2 - s1 - 1 != 8 || (size_t)(s3 - s2 - 1) >= sizeof(region) ||
      (size_t)(s4 - s3 - 1) >= sizeof(svc) || s1 == cred)
    return AWS_SIGV4_MALFORMED;
  snprintf(akid, sizeof(akid), "%.*s", (int)(s1 - cred), cred);
  snprintf(day, sizeof(day), "%.8s", s1 + 1);
  snprintf(region, sizeof(region), "%.*s", (int)(s3 - s2 - 1), s2 + 1);
  snprintf(svc, sizeof(svc), "%.*s", (int)(s4 - s3 - 1), s3 + 1);
  for (i = 0; i < nkeys && !key; i++)
    if (strcmp(keys[i].akid, akid) == 0)
      key = &keys[i];
  if (!key)
    return AWS_SIGV4_UNKNOWN_KEY;
  if (service && strcmp(svc, service) != 0)
    return AWS_SIGV4_MISMATCH;
  if (strlen(sig) != 64 || strlen(date) != 16 || strncmp(date, day, 8) != 0)
    return AWS_SIGV4_MISMATCH;

  /* SPEC: docs/spec/aws-clients.md 4: the canonical request. */
  emu_buf_init(&creq, CANONICAL_MAX);
  if (aws_http_canonical_uri(r->path, uri, sizeof(uri)) != 0)
    goto out;
  sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, payload);
  if (emu_buf_append(&creq, r->method, strlen(r->method)) || emu_buf_append(&creq, "\n", 1) ||
      emu_buf_append(&creq, uri, strlen(uri)) || emu_buf_append(&creq, "\n", 1) ||
      canonical_query(r->query, &creq) || emu_buf_append(&creq, "\n", 1) ||
      canonical_headers(r, signed_headers, &creq) || emu_buf_append(&creq, "\n", 1) ||
      emu_buf_append(&creq, signed_headers, strlen(signed_headers)) ||
      emu_buf_append(&creq, "\n", 1) || emu_buf_append(&creq, payload, 64)) {
    res = AWS_SIGV4_MISMATCH; /* a signed header that is absent, or too much to sign */
    goto out;
  }
  sha256_hex(creq.data, creq.len, creq_hash);
  snprintf(sts, sizeof(sts), ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s", date, day, region, svc,
           creq_hash);
  snprintf(kdate, sizeof(kdate), "AWS4%s", key->secret);
  hmac(kdate, strlen(kdate), day, k);
  hmac(k, 32, region, k2);
  hmac(k2, 32, svc, k);
  hmac(k, 32, "aws4_request", k2);
  hmac(k2, 32, sts, k);
  hex(k, 32, want);
  res = CRYPTO_memcmp(want, sig, 64) == 0 ? AWS_SIGV4_OK : AWS_SIGV4_MISMATCH;
out:
  OPENSSL_cleanse(kdate, sizeof(kdate));
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(k2, sizeof(k2));
  emu_buf_free(&creq);
  return res;
}

enum aws_sigv4_result aws_sigv4_verify_http(const struct mg_request_info *ri, const void *body,
                                            size_t len, const char *service,
                                            const struct aws_sigv4_key *keys, size_t nkeys) {
  struct aws_sigv4_header h[64];
  struct aws_sigv4_request r;
  int i;

  for (i = 0; i < ri->num_headers && i < 64; i++) {
    h[i].name = ri->http_headers[i].name;
    h[i].value = ri->http_headers[i].value;
  }
  /* decode_url is off (emu_server.c): local_uri is the path as sent. */
  r.method = ri->request_method;
  r.path = ri->local_uri ? ri->local_uri : "/";
  r.query = ri->query_string;
  r.headers = h;
  r.nheaders = (size_t)i;
  r.body = body;
  r.body_len = len;
  return aws_sigv4_verify(&r, service, keys, nkeys);
}

int aws_sigv4_key_parse(const char *text, struct aws_sigv4_key *key) {
  const char *colon = strchr(text, ':');
  size_t alen = colon ? (size_t)(colon - text) : 0, slen = colon ? strlen(colon + 1) : 0;

  if (!colon || alen == 0 || alen >= sizeof(key->akid) || slen == 0 ||
      slen >= sizeof(key->secret) || strchr(colon + 1, ':'))
    return -1;
  memcpy(key->akid, text, alen);
  key->akid[alen] = '\0';
  memcpy(key->secret, colon + 1, slen + 1);
  return 0;
}
