// SPDX-License-Identifier: Apache-2.0
/* ArmorProfile parsing and the directory scan: valid documents, lists, and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "enforcer/profile-dir.h"
#include "enforcer/profile-store.h"
#include "enforcer/tests/fixtures.h"
#include "rules/apparmor.h"
#include "tests/lib/testlib.h"

static int parse_text(const char *json, struct armor_profile **ret, char **msg)
{
	json_t *doc = json_loads(json, JSON_ALLOW_NUL, NULL);
	int r;

	assert_non_null(doc);
	r = armor_profile_parse(doc, ret, msg);
	json_decref(doc);
	return r;
}

static void test_valid(void **state)
{
	_cleanup_free_ char *aa = fixture_apparmor("varmor-demo-web", NULL);
	_cleanup_free_ char *doc =
		fixture_profile("varmor-demo-web", "complain", aa, FIXTURE_SECCOMP);
	_cleanup_(armor_profile_freep) struct armor_profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	(void)state;
	assert_int_equal(parse_text(doc, &p, &msg), 0);
	assert_string_equal(p->name, "varmor-demo-web");
	assert_true(p->complain);
	assert_string_equal(p->apparmor, aa);
	assert_string_equal(p->seccomp, FIXTURE_SECCOMP);
	assert_null(p->bpf);
	assert_null(msg);
}

static void test_bpf_and_defaults(void **state)
{
	_cleanup_(armor_profile_freep) struct armor_profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	(void)state;
	assert_int_equal(
		parse_text("{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"ArmorProfile\","
			   "\"metadata\":{\"name\":\"p\"},\"spec\":{\"profile\":{\"name\":\"p\","
			   "\"bpf\":{\"files\":[],\"capabilities\":{\"mode\":2}}}}}",
			   &p, &msg),
		0);
	assert_false(p->complain);
	assert_null(p->apparmor);
	assert_string_equal(p->bpf, "{\"capabilities\":{\"mode\":2},\"files\":[]}");
}

static void test_names(void **state)
{
	static const char *const good[] = { "a", "varmor-demo-web", "x.y_z-1", "0abc" };
	static const char *const bad[] = { "",	"../x", "a/b", "..", "-a",  "a-",  ".hidden",
					   "A", "a b",	"a\n", "é",  "a:b", "a\\b" };
	char long_name[80];

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		assert_true(profile_name_is_valid(good[i]));
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		assert_false(profile_name_is_valid(bad[i]));
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	assert_true(profile_name_is_valid(long_name));
	long_name[63] = 'a';
	long_name[64] = '\0';
	assert_false(profile_name_is_valid(long_name));
}

static void expect_refused(const char *json, int err, const char *needle)
{
	_cleanup_(armor_profile_freep) struct armor_profile *p = NULL;
	_cleanup_free_ char *msg = NULL;

	assert_int_equal(parse_text(json, &p, &msg), err);
	assert_null(p);
	assert_non_null(msg);
	if (!strstr(msg, needle))
		fail_msg("'%s' does not mention '%s'", msg, needle);
}

#define HEAD "{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"ArmorProfile\","

static void test_hostile(void **state)
{
	(void)state;
	expect_refused("[]", -EINVAL, "not an object");
	expect_refused("{\"apiVersion\":\"v1\",\"kind\":\"ArmorProfile\"}", -EINVAL, "apiVersion");
	expect_refused("{\"apiVersion\":\"crd.varmor.org/v1beta1\",\"kind\":\"VarmorPolicy\"}",
		       -EINVAL, "kind");
	expect_refused(HEAD "\"metadata\":{}}", -EINVAL, "metadata.name");
	expect_refused(
		HEAD "\"metadata\":{\"name\":\"../x\"},\"spec\":{\"profile\":{\"name\":\"../x\"}}}",
		-EINVAL, "not a valid profile name");
	expect_refused(HEAD
		       "\"metadata\":{\"name\":\"a/b\"},\"spec\":{\"profile\":{\"name\":\"a/b\"}}}",
		       -EINVAL, "not a valid profile name");
	expect_refused(HEAD "\"metadata\":{\"name\":42}}", -EINVAL, "metadata.name");
	expect_refused(HEAD "\"metadata\":{\"name\":\"a\"}}", -EINVAL, "spec.profile");
	expect_refused(HEAD
		       "\"metadata\":{\"name\":\"a\"},\"spec\":{\"profile\":{\"name\":\"b\"}}}",
		       -EINVAL, "must equal metadata.name");
	expect_refused(HEAD "\"metadata\":{\"name\":\"a\"},\"spec\":{\"profile\":{\"name\":\"a\","
			    "\"mode\":\"audit\"}}}",
		       -EINVAL, "spec.profile.mode");
	expect_refused(HEAD "\"metadata\":{\"name\":\"a\"},\"spec\":{\"profile\":{\"name\":\"a\","
			    "\"appArmor\":7}}}",
		       -EINVAL, "spec.profile.appArmor: not a string");
	expect_refused(HEAD "\"metadata\":{\"name\":\"a\"},\"spec\":{\"profile\":{\"name\":\"a\","
			    "\"appArmor\":\"profile a {}\\u0000 profile b {}\"}}}",
		       -EINVAL, "NUL");
	expect_refused(HEAD "\"metadata\":{\"name\":\"a\"},\"spec\":{\"profile\":{\"name\":\"a\","
			    "\"bpf\":\"x\"}}}",
		       -EINVAL, "spec.profile.bpf");
}

static void test_oversized(void **state)
{
	size_t n = APPARMOR_PROFILE_MAX + 1;
	_cleanup_free_ char *big = malloc(n + 1);
	_cleanup_free_ char *doc = NULL;

	(void)state;
	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	doc = fixture_profile("a", "enforce", big, NULL);
	expect_refused(doc, -EFBIG, "more than");
	free(doc);
	doc = fixture_profile("a", "enforce", NULL, big);
	expect_refused(doc, -EFBIG, "spec.profile.seccomp");
}

static void test_scan(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir();
	_cleanup_free_ char *a = fixture_profile("one", "enforce", "profile one {}", NULL);
	_cleanup_free_ char *b = fixture_profile("two", "enforce", NULL, FIXTURE_SECCOMP);
	_cleanup_free_ char *c = fixture_profile("one", "complain", "profile one {}", NULL);
	struct profile_set s = {};
	char text[8192];

	(void)state;
	assert_non_null(dir);
	/* several documents in one YAML stream, a List, a duplicate, junk and hidden files */
	snprintf(text, sizeof(text), "%s\n---\n%s\n", a, b);
	assert_int_equal(fixture_write(dir, "10-pair.yaml", text), 0);
	snprintf(text, sizeof(text), "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[%s]}", c);
	assert_int_equal(fixture_write(dir, "20-list.json", text), 0);
	assert_int_equal(fixture_write(dir, "30-broken.yaml", "kind: [unclosed\n  x: {\n"), 0);
	assert_int_equal(fixture_write(dir, ".hidden", "not: a profile\n"), 0);
	assert_int_equal(fixture_write(dir, "40-pod.yaml", "apiVersion: v1\nkind: Pod\n"), 0);
	assert_int_equal(fixture_write(dir, "50-empty.yaml", "# nothing\n"), 0);

	assert_int_equal(profile_dir_scan(dir, &s), 0);
	assert_int_equal(s.n_items, 2);
	assert_string_equal(s.items[0].profile->name, "one");
	assert_string_equal(s.items[0].source, "10-pair.yaml#0");
	assert_string_equal(s.items[1].profile->name, "two");
	assert_int_equal(s.n_refused, 3);
	assert_string_equal(s.refused[0].source, "20-list.json#0");
	assert_non_null(strstr(s.refused[0].message, "already defined by 10-pair.yaml#0"));
	assert_string_equal(s.refused[1].source, "30-broken.yaml");
	assert_non_null(strstr(s.refused[1].message, "line "));
	assert_string_equal(s.refused[2].source, "40-pod.yaml");
	profile_set_done(&s);

	/* a missing directory is an empty scan */
	assert_int_equal(profile_dir_scan("/nonexistent/pavise", &s), 0);
	assert_int_equal(s.n_items + s.n_refused, 0);
	fixture_rm_rf(dir);
}

static void test_too_many_docs(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir();
	struct buf b;
	struct profile_set s = {};
	_cleanup_free_ char *text = NULL;

	(void)state;
	buf_init(&b, 4 * 1024 * 1024);
	for (unsigned i = 0; i < PROFILE_DIR_DOCS_MAX + 5; i++) {
		char name[32];
		_cleanup_free_ char *doc = NULL;

		snprintf(name, sizeof(name), "p%u", i);
		doc = fixture_profile(name, "enforce", NULL, FIXTURE_SECCOMP);
		assert_int_equal(buf_printf(&b, "%s\n---\n", doc), 0);
	}
	text = buf_take(&b, NULL);
	assert_int_equal(fixture_write(dir, "many.yaml", text), 0);
	assert_int_equal(profile_dir_scan(dir, &s), 0);
	assert_int_equal(s.n_items, PROFILE_DIR_DOCS_MAX);
	assert_int_equal(s.n_refused, 1);
	assert_non_null(strstr(s.refused[0].message, "more than"));
	profile_set_done(&s);
	fixture_rm_rf(dir);
}

static void test_too_many_files(void **state)
{
	_cleanup_free_ char *dir = testlib_tmpdir();
	struct profile_set s = {};

	(void)state;
	for (unsigned i = 0; i < PROFILE_DIR_FILES_MAX + 6; i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%04u.yaml", i);
		assert_int_equal(fixture_write(dir, name, "# empty\n"), 0);
	}
	assert_int_equal(profile_dir_scan(dir, &s), 0);
	assert_int_equal(s.n_items, 0);
	assert_int_equal(s.n_refused, 1);
	assert_non_null(strstr(s.refused[0].message, "the rest are ignored"));
	profile_set_done(&s);
	fixture_rm_rf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),	      cmocka_unit_test(test_bpf_and_defaults),
		cmocka_unit_test(test_names),	      cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_oversized),     cmocka_unit_test(test_scan),
		cmocka_unit_test(test_too_many_docs), cmocka_unit_test(test_too_many_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
