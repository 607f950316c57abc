/*
 * scenario.h - `wsgw test SCENARIO...`: the declarative scenario runner.
 *
 * A scenario is a JSON file (docs/scenarios.md, docs/scenario.schema.json):
 * a config to start, then steps (connect, send, expect, close, drop, kill,
 * db, dbPut, dbExpectItem, http, fault, faultOff, waitUntil, set) run in
 * order against an emulator of its own, started with the test kit
 * (wsgw_kit.h). The runner prints TAP version 13 on stdout and, with
 * --junit, writes JUnit XML.
 *
 * Three files, one concern each:
 *   scenario.c        arguments, the list of files, worker threads, TAP and
 *                     JUnit output, exit code
 *   scenario_check.c  loading and validating a file against the format (the
 *                     hand-written mirror of docs/scenario.schema.json)
 *   scenario_steps.c  running one validated scenario: the emulator, clients,
 *                     variables and every step
 *
 * Ownership: arguments are borrowed; returned pointers belong to the caller.
 * Threading: scenario_check_* and scenario_steps_run are reentrant; each
 * scenario runs on one thread from start to end.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Bounds (a scenario is input: everything it can grow is capped). */
#define SCENARIO_MAX_FILES 1000            /* scenario files per run */
#define SCENARIO_MAX_FILE_BYTES (1 << 20)  /* size of one scenario file */
#define SCENARIO_MAX_DEPTH 64              /* JSON nesting of a scenario file */
#define SCENARIO_MAX_STEPS 1000            /* steps per scenario */
#define SCENARIO_MAX_CLIENTS 64            /* WebSocket clients per scenario */
#define SCENARIO_MAX_FAULTS 64             /* named faults ("as") per scenario */
#define SCENARIO_MAX_VARS 256              /* variables per scenario */
#define SCENARIO_MAX_NAME 64               /* client, fault and variable names */
#define SCENARIO_MAX_EXPANSION (64 * 1024) /* one string after ${var} expansion */
#define SCENARIO_MAX_TIMEOUT_MS 600000     /* any timeoutMs, silence */
#define SCENARIO_DEFAULT_TIMEOUT_MS 2000   /* expect, dbExpectItem, waitUntil, http */
#define SCENARIO_MAX_JOBS 32

/* `wsgw test [--junit FILE] [--fail-fast] [--jobs N] SCENARIO...`; argv[0]
 * is the first argument after "test". Returns the exit code: 0 all passed,
 * 1 a scenario failed, 2 usage error or invalid scenario. */
int scenario_main(int argc, char **argv);

/* ---- Internal: shared by scenario.c, scenario_check.c, scenario_steps.c ---- */

/* How one scenario ended. The strings are heap-allocated (free with
 * scenario_result_clear); expected, got and received are JSON texts (a
 * string value is a JSON string), so they print as YAML flow scalars. */
struct scenario_result {
  int failed;      /* 0 passed, 1 failed */
  int skipped;     /* 1: not run (--fail-fast) */
  int step;        /* failing step, index into "steps"; -1: start-up */
  char *step_name; /* the step's "name", or NULL */
  char *verb;      /* the step's verb ("expect"), or "start" */
  char *message;   /* one line: "steps[3] (expect alice): ..." */
  char *at;        /* JSON path of the first difference ("$.data"), or NULL */
  char *expected;  /* NULL when not applicable */
  char *got;
  char *received; /* the whole message or response body, when useful */
  double seconds; /* wall time of the scenario */
};

void scenario_result_clear(struct scenario_result *res);

/* Reads and validates a scenario file. Returns the document (caller
 * deletes), or NULL with ONE line in err: "file: path: expected ...". */
cJSON *scenario_check_load(const char *file, char *err, size_t cap);

/* The verb of a step ("expect", or NULL when it has none); *second gets a
 * second verb when the step has two (invalid). "expect" inside a db/http
 * step and "close" inside an expect step are options, not verbs. */
const char *scenario_check_verb(const cJSON *step, const char **second);

/* Validates a parsed document; file only prefixes the message. 0, or -1 with
 * one line in err. The directory of file resolves "configFile". */
int scenario_check_doc(const cJSON *doc, const char *file, char *err, size_t cap);

/* Runs a validated scenario (from scenario_check_load) and fills res
 * (zeroed by the caller). file locates "configFile". */
void scenario_steps_run(const cJSON *doc, const char *file, struct scenario_result *res);

#endif
