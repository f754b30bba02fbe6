// SPDX-License-Identifier: Apache-2.0
/* Rolling restarts: target selection, markers, stripping on delete, batch pacing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/json-util.h"
#include "tests/lib/testlib.h"
#include "webhook/restart.h"

#define NOW "2026-12-07T01:00:00Z"

static struct policy *parse(const char *sq)
{
	json_auto_t *o = testlib_json(sq);
	struct policy *p = NULL;

	assert_int_equal(policy_parse(o, "pavise-system", NULL, &p, NULL), 0);
	return p;
}

static json_t *deploy(const char *name, const char *app, bool enabled)
{
	_cleanup_free_ char *text = NULL;

	assert_true(
		asprintf(
			&text,
			"{'kind':'Deployment','metadata':{'name':'%s','namespace':'demo','labels':{"
			"'app':'%s','sandbox.varmor.org/enable':'%s'}},'spec':{'template':{"
			"'metadata':{'annotations':{"
			"'container.apparmor.security.beta.varmor.org/c0':'localhost/varmor-demo-web',"
			"'container.bpf.security.beta.varmor.org/c0':'localhost/varmor-demo-web',"
			"'container.seccomp.security.beta.varmor.org/c1':'localhost/varmor-demo-other',"
			"'keep':'me'}},'spec':{'containers':[{'name':'c0','securityContext':{"
			"'appArmorProfile':{'type':'Localhost','localhostProfile':'varmor-demo-web'},"
			"'seccompProfile':{'type':'Localhost','localhostProfile':'varmor-demo-web'}}},"
			"{'name':'c1','securityContext':{'seccompProfile':{'type':'RuntimeDefault'}}}"
			"]}}}}",
			name, app, enabled ? "true" : "false") > 0);
	return testlib_json(text);
}

static void test_selects(void **state)
{
	_cleanup_(policy_freep) struct policy *sel = parse(
		"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':"
		"'web','namespace':'demo'},'spec':{'target':{'kind':'Deployment','selector':{"
		"'matchLabels':{'app':'web'}}},'policy':{'enforcer':'AppArmor','mode':'AlwaysAllow'}}}");
	_cleanup_(policy_freep) struct policy *named = parse(
		"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':"
		"'web','namespace':'demo'},'spec':{'target':{'kind':'Deployment','name':'one'},"
		"'policy':{'enforcer':'AppArmor','mode':'AlwaysAllow'}}}");
	_cleanup_(policy_freep) struct policy *pods = parse(
		"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':"
		"'web','namespace':'demo'},'spec':{'target':{'kind':'Pod','name':'one'},"
		"'policy':{'enforcer':'AppArmor','mode':'AlwaysAllow'}}}");
	json_auto_t *a = deploy("one", "web", true), *b = deploy("two", "api", true),
		    *c = deploy("three", "web", false);
	const char *k = "sandbox.varmor.org/enable";

	(void)state;
	assert_true(restart_selects(sel, a, k, "true"));
	assert_false(restart_selects(sel, b, k, "true"));
	assert_false(restart_selects(sel, c, k, "true")); /* no match label */
	assert_true(restart_selects(sel, c, NULL, NULL));
	assert_true(restart_selects(named, a, k, "true"));
	assert_false(restart_selects(named, b, k, "true"));
	assert_false(restart_selects(pods, a, NULL, NULL)); /* pods are never restarted */
	json_object_set_new(a, "kind", json_string("StatefulSet"));
	assert_false(restart_selects(sel, a, k, "true"));
}

static void test_markers(void **state)
{
	_cleanup_free_ char *m = NULL, *d = NULL, *x = NULL;
	json_auto_t *w = deploy("one", "web", true);

	(void)state;
	assert_int_equal(restart_marker("uid-1", 3, RESTART_CREATED, &m), 0);
	assert_string_equal(m, "uid-1/3/created");
	assert_int_equal(restart_marker("", 1, RESTART_CREATED, &x), -EINVAL);
	assert_int_equal(restart_marker("a/b", 1, RESTART_CREATED, &x), -EINVAL);
	assert_false(restart_already_done(w, "uid-1", RESTART_CREATED));
	assert_int_equal(restart_prepare(w, "varmor-demo-web", RESTART_CREATED, m, NOW), 0);
	assert_true(restart_already_done(w, "uid-1", RESTART_CREATED));
	assert_false(restart_already_done(w, "uid-1", RESTART_DELETED));
	assert_false(restart_already_done(w, "uid-", RESTART_CREATED));
	assert_false(restart_already_done(w, "uid-12", RESTART_CREATED));
	assert_string_equal(json_string_value(json_path(w, "spec", "template", "metadata",
							"annotations", RESTART_ANNOTATION, NULL)),
			    NOW);
	/* Created: nothing of the protection is removed. */
	assert_non_null(json_path(w, "spec", "template", "metadata", "annotations",
				  "container.bpf.security.beta.varmor.org/c0", NULL));
	assert_int_equal(restart_marker("uid-1", 4, RESTART_DELETED, &d), 0);
	assert_int_equal(restart_prepare(w, "varmor-demo-web", RESTART_DELETED, d, NOW), 0);
	assert_true(restart_already_done(w, "uid-1", RESTART_DELETED));
}

static void test_strip_on_delete(void **state)
{
	json_auto_t *w = deploy("one", "web", true), *bare = NULL;
	const json_t *ann, *c0, *c1;

	(void)state;
	assert_int_equal(restart_prepare(w, "varmor-demo-web", RESTART_DELETED, "u/1/deleted", NOW),
			 0);
	ann = json_path(w, "spec", "template", "metadata", "annotations", NULL);
	assert_null(json_object_get(ann, "container.apparmor.security.beta.varmor.org/c0"));
	assert_null(json_object_get(ann, "container.bpf.security.beta.varmor.org/c0"));
	/* Another policy's profile and unrelated keys stay. */
	assert_non_null(json_object_get(ann, "container.seccomp.security.beta.varmor.org/c1"));
	assert_string_equal(json_string_value(json_object_get(ann, "keep")), "me");
	c0 = json_array_get(json_path(w, "spec", "template", "spec", "containers", NULL), 0);
	c1 = json_array_get(json_path(w, "spec", "template", "spec", "containers", NULL), 1);
	assert_null(json_path(c0, "securityContext", "appArmorProfile", NULL));
	assert_null(json_path(c0, "securityContext", "seccompProfile", NULL));
	assert_non_null(json_path(c1, "securityContext", "seccompProfile", NULL));

	/* No template: refused, not crashed. */
	bare = testlib_json("{'kind':'Deployment','metadata':{'name':'x'},'spec':{}}");
	assert_int_equal(restart_prepare(bare, "p", RESTART_CREATED, "u/1/created", NOW), -EBADMSG);
}

static void test_pacer(void **state)
{
	const uint64_t s = 1000000;
	struct restart_pacer p;
	uint64_t t = 100 * s;
	unsigned done = 0;
	uint64_t times[12];

	(void)state;
	restart_pacer_init(&p, 5, 10 * s);
	/* 12 workloads: 5 at once, 10 s, 5 more, 10 s, the last 2. */
	while (done < 12) {
		uint64_t w = restart_pacer_next(&p, t);

		if (w) {
			t += w;
			continue;
		}
		times[done++] = t;
		t += s / 100; /* each update takes 10 ms */
	}
	assert_true(times[4] - times[0] < s);
	assert_true(times[5] - times[4] == 10 * s);
	assert_true(times[9] - times[5] < s);
	assert_true(times[10] - times[9] == 10 * s);

	restart_pacer_init(&p, 1, 0);
	assert_true(restart_pacer_next(&p, t) == 0);
	assert_true(restart_pacer_next(&p, t) == 0);
	restart_pacer_init(&p, 0, s); /* batch 0 means 1 */
	assert_true(restart_pacer_next(&p, t) == 0);
	assert_true(restart_pacer_next(&p, t) == s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selects),
		cmocka_unit_test(test_markers),
		cmocka_unit_test(test_strip_on_delete),
		cmocka_unit_test(test_pacer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
