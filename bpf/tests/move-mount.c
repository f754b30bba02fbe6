// SPDX-License-Identifier: Apache-2.0
/*
 * pavise-move-mount SRC DST: in a new mount namespace, clones the mount tree
 * at SRC (open_tree) and attaches it at DST with move_mount(2), the call the
 * lsm/move_mount program mediates (mount(2) with MS_MOVE goes to sb_mount).
 * A kernel-lab helper for bpf/tests/scenarios/bpf-hooks.scenario; not shipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

int main(int argc, char **argv)
{
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
		return 2;
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		fprintf(stderr, "unshare: %s\n", strerror(errno));
		return 1;
	}
	fd = (int)syscall(SYS_open_tree, AT_FDCWD, argv[1], OPEN_TREE_CLONE | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open_tree %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, argv[2], MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		fprintf(stderr, "move_mount %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	return 0;
}
