// SPDX-License-Identifier: Apache-2.0
/* Seccomp backend: checks OCI seccomp JSON with libseccomp and installs it for the kubelet. */
#include <stdio.h>
#include <string.h>

#include "common/fileio.h"
#include "enforcer/seccomp-writer.h"
#include "rules/seccomp.h"

static int set_msg(char **reterr_msg, const char *what, int r)
{
	if (asprintf(reterr_msg, "%s: %s", what, strerror(-r)) < 0)
		*reterr_msg = NULL;
	return r;
}

/* vArmor's layout: <dir>/<profile name>, no sub-directory, no ".json". */
static int target_path(const struct seccomp_writer *w, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", w->dir, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* What seccomp_profile_load()'s errors mean for whoever reads the status. */
static const char *load_error_reason(int r)
{
	switch (r) {
	case -EBADMSG:
		return "not JSON, or a field of the wrong type";
	case -EINVAL:
		return "invalid content (an unknown syscall, action, operator, architecture or flag, "
		       "or two actions for one syscall)";
	case -EOPNOTSUPP:
		return "SCMP_ACT_NOTIFY and listenerPath are not supported";
	case -EFBIG:
	case -E2BIG:
		return "too large (bytes, rules or filter instructions)";
	default:
		return NULL;
	}
}

static const char *sc_content(const struct armor_profile *p)
{
	return p->seccomp;
}

static int sc_apply(struct backend *b, const struct armor_profile *p, char **reterr_msg)
{
	struct seccomp_writer *w = b->userdata;
	scmp_filter_ctx ctx = NULL;
	char path[4096];
	int r;

	r = seccomp_profile_load(p->seccomp, &ctx);
	if (r < 0 && load_error_reason(r)) {
		if (asprintf(reterr_msg, "seccomp: profile refused by libseccomp: %s",
			     load_error_reason(r)) < 0)
			*reterr_msg = NULL;
		return r;
	}
	if (r < 0)
		return set_msg(reterr_msg, "seccomp: profile refused by libseccomp", r);
	seccomp_release(ctx);
	r = mkdir_p(w->dir, 0755);
	if (r < 0)
		return set_msg(reterr_msg, "seccomp: cannot create the directory", r);
	r = target_path(w, p->name, path, sizeof(path));
	if (r < 0)
		return set_msg(reterr_msg, "seccomp: path", r);
	r = write_file_atomic(path, p->seccomp, strlen(p->seccomp), 0644);
	if (r < 0)
		return set_msg(reterr_msg, "seccomp: cannot write the profile", r);
	if (asprintf(reterr_msg, "written to %s", path) < 0)
		*reterr_msg = NULL;
	return 0;
}

static int sc_remove(struct backend *b, const char *name, char **reterr_msg)
{
	struct seccomp_writer *w = b->userdata;
	char path[4096];
	int r;

	r = target_path(w, name, path, sizeof(path));
	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return set_msg(reterr_msg, "seccomp: cannot remove the profile", -errno);
	return 0;
}

void seccomp_writer_init(struct seccomp_writer *w, const char *dir, struct backend *ret_backend)
{
	*w = (struct seccomp_writer){ .dir = dir };
	*ret_backend = (struct backend){
		.name = "seccomp",
		.kind = PART_SECCOMP,
		.available = true,
		.content = sc_content,
		.apply = sc_apply,
		.remove = sc_remove,
		.userdata = w,
	};
}
