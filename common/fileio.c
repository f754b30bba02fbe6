// SPDX-License-Identifier: Apache-2.0
/* Whole-file reads with a cap, atomic file replacement and mkdir -p. */
#include <assert.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"

#define READ_CHUNK_MIN 4096

int read_full_file(const char *path, size_t max, char **ret_data, size_t *ret_len)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *data = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	assert(path);
	assert(ret_data);

	/* We keep one byte beyond `max` to notice overflow, plus the NUL. */
	if (max > SSIZE_MAX - 2)
		return -EINVAL;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* Regular files announce their size: refuse early, size the buffer once. */
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > max)
			return -EFBIG;
		cap = (size_t)st.st_size + 1;
	}

	for (;;) {
		ssize_t k;

		if (!data || len == cap) {
			size_t ncap;
			char *p;

			if (len > max)
				return -EFBIG;
			ncap = data ? cap * 2 : MAX(cap, (size_t)READ_CHUNK_MIN);
			ncap = MIN(ncap, max + 1);
			p = realloc(data, ncap + 1);
			if (!p)
				return -ENOMEM;
			data = p;
			cap = ncap;
		}

		k = read(fd, data + len, cap - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > max)
		return -EFBIG;

	data[len] = '\0';
	*ret_data = TAKE_PTR(data);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* Splits "dir/base" into an open directory fd and a pointer to base. */
static int open_parent(const char *path, int *ret_dfd, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash) {
		fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*ret_base = path;
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		if (n >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, n);
		dir[n] = '\0';
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*ret_base = slash + 1;
	}
	if (fd < 0)
		return -errno;
	*ret_dfd = fd;
	return 0;
}

static uint64_t tmp_suffix(void)
{
	static unsigned counter;
	uint64_t r;

	/* O_EXCL is what makes this safe; randomness only avoids collisions. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	return ((uint64_t)time(NULL) << 32) ^ ((uint64_t)getpid() << 16) ^
	       __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Fills, syncs and closes an already created temporary file. */
static int fill_tmp(int fd, const void *data, size_t len, mode_t mode)
{
	int r;

	r = write_all(fd, data, len);
	if (r < 0)
		return r;
	if (fchmod(fd, mode & 07777) < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	_cleanup_close_ int dfd = -EBADF;
	_cleanup_close_ int fd = -EBADF;
	char tmp[NAME_MAX + 1];
	const char *base;
	int r;

	assert(path);
	assert(data || len == 0);

	r = open_parent(path, &dfd, &base);
	if (r < 0)
		return r;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EISDIR;
	if (strlen(base) > NAME_MAX)
		return -ENAMETOOLONG;

	for (unsigned attempt = 0;; attempt++) {
		/* Long names are shortened so the temporary name fits NAME_MAX. */
		(void)snprintf(tmp, sizeof(tmp), ".%.200s.tmp-%016llx", base,
			       (unsigned long long)tmp_suffix());
		/* Created private; the final mode is applied before the rename. */
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0)
			break;
		if (errno != EEXIST || attempt >= 16)
			return -errno;
	}

	r = fill_tmp(fd, data, len, mode);
	if (r >= 0) {
		/* close() can report deferred write errors (NFS); don't ignore them. */
		if (close(TAKE_FD(fd)) < 0)
			r = -errno;
	}
	if (r >= 0 && renameat(dfd, tmp, dfd, base) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dfd, tmp, 0); /* best effort on the error path */
		return r;
	}
	/* Make the rename itself durable. */
	if (fsync(dfd) < 0)
		return -errno;
	return 0;
}

static int mkdir_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) >= 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n;

	assert(path);

	n = strlen(path);
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);

	/* Create every prefix ending before a '/', then the whole path. */
	for (char *p = buf + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		if (p[-1] != '/') {
			int r;

			*p = '\0';
			r = mkdir_one(buf, mode);
			*p = c;
			if (r < 0)
				return r;
		}
		if (c == '\0')
			break;
	}
	return 0;
}
