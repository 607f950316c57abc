/*
 * emu_nul.h - U+0000 inside C strings: the two-byte form C0 80.
 *
 * DynamoDB strings (keys, values, attribute names) may hold U+0000, but
 * cJSON (Debian's, with no length on strings) ends a string at its first
 * NUL byte. Inside wsgw a U+0000 is therefore the byte pair C0 80, as in
 * Java's "modified UTF-8": C0 and C1 never occur in valid UTF-8, so the
 * pair is unambiguous, and strlen, strcmp, the cJSON getters and LMDB's
 * stored JSON text all carry it untouched. emu_json.h converts at the
 * edges (\u0000 in a request -> C0 80; C0 80 -> \u0000 in every answer).
 *
 * Where a string's length or order is what DynamoDB defines (key and item
 * sizes, size(), comparisons, the key codec), C0 80 counts as the one byte
 * 0x00: these helpers say so.
 * Invariants: strings are NUL-terminated; a lone 0xC0 (not followed by
 * 0x80) is an ordinary byte. Threading: pure.
 */
#ifndef EMU_NUL_H
#define EMU_NUL_H

#include <stddef.h>

#define EMU_NUL_LEAD 0xC0u
#define EMU_NUL_TRAIL 0x80u

/* The number of C0 80 pairs in the first len bytes of s. */
size_t emu_nul_count(const char *s, size_t len);
/* The length of s in UTF-8 bytes as DynamoDB counts them: strlen, with each
 * C0 80 counted as one byte. */
size_t emu_nul_strlen(const char *s);
/* strcmp on the UTF-8 bytes the strings stand for: C0 80 is the byte 0x00,
 * which sorts before every other byte and after the end of the string.
 * Returns <0, 0 or >0. */
int emu_nul_strcmp(const char *a, const char *b);
/* Raw bytes to the C string form: copies len bytes of src to dst with each
 * byte 0x00 written as C0 80, and NUL-terminates dst, which has room for
 * len + (the number of 0x00 bytes) + 1 bytes. Returns the new length. */
size_t emu_nul_encode(char *dst, const char *src, size_t len);
/* The reverse: each C0 80 in the len bytes of src becomes the byte 0x00
 * (dst == src is allowed; dst has room for len + 1). Returns the new
 * length (bytes may then include 0x00). */
size_t emu_nul_decode(char *dst, const char *src, size_t len);
/* 1 when the len bytes of s are well-formed UTF-8 (emu_utf8.h) once each
 * C0 80 pair stands for U+0000, else 0: the check for text that is in
 * this form. */
int emu_nul_utf8_valid(const char *s, size_t len);

#endif
