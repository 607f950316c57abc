/*
 * wsgw_ctx.h - the runtime side of one handler invocation's context
 * (struct wsgw_ctx, opaque in include/wsgw/handler.h), shared by wsgw.c,
 * which implements the handler API on it, and lambda_invoke.c, which fills
 * it in and reads the outcome back.
 *
 * Ownership: the context lives inside lambda_invoke's invocation; `logs`
 * is owned until wsgw_ctx_take_logs hands it over.
 * Threading: the handler's thread uses the context; the invoking thread
 * reads `failed`/`error` only after the handler returned (under the
 * invocation's lock), and the log lines through wsgw_ctx_take_logs, which
 * takes `logs_lock`, since a timed-out invocation's lines are copied while
 * its handler still runs.
 */
#ifndef WSGW_CTX_H
#define WSGW_CTX_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>

#include "emu_config.h"
#include "emu_id.h"

struct lambda_runtime;

/* At most this many wsgw_log lines per invocation are kept in the
 * invocation log, each cut at WSGW_CTX_LOG_LINE_MAX bytes; stderr gets
 * every line. */
#define WSGW_CTX_LOGS_MAX 64
#define WSGW_CTX_LOG_LINE_MAX 1024

struct wsgw_ctx {
  struct lambda_runtime *rt;
  const struct emu_function *fn;
  const cJSON *event;  /* the invocation's event (read-only) */
  int64_t deadline_ms; /* emu_time_mono_ms() at which the configured timeout passes */
  char request_id[EMU_UUID_LEN + 1];
  int failed;
  char error[512];
  char last_error_type[96];
  pthread_mutex_t logs_lock; /* guards logs and logs_dropped */
  cJSON *logs;               /* array of wsgw_log lines, or NULL before the first */
  int logs_dropped;          /* lines past WSGW_CTX_LOGS_MAX */
};

/* Sets up a context for one invocation of fn with event, starting at
 * start_ms (emu_time_mono_ms()); mints the request id. */
void wsgw_ctx_init(struct wsgw_ctx *ctx, struct lambda_runtime *rt, const struct emu_function *fn,
                   const cJSON *event, int64_t start_ms);
void wsgw_ctx_destroy(struct wsgw_ctx *ctx);
/* The log lines so far (a new array the caller owns, or NULL when there
 * were none). copy: leave them in the context (the handler still runs). */
cJSON *wsgw_ctx_take_logs(struct wsgw_ctx *ctx, int copy);

#endif
