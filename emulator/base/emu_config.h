/*
 * emu_config.h - the `--config` file: APIs, routes, functions and tables.
 *
 * Shape (SST WebSocketApi-like, plus DynamoDB CreateTable requests as-is):
 *   { "region": "us-east-1",
 *     "apis": [{ "name": "chat", "stage": "dev",
 *                "routeSelectionExpression": "$request.body.action",
 *                "defaults": { "function": { "timeout": 20, "environment": {...} } },
 *                "routes": { "$connect": "chat.connect",
 *                            "echo": { "function": { "handler": "diag.echo" },
 *                                      "returnResponse": true } } }],
 *     "tables": [ { "TableName": ..., "KeySchema": ..., ... } ] }
 * An API may also hold "stageVariables" {name: value}, "authorizer"
 * {"type": "lambda", "function": ..., "identitySource": [...]}, "accessLog"
 * (true, a format string, or {"format", "destination"}) and "customDomain"
 * {"domainName", "path"} (an API mapping: clients also connect at /{path}),
 * or the domain name alone as a string (no mapping path). The authorizer may
 * also be "iam" (a SigV4-presigned $connect) or "none".
 * SST's function props `bind` (table names from "tables": the function gets
 * SST_Table_tableName_<id> and SST_APP, SST_STAGE, SST_REGION,
 * SST_SSM_PREFIX) and `permissions` (accepted, not enforced) are read too.
 * A route's `function` props override defaults.function, except
 * `environment`, which is merged (as SST does).
 * A function with "runtime" runs out of process (lambda_procs.h):
 *   {"runtime": "nodejs20.x", "handler": "src/lambda.main"} (the path resolved
 *   against the config file's directory), or {"runtime": "provided.al2023",
 *   "command": ["./bootstrap"]}; "memorySize" (MB) and "concurrency" (processes)
 *   apply to both. defaults.function may set the runtime for every route.
 * "eventSourceMappings" ties a table's stream to a function (lambda_esm.h):
 *   [{"table": "Messages", "function": "channels.broadcast" | {function props,
 *     plus "name"}, "batchSize": 100, "maximumBatchingWindowInSeconds": 0,
 *     "startingPosition": "LATEST" | "TRIM_HORIZON", "maximumRetryAttempts": -1,
 *     "bisectBatchOnFunctionError": false, "filterCriteria": {"Filters":
 *     [{"Pattern": "<JSON text>"}]}, "functionResponseTypes":
 *     ["ReportBatchItemFailures"], "enabled": true}]
 *   The table need not be in "tables": the mapping waits for its stream.
 *
 * Errors: one line, "FILE:LINE:COL: PATH: what was expected", e.g.
 *   fixtures/chat.json:7:18: apis[0].routes.echo.function.timeout: expected a positive number of seconds
 * Ownership: emu_config owns everything reachable from it; emu_config_free
 * releases it. A loaded config is immutable and shared read-only by all
 * threads of the server, inside a deployment (ws_deployment.h); a reload
 * loads a new one and never changes a loaded one.
 */
#ifndef EMU_CONFIG_H
#define EMU_CONFIG_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* SPEC docs/spec/apigw-websocket.md 6: integration timeout 50 ms - 29 s. Functions may
 * declare more (Lambda allows 900 s); the gateway gives up at 29 s. */
#define EMU_CONFIG_DEFAULT_TIMEOUT_MS 20000 /* SST's default function timeout */
#define EMU_CONFIG_MAX_ROUTES 300           /* SPEC: routes per API 300 */
#define EMU_CONFIG_DEFAULT_MEMORY_MB 1024   /* SST's and Serverless's default memorySize */
/* DEVIATION: Lambda's concurrency is the account's (1,000 by default) unless
 * reserved; an emulator on a laptop starts at most this many processes per
 * function unless the function says "concurrency". */
#define EMU_CONFIG_DEFAULT_CONCURRENCY 10
#define EMU_CONFIG_MAX_CONCURRENCY 1000

struct emu_function {
  char *handler;      /* registered handler name, e.g. "chat.connect"; for a runtime,
                         Lambda's handler setting ("src/lambda.main"), NULL allowed
                         for provided runtimes */
  int timeout_ms;     /* the function's timeout */
  cJSON *environment; /* object of string values (merged with defaults) */
  /* Out of process (lambda_procs.h): "nodejsNN.x" or "provided", "provided.al2",
   * "provided.al2023"; NULL: an in-process C handler. */
  char *runtime;
  char **command;  /* provided runtimes: the program and its arguments (NULL-terminated),
                      relative paths against emu_config.dir; NULL otherwise */
  int memory_mb;   /* AWS_LAMBDA_FUNCTION_MEMORY_SIZE */
  int concurrency; /* out of process: at most this many processes at once */
  /* SST's `bind`: the names of the tables (from "tables") bound to the
   * function, defaults' first, each once; NULL when none. Their SST
   * variables are already in `environment`. */
  cJSON *bind;
};

struct emu_route {
  char *key; /* "$connect", "$default", "sendmessage", ... */
  struct emu_function fn;
  int return_response; /* two-way route: the body is sent back */
};

/* A Lambda REQUEST authorizer on $connect (SST: authorizer {type: "lambda"}). */
struct emu_authorizer {
  struct emu_function fn;
  cJSON *identity_source; /* array of "route.request.header.X" / "route.request.querystring.X" */
};

struct emu_api {
  char *name;
  char *stage;
  char *route_selection_expression;
  char api_id[11]; /* 10 lowercase alphanumerics, stable per name */
  struct emu_route *routes;
  size_t nroutes;
  cJSON *stage_variables;            /* object of strings, or NULL */
  struct emu_authorizer *authorizer; /* or NULL */
  int iam_auth;                      /* authorizer "iam": $connect must be SigV4-presigned */
  int access_log;                    /* write access log lines */
  char *access_log_format;           /* NULL: the default format */
  char *access_log_destination;      /* "stderr" (default), "stdout" or a file */
  char *domain_name;                 /* customDomain.domainName, or NULL */
  char *base_path;                   /* customDomain.path: the API mapping, or NULL */
};

/* SPEC: docs/spec/lambda-esm.md 2: a DynamoDB event source mapping's settings. */
#define EMU_ESM_DEFAULT_BATCH 100
#define EMU_ESM_MAX_BATCH 10000
#define EMU_ESM_MAX_WINDOW_S 300
#define EMU_ESM_MAX_RETRIES 10000

struct emu_esm {
  char *table;              /* the table whose stream feeds the function */
  struct emu_function fn;   /* defaults: as a route's */
  char *name;               /* the function's name: "name" in its object, else its handler */
  int batch_size;           /* 1..10000 */
  int window_s;             /* maximumBatchingWindowInSeconds, 0..300 */
  int trim_horizon;         /* startingPosition TRIM_HORIZON (else LATEST) */
  int max_retries;          /* -1: until the records expire; else 0..10000 */
  int bisect;               /* bisectBatchOnFunctionError */
  int report_item_failures; /* functionResponseTypes holds ReportBatchItemFailures */
  int enabled;
  cJSON *filters; /* array of checked patterns (emu_event_filter.h), or NULL */
};

struct emu_config {
  char *source; /* file name, or "<string>" */
  /* The absolute directory functions' handler and command paths resolve
   * against (as SST and Serverless resolve them against their project):
   * the config file's, or the working directory for a config string. */
  char *dir;
  char *region;
  struct emu_api *apis;
  size_t napis;
  cJSON *tables;        /* array of CreateTable requests (owned), never NULL */
  cJSON *faults;        /* array of faults to inject at start (emu_faults.h), or NULL */
  struct emu_esm *esms; /* "eventSourceMappings", in config order */
  size_t nesms;
};

/* Loads and validates. On failure returns -1 and writes one line into err. */
int emu_config_load_file(const char *path, struct emu_config *out, char *err, size_t cap);
int emu_config_load_string(const char *text, const char *source, struct emu_config *out, char *err,
                           size_t cap);
/* A config with no APIs and no tables (region us-east-1). */
void emu_config_empty(struct emu_config *out);
void emu_config_free(struct emu_config *cfg);

/* Whether any function of cfg runs out of process (has a runtime). */
int emu_config_has_runtimes(const struct emu_config *cfg);
/* The sum of the out-of-process functions' concurrency: how many runtime
 * processes cfg may run at once. */
int emu_config_runtime_processes(const struct emu_config *cfg);
const struct emu_route *emu_api_route(const struct emu_api *api, const char *key);
/* The API answering at the first path segment `path` (len bytes): its stage
 * or its API mapping path (customDomain.path), or NULL. The one lookup the
 * gateway, @connections and the control pages use (per handshake and per
 * request: a scan of the few APIs, no allocation). */
const struct emu_api *emu_config_api(const struct emu_config *cfg, const char *path, size_t len);

#endif
