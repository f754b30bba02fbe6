// SPDX-License-Identifier: Apache-2.0
/* pavise-bench-loops: syscall loops, a flip probe and a bind client for make bench-enforcer. */

/*
 * Built static (with common/fileio.c) by bench/enforcer/run, put into the kernel lab's initramfs
 * (PAVISE_VM_EXTRA_BINS) and into the container image, so one binary runs on
 * the node and inside containers. Modes:
 *
 *   true                          exits 0 at once (the exec loop's target)
 *   bench SUFFIX OPEN STAT EXEC CONN BATCHES VARIANT...
 *                                 open/close, stat, fork+exec and connect loops, in
 *                                 batches interleaved across the variants: this process
 *                                 (LABEL) or workers (LABEL=DIR); see cmd_bench
 *   serve DIR                     a worker, run inside a container
 *   probe PATH OUT INTERVAL_US    forever: open(PATH) every INTERVAL_US and, on every
 *                                 change of the outcome, OUT = "<state> <monotonic ns>"
 *   flip LABEL SRC DST PROBE WANT MS  rename(SRC, DST), then wait for PROBE to report
 *                                 WANT (allowed|denied) and print the delay
 *   bind SOCK PROFILE PID NAME    binds PID's cgroup to PROFILE through the enforcer's
 *                                 bind socket (the request pavise-oci-hook sends)
 *   bind-many SOCK PROFILE DIR N  N cgroups under DIR, each holding a sleeping process,
 *                                 bound one by one; the sleepers stay behind
 *
 * Figures go to stdout as "pavise-bench: key=value ..." lines (parsed by
 * bench/enforcer/run); errors to stderr with a non-zero exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macro.h"

#define LOOPS_MAX	10000000UL /* iterations of one loop */
#define PROBE_FILE_MAX	128 /* bytes of a probe file */
#define INTERVAL_MAX_US 1000000UL
#define FLIP_MAX_MS	600000UL
#define BIND_MANY_MAX	4096UL
#define BIND_REPLY_MAX	8192U /* the enforcer's BIND_MSG_MAX */
#define BIND_TIMEOUT_MS 10000
#define CGROUP_FILE_MAX 4096U /* bytes of /proc/PID/cgroup read */
#define NAME_MAX_LEN	200U /* profile and container names sent to the enforcer */
#define CGROUP_ROOT	"/sys/fs/cgroup"

/* Prints "MESSAGE: strerror(-r)" on stderr and returns r (r: a negative errno, taken first). */
static _printf_(2, 3) int fail(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(-r));
	return r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *ret)
{
	char *end = NULL;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || !end || *end != '\0')
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

/* Names go into JSON unescaped: only [a-zA-Z0-9._-], at most NAME_MAX_LEN bytes. */
static bool name_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
		if (n >= NAME_MAX_LEN)
			return false;
	}
	return n > 0;
}

/* ------------------------------------------------------------------ loops */

/*
 * A variant is where a loop runs: in this process ("local") or in a worker
 * (serve) started inside a container, reached through two FIFOs in a
 * directory the node and the container share (the pod's /dev/shm). The
 * controller (bench) runs one batch at a time, going round the variants, so
 * the variants' batches are interleaved a fraction of a second apart and the
 * drift of an emulated, shared CPU hits them alike.
 */
#define BENCH_VARIANTS_MAX 8
#define BENCH_BATCHES_MAX  1000UL
#define WORKER_LINE_MAX	   64 /* a command or a reply */
#define WORKER_OPEN_MS	   60000 /* a worker must open its FIFOs within this */

struct loop_ctx {
	char self[PATH_MAX]; /* this program: opened, stat()ed and exec()ed */
	int listener; /* loopback listener for the connect loop, made on first use */
	struct sockaddr_in addr;
};

static int op_open(struct loop_ctx *c)
{
	int fd = open(c->self, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int op_stat(struct loop_ctx *c)
{
	struct stat st;

	if (stat(c->self, &st) < 0)
		return -errno;
	return 0;
}

static int op_exec(struct loop_ctx *c)
{
	int status = 0;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execl(c->self, c->self, "true", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	return 0;
}

static int listen_loopback(struct loop_ctx *c)
{
	socklen_t len = sizeof(c->addr);
	_cleanup_close_ int fd = -EBADF;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	c->addr = (struct sockaddr_in){ .sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(fd, (const struct sockaddr *)&c->addr, sizeof(c->addr)) < 0)
		return -errno;
	if (listen(fd, 64) < 0)
		return -errno;
	if (getsockname(fd, (struct sockaddr *)&c->addr, &len) < 0)
		return -errno;
	c->listener = TAKE_FD(fd);
	return 0;
}

static int op_connect(struct loop_ctx *c)
{
	/* RST on close: no TIME_WAIT, so ports never run out across runs. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	_cleanup_close_ int s = -EBADF, a = -EBADF;
	int r;

	if (c->listener < 0) {
		r = listen_loopback(c);
		if (r < 0)
			return r;
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (const struct sockaddr *)&c->addr, sizeof(c->addr)) < 0)
		return -errno;
	a = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		return -errno;
	(void)setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct loop_ctx *c);
} loop_ops[] = {
	{ "open", op_open },
	{ "stat", op_stat },
	{ "exec", op_exec },
	{ "connect", op_connect },
};

static int loop_ctx_init(struct loop_ctx *c)
{
	ssize_t len;

	*c = (struct loop_ctx){ .listener = -EBADF };
	len = readlink("/proc/self/exe", c->self, sizeof(c->self) - 1);
	if (len < 0)
		return -errno;
	c->self[len] = '\0';
	return 0;
}

/* Runs op n times; *ret_ns is the time it took. */
static int loop_run(struct loop_ctx *c, size_t op, unsigned long n, uint64_t *ret_ns)
{
	uint64_t t0 = now_ns();

	for (unsigned long i = 0; i < n; i++) {
		int r = loop_ops[op].fn(c);

		if (r < 0)
			return r;
	}
	*ret_ns = now_ns() - t0;
	return 0;
}

static int op_index(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(loop_ops); i++)
		if (strcmp(name, loop_ops[i].name) == 0)
			return (int)i;
	return -EINVAL;
}

static int serve_loop(struct loop_ctx *c, FILE *in, FILE *out);

/* serve DIR: a worker; "OP N" lines on DIR/cmd, "ok NS" or "err TEXT" on DIR/res. */
static int cmd_serve(char **argv)
{
	char path[PATH_MAX];
	struct loop_ctx c;
	FILE *in, *out;
	int r;

	r = loop_ctx_init(&c);
	if (r < 0)
		return fail(r, "serve: /proc/self/exe");
	/* Same order as the controller: cmd first, then res. */
	if ((size_t)snprintf(path, sizeof(path), "%s/cmd", argv[0]) >= sizeof(path))
		return fail(-ENAMETOOLONG, "serve: %s", argv[0]);
	in = fopen(path, "re");
	if (!in)
		return fail(-errno, "serve: %s", path);
	snprintf(path, sizeof(path), "%s/res", argv[0]);
	out = fopen(path, "we");
	if (!out) {
		r = fail(-errno, "serve: %s", path);
		fclose(in);
		return r;
	}
	r = serve_loop(&c, in, out);
	fclose(in);
	if (fclose(out) != 0 && r >= 0)
		r = -errno;
	return r;
}

/* Commands until "quit" or EOF. */
static int serve_loop(struct loop_ctx *c, FILE *in, FILE *out)
{
	char line[WORKER_LINE_MAX];
	int r;

	while (fgets(line, sizeof(line), in)) {
		char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
		unsigned long n = 0;
		uint64_t ns = 0;
		int op;

		if (!nl)
			return fprintf(stderr, "serve: command too long\n"), -EBADMSG;
		*nl = '\0';
		if (strcmp(line, "quit") == 0)
			return 0;
		if (!sp)
			return fprintf(stderr, "serve: bad command '%s'\n", line), -EBADMSG;
		*sp = '\0';
		op = op_index(line);
		if (op < 0 || parse_ulong(sp + 1, LOOPS_MAX, &n) < 0)
			return fprintf(stderr, "serve: bad command '%s %s'\n", line, sp + 1),
			       -EBADMSG;
		r = loop_run(c, (size_t)op, n, &ns);
		if (r < 0)
			fprintf(out, "err %s %s: %s\n", loop_ops[op].name, c->self, strerror(-r));
		else
			fprintf(out, "ok %" PRIu64 "\n", ns);
		if (fflush(out) != 0)
			return -errno;
	}
	return 0;
}

struct variant {
	const char *label;
	bool local;
	FILE *cmd, *res;
	uint64_t *samples[ELEMENTSOF(loop_ops)]; /* ns per op, one per batch */
};

static int variant_open(struct variant *v, const char *dir)
{
	char path[PATH_MAX];
	uint64_t deadline = now_ns() + WORKER_OPEN_MS * 1000000ULL;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/cmd", dir) >= sizeof(path))
		return -ENAMETOOLONG;
	/* ENXIO until the worker has opened its end: wait for it, not forever. */
	for (;;) {
		struct timespec ts = { .tv_nsec = 20000000 };

		fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENXIO || now_ns() > deadline)
			return -errno;
		nanosleep(&ts, NULL);
	}
	if (fcntl(fd, F_SETFL, 0) < 0 || !(v->cmd = fdopen(fd, "w"))) {
		int r = -errno;

		close(fd);
		return r;
	}
	snprintf(path, sizeof(path), "%s/res", dir);
	v->res = fopen(path, "re");
	if (!v->res)
		return -errno;
	return 0;
}

static int variant_run(struct variant *v, struct loop_ctx *c, size_t op, unsigned long n,
		       uint64_t *ret_ns)
{
	char line[WORKER_LINE_MAX], *end = NULL;
	unsigned long long ns;

	if (v->local)
		return loop_run(c, op, n, ret_ns);
	if (fprintf(v->cmd, "%s %lu\n", loop_ops[op].name, n) < 0 || fflush(v->cmd) != 0)
		return -EPIPE;
	if (!fgets(line, sizeof(line), v->res))
		return -EPIPE;
	if (strncmp(line, "ok ", 3) != 0) {
		fprintf(stderr, "bench: %s: %s", v->label, line);
		return -EIO;
	}
	errno = 0;
	ns = strtoull(line + 3, &end, 10);
	if (errno != 0 || end == line + 3 || *end != '\n')
		return -EBADMSG;
	*ret_ns = ns;
	return 0;
}

static void variants_close(struct variant *vs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (vs[i].cmd) {
			fputs("quit\n", vs[i].cmd);
			fclose(vs[i].cmd);
		}
		if (vs[i].res)
			fclose(vs[i].res);
		for (size_t op = 0; op < ELEMENTSOF(loop_ops); op++)
			free(vs[i].samples[op]);
	}
}

/*
 * bench SUFFIX N_OPEN N_STAT N_EXEC N_CONNECT BATCHES VARIANT...: every loop
 * of N iterations in BATCHES batches per variant, interleaved; VARIANT is
 * LABEL (in this process) or LABEL=DIR (a worker). One line per variant and
 * loop: "pavise-bench: samples label=LABEL.SUFFIX op=OP n=PER_BATCH ns=A,B,..."
 * with the ns per iteration of each batch, in order.
 */
static int cmd_bench(int argc, char **argv)
{
	struct variant vs[BENCH_VARIANTS_MAX] = {};
	unsigned long counts[ELEMENTSOF(loop_ops)], batches;
	size_t nv = (size_t)argc - 6;
	struct loop_ctx c;
	int r = 0;

	if (argc < 7 || nv > BENCH_VARIANTS_MAX)
		return fprintf(stderr, "bench: 1..%d variants\n", BENCH_VARIANTS_MAX), -EINVAL;
	if (!name_ok(argv[0]))
		return fprintf(stderr, "bench: suffix must be [a-zA-Z0-9._-]\n"), -EINVAL;
	for (size_t op = 0; op < ELEMENTSOF(loop_ops); op++)
		if (parse_ulong(argv[1 + op], LOOPS_MAX, &counts[op]) < 0)
			return fprintf(stderr, "bench: counts are 0..%lu\n", LOOPS_MAX), -EINVAL;
	if (parse_ulong(argv[5], BENCH_BATCHES_MAX, &batches) < 0 || batches == 0)
		return fprintf(stderr, "bench: batches are 1..%lu\n", BENCH_BATCHES_MAX), -EINVAL;
	r = loop_ctx_init(&c);
	if (r < 0)
		return fail(r, "bench: /proc/self/exe");

	for (size_t i = 0; i < nv && r >= 0; i++) {
		char *eq = strchr(argv[6 + i], '=');

		vs[i].label = argv[6 + i];
		vs[i].local = !eq;
		if (eq)
			*eq = '\0';
		if (!name_ok(vs[i].label)) {
			fprintf(stderr, "bench: label must be [a-zA-Z0-9._-]\n");
			r = -EINVAL;
		} else if (eq) {
			r = variant_open(&vs[i], eq + 1);
			if (r < 0)
				fprintf(stderr, "bench: worker '%s' in %s: %s\n", vs[i].label,
					eq + 1, strerror(-r));
		}
		for (size_t op = 0; op < ELEMENTSOF(loop_ops) && r >= 0; op++) {
			vs[i].samples[op] = calloc(batches, sizeof(uint64_t));
			if (!vs[i].samples[op])
				r = -ENOMEM;
		}
	}

	for (size_t op = 0; op < ELEMENTSOF(loop_ops) && r >= 0; op++) {
		unsigned long per = counts[op] / batches;
		uint64_t ns;

		if (counts[op] == 0)
			continue;
		if (per == 0)
			per = 1;
		/* An untimed warm-up batch each: caches, code paths, the listener. */
		for (size_t i = 0; i < nv && r >= 0; i++)
			r = variant_run(&vs[i], &c, op, MAX(per / 4, 1UL), &ns);
		/* Batch b starts with variant b % nv: no variant always goes first. */
		for (unsigned long b = 0; b < batches && r >= 0; b++)
			for (size_t k = 0; k < nv && r >= 0; k++) {
				struct variant *v = &vs[(b + k) % nv];

				r = variant_run(v, &c, op, per, &ns);
				v->samples[op][b] = ns / per;
			}
		for (size_t i = 0; i < nv && r >= 0; i++) {
			printf("pavise-bench: samples label=%s.%s op=%s n=%lu ns=", vs[i].label,
			       argv[0], loop_ops[op].name, per);
			for (unsigned long b = 0; b < batches; b++)
				printf("%s%" PRIu64, b ? "," : "", vs[i].samples[op][b]);
			putchar('\n');
		}
		fflush(stdout);
		if (r < 0)
			fprintf(stderr, "bench: %s loop: %s\n", loop_ops[op].name, strerror(-r));
	}
	if (c.listener >= 0)
		close(c.listener);
	variants_close(vs, nv);
	return r;
}

/* ------------------------------------------------------------------ flip probe */

static const char *probe_once(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return "allowed";
	}
	return errno == EACCES || errno == EPERM ? "denied" : "error";
}

static int cmd_probe(char **argv)
{
	unsigned long interval;
	const char *last = "";
	struct timespec ts;

	if (parse_ulong(argv[2], INTERVAL_MAX_US, &interval) < 0 || interval == 0)
		return fprintf(stderr, "probe: interval is 1..%lu us\n", INTERVAL_MAX_US), -EINVAL;
	ts = (struct timespec){ .tv_sec = interval / 1000000,
				.tv_nsec = (interval % 1000000) * 1000 };
	for (;;) {
		const char *state = probe_once(argv[0]);

		if (strcmp(state, last) != 0) {
			char line[PROBE_FILE_MAX];
			int r;

			snprintf(line, sizeof(line), "%s %" PRIu64 "\n", state, now_ns());
			r = write_file_atomic(argv[1], line, strlen(line), 0644);
			if (r < 0)
				return fail(r, "probe: %s", argv[1]);
			last = state;
		}
		nanosleep(&ts, NULL);
	}
}

/* Reads "<state> <ns>\n" from a probe file; -ENOENT before the first write. */
static int read_probe(const char *path, char *state, size_t size, uint64_t *ret_ns)
{
	_cleanup_free_ char *buf = NULL;
	char *sp, *end = NULL;
	unsigned long long ns;
	size_t slen;
	int r;

	r = read_full_file(path, PROBE_FILE_MAX, &buf, NULL);
	if (r < 0)
		return r;
	sp = strchr(buf, ' ');
	if (!sp)
		return -EBADMSG;
	slen = (size_t)(sp - buf);
	if (slen == 0 || slen >= size)
		return -EBADMSG;
	errno = 0;
	ns = strtoull(sp + 1, &end, 10);
	if (errno != 0 || end == sp + 1 || (*end != '\n' && *end != '\0'))
		return -EBADMSG;
	memcpy(state, buf, slen);
	state[slen] = '\0';
	*ret_ns = ns;
	return 0;
}

static int cmd_flip(char **argv)
{
	const char *label = argv[0], *src = argv[1], *dst = argv[2], *probe = argv[3],
		   *want = argv[4];
	unsigned long timeout_ms;
	char state[16];
	uint64_t ns, t0;
	int r;

	if (strcmp(want, "allowed") != 0 && strcmp(want, "denied") != 0)
		return fprintf(stderr, "flip: WANT is allowed or denied\n"), -EINVAL;
	if (!name_ok(label))
		return fprintf(stderr, "flip: label must be [a-zA-Z0-9._-]\n"), -EINVAL;
	if (parse_ulong(argv[5], FLIP_MAX_MS, &timeout_ms) < 0)
		return fprintf(stderr, "flip: timeout is 0..%lu ms\n", FLIP_MAX_MS), -EINVAL;
	r = read_probe(probe, state, sizeof(state), &ns);
	if (r < 0)
		return fail(r, "flip: probe file %s", probe);
	if (strcmp(state, want) == 0)
		return fprintf(stderr, "flip: the probe already reports '%s'\n", want), -EALREADY;

	t0 = now_ns();
	if (rename(src, dst) < 0)
		return fail(-errno, "flip: rename %s -> %s", src, dst);
	for (;;) {
		struct timespec ms = { .tv_nsec = 1000000 };

		if (read_probe(probe, state, sizeof(state), &ns) >= 0 && ns >= t0 &&
		    strcmp(state, want) == 0) {
			printf("pavise-bench: flip label=%s want=%s ms=%.1f\n", label, want,
			       (double)(ns - t0) / 1e6);
			return 0;
		}
		if (now_ns() - t0 > (uint64_t)timeout_ms * 1000000ULL) {
			printf("pavise-bench: flip label=%s want=%s timeout_ms=%lu last=%s\n",
			       label, want, timeout_ms, state);
			return -ETIMEDOUT;
		}
		nanosleep(&ms, NULL);
	}
}

/* ------------------------------------------------------------------ bind client */

/* The cgroup v2 id of pid: the inode of /sys/fs/cgroup/<path from "0::path">. */
static int cgroup_id_of_pid(pid_t pid, uint64_t *ret_id)
{
	_cleanup_free_ char *buf = NULL;
	char p[64], dir[PATH_MAX];
	struct stat st;
	char *line, *nl;
	int r;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	r = read_full_file(p, CGROUP_FILE_MAX, &buf, NULL);
	if (r < 0)
		return r;
	for (line = buf; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "0::/", 4) != 0)
			continue;
		if ((size_t)snprintf(dir, sizeof(dir), "%s%s", CGROUP_ROOT, line + 3) >=
		    sizeof(dir))
			return -ENAMETOOLONG;
		if (stat(dir, &st) < 0)
			return -errno;
		*ret_id = (uint64_t)st.st_ino;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* Sends all of buf (a unix stream socket: blocks until the enforcer reads it). */
static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one reply line (capped) and decides: 0 when "ok" is true, else -EPERM. */
static int read_reply(int fd, char *reply, size_t size)
{
	size_t len = 0;
	uint64_t deadline = now_ns() + (uint64_t)BIND_TIMEOUT_MS * 1000000ULL;
	const char *ok;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = now_ns();
		ssize_t n;
		int r;

		if (memchr(reply, '\n', len))
			break;
		if (len + 1 >= size)
			return -EFBIG;
		if (now >= deadline)
			return -ETIMEDOUT;
		r = poll(&pfd, 1, (int)((deadline - now) / 1000000ULL) + 1);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		n = read(fd, reply + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		reply[len] = '\0';
	}
	reply[len] = '\0';
	if (len == 0)
		return -EPROTO;
	ok = strstr(reply, "\"ok\"");
	if (!ok)
		return -EPROTO;
	ok += 4;
	while (*ok == ' ' || *ok == '\t')
		ok++;
	if (*ok++ != ':')
		return -EPROTO;
	while (*ok == ' ' || *ok == '\t')
		ok++;
	return strncmp(ok, "true", 4) == 0 ? 0 : -EPERM;
}

/* One bind request, as pavise-oci-hook sends it; on refusal the reply is left in reply. */
static int bind_one(const char *sock, const char *profile, pid_t pid, const char *name, char *reply,
		    size_t size)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[1024];
	uint64_t cgid = 0;
	_cleanup_close_ int fd = -EBADF;
	int r, len;

	reply[0] = '\0';
	r = cgroup_id_of_pid(pid, &cgid);
	if (r < 0)
		return r;
	if (strlen(sock) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	len = snprintf(req, sizeof(req),
		       "{\"op\": \"bind\", \"id\": \"%064" PRIx64
		       "\", \"pid\": %d, \"cgroupId\": \"%" PRIu64
		       "\", \"profile\": \"%s\", \"container\": \"%s\", \"podNamespace\": "
		       "\"bench\", \"podName\": \"%s\", \"podUid\": "
		       "\"00000000-0000-4000-8000-%012d\"}\n",
		       cgid, (int)pid, cgid, profile, name, name, (int)pid);
	if (len < 0 || (size_t)len >= sizeof(req))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	r = send_all(fd, req, (size_t)len);
	if (r < 0)
		return r;
	return read_reply(fd, reply, size);
}

static int cmd_bind(char **argv)
{
	unsigned long pid;
	char reply[BIND_REPLY_MAX];
	uint64_t t0 = now_ns();
	int r;

	if (!name_ok(argv[1]) || !name_ok(argv[3]))
		return fprintf(stderr, "bind: names must be [a-zA-Z0-9._-]\n"), -EINVAL;
	if (parse_ulong(argv[2], INT_MAX, &pid) < 0 || pid == 0)
		return fprintf(stderr, "bind: bad pid '%s'\n", argv[2]), -EINVAL;
	r = bind_one(argv[0], argv[1], (pid_t)pid, argv[3], reply, sizeof(reply));
	if (r < 0)
		return fprintf(stderr, "bind: pid %lu to '%s': %s%s%s", pid, argv[1], strerror(-r),
			       reply[0] ? ": " : "", reply[0] ? reply : "\n"),
		       r;
	printf("pavise-bench: bind pid=%lu profile=%s ms=%.2f\n", pid, argv[1],
	       (double)(now_ns() - t0) / 1e6);
	return 0;
}

/* A child that sleeps until killed, moved into the cgroup dir by its parent. */
static int spawn_sleeper(const char *cgdir, pid_t *ret_pid)
{
	char procs[PATH_MAX], num[32];
	_cleanup_close_ int fd = -EBADF;
	pid_t pid;
	int len, r = 0;

	if ((size_t)snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgdir) >= sizeof(procs))
		return -ENAMETOOLONG;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		/* Hold no end of the step's output: the sleeper outlives it. */
		for (int i = STDIN_FILENO; null >= 0 && i <= STDERR_FILENO; i++)
			(void)dup2(null, i);
		for (;;)
			pause();
	}
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	len = snprintf(num, sizeof(num), "%d\n", (int)pid);
	if (fd < 0)
		r = -errno;
	else if (write(fd, num, (size_t)len) != len)
		r = errno ? -errno : -EIO;
	if (r < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return r;
	}
	*ret_pid = pid;
	return 0;
}

static int cmd_bind_many(char **argv)
{
	const char *sock = argv[0], *profile = argv[1], *dir = argv[2];
	unsigned long n, bound = 0, failed = 0;
	uint64_t t0, worst = 0;
	char reply[BIND_REPLY_MAX];
	char first_err[BIND_REPLY_MAX + 64] = "";

	if (!name_ok(profile))
		return fprintf(stderr, "bind-many: profile must be [a-zA-Z0-9._-]\n"), -EINVAL;
	if (parse_ulong(argv[3], BIND_MANY_MAX, &n) < 0 || n == 0)
		return fprintf(stderr, "bind-many: N is 1..%lu\n", BIND_MANY_MAX), -EINVAL;
	if (strncmp(dir, CGROUP_ROOT "/", strlen(CGROUP_ROOT) + 1) != 0)
		return fprintf(stderr, "bind-many: DIR must be under %s\n", CGROUP_ROOT), -EINVAL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fail(-errno, "bind-many: mkdir %s", dir);

	t0 = now_ns();
	for (unsigned long i = 0; i < n; i++) {
		char cg[PATH_MAX], name[32];
		uint64_t t1;
		pid_t pid = 0;
		int r;

		snprintf(name, sizeof(name), "bench-%04lu", i);
		if ((size_t)snprintf(cg, sizeof(cg), "%s/%s", dir, name) >= sizeof(cg))
			return -ENAMETOOLONG;
		if (mkdir(cg, 0755) < 0 && errno != EEXIST)
			return fail(-errno, "bind-many: mkdir %s", cg);
		r = spawn_sleeper(cg, &pid);
		if (r < 0)
			return fail(r, "bind-many: sleeper in %s", cg);
		t1 = now_ns();
		r = bind_one(sock, profile, pid, name, reply, sizeof(reply));
		t1 = now_ns() - t1;
		worst = MAX(worst, t1);
		if (r < 0) {
			failed++;
			if (!first_err[0])
				snprintf(first_err, sizeof(first_err), "%s: %s %s", name,
					 strerror(-r), reply);
		} else {
			bound++;
		}
	}
	printf("pavise-bench: bind-many n=%lu bound=%lu failed=%lu ms_total=%.1f ms_worst=%.2f\n",
	       n, bound, failed, (double)(now_ns() - t0) / 1e6, (double)worst / 1e6);
	if (first_err[0]) {
		char *nl = strchr(first_err, '\n');

		if (nl)
			*nl = '\0';
		printf("pavise-bench: bind-refused %s\n", first_err);
	}
	return 0;
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fputs("usage: pavise-bench-loops true\n"
	      "       pavise-bench-loops bench SUFFIX N_OPEN N_STAT N_EXEC N_CONNECT BATCHES\n"
	      "                          LABEL[=WORKER_DIR]...\n"
	      "       pavise-bench-loops serve WORKER_DIR\n"
	      "       pavise-bench-loops probe PATH OUTFILE INTERVAL_US\n"
	      "       pavise-bench-loops flip LABEL SRC DST PROBEFILE allowed|denied TIMEOUT_MS\n"
	      "       pavise-bench-loops bind SOCKET PROFILE PID NAME\n"
	      "       pavise-bench-loops bind-many SOCKET PROFILE CGROUP_DIR N\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int nargs;
		int (*fn)(char **argv);
	} cmds[] = {
		{ "serve", 1, cmd_serve },	   { "probe", 3, cmd_probe },
		{ "flip", 6, cmd_flip },	   { "bind", 4, cmd_bind },
		{ "bind-many", 4, cmd_bind_many },
	};

	if (argc == 2 && strcmp(argv[1], "true") == 0)
		_exit(0);
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc - 2, argv + 2) < 0 ? 1 : 0;
	for (size_t i = 0; argc >= 2 && i < ELEMENTSOF(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name) != 0)
			continue;
		if (argc - 2 != cmds[i].nargs) {
			usage(stderr);
			return 2;
		}
		return cmds[i].fn(argv + 2) < 0 ? 1 : 0;
	}
	usage(stderr);
	return 2;
}
