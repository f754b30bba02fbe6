// SPDX-License-Identifier: Apache-2.0
/* BPF enforcer: policy -> BpfContent (controller) and BpfContent <-> binary records (node). */
#pragma once

#include <jansson.h>

#include "bpf/pavise-rules.h"
#include "common/policy.h"

/*
 * Disk-device rules (disallow-debug-disk-device, disallow-mount-disk-device)
 * depend on the node's disks, which the controller does not know. They are
 * compiled into one rule each whose pattern prefix ends with this placeholder
 * ("/dev/{{.DiskDevices}}", PRECISE), as vArmor does. The node expands it
 * with bpf_content_expand_disk_devices() (names from /proc/partitions) before
 * bpf_content_encode(), which refuses content that still holds it.
 */
#define BPF_CONTENT_DISK_DEVICES    "{{.DiskDevices}}"
#define BPF_CONTENT_DEVICE_NAME_MAX 32 /* a disk name from /proc/partitions, e.g. "nvme0n1p1" */
#define BPF_CONTENT_DEVICES_MAX	    256

/*
 * Validates the parts of spec.policy the BPF enforcer owns:
 * enhanceProtect.bpfRawRules field by field whenever present (selected or
 * not, as rules/validate.c expects of every enforcer; without warnings then),
 * and, when the policy selects BPF, the mode (DefenseInDepth is rejected, as
 * vArmor does) and for EnhanceProtect the
 * rule counts per type after expansion (ports split, localhost doubled; a
 * disk-device rule counts once, bpf_content_expand_disk_devices() checks again
 * on the node), and warnings for built-in rules BPF does not implement or
 * implements only partly (Service egress, targets), for mount rules without
 * privileged, and for unknown fields.
 * Returns -EINVAL when it added an error, -ENOMEM.
 */
int bpf_content_validate(const struct policy *p, struct policy_diags *d);

/*
 * The BpfContent object of the ArmorProfile (spec.profile.bpf), new reference:
 *   AlwaysAllow, BehaviorModeling: {} (modeling runs the profile in complain mode)
 *   RuntimeDefault: the base rules of varmor.md section 3, mode deny
 *   EnhanceProtect: the base unless privileged, built-in rules (catalog BPF
 *	column), bpfRawRules; rule modes from qualifiers or the disposition
 * Returns -EINVAL for a policy that does not validate.
 */
int bpf_content_compile(const struct policy *p, json_t **ret_content);

/* spec.profile.mode for the BPF part: "complain" for BehaviorModeling, else "enforce". */
const char *bpf_content_profile_mode(const struct policy *p);
/* "enforce" -> PAVISE_PROFILE_ENFORCE, "complain" -> PAVISE_PROFILE_COMPLAIN; else -EINVAL. */
int bpf_content_profile_mode_from_string(const char *s, __u32 *ret_mode);

/*
 * Replaces every rule whose prefix holds BPF_CONTENT_DISK_DEVICES with one
 * rule per device ("sda", "nvme0n1": [A-Za-z0-9_.:-], at most
 * BPF_CONTENT_DEVICE_NAME_MAX bytes; NULL-terminated list, may be empty: the
 * rules are dropped). New reference in ret_content. -E2BIG when a type would
 * exceed PAVISE_MAX_RULES, -EINVAL for a bad name or content; reterr_msg (may
 * be NULL) gets a message the caller frees.
 */
int bpf_content_expand_disk_devices(const json_t *content, const char *const *devices,
				    json_t **ret_content, char **reterr_msg);

/*
 * BpfContent (as pavise or vArmor writes it: numeric fields; the legacy
 * numeric "capabilities" is accepted too) -> the records of one profile.
 * Strict: unknown fields, wrong types, out-of-range numbers, inconsistent flags,
 * bad addresses, more than PAVISE_MAX_RULES rules of a type or an unexpanded
 * disk-device placeholder are refused with -EINVAL (-E2BIG for too many rules)
 * and a message naming the field (reterr_msg, may be NULL; caller frees).
 * ret->mode is PAVISE_PROFILE_ENFORCE; the node sets it from spec.profile.mode.
 * *ret is written only on success.
 */
int bpf_content_encode(const json_t *content, struct pavise_bpf_profile *ret, char **reterr_msg);

/* Records -> BpfContent in pavise's canonical form; decode(encode(x)) == x for it. */
int bpf_content_decode(const struct pavise_bpf_profile *prof, json_t **ret_content);
