/*
 * emu_health.h - `wsgw health URL`: one plain-HTTP GET, success when the
 * answer is 200. The container image's HEALTHCHECK runs it against the
 * emulator's own `GET /` (docker/Dockerfile), so the image needs no curl.
 *
 * Ownership: arguments are borrowed; nothing outlives a call.
 * Threading: reentrant; each call uses its own connection.
 */
#ifndef EMU_HEALTH_H
#define EMU_HEALTH_H

#include <stddef.h>

/* Default time allowed for the answer (the connect is not bounded by it). */
#define EMU_HEALTH_DEFAULT_TIMEOUT_MS 3000

/* GETs url ("http://HOST[:PORT][/PATH]"; HOST may be a name, an IPv4 address
 * or a bracketed IPv6 address; PORT defaults to 80, PATH to "/"). Returns the
 * HTTP status, with up to cap - 1 bytes of the body's first line in line
 * (may be NULL). Otherwise the reason is in err and the result is -2 for a
 * malformed URL, -1 for no connection or no answer within timeout_ms.
 * civetweb must be initialised (mg_init_library, or a running server). */
int emu_health_get(const char *url, int timeout_ms, char *line, size_t line_cap, char *err,
                   size_t err_cap);

/* `wsgw health [--timeout SECS] URL` (argv after "health"): prints the status
 * and the body's first line. Returns the exit status: 0 for a 200, 1 for any
 * other status or no answer, 2 for a usage error. */
int emu_health_main(int argc, char **argv);

#endif
