/*
 * test_http_util.c - unit tests for emulator/base/http_util.c's pure helpers:
 * the CRC-32 behind x-amz-crc32 (the standard check value, and the sliced
 * loop against a byte-at-a-time reference at every length and alignment)
 * and decimal formatting of unsigned integers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http_util.h"

/* The textbook bitwise CRC-32 (reflected 0xEDB88320), as the reference. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t len) {
  uint32_t c = 0xFFFFFFFFu;
  size_t i;
  int k;

  for (i = 0; i < len; i++) {
    c ^= p[i];
    for (k = 0; k < 8; k++)
      c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFu;
}

static void crc32_gives_the_standard_check_value(void **state) {
  (void)state;
  /* The CRC-32 catalogue's check value: CRC of the ASCII "123456789". */
  assert_int_equal(http_util_crc32("123456789", 9), 0xCBF43926u);
  assert_int_equal(http_util_crc32("", 0), 0u);
  /* What zlib.crc32 gives for a DynamoDB answer the client tests check. */
  assert_int_equal(http_util_crc32("{}", 2), crc32_bitwise((const unsigned char *)"{}", 2));
}

static void crc32_matches_the_bitwise_reference_at_every_length_and_alignment(void **state) {
  unsigned char buf[300];
  size_t i, off, len;
  uint32_t x = 12345;

  (void)state;
  for (i = 0; i < sizeof(buf); i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (unsigned char)(x >> 16);
  }
  for (off = 0; off < 8; off++)
    for (len = 0; len + off <= sizeof(buf); len += (len < 40 ? 1 : 37))
      assert_int_equal(http_util_crc32(buf + off, len), crc32_bitwise(buf + off, len));
}

static void format_u64_writes_decimal_text_with_its_length(void **state) {
  static const uint64_t values[] = {0, 7, 10, 200, 413, 4294967295u, 18446744073709551615ull};
  char got[32], want[32];
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    size_t n = http_util_format_u64(got, values[i]);
    snprintf(want, sizeof(want), "%llu", (unsigned long long)values[i]);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(crc32_gives_the_standard_check_value),
      cmocka_unit_test(crc32_matches_the_bitwise_reference_at_every_length_and_alignment),
      cmocka_unit_test(format_u64_writes_decimal_text_with_its_length),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
