// SPDX-License-Identifier: Apache-2.0
/* The enforcer's reporter: report and label documents, timing and backoff, the thread against fake servers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/http-server.h"
#include "common/json-util.h"
#include "enforcer/backend.h"
#include "enforcer/k8s-reporter.h"
#include "enforcer/seccomp-writer.h"
#include "enforcer/tests/fixtures.h"
#include "tests/lib/testlib.h"

static const struct caps caps_all = { .apparmor = true, .bpf_lsm = false, .seccomp = true };

static void test_build(void **state)
{
	json_t *st, *rep = NULL, *p;
	char *long_msg = malloc(5000);

	(void)state;
	assert_non_null(long_msg);
	memset(long_msg, 'x', 4999);
	long_msg[4999] = '\0';
	st = testlib_json(
		"{'ready': true, 'profiles': ["
		"{'name': 'varmor-a', 'source': 's', 'mode': 'enforce', 'enforcers': {"
		"  'apparmor': {'state': 'applied', 'message': 'loaded', 'time': 't'},"
		"  'seccomp': {'state': 'failed', 'message': 'cannot write', 'time': 't'},"
		"  'bpf': {'state': 'pending', 'message': 'waiting', 'time': 't'}}},"
		"{'name': 'varmor-b', 'source': 's', 'mode': 'enforce', 'enforcers': {}},"
		"{'name': 'Bad', 'source': 's', 'mode': 'enforce', 'enforcers': {}}],"
		"'refused': [{'source': 'f#1', 'name': 'varmor-c', 'message': 'spec.profile: bad'},"
		"  {'source': 'f#2', 'message': 'no name'},"
		"  {'source': 'f#3', 'name': 'varmor-a', 'message': 'second definition'}]}");
	assert_int_equal(k8s_report_build(st, &caps_all, "node-1", &rep), 0);
	assert_string_equal(json_string_value(json_object_get(rep, "node")), "node-1");
	assert_true(json_is_true(json_path(rep, "capabilities", "apparmor", NULL)));
	assert_true(json_is_false(json_path(rep, "capabilities", "bpf", NULL)));
	assert_true(json_is_true(json_object_get(rep, "ready")));
	assert_int_equal(json_array_size(json_object_get(rep, "profiles")), 3);
	p = json_array_get(json_object_get(rep, "profiles"), 0);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "varmor-a");
	assert_string_equal(json_string_value(json_object_get(p, "apparmor")), "applied");
	assert_string_equal(json_string_value(json_object_get(p, "seccomp")), "failed");
	assert_string_equal(json_string_value(json_object_get(p, "bpf")), "pending");
	/* Only parts not applied speak. */
	assert_string_equal(json_string_value(json_object_get(p, "message")),
			    "seccomp: cannot write; bpf: waiting");
	p = json_array_get(json_object_get(rep, "profiles"), 1);
	assert_null(json_object_get(p, "message"));
	assert_null(json_object_get(p, "apparmor"));
	p = json_array_get(json_object_get(rep, "profiles"), 2);
	assert_string_equal(json_string_value(json_object_get(p, "name")), "varmor-c");
	assert_true(json_is_true(json_object_get(p, "refused")));
	assert_string_equal(json_string_value(json_object_get(p, "message")),
			    "refused: spec.profile: bad");
	json_decref(rep);
	json_decref(st);

	/* Messages are capped, at a character boundary. */
	memcpy(long_msg + 3990, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8);
	st = json_pack("{s:b, s:[{s:s, s:{s:{s:s, s:s}}}], s:[]}", "ready", 0, "profiles", "name",
		       "varmor-a", "enforcers", "seccomp", "state", "failed", "message", long_msg,
		       "refused");
	assert_int_equal(k8s_report_build(st, &caps_all, "n", &rep), 0);
	p = json_array_get(json_object_get(rep, "profiles"), 0);
	assert_true(json_string_length(json_object_get(p, "message")) <= K8S_REPORT_MESSAGE_MAX);
	assert_true(json_string_length(json_object_get(p, "message")) > 3900);
	assert_false(json_is_true(json_object_get(rep, "ready")));
	json_decref(rep);
	json_decref(st);
	free(long_msg);
}

static void test_labels(void **state)
{
	json_t *p = NULL;

	(void)state;
	assert_int_equal(k8s_node_labels_patch(&caps_all, true, &p), 0);
	assert_string_equal(json_path_string(p, "metadata", "labels", "pavise.io/apparmor", NULL),
			    "true");
	assert_string_equal(json_path_string(p, "metadata", "labels", "pavise.io/bpf", NULL),
			    "false");
	assert_string_equal(json_path_string(p, "metadata", "labels", "pavise.io/seccomp", NULL),
			    "true");
	assert_string_equal(json_path_string(p, "metadata", "labels", "pavise.io/enforcer", NULL),
			    "ready");
	assert_int_equal(json_object_size(json_path(p, "metadata", "labels", NULL)), 4);
	json_decref(p);
	assert_int_equal(k8s_node_labels_patch(&caps_all, false, &p), 0);
	assert_string_equal(json_path_string(p, "metadata", "labels", "pavise.io/enforcer", NULL),
			    "not-ready");
	json_decref(p);
}

static void test_url(void **state)
{
	char *server = NULL, *path = NULL;

	(void)state;
	assert_int_equal(
		k8s_report_url_split("https://svc.ns.svc:3443/v1/node-status", &server, &path), 0);
	assert_string_equal(server, "https://svc.ns.svc:3443");
	assert_string_equal(path, "/v1/node-status");
	free(server);
	free(path);
	assert_int_equal(k8s_report_url_split("http://127.0.0.1:80", &server, &path), 0);
	assert_string_equal(server, "http://127.0.0.1:80");
	assert_string_equal(path, "/v1/node-status");
	free(server);
	free(path);
	assert_int_equal(k8s_report_url_split("https://[::1]:3443/", &server, &path), 0);
	assert_string_equal(path, "/v1/node-status");
	free(server);
	free(path);
	assert_int_equal(k8s_report_url_split("ftp://x/", &server, &path), -EINVAL);
	assert_int_equal(k8s_report_url_split("https:///x", &server, &path), -EINVAL);
	assert_int_equal(k8s_report_url_split("https://", &server, &path), -EINVAL);
	assert_int_equal(k8s_report_url_split("https://h/p?q=1", &server, &path), -EINVAL);
	assert_int_equal(k8s_report_url_split("https://h/p q", &server, &path), -EINVAL);
	assert_int_equal(k8s_report_url_split(NULL, &server, &path), -EINVAL);
}

static void test_timer(void **state)
{
	struct k8s_report_timer t = {};
	const uint64_t s = 1000000, hb = 30 * s;

	(void)state;
	assert_int_equal(k8s_report_backoff(1), 1 * s);
	assert_int_equal(k8s_report_backoff(2), 2 * s);
	assert_int_equal(k8s_report_backoff(5), 16 * s);
	assert_int_equal(k8s_report_backoff(6), 30 * s);
	assert_int_equal(k8s_report_backoff(1000), 30 * s);

	/* Due at once before the first post. */
	assert_int_equal(k8s_report_timer_due(&t, hb), 0);
	k8s_report_timer_done(&t, 100 * s, true, 0);
	/* Unchanged: the heartbeat. */
	assert_int_equal(k8s_report_timer_due(&t, hb), 130 * s);
	/* Changed: no sooner than a second after the last attempt. */
	t.dirty = true;
	assert_int_equal(k8s_report_timer_due(&t, hb), 101 * s);
	/* Failures back off, with jitter in [0.8, 1.2). */
	k8s_report_timer_done(&t, 101 * s, false, 0);
	assert_int_equal(k8s_report_timer_due(&t, hb), 101 * s + 800000);
	assert_true(t.dirty);
	k8s_report_timer_done(&t, 102 * s, false, 0.999);
	assert_true(k8s_report_timer_due(&t, hb) < 102 * s + 2400000);
	assert_true(k8s_report_timer_due(&t, hb) > 102 * s + 2390000);
	for (int i = 0; i < 20; i++)
		k8s_report_timer_done(&t, 200 * s, false, 0.5);
	assert_int_equal(k8s_report_timer_due(&t, hb), 200 * s + 30 * s);
	/* Success resets. */
	k8s_report_timer_done(&t, 300 * s, true, 0.5);
	assert_int_equal(t.failures, 0);
	assert_false(t.dirty);
	assert_int_equal(k8s_report_timer_due(&t, hb), 330 * s);
	/* No heartbeat (labels): never due unless dirty. */
	assert_int_equal(k8s_report_timer_due(&t, UINT64_MAX), UINT64_MAX);
}

/* ---- the thread ---- */

struct fake {
	pthread_mutex_t lock;
	unsigned report_status; /* answer to reports */
	unsigned reports, report_errors, patches;
	char last_report[8192];
	char last_patch[1024];
};

static int fake_report(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct fake *f = userdata;

	pthread_mutex_lock(&f->lock);
	if (f->report_status == 202) {
		f->reports++;
		(void)snprintf(f->last_report, sizeof(f->last_report), "%.*s", (int)req->body_len,
			       strempty(req->body));
	} else {
		f->report_errors++;
	}
	resp->status = f->report_status;
	pthread_mutex_unlock(&f->lock);
	resp->content_type = "application/json";
	resp->body = strdup("{}");
	resp->body_len = 2;
	return 0;
}

static int fake_patch(void *userdata, const struct http_request *req, struct http_response *resp)
{
	struct fake *f = userdata;

	pthread_mutex_lock(&f->lock);
	f->patches++;
	(void)snprintf(f->last_patch, sizeof(f->last_patch), "%.*s", (int)req->body_len,
		       strempty(req->body));
	pthread_mutex_unlock(&f->lock);
	resp->status = 200;
	resp->content_type = "application/json";
	resp->body = strdup("{\"kind\":\"Node\"}");
	resp->body_len = strlen(resp->body);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Waits until cond(f) holds, up to ms. */
static bool wait_for(struct fake *f, bool (*cond)(struct fake *f, const void *arg), const void *arg,
		     unsigned ms)
{
	for (unsigned i = 0; i < ms / 20; i++) {
		bool ok;

		pthread_mutex_lock(&f->lock);
		ok = cond(f, arg);
		pthread_mutex_unlock(&f->lock);
		if (ok)
			return true;
		sleep_ms(20);
	}
	return false;
}

static bool report_has(struct fake *f, const void *needle)
{
	return strstr(f->last_report, needle) != NULL;
}

static bool patch_has(struct fake *f, const void *needle)
{
	return strstr(f->last_patch, needle) != NULL;
}

static bool reports_at_least(struct fake *f, const void *n)
{
	return f->reports >= *(const unsigned *)n;
}

static bool errors_at_least(struct fake *f, const void *n)
{
	return f->report_errors >= *(const unsigned *)n;
}

static void sync_one(struct profile_store *store, const char *name)
{
	struct profile_set want = {};

	if (name) {
		_cleanup_free_ char *doc = fixture_profile(name, "enforce", NULL, FIXTURE_SECCOMP);
		_cleanup_free_ char *msg = NULL;
		json_t *j = json_loads(doc, 0, NULL);
		struct armor_profile *p = NULL;

		assert_int_equal(armor_profile_parse(j, &p, &msg), 0);
		json_decref(j);
		assert_int_equal(profile_set_add(&want, p, "test"), 0);
	}
	assert_int_equal(profile_store_sync(store, &want, false), 0);
}

static void test_thread(void **state)
{
	struct fake f = { .report_status = 202 };
	struct http_route routes[] = {
		{ .method = "POST",
		  .path = "/v1/node-status",
		  .handler = fake_report,
		  .userdata = &f },
		{ .method = "PATCH",
		  .path = "/api/v1/nodes/node-1",
		  .handler = fake_patch,
		  .userdata = &f },
	};
	struct http_server *s = NULL;
	struct k8s_config *cfg = NULL;
	struct k8s_reporter *rep = NULL;
	struct k8s_reporter_counts c;
	struct seccomp_writer w;
	struct backend b_aa, b_sc, b_bpf, *backends[_PART_MAX];
	struct profile_store *store = NULL;
	char *dir = testlib_tmpdir(), sdir[512], url[128], tokfile[600];
	unsigned n;

	(void)state;
	pthread_mutex_init(&f.lock, NULL);
	(void)snprintf(sdir, sizeof(sdir), "%s/seccomp", dir);
	seccomp_writer_init(&w, sdir, &b_sc);
	backend_bpf_pending(&b_bpf);
	b_aa = b_bpf;
	b_aa.kind = PART_APPARMOR;
	backends[PART_APPARMOR] = &b_aa;
	backends[PART_SECCOMP] = &b_sc;
	backends[PART_BPF] = &b_bpf;
	assert_int_equal(profile_store_new(backends, NULL, &store), 0);
	assert_int_equal(fixture_write(dir, "token", "tok-1\n"), 0);
	(void)snprintf(tokfile, sizeof(tokfile), "%s/token", dir);

	assert_int_equal(http_server_start(&(struct http_server_config){ .listen = "127.0.0.1:0",
									 .threads = 2,
									 .routes = routes,
									 .n_routes = 2 },
					   &s),
			 0);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u", http_server_port(s));
	assert_int_equal(k8s_config_new(url, &cfg), 0);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/node-status", http_server_port(s));
	assert_int_equal(k8s_reporter_start(
				 &(struct k8s_reporter_config){
					 .node = "node-1",
					 .status_url = url,
					 .token_file = tokfile,
					 .k8s = cfg,
					 .store = store,
					 .caps = &caps_all,
					 .heartbeat_usec = 400 * 1000,
				 },
				 &rep),
			 0);
	/* Before the first sync: labelled not ready, reported with no profiles. */
	assert_true(wait_for(&f, patch_has, "\"pavise.io/enforcer\":\"not-ready\"", 5000));
	assert_true(wait_for(&f, report_has, "\"profiles\":[]", 5000));
	assert_non_null(strstr(f.last_patch, "\"pavise.io/seccomp\":\"true\""));
	assert_non_null(strstr(f.last_report, "\"node\":\"node-1\""));

	sync_one(store, "varmor-demo-a");
	k8s_reporter_notify(rep);
	assert_true(wait_for(&f, report_has, "\"name\":\"varmor-demo-a\",\"seccomp\":\"applied\"",
			     5000));
	assert_true(wait_for(&f, patch_has, "\"pavise.io/enforcer\":\"ready\"", 5000));

	/* Heartbeats re-send the unchanged report. */
	pthread_mutex_lock(&f.lock);
	n = f.reports + 2;
	pthread_mutex_unlock(&f.lock);
	assert_true(wait_for(&f, reports_at_least, &n, 5000));

	/* Errors: retried with backoff (1 s, then 2 s), then a change gets through. */
	pthread_mutex_lock(&f.lock);
	f.report_status = 503;
	pthread_mutex_unlock(&f.lock);
	sync_one(store, NULL);
	k8s_reporter_notify(rep);
	n = 2;
	assert_true(wait_for(&f, errors_at_least, &n, 6000));
	pthread_mutex_lock(&f.lock);
	/* Not a hot loop: two or three attempts in that time. */
	assert_true(f.report_errors <= 3);
	f.report_status = 202;
	pthread_mutex_unlock(&f.lock);
	assert_true(wait_for(&f, report_has, "\"profiles\":[]", 6000));
	k8s_reporter_counts(rep, &c);
	assert_true(c.post_errors >= 2);
	assert_true(c.label_patches >= 2);
	assert_int_equal(c.label_errors, 0);

	k8s_reporter_free(rep);
	http_server_free(s);
	k8s_config_free(cfg);
	profile_store_free(store);
	fixture_rm_rf(dir);
	free(dir);
	pthread_mutex_destroy(&f.lock);
}

static void test_bad_config(void **state)
{
	struct k8s_reporter *rep = NULL;
	struct profile_store *store = (struct profile_store *)(uintptr_t)1;

	(void)state;
	assert_int_equal(k8s_reporter_start(&(struct k8s_reporter_config){ .node = "n" }, &rep),
			 -EINVAL);
	assert_int_equal(
		k8s_reporter_start(&(struct k8s_reporter_config){ .node = "n",
								  .store = store,
								  .caps = &caps_all,
								  .status_url = "gopher://x" },
				   &rep),
		-EINVAL);
	assert_null(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build),  cmocka_unit_test(test_labels),
		cmocka_unit_test(test_url),    cmocka_unit_test(test_timer),
		cmocka_unit_test(test_thread), cmocka_unit_test(test_bad_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
