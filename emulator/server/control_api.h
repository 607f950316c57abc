/*
 * control_api.h - the emulator's own HTTP control endpoint, /_wsgw/, for
 * tests written in any language:
 *
 *   GET    /_wsgw/faults               the faults in force, with their hits
 *   POST   /_wsgw/faults               add one (a fault object) or several
 *                                      (an array): {"ids": [..]}
 *   DELETE /_wsgw/faults               remove all
 *   DELETE /_wsgw/faults/{id}          remove one
 *   GET    /_wsgw/invocations          the invocation log; filters
 *                                      ?routeKey=&connectionId=&handler=
 *   DELETE /_wsgw/invocations          clear it
 *   GET    /_wsgw/connections          live connections
 *   POST   /_wsgw/connections/{id}/kill   drop a client's TCP connection
 *                                      silently ($disconnect sees 1006)
 *   GET    /_wsgw/stats                counters: {"store": {"writes",
 *                                      "batches", "commitMicros"}} (group
 *                                      commit; `make bench` reads them),
 *                                      "connections": {"maxConnections",
 *                                      "webSockets", "refused",
 *                                      "headTimeouts", "framesRefused"}}
 *   GET    /_wsgw/chat?stage=S         a browser chat page (chat_page.c)
 *
 * Every request passes control_guard first (loopback or --allow-host Host,
 * no cross-site Origin, POST only with Content-Type: application/json):
 * 403 or 415 otherwise.
 * Fault shapes: emu_faults.h. Errors: {"message": "..."} with 400 or 404.
 * Threading: any worker; the registries it touches have their own locks.
 */
#ifndef CONTROL_API_H
#define CONTROL_API_H

struct emu;
struct mg_connection;

#define CONTROL_API_PREFIX "/_wsgw/"

/* Serves one /_wsgw/ request; uri is the percent-decoded path
 * (http_util_path). */
void control_api_serve(struct emu *emu, struct mg_connection *conn, const char *uri);

#endif
