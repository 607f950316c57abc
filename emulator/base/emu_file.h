/*
 * emu_file.h - a whole file read into memory, with a size limit: the
 * config, a serverless.yml, a scenario, a file the kit reads for a test.
 *
 * Ownership: *out is malloc'd, NUL-terminated (the NUL is not counted in
 * *len); the caller frees it. Threading: no shared state.
 */
#ifndef EMU_FILE_H
#define EMU_FILE_H

#include <stddef.h>

enum emu_file_status {
  EMU_FILE_OK,
  EMU_FILE_CANNOT_OPEN, /* errno says why */
  EMU_FILE_TOO_LARGE,   /* more than max bytes */
  EMU_FILE_READ_ERROR,  /* a read failed, or out of memory */
};

/* Reads path (at most max bytes) into *out and *len (len may be NULL). The
 * buffer grows with the file, so a small file costs little whatever max. */
enum emu_file_status emu_file_read(const char *path, size_t max, char **out, size_t *len);

#endif
