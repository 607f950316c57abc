/*
 * test_emu_json.c - unit tests for emulator/base/emu_json.c: the nesting-depth
 * pre-scan (strings and escapes skipped, bounded by the length), the
 * U+0000 pre-pass (\u0000 escapes found and rewritten as C0 80 only inside
 * strings; escaped backslashes, truncated escapes, raw C0/C1 bytes), the
 * C0 80 -> \u0000 rewrite of answers, and adding members under literal
 * keys without copies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emu_json.h"

static void depth_at_the_limit_passes_and_one_more_level_fails(void **state) {
  (void)state;
  assert_int_equal(emu_json_too_deep("[[[]]]", 6, 3), 0);
  assert_int_equal(emu_json_too_deep("[[[[]]]]", 8, 3), 1);
  assert_int_equal(emu_json_too_deep("{\"a\":{\"b\":[1]}}", 15, 3), 0);
}

static void brackets_inside_strings_and_escapes_do_not_count(void **state) {
  static const char text[] = "{\"k\":\"[[[[\\\"[[[[\"}";

  (void)state;
  assert_int_equal(emu_json_too_deep(text, sizeof(text) - 1, 1), 0);
}

static void the_scan_stops_at_the_given_length(void **state) {
  (void)state;
  /* Only the first two bytes are looked at. */
  assert_int_equal(emu_json_too_deep("[[[[[[", 2, 2), 0);
}

/* ---- U+0000 (issue 13 item 3) --------------------------------------------- */

struct scan_row {
  const char *text;
  unsigned found;
  const char *reason;
};

static void the_scan_finds_nul_escapes_and_raw_c0_c1_only_inside_strings(void **state) {
  static const struct scan_row rows[] = {
      {"{\"k\":\"a\\u0000b\"}", EMU_JSON_NUL_ESCAPE, "an escape in a value"},
      {"{\"a\\u0000\":1}", EMU_JSON_NUL_ESCAPE, "an escape in a member name"},
      {"{\"k\":\"\\u0000\"}", EMU_JSON_NUL_ESCAPE, "the whole string"},
      {"{\"k\":\"a\\\\u0000b\"}", 0, "an escaped backslash, then the text u0000"},
      {"{\"k\":\"a\\\\\\u0000b\"}", EMU_JSON_NUL_ESCAPE, "an escaped backslash, then an escape"},
      {"{\"k\":\"\\u0001\\u00000\"}", EMU_JSON_NUL_ESCAPE, "after another escape; a digit follows"},
      {"{\"k\":\"\\u0010\"}", 0, "another code point"},
      {"{\"k\":\"\\u000\"}", 0, "a short escape"},
      {"{\"k\":\"\\u00", 0, "a truncated escape at the end"},
      {"{\"k\":\"\\", 0, "a truncated backslash at the end"},
      {"{\"k\":\"\\\"\\u0000\"}", EMU_JSON_NUL_ESCAPE, "after an escaped quote, still a string"},
      {"{\"k\":1} \\u0000", 0, "outside any string"},
      {"{\"k\":\"\xc0\x80\"}", EMU_JSON_RAW_C0C1, "raw C0 80 in a string"},
      {"{\"k\":\"\xc1\xbf\"}", EMU_JSON_RAW_C0C1, "raw C1 in a string"},
      {"{\"k\":\"\xc3\xa9\"}", 0, "valid two-byte UTF-8"},
      {"{\"k\":\"\\u0000\xc0\x80\"}", EMU_JSON_NUL_ESCAPE | EMU_JSON_RAW_C0C1, "both"},
      {"[[[\"\\u0000\"]]]", EMU_JSON_TOO_DEEP, "too deep stops the scan"},
      {"{\"k\":1}\xc0", 0, "a C0 outside any string (cJSON rejects it)"},
      {"{\"k\":\"\\\\\"} \\u0000", 0, "an escaped backslash, then the closing quote"},
      {"[\"a\\\"[[[\"]", 0, "brackets in a string after an escaped quote"},
  };
  size_t i;
  int failures = 0;

  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    unsigned got = emu_json_scan(rows[i].text, strlen(rows[i].text), 2);
    if (got != rows[i].found) {
      print_error("row %zu (%s): expected %u, got %u\n", i, rows[i].reason, rows[i].found, got);
      failures++;
    }
  }
  assert_int_equal(failures, 0);
}

struct unescape_row {
  const char *in, *out;
  const char *reason;
};

static void unescape_turns_nul_escapes_in_strings_into_c0_80(void **state) {
  static const struct unescape_row rows[] = {
      {"{\"k\":\"a\\u0000b\"}",
       "{\"k\":\"a\xc0\x80"
       "b\"}",
       "a value"},
      {"{\"a\\u0000\":\"\\u0000\\u0000\"}", "{\"a\xc0\x80\":\"\xc0\x80\xc0\x80\"}",
       "names and runs"},
      {"{\"k\":\"a\\\\u0000b\"}", "{\"k\":\"a\\\\u0000b\"}", "an escaped backslash is kept"},
      {"{\"k\":\"\\\"\\u0000\"}", "{\"k\":\"\\\"\xc0\x80\"}", "after an escaped quote"},
      {"{\"k\":\"\\u0001\"}", "{\"k\":\"\\u0001\"}", "other escapes are kept"},
      {"{\"k\":\"\\u00", "{\"k\":\"\\u00", "a truncated escape is kept"},
      {"{\"k\":\"\\", "{\"k\":\"\\", "a trailing backslash is kept"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    size_t len = strlen(rows[i].in), n;
    char *copy = malloc(len + 1), *in_place = strdup(rows[i].in);
    assert_non_null(copy);
    assert_non_null(in_place);
    n = emu_json_nul_unescape(copy, rows[i].in, len);
    if (n != strlen(rows[i].out) || strcmp(copy, rows[i].out) != 0)
      fail_msg("row %zu (%s): got \"%s\"", i, rows[i].reason, copy);
    /* dst == src gives the same. */
    n = emu_json_nul_unescape(in_place, in_place, len);
    assert_int_equal(n, strlen(rows[i].out));
    assert_string_equal(in_place, rows[i].out);
    free(copy);
    free(in_place);
  }
}

static void unescaped_text_parses_with_the_nul_kept_as_c0_80(void **state) {
  static const char text[] = "{\"k\\u0000A\":\"v\\u0000\"}";
  char buf[sizeof(text)];
  size_t n = emu_json_nul_unescape(buf, text, sizeof(text) - 1);
  cJSON *o = cJSON_ParseWithLength(buf, n);

  (void)state;
  assert_non_null(o);
  assert_non_null(o->child);
  assert_string_equal(o->child->string, "k\xc0\x80"
                                        "A");
  assert_string_equal(o->child->valuestring, "v\xc0\x80");
  cJSON_Delete(o);
  /* emu_json_parse_nul does the same from the scan's finding. */
  o = emu_json_parse_nul(text, sizeof(text) - 1, emu_json_scan(text, sizeof(text) - 1, 8));
  assert_non_null(o);
  assert_string_equal(o->child->string, "k\xc0\x80"
                                        "A");
  assert_string_equal(o->child->valuestring, "v\xc0\x80");
  cJSON_Delete(o);
  assert_null(emu_json_parse_nul("{\"k\":\"\\u0000", 12, EMU_JSON_NUL_ESCAPE));
}

static void escape_writes_c0_80_as_the_json_escape(void **state) {
  static const struct unescape_row rows[] = {
      {"{\"k\":\"plain\"}", "{\"k\":\"plain\"}", "nothing to do"},
      {"{\"a\xc0\x80\":\"\xc0\x80\xc0\x80x\"}", "{\"a\\u0000\":\"\\u0000\\u0000x\"}",
       "names and runs"},
      {"\"\xc0\"", "\"\xc0\"", "a lone C0 is left alone"},
      {"\"\xc0\xc0\x80\"", "\"\xc0\\u0000\"", "a lone C0, then a pair"},
      {"\"\xc3\xa9\"", "\"\xc3\xa9\"", "other UTF-8 is untouched"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    struct emu_buf out;
    emu_buf_init(&out, 1024);
    assert_int_equal(emu_json_nul_escape(&out, rows[i].in, strlen(rows[i].in)), 0);
    if (out.len != strlen(rows[i].out) || memcmp(out.data, rows[i].out, out.len) != 0)
      fail_msg("row %zu (%s): got \"%.*s\"", i, rows[i].reason, (int)out.len, out.data);
    emu_buf_free(&out);
  }
}

static void escape_fails_at_the_buffer_limit(void **state) {
  struct emu_buf out;

  (void)state;
  emu_buf_init(&out, 8);
  assert_int_equal(emu_json_nul_escape(&out, "\"\xc0\x80\xc0\x80\"", 6), -1);
  emu_buf_free(&out);
}

static void add_const_keeps_the_key_pointer_and_survives_duplicate_and_delete(void **state) {
  static const char key[] = "routeKey";
  cJSON *o = cJSON_CreateObject(), *v, *copy;
  char *text;

  (void)state;
  v = emu_json_add_const(o, key, cJSON_CreateString("$default"));
  assert_non_null(v);
  assert_ptr_equal(v->string, key); /* not a copy */
  assert_ptr_equal(cJSON_GetObjectItemCaseSensitive(o, "routeKey"), v);
  copy = cJSON_Duplicate(o, 1);
  text = cJSON_PrintUnformatted(copy);
  assert_string_equal(text, "{\"routeKey\":\"$default\"}");
  free(text);
  cJSON_Delete(copy); /* must not free the literal */
  cJSON_Delete(o);
}

static void add_const_of_null_adds_nothing(void **state) {
  cJSON *o = cJSON_CreateObject();

  (void)state;
  assert_null(emu_json_add_const(o, "x", NULL));
  assert_int_equal(cJSON_GetArraySize(o), 0);
  cJSON_Delete(o);
}

/* Reads text as JSON and converts it with emu_json_int. */
static int int_of(const char *text, int64_t lo, int64_t hi, int64_t *out) {
  cJSON *v = cJSON_Parse(text);
  int ok = emu_json_int(v, lo, hi, out);

  cJSON_Delete(v);
  return ok;
}

static void int_converts_numbers_in_range_and_refuses_the_rest_unconverted(void **state) {
  int64_t n = 42;

  (void)state;
  assert_true(int_of("7", 0, 10, &n));
  assert_int_equal(n, 7);
  assert_true(int_of("2.9", 0, 10, &n)); /* truncated toward zero */
  assert_int_equal(n, 2);
  assert_true(int_of("-5", -10, 10, &n));
  assert_int_equal(n, -5);
  n = 42;
  assert_false(int_of("11", 0, 10, &n));
  assert_false(int_of("-1", 0, 10, &n));
  assert_false(int_of("\"7\"", 0, 10, &n));
  assert_false(int_of("null", 0, 10, &n));
  /* Beyond every int64_t: refused before any conversion (UBSan's
   * float-cast-overflow would stop the sanitized build otherwise). */
  assert_false(int_of("7.44e44", 1, INT64_MAX, &n));
  assert_false(int_of("-1e300", INT64_MIN, INT64_MAX, &n));
  assert_false(int_of("9223372036854775808", 0, INT64_MAX, &n));
  assert_int_equal(n, 42);
  assert_true(int_of("4294967295", 0, UINT32_MAX, &n));
  assert_int_equal(n, 4294967295LL);
  assert_false(int_of("4294967296", 0, UINT32_MAX, &n));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(depth_at_the_limit_passes_and_one_more_level_fails),
      cmocka_unit_test(brackets_inside_strings_and_escapes_do_not_count),
      cmocka_unit_test(the_scan_stops_at_the_given_length),
      cmocka_unit_test(the_scan_finds_nul_escapes_and_raw_c0_c1_only_inside_strings),
      cmocka_unit_test(unescape_turns_nul_escapes_in_strings_into_c0_80),
      cmocka_unit_test(unescaped_text_parses_with_the_nul_kept_as_c0_80),
      cmocka_unit_test(escape_writes_c0_80_as_the_json_escape),
      cmocka_unit_test(escape_fails_at_the_buffer_limit),
      cmocka_unit_test(add_const_keeps_the_key_pointer_and_survives_duplicate_and_delete),
      cmocka_unit_test(add_const_of_null_adds_nothing),
      cmocka_unit_test(int_converts_numbers_in_range_and_refuses_the_rest_unconverted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
