// SPDX-License-Identifier: Apache-2.0
/* Cleanup attributes, ownership transfer and small compiler helpers. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)	     __attribute__((cleanup(f)))
#define _unused_	     __attribute__((unused))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _printf_(a, b)	     __attribute__((format(printf, a, b)))
#define _noreturn_	     __attribute__((noreturn))
#define _likely_(x)	     (__builtin_expect(!!(x), 1))
#define _unlikely_(x)	     (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x)	     (sizeof(x) / sizeof((x)[0]))

#define MIN(a, b)	     ((a) < (b) ? (a) : (b))
#define MAX(a, b)	     ((a) > (b) ? (a) : (b))

/* Hands a pointer out of a cleanup scope: returns it and leaves NULL behind. */
#define TAKE_PTR(p)                         \
	({                                  \
		__typeof__(p) *_pp_ = &(p); \
		__typeof__(p) _p_ = *_pp_;  \
		*_pp_ = NULL;               \
		_p_;                        \
	})

/* Same for file descriptors; leaves -EBADF behind. */
#define TAKE_FD(fd)                 \
	({                          \
		int *_fdp_ = &(fd); \
		int _fd_ = *_fdp_;  \
		*_fdp_ = -EBADF;    \
		_fd_;               \
	})

/* Defines `func##p(type *p)` that calls func(*p) when *p is not NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		(void)close(fd);
		errno = saved;
	}
	return -EBADF;
}

static inline void closep(int *fd)
{
	safe_close(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

/* Frees a NULL-terminated vector of strings. */
static inline void strv_freep(char ***v)
{
	if (!*v)
		return;
	for (char **s = *v; *s; s++)
		free(*s);
	free(*v);
}

#define _cleanup_free_	    _cleanup_(freep)
#define _cleanup_close_	    _cleanup_(closep)
#define _cleanup_fclose_    _cleanup_(fclosep)
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* Multiplication that reports overflow instead of wrapping. */
static inline int size_mul(size_t a, size_t b, size_t *ret)
{
	if (__builtin_mul_overflow(a, b, ret))
		return -EOVERFLOW;
	return 0;
}

static inline const char *strempty(const char *s)
{
	return s ? s : "";
}

static inline const char *strna(const char *s)
{
	return s ? s : "n/a";
}
