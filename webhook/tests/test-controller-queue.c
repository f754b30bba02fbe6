// SPDX-License-Identifier: Apache-2.0
/* The controller's work queue: deduplication, delays, in-flight re-adds, backoff, caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "webhook/controller-queue.h"

#define S(n) ((uint64_t)(n)*1000000ULL)

static void test_dedup(void **state)
{
	_cleanup_(controller_queue_freep) struct controller_queue *q = NULL;
	const char *k;
	uint64_t wait;

	(void)state;
	assert_int_equal(controller_queue_new(&q), 0);
	assert_int_equal(controller_queue_add(q, "n/demo/web", 0, 0), 0);
	assert_int_equal(controller_queue_add(q, "n/demo/web", 0, 0), 0);
	assert_int_equal(controller_queue_add(q, "c//all", 0, 0), 0);
	assert_int_equal(controller_queue_len(q), 2);
	assert_int_equal(controller_queue_pop(q, 0, &k, &wait), 1);
	assert_int_equal(controller_queue_pop(q, 0, &k, &wait), 1);
	/* Both in flight: nothing else to pop. */
	assert_int_equal(controller_queue_pop(q, 0, &k, &wait), 0);
	assert_true(wait == UINT64_MAX);
	assert_int_equal(controller_queue_done(q, "n/demo/web", 0, 0), 0);
	assert_int_equal(controller_queue_done(q, "c//all", 0, 0), 0);
	assert_int_equal(controller_queue_len(q), 0);
	assert_int_equal(controller_queue_done(q, "c//all", 0, 0), -ENOENT);
}

static void test_delay_order(void **state)
{
	_cleanup_(controller_queue_freep) struct controller_queue *q = NULL;
	const char *k;
	uint64_t wait;

	(void)state;
	assert_int_equal(controller_queue_new(&q), 0);
	assert_int_equal(controller_queue_add(q, "n/a/late", S(10), S(5)), 0);
	assert_int_equal(controller_queue_add(q, "n/a/soon", S(10), S(1)), 0);
	assert_int_equal(controller_queue_pop(q, S(10), &k, &wait), 0);
	assert_true(wait == S(1));
	assert_int_equal(controller_queue_pop(q, S(11), &k, &wait), 1);
	assert_string_equal(k, "n/a/soon");
	/* Adding again with a shorter delay moves it earlier, never later. */
	assert_int_equal(controller_queue_add(q, "n/a/late", S(11), 0), 0);
	assert_int_equal(controller_queue_pop(q, S(11), &k, &wait), 1);
	assert_string_equal(k, "n/a/late");
}

static void test_in_flight_readd(void **state)
{
	_cleanup_(controller_queue_freep) struct controller_queue *q = NULL;
	const char *k;
	uint64_t wait;

	(void)state;
	assert_int_equal(controller_queue_new(&q), 0);
	assert_int_equal(controller_queue_add(q, "n/a/b", 0, 0), 0);
	assert_int_equal(controller_queue_pop(q, 0, &k, &wait), 1);
	/* A change arrives while it is worked on: not popped twice at once, but again after. */
	assert_int_equal(controller_queue_add(q, "n/a/b", 1, 0), 0);
	assert_int_equal(controller_queue_pop(q, 1, &k, &wait), 0);
	assert_int_equal(controller_queue_done(q, "n/a/b", 0, 2), 0);
	assert_int_equal(controller_queue_len(q), 1);
	assert_int_equal(controller_queue_pop(q, 2, &k, &wait), 1);
	assert_string_equal(k, "n/a/b");
	assert_int_equal(controller_queue_done(q, "n/a/b", 0, 3), 0);
	assert_int_equal(controller_queue_len(q), 0);
}

static void test_backoff(void **state)
{
	_cleanup_(controller_queue_freep) struct controller_queue *q = NULL;
	const char *k;
	uint64_t wait, t = S(100);

	(void)state;
	assert_true(controller_queue_backoff(1) == CONTROLLER_BACKOFF_BASE_USEC);
	assert_true(controller_queue_backoff(2) == 2 * CONTROLLER_BACKOFF_BASE_USEC);
	assert_true(controller_queue_backoff(3) == 4 * CONTROLLER_BACKOFF_BASE_USEC);
	assert_true(controller_queue_backoff(1000) == CONTROLLER_BACKOFF_MAX_USEC);

	assert_int_equal(controller_queue_new(&q), 0);
	assert_int_equal(controller_queue_add(q, "n/a/b", t, 0), 0);
	for (unsigned i = 1; i <= 4; i++) {
		assert_int_equal(controller_queue_pop(q, t, &k, &wait), 1);
		assert_int_equal(controller_queue_done(q, k, -EAGAIN, t), 0);
		assert_int_equal(controller_queue_pop(q, t, &k, &wait), 0);
		assert_true(wait == controller_queue_backoff(i));
		t += wait;
	}
	/* Success clears the failure count. */
	assert_int_equal(controller_queue_pop(q, t, &k, &wait), 1);
	assert_int_equal(controller_queue_done(q, k, 0, t), 0);
	assert_int_equal(controller_queue_add(q, "n/a/b", t, 0), 0);
	assert_int_equal(controller_queue_pop(q, t, &k, &wait), 1);
	assert_int_equal(controller_queue_done(q, k, -EIO, t), 0);
	assert_int_equal(controller_queue_pop(q, t, &k, &wait), 0);
	assert_true(wait == CONTROLLER_BACKOFF_BASE_USEC);
}

static void test_bad_keys(void **state)
{
	_cleanup_(controller_queue_freep) struct controller_queue *q = NULL;
	char big[CONTROLLER_QUEUE_KEY_MAX + 2];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(controller_queue_new(&q), 0);
	assert_int_equal(controller_queue_add(q, "", 0, 0), -EINVAL);
	assert_int_equal(controller_queue_add(q, NULL, 0, 0), -EINVAL);
	assert_int_equal(controller_queue_add(q, big, 0, 0), -EINVAL);
	assert_int_equal(controller_queue_len(q), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dedup),		cmocka_unit_test(test_delay_order),
		cmocka_unit_test(test_in_flight_readd), cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_bad_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
