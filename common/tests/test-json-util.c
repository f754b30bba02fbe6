// SPDX-License-Identifier: Apache-2.0
/* Tests for the capped buffer, typed getters, JSON Pointer and JSON Patch. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/json-util.h"

static void test_buf_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append_str(&b, "12345"), 0);
	assert_int_equal(buf_append_str(&b, "678"), 0);
	assert_int_equal(buf_append_str(&b, "9"), -EFBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	assert_int_equal(buf_printf(&b, "%s", "x"), -EFBIG);
	buf_reset(&b);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "ab"), 0);
	assert_string_equal(b.data, "42-ab");
	buf_free(&b);
}

static void test_buf_take(void **state)
{
	struct buf b;
	size_t len;
	char *p;

	(void)state;
	buf_init(&b, 1024);
	p = buf_take(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	free(p);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	p = buf_take(&b, &len);
	assert_string_equal(p, "abc");
	assert_int_equal(len, 3);
	assert_null(b.data);
	free(p);
}

static void test_getters(void **state)
{
	json_auto_t *o = json_loads(
		"{\"s\":\"x\",\"b\":true,\"i\":7,\"o\":{\"a\":{\"b\":\"deep\"}},\"n\":null}", 0,
		NULL);
	const char *s;
	bool b;
	long long i;
	json_t *v;

	(void)state;
	assert_non_null(o);
	assert_int_equal(json_get_string(o, "s", &s), 0);
	assert_string_equal(s, "x");
	assert_int_equal(json_get_bool(o, "b", &b), 0);
	assert_true(b);
	assert_int_equal(json_get_int(o, "i", &i), 0);
	assert_int_equal(i, 7);
	assert_int_equal(json_get_string(o, "i", &s), -EBADMSG);
	assert_int_equal(json_get_object(o, "missing", &v), -ENOENT);
	assert_int_equal(json_get_object(o, "n", &v), -ENOENT);
	assert_string_equal(json_path_string(o, "o", "a", "b", NULL), "deep");
	assert_null(json_path(o, "o", "x", "b", NULL));
	assert_null(json_path(o, "s", "x", NULL));
}

static void test_pointer_escape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 256);
	assert_int_equal(json_pointer_append_token(&b, "container.apparmor.security/c~0"), 0);
	assert_string_equal(b.data, "container.apparmor.security~1c~00");
	buf_free(&b);
}

static void test_pointer_get(void **state)
{
	json_auto_t *o = json_loads("{\"a/b\":{\"m~n\":[1,{\"x\":2}]},\"\":3}", 0, NULL);

	(void)state;
	assert_int_equal(json_integer_value(json_pointer_get(o, "/a~1b/m~0n/1/x")), 2);
	assert_int_equal(json_integer_value(json_pointer_get(o, "/")), 3);
	assert_ptr_equal(json_pointer_get(o, ""), o);
	assert_null(json_pointer_get(o, "/a~1b/m~0n/2"));
	assert_null(json_pointer_get(o, "/a~1b/m~0n/01"));
	assert_null(json_pointer_get(o, "/a~2b"));
	assert_null(json_pointer_get(o, "nope"));
}

struct patch_case {
	const char *doc, *patch, *want;
	int err;
};

static void test_patch_table(void **state)
{
	static const struct patch_case cases[] = {
		{ "{}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":1}]", "{\"a\":1}", 0 },
		{ "{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":3}]",
		  "{\"a\":[1,2,3]}", 0 },
		{ "{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/0\",\"value\":0}]",
		  "{\"a\":[0,1,2]}", 0 },
		{ "{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":2}]", "{\"a\":2}",
		  0 },
		{ "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a\"}]", "{}", 0 },
		{ "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL, -ENOENT },
		{ "{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/x/y\",\"value\":1}]", NULL, -ENOENT },
		{ "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1}]", "{\"a\":1}", 0 },
		{ "{\"a\":1}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":2}]", NULL, -ESRCH },
		{ "{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/c\"}]",
		  "{\"a\":{},\"c\":1}", 0 },
		{ "{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]",
		  "{\"a\":{\"b\":1},\"c\":{\"b\":1}}", 0 },
		{ "{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", NULL, -EINVAL },
		{ "{}", "[{\"path\":\"/a\"}]", NULL, -EINVAL },
		{ "{}", "{}", NULL, -EINVAL },
		{ "{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/5\",\"value\":1}]", NULL,
		  -EINVAL },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		json_auto_t *doc = json_loads(cases[i].doc, 0, NULL);
		json_auto_t *patch = json_loads(cases[i].patch, 0, NULL);
		size_t at = 99;
		int r = json_patch_apply(doc, patch, &at);

		assert_int_equal(r, cases[i].err);
		if (cases[i].want) {
			json_auto_t *want = json_loads(cases[i].want, 0, NULL);

			assert_true(json_equal(doc, want));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),	    cmocka_unit_test(test_buf_take),
		cmocka_unit_test(test_getters),	    cmocka_unit_test(test_pointer_escape),
		cmocka_unit_test(test_pointer_get), cmocka_unit_test(test_patch_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
