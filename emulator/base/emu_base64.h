/*
 * emu_base64.h - standard base64 (RFC 4648 section 4, with padding) and the
 * URL-safe alphabet used for API Gateway ids: the tree's one base64.
 *
 * Ownership: decode/encode allocate with malloc; the caller frees.
 * emu_base64_encode_into writes into the caller's buffer.
 * Threading: pure functions.
 */
#ifndef EMU_BASE64_H
#define EMU_BASE64_H

#include <stddef.h>

/* Characters encoding n bytes (padded), without the NUL. */
#define EMU_BASE64_ENCODED_LEN(n) (((n) + 2) / 3 * 4)

/* Strict decode of standard base64 (length multiple of 4, '=' padding only at
 * the end). Returns 0 and a malloc'd buffer (NUL-terminated for convenience,
 * *out_len excludes it), or -1 for invalid input. */
int emu_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len);
/* Whether in[0..len) is what emu_base64_decode accepts: canonical standard
 * base64 (the strings emu_base64_encode(..., 0) produces). */
int emu_base64_is_canonical(const char *in, size_t len);
/* Bytes that canonical base64 text of length len decodes to, without
 * decoding it (for other text: len / 4 * 3 less its trailing '='s). */
size_t emu_base64_decoded_len(const char *in, size_t len);
/* The 6-bit value of a standard-alphabet character, or -1 ('=' included). */
int emu_base64_sextet(unsigned char c);
/* Encodes to standard (url_safe = 0) or URL-safe (url_safe = 1, '-' and '_')
 * base64 with '=' padding. Returns a malloc'd NUL-terminated string. */
char *emu_base64_encode(const unsigned char *in, size_t len, int url_safe);
/* The same into out, which holds EMU_BASE64_ENCODED_LEN(len) + 1 bytes;
 * returns the length written (without the NUL). */
size_t emu_base64_encode_into(const unsigned char *in, size_t len, char *out, int url_safe);

#endif
