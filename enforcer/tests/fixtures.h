// SPDX-License-Identifier: Apache-2.0
/* Shared helpers of the enforcer tests: ArmorProfile documents, files and temporary trees. */
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/fileio.h"

#define FIXTURE_SECCOMP                                                                           \
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"]," \
	"\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}"

/* An ArmorProfile as JSON; apparmor/seccomp NULL leave the part out. Caller frees. */
static inline char *fixture_profile(const char *name, const char *mode, const char *apparmor,
				    const char *seccomp)
{
	json_t *profile = json_pack("{s:s, s:s, s:s}", "name", name, "enforcer", "AppArmorSeccomp",
				    "mode", mode);
	json_t *doc;
	char *s;

	if (apparmor)
		json_object_set_new(profile, "appArmor", json_string(apparmor));
	if (seccomp)
		json_object_set_new(profile, "seccomp", json_string(seccomp));
	doc = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:o}}", "apiVersion", "crd.varmor.org/v1beta1",
			"kind", "ArmorProfile", "metadata", "name", name, "namespace", "demo",
			"spec", "profile", profile);
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return s;
}

/* A minimal AppArmor profile text for `name` (complete: the fake parser does not care). */
static inline char *fixture_apparmor(const char *name, const char *extra)
{
	char *s = NULL;

	if (asprintf(
		    &s,
		    "#include <tunables/global>\nprofile %s flags=(attach_disconnected) {\n  file,\n%s}\n",
		    name, extra ? extra : "") < 0)
		return NULL;
	return s;
}

static inline int fixture_write(const char *dir, const char *file, const char *text)
{
	char path[1024];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return write_file_atomic(path, text, strlen(text), 0644);
}

/* Plain write in place (open, truncate, write): what an editor does. */
static inline int fixture_write_in_place(const char *dir, const char *file, const char *text)
{
	char path[1024];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static inline int fixture_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void fixture_rm_rf(const char *dir)
{
	if (dir)
		(void)nftw(dir, fixture_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline char *fixture_read(const char *dir, const char *file)
{
	char path[1024];
	char *data = NULL;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return NULL;
	if (read_full_file(path, 1024 * 1024, &data, NULL) < 0)
		return NULL;
	return data;
}
