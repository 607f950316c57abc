/*
 * wsgw_kit_http.h - inside the kit library only: wsgw_kit_http with the
 * caller's deadline, for the scenario runner's `http` steps (`timeoutMs`).
 * The public form, wsgw_kit_http (include/wsgw/kit.h), allows 10 s.
 * Ownership and threading as wsgw_kit_http's.
 */
#ifndef WSGW_KIT_HTTP_H
#define WSGW_KIT_HTTP_H

#include <stddef.h>

#include <wsgw/kit.h>

int wsgw_kit_http_timed(int port, const char *method, const char *path, const char *const *headers,
                        const void *body, size_t len, int timeout_ms,
                        struct wsgw_kit_http_response *resp);

#endif
