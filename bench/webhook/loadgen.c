// SPDX-License-Identifier: Apache-2.0
/*
 * Open-loop HTTPS load generator for the webhook benchmark: requests are due
 * at evenly spaced times (rate per second) over keep-alive connections, and
 * each latency is measured from the time the request was due, not from when
 * a connection was free to send it, so queueing is never hidden
 * (coordinated omission). Prints one RESULT JSON line like post.lua's.
 *
 * loadgen URL BODY_FILE CA_FILE RATE CONNECTIONS SECONDS
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CONNS 512

struct slot {
	CURL *easy;
	uint64_t due_ns;
	int busy;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static size_t discard(char *p, size_t size, size_t n, void *userdata)
{
	(void)p;
	(void)userdata;
	return size * n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static char *read_all(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rbe");
	char *data;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		fclose(f);
		return NULL;
	}
	data = malloc((size_t)n + 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	fclose(f);
	*ret_len = (size_t)n;
	return data;
}

int main(int argc, char **argv)
{
	struct slot slots[MAX_CONNS] = {};
	struct curl_slist *headers = NULL;
	uint64_t *lat, start, interval, end, next_due;
	size_t body_len, n_total, n_sent = 0, n_done = 0, n_errors = 0, n_non2xx = 0;
	unsigned long rate, conns, secs;
	CURLM *multi;
	char *body;

	if (argc != 7) {
		fprintf(stderr, "usage: loadgen URL BODY_FILE CA_FILE RATE CONNECTIONS SECONDS\n");
		return 2;
	}
	rate = strtoul(argv[4], NULL, 10);
	conns = strtoul(argv[5], NULL, 10);
	secs = strtoul(argv[6], NULL, 10);
	body = read_all(argv[2], &body_len);
	if (!body || rate == 0 || conns == 0 || conns > MAX_CONNS || secs == 0) {
		fprintf(stderr, "loadgen: bad arguments\n");
		return 2;
	}
	n_total = rate * secs;
	lat = calloc(n_total, sizeof(*lat));
	if (!lat)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	multi = curl_multi_init();
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Expect:");
	for (unsigned long i = 0; i < conns; i++) {
		CURL *e = curl_easy_init();

		curl_easy_setopt(e, CURLOPT_URL, argv[1]);
		curl_easy_setopt(e, CURLOPT_CAINFO, argv[3]);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
		curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
		slots[i].easy = e;
	}

	/* Warm up: open every connection (TLS handshake) before the clock starts. */
	for (unsigned long i = 0; i < conns; i++)
		curl_multi_add_handle(multi, slots[i].easy);
	for (int running = 1, msgs; running;) {
		CURLMsg *m;

		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &msgs)))
			if (m->msg == CURLMSG_DONE)
				curl_multi_remove_handle(multi, m->easy_handle);
		if (running)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}

	interval = 1000000000ULL / rate;
	start = now_ns() + 50000000ULL; /* let the loop settle */
	end = start + (uint64_t)secs * 1000000000ULL;
	next_due = start;
	while (n_done < n_total) {
		uint64_t t = now_ns();
		int running, timeout_ms, msgs;
		CURLMsg *m;

		/* Every due request goes to a free connection; otherwise it waits, and its latency grows. */
		while (n_sent < n_total && next_due <= t) {
			unsigned long i;

			for (i = 0; i < conns && slots[i].busy; i++)
				;
			if (i == conns)
				break;
			slots[i].busy = 1;
			slots[i].due_ns = next_due;
			curl_multi_add_handle(multi, slots[i].easy);
			n_sent++;
			next_due = start + (uint64_t)n_sent * interval;
		}
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &msgs))) {
			struct slot *s;
			long code = 0;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
			if (m->data.result != CURLE_OK)
				n_errors++;
			else if (code < 200 || code > 299)
				n_non2xx++;
			lat[n_done++] = now_ns() - s->due_ns;
			curl_multi_remove_handle(multi, m->easy_handle);
			s->busy = 0;
		}
		t = now_ns();
		timeout_ms = next_due > t ? (int)((next_due - t) / 1000000ULL) : 0;
		if (n_sent < n_total && next_due <= t)
			timeout_ms = 0;
		curl_multi_poll(multi, NULL, 0, timeout_ms > 100 ? 100 : timeout_ms, NULL);
		if (t > end + 30000000000ULL)
			break; /* a stuck server: report what finished */
	}
	{
		double elapsed = (double)(now_ns() - start) / 1e9;

		qsort(lat, n_done, sizeof(*lat), cmp_u64);
#define PCT(q) (n_done ? (double)lat[(size_t)((double)(n_done - 1) * (q))] / 1e6 : 0.0)
		printf("RESULT {\"requests\":%zu,\"seconds\":%.3f,\"rps\":%.1f,\"errors\":%zu,"
		       "\"non2xx\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f}\n",
		       n_done, elapsed, (double)n_done / elapsed, n_errors, n_non2xx, PCT(0.5),
		       PCT(0.99), PCT(0.999), PCT(1.0));
	}
	for (unsigned long i = 0; i < conns; i++)
		curl_easy_cleanup(slots[i].easy);
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	curl_global_cleanup();
	free(lat);
	free(body);
	return n_done == n_total && n_errors == 0 ? 0 : 1;
}
