// SPDX-License-Identifier: Apache-2.0
/*
 * The BPF path matcher (bpf/path-match.h) and its pattern compiler
 * (rules/bpf-pattern.c): tables on the host, the same tables inside the kernel
 * (rules/tests/bpf-match.bpf.c as a socket filter run with BPF_PROG_TEST_RUN),
 * and proof that the shared headers build for BPF with and without libc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <cmocka.h>

#include "bpf/path-match.h"
#include "rules/bpf-pattern.h"
#include "tests/lib/testlib.h"

#define MATCH_PROG_SRC "rules/tests/bpf-match.bpf.c"
/* Verification cost of the whole test program on the kernel that runs the test. */
#define VERIFIED_INSNS_BUDGET 200000

/* Same layout as struct match_case in rules/tests/bpf-match.bpf.c. */
struct match_case {
	struct pavise_path_pattern pattern;
	__u32 len;
	__u32 name_off;
	__s32 result;
	__u8 path[PAVISE_PATH_BUF];
};
_Static_assert(sizeof(struct match_case) == 132 + 12 + PAVISE_PATH_BUF, "match_case layout");

/* ---- the pattern compiler ---- */

struct compiled {
	const char *pattern;
	unsigned flags; /* BPF_PATTERN_* */
	__u32 match_flags;
	const char *prefix;
	const char *rsuffix;
};

#define P  PAVISE_MATCH_PRECISE
#define G  PAVISE_MATCH_GREEDY
#define PF PAVISE_MATCH_PREFIX
#define SF PAVISE_MATCH_SUFFIX

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = 0;
	return s;
}

static const struct compiled compile_ok[] = {
	{ "/etc/shadow", 0, P | PF, "/etc/shadow", "" },
	{ "/", 0, P | PF, "/", "" },
	{ "/etc/", 0, P | PF, "/etc/", "" },
	{ "/etc/**", 0, G | PF, "/etc/", "" },
	{ "/**/busybox", 0, G | PF | SF, "/", "xobysub/" },
	{ "/proc/**/mem", 0, G | PF | SF, "/proc/", "mem/" },
	{ "/proc**", 0, G | PF, "/proc", "" },
	{ "**ping", 0, G | SF, "", "gnip" },
	{ "**/etc/kubernetes", 0, G | SF, "", "setenrebuk/cte/" },
	{ "**", 0, G, "", "" },
	{ "*", 0, 0, "", "" },
	{ "*.sh", 0, SF, "", "hs." },
	{ "ld-*", 0, PF, "ld-", "" },
	{ "lib*.so", 0, PF | SF, "lib", "os." },
	{ "/data/[a-z]?{x}", 0, P | PF, "/data/[a-z]?{x}", "" },
	{ "/tmp/\xff\xfe", 0, P | PF, "/tmp/\xff\xfe", "" },
	{ "**\xc3\xa9t\xc3\xa9", 0, G | SF, "", "\xa9\xc3t\xa9\xc3" },
	{ "proc", BPF_PATTERN_RELATIVE, P | PF, "proc", "" },
	{ "overlay**", BPF_PATTERN_RELATIVE, G | PF, "overlay", "" },
	{ "/dev/{{.DiskDevices}}", 0, P | PF, "/dev/{{.DiskDevices}}", "" },
};

static void check_pattern(const struct pavise_path_pattern *pat, const struct compiled *c)
{
	assert_int_equal(pat->flags, c->match_flags);
	assert_string_equal((const char *)pat->prefix, c->prefix);
	assert_string_equal((const char *)pat->suffix, c->rsuffix);
}

static void test_compile_ok(void **state)
{
	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(compile_ok); i++) {
		struct pavise_path_pattern pat;
		const char *why = NULL;
		char text[BPF_PATTERN_TEXT_MAX + 1];

		if (bpf_pattern_compile(compile_ok[i].pattern, compile_ok[i].flags, &pat, &why) < 0)
			fail_msg("'%s': %s", compile_ok[i].pattern, why);
		check_pattern(&pat, &compile_ok[i]);
		/* Every record writes back to the pattern it came from. */
		assert_int_equal(bpf_pattern_format(&pat, text, sizeof(text)), 0);
		assert_string_equal(text, compile_ok[i].pattern);
	}
}

static void test_compile_limits(void **state)
{
	_cleanup_free_ char *n62 = repeat('a', 62), *n63 = repeat('b', 63);
	char buf[512];
	struct pavise_path_pattern pat;
	const char *why = NULL;

	(void)state;
	/* A literal of 63 bytes fits, 64 do not. */
	snprintf(buf, sizeof(buf), "/%s", n62);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), 0);
	assert_int_equal(strlen((const char *)pat.prefix), 63);
	snprintf(buf, sizeof(buf), "/%s", n63);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), -EINVAL);
	assert_non_null(strstr(why, "63 bytes"));

	/* 63 + "**" + 63 = 128 bytes, the longest pattern there is. */
	snprintf(buf, sizeof(buf), "/%s**%s", n62, n63);
	assert_int_equal(strlen(buf), BPF_PATTERN_TEXT_MAX);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), 0);
	assert_int_equal(pat.flags, G | PF | SF);
	assert_int_equal(strlen((const char *)pat.suffix), 63);
	/* One byte more on either side. */
	snprintf(buf, sizeof(buf), "/%sa**%s", n62, n63);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), -EINVAL);
	snprintf(buf, sizeof(buf), "/%s**%sb", n62, n63);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), -EINVAL);
	snprintf(buf, sizeof(buf), "/%s**b%s", n62, n63);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), -EINVAL);
	assert_non_null(strstr(why, "longer than 128"));
	snprintf(buf, sizeof(buf), "%s*%s", n63, n63);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), 0);
	snprintf(buf, sizeof(buf), "%sb*%s", n63, n63);
	assert_int_equal(bpf_pattern_compile(buf, 0, &pat, &why), -EINVAL);
	assert_non_null(strstr(why, "before the wildcard"));
}

static const struct {
	const char *pattern;
	unsigned flags;
	const char *reason; /* a part of the message */
} compile_bad[] = {
	{ "", 0, "empty" },
	{ "***", 0, "'***'" },
	{ "****", 0, "'***'" },
	{ "/a/***", 0, "'***'" },
	{ "/a/***/b", 0, "'***'" },
	{ "/a/**/**", 0, "only one wildcard" },
	{ "**/a/**", 0, "only one wildcard" },
	{ "**/**", 0, "only one wildcard" },
	{ "a*b*c", 0, "only one wildcard" },
	{ "/a/*/b/**", 0, "only one wildcard" },
	{ "/a/*", 0, "cannot contain '/'" },
	{ "/a/*/b", 0, "cannot contain '/'" },
	{ "*/", 0, "cannot contain '/'" },
	{ "etc/passwd", 0, "absolute path" },
	{ "etc/**", 0, "absolute path" },
	{ "proc", 0, "absolute path" },
	{ "~/x", 0, "absolute path" },
};

static void test_compile_errors(void **state)
{
	struct pavise_path_pattern pat = { .flags = 0x5a5a };
	_cleanup_free_ char *huge = repeat('x', 5000);
	const char *why;

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(compile_bad); i++) {
		why = NULL;
		assert_int_equal(bpf_pattern_compile(compile_bad[i].pattern, compile_bad[i].flags,
						     &pat, &why),
				 -EINVAL);
		if (!why || !strstr(why, compile_bad[i].reason))
			fail_msg("'%s': reason '%s', expected '%s'", compile_bad[i].pattern,
				 strna(why), compile_bad[i].reason);
		assert_int_equal(pat.flags, 0x5a5a); /* untouched on failure */
	}
	assert_int_equal(bpf_pattern_compile(NULL, 0, &pat, &why), -EINVAL);
	assert_int_equal(bpf_pattern_compile(huge, 0, &pat, NULL), -EINVAL);
	huge[0] = '/';
	assert_int_equal(bpf_pattern_compile(huge, 0, &pat, &why), -EINVAL);
	assert_non_null(strstr(why, "longer than 128"));
}

/* ---- the matcher ---- */

struct match {
	const char *pattern;
	const char *path;
	size_t len; /* 0: strlen(path) */
	int expect;
};

static const struct match matches[] = {
	/* PRECISE: the whole path, nothing more, nothing less. */
	{ "/etc/shadow", "/etc/shadow", 0, 1 },
	{ "/etc/shadow", "/etc/shadow-", 0, 0 },
	{ "/etc/shadow", "/etc/shado", 0, 0 },
	{ "/etc/shadow", "/etc/shadow/", 0, 0 },
	{ "/etc/shadow", "/ETC/shadow", 0, 0 },
	{ "/etc/shadow", "", 0, 0 },
	{ "/etc/shadow", "/", 0, 0 },
	{ "/etc/shadow", "/etc/shadow\0x", 13, 0 },
	{ "/", "/", 0, 1 },
	{ "/", "", 0, 0 },
	{ "/", "//", 0, 0 },
	{ "/etc/", "/etc/", 0, 1 },
	{ "/etc/", "/etc", 0, 0 },
	/* GREEDY with a prefix: any depth below it, '/' crossed. */
	{ "/etc/**", "/etc/", 0, 1 },
	{ "/etc/**", "/etc/passwd", 0, 1 },
	{ "/etc/**", "/etc/a/b/c/d", 0, 1 },
	{ "/etc/**", "/etc", 0, 0 },
	{ "/etc/**", "/etcx/a", 0, 0 },
	{ "/etc/**", "/usr/etc/a", 0, 0 },
	{ "/proc**", "/proc", 0, 1 },
	{ "/proc**", "/proc/1/root", 0, 1 },
	{ "/proc**", "/procfs", 0, 1 },
	/* GREEDY with prefix and suffix; they may share the '/'. */
	{ "/**/busybox", "/bin/busybox", 0, 1 },
	{ "/**/busybox", "/usr/local/bin/busybox", 0, 1 },
	{ "/**/busybox", "/busybox", 0, 1 },
	{ "/**/busybox", "/bin/busybox2", 0, 0 },
	{ "/**/busybox", "/bin/xbusybox", 0, 0 },
	{ "/**/busybox", "busybox", 0, 0 },
	{ "/**/busybox", "/bin/busybox/", 0, 0 },
	{ "/proc/**/mem", "/proc/1/mem", 0, 1 },
	{ "/proc/**/mem", "/proc/self/task/12/mem", 0, 1 },
	{ "/proc/**/mem", "/proc/mem", 0, 1 },
	{ "/proc/**/mem", "/proc/1/meminfo", 0, 0 },
	{ "/proc/**/mem", "/sys/proc/1/mem", 0, 0 },
	/* GREEDY with a suffix only. */
	{ "**ping", "/bin/ping", 0, 1 },
	{ "**ping", "/usr/bin/noping", 0, 1 },
	{ "**ping", "ping", 0, 1 },
	{ "**ping", "/bin/ping6", 0, 0 },
	{ "**ping", "", 0, 0 },
	{ "**/etc/kubernetes", "/host/etc/kubernetes", 0, 1 },
	{ "**/etc/kubernetes", "/etc/kubernetes/admin.conf", 0, 0 },
	{ "**", "", 0, 1 },
	{ "**", "/", 0, 1 },
	{ "**", "/any/thing", 0, 1 },
	/* '*': the file name only, never across '/'. */
	{ "*", "", 0, 1 },
	{ "*", "/etc/", 0, 1 },
	{ "*", "/x", 0, 1 },
	{ "*.sh", "/tmp/run.sh", 0, 1 },
	{ "*.sh", ".sh", 0, 1 },
	{ "*.sh", "/a/.sh", 0, 1 },
	{ "*.sh", "/tmp/run.sh/", 0, 0 },
	{ "*.sh", "/tmp/a.sh.bak", 0, 0 },
	{ "*.sh", "/x.sh/y", 0, 0 },
	{ "*.sh", "/", 0, 0 },
	{ "ld-*", "/lib/ld-linux.so.2", 0, 1 },
	{ "ld-*", "ld-", 0, 1 },
	{ "ld-*", "/ld-/x", 0, 0 },
	{ "ld-*", "/lib/xld-", 0, 0 },
	{ "lib*.so", "/usr/lib/libc.so", 0, 1 },
	{ "lib*.so", "/lib.so", 0, 1 },
	{ "lib*.so", "/usr/lib/libc.so.6", 0, 0 },
	{ "lib*.so", "/usr/libc.so/x", 0, 0 },
	{ "lib*.so", "/libso", 0, 0 },
	/* Bytes, not characters: non-UTF-8 and multi-byte names. */
	{ "/tmp/\xff\xfe", "/tmp/\xff\xfe", 0, 1 },
	{ "/tmp/\xff\xfe", "/tmp/\xff", 0, 0 },
	{ "**\xff", "/a/b\xff", 0, 1 },
	{ "*.sh", "/\xc3\x28.sh", 0, 1 },
	{ "**\xc3\xa9t\xc3\xa9", "/home/\xc3\xa9t\xc3\xa9", 0, 1 },
	{ "**\xc3\xa9t\xc3\xa9", "/home/ete", 0, 0 },
	/* Other glob characters are literal. */
	{ "/data/[a-z]?{x}", "/data/[a-z]?{x}", 0, 1 },
	{ "/data/[a-z]?{x}", "/data/ab{x}", 0, 0 },
	/* Relative sources of mount rules. */
	{ "proc", "proc", 0, 1 },
	{ "overlay**", "overlay", 0, 1 },
	{ "overlay**", "/overlay", 0, 0 },
};

static void run_matches(const struct match *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct pavise_path_pattern pat;
		const char *why = NULL;
		size_t len = t[i].len ? t[i].len : strlen(t[i].path);
		int r;

		if (bpf_pattern_compile(t[i].pattern, BPF_PATTERN_RELATIVE, &pat, &why) < 0)
			fail_msg("'%s': %s", t[i].pattern, why);
		r = bpf_pattern_match(&pat, t[i].path, len);
		if (r != t[i].expect)
			fail_msg("'%s' on '%s': %d, expected %d", t[i].pattern, t[i].path, r,
				 t[i].expect);
	}
}

static void test_match_table(void **state)
{
	(void)state;
	run_matches(matches, ELEMENTSOF(matches));
}

static void test_match_limits(void **state)
{
	_cleanup_free_ char *n62 = repeat('p', 62), *n63 = repeat('s', 63), *mid = repeat('m', 40);
	_cleanup_free_ char *long_path = malloc(PAVISE_PATH_BUF + 16);
	struct pavise_path_pattern pat;
	char pattern[512], path[512];
	const char *why = NULL;

	(void)state;
	assert_non_null(long_path);
	/* Both parts at 63 bytes: prefix and suffix meet, overlap or have bytes between. */
	snprintf(pattern, sizeof(pattern), "/%s**%s", n62, n63);
	assert_int_equal(bpf_pattern_compile(pattern, 0, &pat, &why), 0);
	snprintf(path, sizeof(path), "/%s%s", n62, n63);
	assert_int_equal(bpf_pattern_match(&pat, path, strlen(path)), 1);
	snprintf(path, sizeof(path), "/%s/%s/%s", n62, mid, n63);
	assert_int_equal(bpf_pattern_match(&pat, path, strlen(path)), 1);
	snprintf(path, sizeof(path), "/%s%s", n62, n63 + 1);
	assert_int_equal(bpf_pattern_match(&pat, path, strlen(path)), 0);

	/* A 63-byte literal against itself and one byte more. */
	snprintf(pattern, sizeof(pattern), "/%s", n62);
	assert_int_equal(bpf_pattern_compile(pattern, 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_match(&pat, pattern, strlen(pattern)), 1);
	snprintf(path, sizeof(path), "/%sx", n62);
	assert_int_equal(bpf_pattern_match(&pat, path, strlen(path)), 0);

	/* The longest path the buffer holds (4095 bytes), then one byte too many. */
	memset(long_path, 'd', PAVISE_PATH_BUF + 16);
	for (size_t i = 0; i < PAVISE_PATH_BUF; i += 100)
		long_path[i] = '/';
	memcpy(long_path + PAVISE_PATH_BUF - 1 - 8, "/busybox", 8);
	assert_int_equal(bpf_pattern_compile("/**/busybox", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_match(&pat, long_path, PAVISE_PATH_BUF - 1), 1);
	assert_int_equal(bpf_pattern_match(&pat, long_path, PAVISE_PATH_BUF), -ENAMETOOLONG);
	assert_int_equal(bpf_pattern_match(&pat, long_path, 100000), -ENAMETOOLONG);
	assert_int_equal(bpf_pattern_compile("*ybox", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_match(&pat, long_path, PAVISE_PATH_BUF - 1), 1);

	/* A last component longer than a Linux name: the matcher looks back 256 bytes only. */
	memset(long_path, 'a', 1000);
	long_path[0] = '/';
	memcpy(long_path + 997, ".sh", 3);
	assert_int_equal(pavise_path_name_offset((const __u8 *)long_path, 1000),
			 1000 - PAVISE_NAME_MAX);
	assert_int_equal(bpf_pattern_compile("*.sh", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_match(&pat, long_path, 1000), 1);

	/* Paths made only of slashes, and a pattern that is not NUL-terminated. */
	assert_int_equal(bpf_pattern_compile("*", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_match(&pat, "////", 4), 1);
	assert_int_equal(bpf_pattern_compile("/etc/**", 0, &pat, &why), 0);
	memset(pat.prefix, 'x', sizeof(pat.prefix));
	assert_int_equal(bpf_pattern_match(&pat, long_path, 200), 0);
}

static void test_name_offset(void **state)
{
	static const struct {
		const char *path;
		__u32 off;
	} t[] = {
		{ "", 0 },
		{ "/", 1 },
		{ "a", 0 },
		{ "/a", 1 },
		{ "/a/b", 3 },
		{ "/a/", 3 },
		{ "//", 2 },
		{ "/usr/bin/env", 9 },
		{ "relative/x.sh", 9 },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		assert_int_equal(pavise_path_name_offset((const __u8 *)t[i].path,
							 (__u32)strlen(t[i].path)),
				 t[i].off);
	assert_int_equal(pavise_path_name_offset((const __u8 *)"/a", PAVISE_PATH_BUF), 0);
}

static void test_suffix_json(void **state)
{
	struct pavise_path_pattern pat;
	const char *why = NULL;
	char json[PAVISE_PATTERN_MAX];
	__u8 rec[PAVISE_PATTERN_MAX];

	(void)state;
	/* ASCII: the JSON suffix is the record's bytes, as vArmor writes them. */
	assert_int_equal(bpf_pattern_compile("/**/busybox", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_suffix_to_json(pat.suffix, json, sizeof(json)), 0);
	assert_string_equal(json, "xobysub/");
	assert_int_equal(bpf_pattern_suffix_from_json(json, rec), 0);
	assert_memory_equal(rec, pat.suffix, sizeof(rec));

	/* UTF-8: characters reversed in JSON (still valid), bytes reversed in the record. */
	assert_int_equal(bpf_pattern_compile("**/\xc3\xa9t\xc3\xa9", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_suffix_to_json(pat.suffix, json, sizeof(json)), 0);
	assert_string_equal(json, "\xc3\xa9t\xc3\xa9/");
	assert_true(bpf_pattern_utf8_valid(json, strlen(json)));
	assert_int_equal(bpf_pattern_suffix_from_json(json, rec), 0);
	assert_memory_equal(rec, pat.suffix, sizeof(rec));

	/* Bytes JSON cannot carry, and malformed input. */
	assert_int_equal(bpf_pattern_compile("**\xff", 0, &pat, &why), 0);
	assert_int_equal(bpf_pattern_suffix_to_json(pat.suffix, json, sizeof(json)), -EILSEQ);
	assert_int_equal(bpf_pattern_suffix_from_json("\xc3", rec), -EINVAL);
	assert_int_equal(bpf_pattern_suffix_from_json("\xed\xa0\x80", rec), -EINVAL);
	assert_int_equal(bpf_pattern_suffix_from_json("\xc0\xaf", rec), -EINVAL);
	assert_int_equal(bpf_pattern_suffix_from_json(
				 "0123456789012345678901234567890123456789012345678901234567890123",
				 rec),
			 -ENAMETOOLONG);
	assert_true(bpf_pattern_utf8_valid("\xf0\x9f\x98\x80", 4));
	assert_false(bpf_pattern_utf8_valid("\xf4\x90\x80\x80", 4));
}

/* ---- BPF: build the test program, load it, run the tables in the kernel ---- */

static char *tmpdir;
static char bpf_obj[512];

static int find_clang(char *buf, size_t size)
{
	const char *env = secure_getenv("CLANG");
	const char *path = secure_getenv("PATH");
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;

	if (env && strchr(env, '/')) {
		snprintf(buf, size, "%s", env);
		return access(buf, X_OK) == 0 ? 0 : -errno;
	}
	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!copy)
		return -ENOMEM;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/%s", d, env && *env ? env : "clang");
		if (access(buf, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static void print_log(const char *log)
{
	_cleanup_fclose_ FILE *f = fopen(log, "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f))
		fprintf(stderr, "    %s", line);
}

static int build_bpf(bool headers_only, const char *out)
{
	char clang[512], log[600];
	char *argv_full[] = { clang,   "-O2",	    "-g",  "-target", "bpf",
			      "-Wall", "-Werror",   "-I.", "-c",      MATCH_PROG_SRC,
			      "-o",    (char *)out, NULL };
	char *argv_bare[] = { clang,
			      "-O2",
			      "-target",
			      "bpf",
			      "-Wall",
			      "-Werror",
			      "-ffreestanding",
			      "-nostdinc",
			      "-DPAVISE_HEADERS_ONLY",
			      "-I.",
			      "-c",
			      MATCH_PROG_SRC,
			      "-o",
			      (char *)out,
			      NULL };
	int r;

	r = find_clang(clang, sizeof(clang));
	if (r < 0)
		return r;
	snprintf(log, sizeof(log), "%s/clang.log", tmpdir);
	(void)unlink(log);
	r = testlib_run(headers_only ? argv_bare : argv_full, log);
	if (r != 0) {
		fprintf(stderr, "%s failed (%d):\n", clang, r);
		print_log(log);
	}
	return r;
}

static void test_bpf_builds(void **state)
{
	char bare[512];

	(void)state;
	snprintf(bpf_obj, sizeof(bpf_obj), "%s/bpf-match.bpf.o", tmpdir);
	snprintf(bare, sizeof(bare), "%s/headers-only.o", tmpdir);
	/* clang is a build dependency (BPF objects): its absence fails the test. */
	assert_int_equal(build_bpf(false, bpf_obj), 0);
	assert_int_equal(build_bpf(true, bare), 0);
	(void)unlink(bare);
}

/* libbpf is loaded at run time: the Makefile links tests without -lbpf. */
struct libbpf {
	void *handle;
	__typeof__(libbpf_set_print) *set_print;
	__typeof__(bpf_object__open_file) *open_file;
	__typeof__(bpf_object__load) *load;
	__typeof__(bpf_object__close) *close;
	__typeof__(bpf_object__find_program_by_name) *find_program;
	__typeof__(bpf_program__fd) *program_fd;
	__typeof__(bpf_object__find_map_by_name) *find_map;
	__typeof__(bpf_map__fd) *map_fd;
	__typeof__(bpf_map__value_size) *value_size;
	__typeof__(bpf_map_update_elem) *update;
	__typeof__(bpf_map_lookup_elem) *lookup;
	__typeof__(bpf_prog_test_run_opts) *test_run;
	__typeof__(bpf_obj_get_info_by_fd) *info;
};

static int libbpf_open(struct libbpf *l)
{
	l->handle = dlopen("libbpf.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!l->handle)
		return -ENOENT;
#define SYM(field, name)                                      \
	do {                                                  \
		*(void **)&l->field = dlsym(l->handle, name); \
		if (!l->field)                                \
			return -ENOENT;                       \
	} while (0)
	SYM(set_print, "libbpf_set_print");
	SYM(open_file, "bpf_object__open_file");
	SYM(load, "bpf_object__load");
	SYM(close, "bpf_object__close");
	SYM(find_program, "bpf_object__find_program_by_name");
	SYM(program_fd, "bpf_program__fd");
	SYM(find_map, "bpf_object__find_map_by_name");
	SYM(map_fd, "bpf_map__fd");
	SYM(value_size, "bpf_map__value_size");
	SYM(update, "bpf_map_update_elem");
	SYM(lookup, "bpf_map_lookup_elem");
	SYM(test_run, "bpf_prog_test_run_opts");
	SYM(info, "bpf_obj_get_info_by_fd");
#undef SYM
	return 0;
}

__attribute__((format(printf, 2, 0))) static int libbpf_print(enum libbpf_print_level level,
							      const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int kernel_match(const struct libbpf *l, int prog, int map,
			const struct pavise_path_pattern *pat, const char *path, size_t len,
			struct match_case *out)
{
	static struct match_case c;
	char packet[64] = {};
	__u32 key = 0;
	int r;

	struct bpf_test_run_opts opts = {
		.sz = sizeof(opts), /* what LIBBPF_OPTS() does */
		.data_in = packet,
		.data_size_in = sizeof(packet),
	};
	memset(&c, 0, sizeof(c));
	c.pattern = *pat;
	c.len = (__u32)len;
	memcpy(c.path, path, MIN(len, sizeof(c.path)));
	c.result = -1;
	r = l->update(map, &key, &c, 0);
	if (r < 0)
		return r;
	r = l->test_run(prog, &opts);
	if (r < 0)
		return r;
	r = l->lookup(map, &key, out);
	if (r < 0)
		return r;
	if ((__s32)opts.retval != out->result)
		return -EPROTO;
	return 0;
}

static void test_bpf_kernel(void **state)
{
	_cleanup_free_ char *long_path = malloc(PAVISE_PATH_BUF + 1);
	struct libbpf l = {};
	struct bpf_object *obj;
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info);
	int prog, map, r;
	size_t n = 0;

	(void)state;
	assert_non_null(long_path);
	if (!bpf_obj[0])
		test_bpf_builds(state);
	if (libbpf_open(&l) < 0) {
		fprintf(stderr, "libbpf.so.1 not found: %s\n", dlerror());
		skip();
	}
	l.set_print(libbpf_print);
	obj = l.open_file(bpf_obj, NULL);
	assert_non_null(obj);
	r = l.load(obj);
	if (r == -EPERM || r == -EACCES) {
		fprintf(stderr, "not allowed to load BPF programs here (%d), skipping\n", r);
		l.close(obj);
		dlclose(l.handle);
		skip();
	}
	if (r < 0)
		fail_msg("the verifier refused the matcher (%d); its log is above", r);
	prog = l.program_fd(l.find_program(obj, "match_path"));
	map = l.map_fd(l.find_map(obj, "match_cases"));
	assert_true(prog >= 0 && map >= 0);
	assert_int_equal(l.value_size(l.find_map(obj, "match_cases")), sizeof(struct match_case));
	assert_int_equal(l.info(prog, &info, &info_len), 0);
	fprintf(stderr, "matcher verified in %u instructions (budget %d)\n", info.verified_insns,
		VERIFIED_INSNS_BUDGET);
	assert_true(info.verified_insns < VERIFIED_INSNS_BUDGET);

	/* The host table, case by case, in the kernel. */
	for (size_t i = 0; i < ELEMENTSOF(matches); i++, n++) {
		const struct match *t = &matches[i];
		size_t len = t->len ? t->len : strlen(t->path);
		struct pavise_path_pattern pat;
		struct match_case out;

		assert_int_equal(bpf_pattern_compile(t->pattern, BPF_PATTERN_RELATIVE, &pat, NULL),
				 0);
		assert_int_equal(kernel_match(&l, prog, map, &pat, t->path, len, &out), 0);
		if (out.result != t->expect)
			fail_msg("kernel: '%s' on '%s': %d, expected %d", t->pattern, t->path,
				 out.result, t->expect);
		assert_int_equal(out.name_off,
				 pavise_path_name_offset((const __u8 *)t->path, (__u32)len));
	}

	/* Long paths: the longest that fits, and lengths past the buffer. */
	memset(long_path, 'd', PAVISE_PATH_BUF + 1);
	for (size_t i = 0; i < PAVISE_PATH_BUF; i += 100)
		long_path[i] = '/';
	memcpy(long_path + PAVISE_PATH_BUF - 1 - 8, "/busybox", 8);
	{
		static const char *const pats[] = { "/**/busybox", "*ybox", "**", "*", "/d**" };
		static const size_t lens[] = { PAVISE_PATH_BUF - 1, PAVISE_PATH_BUF,
					       PAVISE_PATH_BUF + 1, 70000, 1000 };

		for (size_t p = 0; p < ELEMENTSOF(pats); p++)
			for (size_t k = 0; k < ELEMENTSOF(lens); k++, n++) {
				struct pavise_path_pattern pat;
				struct match_case out;
				int host;

				assert_int_equal(bpf_pattern_compile(pats[p], 0, &pat, NULL), 0);
				host = bpf_pattern_match(&pat, long_path, lens[k]);
				assert_int_equal(kernel_match(&l, prog, map, &pat, long_path,
							      lens[k], &out),
						 0);
				/* Past the buffer the host refuses and the kernel never matches. */
				assert_int_equal(out.result, host < 0 ? 0 : host);
			}
	}
	fprintf(stderr, "%zu cases agreed between host and kernel\n", n);
	l.close(obj);
	dlclose(l.handle);
}

static int setup(void **state)
{
	(void)state;
	tmpdir = testlib_tmpdir();
	return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
	char p[600];

	(void)state;
	snprintf(p, sizeof(p), "%s/bpf-match.bpf.o", tmpdir);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s/clang.log", tmpdir);
	(void)unlink(p);
	(void)rmdir(tmpdir);
	free(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_ok),     cmocka_unit_test(test_compile_limits),
		cmocka_unit_test(test_compile_errors), cmocka_unit_test(test_match_table),
		cmocka_unit_test(test_match_limits),   cmocka_unit_test(test_name_offset),
		cmocka_unit_test(test_suffix_json),    cmocka_unit_test(test_bpf_builds),
		cmocka_unit_test(test_bpf_kernel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
