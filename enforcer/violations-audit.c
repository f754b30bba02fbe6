// SPDX-License-Identifier: Apache-2.0
/* Kernel audit records (AppArmor 1400, seccomp 1326) from NETLINK_AUDIT's read-only group, as records. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "enforcer/violations.h"

#define AUDIT_TYPE_AVC	   1400 /* AUDIT_AVC: AppArmor (and SELinux) */
#define AUDIT_TYPE_SECCOMP 1326 /* AUDIT_SECCOMP */
#define AUDIT_FIELDS_MAX   128 /* key=value pairs of one record; more are ignored */
#define AUDIT_RCVBUF	   (4 * 1024 * 1024)
#define PROC_CGROUP_MAX	   (64 * 1024)

/* ---- key=value text ---- */

struct field {
	const char *key;
	size_t key_len;
	const char *val;
	size_t val_len;
	char quote; /* '"', '\'' or 0 */
};

struct audit_text {
	bool has_stamp;
	int64_t sec;
	long msec;
	uint64_t serial;
	size_t n;
	struct field f[AUDIT_FIELDS_MAX];
};

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Unsigned decimal digits at p (at most max of them); -1 when there are none or too many. */
static int parse_u64(const char *p, const char *end, uint64_t *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == s)
		return -1;
	*ret = v;
	*ret_end = p;
	return 0;
}

/* "audit(1796602646.039:2): " */
static const char *parse_stamp(const char *p, const char *end, struct audit_text *t)
{
	uint64_t sec, ms, serial;
	const char *q;

	if ((size_t)(end - p) < 6 || memcmp(p, "audit(", 6) != 0)
		return p;
	q = p + 6;
	if (parse_u64(q, end, &sec, &q) < 0 || q >= end || *q != '.')
		return p;
	if (parse_u64(q + 1, end, &ms, &q) < 0 || q >= end || *q != ':' || ms > 999)
		return p;
	if (parse_u64(q + 1, end, &serial, &q) < 0 || end - q < 2 || q[0] != ')' || q[1] != ':')
		return p;
	if (sec > (uint64_t)INT64_MAX / 2)
		return p;
	t->has_stamp = true;
	t->sec = (int64_t)sec;
	t->msec = (long)ms;
	t->serial = serial;
	return q + 2;
}

/*
 * The kernel writes key=value, key="value" (no escapes inside), or for
 * untrusted strings with blanks, quotes or non-ASCII bytes, key=HEX. A word
 * without "=" continues the previous unquoted value: "subj=profile (enforce)".
 */
static void split_fields(const char *p, const char *end, struct audit_text *t)
{
	struct field *last = NULL;

	p = parse_stamp(p, end, t);
	while (p < end) {
		const char *k, *v;
		struct field *f;

		while (p < end && is_blank(*p))
			p++;
		if (p >= end)
			break;
		k = p;
		while (p < end && is_key_char(*p))
			p++;
		if (p == k || p >= end || *p != '=') {
			/* not a key: skip the word, joining it to the previous bare value */
			while (p < end && !is_blank(*p))
				p++;
			if (last && !last->quote && last->val + last->val_len < k)
				last->val_len = (size_t)(p - last->val);
			continue;
		}
		if (t->n >= AUDIT_FIELDS_MAX) {
			while (p < end && !is_blank(*p))
				p++;
			last = NULL;
			continue;
		}
		f = &t->f[t->n++];
		f->key = k;
		f->key_len = (size_t)(p - k);
		p++;
		if (p < end && (*p == '"' || *p == '\'')) {
			const char *close;

			f->quote = *p++;
			close = memchr(p, f->quote, (size_t)(end - p));
			f->val = p;
			f->val_len = close ? (size_t)(close - p) : (size_t)(end - p);
			p = close ? close + 1 : end;
		} else {
			f->quote = 0;
			v = p;
			while (p < end && !is_blank(*p))
				p++;
			f->val = v;
			f->val_len = (size_t)(p - v);
		}
		last = f;
	}
}

static const struct field *field_get(const struct audit_text *t, const char *key)
{
	size_t kl = strlen(key);

	/* the last one wins, as when the fields are set into an object */
	for (size_t i = t->n; i > 0; i--)
		if (t->f[i - 1].key_len == kl && memcmp(t->f[i - 1].key, key, kl) == 0)
			return &t->f[i - 1];
	return NULL;
}

/* Keys whose values the kernel writes with audit_log_untrustedstring() (quoted or hex). */
static bool is_untrusted_key(const char *k, size_t len)
{
	static const char *const keys[] = { "name",    "name2",	       "target",  "peer",
					    "profile", "comm",	       "exe",	  "fstype",
					    "srcname", "peer_profile", "label",	  "path",
					    "cwd",     "new_profile",  "execpath" };

	for (size_t i = 0; i < ELEMENTSOF(keys); i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], k, len) == 0)
			return true;
	return false;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes hex into out (len / 2 bytes); false when s is not even-length hex. */
static bool hex_decode(const char *s, size_t len, char *out)
{
	if (len == 0 || len % 2)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (char)(hi << 4 | lo);
	}
	return true;
}

static bool parse_i64(const char *s, size_t len, int64_t *ret)
{
	bool neg = len > 0 && s[0] == '-';
	uint64_t v;
	const char *end;

	if (len - neg == 0 || len > 20)
		return false;
	if (parse_u64(s + neg, s + len, &v, &end) < 0 || end != s + len)
		return false;
	if (v > (uint64_t)INT64_MAX)
		return false;
	*ret = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* A field's value as JSON: hex decoded for untrusted strings, integers for bare decimals. */
static json_t *field_json(const struct field *f)
{
	int64_t v;

	if (!f->quote && is_untrusted_key(f->key, f->key_len) && f->val_len <= AUDIT_RECORD_MAX) {
		char buf[AUDIT_RECORD_MAX / 2 + 1];

		if (hex_decode(f->val, f->val_len, buf))
			return violation_json_bytes(buf, f->val_len / 2);
		return violation_json_bytes(f->val, f->val_len);
	}
	if (!f->quote && parse_i64(f->val, f->val_len, &v))
		return json_integer(v);
	return violation_json_bytes(f->val, f->val_len);
}

static json_t *fields_object(const struct audit_text *t)
{
	json_auto_t *o = json_object();
	char key[64];

	if (!o)
		return NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->f[i];

		if (f->key_len >= sizeof(key))
			continue;
		memcpy(key, f->key, f->key_len);
		key[f->key_len] = '\0';
		if (json_object_set_new(o, key, field_json(f)) < 0)
			return NULL;
	}
	return TAKE_PTR(o);
}

/* ---- AppArmor and seccomp records ---- */

static const char *apparmor_action(const struct field *f)
{
	static const struct {
		const char *kernel, *action;
	} map[] = {
		{ "DENIED", "DENIED" },
		{ "AUDIT", "AUDIT" },
		{ "ALLOWED", "ALLOWED" },
		{ "KILLED", "DENIED" },
	};

	if (!f)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (strlen(map[i].kernel) == f->val_len &&
		    memcmp(map[i].kernel, f->val, f->val_len) == 0)
			return map[i].action;
	return NULL;
}

struct seccomp_action {
	uint32_t code; /* SECCOMP_RET_ACTION_FULL part */
	const char *name, *action;
};

static const struct seccomp_action seccomp_actions[] = {
	{ 0x80000000U, "kill_process", "DENIED" }, { 0x00000000U, "kill_thread", "DENIED" },
	{ 0x00030000U, "trap", "DENIED" },	   { 0x00050000U, "errno", "DENIED" },
	{ 0x7fc00000U, "user_notif", "AUDIT" },	   { 0x7ff00000U, "trace", "AUDIT" },
	{ 0x7ffc0000U, "log", "AUDIT|ALLOWED" },   { 0x7fff0000U, "allow", "ALLOWED" },
};

static const struct {
	uint32_t arch;
	const char *name;
} arch_names[] = {
	{ 0xc000003eU, "x86_64" },  { 0x40000003U, "i386" },	{ 0xc00000b7U, "aarch64" },
	{ 0x40000028U, "arm" },	    { 0xc00000f3U, "riscv64" }, { 0x80000016U, "s390x" },
	{ 0xc0000015U, "ppc64le" },
};

static bool field_hex_u32(const struct field *f, uint32_t *ret)
{
	uint64_t v = 0;
	const char *s;
	size_t len;

	if (!f)
		return false;
	s = f->val;
	len = f->val_len;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++) {
		int d = hex_value(s[i]);

		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*ret = (uint32_t)v;
	return true;
}

static int seccomp_extras(const struct audit_text *t, json_t *event, const char **ret_action)
{
	const struct field *code_f = field_get(t, "code"), *sig_f = field_get(t, "sig");
	const struct field *arch_f = field_get(t, "arch"), *nr_f = field_get(t, "syscall");
	const char *action = NULL, *action_name = NULL;
	uint32_t code, arch;
	int64_t nr;

	if (field_hex_u32(code_f, &code)) {
		for (size_t i = 0; i < ELEMENTSOF(seccomp_actions); i++)
			if ((code & 0xffff0000U) == seccomp_actions[i].code) {
				action = seccomp_actions[i].action;
				action_name = seccomp_actions[i].name;
			}
		if (action_name &&
		    json_object_set_new(event, "seccompAction", json_string(action_name)) < 0)
			return -ENOMEM;
		if ((code & 0xffff0000U) == 0x00050000U &&
		    json_object_set_new(event, "errno", json_integer(code & 0xffff)) < 0)
			return -ENOMEM;
	}
	if (!action) {
		int64_t sig = 0;

		/* no (known) code: a signal means the process was killed */
		action = sig_f && parse_i64(sig_f->val, sig_f->val_len, &sig) && sig ? "DENIED" :
										       "AUDIT";
	}
	if (field_hex_u32(arch_f, &arch)) {
		for (size_t i = 0; i < ELEMENTSOF(arch_names); i++)
			if (arch_names[i].arch == arch &&
			    json_object_set_new(event, "archName",
						json_string(arch_names[i].name)) < 0)
				return -ENOMEM;
		if (nr_f && parse_i64(nr_f->val, nr_f->val_len, &nr) && nr >= 0 &&
		    nr <= INT32_MAX) {
			/* libseccomp's SCMP_ARCH_* tokens are the AUDIT_ARCH_* values */
			_cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arch, (int)nr);

			if (name &&
			    json_object_set_new(event, "syscallName", json_string(name)) < 0)
				return -ENOMEM;
		}
	}
	*ret_action = action;
	return 0;
}

static void now_realtime(int64_t *sec, long *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
}

json_t *violation_from_audit_text(int type, const char *text, size_t len, int *ret_pid)
{
	_cleanup_free_ struct audit_text *t = NULL;
	json_auto_t *rec = NULL, *event = NULL;
	const char *enforcer, *action = NULL;
	json_t *pid, *comm, *profile;
	int64_t sec;
	long nsec;
	unsigned digits = 3;

	if (!text || len > AUDIT_RECORD_MAX)
		return NULL;
	if (type != AUDIT_TYPE_AVC && type != AUDIT_TYPE_SECCOMP)
		return NULL;
	len = strnlen(text, len); /* the kernel's text has no NUL: one ends it */
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	split_fields(text, text + len, t);
	event = fields_object(t);
	if (!event)
		return NULL;
	if (type == AUDIT_TYPE_AVC) {
		enforcer = "AppArmor";
		action = apparmor_action(field_get(t, "apparmor"));
		if (!action)
			return NULL; /* STATUS, HINT, an SELinux AVC... */
	} else {
		enforcer = "Seccomp";
		if (seccomp_extras(t, event, &action) < 0)
			return NULL;
	}
	if (t->has_stamp) {
		sec = t->sec;
		nsec = t->msec * 1000000L;
		if (json_object_set_new(event, "auditSerial", json_integer((json_int_t)t->serial)) <
		    0)
			return NULL;
	} else {
		now_realtime(&sec, &nsec);
		digits = 9;
	}
	rec = violation_record_new(enforcer, action, sec, nsec, digits, NULL);
	if (!rec)
		return NULL;
	pid = json_object_get(event, "pid");
	comm = json_object_get(event, "comm");
	profile = json_object_get(event, "profile");
	if (type == AUDIT_TYPE_AVC && json_is_string(profile) &&
	    json_object_set(rec, "profileName", profile) < 0)
		return NULL;
	if (json_object_set_new(rec, "pid", json_is_integer(pid) ? json_incref(pid) : json_null()) <
		    0 ||
	    json_object_set_new(rec, "comm",
				json_is_string(comm) ? json_incref(comm) : json_null()) < 0 ||
	    json_object_set(rec, "event", event) < 0 ||
	    json_object_set_new(rec, "message", json_string("violation event")) < 0)
		return NULL;
	if (ret_pid) {
		json_int_t p = json_is_integer(pid) ? json_integer_value(pid) : 0;

		*ret_pid = p > 0 && p <= INT_MAX ? (int)p : 0;
	}
	return TAKE_PTR(rec);
}

/* ---- the netlink source ---- */

int audit_source_open(int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1),
	};
	int size = AUDIT_RCVBUF;

	if (!ret_fd)
		return -EINVAL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	if (fd < 0)
		return -errno;
	/* Bursts (a denied loop) would overflow the default buffer; best effort. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* EPERM without CAP_AUDIT_READ */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int deliver(int type, const char *text, size_t len, audit_record_fn fn, void *userdata)
{
	json_auto_t *rec = NULL;
	int pid = 0;

	if (type != AUDIT_TYPE_AVC && type != AUDIT_TYPE_SECCOMP)
		return 0;
	while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == '\n'))
		len--;
	rec = violation_from_audit_text(type, text, len, &pid);
	if (!rec)
		return 0;
	if (fn)
		fn(userdata, rec, pid);
	return 1;
}

int audit_source_parse_datagram(const void *data, size_t len, audit_record_fn fn, void *userdata)
{
	const char *p = data;
	int count = 0;

	if (!data)
		return -EINVAL;
	len = MIN(len, NLMSG_SPACE(AUDIT_RECORD_MAX) + 256);
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr nh;
		size_t avail, step;

		memcpy(&nh, p, sizeof(nh)); /* fuzzers hand unaligned buffers */
		/* lenient: a too short length means "what arrived" */
		avail = nh.nlmsg_len < NLMSG_HDRLEN ? len : MIN(len, (size_t)nh.nlmsg_len);
		count += deliver(nh.nlmsg_type, p + NLMSG_HDRLEN,
				 MIN(avail - NLMSG_HDRLEN, (size_t)AUDIT_RECORD_MAX), fn, userdata);
		if (nh.nlmsg_len < NLMSG_HDRLEN)
			break;
		/* not NLMSG_ALIGN(): its mask is 32 bits wide and turns 0xffffffff into 0 */
		step = ((size_t)nh.nlmsg_len + 3) & ~(size_t)3;
		if (step < NLMSG_HDRLEN || step >= len)
			break;
		p += step;
		len -= step;
	}
	return count;
}

int audit_source_read(int fd, audit_record_fn fn, void *userdata)
{
	/* one record per datagram: the header, the text and room to see it was cut */
	char buf[NLMSG_SPACE(AUDIT_RECORD_MAX) + 256] __attribute__((aligned(8)));
	int count = 0;
	bool lost = false;

	if (fd < 0)
		return -EBADF;
	for (unsigned i = 0; i < AUDIT_READ_BATCH; i++) {
		struct sockaddr_nl from;
		socklen_t from_len = sizeof(from);
		ssize_t n;

		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = true;
				continue;
			}
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		if (from_len < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue; /* only the kernel speaks here */
		/* a cut datagram (n > sizeof(buf)) is parsed up to what was kept */
		count +=
			audit_source_parse_datagram(buf, MIN((size_t)n, sizeof(buf)), fn, userdata);
	}
	return lost ? -ENOBUFS : count;
}

/* ---- pid -> cgroup v2 id ---- */

int violation_pid_cgroup_id(const char *root, int pid, uint64_t *ret)
{
	_cleanup_free_ char *data = NULL;
	char path[PATH_MAX];
	const char *line, *nl;
	struct stat st;
	size_t len;
	int r, n;

	if (pid <= 0 || !ret)
		return -EINVAL;
	if (!root)
		root = "";
	n = snprintf(path, sizeof(path), "%s/proc/%d/cgroup", root, pid);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	r = read_full_file(path, PROC_CGROUP_MAX, &data, &len);
	if (r < 0)
		return r;
	for (line = data; line < data + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + len - line));
		if (!nl)
			nl = data + len;
		if (nl - line >= 3 && memcmp(line, "0::", 3) == 0) {
			int plen = (int)(nl - line - 3);

			if (memchr(line + 3, '\0', (size_t)plen) || plen == 0 || line[3] != '/')
				return -EBADMSG;
			n = snprintf(path, sizeof(path), "%s/sys/fs/cgroup%.*s", root, plen,
				     line + 3);
			if (n < 0 || (size_t)n >= sizeof(path))
				return -ENAMETOOLONG;
			if (stat(path, &st) < 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
			*ret = (uint64_t)st.st_ino;
			return 0;
		}
	}
	return -ENOENT;
}
