/*
 * lambda_invoke.c - in-process Lambda invocation. The handler API a
 * handler calls on its context (include/wsgw/handler.h) is wsgw.c's.
 *
 * Timeouts: each invocation runs on its own thread, taken from the
 * emulator's lambda_pool (a parked thread, or a new one: never queued); the
 * caller waits until the deadline. DEVIATION: Lambda kills a function at
 * its timeout; a thread cannot be killed safely, so a late handler finishes
 * unobserved and its result is discarded.
 * Threading: an invocation's context belongs to its handler thread.
 */
#include "lambda_invoke.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu_faults.h"
#include "emu_invocations.h"
#include "emu_json.h"
#include "emu_log.h"
#include "emu_time.h"
#include "emu_id.h"
#include "lambda_pool.h"
#include "lambda_runtimes.h"
#include "wsgw_ctx.h"
#include <wsgw/handler.h>

/* One invocation, shared by the caller and the thread running the handler.
 * The last of the two to let go frees it (`abandoned` says the caller left
 * at its deadline). Guarded by `lock`. */
struct invocation {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int done;
  int abandoned;
  wsgw_handler_fn *handler;
  cJSON *event; /* owned */
  cJSON *response;
  struct wsgw_ctx ctx;
  struct lambda_runtime *rt;
  /* The target's owner (its deployment, which holds the handler's library
   * version), retained once the caller abandoned the invocation, or NULL.
   * Until then the caller's own reference keeps both alive. */
  void *owner;
  int latency_ms;                /* injected before the handler runs */
  lambda_returned_fn *on_return; /* may be NULL */
  void *on_return_arg;
};

static void invocation_free(struct invocation *inv) {
  wsgw_ctx_destroy(&inv->ctx);
  cJSON_Delete(inv->event);
  cJSON_Delete(inv->response);
  pthread_mutex_destroy(&inv->lock);
  pthread_cond_destroy(&inv->cond);
  free(inv);
}

static void invocation_run(void *arg) {
  struct invocation *inv = arg;
  struct lambda_runtime *rt = inv->rt;
  cJSON *resp;

  if (inv->latency_ms > 0) {
    struct timespec ts = {inv->latency_ms / 1000, (long)(inv->latency_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
      ;
  }
  resp = inv->handler(inv->event, &inv->ctx);
  int abandoned;

  pthread_mutex_lock(&inv->lock);
  inv->response = resp;
  inv->done = 1;
  abandoned = inv->abandoned;
  /* Under the lock: the caller has not given up, and cannot meanwhile. */
  if (!abandoned && inv->on_return && !inv->ctx.failed && cJSON_IsObject(resp))
    inv->on_return(resp, inv->on_return_arg);
  pthread_cond_signal(&inv->cond);
  pthread_mutex_unlock(&inv->lock);
  if (abandoned) {
    if (inv->owner && rt->owner_release)
      rt->owner_release(inv->owner);
    invocation_free(inv);
  }
  /* Last: emu_server_stop waits for this count before freeing the config. */
  atomic_fetch_sub(&rt->inflight, 1);
}

/* SPEC docs/spec/apigw-websocket.md 6: integration timeout 50 ms - 29 s: the gateway
 * stops waiting at 29 s even when the function may run longer. */
#define INTEGRATION_TIMEOUT_MS 29000

/* An out-of-process function (lambda_runtimes.h): the pool waits for the
 * process itself, so this runs on the caller's thread. Its processes write
 * their own logs (to stderr, prefixed); the invocation log gets the init
 * duration of a cold start. */
static void invoke_external(struct lambda_runtime *rt, const struct lambda_target *t, cJSON *event,
                            int timeout_ms, int latency_ms, struct lambda_result *out,
                            lambda_returned_fn *on_return, void *arg) {
  const struct emu_function *fn = t->fn;
  char request_id[EMU_UUID_LEN + 1];
  struct lambda_procs_result res;
  int64_t start = emu_time_mono_ms();

  emu_id_uuid(request_id);
  if (latency_ms > 0) {
    struct timespec ts = {latency_ms / 1000, (long)(latency_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
      ;
  }
  /* DEVIATION: a function whose timeout is longer than the gateway's 29 s
   * is killed when the gateway stops waiting (Lambda would let it run on). */
  if (lambda_external_invoke(t->ext, request_id, event, emu_time_now_ms() + timeout_ms, &res) !=
      0) {
    res.outcome = LAMBDA_PROCS_ERROR;
    snprintf(res.error_type, sizeof(res.error_type), "Runtime.Unavailable");
    snprintf(res.error_message, sizeof(res.error_message), "the emulator is stopping");
    res.init_ms = -1;
  }
  out->duration_ms = emu_time_mono_ms() - start;
  if (res.outcome == LAMBDA_PROCS_TIMEOUT) {
    out->outcome = LAMBDA_TIMEOUT;
    snprintf(out->error, sizeof(out->error), "Task timed out after %.2f seconds",
             timeout_ms / 1000.0);
  } else if (res.outcome == LAMBDA_PROCS_ERROR) {
    out->outcome = LAMBDA_ERROR;
    snprintf(out->error, sizeof(out->error), "%.100s: %.400s", res.error_type, res.error_message);
  } else {
    /* A \u0000 in the function's JSON is C0 80 in the tree (emu_nul.h). */
    unsigned found = emu_json_scan(res.body ? res.body : "", res.len, EMU_JSON_MAX_DEPTH);
    cJSON *resp = found & EMU_JSON_TOO_DEEP
                      ? NULL
                      : emu_json_parse_nul(res.body ? res.body : "", res.len, found);
    if (!resp) {
      /* DEVIATION: output that is not JSON (a provided runtime may post any
       * bytes) is taken as a function error ([unverified]: API Gateway
       * cannot read it as a proxy response). */
      out->outcome = LAMBDA_ERROR;
      snprintf(out->error, sizeof(out->error), "the function's response is not JSON");
    } else {
      if (!cJSON_IsObject(resp)) {
        /* DEVIATION: null or another non-object (a Node handler that returns
         * nothing) is taken as an empty proxy response: status 200, no body. */
        cJSON_Delete(resp);
        resp = cJSON_CreateObject();
      }
      out->outcome = LAMBDA_OK;
      out->response = resp;
      if (on_return)
        on_return(resp, arg);
    }
  }
  emu_invocations_add(rt->invocations, fn->handler ? fn->handler : fn->runtime, request_id, event,
                      out->outcome == LAMBDA_OK        ? "ok"
                      : out->outcome == LAMBDA_TIMEOUT ? "timeout"
                                                       : "error",
                      out->response, out->outcome == LAMBDA_OK ? NULL : out->error, NULL,
                      out->duration_ms, res.init_ms);
  lambda_procs_result_free(&res);
  if (out->outcome != LAMBDA_OK)
    emu_log_warn("lambda", "%s: %s", fn->handler ? fn->handler : fn->runtime, out->error);
}

void lambda_invoke(struct lambda_runtime *rt, const struct lambda_target *t, cJSON *event,
                   struct lambda_result *out) {
  lambda_invoke_then(rt, t, event, out, NULL, NULL);
}

void lambda_invoke_then(struct lambda_runtime *rt, const struct lambda_target *t, cJSON *event,
                        struct lambda_result *out, lambda_returned_fn *on_return, void *arg) {
  const struct emu_function *fn = t->fn;
  wsgw_handler_fn *handler = t->ref.fn;
  int timeout_ms = fn->timeout_ms < INTEGRATION_TIMEOUT_MS ? fn->timeout_ms
                                                           : INTEGRATION_TIMEOUT_MS;
  int64_t start = emu_time_mono_ms();
  struct invocation *inv;
  struct timespec deadline;
  int timed_out = 0, inv_latency = 0;

  memset(out, 0, sizeof(*out));
  if (!handler && !t->ext) {
    cJSON_Delete(event);
    out->outcome = LAMBDA_ERROR;
    snprintf(out->error, sizeof(out->error), "handler %s is not registered", fn->handler);
    return;
  }
  {
    int latency = 0, force_timeout = 0;
    emu_faults_handler(rt->faults, fn->handler, &latency, &force_timeout);
    if (force_timeout) {
      /* A forced timeout (fault injection) answers at once: the handler
       * does not run, and the gateway behaves as at a real deadline. */
      char request_id[EMU_UUID_LEN + 1];
      emu_id_uuid(request_id);
      emu_invocations_add(rt->invocations, fn->handler, request_id, event, "timeout", NULL,
                          "forced timeout (fault injection)", NULL, 0, -1);
      out->outcome = LAMBDA_TIMEOUT;
      snprintf(out->error, sizeof(out->error), "Task timed out (fault injection)");
      return;
    }
    inv_latency = latency;
  }
  if (t->ext) {
    invoke_external(rt, t, event, timeout_ms, inv_latency, out, on_return, arg);
    return;
  }
  inv = calloc(1, sizeof(*inv));
  pthread_mutex_init(&inv->lock, NULL);
  pthread_cond_init(&inv->cond, NULL);
  inv->handler = handler;
  inv->event = event;
  inv->rt = rt;
  wsgw_ctx_init(&inv->ctx, rt, fn, event, start);
  inv->latency_ms = inv_latency;
  inv->on_return = on_return;
  inv->on_return_arg = arg;
  atomic_fetch_add(&rt->inflight, 1);
  if (lambda_pool_run(rt->invokers, invocation_run, inv) != 0) {
    /* No thread to spare: run on this one, without a deadline. */
    invocation_run(inv);
  }
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += timeout_ms / 1000;
  deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&inv->lock);
  while (!inv->done)
    if (pthread_cond_timedwait(&inv->cond, &inv->lock, &deadline) == ETIMEDOUT && !inv->done) {
      /* The function keeps running and still reads its event; its result
       * will be discarded. The log gets a copy, made now, while the
       * invocation still owns the event. */
      emu_invocations_add(rt->invocations, fn->handler, inv->ctx.request_id,
                          cJSON_Duplicate(inv->event, 1), "timeout", NULL, "timed out",
                          wsgw_ctx_take_logs(&inv->ctx, 1), emu_time_mono_ms() - start, -1);
      inv->abandoned = 1;
      if (t->owner && rt->owner_retain) {
        rt->owner_retain(t->owner); /* released by the handler's thread */
        inv->owner = t->owner;
      }
      timed_out = 1;
      break;
    }
  pthread_mutex_unlock(&inv->lock);
  out->duration_ms = emu_time_mono_ms() - start;
  if (timed_out) {
    out->outcome = LAMBDA_TIMEOUT;
    snprintf(out->error, sizeof(out->error), "Task timed out after %.2f seconds",
             timeout_ms / 1000.0);
  } else if (inv->ctx.failed || !cJSON_IsObject(inv->response)) {
    out->outcome = LAMBDA_ERROR;
    snprintf(out->error, sizeof(out->error), "%s",
             inv->ctx.failed ? inv->ctx.error : "the handler returned no response object");
  } else {
    out->outcome = LAMBDA_OK;
    out->response = inv->response;
    inv->response = NULL;
  }
  if (!timed_out) {
    /* The handler has returned: the log takes the event itself. */
    cJSON *event_done = inv->event;
    inv->event = NULL;
    emu_invocations_add(rt->invocations, fn->handler, inv->ctx.request_id, event_done,
                        out->outcome == LAMBDA_OK ? "ok" : "error", out->response,
                        out->outcome == LAMBDA_OK ? NULL : out->error,
                        wsgw_ctx_take_logs(&inv->ctx, 0), out->duration_ms, -1);
    invocation_free(inv);
  }
  if (out->outcome != LAMBDA_OK)
    emu_log_warn("lambda", "%s: %s", fn->handler, out->error);
}

void lambda_result_free(struct lambda_result *r) {
  cJSON_Delete(r->response);
  r->response = NULL;
}

int lambda_result_status(const struct lambda_result *r) {
  return lambda_response_status(r->response);
}

int lambda_response_status(const cJSON *response) {
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(response, "statusCode");

  /* DEVIATION: a proxy response without statusCode is taken as 200
   * ([unverified] for WebSocket APIs). */
  if (cJSON_IsNumber(s))
    return s->valueint;
  if (cJSON_IsString(s))
    return (int)strtol(s->valuestring, NULL, 10);
  return 200;
}

const char *lambda_result_body(const struct lambda_result *r) {
  const cJSON *b = cJSON_GetObjectItemCaseSensitive(r->response, "body");

  return cJSON_IsString(b) ? b->valuestring : NULL;
}

const char *lambda_result_header(const struct lambda_result *r, const char *name) {
  const cJSON *h = cJSON_GetObjectItemCaseSensitive(r->response, "headers"), *it;

  cJSON_ArrayForEach(it, h) {
    if (strcasecmp(it->string, name) == 0 && cJSON_IsString(it))
      return it->valuestring;
  }
  return NULL;
}
