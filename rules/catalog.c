// SPDX-License-Identifier: Apache-2.0
/* The built-in rule catalog as data: every rule of vArmor's catalog with its three implementations. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "common/macro.h"
#include "rules/catalog.h"

/* Longest ID worth comparing: longer input is not a misspelling of ours. */
#define CATALOG_ID_MAX 64

#define CAP_BIT(cap)   (UINT64_C(1) << (cap))

#define LINES(...)     ((const char *const[]){ __VA_ARGS__, NULL })
#define NAMES(...)     ((const char *const[]){ __VA_ARGS__, NULL })
#define BPF(...)                                            \
	.bpf = (const struct catalog_bpf[]){ __VA_ARGS__ }, \
	.n_bpf = sizeof((const struct catalog_bpf[]){ __VA_ARGS__ }) / sizeof(struct catalog_bpf)
#define SECCOMP(...)                                                           \
	.seccomp = (const struct catalog_seccomp[]){ __VA_ARGS__ },            \
	.n_seccomp = sizeof((const struct catalog_seccomp[]){ __VA_ARGS__ }) / \
		     sizeof(struct catalog_seccomp)

/* Permission sets of section 7, in the neutral BPF form. */
#define PERM_R	 CATALOG_PERM_READ
#define PERM_WA	 (CATALOG_PERM_WRITE | CATALOG_PERM_APPEND)
#define PERM_RWA (CATALOG_PERM_READ | CATALOG_PERM_WRITE | CATALOG_PERM_APPEND)

#define BPF_FILE(pat, perms)                                                      \
	{                                                                         \
		.kind = CATALOG_BPF_FILE, .pattern = (pat), .file_perms = (perms) \
	}
#define BPF_EXEC(pat)                                      \
	{                                                  \
		.kind = CATALOG_BPF_EXEC, .pattern = (pat) \
	}
#define BPF_CAPS(mask)                                           \
	{                                                        \
		.kind = CATALOG_BPF_CAPABILITIES, .caps = (mask) \
	}
#define BPF_EGRESS(addr)                                      \
	{                                                     \
		.kind = CATALOG_BPF_EGRESS, .address = (addr) \
	}

/*
 * Mount rules. A "new mount" is any mount(2) that is not a bind, remount,
 * propagation change or move, nor an umount: "all" flags minus those.
 * Bind-like operations have no fstype of their own, so they match "none".
 */
#define NEW_MOUNT_EXCEPT                                                                         \
	NAMES("remount", "bind", "make-shared", "make-private", "make-slave", "make-unbindable", \
	      "move", "umount")
#define BPF_NEW_MOUNT(fs)                                                            \
	{                                                                            \
		.kind = CATALOG_BPF_MOUNT, .pattern = "**", .fstype = (fs),          \
		.mount_flags = NAMES("all"), .mount_flags_except = NEW_MOUNT_EXCEPT, \
		.privileged_only = true                                              \
	}
#define BPF_BIND_FAMILY(pat)                                                       \
	{                                                                          \
		.kind = CATALOG_BPF_MOUNT, .pattern = (pat), .fstype = "none",     \
		.mount_flags = NAMES("bind", "rbind", "remount", "move", "umount") \
	}

/* Seccomp argument conditions. */
#define SC_ARG_EQ(i, v)                                         \
	{                                                       \
		.index = (i), .op = CATALOG_SC_EQ, .value = (v) \
	}
#define SC_ARG_MASKED(i, mask)                                                                 \
	{                                                                                      \
		.index = (i), .op = CATALOG_SC_MASKED_EQ, .value = (mask), .value_two = (mask) \
	}
#define SC_PLAIN(name)            \
	{                         \
		.syscall = (name) \
	}
#define SC_MASKED(name, i, mask)                                                   \
	{                                                                          \
		.syscall = (name), .args = { SC_ARG_MASKED(i, mask) }, .n_args = 1 \
	}
/* One rule per mode bit, as vArmor does: (mode & bit) == bit for chmod, fchmod, fchmodat, fchmodat2. */
#define SC_CHMOD_BIT(bit)                                                                       \
	SC_MASKED("chmod", 1, bit), SC_MASKED("fchmod", 1, bit), SC_MASKED("fchmodat", 2, bit), \
		SC_MASKED("fchmodat2", 2, bit)

/*
 * The 41 capabilities: X(CAP_*, id suffix, AppArmor name). Y is used for
 * net_bind_service so that a list can leave it out.
 */
#define CAP_LIST(X, Y)                                                  \
	X(CAP_CHOWN, "chown", "chown")                                  \
	X(CAP_DAC_OVERRIDE, "dac-override", "dac_override")             \
	X(CAP_DAC_READ_SEARCH, "dac-read-search", "dac_read_search")    \
	X(CAP_FOWNER, "fowner", "fowner")                               \
	X(CAP_FSETID, "fsetid", "fsetid")                               \
	X(CAP_KILL, "kill", "kill")                                     \
	X(CAP_SETGID, "setgid", "setgid")                               \
	X(CAP_SETUID, "setuid", "setuid")                               \
	X(CAP_SETPCAP, "setpcap", "setpcap")                            \
	X(CAP_LINUX_IMMUTABLE, "linux-immutable", "linux_immutable")    \
	Y(CAP_NET_BIND_SERVICE, "net-bind-service", "net_bind_service") \
	X(CAP_NET_BROADCAST, "net-broadcast", "net_broadcast")          \
	X(CAP_NET_ADMIN, "net-admin", "net_admin")                      \
	X(CAP_NET_RAW, "net-raw", "net_raw")                            \
	X(CAP_IPC_LOCK, "ipc-lock", "ipc_lock")                         \
	X(CAP_IPC_OWNER, "ipc-owner", "ipc_owner")                      \
	X(CAP_SYS_MODULE, "sys-module", "sys_module")                   \
	X(CAP_SYS_RAWIO, "sys-rawio", "sys_rawio")                      \
	X(CAP_SYS_CHROOT, "sys-chroot", "sys_chroot")                   \
	X(CAP_SYS_PTRACE, "sys-ptrace", "sys_ptrace")                   \
	X(CAP_SYS_PACCT, "sys-pacct", "sys_pacct")                      \
	X(CAP_SYS_ADMIN, "sys-admin", "sys_admin")                      \
	X(CAP_SYS_BOOT, "sys-boot", "sys_boot")                         \
	X(CAP_SYS_NICE, "sys-nice", "sys_nice")                         \
	X(CAP_SYS_RESOURCE, "sys-resource", "sys_resource")             \
	X(CAP_SYS_TIME, "sys-time", "sys_time")                         \
	X(CAP_SYS_TTY_CONFIG, "sys-tty-config", "sys_tty_config")       \
	X(CAP_MKNOD, "mknod", "mknod")                                  \
	X(CAP_LEASE, "lease", "lease")                                  \
	X(CAP_AUDIT_WRITE, "audit-write", "audit_write")                \
	X(CAP_AUDIT_CONTROL, "audit-control", "audit_control")          \
	X(CAP_SETFCAP, "setfcap", "setfcap")                            \
	X(CAP_MAC_OVERRIDE, "mac-override", "mac_override")             \
	X(CAP_MAC_ADMIN, "mac-admin", "mac_admin")                      \
	X(CAP_SYSLOG, "syslog", "syslog")                               \
	X(CAP_WAKE_ALARM, "wake-alarm", "wake_alarm")                   \
	X(CAP_BLOCK_SUSPEND, "block-suspend", "block_suspend")          \
	X(CAP_AUDIT_READ, "audit-read", "audit_read")                   \
	X(CAP_PERFMON, "perfmon", "perfmon")                            \
	X(CAP_BPF, "bpf", "bpf")                                        \
	X(CAP_CHECKPOINT_RESTORE, "checkpoint-restore", "checkpoint_restore")

#define CAP_SKIP(cap, dash, us)
#define CAP_MASK_OR(cap, dash, us) | CAP_BIT(cap)
#define CAP_AA_LINE(cap, dash, us) "%Qcapability " us ",",
#define CAP_RULE(cap, dash, us)                                  \
	{                                                        \
		.id = "disable-cap-" dash,                       \
		.category = RULE_HARDENING,                      \
		.subcategory = "capabilities",                   \
		.description = "disallow the " us " capability", \
		.apparmor = LINES("%Qcapability " us ","),       \
		BPF(BPF_CAPS(CAP_BIT(cap))),                     \
	},

#define ALL_CAPS_MASK	      (0 CAP_LIST(CAP_MASK_OR, CAP_MASK_OR))
#define ALL_BUT_NBS_CAPS_MASK (0 CAP_LIST(CAP_MASK_OR, CAP_SKIP))

/* PSS Baseline's forbidden set minus NET_RAW: vArmor's "privileged" capabilities (27). */
#define PRIVILEGED_CAPS_MASK                                                               \
	(CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_LINUX_IMMUTABLE) |                     \
	 CAP_BIT(CAP_NET_BROADCAST) | CAP_BIT(CAP_NET_ADMIN) | CAP_BIT(CAP_IPC_LOCK) |     \
	 CAP_BIT(CAP_IPC_OWNER) | CAP_BIT(CAP_SYS_MODULE) | CAP_BIT(CAP_SYS_RAWIO) |       \
	 CAP_BIT(CAP_SYS_PTRACE) | CAP_BIT(CAP_SYS_PACCT) | CAP_BIT(CAP_SYS_ADMIN) |       \
	 CAP_BIT(CAP_SYS_BOOT) | CAP_BIT(CAP_SYS_NICE) | CAP_BIT(CAP_SYS_RESOURCE) |       \
	 CAP_BIT(CAP_SYS_TIME) | CAP_BIT(CAP_SYS_TTY_CONFIG) | CAP_BIT(CAP_LEASE) |        \
	 CAP_BIT(CAP_AUDIT_CONTROL) | CAP_BIT(CAP_MAC_OVERRIDE) | CAP_BIT(CAP_MAC_ADMIN) | \
	 CAP_BIT(CAP_SYSLOG) | CAP_BIT(CAP_WAKE_ALARM) | CAP_BIT(CAP_BLOCK_SUSPEND) |      \
	 CAP_BIT(CAP_AUDIT_READ) | CAP_BIT(CAP_PERFMON) | CAP_BIT(CAP_BPF) |               \
	 CAP_BIT(CAP_CHECKPOINT_RESTORE))

static const struct catalog_rule rules[] = {
	/* 7.1 Hardening: escape vectors of privileged containers. */
	{
		.id = "disallow-write-core-pattern",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block writing procfs core_pattern",
		.apparmor = LINES("%Q/proc/sys/kernel/core_pattern w,"),
		BPF(BPF_FILE("/proc/sys/kernel/core_pattern", PERM_WA)),
	},
	{
		.id = "disallow-mount-securityfs",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block mounting securityfs",
		.apparmor = LINES("%Qmount fstype=securityfs,"),
		BPF(BPF_NEW_MOUNT("securityfs")),
	},
	{
		.id = "disallow-mount-procfs",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block (re)mounting procfs",
		.apparmor = LINES("%Qmount fstype=proc,",
				  "%Qmount options in (bind,rbind,move) /proc** -> /**,",
				  "%Qmount options in (remount,bind,rbind) -> /proc**,"),
		BPF(BPF_NEW_MOUNT("proc"), BPF_BIND_FAMILY("/proc**")),
	},
	{
		.id = "disallow-write-release-agent",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block writing cgroup release_agent",
		.apparmor = LINES("%Q/sys/fs/cgroup/**/release_agent w,"),
		BPF(BPF_FILE("/sys/fs/cgroup/**/release_agent", PERM_WA)),
	},
	{
		.id = "disallow-mount-cgroupfs",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block (re)mounting cgroupfs",
		.apparmor = LINES("%Qmount fstype=cgroup,",
				  "%Qmount options in (bind,rbind,move) /sys/fs/cgroup** -> /**,",
				  "%Qmount options in (rbind) /sys** -> /**,",
				  "%Qmount options in (remount,bind,rbind) -> /sys/fs/cgroup**,"),
		BPF(BPF_NEW_MOUNT("cgroup"), BPF_BIND_FAMILY("/sys**")),
	},
	{
		.id = "disallow-debug-disk-device",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description =
			"block reading and writing host disk devices (pair with disable-cap-mknod)",
		.apparmor = LINES("%Q@{PAVISE_DISK_DEVICES} rw,"),
		BPF({ .kind = CATALOG_BPF_FILE,
		      .pattern = "/dev/",
		      .file_perms = PERM_RWA,
		      .disk_devices = true }),
	},
	{
		.id = "disallow-mount-disk-device",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block mounting host disk devices",
		.apparmor = LINES("%Qmount @{PAVISE_DISK_DEVICES},"),
		BPF({ .kind = CATALOG_BPF_MOUNT,
		      .pattern = "/dev/",
		      .fstype = "*",
		      .mount_flags = NAMES("all"),
		      .mount_flags_except = NAMES("umount"),
		      .privileged_only = true,
		      .disk_devices = true }),
	},
	{
		.id = "disallow-mount",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "disable mount(2) (already denied by the base unless privileged)",
		.apparmor = LINES("%Qmount,"),
		BPF({ .kind = CATALOG_BPF_MOUNT,
		      .pattern = "**",
		      .fstype = "*",
		      .mount_flags = NAMES("all"),
		      .mount_flags_except = NAMES("umount"),
		      .privileged_only = true }),
	},
	{
		.id = "disallow-umount",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "disable umount(2)",
		.apparmor = LINES("%Qumount,"),
		BPF({ .kind = CATALOG_BPF_MOUNT,
		      .pattern = "**",
		      .fstype = "none",
		      .mount_flags = NAMES("umount") }),
	},
	{
		.id = "disallow-insmod",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block loading kernel modules",
		.apparmor = LINES("%Qcapability sys_module,"),
		BPF(BPF_CAPS(CAP_BIT(CAP_SYS_MODULE))),
	},
	{
		.id = "disallow-load-bpf-prog",
		.aliases = NAMES("disallow-load-ebpf"),
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block loading eBPF programs except socket-filter and cgroup-skb",
		.apparmor = LINES("%Qcapability sys_admin,", "%Qcapability bpf,"),
		BPF(BPF_CAPS(CAP_BIT(CAP_SYS_ADMIN) | CAP_BIT(CAP_BPF))),
	},
	{
		.id = "disallow-access-procfs-root",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block /proc/<pid>/root abuse in a shared PID namespace",
		.apparmor = LINES("%Qptrace read,"),
		BPF({ .kind = CATALOG_BPF_PTRACE, .ptrace_perms = CATALOG_PTRACE_READ }),
	},
	{
		.id = "disallow-access-kallsyms",
		.category = RULE_HARDENING,
		.subcategory = "privileged-container escape",
		.description = "block reading /proc/kallsyms",
		.apparmor = LINES("%Q/proc/kallsyms r,"),
		BPF(BPF_FILE("/proc/kallsyms", PERM_R)),
	},
	/* 7.1 Hardening: capability sets. */
	{
		.id = "disable-cap-all",
		.category = RULE_HARDENING,
		.subcategory = "capabilities",
		.description = "drop all capabilities",
		.apparmor = LINES("%Qcapability,"),
		BPF(BPF_CAPS(ALL_CAPS_MASK)),
	},
	{
		.id = "disable-cap-all-except-net-bind-service",
		.category = RULE_HARDENING,
		.subcategory = "capabilities",
		.description =
			"drop all capabilities except net_bind_service (like PSS Restricted)",
		.apparmor = (const char *const[]){ CAP_LIST(CAP_AA_LINE, CAP_SKIP) NULL },
		BPF(BPF_CAPS(ALL_BUT_NBS_CAPS_MASK)),
	},
	{
		.id = "disable-cap-privileged",
		.category = RULE_HARDENING,
		.subcategory = "capabilities",
		.description =
			"drop the privileged capabilities (PSS Baseline's set minus net_raw)",
		.apparmor = LINES("%Qcapability dac_read_search,", "%Qcapability linux_immutable,",
				  "%Qcapability net_broadcast,", "%Qcapability net_admin,",
				  "%Qcapability ipc_lock,", "%Qcapability ipc_owner,",
				  "%Qcapability sys_module,", "%Qcapability sys_rawio,",
				  "%Qcapability sys_ptrace,", "%Qcapability sys_pacct,",
				  "%Qcapability sys_admin,", "%Qcapability sys_boot,",
				  "%Qcapability sys_nice,", "%Qcapability sys_resource,",
				  "%Qcapability sys_time,", "%Qcapability sys_tty_config,",
				  "%Qcapability lease,", "%Qcapability audit_control,",
				  "%Qcapability mac_override,", "%Qcapability mac_admin,",
				  "%Qcapability syslog,", "%Qcapability wake_alarm,",
				  "%Qcapability block_suspend,", "%Qcapability audit_read,",
				  "%Qcapability perfmon,", "%Qcapability bpf,",
				  "%Qcapability checkpoint_restore,"),
		BPF(BPF_CAPS(PRIVILEGED_CAPS_MASK)),
	},
	CAP_LIST(CAP_RULE, CAP_RULE)
	/* 7.1 Hardening: exploit vectors. */
	{
		.id = "disallow-abuse-user-ns",
		.category = RULE_HARDENING,
		.subcategory = "exploit vectors",
		.description = "block CAP_SYS_ADMIN gained through user namespaces",
		.apparmor = LINES("%Qcapability sys_admin,"),
		BPF(BPF_CAPS(CAP_BIT(CAP_SYS_ADMIN))),
	},
	{
		.id = "disallow-create-user-ns",
		.category = RULE_HARDENING,
		.subcategory = "exploit vectors",
		.description = "block creating user namespaces",
		SECCOMP(SC_MASKED("unshare", 0, CLONE_NEWUSER)),
	},
	{
		.id = "disallow-load-all-bpf-prog",
		.category = RULE_HARDENING,
		.subcategory = "exploit vectors",
		.description = "block loading any eBPF program",
		SECCOMP({ .syscall = "bpf", .args = { SC_ARG_EQ(0, BPF_PROG_LOAD) }, .n_args = 1 }),
	},
	{
		.id = "disallow-load-bpf-via-setsockopt",
		.category = RULE_HARDENING,
		.subcategory = "exploit vectors",
		.description = "block attaching cBPF programs with setsockopt(2)",
		SECCOMP({ .syscall = "setsockopt",
			  .args = { SC_ARG_EQ(1, SOL_SOCKET), SC_ARG_EQ(2, SO_ATTACH_FILTER) },
			  .n_args = 2 },
			{ .syscall = "setsockopt",
			  .args = { SC_ARG_EQ(1, SOL_SOCKET),
				    SC_ARG_EQ(2, SO_ATTACH_REUSEPORT_CBPF) },
			  .n_args = 2 }),
	},
	{
		.id = "disallow-userfaultfd-creation",
		.category = RULE_HARDENING,
		.subcategory = "exploit vectors",
		.description = "block creating userfaultfd objects",
		SECCOMP(SC_PLAIN("userfaultfd")),
	},

	/* 7.2 Attack protection: information leakage. */
	{
		.id = "mitigate-sa-leak",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "block reading the service account token, namespace and CA",
		.apparmor = LINES("%Q/run/secrets/kubernetes.io/serviceaccount/** r,",
				  "%Q/var/run/secrets/kubernetes.io/serviceaccount/** r,"),
		BPF(BPF_FILE("/run/secrets/kubernetes.io/serviceaccount/**", PERM_R),
		    BPF_FILE("/var/run/secrets/kubernetes.io/serviceaccount/**", PERM_R)),
	},
	{
		.id = "mitigate-disk-device-number-leak",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "hide the host's disk device numbers",
		.apparmor = LINES("%Q/proc/partitions r,", "%Q/proc/**/mountinfo r,"),
		BPF(BPF_FILE("/proc/partitions", PERM_R), BPF_FILE("/proc/**/mountinfo", PERM_R)),
	},
	{
		.id = "mitigate-overlayfs-leak",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "hide the container's overlayfs path on the host",
		.apparmor = LINES("%Q/proc/**/mounts r,", "%Q/proc/**/mountinfo r,"),
		BPF(BPF_FILE("/proc/**/mounts", PERM_R), BPF_FILE("/proc/**/mountinfo", PERM_R)),
	},
	{
		.id = "mitigate-host-ip-leak",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "hide the ARP table (host and neighbour addresses)",
		.apparmor = LINES("%Q/proc/**/net/arp r,"),
		BPF(BPF_FILE("/proc/**/net/arp", PERM_R)),
	},
	{
		.id = "block-access-to-metadata-service",
		.aliases = NAMES("disallow-metadata-service"),
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "block the cloud instance metadata services",
		BPF(BPF_EGRESS("169.254.169.254"), BPF_EGRESS("fd00:ec2::254"),
		    BPF_EGRESS("100.96.0.96")),
	},
	{
		.id = "block-access-to-aws-metadata-service",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "block the AWS/GCP/Azure/OpenStack instance metadata service",
		BPF(BPF_EGRESS("169.254.169.254"), BPF_EGRESS("fd00:ec2::254")),
	},
	{
		.id = "block-access-to-volc-metadata-service",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "block the Volcengine/BytePlus instance metadata service",
		BPF(BPF_EGRESS("100.96.0.96")),
	},
	{
		.id = "block-access-to-alibaba-metadata-service",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "block the Alibaba Cloud instance metadata service",
		BPF(BPF_EGRESS("100.100.100.200")),
	},
	{
		.id = "block-access-to-oci-metadata-service",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description = "block the Oracle Cloud instance metadata service",
		BPF(BPF_EGRESS("192.0.0.192")),
	},
	/* 7.2 Attack protection: sensitive operations. */
	{
		.id = "disable-write-etc",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block writes under /etc",
		.apparmor = LINES("%Q/etc/** wl,"),
		BPF(BPF_FILE("/etc/**", PERM_WA)),
	},
	{
		.id = "disable-access-passwd",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block reading and writing /etc/passwd",
		.apparmor = LINES("%Q/etc/passwd rw,"),
		BPF(BPF_FILE("/etc/passwd", PERM_RWA)),
	},
	{
		.id = "disable-access-shadow",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block reading and writing /etc/shadow",
		.apparmor = LINES("%Q/etc/shadow rw,"),
		BPF(BPF_FILE("/etc/shadow", PERM_RWA)),
	},
	{
		.id = "disable-access-ssh-dir",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block access to .ssh directories",
		.apparmor = LINES("%Q/**/.ssh/** rw,"),
		BPF(BPF_FILE("/**/.ssh", PERM_RWA), BPF_FILE("/root/.ssh/**", PERM_RWA)),
	},
	{
		.id = "disable-write-skills",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block writes to any skills directory (AI agents)",
		.apparmor = LINES("%Q/**/skills/** w,"),
	},
	{
		.id = "disable-busybox",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block executing busybox",
		.apparmor = LINES("%Q/**/busybox r%X,"),
		BPF(BPF_EXEC("/**/busybox")),
	},
	{
		.id = "disable-shell",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block executing sh, bash and dash",
		.apparmor = LINES("%Q/**/sh r%X,", "%Q/**/bash r%X,", "%Q/**/dash r%X,"),
		BPF(BPF_EXEC("/**/sh"), BPF_EXEC("/**/bash"), BPF_EXEC("/**/dash")),
	},
	{
		.id = "disable-wget",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block executing wget",
		.apparmor = LINES("%Q/**/wget r%X,"),
		BPF(BPF_EXEC("/**/wget")),
	},
	{
		.id = "disable-curl",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block executing curl",
		.apparmor = LINES("%Q/**/curl r%X,"),
		BPF(BPF_EXEC("/**/curl")),
	},
	{
		.id = "disable-chmod",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block executing chmod",
		.apparmor = LINES("%Q/**/chmod r%X,"),
		BPF(BPF_EXEC("/**/chmod")),
	},
	{
		.id = "disable-chmod-x-bit",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block setting execute bits with chmod(2) and friends",
		SECCOMP(SC_CHMOD_BIT(S_IXUSR), SC_CHMOD_BIT(S_IXGRP), SC_CHMOD_BIT(S_IXOTH)),
	},
	{
		.id = "disable-chmod-s-bit",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block setting setuid and setgid bits with chmod(2) and friends",
		SECCOMP(SC_CHMOD_BIT(S_ISUID), SC_CHMOD_BIT(S_ISGID)),
	},
	{
		.id = "disable-su-sudo",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "sensitive operations",
		.description = "block executing su and sudo",
		.apparmor = LINES("%Q/**/su r%X,", "%Q/**/sudo r%X,"),
		BPF(BPF_EXEC("/**/su"), BPF_EXEC("/**/sudo")),
	},
	/* 7.2 Attack protection: others. */
	{
		.id = "disable-network",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating sockets of any domain",
		.apparmor = LINES("%Qnetwork,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .domains = NAMES("all") }),
	},
	{
		.id = "disable-inet",
		.aliases = NAMES("disable-ipv4"),
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating IPv4 sockets",
		.apparmor = LINES("%Qnetwork inet,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .domains = NAMES("inet") }),
	},
	{
		.id = "disable-inet6",
		.aliases = NAMES("disable-ipv6"),
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating IPv6 sockets",
		.apparmor = LINES("%Qnetwork inet6,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .domains = NAMES("inet6") }),
	},
	{
		.id = "disable-unix-domain-socket",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating unix domain sockets",
		.apparmor = LINES("%Qnetwork unix,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .domains = NAMES("unix") }),
	},
	{
		.id = "disable-icmp",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating ICMP and ICMPv6 sockets",
		.apparmor = LINES("%Qnetwork icmp,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .protocols = NAMES("icmp") }),
	},
	{
		.id = "disable-tcp",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating TCP sockets",
		.apparmor = LINES("%Qnetwork tcp,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .protocols = NAMES("tcp") }),
	},
	{
		.id = "disable-udp",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description = "block creating UDP sockets",
		.apparmor = LINES("%Qnetwork udp,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .protocols = NAMES("udp") }),
	},
	{
		.id = "block-access-to-kube-apiserver",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description =
			"block connecting to the default/kubernetes Service (ClusterIPs and endpoints)",
		BPF({ .kind = CATALOG_BPF_SERVICE,
		      .service_namespace = "default",
		      .service_name = "kubernetes" }),
		.needs_service_egress = true,
	},
	{
		.id = "block-access-to-container-runtime",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "others",
		.description =
			"block the container runtime sockets (CVE-2024-0132, CVE-2025-23359)",
		.apparmor = LINES("%Q/**/containerd.sock rw,", "%Q/**/docker.sock rw,",
				  "%Q/**/crio.sock rw,"),
		BPF(BPF_FILE("/**/containerd.sock", PERM_RWA),
		    BPF_FILE("/**/docker.sock", PERM_RWA), BPF_FILE("/**/crio.sock", PERM_RWA)),
	},
	{
		/* v0.5.6, undocumented and later removed; kept so its policies still work. */
		.id = "disallow-access-k8s-sensitive-files",
		.category = RULE_ATTACK_PROTECTION,
		.subcategory = "information leakage",
		.description =
			"block reading Kubernetes config and secret volumes (v0.5.6, BPF only)",
		BPF(BPF_FILE("**/etc/kubernetes", PERM_R), BPF_FILE("**/.kube/config", PERM_R),
		    BPF_FILE("**/volumes/kubernetes.io~secret", PERM_R)),
	},

	/* 7.3 Vulnerability mitigation. */
	{
		.id = "cgroups-lxcfs-escape-mitigation",
		.category = RULE_VUL_MITIGATION,
		.subcategory = "vulnerability mitigation",
		.description = "block cgroupfs and lxcfs escapes (CVE-2022-0492)",
		.apparmor = LINES("%Q/**/release_agent w,", "%Q/**/devices/devices.allow w,",
				  "%Q/**/devices/**/devices.allow w,",
				  "%Q/**/devices/cgroup.procs w,",
				  "%Q/**/devices/**/cgroup.procs w,", "%Q/**/devices/tasks w,",
				  "%Q/**/devices/**/tasks w,"),
		BPF(BPF_FILE("/**/release_agent", PERM_WA), BPF_FILE("/**/devices.allow", PERM_WA),
		    BPF_FILE("/**/cgroup.procs", PERM_WA), BPF_FILE("/**/devices/tasks", PERM_WA)),
	},
	{
		.id = "runc-override-mitigation",
		.category = RULE_VUL_MITIGATION,
		.subcategory = "vulnerability mitigation",
		.description = "block overwriting the host's runc binary (CVE-2019-5736)",
		.apparmor = LINES("%Q/**/runc w,"),
		BPF(BPF_FILE("/**/runc", PERM_WA)),
	},
	{
		.id = "dirty-pipe-mitigation",
		.category = RULE_VUL_MITIGATION,
		.subcategory = "vulnerability mitigation",
		.description = "block splice(2) (Dirty Pipe, CVE-2022-0847)",
		SECCOMP(SC_PLAIN("splice")),
	},
	{
		.id = "ingress-nightmare-mitigation",
		.category = RULE_VUL_MITIGATION,
		.subcategory = "vulnerability mitigation",
		.description =
			"block the ingress-nginx admission webhook (IngressNightmare, CVE-2025-1974)",
		BPF({ .kind = CATALOG_BPF_SERVICE,
		      .service_namespace = "ingress-nginx",
		      .service_name = "ingress-nginx-controller-admission" },
		    { .kind = CATALOG_BPF_SERVICE,
		      .service_namespace = "kube-system",
		      .service_name = "ingress-nginx-controller-admission" }),
		.needs_service_egress = true,
	},
	{
		.id = "copy-fail-mitigation",
		.category = RULE_VUL_MITIGATION,
		.subcategory = "vulnerability mitigation",
		.description = "block AF_ALG sockets (authencesn, CVE-2026-31431)",
		.apparmor = LINES("%Qnetwork alg,"),
		BPF({ .kind = CATALOG_BPF_SOCKET, .domains = NAMES("alg") }),
	},
};

const struct catalog_rule *catalog_rules(size_t *ret_n)
{
	assert(ret_n);
	*ret_n = ELEMENTSOF(rules);
	return rules;
}

/* Case-insensitive, '_' and '-' equivalent. */
static bool id_equal(const char *a, const char *b)
{
	for (;; a++, b++) {
		char ca = *a == '_' ? '-' : (char)tolower((unsigned char)*a);
		char cb = *b == '_' ? '-' : (char)tolower((unsigned char)*b);

		if (ca != cb)
			return false;
		if (!ca)
			return true;
	}
}

const struct catalog_rule *catalog_lookup(const char *id)
{
	if (!id)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
		if (id_equal(rules[i].id, id))
			return &rules[i];
		for (const char *const *a = rules[i].aliases; a && *a; a++)
			if (id_equal(*a, id))
				return &rules[i];
	}
	return NULL;
}

/* Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t d[CATALOG_ID_MAX + 1][CATALOG_ID_MAX + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			v = MIN(v, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[la][lb];
}

/* Lower case with '-' for '_' into buf; false when too long. */
static bool normalize(const char *id, char buf[static CATALOG_ID_MAX + 1], size_t *ret_len)
{
	size_t n = strlen(id);

	if (n > CATALOG_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = id[i] == '_' ? '-' : (char)tolower((unsigned char)id[i]);
	buf[n] = '\0';
	*ret_len = n;
	return true;
}

static void consider(const char *input, size_t len, const char *candidate, const char **best,
		     size_t *best_d)
{
	size_t cl = strlen(candidate), d;

	if (cl > CATALOG_ID_MAX)
		return;
	d = edit_distance(input, len, candidate, cl);
	if (d < *best_d) {
		*best_d = d;
		*best = candidate;
	}
}

const char *catalog_suggest(const char *id)
{
	char in[CATALOG_ID_MAX + 1];
	const char *best = NULL;
	size_t len, best_d = SIZE_MAX, limit;

	if (!id || !normalize(id, in, &len) || len == 0)
		return NULL;
	for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
		consider(in, len, rules[i].id, &best, &best_d);
		for (const char *const *a = rules[i].aliases; a && *a; a++)
			consider(in, len, *a, &best, &best_d);
	}
	/* Close means a couple of typos, or a third of the name for long IDs. */
	limit = MAX((size_t)2, len / 3);
	if (!best || best_d > limit)
		return NULL;
	return catalog_lookup(best)->id;
}

const char *catalog_category_name(enum rule_category c)
{
	switch (c) {
	case RULE_HARDENING:
		return "hardening";
	case RULE_ATTACK_PROTECTION:
		return "attack-protection";
	case RULE_VUL_MITIGATION:
		return "vulnerability-mitigation";
	case _RULE_CATEGORY_MAX:
		break;
	}
	return NULL;
}
