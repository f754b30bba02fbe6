// SPDX-License-Identifier: Apache-2.0
/* pavise-webhook: admission server (mutate + validate) with policies from files or the API server. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pthread.h>
#include <stdatomic.h>

#include "common/json-arena.h"
#include "common/k8s-config.h"
#include "common/log.h"
#include "webhook/cert-manager.h"
#include "webhook/controller.h"
#include "webhook/policy-files.h"
#include "webhook/restart.h"
#include "webhook/policy-watch.h"
#include "webhook/server.h"
#include "webhook/status-service.h"

#define DEFAULT_LISTEN	   ":3443"
#define DEFAULT_NAMESPACE  "pavise-system"
#define POLICY_FILES_MAX   64
#define DEFAULT_CERT_DIR   "/tmp/pavise-webhook-certs"
#define DEFAULT_SERVICE	   "pavise-webhook"
#define DEFAULT_MUTATING   "pavise-mutating-webhook"
#define DEFAULT_VALIDATING "pavise-validating-webhook"
#define CERT_SYNC_USEC	   (3600ULL * 1000 * 1000) /* every hour; 30 s after a failure */
#define CERT_RETRY_USEC	   (30ULL * 1000 * 1000)

struct args {
	struct webhook_config cfg;
	struct policy_file_set files;
	const char *kubeconfig;
	bool in_cluster;
	bool have_version;
	char *match_label; /* owned copy split into key and value */
	int controller; /* -1: on when an API server is used */
	struct controller_config ctl;
	char identity[LEASE_IDENTITY_MAX + 1];
	int status_service; /* -1: on with the controller */
	bool no_node_affinity, no_scheduling_gate; /* both on by default with the controller */
	const char *enforcer_account; /* service account the enforcers report with */
	const char *status_audience; /* NULL: the API server's own audience */
	struct cert_manager_config certs; /* secret_name NULL: certificates from files */
	char cert_paths[2][4096];
};

static void usage(FILE *f)
{
	fputs("Usage: pavise-webhook [OPTIONS]\n"
	      "\n"
	      "Admission webhook for pavise: injects AppArmor, BPF and seccomp settings into the\n"
	      "workloads that VarmorPolicy and VarmorClusterPolicy objects select, and validates\n"
	      "those policies.\n"
	      "\n"
	      "  --listen ADDR              address to serve HTTPS on (default " DEFAULT_LISTEN
	      ")\n"
	      "  --tls-cert FILE            serving certificate (PEM); reloaded when it changes\n"
	      "  --tls-key FILE             its private key (PEM)\n"
	      "  --policy-file PATH         load policies from a YAML or JSON file (repeatable);\n"
	      "                             reloaded on change and on SIGHUP\n"
	      "  --kubeconfig PATH          watch policies on the API server of this kubeconfig\n"
	      "  --in-cluster               watch policies with the pod's service account\n"
	      "  --kubernetes-version X.Y   API server version to mutate for (default 1.31 when\n"
	      "                             no API server is used)\n"
	      "  --namespace NS             pavise's namespace, names cluster profiles\n"
	      "                             (default " DEFAULT_NAMESPACE ")\n"
	      "  --match-label KEY=VALUE    label a workload needs to be mutated\n"
	      "                             (default sandbox.varmor.org/enable=true; empty: none)\n"
	      "  --controller, --no-controller\n"
	      "                             reconcile policies into ArmorProfiles on the replica\n"
	      "                             holding the Lease (default on with an API server)\n"
	      "  --identity ID              leader-election identity (default hostname_pid)\n"
	      "  --lease-duration SECONDS   Lease duration (default 15)\n"
	      "  --renew-deadline SECONDS   the leader gives up after this long unrenewed (default 10)\n"
	      "  --retry-period SECONDS     between Lease attempts (default 2)\n"
	      "  --restart-batch N          workloads restarted together for\n"
	      "                             updateExistingWorkloads (default 5)\n"
	      "  --restart-interval SECONDS before the next batch of restarts (default 10)\n"
	      "  --bpf-exclusive-mode       set AppArmor unconfined for BPF-protected containers\n"
	      "  --no-node-affinity         do not require nodes labelled for the policy's\n"
	      "                             enforcers (pavise.io/<enforcer>=true) on pods\n"
	      "  --no-scheduling-gate       do not gate pods whose policy is not ready yet\n"
	      "  --status-service, --no-status-service\n"
	      "                             take enforcers' node reports on POST " STATUS_SERVICE_PATH
	      "\n"
	      "                             (default on with the controller)\n"
	      "  --enforcer-service-account NAME\n"
	      "                             the enforcers' service account in --namespace\n"
	      "                             (default pavise-enforcer)\n"
	      "  --status-audience AUD      accept only enforcer tokens for this audience (a\n"
	      "                             projected token the API server itself refuses)\n"
	      "  --cert-secret NAME         keep the CA and serving certificate in this Secret\n"
	      "                             of --namespace, set caBundle in the webhook\n"
	      "                             configurations and rotate; --tls-cert/--tls-key\n"
	      "                             then default to files in --cert-dir\n"
	      "  --cert-dir DIR             where the serving pair is written (default\n"
	      "                             " DEFAULT_CERT_DIR ")\n"
	      "  --service-name NAME        the webhook's Service, for the certificate's names\n"
	      "                             (default " DEFAULT_SERVICE ")\n"
	      "  --cert-extra-san NAME      another name or IP in the certificate (repeatable)\n"
	      "  --webhook-configurations MUTATING,VALIDATING\n"
	      "                             whose caBundle to set (default\n"
	      "                             " DEFAULT_MUTATING "," DEFAULT_VALIDATING ")\n"
	      "  --body-max BYTES           largest request body accepted (default 3145728)\n"
	      "  --threads N                server threads (default: number of CPUs)\n"
	      "  --timeout SECONDS          idle and slow-client timeout (default 10)\n"
	      "  --log-level LEVEL          error, warning, info or debug (default info)\n"
	      "  --log-format FORMAT        text or json (default text)\n"
	      "  --version                  print the version and exit\n"
	      "  -h, --help                 show this help\n",
	      f);
}

static int parse_version(const char *s, unsigned *major, unsigned *minor)
{
	char *end;
	unsigned long a, b;

	if (s[0] == 'v')
		s++;
	a = strtoul(s, &end, 10);
	if (end == s || *end != '.')
		return -EINVAL;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (end == s || (*end && *end != '.' && *end != '+' && *end != '-') || a > 100 || b > 1000)
		return -EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum {
		ARG_LISTEN = 0x100,
		ARG_TLS_CERT,
		ARG_TLS_KEY,
		ARG_POLICY_FILE,
		ARG_KUBECONFIG,
		ARG_IN_CLUSTER,
		ARG_K8S_VERSION,
		ARG_NAMESPACE,
		ARG_MATCH_LABEL,
		ARG_BPF_EXCLUSIVE,
		ARG_BODY_MAX,
		ARG_THREADS,
		ARG_TIMEOUT,
		ARG_LOG_LEVEL,
		ARG_LOG_FORMAT,
		ARG_VERSION,
		ARG_CONTROLLER,
		ARG_NO_CONTROLLER,
		ARG_IDENTITY,
		ARG_LEASE_DURATION,
		ARG_RENEW_DEADLINE,
		ARG_RETRY_PERIOD,
		ARG_RESTART_BATCH,
		ARG_RESTART_INTERVAL,
		ARG_NO_NODE_AFFINITY,
		ARG_NO_SCHEDULING_GATE,
		ARG_STATUS_SERVICE,
		ARG_NO_STATUS_SERVICE,
		ARG_ENFORCER_ACCOUNT,
		ARG_STATUS_AUDIENCE,
		ARG_CERT_SECRET,
		ARG_CERT_DIR,
		ARG_SERVICE_NAME,
		ARG_CERT_EXTRA_SAN,
		ARG_WEBHOOK_CONFIGS,
	};
	static const struct option options[] = {
		{ "listen", required_argument, NULL, ARG_LISTEN },
		{ "tls-cert", required_argument, NULL, ARG_TLS_CERT },
		{ "tls-key", required_argument, NULL, ARG_TLS_KEY },
		{ "policy-file", required_argument, NULL, ARG_POLICY_FILE },
		{ "kubeconfig", required_argument, NULL, ARG_KUBECONFIG },
		{ "in-cluster", no_argument, NULL, ARG_IN_CLUSTER },
		{ "kubernetes-version", required_argument, NULL, ARG_K8S_VERSION },
		{ "namespace", required_argument, NULL, ARG_NAMESPACE },
		{ "match-label", required_argument, NULL, ARG_MATCH_LABEL },
		{ "bpf-exclusive-mode", no_argument, NULL, ARG_BPF_EXCLUSIVE },
		{ "body-max", required_argument, NULL, ARG_BODY_MAX },
		{ "threads", required_argument, NULL, ARG_THREADS },
		{ "timeout", required_argument, NULL, ARG_TIMEOUT },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "log-format", required_argument, NULL, ARG_LOG_FORMAT },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "controller", no_argument, NULL, ARG_CONTROLLER },
		{ "no-controller", no_argument, NULL, ARG_NO_CONTROLLER },
		{ "identity", required_argument, NULL, ARG_IDENTITY },
		{ "lease-duration", required_argument, NULL, ARG_LEASE_DURATION },
		{ "renew-deadline", required_argument, NULL, ARG_RENEW_DEADLINE },
		{ "retry-period", required_argument, NULL, ARG_RETRY_PERIOD },
		{ "restart-batch", required_argument, NULL, ARG_RESTART_BATCH },
		{ "restart-interval", required_argument, NULL, ARG_RESTART_INTERVAL },
		{ "no-node-affinity", no_argument, NULL, ARG_NO_NODE_AFFINITY },
		{ "no-scheduling-gate", no_argument, NULL, ARG_NO_SCHEDULING_GATE },
		{ "status-service", no_argument, NULL, ARG_STATUS_SERVICE },
		{ "no-status-service", no_argument, NULL, ARG_NO_STATUS_SERVICE },
		{ "enforcer-service-account", required_argument, NULL, ARG_ENFORCER_ACCOUNT },
		{ "status-audience", required_argument, NULL, ARG_STATUS_AUDIENCE },
		{ "cert-secret", required_argument, NULL, ARG_CERT_SECRET },
		{ "cert-dir", required_argument, NULL, ARG_CERT_DIR },
		{ "service-name", required_argument, NULL, ARG_SERVICE_NAME },
		{ "cert-extra-san", required_argument, NULL, ARG_CERT_EXTRA_SAN },
		{ "webhook-configurations", required_argument, NULL, ARG_WEBHOOK_CONFIGS },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		char *end;
		unsigned long v;

		switch (c) {
		case ARG_LISTEN:
			a->cfg.listen = optarg;
			break;
		case ARG_TLS_CERT:
			a->cfg.tls_cert = optarg;
			break;
		case ARG_TLS_KEY:
			a->cfg.tls_key = optarg;
			break;
		case ARG_POLICY_FILE:
			if (a->files.n >= POLICY_FILES_MAX)
				return log_error_errno(-E2BIG,
						       "args: at most %d --policy-file options",
						       POLICY_FILES_MAX);
			a->files.paths[a->files.n++] = optarg;
			break;
		case ARG_KUBECONFIG:
			a->kubeconfig = optarg;
			break;
		case ARG_IN_CLUSTER:
			a->in_cluster = true;
			break;
		case ARG_K8S_VERSION:
			if (parse_version(optarg, &a->cfg.mutate.k8s_major,
					  &a->cfg.mutate.k8s_minor) < 0)
				return log_error_errno(
					-EINVAL, "args: --kubernetes-version: '%s' is not X.Y",
					optarg);
			a->have_version = true;
			break;
		case ARG_NAMESPACE:
			a->cfg.pavise_namespace = optarg;
			break;
		case ARG_MATCH_LABEL: {
			char *eq;

			free(a->match_label);
			a->match_label = strdup(optarg);
			if (!a->match_label)
				return log_oom();
			if (!*optarg) {
				a->cfg.mutate.match_label_key = NULL;
				break;
			}
			eq = strchr(a->match_label, '=');
			if (!eq || eq == a->match_label)
				return log_error_errno(-EINVAL,
						       "args: --match-label: '%s' is not KEY=VALUE",
						       optarg);
			*eq = '\0';
			a->cfg.mutate.match_label_key = a->match_label;
			a->cfg.mutate.match_label_value = eq + 1;
			break;
		}
		case ARG_BPF_EXCLUSIVE:
			a->cfg.mutate.bpf_exclusive = true;
			break;
		case ARG_BODY_MAX:
			v = strtoul(optarg, &end, 10);
			if (*end || v < 1024 || v > 64UL * 1024 * 1024)
				return log_error_errno(
					-EINVAL,
					"args: --body-max: '%s' is not a size between 1024 and 67108864",
					optarg);
			a->cfg.body_max = v;
			break;
		case ARG_THREADS:
			v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > 256)
				return log_error_errno(
					-EINVAL, "args: --threads: '%s' is not 1..256", optarg);
			a->cfg.threads = (unsigned)v;
			break;
		case ARG_TIMEOUT:
			v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > 3600)
				return log_error_errno(
					-EINVAL, "args: --timeout: '%s' is not 1..3600", optarg);
			a->cfg.timeout_sec = (unsigned)v;
			break;
		case ARG_LOG_LEVEL:
		case ARG_LOG_FORMAT:
			if (log_apply_option(c == ARG_LOG_LEVEL ? "log-level" : "log-format",
					     optarg) < 0)
				return log_error_errno(
					-EINVAL, "args: --%s: '%s' is not %s",
					c == ARG_LOG_LEVEL ? "log-level" : "log-format", optarg,
					c == ARG_LOG_LEVEL ? "error, warning, info or debug" :
							     "text or json");
			break;
		case ARG_CONTROLLER:
		case ARG_NO_CONTROLLER:
			a->controller = c == ARG_CONTROLLER;
			break;
		case ARG_IDENTITY:
			if (!*optarg || strlen(optarg) > LEASE_IDENTITY_MAX)
				return log_error_errno(-EINVAL,
						       "args: --identity: 1 to %u characters",
						       LEASE_IDENTITY_MAX);
			snprintf(a->identity, sizeof(a->identity), "%s", optarg);
			break;
		case ARG_LEASE_DURATION:
		case ARG_RENEW_DEADLINE:
		case ARG_RETRY_PERIOD:
		case ARG_RESTART_INTERVAL: {
			uint64_t *dst =
				c == ARG_LEASE_DURATION ? &a->ctl.lease.duration_usec :
				c == ARG_RENEW_DEADLINE ? &a->ctl.lease.renew_deadline_usec :
				c == ARG_RETRY_PERIOD	? &a->ctl.lease.retry_usec :
							  &a->ctl.restart_interval_usec;
			double d = strtod(optarg, &end);

			if (end == optarg || *end || !(d >= 0 && d <= 3600) ||
			    (c != ARG_RESTART_INTERVAL && d < 0.1))
				return log_error_errno(
					-EINVAL, "args: '%s' is not a number of seconds (%s..3600)",
					optarg, c == ARG_RESTART_INTERVAL ? "0" : "0.1");
			*dst = (uint64_t)(d * 1e6);
			if (c == ARG_RESTART_INTERVAL)
				a->ctl.restart_interval_set = true;
			break;
		}
		case ARG_RESTART_BATCH:
			v = strtoul(optarg, &end, 10);
			if (*end || v < 1 || v > RESTART_BATCH_MAX)
				return log_error_errno(-EINVAL,
						       "args: --restart-batch: '%s' is not 1..%u",
						       optarg, RESTART_BATCH_MAX);
			a->ctl.restart_batch = (unsigned)v;
			break;
		case ARG_NO_NODE_AFFINITY:
			a->no_node_affinity = true;
			break;
		case ARG_NO_SCHEDULING_GATE:
			a->no_scheduling_gate = true;
			break;
		case ARG_STATUS_SERVICE:
		case ARG_NO_STATUS_SERVICE:
			a->status_service = c == ARG_STATUS_SERVICE;
			break;
		case ARG_ENFORCER_ACCOUNT:
			a->enforcer_account = optarg;
			break;
		case ARG_STATUS_AUDIENCE:
			a->status_audience = *optarg ? optarg : NULL;
			break;
		case ARG_CERT_SECRET:
			a->certs.secret_name = optarg;
			break;
		case ARG_CERT_DIR:
			a->certs.dir = optarg;
			break;
		case ARG_SERVICE_NAME:
			a->certs.service_name = optarg;
			break;
		case ARG_CERT_EXTRA_SAN: {
			static const char *sans[CERT_MANAGER_SANS_MAX - 3];
			static size_t n_sans;

			if (n_sans + 1 >= ELEMENTSOF(sans))
				return log_error_errno(-E2BIG, "args: at most %zu --cert-extra-san",
						       ELEMENTSOF(sans) - 1);
			sans[n_sans++] = optarg;
			a->certs.extra_sans = sans;
			break;
		}
		case ARG_WEBHOOK_CONFIGS: {
			char *comma = strchr(optarg, ',');

			if (!comma)
				return log_error_errno(
					-EINVAL,
					"args: --webhook-configurations: '%s' is not MUTATING,VALIDATING",
					optarg);
			*comma = '\0';
			a->certs.mutating_config = *optarg ? optarg : NULL;
			a->certs.validating_config = comma[1] ? comma + 1 : NULL;
			break;
		}
		case ARG_VERSION:
			printf("pavise-webhook %s\n", PAVISE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "args: unexpected argument '%s'", argv[optind]);
	if (a->certs.secret_name) {
		if (!a->kubeconfig && !a->in_cluster)
			return log_error_errno(
				-EINVAL, "args: --cert-secret needs --kubeconfig or --in-cluster");
		a->certs.namespace = a->cfg.pavise_namespace;
		snprintf(a->cert_paths[0], sizeof(a->cert_paths[0]), "%s/tls.crt", a->certs.dir);
		snprintf(a->cert_paths[1], sizeof(a->cert_paths[1]), "%s/tls.key", a->certs.dir);
		if (!a->cfg.tls_cert)
			a->cfg.tls_cert = a->cert_paths[0];
		if (!a->cfg.tls_key)
			a->cfg.tls_key = a->cert_paths[1];
	}
	if (!a->cfg.tls_cert || !a->cfg.tls_key)
		return log_error_errno(
			-EINVAL, "args: --tls-cert and --tls-key (or --cert-secret) are required");
	if (a->controller > 0 && !a->kubeconfig && !a->in_cluster)
		return log_error_errno(-EINVAL,
				       "args: --controller needs --kubeconfig or --in-cluster");
	if (a->controller != 0 && (a->kubeconfig || a->in_cluster)) {
		const char *msg;

		if (!a->identity[0]) {
			char host[65] = "";

			(void)gethostname(host, sizeof(host) - 1);
			snprintf(a->identity, sizeof(a->identity), "%s_%ld",
				 host[0] ? host : "pavise", (long)getpid());
		}
		a->ctl.lease.identity = a->identity;
		a->ctl.namespace = a->cfg.pavise_namespace;
		a->ctl.lease.namespace = a->cfg.pavise_namespace;
		a->ctl.match_label_key = a->cfg.mutate.match_label_key;
		a->ctl.match_label_value = a->cfg.mutate.match_label_value;
		if (lease_config_check(&a->ctl.lease, &msg) < 0)
			return log_error_errno(-EINVAL, "args: leader election: %s", msg);
		a->controller = 1;
	} else {
		a->controller = 0;
	}
	if (a->status_service > 0 && !a->controller)
		return log_error_errno(-EINVAL, "args: --status-service needs the controller");
	a->status_service = a->status_service != 0 && a->controller;
	/* Both need the cluster side: enforcers that label nodes, a controller that lifts gates. */
	a->cfg.mutate.node_affinity = a->controller && !a->no_node_affinity;
	a->cfg.mutate.scheduling_gate = a->controller && !a->no_scheduling_gate;
	if (a->files.n == 0 && !a->kubeconfig && !a->in_cluster)
		return log_error_errno(
			-EINVAL,
			"args: give --policy-file and/or --kubeconfig as the source of policies");
	return 1;
}

static void report_policy_problem(void *userdata, const char *path, const char *msg)
{
	(void)userdata;
	log_error("policy: '%s': %s", path, msg);
}

/* Loads the files into the store; on error keeps the previous set in service. */
static int reload_files(struct args *a, struct policy_store *store)
{
	struct policy **v = NULL;
	size_t n = 0;
	int r;

	r = policy_files_load(&a->files, a->cfg.pavise_namespace, report_policy_problem, NULL, &v,
			      &n);
	if (r < 0)
		return log_error_errno(
			r, "policy: failed to load policy files, keeping the previous set: %m");
	r = policy_store_replace(store, v, n);
	for (size_t i = 0; i < n; i++)
		policy_free(v[i]);
	free(v);
	if (r < 0)
		return log_error_errno(r, "policy: failed to publish policies: %m");
	log_info("policy: loaded %zu policies from %zu file(s)", n, a->files.n);
	return 0;
}

/* Node reports go to the controller of the replica holding the Lease; others answer 503. */
static int on_node_report(void *userdata, const struct status_report *rep)
{
	struct controller *ctl = userdata;

	if (!controller_is_leader(ctl))
		return -EAGAIN;
	for (size_t i = 0; i < rep->n_profiles; i++) {
		const struct status_report_profile *p = &rep->profiles[i];
		enum status_profile_result res = p->result;
		int r;

		if (res == STATUS_PROFILE_PENDING)
			continue;
		/*
		 * A node that cannot enforce a part of the profile does not count
		 * for it (its labels say so: the controller leaves it out of
		 * desiredNumberLoaded and pods are kept off it).
		 */
		if ((p->parts[STATUS_PART_APPARMOR] != STATUS_PART_NONE && !rep->apparmor) ||
		    (p->parts[STATUS_PART_BPF] != STATUS_PART_NONE && !rep->bpf) ||
		    (p->parts[STATUS_PART_SECCOMP] != STATUS_PART_NONE && !rep->seccomp))
			continue;
		r = controller_node_status(ctl, rep->node, p->name, res == STATUS_PROFILE_READY,
					   p->message);
		if (r < 0)
			return r;
	}
	return 0;
}

struct cert_loop {
	struct k8s_config *kcfg;
	const struct cert_manager_config *cfg;
	atomic_bool stop;
	pthread_t thread;
	bool started;
};

static int cert_sync_once(const struct k8s_config *kcfg, const struct cert_manager_config *cfg)
{
	_cleanup_(k8s_client_freep) struct k8s_client *client = NULL;
	struct cert_manager_result res;
	struct k8s_error err = {};
	int r;

	r = k8s_client_new(kcfg, &client);
	if (r < 0)
		return r;
	r = cert_manager_sync(client, cfg, &res, &err);
	if (r < 0)
		return log_warning_errno(r, "certs: cannot sync Secret %s/%s: %m (%s %s)",
					 cfg->namespace, cfg->secret_name, err.reason, err.message);
	if (res.secret_written)
		log_info("certs: Secret %s/%s written: %s", cfg->namespace, cfg->secret_name,
			 res.reason);
	if (res.bundles_patched)
		log_info("certs: caBundle set in %u webhooks", res.bundles_patched);
	if (res.files_written)
		log_info("certs: serving certificate in %s updated (valid until %llu)", cfg->dir,
			 (unsigned long long)(res.serving_not_after_usec / 1000000));
	return 0;
}

static void *cert_thread(void *userdata)
{
	struct cert_loop *l = userdata;
	uint64_t wait = CERT_SYNC_USEC;

	while (!atomic_load(&l->stop)) {
		for (uint64_t t = 0; t < wait && !atomic_load(&l->stop); t += 200000) {
			struct timespec ts = { .tv_nsec = 200000000 };

			nanosleep(&ts, NULL);
		}
		if (atomic_load(&l->stop))
			break;
		wait = cert_sync_once(l->kcfg, l->cfg) < 0 ? CERT_RETRY_USEC : CERT_SYNC_USEC;
	}
	return NULL;
}

static void cert_loop_stop(struct cert_loop *l)
{
	if (!l->started)
		return;
	atomic_store(&l->stop, true);
	pthread_join(l->thread, NULL);
	l->started = false;
}

static int run(struct args *a)
{
	/* Freed in reverse: the watch (it marks the server ready), the server (its
	 * routes use the status service and the controller), then the rest. */
	_cleanup_(k8s_config_freep) struct k8s_config *kcfg = NULL;
	_cleanup_(policy_store_freep) struct policy_store *store = NULL;
	_cleanup_(status_service_freep) struct status_service *svc = NULL;
	_cleanup_(controller_freep) struct controller *ctl = NULL;
	_cleanup_(webhook_freep) struct webhook *w = NULL;
	_cleanup_(policy_watch_freep) struct policy_watch *watch = NULL;
	_cleanup_(cert_loop_stop) struct cert_loop certs = { .cfg = &a->certs };
	bool use_api = a->kubeconfig || a->in_cluster;
	sigset_t mask;
	int r;

	if (use_api) {
		struct k8s_error err = {};

		r = k8s_config_load(a->kubeconfig, &kcfg, &err);
		if (r < 0)
			return log_error_errno(r, "k8s: cannot load %s: %s%s%s",
					       a->kubeconfig ? a->kubeconfig :
							       "the in-cluster config",
					       err.reason, err.message[0] ? ": " : "", err.message);
	}

	r = policy_store_new(&store);
	if (r < 0)
		return log_oom();
	if (a->files.n > 0) {
		r = reload_files(a, store);
		if (r < 0)
			return r;
	}

	/* Signals are taken synchronously by this thread only; server threads inherit the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (a->certs.secret_name) {
		/* The server needs its pair before it starts: retry until the API server answers. */
		for (unsigned i = 0;; i++) {
			r = cert_sync_once(kcfg, &a->certs);
			if (r >= 0)
				break;
			if (i == 30)
				return log_error_errno(r, "certs: giving up");
			sleep(2);
		}
		certs.kcfg = kcfg;
		atomic_init(&certs.stop, false);
		if (pthread_create(&certs.thread, NULL, cert_thread, &certs) != 0)
			return log_oom();
		certs.started = true;
	}

	r = webhook_new(&a->cfg, store, &w);
	if (r < 0)
		return log_oom();
	if (a->controller) {
		/* Before serving: node reports have somewhere to go from the first request. */
		r = controller_start(kcfg, &a->ctl, &ctl);
		if (r < 0)
			return log_error_errno(r, "controller: cannot start: %m");
		log_info("controller: started as '%s' (Lease %s/%s)", a->ctl.lease.identity,
			 a->ctl.lease.namespace, a->ctl.lease.name);
	}
	if (a->status_service) {
		struct status_service_config sc = {
			.k8s = kcfg,
			.namespace = a->cfg.pavise_namespace,
			.service_account = a->enforcer_account,
			.audience = a->status_audience,
			.on_report = on_node_report,
			.userdata = ctl,
		};
		struct http_route route;

		r = status_service_new(&sc, &svc);
		if (r < 0)
			return log_error_errno(r, "status: cannot start the status service: %m");
		status_service_route(svc, &route);
		r = webhook_add_route(w, &route);
		if (r < 0)
			return log_error_errno(r, "status: cannot add its route: %m");
	}
	r = webhook_start(w);
	if (r < 0)
		return log_error_errno(r, "server: failed to start on '%s': %m", a->cfg.listen);
	if (use_api) {
		/* Ready once both policy kinds are listed; files alone are ready at once. */
		r = policy_watch_start(kcfg, store, w, a->cfg.pavise_namespace, !a->have_version,
				       &watch);
		if (r < 0)
			return log_error_errno(r,
					       "policy: cannot start watching the API server: %m");
	} else {
		webhook_set_ready(w, true);
	}
	if (use_api && !a->have_version)
		log_info(
			"server: serving on '%s' (port %u), Kubernetes version from the API server",
			a->cfg.listen, webhook_port(w));
	else
		log_info("server: serving on '%s' (port %u), Kubernetes %u.%u, %zu policies",
			 a->cfg.listen, webhook_port(w), a->cfg.mutate.k8s_major,
			 a->cfg.mutate.k8s_minor, policy_store_count(store));

	for (;;) {
		struct timespec ts = { .tv_sec = 1 };
		int sig = sigtimedwait(&mask, NULL, &ts);

		if (sig == SIGTERM || sig == SIGINT) {
			log_info("server: received %s, shutting down", strsignal(sig));
			break;
		}
		if (sig == SIGHUP || (a->files.n > 0 && policy_files_changed(&a->files)))
			(void)reload_files(a, store);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *paths[POLICY_FILES_MAX] = {};
	struct args a = {
		.cfg = {
			.listen = DEFAULT_LISTEN,
			.pavise_namespace = DEFAULT_NAMESPACE,
			.body_max = WEBHOOK_BODY_MAX_DEFAULT,
			.timeout_sec = 10,
			.mutate = {
				.match_label_key = DEFAULT_MATCH_LABEL_KEY,
				.match_label_value = DEFAULT_MATCH_LABEL_VAL,
				.k8s_major = 1,
				.k8s_minor = 31,
			},
		},
		.files = { .paths = paths },
		.controller = -1,
		.status_service = -1,
		.enforcer_account = "pavise-enforcer",
		.certs = {
			.dir = DEFAULT_CERT_DIR,
			.service_name = DEFAULT_SERVICE,
			.mutating_config = DEFAULT_MUTATING,
			.validating_config = DEFAULT_VALIDATING,
			.trust_delay_usec = 5ULL * 1000 * 1000,
		},
		.ctl = {
			.lease = {
				.name = LEASE_NAME_DEFAULT,
				.duration_usec = LEASE_DURATION_DEFAULT_USEC,
				.renew_deadline_usec = LEASE_RENEW_DEADLINE_DEFAULT_USEC,
				.retry_usec = LEASE_RETRY_DEFAULT_USEC,
			},
			.restart_batch = RESTART_BATCH_DEFAULT,
		},
	};
	int r;

	json_arena_install();
	r = parse_args(argc, argv, &a);
	if (r <= 0) {
		free(a.match_label);
		return r < 0 ? 2 : 0;
	}
	r = run(&a);
	policy_file_set_done(&a.files);
	free(a.match_label);
	return r < 0 ? 1 : 0;
}
