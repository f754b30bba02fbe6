// SPDX-License-Identifier: Apache-2.0
/* The seccomp backend writing into a temporary kubelet directory: content, refusals, removal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "enforcer/profile-store.h"
#include "enforcer/seccomp-writer.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

struct fx {
	char *dir;
	char seccomp[1024];
	struct seccomp_writer w;
	struct backend b_aa, b_sc, b_bpf;
	struct profile_store *store;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct backend *backends[_PART_MAX];

	if (!f)
		return -1;
	f->dir = testlib_tmpdir();
	/* the directory does not exist yet: the writer creates it */
	snprintf(f->seccomp, sizeof(f->seccomp), "%s/kubelet/seccomp", f->dir);
	seccomp_writer_init(&f->w, f->seccomp, &f->b_sc);
	backend_bpf_pending(&f->b_bpf);
	f->b_aa = f->b_bpf;
	f->b_aa.kind = PART_APPARMOR;
	backends[PART_APPARMOR] = &f->b_aa;
	backends[PART_SECCOMP] = &f->b_sc;
	backends[PART_BPF] = &f->b_bpf;
	if (profile_store_new(backends, NULL, &f->store) < 0)
		return -1;
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

static void sync_profiles(struct fx *f, const char *const *names, const char *const *seccomp,
			  size_t n)
{
	struct profile_set want = {};

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *doc = fixture_profile(names[i], "enforce", NULL, seccomp[i]);
		_cleanup_free_ char *msg = NULL;
		json_t *j = json_loads(doc, 0, NULL);
		struct armor_profile *p = NULL;

		assert_int_equal(armor_profile_parse(j, &p, &msg), 0);
		json_decref(j);
		assert_int_equal(profile_set_add(&want, p, "test"), 0);
	}
	assert_int_equal(profile_store_sync(f->store, &want, false), 0);
}

static void expect(struct fx *f, const char *name, enum apply_state st, const char *needle)
{
	enum apply_state got;
	char msg[PROFILE_MESSAGE_MAX];

	assert_int_equal(profile_store_get(f->store, name, PART_SECCOMP, &got, msg, sizeof(msg)),
			 0);
	if (got != st || (needle && !strstr(msg, needle)))
		fail_msg("state %s message '%s', want %s with '%s'", apply_state_to_string(got),
			 msg, apply_state_to_string(st), strempty(needle));
}

static void test_write_update_delete(void **state)
{
	struct fx *f = *state;
	const char *names[] = { "varmor-demo-web", "varmor-demo-db" };
	const char *v1[] = { FIXTURE_SECCOMP, "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}" };
	const char *v2[] = { "{\"defaultAction\":\"SCMP_ACT_LOG\"}" };
	_cleanup_free_ char *got = NULL;
	char path[1100];
	struct stat st;

	sync_profiles(f, names, v1, 2);
	expect(f, "varmor-demo-web", APPLY_APPLIED, "written to");
	got = fixture_read(f->seccomp, "varmor-demo-web");
	assert_non_null(got);
	assert_string_equal(got, FIXTURE_SECCOMP); /* byte for byte, no ".json" suffix */
	snprintf(path, sizeof(path), "%s/varmor-demo-web", f->seccomp);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	free(got);
	got = fixture_read(f->seccomp, "varmor-demo-db");
	assert_string_equal(got, v1[1]);

	/* web changes, db is deleted */
	sync_profiles(f, names, v2, 1);
	free(got);
	got = fixture_read(f->seccomp, "varmor-demo-web");
	assert_string_equal(got, v2[0]);
	assert_null(fixture_read(f->seccomp, "varmor-demo-db"));

	sync_profiles(f, NULL, NULL, 0);
	assert_null(fixture_read(f->seccomp, "varmor-demo-web"));
}

static void test_bad_json(void **state)
{
	struct fx *f = *state;
	const char *names[] = { "bad-json", "bad-syscall", "bad-action", "ok" };
	const char *texts[] = {
		"{\"defaultAction\": ",
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"no_such_call\"],"
		"\"action\":\"SCMP_ACT_ERRNO\"}]}",
		"{\"defaultAction\":\"SCMP_ACT_EXPLODE\"}",
		FIXTURE_SECCOMP,
	};
	struct profile_store_counts c;

	sync_profiles(f, names, texts, 4);
	expect(f, "bad-json", APPLY_FAILED, "not JSON");
	expect(f, "bad-syscall", APPLY_FAILED, "refused");
	expect(f, "bad-action", APPLY_FAILED, "refused");
	expect(f, "ok", APPLY_APPLIED, NULL);
	assert_null(fixture_read(f->seccomp, "bad-json"));
	assert_null(fixture_read(f->seccomp, "bad-syscall"));
	profile_store_counts(f->store, &c);
	assert_int_equal(c.by_state[PART_SECCOMP][APPLY_FAILED], 3);
	assert_int_equal(c.by_state[PART_SECCOMP][APPLY_APPLIED], 1);
	assert_int_equal(c.failures[PART_SECCOMP], 3);
	sync_profiles(f, NULL, NULL, 0);
}

static void test_unavailable(void **state)
{
	struct fx *f = *state;
	const char *names[] = { "p" };
	const char *texts[] = { FIXTURE_SECCOMP };

	f->b_sc.available = false;
	sync_profiles(f, names, texts, 1);
	expect(f, "p", APPLY_FAILED, "this node cannot enforce seccomp");
	assert_null(fixture_read(f->seccomp, "p"));
	sync_profiles(f, NULL, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_update_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unavailable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
