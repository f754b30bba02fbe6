// SPDX-License-Identifier: Apache-2.0
/* Node capability detection against fake root directories. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "enforcer/caps.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

static void mk(const char *root, const char *sub)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s%s", root, sub);
	assert_int_equal(mkdir_p(p, 0755), 0);
}

static void put(const char *root, const char *sub, const char *file, const char *text)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s%s", root, sub);
	assert_int_equal(mkdir_p(p, 0755), 0);
	assert_int_equal(fixture_write(p, file, text), 0);
}

static void test_everything(void **state)
{
	_cleanup_free_ char *root = testlib_tmpdir();
	struct caps c;
	char desc[128];

	(void)state;
	put(root, "/sys/module/apparmor/parameters", "enabled", "Y\n");
	mk(root, "/sys/kernel/security/apparmor");
	put(root, "/sys/kernel/security", "lsm", "lockdown,capability,apparmor,bpf,ima,evm\n");
	put(root, "/proc/self", "status", "Name:\tx\nSeccomp:\t0\nSeccomp_filters:\t0\n");
	assert_int_equal(caps_detect(root, &c), 0);
	assert_true(c.apparmor);
	assert_true(c.bpf_lsm);
	assert_true(c.seccomp);
	assert_string_equal(c.lsm, "lockdown,capability,apparmor,bpf,ima,evm");
	caps_describe(&c, desc, sizeof(desc));
	assert_string_equal(desc, "apparmor=yes bpf=yes seccomp=yes");
	fixture_rm_rf(root);
}

static void test_nothing(void **state)
{
	_cleanup_free_ char *root = testlib_tmpdir();
	struct caps c;

	(void)state;
	/* AppArmor compiled in but disabled; securityfs without apparmor; no Seccomp line */
	put(root, "/sys/module/apparmor/parameters", "enabled", "N\n");
	mk(root, "/sys/kernel/security/apparmor");
	put(root, "/sys/kernel/security", "lsm", "lockdown,capability,landlock,bpfx\n");
	put(root, "/proc/self", "status", "Name:\tx\n");
	assert_int_equal(caps_detect(root, &c), 0);
	assert_false(c.apparmor);
	assert_false(c.bpf_lsm);
	assert_false(c.seccomp);
	fixture_rm_rf(root);
}

static void test_apparmor_without_securityfs(void **state)
{
	_cleanup_free_ char *root = testlib_tmpdir();
	struct caps c;

	(void)state;
	put(root, "/sys/module/apparmor/parameters", "enabled", "Y\n");
	assert_int_equal(caps_detect(root, &c), 0);
	assert_false(c.apparmor);
	assert_string_equal(c.lsm, "");
	fixture_rm_rf(root);
}

static void test_empty_root(void **state)
{
	struct caps c;

	(void)state;
	assert_int_equal(caps_detect("/nonexistent/root", &c), 0);
	assert_false(c.apparmor || c.bpf_lsm || c.seccomp);
}

static void test_real_root(void **state)
{
	struct caps c;

	(void)state;
	/* the build host runs seccomp (the kernel lab says so); the rest depends on it */
	assert_int_equal(caps_detect(NULL, &c), 0);
	assert_true(c.seccomp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_apparmor_without_securityfs),
		cmocka_unit_test(test_empty_root),
		cmocka_unit_test(test_real_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
