// SPDX-License-Identifier: Apache-2.0
/* pavise-enforcer: applies the ArmorProfiles of a directory to this node (AppArmor, BPF LSM, seccomp). */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>

#include "common/fileio.h"
#include "common/http-server.h"
#include "common/log.h"
#include "enforcer/apparmor-loader.h"
#include "enforcer/backend.h"
#include "enforcer/bind-server.h"
#include "enforcer/bpf-loader.h"
#include "enforcer/caps.h"
#include "enforcer/k8s-profiles.h"
#include "enforcer/k8s-reporter.h"
#include "enforcer/oci.h"
#include "enforcer/profile-dir.h"
#include "enforcer/profile-store.h"
#include "enforcer/seccomp-writer.h"
#include "enforcer/status.h"
#include "enforcer/violations.h"

#define DEFAULT_STATE_DIR      "/var/lib/pavise"
#define DEFAULT_SECCOMP_DIR    "/var/lib/kubelet/seccomp"
#define DEFAULT_LISTEN	       "127.0.0.1:9680"
#define DEFAULT_PARSER	       "apparmor_parser"
#define REWATCH_USEC	       (1000U * 1000)
#define REFRESH_USEC	       (2U * 1000 * 1000) /* status snapshot of the BPF side */
#define RUNC_ROOTS_MAX	       8U
#define DEFAULT_RUNC_ROOTS     "/run/containerd/runc/k8s.io:/run/runc"
#define VIOLATIONS_BACKUPS_MAX 100U

struct args {
	const char *profile_dir, *state_dir, *seccomp_dir, *listen;
	const char *tls_cert, *tls_key, *parser, *host_root, *node_name;
	const char *bpf_pin_dir, *bind_socket, *violations_log;
	const char *runc_roots[RUNC_ROOTS_MAX]; /* each a ':'-separated list */
	size_t n_runc_roots;
	uint64_t violations_max_bytes;
	unsigned violations_backups;
	/* The Kubernetes path: ArmorProfiles watched on the API server, reports, Node labels. */
	const char *kubeconfig;
	bool in_cluster;
	const char *status_url, *status_ca, *status_token_file;
	bool no_node_labels;
};

static void usage(FILE *f)
{
	fputs("Usage: pavise-enforcer --profile-dir DIR | --kubeconfig PATH | --in-cluster [OPTIONS]\n"
	      "\n"
	      "Node enforcer for pavise: applies the ArmorProfiles found in a directory (YAML or\n"
	      "JSON, several per file, watched for changes) to this node: AppArmor profiles are\n"
	      "loaded with apparmor_parser, BPF profiles go into the BPF LSM maps, seccomp\n"
	      "profiles are installed for the kubelet. Containers are bound to their BPF profile\n"
	      "by pavise-oci-hook over the bind socket before they run.\n"
	      "\n"
	      "  --profile-dir DIR          ArmorProfile files (YAML or JSON), watched; or:\n"
	      "  --kubeconfig PATH          ArmorProfiles watched on the API server of this\n"
	      "                             kubeconfig (all namespaces)\n"
	      "  --in-cluster               the same with the pod's service account\n"
	      "  --status-url URL           post this node's results to the webhook's status\n"
	      "                             service (https://.../v1/node-status)\n"
	      "  --status-ca FILE           CA bundle to verify it (default: system store)\n"
	      "  --status-token-file FILE   bearer token for it, re-read when it rotates\n"
	      "  --no-node-labels           do not label the Node with what it can enforce\n"
	      "                             (pavise.io/{apparmor,bpf,seccomp,enforcer})\n"
	      "  --state-dir DIR            enforcer state, AppArmor profiles in DIR/apparmor.d\n"
	      "                             (default " DEFAULT_STATE_DIR ")\n"
	      "  --seccomp-dir DIR          the kubelet's seccomp profiles (default\n"
	      "                             " DEFAULT_SECCOMP_DIR ")\n"
	      "  --listen ADDR              status server: /healthz /readyz /metrics /v1/status\n"
	      "                             (default " DEFAULT_LISTEN ", plain HTTP)\n"
	      "  --tls-cert FILE            serve HTTPS with this certificate (PEM)\n"
	      "  --tls-key FILE             and this key (PEM)\n"
	      "  --apparmor-parser PATH     apparmor_parser to run (default " DEFAULT_PARSER ")\n"
	      "  --bpf-pin-dir DIR          the BPF programs' pinned state (default\n"
	      "                             " PAVISE_BPF_PIN_DIR "); taken over at start\n"
	      "  --bind-socket PATH         the hook's bind socket (default " BIND_SOCKET_PATH ")\n"
	      "  --runc-root DIRS           runc state directories scanned at start for running\n"
	      "                             containers that started without the hook (':'-\n"
	      "                             separated, repeatable; default " DEFAULT_RUNC_ROOTS
	      ")\n"
	      "  --violations-log FILE      append violation records (JSON lines) to FILE\n"
	      "  --violations-max-bytes N   rotate FILE past N bytes (default 10485760)\n"
	      "  --violations-backups N     rotated files kept (default 3, at most 100)\n"
	      "  --host-root DIR            read /sys and /proc under DIR (tests)\n"
	      "  --node-name NAME           this node (default $NODE_NAME): status, reports, labels\n"
	      "  --log-level LEVEL          error, warning, info or debug (default info)\n"
	      "  --log-format FORMAT        text or json (default text)\n"
	      "  --version                  print the version and exit\n"
	      "  -h, --help                 show this help\n"
	      "\n"
	      "SIGHUP rescans the directory and retries failed profiles; SIGTERM stops (loaded\n"
	      "profiles stay loaded, BPF programs and bindings stay pinned and enforcing).\n",
	      f);
}

/* A decimal number, nothing else. */
static int parse_number(const char *s, unsigned long long *ret)
{
	char *end = NULL;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !end || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum {
		ARG_PROFILE_DIR = 0x100,
		ARG_STATE_DIR,
		ARG_SECCOMP_DIR,
		ARG_LISTEN,
		ARG_TLS_CERT,
		ARG_TLS_KEY,
		ARG_PARSER,
		ARG_HOST_ROOT,
		ARG_NODE_NAME,
		ARG_KUBECONFIG,
		ARG_IN_CLUSTER,
		ARG_STATUS_URL,
		ARG_STATUS_CA,
		ARG_STATUS_TOKEN,
		ARG_NO_NODE_LABELS,
		ARG_LOG_LEVEL,
		ARG_LOG_FORMAT,
		ARG_VERSION,
		ARG_BPF_PIN_DIR,
		ARG_BIND_SOCKET,
		ARG_RUNC_ROOT,
		ARG_VIOLATIONS_LOG,
		ARG_VIOLATIONS_MAX_BYTES,
		ARG_VIOLATIONS_BACKUPS,
	};
	static const struct option options[] = {
		{ "profile-dir", required_argument, NULL, ARG_PROFILE_DIR },
		{ "state-dir", required_argument, NULL, ARG_STATE_DIR },
		{ "seccomp-dir", required_argument, NULL, ARG_SECCOMP_DIR },
		{ "listen", required_argument, NULL, ARG_LISTEN },
		{ "tls-cert", required_argument, NULL, ARG_TLS_CERT },
		{ "tls-key", required_argument, NULL, ARG_TLS_KEY },
		{ "apparmor-parser", required_argument, NULL, ARG_PARSER },
		{ "host-root", required_argument, NULL, ARG_HOST_ROOT },
		{ "node-name", required_argument, NULL, ARG_NODE_NAME },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "log-format", required_argument, NULL, ARG_LOG_FORMAT },
		{ "version", no_argument, NULL, ARG_VERSION },
		{ "bpf-pin-dir", required_argument, NULL, ARG_BPF_PIN_DIR },
		{ "bind-socket", required_argument, NULL, ARG_BIND_SOCKET },
		{ "runc-root", required_argument, NULL, ARG_RUNC_ROOT },
		{ "violations-log", required_argument, NULL, ARG_VIOLATIONS_LOG },
		{ "violations-max-bytes", required_argument, NULL, ARG_VIOLATIONS_MAX_BYTES },
		{ "violations-backups", required_argument, NULL, ARG_VIOLATIONS_BACKUPS },
		{ "kubeconfig", required_argument, NULL, ARG_KUBECONFIG },
		{ "in-cluster", no_argument, NULL, ARG_IN_CLUSTER },
		{ "status-url", required_argument, NULL, ARG_STATUS_URL },
		{ "status-ca", required_argument, NULL, ARG_STATUS_CA },
		{ "status-token-file", required_argument, NULL, ARG_STATUS_TOKEN },
		{ "no-node-labels", no_argument, NULL, ARG_NO_NODE_LABELS },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
		switch (c) {
		case ARG_PROFILE_DIR:
			a->profile_dir = optarg;
			break;
		case ARG_STATE_DIR:
			a->state_dir = optarg;
			break;
		case ARG_SECCOMP_DIR:
			a->seccomp_dir = optarg;
			break;
		case ARG_LISTEN:
			a->listen = optarg;
			break;
		case ARG_TLS_CERT:
			a->tls_cert = optarg;
			break;
		case ARG_TLS_KEY:
			a->tls_key = optarg;
			break;
		case ARG_PARSER:
			a->parser = optarg;
			break;
		case ARG_HOST_ROOT:
			a->host_root = optarg;
			break;
		case ARG_NODE_NAME:
			a->node_name = optarg;
			break;
		case ARG_BPF_PIN_DIR:
			a->bpf_pin_dir = optarg;
			break;
		case ARG_BIND_SOCKET:
			a->bind_socket = optarg;
			break;
		case ARG_RUNC_ROOT:
			if (a->n_runc_roots >= RUNC_ROOTS_MAX)
				return log_error_errno(-E2BIG, "args: at most %u --runc-root",
						       RUNC_ROOTS_MAX);
			a->runc_roots[a->n_runc_roots++] = optarg;
			break;
		case ARG_VIOLATIONS_LOG:
			a->violations_log = optarg;
			break;
		case ARG_VIOLATIONS_MAX_BYTES:
		case ARG_VIOLATIONS_BACKUPS: {
			unsigned long long v;

			if (parse_number(optarg, &v) < 0 ||
			    (c == ARG_VIOLATIONS_MAX_BYTES && v < 4096) ||
			    (c == ARG_VIOLATIONS_BACKUPS && v > VIOLATIONS_BACKUPS_MAX))
				return log_error_errno(
					-EINVAL, "args: --%s: '%s' is not %s",
					c == ARG_VIOLATIONS_MAX_BYTES ? "violations-max-bytes" :
									"violations-backups",
					optarg,
					c == ARG_VIOLATIONS_MAX_BYTES ? "a size of at least 4096" :
									"a number from 0 to 100");
			if (c == ARG_VIOLATIONS_MAX_BYTES)
				a->violations_max_bytes = v;
			else
				a->violations_backups = (unsigned)v;
			break;
		}
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
		case ARG_KUBECONFIG:
			a->kubeconfig = optarg;
			break;
		case ARG_IN_CLUSTER:
			a->in_cluster = true;
			break;
		case ARG_STATUS_URL:
			a->status_url = optarg;
			break;
		case ARG_STATUS_CA:
			a->status_ca = optarg;
			break;
		case ARG_STATUS_TOKEN:
			a->status_token_file = optarg;
			break;
		case ARG_NO_NODE_LABELS:
			a->no_node_labels = true;
			break;
		case ARG_VERSION:
			printf("pavise-enforcer %s\n", PAVISE_VERSION);
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
	if (!a->node_name)
		a->node_name = secure_getenv("NODE_NAME");
	if (!a->profile_dir == !(a->kubeconfig || a->in_cluster))
		return log_error_errno(
			-EINVAL,
			"args: give one source of ArmorProfiles: --profile-dir, or --kubeconfig/--in-cluster");
	if (a->status_url && (!a->node_name || !*a->node_name))
		return log_error_errno(-EINVAL,
				       "args: --status-url needs --node-name (or $NODE_NAME)");
	if ((a->kubeconfig || a->in_cluster) && !a->no_node_labels &&
	    (!a->node_name || !*a->node_name))
		return log_error_errno(
			-EINVAL, "args: labelling the Node needs --node-name (or $NODE_NAME); "
				 "or give --no-node-labels");
	if (!a->tls_cert != !a->tls_key)
		return log_error_errno(-EINVAL,
				       "args: give both --tls-cert and --tls-key, or none");
	return 1;
}

static void on_diag(void *userdata, int error, const char *message)
{
	(void)userdata;
	if (error < 0)
		log_warning_errno(error, "server: %s", message);
	else
		log_debug("server: %s", message);
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static int sync_dir(const struct args *a, struct profile_store *store, struct k8s_profiles *kp,
		    bool retry_failed)
{
	struct profile_set want = {};
	const char *source = kp ? "the API server" : a->profile_dir;
	uint64_t start = mono_usec();
	int r;

	r = kp ? k8s_profiles_snapshot(kp, &want) : profile_dir_scan(a->profile_dir, &want);
	if (r < 0)
		return log_error_errno(r, "profiles: cannot read %s, keeping what is applied: %m",
				       source);
	for (size_t i = 0; i < want.n_refused; i++)
		log_warning("profiles: '%s'%s%s%s refused: %s", want.refused[i].source,
			    want.refused[i].name ? " (name '" : "", strempty(want.refused[i].name),
			    want.refused[i].name ? "')" : "", want.refused[i].message);
	log_debug("profiles: %zu profile(s), %zu refused document(s) from %s", want.n_items,
		  want.n_refused, source);
	r = profile_store_sync(store, &want, retry_failed);
	log_debug("profiles: synced in %llu ms", (unsigned long long)(mono_usec() - start) / 1000);
	return r;
}

/*
 * Profiles this enforcer loaded before a restart whose ArmorProfile is gone
 * now: still in <state-dir>/apparmor.d, unknown to the store after the
 * first scan. They are unloaded and removed, as a delete would have done.
 */
static void prune_stale_apparmor(struct backend *b, struct profile_store *store, const char *dir)
{
	DIR *d;

	if (!b->available)
		return;
	d = opendir(dir);
	if (!d)
		return;
	for (;;) {
		struct dirent *de = readdir(d);
		_cleanup_free_ char *msg = NULL;
		enum apply_state st;
		int r;

		if (!de)
			break;
		/* leftovers of interrupted atomic writes start with '.', like "." and ".." */
		if (de->d_name[0] == '.' || !profile_name_is_valid(de->d_name))
			continue;
		if (profile_store_get(store, de->d_name, PART_APPARMOR, &st, NULL, 0) == 0 &&
		    st != APPLY_NONE)
			continue;
		r = b->remove(b, de->d_name, &msg);
		if (r < 0)
			log_warning_errno(
				r, "apparmor: unloading stale profile '%s' failed: %s, ignoring",
				de->d_name, msg ? msg : strerror(-r));
		else
			log_info("apparmor: stale profile '%s' unloaded (its ArmorProfile is gone)",
				 de->d_name);
	}
	closedir(d);
}

static void log_caps(const struct caps *c)
{
	char desc[128];

	caps_describe(c, desc, sizeof(desc));
	log_info("caps: %s (lsm '%s')", desc, c->lsm);
	if (!c->apparmor)
		log_warning("caps: AppArmor is not enabled on this node; AppArmor profiles will "
			    "fail, ignoring");
	if (!c->bpf_lsm)
		log_warning("caps: the BPF LSM is not active on this node; BPF profiles will "
			    "fail, ignoring");
	if (!c->seccomp)
		log_warning("caps: the kernel has no seccomp; seccomp profiles will fail, "
			    "ignoring");
}

/* Everything run() owns, for the callbacks. */
struct enforcer {
	const struct args *a;
	struct caps caps;
	struct bpf_enforcer *bpf; /* NULL: no BPF LSM on this node */
	char bpf_msg[STATUS_MESSAGE_MAX];
	struct profile_store *store;
	struct bind_server *binds;
	struct violation_log *vlog;
	int audit_fd;
	struct status_live live;
	struct status_snapshot snap; /* the counters kept here; published by refresh() */
	bool bindings_changed;
	struct k8s_config *kcfg; /* the Kubernetes path; NULL with --profile-dir */
	struct k8s_profiles *kp;
	struct k8s_reporter *reporter;
};

/*
 * The kernel side of the BPF backend and the bind server: bpf-loader.h and
 * oci.h. One seam, so the rest of the enforcer is tested without a BPF LSM.
 */
static int kernel_set_profile(void *kernel, const char *name, const struct pavise_bpf_profile *prof)
{
	return bpf_enforcer_set_profile(kernel, name, prof);
}

static int kernel_remove_profile(void *kernel, const char *name)
{
	return bpf_enforcer_remove_profile(kernel, name);
}

/* The hook binds containers that have not run yet: in force from their first exec. */
static int kernel_bind(void *kernel, uint64_t cgroup_id, const char *name,
		       const struct bpf_container_info *info)
{
	return bpf_enforcer_bind_until_exec(kernel, cgroup_id, name, info);
}

static const struct bpf_ops kernel_ops = {
	.set_profile = kernel_set_profile,
	.remove_profile = kernel_remove_profile,
	.bind = kernel_bind,
	.cgroup_id_of_pid = oci_cgroup_id_of_pid,
};

static void serve_binds(struct enforcer *x)
{
	/* between two profiles of a sync: hooks wait at most one apparmor_parser run */
	if (x->binds)
		bind_server_serve(x->binds, 0);
}

static void on_applied(void *userdata, const char *name, const char *enforcer, int r,
		       const char *msg)
{
	if (r < 0)
		log_error_errno(r, "%s: profile '%s' failed: %s", enforcer, name,
				msg ? msg : strerror(-r));
	else if (r == BACKEND_PENDING)
		log_info("%s: profile '%s' %s", enforcer, name, strna(msg));
	else
		log_info("%s: profile '%s' applied%s%s", enforcer, name, msg ? ": " : "",
			 strempty(msg));
	serve_binds(userdata);
}

static void on_removed(void *userdata, const char *name, const char *enforcer, int r,
		       const char *msg)
{
	if (r < 0)
		log_warning_errno(r, "%s: removing profile '%s' failed: %s, ignoring", enforcer,
				  name, msg ? msg : strerror(-r));
	else
		log_info("%s: profile '%s' removed", enforcer, name);
	serve_binds(userdata);
}

static void on_bind_request(void *userdata, const struct bind_request *req, uint64_t cgroup_id,
			    int r, const char *msg)
{
	struct enforcer *x = userdata;

	if (r < 0) {
		log_warning_errno(r, "bind: container '%s' (pod '%s/%s') refused: %s", req->id,
				  req->info.pod_namespace, req->info.pod_name,
				  msg ? msg : strerror(-r));
		return;
	}
	log_info("bind: container '%s' (pod '%s/%s', cgroup %llu) bound to '%s'", req->id,
		 req->info.pod_namespace, req->info.pod_name, (unsigned long long)cgroup_id,
		 req->profile);
	x->bindings_changed = true;
}

/*
 * Publishes the counters to the status server and, when `full`, the BPF
 * state and the bindings too (map walks: on changes and on a timer only).
 */
static void refresh(struct enforcer *x, bool full)
{
	if (x->bpf && full)
		bpf_enforcer_stats(x->bpf, &x->snap.bpf);
	if (x->binds)
		bind_server_counts(x->binds, &x->snap.binds);
	if (x->vlog) {
		struct violation_log_counts c;

		violation_log_counts(x->vlog, &c);
		x->snap.violations.write_errors = c.write_errors;
		x->snap.violations.rotations = c.rotations;
	}
	status_live_update(&x->live, &x->snap);
	if (full && x->bpf) {
		struct bpf_binding *b = NULL;
		size_t n = 0;

		if (bpf_enforcer_list_bindings(x->bpf, &b, &n) >= 0)
			status_live_set_bindings(&x->live, b, n);
	}
	if (full)
		x->bindings_changed = false;
}

/* Counts a violation record and appends it to the log. */
static void record(struct enforcer *x, json_t *rec)
{
	const char *enforcer = json_string_value(json_object_get(rec, "enforcer"));
	int r;

	if (enforcer && strcmp(enforcer, "AppArmor") == 0)
		x->snap.violations.records[1]++;
	else if (enforcer && strcmp(enforcer, "Seccomp") == 0)
		x->snap.violations.records[2]++;
	else
		x->snap.violations.records[0]++;
	if (!x->vlog)
		return;
	r = violation_log_write(x->vlog, rec);
	if (r < 0)
		log_debug_errno(r, "violations: write failed: %m");
}

static void on_bpf_event(void *userdata, const struct pavise_event *ev)
{
	struct enforcer *x = userdata;
	struct bpf_binding b;
	char profile[ARMOR_NAME_MAX + 1];
	bool bound, named;
	json_t *rec;

	x->snap.bpf_events++;
	bound = bpf_enforcer_lookup_binding(x->bpf, ev->cgroup_id, &b) == 0;
	named = bpf_enforcer_slot_name(x->bpf, ev->profile_slot, ev->profile_generation, profile,
				       sizeof(profile)) == 0;
	rec = violation_from_bpf_event(ev, bound ? &b : NULL, named ? profile : NULL,
				       x->a->node_name);
	if (!rec)
		return;
	record(x, rec);
	json_decref(rec);
}

static void on_audit_record(void *userdata, json_t *rec, int pid)
{
	struct enforcer *x = userdata;
	struct bpf_binding b;
	uint64_t cgid;
	bool bound = false;

	x->snap.audit_records++;
	/* the container's identity when it is one of ours (BPF bindings know it) */
	if (x->bpf && pid > 0 && violation_pid_cgroup_id(x->a->host_root, pid, &cgid) == 0)
		bound = bpf_enforcer_lookup_binding(x->bpf, cgid, &b) == 0;
	if (violation_set_container(rec, bound ? &b : NULL) < 0 ||
	    json_object_set_new(rec, "nodeName",
				x->a->node_name ? json_string(x->a->node_name) : json_null()) < 0)
		return;
	record(x, rec);
}

/*
 * The BPF LSM: loaded, or taken over from the pinned state of an earlier
 * enforcer. On failure the node goes on with AppArmor and seccomp, and the
 * profiles' BPF parts say why in /v1/status.
 */
static void open_bpf(struct enforcer *x)
{
	_cleanup_free_ char *msg = NULL;
	struct bpf_enforcer_stats st;
	int r;

	if (!x->caps.bpf_lsm) {
		snprintf(x->bpf_msg, sizeof(x->bpf_msg),
			 "BPF LSM unavailable: 'bpf' is not in the active LSM list '%s'",
			 x->caps.lsm);
		return;
	}
	r = bpf_enforcer_open(x->a->bpf_pin_dir, &x->bpf, &msg);
	if (r < 0) {
		snprintf(x->bpf_msg, sizeof(x->bpf_msg), "BPF LSM unavailable: %s",
			 msg ? msg : strerror(-r));
		log_warning_errno(r, "bpf: %s; BPF profiles will fail, AppArmor and seccomp go on",
				  x->bpf_msg);
		x->bpf = NULL;
		return;
	}
	bpf_enforcer_stats(x->bpf, &st);
	snprintf(x->bpf_msg, sizeof(x->bpf_msg),
		 "%s: %u programs attached, %u profiles, %u bindings",
		 st.took_over ? "took over the pinned state" : "loaded", st.n_programs,
		 st.n_profiles, st.n_bindings);
	log_info("bpf: %s under '%s'", x->bpf_msg, x->a->bpf_pin_dir);
}

static bool bpf_part_applied(struct enforcer *x, const char *profile)
{
	enum apply_state st;

	return profile_store_get(x->store, profile, PART_BPF, &st, NULL, 0) == 0 &&
	       st == APPLY_APPLIED;
}

/* A running container found in a runc state directory: bind it unless it is bound. */
static void on_running_container(void *userdata, const struct oci_container *c)
{
	struct enforcer *x = userdata;
	struct bpf_binding b;
	uint64_t cgid;
	int r;

	if (!c->bpf_profile[0])
		return;
	r = oci_cgroup_id_of_pid(x->a->host_root, c->pid, &cgid);
	if (r < 0) {
		log_debug_errno(r, "bind: container '%s': no cgroup for pid %d: %m, ignoring",
				c->id, c->pid);
		return;
	}
	if (bpf_enforcer_lookup_binding(x->bpf, cgid, &b) == 0)
		return; /* bound by the hook, kept across the restart */
	if (!bpf_part_applied(x, c->bpf_profile)) {
		log_warning("bind: container '%s' names BPF profile '%s', which is not applied "
			    "here; left unconfined by BPF",
			    c->id, c->bpf_profile);
		return;
	}
	r = bpf_enforcer_bind(x->bpf, cgid, c->bpf_profile, &c->info);
	if (r < 0) {
		log_warning_errno(r, "bind: container '%s' to '%s' failed: %m", c->id,
				  c->bpf_profile);
		return;
	}
	x->snap.rebound++;
	log_info("bind: running container '%s' (pod '%s/%s', started without the hook) bound to "
		 "'%s'",
		 c->id, c->info.pod_namespace, c->info.pod_name, c->bpf_profile);
}

/*
 * After the first sync: profiles and bindings in the pinned state whose
 * ArmorProfile is gone (or has no BPF part now) are dropped; what is bound
 * stays bound; running containers that the hook never bound are bound.
 */
static void reconcile_bpf(struct enforcer *x)
{
	_cleanup_strv_free_ char **names = NULL;
	_cleanup_free_ struct bpf_binding *b = NULL;
	size_t n = 0;

	if (!x->bpf)
		return;
	if (bpf_enforcer_list_profiles(x->bpf, &names, &n) >= 0)
		for (size_t i = 0; i < n; i++) {
			enum apply_state st = APPLY_NONE;

			/* a part that failed this time keeps its old rules: fail closed */
			(void)profile_store_get(x->store, names[i], PART_BPF, &st, NULL, 0);
			if (st != APPLY_NONE)
				continue;
			if (bpf_enforcer_remove_profile(x->bpf, names[i]) >= 0)
				log_info(
					"bpf: profile '%s' from before the restart is gone; removed "
					"with its bindings",
					names[i]);
		}
	if (bpf_enforcer_list_bindings(x->bpf, &b, &n) >= 0)
		for (size_t i = 0; i < n; i++) {
			if (bpf_part_applied(x, b[i].profile))
				continue;
			if (bpf_enforcer_unbind(x->bpf, b[i].cgroup_id) >= 0)
				log_info("bind: cgroup %llu unbound: its profile '%s' is gone",
					 (unsigned long long)b[i].cgroup_id, b[i].profile);
		}
	for (size_t i = 0; i < x->a->n_runc_roots; i++) {
		char list[PATH_MAX];

		snprintf(list, sizeof(list), "%s", x->a->runc_roots[i]);
		for (char *dir = list, *next; dir; dir = next) {
			next = strchr(dir, ':');
			if (next)
				*next++ = '\0';
			if (*dir)
				(void)oci_scan_runc_root(x->a->host_root, dir, on_running_container,
							 x);
		}
	}
	if (x->snap.rebound)
		log_info("bind: %llu running container(s) bound from the runc state directories",
			 (unsigned long long)x->snap.rebound);
}

static void open_violations(struct enforcer *x)
{
	int r;

	if (!x->a->violations_log)
		return;
	r = violation_log_open(x->a->violations_log, x->a->violations_max_bytes,
			       x->a->violations_backups, &x->vlog);
	if (r < 0) {
		log_warning_errno(r, "violations: cannot open '%s': %m; not logging violations",
				  x->a->violations_log);
		x->vlog = NULL;
		return;
	}
	x->snap.violations_enabled = true;
	r = audit_source_open(&x->audit_fd);
	if (r < 0) {
		log_warning_errno(r, "violations: cannot read the kernel audit stream: %m; "
				     "AppArmor and seccomp violations are not logged");
		x->audit_fd = -EBADF;
	}
	log_info("violations: logging to '%s'%s", x->a->violations_log,
		 x->audit_fd >= 0 ? " (BPF events and kernel audit records)" : " (BPF events)");
}

static void drain_events(struct enforcer *x)
{
	int r = bpf_enforcer_events_consume(x->bpf, on_bpf_event, x);

	if (r < 0)
		log_debug_errno(r, "violations: reading BPF events failed: %m");
}

static void drain_audit(struct enforcer *x)
{
	int r = audit_source_read(x->audit_fd, on_audit_record, x);

	if (r == -ENOBUFS)
		x->snap.audit_lost++;
	else if (r < 0 && r != -EAGAIN)
		log_debug_errno(r, "violations: reading audit records failed: %m");
}

static void enforcer_done(struct enforcer *x)
{
	/* the reporter reads the store: it goes first */
	x->reporter = k8s_reporter_free(x->reporter);
	x->kp = k8s_profiles_free(x->kp);
	x->kcfg = k8s_config_free(x->kcfg);
	x->binds = bind_server_free(x->binds);
	x->vlog = violation_log_free(x->vlog);
	x->audit_fd = safe_close(x->audit_fd);
	x->store = profile_store_free(x->store);
	/* the pinned programs, maps and bindings stay and keep enforcing */
	x->bpf = bpf_enforcer_free(x->bpf);
	status_live_done(&x->live);
}

/* One sync from whichever source, then tell the reporter. */
static int sync_profiles(struct enforcer *x, bool retry_failed)
{
	int r = sync_dir(x->a, x->store, x->kp, retry_failed);

	if (x->reporter)
		k8s_reporter_notify(x->reporter);
	return r;
}

/* The first sync: afterwards what is pinned or loaded and no longer wanted goes. */
static bool initial_sync(struct enforcer *x, struct backend *b_aa, const char *aa_dir)
{
	(void)sync_profiles(x, false);
	prune_stale_apparmor(b_aa, x->store, aa_dir);
	reconcile_bpf(x);
	refresh(x, true);
	log_info("profiles: initial sync from %s applied; ready",
		 x->kp ? "the API server" : x->a->profile_dir);
	if (x->reporter)
		k8s_reporter_notify(x->reporter);
	return true;
}

static void on_watch_error(void *userdata, int error, const char *message)
{
	(void)userdata;
	log_warning_errno(error, "k8s: watching ArmorProfiles: %s (%m), retrying", message);
}

static void on_report_result(void *userdata, const char *what, int error, const char *message)
{
	(void)userdata;
	if (error < 0)
		log_warning_errno(error, "k8s: %s: %s (%m), retrying", what, strempty(message));
	else
		log_debug("k8s: %s sent", what);
}

/* The Kubernetes path: the ArmorProfile watch and the reporter (status, Node labels). */
static int open_k8s(struct enforcer *x)
{
	const struct args *a = x->a;
	struct k8s_error err = {};
	int r;

	if (!a->kubeconfig && !a->in_cluster)
		return 0;
	r = k8s_config_load(a->kubeconfig, &x->kcfg, &err);
	if (r < 0)
		return log_error_errno(r, "k8s: cannot load %s: %s %s",
				       a->kubeconfig ? a->kubeconfig : "the in-cluster config",
				       err.reason, err.message);
	r = k8s_profiles_start(&(struct k8s_profiles_config){ .k8s = x->kcfg,
							      .on_error = on_watch_error },
			       &x->kp);
	if (r < 0)
		return log_error_errno(r, "k8s: cannot watch ArmorProfiles: %m");
	if (!a->status_url && a->no_node_labels)
		return 0;
	r = k8s_reporter_start(
		&(struct k8s_reporter_config){
			.node = a->node_name,
			.status_url = a->status_url,
			.status_ca_file = a->status_ca,
			.token_file = a->status_token_file,
			.k8s = a->no_node_labels ? NULL : x->kcfg,
			.store = x->store,
			.caps = &x->caps,
			.on_result = on_report_result,
		},
		&x->reporter);
	if (r < 0)
		return log_error_errno(r, "k8s: cannot start reporting: %m");
	log_info("k8s: watching ArmorProfiles%s%s%s", a->status_url ? ", reporting to " : "",
		 strempty(a->status_url), a->no_node_labels ? "" : ", labelling the Node");
	return 0;
}

static int run(const struct args *a)
{
	_cleanup_(http_server_freep) struct http_server *server = NULL;
	_cleanup_close_ int sfd = -EBADF, ifd = -EBADF;
	struct enforcer x = { .a = a, .audit_fd = -EBADF };
	struct apparmor_loader aa;
	struct seccomp_writer sc;
	struct bpf_backend bb;
	struct backend b_aa, b_sc, b_bpf;
	struct backend *backends[_PART_MAX];
	const struct profile_store_events events = {
		.applied = on_applied,
		.removed = on_removed,
		.userdata = &x,
	};
	struct http_route routes[STATUS_ROUTES];
	struct status_ctx sctx;
	char aa_dir[PATH_MAX], partitions[PATH_MAX];
	uint64_t dirty_since = 0, last_event = 0, rewatch_at = 0, refresh_at = 0;
	bool initial = false;
	sigset_t mask;
	int r;

	status_live_init(&x.live);
	x.live.pin_dir = a->bpf_pin_dir;
	x.live.bind_socket = a->bind_socket;
	x.live.violations_log = a->violations_log;
	r = caps_detect(a->host_root, &x.caps);
	if (r < 0) {
		enforcer_done(&x);
		return log_error_errno(r, "caps: cannot probe the node: %m");
	}
	log_caps(&x.caps);

	if (snprintf(aa_dir, sizeof(aa_dir), "%s/apparmor.d", a->state_dir) >=
		    (int)sizeof(aa_dir) ||
	    snprintf(partitions, sizeof(partitions), "%s/proc/partitions",
		     a->host_root ? a->host_root : "") >= (int)sizeof(partitions)) {
		enforcer_done(&x);
		return log_error_errno(-ENAMETOOLONG, "args: path too long");
	}
	apparmor_loader_init(&aa, a->parser, aa_dir, partitions, &b_aa);
	b_aa.available = x.caps.apparmor;
	seccomp_writer_init(&sc, a->seccomp_dir, &b_sc);
	b_sc.available = x.caps.seccomp;
	bpf_backend_init(&bb, &kernel_ops, NULL, partitions, &b_bpf);
	backends[PART_APPARMOR] = &b_aa;
	backends[PART_SECCOMP] = &b_sc;
	backends[PART_BPF] = &b_bpf;
	r = profile_store_new(backends, &events, &x.store);
	if (r < 0) {
		enforcer_done(&x);
		return log_oom();
	}

	/*
	 * The bind socket exists before the BPF programs are loaded and the
	 * first sync runs: a hook that comes meanwhile waits in the backlog and
	 * is answered as soon as its profile is applied (a takeover takes well
	 * under the hook's timeout), instead of failing to connect.
	 */
	r = bind_server_new(
		&(struct bind_server_config){
			.path = a->bind_socket,
			.store = x.store,
			.ops = &kernel_ops,
			.host_root = a->host_root,
			.on_request = on_bind_request,
			.userdata = &x,
		},
		&x.binds);
	if (r < 0) {
		if (x.caps.bpf_lsm || r == -EADDRINUSE) {
			enforcer_done(&x);
			return log_error_errno(r, "bind: cannot listen on '%s': %m",
					       a->bind_socket);
		}
		log_warning_errno(r, "bind: cannot listen on '%s': %m, ignoring (no BPF LSM)",
				  a->bind_socket);
		x.binds = NULL;
	} else {
		x.snap.bind_listening = true;
		log_info("bind: listening on '%s'", a->bind_socket);
	}

	open_bpf(&x);
	x.snap.bpf_available = x.bpf != NULL;
	snprintf(x.snap.bpf_message, sizeof(x.snap.bpf_message), "%s", x.bpf_msg);
	bb.kernel = x.bpf;
	b_bpf.available = x.bpf != NULL;
	b_bpf.unavailable_msg = x.bpf ? NULL : x.bpf_msg;
	if (x.binds)
		bind_server_set_kernel(x.binds, x.bpf, x.bpf_msg);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = -errno;
		enforcer_done(&x);
		return log_error_errno(r, "signals: signalfd failed: %m");
	}

	sctx = (struct status_ctx){
		.store = x.store,
		.caps = &x.caps,
		.live = &x.live,
		.parser_seconds = &aa.parser_seconds,
		.node_name = a->node_name,
		.version = PAVISE_VERSION,
	};
	status_routes(&sctx, routes);
	r = http_server_start(
		&(struct http_server_config){
			.listen = a->listen,
			.tls_cert_path = a->tls_cert,
			.tls_key_path = a->tls_key,
			.threads = 2,
			.routes = routes,
			.n_routes = STATUS_ROUTES,
			.on_diag = on_diag,
		},
		&server);
	if (r < 0) {
		enforcer_done(&x);
		return log_error_errno(r, "server: failed to start on '%s': %m", a->listen);
	}
	log_info("server: listening on port %u (%s)", http_server_port(server),
		 a->tls_cert ? "https" : "http");

	open_violations(&x);
	r = open_k8s(&x);
	if (r < 0) {
		http_server_free(TAKE_PTR(server));
		enforcer_done(&x);
		return r;
	}

	if (a->profile_dir) {
		r = mkdir_p(a->profile_dir, 0755);
		if (r < 0)
			log_warning_errno(r, "profiles: cannot create '%s': %m, ignoring",
					  a->profile_dir);
		/* Watch before the first scan, so nothing written in between is missed. */
		r = profile_dir_watch(a->profile_dir, &ifd);
		if (r < 0) {
			log_warning_errno(r, "profiles: cannot watch '%s': %m; retrying",
					  a->profile_dir);
			rewatch_at = mono_usec() + REWATCH_USEC;
		}
	}
	/* From the API server, the first sync waits for the first LIST (not ready until then). */
	if (!x.kp)
		initial = initial_sync(&x, &b_aa, aa_dir);

	for (;;) {
		struct pollfd p[5 + BIND_POLLFDS];
		size_t n = 0, i_ifd = SIZE_MAX, i_ev = SIZE_MAX, i_audit = SIZE_MAX,
		       i_kp = SIZE_MAX, i_bind;
		uint64_t now = mono_usec(), due = UINT64_MAX;
		int timeout = -1, t;

		p[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (ifd >= 0) {
			i_ifd = n;
			p[n++] = (struct pollfd){ .fd = ifd, .events = POLLIN };
		}
		if (x.bpf && bpf_enforcer_events_fd(x.bpf) >= 0) {
			i_ev = n;
			p[n++] = (struct pollfd){ .fd = bpf_enforcer_events_fd(x.bpf),
						  .events = POLLIN };
		}
		if (x.audit_fd >= 0) {
			i_audit = n;
			p[n++] = (struct pollfd){ .fd = x.audit_fd, .events = POLLIN };
		}
		if (x.kp) {
			i_kp = n;
			p[n++] = (struct pollfd){ .fd = k8s_profiles_fd(x.kp), .events = POLLIN };
		}
		i_bind = n;
		if (x.binds)
			n += bind_server_pollfds(x.binds, p + n, ELEMENTSOF(p) - n);

		if (dirty_since)
			due = MIN(last_event + PROFILE_DIR_DEBOUNCE_USEC,
				  dirty_since + PROFILE_DIR_DELAY_MAX_USEC);
		if (rewatch_at)
			due = MIN(due, rewatch_at);
		if (x.bpf)
			due = MIN(due, refresh_at);
		if (due != UINT64_MAX)
			timeout = due > now ?
					  (int)MIN((due - now + 999) / 1000, (uint64_t)INT_MAX) :
					  0;
		t = x.binds ? bind_server_timeout_ms(x.binds, now) : -1;
		if (t >= 0 && (timeout < 0 || t < timeout))
			timeout = t;
		r = poll(p, n, timeout);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			http_server_free(TAKE_PTR(server));
			enforcer_done(&x);
			return log_error_errno(r, "loop: poll failed: %m");
		}
		if (r < 0)
			for (size_t k = 0; k < n; k++)
				p[k].revents = 0;
		now = mono_usec();

		/* the bind socket first: a hook is waiting on it */
		if (x.binds)
			bind_server_dispatch(x.binds, p + i_bind, n - i_bind, now);
		if (i_ev != SIZE_MAX && p[i_ev].revents)
			drain_events(&x);
		if (i_audit != SIZE_MAX && p[i_audit].revents)
			drain_audit(&x);
		if (i_kp != SIZE_MAX && p[i_kp].revents) {
			k8s_profiles_drain(x.kp);
			if (!initial && k8s_profiles_synced(x.kp)) {
				initial = initial_sync(&x, &b_aa, aa_dir);
			} else if (initial) {
				if (!dirty_since)
					dirty_since = now;
				last_event = now;
			}
		}

		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					log_info("signals: SIGHUP, rescanning the profiles");
					if (initial)
						(void)sync_profiles(&x, true);
					dirty_since = 0;
					x.bindings_changed = true;
				} else {
					log_info("signals: %s, stopping",
						 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
					http_server_free(TAKE_PTR(server));
					enforcer_done(&x);
					return 0;
				}
			}
		}
		if (i_ifd != SIZE_MAX && (p[i_ifd].revents & POLLIN)) {
			r = profile_dir_watch_drain(ifd);
			if (r < 0) {
				log_warning_errno(r,
						  "profiles: '%s' went away (%m), watching again",
						  a->profile_dir);
				ifd = safe_close(ifd);
				rewatch_at = now + REWATCH_USEC;
				r = 1;
			}
			if (r > 0) {
				if (!dirty_since)
					dirty_since = now;
				last_event = now;
			}
		}
		if (rewatch_at && now >= rewatch_at) {
			rewatch_at = 0;
			r = profile_dir_watch(a->profile_dir, &ifd);
			if (r < 0)
				rewatch_at = now + REWATCH_USEC;
			else if (!dirty_since)
				dirty_since = last_event = now;
		}
		if (dirty_since && (now >= last_event + PROFILE_DIR_DEBOUNCE_USEC ||
				    now >= dirty_since + PROFILE_DIR_DELAY_MAX_USEC)) {
			dirty_since = 0;
			if (initial)
				(void)sync_profiles(&x, false);
			x.bindings_changed = true;
		}
		/* cgroups that went away lost their bindings in the kernel: show it */
		if (now >= refresh_at || x.bindings_changed) {
			refresh(&x, true);
			refresh_at = now + REFRESH_USEC;
		} else {
			refresh(&x, false);
		}
	}
}

int main(int argc, char **argv)
{
	struct args a = {
		.state_dir = DEFAULT_STATE_DIR,
		.seccomp_dir = DEFAULT_SECCOMP_DIR,
		.listen = DEFAULT_LISTEN,
		.parser = DEFAULT_PARSER,
		.bpf_pin_dir = PAVISE_BPF_PIN_DIR,
		.bind_socket = BIND_SOCKET_PATH,
		.violations_max_bytes = VIOLATIONS_DEFAULT_MAX_BYTES,
		.violations_backups = VIOLATIONS_DEFAULT_BACKUPS,
	};
	int r;

	r = parse_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (a.n_runc_roots == 0)
		a.runc_roots[a.n_runc_roots++] = DEFAULT_RUNC_ROOTS;
	r = run(&a);
	return r < 0 ? 1 : 0;
}
