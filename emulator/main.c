/*
 * main.c - the `wsgw` command: parse arguments, start one emulator, wait for
 * SIGINT/SIGTERM, stop it cleanly. Nothing else lives here.
 *
 *   wsgw serve [--config FILE | --serverless FILE [--stage S]] [--host H] [--port N]
 *               [--allow-host NAME]... [--cors] [--auth sigv4 --auth-key AKID:SECRET... |
 *               --auth-keys FILE] [--data-dir DIR |
 *               --in-memory] [--max-connections N] [--no-sync] [--ttl-interval S]
 *               [--stream-retention-hours H]
 *               [--dynamodb-endpoint URL] [--console | --no-console] [--log-level L]
 *   wsgw test [--junit FILE] [--fail-fast] [--jobs N] SCENARIO...  (scenario.c)
 *   wsgw health [--timeout SECS] URL  (emu_health.c)
 *   wsgw --help | --version
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"
#include "dynamo_ttl.h"
#include "emu_config.h"
#include "emu_health.h"
#include "emu_log.h"
#include "emu_serverless.h"
#include "emu_server.h"
#include "scenario.h"
#include "wsgw_builtin.h"
#include "ws_limit.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: wsgw serve [options]\n"
          "       wsgw test [--junit FILE] [--fail-fast] [--jobs N] SCENARIO...\n"
          "                 (JSON scenarios, docs/scenarios.md; see wsgw test --help)\n"
          "       wsgw health [--timeout SECS] URL   (exit 0 when GET URL answers 200)\n"
          "       wsgw --help | --version\n"
          "\n"
          "Serves an API Gateway WebSocket API (ws://HOST:PORT/{stage}), its @connections\n"
          "management API and a DynamoDB JSON API on one port.\n"
          "\n"
          "options:\n"
          "  --config FILE          APIs, routes and tables (JSON; see README); reloaded\n"
          "                         when it changes, without dropping connections\n"
          "  --serverless FILE      a Serverless Framework project (serverless.yml): its\n"
          "                         websocket functions and DynamoDB tables (see README;\n"
          "                         reloaded when it or a file it includes changes);\n"
          "                         excludes --config\n"
          "  --stage NAME           the stage for --serverless (${opt:stage}; default: the\n"
          "                         provider's stage, or dev)\n"
          "  --handlers LIB.so      load route handlers from a shared library exporting\n"
          "                         wsgw_handlers (<wsgw/handler.h>); repeatable; reloaded\n"
          "                         when the file changes (a rebuild)\n"
          "  --host HOST            address to listen on (default 127.0.0.1; 0.0.0.0: every\n"
          "                         interface)\n"
          "  --auth sigv4           DynamoDB and @connections calls must carry a Signature\n"
          "                         Version 4 signature made with one of the key pairs:\n"
          "  --auth-key AKID:SECRET   (repeatable) or --auth-keys FILE (one AKID:SECRET a\n"
          "                         line; # comments); at most 16 pairs\n"
          "  --cors                 answer CORS on the DynamoDB endpoint as DynamoDB does\n"
          "                         (Access-Control-Allow-Origin: *), for a browser app\n"
          "                         that calls DynamoDB itself; off by default\n"
          "  --allow-host NAME      a Host name the /_wsgw/ control endpoints accept besides\n"
          "                         localhost and IP addresses, and a page host they accept\n"
          "                         in Origin (\"*\": any Host); repeatable\n"
          "  --port N               port (default 8080; 0 picks a free port)\n"
          "  --data-dir DIR         LMDB data directory (default $XDG_DATA_HOME/wsgw\n"
          "                         or ~/.local/share/wsgw)\n"
          "  --in-memory            use a temporary data directory, removed at exit\n"
          "  --tls-port N           also serve wss:// and https:// on port N (0 picks a free\n"
          "                         port); off by default, except that a config with\n"
          "                         out-of-process functions (\"runtime\") gets one on a\n"
          "                         free port: their https://{domainName}/{stage} calls\n"
          "                         need it\n"
          "  --tls-cert FILE        PEM certificate (default: self-signed, generated in the\n"
          "  --tls-key FILE         data directory at first start) and its private key;\n"
          "                         alone they turn TLS on at port 8443\n"
          "  --no-tls               no TLS listener at all\n"
          "  --max-connections N    concurrent WebSockets (default %d); one more handshake\n"
          "                         is refused with 429. Each holds a worker thread; %d\n"
          "                         more workers always serve HTTP\n"
          "  --no-sync              do not fsync each write (faster; not crash-safe)\n"
          "  --idle-timeout SECS    close idle connections (default 600, as AWS)\n"
          "  --max-connection-duration SECS\n"
          "                         close connections older than this (default 7200, as AWS)\n"
          "  --ttl-interval SECS    delete expired TTL items every SECS seconds (default %d;\n"
          "                         0: never)\n"
          "  --stream-retention-hours H\n"
          "                         keep DynamoDB Streams records H hours (default 24, as\n"
          "                         AWS); trimmed on the --ttl-interval schedule\n"
          "  --dynamodb-endpoint URL\n"
          "                         send every DynamoDB call (the HTTP API, handlers, the\n"
          "                         config's tables) to this DynamoDB-compatible service\n"
          "                         instead of the local store: AWS\n"
          "                         (https://dynamodb.REGION.amazonaws.com), a ScyllaDB\n"
          "                         Alternator node, another wsgw. Signed with\n"
          "                         AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN]\n"
          "                         for AWS_REGION (else AWS_DEFAULT_REGION, else the\n"
          "                         config's region); no TTL sweeper (the service expires\n"
          "                         its own items)\n"
          "  --console              serve the web console at http://HOST:PORT/_wsgw/\n"
          "                         (connections, invocations, tables, faults); on by\n"
          "                         default when HOST is a loopback address\n"
          "  --no-console           no web console, whatever HOST is\n"
          "  --log-level LEVEL      error, warn (default), info or debug\n",
          EMU_DEFAULT_MAX_CONNECTIONS, WS_LIMIT_HTTP_RESERVE, DYNAMO_TTL_DEFAULT_INTERVAL_S);
}

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);

  if (!*s || *end || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

/* --handlers may be given this many times. */
#define SERVE_MAX_HANDLER_LIBS 64

static int serve(int argc, char **argv) {
  struct emu_options opts;
  struct emu_config config;
  const char *config_path = NULL, *serverless_path = NULL, *stage = NULL;
  /* --handlers paths (they point into argv), NULL-terminated. */
  const char *libs[SERVE_MAX_HANDLER_LIBS + 1] = {NULL};
  size_t nlibs = 0;
  char err[4096] = "";
  /* --allow-host names, comma-separated (emu_options.allow_hosts). */
  char allow_hosts[1024] = "";
  /* --auth sigv4 and its --auth-key / --auth-keys pairs. */
  struct aws_sigv4_key keys[EMU_AUTH_KEYS_MAX];
  size_t nkeys = 0;
  int auth_sigv4 = 0;
  struct emu *emu;
  sigset_t set;
  int i, sig;

  memset(&opts, 0, sizeof(opts));
  opts.port = 8080;
  /* TLS is opt-in: OpenSSL's initialisation costs more start-up time and
   * memory than the rest of wsgw (issue 8's start-up targets are for the
   * defaults). --tls-cert/--tls-key alone turn it on at 8443 (a free port
   * with --port 0); otherwise the server decides (EMU_TLS_AUTO). */
  opts.tls_port = EMU_TLS_AUTO;
  opts.handlers = wsgw_builtin_handlers;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--in-memory")) {
      opts.in_memory = 1;
      continue;
    }
    if (!strcmp(a, "--no-tls")) {
      opts.tls_port = -1;
      continue;
    }
    if (!strcmp(a, "--cors")) {
      opts.cors = 1;
      continue;
    }
    if (!strcmp(a, "--console") || !strcmp(a, "--no-console")) {
      opts.console = !strcmp(a, "--console") ? EMU_CONSOLE_ON : EMU_CONSOLE_OFF;
      continue;
    }
    if (!strcmp(a, "--no-sync")) {
      opts.no_sync = 1;
      continue;
    }
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!v) {
      fprintf(stderr, "wsgw: %s: %s\n", a,
              strncmp(a, "--", 2) ? "unknown argument" : "unknown option or missing value");
      return 2;
    }
    i++;
    if (!strcmp(a, "--config"))
      config_path = v;
    else if (!strcmp(a, "--serverless"))
      serverless_path = v;
    else if (!strcmp(a, "--stage"))
      stage = v;
    else if (!strcmp(a, "--handlers")) {
      if (nlibs == SERVE_MAX_HANDLER_LIBS) {
        fprintf(stderr, "wsgw: --handlers: at most %d libraries\n", SERVE_MAX_HANDLER_LIBS);
        return 2;
      }
      libs[nlibs++] = v;
    } else if (!strcmp(a, "--host"))
      opts.host = v;
    else if (!strcmp(a, "--auth")) {
      if (strcmp(v, "sigv4") != 0 && strcmp(v, "none") != 0) {
        fprintf(stderr, "wsgw: --auth: expected sigv4 or none, got \"%s\"\n", v);
        return 2;
      }
      auth_sigv4 = strcmp(v, "sigv4") == 0;
    } else if (!strcmp(a, "--auth-key")) {
      if (nkeys == EMU_AUTH_KEYS_MAX || aws_sigv4_key_parse(v, &keys[nkeys]) != 0) {
        fprintf(stderr, "wsgw: --auth-key: expected ACCESS_KEY_ID:SECRET (at most %d)\n",
                EMU_AUTH_KEYS_MAX);
        return 2;
      }
      nkeys++;
    } else if (!strcmp(a, "--auth-keys")) {
      FILE *f = fopen(v, "r");
      char line[300];
      int n = 0;
      if (!f) {
        fprintf(stderr, "wsgw: --auth-keys: cannot open %s\n", v);
        return 2;
      }
      while (fgets(line, sizeof(line), f)) {
        n++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#')
          continue;
        if (nkeys == EMU_AUTH_KEYS_MAX || aws_sigv4_key_parse(line, &keys[nkeys]) != 0) {
          fprintf(stderr, "wsgw: --auth-keys: %s:%d: expected ACCESS_KEY_ID:SECRET (at most %d)\n",
                  v, n, EMU_AUTH_KEYS_MAX);
          fclose(f);
          return 2;
        }
        nkeys++;
      }
      fclose(f);
    } else if (!strcmp(a, "--allow-host")) {
      size_t used = strlen(allow_hosts);
      if (!*v || strchr(v, ',') || used + strlen(v) + 2 > sizeof(allow_hosts)) {
        fprintf(stderr, "wsgw: --allow-host: expected one host name (at most %zu bytes in all)\n",
                sizeof(allow_hosts) - 1);
        return 2;
      }
      snprintf(allow_hosts + used, sizeof(allow_hosts) - used, "%s%s", used ? "," : "", v);
      opts.allow_hosts = allow_hosts;
    } else if (!strcmp(a, "--dynamodb-endpoint"))
      opts.dynamodb_endpoint = v;
    else if (!strcmp(a, "--data-dir"))
      opts.data_dir = v;
    else if (!strcmp(a, "--tls-cert"))
      opts.tls_cert = v;
    else if (!strcmp(a, "--tls-key"))
      opts.tls_key = v;
    else if (!strcmp(a, "--tls-port")) {
      if (parse_int(v, 0, 65535, &opts.tls_port) != 0) {
        fprintf(stderr, "wsgw: --tls-port: expected 0..65535, got \"%s\"\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--port")) {
      if (parse_int(v, 0, 65535, &opts.port) != 0) {
        fprintf(stderr, "wsgw: --port: expected 0..65535, got \"%s\"\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--max-connections")) {
      /* civetweb starts at most 65536 workers, the reserve included. */
      if (parse_int(v, 1, WS_LIMIT_MAX, &opts.max_connections) != 0) {
        fprintf(stderr, "wsgw: --max-connections: expected 1..%d, got \"%s\"\n", WS_LIMIT_MAX, v);
        return 2;
      }
    } else if (!strcmp(a, "--idle-timeout") || !strcmp(a, "--max-connection-duration")) {
      int secs;
      if (parse_int(v, 1, 7 * 24 * 3600, &secs) != 0) {
        fprintf(stderr, "wsgw: %s: expected a number of seconds, got \"%s\"\n", a, v);
        return 2;
      }
      if (!strcmp(a, "--idle-timeout"))
        opts.idle_timeout_ms = secs * 1000;
      else
        opts.max_duration_ms = secs * 1000;
    } else if (!strcmp(a, "--ttl-interval")) {
      int secs;
      if (parse_int(v, 0, 24 * 3600, &secs) != 0) {
        fprintf(stderr, "wsgw: --ttl-interval: expected 0..86400 seconds, got \"%s\"\n", v);
        return 2;
      }
      opts.ttl_interval_s = secs > 0 ? secs : -1;
    } else if (!strcmp(a, "--stream-retention-hours")) {
      if (parse_int(v, 1, 24 * 365, &opts.stream_retention_hours) != 0) {
        fprintf(stderr, "wsgw: --stream-retention-hours: expected 1..8760 hours, got \"%s\"\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--log-level")) {
      static const char *const levels[] = {"error", "warn", "info", "debug"};
      int l;
      for (l = 0; l < 4 && strcmp(v, levels[l]); l++)
        ;
      if (l == 4) {
        fprintf(stderr, "wsgw: --log-level: expected error, warn, info or debug\n");
        return 2;
      }
      emu_log_set_level((enum emu_log_level)l);
    } else {
      fprintf(stderr, "wsgw: %s: unknown option (see wsgw --help)\n", a);
      return 2;
    }
  }
  if (opts.tls_port == EMU_TLS_AUTO && (opts.tls_cert || opts.tls_key))
    opts.tls_port = opts.port == 0 ? 0 : 8443;
  if (auth_sigv4 != (nkeys > 0)) {
    fprintf(stderr, "wsgw: %s\n",
            auth_sigv4 ? "--auth sigv4 needs key pairs (--auth-key AKID:SECRET or --auth-keys FILE)"
                       : "--auth-key and --auth-keys go with --auth sigv4");
    return 2;
  }
  opts.auth_keys = keys;
  opts.nauth_keys = auth_sigv4 ? nkeys : 0;
  if (opts.in_memory && opts.data_dir) {
    fprintf(stderr, "wsgw: --in-memory and --data-dir exclude each other\n");
    return 2;
  }
  if (config_path && serverless_path) {
    fprintf(stderr, "wsgw: --config and --serverless exclude each other\n");
    return 2;
  }
  if (stage && !serverless_path) {
    fprintf(stderr, "wsgw: --stage goes with --serverless\n");
    return 2;
  }
  opts.handler_libs = nlibs ? libs : NULL;
  opts.config_file = serverless_path ? serverless_path : config_path;
  opts.serverless = serverless_path != NULL;
  opts.serverless_stage = stage;
  opts.watch = 1;
  if (serverless_path) {
    /* Reloaded as a --config file is: serverless.yml itself, and the
     * YAML/JSON files of the project it may include (emu_reload.h). */
    if (emu_serverless_load(serverless_path, stage, &config, err, sizeof(err)) != 0) {
      fprintf(stderr, "wsgw: serverless error: %s\n", err);
      return 1;
    }
  } else if (config_path) {
    if (emu_config_load_file(config_path, &config, err, sizeof(err)) != 0) {
      fprintf(stderr, "wsgw: config error: %s\n", err);
      return 1;
    }
  } else {
    emu_config_empty(&config);
  }
  /* Signals are taken synchronously by this thread only; the server's
   * threads inherit the blocked mask. */
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  emu = emu_server_start(&opts, &config, err, sizeof(err));
  if (!emu) {
    fprintf(stderr, "wsgw: %s\n", err);
    return 1;
  }
  emu_server_print_banner(emu, stdout);
  sigwait(&set, &sig);
  fprintf(stderr, "wsgw: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
  emu_server_stop(emu);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version"))) {
    printf("wsgw %s\n", WSGW_VERSION);
    return 0;
  }
  if (argc >= 2 &&
      (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "serve"))
    return serve(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "test"))
    return scenario_main(argc - 2, argv + 2);
  if (argc >= 2 && !strcmp(argv[1], "health"))
    return emu_health_main(argc - 2, argv + 2);
  usage(stderr);
  return 2;
}
