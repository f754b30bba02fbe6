// SPDX-License-Identifier: Apache-2.0
/* ArmorProfiles from the API server: the cache, its profile_set, and the watch thread against a fake server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/http-server.h"
#include "common/json-util.h"
#include "enforcer/k8s-profiles.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

/* An ArmorProfile in namespace ns with a seccomp part; `rv` its resourceVersion. */
static json_t *profile(const char *ns, const char *name, const char *rv)
{
	_cleanup_free_ char *text = fixture_profile(name, "enforce", NULL, FIXTURE_SECCOMP);
	json_t *j = json_loads(text, 0, NULL);
	json_t *meta = json_object_get(j, "metadata");

	assert_non_null(j);
	json_object_set_new(meta, "namespace", json_string(ns));
	json_object_set_new(meta, "resourceVersion", json_string(rv));
	return j;
}

static void expect_set(const struct k8s_profile_cache *c, const char *items, const char *refused)
{
	struct profile_set s = {};
	struct buf got_items, got_refused;

	buf_init(&got_items, 4096);
	buf_init(&got_refused, 4096);
	assert_int_equal(k8s_profile_cache_to_set(c, &s), 0);
	for (size_t i = 0; i < s.n_items; i++)
		assert_int_equal(buf_printf(&got_items, "%s%s=%s", i ? " " : "",
					    s.items[i].profile->name, s.items[i].source),
				 0);
	for (size_t i = 0; i < s.n_refused; i++)
		assert_int_equal(buf_printf(&got_refused, "%s%s", i ? " " : "",
					    strna(s.refused[i].name)),
				 0);
	assert_string_equal(got_items.data ? got_items.data : "", items);
	assert_string_equal(got_refused.data ? got_refused.data : "", refused);
	buf_free(&got_items);
	buf_free(&got_refused);
	profile_set_done(&s);
}

static void test_cache(void **state)
{
	struct k8s_profile_cache c;
	json_t *items = json_array(), *a = profile("ns1", "varmor-ns1-a", "1"),
	       *b = profile("ns2", "varmor-ns2-b", "2"), *bad = profile("ns1", "bad", "3"),
	       *dup = profile("ns3", "varmor-ns1-a", "4");

	(void)state;
	assert_int_equal(k8s_profile_cache_init(&c), 0);
	expect_set(&c, "", "");
	json_array_append(items, b);
	json_array_append(items, a);
	assert_int_equal(k8s_profile_cache_replace(&c, items), 1);
	assert_int_equal(k8s_profile_cache_replace(&c, items), 0);
	/* Key order, whatever the LIST's order. */
	expect_set(&c,
		   "varmor-ns1-a=armorprofiles/ns1/varmor-ns1-a "
		   "varmor-ns2-b=armorprofiles/ns2/varmor-ns2-b",
		   "");

	/* A name that differs from spec.profile.name is refused with its name. */
	json_object_set_new(json_path(bad, "spec", "profile", NULL), "name", json_string("other"));
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_ADDED, bad), 1);
	/* The same name in another namespace: the first (by namespace) wins. */
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_ADDED, dup), 1);
	expect_set(&c,
		   "varmor-ns1-a=armorprofiles/ns1/varmor-ns1-a "
		   "varmor-ns2-b=armorprofiles/ns2/varmor-ns2-b",
		   "bad varmor-ns1-a");

	/* Unchanged MODIFIED is no news; DELETED of an unknown object neither. */
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_MODIFIED, a), 0);
	{
		json_t *a2 = json_deep_copy(a); /* the watch hands over fresh objects */

		json_object_set_new(json_object_get(a2, "metadata"), "resourceVersion",
				    json_string("9"));
		assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_MODIFIED, a2), 1);
		json_decref(a2);
	}
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_DELETED, dup), 1);
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_DELETED, dup), 0);
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_DELETED, bad), 1);
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_BOOKMARK, a), 0);
	expect_set(&c,
		   "varmor-ns1-a=armorprofiles/ns1/varmor-ns1-a "
		   "varmor-ns2-b=armorprofiles/ns2/varmor-ns2-b",
		   "");
	/* An object without a name cannot be keyed: ignored. */
	json_object_del(json_object_get(b, "metadata"), "name");
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_ADDED, b), 0);

	/* A relist replaces everything. */
	json_array_clear(items);
	json_array_append(items, a);
	assert_int_equal(k8s_profile_cache_replace(&c, items), 1);
	expect_set(&c, "varmor-ns1-a=armorprofiles/ns1/varmor-ns1-a", "");

	k8s_profile_cache_done(&c);
	json_decref(items);
	json_decref(a);
	json_decref(b);
	json_decref(bad);
	json_decref(dup);
}

static void test_cache_cap(void **state)
{
	struct k8s_profile_cache c;
	json_t *items = json_array();

	(void)state;
	assert_int_equal(k8s_profile_cache_init(&c), 0);
	for (unsigned i = 0; i < K8S_PROFILES_MAX + 3; i++) {
		char name[32];

		(void)snprintf(name, sizeof(name), "p%05u", i);
		json_array_append_new(items, json_pack("{s:{s:s, s:s}}", "metadata", "namespace",
						       "ns", "name", name));
	}
	assert_int_equal(k8s_profile_cache_replace(&c, items), 1);
	assert_int_equal(json_object_size(c.objects), K8S_PROFILES_MAX);
	assert_int_equal(c.dropped, 3);
	assert_int_equal(k8s_profile_cache_apply(&c, K8S_WATCH_ADDED,
						 json_array_get(items, K8S_PROFILES_MAX + 2)),
			 0);
	assert_int_equal(c.dropped, 4);
	k8s_profile_cache_done(&c);
	json_decref(items);
}

/* ---- the watch thread against a fake API server ---- */

struct fake {
	pthread_mutex_t lock;
	unsigned lists, watches;
	bool gone; /* answer the next watch with 410 */
	json_t *list_items; /* the LIST's items */
	char *watch_body; /* the next watch's events; NULL: none (a quiet stream) */
};

static int fake_handler(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct fake *f = userdata;
	bool watch = req->query && strstr(req->query, "watch=");
	char *body = NULL;

	pthread_mutex_lock(&f->lock);
	if (!watch) {
		json_t *l = json_pack("{s:s, s:s, s:{s:s}, s:O}", "kind", "ArmorProfileList",
				      "apiVersion", "crd.varmor.org/v1beta1", "metadata",
				      "resourceVersion", "100", "items", f->list_items);

		f->lists++;
		body = json_dumps(l, JSON_COMPACT);
		json_decref(l);
		resp->status = 200;
	} else {
		f->watches++;
		if (f->gone) {
			f->gone = false;
			resp->status = 410;
			body = strdup("{\"kind\":\"Status\",\"code\":410,\"reason\":\"Expired\"}");
		} else {
			body = f->watch_body ? f->watch_body : strdup("");
			f->watch_body = NULL;
			resp->status = 200;
		}
	}
	pthread_mutex_unlock(&f->lock);
	if (watch && !*body) {
		/* a quiet stream that ends: the client reconnects */
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	resp->content_type = "application/json";
	resp->body = body;
	resp->body_len = strlen(body);
	return 0;
}

static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static void snapshot_names(struct k8s_profiles *kp, char *out, size_t size)
{
	struct profile_set s = {};
	size_t o = 0;

	assert_int_equal(k8s_profiles_snapshot(kp, &s), 0);
	out[0] = '\0';
	for (size_t i = 0; i < s.n_items && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%s", i ? " " : "",
				      s.items[i].profile->name);
	profile_set_done(&s);
}

static void test_watch(void **state)
{
	struct fake f = { .list_items = json_array() };
	struct http_route route = {
		.method = "GET",
		.path = "/apis/crd.varmor.org/v1beta1/armorprofiles",
		.handler = fake_handler,
		.userdata = &f,
	};
	struct http_server *s = NULL;
	struct k8s_config *cfg = NULL;
	struct k8s_profiles *kp = NULL;
	json_t *a = profile("ns1", "varmor-ns1-a", "90"),
	       *b = profile("ns2", "varmor-ns2-b", "101");
	json_t *ev;
	char url[64], names[256];
	uint64_t syncs, errors;

	(void)state;
	pthread_mutex_init(&f.lock, NULL);
	json_array_append(f.list_items, a);
	assert_int_equal(http_server_start(&(struct http_server_config){ .listen = "127.0.0.1:0",
									 .threads = 2,
									 .routes = &route,
									 .n_routes = 1 },
					   &s),
			 0);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", http_server_port(s));
	assert_int_equal(k8s_config_new(url, &cfg), 0);
	assert_int_equal(k8s_profiles_start(&(struct k8s_profiles_config){ .k8s = cfg }, &kp), 0);

	/* The first LIST arrives. */
	assert_true(wait_readable(k8s_profiles_fd(kp), 5000));
	k8s_profiles_drain(kp);
	assert_true(k8s_profiles_synced(kp));
	snapshot_names(kp, names, sizeof(names));
	assert_string_equal(names, "varmor-ns1-a");

	/* Events: b added, a deleted. */
	ev = json_pack("{s:s, s:O}", "type", "ADDED", "object", b);
	pthread_mutex_lock(&f.lock);
	f.watch_body = json_dumps(ev, JSON_COMPACT);
	json_decref(ev);
	ev = json_pack("{s:s, s:O}", "type", "DELETED", "object", a);
	{
		char *more = json_dumps(ev, JSON_COMPACT), *both = NULL;

		assert_true(asprintf(&both, "%s\n%s\n", f.watch_body, more) > 0);
		free(f.watch_body);
		free(more);
		f.watch_body = both;
	}
	json_decref(ev);
	pthread_mutex_unlock(&f.lock);
	for (int i = 0; i < 50; i++) {
		if (wait_readable(k8s_profiles_fd(kp), 100))
			k8s_profiles_drain(kp);
		snapshot_names(kp, names, sizeof(names));
		if (strcmp(names, "varmor-ns2-b") == 0)
			break;
	}
	assert_string_equal(names, "varmor-ns2-b");

	/* 410 Gone: the watcher lists again and takes the LIST's content. */
	pthread_mutex_lock(&f.lock);
	json_array_clear(f.list_items);
	json_array_append(f.list_items, a);
	f.gone = true;
	pthread_mutex_unlock(&f.lock);
	for (int i = 0; i < 50; i++) {
		if (wait_readable(k8s_profiles_fd(kp), 100))
			k8s_profiles_drain(kp);
		snapshot_names(kp, names, sizeof(names));
		if (strcmp(names, "varmor-ns1-a") == 0)
			break;
	}
	assert_string_equal(names, "varmor-ns1-a");
	k8s_profiles_counts(kp, &syncs, &errors);
	assert_int_equal(syncs, 2);

	k8s_profiles_free(kp);
	k8s_config_free(cfg);
	http_server_free(s);
	free(f.watch_body);
	json_decref(f.list_items);
	json_decref(a);
	json_decref(b);
	pthread_mutex_destroy(&f.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_cache_cap),
		cmocka_unit_test(test_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
