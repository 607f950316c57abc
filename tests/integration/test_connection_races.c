/*
 * test_connection_races.c - the chat app (fixtures/chat-app.json) in
 * process under racing clients: churn threads connect, broadcast
 * (sendmessage: a fan-out through @connections to every stored id) and
 * close cleanly or drop the TCP connection, at random, while management
 * threads race @connections POSTs and DELETEs on the ids seen so far.
 *
 * Checked: every @connections answer is 200, 204 or 410 (never a 5xx);
 * afterwards, with every client gone, the registry and the Connections
 * table agree: the table is empty (each $disconnect ran, including after a
 * DELETE) and every id ever seen answers 410 to GET. Run under ASan (make
 * test), a use-after-free of a connection in a race fails the test.
 * Meanwhile a console watcher reads GET /_wsgw/events (the web console's
 * stream), so every connection, frame count and invocation is published
 * to a subscriber during the race (under TSan in make test-tsan too); it
 * must see connection and disconnect events, unless the stream dropped it
 * for falling behind (allowed: it says so with "event: dropped").
 *
 * Threading: CHURN + MGMT test threads, each with its own kit clients, and
 * the watcher thread (its own socket; its counts are read after the join); the
 * shared id list is guarded by ids_mu; cmocka asserts only on the main
 * thread (workers count failures).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wsgw/kit.h>

#define CHURN 4    /* connecting threads */
#define MGMT 2     /* @connections threads */
#define ROUNDS 150 /* connections per churn thread */
#define KEEP_MAX 8 /* connections a churn thread may keep open until the end */
#define MAX_IDS (CHURN * ROUNDS)
#define ID_LEN 16
#define WAIT_MS 15000

struct race {
  struct wsgw_kit_emu *emu;
  int port;
  pthread_mutex_t ids_mu;
  char ids[MAX_IDS][ID_LEN + 1];
  int nids;
  int churn_done; /* churn threads finished (under ids_mu) */
  int failures;   /* under ids_mu */
  char first_failure[256];
  int posts, deletes, gone;
};

static void failure(struct race *r, const char *what, int a, const char *b) {
  pthread_mutex_lock(&r->ids_mu);
  if (r->failures++ == 0)
    snprintf(r->first_failure, sizeof(r->first_failure), "%s %d: %s", what, a, b);
  pthread_mutex_unlock(&r->ids_mu);
}

struct churn_arg {
  struct race *r;
  unsigned seed;
};

static void *churn(void *p) {
  struct churn_arg *a = p;
  struct race *r = a->r;
  struct wsgw_kit_ws *kept[KEEP_MAX];
  int nkept = 0;

  for (int i = 0; i < ROUNDS; i++) {
    struct wsgw_kit_ws *ws = wsgw_kit_connect(r->emu, NULL, NULL);
    int action = (int)(rand_r(&a->seed) % 4);
    if (!ws) {
      failure(r, "connect failed in round", i, wsgw_kit_error());
      continue;
    }
    pthread_mutex_lock(&r->ids_mu);
    if (r->nids < MAX_IDS && wsgw_kit_ws_id(ws)[0])
      snprintf(r->ids[r->nids++], ID_LEN + 1, "%s", wsgw_kit_ws_id(ws));
    pthread_mutex_unlock(&r->ids_mu);
    /* A broadcast; the connection may already be deleted by a racing
     * DELETE, so the send's result is not checked. */
    (void)wsgw_kit_send_text(ws, "{\"action\":\"sendmessage\",\"data\":\"race\"}");
    if (action == 0 && nkept < KEEP_MAX) {
      kept[nkept++] = ws;
    } else if (action == 1) {
      wsgw_kit_drop(ws);
      wsgw_kit_ws_free(ws);
    } else {
      (void)wsgw_kit_close(ws, 1000, "bye");
      wsgw_kit_ws_free(ws);
    }
  }
  for (int i = 0; i < nkept; i++) {
    (void)wsgw_kit_close(kept[i], 1000, "end");
    wsgw_kit_ws_free(kept[i]);
  }
  pthread_mutex_lock(&r->ids_mu);
  r->churn_done++;
  pthread_mutex_unlock(&r->ids_mu);
  return NULL;
}

static void *mgmt(void *p) {
  struct churn_arg *a = p;
  struct race *r = a->r;

  for (;;) {
    char id[ID_LEN + 1], path[64];
    struct wsgw_kit_http_response resp;
    int n, done, status, del = (int)(rand_r(&a->seed) % 3) == 0;
    pthread_mutex_lock(&r->ids_mu);
    n = r->nids;
    done = r->churn_done == CHURN;
    if (n > 0) {
      /* Mostly the newest ids: those are the live ones. */
      int back = (int)(rand_r(&a->seed) % (unsigned)(n < 8 ? n : 8));
      snprintf(id, sizeof(id), "%s", r->ids[n - 1 - back]);
    }
    pthread_mutex_unlock(&r->ids_mu);
    if (done)
      return NULL;
    if (n == 0)
      continue;
    snprintf(path, sizeof(path), "/dev/@connections/%s", id);
    status = del ? wsgw_kit_http(r->port, "DELETE", path, NULL, NULL, 0, &resp)
                 : wsgw_kit_http(r->port, "POST", path, NULL, "ping", 4, &resp);
    wsgw_kit_http_free(&resp);
    pthread_mutex_lock(&r->ids_mu);
    if (del)
      r->deletes++;
    else
      r->posts++;
    if (status == 410)
      r->gone++;
    pthread_mutex_unlock(&r->ids_mu);
    if (status != 200 && status != 204 && status != 410)
      failure(r, "@connections answered", status, id);
  }
}

/* The console's event stream, read by a plain socket until told to stop. */
struct watcher {
  int port;
  atomic_int stop;
  int connects, disconnects, dropped, ok; /* read after the join */
};

/* How often `what` occurs in the stream, counted across reads: the tail of
 * each read is kept so that a name split between two reads is found. */
static int count_in(const char *buf, const char *what) {
  int n = 0;

  for (const char *at = buf; (at = strstr(at, what)) != NULL; at++)
    n++;
  return n;
}

static void *watch(void *p) {
  struct watcher *w = p;
  struct sockaddr_in a;
  struct timeval tv = {0, 200000};
  char req[128], buf[8192 + 32], tail[32] = "";
  int fd = socket(AF_INET, SOCK_STREAM, 0);

  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)w->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  snprintf(req, sizeof(req), "GET /_wsgw/events HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", w->port);
  w->ok = send(fd, req, strlen(req), 0) == (ssize_t)strlen(req);
  while (w->ok && !atomic_load(&w->stop)) {
    size_t keep = strlen(tail);
    ssize_t n;
    memcpy(buf, tail, keep);
    n = recv(fd, buf + keep, sizeof(buf) - keep - 1, 0);
    if (n == 0)
      break; /* the stream ended (dropped, or the server stops) */
    if (n < 0)
      continue; /* the receive timeout: look at the stop flag */
    buf[keep + (size_t)n] = '\0';
    /* Counted on the new bytes plus the kept tail, which holds no whole name. */
    w->connects += count_in(buf, "event: connection\n");
    w->disconnects += count_in(buf, "event: disconnect\n");
    w->dropped += count_in(buf, "event: dropped\n");
    keep = keep + (size_t)n;
    snprintf(tail, sizeof(tail), "%s", buf + (keep > 17 ? keep - 17 : 0));
  }
  close(fd);
  return NULL;
}

static int table_count(struct race *r) {
  cJSON *items = wsgw_kit_db_scan(r->emu, "Connections");
  int n = items ? cJSON_GetArraySize(items) : -1;
  cJSON_Delete(items);
  return n;
}

static int table_empty(void *arg) {
  return table_count(arg) == 0;
}

static void racing_clients_leave_the_registry_and_the_connections_table_in_agreement(void **state) {
  struct wsgw_kit_options opts = {.config_file = "fixtures/chat-app.json"};
  struct race *r = calloc(1, sizeof(*r));
  struct churn_arg args[CHURN + MGMT];
  pthread_t threads[CHURN + MGMT];
  char err[256];
  int gone_after = 0;
  struct watcher w = {0};
  pthread_t watcher;

  (void)state;
  assert_non_null(r);
  pthread_mutex_init(&r->ids_mu, NULL);
  r->emu = wsgw_kit_start(&opts, err, sizeof(err));
  if (!r->emu)
    fail_msg("start: %s", err);
  r->port = wsgw_kit_port(r->emu);
  w.port = r->port;
  atomic_init(&w.stop, 0);
  assert_int_equal(pthread_create(&watcher, NULL, watch, &w), 0);
  for (int i = 0; i < CHURN + MGMT; i++) {
    args[i].r = r;
    args[i].seed = 20261202u + (unsigned)i;
    assert_int_equal(pthread_create(&threads[i], NULL, i < CHURN ? churn : mgmt, &args[i]), 0);
  }
  for (int i = 0; i < CHURN + MGMT; i++)
    pthread_join(threads[i], NULL);
  if (r->failures)
    fail_msg("%d failures, the first: %s", r->failures, r->first_failure);

  /* Every client is gone: each $disconnect deletes its id. */
  if (wsgw_kit_wait_until(table_empty, r, WAIT_MS) != 0)
    fail_msg("Connections still holds %d ids after every client left", table_count(r));
  for (int i = 0; i < r->nids; i++) {
    char path[64];
    struct wsgw_kit_http_response resp;
    int status;
    snprintf(path, sizeof(path), "/dev/@connections/%s", r->ids[i]);
    status = wsgw_kit_http(r->port, "GET", path, NULL, NULL, 0, &resp);
    wsgw_kit_http_free(&resp);
    if (status != 410)
      fail_msg("GET @connections/%s answered %d after every client left", r->ids[i], status);
    gone_after++;
  }
  printf("%d connections, %d @connections POSTs and %d DELETEs (%d answered 410); "
         "afterwards the table is empty and all %d ids are gone\n",
         r->nids, r->posts, r->deletes, r->gone, gone_after);
  atomic_store(&w.stop, 1);
  pthread_join(watcher, NULL);
  printf("the console's stream: %d connection and %d disconnect events%s\n", w.connects,
         w.disconnects, w.dropped ? " before it was dropped" : "");
  assert_true(w.ok);
  if (!w.dropped && (w.connects == 0 || w.disconnects == 0))
    fail_msg("the console's stream saw %d connection and %d disconnect events", w.connects,
             w.disconnects);
  wsgw_kit_stop(r->emu);
  pthread_mutex_destroy(&r->ids_mu);
  free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(racing_clients_leave_the_registry_and_the_connections_table_in_agreement),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
