#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""sampler.py -- the lab's recorder: once a second, one CSV row per guest.

Run as the lab user (it talks to that user's qemu:///session daemon).  Each
row: time, the workload's phase and working-set size ("opti size"), what
`balloonctl status --json` says (balloon size, max, Committed_AS, Cached,
Active(file), and the daemon's margin, state and target when it runs), and
the guest workload's byte counters (/run/bc-workload, read through the guest
agent): bytes the workload read and bytes the guest read from its disk, and
its read latency histogram.  Every other second (cumulative counters, so the
rate does not matter) the guest's memory pressure (/proc/pressure/memory,
"some" total stall in microseconds and avg10) and its OOM kills
(/proc/vmstat oom_kill), and from the daemon the domain's reclaimable memory.
From the host, each second: the resident set of the guest's QEMU process
(VmRSS and VmSwap of /proc/PID/status: the host memory the guest really
holds, whatever its balloon or virtio-mem device says) and, for a guest with
a virtio-mem device, the size it has plugged (the device's <current> in the
live domain XML).
"""
import argparse, base64, csv, json, os, re, subprocess, sys, time
import xml.etree.ElementTree as ET

import libvirt
import libvirt_qemu

FIELDS = ["t_s", "phase", "kind", "opti_mib", "current_kib", "max_kib", "committed_kib",
          "cached_kib", "active_file_kib", "source", "state", "margin_kib", "target_kib",
          "workload_bytes", "disk_read_bytes", "lat", "psi_some_total_us", "psi_some_avg10",
          "oom_kill", "reclaimable_kib", "floor_kib", "qemu_rss_kib", "qemu_swap_kib", "plugged_kib"]

UNITS = {"b": 1, "bytes": 1, "kb": 1000, "k": 1024, "kib": 1024, "mb": 10**6, "m": 1024**2, "mib": 1024**2,
         "gb": 10**9, "g": 1024**3, "gib": 1024**3}


def agent_read(dom, path):
    def cmd(c, args):
        r = libvirt_qemu.qemuAgentCommand(dom, json.dumps({"execute": c, "arguments": args}), 2, 0)
        return json.loads(r)["return"]
    h = cmd("guest-file-open", {"path": path, "mode": "r"})
    try:
        data = b""
        for _ in range(8):
            r = cmd("guest-file-read", {"handle": h, "count": 4096})
            data += base64.b64decode(r.get("buf-b64", ""))
            if r.get("eof") or not r.get("count"):
                break
        return data.decode()
    finally:
        cmd("guest-file-close", {"handle": h})


def workload(dom):
    try:
        return dict(kv.split("=", 1) for kv in agent_read(dom, "/run/bc-workload").split())
    except (libvirt.libvirtError, ValueError, KeyError):
        return {}


def pressure(dom):
    """(some total us, some avg10, oom_kill) of the guest, or blanks."""
    out = ["", "", ""]
    try:
        for line in agent_read(dom, "/proc/pressure/memory").splitlines():
            if line.startswith("some "):
                kv = dict(w.split("=", 1) for w in line.split()[1:])
                out[0], out[1] = kv.get("total", ""), kv.get("avg10", "")
        for line in agent_read(dom, "/proc/vmstat").splitlines():
            if line.startswith("oom_kill "):
                out[2] = line.split()[1]
    except (libvirt.libvirtError, ValueError, KeyError):
        pass
    return out


def qemu_cmdline_is(pid, name):
    """Whether PID is the QEMU of guest NAME (libvirt starts it with
    "-name guest=NAME,...")."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            args = f.read().split(b"\0")
    except OSError:
        return False
    want = name.encode()
    return any(a == b"-name" and i + 1 < len(args) and
               (args[i + 1] == want or args[i + 1].startswith(b"guest=" + want + b","))
               for i, a in enumerate(args))


def of_this_lab(pid):
    """Whether PID's environment or command line names this lab's folders
    (its XDG_RUNTIME_DIR or XDG_CONFIG_HOME, as lab-lib.sh's _lab_pids
    tells a lab's processes): other labs of the same user may run guests of
    the same names."""
    dirs = [os.environ[v].rstrip("/").encode() for v in ("XDG_RUNTIME_DIR", "XDG_CONFIG_HOME") if os.environ.get(v)]
    if not dirs:
        return True
    pat = re.compile(b"(?:" + b"|".join(re.escape(d) for d in dirs) + b")(?:[/,\0]|$)")
    for f in ("environ", "cmdline"):
        try:
            with open(f"/proc/{pid}/{f}", "rb") as fh:
                if pat.search(fh.read()):
                    return True
        except OSError:
            return False
    return False


def qemu_pid(name):
    """The PID of guest NAME's QEMU: libvirt's pid file of the session
    daemon (XDG_RUNTIME_DIR/libvirt/qemu/run/NAME.pid), else the process of
    this user and this lab whose command line names the guest; None when
    none."""
    run = os.environ.get("XDG_RUNTIME_DIR", "")
    try:
        with open(os.path.join(run, "libvirt", "qemu", "run", name + ".pid")) as f:
            pid = int(f.read().split()[0])
        if qemu_cmdline_is(pid, name):
            return pid
    except (OSError, ValueError, IndexError):
        pass
    uid = os.getuid()
    for p in os.listdir("/proc"):
        try:
            if (p.isdigit() and os.stat(f"/proc/{p}").st_uid == uid and qemu_cmdline_is(int(p), name)
                    and of_this_lab(int(p))):
                return int(p)
        except OSError:
            continue
    return None


def qemu_memory(pid):
    """(VmRSS, VmSwap) in KiB of process PID, or None when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmSwap:")):
                    k, v = line.split()[:2]
                    out[k] = int(v)
    except (OSError, ValueError):
        return None
    return (out["VmRSS:"], out.get("VmSwap:", "")) if "VmRSS:" in out else None


def plugged_kib(dom):
    """The plugged size of the domain's virtio-mem device (its <current>),
    None when it has none, "" when it cannot be read."""
    try:
        cur = ET.fromstring(dom.XMLDesc(0)).find("./devices/memory[@model='virtio-mem']/target/current")
    except (libvirt.libvirtError, ET.ParseError):
        return ""
    if cur is None:
        return None
    try:
        return int(cur.text) * UNITS[cur.get("unit", "KiB").lower()] // 1024
    except (TypeError, ValueError, KeyError):
        return ""


def status(binary, table=False):
    args = [binary, "status"] + ([] if table else ["--json"])
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=20).stdout
        return out if table else json.loads(out)
    except (subprocess.TimeoutExpired, ValueError):
        return "" if table else {"domains": []}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--guests", required=True)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--file-mib", type=int, default=1)
    ap.add_argument("--live", type=float, default=0, help="print the status table every N s")
    ap.add_argument("--title", default="")
    a = ap.parse_args()
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("qemu:///session")
    guests = a.guests.split(",")
    doms = {g: conn.lookupByName(g) for g in guests}
    files = {g: open(os.path.join(a.out, g + ".csv"), "w", newline="") for g in guests}
    writers = {g: csv.DictWriter(files[g], FIELDS) for g in guests}
    for w in writers.values():
        w.writeheader()
    pids = {g: None for g in guests}
    vmem = {g: True for g in guests}   # until the first read says the guest has no device
    t0 = time.monotonic()
    next_live = 0.0
    tick = 0
    while (t := time.monotonic() - t0) < a.duration:
        st = {d["name"]: d for d in status(a.bin)["domains"]}
        tick += 1
        for i, g in enumerate(guests):
            d, wl = st.get(g, {}), workload(doms[g])
            psi = pressure(doms[g]) if (tick + i) % 2 == 0 else ["", "", ""]
            ctl = d.get("controller") or {}
            kind = wl.get("kind", "")
            mem = qemu_memory(pids[g]) if pids[g] and qemu_cmdline_is(pids[g], g) else None
            if mem is None:
                pids[g] = qemu_pid(g)
                mem = qemu_memory(pids[g]) if pids[g] and qemu_cmdline_is(pids[g], g) else None
            plugged = plugged_kib(doms[g]) if vmem[g] else None
            vmem[g] = plugged is not None
            writers[g].writerow({
                "t_s": f"{t:.1f}", "phase": wl.get("phase", ""), "kind": kind,
                "opti_mib": int(wl.get("arg", 0)) * a.file_mib if kind in ("read", "trickle") else 0,
                "current_kib": d.get("current_kib", ""), "max_kib": d.get("max_kib", ""),
                "committed_kib": d.get("committed_kib") or "", "cached_kib": d.get("cached_kib") or "",
                "active_file_kib": d.get("active_file_kib") or "", "source": d.get("source", ""),
                "state": ctl.get("state") or "", "margin_kib": ctl.get("margin_kib", ""),
                "target_kib": ctl.get("target_kib") or "",
                "workload_bytes": wl.get("bytes_read", ""), "disk_read_bytes": wl.get("disk_read", ""),
                "lat": wl.get("lat", ""), "psi_some_total_us": psi[0], "psi_some_avg10": psi[1],
                "oom_kill": psi[2], "reclaimable_kib": ctl.get("reclaimable_kib", ""),
                "floor_kib": ctl.get("floor_kib", ""),
                "qemu_rss_kib": mem[0] if mem else "", "qemu_swap_kib": mem[1] if mem else "",
                "plugged_kib": "" if plugged is None else plugged,
            })
            files[g].flush()
        if a.live and t >= next_live:
            next_live = t + a.live
            sys.stdout.write("\033[H\033[2J" if sys.stdout.isatty() else "\n")
            print(f"{a.title}  {t:.0f} s of {a.duration:.0f} s")
            print(status(a.bin, table=True), flush=True)
        time.sleep(max(0.0, 1.0 - (time.monotonic() - t0 - t)))
    for f in files.values():
        f.close()


if __name__ == "__main__":
    main()
