/*
 * emu_utf8.h - UTF-8 (RFC 3629): validation, decoding one code point,
 * measuring one sequence, counting code points. The tree's one UTF-8 code.
 *
 * Well-formed means RFC 3629 section 4: no overlong forms, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF. Note that the DynamoDB layer's
 * U+0000 pair C0 80 (emu_nul.h) is an overlong form, so not well-formed.
 * Threading: pure functions.
 */
#ifndef EMU_UTF8_H
#define EMU_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* 1 when s[0..n) is well-formed UTF-8, else 0. ASCII runs are checked eight
 * bytes at a time (the gateway validates every text message). */
int emu_utf8_valid(const void *s, size_t n);
/* Decodes the well-formed sequence at s[0..n): its length (1..4) with *cp
 * set, or 0 when it is malformed or cut short by n. */
size_t emu_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* Length of the sequence starting at s[0] as its lead byte announces it,
 * cut at the first byte that is not a continuation byte and at n: at least
 * 1 when n > 0. For showing one character of possibly malformed text. */
size_t emu_utf8_seq_len(const unsigned char *s, size_t n);
/* Code points in the NUL-terminated s (AWS's unit for length constraints):
 * the bytes that are not continuation bytes. */
size_t emu_utf8_count(const char *s);

#endif
