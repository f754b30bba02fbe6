// SPDX-License-Identifier: Apache-2.0
/* Program logging: levels, text or JSON, one line per event on stderr. */
#pragma once

#include <stdbool.h>
#include "macro.h"

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

enum log_format {
	LOG_FORMAT_TEXT = 0,
	LOG_FORMAT_JSON,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_format(enum log_format format);
/* Writes lines to this fd instead of stderr (tests). */
void log_set_fd(int fd);

/* Parses "error|warning|info|debug"; returns -EINVAL for anything else. */
int log_level_from_string(const char *s, enum log_level *ret_level);
/* Parses "text|json". */
int log_format_from_string(const char *s, enum log_format *ret_format);
/*
 * Applies a program's --log-level or --log-format option value; -EINVAL (and
 * nothing changed) for anything else. The caller reports the error.
 */
int log_apply_option(const char *option, const char *value);

/*
 * Emits one record. `error` is a negative errno (or 0): when non-zero, errno is
 * set to -error before formatting so that %m works. Returns `error`.
 */
int log_internal(enum log_level level, int error, const char *file, int line, const char *fmt, ...)
	_printf_(5, 6);

#define log_full_errno(level, error, ...)                                                          \
	({                                                                                         \
		int _e_ = (error);                                                                 \
		enum log_level _l_ = (level);                                                      \
		_l_ <= log_get_level() ? log_internal(_l_, _e_, __FILE__, __LINE__, __VA_ARGS__) : \
					 _e_;                                                      \
	})

#define log_error_errno(error, ...)   log_full_errno(LOG_LEVEL_ERROR, error, __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_LEVEL_WARNING, error, __VA_ARGS__)
#define log_info_errno(error, ...)    log_full_errno(LOG_LEVEL_INFO, error, __VA_ARGS__)
#define log_debug_errno(error, ...)   log_full_errno(LOG_LEVEL_DEBUG, error, __VA_ARGS__)

#define log_error(...)		      ((void)log_full_errno(LOG_LEVEL_ERROR, 0, __VA_ARGS__))
#define log_warning(...)	      ((void)log_full_errno(LOG_LEVEL_WARNING, 0, __VA_ARGS__))
#define log_info(...)		      ((void)log_full_errno(LOG_LEVEL_INFO, 0, __VA_ARGS__))
#define log_debug(...)		      ((void)log_full_errno(LOG_LEVEL_DEBUG, 0, __VA_ARGS__))

#define log_oom()		      log_error_errno(-ENOMEM, "Out of memory.")
