/*
 * emu_utf8.c - UTF-8 validation, decoding and counting (see emu_utf8.h).
 *
 * Invariants: emu_utf8_valid(s, n) is 1 exactly when emu_utf8_decode
 * consumes all of s[0..n) in well-formed sequences.
 * Threading: pure functions, no state.
 */
#include "emu_utf8.h"

#include <string.h>

#define HIGH_BITS 0x8080808080808080ull

static int continuation(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

size_t emu_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char b;
  uint32_t c;

  if (n == 0)
    return 0;
  b = s[0];
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  if (b < 0xC2)
    return 0; /* a continuation byte, or an overlong two-byte lead (C0, C1) */
  if (b < 0xE0) {
    if (n < 2 || !continuation(s[1]))
      return 0;
    *cp = (uint32_t)(b & 0x1F) << 6 | (s[1] & 0x3F);
    return 2;
  }
  if (b < 0xF0) {
    if (n < 3 || !continuation(s[1]) || !continuation(s[2]))
      return 0;
    c = (uint32_t)(b & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
      return 0; /* overlong, or a surrogate */
    *cp = c;
    return 3;
  }
  if (b < 0xF5) {
    if (n < 4 || !continuation(s[1]) || !continuation(s[2]) || !continuation(s[3]))
      return 0;
    c = (uint32_t)(b & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 |
        (s[3] & 0x3F);
    if (c < 0x10000 || c > 0x10FFFF)
      return 0;
    *cp = c;
    return 4;
  }
  return 0;
}

int emu_utf8_valid(const void *p, size_t n) {
  const unsigned char *s = p;
  size_t i = 0, k;
  uint32_t cp;

  while (i < n) {
    while (n - i >= 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & HIGH_BITS)
        break;
      i += 8;
    }
    while (i < n && s[i] < 0x80)
      i++;
    if (i == n)
      break;
    k = emu_utf8_decode(s + i, n - i, &cp);
    if (k == 0)
      return 0;
    i += k;
  }
  return 1;
}

size_t emu_utf8_seq_len(const unsigned char *s, size_t n) {
  unsigned char c;
  size_t want, k = 1;

  if (n == 0)
    return 0;
  c = s[0];
  want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  while (k < want && k < n && continuation(s[k]))
    k++;
  return k;
}

size_t emu_utf8_count(const char *s) {
  size_t n = 0;

  for (; *s; s++)
    if (!continuation((unsigned char)*s))
      n++;
  return n;
}
