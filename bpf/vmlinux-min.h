// SPDX-License-Identifier: GPL-2.0-only
/* The few kernel types bpf/pavise.bpf.c reads, hand-written for CO-RE (no build-machine vmlinux.h). */
#pragma once

/*
 * Every struct below holds only the fields the programs touch. They carry
 * preserve_access_index, so each access is a CO-RE relocation that libbpf
 * resolves against the running kernel's BTF: field offsets and sizes here
 * mean nothing, names do. Types that are plain UAPI (sockaddr_in, ...) keep
 * their real layout and no relocation.
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
typedef _Bool bool;

#define true 1
#define false 0
#define NULL ((void *)0)

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPF_MAP_TYPE_RINGBUF = 27,
};

enum {
	BPF_ANY = 0,
	BPF_F_NO_PREALLOC = 1,
};

#define EPERM 1

/*
 * kernel_cap_t was { __u32 cap[2]; } until 6.3 (f122a08b197d "capability:
 * just use a 'u64' instead of a 'u32[2]' array") and { u64 val; } since;
 * on little-endian both read as the same 8 bytes, so the programs read
 * the whole field as one u64. Outside the preserve_access_index region:
 * only cred.cap_effective is relocated, never .val (6.1 has no .val).
 */
typedef struct {
	__u64 val;
} kernel_cap_t;

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct qstr {
	union {
		struct {
			__u32 hash;
			__u32 len;
		};
		__u64 hash_len;
	};
	const unsigned char *name;
};

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
};

struct super_block;

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
};

struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
};

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
};

struct file {
	struct path f_path;
	unsigned int f_flags;
	unsigned int f_mode;
};

struct fs_struct {
	struct path root;
};

struct ns_common {
	unsigned int inum;
};

struct mnt_namespace {
	struct ns_common ns;
};

struct nsproxy {
	struct mnt_namespace *mnt_ns;
};

struct kernfs_node {
	__u64 id;
};

struct cgroup_root {
	int hierarchy_id;
};

struct cgroup {
	struct kernfs_node *kn;
	struct cgroup_root *root;
};

struct css_set {
	struct cgroup *dfl_cgrp;
};

struct cred {
	kernel_cap_t cap_effective;
};

struct task_struct {
	int pid;
	int tgid;
	const struct cred *real_cred;
	const struct cred *cred;
	struct fs_struct *fs;
	struct nsproxy *nsproxy;
	struct css_set *cgroups;
};

struct linux_binprm {
	struct file *file;
};

struct file_system_type {
	const char *name;
};

struct super_block {
	struct file_system_type *s_type;
};

struct socket {
	short type;
};

struct user_namespace {
	int level;
};

#pragma clang attribute pop

/* UAPI, fixed layout. */
struct sockaddr {
	unsigned short sa_family;
	char sa_data[14];
};

struct sockaddr_in {
	unsigned short sin_family;
	__be16 sin_port;
	__be32 sin_addr;
	__u8 __pad[8];
};

struct sockaddr_in6 {
	unsigned short sin6_family;
	__be16 sin6_port;
	__be32 sin6_flowinfo;
	__u8 sin6_addr[16];
	__u32 sin6_scope_id;
};

#define AF_INET		   2
#define AF_INET6	   10

#define FMODE_READ	   0x1
#define FMODE_WRITE	   0x2
#define FMODE_EXEC	   0x20
#define FMODE_CREATED	   0x100000
#define O_APPEND	   02000

#define PTRACE_MODE_READ   0x01
#define PTRACE_MODE_ATTACH 0x02

#define MS_RDONLY	   0x1
#define MS_REMOUNT	   0x20
#define MS_BIND		   0x1000
#define MS_MOVE		   0x2000
#define MS_UNBINDABLE	   0x20000
#define MS_PRIVATE	   0x40000
#define MS_SLAVE	   0x80000
#define MS_SHARED	   0x100000

#define IPPROTO_TCP	   6
#define IPPROTO_UDP	   17
#define SOCK_STREAM	   1
#define SOCK_DGRAM	   2
#define SOCK_TYPE_MASK	   0xf
