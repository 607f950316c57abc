/*
 * chat.h - the chat handlers of chat.c (AWS's simple-websockets-chat-app in
 * C), declared once for the library's table (chatlib.c) and wsgw's bundled
 * one (handlers/builtin.c).
 */
#ifndef CHAT_H
#define CHAT_H

#include <wsgw/handler.h>

wsgw_handler_fn chat_connect, chat_disconnect, chat_sendmessage;

#endif
