// SPDX-License-Identifier: Apache-2.0
/* The hook's side of the bind socket: one request line out, one answer line back, within a deadline. */
#include <assert.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "enforcer/bind-protocol.h"

#define BIND_ERROR_SHOW_MAX 512U /* bytes of the enforcer's reason repeated to the runtime */
#define BIND_WHY_MAX	    (BIND_ERROR_SHOW_MAX + 128)

/* Writes why a request failed into why (one line) and returns r. */
static int failed(char *why, int r, const char *fmt, ...) _printf_(3, 4);
static int failed(char *why, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(why, BIND_WHY_MAX, fmt, ap);
	va_end(ap);
	return r;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Waits for events on fd until the deadline: 0 when ready, -ETIMEDOUT, or -errno. */
static int wait_for(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = now_ms();
		int k;

		if (now >= deadline)
			return -ETIMEDOUT;
		k = poll(&p, 1, (int)MIN(deadline - now, (uint64_t)INT32_MAX));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k > 0)
			return 0;
	}
}

static int connect_until(int fd, const struct sockaddr_un *sa, uint64_t deadline)
{
	for (;;) {
		struct timespec pause = { .tv_nsec = 2 * 1000 * 1000 };

		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		/* A unix socket whose backlog is full: try again until the deadline. */
		if (errno != EAGAIN)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		(void)nanosleep(&pause, NULL);
	}
}

static int send_all(int fd, const char *p, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t k = send(fd, p, len, MSG_NOSIGNAL);
		int r;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			r = wait_for(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		}
		if (k < 0)
			return -errno;
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

/* Reads up to the first '\n' (not included) into buf; -EMSGSIZE past BIND_MSG_MAX, -EPIPE at EOF. */
static int recv_line(int fd, char *buf, size_t *ret_len, uint64_t deadline)
{
	size_t len = 0;

	for (;;) {
		ssize_t k = recv(fd, buf + len, BIND_MSG_MAX - len, 0);
		char *nl;
		int r;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			r = wait_for(fd, POLLIN, deadline);
			if (r < 0)
				return r;
			continue;
		}
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EPIPE;
		nl = memchr(buf + len, '\n', (size_t)k);
		if (nl) {
			*ret_len = (size_t)(nl - buf);
			return 0;
		}
		len += (size_t)k;
		if (len >= BIND_MSG_MAX)
			return -EMSGSIZE;
	}
}

/* The enforcer's reason as one printable line of at most BIND_ERROR_SHOW_MAX bytes. */
static void flatten_reason(const char *s, char *out, size_t size)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < size; i++)
		out[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
	out[i] = '\0';
}

static int parse_answer(const char *line, size_t len, const struct oci_container *c,
			uint64_t cgroup_id, char *why)
{
	char reason[BIND_ERROR_SHOW_MAX + 1], want[24];
	const char *profile, *cgid, *err;
	json_auto_t *a = NULL;
	json_error_t jerr;
	json_t *ok;

	a = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!a) {
		flatten_reason(jerr.text, reason, sizeof(reason));
		return failed(why, -EPROTO, "enforcer's answer is not JSON: %s", reason);
	}
	if (!json_is_object(a))
		return failed(why, -EPROTO, "enforcer's answer is not a JSON object");
	ok = json_object_get(a, "ok");
	if (!json_is_boolean(ok))
		return failed(why, -EPROTO, "enforcer's answer: 'ok' missing or not a boolean");
	if (json_is_false(ok)) {
		err = json_string_value(json_object_get(a, "error"));
		if (!err)
			return failed(why, -EPROTO,
				      "enforcer's answer: refusal without an 'error' string");
		flatten_reason(err, reason, sizeof(reason));
		return failed(why, -EPERM, "enforcer refused: %s", reason);
	}

	profile = json_string_value(json_object_get(a, "profile"));
	if (!profile || strcmp(profile, c->bpf_profile) != 0)
		return failed(why, -EPROTO,
			      "enforcer's answer: 'profile' missing or not the profile asked for");
	cgid = json_string_value(json_object_get(a, "cgroupId"));
	snprintf(want, sizeof(want), "%" PRIu64, cgroup_id);
	if (!cgid || strcmp(cgid, want) != 0)
		return failed(why, -EPROTO,
			      "enforcer's answer: 'cgroupId' missing or not the cgroup asked for");
	return 0;
}

static int request(const char *socket_path, const struct oci_container *c, uint64_t cgroup_id,
		   unsigned timeout_ms, char *why)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = now_ms() + timeout_ms;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *line = NULL;
	json_auto_t *req = NULL;
	char cgid[24], answer[BIND_MSG_MAX];
	size_t len;
	int r;

	if (!socket_path || !socket_path[0])
		return failed(why, -EINVAL, "no bind socket path");
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return failed(why, -ENAMETOOLONG, "bind socket path too long");
	if (!c->bpf_profile[0] || c->pid < 1 || cgroup_id == 0)
		return failed(why, -EINVAL, "nothing to bind: no profile, pid or cgroup id");
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);

	snprintf(cgid, sizeof(cgid), "%" PRIu64, cgroup_id);
	req = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "op", "bind", "id", c->id,
			"pid", c->pid, "cgroupId", cgid, "profile", c->bpf_profile, "container",
			c->info.container_name, "podNamespace", c->info.pod_namespace, "podName",
			c->info.pod_name, "podUid", c->info.pod_uid);
	if (!req)
		return failed(why, -ENOMEM, "cannot build the bind request");
	line = json_dumps(req, JSON_COMPACT);
	if (!line)
		return failed(why, -ENOMEM, "cannot build the bind request");
	len = strlen(line);
	if (len + 1 > BIND_MSG_MAX)
		return failed(why, -EMSGSIZE, "bind request over %u bytes", BIND_MSG_MAX);
	line[len] = '\n'; /* json_dumps left room: the NUL becomes the newline */

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return failed(why, -errno, "socket: %m");
	r = connect_until(fd, &sa, deadline);
	if (r < 0)
		return failed(why, r, "connect to '%s': %s", socket_path, strerror(-r));
	r = send_all(fd, line, len + 1, deadline);
	if (r < 0)
		return failed(why, r, "sending to '%s': %s", socket_path, strerror(-r));
	r = recv_line(fd, answer, &len, deadline);
	if (r == -EPIPE)
		return failed(why, -EPROTO, "enforcer closed the connection without an answer");
	if (r == -EMSGSIZE)
		return failed(why, -EPROTO, "enforcer's answer has no newline within %u bytes",
			      BIND_MSG_MAX);
	if (r == -ETIMEDOUT)
		return failed(why, r, "no answer from the enforcer within %u ms", timeout_ms);
	if (r < 0)
		return failed(why, r, "reading from '%s': %s", socket_path, strerror(-r));
	return parse_answer(answer, len, c, cgroup_id, why);
}

int bind_client_request(const char *socket_path, const struct oci_container *c, uint64_t cgroup_id,
			unsigned timeout_ms, char **reterr_msg)
{
	char why[BIND_WHY_MAX] = "";
	int r;

	assert(c);
	r = request(socket_path, c, cgroup_id, timeout_ms, why);
	if (r < 0 && reterr_msg)
		*reterr_msg = strdup(why[0] ? why : strerror(-r));
	return r;
}
