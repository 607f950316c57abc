/*
 * fuzz_config.c - libFuzzer target: the config loader
 * (emu_config_load_string) on arbitrary text. A config that loads is
 * looked up (every API by path, every route by key) and freed.
 * Ownership: the loaded config is freed before returning.
 * Threading: libFuzzer calls the entry point from one thread.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char err[512];
  struct emu_config cfg;
  char *text = malloc(size + 1);
  if (!text) {
    return 0;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  memset(&cfg, 0, sizeof(cfg));
  if (emu_config_load_string(text, "fuzz.json", &cfg, err, sizeof(err)) == 0) {
    size_t i, j;
    for (i = 0; i < cfg.napis; i++) {
      const struct emu_api *api = &cfg.apis[i];
      for (j = 0; j < api->nroutes; j++) {
        if (emu_api_route(api, api->routes[j].key) == NULL) {
          abort();
        }
      }
    }
    emu_config_free(&cfg);
  }
  free(text);
  return 0;
}
