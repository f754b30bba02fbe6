// SPDX-License-Identifier: Apache-2.0
/* Leader election decisions: acquire, renew, follow, expiry on our own clock, the written object. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/json-util.h"
#include "tests/lib/testlib.h"
#include "webhook/lease.h"

#define S(n) ((uint64_t)(n)*1000000ULL)

static json_t *lease(const char *holder, const char *rv, int secs)
{
	json_t *l = json_pack("{s:s, s:{s:s, s:s, s:s}, s:{s:s, s:i, s:s, s:i}}", "kind", "Lease",
			      "metadata", "name", "l", "namespace", "pavise-system",
			      "resourceVersion", rv, "spec", "holderIdentity", holder,
			      "leaseDurationSeconds", secs, "renewTime",
			      "2020-01-01T00:00:00.000000Z", "leaseTransitions", 4);

	assert_non_null(l);
	return l;
}

static void test_decide(void **state)
{
	json_auto_t *other = lease("b", "10", 15), *other2 = lease("b", "11", 15),
		    *mine = lease("a", "12", 15), *free_ = lease("", "13", 15);
	/* One replica ("a") looking at the Lease over time; `at` in seconds. */
	const struct {
		const json_t *lease;
		unsigned at;
		enum lease_decision want;
	} steps[] = {
		{ NULL, 1, LEASE_ACQUIRE }, /* absent */
		{ mine, 1, LEASE_RENEW },
		{ free_, 1, LEASE_ACQUIRE }, /* released */
		/* Another holder is valid for its duration from when this version was first seen. */
		{ other, 100, LEASE_FOLLOW },
		{ other, 114, LEASE_FOLLOW },
		/* It renewed (new resourceVersion): the clock starts again. */
		{ other2, 114, LEASE_FOLLOW },
		{ other2, 128, LEASE_FOLLOW },
		{ other2, 129, LEASE_ACQUIRE },
	};
	struct lease_observer o = {};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		enum lease_decision d;

		assert_int_equal(lease_decide(&o, steps[i].lease, "a", S(steps[i].at), S(15), &d),
				 0);
		assert_int_equal(d, steps[i].want);
	}
	lease_observer_done(&o);
}

static void test_duration_from_object(void **state)
{
	struct lease_observer o = {};
	json_auto_t *shortl = lease("b", "1", 2), *bogus = lease("b", "2", 999999);
	enum lease_decision d;

	(void)state;
	assert_int_equal(lease_decide(&o, shortl, "a", S(10), S(15), &d), 0);
	assert_int_equal(d, LEASE_FOLLOW);
	assert_int_equal(lease_decide(&o, shortl, "a", S(12), S(15), &d), 0);
	assert_int_equal(d, LEASE_ACQUIRE);
	/* An absurd duration is not believed: the default applies. */
	assert_int_equal(lease_decide(&o, bogus, "a", S(20), S(15), &d), 0);
	assert_int_equal(lease_decide(&o, bogus, "a", S(35), S(15), &d), 0);
	assert_int_equal(d, LEASE_ACQUIRE);
	lease_observer_done(&o);
}

static void test_build(void **state)
{
	json_auto_t *other = lease("b", "10", 15), *n = NULL, *t = NULL, *r = NULL, *rel = NULL;
	const char *now = "2026-12-07T01:00:00.123456Z";

	(void)state;
	assert_int_equal(lease_build(NULL, "pavise-system", "pavise-webhook-controller", "a", S(15),
				     LEASE_ACQUIRE, now, &n),
			 0);
	assert_string_equal(json_path_string(n, "metadata", "name", NULL),
			    "pavise-webhook-controller");
	assert_string_equal(json_path_string(n, "spec", "holderIdentity", NULL), "a");
	assert_string_equal(json_path_string(n, "spec", "acquireTime", NULL), now);
	assert_int_equal(json_integer_value(json_path(n, "spec", "leaseDurationSeconds", NULL)),
			 15);

	/* A takeover keeps the resourceVersion (conflict on a race) and counts a transition. */
	assert_int_equal(lease_build(other, "x", "y", "a", S(15), LEASE_ACQUIRE, now, &t), 0);
	assert_string_equal(json_path_string(t, "metadata", "resourceVersion", NULL), "10");
	assert_int_equal(json_integer_value(json_path(t, "spec", "leaseTransitions", NULL)), 5);
	assert_string_equal(json_path_string(t, "spec", "holderIdentity", NULL), "a");

	assert_int_equal(lease_build(t, "x", "y", "a", S(15), LEASE_RENEW, now, &r), 0);
	assert_int_equal(json_integer_value(json_path(r, "spec", "leaseTransitions", NULL)), 5);
	assert_string_equal(json_path_string(r, "spec", "renewTime", NULL), now);

	assert_int_equal(lease_build(r, "x", "y", NULL, S(1), LEASE_RENEW, now, &rel), 0);
	assert_true(json_is_null(json_path(rel, "spec", "holderIdentity", NULL)));
}

static void test_config_check(void **state)
{
	struct lease_config lc = { .namespace = "pavise-system",
				   .name = "l",
				   .identity = "a",
				   .duration_usec = S(15),
				   .renew_deadline_usec = S(10),
				   .retry_usec = S(2) };
	const char *msg = NULL;

	(void)state;
	assert_int_equal(lease_config_check(&lc, &msg), 0);
	lc.renew_deadline_usec = S(15);
	assert_int_equal(lease_config_check(&lc, &msg), -EINVAL);
	assert_non_null(msg);
	lc.renew_deadline_usec = S(10);
	lc.retry_usec = S(10);
	assert_int_equal(lease_config_check(&lc, &msg), -EINVAL);
	lc.retry_usec = S(2);
	lc.identity = "";
	assert_int_equal(lease_config_check(&lc, &msg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_duration_from_object),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_config_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
