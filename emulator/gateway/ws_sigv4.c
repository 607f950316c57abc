/*
 * ws_sigv4.c - the presigned-query check of `authorizer: "iam"` (see
 * ws_sigv4.h). The query is decoded with ws_event_parse_query, as the
 * $connect event's queryStringParameters are.
 */
#include "ws_sigv4.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "ws_event.h"

/* SPEC docs/spec/apigw-websocket.md 9: X-Amz-Expires is 1 to 604800 seconds (7 days). */
#define SIGV4_MAX_EXPIRES 604800

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return 1;
}

static int num(const char *s, size_t n) {
  int v = 0;

  for (size_t i = 0; i < n; i++)
    v = v * 10 + (s[i] - '0');
  return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int y, int m, int d) {
  int64_t era, yoe, doy, doe;

  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t ws_sigv4_parse_date(const char *t) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, s;

  if (strlen(t) != 16 || t[8] != 'T' || t[15] != 'Z' || !all_digits(t, 8) || !all_digits(t + 9, 6))
    return -1;
  y = num(t, 4);
  mo = num(t + 4, 2);
  d = num(t + 6, 2);
  h = num(t + 9, 2);
  mi = num(t + 11, 2);
  s = num(t + 13, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 59)
    return -1;
  if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return -1;
  return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

static const char *param(const cJSON *q, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(q, name);

  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* SPEC docs/spec/apigw-websocket.md 9: the credential scope is
 * KEY/YYYYMMDD/REGION/execute-api/aws4_request, its date the day of
 * X-Amz-Date. */
static int credential_ok(const char *cred, const char *date) {
  const char *p = cred, *slash;
  size_t len[5];
  const char *part[5];
  int n = 0;

  for (;;) {
    slash = strchr(p, '/');
    if (n == 5)
      return 0;
    part[n] = p;
    len[n] = slash ? (size_t)(slash - p) : strlen(p);
    if (len[n] == 0)
      return 0;
    n++;
    if (!slash)
      break;
    p = slash + 1;
  }
  return n == 5 && len[1] == 8 && memcmp(part[1], date, 8) == 0 && len[3] == 11 &&
         memcmp(part[3], "execute-api", 11) == 0 && len[4] == 12 &&
         memcmp(part[4], "aws4_request", 12) == 0;
}

/* Lowercase header names separated by ';', including host. */
static int signed_headers_ok(const char *h) {
  int host = 0;

  while (*h) {
    size_t n = strcspn(h, ";");
    if (n == 0)
      return 0;
    for (size_t i = 0; i < n; i++)
      if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
            h[i] == '_'))
        return 0;
    host |= n == 4 && memcmp(h, "host", 4) == 0;
    h += n;
    if (*h == ';' && !*++h)
      return 0;
  }
  return host;
}

static int signature_ok(const char *s) {
  if (strlen(s) != 64)
    return 0;
  for (; *s; s++)
    if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
      return 0;
  return 1;
}

static enum ws_sigv4_result check(const cJSON *q, int64_t now_ms, char *why, size_t cap) {
  const char *alg = param(q, "X-Amz-Algorithm"), *cred = param(q, "X-Amz-Credential"),
             *date = param(q, "X-Amz-Date"), *sh = param(q, "X-Amz-SignedHeaders"),
             *sig = param(q, "X-Amz-Signature"), *exp = param(q, "X-Amz-Expires"),
             *token = param(q, "X-Amz-Security-Token");
  int64_t signed_at;

  if (!sig) {
    snprintf(why, cap, "the query string carries no X-Amz-Signature");
    return WS_SIGV4_UNSIGNED;
  }
  if (!alg || strcmp(alg, "AWS4-HMAC-SHA256") != 0) {
    snprintf(why, cap, "X-Amz-Algorithm must be AWS4-HMAC-SHA256");
    return WS_SIGV4_MALFORMED;
  }
  if (!date || (signed_at = ws_sigv4_parse_date(date)) < 0) {
    snprintf(why, cap, "X-Amz-Date must be YYYYMMDDTHHMMSSZ");
    return WS_SIGV4_MALFORMED;
  }
  if (!cred || !credential_ok(cred, date)) {
    snprintf(why, cap,
             "X-Amz-Credential must be KEY/YYYYMMDD/REGION/execute-api/aws4_request, "
             "dated as X-Amz-Date");
    return WS_SIGV4_MALFORMED;
  }
  if (!sh || !signed_headers_ok(sh)) {
    snprintf(why, cap,
             "X-Amz-SignedHeaders must list lowercase header names with host, "
             "separated by ';'");
    return WS_SIGV4_MALFORMED;
  }
  if (!signature_ok(sig)) {
    snprintf(why, cap, "X-Amz-Signature must be 64 lowercase hex digits");
    return WS_SIGV4_MALFORMED;
  }
  if (token && !token[0]) {
    snprintf(why, cap, "X-Amz-Security-Token is empty");
    return WS_SIGV4_MALFORMED;
  }
  if (exp) {
    size_t n = strlen(exp);
    int seconds;
    if (n == 0 || n > 6 || !all_digits(exp, n) || (seconds = num(exp, n)) < 1 ||
        seconds > SIGV4_MAX_EXPIRES) {
      snprintf(why, cap, "X-Amz-Expires must be 1 to %d seconds", SIGV4_MAX_EXPIRES);
      return WS_SIGV4_MALFORMED;
    }
    if (now_ms / 1000 > signed_at + seconds) {
      snprintf(why, cap, "the signature expired (X-Amz-Date %s + X-Amz-Expires %d)", date, seconds);
      return WS_SIGV4_EXPIRED;
    }
  }
  return WS_SIGV4_OK;
}

enum ws_sigv4_result ws_sigv4_check_presigned(const char *query, int64_t now_ms, char *why,
                                              size_t cap) {
  cJSON *single = NULL, *multi = NULL;
  enum ws_sigv4_result r;

  if (ws_event_parse_query(query, &single, &multi) != 0) {
    snprintf(why, cap, "the query string carries no X-Amz-Signature");
    return WS_SIGV4_UNSIGNED;
  }
  r = check(single, now_ms, why, cap);
  cJSON_Delete(single);
  cJSON_Delete(multi);
  return r;
}
