/*
 * builtin.c - the table of bundled handlers (see wsgw_builtin.h).
 */
#include "wsgw_builtin.h"

#include <stddef.h>

const struct wsgw_handler wsgw_builtin_handlers[] = {
    {"chat.connect", chat_connect},
    {"chat.disconnect", chat_disconnect},
    {"chat.sendmessage", chat_sendmessage},
    {"channels.connect", channels_connect},
    {"channels.disconnect", channels_disconnect},
    {"channels.subscribe", channels_subscribe},
    {"channels.unsubscribe", channels_unsubscribe},
    {"channels.send", channels_send},
    {"channels.broadcast", channels_broadcast},
    {"diag.echo", diag_echo},
    {"diag.status", diag_status},
    {"diag.fail", diag_fail},
    {"diag.sleep", diag_sleep},
    {"diag.subprotocol", diag_subprotocol},
    {"diag.record", diag_record},
    {"diag.authorizer", diag_authorizer},
    {"diag.whoami", diag_whoami},
    {"broken.sendmessage", broken_sendmessage},
    {NULL, NULL},
};
