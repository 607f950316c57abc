/*
 * dynamo_rows.c - the row runner and store fixture of the DynamoDB API
 * tests (see dynamo_rows.h).
 */
#define _XOPEN_SOURCE 700
#include "dynamo_rows.h"

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dynamo_api.h"
#include "store.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

int dynamo_rows_setup(void **state) {
  struct dynamo_fixture *f = calloc(1, sizeof(*f));
  char err[256];

  snprintf(f->dir, sizeof(f->dir), "/tmp/wsgw-test-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  f->db = dynamo_open(f->dir, "us-east-1", STORE_DURABLE, err, sizeof(err));
  assert_non_null(f->db);
  *state = f;
  return 0;
}

int dynamo_rows_teardown(void **state) {
  struct dynamo_fixture *f = *state;

  dynamo_close(f->db);
  nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

void dynamo_rows_run(struct dynamo *db, const struct dynamo_row *rows, size_t n) {
  size_t i;

  for (i = 0; i < n; i++) {
    struct emu_buf out;
    int status;
    emu_buf_init(&out, 1 << 24);
    status = dynamo_api_call(db, rows[i].op, rows[i].request, strlen(rows[i].request), &out);
    if (status != rows[i].status ||
        (rows[i].type && (!out.data || !strstr(out.data, rows[i].type))) ||
        (!rows[i].type && out.data && strstr(out.data, "__type")) ||
        (rows[i].contains && (!out.data || !strstr(out.data, rows[i].contains)))) {
      char body[1024];
      snprintf(body, sizeof(body), "%s", out.data ? out.data : "");
      emu_buf_free(&out);
      fail_msg("row %zu (%s): %s\n  request: %.600s\n  status %d, body: %s", i, rows[i].op,
               rows[i].reason, rows[i].request, status, body);
    }
    emu_buf_free(&out);
  }
}

cJSON *dynamo_rows_call_ok(struct dynamo *db, const char *op, const char *request) {
  struct emu_buf out;
  cJSON *resp;
  int status;

  emu_buf_init(&out, (size_t)1 << 26);
  status = dynamo_api_call(db, op, request, strlen(request), &out);
  if (status != 200) {
    char body[1024];
    snprintf(body, sizeof(body), "%s", out.data ? out.data : "");
    emu_buf_free(&out);
    fail_msg("%s failed (%d): %s\n  request: %.300s", op, status, body, request);
  }
  resp = cJSON_Parse(out.data);
  emu_buf_free(&out);
  assert_non_null(resp);
  return resp;
}
