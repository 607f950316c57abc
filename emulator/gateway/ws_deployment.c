/*
 * ws_deployment.c - immutable, reference-counted deployments and the slot
 * holding the current one (see ws_deployment.h).
 */
#include "ws_deployment.h"

#include <ctype.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lambda_handlers.h"
#include "lambda_runtimes.h"
#include "ws_access_log.h"
#include "ws_routes.h"

/* The config part: what depends only on the config file. */
struct ws_apis {
  atomic_int refs;
  struct emu_config config;
  struct ws_route_expr **exprs; /* one per config.apis[i] */
  struct ws_access_log **logs;  /* one per config.apis[i], NULL when off */
};

static void apis_release(struct ws_apis *a) {
  size_t i;

  if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
    return;
  for (i = 0; a->exprs && i < a->config.napis; i++)
    ws_routes_free(a->exprs[i]);
  for (i = 0; a->logs && i < a->config.napis; i++)
    ws_access_log_close(a->logs[i]);
  free(a->exprs);
  free(a->logs);
  emu_config_free(&a->config);
  free(a);
}

static struct ws_apis *apis_new(struct emu_config *cfg, char *err, size_t cap) {
  struct ws_apis *a = calloc(1, sizeof(*a));
  size_t i;

  if (!a) {
    emu_config_free(cfg);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  atomic_init(&a->refs, 1);
  a->config = *cfg;
  memset(cfg, 0, sizeof(*cfg));
  a->exprs = calloc(a->config.napis + 1, sizeof(*a->exprs));
  a->logs = calloc(a->config.napis + 1, sizeof(*a->logs));
  if (!a->exprs || !a->logs) {
    snprintf(err, cap, "out of memory");
    apis_release(a);
    return NULL;
  }
  for (i = 0; i < a->config.napis; i++) {
    const struct emu_api *api = &a->config.apis[i];
    char why[256] = "";
    a->exprs[i] = ws_routes_compile(api->route_selection_expression, why, sizeof(why));
    if (!a->exprs[i]) {
      snprintf(err, cap, "%s: apis[%zu].routeSelectionExpression: %s", a->config.source, i, why);
      apis_release(a);
      return NULL;
    }
    if (api->access_log) {
      a->logs[i] = ws_access_log_open(api->access_log_format, api->access_log_destination);
      if (!a->logs[i]) {
        snprintf(err, cap, "%s: apis[%zu].accessLog: cannot open %s", a->config.source, i,
                 api->access_log_destination ? api->access_log_destination : "stderr");
        apis_release(a);
        return NULL;
      }
    }
  }
  return a;
}

static void targets_free(struct ws_deployment *d) {
  size_t i, j;

  for (i = 0; d->routes && i < d->config->napis; i++) {
    for (j = 0; d->routes[i] && j < d->config->apis[i].nroutes; j++) {
      lambda_ref_release(&d->routes[i][j].ref);
      lambda_external_release(d->routes[i][j].ext);
    }
    free(d->routes[i]);
  }
  for (i = 0; d->authorizers && i < d->config->napis; i++) {
    lambda_ref_release(&d->authorizers[i].ref);
    lambda_external_release(d->authorizers[i].ext);
  }
  for (i = 0; d->esms && i < d->config->nesms; i++) {
    lambda_ref_release(&d->esms[i].ref);
    lambda_external_release(d->esms[i].ext);
  }
  free(d->routes);
  free(d->authorizers);
  free(d->esms);
}

/* name: the function's name when it runs out of process (Lambda's
 * function name: "{api}-{stage}-{route}", characters Lambda does not allow
 * in a name replaced by '-'). */
static int resolve(struct ws_deployment *d, const struct emu_function *fn, struct lambda_target *t,
                   const struct lambda_handlers *h, const char *where, const char *name, char *err,
                   size_t cap) {
  char why[2048];

  t->fn = fn;
  t->owner = d;
  if (fn->runtime) {
    struct lambda_runtimes *rts = lambda_handlers_runtimes(h);
    char fname[65];
    size_t k;
    /* SPEC docs/spec/lambda-runtime.md 7: function names are 1-64 of
     * a-z, A-Z, 0-9, '-' and '_'. */
    snprintf(fname, sizeof(fname), "%s", name);
    for (k = 0; fname[k]; k++)
      if (!isalnum((unsigned char)fname[k]) && fname[k] != '-' && fname[k] != '_')
        fname[k] = '-';
    if (!rts)
      snprintf(why, sizeof(why), "runtime %s: out-of-process functions need a server", fn->runtime);
    if (!rts || !(t->ext = lambda_runtimes_get(rts, d->config->dir, fn, fname, why, sizeof(why)))) {
      snprintf(err, cap, "%s: %s: %s", d->config->source, where, why);
      return -1;
    }
    return 0;
  }
  if (lambda_handlers_resolve(h, fn->handler, &t->ref, why, sizeof(why)) != 0) {
    snprintf(err, cap, "%s: %s: %s", d->config->source, where, why);
    return -1;
  }
  return 0;
}

/* A deployment of a, which it takes over (its reference). */
static struct ws_deployment *deploy(struct ws_apis *a, const struct lambda_handlers *h, char *err,
                                    size_t cap) {
  struct ws_deployment *d = calloc(1, sizeof(*d));
  size_t i, j;
  char where[300], name[300];

  if (!d) {
    apis_release(a);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  atomic_init(&d->refs, 1);
  d->apis = a;
  d->config = &a->config;
  d->routes = calloc(a->config.napis + 1, sizeof(*d->routes));
  d->authorizers = calloc(a->config.napis + 1, sizeof(*d->authorizers));
  d->esms = calloc(a->config.nesms + 1, sizeof(*d->esms));
  if (!d->routes || !d->authorizers || !d->esms)
    goto oom;
  for (i = 0; i < a->config.napis; i++) {
    const struct emu_api *api = &a->config.apis[i];
    if (!(d->routes[i] = calloc(api->nroutes + 1, sizeof(**d->routes))))
      goto oom;
    if (api->authorizer) {
      snprintf(where, sizeof(where), "apis[%zu].authorizer.function", i);
      snprintf(name, sizeof(name), "%s-%s-authorizer", api->name, api->stage);
      if (resolve(d, &api->authorizer->fn, &d->authorizers[i], h, where, name, err, cap) != 0)
        goto fail;
    }
    for (j = 0; j < api->nroutes; j++) {
      const char *key = api->routes[j].key;
      snprintf(where, sizeof(where), "apis[%zu].routes.%s", i, key);
      snprintf(name, sizeof(name), "%s-%s-%s", api->name, api->stage, key + (key[0] == '$'));
      if (resolve(d, &api->routes[j].fn, &d->routes[i][j], h, where, name, err, cap) != 0)
        goto fail;
    }
  }
  for (i = 0; i < a->config.nesms; i++) {
    const struct emu_esm *m = &a->config.esms[i];
    snprintf(where, sizeof(where), "eventSourceMappings[%zu].function", i);
    if (resolve(d, &m->fn, &d->esms[i], h, where, m->name, err, cap) != 0)
      goto fail;
  }
  return d;
oom:
  snprintf(err, cap, "out of memory");
fail:
  ws_deployment_release(d);
  return NULL;
}

struct ws_deployment *ws_deployment_new(struct emu_config *cfg, const struct lambda_handlers *h,
                                        char *err, size_t cap) {
  struct ws_apis *a = apis_new(cfg, err, cap);

  return a ? deploy(a, h, err, cap) : NULL;
}

struct ws_deployment *ws_deployment_rebind(const struct ws_deployment *d,
                                           const struct lambda_handlers *h, char *err, size_t cap) {
  atomic_fetch_add(&d->apis->refs, 1);
  return deploy(d->apis, h, err, cap);
}

void ws_deployment_retain(struct ws_deployment *d) {
  atomic_fetch_add(&d->refs, 1);
}

void ws_deployment_release(struct ws_deployment *d) {
  if (!d || atomic_fetch_sub(&d->refs, 1) != 1)
    return;
  targets_free(d);
  apis_release(d->apis);
  free(d);
}

int ws_deployment_api(const struct ws_deployment *d, const char *path, size_t len) {
  const struct emu_api *a = emu_config_api(d->config, path, len);

  return a ? (int)(a - d->config->apis) : -1;
}

int ws_deployment_api_by_id(const struct ws_deployment *d, const char *api_id) {
  size_t i;

  for (i = 0; i < d->config->napis; i++)
    if (strcmp(d->config->apis[i].api_id, api_id) == 0)
      return (int)i;
  return -1;
}

const struct ws_route_expr *ws_deployment_expr(const struct ws_deployment *d, size_t api) {
  return d->apis->exprs[api];
}

struct ws_access_log *ws_deployment_log(const struct ws_deployment *d, size_t api) {
  return d->apis->logs[api];
}

const struct lambda_target *ws_deployment_route(const struct ws_deployment *d, size_t api,
                                                const struct emu_route *route) {
  return &d->routes[api][route - d->config->apis[api].routes];
}

void ws_deployment_slot_init(struct ws_deployment_slot *s, struct ws_deployment *d) {
  atomic_init(&s->current, d);
  atomic_init(&s->epoch, 0);
  atomic_init(&s->readers[0], 0);
  atomic_init(&s->readers[1], 0);
}

struct ws_deployment *ws_deployment_slot_acquire(struct ws_deployment_slot *s) {
  struct ws_deployment *d;
  unsigned epoch, e;

  /* Counted in the epoch that is still current after the count: a reader
   * that read the epoch, then stalled while a publisher flipped it and
   * checked that epoch's counter, would otherwise be counted where the
   * next publisher does not look, and could take its reference on a
   * deployment that publisher frees (seen under ASan in
   * readers_never_see_a_freed_deployment_while_others_are_published). */
  for (;;) {
    epoch = atomic_load(&s->epoch);
    e = epoch & 1u;
    atomic_fetch_add(&s->readers[e], 1);
    if (atomic_load(&s->epoch) == epoch)
      break;
    atomic_fetch_sub(&s->readers[e], 1);
  }
  d = atomic_load(&s->current);
  if (d)
    atomic_fetch_add(&d->refs, 1);
  atomic_fetch_sub(&s->readers[e], 1);
  return d;
}

void ws_deployment_slot_publish(struct ws_deployment_slot *s, struct ws_deployment *d) {
  struct ws_deployment *old = atomic_exchange(&s->current, d);
  unsigned e = atomic_fetch_add(&s->epoch, 1) & 1u;

  /* A reader counted in the old epoch may have loaded `old` and not yet
   * taken its reference: wait for it (a few instructions). A reader that
   * counts itself after this check, or in the new epoch (it read the epoch
   * after the flip, so after the exchange), loads `d` (all sequentially
   * consistent). New readers count in the other epoch, so this ends. */
  while (atomic_load(&s->readers[e]) != 0)
    sched_yield();
  ws_deployment_release(old);
}
