// SPDX-License-Identifier: Apache-2.0
/* The enforcer's side of the bind socket (bind-protocol.h): non-blocking, served by the main loop. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "common/fileio.h"
#include "enforcer/bind-server.h"

struct conn {
	int fd; /* -EBADF: free slot */
	uint64_t deadline_usec;
	char in[BIND_MSG_MAX + 1];
	size_t in_len;
	char *out; /* the response while it is being written */
	size_t out_len, out_done;
};

struct bind_server {
	struct bind_server_config cfg;
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	int fd;
	struct conn conns[BIND_CONN_MAX];
	uint64_t ok, failed, timeouts, n_conns; /* atomics: read by metrics threads */
};

static int fail(char **reterr_msg, const char *fmt, ...) _printf_(2, 3);
static int fail(char **reterr_msg, const char *fmt, ...)
{
	char text[BIND_ERROR_MAX];
	va_list ap;

	/* capped here: the answer must fit BIND_MSG_MAX whatever the input held */
	va_start(ap, fmt);
	(void)vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	free(*reterr_msg);
	*reterr_msg = strdup(text);
	return *reterr_msg ? -EINVAL : -ENOMEM;
}

/* An optional string field copied into buf (size bytes with the NUL). */
static int get_str(const json_t *req, const char *key, char *buf, size_t size, char **reterr_msg)
{
	const json_t *v = json_object_get(req, key);
	size_t len;
	const char *s;

	buf[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(reterr_msg, "%s: not a string", key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len >= size)
		return fail(reterr_msg, "%s: %zu bytes, at most %zu", key, len, size - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(reterr_msg, "%s: holds a control character", key);
	memcpy(buf, s, len + 1);
	return 0;
}

int bind_request_parse(const char *line, size_t len, struct bind_request *ret, char **reterr_msg)
{
	struct bind_request q = {};
	json_auto_t *req = NULL;
	const json_t *v;
	json_error_t err;
	char op[16], cg[32];
	int r;

	if (len > BIND_MSG_MAX)
		return fail(reterr_msg, "request: more than %u bytes", BIND_MSG_MAX);
	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (!req)
		return fail(reterr_msg, "request: not JSON: %s", err.text);
	if (!json_is_object(req))
		return fail(reterr_msg, "request: not a JSON object");
	r = get_str(req, "op", op, sizeof(op), reterr_msg);
	if (r < 0)
		return r;
	if (strcmp(op, "bind") != 0)
		return fail(reterr_msg, "op: '%s' is not 'bind'", op);
	if ((r = get_str(req, "profile", q.profile, sizeof(q.profile), reterr_msg)) < 0 ||
	    (r = get_str(req, "id", q.id, sizeof(q.id), reterr_msg)) < 0 ||
	    (r = get_str(req, "container", q.info.container_name, sizeof(q.info.container_name),
			 reterr_msg)) < 0 ||
	    (r = get_str(req, "podNamespace", q.info.pod_namespace, sizeof(q.info.pod_namespace),
			 reterr_msg)) < 0 ||
	    (r = get_str(req, "podName", q.info.pod_name, sizeof(q.info.pod_name), reterr_msg)) <
		    0 ||
	    (r = get_str(req, "podUid", q.info.pod_uid, sizeof(q.info.pod_uid), reterr_msg)) < 0 ||
	    (r = get_str(req, "cgroupId", cg, sizeof(cg), reterr_msg)) < 0)
		return r;
	if (!q.profile[0])
		return fail(reterr_msg, "profile: missing");
	if (!profile_name_is_valid(q.profile))
		return fail(reterr_msg, "profile: '%s' is not a valid profile name", q.profile);
	memcpy(q.info.container_id, q.id, sizeof(q.id));

	v = json_object_get(req, "pid");
	if (v && !json_is_null(v)) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > INT_MAX)
			return fail(reterr_msg, "pid: not a process id");
		q.pid = (int)json_integer_value(v);
	}
	if (cg[0]) {
		unsigned long long x = 0;

		for (const char *c = cg; *c; c++) {
			if (*c < '0' || *c > '9' || x > (ULLONG_MAX - (unsigned)(*c - '0')) / 10)
				return fail(reterr_msg, "cgroupId: '%s' is not a 64-bit decimal",
					    cg);
			x = x * 10 + (unsigned)(*c - '0');
		}
		if (x == 0)
			return fail(reterr_msg, "cgroupId: 0 is no cgroup");
		q.has_cgroup_id = true;
		q.cgroup_id = x;
	}
	if (!q.pid && !q.has_cgroup_id)
		return fail(reterr_msg, "request: give pid or cgroupId");
	*ret = q;
	return 0;
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

static void conn_close(struct bind_server *s, struct conn *c)
{
	if (c->fd < 0)
		return;
	c->fd = safe_close(c->fd);
	free(c->out);
	c->out = NULL;
	c->in_len = c->out_len = c->out_done = 0;
	__atomic_sub_fetch(&s->n_conns, 1, __ATOMIC_RELAXED);
}

/* Connects to path: true when something answers there (a live enforcer). */
static bool someone_listens(const struct sockaddr_un *sa)
{
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return false;
	return connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
}

static int make_dir_of(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	return mkdir_p(dir, 0700);
}

int bind_server_new(const struct bind_server_config *cfg, struct bind_server **ret)
{
	_cleanup_free_ struct bind_server *s = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = cfg->path ? cfg->path : BIND_SOCKET_PATH;
	struct stat st;
	int r;

	if (!path[0] || strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	if (!s->cfg.timeout_ms)
		s->cfg.timeout_ms = BIND_CONN_TIMEOUT_MS;
	memcpy(s->path, sa.sun_path, sizeof(s->path));
	for (size_t i = 0; i < BIND_CONN_MAX; i++)
		s->conns[i].fd = -EBADF;

	r = make_dir_of(path);
	if (r < 0)
		return r;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (someone_listens(&sa))
			return -EADDRINUSE;
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	if (chmod(path, 0600) < 0 || listen(fd, 64) < 0) {
		r = -errno;
		(void)unlink(path);
		return r;
	}
	s->fd = TAKE_FD(fd);
	*ret = TAKE_PTR(s);
	return 0;
}

void bind_server_set_kernel(struct bind_server *s, void *kernel, const char *unavailable_msg)
{
	s->cfg.kernel = kernel;
	s->cfg.unavailable_msg = unavailable_msg;
}

struct bind_server *bind_server_free(struct bind_server *s)
{
	if (!s)
		return NULL;
	for (size_t i = 0; i < BIND_CONN_MAX; i++)
		conn_close(s, &s->conns[i]);
	safe_close(s->fd);
	(void)unlink(s->path);
	free(s);
	return NULL;
}

size_t bind_server_pollfds(struct bind_server *s, struct pollfd *p, size_t max)
{
	size_t n = 0;

	if (max == 0)
		return 0;
	/* a full table leaves new clients in the backlog until a slot frees */
	p[n++] = (struct pollfd){
		.fd = __atomic_load_n(&s->n_conns, __ATOMIC_RELAXED) < BIND_CONN_MAX ? s->fd : -1,
		.events = POLLIN
	};
	for (size_t i = 0; i < BIND_CONN_MAX && n < max; i++)
		if (s->conns[i].fd >= 0)
			p[n++] = (struct pollfd){ .fd = s->conns[i].fd,
						  .events = s->conns[i].out ? POLLOUT : POLLIN };
	return n;
}

int bind_server_timeout_ms(struct bind_server *s, uint64_t now_usec)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < BIND_CONN_MAX; i++)
		if (s->conns[i].fd >= 0)
			due = MIN(due, s->conns[i].deadline_usec);
	if (due == UINT64_MAX)
		return -1;
	if (due <= now_usec)
		return 0;
	return (int)MIN((due - now_usec + 999) / 1000, (uint64_t)INT_MAX);
}

/* Decides one request; *ret_msg (caller frees) on refusal. */
static int handle(struct bind_server *s, const struct bind_request *q, uint64_t *ret_cgroup_id,
		  char **ret_msg)
{
	char state_msg[PROFILE_MESSAGE_MAX];
	enum apply_state st;
	uint64_t cgid = q->cgroup_id;
	int r;

	if (!s->cfg.kernel) {
		(void)fail(ret_msg, "the BPF LSM is not available on this node%s%s",
			   s->cfg.unavailable_msg ? ": " : "", strempty(s->cfg.unavailable_msg));
		return -EOPNOTSUPP;
	}
	r = profile_store_get(s->cfg.store, q->profile, PART_BPF, &st, state_msg,
			      sizeof(state_msg));
	if (r < 0) {
		(void)fail(ret_msg, "profile '%s' is not known on this node", q->profile);
		return -ENOENT;
	}
	if (st == APPLY_NONE) {
		(void)fail(ret_msg, "profile '%s' has no BPF part", q->profile);
		return -ENOENT;
	}
	if (st != APPLY_APPLIED) {
		(void)fail(ret_msg, "profile '%s': its BPF part is %s: %s", q->profile,
			   apply_state_to_string(st), state_msg);
		return -EAGAIN;
	}
	if (q->pid) {
		r = s->cfg.ops->cgroup_id_of_pid(s->cfg.host_root, q->pid, &cgid);
		if (r < 0) {
			(void)fail(ret_msg, "cannot find the cgroup of pid %d: %s", q->pid,
				   strerror(-r));
			return r;
		}
		if (q->has_cgroup_id && q->cgroup_id != cgid) {
			(void)fail(ret_msg, "cgroupId %llu is not the cgroup of pid %d (%llu)",
				   (unsigned long long)q->cgroup_id, q->pid,
				   (unsigned long long)cgid);
			return -EINVAL;
		}
	}
	r = s->cfg.ops->bind(s->cfg.kernel, cgid, q->profile, &q->info);
	if (r == -ENOSPC) {
		(void)fail(ret_msg, "every binding of this node is in use (%d)",
			   PAVISE_MAX_CONTAINERS);
		return r;
	}
	if (r < 0) {
		(void)fail(ret_msg, "binding cgroup %llu to '%s' failed: %s",
			   (unsigned long long)cgid, q->profile, strerror(-r));
		return r;
	}
	*ret_cgroup_id = cgid;
	return 0;
}

/* Builds the answer to the request in c->in and queues it. */
static void answer(struct bind_server *s, struct conn *c)
{
	struct bind_request q = {};
	_cleanup_free_ char *msg = NULL;
	json_auto_t *resp = NULL;
	uint64_t cgid = 0;
	char num[32];
	int r;

	r = bind_request_parse(c->in, c->in_len, &q, &msg);
	if (r >= 0)
		r = handle(s, &q, &cgid, &msg);
	if (r >= 0) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)cgid);
		resp = json_pack("{s:b, s:s, s:s}", "ok", true, "profile", q.profile, "cgroupId",
				 num);
		__atomic_add_fetch(&s->ok, 1, __ATOMIC_RELAXED);
	} else {
		char err[BIND_ERROR_MAX];

		snprintf(err, sizeof(err), "%s", msg ? msg : strerror(-r));
		resp = json_pack("{s:b, s:s}", "ok", false, "error", err);
		__atomic_add_fetch(&s->failed, 1, __ATOMIC_RELAXED);
	}
	if (s->cfg.on_request)
		s->cfg.on_request(s->cfg.userdata, &q, cgid, r < 0 ? r : 0, msg);
	c->out = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
	if (!c->out) {
		conn_close(s, c);
		return;
	}
	c->out_len = strlen(c->out);
	c->out[c->out_len++] = '\n'; /* json_dumps left room: it replaced the NUL */
}

static void conn_write(struct bind_server *s, struct conn *c)
{
	while (c->out_done < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_done, c->out_len - c->out_done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
			break;
		c->out_done += (size_t)n;
	}
	conn_close(s, c);
}

static void conn_read(struct bind_server *s, struct conn *c)
{
	for (;;) {
		ssize_t n;
		char *nl;

		if (c->in_len >= BIND_MSG_MAX) {
			/* no newline within the cap: refuse without reading the rest */
			c->in_len = BIND_MSG_MAX + 1;
			answer(s, c);
			break;
		}
		n = recv(c->fd, c->in + c->in_len, BIND_MSG_MAX - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			conn_close(s, c);
			return;
		}
		if (n == 0) {
			/* the client shut its side: what came is the request */
			if (c->in_len == 0) {
				conn_close(s, c);
				return;
			}
			answer(s, c);
			break;
		}
		nl = memchr(c->in + c->in_len, '\n', (size_t)n);
		c->in_len += (size_t)n;
		if (nl) {
			c->in_len = (size_t)(nl - c->in);
			answer(s, c);
			break;
		}
	}
	if (c->fd >= 0 && c->out)
		conn_write(s, c);
}

static void accept_all(struct bind_server *s, uint64_t now_usec)
{
	for (;;) {
		struct conn *c = NULL;
		int fd;

		for (size_t i = 0; i < BIND_CONN_MAX && !c; i++)
			if (s->conns[i].fd < 0)
				c = &s->conns[i];
		if (!c)
			return;
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a client that went away: nothing to do */
		*c = (struct conn){ .fd = fd,
				    .deadline_usec = now_usec + s->cfg.timeout_ms * 1000ULL };
		__atomic_add_fetch(&s->n_conns, 1, __ATOMIC_RELAXED);
		/* most clients have written already: answer without another poll round */
		conn_read(s, c);
	}
}

void bind_server_dispatch(struct bind_server *s, const struct pollfd *p, size_t n,
			  uint64_t now_usec)
{
	for (size_t i = 0; i < n; i++) {
		struct conn *c = NULL;

		if (!p[i].revents || p[i].fd < 0)
			continue;
		if (p[i].fd == s->fd) {
			accept_all(s, now_usec);
			continue;
		}
		for (size_t j = 0; j < BIND_CONN_MAX && !c; j++)
			if (s->conns[j].fd == p[i].fd)
				c = &s->conns[j];
		if (!c)
			continue;
		if (c->out)
			conn_write(s, c);
		else
			conn_read(s, c);
	}
	for (size_t i = 0; i < BIND_CONN_MAX; i++) {
		struct conn *c = &s->conns[i];

		if (c->fd >= 0 && now_usec >= c->deadline_usec) {
			if (!c->out)
				__atomic_add_fetch(&s->timeouts, 1, __ATOMIC_RELAXED);
			conn_close(s, c);
		}
	}
}

void bind_server_serve(struct bind_server *s, int timeout_ms)
{
	struct pollfd p[BIND_POLLFDS];
	size_t n = bind_server_pollfds(s, p, ELEMENTSOF(p));
	int t = bind_server_timeout_ms(s, mono_usec());

	if (t < 0 || t > timeout_ms)
		t = timeout_ms;
	if (poll(p, n, t) < 0)
		n = 0;
	bind_server_dispatch(s, p, n, mono_usec());
}

void bind_server_counts(struct bind_server *s, struct bind_server_counts *ret)
{
	*ret = (struct bind_server_counts){
		.ok = __atomic_load_n(&s->ok, __ATOMIC_RELAXED),
		.failed = __atomic_load_n(&s->failed, __ATOMIC_RELAXED),
		.timeouts = __atomic_load_n(&s->timeouts, __ATOMIC_RELAXED),
		.connections = __atomic_load_n(&s->n_conns, __ATOMIC_RELAXED),
	};
}
