/*
 * control_guard.h - who may use the /_wsgw/ control endpoints (the faults,
 * the invocation log, connection kills, the chat page).
 *
 * A local dev server is attacked through the developer's own browser: a
 * page on another site sends cross-site requests to 127.0.0.1, or uses DNS
 * rebinding (its own name resolving to 127.0.0.1) to get past the
 * same-origin policy. A control request is refused unless all of these hold:
 *
 *   Host      names a loopback name (localhost, *.localhost), any IP
 *             address literal (a rebinding page's Host is always a name), or
 *             a name given with --allow-host ("*": any Host). 403.
 *   Origin    absent, or its host is loopback (localhost, *.localhost,
 *             127.0.0.0/8, [::1]), allowed with --allow-host, or the
 *             request's own Host (the page came from wsgw). "null" is
 *             refused. 403.
 *   Sec-Fetch-Site  not "cross-site" (a browser says so for a request
 *             that another site's page makes, even a plain GET). 403.
 *   POST      needs Content-Type application/json, which a simple
 *             (preflight-free) cross-site request cannot send; DELETE,
 *             PUT and PATCH are never simple. 415.
 *
 * The DynamoDB and @connections endpoints apply only the Host rule, and
 * only to browser requests (control_guard_browser_refusal).
 *
 * Invariants: pure string checks; header values are read as they came
 * (civetweb's); no allocation. Threading: pure functions.
 */
#ifndef CONTROL_GUARD_H
#define CONTROL_GUARD_H

#include <stddef.h>

/* The request's headers that matter (NULL: absent). */
struct control_guard_request {
  const char *method;
  const char *host;
  const char *origin;
  const char *sec_fetch_site;
  const char *content_type;
};

/* NULL when the request may go on; otherwise a one-sentence reason, and
 * *status gets 403 or 415. allow_hosts: the --allow-host names, separated
 * by commas (case-insensitive, no port), or NULL/"". */
const char *control_guard_refusal(const struct control_guard_request *req, const char *allow_hosts,
                                  int *status);

/* Whether the Host header value (name or address, optional :port) passes
 * the Host rule above. */
int control_guard_host_ok(const char *host, const char *allow_hosts);

/* The AWS endpoints (DynamoDB, @connections) take any Host: SDKs in a
 * container call wsgw by its service name. A browser, though, marks its
 * requests with Origin or Sec-Fetch-Site, and a DNS-rebinding page reaches
 * wsgw under the page's own name. So a request that carries either header
 * must pass the Host rule above. NULL when the request may go on, else a
 * one-sentence reason (the answer is 403). */
const char *control_guard_browser_refusal(const char *host, const char *origin,
                                          const char *sec_fetch_site, const char *allow_hosts);

#endif
