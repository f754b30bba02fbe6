// SPDX-License-Identifier: Apache-2.0
/* The BPF backend: an ArmorProfile's BpfContent, expanded for this node's disks, into the BPF LSM maps. */
#include <stdio.h>
#include <string.h>

#include "common/fileio.h"
#include "enforcer/backend.h"
#include "rules/bpf-content.h"

static bool device_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == ':' || c == '-';
}

/* Field `idx` (0-based) of a blank-separated line [s, end): start and length. */
static bool field_of(const char *s, const char *end, unsigned idx, const char **ret_start,
		     size_t *ret_len)
{
	for (unsigned i = 0;; i++) {
		const char *f;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == end)
			return false;
		f = s;
		while (s < end && *s != ' ' && *s != '\t')
			s++;
		if (i == idx) {
			*ret_start = f;
			*ret_len = (size_t)(s - f);
			return true;
		}
	}
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int bpf_backend_devices(const char *partitions, char ***ret, size_t *ret_n)
{
	_cleanup_strv_free_ char **v = NULL;
	size_t n = 0;

	v = calloc(BPF_CONTENT_DEVICES_MAX + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (const char *line = partitions; line && *line;) {
		const char *eol = strchrnul(line, '\n'), *f;
		size_t len;
		bool numbers = true;

		/* "major minor #blocks name": three numbers, then the name */
		for (unsigned i = 0; i < 3 && numbers; i++)
			numbers = field_of(line, eol, i, &f, &len) && all_digits(f, len);
		if (numbers && field_of(line, eol, 3, &f, &len)) {
			if (len > BPF_CONTENT_DEVICE_NAME_MAX)
				return -EINVAL;
			for (size_t i = 0; i < len; i++)
				if (!device_char_ok(f[i]))
					return -EINVAL;
			if (n >= BPF_CONTENT_DEVICES_MAX)
				return -E2BIG;
			v[n] = strndup(f, len);
			if (!v[n])
				return -ENOMEM;
			n++;
		}
		line = *eol ? eol + 1 : eol;
	}
	*ret = TAKE_PTR(v);
	if (ret_n)
		*ret_n = n;
	return 0;
}

static int set_msg(char **reterr_msg, int r, const char *what)
{
	free(*reterr_msg);
	if (asprintf(reterr_msg, "bpf: %s: %s", what, strerror(-r)) < 0)
		*reterr_msg = NULL;
	return r;
}

int bpf_backend_build(const struct armor_profile *p, const char *const *devices,
		      struct pavise_bpf_profile **ret, char **reterr_msg)
{
	_cleanup_free_ struct pavise_bpf_profile *prof = NULL;
	json_auto_t *content = NULL, *expanded = NULL;
	_cleanup_free_ char *msg = NULL;
	json_error_t err;
	int r;

	if (!p->bpf)
		return -EINVAL;
	content = json_loads(p->bpf, JSON_REJECT_DUPLICATES, &err);
	if (!content) {
		free(*reterr_msg);
		if (asprintf(reterr_msg, "bpf: not JSON: %s", err.text) < 0)
			*reterr_msg = NULL;
		return -EINVAL;
	}
	r = bpf_content_expand_disk_devices(content, devices, &expanded, &msg);
	if (r < 0) {
		free(*reterr_msg);
		*reterr_msg = TAKE_PTR(msg);
		return r;
	}
	prof = calloc(1, sizeof(*prof));
	if (!prof)
		return -ENOMEM;
	r = bpf_content_encode(expanded, prof, &msg);
	if (r < 0) {
		free(*reterr_msg);
		*reterr_msg = TAKE_PTR(msg);
		return r;
	}
	prof->mode = p->complain ? PAVISE_PROFILE_COMPLAIN : PAVISE_PROFILE_ENFORCE;
	*ret = TAKE_PTR(prof);
	return 0;
}

static const char *bpf_content(const struct armor_profile *p)
{
	return p->bpf;
}

static int bpf_apply(struct backend *b, const struct armor_profile *p, char **reterr_msg)
{
	struct bpf_backend *bb = b->userdata;
	_cleanup_free_ struct pavise_bpf_profile *prof = NULL;
	_cleanup_free_ char *partitions = NULL;
	_cleanup_strv_free_ char **devices = NULL;
	int r;

	if (!bb->kernel)
		return set_msg(reterr_msg, -EOPNOTSUPP, "the BPF LSM is not available");
	r = read_full_file(bb->partitions, BPF_BACKEND_PARTITIONS_MAX, &partitions, NULL);
	if (r < 0 && r != -ENOENT)
		return set_msg(reterr_msg, r, "cannot read the partition list");
	r = bpf_backend_devices(partitions ? partitions : "", &devices, NULL);
	if (r < 0)
		return set_msg(reterr_msg, r, "cannot list the disk devices");
	r = bpf_backend_build(p, (const char *const *)devices, &prof, reterr_msg);
	if (r < 0)
		return r;
	r = bb->ops->set_profile(bb->kernel, p->name, prof);
	if (r == -ENOSPC)
		return set_msg(reterr_msg, r, "every profile slot of this node is in use");
	if (r < 0)
		return set_msg(reterr_msg, r, "cannot load the profile into the kernel");
	free(*reterr_msg);
	*reterr_msg = strdup(p->complain ? "loaded into the BPF LSM maps (complain)" :
					   "loaded into the BPF LSM maps (enforce)");
	return 0;
}

static int bpf_remove(struct backend *b, const char *name, char **reterr_msg)
{
	struct bpf_backend *bb = b->userdata;
	int r;

	if (!bb->kernel)
		return 0;
	r = bb->ops->remove_profile(bb->kernel, name);
	if (r < 0 && r != -ENOENT)
		return set_msg(reterr_msg, r, "cannot remove the profile from the kernel");
	return 0;
}

void bpf_backend_init(struct bpf_backend *bb, const struct bpf_ops *ops, void *kernel,
		      const char *partitions, struct backend *ret_backend)
{
	*bb = (struct bpf_backend){ .ops = ops, .kernel = kernel, .partitions = partitions };
	*ret_backend = (struct backend){
		.name = "bpf",
		.kind = PART_BPF,
		.available = kernel != NULL,
		.content = bpf_content,
		.apply = bpf_apply,
		.remove = bpf_remove,
		.userdata = bb,
	};
}
