/*
 * kit_ws.h - a small blocking RFC 6455 WebSocket client for tests: the
 * client inside the test kit (wsgw_kit.c), which exposes what tests need of
 * it (frames, handshake answers) as wsgw_kit_* in include/wsgw/kit.h.
 * Internal: tests, the project's own included, call <wsgw/kit.h>.
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
 * KIT_WS_MAX_HEAD bytes, a received frame or message at most
 * KIT_WS_MAX_PAYLOAD bytes; anything larger is an error.
 *
 * Ownership: kit_ws_connect returns a client the caller owns and
 * releases with kit_ws_free. A frame filled by kit_ws_recv or
 * kit_ws_recv_message owns its payload; release it with
 * kit_ws_frame_free. Strings returned by kit_ws_header live as long
 * as the client.
 * Threading: a client is used by one thread at a time; distinct clients
 * are independent.
 */
#ifndef KIT_WS_H
#define KIT_WS_H

#include <stddef.h>

#define KIT_WS_MAX_HEAD 8192             /* handshake response head */
#define KIT_WS_MAX_HEADERS 32            /* response header lines kept */
#define KIT_WS_MAX_PAYLOAD (1024 * 1024) /* one received frame/message */
#define KIT_WS_DEFAULT_TIMEOUT_MS 5000   /* handshake and sends */

/* RFC 6455 5.2 opcodes. */
enum kit_ws_opcode {
  KIT_WS_CONTINUATION = 0x0,
  KIT_WS_TEXT = 0x1,
  KIT_WS_BINARY = 0x2,
  KIT_WS_CLOSE = 0x8,
  KIT_WS_PING = 0x9,
  KIT_WS_PONG = 0xA,
};

/* Results of the receive functions (0 is success). */
enum kit_ws_result {
  KIT_WS_OK = 0,
  KIT_WS_ERROR = -1,   /* I/O or protocol error; the client is unusable */
  KIT_WS_TIMEOUT = -2, /* nothing (complete) arrived before the deadline */
  KIT_WS_EOF = -3,     /* the server closed the TCP connection */
};

struct kit_ws; /* opaque */

/* One received frame (or, from kit_ws_recv_message, one whole message). */
struct kit_ws_frame {
  int opcode;               /* enum kit_ws_opcode */
  int fin;                  /* FIN bit (always 1 for a whole message) */
  char *data;               /* payload, NUL-terminated (owned; may hold NULs) */
  size_t len;               /* payload length, without the terminator */
  int close_code;           /* CLOSE only: the status code, 1005 when absent */
  const char *close_reason; /* CLOSE only: points into data, "" when absent */
};

/*
 * Opens a TCP connection to 127.0.0.1:port and performs the handshake.
 *   path_and_query  "/dev" or "/dev?status=403" (sent as is)
 *   headers         NULL, or a NULL-terminated list of "Name: value" lines
 *   protocol        NULL, or the Sec-WebSocket-Protocol value to offer
 *   timeout_ms      deadline for connect + response (<= 0: the default)
 * Returns a client once an HTTP response head was read, whatever its
 * status: check kit_ws_status (101 on success, else the rejection
 * status, after which only the accessors are useful). Returns NULL when no
 * response head could be read (connection refused, timeout, garbage).
 */
struct kit_ws *kit_ws_connect(int port, const char *path_and_query, const char *const *headers,
                              const char *protocol, int timeout_ms);

/* The local TCP port of the client's socket (the emulator maps it to the
 * connectionId), or -1 when the socket is closed. */
int kit_ws_local_port(const struct kit_ws *c);
/* The handshake's HTTP status (101 when upgraded). */
int kit_ws_status(const struct kit_ws *c);
/* A response header's value (name case-insensitive), or NULL if absent. */
const char *kit_ws_header(const struct kit_ws *c, const char *name);
/* The response's Sec-WebSocket-Protocol, or NULL if the server sent none. */
const char *kit_ws_protocol(const struct kit_ws *c);

/*
 * Sending. Every frame is masked with a fresh key (RFC 6455 5.3). Each
 * returns 0, or -1 if the frame could not be written before the deadline
 * (KIT_WS_DEFAULT_TIMEOUT_MS) or the socket failed. Never raises SIGPIPE.
 */
int kit_ws_send_frame(struct kit_ws *c, int opcode, int fin, const void *data, size_t len);
int kit_ws_send_text(struct kit_ws *c, const char *text);
int kit_ws_send_binary(struct kit_ws *c, const void *data, size_t len);
int kit_ws_send_ping(struct kit_ws *c, const void *data, size_t len);
/* code 0 sends a close frame without a status code (and without reason);
 * otherwise code and the optional reason (truncated to 123 bytes). */
int kit_ws_send_close(struct kit_ws *c, int code, const char *reason);
/* One text message split into frames of at most fragment_size bytes
 * (TEXT, CONTINUATION..., the last with FIN). fragment_size must be > 0. */
/* len bytes as they are (no framing, no mask): for frames a conforming
 * client never sends (unmasked, reserved bits). */
int kit_ws_send_raw(struct kit_ws *c, const void *bytes, size_t len);
int kit_ws_send_fragmented_text(struct kit_ws *c, const char *text, size_t len,
                                size_t fragment_size);

/*
 * Receiving. kit_ws_recv reads the next frame, whatever its opcode.
 * kit_ws_recv_message reads the next message: control frames (PING,
 * PONG, CLOSE) are returned as they arrive; fragmented data frames are
 * joined into one TEXT/BINARY frame with fin = 1.
 * Both wait at most timeout_ms and return enum kit_ws_result; on
 * KIT_WS_OK *out is filled and must be freed with kit_ws_frame_free.
 * A timeout in the middle of a frame leaves the client unusable (ERROR
 * from then on).
 */
int kit_ws_recv(struct kit_ws *c, int timeout_ms, struct kit_ws_frame *out);
int kit_ws_recv_message(struct kit_ws *c, int timeout_ms, struct kit_ws_frame *out);
void kit_ws_frame_free(struct kit_ws_frame *f);

/* Reads frames until a CLOSE arrives (data frames are discarded), echoes
 * the close as RFC 6455 5.5.1 asks, and stores its status code in *code
 * (1005 if the frame had none). Returns enum kit_ws_result. */
int kit_ws_expect_close(struct kit_ws *c, int timeout_ms, int *code);

/* The clean end: sends CLOSE(code, reason) and waits up to timeout_ms for
 * the server's CLOSE. Returns enum kit_ws_result. The socket stays
 * open until kit_ws_free. */
int kit_ws_close(struct kit_ws *c, int code, const char *reason, int timeout_ms);

/* Ends the TCP connection without a close frame (shutdown + close): the
 * server sees an abnormal closure (1006). The client stays allocated. */
void kit_ws_drop(struct kit_ws *c);

/* Closes the socket if still open (without a close frame) and frees c.
 * NULL is allowed. */
void kit_ws_free(struct kit_ws *c);

#endif
