// SPDX-License-Identifier: Apache-2.0
/* Whole-file reads with a cap, atomic file replacement and mkdir -p. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

/*
 * Reads the whole file at `path` (opened O_RDONLY|O_CLOEXEC|O_NOCTTY) into
 * memory. Fails with -EFBIG as soon as more than `max` bytes are seen, whether
 * the file's size says so up front or it grows while being read.
 * *ret_data is NUL-terminated (one byte beyond *ret_len) and owned by the
 * caller (free()); ret_len may be NULL. Both are written only on success.
 */
int read_full_file(const char *path, size_t max, char **ret_data,
		   size_t *ret_len) _warn_unused_result_;

/*
 * Replaces `path` atomically with `len` bytes of `data` and permission bits
 * `mode` (exactly, regardless of the umask): writes a temporary file in the
 * same directory (O_CREAT|O_EXCL|O_CLOEXEC, random name), fsync()s it,
 * rename()s it over `path` and fsync()s the directory. Readers see either the
 * old file or the new one, never a partial file. On failure the temporary file
 * is removed and `path` is untouched.
 */
int write_file_atomic(const char *path, const void *data, size_t len,
		      mode_t mode) _warn_unused_result_;

/*
 * Creates `path` and any missing parents with `mode` (subject to the umask).
 * Existing directories are fine; an existing non-directory component gives
 * -ENOTDIR. Paths longer than PATH_MAX give -ENAMETOOLONG.
 */
int mkdir_p(const char *path, mode_t mode) _warn_unused_result_;
