/*
 * test_serverless.c - Serverless Framework projects (emu_serverless) run
 * as they are: fixtures/node/serverless-chat (the environment per stage
 * from ${file(./config/${opt:stage, 'dev'}.yaml)}, each function in its own
 * file with iamRoleStatements and !Ref, the table under deploy/resources/
 * named from ${self:provider.environment.TABLE_NAME}, SDK v2 handlers, a
 * plugin) passes the chat end-to-end test: two clients, a broadcast, a stale
 * id deleted after its 410, a two-way route. The older plugin syntax
 * (fixtures/node/serverless-chat-legacy: routeKey, nodejs12.x) runs too.
 * Variables resolve as the Framework's do (env with defaults, file():key,
 * sls:stage, self: with a list index, text around variables, aws:region,
 * functions as a list of files; an unresolvable one in custom is never read).
 * Every key wsgw would need but does not support is an error naming it and
 * its file.
 *
 * The project is read with emu_serverless_to_json (handler paths absolute)
 * and handed to the kit as config_json. Needs node on PATH and
 * fixtures/node/node_modules (make test installs both).
 * Threading: the test thread only.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#include "emu_serverless.h"

#define WAIT_MS 20000 /* a cold start under ASan on a busy 2-core machine */
#define STALE_ID "AAAAAAAAAAAAAAA="
#define CHAT "fixtures/node/serverless-chat/serverless.yml"
#define LEGACY "fixtures/node/serverless-chat-legacy/serverless.yml"

static char *project_json(const char *path, const char *stage) {
  char err[1024] = "", *json = NULL;

  if (emu_serverless_to_json(path, stage, &json, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  return json;
}

static struct wsgw_kit_emu *start_project(const char *path) {
  char *json = project_json(path, NULL);
  struct wsgw_kit_emu *emu = kit_start_or_fail(&(struct wsgw_kit_options){.config_json = json});

  free(json);
  return emu;
}

/* A DynamoDB call through the emulator's HTTP endpoint; the answer's body
 * (status 200 expected). */
static char *dynamo_call(struct wsgw_kit_emu *emu, const char *operation, const char *request) {
  char target[128];
  const char *headers[] = {"Content-Type: application/x-amz-json-1.0", target,
                           "Authorization: AWS4-HMAC-SHA256 "
                           "Credential=local/20240101/us-east-1/dynamodb/aws4_request, "
                           "SignedHeaders=host;x-amz-target, Signature=0",
                           NULL};
  struct wsgw_kit_http_response http;
  char *body;
  int status;

  snprintf(target, sizeof(target), "X-Amz-Target: DynamoDB_20120810.%s", operation);
  status = wsgw_kit_http(wsgw_kit_port(emu), "POST", "/", headers, request, strlen(request), &http);
  if (status != 200)
    fail_msg("%s: %d %s", operation, status, http.body ? http.body : "");
  body = strndup(http.body, http.body_len);
  wsgw_kit_http_free(&http);
  assert_non_null(body);
  return body;
}

static struct wsgw_kit_ws *connect_to(struct wsgw_kit_emu *emu, const char *path) {
  return kit_connect_or_fail(emu, path, WAIT_MS);
}

static void expect_connection(struct wsgw_kit_emu *emu, const char *table, const char *id,
                              int present) {
  char key[128];

  snprintf(key, sizeof(key), "{\"connectionId\":{\"S\":\"%s\"}}", id);
  CHECK(wsgw_kit_db_expect_item(emu, table, key, present ? "{}" : NULL, WAIT_MS));
}

/* Two clients, a stale id, a broadcast, the stale id deleted, a client
 * leaving deleted by $disconnect. */
static void chat_end_to_end(struct wsgw_kit_emu *emu, const char *table) {
  struct wsgw_kit_ws *a = connect_to(emu, "/dev"), *b = connect_to(emu, "/dev");
  char stale[128];

  expect_connection(emu, table, wsgw_kit_ws_id(a), 1);
  expect_connection(emu, table, wsgw_kit_ws_id(b), 1);
  snprintf(stale, sizeof(stale), "{\"connectionId\":{\"S\":\"%s\"}}", STALE_ID);
  CHECK(wsgw_kit_db_put(emu, table, stale));
  CHECK(wsgw_kit_send_text(a, "{\"action\":\"sendmessage\",\"data\":\"hello from a\"}"));
  CHECK(wsgw_kit_expect_text(a, "hello from a", WAIT_MS));
  CHECK(wsgw_kit_expect_text(b, "hello from a", WAIT_MS));
  expect_connection(emu, table, STALE_ID, 0);
  CHECK(wsgw_kit_close(b, 1000, "bye"));
  expect_connection(emu, table, wsgw_kit_ws_id(b), 0);
  wsgw_kit_ws_free(b);
  wsgw_kit_ws_free(a);
}

static void the_serverless_chat_project_broadcasts_and_deletes_a_stale_id(void **state) {
  struct wsgw_kit_emu *emu = start_project(CHAT);
  struct wsgw_kit_ws *ws;

  char *ttl;

  (void)state;
  /* The project's TimeToLiveSpecification is the table's TTL setting. */
  ttl = dynamo_call(emu, "DescribeTimeToLive",
                    "{\"TableName\":\"serverless-chat-connections-dev\"}");
  assert_non_null(strstr(ttl, "\"TimeToLiveStatus\":\"ENABLED\""));
  assert_non_null(strstr(ttl, "\"AttributeName\":\"ttl\""));
  free(ttl);
  chat_end_to_end(emu, "serverless-chat-connections-dev");
  /* routeResponseSelectionExpression: a two-way route; LOG_LEVEL came from
   * config/dev.yaml. */
  ws = connect_to(emu, "/dev");
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"echo\"}"));
  CHECK(wsgw_kit_expect_text(ws, "debug:{\"action\":\"echo\"}", WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void the_project_read_as_wsgw_config_has_the_stage_s_values(void **state) {
  char *json = project_json(CHAT, "prod");
  cJSON *cfg = cJSON_Parse(json), *api, *routes, *fn, *table;

  (void)state;
  free(json);
  api = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "apis"), 0);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(api, "stage")->valuestring, "prod");
  routes = cJSON_GetObjectItemCaseSensitive(api, "routes");
  assert_int_equal(cJSON_GetArraySize(routes), 4);
  fn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(routes, "$connect"),
                                        "function");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(fn, "runtime")->valuestring, "nodejs20.x");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(fn, "timeout")->valueint, 10);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(fn, "memorySize")->valueint, 256);
  assert_non_null(strstr(cJSON_GetObjectItemCaseSensitive(fn, "handler")->valuestring,
                         "/fixtures/node/serverless-chat/src/connect.handler"));
  fn = cJSON_GetObjectItemCaseSensitive(fn, "environment");
  /* !Ref ConnectionsTable is the table's name; provider.environment from
   * config/prod.yaml. */
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(fn, "CONNECTIONS_TABLE")->valuestring,
                      "serverless-chat-connections-prod");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(fn, "LOG_LEVEL")->valuestring, "info");
  /* The default timeout of Serverless is 6 s. */
  fn = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(routes, "echo"),
                                        "function");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(fn, "timeout")->valueint, 6);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(routes, "echo"), "returnResponse")));
  /* The table: TimeToLiveSpecification kept (wsgw applies it), keys that
   * change nothing wsgw emulates dropped, the SNS topic not a table. */
  table = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "tables"), 0);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cfg, "tables")), 1);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(table, "TableName")->valuestring,
                      "serverless-chat-connections-prod");
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(table, "TimeToLiveSpecification"), "AttributeName")
          ->valuestring,
      "ttl");
  assert_null(cJSON_GetObjectItemCaseSensitive(table, "PointInTimeRecoverySpecification"));
  cJSON_Delete(cfg);
}

static void a_project_in_the_older_plugin_syntax_runs(void **state) {
  struct wsgw_kit_emu *emu = start_project(LEGACY);

  (void)state;
  chat_end_to_end(emu, "legacy-chat-dev");
  wsgw_kit_stop(emu);
}

/* ---- Variables ----------------------------------------------------------- */

/* Writes files into a fresh directory (dir: a mkdtemp template). */
static void write_files(char *dir, const char *const (*files)[2], size_t n) {
  char path[512];
  size_t j;
  FILE *f;

  assert_non_null(mkdtemp(dir));
  for (j = 0; j < n && files[j][0]; j++) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[j][0]);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(files[j][1], f);
    fclose(f);
  }
}

static void remove_files(const char *dir, const char *const (*files)[2], size_t n) {
  char path[512];
  size_t j;

  for (j = 0; j < n && files[j][0]; j++) {
    snprintf(path, sizeof(path), "%s/%s", dir, files[j][0]);
    unlink(path);
  }
  rmdir(dir);
}

static void variables_resolve_as_the_framework_resolves_them(void **state) {
  static const char *const files[][2] = {
      {"serverless.yml",
       "service: v\n"
       "custom:\n"
       "  names: [first, second]\n"
       "  unused: ${cf:other.Output}\n"
       "provider:\n"
       "  stage: ${opt:stage, dev}\n"
       "  region: eu-west-1\n"
       "  timeout: ${file(./settings.yml):timeouts.default}\n"
       "  environment:\n"
       "    FROM_ENV: ${env:WSGW_TEST_SLS_VAR, 'fallback'}\n"
       "    EMPTY_DEFAULT: ${env:WSGW_NO_SUCH_VAR, ''}\n"
       "    STAGE: ${sls:stage}\n"
       "    TEXT: ${self:service}-${self:custom.names.1}-${self:provider.timeout}\n"
       "    REGION: ${aws:region}\n"
       "    ARN: !GetAtt Table.Arn\n"
       "functions:\n"
       "  - ${file(./fns.yml)}\n"
       "resources:\n"
       "  Resources:\n"
       "    Table:\n"
       "      Type: AWS::DynamoDB::Table\n"
       "      Properties:\n"
       "        KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
       "        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n"
       "        BillingMode: PAY_PER_REQUEST\n"},
      {"settings.yml", "timeouts:\n  default: 12\n"},
      {"fns.yml", "f:\n  handler: src/f.main\n  events:\n    - websocket: $default\n"},
  };
  char dir[] = "/tmp/wsgw-sls-XXXXXX", path[512], err[1024] = "", *json = NULL;
  cJSON *cfg, *fn, *env;

  (void)state;
  setenv("WSGW_TEST_SLS_VAR", "from the environment", 1);
  write_files(dir, files, 3);
  snprintf(path, sizeof(path), "%s/serverless.yml", dir);
  if (emu_serverless_to_json(path, NULL, &json, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  remove_files(dir, files, 3);
  cfg = cJSON_Parse(json);
  free(json);
  fn = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(
              cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cfg, "apis"), 0), "routes"),
          "$default"),
      "function");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(fn, "timeout")->valueint, 12);
  env = cJSON_GetObjectItemCaseSensitive(fn, "environment");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "FROM_ENV")->valuestring,
                      "from the environment");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "EMPTY_DEFAULT")->valuestring, "");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "STAGE")->valuestring, "dev");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "TEXT")->valuestring, "v-second-12");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "REGION")->valuestring, "eu-west-1");
  /* A table without TableName: SERVICE-STAGE-LogicalId; its ARN in the region. */
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(env, "ARN")->valuestring,
                      "arn:aws:dynamodb:eu-west-1:000000000000:table/v-dev-Table");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(cfg, "region")->valuestring, "eu-west-1");
  cJSON_Delete(cfg);
  unsetenv("WSGW_TEST_SLS_VAR");
}

/* ---- Errors -------------------------------------------------------------- */

struct error_row {
  const char *files[3][2]; /* {name, text} written into a fresh directory */
  const char *want[2];     /* in the error: the file and the key */
};

static void unsupported_keys_are_errors_that_name_the_key_and_the_file(void **state) {
  static const struct error_row rows[] = {
      {{{"serverless.yml", "service: s\nfunctions:\n  f:\n    handler: h.f\n    layers: [arn:x]\n"
                           "    events: [{websocket: $connect}]\n"}},
       {"serverless.yml: functions.f.layers: not supported", NULL}},
      {{{"serverless.yml", "service: s\nfunctions:\n  f:\n    handler: h.f\n    image: x\n"}},
       {"serverless.yml: functions.f.image: not supported", NULL}},
      {{{"serverless.yml", "service: s\nfunctions:\n  f: ${file(./f.yml)}\n"},
        {"f.yml", "handler: h.f\nevents:\n  - websocket: {route: $connect, authorizer: auth}\n"}},
       {"f.yml: functions.f.events[0].websocket.authorizer: not supported", NULL}},
      {{{"serverless.yml", "service: s\nprovider:\n  environment:\n    K: ${ssm:/x/y}\n"}},
       {"serverless.yml: provider.environment: ${ssm:/x/y}: this variable source is not "
        "supported",
        NULL}},
      {{{"serverless.yml", "service: s\nprovider: {name: google}\n"}},
       {"serverless.yml: provider.name: only the aws provider", NULL}},
      {{{"serverless.yml", "service: s\nprovider: {runtime: python3.12}\n"}},
       {"serverless.yml: provider.runtime: runtime python3.12 is not supported", NULL}},
      {{{"serverless.yml", "service: s\nprovider:\n  environment:\n    K: !GetAtt Queue.Arn\n"
                           "functions:\n  f: {handler: h.f, events: [{websocket: $connect}]}\n"}},
       {"serverless.yml: provider.environment.K: expected text, or Ref", NULL}},
      {{{"serverless.yml", "service: s\nprovider:\n  stage: ${self:custom.a}\n"
                           "custom: {a: '${self:custom.b}', b: '${self:custom.a}'}\n"}},
       {"serverless.yml: provider.stage: variables nest deeper", NULL}},
      {{{"serverless.yml", "service: s\nresources:\n  Resources:\n    T:\n"
                           "      Type: AWS::DynamoDB::Table\n"
                           "      Properties: {TableName: !Sub '${AWS::StackName}-t'}\n"}},
       {"serverless.yml: resources.Resources.T.Properties.TableName: expected text", NULL}},
      {{{"serverless.yml", "service: s\nprovider:\n  environment: ${file(./missing.yml)}\n"}},
       {"serverless.yml: provider.environment: ${file(./missing.yml)}: ", "missing.yml: cannot "
                                                                          "open"}},
      {{{"serverless.yml", "service: s\nprovider:\n  environment: ${env:WSGW_NO_SUCH_VAR}\n"}},
       {"${env:WSGW_NO_SUCH_VAR}: resolves to nothing and has no default", NULL}},
      {{{"serverless.yml", "service: s\nfunctions:\n  f: ${file(./f.yml)}\n"},
        {"f.yml", "handler: h.f\nevents: [\n"}},
       {"f.yml:3:1: ", NULL}},
  };
  size_t i, j;

  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char dir[] = "/tmp/wsgw-sls-XXXXXX", path[512], err[1024] = "", *json = NULL;

    write_files(dir, rows[i].files, 3);
    snprintf(path, sizeof(path), "%s/serverless.yml", dir);
    assert_int_equal(emu_serverless_to_json(path, NULL, &json, err, sizeof(err)), -1);
    remove_files(dir, rows[i].files, 3);
    assert_null(json);
    for (j = 0; j < 2 && rows[i].want[j]; j++)
      if (!strstr(err, rows[i].want[j]))
        fail_msg("row %zu: \"%s\" lacks \"%s\"", i, err, rows[i].want[j]);
    assert_null(strchr(err, '\n'));
  }
}

static void a_text_doubling_through_variables_stops_at_the_text_bound(void **state) {
  char text[4096], dir[] = "/tmp/wsgw-sls-XXXXXX", path[512], err[1024] = "", *json = NULL;
  const char *files[1][2] = {{"serverless.yml", text}};
  size_t n = 0;
  int k;

  (void)state;
  /* a0 is 1,000 bytes; each level doubles it: a11 is 2 MB from 4,095 variables. */
  n += (size_t)snprintf(text + n, sizeof(text) - n, "service: s\ncustom:\n  a0: ");
  memset(text + n, 'x', 1000);
  n += 1000;
  text[n++] = '\n';
  for (k = 1; k < 12; k++)
    n += (size_t)snprintf(text + n, sizeof(text) - n,
                          "  a%d: ${self:custom.a%d}${self:custom.a%d}\n", k, k - 1, k - 1);
  snprintf(text + n, sizeof(text) - n, "provider:\n  stage: ${self:custom.a11}\n");
  write_files(dir, (const char *const(*)[2])files, 1);
  snprintf(path, sizeof(path), "%s/serverless.yml", dir);
  assert_int_equal(emu_serverless_to_json(path, NULL, &json, err, sizeof(err)), -1);
  remove_files(dir, (const char *const(*)[2])files, 1);
  if (!strstr(err, "provider.stage: a text with variables is longer than 1048576 bytes"))
    fail_msg("%s", err);
}

/* ---- The command line ---------------------------------------------------- */

/* Runs `wsgw ARGS` (stderr into the output) and returns its exit status. */
static int run_wsgw(const char *args, char *out, size_t cap) {
  const char *bin = getenv("WSGW_BIN");
  char cmd[1024];
  size_t n = 0;
  FILE *p;
  int status;

  assert_non_null(bin);
  snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", bin, args);
  p = popen(cmd, "r");
  assert_non_null(p);
  while (n + 1 < cap && fgets(out + n, (int)(cap - n), p))
    n += strlen(out + n);
  out[n] = '\0';
  status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void wsgw_serve_refuses_config_with_serverless_and_names_a_project_s_error(void **state) {
  char out[2048];

  (void)state;
  assert_int_equal(
      run_wsgw("serve --config fixtures/chat-app.json --serverless " CHAT, out, sizeof(out)), 2);
  assert_non_null(strstr(out, "--config and --serverless exclude each other"));
  assert_int_equal(run_wsgw("serve --stage prod", out, sizeof(out)), 2);
  assert_non_null(strstr(out, "--stage goes with --serverless"));
  assert_int_equal(run_wsgw("serve --in-memory --serverless fixtures/node/serverless-chat/nope.yml",
                            out, sizeof(out)),
                   1);
  assert_non_null(strstr(out, "wsgw: serverless error: fixtures/node/serverless-chat/nope.yml"));
}

/* ---- Stream events ------------------------------------------------------- */

static void stream_events_become_event_source_mappings(void **state) {
  static const char *const files[][2] = {
      {"serverless.yml",
       "service: s\n"
       "provider: {name: aws, runtime: nodejs20.x}\n"
       "functions:\n"
       "  broadcast:\n"
       "    handler: src/broadcast.handler\n"
       "    events:\n"
       "      - stream:\n"
       "          type: dynamodb\n"
       "          arn: !GetAtt MessagesTable.StreamArn\n"
       "          batchSize: 5\n"
       "          startingPosition: LATEST\n"
       "          maximumRetryAttempts: 3\n"
       "          bisectBatchOnFunctionError: true\n"
       "          batchWindow: 1\n"
       "          enabled: false\n"
       "          functionResponseType: ReportBatchItemFailures\n"
       "          parallelizationFactor: 2\n"
       "          filterPatterns:\n"
       "            - eventName: [INSERT]\n"
       "      - stream: arn:aws:dynamodb:us-east-1:000000000000:table/Other/stream/2026-01-01\n"
       "resources:\n"
       "  Resources:\n"
       "    MessagesTable:\n"
       "      Type: AWS::DynamoDB::Table\n"
       "      Properties:\n"
       "        TableName: messages\n"
       "        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n"
       "        KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
       "        BillingMode: PAY_PER_REQUEST\n"
       "        StreamSpecification: {StreamViewType: NEW_IMAGE}\n"},
      {NULL, NULL},
  };
  char dir[] = "/tmp/wsgw-sls-XXXXXX", path[512], err[1024] = "";
  struct emu_config cfg;
  const struct emu_esm *m;
  const cJSON *ss;

  (void)state;
  write_files(dir, files, 1);
  snprintf(path, sizeof(path), "%s/serverless.yml", dir);
  if (emu_serverless_load(path, NULL, &cfg, err, sizeof(err)) != 0)
    fail_msg("%s", err);
  remove_files(dir, files, 1);
  assert_int_equal(cfg.nesms, 2);
  m = &cfg.esms[0];
  assert_string_equal(m->table, "messages");
  assert_string_equal(m->name, "broadcast");
  assert_string_equal(m->fn.runtime, "nodejs20.x");
  assert_non_null(strstr(m->fn.handler, "/src/broadcast.handler"));
  assert_int_equal(m->batch_size, 5);
  assert_int_equal(m->trim_horizon, 0);
  assert_int_equal(m->max_retries, 3);
  assert_int_equal(m->bisect, 1);
  assert_int_equal(m->window_s, 1);
  assert_int_equal(m->enabled, 0);
  assert_int_equal(m->report_item_failures, 1);
  assert_int_equal(cJSON_GetArraySize(m->filters), 1);
  /* A plain stream ARN names its table; Serverless's defaults apply. */
  m = &cfg.esms[1];
  assert_string_equal(m->table, "Other");
  assert_int_equal(m->batch_size, 10);
  assert_int_equal(m->trim_horizon, 1);
  assert_int_equal(m->enabled, 1);
  /* CloudFormation's StreamSpecification, as CreateTable takes it. */
  ss = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cfg.tables, 0), "StreamSpecification");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ss, "StreamEnabled")));
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(ss, "StreamViewType")->valuestring,
                      "NEW_IMAGE");
  emu_config_free(&cfg);
}

/* SPEC docs/spec/serverless.md 5: a table's CloudFormation settings reach
 * CreateTable: Tags, TableClass, SSESpecification (SSEEnabled -> Enabled),
 * ResourcePolicy ({PolicyDocument} -> the document as text); nothing the
 * table shows is dropped. */
static void a_tables_cloudformation_settings_reach_the_table(void **state) {
  static const char *const files[][2] = {
      {"serverless.yml",
       "service: s\n"
       "provider: {name: aws, runtime: nodejs20.x}\n"
       "resources:\n"
       "  Resources:\n"
       "    Orders:\n"
       "      Type: AWS::DynamoDB::Table\n"
       "      Properties:\n"
       "        TableName: orders\n"
       "        AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n"
       "        KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
       "        BillingMode: PAY_PER_REQUEST\n"
       "        TableClass: STANDARD_INFREQUENT_ACCESS\n"
       "        SSESpecification: {SSEEnabled: true}\n"
       "        Tags: [{Key: team, Value: chat}]\n"
       "        TimeToLiveSpecification: {AttributeName: expires, Enabled: true}\n"
       "        PointInTimeRecoverySpecification: {PointInTimeRecoveryEnabled: true}\n"
       "        ResourcePolicy:\n"
       "          PolicyDocument:\n"
       "            Version: '2012-10-17'\n"
       "            Statement: [{Effect: Allow, Principal: {AWS: '*'}, Action: 'dynamodb:GetItem',"
       " Resource: '*'}]\n"},
      {NULL, NULL},
  };
  char dir[] = "/tmp/wsgw-sls-XXXXXX", path[512], *json, *text;
  struct wsgw_kit_emu *emu;
  char arn[256], request[512];

  (void)state;
  write_files(dir, files, 1);
  snprintf(path, sizeof(path), "%s/serverless.yml", dir);
  json = project_json(path, NULL);
  remove_files(dir, files, 1);
  emu = kit_start_or_fail(&(struct wsgw_kit_options){.config_json = json});
  free(json);
  text = dynamo_call(emu, "DescribeTable", "{\"TableName\":\"orders\"}");
  assert_non_null(strstr(text, "\"TableClass\":\"STANDARD_INFREQUENT_ACCESS\""));
  assert_non_null(strstr(text, "\"SSEDescription\":{\"Status\":\"ENABLED\""));
  free(text);
  text = dynamo_call(emu, "DescribeTimeToLive", "{\"TableName\":\"orders\"}");
  assert_non_null(strstr(text, "\"AttributeName\":\"expires\""));
  free(text);
  snprintf(arn, sizeof(arn), "arn:aws:dynamodb:us-east-1:000000000000:table/orders");
  snprintf(request, sizeof(request), "{\"ResourceArn\":\"%s\"}", arn);
  text = dynamo_call(emu, "ListTagsOfResource", request);
  assert_non_null(strstr(text, "{\"Key\":\"team\",\"Value\":\"chat\"}"));
  free(text);
  text = dynamo_call(emu, "GetResourcePolicy", request);
  assert_non_null(strstr(text, "dynamodb:GetItem"));
  free(text);
  wsgw_kit_stop(emu);
}

static void unsupported_stream_events_are_errors_that_name_the_key(void **state) {
  static const struct {
    const char *yml, *want;
  } rows[] = {
      {"service: s\nfunctions:\n  f:\n    handler: h.f\n    events:\n      - stream: {type: "
       "kinesis, arn: 'arn:aws:kinesis:us-east-1:1:stream/x'}\n",
       "functions.f.events[0].stream.type: only DynamoDB streams"},
      {"service: s\nfunctions:\n  f:\n    handler: h.f\n    events:\n      - stream: {type: "
       "dynamodb, arn: !GetAtt Nope.StreamArn}\n",
       "functions.f.events[0].stream.arn: Fn::GetAtt names Nope"},
      {"service: s\nfunctions:\n  f:\n    handler: h.f\n    events:\n      - stream: nonsense\n",
       "functions.f.events[0].stream: expected Fn::GetAtt"},
      {"service: s\nfunctions:\n  f:\n    handler: h.f\n    events:\n      - stream: {arn: "
       "'arn:aws:dynamodb:r:1:table/T/stream/x', consumer: true}\n",
       "functions.f.events[0].stream.consumer: not supported"},
  };
  size_t i;

  (void)state;
  for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    const char *const files[][2] = {{"serverless.yml", rows[i].yml}, {NULL, NULL}};
    char dir[] = "/tmp/wsgw-sls-XXXXXX", path[512], err[1024] = "", *json = NULL;
    write_files(dir, files, 1);
    snprintf(path, sizeof(path), "%s/serverless.yml", dir);
    assert_int_equal(emu_serverless_to_json(path, NULL, &json, err, sizeof(err)), -1);
    remove_files(dir, files, 1);
    if (!strstr(err, rows[i].want))
      fail_msg("row %zu: \"%s\" lacks \"%s\"", i, err, rows[i].want);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_project_read_as_wsgw_config_has_the_stage_s_values),
      cmocka_unit_test(variables_resolve_as_the_framework_resolves_them),
      cmocka_unit_test(unsupported_keys_are_errors_that_name_the_key_and_the_file),
      cmocka_unit_test(stream_events_become_event_source_mappings),
      cmocka_unit_test(a_tables_cloudformation_settings_reach_the_table),
      cmocka_unit_test(unsupported_stream_events_are_errors_that_name_the_key),
      cmocka_unit_test(a_text_doubling_through_variables_stops_at_the_text_bound),
      cmocka_unit_test(wsgw_serve_refuses_config_with_serverless_and_names_a_project_s_error),
      cmocka_unit_test(the_serverless_chat_project_broadcasts_and_deletes_a_stale_id),
      cmocka_unit_test(a_project_in_the_older_plugin_syntax_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
