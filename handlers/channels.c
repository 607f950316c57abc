/*
 * channels.c - the channel chat app: users join channels, and a DynamoDB
 * stream, not the route that wrote the message, broadcasts it.
 *   channels.connect      $connect: subscribes the connection to "General"
 *                         and writes its join notice
 *   channels.disconnect   $disconnect: removes every subscription of the
 *                         connection, each with a leave notice
 *   channels.subscribe    {"action":"subscribeChannel","channel":"x"}
 *   channels.unsubscribe  {"action":"unsubscribeChannel","channel":"x"}
 *   channels.send         {"action":"sendMessage","channel":"x","content":"..."}
 *   channels.broadcast    the stream function of table Messages: posts each
 *                         new message or notice to the channel's subscribers
 *                         and deletes the subscriptions whose connection
 *                         answers 410 GoneException
 * The routes only write to DynamoDB. Data model (README "The channel chat
 * app"): table Channels (env CHANNELS_TABLE), key channel + connectionId,
 * GSI ByConnection (connectionId + channel, KEYS_ONLY), one item per
 * subscription; table Messages (env MESSAGES_TABLE), key channel + id
 * ("<ms since the epoch, 13 digits>-<request id>"), one item per message or
 * notice: {channel, id, type: "message"|"join"|"leave", connectionId,
 * content (messages), endpoint}. `endpoint` is the management endpoint
 * (https://{domainName}/{stage}) of the API the item was written through: a
 * stream event has no requestContext, so the broadcast reads it from the
 * item (else from env MANAGEMENT_ENDPOINT).
 * What a client receives: {"channel","type","connectionId"[,"content"]};
 * a message goes to every subscriber (its sender too), a notice to every
 * subscriber but the connection it is about (on $connect that connection
 * cannot receive yet).
 * Uses only <wsgw/handler.h>, so the same source runs against AWS.
 * Threading: no global state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsgw_builtin.h"

#define CHANNEL_MAX 128         /* bytes of a channel name */
#define CONTENT_MAX (32 * 1024) /* bytes of a message */
#define ENDPOINT_MAX 512

static const char *env_or(struct wsgw_ctx *ctx, const char *name, const char *fallback) {
  const char *v = wsgw_env(ctx, name);

  return v && *v ? v : fallback;
}

static const char *channels_table(struct wsgw_ctx *ctx) {
  return env_or(ctx, "CHANNELS_TABLE", "Channels");
}

static const char *messages_table(struct wsgw_ctx *ctx) {
  return env_or(ctx, "MESSAGES_TABLE", "Messages");
}

/* Calls DynamoDB, frees the request; *resp (if given) gets the answer. */
static int call(struct wsgw_ctx *ctx, const char *op, cJSON *req, cJSON **resp) {
  cJSON *ignored = NULL;
  int status = wsgw_dynamodb(ctx, op, req, resp ? resp : &ignored);

  cJSON_Delete(req);
  cJSON_Delete(ignored);
  return status;
}

static void add_s(cJSON *obj, const char *name, const char *value) {
  cJSON_AddStringToObject(cJSON_AddObjectToObject(obj, name), "S", value);
}

/* The string of a DynamoDB "S" attribute of an item, or NULL. */
static const char *item_s(const cJSON *item, const char *name) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name),
                                                    "S");

  return cJSON_IsString(s) ? s->valuestring : NULL;
}

/* The subscription key {channel, connectionId} in a new request. */
static cJSON *subscription_request(struct wsgw_ctx *ctx, const char *member, const char *channel,
                                   const char *id) {
  cJSON *req = cJSON_CreateObject();
  cJSON *key = cJSON_AddObjectToObject(req, member);

  cJSON_AddStringToObject(req, "TableName", channels_table(ctx));
  add_s(key, "channel", channel);
  add_s(key, "connectionId", id);
  return req;
}

/* Writes one item to Messages: a message (content non-NULL) or a notice. */
static int put_message(struct wsgw_ctx *ctx, const char *endpoint, const char *channel,
                       const char *type, const char *content) {
  struct timespec now;
  long long ms;
  char sort[96];
  cJSON *req = cJSON_CreateObject();
  cJSON *item = cJSON_AddObjectToObject(req, "Item");

  clock_gettime(CLOCK_REALTIME, &now);
  ms = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
  /* Sorts by time; the request id makes it unique. */
  snprintf(sort, sizeof(sort), "%013lld-%s", ms, wsgw_request_id(ctx));
  cJSON_AddStringToObject(req, "TableName", messages_table(ctx));
  add_s(item, "channel", channel);
  add_s(item, "id", sort);
  add_s(item, "type", type);
  add_s(item, "connectionId", wsgw_connection_id(ctx));
  if (content)
    add_s(item, "content", content);
  if (endpoint)
    add_s(item, "endpoint", endpoint);
  return call(ctx, "PutItem", req, NULL) == 200 ? 0 : -1;
}

/* Subscribes the caller; 1 if it was new, 0 if it existed, -1 on error. */
static int subscribe(struct wsgw_ctx *ctx, const char *channel) {
  cJSON *req = subscription_request(ctx, "Item", channel, wsgw_connection_id(ctx));
  cJSON *resp = NULL;
  const cJSON *type;
  int status, rc;

  cJSON_AddStringToObject(req, "ConditionExpression", "attribute_not_exists(connectionId)");
  status = call(ctx, "PutItem", req, &resp);
  type = cJSON_GetObjectItemCaseSensitive(resp, "__type");
  rc = status == 200                                                                 ? 1
       : cJSON_IsString(type) && strstr(type->valuestring, "ConditionalCheckFailed") ? 0
                                                                                     : -1;
  cJSON_Delete(resp);
  return rc;
}

/* Unsubscribes `id`; 1 if it was subscribed, 0 if not, -1 on error. */
static int unsubscribe(struct wsgw_ctx *ctx, const char *channel, const char *id) {
  cJSON *req = subscription_request(ctx, "Key", channel, id);
  cJSON *resp = NULL;
  int status, rc;

  cJSON_AddStringToObject(req, "ReturnValues", "ALL_OLD");
  status = call(ctx, "DeleteItem", req, &resp);
  rc = status != 200 ? -1 : cJSON_GetObjectItemCaseSensitive(resp, "Attributes") != NULL;
  cJSON_Delete(resp);
  return rc;
}

/* The route's body: {"channel": "x", ...} parsed, the channel checked. */
static cJSON *parse_body(const cJSON *event, const char **channel) {
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *body = cJSON_IsString(text) ? cJSON_Parse(text->valuestring) : NULL;
  const cJSON *c = cJSON_GetObjectItemCaseSensitive(body, "channel");

  if (!cJSON_IsString(c) || !*c->valuestring || strlen(c->valuestring) > CHANNEL_MAX) {
    cJSON_Delete(body);
    return NULL;
  }
  *channel = c->valuestring;
  return body;
}

cJSON *channels_connect(const cJSON *event, struct wsgw_ctx *ctx) {
  char endpoint[ENDPOINT_MAX];

  if (!wsgw_connection_id(ctx) || wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0)
    return wsgw_fail(ctx, "channels.connect: the event has no connectionId/domainName/stage");
  if (subscribe(ctx, "General") < 0 || put_message(ctx, endpoint, "General", "join", NULL) != 0)
    return wsgw_fail(ctx, "channels.connect: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "Connected.");
}

cJSON *channels_subscribe(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *channel;
  char endpoint[ENDPOINT_MAX];
  cJSON *body = parse_body(event, &channel);
  int added;

  if (!body)
    return wsgw_response(400, "subscribeChannel needs a \"channel\" (1 to 128 bytes)");
  if (!wsgw_connection_id(ctx) ||
      wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0) {
    cJSON_Delete(body);
    return wsgw_fail(ctx, "channels.subscribe: the event has no connectionId/domainName/stage");
  }
  added = subscribe(ctx, channel);
  if (added > 0 && put_message(ctx, endpoint, channel, "join", NULL) != 0)
    added = -1;
  cJSON_Delete(body);
  if (added < 0)
    return wsgw_fail(ctx, "channels.subscribe: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, added ? "Subscribed." : "Already subscribed.");
}

cJSON *channels_unsubscribe(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *channel;
  char endpoint[ENDPOINT_MAX];
  cJSON *body = parse_body(event, &channel);
  int removed;

  if (!body)
    return wsgw_response(400, "unsubscribeChannel needs a \"channel\" (1 to 128 bytes)");
  if (!wsgw_connection_id(ctx) ||
      wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0) {
    cJSON_Delete(body);
    return wsgw_fail(ctx, "channels.unsubscribe: the event has no connectionId/domainName/stage");
  }
  removed = unsubscribe(ctx, channel, wsgw_connection_id(ctx));
  if (removed > 0 && put_message(ctx, endpoint, channel, "leave", NULL) != 0)
    removed = -1;
  cJSON_Delete(body);
  if (removed < 0)
    return wsgw_fail(ctx, "channels.unsubscribe: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, removed ? "Unsubscribed." : "Not subscribed.");
}

cJSON *channels_send(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *channel;
  char endpoint[ENDPOINT_MAX];
  cJSON *body = parse_body(event, &channel);
  const cJSON *content = cJSON_GetObjectItemCaseSensitive(body, "content");
  int rc;

  if (!body || !cJSON_IsString(content) || strlen(content->valuestring) > CONTENT_MAX) {
    cJSON_Delete(body);
    return wsgw_response(400, "sendMessage needs a \"channel\" and a string \"content\"");
  }
  if (!wsgw_connection_id(ctx) ||
      wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0) {
    cJSON_Delete(body);
    return wsgw_fail(ctx, "channels.send: the event has no connectionId/domainName/stage");
  }
  rc = put_message(ctx, endpoint, channel, "message", content->valuestring);
  cJSON_Delete(body);
  if (rc != 0)
    return wsgw_fail(ctx, "channels.send: PutItem failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "Sent.");
}

cJSON *channels_disconnect(const cJSON *event, struct wsgw_ctx *ctx) {
  const char *id = wsgw_connection_id(ctx);
  char endpoint[ENDPOINT_MAX];
  cJSON *start_key = NULL;
  int rc = 0;

  if (!id || wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0)
    return wsgw_fail(ctx, "channels.disconnect: the event has no connectionId/domainName/stage");
  /* Every subscription of the connection, through the GSI, page by page. */
  do {
    cJSON *req = cJSON_CreateObject(), *resp = NULL, *values, *item;
    cJSON_AddStringToObject(req, "TableName", channels_table(ctx));
    cJSON_AddStringToObject(req, "IndexName", "ByConnection");
    cJSON_AddStringToObject(req, "KeyConditionExpression", "connectionId = :c");
    values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
    add_s(values, ":c", id);
    if (start_key)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start_key);
    start_key = NULL;
    if (call(ctx, "Query", req, &resp) != 200) {
      cJSON_Delete(resp);
      rc = -1;
      break;
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
      const char *channel = item_s(item, "channel");
      int removed = channel ? unsubscribe(ctx, channel, id) : 0;
      if (removed < 0 || (removed > 0 && put_message(ctx, endpoint, channel, "leave", NULL) != 0)) {
        rc = -1;
        break;
      }
    }
    start_key = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (rc == 0 && start_key);
  cJSON_Delete(start_key);
  if (rc != 0)
    return wsgw_fail(ctx, "channels.disconnect: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "Disconnected.");
}

/* Posts one frame to every subscriber of the channel but `skip` (may be
 * NULL); deletes the subscriptions whose connection is gone. 0 or -1. */
static int fan_out(struct wsgw_ctx *ctx, const char *endpoint, const char *channel,
                   const char *skip, const char *frame) {
  cJSON *start_key = NULL;
  int rc = 0;

  do {
    cJSON *req = cJSON_CreateObject(), *resp = NULL, *values, *item;
    cJSON_AddStringToObject(req, "TableName", channels_table(ctx));
    cJSON_AddStringToObject(req, "KeyConditionExpression", "channel = :c");
    cJSON_AddStringToObject(req, "ProjectionExpression", "connectionId");
    values = cJSON_AddObjectToObject(req, "ExpressionAttributeValues");
    add_s(values, ":c", channel);
    if (start_key)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start_key);
    start_key = NULL;
    if (call(ctx, "Query", req, &resp) != 200) {
      wsgw_log(ctx, "Query %s failed: %s", channel, wsgw_last_error_type(ctx));
      cJSON_Delete(resp);
      rc = -1;
      break;
    }
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(resp, "Items")) {
      const char *id = item_s(item, "connectionId");
      int status;
      if (!id || (skip && strcmp(id, skip) == 0))
        continue;
      status = wsgw_post_to_connection(ctx, endpoint, id, frame, strlen(frame));
      if (status == 410) {
        /* Gone without a $disconnect (or before it ran): forget it. */
        if (unsubscribe(ctx, channel, id) < 0)
          rc = -1;
      } else if (status != 200) {
        wsgw_log(ctx, "PostToConnection %s: %d %s", id, status, wsgw_last_error_type(ctx));
        rc = -1;
      }
      if (rc != 0)
        break;
    }
    start_key = cJSON_DetachItemFromObjectCaseSensitive(resp, "LastEvaluatedKey");
    cJSON_Delete(resp);
  } while (rc == 0 && start_key);
  cJSON_Delete(start_key);
  return rc;
}

/* Broadcasts one stream record; records that are not a new Messages item
 * are skipped (0). 0, or -1 when the record must be retried. */
static int broadcast_record(struct wsgw_ctx *ctx, const cJSON *record) {
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(record, "eventName");
  const cJSON *image = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(record, "dynamodb"), "NewImage");
  const char *channel = item_s(image, "channel"), *type = item_s(image, "type");
  const char *from = item_s(image, "connectionId"), *content = item_s(image, "content");
  const char *endpoint = item_s(image, "endpoint");
  cJSON *frame;
  char *text;
  int rc;

  if (!cJSON_IsString(name) || strcmp(name->valuestring, "INSERT") != 0 || !channel || !type)
    return 0;
  if (!endpoint)
    endpoint = wsgw_env(ctx, "MANAGEMENT_ENDPOINT");
  if (!endpoint || !*endpoint) {
    wsgw_log(ctx, "no endpoint in the item and no MANAGEMENT_ENDPOINT: skipped");
    return 0;
  }
  frame = cJSON_CreateObject();
  cJSON_AddStringToObject(frame, "channel", channel);
  cJSON_AddStringToObject(frame, "type", type);
  cJSON_AddStringToObject(frame, "connectionId", from ? from : "");
  if (content)
    cJSON_AddStringToObject(frame, "content", content);
  text = cJSON_PrintUnformatted(frame);
  cJSON_Delete(frame);
  if (!text)
    return -1;
  /* A notice is about its connection: the others are told. */
  rc = fan_out(ctx, endpoint, channel, strcmp(type, "message") == 0 ? NULL : from, text);
  cJSON_free(text);
  return rc;
}

cJSON *channels_broadcast(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *record;
  cJSON *result = cJSON_CreateObject();
  cJSON *failures = cJSON_AddArrayToObject(result, "batchItemFailures");

  cJSON_ArrayForEach(record, cJSON_GetObjectItemCaseSensitive(event, "Records")) {
    if (broadcast_record(ctx, record) != 0) {
      /* ReportBatchItemFailures: the batch is retried from this record
       * (the ones before it are done); without it, the whole batch. */
      const cJSON *seq = cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(record, "dynamodb"), "SequenceNumber");
      cJSON *failure = cJSON_CreateObject();
      cJSON_AddStringToObject(failure, "itemIdentifier",
                              cJSON_IsString(seq) ? seq->valuestring : "");
      cJSON_AddItemToArray(failures, failure);
      break;
    }
  }
  return result;
}
