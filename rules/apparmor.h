// SPDX-License-Identifier: Apache-2.0
/* AppArmor generator: VarmorPolicy -> AppArmor profile text for every mode, and its validation. */
#pragma once

#include <stddef.h>

#include "common/macro.h"
#include "common/policy.h"

/* Caps on everything that comes from a policy. */
#define APPARMOR_PROFILE_MAX	  (1024U * 1024) /* bytes of a generated profile or customProfile */
#define APPARMOR_RAW_RULES_MAX	  128U /* entries in one appArmorRawRules list */
#define APPARMOR_RAW_RULE_MAX	  (16U * 1024) /* bytes of one entry's rules */
#define APPARMOR_RAW_LINES_MAX	  1024U /* lines of one entry's rules */
#define APPARMOR_TARGETS_MAX	  64U /* targets of one entry */
#define APPARMOR_TARGET_MAX	  4096U /* bytes of one target path (PATH_MAX) */
#define APPARMOR_CHILDREN_MAX	  64U /* child profiles (target groups) of one profile */
#define APPARMOR_DISK_DEVICES_MAX 1024U /* devices in @{PAVISE_DISK_DEVICES} */

/* The variable that disk-device rules use; the node defines it (apparmor_define_disk_devices). */
#define APPARMOR_DISK_DEVICES_VAR "@{PAVISE_DISK_DEVICES}"

/*
 * Validates the parts of spec.policy the AppArmor enforcer owns when the
 * policy's enforcer includes AppArmor: for EnhanceProtect the
 * attackProtectionRules[].targets and appArmorRawRules (both vArmor's
 * [{rules, targets}] and v0.5.6's list of strings), for DefenseInDepth
 * defenseInDepth.appArmor (profileType, customProfile and its profile name,
 * raw rules). Adds the warning of rules/compile.h for every built-in rule
 * AppArmor cannot implement, and an error when the profile would exceed
 * APPARMOR_PROFILE_MAX. Unknown rule IDs are left to the policy validator.
 * `d` may be NULL. Returns 0, -EINVAL when it found an error, -ENOMEM.
 */
int apparmor_validate(const struct policy *p, struct policy_diags *d) _warn_unused_result_;

/*
 * Compiles a policy into the AppArmor profile text named p->profile_name,
 * for its mode: AlwaysAllow, RuntimeDefault, EnhanceProtect, BehaviorModeling
 * (an empty profile; complain mode is the ArmorProfile's mode), DefenseInDepth
 * (the custom profile with the raw rules inserted before its closing brace).
 * The text may use APPARMOR_DISK_DEVICES_VAR, which the node defines.
 * *ret_profile is NUL-terminated; the caller frees it with free().
 * Returns 0, -EINVAL for a policy that does not validate, -EOPNOTSUPP for
 * DefenseInDepth with profileType BehaviorModel (it needs an
 * ArmorProfileModel), -EFBIG past APPARMOR_PROFILE_MAX, -ENOMEM.
 */
int apparmor_compile(const struct policy *p, char **ret_profile) _warn_unused_result_;

/*
 * Checks the text of one appArmorRawRules entry: at most APPARMOR_RAW_RULE_MAX
 * bytes and APPARMOR_RAW_LINES_MAX lines, no NUL or control characters,
 * balanced braces and quotes, every line a rule ending with ',', a block
 * line ('{' or '}'), a comment or an #include <...>; no profile, hat, abi,
 * alias or variable declaration that would step out of the enclosing profile.
 * On -EINVAL, *reterr_reason (static text) and *reterr_line (1-based, 0 for
 * the whole text) say why; both may be NULL.
 */
int apparmor_check_raw_rules(const char *text, size_t len, const char **reterr_reason,
			     unsigned *reterr_line);

/*
 * Defines APPARMOR_DISK_DEVICES_VAR in a compiled profile for one node: the
 * definition (absolute /dev paths, e.g. "/dev/sda") goes right after the
 * first "#include <tunables/global>" line, or at the top. With no device, the
 * variable names a path that cannot exist, so the rules match nothing.
 * Device names must be plain /proc/partitions names ([A-Za-z0-9_.:+-]).
 * *ret_profile is a new string (free()). Returns 0, -EINVAL, -EFBIG, -ENOMEM.
 */
int apparmor_define_disk_devices(const char *profile, const char *const *devices, size_t n_devices,
				 char **ret_profile) _warn_unused_result_;
