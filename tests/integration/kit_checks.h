/*
 * kit_checks.h - the integration tests' shorthands over the public kit
 * (include/wsgw/kit.h): CHECK(call) fails the cmocka test with
 * wsgw_kit_error()'s message when a kit check returns non-zero, and
 * emulator start and WebSocket connect that fail the test saying why.
 * Include after <cmocka.h> and <wsgw/kit.h>.
 * Threading: the test thread.
 */
#ifndef KIT_CHECKS_H
#define KIT_CHECKS_H

#define CHECK(call)                                \
  do {                                             \
    if ((call) != 0)                               \
      fail_msg("%s: %s", #call, wsgw_kit_error()); \
  } while (0)

/* An emulator started with opts, or the test fails with the reason. */
static inline struct wsgw_kit_emu *kit_start_or_fail(const struct wsgw_kit_options *opts) {
  char err[1024] = "";
  struct wsgw_kit_emu *emu = wsgw_kit_start(opts, err, sizeof(err));

  if (!emu)
    fail_msg("the emulator did not start: %s", err);
  return emu;
}

/* A WebSocket client at path (handshake deadline timeout_ms), or the test
 * fails with the HTTP status and the kit's message. */
static inline struct wsgw_kit_ws *kit_connect_or_fail(struct wsgw_kit_emu *emu, const char *path,
                                                      int timeout_ms) {
  int status = 0;
  struct wsgw_kit_ws *ws = wsgw_kit_connect(
      emu, &(struct wsgw_kit_ws_options){.path = path, .timeout_ms = timeout_ms}, &status);

  if (!ws)
    fail_msg("the handshake to %s answered %d: %s", path, status, wsgw_kit_error());
  return ws;
}

#endif
