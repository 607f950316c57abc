/*
 * lambda_pool.c - reusable threads for handler invocations (see
 * lambda_pool.h).
 *
 * Invariants (under pool.mu): a worker is on the idle stack exactly when it
 * has no job and is waiting, or about to wait, on its own semaphore;
 * nthreads counts the workers that have not yet left their loop; after
 * `stopping` is set no worker is parked again.
 * Hand-off: lambda_pool_run takes a worker off the idle stack and sets its
 * job under pool.mu, then posts the worker's semaphore after unlocking.
 * The woken worker never needs pool.mu to start, so it does not sleep a
 * second time on a mutex its waker still holds (with a condition variable
 * signalled under pool.mu, that second wake was 12 % of the echo profile).
 * Ownership: a worker's struct belongs to its thread, which frees it on
 * exit; lambda_pool_run only writes the job fields of a worker it took off
 * the idle stack. glibc's sem_post does not touch the semaphore after
 * waking its waiter, so the worker may free it as soon as sem_wait returns.
 */
#include "lambda_pool.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

struct worker {
  struct lambda_pool *pool;
  sem_t go;             /* posted once per job, and once to exit */
  lambda_pool_job *job; /* NULL while parked */
  void *arg;
  struct worker *next; /* idle stack */
};

struct lambda_pool {
  pthread_mutex_t mu;
  pthread_cond_t all_gone; /* nthreads reached 0 */
  struct worker *idle;
  int nidle;
  int nthreads;
  int max_idle;
  int stopping;
};

struct lambda_pool *lambda_pool_new(int max_idle) {
  struct lambda_pool *p = calloc(1, sizeof(*p));

  if (!p)
    return NULL;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->all_gone, NULL);
  p->max_idle = max_idle;
  return p;
}

static void *worker_main(void *arg) {
  struct worker *w = arg;
  struct lambda_pool *p = w->pool;

  for (;;) {
    lambda_pool_job *job;
    void *jarg;
    while (sem_wait(&w->go) != 0 && errno == EINTR)
      ;
    /* The post orders these reads after lambda_pool_run's writes. */
    job = w->job;
    jarg = w->arg;
    if (!job) {
      pthread_mutex_lock(&p->mu);
      break;
    }
    job(jarg);
    pthread_mutex_lock(&p->mu);
    w->job = NULL;
    if (p->stopping || p->nidle >= p->max_idle)
      break;
    w->next = p->idle;
    p->idle = w;
    p->nidle++;
    pthread_mutex_unlock(&p->mu);
  }
  if (--p->nthreads == 0)
    pthread_cond_broadcast(&p->all_gone);
  pthread_mutex_unlock(&p->mu);
  /* p may be freed from here on. */
  sem_destroy(&w->go);
  free(w);
  return NULL;
}

int lambda_pool_run(struct lambda_pool *p, lambda_pool_job *job, void *arg) {
  pthread_attr_t attr;
  struct worker *w;
  pthread_t tid;
  int rc;

  if (!p)
    return -1;
  pthread_mutex_lock(&p->mu);
  if (p->stopping) {
    pthread_mutex_unlock(&p->mu);
    return -1;
  }
  if ((w = p->idle) != NULL) {
    p->idle = w->next;
    p->nidle--;
    w->job = job;
    w->arg = arg;
    pthread_mutex_unlock(&p->mu);
    sem_post(&w->go);
    return 0;
  }
  p->nthreads++;
  pthread_mutex_unlock(&p->mu);
  if ((w = calloc(1, sizeof(*w))) == NULL) {
    rc = -1;
  } else {
    w->pool = p;
    w->job = job;
    w->arg = arg;
    sem_init(&w->go, 0, 1); /* the first job is already set */
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, worker_main, w) == 0 ? 0 : -1;
    pthread_attr_destroy(&attr);
    if (rc != 0) {
      sem_destroy(&w->go);
      free(w);
    }
  }
  if (rc != 0) {
    pthread_mutex_lock(&p->mu);
    if (--p->nthreads == 0)
      pthread_cond_broadcast(&p->all_gone);
    pthread_mutex_unlock(&p->mu);
  }
  return rc;
}

int lambda_pool_idle(struct lambda_pool *p) {
  int n;

  pthread_mutex_lock(&p->mu);
  n = p->nidle;
  pthread_mutex_unlock(&p->mu);
  return n;
}

void lambda_pool_free(struct lambda_pool *p) {
  struct worker *w;

  if (!p)
    return;
  pthread_mutex_lock(&p->mu);
  p->stopping = 1;
  /* A parked worker wakes with no job and leaves; it needs mu to do so,
   * so none frees itself before this loop is done with the list. */
  for (w = p->idle; w; w = w->next)
    sem_post(&w->go);
  p->idle = NULL;
  p->nidle = 0;
  while (p->nthreads > 0)
    pthread_cond_wait(&p->all_gone, &p->mu);
  pthread_mutex_unlock(&p->mu);
  pthread_cond_destroy(&p->all_gone);
  pthread_mutex_destroy(&p->mu);
  free(p);
}
