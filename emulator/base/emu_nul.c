/*
 * emu_nul.c - lengths and order of strings holding C0 80 for U+0000 (see
 * emu_nul.h).
 */
#include "emu_nul.h"

#include <string.h>

#include "emu_utf8.h"

size_t emu_nul_count(const char *s, size_t len) {
  const char *p = s, *end = s + len, *c0;
  size_t n = 0;

  while ((c0 = memchr(p, EMU_NUL_LEAD, (size_t)(end - p))) != NULL) {
    if (c0 + 1 < end && (unsigned char)c0[1] == EMU_NUL_TRAIL) {
      n++;
      p = c0 + 2;
    } else {
      p = c0 + 1;
    }
  }
  return n;
}

size_t emu_nul_strlen(const char *s) {
  size_t len = strlen(s);

  return len - emu_nul_count(s, len);
}

/* The rank of the character at p: -1 for the end, 0 for C0 80, else the
 * byte value + 1 (0x01 -> 2 ... 0xFF -> 256). */
static int rank_at(const unsigned char *p) {
  if (*p == 0)
    return -1;
  if (*p == EMU_NUL_LEAD && p[1] == EMU_NUL_TRAIL)
    return 0;
  return *p + 1;
}

int emu_nul_strcmp(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  size_t i = 0;

  while (x[i] == y[i] && x[i] != 0)
    i++;
  if (x[i] == y[i])
    return 0;
  /* The first difference may be the trail byte of a pair on one side only
   * (a lone C0 on the other): then compare from the shared C0, which starts
   * a character (C0 is never a continuation byte). */
  if (i > 0 && x[i - 1] == EMU_NUL_LEAD && (x[i] == EMU_NUL_TRAIL || y[i] == EMU_NUL_TRAIL))
    i--;
  return rank_at(x + i) - rank_at(y + i);
}

size_t emu_nul_encode(char *dst, const char *src, size_t len) {
  size_t o = 0;

  for (size_t i = 0; i < len; i++) {
    if (src[i] == '\0') {
      dst[o++] = (char)EMU_NUL_LEAD;
      dst[o++] = (char)EMU_NUL_TRAIL;
    } else {
      dst[o++] = src[i];
    }
  }
  dst[o] = '\0';
  return o;
}

size_t emu_nul_decode(char *dst, const char *src, size_t len) {
  size_t o = 0;

  for (size_t i = 0; i < len; i++) {
    if ((unsigned char)src[i] == EMU_NUL_LEAD && i + 1 < len &&
        (unsigned char)src[i + 1] == EMU_NUL_TRAIL) {
      dst[o++] = '\0';
      i++;
    } else {
      dst[o++] = src[i];
    }
  }
  dst[o] = '\0';
  return o;
}

int emu_nul_utf8_valid(const char *s, size_t len) {
  const char *p = s, *end = s + len;

  while (p < end) {
    const char *lead = memchr(p, (int)EMU_NUL_LEAD, (size_t)(end - p));
    /* The bytes before a C0 end on a sequence boundary when they are
     * valid, since C0 is no continuation byte. */
    if (!lead)
      return emu_utf8_valid(p, (size_t)(end - p));
    if (!emu_utf8_valid(p, (size_t)(lead - p)) || end - lead < 2 ||
        (unsigned char)lead[1] != EMU_NUL_TRAIL)
      return 0;
    p = lead + 2;
  }
  return 1;
}
