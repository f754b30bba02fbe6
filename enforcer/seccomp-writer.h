// SPDX-License-Identifier: Apache-2.0
/* Seccomp backend: checks OCI seccomp JSON with libseccomp and installs it for the kubelet. */
#pragma once

#include "enforcer/backend.h"

struct seccomp_writer {
	const char *dir; /* the kubelet's seccomp directory; created on first use; borrowed */
};

/* Fills a writer and its backend (b->userdata = w). */
void seccomp_writer_init(struct seccomp_writer *w, const char *dir, struct backend *ret_backend);
