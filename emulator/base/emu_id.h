/*
 * emu_id.h - identifiers in AWS's shapes.
 *
 * SPEC docs/spec/apigw-websocket.md 2.4 "ID formats": connectionId, requestId and
 * messageId are 16-char strings ending in one '=': base64 of 11 bytes in a
 * URL-safe alphabet. IDs minted at the same moment share a prefix
 * (time-derived); we mint 11 random bytes.
 *
 * Threading: every function is safe from any thread (per-thread generator
 * state seeded from getrandom()).
 */
#ifndef EMU_ID_H
#define EMU_ID_H

#include <stddef.h>
#include <stdint.h>

#define EMU_ID_LEN 16   /* AWS-style id, without the NUL */
#define EMU_UUID_LEN 36 /* 8-4-4-4-12 lowercase hex */
/* The AWS account of everything this emulator serves (ARNs, requestContext). */
#define EMU_ACCOUNT_ID "000000000000"

void emu_id_new(char out[EMU_ID_LEN + 1]);    /* "R0oXAdfD0kwCH6w=" */
void emu_id_uuid(char out[EMU_UUID_LEN + 1]); /* random version 4 UUID */
uint64_t emu_id_random64(void);
/* Whether id[0..len) has the shape emu_id_new mints: 15 base64url
 * characters and '='. */
int emu_id_is_valid(const char *id, size_t len);
/* 10 lowercase alphanumerics derived from a name (a stable API id). */
void emu_id_api_id(const char *name, char out[11]);

#endif
