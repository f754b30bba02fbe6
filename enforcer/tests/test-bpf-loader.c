// SPDX-License-Identifier: Apache-2.0
/*
 * The BPF loader on the host: open() refuses a kernel without usable BPF LSM
 * with -EOPNOTSUPP and a message (this host's kernel is such a one), and the
 * pure logic behind it. The programs themselves are proven in the kernel lab
 * (the scenarios in bpf/tests/scenarios/, run by bpf/tests/run-lab).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "enforcer/bpf-loader.h"

static char *read_small(const char *path)
{
	char *buf = calloc(1, 4097);
	int fd;
	ssize_t n;

	assert_non_null(buf);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	n = read(fd, buf, 4096);
	close(fd);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* What this kernel says, judged by the same rule the loader uses; open() must agree. */
static void test_open_on_this_kernel(void **state)
{
	_cleanup_free_ char *lsm = read_small("/sys/kernel/security/lsm");
	_cleanup_free_ char *lockdown = read_small("/sys/kernel/security/lockdown");
	_cleanup_free_ char *want_msg = NULL, *msg = NULL;
	struct bpf_enforcer *e = NULL;
	int want, r;

	(void)state;
	want = bpf_lsm_check(lsm, lockdown, &want_msg);
	r = bpf_enforcer_open("/sys/fs/bpf/pavise-unit-test", &e, &msg);
	if (want == -EOPNOTSUPP) {
		/* This workplace's host: "bpf" listed, lockdown in confidentiality mode. */
		assert_int_equal(r, -EOPNOTSUPP);
		assert_null(e);
		assert_non_null(msg);
		assert_string_equal(msg, want_msg);
		assert_non_null(strstr(msg, "/sys/kernel/security/"));
		return;
	}
	/* A kernel that runs BPF LSM: loads as root, fails with a message otherwise. */
	if (r == 0) {
		struct bpf_enforcer_stats st;

		bpf_enforcer_stats(e, &st);
		assert_true(st.n_programs >= 12);
		bpf_enforcer_free(e);
		assert_int_equal(bpf_enforcer_purge("/sys/fs/bpf/pavise-unit-test"), 0);
		return;
	}
	assert_true(r == -EPERM || r == -EACCES || r == -ENOENT);
	assert_non_null(msg);
}

static void test_open_arguments(void **state)
{
	_cleanup_free_ char *msg = NULL;
	struct bpf_enforcer *e = NULL;

	(void)state;
	assert_int_equal(bpf_enforcer_open("relative/dir", &e, &msg), -EINVAL);
	assert_non_null(msg);
	assert_non_null(strstr(msg, "relative/dir"));
	assert_null(e);
	assert_int_equal(bpf_enforcer_open("/sys/fs/bpf/x", NULL, NULL), -EINVAL);
}

static void test_lsm_check(void **state)
{
	static const struct {
		const char *lsm, *lockdown;
		int want;
		const char *in_msg;
	} t[] = {
		{ "lockdown,capability,apparmor,bpf\n", "[none] integrity confidentiality\n", 0,
		  NULL },
		{ "lockdown,capability,apparmor,bpf,ima,evm", NULL, 0, NULL },
		{ "bpf", "none [integrity] confidentiality", 0, NULL },
		{ "lockdown,capability,landlock,bpf\n", "none integrity [confidentiality]\n",
		  -EOPNOTSUPP, "confidentiality" },
		{ "lockdown,capability,apparmor\n", NULL, -EOPNOTSUPP, "\"bpf\" is not in" },
		{ "capability,bpfx,xbpf", NULL, -EOPNOTSUPP, "\"bpf\" is not in" },
		{ "", NULL, -EOPNOTSUPP, "\"bpf\" is not in" },
		{ NULL, NULL, -EOPNOTSUPP, "cannot read" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(t); i++) {
		_cleanup_free_ char *msg = NULL;
		int r = bpf_lsm_check(t[i].lsm, t[i].lockdown, &msg);

		if (r != t[i].want)
			fail_msg("case %zu: %d, expected %d", i, r, t[i].want);
		if (t[i].in_msg) {
			assert_non_null(msg);
			if (!strstr(msg, t[i].in_msg))
				fail_msg("case %zu: message '%s' lacks '%s'", i, msg, t[i].in_msg);
		} else {
			assert_null(msg);
		}
	}
	/* No message wanted: still the verdict. */
	assert_int_equal(bpf_lsm_check("apparmor", NULL, NULL), -EOPNOTSUPP);
}

static void set_name(struct pavise_slot_name *s, const char *name)
{
	memset(s->name, 0, sizeof(s->name));
	snprintf(s->name, sizeof(s->name), "%s", name);
}

static void test_slots(void **state)
{
	struct pavise_slot_name slots[4] = {};
	char long_name[PAVISE_PROFILE_NAME_MAX + 1];
	uint32_t slot = 99;

	(void)state;
	/* An empty table: the first slot, new. */
	assert_int_equal(bpf_slot_pick(slots, 4, "a", &slot), 0);
	assert_int_equal(slot, 0);
	assert_int_equal(bpf_slot_find(slots, 4, "a", &slot), -ENOENT);
	set_name(&slots[0], "a");
	set_name(&slots[1], "b");
	set_name(&slots[3], "d");
	/* Known names keep their slot; a new one takes the first hole. */
	assert_int_equal(bpf_slot_pick(slots, 4, "b", &slot), 1);
	assert_int_equal(slot, 1);
	assert_int_equal(bpf_slot_pick(slots, 4, "d", &slot), 1);
	assert_int_equal(slot, 3);
	assert_int_equal(bpf_slot_pick(slots, 4, "c", &slot), 0);
	assert_int_equal(slot, 2);
	assert_int_equal(bpf_slot_find(slots, 4, "d", &slot), 0);
	assert_int_equal(slot, 3);
	/* Full. */
	set_name(&slots[2], "c");
	slot = 77;
	assert_int_equal(bpf_slot_pick(slots, 4, "e", &slot), -ENOSPC);
	assert_int_equal(slot, 77);
	assert_int_equal(bpf_slot_pick(slots, 4, "c", &slot), 1);
	assert_int_equal(slot, 2);
	/* A freed slot is reused. */
	set_name(&slots[1], "");
	assert_int_equal(bpf_slot_pick(slots, 4, "e", &slot), 0);
	assert_int_equal(slot, 1);
	/* Names: not empty, shorter than a slot's buffer; a prefix is not the name. */
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	assert_int_equal(bpf_slot_pick(slots, 4, long_name, &slot), -EINVAL);
	long_name[PAVISE_PROFILE_NAME_MAX - 1] = 0;
	assert_int_equal(bpf_slot_pick(slots, 4, long_name, &slot), 0);
	assert_int_equal(bpf_slot_pick(slots, 4, "", &slot), -EINVAL);
	assert_int_equal(bpf_slot_pick(slots, 4, NULL, &slot), -EINVAL);
	assert_int_equal(bpf_slot_find(slots, 4, "dd", &slot), -ENOENT);
	assert_int_equal(bpf_slot_pick(slots, 0, "a", &slot), -ENOSPC);
}

static void test_build_hash(void **state)
{
	static const char obj[] = "\x7f"
				  "ELF";

	(void)state;
	/* FNV-1a 64 reference values. */
	assert_true(bpf_build_hash("", 0) == 0xcbf29ce484222325ULL);
	assert_true(bpf_build_hash("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(bpf_build_hash("foobar", 6) == 0x85944171f73967e8ULL);
	/* One byte changes it. */
	assert_true(bpf_build_hash(obj, 4) != bpf_build_hash(obj, 3));
}

static void test_null_handles(void **state)
{
	struct bpf_enforcer_stats st;
	struct bpf_binding b;
	char buf[8];

	(void)state;
	assert_null(bpf_enforcer_free(NULL));
	memset(&st, 0xff, sizeof(st));
	bpf_enforcer_stats(NULL, &st);
	assert_int_equal(st.n_programs, 0);
	assert_false(st.took_over);
	assert_int_equal(bpf_enforcer_set_profile(NULL, "a", NULL), -EINVAL);
	assert_int_equal(bpf_enforcer_remove_profile(NULL, "a"), -EINVAL);
	assert_int_equal(bpf_enforcer_bind(NULL, 1, "a", NULL), -EINVAL);
	assert_int_equal(bpf_enforcer_unbind(NULL, 1), -EINVAL);
	assert_int_equal(bpf_enforcer_lookup_binding(NULL, 1, &b), -EINVAL);
	assert_int_equal(bpf_enforcer_slot_name(NULL, 0, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(bpf_enforcer_events_fd(NULL), -EINVAL);
	/* Purging what is not there is fine. */
	assert_int_equal(bpf_enforcer_purge("/tmp/pavise-no-such-pin-dir"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_on_this_kernel), cmocka_unit_test(test_open_arguments),
		cmocka_unit_test(test_lsm_check),	    cmocka_unit_test(test_slots),
		cmocka_unit_test(test_build_hash),	    cmocka_unit_test(test_null_handles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
