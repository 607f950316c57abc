/*
 * emu_base64.c - strict standard base64 decoding and standard / URL-safe
 * encoding (RFC 4648 sections 4 and 5, always with '=' padding).
 *
 * Invariants: decode accepts exactly the strings encode(…, 0) produces:
 * length a multiple of 4, alphabet A-Z a-z 0-9 + /, at most two '=' and
 * only at the end, and zero bits in the unused low bits of the last
 * character (RFC 4648 3.5 "canonical encoding"). So two valid encodings are
 * byte-equal exactly when the decoded data is.
 * Ownership: results are malloc'd; the caller frees them.
 * Threading: pure functions, no shared state.
 */
#include "emu_base64.h"

#include <stdint.h>
#include <stdlib.h>

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of a standard-alphabet character, or -1. */
static int sextet(unsigned char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

int emu_base64_decode(const char *in, size_t len, unsigned char **out, size_t *out_len) {
  const unsigned char *s = (const unsigned char *)in;
  size_t pads = 0, groups, i, o = 0;
  unsigned char *buf;

  *out = NULL;
  *out_len = 0;
  if (len % 4 != 0 || (len > 0 && !in))
    return -1;
  /* RFC 4648 3.3: padding only at the end, at most two characters. */
  if (len > 0 && s[len - 1] == '=')
    pads++;
  if (len > 1 && s[len - 2] == '=')
    pads++;
  groups = len / 4;
  buf = malloc(groups * 3 + 1);
  if (!buf)
    return -1;
  for (i = 0; i < groups; i++) {
    const unsigned char *q = s + i * 4;
    int last = i + 1 == groups;
    int v0 = sextet(q[0]), v1 = sextet(q[1]);
    int v2 = (last && pads == 2) ? 0 : sextet(q[2]);
    int v3 = (last && pads >= 1) ? 0 : sextet(q[3]);
    uint32_t bits;

    if (v0 < 0 || v1 < 0 || v2 < 0 || v3 < 0)
      goto bad; /* a character outside the alphabet, or '=' in the middle */
    bits = (uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 | (uint32_t)v3;
    buf[o++] = (unsigned char)(bits >> 16);
    if (last && pads == 2) {
      if (bits & 0xFFFFu)
        goto bad; /* RFC 4648 3.5: non-zero pad bits ("QR==") */
      break;
    }
    buf[o++] = (unsigned char)(bits >> 8);
    if (last && pads == 1) {
      if (bits & 0xFFu)
        goto bad; /* non-zero pad bits ("QUJ=") */
      break;
    }
    buf[o++] = (unsigned char)bits;
  }
  buf[o] = '\0';
  *out = buf;
  *out_len = o;
  return 0;

bad:
  free(buf);
  return -1;
}

char *emu_base64_encode(const unsigned char *in, size_t len, int url_safe) {
  const char *abc = url_safe ? url_alphabet : std_alphabet;
  size_t groups, i, o = 0;
  char *out;

  if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
    return NULL; /* output length would overflow size_t */
  groups = (len + 2) / 3;
  out = malloc(groups * 4 + 1);
  if (!out)
    return NULL;
  for (i = 0; i + 3 <= len; i += 3) {
    uint32_t bits = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

    out[o++] = abc[bits >> 18 & 63];
    out[o++] = abc[bits >> 12 & 63];
    out[o++] = abc[bits >> 6 & 63];
    out[o++] = abc[bits & 63];
  }
  if (len - i == 1) {
    uint32_t bits = (uint32_t)in[i] << 16;

    out[o++] = abc[bits >> 18 & 63];
    out[o++] = abc[bits >> 12 & 63];
    out[o++] = '=';
    out[o++] = '=';
  } else if (len - i == 2) {
    uint32_t bits = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

    out[o++] = abc[bits >> 18 & 63];
    out[o++] = abc[bits >> 12 & 63];
    out[o++] = abc[bits >> 6 & 63];
    out[o++] = '=';
  }
  out[o] = '\0';
  return out;
}
