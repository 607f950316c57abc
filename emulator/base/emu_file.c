/*
 * emu_file.c - a whole file read into memory, bounded (see emu_file.h).
 */
#include "emu_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

enum emu_file_status emu_file_read(const char *path, size_t max, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  char *data = NULL;
  size_t n = 0, cap = 0;
  enum emu_file_status st = EMU_FILE_OK;

  *out = NULL;
  if (!f)
    return EMU_FILE_CANNOT_OPEN;
  for (;;) {
    size_t got, want;
    if (n + 1 >= cap) {
      /* one byte past max is read to tell "exactly max" from "more" */
      size_t grown = cap ? cap * 2 : 8192;
      char *p;
      if (grown > max + 2)
        grown = max + 2;
      if (grown <= cap || !(p = realloc(data, grown))) {
        st = EMU_FILE_READ_ERROR;
        break;
      }
      data = p;
      cap = grown;
    }
    want = cap - 1 - n;
    got = fread(data + n, 1, want, f);
    n += got;
    if (n > max) {
      st = EMU_FILE_TOO_LARGE;
      break;
    }
    if (got < want) {
      if (ferror(f))
        st = EMU_FILE_READ_ERROR;
      break;
    }
  }
  fclose(f);
  if (st != EMU_FILE_OK) {
    free(data);
    return st;
  }
  data[n] = '\0';
  *out = data;
  if (len)
    *len = n;
  return EMU_FILE_OK;
}
