#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""density_report.py -- tables, targets and chart of the density benchmark.

    density_report.py OUT --doc FILE --chart PNG [--command CMD]

OUT holds one folder per run (tests/bench/density.sh), named POLICY-N
(static-2, adaptive-3, ...).  Per guest and window (its busy window, and
its idle time after the warm-up, the service and the burst left out):

  hit ratio   1 - bytes the guest read from its disk / bytes its workload read
  files/s     1 MiB files its workload read a second
  p50, p99    read latency of one file, from the guest's 16-bucket histogram
              (linear inside a bucket)
  memory      mean balloon size (MiB)
  PSI         the guest's memory pressure: "some" stall time / wall time (%)

  reached     (busy window) seconds until the guest first held what the
              static split into two gives (budget / 2 - 8 MiB)

Totals per run: OOM kills (the guests' /proc/vmstat oom_kill and their
consoles), programs refused memory (bc-refused on a console), seconds the
guests together held more than the budget (+8 MiB of balloon jitter).

Targets (N=3 and N=4 runs, against static-2, the static split of the same
budget into two): every guest's busy window at >= static-2's busy hit ratio
- 2 points (N=4: - 5) and p99 <= 1.1x static-2's; 0 OOM kills, 0 refused,
0 s over budget.

Room: at the start of each busy window of a daemon run, the daemon's
prediction P (the other guests' reclaimable memory, from status --json) is
compared with what they gave back G (their total at the start less its
lowest in the next 30 s) when the budget was binding then (the guests
together within 16 MiB of it), with the others' hit ratio over those 30 s.
"""
import argparse, csv, glob, json, os, re, subprocess

BOUNDS_MS = [2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 2000]
SUM_TOL_MIB = 8
ROOM_S = 30


def num(v, scale=1.0):
    try:
        return int(v) / scale
    except (TypeError, ValueError):
        return None


def load_run(d):
    meta = json.load(open(os.path.join(d, "density.json")))
    rows = {}
    for g in meta["phases"]:
        rs = []
        for r in csv.DictReader(open(os.path.join(d, g + ".csv"))):
            if not r["phase"] or not r["current_kib"]:
                continue
            lat = [int(x) for x in r["lat"].split(":")] if r.get("lat") else None
            rs.append({"t": float(r["t_s"]), "phase": int(r["phase"]), "kind": r["kind"],
                       "mem": int(r["current_kib"]) / 1024, "wl": int(r["workload_bytes"] or 0),
                       "disk": int(r["disk_read_bytes"] or 0), "lat": lat,
                       "psi": num(r.get("psi_some_total_us")), "oom": num(r.get("oom_kill")),
                       "recl": num(r.get("reclaimable_kib"), 1024)})
        rows[g] = rs
    return meta, rows


def pct(hist, q):
    total = sum(hist)
    if total == 0:
        return None
    want, seen = q * total, 0
    for i, c in enumerate(hist):
        if c and seen + c >= want:
            lo = BOUNDS_MS[i - 1] if i else 0
            if i == len(BOUNDS_MS):
                return float(lo)  # the unbounded bucket: its lower bound
            return lo + (BOUNDS_MS[i] - lo) * (want - seen) / c
        seen += c
    return None


def window(rs):
    """Figures of a run of consecutive rows of one guest."""
    if len(rs) < 2:
        return None
    a, b = rs[0], rs[-1]
    dt = b["t"] - a["t"]
    dwl, ddisk = b["wl"] - a["wl"], b["disk"] - a["disk"]
    out = {"s": dt, "mem": sum(r["mem"] for r in rs) / len(rs),
           "hit": max(0.0, 1 - ddisk / dwl) if dwl > 0 else None,
           "fps": dwl / 1048576 / dt if dt > 0 else None, "p50": None, "p99": None, "psi": None,
           "reads": 0}
    if a["lat"] and b["lat"]:
        h = [y - x for x, y in zip(a["lat"], b["lat"])]
        out["reads"] = sum(h)
        out["p50"], out["p99"] = pct(h, 0.50), pct(h, 0.99)
    ps = [r for r in rs if r["psi"] is not None]
    if len(ps) >= 2 and ps[-1]["t"] > ps[0]["t"]:
        out["psi"] = 100 * (ps[-1]["psi"] - ps[0]["psi"]) / ((ps[-1]["t"] - ps[0]["t"]) * 1e6)
    return out


def reach_s(rs, level):
    """Seconds from the first row until memory first reaches level, or None."""
    return next((r["t"] - rs[0]["t"] for r in rs if r["mem"] >= level), None)


def segments(rs, pred):
    """Maximal runs of consecutive rows satisfying pred."""
    seg, cur = [], []
    for r in rs:
        if pred(r):
            cur.append(r)
        elif cur:
            seg.append(cur)
            cur = []
    if cur:
        seg.append(cur)
    return seg


def merge_idle(segs):
    """One idle figure from several idle stretches: rates weighted by time."""
    ws = [w for w in (window(s) for s in segs) if w and w["s"] > 0]
    if not ws:
        return None
    tot = sum(w["s"] for w in ws)
    out = {"s": tot, "mem": sum(w["mem"] * w["s"] for w in ws) / tot}
    for k in ("hit", "fps", "psi"):
        vs = [(w[k], w["s"]) for w in ws if w[k] is not None]
        out[k] = sum(v * s for v, s in vs) / sum(s for _, s in vs) if vs else None
    lat = [0] * 16
    for s in segs:
        if len(s) >= 2 and s[0]["lat"] and s[-1]["lat"]:
            lat = [c + y - x for c, x, y in zip(lat, s[0]["lat"], s[-1]["lat"])]
    out["reads"] = sum(lat)
    out["p50"], out["p99"] = pct(lat, 0.50), pct(lat, 0.99)
    return out


def ticks(rows):
    """{t: {guest: row}} over the run."""
    by = {}
    for g, rs in rows.items():
        for r in rs:
            by.setdefault(r["t"], {})[g] = r
    return dict(sorted(by.items()))


def console_counts(d):
    oom = refused = 0
    held = []
    for f in glob.glob(os.path.join(d, "*.console.log")):
        text = open(f, errors="replace").read()
        oom += len(re.findall(r"Killed process", text))
        refused += len(re.findall(r"^bc-refused ", text, re.M))
        held += [int(m) for m in re.findall(r"^bc-anon-held (\d+) ", text, re.M)]
    return oom, refused, held


def over_budget_s(meta, rows):
    tk = ticks(rows)
    ts = list(tk)
    over = 0.0
    for i, t in enumerate(ts[:-1]):
        if len(tk[t]) == len(rows) and sum(r["mem"] for r in tk[t].values()) > meta["budget_mib"] + SUM_TOL_MIB:
            over += ts[i + 1] - t
    return over


NEED_BUSY_MIB = 352  # the measured oracle of the 250 MiB working set (oracle-need.json)


def room_events(meta, rows):
    """The room predicted just before a busy window against what the busy
    guest then got, where the others stayed idle for ROOM_S and the guest
    needed more than the room (so that the room, not its need, bounds it)."""
    tk = ticks(rows)
    ts = list(tk)
    ev = []
    for g, rs in rows.items():
        busy = [r for r in rs if r["kind"] == "read"]
        if not busy:
            continue
        t0 = busy[0]["t"]
        before = [t for t in ts if t < t0 and len(tk[t]) == len(rows)]
        after = [t for t in ts if t0 <= t <= t0 + ROOM_S and len(tk[t]) == len(rows)]
        others = [o for o in rows if o != g]
        if not before or not after or any(tk[tb][o]["recl"] is None for tb in before[-1:] for o in others):
            continue
        tb = before[-1]
        if any(tk[t][o]["kind"] != "trickle" for t in [tb] + after for o in others):
            continue  # another guest's own activity moves the room
        free = meta["budget_mib"] - sum(r["mem"] for r in tk[tb].values())
        pred = max(0.0, free) + sum(tk[tb][o]["recl"] for o in others)
        start = tk[tb][g]["mem"]
        gave = max(tk[t][g]["mem"] for t in after) - start
        hits = []
        for o in others:
            w = window([r for r in rows[o] if t0 <= r["t"] <= t0 + ROOM_S])
            wb = window([r for r in rows[o] if t0 - ROOM_S <= r["t"] < t0])
            hits.append((o, wb["hit"] if wb else None, w["hit"] if w else None))
        why = None
        if meta["policy"] not in ("adaptive", "paper", "paper-literal"):
            why = "no: its policy does not grow with the cache"
        elif start + pred >= NEED_BUSY_MIB - SUM_TOL_MIB:
            why = "no: needs less"
        elif pred < 1:
            why = "no room predicted (none got: not in the ratio)" if gave < SUM_TOL_MIB else "no room predicted"
        ev.append({"guest": g, "t": t0, "pred": pred, "gave": gave, "start": start,
                   "bounded": why is None, "why": why, "hits": hits})
    return ev


def analyse(d):
    meta, rows = load_run(d)
    per = {}
    for g, rs in rows.items():
        busy = [s for s in segments(rs, lambda r: r["kind"] == "read")]
        idle = segments(rs, lambda r: r["kind"] == "trickle" and r["phase"] >= 1)
        anon = segments(rs, lambda r: r["kind"] == "anon")
        per[g] = {"busy": window(busy[0]) if busy else None, "idle": merge_idle(idle),
                  "anon": window(anon[0]) if anon else None}
        if per[g]["busy"]:
            # how long it ran with less than the static split into two gives
            per[g]["busy"]["reach_s"] = reach_s(busy[0], meta["budget_mib"] / 2 - SUM_TOL_MIB)
    oom_c, refused, held = console_counts(d)
    oom_v = 0
    for rs in rows.values():
        o = [r["oom"] for r in rs if r["oom"] is not None]
        if len(o) >= 1:
            oom_v += int(o[-1])  # counted since boot
    return {"meta": meta, "rows": rows, "per": per, "oom": max(oom_c, oom_v), "refused": refused,
            "held": held, "over_s": over_budget_s(meta, rows),
            "room": room_events(meta, rows) if meta["policy"] != "static" else []}


def f(v, fmt="{:.0f}", none="-"):
    return none if v is None else fmt.format(v)


def ref_of(runs):
    s2 = runs.get("static-2")
    if not s2:
        return None
    bs = [p["busy"] for p in s2["per"].values() if p["busy"]]
    return {"hit": sum(b["hit"] for b in bs) / len(bs), "p99": sum(b["p99"] for b in bs) / len(bs),
            "fps": sum(b["fps"] for b in bs) / len(bs)}


def verdict(run, ref):
    """(met, reasons) of the targets for an N>=3 run."""
    n = run["meta"]["guests"]
    tol = 2 if n == 3 else 5
    why = []
    for g, p in run["per"].items():
        b = p["busy"]
        if not b:
            why.append(f"{g}: no busy window recorded")
            continue
        if b["hit"] < ref["hit"] - tol / 100:
            why.append(f"{g} hit {b['hit'] * 100:.0f} % < {ref['hit'] * 100 - tol:.0f} %")
        if b["p99"] is not None and b["p99"] > 1.1 * ref["p99"]:
            why.append(f"{g} p99 {b['p99']:.0f} ms > {1.1 * ref['p99']:.0f} ms")
    if run["oom"]:
        why.append(f"{run['oom']} OOM kills")
    if run["refused"]:
        why.append(f"{run['refused']} refused")
    if run["over_s"] > 0:
        why.append(f"{run['over_s']:.0f} s over budget")
    return not why, why


def run_order(names):
    def key(n):
        p, _, k = n.rpartition("-")
        order = ["static", "adaptive", "paper", "mom", "committed", "paper-literal"]
        return (int(k), order.index(p) if p in order else 99)
    return sorted(names, key=key)


def doc(runs, out_dir, command, chart):
    ref = ref_of(runs)
    L = ["# Density benchmark", "",
         "Made by `tools/bench-density` on one 2-core machine without KVM (QEMU TCG), every configuration back",
         "to back in one session. Exact command:", ""] + ["    " + c for c in command.split("\n")] + [""]
    any_run = next(iter(runs.values()))["meta"]
    m = any_run
    L += ["## What runs",
          "",
          f"A host budget of {m['budget_mib']} MiB. Guests of up to {m['max_mib']} MiB (1 vCPU, virtio balloon with",
          "deflate-on-oom, the same busybox guest as the lab's other tests). Their data disks are cloud volumes:",
          "no host page cache, 3000 IOPS, 125 MiB/s. Each guest's life, in seconds after a",
          f"{m['warmup_s']} s warm-up:", "",
          "| guest | idle (16 MiB set, one 1 MiB file every 0.5 s) | busy (250 MiB set, reads as fast as it can) | also |",
          "|---|---|---|---|"]
    for i in range(4):
        b0 = i * m["stagger_s"]
        also = {0: "a service holds 150 MiB of touched anonymous memory from 75 to 135",
                1: "a burst: 100 MiB of anonymous memory at once, held from 150 to 170"}.get(i, "")
        L.append(f"| d{i + 1} | outside its busy window | {b0} to {b0 + m['busy_s']} | {also} |")
    L += ["", "At most two guests are busy at once (for 15 s). The schedule is the same at every N; guests a",
          "smaller N does not have are simply not there. Configurations: `static-2`, the static split of the",
          "budget into two (what an administrator does today: the baseline of the targets); `static-3`, the",
          "naive split into three (overcommit without a controller); each policy at N=3 and N=4, each guest",
          "starting at the budget / N with `[host] budget-mib` set to the budget.", "",
          "Throughput (files/s) depends on CPU as much as on memory here (TCG, 2 cores, one vCPU a guest):",
          "compare it only between runs with the same N. Hit ratio and p99 read latency compare across N.", ""]
    # summary
    L += ["## Summary", "",
          "Busy: each guest's busy window. Targets against `static-2`"
          + (f" (busy hit ratio {ref['hit'] * 100:.1f} %, p99 {ref['p99']:.0f} ms)" if ref else "")
          + ": N=3 every guest >= its hit ratio - 2 points and p99 <= 1.1x; N=4 within 5 points;"
          " 0 OOM kills, 0 refused, 0 s over budget.", "",
          "| run | busy hit ratio, min (mean) | busy p99 ms, max | idle hit ratio, min | idle p99 ms, max | memory-s / static-2 | OOM kills | refused | s over budget | service, burst held | target |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    s2_mem = None
    if "static-2" in runs:
        s2_mem = sum(sum(r["mem"] for r in rs) for rs in runs["static-2"]["rows"].values())
    for name in run_order(runs):
        r = runs[name]
        bs = [p["busy"] for p in r["per"].values() if p["busy"]]
        ids = [p["idle"] for p in r["per"].values() if p["idle"]]
        memsum = sum(sum(x["mem"] for x in rs) for rs in r["rows"].values())
        nt = max(len(rs) for rs in r["rows"].values())
        nt2 = max(len(rs) for rs in runs["static-2"]["rows"].values()) if s2_mem else 0
        memrel = f"{(memsum / nt) / (s2_mem / nt2):.2f}" if s2_mem else "-"
        want = {"d1": 150, "d2": 100}
        held = ", ".join("yes" if want[g] in r["held"] else "no" for g in want if g in r["per"])
        if r["meta"]["guests"] >= 3 and ref:
            ok, why = verdict(r, ref)
            tgt = "met" if ok else "missed: " + "; ".join(why)
        else:
            tgt = "baseline" if name == "static-2" else ""
        L.append(f"| {name} | {min(b['hit'] for b in bs) * 100:.1f} % ({sum(b['hit'] for b in bs) / len(bs) * 100:.1f} %) "
                 f"| {f(max((b['p99'] or 0) for b in bs))} | {f(min(i['hit'] for i in ids if i['hit'] is not None) * 100, '{:.1f} %')} "
                 f"| {f(max((i['p99'] or 0) for i in ids))} | {memrel} | {r['oom']} | {r['refused']} | {r['over_s']:.0f} | {held} | {tgt} |")
    L += ["", "memory-s / static-2: the guests' memory together, averaged over the run, against static-2's"
          " (which holds the whole budget).", ""]
    L += [f"![memory held per guest over time, per run]({os.path.basename(chart)})", ""]
    # per run
    for name in run_order(runs):
        r = runs[name]
        L += [f"## {name}", "",
              "| guest, window | hit ratio | vs static-2 | files/s | p50 ms | p99 ms | p99 / static-2 | memory MiB | PSI some % | reached static-2's size |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        for g, p in r["per"].items():
            for wname in ("busy", "idle", "anon"):
                w = p[wname]
                if not w:
                    continue
                vs = f"{(w['hit'] - ref['hit']) * 100:+.1f} pt" if ref and w["hit"] is not None and wname == "busy" else ""
                pr = f"{w['p99'] / ref['p99']:.2f}" if ref and w.get("p99") and wname == "busy" else ""
                reach = ""
                if wname == "busy":
                    reach = "never" if w.get("reach_s") is None else f"after {w['reach_s']:.0f} s"
                L.append(f"| {g}, {wname} | {f(w['hit'] * 100 if w['hit'] is not None else None, '{:.1f} %')} | {vs} "
                         f"| {f(w['fps'], '{:.1f}')} | {f(w.get('p50'), '{:.1f}')} | {f(w.get('p99'), '{:.0f}')} | {pr} "
                         f"| {w['mem']:.0f} | {f(w['psi'], '{:.2f}')} | {reach} |")
        L.append("")
    # room
    ev = [(n, e) for n in run_order(runs) for e in runs[n]["room"]]
    L += ["## The room a host has left: prediction against what was given", "",
          "Just before a guest's busy window, the room `status` predicted for it: the budget no guest held",
          "plus what the other guests could give back without refaulting (the sum of their `reclaimable`).",
          f"Against it, what the busy guest got in the next {ROOM_S} s (its largest size less its size before).",
          "Counted where the other guests stayed idle over those seconds (their own activity moves the room),",
          f"the busy guest needed more than its size plus the room (its need: {NEED_BUSY_MIB} MiB, the measured",
          "oracle of its working set), so that the room, not its need, bounds what it gets, and its policy",
          "grows a guest with its cache (`mom` and `committed` do not: a busy guest there takes no room). The",
          "others' hit ratio before and after tells whether what they gave hurt them.", "",
          "| run | busy guest | size before | room predicted MiB | got MiB | got - predicted | counted | others' hit ratio before -> after |",
          "|---|---|---|---|---|---|---|---|"]
    errs = []
    for n, e in ev:
        hits = ", ".join(f"{o} {f(b * 100 if b is not None else None, '{:.0f}')} -> {f(a * 100 if a is not None else None, '{:.0f}')} %"
                         for o, b, a in e["hits"])
        L.append(f"| {n} | {e['guest']} | {e['start']:.0f} | {e['pred']:.0f} | {e['gave']:.0f} | {e['gave'] - e['pred']:+.0f} "
                 f"| {e['why'] or 'yes'} | {hits} |")
        if e["bounded"] and e["pred"] > 0:
            errs.append(abs(e["gave"] - e["pred"]) / e["pred"])
    if errs:
        errs.sort()
        p90 = errs[max(0, -(-9 * len(errs) // 10) - 1)]
        L += ["", f"Counted events: {len(errs)}; |got - predicted| / predicted at p90: {p90 * 100:.0f} % (target: within 10 %)."]
    else:
        L += ["", "No counted event: accuracy not measured in these runs."]
    L.append("")
    return "\n".join(L)


def write_chart(runs, out_dir, png):
    names = [n for n in run_order(runs)]
    names = [n for n in names if n in ("static-2", "static-3") or n.startswith("adaptive") or n.startswith("paper-")]
    if not names:
        return
    plots = []
    for n in names:
        r = runs[n]
        for g, rs in r["rows"].items():
            path = os.path.join(out_dir, f"chart-{n}-{g}.dat")
            with open(path, "w") as fh:
                for x in rs:
                    fh.write(f"{x['t']:.1f} {x['mem']:.1f} {250 if x['kind'] == 'read' else 0}\n")
        plots.append((n, r))
    rows_n = (len(plots) + 1) // 2
    gp = [f"set terminal pngcairo size 1200,{300 * rows_n} font ',9'", f"set output '{png}'",
          f"set multiplot layout {rows_n},2", "set ylabel 'MiB'", "set xlabel 's'", "set key top left"]
    for n, r in plots:
        b = r["meta"]["budget_mib"]
        parts = []
        for i, g in enumerate(r["rows"]):
            dat = os.path.join(out_dir, f"chart-{n}-{g}.dat")
            parts.append(f"'{dat}' using 1:2 with lines lw 2 lc {i + 1} title '{g}'")
            parts.append(f"'{dat}' using 1:($3 > 0 ? {12 + 14 * i} : NaN) with lines lw 6 lc {i + 1} notitle")
        parts.append(f"{b / 2} with lines dt 2 lc rgb 'black' title 'static split into two'")
        gp += [f"set title '{n}: memory held (MiB; thick bars: busy windows; budget {b} MiB)'",
               f"set yrange [0:{r['meta']['max_mib'] + 16}]", "plot " + ", ".join(parts)]
    gp.append("unset multiplot")
    subprocess.run(["gnuplot"], input="\n".join(gp), text=True, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--doc", required=True)
    ap.add_argument("--chart", required=True)
    ap.add_argument("--command", default="tools/bench-density")
    a = ap.parse_args()
    runs = {}
    for d in sorted(glob.glob(os.path.join(a.out, "*-[0-9]"))):
        if os.path.isfile(os.path.join(d, "density.json")):
            runs[os.path.basename(d)] = analyse(d)
    if not runs:
        raise SystemExit("density_report: no runs in " + a.out)
    write_chart(runs, a.out, a.chart)
    open(a.doc, "w").write(doc(runs, a.out, a.command, a.chart))
    json.dump({n: {k: v for k, v in r.items() if k != "rows"} for n, r in runs.items()},
              open(os.path.join(a.out, "density.json"), "w"), indent=1, default=str)
    print(open(a.doc).read().split("## static-2")[0] if "static-2" in runs else "")


if __name__ == "__main__":
    main()
