// SPDX-License-Identifier: Apache-2.0
/* The built-in catalog: IDs, aliases, lookups, suggestions and each column against varmor.md §7. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ctype.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/macro.h"
#include "rules/catalog.h"

#define BIT(cap) (UINT64_C(1) << (cap))

/* Rules that no enforcer implements (documented in varmor.md §7): none today. */
static const char *const unimplemented[] = { NULL };

static bool str_in(const char *s, const char *const *v)
{
	for (; v && *v; v++)
		if (strcmp(s, *v) == 0)
			return true;
	return false;
}

static size_t n_lines(const char *const *v)
{
	size_t n = 0;

	for (; v && *v; v++)
		n++;
	return n;
}

static const struct catalog_rule *must(const char *id)
{
	const struct catalog_rule *r = catalog_lookup(id);

	if (!r)
		fail_msg("rule '%s' is missing", id);
	return r;
}

static void test_ids_unique_and_canonical(void **state)
{
	const struct catalog_rule *rs;
	size_t n;

	(void)state;
	rs = catalog_rules(&n);
	/* 57 distinct IDs + 41 disable-cap-<cap> + v0.5.6's k8s-sensitive-files. */
	assert_int_equal(n, 57 + 41 + 1);
	for (size_t i = 0; i < n; i++) {
		const char *id = rs[i].id;

		assert_non_null(id);
		assert_non_null(rs[i].description);
		assert_non_null(rs[i].subcategory);
		assert_true(rs[i].category < _RULE_CATEGORY_MAX);
		for (const char *c = id; *c; c++)
			if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) ||
			      *c == '-'))
				fail_msg("'%s' is not canonical", id);
		assert_ptr_equal(catalog_lookup(id), &rs[i]);
		for (size_t j = 0; j < i; j++) {
			if (strcmp(rs[j].id, id) == 0)
				fail_msg("duplicate ID '%s'", id);
			for (const char *const *a = rs[j].aliases; a && *a; a++)
				assert_string_not_equal(*a, id);
		}
	}
}

static void test_aliases(void **state)
{
	static const char *const pairs[][2] = {
		{ "disallow-load-ebpf", "disallow-load-bpf-prog" },
		{ "disallow-metadata-service", "block-access-to-metadata-service" },
		{ "disable-ipv4", "disable-inet" },
		{ "disable-ipv6", "disable-inet6" },
	};

	(void)state;
	for (size_t i = 0; i < ELEMENTSOF(pairs); i++)
		assert_string_equal(must(pairs[i][0])->id, pairs[i][1]);
	/* v0.5.6's BPF-only rule stays a rule of its own. */
	assert_string_equal(must("disallow-access-k8s-sensitive-files")->id,
			    "disallow-access-k8s-sensitive-files");
}

static void test_case_and_underscores(void **state)
{
	(void)state;
	assert_string_equal(must("DISALLOW_WRITE_CORE_PATTERN")->id, "disallow-write-core-pattern");
	assert_string_equal(must("Disable_Cap_Sys_Admin")->id, "disable-cap-sys-admin");
	assert_string_equal(must("disallow_load_EBPF")->id, "disallow-load-bpf-prog");
	assert_string_equal(must("Disable-IPv6")->id, "disable-inet6");
	assert_null(catalog_lookup("disallow-write-core-pattern-"));
	assert_null(catalog_lookup(""));
	assert_null(catalog_lookup(NULL));
	assert_null(catalog_lookup("disable cap all"));
}

static void test_caps(void **state)
{
	static const struct {
		const char *name;
		int cap;
	} caps[] = {
		{ "chown", CAP_CHOWN },
		{ "dac-override", CAP_DAC_OVERRIDE },
		{ "dac-read-search", CAP_DAC_READ_SEARCH },
		{ "fowner", CAP_FOWNER },
		{ "fsetid", CAP_FSETID },
		{ "kill", CAP_KILL },
		{ "setgid", CAP_SETGID },
		{ "setuid", CAP_SETUID },
		{ "setpcap", CAP_SETPCAP },
		{ "linux-immutable", CAP_LINUX_IMMUTABLE },
		{ "net-bind-service", CAP_NET_BIND_SERVICE },
		{ "net-broadcast", CAP_NET_BROADCAST },
		{ "net-admin", CAP_NET_ADMIN },
		{ "net-raw", CAP_NET_RAW },
		{ "ipc-lock", CAP_IPC_LOCK },
		{ "ipc-owner", CAP_IPC_OWNER },
		{ "sys-module", CAP_SYS_MODULE },
		{ "sys-rawio", CAP_SYS_RAWIO },
		{ "sys-chroot", CAP_SYS_CHROOT },
		{ "sys-ptrace", CAP_SYS_PTRACE },
		{ "sys-pacct", CAP_SYS_PACCT },
		{ "sys-admin", CAP_SYS_ADMIN },
		{ "sys-boot", CAP_SYS_BOOT },
		{ "sys-nice", CAP_SYS_NICE },
		{ "sys-resource", CAP_SYS_RESOURCE },
		{ "sys-time", CAP_SYS_TIME },
		{ "sys-tty-config", CAP_SYS_TTY_CONFIG },
		{ "mknod", CAP_MKNOD },
		{ "lease", CAP_LEASE },
		{ "audit-write", CAP_AUDIT_WRITE },
		{ "audit-control", CAP_AUDIT_CONTROL },
		{ "setfcap", CAP_SETFCAP },
		{ "mac-override", CAP_MAC_OVERRIDE },
		{ "mac-admin", CAP_MAC_ADMIN },
		{ "syslog", CAP_SYSLOG },
		{ "wake-alarm", CAP_WAKE_ALARM },
		{ "block-suspend", CAP_BLOCK_SUSPEND },
		{ "audit-read", CAP_AUDIT_READ },
		{ "perfmon", CAP_PERFMON },
		{ "bpf", CAP_BPF },
		{ "checkpoint-restore", CAP_CHECKPOINT_RESTORE },
	};
	const struct catalog_rule *rs;
	uint64_t all = 0;
	size_t n, n_cap_rules = 0;

	(void)state;
	assert_int_equal(ELEMENTSOF(caps), 41);
	for (size_t i = 0; i < ELEMENTSOF(caps); i++) {
		char id[64], aa[64], us[32];
		const struct catalog_rule *r;

		snprintf(id, sizeof(id), "disable-cap-%s", caps[i].name);
		snprintf(us, sizeof(us), "%s", caps[i].name);
		for (char *c = us; *c; c++)
			if (*c == '-')
				*c = '_';
		snprintf(aa, sizeof(aa), "%%Qcapability %s,", us);
		r = must(id);
		assert_int_equal(r->category, RULE_HARDENING);
		assert_int_equal(r->n_bpf, 1);
		assert_int_equal(r->bpf[0].kind, CATALOG_BPF_CAPABILITIES);
		assert_int_equal(r->bpf[0].caps, BIT(caps[i].cap));
		assert_int_equal(n_lines(r->apparmor), 1);
		assert_string_equal(r->apparmor[0], aa);
		assert_int_equal(r->n_seccomp, 0);
		all |= BIT(caps[i].cap);
	}
	rs = catalog_rules(&n);
	for (size_t i = 0; i < n; i++)
		if (strncmp(rs[i].id, "disable-cap-", 12) == 0)
			n_cap_rules++;
	assert_int_equal(n_cap_rules, 41 + 3);

	assert_int_equal(must("disable-cap-all")->bpf[0].caps, all);
	assert_int_equal(all, (BIT(CAP_LAST_CAP + 1) - 1));
	assert_string_equal(must("disable-cap-all")->apparmor[0], "%Qcapability,");
	assert_int_equal(must("disable-cap-all-except-net-bind-service")->bpf[0].caps,
			 all & ~BIT(CAP_NET_BIND_SERVICE));
	assert_int_equal(n_lines(must("disable-cap-all-except-net-bind-service")->apparmor), 40);
	assert_false(str_in("%Qcapability net_bind_service,",
			    must("disable-cap-all-except-net-bind-service")->apparmor));
}

static void test_cap_privileged(void **state)
{
	static const char *const names[] = {
		"dac_read_search",
		"linux_immutable",
		"net_broadcast",
		"net_admin",
		"ipc_lock",
		"ipc_owner",
		"sys_module",
		"sys_rawio",
		"sys_ptrace",
		"sys_pacct",
		"sys_admin",
		"sys_boot",
		"sys_nice",
		"sys_resource",
		"sys_time",
		"sys_tty_config",
		"lease",
		"audit_control",
		"mac_override",
		"mac_admin",
		"syslog",
		"wake_alarm",
		"block_suspend",
		"audit_read",
		"perfmon",
		"bpf",
		"checkpoint_restore",
	};
	const struct catalog_rule *r = must("disable-cap-privileged");
	uint64_t mask = 0;

	(void)state;
	assert_int_equal(ELEMENTSOF(names), 27);
	assert_int_equal(n_lines(r->apparmor), 27);
	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		char line[64], id[64];

		snprintf(line, sizeof(line), "%%Qcapability %s,", names[i]);
		assert_true(str_in(line, r->apparmor));
		snprintf(id, sizeof(id), "disable-cap-%s", names[i]);
		mask |= must(id)->bpf[0].caps;
	}
	assert_int_equal(__builtin_popcountll(r->bpf[0].caps), 27);
	assert_int_equal(r->bpf[0].caps, mask);
	assert_false(r->bpf[0].caps & BIT(CAP_NET_RAW));
}

static void test_suggest(void **state)
{
	(void)state;
	assert_string_equal(catalog_suggest("disalow-umount"), "disallow-umount");
	assert_string_equal(catalog_suggest("disallow-unmount"), "disallow-umount");
	assert_string_equal(catalog_suggest("DISABLE_SHEL"), "disable-shell");
	assert_string_equal(catalog_suggest("disable-cap-sys-admni"), "disable-cap-sys-admin");
	assert_string_equal(catalog_suggest("mitigate-sa-laek"), "mitigate-sa-leak");
	/* An alias that is close suggests its rule. */
	assert_string_equal(catalog_suggest("disallow-load-ebfp"), "disallow-load-bpf-prog");
	assert_null(catalog_suggest("garbage"));
	assert_null(catalog_suggest("xyzzy-plugh-quux"));
	assert_null(catalog_suggest(""));
	assert_null(catalog_suggest(NULL));
	{
		char longid[300];

		memset(longid, 'a', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		assert_null(catalog_suggest(longid));
	}
}

static void test_every_rule_implemented(void **state)
{
	const struct catalog_rule *rs;
	size_t n;

	(void)state;
	rs = catalog_rules(&n);
	for (size_t i = 0; i < n; i++) {
		bool any = rs[i].apparmor || rs[i].n_bpf > 0 || rs[i].n_seccomp > 0;

		if (!any && !str_in(rs[i].id, unimplemented))
			fail_msg("'%s' is implemented by no enforcer", rs[i].id);
		/* Every AppArmor line is one complete rule carrying the qualifier. */
		for (const char *const *l = rs[i].apparmor; l && *l; l++) {
			size_t len = strlen(*l);

			assert_true(strncmp(*l, "%Q", 2) == 0);
			assert_true(len > 3 && (*l)[len - 1] == ',');
			assert_null(strchr(*l, '\n'));
		}
		assert_true(rs[i].apparmor == NULL || n_lines(rs[i].apparmor) > 0);
		assert_true(rs[i].bpf == NULL || rs[i].n_bpf > 0);
		for (size_t j = 0; j < rs[i].n_seccomp; j++) {
			assert_non_null(rs[i].seccomp[j].syscall);
			assert_true(rs[i].seccomp[j].n_args <= 2);
		}
		assert_int_equal(rs[i].needs_service_egress,
				 rs[i].n_bpf > 0 && rs[i].bpf[0].kind == CATALOG_BPF_SERVICE);
	}
	for (int c = 0; c < _RULE_CATEGORY_MAX; c++)
		assert_non_null(catalog_category_name(c));
}

static void expect_columns(const char *id, bool aa, bool bpf, bool sc)
{
	const struct catalog_rule *r = must(id);

	if ((r->apparmor != NULL) != aa || (r->n_bpf > 0) != bpf || (r->n_seccomp > 0) != sc)
		fail_msg("'%s': columns AA/BPF/SC should be %d/%d/%d", id, aa, bpf, sc);
}

static void test_columns(void **state)
{
	(void)state;
	/* Which enforcer implements what, row by row of §7 (the capability rows above). */
	expect_columns("disallow-write-core-pattern", true, true, false);
	expect_columns("disallow-mount-securityfs", true, true, false);
	expect_columns("disallow-mount-procfs", true, true, false);
	expect_columns("disallow-write-release-agent", true, true, false);
	expect_columns("disallow-mount-cgroupfs", true, true, false);
	expect_columns("disallow-debug-disk-device", true, true, false);
	expect_columns("disallow-mount-disk-device", true, true, false);
	expect_columns("disallow-mount", true, true, false);
	expect_columns("disallow-umount", true, true, false);
	expect_columns("disallow-insmod", true, true, false);
	expect_columns("disallow-load-bpf-prog", true, true, false);
	expect_columns("disallow-access-procfs-root", true, true, false);
	expect_columns("disallow-access-kallsyms", true, true, false);
	expect_columns("disallow-abuse-user-ns", true, true, false);
	expect_columns("disallow-create-user-ns", false, false, true);
	expect_columns("disallow-load-all-bpf-prog", false, false, true);
	expect_columns("disallow-load-bpf-via-setsockopt", false, false, true);
	expect_columns("disallow-userfaultfd-creation", false, false, true);
	expect_columns("mitigate-sa-leak", true, true, false);
	expect_columns("mitigate-disk-device-number-leak", true, true, false);
	expect_columns("mitigate-overlayfs-leak", true, true, false);
	expect_columns("mitigate-host-ip-leak", true, true, false);
	expect_columns("block-access-to-metadata-service", false, true, false);
	expect_columns("block-access-to-aws-metadata-service", false, true, false);
	expect_columns("block-access-to-volc-metadata-service", false, true, false);
	expect_columns("block-access-to-alibaba-metadata-service", false, true, false);
	expect_columns("block-access-to-oci-metadata-service", false, true, false);
	expect_columns("disable-write-etc", true, true, false);
	expect_columns("disable-access-passwd", true, true, false);
	expect_columns("disable-access-shadow", true, true, false);
	expect_columns("disable-access-ssh-dir", true, true, false);
	expect_columns("disable-write-skills", true, false, false);
	expect_columns("disable-busybox", true, true, false);
	expect_columns("disable-shell", true, true, false);
	expect_columns("disable-wget", true, true, false);
	expect_columns("disable-curl", true, true, false);
	expect_columns("disable-chmod", true, true, false);
	expect_columns("disable-chmod-x-bit", false, false, true);
	expect_columns("disable-chmod-s-bit", false, false, true);
	expect_columns("disable-su-sudo", true, true, false);
	expect_columns("disable-network", true, true, false);
	expect_columns("disable-inet", true, true, false);
	expect_columns("disable-inet6", true, true, false);
	expect_columns("disable-unix-domain-socket", true, true, false);
	expect_columns("disable-icmp", true, true, false);
	expect_columns("disable-tcp", true, true, false);
	expect_columns("disable-udp", true, true, false);
	expect_columns("block-access-to-kube-apiserver", false, true, false);
	expect_columns("block-access-to-container-runtime", true, true, false);
	expect_columns("disallow-access-k8s-sensitive-files", false, true, false);
	expect_columns("cgroups-lxcfs-escape-mitigation", true, true, false);
	expect_columns("runc-override-mitigation", true, true, false);
	expect_columns("dirty-pipe-mitigation", false, false, true);
	expect_columns("ingress-nightmare-mitigation", false, true, false);
	expect_columns("copy-fail-mitigation", true, true, false);
	expect_columns("disable-cap-all", true, true, false);
	expect_columns("disable-cap-all-except-net-bind-service", true, true, false);
	expect_columns("disable-cap-privileged", true, true, false);
}

static void test_apparmor_spot_checks(void **state)
{
	const struct catalog_rule *r;

	(void)state;
	assert_string_equal(must("disallow-write-core-pattern")->apparmor[0],
			    "%Q/proc/sys/kernel/core_pattern w,");
	r = must("disallow-mount-procfs");
	assert_int_equal(n_lines(r->apparmor), 3);
	assert_true(str_in("%Qmount fstype=proc,", r->apparmor));
	r = must("disallow-mount-cgroupfs");
	assert_int_equal(n_lines(r->apparmor), 4);
	assert_true(str_in("%Qmount options in (rbind) /sys** -> /**,", r->apparmor));
	assert_true(strstr(must("disallow-debug-disk-device")->apparmor[0],
			   "@{PAVISE_DISK_DEVICES}") != NULL);
	assert_true(strstr(must("disallow-mount-disk-device")->apparmor[0],
			   "@{PAVISE_DISK_DEVICES}") != NULL);
	assert_string_equal(must("disallow-mount")->apparmor[0], "%Qmount,");
	assert_string_equal(must("disallow-umount")->apparmor[0], "%Qumount,");
	assert_string_equal(must("disallow-access-procfs-root")->apparmor[0], "%Qptrace read,");
	assert_string_equal(must("disable-write-etc")->apparmor[0], "%Q/etc/** wl,");
	assert_string_equal(must("disable-busybox")->apparmor[0], "%Q/**/busybox r%X,");
	assert_int_equal(n_lines(must("disable-shell")->apparmor), 3);
	assert_string_equal(must("disable-icmp")->apparmor[0], "%Qnetwork icmp,");
	assert_string_equal(must("copy-fail-mitigation")->apparmor[0], "%Qnetwork alg,");
	assert_int_equal(n_lines(must("cgroups-lxcfs-escape-mitigation")->apparmor), 7);
	assert_int_equal(n_lines(must("block-access-to-container-runtime")->apparmor), 3);
}

static void test_bpf_spot_checks(void **state)
{
	const struct catalog_rule *r;

	(void)state;
	r = must("disallow-write-core-pattern");
	assert_int_equal(r->bpf[0].kind, CATALOG_BPF_FILE);
	assert_int_equal(r->bpf[0].file_perms, CATALOG_PERM_WRITE | CATALOG_PERM_APPEND);

	/* Mount rules: new mounts only when privileged, bind family always. */
	r = must("disallow-mount-procfs");
	assert_int_equal(r->n_bpf, 2);
	assert_true(r->bpf[0].privileged_only);
	assert_string_equal(r->bpf[0].fstype, "proc");
	assert_true(str_in("umount", r->bpf[0].mount_flags_except));
	assert_false(r->bpf[1].privileged_only);
	assert_string_equal(r->bpf[1].pattern, "/proc**");
	assert_true(str_in("umount", r->bpf[1].mount_flags));
	assert_true(str_in("rbind", r->bpf[1].mount_flags));
	assert_string_equal(must("disallow-mount-cgroupfs")->bpf[1].pattern, "/sys**");
	assert_true(must("disallow-mount-securityfs")->bpf[0].privileged_only);
	assert_true(must("disallow-mount")->bpf[0].privileged_only);
	assert_true(must("disallow-mount-disk-device")->bpf[0].privileged_only);
	assert_true(must("disallow-mount-disk-device")->bpf[0].disk_devices);
	assert_true(must("disallow-debug-disk-device")->bpf[0].disk_devices);
	assert_int_equal(must("disallow-debug-disk-device")->bpf[0].file_perms,
			 CATALOG_PERM_READ | CATALOG_PERM_WRITE | CATALOG_PERM_APPEND);
	r = must("disallow-umount");
	assert_false(r->bpf[0].privileged_only);
	assert_true(str_in("umount", r->bpf[0].mount_flags));

	r = must("disallow-access-procfs-root");
	assert_int_equal(r->bpf[0].kind, CATALOG_BPF_PTRACE);
	assert_int_equal(r->bpf[0].ptrace_perms, CATALOG_PTRACE_READ);
	assert_false(r->bpf[0].strict);

	r = must("block-access-to-metadata-service");
	assert_int_equal(r->n_bpf, 3);
	for (size_t i = 0; i < r->n_bpf; i++)
		assert_int_equal(r->bpf[i].kind, CATALOG_BPF_EGRESS);
	assert_string_equal(r->bpf[0].address, "169.254.169.254");
	assert_string_equal(r->bpf[1].address, "fd00:ec2::254");
	assert_string_equal(r->bpf[2].address, "100.96.0.96");
	assert_string_equal(must("block-access-to-alibaba-metadata-service")->bpf[0].address,
			    "100.100.100.200");
	assert_string_equal(must("block-access-to-oci-metadata-service")->bpf[0].address,
			    "192.0.0.192");

	r = must("disable-shell");
	assert_int_equal(r->n_bpf, 3);
	assert_int_equal(r->bpf[2].kind, CATALOG_BPF_EXEC);
	assert_string_equal(r->bpf[2].pattern, "/**/dash");
	r = must("disable-access-ssh-dir");
	assert_int_equal(r->n_bpf, 2);
	assert_string_equal(r->bpf[1].pattern, "/root/.ssh/**");

	assert_true(str_in("all", must("disable-network")->bpf[0].domains));
	assert_true(str_in("inet6", must("disable-ipv6")->bpf[0].domains));
	assert_true(str_in("icmp", must("disable-icmp")->bpf[0].protocols));
	assert_true(str_in("alg", must("copy-fail-mitigation")->bpf[0].domains));

	r = must("block-access-to-kube-apiserver");
	assert_true(r->needs_service_egress);
	assert_string_equal(r->bpf[0].service_namespace, "default");
	assert_string_equal(r->bpf[0].service_name, "kubernetes");
	r = must("ingress-nightmare-mitigation");
	assert_true(r->needs_service_egress);
	assert_int_equal(r->n_bpf, 2);
	assert_string_equal(r->bpf[1].service_namespace, "kube-system");
	assert_string_equal(r->bpf[1].service_name, "ingress-nginx-controller-admission");

	r = must("cgroups-lxcfs-escape-mitigation");
	assert_int_equal(r->n_bpf, 4);
	assert_string_equal(r->bpf[3].pattern, "/**/devices/tasks");
	assert_int_equal(must("disallow-access-k8s-sensitive-files")->n_bpf, 3);
}

static void expect_sc(const struct catalog_seccomp *s, const char *name, unsigned index,
		      enum catalog_seccomp_op op, uint64_t value, uint64_t value_two)
{
	assert_string_equal(s->syscall, name);
	assert_int_equal(s->n_args, 1);
	assert_int_equal(s->args[0].index, index);
	assert_int_equal(s->args[0].op, op);
	assert_int_equal(s->args[0].value, value);
	assert_int_equal(s->args[0].value_two, value_two);
}

static void test_seccomp_spot_checks(void **state)
{
	static const char *const chmods[] = { "chmod", "fchmod", "fchmodat", "fchmodat2" };
	static const unsigned idx[] = { 1, 1, 2, 2 };
	static const uint64_t xbits[] = { S_IXUSR, S_IXGRP, S_IXOTH },
			      sbits[] = { S_ISUID, S_ISGID };
	const struct catalog_rule *r;

	(void)state;
	r = must("disallow-create-user-ns");
	assert_int_equal(r->n_seccomp, 1);
	expect_sc(&r->seccomp[0], "unshare", 0, CATALOG_SC_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);

	r = must("disallow-load-all-bpf-prog");
	assert_int_equal(r->n_seccomp, 1);
	expect_sc(&r->seccomp[0], "bpf", 0, CATALOG_SC_EQ, BPF_PROG_LOAD, 0);

	r = must("disallow-load-bpf-via-setsockopt");
	assert_int_equal(r->n_seccomp, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(r->seccomp[i].syscall, "setsockopt");
		assert_int_equal(r->seccomp[i].n_args, 2);
		assert_int_equal(r->seccomp[i].args[0].index, 1);
		assert_int_equal(r->seccomp[i].args[0].op, CATALOG_SC_EQ);
		assert_int_equal(r->seccomp[i].args[0].value, SOL_SOCKET);
		assert_int_equal(r->seccomp[i].args[1].index, 2);
		assert_int_equal(r->seccomp[i].args[1].op, CATALOG_SC_EQ);
	}
	assert_int_equal(r->seccomp[0].args[1].value, SO_ATTACH_FILTER);
	assert_int_equal(r->seccomp[1].args[1].value, SO_ATTACH_REUSEPORT_CBPF);

	r = must("disallow-userfaultfd-creation");
	assert_int_equal(r->n_seccomp, 1);
	assert_string_equal(r->seccomp[0].syscall, "userfaultfd");
	assert_int_equal(r->seccomp[0].n_args, 0);
	r = must("dirty-pipe-mitigation");
	assert_int_equal(r->n_seccomp, 1);
	assert_string_equal(r->seccomp[0].syscall, "splice");
	assert_int_equal(r->seccomp[0].n_args, 0);

	/* One rule per bit and syscall: (mode & bit) == bit. */
	r = must("disable-chmod-x-bit");
	assert_int_equal(r->n_seccomp, 3 * 4);
	for (size_t b = 0; b < 3; b++)
		for (size_t s = 0; s < 4; s++)
			expect_sc(&r->seccomp[b * 4 + s], chmods[s], idx[s], CATALOG_SC_MASKED_EQ,
				  xbits[b], xbits[b]);
	r = must("disable-chmod-s-bit");
	assert_int_equal(r->n_seccomp, 2 * 4);
	for (size_t b = 0; b < 2; b++)
		for (size_t s = 0; s < 4; s++)
			expect_sc(&r->seccomp[b * 4 + s], chmods[s], idx[s], CATALOG_SC_MASKED_EQ,
				  sbits[b], sbits[b]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_unique_and_canonical),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_case_and_underscores),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_cap_privileged),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_every_rule_implemented),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_apparmor_spot_checks),
		cmocka_unit_test(test_bpf_spot_checks),
		cmocka_unit_test(test_seccomp_spot_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
