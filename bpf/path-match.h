// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only
/* The path pattern matcher, written once for the BPF LSM programs and the host. */
#pragma once

// Semantics (vArmor's, varmor.md 6.3; the pattern compiler is rules/bpf-pattern.c):
//
//   PRECISE             the path equals prefix, byte for byte.
//   GREEDY ("**")       the path starts with prefix and ends with suffix. The two
//                       are checked independently and may share bytes, so
//                       "/**/busybox" also matches "/busybox" itself: "**"
//                       stands for any directory depth, zero included.
//   neither ("*")       the same two checks on the file name: the bytes after
//                       the last '/' (empty for a path ending in '/').
//   no PREFIX/SUFFIX    that check is skipped ("**" matches every path, "*"
//                       every name).
//
// Paths are bytes (no UTF-8 assumption), not NUL-terminated: path[0..len).
// The buffer behind `path` must be PAVISE_PATH_BUF bytes long (a map value on
// the BPF side), since every index is masked into it; len >= PAVISE_PATH_BUF
// never matches (the caller decides what an over-long path means).
//
// For the verifier: no recursion, no helpers, no libc; every loop has a
// constant bound (PAVISE_PATTERN_MAX or PAVISE_NAME_MAX iterations) and every
// access is masked into its buffer. A pattern that is not NUL-terminated within
// PAVISE_PATTERN_MAX bytes never matches.

#include "pavise-rules.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define PAVISE_PATH_MASK (PAVISE_PATH_BUF - 1)

/*
 * x &= PAVISE_PATH_MASK, opaque to clang on the BPF side. Each loop's bound
 * checks narrow the verifier's range of the length they compare with (len in
 * [k + 1, ...] after k iterations), so the exits of one loop reach the next
 * loop as up to 64 different states and verification multiplies. Masking
 * where clang cannot drop it widens the range back to [0, PAVISE_PATH_MASK]
 * and the states merge. Measured with rules/tests/bpf-match.bpf.c (name
 * offset + match): 17,913 instructions verified on 6.1 and 17,912 on 6.18,
 * against 115,189 and 801,131 without the masks (a prefix + suffix check
 * alone: 2,871 against 82,728 on 6.18). Values are already below
 * PAVISE_PATH_BUF: a no-op on the host.
 *
 * Cost per call stays in the thousands of instructions, so a hook that tries
 * 64 rules should match from a bpf_loop() callback (5.17+) rather than inline
 * the matcher 64 times.
 */
#ifdef __bpf__
#define pavise_forget_bounds(x) asm volatile("%0 &= %1" : "+r"(x) : "i"(PAVISE_PATH_MASK))
#else
#define pavise_forget_bounds(x) ((x) &= PAVISE_PATH_MASK)
#endif

/*
 * Offset of the file name in path[0..len): just after the last '/', looking
 * back at most PAVISE_NAME_MAX bytes (a Linux name is at most 255 bytes; a
 * longer tail is cut to its last PAVISE_NAME_MAX bytes). 0 when there is no '/'.
 */
static __always_inline __u32 pavise_path_name_offset(const __u8 *path, __u32 len)
{
	__u32 i;

	if (len >= PAVISE_PATH_BUF)
		return 0;
	for (i = 0; i < PAVISE_NAME_MAX; i++) {
		if (i >= len)
			return 0;
		if (path[(len - 1 - i) & PAVISE_PATH_MASK] == '/')
			return len - i;
	}
	return len - PAVISE_NAME_MAX;
}

/* path[0..len) == prefix. */
static __always_inline int pavise_match_exact(const __u8 *prefix, const __u8 *path, __u32 len)
{
	__u32 i;

	pavise_forget_bounds(len);
	for (i = 0; i < PAVISE_PATTERN_MAX; i++) {
		__u8 c = prefix[i];

		if (c == 0)
			return i == len;
		if (i >= len || path[i & PAVISE_PATH_MASK] != c)
			return 0;
	}
	return 0;
}

/* path[start..len) starts with prefix. */
static __always_inline int pavise_match_prefix(const __u8 *prefix, const __u8 *path, __u32 start,
					       __u32 len)
{
	__u32 i;

	pavise_forget_bounds(start);
	pavise_forget_bounds(len);
	for (i = 0; i < PAVISE_PATTERN_MAX; i++) {
		__u8 c = prefix[i];

		if (c == 0)
			return 1;
		if (start + i >= len || path[(start + i) & PAVISE_PATH_MASK] != c)
			return 0;
	}
	return 0;
}

/* path[start..len) ends with the reversed suffix. */
static __always_inline int pavise_match_suffix(const __u8 *rsuffix, const __u8 *path, __u32 start,
					       __u32 len)
{
	__u32 i;

	pavise_forget_bounds(start);
	pavise_forget_bounds(len);
	for (i = 0; i < PAVISE_PATTERN_MAX; i++) {
		__u8 c = rsuffix[i];

		if (c == 0)
			return 1;
		if (start + i >= len || path[(len - 1 - i) & PAVISE_PATH_MASK] != c)
			return 0;
	}
	return 0;
}

/*
 * 1 when the pattern matches path[0..len), whose file name starts at name_off
 * (pavise_path_name_offset(), or what the hook knows from the dentry); else 0.
 */
static __always_inline int pavise_path_match(const struct pavise_path_pattern *pat,
					     const __u8 *path, __u32 len, __u32 name_off)
{
	__u32 flags = pat->flags;
	__u32 start = 0;

	if (len >= PAVISE_PATH_BUF || name_off > len)
		return 0;
	pavise_forget_bounds(len);
	pavise_forget_bounds(name_off);
	if (flags & PAVISE_MATCH_PRECISE)
		return pavise_match_exact(pat->prefix, path, len);
	if (!(flags & PAVISE_MATCH_GREEDY))
		start = name_off;
	if ((flags & PAVISE_MATCH_PREFIX) && !pavise_match_prefix(pat->prefix, path, start, len))
		return 0;
	if ((flags & PAVISE_MATCH_SUFFIX) && !pavise_match_suffix(pat->suffix, path, start, len))
		return 0;
	return 1;
}
