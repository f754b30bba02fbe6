// SPDX-License-Identifier: Apache-2.0
/* Helpers shared by test programs: JSON fixtures written with single quotes, paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/lib/testlib.h"

json_t *testlib_json(const char *single_quoted)
{
	char *s = strdup(single_quoted);
	json_error_t err;
	json_t *j;

	if (!s)
		abort();
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = json_loads(s, JSON_DECODE_ANY, &err);
	if (!j) {
		fprintf(stderr, "fixture: %s at %d:%d in: %s\n", err.text, err.line, err.column, s);
		abort();
	}
	free(s);
	return j;
}

const char *testlib_shared_dir(void)
{
	const char *s = secure_getenv("PAVISE_SHARED");

	return s && *s ? s : "../shared";
}

const char *testlib_output_dir(void)
{
	const char *s = secure_getenv("OUTPUT");

	return s && *s ? s : ".output";
}

pid_t testlib_spawn(char *const argv[], const char *log_path)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = log_path ?
				 open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) :
				 open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			_exit(126);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int testlib_run(char *const argv[], const char *log_path)
{
	pid_t pid = testlib_spawn(argv, log_path);
	int status;

	if (pid < 0)
		return pid;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

int testlib_wait_for(const char *log_path, const char *needle, unsigned timeout_ms, char *line,
		     size_t line_size)
{
	unsigned long long deadline = now_ms() + timeout_ms;

	do {
		FILE *f = fopen(log_path, "re");
		char buf[4096];

		if (f) {
			while (fgets(buf, sizeof(buf), f))
				if (strstr(buf, needle)) {
					if (line)
						snprintf(line, line_size, "%s", buf);
					fclose(f);
					return 0;
				}
			fclose(f);
		}
		usleep(20 * 1000);
	} while (now_ms() < deadline);
	return -ETIMEDOUT;
}

int testlib_stop(pid_t pid, int sig, unsigned timeout_ms)
{
	unsigned long long deadline = now_ms() + timeout_ms;
	int status;

	if (kill(pid, sig) < 0)
		return -errno;
	do {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (r < 0)
			return -errno;
		usleep(10 * 1000);
	} while (now_ms() < deadline);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

char *testlib_tmpdir(void)
{
	char *t = strdup("/tmp/pavise-test-XXXXXX");

	if (!t || !mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}
