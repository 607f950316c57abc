/*
 * wsgw_builtin.h - the handlers bundled with wsgw: the seed chat app
 * (chat.*), the channel chat app (channels.*, channels.c) and the diagnostic handlers (diag.*) used by smoke tests and the
 * regression suites. The names are part of the public interface.
 */
#ifndef WSGW_BUILTIN_H
#define WSGW_BUILTIN_H

#include <wsgw/handler.h>

#include "chat.h" /* examples/chat-lib/: chat_connect, chat_disconnect, chat_sendmessage */

/* NULL-terminated table of every bundled handler. */
extern const struct wsgw_handler wsgw_builtin_handlers[];

/* The channel chat app (channels.c). */
wsgw_handler_fn channels_connect, channels_disconnect, channels_subscribe, channels_unsubscribe,
    channels_send, channels_broadcast;
wsgw_handler_fn diag_echo, diag_status, diag_fail, diag_sleep, diag_subprotocol, diag_record,
    diag_authorizer, diag_whoami;
/* Deliberately broken (see broken.c). */
wsgw_handler_fn broken_sendmessage;

#endif
