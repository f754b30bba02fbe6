// SPDX-License-Identifier: Apache-2.0
/* Seccomp generator: VarmorPolicy -> OCI LinuxSeccomp JSON, its validation and a libseccomp loader. */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "common/json-util.h"
#include "rules/catalog.h"
#include "rules/compile.h"
#include "rules/seccomp.h"

/*
 * How profiles are built.
 *
 * Every source of rules (built-in rules from the catalog, syscallRawRules, the
 * entries of a customProfile) is first turned into a set of rules, each one
 * (syscall, action, conjunction of argument conditions): a syscall is acted on
 * when any of its rules matches, so the rules of one syscall are alternatives.
 * An OCI entry becomes rules the way runc and crun read it: its conditions are
 * ANDed, except that when one argument index appears more than once every
 * condition becomes an alternative of its own (libseccomp refuses two
 * comparisons of one argument in a rule, and both runtimes fall back to that).
 *
 * The output never puts one argument index twice in an entry, so every
 * runtime reads it the same way. Merging (vArmor's "keyed by syscall name,
 * args appended") therefore means adding alternatives, never widening or
 * narrowing a conjunction:
 *  - built-in rules give the policy's disposition action; several rules on one
 *    syscall add their alternatives;
 *  - a raw rule with args adds its alternatives under its own action, which
 *    merges with built-ins of the same action and errnoRet;
 *  - a raw rule without args blocks the whole syscall under its action and
 *    replaces the built-in (or customProfile) rules of that syscall;
 *  - rules whose action is the default action are dropped (runtimes skip
 *    them), duplicates are dropped, and an alternative implied by a broader
 *    one of the same action (its conditions a superset) is dropped;
 *  - one syscall left with two actions is accepted only when their conditions
 *    provably cannot overlap: libseccomp otherwise silently keeps one of them.
 */

/* Highest syscall number scanned for "did you mean" suggestions, and how many per call. */
#define SYSCALL_NR_SCAN 1024
#define SUGGESTIONS_MAX 8
#define PATH_BUF	256

enum act_kind {
	ACT_KILL, /* SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD */
	ACT_KILL_PROCESS,
	ACT_TRAP,
	ACT_ERRNO,
	ACT_TRACE,
	ACT_ALLOW,
	ACT_LOG,
	ACT_NOTIFY,
};

static const struct {
	const char *name;
	enum act_kind kind;
} act_names[] = {
	{ "SCMP_ACT_KILL", ACT_KILL },	      { "SCMP_ACT_KILL_PROCESS", ACT_KILL_PROCESS },
	{ "SCMP_ACT_KILL_THREAD", ACT_KILL }, { "SCMP_ACT_TRAP", ACT_TRAP },
	{ "SCMP_ACT_ERRNO", ACT_ERRNO },      { "SCMP_ACT_TRACE", ACT_TRACE },
	{ "SCMP_ACT_ALLOW", ACT_ALLOW },      { "SCMP_ACT_LOG", ACT_LOG },
	{ "SCMP_ACT_NOTIFY", ACT_NOTIFY },
};

/* How each action is written out: SCMP_ACT_KILL is the spelling every runtime knows. */
static const char *const act_out[] = {
	[ACT_KILL] = "SCMP_ACT_KILL",	[ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[ACT_TRAP] = "SCMP_ACT_TRAP",	[ACT_ERRNO] = "SCMP_ACT_ERRNO",
	[ACT_TRACE] = "SCMP_ACT_TRACE", [ACT_ALLOW] = "SCMP_ACT_ALLOW",
	[ACT_LOG] = "SCMP_ACT_LOG",	[ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const struct {
	const char *name;
	enum scmp_compare op;
} op_names[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* The OCI flags runc and crun implement, and the libseccomp attribute for each. */
static const struct {
	const char *name;
	enum scmp_filter_attr attr;
} flag_names[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB },
};

/* What BehaviorModeling lets through without logging (as vArmor does). */
static const char *const modeling_allowed[] = { "open",	 "openat", "openat2",
						"close", "read",   "write" };

struct action {
	enum act_kind kind;
	uint32_t errno_ret; /* ACT_ERRNO and ACT_TRACE only; 0 otherwise */
};

struct cond {
	unsigned index;
	enum scmp_compare op;
	uint64_t value, value_two;
};

/* Conditions that must all hold; at most one per argument index, sorted by index. */
struct conj {
	unsigned n;
	struct cond c[SECCOMP_ARGS_MAX];
};

/* One OCI LinuxSyscall entry as read. */
struct entry {
	const char **names; /* strings borrowed from the JSON */
	size_t n_names;
	struct action act;
	unsigned n_args;
	struct cond args[SECCOMP_ARGS_MAX];
};

struct rule {
	const char *name; /* borrowed */
	struct action act;
	struct conj conj;
	const char *origin; /* owned by the ruleset */
	unsigned seq; /* insertion order: the final tie-break */
	bool raw; /* from syscallRawRules */
	bool dead;
};

struct ruleset {
	struct rule *v;
	size_t n, alloc;
	char **origins;
	size_t n_origins, alloc_origins;
	unsigned seq;
};

/* A parsed OCI LinuxSeccomp object. */
struct profile {
	struct action def;
	bool def_errno; /* defaultErrnoRet was given */
	uint32_t arches[SECCOMP_ARCHES_MAX];
	size_t n_arches;
	unsigned flags; /* bit i: flag_names[i] */
	const json_t *arches_json, *flags_json; /* borrowed */
	struct entry *entries;
	size_t n_entries;
};

/* What a policy compiles to, before it is written out. */
struct build {
	struct action def;
	bool def_errno;
	json_t *custom; /* the parsed customProfile (owned) */
	const json_t *arches, *flags; /* borrowed from custom */
	struct ruleset set;
};

/* Where diagnostics go: a policy's diags, or nowhere (only counted) for the loader. */
struct diag {
	struct policy_diags *d;
	bool policy; /* a policy: names of x86_64, warnings; else the loader: native names */
	unsigned n_errors;
	unsigned n_suggestions;
	int r; /* errno of the first error */
	int oom;
};

static void diag_add(struct diag *dg, bool error, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void diag_error(struct diag *dg, int code, const char *fmt, ...) _printf_(3, 4);
static void diag_warning(struct diag *dg, const char *fmt, ...) _printf_(2, 3);

static void diag_add(struct diag *dg, bool error, const char *fmt, va_list ap)
{
	_cleanup_free_ char *s = NULL;
	int r;

	if (!dg->d)
		return;
	if (vasprintf(&s, fmt, ap) < 0) {
		dg->oom = -ENOMEM;
		return;
	}
	r = error ? policy_diags_error(dg->d, "%s", s) : policy_diags_warning(dg->d, "%s", s);
	if (r < 0)
		dg->oom = r;
}

static void diag_error(struct diag *dg, int code, const char *fmt, ...)
{
	va_list ap;

	dg->n_errors++;
	if (dg->r == 0)
		dg->r = code;
	va_start(ap, fmt);
	diag_add(dg, true, fmt, ap);
	va_end(ap);
}

static void diag_warning(struct diag *dg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(dg, false, fmt, ap);
	va_end(ap);
}

/* Formats a field path; a path that does not fit is cut (messages stay readable). */
static void subpath(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static void subpath(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* A user string made safe to quote in a message: printable, no quotes, bounded. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t i = 0;

	for (; *s && i + 4 < size; s++)
		buf[i++] = (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') ? *s : '?';
	if (*s) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/* A JSON string without embedded NUL bytes, or NULL. */
static const char *json_cstring(const json_t *v)
{
	const char *s = json_string_value(v);

	if (!s || strlen(s) != json_string_length(v))
		return NULL;
	return s;
}

static bool json_is_set(const json_t *v)
{
	return v && !json_is_null(v);
}

static bool act_has_errno(enum act_kind k)
{
	return k == ACT_ERRNO || k == ACT_TRACE;
}

static bool act_eq(struct action a, struct action b)
{
	return a.kind == b.kind && a.errno_ret == b.errno_ret;
}

static int act_cmp(struct action a, struct action b)
{
	if (a.kind != b.kind)
		return a.kind < b.kind ? -1 : 1;
	if (a.errno_ret != b.errno_ret)
		return a.errno_ret < b.errno_ret ? -1 : 1;
	return 0;
}

/* libseccomp's action value, as runc and crun compute it. */
static uint32_t act_value(struct action a)
{
	switch (a.kind) {
	case ACT_KILL:
		return SCMP_ACT_KILL_THREAD;
	case ACT_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case ACT_TRAP:
		return SCMP_ACT_TRAP;
	case ACT_ERRNO:
		return SCMP_ACT_ERRNO(a.errno_ret);
	case ACT_TRACE:
		return SCMP_ACT_TRACE(a.errno_ret);
	case ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case ACT_LOG:
		return SCMP_ACT_LOG;
	case ACT_NOTIFY:
		return SCMP_ACT_NOTIFY;
	}
	return SCMP_ACT_KILL_PROCESS;
}

/* "SCMP_ACT_ERRNO (errnoRet 1)" for messages. */
static const char *act_describe(struct action a, char *buf, size_t size)
{
	if (act_has_errno(a.kind))
		snprintf(buf, size, "%s (errnoRet %u)", act_out[a.kind], a.errno_ret);
	else
		snprintf(buf, size, "%s", act_out[a.kind]);
	return buf;
}

static int cond_cmp(const struct cond *a, const struct cond *b)
{
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	if (a->op != b->op)
		return a->op < b->op ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	if (a->value_two != b->value_two)
		return a->value_two < b->value_two ? -1 : 1;
	return 0;
}

static int conj_cmp(const struct conj *a, const struct conj *b)
{
	for (unsigned i = 0; i < a->n && i < b->n; i++) {
		int c = cond_cmp(&a->c[i], &b->c[i]);

		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
}

static int cond_qsort_cmp(const void *a, const void *b)
{
	return cond_cmp(a, b);
}

/* The condition compared with the value of its argument (64-bit on x86_64). */
static bool cond_matches(const struct cond *c, uint64_t v)
{
	switch (c->op) {
	case SCMP_CMP_NE:
		return v != c->value;
	case SCMP_CMP_LT:
		return v < c->value;
	case SCMP_CMP_LE:
		return v <= c->value;
	case SCMP_CMP_EQ:
		return v == c->value;
	case SCMP_CMP_GE:
		return v >= c->value;
	case SCMP_CMP_GT:
		return v > c->value;
	case SCMP_CMP_MASKED_EQ:
		return (v & c->value) == c->value_two;
	case _SCMP_CMP_MIN:
	case _SCMP_CMP_MAX:
		break;
	}
	return false;
}

/* The values an ordering comparison accepts as [lo, hi]; false when it is not one. */
static bool cond_interval(const struct cond *c, uint64_t *lo, uint64_t *hi, bool *empty)
{
	*empty = false;
	switch (c->op) {
	case SCMP_CMP_LT:
		*empty = c->value == 0;
		*lo = 0;
		*hi = c->value - 1;
		return true;
	case SCMP_CMP_LE:
		*lo = 0;
		*hi = c->value;
		return true;
	case SCMP_CMP_GT:
		*empty = c->value == UINT64_MAX;
		*lo = c->value + 1;
		*hi = UINT64_MAX;
		return true;
	case SCMP_CMP_GE:
		*lo = c->value;
		*hi = UINT64_MAX;
		return true;
	case SCMP_CMP_NE:
	case SCMP_CMP_EQ:
	case SCMP_CMP_MASKED_EQ:
	case _SCMP_CMP_MIN:
	case _SCMP_CMP_MAX:
		break;
	}
	return false;
}

static bool cond_never_matches(const struct cond *c)
{
	return c->op == SCMP_CMP_MASKED_EQ && (c->value_two & ~c->value) != 0;
}

/* True when no argument value satisfies both (false when that cannot be shown simply). */
static bool cond_disjoint(const struct cond *x, const struct cond *y)
{
	uint64_t xlo, xhi, ylo, yhi;
	bool xe, ye;

	if (cond_never_matches(x) || cond_never_matches(y))
		return true;
	if (x->op == SCMP_CMP_EQ)
		return !cond_matches(y, x->value);
	if (y->op == SCMP_CMP_EQ)
		return !cond_matches(x, y->value);
	if (x->op == SCMP_CMP_MASKED_EQ && y->op == SCMP_CMP_MASKED_EQ)
		return ((x->value_two ^ y->value_two) & x->value & y->value) != 0;
	if (cond_interval(x, &xlo, &xhi, &xe) && cond_interval(y, &ylo, &yhi, &ye))
		return xe || ye || xhi < ylo || yhi < xlo;
	return false;
}

/* Some argument has conditions in both that exclude each other. */
static bool conj_disjoint(const struct conj *a, const struct conj *b)
{
	for (unsigned i = 0; i < a->n; i++)
		for (unsigned j = 0; j < b->n; j++)
			if (a->c[i].index == b->c[j].index && cond_disjoint(&a->c[i], &b->c[j]))
				return true;
	return false;
}

/* Every condition of a is in b: whenever b holds, a holds. */
static bool conj_subset(const struct conj *a, const struct conj *b)
{
	unsigned j = 0;

	for (unsigned i = 0; i < a->n; i++) {
		while (j < b->n && b->c[j].index < a->c[i].index)
			j++;
		if (j == b->n || cond_cmp(&a->c[i], &b->c[j]) != 0)
			return false;
	}
	return true;
}

/* The alternatives an entry means (see the comment at the top); returns how many. */
static size_t entry_alternatives(const struct entry *e, struct conj out[SECCOMP_ARGS_MAX])
{
	unsigned seen = 0;
	bool repeated = false;

	if (e->n_args == 0) {
		out[0].n = 0;
		return 1;
	}
	for (unsigned i = 0; i < e->n_args; i++) {
		if (seen & (1U << e->args[i].index))
			repeated = true;
		seen |= 1U << e->args[i].index;
	}
	if (!repeated) {
		out[0].n = e->n_args;
		memcpy(out[0].c, e->args, e->n_args * sizeof(struct cond));
		qsort(out[0].c, out[0].n, sizeof(struct cond), cond_qsort_cmp);
		return 1;
	}
	for (unsigned i = 0; i < e->n_args; i++) {
		out[i].n = 1;
		out[i].c[0] = e->args[i];
	}
	return e->n_args;
}

static void entry_done(struct entry *e)
{
	free(e->names);
	e->names = NULL;
}

static void ruleset_done(struct ruleset *s)
{
	for (size_t i = 0; i < s->n_origins; i++)
		free(s->origins[i]);
	free(s->origins);
	free(s->v);
	*s = (struct ruleset){};
}

static const char *ruleset_origin(struct ruleset *s, const char *fmt, ...) _printf_(2, 3);
static const char *ruleset_origin(struct ruleset *s, const char *fmt, ...)
{
	va_list ap;
	char *o;
	int r;

	if (s->n_origins == s->alloc_origins) {
		size_t n = s->alloc_origins ? s->alloc_origins * 2 : 16;
		char **v = reallocarray(s->origins, n, sizeof(char *));

		if (!v)
			return NULL;
		s->origins = v;
		s->alloc_origins = n;
	}
	va_start(ap, fmt);
	r = vasprintf(&o, fmt, ap);
	va_end(ap);
	if (r < 0)
		return NULL;
	s->origins[s->n_origins++] = o;
	return o;
}

static int ruleset_push(struct ruleset *s, const struct rule *r)
{
	if (s->n >= SECCOMP_RULES_MAX)
		return -E2BIG;
	if (s->n == s->alloc) {
		size_t n = s->alloc ? s->alloc * 2 : 32;
		struct rule *v = reallocarray(s->v, n, sizeof(struct rule));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->alloc = n;
	}
	s->v[s->n] = *r;
	s->v[s->n].seq = s->seq++;
	s->n++;
	return 0;
}

static int ruleset_add_entry(struct ruleset *s, const struct entry *e, const char *origin, bool raw)
{
	struct conj alts[SECCOMP_ARGS_MAX];
	size_t n_alts = entry_alternatives(e, alts);
	bool whole = n_alts == 1 && alts[0].n == 0;

	for (size_t i = 0; i < e->n_names; i++) {
		/* A raw rule without args replaces what built-ins (or the customProfile) say. */
		if (raw && whole)
			for (size_t k = 0; k < s->n; k++)
				if (!s->v[k].raw && strcmp(s->v[k].name, e->names[i]) == 0)
					s->v[k].dead = true;
		for (size_t a = 0; a < n_alts; a++) {
			struct rule r = {
				.name = e->names[i],
				.act = e->act,
				.conj = alts[a],
				.origin = origin,
				.raw = raw,
			};
			int ret = ruleset_push(s, &r);

			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int rule_cmp(const void *x, const void *y)
{
	const struct rule *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c)
		return c;
	c = act_cmp(a->act, b->act);
	if (c)
		return c;
	c = conj_cmp(&a->conj, &b->conj);
	if (c)
		return c;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void ruleset_compact(struct ruleset *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		if (!s->v[i].dead)
			s->v[k++] = s->v[i];
	s->n = k;
}

static bool op_is_ordering(enum scmp_compare op)
{
	return op != SCMP_CMP_EQ && op != SCMP_CMP_MASKED_EQ;
}

/*
 * Keeps libseccomp's BPF generation cheap. Measured with libseccomp 2.5.4 on
 * x86_64, where arguments are compared as two 32-bit halves: a rule combining
 * an ordering comparison (NE, LT, LE, GE, GT) with other conditions makes the
 * generated program, and the time to generate it, grow exponentially with the
 * rules of that syscall (four such rules of five conditions: two seconds,
 * one more: minutes), in the webhook and in the runtime at container start.
 * Alone in its rule such a comparison is linear, as are EQ and MASKED_EQ,
 * whose total is capped well above what fits in the kernel's 4096 instructions.
 */
static int ruleset_check_cost(const struct ruleset *s, struct diag *dg)
{
	bool reported = false; /* one message is enough to fix it */
	size_t conds = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct rule *r = &s->v[i];
		char nb[80];

		conds += r->conj.n;
		if (r->conj.n < 2 || reported)
			continue;
		for (unsigned k = 0; k < r->conj.n; k++)
			if (op_is_ordering(r->conj.c[k].op)) {
				diag_error(
					dg, -EINVAL,
					"%s: syscall \"%s\": a SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE or SCMP_CMP_GT condition must be the only condition of its rule, as combining it with others makes the seccomp filter grow exponentially; split the rule or use SCMP_CMP_EQ and SCMP_CMP_MASKED_EQ",
					r->origin, printable(r->name, nb, sizeof(nb)));
				reported = true;
				break;
			}
	}
	if (conds > SECCOMP_CONDS_MAX)
		diag_error(
			dg, -E2BIG,
			"spec.policy: the seccomp rules have %zu argument conditions in all, over the limit of %u",
			conds, SECCOMP_CONDS_MAX);
	return 0;
}

/*
 * Drops rules with the default action, duplicates and implied alternatives,
 * and refuses a syscall with two actions whose conditions can overlap.
 * Leaves the rules sorted by (name, action, conditions).
 */
static int ruleset_finalize(struct ruleset *s, struct action def, struct diag *dg)
{
	const char *warned = NULL;

	for (size_t i = 0; i < s->n; i++) {
		const struct rule *r = &s->v[i];

		if (r->dead || !act_eq(r->act, def))
			continue;
		if (r->raw && r->conj.n > 0 && r->origin != warned) {
			diag_warning(
				dg,
				"%s: the action is the profile's default action, so this rule changes nothing; to exempt a syscall from other rules, give it no args",
				r->origin);
			warned = r->origin;
		}
		s->v[i].dead = true;
	}
	ruleset_compact(s);
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(struct rule), rule_cmp);

	for (size_t start = 0, end; start < s->n; start = end) {
		bool reported = false;

		for (end = start + 1; end < s->n && strcmp(s->v[end].name, s->v[start].name) == 0;
		     end++)
			;
		/* Same action: duplicates and alternatives implied by broader ones. */
		for (size_t i = start; i < end; i++)
			for (size_t j = start; j < end; j++) {
				struct rule *a = &s->v[i], *b = &s->v[j];

				if (i == j || a->dead || b->dead || !act_eq(a->act, b->act))
					continue;
				if (conj_subset(&a->conj, &b->conj) &&
				    (a->conj.n < b->conj.n || i < j))
					b->dead = true;
			}
		/* Different actions: only when they can never both apply. */
		for (size_t i = start; i < end && !reported; i++)
			for (size_t j = i + 1; j < end && !reported; j++) {
				const struct rule *a = &s->v[i], *b = &s->v[j];
				char ba[64], bb[64], nb[80];

				if (a->dead || b->dead || act_eq(a->act, b->act))
					continue;
				if (a->conj.n > 0 && b->conj.n > 0 &&
				    conj_disjoint(&a->conj, &b->conj))
					continue;
				if (a->seq > b->seq) {
					const struct rule *t = a;

					a = b;
					b = t;
				}
				diag_error(
					dg, -EINVAL,
					"%s: syscall \"%s\" gets %s here but %s from %s, and their conditions can overlap (libseccomp would silently keep only one): use the same action and errnoRet, or conditions that exclude each other",
					b->origin, printable(b->name, nb, sizeof(nb)),
					act_describe(b->act, bb, sizeof(bb)),
					act_describe(a->act, ba, sizeof(ba)), a->origin);
				reported = true;
			}
	}
	ruleset_compact(s);
	return ruleset_check_cost(s, dg);
}

/* Edit distance between two short strings (both at most SECCOMP_NAME_MAX bytes). */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned prev[SECCOMP_NAME_MAX + 1], cur[SECCOMP_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > SECCOMP_NAME_MAX || lb > SECCOMP_NAME_MAX)
		return UINT32_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);

			cur[j] = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), sub);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(unsigned));
	}
	return prev[lb];
}

/* The x86_64 syscall closest to a misspelt name (caller frees), or NULL. */
static char *suggest_syscall(const char *name)
{
	unsigned best_d = UINT32_MAX, limit = strlen(name) <= 4 ? 1 : 2;
	char *best = NULL;

	for (int nr = 0; nr < SYSCALL_NR_SCAN; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
		unsigned d;

		if (!s)
			continue;
		d = edit_distance(name, s);
		if (d <= limit && d < best_d) {
			free(best);
			best = s;
			best_d = d;
		} else {
			free(s);
		}
	}
	return best;
}

static void check_syscall_name(struct diag *dg, const char *path, size_t i, const char *name)
{
	char nb[80];
	int nr;

	if (strlen(name) > SECCOMP_NAME_MAX) {
		diag_error(dg, -EINVAL, "%s.names[%zu]: syscall name \"%s\" is too long", path, i,
			   printable(name, nb, sizeof(nb)));
		return;
	}
	if (!dg->policy) {
		/* The loader: names of this machine's architecture. */
		if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
			diag_error(dg, -EINVAL, "%s.names[%zu]: unknown syscall", path, i);
		return;
	}
	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);
	if (nr == __NR_SCMP_ERROR) {
		_cleanup_free_ char *s = NULL;

		/* Suggestions cost a scan of the syscall table: only for a few, and only when shown. */
		if (dg->d && dg->n_suggestions < SUGGESTIONS_MAX) {
			dg->n_suggestions++;
			s = suggest_syscall(name);
		}

		if (s)
			diag_error(dg, -EINVAL,
				   "%s.names[%zu]: unknown syscall \"%s\" (did you mean \"%s\"?)",
				   path, i, printable(name, nb, sizeof(nb)), s);
		else
			diag_error(dg, -EINVAL, "%s.names[%zu]: unknown syscall \"%s\"", path, i,
				   printable(name, nb, sizeof(nb)));
	} else if (nr < 0) {
		diag_warning(
			dg,
			"%s.names[%zu]: \"%s\" is not a system call on x86_64 (only on other architectures); it has no effect there",
			path, i, printable(name, nb, sizeof(nb)));
	}
}

static void warn_unknown_fields(struct diag *dg, const char *path, const json_t *obj,
				const char *const *known)
{
	const char *key;
	json_t *v;

	if (!dg->d)
		return;
	json_object_foreach((json_t *)obj, key, v) {
		const char *const *k;
		char kb[80];

		for (k = known; *k; k++)
			if (strcmp(*k, key) == 0)
				break;
		if (!*k)
			diag_warning(dg, "%s.%s: unknown field, ignored", path,
				     printable(key, kb, sizeof(kb)));
	}
}

/* Reads an action name; NOTIFY is refused. Returns false (with an error) when invalid. */
static bool parse_action(struct diag *dg, const char *path, const json_t *v, enum act_kind *ret)
{
	const char *s = json_cstring(v);
	char sb[80];

	if (!json_is_set(v)) {
		diag_error(dg, -EINVAL, "%s: required, one of SCMP_ACT_ERRNO, SCMP_ACT_LOG, ...",
			   path);
		return false;
	}
	if (!s) {
		diag_error(dg, -EBADMSG, "%s: must be a string such as \"SCMP_ACT_ERRNO\"", path);
		return false;
	}
	for (size_t i = 0; i < ELEMENTSOF(act_names); i++)
		if (strcmp(s, act_names[i].name) == 0) {
			if (act_names[i].kind == ACT_NOTIFY) {
				diag_error(
					dg, -EOPNOTSUPP,
					"%s: SCMP_ACT_NOTIFY needs a user-space listener (listenerPath), which pavise does not run; use SCMP_ACT_ERRNO or SCMP_ACT_LOG",
					path);
				return false;
			}
			*ret = act_names[i].kind;
			return true;
		}
	diag_error(
		dg, -EINVAL,
		"%s: unknown action \"%s\" (use SCMP_ACT_ERRNO, SCMP_ACT_LOG, SCMP_ACT_ALLOW, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP or SCMP_ACT_TRACE)",
		path, printable(s, sb, sizeof(sb)));
	return false;
}

/* Reads errnoRet/defaultErrnoRet for an action; fills the EPERM default. */
static bool parse_errno(struct diag *dg, const char *path, const json_t *v, bool action_ok,
			struct action *act)
{
	long long e;

	act->errno_ret = act_has_errno(act->kind) ? EPERM : 0;
	if (!json_is_set(v))
		return true;
	if (!json_is_integer(v)) {
		diag_error(dg, -EBADMSG, "%s: must be an integer", path);
		return false;
	}
	e = json_integer_value(v);
	if (e < 0 || e > SECCOMP_ERRNO_MAX) {
		diag_error(dg, -EINVAL, "%s: %lld is out of range (0 to %u)", path, e,
			   SECCOMP_ERRNO_MAX);
		return false;
	}
	if (action_ok && !act_has_errno(act->kind)) {
		diag_error(dg, -EINVAL,
			   "%s: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", path,
			   act_out[act->kind]);
		return false;
	}
	if (act_has_errno(act->kind))
		act->errno_ret = (uint32_t)e;
	return true;
}

static bool parse_u64(struct diag *dg, const char *path, const json_t *v, uint64_t *ret)
{
	*ret = 0;
	if (!json_is_set(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		diag_error(dg, json_is_integer(v) ? -EINVAL : -EBADMSG,
			   "%s: must be an integer from 0 to 9223372036854775807", path);
		return false;
	}
	*ret = (uint64_t)json_integer_value(v);
	return true;
}

static bool parse_arg(struct diag *dg, const char *path, const json_t *a, struct cond *ret)
{
	static const char *const known[] = { "index", "value", "valueTwo", "op", NULL };
	char p[PATH_BUF], sb[80];
	const json_t *v;
	const char *op;
	bool ok = true;

	if (!json_is_object(a)) {
		diag_error(dg, -EBADMSG, "%s: must be an object with index, value, valueTwo and op",
			   path);
		return false;
	}
	warn_unknown_fields(dg, path, a, known);
	*ret = (struct cond){};
	v = json_object_get(a, "index");
	subpath(p, sizeof(p), "%s.index", path);
	if (!json_is_integer(v)) {
		diag_error(dg, json_is_set(v) ? -EBADMSG : -EINVAL,
			   "%s: required, an argument index from 0 to 5", p);
		ok = false;
	} else if (json_integer_value(v) < 0 || json_integer_value(v) >= SECCOMP_ARGS_MAX) {
		diag_error(dg, -EINVAL, "%s: %lld is not an argument index (0 to 5)", p,
			   (long long)json_integer_value(v));
		ok = false;
	} else {
		ret->index = (unsigned)json_integer_value(v);
	}
	subpath(p, sizeof(p), "%s.value", path);
	ok = parse_u64(dg, p, json_object_get(a, "value"), &ret->value) && ok;
	subpath(p, sizeof(p), "%s.valueTwo", path);
	ok = parse_u64(dg, p, json_object_get(a, "valueTwo"), &ret->value_two) && ok;

	v = json_object_get(a, "op");
	op = json_cstring(v);
	subpath(p, sizeof(p), "%s.op", path);
	if (!op) {
		diag_error(
			dg, json_is_set(v) ? -EBADMSG : -EINVAL,
			"%s: required, one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
			p);
		return false;
	}
	for (size_t i = 0; i < ELEMENTSOF(op_names); i++)
		if (strcmp(op, op_names[i].name) == 0) {
			ret->op = op_names[i].op;
			if (ok && cond_never_matches(ret))
				diag_warning(
					dg,
					"%s: valueTwo has bits outside the mask in value, so (arg & value) == valueTwo never holds",
					path);
			return ok;
		}
	diag_error(
		dg, -EINVAL,
		"%s: unknown operator \"%s\" (use SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT or SCMP_CMP_MASKED_EQ)",
		p, printable(op, sb, sizeof(sb)));
	return false;
}

/* Reads one OCI LinuxSyscall at `path`. Returns 0, -EINVAL (reported) or -ENOMEM. */
static int parse_entry(struct diag *dg, const char *path, const json_t *e, struct entry *ret)
{
	static const char *const known[] = { "names", "action", "errnoRet", "args", NULL };
	struct entry ent = {};
	unsigned errors = dg->n_errors;
	const json_t *names, *args, *v;
	char p[PATH_BUF];
	bool have_act;
	size_t i;

	if (!json_is_object(e)) {
		diag_error(
			dg, -EBADMSG,
			"%s: must be an object with names, action and optional errnoRet and args",
			path);
		return -EINVAL;
	}
	warn_unknown_fields(dg, path, e, known);

	names = json_object_get(e, "names");
	if (!json_is_set(names)) {
		diag_error(dg, -EINVAL, "%s.names: required, a list of syscall names", path);
	} else if (!json_is_array(names) || json_array_size(names) == 0) {
		diag_error(dg, -EBADMSG, "%s.names: must be a non-empty list of syscall names",
			   path);
	} else if (json_array_size(names) > SECCOMP_NAMES_MAX) {
		diag_error(dg, -E2BIG, "%s.names: %zu names, over the limit of %u", path,
			   json_array_size(names), SECCOMP_NAMES_MAX);
	} else {
		ent.names = calloc(json_array_size(names), sizeof(char *));
		if (!ent.names)
			return -ENOMEM;
		json_array_foreach(names, i, v) {
			const char *s = json_cstring(v);

			if (!s || !*s) {
				diag_error(dg, -EBADMSG,
					   "%s.names[%zu]: must be a non-empty string", path, i);
				continue;
			}
			check_syscall_name(dg, path, i, s);
			ent.names[ent.n_names++] = s;
		}
	}

	subpath(p, sizeof(p), "%s.action", path);
	have_act = parse_action(dg, p, json_object_get(e, "action"), &ent.act.kind);
	subpath(p, sizeof(p), "%s.errnoRet", path);
	if (have_act)
		parse_errno(dg, p, json_object_get(e, "errnoRet"), true, &ent.act);

	args = json_object_get(e, "args");
	if (json_is_set(args) && !json_is_array(args)) {
		diag_error(dg, -EBADMSG, "%s.args: must be a list of conditions", path);
	} else if (json_array_size(args) > SECCOMP_ARGS_MAX) {
		diag_error(
			dg, -E2BIG,
			"%s.args: %zu conditions, over the limit of %u (runtimes use at most six)",
			path, json_array_size(args), SECCOMP_ARGS_MAX);
	} else {
		unsigned seen = 0, repeated = 0;

		json_array_foreach(args, i, v) {
			subpath(p, sizeof(p), "%s.args[%zu]", path, i);
			if (!parse_arg(dg, p, v, &ent.args[ent.n_args]))
				continue;
			if (seen & (1U << ent.args[ent.n_args].index))
				repeated |= 1U << ent.args[ent.n_args].index;
			seen |= 1U << ent.args[ent.n_args].index;
			ent.n_args++;
		}
		for (unsigned k = 0; k < SECCOMP_ARGS_MAX; k++)
			if (repeated & (1U << k)) {
				diag_warning(
					dg,
					"%s.args: several conditions on argument %u: runc and crun then treat every condition of this rule as an alternative (OR), not all together (AND); pavise writes them as separate rules",
					path, k);
				break;
			}
	}

	if (dg->n_errors != errors) {
		entry_done(&ent);
		return -EINVAL;
	}
	*ret = ent;
	return 0;
}

static void profile_done(struct profile *pr)
{
	for (size_t i = 0; i < pr->n_entries; i++)
		entry_done(&pr->entries[i]);
	free(pr->entries);
	*pr = (struct profile){};
}

static void parse_arches(struct diag *dg, const char *prefix, const json_t *v, struct profile *pr)
{
	size_t i;
	json_t *a;

	if (!json_is_set(v))
		return;
	if (!json_is_array(v) || json_array_size(v) > SECCOMP_ARCHES_MAX) {
		diag_error(
			dg, json_is_array(v) ? -E2BIG : -EBADMSG,
			"%sarchitectures: must be a list of at most %u names such as \"SCMP_ARCH_X86_64\"",
			prefix, SECCOMP_ARCHES_MAX);
		return;
	}
	json_array_foreach(v, i, a) {
		const char *s = json_cstring(a);
		size_t n = s ? strlen(s) : 0;
		char lower[32], sb[80];
		uint32_t token = 0;

		if (n > 10 && n - 10 < sizeof(lower) && strncmp(s, "SCMP_ARCH_", 10) == 0) {
			n -= 10;
			for (size_t k = 0; k <= n; k++)
				lower[k] = (s[10 + k] >= 'A' && s[10 + k] <= 'Z') ?
						   (char)(s[10 + k] - 'A' + 'a') :
						   s[10 + k];
			token = seccomp_arch_resolve_name(lower);
		}
		if (token == 0) {
			diag_error(dg, -EINVAL, "%sarchitectures[%zu]: unknown architecture \"%s\"",
				   prefix, i, s ? printable(s, sb, sizeof(sb)) : "");
			continue;
		}
		pr->arches[pr->n_arches++] = token;
	}
	pr->arches_json = v;
}

static void parse_flags(struct diag *dg, const char *prefix, const json_t *v, struct profile *pr)
{
	size_t i;
	json_t *f;

	if (!json_is_set(v))
		return;
	if (!json_is_array(v) || json_array_size(v) > ELEMENTSOF(flag_names) * 2) {
		diag_error(dg, -EBADMSG, "%sflags: must be a list of SECCOMP_FILTER_FLAG_* names",
			   prefix);
		return;
	}
	json_array_foreach(v, i, f) {
		const char *s = json_cstring(f);
		char sb[80];
		size_t k;

		for (k = 0; s && k < ELEMENTSOF(flag_names); k++)
			if (strcmp(s, flag_names[k].name) == 0)
				break;
		if (!s || k == ELEMENTSOF(flag_names)) {
			diag_error(
				dg, -EINVAL,
				"%sflags[%zu]: unsupported flag \"%s\" (use SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG or SECCOMP_FILTER_FLAG_SPEC_ALLOW)",
				prefix, i, s ? printable(s, sb, sizeof(sb)) : "");
			continue;
		}
		pr->flags |= 1U << k;
	}
	pr->flags_json = v;
}

/*
 * Reads an OCI LinuxSeccomp object. `prefix` starts every message (e.g.
 * "spec.policy.defenseInDepth.seccomp.customProfile: "). Returns 0 (check
 * dg->n_errors) or -ENOMEM.
 */
static int parse_profile(struct diag *dg, const char *prefix, const json_t *root,
			 struct profile *ret)
{
	static const char *const known[] = {
		"defaultAction", "defaultErrnoRet", "architectures",	"flags",
		"syscalls",	 "listenerPath",    "listenerMetadata", NULL,
	};
	struct profile pr = {};
	const json_t *syscalls, *v;
	char p[PATH_BUF];
	size_t i;

	if (!json_is_object(root)) {
		diag_error(dg, -EBADMSG, "%sthe profile must be a JSON object", prefix);
		*ret = pr;
		return 0;
	}
	subpath(p, sizeof(p), "%sprofile", prefix);
	warn_unknown_fields(dg, p, root, known);

	subpath(p, sizeof(p), "%sdefaultAction", prefix);
	if (parse_action(dg, p, json_object_get(root, "defaultAction"), &pr.def.kind)) {
		v = json_object_get(root, "defaultErrnoRet");
		subpath(p, sizeof(p), "%sdefaultErrnoRet", prefix);
		pr.def_errno = json_is_set(v);
		parse_errno(dg, p, v, true, &pr.def);
	}
	parse_arches(dg, prefix, json_object_get(root, "architectures"), &pr);
	parse_flags(dg, prefix, json_object_get(root, "flags"), &pr);
	v = json_object_get(root, "listenerPath");
	if (json_is_set(v) && !(json_is_string(v) && json_string_length(v) == 0))
		diag_error(
			dg, -EOPNOTSUPP,
			"%slistenerPath: seccomp user notification is not supported (pavise runs no listener)",
			prefix);

	syscalls = json_object_get(root, "syscalls");
	if (json_is_set(syscalls) && !json_is_array(syscalls)) {
		diag_error(dg, -EBADMSG, "%ssyscalls: must be a list of rules", prefix);
	} else if (json_array_size(syscalls) > SECCOMP_PROFILE_SYSCALLS_MAX) {
		diag_error(dg, -E2BIG, "%ssyscalls: %zu rules, over the limit of %u", prefix,
			   json_array_size(syscalls), SECCOMP_PROFILE_SYSCALLS_MAX);
	} else if (json_array_size(syscalls) > 0) {
		pr.entries = calloc(json_array_size(syscalls), sizeof(struct entry));
		if (!pr.entries)
			return -ENOMEM;
		json_array_foreach(syscalls, i, v) {
			int r;

			subpath(p, sizeof(p), "%ssyscalls[%zu]", prefix, i);
			r = parse_entry(dg, p, v, &pr.entries[pr.n_entries]);
			if (r == -ENOMEM) {
				profile_done(&pr);
				return r;
			}
			if (r == 0)
				pr.n_entries++;
		}
	}
	*ret = pr;
	return 0;
}

static void build_done(struct build *b)
{
	ruleset_done(&b->set);
	json_decref(b->custom);
	*b = (struct build){};
}

/* Adds the built-in rule named `id` (at `path`) with the disposition action. */
static int add_builtin(struct build *b, struct diag *dg, const char *path, const char *id,
		       bool targets, struct action act)
{
	const struct catalog_rule *rule = catalog_lookup(id);
	const char *origin;

	/* Unknown IDs are reported by the policy's rule-list validation, once for all enforcers. */
	if (!rule)
		return 0;
	if (rule->n_seccomp == 0) {
		diag_warning(
			dg,
			"%s: built-in rule \"%s\" is not implemented by the Seccomp enforcer; it is ignored there",
			path, rule->id);
		return 0;
	}
	if (targets) {
		/* As vArmor: a filter covers the whole container, so targeted rules are skipped. */
		diag_warning(
			dg,
			"%s: built-in rule \"%s\" is limited to targets, which the Seccomp enforcer cannot do (a filter covers the whole container); it is ignored there",
			path, rule->id);
		return 0;
	}
	origin = ruleset_origin(&b->set, "built-in rule \"%s\"", rule->id);
	if (!origin)
		return -ENOMEM;
	for (size_t i = 0; i < rule->n_seccomp; i++) {
		const struct catalog_seccomp *sc = &rule->seccomp[i];
		const char *names[1] = { sc->syscall };
		struct entry e = { .names = names, .n_names = 1, .act = act };
		int r;

		if (!sc->syscall || sc->n_args > ELEMENTSOF(sc->args))
			return -EINVAL;
		for (unsigned k = 0; k < sc->n_args; k++) {
			struct cond *c = &e.args[e.n_args];

			if (sc->args[k].op == CATALOG_SC_NONE)
				continue;
			if (sc->args[k].index >= SECCOMP_ARGS_MAX)
				return -EINVAL;
			*c = (struct cond){
				.index = sc->args[k].index,
				.op = sc->args[k].op == CATALOG_SC_EQ ? SCMP_CMP_EQ :
									SCMP_CMP_MASKED_EQ,
				.value = sc->args[k].value,
				.value_two =
					sc->args[k].op == CATALOG_SC_EQ ? 0 : sc->args[k].value_two,
			};
			e.n_args++;
		}
		r = ruleset_add_entry(&b->set, &e, origin, false);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_builtin_list(struct build *b, struct diag *dg, const char *path, const json_t *list,
			    bool targets, struct action act)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		char p[PATH_BUF];
		int r;

		if (!json_cstring(v))
			continue; /* type errors belong to the rule-list validation */
		subpath(p, sizeof(p), "%s[%zu]", path, i);
		r = add_builtin(b, dg, p, json_cstring(v), targets, act);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_raw_rules(struct build *b, struct diag *dg, const char *path, const json_t *raw)
{
	size_t i;
	json_t *v;

	if (!json_is_set(raw))
		return 0;
	if (!json_is_array(raw)) {
		diag_error(dg, -EBADMSG, "%s: must be a list of OCI syscall rules", path);
		return 0;
	}
	if (json_array_size(raw) > SECCOMP_RAW_RULES_MAX) {
		diag_error(dg, -E2BIG, "%s: %zu rules, over the limit of %u", path,
			   json_array_size(raw), SECCOMP_RAW_RULES_MAX);
		return 0;
	}
	json_array_foreach(raw, i, v) {
		struct entry e = {};
		const char *origin;
		int r;

		origin = ruleset_origin(&b->set, "%s[%zu]", path, i);
		if (!origin)
			return -ENOMEM;
		r = parse_entry(dg, origin, v, &e);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			continue;
		r = ruleset_add_entry(&b->set, &e, origin, true);
		entry_done(&e);
		if (r < 0)
			return r;
	}
	return 0;
}

#define EP_PATH "spec.policy.enhanceProtect"

static int build_enhance_protect(const struct policy *p, struct diag *dg, struct build *b)
{
	const json_t *ep = json_path(p->object, "spec", "policy", "enhanceProtect", NULL);
	struct compile_disposition disp = compile_disposition(p);
	struct action act = { .kind = ACT_ERRNO, .errno_ret = EPERM };
	const json_t *apr;
	size_t i, n_builtin;
	json_t *v;
	int r;

	/* As vArmor: only allow+audit observes (SCMP_ACT_LOG); every other combination blocks. */
	if (disp.allow && disp.audit)
		act = (struct action){ .kind = ACT_LOG };
	b->def = (struct action){ .kind = ACT_ALLOW };
	r = add_builtin_list(b, dg, EP_PATH ".hardeningRules",
			     json_object_get(ep, "hardeningRules"), false, act);
	if (r < 0)
		return r;
	apr = json_object_get(ep, "attackProtectionRules");
	json_array_foreach(apr, i, v) {
		char path[PATH_BUF];

		subpath(path, sizeof(path), EP_PATH ".attackProtectionRules[%zu].rules", i);
		r = add_builtin_list(b, dg, path, json_object_get(v, "rules"),
				     json_array_size(json_object_get(v, "targets")) > 0, act);
		if (r < 0)
			return r;
	}
	r = add_builtin_list(b, dg, EP_PATH ".vulMitigationRules",
			     json_object_get(ep, "vulMitigationRules"), false, act);
	if (r < 0)
		return r;
	n_builtin = b->set.n;
	if (n_builtin > 0 && disp.allow && !disp.audit)
		diag_warning(
			dg, EP_PATH
			".allowViolations: without auditViolations the Seccomp enforcer still blocks (SCMP_ACT_ERRNO), as vArmor does; set auditViolations too to only log violations (SCMP_ACT_LOG)");

	r = add_raw_rules(b, dg, EP_PATH ".syscallRawRules",
			  json_object_get(ep, "syscallRawRules"));
	if (r < 0)
		return r;
	return ruleset_finalize(&b->set, b->def, dg);
}

#define DID_PATH "spec.policy.defenseInDepth.seccomp"

/* `active`: the policy's profile comes from this section (else it is only checked). */
static int build_defense_in_depth(const struct policy *p, struct diag *dg, struct build *b,
				  bool active)
{
	const json_t *did = json_path(p->object, "spec", "policy", "defenseInDepth", NULL);
	const json_t *sc = json_object_get(did, "seccomp"), *v;
	bool allow = json_is_true(json_object_get(did, "allowViolations"));
	_cleanup_(profile_done) struct profile pr = {};
	const char *type, *text;
	json_error_t jerr;
	char tb[80];
	int r;

	b->def = (struct action){ .kind = ACT_ERRNO, .errno_ret = EPERM };
	if (allow)
		b->def = (struct action){ .kind = ACT_LOG };
	if (!active && !json_is_set(sc))
		return 0;
	if (!json_is_object(sc)) {
		diag_error(
			dg, -EINVAL,
			DID_PATH
			": %s when the enforcer includes Seccomp (profileType Custom with a customProfile, or BehaviorModel)",
			json_is_set(sc) ? "must be an object" : "required");
		return 0;
	}
	v = json_object_get(sc, "profileType");
	type = json_cstring(v);
	if (!type) {
		diag_error(dg, -EINVAL, DID_PATH ".profileType: required, Custom or BehaviorModel");
		return 0;
	}
	if (strcmp(type, "BehaviorModel") == 0) {
		/* The raw rules would go on top of the model's profile: check them now. */
		r = add_raw_rules(b, dg, DID_PATH ".syscallRawRules",
				  json_object_get(sc, "syscallRawRules"));
		if (r < 0 || !active)
			return r < 0 ? r : -EOPNOTSUPP;
		diag_warning(
			dg, DID_PATH
			".profileType: BehaviorModel needs the ArmorProfileModel of a completed BehaviorModeling run, which pavise does not build yet; the seccomp profile cannot be compiled (use Custom)");
		return -EOPNOTSUPP;
	}
	if (strcmp(type, "Custom") != 0) {
		diag_error(dg, -EINVAL,
			   DID_PATH
			   ".profileType: unknown type \"%s\" (use Custom or BehaviorModel)",
			   printable(type, tb, sizeof(tb)));
		return 0;
	}
	v = json_object_get(sc, "customProfile");
	text = json_string_value(v);
	if (!text || json_string_length(v) == 0) {
		diag_error(
			dg, -EINVAL,
			DID_PATH
			".customProfile: required with profileType Custom, an OCI seccomp profile in JSON");
		return 0;
	}
	if (json_string_length(v) > SECCOMP_PROFILE_MAX) {
		diag_error(dg, -EFBIG, DID_PATH ".customProfile: %zu bytes, over the limit of %u",
			   json_string_length(v), SECCOMP_PROFILE_MAX);
		return 0;
	}
	b->custom = json_loadb(text, json_string_length(v), JSON_REJECT_DUPLICATES, &jerr);
	if (!b->custom) {
		diag_error(dg, -EBADMSG,
			   DID_PATH ".customProfile: not valid JSON: %s (line %d, column %d)",
			   printable(jerr.text, tb, sizeof(tb)), jerr.line, jerr.column);
		return 0;
	}
	r = parse_profile(dg, DID_PATH ".customProfile: ", b->custom, &pr);
	if (r < 0)
		return r;
	if (!allow && pr.def_errno && pr.def.kind == ACT_ERRNO) {
		b->def.errno_ret = pr.def.errno_ret;
		b->def_errno = true;
	}
	b->arches = pr.arches_json;
	b->flags = pr.flags_json;
	for (size_t i = 0; i < pr.n_entries; i++) {
		const char *origin =
			ruleset_origin(&b->set, DID_PATH ".customProfile: syscalls[%zu]", i);

		if (!origin)
			return -ENOMEM;
		r = ruleset_add_entry(&b->set, &pr.entries[i], origin, false);
		if (r < 0)
			return r;
	}
	r = add_raw_rules(b, dg, DID_PATH ".syscallRawRules",
			  json_object_get(sc, "syscallRawRules"));
	if (r < 0)
		return r;
	return ruleset_finalize(&b->set, b->def, dg);
}

/* Builds the rules of a policy. Validation problems go to dg; returns < 0 only when it cannot go on. */
static int build_policy(const struct policy *p, struct diag *dg, struct build *b)
{
	switch (p->mode) {
	case MODE_ALWAYS_ALLOW:
	case MODE_RUNTIME_DEFAULT:
		/* RuntimeDefault is set in the pod; the node still needs a placeholder file. */
		b->def = (struct action){ .kind = ACT_ALLOW };
		return 0;
	case MODE_BEHAVIOR_MODELING: {
		struct entry e = {
			.names = (const char **)modeling_allowed,
			.n_names = ELEMENTSOF(modeling_allowed),
			.act = { .kind = ACT_ALLOW },
		};
		const char *origin = ruleset_origin(&b->set, "behavior modeling");
		int r;

		if (!origin)
			return -ENOMEM;
		b->def = (struct action){ .kind = ACT_LOG };
		r = ruleset_add_entry(&b->set, &e, origin, false);
		if (r < 0)
			return r;
		return ruleset_finalize(&b->set, b->def, dg);
	}
	case MODE_ENHANCE_PROTECT:
		return build_enhance_protect(p, dg, b);
	case MODE_DEFENSE_IN_DEPTH:
		return build_defense_in_depth(p, dg, b, true);
	case _MODE_MAX:
		break;
	}
	return -EINVAL;
}

/* Orders entries (groups of rules with one action and conjunction) by their first name. */
struct group {
	const struct rule *first;
	size_t start, n;
};

static int rule_ptr_cmp_by_act_conj(const void *x, const void *y)
{
	const struct rule *a = *(const struct rule *const *)x, *b = *(const struct rule *const *)y;
	int c = act_cmp(a->act, b->act);

	if (c)
		return c;
	c = conj_cmp(&a->conj, &b->conj);
	if (c)
		return c;
	return strcmp(a->name, b->name);
}

static int group_cmp(const void *x, const void *y)
{
	const struct group *a = x, *b = y;
	int c = strcmp(a->first->name, b->first->name);

	if (c)
		return c;
	c = act_cmp(a->first->act, b->first->act);
	if (c)
		return c;
	return conj_cmp(&a->first->conj, &b->first->conj);
}

static json_t *emit_entry(const struct rule *const *rules, size_t n)
{
	const struct rule *r = rules[0];
	json_auto_t *o = json_object(), *names = json_array();

	if (!o || !names)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(names, json_string(rules[i]->name)) < 0)
			return NULL;
	if (json_object_set(o, "names", names) < 0 ||
	    json_object_set_new(o, "action", json_string(act_out[r->act.kind])) < 0)
		return NULL;
	if (act_has_errno(r->act.kind) &&
	    json_object_set_new(o, "errnoRet", json_integer(r->act.errno_ret)) < 0)
		return NULL;
	if (r->conj.n > 0) {
		json_t *args = json_array();

		if (json_object_set_new(o, "args", args) < 0)
			return NULL;
		for (unsigned i = 0; i < r->conj.n; i++) {
			const struct cond *c = &r->conj.c[i];
			const char *op = NULL;
			json_t *a;

			for (size_t k = 0; k < ELEMENTSOF(op_names); k++)
				if (op_names[k].op == c->op)
					op = op_names[k].name;
			if (!op || c->value > INT64_MAX || c->value_two > INT64_MAX)
				return NULL;
			/* Field order and omitted zero valueTwo as the runtime-spec Go types write them. */
			a = json_pack("{s:I,s:I}", "index", (json_int_t)c->index, "value",
				      (json_int_t)c->value);
			if (!a ||
			    (c->value_two &&
			     json_object_set_new(a, "valueTwo",
						 json_integer((json_int_t)c->value_two)) < 0) ||
			    json_object_set_new(a, "op", json_string(op)) < 0 ||
			    json_array_append_new(args, a) < 0)
				return NULL;
		}
	}
	return TAKE_PTR(o);
}

static int emit(const struct build *b, char **ret_json)
{
	json_auto_t *root = json_object();
	_cleanup_free_ const struct rule **order = NULL;
	_cleanup_free_ struct group *groups = NULL;
	const struct ruleset *s = &b->set;
	size_t n_groups = 0;
	char *text;

	if (!root ||
	    json_object_set_new(root, "defaultAction", json_string(act_out[b->def.kind])) < 0)
		return -ENOMEM;
	if (b->def_errno &&
	    json_object_set_new(root, "defaultErrnoRet", json_integer(b->def.errno_ret)) < 0)
		return -ENOMEM;
	if (b->arches && json_object_set_new(root, "architectures", json_deep_copy(b->arches)) < 0)
		return -ENOMEM;
	if (b->flags && json_object_set_new(root, "flags", json_deep_copy(b->flags)) < 0)
		return -ENOMEM;

	if (s->n > 0) {
		json_t *syscalls = json_array();

		if (json_object_set_new(root, "syscalls", syscalls) < 0)
			return -ENOMEM;
		order = calloc(s->n, sizeof(*order));
		groups = calloc(s->n, sizeof(*groups));
		if (!order || !groups)
			return -ENOMEM;
		for (size_t i = 0; i < s->n; i++)
			order[i] = &s->v[i];
		qsort(order, s->n, sizeof(*order), rule_ptr_cmp_by_act_conj);
		for (size_t i = 0; i < s->n; i++) {
			if (i > 0 && act_eq(order[i]->act, order[i - 1]->act) &&
			    conj_cmp(&order[i]->conj, &order[i - 1]->conj) == 0) {
				groups[n_groups - 1].n++;
				continue;
			}
			groups[n_groups++] =
				(struct group){ .first = order[i], .start = i, .n = 1 };
		}
		qsort(groups, n_groups, sizeof(*groups), group_cmp);
		for (size_t g = 0; g < n_groups; g++) {
			json_t *e = emit_entry(order + groups[g].start, groups[g].n);

			if (!e || json_array_append_new(syscalls, e) < 0)
				return -ENOMEM;
		}
	}
	text = json_dumps(root, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	if (strlen(text) > SECCOMP_PROFILE_MAX) {
		free(text);
		return -EFBIG;
	}
	*ret_json = text;
	return 0;
}

int seccomp_compile(const struct policy *p, char **ret_json)
{
	_cleanup_(build_done) struct build b = {};
	struct diag dg = { .policy = true };
	int r;

	assert(p);
	assert(ret_json);
	r = build_policy(p, &dg, &b);
	if (r < 0)
		return r;
	if (dg.n_errors > 0)
		return -EINVAL;
	return emit(&b, ret_json);
}

/* The instructions of the BPF program libseccomp generates for ctx (0 when it cannot tell). */
static size_t filter_insns(scmp_filter_ctx ctx)
{
	_cleanup_close_ int fd = memfd_create("pavise-seccomp", MFD_CLOEXEC);
	struct stat st;

	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0)
		return 0;
	return (size_t)st.st_size / 8; /* sizeof(struct sock_filter) */
}

/* Reports what a build that could not go on means for the policy; returns < 0 to stop. */
static int build_failed(struct diag *dg, int r)
{
	if (r == -EOPNOTSUPP)
		return 0; /* DefenseInDepth with BehaviorModel: warned where it applies */
	if (r == -E2BIG) {
		diag_error(dg, r, "spec.policy: the seccomp rules expand to more than %u rules",
			   SECCOMP_RULES_MAX);
		return 0;
	}
	return r;
}

int seccomp_validate(const struct policy *p, struct policy_diags *d)
{
	_cleanup_(build_done) struct build b = {};
	_cleanup_free_ char *json = NULL;
	struct diag dg = { .d = d, .policy = true };
	scmp_filter_ctx ctx = NULL;
	bool selected;
	size_t insns;
	int r;

	assert(p);
	selected = p->enforcers & ENFORCER_SECCOMP;
	/* Sections the profile is not built from are checked all the same: a malformed
	 * field is a mistake either way. */
	if (!selected || p->mode != MODE_ENHANCE_PROTECT) {
		r = add_raw_rules(&b, &dg, EP_PATH ".syscallRawRules",
				  json_path(p->object, "spec", "policy", "enhanceProtect",
					    "syscallRawRules", NULL));
		build_done(&b);
		if (r < 0 && build_failed(&dg, r) < 0)
			return r;
	}
	if (!selected || p->mode != MODE_DEFENSE_IN_DEPTH) {
		r = build_defense_in_depth(p, &dg, &b, false);
		build_done(&b);
		if (r < 0 && build_failed(&dg, r) < 0)
			return r;
	}
	if (!selected)
		return dg.oom ? dg.oom : dg.n_errors > 0 ? -EINVAL : 0;

	r = build_policy(p, &dg, &b);
	if (r == -EOPNOTSUPP)
		return dg.oom ? dg.oom : dg.n_errors > 0 ? -EINVAL : 0;
	if (r < 0 && build_failed(&dg, r) < 0)
		return r;
	if (dg.oom)
		return dg.oom;
	if (dg.n_errors > 0)
		return -EINVAL;

	/* The profile as the node would write it must load, and fit in one kernel filter. */
	r = emit(&b, &json);
	if (r == -EFBIG) {
		diag_error(&dg, r, "spec.policy: the seccomp profile would exceed %u bytes",
			   SECCOMP_PROFILE_MAX);
		return dg.oom ? dg.oom : -EINVAL;
	}
	if (r < 0)
		return r;
	r = seccomp_profile_load(json, &ctx);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		errno = -r;
		diag_error(&dg, r,
			   "spec.policy: libseccomp refuses the generated seccomp profile: %m");
		return dg.oom ? dg.oom : -EINVAL;
	}
	insns = filter_insns(ctx);
	seccomp_release(ctx);
	if (insns > SECCOMP_BPF_INSNS_MAX)
		diag_error(
			&dg, -E2BIG,
			"spec.policy: the seccomp profile compiles to %zu BPF instructions, over the kernel's limit of %u for one filter; use fewer rules",
			insns, SECCOMP_BPF_INSNS_MAX);
	if (dg.oom)
		return dg.oom;
	return dg.n_errors > 0 ? -EINVAL : 0;
}

static int load_rules(scmp_filter_ctx ctx, const struct ruleset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct rule *rule = &s->v[i];
		struct scmp_arg_cmp cmp[SECCOMP_ARGS_MAX];
		int nr = seccomp_syscall_resolve_name(rule->name), r;

		if (nr == __NR_SCMP_ERROR)
			return -EINVAL;
		for (unsigned k = 0; k < rule->conj.n; k++)
			cmp[k] = (struct scmp_arg_cmp){
				.arg = rule->conj.c[k].index,
				.op = rule->conj.c[k].op,
				.datum_a = rule->conj.c[k].value,
				.datum_b = rule->conj.c[k].value_two,
			};
		r = seccomp_rule_add_array(ctx, act_value(rule->act), nr, rule->conj.n, cmp);
		if (r < 0)
			return r;
	}
	return 0;
}

int seccomp_profile_load(const char *json, scmp_filter_ctx *ret_ctx)
{
	_cleanup_(profile_done) struct profile pr = {};
	_cleanup_(ruleset_done) struct ruleset set = {};
	json_auto_t *root = NULL;
	struct diag dg = {};
	scmp_filter_ctx ctx;
	size_t len;
	int r;

	assert(ret_ctx);
	if (!json)
		return -EINVAL;
	len = strnlen(json, SECCOMP_PROFILE_MAX + 1);
	if (len > SECCOMP_PROFILE_MAX)
		return -EFBIG;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
	if (!root)
		return -EBADMSG;
	r = parse_profile(&dg, "", root, &pr);
	if (r < 0)
		return r;
	if (dg.n_errors > 0)
		return dg.r;
	for (size_t i = 0; i < pr.n_entries; i++) {
		r = ruleset_add_entry(&set, &pr.entries[i], "", false);
		if (r < 0)
			return r;
	}
	r = ruleset_finalize(&set, pr.def, &dg);
	if (r < 0)
		return r;
	if (dg.n_errors > 0)
		return dg.r;

	ctx = seccomp_init(act_value(pr.def));
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < pr.n_arches && r >= 0; i++) {
		r = seccomp_arch_add(ctx, pr.arches[i]);
		if (r == -EEXIST)
			r = 0;
	}
	for (size_t k = 0; k < ELEMENTSOF(flag_names) && r >= 0; k++)
		if (pr.flags & (1U << k))
			r = seccomp_attr_set(ctx, flag_names[k].attr, 1);
	if (r >= 0)
		r = load_rules(ctx, &set);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret_ctx = ctx;
	return 0;
}
