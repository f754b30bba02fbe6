// SPDX-License-Identifier: Apache-2.0
/* What this node can enforce: AppArmor, BPF LSM and seccomp, probed from /sys and /proc. */
#pragma once

#include <stdbool.h>

#include "common/macro.h"

#define CAPS_LSM_MAX 256 /* bytes kept of /sys/kernel/security/lsm */

struct caps {
	bool apparmor; /* module enabled and securityfs directory present */
	bool bpf_lsm; /* "bpf" in the active LSM list */
	bool seccomp; /* the kernel supports seccomp filters */
	char lsm[CAPS_LSM_MAX]; /* the LSM list as read, "" when unreadable */
};

/*
 * Probes the node. `root` prefixes every path read ("" or NULL: the real
 * root); with the real root seccomp is probed with prctl(PR_GET_SECCOMP),
 * otherwise from the "Seccomp:" line of <root>/proc/self/status. Missing
 * files mean "not available", never an error. Returns 0 or -ENAMETOOLONG.
 */
int caps_detect(const char *root, struct caps *ret_caps) _warn_unused_result_;

/* Writes "apparmor=yes bpf=no seccomp=yes" style text into buf (NUL-terminated). */
void caps_describe(const struct caps *c, char *buf, size_t size);
