/*
 * emu_strv.h - NULL-terminated arrays of strings (argv and environment
 * style), owned as one array plus one allocation per string.
 *
 * Ownership: emu_strv_dup returns a new array the caller frees with
 * emu_strv_free. Threading: no shared state.
 */
#ifndef EMU_STRV_H
#define EMU_STRV_H

#include <stddef.h>

/* How many strings before the NULL (0 for NULL). */
size_t emu_strv_len(const char *const *v);
/* A deep copy (NULL for NULL, or when out of memory: nothing leaks). */
char **emu_strv_dup(const char *const *v);
/* Frees a copy; NULL is fine. */
void emu_strv_free(char **v);

#endif
