/*
 * emu_time.c - clocks and AWS time formats (see emu_time.h).
 */
#include "emu_time.h"

#include <stdio.h>
#include <time.h>

int64_t emu_time_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t emu_time_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void emu_time_clf(int64_t epoch_ms, char *out, size_t cap) {
  time_t secs = (time_t)(epoch_ms / 1000);
  struct tm tm;

  gmtime_r(&secs, &tm);
  snprintf(out, cap, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday, month_names[tm.tm_mon],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void emu_time_iso8601(int64_t epoch_ms, char *out, size_t cap) {
  time_t secs = (time_t)(epoch_ms / 1000);
  struct tm tm;

  gmtime_r(&secs, &tm);
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(epoch_ms % 1000));
}
