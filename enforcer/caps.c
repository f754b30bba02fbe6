// SPDX-License-Identifier: Apache-2.0
/* What this node can enforce: AppArmor, BPF LSM and seccomp, probed from /sys and /proc. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "enforcer/caps.h"

#define CAPS_FILE_MAX (64U * 1024)

static int root_path(const char *root, const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", root ? root : "", path);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Reads a small file under root; NULL when it is missing or unreadable. */
static char *read_small(const char *root, const char *path)
{
	char p[4096];
	char *data = NULL;

	if (root_path(root, path, p, sizeof(p)) < 0)
		return NULL;
	if (read_full_file(p, CAPS_FILE_MAX, &data, NULL) < 0)
		return NULL;
	return data;
}

static bool list_has(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *s = list; *s;) {
		size_t len = strcspn(s, ",\n ");

		if (len == n && strncmp(s, word, n) == 0)
			return true;
		s += len;
		s += strspn(s, ",\n ");
	}
	return false;
}

static bool seccomp_from_status(const char *status)
{
	const char *line = strstr(status, "\nSeccomp:");

	if (!line && strncmp(status, "Seccomp:", 8) == 0)
		line = status - 1;
	return line != NULL;
}

int caps_detect(const char *root, struct caps *ret_caps)
{
	struct caps c = {};
	_cleanup_free_ char *enabled = NULL, *lsm = NULL, *status = NULL;
	bool real_root = !root || !root[0] || strcmp(root, "/") == 0;
	char p[4096];
	struct stat st;
	int r;

	if (real_root)
		root = "";
	enabled = read_small(root, "/sys/module/apparmor/parameters/enabled");
	r = root_path(root, "/sys/kernel/security/apparmor", p, sizeof(p));
	if (r < 0)
		return r;
	c.apparmor = enabled && enabled[0] == 'Y' && stat(p, &st) == 0 && S_ISDIR(st.st_mode);

	lsm = read_small(root, "/sys/kernel/security/lsm");
	if (lsm) {
		snprintf(c.lsm, sizeof(c.lsm), "%s", lsm);
		c.lsm[strcspn(c.lsm, "\n")] = '\0';
		c.bpf_lsm = list_has(c.lsm, "bpf");
	}

	if (real_root) {
		c.seccomp = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
	} else {
		status = read_small(root, "/proc/self/status");
		c.seccomp = status && seccomp_from_status(status);
	}
	*ret_caps = c;
	return 0;
}

void caps_describe(const struct caps *c, char *buf, size_t size)
{
	snprintf(buf, size, "apparmor=%s bpf=%s seccomp=%s", c->apparmor ? "yes" : "no",
		 c->bpf_lsm ? "yes" : "no", c->seccomp ? "yes" : "no");
}
