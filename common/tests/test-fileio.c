// SPDX-License-Identifier: Apache-2.0
/* Tests for read_full_file(), write_file_atomic() and mkdir_p(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/fileio.h"

struct tmpdir {
	char path[64];
};

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d) {
		(void)unlink(path);
		return;
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		rm_rf(sub);
	}
	closedir(d);
	(void)rmdir(path);
}

static int setup(void **state)
{
	struct tmpdir *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	(void)snprintf(t->path, sizeof(t->path), "/tmp/pavise-test-fileio-XXXXXX");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmpdir *t = *state;

	rm_rf(t->path);
	free(t);
	return 0;
}

static void join(char *out, const struct tmpdir *t, const char *name)
{
	(void)snprintf(out, PATH_MAX, "%s/%s", t->path, name);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void test_write_then_read(void **state)
{
	struct tmpdir *t = *state;
	char p[PATH_MAX];
	char *data = NULL;
	size_t len = 0;
	struct stat st;

	join(p, t, "a.txt");
	assert_int_equal(write_file_atomic(p, "hello\n", 6, 0640), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(read_full_file(p, 1024, &data, &len), 0);
	assert_int_equal(len, 6);
	assert_memory_equal(data, "hello\n", 6);
	assert_int_equal(data[len], '\0');
	free(data);

	/* Replacement: new content and mode, no temporary file left behind. */
	assert_int_equal(write_file_atomic(p, "x", 1, 0600), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(read_full_file(p, 1, &data, NULL), 0);
	assert_string_equal(data, "x");
	free(data);
	assert_int_equal(count_entries(t->path), 1);

	/* Empty files are fine both ways. */
	assert_int_equal(write_file_atomic(p, "", 0, 0644), 0);
	assert_int_equal(read_full_file(p, 0, &data, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
}

static void test_read_cap(void **state)
{
	struct tmpdir *t = *state;
	char p[PATH_MAX], big[10000];
	char *data = NULL;
	size_t len = 0;

	memset(big, 'z', sizeof(big));
	join(p, t, "big");
	assert_int_equal(write_file_atomic(p, big, sizeof(big), 0644), 0);
	assert_int_equal(read_full_file(p, sizeof(big) - 1, &data, &len), -EFBIG);
	assert_null(data);
	assert_int_equal(read_full_file(p, sizeof(big), &data, &len), 0);
	assert_int_equal(len, sizeof(big));
	assert_memory_equal(data, big, sizeof(big));
	free(data);
}

static void test_read_cap_unsized(void **state)
{
	char *data = NULL;
	size_t len = 0;

	(void)state;
	/* procfs reports size 0: the cap must be enforced while reading. */
	assert_int_equal(read_full_file("/proc/self/maps", 16, &data, &len), -EFBIG);
	assert_null(data);
	assert_int_equal(read_full_file("/proc/self/maps", 1 << 20, &data, &len), 0);
	assert_true(len > 16);
	assert_int_equal(strlen(data), len);
	free(data);
}

static void test_read_errors(void **state)
{
	struct tmpdir *t = *state;
	char p[PATH_MAX];
	char *data = NULL;

	join(p, t, "missing");
	assert_int_equal(read_full_file(p, 10, &data, NULL), -ENOENT);
	assert_int_equal(read_full_file(t->path, 10, &data, NULL), -EISDIR);
	assert_null(data);
}

static void test_read_no_fd_leak(void **state)
{
	struct tmpdir *t = *state;
	char p[PATH_MAX];
	int fd;

	/* After a read no descriptor leaks: the next open gets the lowest free slot. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	join(p, t, "f");
	assert_int_equal(write_file_atomic(p, "abc", 3, 0644), 0);
	{
		char *data = NULL;

		assert_int_equal(read_full_file(p, 10, &data, NULL), 0);
		free(data);
	}
	assert_int_equal(open("/dev/null", O_RDONLY | O_CLOEXEC), fd);
	close(fd);
}

static void test_write_errors(void **state)
{
	struct tmpdir *t = *state;
	char p[PATH_MAX];

	join(p, t, "nodir/file");
	assert_int_equal(write_file_atomic(p, "a", 1, 0644), -ENOENT);
	join(p, t, "dir/");
	assert_int_equal(write_file_atomic(p, "a", 1, 0644), -ENOENT);
	join(p, t, "");
	assert_int_equal(write_file_atomic(p, "a", 1, 0644), -EISDIR);
	/* Replacing a directory fails and leaves nothing behind. */
	join(p, t, "sub");
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(write_file_atomic(p, "a", 1, 0644), -EISDIR);
	assert_int_equal(count_entries(t->path), 1);
}

static void test_mkdir_p(void **state)
{
	struct tmpdir *t = *state;
	char p[PATH_MAX], f[PATH_MAX];
	struct stat st;

	join(p, t, "a/b//c/");
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	/* Idempotent. */
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(mkdir_p("/", 0755), 0);
	assert_int_equal(mkdir_p("", 0755), -EINVAL);

	join(f, t, "a/file");
	assert_int_equal(write_file_atomic(f, "x", 1, 0644), 0);
	assert_int_equal(mkdir_p(f, 0755), -ENOTDIR);
	join(p, t, "a/file/below");
	assert_int_equal(mkdir_p(p, 0755), -ENOTDIR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_cap, setup, teardown),
		cmocka_unit_test(test_read_cap_unsized),
		cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_no_fd_leak, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_p, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
