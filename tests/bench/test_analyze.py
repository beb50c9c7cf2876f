#!/usr/bin/env python3
"""test_analyze.py -- analyze.py on samples made here, in the shape the
sampler writes them: samples from before the sampler recorded the QEMU
resident set and the plugged size are analysed and checked as before;
samples with them get the host's table (per guest and phase, and the
guests together), with the plugged size for virtio-mem guests only.  No
guest, no root, no gnuplot: the lint suite runs it."""

import contextlib
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import analyze  # noqa: E402 (tests/bench/analyze.py)

# the sampler's fields before the QEMU resident set and the plugged size
OLD_FIELDS = ["t_s", "phase", "kind", "opti_mib", "current_kib", "max_kib", "committed_kib",
              "cached_kib", "active_file_kib", "source", "state", "margin_kib", "target_kib",
              "workload_bytes", "disk_read_bytes", "lat", "psi_some_total_us", "psi_some_avg10",
              "oom_kill", "reclaimable_kib", "floor_kib"]
NEW_FIELDS = OLD_FIELDS + ["qemu_rss_kib", "qemu_swap_kib", "plugged_kib"]
PHASE_S = 10
SCENARIO = {"scenario": "ci", "policy": "paper", "mem_factor": "1/8", "time_factor": "1/8",
            "host_mib": 512, "max_mib": 384, "phase_s": PHASE_S, "start_mib": 256, "warmup_s": 2,
            "file_mib": 1, "guests": {"vm1": [62, 625, 250], "vm2": [125, 500, 125]}}


def make_run(d, fields, vmem=False):
    """A run that passes --check: each guest at 256 MiB throughout, reading
    1 MiB a second from its cache; with the new fields, QEMU's resident set
    100 MiB above what the guest was given plus the phase (vm1) or twice it
    (vm2), plugged 128 MiB with virtio-mem."""
    sc = dict(SCENARIO)
    if vmem:
        sc.update({"memory_device": "virtio-mem", "boot_mib": 128, "vmem_mib": 256, "vmem_block_mib": 2})
    json.dump(sc, open(os.path.join(d, "scenario.json"), "w"))
    for k, g in enumerate(sc["guests"]):
        with open(os.path.join(d, g + ".csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fields, restval="")
            w.writeheader()
            for t in range(3 * PHASE_S + 2):
                phase = min(3, (t - 2) // PHASE_S + 1) if t >= 2 else 0
                row = {"t_s": f"{t}.0", "phase": phase, "kind": "read", "current_kib": 256 * 1024,
                       "max_kib": 384 * 1024, "opti_mib": sc["guests"][g][max(0, phase - 1)],
                       "workload_bytes": t * 1048576, "disk_read_bytes": 0}
                if "qemu_rss_kib" in fields:
                    row.update({"qemu_rss_kib": (356 + phase * (k + 1)) * 1024, "qemu_swap_kib": 0,
                                "plugged_kib": 128 * 1024 if vmem else ""})
                w.writerow(row)
        open(os.path.join(d, g + ".console.log"), "w").write("bc-phase 0\n")
    return sc


def analyse(d):
    """analyze.py's steps but the chart: summary text, metrics, together,
    and the --check verdict with its output."""
    sc, rows = analyze.load(d)
    m = analyze.phase_metrics(sc, rows)
    analyze.timings(sc, rows, m)
    together = analyze.together_rss(rows)
    text = analyze.summary(sc, m, None, together)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ok = analyze.check(d, sc, rows, m)
    return text, m, together, ok, out.getvalue()


class Analyze(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="test-analyze.")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_old_samples_as_before(self):
        make_run(self.dir, OLD_FIELDS)
        text, m, together, ok, out = analyse(self.dir)
        self.assertTrue(ok, out)
        self.assertNotIn("host memory", text)
        self.assertNotIn("rss_mean_mib", m["vm1"][0])
        self.assertEqual(together, [None, None, None])

    def test_rss_per_guest_and_phase(self):
        make_run(self.dir, NEW_FIELDS)
        text, m, together, ok, out = analyse(self.dir)
        self.assertTrue(ok, out)
        self.assertIn("host memory", text)
        self.assertNotIn("plugged", text)  # balloon guests: blank plugged
        for p in (1, 2, 3):
            x = m["vm2"][p - 1]
            self.assertEqual((x["rss_mean_mib"], x["rss_max_mib"], x["rss_end_mib"]), (356 + 2 * p,) * 3)
            self.assertNotIn("plugged_mean_mib", x)
            self.assertEqual(together[p - 1]["rss_end_mib"], 2 * 356 + 3 * p)

    def test_virtio_mem_plugged(self):
        make_run(self.dir, NEW_FIELDS, vmem=True)
        text, m, _, ok, out = analyse(self.dir)
        self.assertTrue(ok, out)
        self.assertIn("virtio-mem: 128 MiB of boot memory + a device of 256 MiB", text)
        self.assertIn("plugged", text)
        self.assertEqual((m["vm1"][2]["plugged_mean_mib"], m["vm1"][2]["plugged_end_mib"]), (128, 128))


if __name__ == "__main__":
    unittest.main()
