// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the BPF pattern compiler and matcher. Input is
 * "pattern NUL path": a compiled pattern must write back to its text, and
 * bpf/path-match.h must agree with a plain reference matcher written from the
 * documented semantics (varmor.md 6.3) on every path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/path-match.h"
#include "rules/bpf-pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool starts(const char *s, size_t len, const char *p, size_t plen)
{
	return plen <= len && memcmp(s, p, plen) == 0;
}

static bool ends(const char *s, size_t len, const char *p, size_t plen)
{
	return plen <= len && memcmp(s + len - plen, p, plen) == 0;
}

/* The pattern text split by hand: literal, "**" or '*', and the two sides. */
static int reference(const char *pattern, const char *path, size_t len)
{
	const char *star = strchr(pattern, '*');
	const char *after, *name;
	size_t before_len, after_len, name_len;

	if (!star)
		return strlen(pattern) == len && memcmp(pattern, path, len) == 0;
	before_len = (size_t)(star - pattern);
	if (star[1] == '*') {
		after = star + 2;
		after_len = strlen(after);
		return starts(path, len, pattern, before_len) && ends(path, len, after, after_len);
	}
	after = star + 1;
	after_len = strlen(after);
	name = memrchr(path, '/', len);
	name = name ? name + 1 : path;
	name_len = len - (size_t)(name - path);
	if (name_len > PAVISE_NAME_MAX) {
		name += name_len - PAVISE_NAME_MAX;
		name_len = PAVISE_NAME_MAX;
	}
	return starts(name, name_len, pattern, before_len) &&
	       ends(name, name_len, after, after_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *sep = memchr(data, 0, size);
	char pattern[512], text[BPF_PATTERN_TEXT_MAX + 1];
	struct pavise_path_pattern pat;
	const char *why = NULL, *path;
	size_t plen, len;
	int r;

	if (!sep)
		return 0;
	plen = (size_t)(sep - (const char *)data);
	if (plen >= sizeof(pattern))
		return 0;
	memcpy(pattern, data, plen);
	pattern[plen] = 0;
	path = sep + 1;
	len = size - plen - 1;

	r = bpf_pattern_compile(pattern, BPF_PATTERN_RELATIVE, &pat, &why);
	if (r < 0) {
		if (!why)
			abort();
		return 0;
	}
	if (bpf_pattern_format(&pat, text, sizeof(text)) < 0 || strcmp(text, pattern) != 0)
		abort();
	r = bpf_pattern_match(&pat, path, len);
	if (len >= PAVISE_PATH_BUF) {
		if (r != -ENAMETOOLONG)
			abort();
		return 0;
	}
	if (r != reference(pattern, path, len))
		abort();
	return 0;
}
