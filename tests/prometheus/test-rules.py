#!/usr/bin/env python3
# test-rules.py SRCDIR -- the shipped alerting rules
# (data/prometheus/balloonctl-rules.yml): `promtool check rules`, `promtool
# test rules` with tests/prometheus/balloonctl-rules.test.yml, then the
# tests' own worth: each mutation below breaks one alert's expression (a
# condition dropped, a comparison turned, a threshold moved, its `for`
# removed) in a copy of the rules, and `promtool test rules` must fail on
# it; and every series they name is one /metrics serves.  Skipped (77)
# without promtool (package prometheus).  TAP output.
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = sys.argv[1]
RULES = os.path.join(SRC, "data", "prometheus", "balloonctl-rules.yml")
TESTS = os.path.join(SRC, "tests", "prometheus", "balloonctl-rules.test.yml")
SAMPLE = os.path.join(SRC, "tests", "expected", "metrics.txt")

# (what it breaks, text in the rules, its replacement): each text must be
# in the rules once, so that a change to the rules cannot leave a mutation
# that no longer applies.
MUTATIONS = [
    ("Down: any job", 'up{job="balloonctl"} == 0', "up == 0"),
    ("Down: no for", "== 0\n        for: 5m", "== 0\n        for: 0m"),
    ("NotPassing: time() for the scrape's time",
     "timestamp(balloonctl_last_pass_timestamp_seconds) - balloonctl_last_pass_timestamp_seconds",
     "time() - balloonctl_last_pass_timestamp_seconds"),
    ("NotPassing: no 30 s floor", "clamp_min(5 * balloonctl_apply_interval_seconds, 30)",
     "5 * balloonctl_apply_interval_seconds"),
    ("NotPassing: interval ignored", "clamp_min(5 * balloonctl_apply_interval_seconds, 30)", "30"),
    ("NotPassing: alerts while libvirt is away",
     "unless on (instance, job) (balloonctl_libvirt_connected == 0)", ""),
    ("NotPassing: for 10m", "> clamp_min(5 * balloonctl_apply_interval_seconds, 30)\n          )\n          unless on (instance, job) (balloonctl_libvirt_connected == 0)\n        for: 2m",
     "> clamp_min(5 * balloonctl_apply_interval_seconds, 30)\n          )\n          unless on (instance, job) (balloonctl_libvirt_connected == 0)\n        for: 10m"),
    ("LibvirtDisconnected: no for", "expr: balloonctl_libvirt_connected == 0\n        for: 1m",
     "expr: balloonctl_libvirt_connected == 0\n        for: 0m"),
    ("LibvirtDisconnected: turned", "expr: balloonctl_libvirt_connected == 0", "expr: balloonctl_libvirt_connected == 1"),
    ("LibvirtFlapping: threshold 1", "increase(balloonctl_reconnects_total[30m]) > 3.5",
     "increase(balloonctl_reconnects_total[30m]) > 1"),
    ("LibvirtFlapping: threshold 40", "increase(balloonctl_reconnects_total[30m]) > 3.5",
     "increase(balloonctl_reconnects_total[30m]) > 40"),
    ("LibvirtFlapping: 3 extrapolated to 3.1 fires", "increase(balloonctl_reconnects_total[30m]) > 3.5",
     "increase(balloonctl_reconnects_total[30m]) > 3"),
    ("HostBudgetExceeded: turned", "balloonctl_host_held_bytes > balloonctl_host_budget_bytes",
     "balloonctl_host_held_bytes < balloonctl_host_budget_bytes"),
    ("HostBudgetExceeded: budget 0 counts", "\n            and on (instance, job) balloonctl_host_budget_bytes > 0", ""),
    ("HostBudgetExceeded: for 5m", "balloonctl_host_budget_bytes > 0\n        for: 10m",
     "balloonctl_host_budget_bytes > 0\n        for: 5m"),
    ("HeldStale: turned", "balloonctl_domain_held_stale == 1\n        for: 10m", "balloonctl_domain_held_stale == 0\n        for: 10m"),
    ("HeldStale: for 5m", "balloonctl_domain_held_stale == 1\n        for: 10m", "balloonctl_domain_held_stale == 1\n        for: 5m"),
    ("Starved: not capped counts", "\n            and (balloonctl_domain_target_bytes < balloonctl_domain_wanted_bytes)", ""),
    ("Starved: any refaults", "rate(balloonctl_domain_refaults_total[5m]) > 256",
     "rate(balloonctl_domain_refaults_total[5m]) > 0"),
    ("Starved: capped turned", "(balloonctl_domain_target_bytes < balloonctl_domain_wanted_bytes)",
     "(balloonctl_domain_target_bytes >= balloonctl_domain_wanted_bytes)"),
    ("NotSized: no settings errors", "balloonctl_domain_settings_error == 1\n", "balloonctl_domain_settings_error == 2\n"),
    ("NotSized: a target does not count", "\n              unless balloonctl_domain_target_bytes", ""),
    ("NotSized: held on stale counts", "\n              unless (balloonctl_domain_held_stale == 1)", ""),
    ("NotSized: unmanaged count", "balloonctl_domain_managed == 1\n", "balloonctl_domain_managed >= 0\n"),
    ("ApplyFailures: threshold 1", "increase(balloonctl_apply_failures_total[15m]) > 3.5",
     "increase(balloonctl_apply_failures_total[15m]) > 1"),
    ("ApplyFailures: threshold 20", "increase(balloonctl_apply_failures_total[15m]) > 3.5",
     "increase(balloonctl_apply_failures_total[15m]) > 20"),
    ("ApplyFailures: 3 extrapolated to 3.2 fires", "increase(balloonctl_apply_failures_total[15m]) > 3.5",
     "increase(balloonctl_apply_failures_total[15m]) > 3"),
]

n = 0
failed = 0


def result(name, why=""):
    global n, failed
    n += 1
    if why:
        failed += 1
        print(f"not ok {n} - {name}: {why}")
    else:
        print(f"ok {n} - {name}")
    sys.stdout.flush()


def promtool(*args, cwd=None):
    p = subprocess.run(["promtool", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=60)
    return p.returncode, p.stdout


def one_line(text):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-6:])


if shutil.which("promtool") is None:
    print("1..0 # SKIP no promtool (package prometheus)")
    sys.exit(77)

rc, out = promtool("check", "rules", RULES)
result("promtool check rules", "" if rc == 0 else one_line(out))
rc, out = promtool("test", "rules", TESTS)
result("promtool test rules", "" if rc == 0 else one_line(out))

rules = open(RULES).read()
tests = open(TESTS).read()

# A series misspelt in a rule and in its tests alike would pass them: every
# balloonctl_ name of both must be a family of the exposition (the unit
# test's text, which has them all).
families = set(re.findall(r"^# TYPE (\S+) ", open(SAMPLE).read(), re.M))
unknown = sorted(set(re.findall(r"\bballoonctl_[a-z_]+", rules + tests)) - families)
result("every series the rules and their tests name is served", " ".join(unknown))
with tempfile.TemporaryDirectory() as tmp:
    # the tests name the rules by a relative path: the same layout
    os.makedirs(os.path.join(tmp, "data", "prometheus"))
    os.makedirs(os.path.join(tmp, "tests", "prometheus"))
    tmp_rules = os.path.join(tmp, "data", "prometheus", "balloonctl-rules.yml")
    tmp_tests = os.path.join(tmp, "tests", "prometheus", "balloonctl-rules.test.yml")
    open(tmp_tests, "w").write(tests)
    for name, old, new in MUTATIONS:
        count = rules.count(old)
        if count != 1:
            result(f"mutation '{name}' fails the tests", f"its text is in the rules {count} times, not once")
            continue
        open(tmp_rules, "w").write(rules.replace(old, new))
        rc, out = promtool("check", "rules", tmp_rules)
        if rc != 0:
            result(f"mutation '{name}' fails the tests", f"the mutated rules are not valid: {one_line(out)}")
            continue
        rc, out = promtool("test", "rules", tmp_tests)
        result(f"mutation '{name}' fails the tests", "promtool test rules passed on it" if rc == 0 else "")

print(f"1..{n}")
print(f"# {n - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
