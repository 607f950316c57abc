/*
 * emu_event_filter.h - Lambda's event filter patterns (an event source
 * mapping's FilterCriteria), checked when a config is loaded and matched
 * against each stream record before it may reach a function.
 *
 * A pattern is a JSON object mirroring the record: a member whose value is
 * an object descends into the record's object of that name; a member whose
 * value is an array lists the values the record's field may take (any one
 * matches). A value is a string, number, true/false or null (equal to the
 * field), or one of the objects {"prefix": s} (also {"prefix":
 * {"equals-ignore-case": s}}), {"suffix": s}, {"equals-ignore-case": s},
 * {"anything-but": v | [v...] | {"prefix"|"suffix"|"equals-ignore-case": s}},
 * {"numeric": [op, n] | [op, n, op, n]} (op one of = < <= > >=),
 * {"exists": true|false}. Every member of a pattern must match (AND).
 * SPEC: docs/spec/lambda-esm.md 6.
 *
 * Ownership: patterns and records are borrowed. Threading: pure functions.
 */
#ifndef EMU_EVENT_FILTER_H
#define EMU_EVENT_FILTER_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* SPEC: docs/spec/lambda-esm.md 6: a Pattern is at most 4096 characters and
 * a mapping holds at most 5 filters. */
#define EMU_EVENT_FILTER_MAX_PATTERN 4096
#define EMU_EVENT_FILTER_MAX_FILTERS 5
#define EMU_EVENT_FILTER_MAX_DEPTH 16 /* nested objects in one pattern */

/* The pattern text parsed and checked: a new tree, or NULL with one line in
 * err saying what is wrong. */
cJSON *emu_event_filter_parse(const char *text, char *err, size_t cap);
/* 0 when pattern is a valid pattern object, else -1 with one line in err. */
int emu_event_filter_check(const cJSON *pattern, char *err, size_t cap);
/* Whether record matches pattern (a checked one). */
int emu_event_filter_match(const cJSON *pattern, const cJSON *record);
/* Whether record matches any pattern of the array `patterns` (NULL or an
 * empty array: every record matches). */
int emu_event_filter_match_any(const cJSON *patterns, const cJSON *record);

#endif
