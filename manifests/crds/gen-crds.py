#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generates pavise's CustomResourceDefinitions for vArmor's API (crd.varmor.org/v1beta1).

The four CRDs share large pieces (the policy spec of VarmorPolicy and
VarmorClusterPolicy is identical; ArmorProfile copies the target), so they
are written from one description here rather than kept in sync by hand.
`gen-crds.py` rewrites manifests/crds/*.yaml; `gen-crds.py --check` fails
when a committed file differs from what this script would write.
Field reference: ../shared/reference/varmor.md sections 2.1-2.7; the rules
mirror rules/validate.c and common/policy.c where they can be checked
statically.
"""
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
GROUP = "crd.varmor.org"

# Caps: every list and string that a CEL rule reads has a bound, so the
# API server's cost estimate stays within its budget. The values match the
# validator's (RULE_LIST_MAX 512, POLICY_CONTAINERS_MAX 1024) or exceed
# anything a real policy needs.
NAME_MAX = 253
LIST_MAX = 512
TEXT_MAX = 1 << 20  # raw AppArmor/seccomp text: an etcd object is at most ~1.5 MiB


def s(max_len=NAME_MAX, **kw):
    d = {"type": "string", "maxLength": max_len}
    d.update(kw)
    return d


def enum(values, **kw):
    d = {"type": "string", "enum": list(values)}
    d.update(kw)
    return d


def arr(items, max_items=LIST_MAX, **kw):
    d = {"type": "array", "maxItems": max_items, "items": items}
    d.update(kw)
    return d


def obj(props, required=None, rules=None, **kw):
    d = {"type": "object", "properties": props}
    if required:
        d["required"] = required
    if rules:
        d["x-kubernetes-validations"] = rules
    d.update(kw)
    return d


def rule(expr, msg, field_path=None, reason=None):
    r = {"rule": expr, "message": msg}
    if field_path:
        r["fieldPath"] = field_path
    if reason:
        r["reason"] = reason
    return r


def integer(minimum=None, maximum=None, fmt=None):
    d = {"type": "integer"}
    if fmt:
        d["format"] = fmt
    if minimum is not None:
        d["minimum"] = minimum
    if maximum is not None:
        d["maximum"] = maximum
    return d


BOOL = {"type": "boolean"}
PORT = integer(1, 65535, "int32")

# --- Target (2.1) ----------------------------------------------------------

LABEL_SELECTOR = obj(
    {
        "matchLabels": {
            "type": "object",
            "maxProperties": 64,
            "additionalProperties": s(63),
        },
        "matchExpressions": arr(
            obj(
                {
                    "key": s(317),
                    "operator": enum(["In", "NotIn", "Exists", "DoesNotExist"]),
                    "values": arr(s(63), 64),
                },
                ["key", "operator"],
            ),
            32,
        ),
    },
    description="A label selector, matched against the workload object's own labels.",
    **{"x-kubernetes-map-type": "atomic"},
)


def target_schema(immutable):
    rules = [
        rule(
            "!(has(self.name) && self.name != '' && has(self.selector))",
            "spec.target: set either name or selector, not both",
        ),
        rule(
            "(has(self.name) && self.name != '') || has(self.selector)",
            "spec.target: one of name or selector is required",
        ),
    ]
    if immutable:
        rules.append(
            rule(
                "self == oldSelf",
                "spec.target: is immutable; delete and recreate the policy to change it",
            )
        )
    return obj(
        {
            "kind": enum(
                ["Deployment", "StatefulSet", "DaemonSet", "Pod"],
                description="Kind of the workloads to protect.",
            ),
            "name": s(
                NAME_MAX,
                pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
                description="Exact workload name (any namespace for a cluster policy).",
            ),
            "selector": LABEL_SELECTOR,
            "containers": arr(
                s(63, minLength=1),
                1024,
                description="Containers to protect; empty means every regular container.",
            ),
        },
        ["kind"],
        rules,
        description="The workloads to harden; immutable after creation.",
    )


# --- EnhanceProtect (2.2) --------------------------------------------------

BPF_QUALIFIERS = arr(enum(["deny", "audit"]), 2)
RULE_IDS = arr(s(128, minLength=1))
PATHS = arr(s(4095, pattern="^/"), 64)

FILE_RULE = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "pattern": s(128, minLength=1, description="Glob; prefix and suffix each under 64 bytes."),
        "permissions": arr(
            enum(["all", "*", "read", "r", "write", "w", "append", "a", "exec", "x"]), 16,
            minItems=1,
        ),
    },
    ["pattern", "permissions"],
)

SOCKET_DOMAINS = (
    "all * unix inet ax25 ipx appletalk netrom bridge atmpvc x25 inet6 rose netbeui "
    "security key netlink packet ash econet atmsvc rds sna irda pppox wanpipe llc ib "
    "mpls can tipc bluetooth iucv rxrpc isdn phonet ieee802154 caif alg nfc vsock kcm "
    "qipcrtr smc xdp mctp"
).split()

SOCKET_RULE = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "domains": arr(enum(SOCKET_DOMAINS), 64),
        "types": arr(enum(["all", "*", "stream", "dgram", "raw", "rdm", "seqpacket", "dccp",
                           "packet"]), 16),
        "protocols": arr(enum(["all", "*", "icmp", "tcp", "udp"]), 8),
    },
    rules=[
        rule(
            "!(has(self.types) && size(self.types) > 0 && "
            "has(self.protocols) && size(self.protocols) > 0)",
            "sockets: set types or protocols, not both",
        ),
    ],
)

PORT_RANGE = obj(
    {"port": PORT, "endPort": PORT},
    ["port"],
    rules=[rule("!has(self.endPort) || self.endPort >= self.port",
                "ports: endPort must not be below port", ".endPort")],
)

IP_OR_CIDR = [
    rule("!(has(self.ip) && has(self.cidr))", "set ip or cidr, not both"),
]

TO_DESTINATION = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "ip": s(64, description="An address, or pod-self, unspecified, localhost."),
        "cidr": s(64),
        "ports": arr(PORT_RANGE, 64),
    },
    rules=IP_OR_CIDR,
)

TO_SERVICE = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "namespace": s(63),
        "name": s(63),
        "serviceSelector": LABEL_SELECTOR,
    },
    rules=[
        rule("!(has(self.name) && has(self.serviceSelector))",
             "toServices: set name or serviceSelector, not both"),
        rule("has(self.name) || has(self.serviceSelector)",
             "toServices: set name (with namespace) or serviceSelector"),
    ],
)

TO_POD = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "namespace": s(63),
        "podSelector": LABEL_SELECTOR,
        "ports": arr(PORT_RANGE, 64),
    },
    ["podSelector"],
)

# v0.5.6's single-port egress rule, kept so its examples apply unchanged.
LEGACY_EGRESS = obj(
    {"ipBlock": s(64), "ip": s(64), "port": PORT},
    rules=[rule("!(has(self.ip) && has(self.ipBlock))", "egresses: set ip or ipBlock, not both")],
)

NETWORK_RULE = obj(
    {
        "sockets": arr(SOCKET_RULE, 64),
        "egress": obj(
            {
                "toDestinations": arr(TO_DESTINATION, 256),
                "toServices": arr(TO_SERVICE, 64),
                "toPods": arr(TO_POD, 64),
            }
        ),
        "egresses": arr(LEGACY_EGRESS, 256),
    }
)

PTRACE_RULE = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "strictMode": BOOL,
        "permissions": arr(enum(["all", "*", "trace", "traceby", "read", "readby"]), 8),
    }
)

MOUNT_FLAGS = (
    "all * ro r read-only rw w suid nosuid dev nodev exec noexec sync async mand nomand "
    "dirsync atime noatime diratime nodiratime silent loud relatime norelatime iversion "
    "noiversion strictatime nostrictatime remount bind B move M rbind R make-unbindable "
    "make-private private make-slave slave make-shared shared make-runbindable "
    "make-rprivate make-rslave make-rshared umount"
).split()

MOUNT_RULE = obj(
    {
        "qualifiers": BPF_QUALIFIERS,
        "sourcePattern": s(128, minLength=1),
        "fstype": s(15, minLength=1, description="Filesystem type, '*' for any."),
        "flags": arr(enum(MOUNT_FLAGS), 64),
    },
    ["sourcePattern", "fstype"],
)

BPF_RAW_RULES = obj(
    {
        "files": arr(FILE_RULE, 256),
        "processes": arr(FILE_RULE, 256),
        "network": NETWORK_RULE,
        "ptrace": PTRACE_RULE,
        "mounts": arr(MOUNT_RULE, 64),
    }
)

# OCI runtime-spec LinuxSyscall (specs.LinuxSyscall).
SCMP_ACTIONS = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
                "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"]
SCMP_OPS = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
            "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"]
LINUX_SYSCALL = obj(
    {
        "names": arr(s(64, minLength=1), 512, minItems=1),
        "action": enum(SCMP_ACTIONS),
        "errnoRet": integer(0, 4095, "int32"),
        "args": arr(
            obj(
                {
                    "index": integer(0, 5, "int32"),
                    "value": integer(0, None, "int64"),
                    "valueTwo": integer(0, None, "int64"),
                    "op": enum(SCMP_OPS),
                },
                ["index", "op"],
            ),
            6,
        ),
    },
    ["names", "action"],
)

APPARMOR_RAW_RULE = obj(
    {"rules": s(65536, minLength=1), "targets": PATHS},
    ["rules"],
)

# --- NetworkProxy (2.4): in the schema so manifests parse; pavise's webhook refuses them.

NP_QUALIFIERS = arr(enum(["allow", "deny", "audit"]), 3)
NETWORK_PROXY_RULES = obj(
    {
        "egress": obj(
            {
                "defaultAction": enum(["allow", "deny"]),
                "rules": arr(
                    obj(
                        {
                            "qualifiers": NP_QUALIFIERS,
                            "description": s(1024),
                            "ip": s(64),
                            "cidr": s(64),
                            "ports": arr(PORT_RANGE, 64),
                        },
                        rules=IP_OR_CIDR,
                    ),
                    256,
                ),
                "httpRules": arr(
                    obj(
                        {
                            "qualifiers": NP_QUALIFIERS,
                            "description": s(1024),
                            "match": obj(
                                {
                                    "hosts": arr(s(253), 64),
                                    "ports": arr(PORT_RANGE, 64),
                                    "paths": arr(
                                        obj({"exact": s(4096), "prefix": s(4096)},
                                            rules=[rule("has(self.exact) != has(self.prefix)",
                                                        "paths: set exactly one of exact or prefix")]),
                                        64,
                                    ),
                                    "methods": arr(s(16), 16),
                                }
                            ),
                        }
                    ),
                    256,
                ),
            },
            ["defaultAction"],
        ),
    }
)

QUANTITY = {
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "x-kubernetes-int-or-string": True,
    "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
}
RESOURCE_LIST = {"type": "object", "maxProperties": 16, "additionalProperties": QUANTITY}

NETWORK_PROXY_CONFIG = obj(
    {
        "mitm": obj(
            {
                "domains": arr(s(253, minLength=1), 256, minItems=1),
                "headerMutations": arr(
                    obj(
                        {
                            "domain": s(253),
                            "headers": arr(
                                obj(
                                    {
                                        "name": s(256, minLength=1),
                                        "value": s(8192),
                                        "secretRef": obj({"name": s(253), "key": s(253)},
                                                         ["name", "key"]),
                                    },
                                    ["name"],
                                    [rule("has(self.value) != has(self.secretRef)",
                                          "headers: set exactly one of value or secretRef")],
                                ),
                                64,
                            ),
                        },
                        ["domain"],
                    ),
                    64,
                ),
            }
        ),
        "resources": obj({"requests": RESOURCE_LIST, "limits": RESOURCE_LIST}),
        "proxyUID": integer(0, 2147483647, "int64"),
        "proxyPort": PORT,
        "proxyAdminPort": PORT,
    },
    rules=[
        rule("!has(self.proxyPort) || !has(self.proxyAdminPort) || "
             "self.proxyPort != self.proxyAdminPort",
             "spec.policy.networkProxyConfig: proxyPort and proxyAdminPort must differ"),
    ],
)

ENHANCE_PROTECT = obj(
    {
        "hardeningRules": RULE_IDS,
        "attackProtectionRules": arr(
            obj({"rules": arr(s(128, minLength=1), LIST_MAX, minItems=1), "targets": PATHS},
                ["rules"]),
            64,
        ),
        "vulMitigationRules": RULE_IDS,
        "appArmorRawRules": arr(APPARMOR_RAW_RULE, 64),
        "bpfRawRules": BPF_RAW_RULES,
        "syscallRawRules": arr(LINUX_SYSCALL, 256),
        "networkProxyRawRules": NETWORK_PROXY_RULES,
        "privileged": BOOL,
        "auditViolations": BOOL,
        "allowViolations": BOOL,
    },
    description="Built-in and raw rules for EnhanceProtect mode.",
)

PROFILE_TYPE = enum(["BehaviorModel", "Custom"])


def custom_profile_rule(section):
    return rule(
        "self.profileType != 'Custom' || (has(self.customProfile) && self.customProfile != '')",
        "spec.policy.defenseInDepth.%s.customProfile: required when profileType is Custom"
        % section,
        ".customProfile",
    )


DEFENSE_IN_DEPTH = obj(
    {
        "appArmor": obj(
            {
                "profileType": PROFILE_TYPE,
                "customProfile": s(TEXT_MAX),
                "appArmorRawRules": arr(APPARMOR_RAW_RULE, 64),
            },
            ["profileType"],
            [custom_profile_rule("appArmor")],
        ),
        "seccomp": obj(
            {
                "profileType": PROFILE_TYPE,
                "customProfile": s(TEXT_MAX),
                "syscallRawRules": arr(LINUX_SYSCALL, 256),
            },
            ["profileType"],
            [custom_profile_rule("seccomp")],
        ),
        "networkProxy": NETWORK_PROXY_RULES,
        "allowViolations": BOOL,
    }
)

ENFORCER_RE = "^(?i)(apparmor|bpf|seccomp|networkproxy)+$"

POLICY = obj(
    {
        "enforcer": s(
            64,
            minLength=1,
            description="Any concatenation of AppArmor, BPF, Seccomp and NetworkProxy "
            "(case-insensitive), e.g. AppArmorBPF.",
        ),
        "mode": enum(
            ["AlwaysAllow", "RuntimeDefault", "EnhanceProtect", "BehaviorModeling",
             "DefenseInDepth"]
        ),
        "enhanceProtect": ENHANCE_PROTECT,
        "modelingOptions": obj(
            {"duration": integer(1, 43200, "int32")},
            description="Behavior modeling window, in minutes from the profile's creation.",
        ),
        "defenseInDepth": DEFENSE_IN_DEPTH,
        "networkProxyConfig": NETWORK_PROXY_CONFIG,
    },
    ["enforcer", "mode"],
    [
        rule(
            "self.enforcer.matches('%s')" % ENFORCER_RE,
            "spec.policy.enforcer: must be a combination of AppArmor, BPF, Seccomp and "
            "NetworkProxy (e.g. AppArmorBPF)",
            ".enforcer",
        ),
        rule(
            "!self.enforcer.matches('(?i)(apparmor.*apparmor|bpf.*bpf|seccomp.*seccomp|"
            "networkproxy.*networkproxy)')",
            "spec.policy.enforcer: names an enforcer twice",
            ".enforcer",
        ),
        rule(
            "self.mode != 'EnhanceProtect' || has(self.enhanceProtect)",
            "spec.policy.enhanceProtect: required when mode is EnhanceProtect",
            ".enhanceProtect",
            "FieldValueRequired",
        ),
        rule(
            "self.mode != 'BehaviorModeling' || "
            "(has(self.modelingOptions) && has(self.modelingOptions.duration))",
            "spec.policy.modelingOptions.duration: required when mode is BehaviorModeling, "
            "minutes between 1 and 43200",
            ".modelingOptions",
            "FieldValueRequired",
        ),
        rule(
            "self.mode != 'DefenseInDepth' || has(self.defenseInDepth)",
            "spec.policy.defenseInDepth: required when mode is DefenseInDepth",
            ".defenseInDepth",
            "FieldValueRequired",
        ),
        rule(
            "self.mode != 'DefenseInDepth' || !self.enforcer.matches('(?i)bpf')",
            "spec.policy.enforcer: DefenseInDepth is not supported by the BPF enforcer; "
            "use AppArmor and/or Seccomp",
            ".enforcer",
        ),
    ],
)

POLICY_SPEC = obj(
    {
        "target": target_schema(True),
        "policy": POLICY,
        "updateExistingWorkloads": BOOL,
    },
    ["target", "policy"],
)

CONDITION_BASE = {
    "type": s(316),
    "status": enum(["True", "False", "Unknown"]),
    "lastTransitionTime": {"type": "string", "format": "date-time"},
    "reason": s(1024),
    "message": s(32768),
}


def conditions(extra=None):
    props = dict(CONDITION_BASE)
    if extra:
        props.update(extra)
    return arr(obj(props, ["type", "status"]), 4096)


POLICY_STATUS = obj(
    {
        "profileName": s(63),
        "ready": BOOL,
        "phase": enum(["Pending", "Protecting", "Modeling", "Completed", "Error", "Failed",
                       "Unknown", "Unchanged", ""]),
        "conditions": conditions(),
    }
)

# --- ArmorProfile (2.6) ---------------------------------------------------

U64 = integer(0, None, "int64")
BPF_PATTERN = obj({"flags": U64, "prefix": s(63), "suffix": s(63)})
BPF_PATH_RULE = obj({"mode": U64, "permissions": U64, "pattern": BPF_PATTERN})
BPF_CONTENT = obj(
    {
        "capabilities": obj({"mode": U64, "capabilities": U64}),
        "files": arr(BPF_PATH_RULE, 4096),
        "processes": arr(BPF_PATH_RULE, 4096),
        "networks": arr(
            obj(
                {
                    "mode": U64,
                    "flags": U64,
                    "socket": obj({"domains": U64, "types": U64, "protocols": U64}),
                    "address": obj(
                        {
                            "ip": s(64),
                            "cidr": s(64),
                            "port": integer(0, 65535, "int32"),
                            "endPort": integer(0, 65535, "int32"),
                            "ports": arr(integer(0, 65535, "int32"), 64),
                        }
                    ),
                }
            ),
            4096,
        ),
        "ptrace": obj({"mode": U64, "permissions": U64, "flags": U64}),
        "mounts": arr(
            obj(
                {
                    "mode": U64,
                    "mountFlags": {"type": "integer", "format": "int64"},
                    "reverseMountflags": {"type": "integer", "format": "int64"},
                    "pattern": BPF_PATTERN,
                    "fstype": s(15),
                }
            ),
            4096,
        ),
    },
    description="Compiled BPF rules (numeric fields are the kernel-side bit masks).",
)

PROFILE = obj(
    {
        "name": s(63),
        "enforcer": s(64),
        "mode": enum(["enforce", "complain"]),
        "appArmor": {"type": "string"},
        "bpf": BPF_CONTENT,
        "seccomp": {"type": "string"},
    },
    ["name", "enforcer", "mode"],
)

ARMOR_PROFILE_SPEC = obj(
    {
        "target": target_schema(False),
        "profile": PROFILE,
        "behaviorModeling": obj({"enable": BOOL, "duration": integer(0, 43200, "int32")}),
        "updateExistingWorkloads": BOOL,
    },
    ["target", "profile"],
)

ARMOR_PROFILE_STATUS = obj(
    {
        "desiredNumberLoaded": integer(0, None, "int32"),
        "currentNumberLoaded": integer(0, None, "int32"),
        "conditions": conditions({"nodeName": s(253)}),
    }
)

# --- ArmorProfileModel (2.7) ------------------------------------------------
# The behaviour data is whatever the modeller recorded; its shape changed
# between releases (v0.5.6 and v0.9 differ), so it is kept open.

OPEN_OBJECT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
APM_DATA = obj(
    {
        "dynamicResult": OPEN_OBJECT,
        "staticResult": OPEN_OBJECT,
        "profile": obj(
            {
                "name": s(63),
                "enforcer": s(64),
                "mode": s(16),
                "appArmor": {"type": "string"},
                "bpf": BPF_CONTENT,
                "seccomp": {"type": "string"},
            },
            **{"x-kubernetes-preserve-unknown-fields": True},
        ),
    },
    **{"x-kubernetes-preserve-unknown-fields": True},
)

APM_STATUS = obj(
    {
        "desiredNumber": integer(0, None, "int32"),
        "completedNumber": integer(0, None, "int32"),
        "ready": BOOL,
        "conditions": conditions({"nodeName": s(253)}),
    }
)

POLICY_COLUMNS = [
    ("ENFORCER", "string", ".spec.policy.enforcer", None),
    ("MODE", "string", ".spec.policy.mode", None),
    ("TARGET-KIND", "string", ".spec.target.kind", None),
    ("TARGET-NAME", "string", ".spec.target.name", None),
    ("TARGET-SELECTOR", "string", ".spec.target.selector", None),
    ("PROFILE-NAME", "string", ".status.profileName", None),
    ("READY", "boolean", ".status.ready", None),
    ("STATUS", "string", ".status.phase", None),
    ("AGE", "date", ".metadata.creationTimestamp", None),
]


def columns(cols):
    out = []
    for name, typ, path, desc in cols:
        c = {"name": name, "type": typ, "jsonPath": path}
        if desc:
            c["description"] = desc
        out.append(c)
    return out


def crd(kind, plural, scope, short, cols, spec, status, categories, extra_root=None):
    root = obj({"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"type": "object"}})
    if spec is not None:
        root["properties"]["spec"] = spec
    if status is not None:
        root["properties"]["status"] = status
    if extra_root:
        root["properties"].update(extra_root)
    if spec is not None:
        root["required"] = ["spec"]
    names = {"kind": kind, "listKind": kind + "List", "plural": plural,
             "singular": kind.lower(), "categories": categories}
    if short:
        names["shortNames"] = short
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": "%s.%s" % (plural, GROUP),
            "labels": {"app.kubernetes.io/part-of": "pavise"},
        },
        "spec": {
            "group": GROUP,
            "names": names,
            "scope": scope,
            "versions": [
                {
                    "name": "v1beta1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns(cols),
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


CRDS = [
    ("varmorpolicies.yaml",
     "VarmorPolicy: hardens the workloads of one namespace (short name vpol).",
     crd("VarmorPolicy", "varmorpolicies", "Namespaced", ["vpol"], POLICY_COLUMNS,
         POLICY_SPEC, POLICY_STATUS, ["varmor", "pavise"])),
    ("varmorclusterpolicies.yaml",
     "VarmorClusterPolicy: hardens workloads in every namespace (short name vcpol).",
     crd("VarmorClusterPolicy", "varmorclusterpolicies", "Cluster", ["vcpol"], POLICY_COLUMNS,
         POLICY_SPEC, POLICY_STATUS, ["varmor", "pavise"])),
    ("armorprofiles.yaml",
     "ArmorProfile: the compiled profile of one policy, written by the webhook's\n"
     "# controller and loaded by every enforcer (internal; users do not edit it).",
     crd("ArmorProfile", "armorprofiles", "Namespaced", None,
         [("PROFILE", "string", ".spec.profile.name", None),
          ("ENFORCER", "string", ".spec.profile.enforcer", None),
          ("MODE", "string", ".spec.profile.mode", None),
          ("DESIRED", "integer", ".status.desiredNumberLoaded", None),
          ("CURRENT", "integer", ".status.currentNumberLoaded", None),
          ("AGE", "date", ".metadata.creationTimestamp", None)],
         ARMOR_PROFILE_SPEC, ARMOR_PROFILE_STATUS, ["varmor", "pavise"])),
    ("armorprofilemodels.yaml",
     "ArmorProfileModel: behaviour recorded in BehaviorModeling mode and the\n"
     "# allow-list profiles generated from it (same namespace/name as the ArmorProfile).",
     crd("ArmorProfileModel", "armorprofilemodels", "Namespaced", None,
         [("STORAGE-TYPE", "string", ".storageType", None),
          ("DESIRED", "integer", ".status.desiredNumber", None),
          ("COMPLETED", "integer", ".status.completedNumber", None),
          ("READY", "boolean", ".status.ready", None),
          ("AGE", "date", ".metadata.creationTimestamp", None)],
         None, APM_STATUS, ["varmor", "pavise"],
         {"storageType": enum(["CRDInternal", "LocalDisk", "PV/PVC", ""]),
          "data": APM_DATA})),
]

HEADER = """# SPDX-License-Identifier: Apache-2.0
# CRD %s/v1beta1 %s
# %s
# Generated by manifests/crds/gen-crds.py; edit that script, then run it.
"""


class NoAliasDumper(yaml.SafeDumper):
    """Writes shared pieces out in full: no YAML anchors in the manifests."""

    def ignore_aliases(self, data):
        return True


def render(fname, what, doc):
    body = yaml.dump(doc, Dumper=NoAliasDumper, sort_keys=False, width=100,
                     default_flow_style=False)
    return HEADER % (GROUP, doc["spec"]["names"]["kind"], what) + "---\n" + body


def main():
    check = "--check" in sys.argv[1:]
    stale = 0
    for fname, what, doc in CRDS:
        path = os.path.join(HERE, fname)
        text = render(fname, what, doc)
        if check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        print("gen-crds: %s is out of date" % path, file=sys.stderr)
                        stale += 1
            except FileNotFoundError:
                print("gen-crds: %s is missing" % path, file=sys.stderr)
                stale += 1
            continue
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
