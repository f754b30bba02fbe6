// SPDX-License-Identifier: Apache-2.0
/* The controller's work queue: keyed, deduplicated, delayed, retried with backoff; no locking, no I/O. */
#include <stdlib.h>
#include <string.h>

#include "webhook/controller-queue.h"

struct entry {
	char *key;
	uint64_t due;
	unsigned failures;
	bool in_flight;
	bool again; /* added while in flight */
	uint64_t again_due;
};

struct controller_queue {
	struct entry *v;
	size_t n, alloc;
};

int controller_queue_new(struct controller_queue **ret_queue)
{
	struct controller_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	*ret_queue = q;
	return 0;
}

struct controller_queue *controller_queue_free(struct controller_queue *q)
{
	if (!q)
		return NULL;
	for (size_t i = 0; i < q->n; i++)
		free(q->v[i].key);
	free(q->v);
	free(q);
	return NULL;
}

static struct entry *find(const struct controller_queue *q, const char *key)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->v[i].key, key) == 0)
			return &q->v[i];
	return NULL;
}

static void drop(struct controller_queue *q, struct entry *e)
{
	size_t i = (size_t)(e - q->v);

	free(e->key);
	q->v[i] = q->v[--q->n];
}

uint64_t controller_queue_backoff(unsigned failures)
{
	uint64_t d = CONTROLLER_BACKOFF_BASE_USEC;

	for (unsigned i = 1; i < failures && d < CONTROLLER_BACKOFF_MAX_USEC; i++)
		d *= 2;
	return MIN(d, CONTROLLER_BACKOFF_MAX_USEC);
}

int controller_queue_add(struct controller_queue *q, const char *key, uint64_t now_usec,
			 uint64_t delay_usec)
{
	size_t len = key ? strnlen(key, CONTROLLER_QUEUE_KEY_MAX + 1) : 0;
	uint64_t due = now_usec + MIN(delay_usec, CONTROLLER_BACKOFF_MAX_USEC);
	struct entry *e;

	if (len == 0 || len > CONTROLLER_QUEUE_KEY_MAX)
		return -EINVAL;
	e = find(q, key);
	if (e && e->in_flight) {
		if (!e->again || due < e->again_due)
			e->again_due = due;
		e->again = true;
		return 0;
	}
	if (e) {
		e->due = MIN(e->due, due);
		return 0;
	}
	if (q->n >= CONTROLLER_QUEUE_MAX)
		return -ENOSPC;
	if (q->n == q->alloc) {
		size_t na = q->alloc ? q->alloc * 2 : 16;
		struct entry *nv = reallocarray(q->v, na, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		q->v = nv;
		q->alloc = na;
	}
	e = &q->v[q->n];
	*e = (struct entry){ .key = strdup(key), .due = due };
	if (!e->key)
		return -ENOMEM;
	q->n++;
	return 0;
}

int controller_queue_pop(struct controller_queue *q, uint64_t now_usec, const char **ret_key,
			 uint64_t *ret_wait_usec)
{
	struct entry *best = NULL;

	for (size_t i = 0; i < q->n; i++) {
		struct entry *e = &q->v[i];

		if (!e->in_flight && (!best || e->due < best->due))
			best = e;
	}
	if (!best || best->due > now_usec) {
		*ret_wait_usec = best ? best->due - now_usec : UINT64_MAX;
		return 0;
	}
	best->in_flight = true;
	best->again = false;
	*ret_key = best->key;
	return 1;
}

int controller_queue_done(struct controller_queue *q, const char *key, int error, uint64_t now_usec)
{
	struct entry *e = find(q, key);

	if (!e || !e->in_flight)
		return -ENOENT;
	e->in_flight = false;
	if (error < 0) {
		e->failures++;
		e->due = now_usec + controller_queue_backoff(e->failures);
		if (e->again)
			e->due = MIN(e->due, MAX(e->again_due, now_usec));
		e->again = false;
		return 0;
	}
	e->failures = 0;
	if (e->again) {
		e->due = e->again_due;
		e->again = false;
		return 0;
	}
	drop(q, e);
	return 0;
}

size_t controller_queue_len(const struct controller_queue *q)
{
	return q->n;
}
