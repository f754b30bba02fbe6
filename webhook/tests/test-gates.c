// SPDX-License-Identifier: Apache-2.0
/* The readiness gate's lifting patch, applied to real pod shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/json-util.h"
#include "tests/lib/testlib.h"
#include "webhook/gates.h"
#include "webhook/mutate.h"

static void lift(const char *pod_text, const char *want_text)
{
	json_auto_t *pod = testlib_json(pod_text);
	json_auto_t *want = testlib_json(want_text);
	json_auto_t *patch = NULL;
	size_t at = 0;

	assert_int_equal(gates_lift_patch(pod, &patch), 0);
	assert_non_null(patch);
	assert_int_equal(json_patch_apply(pod, patch, &at), 0);
	assert_true(json_equal(pod, want));
	/* Lifted once: nothing left to do. */
	json_decref(patch);
	patch = NULL;
	assert_int_equal(gates_lift_patch(pod, &patch), 0);
	assert_null(patch);
}

static void test_lift_only_ours(void **state)
{
	(void)state;
	lift("{'metadata':{'name':'p','labels':{'app':'a','pavise.io/waiting-for':'varmor-x-y'}},"
	     "'spec':{'schedulingGates':[{'name':'other'},{'name':'pavise.io/profile-ready'},"
	     "{'name':'last'}]}}",
	     "{'metadata':{'name':'p','labels':{'app':'a'}},"
	     "'spec':{'schedulingGates':[{'name':'other'},{'name':'last'}]}}");
}

static void test_lift_label_without_gate(void **state)
{
	(void)state;
	/* The gate went already (someone removed it): the label still goes. */
	lift("{'metadata':{'labels':{'pavise.io/waiting-for':'p'}},'spec':{}}",
	     "{'metadata':{'labels':{}},'spec':{}}");
}

static void test_nothing_to_lift(void **state)
{
	json_auto_t *pod = testlib_json("{'metadata':{'labels':{'a':'b'}},'spec':"
					"{'schedulingGates':[{'name':'other'}]}}");
	json_auto_t *odd = testlib_json("{'metadata':'x','spec':{'schedulingGates':7}}");
	json_auto_t *patch = NULL;

	(void)state;
	assert_int_equal(gates_lift_patch(pod, &patch), 0);
	assert_null(patch);
	assert_int_equal(gates_lift_patch(odd, &patch), 0);
	assert_null(patch);
}

static void test_guarded_by_test_op(void **state)
{
	json_auto_t *pod = testlib_json("{'metadata':{},'spec':{'schedulingGates':"
					"[{'name':'pavise.io/profile-ready'}]}}");
	json_auto_t *moved = testlib_json("{'metadata':{},'spec':{'schedulingGates':"
					  "[{'name':'new'},{'name':'pavise.io/profile-ready'}]}}");
	json_auto_t *patch = NULL;
	size_t at = 0;

	(void)state;
	assert_int_equal(gates_lift_patch(pod, &patch), 0);
	/* The list changed before the patch landed: the test op refuses it. */
	assert_int_not_equal(json_patch_apply(moved, patch, &at), 0);
	assert_string_equal(
		json_string_value(
			json_path(moved, "spec", "schedulingGates", NULL) ?
				json_object_get(json_array_get(json_path(moved, "spec",
									 "schedulingGates", NULL),
							       0),
						"name") :
				NULL),
		"new");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lift_only_ours),
		cmocka_unit_test(test_lift_label_without_gate),
		cmocka_unit_test(test_nothing_to_lift),
		cmocka_unit_test(test_guarded_by_test_op),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
