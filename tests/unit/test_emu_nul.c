/*
 * test_emu_nul.c - unit tests for emulator/base/emu_nul.c: lengths and order of
 * strings that hold U+0000 as the pair C0 80 (issue 13 item 3). A pair
 * counts as one byte and sorts as 0x00: before every other byte, after the
 * end of the string; a lone C0 is the byte 0xC0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "emu_nul.h"

static void strlen_counts_a_pair_as_one_byte(void **state) {
  (void)state;
  assert_int_equal(emu_nul_strlen(""), 0);
  assert_int_equal(emu_nul_strlen("abc"), 3);
  assert_int_equal(emu_nul_strlen("\xc0\x80"), 1);
  assert_int_equal(emu_nul_strlen("k\xc0\x80"
                                  "A"),
                   3);
  assert_int_equal(emu_nul_strlen("\xc0\x80\xc0\x80\xc0\x80"), 3);
  assert_int_equal(emu_nul_strlen("\xc0"), 1);         /* a lone C0 */
  assert_int_equal(emu_nul_strlen("\xc0\xc0\x80"), 2); /* lone C0, then a pair */
  assert_int_equal(emu_nul_strlen("\xc3\xa9"), 2);     /* other UTF-8: bytes */
  assert_int_equal(emu_nul_count("a\xc0\x80"
                                 "b\xc0\x80",
                                 4),
                   1); /* bounded by len */
}

struct cmp_row {
  const char *a, *b;
  int order;
  const char *reason;
};

static int sign_of(int c) {
  return (c > 0) - (c < 0);
}

static void strcmp_orders_a_pair_as_the_nul_byte(void **state) {
  static const struct cmp_row rows[] = {
      {"", "", 0, "empty"},
      {"a\xc0\x80", "a\xc0\x80", 0, "equal with a NUL"},
      {"a", "a\xc0\x80", -1, "the end before a NUL"},
      {"a\xc0\x80", "a\x01", -1, "NUL before 0x01"},
      {"a\xc0\x80"
       "z",
       "a\x01", -1, "NUL before 0x01, whatever follows"},
      {"a\xc0\x80"
       "b",
       "a\xc0\x80"
       "c",
       -1, "the byte after the NUL decides"},
      {"a\xc0\x80", "a\xc0\x80\xc0\x80", -1, "one NUL before two"},
      {"a\xc0\x80", "a\xc0", -1, "a NUL before a lone C0 (0xC0)"},
      {"a\xc0\x80",
       "a\xc0"
       "A",
       -1, "a NUL before a lone C0 then 'A'"},
      {"a\xc0"
       "A",
       "a\xc0"
       "B",
       -1, "two lone C0s: the next byte decides"},
      {"a\xc0\x80", "a\xc3\xa9", -1, "NUL before a two-byte sequence"},
      {"\xc3\xa9", "z", 1, "unsigned bytes"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    int ab = sign_of(emu_nul_strcmp(rows[i].a, rows[i].b));
    int ba = sign_of(emu_nul_strcmp(rows[i].b, rows[i].a));
    if (ab != rows[i].order || ba != -rows[i].order) {
      print_error("row %zu (%s): expected %d, got %d and %d reversed\n", i, rows[i].reason,
                  rows[i].order, ab, ba);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

static void encode_and_decode_turn_nul_bytes_into_pairs_and_back(void **state) {
  static const char raw[] = "a\0b\0";
  char enc[16], dec[16];
  size_t n = emu_nul_encode(enc, raw, sizeof(raw) - 1);

  (void)state;
  assert_int_equal(n, 6);
  assert_memory_equal(enc,
                      "a\xC0\x80"
                      "b\xC0\x80",
                      7);
  assert_int_equal(emu_nul_decode(dec, enc, n), 4);
  assert_memory_equal(dec, raw, 4);
  /* A lone C0 (and one at the very end) is an ordinary byte. */
  assert_int_equal(emu_nul_decode(dec, "x\xC0y\xC0", 4), 4);
  assert_memory_equal(dec, "x\xC0y\xC0", 4);
  /* In place. */
  strcpy(enc, "\xC0\x80z");
  assert_int_equal(emu_nul_decode(enc, enc, 3), 2);
  assert_memory_equal(enc, "\0z", 2);
}

static void utf8_is_valid_with_pairs_as_nul_and_nothing_else_malformed(void **state) {
  (void)state;
  assert_true(emu_nul_utf8_valid("", 0));
  assert_true(emu_nul_utf8_valid("a\xC0\x80"
                                 "b\xC3\xA9\xC0\x80",
                                 8));
  assert_true(emu_nul_utf8_valid("\xF4\x8F\xBF\xBF\xC0\x80", 6));
  assert_false(emu_nul_utf8_valid("a\xC0", 2));                /* a lone lead at the end */
  assert_false(emu_nul_utf8_valid("a\xC0\x81", 3));            /* another C0 pair */
  assert_false(emu_nul_utf8_valid("\xC1\xBF", 2));             /* overlong */
  assert_false(emu_nul_utf8_valid("\xE2\x82\xC0\x80", 4));     /* cut off by a pair */
  assert_false(emu_nul_utf8_valid("\xC0\x80\xED\xA0\x80", 5)); /* a surrogate after one */
  assert_false(emu_nul_utf8_valid("caf\xE9", 4));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(strlen_counts_a_pair_as_one_byte),
      cmocka_unit_test(strcmp_orders_a_pair_as_the_nul_byte),
      cmocka_unit_test(encode_and_decode_turn_nul_bytes_into_pairs_and_back),
      cmocka_unit_test(utf8_is_valid_with_pairs_as_nul_and_nothing_else_malformed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
