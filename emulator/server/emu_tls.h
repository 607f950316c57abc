/*
 * emu_tls.h - the TLS certificate of the wss:// and https:// listener.
 *
 * With --tls-cert/--tls-key the user's files are used. Otherwise a
 * self-signed certificate for localhost and 127.0.0.1 is generated at
 * first start and kept in the data directory (tls/), so clients can trust
 * it once:
 *   tls/wsgw-cert.pem   the certificate alone (NODE_EXTRA_CA_CERTS, browsers)
 *   tls/wsgw-server.pem key + certificate, as civetweb's ssl_certificate wants
 * The listener speaks TLS 1.2 and 1.3 only; TLS 1.2 with the suites below
 * (emu_server sets civetweb's ssl_protocol_version and ssl_cipher_list).
 * Threading: start-up only.
 */
#ifndef EMU_TLS_H
#define EMU_TLS_H

#include <stddef.h>

/* The TLS 1.2 cipher suites: ECDHE key exchange, AES-GCM or ChaCha20-Poly1305
 * (ECDSA for the generated certificate, RSA for a user's). */
#define EMU_TLS_CIPHERS                                                                      \
  "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:" \
  "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

/* Writes the path of the key+certificate PEM civetweb should load into
 * server_pem, and of the certificate alone into cert_pem. Returns 0, or -1
 * with one line in err. */
int emu_tls_prepare(const char *data_dir, const char *user_cert, const char *user_key,
                    char *server_pem, char *cert_pem, size_t cap, char *err, size_t errcap);

#endif
