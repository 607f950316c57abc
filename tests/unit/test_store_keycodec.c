/*
 * test_store_keycodec.c - unit tests for emulator/dynamo/store_keycodec.c: the
 * order-preserving key encodings. Byte order of encodings must equal value
 * order (strings and binary by unsigned bytes, including embedded NULs,
 * prefixes and UTF-8; numbers numerically, including negatives, zero,
 * fractions and extreme exponents); equal numbers in any spelling encode to
 * identical bytes (SPEC docs/spec/dynamodb.md 2.5); no encoding is a prefix of another
 * (so composite keys order component by component); the 13-byte header.
 * Table-driven cases plus randomized property tests with a fixed seed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynamo_number.h"
#include "emu_buf.h"
#include "store_keycodec.h"

#define ENC_LIMIT (64 * 1024)

/* A byte string with an explicit length (values may contain NULs). */
struct bytes {
  const char *p;
  size_t len;
};
#define B(lit) \
  { (lit), sizeof(lit) - 1 }

/* ---- Helpers ------------------------------------------------------------- */

static int sign_of(int v) {
  return (v > 0) - (v < 0);
}

/* Unsigned byte order, shorter first on a common prefix (LMDB's order). */
static int bytes_cmp(const void *a, size_t alen, const void *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);

  if (c)
    return sign_of(c);
  return (alen > blen) - (alen < blen);
}

static int buf_cmp(const struct emu_buf *a, const struct emu_buf *b) {
  return bytes_cmp(a->data, a->len, b->data, b->len);
}

/* a is a strict prefix of b. */
static int is_strict_prefix(const struct emu_buf *a, const struct emu_buf *b) {
  return a->len < b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void encode(struct emu_buf *out, char type, const char *v, size_t len) {
  emu_buf_init(out, ENC_LIMIT);
  if (store_keycodec_append(out, type, v, len) != 0) {
    print_error("encoding %c \"%.*s\" failed\n", type, (int)len, v);
    fail();
  }
}

static void encode_number(struct emu_buf *out, const char *text) {
  encode(out, 'N', text, strlen(text));
}

static void print_hex(const char *label, const struct emu_buf *b) {
  size_t i;

  print_error("  %s:", label);
  for (i = 0; i < b->len; i++)
    print_error(" %02x", (unsigned char)b->data[i]);
  print_error("\n");
}

/* ---- Strings and binary ------------------------------------------------- */

struct bytes_order_case {
  struct bytes a, b;
  int order; /* sign of a compared with b */
  const char *reason;
};

static void string_encoding_order_equals_byte_order(void **state) {
  static const struct bytes_order_case cases[] = {
      {B(""), B("a"), -1, "empty sorts first"},
      {B("a"), B("b"), -1, "single bytes"},
      {B("a"), B("ab"), -1, "a prefix sorts before its extension"},
      {B("ab"), B("b"), -1, "first byte decides"},
      {B("A"), B("a"), -1, "upper case before lower case"},
      {B("abc"), B("abc"), 0, "equal"},
      {B(""), B("\0"), -1, "empty before a lone NUL"},
      {B("a"), B("a\0"), -1, "a prefix before its extension by NUL"},
      {B("a\0"), B("a\1"), -1, "NUL before 0x01"},
      {B("a\0"), B("a\0\0"), -1, "one NUL before two"},
      {B("a\0\0"), B("a\0\1"), -1, "second byte after a NUL decides"},
      {B("a\0b"), B("a\0c"), -1, "byte after an embedded NUL decides"},
      {B("a\0z"), B("a\1"), -1, "embedded NUL before a higher byte, whatever follows"},
      {B("a\0\xff"), B("a\1"), -1, "NUL then 0xFF still before 0x01"},
      {B("\xff"), B("\xff\xff"), -1, "0xFF prefix"},
      {B("\xfe\xff"), B("\xff"), -1, "unsigned comparison of high bytes"},
      {B("\x7f"), B("\x80"), -1, "0x7F before 0x80 (unsigned, not signed char)"},
      {B("z"), B("\xc3\xa9"), -1, "ASCII before a two-byte UTF-8 sequence (é)"},
      {B("\xc3\xa9"), B("\xe2\x82\xac"), -1, "é (U+00E9) before € (U+20AC)"},
      {B("\xef\xbf\xbf"), B("\xf0\x90\x80\x80"), -1,
       "U+FFFF before U+10000 in UTF-8 byte order (unlike UTF-16)"},
      {B("caf\xc3\xa9"), B("cafe"), 1, "café after cafe"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const char types[] = {'S', 'B'};
    size_t t;
    for (t = 0; t < sizeof(types); t++) {
      struct emu_buf ea, eb;
      int got;
      encode(&ea, types[t], cases[i].a.p, cases[i].a.len);
      encode(&eb, types[t], cases[i].b.p, cases[i].b.len);
      got = buf_cmp(&ea, &eb);
      if (got != cases[i].order ||
          bytes_cmp(cases[i].a.p, cases[i].a.len, cases[i].b.p, cases[i].b.len) != cases[i].order) {
        print_error("case %zu (%c): expected %d, got %d (%s)\n", i, types[t], cases[i].order, got,
                    cases[i].reason);
        print_hex("a", &ea);
        print_hex("b", &eb);
        failures++;
      }
      if (cases[i].order != 0 && (is_strict_prefix(&ea, &eb) || is_strict_prefix(&eb, &ea))) {
        print_error("case %zu (%c): one encoding is a prefix of the other (%s)\n", i, types[t],
                    cases[i].reason);
        failures++;
      }
      emu_buf_free(&ea);
      emu_buf_free(&eb);
    }
  }
  assert_int_equal(failures, 0);
}

static void string_encoding_escapes_nul_and_terminates(void **state) {
  static const struct {
    struct bytes in, out;
    const char *reason;
  } cases[] = {
      {B(""), B("\0\1"), "empty: only the terminator"},
      {B("ab"), B("ab\0\1"), "plain bytes are copied"},
      {B("\0"), B("\0\xff\0\1"), "a NUL is escaped as 00 FF"},
      {B("a\0\0b"),
       B("a\0\xff\0\xff"
         "b\0\1"),
       "every NUL is escaped"},
      {B("\xff\1"), B("\xff\1\0\1"), "0xFF and 0x01 are not escaped"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct emu_buf e;
    encode(&e, 'S', cases[i].in.p, cases[i].in.len);
    if (e.len != cases[i].out.len || memcmp(e.data, cases[i].out.p, e.len) != 0) {
      print_error("case %zu: %s\n", i, cases[i].reason);
      print_hex("got", &e);
      fail();
    }
    emu_buf_free(&e);
  }
}

static void binary_and_string_share_one_encoding(void **state) {
  static const char data[] = {'\0', '\xff', 'x', '\0'};
  struct emu_buf s, b;

  (void)state;
  encode(&s, 'S', data, sizeof(data));
  encode(&b, 'B', data, sizeof(data));
  assert_int_equal(s.len, b.len);
  assert_memory_equal(s.data, b.data, s.len);
  emu_buf_free(&s);
  emu_buf_free(&b);
}

/* Issue 13 item 3: inside wsgw a U+0000 in a string is the pair C0 80
 * (emu_nul.h); the S encoding must treat it as the byte 0x00 it stands for,
 * or "k\0A" would sort after "kA" and the key limits would be off. */
static void a_c0_80_pair_in_a_string_encodes_as_the_nul_byte(void **state) {
  static const struct {
    struct bytes nul, raw;
    const char *reason;
  } same[] = {
      {B("\xc0\x80"), B("\0"), "a lone U+0000"},
      {B("k\xc0\x80"
         "A"),
       B("k\0A"), "a NUL inside"},
      {B("a\xc0\x80\xc0\x80"), B("a\0\0"), "two NULs at the end"},
  };
  static const struct bytes_order_case order[] = {
      {B("k"),
       B("k\xc0\x80"
         "A"),
       -1, "a prefix before its extension by NUL"},
      {B("k\xc0\x80"
         "A"),
       B("kA"), -1, "NUL before 'A'"},
      {B("k\xc0\x80"
         "A"),
       B("k\xc0\x80"
         "B"),
       -1, "the byte after the NUL decides"},
      {B("a\xc0\x80"
         "z"),
       B("a\x01"), -1, "NUL before 0x01, whatever follows"},
      {B("a\xc0\x80"), B("a\xc0\x80\xc0\x80"), -1, "one NUL before two"},
      {B("a\xc0"), B("a\xc0\x80"), 1, "a lone C0 is the byte 0xC0, after a NUL"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
    struct emu_buf a, b;
    encode(&a, 'S', same[i].nul.p, same[i].nul.len);
    encode(&b, 'S', same[i].raw.p, same[i].raw.len);
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
      print_error("same %zu: %s\n", i, same[i].reason);
      print_hex("C0 80", &a);
      print_hex("NUL", &b);
      fail();
    }
    emu_buf_free(&a);
    emu_buf_free(&b);
  }
  for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    struct emu_buf a, b;
    int got;
    encode(&a, 'S', order[i].a.p, order[i].a.len);
    encode(&b, 'S', order[i].b.p, order[i].b.len);
    got = buf_cmp(&a, &b);
    if (got != order[i].order || is_strict_prefix(&a, &b) || is_strict_prefix(&b, &a)) {
      print_error("order %zu: expected %d, got %d (%s)\n", i, order[i].order, got, order[i].reason);
      print_hex("a", &a);
      print_hex("b", &b);
      fail();
    }
    emu_buf_free(&a);
    emu_buf_free(&b);
  }
}

static void binary_values_keep_c0_80_as_two_bytes(void **state) {
  static const char data[] = {'k', '\xc0', '\x80'};
  static const char want[] = {'k', '\xc0', '\x80', '\0', '\1'};
  struct emu_buf b;

  (void)state;
  encode(&b, 'B', data, sizeof(data));
  assert_int_equal(b.len, sizeof(want));
  assert_memory_equal(b.data, want, sizeof(want));
  emu_buf_free(&b);
}

/* ---- Numbers ---------------------------------------------------------------- */

/* Strictly increasing. */
static const char *const ordered_numbers[] = {
    "-9.9999999999999999999999999999999999999E+125",
    "-1e125",
    "-1.5e10",
    "-1e10",
    "-1000.5",
    "-1000",
    "-999.99",
    "-10",
    "-9.99999999999999999999999999999999999",
    "-2",
    "-1.5",
    "-1.05",
    "-1.0000000000000000000000000000000000001",
    "-1",
    "-0.99",
    "-0.5",
    "-0.1",
    "-0.09",
    "-1e-129",
    "-1.5e-130",
    "-1e-130",
    "0",
    "1e-130",
    "1.5e-130",
    "1e-129",
    "0.001",
    "0.09",
    "0.1",
    "0.5",
    "0.99",
    "1",
    "1.0000000000000000000000000000000000001",
    "1.05",
    "1.5",
    "2",
    "9",
    "9.99999999999999999999999999999999999",
    "10",
    "10.5",
    "99.99",
    "100",
    "101",
    "110",
    "1e10",
    "1.5e10",
    "12345678901234567890123456789012345678",
    "1e125",
    "9.9999999999999999999999999999999999999E+125",
};
#define NORDERED (sizeof(ordered_numbers) / sizeof(ordered_numbers[0]))

static void number_encoding_order_equals_numeric_order(void **state) {
  struct emu_buf enc[NORDERED];
  size_t i, j;
  int failures = 0;

  (void)state;
  for (i = 0; i < NORDERED; i++)
    encode_number(&enc[i], ordered_numbers[i]);
  for (i = 0; i < NORDERED; i++)
    for (j = 0; j < NORDERED; j++) {
      int want = (i > j) - (i < j), got = buf_cmp(&enc[i], &enc[j]);
      if (want != got) {
        print_error("%s vs %s: expected %d, got %d\n", ordered_numbers[i], ordered_numbers[j], want,
                    got);
        failures++;
      }
      if (i != j && is_strict_prefix(&enc[i], &enc[j])) {
        print_error("enc(%s) is a prefix of enc(%s)\n", ordered_numbers[i], ordered_numbers[j]);
        failures++;
      }
    }
  for (i = 0; i < NORDERED; i++)
    emu_buf_free(&enc[i]);
  assert_int_equal(failures, 0);
}

static void equal_numbers_in_any_spelling_encode_identically(void **state) {
  static const char *const groups[][9] = {
      {"1000", "1e3", "1000.0", "+1000", "0001000", "1E+3", "10e2", "0.1e4", "1000000e-3"},
      {"0", "-0", "+0", "0.000", "0e10", "00", ".0", "0.0e126", NULL},
      {"-1.5", "-1.50", "-15e-1", "-0.15e1", "-001.5000", NULL},
      {"0.001", "1e-3", ".001", "0.0010", "1E-3", "100e-5", NULL},
      {"1e-130", "0.1e-129", "10e-131", NULL},
      {"12.34", "1234e-2", "0.1234E2", "+12.340", NULL},
  };
  size_t g, k;
  int failures = 0;

  (void)state;
  for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
    struct emu_buf first;
    encode_number(&first, groups[g][0]);
    for (k = 1; k < 9 && groups[g][k]; k++) {
      struct emu_buf other;
      encode_number(&other, groups[g][k]);
      if (buf_cmp(&first, &other) != 0) {
        print_error("\"%s\" and \"%s\" encode differently\n", groups[g][0], groups[g][k]);
        print_hex(groups[g][0], &first);
        print_hex(groups[g][k], &other);
        failures++;
      }
      emu_buf_free(&other);
    }
    emu_buf_free(&first);
  }
  assert_int_equal(failures, 0);
}

static void the_largest_exponent_spelt_out_encodes_like_1e125(void **state) {
  char text[127];
  struct emu_buf a, b;

  (void)state;
  text[0] = '1';
  memset(text + 1, '0', 125);
  text[126] = '\0';
  encode_number(&a, "1e125");
  encode_number(&b, text);
  assert_int_equal(buf_cmp(&a, &b), 0);
  emu_buf_free(&a);
  emu_buf_free(&b);
}

static void number_encoding_has_the_documented_layout(void **state) {
  static const struct {
    const char *in;
    struct bytes out;
    const char *reason;
  } cases[] = {
      {"0", B("\x80"), "zero is one byte"},
      {"1", B("\xc0\x01\x01\x02\0"), "0.1e1: exponent 1 + 256, digit 1 + 1, terminator"},
      {"25", B("\xc0\x01\x02\x03\x06\0"), "0.25e2"},
      {"0.5", B("\xc0\x01\x00\x06\0"), "0.5e0: exponent 256"},
      {"-1", B("\x40\xfe\xfe\xfd\xff"), "negative: every byte after the sign inverted"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct emu_buf e;
    encode_number(&e, cases[i].in);
    if (e.len != cases[i].out.len || memcmp(e.data, cases[i].out.p, e.len) != 0) {
      print_error("%s: %s\n", cases[i].in, cases[i].reason);
      print_hex("got", &e);
      fail();
    }
    emu_buf_free(&e);
  }
}

static void invalid_numbers_are_rejected_and_leave_the_buffer_unchanged(void **state) {
  static const struct {
    const char *in;
    const char *reason;
  } cases[] = {
      {"", "empty"},
      {"abc", "not a number"},
      {"NaN", "NaN"},
      {"Infinity", "infinity"},
      {" 1", "leading space"},
      {"1e126", "overflow"},
      {"1e-131", "underflow"},
      {"1.00000000000000000000000000000000000001", "39 significant digits"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct emu_buf e;
    emu_buf_init(&e, ENC_LIMIT);
    assert_int_equal(emu_buf_puts(&e, "pre"), 0);
    if (store_keycodec_append(&e, 'N', cases[i].in, strlen(cases[i].in)) != -1) {
      print_error("\"%s\" should be rejected (%s)\n", cases[i].in, cases[i].reason);
      fail();
    }
    assert_int_equal(e.len, 3);
    emu_buf_free(&e);
  }
}

static void encoding_fails_at_the_buffer_limit(void **state) {
  struct emu_buf e;

  (void)state;
  /* The caller discards the buffer on failure: its content is then not
   * specified (only invalid numbers are refused before writing). */
  emu_buf_init(&e, 4);
  assert_int_equal(store_keycodec_append(&e, 'S', "abcd", 4), -1);
  emu_buf_reset(&e);
  assert_int_equal(store_keycodec_append(&e, 'N', "123", 3), -1); /* 7 bytes */
  emu_buf_reset(&e);
  assert_int_equal(store_keycodec_append(&e, 'S', "ab", 2), 0);
  assert_int_equal(e.len, 4);
  assert_int_equal(store_keycodec_append(&e, 'N', "0", 1), -1);
  emu_buf_free(&e);
}

/* ---- Composite keys and the header ---------------------------------------- */

static void composite_keys_order_component_by_component(void **state) {
  /* (partition S, sort N) tuples in increasing tuple order. */
  static const struct {
    struct bytes pk;
    const char *sk;
  } tuples[] = {
      {B("a"), "-5"},  {B("a"), "0"},    {B("a"), "5"},    {B("a"), "50"},   {B("a\0"), "-1e125"},
      {B("a\0"), "1"}, {B("a\1"), "-1"}, {B("ab"), "0.5"}, {B("b"), "-100"}, {B("b"), "1e-130"},
  };
  struct emu_buf enc[sizeof(tuples) / sizeof(tuples[0])];
  size_t n = sizeof(tuples) / sizeof(tuples[0]), i, j;
  int failures = 0;

  (void)state;
  for (i = 0; i < n; i++) {
    encode(&enc[i], 'S', tuples[i].pk.p, tuples[i].pk.len);
    assert_int_equal(store_keycodec_append(&enc[i], 'N', tuples[i].sk, strlen(tuples[i].sk)), 0);
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++)
      if (buf_cmp(&enc[i], &enc[j]) != (i > j) - (i < j)) {
        print_error("tuple %zu vs %zu out of order\n", i, j);
        failures++;
      }
  for (i = 0; i < n; i++)
    emu_buf_free(&enc[i]);
  assert_int_equal(failures, 0);
}

static void header_holds_table_space_and_hash(void **state) {
  struct emu_buf pk, h;
  uint64_t hash;
  int i;

  (void)state;
  encode(&pk, 'S', "a", 1);
  emu_buf_init(&h, 64);
  assert_int_equal(store_keycodec_header(&h, 0x01020304u, 7, pk.data, pk.len), 0);
  assert_int_equal(h.len, STORE_KEY_HEADER);
  assert_memory_equal(h.data, "\x01\x02\x03\x04\x07", 5);
  hash = store_keycodec_hash(pk.data, pk.len);
  for (i = 0; i < 8; i++)
    assert_int_equal((unsigned char)h.data[5 + i], (unsigned char)(hash >> (56 - 8 * i)));
  emu_buf_free(&pk);
  emu_buf_free(&h);
}

static void hash_is_fixed_because_it_is_stored_on_disk(void **state) {
  /* FNV-1a 64 then the splitmix64 finalizer, computed independently. A
   * change here reorders every existing data directory. */
  (void)state;
  assert_true(store_keycodec_hash("", 0) == UINT64_C(0xf52a15e9a9b5e89b));
  assert_true(store_keycodec_hash("a\0\1", 3) == UINT64_C(0xe5b3ab3a894809f9));
  assert_true(store_keycodec_hash("\x80", 1) == UINT64_C(0x9334539ac3feef4d));
}

static void headers_sort_by_table_then_space(void **state) {
  struct emu_buf a, b, c;

  (void)state;
  emu_buf_init(&a, 64);
  emu_buf_init(&b, 64);
  emu_buf_init(&c, 64);
  /* Different partitions: the table id dominates whatever the hash. */
  assert_int_equal(store_keycodec_header(&a, 1, 0, "x", 1), 0);
  assert_int_equal(store_keycodec_header(&b, 1, 1, "y", 1), 0);
  assert_int_equal(store_keycodec_header(&c, 256, 0, "z", 1), 0);
  assert_true(buf_cmp(&a, &b) < 0);
  assert_true(buf_cmp(&b, &c) < 0);
  emu_buf_free(&a);
  emu_buf_free(&b);
  emu_buf_free(&c);
}

/* ---- Randomized properties (fixed seed) ------------------------------------ */

static uint64_t rng_state;

static uint64_t rng_next(void) { /* splitmix64 */
  uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static unsigned rng_below(unsigned n) {
  return (unsigned)(rng_next() % n);
}

static void random_string_encodings_sort_like_raw_bytes(void **state) {
  /* Bytes around the escape and terminator values, plus UTF-8 lead bytes. */
  static const unsigned char alphabet[] = {0x00, 0x01, 0x02, 'a',  'b',
                                           0x7F, 0x80, 0xC3, 0xFE, 0xFF};
  enum { ROUNDS = 20000, MAXLEN = 10 };
  int failures = 0, r;

  (void)state;
  rng_state = UINT64_C(20240611);
  for (r = 0; r < ROUNDS && failures < 10; r++) {
    unsigned char a[MAXLEN], b[MAXLEN];
    size_t alen = rng_below(MAXLEN + 1), blen, i;
    struct emu_buf ea, eb;
    int want, got;

    for (i = 0; i < alen; i++)
      a[i] = alphabet[rng_below(sizeof(alphabet))];
    /* Often share a prefix with a, to exercise the terminator. */
    blen = rng_below(MAXLEN + 1);
    for (i = 0; i < blen; i++)
      b[i] = (i < alen && rng_below(4) != 0) ? a[i] : alphabet[rng_below(sizeof(alphabet))];
    encode(&ea, 'B', (const char *)a, alen);
    encode(&eb, 'B', (const char *)b, blen);
    want = bytes_cmp(a, alen, b, blen);
    got = buf_cmp(&ea, &eb);
    if (want != got || (want != 0 && (is_strict_prefix(&ea, &eb) || is_strict_prefix(&eb, &ea)))) {
      print_error("round %d: raw order %d, encoded order %d\n", r, want, got);
      print_hex("a", &ea);
      print_hex("b", &eb);
      failures++;
    }
    emu_buf_free(&ea);
    emu_buf_free(&eb);
  }
  assert_int_equal(failures, 0);
}

/* Writes a random spelling of sign * 0.D * 10^exp into out. */
static void spell_number(char *out, size_t cap, int sign, const char *digits, int exp) {
  int n = (int)strlen(digits), zeros = (int)rng_below(3);
  char sign_text[2] = "", zero_run[140];

  if (sign < 0)
    sign_text[0] = '-';
  else if (rng_below(4) == 0)
    sign_text[0] = '+';
  switch (rng_below(4)) {
  case 0: /* integer mantissa with an exponent, maybe leading zeros */
    snprintf(out, cap, "%s%.*s%se%d", sign_text, zeros, "000", digits, exp - n);
    break;
  case 1: /* 0.D with an exponent, maybe trailing zeros */
    snprintf(out, cap, "%s0.%s%.*sE%+d", sign_text, digits, zeros, "000", exp);
    break;
  case 2: /* D.DDD with an exponent */
    snprintf(out, cap, "%s%c.%s%.*se%d", sign_text, digits[0], digits + 1, zeros, "000", exp - 1);
    break;
  default: /* plain decimal when the exponent is small */
    memset(zero_run, '0', sizeof(zero_run) - 1);
    zero_run[sizeof(zero_run) - 1] = '\0';
    if (exp <= 0 && exp > -40)
      snprintf(out, cap, "%s0.%.*s%s", sign_text, -exp, zero_run, digits);
    else if (exp > 0 && exp >= n)
      snprintf(out, cap, "%s%s%.*s", sign_text, digits, exp - n, zero_run);
    else if (exp > 0)
      snprintf(out, cap, "%s%.*s.%s", sign_text, exp, digits, digits + exp);
    else
      snprintf(out, cap, "%s%se%d", sign_text, digits, exp - n);
    break;
  }
}

/* A random normalised digit string (first and last digit nonzero). */
static void random_digits(char *out, int max_digits, int small_alphabet) {
  int n = 1 + (int)rng_below((unsigned)max_digits), i;

  for (i = 0; i < n; i++)
    out[i] = (char)('0' + (small_alphabet ? rng_below(3) : rng_below(10)));
  out[0] = (char)('1' + rng_below(small_alphabet ? 2 : 9));
  out[n - 1] = (char)('1' + rng_below(small_alphabet ? 2 : 9));
  out[n] = '\0';
}

static void random_number_encodings_sort_like_dynamo_number_compare(void **state) {
  enum { ROUNDS = 20000 };
  int failures = 0, r;

  (void)state;
  rng_state = UINT64_C(0x5eed0001);
  for (r = 0; r < ROUNDS && failures < 10; r++) {
    /* Half the rounds use few digits and a narrow exponent range, so that
     * equal and nearly equal values are common. */
    int narrow = rng_below(2) == 0;
    char da[40], db[40], ta[400], tb[400], ta2[400];
    int sa = rng_below(8) == 0 ? 0 : (rng_below(2) ? 1 : -1);
    int sb = rng_below(8) == 0 ? 0 : (rng_below(2) ? 1 : -1);
    int ea = narrow ? (int)rng_below(5) - 2 : (int)rng_below(256) - 129;
    int eb = narrow ? (int)rng_below(5) - 2 : (int)rng_below(256) - 129;
    struct dynamo_number na, nb;
    struct emu_buf xa, xb, xa2;
    int want, got;

    random_digits(da, narrow ? 6 : 38, narrow);
    random_digits(db, narrow ? 6 : 38, narrow);
    switch (narrow ? rng_below(4) : 3) {
    case 0: /* the same value, spelt differently */
      memcpy(db, da, sizeof(da));
      sb = sa;
      eb = ea;
      break;
    case 1: /* b's digits extend a's: the terminator decides */
      if (strlen(da) + strlen(db) <= 38) {
        memmove(db + strlen(da), db, strlen(db) + 1);
        memcpy(db, da, strlen(da));
        db[strlen(da)] = '0'; /* may make it a[0..n) 0 ... */
        sb = sa;
        eb = ea;
      }
      break;
    default:
      break;
    }
    if (sa == 0)
      snprintf(ta, sizeof(ta), "%s0.0%.*se%d", rng_below(2) ? "-" : "", (int)rng_below(3), "000",
               (int)rng_below(20));
    else
      spell_number(ta, sizeof(ta), sa, da, ea);
    if (sb == 0)
      snprintf(tb, sizeof(tb), "0");
    else
      spell_number(tb, sizeof(tb), sb, db, eb);
    if (sa == 0)
      snprintf(ta2, sizeof(ta2), "0");
    else
      spell_number(ta2, sizeof(ta2), sa, da, ea);

    if (dynamo_number_parse(ta, strlen(ta), &na) != DYNAMO_NUMBER_OK ||
        dynamo_number_parse(tb, strlen(tb), &nb) != DYNAMO_NUMBER_OK) {
      print_error("round %d: test generated an unparsable number: %s or %s\n", r, ta, tb);
      failures++;
      continue;
    }
    encode_number(&xa, ta);
    encode_number(&xb, tb);
    encode_number(&xa2, ta2);
    want = sign_of(dynamo_number_compare(&na, &nb));
    got = buf_cmp(&xa, &xb);
    if (want != got) {
      print_error("round %d: %s vs %s: compare %d, encoded %d\n", r, ta, tb, want, got);
      print_hex(ta, &xa);
      print_hex(tb, &xb);
      failures++;
    }
    if (want != 0 && (is_strict_prefix(&xa, &xb) || is_strict_prefix(&xb, &xa))) {
      print_error("round %d: %s / %s: one encoding is a prefix of the other\n", r, ta, tb);
      failures++;
    }
    if (buf_cmp(&xa, &xa2) != 0) {
      print_error("round %d: %s and %s encode differently\n", r, ta, ta2);
      failures++;
    }
    emu_buf_free(&xa);
    emu_buf_free(&xb);
    emu_buf_free(&xa2);
  }
  assert_int_equal(failures, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(string_encoding_order_equals_byte_order),
      cmocka_unit_test(string_encoding_escapes_nul_and_terminates),
      cmocka_unit_test(binary_and_string_share_one_encoding),
      cmocka_unit_test(a_c0_80_pair_in_a_string_encodes_as_the_nul_byte),
      cmocka_unit_test(binary_values_keep_c0_80_as_two_bytes),
      cmocka_unit_test(number_encoding_order_equals_numeric_order),
      cmocka_unit_test(equal_numbers_in_any_spelling_encode_identically),
      cmocka_unit_test(the_largest_exponent_spelt_out_encodes_like_1e125),
      cmocka_unit_test(number_encoding_has_the_documented_layout),
      cmocka_unit_test(invalid_numbers_are_rejected_and_leave_the_buffer_unchanged),
      cmocka_unit_test(encoding_fails_at_the_buffer_limit),
      cmocka_unit_test(composite_keys_order_component_by_component),
      cmocka_unit_test(header_holds_table_space_and_hash),
      cmocka_unit_test(hash_is_fixed_because_it_is_stored_on_disk),
      cmocka_unit_test(headers_sort_by_table_then_space),
      cmocka_unit_test(random_string_encodings_sort_like_raw_bytes),
      cmocka_unit_test(random_number_encodings_sort_like_dynamo_number_compare),
  };

  return cmocka_run_group_tests_name("store_keycodec", tests, NULL, NULL);
}
