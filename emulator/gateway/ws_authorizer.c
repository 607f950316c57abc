/*
 * ws_authorizer.c - Lambda REQUEST authorizer support (see ws_authorizer.h).
 */
#include "ws_authorizer.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char header_prefix[] = "route.request.header.";
static const char query_prefix[] = "route.request.querystring.";

int ws_authorizer_sources_present(const cJSON *identity_sources,
                                  const struct ws_event_header *headers, size_t nheaders,
                                  const char *query) {
  cJSON *single = NULL, *multi = NULL;
  const cJSON *src;
  int ok = 1;

  ws_event_parse_query(query, &single, &multi);
  cJSON_ArrayForEach(src, identity_sources) {
    const char *s = cJSON_IsString(src) ? src->valuestring : "";
    int found = 0;
    if (strncmp(s, header_prefix, sizeof(header_prefix) - 1) == 0) {
      const char *name = s + sizeof(header_prefix) - 1;
      size_t i;
      /* HTTP header names are case-insensitive. */
      for (i = 0; i < nheaders && !found; i++)
        found = strcasecmp(headers[i].name, name) == 0 && headers[i].value[0];
    } else if (strncmp(s, query_prefix, sizeof(query_prefix) - 1) == 0) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(single, s + sizeof(query_prefix) - 1);
      found = cJSON_IsString(v) && v->valuestring[0];
    }
    if (!found) {
      ok = 0;
      break;
    }
  }
  cJSON_Delete(single);
  cJSON_Delete(multi);
  return ok;
}

cJSON *ws_authorizer_event(const cJSON *connect_event, const struct ws_event_header *headers,
                           size_t nheaders, const char *method_arn, const cJSON *stage_variables) {
  cJSON *ev = cJSON_CreateObject(), *h, *mh;
  const cJSON *it;
  size_t i;

  cJSON_AddStringToObject(ev, "type", "REQUEST");
  cJSON_AddStringToObject(ev, "methodArn", method_arn);
  /* SPEC docs/spec/apigw-websocket.md 2.1: Connection and Upgrade are present in the
   * authorizer event, which also carries "content-length": "0". */
  h = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(connect_event, "headers"), 1);
  mh = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(connect_event, "multiValueHeaders"), 1);
  for (i = 0; i < nheaders; i++) {
    if (strcasecmp(headers[i].name, "Connection") == 0 ||
        strcasecmp(headers[i].name, "Upgrade") == 0) {
      cJSON *arr = cJSON_CreateArray();
      cJSON_AddItemToArray(arr, cJSON_CreateString(headers[i].value));
      cJSON_AddStringToObject(h, headers[i].name, headers[i].value);
      cJSON_AddItemToObject(mh, headers[i].name, arr);
    }
  }
  cJSON_AddStringToObject(h, "content-length", "0");
  cJSON_AddItemToObject(mh, "content-length", cJSON_CreateStringArray((const char *[]){"0"}, 1));
  cJSON_AddItemToObject(ev, "headers", h);
  cJSON_AddItemToObject(ev, "multiValueHeaders", mh);
  cJSON_ArrayForEach(it, connect_event) {
    if (strcmp(it->string, "queryStringParameters") == 0 ||
        strcmp(it->string, "multiValueQueryStringParameters") == 0 ||
        strcmp(it->string, "requestContext") == 0)
      cJSON_AddItemToObject(ev, it->string, cJSON_Duplicate(it, 1));
  }
  /* SPEC docs/spec/apigw-websocket.md 2.1: stageVariables is present in the
   * authorizer event ({} when none). */
  cJSON_AddItemToObject(ev, "stageVariables",
                        stage_variables ? cJSON_Duplicate(stage_variables, 1)
                                        : cJSON_CreateObject());
  return ev;
}

int ws_authorizer_glob(const char *p, const char *t) {
  const char *star = NULL, *mark = NULL;

  while (*t) {
    if (*p == '*') {
      star = p++;
      mark = t;
    } else if (*p == '?' || *p == *t) {
      p++;
      t++;
    } else if (star) {
      p = star + 1;
      t = ++mark;
    } else {
      return 0;
    }
  }
  while (*p == '*')
    p++;
  return *p == '\0';
}

/* A string, or an array of strings, one of which glob-matches text. */
static int any_match(const cJSON *v, const char *text) {
  const cJSON *it;

  if (cJSON_IsString(v))
    return ws_authorizer_glob(v->valuestring, text);
  cJSON_ArrayForEach(it, v) {
    if (cJSON_IsString(it) && ws_authorizer_glob(it->valuestring, text))
      return 1;
  }
  return 0;
}

enum ws_authorizer_decision ws_authorizer_evaluate(const cJSON *response, const char *method_arn,
                                                   cJSON **context) {
  const cJSON *principal = cJSON_GetObjectItemCaseSensitive(response, "principalId");
  const cJSON *doc = cJSON_GetObjectItemCaseSensitive(response, "policyDocument");
  const cJSON *statements = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
  const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(response, "context");
  const cJSON *st, *it;
  int allow = 0, deny = 0;

  *context = NULL;
  if (!cJSON_IsObject(response) || !cJSON_IsObject(doc) || !statements ||
      (principal && !cJSON_IsString(principal) && !cJSON_IsNumber(principal)))
    return WS_AUTHORIZER_INVALID;
  for (st = cJSON_IsArray(statements) ? statements->child : statements; st;
       st = cJSON_IsArray(statements) ? st->next : NULL) {
    const cJSON *effect = cJSON_GetObjectItemCaseSensitive(st, "Effect");
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(st, "Action");
    const cJSON *resource = cJSON_GetObjectItemCaseSensitive(st, "Resource");
    if (!cJSON_IsString(effect) || !any_match(resource, method_arn) ||
        !any_match(action, "execute-api:Invoke"))
      continue;
    if (strcasecmp(effect->valuestring, "Deny") == 0)
      deny = 1;
    else if (strcasecmp(effect->valuestring, "Allow") == 0)
      allow = 1;
  }
  /* An explicit Deny wins; no matching Allow is a Deny. */
  if (deny || !allow)
    return WS_AUTHORIZER_DENY;
  *context = cJSON_CreateObject();
  if (cJSON_IsString(principal))
    cJSON_AddStringToObject(*context, "principalId", principal->valuestring);
  else if (cJSON_IsNumber(principal))
    cJSON_AddItemToObject(*context, "principalId", cJSON_Duplicate(principal, 0));
  /* DEVIATION: whether context values stay typed in the Lambda event is
   * [unverified]; they are passed as the authorizer returned them. */
  cJSON_ArrayForEach(it, ctx) {
    if (cJSON_IsString(it) || cJSON_IsNumber(it) || cJSON_IsBool(it))
      cJSON_AddItemToObject(*context, it->string, cJSON_Duplicate(it, 0));
  }
  return WS_AUTHORIZER_ALLOW;
}
