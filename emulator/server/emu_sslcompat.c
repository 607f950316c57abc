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
 *
 * SSL_read is wrapped too, for the same reason recv is in emu_guard.c: the
 * bytes civetweb reads over TLS pass through emu_guard_after_read (the
 * request-head budget and the WebSocket frame cap). That function lives in
 * the executable (wsgw_core's emu_guard.c), which exports it because this
 * library references it; the reference is weak, so a program without it
 * reads unguarded.
 */
/* RTLD_NEXT */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>

#include <openssl/ssl.h>

/* OpenSSL 3's header maps the old name onto the new one; undo that so the
 * old name is the one defined and exported here. */
#undef SSL_get_peer_certificate

X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s) {
  return SSL_get1_peer_certificate(s);
}

long emu_guard_after_read(int fd, const void *buf, long n) __attribute__((weak));

typedef int ssl_read_fn(SSL *, void *, int);

int SSL_read(SSL *s, void *buf, int num) {
  static ssl_read_fn *real;
  ssl_read_fn *fn = __atomic_load_n(&real, __ATOMIC_RELAXED);
  int n;

  /* A benign race: every thread stores the same pointer. */
  if (!fn) {
    void *sym = dlsym(RTLD_NEXT, "SSL_read");
    if (!sym)
      return -1;
    memcpy(&fn, &sym, sizeof(fn));
    __atomic_store_n(&real, fn, __ATOMIC_RELAXED);
  }
  n = fn(s, buf, num);
  if (emu_guard_after_read)
    n = (int)emu_guard_after_read(SSL_get_fd(s), buf, n);
  return n;
}
