/*
 * test_durability.c - the real `wsgw serve` process killed with SIGKILL
 * right after acknowledged writes, then restarted on the same data
 * directory:
 *   - by default (fsync per write) every acknowledged PutItem is there
 *     after the restart, and the table is readable and writable;
 *   - with --no-sync (documented as not crash-safe) acknowledged writes may
 *     be lost, but the store still opens, is consistent (every item whole,
 *     a full Scan pages through without error) and takes new writes.
 * Each round writes a random number of items (fixed seed) of random sizes,
 * then sends one to three more PutItems without waiting for their answers
 * and kills the process at once, so the kill lands while those writes are
 * in flight; they may or may not be there afterwards, but never half
 * written.
 *
 * SIGKILL loses no page-cache data, so this proves the process-crash case
 * (the commit is on disk, or in the kernel, before the 200 goes out and a
 * killed writer leaves no lock or torn page behind), not power loss.
 *
 * The binary is $WSGW_BIN (ctest sets it). Its stdout and stderr go to
 * files, polled with deadlines for the banner; nothing sleeps.
 * Threading: single-threaded (the server is another process).
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define TABLE "Durable"
#define ROUNDS 8
#define MIN_WRITES 3    /* acknowledged writes per round, at least */
#define MAX_WRITES 40   /* and at most */
#define MAX_IN_FLIGHT 3 /* unanswered writes when the kill lands, at most */
#define MAX_PAYLOAD 3000
#define MAX_ITEMS (ROUNDS * (MAX_WRITES + MAX_IN_FLIGHT))
#define START_MS 10000 /* banner deadline */
#define STOP_MS 10000  /* SIGTERM to exit */
#define SEED 20240611u

struct server {
  pid_t pid;
  int port;
  int starts;
  int status; /* waitpid status once it exited */
  char out_path[512];
  char err_path[512];
};

struct fixture {
  char tmp[64];
  char data_dir[128];
  struct server srv;
  uint32_t rng;
};

/* What was written: the key and the payload length (the payload is a
 * function of the key, see payload_char). */
struct written {
  char pk[32];
  int len;
  int acked; /* 0: in flight at the kill, may be absent */
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* xorshift32: the same sequence on every libc. */
static uint32_t next_rand(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static int rand_between(uint32_t *s, int lo, int hi) {
  return lo + (int)(next_rand(s) % (uint32_t)(hi - lo + 1));
}

/* The payload of key pk is len characters derived from pk, so a torn or
 * mixed-up value is detected. */
static char payload_char(const char *pk, int i) {
  size_t n = strlen(pk);
  return (char)('a' + ((unsigned char)pk[(size_t)i % n] + i) % 26);
}

static char *item_json(const struct written *w) {
  cJSON *req = cJSON_CreateObject(), *item = cJSON_AddObjectToObject(req, "Item");
  char *payload = malloc((size_t)w->len + 1), *text;
  char n[16];
  int i;

  assert_non_null(payload);
  for (i = 0; i < w->len; i++)
    payload[i] = payload_char(w->pk, i);
  payload[w->len] = '\0';
  snprintf(n, sizeof(n), "%d", w->len);
  cJSON_AddStringToObject(req, "TableName", TABLE);
  cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "pk"), "S", w->pk);
  cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "len"), "N", n);
  cJSON_AddStringToObject(cJSON_AddObjectToObject(item, "payload"), "S", payload);
  text = cJSON_PrintUnformatted(req);
  assert_non_null(text);
  cJSON_Delete(req);
  free(payload);
  return text;
}

/* 1 when item (a DynamoDB item map) is exactly what pk's writes store. */
static int item_is_whole(const cJSON *item, const char *pk) {
  const cJSON *k = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "pk"),
                                                    "S");
  const cJSON *n = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "len"),
                                                    "N");
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(item, "payload"), "S");
  int len, i;

  if (!cJSON_IsString(k) || !cJSON_IsString(n) || !cJSON_IsString(p) ||
      (pk && strcmp(k->valuestring, pk)) || cJSON_GetArraySize(item) != 3)
    return 0;
  len = atoi(n->valuestring);
  if (len < 0 || strlen(p->valuestring) != (size_t)len)
    return 0;
  for (i = 0; i < len; i++)
    if (p->valuestring[i] != payload_char(k->valuestring, i))
      return 0;
  return 1;
}

/* ---- the wsgw process ------------------------------------------------------ */

static int banner_port(const char *path) {
  char *text = wsgw_kit_read_file(path, NULL);
  const char *at = text ? strstr(text, " ready on http://127.0.0.1:") : NULL;
  int port = 0;

  if (at)
    port = atoi(at + strlen(" ready on http://127.0.0.1:"));
  free(text);
  return port;
}

static int server_ready_or_gone(void *arg) {
  struct server *s = arg;
  int status;

  if ((s->port = banner_port(s->out_path)) > 0)
    return 1;
  if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
    s->pid = 0;
    return 1;
  }
  return 0;
}

static void print_file(const char *what, const char *path) {
  char *text = wsgw_kit_read_file(path, NULL);

  print_message("%s (%s):\n%s\n", what, path, text ? text : "(unreadable)");
  free(text);
}

/* Starts `wsgw serve --data-dir DIR --port 0 --no-tls [--no-sync]` and
 * waits for its banner. */
static void server_start(struct fixture *f, int no_sync) {
  struct server *s = &f->srv;
  const char *bin = getenv("WSGW_BIN");
  int out, err;

  if (!bin || !*bin)
    fail_msg("WSGW_BIN is not set: run this test through ctest (ctest -R durability)");
  if (access(bin, X_OK) != 0)
    fail_msg("WSGW_BIN=%s is not an executable: build the wsgw target first", bin);
  s->starts++;
  snprintf(s->out_path, sizeof(s->out_path), "%s/stdout.%d", f->tmp, s->starts);
  snprintf(s->err_path, sizeof(s->err_path), "%s/stderr.%d", f->tmp, s->starts);
  out = open(s->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  err = open(s->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  assert_true(out >= 0 && err >= 0);
  s->port = 0;
  s->pid = fork();
  assert_true(s->pid >= 0);
  if (s->pid == 0) {
    char *argv[] = {(char *)bin, "serve", "--data-dir", f->data_dir,
                    "--port",    "0",     "--no-tls",   no_sync ? "--no-sync" : NULL,
                    NULL};
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
      _exit(126);
    execv(bin, argv);
    _exit(127);
  }
  close(out);
  close(err);
  if (wsgw_kit_wait_until(server_ready_or_gone, s, START_MS) != 0 || s->port <= 0) {
    print_file("stdout", s->out_path);
    print_file("stderr", s->err_path);
    fail_msg("wsgw (start %d) %s within %d ms", s->starts,
             s->pid ? "printed no banner" : "exited before its banner", START_MS);
  }
}

static void server_kill(struct server *s) {
  int status;

  assert_int_equal(kill(s->pid, SIGKILL), 0);
  assert_int_equal(waitpid(s->pid, &status, 0), s->pid);
  s->pid = 0;
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static int server_exited(void *arg) {
  struct server *s = arg;
  int status;

  if (waitpid(s->pid, &status, WNOHANG) != s->pid)
    return 0;
  s->status = status;
  s->pid = 0;
  return 1;
}

/* SIGTERM, and the exit status 0 of a clean stop. */
static void server_stop(struct server *s) {
  assert_int_equal(kill(s->pid, SIGTERM), 0);
  if (wsgw_kit_wait_until(server_exited, s, STOP_MS) != 0) {
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    fail_msg("wsgw did not stop within %d ms of SIGTERM", STOP_MS);
  }
  if (!WIFEXITED(s->status) || WEXITSTATUS(s->status) != 0) {
    print_file("stderr", s->err_path);
    fail_msg("wsgw stopped with status 0x%x after SIGTERM", (unsigned)s->status);
  }
}

/* ---- requests ---------------------------------------------------------------- */

static cJSON *dynamo_ok(struct fixture *f, const char *op, const char *json) {
  struct wsgw_kit_http_response http;
  int status = wsgw_kit_http_dynamodb(f->srv.port, op, json, &http);
  cJSON *out = status > 0 ? cJSON_ParseWithLength(http.body, http.body_len) : NULL;

  wsgw_kit_http_free(&http);
  if (status != 200) {
    char *text = out ? cJSON_PrintUnformatted(out) : NULL;
    print_message("%s %s -> %d %s\n", op, json, status, text ? text : "");
    free(text);
    cJSON_Delete(out);
    fail_msg("%s answered %d", op, status);
  }
  assert_non_null(out);
  return out;
}

/* Sends a PutItem on a fresh connection and returns without reading the
 * answer (the socket is returned; close it after the kill). */
static int put_in_flight(int port, const char *body) {
  struct sockaddr_in addr;
  char head[1024];
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int n = snprintf(head, sizeof(head),
                   "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                   "X-Amz-Target: DynamoDB_20120810.PutItem\r\n"
                   "Content-Type: application/x-amz-json-1.0\r\n"
                   "Authorization: AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/"
                   "dynamodb/aws4_request, SignedHeaders=host, Signature=0000\r\n"
                   "X-Amz-Date: 20240101T000000Z\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                   port, strlen(body));

  assert_true(fd >= 0 && n > 0 && (size_t)n < sizeof(head));
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
  /* Small enough for the socket buffer: these never block. */
  assert_int_equal(send(fd, head, (size_t)n, MSG_NOSIGNAL), n);
  assert_int_equal(send(fd, body, strlen(body), MSG_NOSIGNAL), (ssize_t)strlen(body));
  return fd;
}

static void create_table(struct fixture *f) {
  cJSON_Delete(
      dynamo_ok(f, "CreateTable",
                "{\"TableName\":\"" TABLE "\",\"AttributeDefinitions\":[{\"AttributeName\":"
                "\"pk\",\"AttributeType\":\"S\"}],\"KeySchema\":[{\"AttributeName\":\"pk\","
                "\"KeyType\":\"HASH\"}],\"BillingMode\":\"PAY_PER_REQUEST\"}"));
}

/* The item stored under pk (cJSON_Delete it), or NULL when absent. */
static cJSON *get_item(struct fixture *f, const char *pk) {
  char req[256];
  cJSON *out, *item;
  int n = snprintf(
      req, sizeof(req),
      "{\"TableName\":\"" TABLE "\",\"Key\":{\"pk\":{\"S\":\"%s\"}},\"ConsistentRead\":true}", pk);

  assert_true(n > 0 && (size_t)n < sizeof(req)); /* keys here are short */
  out = dynamo_ok(f, "GetItem", req);
  item = cJSON_DetachItemFromObjectCaseSensitive(out, "Item");
  cJSON_Delete(out);
  return item;
}

/* Pages through the whole table (Limit 7, so several pages), asserting
 * every item is whole. Returns the number of items. */
static int scan_all_whole(struct fixture *f) {
  cJSON *start = NULL;
  int count = 0, pages = 0;

  do {
    cJSON *req = cJSON_CreateObject(), *out;
    const cJSON *items, *item;
    char *text;

    cJSON_AddStringToObject(req, "TableName", TABLE);
    cJSON_AddNumberToObject(req, "Limit", 7);
    cJSON_AddBoolToObject(req, "ConsistentRead", 1);
    if (start)
      cJSON_AddItemToObject(req, "ExclusiveStartKey", start);
    text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    out = dynamo_ok(f, "Scan", text);
    free(text);
    items = cJSON_GetObjectItemCaseSensitive(out, "Items");
    assert_true(cJSON_IsArray(items));
    cJSON_ArrayForEach(item, items) {
      if (!item_is_whole(item, NULL)) {
        char *bad = cJSON_PrintUnformatted(item);
        print_message("not whole: %.300s\n", bad ? bad : "?");
        free(bad);
        fail_msg("Scan returned an item that is not whole");
      }
      count++;
    }
    start = cJSON_DetachItemFromObjectCaseSensitive(out, "LastEvaluatedKey");
    cJSON_Delete(out);
    assert_true(++pages <= MAX_ITEMS + 2);
  } while (start);
  return count;
}

/* After a restart: the table is there, every acknowledged write is (when
 * acked_must_survive), every in-flight one is whole or absent, and a full
 * Scan sees only whole items. Returns how many acknowledged writes were
 * found. */
static int check_store(struct fixture *f, const struct written *w, int n, int acked_must_survive,
                       int *in_flight_found) {
  cJSON *desc = dynamo_ok(f, "DescribeTable", "{\"TableName\":\"" TABLE "\"}");
  int i, found = 0, present = 0, scanned;

  cJSON_Delete(desc);
  for (i = 0; i < n; i++) {
    cJSON *item = get_item(f, w[i].pk);
    if (item) {
      present++;
      if (!item_is_whole(item, w[i].pk))
        fail_msg("item %s came back not whole after the kill", w[i].pk);
      if (w[i].acked)
        found++;
      else if (in_flight_found)
        ++*in_flight_found;
    } else if (w[i].acked && acked_must_survive) {
      fail_msg("acknowledged PutItem of %s (%d-byte payload) is missing after SIGKILL and restart",
               w[i].pk, w[i].len);
    }
    cJSON_Delete(item);
  }
  scanned = scan_all_whole(f);
  assert_int_equal(scanned, present);
  return found;
}

/* Rounds of: start, (check,) write a random number of items, send one to
 * three more without waiting, SIGKILL. Then a last start and check, a write and
 * a clean stop. */
static void kill_rounds(struct fixture *f, int no_sync) {
  static struct written w[MAX_ITEMS];
  int n = 0, round, acked = 0, found, in_flight = 0;

  memset(w, 0, sizeof(w));
  for (round = 0; round < ROUNDS; round++) {
    int writes = rand_between(&f->rng, MIN_WRITES, MAX_WRITES), i, nfd, fds[MAX_IN_FLIGHT];
    char *body;

    server_start(f, no_sync);
    if (round == 0)
      create_table(f);
    else
      check_store(f, w, n, !no_sync, NULL);
    for (i = 0; i < writes; i++) {
      struct written *x = &w[n++];
      snprintf(x->pk, sizeof(x->pk), "r%d-w%02d", round, i);
      x->len = rand_between(&f->rng, 0, MAX_PAYLOAD);
      body = item_json(x);
      cJSON_Delete(dynamo_ok(f, "PutItem", body));
      free(body);
      x->acked = 1; /* acknowledged: must survive (by default) */
      acked++;
    }
    /* A few more, in flight when the kill lands. */
    nfd = rand_between(&f->rng, 1, MAX_IN_FLIGHT);
    for (i = 0; i < nfd; i++) {
      snprintf(w[n].pk, sizeof(w[n].pk), "r%d-inflight%d", round, i);
      w[n].len = rand_between(&f->rng, 0, MAX_PAYLOAD);
      body = item_json(&w[n]);
      fds[i] = put_in_flight(f->srv.port, body);
      free(body);
      n++;
    }
    server_kill(&f->srv);
    for (i = 0; i < nfd; i++)
      close(fds[i]);
  }
  server_start(f, no_sync);
  found = check_store(f, w, n, !no_sync, &in_flight);
  print_message("%s: %d rounds, %d acknowledged writes, %d found after the last restart; "
                "%d of %d writes in flight at a kill found\n",
                no_sync ? "--no-sync" : "default", ROUNDS, acked, found, in_flight, n - acked);
  if (!no_sync)
    assert_int_equal(found, acked);
  /* Still writable after all those kills. */
  {
    struct written x = {"after-recovery", 42, 1};
    char *body = item_json(&x);
    cJSON *item;
    cJSON_Delete(dynamo_ok(f, "PutItem", body));
    free(body);
    item = get_item(f, x.pk);
    assert_non_null(item);
    assert_true(item_is_whole(item, x.pk));
    cJSON_Delete(item);
  }
  server_stop(&f->srv);
}

/* ---- tests ------------------------------------------------------------------- */

static void acknowledged_writes_survive_sigkill_and_restart(void **state) {
  kill_rounds(*state, 0);
}

static void no_sync_store_stays_consistent_after_sigkill(void **state) {
  kill_rounds(*state, 1);
}

/* GET /_wsgw/stats -> the "store" counters (cJSON_Delete it). */
static cJSON *store_stats(struct fixture *f) {
  struct wsgw_kit_http_response resp;
  cJSON *all, *store;

  assert_int_equal(wsgw_kit_http(f->srv.port, "GET", "/_wsgw/stats", NULL, NULL, 0, &resp), 200);
  all = cJSON_ParseWithLength(resp.body, resp.body_len);
  wsgw_kit_http_free(&resp);
  store = cJSON_DetachItemFromObjectCaseSensitive(all, "store");
  cJSON_Delete(all);
  assert_non_null(store);
  return store;
}

static double stat_of(const cJSON *store, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(store, name);

  assert_true(cJSON_IsNumber(v));
  return v->valuedouble;
}

static void durable_writes_are_counted_in_commit_batches(void **state) {
  struct fixture *f = *state;
  cJSON *st;
  int i;

  server_start(f, 0);
  create_table(f);
  for (i = 0; i < 5; i++) {
    char req[160];
    snprintf(req, sizeof(req), "{\"TableName\":\"" TABLE "\",\"Item\":{\"pk\":{\"S\":\"k%d\"}}}",
             i);
    cJSON_Delete(dynamo_ok(f, "PutItem", req));
  }
  st = store_stats(f);
  /* CreateTable and 5 puts, each acknowledged after its batch's commit. */
  assert_true(stat_of(st, "writes") >= 6);
  assert_true(stat_of(st, "batches") >= 1 && stat_of(st, "batches") <= stat_of(st, "writes"));
  assert_true(stat_of(st, "commitMicros") > 0);
  cJSON_Delete(st);
  server_stop(&f->srv);
}

static void no_sync_writes_bypass_group_commit(void **state) {
  struct fixture *f = *state;
  cJSON *st;

  server_start(f, 1);
  create_table(f);
  cJSON_Delete(
      dynamo_ok(f, "PutItem", "{\"TableName\":\"" TABLE "\",\"Item\":{\"pk\":{\"S\":\"a\"}}}"));
  st = store_stats(f);
  assert_true(stat_of(st, "writes") == 0 && stat_of(st, "batches") == 0);
  cJSON_Delete(st);
  server_stop(&f->srv);
}

static int setup(void **state) {
  struct fixture *f = calloc(1, sizeof(*f));

  if (!f)
    return -1;
  snprintf(f->tmp, sizeof(f->tmp), "/tmp/wsgw-durability-XXXXXX");
  if (!mkdtemp(f->tmp)) {
    free(f);
    return -1;
  }
  snprintf(f->data_dir, sizeof(f->data_dir), "%s/data", f->tmp);
  if (mkdir(f->data_dir, 0700) != 0) {
    nftw(f->tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return -1;
  }
  f->rng = SEED;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fixture *f = *state;

  if (f->srv.pid > 0) {
    kill(f->srv.pid, SIGKILL);
    waitpid(f->srv.pid, NULL, 0);
  }
  nftw(f->tmp, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(acknowledged_writes_survive_sigkill_and_restart, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(no_sync_store_stays_consistent_after_sigkill, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(durable_writes_are_counted_in_commit_batches, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(no_sync_writes_bypass_group_commit, setup, teardown),
  };
  return cmocka_run_group_tests_name("durability", tests, NULL, NULL);
}
