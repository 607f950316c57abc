/*
 * broken.c - DELIBERATELY BROKEN handlers, shipped to prove that the
 * regression suites catch real bugs (tests/regression/gone_410/).
 *
 *   broken.sendmessage   like chat.sendmessage, but it ignores 410
 *                        GoneException: stale connection ids stay in the
 *                        table forever. The 410 suite must fail against it,
 *                        naming the stale id.
 *
 * Never route a real app to these.
 */
#include <string.h>

#include "wsgw_builtin.h"

cJSON *broken_sendmessage(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body_text = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *body = cJSON_IsString(body_text) ? cJSON_Parse(body_text->valuestring) : NULL;
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
  const char *table = wsgw_env(ctx, "TABLE_NAME");
  cJSON *req, *resp = NULL;
  const cJSON *item;
  char endpoint[512];

  if (!cJSON_IsString(data) || wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0) {
    cJSON_Delete(body);
    return wsgw_fail(ctx, "broken.sendmessage: bad request");
  }
  req = cJSON_CreateObject();
  cJSON_AddStringToObject(req, "TableName", table && *table ? table : "Connections");
  if (wsgw_dynamodb(ctx, "Scan", req, &resp) != 200) {
    cJSON_Delete(req);
    cJSON_Delete(resp);
    cJSON_Delete(body);
    return wsgw_fail(ctx, "broken.sendmessage: Scan failed");
  }
  cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "id"),
                                                       "S");
    if (cJSON_IsString(id))
      /* THE BUG: the status is ignored, so a 410 leaves the id behind. */
      (void)wsgw_post_to_connection(ctx, endpoint, id->valuestring, data->valuestring,
                                    strlen(data->valuestring));
  }
  cJSON_Delete(req);
  cJSON_Delete(resp);
  cJSON_Delete(body);
  return wsgw_response(200, "Data sent.");
}
