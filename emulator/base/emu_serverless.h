/*
 * emu_serverless.h - a Serverless Framework project (serverless.yml) read
 * into wsgw's config (emu_config.h): `wsgw serve --serverless FILE`.
 *
 * What is read (the rest is ignored, listed in one log line):
 *   service; provider.name (aws), region, stage, runtime, environment,
 *   timeout, memorySize, websocketsApiRouteSelectionExpression (or the older
 *   websocketApiRouteSelectionExpression); functions (an object, or a
 *   sequence of objects) with handler, runtime, environment, timeout,
 *   memorySize and `websocket` events (`route`, or the older `routeKey`;
 *   routeResponseSelectionExpression makes the route two-way) and `stream`
 *   events of DynamoDB tables (eventSourceMappings: arn as Fn::GetAtt
 *   [Table, StreamArn] or a stream ARN, batchSize, startingPosition,
 *   enabled, batchWindow, maximumRetryAttempts, bisectBatchOnFunctionError,
 *   functionResponseType, filterPatterns); resources (an object, or a
 *   sequence of them) whose Resources of Type AWS::DynamoDB::Table become
 *   tables (Properties as a CreateTable request, StreamSpecification with
 *   StreamEnabled added).
 * Variables, resolved only in what is read: ${opt:stage}, ${sls:stage},
 *   ${self:a.b.c}, ${env:NAME}, ${file(./x.yml)} and ${file(./x.yml):a.b},
 *   ${aws:region}, ${aws:accountId}, a default after a comma
 *   (${opt:stage, 'dev'}), variables inside variables (a file path). File
 *   paths resolve against the serverless.yml's directory. ${...} that is no
 *   Serverless variable (Fn::Sub's ${AWS::Region}) is left as it is.
 * Errors: one line naming the file and the key, e.g.
 *   deploy/functions/a.yml: functions.a.layers: not supported by wsgw (...)
 * Ownership: the caller frees *json (free) and the config (emu_config_free).
 * Threading: no shared state; the log line goes through emu_log.
 */
#ifndef EMU_SERVERLESS_H
#define EMU_SERVERLESS_H

#include <stddef.h>

#include "emu_config.h"

#define EMU_SERVERLESS_MAX_DEPTH 32           /* variables inside variables, files in files */
#define EMU_SERVERLESS_MAX_RESOLVES 10000     /* variables resolved in one project */
#define EMU_SERVERLESS_MAX_TEXT (1024 * 1024) /* a text with variables, resolved */
#define EMU_SERVERLESS_DEFAULT_STAGE "dev"
/* SPEC docs/spec/serverless.md 3: a function's timeout defaults to 6 s. */
#define EMU_SERVERLESS_DEFAULT_TIMEOUT_S 6

/* The project at path as wsgw's config JSON, handler paths absolute. stage:
 * --stage (${opt:stage}), or NULL. */
int emu_serverless_to_json(const char *path, const char *stage, char **json, char *err, size_t cap);
/* The same, loaded: out->source is path and out->dir the project directory. */
int emu_serverless_load(const char *path, const char *stage, struct emu_config *out, char *err,
                        size_t cap);

#endif
