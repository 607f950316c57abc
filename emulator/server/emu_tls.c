/*
 * emu_tls.c - the listener's certificate (see emu_tls.h). Uses OpenSSL's
 * libcrypto, the library civetweb itself uses for TLS: an EC P-256 key
 * (generated in about a millisecond, so start-up stays fast) and an X.509 v3
 * certificate with subjectAltName localhost and 127.0.0.1, valid ten years.
 */
#include "emu_tls.h"

#include <errno.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int file_exists(const char *path) {
  struct stat st;

  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int add_ext(X509 *cert, int nid, const char *value) {
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
  ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
  if (!ext)
    return -1;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return 0;
}

static int generate(const char *server_pem, const char *cert_pem, char *err, size_t errcap) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *cert = X509_new();
  X509_NAME *name;
  FILE *f = NULL;
  int rc = -1;

  if (!key || !cert)
    goto out;
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), (long)time(NULL));
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert, key);
  name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"wsgw", -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                             0);
  X509_set_issuer_name(cert, name);
  if (add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") != 0 ||
      add_ext(cert, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
      add_ext(cert, NID_key_usage, "critical,digitalSignature,keyCertSign") != 0 ||
      add_ext(cert, NID_ext_key_usage, "serverAuth") != 0 ||
      add_ext(cert, NID_subject_key_identifier, "hash") != 0)
    goto out;
  if (!X509_sign(cert, key, EVP_sha256()))
    goto out;
  f = fopen(server_pem, "wb");
  if (!f || !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) || !PEM_write_X509(f, cert))
    goto out;
  fclose(f);
  f = fopen(cert_pem, "wb");
  if (!f || !PEM_write_X509(f, cert))
    goto out;
  rc = 0;
out:
  if (f)
    fclose(f);
  if (rc != 0)
    snprintf(err, errcap, "cannot create a TLS certificate in %s", server_pem);
  X509_free(cert);
  EVP_PKEY_free(key);
  return rc;
}

/* civetweb wants the key and the certificate in one file. */
static int combine(const char *cert, const char *key, const char *out, char *err, size_t errcap) {
  const char *parts[2] = {key, cert};
  char buf[8192];
  FILE *o = fopen(out, "wb");
  int i;

  if (!o) {
    snprintf(err, errcap, "cannot write %s: %s", out, strerror(errno));
    return -1;
  }
  for (i = 0; i < 2; i++) {
    FILE *in = fopen(parts[i], "rb");
    size_t n;
    if (!in) {
      snprintf(err, errcap, "cannot read %s: %s", parts[i], strerror(errno));
      fclose(o);
      return -1;
    }
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
      fwrite(buf, 1, n, o);
    fclose(in);
  }
  fclose(o);
  return 0;
}

int emu_tls_prepare(const char *data_dir, const char *user_cert, const char *user_key,
                    char *server_pem, char *cert_pem, size_t cap, char *err, size_t errcap) {
  char dir[4096];

  snprintf(dir, sizeof(dir), "%s/tls", data_dir);
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errcap, "cannot create %s: %s", dir, strerror(errno));
    return -1;
  }
  if (user_cert || user_key) {
    if (!user_cert || !user_key) {
      snprintf(err, errcap, "--tls-cert and --tls-key go together");
      return -1;
    }
    snprintf(server_pem, cap, "%s/user-server.pem", dir);
    snprintf(cert_pem, cap, "%s", user_cert);
    return combine(user_cert, user_key, server_pem, err, errcap);
  }
  snprintf(server_pem, cap, "%s/wsgw-server.pem", dir);
  snprintf(cert_pem, cap, "%s/wsgw-cert.pem", dir);
  if (file_exists(server_pem) && file_exists(cert_pem))
    return 0;
  return generate(server_pem, cert_pem, err, errcap);
}
