/*
 * lambda_handlers.h - the handlers a config's names resolve against: the
 * program's own table (the kit's `handlers` option), the bundled table
 * (handlers/: chat.*, diag.*), and the current version of each loaded
 * handler library (lambda_lib). Resolution happens once, when a config is
 * deployed (ws_deployment); the hot path holds a struct lambda_ref and does
 * no name lookup.
 *
 * Rules: the program's table shadows the bundled one (a test may replace a
 * bundled handler); a name a library exports must be exported nowhere else
 * (another library, the bundled or the program's table): such a clash, and
 * a name found nowhere, are config errors whose message lists what each
 * library exports.
 * Ownership: a set is immutable once built. It holds one reference to each
 * library version in it; lambda_handlers_with builds the set of a reload
 * (one library replaced) without touching the old one, which stays valid
 * for deployments being built from it. A resolved ref holds its own
 * reference to its library (lambda_ref_release drops it).
 * Threading: immutable sets may be read from any thread.
 */
#ifndef LAMBDA_HANDLERS_H
#define LAMBDA_HANDLERS_H

#include <stddef.h>

#include <wsgw/handler.h>

struct lambda_lib;
struct lambda_runtimes;

/* A resolved handler: the function and the library version that owns it
 * (NULL for the program's and the bundled handlers). */
struct lambda_ref {
  wsgw_handler_fn *fn;
  struct lambda_lib *lib;
};

struct lambda_handlers;

/* A set without libraries. Either table may be NULL. */
struct lambda_handlers *lambda_handlers_new(const struct wsgw_handler *program,
                                            const struct wsgw_handler *bundled);
/* A new set: h with library slot `slot` holding `lib` (a new reference is
 * taken); slot == lambda_handlers_nlibs(h) appends. NULL when out of memory. */
struct lambda_handlers *lambda_handlers_with(const struct lambda_handlers *h, size_t slot,
                                             struct lambda_lib *lib);
void lambda_handlers_free(struct lambda_handlers *h);
/* The registry out-of-process functions resolve against (not owned; set
 * once, before the set is shared; lambda_handlers_with carries it over),
 * or NULL: a config with a "runtime" is then an error. */
void lambda_handlers_set_runtimes(struct lambda_handlers *h, struct lambda_runtimes *rts);
struct lambda_runtimes *lambda_handlers_runtimes(const struct lambda_handlers *h);
size_t lambda_handlers_nlibs(const struct lambda_handlers *h);
struct lambda_lib *lambda_handlers_lib(const struct lambda_handlers *h, size_t slot);
/* The slot of the library loaded from `path`, or -1. */
int lambda_handlers_slot(const struct lambda_handlers *h, const char *path);

/* Resolves name. 0 with *out set (and a library reference taken), or -1
 * with the reason and the listing of every library's exports in err. */
int lambda_handlers_resolve(const struct lambda_handlers *h, const char *name,
                            struct lambda_ref *out, char *err, size_t cap);
/* Drops the library reference a resolved ref holds. */
void lambda_ref_release(struct lambda_ref *r);

#endif
