/*
 * lambda_procs.h - a function that runs out of process: its pool of runtime
 * processes, each serving AWS Lambda's Runtime API to one process
 * (docs/spec/lambda-runtime.md).
 *
 * A Node.js function (the project's Node runtime client) or a
 * provided.al2023 function (the user's "command") is a program that asks
 * its Runtime API for the next event, runs the handler, and posts the
 * response or the error. Each process of the pool gets its own Runtime API
 * endpoint: a loopback listener whose address is the process's
 * AWS_LAMBDA_RUNTIME_API, so that an invocation, its timeout and a crash
 * belong to exactly one process.
 *
 * Lambda's execution model: one invocation at a time per process; up to
 * `concurrency` processes per function, started on demand (a cold start,
 * whose init duration the invocation reports) and reused while warm; a
 * process still running at the invocation's deadline is killed; a process
 * that exits, or posts /init/error, during an invocation fails that
 * invocation (a function error). Every line a process writes to stdout or
 * stderr goes to wsgw's stderr, prefixed "[name requestId] " ("[name init] "
 * before its first invocation).
 *
 * Ownership: the pool owns its processes and its threads; lambda_procs_free
 * kills the processes and waits for its threads. The spec is copied.
 * Threading: every function may be called from any thread; invocations may
 * run concurrently (up to `concurrency` at once, the rest wait for a free
 * process until their deadline).
 */
#ifndef LAMBDA_PROCS_H
#define LAMBDA_PROCS_H

#include <stddef.h>
#include <stdint.h>

struct lambda_procs;

struct lambda_procs_spec {
  const char *name;         /* the function's name: log prefixes, error messages */
  const char *const *argv;  /* the program and its arguments (NULL-terminated); argv[0]
                               is searched on PATH when it has no '/' */
  const char *const *env;   /* "NAME=value" strings (NULL-terminated): the whole
                               environment but AWS_LAMBDA_RUNTIME_API, which the pool
                               adds per process */
  const char *cwd;          /* the processes' working directory */
  int concurrency;          /* at most this many processes (>= 1) */
  const char *function_arn; /* Lambda-Runtime-Invoked-Function-Arn */
};

enum lambda_procs_outcome {
  LAMBDA_PROCS_OK,      /* body holds what the function posted to /response */
  LAMBDA_PROCS_ERROR,   /* a function error: error_type, error_message */
  LAMBDA_PROCS_TIMEOUT, /* the deadline passed; the process was killed (or none was
                           free); error_type "Sandbox.Timedout", error_message
                           "RequestId: <id> Error: Task timed out after N.NN seconds" */
};

struct lambda_procs_result {
  enum lambda_procs_outcome outcome;
  char *body; /* malloc'd, NUL-terminated (len excludes the NUL); NULL unless OK */
  size_t len;
  char error_type[128];    /* "Error", "Runtime.ExitError", "Runtime.ImportModuleError",
                              "Runtime.InvalidEntrypoint", "Function.ResponseSizeTooLarge", ... */
  char error_message[512]; /* what the function or the pool said */
  int64_t init_ms;         /* this invocation cold-started its process: the init duration
                              (process start to its first /next); -1 when warm */
  int64_t duration_ms;     /* from the hand-over of the event to the response */
};

/* A pool for spec; no process starts until the first invocation. NULL with
 * a message in err when the spec is unusable. */
struct lambda_procs *lambda_procs_new(const struct lambda_procs_spec *spec, char *err, size_t cap);
/* Runs one invocation: request_id (Lambda-Runtime-Aws-Request-Id; at most
 * 128 bytes of URL path characters without '/' or '?', as a UUID: the
 * runtime posts it back in the path), the event as JSON text, the deadline
 * (Unix epoch milliseconds: Lambda-Runtime-Deadline-Ms). Blocks until the
 * function answers, fails, or the deadline passes. Returns 0 with *out
 * filled (free it with lambda_procs_result_free), or -1 when the pool is
 * being freed. */
int lambda_procs_invoke(struct lambda_procs *p, const char *request_id, const char *event,
                        size_t len, int64_t deadline_ms, struct lambda_procs_result *out);
void lambda_procs_result_free(struct lambda_procs_result *r);
/* The code changed: idle processes end now, busy ones after their current
 * invocation; the next invocations start fresh processes. */
void lambda_procs_recycle(struct lambda_procs *p);
/* Processes alive, and how many of them are idle (for tests and /_wsgw). */
void lambda_procs_counts(struct lambda_procs *p, int *alive, int *idle);
/* Kills every process, waits for the threads, frees. NULL is fine. */
void lambda_procs_free(struct lambda_procs *p);

#endif
