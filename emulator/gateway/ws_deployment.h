/*
 * ws_deployment.h - a deployment, as API Gateway calls it: an immutable
 * snapshot of the config (APIs, stages, routes, functions) with everything
 * compiled from it at load time: each API's route selection expression, its
 * access log, and every function's handler (routes', authorizers', event
 * source mappings') resolved to a struct lambda_target (function pointer +
 * library version). The hot path does no
 * parsing and no name lookup.
 *
 * A config reload builds a new deployment from the new config; a handler
 * library reload builds one that shares the config part (the expressions and
 * access logs: `struct ws_apis`, reference counted) and only re-resolves the
 * handlers. Either is published in the emulator's slot
 * (struct ws_deployment_slot) with one atomic exchange.
 *
 * Readers (a handshake, a message, an @connections request) take a
 * reference with ws_deployment_slot_acquire: no lock. The slot's scheme is a
 * small SRCU: a reader announces itself in one of two counters (chosen by
 * the slot's epoch, and checked to be still current after the count, else
 * counted again), loads the pointer, increments the deployment's
 * reference count and leaves the counter (three atomic additions and two
 * loads, all uncontended but for the counter line). Publishers are
 * serialised (see Threading). The publisher swaps the pointer,
 * flips the epoch and waits until the old epoch's counter is zero: every
 * reader that could have loaded the old pointer has then taken its
 * reference, so dropping the slot's own reference cannot free it under one.
 * The wait is a few instructions long; new readers use the other counter.
 *
 * Lifetime: reference counted. The slot holds one; each reader one while it
 * uses the deployment; each WebSocket connection one for its life (its
 * `api` points into the deployment it connected under; its messages use the
 * current deployment); a handler abandoned at its deadline one (through
 * lambda_runtime's owner hooks). The last release frees the resolved
 * handlers (dropping their library references: lambda_lib unloads a version
 * when nothing uses it) and, with the last deployment sharing it, the
 * config part.
 * Threading: everything here may be called from any thread; publishing is
 * serialised by the caller (the reloader's one thread, or start/stop).
 */
#ifndef WS_DEPLOYMENT_H
#define WS_DEPLOYMENT_H

#include <stdatomic.h>
#include <stddef.h>

#include "emu_config.h"
#include "lambda_invoke.h"

struct lambda_handlers;
struct ws_route_expr;
struct ws_access_log;
struct ws_apis;

struct ws_deployment {
  atomic_int refs;
  const struct emu_config *config;   /* the config part's, read-only */
  struct ws_apis *apis;              /* shared with rebinds */
  struct lambda_target **routes;     /* routes[i][j]: config->apis[i].routes[j] */
  struct lambda_target *authorizers; /* per API; .fn NULL without an authorizer */
  struct lambda_target *esms;        /* esms[i]: config->esms[i]'s function */
};

/* Builds a deployment from a loaded config (taken over: moved out of *cfg
 * and zeroed, also on failure) against a handler set. NULL and one line
 * ("SOURCE: apis[0].routes.echo: unknown handler ...; listing") in err. */
struct ws_deployment *ws_deployment_new(struct emu_config *cfg, const struct lambda_handlers *h,
                                        char *err, size_t cap);
/* The same config resolved against another handler set (a library reload). */
struct ws_deployment *ws_deployment_rebind(const struct ws_deployment *d,
                                           const struct lambda_handlers *h, char *err, size_t cap);
void ws_deployment_retain(struct ws_deployment *d);
void ws_deployment_release(struct ws_deployment *d);

/* The index of the API answering at `path` (its stage or mapping path), or -1. */
int ws_deployment_api(const struct ws_deployment *d, const char *path, size_t len);
/* The index of the API with api_id (an API of another deployment), or -1. */
int ws_deployment_api_by_id(const struct ws_deployment *d, const char *api_id);
const struct ws_route_expr *ws_deployment_expr(const struct ws_deployment *d, size_t api);
/* The API's access log, or NULL when it logs nothing. */
struct ws_access_log *ws_deployment_log(const struct ws_deployment *d, size_t api);
/* The resolved function of a route of config->apis[api]. */
const struct lambda_target *ws_deployment_route(const struct ws_deployment *d, size_t api,
                                                const struct emu_route *route);

/* The current deployment of an emulator. */
struct ws_deployment_slot {
  _Atomic(struct ws_deployment *) current;
  atomic_uint epoch;
  atomic_int readers[2];
};

/* The slot takes over d's reference. */
void ws_deployment_slot_init(struct ws_deployment_slot *s, struct ws_deployment *d);
/* A reference to the current deployment (release it with
 * ws_deployment_release), or NULL when the slot is empty. */
struct ws_deployment *ws_deployment_slot_acquire(struct ws_deployment_slot *s);
/* Whether d (which the caller holds a reference to) is the current
 * deployment: one atomic load, no reference taken. The per-message fast
 * path: a connection whose own deployment is still current uses it. */
static inline int ws_deployment_slot_is_current(struct ws_deployment_slot *s,
                                                const struct ws_deployment *d) {
  return atomic_load_explicit(&s->current, memory_order_acquire) == d;
}
/* Makes d current (the slot takes over d's reference) and drops the slot's
 * reference to the previous one. d may be NULL (at stop). */
void ws_deployment_slot_publish(struct ws_deployment_slot *s, struct ws_deployment *d);

#endif
