#!/usr/bin/env python3
"""test_verdicts.py -- the lab's verdicts (verdicts.py) on saved outputs:
for each, what a good run leaves must pass and a run that went wrong must
fail.  The outputs are made here, in the shape the lab scripts write them
(status --json, status's table, the samples).  No guest, no root: the lint
suite runs it."""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import verdicts  # noqa: E402 (tests/lab/verdicts.py)

MIB = 1024


def run(name, *args):
    """The verdict's exit status (an assertion failing: 1) and its output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            status = verdicts.main(["verdicts.py", name, *[str(a) for a in args]])
        except SystemExit as e:
            status = e.code or 0
        except AssertionError:
            status = 1
    return status, out.getvalue()


class Dir(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="bc-verdicts-")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def write(self, name, content):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(content if isinstance(content, str) else json.dumps(content))
        return path

    def assertVerdict(self, want, name, *args):
        status, out = run(name, *args)
        self.assertEqual(status, want, out)
        return out


class Small(Dir):
    def test_burst(self):
        good = self.write("good.json", {"domains": [{"name": "b1", "controller": {"deflate_on_oom": True}}]})
        bad = self.write("bad.json", {"domains": [{"name": "b1", "controller": {"deflate_on_oom": False}}]})
        self.assertVerdict(0, "burst", good, "b1")
        self.assertVerdict(1, "burst", bad, "b1")

    def test_host_budget(self):
        self.assertVerdict(0, "host-budget", self.write("a.json", {"daemon": {"budget_kib": 800 * MIB}}))
        self.assertVerdict(1, "host-budget", self.write("b.json", {"daemon": {"budget_kib": 0}}))
        self.assertVerdict(1, "host-budget", self.write("c.json", {"daemon": {"budget_kib": "800"}}))

    def test_real_guest_saved(self):
        self.assertVerdict(0, "real-guest-saved", self.write("a.json", {"domains": [{"name": "rg1"}]}))
        self.assertVerdict(1, "real-guest-saved", self.write("b.json", {"domains": [{"name": "rg2"}]}))

    def test_system_same_state(self):
        self.write("status.json", {"daemon": {"updated_ms": 5}})
        self.write("remote.json", {"daemon": {"updated_ms": 5}})
        self.assertVerdict(0, "system-same-state", self.dir)
        self.write("remote.json", {"daemon": {"updated_ms": 6}})
        self.assertVerdict(1, "system-same-state", self.dir)
        self.write("remote.json", {"daemon": None})
        self.assertVerdict(0, "system-same-state", self.dir)

    def test_unknown(self):
        self.assertEqual(run("no-such-verdict")[0], 2)


class RealGuest(Dir):
    """rg1: small working set (16 MiB), large (300 MiB), small again; rg2
    without an agent, its metadata min-mib 384 set halfway."""
    MAX, SMALL, LARGE = 768, 16, 300

    def samples(self, large_mib=400):
        lines = []
        for t in range(70):
            phase = 0 if t < 20 else 1 if t < 50 else 2
            rg1 = 200 if phase != 1 else min(large_mib, 200 + 20 * (t - 20))
            rg2, meta = (512 - 4 * t, "0") if t < 35 else (384, "1")
            lines.append(f"{t}\t{rg1 * MIB}\t{phase}\t{rg2 * MIB}\t{meta}")
        return self.write("samples.tsv", "\n".join(lines) + "\n")

    def status(self, rg1_source="agent"):
        return self.write("status.json", {"daemon": {"pid": 1}, "domains": [
            {"name": "rg1", "source": rg1_source, "committed_kib": 60 * MIB, "cached_kib": 100 * MIB,
             "current_kib": 300 * MIB, "controller": {"managed": True, "target_kib": 400 * MIB, "source": "agent"}},
            {"name": "rg2", "source": "balloon-only", "controller": {"managed": True, "source": "balloon-only"}}]})

    def test_follows(self):
        out = self.assertVerdict(0, "real-guest", self.samples(), self.status(), self.MAX, self.SMALL, self.LARGE)
        self.assertNotIn("FAIL", out)

    def test_never_grows(self):
        out = self.assertVerdict(1, "real-guest", self.samples(large_mib=250), self.status(), self.MAX, self.SMALL,
                                 self.LARGE)
        self.assertIn("FAIL large working set", out)

    def test_not_from_agent(self):
        out = self.assertVerdict(1, "real-guest", self.samples(), self.status("balloon-only"), self.MAX, self.SMALL,
                                 self.LARGE)
        self.assertIn("FAIL status source is balloon-only", out)


TABLE = ("host: budget 2.00 GiB, held 512 MiB\n"
         "NAME   STATE  CURRENT  TARGET   MAX       COMMITTED  CACHED  ACTIVE(FILE)  MARGIN   WEIGHT  SOURCE  LAST CHANGE\n"
         "bcsys  {st:<5}  240 MiB  {tg:<7}  512 MiB   100 MiB    50 MiB  10 MiB        {mg:<7}  100     agent   {lc}\n")


class System(Dir):
    """An idle guest of 512 MiB, shrunk to 240 MiB (Committed_AS 100 MiB +
    margin 128 MiB)."""

    def outputs(self):
        st = {"daemon": {"pid": 1, "updated_ms": 1000}, "domains": [
            {"name": "bcsys", "source": "agent", "committed_kib": 100 * MIB,
             "controller": {"managed": True, "state": "DOWN", "target_kib": 230 * MIB, "margin_kib": 128 * MIB,
                            "source": "agent"}}]}
        self.write("status.json", st)
        self.write("remote.json", st)
        own = TABLE.format(st="DOWN", tg="230 MiB", mg="128 MiB", lc="3s ago 512 MiB -> 240 MiB")
        self.write("status.txt", own)
        self.write("remote.txt", own)
        self.write("other.txt", TABLE.format(st="-", tg="-", mg="-", lc="-"))

    def test_shrunk(self):
        self.outputs()
        out = self.assertVerdict(0, "system", self.dir, "bcsys", 512, 240 * MIB, "0:512", "5:480", "20:300")
        self.assertNotIn("FAIL", out)

    def test_not_shrunk(self):
        self.outputs()
        out = self.assertVerdict(1, "system", self.dir, "bcsys", 512, 500 * MIB, "0:512", "40:500")
        self.assertIn("FAIL the daemon shrinks the idle guest within 30 s", out)

    def test_other_host_shows_the_daemon(self):
        self.outputs()
        self.write("other.txt", TABLE.format(st="DOWN", tg="230 MiB", mg="128 MiB", lc="-"))
        out = self.assertVerdict(1, "system", self.dir, "bcsys", 512, 240 * MIB, "0:512", "5:480")
        self.assertIn("FAIL another host's URI", out)


class Liar(Dir):
    """h1, h2 honest, l3 the liar, under an 800 MiB budget; then weights
    300:100:100."""
    ARGS = (800, 10, 16, 8, 15, 8)  # budget, memory %, MiB, hit points, share %, jitter

    def outputs(self, l3_liar_mib=180):
        held = {"honest": {"h1": 250, "h2": 250, "l3": 200},
                "liar": {"h1": 250, "h2": 250, "l3": l3_liar_mib},
                "weights": {"h1": 420, "h2": 140, "l3": 140}}
        share = {"honest": 0, "liar": 200, "weights": 140}
        rows = []
        for phase, guests in held.items():
            for t in range(5):
                for g, mib in guests.items():
                    rows.append(f"{phase} {t} {g} {mib * MIB} {share[phase] * MIB if g == 'l3' else 0}")
        self.write("samples.tsv", "\n".join(rows) + "\n")
        for phase in held:
            for g in ("h1", "h2"):
                self.write(f"{phase}.{g}.w0", "0 0 0")
                self.write(f"{phase}.{g}.w1", f"{1000 * 1048576} {100 * 1048576} 10")
        self.write("status-weights.json", {"domains": [
            {"name": g, "max_kib": 768 * MIB, "committed_kib": 50 * MIB,
             "controller": {"weight": w, "share_kib": s * MIB, "margin_kib": 64 * MIB,
                            "decision": {"want_kib": 700 * MIB, "budget_held": False}}}
            for g, w, s in (("h1", 300, 420), ("h2", 100, 140), ("l3", 100, 140))]})
        self.write("status-liar.json", {"domains": [{"name": "l3", "committed_kib": 64 << 20}]})

    def test_liar_held(self):
        self.outputs()
        out = self.assertVerdict(0, "liar", self.dir, *self.ARGS)
        self.assertNotIn("FAIL", out)

    def test_liar_above_its_share(self):
        self.outputs(l3_liar_mib=300)
        out = self.assertVerdict(1, "liar", self.dir, *self.ARGS)
        self.assertIn("l3 holds 300 MiB on average, above its share 200 MiB", out)


class VmemMixed(Dir):
    """vm1 (virtio-mem, weight 300) and vb (balloon, weight 100) under a
    640 MiB budget."""
    ARGS = (640, 15, 8)  # budget, share %, jitter

    def outputs(self, vm1=480, vb=160, vb_device="balloon", vb_share=160):
        rows = []
        for t in range(5):
            rows.append(f"{t} vm1 virtio-mem {vm1 * MIB} {vm1 * MIB} {480 * MIB}")
            rows.append(f"{t} vb {vb_device} {vb * MIB} {vb * MIB} {vb_share * MIB}")
        self.write("mixed.tsv", "\n".join(rows) + "\n")
        self.write("status-mixed.json", {"domains": [
            {"name": g, "controller": {"weight": w, "share_kib": s * MIB,
                                       "decision": {"want_kib": 768 * MIB, "budget_held": False}}}
            for g, w, s in (("vm1", 300, 480), ("vb", 100, vb_share))]})

    def test_three_to_one(self):
        self.outputs()
        out = self.assertVerdict(0, "vmem-mixed", self.dir, *self.ARGS)
        self.assertIn("weights 300:100 across mechanisms: 3.00 : 1", out)

    def test_balloon_took_more(self):
        self.outputs(vm1=400, vb=240, vb_share=240)
        out = self.assertVerdict(1, "vmem-mixed", self.dir, *self.ARGS)
        self.assertIn("vm1/vb is 1.67, not 3", out)

    def test_above_share(self):
        self.outputs(vb=200)
        out = self.assertVerdict(1, "vmem-mixed", self.dir, *self.ARGS)
        self.assertIn("vb held 200 MiB, above its share 160 MiB", out)

    def test_over_budget(self):
        self.outputs(vm1=540, vb=180, vb_share=180)
        out = self.assertVerdict(1, "vmem-mixed", self.dir, *self.ARGS)
        self.assertIn("over the 640 MiB budget", out)

    def test_wrong_mechanism(self):
        self.outputs(vb_device="virtio-mem")
        out = self.assertVerdict(1, "vmem-mixed", self.dir, *self.ARGS)
        self.assertIn("vb sized by virtio-mem, not balloon", out)


if __name__ == "__main__":
    unittest.main()
