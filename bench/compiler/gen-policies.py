#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes N distinct VarmorPolicy/VarmorClusterPolicy objects (mixed modes and
# enforcers, realistic rule sets) as one multi-document YAML stream.
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
enforcers = ["AppArmor", "BPF", "Seccomp", "AppArmorBPF", "AppArmorSeccomp", "BPFSeccomp",
             "AppArmorBPFSeccomp"]
hardening = ["disallow-umount", "disable-cap-privileged", "disallow-write-core-pattern",
             "disallow-mount-procfs", "disallow-access-procfs-root", "disallow-create-user-ns",
             "disable-cap-net-raw", "disallow-load-bpf-prog"]
attack = ["mitigate-sa-leak", "disable-write-etc", "disable-shell", "mitigate-host-ip-leak",
          "block-access-to-metadata-service", "disable-chmod-x-bit"]
vul = ["cgroups-lxcfs-escape-mitigation", "runc-override-mitigation", "dirty-pipe-mitigation"]
out = []
for i in range(n):
    enf = enforcers[i % len(enforcers)]
    mode = ["AlwaysAllow", "RuntimeDefault", "EnhanceProtect", "EnhanceProtect",
            "BehaviorModeling"][i % 5]
    cluster = i % 7 == 0
    meta = f"  name: p{i}\n" + ("" if cluster else f"  namespace: ns{i % 40}\n")
    doc = [f"apiVersion: crd.varmor.org/v1beta1\nkind: {'VarmorClusterPolicy' if cluster else 'VarmorPolicy'}",
           "metadata:", meta.rstrip("\n"), "spec:",
           "  target:", f"    kind: {['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'][i % 4]}",
           "    selector:", "      matchLabels:", f"        app: app{i}",
           "  policy:", f"    enforcer: {enf}", f"    mode: {mode}"]
    if mode == "BehaviorModeling":
        doc += ["    modelingOptions:", f"      duration: {1 + i % 60}"]
    if mode == "EnhanceProtect":
        doc += ["    enhanceProtect:",
                f"      auditViolations: {'true' if i % 2 else 'false'}",
                f"      privileged: {'true' if i % 9 == 0 else 'false'}",
                "      hardeningRules:"] + [f"      - {r}" for r in hardening[i % 3:i % 3 + 4]]
        doc += ["      attackProtectionRules:", "      - rules:"] + \
               [f"        - {r}" for r in attack[i % 2:i % 2 + 3]]
        if "AppArmor" in enf and i % 4 == 0:
            doc += ["        targets:", "        - /bin/bash"]
        doc += ["      vulMitigationRules:"] + [f"      - {r}" for r in vul[i % 3:]]
        if "BPF" in enf:
            doc += ["      bpfRawRules:", "        files:",
                    "        - pattern: /etc/app/**", "          permissions: [write]",
                    f"        - pattern: \"*.secret{i}\"", "          permissions: [read]",
                    "        network:", "          egress:", "            toDestinations:",
                    f"            - cidr: 10.{i % 250}.0.0/16", "              ports:",
                    "              - port: 6443"]
        if "Seccomp" in enf:
            doc += ["      syscallRawRules:", "      - names: [ptrace, kexec_load]",
                    "        action: SCMP_ACT_ERRNO"]
        if "AppArmor" in enf:
            doc += ["      appArmorRawRules:", "      - rules: |",
                    f"          deny /data/secret{i}/** rw,"]
    out.append("\n".join(doc))
sys.stdout.write("\n---\n".join(out) + "\n")
