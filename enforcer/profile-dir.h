// SPDX-License-Identifier: Apache-2.0
/* The profile directory: ArmorProfile YAML/JSON files (several per file), scanned and watched with inotify. */
#pragma once

#include <stdbool.h>

#include "common/macro.h"
#include "enforcer/profile-store.h"

#define PROFILE_DIR_FILES_MAX	   1024U /* files considered in one scan; more are refused */
#define PROFILE_DIR_DOCS_MAX	   256U /* documents (or List items) in one file */
#define PROFILE_DIR_BYTES_MAX	   (64U * 1024 * 1024) /* all files of one scan together */
#define PROFILE_DIR_DEBOUNCE_USEC  (50U * 1000) /* quiet time after an event before a rescan */
#define PROFILE_DIR_DELAY_MAX_USEC (500U * 1000) /* a steady stream of events waits no longer */

/*
 * Reads every regular file (symlinks followed) of `dir` whose name does not
 * start with '.', in name order: each holds one or more YAML or JSON
 * documents, an ArmorProfile each, or a List of them. Valid profiles go to
 * want->items; every refused document (or unreadable file) to
 * want->refused with the reason. A name defined twice keeps the first.
 * `want` must be empty; on error it is emptied. Returns 0, or the error of
 * opening `dir` (a missing dir is an empty scan), -ENOMEM.
 */
int profile_dir_scan(const char *dir, struct profile_set *want) _warn_unused_result_;

/*
 * Watches `dir` for what changes its profiles: files created, written,
 * deleted, renamed in or out (atomic writers, the kubelet's ConfigMap
 * "..data" swap), attributes. Returns a non-blocking O_CLOEXEC inotify fd.
 */
int profile_dir_watch(const char *dir, int *ret_fd) _warn_unused_result_;

/*
 * Drains the inotify fd. Returns 1 when something relevant happened (or the
 * queue overflowed), 0 when nothing did, -errno on a read error. A removed
 * or moved watched directory gives -ENOENT: watch again.
 */
int profile_dir_watch_drain(int fd) _warn_unused_result_;
