/*
 * fuzz_scenario.c - libFuzzer target: the scenario loader's checks
 * (scenario_check_doc, what `wsgw test` runs before any step) on arbitrary
 * JSON text. Scenario files name a "configFile" relative to their own
 * directory: the document is checked as if it were fixtures/fuzz/x.json
 * (the targets run from the repository root).
 * Ownership: the parsed document is freed before returning.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
  if (doc) {
    (void)scenario_check_doc(doc, "fixtures/fuzz/x.json", err, sizeof(err));
    cJSON_Delete(doc);
  }
  return 0;
}
