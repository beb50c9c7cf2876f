#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""oracle.py -- the lab's oracle sweep, run as the lab user (oracle.sh).

One guest reads each working set at a series of fixed sizes, largest
first (its phases, given on its kernel command line, match --schedule);
this script sets the balloon to each phase's size as the phase starts and
records the workload's counters once a second.  For each working set it
then finds the oracle: the smallest size whose page-cache hit ratio is
within TOL points of the best of the sweep.  Hit ratio per phase is
measured over the phase's last MEASURE_FRAC (the first part warms the
cache and lets the balloon get there).

Usage: oracle.py --guest NAME --schedule WS:SIZE,... --phase-s S --out DIR
"""
import argparse, json, os, time

import libvirt

import sampler

TOL = 0.02
MEASURE_FRAC = 0.6


def record(dom, schedule, phase_s, warmup_s):
    """Sets each phase's size as it starts; returns per-second samples."""
    rows, last = [], 0
    end = time.monotonic() + warmup_s + phase_s * len(schedule) + 5
    while time.monotonic() < end:
        wl = sampler.workload(dom)
        ph = int(wl.get("phase", 0) or 0)
        if 1 <= ph <= len(schedule) and ph != last:
            dom.setMemoryFlags(schedule[ph - 1][1] * 1024, libvirt.VIR_DOMAIN_AFFECT_LIVE)
            last = ph
        if wl:
            rows.append({"t": time.monotonic(), "phase": ph, "wl": int(wl.get("bytes_read", 0)),
                         "disk": int(wl.get("disk_read", 0)), "mem": dom.info()[2] // 1024})
        time.sleep(1)
    return rows


def hit_ratios(rows, schedule):
    out = []
    for i, (ws, size) in enumerate(schedule, start=1):
        ph = [r for r in rows if r["phase"] == i]
        ph = ph[int(len(ph) * (1 - MEASURE_FRAC)):]
        wl = ph[-1]["wl"] - ph[0]["wl"] if len(ph) > 1 else 0
        disk = ph[-1]["disk"] - ph[0]["disk"] if len(ph) > 1 else 0
        out.append({"ws_mib": ws, "size_mib": size, "mem_mib": ph[-1]["mem"] if ph else None,
                    "hit_ratio": max(0.0, 1 - disk / wl) if wl > 0 else None})
    return out


def oracle(sweep):
    res = {}
    for ws in sorted({s["ws_mib"] for s in sweep}):
        pts = [s for s in sweep if s["ws_mib"] == ws and s["hit_ratio"] is not None]
        if not pts:
            continue
        best = max(s["hit_ratio"] for s in pts)
        ok = [s["size_mib"] for s in pts if s["hit_ratio"] >= best - TOL]
        res[str(ws)] = {"oracle_mib": min(ok), "best_hit_ratio": best,
                        "points": {str(s["size_mib"]): s["hit_ratio"] for s in pts}}
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--guest", required=True)
    ap.add_argument("--schedule", required=True)
    ap.add_argument("--phase-s", type=int, required=True)
    ap.add_argument("--warmup-s", type=int, default=15)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    schedule = [tuple(int(x) for x in p.split(":")) for p in a.schedule.split(",")]
    libvirt.registerErrorHandler(lambda *_: None, None)
    dom = libvirt.open("qemu:///session").lookupByName(a.guest)
    sweep = hit_ratios(record(dom, schedule, a.phase_s, a.warmup_s), schedule)
    result = {"tolerance": TOL, "phase_s": a.phase_s, "sweep": sweep, "oracle": oracle(sweep)}
    json.dump(result, open(os.path.join(a.out, "oracle.json"), "w"), indent=1)
    for ws, o in result["oracle"].items():
        print(f"working set {ws} MiB: oracle {o['oracle_mib']} MiB (best hit ratio {o['best_hit_ratio']:.0%})")


if __name__ == "__main__":
    main()
