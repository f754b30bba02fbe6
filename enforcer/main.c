// SPDX-License-Identifier: Apache-2.0
/* pavise-enforcer: applies the ArmorProfiles of a directory to this node (AppArmor, seccomp; BPF next). */
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
#include "enforcer/caps.h"
#include "enforcer/profile-dir.h"
#include "enforcer/profile-store.h"
#include "enforcer/seccomp-writer.h"
#include "enforcer/status.h"

#define DEFAULT_STATE_DIR   "/var/lib/pavise"
#define DEFAULT_SECCOMP_DIR "/var/lib/kubelet/seccomp"
#define DEFAULT_LISTEN	    "127.0.0.1:9680"
#define DEFAULT_PARSER	    "apparmor_parser"
#define REWATCH_USEC	    (1000U * 1000)

struct args {
	const char *profile_dir, *state_dir, *seccomp_dir, *listen;
	const char *tls_cert, *tls_key, *parser, *host_root, *node_name;
};

static void usage(FILE *f)
{
	fputs("Usage: pavise-enforcer --profile-dir DIR [OPTIONS]\n"
	      "\n"
	      "Node enforcer for pavise: applies the ArmorProfiles found in a directory (YAML or\n"
	      "JSON, several per file, watched for changes) to this node: AppArmor profiles are\n"
	      "loaded with apparmor_parser, seccomp profiles are installed for the kubelet.\n"
	      "\n"
	      "  --profile-dir DIR          ArmorProfile files (required)\n"
	      "  --state-dir DIR            enforcer state, AppArmor profiles in DIR/apparmor.d\n"
	      "                             (default " DEFAULT_STATE_DIR ")\n"
	      "  --seccomp-dir DIR          the kubelet's seccomp profiles (default\n"
	      "                             " DEFAULT_SECCOMP_DIR ")\n"
	      "  --listen ADDR              status server: /healthz /readyz /metrics /v1/status\n"
	      "                             (default " DEFAULT_LISTEN ", plain HTTP)\n"
	      "  --tls-cert FILE            serve HTTPS with this certificate (PEM)\n"
	      "  --tls-key FILE             and this key (PEM)\n"
	      "  --apparmor-parser PATH     apparmor_parser to run (default " DEFAULT_PARSER ")\n"
	      "  --host-root DIR            read /sys and /proc under DIR (tests)\n"
	      "  --node-name NAME           reported in /v1/status\n"
	      "  --log-level LEVEL          error, warning, info or debug (default info)\n"
	      "  --log-format FORMAT        text or json (default text)\n"
	      "  --version                  print the version and exit\n"
	      "  -h, --help                 show this help\n"
	      "\n"
	      "SIGHUP rescans the directory and retries failed profiles; SIGTERM stops (loaded\n"
	      "profiles stay loaded).\n",
	      f);
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
		ARG_LOG_LEVEL,
		ARG_LOG_FORMAT,
		ARG_VERSION,
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
	if (!a->profile_dir)
		return log_error_errno(-EINVAL, "args: --profile-dir is required");
	if (!a->tls_cert != !a->tls_key)
		return log_error_errno(-EINVAL,
				       "args: give both --tls-cert and --tls-key, or none");
	return 1;
}

static void on_applied(void *userdata, const char *name, const char *enforcer, int r,
		       const char *msg)
{
	(void)userdata;
	if (r < 0)
		log_error_errno(r, "%s: profile '%s' failed: %s", enforcer, name,
				msg ? msg : strerror(-r));
	else if (r == BACKEND_PENDING)
		log_info("%s: profile '%s' %s", enforcer, name, strna(msg));
	else
		log_info("%s: profile '%s' applied%s%s", enforcer, name, msg ? ": " : "",
			 strempty(msg));
}

static void on_removed(void *userdata, const char *name, const char *enforcer, int r,
		       const char *msg)
{
	(void)userdata;
	if (r < 0)
		log_warning_errno(r, "%s: removing profile '%s' failed: %s, ignoring", enforcer,
				  name, msg ? msg : strerror(-r));
	else
		log_info("%s: profile '%s' removed", enforcer, name);
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

static int sync_dir(const struct args *a, struct profile_store *store, bool retry_failed)
{
	struct profile_set want = {};
	uint64_t start = mono_usec();
	int r;

	r = profile_dir_scan(a->profile_dir, &want);
	if (r < 0)
		return log_error_errno(r, "profiles: cannot scan '%s', keeping what is applied: %m",
				       a->profile_dir);
	for (size_t i = 0; i < want.n_refused; i++)
		log_warning("profiles: '%s'%s%s%s refused: %s", want.refused[i].source,
			    want.refused[i].name ? " (name '" : "", strempty(want.refused[i].name),
			    want.refused[i].name ? "')" : "", want.refused[i].message);
	log_debug("profiles: %zu profile(s), %zu refused document(s) in '%s'", want.n_items,
		  want.n_refused, a->profile_dir);
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

static int run(const struct args *a)
{
	_cleanup_(profile_store_freep) struct profile_store *store = NULL;
	_cleanup_(http_server_freep) struct http_server *server = NULL;
	_cleanup_close_ int sfd = -EBADF, ifd = -EBADF;
	struct apparmor_loader aa;
	struct seccomp_writer sc;
	struct backend b_aa, b_sc, b_bpf;
	struct backend *backends[_PART_MAX];
	const struct profile_store_events events = {
		.applied = on_applied,
		.removed = on_removed,
	};
	struct http_route routes[STATUS_ROUTES];
	struct status_ctx sctx;
	struct caps caps;
	char aa_dir[PATH_MAX], partitions[PATH_MAX];
	uint64_t dirty_since = 0, last_event = 0, rewatch_at = 0;
	sigset_t mask;
	int r;

	r = caps_detect(a->host_root, &caps);
	if (r < 0)
		return log_error_errno(r, "caps: cannot probe the node: %m");
	log_caps(&caps);

	if (snprintf(aa_dir, sizeof(aa_dir), "%s/apparmor.d", a->state_dir) >=
		    (int)sizeof(aa_dir) ||
	    snprintf(partitions, sizeof(partitions), "%s/proc/partitions",
		     a->host_root ? a->host_root : "") >= (int)sizeof(partitions))
		return log_error_errno(-ENAMETOOLONG, "args: path too long");
	apparmor_loader_init(&aa, a->parser, aa_dir, partitions, &b_aa);
	b_aa.available = caps.apparmor;
	seccomp_writer_init(&sc, a->seccomp_dir, &b_sc);
	b_sc.available = caps.seccomp;
	backend_bpf_pending(&b_bpf);
	b_bpf.available = caps.bpf_lsm;
	backends[PART_APPARMOR] = &b_aa;
	backends[PART_SECCOMP] = &b_sc;
	backends[PART_BPF] = &b_bpf;
	r = profile_store_new(backends, &events, &store);
	if (r < 0)
		return log_oom();

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return log_error_errno(-errno, "signals: signalfd failed: %m");

	sctx = (struct status_ctx){
		.store = store,
		.caps = &caps,
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
	if (r < 0)
		return log_error_errno(r, "server: failed to start on '%s': %m", a->listen);
	log_info("server: listening on port %u (%s)", http_server_port(server),
		 a->tls_cert ? "https" : "http");

	r = mkdir_p(a->profile_dir, 0755);
	if (r < 0)
		log_warning_errno(r, "profiles: cannot create '%s': %m, ignoring", a->profile_dir);
	/* Watch before the first scan, so nothing written in between is missed. */
	r = profile_dir_watch(a->profile_dir, &ifd);
	if (r < 0) {
		log_warning_errno(r, "profiles: cannot watch '%s': %m; retrying", a->profile_dir);
		rewatch_at = mono_usec() + REWATCH_USEC;
	}
	(void)sync_dir(a, store, false);
	prune_stale_apparmor(&b_aa, store, aa_dir);
	log_info("profiles: initial scan of '%s' applied; ready", a->profile_dir);

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = ifd, .events = POLLIN },
		};
		uint64_t now = mono_usec(), due = UINT64_MAX;
		int timeout = -1;

		if (dirty_since)
			due = MIN(last_event + PROFILE_DIR_DEBOUNCE_USEC,
				  dirty_since + PROFILE_DIR_DELAY_MAX_USEC);
		if (rewatch_at)
			due = MIN(due, rewatch_at);
		if (due != UINT64_MAX)
			timeout = due > now ? (int)((due - now + 999) / 1000) : 0;
		r = poll(p, ifd >= 0 ? 2 : 1, timeout);
		if (r < 0 && errno != EINTR)
			return log_error_errno(-errno, "loop: poll failed: %m");
		now = mono_usec();

		if (r > 0 && (p[0].revents & POLLIN)) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					log_info("signals: SIGHUP, rescanning '%s'",
						 a->profile_dir);
					(void)sync_dir(a, store, true);
					dirty_since = 0;
				} else {
					log_info("signals: %s, stopping",
						 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
					return 0;
				}
			}
		}
		if (ifd >= 0 && r > 0 && (p[1].revents & POLLIN)) {
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
			(void)sync_dir(a, store, false);
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
	};
	int r;

	r = parse_args(argc, argv, &a);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	r = run(&a);
	return r < 0 ? 1 : 0;
}
