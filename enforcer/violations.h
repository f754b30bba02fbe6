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
 *   {"time": RFC 3339 UTC, "eventTimestamp": unix seconds, "nodeName",
 *    "enforcer": "BPF"|"AppArmor"|"Seccomp",
 *    "action": "DENIED"|"AUDIT"|"ALLOWED"|"AUDIT|ALLOWED", "profileName",
 *    "containerID", "containerName", "podName", "podNamespace", "podUID",
 *    "pid", "comm", "cgroupID", "event": {...}, "message": "violation event"}
 * Unknown identity fields are null. The event objects: enforcer/VIOLATIONS.md.
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

/*
 * Opens (creates) path for appending: a regular file, not through a symlink,
 * mode exactly 0640. max_bytes 0 = the default, else at least 4096;
 * backups at most 100 (0: the file is emptied instead of rotated).
 * Thread-safe: one lock per log.
 */
int violation_log_open(const char *path, uint64_t max_bytes, unsigned backups,
		       struct violation_log **ret) _warn_unused_result_;
struct violation_log *violation_log_free(struct violation_log *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct violation_log *, violation_log_free);
/*
 * Appends one record (one line; rotates first when it would pass max_bytes).
 * A failure (disk full, rotation failed, file gone) is counted in
 * write_errors and returned; the log stays usable and retries on the next
 * record, starting it on a fresh line if a line was cut short.
 */
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
 * Reads what is pending on fd (at most AUDIT_READ_BATCH messages per call)
 * and calls fn for every AppArmor (type 1400, apparmor="DENIED"|"AUDIT"|
 * "ALLOWED"|"KILLED") and seccomp (type 1326) record, as a parsed record
 * (fields above minus nodeName and container identity: the caller fills them,
 * e.g. with violation_set_container() from the pid). `record` is borrowed:
 * freed when fn returns (json_incref to keep it). Returns records seen or
 * negative errno; -ENOBUFS after delivering what was readable means the
 * socket overflowed and records were lost (the fd stays usable).
 * Works in the host (initial) network namespace only: the kernel multicasts
 * audit records there. Without auditd the kernel also prints them to its log.
 */
#define AUDIT_READ_BATCH 256U
typedef void (*audit_record_fn)(void *userdata, json_t *record, int pid);
int audit_source_read(int fd, audit_record_fn fn, void *userdata);
/* The records of one netlink datagram (what audit_source_read() does per recv; fuzzing). */
int audit_source_parse_datagram(const void *data, size_t len, audit_record_fn fn, void *userdata);
/*
 * Parses one audit record's text ("audit(SEC.MS:SERIAL): key=value ...", the
 * netlink payload; the prefix may be missing, then the time is now), at most
 * AUDIT_RECORD_MAX bytes. New reference, or NULL when it is not a violation
 * (another type, an AppArmor STATUS record, too long, ENOMEM). *ret_pid
 * (may be NULL) gets the record's pid, 0 when it has none.
 */
json_t *violation_from_audit_text(int type, const char *text, size_t len, int *ret_pid);

/*
 * Fills containerID, containerName, podName, podNamespace, podUID and
 * cgroupID from binding (NULL: all null), and profileName from it when the
 * record has none. 0 or -ENOMEM/-EINVAL.
 */
int violation_set_container(json_t *record, const struct bpf_binding *binding);
/*
 * The cgroup v2 id of a process: its "0::PATH" line in ROOT/proc/PID/cgroup,
 * and the inode number of ROOT/sys/fs/cgroup/PATH (root NULL = "/"). For
 * audit records: pid -> cgroup id -> bpf_enforcer_lookup_binding(). -ENOENT
 * when the process is gone (short-lived processes often are).
 */
int violation_pid_cgroup_id(const char *root, int pid, uint64_t *ret);

/* "DENIED", "AUDIT", "ALLOWED", "AUDIT|ALLOWED" for PAVISE_ACTION_* bits; NULL for none. */
const char *violation_bpf_action(uint32_t action);

/* Shared by violations*.c. */
/* RFC 3339 UTC with `digits` (0-9) fractional digits; size >= 40. */
int violation_time_format(int64_t sec, long nsec, unsigned digits, char *buf, size_t size);
/* A record with time, eventTimestamp, nodeName (NULL: null), enforcer, action, null identity. */
json_t *violation_record_new(const char *enforcer, const char *action, int64_t sec, long nsec,
			     unsigned digits, const char *node_name);
/* Bytes as a JSON string: UTF-8 as is, other bytes >= 0x80 (and NUL) as "\xNN". */
json_t *violation_json_bytes(const void *data, size_t len);
