#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: what `balloonctl run` costs the host, against a baseline
measured in the same run.

The baseline (bench-baseline) is the least a memory controller must do:
read every running domain's balloon and state figures every apply interval,
with balloonctl's own collect step (one bulk statistics call).  balloonctl does that plus, for every domain, decide (margin state
machine, clamps), arbitrate (host budget), apply (setMemory when the target
moves) and report (the state file).  Both run against libvirt's test driver
(in-process, so libvirt's own work counts in both) with N domains, at the
same interval, for the same time; CPU time and peak RSS come from wait4().
The guest agent is off: the test driver has none (on real guests each agent
read is one extra call per domain per interval, on a worker thread).

Prints one table per domain count, and the ratios balloonctl / baseline.
Numbers, not pass/fail: it exits non-zero only if a program fails.

With --steady S, each program also runs S + seconds (+ 1) and only the CPU
of the `seconds` after the first S counts (read from /proc/PID/stat): the steady state of a
host whose guests have settled, where balloonctl's targets no longer move
(from start, every target moves at the shrink rate for the first seconds).
CPU time there is read in clock ticks (10 ms): with few domains the
steady figures are coarse.

Usage: bench-daemon.py BALLOONCTL BENCH_BASELINE [--domains 20,200]
       [--seconds 8] [--interval-ms 100] [--repeat 2] [--steady S]
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time

DOMAIN = """  <domain type='test'>
    <name>bench-{i:04d}</name>
    <uuid>00000000-0000-4000-8000-{i:012d}</uuid>
    <memory unit='MiB'>2048</memory>
    <currentMemory unit='MiB'>{cur}</currentMemory>
    <vcpu>1</vcpu>
    <os><type>hvm</type></os>
    <devices><memballoon model='virtio'/></devices>
  </domain>
"""


def node_xml(path, n):
    with open(path, "w") as f:
        f.write("<?xml version='1.0'?>\n<node>\n")
        for i in range(1, n + 1):
            # different sizes, so the targets differ and setMemory is called
            f.write(DOMAIN.format(i=i, cur=512 + (i * 37) % 1536))
        f.write("</node>\n")


def cpu_now(pid):
    """User+system CPU seconds of a live process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(argv, seconds, running_check=None, window=None):
    """Run argv; return (cpu seconds, peak RSS KiB, stdout).  With
    running_check, SIGTERM it after `seconds`, once running_check() held.
    With window (start, length): the CPU seconds returned are those spent
    between `start` and `start + length` seconds after it started."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, stdout=out, stderr=err)
        cpu = None
        if window:
            time.sleep(window[0])
            c0 = cpu_now(p.pid)
            time.sleep(window[1])
            cpu = cpu_now(p.pid) - c0
            seconds -= window[0] + window[1]
        if running_check:
            time.sleep(max(seconds, 0))
            if not running_check():
                p.kill()
                p.wait()
                raise SystemExit(f"bench: {argv[0]} did not do its work")
            p.send_signal(signal.SIGTERM)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if p.returncode != 0:
            sys.stderr.write(err.read().decode(errors="replace")[-2000:])
            raise SystemExit(f"bench: {argv[0]} exited {p.returncode}")
        if cpu is None:
            cpu = ru.ru_utime + ru.ru_stime
        return cpu, ru.ru_maxrss, out.read().decode()


def table(title, n, ticks, seconds, rb, ro):
    cb, mb = min(r[0] for r in rb), min(r[1] for r in rb)
    co, mo = min(r[0] for r in ro), min(r[1] for r in ro)
    print(f"\n{n} domains, {title} ({ticks:g} ticks)")
    print(f"  {'':22} {'CPU ms':>8} {'us/domain/tick':>15} {'% of a core':>12} {'peak RSS MiB':>13}")
    for label, c, m in (("baseline (collect)", cb, mb), ("balloonctl run", co, mo)):
        print(f"  {label:22} {c * 1000:8.0f} {c * 1e6 / ticks / n:15.1f} "
              f"{100 * c / seconds:12.2f} {m / 1024:13.1f}")
    print(f"  ratio balloonctl/baseline: CPU {co / cb:.2f}x, peak RSS {mo / mb:.2f}x", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("balloonctl")
    ap.add_argument("baseline")
    ap.add_argument("--domains", default="20,200,1000")
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--interval-ms", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--steady", type=float, default=0,
                    help="also measure the same window this many seconds after start")
    a = ap.parse_args()

    ticks = a.seconds * 1000 / a.interval_ms
    print(f"bench-daemon: libvirt test driver, apply every {a.interval_ms} ms, "
          f"{a.seconds:g} s per run, best of {a.repeat}; CPU is user+system", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in a.domains.split(",")]:
            node = os.path.join(tmp, f"node-{n}.xml")
            node_xml(node, n)
            uri = "test://" + node
            conf = os.path.join(tmp, "bench.conf")
            with open(conf, "w") as f:
                f.write(f"[controller]\napply-interval-ms={a.interval_ms}\n"
                        f"margin-interval-ms={a.interval_ms * 5}\nagent=false\n"
                        f"[host]\nbudget-mib={n * 1024}\n")
            state = os.path.join(tmp, "state.json")
            base = [a.baseline, uri, str(a.interval_ms), str(int(a.seconds))]
            ours = [a.balloonctl, "-c", uri, "--config", conf, "--state-file", state, "run"]
            # the daemon publishes every managed domain in its state file
            # (removed when it exits)
            def managed_all():
                try:
                    with open(state) as f:
                        return f.read().count('"name"') >= n
                except OSError:
                    return False
            rb = [measure(base, a.seconds) for _ in range(a.repeat)]
            ro = [measure(ours, a.seconds, managed_all) for _ in range(a.repeat)]
            if f"domains {n}" not in rb[0][2]:
                raise SystemExit(f"bench: baseline saw {rb[0][2].strip()!r}, expected {n} domains")
            table("from start, the targets converging", n, ticks, a.seconds, rb, ro)
            if not a.steady:
                continue
            # steady state: the same window of both, once every target has
            # settled (the sizes no longer move)
            total = a.steady + a.seconds + 1
            window = (a.steady, a.seconds)
            base_long = [a.baseline, uri, str(a.interval_ms), str(int(total))]
            rb = [measure(base_long, total, window=window) for _ in range(a.repeat)]
            ro = [measure(ours, total, managed_all, window=window) for _ in range(a.repeat)]
            table(f"steady, {a.steady:g} s after start", n, ticks, a.seconds, rb, ro)

if __name__ == "__main__":
    main()
