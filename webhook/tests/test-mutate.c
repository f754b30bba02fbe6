// SPDX-License-Identifier: Apache-2.0
/* Table-driven mutation tests: each case asserts the object after its patch is applied. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/json-util.h"
#include "common/policy.h"
#include "tests/lib/testlib.h"
#include "webhook/admission.h"
#include "webhook/mutate.h"

#define NOW "2026-11-22T10:00:00Z"

/* Policies used by the cases, by name. */
#define VPOL(name, ns, kind, target, enforcer, mode)                                             \
	"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'" name \
	"','namespace':'" ns "'},'spec':{'target':{'kind':'" kind "'," target                    \
	"},'policy':{'enforcer':'" enforcer "','mode':'" mode "'}}}"
#define VCPOL(name, kind, target, enforcer, mode)                                                       \
	"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorClusterPolicy','metadata':{'name':'" name \
	"'},'spec':{'target':{'kind':'" kind "'," target "},'policy':{'enforcer':'" enforcer            \
	"','mode':'" mode "'}}}"

#define SEL_APP(app) "'selector':{'matchLabels':{'app':'" app "'}}"
#define LABELS(app)  "'labels':{'app':'" app "','sandbox.varmor.org/enable':'true'}"

/* A Deployment with the given template annotations/pod spec pieces. */
#define DEPLOY(name, labels, tmpl_meta, pod_spec)                                           \
	"{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'" name "'," labels \
	"},'spec':{'template':{" tmpl_meta "'spec':{" pod_spec "}}}}"
#define POD(name, meta_extra, pod_spec)                                                            \
	"{'apiVersion':'v1','kind':'Pod','metadata':{'name':'" name "'," LABELS("demo") meta_extra \
		"},'spec':{" pod_spec "}}"
#define C1 "'containers':[{'name':'c0','image':'busybox'}]"
#define C2 "'containers':[{'name':'c0','image':'busybox'},{'name':'c1','image':'busybox'}]"

struct mcase {
	const char *name;
	const char *policies; /* JSON array */
	unsigned minor; /* Kubernetes 1.<minor> */
	const char *group, *kind, *op, *ns;
	const char *object;
	int want_err;
	bool want_patch;
	const char *checks; /* {pointer: expected value, null = absent} on the patched object */
	const char *want_policy;
	bool bpf_exclusive;
	bool scheduling; /* node_affinity and scheduling_gate on */
};

#define RPOL(name, ns, enforcer)                                                                 \
	"{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'" name \
	"','namespace':'" ns "'},'spec':{'target':{'kind':'Pod'," SEL_APP(                       \
		"demo") "},'policy':{'enforcer':'" enforcer                                      \
			"','mode':'EnhanceProtect'}},'status':{'ready':true}}"
#define REQ_TERMS \
	"/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms"

static const struct mcase cases[] = {
	{
		.name = "apparmor below 1.30 uses the beta annotation",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 29,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1c0':'localhost/varmor-demo-p',"
			"'/spec/template/metadata/annotations/container.apparmor.security.beta.varmor.org~1c0':null,"
			"'/spec/template/spec/containers/0/securityContext':null,"
			"'/metadata/annotations/webhook.varmor.org~1mutatedAt':'" NOW "',"
			"'/metadata/annotations/pavise.io~1policy':'VarmorPolicy/demo/p'}",
		.want_policy = "p",
	},
	{
		.name = "apparmor from 1.30 uses the field and varmor annotation",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 30,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.apparmor.security.beta.varmor.org~1c0':'localhost/varmor-demo-p',"
			"'/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1c0':null,"
			"'/spec/template/spec/containers/0/securityContext/appArmorProfile':{'type':'Localhost','localhostProfile':'varmor-demo-p'}}",
	},
	{
		.name = "bpf sets only its annotation",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':'localhost/varmor-demo-p',"
			"'/spec/template/spec/containers/0/securityContext':null}",
	},
	{
		.name = "bpf exclusive mode makes apparmor unconfined",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.bpf_exclusive = true,
		.checks =
			"{'/spec/template/spec/containers/0/securityContext/appArmorProfile':{'type':'Unconfined'}}",
	},
	{
		.name = "seccomp enhance protect uses the localhost profile",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "]",
		.minor = 29,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.seccomp.security.beta.varmor.org~1c0':'localhost/varmor-demo-p',"
			"'/spec/template/spec/containers/0/securityContext/seccompProfile':{'type':'Localhost','localhostProfile':'varmor-demo-p'}}",
	},
	{
		.name = "seccomp runtime default",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "RuntimeDefault") "]",
		.minor = 29,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/spec/containers/0/securityContext/seccompProfile':{'type':'RuntimeDefault'}}",
	},
	{
		.name = "all three enforcers, two containers, existing fields kept",
		.policies = "[" VPOL("p", "demo", "StatefulSet", SEL_APP("demo"),
				     "apparmorbpfseccomp", "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "StatefulSet",
		.op = "UPDATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"), "'metadata':{'annotations':{'keep':'me'}},",
			"'containers':[{'name':'c0','securityContext':{'runAsUser':1000}},{'name':'c1'}]"),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/keep':'me',"
			"'/spec/template/spec/containers/0/securityContext/runAsUser':1000,"
			"'/spec/template/spec/containers/0/securityContext/seccompProfile/type':'Localhost',"
			"'/spec/template/spec/containers/1/securityContext/appArmorProfile/type':'Localhost',"
			"'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c1':'localhost/varmor-demo-p',"
			"'/spec/template/metadata/annotations/container.seccomp.security.beta.varmor.org~1c1':'localhost/varmor-demo-p'}",
	},
	{
		.name = "seccomp skipped for a privileged container",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"), "",
			"'containers':[{'name':'c0','securityContext':{'privileged':true}},{'name':'c1'}]"),
		.want_patch = true,
		.checks =
			"{'/spec/template/spec/containers/0/securityContext/seccompProfile':null,"
			"'/spec/template/metadata/annotations/container.seccomp.security.beta.varmor.org~1c0':null,"
			"'/spec/template/spec/containers/1/securityContext/seccompProfile/type':'Localhost'}",
	},
	{
		.name = "seccomp skipped for an existing Unconfined profile (container)",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"), "",
			"'containers':[{'name':'c0','securityContext':{'seccompProfile':{'type':'Unconfined'}}}]"),
		.want_patch = false,
	},
	{
		.name = "seccomp skipped for a pod-level Unconfined profile",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "",
				 "'securityContext':{'seccompProfile':{'type':'Unconfined'}}," C1),
		.want_patch = false,
	},
	{
		.name = "seccomp RuntimeDefault on the container is replaced",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"), "",
			"'containers':[{'name':'c0','securityContext':{'seccompProfile':{'type':'RuntimeDefault'}}}]"),
		.want_patch = true,
		.checks =
			"{'/spec/template/spec/containers/0/securityContext/seccompProfile':{'type':'Localhost','localhostProfile':'varmor-demo-p'}}",
	},
	{
		.name = "opt-out annotations for every enforcer",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"),
				     "AppArmorBPFSeccomp", "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"),
			"'metadata':{'annotations':{'container.apparmor.security.beta.varmor.org/c0':'unconfined',"
			"'container.bpf.security.beta.varmor.org/c0':'unconfined','container.seccomp.security.beta.varmor.org/c0':'unconfined'}},",
			C2),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.apparmor.security.beta.varmor.org~1c0':'unconfined',"
			"'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':'unconfined',"
			"'/spec/template/spec/containers/0/securityContext':null,"
			"'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c1':'localhost/varmor-demo-p',"
			"'/spec/template/spec/containers/1/securityContext/appArmorProfile/type':'Localhost'}",
	},
	{
		.name = "kubernetes beta annotation unconfined opts out of apparmor",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 29,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"),
			"'metadata':{'annotations':{'container.apparmor.security.beta.kubernetes.io/c0':'unconfined'}},",
			C1),
		.want_patch = false,
	},
	{
		.name = "apparmor Unconfined field opts out from 1.30 (container and pod)",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 30,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"), "",
			"'securityContext':{'appArmorProfile':{'type':'Unconfined'}},'containers':[{'name':'c0'},"
			"{'name':'c1','securityContext':{'appArmorProfile':{'type':'RuntimeDefault'}}}]"),
		.want_patch = true,
		.checks =
			"{'/spec/template/spec/containers/0/securityContext':null,"
			"'/spec/template/spec/containers/1/securityContext/appArmorProfile/type':'Localhost'}",
	},
	{
		.name = "a disagreeing beta annotation is aligned with the field from 1.30",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d", LABELS("demo"),
			"'metadata':{'annotations':{'container.apparmor.security.beta.kubernetes.io/c0':'runtime/default'}},",
			C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1c0':'localhost/varmor-demo-p'}",
	},
	{
		.name = "target.containers restricts the containers",
		.policies =
			"[{'apiVersion':'crd.varmor.org/v1beta1','kind':'VarmorPolicy','metadata':{'name':'p','namespace':'demo'},"
			"'spec':{'target':{'kind':'Deployment','name':'d','containers':['c1']},'policy':{'enforcer':'BPF','mode':'AlwaysAllow'}}}]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C2),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':null,"
			"'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c1':'localhost/varmor-demo-p'}",
	},
	{
		.name = "init containers are left alone",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmorSeccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", "'initContainers':[{'name':'init'}]," C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/spec/initContainers/0':{'name':'init'},"
			"'/spec/template/metadata/annotations/container.seccomp.security.beta.varmor.org~1init':null,"
			"'/spec/template/spec/containers/0/securityContext/seccompProfile/type':'Localhost'}",
	},
	{
		.name = "pod create: annotations and fields at the top level",
		.policies = "[" VPOL("p", "demo", "Pod", SEL_APP("demo"), "AppArmorSeccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD("pod", "", C1),
		.want_patch = true,
		.checks =
			"{'/metadata/annotations/container.apparmor.security.beta.varmor.org~1c0':'localhost/varmor-demo-p',"
			"'/metadata/annotations/webhook.varmor.org~1mutatedAt':'" NOW "',"
			"'/metadata/annotations/pavise.io~1policy':'VarmorPolicy/demo/p',"
			"'/spec/containers/0/securityContext/appArmorProfile/localhostProfile':'varmor-demo-p'}",
	},
	{
		.name = "pod update is not mutated",
		.policies = "[" VPOL("p", "demo", "Pod", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "UPDATE",
		.ns = "demo",
		.object = POD("pod", "", C1),
		.want_patch = false,
	},
	{
		.name = "a Deployment policy does not mutate Pods",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD("pod", "", C1),
		.want_patch = false,
	},
	{
		.name = "no match: selector",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("other"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = false,
	},
	{
		.name = "no match: another namespace",
		.policies = "[" VPOL("p", "other", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = false,
	},
	{
		.name = "no match: workload without the enable label",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", "'labels':{'app':'demo'}", "", C1),
		.want_patch = false,
	},
	{
		.name = "no match: unknown kind",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmor",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "batch",
		.kind = "Job",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = false,
	},
	{
		.name = "name target",
		.policies = "[" VPOL("p", "demo", "DaemonSet", "'name':'d'", "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "DaemonSet",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("x"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':'localhost/varmor-demo-p'}",
	},
	{
		.name = "matchExpressions NotIn",
		.policies = "[" VPOL(
			"p", "demo",
			"Deployment",
			"'selector':{'matchExpressions':[{'key':'environment','operator':'NotIn','values':['dev','qa']}],'matchLabels':{'app':'demo'}}",
			"BPF", "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY(
			"d",
			"'labels':{'app':'demo','environment':'dev','sandbox.varmor.org/enable':'true'}",
			"", C1),
		.want_patch = false,
	},
	{
		.name = "cluster policy wins over namespaced, any namespace",
		.policies = "[" VPOL("a", "demo", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "," VCPOL("z", "Deployment", SEL_APP("demo"),
								 "AppArmor", "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.apparmor.security.beta.varmor.org~1c0':'localhost/varmor-cluster-pavise-system-z',"
			"'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':null,"
			"'/metadata/annotations/pavise.io~1policy':'VarmorClusterPolicy/z'}",
		.want_policy = "z",
	},
	{
		.name = "several namespaced matches: first by name",
		.policies = "[" VPOL("b", "demo", "Deployment", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "," VPOL("a", "demo", "Deployment",
								SEL_APP("demo"), "BPF",
								"EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", C1),
		.want_patch = true,
		.checks =
			"{'/spec/template/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':'localhost/varmor-demo-a'}",
		.want_policy = "a",
	},
	{
		.name = "annotation keys with ~ and / are escaped",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "'metadata':{'annotations':{'a~b/c':'x'}},",
				 C1),
		.want_patch = true,
		.checks = "{'/spec/template/metadata/annotations/a~0b~1c':'x'}",
	},
	{
		.name = "malformed: containers not a list",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", "'containers':{'name':'c0'}"),
		.want_err = -EBADMSG,
	},
	{
		.name = "malformed: container without a name",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", "'containers':[{'image':'x'}]"),
		.want_err = -EBADMSG,
	},
	{
		.name = "malformed object without a matching policy is let through",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("nomatch"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "apps",
		.kind = "Deployment",
		.op = "CREATE",
		.ns = "demo",
		.object = DEPLOY("d", LABELS("demo"), "", "'containers':7"),
		.want_patch = false,
	},
	{
		.name = "pod scheduling: affinity and gate while the policy is not ready",
		.policies = "[" VPOL("p", "demo", "Pod", SEL_APP("demo"), "AppArmorBPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD("pod", "", C1),
		.want_patch = true,
		.scheduling = true,
		.checks = "{'" REQ_TERMS "':[{'matchExpressions':["
			  "{'key':'pavise.io/apparmor','operator':'In','values':['true']},"
			  "{'key':'pavise.io/bpf','operator':'In','values':['true']}]}],"
			  "'/spec/schedulingGates':[{'name':'pavise.io/profile-ready'}],"
			  "'/metadata/labels/pavise.io~1waiting-for':'varmor-demo-p',"
			  "'/metadata/labels/app':'demo'}",
	},
	{
		.name = "pod scheduling: every existing term gets the expressions, gates are appended",
		.policies = "[" VPOL("p", "demo", "Pod", SEL_APP("demo"), "Seccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD(
			"pod", "",
			"'schedulingGates':[{'name':'other'}],'affinity':{'nodeAffinity':{"
			"'requiredDuringSchedulingIgnoredDuringExecution':{'nodeSelectorTerms':["
			"{'matchExpressions':[{'key':'zone','operator':'In','values':['a']}]},"
			"{'matchFields':[{'key':'metadata.name','operator':'In','values':['n1']}]}]}}}," C1),
		.want_patch = true,
		.scheduling = true,
		.checks =
			"{'" REQ_TERMS "/0/matchExpressions':["
			"{'key':'zone','operator':'In','values':['a']},"
			"{'key':'pavise.io/seccomp','operator':'In','values':['true']}],"
			"'" REQ_TERMS "/1/matchExpressions':["
			"{'key':'pavise.io/seccomp','operator':'In','values':['true']}],"
			"'" REQ_TERMS "/1/matchFields/0/values/0':'n1',"
			"'/spec/schedulingGates':[{'name':'other'},{'name':'pavise.io/profile-ready'}]}",
	},
	{
		.name = "pod scheduling: a ready policy adds no gate",
		.policies = "[" RPOL("p", "demo", "BPF") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD("pod", "", "'affinity':{'podAntiAffinity':{}}," C1),
		.want_patch = true,
		.scheduling = true,
		.checks =
			"{'/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution':"
			"{'nodeSelectorTerms':[{'matchExpressions':["
			"{'key':'pavise.io/bpf','operator':'In','values':['true']}]}]},"
			"'/spec/affinity/podAntiAffinity':{},"
			"'/spec/schedulingGates':null,'/metadata/labels/pavise.io~1waiting-for':null}",
	},
	{
		.name = "pod scheduling: a pod bound to a node is left to its node",
		.policies = "[" RPOL("p", "demo", "BPF") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD("pod", "", "'nodeName':'n1'," C1),
		.want_patch = true,
		.scheduling = true,
		.checks =
			"{'/spec/affinity':null,'/spec/schedulingGates':null,"
			"'/metadata/annotations/container.bpf.security.beta.varmor.org~1c0':'localhost/varmor-demo-p'}",
	},
	{
		.name = "pod scheduling: malformed affinity is refused",
		.policies = "[" RPOL("p", "demo", "BPF") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD("pod", "", "'affinity':{'nodeAffinity':[]}," C1),
		.want_err = -EBADMSG,
		.scheduling = true,
	},
	{
		.name = "pod scheduling: a pod of a mutated Deployment is scheduled by its policy",
		.policies = "[" VPOL("p", "demo", "Deployment", SEL_APP("demo"), "AppArmorBPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD(
			"pod",
			",'annotations':{'container.bpf.security.beta.varmor.org/c0':'localhost/varmor-demo-p'}",
			C1),
		.want_patch = true,
		.scheduling = true,
		.want_policy = "p",
		.checks = "{'" REQ_TERMS "':[{'matchExpressions':["
			  "{'key':'pavise.io/apparmor','operator':'In','values':['true']},"
			  "{'key':'pavise.io/bpf','operator':'In','values':['true']}]}],"
			  "'/spec/schedulingGates':[{'name':'pavise.io/profile-ready'}],"
			  "'/spec/containers/0/securityContext':null}",
	},
	{
		.name = "pod scheduling: a pod naming another namespace's profile is left alone",
		.policies = "[" VPOL("p", "other", "Deployment", SEL_APP("demo"), "BPF",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
		.object = POD(
			"pod",
			",'annotations':{'container.bpf.security.beta.varmor.org/c0':'localhost/varmor-other-p'}",
			C1),
		.scheduling = true,
	},
};
static int load_policies(const char *json, struct policy ***ret, size_t *ret_n)
{
	json_auto_t *arr = testlib_json(json);
	struct policy **v = calloc(json_array_size(arr) + 1, sizeof(*v));
	size_t i;
	json_t *o;

	assert_non_null(v);
	json_array_foreach(arr, i, o) {
		struct policy_diags d = {};
		int r = policy_parse(o, "pavise-system", NULL, &v[i], &d);

		if (r < 0)
			fprintf(stderr, "policy %zu: %s\n", i, d.n_errors ? d.errors[0] : "?");
		assert_int_equal(r, 0);
		policy_diags_clear(&d);
	}
	qsort(v, json_array_size(arr), sizeof(*v), policy_compare);
	*ret = v;
	*ret_n = json_array_size(arr);
	return 0;
}

static json_t *review_for(const struct mcase *c, const json_t *object)
{
	return json_pack("{s:s,s:s,s:{s:s,s:{s:s,s:s,s:s},s:s,s:s,s:O}}", "apiVersion",
			 ADMISSION_API_VERSION, "kind", "AdmissionReview", "request", "uid", "u-1",
			 "kind", "group", c->group, "version", "v1", "kind", c->kind, "operation",
			 c->op, "namespace", c->ns, "object", object);
}

static int run_mutate(const struct mcase *c, struct policy **pols, size_t n, const json_t *object,
		      struct mutate_result *res, const char **err)
{
	struct mutate_config cfg = {
		.match_label_key = DEFAULT_MATCH_LABEL_KEY,
		.match_label_value = DEFAULT_MATCH_LABEL_VAL,
		.k8s_major = 1,
		.k8s_minor = c->minor,
		.bpf_exclusive = c->bpf_exclusive,
		.node_affinity = c->scheduling,
		.scheduling_gate = c->scheduling,
	};
	struct policy_view view = { .policies = pols, .n = n };
	json_auto_t *review = review_for(c, object);
	_cleanup_free_ char *body = json_dumps(review, 0);
	struct admission_request req;
	const char *perr = NULL;
	int r;

	assert_int_equal(admission_parse(body, strlen(body), &req, &perr), 0);
	r = mutate_request(&cfg, &view, &req, NOW, res, err);
	admission_request_done(&req);
	return r;
}

static void test_case(void **state)
{
	{
		const struct mcase *c = *state;
		struct policy **pols;
		size_t n;
		json_auto_t *object = testlib_json(c->object);
		struct mutate_result res;
		const char *err = NULL;
		int r;

		load_policies(c->policies, &pols, &n);
		r = run_mutate(c, pols, n, object, &res, &err);
		assert_int_equal(r, c->want_err);
		if (r < 0) {
			assert_non_null(err);
		} else if (!c->want_patch) {
			assert_null(res.patch);
		} else {
			json_auto_t *checks = testlib_json(c->checks);
			json_auto_t *patched = json_deep_copy(object);
			json_auto_t *patch = NULL;
			struct mutate_result again;
			const char *key;
			json_t *want;
			size_t at = 0;

			assert_non_null(res.patch);
			patch = json_loadb(res.patch, res.patch_len, JSON_REJECT_DUPLICATES, NULL);
			assert_non_null(patch);
			assert_int_equal(json_array_size(patch), res.n_ops);
			assert_int_equal(json_patch_apply(patched, patch, &at), 0);
			json_object_foreach(checks, key, want) {
				json_t *got = json_pointer_get(patched, key);

				if (json_is_null(want)) {
					if (got)
						fprintf(stderr, "# %s: unexpectedly present\n",
							key);
					assert_null(got);
				} else {
					if (!got || !json_equal(got, want)) {
						_cleanup_free_ char *d =
							json_dumps(patched, JSON_INDENT(1));

						fprintf(stderr, "# %s: mismatch in\n%s\n", key, d);
					}
					assert_non_null(got);
					assert_true(json_equal(got, want));
				}
			}
			if (c->want_policy)
				assert_string_equal(res.policy->name, c->want_policy);
			/* The same request always gives the same patch. */
			{
				struct mutate_result res2;

				assert_int_equal(run_mutate(c, pols, n, object, &res2, &err), 0);
				assert_int_equal(res.patch_len, res2.patch_len);
				assert_memory_equal(res.patch, res2.patch, res.patch_len);
				mutate_result_done(&res2);
			}
			/* Admitting the mutated object again changes nothing. */
			assert_int_equal(run_mutate(c, pols, n, patched, &again, &err), 0);
			assert_null(again.patch);
			mutate_result_done(&again);
		}
		mutate_result_done(&res);
		for (size_t i = 0; i < n; i++)
			policy_free(pols[i]);
		free(pols);
	}
}

static void test_many_containers(void **state)
{
	struct mcase c = {
		.policies = "[" VPOL("p", "demo", "Pod", SEL_APP("demo"), "AppArmorBPFSeccomp",
				     "EnhanceProtect") "]",
		.minor = 31,
		.group = "",
		.kind = "Pod",
		.op = "CREATE",
		.ns = "demo",
	};
	json_auto_t *object = testlib_json(POD("pod", "", "'containers':[]"));
	json_t *containers = json_path(object, "spec", "containers", NULL);
	json_auto_t *patched = NULL;
	struct mutate_result res;
	struct policy **pols;
	const char *err;
	size_t n;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "c%d", i);
		json_array_append_new(containers, json_pack("{s:s}", "name", name));
	}
	load_policies(c.policies, &pols, &n);
	assert_int_equal(run_mutate(&c, pols, n, object, &res, &err), 0);
	assert_non_null(res.patch);
	patched = json_deep_copy(object);
	{
		json_auto_t *patch = json_loadb(res.patch, res.patch_len, 0, NULL);

		assert_non_null(patch);
		assert_int_equal(json_patch_apply(patched, patch, NULL), 0);
	}
	assert_string_equal(
		json_string_value(json_pointer_get(
			patched,
			"/metadata/annotations/container.bpf.security.beta.varmor.org~1c2999")),
		"localhost/varmor-demo-p");
	assert_string_equal(
		json_string_value(json_pointer_get(
			patched, "/spec/containers/2999/securityContext/seccompProfile/type")),
		"Localhost");
	mutate_result_done(&res);
	policy_free(pols[0]);
	free(pols);
}

int main(void)
{
	struct CMUnitTest tests[ELEMENTSOF(cases) + 1];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++)
		tests[i] = (struct CMUnitTest){ .name = cases[i].name,
						.test_func = test_case,
						.initial_state = (void *)&cases[i] };
	tests[ELEMENTSOF(cases)] = (struct CMUnitTest)cmocka_unit_test(test_many_containers);
	return _cmocka_run_group_tests("mutate", tests, ELEMENTSOF(tests), NULL, NULL);
}
