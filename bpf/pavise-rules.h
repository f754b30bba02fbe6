// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only
/* Binary rule records shared by the BPF LSM programs and the node enforcer (vArmor numbering). */
#pragma once

/*
 * Include rules: BPF programs include vmlinux.h (or <linux/types.h>) before
 * this header, which needs nothing else: no libc, no kernel headers, only the
 * __u8/__u16/__u32/__u64 types. User space gets them from <linux/types.h>.
 *
 * Every record is plain data with explicit padding and a fixed size checked
 * below, so the same bytes mean the same thing on both sides of a map.
 * Constants keep vArmor's values (vArmor-ebpf and BpfContent, varmor.md 6.3)
 * so a BpfContent written by vArmor is loaded unchanged.
 */
#ifndef __bpf__
#include <linux/types.h>
#endif

/* Capacities (at least vArmor's). */
#define PAVISE_MAX_CONTAINERS 256 /* profiles bound per node (outer map entries) */
#define PAVISE_MAX_RULES      64 /* rules per type and profile (inner map entries) */
#define PAVISE_PATTERN_MAX    64 /* prefix/suffix buffers: at most 63 bytes + NUL */
#define PAVISE_FSTYPE_MAX     16 /* fstype buffer: at most 15 bytes + NUL */
#define PAVISE_PORTS_MAX      16 /* single ports in one network rule */
#define PAVISE_PATH_BUF	      4096 /* path buffer of the matcher (a power of two) */
#define PAVISE_NAME_MAX	      256 /* longest file name the matcher looks back for */

/* Profile mode (whole profile). */
#define PAVISE_PROFILE_ENFORCE	1
#define PAVISE_PROFILE_COMPLAIN 2 /* nothing enforced, every access reported as ALLOWED */

/* Rule mode bits. 0 = neither (allowViolations without auditViolations). */
#define PAVISE_RULE_DENY  0x1
#define PAVISE_RULE_AUDIT 0x2
#define PAVISE_RULE_MODES (PAVISE_RULE_DENY | PAVISE_RULE_AUDIT)

/*
 * Path pattern flags (struct pavise_path_pattern.flags):
 *   PRECISE  no wildcard: the path equals prefix
 *   GREEDY   "**": the path starts with prefix and ends with the (reversed) suffix;
 *            the wildcard matches any bytes, '/' included
 *   neither  "*": the file name (after the last '/') starts with prefix and ends
 *            with suffix; no '/' in either
 *   PREFIX / SUFFIX say that prefix / suffix is set (non-empty).
 * The suffix is stored reversed ("/busybox" as "xobysub/") so that the BPF side
 * compares it walking backwards from the end of the path.
 */
#define PAVISE_MATCH_PRECISE 0x1
#define PAVISE_MATCH_GREEDY  0x2
#define PAVISE_MATCH_PREFIX  0x4
#define PAVISE_MATCH_SUFFIX  0x8
#define PAVISE_MATCH_MASK \
	(PAVISE_MATCH_PRECISE | PAVISE_MATCH_GREEDY | PAVISE_MATCH_PREFIX | PAVISE_MATCH_SUFFIX)

/* Network rule flags (struct pavise_net_rule.flags); PRECISE above = one exact address. */
#define PAVISE_NET_CIDR	       0x20
#define PAVISE_NET_IPV4	       0x40
#define PAVISE_NET_IPV6	       0x80
#define PAVISE_NET_PORT	       0x100
#define PAVISE_NET_SOCKET      0x200 /* socket(2) rule: domains/types/protocols */
#define PAVISE_NET_PORT_RANGE  0x400
#define PAVISE_NET_PORTS       0x800
#define PAVISE_NET_POD_SELF_IP 0x1000 /* the pod's own IPs, filled in per pod by the node */
#define PAVISE_NET_MASK                                                                   \
	(PAVISE_MATCH_PRECISE | PAVISE_NET_CIDR | PAVISE_NET_IPV4 | PAVISE_NET_IPV6 |     \
	 PAVISE_NET_PORT | PAVISE_NET_SOCKET | PAVISE_NET_PORT_RANGE | PAVISE_NET_PORTS | \
	 PAVISE_NET_POD_SELF_IP)

/* File permissions (AppArmor's bits, as vArmor uses them). User "write" = WRITE | APPEND. */
#define PAVISE_FILE_EXEC   0x1
#define PAVISE_FILE_WRITE  0x2
#define PAVISE_FILE_READ   0x4
#define PAVISE_FILE_APPEND 0x8
#define PAVISE_FILE_CREATE 0x10
#define PAVISE_FILE_RENAME 0x80
#define PAVISE_FILE_LINK   0x40000
#define PAVISE_FILE_MASK                                                                \
	(PAVISE_FILE_EXEC | PAVISE_FILE_WRITE | PAVISE_FILE_READ | PAVISE_FILE_APPEND | \
	 PAVISE_FILE_CREATE | PAVISE_FILE_RENAME | PAVISE_FILE_LINK)

/* Ptrace permissions; flags are PAVISE_MATCH_GREEDY (strict) or PAVISE_MATCH_PRECISE. */
#define PAVISE_PTRACE_TRACE   0x2
#define PAVISE_PTRACE_READ    0x4
#define PAVISE_PTRACE_TRACEBY 0x8
#define PAVISE_PTRACE_READBY  0x10
#define PAVISE_PTRACE_MASK \
	(PAVISE_PTRACE_TRACE | PAVISE_PTRACE_READ | PAVISE_PTRACE_TRACEBY | PAVISE_PTRACE_READBY)

/*
 * Mount flags: the kernel's MS_* values (uapi/linux/mount.h), plus a pseudo
 * flag for umount(2). A mount rule matches when one of mount_flags is set in
 * the request, or one of reverse_mount_flags is absent from it ("rw" is
 * "MS_RDONLY not set"). "all" sets every bit in both words.
 */
#define PAVISE_MS_RDONLY      0x1
#define PAVISE_MS_NOSUID      0x2
#define PAVISE_MS_NODEV	      0x4
#define PAVISE_MS_NOEXEC      0x8
#define PAVISE_MS_SYNCHRONOUS 0x10
#define PAVISE_MS_REMOUNT     0x20
#define PAVISE_MS_MANDLOCK    0x40
#define PAVISE_MS_DIRSYNC     0x80
#define PAVISE_MS_UMOUNT      0x200 /* pseudo flag: umount(2) (AppArmor's AA_MAY_UMOUNT) */
#define PAVISE_MS_NOATIME     0x400
#define PAVISE_MS_NODIRATIME  0x800
#define PAVISE_MS_BIND	      0x1000
#define PAVISE_MS_MOVE	      0x2000
#define PAVISE_MS_REC	      0x4000
#define PAVISE_MS_SILENT      0x8000
#define PAVISE_MS_UNBINDABLE  0x20000
#define PAVISE_MS_PRIVATE     0x40000
#define PAVISE_MS_SLAVE	      0x80000
#define PAVISE_MS_SHARED      0x100000
#define PAVISE_MS_RELATIME    0x200000
#define PAVISE_MS_I_VERSION   0x800000
#define PAVISE_MS_STRICTATIME 0x1000000
#define PAVISE_MS_ALL	      0xffffffffU

/* Capabilities: bit (1 << CAP_*) per capability, CAP_LAST_CAP 40 (checkpoint_restore). */
#define PAVISE_CAP_LAST 40
#define PAVISE_CAP_ALL	((2ULL << PAVISE_CAP_LAST) - 1)

struct pavise_path_pattern {
	__u32 flags; /* PAVISE_MATCH_* */
	__u8 prefix[PAVISE_PATTERN_MAX]; /* NUL-terminated */
	__u8 suffix[PAVISE_PATTERN_MAX]; /* NUL-terminated, reversed */
};

/* File (open, link, rename, symlink) and process (exec) rules. */
struct pavise_file_rule {
	__u32 mode; /* PAVISE_RULE_* */
	__u32 permissions; /* PAVISE_FILE_* */
	struct pavise_path_pattern pattern;
};

/* One per profile: the capabilities to refuse. */
struct pavise_cap_rule {
	__u32 mode;
	__u32 _pad;
	__u64 caps; /* 1 << CAP_* */
};

/*
 * Network rules. PAVISE_NET_SOCKET: socket(2) with domains (1 << AF_*), types
 * (1 << SOCK_*) or protocols (1 << IPPROTO_*). Otherwise connect(2): address
 * and mask in network byte order (IPv4 in bytes 0-3), compared under the mask
 * (all ones for an exact address); no PRECISE/CIDR/POD_SELF_IP = any address;
 * then PORT (port), PORT_RANGE (port..end_port) or PORTS (ports[], 0 ends the
 * list), none = any port. Host byte order for ports.
 */
struct pavise_net_rule {
	__u32 mode;
	__u32 flags; /* PAVISE_NET_* | PAVISE_MATCH_PRECISE */
	__u64 domains;
	__u64 types;
	__u64 protocols;
	__u8 address[16];
	__u8 mask[16];
	__u16 port;
	__u16 end_port;
	__u16 ports[PAVISE_PORTS_MAX];
	__u32 _pad;
};

/* One per profile. flags: PAVISE_MATCH_GREEDY = strict (also inside the container). */
struct pavise_ptrace_rule {
	__u32 mode;
	__u32 permissions; /* PAVISE_PTRACE_* */
	__u32 flags;
};

/* mount(2), move_mount(2) and umount(2) rules; pattern matches the source. */
struct pavise_mount_rule {
	__u32 mode;
	__u32 mount_flags; /* PAVISE_MS_* */
	__u32 reverse_mount_flags;
	struct pavise_path_pattern pattern;
	__u8 fstype[PAVISE_FSTYPE_MAX]; /* NUL-terminated; "*" = any */
};

/*
 * Everything one profile asks of the kernel, as the node enforcer writes it
 * into the maps (rules/bpf-content.c builds it from BpfContent). User-space
 * aggregate: too large for a BPF stack; BPF programs read the records above.
 * A rule with caps == 0 / permissions == 0 is absent.
 */
struct pavise_bpf_profile {
	__u32 mode; /* PAVISE_PROFILE_* */
	__u32 n_files;
	__u32 n_processes;
	__u32 n_networks;
	__u32 n_mounts;
	__u32 _pad;
	struct pavise_cap_rule capabilities;
	struct pavise_ptrace_rule ptrace;
	__u32 _pad2;
	struct pavise_file_rule files[PAVISE_MAX_RULES];
	struct pavise_file_rule processes[PAVISE_MAX_RULES];
	struct pavise_net_rule networks[PAVISE_MAX_RULES];
	struct pavise_mount_rule mounts[PAVISE_MAX_RULES];
};

_Static_assert(sizeof(struct pavise_path_pattern) == 132, "pavise_path_pattern layout");
_Static_assert(sizeof(struct pavise_file_rule) == 140, "pavise_file_rule layout");
_Static_assert(sizeof(struct pavise_cap_rule) == 16, "pavise_cap_rule layout");
_Static_assert(sizeof(struct pavise_net_rule) == 104, "pavise_net_rule layout");
_Static_assert(sizeof(struct pavise_ptrace_rule) == 12, "pavise_ptrace_rule layout");
_Static_assert(sizeof(struct pavise_mount_rule) == 160, "pavise_mount_rule layout");
_Static_assert(sizeof(struct pavise_bpf_profile) == 56 + PAVISE_MAX_RULES * (2 * 140 + 104 + 160),
	       "pavise_bpf_profile layout");
_Static_assert((PAVISE_PATH_BUF & (PAVISE_PATH_BUF - 1)) == 0, "PAVISE_PATH_BUF power of two");
