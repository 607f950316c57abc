/*
 * store_keycodec.c - order-preserving key encodings (layout and invariants
 * in store_keycodec.h).
 */
#include "store_keycodec.h"

#include "dynamo_number.h"
#include "emu_nul.h"

/* text: the value is a string, where the pair C0 80 stands for the byte
 * 0x00 (emu_nul.h) and is encoded as one. */
static int append_escaped(struct emu_buf *out, const unsigned char *p, size_t len, int text) {
  static const unsigned char esc[2] = {0x00, 0xFF}, term[2] = {0x00, 0x01};
  size_t i, run = 0;

  for (i = 0; i < len; i++) {
    if (p[i] == 0x00 ||
        (text && p[i] == EMU_NUL_LEAD && i + 1 < len && p[i + 1] == EMU_NUL_TRAIL)) {
      if (emu_buf_append(out, p + run, i - run) != 0 || emu_buf_append(out, esc, 2) != 0)
        return -1;
      if (p[i] != 0x00)
        i++;
      run = i + 1;
    }
  }
  if (emu_buf_append(out, p + run, len - run) != 0)
    return -1;
  return emu_buf_append(out, term, 2);
}

static int append_number(struct emu_buf *out, const char *text, size_t len) {
  struct dynamo_number n;
  unsigned char b[3 + DYNAMO_NUMBER_MAX_DIGITS + 1];
  size_t k = 0;
  int i, neg, e;

  if (dynamo_number_parse(text, len, &n) != DYNAMO_NUMBER_OK)
    return -1;
  if (n.sign == 0) {
    b[0] = 0x80;
    return emu_buf_append(out, b, 1);
  }
  neg = n.sign < 0;
  e = n.exp + 256; /* exponent range is about -130..126: always 1..511 */
  b[k++] = neg ? 0x40 : 0xC0;
  b[k++] = (unsigned char)(e >> 8);
  b[k++] = (unsigned char)(e & 0xFF);
  for (i = 0; i < n.ndigits; i++)
    b[k++] = (unsigned char)(n.digits[i] + 1);
  b[k++] = 0x00;
  if (neg)
    for (i = 1; i < (int)k; i++)
      b[i] = (unsigned char)(0xFF - b[i]);
  return emu_buf_append(out, b, k);
}

int store_keycodec_append(struct emu_buf *out, char type, const char *value, size_t len) {
  if (type == 'N')
    return append_number(out, value, len);
  return append_escaped(out, (const unsigned char *)value, len, type == 'S');
}

size_t store_keycodec_len(char type, const unsigned char *p, size_t len) {
  size_t i;

  if (type == 'N') {
    unsigned char term;
    if (len >= 1 && p[0] == 0x80)
      return 1;
    if (len < 4)
      return 0;
    term = p[0] == 0x40 ? 0xFF : 0x00; /* negatives are inverted */
    for (i = 3; i < len; i++)
      if (p[i] == term)
        return i + 1;
    return 0;
  }
  for (i = 0; i + 1 < len; i++) {
    if (p[i] != 0x00)
      continue;
    if (p[i + 1] == 0x01)
      return i + 2;
    i++; /* 0x00 0xFF: an escaped zero */
  }
  return 0;
}

uint64_t store_keycodec_hash(const void *pk_enc, size_t pk_len) {
  const unsigned char *p = pk_enc;
  uint64_t h = 14695981039346656037ull;
  size_t i;

  for (i = 0; i < pk_len; i++)
    h = (h ^ p[i]) * 1099511628211ull;
  /* splitmix64 finalizer: spreads FNV's weak high bits. */
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return h;
}

int store_keycodec_header(struct emu_buf *out, uint32_t table_id, uint8_t space, const void *pk_enc,
                          size_t pk_len) {
  unsigned char b[STORE_KEY_HEADER];
  uint64_t h = store_keycodec_hash(pk_enc, pk_len);
  int i;

  b[0] = (unsigned char)(table_id >> 24);
  b[1] = (unsigned char)(table_id >> 16);
  b[2] = (unsigned char)(table_id >> 8);
  b[3] = (unsigned char)table_id;
  b[4] = space;
  for (i = 0; i < 8; i++)
    b[5 + i] = (unsigned char)(h >> (56 - 8 * i));
  return emu_buf_append(out, b, sizeof(b));
}
