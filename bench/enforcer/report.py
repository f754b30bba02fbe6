#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Reads the "pavise-bench: ..." lines of one bench-enforcer boot and prints the table.

A loop is timed in many short batches. Preemption of the emulated CPU (the
host is shared) only ever adds time, so a variant's figure is its fastest
batch over all rounds, and a ratio is the ratio of those. Beside it: the
median over rounds of the per-round ratio of fastest batches, and for the
interleaved containers the median of the paired per-batch ratios. Exit status: 1 for a broken run
(lab failure, or figures missing that nothing declared unavailable), else 0,
targets met or not.
"""
import argparse
import json
import re
import statistics
import sys

LINE = re.compile(r"pavise-bench: (\S+) (.*)$")
KV = re.compile(r"(\w[\w-]*)=(\S+)")
OPS = ("open", "stat", "exec", "connect")
LOOP_VARIANTS = {
    "d": "node, no BPF programs (before the enforcer)",
    "c": "node, enforcer running",
    "a": "container bound to the BPF profile (64 rules per type)",
    "a-unbound": "container 'bpf', not bound (no BPF side)",
    "b": "container, unconfined",
    "aa": "container, AppArmor profile (64 rules per type)",
    "b2": "a second unconfined container (noise floor)",
    "d2": "the node again before the enforcer (noise floor)",
}


def parse(path):
    loops, events = {}, []
    with open(path, errors="replace") as f:
        for raw in f:
            m = LINE.search(raw.rstrip("\r\n"))
            if not m:
                continue
            kind, rest = m.group(1), m.group(2)
            if kind == "unavailable":
                what = re.search(r"what=(\S+)", rest)
                why = rest.split("reason:", 1)[1].strip() if "reason:" in rest else rest
                events.append(("unavailable", {"what": what.group(1) if what else "?", "why": why}))
                continue
            kv = dict(KV.findall(rest))
            kv["_raw"] = rest
            if kind == "samples":
                var, _, rnd = kv.get("label", "").rpartition(".r")
                try:
                    ns = [int(x) for x in kv["ns"].split(",")]
                    loops.setdefault(var, {}).setdefault(kv["op"], {})[int(rnd)] = ns
                except (KeyError, ValueError):
                    print(f"bench: malformed samples line: {raw.strip()}", file=sys.stderr)
                continue
            events.append((kind, kv))
    return loops, events


def med(xs):
    return statistics.median(xs) if xs else None


def drop_rounds(loops, var, rounds):
    """Leaves out of variant var the rounds in which it did not run as intended."""
    for per_round in loops.get(var, {}).values():
        for r in rounds:
            per_round.pop(r, None)


def pooled_min(loops, var, op):
    xs = [x for batches in loops.get(var, {}).get(op, {}).values() for x in batches]
    return min(xs) if xs else None


def ratio(loops, num, den, op):
    """(pooled min(num)/min(den), median of per-round min ratios, median of paired batch ratios,
    per-round ratios)"""
    a, b = loops.get(num, {}).get(op, {}), loops.get(den, {}).get(op, {})
    rounds = [r for r in sorted(a) if r in b and min(b[r]) > 0]
    per_round = [min(a[r]) / min(b[r]) for r in rounds]
    paired = [x / y for r in rounds for x, y in zip(a[r], b[r]) if y > 0]
    pa, pb = pooled_min(loops, num, op), pooled_min(loops, den, op)
    pooled = pa / pb if pa is not None and pb else None
    return pooled, med(per_round), med(paired), per_round


def fnum(x, spec=".3f"):
    return "n/a" if x is None else format(x, spec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--tap", required=True)
    ap.add_argument("--lab-rc", type=int, default=0)
    ap.add_argument("--json", required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--bind-many", type=int, required=True)
    a = ap.parse_args()

    loops, events = parse(a.console)
    unavailable = [e for k, e in events if k == "unavailable"]
    bpf_missing = "; ".join(sorted({e["why"] for e in unavailable}))
    # (d) must run with no BPF LSM program attached: a round where some were
    # still loaded (bpftool's count) is left out and said so.
    progs = {e.get("label"): e.get("count") for k, e in events if k == "lsm-programs"}
    dirty = [int(l[3:]) for l, n in progs.items() if l and l.startswith("d.r") and n not in ("0", None)]
    if dirty:
        drop_rounds(loops, "d", dirty)
        drop_rounds(loops, "d2", dirty)
    broken = []
    if a.lab_rc != 0:
        broken.append(f"the lab run failed (exit {a.lab_rc}): see the TAP log {a.tap}")
    for v in ("d", "d2", "c", "b", "aa", "b2"):
        for op in OPS:
            n = len(loops.get(v, {}).get(op, {}))
            if n != a.rounds - (len(dirty) if v in ("d", "d2") else 0):
                broken.append(f"variant {v} op {op}: {n} of {a.rounds} rounds measured")
    if len(loops.get("a", {}).get("open", {})) != a.rounds and not unavailable:
        broken.append("the BPF-bound container was not measured and nothing said why")

    setup = next((e for k, e in events if k == "setup"), {})
    rows, res = [], {"kernel": setup.get("kernel"), "rounds": a.rounds, "loops_ns_per_op": {},
                     "ratios": {}, "targets": {}}
    for v, per_op in loops.items():
        res["loops_ns_per_op"][v] = {op: {"min_per_round": {r: min(x) for r, x in rs.items()},
                                          "batches": rs}
                                     for op, rs in per_op.items()}

    def target_row(name, value, shown, target, ok, key):
        status = "n/a" if value is None else ("PASS" if ok else "MISS")
        rows.append((name, shown, target, status))
        res["targets"][key] = {"value": value, "target": target, "result": status}

    def ns(v, op):
        x = pooled_min(loops, v, op)
        return "n/a" if x is None else f"{x / 1000:.1f}"

    for num, den, what in (("c", "d", "node: enforcer running / no BPF programs"),
                           ("a", "b", "container: BPF 64 rules/type / unconfined"),
                           ("aa", "b", "container: AppArmor profile / unconfined"),
                           ("b2", "b", "noise floor: two unconfined containers"),
                           ("d2", "d", "noise floor: the node twice, no BPF")):
        for op in OPS:
            r, by_round, paired, per = ratio(loops, num, den, op)
            if num in ("c", "d2"):
                paired = None  # different steps: no batch pairs
            res["ratios"][f"{num}/{den} {op}"] = {
                "of_minimums": r, "median_of_round_minimum_ratios": by_round,
                "median_of_paired_batches": paired, "rounds": per}
            shown = f"{fnum(r)} ({ns(num, op)}/{ns(den, op)} us; rounds {fnum(by_round, '.2f')}" + \
                (f", paired {fnum(paired, '.2f')})" if paired is not None else ")")
            name = f"({num})/({den}) {op:<8}"
            if num == "c":
                target_row(name, r, shown, "<= 1.01", r is not None and r <= 1.01, f"{num}/{den} {op}")
            elif num == "a" and op == "open":
                target_row(name, r, shown, "<= 1.05", r is not None and r <= 1.05, f"{num}/{den} {op}")
            else:
                rows.append((name, shown, "-", "" if r is not None else "n/a"))
        rows.append(None)

    # Memory.
    rss = {e.get("label"): e for k, e in events if k == "rss"}
    many = next((e for k, e in events if k == "bind-many"), {})
    first_err = next((e["_raw"] for k, e in events if k == "bind-refused"), None)
    for label, what in (("idle", "RSS idle (big BPF profile applied)"),
                        ("profiles", "RSS after the profile changes")):
        kb = int(rss[label]["kb"]) if label in rss else None
        rows.append((what, "n/a" if kb is None else f"{kb / 1024:.1f} MiB", "-", ""))
        res[f"rss_{label}_kb"] = kb
    hwm = max((int(e["hwm_kb"]) for e in rss.values() if "hwm_kb" in e), default=None)
    if hwm is not None:
        rows.append(("peak RSS (VmHWM, loading the BPF programs)", f"{hwm / 1024:.1f} MiB", "-", ""))
        res["rss_peak_kb"] = hwm
    kb = int(rss["bound"]["kb"]) if "bound" in rss else None
    bound = int(many["bound"]) if "bound" in many else None
    shown = "n/a" if kb is None else f"{kb / 1024:.1f} MiB ({bound}/{a.bind_many} bound)"
    target_row(f"RSS with {a.bind_many} bound cgroups", kb, shown, "<= 16 MiB",
               kb is not None and kb <= 16 * 1024 and bound == a.bind_many, "rss_bound")
    if "ms_total" in many:
        rows.append(("bind requests (total / slowest)",
                     f"{float(many['ms_total']):.0f} ms / {float(many['ms_worst']):.1f} ms", "-", ""))
        res["bind_many"] = many
    rows.append(None)

    # Profile changes.
    flips = {}
    for k, e in events:
        if k == "flip" and "ms" in e:
            flips[e["want"] if "want" in e else "?", e.get("label", "")] = float(e["ms"])
    bpf_ms = [v for (w, l), v in flips.items() if l.startswith("bpf-")]
    aa = {l: v for (w, l), v in flips.items() if l.startswith("aa-")}
    parser = {e["label"]: float(e["ms"]) for k, e in events if k == "parser" and "ms" in e}
    over = [aa[l] - parser[l] for l in aa if l in parser]
    b = med(bpf_ms)
    target_row("BPF: file renamed -> access flipped", b,
               "n/a" if b is None else
               f"{b:.0f} ms (median of {len(bpf_ms)}, {min(bpf_ms):.0f}-{max(bpf_ms):.0f})",
               "<= 100 ms", b is not None and b <= 100, "flip_bpf_ms")
    am, pm, om = med(list(aa.values())), med(list(parser.values())), med(over)
    rows.append(("AppArmor: file renamed -> access flipped",
                 "n/a" if am is None else f"{am:.0f} ms (median of {len(aa)})", "-", ""))
    rows.append(("AppArmor: apparmor_parser's own time", "n/a" if pm is None else f"{pm:.0f} ms", "-", ""))
    target_row("AppArmor: flip minus parser time", om,
               "n/a" if om is None else f"{om:.0f} ms (median of {len(over)})",
               "<= 50 ms", om is not None and om <= 50, "flip_aa_overhead_ms")
    res.update(flip_bpf_ms=bpf_ms, flip_aa_ms=aa, parser_ms=parser)
    starts = [int(e["ms"]) for k, e in events if k == "enforcer-start"]
    if starts:
        rows.append(("enforcer start -> ready (median)", f"{med(starts):.0f} ms", "-", ""))
    purges = [e for k, e in events if k == "purge"]
    freed = [int(e["ms"]) for e in purges if e.get("lsm_programs_left") == "0"]
    if freed:
        rows.append(("pins removed -> programs freed (median)", f"{med(freed):.0f} ms", "-", ""))
    res.update(enforcer_start_ms=starts, lsm_programs=progs, unavailable=unavailable,
               purges=purges, d_rounds_left_out=dirty)

    print(f"bench-enforcer: kernel {setup.get('kernel', '?')}, {setup.get('cpus', '?')} vCPUs (TCG), "
          f"{a.rounds} rounds; ratios of the fastest batches (us per op), then the median of "
          "per-round ratios and of paired batches")
    w = max(len(r[0]) for r in rows if r)
    for r in rows:
        if r is None:
            print()
            continue
        print(f"  {r[0]:<{w}}  {r[1]:<58} {r[2]:<10} {r[3]}")
    if progs:
        print("  BPF LSM programs loaded (d: before the enforcer, c: with it): " +
              ", ".join(f"{k}={v}" for k, v in sorted(progs.items())))
    if dirty:
        print(f"  (d) rounds left out, BPF programs still loaded: {sorted(dirty)}")
    if first_err:
        print(f"  first bind refusal: {first_err}")
    if bpf_missing:
        print(f"  BPF side not measured: {bpf_missing}")
    for v in loops:
        if v not in LOOP_VARIANTS:
            print(f"  note: unexpected loop variant '{v}'")
    res["broken"] = broken
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1, default=str)
    print(f"  results: {a.json}")
    if broken:
        for b in broken:
            print(f"bench: broken run: {b}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
