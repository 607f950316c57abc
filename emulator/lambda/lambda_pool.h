/*
 * lambda_pool.h - reusable threads for handler invocations.
 *
 * lambda_invoke runs every handler on a thread of its own so that the
 * caller can stop waiting at the deadline. Creating and ending a thread per
 * invocation cost most of an echo message's server time (clone, stack
 * mapping, exit). The pool keeps finished threads parked, up to max_idle,
 * and hands each new job to a parked thread, or to a new one when none is
 * free: a job is never queued behind another, so a slow or abandoned
 * handler delays nobody.
 *
 * Ownership: the pool owns its threads; lambda_pool_free waits until every
 * thread has finished its job and exited.
 * Threading: all functions may be called from any thread; the pool's state
 * is guarded by its own mutex.
 */
#ifndef LAMBDA_POOL_H
#define LAMBDA_POOL_H

struct lambda_pool;

typedef void lambda_pool_job(void *arg);

struct lambda_pool *lambda_pool_new(int max_idle);
/* Runs job(arg) on a pooled thread. Returns 0, or -1 when no thread can be
 * had (the pool is stopping, or thread creation failed): the caller runs
 * the job itself. */
int lambda_pool_run(struct lambda_pool *p, lambda_pool_job *job, void *arg);
/* The number of parked threads (for tests and diagnostics). */
int lambda_pool_idle(struct lambda_pool *p);
/* Stops the parked threads and waits for the busy ones to finish; NULL is
 * fine. */
void lambda_pool_free(struct lambda_pool *p);

#endif
