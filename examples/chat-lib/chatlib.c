/*
 * chatlib.c - the handler library's export: the chat handlers under the
 * names a config routes to. They differ from wsgw's bundled chat.* names,
 * since a name both bundled and in a library is a config error.
 */
#include "chat.h"

WSGW_HANDLERS({"chatlib.connect", chat_connect}, {"chatlib.disconnect", chat_disconnect},
              {"chatlib.sendmessage", chat_sendmessage});
