/*
 * emu_json.c - the nesting-depth and U+0000 pre-scan, the \u0000 <-> C0 80
 * rewrites, the literal-key adder and the range-checked integer read (see
 * emu_json.h).
 */
#include "emu_json.h"

#include <stdlib.h>
#include <string.h>

#include "emu_nul.h"

/* p[i] is a backslash inside a string: whether "\u0000" starts there. */
static int nul_escape_at(const char *p, size_t i, size_t len) {
  return len - i >= 6 && memcmp(p + i + 1, "u0000", 5) == 0;
}

/* Bytes that end a run of ordinary string bytes: the quote, the backslash,
 * and C0/C1. The scan skips the rest of a string a byte per table lookup,
 * which keeps it as fast as the depth scan was before it looked for NULs. */
static const unsigned char string_stop[256] = {
    ['"'] = 1,
    ['\\'] = 1,
    [0xC0] = 1,
    [0xC1] = 1,
};

unsigned emu_json_scan(const char *text, size_t len, int max) {
  const unsigned char *p = (const unsigned char *)text;
  unsigned found = 0;
  size_t i;
  int depth = 0;

  for (i = 0; i < len; i++) {
    unsigned char ch = p[i];
    if (ch == '"') {
      /* A string: up to its closing quote (or the end of the text). */
      for (i++; i < len; i++) {
        while (i < len && !string_stop[p[i]])
          i++;
        if (i >= len || p[i] == '"')
          break;
        if (p[i] == '\\') {
          if (nul_escape_at(text, i, len))
            found |= EMU_JSON_NUL_ESCAPE;
          i++;
        } else {
          found |= EMU_JSON_RAW_C0C1;
        }
      }
    } else if (ch == '{' || ch == '[') {
      if (++depth > max)
        return found | EMU_JSON_TOO_DEEP;
    } else if ((ch == '}' || ch == ']') && depth > 0) {
      depth--;
    }
  }
  return found;
}

int emu_json_too_deep(const char *p, size_t len, int max) {
  return (emu_json_scan(p, len, max) & EMU_JSON_TOO_DEEP) != 0;
}

size_t emu_json_nul_unescape(char *dst, const char *src, size_t len) {
  size_t i, o = 0;
  int in_string = 0;

  /* o <= i throughout, so dst == src is safe. */
  for (i = 0; i < len; i++) {
    char ch = src[i];
    if (in_string && ch == '\\') {
      if (nul_escape_at(src, i, len)) {
        dst[o++] = (char)EMU_NUL_LEAD;
        dst[o++] = (char)EMU_NUL_TRAIL;
        i += 5;
        continue;
      }
      dst[o++] = ch;
      if (i + 1 < len)
        dst[o++] = src[++i];
      continue;
    }
    if (ch == '"')
      in_string = !in_string;
    dst[o++] = ch;
  }
  dst[o] = '\0';
  return o;
}

/* One JSON document: bytes after it other than JSON whitespace ("{} xx")
 * make the text something else, so it is refused (NULL). */
static cJSON *parse_document(const char *text, size_t len) {
  const char *end = NULL, *stop = text + len;
  cJSON *o = cJSON_ParseWithLengthOpts(text, len, &end, 0);

  if (o && end) {
    while (end < stop && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
      end++;
    if (end != stop) {
      cJSON_Delete(o);
      o = NULL;
    }
  }
  return o;
}

cJSON *emu_json_parse_nul(const char *text, size_t len, unsigned found) {
  char *copy;
  cJSON *o;

  if (!(found & EMU_JSON_NUL_ESCAPE))
    return parse_document(text, len);
  if ((copy = malloc(len + 1)) == NULL)
    return NULL;
  len = emu_json_nul_unescape(copy, text, len);
  o = parse_document(copy, len);
  free(copy);
  return o;
}

int emu_json_nul_escape(struct emu_buf *out, const char *text, size_t len) {
  const char *p = text, *end = text + len, *c0;

  while ((c0 = memchr(p, EMU_NUL_LEAD, (size_t)(end - p))) != NULL) {
    if (c0 + 1 < end && (unsigned char)c0[1] == EMU_NUL_TRAIL) {
      if (emu_buf_append(out, p, (size_t)(c0 - p)) != 0 || emu_buf_append(out, "\\u0000", 6) != 0)
        return -1;
      p = c0 + 2;
    } else {
      if (emu_buf_append(out, p, (size_t)(c0 + 1 - p)) != 0)
        return -1;
      p = c0 + 1;
    }
  }
  return emu_buf_append(out, p, (size_t)(end - p));
}

cJSON *emu_json_add_const(cJSON *o, const char *key, cJSON *v) {
  if (v)
    cJSON_AddItemToObjectCS(o, key, v);
  return v;
}

int emu_json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *out) {
  /* 2^63: the first double above every int64_t. (double)hi may round up to
   * it, so the result is clamped to [lo, hi] after the conversion. */
  const double limit = 9223372036854775808.0;
  double d;
  int64_t n;

  if (!cJSON_IsNumber(v))
    return 0;
  d = v->valuedouble;
  if (!(d >= (double)lo && d <= (double)hi && d > -limit && d < limit))
    return 0; /* also NaN */
  n = (int64_t)d;
  *out = n < lo ? lo : n > hi ? hi : n;
  return 1;
}
