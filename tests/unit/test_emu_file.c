/*
 * test_emu_file.c - unit tests for emulator/base/emu_file.c: a file is read
 * whole and NUL-terminated, however its size compares with the buffer's
 * growth steps; exactly the limit is read, one byte more is refused; a
 * missing file and an empty one are told apart.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_file.h"

/* A temporary file of n bytes ('a' + i % 26); the caller unlinks path. */
static void make_file(char *path, size_t n) {
  int fd = mkstemp(path);
  FILE *f;

  assert_true(fd >= 0);
  f = fdopen(fd, "wb");
  assert_non_null(f);
  for (size_t i = 0; i < n; i++)
    fputc('a' + (int)(i % 26), f);
  assert_int_equal(fclose(f), 0);
}

static void a_file_is_read_whole_and_nul_terminated_at_every_size(void **state) {
  static const size_t sizes[] = {0, 1, 8190, 8191, 8192, 8193, 70000};
  (void)state;
  for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
    char path[] = "/tmp/wsgw-emu-file-XXXXXX", *text = NULL;
    size_t len = 12345;
    make_file(path, sizes[k]);
    assert_int_equal(emu_file_read(path, 1 << 20, &text, &len), EMU_FILE_OK);
    assert_int_equal(len, sizes[k]);
    assert_int_equal(text[len], '\0');
    for (size_t i = 0; i < len; i++)
      if (text[i] != 'a' + (int)(i % 26))
        fail_msg("byte %zu of a %zu-byte file differs", i, len);
    free(text);
    unlink(path);
  }
}

static void exactly_the_limit_is_read_and_one_byte_more_is_refused(void **state) {
  char path[] = "/tmp/wsgw-emu-file-XXXXXX", *text = NULL;
  size_t len = 0;

  (void)state;
  make_file(path, 10000);
  assert_int_equal(emu_file_read(path, 10000, &text, &len), EMU_FILE_OK);
  assert_int_equal(len, 10000);
  free(text);
  text = (char *)1;
  assert_int_equal(emu_file_read(path, 9999, &text, &len), EMU_FILE_TOO_LARGE);
  assert_null(text);
  unlink(path);
}

static void a_missing_file_cannot_be_opened(void **state) {
  char *text = (char *)1;

  (void)state;
  assert_int_equal(emu_file_read("/nonexistent/wsgw/file", 100, &text, NULL), EMU_FILE_CANNOT_OPEN);
  assert_null(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_file_is_read_whole_and_nul_terminated_at_every_size),
      cmocka_unit_test(exactly_the_limit_is_read_and_one_byte_more_is_refused),
      cmocka_unit_test(a_missing_file_cannot_be_opened),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
