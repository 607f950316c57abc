/*
 * test_rfc6455.c - RFC 6455 conformance of the client-facing WebSocket
 * endpoint: a table of cases in the spirit of the Autobahn TestSuite's
 * sections 1-7 (framing, pings and pongs, reserved bits, opcodes,
 * fragmentation, UTF-8, the close handshake), each sent with the kit's raw
 * client and judged by the frames wsgw answers with.
 *
 * A case is the frames a client sends (first byte as given: FIN, RSV bits
 * and opcode; masked with a fixed key unless marked unmasked), the frames
 * it must get back in order, and how it ends: the server's close code, or
 * 0 when the connection must stay open (an echo round trip and a clean
 * 1000 close prove it). The route is $default with diag.echo returning the
 * message, so a text message comes back as it was sent; an empty one gets
 * nothing (SPEC docs/spec/apigw-websocket.md 4.2).
 * Where API Gateway's documented limits apply (binary -> 1003, frames over
 * 32 KB -> 1009: SPEC docs/spec/apigw-websocket.md 5), the case expects
 * those, not Autobahn's echo.
 *
 * Each row is one cmocka test named by its sentence; one emulator serves
 * them all (a global: cmocka hands each test its row as state).
 * Threading: the test thread, plus the emulator's threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wsgw/kit.h>

#define WAIT_MS 5000

/* First-byte bits (RFC 6455 5.2). */
#define FIN 0x80
#define RSV1 0x40
#define RSV2 0x20
#define RSV3 0x10
#define CONT WSGW_KIT_CONTINUATION
#define TEXT WSGW_KIT_TEXT
#define BIN WSGW_KIT_BINARY
#define CLOSE WSGW_KIT_CLOSE
#define PING WSGW_KIT_PING
#define PONG WSGW_KIT_PONG

#define MAX_FRAMES 8
#define MAX_REPLIES 4

/* A payload: `len` bytes of `data`, or `fill` bytes of '*' when fill > 0. */
struct payload {
  const char *data;
  size_t len;
  size_t fill;
};

struct frame {
  unsigned char b0; /* FIN | RSVn | opcode */
  int unmasked;     /* 1: sent without the mask bit */
  struct payload p;
  int wide; /* 1: the length in the 64-bit form, whatever it is (not minimal) */
};

struct reply {
  int opcode;
  struct payload p;
};

struct rfc_case {
  const char *name; /* Autobahn-like section, then the sentence */
  struct frame send[MAX_FRAMES];
  struct reply expect[MAX_REPLIES];
  int close_code; /* the server's close code; 0: the connection stays open */
};

#define P(s) \
  { s, sizeof(s) - 1, 0 }
#define FILL(n) \
  { NULL, 0, n }
#define F(b0, s) \
  { b0, 0, P(s), 0 }
#define FN(b0, n) \
  { b0, 0, FILL(n), 0 }
#define UNMASKED(b0, s) \
  { b0, 1, P(s), 0 }
#define WIDE(b0, s) \
  { b0, 0, P(s), 1 }
#define WIDEN(b0, n) \
  { b0, 0, FILL(n), 1 }
#define R(op, s) \
  { op, P(s) }
#define RN(op, n) \
  { op, FILL(n) }

static const struct rfc_case cases[] = {
    /* 1: framing of text and binary messages */
    {"1.1.1 an empty text message is accepted and gets no answer", {F(FIN | TEXT, "")}, {{0}}, 0},
    {"1.1.2 a 125-byte text message (7-bit length) comes back",
     {FN(FIN | TEXT, 125)},
     {RN(TEXT, 125)},
     0},
    {"1.1.3 a 126-byte text message (16-bit length) comes back",
     {FN(FIN | TEXT, 126)},
     {RN(TEXT, 126)},
     0},
    {"1.1.4 a 32 KB text message, the largest frame API Gateway takes, comes back",
     {FN(FIN | TEXT, 32768)},
     {RN(TEXT, 32768)},
     0},
    {"1.1.5 a text frame over 32 KB closes with 1009 as API Gateway does",
     {FN(FIN | TEXT, 32769)},
     {{0}},
     1009},
    {"1.1.6 a text frame declaring more than 64 KB closes with 1009 before it is read",
     {FN(FIN | TEXT, 65537)},
     {{0}},
     1009},
    /* RFC 6455 5.2 says a sender MUST use the minimal length form, and
     * gives the receiver no duty to check it; wsgw (civetweb) reads any
     * form, as most servers do. */
    {"1.1.7 a 5-byte text message with a 64-bit length (not minimal) comes back",
     {WIDE(FIN | TEXT, "hello")},
     {R(TEXT, "hello")},
     0},
    {"1.1.8 a 126-byte text message with a 64-bit length (not minimal) comes back",
     {WIDEN(FIN | TEXT, 126)},
     {RN(TEXT, 126)},
     0},
    {"1.2.1 a binary message closes with 1003 as API Gateway does",
     {F(FIN | BIN, "\x01\x02")},
     {{0}},
     1003},
    {"1.3.1 an unmasked text frame fails the connection with 1002",
     {UNMASKED(FIN | TEXT, "hello")},
     {{0}},
     1002},
    {"1.3.2 an unmasked ping fails the connection with 1002",
     {UNMASKED(FIN | PING, "p")},
     {{0}},
     1002},
    {"1.3.3 an unmasked frame after a good one fails the connection after the echo",
     {F(FIN | TEXT, "first"), UNMASKED(FIN | TEXT, "second")},
     {R(TEXT, "first")},
     1002},

    /* 2: pings and pongs */
    {"2.1 a ping without payload gets an empty pong", {F(FIN | PING, "")}, {R(PONG, "")}, 0},
    {"2.2 a ping's text payload comes back in the pong",
     {F(FIN | PING, "Hello, world!")},
     {R(PONG, "Hello, world!")},
     0},
    {"2.3 a ping's binary payload comes back in the pong",
     {F(FIN | PING, "\x00\xff\xfe\xfd\xfc")},
     {R(PONG, "\x00\xff\xfe\xfd\xfc")},
     0},
    {"2.4 a ping of 125 bytes gets its pong", {FN(FIN | PING, 125)}, {RN(PONG, 125)}, 0},
    {"2.5 a ping of 126 bytes fails the connection with 1002", {FN(FIN | PING, 126)}, {{0}}, 1002},
    {"2.6 an unsolicited pong is ignored", {F(FIN | PONG, "unsolicited")}, {{0}}, 0},
    {"2.7 an unsolicited pong then a ping gets just the ping's pong",
     {F(FIN | PONG, "unsolicited"), F(FIN | PING, "ping")},
     {R(PONG, "ping")},
     0},
    {"2.8 four pings get four pongs in order",
     {F(FIN | PING, "0"), F(FIN | PING, "1"), F(FIN | PING, "2"), F(FIN | PING, "3")},
     {R(PONG, "0"), R(PONG, "1"), R(PONG, "2"), R(PONG, "3")},
     0},

    /* 3: reserved bits */
    {"3.1 a text frame with RSV1 fails the connection with 1002",
     {F(FIN | RSV1 | TEXT, "x")},
     {{0}},
     1002},
    {"3.2 a text frame with RSV2 after a good one fails the connection after the echo",
     {F(FIN | TEXT, "ok"), F(FIN | RSV2 | TEXT, "x")},
     {R(TEXT, "ok")},
     1002},
    {"3.3 a text frame with RSV3 fails the connection with 1002",
     {F(FIN | RSV3 | TEXT, "x")},
     {{0}},
     1002},
    {"3.4 a ping with RSV1 and RSV2 fails the connection without a pong",
     {F(FIN | RSV1 | RSV2 | PING, "p")},
     {{0}},
     1002},
    {"3.5 a close with all reserved bits fails the connection with 1002",
     {F(FIN | RSV1 | RSV2 | RSV3 | CLOSE, "\x03\xe8")},
     {{0}},
     1002},

    /* 4: opcodes */
    {"4.1.1 reserved data opcode 3 fails the connection with 1002", {F(FIN | 3, "")}, {{0}}, 1002},
    {"4.1.2 reserved data opcode 7 after a good message fails it after the echo",
     {F(FIN | TEXT, "ok"), F(FIN | 7, "x")},
     {R(TEXT, "ok")},
     1002},
    {"4.2.1 reserved control opcode 11 fails the connection with 1002",
     {F(FIN | 11, "")},
     {{0}},
     1002},
    {"4.2.2 reserved control opcode 15 fails the connection with 1002",
     {F(FIN | 15, "x")},
     {{0}},
     1002},

    /* 5: fragmentation */
    {"5.1 a fragmented ping fails the connection with 1002",
     {F(PING, "frag"), F(FIN | CONT, "ment")},
     {{0}},
     1002},
    {"5.2 a fragmented pong fails the connection with 1002",
     {F(PONG, "frag"), F(FIN | CONT, "ment")},
     {{0}},
     1002},
    {"5.3 a text message in two fragments comes back whole",
     {F(TEXT, "frag"), F(FIN | CONT, "ment")},
     {R(TEXT, "fragment")},
     0},
    {"5.4 a text message in five fragments, empty ones included, comes back whole",
     {F(TEXT, ""), F(CONT, "a"), F(CONT, ""), F(CONT, "b"), F(FIN | CONT, "")},
     {R(TEXT, "ab")},
     0},
    {"5.5 a ping between fragments is answered at once and the message still arrives",
     {F(TEXT, "frag"), F(FIN | PING, "p"), F(FIN | CONT, "ment")},
     {R(PONG, "p"), R(TEXT, "fragment")},
     0},
    {"5.6 a pong between fragments is ignored and the message still arrives",
     {F(TEXT, "frag"), F(FIN | PONG, "p"), F(FIN | CONT, "ment")},
     {R(TEXT, "fragment")},
     0},
    {"5.7 a continuation without a message fails the connection with 1002",
     {F(FIN | CONT, "alone")},
     {{0}},
     1002},
    {"5.8 a non-final continuation without a message fails the connection with 1002",
     {F(CONT, "alone"), F(FIN | TEXT, "x")},
     {{0}},
     1002},
    {"5.9 a new text frame inside a fragmented message fails the connection with 1002",
     {F(TEXT, "frag"), F(FIN | TEXT, "ment")},
     {{0}},
     1002},
    {"5.10 a continuation after a finished message fails the connection after the echo",
     {F(FIN | TEXT, "done"), F(FIN | CONT, "more")},
     {R(TEXT, "done")},
     1002},
    {"5.11 a message whose fragments add up to more than 128 KB closes with 1009",
     {FN(TEXT, 32768), FN(CONT, 32768), FN(CONT, 32768), FN(CONT, 32768), FN(FIN | CONT, 1)},
     {{0}},
     1009},

    /* 6: UTF-8 */
    {"6.1 valid multi-byte UTF-8 comes back unchanged",
     {F(FIN | TEXT, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")},
     {R(TEXT, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")},
     0},
    {"6.2 the largest code point U+10FFFF is valid",
     {F(FIN | TEXT, "\xf4\x8f\xbf\xbf")},
     {R(TEXT, "\xf4\x8f\xbf\xbf")},
     0},
    {"6.3 a character split across fragments is valid once joined",
     {F(TEXT, "\xce\xba\xe1"), F(CONT, "\xbd"), F(FIN | CONT, "\xb9")},
     {R(TEXT, "\xce\xba\xe1\xbd\xb9")},
     0},
    {"6.4 an overlong slash fails the connection with 1007",
     {F(FIN | TEXT, "\xc0\xaf")},
     {{0}},
     1007},
    {"6.5 the overlong NUL C0 80 fails the connection with 1007",
     {F(FIN | TEXT, "a\xc0\x80")},
     {{0}},
     1007},
    {"6.6 a UTF-16 surrogate fails the connection with 1007",
     {F(FIN | TEXT, "\xed\xa0\x80")},
     {{0}},
     1007},
    {"6.7 a code point above U+10FFFF fails the connection with 1007",
     {F(FIN | TEXT, "\xf4\x90\x80\x80")},
     {{0}},
     1007},
    {"6.8 a lone continuation byte fails the connection with 1007",
     {F(FIN | TEXT, "a\x80z")},
     {{0}},
     1007},
    {"6.9 a message ending in half a character fails the connection with 1007",
     {F(FIN | TEXT, "\xce\xba\xe1\xbd")},
     {{0}},
     1007},
    {"6.10 a character cut off by the last fragment fails the connection with 1007",
     {F(TEXT, "\xce\xba"), F(FIN | CONT, "\xe1\xbd")},
     {{0}},
     1007},
    {"6.11 invalid bytes in a middle fragment fail the connection with 1007",
     {F(TEXT, "ok"), F(CONT, "\xff"), F(FIN | CONT, "ok")},
     {{0}},
     1007},

    /* 7: the close handshake */
    {"7.1.1 a close without a body is answered with a close without a body",
     {F(FIN | CLOSE, "")},
     {{0}},
     1005},
    {"7.1.2 a close with 1000 and a reason is answered with 1000",
     {F(FIN | CLOSE, "\x03\xe8"
                     "bye")},
     {{0}},
     1000},
    {"7.1.3 a message after a close gets no answer",
     {F(FIN | CLOSE, "\x03\xe8"), F(FIN | TEXT, "late")},
     {{0}},
     1000},
    {"7.3.1 a close body of one byte fails the connection with 1002",
     {F(FIN | CLOSE, "\x03")},
     {{0}},
     1002},
    {"7.3.2 a close reason of 123 bytes is accepted",
     {{FIN | CLOSE,
       0,
       {"\x03\xe8"
        "123456789012345678901234567890123456789012345678901234567890"
        "123456789012345678901234567890123456789012345678901234567890"
        "123",
        125, 0},
       0}},
     {{0}},
     1000},
    {"7.3.3 a close of 126 bytes fails the connection with 1002",
     {FN(FIN | CLOSE, 126)},
     {{0}},
     1002},
    {"7.5.1 a close reason that is not UTF-8 fails the connection with 1007",
     {F(FIN | CLOSE, "\x03\xe8"
                     "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")},
     {{0}},
     1007},
    {"7.7.1 close code 1001 is echoed", {F(FIN | CLOSE, "\x03\xe9")}, {{0}}, 1001},
    {"7.7.2 close code 1002 is echoed", {F(FIN | CLOSE, "\x03\xea")}, {{0}}, 1002},
    {"7.7.3 close code 1003 is echoed", {F(FIN | CLOSE, "\x03\xeb")}, {{0}}, 1003},
    {"7.7.4 close code 1007 is echoed", {F(FIN | CLOSE, "\x03\xef")}, {{0}}, 1007},
    {"7.7.5 close code 1011 is echoed", {F(FIN | CLOSE, "\x03\xf3")}, {{0}}, 1011},
    {"7.7.6 close code 1014 is echoed", {F(FIN | CLOSE, "\x03\xf6")}, {{0}}, 1014},
    {"7.7.7 close code 3000 is echoed", {F(FIN | CLOSE, "\x0b\xb8")}, {{0}}, 3000},
    {"7.7.8 close code 4999 is echoed", {F(FIN | CLOSE, "\x13\x87")}, {{0}}, 4999},
    {"7.9.1 close code 0 fails the connection with 1002",
     {F(FIN | CLOSE, "\x00\x00")},
     {{0}},
     1002},
    {"7.9.2 close code 999 fails the connection with 1002",
     {F(FIN | CLOSE, "\x03\xe7")},
     {{0}},
     1002},
    {"7.9.3 close code 1004 fails the connection with 1002",
     {F(FIN | CLOSE, "\x03\xec")},
     {{0}},
     1002},
    {"7.9.4 close code 1005 fails the connection with 1002",
     {F(FIN | CLOSE, "\x03\xed")},
     {{0}},
     1002},
    {"7.9.5 close code 1006 fails the connection with 1002",
     {F(FIN | CLOSE, "\x03\xee")},
     {{0}},
     1002},
    {"7.9.6 close code 1015 fails the connection with 1002",
     {F(FIN | CLOSE, "\x03\xf7")},
     {{0}},
     1002},
    {"7.9.7 close code 1016 fails the connection with 1002",
     {F(FIN | CLOSE, "\x03\xf8")},
     {{0}},
     1002},
    {"7.9.8 close code 2999 fails the connection with 1002",
     {F(FIN | CLOSE, "\x0b\xb7")},
     {{0}},
     1002},
    {"7.9.9 close code 5000 fails the connection with 1002",
     {F(FIN | CLOSE, "\x13\x88")},
     {{0}},
     1002},
    {"7.9.10 close code 65535 fails the connection with 1002",
     {F(FIN | CLOSE, "\xff\xff")},
     {{0}},
     1002},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct wsgw_kit_emu *emu;

/* The payload's bytes (*owned set when they were made here). */
static const char *payload_bytes(const struct payload *p, size_t *len, char **owned) {
  *owned = NULL;
  if (!p->fill) {
    *len = p->len;
    return p->data ? p->data : "";
  }
  *owned = malloc(p->fill);
  assert_non_null(*owned);
  memset(*owned, '*', p->fill);
  *len = p->fill;
  return *owned;
}

/* Sends one frame as the row says: masked with a fixed key (so that the
 * server must unmask), or without the mask bit. */
static void send_frame(struct wsgw_kit_ws *c, const struct frame *f) {
  static const unsigned char key[4] = {0x37, 0xfa, 0x21, 0x3d};
  char *owned;
  size_t len, h = 0;
  const char *data = payload_bytes(&f->p, &len, &owned);
  unsigned char *out = malloc(len + 14);
  unsigned char mask_bit = f->unmasked ? 0 : 0x80;

  assert_non_null(out);
  out[h++] = f->b0;
  if (len < 126 && !f->wide) {
    out[h++] = (unsigned char)(mask_bit | len);
  } else if (len <= 0xFFFF && !f->wide) {
    out[h++] = mask_bit | 126;
    out[h++] = (unsigned char)(len >> 8);
    out[h++] = (unsigned char)len;
  } else {
    out[h++] = mask_bit | 127;
    for (int i = 0; i < 8; i++)
      out[h++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
  }
  if (!f->unmasked) {
    memcpy(out + h, key, 4);
    h += 4;
  }
  for (size_t i = 0; i < len; i++)
    out[h + i] = (unsigned char)data[i] ^ (f->unmasked ? 0 : key[i & 3]);
  /* A server that failed the connection may have stopped reading. */
  (void)wsgw_kit_send_raw(c, out, h + len);
  free(out);
  free(owned);
}

static void expect_frame(struct wsgw_kit_ws *c, const struct reply *r) {
  struct wsgw_kit_frame fr;
  char *owned;
  size_t len;
  const char *data = payload_bytes(&r->p, &len, &owned);
  int rc = wsgw_kit_recv_frame(c, WAIT_MS, &fr);

  if (rc != WSGW_KIT_RECV_OK)
    fail_msg("expected a frame of opcode %d, got receive result %d", r->opcode, rc);
  if (fr.opcode != r->opcode)
    fail_msg("expected opcode %d, got %d (close code %d)", r->opcode, fr.opcode, fr.close_code);
  assert_true(fr.fin);
  assert_int_equal(fr.len, len);
  assert_memory_equal(fr.data, data, len);
  wsgw_kit_frame_free(&fr);
  free(owned);
}

/* The next frame is the server's close with `code`; answered, then the
 * server ends the TCP connection. */
static void expect_close(struct wsgw_kit_ws *c, int code) {
  struct wsgw_kit_frame fr;
  int rc = wsgw_kit_recv_frame(c, WAIT_MS, &fr);

  if (rc != WSGW_KIT_RECV_OK)
    fail_msg("expected close %d, got receive result %d", code, rc);
  if (fr.opcode != CLOSE)
    fail_msg("expected close %d, got opcode %d \"%.40s\"", code, fr.opcode, fr.data);
  assert_int_equal(fr.close_code, code);
  if (code == 1005)
    assert_int_equal(fr.len, 0);
  wsgw_kit_frame_free(&fr);
  (void)wsgw_kit_send_frame(c, CLOSE, 1, "\x03\xe8", 2);
  rc = wsgw_kit_recv_frame(c, WAIT_MS, &fr);
  if (rc == WSGW_KIT_RECV_OK) {
    fail_msg("expected the end of the connection, got opcode %d", fr.opcode);
  }
  assert_true(rc == WSGW_KIT_RECV_EOF || rc == WSGW_KIT_RECV_ERROR);
}

static void run_case(void **state) {
  const struct rfc_case *rc = *state;
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(emu), &(struct wsgw_kit_ws_options){.path = "/rfc", .timeout_ms = WAIT_MS});

  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  /* Every row's frame has a payload (data, even "", or fill); every
   * expected reply a non-zero opcode. */
  for (size_t i = 0; i < MAX_FRAMES && (rc->send[i].p.data || rc->send[i].p.fill); i++)
    send_frame(c, &rc->send[i]);
  for (size_t i = 0; i < MAX_REPLIES && rc->expect[i].opcode; i++)
    expect_frame(c, &rc->expect[i]);
  if (rc->close_code) {
    expect_close(c, rc->close_code);
  } else {
    /* Still open: nothing else arrived, a message comes back, and a
     * client's close is answered. */
    struct wsgw_kit_frame fr;
    int r = wsgw_kit_recv_frame(c, 100, &fr);
    if (r == WSGW_KIT_RECV_OK)
      fail_msg("expected nothing more, got opcode %d \"%.40s\"", fr.opcode, fr.data);
    assert_int_equal(r, WSGW_KIT_RECV_TIMEOUT);
    assert_int_equal(wsgw_kit_send_text(c, "still open"), 0);
    assert_int_equal(wsgw_kit_expect_text(c, "still open", WAIT_MS), 0);
    assert_int_equal(wsgw_kit_close(c, 1000, NULL), 0);
  }
  wsgw_kit_ws_free(c);
}

/* SPEC docs/spec/apigw-websocket.md 5 (Extensions): clients offer
 * permessage-deflate; not negotiating it is the safe choice. Offered, it is
 * declined (no Sec-WebSocket-Extensions in the 101), messages travel
 * uncompressed, and a frame marked compressed (RSV1) is a protocol error. */
static void a_permessage_deflate_offer_is_declined_and_compressed_frames_fail_with_1002(
    void **state) {
  static const char *const headers[] = {
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits", NULL};
  static const struct frame compressed = F(FIN | RSV1 | TEXT, "\xf2\x48\xcd\xc9\xc9\x07\x00");
  struct wsgw_kit_ws *c = wsgw_kit_ws_open(
      wsgw_kit_port(emu),
      &(struct wsgw_kit_ws_options){.path = "/rfc", .headers = headers, .timeout_ms = WAIT_MS});

  (void)state;
  assert_non_null(c);
  assert_int_equal(wsgw_kit_ws_status(c), 101);
  assert_null(wsgw_kit_ws_header(c, "Sec-WebSocket-Extensions"));
  assert_int_equal(wsgw_kit_send_text(c, "plain text"), 0);
  assert_int_equal(wsgw_kit_expect_text(c, "plain text", WAIT_MS), 0);
  send_frame(c, &compressed);
  expect_close(c, 1002);
  wsgw_kit_ws_free(c);
}

static int group_setup(void **state) {
  static const char config[] = "{\"apis\":[{\"name\":\"rfc\",\"stage\":\"rfc\","
                               "\"routeSelectionExpression\":\"$request.body.action\","
                               "\"routes\":{\"$default\":{\"function\":{\"handler\":\"diag.echo\"},"
                               "\"returnResponse\":true}}}]}";
  (void)state;
  emu = wsgw_kit_start(&(struct wsgw_kit_options){.config_json = config}, NULL, 0);
  if (!emu)
    print_error("%s\n", wsgw_kit_error());
  return emu ? 0 : -1;
}

static int group_teardown(void **state) {
  (void)state;
  wsgw_kit_stop(emu);
  return 0;
}

int main(void) {
  static struct CMUnitTest tests[NCASES + 1];

  for (size_t i = 0; i < NCASES; i++) {
    tests[i].name = cases[i].name;
    tests[i].test_func = run_case;
    tests[i].initial_state = (void *)&cases[i];
  }
  tests[NCASES] = (struct CMUnitTest)cmocka_unit_test(
      a_permessage_deflate_offer_is_declined_and_compressed_frames_fail_with_1002);
  return cmocka_run_group_tests_name("RFC 6455 conformance", tests, group_setup, group_teardown);
}
