// SPDX-License-Identifier: Apache-2.0
/*
 * Test driver: the enforcer's Kubernetes path wired as enforcer/main.c would wire it
 * (enforcer/k8s-profiles.h, enforcer/k8s-reporter.h), with the real seccomp backend writing into
 * a directory and the AppArmor and BPF parts left pending. One line on stderr per event:
 *
 *   sync: N profile(s): a b c          after every sync of the store
 *   watch: error ...                    a LIST/WATCH failed and is retried
 *   report: ok | report: error ...      posts to the status service
 *   labels: ok | labels: error ...      patches of the Node
 *
 *   enforcer-k8s --kubeconfig F --node NAME --seccomp-dir DIR
 *                [--status-url URL --status-ca F --token-file F] [--host-root DIR]
 */
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>

#include "common/k8s-config.h"
#include "enforcer/backend.h"
#include "enforcer/caps.h"
#include "enforcer/k8s-profiles.h"
#include "enforcer/k8s-reporter.h"
#include "enforcer/profile-store.h"
#include "enforcer/seccomp-writer.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *what, int error, const char *message)
{
	pthread_mutex_lock(&out_lock);
	if (error)
		fprintf(stderr, "%s: error %s: %s\n", what, strerror(-error), message);
	else
		fprintf(stderr, "%s: ok\n", what);
	pthread_mutex_unlock(&out_lock);
}

static void on_watch_error(void *userdata, int error, const char *message)
{
	(void)userdata;
	say("watch", error ? error : -EIO, message);
}

static void on_result(void *userdata, const char *what, int error, const char *message)
{
	(void)userdata;
	say(what, error, message);
}

static int sync_store(struct k8s_profiles *kp, struct profile_store *store, struct buf *names)
{
	struct profile_set want = {};
	int r;

	r = k8s_profiles_snapshot(kp, &want);
	if (r < 0)
		return r;
	buf_reset(names);
	for (size_t i = 0; i < want.n_items; i++)
		if (buf_printf(names, " %s", want.items[i].profile->name) < 0)
			break;
	fprintf(stderr, "sync: %zu profile(s):%s\n", want.n_items, names->data ? names->data : "");
	return profile_store_sync(store, &want, false);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "kubeconfig", required_argument, NULL, 'K' },
		{ "node", required_argument, NULL, 'n' },
		{ "seccomp-dir", required_argument, NULL, 's' },
		{ "status-url", required_argument, NULL, 'u' },
		{ "status-ca", required_argument, NULL, 'c' },
		{ "token-file", required_argument, NULL, 't' },
		{ "host-root", required_argument, NULL, 'r' },
		{},
	};
	const char *kubeconfig = NULL, *node = NULL, *seccomp_dir = NULL, *url = NULL, *ca = NULL,
		   *token = NULL, *host_root = NULL;
	struct k8s_config *cfg = NULL;
	struct k8s_error err = {};
	struct k8s_profiles *kp = NULL;
	struct k8s_reporter *rep = NULL;
	struct profile_store *store = NULL;
	struct seccomp_writer sw;
	struct backend b_aa, b_sc, b_bpf, *backends[_PART_MAX];
	struct caps caps;
	struct buf names;
	sigset_t mask;
	int opt, sfd, r;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
		switch (opt) {
		case 'K':
			kubeconfig = optarg;
			break;
		case 'n':
			node = optarg;
			break;
		case 's':
			seccomp_dir = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'c':
			ca = optarg;
			break;
		case 't':
			token = optarg;
			break;
		case 'r':
			host_root = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!kubeconfig || !node || !seccomp_dir) {
		fprintf(stderr, "usage: enforcer-k8s --kubeconfig F --node NAME --seccomp-dir D\n");
		return 2;
	}
	if (caps_detect(host_root, &caps) < 0)
		return 1;
	if (k8s_config_from_kubeconfig(kubeconfig, NULL, &cfg, &err) < 0) {
		fprintf(stderr, "enforcer-k8s: %s\n", err.message);
		return 1;
	}
	seccomp_writer_init(&sw, seccomp_dir, &b_sc);
	b_sc.available = caps.seccomp;
	backend_bpf_pending(&b_bpf);
	b_aa = b_bpf;
	b_aa.kind = PART_APPARMOR;
	b_aa.name = "apparmor";
	backends[PART_APPARMOR] = &b_aa;
	backends[PART_SECCOMP] = &b_sc;
	backends[PART_BPF] = &b_bpf;
	if (profile_store_new(backends, NULL, &store) < 0)
		return 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		return 1;

	r = k8s_profiles_start(
		&(struct k8s_profiles_config){ .k8s = cfg, .on_error = on_watch_error }, &kp);
	if (r >= 0)
		r = k8s_reporter_start(&(struct k8s_reporter_config){ .node = node,
								      .status_url = url,
								      .status_ca_file = ca,
								      .token_file = token,
								      .k8s = cfg,
								      .store = store,
								      .caps = &caps,
								      .on_result = on_result },
				       &rep);
	if (r < 0) {
		fprintf(stderr, "enforcer-k8s: cannot start: %s\n", strerror(-r));
		return 1;
	}
	buf_init(&names, 1024 * 1024);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = k8s_profiles_fd(kp), .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN)
			break;
		if (p[1].revents & POLLIN) {
			/* Debounce a burst of events, as the directory path does. */
			poll(NULL, 0, 50);
			k8s_profiles_drain(kp);
			(void)sync_store(kp, store, &names);
			k8s_reporter_notify(rep);
		}
	}
	fprintf(stderr, "enforcer-k8s: stopping\n");
	k8s_reporter_free(rep);
	k8s_profiles_free(kp);
	profile_store_free(store);
	k8s_config_free(cfg);
	buf_free(&names);
	close(sfd);
	return 0;
}
