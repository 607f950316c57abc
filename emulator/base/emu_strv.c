/*
 * emu_strv.c - NULL-terminated string arrays (see emu_strv.h).
 */
#include "emu_strv.h"

#include <stdlib.h>
#include <string.h>

size_t emu_strv_len(const char *const *v) {
  size_t n = 0;

  while (v && v[n])
    n++;
  return n;
}

char **emu_strv_dup(const char *const *v) {
  size_t n = emu_strv_len(v);
  char **out;

  if (!v || !(out = calloc(n + 1, sizeof(*out))))
    return NULL;
  for (size_t i = 0; i < n; i++)
    if (!(out[i] = strdup(v[i]))) {
      emu_strv_free(out);
      return NULL;
    }
  return out;
}

void emu_strv_free(char **v) {
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}
