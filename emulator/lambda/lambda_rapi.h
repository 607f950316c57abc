/*
 * lambda_rapi.h - the wire of AWS Lambda's Runtime API
 * (docs/spec/lambda-runtime.md): one HTTP/1.1 request read from bytes, the
 * Runtime API route its method and path name, and the responses written
 * back. lambda_procs serves it, one endpoint per runtime process.
 *
 * Only what a runtime client sends is understood: a request line, headers,
 * a body framed by Content-Length or chunked transfer coding. Heads are
 * capped at LAMBDA_RAPI_HEAD_MAX bytes and bodies at
 * LAMBDA_RAPI_PAYLOAD_MAX, so no client makes the server buffer more.
 *
 * Threading: pure functions over the caller's buffers.
 */
#ifndef LAMBDA_RAPI_H
#define LAMBDA_RAPI_H

#include <stddef.h>
#include <stdint.h>

#include "emu_buf.h"

/* SPEC docs/spec/lambda-runtime.md 4: a synchronous invocation's
 * response is at most 6 MB (6291456 bytes). */
#define LAMBDA_RAPI_PAYLOAD_MAX 6291456
/* The request line and headers of one request, at most. */
#define LAMBDA_RAPI_HEAD_MAX 16384
/* The longest request id a path may carry (longer ones are unknown ids). */
#define LAMBDA_RAPI_ID_MAX 128

/* What lambda_rapi_parse found at the start of a buffer. */
enum lambda_rapi_status {
  LAMBDA_RAPI_INCOMPLETE,     /* more bytes are needed */
  LAMBDA_RAPI_COMPLETE,       /* one whole request: total bytes long */
  LAMBDA_RAPI_MALFORMED,      /* not HTTP/1.x as a runtime client sends it */
  LAMBDA_RAPI_HEAD_TOO_LARGE, /* no end of head within LAMBDA_RAPI_HEAD_MAX */
  LAMBDA_RAPI_BODY_TOO_LARGE, /* the body exceeds LAMBDA_RAPI_PAYLOAD_MAX; with a
                                 Content-Length, head_len and content_length say
                                 how many bytes to skip */
};

struct lambda_rapi_request {
  char method[16];
  char target[512];       /* the request target, query string included */
  size_t head_len;        /* bytes of the request line and headers */
  size_t total;           /* COMPLETE: bytes of the whole request */
  int64_t content_length; /* -1 without the header */
  int chunked;            /* Transfer-Encoding: chunked */
  int close;              /* the connection ends after the answer */
  int expect_continue;    /* Expect: 100-continue (curl sends it before larger bodies) */
  char error_type[128];   /* Lambda-Runtime-Function-Error-Type, or "" */
};

/* Parses the request at buf[0..len) into req. */
enum lambda_rapi_status lambda_rapi_parse(const char *buf, size_t len,
                                          struct lambda_rapi_request *req);
/* Appends the body of a COMPLETE request that starts at buf to out
 * (decoding a chunked body). 0, or -1 when out's limit is reached. */
int lambda_rapi_body(const char *buf, const struct lambda_rapi_request *req, struct emu_buf *out);

/* The Runtime API's resources. */
enum lambda_rapi_route {
  LAMBDA_RAPI_NEXT,       /* GET  /2018-06-01/runtime/invocation/next */
  LAMBDA_RAPI_RESPONSE,   /* POST /2018-06-01/runtime/invocation/{id}/response */
  LAMBDA_RAPI_ERROR,      /* POST /2018-06-01/runtime/invocation/{id}/error */
  LAMBDA_RAPI_INIT_ERROR, /* POST /2018-06-01/runtime/init/error */
  LAMBDA_RAPI_NOT_FOUND,  /* no such resource */
  LAMBDA_RAPI_BAD_METHOD, /* a resource, another method */
};

/* The route of method and target; for RESPONSE and ERROR the request id
 * (at most LAMBDA_RAPI_ID_MAX bytes, else NOT_FOUND) goes to id. */
enum lambda_rapi_route lambda_rapi_route(const char *method, const char *target,
                                         char id[LAMBDA_RAPI_ID_MAX + 1]);

/* Appends a response: status line, Content-Type (when not NULL),
 * Content-Length, "Connection: close" when close, extra_headers (whole
 * "Name: value\r\n" lines, may be NULL), then the body. 0, or -1 at out's
 * limit. */
int lambda_rapi_respond(struct emu_buf *out, int status, const char *content_type,
                        const char *extra_headers, const char *body, size_t len, int close);
/* Appends a JSON error response {"errorMessage":..., "errorType":...}. */
int lambda_rapi_respond_error(struct emu_buf *out, int status, const char *error_type,
                              const char *message, int close);

/* From the body and header of a POST to /error or /init/error: the error's
 * type and message for the invocation's result. The body's errorType wins
 * over the header's; a body that is not the JSON error document becomes
 * the message as text. */
void lambda_rapi_error_fields(const char *body, size_t len, const char *header_type, char *type,
                              size_t type_cap, char *message, size_t message_cap);

/* A Lambda-Runtime-Trace-Id value: "Root=1-<8 hex epoch seconds>-<24 hex>;
 * Parent=<16 hex>;Sampled=0". cap >= 80. */
void lambda_rapi_trace_id(int64_t epoch_ms, char *out, size_t cap);

#endif
