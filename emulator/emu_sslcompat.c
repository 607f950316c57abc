/*
 * emu_sslcompat.c - makes Debian 12's civetweb TLS work with OpenSSL 3.
 *
 * Debian builds civetweb 1.15 for the OpenSSL 1.1 API and loads libssl at
 * run time with dlopen("libssl.so"), which is OpenSSL 3 on Debian 12. It
 * looks up SSL_get_peer_certificate, which OpenSSL 3 renamed to
 * SSL_get1_peer_certificate (same semantics: a new reference), so civetweb
 * calls a NULL pointer on every TLS accept and the process crashes.
 *
 * This file is built as a tiny shared library whose SONAME is "libssl.so"
 * and which depends on the real libssl.so.3. The wsgw executable links it,
 * so it is loaded at start; dlopen("libssl.so") then finds it by SONAME
 * among the loaded objects, and dlsym on that handle searches it and its
 * dependencies: the old name resolves here, everything else in libssl.so.3.
 */
#include <openssl/ssl.h>

/* OpenSSL 3's header maps the old name onto the new one; undo that so the
 * old name is the one defined and exported here. */
#undef SSL_get_peer_certificate

X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s) { return SSL_get1_peer_certificate(s); }
