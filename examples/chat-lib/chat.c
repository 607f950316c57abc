/*
 * chat.c - the classic serverless chat app (AWS's simple-websockets-chat-app)
 * in C:
 *   chat.connect      stores the connectionId in table Connections (key id)
 *   chat.disconnect   deletes it
 *   chat.sendmessage  {"action":"sendmessage","data":...}: scans the table,
 *                     posts data to every id and deletes the ids that
 *                     answer 410 GoneException.
 * Uses only <wsgw/handler.h>, so the same source runs against AWS. The table
 * name comes from the environment variable TABLE_NAME (default Connections).
 * Written once, built twice: wsgw bundles these functions as chat.* (handlers/
 * CMakeLists.txt), and this folder builds them as a handler library that
 * exports them as chatlib.* (chatlib.c).
 * Threading: no global state.
 */
#include <stdio.h>
#include <string.h>

#include "chat.h"

static const char *table_name(struct wsgw_ctx *ctx) {
  const char *t = wsgw_env(ctx, "TABLE_NAME");

  return t && *t ? t : "Connections";
}

/* {"TableName": t, <member>: {"id": {"S": id}}} */
static cJSON *id_request(const char *table, const char *member, const char *id) {
  cJSON *req = cJSON_CreateObject();
  cJSON *m = cJSON_AddObjectToObject(req, member);
  cJSON *attr = cJSON_AddObjectToObject(m, "id");

  cJSON_AddStringToObject(req, "TableName", table);
  cJSON_AddStringToObject(attr, "S", id);
  return req;
}

static int call(struct wsgw_ctx *ctx, const char *op, cJSON *req, cJSON **resp) {
  cJSON *ignored = NULL;
  int status = wsgw_dynamodb(ctx, op, req, resp ? resp : &ignored);

  cJSON_Delete(req);
  cJSON_Delete(ignored);
  return status;
}

cJSON *chat_connect(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *id = wsgw_connection_id(ctx);

  if (!id)
    return wsgw_fail(ctx, "chat.connect: the event has no connectionId");
  if (call(ctx, "PutItem", id_request(table_name(ctx), "Item", id), NULL) != 200)
    return wsgw_fail(ctx, "chat.connect: PutItem failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "Connected.");
}

cJSON *chat_disconnect(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *id = wsgw_connection_id(ctx);

  if (!id)
    return wsgw_fail(ctx, "chat.disconnect: the event has no connectionId");
  if (call(ctx, "DeleteItem", id_request(table_name(ctx), "Key", id), NULL) != 200)
    return wsgw_fail(ctx, "chat.disconnect: DeleteItem failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "Disconnected.");
}

/* Posts data to every id of one Scan page; deletes the ids that are gone. */
static int fan_out_page(struct wsgw_ctx *ctx, const char *endpoint, const cJSON *items,
                        const char *data, size_t len) {
  const cJSON *item;

  cJSON_ArrayForEach(item, items) {
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "id"),
                                                       "S");
    int status;
    if (!cJSON_IsString(id))
      continue;
    status = wsgw_post_to_connection(ctx, endpoint, id->valuestring, data, len);
    if (status == 410) {
      /* The connection is gone (a lost $disconnect): forget it. */
      if (call(ctx, "DeleteItem", id_request(table_name(ctx), "Key", id->valuestring), NULL) != 200)
        return -1;
    } else if (status != 200) {
      return -1;
    }
  }
  return 0;
}

cJSON *chat_sendmessage(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body_text = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *body = cJSON_IsString(body_text) ? cJSON_Parse(body_text->valuestring) : NULL;
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
  cJSON *start_key = NULL;
  char endpoint[512];
  char *printed = NULL;
  const char *payload;
  int rc = 0;

  if (!data) {
    cJSON_Delete(body);
    return wsgw_fail(ctx, "chat.sendmessage: the body has no \"data\"");
  }
  if (wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0) {
    cJSON_Delete(body);
    return wsgw_fail(ctx, "chat.sendmessage: no domainName/stage in the event");
  }
  payload = cJSON_IsString(data) ? data->valuestring : (printed = cJSON_PrintUnformatted(data));
  do {
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddStringToObject(req, "TableName", table_name(ctx));
    cJSON_AddStringToObject(req, "ProjectionExpression", "id");
    if (start_key)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start_key);
    start_key = NULL;
    if (call(ctx, "Scan", req, &resp) != 200) {
      cJSON_Delete(resp);
      rc = -1;
      break;
    }
    rc = fan_out_page(ctx, endpoint, cJSON_GetObjectItemCaseSensitive(resp, "Items"), payload,
                      strlen(payload));
    start_key = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (rc == 0 && start_key);
  cJSON_Delete(start_key);
  cJSON_free(printed);
  cJSON_Delete(body);
  if (rc != 0)
    return wsgw_fail(ctx, "chat.sendmessage: fan-out failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "Data sent.");
}
