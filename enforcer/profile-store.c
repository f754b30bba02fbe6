// SPDX-License-Identifier: Apache-2.0
/* ArmorProfiles: parsing and validation, and the node's per-profile, per-enforcer apply state. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/json-util.h"
#include "enforcer/backend.h"
#include "enforcer/profile-store.h"
#include "rules/apparmor.h"
#include "rules/seccomp.h"

struct enforcer_status {
	enum apply_state state;
	char message[PROFILE_MESSAGE_MAX];
	uint64_t time_usec; /* CLOCK_REALTIME of the last change */
};

struct entry {
	struct armor_profile *profile;
	char *source;
	struct enforcer_status st[_PART_MAX];
};

struct profile_store {
	struct backend *backends[_PART_MAX];
	struct profile_store_events events;
	pthread_mutex_t lock; /* guards everything below against readers */
	struct entry *entries;
	size_t n_entries;
	struct profile_set refused; /* from the last sync (only refused is used) */
	bool synced, syncing;
	uint64_t attempts[_PART_MAX], failures[_PART_MAX], syncs;
};

static const char *const kind_names[_PART_MAX] = {
	[PART_APPARMOR] = "apparmor",
	[PART_SECCOMP] = "seccomp",
	[PART_BPF] = "bpf",
};

static const char *const state_names[_APPLY_STATE_MAX] = {
	[APPLY_NONE] = "none",
	[APPLY_PENDING] = "pending",
	[APPLY_APPLIED] = "applied",
	[APPLY_FAILED] = "failed",
};

const char *part_kind_to_string(enum part_kind k)
{
	return k < _PART_MAX ? kind_names[k] : NULL;
}

const char *apply_state_to_string(enum apply_state s)
{
	return s < _APPLY_STATE_MAX ? state_names[s] : NULL;
}

static bool is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool profile_name_is_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > ARMOR_NAME_MAX)
		return false;
	if (!is_alnum_lower(name[0]) || !is_alnum_lower(name[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum_lower(name[i]) && name[i] != '-' && name[i] != '.' && name[i] != '_')
			return false;
	return true;
}

static int fail(char **reterr_msg, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(char **reterr_msg, int r, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	free(*reterr_msg);
	*reterr_msg = m;
	return m ? r : -ENOMEM;
}

/* A string field: absent/null -> NULL; wrong type, NUL inside or too long -> error. */
static int get_text(const json_t *obj, const char *key, size_t max, const char *field, char **ret,
		    char **reterr_msg)
{
	const json_t *v = json_object_get(obj, key);
	size_t len;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(reterr_msg, -EINVAL, "%s: not a string", field);
	len = json_string_length(v);
	if (len > max)
		return fail(reterr_msg, -EFBIG, "%s: %zu bytes, more than the %zu allowed", field,
			    len, max);
	if (strlen(json_string_value(v)) != len)
		return fail(reterr_msg, -EINVAL, "%s: contains a NUL character", field);
	if (len == 0)
		return 0;
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : -ENOMEM;
}

int armor_profile_parse(const json_t *doc, struct armor_profile **ret, char **reterr_msg)
{
	_cleanup_(armor_profile_freep) struct armor_profile *p = NULL;
	const char *api, *kind, *name, *pname, *mode;
	const json_t *meta, *profile, *bpf;
	int r;

	if (!json_is_object(doc))
		return fail(reterr_msg, -EINVAL, "not an object");
	api = json_string_value(json_object_get(doc, "apiVersion"));
	kind = json_string_value(json_object_get(doc, "kind"));
	if (!api || strcmp(api, PROFILE_API_VERSION) != 0)
		return fail(reterr_msg, -EINVAL, "apiVersion: want '%s'", PROFILE_API_VERSION);
	if (!kind || strcmp(kind, PROFILE_KIND) != 0)
		return fail(reterr_msg, -EINVAL, "kind: want '%s'", PROFILE_KIND);
	meta = json_object_get(doc, "metadata");
	name = json_string_value(json_object_get(meta, "name"));
	if (!name)
		return fail(reterr_msg, -EINVAL, "metadata.name: missing");
	if (!profile_name_is_valid(name))
		return fail(reterr_msg, -EINVAL,
			    "metadata.name: not a valid profile name (1-%u bytes of a-z, 0-9, "
			    "'-', '.', '_', starting and ending alphanumeric)",
			    ARMOR_NAME_MAX);
	profile = json_path(doc, "spec", "profile", NULL);
	if (!json_is_object(profile))
		return fail(reterr_msg, -EINVAL, "spec.profile: missing or not an object");
	pname = json_string_value(json_object_get(profile, "name"));
	if (!pname || strcmp(pname, name) != 0)
		return fail(reterr_msg, -EINVAL, "spec.profile.name: must equal metadata.name");

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p->name, name, strlen(name) + 1);

	mode = json_string_value(json_object_get(profile, "mode"));
	if (json_object_get(profile, "mode") && !json_is_null(json_object_get(profile, "mode")) &&
	    !mode)
		return fail(reterr_msg, -EINVAL, "spec.profile.mode: not a string");
	if (!mode || strcmp(mode, "enforce") == 0)
		p->complain = false;
	else if (strcmp(mode, "complain") == 0)
		p->complain = true;
	else
		return fail(reterr_msg, -EINVAL, "spec.profile.mode: want 'enforce' or 'complain'");

	r = get_text(profile, "appArmor", APPARMOR_PROFILE_MAX, "spec.profile.appArmor",
		     &p->apparmor, reterr_msg);
	if (r < 0)
		return r;
	r = get_text(profile, "seccomp", SECCOMP_PROFILE_MAX, "spec.profile.seccomp", &p->seccomp,
		     reterr_msg);
	if (r < 0)
		return r;
	bpf = json_object_get(profile, "bpf");
	if (bpf && !json_is_null(bpf)) {
		if (!json_is_object(bpf))
			return fail(reterr_msg, -EINVAL, "spec.profile.bpf: not an object");
		p->bpf = json_dumps(bpf, JSON_COMPACT | JSON_SORT_KEYS);
		if (!p->bpf)
			return -ENOMEM;
		if (strlen(p->bpf) > PROFILE_BPF_MAX)
			return fail(reterr_msg, -EFBIG, "spec.profile.bpf: more than %u bytes",
				    PROFILE_BPF_MAX);
	}
	*ret = TAKE_PTR(p);
	return 0;
}

struct armor_profile *armor_profile_free(struct armor_profile *p)
{
	if (!p)
		return NULL;
	free(p->apparmor);
	free(p->seccomp);
	free(p->bpf);
	free(p);
	return NULL;
}

int profile_set_add(struct profile_set *s, struct armor_profile *profile, const char *source)
{
	struct profile_set_item *items;
	char *src;

	if (s->n_items + s->n_refused >= PROFILE_STORE_MAX) {
		armor_profile_free(profile);
		return -E2BIG;
	}
	src = strndup(source, PROFILE_SOURCE_MAX);
	items = reallocarray(s->items, s->n_items + 1, sizeof(*items));
	if (!src || !items) {
		free(src);
		if (items)
			s->items = items;
		armor_profile_free(profile);
		return -ENOMEM;
	}
	s->items = items;
	s->items[s->n_items++] = (struct profile_set_item){ .profile = profile, .source = src };
	return 0;
}

int profile_set_refuse(struct profile_set *s, const char *source, const char *name,
		       const char *message)
{
	struct profile_set_refused *rf, x = {};

	if (s->n_items + s->n_refused >= PROFILE_STORE_MAX)
		return -E2BIG;
	x.source = strndup(source, PROFILE_SOURCE_MAX);
	x.name = name ? strndup(name, ARMOR_NAME_MAX + 1) : NULL;
	x.message = strndup(message ? message : "refused", PROFILE_MESSAGE_MAX);
	rf = reallocarray(s->refused, s->n_refused + 1, sizeof(*rf));
	if (!x.source || (name && !x.name) || !x.message || !rf) {
		free(x.source);
		free(x.name);
		free(x.message);
		if (rf)
			s->refused = rf;
		return -ENOMEM;
	}
	s->refused = rf;
	s->refused[s->n_refused++] = x;
	return 0;
}

void profile_set_done(struct profile_set *s)
{
	for (size_t i = 0; i < s->n_items; i++) {
		armor_profile_free(s->items[i].profile);
		free(s->items[i].source);
	}
	for (size_t i = 0; i < s->n_refused; i++) {
		free(s->refused[i].source);
		free(s->refused[i].name);
		free(s->refused[i].message);
	}
	free(s->items);
	free(s->refused);
	*s = (struct profile_set){};
}

int profile_store_new(struct backend *const backends[_PART_MAX],
		      const struct profile_store_events *events, struct profile_store **ret)
{
	struct profile_store *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (int k = 0; k < _PART_MAX; k++)
		s->backends[k] = backends[k];
	if (events)
		s->events = *events;
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

static void entry_done(struct entry *e)
{
	armor_profile_free(e->profile);
	free(e->source);
}

struct profile_store *profile_store_free(struct profile_store *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < s->n_entries; i++)
		entry_done(&s->entries[i]);
	free(s->entries);
	profile_set_done(&s->refused);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static void set_status(struct profile_store *s, struct enforcer_status *st, enum apply_state state,
		       const char *msg)
{
	pthread_mutex_lock(&s->lock);
	st->state = state;
	snprintf(st->message, sizeof(st->message), "%s", msg ? msg : "");
	/* one line: a parser's stderr keeps its text, not its layout */
	for (char *c = st->message; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	st->time_usec = now_usec();
	pthread_mutex_unlock(&s->lock);
}

static struct entry *find_entry(struct profile_store *s, const char *name)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (strcmp(s->entries[i].profile->name, name) == 0)
			return &s->entries[i];
	return NULL;
}

static const char *content_of(struct backend *b, const struct armor_profile *p)
{
	return p ? b->content(p) : NULL;
}

static void remove_part(struct profile_store *s, struct entry *e, enum part_kind k)
{
	struct backend *b = s->backends[k];
	_cleanup_free_ char *msg = NULL;
	int r = 0;

	if (e->st[k].state == APPLY_NONE)
		return;
	if (b->available)
		r = b->remove(b, e->profile->name, &msg);
	if (s->events.removed)
		s->events.removed(s->events.userdata, e->profile->name, b->name, r, msg);
	set_status(s, &e->st[k], APPLY_NONE, NULL);
}

static void apply_part(struct profile_store *s, struct entry *e, enum part_kind k)
{
	struct backend *b = s->backends[k];
	_cleanup_free_ char *msg = NULL;
	char buf[PROFILE_MESSAGE_MAX];
	int r;

	set_status(s, &e->st[k], APPLY_PENDING, "applying");
	if (!b->available) {
		if (b->unavailable_msg)
			snprintf(buf, sizeof(buf), "%s", b->unavailable_msg);
		else
			snprintf(buf, sizeof(buf), "this node cannot enforce %s", b->name);
		r = -EOPNOTSUPP;
		msg = strdup(buf);
	} else {
		__atomic_add_fetch(&s->attempts[k], 1, __ATOMIC_RELAXED);
		r = b->apply(b, e->profile, &msg);
	}
	if (r < 0) {
		__atomic_add_fetch(&s->failures[k], 1, __ATOMIC_RELAXED);
		if (!msg) {
			snprintf(buf, sizeof(buf), "%s", strerror(-r));
			set_status(s, &e->st[k], APPLY_FAILED, buf);
		} else {
			set_status(s, &e->st[k], APPLY_FAILED, msg);
		}
	} else if (r == BACKEND_PENDING) {
		set_status(s, &e->st[k], APPLY_PENDING, msg ? msg : "pending");
	} else {
		set_status(s, &e->st[k], APPLY_APPLIED,
			   msg ? msg :
				 (e->profile->complain ? "loaded (complain)" : "loaded (enforce)"));
	}
	if (s->events.applied)
		s->events.applied(s->events.userdata, e->profile->name, b->name, r, msg);
}

static bool part_changed(struct backend *b, const struct armor_profile *old,
			 const struct armor_profile *new)
{
	const char *a = content_of(b, old), *c = content_of(b, new);

	if (!a || !c)
		return a != c;
	return strcmp(a, c) != 0 || old->complain != new->complain;
}

int profile_store_sync(struct profile_store *s, struct profile_set *want, bool retry_failed)
{
	pthread_mutex_lock(&s->lock);
	s->syncing = true;
	pthread_mutex_unlock(&s->lock);

	/* Profiles that are gone: remove every part, then forget them. */
	for (size_t i = 0; i < s->n_entries;) {
		struct entry *e = &s->entries[i];
		bool keep = false;

		for (size_t j = 0; j < want->n_items && !keep; j++)
			keep = strcmp(want->items[j].profile->name, e->profile->name) == 0;
		if (keep) {
			i++;
			continue;
		}
		for (int k = 0; k < _PART_MAX; k++)
			remove_part(s, e, k);
		pthread_mutex_lock(&s->lock);
		entry_done(e);
		memmove(e, e + 1, (s->n_entries - i - 1) * sizeof(*e));
		s->n_entries--;
		pthread_mutex_unlock(&s->lock);
	}

	for (size_t j = 0; j < want->n_items; j++) {
		struct profile_set_item *it = &want->items[j];
		struct entry *e = find_entry(s, it->profile->name);
		struct armor_profile *old = NULL;
		bool fresh = false;

		pthread_mutex_lock(&s->lock);
		if (!e) {
			struct entry *n = reallocarray(s->entries, s->n_entries + 1, sizeof(*n));

			if (!n) {
				pthread_mutex_unlock(&s->lock);
				continue;
			}
			s->entries = n;
			e = &s->entries[s->n_entries++];
			*e = (struct entry){};
			fresh = true;
		}
		old = e->profile;
		e->profile = TAKE_PTR(it->profile);
		free(e->source);
		e->source = TAKE_PTR(it->source);
		pthread_mutex_unlock(&s->lock);

		for (int k = 0; k < _PART_MAX; k++) {
			struct backend *b = s->backends[k];
			bool has = content_of(b, e->profile) != NULL;

			if (!has) {
				if (e->st[k].state != APPLY_NONE) {
					/* remove() only needs the name, which did not change */
					remove_part(s, e, k);
				}
				continue;
			}
			if (fresh || e->st[k].state == APPLY_NONE ||
			    part_changed(b, old, e->profile) ||
			    (retry_failed && e->st[k].state == APPLY_FAILED))
				apply_part(s, e, k);
		}
		armor_profile_free(old);
	}

	pthread_mutex_lock(&s->lock);
	profile_set_done(&s->refused);
	s->refused.refused = TAKE_PTR(want->refused);
	s->refused.n_refused = want->n_refused;
	want->n_refused = 0;
	s->syncing = false;
	s->synced = true;
	s->syncs++;
	pthread_mutex_unlock(&s->lock);
	profile_set_done(want);
	return 0;
}

bool profile_store_ready(struct profile_store *s)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = s->synced && !s->syncing;
	pthread_mutex_unlock(&s->lock);
	return r;
}

static json_t *status_of(const struct enforcer_status *st)
{
	char when[64];
	struct tm tm;
	time_t t = (time_t)(st->time_usec / 1000000U);

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s, s:s, s:s}", "state", apply_state_to_string(st->state), "message",
			 st->message, "time", when);
}

int profile_store_status_json(struct profile_store *s, json_t **ret)
{
	json_auto_t *profiles = json_array(), *refused = json_array(), *out = NULL;

	if (!profiles || !refused)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct entry *e = &s->entries[i];
		json_t *enf = json_object(), *o;

		if (!enf)
			goto oom;
		for (int k = 0; k < _PART_MAX; k++)
			if (e->st[k].state != APPLY_NONE)
				json_object_set_new(enf, kind_names[k], status_of(&e->st[k]));
		o = json_pack("{s:s, s:s, s:s, s:o}", "name", e->profile->name, "source",
			      strempty(e->source), "mode",
			      e->profile->complain ? "complain" : "enforce", "enforcers", enf);
		if (!o || json_array_append_new(profiles, o) < 0)
			goto oom;
	}
	for (size_t i = 0; i < s->refused.n_refused; i++) {
		const struct profile_set_refused *rf = &s->refused.refused[i];
		json_t *o = json_pack("{s:s, s:s?, s:s}", "source", rf->source, "name", rf->name,
				      "message", rf->message);

		if (!o || json_array_append_new(refused, o) < 0)
			goto oom;
	}
	out = json_pack("{s:b, s:O, s:O}", "ready", s->synced && !s->syncing, "profiles", profiles,
			"refused", refused);
	pthread_mutex_unlock(&s->lock);
	if (!out)
		return -ENOMEM;
	*ret = TAKE_PTR(out);
	return 0;
oom:
	pthread_mutex_unlock(&s->lock);
	return -ENOMEM;
}

void profile_store_counts(struct profile_store *s, struct profile_store_counts *ret)
{
	struct profile_store_counts c = {};

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n_entries; i++)
		for (int k = 0; k < _PART_MAX; k++)
			if (s->entries[i].st[k].state != APPLY_NONE)
				c.by_state[k][s->entries[i].st[k].state]++;
	for (int k = 0; k < _PART_MAX; k++) {
		c.attempts[k] = __atomic_load_n(&s->attempts[k], __ATOMIC_RELAXED);
		c.failures[k] = __atomic_load_n(&s->failures[k], __ATOMIC_RELAXED);
	}
	c.refused = s->refused.n_refused;
	c.syncs = s->syncs;
	pthread_mutex_unlock(&s->lock);
	*ret = c;
}

int profile_store_get(struct profile_store *s, const char *name, enum part_kind k,
		      enum apply_state *ret_state, char *msg, size_t msg_size)
{
	struct entry *e;
	int r = -ENOENT;

	pthread_mutex_lock(&s->lock);
	e = find_entry(s, name);
	if (e && k < _PART_MAX) {
		*ret_state = e->st[k].state;
		if (msg && msg_size)
			snprintf(msg, msg_size, "%s", e->st[k].message);
		r = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}
