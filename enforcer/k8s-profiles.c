// SPDX-License-Identifier: Apache-2.0
/* ArmorProfiles from the API server: an all-namespaces watch turned into the same profile_set the profile directory gives. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/json-util.h"
#include "enforcer/k8s-profiles.h"

#define KEY_MAX (2 * K8S_NAME_MAX + 2)

int k8s_profile_cache_init(struct k8s_profile_cache *c)
{
	*c = (struct k8s_profile_cache){ .objects = json_object() };
	return c->objects ? 0 : -ENOMEM;
}

void k8s_profile_cache_done(struct k8s_profile_cache *c)
{
	json_decref(c->objects);
	*c = (struct k8s_profile_cache){};
}

static bool key_of(const json_t *o, char key[KEY_MAX])
{
	const char *ns = json_path_string(o, "metadata", "namespace", NULL),
		   *name = json_path_string(o, "metadata", "name", NULL);

	if (!name || !*name || strlen(name) > K8S_NAME_MAX || (ns && strlen(ns) > K8S_NAME_MAX))
		return false;
	(void)snprintf(key, KEY_MAX, "%s/%s", strempty(ns), name);
	return true;
}

int k8s_profile_cache_replace(struct k8s_profile_cache *c, const json_t *items)
{
	json_auto_t *next = json_object();
	const json_t *o;
	char key[KEY_MAX];
	size_t i;
	int changed;

	if (!next)
		return -ENOMEM;
	c->dropped = 0;
	json_array_foreach(items, i, o) {
		if (!key_of(o, key))
			continue;
		if (json_object_size(next) >= K8S_PROFILES_MAX) {
			c->dropped++;
			continue;
		}
		if (json_object_set(next, key, (json_t *)o) < 0)
			return -ENOMEM;
	}
	changed = !json_equal(next, c->objects);
	json_decref(c->objects);
	c->objects = TAKE_PTR(next);
	return changed;
}

int k8s_profile_cache_apply(struct k8s_profile_cache *c, enum k8s_watch_event type, json_t *object)
{
	char key[KEY_MAX];
	json_t *old;

	if (!key_of(object, key))
		return 0;
	old = json_object_get(c->objects, key);
	switch (type) {
	case K8S_WATCH_ADDED:
	case K8S_WATCH_MODIFIED:
		if (old && json_equal(old, object))
			return 0;
		if (!old && json_object_size(c->objects) >= K8S_PROFILES_MAX) {
			c->dropped++;
			return 0;
		}
		return json_object_set(c->objects, key, object) < 0 ? -ENOMEM : 1;
	case K8S_WATCH_DELETED:
		if (!old)
			return 0;
		(void)json_object_del(c->objects, key);
		return 1;
	case K8S_WATCH_BOOKMARK:
	case K8S_WATCH_ERROR:
		return 0;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cache_to_set(const struct k8s_profile_cache *c, struct profile_set *want)
{
	_cleanup_free_ const char **keys = NULL;
	json_auto_t *names = json_object();
	const char *key;
	json_t *o;
	size_t n = 0;
	int r;

	if (!names)
		return -ENOMEM;
	keys = calloc(json_object_size(c->objects) + 1, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	json_object_foreach(c->objects, key, o)
		keys[n++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str);

	for (size_t i = 0; i < n; i++) {
		_cleanup_(armor_profile_freep) struct armor_profile *p = NULL;
		_cleanup_free_ char *msg = NULL, *source = NULL;

		if (asprintf(&source, "armorprofiles/%s", keys[i]) < 0) {
			source = NULL;
			return -ENOMEM;
		}
		o = json_object_get(c->objects, keys[i]);
		r = armor_profile_parse(o, &p, &msg);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			r = profile_set_refuse(want, source,
					       json_path_string(o, "metadata", "name", NULL),
					       msg ? msg : "not a valid ArmorProfile");
		} else if (json_object_get(names, p->name)) {
			r = profile_set_refuse(
				want, source, p->name,
				"a profile of this name is defined in another namespace; kept "
				"the first");
		} else {
			if (json_object_set_new(names, p->name, json_true()) < 0)
				return -ENOMEM;
			r = profile_set_add(want, TAKE_PTR(p), source);
		}
		/* Past PROFILE_STORE_MAX the rest is left out, as the directory scan does. */
		if (r == -E2BIG)
			break;
		if (r < 0)
			return r;
	}
	return 0;
}

int k8s_profile_cache_to_set(const struct k8s_profile_cache *c, struct profile_set *want)
{
	int r = cache_to_set(c, want);

	if (r < 0)
		profile_set_done(want);
	return r;
}

/* ---- the watcher ---- */

struct k8s_profiles {
	struct k8s_client *client;
	char *selector;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	int efd;
	pthread_mutex_t lock;
	struct k8s_profile_cache cache;
	bool synced;
	uint64_t syncs, errors;
	void (*on_error)(void *userdata, int error, const char *message);
	void *userdata;
};

static void notify(struct k8s_profiles *p)
{
	uint64_t one = 1;

	/* EAGAIN means the counter is already non-zero: the reader wakes anyway. */
	(void)!write(p->efd, &one, sizeof(one));
}

static int on_sync(json_t *items, const char *resource_version, void *userdata)
{
	struct k8s_profiles *p = userdata;
	int r;

	(void)resource_version;
	pthread_mutex_lock(&p->lock);
	r = k8s_profile_cache_replace(&p->cache, items);
	p->syncs++;
	/* The first LIST is news even when empty: the enforcer may become ready. */
	if (!p->synced)
		r = r < 0 ? r : 1;
	if (r >= 0)
		p->synced = true;
	pthread_mutex_unlock(&p->lock);
	if (r > 0)
		notify(p);
	return r < 0 ? r : 0;
}

static int on_event(enum k8s_watch_event type, json_t *object, void *userdata)
{
	struct k8s_profiles *p = userdata;
	int r;

	pthread_mutex_lock(&p->lock);
	r = k8s_profile_cache_apply(&p->cache, type, object);
	pthread_mutex_unlock(&p->lock);
	if (r > 0)
		notify(p);
	return r < 0 ? r : 0;
}

static int on_error(int error, const struct k8s_error *err, void *userdata)
{
	struct k8s_profiles *p = userdata;

	__atomic_fetch_add(&p->errors, 1, __ATOMIC_RELAXED);
	if (p->on_error)
		p->on_error(p->userdata, error, err && err->message[0] ? err->message : "");
	return 0;
}

static void *watch_thread(void *userdata)
{
	struct k8s_profiles *p = userdata;
	_cleanup_free_ char *path = NULL;
	const struct k8s_watch_handlers h = {
		.on_sync = on_sync,
		.on_event = on_event,
		.on_error = on_error,
	};
	int r;

	r = k8s_client_path(&(struct k8s_resource){ "crd.varmor.org", "v1beta1", "armorprofiles" },
			    NULL, NULL, NULL, &path);
	while (r >= 0 && !atomic_load(&p->stop)) {
		r = k8s_client_watch(p->client,
				     &(struct k8s_watch_spec){
					     .path = path,
					     .label_selector = p->selector,
					     .max_list = K8S_PROFILES_LIST_MAX,
				     },
				     &h, p, &p->stop);
		/* Only a handler's -ENOMEM or a rejected spec end the watch; say so and retry. */
		if (r < 0 && !atomic_load(&p->stop)) {
			on_error(r, NULL, p);
			for (int i = 0; i < 10 && !atomic_load(&p->stop); i++)
				usleep(100 * 1000);
			r = 0;
		}
	}
	if (r < 0)
		on_error(r, NULL, p);
	return NULL;
}

int k8s_profiles_start(const struct k8s_profiles_config *cfg, struct k8s_profiles **ret)
{
	_cleanup_(k8s_profiles_freep) struct k8s_profiles *p = NULL;
	int r;

	if (!cfg || !cfg->k8s)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->efd = -EBADF;
	pthread_mutex_init(&p->lock, NULL);
	r = k8s_profile_cache_init(&p->cache);
	if (r < 0)
		return r;
	if (cfg->label_selector) {
		p->selector = strdup(cfg->label_selector);
		if (!p->selector)
			return -ENOMEM;
	}
	p->on_error = cfg->on_error;
	p->userdata = cfg->userdata;
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0)
		return -errno;
	r = k8s_client_new(cfg->k8s, &p->client);
	if (r < 0)
		return r;
	r = -pthread_create(&p->thread, NULL, watch_thread, p);
	if (r < 0)
		return r;
	p->started = true;
	*ret = TAKE_PTR(p);
	return 0;
}

struct k8s_profiles *k8s_profiles_free(struct k8s_profiles *p)
{
	if (!p)
		return NULL;
	if (p->started) {
		atomic_store(&p->stop, true);
		pthread_join(p->thread, NULL);
	}
	k8s_client_free(p->client);
	k8s_profile_cache_done(&p->cache);
	safe_close(p->efd);
	pthread_mutex_destroy(&p->lock);
	free(p->selector);
	free(p);
	return NULL;
}

int k8s_profiles_fd(struct k8s_profiles *p)
{
	return p->efd;
}

void k8s_profiles_drain(struct k8s_profiles *p)
{
	uint64_t v;

	(void)!read(p->efd, &v, sizeof(v));
}

bool k8s_profiles_synced(struct k8s_profiles *p)
{
	bool s;

	pthread_mutex_lock(&p->lock);
	s = p->synced;
	pthread_mutex_unlock(&p->lock);
	return s;
}

int k8s_profiles_snapshot(struct k8s_profiles *p, struct profile_set *want)
{
	int r;

	pthread_mutex_lock(&p->lock);
	r = k8s_profile_cache_to_set(&p->cache, want);
	pthread_mutex_unlock(&p->lock);
	return r;
}

void k8s_profiles_counts(struct k8s_profiles *p, uint64_t *ret_syncs, uint64_t *ret_errors)
{
	pthread_mutex_lock(&p->lock);
	*ret_syncs = p->syncs;
	pthread_mutex_unlock(&p->lock);
	*ret_errors = __atomic_load_n(&p->errors, __ATOMIC_RELAXED);
}
