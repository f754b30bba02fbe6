// SPDX-License-Identifier: Apache-2.0
/*
 * Load client: simulated enforcers posting node status reports with real tokens.
 *
 *   loadgen --url URL --ca FILE --tokens FILE --nodes N [--node-prefix P] [--profile NAME]
 *           [--threads T] [--seconds S | --once]
 *
 * Node i (1..N) is "<prefix><i>" and uses line ((i-1) mod lines) of the token file. Closed
 * loop: T threads post back to back for S seconds; --once posts one report per node. Prints
 * "RESULT reports=... seconds=... rate=... p50_ms=... p99_ms=... max_ms=... errors=..." and, for
 * every status other than 202, "STATUS code count".
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#define TOKENS_MAX    100000
#define TOKEN_LEN_MAX 16384
#define SAMPLES_MAX   (4U * 1000 * 1000)

struct opts {
	const char *url, *ca, *prefix, *profile;
	char **tokens;
	unsigned n_tokens, nodes, threads, seconds;
	int once;
};

struct worker {
	const struct opts *o;
	unsigned first, step; /* nodes first, first+step, ... */
	double *lat;
	size_t n_lat, max_lat;
	unsigned long errors;
	unsigned long codes[600];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	const struct opts *o = w->o;
	CURL *h = curl_easy_init();
	double end = now_s() + o->seconds;
	char body[1024], auth[TOKEN_LEN_MAX + 32];
	unsigned node = w->first;

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, o->url);
	curl_easy_setopt(h, CURLOPT_CAINFO, o->ca);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	for (;;) {
		struct curl_slist *hdr = NULL;
		long code = 0;
		double t0;

		if (o->once ? node > o->nodes : now_s() >= end)
			break;
		snprintf(body, sizeof(body),
			 "{\"node\":\"%s%u\",\"capabilities\":{\"apparmor\":true,\"bpf\":true,"
			 "\"seccomp\":true},\"ready\":true,\"profiles\":[%s%s%s]}",
			 o->prefix, node, o->profile ? "{\"name\":\"" : "",
			 o->profile ? o->profile : "",
			 o->profile ? "\",\"apparmor\":\"applied\",\"seccomp\":\"applied\"}" : "");
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 o->tokens[(node - 1) % o->n_tokens]);
		hdr = curl_slist_append(hdr, auth);
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		t0 = now_s();
		if (curl_easy_perform(h) != CURLE_OK)
			w->errors++;
		else {
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
			if (code > 0 && code < 600)
				w->codes[code]++;
			if (code != 202)
				w->errors++;
		}
		if (w->n_lat < w->max_lat)
			w->lat[w->n_lat++] = now_s() - t0;
		curl_slist_free_all(hdr);
		node += w->step;
		if (!o->once && node > o->nodes)
			node = w->first;
	}
	curl_easy_cleanup(h);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int read_tokens(const char *path, struct opts *o)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return -1;
	o->tokens = calloc(TOKENS_MAX, sizeof(*o->tokens));
	while (o->tokens && o->n_tokens < TOKENS_MAX && (n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0 && n < TOKEN_LEN_MAX)
			o->tokens[o->n_tokens++] = strdup(line);
	}
	free(line);
	fclose(f);
	return o->n_tokens ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'c' },
		{ "tokens", required_argument, NULL, 't' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "node-prefix", required_argument, NULL, 'p' },
		{ "profile", required_argument, NULL, 'P' },
		{ "threads", required_argument, NULL, 'T' },
		{ "seconds", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, 'o' },
		{},
	};
	struct opts o = { .prefix = "pavise-node-", .threads = 4, .seconds = 10, .nodes = 1 };
	const char *tokens = NULL;
	struct worker *w;
	pthread_t *th;
	double t0, dt, *all;
	size_t n_all = 0;
	unsigned long errors = 0, codes[600] = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (opt) {
		case 'u':
			o.url = optarg;
			break;
		case 'c':
			o.ca = optarg;
			break;
		case 't':
			tokens = optarg;
			break;
		case 'n':
			o.nodes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o.prefix = optarg;
			break;
		case 'P':
			o.profile = optarg;
			break;
		case 'T':
			o.threads = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			o.seconds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'o':
			o.once = 1;
			break;
		default:
			return 2;
		}
	}
	if (!o.url || !o.ca || !tokens || o.nodes < 1 || o.nodes > 100000 || o.threads < 1 ||
	    o.threads > 256 || read_tokens(tokens, &o) < 0) {
		fprintf(stderr, "usage: loadgen --url URL --ca F --tokens F --nodes N ...\n");
		return 2;
	}
	if (o.threads > o.nodes)
		o.threads = o.nodes;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	w = calloc(o.threads, sizeof(*w));
	th = calloc(o.threads, sizeof(*th));
	if (!w || !th)
		return 1;
	t0 = now_s();
	for (unsigned i = 0; i < o.threads; i++) {
		w[i] = (struct worker){ .o = &o, .first = i + 1, .step = o.threads };
		w[i].max_lat = SAMPLES_MAX / o.threads;
		w[i].lat = calloc(w[i].max_lat, sizeof(double));
		if (!w[i].lat || pthread_create(&th[i], NULL, run, &w[i]) != 0)
			return 1;
	}
	for (unsigned i = 0; i < o.threads; i++)
		pthread_join(th[i], NULL);
	dt = now_s() - t0;
	all = calloc(SAMPLES_MAX, sizeof(double));
	if (!all)
		return 1;
	for (unsigned i = 0; i < o.threads; i++) {
		memcpy(all + n_all, w[i].lat, w[i].n_lat * sizeof(double));
		n_all += w[i].n_lat;
		errors += w[i].errors;
		for (int c = 0; c < 600; c++)
			codes[c] += w[i].codes[c];
	}
	qsort(all, n_all, sizeof(double), cmp_double);
	for (int c = 0; c < 600; c++)
		if (c != 202 && codes[c])
			printf("STATUS %d %lu\n", c, codes[c]);
	printf("RESULT reports=%zu seconds=%.2f rate=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
	       "errors=%lu\n",
	       n_all, dt, n_all / dt, n_all ? all[n_all / 2] * 1000 : 0,
	       n_all ? all[(size_t)((double)n_all * 0.99)] * 1000 : 0,
	       n_all ? all[n_all - 1] * 1000 : 0, errors);
	return errors ? 1 : 0;
}
