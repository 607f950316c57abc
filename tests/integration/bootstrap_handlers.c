/*
 * bootstrap_handlers.c - handlers that exercise the bootstrap's handler API
 * (emulator/bootstrap/wsgw.c), linked with libwsgw_bootstrap into the
 * program integration.bootstrap runs as a provided.al2023 function.
 *
 *   t.echo     returns the message's body (U+0000 arrives as C0 80 and
 *              must leave as \u0000)
 *   t.context  answers a JSON of what the handler API tells it: request id,
 *              remaining time, connection id, an environment variable,
 *              GetConnection of its own connection, a DynamoDB error type,
 *              PostToConnection to a gone id, a put/get round trip
 *   t.fail     a function error with a message (wsgw_fail)
 *   t.null     returns NULL without wsgw_fail
 *   t.log      writes a log line and returns
 * Threading: no global state.
 */
#include <stdio.h>
#include <string.h>

#include <wsgw/handler.h>

static cJSON *echo(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(event, "body");

  return wsgw_response(200, cJSON_IsString(body) ? body->valuestring : "");
}

static cJSON *context(const cJSON *event, struct wsgw_ctx *ctx) {
  cJSON *out = cJSON_CreateObject(), *resp = NULL, *req;
  char endpoint[512];
  const char *id = wsgw_connection_id(ctx);
  const char *env = wsgw_env(ctx, "TEST_VALUE");
  int status;
  char *text;

  cJSON_AddStringToObject(out, "requestId", wsgw_request_id(ctx));
  cJSON_AddBoolToObject(out, "remainingPositive", wsgw_remaining_ms(ctx) > 0);
  cJSON_AddBoolToObject(out, "remainingBelowTimeout", wsgw_remaining_ms(ctx) <= 10000);
  cJSON_AddStringToObject(out, "connectionId", id ? id : "");
  cJSON_AddStringToObject(out, "env", env ? env : "");
  if (wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0)
    return wsgw_fail(ctx, "no management endpoint in the event");

  status = wsgw_get_connection(ctx, endpoint, id, &resp);
  cJSON_AddNumberToObject(out, "getConnection", status);
  cJSON_AddBoolToObject(out, "getConnectionHasIdentity",
                        cJSON_GetObjectItemCaseSensitive(resp, "identity") != NULL);
  cJSON_Delete(resp);
  resp = NULL;

  status = wsgw_post_to_connection(ctx, endpoint, "AAAAAAAAAAAAAAA=", "x", 1);
  cJSON_AddNumberToObject(out, "postToGone", status);
  cJSON_AddStringToObject(out, "postToGoneType", wsgw_last_error_type(ctx));

  req = cJSON_Parse("{\"TableName\":\"NoSuchTable\",\"Key\":{\"id\":{\"S\":\"x\"}}}");
  status = wsgw_dynamodb(ctx, "GetItem", req, &resp);
  cJSON_Delete(req);
  cJSON_Delete(resp);
  resp = NULL;
  cJSON_AddNumberToObject(out, "missingTable", status);
  cJSON_AddStringToObject(out, "missingTableType", wsgw_last_error_type(ctx));

  /* A string with U+0000 (C0 80 in the tree) stored and read back. */
  req = cJSON_Parse(
      "{\"TableName\":\"Items\",\"Item\":{\"id\":{\"S\":\"nul\"},\"v\":{\"S\":\"\"}}}");
  cJSON_SetValuestring(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(req, "Item"), "v"),
          "S"),
      "a\xC0\x80"
      "b");
  status = wsgw_dynamodb(ctx, "PutItem", req, &resp);
  cJSON_Delete(req);
  cJSON_Delete(resp);
  resp = NULL;
  cJSON_AddNumberToObject(out, "put", status);
  req = cJSON_Parse("{\"TableName\":\"Items\",\"Key\":{\"id\":{\"S\":\"nul\"}}}");
  status = wsgw_dynamodb(ctx, "GetItem", req, &resp);
  cJSON_Delete(req);
  {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "Item"), "v"), "S");
    cJSON_AddBoolToObject(out, "nulRoundTrip",
                          status == 200 && cJSON_IsString(v) &&
                              strcmp(v->valuestring, "a\xC0\x80"
                                                     "b") == 0);
  }
  cJSON_Delete(resp);

  text = cJSON_PrintUnformatted(out);
  cJSON_Delete(out);
  out = wsgw_response(200, text);
  cJSON_free(text);
  return out;
}

static cJSON *fail(const cJSON *event, struct wsgw_ctx *ctx) {
  return wsgw_fail(ctx, "bad input: %s", "on purpose");
}

static cJSON *null_result(const cJSON *event, struct wsgw_ctx *ctx) {
  return NULL;
}

static cJSON *log_line(const cJSON *event, struct wsgw_ctx *ctx) {
  wsgw_log(ctx, "hello from %s", "the bootstrap");
  return wsgw_response(200, "logged");
}

WSGW_HANDLERS({"t.echo", echo}, {"t.context", context}, {"t.fail", fail}, {"t.null", null_result},
              {"t.log", log_line});
