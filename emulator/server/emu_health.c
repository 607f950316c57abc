/*
 * emu_health.c - `wsgw health URL` (see emu_health.h): the container image's
 * HEALTHCHECK, so the runtime image needs no curl.
 *
 * Invariants: plain http:// only (the check runs inside the container, next
 * to the listener); one request with "Connection: close"; the body read is
 * capped (only its first line is kept); the answer is bounded by a timeout.
 * Ownership: the connection is opened and closed within emu_health_get.
 * Threading: reentrant; emu_health_main initialises civetweb for the process.
 */
#include "emu_health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#define HOST_MAX 256
#define PATH_MAX_LEN 2048

static int failf(int rc, char *err, size_t cap, const char *what, const char *detail) {
  snprintf(err, cap, "%s%s%s", what, detail && *detail ? ": " : "", detail ? detail : "");
  return rc;
}

/* Splits "http://HOST[:PORT][/PATH]". Returns 0 or -1 (malformed). */
static int parse_url(const char *url, char host[HOST_MAX], int *port, const char **path) {
  const char *p = url, *end;
  size_t len;

  if (strncmp(p, "http://", 7) != 0)
    return -1;
  p += 7;
  if (*p == '[') { /* [IPv6] */
    end = strchr(++p, ']');
    if (!end)
      return -1;
    len = (size_t)(end - p);
    end++;
  } else {
    len = strcspn(p, ":/?#");
    end = p + len;
  }
  if (len == 0 || len >= HOST_MAX)
    return -1;
  memcpy(host, p, len);
  host[len] = '\0';
  *port = 80;
  if (*end == ':') {
    char *stop;
    long v = strtol(end + 1, &stop, 10);
    if (stop == end + 1 || v < 1 || v > 65535 || (*stop && *stop != '/'))
      return -1;
    *port = (int)v;
    end = stop;
  } else if (*end && *end != '/') {
    return -1;
  }
  *path = *end ? end : "/";
  return strlen(*path) < PATH_MAX_LEN && !strpbrk(*path, " \r\n") ? 0 : -1;
}

int emu_health_get(const char *url, int timeout_ms, char *line, size_t line_cap, char *err,
                   size_t err_cap) {
  char host[HOST_MAX], ebuf[256] = "", body[512];
  const char *path;
  struct mg_connection *conn;
  int port, status, n;
  size_t len = 0;

  if (line && line_cap)
    line[0] = '\0';
  if (parse_url(url, host, &port, &path) != 0)
    return failf(-2, err, err_cap, "expected a URL http://HOST[:PORT][/PATH], got", url);
  conn = mg_connect_client(host, port, 0, ebuf, sizeof(ebuf));
  if (!conn)
    return failf(-1, err, err_cap, "cannot connect", ebuf);
  mg_printf(conn, "GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n", path, host, port);
  if (mg_get_response(conn, ebuf, sizeof(ebuf), timeout_ms) < 0) {
    mg_close_connection(conn);
    return failf(-1, err, err_cap, "no HTTP answer", ebuf);
  }
  status = mg_get_response_info(conn)->status_code;
  while (len + 1 < sizeof(body) && (n = mg_read(conn, body + len, sizeof(body) - 1 - len)) > 0)
    len += (size_t)n;
  body[len] = '\0';
  mg_close_connection(conn);
  if (line && line_cap)
    snprintf(line, line_cap, "%.*s", (int)strcspn(body, "\r\n"), body);
  return status;
}

int emu_health_main(int argc, char **argv) {
  const char *url = NULL;
  char line[256], err[512];
  int timeout_ms = EMU_HEALTH_DEFAULT_TIMEOUT_MS, status, i;

  for (i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: wsgw health [--timeout SECS] URL\n"
             "GETs URL (http:// only) and exits 0 when the answer is 200, else 1.\n"
             "The container image's health check: wsgw health http://127.0.0.1:8080/\n");
      return 0;
    }
    if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (!*argv[i] || *end || v < 1 || v > 3600) {
        fprintf(stderr, "wsgw health: --timeout: expected 1..3600 seconds, got \"%s\"\n", argv[i]);
        return 2;
      }
      timeout_ms = (int)v * 1000;
    } else if (!url && strncmp(argv[i], "--", 2) != 0) {
      url = argv[i];
    } else {
      fprintf(stderr,
              "wsgw health: %s: unexpected argument (usage: wsgw health "
              "[--timeout SECS] URL)\n",
              argv[i]);
      return 2;
    }
  }
  if (!url) {
    fprintf(stderr, "usage: wsgw health [--timeout SECS] URL\n");
    return 2;
  }
  mg_init_library(0);
  status = emu_health_get(url, timeout_ms, line, sizeof(line), err, sizeof(err));
  mg_exit_library();
  if (status < 0) {
    fprintf(stderr, "wsgw health: %s: %s\n", url, err);
    return status == -2 ? 2 : 1;
  }
  printf("%d %s\n", status, line);
  return status == 200 ? 0 : 1;
}
