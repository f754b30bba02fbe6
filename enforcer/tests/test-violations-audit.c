// SPDX-License-Identifier: Apache-2.0
/* Audit records (AppArmor 1400, seccomp 1326) captured from the kernel lab's 6.12 kernel, as records. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "enforcer/violations.h"
#include "tests/lib/testlib.h"

/*
 * The netlink payloads of records the lab's kernel wrote (e2e/vm, Debian
 * 6.12.118 cloud kernel, runc containers under AppArmor and seccomp
 * profiles); dmesg shows them after "audit: type=N ".
 */
#define AA_AUDIT                                                                                     \
	"audit(1796602648.787:4): apparmor=\"AUDIT\" operation=\"open\" class=\"file\" "             \
	"profile=\"viol-cap\" name=\"/etc/motd\" pid=215 comm=\"cat\" requested_mask=\"r\" fsuid=0 " \
	"ouid=0"
#define AA_DENIED                                                                              \
	"audit(1796602650.183:5): apparmor=\"DENIED\" operation=\"open\" class=\"file\" "      \
	"profile=\"viol-cap\" name=\"/etc/shadow\" pid=241 comm=\"cat\" requested_mask=\"r\" " \
	"denied_mask=\"r\" fsuid=0 ouid=0"
#define AA_HEX_NAME                                                                               \
	"audit(1796602651.431:7): apparmor=\"DENIED\" operation=\"mknod\" class=\"file\" "        \
	"profile=\"viol-cap\" name=2F6574632F612062 pid=292 comm=\"touch\" requested_mask=\"c\" " \
	"denied_mask=\"c\" fsuid=0 ouid=0"
#define AA_CAPABLE                                                                          \
	"audit(1796602652.531:8): apparmor=\"DENIED\" operation=\"capable\" class=\"cap\" " \
	"profile=\"viol-cap\" pid=319 comm=\"mknod\" capability=27  capname=\"mknod\""
#define AA_NET                                                                                      \
	"audit(1796602653.735:9): apparmor=\"DENIED\" operation=\"create\" class=\"net\" "          \
	"profile=\"viol-cap\" pid=343 comm=\"nc\" family=\"inet\" sock_type=\"stream\" protocol=0 " \
	"requested_mask=\"create\" denied_mask=\"create\""
#define AA_COMPLAIN                                                                         \
	"audit(1796602654.511:11): apparmor=\"ALLOWED\" operation=\"open\" class=\"file\" " \
	"profile=\"viol-complain\" name=\"/tmp/complained\" pid=372 comm=\"touch\" "        \
	"requested_mask=\"wc\" denied_mask=\"wc\" fsuid=0 ouid=0"
#define AA_MOUNT                                                                              \
	"audit(1796602914.736:4): apparmor=\"DENIED\" operation=\"mount\" class=\"mount\" "   \
	"info=\"failed mntpnt match\" error=-13 profile=\"viol-two\" name=\"/tmp/\" pid=232 " \
	"comm=\"mount\" fstype=\"tmpfs\" srcname=\"none\" flags=\"rw, silent\""
#define AA_STATUS                                                                  \
	"audit(1796602646.039:2): apparmor=\"STATUS\" operation=\"profile_load\" " \
	"profile=\"unconfined\" name=\"viol-cap\" pid=173 comm=\"apparmor_parser\""
#define SC_LOG                                                                                  \
	"audit(1796602655.271:12): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined " \
	"pid=403 comm=\"mkdir\" exe=\"/bin/busybox\" sig=0 arch=c000003e syscall=83 compat=0 "  \
	"ip=0x47b567 code=0x7ffc0000"
#define SC_KILL                                                                                 \
	"audit(1796602656.183:13): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined " \
	"pid=433 comm=\"unshare\" exe=\"/bin/busybox\" sig=31 arch=c000003e syscall=272 "       \
	"compat=0 ip=0x4815c7 code=0x80000000"
#define SC_CONFINED                                                                          \
	"audit(1796602911.060:3): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=viol-two " \
	"pid=205 comm=\"mkdir\" exe=\"/bin/sh\" sig=0 arch=c000003e syscall=83 compat=0 "    \
	"ip=0x47b567 code=0x7ffc0000"

static json_t *parse(int type, const char *text, int want_pid)
{
	int pid = -1;
	json_t *rec = violation_from_audit_text(type, text, strlen(text), &pid);
	_cleanup_free_ char *s = NULL;

	if (!rec)
		fail_msg("no record for: %s", text);
	s = json_dumps(rec, JSON_COMPACT);
	print_message("# %s\n", s);
	assert_int_equal(pid, want_pid);
	return rec;
}

static const char *str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

/* Every key of want (recursively for objects) is in got with an equal value; null: absent or null. */
static bool subset(const json_t *got, const json_t *want)
{
	const char *key;
	json_t *w;

	if (!json_is_object(want))
		return json_is_null(want) ? !got || json_is_null(got) : json_equal(got, want);
	if (!json_is_object(got))
		return false;
	json_object_foreach((json_t *)want, key, w)
		if (!subset(json_object_get(got, key), w))
			return false;
	return true;
}

static void expect(const json_t *rec, const char *want_single_quoted)
{
	json_auto_t *want = testlib_json(want_single_quoted);

	if (!subset(rec, want)) {
		_cleanup_free_ char *got = json_dumps(rec, JSON_COMPACT);

		fail_msg("record %s\ndoes not have %s", got, want_single_quoted);
	}
}

static void test_apparmor_audit_and_denied(void **state)
{
	json_auto_t *a = parse(1400, AA_AUDIT, 215), *d = parse(1400, AA_DENIED, 241);
	json_auto_t *want = testlib_json(
		"{'time': '2026-12-07T00:17:28.787Z', 'eventTimestamp': 1796602648, "
		"'enforcer': 'AppArmor', 'action': 'AUDIT', 'nodeName': null, "
		"'profileName': 'viol-cap', 'containerID': null, 'containerName': null, "
		"'podName': null, 'podNamespace': null, 'podUID': null, 'pid': 215, 'comm': 'cat', "
		"'event': {'apparmor': 'AUDIT', 'operation': 'open', 'class': 'file', "
		"'profile': 'viol-cap', 'name': '/etc/motd', 'pid': 215, 'comm': 'cat', "
		"'requested_mask': 'r', 'fsuid': 0, 'ouid': 0, 'auditSerial': 4}, "
		"'message': 'violation event'}");

	(void)state;
	assert_true(json_equal(a, want));
	expect(d, "{'action': 'DENIED', 'profileName': 'viol-cap', 'pid': 241, "
		  "'event': {'name': '/etc/shadow', 'requested_mask': 'r', 'denied_mask': 'r'}}");
}

static void test_apparmor_kinds(void **state)
{
	json_auto_t *hex = parse(1400, AA_HEX_NAME, 292), *cap = parse(1400, AA_CAPABLE, 319);
	json_auto_t *net = parse(1400, AA_NET, 343), *cmp = parse(1400, AA_COMPLAIN, 372);
	json_auto_t *mnt = parse(1400, AA_MOUNT, 232);

	(void)state;
	/* a name with a blank is written in hex */
	expect(hex, "{'action': 'DENIED', 'event': {'name': '/etc/a b', 'operation': 'mknod'}}");
	/* two blanks before capname */
	expect(cap, "{'comm': 'mknod', 'event': {'capability': 27, 'capname': 'mknod'}}");
	expect(net, "{'event': {'family': 'inet', 'sock_type': 'stream', 'protocol': 0}}");
	expect(cmp, "{'action': 'ALLOWED', 'profileName': 'viol-complain', "
		    "'event': {'denied_mask': 'wc'}}");
	expect(mnt, "{'event': {'info': 'failed mntpnt match', 'error': -13, 'fstype': 'tmpfs', "
		    "'srcname': 'none', 'flags': 'rw, silent'}}");
}

static void test_seccomp(void **state)
{
	json_auto_t *log = parse(1326, SC_LOG, 403), *kill = parse(1326, SC_KILL, 433);
	json_auto_t *conf = parse(1326, SC_CONFINED, 205), *err = NULL, *arm = NULL;

	(void)state;
	expect(log,
	       "{'enforcer': 'Seccomp', 'action': 'AUDIT|ALLOWED', 'profileName': null, "
	       "'comm': 'mkdir', 'time': '2026-12-07T00:17:35.271Z', "
	       "'event': {'seccompAction': 'log', 'syscallName': 'mkdir', 'archName': 'x86_64', "
	       "'syscall': 83, 'arch': 'c000003e', 'code': '0x7ffc0000', 'exe': '/bin/busybox', "
	       "'subj': 'unconfined', 'auid': 4294967295}}");
	expect(kill, "{'action': 'DENIED', 'event': {'seccompAction': 'kill_process', "
		     "'syscallName': 'unshare', 'sig': 31}}");
	expect(conf, "{'event': {'subj': 'viol-two', 'exe': '/bin/sh'}}");
	/* SECCOMP_RET_ERRNO (logged with SECCOMP_FILTER_FLAG_LOG), arm64 numbering */
	err = parse(1326,
		    "audit(1.5:1): pid=9 comm=\"mkdir\" sig=0 arch=c00000b7 syscall=34 compat=0 "
		    "code=0x50001",
		    9);
	expect(err, "{'action': 'DENIED', 'time': '1970-01-01T00:00:01.005Z', "
		    "'event': {'seccompAction': 'errno', 'errno': 1, 'archName': 'aarch64', "
		    "'syscallName': 'mkdirat'}}");
	/* no code: the signal decides; an unknown arch has no names */
	arm = parse(1326, "pid=10 sig=31 arch=12345678 syscall=1", 10);
	expect(arm, "{'action': 'DENIED', 'event': {'archName': null, 'syscallName': null}}");
}

static void test_kernel_quoting(void **state)
{
	json_auto_t *a = NULL, *b = NULL, *c = NULL;

	(void)state;
	/* the subject label with its mode ("profile (enforce)") is written bare, blank included */
	a = parse(1326, "auid=1 subj=varmor-demo-web (enforce) pid=5 comm=2F612062 code=0x7ffc0000",
		  5);
	expect(a,
	       "{'comm': '/a b', 'event': {'subj': 'varmor-demo-web (enforce)', 'comm': '/a b'}}");
	/* hex with a quote and UTF-8; hex that is not UTF-8; a bare value that is not hex */
	b = parse(1400,
		  "apparmor=\"DENIED\" profile=7661726D6F722D78 name=2F746D702F6122C3A9 "
		  "target=2FFF peer=(null) pid=6",
		  6);
	assert_string_equal(str(b, "profileName"), "varmor-x");
	assert_string_equal(json_string_value(json_object_get(json_object_get(b, "event"), "name")),
			    "/tmp/a\"\xc3\xa9");
	expect(b, "{'event': {'target': '/\\\\xff', 'peer': '(null)'}}");
	/* no time stamp: now, with ns */
	assert_int_equal(strlen(str(b, "time")), strlen("2026-12-07T00:17:35.123456789Z"));
	/* an unterminated quote takes the rest; single quotes; empty values */
	c = parse(1400, "apparmor='ALLOWED' a= b=\"\" info=\"cut here pid=7", 0);
	expect(c, "{'action': 'ALLOWED', 'pid': null, "
		  "'event': {'a': '', 'b': '', 'info': 'cut here pid=7'}}");
}

static void test_not_violations(void **state)
{
	char *big;
	int pid = 42;

	(void)state;
	assert_null(violation_from_audit_text(1400, AA_STATUS, strlen(AA_STATUS), &pid));
	assert_int_equal(pid, 42); /* untouched */
	assert_null(violation_from_audit_text(1300, AA_DENIED, strlen(AA_DENIED), NULL));
	assert_null(violation_from_audit_text(
		1400, "avc:  denied  { read } for  pid=1 comm=\"cat\"",
		strlen("avc:  denied  { read } for  pid=1 comm=\"cat\""), NULL));
	assert_null(violation_from_audit_text(1400, "", 0, NULL));
	assert_null(violation_from_audit_text(1400, NULL, 0, NULL));
	assert_null(violation_from_audit_text(1400, "apparmor=\"DENIEDX\"", 18, NULL));
	/* over the cap */
	big = malloc(AUDIT_RECORD_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', AUDIT_RECORD_MAX + 1);
	memcpy(big, "apparmor=\"DENIED\" x=", 20);
	big[AUDIT_RECORD_MAX + 1] = '\0';
	assert_null(violation_from_audit_text(1400, big, AUDIT_RECORD_MAX + 1, NULL));
	/* at the cap: fine, and a value of ~9 KB hex for a name is decoded */
	big[AUDIT_RECORD_MAX] = '\0';
	{
		json_auto_t *r = violation_from_audit_text(1400, big, AUDIT_RECORD_MAX, NULL);

		assert_non_null(r);
	}
	free(big);
}

static void test_many_fields(void **state)
{
	char text[AUDIT_RECORD_MAX];
	size_t o = 0;
	json_auto_t *r = NULL;

	(void)state;
	o += (size_t)snprintf(text, sizeof(text), "apparmor=\"DENIED\" pid=3");
	for (int i = 0; i < 400 && o < sizeof(text) - 32; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, " k%d=%d", i, i);
	r = violation_from_audit_text(1400, text, o, NULL);
	assert_non_null(r);
	/* fields past the cap are dropped, the first ones are kept */
	expect(r, "{'event': {'k0': 0, 'k100': 100, 'k300': null}}");
	assert_true(json_object_size(json_object_get(r, "event")) <= 130);
}

struct seen {
	int n;
	int pids[8];
	char enforcers[8][16];
};

static void collect(void *userdata, json_t *record, int pid)
{
	struct seen *s = userdata;

	if (s->n < 8) {
		s->pids[s->n] = pid;
		snprintf(s->enforcers[s->n], sizeof(s->enforcers[0]), "%s",
			 str(record, "enforcer"));
	}
	s->n++;
}

static size_t put_msg(char *buf, size_t at, int type, const char *text, bool nul)
{
	struct nlmsghdr nh = { .nlmsg_type = (__u16)type };
	size_t len = strlen(text) + (nul ? 1 : 0);

	nh.nlmsg_len = (__u32)(NLMSG_HDRLEN + len);
	memcpy(buf + at, &nh, sizeof(nh));
	memcpy(buf + at + NLMSG_HDRLEN, text, len);
	return at + NLMSG_ALIGN(nh.nlmsg_len);
}

static void test_datagrams(void **state)
{
	static char buf[32768] __attribute__((aligned(8)));
	struct seen s = { 0 };
	size_t n = 0;
	int sp[2];

	(void)state;
	n = put_msg(buf, n, 1400, AA_DENIED, true);
	n = put_msg(buf, n, 1300, "arch=c000003e syscall=2 success=no", false);
	n = put_msg(buf, n, 1326, SC_KILL "\n", false);
	n = put_msg(buf, n, 1400, AA_STATUS, false);
	assert_int_equal(audit_source_parse_datagram(buf, n, collect, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.pids[0], 241);
	assert_string_equal(s.enforcers[0], "AppArmor");
	assert_int_equal(s.pids[1], 433);
	assert_string_equal(s.enforcers[1], "Seccomp");
	/* cut short, length fields that lie */
	assert_int_equal(audit_source_parse_datagram(buf, 10, collect, &s), 0);
	assert_int_equal(audit_source_parse_datagram(buf, NLMSG_HDRLEN + 40, collect, &s), 0);
	((struct nlmsghdr *)buf)->nlmsg_len = 3;
	assert_int_equal(audit_source_parse_datagram(buf, n, collect, &s), 1);
	((struct nlmsghdr *)buf)->nlmsg_len = 0xffffffffU;
	assert_int_equal(audit_source_parse_datagram(buf, n, collect, &s), 1);
	assert_int_equal(audit_source_parse_datagram(NULL, 0, collect, &s), -EINVAL);

	/* audit_source_read: a bad fd; a socket with a datagram not from the kernel is ignored */
	assert_int_equal(audit_source_read(-1, collect, &s), -EBADF);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sp), 0);
	s.n = 0;
	assert_int_equal(put_msg(buf, 0, 1400, AA_DENIED, false) > 0, true);
	assert_true(send(sp[1], buf, NLMSG_HDRLEN + strlen(AA_DENIED), 0) > 0);
	assert_int_equal(audit_source_read(sp[0], collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(audit_source_read(sp[0], collect, &s), 0);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apparmor_audit_and_denied),
		cmocka_unit_test(test_apparmor_kinds),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_kernel_quoting),
		cmocka_unit_test(test_not_violations),
		cmocka_unit_test(test_many_fields),
		cmocka_unit_test(test_datagrams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
