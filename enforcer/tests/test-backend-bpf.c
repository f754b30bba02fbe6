// SPDX-License-Identifier: Apache-2.0
/* The BPF backend against a fake kernel side: disk devices, encoding, mode, failures, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "enforcer/backend.h"
#include "rules/bpf-content.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

#define DISK_RULE                                                                           \
	"{'files': [{'mode': 1, 'permissions': 14, 'pattern': {'flags': 5, 'prefix': "      \
	"'/dev/{{.DiskDevices}}'}}, {'mode': 1, 'permissions': 4, 'pattern': {'flags': 5, " \
	"'prefix': '/etc/shadow'}}]}"

/* The fake kernel: what set_profile/remove_profile were given, and what to answer. */
struct fake {
	int set_result, remove_result;
	unsigned n_set, n_remove;
	char last_name[ARMOR_NAME_MAX + 1];
	struct pavise_bpf_profile last;
};

static int fake_set(void *kernel, const char *name, const struct pavise_bpf_profile *prof)
{
	struct fake *k = kernel;

	k->n_set++;
	snprintf(k->last_name, sizeof(k->last_name), "%s", name);
	k->last = *prof;
	return k->set_result;
}

static int fake_remove(void *kernel, const char *name)
{
	struct fake *k = kernel;

	k->n_remove++;
	snprintf(k->last_name, sizeof(k->last_name), "%s", name);
	return k->remove_result;
}

static const struct bpf_ops fake_ops = { .set_profile = fake_set, .remove_profile = fake_remove };

struct fx {
	char *dir;
	char partitions[1024];
	struct fake kernel;
	struct bpf_backend bb;
	struct backend b_bpf, b_other;
	struct profile_store *store;
};

static int make_store(struct fx *f, void *kernel)
{
	struct backend *backends[_PART_MAX];

	bpf_backend_init(&f->bb, &fake_ops, kernel, f->partitions, &f->b_bpf);
	backend_bpf_pending(&f->b_other);
	f->b_other.content = NULL;
	backends[PART_APPARMOR] = &f->b_other;
	backends[PART_SECCOMP] = &f->b_other;
	backends[PART_BPF] = &f->b_bpf;
	return profile_store_new(backends, NULL, &f->store);
}

static const char *no_content(const struct armor_profile *p)
{
	(void)p;
	return NULL;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->dir = testlib_tmpdir();
	snprintf(f->partitions, sizeof(f->partitions), "%s/partitions", f->dir);
	if (fixture_write(f->dir, "partitions",
			  "major minor  #blocks  name\n\n 254        0    1048576 vda\n"
			  " 254        1    1047552 vda1\n  11        0    1048575 sr0\n") < 0)
		return -1;
	if (make_store(f, &f->kernel) < 0)
		return -1;
	f->b_other.content = no_content;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	profile_store_free(f->store);
	fixture_rm_rf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static struct armor_profile *profile(const char *name, const char *mode, const char *bpf)
{
	json_t *doc = testlib_json(bpf), *full;
	struct armor_profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	full = json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:s, s:s, s:o}}}", "apiVersion",
			 "crd.varmor.org/v1beta1", "kind", "ArmorProfile", "metadata", "name", name,
			 "spec", "profile", "name", name, "mode", mode, "bpf", doc);
	assert_non_null(full);
	assert_int_equal(armor_profile_parse(full, &p, &msg), 0);
	json_decref(full);
	return p;
}

static void sync_one(struct fx *f, struct armor_profile *p)
{
	struct profile_set want = {};

	if (p)
		assert_int_equal(profile_set_add(&want, p, "test"), 0);
	assert_int_equal(profile_store_sync(f->store, &want, false), 0);
}

static void expect(struct fx *f, const char *name, enum apply_state st, const char *needle)
{
	enum apply_state got;
	char msg[PROFILE_MESSAGE_MAX];

	assert_int_equal(profile_store_get(f->store, name, PART_BPF, &got, msg, sizeof(msg)), 0);
	if (got != st || !strstr(msg, needle))
		fail_msg("%s: state %s '%s', want %s with '%s'", name, apply_state_to_string(got),
			 msg, apply_state_to_string(st), needle);
}

static void test_devices(void **state)
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n = 0;
	char big[BPF_CONTENT_DEVICES_MAX * 24 + 64] = "";

	(void)state;
	assert_int_equal(bpf_backend_devices("major minor  #blocks  name\n\n"
					     "   8        0  1000 sda\n   8        1   999 sda1\n"
					     " 259 0 5 nvme0n1\n 259 1 4 nvme0n1p1\ngarbage line\n"
					     "1 2 x notanumber\n 7 0 0 loop0",
					     &v, &n),
			 0);
	assert_int_equal(n, 5);
	assert_string_equal(v[0], "sda");
	assert_string_equal(v[1], "sda1");
	assert_string_equal(v[3], "nvme0n1p1");
	assert_string_equal(v[4], "loop0");
	assert_null(v[5]);
	strv_freep(&v);
	v = NULL;

	assert_int_equal(bpf_backend_devices("", &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v[0]);
	strv_freep(&v);
	v = NULL;

	/* names that could change a pattern are refused, as are too many */
	assert_int_equal(bpf_backend_devices(" 8 0 1 sd*\n", &v, &n), -EINVAL);
	assert_int_equal(bpf_backend_devices(" 8 0 1 ../x\n", &v, &n), -EINVAL);
	assert_int_equal(bpf_backend_devices(" 8 0 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", &v,
					     &n),
			 -EINVAL);
	for (unsigned i = 0; i <= BPF_CONTENT_DEVICES_MAX; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), " 8 %u 1 d%u\n", i, i);
	assert_int_equal(bpf_backend_devices(big, &v, &n), -E2BIG);
	assert_null(v);
}

static void test_apply_expands_and_sets_mode(void **state)
{
	struct fx *f = *state;

	sync_one(f, profile("web", "complain", DISK_RULE));
	expect(f, "web", APPLY_APPLIED, "complain");
	assert_int_equal(f->kernel.n_set, 1);
	assert_string_equal(f->kernel.last_name, "web");
	assert_int_equal(f->kernel.last.mode, PAVISE_PROFILE_COMPLAIN);
	/* one rule per device (vda, vda1, sr0) plus /etc/shadow */
	assert_int_equal(f->kernel.last.n_files, 4);
	assert_string_equal((const char *)f->kernel.last.files[0].pattern.prefix, "/dev/vda");
	assert_string_equal((const char *)f->kernel.last.files[1].pattern.prefix, "/dev/vda1");
	assert_string_equal((const char *)f->kernel.last.files[2].pattern.prefix, "/dev/sr0");
	assert_string_equal((const char *)f->kernel.last.files[3].pattern.prefix, "/etc/shadow");

	/* the same content in enforce mode is applied again */
	sync_one(f, profile("web", "enforce", DISK_RULE));
	expect(f, "web", APPLY_APPLIED, "enforce");
	assert_int_equal(f->kernel.n_set, 2);
	assert_int_equal(f->kernel.last.mode, PAVISE_PROFILE_ENFORCE);

	/* gone from the directory: removed from the kernel */
	sync_one(f, NULL);
	assert_int_equal(f->kernel.n_remove, 1);
	assert_string_equal(f->kernel.last_name, "web");
}

static void test_no_disks(void **state)
{
	struct fx *f = *state;

	/* a node without /proc/partitions: the disk rule is dropped, the rest stays */
	assert_int_equal(unlink(f->partitions), 0);
	sync_one(f, profile("web", "enforce", DISK_RULE));
	expect(f, "web", APPLY_APPLIED, "enforce");
	assert_int_equal(f->kernel.last.n_files, 1);
	assert_string_equal((const char *)f->kernel.last.files[0].pattern.prefix, "/etc/shadow");
}

static void test_refusals(void **state)
{
	struct fx *f = *state;

	/* content the encoder refuses never reaches the kernel, and says which field */
	sync_one(f, profile("bad", "enforce",
			    "{'files': [{'mode': 1, 'permissions': 14, 'pattern': {'flags': 5}, "
			    "'extra': 1}]}"));
	expect(f, "bad", APPLY_FAILED, "files[0]");
	assert_int_equal(f->kernel.n_set, 0);

	/* the kernel side refuses: failed, with the reason */
	f->kernel.set_result = -ENOSPC;
	sync_one(f, profile("full", "enforce", DISK_RULE));
	expect(f, "full", APPLY_FAILED, "every profile slot");

	/* a bad device name on the node fails the profile instead of weakening it */
	f->kernel.set_result = 0;
	assert_int_equal(fixture_write(f->dir, "partitions", " 8 0 1 sd{a,b}\n"), 0);
	sync_one(f, profile("dev", "enforce", DISK_RULE));
	expect(f, "dev", APPLY_FAILED, "disk devices");

	/* removing a profile the kernel does not know is no error */
	f->kernel.remove_result = -ENOENT;
	sync_one(f, NULL);
}

static void test_unavailable(void **state)
{
	struct fx *f = *state;

	profile_store_free(f->store);
	assert_int_equal(make_store(f, NULL), 0);
	f->b_other.content = no_content;
	f->b_bpf.unavailable_msg = "BPF LSM unavailable: 'bpf' is not in /sys/kernel/security/lsm";
	sync_one(f, profile("web", "enforce", DISK_RULE));
	expect(f, "web", APPLY_FAILED, "'bpf' is not in");
	assert_false(f->b_bpf.available);
	assert_int_equal(f->kernel.n_set, 0);
	sync_one(f, NULL);
	assert_int_equal(f->kernel.n_remove, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_devices),
		cmocka_unit_test_setup_teardown(test_apply_expands_and_sets_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_disks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
