/*
 * dynamo_api.c - HTTP entry of the DynamoDB JSON API: framing checks,
 * X-Amz-Target dispatch through dynamo_ops.def, AWS's error envelope.
 * The only place that turns a struct dynamo_error into HTTP.
 *
 * Order of checks (SPEC docs/spec/dynamodb.md 2.1, as dynalite reproduces DynamoDB):
 * content type (404 <UnknownOperationException/>), body size (413), a body
 * cut short or badly chunked (400, never executed), JSON, with nothing but
 * whitespace after it (SerializationException), target (UnknownOperationException),
 * Authorization (MissingAuthenticationTokenException), then the operation.
 *
 * U+0000 (emu_nul.h): this file is the one edge of the DynamoDB layer. A
 * request's \u0000 escapes become C0 80 before cJSON parses it, and every
 * answer is written by write_json, which turns C0 80 back into \u0000 on
 * the wire. In-process callers (handlers, the test kit) use
 * dynamo_api_call_internal and keep C0 80 in both directions, since their
 * cJSON trees cannot hold a NUL.
 *
 * A remote endpoint (dynamo_open_remote, `--dynamodb-endpoint`): the three
 * entry points test db->remote first and hand the call to dynamo_remote.c,
 * after the checks of the HTTP framing (content type, size, a body read
 * whole, Authorization) and fault injection; the JSON, the target and the
 * operation are the remote's to judge.
 */
#include "dynamo_api.h"

#include "aws_sigv4.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dynamo_int.h"
#include "dynamo_remote.h"
#include "emu_faults.h"
#include "emu_id.h"
#include "emu_json.h"
#include "emu_log.h"
#include "emu_nul.h"
#include "emu_utf8.h"
#include "http_util.h"

typedef int op_fn(struct dynamo *db, cJSON *req, cJSON **resp, struct dynamo_error *err);

struct op_row {
  const char *name;
  op_fn *fn;
};

static const struct op_row op_rows[] = {
#define XX(op, fn, doc) {#op, fn},
#include "dynamo_ops.def"
#undef XX
    {NULL, NULL},
};

/* The DynamoDB Streams operations (dynamo_streams_api.c), reached with
 * their full target: DynamoDBStreams_20120810.<Operation>. */
#define STREAMS_PREFIX "DynamoDBStreams_20120810."
static const struct op_row stream_rows[] = {
#define XX(op, fn, doc) {#op, fn},
#include "dynamo_streams_ops.def"
#undef XX
    {NULL, NULL},
};

static const char *const op_names[] = {
#define XX(op, fn, doc) #op,
#include "dynamo_ops.def"
#undef XX
    NULL,
};

const char *const *dynamo_api_operations(void) {
  return op_names;
}

struct dynamo *dynamo_open(const char *dir, const char *region, int mode, char *err, size_t cap) {
  struct dynamo *db = calloc(1, sizeof(*db));

  if (!db) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  if (store_open(dir, mode, &db->store, err, cap) != STORE_OK) {
    free(db);
    return NULL;
  }
  if ((db->tokens = dynamo_tokens_new()) == NULL ||
      (db->tables = dynamo_table_cache_new()) == NULL) {
    dynamo_tokens_free(db->tokens);
    store_close(db->store);
    free(db);
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  snprintf(db->region, sizeof(db->region), "%s", region ? region : "us-east-1");
  db->stream_retention_ms = DYNAMO_STREAMS_DEFAULT_RETENTION_MS;
  /* DEVIATION: one fixed account id, as DynamoDB Local does. */
  snprintf(db->account, sizeof(db->account), "000000000000");
  return db;
}

struct dynamo *dynamo_open_remote(const char *url, const char *region, char *err, size_t cap) {
  struct dynamo *db = calloc(1, sizeof(*db));

  if (!db) {
    snprintf(err, cap, "out of memory");
    return NULL;
  }
  if (!(db->remote = dynamo_remote_new(url, region, err, cap))) {
    free(db);
    return NULL;
  }
  snprintf(db->region, sizeof(db->region), "%s", dynamo_remote_region(db->remote));
  return db;
}

const char *dynamo_endpoint(const struct dynamo *db) {
  return db->remote ? dynamo_remote_url(db->remote) : NULL;
}

void dynamo_set_faults(struct dynamo *db, struct emu_faults *faults) {
  db->faults = faults;
}

void dynamo_set_auth(struct dynamo *db, const struct aws_sigv4_key *keys, size_t nkeys) {
  db->keys = nkeys ? keys : NULL;
  db->nkeys = nkeys;
}

void dynamo_set_cors(struct dynamo *db, int on) {
  db->cors = on;
}

cJSON *dynamo_store_stats(struct dynamo *db) {
  struct store_stats st;
  cJSON *o = cJSON_CreateObject();

  if (db->remote) {
    /* No local store is open: nothing to count. */
    cJSON_AddStringToObject(o, "endpoint", dynamo_remote_url(db->remote));
    return o;
  }
  store_get_stats(db->store, &st);
  cJSON_AddNumberToObject(o, "writes", (double)st.writes);
  cJSON_AddNumberToObject(o, "batches", (double)st.batches);
  cJSON_AddNumberToObject(o, "commitMicros", (double)st.commit_us);
  return o;
}

void dynamo_close(struct dynamo *db) {
  if (!db)
    return;
  dynamo_remote_free(db->remote);
  if (db->store)
    store_close(db->store);
  dynamo_tokens_free(db->tokens);
  dynamo_table_cache_free(db->tables);
  free(db);
}

/* Every answer's JSON text goes out here. wire: C0 80 (U+0000 inside
 * wsgw) is written as \u0000; the scan is a memchr when there is none. */
static void write_json(struct emu_buf *out, const cJSON *o, int wire) {
  char *text = cJSON_PrintUnformatted(o);

  emu_buf_reset(out);
  if (text && wire)
    emu_json_nul_escape(out, text, strlen(text));
  else if (text)
    emu_buf_puts(out, text);
  cJSON_free(text);
}

static int write_error(struct emu_buf *out, const struct dynamo_error *err, int wire) {
  cJSON *o = dynamo_error_to_json(err);

  write_json(out, o, wire);
  cJSON_Delete(o);
  return dynamo_error_status(err->code);
}

/* Fault injection: chosen operations or tables fail as DynamoDB does under
 * load (SPEC docs/spec/dynamodb.md 2.3: SDKs retry 5xx, ThrottlingException
 * and ProvisionedThroughputExceededException). The error's status when a
 * fault fires (the answer is written), else 0. */
static int fault_fired(struct dynamo *db, const char *operation, const cJSON *req,
                       struct emu_buf *out, int wire) {
  const cJSON *tn = cJSON_GetObjectItemCaseSensitive(req, "TableName");
  struct dynamo_error err;
  const char *fault;
  enum dynamo_error_code code;

  if (!emu_faults_dynamodb(db->faults, operation, cJSON_IsString(tn) ? tn->valuestring : NULL,
                           &fault))
    return 0;
  code = dynamo_error_from_name(fault);
  dynamo_error_init(&err);
  dynamo_error_set(&err, code, "%s",
                   code == DYNAMO_ERR_PROVISIONED_THROUGHPUT_EXCEEDED
                       ? "The level of configured provisioned throughput for the table was "
                         "exceeded. Consider increasing your provisioning level with the "
                         "UpdateTable API."
                   : code == DYNAMO_ERR_THROTTLING
                       ? "Rate of requests exceeds the allowed throughput."
                       : "Internal server error");
  return write_error(out, &err, wire);
}

/* With a remote: the fault injection of call_parsed, for a body not parsed
 * otherwise. It is parsed only while some fault is in force. */
static int remote_fault_fired(struct dynamo *db, const char *operation, const char *body,
                              size_t len, struct emu_buf *out, int wire) {
  unsigned found;
  cJSON *req;
  int status;

  if (!emu_faults_armed(db->faults) || !len)
    return 0;
  found = emu_json_scan(body, len, EMU_JSON_MAX_DEPTH);
  if (found & EMU_JSON_TOO_DEEP)
    return 0;
  req = emu_json_parse_nul(body, len, found);
  status = fault_fired(db, operation, req, out, wire);
  cJSON_Delete(req);
  return status;
}

/* Runs operation on a parsed request (req is consumed). */
static int call_parsed(struct dynamo *db, const char *operation, cJSON *req, struct emu_buf *out,
                       int wire) {
  const struct op_row *row;
  struct dynamo_error err;
  cJSON *resp = NULL;
  int status;

  dynamo_error_init(&err);
  row = op_rows;
  /* SPEC: docs/spec/dynamodb-streams.md 5.1: the Streams API on the same
   * port, told apart by its target prefix. */
  if (strncmp(operation, STREAMS_PREFIX, sizeof(STREAMS_PREFIX) - 1) == 0) {
    row = stream_rows;
    operation += sizeof(STREAMS_PREFIX) - 1;
  }
  for (; row->name; row++)
    if (strcmp(row->name, operation) == 0)
      break;
  if (!row->name) {
    cJSON_Delete(req);
    dynamo_error_set(&err, DYNAMO_ERR_UNKNOWN_OPERATION, NULL);
    return write_error(out, &err, wire);
  }
  if ((status = fault_fired(db, operation, req, out, wire)) != 0) {
    cJSON_Delete(req);
    return status;
  }
  /* SPEC docs/spec/dynamodb.md 2.25: an item operation's member constraints,
   * all violations at once, before the operation looks further. */
  if (dynamo_members_check(operation, req, &err) != 0 || row->fn(db, req, &resp, &err) != 0) {
    if (err.code == DYNAMO_OK)
      dynamo_error_set(&err, DYNAMO_ERR_INTERNAL_SERVER_ERROR, "Internal server error");
    status = write_error(out, &err, wire);
    if (status >= 500)
      emu_log_error("dynamodb", "%s: %s", operation, err.message);
    dynamo_error_clear(&err);
  } else {
    status = 200;
    if (resp)
      write_json(out, resp, wire);
    else
      emu_buf_puts(out, "{}");
  }
  cJSON_Delete(resp);
  cJSON_Delete(req);
  return status;
}

/* SPEC docs/spec/dynamodb.md 2.1: an empty or unparseable body ->
 * SerializationException (no message). Returns NULL after writing it.
 * wire: the body came from outside the process (see the file header). */
static cJSON *parse_request(const char *body, size_t len, struct emu_buf *out, int *status,
                            int wire) {
  struct dynamo_error err;
  unsigned found = len ? emu_json_scan(body, len, EMU_JSON_MAX_DEPTH) : 0;
  cJSON *req;

  dynamo_error_init(&err);
  if (found & EMU_JSON_TOO_DEEP) {
    /* SPEC docs/spec/dynamodb.md 2.1: nesting is limited to 32 levels; the server must
     * not overflow its stack on a 200 000-deep document. */
    dynamo_error_set(&err, DYNAMO_ERR_VALIDATION,
                     "Nesting Levels have exceeded supported limits: Attributes in the item have "
                     "nested levels beyond supported limit");
    *status = write_error(out, &err, wire);
    return NULL;
  }
  if (wire ? (found & EMU_JSON_RAW_C0C1) || !emu_utf8_valid(body, len)
           : !emu_nul_utf8_valid(body, len)) {
    /* SPEC docs/spec/dynamodb.md 2.1: a body that is not parseable JSON ->
     * SerializationException; JSON text is UTF-8, so a body that is not
     * (a Latin-1 string, a raw C0/C1 byte, which would also read as U+0000
     * here: emu_nul.h) is one of those [unverified]. From inside the
     * process C0 80 is U+0000 and the rest must be UTF-8 all the same: a
     * handler's SDK in AWS would send it on the wire. */
    dynamo_error_set(&err, DYNAMO_ERR_SERIALIZATION, NULL);
    *status = write_error(out, &err, wire);
    return NULL;
  }
  /* U+0000 in a string: rewritten as C0 80 (emu_nul.h), which cJSON
   * carries, on a copy (rare; the body is the caller's).
   * SPEC docs/spec/dynamodb.md 2.1: a body that is not one JSON document is a
   * SerializationException; bytes after the object other than JSON
   * whitespace ("{} xx") make it not one document (emu_json_parse_nul). */
  req = len ? emu_json_parse_nul(body, len, found) : NULL;
  if (cJSON_IsObject(req))
    return req;
  cJSON_Delete(req);
  dynamo_error_set(&err, DYNAMO_ERR_SERIALIZATION, NULL);
  *status = write_error(out, &err, wire);
  return NULL;
}

/* A call for the remote endpoint: faults first, then the endpoint's
 * answer. wire: the body is wire JSON (else in-process, emu_nul.h). */
static int call_remote(struct dynamo *db, const char *operation, const char *body, size_t len,
                       struct emu_buf *out, int wire) {
  char target[128], rid[128];
  int status = remote_fault_fired(db, operation, body, len, out, wire);

  if (status)
    return status;
  if (!wire)
    return dynamo_remote_call_internal(db->remote, operation, body, len, out);
  /* DEVIATION: a Streams operation goes to the endpoint as it came (another
   * wsgw serves it; AWS serves it at streams.dynamodb.REGION.amazonaws.com,
   * not at the DynamoDB endpoint, so it answers UnknownOperationException). */
  if (strncmp(operation, STREAMS_PREFIX, sizeof(STREAMS_PREFIX) - 1) == 0)
    snprintf(target, sizeof(target), "%.100s", operation);
  else
    snprintf(target, sizeof(target), "DynamoDB_20120810.%.64s", operation);
  return dynamo_remote_call(db->remote, target, NULL, body, len, out, rid, sizeof(rid));
}

int dynamo_api_call(struct dynamo *db, const char *operation, const char *body, size_t len,
                    struct emu_buf *out) {
  int status = 400;
  cJSON *req;

  if (db->remote)
    return call_remote(db, operation, body, len, out, 1);
  req = parse_request(body, len, out, &status, 1);

  return req ? call_parsed(db, operation, req, out, 1) : status;
}

int dynamo_api_call_internal(struct dynamo *db, const char *operation, const char *body, size_t len,
                             struct emu_buf *out) {
  int status = 400;
  cJSON *req;

  if (db->remote)
    return call_remote(db, operation, body, len, out, 0);
  req = parse_request(body, len, out, &status, 0);

  return req ? call_parsed(db, operation, req, out, 0) : status;
}

/* dynalite's 52 upper-case characters; any unique token is accepted. */
static void request_id(char out[53]) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  int i = 0, k;

  /* Twelve base-36 digits per 64-bit draw (36^12 < 2^64). */
  while (i < 52) {
    uint64_t r = emu_id_random64();
    for (k = 0; k < 12 && i < 52; k++, i++, r /= 36)
      out[i] = alphabet[r % 36];
  }
  out[52] = '\0';
}

/* The request headers the API reads, found in one pass (civetweb's
 * mg_get_header scans every header per call). */
struct req_headers {
  const char *content_type, *target, *authorization, *origin, *req_headers;
};

static void read_headers(const struct mg_request_info *ri, struct req_headers *h) {
  int i;

  memset(h, 0, sizeof(*h));
  for (i = 0; i < ri->num_headers; i++) {
    const char *n = ri->http_headers[i].name, *v = ri->http_headers[i].value;
    const char **slot = NULL;
    if (strcasecmp(n, "Content-Type") == 0)
      slot = &h->content_type;
    else if (strcasecmp(n, "X-Amz-Target") == 0)
      slot = &h->target;
    else if (strcasecmp(n, "Authorization") == 0)
      slot = &h->authorization;
    else if (strcasecmp(n, "Origin") == 0)
      slot = &h->origin;
    else if (strcasecmp(n, "Access-Control-Request-Headers") == 0)
      slot = &h->req_headers;
    if (slot && !*slot) /* the first one, as mg_get_header */
      *slot = v;
  }
}

/* close: answer with "Connection: close" (the request body was not read
 * whole, so the connection is out of step). remote_rid: the request id a
 * remote endpoint gave, or NULL/"": a new one. */
static void send_response(struct mg_connection *conn, const struct req_headers *rh, int status,
                          const char *body, size_t len, const char *content_type, int close,
                          const char *remote_rid) {
  struct http_header h[4];
  char rid[53], crc[24];
  size_t n = 0;

  request_id(rid);
  if (remote_rid && *remote_rid)
    snprintf(rid, sizeof(rid), "%s", remote_rid);
  /* SPEC docs/spec/dynamodb.md 2.2: x-amz-crc32 is the CRC-32 of the body bytes, as
   * an unsigned decimal, on errors too. */
  http_util_format_u64(crc, http_util_crc32(body, len));
  h[n].name = "x-amzn-RequestId";
  h[n++].value = rid;
  h[n].name = "x-amz-crc32";
  h[n++].value = crc;
  if (rh->origin) {
    h[n].name = "Access-Control-Allow-Origin";
    h[n++].value = "*";
  }
  if (close) {
    h[n].name = "Connection";
    h[n++].value = "close";
  }
  http_util_send(conn, status, content_type, h, n, body, len);
}

/* --auth sigv4: the answer to a request whose signature does not verify. */
static int write_signature_error(struct emu_buf *out, enum aws_sigv4_result r) {
  struct dynamo_error err;

  dynamo_error_init(&err);
  /* SPEC docs/spec/dynamodb.md 2.1: no Authorization ->
   * MissingAuthenticationTokenException; a malformed one ->
   * IncompleteSignatureException; an unknown access key ->
   * UnrecognizedClientException; another signature ->
   * InvalidSignatureException; all 400. */
  if (r == AWS_SIGV4_MISSING)
    dynamo_error_set(&err, DYNAMO_ERR_MISSING_AUTH_TOKEN,
                     "Request is missing Authentication Token");
  else if (r == AWS_SIGV4_MALFORMED)
    dynamo_error_set(&err, DYNAMO_ERR_INCOMPLETE_SIGNATURE,
                     "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
                     "parameters and an X-Amz-Date header.");
  else if (r == AWS_SIGV4_UNKNOWN_KEY)
    dynamo_error_set(&err, DYNAMO_ERR_UNRECOGNIZED_CLIENT,
                     "The security token included in the request is invalid.");
  else
    dynamo_error_set(&err, DYNAMO_ERR_INVALID_SIGNATURE,
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your AWS Secret Access Key and signing method. Consult the "
                     "service documentation for details.");
  return write_error(out, &err, 1);
}

static void serve_preflight(struct mg_connection *conn, const struct req_headers *rh) {
  const char *req_headers = rh->req_headers;
  struct http_header h[5];
  char rid[53];
  size_t n = 0;

  request_id(rid);
  h[n].name = "x-amzn-RequestId";
  h[n++].value = rid;
  /* SPEC docs/spec/dynamodb.md 2.1: OPTIONS with an Origin header gets a CORS
   * preflight answer (200, Access-Control-Allow-*, max-age 172800). */
  h[n].name = "Access-Control-Allow-Origin";
  h[n++].value = "*";
  h[n].name = "Access-Control-Max-Age";
  h[n++].value = "172800";
  h[n].name = "Access-Control-Allow-Methods";
  h[n++].value = "GET, POST, OPTIONS";
  if (req_headers) {
    h[n].name = "Access-Control-Allow-Headers";
    h[n++].value = req_headers;
  }
  http_util_send(conn, 200, NULL, h, n, "", 0);
}

/* Whether the request carries a signature (header or presigned query). */
static int is_signed(const struct mg_request_info *ri, const struct req_headers *rh) {
  return rh->authorization || (ri->query_string && strstr(ri->query_string, "X-Amz-Algorithm="));
}

/* A request read whole, for the remote endpoint: the body bytes, the
 * X-Amz-Target and the content type go as they came, signed again with
 * wsgw's credentials. Returns the status; rid gets the remote's request
 * id. */
static int serve_remote(struct dynamo *db, const struct mg_request_info *ri,
                        const struct req_headers *rh, const struct emu_buf *body,
                        struct emu_buf *out, char *rid, size_t cap) {
  const char *dot = rh->target ? strchr(rh->target, '.') : NULL;
  char op[64];
  int status;

  if (!is_signed(ri, rh)) {
    /* SPEC docs/spec/dynamodb.md 2.1: missing Authorization -> 400
     * MissingAuthenticationTokenException, as the endpoint would answer
     * the client's unsigned request (wsgw signs what it forwards). */
    struct dynamo_error err;
    dynamo_error_init(&err);
    dynamo_error_set(&err, DYNAMO_ERR_MISSING_AUTH_TOKEN,
                     "Request is missing Authentication Token");
    return write_error(out, &err, 1);
  }
  snprintf(op, sizeof(op), "%s", dot ? dot + 1 : "");
  if ((status = remote_fault_fired(db, op, body->data, body->len, out, 1)) != 0)
    return status;
  return dynamo_remote_call(db->remote, rh->target, rh->content_type, body->data ? body->data : "",
                            body->len, out, rid, cap);
}

void dynamo_api_deny(struct mg_connection *conn, const char *message) {
  struct req_headers none;
  struct dynamo_error err;
  struct emu_buf out;
  int status;

  memset(&none, 0, sizeof(none));
  emu_buf_init(&out, 64 * 1024);
  dynamo_error_init(&err);
  dynamo_error_set(&err, DYNAMO_ERR_ACCESS_DENIED, "%s", message);
  status = write_error(&out, &err, 1);
  send_response(conn, &none, status, out.data, out.len, "application/x-amz-json-1.0", 1, NULL);
  emu_buf_free(&out);
}

void dynamo_api_serve(struct dynamo *db, struct mg_connection *conn) {
  static const char not_found[] = "<UnknownOperationException/>\n";
  static const char json10[] = "application/x-amz-json-1.0";
  const struct mg_request_info *ri = mg_get_request_info(conn);
  struct req_headers rh;
  const char *ctype, *target, *dot;
  struct dynamo_error err;
  struct emu_buf body, out;
  enum http_body rc;
  int status;
  char remote_rid[128] = "";
  enum aws_sigv4_result sig;

  read_headers(ri, &rh);
  /* DEVIATION: DynamoDB answers every Origin (it needs a signature made with
   * a secret key, which a page does not have); wsgw checks no signature, so
   * without --cors it ignores Origin: no preflight answer (an OPTIONS is a
   * 404 like any other method) and no Access-Control-Allow-Origin. */
  if (!db->cors)
    rh.origin = NULL;
  ctype = rh.content_type;
  target = rh.target;
  if (strcmp(ri->request_method, "OPTIONS") == 0 && rh.origin) {
    serve_preflight(conn, &rh);
    return;
  }
  /* SPEC docs/spec/dynamodb.md 2.1: non-POST, or a missing/other content type ->
   * 404 with body <UnknownOperationException/>. */
  if (strcmp(ri->request_method, "POST") != 0 || !ctype ||
      (strncasecmp(ctype, json10, sizeof(json10) - 1) != 0 &&
       strncasecmp(ctype, "application/json", 16) != 0)) {
    send_response(conn, &rh, 404, not_found, sizeof(not_found) - 1, "text/plain", 0, NULL);
    return;
  }
  emu_buf_init(&body, DYNAMO_MAX_REQUEST_BYTES);
  emu_buf_init(&out, (size_t)64 * 1024 * 1024);
  dynamo_error_init(&err);
  rc = http_util_read_body(conn, &body);
  if (rc == HTTP_BODY_TOO_LARGE) {
    /* SPEC docs/spec/dynamodb.md 2.1: request body limit 16 MB -> HTTP 413. */
    dynamo_error_set(&err, DYNAMO_ERR_REQUEST_TOO_LARGE, "Request must be smaller than %d bytes",
                     DYNAMO_MAX_REQUEST_BYTES);
    status = write_error(&out, &err, 1);
  } else if (rc != HTTP_BODY_OK) {
    /* A body cut short (Content-Length not reached before the request
     * timeout or EOF) or bad chunking is never executed.
     * DEVIATION: what DynamoDB's front end answers is [unverified]; we
     * answer at once, 400 SerializationException (the body is not a JSON
     * document) with a message saying why, and close the connection. */
    dynamo_error_set(&err, DYNAMO_ERR_SERIALIZATION, "%s", http_util_body_message(rc));
    status = write_error(&out, &err, 1);
  } else if (db->keys && (sig = aws_sigv4_verify_http(ri, body.data, body.len, "dynamodb", db->keys,
                                                      db->nkeys)) != AWS_SIGV4_OK) {
    status = write_signature_error(&out, sig);
  } else if (db->remote) {
    status = serve_remote(db, ri, &rh, &body, &out, remote_rid, sizeof(remote_rid));
  } else {
    cJSON *req = parse_request(body.data, body.len, &out, &status, 1);
    dot = target ? strchr(target, '.') : NULL;
    if (!req) {
      /* the SerializationException is written */
    } else if (!dot || (strncmp(target, "DynamoDB_20120810.", 18) != 0 &&
                        strncmp(target, STREAMS_PREFIX, sizeof(STREAMS_PREFIX) - 1) != 0)) {
      dynamo_error_set(&err, DYNAMO_ERR_UNKNOWN_OPERATION, NULL);
      status = write_error(&out, &err, 1);
    } else if (!is_signed(ri, &rh)) {
      /* SPEC docs/spec/dynamodb.md 2.1: missing Authorization -> 400
       * MissingAuthenticationTokenException "Request is missing
       * Authentication Token". Any signature is accepted. */
      dynamo_error_set(&err, DYNAMO_ERR_MISSING_AUTH_TOKEN,
                       "Request is missing Authentication Token");
      status = write_error(&out, &err, 1);
    } else {
      /* A Streams operation keeps its prefix (call_parsed). */
      int streams = strncmp(target, STREAMS_PREFIX, sizeof(STREAMS_PREFIX) - 1) == 0;
      status = call_parsed(db, streams ? target : dot + 1, req, &out, 1);
      req = NULL;
    }
    cJSON_Delete(req);
  }
  send_response(conn, &rh, status, out.data ? out.data : "", out.len, json10,
                rc == HTTP_BODY_INCOMPLETE || rc == HTTP_BODY_MALFORMED, remote_rid);
  emu_buf_free(&body);
  emu_buf_free(&out);
}
