// SPDX-License-Identifier: Apache-2.0
/* Prometheus text exposition: lock-free counters and histograms, and their rendering. */
#pragma once

#include <stdint.h>

#include "buf.h"

#define PROM_BUCKETS_MAX 16

struct prom_histogram {
	const double *bounds; /* upper bounds in seconds, ascending */
	unsigned n_bounds;
	uint64_t buckets[PROM_BUCKETS_MAX + 1]; /* atomic; last is +Inf */
	uint64_t count; /* atomic */
	uint64_t sum_ns; /* atomic */
};

static inline void prom_inc(uint64_t *counter, uint64_t v)
{
	__atomic_add_fetch(counter, v, __ATOMIC_RELAXED);
}

static inline uint64_t prom_read(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void prom_histogram_init(struct prom_histogram *h, const double *bounds, unsigned n_bounds);
void prom_histogram_observe(struct prom_histogram *h, uint64_t ns);

/* "# HELP name help\n# TYPE name type\n" */
int prom_header(struct buf *b, const char *name, const char *type, const char *help);
/* name{labels} value; labels is the inside of the braces, may be NULL or "". */
int prom_sample(struct buf *b, const char *name, const char *labels, uint64_t value);
int prom_sample_double(struct buf *b, const char *name, const char *labels, double value);
int prom_histogram_render(struct buf *b, const char *name, const char *labels,
			  const struct prom_histogram *h);
