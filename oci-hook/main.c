// SPDX-License-Identifier: Apache-2.0
/* pavise-oci-hook: binds a container to its BPF profile before its first instruction (runtime hook). */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "enforcer/bind-protocol.h"
#include "enforcer/oci.h"

#define HOOK_TIMEOUT_MAX_MS \
	600000U /* runc's own hook timeout is the real bound; this is a sanity cap */
#define EXIT_USAGE 2

static const char usage[] =
	"Usage: pavise-oci-hook [OPTIONS] createRuntime|prestart\n"
	"\n"
	"An OCI runtime hook: reads the container's state on stdin and, when the\n"
	"container carries container.bpf.security.beta.varmor.org/<name> =\n"
	"localhost/<profile>, has pavise-enforcer bind it to that BPF profile before\n"
	"its process runs. Containers without the annotation pass at once.\n"
	"\n"
	"  --socket PATH      the enforcer's bind socket (default " BIND_SOCKET_PATH ")\n"
	"  --timeout-ms N     wait at most N ms for the enforcer (default 10000)\n"
	"  --fail-open        let the container start when the enforcer cannot bind it\n"
	"                     (an invalid profile annotation is still refused)\n"
	"  --version          print the version\n"
	"  --help             this text\n"
	"\n"
	"Exit status: 0 bound or nothing to do; 1 refused (the runtime does not start\n"
	"the container); 2 usage error.\n";

enum {
	ARG_SOCKET = 0x100,
	ARG_TIMEOUT,
	ARG_FAIL_OPEN,
	ARG_VERSION,
	ARG_HELP,
};

static const struct option options[] = {
	{ "socket", required_argument, NULL, ARG_SOCKET },
	{ "timeout-ms", required_argument, NULL, ARG_TIMEOUT },
	{ "fail-open", no_argument, NULL, ARG_FAIL_OPEN },
	{ "version", no_argument, NULL, ARG_VERSION },
	{ "help", no_argument, NULL, ARG_HELP },
	{},
};

struct hook_args {
	const char *socket;
	unsigned timeout_ms;
	bool fail_open;
	const char *verb;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int parse_timeout(const char *s, unsigned *ret)
{
	unsigned long v;
	char *end;

	if (!s || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > HOOK_TIMEOUT_MAX_MS)
		return -EINVAL;
	*ret = (unsigned)v;
	return 0;
}

/* 0 to go on, 1 to exit 0 at once (--help, --version), or -EINVAL after a message. */
static int parse_args(int argc, char **argv, struct hook_args *a)
{
	int c;

	*a = (struct hook_args){ .socket = BIND_SOCKET_PATH,
				 .timeout_ms = BIND_DEFAULT_TIMEOUT_MS };
	/* The leading '-' keeps arguments in order whatever POSIXLY_CORRECT says. */
	while ((c = getopt_long(argc, argv, "-", options, NULL)) >= 0) {
		switch (c) {
		case 1:
			if (a->verb)
				return log_error_errno(
					-EINVAL, "oci-hook: unexpected argument '%s'", optarg);
			a->verb = optarg;
			break;
		case ARG_SOCKET:
			if (optarg[0] != '/')
				return log_error_errno(-EINVAL,
						       "oci-hook: --socket: not an absolute path");
			a->socket = optarg;
			break;
		case ARG_TIMEOUT:
			if (parse_timeout(optarg, &a->timeout_ms) < 0)
				return log_error_errno(-EINVAL,
						       "oci-hook: --timeout-ms: not a number of "
						       "milliseconds in 1-%u",
						       HOOK_TIMEOUT_MAX_MS);
			break;
		case ARG_FAIL_OPEN:
			a->fail_open = true;
			break;
		case ARG_VERSION:
			printf("pavise-oci-hook %s\n", PAVISE_VERSION);
			return 1;
		case ARG_HELP:
			fputs(usage, stdout);
			return 1;
		default:
			return log_error_errno(-EINVAL,
					       "oci-hook: bad option (see pavise-oci-hook --help)");
		}
	}
	if (!a->verb)
		return log_error_errno(-EINVAL,
				       "oci-hook: no hook name (createRuntime or prestart) given");
	if (strcmp(a->verb, "createRuntime") != 0 && strcmp(a->verb, "prestart") != 0)
		return log_error_errno(-EINVAL,
				       "oci-hook: '%s' is not a hook this program serves "
				       "(createRuntime, prestart)",
				       a->verb);
	return 0;
}

/* The state on stdin, at most OCI_STATE_MAX bytes, by the deadline. */
static int read_state(char *buf, size_t *ret_len, uint64_t deadline)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t k;
		int n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;
		k = read(STDIN_FILENO, buf + len, OCI_STATE_MAX + 1 - len);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		len += (size_t)k;
		if (len > OCI_STATE_MAX)
			return -EFBIG;
	}
	*ret_len = len;
	return 0;
}

/* The end of every failure: refuse the container, or let it start under --fail-open. */
static int refuse(const struct hook_args *a, bool always)
{
	if (a->fail_open && !always) {
		log_warning("oci-hook: --fail-open: letting the container start without its BPF "
			    "profile");
		return EXIT_SUCCESS;
	}
	return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	static char state[OCI_STATE_MAX + 1];
	_cleanup_free_ char *msg = NULL;
	struct oci_container c;
	struct hook_args a;
	uint64_t deadline, cgroup_id, now;
	size_t len = 0;
	int r;

	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_USAGE;
	deadline = now_ms() + a.timeout_ms;

	r = read_state(state, &len, deadline);
	if (r == -EFBIG) {
		log_error("oci-hook: the state on stdin is over %u bytes", OCI_STATE_MAX);
		return refuse(&a, false);
	}
	if (r < 0) {
		log_error_errno(r, "oci-hook: reading the state on stdin: %m");
		return refuse(&a, false);
	}

	r = oci_container_from_state(state, len, &c, &msg);
	if (r < 0) {
		log_error_errno(r, "oci-hook: %s", msg ? msg : strerror(-r));
		/* A profile annotation that names no valid profile is refused even fail-open. */
		return refuse(&a, r == -ENOENT);
	}
	/* Nothing to bind: never slowed, never blocked, nothing contacted. */
	if (!c.bpf_profile[0])
		return EXIT_SUCCESS;

	if (c.pid < 1) {
		log_error("oci-hook: container '%s': the state has no pid to bind", c.id);
		return refuse(&a, false);
	}
	r = oci_cgroup_id_of_pid(NULL, c.pid, &cgroup_id);
	if (r == -EOPNOTSUPP) {
		log_error("oci-hook: container '%s': no cgroup v2 hierarchy at /sys/fs/cgroup, "
			  "cannot bind",
			  c.id);
		return refuse(&a, false);
	}
	if (r < 0) {
		log_error_errno(r, "oci-hook: container '%s': cgroup v2 id of pid %d: %m", c.id,
				c.pid);
		return refuse(&a, false);
	}

	now = now_ms();
	r = bind_client_request(a.socket, &c, cgroup_id,
				now < deadline ? (unsigned)(deadline - now) : 0, &msg);
	if (r < 0) {
		log_error_errno(r, "oci-hook: container '%s': not bound to BPF profile '%s': %s",
				c.id, c.bpf_profile, msg ? msg : strerror(-r));
		return refuse(&a, false);
	}
	log_debug("oci-hook: container '%s' bound to BPF profile '%s' (cgroup %" PRIu64 ")", c.id,
		  c.bpf_profile, cgroup_id);
	return EXIT_SUCCESS;
}
