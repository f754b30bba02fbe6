// SPDX-License-Identifier: Apache-2.0
/* BPF path patterns on the host: pattern text <-> struct pavise_path_pattern, and matching. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "bpf/path-match.h"
#include "rules/bpf-pattern.h"

static int fail(const char **reterr_reason, const char *reason)
{
	if (reterr_reason)
		*reterr_reason = reason;
	return -EINVAL;
}

static void reverse_into(__u8 *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = (__u8)src[len - 1 - i];
	dst[len] = 0;
}

int bpf_pattern_compile(const char *pattern, unsigned flags, struct pavise_path_pattern *ret,
			const char **reterr_reason)
{
	struct pavise_path_pattern pat = {};
	size_t len, star = 0, run = 0, n_runs = 0;
	const char *before, *after;
	size_t before_len, after_len;

	if (!pattern || !*pattern)
		return fail(reterr_reason, "the pattern is empty");
	len = strlen(pattern);
	if (len > BPF_PATTERN_TEXT_MAX)
		return fail(reterr_reason, "the pattern is longer than 128 bytes (the BPF limit)");

	for (size_t i = 0; i < len; i++) {
		size_t n = 0;

		if (pattern[i] != '*')
			continue;
		while (i + n < len && pattern[i + n] == '*')
			n++;
		if (n > 2)
			return fail(
				reterr_reason,
				"'***' is not a wildcard: use '*' within one file name or '**' across directories");
		if (n_runs++ == 0) {
			star = i;
			run = n;
		}
		i += n - 1;
	}
	if (n_runs > 1)
		return fail(
			reterr_reason,
			"only one wildcard ('*' or '**') is allowed in a pattern (a BPF enforcer limit)");

	if (n_runs == 0) {
		if (!(flags & BPF_PATTERN_RELATIVE) && pattern[0] != '/')
			return fail(
				reterr_reason,
				"must be an absolute path (start with '/') or start with a wildcard");
		if (len >= PAVISE_PATTERN_MAX)
			return fail(
				reterr_reason,
				"a path without wildcard may have at most 63 bytes (the BPF limit)");
		memcpy(pat.prefix, pattern, len);
		pat.flags = PAVISE_MATCH_PRECISE | PAVISE_MATCH_PREFIX;
		*ret = pat;
		return 0;
	}

	before = pattern;
	before_len = star;
	after = pattern + star + run;
	after_len = len - star - run;
	if (run == 1) {
		if (memchr(pattern, '/', len))
			return fail(
				reterr_reason,
				"a pattern with '*' matches within one file name and cannot contain '/'; use '**' to match across directories");
	} else {
		pat.flags |= PAVISE_MATCH_GREEDY;
		if (before_len > 0 && before[0] != '/' && !(flags & BPF_PATTERN_RELATIVE))
			return fail(
				reterr_reason,
				"must be an absolute path (start with '/') or start with a wildcard");
	}
	if (before_len >= PAVISE_PATTERN_MAX)
		return fail(
			reterr_reason,
			"the part before the wildcard may have at most 63 bytes (the BPF limit)");
	if (after_len >= PAVISE_PATTERN_MAX)
		return fail(
			reterr_reason,
			"the part after the wildcard may have at most 63 bytes (the BPF limit)");
	if (before_len > 0) {
		memcpy(pat.prefix, before, before_len);
		pat.flags |= PAVISE_MATCH_PREFIX;
	}
	if (after_len > 0) {
		reverse_into(pat.suffix, after, after_len);
		pat.flags |= PAVISE_MATCH_SUFFIX;
	}
	*ret = pat;
	return 0;
}

static size_t bounded_len(const __u8 *s)
{
	const void *nul = memchr(s, 0, PAVISE_PATTERN_MAX);

	return nul ? (size_t)((const __u8 *)nul - s) : PAVISE_PATTERN_MAX;
}

int bpf_pattern_format(const struct pavise_path_pattern *pat, char *buf, size_t size)
{
	size_t plen = bounded_len(pat->prefix), slen = bounded_len(pat->suffix), n = 0;
	const char *wild;

	if (pat->flags & PAVISE_MATCH_PRECISE) {
		slen = 0;
		wild = "";
	} else
		wild = pat->flags & PAVISE_MATCH_GREEDY ? "**" : "*";
	if (!(pat->flags & PAVISE_MATCH_PREFIX) && !(pat->flags & PAVISE_MATCH_PRECISE))
		plen = 0;
	if (!(pat->flags & PAVISE_MATCH_SUFFIX))
		slen = 0;
	if (plen + strlen(wild) + slen + 1 > size)
		return -ENOBUFS;
	memcpy(buf, pat->prefix, plen);
	n = plen;
	memcpy(buf + n, wild, strlen(wild));
	n += strlen(wild);
	for (size_t i = 0; i < slen; i++)
		buf[n++] = (char)pat->suffix[slen - 1 - i];
	buf[n] = 0;
	return 0;
}

int bpf_pattern_match(const struct pavise_path_pattern *pat, const char *path, size_t len)
{
	__u8 buf[PAVISE_PATH_BUF];

	if (len >= PAVISE_PATH_BUF)
		return -ENAMETOOLONG;
	memset(buf, 0, sizeof(buf));
	if (len > 0)
		memcpy(buf, path, len);
	return pavise_path_match(pat, buf, (__u32)len, pavise_path_name_offset(buf, (__u32)len));
}

/* Length of the UTF-8 sequence at s[0..len), or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool bpf_pattern_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(u + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Writes s[0..len) (valid UTF-8) with its characters in reverse order; out holds len bytes. */
static void reverse_chars(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(u + i, len - i);

		memcpy(out + len - i - n, s + i, n);
		i += n;
	}
}

int bpf_pattern_suffix_from_json(const char *json_suffix, __u8 ret[PAVISE_PATTERN_MAX])
{
	char original[PAVISE_PATTERN_MAX];
	size_t len = strlen(json_suffix);

	if (len >= PAVISE_PATTERN_MAX)
		return -ENAMETOOLONG;
	if (!bpf_pattern_utf8_valid(json_suffix, len))
		return -EINVAL;
	reverse_chars(json_suffix, len, original);
	memset(ret, 0, PAVISE_PATTERN_MAX);
	reverse_into(ret, original, len);
	return 0;
}

int bpf_pattern_suffix_to_json(const __u8 rsuffix[PAVISE_PATTERN_MAX], char *buf, size_t size)
{
	char original[PAVISE_PATTERN_MAX];
	size_t len = bounded_len(rsuffix);

	if (len >= PAVISE_PATTERN_MAX)
		return -EINVAL;
	if (size < len + 1)
		return -ENOBUFS;
	for (size_t i = 0; i < len; i++)
		original[i] = (char)rsuffix[len - 1 - i];
	if (!bpf_pattern_utf8_valid(original, len))
		return -EILSEQ;
	reverse_chars(original, len, buf);
	buf[len] = 0;
	return 0;
}
