// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only
/* Violation events, written by the BPF LSM programs into the ring buffer, read by the enforcer. */
#pragma once

/*
 * Include rules as for pavise-rules.h. One record per event, fixed size
 * (bpf_ringbuf_reserve() needs a constant), so a reader checks the size and
 * then casts. Action and type values are vArmor's (varmor.md 6.3).
 */
#include "pavise-rules.h"

/* action */
#define PAVISE_ACTION_DENIED  0x1 /* the access was refused */
#define PAVISE_ACTION_AUDIT   0x2 /* the access matched an audit rule (and may be denied too) */
#define PAVISE_ACTION_ALLOWED 0x4 /* complain mode: it would have been refused, it was allowed */

/* type */
#define PAVISE_EVENT_CAPABILITY 0x1
#define PAVISE_EVENT_FILE	0x2
#define PAVISE_EVENT_BPRM	0x4
#define PAVISE_EVENT_NETWORK	0x8
#define PAVISE_EVENT_PTRACE	0x10
#define PAVISE_EVENT_MOUNT	0x20

/* network.kind */
#define PAVISE_NET_EVENT_CONNECT 1
#define PAVISE_NET_EVENT_SOCKET	 2

#define PAVISE_EVENT_PATH_MAX	 4096 /* bytes of path, NUL-terminated, cut at the end */

struct pavise_event {
	__u32 action; /* PAVISE_ACTION_* (DENIED | AUDIT possible) */
	__u32 type; /* PAVISE_EVENT_* */
	__u64 cgroup_id; /* the container (cgroup v2 id of the task) */
	__u64 ktime_ns; /* bpf_ktime_get_boot_ns() */
	__u32 tgid;
	__u32 pid;
	__u32 profile_slot; /* the profile's slot in the maps (the loader maps it to a name) */
	__u32 profile_generation; /* the slot's generation when the event was made */
	__u8 comm[16];
	union {
		struct {
			__u32 capability; /* CAP_* number */
			__u32 _pad;
		} capability;
		struct {
			__u32 permissions; /* PAVISE_FILE_* asked for (file and bprm) */
			__u32 _pad;
			__u8 path[PAVISE_EVENT_PATH_MAX]; /* for link/rename: the path that matched */
		} file;
		struct {
			__u32 kind; /* PAVISE_NET_EVENT_* */
			__u16 family; /* AF_* (connect) */
			__u16 port; /* host byte order (connect) */
			__u8 address[16]; /* network byte order, IPv4 in bytes 0-3 (connect) */
			__u32 domain, type, protocol; /* socket(2) arguments (socket) */
			__u32 _pad;
		} network;
		struct {
			__u32 permissions; /* PAVISE_PTRACE_* */
			__u32 peer_tgid; /* the other task */
			__u64 peer_cgroup_id;
		} ptrace;
		struct {
			__u32 flags; /* PAVISE_MS_* of the request */
			__u32 _pad;
			__u8 fstype[PAVISE_FSTYPE_MAX];
			__u8 path[PAVISE_EVENT_PATH_MAX]; /* the source (sb_mount, move_mount) or mount point */
		} mount;
	};
};

_Static_assert(sizeof(struct pavise_event) == 56 + 8 + PAVISE_FSTYPE_MAX + PAVISE_EVENT_PATH_MAX,
	       "pavise_event layout");
