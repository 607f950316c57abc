/*
 * chat_page.h - a small browser chat client served by the emulator itself,
 * so a real browser can talk to a WebSocket API with no other web server:
 *
 *   GET /_wsgw/chat?stage=STAGE[&protocol=SUBPROTOCOL]
 *
 * The page (HTML, CSS and JavaScript in one document, no external
 * resources) connects to ws:// or wss:// (following the page's own
 * http:/https:) on the host and port it was loaded from, path /STAGE. It
 * sends {"action":"sendmessage","data":TEXT} and lists every message it
 * receives. With `protocol`, the page both offers that subprotocol
 * (new WebSocket(url, protocol)) and appends ?protocol=SUBPROTOCOL to the
 * WebSocket URL, so a $connect handler can read it from queryStringParameters
 * and return it as Sec-WebSocket-Protocol (diag.subprotocol does).
 *
 * Elements with stable ids, for tests and scripts:
 *   #status    text "connecting" / "open" / "closed (code N)"; attributes
 *              data-state = connecting|open|closed, data-code = the close
 *              code, data-protocol = the negotiated subprotocol
 *   #url       the WebSocket URL
 *   #messages  a <ul>, one <li> per received message (text, in order)
 *   #message   the text input; #send the send button; #connect reconnects
 *
 * Answers: 200 text/html for GET and HEAD of a configured stage (the stage
 * name or an API mapping path); 302 to ?stage=FIRST-STAGE when stage is
 * absent; 404 {"message"} for an unknown stage; 405 for other methods.
 * Documented in docs/browser.md. Threading: any worker; reads only the
 * read-only configuration.
 */
#ifndef CHAT_PAGE_H
#define CHAT_PAGE_H

struct emu;
struct mg_connection;

/* The path after /_wsgw/ that control_api routes here. */
#define CHAT_PAGE_PATH "chat"

void chat_page_serve(struct emu *emu, struct mg_connection *conn);

#endif
