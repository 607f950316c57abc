/*
 * emu_guard.h - limits on what civetweb reads from a client: how long a
 * request head may take, and how large a WebSocket frame may be before
 * civetweb allocates it.
 *
 * Why here: civetweb 1.15 has neither option. It waits request_timeout_ms
 * for a whole head, and a trickling client restarts nothing but holds a
 * worker all that time. For a frame, read_websocket mallocs the length the
 * header declares (up to 2 GB) and reads the whole payload before the data
 * callback can refuse it.
 *
 * How: every byte civetweb reads from a client comes from recv(2) (plain
 * sockets) or SSL_read (TLS). This file defines recv, so civetweb's call
 * binds to it (the executable comes first in symbol lookup; the real recv
 * is the next definition, dlsym(RTLD_NEXT), which is ASan's interceptor
 * under ASan), and emu_sslcompat's SSL_read calls emu_guard_after_read.
 * A civetweb worker serves one connection at a time, so what the guard
 * checks is thread-local state that civetweb's callbacks move through
 * phases on that worker:
 *   HEAD    init_connection and end_request (the next keep-alive request)
 *           until begin_request: the head must be complete within
 *           EMU_GUARD_HEAD_BUDGET_MS of its first byte; a read after that
 *           ends the connection (civetweb answers 400) and counts as a head
 *           timeout. Silence is bounded by civetweb's request_timeout_ms.
 *           The guard also notes whether bytes followed the head's end in
 *           its last read (see FRAMES).
 *   FRAMES  the gateway's ready callback until its close callback: the
 *           guard follows the frame headers in the byte stream and refuses
 *           a frame declaring more than EMU_GUARD_MAX_FRAME bytes (close
 *           1009), or one without the mask bit (close 1002, RFC 6455 5.1:
 *           civetweb accepts it and does not tell the data callback),
 *           before civetweb sees its header; and, whatever the headers say, more
 *           than EMU_GUARD_MAX_UNDELIVERED bytes read without a frame
 *           delivered (the gateway's data callback calls
 *           emu_guard_ws_frame) is refused too (1009). A refusal sends its
 *           close frame (ws_registry_close) and makes civetweb's next read see the end
 *           of the stream, so it frees its buffer and closes.
 *           The headers are followed from the first byte read after the
 *           101: bytes civetweb read together with the handshake are not
 *           seen. So when the head's last read held more bytes (no browser
 *           or SDK sends frames before the 101), mask bits are not checked
 *           on that connection, since a header may then be misread.
 *   (none)  request bodies, responses, other threads: recv is passed
 *           through after one thread-local test.
 * Ownership: struct emu_guard (the counters) belongs to struct emu. The
 * thread-local pointers to it and to the ws_conn are cleared by the close
 * callbacks, before either is freed.
 * Threading: phase functions run on the civetweb worker that owns the
 * connection; counters are atomics read by /_wsgw/stats.
 */
#ifndef EMU_GUARD_H
#define EMU_GUARD_H

#include <cjson/cJSON.h>

struct ws_conn;

/* A head trickling in for longer than this is cut off. Clients send a head
 * in one write; 2 s is far beyond any real one on a local emulator. */
#define EMU_GUARD_HEAD_BUDGET_MS 2000
/* civetweb's request_timeout_ms (emu_server sets it): how long it waits
 * for a head, a piece of a body, or a write. A connection that sent no
 * head at all for this long is closed by civetweb, and counted here. */
#define EMU_GUARD_REQUEST_TIMEOUT_MS 5000
/* Frames up to this length are read and judged by the gateway (SPEC
 * docs/spec/apigw-websocket.md 6: 32 KB, bigger -> 1009; binary -> 1003); longer
 * ones are refused from their header. */
#define EMU_GUARD_MAX_FRAME (64 * 1024)
/* civetweb's read buffer (max_request_size, set by emu_server). */
#define EMU_GUARD_READ_BUFFER 16384
/* Bytes civetweb can read between two delivered frames when every frame
 * is at most EMU_GUARD_MAX_FRAME: a buffer's worth, one frame header and
 * one payload. */
#define EMU_GUARD_MAX_UNDELIVERED (EMU_GUARD_READ_BUFFER + 14 + EMU_GUARD_MAX_FRAME)

struct emu_guard;

struct emu_guard *emu_guard_new(void);
void emu_guard_free(struct emu_guard *g);

/* civetweb callbacks (emu_server): init_connection (connection_start) and
 * end_request (head_start: the next keep-alive request) start a head;
 * begin_request ends it; connection_close counts a new connection that
 * sent nothing until civetweb's request timeout as a head timeout, and
 * clears the thread. */
void emu_guard_connection_start(struct emu_guard *g);
void emu_guard_head_start(struct emu_guard *g);
void emu_guard_head_done(void);
void emu_guard_connection_closed(void);
/* civetweb's http_error callback: a 400 after a head that ran past the
 * budget (civetweb's own request timeout) counts as a head timeout. */
void emu_guard_http_error(int status);

/* Gateway callbacks: after the 101 (c is borrowed until ws_closed), on
 * every delivered frame, and when the socket's read loop ended. */
void emu_guard_ws_open(struct emu_guard *g, struct ws_conn *c);
void emu_guard_ws_frame(void);
void emu_guard_ws_closed(void);

/* Called with what a read returned (n bytes into buf, or n <= 0) on
 * socket fd; returns what the caller should return: n, fewer bytes, or 0
 * (the end of the stream) when the guard refused. Exported for
 * emu_sslcompat's SSL_read. */
long emu_guard_after_read(int fd, const void *buf, long n);

/* Adds "headTimeouts" and "framesRefused" to the object o. */
void emu_guard_stats(const struct emu_guard *g, cJSON *o);

#endif
