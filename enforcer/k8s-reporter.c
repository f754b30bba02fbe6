// SPDX-License-Identifier: Apache-2.0
/* The enforcer's reports to the cluster: node status to the status service, capability labels on its Node. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/json-util.h"
#include "common/k8s-client.h"
#include "enforcer/k8s-reporter.h"

#define REQUEST_TIMEOUT_USEC (10ULL * 1000 * 1000)

static const char *const part_names[] = { "apparmor", "seccomp", "bpf" };

/* Appends "part: msg" to b (with "; " between), within K8S_REPORT_MESSAGE_MAX. */
static int message_add(struct buf *b, const char *part, const char *msg)
{
	size_t room;
	int r;

	if (!msg || !*msg)
		return 0;
	if (b->len + 16 >= K8S_REPORT_MESSAGE_MAX)
		return 0;
	r = buf_printf(b, "%s%s: ", b->len ? "; " : "", part);
	if (r < 0)
		return r;
	room = K8S_REPORT_MESSAGE_MAX - b->len;
	if (strlen(msg) <= room)
		return buf_append_str(b, msg);
	/* Cut at a character boundary: never in the middle of a UTF-8 sequence. */
	while (room > 0 && ((unsigned char)msg[room] & 0xc0) == 0x80)
		room--;
	return buf_append(b, msg, room);
}

static int report_profile(const json_t *in, json_t *out_list, json_t *names)
{
	const char *name = json_string_value(json_object_get(in, "name"));
	const json_t *enf = json_object_get(in, "enforcers");
	json_auto_t *o = NULL;
	struct buf msg;
	int r = 0;

	if (!name || !profile_name_is_valid(name) || json_object_get(names, name))
		return 0;
	o = json_pack("{s:s}", "name", name);
	if (!o)
		return -ENOMEM;
	buf_init(&msg, K8S_REPORT_MESSAGE_MAX + 1);
	for (size_t k = 0; k < ELEMENTSOF(part_names) && r >= 0; k++) {
		const json_t *st = json_object_get(enf, part_names[k]);
		const char *state = json_string_value(json_object_get(st, "state"));

		if (!state)
			continue;
		if (json_object_set_new(o, part_names[k], json_string(state)) < 0)
			r = -ENOMEM;
		else if (strcmp(state, "applied") != 0)
			r = message_add(&msg, part_names[k],
					json_string_value(json_object_get(st, "message")));
	}
	if (r >= 0 && msg.len && json_object_set_new(o, "message", json_string(msg.data)) < 0)
		r = -ENOMEM;
	buf_free(&msg);
	if (r >= 0 && (json_object_set_new(names, name, json_true()) < 0 ||
		       json_array_append(out_list, o) < 0))
		r = -ENOMEM;
	return r;
}

int k8s_report_build(const json_t *store_status, const struct caps *caps, const char *node,
		     json_t **ret_report)
{
	json_auto_t *list = json_array(), *names = json_object(), *rep = NULL;
	const json_t *v;
	size_t i;
	int r;

	if (!list || !names)
		return -ENOMEM;
	json_array_foreach(json_object_get(store_status, "profiles"), i, v) {
		r = report_profile(v, list, names);
		if (r < 0)
			return r;
	}
	json_array_foreach(json_object_get(store_status, "refused"), i, v) {
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *msg = json_string_value(json_object_get(v, "message"));
		struct buf b;
		json_t *o;

		if (!name || !profile_name_is_valid(name) || json_object_get(names, name))
			continue;
		buf_init(&b, K8S_REPORT_MESSAGE_MAX + 1);
		r = message_add(&b, "refused", msg ? msg : "not a valid ArmorProfile");
		o = r < 0 ? NULL :
			    json_pack("{s:s, s:b, s:s}", "name", name, "refused", 1, "message",
				      b.data ? b.data : "refused");
		buf_free(&b);
		if (!o || json_object_set_new(names, name, json_true()) < 0 ||
		    json_array_append_new(list, o) < 0)
			return -ENOMEM;
	}
	rep = json_pack("{s:s, s:{s:b, s:b, s:b}, s:b, s:O}", "node", node, "capabilities",
			"apparmor", caps->apparmor, "bpf", caps->bpf_lsm, "seccomp", caps->seccomp,
			"ready", json_is_true(json_object_get(store_status, "ready")), "profiles",
			list);
	if (!rep)
		return -ENOMEM;
	*ret_report = TAKE_PTR(rep);
	return 0;
}

int k8s_node_labels_patch(const struct caps *caps, bool ready, json_t **ret_patch)
{
	json_t *p = json_pack("{s:{s:{s:s, s:s, s:s, s:s}}}", "metadata", "labels",
			      K8S_LABEL_APPARMOR, caps->apparmor ? "true" : "false", K8S_LABEL_BPF,
			      caps->bpf_lsm ? "true" : "false", K8S_LABEL_SECCOMP,
			      caps->seccomp ? "true" : "false", K8S_LABEL_ENFORCER,
			      ready ? "ready" : "not-ready");

	if (!p)
		return -ENOMEM;
	*ret_patch = p;
	return 0;
}

int k8s_report_url_split(const char *url, char **ret_server, char **ret_path)
{
	_cleanup_free_ char *server = NULL, *path = NULL;
	const char *host, *slash;

	if (!url || strlen(url) > K8S_REPORT_URL_MAX)
		return -EINVAL;
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return -EINVAL;
	slash = strchr(host, '/');
	if (slash == host || *host == '\0' || strpbrk(url, " \t\r\n?#"))
		return -EINVAL;
	server = slash ? strndup(url, (size_t)(slash - url)) : strdup(url);
	path = strdup(slash && slash[1] ? slash : K8S_REPORT_PATH_DEFAULT);
	if (!server || !path)
		return -ENOMEM;
	*ret_server = TAKE_PTR(server);
	*ret_path = TAKE_PTR(path);
	return 0;
}

uint64_t k8s_report_backoff(unsigned n)
{
	uint64_t step = K8S_REPORT_BACKOFF_MIN_USEC;

	for (unsigned i = 1; i < n && step < K8S_REPORT_BACKOFF_MAX_USEC; i++)
		step *= 2;
	return MIN(step, K8S_REPORT_BACKOFF_MAX_USEC);
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t k8s_report_timer_due(const struct k8s_report_timer *t, uint64_t heartbeat_usec)
{
	if (t->failures)
		return t->retry_at;
	if (!t->ever_ok || t->dirty)
		return t->last_attempt ? add_sat(t->last_attempt, K8S_REPORT_MIN_INTERVAL_USEC) : 0;
	return add_sat(t->last_ok, heartbeat_usec);
}

void k8s_report_timer_done(struct k8s_report_timer *t, uint64_t now, bool ok, double jitter)
{
	t->last_attempt = now;
	if (ok) {
		t->failures = 0;
		t->last_ok = now;
		t->ever_ok = true;
		t->dirty = false;
		return;
	}
	if (t->failures < UINT32_MAX)
		t->failures++;
	if (jitter < 0 || jitter >= 1)
		jitter = 0;
	t->retry_at =
		now + (uint64_t)((double)k8s_report_backoff(t->failures) * (0.8 + 0.4 * jitter));
}

/* ---- the thread ---- */

struct k8s_reporter {
	char *node, *path, *node_path;
	struct k8s_client *status, *api; /* either may be NULL */
	struct profile_store *store;
	const struct caps *caps;
	uint64_t heartbeat;
	void (*on_result)(void *userdata, const char *what, int error, const char *message);
	void *userdata;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool notified, stop;
	struct k8s_reporter_counts counts;

	/* thread-only */
	char *last_posted;
	struct k8s_report_timer report, labels;
	bool labelled_ready;
	unsigned seed;
};

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static double jitter(struct k8s_reporter *r)
{
	return (double)(rand_r(&r->seed) % 1000) / 1000.0;
}

static void result(struct k8s_reporter *r, const char *what, int error, const struct k8s_error *e)
{
	if (r->on_result)
		r->on_result(r->userdata, what, error, e && e->message[0] ? e->message : "");
}

/* The report as compact JSON with sorted keys; caller frees. */
static int current_report(struct k8s_reporter *r, char **ret_text, json_t **ret_doc)
{
	json_auto_t *st = NULL, *rep = NULL;
	int k;

	k = profile_store_status_json(r->store, &st);
	if (k < 0)
		return k;
	k = k8s_report_build(st, r->caps, r->node, &rep);
	if (k < 0)
		return k;
	*ret_text = json_dumps(rep, JSON_COMPACT | JSON_SORT_KEYS);
	if (!*ret_text)
		return -ENOMEM;
	*ret_doc = TAKE_PTR(rep);
	return 0;
}

static void refresh(struct k8s_reporter *r)
{
	_cleanup_free_ char *text = NULL;
	json_auto_t *doc = NULL;

	if (r->status && current_report(r, &text, &doc) >= 0 &&
	    (!r->last_posted || strcmp(text, r->last_posted) != 0))
		r->report.dirty = true;
	if (r->api && profile_store_ready(r->store) != r->labelled_ready)
		r->labels.dirty = true;
}

static void post_report(struct k8s_reporter *r)
{
	_cleanup_free_ char *text = NULL;
	json_auto_t *doc = NULL;
	struct k8s_error e = {};
	int k;

	k = current_report(r, &text, &doc);
	if (k >= 0)
		k = k8s_client_request(r->status,
				       &(struct k8s_request){
					       .method = "POST",
					       .path = r->path,
					       .body = doc,
					       .max_response = 64 * 1024,
					       .timeout_usec = REQUEST_TIMEOUT_USEC,
				       },
				       NULL, &e);
	k8s_report_timer_done(&r->report, mono_usec(), k >= 0, jitter(r));
	pthread_mutex_lock(&r->lock);
	r->counts.posts++;
	if (k < 0)
		r->counts.post_errors++;
	pthread_mutex_unlock(&r->lock);
	if (k >= 0) {
		free(r->last_posted);
		r->last_posted = TAKE_PTR(text);
	}
	result(r, "report", k < 0 ? k : 0, &e);
}

static void patch_labels(struct k8s_reporter *r)
{
	json_auto_t *patch = NULL;
	struct k8s_error e = {};
	bool ready = profile_store_ready(r->store);
	int k;

	k = k8s_node_labels_patch(r->caps, ready, &patch);
	if (k >= 0)
		k = k8s_client_patch(r->api, r->node_path, K8S_PATCH_MERGE, patch, NULL, &e);
	k8s_report_timer_done(&r->labels, mono_usec(), k >= 0, jitter(r));
	if (k >= 0)
		r->labelled_ready = ready;
	pthread_mutex_lock(&r->lock);
	r->counts.label_patches++;
	if (k < 0)
		r->counts.label_errors++;
	pthread_mutex_unlock(&r->lock);
	result(r, "labels", k < 0 ? k : 0, &e);
}

static void *reporter_thread(void *userdata)
{
	struct k8s_reporter *r = userdata;

	pthread_mutex_lock(&r->lock);
	r->notified = true;
	while (!r->stop) {
		uint64_t now, due_rep = UINT64_MAX, due_lab = UINT64_MAX, due;

		if (r->notified) {
			r->notified = false;
			pthread_mutex_unlock(&r->lock);
			refresh(r);
			pthread_mutex_lock(&r->lock);
			continue;
		}
		if (r->status)
			due_rep = k8s_report_timer_due(&r->report, r->heartbeat);
		if (r->api)
			due_lab = k8s_report_timer_due(&r->labels, UINT64_MAX);
		due = MIN(due_rep, due_lab);
		now = mono_usec();
		if (now < due) {
			/* Wake at least every 100 ms so stop is seen even without a signal. */
			uint64_t wait = MIN(due - now, 100ULL * 1000);
			struct timespec ts;

			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_nsec += (long)(wait % 1000000U) * 1000;
			ts.tv_sec += (time_t)(wait / 1000000U) + ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			(void)pthread_cond_timedwait(&r->cond, &r->lock, &ts);
			continue;
		}
		pthread_mutex_unlock(&r->lock);
		if (due_lab <= due_rep)
			patch_labels(r);
		else
			post_report(r);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int status_client(const struct k8s_reporter_config *cfg, struct k8s_reporter *r)
{
	_cleanup_(k8s_config_freep) struct k8s_config *kc = NULL;
	_cleanup_free_ char *server = NULL;
	int k;

	k = k8s_report_url_split(cfg->status_url, &server, &r->path);
	if (k < 0)
		return k;
	k = k8s_config_new(server, &kc);
	if (k < 0)
		return k;
	if (cfg->status_ca_file) {
		kc->ca_file = strdup(cfg->status_ca_file);
		if (!kc->ca_file)
			return -ENOMEM;
	}
	if (cfg->token_file) {
		kc->token_file = strdup(cfg->token_file);
		if (!kc->token_file)
			return -ENOMEM;
	}
	kc->timeout_usec = REQUEST_TIMEOUT_USEC;
	return k8s_client_new(kc, &r->status);
}

int k8s_reporter_start(const struct k8s_reporter_config *cfg, struct k8s_reporter **ret)
{
	_cleanup_(k8s_reporter_freep) struct k8s_reporter *r = NULL;
	pthread_condattr_t ca;
	int k;

	if (!cfg || !cfg->node || !cfg->store || !cfg->caps)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	r->node = strdup(cfg->node);
	if (!r->node)
		return -ENOMEM;
	r->store = cfg->store;
	r->caps = cfg->caps;
	r->heartbeat = cfg->heartbeat_usec ?: K8S_REPORT_HEARTBEAT_USEC;
	r->on_result = cfg->on_result;
	r->userdata = cfg->userdata;
	r->seed = (unsigned)mono_usec() ^ (unsigned)getpid();
	if (cfg->status_url) {
		k = status_client(cfg, r);
		if (k < 0)
			return k;
	}
	if (cfg->k8s) {
		k = k8s_client_path(&(struct k8s_resource){ NULL, "v1", "nodes" }, NULL, cfg->node,
				    NULL, &r->node_path);
		if (k < 0)
			return k;
		k = k8s_client_new(cfg->k8s, &r->api);
		if (k < 0)
			return k;
		r->labels.dirty = true;
	}
	k = -pthread_create(&r->thread, NULL, reporter_thread, r);
	if (k < 0)
		return k;
	r->started = true;
	*ret = TAKE_PTR(r);
	return 0;
}

void k8s_reporter_notify(struct k8s_reporter *r)
{
	pthread_mutex_lock(&r->lock);
	r->notified = true;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
}

struct k8s_reporter *k8s_reporter_free(struct k8s_reporter *r)
{
	if (!r)
		return NULL;
	if (r->started) {
		pthread_mutex_lock(&r->lock);
		r->stop = true;
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	k8s_client_free(r->status);
	k8s_client_free(r->api);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r->last_posted);
	free(r->node);
	free(r->path);
	free(r->node_path);
	free(r);
	return NULL;
}

void k8s_reporter_counts(struct k8s_reporter *r, struct k8s_reporter_counts *ret)
{
	pthread_mutex_lock(&r->lock);
	*ret = r->counts;
	pthread_mutex_unlock(&r->lock);
}
