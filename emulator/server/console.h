/*
 * console.h - the web console at /_wsgw/: static HTML, CSS and JavaScript
 * (emulator/server/console/) embedded into the binary at build time
 * (cmake/wsgw_embed.cmake writes console_assets.c in the build tree), so it
 * needs no build step, no CDN and no network.
 *
 *   GET /_wsgw/             index.html
 *   GET /_wsgw/NAME         one of the files (console.css, console.js, ...)
 *   GET /_wsgw/events       the live event stream (console_events.h)
 *   GET /_wsgw/info         {"version", "region", "apis": [{"name", "stage",
 *                           "url", "connectionsUrl"}], "dynamodb", "tls":
 *                           {"port", "cert"}|null, "auth": "sigv4"|"none"}
 *
 * Everything else the console does goes through public endpoints a test
 * can replay: the DynamoDB and DynamoDB Streams JSON APIs (POST /),
 * @connections, and the /_wsgw/ control endpoints. Every request first
 * passes control_guard (control_api.c).
 *
 * On by default only when wsgw listens on a loopback address; --console
 * and --no-console override (emu_options.console). Off: 404.
 * Answers carry a Content-Security-Policy that allows only the console's
 * own files and requests to the same origin.
 * Threading: any worker; the assets are constant.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

struct emu;
struct mg_connection;

/* One embedded file (console_assets.c, generated). */
struct console_asset {
  const char *name; /* "index.html" */
  const unsigned char *data;
  unsigned long len;
};

/* The generated table, ended by an entry with a NULL name. */
extern const struct console_asset console_assets[];

/* Whether the console answers (emu->console). */
int console_enabled(const struct emu *emu);
/* Whether path (after "/_wsgw/") is the console's: "", "info", "events" or
 * an embedded file's name. */
int console_owns(const char *path);
/* Serves one console request (path as for console_owns). */
void console_serve(struct emu *emu, struct mg_connection *conn, const char *path);

#endif
