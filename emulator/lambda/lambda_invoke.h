/*
 * lambda_invoke.h - runs a route handler in process, as API Gateway invokes
 * a Lambda function, with a context (wsgw_ctx.h) on which the handler calls
 * the handler API of include/wsgw/handler.h (wsgw.c).
 *
 * Layering: lambda sits below the gateway and the server. It reaches the
 * services a handler calls through struct lambda_runtime, filled once at
 * start by emu_server: DynamoDB directly (a lower layer), @connections
 * through a function pointer (connections_api is in the gateway, above).
 * The handler to run arrives resolved (struct lambda_target, built when the
 * config is deployed): no name lookup per invocation.
 *
 * Ownership: the result owns its response. Threading: safe from any thread;
 * a context lives in the invocation, freed by the last of the caller and
 * the handler's thread.
 */
#ifndef LAMBDA_INVOKE_H
#define LAMBDA_INVOKE_H

#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>

#include "emu_buf.h"
#include "emu_config.h"
#include "lambda_handlers.h"

struct dynamo;
struct emu_faults;
struct emu_invocations;
struct lambda_pool;
struct lambda_external;

/* What a management API call (PostToConnection & co) answers. */
struct lambda_mgmt_response {
  int status;
  const char *error_type; /* "GoneException", or NULL (static storage) */
  struct emu_buf body;    /* freed by the caller */
};
/* Handles one management request: method, the decoded path
 * "/{stage}/@connections/{id}", the body. */
typedef void lambda_management_fn(void *arg, const char *method, const char *path, const char *body,
                                  size_t len, struct lambda_mgmt_response *out);

/* The services and state invocations use; set once at start, read-only
 * afterwards except `inflight`. */
struct lambda_runtime {
  struct dynamo *dynamo;
  lambda_management_fn *management;
  void *management_arg;
  struct emu_faults *faults;
  struct emu_invocations *invocations;
  struct lambda_pool *invokers;
  atomic_int inflight; /* handler threads still running (the server waits for 0 at stop) */
  /* Keep a target's owner (its deployment) alive for a handler that runs
   * on past its deadline, abandoned by its caller: it still reads its
   * function's environment. Called only on a timeout. */
  void (*owner_retain)(void *owner);
  void (*owner_release)(void *owner);
};

/* A function as deployed: its config (name, timeout, environment) and the
 * handler it resolved to. Both live as long as `owner` (the deployment,
 * which holds a reference to the handler's library version): the caller
 * holds the owner for the call, and a handler abandoned at its deadline
 * gets its own hold (owner_retain), so its code stays mapped and its
 * environment valid until it returns. No reference is taken per call. */
struct lambda_target {
  const struct emu_function *fn;
  struct lambda_ref ref;       /* in process; .fn NULL when ext is set */
  struct lambda_external *ext; /* out of process (lambda_runtimes.h; a reference), or NULL */
  void *owner;                 /* what keeps fn alive (the deployment), for owner_retain */
};

enum lambda_outcome {
  LAMBDA_OK,      /* response holds the proxy response object */
  LAMBDA_ERROR,   /* function error: the handler failed or returned nothing */
  LAMBDA_TIMEOUT, /* the function ran longer than its timeout */
};

struct lambda_result {
  enum lambda_outcome outcome;
  cJSON *response; /* owned; NULL unless LAMBDA_OK */
  char error[512]; /* the function error message */
  int64_t duration_ms;
};

/* Runs fn's handler on its own thread and waits until it returns or its
 * timeout passes (at most 29 s, API Gateway's integration limit). Takes
 * ownership of event. A handler still running at the deadline finishes in
 * the background and its result is discarded; emu_server_stop waits for it
 * (rt->inflight). */
void lambda_invoke(struct lambda_runtime *rt, const struct lambda_target *t, cJSON *event,
                   struct lambda_result *out);
/* Called on the handler's thread the moment a handler returned a response
 * object without failing, before its caller is woken; never once the caller
 * gave up at the deadline. It runs under the invocation's lock: it must be
 * short and must not invoke handlers. */
typedef void lambda_returned_fn(const cJSON *response, void *arg);
/* lambda_invoke, calling on_return(response, arg) as described above:
 * $connect registers its connection at the instant the handler returns. */
void lambda_invoke_then(struct lambda_runtime *rt, const struct lambda_target *t, cJSON *event,
                        struct lambda_result *out, lambda_returned_fn *on_return, void *arg);
void lambda_result_free(struct lambda_result *r);
/* The response's statusCode (200 when absent, see the DEVIATION at the
 * definition). */
int lambda_result_status(const struct lambda_result *r);
/* The same for a response object. */
int lambda_response_status(const cJSON *response);
/* The response's body string, or NULL. */
const char *lambda_result_body(const struct lambda_result *r);
/* A response header (case-insensitive name), or NULL. */
const char *lambda_result_header(const struct lambda_result *r, const char *name);

#endif
