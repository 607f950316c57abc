/*
 * chat_page.c - the browser chat page at /_wsgw/chat (see chat_page.h).
 *
 * The document is static: the page reads stage and protocol from its own
 * location in JavaScript, and everything it prints goes through textContent,
 * so nothing from the request is ever written into the HTML. The server side
 * only checks that the stage exists (so a typo is a clear 404 instead of a
 * page stuck on a 403 handshake) and redirects a bare /_wsgw/chat to the
 * first configured stage.
 */
#include "chat_page.h"

#include <civetweb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_server.h"
#include "http_util.h"

/* The page, in pieces: C11 only promises string literals of 4095 chars. */
static const char *const chat_page_html[] = {
    "<!doctype html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>wsgw chat</title>\n"
    "<link rel=\"icon\" href=\"data:,\">\n"
    "<style>\n"
    "  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }\n"
    "  main { max-width: 40rem; margin: 0 auto; padding: 1rem; }\n"
    "  h1 { font-size: 1.2rem; margin: 0 0 .5rem; }\n"
    "  .bar { display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; margin-bottom: .75rem; }\n"
    "  #status { font-weight: 600; padding: .15rem .6rem; border-radius: 1rem; background: #ddd; }\n"
    "  #status[data-state=open] { background: #c9f2d0; color: #0d5a1e; }\n"
    "  #status[data-state=connecting] { background: #fdf0c2; color: #6b5300; }\n"
    "  #status[data-state=closed] { background: #f9d0d0; color: #7a1010; }\n"
    "  #url { font-family: ui-monospace, monospace; font-size: .85rem; color: #555; }\n"
    "  #messages { list-style: none; padding: 0; margin: 0 0 .75rem; min-height: 8rem;\n"
    "              background: #fff; border: 1px solid #ccd; border-radius: .4rem; }\n"
    "  #messages li { padding: .35rem .6rem; border-bottom: 1px solid #eef; white-space: pre-wrap;\n"
    "                 overflow-wrap: anywhere; }\n"
    "  #messages li:last-child { border-bottom: 0; }\n"
    "  form { display: flex; gap: .5rem; }\n"
    "  #message { flex: 1; padding: .4rem; font: inherit; }\n"
    "  button { font: inherit; padding: .4rem .9rem; }\n"
    "</style>\n"
    "</head>\n",

    "<body>\n"
    "<main>\n"
    "  <h1>wsgw chat</h1>\n"
    "  <div class=\"bar\">\n"
    "    <span id=\"status\" data-state=\"connecting\" data-code=\"\" data-protocol=\"\">connecting</span>\n"
    "    <button id=\"connect\" type=\"button\" disabled>Connect</button>\n"
    "    <span id=\"url\"></span>\n"
    "  </div>\n"
    "  <ul id=\"messages\" aria-live=\"polite\"></ul>\n"
    "  <form id=\"send-form\" autocomplete=\"off\">\n"
    "    <input id=\"message\" placeholder=\"Message\" aria-label=\"Message\">\n"
    "    <button id=\"send\" type=\"submit\" disabled>Send</button>\n"
    "  </form>\n"
    "</main>\n",

    "<script>\n"
    "(function () {\n"
    "  'use strict';\n"
    "  var params = new URLSearchParams(location.search);\n"
    "  var stage = params.get('stage') || 'dev';\n"
    "  var protocol = params.get('protocol') || '';\n"
    "  var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';\n"
    "  var url = scheme + '//' + location.host + '/' +\n"
    "            stage.split('/').map(encodeURIComponent).join('/') +\n"
    "            (protocol ? '?protocol=' + encodeURIComponent(protocol) : '');\n"
    "  var el = function (id) { return document.getElementById(id); };\n"
    "  var status = el('status'), list = el('messages'), input = el('message');\n"
    "  var sendButton = el('send'), connectButton = el('connect');\n"
    "  var decoder = new TextDecoder();\n"
    "  var ws = null;\n"
    "  el('url').textContent = url + (protocol ? '  (subprotocol ' + protocol + ')' : '');\n"
    "\n"
    "  function setStatus(state, text, code, proto) {\n"
    "    status.dataset.state = state;\n"
    "    status.dataset.code = code === undefined ? '' : String(code);\n"
    "    status.dataset.protocol = proto || '';\n"
    "    status.textContent = text;\n"
    "    sendButton.disabled = state !== 'open';\n"
    "    connectButton.disabled = state !== 'closed';\n"
    "  }\n"
    "\n"
    "  function append(text) {\n"
    "    var li = document.createElement('li');\n"
    "    li.textContent = text;\n"
    "    list.appendChild(li);\n"
    "    li.scrollIntoView({ block: 'nearest' });\n"
    "  }\n"
    "\n",

    "  function connect() {\n"
    "    setStatus('connecting', 'connecting');\n"
    "    try {\n"
    "      ws = protocol ? new WebSocket(url, protocol) : new WebSocket(url);\n"
    "    } catch (err) {\n"
    "      setStatus('closed', 'closed (' + err.message + ')');\n"
    "      return;\n"
    "    }\n"
    "    ws.binaryType = 'arraybuffer';\n"
    "    ws.onopen = function () {\n"
    "      setStatus('open', ws.protocol ? 'open (subprotocol ' + ws.protocol + ')' : 'open',\n"
    "                undefined, ws.protocol);\n"
    "    };\n"
    "    ws.onmessage = function (ev) {\n"
    "      append(typeof ev.data === 'string' ? ev.data : decoder.decode(ev.data));\n"
    "    };\n"
    "    ws.onclose = function (ev) {\n"
    "      setStatus('closed', 'closed (code ' + ev.code + (ev.reason ? ': ' + ev.reason : '') + ')',\n"
    "                ev.code);\n"
    "    };\n"
    "  }\n"
    "\n"
    "  el('send-form').addEventListener('submit', function (ev) {\n"
    "    ev.preventDefault();\n"
    "    if (!ws || ws.readyState !== WebSocket.OPEN || input.value === '')\n"
    "      return;\n"
    "    ws.send(JSON.stringify({ action: 'sendmessage', data: input.value }));\n"
    "    input.value = '';\n"
    "    input.focus();\n"
    "  });\n"
    "  connectButton.addEventListener('click', connect);\n"
    "  connect();\n"
    "})();\n"
    "</script>\n"
    "</body>\n"
    "</html>\n",
};

static void chat_page_message(struct mg_connection *conn, int status, const char *message,
                              const struct http_header *headers, size_t nheaders) {
  char body[512];
  const char *p;
  size_t n = 0;

  /* {"message": "..."} with the few characters JSON needs escaped. */
  n += (size_t)snprintf(body, sizeof(body), "{\"message\":\"");
  for (p = message; *p && n + 8 < sizeof(body); p++) {
    if (*p == '"' || *p == '\\')
      body[n++] = '\\';
    if ((unsigned char)*p < 0x20)
      continue;
    body[n++] = *p;
  }
  n += (size_t)snprintf(body + n, sizeof(body) - n, "\"}");
  http_util_send(conn, status, "application/json", headers, nheaders, body, n);
}

/* Sends the page (headers only for HEAD). */
static void chat_page_send_html(struct mg_connection *conn, int head_only) {
  size_t i, len = 0, off = 0;
  char length[32], *doc;

  for (i = 0; i < sizeof(chat_page_html) / sizeof(chat_page_html[0]); i++)
    len += strlen(chat_page_html[i]);
  doc = head_only ? NULL : malloc(len);
  if (!head_only && !doc) {
    chat_page_message(conn, 500, "out of memory", NULL, 0);
    return;
  }
  for (i = 0; doc && i < sizeof(chat_page_html) / sizeof(chat_page_html[0]); i++) {
    size_t n = strlen(chat_page_html[i]);
    memcpy(doc + off, chat_page_html[i], n);
    off += n;
  }
  snprintf(length, sizeof(length), "%zu", len);
  mg_response_header_start(conn, 200);
  mg_response_header_add(conn, "Content-Type", "text/html; charset=utf-8", -1);
  mg_response_header_add(conn, "Content-Length", length, -1);
  mg_response_header_add(conn, "Cache-Control", "no-store", -1);
  mg_response_header_add(conn, "X-Content-Type-Options", "nosniff", -1);
  mg_response_header_send(conn);
  if (doc)
    mg_write(conn, doc, len);
  free(doc);
}

/* 302 to ?stage=FIRST-STAGE, keeping the rest of the query. */
static void chat_page_redirect(struct emu *emu, struct mg_connection *conn, const char *query) {
  char stage[256], location[1024];
  struct http_header h = {"Location", location};
  struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);
  int encoded = d && d->config->napis
                    ? mg_url_encode(d->config->apis[0].stage, stage, sizeof(stage))
                    : -2;

  ws_deployment_release(d);
  if (encoded == -2) {
    chat_page_message(conn, 404, "no API is configured, so there is no stage to chat on", NULL, 0);
    return;
  }
  if (encoded < 0 ||
      (size_t)snprintf(location, sizeof(location), "/_wsgw/" CHAT_PAGE_PATH "?stage=%s%s%s", stage,
                       query && *query ? "&" : "", query ? query : "") >= sizeof(location)) {
    chat_page_message(conn, 400, "the query string is too long", NULL, 0);
    return;
  }
  chat_page_message(conn, 302, location, &h, 1);
}

void chat_page_serve(struct emu *emu, struct mg_connection *conn) {
  const struct mg_request_info *ri = mg_get_request_info(conn);
  const char *method = ri->request_method;
  const char *query = ri->query_string;
  char stage[256];
  int head_only = strcmp(method, "HEAD") == 0, found;

  if (strcmp(method, "GET") != 0 && !head_only) {
    struct http_header allow = {"Allow", "GET, HEAD"};
    chat_page_message(conn, 405, "use GET on /_wsgw/" CHAT_PAGE_PATH, &allow, 1);
    return;
  }
  found = query ? mg_get_var(query, strlen(query), "stage", stage, sizeof(stage)) : -1;
  if (found == -1) {
    chat_page_redirect(emu, conn, query);
    return;
  }
  if (found < 0) {
    chat_page_message(conn, 400, "the stage parameter is too long", NULL, 0);
    return;
  }
  {
    struct ws_deployment *d = ws_deployment_slot_acquire(&emu->gw.deployed);
    found = d ? ws_deployment_api(d, stage, strlen(stage)) : -1;
    ws_deployment_release(d);
  }
  if (found < 0) {
    char message[400];
    snprintf(message, sizeof(message), "no API has stage (or mapping path) '%s'", stage);
    chat_page_message(conn, 404, message, NULL, 0);
    return;
  }
  chat_page_send_html(conn, head_only);
}
