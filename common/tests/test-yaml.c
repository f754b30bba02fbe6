// SPDX-License-Identifier: Apache-2.0
/* Tests for the YAML loader: resolution, structure, caps, errors, vArmor examples. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/yaml.h"

/* Loads `yaml` and compares the array of documents with `expected` (JSON text). */
static void check_load(const char *yaml, const char *expected)
{
	struct yaml_error err = {};
	json_auto_t *got = NULL;
	json_auto_t *want = NULL;
	json_error_t jerr;
	int r;

	r = yaml_load_documents(yaml, strlen(yaml), &got, &err);
	if (r < 0)
		fail_msg("'%s': error %d at %u:%u: %s", yaml, r, err.line, err.column, err.msg);
	want = json_loads(expected, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!want)
		fail_msg("bad expectation '%s': %s", expected, jerr.text);
	if (!json_equal(got, want)) {
		char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

		fail_msg("'%s': got %s, want %s", yaml, s, expected);
	}
}

/* Loads `yaml` expecting `error` at `line` (0: don't care), message containing `needle`. */
static void check_fail(const char *yaml, size_t len, int error, unsigned line, const char *needle)
{
	struct yaml_error err = {};
	json_t *got = NULL;
	int r;

	r = yaml_load_documents(yaml, len, &got, &err);
	if (r != error)
		fail_msg("'%.60s': got %d (%s), want %d", yaml, r, err.msg, error);
	assert_null(got);
	if (line && err.line != line)
		fail_msg("'%.60s': error at line %u, want %u (%s)", yaml, err.line, line, err.msg);
	if (needle && !strstr(err.msg, needle))
		fail_msg("'%.60s': message '%s' lacks '%s'", yaml, err.msg, needle);
	for (const char *p = err.msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
}

struct load_case {
	const char *yaml;
	const char *json;
};

static const struct load_case scalar_cases[] = {
	/* null */
	{ "v: ~", "[{\"v\":null}]" },
	{ "v:", "[{\"v\":null}]" },
	{ "v: null", "[{\"v\":null}]" },
	{ "v: Null", "[{\"v\":null}]" },
	{ "v: NULL", "[{\"v\":null}]" },
	{ "v: nULL", "[{\"v\":\"nULL\"}]" },
	/* bool, YAML 1.1 words as go-yaml v2 resolves them */
	{ "v: true", "[{\"v\":true}]" },
	{ "v: True", "[{\"v\":true}]" },
	{ "v: TRUE", "[{\"v\":true}]" },
	{ "v: yes", "[{\"v\":true}]" },
	{ "v: Yes", "[{\"v\":true}]" },
	{ "v: YES", "[{\"v\":true}]" },
	{ "v: on", "[{\"v\":true}]" },
	{ "v: ON", "[{\"v\":true}]" },
	{ "v: y", "[{\"v\":true}]" },
	{ "v: false", "[{\"v\":false}]" },
	{ "v: no", "[{\"v\":false}]" },
	{ "v: No", "[{\"v\":false}]" },
	{ "v: off", "[{\"v\":false}]" },
	{ "v: OFF", "[{\"v\":false}]" },
	{ "v: N", "[{\"v\":false}]" },
	{ "v: yES", "[{\"v\":\"yES\"}]" },
	{ "v: tRUE", "[{\"v\":\"tRUE\"}]" },
	/* integers */
	{ "v: 0", "[{\"v\":0}]" },
	{ "v: 42", "[{\"v\":42}]" },
	{ "v: -17", "[{\"v\":-17}]" },
	{ "v: +5", "[{\"v\":5}]" },
	{ "v: 0x1F", "[{\"v\":31}]" },
	{ "v: -0x10", "[{\"v\":-16}]" },
	{ "v: 0o17", "[{\"v\":15}]" },
	{ "v: 017", "[{\"v\":15}]" },
	{ "v: 0b101", "[{\"v\":5}]" },
	{ "v: 1_000_000", "[{\"v\":1000000}]" },
	{ "v: 9223372036854775807", "[{\"v\":9223372036854775807}]" },
	{ "v: -9223372036854775808", "[{\"v\":-9223372036854775808}]" },
	{ "v: 9223372036854775808", "[{\"v\":9223372036854775808.0}]" },
	{ "v: 0x", "[{\"v\":\"0x\"}]" },
	{ "v: 12abc", "[{\"v\":\"12abc\"}]" },
	{ "v: 0644", "[{\"v\":420}]" },
	/* a leading zero that is not octal: go-yaml falls through to float */
	{ "v: 08", "[{\"v\":8.0}]" },
	/* floats */
	{ "v: 1.5", "[{\"v\":1.5}]" },
	{ "v: .5", "[{\"v\":0.5}]" },
	{ "v: -.5", "[{\"v\":-0.5}]" },
	{ "v: 1e3", "[{\"v\":1000.0}]" },
	{ "v: 1.", "[{\"v\":1.0}]" },
	{ "v: 6.02e+23", "[{\"v\":6.02e+23}]" },
	{ "v: 1e400", "[{\"v\":\"1e400\"}]" },
	{ "v: 1.2.3", "[{\"v\":\"1.2.3\"}]" },
	{ "v: .", "[{\"v\":\".\"}]" },
	{ "v: +", "[{\"v\":\"+\"}]" },
	/* strings */
	{ "v: hello world", "[{\"v\":\"hello world\"}]" },
	{ "v: '42'", "[{\"v\":\"42\"}]" },
	{ "v: \"true\"", "[{\"v\":\"true\"}]" },
	{ "v: ''", "[{\"v\":\"\"}]" },
	{ "v: \"caf\\u00e9\"", "[{\"v\":\"caf\\u00e9\"}]" },
	{ "v: \"a\\0b\"", "[{\"v\":\"a\\u0000b\"}]" },
	{ "v: 2001-12-14", "[{\"v\":\"2001-12-14\"}]" },
	{ "v: Infinity", "[{\"v\":\"Infinity\"}]" },
	{ "v: |\n  123\n", "[{\"v\":\"123\\n\"}]" },
	{ "v: |\n  x\n  y\n", "[{\"v\":\"x\\ny\\n\"}]" },
	{ "v: >\n  x\n  y\n", "[{\"v\":\"x y\\n\"}]" },
	{ "v: |-\n  yes\n", "[{\"v\":\"yes\"}]" },
	/* tags */
	{ "v: !!str 42", "[{\"v\":\"42\"}]" },
	{ "v: !!str", "[{\"v\":\"\"}]" },
	{ "v: !!int '42'", "[{\"v\":42}]" },
	{ "v: !!bool \"yes\"", "[{\"v\":true}]" },
	{ "v: !!float 1", "[{\"v\":1.0}]" },
	{ "v: !!null ''", "[{\"v\":null}]" },
	{ "v: !custom 12", "[{\"v\":\"12\"}]" },
	{ "v: ! 12", "[{\"v\":\"12\"}]" },
	{ "v: !!timestamp 2001-12-14", "[{\"v\":\"2001-12-14\"}]" },
	/* keys are the text as written */
	{ "1: a", "[{\"1\":\"a\"}]" },
	{ "on: push", "[{\"on\":\"push\"}]" },
	{ "'<<': x", "[{\"<<\":\"x\"}]" },
	{ "? complex key\n: v", "[{\"complex key\":\"v\"}]" },
};

static void test_scalars(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(scalar_cases); i++)
		check_load(scalar_cases[i].yaml, scalar_cases[i].json);
}

static const struct load_case structure_cases[] = {
	{ "apiVersion: apps/v1\n"
	  "kind: Deployment\n"
	  "metadata:\n"
	  "  name: demo # trailing comment\n"
	  "  labels: {app: demo, tier: \"web\"}\n"
	  "spec:\n"
	  "  replicas: 2\n"
	  "  template:\n"
	  "    spec:\n"
	  "      containers:\n"
	  "      - name: c\n"
	  "        image: nginx:1.25\n"
	  "        args: [\"-g\", 'daemon off;']\n"
	  "        ports:\n"
	  "        - containerPort: 80\n"
	  "          protocol: TCP\n",
	  "[{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
	  "\"metadata\":{\"name\":\"demo\",\"labels\":{\"app\":\"demo\",\"tier\":\"web\"}},"
	  "\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
	  "\"image\":\"nginx:1.25\",\"args\":[\"-g\",\"daemon off;\"],"
	  "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}]}}}}]" },
	{ "- a\n- - b\n  - c\n- {}\n- []\n", "[[\"a\",[\"b\",\"c\"],{},[]]]" },
	/* a top-level scalar is a document too */
	{ "hello\n", "[\"hello\"]" },
	/* multi-document streams */
	{ "a: 1\n---\nb: 2\n", "[{\"a\":1},{\"b\":2}]" },
	{ "---\na: 1\n...\n---\nb: 2\n...\n", "[{\"a\":1},{\"b\":2}]" },
	/* empty, comment-only and null documents are skipped */
	{ "", "[]" },
	{ "# nothing here\n", "[]" },
	{ "---\n---\n# only a comment\n---\na: 1\n---\n~\n---\nnull\n---\n", "[{\"a\":1}]" },
	{ "--- # comment\n- x\n", "[[\"x\"]]" },
	{ "%YAML 1.1\n---\na: 1\n", "[{\"a\":1}]" },
	/* JSON, through the fast path; a List is not unwrapped */
	{ "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"a\":1.5},null,true]}",
	  "[{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"a\":1.5},null,true]}]" },
	{ "  \n[1, 2.0, \"x\"]\n", "[[1,2.0,\"x\"]]" },
	/* JSON the fast path refuses falls back to YAML */
	{ "{\"big\": 18446744073709551615}", "[{\"big\":18446744073709551615.0}]" },
	{ "{a: 1, b: [x, y]}", "[{\"a\":1,\"b\":[\"x\",true]}]" },
	{ "[1]\n---\n[2]\n", "[[1],[2]]" },
	/* anchors, aliases, merge keys */
	{ "base: &b {x: 1, y: [2]}\nuse: *b\n",
	  "[{\"base\":{\"x\":1,\"y\":[2]},\"use\":{\"x\":1,\"y\":[2]}}]" },
	{ "- &s text\n- *s\n- &s other\n- *s\n", "[[\"text\",\"text\",\"other\",\"other\"]]" },
	{ "k: &k name\n*k : v\n", "[{\"k\":\"name\",\"name\":\"v\"}]" },
	{ "base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: *b\n  z: 4\n",
	  "[{\"base\":{\"x\":1,\"y\":2},\"m\":{\"x\":1,\"y\":3,\"z\":4}}]" },
	{ "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nm:\n  <<: [*a, *b]\n",
	  "[{\"a\":{\"x\":1},\"b\":{\"x\":2,\"y\":2},\"m\":{\"x\":1,\"y\":2}}]" },
	{ "m:\n  !!merge <<: {x: 1}\n", "[{\"m\":{\"x\":1}}]" },
	/* anchors are per document */
	{ "a: &x 1\n---\nb: &x 2\nc: *x\n", "[{\"a\":1},{\"b\":2,\"c\":2}]" },
	/* byte order mark */
	{ "\xef\xbb\xbf"
	  "a: 1\n",
	  "[{\"a\":1}]" },
};

static void test_structure(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(structure_cases); i++)
		check_load(structure_cases[i].yaml, structure_cases[i].json);
}

static void test_alias_is_a_copy(void **state)
{
	const char *y = "base: &b {x: {y: 1}}\nuse: *b\n";
	json_auto_t *docs = NULL;
	json_t *base, *use;

	(void)state;
	assert_int_equal(yaml_load_documents(y, strlen(y), &docs, NULL), 0);
	base = json_object_get(json_array_get(docs, 0), "base");
	use = json_object_get(json_array_get(docs, 0), "use");
	assert_ptr_not_equal(base, use);
	assert_ptr_not_equal(json_object_get(base, "x"), json_object_get(use, "x"));
	assert_int_equal(json_object_set_new(json_object_get(use, "x"), "y", json_integer(2)), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(base, "x"), "y")), 1);
}

static void test_utf16(void **state)
{
	/* "a: 1\n" in UTF-16LE with a BOM */
	static const char y[] = "\xff\xfe"
				"a\0:\0 \0"
				"1\0\n\0";
	json_auto_t *docs = NULL;

	(void)state;
	assert_int_equal(yaml_load_documents(y, sizeof(y) - 1, &docs, NULL), 0);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(docs, 0), "a")), 1);
}

struct fail_case {
	const char *yaml;
	int error;
	unsigned line;
	const char *needle;
};

static const struct fail_case fail_cases[] = {
	/* syntax errors carry positions */
	{ "a: 1\nb: [1, 2\nc: 3\n", -EBADMSG, 3, "flow sequence at line 2, column 4" },
	{ "a: 1\n  b: 2\n", -EBADMSG, 2, "mapping values are not allowed" },
	{ "a:\n\tb: 1\n", -EBADMSG, 2, NULL },
	{ "a: 'unterminated\n", -EBADMSG, 0, "quoted scalar" },
	{ "- a\nb: c\n", -EBADMSG, 2, NULL },
	{ "a: *nope\n", -EBADMSG, 1, "unknown anchor 'nope'" },
	{ "a: &r [1, *r]\n", -EBADMSG, 1, "refers to a node containing it" },
	/* duplicate keys are an error, as in strict sigs.k8s.io/yaml */
	{ "a: 1\nb: 2\na: 3\n", -EBADMSG, 3, "key 'a' already set" },
	{ "m:\n  x: 1\n  y: 2\n  x: 1\n", -EBADMSG, 4, "key 'x'" },
	{ "{\"a\": 1, \"a\": 2}", -EBADMSG, 1, "key 'a'" },
	/* mapping keys must be scalars */
	{ "? [a]\n: b\n", -EBADMSG, 1, "keys must be scalars" },
	{ "{[a]: b}", -EBADMSG, 1, "keys must be scalars" },
	{ "a: &l [1]\n*l : b\n", -EBADMSG, 2, "keys must be scalars" },
	{ "\"a\\0b\": 1\n", -EBADMSG, 1, "NUL" },
	/* tags */
	{ "a: !!int abc\n", -EBADMSG, 1, "as !!int" },
	{ "a: !!bool 1\n", -EBADMSG, 1, "as !!bool" },
	{ "a: !!null x\n", -EBADMSG, 1, "as !!null" },
	{ "a: !!binary aGVsbG8=\n", -EBADMSG, 1, "unsupported tag '!!binary'" },
	{ "a: !!set x\n", -EBADMSG, 1, "unsupported tag" },
	/* floats JSON cannot hold */
	{ "a: 1\nb: .inf\n", -EBADMSG, 2, "'.inf'" },
	{ "a: -.Inf\n", -EBADMSG, 1, NULL },
	{ "a: .NaN\n", -EBADMSG, 1, NULL },
	{ "a: !!float .nan\n", -EBADMSG, 1, NULL },
	/* merge keys need mappings */
	{ "m:\n  <<: 1\n", -EBADMSG, 2, "merge key" },
	{ "m:\n  <<: [{a: 1}, 2]\n", -EBADMSG, 2, "merge key" },
};

static void test_failures(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(fail_cases); i++)
		check_fail(fail_cases[i].yaml, strlen(fail_cases[i].yaml), fail_cases[i].error,
			   fail_cases[i].line, fail_cases[i].needle);
}

static void test_not_utf8(void **state)
{
	(void)state;
	/* Latin-1 é */
	check_fail("a: ok\nb: caf\xe9\n", 13, -EBADMSG, 2, "UTF-8");
	/* overlong encoding, lone continuation byte, UTF-16 surrogate encoded as UTF-8 */
	check_fail("a: \xc0\xaf\n", 6, -EBADMSG, 1, NULL);
	check_fail("a: \x80\n", 5, -EBADMSG, 1, NULL);
	check_fail("a: \xed\xa0\x80\n", 7, -EBADMSG, 1, NULL);
	/* NUL and other control bytes in the input */
	check_fail("a: b\0c\n", 7, -EBADMSG, 1, NULL);
	check_fail("a: \x01\n", 5, -EBADMSG, 1, "control characters");
	/* same through the JSON fast path's fallback */
	check_fail("{\"a\": \"caf\xe9\"}", 13, -EBADMSG, 1, NULL);
}

static void test_billion_laughs(void **state)
{
	const char *lol =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	struct buf b;

	(void)state;
	check_fail(lol, strlen(lol), -E2BIG, 0, "nodes");

	/* Few nodes, many bytes: a 1 MiB string aliased 70 times. */
	buf_init(&b, 4U << 20);
	assert_int_equal(buf_append_str(&b, "s: &s "), 0);
	for (size_t i = 0; i < (1U << 20); i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(buf_append_str(&b, "\nl: ["), 0);
	for (int i = 0; i < 70; i++)
		assert_int_equal(buf_append_str(&b, "*s, "), 0);
	assert_int_equal(buf_append_str(&b, "]\n"), 0);
	check_fail(b.data, b.len, -E2BIG, 2, "bytes");
	buf_free(&b);
}

static void nest(struct buf *b, unsigned levels, bool flow)
{
	buf_init(b, 1U << 20);
	for (unsigned i = 0; i < levels; i++) {
		if (flow) {
			assert_int_equal(buf_append_str(b, "["), 0);
		} else {
			for (unsigned j = 0; j < i; j++)
				assert_int_equal(buf_append_str(b, " "), 0);
			assert_int_equal(buf_append_str(b, "k:\n"), 0);
		}
	}
	if (flow)
		for (unsigned i = 0; i < levels; i++)
			assert_int_equal(buf_append_str(b, "]"), 0);
}

static void test_depth(void **state)
{
	json_auto_t *docs = NULL;
	struct buf b;

	(void)state;
	/* exactly the cap is fine, one more is refused, on both paths */
	nest(&b, YAML_DEPTH_MAX, true);
	assert_int_equal(yaml_load_documents(b.data, b.len, &docs, NULL), 0);
	buf_free(&b);
	nest(&b, YAML_DEPTH_MAX + 1, true);
	check_fail(b.data, b.len, -E2BIG, 1, "nesting");
	buf_free(&b);
	/* block mappings: "k:" lines, each one deeper; the last value is null */
	nest(&b, YAML_DEPTH_MAX, false);
	json_decref(docs);
	docs = NULL;
	assert_int_equal(yaml_load_documents(b.data, b.len, &docs, NULL), 0);
	buf_free(&b);
	nest(&b, YAML_DEPTH_MAX + 2, false);
	check_fail(b.data, b.len, -E2BIG, YAML_DEPTH_MAX + 1, "nesting");
	buf_free(&b);
	/* a fine anchor pasted deep enough is too deep */
	buf_init(&b, 1U << 20);
	assert_int_equal(buf_append_str(&b, "a: &a "), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(buf_append_str(&b, "["), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(buf_append_str(&b, "]"), 0);
	assert_int_equal(buf_append_str(&b, "\nb: "), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf_append_str(&b, "["), 0);
	assert_int_equal(buf_append_str(&b, "*a"), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(buf_append_str(&b, "]"), 0);
	check_fail(b.data, b.len, -E2BIG, 2, "nesting");
	buf_free(&b);
}

static void test_input_cap(void **state)
{
	size_t n = YAML_INPUT_MAX + 1;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	check_fail(big, n, -EFBIG, 0, NULL);
	/* NULL error pointers are allowed */
	{
		json_t *docs = NULL;

		assert_int_equal(yaml_load_documents(big, n, &docs, NULL), -EFBIG);
		assert_int_equal(yaml_load_documents("a: [", 4, &docs, NULL), -EBADMSG);
		assert_null(docs);
	}
	free(big);
}

static void test_error_message_is_one_line(void **state)
{
	const char *y = "\"a\\nb\": 1\n\"a\\nb\": 2\n";

	(void)state;
	check_fail(y, strlen(y), -EBADMSG, 2, "key 'a?b' already set");
}

static void test_load_file(void **state)
{
	char dir[] = "/tmp/pavise-test-yaml-XXXXXX";
	char path[sizeof(dir) + 16];
	struct yaml_error err = {};
	json_auto_t *docs = NULL;

	(void)state;
	assert_non_null(mkdtemp(dir));
	(void)snprintf(path, sizeof(path), "%s/x.yaml", dir);
	assert_int_equal(write_file_atomic(path, "a: 1\n---\nb: 2\n", 14, 0644), 0);
	assert_int_equal(yaml_load_file(path, &docs, &err), 0);
	assert_int_equal(json_array_size(docs), 2);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(yaml_load_file(path, &docs, &err), -ENOENT);
	assert_int_equal(err.line, 0);
	assert_true(strlen(err.msg) > 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- conformance: vArmor's example manifests ---- */

#define EXAMPLES_MAX 1024
static char *example_paths[EXAMPLES_MAX];
static size_t n_examples;

static int collect_yaml(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || n < 5 || strcmp(path + n - 5, ".yaml") != 0)
		return 0;
	if (n_examples >= EXAMPLES_MAX)
		return -1;
	example_paths[n_examples] = strdup(path);
	if (!example_paths[n_examples])
		return -1;
	n_examples++;
	return 0;
}

static void test_varmor_examples(void **state)
{
	const char *shared = secure_getenv("PAVISE_SHARED");
	char root[PATH_MAX];
	size_t n_docs = 0;

	(void)state;
	(void)snprintf(root, sizeof(root), "%s/varmor-examples", shared ? shared : "../shared");
	if (access(root, R_OK) < 0) {
		print_message("# '%s' not found, set PAVISE_SHARED\n", root);
		skip();
	}
	assert_int_equal(nftw(root, collect_yaml, 16, FTW_PHYS), 0);
	assert_true(n_examples > 0);

	for (size_t i = 0; i < n_examples; i++) {
		struct yaml_error err = {};
		json_auto_t *docs = NULL;
		size_t j;
		json_t *doc;
		int r;

		r = yaml_load_file(example_paths[i], &docs, &err);
		if (r < 0)
			fail_msg("%s:%u:%u: %s", example_paths[i], err.line, err.column, err.msg);
		if (json_array_size(docs) == 0)
			fail_msg("%s: no documents", example_paths[i]);
		json_array_foreach(docs, j, doc) {
			if (!json_is_object(doc) ||
			    !json_is_string(json_object_get(doc, "apiVersion")) ||
			    !json_is_string(json_object_get(doc, "kind")))
				fail_msg("%s: document %zu lacks apiVersion or kind",
					 example_paths[i], j);
			n_docs++;
		}
		free(example_paths[i]);
		example_paths[i] = NULL;
	}
	print_message("# %zu files, %zu documents\n", n_examples, n_docs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_alias_is_a_copy),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_input_cap),
		cmocka_unit_test(test_error_message_is_one_line),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_varmor_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
