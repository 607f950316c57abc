/*
 * lambda_lib.h - one loaded version of a handler library (`wsgw serve
 * --handlers PATH.so`): a shared object exporting the NULL-terminated
 * `const struct wsgw_handler wsgw_handlers[]` of <wsgw/handler.h>.
 *
 * Loading: glibc's dlopen returns the handle it already has for a path it
 * loaded before, even when the file changed since. So each version is first
 * copied to a private file (dir/N-basename, N unique per version) and that
 * copy is dlopen'd with RTLD_NOW | RTLD_LOCAL (every symbol bound now, so a
 * missing one fails the load rather than a later call; no version's symbols
 * bind another's); the copy is removed right after dlopen (the mapping
 * stays).
 * Lifetime: reference counted (atomic). The loader's handler set holds one
 * reference for the version in service, and each deployment (ws_deployment)
 * one per handler it resolved to it. An invocation runs under a reference
 * to its deployment (the message's, or one retained for a handler abandoned
 * at its deadline: lambda_invoke), so the last lambda_lib_unref, which
 * dlclose's the version, comes only after the last invocation running its
 * code returned. A WebSocket connection keeps the deployment it connected
 * under, so the version of that deployment stays mapped (unused) until
 * such connections close: at most the versions some open connection
 * connected under, whatever the number of reloads.
 * Threading: ref/unref from any thread; the rest is immutable after load.
 */
#ifndef LAMBDA_LIB_H
#define LAMBDA_LIB_H

#include <stddef.h>

#include <wsgw/handler.h>

struct lambda_lib;

/* Loads the library at `path` through a private copy in `dir` (a directory
 * of the process's own). `seq` makes the copy's name unique. Returns the
 * version with one reference, or NULL and one line in err (naming the file
 * and dlerror()). */
struct lambda_lib *lambda_lib_load(const char *path, const char *dir, unsigned seq, char *err,
                                   size_t cap);
/* The library's handlers (NULL-terminated) and the path it was loaded from. */
const struct wsgw_handler *lambda_lib_handlers(const struct lambda_lib *l);
const char *lambda_lib_path(const struct lambda_lib *l);
size_t lambda_lib_count(const struct lambda_lib *l);
void lambda_lib_ref(struct lambda_lib *l);
/* Drops a reference; the last one dlclose's the version. NULL is a no-op. */
void lambda_lib_unref(struct lambda_lib *l);

#endif
