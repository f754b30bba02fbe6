// SPDX-License-Identifier: Apache-2.0
/* yaml_emit round trips through the loader: types, quoting, multi-line text, nesting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/yaml-emit.h"
#include "common/yaml.h"
#include "tests/lib/testlib.h"

static void roundtrip(const char *fixture)
{
	json_auto_t *v = testlib_json(fixture), *docs = NULL;
	struct yaml_error err = {};
	struct buf b;

	buf_init(&b, 1 << 20);
	assert_int_equal(yaml_emit(v, &b), 0);
	if (yaml_load_documents(b.data, b.len, &docs, &err) != 0)
		fail_msg("reload failed at %u:%u: %s\n%s", err.line, err.column, err.msg, b.data);
	assert_int_equal(json_array_size(docs), 1);
	if (!json_equal(json_array_get(docs, 0), v))
		fail_msg("round trip changed the value:\n%s", b.data);
	buf_free(&b);
}

static void test_roundtrips(void **state)
{
	(void)state;
	roundtrip("{'a':1,'b':-2.5,'c':true,'d':false,'e':null,'f':'text'}");
	roundtrip("{'quoted':['true','no','on','~','','123','0x1f','1e3','null','Yes','-7']}");
	roundtrip(
		"{'profile':'abi <abi/3.0>,\\n#include <tunables/global>\\nprofile x {\\n  deny /etc/** w,\\n}\\n'}");
	roundtrip(
		"{'k: v':'a: b','#c':'# not a comment','-':'- dash','colon:':': x','q':'it\\u0027s'}");
	roundtrip("{'nested':{'list':[{'a':[1,[2,[3]]]},{}],'empty':[]}}");
	roundtrip("[1,'two',{'three':3}]");
	roundtrip("{'unicode':'caf\\u00e9 \\u4e2d\\u6587','tab':'a\\tb','trailing':'x  '}");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
