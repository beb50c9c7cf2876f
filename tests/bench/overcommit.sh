#!/bin/bash
# overcommit.sh -- the overcommit benchmark: weights against equal weights
# and a static split, on real guests (run as root; about 11 minutes).
#
#   tests/bench/overcommit.sh BALLOONCTL [--settle S] [--measure S] [--out DIR]
#
# Three busybox guests (boot at BOOT_MIB, up to MAX_MIB) read 1 MiB files at
# random from their cloud-volume disks (the image test-liar.sh uses, 600
# files, in LAB_CACHE/files-600): vm1 among the first 600 files, vm2 the
# first 400, vm3 the first 150 (working sets of about 640, 440 and 190 MiB
# with the guests' own memory), under a host budget of BUDGET_MIB: together
# they want far more than it holds.  The same guests, back to back:
#   weights  balloonctl run, vm1 weight 300 (domain metadata), vm2, vm3 100;
#   equal    balloonctl run, every weight 100;
#   static   no daemon, each guest set to a third of the budget.
# Each configuration settles SETTLE_S (60) seconds, then is measured for
# MEASURE_S (120): per guest its mean memory (balloon size, sampled every
# second), page-cache hit ratio and throughput (what the workload read,
# MiB/s, and 1 MiB files/s), and what the guests held together.
# Writes DIR/table.md (the table), DIR/samples.tsv, the daemon's log and
# the consoles (DIR default lab-results/overcommit).
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: overcommit.sh BALLOONCTL [--settle S] [--measure S] [--out DIR]}
shift
SETTLE_S=60 MEASURE_S=120 OUT=lab-results/overcommit
while [ $# -gt 0 ]; do
    case $1 in
        --settle) SETTLE_S=${2:?}; shift 2 ;;
        --measure) MEASURE_S=${2:?}; shift 2 ;;
        --out) OUT=${2:?}; shift 2 ;;
        *) echo "usage: overcommit.sh BALLOONCTL [--settle S] [--measure S] [--out DIR]" >&2; exit 2 ;;
    esac
done
[[ $SETTLE_S =~ ^[0-9]+$ && $MEASURE_S =~ ^[1-9][0-9]*$ ]] || { echo "overcommit: --settle, --measure: seconds" >&2; exit 2; }
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-oc}
BOOT_MIB=256 MAX_MIB=768 BUDGET_MIB=800 NFILES=600
declare -A FILES=([vm1]=600 [vm2]=400 [vm3]=150)
GUESTS="vm1 vm2 vm3"
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE/files-$NFILES

say() { echo "overcommit: $*"; }
fail() { echo "overcommit: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "needs root (creates user bclab)"; exit 77; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# shellcheck source-path=SCRIPTDIR source=../lab/lab-lib.sh
. "$HERE/../lab/lab-lib.sh"

"$HERE/../lab/build-guest.sh" "$LAB_GUEST_DIR" "$NFILES" 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID=
cleanup() {
    local rc=$? f
    for f in "$LAB_DIR"/*.console.log "$LAB_DIR/daemon.log" "$LAB_DIR/samples.tsv"; do
        [ -f "$f" ] && cp "$f" "$OUT/"
    done
    lab_test_exit "$rc" "${DLOG:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
# the same configuration as test-liar.sh: a fixed budget
printf '[host]\nfollow=false\nbudget-mib=%d\n' "$BUDGET_MIB" >"$CONF"
chmod 0644 "$CONF"
DLOG=$LAB_DIR/daemon.log
SAMPLES=$LAB_DIR/samples.tsv
: >"$SAMPLES"

say "budget $BUDGET_MIB MiB; vm1 reads ${FILES[vm1]} files, vm2 ${FILES[vm2]}, vm3 ${FILES[vm3]}; settle ${SETTLE_S}s, measure ${MEASURE_S}s per configuration"
for g in $GUESTS; do
    lab_define_guest "$g" "$BOOT_MIB" "$MAX_MIB" "9000:read:${FILES[$g]}" || fail "cannot start $g"
done
for g in $GUESTS; do lab_wait_agent "$g" 180 >/dev/null || fail "the agent of $g did not answer"; done

set_weight() {
    lab_run virsh -q metadata "$1" http://balloonctl.org/xmlns/domain/1.0 --key balloonctl --live \
        --set "<policy><weight>$2</weight></policy>" >/dev/null || fail "cannot set $1's weight"
}
# every guest's balloon size, one line each: CONFIG T NAME KIB
sample() {
    lab_run virsh -q domstats --balloon | awk -v c="$1" -v t="$2" '
        /^Domain:/ { gsub(/[\047"]/, "", $2); name = $2 }
        /balloon.current=/ { split($1, a, "="); print c, t, name, a[2] }'
}
workload() {
    local w
    w=$(lab_guest_cat "$1" /run/bc-workload | sed -n 's/.*bytes_read=\([0-9]*\) disk_read=\([0-9]*\).*/\1 \2/p')
    echo "$w $(date +%s.%N)"
}
measure() {
    local c=$1 t0 g
    say "$c: settling ${SETTLE_S}s"
    sleep "$SETTLE_S"
    for g in $GUESTS; do workload "$g" >"$LAB_DIR/$c.$g.w0"; done
    t0=$SECONDS
    while [ $((SECONDS - t0)) -lt "$MEASURE_S" ]; do
        sample "$c" $((SECONDS - t0)) >>"$SAMPLES"
        sleep 1
    done
    for g in $GUESTS; do workload "$g" >"$LAB_DIR/$c.$g.w1"; done
    say "$c: measured"
}

echo "=== weights: balloonctl run, vm1 weight 300, vm2 and vm3 100"
set_weight vm1 300
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run >"$DLOG" 2>&1 &
DAEMON_PID=$!
measure weights

echo "=== equal: balloonctl run, every weight 100"
set_weight vm1 100
measure equal
kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon died"

echo "=== static: no daemon, each guest at a third of the budget"
kill -TERM "$(pgrep -u "$LAB_USER" -f "^$BIN --config $CONF -v run" | head -1)"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
for g in $GUESTS; do
    lab_run virsh -q setmem "$g" $((BUDGET_MIB * 1024 / 3)) --live || fail "setmem $g"
done
measure static

for g in $GUESTS; do
    ! grep -qiE 'out of memory|oom-kill|kernel panic' "$LAB_DIR/$g.console.log" || fail "$g: OOM or panic in its console"
done

python3 - "$LAB_DIR" "$BUDGET_MIB" "${FILES[vm1]}" "${FILES[vm2]}" "${FILES[vm3]}" >"$OUT/table.md" <<'PY'
import sys
from collections import defaultdict
d, budget = sys.argv[1], int(sys.argv[2])
files = dict(zip(("vm1", "vm2", "vm3"), sys.argv[3:6]))
mem, tot = defaultdict(list), defaultdict(int)
for c, t, name, kib in (l.split() for l in open(d + "/samples.tsv")):
    mem[c, name].append(int(kib) / 1024)
    tot[c, t] += int(kib) / 1024
weight = {("weights", "vm1"): 300}
print(f"Budget {budget} MiB. Working sets: vm1 {files['vm1']} files of 1 MiB, vm2 {files['vm2']}, vm3 {files['vm3']}"
      " (plus the guest's own memory).\n")
print("| configuration | guest (weight) | memory MiB | hit ratio | read MiB/s | guests together MiB |")
print("|---|---|---|---|---|---|")
for c in ("weights", "equal", "static"):
    for g in ("vm1", "vm2", "vm3"):
        b0, d0, t0 = map(float, open(f"{d}/{c}.{g}.w0").read().split())
        b1, d1, t1 = map(float, open(f"{d}/{c}.{g}.w1").read().split())
        hit = 100 * (1 - (d1 - d0) / (b1 - b0))
        rate = (b1 - b0) / 1048576 / (t1 - t0)
        w = weight.get((c, g), 100) if c != "static" else "-"
        m = sum(mem[c, g]) / len(mem[c, g])
        together = sum(v for (cc, _), v in tot.items() if cc == c) / len([1 for (cc, _) in tot if cc == c])
        print(f"| {c} | {g} ({w}) | {m:.0f} | {hit:.0f} % | {rate:.1f} | {together:.0f} |"
              if g == "vm1" else f"| | {g} ({w}) | {m:.0f} | {hit:.0f} % | {rate:.1f} | |")
PY
cat "$OUT/table.md"
say "results in $OUT"
