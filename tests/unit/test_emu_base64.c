/*
 * test_emu_base64.c - unit tests for emulator/emu_base64.c: RFC 4648 test
 * vectors, strict rejection of malformed input, URL-safe encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emu_base64.h"

/* RFC 4648 section 10 test vectors. */
static const struct {
  const char *plain;
  const char *encoded;
} rfc_vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void encode_matches_the_rfc_vectors(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
    char *got = emu_base64_encode((const unsigned char *)rfc_vectors[i].plain,
                                  strlen(rfc_vectors[i].plain), 0);

    assert_non_null(got);
    assert_string_equal(got, rfc_vectors[i].encoded);
    free(got);
  }
}

static void decode_matches_the_rfc_vectors(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++) {
    unsigned char *out = NULL;
    size_t out_len = 99;

    assert_int_equal(
        emu_base64_decode(rfc_vectors[i].encoded, strlen(rfc_vectors[i].encoded), &out, &out_len),
        0);
    assert_int_equal(out_len, strlen(rfc_vectors[i].plain));
    assert_memory_equal(out, rfc_vectors[i].plain, out_len);
    assert_int_equal(out[out_len], '\0');
    free(out);
  }
}

static void decode_of_empty_string_is_empty_and_allocated(void **state) {
  unsigned char *out = NULL;
  size_t out_len = 7;

  (void)state;
  assert_int_equal(emu_base64_decode("", 0, &out, &out_len), 0);
  assert_non_null(out);
  assert_int_equal(out_len, 0);
  free(out);
}

static void decode_rejects_malformed_input(void **state) {
  static const struct {
    const char *in;
    const char *reason;
  } bad[] = {
      {"Zg", "missing padding"},
      {"Zg=", "length not a multiple of 4"},
      {"23456", "length 5 (dynalite's example)"},
      {"Zm9vY", "length 5"},
      {"Zg===", "too much padding, bad length"},
      {"Z===", "three padding characters"},
      {"====", "only padding"},
      {"=Zg=", "padding at the start"},
      {"Z=g=", "padding in the middle of a group"},
      {"Zg==Zm8=", "padding before the last group"},
      {"Zm8=Zm8=", "padded group followed by more data"},
      {"Zm9v!m9v", "character outside the alphabet"},
      {"Zm9v Zm9", "space inside"},
      {"Zm9v\nZm9", "newline inside"},
      {"Zm-_", "URL-safe alphabet is not standard base64"},
      {"Zh==", "non-zero bits after the last byte (canonical is Zg==)"},
      {"Zm9=", "non-zero bits after two bytes (canonical is Zm8=)"},
      {"+/+=", "dynalite: Invalid last non-pad Base64 character"},
      {"=+/=", "dynalite: padding first"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    unsigned char *out = (unsigned char *)"sentinel";
    size_t out_len = 5;

    if (emu_base64_decode(bad[i].in, strlen(bad[i].in), &out, &out_len) != -1) {
      print_error("\"%s\" should be rejected (%s)\n", bad[i].in, bad[i].reason);
      fail();
    }
    assert_null(out);
    assert_int_equal(out_len, 0);
  }
}

static void decode_rejects_high_bytes(void **state) {
  const char in[] = {'Z', 'm', '9', (char)0xFF, '\0'};
  unsigned char *out = NULL;
  size_t out_len;

  (void)state;
  assert_int_equal(emu_base64_decode(in, 4, &out, &out_len), -1);
  assert_int_equal(emu_base64_decode("Zm\09", 4, &out, &out_len), -1);
}

static void round_trip_preserves_every_byte_value(void **state) {
  unsigned char data[256], *back = NULL;
  size_t back_len, n;
  int i;

  (void)state;
  for (i = 0; i < 256; i++)
    data[i] = (unsigned char)i;
  for (n = 0; n <= sizeof(data); n++) {
    char *enc = emu_base64_encode(data, n, 0);

    assert_non_null(enc);
    assert_int_equal(strlen(enc), (n + 2) / 3 * 4);
    assert_int_equal(emu_base64_decode(enc, strlen(enc), &back, &back_len), 0);
    assert_int_equal(back_len, n);
    if (n)
      assert_memory_equal(back, data, n);
    free(back);
    free(enc);
  }
}

static void url_safe_encoding_uses_dash_and_underscore_with_padding(void **state) {
  const unsigned char data[] = {0xFB, 0xFF, 0xBF, 0xFE};
  char *std = emu_base64_encode(data, sizeof(data), 0);
  char *url = emu_base64_encode(data, sizeof(data), 1);

  (void)state;
  assert_string_equal(std, "+/+//g==");
  assert_string_equal(url, "-_-__g==");
  free(std);
  free(url);
}

/* libcrypto's EVP_DecodeBlock, under emu_base64_decode, takes all of these;
 * DynamoDB's Blob shape does not. */
static void decode_refuses_what_libcrypto_alone_would_accept(void **state) {
  static const char *const lax[] = {
      " Zm9v",    "Zm9v ", "Zm9v\n", "\tZm9v", "Zm9v\r\n", " Zg==",    "Zg== ",    "Zg==\n",
      "Zg==Zm8=", "=Zg=",  "Z===",   "Zh==",   "Zm9=",     "Zm9v====", "Zm9v=Zm9",
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(lax) / sizeof(lax[0]); i++) {
    unsigned char *out = NULL;
    size_t out_len = 3;

    if (emu_base64_decode(lax[i], strlen(lax[i]), &out, &out_len) != -1) {
      print_error("\"%s\" should be rejected\n", lax[i]);
      fail();
    }
    assert_null(out);
    assert_false(emu_base64_is_canonical(lax[i], strlen(lax[i])));
  }
}

static void decoded_length_excludes_the_padding(void **state) {
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(rfc_vectors) / sizeof(rfc_vectors[0]); i++)
    assert_int_equal(emu_base64_decoded_len(rfc_vectors[i].encoded, strlen(rfc_vectors[i].encoded)),
                     strlen(rfc_vectors[i].plain));
}

static void encode_into_writes_the_same_text_as_encode(void **state) {
  const unsigned char data[11] = {0xFB, 0xFF, 0xBF, 0xFE, 1, 2, 3, 4, 5, 6, 0xFF};
  char buf[EMU_BASE64_ENCODED_LEN(sizeof(data)) + 1];
  char *url = emu_base64_encode(data, sizeof(data), 1);

  (void)state;
  assert_int_equal(emu_base64_encode_into(data, sizeof(data), buf, 1), 16);
  assert_string_equal(buf, url);
  assert_string_equal(buf, "-_-__gECAwQFBv8=");
  free(url);
}

static void sextet_maps_the_standard_alphabet_only(void **state) {
  (void)state;
  assert_int_equal(emu_base64_sextet('A'), 0);
  assert_int_equal(emu_base64_sextet('z'), 51);
  assert_int_equal(emu_base64_sextet('9'), 61);
  assert_int_equal(emu_base64_sextet('+'), 62);
  assert_int_equal(emu_base64_sextet('/'), 63);
  assert_int_equal(emu_base64_sextet('='), -1);
  assert_int_equal(emu_base64_sextet('-'), -1);
  assert_int_equal(emu_base64_sextet('_'), -1);
  assert_int_equal(emu_base64_sextet(0xC3), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(encode_matches_the_rfc_vectors),
      cmocka_unit_test(decode_matches_the_rfc_vectors),
      cmocka_unit_test(decode_of_empty_string_is_empty_and_allocated),
      cmocka_unit_test(decode_rejects_malformed_input),
      cmocka_unit_test(decode_rejects_high_bytes),
      cmocka_unit_test(round_trip_preserves_every_byte_value),
      cmocka_unit_test(url_safe_encoding_uses_dash_and_underscore_with_padding),
      cmocka_unit_test(decode_refuses_what_libcrypto_alone_would_accept),
      cmocka_unit_test(decoded_length_excludes_the_padding),
      cmocka_unit_test(encode_into_writes_the_same_text_as_encode),
      cmocka_unit_test(sextet_maps_the_standard_alphabet_only),
  };

  return cmocka_run_group_tests_name("emu_base64", tests, NULL, NULL);
}
