// SPDX-License-Identifier: Apache-2.0
/* Prometheus text exposition: lock-free counters and histograms, and their rendering. */
#include <string.h>

#include "prom.h"

void prom_histogram_init(struct prom_histogram *h, const double *bounds, unsigned n_bounds)
{
	*h = (struct prom_histogram){ .bounds = bounds,
				      .n_bounds = MIN(n_bounds, (unsigned)PROM_BUCKETS_MAX) };
}

void prom_histogram_observe(struct prom_histogram *h, uint64_t ns)
{
	double s = (double)ns / 1e9;
	unsigned i;

	for (i = 0; i < h->n_bounds; i++)
		if (s <= h->bounds[i])
			break;
	prom_inc(&h->buckets[i], 1);
	prom_inc(&h->count, 1);
	prom_inc(&h->sum_ns, ns);
}

int prom_header(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int prom_sample(struct buf *b, const char *name, const char *labels, uint64_t value)
{
	if (labels && *labels)
		return buf_printf(b, "%s{%s} %llu\n", name, labels, (unsigned long long)value);
	return buf_printf(b, "%s %llu\n", name, (unsigned long long)value);
}

int prom_sample_double(struct buf *b, const char *name, const char *labels, double value)
{
	if (labels && *labels)
		return buf_printf(b, "%s{%s} %.9g\n", name, labels, value);
	return buf_printf(b, "%s %.9g\n", name, value);
}

int prom_histogram_render(struct buf *b, const char *name, const char *labels,
			  const struct prom_histogram *h)
{
	const char *sep = labels && *labels ? "," : "";
	uint64_t cum = 0;
	int r = 0;

	labels = labels ? labels : "";
	for (unsigned i = 0; r >= 0 && i < h->n_bounds; i++) {
		cum += prom_read(&h->buckets[i]);
		r = buf_printf(b, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
			       h->bounds[i], (unsigned long long)cum);
	}
	cum += prom_read(&h->buckets[h->n_bounds]);
	if (r >= 0)
		r = buf_printf(b, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
			       (unsigned long long)cum);
	if (r >= 0)
		r = buf_printf(b, "%s_sum{%s} %.9g\n%s_count{%s} %llu\n", name, labels,
			       (double)prom_read(&h->sum_ns) / 1e9, name, labels,
			       (unsigned long long)cum);
	return r;
}
