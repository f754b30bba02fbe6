// SPDX-License-Identifier: Apache-2.0
/* Leader election with a coordination.k8s.io/v1 Lease, optimistic concurrency through resourceVersion. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/json-util.h"
#include "common/k8s-client.h"
#include "common/log.h"
#include "webhook/lease.h"

static const struct k8s_resource lease_resource = {
	.group = "coordination.k8s.io",
	.version = "v1",
	.plural = "leases",
};

struct lease {
	struct lease_config lc;
	char *namespace, *name, *identity;
	struct k8s_client *client;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_bool leader;
	atomic_uint_fast64_t last_renew_usec;
	atomic_uint_fast64_t term;
	struct lease_observer obs;
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static void micro_time(char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	char base[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%06ldZ", base, (long)tv.tv_usec);
}

int lease_config_check(const struct lease_config *lc, const char **reterr_msg)
{
	if (!lc->identity || !*lc->identity || strlen(lc->identity) > LEASE_IDENTITY_MAX) {
		*reterr_msg = "the identity must be 1 to 128 characters";
		return -EINVAL;
	}
	if (!lc->namespace || !*lc->namespace || !lc->name || !*lc->name) {
		*reterr_msg = "the Lease needs a namespace and a name";
		return -EINVAL;
	}
	if (lc->retry_usec == 0 || lc->retry_usec >= lc->renew_deadline_usec ||
	    lc->renew_deadline_usec >= lc->duration_usec ||
	    lc->duration_usec > LEASE_DURATION_MAX_SEC * 1000000ULL) {
		*reterr_msg = "need 0 < retry period < renew deadline < lease duration <= 3600 s";
		return -EINVAL;
	}
	return 0;
}

void lease_observer_done(struct lease_observer *o)
{
	free(o->resource_version);
	*o = (struct lease_observer){};
}

int lease_decide(struct lease_observer *o, const json_t *lease, const char *identity, uint64_t now,
		 uint64_t default_duration_usec, enum lease_decision *ret_decision)
{
	const char *holder, *rv;
	json_int_t secs;
	uint64_t duration = default_duration_usec;

	if (!lease) {
		*ret_decision = LEASE_ACQUIRE;
		return 0;
	}
	holder = json_path_string(lease, "spec", "holderIdentity", NULL);
	rv = json_path_string(lease, "metadata", "resourceVersion", NULL);
	if (holder && strcmp(holder, identity) == 0) {
		*ret_decision = LEASE_RENEW;
		return 0;
	}
	if (!holder || !*holder) {
		*ret_decision = LEASE_ACQUIRE;
		return 0;
	}
	if (!rv)
		return -EBADMSG;
	if (!o->resource_version || strcmp(o->resource_version, rv) != 0) {
		char *c = strdup(rv);

		if (!c)
			return -ENOMEM;
		free(o->resource_version);
		o->resource_version = c;
		o->observed_usec = now;
	}
	secs = json_integer_value(json_path(lease, "spec", "leaseDurationSeconds", NULL));
	if (secs >= 1 && secs <= LEASE_DURATION_MAX_SEC)
		duration = (uint64_t)secs * 1000000ULL;
	*ret_decision = now - o->observed_usec >= duration ? LEASE_ACQUIRE : LEASE_FOLLOW;
	return 0;
}

int lease_build(const json_t *old, const char *namespace, const char *name, const char *identity,
		uint64_t duration_usec, enum lease_decision decision, const char *now,
		json_t **ret_lease)
{
	json_auto_t *l = NULL;
	json_t *spec;
	const char *old_holder;
	json_int_t transitions;
	json_int_t secs = (json_int_t)((duration_usec + 999999) / 1000000);

	if (old)
		l = json_deep_copy(old);
	else
		l = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{}}", "apiVersion",
			      "coordination.k8s.io/v1", "kind", "Lease", "metadata", "name", name,
			      "namespace", namespace, "spec");
	if (!l)
		return -ENOMEM;
	spec = json_object_get(l, "spec");
	if (!json_is_object(spec)) {
		spec = json_object();
		if (!spec || json_object_set_new(l, "spec", spec) < 0)
			return -ENOMEM;
	}
	old_holder = json_string_value(json_object_get(spec, "holderIdentity"));
	transitions = json_integer_value(json_object_get(spec, "leaseTransitions"));
	if (decision == LEASE_ACQUIRE) {
		if (json_object_set_new(spec, "acquireTime", json_string(now)) < 0)
			return -ENOMEM;
		if (old && (!old_holder || !identity || strcmp(old_holder, identity) != 0) &&
		    json_object_set_new(spec, "leaseTransitions", json_integer(transitions + 1)) <
			    0)
			return -ENOMEM;
	}
	if (json_object_set_new(spec, "holderIdentity",
				identity ? json_string(identity) : json_null()) < 0 ||
	    json_object_set_new(spec, "leaseDurationSeconds", json_integer(secs)) < 0 ||
	    json_object_set_new(spec, "renewTime", json_string(now)) < 0)
		return -ENOMEM;
	*ret_lease = TAKE_PTR(l);
	return 0;
}

/* One round: 1 when we hold the Lease afterwards, 0 when another does, < 0 on errors. */
static int lease_try(struct lease *l)
{
	_cleanup_free_ char *path = NULL, *coll = NULL;
	json_auto_t *cur = NULL, *next = NULL, *written = NULL;
	struct k8s_error err = {};
	enum lease_decision d;
	char now[48];
	int r;

	r = k8s_client_path(&lease_resource, l->namespace, l->name, NULL, &path);
	if (r < 0)
		return r;
	r = k8s_client_get(l->client, path, &cur, &err);
	if (r == -ENOENT)
		cur = NULL;
	else if (r < 0)
		return log_debug_errno(r, "lease: cannot read %s/%s: %s %s", l->namespace, l->name,
				       err.reason, err.message);
	r = lease_decide(&l->obs, cur, l->identity, now_usec(), l->lc.duration_usec, &d);
	if (r < 0)
		return r;
	if (d == LEASE_FOLLOW)
		return 0;
	micro_time(now, sizeof(now));
	r = lease_build(cur, l->namespace, l->name, l->identity, l->lc.duration_usec, d, now,
			&next);
	if (r < 0)
		return r;
	if (!cur) {
		r = k8s_client_path(&lease_resource, l->namespace, NULL, NULL, &coll);
		if (r < 0)
			return r;
		r = k8s_client_create(l->client, coll, next, &written, &err);
	} else {
		r = k8s_client_replace(l->client, path, next, &written, &err);
	}
	if (r == -ESTALE || r == -EEXIST)
		return 0; /* someone else wrote first: follow, and look again next round */
	if (r < 0)
		return log_debug_errno(r, "lease: cannot write %s/%s: %s %s", l->namespace, l->name,
				       err.reason, err.message);
	return 1;
}

static void lease_release(struct lease *l)
{
	_cleanup_free_ char *path = NULL;
	json_auto_t *cur = NULL, *next = NULL;
	char now[48];

	if (k8s_client_path(&lease_resource, l->namespace, l->name, NULL, &path) < 0 ||
	    k8s_client_get(l->client, path, &cur, NULL) < 0)
		return;
	if (!json_path_string(cur, "spec", "holderIdentity", NULL) ||
	    strcmp(json_path_string(cur, "spec", "holderIdentity", NULL), l->identity) != 0)
		return;
	micro_time(now, sizeof(now));
	/* A released Lease: no holder, one second long, as client-go leaves it. */
	if (lease_build(cur, l->namespace, l->name, NULL, 1000000, LEASE_RENEW, now, &next) < 0)
		return;
	if (k8s_client_replace(l->client, path, next, NULL, NULL) >= 0)
		log_info("lease: released %s/%s", l->namespace, l->name);
}

bool lease_is_leader(struct lease *l)
{
	if (!l || !atomic_load(&l->leader))
		return false;
	return now_usec() - atomic_load(&l->last_renew_usec) < l->lc.renew_deadline_usec;
}

uint64_t lease_term(struct lease *l)
{
	return l ? atomic_load(&l->term) : 0;
}

static void *lease_thread(void *arg)
{
	struct lease *l = arg;

	while (!atomic_load(&l->stop)) {
		int r = lease_try(l);
		uint64_t t = now_usec();
		bool was = atomic_load(&l->leader);

		if (r > 0) {
			atomic_store(&l->last_renew_usec, t);
			if (!was) {
				atomic_fetch_add(&l->term, 1);
				atomic_store(&l->leader, true);
				log_info("lease: %s leads (Lease %s/%s)", l->identity, l->namespace,
					 l->name);
			}
		} else if (was && (r == 0 || t - atomic_load(&l->last_renew_usec) >=
						     l->lc.renew_deadline_usec)) {
			atomic_store(&l->leader, false);
			log_warning("lease: %s lost the Lease %s/%s%s", l->identity, l->namespace,
				    l->name, r == 0 ? " to another holder" : " (renew deadline)");
		}
		for (uint64_t slept = 0; slept < l->lc.retry_usec && !atomic_load(&l->stop);
		     slept += 100000) {
			struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (atomic_load(&l->leader)) {
		atomic_store(&l->leader, false);
		lease_release(l);
	}
	return NULL;
}

struct lease *lease_free(struct lease *l)
{
	if (!l)
		return NULL;
	atomic_store(&l->stop, true);
	if (l->started)
		pthread_join(l->thread, NULL);
	k8s_client_free(l->client);
	lease_observer_done(&l->obs);
	free(l->namespace);
	free(l->name);
	free(l->identity);
	free(l);
	return NULL;
}

int lease_start(const struct k8s_config *cfg, const struct lease_config *lc,
		struct lease **ret_lease)
{
	_cleanup_(lease_freep) struct lease *l = calloc(1, sizeof(*l));
	struct k8s_config c;
	const char *msg;
	int r;

	if (!l)
		return -ENOMEM;
	r = lease_config_check(lc, &msg);
	if (r < 0)
		return r;
	l->lc = *lc;
	l->namespace = strdup(lc->namespace);
	l->name = strdup(lc->name);
	l->identity = strdup(lc->identity);
	if (!l->namespace || !l->name || !l->identity)
		return -ENOMEM;
	atomic_init(&l->stop, false);
	atomic_init(&l->leader, false);
	atomic_init(&l->last_renew_usec, 0);
	atomic_init(&l->term, 0);
	/* A request must not outlast the renew deadline; the copy shares the config's strings. */
	c = *cfg;
	c.timeout_usec = MIN(c.timeout_usec, lc->renew_deadline_usec / 2);
	c.connect_timeout_usec = MIN(c.connect_timeout_usec, c.timeout_usec);
	r = k8s_client_new(&c, &l->client);
	if (r < 0)
		return r;
	r = -pthread_create(&l->thread, NULL, lease_thread, l);
	if (r < 0)
		return r;
	l->started = true;
	*ret_lease = TAKE_PTR(l);
	return 0;
}
