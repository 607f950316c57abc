/*
 * ws_client.h - a small blocking RFC 6455 WebSocket client for tests.
 *
 * Purpose: drive the emulator's WebSocket endpoint the way a real client
 * would (masked frames, handshake headers, subprotocols), and also the way
 * a misbehaving one would (binary frames, oversized frames, invalid UTF-8,
 * dropped sockets), so integration tests can check API Gateway's answers.
 *
 * Scope: plain ws:// over IPv4 to 127.0.0.1 only; no TLS, no extensions.
 * The handshake checks the 101 status but does not verify
 * Sec-WebSocket-Accept (tests exercise the server, not the client).
 *
 * Every wait has a deadline (poll(2) with a timeout; there are no sleeps).
 * Buffers are bounded: a handshake response may be at most
 * WS_CLIENT_MAX_HEAD bytes, a received frame or message at most
 * WS_CLIENT_MAX_PAYLOAD bytes; anything larger is an error.
 *
 * Ownership: ws_client_connect returns a client the caller owns and
 * releases with ws_client_free. A frame filled by ws_client_recv or
 * ws_client_recv_message owns its payload; release it with
 * ws_client_frame_free. Strings returned by ws_client_header live as long
 * as the client.
 * Threading: a client is used by one thread at a time; distinct clients
 * are independent.
 */
#ifndef WS_CLIENT_H
#define WS_CLIENT_H

#include <stddef.h>

#define WS_CLIENT_MAX_HEAD 8192                  /* handshake response head */
#define WS_CLIENT_MAX_HEADERS 32                 /* response header lines kept */
#define WS_CLIENT_MAX_PAYLOAD (1024 * 1024)      /* one received frame/message */
#define WS_CLIENT_DEFAULT_TIMEOUT_MS 5000        /* handshake and sends */

/* RFC 6455 5.2 opcodes. */
enum ws_client_opcode {
  WS_CLIENT_CONTINUATION = 0x0,
  WS_CLIENT_TEXT = 0x1,
  WS_CLIENT_BINARY = 0x2,
  WS_CLIENT_CLOSE = 0x8,
  WS_CLIENT_PING = 0x9,
  WS_CLIENT_PONG = 0xA,
};

/* Results of the receive functions (0 is success). */
enum ws_client_result {
  WS_CLIENT_OK = 0,
  WS_CLIENT_ERROR = -1,   /* I/O or protocol error; the client is unusable */
  WS_CLIENT_TIMEOUT = -2, /* nothing (complete) arrived before the deadline */
  WS_CLIENT_EOF = -3,     /* the server closed the TCP connection */
};

struct ws_client; /* opaque */

/* One received frame (or, from ws_client_recv_message, one whole message). */
struct ws_client_frame {
  int opcode;       /* enum ws_client_opcode */
  int fin;          /* FIN bit (always 1 for a whole message) */
  char *data;       /* payload, NUL-terminated (owned; may hold NULs) */
  size_t len;       /* payload length, without the terminator */
  int close_code;   /* CLOSE only: the status code, 1005 when absent */
  const char *close_reason; /* CLOSE only: points into data, "" when absent */
};

/*
 * Opens a TCP connection to 127.0.0.1:port and performs the handshake.
 *   path_and_query  "/dev" or "/dev?status=403" (sent as is)
 *   headers         NULL, or a NULL-terminated list of "Name: value" lines
 *   protocol        NULL, or the Sec-WebSocket-Protocol value to offer
 *   timeout_ms      deadline for connect + response (<= 0: the default)
 * Returns a client once an HTTP response head was read, whatever its
 * status: check ws_client_status (101 on success, else the rejection
 * status, after which only the accessors are useful). Returns NULL when no
 * response head could be read (connection refused, timeout, garbage).
 */
struct ws_client *ws_client_connect(int port, const char *path_and_query,
                                    const char *const *headers, const char *protocol,
                                    int timeout_ms);

/* The handshake's HTTP status (101 when upgraded). */
int ws_client_status(const struct ws_client *c);
/* A response header's value (name case-insensitive), or NULL if absent. */
const char *ws_client_header(const struct ws_client *c, const char *name);
/* The response's Sec-WebSocket-Protocol, or NULL if the server sent none. */
const char *ws_client_protocol(const struct ws_client *c);

/*
 * Sending. Every frame is masked with a fresh key (RFC 6455 5.3). Each
 * returns 0, or -1 if the frame could not be written before the deadline
 * (WS_CLIENT_DEFAULT_TIMEOUT_MS) or the socket failed. Never raises SIGPIPE.
 */
int ws_client_send_frame(struct ws_client *c, int opcode, int fin, const void *data,
                         size_t len);
int ws_client_send_text(struct ws_client *c, const char *text);
int ws_client_send_binary(struct ws_client *c, const void *data, size_t len);
int ws_client_send_ping(struct ws_client *c, const void *data, size_t len);
/* code 0 sends a close frame without a status code (and without reason);
 * otherwise code and the optional reason (truncated to 123 bytes). */
int ws_client_send_close(struct ws_client *c, int code, const char *reason);
/* One text message split into frames of at most fragment_size bytes
 * (TEXT, CONTINUATION..., the last with FIN). fragment_size must be > 0. */
int ws_client_send_fragmented_text(struct ws_client *c, const char *text, size_t len,
                                   size_t fragment_size);

/*
 * Receiving. ws_client_recv reads the next frame, whatever its opcode.
 * ws_client_recv_message reads the next message: control frames (PING,
 * PONG, CLOSE) are returned as they arrive; fragmented data frames are
 * joined into one TEXT/BINARY frame with fin = 1.
 * Both wait at most timeout_ms and return enum ws_client_result; on
 * WS_CLIENT_OK *out is filled and must be freed with ws_client_frame_free.
 * A timeout in the middle of a frame leaves the client unusable (ERROR
 * from then on).
 */
int ws_client_recv(struct ws_client *c, int timeout_ms, struct ws_client_frame *out);
int ws_client_recv_message(struct ws_client *c, int timeout_ms, struct ws_client_frame *out);
void ws_client_frame_free(struct ws_client_frame *f);

/* Reads frames until a CLOSE arrives (data frames are discarded), echoes
 * the close as RFC 6455 5.5.1 asks, and stores its status code in *code
 * (1005 if the frame had none). Returns enum ws_client_result. */
int ws_client_expect_close(struct ws_client *c, int timeout_ms, int *code);

/* The clean end: sends CLOSE(code, reason) and waits up to timeout_ms for
 * the server's CLOSE. Returns enum ws_client_result. The socket stays
 * open until ws_client_free. */
int ws_client_close(struct ws_client *c, int code, const char *reason, int timeout_ms);

/* Ends the TCP connection without a close frame (shutdown + close): the
 * server sees an abnormal closure (1006). The client stays allocated. */
void ws_client_drop(struct ws_client *c);

/* Closes the socket if still open (without a close frame) and frees c.
 * NULL is allowed. */
void ws_client_free(struct ws_client *c);

#endif
