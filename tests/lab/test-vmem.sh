#!/bin/bash
# test-vmem.sh -- balloonctl sizing a real guest with virtio-mem (run as root).
#
# A private qemu:///session libvirtd of the unprivileged user bclab boots a
# busybox guest vm1 (1 vCPU under TCG) with 256 MiB of boot memory in one
# NUMA cell and a virtio-mem device of 512 MiB in 2 MiB blocks, all of it
# requested at boot, the kernel told to online hot-plugged memory movable
# (memhp_default_state=online_movable, so that it can be unplugged again).
# Its workload reads at random from a small file set, then a large one.
# `balloonctl run` manages it.  Checks:
#   - the daemon takes the domain as sized by virtio-mem;
#   - small working set: the plugged size comes down (shrink when idle);
#   - large working set: it goes up again (grow), and the guest's MemTotal
#     with it (memory that really leaves and comes back);
#   - every request the daemon made and left standing for 20 s, the guest
#     plugged or unplugged (the plugged size follows the requests);
#   - the balloon took nothing (QEMU's balloon size stays the boot memory);
#   - no failed call, no OOM kill or panic, a clean SIGTERM.
# Then a mixed host: vm1 (virtio-mem, weight 300 in its metadata) goes on
# reading its large working set beside vb, a balloon guest (weight 100)
# reading the same, under a fixed budget of MIX_BUDGET_MIB that holds
# neither (policy=paper with a margin of at least their maximum: both want
# all of it).  Checks, over MEASURE_S seconds after SETTLE_S: the guests'
# sizes as libvirt reports them (vm1: boot memory + plugged; vb: the
# balloon) are 3:1 within SHARE_TOL_PCT %, each at most its share, and
# together never above the budget (+ JITTER_MIB): one budget and one set of
# weights across both mechanisms.
# Last, two guests whose devices cannot follow, under one daemon: vm2,
# whose kernel may not load virtio_mem (module_blacklist), so that it plugs
# nothing, with a floor above its boot memory (min-mib 384, its metadata);
# and vm3, all 512 MiB plugged, whose driver will not unplug online memory
# (virtio_mem.unplug_online=0: what unmovable pages do to an unplug, made
# certain), idle.  For each the daemon asks once (the size being what is
# plugged, the request stands until the guest moves), sees the request not
# followed, says it once, withdraws it to what the guest holds and asks
# nothing more in that direction: two calls in all, no loop.
# Usage: test-vmem.sh BALLOONCTL
# Environment: LAB_CACHE (guest build dir), BC_LAB_DIR (<= 40 chars),
#   BC_PHASE_S (seconds of the small working set, default 40; the large
#   one has twice as long), BC_STALL_S (seconds of the daemon on vm2 and
#   vm3, default 40), SETTLE_S and MEASURE_S (the mixed host, default 30
#   each).
# Prints "vmem: PASS" or "vmem: FAIL: reason"; exit 77 (skip) when not root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: test-vmem.sh BALLOONCTL}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-vmem}
PHASE_S=${BC_PHASE_S:-40}
STALL_S=${BC_STALL_S:-40}
SETTLE_S=${SETTLE_S:-30} MEASURE_S=${MEASURE_S:-30}
SMALL=16 LARGE=300 BOOT_MIB=256 VMEM_MIB=512
MIX_BUDGET_MIB=640 SHARE_TOL_PCT=15 JITTER_MIB=8
NAME=vm1
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE

fail() { echo "vmem: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "vmem: SKIP: needs root (creates user bclab)"; exit 77; }

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_CACHE" "$LARGE" 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID=
cleanup() { lab_test_exit $? "${DLOG:-}" "${CLOG:-}" "${DLOG2:-}" "${DLOG3:-}"; }
trap cleanup EXIT
trap 'echo "vmem: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
# policy=paper: its margin grows a step (64 MiB) every 5 s while the cache
# grows or refaults, so the growth shows within the phase even on a loaded
# machine, where TCG reads slowly and adaptive grows only as fast as the
# guest refaults (one run under a load average of 12 plugged 12 MiB in 80 s)
printf '[controller]\npolicy=paper\n[domain]\nmin-mib=128\n' >"$CONF"
chmod 0644 "$CONF"
SAMPLES=$LAB_DIR/samples.tsv
DLOG=$LAB_DIR/daemon.log
CLOG=$LAB_DIR/$NAME.console.log

# after the two phases it goes on reading the large set, for the mixed host
PHASES="$PHASE_S:read:$SMALL,$((2 * PHASE_S)):read:$LARGE,600:read:$LARGE"
echo "=== boot $NAME: $BOOT_MIB MiB + virtio-mem $VMEM_MIB MiB, phases $PHASES"
LAB_VMEM_MIB=$VMEM_MIB LAB_CMDLINE_EXTRA=memhp_default_state=online_movable \
    lab_define_guest "$NAME" "$BOOT_MIB" "$BOOT_MIB" "$PHASES" || fail "cannot start guest"
lab_wait_agent "$NAME" 180 >/dev/null || fail "guest agent did not answer"

# stop_daemon WHAT: SIGTERM the daemon, which must exit 0
stop_daemon() {
    local rc=0
    pkill -TERM -u "$LAB_USER" -f "^$BIN " || true
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    [ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM ($1)"
}
# start_daemon CONF LOG
start_daemon() {
    lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        "$BIN" --config "$1" -v run >"$2" 2>&1 &
    DAEMON_PID=$!
}

echo "=== balloonctl run"
start_daemon "$CONF" "$DLOG"
t0=$(date +%s)

# One sample a second: elapsed, phase, requested and plugged (KiB), QEMU's
# balloon size (KiB).
device() { lab_vmem_sizes "${1:-$NAME}"; }
# the workload's phase from its console lines (the agent is slow to ask
# while the guest reads)
phase_of() { echo $(( $(grep -c '^bc-phase ' "$CLOG") - 1 )); }
balloon_kib() { lab_run virsh dommemstat "$NAME" 2>/dev/null | awk '$1 == "actual" { print $2 }'; }
memtotal_kib() { lab_guest_cat "$NAME" /proc/meminfo 2>/dev/null | awk '$1 == "MemTotal:" { print $2 }'; }
: >"$SAMPLES"
end=$((t0 + 3 * PHASE_S))
memtotal_small='' memtotal_large=''
while [ "$(date +%s)" -lt "$end" ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited early: $(tail -5 "$DLOG")"
    now=$(( $(date +%s) - t0 ))
    read -r req plugged <<<"$(device)" || true
    printf '%s\t%s\t%s\t%s\t%s\n' "$now" "$(phase_of || true)" "${req:-}" "${plugged:-}" "$(balloon_kib)" >>"$SAMPLES"
    if [ -z "$memtotal_small" ] && [ "$now" -ge $((PHASE_S - 5)) ]; then memtotal_small=$(memtotal_kib); fi
    sleep 1
done
memtotal_large=$(memtotal_kib)
echo "=== balloonctl status"
lab_run "$BIN" --config "$CONF" status || true

echo "=== SIGTERM"
stop_daemon "$NAME alone"
echo "ok   daemon exited 0 on SIGTERM"

grep -q "$NAME: sized by virtio-mem" "$DLOG" || fail "the daemon did not take $NAME as sized by virtio-mem"
echo "ok   $(grep -o "$NAME: sized by virtio-mem.*" "$DLOG" | head -1)"
! grep -qE "failed|does not follow" "$DLOG" || fail "a call failed or a request was not followed: $(grep -E 'failed|does not follow' "$DLOG" | head -3)"
echo "ok   no failed call, no request left unfollowed"
echo "changes made: $(grep -c -- ' KiB: ' "$DLOG")"
python3 - "$SAMPLES" "$BOOT_MIB" "$VMEM_MIB" "${memtotal_small:-0}" "${memtotal_large:-0}" <<'PY' || fail "see above"
import sys
samples, boot, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mt_small, mt_large = int(sys.argv[4]) // 1024, int(sys.argv[5]) // 1024
rows = []
for line in open(samples):
    t, ph, req, plugged, balloon = (line.rstrip("\n").split("\t") + [""] * 5)[:5]
    if ph and req and plugged:
        rows.append((int(t), int(ph), int(req) // 1024, int(plugged) // 1024, int(balloon or 0) // 1024))
ok = True
def check(cond, msg):
    global ok
    print(("ok   " if cond else "FAIL ") + msg)
    ok = ok and cond
by = {p: [r for r in rows if r[1] == p] for p in (0, 1)}
for p in (0, 1):
    check(len(by[p]) > 8, f"phase {p}: {len(by[p])} samples")
if not ok:
    sys.exit(1)
low = min(r[3] for r in by[0][len(by[0]) // 2:])
low_at = next(r[0] for r in by[0] if r[3] == low)
high = max(r[3] for r in by[1])
high_at = next(r[0] for r in by[1] if r[3] == high)
print(f"plugged (MiB): at start {by[0][0][3]}, lowest in the small phase {low} at {low_at} s, "
      f"highest in the large phase {high} at {high_at} s (the phase began at {by[1][0][0]} s)")
print(f"guest MemTotal (MiB): end of small phase {mt_small}, end of large phase {mt_large}")
check(low <= size - 256, f"shrink when idle: plugged came down to {low} MiB of {size}")
check(high >= low + 96, f"grow with the working set: plugged rose to {high} MiB from {low}")
check(mt_large - mt_small >= 64, f"the guest's MemTotal moved with it: {mt_small} -> {mt_large} MiB")
# requests come every few seconds while it grows: plugged is found equal
# to the request at (nearly) every sample
equal = sum(1 for r in rows if r[2] == r[3])
check(equal >= 0.8 * len(rows), f"plugged equal to the request at {equal} of {len(rows)} samples")
# every request that stood 10 s was reached within them
runs, start = [], 0
for i in range(1, len(rows) + 1):
    if i == len(rows) or rows[i][2] != rows[start][2]:
        runs.append(rows[start:i])
        start = i
followed, waits = 0, []
for run in runs:
    if run[-1][0] - run[0][0] < 10:
        continue
    reached = next((r[0] for r in run if r[3] == r[2]), None)
    check(reached is not None and reached - run[0][0] <= 10,
          f"request {run[0][2]} MiB at {run[0][0]} s: plugged reached it"
          + (f" after {reached - run[0][0]} s" if reached is not None else " never"))
    if reached is not None:
        waits.append(reached - run[0][0])
print(f"requests that stood 10 s: {len(waits)}, plugged reached each within {max(waits) if waits else '-'} s (one sample every 1-5 s)")
check(all(r[4] >= boot - 4 for r in rows if r[4]), f"the balloon took nothing: QEMU's balloon at least {boot - 4} MiB throughout")
sys.exit(0 if ok else 1)
PY
grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$CLOG" &&
    fail "guest kernel complained: $(grep -iE 'out of memory|oom|panic|call trace' "$CLOG" | head -3)"
echo "ok   no OOM kill or panic in the guest console"

echo "=== mixed host: $NAME (virtio-mem, weight 300) and vb (balloon, weight 100), budget $MIX_BUDGET_MIB MiB"
lab_define_guest vb "$BOOT_MIB" $((BOOT_MIB + VMEM_MIB)) "600:read:$LARGE" || fail "cannot start vb"
lab_wait_agent vb 180 >/dev/null || fail "vb's agent did not answer"
lab_run virsh -q metadata "$NAME" http://balloonctl.org/xmlns/domain/1.0 --key balloonctl --live \
    --set '<policy><weight>300</weight></policy>' >/dev/null || fail "cannot set $NAME's weight"
DLOG3=$LAB_DIR/daemon-mixed.log
CONF3=$LAB_DIR/balloonctl-mixed.conf
# a margin of at least their maximum: both guests want all of it (768 MiB)
# and keep wanting it, so both are capped at their shares
printf '[controller]\npolicy=paper\n[host]\nfollow=false\nbudget-mib=%d\n[margin]\ninitial-mib=1024\nmin-mib=768\n[domain]\nmin-mib=128\n' \
    "$MIX_BUDGET_MIB" >"$CONF3"
chmod 0644 "$CONF3"
start_daemon "$CONF3" "$DLOG3"
sleep "$SETTLE_S"
MIXED=$LAB_DIR/mixed.tsv
: >"$MIXED"
# one line a domain a second: T NAME MECHANISM LIBVIRT_KIB DAEMON_KIB SHARE_KIB;
# libvirt's size: boot memory + plugged for vm1, the balloon for vb
t0=$SECONDS
while [ $((SECONDS - t0)) -lt "$MEASURE_S" ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited early: $(tail -5 "$DLOG3")"
    read -r _ plugged <<<"$(device)" || true
    vb_kib=$(lab_run virsh dommemstat vb 2>/dev/null | awk '$1 == "actual" { print $2 }')
    lab_run "$BIN" --config "$CONF3" status --json --no-agent 2>/dev/null | python3 -c '
import json, sys
t, vm1_kib, vb_kib = sys.argv[1:4]
libvirt = {"vm1": vm1_kib, "vb": vb_kib}
for d in json.load(sys.stdin)["domains"]:
    c = d.get("controller") or {}
    print(t, d["name"], c.get("memory_device", "-"), libvirt.get(d["name"]) or 0, d["current_kib"], c.get("share_kib") or 0)
' $((SECONDS - t0)) $((BOOT_MIB * 1024 + ${plugged:-0})) "${vb_kib:-0}" >>"$MIXED" || true
    sleep 1
done
lab_run "$BIN" --config "$CONF3" status --json --no-agent >"$LAB_DIR/status-mixed.json" || fail "status --json failed"
lab_run "$BIN" --config "$CONF3" status --no-agent || true
stop_daemon "mixed host"
python3 "$HERE/verdicts.py" vmem-mixed "$LAB_DIR" "$MIX_BUDGET_MIB" "$SHARE_TOL_PCT" "$JITTER_MIB" || fail "see above"
! grep -q "failed" "$DLOG3" || fail "a call failed: $(grep failed "$DLOG3" | head -3)"
for g in "$NAME" vb; do
    grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$LAB_DIR/$g.console.log" &&
        fail "$g's kernel complained: $(grep -iE 'out of memory|oom|panic|call trace' "$LAB_DIR/$g.console.log" | head -3)"
done
echo "ok   no failed call, no OOM kill or panic in $NAME or vb"
lab_run virsh -q destroy "$NAME" >/dev/null
lab_run virsh -q destroy vb >/dev/null

echo "=== vm2: no virtio_mem driver, a floor of 384 MiB; vm3: will not unplug online memory"
LAB_VMEM_MIB=$VMEM_MIB LAB_VMEM_REQ_MIB=0 LAB_CMDLINE_EXTRA="memhp_default_state=online_movable module_blacklist=virtio_mem" \
    lab_define_guest vm2 "$BOOT_MIB" "$BOOT_MIB" "600:idle" || fail "cannot start vm2"
LAB_VMEM_MIB=$VMEM_MIB LAB_CMDLINE_EXTRA="memhp_default_state=online_movable virtio_mem.unplug_online=0" \
    lab_define_guest vm3 "$BOOT_MIB" "$BOOT_MIB" "600:idle" || fail "cannot start vm3"
for g in vm2 vm3; do
    lab_wait_agent "$g" 180 >/dev/null || fail "$g's agent did not answer"
done
# its driver plugs what was requested as it loads, which may end after
# the agent answers
lab_wait_vmem vm3 "$VMEM_MIB" || fail "vm3 did not plug all $VMEM_MIB MiB at boot"
unplug_online=$(lab_guest_cat vm3 /sys/module/virtio_mem/parameters/unplug_online) || true
[ "$unplug_online" = N ] || fail "vm3's virtio_mem driver has unplug_online=${unplug_online:-?}, not N"
lab_run virsh -q metadata vm2 http://balloonctl.org/xmlns/domain/1.0 --key balloonctl --live \
    --set '<policy><min-mib>384</min-mib></policy>' >/dev/null || fail "cannot set vm2's floor"
DLOG2=$LAB_DIR/daemon-stall.log
CONF2=$LAB_DIR/balloonctl-stall.conf
printf '[domain]\nmin-mib=128\n' >"$CONF2"
chmod 0644 "$CONF2"
start_daemon "$CONF2" "$DLOG2"
sleep "$STALL_S"
read -r req2 plugged2 <<<"$(device vm2)" || true
read -r req3 plugged3 <<<"$(device vm3)" || true
stop_daemon "vm2 and vm3"
# check_stall NAME WANT_KIB: taken as virtio-mem, the stall said once, at
# most one request after it (the withdrawal), the request back at WANT_KIB
check_stall() {
    local g=$1 want=$2 req=$3 plugged=$4 said asked after
    grep -q "$g: sized by virtio-mem" "$DLOG2" || fail "$g not taken as sized by virtio-mem"
    said=$(grep -c "$g: the guest does not follow" "$DLOG2" || true)
    [ "$said" -eq 1 ] || fail "$g: the unfollowed request was said $said times, not once: $(grep -E "$g: " "$DLOG2" | tail -5)"
    echo "ok   said once: $(grep -o "$g: the guest does not follow.*" "$DLOG2")"
    asked=$(grep -c -- "$g: [0-9]* -> [0-9]* KiB: " "$DLOG2" || true)
    after=$(sed -n "/$g: the guest does not follow/,\$p" "$DLOG2" | grep -c -- "$g: [0-9]* -> [0-9]* KiB: " || true)
    [ "$after" -le 1 ] || fail "$g: $after requests after the stall was said (one withdrawal expected)"
    # one request that stands until the stall, whatever the pass wants
    # meanwhile (the size is what is plugged, not what was asked), then
    # its withdrawal
    [ "$asked" -le 2 ] || fail "$g: $asked requests in ${STALL_S} s (the request and its withdrawal expected)"
    echo "ok   $g: $asked requests in ${STALL_S} s, $after after the stall (the withdrawal): no loop of calls"
    { [ "${plugged:-x}" = "$want" ] && [ "${req:-x}" = "$want" ]; } ||
        fail "$g's device: requested ${req:-?} KiB, plugged ${plugged:-?} KiB; expected the request withdrawn to $want"
    echo "ok   $g's request withdrawn to what it holds ($want KiB plugged)"
    grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$LAB_DIR/$g.console.log" &&
        fail "$g's kernel complained: $(grep -iE 'out of memory|oom|panic|call trace' "$LAB_DIR/$g.console.log" | head -3)"
    echo "ok   no OOM kill or panic in $g"
}
check_stall vm2 0 "${req2:-}" "${plugged2:-}"
check_stall vm3 $((VMEM_MIB * 1024)) "${req3:-}" "${plugged3:-}"
! grep -q "failed" "$DLOG2" || fail "a call failed: $(grep failed "$DLOG2" | head -3)"
echo "vmem: PASS"
