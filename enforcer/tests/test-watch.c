// SPDX-License-Identifier: Apache-2.0
/* The profile directory watcher on a temporary directory: add, change, delete, rename-over, bursts. */
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "enforcer/profile-dir.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

static char *dir;
static int wfd = -EBADF;

static int setup(void **state)
{
	(void)state;
	dir = testlib_tmpdir();
	if (!dir || profile_dir_watch(dir, &wfd) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	wfd = safe_close(wfd);
	fixture_rm_rf(dir);
	free(dir);
	return 0;
}

/* Waits for a relevant event, then for the directory to be quiet, as the main loop does. */
static bool changed(unsigned timeout_ms)
{
	bool seen = false;

	for (;;) {
		struct pollfd p = { .fd = wfd, .events = POLLIN };
		int r = poll(&p, 1, seen ? 60 : (int)timeout_ms);

		if (r <= 0)
			return seen;
		r = profile_dir_watch_drain(wfd);
		assert_true(r >= 0);
		if (r > 0)
			seen = true;
	}
}

/* Scans and returns "name:mode,name:mode" for comparison. */
static void scan(char *out, size_t size, size_t *ret_refused)
{
	struct profile_set s = {};
	size_t len = 0;

	out[0] = '\0';
	assert_int_equal(profile_dir_scan(dir, &s), 0);
	for (size_t i = 0; i < s.n_items; i++)
		len += (size_t)snprintf(out + len, size - MIN(len, size), "%s%s:%s", i ? "," : "",
					s.items[i].profile->name,
					s.items[i].profile->complain ? "complain" : "enforce");
	if (ret_refused)
		*ret_refused = s.n_refused;
	profile_set_done(&s);
}

static void put(const char *file, const char *name, const char *mode, bool atomic)
{
	_cleanup_free_ char *doc = fixture_profile(name, mode, NULL, FIXTURE_SECCOMP);

	if (atomic)
		assert_int_equal(fixture_write(dir, file, doc), 0);
	else
		assert_int_equal(fixture_write_in_place(dir, file, doc), 0);
}

static void test_add_change_delete(void **state)
{
	char path[1024], got[4096];

	(void)state;
	assert_false(changed(50));
	put("a.yaml", "alpha", "enforce", false);
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "alpha:enforce");

	put("a.yaml", "alpha", "complain", false); /* in place: IN_CLOSE_WRITE */
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "alpha:complain");

	snprintf(path, sizeof(path), "%s/a.yaml", dir);
	assert_int_equal(unlink(path), 0);
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "");
}

static void test_rename_over(void **state)
{
	_cleanup_free_ char *v2 = fixture_profile("beta", "complain", NULL, FIXTURE_SECCOMP);
	char tmp[1024], path[1024], got[4096];

	(void)state;
	put("b.yaml", "beta", "enforce", true);
	assert_true(changed(2000));
	/* an atomic writer: write a hidden temporary, rename it over the file */
	snprintf(tmp, sizeof(tmp), "%s/.b.yaml.tmp", dir);
	snprintf(path, sizeof(path), "%s/b.yaml", dir);
	assert_int_equal(write_file_atomic(tmp, v2, strlen(v2), 0644), 0);
	assert_int_equal(rename(tmp, path), 0);
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "beta:complain");
	assert_int_equal(unlink(path), 0);
	assert_true(changed(2000));
}

/* The kubelet's ConfigMap volume: files are symlinks through "..data", swapped by a rename. */
static void test_configmap_swap(void **state)
{
	_cleanup_free_ char *v1 = fixture_profile("gamma", "enforce", NULL, FIXTURE_SECCOMP);
	_cleanup_free_ char *v2 = fixture_profile("gamma", "complain", NULL, FIXTURE_SECCOMP);
	char p[1024], q[1024], got[4096];

	(void)state;
	snprintf(p, sizeof(p), "%s/..2026_01", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(fixture_write(p, "g.yaml", v1), 0);
	snprintf(p, sizeof(p), "%s/..data", dir);
	assert_int_equal(symlink("..2026_01", p), 0);
	snprintf(p, sizeof(p), "%s/g.yaml", dir);
	assert_int_equal(symlink("..data/g.yaml", p), 0);
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "gamma:enforce");

	snprintf(p, sizeof(p), "%s/..2026_02", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(fixture_write(p, "g.yaml", v2), 0);
	snprintf(p, sizeof(p), "%s/..data_tmp", dir);
	assert_int_equal(symlink("..2026_02", p), 0);
	snprintf(q, sizeof(q), "%s/..data", dir);
	assert_int_equal(rename(p, q), 0);
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "gamma:complain");

	snprintf(p, sizeof(p), "%s/g.yaml", dir);
	assert_int_equal(unlink(p), 0);
	assert_true(changed(2000));
	scan(got, sizeof(got), NULL);
	assert_string_equal(got, "");
}

static void test_burst(void **state)
{
	struct profile_set s = {};
	char file[64], name[64];

	(void)state;
	for (int i = 0; i < 100; i++) {
		snprintf(file, sizeof(file), "burst-%03d.yaml", i);
		snprintf(name, sizeof(name), "burst-%03d", i);
		put(file, name, i % 2 ? "complain" : "enforce", i % 3 == 0);
	}
	assert_true(changed(2000));
	assert_int_equal(profile_dir_scan(dir, &s), 0);
	assert_int_equal(s.n_items, 100);
	assert_int_equal(s.n_refused, 0);
	assert_string_equal(s.items[99].profile->name, "burst-099");
	assert_true(s.items[99].profile->complain);
	profile_set_done(&s);
	for (int i = 0; i < 100; i++) {
		char path[1024];

		snprintf(path, sizeof(path), "%s/burst-%03d.yaml", dir, i);
		assert_int_equal(unlink(path), 0);
	}
	assert_true(changed(2000));
	assert_int_equal(profile_dir_scan(dir, &s), 0);
	assert_int_equal(s.n_items, 0);
	profile_set_done(&s);
}

static void test_dir_removed(void **state)
{
	_cleanup_free_ char *sub = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct pollfd p;

	(void)state;
	assert_true(asprintf(&sub, "%s/sub", dir) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(profile_dir_watch(sub, &fd), 0);
	assert_int_equal(rmdir(sub), 0);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(profile_dir_watch_drain(fd), -ENOENT);
	(void)changed(100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_change_delete), cmocka_unit_test(test_rename_over),
		cmocka_unit_test(test_configmap_swap),	  cmocka_unit_test(test_burst),
		cmocka_unit_test(test_dir_removed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
