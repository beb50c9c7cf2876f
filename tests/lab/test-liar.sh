#!/bin/bash
# test-liar.sh -- a guest whose agent lies, and weighted shares, on real
# guests (run as root).
#
# Three busybox guests (boot at BOOT_MIB, up to MAX_MIB) run the lab's
# read workload (uniform random 1 MiB files among NFILES = 600: a working
# set of about 640 MiB with the guest's own; their disk image is built
# beside the lab's usual one, in LAB_CACHE/files-600) under a fixed host
# budget of BUDGET_MIB, which does not hold even one of them: each is
# capped at its share, above the default floors (min-mib 128).  h1 and h2 run qemu-ga; l3 runs bc-liar-agent (kernel command line
# bc.liar, see build-guest.sh), a fake agent on the virtio port that answers
# libvirt's guest-sync and balloonctl's guest-file-* itself.  Three phases
# of the same run, back to back:
#   honest   l3's agent tells the truth (the guest's own files);
#   liar     l3's agent lies: Committed_AS 64 GiB, a page cache jumping
#            between 1/8 and 5/8 of MemTotal at every read, refaults
#            growing by 390 MiB at every read;
#   weights  still lying; h1 is given weight 300 (domain metadata, live),
#            h2 and l3 keep 100.
# Checks:
#   - h1's and h2's mean memory and page-cache hit ratio in the liar phase
#     are within MEM_TOL_PCT % (at least MEM_TOL_MIB) and HIT_TOL_PT points
#     of the honest phase;
#   - l3 never holds more than its weighted share (the daemon's share_kib)
#     once a phase has settled, give or take JITTER_MIB (the 4 MiB dead
#     band and the balloon's own jitter);
#   - in the weights phase (policy=paper, the margin kept: see CONF) each
#     guest is capped (what its policy wants
#     above its share, or held back by the budget) and the measured memory
#     is 3:1:1 within SHARE_TOL_PCT %;
#   - the guests never hold more than the budget together (+ JITTER_MIB);
#   - the lies were read (l3's agent counted them; status shows l3's
#     Committed_AS of 64 GiB); no guest OOM-kills; the daemon lives and
#     stops cleanly on SIGTERM.
# Prints each guest's figures per phase.  About 4 minutes.
# l3 also claims to use all it has (MemAvailable 1/100 of MemTotal): "used"
# + guard is a floor honoured past a share, so what the agent says is used
# is bounded by the guest kernel's balloon statistics; without that bound
# the liar kept 266 MiB against a weighted share of 125.  LIAR_USED=false
# leaves that lie out.
# Usage: test-liar.sh BALLOONCTL.  Exit 77 (skip) when not root.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: test-liar.sh BALLOONCTL}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-liar}
BOOT_MIB=256 MAX_MIB=768 BUDGET_MIB=800 NFILES=600
SETTLE_S=${SETTLE_S:-20} MEASURE_S=${MEASURE_S:-35}
MEM_TOL_PCT=10 MEM_TOL_MIB=16 HIT_TOL_PT=8 SHARE_TOL_PCT=15 JITTER_MIB=8
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE/files-$NFILES
GUESTS="h1 h2 l3"

say() { echo "liar: $*"; }
fail() { echo "liar: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "SKIP: needs root (creates user bclab)"; exit 77; }

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_GUEST_DIR" "$NFILES" 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID=
cleanup() { lab_test_exit $? "${DLOG:-}" "$LAB_DIR/l3.console.log"; }
trap cleanup EXIT
trap 'echo "liar: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
# an initial margin above every share: the guests, which all want more
# than their share, start at it rather than grow into it.  policy=paper
# keeps that margin while the budget caps it; adaptive (the default)
# unwinds a capped margin to what the budget granted and grows again only
# as fast as its guest refaults, so on a loaded CI machine h1 was still
# growing towards its 3:1 share when the weights were measured (2.09 : 1,
# wanting 441 MiB of a 537 MiB share): what is checked here is the
# arbiter's weights and a lie's reach, not how fast a policy grows
printf '[controller]\npolicy=paper\n[host]\nfollow=false\nbudget-mib=%d\n[margin]\ninitial-mib=1024\n' "$BUDGET_MIB" >"$CONF"
chmod 0644 "$CONF"
DLOG=$LAB_DIR/daemon.log
SAMPLES=$LAB_DIR/samples.tsv
: >"$SAMPLES"

echo "=== boot h1, h2 (qemu-ga), l3 (bc-liar-agent): $BOOT_MIB MiB, max $MAX_MIB, reading $NFILES files; budget $BUDGET_MIB MiB"
for g in $GUESTS; do
    extra=
    [ "$g" = l3 ] && extra=bc.liar
    LAB_CMDLINE_EXTRA=$extra lab_define_guest "$g" "$BOOT_MIB" "$MAX_MIB" "3600:read:$NFILES" ||
        fail "cannot start $g"
done
for g in $GUESTS; do
    lab_wait_agent "$g" 180 >/dev/null || fail "the agent of $g did not answer"
done
grep -q "^bc-ready liar" "$LAB_DIR/l3.console.log" || fail "l3 did not start bc-liar-agent"

echo "=== balloonctl run"
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run >"$DLOG" 2>&1 &
DAEMON_PID=$!

status_json() { lab_run "$BIN" --config "$CONF" status --json "$@"; }
# one line a domain: PHASE T NAME CURRENT_KIB SHARE_KIB (0: no contention)
sample() {
    status_json --no-agent | python3 -c '
import json, sys
phase, t = sys.argv[1:3]
for d in json.load(sys.stdin)["domains"]:
    c = d.get("controller") or {}
    print(phase, t, d["name"], d["current_kib"], c.get("share_kib") or 0)
' "$1" "$2"
}
# workload NAME: "BYTES_READ DISK_READ SECONDS" of the guest's workload so far
workload() {
    local w
    w=$(lab_guest_cat "$1" /run/bc-workload | sed -n 's/.*bytes_read=\([0-9]*\) disk_read=\([0-9]*\).*/\1 \2/p')
    echo "$w $(date +%s.%N)"
}
alive() { kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died: $(tail -3 "$DLOG")"; }

# run_phase NAME: settle, then sample every second and read the honest
# guests' workloads at the start and end of the measured window
run_phase() {
    local phase=$1 t0=$SECONDS g
    sleep "$SETTLE_S"
    for g in h1 h2; do workload "$g" >"$LAB_DIR/$phase.$g.w0"; done
    t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$MEASURE_S" ]; do
        alive
        sample "$phase" $((SECONDS - t0)) >>"$SAMPLES"
        sleep 1
    done
    for g in h1 h2; do workload "$g" >"$LAB_DIR/$phase.$g.w1"; done
    alive
}

echo "=== phase honest: l3's agent tells the truth (settle ${SETTLE_S}s, measure ${MEASURE_S}s)"
run_phase honest

echo "=== phase liar: l3's agent lies"
LIAR_USED=${LIAR_USED:-true}
[[ $LIAR_USED =~ ^(true|false)$ ]] || fail "LIAR_USED: true or false"
lab_run virsh -q qemu-agent-command l3 "{\"execute\":\"bc-lie\",\"arguments\":{\"on\":true,\"used\":$LIAR_USED}}" >/dev/null ||
    fail "cannot turn l3's lies on"
run_phase liar
status_json >"$LAB_DIR/status-liar.json"
lies=$(lab_guest_cat l3 /run/bc-liar.count | sed -n 's/^lies=//p')
say "l3's agent told $lies lies about /proc/meminfo"
[ "${lies:-0}" -ge "$MEASURE_S" ] || fail "l3's agent was asked for /proc/meminfo only ${lies:-0} times"

echo "=== phase weights: h1 weight 300, h2 and l3 100"
lab_run virsh -q metadata h1 http://balloonctl.org/xmlns/domain/1.0 --key balloonctl --live \
    --set '<policy><weight>300</weight></policy>' >/dev/null || fail "cannot set h1's weight"
run_phase weights
status_json >"$LAB_DIR/status-weights.json"

for g in $GUESTS; do
    if grep -qiE 'out of memory|oom-kill|kernel panic|bc-error' "$LAB_DIR/$g.console.log"; then
        fail "$g: $(grep -iE 'out of memory|oom-kill|kernel panic|bc-error' "$LAB_DIR/$g.console.log" | head -2)"
    fi
done
echo "ok   no guest OOM-killed"

python3 "$HERE/verdicts.py" liar "$LAB_DIR" "$BUDGET_MIB" "$MEM_TOL_PCT" "$MEM_TOL_MIB" "$HIT_TOL_PT" "$SHARE_TOL_PCT" "$JITTER_MIB" || fail "see above"
echo "ok   honest guests unchanged next to the liar; the liar held no more than its share; shares 3:1:1"

kill -TERM "$(pgrep -u "$LAB_USER" -f "^$BIN --config $CONF -v run" | head -1)"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
grep -qE 'ERROR: (Address|Leak)Sanitizer' "$DLOG" && fail "sanitizer report in daemon log"
echo "liar: PASS"
