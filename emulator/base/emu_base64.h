/*
 * emu_base64.h - standard base64 (RFC 4648 section 4, with padding) and the
 * URL-safe alphabet used for API Gateway ids.
 *
 * Ownership: decode/encode allocate with malloc; the caller frees.
 * Threading: pure functions.
 */
#ifndef EMU_BASE64_H
#define EMU_BASE64_H

#include <stddef.h>

/* Strict decode of standard base64 (length multiple of 4, '=' padding only at
 * the end). Returns 0 and a malloc'd buffer (NUL-terminated for convenience,
 * *out_len excludes it), or -1 for invalid input. */
int emu_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);
/* Encodes to standard (url_safe = 0) or URL-safe (url_safe = 1, '-' and '_')
 * base64 with '=' padding. Returns a malloc'd NUL-terminated string. */
char *emu_base64_encode(const unsigned char *in, size_t len, int url_safe);

#endif
