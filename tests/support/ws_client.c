/*
 * ws_client.c - nothing left to implement: the test WebSocket client moved
 * into the test kit (emulator/kit/kit_ws.c, in wsgw_core) and ws_client.h only
 * maps the old names onto it. This file stays in wsgw_test_support's source
 * list; it checks that the aliases still agree with the client.
 */
#include "ws_client.h"

_Static_assert(WS_CLIENT_OK == 0 && WS_CLIENT_TEXT == 0x1 && WS_CLIENT_CLOSE == 0x8,
               "ws_client.h aliases kit_ws.h");
