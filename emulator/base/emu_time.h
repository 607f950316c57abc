/*
 * emu_time.h - clocks and the time formats AWS puts on the wire.
 *
 * Threading: pure functions over the system clocks.
 */
#ifndef EMU_TIME_H
#define EMU_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock milliseconds since the epoch. */
int64_t emu_time_now_ms(void);
/* Monotonic milliseconds (for deadlines). */
int64_t emu_time_mono_ms(void);
/* "11/Nov/2024:11:35:24 +0000" (CLF, UTC, English month). cap >= 32. */
void emu_time_clf(int64_t epoch_ms, char *out, size_t cap);
/* "2024-11-11T11:35:24.553Z". cap >= 32. */
void emu_time_iso8601(int64_t epoch_ms, char *out, size_t cap);

#endif
