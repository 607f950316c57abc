/*
 * test_emu_utf8.c - unit tests for emulator/base/emu_utf8.c: RFC 3629
 * well-formedness (overlongs, surrogates, range, truncation) on both the
 * byte path and the eight-byte ASCII path, decoding, sequence lengths and
 * code point counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "emu_utf8.h"

static const char *const well_formed[] = {
    "",
    "plain ASCII, longer than eight bytes",
    "caf\xC3\xA9",                  /* U+00E9 */
    "\xC2\x80",                     /* U+0080, the smallest two-byte form */
    "\xDF\xBF",                     /* U+07FF */
    "\xE0\xA0\x80",                 /* U+0800, the smallest three-byte form */
    "\xED\x9F\xBF",                 /* U+D7FF, just below the surrogates */
    "\xEE\x80\x80",                 /* U+E000, just above them */
    "\xEF\xBF\xBF",                 /* U+FFFF */
    "\xF0\x90\x80\x80",             /* U+10000 */
    "\xF4\x8F\xBF\xBF",             /* U+10FFFF, the last code point */
    "\xF0\x9F\x98\x80 grinning",    /* U+1F600 then ASCII */
    "0123456789abcdef\xE2\x82\xAC", /* a multi-byte character after two ASCII words */
};

static const char *const malformed[] = {
    "\x80", /* a lone continuation byte */
    "\xBF",
    "\xC0\x80",         /* overlong U+0000 (emu_nul's pair) */
    "\xC1\xBF",         /* overlong U+007F */
    "\xE0\x80\x80",     /* overlong three-byte */
    "\xE0\x9F\xBF",     /* overlong U+07FF */
    "\xF0\x80\x80\x80", /* overlong four-byte */
    "\xF0\x8F\xBF\xBF", /* overlong U+FFFF */
    "\xED\xA0\x80",     /* U+D800, a surrogate */
    "\xED\xBF\xBF",     /* U+DFFF */
    "\xF4\x90\x80\x80", /* U+110000 */
    "\xF5\x80\x80\x80", /* lead byte above F4 */
    "\xFF",
    "\xC3",                 /* truncated two-byte */
    "\xE2\x82",             /* truncated three-byte */
    "\xF0\x9F\x98",         /* truncated four-byte */
    "\xC3(",                /* lead byte then ASCII */
    "0123456789abcdef\xC3", /* truncated after the ASCII fast path */
    "01234567\x80"
    "89abcdef", /* a stray byte between two ASCII words */
};

static void valid_accepts_well_formed_text(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(well_formed) / sizeof(well_formed[0]); i++)
    if (!emu_utf8_valid(well_formed[i], strlen(well_formed[i]))) {
      print_error("well-formed case %zu refused\n", i);
      fail();
    }
}

static void valid_refuses_overlongs_surrogates_range_and_truncation(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
    if (emu_utf8_valid(malformed[i], strlen(malformed[i]))) {
      print_error("malformed case %zu accepted\n", i);
      fail();
    }
}

static void valid_reads_only_the_given_length(void **state) {
  (void)state;
  assert_true(emu_utf8_valid("abc\xC3\xA9", 3));
  assert_false(emu_utf8_valid("abc\xC3\xA9", 4)); /* cut inside the sequence */
  assert_true(emu_utf8_valid("a\0b", 3));         /* NUL is U+0000, well-formed */
}

static void valid_finds_a_bad_byte_at_every_offset_of_a_long_ascii_run(void **state) {
  char buf[40];
  size_t at;

  (void)state;
  for (at = 0; at < sizeof(buf); at++) {
    memset(buf, 'a', sizeof(buf));
    buf[at] = (char)0xFF;
    assert_false(emu_utf8_valid(buf, sizeof(buf)));
  }
}

static void decode_returns_code_point_and_length(void **state) {
  uint32_t cp = 0;

  (void)state;
  assert_int_equal(emu_utf8_decode((const unsigned char *)"A", 1, &cp), 1);
  assert_int_equal(cp, 0x41);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"\xC3\xA9", 2, &cp), 2);
  assert_int_equal(cp, 0xE9);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"\xE2\x82\xAC", 3, &cp), 3);
  assert_int_equal(cp, 0x20AC);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"\xF4\x8F\xBF\xBF", 4, &cp), 4);
  assert_int_equal(cp, 0x10FFFF);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"\xE2\x82\xAC", 2, &cp), 0);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"\xC0\x80", 2, &cp), 0);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"\xED\xA0\x80", 3, &cp), 0);
  assert_int_equal(emu_utf8_decode((const unsigned char *)"", 0, &cp), 0);
}

static void seq_len_follows_the_lead_byte_and_stops_at_a_non_continuation(void **state) {
  (void)state;
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"ab", 2), 1);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\xC3\xA9x", 3), 2);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\xE2\x82\xACx", 4), 3);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\xF0\x9F\x98\x80x", 5), 4);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\xE2(x", 3), 1);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\xF0\x9F(", 3), 2);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\xF0\x9F\x98\x80", 2), 2);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"\x80\x80", 2), 1);
  assert_int_equal(emu_utf8_seq_len((const unsigned char *)"", 0), 0);
}

static void count_counts_code_points_not_bytes(void **state) {
  (void)state;
  assert_int_equal(emu_utf8_count(""), 0);
  assert_int_equal(emu_utf8_count("ttl"), 3);
  assert_int_equal(emu_utf8_count("caf\xC3\xA9"), 4);
  assert_int_equal(emu_utf8_count("\xF0\x9F\x98\x80\xE2\x82\xAC"), 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(valid_accepts_well_formed_text),
      cmocka_unit_test(valid_refuses_overlongs_surrogates_range_and_truncation),
      cmocka_unit_test(valid_reads_only_the_given_length),
      cmocka_unit_test(valid_finds_a_bad_byte_at_every_offset_of_a_long_ascii_run),
      cmocka_unit_test(decode_returns_code_point_and_length),
      cmocka_unit_test(seq_len_follows_the_lead_byte_and_stops_at_a_non_continuation),
      cmocka_unit_test(count_counts_code_points_not_bytes),
  };

  return cmocka_run_group_tests_name("emu_utf8", tests, NULL, NULL);
}
