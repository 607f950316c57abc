/*
 * test_lambda_procs.c - unit tests for emulator/lambda/lambda_procs.c and
 * its wire, lambda_rapi.c: runtime processes driven by
 * tests/runtime/echo_runtime.py (a stdlib Python runtime client whose
 * behaviour each event chooses) over the Runtime API. Round trip with the
 * four headers, cold then warm, concurrency, timeouts, crashes, posted
 * errors, init errors, the 6 MB cap, a missing program, recycling, output
 * lines, malformed requests, freeing under a running invocation; and the
 * request parser on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "../../emulator/base/emu_time.h"
#include "../../emulator/lambda/lambda_procs.h"
#include "../../emulator/lambda/lambda_rapi.h"

#define ARN "arn:aws:lambda:us-east-1:000000000000:function:echo"

static const char *const runtime_argv[] = {"python3", "tests/runtime/echo_runtime.py", NULL};
static const char *const hello_argv[] = {"python3", "tests/runtime/echo_runtime.py", "--hello",
                                         NULL};
static const char *const init_error_argv[] = {"python3", "tests/runtime/echo_runtime.py",
                                              "--init-error", NULL};
static const char *const missing_argv[] = {"/nonexistent/bootstrap", NULL};
static const char *const not_executable_argv[] = {"docs/ARCHITECTURE.md", NULL};
static const char *const env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", NULL};

static struct lambda_procs *pool(const char *const *argv, int concurrency) {
  struct lambda_procs_spec spec = {.name = "echo",
                                   .argv = argv,
                                   .env = env,
                                   .cwd = ".",
                                   .concurrency = concurrency,
                                   .function_arn = ARN};
  char err[256];
  struct lambda_procs *p = lambda_procs_new(&spec, err, sizeof(err));

  assert_non_null(p);
  return p;
}

/* Invokes with event and a deadline ms from now. */
static int invoke(struct lambda_procs *p, const char *rid, const char *event, int64_t ms,
                  struct lambda_procs_result *r) {
  return lambda_procs_invoke(p, rid, event, strlen(event), emu_time_now_ms() + ms, r);
}

/* The echo's response as JSON (the caller deletes it). */
static cJSON *echoed(const struct lambda_procs_result *r) {
  cJSON *doc;

  assert_int_equal(r->outcome, LAMBDA_PROCS_OK);
  assert_non_null(r->body);
  doc = cJSON_Parse(r->body);
  assert_non_null(doc);
  return doc;
}

static int echoed_pid(const struct lambda_procs_result *r) {
  cJSON *doc = echoed(r);
  int pid = cJSON_GetObjectItemCaseSensitive(doc, "pid")->valueint;

  cJSON_Delete(doc);
  return pid;
}

static void sleep_ms(int ms) {
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

  nanosleep(&ts, NULL);
}

/* Waits up to ms for the pool to have `alive` processes. */
static int wait_alive(struct lambda_procs *p, int alive, int ms) {
  int64_t end = emu_time_mono_ms() + ms;
  int a;

  for (;;) {
    lambda_procs_counts(p, &a, NULL);
    if (a == alive || emu_time_mono_ms() >= end)
      return a;
    sleep_ms(10);
  }
}

static const char *header(cJSON *doc, const char *name) {
  cJSON *h = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "headers"),
                                              name);
  return cJSON_IsString(h) ? h->valuestring : "";
}

static void an_echo_round_trip_carries_the_event_and_the_four_headers(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  int64_t deadline = emu_time_now_ms() + 5000;
  const char *event = "{\"mode\":\"echo\",\"n\":42}";
  cJSON *doc;

  (void)state;
  assert_int_equal(lambda_procs_invoke(p, "req-1", event, strlen(event), deadline, &r), 0);
  doc = echoed(&r);
  assert_string_equal(header(doc, "Lambda-Runtime-Aws-Request-Id"), "req-1");
  assert_int_equal(strtoll(header(doc, "Lambda-Runtime-Deadline-Ms"), NULL, 10), deadline);
  assert_string_equal(header(doc, "Lambda-Runtime-Invoked-Function-Arn"), ARN);
  assert_int_equal(strncmp(header(doc, "Lambda-Runtime-Trace-Id"), "Root=1-", 7), 0);
  assert_string_equal(header(doc, "Content-Type"), "application/json");
  assert_int_equal(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "event"), "n")
          ->valueint,
      42);
  assert_true(r.init_ms >= 0);
  assert_true(r.duration_ms >= 0);
  assert_int_equal(r.len, strlen(r.body));
  cJSON_Delete(doc);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void a_warm_process_is_reused_without_an_init_duration(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  int pid, alive, idle;

  (void)state;
  assert_int_equal(invoke(p, "cold", "{}", 5000, &r), 0);
  pid = echoed_pid(&r);
  assert_true(r.init_ms >= 0);
  lambda_procs_result_free(&r);
  lambda_procs_counts(p, &alive, &idle);
  assert_int_equal(alive, 1);
  assert_int_equal(idle, 1);
  assert_int_equal(invoke(p, "warm", "{}", 5000, &r), 0);
  assert_int_equal(echoed_pid(&r), pid);
  assert_int_equal(r.init_ms, -1);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

struct parallel {
  struct lambda_procs *p;
  char rid[16];
  struct lambda_procs_result r;
  int rc;
};

static void *parallel_invoke(void *arg) {
  struct parallel *j = arg;

  j->rc = invoke(j->p, j->rid, "{\"mode\":\"sleep\",\"ms\":150}", 8000, &j->r);
  return NULL;
}

static void parallel_invocations_use_at_most_concurrency_processes(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 2);
  struct parallel jobs[5];
  pthread_t t[5];
  int pids[5], distinct = 0;

  (void)state;
  for (int i = 0; i < 5; i++) {
    jobs[i].p = p;
    snprintf(jobs[i].rid, sizeof(jobs[i].rid), "par-%d", i);
    assert_int_equal(pthread_create(&t[i], NULL, parallel_invoke, &jobs[i]), 0);
  }
  for (int i = 0; i < 5; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(jobs[i].rc, 0);
    pids[i] = echoed_pid(&jobs[i].r);
    lambda_procs_result_free(&jobs[i].r);
    int seen = 0;
    for (int k = 0; k < i; k++)
      seen |= pids[k] == pids[i];
    distinct += !seen;
  }
  assert_true(distinct >= 1 && distinct <= 2);
  lambda_procs_free(p);
}

static void a_timeout_kills_the_process_and_the_next_invocation_cold_starts(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  int pid;
  int64_t t0;

  (void)state;
  assert_int_equal(invoke(p, "first", "{}", 5000, &r), 0);
  pid = echoed_pid(&r);
  lambda_procs_result_free(&r);
  t0 = emu_time_mono_ms();
  assert_int_equal(invoke(p, "slow", "{\"mode\":\"sleep\",\"ms\":5000}", 300, &r), 0);
  assert_true(emu_time_mono_ms() - t0 < 3000);
  assert_int_equal(r.outcome, LAMBDA_PROCS_TIMEOUT);
  assert_non_null(strstr(r.error_message, "RequestId: slow Error: Task timed out after"));
  lambda_procs_result_free(&r);
  assert_int_equal(wait_alive(p, 0, 2000), 0);
  assert_int_equal(kill(pid, 0), -1); /* killed and reaped */
  assert_int_equal(errno, ESRCH);
  assert_int_equal(invoke(p, "after", "{}", 5000, &r), 0);
  assert_int_not_equal(echoed_pid(&r), pid);
  assert_true(r.init_ms >= 0);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void an_exit_during_an_invocation_is_a_runtime_exit_error(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;

  (void)state;
  assert_int_equal(invoke(p, "crash", "{\"mode\":\"exit\",\"code\":3}", 5000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_ERROR);
  assert_string_equal(r.error_type, "Runtime.ExitError");
  assert_string_equal(r.error_message,
                      "RequestId: crash Error: Runtime exited with error: exit status 3");
  assert_null(r.body);
  assert_int_equal(wait_alive(p, 0, 2000), 0);
  assert_int_equal(invoke(p, "again", "{}", 5000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_OK);
  assert_true(r.init_ms >= 0);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void a_posted_error_is_a_function_error_with_its_type_and_message(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  const char *event = "{\"mode\":\"error\",\"errorType\":\"TypeError\",\"errorMessage\":\"x is "
                      "not a function\"}";

  (void)state;
  assert_int_equal(invoke(p, "err", event, 5000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_ERROR);
  assert_string_equal(r.error_type, "TypeError");
  assert_string_equal(r.error_message, "x is not a function");
  /* the process stays warm */
  assert_int_equal(invoke(p, "ok", "{}", 5000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_OK);
  assert_int_equal(r.init_ms, -1);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void an_init_error_fails_the_waiting_invocation_and_ends_the_process(void **state) {
  struct lambda_procs *p = pool(init_error_argv, 1);
  struct lambda_procs_result r;
  int64_t t0 = emu_time_mono_ms();

  (void)state;
  assert_int_equal(invoke(p, "init", "{}", 5000, &r), 0);
  assert_true(emu_time_mono_ms() - t0 < 3000);
  assert_int_equal(r.outcome, LAMBDA_PROCS_ERROR);
  assert_string_equal(r.error_type, "Runtime.ImportModuleError");
  assert_string_equal(r.error_message, "Cannot find module 'nope'");
  assert_true(r.init_ms >= 0);
  assert_int_equal(wait_alive(p, 0, 2000), 0);
  lambda_procs_free(p);
}

static void a_response_over_6_mb_is_refused_with_413_and_fails_the_invocation(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;

  (void)state;
  assert_int_equal(invoke(p, "big", "{\"mode\":\"huge\",\"size\":6291457}", 8000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_ERROR);
  assert_string_equal(r.error_type, "Function.ResponseSizeTooLarge");
  assert_non_null(strstr(r.error_message, "exceeded maximum allowed payload size"));
  /* exactly 6 MB is fine, in the same (still warm) process */
  assert_int_equal(invoke(p, "max", "{\"mode\":\"huge\",\"size\":6291456}", 8000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_OK);
  assert_int_equal(r.len, 6291456);
  assert_int_equal(r.init_ms, -1);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void a_missing_program_is_an_invalid_entrypoint_at_once(void **state) {
  struct lambda_procs *p = pool(missing_argv, 1);
  struct lambda_procs *q = pool(not_executable_argv, 1);
  struct lambda_procs_result r;
  int64_t t0 = emu_time_mono_ms();

  (void)state;
  assert_int_equal(invoke(p, "missing", "{}", 5000, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_ERROR);
  assert_string_equal(r.error_type, "Runtime.InvalidEntrypoint");
  assert_string_equal(r.error_message, "RequestId: missing Error: fork/exec "
                                       "/nonexistent/bootstrap: no such file or directory");
  assert_int_equal(invoke(q, "denied", "{}", 5000, &r), 0);
  assert_string_equal(r.error_type, "Runtime.InvalidEntrypoint");
  assert_non_null(strstr(r.error_message, "permission denied"));
  assert_true(emu_time_mono_ms() - t0 < 2000);
  assert_int_equal(wait_alive(p, 0, 1000), 0);
  lambda_procs_free(p);
  lambda_procs_free(q);
  {
    struct lambda_procs_spec spec = {.name = "echo",
                                     .argv = runtime_argv,
                                     .env = env,
                                     .cwd = "/nonexistent-dir",
                                     .concurrency = 1};
    char err[128];
    p = lambda_procs_new(&spec, err, sizeof(err));
    assert_int_equal(invoke(p, "nodir", "{}", 5000, &r), 0);
    assert_string_equal(r.error_type, "Runtime.InvalidEntrypoint");
    assert_string_equal(r.error_message, "RequestId: nodir Error: chdir /nonexistent-dir: no "
                                         "such file or directory");
    lambda_procs_free(p);
  }
}

static void after_a_recycle_the_next_invocation_runs_in_a_new_process(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  int pid;

  (void)state;
  assert_int_equal(invoke(p, "old", "{}", 5000, &r), 0);
  pid = echoed_pid(&r);
  lambda_procs_result_free(&r);
  lambda_procs_recycle(p);
  assert_int_equal(invoke(p, "new", "{}", 5000, &r), 0);
  assert_int_not_equal(echoed_pid(&r), pid);
  assert_true(r.init_ms >= 0);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

/* Runs fn with fd 2 sent to a temporary file; returns what was written
 * (the caller frees it). */
static char *capture_stderr(void (*fn)(void)) {
  char path[] = "/tmp/test_lambda_procs_XXXXXX";
  int fd = mkstemp(path);
  int saved = dup(STDERR_FILENO);
  char *text = calloc(1, 65536);
  ssize_t n;

  assert_true(fd >= 0 && saved >= 0 && text);
  unlink(path);
  dup2(fd, STDERR_FILENO);
  fn();
  dup2(saved, STDERR_FILENO);
  close(saved);
  n = pread(fd, text, 65535, 0);
  assert_true(n >= 0);
  close(fd);
  return text;
}

static void print_lines(void) {
  struct lambda_procs *p = pool(hello_argv, 1);
  struct lambda_procs_result r;

  assert_int_equal(invoke(p, "rid-7",
                          "{\"mode\":\"print\",\"lines\":[\"to stdout\",\"second\"],"
                          "\"errlines\":[\"to stderr\"],\"long\":20000}",
                          5000, &r),
                   0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_OK);
  lambda_procs_result_free(&r);
  lambda_procs_free(p); /* reads the pipes to their end */
}

static void output_lines_are_prefixed_with_the_name_and_the_request_id(void **state) {
  char *text = capture_stderr(print_lines);

  (void)state;
  assert_non_null(strstr(text, "[echo init] hello from init\n"));
  assert_non_null(strstr(text, "[echo rid-7] to stdout\n[echo rid-7] second\n"));
  assert_non_null(strstr(text, "[echo rid-7] to stderr\n"));
  /* a 20000-byte line comes out in pieces of at most 8192 bytes (other
   * lines may come between them: the streams are read in turn) */
  {
    const char *a = text;
    size_t pieces = 0, total = 0;
    while ((a = strstr(a, "[echo rid-7] y")) != NULL) {
      size_t n = strspn(a + 13, "y");
      assert_true(n <= 8192);
      assert_int_equal(a[13 + n], '\n');
      total += n;
      pieces++;
      a += 13 + n;
    }
    assert_int_equal(total, 20000);
    assert_int_equal(pieces, 3);
  }
  free(text);
}

/* Sends raw bytes to the Runtime API at api ("127.0.0.1:PORT") and returns
 * the first bytes of the answer. */
static void raw(int fd, const char *request, char *answer, size_t cap) {
  size_t len = 0;

  assert_int_equal(send(fd, request, strlen(request), MSG_NOSIGNAL), (ssize_t)strlen(request));
  for (;;) {
    ssize_t n = recv(fd, answer + len, cap - 1 - len, 0);
    if (n <= 0)
      break;
    len += (size_t)n;
    answer[len] = '\0';
    if (strstr(answer, "\r\n\r\n") && (strstr(answer, "}") || len == cap - 1))
      break;
  }
  answer[len] = '\0';
}

static int connect_api(const char *api) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {.tv_sec = 3};

  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons((uint16_t)atoi(strchr(api, ':') + 1));
  assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

static void malformed_requests_get_errors_and_the_api_keeps_working(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  char api[64], answer[4096];
  cJSON *doc;
  int pid, fd;

  (void)state;
  assert_int_equal(invoke(p, "a", "{}", 5000, &r), 0);
  doc = echoed(&r);
  snprintf(api, sizeof(api), "%s", cJSON_GetObjectItemCaseSensitive(doc, "api")->valuestring);
  pid = cJSON_GetObjectItemCaseSensitive(doc, "pid")->valueint;
  cJSON_Delete(doc);
  lambda_procs_result_free(&r);

  fd = connect_api(api);
  raw(fd, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", answer, sizeof(answer));
  assert_int_equal(strncmp(answer, "HTTP/1.1 404 ", 13), 0);
  assert_non_null(strstr(answer, "\"errorType\""));
  /* keep-alive: the same connection goes on */
  raw(fd,
      "POST /2018-06-01/runtime/invocation/stale/response HTTP/1.1\r\nContent-Length: "
      "2\r\n\r\n{}",
      answer, sizeof(answer));
  assert_int_equal(strncmp(answer, "HTTP/1.1 400 ", 13), 0);
  assert_non_null(strstr(answer, "\"errorType\":\"InvalidRequestID\""));
  /* Expect: 100-continue gets its interim answer before the body is sent */
  {
    const char *head = "POST /2018-06-01/runtime/invocation/stale/error HTTP/1.1\r\n"
                       "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    ssize_t n;
    assert_int_equal(send(fd, head, strlen(head), MSG_NOSIGNAL), (ssize_t)strlen(head));
    n = recv(fd, answer, sizeof(answer) - 1, 0);
    assert_true(n > 0);
    answer[n] = '\0';
    assert_string_equal(answer, "HTTP/1.1 100 Continue\r\n\r\n");
    raw(fd, "{}", answer, sizeof(answer));
    assert_int_equal(strncmp(answer, "HTTP/1.1 400 ", 13), 0);
  }
  raw(fd, "PUT /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n", answer, sizeof(answer));
  assert_int_equal(strncmp(answer, "HTTP/1.1 405 ", 13), 0);
  raw(fd, "GARBAGE\r\n\r\n", answer, sizeof(answer));
  assert_int_equal(strncmp(answer, "HTTP/1.1 400 ", 13), 0);
  close(fd);
  fd = connect_api(api);
  raw(fd, "POST /2018-06-01/runtime/init/error HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", answer,
      sizeof(answer));
  assert_int_equal(strncmp(answer, "HTTP/1.1 403 ", 13), 0);
  close(fd);

  assert_int_equal(invoke(p, "b", "{}", 5000, &r), 0);
  assert_int_equal(echoed_pid(&r), pid);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

struct pending {
  struct lambda_procs *p;
  struct lambda_procs_result r;
  int rc;
};

static void *pending_invoke(void *arg) {
  struct pending *j = arg;

  j->rc = invoke(j->p, "pending", "{\"mode\":\"sleep\",\"ms\":10000}", 20000, &j->r);
  return NULL;
}

static void freeing_the_pool_ends_a_running_invocation(void **state) {
  struct pending j = {.p = pool(runtime_argv, 1)};
  pthread_t t;
  int64_t t0;
  int alive = 0;

  (void)state;
  assert_int_equal(pthread_create(&t, NULL, pending_invoke, &j), 0);
  for (int i = 0; i < 300 && alive == 0; i++) {
    sleep_ms(10);
    lambda_procs_counts(j.p, &alive, NULL);
  }
  assert_int_equal(alive, 1);
  t0 = emu_time_mono_ms();
  lambda_procs_free(j.p);
  pthread_join(t, NULL);
  assert_int_equal(j.rc, -1);
  assert_true(emu_time_mono_ms() - t0 < 2000);
}

static void a_process_that_exits_while_idle_is_removed(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  int pid;

  (void)state;
  assert_int_equal(invoke(p, "bye", "{\"mode\":\"bye\"}", 5000, &r), 0);
  pid = echoed_pid(&r);
  lambda_procs_result_free(&r);
  assert_int_equal(wait_alive(p, 0, 2000), 0);
  assert_int_equal(invoke(p, "next", "{}", 5000, &r), 0);
  assert_int_not_equal(echoed_pid(&r), pid);
  assert_true(r.init_ms >= 0);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void a_chunked_response_is_read_whole(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  cJSON *doc;

  (void)state;
  assert_int_equal(invoke(p, "chunky", "{\"mode\":\"chunked\",\"pad\":\"0123456789\"}", 5000, &r),
                   0);
  doc = echoed(&r);
  assert_string_equal(header(doc, "Lambda-Runtime-Aws-Request-Id"), "chunky");
  cJSON_Delete(doc);
  lambda_procs_result_free(&r);
  lambda_procs_free(p);
}

static void the_process_gets_the_spec_environment_and_no_other_descriptor(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  int leak = dup(STDIN_FILENO); /* not close-on-exec */
  cJSON *doc, *fds, *fd;

  (void)state;
  assert_true(leak > 2);
  assert_int_equal(invoke(p, "env", "{}", 5000, &r), 0);
  doc = echoed(&r);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "lang")->valuestring, "C.UTF-8");
  fds = cJSON_GetObjectItemCaseSensitive(doc, "fds");
  /* 0, 1, 2 and the one listing /proc/self/fd */
  assert_int_equal(cJSON_GetArraySize(fds), 4);
  cJSON_ArrayForEach(fd, fds) {
    assert_true(fd->valueint <= 3);
  }
  cJSON_Delete(doc);
  lambda_procs_result_free(&r);
  close(leak);
  lambda_procs_free(p);
}

struct held {
  struct lambda_procs *p;
  const char *event;
  int64_t ms;
  struct lambda_procs_result r;
  int rc;
};

static void *held_invoke(void *arg) {
  struct held *j = arg;

  j->rc = invoke(j->p, "held", j->event, j->ms, &j->r);
  return NULL;
}

/* Starts an invocation on another thread and waits until a process is busy
 * with it. */
static void start_held(struct held *j, pthread_t *t) {
  int alive = 0, idle = 1;

  assert_int_equal(pthread_create(t, NULL, held_invoke, j), 0);
  for (int i = 0; i < 300 && !(alive == 1 && idle == 0); i++) {
    sleep_ms(10);
    lambda_procs_counts(j->p, &alive, &idle);
  }
  assert_int_equal(alive, 1);
  assert_int_equal(idle, 0);
}

static void an_invocation_beyond_concurrency_waits_and_times_out_without_a_process(void **state) {
  struct held j = {
      .p = pool(runtime_argv, 1), .event = "{\"mode\":\"sleep\",\"ms\":800}", .ms = 5000};
  struct lambda_procs_result r;
  pthread_t t;
  int alive;

  (void)state;
  start_held(&j, &t);
  assert_int_equal(invoke(j.p, "queued", "{}", 200, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_TIMEOUT);
  lambda_procs_counts(j.p, &alive, NULL);
  assert_int_equal(alive, 1); /* the busy process was left alone */
  pthread_join(t, NULL);
  assert_int_equal(j.rc, 0);
  assert_int_equal(j.r.outcome, LAMBDA_PROCS_OK);
  lambda_procs_result_free(&j.r);
  lambda_procs_free(j.p);
}

static void a_recycle_ends_a_busy_process_after_its_invocation(void **state) {
  struct held j = {
      .p = pool(runtime_argv, 1), .event = "{\"mode\":\"sleep\",\"ms\":300}", .ms = 5000};
  struct lambda_procs_result r;
  pthread_t t;
  int pid;

  (void)state;
  start_held(&j, &t);
  lambda_procs_recycle(j.p);
  pthread_join(t, NULL);
  assert_int_equal(j.rc, 0);
  pid = echoed_pid(&j.r); /* the running invocation finished normally */
  lambda_procs_result_free(&j.r);
  assert_int_equal(invoke(j.p, "fresh", "{}", 5000, &r), 0);
  assert_int_not_equal(echoed_pid(&r), pid);
  assert_true(r.init_ms >= 0);
  lambda_procs_result_free(&r);
  lambda_procs_free(j.p);
}

static const char *const group_argv[] = {"sh", "-c", "sleep 30 & echo \"child $!\"; wait", NULL};

/* Whether pid is gone or a zombie (reparented children may wait for a
 * reaper that does not come in a container). */
static int gone(int pid) {
  char path[64], stat[256];
  FILE *f;
  const char *close_paren;
  size_t n;

  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  f = fopen(path, "r");
  if (!f)
    return 1;
  n = fread(stat, 1, sizeof(stat) - 1, f);
  fclose(f);
  stat[n] = '\0';
  close_paren = strrchr(stat, ')');
  return close_paren && close_paren[1] == ' ' && close_paren[2] == 'Z';
}

static int group_child;

static void time_out_a_group(void) {
  struct lambda_procs *p = pool(group_argv, 1);
  struct lambda_procs_result r;

  assert_int_equal(invoke(p, "never", "{}", 500, &r), 0);
  assert_int_equal(r.outcome, LAMBDA_PROCS_TIMEOUT);
  assert_int_equal(r.init_ms, -1); /* it never asked for the event */
  assert_int_equal(wait_alive(p, 0, 2000), 0);
  lambda_procs_free(p);
}

static void a_timeout_during_init_kills_the_whole_process_group(void **state) {
  char *text = capture_stderr(time_out_a_group);
  const char *line = strstr(text, "[echo init] child ");

  (void)state;
  assert_non_null(line);
  group_child = atoi(line + 18);
  assert_true(group_child > 0);
  for (int i = 0; i < 200 && !gone(group_child); i++)
    sleep_ms(10);
  assert_true(gone(group_child));
  free(text);
}

static void a_large_event_is_delivered_whole(void **state) {
  struct lambda_procs *p = pool(runtime_argv, 1);
  struct lambda_procs_result r;
  size_t n = 3 * 1024 * 1024;
  char *event = malloc(n + 32);
  cJSON *doc;
  const cJSON *pad;

  (void)state;
  assert_non_null(event);
  memcpy(event, "{\"pad\":\"", 8);
  memset(event + 8, 'p', n);
  memcpy(event + 8 + n, "\"}", 3);
  assert_int_equal(
      lambda_procs_invoke(p, "large", event, strlen(event), emu_time_now_ms() + 8000, &r), 0);
  doc = echoed(&r);
  pad = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "event"), "pad");
  assert_true(cJSON_IsString(pad));
  assert_int_equal(strlen(pad->valuestring), n);
  cJSON_Delete(doc);
  lambda_procs_result_free(&r);
  free(event);
  lambda_procs_free(p);
}

/* ---- the wire ------------------------------------------------------------ */

static void the_parser_reads_content_length_and_chunked_bodies(void **state) {
  const char *cl = "POST /2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\n"
                   "Content-Length: 5\r\n\r\nhelloGET";
  const char *ch = "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                   "Lambda-Runtime-Function-Error-Type: Oops\r\n\r\n"
                   "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
  struct lambda_rapi_request req;
  struct emu_buf body;
  char id[LAMBDA_RAPI_ID_MAX + 1];

  (void)state;
  emu_buf_init(&body, LAMBDA_RAPI_PAYLOAD_MAX);
  assert_int_equal(lambda_rapi_parse(cl, strlen(cl) - 4, &req), LAMBDA_RAPI_INCOMPLETE);
  assert_int_equal(lambda_rapi_parse(cl, strlen(cl), &req), LAMBDA_RAPI_COMPLETE);
  assert_int_equal(req.total, strlen(cl) - 3);
  assert_int_equal(lambda_rapi_route(req.method, req.target, id), LAMBDA_RAPI_RESPONSE);
  assert_string_equal(id, "abc");
  assert_int_equal(lambda_rapi_body(cl, &req, &body), 0);
  assert_string_equal(body.data, "hello");
  emu_buf_reset(&body);
  assert_int_equal(lambda_rapi_parse(ch, strlen(ch) - 2, &req), LAMBDA_RAPI_INCOMPLETE);
  assert_int_equal(lambda_rapi_parse(ch, strlen(ch), &req), LAMBDA_RAPI_COMPLETE);
  assert_string_equal(req.error_type, "Oops");
  assert_int_equal(lambda_rapi_body(ch, &req, &body), 0);
  assert_string_equal(body.data, "abcde");
  emu_buf_free(&body);
}

static void the_parser_refuses_what_a_runtime_client_never_sends(void **state) {
  /* clang-format off */
  static const struct { const char *text; enum lambda_rapi_status st; const char *why; } rows[] = {
    {"GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", LAMBDA_RAPI_MALFORMED, "both framings"},
    {"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", LAMBDA_RAPI_MALFORMED, "two lengths"},
    {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", LAMBDA_RAPI_MALFORMED, "negative length"},
    {"GET / HTTP/2.0\r\n\r\n", LAMBDA_RAPI_MALFORMED, "another version"},
    {"GET noslash HTTP/1.1\r\n\r\n", LAMBDA_RAPI_MALFORMED, "target without a slash"},
    {"GET / HTTP/1.1\r\n folded\r\n\r\n", LAMBDA_RAPI_MALFORMED, "folded header"},
    {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", LAMBDA_RAPI_MALFORMED, "unknown coding"},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", LAMBDA_RAPI_MALFORMED, "bad chunk size"},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n", LAMBDA_RAPI_BODY_TOO_LARGE, "huge chunk"},
    {"POST / HTTP/1.1\r\nContent-Length: 6291457\r\n\r\n", LAMBDA_RAPI_BODY_TOO_LARGE, "over 6 MB"},
    {"GET / HTTP/1.0\r\n\r\n", LAMBDA_RAPI_COMPLETE, "HTTP/1.0 is fine"},
  };
  /* clang-format on */
  struct lambda_rapi_request req;
  char *big = malloc(LAMBDA_RAPI_HEAD_MAX + 16);

  (void)state;
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    if (lambda_rapi_parse(rows[i].text, strlen(rows[i].text), &req) != rows[i].st)
      fail_msg("%s", rows[i].why);
  }
  assert_int_equal(req.close, 1); /* HTTP/1.0 without keep-alive */
  assert_non_null(big);
  memset(big, 'a', LAMBDA_RAPI_HEAD_MAX + 16);
  memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
  assert_int_equal(lambda_rapi_parse(big, LAMBDA_RAPI_HEAD_MAX + 16, &req),
                   LAMBDA_RAPI_HEAD_TOO_LARGE);
  free(big);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(an_echo_round_trip_carries_the_event_and_the_four_headers),
      cmocka_unit_test(a_warm_process_is_reused_without_an_init_duration),
      cmocka_unit_test(parallel_invocations_use_at_most_concurrency_processes),
      cmocka_unit_test(a_timeout_kills_the_process_and_the_next_invocation_cold_starts),
      cmocka_unit_test(an_exit_during_an_invocation_is_a_runtime_exit_error),
      cmocka_unit_test(a_posted_error_is_a_function_error_with_its_type_and_message),
      cmocka_unit_test(an_init_error_fails_the_waiting_invocation_and_ends_the_process),
      cmocka_unit_test(a_response_over_6_mb_is_refused_with_413_and_fails_the_invocation),
      cmocka_unit_test(a_missing_program_is_an_invalid_entrypoint_at_once),
      cmocka_unit_test(after_a_recycle_the_next_invocation_runs_in_a_new_process),
      cmocka_unit_test(output_lines_are_prefixed_with_the_name_and_the_request_id),
      cmocka_unit_test(malformed_requests_get_errors_and_the_api_keeps_working),
      cmocka_unit_test(freeing_the_pool_ends_a_running_invocation),
      cmocka_unit_test(a_process_that_exits_while_idle_is_removed),
      cmocka_unit_test(a_chunked_response_is_read_whole),
      cmocka_unit_test(the_process_gets_the_spec_environment_and_no_other_descriptor),
      cmocka_unit_test(an_invocation_beyond_concurrency_waits_and_times_out_without_a_process),
      cmocka_unit_test(a_recycle_ends_a_busy_process_after_its_invocation),
      cmocka_unit_test(a_timeout_during_init_kills_the_whole_process_group),
      cmocka_unit_test(a_large_event_is_delivered_whole),
      cmocka_unit_test(the_parser_reads_content_length_and_chunked_bodies),
      cmocka_unit_test(the_parser_refuses_what_a_runtime_client_never_sends),
  };

  return cmocka_run_group_tests_name("lambda_procs", tests, NULL, NULL);
}
