// SPDX-License-Identifier: Apache-2.0
/* AppArmor backend: writes profiles under the state dir and runs apparmor_parser (no shell). */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "enforcer/apparmor-loader.h"
#include "rules/apparmor.h"

extern char **environ;

static const double parser_bounds[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

/* The one place apparmor_parser's way of failing becomes an errno. */
static int parser_status_to_errno(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status) == 0 ? 0 : -EINVAL;
	return -EIO;
}

int apparmor_loader_run(char *const argv[], char **ret_stderr, int *ret_status)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	_cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
	int pipefd[2], status = 0, r;
	uint64_t deadline = mono_usec() + APPARMOR_PARSER_TIMEOUT_SEC * 1000000ULL;
	bool timed_out = false;
	struct buf err;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	rfd = pipefd[0];
	wfd = pipefd[1];
	r = posix_spawn_file_actions_init(&fa);
	if (r != 0)
		return -r;
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, wfd, 2);
	/* the caller blocks and ignores signals; the parser gets a clean slate */
	sigemptyset(&none);
	sigfillset(&dfl);
	if (r == 0)
		r = posix_spawnattr_init(&attr);
	if (r != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &dfl);
	if (r == 0)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (r == 0)
		r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	wfd = safe_close(wfd);

	buf_init(&err, APPARMOR_PARSER_STDERR_MAX);
	for (;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		uint64_t now = mono_usec();
		char chunk[1024];
		ssize_t n;

		if (now >= deadline) {
			timed_out = true;
			(void)kill(pid, SIGKILL);
			break;
		}
		r = poll(&p, 1, (int)MIN((deadline - now) / 1000 + 1, 1000U));
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(rfd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* past the cap the rest is read and dropped, so the parser never blocks */
		if (err.len < err.max)
			if (buf_append(&err, chunk, MIN((size_t)n, err.max - err.len)) < 0)
				break;
	}
	rfd = safe_close(rfd); /* a parser still writing gets EPIPE, not a full pipe */
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 0;
			break;
		}
	*ret_stderr = buf_take(&err, NULL);
	if (!*ret_stderr)
		*ret_stderr = strdup("");
	if (ret_status)
		*ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (timed_out)
		return -ETIMEDOUT;
	return parser_status_to_errno(status);
}

static bool is_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool is_partition(const char *name, char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (strncmp(name, names[i], len) != 0 || !name[len])
			continue;
		if (is_digits(name + len) || (name[len] == 'p' && is_digits(name + len + 1)))
			return true;
	}
	return false;
}

int apparmor_loader_disks(const char *partitions, char ***ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **all = NULL, **disks = NULL;
	size_t n_all = 0, n_disks = 0;
	const char *line = partitions;

	all = calloc(APPARMOR_DISKS_MAX + 1, sizeof(char *));
	disks = calloc(APPARMOR_DISKS_MAX + 1, sizeof(char *));
	if (!all || !disks)
		return -ENOMEM;
	while (line && *line) {
		const char *eol = strchrnul(line, '\n');
		unsigned long long major, minor, blocks;
		char name[64], one[256];

		/* one line at a time: sscanf() would read across a blank line */
		snprintf(one, sizeof(one), "%.*s", (int)MIN((size_t)(eol - line), sizeof(one) - 1),
			 line);
		if (sscanf(one, "%llu %llu %llu %63s", &major, &minor, &blocks, name) == 4) {
			if (n_all >= APPARMOR_DISKS_MAX)
				return -E2BIG;
			all[n_all] = strdup(name);
			if (!all[n_all])
				return -ENOMEM;
			n_all++;
		}
		line = *eol ? eol + 1 : eol;
	}
	for (size_t i = 0; i < n_all; i++) {
		if (is_partition(all[i], all, n_all))
			continue;
		disks[n_disks] = strdup(all[i]);
		if (!disks[n_disks])
			return -ENOMEM;
		n_disks++;
	}
	*ret = TAKE_PTR(disks);
	*ret_n = n_disks;
	return 0;
}

static int profile_path(const struct apparmor_loader *l, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", l->profile_dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool starts_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	return strncmp(s, word, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool is_name_end(char c)
{
	return c == ' ' || c == '\t' || c == '{' || c == '\n' || c == '\r';
}

/* A top-level include may only bring in tunables (variables), never profiles. */
static bool include_is_tunables(const char *s)
{
	s = skip_blanks(s + (*s == '#' ? 8 : 7));
	if (strncmp(s, "if exists", 9) == 0)
		s = skip_blanks(s + 9);
	return strncmp(s, "<tunables/", 10) == 0;
}

int apparmor_loader_check_text(const char *text, const char *name, const char **reterr_reason,
			       unsigned *reterr_line)
{
	size_t n = strlen(name);
	unsigned line = 1, ours = 0;
	long depth = 0, parens = 0;
	bool in_stmt = false, stmt_ours = false, in_quote = false;
	const char *reason = NULL;

	for (const char *c = text; *c && !reason; c++) {
		if (in_quote) {
			if (*c == '\\' && c[1])
				c++;
			else if (*c == '"')
				in_quote = false;
			else if (*c == '\n')
				line++;
			continue;
		}
		if (*c == '\n') {
			line++;
			/* top-level statements without a comma (variables, includes) end here */
			if (depth == 0 && !stmt_ours)
				in_stmt = false;
			continue;
		}
		if (*c == ' ' || *c == '\t' || *c == '\r')
			continue;
		if (depth == 0 && !in_stmt) {
			in_stmt = true;
			stmt_ours = false;
			if (strncmp(c, "#include", 8) == 0 || starts_word(c, "include")) {
				if (!include_is_tunables(c))
					reason =
						"only <tunables/...> may be included outside the profile";
				c = strchrnul(c, '\n') - 1;
				continue;
			}
			if (*c == '#') {
				in_stmt = false;
				c = strchrnul(c, '\n') - 1;
				continue;
			}
			if (starts_word(c, "profile") &&
			    strncmp(skip_blanks(c + 8), name, n) == 0 &&
			    is_name_end(skip_blanks(c + 8)[n])) {
				stmt_ours = true;
				ours++;
			} else if (strncmp(c, "@{", 2) == 0) {
				/* a variable: its value may hold {a,b} alternations */
				c = strchrnul(c, '\n') - 1;
				continue;
			} else if (!starts_word(c, "abi")) {
				reason =
					"only abi, variables, tunables and 'profile <name>' may appear "
					"outside the profile";
				continue;
			}
		}
		switch (*c) {
		case '"':
			in_quote = true;
			break;
		case '#':
			/* a comment, except the include directive inside a profile */
			if (strncmp(c, "#include", 8) != 0)
				c = strchrnul(c, '\n') - 1;
			break;
		case '{':
			if (depth == 0 && !stmt_ours)
				reason =
					"a block outside 'profile <name>' would define another profile";
			depth++;
			break;
		case '}':
			if (--depth < 0)
				reason = "unbalanced '}'";
			if (depth == 0)
				in_stmt = stmt_ours = false;
			break;
		case '(':
			parens++;
			break;
		case ')':
			parens--;
			break;
		case ',':
			/* flags=(a,b) in the profile header does not end it */
			if (depth == 0 && parens <= 0)
				in_stmt = stmt_ours = false;
			break;
		default:
			break;
		}
	}
	if (!reason && (depth != 0 || parens != 0 || in_quote))
		reason = "unbalanced braces, parentheses or quotes";
	if (!reason && ours == 0)
		reason = "the text does not declare 'profile <name>'";
	if (reason) {
		if (reterr_reason)
			*reterr_reason = reason;
		if (reterr_line)
			*reterr_line = line;
		return -EINVAL;
	}
	return 0;
}

static int set_msg(char **reterr_msg, const char *what, const char *detail)
{
	if (asprintf(reterr_msg, "%s%s%s", what, detail && *detail ? ": " : "", strempty(detail)) <
	    0)
		*reterr_msg = NULL;
	return 0;
}

static int run_parser(struct apparmor_loader *l, char *const argv[], char **reterr_msg)
{
	_cleanup_free_ char *err = NULL;
	uint64_t start = mono_usec();
	char what[128];
	int status = 0, r;

	r = apparmor_loader_run(argv, &err, &status);
	prom_histogram_observe(&l->parser_seconds, (mono_usec() - start) * 1000U);
	if (r == 0)
		return 0;
	if (r == -EINVAL)
		snprintf(what, sizeof(what), "apparmor_parser exited with status %d", status);
	else if (r == -ETIMEDOUT)
		snprintf(what, sizeof(what), "apparmor_parser timed out after %us",
			 APPARMOR_PARSER_TIMEOUT_SEC);
	else if (r == -EIO)
		snprintf(what, sizeof(what), "apparmor_parser killed by signal %d", status - 128);
	else
		snprintf(what, sizeof(what), "cannot run '%s': %s", argv[0], strerror(-r));
	set_msg(reterr_msg, what, err);
	return r;
}

static const char *aa_content(const struct armor_profile *p)
{
	return p->apparmor;
}

static int aa_apply(struct backend *b, const struct armor_profile *p, char **reterr_msg)
{
	struct apparmor_loader *l = b->userdata;
	_cleanup_free_ char *partitions = NULL, *text = NULL;
	_cleanup_strv_free_ char **disks = NULL;
	size_t n_disks = 0;
	const char *reason = NULL;
	unsigned line = 0;
	char path[4096];
	char *argv[8];
	int r, i = 0;

	r = apparmor_loader_check_text(p->apparmor, p->name, &reason, &line);
	if (r < 0) {
		if (asprintf(reterr_msg, "appArmor: line %u: %s", line, reason) < 0)
			*reterr_msg = NULL;
		return r;
	}
	r = read_full_file(l->partitions, APPARMOR_PARTITIONS_MAX, &partitions, NULL);
	if (r < 0 && r != -ENOENT)
		return set_msg(reterr_msg, "cannot read the partition list", strerror(-r)), r;
	r = apparmor_loader_disks(partitions ? partitions : "", &disks, &n_disks);
	if (r < 0)
		return set_msg(reterr_msg, "cannot list the disks", strerror(-r)), r;
	r = apparmor_define_disk_devices(p->apparmor, (const char *const *)disks, n_disks, &text);
	if (r < 0)
		return set_msg(reterr_msg, "cannot define @{PAVISE_DISK_DEVICES}", strerror(-r)), r;
	r = mkdir_p(l->profile_dir, 0755);
	if (r < 0)
		return set_msg(reterr_msg, "cannot create the profile directory", strerror(-r)), r;
	r = profile_path(l, p->name, path, sizeof(path));
	if (r < 0)
		return r;
	r = write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0)
		return set_msg(reterr_msg, "cannot write the profile", strerror(-r)), r;

	argv[i++] = (char *)l->parser;
	argv[i++] = (char *)"-r";
	argv[i++] = (char *)"-K";
	if (p->complain)
		argv[i++] = (char *)"-C";
	argv[i++] = path;
	argv[i] = NULL;
	return run_parser(l, argv, reterr_msg);
}

static int aa_remove(struct backend *b, const char *name, char **reterr_msg)
{
	struct apparmor_loader *l = b->userdata;
	char path[4096];
	char *argv[] = { (char *)l->parser, (char *)"-R", path, NULL };
	int r;

	r = profile_path(l, name, path, sizeof(path));
	if (r < 0)
		return r;
	if (access(path, F_OK) < 0)
		return 0;
	r = run_parser(l, argv, reterr_msg);
	if (unlink(path) < 0 && errno != ENOENT && r >= 0)
		r = -errno;
	return r;
}

void apparmor_loader_init(struct apparmor_loader *l, const char *parser, const char *profile_dir,
			  const char *partitions, struct backend *ret_backend)
{
	*l = (struct apparmor_loader){
		.parser = parser,
		.profile_dir = profile_dir,
		.partitions = partitions,
	};
	prom_histogram_init(&l->parser_seconds, parser_bounds, ELEMENTSOF(parser_bounds));
	*ret_backend = (struct backend){
		.name = "apparmor",
		.kind = PART_APPARMOR,
		.available = true,
		.content = aa_content,
		.apply = aa_apply,
		.remove = aa_remove,
		.userdata = l,
	};
}
