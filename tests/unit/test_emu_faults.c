/*
 * test_emu_faults.c - unit tests for emulator/base/emu_faults.c: the
 * numbers of a fault description. "count" and "seed" arrive as JSON
 * doubles (POST /_wsgw/faults, a scenario's fault step); one outside what
 * the fault list holds is refused with a message instead of being
 * converted (a conversion out of range is undefined behaviour; the fuzz
 * target fuzz_scenario found "count": 1.7e123).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <string.h>

#include "emu_faults.h"

struct fault_row {
  const char *spec;
  int ok;
  const char *message; /* a part of err when refused */
};

static void faults_refuse_counts_and_seeds_out_of_range(void **state) {
  static const struct fault_row rows[] = {
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"count\":1}", 1, NULL},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"count\":1000000000}", 1, NULL},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"count\":1e123}", 0, "\"count\""},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"count\":1000000001}", 0, "\"count\""},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"count\":0}", 0, "\"count\""},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"seed\":42}", 1, NULL},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"seed\":0}", 1, NULL},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"seed\":-1}", 0, "\"seed\""},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"seed\":1e300}", 0, "\"seed\""},
      {"{\"type\":\"handler.timeout\",\"handler\":\"x\",\"seed\":\"7\"}", 0, "\"seed\""},
  };
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    struct emu_faults *f = emu_faults_new();
    cJSON *spec = cJSON_Parse(rows[i].spec);
    char err[256] = "";
    int id;
    assert_non_null(f);
    assert_non_null(spec);
    id = emu_faults_add(f, spec, err, sizeof(err));
    if (rows[i].ok) {
      assert_true(id > 0);
    } else {
      assert_int_equal(id, -1);
      assert_non_null(strstr(err, rows[i].message));
    }
    cJSON_Delete(spec);
    emu_faults_free(f);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(faults_refuse_counts_and_seeds_out_of_range),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
