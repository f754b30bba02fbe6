// SPDX-License-Identifier: Apache-2.0
/* A per-thread bump arena for jansson, used while one request is handled. */
#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <jansson.h>

#include "json-arena.h"

#define CHUNK_MIN  (64U * 1024)
#define CHUNKS_MAX 64

struct chunk {
	char *base;
	size_t size, used;
};

struct arena {
	bool active; /* a scope is open: frees of arena memory are no-ops */
	bool allocate; /* new jansson allocations come from the arena */
	size_t max, total;
	struct chunk chunks[CHUNKS_MAX];
	unsigned n_chunks; /* chunks[0] is kept between scopes */
};

static __thread struct arena arena;
static pthread_key_t release_key;
static pthread_once_t release_once = PTHREAD_ONCE_INIT;

static void release_at_exit(void *unused)
{
	(void)unused;
	json_arena_release();
}

static void make_release_key(void)
{
	(void)pthread_key_create(&release_key, release_at_exit);
}

static bool in_arena(const void *p)
{
	for (unsigned i = 0; i < arena.n_chunks; i++) {
		const struct chunk *c = &arena.chunks[i];

		if ((const char *)p >= c->base && (const char *)p < c->base + c->size)
			return true;
	}
	return false;
}

static void *arena_alloc(size_t size)
{
	struct chunk *c;
	size_t need = (size + 15) & ~(size_t)15;

	if (!arena.allocate)
		return malloc(size);
	if (need < size || arena.total + need > arena.max)
		return NULL;
	c = arena.n_chunks ? &arena.chunks[arena.n_chunks - 1] : NULL;
	if (!c || c->size - c->used < need) {
		size_t sz = MAX((size_t)CHUNK_MIN, need);

		if (arena.n_chunks == CHUNKS_MAX)
			return NULL;
		if (c)
			sz = MAX(sz, c->size * 2);
		c = &arena.chunks[arena.n_chunks];
		c->base = malloc(sz);
		if (!c->base)
			return NULL;
		if (arena.n_chunks == 0) {
			/* The kept chunk goes back when the thread ends. */
			(void)pthread_once(&release_once, make_release_key);
			(void)pthread_setspecific(release_key, &arena);
		}
		c->size = sz;
		c->used = 0;
		arena.n_chunks++;
	}
	arena.total += need;
	c->used += need;
	return c->base + c->used - need;
}

static void arena_free(void *p)
{
	if (!p)
		return;
	if (in_arena(p)) {
		/* Outside a scope only the kept chunk remains: a value escaped its request. */
		assert(arena.active);
		return;
	}
	free(p);
}

void json_arena_install(void)
{
	json_set_alloc_funcs(arena_alloc, arena_free);
}

int json_arena_begin(size_t max)
{
	if (arena.active)
		return -EBUSY;
	arena.active = true;
	arena.allocate = true;
	arena.max = max;
	arena.total = 0;
	return 0;
}

void json_arena_pause(void)
{
	arena.allocate = false;
}

void json_arena_end(void)
{
	/* Keep the first chunk for the next request; give back the growth. */
	for (unsigned i = 1; i < arena.n_chunks; i++)
		free(arena.chunks[i].base);
	if (arena.n_chunks > 1)
		arena.n_chunks = 1;
	if (arena.n_chunks)
		arena.chunks[0].used = 0;
	arena.total = 0;
	arena.active = false;
	arena.allocate = false;
}

void json_arena_release(void)
{
	json_arena_end();
	if (arena.n_chunks)
		free(arena.chunks[0].base);
	arena.n_chunks = 0;
}
