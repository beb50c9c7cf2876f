#!/bin/bash
# test-burst.sh -- a squeezed guest allocates in one burst (run as root).
#
# A busybox guest bu1 with deflate-on-oom (<memballoon autodeflate='on'>),
# 512 MiB max, idles while `balloonctl run` squeezes it towards
# Committed_AS + margin, then allocates and touches 200 MiB of anonymous
# memory at once, far more than it has free.  Checks:
#   - it was squeezed below 256 MiB before the burst;
#   - the burst completes (the guest says bc-anon-held 200), and the
#     guest kernel never OOM-kills or panics: the balloon gives pages back
#     under the allocation;
#   - the daemon sees the balloon grow on its own and holds the guest there
#     (it is not squeezed back into the same out-of-memory), with the burst
#     held, memory stays above the 200 MiB allocated;
#   - status --json says the domain has deflate-on-oom.
# Usage: test-burst.sh BALLOONCTL.  Exit 77 (skip) when not root.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: test-burst.sh BALLOONCTL}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-burst}
NAME=bu1 BURST_MIB=200 MAX_MIB=512 IDLE_S=90
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE

fail() { echo "burst: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "burst: SKIP: needs root (creates user bclab)"; exit 77; }

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_CACHE" 300 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID=
cleanup() { lab_test_exit $? "${DLOG:-}" "${CLOG:-}"; }
trap cleanup EXIT
trap 'echo "burst: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
printf '[domain]\nmin-mib=128\n' >"$CONF"
chmod 0644 "$CONF"
DLOG=$LAB_DIR/daemon.log
CLOG=$LAB_DIR/$NAME.console.log
current_kib() { lab_run virsh dommemstat "$NAME" 2>/dev/null | awk '$1 == "actual" { print $2 }'; }

PHASES="$IDLE_S:idle,120:anon:$BURST_MIB,600:idle"
echo "=== boot $NAME: max $MAX_MIB MiB, deflate-on-oom, phases $PHASES"
LAB_AUTODEFLATE=on lab_define_guest "$NAME" "$MAX_MIB" "$MAX_MIB" "$PHASES" || fail "cannot start guest"
lab_wait_agent "$NAME" 180 >/dev/null || fail "guest agent did not answer"

echo "=== balloonctl run"
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run >"$DLOG" 2>&1 &
DAEMON_PID=$!

# squeezed before the burst (the idle phase began at boot)
squeezed=
for _ in $(seq 120); do
    grep -q "^bc-phase 1 " "$CLOG" && break
    cur=$(current_kib || true)
    [ -n "$cur" ] && [ "$cur" -lt $((256 * 1024)) ] && squeezed=$cur
    sleep 0.5
done
[ -n "$squeezed" ] || fail "$NAME was not squeezed below 256 MiB before the burst (at $(current_kib) KiB; lengthen IDLE_S?)"
echo "ok   squeezed to $squeezed KiB before the burst"
lab_run "$BIN" --config "$CONF" status --json >"$LAB_DIR/status.json"

for _ in $(seq 240); do grep -q "^bc-phase 1 " "$CLOG" && break; sleep 0.5; done
grep -q "^bc-phase 1 " "$CLOG" || fail "the burst phase did not start"
t_burst=$(date +%s%N)
low=$(current_kib)
for _ in $(seq 180); do
    grep -qE "^bc-anon-held $BURST_MIB " "$CLOG" && break
    grep -qiE 'out of memory|oom-kill|kernel panic' "$CLOG" && break
    cur=$(current_kib || true)
    [ -n "$cur" ] && [ "$cur" -lt "$low" ] && low=$cur
    sleep 0.5
done
grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$CLOG" &&
    fail "the guest kernel OOM-killed or panicked: $(grep -iE 'out of memory|oom|panic' "$CLOG" | head -3)"
grep -qE "^bc-anon-held $BURST_MIB " "$CLOG" || fail "the $BURST_MIB MiB burst did not complete"
held_ms=$(( ($(date +%s%N) - t_burst) / 1000000 ))
echo "ok   $BURST_MIB MiB allocated in one burst from $squeezed KiB, held after ~$held_ms ms, no OOM kill"

# the daemon keeps it: memory stays above the burst for 20 s
min_after=
for _ in $(seq 40); do
    cur=$(current_kib || true)
    [ -n "$cur" ] && { [ -z "$min_after" ] || [ "$cur" -lt "$min_after" ]; } && min_after=$cur
    sleep 0.5
done
[ "$min_after" -gt $((BURST_MIB * 1024)) ] || fail "$NAME squeezed to $min_after KiB while it holds $BURST_MIB MiB"
grep -qiE 'out of memory|oom-kill|kernel panic' "$CLOG" && fail "OOM kill after the burst: $(grep -iE 'oom' "$CLOG" | head -3)"
echo "ok   held at >= $min_after KiB for 20 s after the burst, no OOM kill"
grep -E "$NAME: (grew|[0-9]+ -> [0-9]+ KiB: grow)" "$DLOG" | head -3 || true

python3 "$HERE/verdicts.py" burst "$LAB_DIR/status.json" "$NAME" || fail "status --json does not show deflate-on-oom"
echo "ok   status --json: deflate_on_oom true"

kill -TERM "$(pgrep -u "$LAB_USER" -f "^$BIN --config $CONF -v run" | head -1)"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
grep -qE 'ERROR: (Address|Leak)Sanitizer' "$DLOG" && fail "sanitizer report in daemon log"
echo "burst: PASS"
