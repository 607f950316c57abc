/*
 * fuzz_dynamo_request.c - libFuzzer target: the DynamoDB request path, a
 * JSON body to the response (dynamo_api_call), on a scratch store.
 *
 * Input: the operation name, a newline, then the request body
 * ("PutItem\n{...}"); an input without a newline is a PutItem body. The
 * store holds table "fuzz" (pk S, sk N; a GSI on g) and is recreated every
 * FUZZ_RESET calls so that its size stays bounded.
 * Invariants checked: every call answers a status in 200..599 and a body
 * that is a JSON object (the error shape or the result).
 * Ownership: the process owns one store directory, removed on reset.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dynamo_api.h"
#include "emu_buf.h"
#include "store.h"

#define FUZZ_RESET 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_BUF_LIMIT ((size_t)1 << 26)

static struct dynamo *db;
static char dir[64];
static unsigned calls;

static const char create_table[] =
    "{\"TableName\":\"fuzz\",\"BillingMode\":\"PAY_PER_REQUEST\","
    "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"
    "{\"AttributeName\":\"sk\",\"AttributeType\":\"N\"},"
    "{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"
    "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"},"
    "{\"AttributeName\":\"sk\",\"KeyType\":\"RANGE\"}],"
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"byg\",\"KeySchema\":"
    "[{\"AttributeName\":\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"}}]}";

/* The store directory holds files only (LMDB's data and lock files). */
static void remove_dir(void) {
  DIR *d = opendir(dir);
  struct dirent *e;
  char path[512];
  while (d && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
      snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
      unlink(path);
    }
  }
  if (d) {
    closedir(d);
  }
  rmdir(dir);
}

static void fuzz_close(void) {
  if (db) {
    dynamo_close(db);
    db = NULL;
    remove_dir();
  }
}

static void fuzz_open(void) {
  char err[256];
  struct emu_buf out;
  snprintf(dir, sizeof(dir), "/tmp/wsgw-fuzz-XXXXXX");
  if (!mkdtemp(dir)) {
    abort();
  }
  db = dynamo_open(dir, "us-east-1", STORE_SCRATCH, err, sizeof(err));
  if (!db) {
    fprintf(stderr, "dynamo_open: %s\n", err);
    abort();
  }
  emu_buf_init(&out, FUZZ_BUF_LIMIT);
  if (dynamo_api_call(db, "CreateTable", create_table, strlen(create_table), &out) != 200) {
    fprintf(stderr, "CreateTable: %.*s\n", (int)out.len, out.data ? out.data : "");
    abort();
  }
  emu_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char op[64] = "PutItem";
  const char *nl = memchr(data, '\n', size);
  const char *body = (const char *)data;
  size_t len = size;
  struct emu_buf out;
  cJSON *answer;
  int status;
  if (nl && (size_t)(nl - (const char *)data) < sizeof(op)) {
    size_t n = (size_t)(nl - (const char *)data);
    memcpy(op, data, n);
    op[n] = '\0';
    body = nl + 1;
    len = size - n - 1;
  }
  if (!db) {
    atexit(fuzz_close);
    fuzz_open();
  } else if (++calls % FUZZ_RESET == 0) {
    fuzz_close();
    fuzz_open();
  }
  emu_buf_init(&out, FUZZ_BUF_LIMIT);
  status = dynamo_api_call(db, op, body, len, &out);
  if (status < 200 || status > 599) {
    abort();
  }
  answer = cJSON_ParseWithLength(out.data ? out.data : "", out.len);
  if (out.len && !cJSON_IsObject(answer)) {
    fprintf(stderr, "not a JSON object: %.*s\n", (int)out.len, out.data);
    abort();
  }
  cJSON_Delete(answer);
  emu_buf_free(&out);
  return 0;
}
