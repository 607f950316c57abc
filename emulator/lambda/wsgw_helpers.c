/*
 * wsgw_helpers.c - the functions of include/wsgw/handler.h that need no
 * runtime: the proxy response and the management endpoint. Compiled into
 * both implementations of the handler API, in process (lambda/wsgw.c, in
 * wsgw_core) and over HTTPS (bootstrap/wsgw.c, in wsgw_bootstrap), so a
 * handler gets the same answers from both.
 * Threading: pure.
 */
#include <stdio.h>

#include <wsgw/handler.h>

cJSON *wsgw_response(int status, const char *body) {
  cJSON *r = cJSON_CreateObject();

  cJSON_AddNumberToObject(r, "statusCode", status);
  if (body)
    cJSON_AddStringToObject(r, "body", body);
  return r;
}

int wsgw_management_endpoint(const cJSON *event, char *buf, size_t cap) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *domain = cJSON_GetObjectItemCaseSensitive(rc, "domainName");
  const cJSON *stage = cJSON_GetObjectItemCaseSensitive(rc, "stage");
  int n;

  if (!cJSON_IsString(domain) || !cJSON_IsString(stage))
    return -1;
  n = snprintf(buf, cap, "https://%s/%s", domain->valuestring, stage->valuestring);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}
