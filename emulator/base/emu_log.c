/*
 * emu_log.c - leveled, tagged log lines on stderr (see emu_log.h).
 *
 * The level is an atomic int so that tests may change it at any time.
 */
#include "emu_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_int log_level = EMU_LOG_WARN;

void emu_log_set_level(enum emu_log_level level) {
  atomic_store(&log_level, (int)level);
}
enum emu_log_level emu_log_get_level(void) {
  return (enum emu_log_level)atomic_load(&log_level);
}

void emu_log(enum emu_log_level level, const char *module, const char *fmt, ...) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  char line[2048];
  va_list ap;

  if ((int)level > atomic_load(&log_level))
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "wsgw %s [%s] %s\n", names[level], module, line);
}
