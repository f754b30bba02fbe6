// SPDX-License-Identifier: Apache-2.0
/* The violations log (JSON lines, rotated by size) and BPF ring-buffer events as records. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "enforcer/violations.h"

#define LOG_MODE	0640
#define LOG_BACKUPS_MAX 100U
#define LOG_MIN_BYTES	4096U

struct violation_log {
	pthread_mutex_t lock;
	char *path;
	int fd; /* -EBADF while closed (a reopen failed): retried on the next write */
	uint64_t size; /* bytes in the current file */
	uint64_t max_bytes;
	unsigned backups;
	bool torn; /* the last line was cut short: start the next one on a fresh line */
	struct violation_log_counts counts;
};

/* ---- the log file ---- */

static int log_open_fd(const char *path, uint64_t *ret_size)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat st;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW,
		  LOG_MODE);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	/* Exactly 0640 whatever the umask: the log names workloads and paths. */
	if ((st.st_mode & 07777) != LOG_MODE && fchmod(fd, LOG_MODE) < 0)
		return -errno;
	*ret_size = (uint64_t)st.st_size;
	return TAKE_FD(fd);
}

int violation_log_open(const char *path, uint64_t max_bytes, unsigned backups,
		       struct violation_log **ret)
{
	_cleanup_(violation_log_freep) struct violation_log *l = NULL;
	int r;

	if (!path || !*path || strlen(path) > PATH_MAX - 8 || !ret)
		return -EINVAL;
	if (max_bytes == 0)
		max_bytes = VIOLATIONS_DEFAULT_MAX_BYTES;
	if (max_bytes < LOG_MIN_BYTES || backups > LOG_BACKUPS_MAX)
		return -ERANGE;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->fd = -EBADF;
	if (pthread_mutex_init(&l->lock, NULL) != 0) {
		free(TAKE_PTR(l));
		return -ENOMEM;
	}
	l->path = strdup(path);
	if (!l->path)
		return -ENOMEM;
	l->max_bytes = max_bytes;
	l->backups = backups;
	r = log_open_fd(path, &l->size);
	if (r < 0)
		return r;
	l->fd = r;
	*ret = TAKE_PTR(l);
	return 0;
}

struct violation_log *violation_log_free(struct violation_log *l)
{
	if (!l)
		return NULL;
	safe_close(l->fd);
	free(l->path);
	pthread_mutex_destroy(&l->lock);
	free(l);
	return NULL;
}

static int backup_name(const struct violation_log *l, unsigned i, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s.%u", l->path, i);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* FILE.(N-1) -> FILE.N ... FILE -> FILE.1, then a fresh FILE; with no backups, FILE is emptied. */
static int log_rotate(struct violation_log *l)
{
	char from[PATH_MAX], to[PATH_MAX];
	int r;

	if (l->backups == 0) {
		if (l->fd >= 0 && ftruncate(l->fd, 0) < 0)
			return -errno;
		l->size = 0;
		return 0;
	}
	for (unsigned i = l->backups; i > 1; i--) {
		if (backup_name(l, i - 1, from, sizeof(from)) < 0 ||
		    backup_name(l, i, to, sizeof(to)) < 0)
			return -ENAMETOOLONG;
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	if (backup_name(l, 1, to, sizeof(to)) < 0)
		return -ENAMETOOLONG;
	if (rename(l->path, to) < 0 && errno != ENOENT)
		return -errno;
	l->fd = safe_close(l->fd);
	r = log_open_fd(l->path, &l->size);
	if (r < 0)
		return r;
	l->fd = r;
	l->counts.rotations++;
	return 0;
}

static int write_all(int fd, const char *p, size_t len, size_t *ret_written)
{
	size_t done = 0;
	int r = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0) {
			r = -EIO;
			break;
		}
		done += (size_t)n;
	}
	*ret_written = done;
	return r;
}

static int enforcer_index(const json_t *record)
{
	const char *e = json_string_value(json_object_get(record, "enforcer"));

	if (!e)
		return -1;
	if (strcmp(e, "BPF") == 0)
		return 0;
	if (strcmp(e, "AppArmor") == 0)
		return 1;
	if (strcmp(e, "Seccomp") == 0)
		return 2;
	return -1;
}

static int log_write_locked(struct violation_log *l, const json_t *record)
{
	_cleanup_free_ char *line = NULL;
	size_t len, written = 0;
	int r, idx;

	if (l->fd < 0) {
		r = log_open_fd(l->path, &l->size);
		if (r < 0)
			return r;
		l->fd = r;
	}
	line = json_dumps(record, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!line)
		return -ENOMEM;
	/* The newline takes the place of the NUL (the line is written by length). */
	len = strlen(line);
	line[len++] = '\n';
	if (l->size > 0 && l->size + len + (l->torn ? 1 : 0) > l->max_bytes) {
		r = log_rotate(l);
		if (r < 0)
			return r; /* the old file stays open: the record is lost, not the log */
		l->torn = false;
	}
	if (l->torn) {
		r = write_all(l->fd, "\n", 1, &written);
		l->size += written;
		if (r < 0)
			return r;
		l->torn = false;
	}
	r = write_all(l->fd, line, len, &written);
	l->size += written;
	if (r < 0) {
		if (written > 0)
			l->torn = true;
		return r;
	}
	idx = enforcer_index(record);
	if (idx >= 0)
		l->counts.records[idx]++;
	return 0;
}

int violation_log_write(struct violation_log *l, const json_t *record)
{
	int r;

	if (!l || !json_is_object(record))
		return -EINVAL;
	pthread_mutex_lock(&l->lock);
	r = log_write_locked(l, record);
	if (r < 0)
		l->counts.write_errors++;
	pthread_mutex_unlock(&l->lock);
	return r;
}

void violation_log_counts(struct violation_log *l, struct violation_log_counts *ret)
{
	if (!l) {
		memset(ret, 0, sizeof(*ret));
		return;
	}
	pthread_mutex_lock(&l->lock);
	*ret = l->counts;
	pthread_mutex_unlock(&l->lock);
}

/* ---- pieces shared with the audit parser ---- */

/* value: up to max bytes, NUL-terminated within them or cut there; empty or NULL is null. */
static int set_str_or_null(json_t *rec, const char *key, const char *value, size_t max)
{
	size_t n = value ? strnlen(value, max) : 0;

	return json_object_set_new(rec, key, n > 0 ? violation_json_bytes(value, n) : json_null());
}

json_t *violation_json_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	json_t *s;
	char *out;
	size_t o = 0;

	s = json_stringn(data, len);
	if (s || len == 0)
		return s ? s : json_string("");
	/* Not UTF-8 (a path is any bytes but NUL): bytes >= 0x80 become "\xNN". */
	if (len > SIZE_MAX / 4)
		return NULL;
	out = malloc(len * 4 + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (p[i] >= 0x80 || p[i] == 0) {
			(void)snprintf(out + o, 5, "\\x%02x", p[i]);
			o += 4;
		} else
			out[o++] = (char)p[i];
	}
	s = json_stringn(out, o);
	free(out);
	return s;
}

int violation_time_format(int64_t sec, long nsec, unsigned digits, char *buf, size_t size)
{
	struct tm tm;
	time_t t = (time_t)sec;
	char frac[32] = "";
	size_t n;

	if (size < 40 || nsec < 0 || nsec >= 1000000000L || digits > 9)
		return -EINVAL;
	if (!gmtime_r(&t, &tm))
		return -ERANGE;
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return -ERANGE;
	if (digits > 0) {
		long v = nsec;

		for (unsigned i = digits; i < 9; i++)
			v /= 10;
		(void)snprintf(frac, sizeof(frac), ".%0*ld", (int)digits, v);
	}
	(void)snprintf(buf + n, size - n, "%sZ", frac);
	return 0;
}

json_t *violation_record_new(const char *enforcer, const char *action, int64_t sec, long nsec,
			     unsigned digits, const char *node_name)
{
	json_auto_t *rec = NULL;
	char when[64];

	if (violation_time_format(sec, nsec, digits, when, sizeof(when)) < 0)
		return NULL;
	rec = json_pack("{s:s, s:I, s:s, s:s}", "time", when, "eventTimestamp", (json_int_t)sec,
			"enforcer", enforcer, "action", action);
	if (!rec || set_str_or_null(rec, "nodeName", node_name, BPF_K8S_NAME_MAX) < 0)
		return NULL;
	if (json_object_set_new(rec, "profileName", json_null()) < 0)
		return NULL;
	if (violation_set_container(rec, NULL) < 0)
		return NULL;
	return TAKE_PTR(rec);
}

int violation_set_container(json_t *record, const struct bpf_binding *binding)
{
	const struct bpf_container_info *c = binding ? &binding->info : NULL;
	int r = 0;

	if (!json_is_object(record))
		return -EINVAL;
	r |= set_str_or_null(record, "containerID", c ? c->container_id : NULL,
			     sizeof(binding->info.container_id));
	r |= set_str_or_null(record, "containerName", c ? c->container_name : NULL,
			     sizeof(binding->info.container_name));
	r |= set_str_or_null(record, "podName", c ? c->pod_name : NULL,
			     sizeof(binding->info.pod_name));
	r |= set_str_or_null(record, "podNamespace", c ? c->pod_namespace : NULL,
			     sizeof(binding->info.pod_namespace));
	r |= set_str_or_null(record, "podUID", c ? c->pod_uid : NULL,
			     sizeof(binding->info.pod_uid));
	if (binding) {
		r |= json_object_set_new(record, "cgroupID",
					 json_integer((json_int_t)binding->cgroup_id));
		if (binding->profile[0] && !json_is_string(json_object_get(record, "profileName")))
			r |= set_str_or_null(record, "profileName", binding->profile,
					     sizeof(binding->profile));
	}
	return r < 0 ? -ENOMEM : 0;
}

/* ---- BPF events ---- */

static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

/* socket(2) domains, by AF_* number, in vArmor's policy spelling. */
static const char *const domain_names[] = {
	[1] = "unix",	   [2] = "inet",      [3] = "ax25",	  [4] = "ipx",
	[5] = "appletalk", [6] = "netrom",    [7] = "bridge",	  [8] = "atmpvc",
	[9] = "x25",	   [10] = "inet6",    [11] = "rose",	  [12] = "decnet",
	[13] = "netbeui",  [14] = "security", [15] = "key",	  [16] = "netlink",
	[17] = "packet",   [18] = "ash",      [19] = "econet",	  [20] = "atmsvc",
	[21] = "rds",	   [22] = "sna",      [23] = "irda",	  [24] = "pppox",
	[25] = "wanpipe",  [26] = "llc",      [27] = "ib",	  [28] = "mpls",
	[29] = "can",	   [30] = "tipc",     [31] = "bluetooth", [32] = "iucv",
	[33] = "rxrpc",	   [34] = "isdn",     [35] = "phonet",	  [36] = "ieee802154",
	[37] = "caif",	   [38] = "alg",      [39] = "nfc",	  [40] = "vsock",
	[41] = "kcm",	   [42] = "qipcrtr",  [43] = "smc",	  [44] = "xdp",
	[45] = "mctp",
};

static const char *const socktype_names[] = {
	[1] = "stream",	   [2] = "dgram", [3] = "raw",	   [4] = "rdm",
	[5] = "seqpacket", [6] = "dccp",  [10] = "packet",
};

struct num_name {
	unsigned num;
	const char *name;
};

static const struct num_name protocol_names[] = {
	{ 0, "default" }, { 1, "icmp" },   { 2, "igmp" },      { 6, "tcp" },   { 17, "udp" },
	{ 58, "icmpv6" }, { 132, "sctp" }, { 136, "udplite" }, { 255, "raw" }, { 262, "mptcp" },
};

static const struct num_name file_perm_names[] = {
	{ PAVISE_FILE_READ, "read" },	  { PAVISE_FILE_WRITE, "write" },
	{ PAVISE_FILE_APPEND, "append" }, { PAVISE_FILE_CREATE, "create" },
	{ PAVISE_FILE_EXEC, "exec" },	  { PAVISE_FILE_RENAME, "rename" },
	{ PAVISE_FILE_LINK, "link" },
};

static const struct num_name ptrace_perm_names[] = {
	{ PAVISE_PTRACE_TRACE, "trace" },
	{ PAVISE_PTRACE_READ, "read" },
	{ PAVISE_PTRACE_TRACEBY, "traceby" },
	{ PAVISE_PTRACE_READBY, "readby" },
};

static const struct num_name mount_flag_names[] = {
	{ PAVISE_MS_RDONLY, "ro" },
	{ PAVISE_MS_NOSUID, "nosuid" },
	{ PAVISE_MS_NODEV, "nodev" },
	{ PAVISE_MS_NOEXEC, "noexec" },
	{ PAVISE_MS_SYNCHRONOUS, "sync" },
	{ PAVISE_MS_REMOUNT, "remount" },
	{ PAVISE_MS_MANDLOCK, "mand" },
	{ PAVISE_MS_DIRSYNC, "dirsync" },
	{ PAVISE_MS_UMOUNT, "umount" },
	{ PAVISE_MS_NOATIME, "noatime" },
	{ PAVISE_MS_NODIRATIME, "nodiratime" },
	{ PAVISE_MS_BIND, "bind" },
	{ PAVISE_MS_MOVE, "move" },
	{ PAVISE_MS_REC, "rec" },
	{ PAVISE_MS_SILENT, "silent" },
	{ PAVISE_MS_UNBINDABLE, "unbindable" },
	{ PAVISE_MS_PRIVATE, "private" },
	{ PAVISE_MS_SLAVE, "slave" },
	{ PAVISE_MS_SHARED, "shared" },
	{ PAVISE_MS_RELATIME, "relatime" },
	{ PAVISE_MS_I_VERSION, "iversion" },
	{ PAVISE_MS_STRICTATIME, "strictatime" },
};

/* Names of the bits set in v; bits without a name as one "0x..." entry. */
static json_t *bit_names(uint32_t v, const struct num_name *t, size_t n)
{
	json_auto_t *a = json_array();
	uint32_t rest = v;
	char hex[16];

	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (v & t[i].num) {
			if (json_array_append_new(a, json_string(t[i].name)) < 0)
				return NULL;
			rest &= ~t[i].num;
		}
	if (rest) {
		(void)snprintf(hex, sizeof(hex), "0x%" PRIx32, rest);
		if (json_array_append_new(a, json_string(hex)) < 0)
			return NULL;
	}
	return TAKE_PTR(a);
}

static json_t *name_or_number(const char *const *t, size_t n, unsigned v)
{
	return v < n && t[v] ? json_string(t[v]) : json_integer(v);
}

static json_t *protocol_name(unsigned v)
{
	for (size_t i = 0; i < ELEMENTSOF(protocol_names); i++)
		if (protocol_names[i].num == v)
			return json_string(protocol_names[i].name);
	return json_integer(v);
}

static json_t *capability_name(unsigned cap)
{
	char s[32];

	if (cap < ELEMENTSOF(cap_names))
		return json_string(cap_names[cap]);
	(void)snprintf(s, sizeof(s), "CAP_%u", cap);
	return json_string(s);
}

static json_t *bytes_cstr(const __u8 *p, size_t size)
{
	return violation_json_bytes(p, strnlen((const char *)p, size));
}

static json_t *network_event(const struct pavise_event *ev)
{
	char addr[INET6_ADDRSTRLEN];
	int af;

	switch (ev->network.kind) {
	case PAVISE_NET_EVENT_CONNECT:
		af = ev->network.family;
		if (af != AF_INET && af != AF_INET6)
			return json_pack("{s:s, s:s, s:o, s:i}", "operation", "Network", "type",
					 "connect", "family",
					 name_or_number(domain_names, ELEMENTSOF(domain_names), af),
					 "port", ev->network.port);
		if (!inet_ntop(af, ev->network.address, addr, sizeof(addr)))
			return NULL;
		return json_pack("{s:s, s:s, s:s, s:s, s:i}", "operation", "Network", "type",
				 "connect", "family", af == AF_INET ? "inet" : "inet6", "address",
				 addr, "port", ev->network.port);
	case PAVISE_NET_EVENT_SOCKET:
		return json_pack("{s:s, s:s, s:{s:o, s:o, s:o}}", "operation", "Network", "type",
				 "socket", "socket", "domain",
				 name_or_number(domain_names, ELEMENTSOF(domain_names),
						ev->network.domain),
				 "type",
				 /* SOCK_NONBLOCK and SOCK_CLOEXEC ride in the type argument */
				 name_or_number(socktype_names, ELEMENTSOF(socktype_names),
						ev->network.type & 0xf),
				 "protocol", protocol_name(ev->network.protocol));
	default:
		return NULL;
	}
}

static json_t *bpf_event_body(const struct pavise_event *ev)
{
	switch (ev->type) {
	case PAVISE_EVENT_CAPABILITY:
		return json_pack("{s:s, s:o, s:i}", "operation", "Capability", "capability",
				 capability_name(ev->capability.capability), "capabilityNumber",
				 (int)ev->capability.capability);
	case PAVISE_EVENT_FILE:
	case PAVISE_EVENT_BPRM:
		return json_pack("{s:s, s:o, s:o}", "operation",
				 ev->type == PAVISE_EVENT_FILE ? "File" : "Bprm", "permissions",
				 bit_names(ev->file.permissions, file_perm_names,
					   ELEMENTSOF(file_perm_names)),
				 "path", bytes_cstr(ev->file.path, sizeof(ev->file.path)));
	case PAVISE_EVENT_NETWORK:
		return network_event(ev);
	case PAVISE_EVENT_PTRACE:
		return json_pack("{s:s, s:o, s:{s:i, s:I}, s:b}", "operation", "Ptrace",
				 "permissions",
				 bit_names(ev->ptrace.permissions, ptrace_perm_names,
					   ELEMENTSOF(ptrace_perm_names)),
				 "peer", "pid", (int)ev->ptrace.peer_tgid, "cgroupID",
				 (json_int_t)ev->ptrace.peer_cgroup_id, "external",
				 ev->ptrace.peer_cgroup_id != ev->cgroup_id);
	case PAVISE_EVENT_MOUNT:
		return json_pack("{s:s, s:o, s:o, s:o}", "operation", "Mount", "path",
				 bytes_cstr(ev->mount.path, sizeof(ev->mount.path)), "type",
				 bytes_cstr(ev->mount.fstype, sizeof(ev->mount.fstype)), "flags",
				 bit_names(ev->mount.flags, mount_flag_names,
					   ELEMENTSOF(mount_flag_names)));
	default:
		return NULL;
	}
}

const char *violation_bpf_action(uint32_t action)
{
	if (action & PAVISE_ACTION_DENIED)
		return "DENIED";
	if (action & PAVISE_ACTION_ALLOWED)
		return action & PAVISE_ACTION_AUDIT ? "AUDIT|ALLOWED" : "ALLOWED";
	if (action & PAVISE_ACTION_AUDIT)
		return "AUDIT";
	return NULL;
}

/* Boot-time ns (bpf_ktime_get_boot_ns) as wall-clock time, by the clocks' offset now. */
static void boot_ns_to_wall(uint64_t boot_ns, int64_t *ret_sec, long *ret_nsec)
{
	struct timespec real, boot;
	__int128 ns;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	ns = (__int128)real.tv_sec * 1000000000 + real.tv_nsec;
	/* An event from the future (or none) is stamped now. */
	if (boot_ns > 0 &&
	    boot_ns <= (uint64_t)boot.tv_sec * 1000000000ULL + (uint64_t)boot.tv_nsec)
		ns -= (__int128)boot.tv_sec * 1000000000 + boot.tv_nsec - (__int128)boot_ns;
	*ret_sec = (int64_t)(ns / 1000000000);
	*ret_nsec = (long)(ns % 1000000000);
}

json_t *violation_from_bpf_event(const struct pavise_event *ev, const struct bpf_binding *binding,
				 const char *profile, const char *node_name)
{
	json_auto_t *rec = NULL;
	json_t *body;
	const char *action;
	int64_t sec;
	long nsec;

	if (!ev)
		return NULL;
	action = violation_bpf_action(ev->action);
	if (!action)
		return NULL;
	body = bpf_event_body(ev);
	if (!body)
		return NULL;
	boot_ns_to_wall(ev->ktime_ns, &sec, &nsec);
	rec = violation_record_new("BPF", action, sec, nsec, 9, node_name);
	if (!rec || json_object_set_new(rec, "event", body) < 0)
		return NULL;
	if (profile && *profile &&
	    set_str_or_null(rec, "profileName", profile, ARMOR_NAME_MAX + 1) < 0)
		return NULL;
	if (violation_set_container(rec, binding) < 0)
		return NULL;
	if (json_object_set_new(rec, "cgroupID", json_integer((json_int_t)ev->cgroup_id)) < 0 ||
	    json_object_set_new(rec, "pid", json_integer(ev->tgid)) < 0 ||
	    json_object_set_new(rec, "tid", json_integer(ev->pid)) < 0 ||
	    json_object_set_new(rec, "comm", bytes_cstr(ev->comm, sizeof(ev->comm))) < 0 ||
	    json_object_set_new(rec, "message", json_string("violation event")) < 0)
		return NULL;
	return TAKE_PTR(rec);
}
