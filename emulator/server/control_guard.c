/*
 * control_guard.c - the Host, Origin, Sec-Fetch-Site and Content-Type rules
 * of the control endpoints (see control_guard.h).
 */
#include "control_guard.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

/* Longest host name (RFC 1035: 253) or address literal handled. */
#define NAME_MAX_LEN 255

/* The host part of an authority ("name", "name:port", "1.2.3.4:port",
 * "[::1]:port") into out, lower-cased, without one trailing dot. *v6 is set
 * for a bracketed literal. -1 when malformed. */
static int authority_host(const char *a, size_t len, char out[NAME_MAX_LEN + 1], int *v6) {
  const char *end = a + len, *host_end;
  size_t n, i;

  *v6 = 0;
  if (len == 0)
    return -1;
  if (a[0] == '[') {
    const char *close = memchr(a, ']', len);
    if (!close)
      return -1;
    *v6 = 1;
    a++;
    host_end = close;
    if (close + 1 != end && close[1] != ':')
      return -1;
  } else {
    const char *colon = memchr(a, ':', len);
    host_end = colon ? colon : end;
    if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
      return -1; /* an IPv6 literal must be bracketed */
  }
  /* The port, if any: digits only. */
  if (host_end < end) {
    const char *p = host_end + (*v6 ? 2 : 1);
    if (*v6 && host_end + 1 == end)
      p = end;
    for (; p < end; p++)
      if (!isdigit((unsigned char)*p))
        return -1;
  }
  n = (size_t)(host_end - a);
  if (n > 0 && a[n - 1] == '.' && !*v6)
    n--;
  if (n == 0 || n > NAME_MAX_LEN)
    return -1;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)a[i];
    if (c <= ' ' || c >= 0x7f || c == '/' || c == '\\' || c == '@')
      return -1;
    out[i] = (char)tolower(c);
  }
  out[n] = '\0';
  return 0;
}

static int is_loopback_name(const char *name) {
  size_t n = strlen(name);
  return strcmp(name, "localhost") == 0 || (n > 10 && strcmp(name + n - 10, ".localhost") == 0);
}

static int is_ip_literal(const char *name, int v6) {
  unsigned char addr[16];
  return inet_pton(v6 ? AF_INET6 : AF_INET, name, addr) == 1;
}

static int is_loopback_ip(const char *name, int v6) {
  unsigned char addr[16];
  static const unsigned char one[16] = {[15] = 1};
  if (inet_pton(v6 ? AF_INET6 : AF_INET, name, addr) != 1)
    return 0;
  return v6 ? memcmp(addr, one, 16) == 0 : addr[0] == 127;
}

/* Whether name is one of the comma-separated entries of list (a "*" entry
 * matches any name when star is set). */
static int in_list(const char *name, const char *list, int star) {
  const char *p = list;

  while (p && *p) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    while (n && *p == ' ')
      p++, n--;
    while (n && p[n - 1] == ' ')
      n--;
    if (n == 1 && *p == '*' && star)
      return 1;
    if (n && n == strlen(name) && strncasecmp(p, name, n) == 0)
      return 1;
    p = comma ? comma + 1 : NULL;
  }
  return 0;
}

int control_guard_host_ok(const char *host, const char *allow_hosts) {
  char name[NAME_MAX_LEN + 1];
  int v6;

  if (!host || authority_host(host, strlen(host), name, &v6) != 0)
    return in_list("", allow_hosts, 1) && host && *host; /* only "*" lets odd Hosts in */
  return is_loopback_name(name) || is_ip_literal(name, v6) || in_list(name, allow_hosts, 1);
}

/* Whether the Origin header value names a page that may drive wsgw. */
static int origin_ok(const char *origin, const char *host, const char *allow_hosts) {
  char name[NAME_MAX_LEN + 1];
  const char *auth;
  size_t len;
  int v6;

  if (strncasecmp(origin, "http://", 7) == 0)
    auth = origin + 7;
  else if (strncasecmp(origin, "https://", 8) == 0)
    auth = origin + 8;
  else
    return 0; /* "null", file:, extensions, garbage */
  len = strcspn(auth, "/?#");
  if (auth[len] != '\0' || authority_host(auth, len, name, &v6) != 0)
    return 0;
  if (host && strlen(host) == len && strncasecmp(host, auth, len) == 0)
    return 1; /* same origin: the page was served by this Host */
  return is_loopback_name(name) || is_loopback_ip(name, v6) || in_list(name, allow_hosts, 0);
}

/* Whether the Content-Type's media type is application/json. */
static int is_json(const char *content_type) {
  size_t n;

  if (!content_type)
    return 0;
  while (*content_type == ' ' || *content_type == '\t')
    content_type++;
  n = strcspn(content_type, "; \t");
  return n == 16 && strncasecmp(content_type, "application/json", 16) == 0;
}

const char *control_guard_refusal(const struct control_guard_request *req, const char *allow_hosts,
                                  int *status) {
  *status = 403;
  if (!control_guard_host_ok(req->host, allow_hosts))
    return "the Host header names no loopback host or address (allow a name with wsgw serve "
           "--allow-host NAME)";
  if (req->origin && !origin_ok(req->origin, req->host, allow_hosts))
    return "cross-site requests may not use the control endpoints (allow a page's host with "
           "wsgw serve --allow-host NAME)";
  if (req->sec_fetch_site && strcasecmp(req->sec_fetch_site, "cross-site") == 0)
    return "cross-site requests may not use the control endpoints";
  if (req->method && strcmp(req->method, "POST") == 0 && !is_json(req->content_type)) {
    *status = 415;
    return "a POST to a control endpoint needs Content-Type: application/json";
  }
  return NULL;
}

const char *control_guard_browser_refusal(const char *host, const char *origin,
                                          const char *sec_fetch_site, const char *allow_hosts) {
  if ((!origin && !sec_fetch_site) || control_guard_host_ok(host, allow_hosts))
    return NULL;
  return "a browser request reached wsgw under a Host that is no loopback name or address, as a "
         "DNS-rebinding page would (allow a name with wsgw serve --allow-host NAME)";
}
