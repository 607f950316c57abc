/*
 * lambda_invoke.h - runs a route handler in process, as API Gateway invokes
 * a Lambda function, with a context (wsgw_ctx.h) on which the handler calls
 * the handler API of include/wsgw/handler.h (wsgw.c).
 *
 * Ownership: the result owns its response. Threading: safe from any thread;
 * a context lives in the invocation, freed by the last of the caller and
 * the handler's thread.
 */
#ifndef LAMBDA_INVOKE_H
#define LAMBDA_INVOKE_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "emu_config.h"

struct emu;

enum lambda_outcome {
  LAMBDA_OK,       /* response holds the proxy response object */
  LAMBDA_ERROR,    /* function error: the handler failed or returned nothing */
  LAMBDA_TIMEOUT,  /* the function ran longer than its timeout */
};

struct lambda_result {
  enum lambda_outcome outcome;
  cJSON *response;     /* owned; NULL unless LAMBDA_OK */
  char error[512];     /* the function error message */
  int64_t duration_ms;
};

/* Runs fn's handler on its own thread and waits until it returns or its
 * timeout passes (at most 29 s, API Gateway's integration limit). Takes
 * ownership of event. A handler still running at the deadline finishes in
 * the background and its result is discarded; emu_server_stop waits for it. */
void lambda_invoke(struct emu *emu, const struct emu_function *fn, cJSON *event,
                   struct lambda_result *out);
/* Called on the handler's thread the moment a handler returned a response
 * object without failing, before its caller is woken; never once the caller
 * gave up at the deadline. It runs under the invocation's lock: it must be
 * short and must not invoke handlers. */
typedef void lambda_returned_fn(const cJSON *response, void *arg);
/* lambda_invoke, calling on_return(response, arg) as described above:
 * $connect registers its connection at the instant the handler returns. */
void lambda_invoke_then(struct emu *emu, const struct emu_function *fn, cJSON *event,
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
