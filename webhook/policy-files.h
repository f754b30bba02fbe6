// SPDX-License-Identifier: Apache-2.0
/* Policies from local YAML/JSON files (--policy-file): loading and change detection. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "common/policy.h"

struct policy_file_set {
	char **paths;
	size_t n;
	struct stat *seen; /* identity of each file at the last load */
};

/* Per-file problem report; the caller logs it. */
typedef void (*policy_file_report_t)(void *userdata, const char *path, const char *msg);

/*
 * Loads every VarmorPolicy/VarmorClusterPolicy (top level or inside a List)
 * from the files; other kinds are skipped. An invalid policy fails the whole
 * load (-EINVAL) so that a typo never silently drops protection; every
 * message is reported. On success returns a new array of policies (each a
 * reference the caller owns) and its length.
 */
int policy_files_load(struct policy_file_set *set, const char *pavise_namespace,
		      policy_file_report_t report, void *userdata, struct policy ***ret_policies,
		      size_t *ret_n);
/* True when any file changed (or appeared/disappeared) since the last load. */
bool policy_files_changed(const struct policy_file_set *set);
void policy_file_set_done(struct policy_file_set *set);
