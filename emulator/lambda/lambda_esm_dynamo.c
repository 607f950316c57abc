/*
 * lambda_esm_dynamo.c - the store's DynamoDB streams as the record source
 * of event source mappings (lambda_esm.h): dynamo_streams_read and
 * dynamo_streams_seq behind struct lambda_esm_source. Kept apart from
 * the dispatcher so that its unit tests link with a fake source alone.
 * Threading: as dynamo_streams.h (any thread, a read transaction each).
 */
#include "lambda_esm.h"

#include "dynamo_errors.h"

static int dynamo_read(void *arg, const char *table, uint64_t after, int max,
                       struct dynamo_streams_batch *out) {
  struct dynamo_error err;
  int rc;

  dynamo_error_init(&err);
  rc = dynamo_streams_read(arg, table, after, max, out, &err);
  dynamo_error_clear(&err);
  return rc;
}

struct lambda_esm_source lambda_esm_dynamo_source(struct dynamo *db) {
  struct lambda_esm_source s = {dynamo_read, dynamo_streams_seq, db};

  return s;
}
