/*
 * fuzz_serverless.c - libFuzzer target: the serverless.yml importer
 * (emu_serverless_to_json, with libyaml underneath) on arbitrary text.
 *
 * The importer reads a file: each input is written to serverless.yml in a
 * directory of the process's own (removed at exit), then imported for stage
 * "dev"; the JSON it makes must parse.
 * Ownership: the JSON text is freed before returning.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu_serverless.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[96];

static void remove_dir(void) {
  unlink(path);
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  char *json = NULL;
  FILE *f;
  if (!dir[0]) {
    snprintf(dir, sizeof(dir), "/tmp/wsgw-fuzz-sls-XXXXXX");
    if (!mkdtemp(dir)) {
      abort();
    }
    snprintf(path, sizeof(path), "%s/serverless.yml", dir);
    atexit(remove_dir);
  }
  f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    abort();
  }
  if (emu_serverless_to_json(path, "dev", &json, err, sizeof(err)) == 0) {
    cJSON *doc = cJSON_Parse(json);
    if (!doc) {
      fprintf(stderr, "the importer made invalid JSON: %s\n", json);
      abort();
    }
    cJSON_Delete(doc);
    free(json);
  }
  return 0;
}
