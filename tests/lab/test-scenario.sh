#!/bin/bash
# test-scenario.sh BALLOONCTL -- the lab in CI (root):
#  1. the paper's scenario, shortened (tests/bench/scenario.sh --scenario ci),
#     with the default policy (a configuration that names none: the daemon
#     must say it runs adaptive; policy=paper runs on real guests in the
#     liar and vmem suites, and this scenario with it by tools/lab), its
#     shape asserted by tests/bench/analyze.py --check: growth and shrink followed
#     in time, never above a guest's max, the guests together never above
#     the host budget, no OOM kill;
#  2. Ctrl-C in the middle of a run tears everything down: no process of the
#     lab user, no domain, no temporary folder left.
# Environment: BC_SCENARIO_POLICIES (the policies of part 1, default
# "default"). Exit 77 (skip) when not root.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BENCH=$(cd "$HERE/../bench" && pwd)  # scenario.sh, analyze.py, oracle-need.json
BIN=${1:?usage: test-scenario.sh BALLOONCTL}
[ "$(id -u)" -eq 0 ] || { echo "scenario: SKIP: needs root"; exit 77; }
export LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache-paper}
OUT=$(mktemp -d /tmp/bc-scenario-out.XXXXXX)   # root's alone: results are copied out as root
# kept when something fails, for a look at the samples and logs
trap 'rc=$?; if [ $rc -eq 0 ]; then rm -rf "$OUT"; else echo "results kept in $OUT"; fi' EXIT

# BC_SCENARIO_POLICIES="paper default" checks paper's shape as well
for policy in ${BC_SCENARIO_POLICIES:-default}; do
    echo "=== 1. shortened paper scenario, policy $policy"
    "$BENCH/scenario.sh" --bin "$BIN" --out "$OUT/$policy" --scenario ci --policy "$policy"
    python3 "$BENCH/analyze.py" "$OUT/$policy" --check --need "$BENCH/oracle-need.json"
    if [ "$policy" = default ]; then
        grep -qE 'host budget .*, policy adaptive( |$)' "$OUT/$policy/daemon.log" ||
            { echo "FAIL the default policy is not adaptive: $(grep -m1 'policy' "$OUT/$policy/daemon.log")"; exit 1; }
        echo "ok   the default policy is adaptive"
    fi
    grep -qE 'ERROR: (Address|Leak)Sanitizer' "$OUT/$policy/daemon.log" &&
        { echo "FAIL sanitizer report in the daemon log ($policy)"; exit 1; }
done

echo "=== 2. Ctrl-C tears the lab down"
lab_procs() { ps -u bclab -o stat=,args= 2>/dev/null | awk '$1 !~ /^Z/' | grep -E 'qemu-system|libvirtd|virtlogd|balloonctl|sampler' || true; }
[ -z "$(lab_procs)" ] || { echo "FAIL lab processes before the test: $(lab_procs)"; exit 1; }
# shellcheck disable=SC2012 # mktemp's names: nothing for ls to mangle
before=$(ls -d /tmp/bclab.* 2>/dev/null | sort || true)
set -m
"$BENCH/scenario.sh" --bin "$BIN" --out "$OUT/interrupted" --scenario ci >"$OUT/interrupted.log" 2>&1 &
pid=$!
set +m
for _ in $(seq 180); do
    # shellcheck disable=SC2009 # counts the QEMUs by their command line, as before
    [ "$(ps -u bclab -o args= | grep -c '[q]emu-system')" -ge 2 ] && pgrep -u bclab -f sampler.py >/dev/null && break
    sleep 1
done
# shellcheck disable=SC2009 # counts the QEMUs by their command line, as before
[ "$(ps -u bclab -o args= | grep -c '[q]emu-system')" -ge 2 ] || { echo "FAIL guests did not start"; cat "$OUT/interrupted.log"; exit 1; }
sleep 3
kill -INT -- "-$pid"          # what Ctrl-C sends: the whole process group
rc=0; wait "$pid" || rc=$?
sleep 2
left=$(lab_procs)
# shellcheck disable=SC2012 # mktemp's names: nothing for ls to mangle
after=$(ls -d /tmp/bclab.* 2>/dev/null | sort || true)
echo "scenario exited $rc after SIGINT"
[ "$rc" -ne 0 ] || { echo "FAIL an interrupted run exited 0"; exit 1; }
[ -z "$left" ] || { echo "FAIL processes left: $left"; exit 1; }
[ "$before" = "$after" ] || { echo "FAIL temporary folders left: $after"; exit 1; }
[ -s "$OUT/interrupted/vm1.csv" ] || { echo "FAIL the interrupted run's samples were not kept"; exit 1; }
echo "ok   nothing left: no lab process, no domain (its daemon and definitions are gone with the folder)"
echo "scenario: PASS"
