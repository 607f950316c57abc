/*
 * emu_log.h - leveled log lines to stderr with a module tag, curl-style:
 *   emu_log_info("ws", "connected %s", id)  ->  "wsgw [ws] connected ..."
 *
 * Threading: safe from any thread (one fprintf per line; stdio locks the
 * stream). The level is process-wide and set once at start-up.
 */
#ifndef EMU_LOG_H
#define EMU_LOG_H

enum emu_log_level { EMU_LOG_ERROR = 0, EMU_LOG_WARN, EMU_LOG_INFO, EMU_LOG_DEBUG };

void emu_log_set_level(enum emu_log_level level);
enum emu_log_level emu_log_get_level(void);
void emu_log(enum emu_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define emu_log_error(mod, ...) emu_log(EMU_LOG_ERROR, mod, __VA_ARGS__)
#define emu_log_warn(mod, ...) emu_log(EMU_LOG_WARN, mod, __VA_ARGS__)
#define emu_log_info(mod, ...) emu_log(EMU_LOG_INFO, mod, __VA_ARGS__)
#define emu_log_debug(mod, ...) emu_log(EMU_LOG_DEBUG, mod, __VA_ARGS__)

#endif
