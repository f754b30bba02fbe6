// SPDX-License-Identifier: Apache-2.0
/* Violation records: BPF ring-buffer events and kernel audit records (AppArmor, seccomp) as JSON lines. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "bpf/pavise-events.h"
#include "common/macro.h"
#include "enforcer/bpf-loader.h"

/*
 * One record per line in the violations log (--violations-log FILE),
 * fields as vArmor's violation log where they exist (varmor.md 6.5):
 *   {"time": RFC 3339, "nodeName", "enforcer": "BPF"|"AppArmor"|"Seccomp",
 *    "action": "DENIED"|"AUDIT"|"ALLOWED"|"AUDIT|ALLOWED", "profileName",
 *    "containerID", "containerName", "podName", "podNamespace", "podUID",
 *    "pid", "cgroupID", "event": {...}, "message": "violation event"}
 * The file is rotated by size: FILE -> FILE.1 -> ... -> FILE.<backups>.
 */
#define VIOLATIONS_DEFAULT_MAX_BYTES (10U * 1024 * 1024)
#define VIOLATIONS_DEFAULT_BACKUPS   3U
#define AUDIT_RECORD_MAX	     8970U /* MAX_AUDIT_MESSAGE_LENGTH */

struct violation_log;

struct violation_log_counts {
	uint64_t records[3]; /* by enforcer: 0 BPF, 1 AppArmor, 2 seccomp */
	uint64_t write_errors;
	uint64_t rotations;
};

int violation_log_open(const char *path, uint64_t max_bytes, unsigned backups,
		       struct violation_log **ret) _warn_unused_result_;
struct violation_log *violation_log_free(struct violation_log *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct violation_log *, violation_log_free);
/* Appends one record (one line; rotates first when it would pass max_bytes). */
int violation_log_write(struct violation_log *l, const json_t *record);
void violation_log_counts(struct violation_log *l, struct violation_log_counts *ret);

/*
 * A BPF event as a record. `binding` (may be NULL: the container is gone)
 * names the container, `profile` (may be NULL) the profile of its slot.
 * New reference, NULL on ENOMEM or an event of unknown type.
 */
json_t *violation_from_bpf_event(const struct pavise_event *ev, const struct bpf_binding *binding,
				 const char *profile, const char *node_name);

/*
 * The kernel audit stream: a NETLINK_AUDIT socket joined to the read-only
 * multicast group (AUDIT_NLGRP_READLOG; CAP_AUDIT_READ), so it works next to
 * auditd. Non-blocking; poll its fd.
 */
int audit_source_open(int *ret_fd) _warn_unused_result_;
/*
 * Reads what is pending on fd and calls fn for every AppArmor (type 1400,
 * apparmor="DENIED"|"AUDIT"|"ALLOWED") and seccomp (type 1326) record, as a
 * parsed record (fields above minus container identity: the caller fills
 * containerID etc. from the pid). Returns records seen or negative errno.
 */
typedef void (*audit_record_fn)(void *userdata, json_t *record, int pid);
int audit_source_read(int fd, audit_record_fn fn, void *userdata);
/* Parses one audit record's text (tests, fuzzing). New reference or NULL when not a violation. */
json_t *violation_from_audit_text(int type, const char *text, size_t len, int *ret_pid);
