// SPDX-License-Identifier: Apache-2.0
/* The per-enforcer apply step: one small interface, one module per enforcer (AppArmor, seccomp, BPF). */
#pragma once

#include <stdbool.h>

#include "common/macro.h"
#include "enforcer/profile-store.h"

/*
 * A backend enforces one part of an ArmorProfile. The store calls it from
 * one thread (the main loop), never concurrently:
 *   content()  the part it owns (borrowed from the profile), NULL when the
 *              profile has none; a change of this text or of the mode makes
 *              the store apply again;
 *   apply()    makes the node enforce that part: 0 applied, BACKEND_PENDING
 *              when it is accepted but cannot be enforced yet, or a negative
 *              errno with *reterr_msg (malloc'ed, one line, may stay NULL);
 *   remove()   undoes apply() for a profile name; missing is not an error.
 * Adding the BPF loader means writing one module that fills this struct and
 * replacing backend_bpf_pending() in main.c.
 */
#define BACKEND_PENDING 1

struct backend {
	const char *name; /* "apparmor", "seccomp", "bpf": status and metrics label */
	enum part_kind kind;
	bool available; /* the node can enforce it (caps); else apply() is not called */
	const char *(*content)(const struct armor_profile *p);
	int (*apply)(struct backend *b, const struct armor_profile *p, char **reterr_msg);
	int (*remove)(struct backend *b, const char *name, char **reterr_msg);
	void *userdata; /* the module's state, borrowed */
};

/* The BPF part until the BPF programs exist: every BpfContent stays pending. */
void backend_bpf_pending(struct backend *ret_backend);
