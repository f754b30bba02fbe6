// SPDX-License-Identifier: Apache-2.0
/* The per-enforcer apply step: one small interface, one module per enforcer (AppArmor, seccomp, BPF). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/macro.h"
#include "enforcer/bpf-loader.h"
#include "enforcer/profile-store.h"

/*
 * A backend enforces one part of an ArmorProfile. The store calls it from
 * one thread (the main loop), never concurrently:
 *   content()  the part it owns (borrowed from the profile), NULL when the
 *              profile has none; a change of this text or of the mode makes
 *              the store apply again;
 *   apply()    makes the node enforce that part: 0 applied, BACKEND_PENDING
 *              when it is accepted but cannot be enforced yet, or a negative
 *              errno with *reterr_msg (malloc'ed, one line, may stay NULL);
 *   remove()   undoes apply() for a profile name; missing is not an error.
 */
#define BACKEND_PENDING 1

struct backend {
	const char *name; /* "apparmor", "seccomp", "bpf": status and metrics label */
	enum part_kind kind;
	bool available; /* the node can enforce it (caps); else apply() is not called */
	/* Why it is not available (one line, borrowed; NULL: "this node cannot enforce NAME"). */
	const char *unavailable_msg;
	const char *(*content)(const struct armor_profile *p);
	int (*apply)(struct backend *b, const struct armor_profile *p, char **reterr_msg);
	int (*remove)(struct backend *b, const char *name, char **reterr_msg);
	void *userdata; /* the module's state, borrowed */
};

/* A BPF part that is never enforced: every BpfContent stays pending (tests of other backends). */
void backend_bpf_pending(struct backend *ret_backend);

/*
 * What the BPF backend and the bind server ask of the kernel side. The
 * enforcer points these at bpf-loader.h and oci.h (kernel = its struct
 * bpf_enforcer); tests point them at fakes, since BPF LSM programs load only
 * on a kernel that has the BPF LSM. Same contracts as the functions named.
 */
struct bpf_ops {
	/* bpf_enforcer_set_profile() */
	int (*set_profile)(void *kernel, const char *name, const struct pavise_bpf_profile *prof);
	/* bpf_enforcer_remove_profile() */
	int (*remove_profile)(void *kernel, const char *name);
	/* bpf_enforcer_bind() */
	int (*bind)(void *kernel, uint64_t cgroup_id, const char *name,
		    const struct bpf_container_info *info);
	/* oci_cgroup_id_of_pid() */
	int (*cgroup_id_of_pid)(const char *host_root, int pid, uint64_t *ret_id);
};

#define BPF_BACKEND_PARTITIONS_MAX (256U * 1024) /* bytes of /proc/partitions */

/* The BPF backend's state; strings and ops are borrowed. */
struct bpf_backend {
	const struct bpf_ops *ops;
	void *kernel; /* NULL: the BPF LSM is not available (the backend is then too) */
	const char *partitions; /* <host-root>/proc/partitions or a test copy */
};

/*
 * Fills bb and its backend (b->userdata = bb). apply(): BpfContent with the
 * disk-device placeholder expanded to the devices of `partitions`, encoded
 * (rules/bpf-content.h), mode from spec.profile.mode, then set_profile();
 * remove(): remove_profile(), an unknown profile being no error. The backend
 * is available when kernel is not NULL; set b->unavailable_msg to say why not.
 */
void bpf_backend_init(struct bpf_backend *bb, const struct bpf_ops *ops, void *kernel,
		      const char *partitions, struct backend *ret_backend);

/*
 * The block devices named in a /proc/partitions text, disks and partitions
 * alike ("vda", "vda1", "nvme0n1p2"): a rule about disk devices must cover
 * both. *ret is a NULL-terminated vector (strv_freep) of at most
 * BPF_CONTENT_DEVICES_MAX names; -E2BIG past that, -EINVAL for a name that is
 * not [A-Za-z0-9_.:-]{1,BPF_CONTENT_DEVICE_NAME_MAX}. Header and malformed
 * lines are skipped.
 */
int bpf_backend_devices(const char *partitions, char ***ret, size_t *ret_n) _warn_unused_result_;

/*
 * The records for one profile: expands and encodes p->bpf (devices: a
 * NULL-terminated list) and sets the mode. *ret is the caller's (free()).
 * -EINVAL/-E2BIG with *reterr_msg for content that cannot be enforced.
 */
int bpf_backend_build(const struct armor_profile *p, const char *const *devices,
		      struct pavise_bpf_profile **ret, char **reterr_msg) _warn_unused_result_;
