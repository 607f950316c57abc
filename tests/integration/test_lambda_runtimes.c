/*
 * test_lambda_runtimes.c - out-of-process functions as the config declares
 * them (emulator/lambda/lambda_runtimes.c), through the gateway: a
 * provided.al2023 function runs its "command" from the config's directory
 * with Lambda's environment and the endpoints that lead the SDKs to wsgw;
 * its events name the TLS listener as domainName (the https recipe); a
 * reserved variable in a function's environment is refused as Lambda
 * refuses it; a config reload that leaves a function alone keeps its warm
 * process, and one that changes it starts a new one.
 * SPEC docs/spec/lambda-runtime.md 7.
 *
 * The runtime is a few lines of Python (python3, as tests/runtime/
 * echo_runtime.py), written with the config into a temporary directory.
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
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#include "kit_checks.h"

#include "reload_files.h"

#define WAIT_MS 20000

/* A runtime client that answers each event with its environment, its pid
 * and the event. */
static const char bootstrap[] =
    "import http.client, json, os\n"
    "host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].rsplit(':', 1)\n"
    "conn = http.client.HTTPConnection(host, int(port))\n"
    "while True:\n"
    "    conn.request('GET', '/2018-06-01/runtime/invocation/next')\n"
    "    r = conn.getresponse()\n"
    "    event = json.loads(r.read())\n"
    "    rid = r.getheader('Lambda-Runtime-Aws-Request-Id')\n"
    "    body = json.dumps({'env': dict(os.environ), 'pid': os.getpid(), 'cwd': os.getcwd(),\n"
    "                       'event': event})\n"
    "    out = json.dumps({'statusCode': 200, 'body': body})\n"
    "    conn.request('POST', '/2018-06-01/runtime/invocation/' + rid + '/response', out)\n"
    "    conn.getresponse().read()\n";

struct app {
  char dir[64];
  char config[128];
};

static void write_file(const char *path, const char *text) {
  assert_int_equal(reload_write_text(path, text), 0);
}

/* A directory with bin/bootstrap.py and app.json whose route "env" runs it
 * with `environment` (a JSON object text). */
static void app_write_config(struct app *a, const char *environment) {
  char text[1024];

  snprintf(text, sizeof(text),
           "{ \"region\": \"eu-west-1\", \"apis\": [{ \"name\": \"app\", \"stage\": \"dev\","
           "  \"routes\": { \"env\": { \"function\": { \"runtime\": \"provided.al2023\","
           "    \"command\": [\"python3\", \"bin/bootstrap.py\"], \"memorySize\": 256,"
           "    \"environment\": %s }, \"returnResponse\": true } } }] }",
           environment);
  write_file(a->config, text);
}

static void app_create(struct app *a, const char *environment) {
  char path[160];

  snprintf(a->dir, sizeof(a->dir), "/tmp/wsgw-runtimes-XXXXXX");
  assert_non_null(mkdtemp(a->dir));
  snprintf(path, sizeof(path), "%s/bin", a->dir);
  assert_int_equal(mkdir(path, 0700), 0);
  snprintf(path, sizeof(path), "%s/bin/bootstrap.py", a->dir);
  write_file(path, bootstrap);
  snprintf(a->config, sizeof(a->config), "%s/app.json", a->dir);
  app_write_config(a, environment);
}

static void app_remove(struct app *a) {
  char path[160];

  snprintf(path, sizeof(path), "%s/bin/bootstrap.py", a->dir);
  unlink(path);
  snprintf(path, sizeof(path), "%s/bin", a->dir);
  rmdir(path);
  unlink(a->config);
  rmdir(a->dir);
}

/* Sends {"action":"env"} and returns the function's answer (a new tree). */
static cJSON *ask(struct wsgw_kit_ws *ws) {
  cJSON *o;

  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"env\"}"));
  CHECK(wsgw_kit_expect_regex(ws, "\"pid\"", WAIT_MS));
  o = cJSON_Parse(wsgw_kit_last_message(ws));
  assert_non_null(o);
  return o;
}

static const char *env_of(const cJSON *answer, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(answer, "env"),
                                                    name);

  return cJSON_IsString(v) ? v->valuestring : "(unset)";
}

static void a_provided_function_gets_lambdas_environment_and_the_emulators_endpoints(void **state) {
  struct app a;
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  char err[512] = "", want[256], *dir;
  cJSON *answer;
  const cJSON *rc;

  (void)state;
  app_create(&a, "{ \"TABLE_NAME\": \"Connections\" }");
  emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_file = a.config}, err, sizeof(err));
  if (!emu)
    fail_msg("start: %s", err);
  /* The config has an out-of-process function: a TLS listener is on. */
  assert_true(wsgw_kit_tls_port(emu) > 0);
  ws = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/dev"}, NULL);
  assert_non_null(ws);
  answer = ask(ws);
  dir = realpath(a.dir, NULL);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(answer, "cwd")), dir);
  assert_string_equal(env_of(answer, "LAMBDA_TASK_ROOT"), dir);
  assert_string_equal(env_of(answer, "AWS_LAMBDA_FUNCTION_NAME"), "app-dev-env");
  assert_string_equal(env_of(answer, "AWS_LAMBDA_FUNCTION_VERSION"), "$LATEST");
  assert_string_equal(env_of(answer, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"), "256");
  assert_string_equal(env_of(answer, "AWS_LAMBDA_LOG_GROUP_NAME"), "/aws/lambda/app-dev-env");
  assert_string_equal(env_of(answer, "AWS_EXECUTION_ENV"), "AWS_Lambda_provided.al2023");
  assert_string_equal(env_of(answer, "AWS_REGION"), "eu-west-1");
  assert_string_equal(env_of(answer, "AWS_DEFAULT_REGION"), "eu-west-1");
  assert_string_equal(env_of(answer, "TZ"), ":UTC");
  assert_string_equal(env_of(answer, "TABLE_NAME"), "Connections");
  assert_string_not_equal(env_of(answer, "AWS_ACCESS_KEY_ID"), "(unset)");
  assert_string_not_equal(env_of(answer, "AWS_SESSION_TOKEN"), "(unset)");
  snprintf(want, sizeof(want), "http://127.0.0.1:%d", wsgw_kit_port(emu));
  assert_string_equal(env_of(answer, "AWS_ENDPOINT_URL_DYNAMODB"), want);
  snprintf(want, sizeof(want), "https://127.0.0.1:%d", wsgw_kit_tls_port(emu));
  assert_string_equal(env_of(answer, "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"), want);
  assert_string_equal(env_of(answer, "NODE_EXTRA_CA_CERTS"), wsgw_kit_tls_cert(emu));
  /* The client came over ws://; the function's recipe
   * https://{domainName}/{stage} must reach the TLS listener. */
  rc = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(answer, "event"),
                                        "requestContext");
  snprintf(want, sizeof(want), "127.0.0.1:%d", wsgw_kit_tls_port(emu));
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rc, "domainName")),
                      want);
  cJSON_Delete(answer);
  free(dir);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
  app_remove(&a);
}

static void a_reserved_variable_in_a_functions_environment_is_refused_as_lambda_refuses_it(
    void **state) {
  struct app a;
  struct wsgw_kit_emu *emu;
  char err[1024] = "";

  (void)state;
  app_create(&a, "{ \"AWS_REGION\": \"us-west-2\" }");
  emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_file = a.config}, err, sizeof(err));
  assert_null(emu);
  if (!strstr(err, "apis[0].routes.env") ||
      !strstr(err, "reserved keys that are currently not supported for modification. Reserved "
                   "keys used in this request: AWS_REGION"))
    fail_msg("unexpected error: %s", err);
  app_remove(&a);
}

static void a_config_reload_keeps_an_unchanged_functions_warm_process_and_restarts_a_changed_one(
    void **state) {
  struct app a;
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  char err[512] = "";
  cJSON *first, *second, *third;
  int ok, failed;

  (void)state;
  app_create(&a, "{ \"COLOUR\": \"red\" }");
  emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_file = a.config, .watch = 1}, err,
                       sizeof(err));
  if (!emu)
    fail_msg("start: %s", err);
  ws = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/dev"}, NULL);
  assert_non_null(ws);
  first = ask(ws);
  /* The same settings (the file rewritten, a redeployment): the same process. */
  wsgw_kit_reloads(emu, &ok, &failed);
  app_write_config(&a, "{ \"COLOUR\" : \"red\" }");
  CHECK(wsgw_kit_wait_reloads(emu, ok + 1, failed, WAIT_MS));
  second = ask(ws);
  assert_true(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(second, "pid")) ==
              cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(first, "pid")));
  /* Another environment: a new process that sees it. */
  wsgw_kit_reloads(emu, &ok, &failed);
  app_write_config(&a, "{ \"COLOUR\": \"blue\" }");
  CHECK(wsgw_kit_wait_reloads(emu, ok + 1, failed, WAIT_MS));
  third = ask(ws);
  assert_true(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(third, "pid")) !=
              cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(first, "pid")));
  assert_string_equal(env_of(third, "COLOUR"), "blue");
  cJSON_Delete(first);
  cJSON_Delete(second);
  cJSON_Delete(third);
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
  app_remove(&a);
}

/* A client that came through a custom domain's API mapping: the function
 * sees the TLS listener as domainName (a custom domain resolves nowhere
 * near the emulator), and posts through both recipes, the stage and the
 * mapping path, over https to @connections there (Node, trusting the
 * emulator's certificate through NODE_EXTRA_CA_CERTS). */
static void a_custom_domains_events_lead_out_of_process_functions_to_the_tls_listener(
    void **state) {
  struct app a;
  struct wsgw_kit_emu *emu;
  struct wsgw_kit_ws *ws;
  char err[512] = "", src[160];

  (void)state;
  app_create(&a, "{}");
  snprintf(src, sizeof(src), "%s/post.js", a.dir);
  write_file(src,
             "const https = require('https');\n"
             "const post = (url, data) => new Promise((ok, fail) => {\n"
             "  const r = https.request(url, { method: 'POST' }, (res) => {\n"
             "    res.resume(); res.on('end', () => ok(res.statusCode)); });\n"
             "  r.on('error', fail); r.end(data); });\n"
             "exports.main = async (event) => {\n"
             "  const { domainName, connectionId } = event.requestContext;\n"
             "  const a = await post(`https://${domainName}/dev/@connections/${connectionId}`,\n"
             "                       'via the stage from ' + domainName);\n"
             "  const b = await post(`https://${domainName}/chat/@connections/${connectionId}`,\n"
             "                       'via the mapping');\n"
             "  return { statusCode: 200, body: `posted ${a} ${b}` };\n"
             "};\n");
  write_file(a.config,
             "{ \"apis\": [{ \"name\": \"app\", \"stage\": \"dev\","
             "  \"customDomain\": { \"domainName\": \"chat.example.com\", \"path\": \"chat\" },"
             "  \"routes\": { \"post\": { \"function\": { \"runtime\": \"nodejs20.x\","
             "    \"handler\": \"post.main\" }, \"returnResponse\": true } } }] }");
  emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_file = a.config}, err, sizeof(err));
  if (!emu)
    fail_msg("start: %s", err);
  ws = wsgw_kit_connect(emu, &(struct wsgw_kit_ws_options){.path = "/chat"}, NULL);
  assert_non_null(ws);
  CHECK(wsgw_kit_send_text(ws, "{\"action\":\"post\"}"));
  {
    char want[96];
    snprintf(want, sizeof(want), "via the stage from 127.0.0.1:%d", wsgw_kit_tls_port(emu));
    CHECK(wsgw_kit_expect_text(ws, want, WAIT_MS));
  }
  CHECK(wsgw_kit_expect_text(ws, "via the mapping", WAIT_MS));
  CHECK(wsgw_kit_expect_text(ws, "posted 200 200", WAIT_MS));
  wsgw_kit_ws_free(ws);
  wsgw_kit_stop(emu);
  unlink(src);
  app_remove(&a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_provided_function_gets_lambdas_environment_and_the_emulators_endpoints),
      cmocka_unit_test(
          a_reserved_variable_in_a_functions_environment_is_refused_as_lambda_refuses_it),
      cmocka_unit_test(
          a_config_reload_keeps_an_unchanged_functions_warm_process_and_restarts_a_changed_one),
      cmocka_unit_test(a_custom_domains_events_lead_out_of_process_functions_to_the_tls_listener),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
