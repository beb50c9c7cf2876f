#!/usr/bin/env python3
"""verdicts.py -- the lab tests' pass/fail checks on what they gathered.

    python3 tests/lab/verdicts.py NAME ARGS...

One function a check, NAME its name with "-" for "_"; ARGS as the test
script passes them (argv[1:], argv[0] being NAME).  It prints what it
found; exit 0 when it holds, 1 (or a failed assertion's traceback) when
not.  test_verdicts.py runs each on saved outputs (the lint suite's
verdicts test)."""

import json
import re
import sys
from collections import defaultdict


def burst(argv):
    """STATUS_JSON NAME: status --json shows the domain NAME with deflate-on-oom."""
    doc = json.load(open(argv[1]))
    d = [x for x in doc["domains"] if x["name"] == argv[2]][0]
    assert d["controller"]["deflate_on_oom"] is True, d["controller"]


def host_budget(argv):
    """STATUS_JSON: status --json shows the daemon's budget_kib, a positive integer."""
    d = json.load(open(argv[1]))["daemon"]
    assert isinstance(d["budget_kib"], int) and d["budget_kib"] > 0, d
    print("host-budget: status --json budget_kib", d["budget_kib"])


def real_guest_saved(argv):
    """STATUS_JSON: the saved (inactive) domain rg2 is not listed."""
    d = [d for d in json.load(open(argv[1]))["domains"] if d["name"] == "rg2"]
    assert not d, d  # an inactive domain is not listed


def real_guest(argv):
    """SAMPLES STATUS_JSON MAX_MIB SMALL LARGE: rg1 follows its working set
    (small, large, small again), rg2 is managed without an agent and its
    metadata min-mib applied, status --json shows the daemon's view."""
    samples, status, max_mib, small, large = argv[1], argv[2], int(argv[3]), int(argv[4]), int(argv[5])
    rows, rg2 = [], []
    for line in open(samples):
        t, cur, ph, cur2, meta = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
        if cur and ph:
            rows.append((int(t), int(cur) // 1024, int(ph)))
        if cur2:
            rg2.append((int(t), int(cur2) // 1024, meta == "1"))
    by = {p: [r for r in rows if r[2] == p] for p in (0, 1, 2)}
    ok = True
    def check(cond, msg):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + msg)
        ok = ok and cond
    for p in (0, 1, 2):
        check(len(by[p]) > 10, f"phase {p}: {len(by[p])} samples")
    if not ok:
        sys.exit(1)
    end_small = [c for _, c, _ in by[0][-5:]]
    peak_large = max(c for _, c, _ in by[1])
    end_large = [c for _, c, _ in by[1][-10:]]
    end_small2 = [c for _, c, _ in by[2][-5:]]
    rise_at = next((t for t, c, _ in by[1] if c >= min(large + 64, max_mib)), None)
    t_large = by[1][0][0]
    drop_at = next((t for t, c, _ in by[2] if c <= max(end_small) + 96), None)
    print(f"memory given (MiB): end of small phase {max(end_small)}, peak in large phase {peak_large} "
          f"(end {min(end_large)}..{max(end_large)}), end of small phase again {max(end_small2)}")
    if rise_at is not None:
        print(f"reached {large + 64} MiB {rise_at - t_large} s after the working set grew to {large} MiB")
    if drop_at is not None:
        print(f"back within 96 MiB of the small-phase level {drop_at - by[2][0][0]} s after it shrank to {small} MiB")
    check(all(c <= max_mib for _, c, _ in rows), f"never above max {max_mib} MiB")
    check(max(end_small) < large, f"small working set: memory {max(end_small)} MiB below the large set {large} MiB")
    check(rise_at is not None, f"large working set: memory rose to at least {large + 64} MiB")
    check(min(end_large) >= large, f"end of large phase: memory {min(end_large)} MiB stays at least {large} MiB")
    check(max(end_small2) <= peak_large - 128, f"shrink: memory {max(end_small2)} MiB at least 128 MiB below the peak {peak_large} MiB")
    before = [c for _, c, m in rg2 if not m]
    after = [c for _, c, m in rg2 if m]
    print(f"rg2 (no agent) memory (MiB): before metadata {before[0]}..{min(before)}, end {after[-1]}")
    check(all(128 - 4 <= c <= 512 for _, c, _ in rg2), "rg2 stays within 128..512 MiB")
    check(min(before) <= 512 - 128, f"rg2 managed without an agent: shrank to {min(before)} MiB")
    check(after[-1] >= 384 - 4, f"rg2 metadata min-mib 384 applied: {after[-1]} MiB")
    st = json.load(open(status))
    dom = [d for d in st["domains"] if d["name"] == "rg1"]
    check(len(dom) == 1, "status --json lists the guest")
    d = dom[0]
    check(st["daemon"] is not None and d["controller"] is not None and d["controller"]["managed"], "status --json shows the daemon's view")
    check(d["source"] == "agent", f"status source is {d['source']}")
    check(d["committed_kib"] is not None and 8 * 1024 < d["committed_kib"] < max_mib * 1024, f"Committed_AS {d['committed_kib']} KiB plausible")
    check(d["cached_kib"] is not None and 8 * 1024 < d["cached_kib"] <= d["current_kib"], f"Cached {d['cached_kib']} KiB plausible")
    check(d["controller"]["target_kib"] is None or d["controller"]["target_kib"] <= max_mib * 1024, "target within max")
    d2 = [d for d in st["domains"] if d["name"] == "rg2"][0]
    check(d2["source"] == "balloon-only" and d2["controller"]["managed"] and d2["controller"]["source"] == "balloon-only",
          f"rg2 source {d2['source']}, daemon's source {d2['controller']['source']}")
    sys.exit(0 if ok else 1)


def system_same_state(argv):
    """IMG: IMG/status.json and IMG/remote.json were made from the same state
    file (exit 1: the daemon wrote between the two reads; try again)."""
    a, b = (json.load(open(f"{argv[1]}/{n}.json"))["daemon"] for n in ("status", "remote"))
    sys.exit(0 if a is None or b is None or a["updated_ms"] == b["updated_ms"] else 1)


def system(argv):
    """IMG NAME MAX_MIB END_KIB T:MIB...: status as root, through
    qemu+unix:///system?socket=... and through another host's URI, and the
    idle guest shrunk towards Committed_AS + margin."""
    img, name, max_mib, end_kib = argv[1], argv[2], int(argv[3]), int(argv[4])
    samples = [tuple(int(x) for x in s.split(":")) for s in argv[5:]]
    ok = True
    def check(cond, msg):
        nonlocal ok
        print(("ok   " if cond else "FAIL ") + msg)
        ok = ok and cond

    def row(path):
        """The row of the domain, cut at the header's column starts."""
        lines = open(path).read().splitlines()
        # the table starts at its header (a daemon's "host: ..." line above it)
        lines = lines[next(i for i, l in enumerate(lines) if l.startswith("NAME ")):]
        starts = [m.start() for m in re.finditer(r"(?<!\S)\S+(?: \S+)?(?=\s{2,}|$)", lines[0])]
        heads = [lines[0][i:j].strip() for i, j in zip(starts, starts[1:] + [None])]
        rows = [l for l in lines[1:] if l.split()[:1] == [name]]
        if len(rows) != 1:
            return None
        return {h: rows[0][i:j].strip() for h, i, j in zip(heads, starts, starts[1:] + [None])}

    def dom(path):
        st = json.load(open(path))
        ds = [d for d in st["domains"] if d["name"] == name]
        return st, (ds[0] if len(ds) == 1 else None)

    st, d = dom(f"{img}/status.json")
    check(d is not None, f"status lists {name}")
    if not ok:
        sys.exit(1)
    c = d["controller"]
    check(st["daemon"] is not None and c is not None and c["managed"], "status as root shows the daemon (its state file /run/balloonctl/state.json)")
    if not ok:
        sys.exit(1)
    check(c["state"] in ("UP", "DOWN") and c["target_kib"] is not None and c["margin_kib"] is not None,
          f"daemon's columns: state {c['state']}, target {c['target_kib']} KiB, margin {c['margin_kib']} KiB")
    check(d["source"] == "agent" and c["source"] == "agent", f"source {d['source']}, daemon's source {c['source']}")
    r = row(f"{img}/status.txt")
    check(r is not None and r["STATE"] in ("UP", "DOWN") and r["TARGET"] != "-" and r["MARGIN"] != "-",
          f"table row: {r}")

    rst, rd = dom(f"{img}/remote.json")
    check(rd is not None and rst["daemon"] is not None and rd["controller"] is not None,
          "qemu+unix:///system?socket=... status shows the daemon's columns")
    if rd is not None and rd["controller"] is not None:
        check(rst["daemon"] == st["daemon"] and rd["controller"] == c,
              f"... the same daemon and the same view of {name} (state file of {st['daemon']['updated_ms']} ms)")
    rr = row(f"{img}/remote.txt")
    daemon_cols = ("NAME", "STATE", "MAX", "MARGIN", "SOURCE")
    check(rr is not None and r is not None and all(rr[k] == r[k] for k in daemon_cols) and rr["TARGET"] != "-",
          f"... the same table row: {rr}")
    ro = row(f"{img}/other.txt")
    check(ro is not None and ro["CURRENT"] != "-" and all(ro[k] == "-" for k in ("STATE", "TARGET", "MARGIN", "LAST CHANGE")),
          f"another host's URI: live columns, the daemon's '-': {ro}")

    start_mib = samples[0][1]
    first_down = next((t for t, m in samples if m < max_mib), None)
    committed, margin, target = d["committed_kib"], c["margin_kib"], c["target_kib"]
    print(f"balloon: {start_mib} MiB at start, first below {max_mib} MiB after {first_down} s, "
          f"{samples[-1][1]} MiB after {samples[-1][0]} s, {end_kib // 1024} MiB at the end; "
          f"Committed_AS {committed // 1024 if committed else '-'} MiB, margin {margin // 1024} MiB, target {target // 1024} MiB")
    check(first_down is not None and first_down <= 30, f"the daemon shrinks the idle guest within 30 s ({first_down} s)")
    check(end_kib <= max_mib * 1024 - 128 * 1024, f"at least 128 MiB taken from the idle guest: {end_kib // 1024} MiB of {max_mib}")
    check(committed is not None and end_kib <= max(committed + margin, 128 * 1024) + 64 * 1024,
          f"towards Committed_AS + margin: {end_kib // 1024} MiB <= max(Committed_AS + margin, min-mib) + 64 MiB")
    check(end_kib >= 128 * 1024 - 4096, f"never below [domain] min-mib 128: {end_kib // 1024} MiB")
    check(abs(end_kib - target) <= 64 * 1024, f"balloon within 64 MiB of the daemon's target {target // 1024} MiB")
    sys.exit(0 if ok else 1)


def liar(argv):
    """DIR BUDGET_MIB MEM_TOL_PCT MEM_TOL_MIB HIT_TOL_PT SHARE_TOL_PCT JITTER_MIB:
    the honest guests unmoved by the liar, the liar never above its share,
    the weights' 3:1:1, every guest capped, the lie shown by status."""
    d, budget, mem_pct, mem_mib, hit_pt, share_pct, jitter = argv[1], *map(int, argv[2:])
    rows = [l.split() for l in open(d + "/samples.tsv")]
    mem = defaultdict(list)          # (phase, name) -> [MiB]
    bad = []
    tot = defaultdict(int)
    for phase, t, name, cur, share in rows:
        cur, share = int(cur) / 1024, int(share) / 1024
        mem[phase, name].append(cur)
        tot[phase, t] += cur
        if name == "l3" and phase != "honest" and share and cur > share + jitter:
            bad.append(f"{phase} t={t}s: l3 holds {cur:.0f} MiB, its share is {share:.0f} MiB")
    mean = {k: sum(v) / len(v) for k, v in mem.items()}
    def hit(phase, g):
        """hit ratio %, MiB/s read by the workload"""
        b0, d0, t0 = map(float, open(f"{d}/{phase}.{g}.w0").read().split())
        b1, d1, t1 = map(float, open(f"{d}/{phase}.{g}.w1").read().split())
        return 100 * (1 - (d1 - d0) / (b1 - b0)), (b1 - b0) / 1048576 / (t1 - t0)
    print("phase    guest  memory MiB  hit %   read MiB/s")
    for phase in ("honest", "liar", "weights"):
        for g in ("h1", "h2", "l3"):
            h = "%5.1f   %6.1f" % hit(phase, g) if g != "l3" else "    -        -"
            print(f"{phase:8} {g:5}  {mean[phase, g]:7.0f}     {h}")
    fails = []
    for g in ("h1", "h2"):
        a, b = mean["honest", g], mean["liar", g]
        tol = max(mem_mib, a * mem_pct / 100)
        print(f"liar: {g} memory {a:.0f} MiB honest, {b:.0f} MiB next to the liar (tolerance {tol:.0f} MiB)")
        if abs(a - b) > tol:
            fails.append(f"{g}'s memory moved from {a:.0f} to {b:.0f} MiB next to the liar")
        ha, hb = hit("honest", g)[0], hit("liar", g)[0]
        print(f"liar: {g} hit ratio {ha:.1f} % honest, {hb:.1f} % next to the liar (tolerance {hit_pt} points)")
        if abs(ha - hb) > hit_pt:
            fails.append(f"{g}'s hit ratio moved from {ha:.1f} to {hb:.1f} % next to the liar")
    for phase in ("liar", "weights"):
        shares = [int(r[4]) / 1024 for r in rows if r[0] == phase and r[2] == "l3" and int(r[4])]
        s = min(shares) if shares else 0
        print(f"liar: {phase}: l3 holds {mean[phase, 'l3']:.0f} MiB on average (max {max(mem[phase, 'l3']):.0f}), its weighted share {s:.0f} MiB")
        if not shares:
            fails.append(f"{phase}: the daemon shows no share for l3 (no contention?)")
        elif mean[phase, "l3"] > s + jitter:
            fails.append(f"{phase}: l3 holds {mean[phase, 'l3']:.0f} MiB on average, above its share {s:.0f} MiB")
    fails += bad[:3]
    over = [(k, v) for k, v in tot.items() if v > budget + jitter]
    if over:
        fails.append(f"the guests held {over[0][1]:.0f} MiB together in {over[0][0]}, over the {budget} MiB budget")
    w = {g: mean["weights", g] for g in ("h1", "h2", "l3")}
    print(f"liar: weights 300:100:100: h1 {w['h1']:.0f} MiB, h2 {w['h2']:.0f} MiB, l3 {w['l3']:.0f} MiB = "
          f"{w['h1'] / w['l3']:.2f} : {w['h2'] / w['l3']:.2f} : 1 (tolerance {share_pct} %)")
    for name, got, want in (("h1/h2", w["h1"] / w["h2"], 3), ("h1/l3", w["h1"] / w["l3"], 3), ("h2/l3", w["h2"] / w["l3"], 1)):
        if abs(got - want) > want * share_pct / 100:
            fails.append(f"weights: {name} is {got:.2f}, not {want} within {share_pct} %")
    # capped: what its policy wanted on the last pass, before the budget (the
    # decision's want: with adaptive, the default, the margin itself is unwound
    # to what the budget granted, so Committed_AS + margin says nothing), is
    # above its share, or the budget held it back
    for x in json.load(open(d + "/status-weights.json"))["domains"]:
        c = x["controller"]
        dec = c.get("decision") or {}
        want = dec.get("want_kib") or min(x["max_kib"], (x.get("committed_kib") or 0) + (c.get("margin_kib") or 0))
        share = c.get("share_kib") or 0
        held = bool(dec.get("budget_held"))
        print(f"liar: weights: {x['name']} weight {c.get('weight')} wants {want // 1024} MiB, share {share // 1024} MiB"
              f"{', held back by the budget' if held else ''}")
        if not share or (want <= share and not held):
            fails.append(f"weights: {x['name']} is not capped (wants {want // 1024} MiB, share {share // 1024} MiB)")
    st = {x["name"]: x for x in json.load(open(d + "/status-liar.json"))["domains"]}
    c = st["l3"].get("committed_kib") or 0
    print(f"liar: status shows l3 committed {c // 1024} MiB")
    if c < 60 << 20:
        fails.append(f"status shows l3's Committed_AS at {c // 1024} MiB, not the 64 GiB it claims")
    for f in fails:
        print("liar: FAIL:", f, file=sys.stderr)
    sys.exit(1 if fails else 0)


def vmem_mixed(argv):
    """DIR BUDGET_MIB SHARE_TOL_PCT JITTER_MIB: a virtio-mem guest (vm1,
    weight 300) and a balloon guest (vb, weight 100) under one budget, both
    wanting more than it holds: sized by their own mechanisms, libvirt's
    sizes 3:1, each at most its share, together within the budget."""
    d, budget, share_pct, jitter = argv[1], *map(int, argv[2:])
    mem, share, tot, mech = defaultdict(list), defaultdict(list), defaultdict(int), {}
    for line in open(d + "/mixed.tsv"):
        t, name, device, libvirt_kib, daemon_kib, share_kib = line.split()
        if name not in ("vm1", "vb"):
            continue
        mech[name] = device
        mem[name].append(int(libvirt_kib) / 1024)
        share[name].append(int(share_kib) / 1024)
        tot[t] += int(libvirt_kib) / 1024
    fails = []
    want_mech = {"vm1": "virtio-mem", "vb": "balloon"}
    for g in ("vm1", "vb"):
        if not mem[g] or min(mem[g]) <= 0:
            print(f"vmem: FAIL: no size of {g} in the samples", file=sys.stderr)
            sys.exit(1)
        if mech.get(g) != want_mech[g]:
            fails.append(f"{g} sized by {mech.get(g)}, not {want_mech[g]}")
    mean = {g: sum(v) / len(v) for g, v in mem.items()}
    for g in ("vm1", "vb"):
        s = min(share[g])
        print(f"vmem: mixed: {g} ({mech[g]}) holds {mean[g]:.0f} MiB on average "
              f"({min(mem[g]):.0f}-{max(mem[g]):.0f}), its share {s:.0f} MiB")
        if not s:
            fails.append(f"the daemon shows no share for {g} (no contention?)")
        elif max(mem[g]) > s + jitter:
            fails.append(f"{g} held {max(mem[g]):.0f} MiB, above its share {s:.0f} MiB")
    ratio = mean["vm1"] / mean["vb"]
    print(f"vmem: mixed: weights 300:100 across mechanisms: {ratio:.2f} : 1 (tolerance {share_pct} %)")
    if abs(ratio - 3) > 3 * share_pct / 100:
        fails.append(f"vm1/vb is {ratio:.2f}, not 3 within {share_pct} %")
    top = max(tot.values())
    print(f"vmem: mixed: together at most {top:.0f} MiB of the {budget} MiB budget")
    if top > budget + jitter:
        fails.append(f"the guests held {top:.0f} MiB together, over the {budget} MiB budget")
    for x in json.load(open(d + "/status-mixed.json"))["domains"]:
        c = x.get("controller") or {}
        dec = c.get("decision") or {}
        want, s = dec.get("want_kib") or 0, c.get("share_kib") or 0
        print(f"vmem: mixed: {x['name']} weight {c.get('weight')} wants {want // 1024} MiB, share {s // 1024} MiB")
        if not s or (want <= s and not dec.get("budget_held")):
            fails.append(f"{x['name']} is not capped (wants {want // 1024} MiB, share {s // 1024} MiB)")
    for f in fails:
        print("vmem: FAIL:", f, file=sys.stderr)
    sys.exit(1 if fails else 0)


VERDICTS = {name.replace("_", "-"): f for name, f in list(globals().items())
            if callable(f) and getattr(f, "__module__", None) == __name__ and name != "main"}


def main(argv):
    if len(argv) < 2 or argv[1] not in VERDICTS:
        print(f"usage: verdicts.py {'|'.join(sorted(VERDICTS))} ARGS...", file=sys.stderr)
        return 2
    return VERDICTS[argv[1]](argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
