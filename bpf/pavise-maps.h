// SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only
/* Map values shared by bpf/pavise.bpf.c and enforcer/bpf-loader.c: bindings, profile slots, entries. */
#pragma once

/*
 * Include rules as for pavise-rules.h. Layout (bpf/README.md):
 *
 *   containers     HASH   cgroup id -> struct pavise_binding (the slot)
 *   meta_outer     ARRAY_OF_MAPS slot -> ARRAY[1] struct pavise_profile_meta
 *   files_outer    ARRAY_OF_MAPS slot -> ARRAY[PAVISE_MAX_RULES] struct pavise_file_entry
 *   procs_outer    ARRAY_OF_MAPS slot -> same, exec rules
 *   nets_outer     ARRAY_OF_MAPS slot -> ARRAY[PAVISE_MAX_RULES] struct pavise_net_entry
 *   mounts_outer   ARRAY_OF_MAPS slot -> ARRAY[PAVISE_MAX_RULES] struct pavise_mount_entry
 *   slot_names     ARRAY  slot -> struct pavise_slot_name (user space only)
 *   container_info HASH   cgroup id -> PAVISE_CONTAINER_INFO_SIZE bytes (user space only;
 *                         deleted with the binding when the cgroup goes away)
 *   events         RINGBUF struct pavise_event
 *   events_dropped PERCPU_ARRAY[1] __u64
 *   build          ARRAY[1] struct pavise_build (the loaded object's identity)
 *
 * Inner maps are written once, before they are swapped into their outer
 * map, and never changed afterwards: a hook reads one inner map per rule
 * type, so it sees one generation of the profile. Every entry repeats the
 * profile mode and generation for that reason. Rule entries are packed from
 * index 0; the first entry whose profile_mode is 0 ends the list.
 */
#include "pavise-rules.h"

#define PAVISE_CONTAINER_INFO_SIZE \
	487 /* sizeof(struct bpf_container_info), checked by the loader */
#define PAVISE_PROFILE_NAME_MAX 64 /* NUL included */
#define PAVISE_RINGBUF_SIZE	(2U * 1024 * 1024)

/*
 * flags: PAVISE_BINDING_UNTIL_EXEC marks a container bound by the OCI hook
 * (createRuntime) while the runtime is still setting it up: runc's own
 * mounts (moving the root, read-only and masked paths) come after the hook
 * and must not meet the container's mount rules. The programs treat such a
 * binding as absent until the first exec in the cgroup (the container's
 * entrypoint, which is itself checked), which clears the flag for good. Only
 * the runtime runs in the cgroup before that exec. 0 (the only value older
 * builds wrote) is enforced at once.
 */
#define PAVISE_BINDING_UNTIL_EXEC 0x1

struct pavise_binding {
	__u32 slot;
	__u32 flags; /* PAVISE_BINDING_* */
};

struct pavise_profile_meta {
	__u32 profile_mode; /* PAVISE_PROFILE_* */
	__u32 generation;
	struct pavise_cap_rule capabilities;
	struct pavise_ptrace_rule ptrace;
	__u32 _pad;
};

struct pavise_file_entry {
	__u32 profile_mode; /* 0: end of the list */
	__u32 generation;
	struct pavise_file_rule rule;
};

struct pavise_net_entry {
	__u32 profile_mode;
	__u32 generation;
	struct pavise_net_rule rule;
};

struct pavise_mount_entry {
	__u32 profile_mode;
	__u32 generation;
	struct pavise_mount_rule rule;
};

struct pavise_slot_name {
	char name[PAVISE_PROFILE_NAME_MAX]; /* "" = free */
	__u32 generation; /* current; grows for ever, also across occupants */
	__u32 first_generation; /* the first of the current occupant */
};

struct pavise_build {
	__u64 hash; /* of the BPF object the pinned links run */
};

_Static_assert(sizeof(struct pavise_profile_meta) == 40, "pavise_profile_meta layout");
_Static_assert(sizeof(struct pavise_file_entry) == 148, "pavise_file_entry layout");
_Static_assert(sizeof(struct pavise_net_entry) == 112, "pavise_net_entry layout");
_Static_assert(sizeof(struct pavise_mount_entry) == 168, "pavise_mount_entry layout");
_Static_assert(sizeof(struct pavise_slot_name) == 72, "pavise_slot_name layout");
