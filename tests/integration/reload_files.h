/*
 * reload_files.h - file helpers shared by the reload tests
 * (test_lambda_handlers.c, test_emu_reload.c, test_node_functions.c,
 * test_lambda_runtimes.c): a scratch directory, a text file written whole, and the
 * two ways a rebuild replaces a file (a new file renamed over it; the file
 * truncated and rewritten in place). The libraries themselves are built
 * from reload_lib.c; ctest passes their paths in WSGW_RELOAD_LIB_<VARIANT>.
 * Threading: the test thread.
 */
#ifndef RELOAD_FILES_H
#define RELOAD_FILES_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The path of a test library variant ("V1", "V2", "MISSING", "UNRESOLVED",
 * "NOTABLE"), or NULL outside ctest. */
static inline const char *reload_lib(const char *variant) {
  char name[64];

  snprintf(name, sizeof(name), "WSGW_RELOAD_LIB_%s", variant);
  return getenv(name);
}

/* Writes src's bytes into the open descriptor out. 0 or -1. */
static inline int reload_copy_fd(const char *src, int out) {
  char buf[65536];
  int in = open(src, O_RDONLY);
  ssize_t n;

  if (in < 0)
    return -1;
  while ((n = read(in, buf, sizeof(buf))) > 0)
    if (write(out, buf, (size_t)n) != n) {
      n = -1;
      break;
    }
  close(in);
  return n < 0 ? -1 : 0;
}

/* A new file dst with src's content, written beside it and renamed over
 * it (what a linker or `cp` + `mv` does). 0 or -1. */
static inline int reload_replace_by_rename(const char *src, const char *dst) {
  char tmp[1024];
  int out, rc;

  snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
  out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0755);
  if (out < 0)
    return -1;
  rc = reload_copy_fd(src, out);
  if (close(out) != 0 || rc != 0)
    return -1;
  return rename(tmp, dst);
}

/* dst truncated and rewritten with src's content (same inode). 0 or -1. */
static inline int reload_rewrite_in_place(const char *src, const char *dst) {
  int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755), rc;

  if (out < 0)
    return -1;
  rc = reload_copy_fd(src, out);
  return close(out) != 0 || rc != 0 ? -1 : 0;
}

/* Writes text to path through a renamed temporary file. 0 or -1. */
static inline int reload_write_text(const char *path, const char *text) {
  char tmp[1024];
  FILE *f;

  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  if (!(f = fopen(tmp, "w")))
    return -1;
  fputs(text, f);
  if (fclose(f) != 0)
    return -1;
  return rename(tmp, path);
}

/* A fresh scratch directory in dir (cap bytes), or -1. */
static inline int reload_scratch(char *dir, size_t cap) {
  snprintf(dir, cap, "/tmp/wsgw-reload-test-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

/* Removes the files the tests put in a scratch directory, then it. */
static inline void reload_scratch_remove(const char *dir) {
  static const char *const names[] = {"libapp.so",   "libapp.so.tmp",   "libother.so",
                                      "config.json", "config.json.tmp", "stderr.txt"};
  char path[1024];
  size_t i;

  for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}

#endif
