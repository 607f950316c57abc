/*
 * emu_buf.h - a growable byte buffer with a hard size cap.
 *
 * Purpose: every place that accumulates bytes of unknown length (response
 * bodies, encoded keys, serialized items) uses one buffer type whose growth is
 * bounded, so no input can make the process allocate without limit.
 *
 * Invariants: data is NUL-terminated whenever len > 0 or after any append
 * (one spare byte is always kept), len <= limit. After a failed append the
 * buffer is left unchanged and still usable.
 * Ownership: the buffer owns data; emu_buf_free releases it; emu_buf_take
 * hands it to the caller (free with free()).
 * Threading: none; a buffer belongs to one thread at a time.
 */
#ifndef EMU_BUF_H
#define EMU_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct emu_buf {
  char *data;   /* NULL until the first append */
  size_t len;   /* bytes used, excluding the terminating NUL */
  size_t cap;   /* bytes allocated */
  size_t limit; /* the largest len allowed */
};

void emu_buf_init(struct emu_buf *b, size_t limit);
/* Each append returns 0, or -1 when the limit would be exceeded or memory is
 * exhausted (the buffer is then unchanged). */
int emu_buf_append(struct emu_buf *b, const void *p, size_t n);
/* Makes room for n more bytes in one allocation (0, or -1 as append). */
int emu_buf_reserve(struct emu_buf *b, size_t n);
int emu_buf_putc(struct emu_buf *b, char c);
int emu_buf_puts(struct emu_buf *b, const char *s);
int emu_buf_printf(struct emu_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int emu_buf_vprintf(struct emu_buf *b, const char *fmt, va_list ap);
void emu_buf_reset(struct emu_buf *b); /* len = 0, keeps the memory */
char *emu_buf_take(struct emu_buf *b); /* returns data ("" if empty), resets */
void emu_buf_free(struct emu_buf *b);

#endif
