#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""analyze.py -- summary, charts and shape checks of a lab run.

    analyze.py DIR [--check] [--compare STATIC_DIR] [--need ORACLE_JSON]

DIR holds scenario.json and one CSV per guest (scenario.sh).  Prints a
one-screen summary (per phase per guest: mean memory given, opti size,
throughput, page-cache hit ratio, reaction or reclaim time), writes
summary.txt, metrics.json and charts (chart.png: both guests, like the
paper's Figures 1 and 2; vm1.png, vm2.png) with gnuplot.  With --need (an
oracle.json of tests/bench/oracle.sh, or tests/bench/oracle-need.json, the
sweep measured for docs/benchmarks.md) the charts show each guest's measured
need beside what it got: the oracle of its working set, at most its max, and
the max-min fair share of the host when the guests together need more.

Definitions (also printed):
  hit ratio   1 - bytes read from the guest's disk / bytes the workload read
  reaction    seconds from the start of a phase whose working set grew until
              the memory given reaches min(working set, max, host/2) less
              LEVEL_TOL_MIB (host/2: the fair share when both guests want more)
  reclaim     seconds from the start of a phase whose working set shrank
              until the memory given has come down by at least half of what
              the previous phase held above the new working set's need
              (need = new working set + the overhead seen at the end of the
              first phase)
  gave back   (shrink phases, reported, not checked) seconds until the memory
              given is first DROP_MIB below its level at the phase start:
              the first memory given back, however the need is estimated
  QEMU RSS    (samples that have it) the resident set of the guest's QEMU
              process (VmRSS): the host memory the guest holds, its QEMU's
              own included; mean, max and the last sample of each phase, and
              of the guests together (samples of the same second summed)
  plugged     (virtio-mem guests) the size the guest has plugged in its
              virtio-mem device: mean and the last sample of each phase

--check asserts the shape with tolerances for a loaded 2-core machine and
exits 1 when one fails: growth followed within REACT_MAX s, shrink followed
within the phase, never above a guest's max, the guests together never above
the host budget (+ SUM_TOL MiB of balloon jitter), no OOM kill or panic in
either console.
"""
import csv, json, os, re, subprocess, sys

REACT_MAX_FRAC = 0.8   # of a phase
SUM_TOL_MIB = 8
LEVEL_TOL_MIB = 8      # balloonctl's dead band (4 MiB) and balloon jitter
DROP_MIB = 32          # "gave back": a drop well above the dead band and jitter


def mib_or_none(kib):
    """A KiB field of a sample in MiB; None when blank or absent (samples
    recorded before the sampler had the field)."""
    return int(kib) / 1024 if kib else None


def load(d):
    sc = json.load(open(os.path.join(d, "scenario.json")))
    rows = {}
    for g in sc["guests"]:
        rows[g] = []
        for r in csv.DictReader(open(os.path.join(d, g + ".csv"))):
            if not r["phase"] or not r["current_kib"]:
                continue
            rows[g].append({"t": float(r["t_s"]), "phase": int(r["phase"]), "opti": int(r["opti_mib"] or 0),
                            "mem": int(r["current_kib"]) / 1024, "max": int(r["max_kib"] or 0) / 1024,
                            "wl": int(r["workload_bytes"] or 0), "disk": int(r["disk_read_bytes"] or 0),
                            "state": r["state"], "margin": int(r["margin_kib"] or 0) / 1024,
                            "rss": mib_or_none(r.get("qemu_rss_kib")), "plugged": mib_or_none(r.get("plugged_kib"))})
    return sc, rows


def host_metrics(ph):
    """QEMU RSS and plugged figures of one guest's samples of a phase (the
    keys absent when no sample has them)."""
    out = {}
    rss = [r["rss"] for r in ph if r["rss"] is not None]
    if rss:
        out.update({"rss_mean_mib": sum(rss) / len(rss), "rss_max_mib": max(rss), "rss_end_mib": rss[-1]})
    plugged = [r["plugged"] for r in ph if r["plugged"] is not None]
    if plugged:
        out.update({"plugged_mean_mib": sum(plugged) / len(plugged), "plugged_end_mib": plugged[-1]})
    return out


def together_rss(rows):
    """Per paper phase (1..3): mean, max and last of the guests' QEMU RSS
    summed over the seconds every guest has a sample with it (the phase
    being the first guest's at that second), or None."""
    by_t = {}
    for g, rs in rows.items():
        for r in rs:
            if r["rss"] is not None:
                by_t.setdefault(round(r["t"]), {})[g] = (r["phase"], r["rss"])
    out = []
    for p in (1, 2, 3):
        sums = [sum(v[1] for v in by_t[t].values()) for t in sorted(by_t)
                if len(by_t[t]) == len(rows) and next(iter(by_t[t].values()))[0] == p]
        out.append({"rss_mean_mib": sum(sums) / len(sums), "rss_max_mib": max(sums), "rss_end_mib": sums[-1]}
                   if sums else None)
    return out


def phase_metrics(sc, rows):
    """Per guest, per paper phase (1..3; 0 is the warm-up)."""
    out = {}
    for g, rs in rows.items():
        out[g] = []
        ws = sc["guests"][g]
        for p in (1, 2, 3):
            ph = [r for r in rs if r["phase"] == p]
            if len(ph) < 3:
                out[g].append(None)
                continue
            dt = ph[-1]["t"] - ph[0]["t"]
            wl = ph[-1]["wl"] - ph[0]["wl"]
            disk = ph[-1]["disk"] - ph[0]["disk"]
            out[g].append({"phase": p, "opti_mib": ws[p - 1], "mean_mib": sum(r["mem"] for r in ph) / len(ph),
                           "min_mib": min(r["mem"] for r in ph), "max_mib": max(r["mem"] for r in ph),
                           "end_mib": ph[-1]["mem"], "t0": ph[0]["t"], "t1": ph[-1]["t"],
                           "throughput_mibs": wl / 1048576 / dt if dt > 0 else 0,
                           "hit_ratio": max(0.0, 1 - disk / wl) if wl > 0 else None,
                           **host_metrics(ph)})
    return out


def timings(sc, rows, m):
    host, mx = sc["host_mib"], sc["max_mib"]
    for g, rs in rows.items():
        ws = sc["guests"][g]
        first = m[g][0]
        overhead = (first["end_mib"] - ws[0]) if first else 0
        for p in (2, 3):
            cur, prev = m[g][p - 1], m[g][p - 2]
            if not cur or not prev:
                continue
            ph = [r for r in rs if r["phase"] == p]
            if ws[p - 1] > ws[p - 2]:
                level = min(ws[p - 1], mx, host / 2) - LEVEL_TOL_MIB
                hit = next((r["t"] for r in ph if r["mem"] >= level), None)
                cur["reaction_s"] = None if hit is None else hit - ph[0]["t"]
                cur["reaction_level_mib"] = level
            else:
                need = ws[p - 1] + overhead
                start = ph[0]["mem"]
                level = start - max(0.0, (start - need) / 2)
                hit = next((r["t"] for r in ph if r["mem"] <= level + 1), None)
                cur["reclaim_s"] = None if hit is None else hit - ph[0]["t"]
                cur["reclaim_level_mib"] = level
                drop = next((r["t"] for r in ph if r["mem"] <= start - DROP_MIB), None)
                cur["gave_back_s"] = None if drop is None else drop - ph[0]["t"]


def summary(sc, m, static=None, together=None):
    lines = [f"scenario {sc['scenario']}, policy {sc['policy']}: memory and files x{sc['mem_factor']}, "
             f"time x{sc['time_factor']}; host {sc['host_mib']} MiB, guests up to {sc['max_mib']} MiB, "
             f"phases {sc['phase_s']} s"]
    if sc.get("memory_device") == "virtio-mem":
        lines[0] += (f"; virtio-mem: {sc['boot_mib']} MiB of boot memory + a device of {sc['vmem_mib']} MiB "
                     f"in {sc['vmem_block_mib']} MiB blocks")
    hdr = f"{'guest':5} {'phase':5} {'opti':>5} {'mean':>6} {'min..max':>11} {'MiB/s':>6} {'hit':>5}"
    hdr += f" {'static hit':>10}" if static else ""
    hdr += "  timing"
    lines.append(hdr)
    for g in m:
        for i, x in enumerate(m[g]):
            if not x:
                lines.append(f"{g:5} {i + 1:5}  (no samples)")
                continue
            hit = "-" if x["hit_ratio"] is None else f"{x['hit_ratio']:.0%}"
            line = (f"{g:5} {x['phase']:5} {x['opti_mib']:5} {x['mean_mib']:6.0f} "
                    f"{x['min_mib']:5.0f}..{x['max_mib']:<5.0f} {x['throughput_mibs']:6.1f} {hit:>5}")
            if static:
                s = static[g][i]
                line += f" {('-' if not s or s['hit_ratio'] is None else format(s['hit_ratio'], '.0%')):>10}"
            if "reaction_s" in x:
                line += (f"  reached {x['reaction_level_mib']:.0f} MiB after "
                         + ("never" if x["reaction_s"] is None else f"{x['reaction_s']:.0f} s"))
            if "reclaim_s" in x:
                line += (f"  down to {x['reclaim_level_mib']:.0f} MiB after "
                         + ("never" if x["reclaim_s"] is None else f"{x['reclaim_s']:.0f} s"))
                line += (f", never gave back {DROP_MIB} MiB" if x.get("gave_back_s") is None
                         else f", gave back {DROP_MIB} MiB after {x['gave_back_s']:.0f} s")
            lines.append(line)
    lines.append("opti = working set (MiB); mean/min..max = memory given (MiB); hit = page-cache hit ratio "
                 "(1 - disk bytes / workload bytes); see analyze.py for the timing definitions")
    lines += host_summary(m, together)
    return "\n".join(lines)


def host_summary(m, together):
    """The lines of the host's side: QEMU RSS per guest and phase (and
    plugged for virtio-mem guests); none for samples without RSS."""
    xs = [x for g in m for x in m[g] if x]
    if not any("rss_mean_mib" in x for x in xs):
        return []
    vmem = any("plugged_mean_mib" in x for x in xs)
    hdr = f"{'guest':5} {'phase':5} {'given':>6} {'RSS mean':>8} {'max':>6} {'end':>6}"
    hdr += f" {'plugged':>7} {'end':>6}" if vmem else ""
    lines = ["host memory: the guest's QEMU resident set (MiB)", hdr]
    for g in m:
        for i, x in enumerate(m[g]):
            if not x or "rss_mean_mib" not in x:
                lines.append(f"{g:5} {i + 1:5}  (no samples)")
                continue
            line = (f"{g:5} {x['phase']:5} {x['mean_mib']:6.0f} {x['rss_mean_mib']:8.0f} {x['rss_max_mib']:6.0f} "
                    f"{x['rss_end_mib']:6.0f}")
            if "plugged_mean_mib" in x:
                line += f" {x['plugged_mean_mib']:7.0f} {x['plugged_end_mib']:6.0f}"
            lines.append(line)
    for i, x in enumerate(together or []):
        if x:
            given = sum(m[g][i]["mean_mib"] for g in m if m[g][i])
            lines.append(f"{'both':5} {i + 1:5} {given:6.0f} {x['rss_mean_mib']:8.0f} {x['rss_max_mib']:6.0f} "
                         f"{x['rss_end_mib']:6.0f}")
    lines.append("given = mean memory given (MiB); RSS = the QEMU process's VmRSS on the host, its own memory "
                 "included: mean, max, last sample of the phase" + ("; plugged = the virtio-mem device's plugged "
                                                                   "size: mean, last sample" if vmem else ""))
    return lines


def fair_caps(wants, budget):
    """Max-min fair shares of budget for the wants (dict)."""
    left, out, open_ = budget, {}, dict(wants)
    while open_:
        share = left / len(open_)
        small = {g: w for g, w in open_.items() if w <= share}
        if not small:
            out.update({g: share for g in open_})
            break
        for g, w in small.items():
            out[g] = w
            left -= w
            del open_[g]
    return out


def need_mib(sc, oracle):
    """Per guest, per phase (1..3): the measured need in MiB."""
    res = {g: [] for g in sc["guests"]}
    for p in range(3):
        need = {}
        for g, wss in sc["guests"].items():
            o = oracle.get(str(wss[p]))
            need[g] = min(sc["max_mib"], o["oracle_mib"] if o else sc["max_mib"])
        caps = fair_caps(need, sc["host_mib"]) if sum(need.values()) > sc["host_mib"] else need
        for g in sc["guests"]:
            res[g].append(caps[g])
    return res


def chart(d, sc, rows, m, need=None):
    gp = os.path.join(d, "chart.gp")
    device = "virtio-mem" if sc.get("memory_device") == "virtio-mem" else "balloon"
    title = (f"scenario {sc['scenario']} (paper Figs. 1-2, memory x{sc['mem_factor']}, time x{sc['time_factor']}),"
             f" policy {sc['policy']}, host {sc['host_mib']} MiB")
    for g, rs in rows.items():
        with open(os.path.join(d, g + ".dat"), "w") as f:
            for r in rs:
                n = need[g][r["phase"] - 1] if need and 1 <= r["phase"] <= 3 else "NaN"
                rss = "NaN" if r["rss"] is None else f"{r['rss']:.1f}"
                f.write(f"{r['t']:.1f} {r['opti']} {r['mem']:.1f} {r['max']:.0f} {n} {rss}\n")
    with open(gp, "w") as f:
        f.write("set terminal pngcairo size 1100,820 font 'DejaVu Sans,11'\n")
        f.write(f"set output '{os.path.join(d, 'chart.png')}'\n")
        f.write(f"set multiplot layout 2,1 title \"{title}\"\n")
        for g in rows:
            f.write("unset arrow\n")
            for x in m[g]:
                if x:
                    f.write(f"set arrow from {x['t0']:.0f}, graph 0 to {x['t0']:.0f}, graph 1 nohead dt 3 lc rgb 'gray40'\n")
            f.write(f"set title '{g}: working set {' -> '.join(str(w) for w in sc['guests'][g])} MiB'\n")
            f.write("set xlabel 'time (s)'\nset ylabel 'MiB'\nset key top left box opaque\nset grid\n")
            f.write(f"set yrange [0:{sc['max_mib'] * 1.7:.0f}]\n")
            dat = os.path.join(d, g + ".dat")
            f.write(f"plot '{dat}' using 1:2 with steps lw 2 lc rgb '#d95f02' title 'opti size (working set)', "
                    f"'' using 1:3 with lines lw 2 lc rgb '#1b9e77' title 'memory given ({device})', "
                    f"'' using 1:4 with lines dt 2 lc rgb '#7570b3' title 'guest max', "
                    + ("'' using 1:6 with lines lw 1 lc rgb '#e7298a' title 'QEMU RSS (host)', "
                       if any(r["rss"] is not None for r in rows[g]) else "")
                    + ("'' using 1:5 with steps lw 2 dt 3 lc rgb 'black' title 'measured need (oracle)', " if need else "")
                    + f"{sc['host_mib']} with lines dt 4 lc rgb 'black' title 'host budget'\n")
        f.write("unset multiplot\n")
    subprocess.run(["gnuplot", gp], check=True)


def check(d, sc, rows, m):
    ok = True

    def c(cond, msg):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + msg)
        ok = ok and cond

    for g, rs in rows.items():
        c(all(r["mem"] <= sc["max_mib"] + 1 for r in rs), f"{g}: never above max {sc['max_mib']} MiB "
          f"(peak {max(r['mem'] for r in rs):.0f})")
        for x in m[g]:
            c(x is not None, f"{g}: samples in every phase")
        if not all(m[g]):
            continue
        for x in m[g][1:]:
            if "reaction_s" in x:
                c(x["reaction_s"] is not None and x["reaction_s"] <= REACT_MAX_FRAC * sc["phase_s"],
                  f"{g} phase {x['phase']}: growth followed in {x['reaction_s']} s (bound {REACT_MAX_FRAC * sc['phase_s']:.0f} s)")
            if "reclaim_s" in x:
                c(x["reclaim_s"] is not None, f"{g} phase {x['phase']}: shrink followed in {x['reclaim_s']} s (within the phase)")
    by_t = {}
    for g, rs in rows.items():
        for r in rs:
            by_t.setdefault(round(r["t"]), {})[g] = r["mem"]
    full = {t: v for t, v in by_t.items() if len(v) == len(rows)}
    t_peak = max(full, key=lambda t: sum(full[t].values()))
    peak = sum(full[t_peak].values())
    c(peak <= sc["host_mib"] + SUM_TOL_MIB,
      f"together never above the host budget {sc['host_mib']} MiB (peak {peak:.0f} MiB at {t_peak} s: "
      + ", ".join(f"{g} {m:.0f}" for g, m in sorted(full[t_peak].items())) + f"; tolerance {SUM_TOL_MIB})")
    for g in rows:
        log = os.path.join(d, g + ".console.log")
        text = open(log, errors="replace").read() if os.path.exists(log) else ""
        c(os.path.exists(log) and not re.search(r"out of memory|oom-kill|kernel panic", text, re.I),
          f"{g}: no OOM kill or panic in the console")
    return ok


def main():
    d = sys.argv[1]
    sc, rows = load(d)
    m = phase_metrics(sc, rows)
    timings(sc, rows, m)
    static = None
    if "--compare" in sys.argv:
        sd = sys.argv[sys.argv.index("--compare") + 1]
        ssc, srows = load(sd)
        static = phase_metrics(ssc, srows)
    together = together_rss(rows)
    text = summary(sc, m, static, together)
    print(text)
    open(os.path.join(d, "summary.txt"), "w").write(text + "\n")
    out = {"scenario": sc, "phases": m}
    if any(together):
        out["together"] = together
    json.dump(out, open(os.path.join(d, "metrics.json"), "w"), indent=1)
    need = None
    if "--need" in sys.argv:
        need = need_mib(sc, json.load(open(sys.argv[sys.argv.index("--need") + 1])))
    chart(d, sc, rows, m, need)
    print(f"charts: {os.path.join(d, 'chart.png')}; data: {', '.join(os.path.join(d, g + '.csv') for g in rows)}")
    if "--check" in sys.argv and not check(d, sc, rows, m):
        sys.exit(1)


if __name__ == "__main__":
    main()
