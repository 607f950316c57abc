/*
 * ws_authorizer.h - the Lambda REQUEST authorizer on $connect.
 *
 * SPEC docs/spec/apigw-websocket.md 9: identity sources are route.request.header.<Name>
 * or route.request.querystring.<Name>; a missing source gets 401 without
 * invoking the authorizer [unverified, REST behaviour]. The authorizer event
 * carries type REQUEST, methodArn
 * (arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/$connect), the
 * headers (with Connection, Upgrade and content-length), the query,
 * stageVariables and the CONNECT requestContext. The returned IAM policy is
 * evaluated with '*' globbing against the ARN: Allow continues, with
 * requestContext.authorizer = {principalId, context...}; Deny or no matching
 * statement gets 403; the error "Unauthorized" 401; other errors 500.
 * Threading: pure functions.
 */
#ifndef WS_AUTHORIZER_H
#define WS_AUTHORIZER_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "ws_event.h"

/* 1 when every identity source has a non-empty value in the request. */
int ws_authorizer_sources_present(const cJSON *identity_sources,
                                  const struct ws_event_header *headers, size_t nheaders,
                                  const char *query);

/* The REQUEST authorizer event, built from the CONNECT event (borrowed). */
cJSON *ws_authorizer_event(const cJSON *connect_event, const struct ws_event_header *headers,
                           size_t nheaders, const char *method_arn, const cJSON *stage_variables);

enum ws_authorizer_decision {
  WS_AUTHORIZER_ALLOW,
  WS_AUTHORIZER_DENY,    /* 403 */
  WS_AUTHORIZER_INVALID, /* a malformed response: 500 */
};

/* Evaluates the authorizer's response against method_arn. On ALLOW,
 * *context is the new requestContext.authorizer object. */
enum ws_authorizer_decision ws_authorizer_evaluate(const cJSON *response, const char *method_arn,
                                                   cJSON **context);

/* IAM-style glob: '*' any run of characters (including '/'), '?' one
 * character. Iterative, so any input is matched in bounded time. */
int ws_authorizer_glob(const char *pattern, const char *text);

#endif
