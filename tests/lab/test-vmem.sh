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
# Then a guest vm2 whose kernel may not load virtio_mem (module_blacklist),
# so that it plugs nothing, given a floor above its boot memory (min-mib
# 384): the daemon asks for more, sees the request not followed, says it
# once, withdraws it and asks nothing more in that direction (no loop of
# calls).
#
# Usage: test-vmem.sh BALLOONCTL
# Environment: LAB_CACHE (guest build dir), BC_LAB_DIR (<= 40 chars),
#   BC_PHASE_S (seconds of the small working set, default 40; the large
#   one has twice as long), BC_STALL_S (seconds of the daemon on vm2,
#   default 40).
# Prints "vmem: PASS" or "vmem: FAIL: reason"; exit 77 (skip) when not root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: test-vmem.sh BALLOONCTL}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-vmem}
PHASE_S=${BC_PHASE_S:-40}
STALL_S=${BC_STALL_S:-40}
SMALL=16 LARGE=300 BOOT_MIB=256 VMEM_MIB=512
NAME=vm1
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE

fail() { echo "vmem: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "vmem: SKIP: needs root (creates user bclab)"; exit 77; }

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_CACHE" "$LARGE" 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID=
cleanup() { lab_test_exit $? "${DLOG:-}" "${CLOG:-}" "${DLOG2:-}"; }
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

PHASES="$PHASE_S:read:$SMALL,$((2 * PHASE_S)):read:$LARGE,600:idle"
echo "=== boot $NAME: $BOOT_MIB MiB + virtio-mem $VMEM_MIB MiB, phases $PHASES"
LAB_VMEM_MIB=$VMEM_MIB LAB_CMDLINE_EXTRA=memhp_default_state=online_movable \
    lab_define_guest "$NAME" "$BOOT_MIB" "$BOOT_MIB" "$PHASES" || fail "cannot start guest"
lab_wait_agent "$NAME" 180 >/dev/null || fail "guest agent did not answer"

echo "=== balloonctl run"
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run >"$DLOG" 2>&1 &
DAEMON_PID=$!
t0=$(date +%s)

# One sample a second: elapsed, phase, requested and plugged (KiB), QEMU's
# balloon size (KiB).
device() {
    lab_run virsh dumpxml "${1:-$NAME}" 2>/dev/null |
        xmllint --xpath "concat(//memory[@model='virtio-mem']/target/requested, ' ', //memory[@model='virtio-mem']/target/current)" - 2>/dev/null
}
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
pkill -TERM -u "$LAB_USER" -f "^$BIN " || true
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
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

echo "=== vm2: no virtio_mem driver in the guest, a floor of 384 MiB"
lab_run virsh -q destroy "$NAME" >/dev/null
LAB_VMEM_MIB=$VMEM_MIB LAB_VMEM_REQ_MIB=0 LAB_CMDLINE_EXTRA="memhp_default_state=online_movable module_blacklist=virtio_mem" \
    lab_define_guest vm2 "$BOOT_MIB" "$BOOT_MIB" "600:idle" || fail "cannot start vm2"
lab_wait_agent vm2 180 >/dev/null || fail "vm2's agent did not answer"
DLOG2=$LAB_DIR/daemon-vm2.log
CONF2=$LAB_DIR/balloonctl-vm2.conf
printf '[domain]\nmin-mib=384\n' >"$CONF2"
chmod 0644 "$CONF2"
lab_run "$BIN" --config "$CONF2" -v run >"$DLOG2" 2>&1 &
DAEMON_PID=$!
sleep "$STALL_S"
read -r req plugged <<<"$(device vm2)" || true
pkill -TERM -u "$LAB_USER" -f "^$BIN " || true
rc=0
wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM (vm2)"
grep -q "vm2: sized by virtio-mem" "$DLOG2" || fail "vm2 not taken as sized by virtio-mem"
said=$(grep -c "vm2: the guest does not follow" "$DLOG2" || true)
[ "$said" -eq 1 ] || fail "the unfollowed request was said $said times, not once: $(grep -E 'vm2: ' "$DLOG2" | tail -5)"
echo "ok   said once: $(grep -o "vm2: the guest does not follow.*" "$DLOG2")"
asked=$(grep -c -- 'vm2: [0-9]* -> [0-9]* KiB: ' "$DLOG2" || true)
after=$(sed -n '/vm2: the guest does not follow/,$p' "$DLOG2" | grep -c -- 'vm2: [0-9]* -> [0-9]* KiB: ' || true)
[ "$after" -le 1 ] || fail "$after requests after the stall was said (one withdrawal expected): $(sed -n '/does not follow/,$p' "$DLOG2" | head -5)"
echo "ok   $asked requests in ${STALL_S} s, $after after the stall (the withdrawal): no loop of calls"
{ [ "${plugged:-x}" = 0 ] && [ "${req:-x}" = 0 ]; } || fail "vm2's device: requested ${req:-?} KiB, plugged ${plugged:-?} KiB; expected the request withdrawn to 0"
echo "ok   vm2's request withdrawn to what it plugged (0 KiB)"
! grep -q "failed" "$DLOG2" || fail "a call failed: $(grep failed "$DLOG2" | head -3)"
grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$LAB_DIR/vm2.console.log" &&
    fail "vm2's kernel complained: $(grep -iE 'out of memory|oom|panic|call trace' "$LAB_DIR/vm2.console.log" | head -3)"
echo "ok   no OOM kill or panic in vm2"
echo "vmem: PASS"
