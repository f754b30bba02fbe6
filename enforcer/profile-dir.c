// SPDX-License-Identifier: Apache-2.0
/* The profile directory: ArmorProfile YAML/JSON files (several per file), scanned and watched with inotify. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "common/json-util.h"
#include "common/yaml.h"
#include "enforcer/profile-dir.h"

#define WATCH_MASK                                                                          \
	(IN_CREATE | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool name_defined(const struct profile_set *s, const char *name, const char **ret_source)
{
	for (size_t i = 0; i < s->n_items; i++)
		if (strcmp(s->items[i].profile->name, name) == 0) {
			*ret_source = s->items[i].source;
			return true;
		}
	return false;
}

static int add_doc(struct profile_set *want, const json_t *doc, const char *source)
{
	_cleanup_(armor_profile_freep) struct armor_profile *p = NULL;
	_cleanup_free_ char *msg = NULL;
	const char *name = json_string_value(json_path(doc, "metadata", "name", NULL));
	const char *first;
	char m[PROFILE_MESSAGE_MAX];
	int r;

	r = armor_profile_parse(doc, &p, &msg);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return profile_set_refuse(want, source, name, msg ? msg : strerror(-r));
	if (name_defined(want, p->name, &first)) {
		snprintf(m, sizeof(m), "profile '%s' is already defined by %s", p->name, first);
		return profile_set_refuse(want, source, p->name, m);
	}
	return profile_set_add(want, TAKE_PTR(p), source);
}

static int scan_file(struct profile_set *want, const char *path, const char *fname)
{
	json_auto_t *docs = NULL;
	struct yaml_error err = {};
	char source[PROFILE_SOURCE_MAX], m[PROFILE_MESSAGE_MAX];
	size_t n = 0;
	int r;

	r = yaml_load_file(path, &docs, &err);
	if (r == -ENOMEM)
		return r;
	if (r == -ENOENT)
		return 0; /* gone between readdir() and now: the next event rescans */
	if (r < 0) {
		if (err.line)
			snprintf(m, sizeof(m), "line %u column %u: %s", err.line, err.column,
				 err.msg);
		else
			snprintf(m, sizeof(m), "%s", err.msg[0] ? err.msg : strerror(-r));
		return profile_set_refuse(want, fname, NULL, m);
	}
	for (size_t i = 0; i < json_array_size(docs); i++) {
		const json_t *doc = json_array_get(docs, i);
		const json_t *items = json_object_get(doc, "items");
		const char *kind = json_string_value(json_object_get(doc, "kind"));
		bool list = kind && strlen(kind) >= 4 &&
			    strcmp(kind + strlen(kind) - 4, "List") == 0 && json_is_array(items);
		size_t n_items = list ? json_array_size(items) : 1;

		for (size_t j = 0; j < n_items; j++, n++) {
			if (n >= PROFILE_DIR_DOCS_MAX) {
				snprintf(m, sizeof(m), "more than %u documents in one file",
					 PROFILE_DIR_DOCS_MAX);
				return profile_set_refuse(want, fname, NULL, m);
			}
			if (json_array_size(docs) == 1 && !list)
				snprintf(source, sizeof(source), "%s", fname);
			else
				snprintf(source, sizeof(source), "%s#%zu", fname, n);
			r = add_doc(want, list ? json_array_get(items, j) : doc, source);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int profile_dir_scan(const char *dir, struct profile_set *want)
{
	_cleanup_strv_free_ char **names = NULL;
	size_t n = 0;
	uint64_t total = 0;
	bool too_many = false;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	names = calloc(PROFILE_DIR_FILES_MAX + 1, sizeof(char *));
	if (!names) {
		closedir(d);
		return -ENOMEM;
	}
	for (;;) {
		struct dirent *de;
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (!de) {
			r = -errno;
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n >= PROFILE_DIR_FILES_MAX) {
			too_many = true;
			continue;
		}
		/* each file is capped by YAML_INPUT_MAX when read; this caps them all */
		total += (uint64_t)st.st_size;
		if (total > PROFILE_DIR_BYTES_MAX) {
			too_many = true;
			continue;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (r < 0)
		return r;
	qsort(names, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n && r >= 0; i++) {
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
			continue;
		r = scan_file(want, path, names[i]);
	}
	if (r >= 0 && too_many) {
		char m[128];

		snprintf(m, sizeof(m), "more than %u files or %u bytes; the rest are ignored",
			 PROFILE_DIR_FILES_MAX, PROFILE_DIR_BYTES_MAX);
		r = profile_set_refuse(want, dir, NULL, m);
	}
	/* -E2BIG: the store is full; what was read so far stays, the rest is dropped */
	if (r < 0 && r != -E2BIG) {
		profile_set_done(want);
		return r;
	}
	return 0;
}

int profile_dir_watch(const char *dir, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;

	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (inotify_add_watch(fd, dir, WATCH_MASK) < 0)
		return -errno;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int profile_dir_watch_drain(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false, gone = false;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (n == 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
				gone = true;
			relevant = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (gone)
		return -ENOENT;
	return relevant ? 1 : 0;
}
