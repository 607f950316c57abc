/*
 * test_dynamo_golden.c - runs the golden DynamoDB request/response pairs in
 * fixtures/dynamo/ (see its README): for each <Operation>/<case>, a fresh
 * store, the setup steps, the request, then the status and a JSON-subset
 * match of the body. One cmocka test walks them all and names every failing
 * case.
 */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE /* DT_DIR, scandir */
#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "dynamo_api.h"
#include <wsgw/kit.h>

/* Whether `got` contains `want`: objects by member, arrays element-wise with
 * equal length, scalars equal. Writes the path of the first difference. */
static int subset(const cJSON *want, const cJSON *got, char *path, size_t cap) {
  const cJSON *w, *g;
  size_t used = strlen(path);

  if (cJSON_IsObject(want)) {
    if (!cJSON_IsObject(got))
      return 0;
    cJSON_ArrayForEach(w, want) {
      snprintf(path + used, cap - used, ".%s", w->string);
      g = cJSON_GetObjectItemCaseSensitive(got, w->string);
      if (!g || !subset(w, g, path, cap))
        return 0;
    }
    path[used] = '\0';
    return 1;
  }
  if (cJSON_IsArray(want)) {
    int i = 0;
    if (!cJSON_IsArray(got) || cJSON_GetArraySize(want) != cJSON_GetArraySize(got))
      return 0;
    for (w = want->child, g = got->child; w && g; w = w->next, g = g->next, i++) {
      snprintf(path + used, cap - used, "[%d]", i);
      if (!subset(w, g, path, cap))
        return 0;
    }
    path[used] = '\0';
    return 1;
  }
  return cJSON_Compare(want, got, 1);
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static cJSON *read_json(const char *path) {
  size_t len;
  char *text = wsgw_kit_read_file(path, &len);
  cJSON *j = text ? cJSON_ParseWithLength(text, len) : NULL;

  free(text);
  return j;
}

static int call(struct dynamo *db, const char *op, const cJSON *req, cJSON **resp) {
  struct emu_buf out;
  char *text = cJSON_PrintUnformatted(req);
  int status;

  emu_buf_init(&out, 1 << 24);
  status = dynamo_api_call(db, op, text, strlen(text), &out);
  *resp = cJSON_ParseWithLength(out.data ? out.data : "", out.len);
  cJSON_free(text);
  emu_buf_free(&out);
  return status;
}

/* Runs one case; returns 0, or -1 with a description in why. */
static int run_case(const char *root, const cJSON *setup, const char *op, const char *name,
                    char *why, size_t cap) {
  char dir[] = "/tmp/wsgw-golden-XXXXXX", path[4096], diff[1024] = "", err[256];
  struct dynamo *db;
  cJSON *req, *expect, *resp = NULL;
  const cJSON *step, *want_status, *want_body;
  int status, rc = -1;

  if (!mkdtemp(dir) || !(db = dynamo_open(dir, "us-east-1", 1, err, sizeof(err)))) {
    snprintf(why, cap, "cannot open a store");
    return -1;
  }
  cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(setup, "steps")) {
    const cJSON *sop = cJSON_GetObjectItemCaseSensitive(step, "op");
    cJSON *sresp = NULL;
    status = call(db, sop->valuestring, cJSON_GetObjectItemCaseSensitive(step, "request"), &sresp);
    cJSON_Delete(sresp);
    if (status != 200) {
      snprintf(why, cap, "setup step %s answered %d", sop->valuestring, status);
      goto out;
    }
  }
  snprintf(path, sizeof(path), "%s/%s/%s.request.json", root, op, name);
  req = read_json(path);
  snprintf(path, sizeof(path), "%s/%s/%s.response.json", root, op, name);
  expect = read_json(path);
  if (!req || !expect) {
    snprintf(why, cap, "unreadable request or response file");
    cJSON_Delete(req);
    cJSON_Delete(expect);
    goto out;
  }
  status = call(db, op, req, &resp);
  want_status = cJSON_GetObjectItemCaseSensitive(expect, "status");
  want_body = cJSON_GetObjectItemCaseSensitive(expect, "body");
  if (!cJSON_IsNumber(want_status) || status != want_status->valueint) {
    char *got = cJSON_PrintUnformatted(resp);
    snprintf(why, cap, "status %d, expected %d; body %s", status,
             cJSON_IsNumber(want_status) ? want_status->valueint : -1, got ? got : "");
    cJSON_free(got);
  } else if (want_body && !subset(want_body, resp, diff, sizeof(diff))) {
    char *got = cJSON_PrintUnformatted(resp);
    snprintf(why, cap, "body differs at %s: %s", diff[0] ? diff : "(top)", got ? got : "");
    cJSON_free(got);
  } else {
    rc = 0;
  }
  cJSON_Delete(req);
  cJSON_Delete(expect);
out:
  cJSON_Delete(resp);
  dynamo_close(db);
  nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
  return rc;
}

static void every_golden_pair_matches(void **state) {
  char root[1024], setup_path[1100], sub[1400];
  struct dirent **ops = NULL, **files = NULL;
  cJSON *setup;
  int nops, i, j, cases = 0, failures = 0;

  (void)state;
  snprintf(root, sizeof(root), "fixtures/dynamo"); /* ctest runs from the repository root */
  snprintf(setup_path, sizeof(setup_path), "%s/setup.json", root);
  setup = read_json(setup_path);
  assert_non_null(setup);
  nops = scandir(root, &ops, NULL, alphasort);
  assert_true(nops > 0);
  for (i = 0; i < nops; i++) {
    int nfiles;
    if (ops[i]->d_name[0] == '.' || ops[i]->d_type != DT_DIR) {
      free(ops[i]);
      continue;
    }
    snprintf(sub, sizeof(sub), "%s/%s", root, ops[i]->d_name);
    nfiles = scandir(sub, &files, NULL, alphasort);
    for (j = 0; j < nfiles; j++) {
      const char *f = files[j]->d_name, *suffix = strstr(f, ".request.json");
      char name[256], why[2048];
      if (suffix && suffix[13] == '\0') {
        snprintf(name, sizeof(name), "%.*s", (int)(suffix - f), f);
        cases++;
        if (run_case(root, setup, ops[i]->d_name, name, why, sizeof(why)) != 0) {
          print_error("golden %s/%s: %s\n", ops[i]->d_name, name, why);
          failures++;
        }
      }
      free(files[j]);
    }
    free(files);
    free(ops[i]);
  }
  free(ops);
  cJSON_Delete(setup);
  assert_true(cases >= 15);
  assert_int_equal(failures, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_golden_pair_matches),
  };
  return cmocka_run_group_tests_name("dynamo_golden", tests, NULL, NULL);
}
