/*
 * fuzz_ws_frames.c - libFuzzer target: the WebSocket frame path, from a
 * client's frames to the routes and back, in process: an emulator started
 * with the test kit (an API whose $default and "echo" routes are two-way,
 * diag.echo; no $connect function, so that a handshake is cheap), driven
 * through the kit's raw client.
 *
 * Input: a sequence of frames, each a byte (bit 7 FIN, bits 0-3 the
 * opcode, any of the 16), a length byte, then that many payload bytes (cut
 * at the end of the input); at most FUZZ_MAX_FRAMES. Each input opens one
 * connection, sends its frames, reads what comes back for a moment, then
 * drops the connection. Every FUZZ_PROBE inputs a fresh client must still
 * get its 101 and an echo: the server neither died nor stopped answering.
 * Ownership: the emulator lives for the process (stopped at exit).
 * Threading: libFuzzer calls the entry point from one thread; the
 * emulator's own threads serve the connections.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wsgw/kit.h>

#define FUZZ_MAX_FRAMES 16
#define FUZZ_PROBE 200

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] =
    "{\"apis\":[{\"name\":\"fuzz\",\"stage\":\"dev\","
    "\"routeSelectionExpression\":\"$request.body.action\",\"routes\":{"
    "\"$default\":{\"function\":{\"handler\":\"diag.echo\"},\"returnResponse\":true},"
    "\"echo\":{\"function\":{\"handler\":\"diag.echo\"},\"returnResponse\":true}}}]}";

static struct wsgw_kit_emu *emu;
static unsigned inputs;

static void stop(void) {
  wsgw_kit_stop(emu);
  emu = NULL;
}

/* A new client gets its 101 and the echo route answers it. */
static void probe(void) {
  struct wsgw_kit_ws_options o = {"/dev", NULL, NULL, 5000};
  struct wsgw_kit_ws *ws = wsgw_kit_connect(emu, &o, NULL);
  if (!ws || wsgw_kit_send_text(ws, "{\"action\":\"echo\",\"n\":1}") != 0 ||
      wsgw_kit_expect_json(ws, "{\"action\":\"echo\",\"n\":1}", 5000) != 0) {
    fprintf(stderr, "the server stopped answering new clients\n");
    abort();
  }
  wsgw_kit_close(ws, 1000, "");
  wsgw_kit_ws_free(ws);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct wsgw_kit_ws_options o = {"/dev", NULL, NULL, 5000};
  struct wsgw_kit_ws *ws;
  size_t i = 0;
  int frames = 0, reads;
  if (!emu) {
    char err[512];
    struct wsgw_kit_options opts;
    memset(&opts, 0, sizeof(opts));
    opts.config_json = config;
    emu = wsgw_kit_start(&opts, err, sizeof(err));
    if (!emu) {
      fprintf(stderr, "wsgw_kit_start: %s\n", err);
      abort();
    }
    atexit(stop);
  }
  ws = wsgw_kit_ws_open(wsgw_kit_port(emu), &o);
  if (!ws || wsgw_kit_ws_status(ws) != 101) {
    fprintf(stderr, "handshake failed\n");
    abort();
  }
  while (i + 2 <= size && frames++ < FUZZ_MAX_FRAMES) {
    int fin = data[i] >> 7, opcode = data[i] & 0x0F;
    size_t len = data[i + 1];
    i += 2;
    if (len > size - i) {
      len = size - i;
    }
    if (wsgw_kit_send_frame(ws, opcode, fin, data + i, len) != 0) {
      break;
    }
    i += len;
  }
  for (reads = 0; reads < 8; reads++) {
    struct wsgw_kit_frame f;
    if (wsgw_kit_recv_frame(ws, 2, &f) != WSGW_KIT_RECV_OK) {
      break;
    }
    wsgw_kit_frame_free(&f);
  }
  wsgw_kit_drop(ws);
  wsgw_kit_ws_free(ws);
  if (++inputs % FUZZ_PROBE == 0) {
    probe();
  }
  return 0;
}
