/*
 * emu_json.h - JSON helpers: the depth guard for threads with small stacks,
 * and adding members under literal keys without copying them.
 *
 * civetweb runs request and websocket callbacks on worker threads whose
 * stack Debian's build fixes at 100 KB (CIVETWEB_THREAD_STACK_SIZE), while
 * cJSON parses recursively up to 1000 levels: a hostile document would
 * overflow the stack before cJSON's own limit applies. Every cJSON parse of
 * client input on a civetweb thread first checks the nesting depth with
 * this iterative scan.
 * Threading: pure.
 */
#ifndef EMU_JSON_H
#define EMU_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Deepest nesting accepted from clients. DynamoDB documents nest at most 32
 * AttributeValue levels (about 70 JSON levels with the request around them). */
#define EMU_JSON_MAX_DEPTH 128

/* 1 when the text nests objects/arrays deeper than max (strings and escapes
 * are skipped), else 0. Bounded by len, no recursion. */
int emu_json_too_deep(const char *text, size_t len, int max);

/* Adds v to o under key, a string literal (or other text that outlives o),
 * without copying the key (cJSON's CS call; cJSON_Delete and cJSON_Duplicate
 * honour the flag). Events and log entries are built per message, and key
 * copies were half of an event's allocations (make profile). Returns v;
 * nothing is added when v is NULL. */
cJSON *emu_json_add_const(cJSON *o, const char *key, cJSON *v);

#endif
