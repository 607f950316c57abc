/*
 * test_readme_example.c - the two README examples of the 410 suite, kept
 * from rotting:
 *   - the C test between the markers below is shown verbatim in
 *     docs/examples.md (and in README.md once pasted there), and runs here;
 *   - the scenario tests/regression/gone_410/readme_example.json is shown
 *     verbatim there too (ctest regression.gone_410_scenarios runs it).
 * main() changes to $WSGW_SOURCE_DIR (ctest sets it to the repository root),
 * so config paths are relative to the repository, as in the docs.
 * Threading: the test thread only.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* README example: begin */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <wsgw/kit.h>

#define OK(call)                        \
  do {                                  \
    if ((call) != 0)                    \
      fail_msg("%s", wsgw_kit_error()); \
  } while (0)
#define STALE "{\"id\":{\"S\":\"StaleStaleStal0=\"}}" /* an id whose $disconnect was lost */

static void a_broadcast_deletes_a_stale_connection_id(void **state) {
  char err[512];
  struct wsgw_kit_emu *emu = wsgw_kit_start(
      &(struct wsgw_kit_options){.config_file = "fixtures/chat-app.json"}, err, sizeof err);
  struct wsgw_kit_ws *alice = emu ? wsgw_kit_connect(emu, NULL, NULL) : NULL;
  if (!alice)
    fail_msg("%s", emu ? wsgw_kit_error() : err);
  OK(wsgw_kit_db_put(emu, "Connections", STALE));
  OK(wsgw_kit_send_text(alice, "{\"action\":\"sendmessage\",\"data\":\"hi\"}"));
  OK(wsgw_kit_expect_text(alice, "hi", 2000));
  OK(wsgw_kit_db_expect_item(emu, "Connections", STALE, NULL, 2000)); /* 410 -> deleted */
  OK(wsgw_kit_wait_invocations(emu, "sendmessage", wsgw_kit_ws_id(alice), "chat.sendmessage", 1,
                               2000));
  wsgw_kit_ws_free(alice);
  wsgw_kit_stop(emu);
}
/* README example: end */

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  long n;

  if (!f)
    return NULL;
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (data = malloc((size_t)n + 1)) != NULL) {
    if (fread(data, 1, (size_t)n, f) != (size_t)n) {
      free(data);
      data = NULL;
    } else {
      data[n] = '\0';
    }
  }
  fclose(f);
  return data;
}

/* 1 when `doc` shows `text` verbatim. */
static int shows(const char *doc, const char *text) {
  return doc && text && strstr(doc, text) != NULL;
}

/* The C example between the markers of this file, and readme_example.json,
 * as docs/examples.md shows them; README.md too once its examples section
 * (between <!-- examples:begin --> and <!-- examples:end -->) is filled in. */
static void the_docs_show_both_examples_verbatim(void **state) {
  const char *begin_mark = "/* README example: begin */\n";
  char *self = read_file("tests/regression/gone_410/test_readme_example.c");
  char *scenario = read_file("tests/regression/gone_410/readme_example.json");
  char *examples = read_file("docs/examples.md");
  char *readme = read_file("README.md");
  char *code = self ? strstr(self, begin_mark) : NULL;
  char *end = code ? strstr(code, "/* README example: end */") : NULL;
  char *rb = readme ? strstr(readme, "<!-- examples:begin -->") : NULL;
  char *re = rb ? strstr(rb, "<!-- examples:end -->") : NULL;
  int ok_code, ok_scenario, readme_filled, ok_readme = 1;

  (void)state;
  if (!end || !scenario || !examples) {
    free(self), free(scenario), free(examples), free(readme);
    fail_msg(
        "cannot read the markers of test_readme_example.c, readme_example.json or docs/examples.md");
    return; /* fail_msg is not declared noreturn; -O2 -Werror sees a use after free */
  }
  code += strlen(begin_mark);
  *end = '\0';
  ok_code = shows(examples, code);
  ok_scenario = shows(examples, scenario);
  readme_filled = re && (size_t)(re - rb) > strlen("<!-- examples:begin -->\n");
  if (readme_filled) {
    *re = '\0';
    ok_readme = shows(rb, code) && shows(rb, scenario);
  }
  free(self), free(scenario), free(examples), free(readme);
  if (!ok_code)
    fail_msg("docs/examples.md does not show the C example of test_readme_example.c verbatim");
  if (!ok_scenario)
    fail_msg(
        "docs/examples.md does not show tests/regression/gone_410/readme_example.json verbatim");
  if (!ok_readme)
    fail_msg("README.md's examples section does not show both examples verbatim");
}

int main(void) {
  const char *root = getenv("WSGW_SOURCE_DIR");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_broadcast_deletes_a_stale_connection_id),
      cmocka_unit_test(the_docs_show_both_examples_verbatim),
  };

  if (root && *root && chdir(root) != 0) {
    perror(root);
    return 1;
  }
  return cmocka_run_group_tests_name("gone_410_readme_example", tests, NULL, NULL);
}
