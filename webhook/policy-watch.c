// SPDX-License-Identifier: Apache-2.0
/* Policies from the API server: watches of VarmorPolicy and VarmorClusterPolicy feeding the store. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/json-util.h"
#include "common/k8s-client.h"
#include "common/log.h"
#include "webhook/policy-watch.h"

#define VERSION_POLL_SEC (10 * 60)

struct watcher {
	struct policy_watch *pw;
	bool cluster;
	struct k8s_client *client;
	pthread_t thread;
	bool started;
};

struct policy_watch {
	struct policy_store *store;
	struct webhook *webhook;
	const char *pavise_namespace;
	bool discover_version;
	atomic_bool stop;
	atomic_int synced; /* bit 0 namespaced, bit 1 cluster */
	struct watcher watchers[2];
	struct k8s_client *version_client;
	pthread_t version_thread;
	bool version_started;
};

static const struct k8s_resource resources[2] = {
	{ .group = "crd.varmor.org", .version = "v1beta1", .plural = "varmorpolicies" },
	{ .group = "crd.varmor.org", .version = "v1beta1", .plural = "varmorclusterpolicies" },
};

/* Parses one object from the API server; an invalid one is logged and skipped. */
static struct policy *parse_one(struct policy_watch *pw, const json_t *o)
{
	struct policy_diags d = {};
	struct policy *p = NULL;
	_cleanup_free_ char *msg = NULL;
	int r;

	r = policy_parse(o, pw->pavise_namespace, NULL, &p, &d);
	if (r < 0) {
		msg = policy_diags_join_errors(&d);
		log_warning("policy: ignoring invalid %s '%s/%s' from the API server: %s",
			    strna(json_string_value(json_object_get(o, "kind"))),
			    strempty(json_path_string(o, "metadata", "namespace", NULL)),
			    strna(json_path_string(o, "metadata", "name", NULL)), strna(msg));
	}
	policy_diags_clear(&d);
	return p;
}

static void mark_synced(struct policy_watch *pw, bool cluster)
{
	int bits = atomic_fetch_or(&pw->synced, cluster ? 2 : 1) | (cluster ? 2 : 1);

	if (bits == 3)
		webhook_set_ready(pw->webhook, true);
}

static int on_sync(json_t *items, const char *resource_version, void *userdata)
{
	struct watcher *w = userdata;
	struct policy **v = calloc(json_array_size(items) + 1, sizeof(*v));
	size_t n = 0, i;
	json_t *o;
	int r;

	if (!v)
		return -ENOMEM;
	json_array_foreach(items, i, o) {
		struct policy *p = parse_one(w->pw, o);

		if (p)
			v[n++] = p;
	}
	r = policy_store_replace_scope(w->pw->store, w->cluster, v, n);
	for (i = 0; i < n; i++)
		policy_free(v[i]);
	free(v);
	if (r < 0)
		return r;
	log_info("policy: synced %zu %s (resourceVersion %s)", n,
		 w->cluster ? "VarmorClusterPolicies" : "VarmorPolicies", strna(resource_version));
	mark_synced(w->pw, w->cluster);
	return 0;
}

static int on_event(enum k8s_watch_event type, json_t *object, void *userdata)
{
	struct watcher *w = userdata;
	const char *name = json_path_string(object, "metadata", "name", NULL);
	const char *ns = json_path_string(object, "metadata", "namespace", NULL);
	struct policy *p;

	if (!name)
		return 0;
	if (type == K8S_WATCH_DELETED) {
		(void)policy_store_remove(w->pw->store, w->cluster, ns, name);
		log_info("policy: removed '%s%s%s'", strempty(ns), ns ? "/" : "", name);
		return 0;
	}
	p = parse_one(w->pw, object);
	if (!p) {
		/* An object that turned invalid no longer protects anything: drop the old one. */
		(void)policy_store_remove(w->pw->store, w->cluster, ns, name);
		return 0;
	}
	log_info("policy: %s '%s%s%s' (%s)", type == K8S_WATCH_ADDED ? "added" : "updated",
		 strempty(ns), ns ? "/" : "", name, p->profile_name);
	return policy_store_upsert(w->pw->store, p);
}

static int on_error(int error, const struct k8s_error *err, void *userdata)
{
	struct watcher *w = userdata;

	log_warning_errno(error, "policy: watch of %s: %s%s%s, retrying: %m",
			  resources[w->cluster].plural, err && err->reason[0] ? err->reason : "",
			  err && err->message[0] ? ": " : "", err ? err->message : "");
	return 0;
}

static void *watch_thread(void *arg)
{
	struct watcher *w = arg;
	const struct k8s_watch_handlers h = { .on_sync = on_sync,
					      .on_event = on_event,
					      .on_error = on_error };
	_cleanup_free_ char *path = NULL;
	struct k8s_watch_spec spec = {};
	int r;

	r = k8s_client_path(&resources[w->cluster], NULL, NULL, NULL, &path);
	if (r < 0) {
		log_error_errno(r, "policy: bad resource path: %m");
		return NULL;
	}
	spec.path = path;
	r = k8s_client_watch(w->client, &spec, &h, w, &w->pw->stop);
	if (r < 0)
		log_error_errno(r, "policy: watch of %s ended: %m", resources[w->cluster].plural);
	return NULL;
}

static int parse_git_version(const json_t *v, unsigned *major, unsigned *minor)
{
	const char *ma = json_string_value(json_object_get(v, "major"));
	const char *mi = json_string_value(json_object_get(v, "minor"));

	if (!ma || !mi)
		return -EBADMSG;
	/* Some distributions report "27+". */
	*major = (unsigned)strtoul(ma, NULL, 10);
	*minor = (unsigned)strtoul(mi, NULL, 10);
	return *major ? 0 : -EBADMSG;
}

static void *version_thread(void *arg)
{
	struct policy_watch *pw = arg;

	while (!atomic_load(&pw->stop)) {
		json_auto_t *v = NULL;
		struct k8s_error err = {};
		unsigned major, minor;
		int r = k8s_client_get(pw->version_client, "/version", &v, &err);

		if (r >= 0 && parse_git_version(v, &major, &minor) == 0) {
			webhook_set_k8s_version(pw->webhook, major, minor);
			log_debug("policy: API server is Kubernetes %u.%u", major, minor);
		} else {
			log_warning_errno(
				r < 0 ? r : -EBADMSG,
				"policy: cannot read the API server version, keeping the last one: %m");
		}
		for (int i = 0; i < VERSION_POLL_SEC * 10 && !atomic_load(&pw->stop); i++) {
			struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

struct policy_watch *policy_watch_free(struct policy_watch *pw)
{
	if (!pw)
		return NULL;
	atomic_store(&pw->stop, true);
	for (size_t i = 0; i < ELEMENTSOF(pw->watchers); i++) {
		if (pw->watchers[i].started)
			pthread_join(pw->watchers[i].thread, NULL);
		k8s_client_free(pw->watchers[i].client);
	}
	if (pw->version_started)
		pthread_join(pw->version_thread, NULL);
	k8s_client_free(pw->version_client);
	free(pw);
	return NULL;
}

int policy_watch_start(const struct k8s_config *cfg, struct policy_store *store, struct webhook *w,
		       const char *pavise_namespace, bool discover_version,
		       struct policy_watch **ret)
{
	_cleanup_(policy_watch_freep) struct policy_watch *pw = calloc(1, sizeof(*pw));
	int r;

	if (!pw)
		return -ENOMEM;
	pw->store = store;
	pw->webhook = w;
	pw->pavise_namespace = pavise_namespace;
	atomic_init(&pw->stop, false);
	atomic_init(&pw->synced, 0);
	if (discover_version) {
		r = k8s_client_new(cfg, &pw->version_client);
		if (r < 0)
			return r;
		/* Read the version once before serving, so the first admissions are right. */
		{
			json_auto_t *v = NULL;
			unsigned major, minor;

			if (k8s_client_get(pw->version_client, "/version", &v, NULL) >= 0 &&
			    parse_git_version(v, &major, &minor) == 0)
				webhook_set_k8s_version(w, major, minor);
		}
		r = -pthread_create(&pw->version_thread, NULL, version_thread, pw);
		if (r < 0)
			return r;
		pw->version_started = true;
	}
	for (size_t i = 0; i < ELEMENTSOF(pw->watchers); i++) {
		struct watcher *wt = &pw->watchers[i];

		wt->pw = pw;
		wt->cluster = i == 1;
		r = k8s_client_new(cfg, &wt->client);
		if (r < 0)
			return r;
		r = -pthread_create(&wt->thread, NULL, watch_thread, wt);
		if (r < 0)
			return r;
		wt->started = true;
	}
	*ret = TAKE_PTR(pw);
	return 0;
}
