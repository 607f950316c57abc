/*
 * emu_reload.c - deployment and hot reload of handler libraries and the
 * config file (see emu_reload.h).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "emu_reload.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu_server.h"
#include "lambda_esm.h"
#include "emu_serverless.h"
#include "emu_time.h"
#include "lambda_handlers.h"
#include "lambda_lib.h"
#include "lambda_runtimes.h"
#include "ws_deployment.h"

/* A watched file: a library (slot >= 0) or the config (slot -1). */
struct watched {
  char *path;
  const char *name; /* its last component, inside path */
  int wd;           /* the inotify watch of its directory */
  int slot;
  int pending; /* an event came; reload once quiet */
  int64_t last_event_ms;
  struct stat loaded; /* identity of what is in service */
};

/* The source tree of out-of-process functions: the config's directory and
 * its subdirectories but node_modules, dot-directories and the data
 * directory, at most EMU_RELOAD_MAX_TREE_DIRS of them. */
#define EMU_RELOAD_MAX_TREE_DIRS 1024
struct tree {
  char root[PATH_MAX];
  int *wds;     /* a watch per directory, */
  char **paths; /* and its path */
  size_t nwds;
  int pending;
  int64_t last_event_ms;
  char changed[PATH_MAX]; /* the last file an event named */
};

struct emu_reload {
  struct emu *emu;
  struct tree tree;                 /* root "" until a deployment has out-of-process functions */
  struct lambda_handlers *handlers; /* the set in service (touched by deploys only) */
  char dir[PATH_MAX];               /* the libraries' private copies */
  unsigned seq;
  struct watched *files;
  size_t nfiles;
  int inotify_fd, stop_fd;
  pthread_t thread;
  int running;
  atomic_int ok, failed;
  int serverless;  /* the config is a serverless.yml (emu_serverless.h) */
  char stage[128]; /* its --stage, or "" */
};

static void tree_watch(struct emu_reload *r, const struct emu_config *cfg);

/* The identity of a file's content as far as a rebuild changes it. */
static int same_file(const struct stat *a, const struct stat *b) {
  return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
         a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int add_watched(struct emu_reload *r, const char *path, int slot) {
  struct watched *n = realloc(r->files, (r->nfiles + 1) * sizeof(*n)), *w;
  const char *slash;

  if (!n)
    return -1;
  r->files = n;
  w = &r->files[r->nfiles];
  memset(w, 0, sizeof(*w));
  if (!(w->path = strdup(path)))
    return -1;
  slash = strrchr(w->path, '/');
  w->name = slash ? slash + 1 : w->path;
  w->slot = slot;
  w->wd = -1;
  stat(path, &w->loaded);
  r->nfiles++;
  return 0;
}

struct emu_reload *emu_reload_new(struct emu *emu, const struct emu_options *opts, char *err,
                                  size_t cap) {
  struct emu_reload *r = calloc(1, sizeof(*r));
  const char *tmp = getenv("TMPDIR");
  size_t i;

  if (!r || !(r->handlers = lambda_handlers_new(opts->extra_handlers, opts->handlers))) {
    free(r);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  lambda_handlers_set_runtimes(r->handlers, emu->runtimes);
  r->emu = emu;
  r->serverless = opts->serverless;
  snprintf(r->stage, sizeof(r->stage), "%s", opts->serverless_stage ? opts->serverless_stage : "");
  r->inotify_fd = r->stop_fd = -1;
  atomic_init(&r->ok, 0);
  atomic_init(&r->failed, 0);
  for (i = 0; opts->handler_libs && opts->handler_libs[i]; i++) {
    struct lambda_lib *lib;
    struct lambda_handlers *next;
    if (!r->dir[0]) {
      snprintf(r->dir, sizeof(r->dir), "%s/wsgw-handlers-XXXXXX", tmp && *tmp ? tmp : "/tmp");
      if (!mkdtemp(r->dir)) {
        snprintf(err, cap, "cannot create a directory for handler libraries: %s", strerror(errno));
        r->dir[0] = '\0';
        emu_reload_free(r);
        return NULL;
      }
    }
    if (lambda_handlers_slot(r->handlers, opts->handler_libs[i]) >= 0)
      continue; /* the same library twice */
    if (add_watched(r, opts->handler_libs[i], (int)lambda_handlers_nlibs(r->handlers)) != 0 ||
        !(lib = lambda_lib_load(opts->handler_libs[i], r->dir, ++r->seq, err, cap))) {
      emu_reload_free(r);
      return NULL;
    }
    next = lambda_handlers_with(r->handlers, lambda_handlers_nlibs(r->handlers), lib);
    lambda_lib_unref(lib); /* the set holds it */
    if (!next) {
      snprintf(err, cap, "out of memory");
      emu_reload_free(r);
      return NULL;
    }
    lambda_handlers_free(r->handlers);
    r->handlers = next;
  }
  return r;
}

/* Publishes d, or (first deploy) installs it. */
static void publish(struct emu_reload *r, struct ws_deployment *d) {
  /* The mappings first: a kept one moves to d's settings and targets with
   * its position (lambda_esm_deploy holds d for its workers). */
  if (r->emu->esm_live)
    lambda_esm_deploy(r->emu->esm, d->config->esms, d->esms, d->config->nesms, d);
  ws_deployment_slot_publish(&r->emu->gw.deployed, d);
}

int emu_reload_deploy(struct emu_reload *r, struct emu_config *cfg, char *err, size_t cap) {
  struct ws_deployment *d = ws_deployment_new(cfg, r->handlers, err, cap);

  if (!d)
    return -1;
  if (emu_server_create_tables(r->emu, d->config, err, cap) != 0) {
    ws_deployment_release(d);
    return -1;
  }
  publish(r, d);
  return 0;
}

static size_t route_count(const struct emu_config *cfg) {
  size_t i, n = 0;

  for (i = 0; i < cfg->napis; i++)
    n += cfg->apis[i].nroutes;
  return n;
}

/* One line on stderr per reload. */
static void report(struct emu_reload *r, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void report(struct emu_reload *r, int ok, const char *fmt, ...) {
  char line[4096];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "wsgw: %s\n", line);
  fflush(stderr);
  atomic_fetch_add(ok ? &r->ok : &r->failed, 1);
}

static void reload_library(struct emu_reload *r, struct watched *w, const struct stat *st) {
  char err[4096];
  struct lambda_lib *lib = lambda_lib_load(w->path, r->dir, ++r->seq, err, sizeof(err));
  struct lambda_handlers *next;
  struct ws_deployment *cur, *d;
  size_t n;

  w->loaded = *st; /* this content was tried: wait for the next change */
  if (!lib) {
    report(r, 0, "reload of %s failed: %s; keeping the previous version", w->path, err);
    return;
  }
  n = lambda_lib_count(lib);
  next = lambda_handlers_with(r->handlers, (size_t)w->slot, lib);
  lambda_lib_unref(lib);
  if (!next) {
    report(r, 0, "reload of %s failed: out of memory; keeping the previous version", w->path);
    return;
  }
  cur = ws_deployment_slot_acquire(&r->emu->gw.deployed);
  d = cur ? ws_deployment_rebind(cur, next, err, sizeof(err)) : NULL;
  ws_deployment_release(cur);
  if (!d) {
    lambda_handlers_free(next);
    report(r, 0, "reload of %s failed: %s; keeping the previous version", w->path,
           cur ? err : "no deployment");
    return;
  }
  publish(r, d);
  lambda_handlers_free(r->handlers);
  r->handlers = next;
  report(r, 1, "reloaded %s (%zu handler%s)", w->path, n, n == 1 ? "" : "s");
}

static void reload_config(struct emu_reload *r, struct watched *w, const struct stat *st) {
  char err[4096];
  struct emu_config cfg;
  struct ws_deployment *d;
  size_t napis, nroutes;

  w->loaded = *st;
  if ((r->serverless
           ? emu_serverless_load(w->path, r->stage[0] ? r->stage : NULL, &cfg, err, sizeof(err))
           : emu_config_load_file(w->path, &cfg, err, sizeof(err))) != 0) {
    report(r, 0, "reload of %s failed: %s; keeping the previous config", w->path, err);
    return;
  }
  if (!(d = ws_deployment_new(&cfg, r->handlers, err, sizeof(err))) ||
      emu_server_create_tables(r->emu, d->config, err, sizeof(err)) != 0) {
    ws_deployment_release(d);
    report(r, 0, "reload of %s failed: %s; keeping the previous config", w->path, err);
    return;
  }
  napis = d->config->napis;
  nroutes = route_count(d->config);
  tree_watch(r, d->config);
  publish(r, d);
  report(r, 1, "reloaded %s (%zu API%s, %zu route%s)", w->path, napis, napis == 1 ? "" : "s",
         nroutes, nroutes == 1 ? "" : "s");
}

static int tree_has(const struct tree *t, int wd) {
  for (size_t i = 0; i < t->nwds; i++)
    if (t->wds[i] == wd)
      return 1;
  return 0;
}

/* Watches dir and, depth first, its subdirectories (bounded: a watch per
 * directory, EMU_RELOAD_MAX_TREE_DIRS at most; the depth is bounded by
 * PATH_MAX). */
static void tree_add(struct emu_reload *r, const char *dir, int depth) {
  struct tree *t = &r->tree;
  DIR *d;
  struct dirent *e;
  int wd, *wds;

  if (t->nwds >= EMU_RELOAD_MAX_TREE_DIRS || depth > 32 || strcmp(dir, r->emu->data_dir) == 0)
    return;
  /* IN_MASK_ADD: the config's directory may be watched for the config too. */
  wd = inotify_add_watch(r->inotify_fd, dir,
                         IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
                             IN_ONLYDIR | IN_MASK_ADD);
  if (wd < 0 || tree_has(t, wd) || !(wds = realloc(t->wds, (t->nwds + 1) * sizeof(*wds))))
    return;
  t->wds = wds;
  {
    char **paths = realloc(t->paths, (t->nwds + 1) * sizeof(*paths));
    if (!paths)
      return;
    t->paths = paths;
  }
  if (!(t->paths[t->nwds] = strdup(dir)))
    return;
  t->wds[t->nwds++] = wd;
  if (!(d = opendir(dir)))
    return;
  while ((e = readdir(d)) != NULL) {
    char sub[PATH_MAX];
    struct stat st;
    if (e->d_name[0] == '.' || strcmp(e->d_name, "node_modules") == 0 ||
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= (int)sizeof(sub) ||
        lstat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
      continue;
    tree_add(r, sub, depth + 1);
  }
  closedir(d);
}

/* Watches the source tree of d's out-of-process functions, once. On the
 * watcher's thread, or before it starts. */
/* The directory of fn's code when it lies outside the tree (a handler
 * "../src/app.main", a command "../bin/bootstrap"): watched too. */
static void tree_watch_function(struct emu_reload *r, const struct emu_config *cfg,
                                const struct emu_function *fn) {
  const char *code = fn->command ? fn->command[0] : fn->handler;
  const char *slash = code ? strrchr(code, '/') : NULL;
  size_t root = strlen(r->tree.root);
  char path[PATH_MAX], *dir;

  if (!fn->runtime || !slash ||
      snprintf(path, sizeof(path), "%s%s%.*s", code[0] == '/' ? "" : cfg->dir,
               code[0] == '/' ? "" : "/", (int)(slash - code), code) >= (int)sizeof(path) ||
      !(dir = realpath(path, NULL)))
    return;
  if (strncmp(dir, r->tree.root, root) != 0 || (dir[root] != '/' && dir[root] != '\0'))
    tree_add(r, dir, 0);
  free(dir);
}

/* Watches the source tree of cfg's out-of-process functions: the config's
 * directory (once), and the directories of functions' code outside it. On
 * the watcher's thread, or before it starts. */
static void tree_watch(struct emu_reload *r, const struct emu_config *cfg) {
  if (r->inotify_fd < 0 || !emu_config_has_runtimes(cfg))
    return;
  if (!r->tree.root[0]) {
    snprintf(r->tree.root, sizeof(r->tree.root), "%s", cfg->dir);
    tree_add(r, r->tree.root, 0);
  }
  for (size_t i = 0; i < cfg->napis; i++) {
    const struct emu_api *a = &cfg->apis[i];
    if (a->authorizer)
      tree_watch_function(r, cfg, &a->authorizer->fn);
    for (size_t j = 0; j < a->nroutes; j++)
      tree_watch_function(r, cfg, &a->routes[j].fn);
  }
}

/* A file under the tree changed (not the config file itself, which is
 * reloaded on its own). */
static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);

  return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void tree_event(struct emu_reload *r, const struct inotify_event *ev) {
  size_t i;

  /* Not code: a watched file (the config, reloaded on its own) or a file
   * named after one (its editor's or writer's temporaries: app.json.tmp),
   * dot-files, editors' backups and swap files, logs, node_modules. */
  for (i = 0; i < r->nfiles; i++)
    if (r->files[i].wd == ev->wd &&
        strncmp(r->files[i].name, ev->name, strlen(r->files[i].name)) == 0)
      return;
  if (ev->name[0] == '.' || strcmp(ev->name, "node_modules") == 0 || ends_with(ev->name, "~") ||
      ends_with(ev->name, ".swp") || ends_with(ev->name, ".swx") || ends_with(ev->name, ".log"))
    return;
  /* Only a file written and closed, renamed, created or deleted: a write in
   * progress (IN_MODIFY, which the config's watch of the same directory
   * asks for) is not a new version, and a log file written by wsgw's own
   * output would otherwise recycle the processes after every line. */
  if (!(ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE)))
    return;
  if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
    /* A new directory: watch it too. */
    for (i = 0; i < r->tree.nwds; i++)
      if (r->tree.wds[i] == ev->wd) {
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof(sub), "%s/%s", r->tree.paths[i], ev->name) < (int)sizeof(sub))
          tree_add(r, sub, 0);
        break;
      }
  }
  for (i = 0; i < r->tree.nwds; i++)
    if (r->tree.wds[i] == ev->wd)
      snprintf(r->tree.changed, sizeof(r->tree.changed), "%s/%s", r->tree.paths[i], ev->name);
  r->tree.pending = 1;
  r->tree.last_event_ms = emu_time_mono_ms();
}

static void tree_changed(struct emu_reload *r) {
  int n;

  /* A serverless.yml includes other files (${file(...)}): a YAML or JSON
   * file of the project changed, so the project is read again. */
  if (r->serverless && (ends_with(r->tree.changed, ".yml") || ends_with(r->tree.changed, ".yaml") ||
                        ends_with(r->tree.changed, ".json"))) {
    for (size_t i = 0; i < r->nfiles; i++) {
      struct stat st;
      if (r->files[i].slot < 0 && stat(r->files[i].path, &st) == 0)
        reload_config(r, &r->files[i], &st);
    }
  }
  n = lambda_runtimes_recycle(r->emu->runtimes);

  if (n > 0)
    report(r, 1, "%s changed: %d function%s start%s in new processes", r->tree.changed, n,
           n == 1 ? "" : "s", n == 1 ? "s" : "");
}

static void read_events(struct emu_reload *r) {
  char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t n;

  while ((n = read(r->inotify_fd, buf, sizeof(buf))) > 0) {
    char *p = buf;
    while (p < buf + n) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      size_t i;
      for (i = 0; ev->len && i < r->nfiles; i++) {
        if (r->files[i].wd == ev->wd && strcmp(r->files[i].name, ev->name) == 0) {
          r->files[i].pending = 1;
          r->files[i].last_event_ms = emu_time_mono_ms();
        }
      }
      if (ev->len && tree_has(&r->tree, ev->wd))
        tree_event(r, ev);
      p += sizeof(*ev) + ev->len;
    }
  }
}

/* The watcher: see emu_reload.h. */
static void *watch_main(void *arg) {
  struct emu_reload *r = arg;

  for (;;) {
    struct pollfd fds[2] = {{r->stop_fd, POLLIN, 0}, {r->inotify_fd, POLLIN, 0}};
    int64_t now = emu_time_mono_ms(), wait = -1;
    size_t i;
    for (i = 0; i <= r->nfiles; i++) {
      int pending = i < r->nfiles ? r->files[i].pending : r->tree.pending;
      int64_t last = i < r->nfiles ? r->files[i].last_event_ms : r->tree.last_event_ms;
      if (pending) {
        int64_t left = last + EMU_RELOAD_QUIET_MS - now;
        if (left < 0)
          left = 0;
        if (wait < 0 || left < wait)
          wait = left;
      }
    }
    if (poll(fds, 2, (int)wait) < 0 && errno != EINTR)
      break;
    if (fds[0].revents)
      break;
    if (fds[1].revents)
      read_events(r);
    now = emu_time_mono_ms();
    for (i = 0; i < r->nfiles; i++) {
      struct watched *w = &r->files[i];
      struct stat st;
      if (!w->pending || now - w->last_event_ms < EMU_RELOAD_QUIET_MS)
        continue;
      w->pending = 0;
      /* Gone (between a delete and a rename) or unchanged: nothing to do. */
      if (stat(w->path, &st) != 0 || same_file(&st, &w->loaded))
        continue;
      if (w->slot >= 0)
        reload_library(r, w, &st);
      else
        reload_config(r, w, &st);
    }
    if (r->tree.pending && now - r->tree.last_event_ms >= EMU_RELOAD_QUIET_MS) {
      r->tree.pending = 0;
      tree_changed(r);
    }
  }
  return NULL;
}

int emu_reload_watch(struct emu_reload *r, const char *config_file, char *err, size_t cap) {
  size_t i;

  if (config_file && add_watched(r, config_file, -1) != 0) {
    snprintf(err, cap, "out of memory");
    return -1;
  }
  {
    struct ws_deployment *d = ws_deployment_slot_acquire(&r->emu->gw.deployed);
    int runtimes = d && emu_config_has_runtimes(d->config);
    if (r->nfiles == 0 && !runtimes) {
      ws_deployment_release(d);
      return 0;
    }
    r->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (d && r->inotify_fd >= 0)
      tree_watch(r, d->config);
    ws_deployment_release(d);
  }
  r->stop_fd = eventfd(0, EFD_CLOEXEC);
  if (r->inotify_fd < 0 || r->stop_fd < 0) {
    snprintf(err, cap, "cannot watch the handler libraries: %s", strerror(errno));
    return -1;
  }
  for (i = 0; i < r->nfiles; i++) {
    struct watched *w = &r->files[i];
    char dir[PATH_MAX];
    if (w->name == w->path)
      snprintf(dir, sizeof(dir), ".");
    else
      snprintf(dir, sizeof(dir), "%.*s", (int)(w->name - 1 - w->path), w->path);
    w->wd = inotify_add_watch(r->inotify_fd, dir[0] ? dir : "/",
                              IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY | IN_MASK_ADD);
    if (w->wd < 0) {
      snprintf(err, cap, "cannot watch %s: %s", dir, strerror(errno));
      return -1;
    }
  }
  if (pthread_create(&r->thread, NULL, watch_main, r) != 0) {
    snprintf(err, cap, "cannot start the reload thread");
    return -1;
  }
  r->running = 1;
  return 0;
}

void emu_reload_counts(struct emu_reload *r, int *ok, int *failed) {
  *ok = r ? atomic_load(&r->ok) : 0;
  *failed = r ? atomic_load(&r->failed) : 0;
}

void emu_reload_free(struct emu_reload *r) {
  size_t i;

  if (!r)
    return;
  if (r->running) {
    uint64_t one = 1;
    if (write(r->stop_fd, &one, sizeof(one)) != sizeof(one))
      perror("wsgw: stopping the reload thread");
    pthread_join(r->thread, NULL);
  }
  if (r->inotify_fd >= 0)
    close(r->inotify_fd);
  if (r->stop_fd >= 0)
    close(r->stop_fd);
  for (i = 0; i < r->nfiles; i++)
    free(r->files[i].path);
  free(r->files);
  for (i = 0; i < r->tree.nwds; i++)
    free(r->tree.paths[i]);
  free(r->tree.paths);
  free(r->tree.wds);
  lambda_handlers_free(r->handlers);
  if (r->dir[0])
    rmdir(r->dir);
  free(r);
}
