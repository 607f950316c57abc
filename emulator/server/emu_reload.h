/*
 * emu_reload.h - deploying a config against the handlers, and redeploying
 * when the handler libraries (`--handlers`) or the config file change.
 *
 * Owns: the handler set (lambda_handlers: program + bundled tables and the
 * version in service of each library), a private directory for the
 * libraries' copies (lambda_lib.h; removed at free), and the watcher thread.
 *
 * Start (emu_server_start, before the server listens): emu_reload_new loads
 * every library (a library that fails to load or lacks wsgw_handlers is an
 * error naming the file and dlerror()), emu_reload_deploy builds the first
 * deployment (every handler name resolved; a missing or clashing name is a
 * config error with the listing) and publishes it.
 *
 * Watching (emu_reload_watch, when asked for): ONE thread with one inotify
 * descriptor on the directories of the libraries and of the config file
 * (watching the directory sees both ways a rebuild replaces a file: a new
 * file renamed over it, or the file truncated and rewritten). An event for a
 * watched name marks it changed; once that file has been quiet for
 * EMU_RELOAD_QUIET_MS (so a file still being written is not loaded half
 * written) and its identity (inode, size, mtime) differs from the version in
 * service, it is reloaded:
 *   - a library: the new version is loaded, the config is re-resolved
 *     against it (ws_deployment_rebind), and the new deployment published.
 *     New invocations run the new code; invocations in flight finish on the
 *     old one, unloaded after the last of them (lambda_lib.h). Open
 *     WebSockets stay open.
 *   - the config: loaded, resolved, its new tables created, published. A
 *     serverless.yml (emu_options.serverless) is read with emu_serverless,
 *     also when a YAML or JSON file of its project changed (an include).
 * Out-of-process functions (lambda_runtimes.h): the config's directory
 * and its subdirectories (but node_modules, dot-directories and the data
 * directory), and the directory of any function's code outside it, are
 * watched too; once a change there has been quiet for
 * EMU_RELOAD_QUIET_MS, every such function's next invocation starts in a new
 * process (lambda_runtimes_recycle), and stderr says so:
 *   wsgw: /app/src/connect.ts changed: 3 functions start in new processes
 * A failure (the library does not load, lacks a handler the config names,
 * the config is invalid) keeps the previous deployment. Each reload writes
 * one line on stderr:
 *   wsgw: reloaded build/libapp.so (3 handlers)
 *   wsgw: reload of build/libapp.so failed: ...; keeping the previous version
 * The thread stops in emu_reload_free (called by emu_server_stop first
 * thing, so no deployment is published while the server shuts down).
 * Threading: deploys are serialised: before the thread starts, or on it.
 */
#ifndef EMU_RELOAD_H
#define EMU_RELOAD_H

#include <stddef.h>

#include "emu_config.h"

struct emu;
struct emu_options;

/* A file must be this quiet (no event) before it is reloaded. */
#define EMU_RELOAD_QUIET_MS 200

struct emu_reload;

/* Loads opts->handler_libs. NULL and one line in err on failure. */
struct emu_reload *emu_reload_new(struct emu *emu, const struct emu_options *opts, char *err,
                                  size_t cap);
/* Resolves cfg (taken over) against the handlers, creates its tables and
 * publishes it as the emulator's deployment. 0, or -1 and one line in err. */
int emu_reload_deploy(struct emu_reload *r, struct emu_config *cfg, char *err, size_t cap);
/* Starts the watcher thread (libraries and config_file). 0, or -1. */
int emu_reload_watch(struct emu_reload *r, const char *config_file, char *err, size_t cap);
/* Reloads finished so far: successful ones and failed ones. */
void emu_reload_counts(struct emu_reload *r, int *ok, int *failed);
/* Stops the watcher and frees everything (NULL is a no-op). */
void emu_reload_free(struct emu_reload *r);

#endif
