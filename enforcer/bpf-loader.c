// SPDX-License-Identifier: Apache-2.0
/* The BPF LSM enforcer's loader: load, attach and pin bpf/pavise.bpf.c, or take over what is pinned. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/pavise-events.h"
#include "bpf/pavise-maps.h"
#include "bpf/pavise-rules.h"
#include "enforcer/bpf-loader.h"
#include "pavise.skel.h"

_Static_assert(sizeof(struct bpf_container_info) == PAVISE_CONTAINER_INFO_SIZE,
	       "bpf_container_info and the container_info map");
_Static_assert(PAVISE_MAX_PROFILES == PAVISE_MAX_CONTAINERS, "profile slots and outer maps");
_Static_assert(ARMOR_NAME_MAX < PAVISE_PROFILE_NAME_MAX, "profile names fit a slot");

#define BPF_LSM_FILE	  "/sys/kernel/security/lsm"
#define BPF_LOCKDOWN_FILE "/sys/kernel/security/lockdown"
#define KERNEL_TEXT_MAX	  4096 /* bytes read from either file */
#define PIN_PATH_MAX	  512

enum {
	MAP_CONTAINERS,
	MAP_CONTAINER_INFO,
	MAP_SLOT_NAMES,
	MAP_META,
	MAP_FILES,
	MAP_PROCS,
	MAP_NETS,
	MAP_MOUNTS,
	MAP_EVENTS,
	MAP_EVENTS_DROPPED,
	MAP_BUILD,
	N_MAPS,
};

/* The pinned maps, by their names in the object (and under pin_dir/maps/). */
static const char *const map_names[N_MAPS] = {
	[MAP_CONTAINERS] = "containers", [MAP_CONTAINER_INFO] = "container_info",
	[MAP_SLOT_NAMES] = "slot_names", [MAP_META] = "meta_outer",
	[MAP_FILES] = "files_outer",	 [MAP_PROCS] = "procs_outer",
	[MAP_NETS] = "nets_outer",	 [MAP_MOUNTS] = "mounts_outer",
	[MAP_EVENTS] = "events",	 [MAP_EVENTS_DROPPED] = "events_dropped",
	[MAP_BUILD] = "build",
};

/*
 * Inner maps must equal the template libbpf made from the object, BTF
 * included: 6.1 compares timer_off, -ENOENT for a map with BTF and -EINVAL
 * for one without, so a map created without BTF is refused (EINVAL). The
 * values get BTF of the same sizes: a u32 key, a struct of bytes.
 */
enum { INNER_META, INNER_FILE, INNER_NET, INNER_MOUNT, N_INNER };

struct inner_btf {
	int fd;
	__u32 key_id;
	__u32 value_ids[N_INNER];
	__u32 sizes[N_INNER];
};

struct bpf_enforcer {
	char *pin_dir;
	int fds[N_MAPS];
	struct ring_buffer *rb;
	bpf_event_fn event_fn;
	void *event_userdata;
	bool took_over;
	unsigned n_programs;
	struct pavise_slot_name slots[PAVISE_MAX_PROFILES]; /* copy of slot_names */
	struct inner_btf *ibtf; /* BTF for the inner maps, made on first use */
};

static int set_msg(char **reterr_msg, const char *fmt, ...) _printf_(2, 3);
static int set_msg(char **reterr_msg, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int r;

	if (!reterr_msg)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	free(*reterr_msg);
	*reterr_msg = r < 0 ? NULL : s;
	return 0;
}

/* ---- pure helpers (tested on the host) ---- */

static bool list_has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t len = strcspn(p, ",\n");

		if (len == n && !strncmp(p, word, n))
			return true;
		p += len;
		p += strspn(p, ",\n ");
	}
	return false;
}

int bpf_lsm_check(const char *lsm_list, const char *lockdown, char **reterr_msg)
{
	if (!lsm_list)
		return set_msg(reterr_msg, "BPF LSM unavailable: cannot read %s (securityfs)",
			       BPF_LSM_FILE),
		       -EOPNOTSUPP;
	if (!list_has_word(lsm_list, "bpf"))
		return set_msg(reterr_msg,
			       "BPF LSM not enabled: \"bpf\" is not in %s (boot with lsm=...,bpf)",
			       BPF_LSM_FILE),
		       -EOPNOTSUPP;
	/* Lockdown's confidentiality mode takes bpf_probe_read_kernel() and LSM programs away. */
	if (lockdown && strstr(lockdown, "[confidentiality]"))
		return set_msg(reterr_msg,
			       "BPF LSM unusable: kernel lockdown is in confidentiality mode (%s)",
			       BPF_LOCKDOWN_FILE),
		       -EOPNOTSUPP;
	return 0;
}

int bpf_slot_pick(const struct pavise_slot_name *slots, size_t n, const char *name,
		  uint32_t *ret_slot)
{
	size_t free_slot = n;

	if (!name || !*name || strlen(name) >= PAVISE_PROFILE_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!slots[i].name[0]) {
			if (free_slot == n)
				free_slot = i;
			continue;
		}
		if (!strncmp(slots[i].name, name, PAVISE_PROFILE_NAME_MAX)) {
			*ret_slot = (uint32_t)i;
			return 1;
		}
	}
	if (free_slot == n)
		return -ENOSPC;
	*ret_slot = (uint32_t)free_slot;
	return 0;
}

int bpf_slot_find(const struct pavise_slot_name *slots, size_t n, const char *name,
		  uint32_t *ret_slot)
{
	uint32_t slot;
	int r = bpf_slot_pick(slots, n, name, &slot);

	if (r == -EINVAL)
		return r;
	if (r != 1)
		return -ENOENT;
	*ret_slot = slot;
	return 0;
}

uint64_t bpf_build_hash(const void *data, size_t size)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- kernel state ---- */

static int read_text(const char *path, char **ret)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(KERNEL_TEXT_MAX + 1);
	if (!buf)
		return -ENOMEM;
	while (len < KERNEL_TEXT_MAX) {
		ssize_t n = read(fd, buf + len, KERNEL_TEXT_MAX - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	*ret = TAKE_PTR(buf);
	return 0;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *sub, const char *name,
		    const char *suffix)
{
	int n = snprintf(buf, size, "%s/%s/%s%s", dir, sub, name, suffix);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int mkdir_p(const char *dir)
{
	char buf[PIN_PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int read_slots(struct bpf_enforcer *e)
{
	for (uint32_t i = 0; i < PAVISE_MAX_PROFILES; i++) {
		if (bpf_map_lookup_elem(e->fds[MAP_SLOT_NAMES], &i, &e->slots[i]) < 0)
			return -errno;
		e->slots[i].name[PAVISE_PROFILE_NAME_MAX - 1] = 0;
	}
	return 0;
}

static int open_pinned_maps(struct bpf_enforcer *e)
{
	char path[PIN_PATH_MAX];
	int r;

	for (int i = 0; i < N_MAPS; i++) {
		r = pin_path(path, sizeof(path), e->pin_dir, "maps", map_names[i], "");
		if (r < 0)
			return r;
		e->fds[i] = bpf_obj_get(path);
		if (e->fds[i] < 0)
			return -errno;
	}
	return 0;
}

static int read_build(const char *pin_dir, uint64_t *ret)
{
	char path[PIN_PATH_MAX];
	struct pavise_build b = {};
	_cleanup_close_ int fd = -EBADF;
	uint32_t zero = 0;
	int r;

	r = pin_path(path, sizeof(path), pin_dir, "maps", "build", "");
	if (r < 0)
		return r;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (bpf_map_lookup_elem(fd, &zero, &b) < 0)
		return -errno;
	*ret = b.hash;
	return 0;
}

/* Every program of the object has its link pinned. Returns how many, or -ENOENT. */
static int pinned_links(const char *pin_dir, struct pavise_bpf *skel)
{
	struct bpf_program *prog;
	char path[PIN_PATH_MAX];
	int n = 0, r;

	bpf_object__for_each_program(prog, skel->obj)
	{
		_cleanup_close_ int fd = -EBADF;

		r = pin_path(path, sizeof(path), pin_dir, "links", bpf_program__name(prog), "");
		if (r < 0)
			return r;
		fd = bpf_obj_get(path);
		if (fd < 0)
			return -ENOENT;
		n++;
	}
	return n;
}

/* Removes pinned links whose program the object no longer has. */
static void remove_stale_links(const char *pin_dir, struct pavise_bpf *skel)
{
	char dir[PIN_PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (snprintf(dir, sizeof(dir), "%s/links", pin_dir) >= (int)sizeof(dir))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (bpf_object__find_program_by_name(skel->obj, de->d_name))
			continue;
		(void)unlinkat(dirfd(d), de->d_name, 0);
	}
	closedir(d);
}

static int read_host_mnt_ns(__u32 *ret)
{
	struct stat st;

	if (stat("/proc/1/ns/mnt", &st) < 0)
		return -errno;
	*ret = (__u32)st.st_ino;
	return 0;
}

/* Loads the object, reusing pinned maps, attaches it and pins its links over the old ones. */
static int load_and_attach(struct bpf_enforcer *e, uint64_t build_hash, char **reterr_msg)
{
	struct pavise_bpf *skel;
	struct bpf_program *prog;
	struct pavise_build b = { .hash = build_hash };
	char path[PIN_PATH_MAX], tmp[PIN_PATH_MAX];
	uint32_t zero = 0;
	unsigned n = 0;
	int r;

	skel = pavise_bpf__open();
	if (!skel) {
		r = -errno;
		set_msg(reterr_msg, "cannot open the BPF object: %s", strerror(-r));
		return r;
	}
	r = read_host_mnt_ns(&skel->rodata->host_mnt_ns);
	if (r < 0) {
		set_msg(reterr_msg, "cannot read /proc/1/ns/mnt: %s", strerror(-r));
		goto out;
	}
	for (int i = 0; i < N_MAPS; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, map_names[i]);

		r = pin_path(path, sizeof(path), e->pin_dir, "maps", map_names[i], "");
		if (r < 0)
			goto out;
		if (!m) {
			r = -ENOENT;
			goto out;
		}
		r = bpf_map__set_pin_path(m, path);
		if (r < 0)
			goto out;
	}
	r = pavise_bpf__load(skel);
	if (r < 0) {
		set_msg(reterr_msg,
			"cannot load the BPF programs: %s (a pinned map of an incompatible build is replaced only by bpf_enforcer_purge())",
			strerror(-r));
		goto out;
	}
	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_link *link = bpf_program__attach(prog);
		const char *name = bpf_program__name(prog);

		if (!link) {
			r = -errno;
			set_msg(reterr_msg, "cannot attach %s: %s", name, strerror(-r));
			goto out;
		}
		/*
		 * Pin beside the old link, then rename over it: the old program
		 * is detached only once the new one is attached and pinned
		 * (bpffs refuses names with a dot, hence "-new").
		 */
		r = pin_path(path, sizeof(path), e->pin_dir, "links", name, "");
		if (r >= 0)
			r = pin_path(tmp, sizeof(tmp), e->pin_dir, "links", name, "-new");
		if (r >= 0) {
			(void)unlink(tmp);
			r = bpf_link__pin(link, tmp);
		}
		if (r < 0) {
			bpf_link__destroy(link);
			set_msg(reterr_msg, "cannot pin the link of %s at %s: %s", name, tmp,
				strerror(-r));
			goto out;
		}
		if (rename(tmp, path) < 0) {
			r = -errno;
			(void)bpf_link__unpin(link);
			bpf_link__destroy(link);
			set_msg(reterr_msg, "cannot rename %s to %s: %s", tmp, path, strerror(-r));
			goto out;
		}
		bpf_link__destroy(link); /* the pin keeps it */
		n++;
	}
	remove_stale_links(e->pin_dir, skel);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.build), &zero, &b, BPF_ANY) < 0) {
		r = -errno;
		goto out;
	}
	e->n_programs = n;
	r = 0;
out:
	pavise_bpf__destroy(skel);
	return r;
}

static void skel_freep(struct pavise_bpf **p)
{
	pavise_bpf__destroy(*p); /* NULL is fine */
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct bpf_enforcer *e = ctx;

	if (size < sizeof(struct pavise_event) || !e->event_fn)
		return 0;
	e->event_fn(e->event_userdata, data);
	return 0;
}

int bpf_enforcer_open(const char *pin_dir, struct bpf_enforcer **ret, char **reterr_msg)
{
	_cleanup_(bpf_enforcer_freep) struct bpf_enforcer *e = NULL;
	_cleanup_free_ char *lsm = NULL, *lockdown = NULL;
	char links[PIN_PATH_MAX], maps[PIN_PATH_MAX];
	uint64_t want, have = 0;
	const void *elf;
	size_t elf_size = 0;
	int r;

	if (!ret)
		return -EINVAL;
	if (!pin_dir)
		pin_dir = PAVISE_BPF_PIN_DIR;
	if (pin_dir[0] != '/' || strlen(pin_dir) > PIN_PATH_MAX - 64)
		return set_msg(reterr_msg, "bad pin directory \"%s\"", pin_dir), -EINVAL;
	(void)read_text(BPF_LSM_FILE, &lsm);
	(void)read_text(BPF_LOCKDOWN_FILE, &lockdown);
	r = bpf_lsm_check(lsm, lockdown, reterr_msg);
	if (r < 0)
		return r;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (int i = 0; i < N_MAPS; i++)
		e->fds[i] = -EBADF;
	e->pin_dir = strdup(pin_dir);
	if (!e->pin_dir)
		return -ENOMEM;
	snprintf(links, sizeof(links), "%s/links", pin_dir);
	snprintf(maps, sizeof(maps), "%s/maps", pin_dir);
	r = mkdir_p(links);
	if (r >= 0)
		r = mkdir_p(maps);
	if (r < 0)
		return set_msg(reterr_msg, "cannot create %s: %s (is bpffs mounted?)", pin_dir,
			       strerror(-r)),
		       r;

	elf = pavise_bpf__elf_bytes(&elf_size);
	want = bpf_build_hash(elf, elf_size);
	if (read_build(pin_dir, &have) >= 0 && have == want) {
		_cleanup_(skel_freep) struct pavise_bpf *skel = pavise_bpf__open();
		int n = skel ? pinned_links(pin_dir, skel) : -ENOENT;

		if (n > 0) {
			e->took_over = true;
			e->n_programs = (unsigned)n;
		}
	}
	if (!e->took_over) {
		r = load_and_attach(e, want, reterr_msg);
		if (r < 0)
			return r;
	}
	r = open_pinned_maps(e);
	if (r < 0)
		return set_msg(reterr_msg, "cannot open the pinned maps under %s: %s", maps,
			       strerror(-r)),
		       r;
	r = read_slots(e);
	if (r < 0)
		return r;
	e->rb = ring_buffer__new(e->fds[MAP_EVENTS], on_event, e, NULL);
	if (!e->rb)
		return set_msg(reterr_msg, "cannot open the event ring buffer: %s",
			       strerror(errno)),
		       -errno;
	*ret = TAKE_PTR(e);
	return 0;
}

struct bpf_enforcer *bpf_enforcer_free(struct bpf_enforcer *e)
{
	if (!e)
		return NULL;
	ring_buffer__free(e->rb);
	for (int i = 0; i < N_MAPS; i++)
		safe_close(e->fds[i]);
	if (e->ibtf)
		safe_close(e->ibtf->fd);
	free(e->ibtf);
	free(e->pin_dir);
	free(e);
	return NULL;
}

static int clear_dir(const char *path)
{
	struct dirent *de;
	DIR *d = opendir(path);
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			r = -errno;
	}
	closedir(d);
	if (rmdir(path) < 0 && errno != ENOENT)
		return -errno;
	return r;
}

int bpf_enforcer_purge(const char *pin_dir)
{
	_cleanup_close_ int fd = -EBADF;
	char path[PIN_PATH_MAX];
	int r, k;

	if (!pin_dir)
		pin_dir = PAVISE_BPF_PIN_DIR;
	if (snprintf(path, sizeof(path), "%s/maps/containers", pin_dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/*
	 * Unbind every container first: that takes effect at once, while the
	 * kernel releases unpinned links later, from a work queue.
	 */
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		uint64_t key;

		while (bpf_map_get_next_key(fd, NULL, &key) == 0)
			if (bpf_map_delete_elem(fd, &key) < 0)
				break;
	}
	snprintf(path, sizeof(path), "%s/links", pin_dir);
	r = clear_dir(path); /* then the links: the programs stop */
	snprintf(path, sizeof(path), "%s/maps", pin_dir);
	k = clear_dir(path);
	if (r >= 0)
		r = k;
	if (rmdir(pin_dir) < 0 && errno != ENOENT && r >= 0)
		r = -errno;
	return r;
}

/* ---- profiles ---- */

static int inner_btf_make(struct inner_btf *ib)
{
	static const char *const names[N_INNER] = { "pavise_profile_meta", "pavise_file_entry",
						    "pavise_net_entry", "pavise_mount_entry" };
	struct btf *btf = btf__new_empty();
	int u8_id, r = 0;

	ib->sizes[INNER_META] = sizeof(struct pavise_profile_meta);
	ib->sizes[INNER_FILE] = sizeof(struct pavise_file_entry);
	ib->sizes[INNER_NET] = sizeof(struct pavise_net_entry);
	ib->sizes[INNER_MOUNT] = sizeof(struct pavise_mount_entry);
	if (!btf)
		return -errno;
	r = btf__add_int(btf, "unsigned int", 4, 0);
	if (r > 0) {
		ib->key_id = (__u32)r;
		r = btf__add_int(btf, "unsigned char", 1, 0);
	}
	u8_id = r;
	for (int i = 0; i < N_INNER && r > 0; i++) {
		int arr = btf__add_array(btf, (int)ib->key_id, u8_id, ib->sizes[i]);

		r = arr > 0 ? btf__add_struct(btf, names[i], ib->sizes[i]) : arr;
		if (r > 0) {
			ib->value_ids[i] = (__u32)r;
			r = btf__add_field(btf, "bytes", arr, 0, 0) < 0 ? -EINVAL : r;
		}
	}
	if (r > 0)
		r = btf__load_into_kernel(btf);
	if (r >= 0) {
		ib->fd = btf__fd(btf);
		ib->fd = ib->fd >= 0 ? fcntl(ib->fd, F_DUPFD_CLOEXEC, 3) : -EBADF;
		r = ib->fd >= 0 ? 0 : -errno;
	}
	btf__free(btf);
	return r < 0 ? r : 0;
}

static int new_inner(struct bpf_enforcer *e, int kind, const char *name, uint32_t max_entries)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	int fd, r;

	if (!e->ibtf) {
		e->ibtf = calloc(1, sizeof(*e->ibtf));
		if (!e->ibtf)
			return -ENOMEM;
		e->ibtf->fd = -EBADF;
		r = inner_btf_make(e->ibtf);
		if (r < 0) {
			free(e->ibtf);
			e->ibtf = NULL;
			return r;
		}
	}
	opts.btf_fd = (__u32)e->ibtf->fd;
	opts.btf_key_type_id = e->ibtf->key_id;
	opts.btf_value_type_id = e->ibtf->value_ids[kind];
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, name, sizeof(uint32_t), e->ibtf->sizes[kind],
			    max_entries, &opts);
	return fd < 0 ? -errno : fd;
}

/*
 * Writes the rules that do something (a deny or audit mode; file rules with
 * permissions) packed from index 0, each behind the profile mode and the
 * generation: every entry type is { __u32 profile_mode, generation; rule }.
 */
#define ENTRY_HEAD 8
_Static_assert(offsetof(struct pavise_file_entry, rule) == ENTRY_HEAD, "entry layout");
_Static_assert(offsetof(struct pavise_net_entry, rule) == ENTRY_HEAD, "entry layout");
_Static_assert(offsetof(struct pavise_mount_entry, rule) == ENTRY_HEAD, "entry layout");

static int fill_entries(int fd, const void *rules, size_t rule_size, uint32_t n, bool files,
			uint32_t mode, uint32_t generation)
{
	unsigned char ent[ENTRY_HEAD + sizeof(struct pavise_mount_rule)];
	uint32_t k = 0;

	if (rule_size > sizeof(ent) - ENTRY_HEAD)
		return -EINVAL;
	for (uint32_t i = 0; i < n && i < PAVISE_MAX_RULES; i++) {
		const unsigned char *rule = (const unsigned char *)rules + (size_t)i * rule_size;
		uint32_t rule_mode;

		/* Every rule record starts with its mode; file rules go on with permissions. */
		memcpy(&rule_mode, rule, sizeof(rule_mode));
		if (!(rule_mode & PAVISE_RULE_MODES))
			continue;
		if (files && !((const struct pavise_file_rule *)rules)[i].permissions)
			continue;
		memset(ent, 0, sizeof(ent));
		memcpy(ent, &mode, sizeof(mode));
		memcpy(ent + 4, &generation, sizeof(generation));
		memcpy(ent + ENTRY_HEAD, rule, rule_size);
		if (bpf_map_update_elem(fd, &k, ent, BPF_ANY) < 0)
			return -errno;
		k++;
	}
	return 0;
}

static void closep_array(int (*fds)[5])
{
	for (int i = 0; i < 5; i++)
		safe_close((*fds)[i]);
}

int bpf_enforcer_set_profile(struct bpf_enforcer *e, const char *name,
			     const struct pavise_bpf_profile *prof)
{
	static const int outer[5] = { MAP_META, MAP_FILES, MAP_PROCS, MAP_NETS, MAP_MOUNTS };
	_cleanup_(closep_array) int fds[5] = { -EBADF, -EBADF, -EBADF, -EBADF, -EBADF };
	struct pavise_slot_name sn;
	struct pavise_profile_meta meta = {};
	uint32_t slot, zero = 0;
	int r, existing;

	if (!e || !name || !prof)
		return -EINVAL;
	if (strlen(name) > ARMOR_NAME_MAX)
		return -EINVAL;
	if (prof->mode != PAVISE_PROFILE_ENFORCE && prof->mode != PAVISE_PROFILE_COMPLAIN)
		return -EINVAL;
	if (prof->n_files > PAVISE_MAX_RULES || prof->n_processes > PAVISE_MAX_RULES ||
	    prof->n_networks > PAVISE_MAX_RULES || prof->n_mounts > PAVISE_MAX_RULES)
		return -E2BIG;
	existing = bpf_slot_pick(e->slots, PAVISE_MAX_PROFILES, name, &slot);
	if (existing < 0)
		return existing;

	sn = e->slots[slot];
	sn.generation++;
	if (!existing) {
		memset(sn.name, 0, sizeof(sn.name));
		memcpy(sn.name, name, strlen(name));
		sn.first_generation = sn.generation;
	}
	meta.profile_mode = prof->mode;
	meta.generation = sn.generation;
	meta.capabilities = prof->capabilities;
	meta.ptrace = prof->ptrace;
	if (!(meta.capabilities.mode & PAVISE_RULE_MODES))
		meta.capabilities.caps = 0;
	if (!(meta.ptrace.mode & PAVISE_RULE_MODES))
		meta.ptrace.permissions = 0;

	/* New inner maps, written completely before anything can see them. */
	fds[0] = new_inner(e, INNER_META, "pv_meta", 1);
	fds[1] = new_inner(e, INNER_FILE, "pv_files", PAVISE_MAX_RULES);
	fds[2] = new_inner(e, INNER_FILE, "pv_procs", PAVISE_MAX_RULES);
	fds[3] = new_inner(e, INNER_NET, "pv_nets", PAVISE_MAX_RULES);
	fds[4] = new_inner(e, INNER_MOUNT, "pv_mounts", PAVISE_MAX_RULES);
	for (int i = 0; i < 5; i++)
		if (fds[i] < 0)
			return fds[i];
	if (bpf_map_update_elem(fds[0], &zero, &meta, BPF_ANY) < 0)
		return -errno;
	r = fill_entries(fds[1], prof->files, sizeof(prof->files[0]), prof->n_files, true,
			 prof->mode, sn.generation);
	if (r >= 0)
		r = fill_entries(fds[2], prof->processes, sizeof(prof->processes[0]),
				 prof->n_processes, true, prof->mode, sn.generation);
	if (r >= 0)
		r = fill_entries(fds[3], prof->networks, sizeof(prof->networks[0]),
				 prof->n_networks, false, prof->mode, sn.generation);
	if (r >= 0)
		r = fill_entries(fds[4], prof->mounts, sizeof(prof->mounts[0]), prof->n_mounts,
				 false, prof->mode, sn.generation);
	if (r < 0)
		return r;

	/* The name first (events of the new generation resolve), then one swap per type. */
	if (bpf_map_update_elem(e->fds[MAP_SLOT_NAMES], &slot, &sn, BPF_ANY) < 0)
		return -errno;
	e->slots[slot] = sn;
	for (int i = 0; i < 5; i++) {
		if (bpf_map_update_elem(e->fds[outer[i]], &slot, &fds[i], BPF_ANY) == 0)
			continue;
		r = -errno;
		/* A new profile that did not make it is not left half there. */
		if (!existing)
			(void)bpf_enforcer_remove_profile(e, name);
		return r;
	}
	return 0;
}

/* Calls fn for every binding; stops at the first negative return. */
static int for_each_binding(struct bpf_enforcer *e,
			    int (*fn)(struct bpf_enforcer *e, uint64_t id,
				      const struct pavise_binding *b, void *userdata),
			    void *userdata)
{
	uint64_t keys[PAVISE_MAX_CONTAINERS];
	size_t n = 0;
	uint64_t key, next;
	void *prev = NULL;

	/* Keys first, then the callbacks: fn may delete. */
	while (n < ELEMENTSOF(keys) &&
	       bpf_map_get_next_key(e->fds[MAP_CONTAINERS], prev, &next) == 0) {
		keys[n++] = next;
		key = next;
		prev = &key;
	}
	for (size_t i = 0; i < n; i++) {
		struct pavise_binding b;
		int r;

		if (bpf_map_lookup_elem(e->fds[MAP_CONTAINERS], &keys[i], &b) < 0)
			continue; /* gone meanwhile */
		r = fn(e, keys[i], &b, userdata);
		if (r < 0)
			return r;
	}
	return 0;
}

static int unbind_slot(struct bpf_enforcer *e, uint64_t id, const struct pavise_binding *b,
		       void *userdata)
{
	if (b->slot == *(const uint32_t *)userdata)
		(void)bpf_enforcer_unbind(e, id);
	return 0;
}

int bpf_enforcer_remove_profile(struct bpf_enforcer *e, const char *name)
{
	static const int outer[5] = { MAP_META, MAP_FILES, MAP_PROCS, MAP_NETS, MAP_MOUNTS };
	struct pavise_slot_name sn;
	uint32_t slot;
	int r;

	if (!e || !name)
		return -EINVAL;
	r = bpf_slot_find(e->slots, PAVISE_MAX_PROFILES, name, &slot);
	if (r < 0)
		return r;
	r = for_each_binding(e, unbind_slot, &slot);
	if (r < 0)
		return r;
	for (int i = 0; i < 5; i++)
		if (bpf_map_delete_elem(e->fds[outer[i]], &slot) < 0 && errno != ENOENT)
			return -errno;
	sn = e->slots[slot];
	memset(sn.name, 0, sizeof(sn.name));
	if (bpf_map_update_elem(e->fds[MAP_SLOT_NAMES], &slot, &sn, BPF_ANY) < 0)
		return -errno;
	e->slots[slot] = sn;
	return 0;
}

int bpf_enforcer_list_profiles(struct bpf_enforcer *e, char ***ret_names, size_t *ret_n)
{
	_cleanup_(strv_freep) char **v = NULL;
	size_t n = 0;

	if (!e || !ret_names || !ret_n)
		return -EINVAL;
	v = calloc(PAVISE_MAX_PROFILES + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < PAVISE_MAX_PROFILES; i++) {
		if (!e->slots[i].name[0])
			continue;
		v[n] = strdup(e->slots[i].name);
		if (!v[n])
			return -ENOMEM;
		n++;
	}
	*ret_names = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* ---- bindings ---- */

static int bind_flags(struct bpf_enforcer *e, uint64_t cgroup_id, const char *name,
		      const struct bpf_container_info *info, uint32_t flags)
{
	struct bpf_container_info ci = {};
	struct pavise_binding b = {};
	uint32_t slot;
	int r;

	if (!e || !name || cgroup_id == 0)
		return -EINVAL;
	r = bpf_slot_find(e->slots, PAVISE_MAX_PROFILES, name, &slot);
	if (r < 0)
		return r;
	if (info)
		ci = *info;
	/* Keep every string terminated whatever the caller passed. */
	ci.container_id[sizeof(ci.container_id) - 1] = 0;
	ci.container_name[sizeof(ci.container_name) - 1] = 0;
	ci.pod_namespace[sizeof(ci.pod_namespace) - 1] = 0;
	ci.pod_name[sizeof(ci.pod_name) - 1] = 0;
	ci.pod_uid[sizeof(ci.pod_uid) - 1] = 0;
	b.slot = slot;
	b.flags = flags;
	if (bpf_map_update_elem(e->fds[MAP_CONTAINER_INFO], &cgroup_id, &ci, BPF_ANY) < 0)
		return errno == E2BIG ? -ENOSPC : -errno;
	if (bpf_map_update_elem(e->fds[MAP_CONTAINERS], &cgroup_id, &b, BPF_ANY) < 0) {
		r = errno == E2BIG ? -ENOSPC : -errno;
		(void)bpf_map_delete_elem(e->fds[MAP_CONTAINER_INFO], &cgroup_id);
		return r;
	}
	return 0;
}

int bpf_enforcer_bind(struct bpf_enforcer *e, uint64_t cgroup_id, const char *name,
		      const struct bpf_container_info *info)
{
	return bind_flags(e, cgroup_id, name, info, 0);
}

int bpf_enforcer_bind_until_exec(struct bpf_enforcer *e, uint64_t cgroup_id, const char *name,
				 const struct bpf_container_info *info)
{
	return bind_flags(e, cgroup_id, name, info, PAVISE_BINDING_UNTIL_EXEC);
}

int bpf_enforcer_unbind(struct bpf_enforcer *e, uint64_t cgroup_id)
{
	int r = 0;

	if (!e)
		return -EINVAL;
	if (bpf_map_delete_elem(e->fds[MAP_CONTAINERS], &cgroup_id) < 0)
		r = -errno;
	(void)bpf_map_delete_elem(e->fds[MAP_CONTAINER_INFO], &cgroup_id);
	return r;
}

static void fill_binding(struct bpf_enforcer *e, uint64_t id, const struct pavise_binding *b,
			 struct bpf_binding *out)
{
	memset(out, 0, sizeof(*out));
	out->cgroup_id = id;
	if (b->slot < PAVISE_MAX_PROFILES)
		snprintf(out->profile, sizeof(out->profile), "%s", e->slots[b->slot].name);
	if (bpf_map_lookup_elem(e->fds[MAP_CONTAINER_INFO], &id, &out->info) < 0)
		memset(&out->info, 0, sizeof(out->info));
}

struct binding_list {
	struct bpf_binding *v;
	size_t n;
};

static int collect_binding(struct bpf_enforcer *e, uint64_t id, const struct pavise_binding *b,
			   void *userdata)
{
	struct binding_list *l = userdata;

	if (l->n >= PAVISE_MAX_CONTAINERS)
		return 0;
	fill_binding(e, id, b, &l->v[l->n++]);
	return 0;
}

int bpf_enforcer_list_bindings(struct bpf_enforcer *e, struct bpf_binding **ret, size_t *ret_n)
{
	struct binding_list l = {};
	int r;

	if (!e || !ret || !ret_n)
		return -EINVAL;
	l.v = calloc(PAVISE_MAX_CONTAINERS, sizeof(*l.v));
	if (!l.v)
		return -ENOMEM;
	r = for_each_binding(e, collect_binding, &l);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*ret = l.v;
	*ret_n = l.n;
	return 0;
}

int bpf_enforcer_lookup_binding(struct bpf_enforcer *e, uint64_t cgroup_id, struct bpf_binding *ret)
{
	struct pavise_binding b;

	if (!e || !ret)
		return -EINVAL;
	if (bpf_map_lookup_elem(e->fds[MAP_CONTAINERS], &cgroup_id, &b) < 0)
		return -errno;
	fill_binding(e, cgroup_id, &b, ret);
	return 0;
}

int bpf_enforcer_slot_name(struct bpf_enforcer *e, uint32_t slot, uint32_t generation, char *buf,
			   size_t size)
{
	const struct pavise_slot_name *sn;
	size_t len;

	if (!e || !buf || size == 0)
		return -EINVAL;
	if (slot >= PAVISE_MAX_PROFILES)
		return -ENOENT;
	sn = &e->slots[slot];
	if (!sn->name[0] || generation < sn->first_generation || generation > sn->generation)
		return -ENOENT;
	len = strnlen(sn->name, sizeof(sn->name));
	if (len >= size)
		return -ENOBUFS;
	memcpy(buf, sn->name, len + 1);
	return 0;
}

/* ---- events and statistics ---- */

int bpf_enforcer_events_fd(struct bpf_enforcer *e)
{
	if (!e || !e->rb)
		return -EINVAL;
	return ring_buffer__epoll_fd(e->rb);
}

int bpf_enforcer_events_consume(struct bpf_enforcer *e, bpf_event_fn fn, void *userdata)
{
	int r;

	if (!e || !e->rb || !fn)
		return -EINVAL;
	e->event_fn = fn;
	e->event_userdata = userdata;
	r = ring_buffer__consume(e->rb);
	e->event_fn = NULL;
	e->event_userdata = NULL;
	return r;
}

static int count_binding(struct bpf_enforcer *e, uint64_t id, const struct pavise_binding *b,
			 void *userdata)
{
	(void)e, (void)id, (void)b;
	(*(unsigned *)userdata)++;
	return 0;
}

void bpf_enforcer_stats(struct bpf_enforcer *e, struct bpf_enforcer_stats *ret)
{
	uint32_t zero = 0;
	int ncpus;

	if (!ret)
		return;
	memset(ret, 0, sizeof(*ret));
	if (!e)
		return;
	ret->took_over = e->took_over;
	ret->n_programs = e->n_programs;
	for (size_t i = 0; i < PAVISE_MAX_PROFILES; i++)
		if (e->slots[i].name[0])
			ret->n_profiles++;
	(void)for_each_binding(e, count_binding, &ret->n_bindings);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus > 0 && ncpus <= 4096) {
		_cleanup_free_ uint64_t *v = calloc((size_t)ncpus, sizeof(uint64_t));

		if (v && bpf_map_lookup_elem(e->fds[MAP_EVENTS_DROPPED], &zero, v) == 0)
			for (int i = 0; i < ncpus; i++)
				ret->events_dropped += v[i];
	}
}
