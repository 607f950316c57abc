/*
 * emu_json.h - JSON helpers: the depth guard for threads with small stacks,
 * and adding members under literal keys without copying them.
 *
 * civetweb runs request and websocket callbacks on worker threads whose
 * stack Debian's build fixes at 100 KB (CIVETWEB_THREAD_STACK_SIZE), while
 * cJSON parses recursively up to 1000 levels: a hostile document would
 * overflow the stack before cJSON's own limit applies. Every cJSON parse of
 * client input on a civetweb thread first checks the nesting depth with
 * this iterative scan.
 *
 * U+0000 inside strings (see emu_nul.h): cJSON ends a string at its first
 * NUL, so the DynamoDB API rewrites each \u0000 escape inside a JSON string
 * into the two bytes C0 80 before cJSON parses the text
 * (emu_json_nul_unescape), and turns C0 80 back into \u0000 in every JSON
 * text it answers (emu_json_nul_escape). emu_json_scan finds, in the same
 * pass as the depth check, whether a text needs the rewrite and whether it
 * holds raw C0/C1 bytes (never valid UTF-8), which would make the encoding
 * ambiguous.
 * emu_json_int converts a JSON number to an integer only after checking its
 * range.
 * Threading: pure.
 */
#ifndef EMU_JSON_H
#define EMU_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_buf.h"

/* Deepest nesting accepted from clients. DynamoDB documents nest at most 32
 * AttributeValue levels (about 70 JSON levels with the request around them). */
#define EMU_JSON_MAX_DEPTH 128

/* 1 when the text nests objects/arrays deeper than max (strings and escapes
 * are skipped), else 0. Bounded by len, no recursion. */
int emu_json_too_deep(const char *text, size_t len, int max);

/* What emu_json_scan found (a mask). */
#define EMU_JSON_TOO_DEEP 1u   /* nests deeper than max (the scan stops there) */
#define EMU_JSON_NUL_ESCAPE 2u /* a \u0000 escape inside a string */
#define EMU_JSON_RAW_C0C1 4u   /* a raw byte 0xC0 or 0xC1 inside a string */
/* One pass over text: the depth check of emu_json_too_deep, plus the
 * U+0000 findings above. A backslash escapes the next character, so
 * "\\u0000" (an escaped backslash, then "u0000") is no NUL; a truncated
 * escape is no NUL either (cJSON then rejects the text). */
unsigned emu_json_scan(const char *text, size_t len, int max);
/* Copies len bytes of JSON text from src to dst, rewriting every \u0000
 * escape inside a string as the bytes C0 80, and NUL-terminates dst. dst
 * has room for len + 1 bytes (the text never grows; dst == src is allowed).
 * Returns the new length. */
size_t emu_json_nul_unescape(char *dst, const char *src, size_t len);
/* Parses len bytes of JSON text with each \u0000 escape inside a string
 * kept as C0 80. found: emu_json_scan's result for the text; the text is
 * rewritten (on a copy) only when it has EMU_JSON_NUL_ESCAPE. NULL when the
 * text is not one JSON document (bytes other than JSON whitespace after
 * it, "{} xx", count as not) or memory runs out. */
cJSON *emu_json_parse_nul(const char *text, size_t len, unsigned found);
/* Appends printed JSON text to out with every byte pair C0 80 written as
 * the escape \u0000 (a printed text holds raw bytes only inside strings).
 * Costs a memchr when the text has no 0xC0 byte. 0, or -1 at out's limit. */
int emu_json_nul_escape(struct emu_buf *out, const char *text, size_t len);

/* Adds v to o under key, a string literal (or other text that outlives o),
 * without copying the key (cJSON's CS call; cJSON_Delete and cJSON_Duplicate
 * honour the flag). Events and log entries are built per message, and key
 * copies were half of an event's allocations (make profile). Returns v;
 * nothing is added when v is NULL. */
cJSON *emu_json_add_const(cJSON *o, const char *key, cJSON *v);

/* 1 when v is a JSON number from lo to hi, with *out its value truncated
 * toward zero; else 0 and *out untouched. The range is checked on the
 * double first: converting a double outside the integer type's range is
 * undefined (UBSan's float-cast-overflow), and a JSON number may be 1e300.
 * Every conversion of a JSON number to an integer goes through here. */
int emu_json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *out);

#endif
