#!/bin/bash
# test-host-budget.sh -- the budget follows a small host (run as root).
#
# A small host modelled by a memory cgroup around the lab's QEMU processes
# (cgroup v2 memory.max where /sys/fs/cgroup is cgroup2, else the cgroup
# v1 memory controller's memory.limit_in_bytes), read by the daemon as its
# host ([host] cgroup).  Two busybox guests of 512 MiB, each wanting its
# maximum, first touch 400 MiB (so that their memory is resident, as a
# long-running guest's is), then idle.  The cgroup's limit is set to what
# they use plus reserve-mib plus SLACK_MIB.  Then a process in the cgroup
# takes EAT_MIB, RAMP_MIB a second, holds it HOLD_S seconds and exits.
# Checks:
#   - the guests' total drops by about EAT_MIB - SLACK_MIB (at least half
#     of EAT_MIB - SLACK_MIB), the time it takes measured;
#   - no QEMU is OOM-killed (both domains still run, the cgroup's OOM
#     count unchanged) and the eating process completes;
#   - after it ends the guests grow back within GROW_S seconds;
#   - status --json shows the budget in force.
# Usage: test-host-budget.sh BALLOONCTL.  Exit 77 (skip) when not root or
# no memory cgroup can be made.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: test-host-budget.sh BALLOONCTL}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-hb}
MAX_MIB=512 TOUCH_MIB=400 RESERVE_MIB=64 SLACK_MIB=64
EAT_MIB=${EAT_MIB:-384} RAMP_MIB=16 HOLD_S=20 GROW_S=90
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE

say() { echo "host-budget: $*"; }
fail() { echo "host-budget: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "SKIP: needs root (creates user bclab and a cgroup)"; exit 77; }

# the cgroup: v2 or v1, its file names
CG=
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
    CG=/sys/fs/cgroup/bclab-hb.$$ CG_MAX=memory.max CG_CUR=memory.current
elif [ -d /sys/fs/cgroup/memory ] && [ -w /sys/fs/cgroup/memory ]; then
    CG=/sys/fs/cgroup/memory/bclab-hb.$$ CG_MAX=memory.limit_in_bytes CG_CUR=memory.usage_in_bytes
fi
if [ -z "$CG" ] || ! mkdir "$CG" 2>/dev/null; then
    say "SKIP: cannot make a memory cgroup under /sys/fs/cgroup"
    exit 77
fi
trap 'rmdir "$CG" 2>/dev/null' EXIT
# v1: a moved process's pages move with it where the kernel still can;
# the QEMUs move in before their guests touch most of their memory anyway
{ echo 3 >"$CG/memory.move_charge_at_immigrate"; } 2>/dev/null || true
echo $((4096 * 1048576)) >"$CG/$CG_MAX"
cg_cur_mib() { echo $(( $(cat "$CG/$CG_CUR") / 1048576 )); }
cg_ooms() {
    if [ -f "$CG/memory.events" ]; then awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events"
    else awk '$1 == "oom_kill" { print $2 }' "$CG/memory.oom_control"; fi
}

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_CACHE" 300 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID='' EATER_PID=''
cleanup() {
    local rc=$?
    [ -n "$EATER_PID" ] && kill "$EATER_PID" 2>/dev/null
    (lab_test_exit "$rc" "${DLOG:-}") || rc=$?
    # the cgroup is empty once the lab is torn down
    [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "host-budget: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
# a margin that asks every guest's maximum: only the budget holds them
printf '[margin]\ninitial-mib=1024\nmin-mib=1024\nmax-mib=1024\n[host]\nreserve-mib=%d\ncgroup=%s\n[domain]\nmin-mib=128\n' \
    "$RESERVE_MIB" "$CG" >"$CONF"
chmod 0644 "$CONF"
DLOG=$LAB_DIR/daemon.log
actual_kib() { lab_run virsh dommemstat "$1" 2>/dev/null | awk '$1 == "actual" { print $2 }'; }
total_mib() { echo $(( ($(actual_kib hb1) + $(actual_kib hb2)) / 1024 )); }
running() { [ "$(lab_run virsh domstate "$1" 2>/dev/null | head -1)" = running ]; }
t_s() { echo $(( ($(date +%s%N) - T0) / 1000000 )) | awk '{ printf "%.1f", $1 / 1000 }'; }

echo "=== boot hb1, hb2: $MAX_MIB MiB each, touch $TOUCH_MIB MiB, then idle; QEMU in $CG"
for g in hb1 hb2; do
    lab_define_guest "$g" "$MAX_MIB" "$MAX_MIB" "40:anon:$TOUCH_MIB,900:idle" || fail "cannot start $g"
    pid=$(pgrep -u "$LAB_USER" -f "guest=$g," | head -1)
    [ -n "$pid" ] || fail "no QEMU process for $g"
    echo "$pid" >"$CG/cgroup.procs"
done
for g in hb1 hb2; do
    for _ in $(seq 240); do grep -q "^bc-phase 1 " "$LAB_DIR/$g.console.log" 2>/dev/null && break; sleep 0.5; done
    grep -q "^bc-phase 1 " "$LAB_DIR/$g.console.log" || fail "$g did not finish touching its memory"
done
sleep 2
U0=$(cg_cur_mib)
LIMIT=$((U0 + RESERVE_MIB + SLACK_MIB))
echo $((LIMIT * 1048576)) >"$CG/$CG_MAX"
OOM0=$(cg_ooms)
say "cgroup: QEMUs use $U0 MiB, limit $LIMIT MiB (+ reserve $RESERVE_MIB + slack $SLACK_MIB)"

echo "=== balloonctl run"
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run >"$DLOG" 2>&1 &
DAEMON_PID=$!
sleep 10
BASE=$(total_mib)
[ "$BASE" -ge $((2 * MAX_MIB - 32)) ] || fail "the guests hold $BASE MiB before the eater, not their $((2 * MAX_MIB)) MiB"
say "before: guests $BASE MiB, cgroup $(cg_cur_mib) MiB of $LIMIT"

echo "=== a process in the cgroup takes $EAT_MIB MiB, $RAMP_MIB MiB/s, holds it $HOLD_S s"
cat >"$LAB_DIR/eat.py" <<'PY'
import sys, time
total, ramp, hold = (int(a) for a in sys.argv[1:4])
chunks = []
while len(chunks) * ramp < total:
    b = bytearray(ramp << 20)
    for i in range(0, len(b), 4096):
        b[i] = 1
    chunks.append(b)
    time.sleep(1)
print("held", len(chunks) * ramp, flush=True)
time.sleep(hold)
PY
T0=$(date +%s%N)
sh -c 'echo $$ >"$1/cgroup.procs"; exec python3 "$2" "$3" "$4" "$5"' sh "$CG" "$LAB_DIR/eat.py" "$EAT_MIB" "$RAMP_MIB" "$HOLD_S" \
    >"$LAB_DIR/eat.log" 2>&1 &
EATER_PID=$!
want_drop=$((EAT_MIB - SLACK_MIB))
low=$BASE t_low='' t_held='' t_half=''
while kill -0 "$EATER_PID" 2>/dev/null; do
    tot=$(total_mib)
    [ "$tot" -lt "$low" ] && { low=$tot; t_low=$(t_s); }
    [ -z "$t_held" ] && grep -q held "$LAB_DIR/eat.log" && t_held=$(t_s)
    [ -z "$t_half" ] && [ $((BASE - tot)) -ge $((want_drop * 8 / 10)) ] && t_half=$(t_s)
    say "t=$(t_s)s guests $tot MiB cgroup $(cg_cur_mib) MiB"
    sleep 1
done
EATER_RC=0; wait "$EATER_PID" || EATER_RC=$?
EATER_PID=
T_END=$(t_s)
{ [ "$EATER_RC" -eq 0 ] && grep -q "^held $EAT_MIB" "$LAB_DIR/eat.log"; } ||
    fail "the eating process did not complete (exit $EATER_RC: $(tail -2 "$LAB_DIR/eat.log"))"
{ running hb1 && running hb2; } || fail "a guest is gone: hb1 $(lab_run virsh domstate hb1) hb2 $(lab_run virsh domstate hb2)"
[ "$(cg_ooms)" = "$OOM0" ] || fail "the cgroup's OOM killer ran ($OOM0 -> $(cg_ooms) kills)"
drop=$((BASE - low))
say "eater held $EAT_MIB MiB at t=${t_held}s, ended at t=${T_END}s; guests $BASE -> $low MiB (drop $drop MiB, expected ~$want_drop) at t=${t_low}s; 80 % of it by t=${t_half:-never}s"
[ "$drop" -ge $((want_drop / 2)) ] || fail "the guests gave back $drop MiB for the $EAT_MIB MiB taken (expected ~$want_drop)"
echo "ok   the guests gave back $drop MiB while a host process took $EAT_MIB MiB; no QEMU OOM-killed"

echo "=== after: the guests grow back"
back=
for i in $(seq "$GROW_S"); do
    tot=$(total_mib)
    [ $((i % 5)) -eq 0 ] && say "t=$(t_s)s guests $tot MiB cgroup $(cg_cur_mib) MiB"
    [ "$tot" -ge $((BASE - 32)) ] && { back=$(t_s); break; }
    sleep 1
done
[ -n "$back" ] || fail "the guests hold $(total_mib) MiB $GROW_S s after the eater ended, not back near $BASE MiB"
say "guests back to $tot MiB at t=${back}s ($(awk -v a="$back" -v b="$T_END" 'BEGIN { printf "%.1f", a - b }') s after the eater ended)"
echo "ok   the guests grew back"

lab_run "$BIN" --config "$CONF" status --json >"$LAB_DIR/status.json"
python3 "$HERE/verdicts.py" host-budget "$LAB_DIR/status.json" || fail "status --json does not show the budget"
grep -E "host budget|host figures" "$DLOG" | head -3 || true

kill -TERM "$(pgrep -u "$LAB_USER" -f "^$BIN --config $CONF -v run" | head -1)"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
grep -qE 'ERROR: (Address|Leak)Sanitizer' "$DLOG" && fail "sanitizer report in daemon log"
grep -q "host figures:" "$DLOG" && fail "the daemon could not read the host's figures: $(grep 'host figures:' "$DLOG" | head -1)"
echo "host-budget: PASS"
