// SPDX-License-Identifier: Apache-2.0
/* The AppArmor backend against a fake apparmor_parser that records its arguments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "enforcer/apparmor-loader.h"
#include "enforcer/profile-store.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

/* Records "$*" in args.log; fails with a parser-like message when a file "fail" exists. */
#define FAKE_PARSER                                                                               \
	"#!/bin/sh\n"                                                                             \
	"d=$(dirname \"$0\")\n"                                                                   \
	"echo \"$*\" >>\"$d/args.log\"\n"                                                         \
	"if [ -f \"$d/fail-big\" ]; then head -c 200000 /dev/zero | tr '\\0' x >&2; exit 3; fi\n" \
	"if [ -f \"$d/fail\" ]; then\n"                                                           \
	"  echo \"AppArmor parser error for $3 in profile x at line 4: syntax error\" >&2\n"      \
	"  exit 1\n"                                                                              \
	"fi\n"                                                                                    \
	"exit 0\n"

struct fx {
	char *dir;
	char parser[1024], state[1024], partitions[1024];
	struct apparmor_loader aa;
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
	snprintf(f->parser, sizeof(f->parser), "%s/parser", f->dir);
	snprintf(f->state, sizeof(f->state), "%s/state/apparmor.d", f->dir);
	snprintf(f->partitions, sizeof(f->partitions), "%s/partitions", f->dir);
	if (write_file_atomic(f->parser, FAKE_PARSER, strlen(FAKE_PARSER), 0755) < 0 ||
	    fixture_write(f->dir, "partitions",
			  "major minor  #blocks  name\n\n   8        0   10485760 sda\n"
			  "   8        1    1048576 sda1\n 259 0 100 nvme0n1\n 259 1 10 nvme0n1p1\n"
			  "  11 0 1 sr0\n") < 0)
		return -1;
	apparmor_loader_init(&f->aa, f->parser, f->state, f->partitions, &f->b_aa);
	/* the other parts are not under test: any backend with no content would do */
	backend_bpf_pending(&f->b_bpf);
	f->b_sc = f->b_bpf;
	f->b_sc.kind = PART_SECCOMP;
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

static void sync_retry(struct fx *f, const char *name, const char *mode, const char *extra,
		       bool retry)
{
	_cleanup_free_ char *aa = fixture_apparmor(name, extra);
	_cleanup_free_ char *doc = fixture_profile(name, mode, aa, NULL);
	json_t *j = json_loads(doc, 0, NULL);
	struct armor_profile *p = NULL;
	struct profile_set want = {};
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(armor_profile_parse(j, &p, &msg), 0);
	json_decref(j);
	assert_int_equal(profile_set_add(&want, p, "test"), 0);
	assert_int_equal(profile_store_sync(f->store, &want, retry), 0);
}

static void sync_one(struct fx *f, const char *name, const char *mode, const char *extra)
{
	sync_retry(f, name, mode, extra, false);
}

static void sync_none(struct fx *f)
{
	struct profile_set want = {};

	assert_int_equal(profile_store_sync(f->store, &want, false), 0);
}

static void expect(struct fx *f, const char *name, enum apply_state st, const char *needle)
{
	enum apply_state got;
	char msg[PROFILE_MESSAGE_MAX];

	assert_int_equal(profile_store_get(f->store, name, PART_APPARMOR, &got, msg, sizeof(msg)),
			 0);
	if (got != st || (needle && !strstr(msg, needle)))
		fail_msg("state %s message '%s', want %s with '%s'", apply_state_to_string(got),
			 msg, apply_state_to_string(st), strempty(needle));
}

static void test_enforce_complain_remove(void **state)
{
	struct fx *f = *state;
	_cleanup_free_ char *log = NULL, *text = NULL;
	char want[8192];

	sync_one(f, "varmor-demo-web", "enforce", NULL);
	expect(f, "varmor-demo-web", APPLY_APPLIED, "enforce");
	text = fixture_read(f->state, "varmor-demo-web");
	assert_non_null(text);
	/* whole disks only, defined after the tunables */
	assert_non_null(strstr(text, "#include <tunables/global>\n@{PAVISE_DISK_DEVICES}=/dev/sda "
				     "/dev/nvme0n1 /dev/sr0\n"));
	assert_non_null(strstr(text, "profile varmor-demo-web "));

	/* the same content again: nothing to do */
	sync_one(f, "varmor-demo-web", "enforce", NULL);
	/* complain mode, then a changed text */
	sync_one(f, "varmor-demo-web", "complain", NULL);
	expect(f, "varmor-demo-web", APPLY_APPLIED, "complain");
	sync_one(f, "varmor-demo-web", "complain", "  deny /etc/** w,\n");
	sync_none(f);
	assert_null(fixture_read(f->state, "varmor-demo-web"));
	assert_int_equal(profile_store_get(f->store, "varmor-demo-web", PART_APPARMOR,
					   &(enum apply_state){ 0 }, NULL, 0),
			 -ENOENT);

	log = fixture_read(f->dir, "args.log");
	assert_non_null(log);
	snprintf(want, sizeof(want),
		 "-r -K %1$s/varmor-demo-web\n-r -K -C %1$s/varmor-demo-web\n"
		 "-r -K -C %1$s/varmor-demo-web\n-R %1$s/varmor-demo-web\n",
		 f->state);
	assert_string_equal(log, want);
	assert_int_equal(prom_read(&f->aa.parser_seconds.count), 4);
}

static void test_parser_failure(void **state)
{
	struct fx *f = *state;
	struct profile_store_counts c;
	char path[1100];

	assert_int_equal(fixture_write(f->dir, "fail", ""), 0);
	sync_one(f, "broken", "enforce", NULL);
	expect(f, "broken", APPLY_FAILED,
	       "apparmor_parser exited with status 1: AppArmor parser error for ");
	expect(f, "broken", APPLY_FAILED, "at line 4: syntax error");
	profile_store_counts(f->store, &c);
	assert_int_equal(c.failures[PART_APPARMOR], 1);
	assert_int_equal(c.by_state[PART_APPARMOR][APPLY_FAILED], 1);

	/* unchanged and failed: retried only when asked (SIGHUP) */
	sync_one(f, "broken", "enforce", NULL);
	profile_store_counts(f->store, &c);
	assert_int_equal(c.attempts[PART_APPARMOR], 1);
	snprintf(path, sizeof(path), "%s/fail", f->dir);
	assert_int_equal(unlink(path), 0);
	sync_retry(f, "broken", "enforce", NULL, true);
	expect(f, "broken", APPLY_APPLIED, NULL);

	/* a flood on stderr is capped and does not block the parser */
	assert_int_equal(fixture_write(f->dir, "fail-big", ""), 0);
	sync_one(f, "broken", "enforce", "  deny /x r,\n");
	expect(f, "broken", APPLY_FAILED, "exited with status 3: xxxx");
	snprintf(path, sizeof(path), "%s/fail-big", f->dir);
	assert_int_equal(unlink(path), 0);
	sync_none(f);
}

static void test_missing_parser(void **state)
{
	struct fx *f = *state;

	f->aa.parser = "/nonexistent/apparmor_parser";
	sync_one(f, "lost", "enforce", NULL);
	expect(f, "lost", APPLY_FAILED, "cannot run '/nonexistent/apparmor_parser'");
	f->aa.parser = f->parser;
	sync_none(f);
}

static void test_foreign_profile_refused(void **state)
{
	struct fx *f = *state;
	const char *text = "profile sshd {\\n  file,\\n}\\n";
	char doc[1024];
	json_t *j;
	struct armor_profile *p = NULL;
	struct profile_set want = {};
	_cleanup_free_ char *msg = NULL;

	/* a profile named "evil" whose text would replace the profile "sshd" */
	snprintf(doc, sizeof(doc),
		 "{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"ArmorProfile\","
		 "\"metadata\":{\"name\":\"evil\"},\"spec\":{\"profile\":{\"name\":\"evil\","
		 "\"appArmor\":\"%s\"}}}",
		 text);
	j = json_loads(doc, 0, NULL);
	assert_non_null(j);
	assert_int_equal(armor_profile_parse(j, &p, &msg), 0);
	json_decref(j);
	assert_int_equal(profile_set_add(&want, p, "test"), 0);
	assert_int_equal(profile_store_sync(f->store, &want, false), 0);
	expect(f, "evil", APPLY_FAILED, "appArmor: line 1: ");
	assert_null(fixture_read(f->dir, "args.log"));
	sync_none(f);
}

static void expect_text(const char *text, bool ok, const char *needle)
{
	const char *reason = NULL;
	unsigned line = 0;
	int r = apparmor_loader_check_text(text, "web", &reason, &line);

	if (ok && r < 0)
		fail_msg("refused at line %u: %s:\n%s", line, reason, text);
	if (!ok && (r != -EINVAL || !strstr(reason, needle)))
		fail_msg("r=%d reason '%s', want '%s':\n%s", r, strna(reason), needle, text);
}

static void test_check_text(void **state)
{
	(void)state;
	/* what pavisectl compiles, with children and hats inside */
	expect_text(
		"abi <abi/3.0>,\n#include <tunables/global>\n@{X}=/a /b\n\n"
		"# a comment with { and \"\nprofile web flags=(attach_disconnected,mediate_deleted) {\n"
		"  #include <abstractions/base>\n  deny /etc/** wl,\n"
		"  /bin/sh cx -> child_0,\n  profile child_0 {\n    /bin/sh rix,\n  }\n"
		"  ^hat {\n  }\n  owner \"/tmp/{a,b}\" r, # trailing }\n}\n",
		true, NULL);
	expect_text("profile web\n{\n  file,\n}\n", true, NULL);
	expect_text("include if exists <tunables/global>\nprofile web {}\n", true, NULL);
	/* a second profile, by keyword or by attachment path */
	expect_text("profile web {\n}\nprofile sshd {\n}\n", false, "outside the profile");
	expect_text("profile web {\n}\n/usr/sbin/sshd {\n}\n", false, "outside the profile");
	expect_text("profile web {}\nprofile webx {}\n", false, "outside the profile");
	expect_text("profile sshd {\n}\n", false, "outside the profile");
	expect_text("#include <tunables/global>\n", false, "does not declare");
	/* includes that bring profiles, aliases, hats at the top */
	expect_text("#include <usr.sbin.sshd>\nprofile web {}\n", false, "tunables");
	expect_text("include \"/etc/apparmor.d/x\"\nprofile web {}\n", false, "tunables");
	expect_text("alias /usr/ -> /mnt/usr/,\nprofile web {}\n", false, "outside the profile");
	expect_text("profile web {\n}\n}\n", false, "outside the profile");
	expect_text("profile web {\n  file,\n", false, "unbalanced");
	expect_text("profile web {\n  \"/x r,\n}\n", false, "unbalanced");
}

static void test_disks(void **state)
{
	_cleanup_strv_free_ char **d = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(apparmor_loader_disks("major minor  #blocks  name\n\n 8 0 1 sda\n"
					       " 8 1 1 sda1\n 8 16 1 sdb\n 179 0 1 mmcblk0\n"
					       " 179 1 1 mmcblk0p1\n 259 0 1 nvme10n1\n"
					       " 259 1 1 nvme10n1p12\n 7 0 1 loop0\n",
					       &d, &n),
			 0);
	assert_int_equal(n, 5);
	assert_string_equal(d[0], "sda");
	assert_string_equal(d[1], "sdb");
	assert_string_equal(d[2], "mmcblk0");
	assert_string_equal(d[3], "nvme10n1");
	assert_string_equal(d[4], "loop0");
	assert_null(d[5]);
}

static void test_run_direct(void **state)
{
	_cleanup_free_ char *err = NULL;
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)"echo oops >&2; exit 7", NULL };
	char *argv2[] = { (char *)"/bin/sh", (char *)"-c", (char *)"kill -9 $$", NULL };
	int status = 0;

	(void)state;
	assert_int_equal(apparmor_loader_run(argv, &err, &status), -EINVAL);
	assert_int_equal(status, 7);
	assert_string_equal(err, "oops\n");
	free(err);
	err = NULL;
	assert_int_equal(apparmor_loader_run(argv2, &err, &status), -EIO);
	assert_int_equal(status, 128 + 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_enforce_complain_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parser_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_parser, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_profile_refused, setup, teardown),
		cmocka_unit_test(test_check_text),
		cmocka_unit_test(test_disks),
		cmocka_unit_test(test_run_direct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
