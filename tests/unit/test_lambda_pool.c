/*
 * test_lambda_pool.c - unit tests for emulator/lambda/lambda_pool.c: jobs run on
 * pooled threads, a finished thread is reused for the next job, jobs never
 * wait behind a busy thread, parked threads are capped, and freeing the
 * pool waits for running jobs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "../../emulator/lambda/lambda_pool.h"

/* A job that records its thread and can be held until released. */
struct gate {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int started;
  int finished;
  int release; /* jobs block until this is set */
  pthread_t threads[16];
};

struct job {
  struct gate *g;
  int index;
};

static void gate_init(struct gate *g, int release) {
  memset(g, 0, sizeof(*g));
  pthread_mutex_init(&g->mu, NULL);
  pthread_cond_init(&g->cv, NULL);
  g->release = release;
}

static void gate_destroy(struct gate *g) {
  pthread_mutex_destroy(&g->mu);
  pthread_cond_destroy(&g->cv);
}

static void held_job(void *arg) {
  struct job *j = arg;
  struct gate *g = j->g;

  pthread_mutex_lock(&g->mu);
  g->threads[j->index] = pthread_self();
  g->started++;
  pthread_cond_broadcast(&g->cv);
  while (!g->release)
    pthread_cond_wait(&g->cv, &g->mu);
  g->finished++;
  pthread_cond_broadcast(&g->cv);
  pthread_mutex_unlock(&g->mu);
}

/* Waits until *counter reaches n (5 s at most); returns the final value. */
static int wait_for(struct gate *g, const int *counter, int n) {
  struct timespec until;
  int v;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 5;
  pthread_mutex_lock(&g->mu);
  while (*counter < n && pthread_cond_timedwait(&g->cv, &g->mu, &until) == 0)
    ;
  v = *counter;
  pthread_mutex_unlock(&g->mu);
  return v;
}

static void a_job_runs_on_another_thread(void **state) {
  struct lambda_pool *p = lambda_pool_new(4);
  struct gate g;
  struct job j = {&g, 0};

  (void)state;
  gate_init(&g, 1);
  assert_int_equal(lambda_pool_run(p, held_job, &j), 0);
  assert_int_equal(wait_for(&g, &g.finished, 1), 1);
  assert_false(pthread_equal(g.threads[0], pthread_self()));
  lambda_pool_free(p);
  gate_destroy(&g);
}

static void a_finished_thread_runs_the_next_job(void **state) {
  struct lambda_pool *p = lambda_pool_new(4);
  struct gate g;
  struct job a = {&g, 0}, b = {&g, 1};

  (void)state;
  gate_init(&g, 1);
  assert_int_equal(lambda_pool_run(p, held_job, &a), 0);
  assert_int_equal(wait_for(&g, &g.finished, 1), 1);
  /* The worker parks right after the job returns. */
  {
    struct timespec ms = {0, 1000000L};
    int i;
    for (i = 0; i < 5000 && lambda_pool_idle(p) == 0; i++)
      nanosleep(&ms, NULL);
  }
  assert_int_equal(lambda_pool_idle(p), 1);
  assert_int_equal(lambda_pool_run(p, held_job, &b), 0);
  assert_int_equal(wait_for(&g, &g.finished, 2), 2);
  assert_true(pthread_equal(g.threads[0], g.threads[1]));
  lambda_pool_free(p);
  gate_destroy(&g);
}

static void busy_threads_never_delay_a_new_job(void **state) {
  struct lambda_pool *p = lambda_pool_new(2);
  struct job jobs[8];
  struct gate g;
  int i;

  (void)state;
  gate_init(&g, 0);
  for (i = 0; i < 8; i++) {
    jobs[i] = (struct job){&g, i};
    assert_int_equal(lambda_pool_run(p, held_job, &jobs[i]), 0);
  }
  /* All 8 run at once although only 2 threads may stay parked. */
  assert_int_equal(wait_for(&g, &g.started, 8), 8);
  pthread_mutex_lock(&g.mu);
  g.release = 1;
  pthread_cond_broadcast(&g.cv);
  pthread_mutex_unlock(&g.mu);
  assert_int_equal(wait_for(&g, &g.finished, 8), 8);
  {
    /* Of the 8 threads, at most 2 stay parked. */
    struct timespec ms = {0, 50 * 1000000L};
    nanosleep(&ms, NULL);
  }
  assert_true(lambda_pool_idle(p) <= 2);
  lambda_pool_free(p);
  gate_destroy(&g);
}

static void *release_later(void *arg) {
  struct gate *g = arg;
  struct timespec ms = {0, 50 * 1000000L};

  nanosleep(&ms, NULL);
  pthread_mutex_lock(&g->mu);
  g->release = 1;
  pthread_cond_broadcast(&g->cv);
  pthread_mutex_unlock(&g->mu);
  return NULL;
}

static void freeing_the_pool_waits_for_running_jobs(void **state) {
  struct lambda_pool *p = lambda_pool_new(4);
  struct job j;
  struct gate g;
  pthread_t t;

  (void)state;
  gate_init(&g, 0);
  j = (struct job){&g, 0};
  assert_int_equal(lambda_pool_run(p, held_job, &j), 0);
  assert_int_equal(wait_for(&g, &g.started, 1), 1);
  assert_int_equal(pthread_create(&t, NULL, release_later, &g), 0);
  lambda_pool_free(p);
  /* Only returns once the held job has finished. */
  pthread_mutex_lock(&g.mu);
  assert_int_equal(g.finished, 1);
  pthread_mutex_unlock(&g.mu);
  pthread_join(t, NULL);
  gate_destroy(&g);
}

static void a_null_pool_refuses_jobs(void **state) {
  (void)state;
  assert_int_equal(lambda_pool_run(NULL, held_job, NULL), -1);
  lambda_pool_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_job_runs_on_another_thread),
      cmocka_unit_test(a_finished_thread_runs_the_next_job),
      cmocka_unit_test(busy_threads_never_delay_a_new_job),
      cmocka_unit_test(freeing_the_pool_waits_for_running_jobs),
      cmocka_unit_test(a_null_pool_refuses_jobs),
  };

  return cmocka_run_group_tests_name("lambda_pool", tests, NULL, NULL);
}
