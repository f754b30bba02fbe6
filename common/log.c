// SPDX-License-Identifier: Apache-2.0
/* Program logging: levels, text or JSON, one line per event on stderr. */
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static atomic_int log_level = LOG_LEVEL_INFO;
static atomic_int log_format = LOG_FORMAT_TEXT;
static atomic_int log_fd = STDERR_FILENO;

static const char *const level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_format(enum log_format format)
{
	log_format = format;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

int log_level_from_string(const char *s, enum log_level *ret_level)
{
	for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
		if (s && strcmp(s, level_names[i]) == 0) {
			*ret_level = (enum log_level)i;
			return 0;
		}
	return -EINVAL;
}

int log_format_from_string(const char *s, enum log_format *ret_format)
{
	if (!s)
		return -EINVAL;
	if (strcmp(s, "text") == 0)
		*ret_format = LOG_FORMAT_TEXT;
	else if (strcmp(s, "json") == 0)
		*ret_format = LOG_FORMAT_JSON;
	else
		return -EINVAL;
	return 0;
}

int log_apply_option(const char *option, const char *value)
{
	enum log_level l;
	enum log_format f;

	if (strcmp(option, "log-level") == 0 && log_level_from_string(value, &l) == 0)
		log_set_level(l);
	else if (strcmp(option, "log-format") == 0 && log_format_from_string(value, &f) == 0)
		log_set_format(f);
	else
		return -EINVAL;
	return 0;
}

/* Appends `s` to buf as the inside of a JSON string. Returns the new length. */
static size_t json_escape_into(char *buf, size_t len, size_t max, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s && len + 7 < max; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[len++] = '\\';
			buf[len++] = (char)c;
		} else if (c < 0x20) {
			buf[len++] = '\\';
			buf[len++] = 'u';
			buf[len++] = '0';
			buf[len++] = '0';
			buf[len++] = hex[c >> 4];
			buf[len++] = hex[c & 0xf];
		} else {
			buf[len++] = (char)c;
		}
	}
	return len;
}

/* Replaces control characters so that one event always stays one line. */
static void flatten(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20)
			*s = ' ';
}

int log_internal(enum log_level level, int error, const char *file, int line, const char *fmt, ...)
{
	char msg[LOG_LINE_MAX], out[LOG_LINE_MAX * 2];
	char ts[40];
	struct timespec now;
	struct tm tm;
	int saved_errno = errno;
	size_t n;
	va_list ap;

	if (error != 0)
		errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%03ldZ", now.tv_nsec / 1000000);

	if (log_format == LOG_FORMAT_JSON) {
		n = (size_t)snprintf(out, sizeof(out),
				     "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
				     level_names[level]);
		n = json_escape_into(out, n, sizeof(out) - 64, msg);
		if (level == LOG_LEVEL_DEBUG) {
			n += (size_t)snprintf(out + n, sizeof(out) - n, "\",\"src\":\"");
			n = json_escape_into(out, n, sizeof(out) - 16, file);
			n += (size_t)snprintf(out + n, sizeof(out) - n, ":%d", line);
		}
		n += (size_t)snprintf(out + n, sizeof(out) - n, "\"}\n");
	} else {
		flatten(msg);
		if (level == LOG_LEVEL_DEBUG)
			n = (size_t)snprintf(out, sizeof(out), "%s %s %s (%s:%d)\n", ts,
					     level_names[level], msg, file, line);
		else
			n = (size_t)snprintf(out, sizeof(out), "%s %s %s\n", ts, level_names[level],
					     msg);
	}
	if (n >= sizeof(out)) {
		n = sizeof(out) - 1;
		out[n - 1] = '\n';
	}
	/* One write per record: concurrent threads never interleave within a line. */
	(void)!write(log_fd, out, n);
	errno = saved_errno;
	return error;
}
