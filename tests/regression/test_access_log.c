/*
 * test_access_log.c - regression: API Gateway access logs. A $context
 * template, CSV or JSON as in SST's accessLog option, written as one line
 * per CONNECT, MESSAGE and DISCONNECT event, to a file or to stderr, with
 * the status, routeKey, connectionId, authorizer values and stage
 * variables filled in.
 * SPEC docs/spec/apigw-websocket.md 10.
 *
 * One emulator serves the group with three APIs: "csv" logs a CSV template
 * to one temporary file, "json" (behind diag.authorizer) a JSON template to
 * another, and "err" to stderr, which the group redirects to a third
 * temporary file for its duration (cmocka reports on stdout). Lines are
 * found by connectionId, polling the file with a deadline. The files are
 * removed at teardown.
 * Threading: the test thread, plus the emulator's threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define ID_LEN 16
#define WAIT_MS 5000
#define MAX_LINES 16

#define CSV_FORMAT                                                           \
  "$context.requestId,$context.eventType,$context.routeKey,$context.status," \
  "$context.connectionId,$context.authorizer.principalId,$stageVariables.env"
#define JSON_FORMAT                                                                               \
  "{\"requestId\":\"$context.requestId\",\"eventType\":\"$context.eventType\","                   \
  "\"routeKey\":\"$context.routeKey\",\"status\":\"$context.status\","                            \
  "\"connectionId\":\"$context.connectionId\",\"principal\":\"$context.authorizer.principalId\"," \
  "\"user\":\"${context.authorizer.user}\",\"env\":\"${stageVariables.env}\","                    \
  "\"stage\":\"$context.stage\",\"sourceIp\":\"$context.identity.sourceIp\"}"

struct fixture {
  struct wsgw_kit_emu *emu;
  int port;
  char csv_path[64], json_path[64], err_path[64];
  int saved_stderr;
};

static int make_temp(char path[64]) {
  int fd;

  snprintf(path, 64, "/tmp/wsgw-accesslog-XXXXXX");
  fd = mkstemp(path);
  if (fd < 0)
    return -1;
  return fd;
}

static void add_api(cJSON *apis, const char *stage, const char *format, const char *destination,
                    const char *env, int with_authorizer) {
  cJSON *api = cJSON_CreateObject(), *routes, *log, *sv, *r, *fn;

  cJSON_AddStringToObject(api, "name", stage);
  cJSON_AddStringToObject(api, "stage", stage);
  sv = cJSON_AddObjectToObject(api, "stageVariables");
  cJSON_AddStringToObject(sv, "env", env);
  log = cJSON_AddObjectToObject(api, "accessLog");
  cJSON_AddStringToObject(log, "format", format);
  cJSON_AddStringToObject(log, "destination", destination);
  if (with_authorizer) {
    cJSON *a = cJSON_AddObjectToObject(api, "authorizer"), *ids;
    cJSON_AddStringToObject(a, "type", "lambda");
    cJSON_AddStringToObject(a, "function", "diag.authorizer");
    ids = cJSON_AddArrayToObject(a, "identitySource");
    cJSON_AddItemToArray(ids, cJSON_CreateString("route.request.querystring.token"));
  }
  routes = cJSON_AddObjectToObject(api, "routes");
  cJSON_AddStringToObject(routes, "$connect", "diag.echo");
  cJSON_AddStringToObject(routes, "$disconnect", "diag.echo");
  r = cJSON_AddObjectToObject(routes, "whoami");
  fn = cJSON_AddObjectToObject(r, "function");
  cJSON_AddStringToObject(fn, "handler", "diag.whoami");
  cJSON_AddBoolToObject(r, "returnResponse", 1);
  r = cJSON_AddObjectToObject(routes, "echo");
  cJSON_AddStringToObject(r, "function", "diag.echo");
  cJSON_AddBoolToObject(r, "returnResponse", 1);
  cJSON_AddItemToArray(apis, api);
}

static int group_setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));
  cJSON *cfg, *apis;
  char *text;
  int fd;

  assert_non_null(f);
  fd = make_temp(f->csv_path);
  assert_true(fd >= 0);
  close(fd);
  fd = make_temp(f->json_path);
  assert_true(fd >= 0);
  close(fd);
  fd = make_temp(f->err_path);
  assert_true(fd >= 0);
  /* stderr goes to err_path while the group runs. */
  fflush(stderr);
  f->saved_stderr = dup(STDERR_FILENO);
  assert_true(f->saved_stderr >= 0);
  assert_true(dup2(fd, STDERR_FILENO) >= 0);
  close(fd);

  cfg = cJSON_CreateObject();
  apis = cJSON_AddArrayToObject(cfg, "apis");
  add_api(apis, "csv", CSV_FORMAT, f->csv_path, "csv-env", 0);
  add_api(apis, "json", JSON_FORMAT, f->json_path, "json-env", 1);
  add_api(apis, "err", CSV_FORMAT, "stderr", "err-env", 0);
  text = cJSON_PrintUnformatted(cfg);
  cJSON_Delete(cfg);
  assert_non_null(text);
  f->emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = text}, NULL, 0);
  cJSON_free(text);
  if (!f->emu)
    fail_msg("%s", wsgw_kit_error());
  f->port = wsgw_kit_port(f->emu);
  *state = f;
  return 0;
}

static int group_teardown(void **state) {
  struct fixture *f = *state;

  wsgw_kit_stop(f->emu);
  fflush(stderr);
  dup2(f->saved_stderr, STDERR_FILENO);
  close(f->saved_stderr);
  unlink(f->csv_path);
  unlink(f->json_path);
  unlink(f->err_path);
  free(f);
  return 0;
}

/* Connects, learns the id (route whoami), sends one echo, closes. */
static void one_connection(const struct fixture *f, const char *path, char id[ID_LEN + 1]) {
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      f->port, &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = WAIT_MS});
  struct wsgw_kit_frame fr;

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"whoami\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  assert_int_equal(fr.len, ID_LEN);
  memcpy(id, fr.data, ID_LEN + 1);
  wsgw_kit_frame_free(&fr);
  assert_int_equal(wsgw_kit_send_text(c, "{\"action\":\"echo\"}"), 0);
  assert_int_equal(wsgw_kit_recv_message(c, WAIT_MS, &fr), WSGW_KIT_RECV_OK);
  wsgw_kit_frame_free(&fr);
  assert_int_equal(wsgw_kit_close(c, 1000, "bye"), 0);
  wsgw_kit_ws_free(c);
}

/* The lines of a file that contain `needle`, copied into lines[]. */
struct log_lines {
  const char *path;
  const char *needle;
  size_t want;
  char *lines[MAX_LINES];
  size_t n;
};

static void log_lines_free(struct log_lines *l) {
  size_t i;

  for (i = 0; i < l->n; i++)
    free(l->lines[i]);
  l->n = 0;
}

static int log_has_lines(void *arg) {
  struct log_lines *l = arg;
  char *text = wsgw_kit_read_file(l->path, NULL), *line, *save = NULL;

  log_lines_free(l);
  if (!text)
    return 0;
  for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    if (strstr(line, l->needle) && l->n < MAX_LINES)
      l->lines[l->n++] = strdup(line);
  free(text);
  return l->n >= l->want;
}

static void wait_lines(struct log_lines *l) {
  if (wsgw_kit_wait_until(log_has_lines, l, WAIT_MS) != 0)
    fail_msg("%s: %zu lines for %s, expected %zu", l->path, l->n, l->needle, l->want);
  /* No extra line for this connection. */
  assert_int_equal(l->n, l->want);
}

/* Splits a CSV line into exactly 7 fields. */
static void csv_fields(char *line, char *fields[7]) {
  char *p = line;
  int i;

  for (i = 0; i < 7; i++) {
    char *comma = strchr(p, ',');
    fields[i] = p;
    if (i < 6) {
      if (!comma)
        fail_msg("CSV line has %d fields, expected 7", i + 1);
      *comma = '\0';
      p = comma + 1;
    } else if (comma) {
      fail_msg("CSV line has more than 7 fields");
    }
  }
}

static void check_csv_log(const char *path, const char *id, const char *env) {
  static const char *const expected[][3] = {
      {"CONNECT", "$connect", "200"},
      {"MESSAGE", "whoami", "200"},
      {"MESSAGE", "echo", "200"},
      {"DISCONNECT", "$disconnect", "200"},
  };
  struct log_lines l = {path, id, 4, {NULL}, 0};
  size_t i;

  wait_lines(&l);
  for (i = 0; i < 4; i++) {
    char *fields[7];
    csv_fields(l.lines[i], fields);
    if (strlen(fields[0]) != ID_LEN)
      fail_msg("line %zu: requestId \"%s\"", i, fields[0]);
    assert_string_equal(fields[1], expected[i][0]);
    assert_string_equal(fields[2], expected[i][1]);
    assert_string_equal(fields[3], expected[i][2]);
    assert_string_equal(fields[4], id);
    assert_string_equal(fields[5], "-"); /* no authorizer */
    assert_string_equal(fields[6], env);
  }
  log_lines_free(&l);
}

static void a_csv_template_logs_one_line_per_event_to_a_file(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];

  one_connection(f, "/csv", id);
  check_csv_log(f->csv_path, id, "csv-env");
}

static void a_json_template_logs_one_json_object_per_event_to_a_file(void **state) {
  struct fixture *f = *state;
  static const char *const expected[][3] = {
      {"CONNECT", "$connect", "200"},
      {"MESSAGE", "whoami", "200"},
      {"MESSAGE", "echo", "200"},
      {"DISCONNECT", "$disconnect", "200"},
  };
  char id[ID_LEN + 1];
  struct log_lines l = {f->json_path, NULL, 4, {NULL}, 0};
  size_t i;

  one_connection(f, "/json?token=allow", id);
  l.needle = id;
  wait_lines(&l);
  for (i = 0; i < 4; i++) {
    cJSON *o = cJSON_Parse(l.lines[i]);
    const char *keys[] = {"eventType", "routeKey", "status"};
    size_t k;
    if (!cJSON_IsObject(o))
      fail_msg("not a JSON object: %s", l.lines[i]);
    for (k = 0; k < 3; k++) {
      const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
      assert_true(cJSON_IsString(v));
      assert_string_equal(v->valuestring, expected[i][k]);
    }
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "connectionId")->valuestring, id);
    assert_int_equal(strlen(cJSON_GetObjectItemCaseSensitive(o, "requestId")->valuestring), ID_LEN);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "principal")->valuestring, "user-1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "user")->valuestring, "u1");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "env")->valuestring, "json-env");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "stage")->valuestring, "json");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "sourceIp")->valuestring, "127.0.0.1");
    cJSON_Delete(o);
  }
  log_lines_free(&l);
}

static void stderr_as_destination_gets_the_same_lines(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];

  one_connection(f, "/err", id);
  check_csv_log(f->err_path, id, "err-env");
}

static void each_api_logs_only_its_own_events(void **state) {
  struct fixture *f = *state;
  char id[ID_LEN + 1];
  struct log_lines l = {NULL, NULL, 0, {NULL}, 0};

  one_connection(f, "/csv", id);
  check_csv_log(f->csv_path, id, "csv-env");
  l.needle = id;
  l.path = f->json_path;
  log_has_lines(&l);
  assert_int_equal(l.n, 0);
  log_lines_free(&l);
  l.path = f->err_path;
  log_has_lines(&l);
  assert_int_equal(l.n, 0);
  log_lines_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_csv_template_logs_one_line_per_event_to_a_file),
      cmocka_unit_test(a_json_template_logs_one_json_object_per_event_to_a_file),
      cmocka_unit_test(stderr_as_destination_gets_the_same_lines),
      cmocka_unit_test(each_api_logs_only_its_own_events),
  };

  return cmocka_run_group_tests_name("regression_access_log", tests, group_setup, group_teardown);
}
