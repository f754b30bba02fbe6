// SPDX-License-Identifier: Apache-2.0
/* AppArmor backend: writes profiles under the state dir and runs apparmor_parser (no shell). */
#pragma once

#include <stddef.h>

#include "common/macro.h"
#include "common/prom.h"
#include "enforcer/backend.h"

#define APPARMOR_PARSER_STDERR_MAX  4096U /* bytes of the parser's stderr kept for the status */
#define APPARMOR_PARSER_TIMEOUT_SEC 120U /* then the parser is killed */
#define APPARMOR_PARTITIONS_MAX	    (256U * 1024) /* bytes of /proc/partitions */
#define APPARMOR_DISKS_MAX	    256U

struct apparmor_loader {
	const char *parser; /* program name or path, run with posix_spawnp; borrowed */
	const char *profile_dir; /* <state-dir>/apparmor.d, created on first use; borrowed */
	const char *partitions; /* /proc/partitions or a test copy; borrowed */
	struct prom_histogram parser_seconds; /* every apparmor_parser run */
};

/* Fills a loader and its backend (b->userdata = l). Strings are borrowed. */
void apparmor_loader_init(struct apparmor_loader *l, const char *parser, const char *profile_dir,
			  const char *partitions, struct backend *ret_backend);

/*
 * The whole disks of a /proc/partitions text ("sda", "nvme0n1", not "sda1" or
 * "nvme0n1p2"): a name is a partition when another listed name followed by
 * digits, or by 'p' and digits, spells it. *ret is a NULL-terminated vector
 * (strv_freep), *ret_n its length. -E2BIG past APPARMOR_DISKS_MAX.
 */
int apparmor_loader_disks(const char *partitions, char ***ret, size_t *ret_n) _warn_unused_result_;

/*
 * Checks that a profile text only loads the profile `name`: outside it only
 * abi, variable definitions, comments and #include <tunables/...> may
 * appear; every top-level block must be "profile <name> ... {" (child
 * profiles and hats inside it are fine); braces and quotes balance. Without
 * this an ArmorProfile could replace any profile on the node. On -EINVAL
 * *reterr_reason (static) and *reterr_line (1-based) say why; both may be NULL.
 */
int apparmor_loader_check_text(const char *text, const char *name, const char **reterr_reason,
			       unsigned *reterr_line);

/*
 * Runs argv (argv[0] searched in PATH) with stdin and stdout on /dev/null,
 * capturing up to APPARMOR_PARSER_STDERR_MAX bytes of stderr into *ret_stderr
 * (always set on return >= -ETIMEDOUT paths; caller frees). Returns 0 when it
 * exited 0, -EINVAL for another exit status (*ret_status holds it), -EIO when
 * killed by a signal, -ETIMEDOUT after APPARMOR_PARSER_TIMEOUT_SEC, or the
 * spawn error (-ENOENT for a missing program).
 */
int apparmor_loader_run(char *const argv[], char **ret_stderr, int *ret_status);
