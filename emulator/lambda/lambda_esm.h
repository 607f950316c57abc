/*
 * lambda_esm.h - event source mappings: a DynamoDB table's stream feeding a
 * function, as Lambda's event source mappings do (the config's
 * "eventSourceMappings", struct emu_esm).
 *
 * Each enabled mapping has a worker thread. It reads the stream after its
 * position (its checkpoint), drops the records its filters do not match,
 * gathers a batch (batchSize, maximumBatchingWindowInSeconds), invokes the
 * function through lambda_invoke with Lambda's DynamoDB event
 * {"Records": [...]} and moves its position past the batch when the
 * function succeeded. A failed batch blocks the stream and is retried
 * (with a growing pause) until it succeeds, maximumRetryAttempts is spent
 * or its records are trimmed; bisectBatchOnFunctionError halves it and
 * ReportBatchItemFailures checkpoints before the lowest failed item.
 * SPEC: docs/spec/lambda-esm.md.
 *
 * The records come from a struct lambda_esm_source: the store's streams
 * (lambda_esm_dynamo_source, through dynamo_streams.h) or a test's fake.
 * The source's listener calls lambda_esm_notify after each commit, so
 * delivery starts within milliseconds; workers also poll once a second
 * (a stream created later, trimming).
 *
 * Positions live in memory only. DEVIATION: a restarted wsgw starts each
 * mapping afresh at its startingPosition (Lambda keeps its checkpoint).
 *
 * Ownership and lifetime: lambda_esm_deploy hands over a deployment's
 * mappings (configs and resolved targets, alive as long as `owner`); a
 * worker holds the owner (lambda_runtime's owner hooks) while it uses
 * them, so a reload can publish a new deployment at any time. A reload
 * that keeps a mapping (same table, same function name) keeps its worker
 * and position; one that removes it stops it.
 * Threading: every function may be called from any thread; deploy and
 * free are serialised by the caller (the server's reloader).
 */
#ifndef LAMBDA_ESM_H
#define LAMBDA_ESM_H

#include <stddef.h>
#include <stdint.h>

#include "dynamo_streams.h"
#include "emu_config.h"
#include "lambda_invoke.h"

/* Where records come from. read: dynamo_streams_read's contract (0 with
 * *out filled; -1 when the table or its stream does not exist); seq:
 * dynamo_streams_seq's (a record's sequence number). */
struct lambda_esm_source {
  int (*read)(void *arg, const char *table, uint64_t after, int max,
              struct dynamo_streams_batch *out);
  uint64_t (*seq)(const cJSON *record);
  void *arg;
};

struct lambda_esm;

/* A dispatcher invoking through rt (its faults, invocation log, owner
 * hooks). src is copied. NULL when out of memory. */
struct lambda_esm *lambda_esm_new(struct lambda_runtime *rt, const struct lambda_esm_source *src);
/* Stops every worker (each finishes the invocation it is in) and frees. */
void lambda_esm_free(struct lambda_esm *esm);
/* Makes maps[0..n) (targets[i] resolved for maps[i]; both alive while
 * `owner` is) the running set: kept mappings keep their position, new
 * ones start, missing ones stop. 0, or -1 when a thread cannot start. */
int lambda_esm_deploy(struct lambda_esm *esm, const struct emu_esm *maps,
                      const struct lambda_target *targets, size_t n, void *owner);
/* New records were committed to `table`: wakes its mappings' workers.
 * Only signals (safe inside a write request); the signature of
 * dynamo_streams_listener, with arg the dispatcher. */
void lambda_esm_notify(void *esm, const char *table);
/* The store's streams as a source (lambda_esm_source.arg = db). */
struct lambda_esm_source lambda_esm_dynamo_source(struct dynamo *db);

#endif
