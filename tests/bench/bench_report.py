#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""bench_report.py -- docs/benchmarks.md from tools/bench-policies' runs.

    bench_report.py DIR --command CMD [--doc FILE] [--charts DIR]

DIR holds one folder per run (POLICY-N, each with scenario.json, the
guests' CSVs and consoles) and oracle/oracle.json.  Per policy, guest and
phase: throughput (1 MiB files, so files/s = MiB/s), page-cache hit ratio,
memory given (mean, min..max), memory-seconds over the oracle's, reaction
and reclaim times against the oracle, budget violations, OOM kills; ratios
against `static` and `static-max` of the same run; repeated policies as
mean and (min..max) of their runs.

Oracle memory of a phase: the measured oracle of its working set (the
smallest size within 2 hit-ratio points of the best, oracle.sh), the max
for a working set above the max, and where the guests' oracles together
exceed the host budget, each capped at the budget's max-min fair share.
  reaction  growth phase: seconds from its start until memory reaches the
            oracle memory less 8 MiB
  reclaim   shrink phase: seconds from its start until memory <= 1.1 x
            the oracle memory
"""
import argparse, glob, json, os, re, statistics, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import analyze  # noqa: E402

POLICIES = ["static", "static-max", "committed", "mom", "paper", "paper-literal", "adaptive"]
TOL_MIB = 8
SUM_TOL_MIB = 8


def run_metrics(d, omem):
    sc, rows = analyze.load(d)
    m = analyze.phase_metrics(sc, rows)
    out = {}
    for g, rs in rows.items():
        out[g] = []
        for p in (1, 2, 3):
            x = m[g][p - 1]
            ph = [r for r in rs if r["phase"] == p]
            if not x or not ph:
                out[g].append(None)
                continue
            o = omem[g][p - 1]
            mem_s = sum(r["mem"] for r in ph)  # one sample a second
            x = dict(x, oracle_mib=o, mem_s=mem_s, oracle_s=o * len(ph), mem_ratio=mem_s / (o * len(ph)))
            prev_ws = sc["guests"][g][p - 2] if p > 1 else None
            ws = sc["guests"][g][p - 1]
            if prev_ws is not None and ws > prev_ws:
                hit = next((r["t"] for r in ph if r["mem"] >= o - TOL_MIB), None)
                x["reaction_s"] = None if hit is None else hit - ph[0]["t"]
            elif prev_ws is not None and ws < prev_ws:
                hit = next((r["t"] for r in ph if r["mem"] <= 1.1 * o), None)
                x["reclaim_s"] = None if hit is None else hit - ph[0]["t"]
            out[g].append(x)
    # the guests' samples of one second share their t (sampler.py); the
    # warm-up is left out: the balloons are still reaching their start size
    by_t = {}
    for g, rs in rows.items():
        for r in rs:
            if r["phase"] >= 1:
                by_t.setdefault(round(r["t"]), {})[g] = r["mem"]
    over = sum(1 for v in by_t.values() if len(v) == len(rows) and sum(v.values()) > sc["host_mib"] + SUM_TOL_MIB)
    ooms = 0
    for g in rows:
        log = os.path.join(d, g + ".console.log")
        if os.path.exists(log):
            ooms += len(re.findall(r"Killed process", open(log, errors="replace").read()))
    return sc, rows, out, over, ooms


def agg(vals, fmt):
    vals = [v for v in vals if v is not None]
    if not vals:
        return "-"
    if len(vals) == 1:
        return fmt(vals[0])
    return f"{fmt(statistics.mean(vals))} ({fmt(min(vals))}..{fmt(max(vals))})"


def pct(v):
    return f"{v * 100:.0f} %"


def num(v):
    return f"{v:.0f}"


def sec(v):
    return f"{v:.0f} s"


def ratio(v):
    return f"{v:.2f}"


def table(policy, runs, base, ceil, guests):
    lines = ["| guest, phase | working set | oracle | MiB/s (files/s) | hit ratio | vs static | memory mean (min..max) "
             "| memory-s / oracle | reaction | reclaim | MiB/s vs static | MiB/s vs static-max |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for g in guests:
        for p in range(3):
            xs = [r["m"][g][p] for r in runs if r["m"][g][p]]
            if not xs:
                continue
            x0 = xs[0]
            bh = [r["m"][g][p]["hit_ratio"] for r in base if r["m"][g][p] and r["m"][g][p]["hit_ratio"] is not None]
            bt = [r["m"][g][p]["throughput_mibs"] for r in base if r["m"][g][p]]
            ct = [r["m"][g][p]["throughput_mibs"] for r in ceil if r["m"][g][p]]
            dh = [x["hit_ratio"] - statistics.mean(bh) for x in xs if bh and x["hit_ratio"] is not None]
            tr = [x["throughput_mibs"] / statistics.mean(bt) for x in xs if bt and statistics.mean(bt) > 0]
            cr = [x["throughput_mibs"] / statistics.mean(ct) for x in xs if ct and statistics.mean(ct) > 0]
            mem = agg([x["mean_mib"] for x in xs], num) + f" ({min(x['min_mib'] for x in xs):.0f}..{max(x['max_mib'] for x in xs):.0f})"
            lines.append(f"| {g}, {p + 1} | {x0['opti_mib']} | {x0['oracle_mib']:.0f} | "
                         f"{agg([x['throughput_mibs'] for x in xs], lambda v: f'{v:.1f}')} | "
                         f"{agg([x['hit_ratio'] for x in xs], pct)} | "
                         f"{agg(dh, lambda v: f'{v * 100:+.0f} pt')} | {mem} | "
                         f"{agg([x['mem_ratio'] for x in xs], ratio)} | "
                         f"{agg([x.get('reaction_s') for x in xs], sec) if 'reaction_s' in x0 else ''} | "
                         f"{agg([x.get('reclaim_s') for x in xs], sec) if 'reclaim_s' in x0 else ''} | "
                         f"{agg(tr, ratio)} | {agg(cr, ratio)} |")
    return lines


def chart(runs_by_policy, omem, sc, out_png):
    """Memory given over time, per guest: each policy's first run, and the oracle."""
    d = os.path.dirname(out_png)
    gp = out_png[:-4] + ".gp"
    show = [p for p in ("static", "paper", "adaptive", "mom", "committed") if p in runs_by_policy]
    colors = {"static": "#7570b3", "paper": "#d95f02", "adaptive": "#1b9e77", "mom": "#e7298a", "committed": "#66a61e"}
    with open(gp, "w") as f:
        f.write("set terminal pngcairo size 1100,820 font 'DejaVu Sans,10'\n")
        f.write(f"set output '{out_png}'\nset multiplot layout 2,1 title 'memory given, scenario {sc['scenario']}, "
                f"host budget {sc['host_mib']} MiB'\n")
        for g in sc["guests"]:
            plots = []
            for p in show:
                rs = runs_by_policy[p][0]["rows"][g]
                t0 = next((r["t"] for r in rs if r["phase"] == 1), 0)
                dat = os.path.join(d, f"chart-{p}-{g}.dat")
                with open(dat, "w") as o:
                    for r in rs:
                        o.write(f"{r['t'] - t0:.1f} {r['mem']:.1f} {r['opti']}\n")
                plots.append(f"'{dat}' using 1:2 with lines lw 2 lc rgb '{colors[p]}' title '{p}'")
            odat = os.path.join(d, f"chart-oracle-{g}.dat")
            with open(odat, "w") as o:
                for i, v in enumerate(omem[g]):
                    o.write(f"{i * sc['phase_s']} {v:.0f}\n{(i + 1) * sc['phase_s']} {v:.0f}\n")
            plots.append(f"'{odat}' using 1:2 with lines dt 2 lw 2 lc rgb 'black' title 'oracle'")
            f.write(f"set title '{g}: working set {' -> '.join(str(w) for w in sc['guests'][g])} MiB'\n")
            f.write("set xlabel 'time since phase 1 (s)'\nset ylabel 'MiB'\nset grid\nset key top left box opaque\n")
            f.write(f"set yrange [0:{sc['max_mib'] * 1.2:.0f}]\nplot " + ", ".join(plots) + "\n")
        f.write("unset multiplot\n")
    subprocess.run(["gnuplot", gp], check=True)


# the lab's two memory devices (tests/bench/scenario.sh --memory-device), by
# the one the runs used
MEMORY_DEVICE = {
    "balloon": "Memory device: the tables here are from guests sized by a virtio balloon (each boots with its max "
               "and the balloon takes it to its start size). `tests/bench/scenario.sh --memory-device virtio-mem` "
               "(also `tools/lab --memory-device virtio-mem`) boots each guest instead with ",
    "virtio-mem": "Memory device: the tables here are from guests sized by virtio-mem "
                  "(`tests/bench/scenario.sh --memory-device virtio-mem`, also `tools/lab --memory-device "
                  "virtio-mem`; the default is a virtio balloon): each guest boots with ",
}
MEMORY_DEVICE_MODES = (
    "128 MiB of boot memory in one NUMA cell, the daemon's floor (`[domain] min-mib`), and the rest of its max "
    "in a virtio-mem device of 2 MiB blocks, plugged up to the start size; the guest kernel onlines hot-plugged "
    "memory movable (`memhp_default_state=online_movable`) so that it can be unplugged again and keeps its boot "
    "memory for itself (`swiotlb=noforce`: no 64 MiB DMA bounce buffer, which the device's memory above 4 GiB "
    "would otherwise set aside), and the daemon "
    "(`[domain] memory-device=auto`) sizes the guest by the device, between the same bounds as the balloon. "
    "In both modes the sampler records each guest's QEMU resident set (VmRSS of its qemu-system process: the "
    "host memory the guest holds, QEMU's own included; under TCG its translation cache too) and, with virtio-mem, "
    "the plugged size; `tests/bench/analyze.py` prints their mean, max and last sample per guest and phase, "
    "and the two guests' RSS together.")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--command", required=True)
    ap.add_argument("--doc", default="docs/benchmarks.md")
    ap.add_argument("--charts", default="docs")
    a = ap.parse_args()
    oracle = json.load(open(os.path.join(a.dir, "oracle", "oracle.json")))
    runs = {}
    sc = None
    for d in sorted(glob.glob(os.path.join(a.dir, "*-[0-9]*"))):
        policy = os.path.basename(d).rsplit("-", 1)[0]
        if not os.path.exists(os.path.join(d, "vm1.csv")):
            continue
        scx, _ = analyze.load(d)
        omem = analyze.need_mib(scx, oracle["oracle"])
        sc, rows, m, over, ooms = run_metrics(d, omem)
        runs.setdefault(policy, []).append({"dir": d, "m": m, "rows": rows, "over": over, "ooms": ooms})
    omem = analyze.need_mib(sc, oracle["oracle"])
    guests = list(sc["guests"])
    doc = ["# Benchmarks", "",
           "Made by `tools/bench-policies`, on one 2-core machine without KVM (QEMU TCG), every policy back to",
           "back in one session, so ratios against `static` and `static-max` of the same session cancel most",
           "machine noise. Exact command:", "", f"    {a.command}", "",
           f"Scenario `{sc['scenario']}`: the paper's experiment scaled (memory and files x{sc['mem_factor']}, "
           f"time x{sc['time_factor']}): host budget {sc['host_mib']} MiB, guests up to {sc['max_mib']} MiB, "
           f"phases of {sc['phase_s']} s; vm1's working set "
           + " -> ".join(str(w) for w in sc["guests"]["vm1"]) + " MiB, vm2's "
           + " -> ".join(str(w) for w in sc["guests"]["vm2"]) + " MiB of 1 MiB files read at random. "
           "Data disks are cloud volumes: no host page cache, 3000 IOPS, 125 MiB/s.", "",
           MEMORY_DEVICE[sc.get("memory_device", "balloon")] + MEMORY_DEVICE_MODES, "",
           "## Oracle (measured)", "",
           "One guest read each working set at fixed sizes (`tests/bench/oracle.sh`); the oracle is the smallest "
           "size within 2 points of the best hit ratio of the sweep.", "",
           "| working set | oracle | best hit ratio | hit ratio by size (MiB) |", "|---|---|---|---|"]
    for ws, o in sorted(oracle["oracle"].items(), key=lambda kv: int(kv[0])):
        pts = ", ".join(f"{s}: {h * 100:.0f} %" for s, h in sorted(o["points"].items(), key=lambda kv: -int(kv[0])))
        # the smallest size swept still within 2 points: the oracle is at most that
        at_most = "at most " if o["oracle_mib"] == min(int(s) for s in o["points"]) else ""
        doc.append(f"| {ws} MiB | {at_most}{o['oracle_mib']} MiB | {o['best_hit_ratio'] * 100:.0f} % | {pts} |")
    doc += ["", "Oracle memory per phase (capped by the max and, under contention, by the fair share of the budget): "
            + "; ".join(f"{g} " + ", ".join(f"{v:.0f}" for v in omem[g]) for g in guests) + " MiB.", ""]
    chart(runs, omem, sc, os.path.abspath(os.path.join(a.charts, "benchmarks.png")))
    doc += ["![memory given per policy against the oracle](benchmarks.png)", "",
            "## Summary", "", "| policy | runs | budget violations (s) | OOM kills | memory-s / oracle, phases 1+3 |",
            "|---|---|---|---|---|"]
    for p in POLICIES:
        if p not in runs:
            continue
        rs = runs[p]
        xs = [x for r in rs for g in guests for i, x in enumerate(r["m"][g]) if x and i != 1]
        ratio_s = sum(x["mem_s"] for x in xs) / sum(x["oracle_s"] for x in xs) if xs else None
        doc.append(f"| {p} | {len(rs)} | {sum(r['over'] for r in rs)} | {sum(r['ooms'] for r in rs)} | "
                   + ("-" if ratio_s is None else f"{ratio_s:.2f}") + " |")
    for p in POLICIES:
        if p not in runs:
            continue
        doc += ["", f"## {p}", ""] + table(p, runs[p], runs.get("static", []), runs.get("static-max", []), guests)
    doc += ["", "Columns: MiB/s is what the workload read (1 MiB files: also files/s); hit ratio = 1 - bytes read "
            "from the disk / bytes the workload read; vs static: hit ratio points against the mean of the static "
            "runs; memory-s / oracle: the memory the guest held over the phase divided by the oracle's; "
            "reaction: growth phase start until memory reaches the oracle memory less 8 MiB; reclaim: shrink phase start "
            "until at most 1.1 x the oracle memory; repeated policies: mean (min..max) over runs.", ""]
    open(a.doc, "w").write("\n".join(doc) + "\n")
    print(f"wrote {a.doc}")


if __name__ == "__main__":
    main()
