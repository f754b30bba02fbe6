// SPDX-License-Identifier: GPL-2.0-only
/* pavise's BPF LSM programs: vArmor's rules per container (cgroup v2 id), events into a ring buffer. */

#include "vmlinux-min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pavise-events.h"
#include "pavise-maps.h"
#include "path-match.h"

#ifndef SEC /* cppcheck reads no system headers: the shapes of libbpf's macros */
#define SEC(name)
#define BPF_PROG(name, args...) name(args)
#define __uint(name, val)	int name
#define __type(name, val)	val *name
#define __array(name, val)	val *name[]
#endif

/*
 * Every hook: honour an earlier denial, look the task's cgroup v2 id up in
 * `containers` (the only cost for a task outside every target; ptrace also
 * looks up the other task), then read one inner map of the container's
 * profile slot and try its rules with bpf_loop(). Map layout and the update
 * protocol: bpf/pavise-maps.h and bpf/README.md.
 */

char LICENSE[] SEC("license") = "GPL";

/* The host's mount namespace (inode of /proc/1/ns/mnt), set by the loader: ptrace from it is allowed. */
const volatile __u32 host_mnt_ns = 0;

#define PAVISE_WALK_MAX	  32 /* path components (and mount crossings) of a dentry walk */
#define PAVISE_WALK_SLACK 256 /* a name is copied whole, so the walk buffer has room for one more */
#define PAVISE_CAP_FULL	  ((1ULL << (PAVISE_CAP_LAST + 1)) - 1)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct pavise_binding);
} containers SEC(".maps");

struct pavise_container_info_raw {
	__u8 bytes[PAVISE_CONTAINER_INFO_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct pavise_container_info_raw);
} container_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__type(key, __u32);
	__type(value, struct pavise_slot_name);
} slot_names SEC(".maps");

struct meta_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pavise_profile_meta);
};

struct file_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PAVISE_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pavise_file_entry);
};

struct net_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PAVISE_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pavise_net_entry);
};

struct mount_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PAVISE_MAX_RULES);
	__type(key, __u32);
	__type(value, struct pavise_mount_entry);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__type(key, __u32);
	__array(values, struct meta_inner);
} meta_outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__type(key, __u32);
	__array(values, struct file_inner);
} files_outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__type(key, __u32);
	__array(values, struct file_inner);
} procs_outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__type(key, __u32);
	__array(values, struct net_inner);
} nets_outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, PAVISE_MAX_CONTAINERS);
	__type(key, __u32);
	__array(values, struct mount_inner);
} mounts_outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PAVISE_RINGBUF_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} events_dropped SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pavise_build);
} build SEC(".maps");

/* The state of a dentry walk (walk_path()). */
struct walk_state {
	__u64 dentry;
	__u64 vmnt;
	__u64 mnt;
	__u64 root_dentry;
	__u64 root_mnt;
	__u64 mnt_off; /* offsetof(struct mount, mnt) */
	__u32 pos; /* walk[pos..PAVISE_PATH_BUF) holds the path so far */
	__u32 _pad;
};

/* Per-CPU scratch: two paths (link, rename), the walk buffer and state, an fstype. */
struct scratch {
	__u8 path[PAVISE_PATH_BUF];
	__u8 path2[PAVISE_PATH_BUF];
	__u8 walk[PAVISE_PATH_BUF + PAVISE_WALK_SLACK];
	__u8 fstype[PAVISE_FSTYPE_MAX];
	struct walk_state ws;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/* Zeroes to clear a ring-buffer record with (never leak its previous bytes). */
const struct pavise_event zero_event = {};

/*
 * clang writes only a forward declaration into BTF for a value type that an
 * inner map template alone names, and libbpf then cannot size the inner map:
 * this read-only global makes the four types complete.
 */
const struct {
	struct pavise_profile_meta meta;
	struct pavise_file_entry file;
	struct pavise_net_entry net;
	struct pavise_mount_entry mount;
} inner_value_types = {};

/* What the rules of one hook call decided. */
struct verdict {
	__u32 rule_mode; /* OR of the modes of the matching rules (up to the first deny) */
	__u32 profile_mode;
	__u32 generation;
	__u32 _pad;
};

/* ---- helpers ---- */

/* A binding in force: present and past the container's first exec. */
static __always_inline const struct pavise_binding *binding_of(__u64 *cgid)
{
	const struct pavise_binding *b = bpf_map_lookup_elem(&containers, cgid);

	return b && !(b->flags & PAVISE_BINDING_UNTIL_EXEC) ? b : NULL;
}

static __always_inline const struct pavise_binding *current_binding(__u64 *cgid)
{
	*cgid = bpf_get_current_cgroup_id();
	return binding_of(cgid);
}

static __always_inline struct scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch_map, &zero);
}

/* 0: allow; -EPERM: deny. *action: the event to emit (0: none). */
static __always_inline int decide(const struct verdict *v, __u32 *action)
{
	__u32 m = v->rule_mode;

	*action = 0;
	if (!(m & PAVISE_RULE_MODES))
		return 0;
	if (v->profile_mode == PAVISE_PROFILE_COMPLAIN) {
		*action = PAVISE_ACTION_ALLOWED;
		return 0;
	}
	if (m & PAVISE_RULE_DENY) {
		if (m & PAVISE_RULE_AUDIT)
			*action = PAVISE_ACTION_DENIED;
		return -EPERM;
	}
	*action = PAVISE_ACTION_AUDIT;
	return 0;
}

static __always_inline void count_drop(void)
{
	__u32 zero = 0;
	__u64 *d = bpf_map_lookup_elem(&events_dropped, &zero);

	if (d)
		__sync_fetch_and_add(d, 1);
}

/* A cleared record with the common fields filled; NULL (and counted) when the buffer is full. */
static __always_inline struct pavise_event *event_new(__u32 type, __u32 action, __u64 cgid,
						      __u32 slot, __u32 generation)
{
	struct pavise_event *ev;
	__u64 id;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count_drop();
		return NULL;
	}
	bpf_probe_read_kernel(ev, sizeof(*ev), &zero_event);
	id = bpf_get_current_pid_tgid();
	ev->action = action;
	ev->type = type;
	ev->cgroup_id = cgid;
	ev->ktime_ns = bpf_ktime_get_boot_ns();
	ev->tgid = id >> 32;
	ev->pid = (__u32)id;
	ev->profile_slot = slot;
	ev->profile_generation = generation;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	return ev;
}

/* Copies path[0..len) into an event's path field, NUL-terminated (the record is zeroed). */
static __always_inline void event_path(__u8 *dst, const __u8 *path, __u32 len)
{
	if (len >= PAVISE_EVENT_PATH_MAX)
		len = PAVISE_EVENT_PATH_MAX - 1;
	pavise_forget_bounds(len); /* a mask clang keeps: the verifier needs it */
	bpf_probe_read_kernel(dst, len, path);
}

/*
 * A dentry walk, one bpf_loop() step per component or mount crossing. Its
 * state lives in the per-CPU scratch map, not on the stack: values loaded
 * from a map are unknown to the verifier, so the callback's states merge
 * after a step or two, where exact stack values would make it verify every
 * distinct position (hundreds of thousands of instructions).
 */
struct walk_ctx {
	struct scratch *s;
};

static long walk_cb(__u32 index, void *data)
{
	struct scratch *s = ((struct walk_ctx *)data)->s;
	struct walk_state *w = &s->ws;
	struct dentry *dentry = (struct dentry *)w->dentry, *mnt_root, *parent;
	struct vfsmount *vmnt = (struct vfsmount *)w->vmnt;
	struct mount *mnt = (struct mount *)w->mnt;
	const unsigned char *name;
	__u32 len, pos = w->pos;

	if (w->dentry == w->root_dentry && w->vmnt == w->root_mnt)
		return 1;
	mnt_root = BPF_CORE_READ(vmnt, mnt_root);
	parent = BPF_CORE_READ(dentry, d_parent);
	if (dentry == mnt_root || dentry == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt)
			return 1; /* the top of the mount tree */
		w->dentry = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = (__u64)up;
		w->vmnt = (__u64)up + w->mnt_off;
		return 0;
	}
	len = BPF_CORE_READ(dentry, d_name.len);
	name = BPF_CORE_READ(dentry, d_name.name);
	if (pos > PAVISE_PATH_BUF || len >= PAVISE_WALK_SLACK || len + 2 > pos)
		return 1;
	pos -= len;
	bpf_probe_read_kernel(&s->walk[pos & PAVISE_PATH_MASK], len & (PAVISE_WALK_SLACK - 1),
			      name);
	pos--;
	s->walk[pos & PAVISE_PATH_MASK] = '/';
	w->pos = pos;
	w->dentry = (__u64)parent;
	return 0;
}

/*
 * The path of dentry on vmnt, as the task sees it (up to its root), built
 * backwards in s->walk and copied to out[0..len). Bounded: PAVISE_WALK_MAX
 * components and mount crossings; a longer path keeps its last part
 * (bpf/README.md, capacities). Returns the length.
 */
static __always_inline __u32 walk_path(struct scratch *s, struct dentry *dentry,
				       struct vfsmount *vmnt, __u8 *out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct walk_ctx c = { .s = s };
	__u32 pos, len;

	s->ws.dentry = (__u64)dentry;
	s->ws.vmnt = (__u64)vmnt;
	s->ws.mnt_off = bpf_core_field_offset(struct mount, mnt);
	s->ws.mnt = (__u64)vmnt - s->ws.mnt_off;
	s->ws.root_dentry = (__u64)BPF_CORE_READ(task, fs, root.dentry);
	s->ws.root_mnt = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	s->ws.pos = PAVISE_PATH_BUF;
	bpf_loop(PAVISE_WALK_MAX, walk_cb, &c, 0);
	pos = s->ws.pos;
	if (pos > PAVISE_PATH_BUF)
		pos = PAVISE_PATH_BUF;
	if (pos == PAVISE_PATH_BUF) {
		pos--;
		s->walk[pos & PAVISE_PATH_MASK] = '/';
	}
	len = PAVISE_PATH_BUF - pos;
	pavise_forget_bounds(len);
	bpf_probe_read_kernel(out, len, &s->walk[pos & PAVISE_PATH_MASK]);
	return len;
}

/* A rule matched: remember it; 1 (stop the loop) when it denies. */
static __always_inline long record_match(struct verdict *v, __u32 rule_mode, __u32 profile_mode,
					 __u32 generation)
{
	v->rule_mode |= rule_mode;
	v->profile_mode = profile_mode;
	v->generation = generation;
	return (rule_mode & PAVISE_RULE_DENY) ? 1 : 0;
}

/* ---- file and exec rules ---- */

struct file_ctx {
	void *rules; /* an inner map of files_outer or procs_outer */
	const __u8 *path;
	__u32 len;
	__u32 name_off;
	__u32 perms; /* PAVISE_FILE_* asked for */
	struct verdict v;
};

static long file_rule_cb(__u32 index, void *data)
{
	struct file_ctx *c = data;
	const struct pavise_file_entry *e;
	__u32 i = index;

	e = bpf_map_lookup_elem(c->rules, &i);
	if (!e || !e->profile_mode)
		return 1;
	if (!(e->rule.permissions & c->perms) || !(e->rule.mode & PAVISE_RULE_MODES))
		return 0;
	if (!pavise_path_match(&e->rule.pattern, c->path, c->len, c->name_off))
		return 0;
	return record_match(&c->v, e->rule.mode, e->profile_mode, e->generation);
}

/* The current task's container and its rules of one type. */
struct hook {
	__u64 cgid;
	__u32 slot;
	__u32 _pad;
	void *rules; /* the slot's inner map of the hook's type */
	struct scratch *s;
};

/* 1 when the current task is in a bound container whose profile has rules in `outer`. */
static __always_inline int hook_begin(void *outer, struct hook *h)
{
	const struct pavise_binding *b = current_binding(&h->cgid);

	if (!b)
		return 0;
	h->slot = b->slot;
	h->rules = bpf_map_lookup_elem(outer, &h->slot);
	h->s = get_scratch();
	return h->rules && h->s;
}

/* Tries the rules on one path; returns 0 or -EPERM and emits the event. */
static __always_inline int check_file(const struct hook *h, const __u8 *path, __u32 len,
				      __u32 perms, __u32 type)
{
	struct file_ctx c = {
		.rules = h->rules,
		.path = path,
		.len = len,
		.perms = perms,
	};
	struct pavise_event *ev;
	__u32 action;
	int ret;

	if (len >= PAVISE_PATH_BUF)
		return 0;
	c.name_off = pavise_path_name_offset(path, len);
	bpf_loop(PAVISE_MAX_RULES, file_rule_cb, &c, 0);
	ret = decide(&c.v, &action);
	if (!action)
		return ret;
	ev = event_new(type, action, h->cgid, h->slot, c.v.generation);
	if (ev) {
		ev->file.permissions = perms;
		event_path(ev->file.path, path, len);
		bpf_ringbuf_submit(ev, 0);
	}
	return ret;
}

SEC("lsm/file_open")
int BPF_PROG(pavise_file_open, struct file *file, int ret)
{
	__u32 perms = 0, fmode, flags;
	struct hook h = {};
	long len;

	if (ret)
		return ret;
	if (!hook_begin(&files_outer, &h))
		return 0;
	fmode = BPF_CORE_READ(file, f_mode);
	flags = BPF_CORE_READ(file, f_flags);
	if (fmode & FMODE_EXEC) /* the exec itself: bprm_check_security */
		return 0;
	if (fmode & FMODE_READ)
		perms |= PAVISE_FILE_READ;
	if (fmode & FMODE_WRITE)
		perms |= (flags & O_APPEND) ? PAVISE_FILE_APPEND : PAVISE_FILE_WRITE;
	if (fmode & FMODE_CREATED)
		perms |= PAVISE_FILE_CREATE;
	if (!perms)
		return 0;
	len = bpf_d_path(&file->f_path, (char *)h.s->path, PAVISE_PATH_BUF);
	if (len <= 0)
		return 0;
	return check_file(&h, h.s->path, (__u32)len - 1, perms, PAVISE_EVENT_FILE);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(pavise_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct hook h = {};
	struct file *file;
	long len;

	if (ret)
		return ret;
	/* The first exec in a container bound before it ran arms the binding, then is checked. */
	{
		__u64 cgid = bpf_get_current_cgroup_id();
		struct pavise_binding *b = bpf_map_lookup_elem(&containers, &cgid);

		if (b && (b->flags & PAVISE_BINDING_UNTIL_EXEC))
			b->flags &= ~PAVISE_BINDING_UNTIL_EXEC; /* racing execs clear it alike */
	}
	if (!hook_begin(&procs_outer, &h))
		return 0;
	file = bprm->file;
	if (!file)
		return 0;
	len = bpf_d_path(&file->f_path, (char *)h.s->path, PAVISE_PATH_BUF);
	if (len <= 0)
		return 0;
	return check_file(&h, h.s->path, (__u32)len - 1, PAVISE_FILE_EXEC, PAVISE_EVENT_BPRM);
}

/*
 * Creating a file (open(O_CREAT), mknod(2), mkfifo): checked before the inode
 * exists. file_open alone comes too late for creation: the file would be left
 * behind, empty, and a second attempt (touch: utimensat on it) would need no
 * open at all.
 */
SEC("lsm/path_mknod")
int BPF_PROG(pavise_path_mknod, const struct path *dir, struct dentry *dentry, unsigned short mode,
	     unsigned int dev, int ret)
{
	struct hook h = {};
	__u32 len;

	if (ret)
		return ret;
	if (!hook_begin(&files_outer, &h))
		return 0;
	len = walk_path(h.s, dentry, BPF_CORE_READ(dir, mnt), h.s->path);
	return check_file(&h, h.s->path, len, PAVISE_FILE_CREATE | PAVISE_FILE_WRITE,
			  PAVISE_EVENT_FILE);
}

SEC("lsm/path_symlink")
int BPF_PROG(pavise_path_symlink, const struct path *dir, struct dentry *dentry,
	     const char *old_name, int ret)
{
	struct hook h = {};
	__u32 len;

	if (ret)
		return ret;
	if (!hook_begin(&files_outer, &h))
		return 0;
	len = walk_path(h.s, dentry, BPF_CORE_READ(dir, mnt), h.s->path);
	return check_file(&h, h.s->path, len, PAVISE_FILE_WRITE | PAVISE_FILE_LINK,
			  PAVISE_EVENT_FILE);
}

SEC("lsm/path_link")
int BPF_PROG(pavise_path_link, struct dentry *old_dentry, const struct path *new_dir,
	     struct dentry *new_dentry, int ret)
{
	struct vfsmount *mnt;
	struct hook h = {};
	__u32 len;
	int r;

	if (ret)
		return ret;
	if (!hook_begin(&files_outer, &h))
		return 0;
	mnt = BPF_CORE_READ(new_dir, mnt);
	len = walk_path(h.s, old_dentry, mnt, h.s->path);
	r = check_file(&h, h.s->path, len, PAVISE_FILE_READ | PAVISE_FILE_LINK, PAVISE_EVENT_FILE);
	if (r)
		return r;
	len = walk_path(h.s, new_dentry, mnt, h.s->path2);
	return check_file(&h, h.s->path2, len, PAVISE_FILE_WRITE | PAVISE_FILE_LINK,
			  PAVISE_EVENT_FILE);
}

/* The hook's fifth argument (flags, RENAME_*) is not used, so the earlier verdict is not read either. */
SEC("lsm/path_rename")
int BPF_PROG(pavise_path_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry)
{
	struct hook h = {};
	__u32 len;
	int r;

	if (!hook_begin(&files_outer, &h))
		return 0;
	len = walk_path(h.s, old_dentry, BPF_CORE_READ(old_dir, mnt), h.s->path);
	r = check_file(&h, h.s->path, len, PAVISE_FILE_READ | PAVISE_FILE_RENAME,
		       PAVISE_EVENT_FILE);
	if (r)
		return r;
	len = walk_path(h.s, new_dentry, BPF_CORE_READ(new_dir, mnt), h.s->path2);
	return check_file(&h, h.s->path2, len, PAVISE_FILE_WRITE, PAVISE_EVENT_FILE);
}

/* ---- capabilities and ptrace ---- */

static __always_inline const struct pavise_profile_meta *meta_of(__u32 slot)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&meta_outer, &slot);

	if (!inner)
		return NULL;
	return bpf_map_lookup_elem(inner, &zero);
}

SEC("lsm/capable")
int BPF_PROG(pavise_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	const struct pavise_profile_meta *m;
	const struct pavise_binding *b;
	struct task_struct *task;
	struct pavise_event *ev;
	struct verdict v = {};
	kernel_cap_t eff;
	__u32 action;
	__u64 cgid;
	int r;

	if (ret)
		return ret;
	b = current_binding(&cgid);
	if (!b)
		return 0;
	if (cap < 0 || cap > PAVISE_CAP_LAST)
		return 0;
	m = meta_of(b->slot);
	if (!m || !(m->capabilities.caps & (1ULL << cap)))
		return 0;
	/*
	 * Not the task's own credentials (override_creds(): overlayfs copy-up
	 * with the mounter's, has_capability() on another task), or every
	 * capability (the runtime setting the container up before it drops
	 * them; privileged containers are out of scope): not the container's
	 * request. vArmor skips the same two cases by their masks.
	 */
	task = bpf_get_current_task_btf();
	if ((void *)cred != (void *)BPF_CORE_READ(task, real_cred))
		return 0;
	BPF_CORE_READ_INTO(&eff, cred, cap_effective);
	if ((eff.val & PAVISE_CAP_FULL) == PAVISE_CAP_FULL)
		return 0;
	v.rule_mode = m->capabilities.mode;
	v.profile_mode = m->profile_mode;
	r = decide(&v, &action);
	if (!action)
		return r;
	ev = event_new(PAVISE_EVENT_CAPABILITY, action, cgid, b->slot, m->generation);
	if (ev) {
		ev->capability.capability = cap;
		bpf_ringbuf_submit(ev, 0);
	}
	return r;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(pavise_ptrace_access_check, struct task_struct *child, unsigned int mode, int ret)
{
	const struct pavise_profile_meta *m = NULL;
	const struct pavise_binding *tracer, *tracee;
	struct task_struct *task;
	struct pavise_event *ev;
	struct verdict v = {};
	__u32 perm = 0, action, slot = 0;
	__u64 cgid, child_cgid;
	int r;

	if (ret)
		return ret;
	cgid = bpf_get_current_cgroup_id();
	child_cgid = task_cgroup_id(child);
	tracer = binding_of(&cgid);
	if (tracer) {
		m = meta_of(tracer->slot);
		perm = (mode & PTRACE_MODE_ATTACH) ? PAVISE_PTRACE_TRACE : PAVISE_PTRACE_READ;
		if (m && (m->ptrace.permissions & perm) &&
		    ((m->ptrace.flags & PAVISE_MATCH_GREEDY) || child_cgid != cgid)) {
			v.rule_mode = m->ptrace.mode;
			slot = tracer->slot;
		} else {
			m = NULL;
		}
	}
	if (!m) {
		tracee = binding_of(&child_cgid);
		if (!tracee)
			return 0;
		task = bpf_get_current_task_btf();
		if (host_mnt_ns && BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum) == host_mnt_ns)
			return 0;
		m = meta_of(tracee->slot);
		perm = (mode & PTRACE_MODE_ATTACH) ? PAVISE_PTRACE_TRACEBY : PAVISE_PTRACE_READBY;
		if (!m || !(m->ptrace.permissions & perm) ||
		    (!(m->ptrace.flags & PAVISE_MATCH_GREEDY) && child_cgid == cgid))
			return 0;
		v.rule_mode = m->ptrace.mode;
		slot = tracee->slot;
		cgid = child_cgid;
	}
	v.profile_mode = m->profile_mode;
	r = decide(&v, &action);
	if (!action)
		return r;
	ev = event_new(PAVISE_EVENT_PTRACE, action, cgid, slot, m->generation);
	if (ev) {
		ev->ptrace.permissions = perm;
		ev->ptrace.peer_tgid = BPF_CORE_READ(child, tgid);
		ev->ptrace.peer_cgroup_id = child_cgid;
		bpf_ringbuf_submit(ev, 0);
	}
	return r;
}

/* ---- network ---- */

struct net_ctx {
	void *rules;
	__u32 socket; /* 1: socket(2) request, 0: connect(2) */
	__u32 family;
	__u32 type;
	__u32 protocol;
	__u16 port;
	__u16 _pad;
	__u32 _pad2;
	__u8 address[16];
	struct verdict v;
};

static __always_inline int net_connect_match(const struct pavise_net_rule *r,
					     const struct net_ctx *c)
{
	__u32 f = r->flags;
	int i;

	if (f & (PAVISE_NET_SOCKET | PAVISE_NET_POD_SELF_IP))
		return 0;
	/* IPV4 and IPV6 together ("unspecified", ports only): either family. */
	if (c->family == AF_INET && (f & PAVISE_NET_IPV6) && !(f & PAVISE_NET_IPV4))
		return 0;
	if (c->family == AF_INET6 && (f & PAVISE_NET_IPV4) && !(f & PAVISE_NET_IPV6))
		return 0;
	if (f & (PAVISE_MATCH_PRECISE | PAVISE_NET_CIDR)) {
		for (i = 0; i < 16; i++)
			if ((c->address[i] & r->mask[i]) != (r->address[i] & r->mask[i]))
				return 0;
	}
	if (f & PAVISE_NET_PORT)
		return c->port == r->port;
	if (f & PAVISE_NET_PORT_RANGE)
		return c->port >= r->port && c->port <= r->end_port;
	if (f & PAVISE_NET_PORTS) {
		for (i = 0; i < PAVISE_PORTS_MAX; i++) {
			if (!r->ports[i])
				return 0;
			if (r->ports[i] == c->port)
				return 1;
		}
		return 0;
	}
	return 1;
}

static __always_inline int net_socket_match(const struct pavise_net_rule *r,
					    const struct net_ctx *c)
{
	if (!(r->flags & PAVISE_NET_SOCKET))
		return 0;
	if (!r->domains && !r->types && !r->protocols)
		return 0;
	if (r->domains && (c->family >= 64 || !(r->domains & (1ULL << c->family))))
		return 0;
	if (r->types && (c->type >= 64 || !(r->types & (1ULL << c->type))))
		return 0;
	if (r->protocols && (c->protocol >= 64 || !(r->protocols & (1ULL << c->protocol))))
		return 0;
	return 1;
}

static long net_rule_cb(__u32 index, void *data)
{
	struct net_ctx *c = data;
	const struct pavise_net_entry *e;
	__u32 i = index;
	int hit;

	e = bpf_map_lookup_elem(c->rules, &i);
	if (!e || !e->profile_mode)
		return 1;
	if (!(e->rule.mode & PAVISE_RULE_MODES))
		return 0;
	hit = c->socket ? net_socket_match(&e->rule, c) : net_connect_match(&e->rule, c);
	if (!hit)
		return 0;
	return record_match(&c->v, e->rule.mode, e->profile_mode, e->generation);
}

static __always_inline int check_net(const struct hook *h, struct net_ctx *c)
{
	struct pavise_event *ev;
	__u32 action;
	int r;

	bpf_loop(PAVISE_MAX_RULES, net_rule_cb, c, 0);
	r = decide(&c->v, &action);
	if (!action)
		return r;
	ev = event_new(PAVISE_EVENT_NETWORK, action, h->cgid, h->slot, c->v.generation);
	if (ev) {
		if (c->socket) {
			ev->network.kind = PAVISE_NET_EVENT_SOCKET;
			ev->network.domain = c->family;
			ev->network.type = c->type;
			ev->network.protocol = c->protocol;
		} else {
			ev->network.kind = PAVISE_NET_EVENT_CONNECT;
			ev->network.family = c->family;
			ev->network.port = c->port;
			__builtin_memcpy(ev->network.address, c->address, 16);
		}
		bpf_ringbuf_submit(ev, 0);
	}
	return r;
}

SEC("lsm/socket_connect")
int BPF_PROG(pavise_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	struct net_ctx c = {};
	struct hook h = {};
	__u16 family;
	int i;

	if (ret)
		return ret;
	if (!hook_begin(&nets_outer, &h))
		return 0;
	c.rules = h.rules;
	if (bpf_probe_read_kernel(&family, sizeof(family), address))
		return 0;
	if (family == AF_INET) {
		struct sockaddr_in sin;

		if (addrlen < (int)sizeof(sin) || bpf_probe_read_kernel(&sin, sizeof(sin), address))
			return 0;
		c.port = __builtin_bswap16(sin.sin_port);
		__builtin_memcpy(c.address, &sin.sin_addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 sin6;

		if (addrlen < 24 || bpf_probe_read_kernel(&sin6, 24, address))
			return 0;
		c.port = __builtin_bswap16(sin6.sin6_port);
		/* ::ffff:a.b.c.d reaches an IPv4 address: judge it as one. */
		if (!*(__u64 *)&sin6.sin6_addr[0] && *(__u32 *)&sin6.sin6_addr[8] == 0xffff0000) {
			family = AF_INET;
			for (i = 0; i < 4; i++)
				c.address[i] = sin6.sin6_addr[12 + i];
		} else {
			__builtin_memcpy(c.address, sin6.sin6_addr, 16);
		}
	} else {
		return 0;
	}
	c.family = family;
	return check_net(&h, &c);
}

SEC("lsm/socket_create")
int BPF_PROG(pavise_socket_create, int family, int type, int protocol, int kern, int ret)
{
	struct net_ctx c = {};
	struct hook h = {};

	if (ret)
		return ret;
	if (kern)
		return 0;
	if (!hook_begin(&nets_outer, &h))
		return 0;
	c.rules = h.rules;
	c.socket = 1;
	c.family = family;
	c.type = type & SOCK_TYPE_MASK;
	c.protocol = protocol;
	/* The protocol the kernel picks for 0 on inet sockets. */
	if (!protocol && (family == AF_INET || family == AF_INET6)) {
		if (c.type == SOCK_STREAM)
			c.protocol = IPPROTO_TCP;
		else if (c.type == SOCK_DGRAM)
			c.protocol = IPPROTO_UDP;
	}
	return check_net(&h, &c);
}

/* ---- mounts ---- */

struct mount_ctx {
	void *rules;
	const __u8 *path; /* the source (mount, move_mount) or mount point (umount) */
	const __u8 *fstype; /* NUL-terminated, PAVISE_FSTYPE_MAX bytes */
	__u32 len;
	__u32 name_off;
	__u32 flags; /* PAVISE_MS_* */
	__u32 _pad;
	struct verdict v;
};

static __always_inline int fstype_match(const __u8 *rule, const __u8 *fstype)
{
	int i;

	if (rule[0] == '*' && rule[1] == 0)
		return 1;
	for (i = 0; i < PAVISE_FSTYPE_MAX; i++) {
		if (rule[i] != fstype[i])
			return 0;
		if (!rule[i])
			return 1;
	}
	return 1;
}

static long mount_rule_cb(__u32 index, void *data)
{
	struct mount_ctx *c = data;
	const struct pavise_mount_entry *e;
	__u32 i = index;

	e = bpf_map_lookup_elem(c->rules, &i);
	if (!e || !e->profile_mode)
		return 1;
	if (!(e->rule.mode & PAVISE_RULE_MODES))
		return 0;
	if (c->flags & PAVISE_MS_UMOUNT) {
		/* umount matches its own flag only ("all" includes it). */
		if (!(e->rule.mount_flags & PAVISE_MS_UMOUNT))
			return 0;
	} else if (!(e->rule.mount_flags & c->flags) &&
		   !(e->rule.reverse_mount_flags & ~c->flags)) {
		return 0;
	}
	if (!fstype_match(e->rule.fstype, c->fstype))
		return 0;
	if (!pavise_path_match(&e->rule.pattern, c->path, c->len, c->name_off))
		return 0;
	return record_match(&c->v, e->rule.mode, e->profile_mode, e->generation);
}

static __always_inline int check_mount(const struct hook *h, struct mount_ctx *c)
{
	struct pavise_event *ev;
	__u32 action;
	int r;

	if (c->len >= PAVISE_PATH_BUF)
		return 0;
	c->name_off = pavise_path_name_offset(c->path, c->len);
	bpf_loop(PAVISE_MAX_RULES, mount_rule_cb, c, 0);
	r = decide(&c->v, &action);
	if (!action)
		return r;
	ev = event_new(PAVISE_EVENT_MOUNT, action, h->cgid, h->slot, c->v.generation);
	if (ev) {
		ev->mount.flags = c->flags;
		bpf_probe_read_kernel(ev->mount.fstype, PAVISE_FSTYPE_MAX - 1, c->fstype);
		event_path(ev->mount.path, c->path, c->len);
		bpf_ringbuf_submit(ev, 0);
	}
	return r;
}

static __always_inline void set_fstype_none(__u8 *fstype)
{
	fstype[0] = 'n';
	fstype[1] = 'o';
	fstype[2] = 'n';
	fstype[3] = 'e';
	fstype[4] = 0;
}

#define MS_FSTYPE_NONE \
	(MS_REMOUNT | MS_BIND | MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE | MS_MOVE)

SEC("lsm/sb_mount")
int BPF_PROG(pavise_sb_mount, const char *dev_name, const struct path *path, const char *type,
	     unsigned long flags, void *data, int ret)
{
	struct mount_ctx c = {};
	struct hook h = {};
	struct scratch *s;
	long n;

	if (ret)
		return ret;
	if (!hook_begin(&mounts_outer, &h))
		return 0;
	c.rules = h.rules;
	s = h.s;
	c.flags = (__u32)flags & ~(__u32)PAVISE_MS_UMOUNT;
	s->fstype[0] = 0;
	if (c.flags & MS_FSTYPE_NONE)
		set_fstype_none(s->fstype);
	else if (type && bpf_probe_read_kernel_str(s->fstype, PAVISE_FSTYPE_MAX, type) < 0)
		s->fstype[0] = 0;
	n = dev_name ? bpf_probe_read_kernel_str(s->path, PAVISE_PATH_BUF, dev_name) : 0;
	c.len = n > 0 ? (__u32)n - 1 : 0;
	c.path = s->path;
	c.fstype = s->fstype;
	return check_mount(&h, &c);
}

SEC("lsm/move_mount")
int BPF_PROG(pavise_move_mount, const struct path *from_path, const struct path *to_path, int ret)
{
	struct mount_ctx c = {};
	struct hook h = {};
	struct scratch *s;

	if (ret)
		return ret;
	if (!hook_begin(&mounts_outer, &h))
		return 0;
	c.rules = h.rules;
	s = h.s;
	set_fstype_none(s->fstype);
	c.flags = MS_MOVE;
	c.len = walk_path(s, BPF_CORE_READ(from_path, dentry), BPF_CORE_READ(from_path, mnt),
			  s->path);
	c.path = s->path;
	c.fstype = s->fstype;
	return check_mount(&h, &c);
}

SEC("lsm/sb_umount")
int BPF_PROG(pavise_sb_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct mount_ctx c = {};
	struct hook h = {};
	struct scratch *s;
	const char *fs;

	if (ret)
		return ret;
	if (!hook_begin(&mounts_outer, &h))
		return 0;
	c.rules = h.rules;
	s = h.s;
	fs = BPF_CORE_READ(mnt, mnt_sb, s_type, name);
	if (!fs || bpf_probe_read_kernel_str(s->fstype, PAVISE_FSTYPE_MAX, fs) < 0)
		s->fstype[0] = 0;
	c.flags = PAVISE_MS_UMOUNT;
	c.len = walk_path(s, BPF_CORE_READ(mnt, mnt_root), mnt, s->path);
	c.path = s->path;
	c.fstype = s->fstype;
	return check_mount(&h, &c);
}

/* ---- cleanup ---- */

/*
 * A removed cgroup v2 directory takes its binding with it, even while no
 * enforcer runs. Cgroup v1 hierarchies number their directories on their
 * own, so only the default hierarchy (id 0) counts.
 */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(pavise_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&containers, &id);
	bpf_map_delete_elem(&container_info, &id);
	return 0;
}
