// SPDX-License-Identifier: Apache-2.0
/*
 * Test driver: webhook/status-service.c alone behind a small HTTPS server, printing every
 * accepted report as one JSON line on stdout, with the options pavise-webhook does not have
 * (an audience, the reports on stdout, the controller without admission).
 *
 *   status-server --port N --cert FILE --key FILE --kubeconfig FILE [--audience AUD]
 *                 [--quiet] [--controller NAMESPACE]
 *
 * The kubeconfig's user creates the TokenReviews (pavise-webhook's service account in the
 * e2e test). --controller also runs webhook/controller.c (the Lease in NAMESPACE) and hands it
 * every profile result, as pavise-webhook's main.c is to do: ready profiles as loaded, failed
 * ones with their message, pending ones not at all. SIGTERM/SIGINT print the service's counters
 * on stderr and exit.
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <microhttpd.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "common/k8s-config.h"
#include "webhook/controller.h"
#include "webhook/status-service.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static bool quiet;
static struct controller *ctl;

static const char *result_name(enum status_profile_result r)
{
	return r == STATUS_PROFILE_READY   ? "ready" :
	       r == STATUS_PROFILE_PENDING ? "pending" :
					     "failed";
}

static int on_report(void *userdata, const struct status_report *r)
{
	json_t *profiles = json_array(), *line;
	char *text;

	(void)userdata;
	for (size_t i = 0; ctl && i < r->n_profiles; i++) {
		const struct status_report_profile *p = &r->profiles[i];
		int k;

		if (p->result == STATUS_PROFILE_PENDING)
			continue;
		k = controller_node_status(ctl, r->node, p->name, p->result == STATUS_PROFILE_READY,
					   p->message);
		if (k < 0) {
			json_decref(profiles);
			return k;
		}
	}
	if (quiet) {
		json_decref(profiles);
		return 0;
	}
	for (size_t i = 0; i < r->n_profiles; i++)
		json_array_append_new(profiles,
				      json_pack("{s:s, s:s, s:s?}", "name", r->profiles[i].name,
						"result", result_name(r->profiles[i].result),
						"message", r->profiles[i].message));
	line = json_pack("{s:s, s:b, s:b, s:b, s:b, s:b, s:o}", "node", r->node, "verified",
			 r->node_verified, "ready", r->ready, "apparmor", r->apparmor, "bpf",
			 r->bpf, "seccomp", r->seccomp, "profiles", profiles);
	text = line ? json_dumps(line, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(line);
	if (!text)
		return -ENOMEM;
	pthread_mutex_lock(&out_lock);
	printf("%s\n", text);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	free(text);
	return 0;
}

struct conn {
	struct buf body;
	bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *mc, unsigned status, const char *ctype,
			     char *body, size_t len)
{
	struct MHD_Response *m = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!m)
		return MHD_NO;
	if (ctype)
		(void)MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	ret = MHD_queue_response(mc, status, m);
	MHD_destroy_response(m);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct status_service *svc = cls;
	struct conn *c = *con_cls;
	struct http_response resp = {};
	const char *cl;

	(void)version;
	if (!c) {
		if (strcmp(method, "POST") != 0 || strcmp(url, STATUS_SERVICE_PATH) != 0)
			return reply(mc, 404, "text/plain", strdup("not found\n"), 10);
		cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > STATUS_SERVICE_BODY_MAX)
			return reply(mc, 413, "text/plain", strdup("body too large\n"), 15);
		c = calloc(1, sizeof(*c));
		if (!c)
			return MHD_NO;
		buf_init(&c->body, STATUS_SERVICE_BODY_MAX);
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!c->too_big && buf_append(&c->body, upload, *upload_size) < 0)
			c->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->too_big)
		return reply(mc, 413, "text/plain", strdup("body too large\n"), 15);
	if (status_service_handle(
		    svc,
		    MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		    MHD_lookup_connection_value(mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
		    c->body.data, c->body.len, &resp) < 0)
		return reply(mc, 500, "text/plain", strdup("internal error\n"), 15);
	return reply(mc, resp.status, resp.content_type, resp.body, resp.body_len);
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn *c = *con_cls;

	(void)cls;
	(void)mc;
	(void)toe;
	if (c) {
		buf_free(&c->body);
		free(c);
	}
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "kubeconfig", required_argument, NULL, 'K' },
		{ "audience", required_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "controller", required_argument, NULL, 'C' },
		{},
	};
	const char *cert = NULL, *key = NULL, *kubeconfig = NULL, *audience = NULL, *ns = NULL;
	_cleanup_free_ char *cert_pem = NULL, *key_pem = NULL;
	struct k8s_config *cfg = NULL;
	struct status_service *svc = NULL;
	struct status_service_counts n;
	struct MHD_Daemon *d;
	struct k8s_error err = {};
	unsigned port = 0;
	sigset_t mask;
	int opt, sig;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (opt) {
		case 'p':
			port = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'K':
			kubeconfig = optarg;
			break;
		case 'a':
			audience = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'C':
			ns = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!port || port > 65535 || !cert || !key || !kubeconfig) {
		fprintf(stderr, "usage: status-server --port N --cert F --key F --kubeconfig F\n");
		return 2;
	}
	/* Before any thread starts: every thread inherits the mask, so sigwait() gets them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (read_full_file(cert, 1024 * 1024, &cert_pem, NULL) < 0 ||
	    read_full_file(key, 1024 * 1024, &key_pem, NULL) < 0) {
		fprintf(stderr, "status-server: cannot read the certificate or key\n");
		return 1;
	}
	if (k8s_config_from_kubeconfig(kubeconfig, NULL, &cfg, &err) < 0) {
		fprintf(stderr, "status-server: %s\n", err.message);
		return 1;
	}
	if (status_service_new(&(struct status_service_config){ .k8s = cfg,
								.audience = audience,
								.on_report = on_report },
			       &svc) < 0) {
		fprintf(stderr, "status-server: cannot set up the service\n");
		return 1;
	}
	if (ns) {
		static char identity[64];
		struct controller_config cc = {
			.namespace = ns,
			.lease = { .namespace = ns,
				   .name = LEASE_NAME_DEFAULT,
				   .identity = identity,
				   .duration_usec = LEASE_DURATION_DEFAULT_USEC,
				   .renew_deadline_usec = LEASE_RENEW_DEADLINE_DEFAULT_USEC,
				   .retry_usec = LEASE_RETRY_DEFAULT_USEC },
		};

		(void)snprintf(identity, sizeof(identity), "status-server-%d", (int)getpid());
		if (controller_start(cfg, &cc, &ctl) < 0) {
			fprintf(stderr, "status-server: cannot start the controller\n");
			return 1;
		}
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TLS,
			     (uint16_t)port, NULL, NULL, on_request, svc, MHD_OPTION_HTTPS_MEM_CERT,
			     cert_pem, MHD_OPTION_HTTPS_MEM_KEY, key_pem,
			     MHD_OPTION_THREAD_POOL_SIZE, 4U, MHD_OPTION_CONNECTION_TIMEOUT, 10U,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "status-server: cannot listen on port %u\n", port);
		return 1;
	}
	fprintf(stderr, "status-server: listening on port %u\n", port);
	(void)sigwait(&mask, &sig);
	MHD_stop_daemon(d);
	status_service_counts(svc, &n);
	fprintf(stderr,
		"status-server: accepted=%llu bad_request=%llu unauthenticated=%llu "
		"forbidden=%llu unavailable=%llu reviews=%llu review_errors=%llu cache_hits=%llu\n",
		(unsigned long long)n.accepted, (unsigned long long)n.bad_request,
		(unsigned long long)n.unauthenticated, (unsigned long long)n.forbidden,
		(unsigned long long)n.unavailable, (unsigned long long)n.reviews,
		(unsigned long long)n.review_errors, (unsigned long long)n.cache_hits);
	status_service_free(svc);
	controller_free(ctl);
	k8s_config_free(cfg);
	return 0;
}
