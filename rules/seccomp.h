// SPDX-License-Identifier: Apache-2.0
/* Seccomp generator: VarmorPolicy -> OCI LinuxSeccomp JSON, its validation and a libseccomp loader. */
#pragma once

#include <seccomp.h>

#include "common/macro.h"
#include "common/policy.h"

/* Caps on everything that comes from a policy or a profile. */
#define SECCOMP_PROFILE_MAX	     (1024U * 1024) /* bytes of JSON: customProfile, output */
#define SECCOMP_RAW_RULES_MAX	     256U /* syscallRawRules entries */
#define SECCOMP_PROFILE_SYSCALLS_MAX 4096U /* "syscalls" entries of a profile */
#define SECCOMP_NAMES_MAX	     512U /* names in one entry */
#define SECCOMP_NAME_MAX	     64U /* bytes of one syscall name */
#define SECCOMP_ARGS_MAX	     6U /* conditions in one entry (a syscall has six arguments) */
#define SECCOMP_ARCHES_MAX	     16U
#define SECCOMP_ERRNO_MAX	     4095U /* MAX_ERRNO */
#define SECCOMP_RULES_MAX	     4096U /* (syscall, action, conditions) rules after expansion */
#define SECCOMP_CONDS_MAX	     1024U /* argument conditions in all those rules together */
#define SECCOMP_BPF_INSNS_MAX	     4096U /* BPF_MAXINSNS: the kernel's limit for one filter */

/*
 * Validates the parts of spec.policy the Seccomp enforcer owns
 * (enhanceProtect.syscallRawRules, defenseInDepth.seccomp) when the policy's
 * enforcer includes Seccomp, adds the warnings of rules/compile.h, and checks
 * that the profile the policy compiles to is accepted by libseccomp and fits
 * in one kernel filter. Returns 0, -EINVAL when it added an error, -ENOMEM.
 */
int seccomp_validate(const struct policy *p, struct policy_diags *d) _warn_unused_result_;

/*
 * Compiles a validated policy into OCI LinuxSeccomp JSON (compact, ordered
 * deterministically: the same policy always gives the same bytes).
 * *ret_json is a NUL-terminated string the caller frees with free().
 * Returns -EOPNOTSUPP for DefenseInDepth with profileType BehaviorModel
 * (it needs an ArmorProfileModel), -EINVAL for a policy that does not
 * validate, -EFBIG past SECCOMP_PROFILE_MAX, -ENOMEM.
 */
int seccomp_compile(const struct policy *p, char **ret_json) _warn_unused_result_;

/*
 * Loads an OCI LinuxSeccomp JSON profile into a new libseccomp filter for the
 * native architecture (plus any "architectures"), interpreting it as runc and
 * crun do: entries whose action equals the default action are skipped, errnoRet
 * defaults to EPERM, and the conditions of an entry that names one argument
 * more than once are alternatives. Unlike them it is strict: an unknown syscall
 * name, an unknown action, operator, architecture or flag, SCMP_ACT_NOTIFY, or
 * two actions for one syscall under conditions that can overlap (which
 * libseccomp would resolve silently) are refused.
 * On success *ret_ctx is owned by the caller (seccomp_release()).
 * Returns 0, -EBADMSG (not JSON, or wrong types), -EINVAL (invalid content),
 * -EOPNOTSUPP (SCMP_ACT_NOTIFY, listenerPath), -EFBIG, -E2BIG, -ENOMEM, or
 * libseccomp's error.
 */
int seccomp_profile_load(const char *json, scmp_filter_ctx *ret_ctx) _warn_unused_result_;
