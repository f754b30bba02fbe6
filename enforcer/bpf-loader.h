// SPDX-License-Identifier: Apache-2.0
/* The BPF LSM enforcer's kernel side: programs, pinned maps, profiles and container bindings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/pavise-events.h"
#include "bpf/pavise-maps.h"
#include "bpf/pavise-rules.h"
#include "common/macro.h"
#include "enforcer/profile-store.h"

/*
 * Containers are identified by their cgroup v2 id (64 bits, never reused
 * within a boot), read in every hook with bpf_get_current_cgroup_id(): a task
 * outside every target container pays one hash lookup. Design notes:
 * bpf/README.md.
 *
 * Everything lives pinned under pin_dir (default PAVISE_BPF_PIN_DIR): the
 * programs' links, the maps, the profiles (slot -> name, generation, rules)
 * and the bindings (cgroup id -> slot, plus the container's identity for
 * the violation log), so enforcement goes on while the enforcer is stopped
 * and a new enforcer takes it over. A cgroup that is removed loses its
 * binding in the kernel (no stale entries even while no enforcer runs).
 *
 * Not thread-safe: one owner thread (the enforcer's main loop).
 */
#define PAVISE_BPF_PIN_DIR   "/sys/fs/bpf/pavise"
#define PAVISE_MAX_PROFILES  PAVISE_MAX_CONTAINERS /* profile slots per node */
#define BPF_CONTAINER_ID_MAX 64 /* bytes of a runtime container id (64 hex digits) */
#define BPF_K8S_NAME_MAX     253

struct bpf_enforcer;

/* Who a bound container is: kept in a pinned map next to the binding, for events. */
struct bpf_container_info {
	char container_id[BPF_CONTAINER_ID_MAX + 1];
	char container_name[64];
	char pod_namespace[64];
	char pod_name[BPF_K8S_NAME_MAX + 1];
	char pod_uid[40];
};

struct bpf_enforcer_stats {
	bool took_over; /* open() found pinned programs and kept them (no second attachment) */
	unsigned n_programs; /* attached LSM programs */
	unsigned n_profiles; /* profile slots in use */
	unsigned n_bindings; /* bound containers */
	uint64_t events_dropped; /* ring buffer full (counted by the programs) */
};

/*
 * Loads the programs and maps, or takes over the pinned ones found under
 * pin_dir: maps are reused, links are kept when they run the same programs
 * (same build), replaced (new attached, then old unpinned) when not.
 * -EOPNOTSUPP when the kernel has no BPF LSM ("bpf" not in
 * /sys/kernel/security/lsm), with a message; other negative errno.
 */
int bpf_enforcer_open(const char *pin_dir, struct bpf_enforcer **ret,
		      char **reterr_msg) _warn_unused_result_;
/* Closes the handles; the pinned state stays and keeps enforcing. NULL is fine. */
struct bpf_enforcer *bpf_enforcer_free(struct bpf_enforcer *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct bpf_enforcer *, bpf_enforcer_free);
/* Detaches everything and removes pin_dir (uninstall). */
int bpf_enforcer_purge(const char *pin_dir);

/*
 * Creates or replaces the rules of profile `name` (mode in prof->mode).
 * Containers already bound to it switch to the new rules without a gap: a
 * hook sees either the old rules or the new ones, never a mix or none.
 * -ENOSPC when every slot is in use.
 */
int bpf_enforcer_set_profile(struct bpf_enforcer *e, const char *name,
			     const struct pavise_bpf_profile *prof) _warn_unused_result_;
/* Removes the profile and unbinds its containers. -ENOENT when unknown. */
int bpf_enforcer_remove_profile(struct bpf_enforcer *e, const char *name);
/* Profiles present in the pinned state (after a takeover), for reconciling. */
int bpf_enforcer_list_profiles(struct bpf_enforcer *e, char ***ret_names,
			       size_t *ret_n) _warn_unused_result_;

/*
 * Binds the container whose cgroup v2 id is cgroup_id to profile `name`
 * (rebinding replaces). Effective for the container's next hook call.
 * -ENOENT when the profile is not set, -ENOSPC past PAVISE_MAX_CONTAINERS.
 */
int bpf_enforcer_bind(struct bpf_enforcer *e, uint64_t cgroup_id, const char *name,
		      const struct bpf_container_info *info) _warn_unused_result_;
/*
 * The same for a container that has not run yet (the OCI hook's
 * createRuntime): the binding takes effect at the first exec in the cgroup,
 * so the runtime's remaining setup (its own mounts) is not judged by the
 * container's rules, and the container's first instruction already is.
 */
int bpf_enforcer_bind_until_exec(struct bpf_enforcer *e, uint64_t cgroup_id, const char *name,
				 const struct bpf_container_info *info) _warn_unused_result_;
int bpf_enforcer_unbind(struct bpf_enforcer *e, uint64_t cgroup_id);

struct bpf_binding {
	uint64_t cgroup_id;
	char profile[ARMOR_NAME_MAX + 1];
	struct bpf_container_info info;
};
/* Snapshot of the bindings; *ret owned by the caller (free()). */
int bpf_enforcer_list_bindings(struct bpf_enforcer *e, struct bpf_binding **ret,
			       size_t *ret_n) _warn_unused_result_;
/* The binding of one cgroup (events); -ENOENT when unbound. */
int bpf_enforcer_lookup_binding(struct bpf_enforcer *e, uint64_t cgroup_id,
				struct bpf_binding *ret);
/* Profile name of a slot at a generation (events); -ENOENT when it changed since. */
int bpf_enforcer_slot_name(struct bpf_enforcer *e, uint32_t slot, uint32_t generation, char *buf,
			   size_t size);

/*
 * Violation events: the ring buffer's fd (poll for POLLIN) and a consumer
 * that calls fn once per complete event, without blocking. Returns the number
 * of events consumed or a negative errno.
 */
typedef void (*bpf_event_fn)(void *userdata, const struct pavise_event *ev);
int bpf_enforcer_events_fd(struct bpf_enforcer *e);
int bpf_enforcer_events_consume(struct bpf_enforcer *e, bpf_event_fn fn, void *userdata);

void bpf_enforcer_stats(struct bpf_enforcer *e, struct bpf_enforcer_stats *ret);

/*
 * Pure helpers behind the functions above (tested on the host).
 *
 * bpf_lsm_check: 0 when the kernel can run the programs, judged from the
 * texts of /sys/kernel/security/lsm and .../lockdown (either may be NULL:
 * unreadable); -EOPNOTSUPP with a message otherwise ("bpf" missing from the
 * list, or lockdown in confidentiality mode, which refuses LSM programs).
 */
int bpf_lsm_check(const char *lsm_list, const char *lockdown, char **reterr_msg);
/*
 * The slot of profile `name` among n slots (a free slot has name ""): 1 and
 * the slot when it has one, 0 and the first free slot when not, -ENOSPC when
 * none is free, -EINVAL for a name that is empty or too long.
 */
int bpf_slot_pick(const struct pavise_slot_name *slots, size_t n, const char *name,
		  uint32_t *ret_slot);
/* The slot holding `name`; -ENOENT when none does. */
int bpf_slot_find(const struct pavise_slot_name *slots, size_t n, const char *name,
		  uint32_t *ret_slot);
/* The identity of a BPF object (FNV-1a 64 of its bytes): pinned links run the same build. */
uint64_t bpf_build_hash(const void *data, size_t size);
