// SPDX-License-Identifier: Apache-2.0
/* BPF enforcer: policy -> BpfContent (controller) and BpfContent <-> binary records (node). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "common/json-util.h"
#include "common/label-selector.h"
#include "rules/bpf-content.h"
#include "rules/bpf-pattern.h"
#include "rules/catalog.h"
#include "rules/compile.h"

#define EP		     "spec.policy.enhanceProtect"
#define RAW		     EP ".bpfRawRules"
#define PATH_MAX_LEN	     256
#define BUILD_RULES_MAX	     4096 /* records of one type while building, before the 64 check */
#define FILE_PERMS_RWA	     (PAVISE_FILE_READ | PAVISE_FILE_WRITE | PAVISE_FILE_APPEND)
#define MOUNT_ALL_BUT_UMOUNT (PAVISE_MS_ALL & ~(__u32)PAVISE_MS_UMOUNT)

/* Field paths: truncated silently past PATH_MAX_LEN (messages only). */
_printf_(3, 4) static void fmt_path(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* ---- name tables (vArmor's spelling; varmor.md 2.2) ---- */

struct name_bits {
	const char *name;
	__u64 bits;
};

static const struct name_bits domain_names[] = {
	{ "unix", 1ULL << 1 },	    { "inet", 1ULL << 2 },	  { "ax25", 1ULL << 3 },
	{ "ipx", 1ULL << 4 },	    { "appletalk", 1ULL << 5 },	  { "netrom", 1ULL << 6 },
	{ "bridge", 1ULL << 7 },    { "atmpvc", 1ULL << 8 },	  { "x25", 1ULL << 9 },
	{ "inet6", 1ULL << 10 },    { "rose", 1ULL << 11 },	  { "netbeui", 1ULL << 13 },
	{ "security", 1ULL << 14 }, { "key", 1ULL << 15 },	  { "netlink", 1ULL << 16 },
	{ "packet", 1ULL << 17 },   { "ash", 1ULL << 18 },	  { "econet", 1ULL << 19 },
	{ "atmsvc", 1ULL << 20 },   { "rds", 1ULL << 21 },	  { "sna", 1ULL << 22 },
	{ "irda", 1ULL << 23 },	    { "pppox", 1ULL << 24 },	  { "wanpipe", 1ULL << 25 },
	{ "llc", 1ULL << 26 },	    { "ib", 1ULL << 27 },	  { "mpls", 1ULL << 28 },
	{ "can", 1ULL << 29 },	    { "tipc", 1ULL << 30 },	  { "bluetooth", 1ULL << 31 },
	{ "iucv", 1ULL << 32 },	    { "rxrpc", 1ULL << 33 },	  { "isdn", 1ULL << 34 },
	{ "phonet", 1ULL << 35 },   { "ieee802154", 1ULL << 36 }, { "caif", 1ULL << 37 },
	{ "alg", 1ULL << 38 },	    { "nfc", 1ULL << 39 },	  { "vsock", 1ULL << 40 },
	{ "kcm", 1ULL << 41 },	    { "qipcrtr", 1ULL << 42 },	  { "smc", 1ULL << 43 },
	{ "xdp", 1ULL << 44 },	    { "mctp", 1ULL << 45 },
};

static const struct name_bits type_names[] = {
	{ "stream", 1ULL << 1 },  { "dgram", 1ULL << 2 },     { "raw", 1ULL << 3 },
	{ "rdm", 1ULL << 4 },	  { "seqpacket", 1ULL << 5 }, { "dccp", 1ULL << 6 },
	{ "packet", 1ULL << 10 },
};

/* IPPROTO_ICMP 1 and IPPROTO_ICMPV6 58 together, as vArmor does. */
static const struct name_bits protocol_names[] = {
	{ "icmp", (1ULL << 1) | (1ULL << 58) },
	{ "tcp", 1ULL << 6 },
	{ "udp", 1ULL << 17 },
};

static const struct name_bits ptrace_names[] = {
	{ "trace", PAVISE_PTRACE_TRACE },
	{ "read", PAVISE_PTRACE_READ },
	{ "traceby", PAVISE_PTRACE_TRACEBY },
	{ "readby", PAVISE_PTRACE_READBY },
};

/* Mount flag names are case-sensitive: "r" is read-only, "R" is rbind. */
static const struct {
	const char *name;
	__u32 flags, reverse;
} mount_names[] = {
	{ "ro", PAVISE_MS_RDONLY, 0 },
	{ "r", PAVISE_MS_RDONLY, 0 },
	{ "read-only", PAVISE_MS_RDONLY, 0 },
	{ "rw", 0, PAVISE_MS_RDONLY },
	{ "w", 0, PAVISE_MS_RDONLY },
	{ "suid", 0, PAVISE_MS_NOSUID },
	{ "nosuid", PAVISE_MS_NOSUID, 0 },
	{ "dev", 0, PAVISE_MS_NODEV },
	{ "nodev", PAVISE_MS_NODEV, 0 },
	{ "exec", 0, PAVISE_MS_NOEXEC },
	{ "noexec", PAVISE_MS_NOEXEC, 0 },
	{ "sync", PAVISE_MS_SYNCHRONOUS, 0 },
	{ "async", 0, PAVISE_MS_SYNCHRONOUS },
	{ "mand", PAVISE_MS_MANDLOCK, 0 },
	{ "nomand", 0, PAVISE_MS_MANDLOCK },
	{ "dirsync", PAVISE_MS_DIRSYNC, 0 },
	{ "atime", 0, PAVISE_MS_NOATIME },
	{ "noatime", PAVISE_MS_NOATIME, 0 },
	{ "diratime", 0, PAVISE_MS_NODIRATIME },
	{ "nodiratime", PAVISE_MS_NODIRATIME, 0 },
	{ "silent", PAVISE_MS_SILENT, 0 },
	{ "loud", 0, PAVISE_MS_SILENT },
	{ "relatime", PAVISE_MS_RELATIME, 0 },
	{ "norelatime", 0, PAVISE_MS_RELATIME },
	{ "iversion", PAVISE_MS_I_VERSION, 0 },
	{ "noiversion", 0, PAVISE_MS_I_VERSION },
	{ "strictatime", PAVISE_MS_STRICTATIME, 0 },
	{ "nostrictatime", 0, PAVISE_MS_STRICTATIME },
	{ "remount", PAVISE_MS_REMOUNT, 0 },
	{ "bind", PAVISE_MS_BIND, 0 },
	{ "B", PAVISE_MS_BIND, 0 },
	{ "move", PAVISE_MS_MOVE, 0 },
	{ "M", PAVISE_MS_MOVE, 0 },
	{ "rbind", PAVISE_MS_BIND | PAVISE_MS_REC, 0 },
	{ "R", PAVISE_MS_BIND | PAVISE_MS_REC, 0 },
	{ "make-unbindable", PAVISE_MS_UNBINDABLE, 0 },
	{ "unbindable", PAVISE_MS_UNBINDABLE, 0 },
	{ "make-private", PAVISE_MS_PRIVATE, 0 },
	{ "private", PAVISE_MS_PRIVATE, 0 },
	{ "make-slave", PAVISE_MS_SLAVE, 0 },
	{ "slave", PAVISE_MS_SLAVE, 0 },
	{ "make-shared", PAVISE_MS_SHARED, 0 },
	{ "shared", PAVISE_MS_SHARED, 0 },
	{ "make-runbindable", PAVISE_MS_UNBINDABLE | PAVISE_MS_REC, 0 },
	{ "runbindable", PAVISE_MS_UNBINDABLE | PAVISE_MS_REC, 0 },
	{ "make-rprivate", PAVISE_MS_PRIVATE | PAVISE_MS_REC, 0 },
	{ "rprivate", PAVISE_MS_PRIVATE | PAVISE_MS_REC, 0 },
	{ "make-rslave", PAVISE_MS_SLAVE | PAVISE_MS_REC, 0 },
	{ "rslave", PAVISE_MS_SLAVE | PAVISE_MS_REC, 0 },
	{ "make-rshared", PAVISE_MS_SHARED | PAVISE_MS_REC, 0 },
	{ "rshared", PAVISE_MS_SHARED | PAVISE_MS_REC, 0 },
	{ "umount", PAVISE_MS_UMOUNT, 0 },
	{ "all", PAVISE_MS_ALL, PAVISE_MS_ALL },
	{ "*", PAVISE_MS_ALL, PAVISE_MS_ALL },
};

static bool is_all(const char *s)
{
	return strcasecmp(s, "all") == 0 || strcmp(s, "*") == 0;
}

/* 1 << index bits of a table, or of "all"/"*"; 0 when the name is unknown. */
static __u64 lookup_bits(const struct name_bits *t, size_t n, const char *name)
{
	__u64 all = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(t[i].name, name) == 0)
			return t[i].bits;
		all |= t[i].bits;
	}
	return is_all(name) ? all : 0;
}

/* ---- building: rules collected as records, checked, then written as JSON ---- */

struct rule_set {
	struct pavise_file_rule *files, *processes;
	size_t n_files, n_processes;
	struct pavise_net_rule *nets;
	size_t n_nets;
	struct pavise_mount_rule *mounts;
	size_t n_mounts;
	struct pavise_cap_rule caps;
	struct pavise_ptrace_rule ptrace;
	bool ptrace_strict, ptrace_precise;
};

struct builder {
	const struct policy *p;
	struct policy_diags *d; /* NULL when compiling */
	unsigned n_errors;
	int oom;
	struct compile_disposition disp;
	__u32 default_mode;
	bool privileged;
	bool quiet; /* checking only: no warnings */
	struct rule_set rs;
};

static void rule_set_done(struct rule_set *rs)
{
	free(rs->files);
	free(rs->processes);
	free(rs->nets);
	free(rs->mounts);
}

_printf_(2, 3) static void error(struct builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	b->n_errors++;
	if (!b->d)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		b->oom = -ENOMEM;
	else {
		if (policy_diags_error(b->d, "%s", s) < 0)
			b->oom = -ENOMEM;
		free(s);
	}
	va_end(ap);
}

_printf_(2, 3) static void warning(struct builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!b->d || b->quiet)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		b->oom = -ENOMEM;
	else {
		if (policy_diags_warning(b->d, "%s", s) < 0)
			b->oom = -ENOMEM;
		free(s);
	}
	va_end(ap);
}

/* Appends el unless an equal record is there; -E2BIG past BUILD_RULES_MAX. */
static int push_unique(void **arr, size_t *n, size_t size, const void *el)
{
	void *na;

	for (size_t i = 0; i < *n; i++)
		if (memcmp((const char *)*arr + i * size, el, size) == 0)
			return 0;
	if (*n >= BUILD_RULES_MAX)
		return -E2BIG;
	na = realloc(*arr, (*n + 1) * size);
	if (!na)
		return -ENOMEM;
	memcpy((char *)na + *n * size, el, size);
	*arr = na;
	(*n)++;
	return 0;
}

static void check_push(struct builder *b, int r)
{
	if (r == -ENOMEM)
		b->oom = r;
	else if (r == -E2BIG)
		error(b, "%s: more than %d rules of one type", EP, BUILD_RULES_MAX);
}

/* File or process rule; rules with the same mode and pattern share one record. */
static void add_path_rule(struct builder *b, bool process, __u32 mode, __u32 perms,
			  const struct pavise_path_pattern *pat)
{
	struct pavise_file_rule **arr = process ? &b->rs.processes : &b->rs.files;
	size_t *n = process ? &b->rs.n_processes : &b->rs.n_files;
	struct pavise_file_rule r = { .mode = mode, .permissions = perms, .pattern = *pat };

	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i].mode == mode && memcmp(&(*arr)[i].pattern, pat, sizeof(*pat)) == 0) {
			(*arr)[i].permissions |= perms;
			return;
		}
	check_push(b, push_unique((void **)arr, n, sizeof(r), &r));
}

static void add_net_rule(struct builder *b, const struct pavise_net_rule *r)
{
	check_push(b, push_unique((void **)&b->rs.nets, &b->rs.n_nets, sizeof(*r), r));
}

static void add_mount_rule(struct builder *b, const struct pavise_mount_rule *r)
{
	check_push(b, push_unique((void **)&b->rs.mounts, &b->rs.n_mounts, sizeof(*r), r));
}

static void add_caps(struct builder *b, __u32 mode, __u64 caps)
{
	if (!caps)
		return;
	b->rs.caps.mode |= mode;
	b->rs.caps.caps |= caps;
}

/*
 * One ptrace record per profile: permissions and modes are OR'ed. strictMode
 * (GREEDY) covers every permission of the record once any contributor asks
 * for it; validation warns when that widens other rules.
 */
static void add_ptrace(struct builder *b, __u32 mode, __u32 perms, bool strict)
{
	if (!perms)
		return;
	b->rs.ptrace.mode |= mode;
	b->rs.ptrace.permissions |= perms;
	if (strict)
		b->rs.ptrace_strict = true;
	else
		b->rs.ptrace_precise = true;
	b->rs.ptrace.flags = b->rs.ptrace_strict ? PAVISE_MATCH_GREEDY : PAVISE_MATCH_PRECISE;
}

/* ---- JSON access with field paths ---- */

static const json_t *get_typed(struct builder *b, const json_t *obj, const char *key,
			       json_type type, const char *path)
{
	static const char *const json_type_names[] = {
		[JSON_OBJECT] = "an object",   [JSON_ARRAY] = "a list",	 [JSON_STRING] = "a string",
		[JSON_INTEGER] = "an integer", [JSON_REAL] = "a number", [JSON_TRUE] = "a boolean",
		[JSON_FALSE] = "a boolean",    [JSON_NULL] = "null",
	};
	const json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return NULL;
	if (json_typeof(v) == type || (type == JSON_TRUE && json_is_boolean(v)))
		return v;
	error(b, "%s.%s: must be %s", path, key, json_type_names[type]);
	return NULL;
}

static void check_keys(struct builder *b, const json_t *obj, const char *const *allowed,
		       const char *path)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			warning(b, "%s: unknown field '%s', ignored", path, key);
	}
}

/* Strings of a list, each checked by the caller; NULL entries are errors here. */
static const char *list_string(struct builder *b, const json_t *arr, size_t i, const char *path)
{
	const json_t *v = json_array_get(arr, i);

	if (!json_is_string(v)) {
		error(b, "%s[%zu]: must be a string", path, i);
		return NULL;
	}
	return json_string_value(v);
}

/* Rule mode from `qualifiers` (deny, audit), or the policy's disposition when absent/empty. */
static __u32 qualifiers_mode(struct builder *b, const json_t *rule, const char *path)
{
	char qpath[PATH_MAX_LEN];
	const json_t *q;
	__u32 mode = 0;

	fmt_path(qpath, sizeof(qpath), "%s.qualifiers", path);
	q = get_typed(b, rule, "qualifiers", JSON_ARRAY, path);
	if (!q || json_array_size(q) == 0)
		return b->default_mode;
	for (size_t i = 0; i < json_array_size(q); i++) {
		const char *s = list_string(b, q, i, qpath);

		if (!s)
			continue;
		if (strcasecmp(s, "deny") == 0)
			mode |= PAVISE_RULE_DENY;
		else if (strcasecmp(s, "audit") == 0)
			mode |= PAVISE_RULE_AUDIT;
		else
			error(b,
			      "%s[%zu]: unknown qualifier '%s' (the BPF enforcer takes 'deny' and 'audit')",
			      qpath, i, s);
	}
	return mode;
}

/* ---- patterns ---- */

static bool compile_pattern(struct builder *b, const char *text, unsigned flags, const char *path,
			    struct pavise_path_pattern *ret)
{
	const char *reason = NULL;

	if (bpf_pattern_compile(text, flags, ret, &reason) < 0) {
		error(b, "%s: '%s' %s", path, text, reason);
		return false;
	}
	return true;
}

static void warn_literal_glob(struct builder *b, const char *text, const char *path)
{
	if (strpbrk(text, "?[]{}"))
		warning(b,
			"%s: '%s': the BPF enforcer matches '?', '[', ']', '{' and '}' literally (only '*' and '**' are wildcards)",
			path, text);
}

/* Catalog patterns, with the disk-device placeholder appended when the rule asks for it. */
static bool catalog_pattern(struct builder *b, const struct catalog_rule *r,
			    const struct catalog_bpf *e, unsigned flags,
			    struct pavise_path_pattern *ret)
{
	char text[BPF_PATTERN_TEXT_MAX + 1];
	const char *reason = NULL;

	if (snprintf(text, sizeof(text), "%s%s", strempty(e->pattern),
		     e->disk_devices ? BPF_CONTENT_DISK_DEVICES : "") >= (int)sizeof(text) ||
	    bpf_pattern_compile(text, flags, ret, &reason) < 0) {
		error(b, "%s: built-in rule '%s' has a BPF pattern '%s' that does not compile: %s",
		      EP, r->id, text, reason ? reason : "too long");
		return false;
	}
	return true;
}

/* ---- network addresses ---- */

struct address {
	int family; /* AF_INET, AF_INET6 */
	__u8 addr[16];
	unsigned prefix; /* CIDR prefix length; 32/128 for a literal */
};

/* An IP literal as Go's net.ParseIP takes it; IPv4-mapped IPv6 becomes IPv4. */
static bool parse_ip(const char *s, struct address *ret)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct address a = {};

	if (inet_pton(AF_INET, s, a.addr) == 1) {
		a.family = AF_INET;
		a.prefix = 32;
	} else if (inet_pton(AF_INET6, s, a.addr) == 1) {
		a.family = AF_INET6;
		a.prefix = 128;
		if (memcmp(a.addr, v4mapped, sizeof(v4mapped)) == 0) {
			memmove(a.addr, a.addr + 12, 4);
			memset(a.addr + 4, 0, 12);
			a.family = AF_INET;
			a.prefix = 32;
		}
	} else
		return false;
	*ret = a;
	return true;
}

/* "a.b.c.d/n" or "x::/n"; the address is masked to its network, as Go's net.ParseCIDR does. */
static const char *parse_cidr(const char *s, struct address *ret)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	struct address a;
	unsigned long n = 0;
	size_t len;

	if (!slash)
		return "is not a CIDR (address/prefix length)";
	len = (size_t)(slash - s);
	if (len == 0 || len >= sizeof(ip))
		return "is not a valid CIDR";
	memcpy(ip, s, len);
	ip[len] = 0;
	if (!parse_ip(ip, &a))
		return "is not a valid CIDR: bad address";
	if (a.family == AF_INET && strchr(ip, ':'))
		return "is not a valid CIDR: write an IPv4-mapped network in its IPv4 form";
	if (!slash[1] || strlen(slash + 1) > 3)
		return "is not a valid CIDR: bad prefix length";
	for (const char *c = slash + 1; *c; c++) {
		if (*c < '0' || *c > '9')
			return "is not a valid CIDR: bad prefix length";
		n = n * 10 + (unsigned long)(*c - '0');
	}
	if ((slash[1] == '0' && slash[2]) || n > (a.family == AF_INET ? 32UL : 128UL))
		return "is not a valid CIDR: bad prefix length";
	a.prefix = (unsigned)n;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = a.prefix > i * 8 ? a.prefix - i * 8 : 0;

		a.addr[i] &= bits >= 8 ? 0xff : (__u8)(0xff00 >> bits);
	}
	*ret = a;
	return NULL;
}

static void set_mask(__u8 mask[16], unsigned prefix)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;

		mask[i] = bits >= 8 ? 0xff : (__u8)(0xff00 >> bits);
	}
}

struct port_spec {
	__u16 port, end_port;
};

/*
 * Connect rules for one destination, split as vArmor does: every port range
 * is a rule of its own, single ports are grouped by PAVISE_PORTS_MAX (one port
 * alone is a PORT rule), no ports at all is one rule for every port.
 */
static void add_destination(struct builder *b, __u32 mode, const struct pavise_net_rule *base,
			    const struct port_spec *ports, size_t n_ports)
{
	__u16 singles[65536 / 16];
	size_t n_singles = 0;
	struct pavise_net_rule r;

	if (n_ports == 0) {
		r = *base;
		r.mode = mode;
		add_net_rule(b, &r);
		return;
	}
	for (size_t i = 0; i < n_ports; i++) {
		if (ports[i].end_port && ports[i].end_port != ports[i].port) {
			r = *base;
			r.mode = mode;
			r.flags |= PAVISE_NET_PORT_RANGE;
			r.port = ports[i].port;
			r.end_port = ports[i].end_port;
			add_net_rule(b, &r);
			continue;
		}
		bool dup = false;

		for (size_t k = 0; k < n_singles && !dup; k++)
			dup = singles[k] == ports[i].port;
		if (!dup && n_singles < ELEMENTSOF(singles))
			singles[n_singles++] = ports[i].port;
	}
	for (size_t i = 0; i < n_singles; i += PAVISE_PORTS_MAX) {
		size_t n = MIN(n_singles - i, (size_t)PAVISE_PORTS_MAX);

		r = *base;
		r.mode = mode;
		if (n == 1) {
			r.flags |= PAVISE_NET_PORT;
			r.port = singles[i];
		} else {
			r.flags |= PAVISE_NET_PORTS;
			for (size_t k = 0; k < n; k++)
				r.ports[k] = singles[i + k];
		}
		add_net_rule(b, &r);
	}
}

static void literal_rule(const struct address *a, struct pavise_net_rule *r)
{
	*r = (struct pavise_net_rule){ .flags = PAVISE_MATCH_PRECISE };
	r->flags |= a->family == AF_INET ? PAVISE_NET_IPV4 : PAVISE_NET_IPV6;
	memcpy(r->address, a->addr, 16);
	set_mask(r->mask, a->family == AF_INET ? 32 : 128);
}

/*
 * The rules of an ip/cidr destination: entities pod-self, unspecified and
 * localhost (127.0.0.1 and ::1, two rules), an IP literal, a CIDR, or neither
 * (any address; ports required). Errors name `path`.
 */
static void destination_rules(struct builder *b, __u32 mode, const char *ip, const char *cidr,
			      const struct port_spec *ports, size_t n_ports, const char *path)
{
	struct pavise_net_rule r = {};
	struct address a;

	if (ip && cidr) {
		error(b, "%s: set ip or cidr, not both", path);
		return;
	}
	if (cidr) {
		const char *why = parse_cidr(cidr, &a);

		if (why) {
			error(b, "%s.cidr: '%s' %s", path, cidr, why);
			return;
		}
		r.flags = PAVISE_NET_CIDR |
			  (a.family == AF_INET ? PAVISE_NET_IPV4 : PAVISE_NET_IPV6);
		memcpy(r.address, a.addr, 16);
		set_mask(r.mask, a.prefix);
	} else if (!ip) {
		if (n_ports == 0) {
			error(b,
			      "%s: set ip, cidr or ports (a rule for every address and port would block all connections; use a socket rule for that)",
			      path);
			return;
		}
		r.flags = PAVISE_NET_IPV4 | PAVISE_NET_IPV6;
	} else if (strcmp(ip, "pod-self") == 0) {
		r.flags = PAVISE_NET_POD_SELF_IP | PAVISE_NET_IPV4 | PAVISE_NET_IPV6;
	} else if (strcmp(ip, "unspecified") == 0) {
		r.flags = PAVISE_MATCH_PRECISE | PAVISE_NET_IPV4 | PAVISE_NET_IPV6;
		memset(r.mask, 0xff, 16);
	} else if (strcmp(ip, "localhost") == 0) {
		parse_ip("127.0.0.1", &a);
		literal_rule(&a, &r);
		add_destination(b, mode, &r, ports, n_ports);
		parse_ip("::1", &a);
		literal_rule(&a, &r);
	} else if (parse_ip(ip, &a)) {
		literal_rule(&a, &r);
	} else {
		error(b,
		      "%s.ip: '%s' is not an IP address nor one of pod-self, unspecified, localhost",
		      path, ip);
		return;
	}
	add_destination(b, mode, &r, ports, n_ports);
}

/* ports[]: {port 1-65535, endPort >= port}; returns the count or -1 after an error. */
static ssize_t parse_ports(struct builder *b, const json_t *list, const char *path,
			   struct port_spec **ret)
{
	struct port_spec *v;
	size_t n = json_array_size(list);

	*ret = NULL;
	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v) {
		b->oom = -ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		static const char *const keys[] = { "port", "endPort", NULL };
		const json_t *e = json_array_get(list, i), *port, *end;
		char ppath[PATH_MAX_LEN];
		unsigned errs = b->n_errors;
		json_int_t pv = 0, ev = 0;

		fmt_path(ppath, sizeof(ppath), "%s[%zu]", path, i);
		if (!json_is_object(e)) {
			error(b, "%s: must be an object with port and endPort", ppath);
			continue;
		}
		check_keys(b, e, keys, ppath);
		port = get_typed(b, e, "port", JSON_INTEGER, ppath);
		end = get_typed(b, e, "endPort", JSON_INTEGER, ppath);
		if (b->n_errors != errs)
			continue;
		pv = port ? json_integer_value(port) : 0;
		ev = end ? json_integer_value(end) : 0;
		if (pv < 1 || pv > 65535)
			error(b, "%s.port: %lld is not a port (1-65535)", ppath, (long long)pv);
		else if (end && (ev < 1 || ev > 65535))
			error(b, "%s.endPort: %lld is not a port (1-65535)", ppath, (long long)ev);
		else if (end && ev < pv)
			error(b, "%s.endPort: %lld is below port %lld", ppath, (long long)ev,
			      (long long)pv);
		else
			v[i] = (struct port_spec){ (__u16)pv, (__u16)ev };
	}
	*ret = v;
	return (ssize_t)n;
}

/* ---- built-in rules (the catalog's BPF column) ---- */

static __u32 catalog_file_perms(unsigned perms)
{
	__u32 r = 0;

	if (perms & CATALOG_PERM_READ)
		r |= PAVISE_FILE_READ;
	if (perms & CATALOG_PERM_WRITE)
		r |= PAVISE_FILE_WRITE | PAVISE_FILE_APPEND;
	if (perms & CATALOG_PERM_APPEND)
		r |= PAVISE_FILE_APPEND;
	return r;
}

static __u32 catalog_ptrace_perms(unsigned perms)
{
	__u32 r = 0;

	if (perms & CATALOG_PTRACE_TRACE)
		r |= PAVISE_PTRACE_TRACE;
	if (perms & CATALOG_PTRACE_READ)
		r |= PAVISE_PTRACE_READ;
	if (perms & CATALOG_PTRACE_TRACEBY)
		r |= PAVISE_PTRACE_TRACEBY;
	if (perms & CATALOG_PTRACE_READBY)
		r |= PAVISE_PTRACE_READBY;
	return r;
}

static __u64 catalog_names(struct builder *b, const struct catalog_rule *r,
			   const char *const *names, const struct name_bits *t, size_t n,
			   const char *what)
{
	__u64 bits = 0;

	for (; names && *names; names++) {
		__u64 v = lookup_bits(t, n, *names);

		if (!v)
			error(b, "%s: built-in rule '%s' names an unknown socket %s '%s'", EP,
			      r->id, what, *names);
		bits |= v;
	}
	return bits;
}

static bool mount_flag_bits(const char *name, __u32 *flags, __u32 *reverse)
{
	for (size_t i = 0; i < ELEMENTSOF(mount_names); i++)
		if (strcmp(mount_names[i].name, name) == 0) {
			*flags |= mount_names[i].flags;
			*reverse |= mount_names[i].reverse;
			return true;
		}
	return false;
}

static void apply_catalog_entry(struct builder *b, const struct catalog_rule *r,
				const struct catalog_bpf *e, __u32 mode)
{
	struct pavise_path_pattern pat;

	switch (e->kind) {
	case CATALOG_BPF_CAPABILITIES:
		add_caps(b, mode, e->caps);
		break;
	case CATALOG_BPF_FILE:
		if (!catalog_pattern(b, r, e, 0, &pat))
			break;
		if (catalog_file_perms(e->file_perms))
			add_path_rule(b, false, mode, catalog_file_perms(e->file_perms), &pat);
		if (e->file_perms & CATALOG_PERM_EXEC)
			add_path_rule(b, true, mode, PAVISE_FILE_EXEC, &pat);
		break;
	case CATALOG_BPF_EXEC:
		if (catalog_pattern(b, r, e, 0, &pat))
			add_path_rule(b, true, mode, PAVISE_FILE_EXEC, &pat);
		break;
	case CATALOG_BPF_MOUNT: {
		struct pavise_mount_rule m = { .mode = mode };
		const char *fstype = e->fstype ? e->fstype : "*";

		if (!catalog_pattern(b, r, e, BPF_PATTERN_RELATIVE, &m.pattern))
			break;
		if (strlen(fstype) >= PAVISE_FSTYPE_MAX) {
			error(b, "%s: built-in rule '%s' has a too long fstype '%s'", EP, r->id,
			      fstype);
			break;
		}
		memcpy(m.fstype, fstype, strlen(fstype));
		if (!e->mount_flags) {
			m.mount_flags = m.reverse_mount_flags = PAVISE_MS_ALL;
		} else
			for (const char *const *f = e->mount_flags; *f; f++)
				if (!mount_flag_bits(*f, &m.mount_flags, &m.reverse_mount_flags))
					error(b,
					      "%s: built-in rule '%s' names an unknown mount flag '%s'",
					      EP, r->id, *f);
		for (const char *const *f = e->mount_flags_except; f && *f; f++) {
			__u32 clear = 0, ignored = 0;

			if (!mount_flag_bits(*f, &clear, &ignored))
				error(b, "%s: built-in rule '%s' names an unknown mount flag '%s'",
				      EP, r->id, *f);
			m.mount_flags &= ~clear;
		}
		add_mount_rule(b, &m);
		break;
	}
	case CATALOG_BPF_PTRACE:
		add_ptrace(b, mode, catalog_ptrace_perms(e->ptrace_perms), e->strict);
		break;
	case CATALOG_BPF_SOCKET: {
		struct pavise_net_rule n = { .mode = mode, .flags = PAVISE_NET_SOCKET };

		n.domains = catalog_names(b, r, e->domains, domain_names, ELEMENTSOF(domain_names),
					  "domain");
		n.types = catalog_names(b, r, e->types, type_names, ELEMENTSOF(type_names), "type");
		n.protocols = catalog_names(b, r, e->protocols, protocol_names,
					    ELEMENTSOF(protocol_names), "protocol");
		add_net_rule(b, &n);
		break;
	}
	case CATALOG_BPF_EGRESS: {
		char path[PATH_MAX_LEN];
		const char *a = strempty(e->address);

		fmt_path(path, sizeof(path), "%s (built-in rule '%s')", EP, r->id);
		destination_rules(b, mode, strchr(a, '/') ? NULL : a, strchr(a, '/') ? a : NULL,
				  NULL, 0, path);
		break;
	}
	case CATALOG_BPF_SERVICE:
		break; /* warned about once per rule (needs_service_egress) */
	}
}

static void apply_builtin(struct builder *b, const char *id, const char *path, bool warn)
{
	const struct catalog_rule *r = catalog_lookup(id);

	if (!r)
		return; /* unknown IDs are reported by the policy-wide rule check */
	if (r->n_bpf == 0) {
		if (warn)
			warning(b,
				"%s: built-in rule \"%s\" is not implemented by the BPF enforcer; it is ignored there",
				path, r->id);
		return;
	}
	if (r->needs_service_egress && warn)
		warning(b,
			"%s: built-in rule \"%s\" needs Service egress control, which the BPF enforcer does not have yet; its Service rules are ignored",
			path, r->id);
	for (size_t i = 0; i < r->n_bpf; i++) {
		const struct catalog_bpf *e = &r->bpf[i];

		if (e->privileged_only && !b->privileged)
			continue; /* the RuntimeDefault base already denies these mounts */
		apply_catalog_entry(b, r, e, b->default_mode);
	}
}

static void apply_id_list(struct builder *b, const json_t *ep, const char *key)
{
	char path[PATH_MAX_LEN];
	const json_t *list = json_object_get(ep, key);

	if (!json_is_array(list))
		return;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *id = json_string_value(json_array_get(list, i));

		fmt_path(path, sizeof(path), "%s.%s[%zu]", EP, key, i);
		if (id)
			apply_builtin(b, id, path, true);
	}
}

static void apply_builtins(struct builder *b, const json_t *ep)
{
	const json_t *ap = json_object_get(ep, "attackProtectionRules");

	apply_id_list(b, ep, "hardeningRules");
	for (size_t i = 0; json_is_array(ap) && i < json_array_size(ap); i++) {
		const json_t *entry = json_array_get(ap, i);
		const json_t *rules = json_object_get(entry, "rules");
		const json_t *targets = json_object_get(entry, "targets");
		char path[PATH_MAX_LEN];

		if (json_array_size(targets) > 0)
			warning(b,
				"%s.attackProtectionRules[%zu].targets: the BPF enforcer cannot limit rules to given executables; they apply to the whole container",
				EP, i);
		for (size_t k = 0; json_is_array(rules) && k < json_array_size(rules); k++) {
			const char *id = json_string_value(json_array_get(rules, k));

			fmt_path(path, sizeof(path), "%s.attackProtectionRules[%zu].rules[%zu]", EP,
				 i, k);
			if (id)
				apply_builtin(b, id, path, true);
		}
	}
	apply_id_list(b, ep, "vulMitigationRules");
}

/* ---- the RuntimeDefault base (varmor.md section 3) ---- */

static void apply_base(struct builder *b, __u32 mode)
{
	static const char *const denied[] = {
		"/proc/sysrq-trigger",
		"/proc/**/mem",
		"/proc/kmem",
		"/proc/kcore",
		"/sys/firmware/**",
		"/sys/devices/virtual/powercap/**",
		"/sys/kernel/security/**",
	};
	struct pavise_mount_rule m = {
		.mode = mode,
		.mount_flags = MOUNT_ALL_BUT_UMOUNT,
		.reverse_mount_flags = PAVISE_MS_ALL,
		.fstype = "*",
	};
	struct pavise_path_pattern pat;

	for (size_t i = 0; i < ELEMENTSOF(denied); i++)
		if (bpf_pattern_compile(denied[i], 0, &pat, NULL) == 0)
			add_path_rule(b, false, mode, FILE_PERMS_RWA, &pat);
	if (bpf_pattern_compile("**", 0, &m.pattern, NULL) == 0)
		add_mount_rule(b, &m);
	add_ptrace(b, mode, PAVISE_PTRACE_TRACE | PAVISE_PTRACE_READ, false);
}

/* ---- bpfRawRules ---- */

static void raw_file_rule(struct builder *b, const json_t *rule, const char *path)
{
	static const char *const keys[] = { "qualifiers", "pattern", "permissions", NULL };
	const json_t *pattern, *perms;
	struct pavise_path_pattern pat;
	char ppath[PATH_MAX_LEN];
	__u32 file = 0, exec = 0, mode;
	bool ok;

	if (!json_is_object(rule)) {
		error(b, "%s: must be an object with pattern and permissions", path);
		return;
	}
	check_keys(b, rule, keys, path);
	mode = qualifiers_mode(b, rule, path);
	pattern = get_typed(b, rule, "pattern", JSON_STRING, path);
	perms = get_typed(b, rule, "permissions", JSON_ARRAY, path);
	fmt_path(ppath, sizeof(ppath), "%s.pattern", path);
	if (!pattern) {
		if (!json_object_get(rule, "pattern") ||
		    json_is_null(json_object_get(rule, "pattern")))
			error(b, "%s: is required", ppath);
		ok = false;
	} else {
		ok = compile_pattern(b, json_string_value(pattern), 0, ppath, &pat);
		warn_literal_glob(b, json_string_value(pattern), ppath);
	}
	fmt_path(ppath, sizeof(ppath), "%s.permissions", path);
	for (size_t i = 0; perms && i < json_array_size(perms); i++) {
		const char *s = list_string(b, perms, i, ppath);

		if (!s)
			continue;
		if (is_all(s)) {
			file |= FILE_PERMS_RWA;
			exec |= PAVISE_FILE_EXEC;
		} else if (strcasecmp(s, "read") == 0 || strcasecmp(s, "r") == 0)
			file |= PAVISE_FILE_READ;
		else if (strcasecmp(s, "write") == 0 || strcasecmp(s, "w") == 0)
			file |= PAVISE_FILE_WRITE | PAVISE_FILE_APPEND;
		else if (strcasecmp(s, "append") == 0 || strcasecmp(s, "a") == 0)
			file |= PAVISE_FILE_APPEND;
		else if (strcasecmp(s, "exec") == 0 || strcasecmp(s, "x") == 0)
			exec |= PAVISE_FILE_EXEC;
		else
			error(b,
			      "%s[%zu]: unknown permission '%s' (all, read, write, append, exec or r, w, a, x, *)",
			      ppath, i, s);
	}
	if (!file && !exec && pattern)
		warning(b, "%s: no permissions, the rule has no effect", ppath);
	if (!ok)
		return;
	if (file)
		add_path_rule(b, false, mode, file, &pat);
	if (exec)
		add_path_rule(b, true, mode, PAVISE_FILE_EXEC, &pat);
}

static __u64 socket_names(struct builder *b, const json_t *rule, const char *key,
			  const struct name_bits *t, size_t n, const char *what, const char *path)
{
	char lpath[PATH_MAX_LEN];
	const json_t *list = get_typed(b, rule, key, JSON_ARRAY, path);
	__u64 bits = 0;

	fmt_path(lpath, sizeof(lpath), "%s.%s", path, key);
	for (size_t i = 0; list && i < json_array_size(list); i++) {
		const char *s = list_string(b, list, i, lpath);
		__u64 v;

		if (!s)
			continue;
		v = lookup_bits(t, n, s);
		if (!v)
			error(b, "%s[%zu]: unknown socket %s '%s'", lpath, i, what, s);
		bits |= v;
	}
	return bits;
}

static void raw_socket_rule(struct builder *b, const json_t *rule, const char *path)
{
	static const char *const keys[] = { "qualifiers", "domains", "types", "protocols", NULL };
	struct pavise_net_rule n = { .flags = PAVISE_NET_SOCKET };
	unsigned errs = b->n_errors;

	if (!json_is_object(rule)) {
		error(b, "%s: must be an object with domains, types or protocols", path);
		return;
	}
	check_keys(b, rule, keys, path);
	n.mode = qualifiers_mode(b, rule, path);
	n.domains = socket_names(b, rule, "domains", domain_names, ELEMENTSOF(domain_names),
				 "domain", path);
	n.types = socket_names(b, rule, "types", type_names, ELEMENTSOF(type_names), "type", path);
	n.protocols = socket_names(b, rule, "protocols", protocol_names, ELEMENTSOF(protocol_names),
				   "protocol", path);
	if (json_array_size(json_object_get(rule, "types")) &&
	    json_array_size(json_object_get(rule, "protocols")))
		error(b, "%s: set types or protocols, not both", path);
	else if (b->n_errors == errs && !n.domains && !n.types && !n.protocols)
		error(b, "%s: set at least one of domains, types, protocols", path);
	if (b->n_errors == errs)
		add_net_rule(b, &n);
}

static void raw_destination(struct builder *b, const json_t *dest, const char *path, bool legacy)
{
	static const char *const keys[] = { "qualifiers", "ip", "cidr", "ports", NULL };
	static const char *const legacy_keys[] = { "ip", "ipBlock", "port", NULL };
	_cleanup_free_ struct port_spec *ports = NULL;
	const json_t *ip, *cidr;
	char ppath[PATH_MAX_LEN];
	unsigned errs = b->n_errors;
	ssize_t n_ports = 0;
	__u32 mode;

	if (!json_is_object(dest)) {
		error(b, "%s: must be an object", path);
		return;
	}
	check_keys(b, dest, legacy ? legacy_keys : keys, path);
	mode = legacy ? b->default_mode : qualifiers_mode(b, dest, path);
	ip = get_typed(b, dest, "ip", JSON_STRING, path);
	cidr = get_typed(b, dest, legacy ? "ipBlock" : "cidr", JSON_STRING, path);
	if (legacy) {
		const json_t *port = get_typed(b, dest, "port", JSON_INTEGER, path);
		json_int_t pv = port ? json_integer_value(port) : 0;

		if (port && (pv < 0 || pv > 65535))
			error(b, "%s.port: %lld is not a port (1-65535)", path, (long long)pv);
		else if (pv > 0) {
			ports = calloc(1, sizeof(*ports));
			if (!ports) {
				b->oom = -ENOMEM;
				return;
			}
			ports[0].port = (__u16)pv;
			n_ports = 1;
		}
	} else {
		const json_t *list = get_typed(b, dest, "ports", JSON_ARRAY, path);

		fmt_path(ppath, sizeof(ppath), "%s.ports", path);
		n_ports = list ? parse_ports(b, list, ppath, &ports) : 0;
	}
	if (b->n_errors != errs || n_ports < 0)
		return;
	destination_rules(b, mode, ip && *json_string_value(ip) ? json_string_value(ip) : NULL,
			  cidr && *json_string_value(cidr) ? json_string_value(cidr) : NULL, ports,
			  (size_t)n_ports, path);
}

static void check_selector(struct builder *b, const json_t *obj, const char *key, const char *path)
{
	_cleanup_(label_selector_freep) struct label_selector *sel = NULL;
	const char *field = NULL, *msg = NULL;
	const json_t *s = json_object_get(obj, key);

	if (!s || json_is_null(s))
		return;
	if (label_selector_parse(s, &sel, &field, &msg) < 0)
		error(b, "%s.%s%s%s: %s", path, key, field ? "." : "", strempty(field), strna(msg));
}

static void raw_service(struct builder *b, const json_t *svc, const char *path)
{
	static const char *const keys[] = { "qualifiers", "namespace", "name", "serviceSelector",
					    NULL };
	const json_t *name, *ns;

	if (!json_is_object(svc)) {
		error(b, "%s: must be an object", path);
		return;
	}
	check_keys(b, svc, keys, path);
	(void)qualifiers_mode(b, svc, path);
	name = get_typed(b, svc, "name", JSON_STRING, path);
	ns = get_typed(b, svc, "namespace", JSON_STRING, path);
	if (get_typed(b, svc, "serviceSelector", JSON_OBJECT, path))
		check_selector(b, svc, "serviceSelector", path);
	if (name && json_object_get(svc, "serviceSelector") &&
	    !json_is_null(json_object_get(svc, "serviceSelector")))
		error(b, "%s: set name or serviceSelector, not both", path);
	else if (name && !ns)
		error(b, "%s: a service selected by name needs its namespace", path);
	else if (!name && (!json_object_get(svc, "serviceSelector") ||
			   json_is_null(json_object_get(svc, "serviceSelector"))))
		error(b, "%s: set name (with namespace) or serviceSelector", path);
	warning(b,
		"%s: Service egress rules need cluster egress control, which the BPF enforcer does not have yet; ignored",
		path);
}

static void raw_pod(struct builder *b, const json_t *pod, const char *path)
{
	static const char *const keys[] = { "qualifiers", "namespace", "podSelector", "ports",
					    NULL };
	_cleanup_free_ struct port_spec *ports = NULL;
	const json_t *list;
	char ppath[PATH_MAX_LEN];

	if (!json_is_object(pod)) {
		error(b, "%s: must be an object", path);
		return;
	}
	check_keys(b, pod, keys, path);
	(void)qualifiers_mode(b, pod, path);
	get_typed(b, pod, "namespace", JSON_STRING, path);
	if (get_typed(b, pod, "podSelector", JSON_OBJECT, path))
		check_selector(b, pod, "podSelector", path);
	else if (!json_object_get(pod, "podSelector") ||
		 json_is_null(json_object_get(pod, "podSelector")))
		error(b, "%s.podSelector: is required", path);
	list = get_typed(b, pod, "ports", JSON_ARRAY, path);
	fmt_path(ppath, sizeof(ppath), "%s.ports", path);
	if (list)
		(void)parse_ports(b, list, ppath, &ports);
	warning(b,
		"%s: Pod egress rules need cluster egress control, which the BPF enforcer does not have yet; ignored",
		path);
}

static void raw_ptrace(struct builder *b, const json_t *rule, const char *path)
{
	static const char *const keys[] = { "qualifiers", "strictMode", "permissions", NULL };
	const json_t *perms, *strict;
	char ppath[PATH_MAX_LEN];
	__u32 bits = 0, mode;

	if (!json_is_object(rule)) {
		error(b, "%s: must be an object with permissions and strictMode", path);
		return;
	}
	check_keys(b, rule, keys, path);
	mode = qualifiers_mode(b, rule, path);
	strict = get_typed(b, rule, "strictMode", JSON_TRUE, path);
	perms = get_typed(b, rule, "permissions", JSON_ARRAY, path);
	fmt_path(ppath, sizeof(ppath), "%s.permissions", path);
	for (size_t i = 0; perms && i < json_array_size(perms); i++) {
		const char *s = list_string(b, perms, i, ppath);
		__u64 v;

		if (!s)
			continue;
		v = lookup_bits(ptrace_names, ELEMENTSOF(ptrace_names), s);
		if (!v)
			error(b,
			      "%s[%zu]: unknown ptrace permission '%s' (all, trace, traceby, read, readby)",
			      ppath, i, s);
		bits |= (__u32)v;
	}
	if (!bits) {
		if (perms)
			warning(b, "%s: no permissions, the rule has no effect", ppath);
		return;
	}
	if (json_is_true(strict) && b->rs.ptrace_precise)
		warning(b,
			"%s: strictMode applies to every ptrace permission of the profile, including those of the RuntimeDefault base and built-in rules",
			path);
	add_ptrace(b, mode, bits, json_is_true(strict));
}

static void raw_mount(struct builder *b, const json_t *rule, const char *path)
{
	static const char *const keys[] = { "qualifiers", "sourcePattern", "fstype", "flags",
					    NULL };
	struct pavise_mount_rule m = {};
	const json_t *src, *fstype, *flags;
	char ppath[PATH_MAX_LEN];
	unsigned errs = b->n_errors;

	if (!json_is_object(rule)) {
		error(b, "%s: must be an object with sourcePattern, fstype and flags", path);
		return;
	}
	check_keys(b, rule, keys, path);
	m.mode = qualifiers_mode(b, rule, path);
	src = get_typed(b, rule, "sourcePattern", JSON_STRING, path);
	fstype = get_typed(b, rule, "fstype", JSON_STRING, path);
	flags = get_typed(b, rule, "flags", JSON_ARRAY, path);
	fmt_path(ppath, sizeof(ppath), "%s.sourcePattern", path);
	if (src) {
		compile_pattern(b, json_string_value(src), BPF_PATTERN_RELATIVE, ppath, &m.pattern);
		warn_literal_glob(b, json_string_value(src), ppath);
	} else if (b->n_errors == errs)
		error(b, "%s: is required", ppath);
	if (!fstype) {
		if (b->n_errors == errs)
			error(b, "%s.fstype: is required ('*' for any filesystem type)", path);
	} else if (!*json_string_value(fstype) ||
		   strlen(json_string_value(fstype)) >= PAVISE_FSTYPE_MAX)
		error(b, "%s.fstype: '%s' must have 1 to %d bytes", path, json_string_value(fstype),
		      PAVISE_FSTYPE_MAX - 1);
	else
		memcpy(m.fstype, json_string_value(fstype), strlen(json_string_value(fstype)));
	fmt_path(ppath, sizeof(ppath), "%s.flags", path);
	for (size_t i = 0; flags && i < json_array_size(flags); i++) {
		const char *s = list_string(b, flags, i, ppath);

		if (s && !mount_flag_bits(s, &m.mount_flags, &m.reverse_mount_flags))
			error(b,
			      "%s[%zu]: unknown mount flag '%s' (see MountRule.flags; names are case-sensitive)",
			      ppath, i, s);
	}
	if (!m.mount_flags && !m.reverse_mount_flags && b->n_errors == errs)
		warning(b, "%s: no flags, the rule has no effect", ppath);
	if (b->n_errors != errs)
		return;
	if (!b->privileged) {
		warning(b,
			"%s: mount rules are only enforced when privileged is true (the RuntimeDefault base already denies every mount but umount); ignored",
			path);
		return;
	}
	add_mount_rule(b, &m);
}

static void raw_rule_list(struct builder *b, const json_t *obj, const char *key, const char *path,
			  void (*fn)(struct builder *, const json_t *, const char *))
{
	const json_t *list = get_typed(b, obj, key, JSON_ARRAY, path);
	char ipath[PATH_MAX_LEN];

	for (size_t i = 0; list && i < json_array_size(list); i++) {
		fmt_path(ipath, sizeof(ipath), "%s.%s[%zu]", path, key, i);
		fn(b, json_array_get(list, i), ipath);
	}
}

static void raw_destination_v1(struct builder *b, const json_t *dest, const char *path)
{
	raw_destination(b, dest, path, false);
}

static void raw_destination_legacy(struct builder *b, const json_t *dest, const char *path)
{
	raw_destination(b, dest, path, true);
}

static void raw_network(struct builder *b, const json_t *net)
{
	static const char *const keys[] = { "sockets", "egress", "egresses", NULL };
	static const char *const egress_keys[] = { "toDestinations", "toServices", "toPods", NULL };
	const char *path = RAW ".network";
	const json_t *egress;

	check_keys(b, net, keys, path);
	raw_rule_list(b, net, "sockets", path, raw_socket_rule);
	egress = get_typed(b, net, "egress", JSON_OBJECT, path);
	if (egress) {
		check_keys(b, egress, egress_keys, RAW ".network.egress");
		raw_rule_list(b, egress, "toDestinations", RAW ".network.egress",
			      raw_destination_v1);
		raw_rule_list(b, egress, "toServices", RAW ".network.egress", raw_service);
		raw_rule_list(b, egress, "toPods", RAW ".network.egress", raw_pod);
	}
	if (json_array_size(json_object_get(net, "egresses")) > 0)
		warning(b,
			"%s.egresses: vArmor v0.5.6 field, read as egress.toDestinations (ipBlock as cidr, port as ports); please move to egress.toDestinations",
			path);
	raw_rule_list(b, net, "egresses", path, raw_destination_legacy);
}

static void apply_raw(struct builder *b, const json_t *ep)
{
	static const char *const keys[] = { "files",  "processes", "network",
					    "ptrace", "mounts",	   NULL };
	const json_t *raw = get_typed(b, ep, "bpfRawRules", JSON_OBJECT, EP);
	const json_t *v;

	if (!raw)
		return;
	check_keys(b, raw, keys, RAW);
	raw_rule_list(b, raw, "files", RAW, raw_file_rule);
	raw_rule_list(b, raw, "processes", RAW, raw_file_rule);
	v = get_typed(b, raw, "network", JSON_OBJECT, RAW);
	if (v)
		raw_network(b, v);
	v = get_typed(b, raw, "ptrace", JSON_OBJECT, RAW);
	if (v)
		raw_ptrace(b, v, RAW ".ptrace");
	raw_rule_list(b, raw, "mounts", RAW, raw_mount);
}

/* ---- the whole policy ---- */

static void check_counts(struct builder *b)
{
	static const char *const what[] = { "file", "process (exec)", "network", "mount" };
	size_t n[] = { b->rs.n_files, b->rs.n_processes, b->rs.n_nets, b->rs.n_mounts };

	for (size_t i = 0; i < ELEMENTSOF(n); i++)
		if (n[i] > PAVISE_MAX_RULES)
			error(b,
			      "%s: the BPF profile needs %zu %s rules (base, built-in and bpfRawRules together, after expansion); at most %d fit",
			      EP, n[i], what[i], PAVISE_MAX_RULES);
}

/*
 * Builds the profile's rules. bpfRawRules are checked whenever the policy has
 * them, whether or not it selects BPF or EnhanceProtect (a malformed field is
 * a mistake either way; the policy may switch later), but without warnings:
 * those, the built-in rules and the rule counts concern the BPF profile that
 * an EnhanceProtect policy selecting BPF actually gets.
 */
static int build(const struct policy *p, struct policy_diags *d, struct builder *b)
{
	const json_t *ep = json_path(p->object, "spec", "policy", "enhanceProtect", NULL);
	bool bpf = p->enforcers & ENFORCER_BPF;

	*b = (struct builder){ .p = p, .d = d, .disp = compile_disposition(p) };
	b->default_mode = (b->disp.allow ? 0 : PAVISE_RULE_DENY) |
			  (b->disp.audit ? PAVISE_RULE_AUDIT : 0);
	b->privileged = json_is_true(json_object_get(ep, "privileged"));
	if (!bpf || p->mode != MODE_ENHANCE_PROTECT) {
		if (json_is_object(ep)) {
			b->quiet = true;
			apply_raw(b, ep);
			rule_set_done(&b->rs);
			b->rs = (struct rule_set){};
			b->quiet = false;
		}
		if (!bpf)
			return b->oom;
	}
	switch (p->mode) {
	case MODE_ALWAYS_ALLOW:
	case MODE_BEHAVIOR_MODELING:
		return b->oom;
	case MODE_RUNTIME_DEFAULT:
		b->default_mode = PAVISE_RULE_DENY;
		apply_base(b, b->default_mode);
		return b->oom;
	case MODE_DEFENSE_IN_DEPTH:
		error(b,
		      "spec.policy.mode: the BPF enforcer does not support DefenseInDepth (as in vArmor); remove BPF from spec.policy.enforcer or choose another mode");
		return b->oom;
	case MODE_ENHANCE_PROTECT:
	case _MODE_MAX:
		break;
	}
	if (!b->privileged)
		apply_base(b, b->default_mode);
	if (json_is_object(ep)) {
		apply_builtins(b, ep);
		apply_raw(b, ep);
	}
	check_counts(b);
	return b->oom;
}

int bpf_content_validate(const struct policy *p, struct policy_diags *d)
{
	struct builder b;
	int r;

	r = build(p, d, &b);
	rule_set_done(&b.rs);
	if (r < 0)
		return r;
	return b.n_errors ? -EINVAL : 0;
}

int bpf_content_compile(const struct policy *p, json_t **ret_content)
{
	_cleanup_free_ struct pavise_bpf_profile *prof = NULL;
	struct builder b;
	int r;

	r = build(p, NULL, &b);
	if (r >= 0 && b.n_errors)
		r = -EINVAL;
	if (r >= 0) {
		prof = calloc(1, sizeof(*prof));
		if (!prof)
			r = -ENOMEM;
	}
	if (r >= 0) {
		prof->mode = PAVISE_PROFILE_ENFORCE;
		prof->n_files = (__u32)b.rs.n_files;
		prof->n_processes = (__u32)b.rs.n_processes;
		prof->n_networks = (__u32)b.rs.n_nets;
		prof->n_mounts = (__u32)b.rs.n_mounts;
		if (b.rs.n_files)
			memcpy(prof->files, b.rs.files, b.rs.n_files * sizeof(*b.rs.files));
		if (b.rs.n_processes)
			memcpy(prof->processes, b.rs.processes,
			       b.rs.n_processes * sizeof(*b.rs.processes));
		if (b.rs.n_nets)
			memcpy(prof->networks, b.rs.nets, b.rs.n_nets * sizeof(*b.rs.nets));
		if (b.rs.n_mounts)
			memcpy(prof->mounts, b.rs.mounts, b.rs.n_mounts * sizeof(*b.rs.mounts));
		prof->capabilities = b.rs.caps;
		prof->ptrace = b.rs.ptrace;
		r = bpf_content_decode(prof, ret_content);
	}
	rule_set_done(&b.rs);
	return r;
}

const char *bpf_content_profile_mode(const struct policy *p)
{
	return p->mode == MODE_BEHAVIOR_MODELING ? "complain" : "enforce";
}

int bpf_content_profile_mode_from_string(const char *s, __u32 *ret_mode)
{
	if (s && strcmp(s, "enforce") == 0)
		*ret_mode = PAVISE_PROFILE_ENFORCE;
	else if (s && strcmp(s, "complain") == 0)
		*ret_mode = PAVISE_PROFILE_COMPLAIN;
	else
		return -EINVAL;
	return 0;
}

/* ---- BpfContent -> records (the node; content comes from the API server) ---- */

struct decoder {
	char *msg;
	int r;
};

_printf_(3, 4) static int fail(struct decoder *dc, int r, const char *fmt, ...)
{
	va_list ap;

	if (dc->r < 0)
		return dc->r;
	dc->r = r;
	va_start(ap, fmt);
	if (vasprintf(&dc->msg, fmt, ap) < 0)
		dc->msg = NULL;
	va_end(ap);
	return r;
}

static int only_keys(struct decoder *dc, const json_t *obj, const char *const *allowed,
		     const char *path)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool ok = false;

		for (const char *const *a = allowed; *a && !ok; a++)
			ok = strcmp(*a, key) == 0;
		if (!ok)
			return fail(dc, -EINVAL, "%s: unknown field '%s'", path, key);
	}
	return 0;
}

/* An unsigned field; absent or null gives def. */
static int get_uint(struct decoder *dc, const json_t *obj, const char *key, const char *path,
		    __u64 max, __u64 def, __u64 *ret)
{
	const json_t *v = json_object_get(obj, key);
	json_int_t i;

	if (!v || json_is_null(v)) {
		*ret = def;
		return 0;
	}
	if (!json_is_integer(v))
		return fail(dc, -EINVAL, "%s.%s: must be an unsigned integer", path, key);
	i = json_integer_value(v);
	if (i < 0 || (__u64)i > max)
		return fail(dc, -EINVAL, "%s.%s: %lld is out of range (0-%llu)", path, key,
			    (long long)i, (unsigned long long)max);
	*ret = (__u64)i;
	return 0;
}

static int get_u32(struct decoder *dc, const json_t *obj, const char *key, const char *path,
		   __u32 max, __u32 *ret)
{
	__u64 v = 0;
	int r = get_uint(dc, obj, key, path, max, 0, &v);

	if (r >= 0)
		*ret = (__u32)v;
	return r;
}

/* A bit set: only bits of `known` may be set. */
static int get_bits(struct decoder *dc, const json_t *obj, const char *key, const char *path,
		    __u32 known, __u32 *ret)
{
	__u64 v = 0;
	int r = get_uint(dc, obj, key, path, UINT32_MAX, 0, &v);

	if (r < 0)
		return r;
	if (v & ~(__u64)known)
		return fail(dc, -EINVAL, "%s.%s: 0x%llx has unknown bits (known: 0x%x)", path, key,
			    (unsigned long long)v, known);
	*ret = (__u32)v;
	return 0;
}

static int get_mode(struct decoder *dc, const json_t *obj, const char *path, __u32 *ret)
{
	__u64 v = 0;
	/* vArmor before v0.6 wrote no mode: its rules always denied. */
	int r = get_uint(dc, obj, "mode", path, PAVISE_RULE_MODES, PAVISE_RULE_DENY, &v);

	if (r >= 0)
		*ret = (__u32)v;
	return r;
}

/* A string field of at most max bytes; NULL when absent or null. */
static int get_str(struct decoder *dc, const json_t *obj, const char *key, const char *path,
		   size_t max, const char **ret)
{
	const json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(dc, -EINVAL, "%s.%s: must be a string", path, key);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return fail(dc, -EINVAL, "%s.%s: contains a NUL byte", path, key);
	if (json_string_length(v) > max)
		return fail(dc, -EINVAL, "%s.%s: longer than %zu bytes", path, key, max);
	*ret = json_string_value(v);
	return 0;
}

static int get_object(struct decoder *dc, const json_t *obj, const char *key, const char *path,
		      const json_t **ret)
{
	const json_t *v = json_object_get(obj, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return fail(dc, -EINVAL, "%s.%s: must be an object", path, key);
	*ret = v;
	return 0;
}

static int encode_pattern(struct decoder *dc, const json_t *obj, const char *path,
			  struct pavise_path_pattern *ret)
{
	static const char *const keys[] = { "flags", "prefix", "suffix", NULL };
	const char *prefix = NULL, *suffix = NULL;
	const json_t *pat;
	char ppath[PATH_MAX_LEN];
	__u32 f;

	fmt_path(ppath, sizeof(ppath), "%s.pattern", path);
	if (get_object(dc, obj, "pattern", path, &pat) < 0)
		return dc->r;
	if (!pat)
		return fail(dc, -EINVAL, "%s: is required", ppath);
	if (only_keys(dc, pat, keys, ppath) < 0 ||
	    get_bits(dc, pat, "flags", ppath, PAVISE_MATCH_MASK, &f) < 0 ||
	    get_str(dc, pat, "prefix", ppath, PAVISE_PATTERN_MAX - 1, &prefix) < 0 ||
	    get_str(dc, pat, "suffix", ppath, PAVISE_PATTERN_MAX - 1, &suffix) < 0)
		return dc->r;
	*ret = (struct pavise_path_pattern){ .flags = f };
	if (prefix && *prefix) {
		if (strstr(prefix, BPF_CONTENT_DISK_DEVICES))
			return fail(
				dc, -EINVAL,
				"%s.prefix: holds the disk-device placeholder '%s'; the node expands it (bpf_content_expand_disk_devices) before encoding",
				ppath, BPF_CONTENT_DISK_DEVICES);
		memcpy(ret->prefix, prefix, strlen(prefix));
	}
	if (suffix && *suffix && bpf_pattern_suffix_from_json(suffix, ret->suffix) < 0)
		return fail(dc, -EINVAL, "%s.suffix: not a valid suffix", ppath);
	if (!!(f & PAVISE_MATCH_PREFIX) != !!ret->prefix[0])
		return fail(dc, -EINVAL,
			    "%s: the PREFIX flag (0x4) and a non-empty prefix go together", ppath);
	if (!!(f & PAVISE_MATCH_SUFFIX) != !!ret->suffix[0])
		return fail(dc, -EINVAL,
			    "%s: the SUFFIX flag (0x8) and a non-empty suffix go together", ppath);
	if ((f & PAVISE_MATCH_PRECISE) &&
	    (f & (PAVISE_MATCH_GREEDY | PAVISE_MATCH_SUFFIX) || !(f & PAVISE_MATCH_PREFIX)))
		return fail(dc, -EINVAL,
			    "%s: PRECISE (0x1) takes a prefix only, without GREEDY or a suffix",
			    ppath);
	if (!(f & (PAVISE_MATCH_PRECISE | PAVISE_MATCH_GREEDY)) &&
	    (memchr(ret->prefix, '/', PAVISE_PATTERN_MAX) ||
	     memchr(ret->suffix, '/', PAVISE_PATTERN_MAX)))
		return fail(
			dc, -EINVAL,
			"%s: a file-name pattern (neither PRECISE nor GREEDY) cannot contain '/'",
			ppath);
	return 0;
}

static int check_array(struct decoder *dc, const json_t *content, const char *key,
		       const json_t **ret)
{
	const json_t *v = json_object_get(content, key);

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return fail(dc, -EINVAL, "%s: must be a list", key);
	if (json_array_size(v) > PAVISE_MAX_RULES)
		return fail(dc, -E2BIG, "%s: %zu rules; at most %d fit", key, json_array_size(v),
			    PAVISE_MAX_RULES);
	*ret = v;
	return 0;
}

static int encode_file_rules(struct decoder *dc, const json_t *content, const char *key,
			     struct pavise_file_rule *rules, __u32 *n)
{
	static const char *const keys[] = { "mode", "permissions", "pattern", NULL };
	const json_t *list;

	if (check_array(dc, content, key, &list) < 0 || !list)
		return dc->r;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		struct pavise_file_rule *r = &rules[i];
		char path[PATH_MAX_LEN];

		fmt_path(path, sizeof(path), "%s[%zu]", key, i);
		if (!json_is_object(e))
			return fail(dc, -EINVAL, "%s: must be an object", path);
		if (only_keys(dc, e, keys, path) < 0 || get_mode(dc, e, path, &r->mode) < 0 ||
		    get_bits(dc, e, "permissions", path, PAVISE_FILE_MASK, &r->permissions) < 0 ||
		    encode_pattern(dc, e, path, &r->pattern) < 0)
			return dc->r;
	}
	*n = (__u32)json_array_size(list);
	return 0;
}

static int encode_ports(struct decoder *dc, const json_t *addr, const char *path,
			struct pavise_net_rule *r)
{
	const json_t *ports = json_object_get(addr, "ports");
	__u32 kind = r->flags & (PAVISE_NET_PORT | PAVISE_NET_PORT_RANGE | PAVISE_NET_PORTS);
	__u32 port, end;

	if (kind & (kind - 1))
		return fail(dc, -EINVAL, "%s: PORT, PORT_RANGE and PORTS exclude each other", path);
	if (get_u32(dc, addr, "port", path, 65535, &port) < 0 ||
	    get_u32(dc, addr, "endPort", path, 65535, &end) < 0)
		return dc->r;
	if (ports && !json_is_null(ports) && !json_is_array(ports))
		return fail(dc, -EINVAL, "%s.ports: must be a list", path);
	if (kind != PAVISE_NET_PORTS && json_array_size(ports) > 0)
		return fail(dc, -EINVAL, "%s.ports: set without the PORTS flag (0x800)", path);
	switch (kind) {
	case 0:
		if (port || end)
			return fail(dc, -EINVAL, "%s: port set without a port flag", path);
		return 0;
	case PAVISE_NET_PORT:
		if (!port || end)
			return fail(dc, -EINVAL,
				    "%s: PORT (0x100) takes one port 1-65535 and no endPort", path);
		r->port = (__u16)port;
		return 0;
	case PAVISE_NET_PORT_RANGE:
		if (!port || end <= port)
			return fail(
				dc, -EINVAL,
				"%s: PORT_RANGE (0x400) takes port 1-65535 and endPort above it",
				path);
		r->port = (__u16)port;
		r->end_port = (__u16)end;
		return 0;
	default:
		break;
	}
	if (port || end)
		return fail(dc, -EINVAL, "%s: PORTS (0x800) takes ports[] only", path);
	if (json_array_size(ports) < 1 || json_array_size(ports) > PAVISE_PORTS_MAX)
		return fail(dc, -EINVAL, "%s.ports: 1 to %d ports with PORTS (0x800)", path,
			    PAVISE_PORTS_MAX);
	for (size_t i = 0; i < json_array_size(ports); i++) {
		const json_t *v = json_array_get(ports, i);

		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 65535)
			return fail(dc, -EINVAL, "%s.ports[%zu]: not a port (1-65535)", path, i);
		r->ports[i] = (__u16)json_integer_value(v);
	}
	return 0;
}

static int encode_address(struct decoder *dc, const json_t *e, const char *path,
			  struct pavise_net_rule *r)
{
	static const char *const keys[] = { "ip", "cidr", "port", "endPort", "ports", NULL };
	__u32 fam = r->flags & (PAVISE_NET_IPV4 | PAVISE_NET_IPV6);
	__u32 kind = r->flags & (PAVISE_MATCH_PRECISE | PAVISE_NET_CIDR | PAVISE_NET_POD_SELF_IP);
	const char *ip = NULL, *cidr = NULL;
	const json_t *addr;
	char apath[PATH_MAX_LEN];
	struct address a;

	fmt_path(apath, sizeof(apath), "%s.address", path);
	if (get_object(dc, e, "address", path, &addr) < 0)
		return dc->r;
	if (json_object_get(e, "socket") && !json_is_null(json_object_get(e, "socket")))
		return fail(dc, -EINVAL, "%s.socket: set without the SOCKET flag (0x200)", path);
	if (!fam)
		return fail(dc, -EINVAL,
			    "%s.flags: a connect rule needs IPV4 (0x40) and/or IPV6 (0x80)", path);
	if (kind & (kind - 1))
		return fail(dc, -EINVAL,
			    "%s.flags: PRECISE, CIDR and POD_SELF_IP exclude each other", path);
	/* A missing address reads as an empty one (jansson getters take NULL). */
	if (only_keys(dc, addr, keys, apath) < 0 ||
	    get_str(dc, addr, "ip", apath, INET6_ADDRSTRLEN, &ip) < 0 ||
	    get_str(dc, addr, "cidr", apath, INET6_ADDRSTRLEN + 4, &cidr) < 0)
		return dc->r;
	if (ip && !*ip)
		ip = NULL;
	if (cidr && !*cidr)
		cidr = NULL;
	switch (kind) {
	case 0:
		if (ip || cidr)
			fail(dc, -EINVAL, "%s: ip or cidr set on a rule for any address", apath);
		break;
	case PAVISE_NET_POD_SELF_IP:
		if (cidr || (ip && strcmp(ip, "pod-self") != 0))
			fail(dc, -EINVAL, "%s.ip: POD_SELF_IP (0x1000) takes ip 'pod-self' only",
			     apath);
		break;
	case PAVISE_NET_CIDR: {
		const char *why;

		if (!cidr) {
			fail(dc, -EINVAL, "%s.cidr: required by CIDR (0x20)", apath);
			break;
		}
		why = parse_cidr(cidr, &a);
		if (why) {
			fail(dc, -EINVAL, "%s.cidr: '%s' %s", apath, cidr, why);
			break;
		}
		if (fam != (a.family == AF_INET ? PAVISE_NET_IPV4 : PAVISE_NET_IPV6)) {
			fail(dc, -EINVAL, "%s.flags: the family flag does not match cidr '%s'",
			     path, cidr);
			break;
		}
		if (ip) {
			struct address n;

			if (!parse_ip(ip, &n) || memcmp(n.addr, a.addr, 16) != 0) {
				fail(dc, -EINVAL, "%s.ip: '%s' is not the network of cidr '%s'",
				     apath, ip, cidr);
				break;
			}
		}
		memcpy(r->address, a.addr, 16);
		set_mask(r->mask, a.prefix);
		break;
	}
	default: /* PRECISE */
		if (cidr) {
			fail(dc, -EINVAL, "%s.cidr: set without the CIDR flag (0x20)", apath);
			break;
		}
		if (ip && strcmp(ip, "unspecified") == 0) {
			if (fam != (PAVISE_NET_IPV4 | PAVISE_NET_IPV6))
				fail(dc, -EINVAL, "%s.flags: ip 'unspecified' needs IPV4 and IPV6",
				     path);
			memset(r->mask, 0xff, 16);
			break;
		}
		if (!ip || !parse_ip(ip, &a)) {
			fail(dc, -EINVAL, "%s.ip: '%s' is not an IP address", apath, strempty(ip));
			break;
		}
		if (fam != (a.family == AF_INET ? PAVISE_NET_IPV4 : PAVISE_NET_IPV6)) {
			fail(dc, -EINVAL, "%s.flags: the family flag does not match ip '%s'", path,
			     ip);
			break;
		}
		memcpy(r->address, a.addr, 16);
		set_mask(r->mask, a.family == AF_INET ? 32 : 128);
		break;
	}
	if (dc->r >= 0)
		encode_ports(dc, addr, apath, r);
	return dc->r;
}

static int encode_socket(struct decoder *dc, const json_t *e, const char *path,
			 struct pavise_net_rule *r)
{
	static const char *const keys[] = { "domains", "types", "protocols", NULL };
	const json_t *sock;
	char spath[PATH_MAX_LEN];

	fmt_path(spath, sizeof(spath), "%s.socket", path);
	if (r->flags != PAVISE_NET_SOCKET)
		return fail(dc, -EINVAL, "%s.flags: SOCKET (0x200) stands alone", path);
	if (json_object_get(e, "address") && !json_is_null(json_object_get(e, "address")))
		return fail(dc, -EINVAL, "%s.address: set on a socket rule", path);
	if (get_object(dc, e, "socket", path, &sock) < 0)
		return dc->r;
	if (!sock)
		return fail(dc, -EINVAL, "%s: required by SOCKET (0x200)", spath);
	if (only_keys(dc, sock, keys, spath) < 0 ||
	    get_uint(dc, sock, "domains", spath, UINT64_MAX, 0, &r->domains) < 0 ||
	    get_uint(dc, sock, "types", spath, UINT64_MAX, 0, &r->types) < 0 ||
	    get_uint(dc, sock, "protocols", spath, UINT64_MAX, 0, &r->protocols) < 0)
		return dc->r;
	if (r->types && r->protocols)
		return fail(dc, -EINVAL, "%s: types and protocols exclude each other", spath);
	if (!r->domains && !r->types && !r->protocols)
		return fail(dc, -EINVAL, "%s: domains, types and protocols are all empty", spath);
	return 0;
}

static int encode_networks(struct decoder *dc, const json_t *content, struct pavise_bpf_profile *p)
{
	static const char *const keys[] = { "mode", "flags", "socket", "address", NULL };
	const json_t *list;

	if (check_array(dc, content, "networks", &list) < 0 || !list)
		return dc->r;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		struct pavise_net_rule *r = &p->networks[i];
		char path[PATH_MAX_LEN];

		fmt_path(path, sizeof(path), "networks[%zu]", i);
		if (!json_is_object(e))
			return fail(dc, -EINVAL, "%s: must be an object", path);
		if (only_keys(dc, e, keys, path) < 0 || get_mode(dc, e, path, &r->mode) < 0 ||
		    get_bits(dc, e, "flags", path, PAVISE_NET_MASK, &r->flags) < 0)
			return dc->r;
		if (r->flags & PAVISE_NET_SOCKET ? encode_socket(dc, e, path, r) < 0 :
						   encode_address(dc, e, path, r) < 0)
			return dc->r;
	}
	p->n_networks = (__u32)json_array_size(list);
	return 0;
}

static int encode_mounts(struct decoder *dc, const json_t *content, struct pavise_bpf_profile *p)
{
	static const char *const keys[] = { "mode",    "mountFlags", "reverseMountflags",
					    "pattern", "fstype",     NULL };
	const json_t *list;

	if (check_array(dc, content, "mounts", &list) < 0 || !list)
		return dc->r;
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *e = json_array_get(list, i);
		struct pavise_mount_rule *r = &p->mounts[i];
		const char *fstype = NULL;
		char path[PATH_MAX_LEN];

		fmt_path(path, sizeof(path), "mounts[%zu]", i);
		if (!json_is_object(e))
			return fail(dc, -EINVAL, "%s: must be an object", path);
		if (only_keys(dc, e, keys, path) < 0 || get_mode(dc, e, path, &r->mode) < 0 ||
		    get_u32(dc, e, "mountFlags", path, PAVISE_MS_ALL, &r->mount_flags) < 0 ||
		    get_u32(dc, e, "reverseMountflags", path, PAVISE_MS_ALL,
			    &r->reverse_mount_flags) < 0 ||
		    encode_pattern(dc, e, path, &r->pattern) < 0 ||
		    get_str(dc, e, "fstype", path, PAVISE_FSTYPE_MAX - 1, &fstype) < 0)
			return dc->r;
		if (!fstype || !*fstype)
			return fail(dc, -EINVAL, "%s.fstype: required ('*' for any)", path);
		memcpy(r->fstype, fstype, strlen(fstype));
	}
	p->n_mounts = (__u32)json_array_size(list);
	return 0;
}

static int encode_singles(struct decoder *dc, const json_t *content, struct pavise_bpf_profile *p)
{
	static const char *const cap_keys[] = { "mode", "capabilities", NULL };
	static const char *const ptrace_keys[] = { "mode", "permissions", "flags", NULL };
	const json_t *caps = json_object_get(content, "capabilities"), *pt;

	if (json_is_integer(caps)) { /* vArmor before v0.6: a bare mask, always denied */
		if (json_integer_value(caps) < 0)
			return fail(dc, -EINVAL, "capabilities: must be an unsigned integer");
		p->capabilities.mode = PAVISE_RULE_DENY;
		p->capabilities.caps = (__u64)json_integer_value(caps);
	} else if (caps && !json_is_null(caps)) {
		if (!json_is_object(caps))
			return fail(dc, -EINVAL, "capabilities: must be an object");
		if (only_keys(dc, caps, cap_keys, "capabilities") < 0 ||
		    get_mode(dc, caps, "capabilities", &p->capabilities.mode) < 0 ||
		    get_uint(dc, caps, "capabilities", "capabilities", UINT64_MAX, 0,
			     &p->capabilities.caps) < 0)
			return dc->r;
	}
	if (get_object(dc, content, "ptrace", "BpfContent", &pt) < 0)
		return dc->r;
	if (pt) {
		if (only_keys(dc, pt, ptrace_keys, "ptrace") < 0 ||
		    get_mode(dc, pt, "ptrace", &p->ptrace.mode) < 0 ||
		    get_bits(dc, pt, "permissions", "ptrace", PAVISE_PTRACE_MASK,
			     &p->ptrace.permissions) < 0 ||
		    get_bits(dc, pt, "flags", "ptrace", PAVISE_MATCH_PRECISE | PAVISE_MATCH_GREEDY,
			     &p->ptrace.flags) < 0)
			return dc->r;
		if (p->ptrace.permissions && !p->ptrace.flags)
			return fail(dc, -EINVAL,
				    "ptrace.flags: PRECISE (0x1) or GREEDY (0x2) is required");
	}
	return 0;
}

int bpf_content_encode(const json_t *content, struct pavise_bpf_profile *ret, char **reterr_msg)
{
	static const char *const keys[] = { "capabilities", "files",  "processes", "networks",
					    "ptrace",	    "mounts", NULL };
	_cleanup_free_ struct pavise_bpf_profile *p = NULL;
	struct decoder dc = {};

	if (!json_is_object(content))
		fail(&dc, -EINVAL, "BpfContent: must be an object");
	else {
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->mode = PAVISE_PROFILE_ENFORCE;
		if (only_keys(&dc, content, keys, "BpfContent") >= 0 &&
		    encode_singles(&dc, content, p) >= 0 &&
		    encode_file_rules(&dc, content, "files", p->files, &p->n_files) >= 0 &&
		    encode_file_rules(&dc, content, "processes", p->processes, &p->n_processes) >=
			    0 &&
		    encode_networks(&dc, content, p) >= 0)
			encode_mounts(&dc, content, p);
	}
	if (dc.r < 0) {
		if (reterr_msg)
			*reterr_msg = dc.msg;
		else
			free(dc.msg);
		return dc.r;
	}
	memcpy(ret, p, sizeof(*p));
	return 0;
}

/* ---- records -> BpfContent ---- */

static int set_new(json_t *obj, const char *key, json_t *v)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return -ENOMEM;
	return 0;
}

static int set_uint(json_t *obj, const char *key, __u64 v)
{
	if (v > (__u64)INT64_MAX)
		return -EINVAL;
	return set_new(obj, key, json_integer((json_int_t)v));
}

static bool terminated(const __u8 *s, size_t size)
{
	return memchr(s, 0, size) != NULL;
}

static json_t *decode_pattern(const struct pavise_path_pattern *pat)
{
	char suffix[PAVISE_PATTERN_MAX];
	json_t *o;

	if ((pat->flags & ~(__u32)PAVISE_MATCH_MASK) ||
	    !terminated(pat->prefix, sizeof(pat->prefix)) ||
	    !terminated(pat->suffix, sizeof(pat->suffix)) ||
	    !bpf_pattern_utf8_valid((const char *)pat->prefix, strlen((const char *)pat->prefix)))
		return NULL;
	if (bpf_pattern_suffix_to_json(pat->suffix, suffix, sizeof(suffix)) < 0)
		return NULL;
	o = json_object();
	if (!o || set_uint(o, "flags", pat->flags) < 0 ||
	    (pat->prefix[0] && set_new(o, "prefix", json_string((const char *)pat->prefix)) < 0) ||
	    (suffix[0] && set_new(o, "suffix", json_string(suffix)) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *decode_file(const struct pavise_file_rule *r)
{
	json_t *o = json_object();

	if (!o || set_uint(o, "mode", r->mode) < 0 ||
	    set_uint(o, "permissions", r->permissions) < 0 ||
	    set_new(o, "pattern", decode_pattern(&r->pattern)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int mask_prefix(const __u8 mask[16], unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 16; i++)
		for (int bit = 7; bit >= 0; bit--) {
			bool set = mask[i] >> bit & 1;

			if (set && n != i * 8 + (unsigned)(7 - bit))
				return -1;
			if (set)
				n++;
		}
	return n <= max ? (int)n : -1;
}

static json_t *decode_address(const struct pavise_net_rule *r)
{
	__u32 fam = r->flags & (PAVISE_NET_IPV4 | PAVISE_NET_IPV6);
	char ip[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 8];
	json_t *a = json_object();
	int af = fam == PAVISE_NET_IPV4 ? AF_INET : AF_INET6;
	int rc = 0;

	if (!a)
		return NULL;
	if (r->flags & PAVISE_NET_POD_SELF_IP)
		rc = set_new(a, "ip", json_string("pod-self"));
	else if (r->flags & PAVISE_MATCH_PRECISE && fam == (PAVISE_NET_IPV4 | PAVISE_NET_IPV6))
		rc = set_new(a, "ip", json_string("unspecified"));
	else if (r->flags & (PAVISE_MATCH_PRECISE | PAVISE_NET_CIDR)) {
		if (fam != PAVISE_NET_IPV4 && fam != PAVISE_NET_IPV6)
			rc = -EINVAL;
		else if (!inet_ntop(af, r->address, ip, sizeof(ip)))
			rc = -EINVAL;
		else
			rc = set_new(a, "ip", json_string(ip));
		if (rc >= 0 && r->flags & PAVISE_NET_CIDR) {
			int n = mask_prefix(r->mask, af == AF_INET ? 32 : 128);

			if (n < 0)
				rc = -EINVAL;
			else {
				snprintf(cidr, sizeof(cidr), "%s/%d", ip, n);
				rc = set_new(a, "cidr", json_string(cidr));
			}
		}
	}
	if (rc >= 0 && r->flags & (PAVISE_NET_PORT | PAVISE_NET_PORT_RANGE))
		rc = set_uint(a, "port", r->port);
	if (rc >= 0 && r->flags & PAVISE_NET_PORT_RANGE)
		rc = set_uint(a, "endPort", r->end_port);
	if (rc >= 0 && r->flags & PAVISE_NET_PORTS) {
		json_t *ports = json_array();

		for (size_t i = 0; ports && i < PAVISE_PORTS_MAX && r->ports[i]; i++)
			if (json_array_append_new(ports, json_integer(r->ports[i])) < 0) {
				json_decref(ports);
				ports = NULL;
			}
		rc = set_new(a, "ports", ports);
	}
	if (rc < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *decode_net(const struct pavise_net_rule *r)
{
	json_t *o = json_object(), *s;

	if (!o || set_uint(o, "mode", r->mode) < 0 || set_uint(o, "flags", r->flags) < 0)
		goto fail;
	if (r->flags & PAVISE_NET_SOCKET) {
		s = json_object();
		if (!s || set_uint(s, "domains", r->domains) < 0 ||
		    set_uint(s, "types", r->types) < 0 ||
		    set_uint(s, "protocols", r->protocols) < 0) {
			json_decref(s);
			goto fail;
		}
		if (set_new(o, "socket", s) < 0)
			goto fail;
	} else if (set_new(o, "address", decode_address(r)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *decode_mount(const struct pavise_mount_rule *r)
{
	json_t *o = json_object();

	if (!o || !terminated(r->fstype, sizeof(r->fstype)) || set_uint(o, "mode", r->mode) < 0 ||
	    set_uint(o, "mountFlags", r->mount_flags) < 0 ||
	    set_uint(o, "reverseMountflags", r->reverse_mount_flags) < 0 ||
	    set_new(o, "pattern", decode_pattern(&r->pattern)) < 0 ||
	    !bpf_pattern_utf8_valid((const char *)r->fstype, strlen((const char *)r->fstype)) ||
	    set_new(o, "fstype", json_string((const char *)r->fstype)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int decode_list(json_t *content, const char *key, const void *rules, size_t size, __u32 n,
		       json_t *(*fn)(const void *))
{
	json_t *arr;

	if (n == 0)
		return 0;
	if (n > PAVISE_MAX_RULES)
		return -EINVAL;
	arr = json_array();
	if (!arr)
		return -ENOMEM;
	for (__u32 i = 0; i < n; i++)
		if (json_array_append_new(arr, fn((const char *)rules + i * size)) < 0) {
			json_decref(arr);
			return -EINVAL;
		}
	return set_new(content, key, arr);
}

static json_t *decode_file_v(const void *r)
{
	return decode_file(r);
}

static json_t *decode_net_v(const void *r)
{
	return decode_net(r);
}

static json_t *decode_mount_v(const void *r)
{
	return decode_mount(r);
}

int bpf_content_decode(const struct pavise_bpf_profile *prof, json_t **ret_content)
{
	json_auto_t *c = json_object();
	json_t *o;
	int r;

	if (!c)
		return -ENOMEM;
	if (prof->capabilities.caps) {
		o = json_object();
		r = !o ? -ENOMEM : set_new(c, "capabilities", o);
		if (r >= 0)
			r = set_uint(o, "mode", prof->capabilities.mode);
		if (r >= 0)
			r = set_uint(o, "capabilities", prof->capabilities.caps);
		if (r < 0)
			return r;
	}
	r = decode_list(c, "files", prof->files, sizeof(*prof->files), prof->n_files,
			decode_file_v);
	if (r >= 0)
		r = decode_list(c, "processes", prof->processes, sizeof(*prof->processes),
				prof->n_processes, decode_file_v);
	if (r >= 0)
		r = decode_list(c, "networks", prof->networks, sizeof(*prof->networks),
				prof->n_networks, decode_net_v);
	if (r >= 0 && prof->ptrace.permissions) {
		o = json_object();
		r = !o ? -ENOMEM : set_new(c, "ptrace", o);
		if (r >= 0)
			r = set_uint(o, "mode", prof->ptrace.mode);
		if (r >= 0)
			r = set_uint(o, "permissions", prof->ptrace.permissions);
		if (r >= 0)
			r = set_uint(o, "flags", prof->ptrace.flags);
	}
	if (r >= 0)
		r = decode_list(c, "mounts", prof->mounts, sizeof(*prof->mounts), prof->n_mounts,
				decode_mount_v);
	if (r < 0)
		return r;
	*ret_content = TAKE_PTR(c);
	return 0;
}

/* ---- disk devices (the node) ---- */

static bool device_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > BPF_CONTENT_DEVICE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_.:-", *s)))
			return false;
	return true;
}

static int expand_list(struct decoder *dc, json_t *content, const char *key,
		       const char *const *devices)
{
	json_t *list = json_object_get(content, key);
	json_auto_t *out = NULL;
	size_t i;
	json_t *e;

	if (!json_is_array(list))
		return 0;
	out = json_array();
	if (!out)
		return -ENOMEM;
	json_array_foreach(list, i, e) {
		const char *prefix = json_string_value(json_path(e, "pattern", "prefix", NULL));
		const char *at = prefix ? strstr(prefix, BPF_CONTENT_DISK_DEVICES) : NULL;

		if (!at) {
			if (json_array_append(out, e) < 0)
				return -ENOMEM;
			continue;
		}
		for (const char *const *d = devices; *d; d++) {
			char buf[PAVISE_PATTERN_MAX + BPF_CONTENT_DEVICE_NAME_MAX];
			json_t *copy;

			snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - prefix), prefix, *d,
				 at + strlen(BPF_CONTENT_DISK_DEVICES));
			if (strlen(buf) >= PAVISE_PATTERN_MAX)
				return fail(dc, -EINVAL, "%s[%zu]: '%s' is longer than %d bytes",
					    key, i, buf, PAVISE_PATTERN_MAX - 1);
			copy = json_deep_copy(e);
			if (!copy)
				return -ENOMEM;
			if (json_object_set_new(json_object_get(copy, "pattern"), "prefix",
						json_string(buf)) < 0 ||
			    json_array_append_new(out, copy) < 0)
				return -ENOMEM;
		}
	}
	if (json_array_size(out) > PAVISE_MAX_RULES)
		return fail(dc, -E2BIG, "%s: %zu rules after expanding %s; at most %d fit", key,
			    json_array_size(out), BPF_CONTENT_DISK_DEVICES, PAVISE_MAX_RULES);
	if (json_array_size(out) == 0)
		return json_object_del(content, key) < 0 ? -ENOMEM : 0;
	return json_object_set(content, key, out) < 0 ? -ENOMEM : 0;
}

int bpf_content_expand_disk_devices(const json_t *content, const char *const *devices,
				    json_t **ret_content, char **reterr_msg)
{
	static const char *const none[] = { NULL };
	json_auto_t *c = NULL;
	struct decoder dc = {};
	size_t n = 0;
	int r = 0;

	if (!devices)
		devices = none;
	for (const char *const *d = devices; *d; d++, n++)
		if (!device_name_ok(*d) || n >= BPF_CONTENT_DEVICES_MAX)
			r = fail(&dc, -EINVAL, "disk device '%s': not a device name", *d);
	if (r >= 0 && !json_is_object(content))
		r = fail(&dc, -EINVAL, "BpfContent: must be an object");
	if (r >= 0) {
		c = json_deep_copy(content);
		if (!c)
			return -ENOMEM;
		r = expand_list(&dc, c, "files", devices);
		if (r >= 0)
			r = expand_list(&dc, c, "processes", devices);
		if (r >= 0)
			r = expand_list(&dc, c, "mounts", devices);
	}
	if (r < 0) {
		if (reterr_msg)
			*reterr_msg = dc.msg;
		else
			free(dc.msg);
		return r;
	}
	*ret_content = TAKE_PTR(c);
	return 0;
}
