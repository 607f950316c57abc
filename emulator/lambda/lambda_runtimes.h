/*
 * lambda_runtimes.h - functions that run out of process (a "runtime" in the
 * config: nodejsNN.x, provided.al2023): what each is started as, with which
 * environment, and the pools of processes that run them (lambda_procs.h).
 *
 * A Node.js function runs the project's Node runtime client
 * (emulator/lambda/node/runtime.cjs, embedded in the executable and written
 * to the emulator's work directory), which loads the handler the way AWS's
 * Node runtime does. A provided runtime runs the function's "command". Both
 * get Lambda's environment (docs/spec/lambda-runtime.md 7) plus endpoints
 * that lead the AWS SDKs to this emulator.
 *
 * Pools are shared: a deployment resolves each out-of-process function to a
 * struct lambda_external (lambda_runtimes_get), and functions with the same
 * name and settings in two deployments (a config reload that did not
 * change them) get the same one, warm processes included. The last
 * release kills its processes.
 *
 * Ownership: the registry owns the externals; a deployment holds a
 * reference to each of its own. Threading: every function may be called
 * from any thread; the registry's list and endpoints are guarded by its
 * mutex, a pool by its own (lambda_procs.h).
 */
#ifndef LAMBDA_RUNTIMES_H
#define LAMBDA_RUNTIMES_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_config.h"
#include "lambda_procs.h"

struct lambda_runtimes;
struct lambda_external;

/* A registry whose files (the Node runtime client) go under work_dir. */
struct lambda_runtimes *lambda_runtimes_new(const char *work_dir, const char *region);
/* Where functions reach this emulator, known once it listens: host:port of
 * the plain listener and of the TLS one ("" when there is none), and the
 * certificate to trust (or ""). Processes started afterwards get them. */
void lambda_runtimes_set_endpoints(struct lambda_runtimes *r, const char *http_domain,
                                   const char *https_domain, const char *cert_path);
/* The external running fn (name: AWS_LAMBDA_FUNCTION_NAME; dir: the task
 * root), a new reference. NULL with the reason in err when fn cannot run
 * (its runtime's program is missing, a reserved variable is set). */
struct lambda_external *lambda_runtimes_get(struct lambda_runtimes *r, const char *dir,
                                            const struct emu_function *fn, const char *name,
                                            char *err, size_t cap);
void lambda_external_release(struct lambda_external *x);
/* Runs one invocation (see lambda_procs_invoke). The event's
 * requestContext.domainName is rewritten to the TLS listener's when it
 * names the plain one (see the DEVIATION in the .c). Takes nothing over. */
int lambda_external_invoke(struct lambda_external *x, const char *request_id, cJSON *event,
                           int64_t deadline_ms, struct lambda_procs_result *out);
/* Source code changed: every function's next invocation starts in a new
 * process (lambda_procs_recycle). Returns how many functions that touched. */
int lambda_runtimes_recycle(struct lambda_runtimes *r);
/* Kills every process; NULL is fine. Externals still referenced must be
 * released before. */
void lambda_runtimes_free(struct lambda_runtimes *r);

#endif
