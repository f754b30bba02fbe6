// SPDX-License-Identifier: Apache-2.0
/*
 * The built-in rule catalog: every hardening, attack-protection and
 * vulnerability-mitigation rule, with its description, category and its
 * implementation for each enforcer, described in one place as data
 * (rules/catalog.c). The generators (rules/apparmor.c, rules/seccomp.c,
 * rules/bpf-content.c) interpret the implementation columns; an empty
 * column means the enforcer cannot implement the rule.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_category {
	RULE_HARDENING,
	RULE_ATTACK_PROTECTION,
	RULE_VUL_MITIGATION,
	_RULE_CATEGORY_MAX,
};

/*
 * AppArmor column: profile lines, each a template expanded by rules/apparmor.c:
 *   %Q  the rule qualifier for the policy's audit/allow disposition
 *       ("deny ", "audit deny ", "audit " or "")
 *   %X  the exec permission: "x" when the rule blocks, "ix" when violations are allowed
 *   @{PAVISE_DISK_DEVICES}  an AppArmor variable the node enforcer defines with the
 *       host's disk devices (from /proc/partitions) as absolute /dev paths before
 *       loading the profile: apparmor_define_disk_devices() in rules/apparmor.h
 * e.g. "%Q/proc/sys/kernel/core_pattern w,".
 */

/* BPF column: a neutral description; rules/bpf-content.c turns it into BpfContent. */
enum catalog_bpf_kind {
	CATALOG_BPF_CAPABILITIES, /* caps: mask of 1 << CAP_* */
	CATALOG_BPF_FILE, /* pattern + file_perms */
	CATALOG_BPF_EXEC, /* pattern (process exec rules) */
	CATALOG_BPF_MOUNT, /* pattern (source), fstype ("*" any), mount_flags names */
	CATALOG_BPF_PTRACE, /* ptrace_perms, strict */
	CATALOG_BPF_SOCKET, /* domains/types/protocols names */
	CATALOG_BPF_EGRESS, /* ip or cidr, all ports */
	CATALOG_BPF_SERVICE, /* service_namespace/service_name: needs Service egress control */
};

/* File permissions, in the user's terms; the encoder maps them to vArmor's bits. */
#define CATALOG_PERM_READ   (1U << 0)
#define CATALOG_PERM_WRITE  (1U << 1) /* write and append */
#define CATALOG_PERM_APPEND (1U << 2)
#define CATALOG_PERM_EXEC   (1U << 3)

/* Ptrace permissions. */
#define CATALOG_PTRACE_TRACE   (1U << 0)
#define CATALOG_PTRACE_READ    (1U << 1)
#define CATALOG_PTRACE_TRACEBY (1U << 2)
#define CATALOG_PTRACE_READBY  (1U << 3)

struct catalog_bpf {
	enum catalog_bpf_kind kind;
	uint64_t caps;
	const char *pattern;
	unsigned file_perms;
	const char *fstype;
	const char *const *mount_flags; /* NULL-terminated names as in MountRule.flags, e.g. "bind" */
	/*
	 * NULL-terminated names whose bits are cleared from mount_flags (not from the
	 * reverse flags), e.g. "all" except "umount": every mount but umount(2).
	 */
	const char *const *mount_flags_except;
	unsigned ptrace_perms;
	bool strict;
	const char *const *domains; /* NULL-terminated, e.g. "inet", "alg" */
	const char *const *types; /* e.g. "raw" */
	const char *const *protocols; /* e.g. "tcp", "icmp" */
	const char *address; /* EGRESS: IP literal or CIDR */
	const char *service_namespace, *service_name;
	bool privileged_only; /* applied only when enhanceProtect.privileged is true */
	bool disk_devices; /* pattern is a prefix completed per host disk device by the node */
};

/* Seccomp column: one syscall rule; the action comes from the policy's disposition. */
enum catalog_seccomp_op {
	CATALOG_SC_NONE, /* no argument condition */
	CATALOG_SC_EQ,
	CATALOG_SC_MASKED_EQ, /* (arg & value) == value_two */
};

struct catalog_seccomp {
	const char *syscall;
	struct {
		unsigned index;
		enum catalog_seccomp_op op;
		uint64_t value, value_two;
	} args[2];
	unsigned n_args;
};

struct catalog_rule {
	const char *id; /* canonical, lower case with '-' */
	const char *const *aliases; /* NULL-terminated; other accepted IDs */
	enum rule_category category;
	const char *subcategory;
	const char *description;
	const char *const *apparmor; /* NULL-terminated lines; NULL: not implemented */
	const struct catalog_bpf *bpf;
	size_t n_bpf; /* 0: not implemented */
	const struct catalog_seccomp *seccomp;
	size_t n_seccomp; /* 0: not implemented */
	/* True when the BPF implementation needs cluster data (Service endpoints). */
	bool needs_service_egress;
};

/* All rules in catalog order (disable-cap-<cap> included). */
const struct catalog_rule *catalog_rules(size_t *ret_n);
/* Looks up an ID or alias: case-insensitive, '_' and '-' equivalent. NULL when unknown. */
const struct catalog_rule *catalog_lookup(const char *id);
/* The closest known ID to a misspelt one (edit distance), or NULL when nothing is close. */
const char *catalog_suggest(const char *id);
const char *catalog_category_name(enum rule_category c);
