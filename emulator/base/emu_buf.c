/*
 * emu_buf.c - growable byte buffer with a hard cap (see emu_buf.h).
 *
 * Growth doubles the allocation, clamped to limit + 1 (the NUL byte).
 */
#include "emu_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void emu_buf_init(struct emu_buf *b, size_t limit) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->limit = limit;
}

static int buf_reserve(struct emu_buf *b, size_t extra) {
  size_t need, ncap;
  char *p;

  if (extra > b->limit || b->len > b->limit - extra)
    return -1;
  need = b->len + extra + 1;
  if (need <= b->cap)
    return 0;
  ncap = b->cap ? b->cap : 64;
  while (ncap < need)
    ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
  if (ncap > b->limit + 1)
    ncap = b->limit + 1;
  p = realloc(b->data, ncap);
  if (!p)
    return -1;
  b->data = p;
  b->cap = ncap;
  return 0;
}

int emu_buf_reserve(struct emu_buf *b, size_t n) {
  return buf_reserve(b, n);
}

int emu_buf_append(struct emu_buf *b, const void *p, size_t n) {
  if (buf_reserve(b, n) != 0)
    return -1;
  if (n)
    memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int emu_buf_putc(struct emu_buf *b, char c) {
  return emu_buf_append(b, &c, 1);
}

int emu_buf_puts(struct emu_buf *b, const char *s) {
  return emu_buf_append(b, s, strlen(s));
}

int emu_buf_vprintf(struct emu_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  int n;

  va_copy(ap2, ap);
  n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0 || buf_reserve(b, (size_t)n) != 0)
    return -1;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return 0;
}

int emu_buf_printf(struct emu_buf *b, const char *fmt, ...) {
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = emu_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

void emu_buf_reset(struct emu_buf *b) {
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

char *emu_buf_take(struct emu_buf *b) {
  char *d = b->data;

  if (!d)
    d = calloc(1, 1);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return d;
}

void emu_buf_free(struct emu_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}
