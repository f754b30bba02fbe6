// SPDX-License-Identifier: Apache-2.0
/* Capped growable byte buffer: every size from outside has a ceiling. */
#pragma once

#include <stddef.h>
#include "macro.h"

struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t alloc;
	size_t max; /* appends that would exceed this fail with -EFBIG */
};

/* Initialises an empty buffer that refuses to grow beyond `max` bytes. */
void buf_init(struct buf *b, size_t max);
/* Appends; -EFBIG past the cap (buffer unchanged), -ENOMEM on allocation failure. */
int buf_append(struct buf *b, const void *data, size_t len) _warn_unused_result_;
int buf_append_str(struct buf *b, const char *s) _warn_unused_result_;
int buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3) _warn_unused_result_;
/* Returns the data (caller frees with free()) and resets the buffer. */
char *buf_take(struct buf *b, size_t *ret_len);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
