/*
 * test_emu_buf.c - unit tests for emulator/base/emu_buf.c: the hard size cap
 * (appends up to the limit succeed, one byte more fails), a failed append
 * or printf leaves the buffer unchanged and usable, the allocation never
 * exceeds limit + 1, NUL termination, printf formatting, and the
 * reset/take/free lifecycle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emu_buf.h"

/* Asserts the documented invariants of a buffer that has data. */
static void assert_buf_invariants(const struct emu_buf *b) {
  assert_non_null(b->data);
  assert_true(b->len <= b->limit);
  assert_true(b->len < b->cap);
  assert_true(b->cap <= b->limit + 1);
  assert_int_equal(b->data[b->len], '\0');
}

static void init_leaves_an_empty_unallocated_buffer(void **state) {
  struct emu_buf b;

  (void)state;
  memset(&b, 0x5A, sizeof(b));
  emu_buf_init(&b, 100);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_int_equal(b.cap, 0);
  assert_int_equal(b.limit, 100);
  emu_buf_free(&b);
}

static void append_copies_bytes_and_keeps_a_terminating_nul(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 100);
  assert_int_equal(emu_buf_append(&b, "hello", 5), 0);
  assert_int_equal(b.len, 5);
  assert_string_equal(b.data, "hello");
  assert_int_equal(emu_buf_append(&b, ", world", 7), 0);
  assert_string_equal(b.data, "hello, world");
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void append_of_zero_bytes_allocates_an_empty_string(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 10);
  assert_int_equal(emu_buf_append(&b, NULL, 0), 0);
  assert_int_equal(b.len, 0);
  assert_string_equal(b.data, "");
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void append_keeps_embedded_nul_bytes(void **state) {
  static const char bin[] = {'a', '\0', 'b', '\0', '\xff'};
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 64);
  assert_int_equal(emu_buf_append(&b, bin, sizeof(bin)), 0);
  assert_int_equal(b.len, sizeof(bin));
  assert_memory_equal(b.data, bin, sizeof(bin));
  assert_int_equal(b.data[sizeof(bin)], '\0');
  emu_buf_free(&b);
}

static void append_up_to_exactly_the_limit_succeeds(void **state) {
  char src[1000];
  struct emu_buf b;

  (void)state;
  memset(src, 'x', sizeof(src));
  emu_buf_init(&b, sizeof(src));
  assert_int_equal(emu_buf_append(&b, src, 999), 0);
  assert_int_equal(emu_buf_putc(&b, 'y'), 0);
  assert_int_equal(b.len, 1000);
  assert_int_equal(b.data[999], 'y');
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void append_past_the_limit_fails_and_leaves_the_buffer_unchanged(void **state) {
  char src[200];
  struct emu_buf b;
  char *data_before;
  size_t cap_before;

  (void)state;
  memset(src, 'z', sizeof(src));
  emu_buf_init(&b, 100);
  assert_int_equal(emu_buf_append(&b, src, 60), 0);
  data_before = b.data;
  cap_before = b.cap;

  assert_int_equal(emu_buf_append(&b, src, 41), -1);
  assert_int_equal(emu_buf_append(&b, src, 200), -1);
  assert_int_equal(emu_buf_append(&b, src, SIZE_MAX), -1); /* must not wrap around */
  assert_int_equal(emu_buf_puts(&b, "this string has more than forty bytes in it, surely"), -1);
  assert_ptr_equal(b.data, data_before);
  assert_int_equal(b.cap, cap_before);
  assert_int_equal(b.len, 60);
  assert_buf_invariants(&b);

  /* Still usable: what fits is accepted. */
  assert_int_equal(emu_buf_append(&b, src, 40), 0);
  assert_int_equal(b.len, 100);
  assert_int_equal(emu_buf_putc(&b, 'a'), -1);
  assert_int_equal(b.len, 100);
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void putc_on_a_full_buffer_fails_without_touching_the_terminator(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 3);
  assert_int_equal(emu_buf_puts(&b, "abc"), 0);
  assert_int_equal(emu_buf_putc(&b, 'd'), -1);
  assert_string_equal(b.data, "abc");
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void a_zero_limit_accepts_only_empty_appends(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 0);
  assert_int_equal(emu_buf_putc(&b, 'a'), -1);
  assert_int_equal(emu_buf_append(&b, "", 0), 0);
  assert_string_equal(b.data, "");
  assert_int_equal(emu_buf_printf(&b, "%s", ""), 0);
  assert_int_equal(emu_buf_printf(&b, "%d", 1), -1);
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void growth_never_allocates_more_than_limit_plus_one(void **state) {
  struct emu_buf b;
  size_t i;

  (void)state;
  emu_buf_init(&b, 1000);
  for (i = 0; i < 1000; i++) {
    assert_int_equal(emu_buf_putc(&b, (char)('a' + i % 26)), 0);
    assert_buf_invariants(&b);
  }
  assert_int_equal(b.cap, 1001);
  assert_int_equal(emu_buf_putc(&b, 'x'), -1);
  for (i = 0; i < 1000; i++)
    assert_int_equal(b.data[i], (char)('a' + i % 26));
  emu_buf_free(&b);
}

static void many_small_appends_grow_the_buffer_and_keep_every_byte(void **state) {
  struct emu_buf b;
  size_t i;

  (void)state;
  emu_buf_init(&b, (size_t)1 << 20);
  for (i = 0; i < 100000; i++)
    assert_int_equal(emu_buf_putc(&b, (char)(i % 251)), 0);
  assert_int_equal(b.len, 100000);
  for (i = 0; i < 100000; i++)
    assert_int_equal((unsigned char)b.data[i], i % 251);
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void printf_formats_and_appends(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 256);
  assert_int_equal(emu_buf_puts(&b, ">"), 0);
  assert_int_equal(emu_buf_printf(&b, "%d-%s-%05.1f-%c-%zu", -42, "abc", 3.14159, 'Q', (size_t)7),
                   0);
  assert_string_equal(b.data, ">-42-abc-003.1-Q-7");
  assert_int_equal(b.len, strlen(">-42-abc-003.1-Q-7"));
  assert_int_equal(emu_buf_printf(&b, "%s", ""), 0);
  assert_string_equal(b.data, ">-42-abc-003.1-Q-7");
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void printf_grows_the_buffer_for_long_output(void **state) {
  char big[5000];
  struct emu_buf b;

  (void)state;
  memset(big, 'k', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  emu_buf_init(&b, 10000);
  assert_int_equal(emu_buf_printf(&b, "[%s]", big), 0);
  assert_int_equal(b.len, 5001);
  assert_int_equal(b.data[0], '[');
  assert_int_equal(b.data[5000], ']');
  assert_int_equal(b.data[2500], 'k');
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void printf_up_to_exactly_the_limit_succeeds(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 8);
  assert_int_equal(emu_buf_printf(&b, "%08d", 1234), 0);
  assert_string_equal(b.data, "00001234");
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static void printf_past_the_limit_fails_and_leaves_the_buffer_unchanged(void **state) {
  struct emu_buf b;
  char *data_before;

  (void)state;
  emu_buf_init(&b, 10);
  assert_int_equal(emu_buf_puts(&b, "abcdef"), 0);
  data_before = b.data;
  assert_int_equal(emu_buf_printf(&b, "%s", "12345"), -1);
  assert_int_equal(emu_buf_printf(&b, "%d", 12345), -1);
  assert_ptr_equal(b.data, data_before);
  assert_int_equal(b.len, 6);
  assert_string_equal(b.data, "abcdef");
  assert_int_equal(emu_buf_printf(&b, "%d", 1234), 0);
  assert_string_equal(b.data, "abcdef1234");
  assert_buf_invariants(&b);
  emu_buf_free(&b);
}

static int call_vprintf(struct emu_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int call_vprintf(struct emu_buf *b, const char *fmt, ...) {
  va_list ap;
  int rc;

  va_start(ap, fmt);
  rc = emu_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

static void vprintf_takes_a_va_list(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 64);
  assert_int_equal(call_vprintf(&b, "%s=%u", "n", 17u), 0);
  assert_int_equal(call_vprintf(&b, ";%x", 255u), 0);
  assert_string_equal(b.data, "n=17;ff");
  emu_buf_free(&b);
}

static void reset_empties_the_buffer_but_keeps_its_memory(void **state) {
  struct emu_buf b;
  char *data_before;
  size_t cap_before;

  (void)state;
  emu_buf_init(&b, 100);
  assert_int_equal(emu_buf_puts(&b, "some text"), 0);
  data_before = b.data;
  cap_before = b.cap;
  emu_buf_reset(&b);
  assert_ptr_equal(b.data, data_before);
  assert_int_equal(b.cap, cap_before);
  assert_int_equal(b.len, 0);
  assert_string_equal(b.data, "");
  assert_int_equal(emu_buf_puts(&b, "new"), 0);
  assert_string_equal(b.data, "new");
  emu_buf_free(&b);
}

static void reset_of_an_unallocated_buffer_is_harmless(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 100);
  emu_buf_reset(&b);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  emu_buf_free(&b);
}

static void reset_frees_room_up_to_the_full_limit_again(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 4);
  assert_int_equal(emu_buf_puts(&b, "abcd"), 0);
  assert_int_equal(emu_buf_putc(&b, 'e'), -1);
  emu_buf_reset(&b);
  assert_int_equal(emu_buf_puts(&b, "wxyz"), 0);
  assert_string_equal(b.data, "wxyz");
  emu_buf_free(&b);
}

static void take_hands_over_the_data_and_resets_the_buffer(void **state) {
  struct emu_buf b;
  char *taken;

  (void)state;
  emu_buf_init(&b, 100);
  assert_int_equal(emu_buf_puts(&b, "payload"), 0);
  taken = emu_buf_take(&b);
  assert_non_null(taken);
  assert_string_equal(taken, "payload");
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_int_equal(b.cap, 0);
  assert_int_equal(b.limit, 100);
  /* The buffer is reusable and independent of the taken memory. */
  assert_int_equal(emu_buf_puts(&b, "again"), 0);
  assert_string_equal(b.data, "again");
  assert_string_equal(taken, "payload");
  free(taken);
  emu_buf_free(&b);
}

static void take_of_an_empty_buffer_returns_an_allocated_empty_string(void **state) {
  struct emu_buf b;
  char *taken;

  (void)state;
  emu_buf_init(&b, 100);
  taken = emu_buf_take(&b);
  assert_non_null(taken);
  assert_string_equal(taken, "");
  free(taken);
  emu_buf_free(&b);
}

static void free_releases_memory_and_leaves_a_reusable_buffer(void **state) {
  struct emu_buf b;

  (void)state;
  emu_buf_init(&b, 100);
  assert_int_equal(emu_buf_puts(&b, "x"), 0);
  emu_buf_free(&b);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
  assert_int_equal(b.cap, 0);
  emu_buf_free(&b); /* twice is fine */
  assert_int_equal(emu_buf_puts(&b, "y"), 0);
  assert_string_equal(b.data, "y");
  emu_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(init_leaves_an_empty_unallocated_buffer),
      cmocka_unit_test(append_copies_bytes_and_keeps_a_terminating_nul),
      cmocka_unit_test(append_of_zero_bytes_allocates_an_empty_string),
      cmocka_unit_test(append_keeps_embedded_nul_bytes),
      cmocka_unit_test(append_up_to_exactly_the_limit_succeeds),
      cmocka_unit_test(append_past_the_limit_fails_and_leaves_the_buffer_unchanged),
      cmocka_unit_test(putc_on_a_full_buffer_fails_without_touching_the_terminator),
      cmocka_unit_test(a_zero_limit_accepts_only_empty_appends),
      cmocka_unit_test(growth_never_allocates_more_than_limit_plus_one),
      cmocka_unit_test(many_small_appends_grow_the_buffer_and_keep_every_byte),
      cmocka_unit_test(printf_formats_and_appends),
      cmocka_unit_test(printf_grows_the_buffer_for_long_output),
      cmocka_unit_test(printf_up_to_exactly_the_limit_succeeds),
      cmocka_unit_test(printf_past_the_limit_fails_and_leaves_the_buffer_unchanged),
      cmocka_unit_test(vprintf_takes_a_va_list),
      cmocka_unit_test(reset_empties_the_buffer_but_keeps_its_memory),
      cmocka_unit_test(reset_of_an_unallocated_buffer_is_harmless),
      cmocka_unit_test(reset_frees_room_up_to_the_full_limit_again),
      cmocka_unit_test(take_hands_over_the_data_and_resets_the_buffer),
      cmocka_unit_test(take_of_an_empty_buffer_returns_an_allocated_empty_string),
      cmocka_unit_test(free_releases_memory_and_leaves_a_reusable_buffer),
  };

  return cmocka_run_group_tests_name("emu_buf", tests, NULL, NULL);
}
