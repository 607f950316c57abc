/*
 * fuzz_codec.c - libFuzzer target: the number codec (dynamo_number) and the
 * key codec (store_keycodec), as properties.
 *
 * Input: two values separated by the first newline (without one, the input
 * is split in half). Properties checked:
 *  - a number that parses formats to text that parses to an equal number
 *    and formats identically (round trip, normal form);
 *  - (a + b) - b == a whenever both operations succeed;
 *  - enc(N a) vs enc(N b) in byte order agrees with dynamo_number_compare,
 *    and equal numbers encode identically;
 *  - enc(B a) vs enc(B b) agrees with the byte order of a and b, and
 *    store_keycodec_len finds the end of every encoding (N, S and B), also
 *    when another encoding follows it.
 * Ownership: buffers are freed before returning.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_number.h"
#include "emu_buf.h"
#include "store_keycodec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUF_LIMIT ((size_t)1 << 26)

static int sign(int v) {
  return (v > 0) - (v < 0);
}

static int bytes_compare(const void *a, size_t alen, const void *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);
  if (c != 0) {
    return sign(c);
  }
  return (alen > blen) - (alen < blen);
}

static void check(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "property violated: %s\n", what);
    abort();
  }
}

/* Round trip and normal form of one parsed number. */
static void check_round_trip(const struct dynamo_number *n) {
  char text[DYNAMO_NUMBER_TEXT_MAX + 1], again[DYNAMO_NUMBER_TEXT_MAX + 1];
  struct dynamo_number m;
  size_t len = dynamo_number_format(n, text, sizeof(text));
  check(len > 0 && len <= DYNAMO_NUMBER_TEXT_MAX, "format length");
  check(dynamo_number_parse(text, len, &m) == DYNAMO_NUMBER_OK, "formatted text parses");
  check(dynamo_number_compare(n, &m) == 0, "round trip keeps the value");
  check(dynamo_number_format(&m, again, sizeof(again)) == len && memcmp(text, again, len) == 0,
        "normal form is stable");
}

/* The encoding's length is found by store_keycodec_len, alone and with a
 * second encoding after it. */
static void check_len(char type, const struct emu_buf *enc, const struct emu_buf *next) {
  struct emu_buf both;
  check(store_keycodec_len(type, (const unsigned char *)enc->data, enc->len) == enc->len,
        "store_keycodec_len of one encoding");
  emu_buf_init(&both, FUZZ_BUF_LIMIT);
  if (emu_buf_append(&both, enc->data, enc->len) == 0 &&
      emu_buf_append(&both, next->data, next->len) == 0) {
    check(store_keycodec_len(type, (const unsigned char *)both.data, both.len) == enc->len,
          "store_keycodec_len with an encoding after it");
  }
  emu_buf_free(&both);
}

static void check_numbers(const char *a, size_t alen, const char *b, size_t blen) {
  struct dynamo_number na, nb, sum, back;
  struct emu_buf ea, eb;
  int pa = dynamo_number_parse(a, alen, &na) == DYNAMO_NUMBER_OK;
  int pb = dynamo_number_parse(b, blen, &nb) == DYNAMO_NUMBER_OK;
  emu_buf_init(&ea, FUZZ_BUF_LIMIT);
  emu_buf_init(&eb, FUZZ_BUF_LIMIT);
  check((store_keycodec_append(&ea, 'N', a, alen) == 0) == pa, "enc(N) accepts what parses");
  check((store_keycodec_append(&eb, 'N', b, blen) == 0) == pb, "enc(N) accepts what parses");
  if (pa) {
    check_round_trip(&na);
  }
  if (pb) {
    check_round_trip(&nb);
  }
  if (pa && pb) {
    int c = sign(dynamo_number_compare(&na, &nb));
    check(c == -sign(dynamo_number_compare(&nb, &na)), "compare is antisymmetric");
    check(bytes_compare(ea.data, ea.len, eb.data, eb.len) == c, "enc(N) preserves order");
    check_len('N', &ea, &eb);
    if (dynamo_number_add(&na, &nb, &sum) == DYNAMO_NUMBER_OK) {
      check_round_trip(&sum);
      if (dynamo_number_sub(&sum, &nb, &back) == DYNAMO_NUMBER_OK) {
        check(dynamo_number_compare(&back, &na) == 0, "(a + b) - b == a");
      }
    }
  }
  emu_buf_free(&ea);
  emu_buf_free(&eb);
}

static void check_bytes(const char *a, size_t alen, const char *b, size_t blen) {
  struct emu_buf ea, eb, sa, sb;
  emu_buf_init(&ea, FUZZ_BUF_LIMIT);
  emu_buf_init(&eb, FUZZ_BUF_LIMIT);
  emu_buf_init(&sa, FUZZ_BUF_LIMIT);
  emu_buf_init(&sb, FUZZ_BUF_LIMIT);
  check(store_keycodec_append(&ea, 'B', a, alen) == 0, "enc(B)");
  check(store_keycodec_append(&eb, 'B', b, blen) == 0, "enc(B)");
  check(bytes_compare(ea.data, ea.len, eb.data, eb.len) == bytes_compare(a, alen, b, blen),
        "enc(B) preserves byte order");
  check_len('B', &ea, &eb);
  check(store_keycodec_append(&sa, 'S', a, alen) == 0, "enc(S)");
  check(store_keycodec_append(&sb, 'S', b, blen) == 0, "enc(S)");
  check_len('S', &sa, &sb);
  emu_buf_free(&ea);
  emu_buf_free(&eb);
  emu_buf_free(&sa);
  emu_buf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  const char *nl = memchr(p, '\n', size);
  size_t alen = nl ? (size_t)(nl - p) : size / 2;
  size_t boff = nl ? alen + 1 : alen;
  check_numbers(p, alen, p + boff, size - boff);
  check_bytes(p, alen, p + boff, size - boff);
  return 0;
}
