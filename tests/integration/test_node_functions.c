/*
 * test_node_functions.c - Node.js functions run unmodified, out of process
 * (lambda_runtimes, lambda_procs, the Node runtime client), driven by real
 * WebSocket clients through the kit.
 *
 * The chat apps of fixtures/node/ (SDK v2 with DocumentClient and
 * ApiGatewayManagementApi({endpoint: domainName + '/' + stage}); SDK v3
 * with https://${domainName}/${stage}; TypeScript, transpiled with the
 * project's esbuild) each pass the chat end-to-end test: two clients, a
 * broadcast, a stale id deleted after its 410, and a non-410 error from
 * @connections surfacing as a function error. Then Lambda's execution
 * model: a timeout kills the process (504 on $connect, "Endpoint request
 * timed out" on messages), a crash is a function error and the next
 * invocation starts a new process, a cold start reports its init duration
 * and warm invocations reuse the process, output lines are prefixed with
 * the function's name and request id, and a changed source runs in new
 * processes while the connection stays open. SST's `bind`: a function
 * finds its bound table from the variables SST's Node client reads. A
 * function mapped to a table's stream (eventSourceMappings) receives its
 * records in Lambda's DynamoDB event.
 * SPEC docs/spec/lambda-runtime.md; docs/spec/apigw-websocket.md 4.
 *
 * Needs node on PATH and fixtures/node/node_modules (make test installs
 * both). Each test starts its own emulator (in memory, free ports).
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#include "reload_files.h"

#define WAIT_MS 20000 /* a cold start under ASan on a busy 2-core machine */
#define STALE_ID "AAAAAAAAAAAAAAA="

static struct wsgw_kit_emu *start(const struct wsgw_kit_options *opts) {
  return kit_start_or_fail(opts);
}

static struct wsgw_kit_ws *connect_to(struct wsgw_kit_emu *emu, const char *path) {
  return kit_connect_or_fail(emu, path, WAIT_MS);
}

/* The last invocation log entry of a route (a new tree), or NULL. */
static cJSON *last_invocation(struct wsgw_kit_emu *emu, const char *route_key) {
  cJSON *all = wsgw_kit_invocations(emu, route_key, NULL, NULL);
  cJSON *last = NULL;
  int n = cJSON_GetArraySize(all);

  if (n > 0)
    last = cJSON_DetachItemFromArray(all, n - 1);
  cJSON_Delete(all);
  return last;
}

static const char *str(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

  return cJSON_IsString(v) ? v->valuestring : "";
}

/* ---- The chat apps -------------------------------------------------------- */

static void chat_end_to_end(const char *config_file) {
  struct wsgw_kit_emu *emu = start(&(struct wsgw_kit_options){.config_file = config_file});
  struct wsgw_kit_ws *a, *b;
  cJSON *inv;

  a = connect_to(emu, "/dev");
  b = connect_to(emu, "/dev");
  /* $connect stored both ids through the SDK's DynamoDB client. */
  {
    char key[128];
    snprintf(key, sizeof(key), "{\"id\":{\"S\":\"%s\"}}", wsgw_kit_ws_id(a));
    CHECK(wsgw_kit_db_expect_item(emu, "Connections", key, "{}", WAIT_MS));
    snprintf(key, sizeof(key), "{\"id\":{\"S\":\"%s\"}}", wsgw_kit_ws_id(b));
    CHECK(wsgw_kit_db_expect_item(emu, "Connections", key, "{}", WAIT_MS));
  }
  /* A stale id (a lost $disconnect): its post answers 410 and the function
   * deletes it. */
  CHECK(wsgw_kit_db_put(emu, "Connections", "{\"id\":{\"S\":\"" STALE_ID "\"}}"));
  CHECK(wsgw_kit_send_text(a, "{\"action\":\"sendmessage\",\"data\":\"hello from a\"}"));
  CHECK(wsgw_kit_expect_text(a, "hello from a", WAIT_MS));
  CHECK(wsgw_kit_expect_text(b, "hello from a", WAIT_MS));
  CHECK(wsgw_kit_db_expect_item(emu, "Connections", "{\"id\":{\"S\":\"" STALE_ID "\"}}", NULL,
                                WAIT_MS));
  CHECK(wsgw_kit_wait_invocations(emu, "sendmessage", NULL, NULL, 1, WAIT_MS));
  inv = last_invocation(emu, "sendmessage");
  assert_string_equal(str(inv, "outcome"), "ok");
  cJSON_Delete(inv);
  /* Any other error from @connections is rethrown: a function error, and
   * the sender gets API Gateway's error frame. 403 is not retried by the
   * SDKs. */
  assert_true(wsgw_kit_fault(emu, "{\"type\":\"connections.error\",\"connectionId\":\"*\","
                                  "\"status\":403}") >= 0);
  CHECK(wsgw_kit_send_text(b, "{\"action\":\"sendmessage\",\"data\":\"refused\"}"));
  CHECK(wsgw_kit_expect_json(b, "{\"message\":\"Internal server error\"}", WAIT_MS));
  CHECK(wsgw_kit_wait_invocations(emu, "sendmessage", NULL, NULL, 2, WAIT_MS));
  inv = last_invocation(emu, "sendmessage");
  assert_string_equal(str(inv, "outcome"), "error");
  cJSON_Delete(inv);
  wsgw_kit_faults_reset(emu);
  /* $disconnect deletes the id of a client that leaves. */
  {
    char key[128];
    snprintf(key, sizeof(key), "{\"id\":{\"S\":\"%s\"}}", wsgw_kit_ws_id(b));
    CHECK(wsgw_kit_close(b, 1000, "bye"));
    CHECK(wsgw_kit_db_expect_item(emu, "Connections", key, NULL, WAIT_MS));
  }
  wsgw_kit_ws_free(b);
  wsgw_kit_ws_free(a);
  wsgw_kit_stop(emu);
}

static void the_sdk_v2_chat_app_broadcasts_and_deletes_a_stale_id(void **state) {
  (void)state;
  chat_end_to_end("fixtures/node/v2-chat.json");
}

static void the_sdk_v3_chat_app_broadcasts_and_deletes_a_stale_id(void **state) {
  (void)state;
  chat_end_to_end("fixtures/node/v3-chat.json");
}

static void the_typescript_chat_app_broadcasts_and_deletes_a_stale_id(void **state) {
  (void)state;
  chat_end_to_end("fixtures/node/ts-chat.json");
}

/* ---- Lambda's execution model --------------------------------------------- */

/* Functions of fixtures/node/misc, as two-way routes ("handler" paths are
 * relative to the working directory for a config given as a string). */
static const char misc_config[] =
    "{ \"apis\": [{ \"name\": \"misc\", \"stage\": \"dev\","
    "  \"defaults\": { \"function\": { \"runtime\": \"nodejs20.x\", \"timeout\": 10 } },"
    "  \"routes\": {"
    "    \"sleep\": { \"function\": { \"handler\": \"fixtures/node/misc/sleep.handler\","
    "                 \"timeout\": 1 }, \"returnResponse\": true },"
    "    \"crash\": { \"function\": \"fixtures/node/misc/crash.handler\", \"returnResponse\": true },"
    "    \"cold\": { \"function\": \"fixtures/node/misc/slowinit.handler\", \"returnResponse\": true },"
    "    \"logs\": { \"function\": \"fixtures/node/misc/logs.handler\", \"returnResponse\": true }"
    "  } },"
    " { \"name\": \"slowconnect\", \"stage\": \"slow\","
    "  \"routes\": { \"$connect\": { \"function\": { \"runtime\": \"nodejs20.x\","
    "    \"handler\": \"fixtures/node/misc/sleep.handler\", \"timeout\": 1 } } } },"
    " { \"name\": \"failconnect\", \"stage\": \"fail\","
    "  \"routes\": { \"$connect\": { \"function\": { \"runtime\": \"nodejs20.x\","
    "    \"handler\": \"fixtures/node/misc/throws.async\" } } } },"
    " { \"name\": \"brokenconnect\", \"stage\": \"broken\","
    "  \"routes\": { \"$connect\": { \"function\": { \"runtime\": \"nodejs20.x\","
    "    \"handler\": \"fixtures/node/misc/broken.handler\" } } } }] }";

static void a_function_past_its_timeout_is_killed_and_the_client_is_told(void **state) {
  struct wsgw_kit_emu *emu = start(&(struct wsgw_kit_options){.config_json = misc_config});
  struct wsgw_kit_ws *ws = connect_to(emu, "/dev");
  cJSON *inv;
  int status = 0;

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"sleep\",\"ms\":5000}"));
  CHECK(wsgw_kit_expect_json(ws, "{\"message\":\"Endpoint request timed out\"}", WAIT_MS));
  inv = last_invocation(emu, "sleep");
  assert_string_equal(str(inv, "outcome"), "timeout");
  cJSON_Delete(inv);
  /* The process was killed: the next invocation is a cold start. */
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"sleep\",\"ms\":10}"));
  CHECK(wsgw_kit_expect_text(ws, "slept 10 ms", WAIT_MS));
  inv = last_invocation(emu, "sleep");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(inv, "initDurationMs"));
  cJSON_Delete(inv);
  /* SPEC docs/spec/apigw-websocket.md 4.1: a $connect past its timeout
   * rejects the handshake with 504. */
  assert_null(wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/slow"}, &status));
  assert_int_equal(status, 504);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void a_crash_is_a_function_error_and_the_next_invocation_starts_a_new_process(void **state) {
  struct wsgw_kit_emu *emu = start(&(struct wsgw_kit_options){.config_json = misc_config});
  struct wsgw_kit_ws *ws = connect_to(emu, "/dev");
  cJSON *inv;

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"crash\",\"data\":\"crash\"}"));
  CHECK(wsgw_kit_expect_json(ws, "{\"message\":\"Internal server error\"}", WAIT_MS));
  inv = last_invocation(emu, "crash");
  assert_string_equal(str(inv, "outcome"), "error");
  assert_non_null(strstr(str(inv, "error"), "Runtime.ExitError"));
  cJSON_Delete(inv);
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"crash\",\"data\":\"hi\"}"));
  CHECK(wsgw_kit_expect_regex(ws, "^\\{\"pid\":[0-9]+\\}$", WAIT_MS));
  inv = last_invocation(emu, "crash");
  assert_string_equal(str(inv, "outcome"), "ok");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(inv, "initDurationMs"));
  cJSON_Delete(inv);
  /* SPEC docs/spec/apigw-websocket.md 4.1: a $connect that fails (an
   * error thrown, or a module that does not load) rejects the handshake
   * with 502. */
  {
    int status = 0;
    assert_null(wsgw_kit_connect(
        emu, &(struct wsgw_kit_ws_options){.path = "/fail", .timeout_ms = WAIT_MS}, &status));
    assert_int_equal(status, 502);
    inv = last_invocation(emu, "$connect");
    assert_non_null(strstr(str(inv, "error"), "ChatError: async handler failed"));
    cJSON_Delete(inv);
    assert_null(wsgw_kit_connect(
        emu, &(struct wsgw_kit_ws_options){.path = "/broken", .timeout_ms = WAIT_MS}, &status));
    assert_int_equal(status, 502);
    inv = last_invocation(emu, "$connect");
    assert_non_null(strstr(str(inv, "error"), "Runtime.ImportModuleError"));
    cJSON_Delete(inv);
  }
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

/* The "pid" and "invocation" a slowinit answer reports. */
static void cold_answer(struct wsgw_kit_ws *ws, double *pid, double *invocation) {
  cJSON *o;

  CHECK(wsgw_kit_expect_regex(ws, "\"invocation\"", WAIT_MS));
  o = cJSON_Parse(wsgw_kit_last_message(ws));
  assert_non_null(o);
  *pid = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "pid"));
  *invocation = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "invocation"));
  cJSON_Delete(o);
}

static void a_cold_start_reports_its_init_duration_and_warm_invocations_reuse_the_process(
    void **state) {
  struct wsgw_kit_emu *emu = start(&(struct wsgw_kit_options){.config_json = misc_config});
  struct wsgw_kit_ws *ws = connect_to(emu, "/dev");
  double pid1, pid2, n1, n2;
  cJSON *inv;

  (void)state;
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"cold\"}"));
  cold_answer(ws, &pid1, &n1);
  assert_true(n1 == 1);
  inv = last_invocation(emu, "cold");
  /* The module busy-waits 200 ms at load: part of the init duration. */
  assert_true(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(inv, "initDurationMs")) >= 200);
  cJSON_Delete(inv);
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"cold\"}"));
  cold_answer(ws, &pid2, &n2);
  assert_true(pid2 == pid1);
  assert_true(n2 == 2);
  inv = last_invocation(emu, "cold");
  assert_null(cJSON_GetObjectItemCaseSensitive(inv, "initDurationMs"));
  cJSON_Delete(inv);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

static void output_lines_are_prefixed_with_the_function_name_and_request_id(void **state) {
  char path[] = "/tmp/wsgw-node-stderr-XXXXXX", want[256];
  int fd = mkstemp(path), saved = dup(2);
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  char *text;
  cJSON *inv;

  (void)state;
  assert_true(fd >= 0 && saved >= 0);
  /* The processes' lines go to the emulator's stderr: this file. */
  assert_int_equal(dup2(fd, 2), 2);
  emu = start(&(struct wsgw_kit_options){.config_json = misc_config});
  ws = connect_to(emu, "/dev");
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"logs\"}"));
  CHECK(wsgw_kit_expect_text(ws, "logged", WAIT_MS));
  inv = last_invocation(emu, "logs");
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
  dup2(saved, 2);
  close(saved);
  close(fd);
  text = wsgw_kit_read_file(path, NULL);
  unlink(path);
  assert_non_null(text);
  assert_non_null(strstr(text, "[misc-dev-logs init] logs: module loaded\n"));
  snprintf(want, sizeof(want), "[misc-dev-logs %s] logs: stdout line for %s\n",
           str(inv, "requestId"), str(inv, "requestId"));
  if (!strstr(text, want))
    fail_msg("expected the line %s in:\n%s", want, text);
  snprintf(want, sizeof(want), "[misc-dev-logs %s] logs: stderr line for %s\n",
           str(inv, "requestId"), str(inv, "requestId"));
  assert_non_null(strstr(text, want));
  snprintf(want, sizeof(want), "[misc-dev-logs %s] in one write\n", str(inv, "requestId"));
  assert_non_null(strstr(text, want));
  cJSON_Delete(inv);
  free(text);
}

/* ---- Reload ------------------------------------------------------------------ */

static void write_file(const char *path, const char *text) {
  assert_int_equal(reload_write_text(path, text), 0);
}

/* Writes src with a handler answering "<tag> 1", serves config (route "v",
 * whose handler is src's `main`), checks the answer, rewrites src to
 * answer "<tag> 2", waits for the reload and checks the same connection
 * gets the new answer. */
static void expect_source_reload(const char *config, const char *src, const char *tag) {
  char code[256], want[64];
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  int ok, failed;

  snprintf(code, sizeof(code), "exports.main = async () => ({ statusCode: 200, body: '%s 1' });\n",
           tag);
  write_file(src, code);
  emu = start(&(struct wsgw_kit_options){.config_file = config, .watch = 1});
  ws = connect_to(emu, "/dev");
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"v\"}"));
  snprintf(want, sizeof(want), "%s 1", tag);
  CHECK(wsgw_kit_expect_text(ws, want, WAIT_MS));
  wsgw_kit_reloads(emu, &ok, &failed);
  snprintf(code, sizeof(code), "exports.main = async () => ({ statusCode: 200, body: '%s 2' });\n",
           tag);
  write_file(src, code);
  CHECK(wsgw_kit_wait_reloads(emu, ok + 1, failed, WAIT_MS));
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"v\"}"));
  snprintf(want, sizeof(want), "%s 2", tag);
  CHECK(wsgw_kit_expect_text(ws, want, WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

/* The config of expect_source_reload: route "v" runs handler. */
static void write_reload_config(const char *config, const char *handler) {
  char text[1024];

  snprintf(text, sizeof(text),
           "{ \"apis\": [{ \"name\": \"app\", \"stage\": \"dev\", \"routes\": {"
           "  \"v\": { \"function\": { \"runtime\": \"nodejs20.x\", \"handler\": \"%s\" },"
           "         \"returnResponse\": true } } }] }",
           handler);
  write_file(config, text);
}

static void a_changed_source_runs_in_new_processes_and_the_connection_stays_open(void **state) {
  char dir[] = "/tmp/wsgw-node-reload-XXXXXX", config[256], src[256];

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(config, sizeof(config), "%s/app.json", dir);
  snprintf(src, sizeof(src), "%s/fn.js", dir);
  write_reload_config(config, "fn.main");
  expect_source_reload(config, src, "version");
  unlink(src);
  unlink(config);
  rmdir(dir);
}

/* A handler outside the config's directory (an absolute path: Lambda's
 * Node runtime refuses "../" in a handler): its directory is watched too. */
static void a_changed_source_outside_the_configs_directory_runs_in_new_processes(void **state) {
  char dir[] = "/tmp/wsgw-node-outside-XXXXXX", app[256], srcdir[256], config[300], src[300];
  char handler[320];

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(app, sizeof(app), "%s/app", dir);
  snprintf(srcdir, sizeof(srcdir), "%s/src", dir);
  assert_int_equal(mkdir(app, 0700), 0);
  assert_int_equal(mkdir(srcdir, 0700), 0);
  snprintf(config, sizeof(config), "%s/app.json", app);
  snprintf(src, sizeof(src), "%s/fn.js", srcdir);
  snprintf(handler, sizeof(handler), "%s/fn.main", srcdir);
  write_reload_config(config, handler);
  expect_source_reload(config, src, "outside");
  unlink(src);
  unlink(config);
  rmdir(srcdir);
  rmdir(app);
  rmdir(dir);
}

/* Regression: the source watch counted an unfinished write (IN_MODIFY,
 * which the config's watch of the same directory asks for) as a change, so
 * a log file in the project (wsgw's own stderr redirected there) recycled
 * the processes after every line it got. */
static void a_file_being_written_or_a_log_in_the_project_does_not_restart_functions(void **state) {
  char dir[] = "/tmp/wsgw-node-logs-XXXXXX", config[256], src[256], out[256], log[256];
  char first[32];
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  FILE *open_file;
  int ok, failed, ok2, failed2;

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(config, sizeof(config), "%s/app.json", dir);
  snprintf(src, sizeof(src), "%s/fn.js", dir);
  snprintf(out, sizeof(out), "%s/output.txt", dir);
  snprintf(log, sizeof(log), "%s/server.log", dir);
  write_file(src, "exports.main = async () => ({ statusCode: 200, body: String(process.pid) });\n");
  write_reload_config(config, "fn.main");
  write_file(out, "");
  emu = start(&(struct wsgw_kit_options){.config_file = config, .watch = 1});
  ws = connect_to(emu, "/dev");
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"v\"}"));
  CHECK(wsgw_kit_expect_regex(ws, "^[0-9]+$", WAIT_MS));
  snprintf(first, sizeof(first), "%s", wsgw_kit_last_message(ws));
  wsgw_kit_reloads(emu, &ok, &failed);
  /* A file (created before the start) kept open and written to, and a log
   * appended to and closed. */
  open_file = fopen(out, "a");
  assert_non_null(open_file);
  for (int i = 0; i < 8; i++) {
    FILE *l = fopen(log, "a");
    assert_non_null(l);
    fprintf(l, "line %d\n", i);
    fclose(l);
    fprintf(open_file, "line %d\n", i);
    fflush(open_file);
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
  }
  /* Quiet for longer than EMU_RELOAD_QUIET_MS (200 ms): any reload is done. */
  {
    struct timespec ts = {0, 500 * 1000000L};
    nanosleep(&ts, NULL);
  }
  wsgw_kit_reloads(emu, &ok2, &failed2);
  assert_int_equal(ok2, ok);
  assert_int_equal(failed2, failed);
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"v\"}"));
  CHECK(wsgw_kit_expect_text(ws, first, WAIT_MS));
  fclose(open_file);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
  unlink(out);
  unlink(log);
  unlink(src);
  unlink(config);
  rmdir(dir);
}

/* Regression: at stop, the listeners used to close while the $disconnects
 * of the clients still connected ran, so an out-of-process $disconnect
 * could not reach DynamoDB (ECONNREFUSED). */
/* A client is connected when the emulator stops; its $disconnect function
 * waits delay_ms, then calls DynamoDB through the stopping server, and
 * writes the status it got to a marker file. */
static void stop_with_a_disconnect_that_calls_dynamodb_after(int delay_ms) {
  char dir[] = "/tmp/wsgw-node-stop-XXXXXX", config[256], src[256], marker[256], code[1024];
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  char *text;

  assert_non_null(mkdtemp(dir));
  snprintf(config, sizeof(config), "%s/app.json", dir);
  snprintf(src, sizeof(src), "%s/fn.js", dir);
  snprintf(marker, sizeof(marker), "%s/disconnected", dir);
  snprintf(code, sizeof(code),
           "exports.main = async () => {\n"
           "  await new Promise((done) => setTimeout(done, %d));\n"
           "%s",
           delay_ms,
           "  const r = await fetch(process.env.AWS_ENDPOINT_URL_DYNAMODB, {\n"
           "    method: 'POST', body: '{}', headers: {\n"
           "      'X-Amz-Target': 'DynamoDB_20120810.ListTables',\n"
           "      'Content-Type': 'application/x-amz-json-1.0',\n"
           "      Authorization: 'AWS4-HMAC-SHA256 Credential=' +\n"
           "        process.env.AWS_ACCESS_KEY_ID + '/20260101/us-east-1/dynamodb/aws4_request,'\n"
           "        + ' SignedHeaders=host, Signature=00' } });\n"
           "  require('fs').writeFileSync(__dirname + '/disconnected', String(r.status));\n"
           "  return { statusCode: 200 };\n"
           "};\n");
  write_file(src, code);
  write_file(config, "{ \"apis\": [{ \"name\": \"app\", \"stage\": \"dev\", \"routes\": {"
                     "  \"$disconnect\": { \"function\": { \"runtime\": \"nodejs20.x\","
                     "                                  \"handler\": \"fn.main\" } } } }] }");
  emu = start(&(struct wsgw_kit_options){.config_file = config});
  ws = connect_to(emu, "/dev");
  wsgw_kit_stop(emu);
  text = wsgw_kit_read_file(marker, NULL);
  if (!text)
    fail_msg("the $disconnect function did not complete its DynamoDB call before the stop");
  assert_string_equal(text, "200");
  free(text);
  wsgw_kit_ws_free(ws);
  unlink(marker);
  unlink(src);
  unlink(config);
  rmdir(dir);
}

static void a_client_connected_at_stop_gets_a_disconnect_that_reaches_dynamodb(void **state) {
  (void)state;
  stop_with_a_disconnect_that_calls_dynamodb_after(0);
}

/* Regression: the listeners closed 1 s into the stop whether or not a
 * $disconnect was still running, and from 0.5 s every connection to the
 * server was shut down, the function's own DynamoDB call included: on a
 * loaded machine a Node function's cold start alone passed those marks and
 * its call failed ("fetch failed"). Here the function takes 1.5 s. */
static void a_disconnect_still_running_at_stop_is_served_for_up_to_3_s(void **state) {
  (void)state;
  stop_with_a_disconnect_that_calls_dynamodb_after(1500);
}

/* Regression: the HTTP workers were a fixed reserve of 32, and every
 * keep-alive connection a function's SDK holds takes one: 40 parallel
 * DynamoDB calls from a function stalled until keep-alive timeouts freed
 * workers (past the function's timeout), here with every WebSocket slot
 * taken. */
static void a_function_that_opens_many_connections_to_dynamodb_is_served_at_once(void **state) {
  char dir[] = "/tmp/wsgw-node-burst-XXXXXX", config[256], src[256];
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *a, *b;

  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(config, sizeof(config), "%s/app.json", dir);
  snprintf(src, sizeof(src), "%s/fn.js", dir);
  write_file(src,
             "const call = () => fetch(process.env.AWS_ENDPOINT_URL_DYNAMODB, {\n"
             "  method: 'POST', body: '{}', headers: {\n"
             "    'X-Amz-Target': 'DynamoDB_20120810.ListTables',\n"
             "    'Content-Type': 'application/x-amz-json-1.0',\n"
             "    Authorization: 'AWS4-HMAC-SHA256 Credential=' +\n"
             "      process.env.AWS_ACCESS_KEY_ID + '/20260101/us-east-1/dynamodb/aws4_request,'\n"
             "      + ' SignedHeaders=host, Signature=00' } }).then((r) => r.status);\n"
             "exports.main = async () => {\n"
             "  const s = await Promise.all(Array.from({ length: 40 }, call));\n"
             "  return { statusCode: 200, body: String(s.filter((x) => x === 200).length) };\n"
             "};\n");
  write_file(config,
             "{ \"apis\": [{ \"name\": \"app\", \"stage\": \"dev\", \"routes\": {"
             "  \"burst\": { \"function\": { \"runtime\": \"nodejs20.x\","
             "    \"handler\": \"fn.main\", \"timeout\": 4 }, \"returnResponse\": true } } }] }");
  emu = start(&(struct wsgw_kit_options){.config_file = config, .max_connections = 2});
  a = connect_to(emu, "/dev");
  b = connect_to(emu, "/dev");
  for (int round = 0; round < 2; round++) {
    CHECK(wsgw_kit_send_text(a, "{\"action\":\"burst\"}"));
    CHECK(wsgw_kit_expect_text(a, "40", WAIT_MS));
  }
  wsgw_kit_ws_free(b);
  wsgw_kit_ws_free(a);
  wsgw_kit_stop(emu);
  unlink(src);
  unlink(config);
  rmdir(dir);
}

/* SST's `bind`: the function finds its table as SST's Node client does,
 * from SST_Table_tableName_<id> (the id is the table name with '-' as
 * '_'), and writes to it. */
static void a_function_bound_to_a_table_finds_it_as_the_sst_client_does(void **state) {
  struct wsgw_kit_emu *emu = start(
      &(struct wsgw_kit_options){.config_file = "fixtures/node/sst-bind.json"});
  struct wsgw_kit_ws *ws = connect_to(emu, "/dev");
  char key[128];

  (void)state;
  snprintf(key, sizeof(key), "{\"id\":{\"S\":\"%s\"}}", wsgw_kit_ws_id(ws));
  CHECK(wsgw_kit_db_expect_item(emu, "chat-connections", key,
                                "{\"app\":{\"S\":\"sst-chat\"},\"stage\":{\"S\":\"dev\"}}",
                                WAIT_MS));
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"whoami\"}"));
  CHECK(wsgw_kit_expect_json(
      ws,
      "{\"tables\":{\"chat_connections\":{\"tableName\":\"chat-connections\"}},\"app\":\"sst-chat\"}",
      WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
}

/* ---- A stream function ------------------------------------------------------ */

static void a_node_function_mapped_to_a_tables_stream_receives_its_records(void **state) {
  static const char *const config =
      "{\"tables\": [{\"TableName\": \"Messages\", \"AttributeDefinitions\": [{\"AttributeName\": "
      "\"id\", \"AttributeType\": \"S\"}], \"KeySchema\": [{\"AttributeName\": \"id\", "
      "\"KeyType\": \"HASH\"}], \"BillingMode\": \"PAY_PER_REQUEST\", \"StreamSpecification\": {\"StreamEnabled\": true, "
      "\"StreamViewType\": \"NEW_IMAGE\"}}], \"eventSourceMappings\": [{\"table\": \"Messages\", "
      "\"function\": {\"runtime\": \"nodejs20.x\", \"handler\": \"fixtures/node/misc/stream.handler\", "
      "\"name\": \"stream-fn\"}, \"startingPosition\": \"LATEST\", \"functionResponseTypes\": "
      "[\"ReportBatchItemFailures\"]}]}";
  struct wsgw_kit_emu *emu = start(&(struct wsgw_kit_options){.config_json = config});
  cJSON *inv, *got;
  const cJSON *rec;

  (void)state;
  assert_int_equal(wsgw_kit_db_put(emu, "Messages", "{\"id\": {\"S\": \"m1\"}}"), 0);
  assert_int_equal(wsgw_kit_wait_invocations(emu, "stream:Messages", NULL, NULL, 1, WAIT_MS), 0);
  inv = last_invocation(emu, "stream:Messages");
  assert_string_equal(str(inv, "outcome"), "ok");
  assert_string_equal(str(inv, "eventType"), "STREAM");
  got = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(inv, "response"),
                                         "received");
  assert_int_equal(cJSON_GetArraySize(got), 1);
  rec = cJSON_GetArrayItem(got, 0);
  assert_string_equal(str(rec, "eventName"), "INSERT");
  assert_string_equal(str(rec, "eventSource"), "aws:dynamodb");
  assert_string_equal(str(rec, "id"), "m1");
  assert_non_null(strstr(str(rec, "eventSourceARN"), ":table/Messages/stream/"));
  assert_true(str(rec, "sequenceNumber")[0]);
  cJSON_Delete(inv);
  wsgw_kit_stop(emu);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_sdk_v2_chat_app_broadcasts_and_deletes_a_stale_id),
      cmocka_unit_test(the_sdk_v3_chat_app_broadcasts_and_deletes_a_stale_id),
      cmocka_unit_test(the_typescript_chat_app_broadcasts_and_deletes_a_stale_id),
      cmocka_unit_test(a_function_past_its_timeout_is_killed_and_the_client_is_told),
      cmocka_unit_test(a_crash_is_a_function_error_and_the_next_invocation_starts_a_new_process),
      cmocka_unit_test(
          a_cold_start_reports_its_init_duration_and_warm_invocations_reuse_the_process),
      cmocka_unit_test(output_lines_are_prefixed_with_the_function_name_and_request_id),
      cmocka_unit_test(a_changed_source_runs_in_new_processes_and_the_connection_stays_open),
      cmocka_unit_test(a_changed_source_outside_the_configs_directory_runs_in_new_processes),
      cmocka_unit_test(a_file_being_written_or_a_log_in_the_project_does_not_restart_functions),
      cmocka_unit_test(a_client_connected_at_stop_gets_a_disconnect_that_reaches_dynamodb),
      cmocka_unit_test(a_disconnect_still_running_at_stop_is_served_for_up_to_3_s),
      cmocka_unit_test(a_function_that_opens_many_connections_to_dynamodb_is_served_at_once),
      cmocka_unit_test(a_function_bound_to_a_table_finds_it_as_the_sst_client_does),
      cmocka_unit_test(a_node_function_mapped_to_a_tables_stream_receives_its_records),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
