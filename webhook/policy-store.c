// SPDX-License-Identifier: Apache-2.0
/* The webhook's policy cache: thread-safe updates, lock-free-ish immutable snapshots for readers. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "webhook/policy-store.h"

struct policy_snapshot {
	unsigned n_ref;
	size_t n;
	struct policy *policies[]; /* sorted by policy_compare */
};

struct policy_store {
	pthread_mutex_t lock; /* guards `current` pointer swaps and ref taking */
	pthread_mutex_t write_lock; /* serialises writers */
	struct policy_snapshot *current;
};

static struct policy_snapshot *snapshot_new(size_t n)
{
	struct policy_snapshot *s = calloc(1, sizeof(*s) + n * sizeof(struct policy *));

	if (s)
		s->n_ref = 1;
	return s;
}

void policy_snapshot_release(struct policy_snapshot *snap)
{
	if (!snap || __atomic_sub_fetch(&snap->n_ref, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < snap->n; i++)
		policy_free(snap->policies[i]);
	free(snap);
}

int policy_store_new(struct policy_store **ret_store)
{
	struct policy_store *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->write_lock, NULL);
	s->current = snapshot_new(0);
	if (!s->current) {
		free(s);
		return -ENOMEM;
	}
	*ret_store = s;
	return 0;
}

struct policy_store *policy_store_free(struct policy_store *s)
{
	if (!s)
		return NULL;
	policy_snapshot_release(s->current);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->write_lock);
	free(s);
	return NULL;
}

struct policy_snapshot *policy_store_acquire(struct policy_store *s)
{
	struct policy_snapshot *snap;

	pthread_mutex_lock(&s->lock);
	snap = s->current;
	__atomic_add_fetch(&snap->n_ref, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&s->lock);
	return snap;
}

struct policy_view policy_snapshot_view(const struct policy_snapshot *snap)
{
	return (struct policy_view){ .policies = snap->policies, .n = snap->n };
}

size_t policy_store_count(struct policy_store *s)
{
	struct policy_snapshot *snap = policy_store_acquire(s);
	size_t n = snap->n;

	policy_snapshot_release(snap);
	return n;
}

static void publish(struct policy_store *s, struct policy_snapshot *next)
{
	struct policy_snapshot *old;

	qsort(next->policies, next->n, sizeof(struct policy *), policy_compare);
	pthread_mutex_lock(&s->lock);
	old = s->current;
	s->current = next;
	pthread_mutex_unlock(&s->lock);
	policy_snapshot_release(old);
}

static bool same_identity(const struct policy *a, bool cluster, const char *ns, const char *name)
{
	return a->cluster == cluster && strcmp(a->name, name) == 0 &&
	       (cluster || strcmp(strempty(a->namespace), strempty(ns)) == 0);
}

int policy_store_replace(struct policy_store *s, struct policy *const *policies, size_t n)
{
	struct policy_snapshot *next = snapshot_new(n);

	if (!next)
		return -ENOMEM;
	pthread_mutex_lock(&s->write_lock);
	for (size_t i = 0; i < n; i++) {
		/* Later duplicates of one identity win, as they would on the API server. */
		size_t j;

		for (j = 0; j < next->n; j++)
			if (same_identity(next->policies[j], policies[i]->cluster,
					  policies[i]->namespace, policies[i]->name))
				break;
		if (j < next->n)
			policy_free(next->policies[j]);
		else
			next->n++;
		next->policies[j] = policy_ref(policies[i]);
	}
	publish(s, next);
	pthread_mutex_unlock(&s->write_lock);
	return 0;
}

int policy_store_replace_scope(struct policy_store *s, bool cluster, struct policy *const *policies,
			       size_t n)
{
	struct policy_snapshot *cur, *next;
	size_t j = 0;

	pthread_mutex_lock(&s->write_lock);
	cur = s->current;
	next = snapshot_new(cur->n + n);
	if (!next) {
		pthread_mutex_unlock(&s->write_lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cur->n; i++)
		if (cur->policies[i]->cluster != cluster)
			next->policies[j++] = policy_ref(cur->policies[i]);
	for (size_t i = 0; i < n; i++)
		if (policies[i]->cluster == cluster)
			next->policies[j++] = policy_ref(policies[i]);
	next->n = j;
	publish(s, next);
	pthread_mutex_unlock(&s->write_lock);
	return 0;
}

int policy_store_upsert(struct policy_store *s, struct policy *p)
{
	struct policy_snapshot *cur, *next;
	size_t j = 0;

	pthread_mutex_lock(&s->write_lock);
	cur = s->current;
	next = snapshot_new(cur->n + 1);
	if (!next) {
		pthread_mutex_unlock(&s->write_lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cur->n; i++)
		if (!same_identity(cur->policies[i], p->cluster, p->namespace, p->name))
			next->policies[j++] = policy_ref(cur->policies[i]);
	next->policies[j++] = p;
	next->n = j;
	publish(s, next);
	pthread_mutex_unlock(&s->write_lock);
	return 0;
}

int policy_store_remove(struct policy_store *s, bool cluster, const char *ns, const char *name)
{
	struct policy_snapshot *cur, *next;
	size_t j = 0;
	bool found = false;

	pthread_mutex_lock(&s->write_lock);
	cur = s->current;
	next = snapshot_new(cur->n);
	if (!next) {
		pthread_mutex_unlock(&s->write_lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cur->n; i++) {
		if (same_identity(cur->policies[i], cluster, ns, name)) {
			found = true;
			continue;
		}
		next->policies[j++] = policy_ref(cur->policies[i]);
	}
	next->n = j;
	if (!found) {
		policy_snapshot_release(next);
		pthread_mutex_unlock(&s->write_lock);
		return -ENOENT;
	}
	publish(s, next);
	pthread_mutex_unlock(&s->write_lock);
	return 0;
}
