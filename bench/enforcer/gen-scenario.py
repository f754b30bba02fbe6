#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the kernel-lab scenario of make bench-enforcer (format: e2e/vm/README.md).

One boot, in this order:
  setup    the loop program into the container image; the policies compiled;
           containers "bpf", "plain" and "aa" started (long-running, no hook:
           the bench binds them itself through the enforcer's bind socket)
  rounds   each round: (d) loops on the node before the enforcer runs, then the
           enforcer started, "bpf" bound to the 64-rules-per-type BPF profile,
           (c) loops on the node, then (a) in "bpf", (b) in "plain" and the
           AppArmor comparison in "aa", and (b2) in "plain2" (the same as
           "plain": the noise floor), their batches interleaved by one
           controller; then the enforcer stopped and its BPF state removed, so
           the next (d) runs with no BPF program attached
  flips    the enforcer started again; a probe container per enforcer (BPF,
           AppArmor) opens /etc/motd every 2 ms while its profile is changed
           by renaming a new ArmorProfile into --profile-dir
  memory   the enforcer's RSS idle, then with N cgroups bound
"""
import argparse
import json
import sys

NS = "bench"
RULES = 64
FLIP_TARGET = "/opt/pavise-bench/flip-target"
# Network families the loops never use: an AppArmor counterpart of the BPF
# profile's 64 address rules (AppArmor 3.0 has no address rules).
AA_FAMILIES = ("ax25 ipx appletalk x25 rose netbeui key packet econet rds sna irda pppox "
               "wanpipe llc can tipc bluetooth iucv rxrpc isdn phonet ieee802154 caif alg "
               "nfc vsock kcm qipcrtr smc xdp mctp").split()


def pattern(kind, i):
    """Three shapes of pattern, none matching the loops' paths: a '**' prefix,
    an exact path and a '*' file-name pattern (prefix and suffix)."""
    if i % 3 == 0:
        return f"/opt/pavise-bench/{kind}{i:02d}/**"
    if i % 3 == 1:
        return f"/opt/pavise-bench/{kind}{i:02d}/exact-file"
    return f"{kind}-bench{i:02d}-*.dat"


def policy(name, enforcer, enhance):
    return {
        "apiVersion": "crd.varmor.org/v1beta1",
        "kind": "VarmorPolicy",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "target": {"kind": "Pod", "selector": {"matchLabels": {"app": "bench"}}},
            # privileged: the AlwaysAllow base, so only these rules act (and
            # mount rules are honoured, as in vArmor).
            "policy": {"enforcer": enforcer, "mode": "EnhanceProtect",
                       "enhanceProtect": dict(enhance, privileged=True)},
        },
    }


def bpf_policy():
    files = [{"pattern": pattern("f", i), "permissions": ["read", "write"]} for i in range(RULES)]
    procs = [{"pattern": pattern("p", i).replace("*.dat", "*"), "permissions": ["exec"]}
             for i in range(RULES)]
    dests = [{"ip": f"10.{i // 250 + 1}.{i % 250}.7", "ports": [{"port": 9000 + i}]}
             for i in range(RULES)]
    mounts = [{"sourcePattern": pattern("m", i), "fstype": "*", "flags": ["bind"]}
              for i in range(RULES)]
    return policy("bpf", "BPF", {"bpfRawRules": {
        "files": files, "processes": procs, "mounts": mounts,
        "network": {"egress": {"toDestinations": dests}}}})


def aa_policy():
    raw = []
    for i in range(RULES):
        p = pattern("f", i)
        raw.append(f"deny {p if p.startswith('/') else '/**/' + p} rw,")
    raw += [f"deny /opt/pavise-bench/p{i:02d}/** x," for i in range(RULES)]
    raw += [f"deny mount options=(bind) /opt/pavise-bench/m{i:02d}/** -> /**," for i in range(RULES)]
    raw += [f"deny network {f}," for f in AA_FAMILIES]
    return policy("aa", "AppArmor", {"appArmorRawRules": [{"rules": "\n".join(raw)}]})


def flip_policy(kind):
    if kind == "bpf":
        return policy("flip-bpf", "BPF", {"bpfRawRules": {
            "files": [{"pattern": FLIP_TARGET, "permissions": ["read"]}]}})
    return policy("flip-aa", "AppArmor", {"appArmorRawRules": [{"rules": f"deny {FLIP_TARGET} r,"}]})


def block(name, obj):
    return f"varmor varmor-{NS}-{name} <<POLICY\n{json.dumps(obj)}\nPOLICY"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--open", type=int, default=20000)
    ap.add_argument("--stat", type=int, default=20000)
    ap.add_argument("--exec", type=int, default=120)
    ap.add_argument("--connect", type=int, default=2000)
    ap.add_argument("--flips", type=int, default=5)
    ap.add_argument("--batches", type=int, default=40)
    ap.add_argument("--bind-many", type=int, default=256)
    a = ap.parse_args()
    for k, v in vars(a).items():
        if not 0 < v <= 10_000_000:
            sys.exit(f"gen-scenario: --{k.replace('_', '-')} must be 1..10000000")

    counts = f"{a.open} {a.stat} {a.exec} {a.connect} {a.batches}"
    g = "pavise-bench-guest"
    P = "/var/lib/pavise-vm/policies"
    out = [
        "# Generated by bench/enforcer/gen-scenario.py for make bench-enforcer.",
        "name bench-enforcer: the enforcer's cost, measured inside one boot",
        f"node allowed {g} setup",
        block("bpf", bpf_policy()),
        block("aa", aa_policy()),
        block("flip-bpf", flip_policy("bpf")),
        block("flip-aa", flip_policy("aa")),
        # The enforcer's profile directory: the big BPF profile now, the flip
        # profiles (allow versions) before the flips; deny versions derived by sed.
        f"node allowed pavisectl compile -f {P}/varmor-{NS}-bpf/varmor.yaml -o yaml >/run/enf/profiles/bench-bpf.yaml",
        f"node allowed for k in aa bpf; do pavisectl compile -f {P}/varmor-{NS}-flip-$k/varmor.yaml -o yaml "
        f">/run/enf/flip/$k-allow.yaml && sed 's#{FLIP_TARGET}#/etc/motd#' {P}/varmor-{NS}-flip-$k/varmor.yaml "
        f">/run/enf/flip/$k-deny-policy.yaml && pavisectl compile -f /run/enf/flip/$k-deny-policy.yaml -o yaml "
        f">/run/enf/flip/$k-deny.yaml && grep -q /etc/motd /run/enf/flip/$k-deny.yaml || exit 1; done",
        f"container bpf policy=varmor-{NS}-bpf nohook",
        "container plain nohook",
        "container plain2 nohook",
        f"container aa policy=varmor-{NS}-aa nohook",
        "start bpf",
        "start plain",
        "start plain2",
        "start aa",
        "exec aa allowed grep -qx 'varmor-bench-aa (enforce)' /proc/self/attr/current",
        "exec plain allowed grep -qx unconfined /proc/self/attr/current",
    ]
    for r in range(1, a.rounds + 1):
        out += [
            f"# round {r}",
            f"node allowed {g} progs d.r{r}",
            f"node allowed {g} node-loops d r{r} {counts}",
            # (d) again, same state: (d2)/(d) is the noise floor of the node's figures.
            f"node allowed {g} node-loops d2 r{r} {counts}",
            f"node allowed {g} enforcer-start",
            f"node allowed {g} node-loops c r{r} {counts}",
            f"node allowed {g} progs c.r{r}",
            f"node allowed {g} bind bpf varmor-{NS}-bpf",
            # One controller interleaves the three containers' batches.
            # "plain2" is "plain" again: (b2)/(b) is the noise floor of this boot.
            f"node allowed {g} ctr-loops r{r} {counts} a:bpf b:plain aa:aa b2:plain2",
            f"node allowed {g} enforcer-stop",
            f"node allowed {g} purge",
        ]
    out += [
        "# profile changes",
        f"node allowed {g} enforcer-start",
        f"node allowed {g} rss idle",
        "node allowed cp /run/enf/flip/bpf-allow.yaml /run/enf/flip/aa-allow.yaml /run/enf/ && "
        "mv /run/enf/bpf-allow.yaml /run/enf/profiles/flip-bpf.yaml && "
        "mv /run/enf/aa-allow.yaml /run/enf/profiles/flip-aa.yaml && for i in $(seq 1 300); do "
        "grep -q \"apparmor: profile 'varmor-bench-flip-aa' applied\" /run/enf/log && exit 0; "
        "sleep 0.1; done; tail -n 20 /run/enf/log; exit 1",
        f"container bpfflip policy=varmor-{NS}-flip-bpf nohook",
        f"container aaflip policy=varmor-{NS}-flip-aa nohook",
        # A binding through the socket acts from the next exec in the cgroup (the
        # hook binds before runc has set the container up): the probe is exec'd
        # once the node has bound the container.
        "start bpfflip while ! [ -e /dev/shm/bench-bound ]; do sleep 0.1; done; "
        "exec pavise-bench-loops probe /etc/motd /dev/shm/probe 2000",
        "start aaflip exec pavise-bench-loops probe /etc/motd /dev/shm/probe 2000",
        f"node allowed {g} bind bpfflip varmor-{NS}-flip-bpf",
        f"node allowed {g} flip-bpf {a.flips}",
        f"node allowed {g} flip-aa {a.flips}",
        f"node allowed {g} rss profiles",
        "# memory: the containers go first, so every binding slot is free",
        "stop bpf",
        "stop bpfflip",
        f"node allowed {g} bind-many {a.bind_many}",
        # For the record (console log): the enforcer's log and metrics.
        "node allowed wget -qO- http://127.0.0.1:9680/metrics | grep '^pavise_enforcer_'; "
        "grep -v ' bind: ' /run/enf/log | tail -n 80",
        f"node allowed {g} enforcer-stop",
    ]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
