/*
 * bootstrap.h - the provided.al2023 custom runtime around wsgw handlers:
 * state shared by its Runtime API loop (bootstrap.c) and its handler API
 * over HTTPS (wsgw.c).
 *
 * The runtime is one process serving one invocation at a time (Lambda's
 * execution model), so a struct bootstrap lives for the process and a
 * struct wsgw_ctx for one invocation. Not installed: a program gets the
 * runtime by linking libwsgw_bootstrap.a, which brings main().
 * Ownership: the bootstrap owns its aws_http pool; a context borrows the
 * bootstrap and the event. Threading: the loop is single-threaded; the
 * handler API may be called from threads a handler starts during its call
 * (aws_http is thread-safe; the context's error fields are per call).
 */
#ifndef BOOTSTRAP_H
#define BOOTSTRAP_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "aws_env.h"
#include "aws_http.h"
#include <wsgw/handler.h>

struct bootstrap {
  struct aws_http *http;
  struct aws_creds creds;
  int have_creds; /* 0: calls go unsigned (no credentials in the environment) */
  char region[AWS_ENV_REGION_MAX];
  char dynamodb[AWS_ENV_URL_MAX]; /* the DynamoDB endpoint, or "" when unresolved */
  const char *handler_name;       /* _HANDLER */
};

struct wsgw_ctx {
  struct bootstrap *b;
  const cJSON *event;
  char request_id[128];
  int64_t deadline_ms; /* Unix epoch milliseconds (Lambda-Runtime-Deadline-Ms) */
  int failed;
  char error[1024];
  char last_error_type[128];
};

/* Reads the environment: credentials, region, DynamoDB's endpoint. 0, or
 * -1 with a line in err (the runtime then reports an init error). */
int bootstrap_init(struct bootstrap *b, char *err, size_t cap);
void bootstrap_free(struct bootstrap *b);

#endif
