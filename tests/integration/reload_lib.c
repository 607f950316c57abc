/*
 * reload_lib.c - a handler library for the loading and hot-reload tests
 * (test_lambda_handlers.c, test_emu_reload.c), built as several MODULE
 * libraries from this one source (tests/CMakeLists.txt):
 *   -DVERSION=1, -DVERSION=2  the two versions a rebuild swaps
 *   -DMISSING_SLEEP           lacks lib.sleep (a handler the config names)
 *   -DUNRESOLVED              references a symbol nothing defines: dlopen
 *                             (RTLD_NOW) fails, as for a broken build
 *   -DNO_TABLE                exports no wsgw_handlers at all
 * Handlers (every answer names the version that ran it):
 *   lib.version  returns "vN"
 *   lib.sleep    posts "sleeping vN" to its connection (so a test knows the
 *                old code runs), sleeps the body's "ms" (at most 5000), then
 *                returns "slept vN"; with "woke": true in the body it also
 *                posts "woke vN" after sleeping (a handler abandoned at its
 *                deadline shows that its code still ran to the end)
 *   lib.post     posts "posted vN" to its own connection through
 *                wsgw_post_to_connection, returns nothing
 * It uses only <wsgw/handler.h>: the wsgw_* functions come from the process
 * that loads it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wsgw/handler.h>

#ifndef VERSION
#define VERSION 1
#endif
#define STR2(x) #x
#define STR(x) STR2(x)
#define TAG "v" STR(VERSION)

#ifdef UNRESOLVED
extern int wsgw_test_symbol_nobody_defines(void);
#endif

static cJSON *lib_version(const cJSON *event, struct wsgw_ctx *ctx) {
  (void)event;
  (void)ctx;
#ifdef UNRESOLVED
  if (wsgw_test_symbol_nobody_defines())
    return NULL;
#endif
  return wsgw_response(200, TAG);
}

static int post_self(const cJSON *event, struct wsgw_ctx *ctx, const char *text) {
  const cJSON *rc = cJSON_GetObjectItemCaseSensitive(event, "requestContext");
  const cJSON *id = cJSON_GetObjectItemCaseSensitive(rc, "connectionId");
  char endpoint[256];

  if (!cJSON_IsString(id) || wsgw_management_endpoint(event, endpoint, sizeof(endpoint)) != 0)
    return -1;
  return wsgw_post_to_connection(ctx, endpoint, id->valuestring, text, strlen(text));
}

__attribute__((unused)) static cJSON *lib_sleep(const cJSON *event, struct wsgw_ctx *ctx) {
  const cJSON *body = cJSON_GetObjectItemCaseSensitive(event, "body");
  cJSON *msg = cJSON_IsString(body) ? cJSON_Parse(body->valuestring) : NULL;
  const cJSON *ms = cJSON_GetObjectItemCaseSensitive(msg, "ms");
  int n = cJSON_IsNumber(ms) && ms->valueint > 0 && ms->valueint <= 5000 ? ms->valueint : 0;
  int woke = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "woke"));
  struct timespec ts = {n / 1000, (long)(n % 1000) * 1000000L};

  cJSON_Delete(msg);
  if (post_self(event, ctx, "sleeping " TAG) != 200)
    return wsgw_fail(ctx, "post failed: %s", wsgw_last_error_type(ctx));
  while (nanosleep(&ts, &ts) != 0)
    ;
  if (woke && post_self(event, ctx, "woke " TAG) != 200)
    return wsgw_fail(ctx, "post failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, "slept " TAG);
}

static cJSON *lib_post(const cJSON *event, struct wsgw_ctx *ctx) {
  if (post_self(event, ctx, "posted " TAG) != 200)
    return wsgw_fail(ctx, "post failed: %s", wsgw_last_error_type(ctx));
  return wsgw_response(200, NULL);
}

#ifndef NO_TABLE
const struct wsgw_handler wsgw_handlers[] = {
    {"lib.version", lib_version},
#ifndef MISSING_SLEEP
    {"lib.sleep", lib_sleep},
#endif
    {"lib.post", lib_post},
    {NULL, NULL},
};
#else
/* Something else, so that the library is not empty. */
const struct wsgw_handler wsgw_other_handlers[] = {
    {"lib.version", lib_version}, {"lib.sleep", lib_sleep}, {"lib.post", lib_post}, {NULL, NULL}};
#endif
