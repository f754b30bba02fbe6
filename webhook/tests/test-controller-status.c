// SPDX-License-Identifier: Apache-2.0
/* Policy and ArmorProfile status: phases, conditions, transition times, node results, batching. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/json-util.h"
#include "tests/lib/testlib.h"
#include "webhook/controller-status.h"

#define T1 "2026-12-07T01:00:00Z"
#define T2 "2026-12-07T01:05:00Z"

static const json_t *cond(const json_t *st, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(st, "conditions"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "type")), type) == 0)
			return c;
	return NULL;
}

static const char *field(const json_t *c, const char *k)
{
	return json_string_value(json_object_get(c, k));
}

static void test_created_pending(void **state)
{
	struct controller_status_input in = { .profile_name = "varmor-demo-web",
					      .generation = 1,
					      .action = CONTROLLER_ACTION_CREATED,
					      .desired = 2 };
	json_auto_t *st = NULL;

	(void)state;
	assert_int_equal(controller_status_policy(&in, NULL, T1, &st), 0);
	assert_string_equal(json_path_string(st, "profileName", NULL), "varmor-demo-web");
	assert_string_equal(json_path_string(st, "phase", NULL), "Pending");
	assert_true(json_is_false(json_object_get(st, "ready")));
	assert_int_equal(json_integer_value(json_object_get(st, "observedGeneration")), 1);
	assert_string_equal(field(cond(st, "Created"), "status"), "True");
	assert_null(cond(st, "Updated"));
	assert_string_equal(field(cond(st, "Ready"), "status"), "False");
	assert_string_equal(field(cond(st, "Ready"), "reason"), "Processing");
	assert_string_equal(field(cond(st, "Ready"), "message"),
			    "0 of 2 nodes loaded ArmorProfile varmor-demo-web");
	assert_string_equal(field(cond(st, "Ready"), "lastTransitionTime"), T1);
}

static void test_ready_keeps_times(void **state)
{
	struct controller_status_input in = { .profile_name = "p",
					      .generation = 2,
					      .action = CONTROLLER_ACTION_NONE,
					      .desired = 2,
					      .current = 2 };
	json_auto_t *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(controller_status_policy(&in, NULL, T1, &a), 0);
	assert_string_equal(json_path_string(a, "phase", NULL), "Protecting");
	assert_true(json_is_true(json_object_get(a, "ready")));
	assert_string_equal(field(cond(a, "Ready"), "reason"), "AllAgentsReady");
	/* Same input later: the same object, transition times unchanged (no write needed). */
	assert_int_equal(controller_status_policy(&in, a, T2, &b), 0);
	assert_true(json_equal(a, b));
	in.modeling = true;
	json_decref(b);
	assert_int_equal(controller_status_policy(&in, a, T2, &b), 0);
	assert_string_equal(json_path_string(b, "phase", NULL), "Modeling");
}

static void test_invalid(void **state)
{
	const char *msg = "spec.policy.enhanceProtect.hardeningRules[0]: unknown built-in rule";
	struct controller_status_input in = { .profile_name = "p",
					      .generation = 1,
					      .action = CONTROLLER_ACTION_CREATE_FAILED,
					      .error_message = msg,
					      .desired = 2,
					      .current = 2 };
	json_auto_t *st = NULL, *fixed = NULL;

	(void)state;
	assert_int_equal(controller_status_policy(&in, NULL, T1, &st), 0);
	assert_string_equal(json_path_string(st, "phase", NULL), "Error");
	assert_true(json_is_false(json_object_get(st, "ready")));
	assert_string_equal(field(cond(st, "Created"), "status"), "False");
	assert_string_equal(field(cond(st, "Created"), "reason"), "Error");
	assert_string_equal(field(cond(st, "Created"), "message"), msg);
	assert_string_equal(field(cond(st, "Ready"), "reason"), "Error");

	/* Fixed: Created turns True with a new transition time. */
	in.action = CONTROLLER_ACTION_CREATED;
	assert_int_equal(controller_status_policy(&in, st, T2, &fixed), 0);
	assert_string_equal(field(cond(fixed, "Created"), "status"), "True");
	assert_string_equal(field(cond(fixed, "Created"), "lastTransitionTime"), T2);
	assert_string_equal(json_path_string(fixed, "phase", NULL), "Protecting");
}

static void test_update_and_forbidden(void **state)
{
	struct controller_status_input in = { .profile_name = "p",
					      .generation = 3,
					      .action = CONTROLLER_ACTION_UPDATED,
					      .desired = 1 };
	json_auto_t *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	assert_int_equal(controller_status_policy(&in, NULL, T1, &a), 0);
	assert_string_equal(field(cond(a, "Updated"), "status"), "True");
	assert_string_equal(field(cond(a, "Updated"), "reason"), "Updated");
	in.action = CONTROLLER_ACTION_UPDATE_FAILED;
	in.error_reason = "Forbidden";
	in.error_message = "armorprofiles is forbidden";
	assert_int_equal(controller_status_policy(&in, a, T2, &b), 0);
	assert_string_equal(field(cond(b, "Updated"), "status"), "False");
	assert_string_equal(field(cond(b, "Updated"), "reason"), "Forbidden");
	assert_string_equal(field(cond(b, "Created"), "status"), "True");
	assert_string_equal(field(cond(b, "Created"), "lastTransitionTime"), T1);
	/* Back in sync: Updated is True again. */
	in.action = CONTROLLER_ACTION_NONE;
	assert_int_equal(controller_status_policy(&in, b, T2, &c), 0);
	assert_string_equal(field(cond(c, "Updated"), "status"), "True");
	assert_int_equal(json_array_size(json_object_get(c, "conditions")), 3);
}

static void test_node_failures(void **state)
{
	struct controller_nodes ns = {};
	struct controller_status_input in = { .profile_name = "p", .generation = 1 };
	json_auto_t *ap = NULL, *ap2 = NULL, *pst = NULL;
	unsigned ok, failed;

	(void)state;
	assert_int_equal(controller_nodes_record(&ns, "node-2", false, "apparmor_parser: error"),
			 1);
	assert_int_equal(controller_nodes_record(&ns, "node-1", true, "Ready"), 1);
	assert_int_equal(controller_nodes_record(&ns, "node-1", true, "Ready"), 0);
	assert_int_equal(controller_nodes_record(&ns, "node-3", false, "bpf: no LSM"), 1);
	assert_int_equal(controller_nodes_record(&ns, "", true, NULL), -EINVAL);
	controller_nodes_count(&ns, &ok, &failed);
	assert_int_equal(ok, 1);
	assert_int_equal(failed, 2);

	assert_int_equal(controller_status_profile(&ns, 3, NULL, T1, &ap), 0);
	assert_int_equal(json_integer_value(json_object_get(ap, "desiredNumberLoaded")), 3);
	assert_int_equal(json_integer_value(json_object_get(ap, "currentNumberLoaded")), 1);
	assert_int_equal(json_array_size(json_object_get(ap, "conditions")), 2);
	assert_string_equal(
		json_string_value(json_path(json_array_get(json_object_get(ap, "conditions"), 0),
					    "nodeName", NULL)),
		"node-2");
	/* Unchanged failures keep their time; a recovered node drops out. */
	assert_int_equal(controller_nodes_record(&ns, "node-3", true, "Ready"), 1);
	assert_int_equal(controller_status_profile(&ns, 3, ap, T2, &ap2), 0);
	assert_int_equal(json_array_size(json_object_get(ap2, "conditions")), 1);
	assert_string_equal(field(json_array_get(json_object_get(ap2, "conditions"), 0),
				  "lastTransitionTime"),
			    T1);
	assert_int_equal(json_integer_value(json_object_get(ap2, "currentNumberLoaded")), 2);

	in.desired = 3;
	controller_nodes_count(&ns, &in.current, &in.failed);
	assert_int_equal(controller_status_policy(&in, NULL, T1, &pst), 0);
	assert_string_equal(json_path_string(pst, "phase", NULL), "Error");
	assert_string_equal(field(cond(pst, "Ready"), "message"),
			    "1 of 3 nodes failed to load ArmorProfile p; see its status");
	controller_nodes_clear(&ns);
	assert_int_equal(ns.n, 0);
}

static void test_message_cap(void **state)
{
	struct controller_nodes ns = {};
	char big[CONTROLLER_NODE_MESSAGE_MAX + 100];
	char name[CONTROLLER_NODE_NAME_MAX + 2];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	/* A two-byte UTF-8 character across the cut is not split. */
	big[CONTROLLER_NODE_MESSAGE_MAX - 1] = (char)0xc3;
	big[CONTROLLER_NODE_MESSAGE_MAX] = (char)0xa9;
	assert_int_equal(controller_nodes_record(&ns, "n", false, big), 1);
	assert_int_equal(strlen(ns.v[0].message), CONTROLLER_NODE_MESSAGE_MAX - 1);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(controller_nodes_record(&ns, name, true, ""), -EINVAL);
	controller_nodes_clear(&ns);
}

static void test_flush_due(void **state)
{
	const uint64_t s = 1000000;

	(void)state;
	assert_false(controller_status_flush_due(false, 0, 5 * s, s));
	assert_true(controller_status_flush_due(true, 0, 5 * s, s));
	/* At most one write per interval, however many reports come in. */
	assert_false(controller_status_flush_due(true, 5 * s, 5 * s + s / 2, s));
	assert_true(controller_status_flush_due(true, 5 * s, 6 * s, s));
}

static void test_time(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(controller_time_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	assert_string_equal(controller_time_format(1796605200, buf, sizeof(buf)),
			    "2026-12-07T01:00:00Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_pending), cmocka_unit_test(test_ready_keeps_times),
		cmocka_unit_test(test_invalid),		cmocka_unit_test(test_update_and_forbidden),
		cmocka_unit_test(test_node_failures),	cmocka_unit_test(test_message_cap),
		cmocka_unit_test(test_flush_due),	cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
