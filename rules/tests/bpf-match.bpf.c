// SPDX-License-Identifier: GPL-2.0-only
/* Runs bpf/path-match.h inside the kernel for test-bpf-match: one case per map write and test run. */

/*
 * The types vmlinux.h would give: this object needs no kernel, libc or
 * libbpf header. Built twice by the test: as a socket filter, and with
 * -DPAVISE_HEADERS_ONLY -ffreestanding -nostdinc, which proves the shared
 * headers depend on nothing at all.
 */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef short __s16;
typedef int __s32;
typedef long long __s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u32 __wsum;

#include "bpf/path-match.h"

/* Shared with rules/tests/test-bpf-match.c (same layout, size checked there). */
struct match_case {
	struct pavise_path_pattern pattern;
	__u32 len;
	__u32 name_off; /* out */
	__s32 result; /* out */
	__u8 path[PAVISE_PATH_BUF];
};

#ifndef PAVISE_HEADERS_ONLY
/* The little of libbpf's bpf_helpers.h this needs, spelled out (cppcheck reads no system headers). */
#define SEC(name)		 __attribute__((section(name), used))
#define __uint(name, val)	 int(*name)[val]
#define __type(name, val)	 __typeof__(val) *name
#define BPF_MAP_TYPE_ARRAY	 2
#define BPF_FUNC_map_lookup_elem 1

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;

struct __sk_buff;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct match_case);
} match_cases SEC(".maps");

SEC("socket")
int match_path(struct __sk_buff *skb)
{
	struct match_case *c;
	__u32 key = 0;

	c = bpf_map_lookup_elem(&match_cases, &key);
	if (!c)
		return -1;
	c->name_off = pavise_path_name_offset(c->path, c->len);
	c->result = pavise_path_match(&c->pattern, c->path, c->len, c->name_off);
	return c->result;
}

char LICENSE[] SEC("license") = "GPL";
#else
int match_headers_only(const struct match_case *c);
int match_headers_only(const struct match_case *c)
{
	return pavise_path_match(&c->pattern, c->path, c->len,
				 pavise_path_name_offset(c->path, c->len));
}
#endif
