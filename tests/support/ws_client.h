/*
 * ws_client.h - the names the project's older integration and regression
 * tests use for the test WebSocket client, kept as aliases.
 *
 * The client itself moved into the test kit as emulator/kit_ws.{h,c} (part
 * of wsgw_core); see kit_ws.h for the contract (deadlines, bounded buffers,
 * ownership, threading). Every ws_client_* / WS_CLIENT_* name here is the
 * kit_ws_* / KIT_WS_* one: struct ws_client is struct kit_ws, and so on.
 * New tests should use the public kit, wsgw_kit.h, instead.
 */
#ifndef WS_CLIENT_H
#define WS_CLIENT_H

#include "kit_ws.h"

/* Types. */
#define ws_client kit_ws
#define ws_client_frame kit_ws_frame
#define ws_client_opcode kit_ws_opcode
#define ws_client_result kit_ws_result

/* Limits. */
#define WS_CLIENT_MAX_HEAD KIT_WS_MAX_HEAD
#define WS_CLIENT_MAX_HEADERS KIT_WS_MAX_HEADERS
#define WS_CLIENT_MAX_PAYLOAD KIT_WS_MAX_PAYLOAD
#define WS_CLIENT_DEFAULT_TIMEOUT_MS KIT_WS_DEFAULT_TIMEOUT_MS

/* Opcodes and results. */
#define WS_CLIENT_CONTINUATION KIT_WS_CONTINUATION
#define WS_CLIENT_TEXT KIT_WS_TEXT
#define WS_CLIENT_BINARY KIT_WS_BINARY
#define WS_CLIENT_CLOSE KIT_WS_CLOSE
#define WS_CLIENT_PING KIT_WS_PING
#define WS_CLIENT_PONG KIT_WS_PONG
#define WS_CLIENT_OK KIT_WS_OK
#define WS_CLIENT_ERROR KIT_WS_ERROR
#define WS_CLIENT_TIMEOUT KIT_WS_TIMEOUT
#define WS_CLIENT_EOF KIT_WS_EOF

/* Functions. */
#define ws_client_connect kit_ws_connect
#define ws_client_local_port kit_ws_local_port
#define ws_client_status kit_ws_status
#define ws_client_header kit_ws_header
#define ws_client_protocol kit_ws_protocol
#define ws_client_send_frame kit_ws_send_frame
#define ws_client_send_text kit_ws_send_text
#define ws_client_send_binary kit_ws_send_binary
#define ws_client_send_ping kit_ws_send_ping
#define ws_client_send_close kit_ws_send_close
#define ws_client_send_fragmented_text kit_ws_send_fragmented_text
#define ws_client_recv kit_ws_recv
#define ws_client_recv_message kit_ws_recv_message
#define ws_client_frame_free kit_ws_frame_free
#define ws_client_expect_close kit_ws_expect_close
#define ws_client_close kit_ws_close
#define ws_client_drop kit_ws_drop
#define ws_client_free kit_ws_free

#endif
