// SPDX-License-Identifier: Apache-2.0
/* Kernel lab helper: keeps a sealed memfd copy of a program and prints a path that runs it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * runc 1.1 copies itself into a sealed memfd before every "runc init"
 * (its CVE-2019-5736 defence) unless /proc/self/exe already is a memfd with
 * exactly these seals. Under qemu's TCG each fresh copy lands in new pages
 * whose code must be translated again, a few hundred milliseconds per
 * container. Run from one sealed copy, runc skips the copy (runc's own
 * contrib/cmd/memfd-bind does the same on real nodes).
 *
 * A memfd cannot be bind-mounted (it lives on a kernel-internal mount), so a
 * child process keeps it open and the parent prints /proc/<child>/fd/<fd>,
 * which execve() follows to the copy.
 */
#define RUNC_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int sealed_copy(const char *path, int *ret_fd)
{
	struct stat st;
	off_t off = 0;
	int in, fd;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &st) < 0) {
		int r = -errno;

		close(in);
		return r;
	}
	fd = memfd_create("sealed-exe", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		int r = -errno;

		close(in);
		return r;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, in, &off, (size_t)(st.st_size - off));

		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			close(in);
			close(fd);
			return r;
		}
	}
	close(in);
	if (fchmod(fd, st.st_mode & 07777) < 0 || fcntl(fd, F_ADD_SEALS, RUNC_SEALS) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int main(int argc, char **argv)
{
	int fd = -EBADF, r;
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PROGRAM\n", argv[0]);
		return 2;
	}
	r = sealed_copy(argv[1], &fd);
	if (r < 0) {
		errno = -r;
		fprintf(stderr, "sealed-exe: cannot copy '%s': %m\n", argv[1]);
		return 1;
	}
	/* The holder must not keep the caller's pipe open, or $(...) never ends. */
	if (fcntl(fd, F_SETFD, 0) < 0) {
		fprintf(stderr, "sealed-exe: fcntl: %m\n");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sealed-exe: fork: %m\n");
		return 1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		setsid();
		signal(SIGHUP, SIG_IGN);
		for (;;)
			pause();
	}
	printf("/proc/%d/fd/%d\n", (int)pid, fd);
	return 0;
}
