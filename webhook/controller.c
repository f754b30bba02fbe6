// SPDX-License-Identifier: Apache-2.0
/*
 * The policy controller: VarmorPolicy/VarmorClusterPolicy -> ArmorProfile,
 * policy and profile status, events, finalizers and rolling restarts; the
 * replica holding the Lease reconciles, every replica serves admission.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/json-util.h"
#include "common/k8s-client.h"
#include "common/log.h"
#include "common/policy.h"
#include "rules/compile.h"
#include "rules/validate.h"
#include "webhook/controller-queue.h"
#include "webhook/controller-status.h"
#include "webhook/controller.h"
#include "webhook/gates.h"
#include "webhook/restart.h"

#define NODES_REFRESH_USEC	 (30ULL * 1000 * 1000)
#define DELETE_WAIT_USEC	 (1000ULL * 1000) /* recheck a profile that is still going away */
#define DELETED_POLICY_WAIT_USEC (10ULL * 1000 * 1000)
#define TICK_USEC		 (200ULL * 1000)
#define RESTART_JOBS_MAX	 4096U
#define RESYNC_USEC		 (5ULL * 60 * 1000 * 1000) /* look at every policy again this often */
#define GATES_LIFT_USEC		 (5ULL * 1000 * 1000)
#define GATES_LIFT_WINDOW_USEC	 (2ULL * 60 * 1000 * 1000)

static const struct k8s_resource res_policy[2] = {
	{ .group = "crd.varmor.org", .version = "v1beta1", .plural = "varmorpolicies" },
	{ .group = "crd.varmor.org", .version = "v1beta1", .plural = "varmorclusterpolicies" },
};
static const char *const policy_kind[2] = { POLICY_KIND, CLUSTER_POLICY_KIND };
static const struct k8s_resource res_profile = { .group = "crd.varmor.org",
						 .version = "v1beta1",
						 .plural = "armorprofiles" };
static const struct k8s_resource res_nodes = { .version = "v1", .plural = "nodes" };
static const struct k8s_resource res_events = { .version = "v1", .plural = "events" };
static const struct k8s_resource res_workloads[] = {
	[TARGET_DEPLOYMENT] = { .group = "apps", .version = "v1", .plural = "deployments" },
	[TARGET_STATEFULSET] = { .group = "apps", .version = "v1", .plural = "statefulsets" },
	[TARGET_DAEMONSET] = { .group = "apps", .version = "v1", .plural = "daemonsets" },
};

struct cached {
	char *key;
	json_t *obj;
};

struct profile_entry {
	char *name;
	char *namespace; /* NULL until a reconcile named it */
	char *policy_key;
	struct controller_nodes nodes;
	json_t *status; /* last written */
	bool dirty;
	uint64_t last_write_usec;
	unsigned parts; /* the policy's enforcers (ENFORCER_* bits, 0..7) */
	uint64_t last_lift_usec; /* gates lifted (webhook/gates.h) */
	uint64_t lift_until_usec; /* lift often until then (it became ready recently) */
	bool was_ready;
};

struct restart_job {
	enum restart_op op;
	char *key;
	char *uid;
	long long generation;
	struct policy *policy;
};

struct controller;

struct watcher {
	struct controller *c;
	bool cluster;
	struct k8s_client *client;
	pthread_t thread;
	bool started;
};

struct controller {
	struct controller_config cc;
	struct lease *lease;
	atomic_bool stop;

	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct controller_queue *queue;
	struct cached *cache;
	size_t n_cache, alloc_cache;
	struct profile_entry *profiles;
	size_t n_profiles, alloc_profiles;
	struct restart_job *jobs;
	size_t n_jobs, alloc_jobs;
	pthread_cond_t jobs_wake;
	bool job_running;
	char *running_uid;

	struct watcher watchers[2];
	struct k8s_client *client; /* the worker's */
	struct k8s_client *restart_client;
	pthread_t worker, restarter;
	bool worker_started, restarter_started;

	/*
	 * Nodes that should load a profile, by the enforcers the profile uses
	 * (index: ENFORCER_APPARMOR | ENFORCER_BPF | ENFORCER_SECCOMP bits):
	 * schedulable nodes whose enforcer labelled them (pavise.io/enforcer)
	 * as able to enforce every one of them. Pods never land elsewhere (the
	 * webhook's node affinity), so nodes without an enforcer, or whose
	 * kernel lacks an enforcer, do not hold a profile's readiness back.
	 */
	unsigned desired[8];
	uint64_t nodes_refreshed_usec;
	uint64_t seen_term;
	uint64_t resynced_usec;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static const char *now_rfc3339(char *buf, size_t size)
{
	return controller_time_format((int64_t)time(NULL), buf, size);
}

static void sleep_usec(struct controller *c, uint64_t usec)
{
	for (uint64_t t = 0; t < usec && !atomic_load(&c->stop); t += 100000) {
		struct timespec ts = { .tv_nsec = (long)MIN(usec - t, 100000ULL) * 1000 };

		nanosleep(&ts, NULL);
	}
}

/* *ret = the formatted text, or NULL when out of memory (the status then says "unknown error"). */
static void set_msg(char **ret, const char *fmt, ...) _printf_(2, 3);
static void set_msg(char **ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(ret, fmt, ap) < 0)
		*ret = NULL;
	va_end(ap);
}

bool controller_is_leader(struct controller *c)
{
	return c && lease_is_leader(c->lease);
}

/* ---- Keys: "n/<namespace>/<name>" or "c//<name>" ---- */

static int key_make(bool cluster, const char *ns, const char *name, char **ret)
{
	if (!name || strchr(name, '/') || (ns && strchr(ns, '/')))
		return -EINVAL;
	if (asprintf(ret, "%c/%s/%s", cluster ? 'c' : 'n', cluster ? "" : strempty(ns), name) < 0)
		return -ENOMEM;
	return 0;
}

static int key_parse(const char *key, bool *ret_cluster, char **ret_ns, char **ret_name)
{
	const char *a = strchr(key, '/'), *b;

	if (!a || a != key + 1 || (key[0] != 'c' && key[0] != 'n'))
		return -EINVAL;
	b = strchr(a + 1, '/');
	if (!b || !b[1])
		return -EINVAL;
	*ret_cluster = key[0] == 'c';
	*ret_ns = *ret_cluster ? NULL : strndup(a + 1, (size_t)(b - a - 1));
	*ret_name = strdup(b + 1);
	if ((!*ret_cluster && !*ret_ns) || !*ret_name) {
		free(*ret_ns);
		free(*ret_name);
		return -ENOMEM;
	}
	return 0;
}

static int object_key(bool cluster, const json_t *o, char **ret)
{
	return key_make(cluster, json_path_string(o, "metadata", "namespace", NULL),
			json_path_string(o, "metadata", "name", NULL), ret);
}

/* ---- Cache of policy objects (under lock) ---- */

static struct cached *cache_find(struct controller *c, const char *key)
{
	for (size_t i = 0; i < c->n_cache; i++)
		if (strcmp(c->cache[i].key, key) == 0)
			return &c->cache[i];
	return NULL;
}

static void cache_drop(struct controller *c, struct cached *e)
{
	free(e->key);
	json_decref(e->obj);
	*e = c->cache[--c->n_cache];
}

static int cache_put(struct controller *c, const char *key, json_t *obj)
{
	struct cached *e = cache_find(c, key);

	if (e) {
		json_decref(e->obj);
		e->obj = json_incref(obj);
		return 0;
	}
	if (c->n_cache >= 2 * CONTROLLER_POLICIES_MAX)
		return -ENOSPC;
	if (c->n_cache == c->alloc_cache) {
		size_t na = c->alloc_cache ? c->alloc_cache * 2 : 16;
		struct cached *nv = reallocarray(c->cache, na, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->cache = nv;
		c->alloc_cache = na;
	}
	c->cache[c->n_cache] = (struct cached){ .key = strdup(key), .obj = json_incref(obj) };
	if (!c->cache[c->n_cache].key) {
		json_decref(obj);
		return -ENOMEM;
	}
	c->n_cache++;
	return 0;
}

/* A new reference to the cached object, or NULL. */
static json_t *cache_get(struct controller *c, const char *key)
{
	json_t *o = NULL;
	struct cached *e;

	pthread_mutex_lock(&c->lock);
	e = cache_find(c, key);
	if (e)
		o = json_incref(e->obj);
	pthread_mutex_unlock(&c->lock);
	return o;
}

static void enqueue_locked(struct controller *c, const char *key, uint64_t delay)
{
	int r = controller_queue_add(c->queue, key, now_usec(), delay);

	if (r < 0)
		log_warning_errno(r, "controller: cannot queue '%s': %m", key);
	pthread_cond_signal(&c->wake);
}

static void enqueue(struct controller *c, const char *key, uint64_t delay)
{
	pthread_mutex_lock(&c->lock);
	enqueue_locked(c, key, delay);
	pthread_mutex_unlock(&c->lock);
}

/* ---- Watches ---- */

static int on_sync(json_t *items, const char *resource_version, void *userdata)
{
	struct watcher *w = userdata;
	struct controller *c = w->c;
	char prefix = w->cluster ? 'c' : 'n';
	size_t i;
	json_t *o;
	int r = 0;

	pthread_mutex_lock(&c->lock);
	/* Everything this kind had is looked at again: deleted meanwhile or not. */
	for (i = 0; i < c->n_cache;) {
		if (c->cache[i].key[0] == prefix) {
			enqueue_locked(c, c->cache[i].key, 0);
			cache_drop(c, &c->cache[i]);
		} else {
			i++;
		}
	}
	json_array_foreach(items, i, o) {
		_cleanup_free_ char *key = NULL;

		if (object_key(w->cluster, o, &key) < 0)
			continue;
		r = cache_put(c, key, o);
		if (r < 0)
			break;
		enqueue_locked(c, key, 0);
	}
	pthread_mutex_unlock(&c->lock);
	if (r < 0)
		return r;
	log_info("controller: listed %zu %s (resourceVersion %s)", json_array_size(items),
		 res_policy[w->cluster].plural, strna(resource_version));
	return 0;
}

static int on_event(enum k8s_watch_event type, json_t *object, void *userdata)
{
	struct watcher *w = userdata;
	struct controller *c = w->c;
	_cleanup_free_ char *key = NULL;
	struct cached *e;
	int r = 0;

	if (object_key(w->cluster, object, &key) < 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	if (type == K8S_WATCH_DELETED) {
		e = cache_find(c, key);
		if (e)
			cache_drop(c, e);
	} else {
		r = cache_put(c, key, object);
	}
	enqueue_locked(c, key, 0);
	pthread_mutex_unlock(&c->lock);
	return r == -ENOSPC ? 0 : r;
}

/* The informer relists or reconnects by itself; this only says so, once per attempt. */
static int on_error(int error, const struct k8s_error *err, void *userdata)
{
	const struct watcher *w = userdata;
	const char *why = err && err->reason[0] ? err->reason : "transport";

	(void)log_warning_errno(error, "controller: %s stream interrupted (%s): %m",
				policy_kind[w->cluster], why);
	return 0;
}

static void *watch_thread(void *arg)
{
	static const struct k8s_watch_handlers handlers = {
		.on_sync = on_sync,
		.on_event = on_event,
		.on_error = on_error,
	};
	struct watcher *w = arg;
	_cleanup_free_ char *collection = NULL;
	int r = k8s_client_path(&res_policy[w->cluster], NULL, NULL, NULL, &collection);

	if (r >= 0) {
		const struct k8s_watch_spec spec = { .path = collection };

		r = k8s_client_watch(w->client, &spec, &handlers, w, &w->c->stop);
	}
	if (r < 0)
		log_error_errno(r, "controller: %s informer stopped for good: %m",
				policy_kind[w->cluster]);
	return NULL;
}

/* ---- Per-profile node results (under lock) ---- */

static struct profile_entry *profile_find(struct controller *c, const char *name)
{
	for (size_t i = 0; i < c->n_profiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

static struct profile_entry *profile_get(struct controller *c, const char *name, int *ret_error)
{
	struct profile_entry *e = profile_find(c, name);

	*ret_error = 0;
	if (e)
		return e;
	if (c->n_profiles >= CONTROLLER_PROFILES_MAX) {
		*ret_error = -ENOSPC;
		return NULL;
	}
	if (c->n_profiles == c->alloc_profiles) {
		size_t na = c->alloc_profiles ? c->alloc_profiles * 2 : 16;
		struct profile_entry *nv = reallocarray(c->profiles, na, sizeof(*nv));

		if (!nv) {
			*ret_error = -ENOMEM;
			return NULL;
		}
		c->profiles = nv;
		c->alloc_profiles = na;
	}
	e = &c->profiles[c->n_profiles];
	*e = (struct profile_entry){ .name = strdup(name) };
	if (!e->name) {
		*ret_error = -ENOMEM;
		return NULL;
	}
	c->n_profiles++;
	return e;
}

static void profile_entry_done(struct profile_entry *e)
{
	free(e->name);
	free(e->namespace);
	free(e->policy_key);
	controller_nodes_clear(&e->nodes);
	json_decref(e->status);
}

static void profile_forget(struct controller *c, const char *name)
{
	struct profile_entry *e;

	pthread_mutex_lock(&c->lock);
	e = profile_find(c, name);
	if (e) {
		profile_entry_done(e);
		*e = c->profiles[--c->n_profiles];
	}
	pthread_mutex_unlock(&c->lock);
}

int controller_node_status(struct controller *c, const char *node, const char *profile, bool ok,
			   const char *message)
{
	size_t len = profile ? strnlen(profile, PROFILE_NAME_MAX + 1) : 0;
	struct profile_entry *e;
	int r;

	if (!c || len == 0 || len > PROFILE_NAME_MAX)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	e = profile_get(c, profile, &r);
	if (e) {
		r = controller_nodes_record(&e->nodes, node, ok, message);
		if (r > 0) {
			e->dirty = true;
			pthread_cond_signal(&c->wake);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return r < 0 ? r : 0;
}

/* Schedulable nodes, listed at most every NODES_REFRESH_USEC; on errors the last count stays. */
static void refresh_nodes(struct controller *c, bool force)
{
	_cleanup_free_ char *path = NULL;
	json_auto_t *items = NULL;
	struct k8s_error err = {};
	unsigned n = 0, desired[8] = {};
	size_t i;
	json_t *o;
	uint64_t t = now_usec();

	if (!force && c->nodes_refreshed_usec && t - c->nodes_refreshed_usec < NODES_REFRESH_USEC)
		return;
	c->nodes_refreshed_usec = t;
	if (k8s_client_path(&res_nodes, NULL, NULL, NULL, &path) < 0)
		return;
	if (k8s_client_list(c->client, path, NULL, &items, NULL, &err) < 0) {
		log_warning("controller: cannot list nodes, keeping the counts: %s %s", err.reason,
			    err.message);
		return;
	}
	json_array_foreach(items, i, o) {
		static const struct {
			unsigned bit;
			const char *label;
		} caps[] = {
			{ ENFORCER_APPARMOR, "pavise.io/apparmor" },
			{ ENFORCER_BPF, "pavise.io/bpf" },
			{ ENFORCER_SECCOMP, "pavise.io/seccomp" },
		};
		const json_t *labels = json_path(o, "metadata", "labels", NULL);
		unsigned can = 0;

		if (json_is_true(json_path(o, "spec", "unschedulable", NULL)) ||
		    !json_object_get(labels, "pavise.io/enforcer"))
			continue;
		n++;
		for (size_t k = 0; k < ELEMENTSOF(caps); k++) {
			const char *v = json_string_value(json_object_get(labels, caps[k].label));

			if (v && strcmp(v, "true") == 0)
				can |= caps[k].bit;
		}
		for (unsigned m = 0; m < ELEMENTSOF(desired); m++)
			desired[m] += (can & m) == m;
	}
	if (memcmp(desired, c->desired, sizeof(desired)) == 0)
		return;
	log_info("controller: %u nodes with an enforcer (%u AppArmor, %u BPF, %u seccomp)", n,
		 desired[ENFORCER_APPARMOR], desired[ENFORCER_BPF], desired[ENFORCER_SECCOMP]);
	memcpy(c->desired, desired, sizeof(desired));
	pthread_mutex_lock(&c->lock);
	for (size_t k = 0; k < c->n_profiles; k++)
		c->profiles[k].dirty = true;
	pthread_mutex_unlock(&c->lock);
}

/* Writes the status of profiles that are due; queues their policies to update theirs. */
static void flush_statuses(struct controller *c)
{
	uint64_t t = now_usec();

	for (;;) {
		_cleanup_free_ char *name = NULL, *ns = NULL, *path = NULL, *pkey = NULL;
		json_auto_t *st = NULL, *patch = NULL;
		struct k8s_error err = {};
		char now[32];
		int r = -ENOENT;

		pthread_mutex_lock(&c->lock);
		for (size_t i = 0; i < c->n_profiles; i++) {
			struct profile_entry *e = &c->profiles[i];

			if (!e->namespace ||
			    !controller_status_flush_due(e->dirty, e->last_write_usec, t,
							 CONTROLLER_STATUS_INTERVAL_USEC))
				continue;
			r = controller_status_profile(&e->nodes, c->desired[e->parts & 7],
						      e->status, now_rfc3339(now, sizeof(now)),
						      &st);
			if (r >= 0) {
				name = strdup(e->name);
				ns = strdup(e->namespace);
				pkey = e->policy_key ? strdup(e->policy_key) : NULL;
				r = name && ns ? 0 : -ENOMEM;
			}
			/* Written or not, not again within the interval. */
			e->dirty = false;
			e->last_write_usec = t;
			break;
		}
		pthread_mutex_unlock(&c->lock);
		if (r == -ENOENT)
			return;
		if (r < 0 || !controller_is_leader(c))
			continue;
		patch = json_pack("{s:O}", "status", st);
		if (!patch || k8s_client_path(&res_profile, ns, name, "status", &path) < 0)
			continue;
		r = k8s_client_patch(c->client, path, K8S_PATCH_MERGE, patch, NULL, &err);
		if (r < 0) {
			log_warning_errno(
				r,
				"controller: cannot write the status of ArmorProfile %s/%s: %s %s",
				ns, name, err.reason, err.message);
			if (r != -ENOENT) {
				pthread_mutex_lock(&c->lock);
				struct profile_entry *e = profile_find(c, name);

				if (e)
					e->dirty = true;
				pthread_mutex_unlock(&c->lock);
			}
			continue;
		}
		pthread_mutex_lock(&c->lock);
		{
			struct profile_entry *e = profile_find(c, name);

			if (e) {
				json_decref(e->status);
				e->status = json_incref(st);
			}
		}
		if (pkey)
			enqueue_locked(c, pkey, 0);
		pthread_mutex_unlock(&c->lock);
	}
}

/* Ready: loaded on every node that should load it (and there is at least one). */
static bool profile_status_ready(const json_t *st)
{
	json_int_t desired = json_integer_value(json_object_get(st, "desiredNumberLoaded"));
	json_int_t current = json_integer_value(json_object_get(st, "currentNumberLoaded"));

	return desired > 0 && current >= desired;
}

/*
 * Lifts the readiness scheduling gate of pods waiting for a ready profile:
 * when it becomes ready, then every GATES_LIFT_USEC for GATES_LIFT_WINDOW_USEC
 * (pods admitted while the webhook still saw the policy not ready), then at
 * every resync. One LIST (by label) per profile and round.
 */
static void lift_gates(struct controller *c)
{
	uint64_t t = now_usec();

	if (!controller_is_leader(c))
		return;
	for (;;) {
		_cleanup_free_ char *name = NULL;
		struct k8s_error err = {};
		unsigned lifted = 0;
		int r;

		pthread_mutex_lock(&c->lock);
		for (size_t i = 0; i < c->n_profiles; i++) {
			struct profile_entry *e = &c->profiles[i];

			bool ready = e->status && profile_status_ready(e->status);

			if (ready && !e->was_ready)
				e->lift_until_usec = t + GATES_LIFT_WINDOW_USEC;
			e->was_ready = ready;
			if (!ready)
				continue;
			if (t < e->lift_until_usec ?
				    e->last_lift_usec && t - e->last_lift_usec < GATES_LIFT_USEC :
				    e->last_lift_usec >= c->resynced_usec)
				continue;
			e->last_lift_usec = t;
			name = strdup(e->name);
			break;
		}
		pthread_mutex_unlock(&c->lock);
		if (!name)
			return;
		r = gates_lift(c->client, name, "pavise-webhook", &lifted, &err);
		if (r < 0)
			log_warning_errno(r,
					  "controller: cannot lift the scheduling gates of pods "
					  "waiting for %s: %s %s",
					  name, err.reason, err.message);
		if (lifted > 0)
			log_info(
				"controller: ArmorProfile %s is ready: scheduling gate lifted from "
				"%u pods",
				name, lifted);
	}
}

/* ---- Events ---- */

static void emit_event(struct controller *c, bool cluster, const json_t *policy, bool warning,
		       const char *reason, const char *message)
{
	const char *ns = cluster ? "default" :
				   json_path_string(policy, "metadata", "namespace", NULL);
	const char *name = json_path_string(policy, "metadata", "name", NULL);
	_cleanup_free_ char *path = NULL, *gen = NULL, *msg = NULL;
	json_auto_t *ev = NULL, *involved = NULL;
	struct k8s_error err = {};
	char now[32];

	if (!ns || !name || asprintf(&gen, "%s.", name) < 0)
		return;
	msg = strndup(message, 1024);
	now_rfc3339(now, sizeof(now));
	involved = json_pack("{s:s, s:s, s:s, s:s*, s:s*, s:s*}", "apiVersion", POLICY_API_VERSION,
			     "kind", policy_kind[cluster], "name", name, "namespace",
			     cluster ? NULL : ns, "uid",
			     json_path_string(policy, "metadata", "uid", NULL), "resourceVersion",
			     json_path_string(policy, "metadata", "resourceVersion", NULL));
	if (!involved || !msg)
		return;
	ev = json_pack("{s:s, s:s, s:{s:s, s:s}, s:O, s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:i, "
		       "s:s, s:s}",
		       "apiVersion", "v1", "kind", "Event", "metadata", "generateName", gen,
		       "namespace", ns, "involvedObject", involved, "reason", reason, "message",
		       msg, "type", warning ? "Warning" : "Normal", "source", "component",
		       "pavise-webhook", "firstTimestamp", now, "lastTimestamp", now, "count", 1,
		       "reportingComponent", "pavise-webhook", "reportingInstance",
		       c->cc.lease.identity);
	if (!ev || k8s_client_path(&res_events, ns, NULL, NULL, &path) < 0)
		return;
	if (k8s_client_create(c->client, path, ev, NULL, &err) < 0)
		log_debug("controller: cannot record event %s on %s: %s %s", reason, name,
			  err.reason, err.message);
}

/* ---- Restart jobs (under lock) ---- */

static void job_done(struct restart_job *j)
{
	free(j->key);
	free(j->uid);
	policy_free(j->policy);
}

static void add_job(struct controller *c, enum restart_op op, const char *key, const char *uid,
		    long long generation, struct policy *p)
{
	struct restart_job *j;

	pthread_mutex_lock(&c->lock);
	if (c->running_uid && strcmp(c->running_uid, uid) == 0)
		goto out;
	for (size_t i = 0; i < c->n_jobs; i++)
		if (c->jobs[i].op == op && strcmp(c->jobs[i].uid, uid) == 0)
			goto out;
	if (c->n_jobs >= RESTART_JOBS_MAX) {
		log_warning("controller: too many pending restarts, dropping the one of '%s'", key);
		goto out;
	}
	if (c->n_jobs == c->alloc_jobs) {
		size_t na = c->alloc_jobs ? c->alloc_jobs * 2 : 8;
		struct restart_job *nv = reallocarray(c->jobs, na, sizeof(*nv));

		if (!nv)
			goto out;
		c->jobs = nv;
		c->alloc_jobs = na;
	}
	j = &c->jobs[c->n_jobs];
	*j = (struct restart_job){ .op = op,
				   .key = strdup(key),
				   .uid = strdup(uid),
				   .generation = generation,
				   .policy = policy_ref(p) };
	if (!j->key || !j->uid) {
		job_done(j);
		goto out;
	}
	c->n_jobs++;
	pthread_cond_signal(&c->jobs_wake);
out:
	pthread_mutex_unlock(&c->lock);
}

/* ---- Reconcile ---- */

static bool has_finalizer(const json_t *obj)
{
	size_t i;
	json_t *f;

	json_array_foreach(json_path(obj, "metadata", "finalizers", NULL), i, f)
		if (json_is_string(f) && strcmp(json_string_value(f), CONTROLLER_FINALIZER) == 0)
			return true;
	return false;
}

/* Merge patch of metadata.finalizers with the object's resourceVersion as precondition. */
static int set_finalizer(struct controller *c, bool cluster, const json_t *obj, bool present,
			 json_t **ret_obj)
{
	const char *ns = json_path_string(obj, "metadata", "namespace", NULL);
	const char *name = json_path_string(obj, "metadata", "name", NULL);
	_cleanup_free_ char *path = NULL;
	json_auto_t *list = json_array(), *patch = NULL;
	struct k8s_error err = {};
	size_t i;
	json_t *f;
	int r;

	if (!list)
		return -ENOMEM;
	json_array_foreach(json_path(obj, "metadata", "finalizers", NULL), i, f)
		if (!json_is_string(f) || strcmp(json_string_value(f), CONTROLLER_FINALIZER) != 0)
			if (json_array_append(list, f) < 0)
				return -ENOMEM;
	if (present && json_array_append_new(list, json_string(CONTROLLER_FINALIZER)) < 0)
		return -ENOMEM;
	patch = json_pack("{s:{s:O, s:s}}", "metadata", "finalizers", list, "resourceVersion",
			  strempty(json_path_string(obj, "metadata", "resourceVersion", NULL)));
	if (!patch)
		return -ENOMEM;
	r = k8s_client_path(&res_policy[cluster], cluster ? NULL : ns, name, NULL, &path);
	if (r < 0)
		return r;
	if (!controller_is_leader(c))
		return -ECANCELED;
	r = k8s_client_patch(c->client, path, K8S_PATCH_MERGE, patch, ret_obj, &err);
	if (r < 0)
		return log_warning_errno(r, "controller: cannot %s the finalizer of %s '%s': %s %s",
					 present ? "add" : "remove", policy_kind[cluster], name,
					 err.reason, err.message);
	return 0;
}

/* 1 when the profile is gone, 0 while it is being deleted, < 0 on errors. */
static int delete_profile(struct controller *c, const char *ns, const char *name)
{
	_cleanup_free_ char *path = NULL;
	json_auto_t *opts = NULL;
	struct k8s_error err = {};
	int r;

	r = k8s_client_path(&res_profile, ns, name, NULL, &path);
	if (r < 0)
		return r;
	if (!controller_is_leader(c))
		return -ECANCELED;
	opts = json_pack("{s:s, s:s, s:s}", "apiVersion", "v1", "kind", "DeleteOptions",
			 "propagationPolicy", "Background");
	r = k8s_client_delete(c->client, path, opts, NULL, &err);
	if (r == -ENOENT)
		return 1;
	if (r < 0)
		return log_warning_errno(r, "controller: cannot delete ArmorProfile %s/%s: %s %s",
					 ns, name, err.reason, err.message);
	log_info("controller: deleted ArmorProfile %s/%s", ns, name);
	r = k8s_client_get(c->client, path, NULL, &err);
	return r == -ENOENT ? 1 : r < 0 ? r : 0;
}

static int finalize(struct controller *c, bool cluster, const char *key, const json_t *obj,
		    const char *pns, const char *pname)
{
	struct policy *p = NULL;
	int r;

	if (!has_finalizer(obj))
		return 0;
	r = delete_profile(c, pns, pname);
	if (r == 0) {
		enqueue(c, key, DELETE_WAIT_USEC);
		return 0;
	}
	if (r < 0)
		return r;
	r = set_finalizer(c, cluster, obj, false, NULL);
	if (r < 0)
		return r;
	log_info("controller: %s '%s' finalized", policy_kind[cluster], key + 2);
	profile_forget(c, pname);
	if (json_is_true(json_path(obj, "spec", "updateExistingWorkloads", NULL)) &&
	    policy_parse(obj, c->cc.namespace, NULL, &p, NULL) >= 0) {
		add_job(c, RESTART_DELETED, key,
			strempty(json_path_string(obj, "metadata", "uid", NULL)),
			json_integer_value(json_path(obj, "metadata", "generation", NULL)), p);
		policy_free(p);
	}
	return 0;
}

static int add_owner(json_t *profile, bool cluster, const json_t *policy)
{
	json_t *meta = json_object_get(profile, "metadata");
	json_t *refs = json_pack("[{s:s, s:s, s:s, s:s, s:b}]", "apiVersion", POLICY_API_VERSION,
				 "kind", policy_kind[cluster], "name",
				 strempty(json_path_string(policy, "metadata", "name", NULL)),
				 "uid", strempty(json_path_string(policy, "metadata", "uid", NULL)),
				 "controller", true);

	if (!refs || !json_is_object(meta)) {
		json_decref(refs);
		return -ENOMEM;
	}
	return json_object_set_new(meta, "ownerReferences", refs) < 0 ? -ENOMEM : 0;
}

static bool same_member(const json_t *a, const json_t *b, const char *k1, const char *k2)
{
	const json_t *x = k2 ? json_path(a, k1, k2, NULL) : json_object_get(a, k1);
	const json_t *y = k2 ? json_path(b, k1, k2, NULL) : json_object_get(b, k1);

	if (!x || !y)
		return !x && !y;
	return json_equal(x, y);
}

/* Creates or updates the profile; returns the action taken, reterr_* on failure. */
static enum controller_action apply_profile(struct controller *c, const char *pns,
					    const char *pname, json_t *want, int *reterr,
					    char **reterr_msg)
{
	_cleanup_free_ char *path = NULL, *coll = NULL;
	json_auto_t *cur = NULL, *next = NULL, *written = NULL;
	struct k8s_error err = {};
	int r;

	*reterr = 0;
	r = k8s_client_path(&res_profile, pns, pname, NULL, &path);
	if (r >= 0)
		r = k8s_client_path(&res_profile, pns, NULL, NULL, &coll);
	if (r < 0) {
		*reterr = r;
		return CONTROLLER_ACTION_CREATE_FAILED;
	}
	r = k8s_client_get(c->client, path, &cur, &err);
	if (r == -ENOENT) {
		r = controller_is_leader(c) ? k8s_client_create(c->client, coll, want, NULL, &err) :
					      -ECANCELED;
		if (r >= 0)
			return CONTROLLER_ACTION_CREATED;
		*reterr = r;
		set_msg(reterr_msg, "cannot create ArmorProfile %s/%s: %s %s", pns, pname,
			err.reason, err.message);
		return CONTROLLER_ACTION_CREATE_FAILED;
	}
	if (r < 0) {
		*reterr = r;
		set_msg(reterr_msg, "cannot read ArmorProfile %s/%s: %s %s", pns, pname, err.reason,
			err.message);
		return CONTROLLER_ACTION_UPDATE_FAILED;
	}
	if (same_member(cur, want, "spec", NULL) && same_member(cur, want, "metadata", "labels") &&
	    same_member(cur, want, "metadata", "ownerReferences"))
		return CONTROLLER_ACTION_NONE;
	next = json_deep_copy(cur);
	if (!next || json_object_set(next, "spec", json_object_get(want, "spec")) < 0 ||
	    json_object_set(json_object_get(next, "metadata"), "ownerReferences",
			    json_path(want, "metadata", "ownerReferences", NULL)) < 0) {
		*reterr = -ENOMEM;
		return CONTROLLER_ACTION_UPDATE_FAILED;
	}
	if (json_path(want, "metadata", "labels", NULL))
		(void)json_object_set(json_object_get(next, "metadata"), "labels",
				      json_path(want, "metadata", "labels", NULL));
	else
		(void)json_object_del(json_object_get(next, "metadata"), "labels");
	/* resourceVersion stays: a concurrent change makes this a conflict, retried. */
	r = controller_is_leader(c) ? k8s_client_replace(c->client, path, next, &written, &err) :
				      -ECANCELED;
	/*
	 * The server may default or prune what we sent; an update it did not
	 * persist (same resourceVersion) changed nothing, so nothing is reloaded.
	 */
	if (r >= 0 && same_member(written, cur, "metadata", "resourceVersion"))
		return CONTROLLER_ACTION_NONE;
	if (r >= 0)
		return CONTROLLER_ACTION_UPDATED;
	*reterr = r;
	set_msg(reterr_msg, "cannot update ArmorProfile %s/%s: %s %s", pns, pname, err.reason,
		err.message);
	return CONTROLLER_ACTION_UPDATE_FAILED;
}

static bool profile_exists(struct controller *c, const char *pns, const char *pname)
{
	_cleanup_free_ char *path = NULL;

	return k8s_client_path(&res_profile, pns, pname, NULL, &path) >= 0 &&
	       k8s_client_get(c->client, path, NULL, NULL) >= 0;
}

static int write_policy_status(struct controller *c, bool cluster, const json_t *obj,
			       const struct controller_status_input *in, bool *ret_changed)
{
	const char *ns = json_path_string(obj, "metadata", "namespace", NULL);
	const char *name = json_path_string(obj, "metadata", "name", NULL);
	const json_t *old = json_object_get(obj, "status");
	_cleanup_free_ char *path = NULL;
	json_auto_t *st = NULL, *cmp = NULL, *patch = NULL;
	struct k8s_error err = {};
	char now[32];
	int r;

	*ret_changed = false;
	r = controller_status_policy(in, old, now_rfc3339(now, sizeof(now)), &st);
	if (r < 0)
		return r;
	/* A CRD schema without observedGeneration prunes it: do not count that as a change. */
	cmp = json_deep_copy(st);
	if (!cmp)
		return -ENOMEM;
	if (!json_object_get(old, "observedGeneration"))
		(void)json_object_del(cmp, "observedGeneration");
	if (old && json_equal(cmp, old))
		return 0;
	patch = json_pack("{s:O}", "status", st);
	if (!patch)
		return -ENOMEM;
	r = k8s_client_path(&res_policy[cluster], cluster ? NULL : ns, name, "status", &path);
	if (r < 0)
		return r;
	if (!controller_is_leader(c))
		return -ECANCELED;
	r = k8s_client_patch(c->client, path, K8S_PATCH_MERGE, patch, NULL, &err);
	if (r < 0)
		return log_warning_errno(r, "controller: cannot write the status of %s '%s': %s %s",
					 policy_kind[cluster], name, err.reason, err.message);
	*ret_changed = true;
	return 0;
}

static bool restart_recorded(const json_t *obj)
{
	const char *uid = json_path_string(obj, "metadata", "uid", NULL);
	const char *done =
		json_path_string(obj, "metadata", "annotations", RESTART_DONE_ANNOTATION, NULL);
	size_t ul = uid ? strlen(uid) : 0;

	return uid && done && strncmp(done, uid, ul) == 0 && done[ul] == '/';
}

static int sync_policy(struct controller *c, bool cluster, const char *key, json_t *obj,
		       const char *pns, const char *pname)
{
	json_auto_t *fresh = NULL, *want = NULL;
	_cleanup_(policy_freep) struct policy *p = NULL;
	_cleanup_free_ char *errmsg = NULL;
	struct policy_diags d = {};
	struct controller_status_input in = {
		.profile_name = pname,
	};
	struct profile_entry *e;
	bool changed;
	int r, apply_err = 0;

	if (!has_finalizer(obj)) {
		r = set_finalizer(c, cluster, obj, true, &fresh);
		if (r < 0)
			return r;
		obj = fresh;
	}
	in.generation = json_integer_value(json_path(obj, "metadata", "generation", NULL));

	r = validate_policy(obj, c->cc.namespace, NULL, &p, &d);
	if (r < 0) {
		errmsg = policy_diags_join_errors(&d);
		policy_diags_clear(&d);
		in.action = profile_exists(c, pns, pname) ? CONTROLLER_ACTION_UPDATE_FAILED :
							    CONTROLLER_ACTION_CREATE_FAILED;
	} else {
		policy_diags_clear(&d);
		r = compile_armor_profile(p, c->cc.namespace, &want);
		if (r >= 0)
			r = add_owner(want, cluster, obj);
		if (r < 0) {
			set_msg(&errmsg, "cannot compile the policy: %s", strerror(-r));
			in.action = profile_exists(c, pns, pname) ?
					    CONTROLLER_ACTION_UPDATE_FAILED :
					    CONTROLLER_ACTION_CREATE_FAILED;
		} else {
			in.action = apply_profile(c, pns, pname, want, &apply_err, &errmsg);
			if (apply_err == -EPERM || apply_err == -EACCES)
				in.error_reason = "Forbidden";
		}
		in.modeling = p->mode == MODE_BEHAVIOR_MODELING;
	}
	in.error_message = errmsg;

	pthread_mutex_lock(&c->lock);
	/* Only a profile that exists has counts to write. */
	e = in.action == CONTROLLER_ACTION_CREATE_FAILED ? profile_find(c, pname) :
							   profile_get(c, pname, &r);
	if (e && in.action != CONTROLLER_ACTION_CREATE_FAILED) {
		char *ns = strdup(pns), *pk = strdup(key);

		if (!e->namespace)
			e->dirty = true; /* first seen by this leader: write its counts once */
		free(e->namespace);
		free(e->policy_key);
		e->namespace = ns;
		e->policy_key = pk;
		if (p)
			e->parts = p->enforcers & 7;
		if (in.action == CONTROLLER_ACTION_CREATED ||
		    in.action == CONTROLLER_ACTION_UPDATED) {
			/* A changed profile is loaded again: the enforcers report anew. */
			controller_nodes_clear(&e->nodes);
			e->dirty = true;
			pthread_cond_signal(&c->wake);
		}
		controller_nodes_count(&e->nodes, &in.current, &in.failed);
	}
	in.desired = c->desired[(e ? e->parts : p ? p->enforcers : 0) & 7];
	pthread_mutex_unlock(&c->lock);

	if (in.action == CONTROLLER_ACTION_CREATED)
		log_info("controller: created ArmorProfile %s/%s", pns, pname);
	else if (in.action == CONTROLLER_ACTION_UPDATED)
		log_info("controller: updated ArmorProfile %s/%s", pns, pname);
	r = write_policy_status(c, cluster, obj, &in, &changed);
	if (r < 0)
		return r;
	if (in.action == CONTROLLER_ACTION_CREATED || in.action == CONTROLLER_ACTION_UPDATED) {
		_cleanup_free_ char *m = NULL;
		bool created = in.action == CONTROLLER_ACTION_CREATED;

		if (asprintf(&m, "ArmorProfile %s/%s %s", pns, pname,
			     created ? "created" : "updated") >= 0)
			emit_event(c, cluster, obj, false, created ? "Created" : "Updated", m);
	} else if (changed && (in.action == CONTROLLER_ACTION_CREATE_FAILED ||
			       in.action == CONTROLLER_ACTION_UPDATE_FAILED)) {
		log_warning("controller: %s '%s': %s", policy_kind[cluster], key + 2,
			    strna(errmsg));
		emit_event(c, cluster, obj, true, "Failed", strna(errmsg));
	}
	if (apply_err < 0)
		return apply_err;
	if (p && p->update_existing_workloads && in.action != CONTROLLER_ACTION_CREATE_FAILED &&
	    !restart_recorded(obj))
		add_job(c, RESTART_CREATED, key,
			strempty(json_path_string(obj, "metadata", "uid", NULL)), in.generation, p);
	return 0;
}

static int reconcile(struct controller *c, const char *key)
{
	_cleanup_free_ char *ns = NULL, *name = NULL, *pname = NULL;
	json_auto_t *obj = NULL;
	const char *pns;
	bool cluster;
	int r;

	r = key_parse(key, &cluster, &ns, &name);
	if (r < 0)
		return 0; /* never queued by us */
	r = policy_profile_name(cluster, ns, name, c->cc.namespace, &pname);
	if (r < 0)
		return r;
	pns = cluster ? c->cc.namespace : ns;
	obj = cache_get(c, key);
	if (!obj) {
		/* Gone (or deleted while no replica watched): its profile goes too. */
		r = delete_profile(c, pns, pname);
		if (r < 0)
			return r;
		profile_forget(c, pname);
		return 0;
	}
	if (json_path(obj, "metadata", "deletionTimestamp", NULL))
		return finalize(c, cluster, key, obj, pns, pname);
	return sync_policy(c, cluster, key, obj, pns, pname);
}

/* ---- Worker ---- */

static void resync_all(struct controller *c)
{
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->n_cache; i++)
		enqueue_locked(c, c->cache[i].key, 0);
	pthread_mutex_unlock(&c->lock);
}

static void *worker_thread(void *arg)
{
	struct controller *c = arg;

	while (!atomic_load(&c->stop)) {
		_cleanup_free_ char *key = NULL;
		uint64_t wait = TICK_USEC;
		const char *k;
		int r;

		if (!controller_is_leader(c)) {
			sleep_usec(c, TICK_USEC);
			continue;
		}
		if (lease_term(c->lease) != c->seen_term) {
			/* A new term: look at everything again (nothing is assumed done). */
			c->seen_term = lease_term(c->lease);
			c->resynced_usec = now_usec();
			refresh_nodes(c, true);
			resync_all(c);
		}
		if (now_usec() - c->resynced_usec >= RESYNC_USEC) {
			/* Also catches profiles changed or deleted behind our back. */
			c->resynced_usec = now_usec();
			resync_all(c);
		}
		refresh_nodes(c, false);
		flush_statuses(c);
		lift_gates(c);

		pthread_mutex_lock(&c->lock);
		if (controller_queue_pop(c->queue, now_usec(), &k, &wait) > 0)
			key = strdup(k);
		pthread_mutex_unlock(&c->lock);
		if (!key) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			wait = MIN(wait, TICK_USEC);
			ts.tv_nsec += (long)(wait * 1000);
			ts.tv_sec += ts.tv_nsec / 1000000000;
			ts.tv_nsec %= 1000000000;
			pthread_mutex_lock(&c->lock);
			pthread_cond_timedwait(&c->wake, &c->lock, &ts);
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		r = reconcile(c, key);
		if (r < 0 && r != -ECANCELED)
			log_info_errno(r, "controller: reconcile of '%s' failed, retrying: %m",
				       key);
		pthread_mutex_lock(&c->lock);
		(void)controller_queue_done(c->queue, key, r, now_usec());
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

/* ---- Rolling restarts ---- */

/* Waits until the deleted policy left our cache (the webhook's watch drops it about as fast). */
static void wait_policy_gone(struct controller *c, const char *key)
{
	for (uint64_t t = 0; t < DELETED_POLICY_WAIT_USEC && !atomic_load(&c->stop);
	     t += TICK_USEC) {
		json_auto_t *o = cache_get(c, key);

		if (!o)
			return;
		sleep_usec(c, TICK_USEC);
	}
}

/* One workload: fresh read, skip when already done, prepare and update; conflicts retried. */
static int restart_one(struct controller *c, const struct restart_job *j, const json_t *listed,
		       const char *marker)
{
	const char *ns = json_path_string(listed, "metadata", "namespace", NULL);
	const char *name = json_path_string(listed, "metadata", "name", NULL);
	_cleanup_free_ char *path = NULL;
	int r;

	r = k8s_client_path(&res_workloads[j->policy->target.kind], ns, name, NULL, &path);
	if (r < 0)
		return r;
	for (int attempt = 0; attempt < 5; attempt++) {
		json_auto_t *cur = NULL;
		struct k8s_error err = {};
		char now[32];

		r = k8s_client_get(c->restart_client, path, &cur, &err);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (restart_already_done(cur, j->uid, j->op))
			return 0;
		r = restart_prepare(cur, j->policy->profile_name, j->op, marker,
				    now_rfc3339(now, sizeof(now)));
		if (r < 0)
			return r;
		if (!controller_is_leader(c))
			return -ECANCELED;
		r = k8s_client_replace(c->restart_client, path, cur, NULL, &err);
		if (r == -ESTALE)
			continue;
		if (r < 0)
			return log_warning_errno(r, "controller: cannot restart %s %s/%s: %s %s",
						 target_kind_to_string(j->policy->target.kind), ns,
						 name, err.reason, err.message);
		log_info("controller: restarted %s %s/%s (%s %s)",
			 target_kind_to_string(j->policy->target.kind), ns, name,
			 restart_op_to_string(j->op), j->key + 2);
		return 1;
	}
	return -ESTALE;
}

static int record_restart_done(struct controller *c, const struct restart_job *j)
{
	_cleanup_free_ char *path = NULL, *value = NULL;
	json_auto_t *patch = NULL;
	struct k8s_error err = {};
	bool cluster = j->policy->cluster;
	int r;

	if (asprintf(&value, "%s/%lld", j->uid, j->generation) < 0)
		return -ENOMEM;
	patch = json_pack("{s:{s:{s:s}}}", "metadata", "annotations", RESTART_DONE_ANNOTATION,
			  value);
	if (!patch)
		return -ENOMEM;
	r = k8s_client_path(&res_policy[cluster], j->policy->namespace, j->policy->name, NULL,
			    &path);
	if (r < 0)
		return r;
	r = k8s_client_patch(c->restart_client, path, K8S_PATCH_MERGE, patch, NULL, &err);
	if (r < 0 && r != -ENOENT)
		return log_warning_errno(r, "controller: cannot record the restarts of '%s': %s %s",
					 j->key + 2, err.reason, err.message);
	return 0;
}

static int run_job(struct controller *c, const struct restart_job *j)
{
	const struct policy *p = j->policy;
	_cleanup_free_ char *path = NULL, *marker = NULL, *selector = NULL;
	json_auto_t *items = NULL;
	struct k8s_list_opts opts = {};
	struct k8s_error err = {};
	struct restart_pacer pacer;
	unsigned restarted = 0;
	size_t i;
	json_t *o;
	int r;

	if (p->target.kind == TARGET_POD)
		return 0; /* pods are never restarted, as in vArmor */
	if (j->op == RESTART_DELETED)
		wait_policy_gone(c, j->key);
	r = restart_marker(j->uid, j->generation, j->op, &marker);
	if (r < 0)
		return r;
	r = k8s_client_path(&res_workloads[p->target.kind], p->cluster ? NULL : p->namespace, NULL,
			    NULL, &path);
	if (r < 0)
		return r;
	if (c->cc.match_label_key && asprintf(&selector, "%s=%s", c->cc.match_label_key,
					      strempty(c->cc.match_label_value)) < 0)
		return -ENOMEM;
	opts.label_selector = selector;
	r = k8s_client_list(c->restart_client, path, &opts, &items, NULL, &err);
	if (r < 0)
		return log_warning_errno(r, "controller: cannot list workloads for '%s': %s %s",
					 j->key + 2, err.reason, err.message);
	restart_pacer_init(&pacer, c->cc.restart_batch, c->cc.restart_interval_usec);
	json_array_foreach(items, i, o) {
		uint64_t wait;

		if (!restart_selects(p, o, c->cc.match_label_key, c->cc.match_label_value) ||
		    restart_already_done(o, j->uid, j->op))
			continue;
		while ((wait = restart_pacer_next(&pacer, now_usec())) > 0 &&
		       !atomic_load(&c->stop))
			sleep_usec(c, MIN(wait, TICK_USEC));
		if (atomic_load(&c->stop) || !controller_is_leader(c))
			return -ECANCELED;
		r = restart_one(c, j, o, marker);
		if (r < 0)
			return r;
		restarted += r;
	}
	if (restarted > 0)
		log_info("controller: %u workloads restarted for '%s' (%s)", restarted, j->key + 2,
			 restart_op_to_string(j->op));
	if (j->op == RESTART_CREATED)
		return record_restart_done(c, j);
	return 0;
}

static void *restart_thread(void *arg)
{
	struct controller *c = arg;

	while (!atomic_load(&c->stop)) {
		struct restart_job j;
		struct timespec ts;
		int r;

		pthread_mutex_lock(&c->lock);
		if (c->n_jobs == 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (long)TICK_USEC * 1000;
			ts.tv_sec += ts.tv_nsec / 1000000000;
			ts.tv_nsec %= 1000000000;
			pthread_cond_timedwait(&c->jobs_wake, &c->lock, &ts);
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		j = c->jobs[0];
		memmove(c->jobs, c->jobs + 1, (c->n_jobs - 1) * sizeof(*c->jobs));
		c->n_jobs--;
		c->running_uid = strdup(j.uid);
		pthread_mutex_unlock(&c->lock);

		r = controller_is_leader(c) ? run_job(c, &j) : -ECANCELED;
		if (r < 0 && j.op == RESTART_CREATED && r != -ECANCELED)
			/* The policy's next reconcile queues it again (its marker is missing). */
			enqueue(c, j.key, controller_queue_backoff(3));
		if (r == -ECANCELED)
			log_info("controller: restarts for '%s' stopped (no longer the leader)",
				 j.key + 2);
		pthread_mutex_lock(&c->lock);
		free(c->running_uid);
		c->running_uid = NULL;
		pthread_mutex_unlock(&c->lock);
		job_done(&j);
	}
	return NULL;
}

/* ---- Start and stop ---- */

struct controller *controller_free(struct controller *c)
{
	if (!c)
		return NULL;
	atomic_store(&c->stop, true);
	for (size_t i = 0; i < ELEMENTSOF(c->watchers); i++) {
		if (c->watchers[i].started)
			pthread_join(c->watchers[i].thread, NULL);
		k8s_client_free(c->watchers[i].client);
	}
	if (c->worker_started)
		pthread_join(c->worker, NULL);
	if (c->restarter_started)
		pthread_join(c->restarter, NULL);
	/* Released last: no write of ours can follow another replica's takeover. */
	c->lease = lease_free(c->lease);
	k8s_client_free(c->client);
	k8s_client_free(c->restart_client);
	controller_queue_free(c->queue);
	for (size_t i = 0; i < c->n_cache; i++) {
		free(c->cache[i].key);
		json_decref(c->cache[i].obj);
	}
	free(c->cache);
	for (size_t i = 0; i < c->n_profiles; i++)
		profile_entry_done(&c->profiles[i]);
	free(c->profiles);
	for (size_t i = 0; i < c->n_jobs; i++)
		job_done(&c->jobs[i]);
	free(c->jobs);
	free(c->running_uid);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->jobs_wake);
	free(c);
	return NULL;
}

int controller_start(const struct k8s_config *cfg, const struct controller_config *cc,
		     struct controller **ret_controller)
{
	_cleanup_(controller_freep) struct controller *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->jobs_wake, NULL);
	atomic_init(&c->stop, false);
	c->cc = *cc;
	if (!c->cc.lease.namespace)
		c->cc.lease.namespace = cc->namespace;
	if (!c->cc.restart_batch)
		c->cc.restart_batch = RESTART_BATCH_DEFAULT;
	if (!c->cc.restart_interval_set)
		c->cc.restart_interval_usec = RESTART_INTERVAL_DEFAULT_USEC;
	r = controller_queue_new(&c->queue);
	if (r < 0)
		return r;
	r = k8s_client_new(cfg, &c->client);
	if (r < 0)
		return r;
	r = k8s_client_new(cfg, &c->restart_client);
	if (r < 0)
		return r;
	r = lease_start(cfg, &c->cc.lease, &c->lease);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(c->watchers); i++) {
		struct watcher *w = &c->watchers[i];

		w->c = c;
		w->cluster = i == 1;
		r = k8s_client_new(cfg, &w->client);
		if (r < 0)
			return r;
		r = -pthread_create(&w->thread, NULL, watch_thread, w);
		if (r < 0)
			return r;
		w->started = true;
	}
	r = -pthread_create(&c->worker, NULL, worker_thread, c);
	if (r < 0)
		return r;
	c->worker_started = true;
	r = -pthread_create(&c->restarter, NULL, restart_thread, c);
	if (r < 0)
		return r;
	c->restarter_started = true;
	*ret_controller = TAKE_PTR(c);
	return 0;
}
