#!/bin/bash
# density.sh -- N real guests with out-of-phase lives under one host budget
# (run as root): the density benchmark's single run.
#
#   density.sh --bin BALLOONCTL --out DIR --guests N --policy POLICY
#              [--budget-mib B] [--busy-s S] [--stagger-s S]
#
# POLICY is a balloonctl policy (paper, adaptive, mom, committed, ...) or
# "static": no daemon, each guest fixed at B/N (N=2: what an administrator
# does today; N=3: overcommit without a controller).  Under a policy each
# guest starts at B/N and the daemon runs with [host] budget-mib=B.
#
# The guests d1..dN (1 vCPU, up to 512 MiB, balloon with deflate-on-oom,
# data disk a cloud volume: no host cache, 3000 IOPS, 125 MiB/s) live by one
# schedule, in seconds after a warm-up of WARMUP_S (default 50) in which
# every guest trickles:
#   idle   every guest, outside its busy window: "trickle", one 1 MiB file
#          read every half second from a 16 MiB working set;
#   busy   guest i (from 0) reads a 250 MiB working set as fast as it can
#          from i*STAGGER to i*STAGGER+BUSY (defaults 45 and 60: at most two
#          guests busy at once, for 15 s);
#   service d1, from 75 to 135: a program allocates and touches 150 MiB of
#          anonymous memory and holds it (no reads meanwhile);
#   burst  d2, from 150 to 170: 100 MiB of anonymous memory at once.
# The schedule is the same for every N (a run lasts WARMUP_S + 210 s); a
# guest that does not exist at a smaller N simply is not there.
# DIR keeps density.json (the run's settings and schedule), one CSV per
# guest (tests/bench/sampler.py), the consoles and the daemon's log.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC='' OUT='' N='' POLICY='' BUDGET_MIB=640 BUSY_S=60 STAGGER_S=45
WARMUP_S=${WARMUP_S:-50}
while [ $# -gt 0 ]; do
    case $1 in
        --bin) BIN_SRC=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --guests) N=$2; shift 2 ;;
        --policy) POLICY=$2; shift 2 ;;
        --budget-mib) BUDGET_MIB=$2; shift 2 ;;
        --busy-s) BUSY_S=$2; shift 2 ;;
        --stagger-s) STAGGER_S=$2; shift 2 ;;
        *) echo "density: unknown argument $1" >&2; exit 2 ;;
    esac
done
usage="usage: density.sh --bin BALLOONCTL --out DIR --guests N --policy POLICY [--budget-mib B]"
# shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
[ -n "$BIN_SRC" ] && [ -n "$OUT" ] && [ -n "$N" ] && [ -n "$POLICY" ] || { echo "$usage" >&2; exit 2; }
[[ $N =~ ^[1-4]$ ]] || { echo "density: --guests must be 1..4" >&2; exit 2; }
for v in "$BUDGET_MIB" "$BUSY_S" "$STAGGER_S" "$WARMUP_S"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "density: $v is not a positive integer" >&2; exit 2; }
done
case $POLICY in
    paper|paper-literal|adaptive|committed|mom) DAEMON=1 ;;
    static) DAEMON=0 ;;
    *) echo "density: unknown policy $POLICY" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "density: run as root" >&2; exit 2; }

MAX_MIB=512 SMALL=16 LARGE=250 NFILES=625
SVC_AT=75 SVC_S=60 SVC_MIB=150 BURST_AT=150 BURST_S=20 BURST_MIB=100
SPAN_S=$((3 * STAGGER_S + BUSY_S + 15))
START_MIB=$((BUDGET_MIB / N))
[ "$START_MIB" -le "$MAX_MIB" ] || START_MIB=$MAX_MIB
# shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
[ $((SVC_AT)) -ge "$BUSY_S" ] && [ $((BURST_AT)) -ge $((STAGGER_S + BUSY_S)) ] ||
    { echo "density: busy windows this long overlap the service or the burst" >&2; exit 2; }

# phases GUEST_INDEX: the guest's bc.phases= (see build-guest.sh)
phases() {
    local i=$1 pre=$(($1 * STAGGER_S)) p
    p="$WARMUP_S:trickle:$SMALL"
    [ "$pre" -gt 0 ] && p="$p,$pre:trickle:$SMALL"
    p="$p,$BUSY_S:read:$LARGE"
    case $i in
        0) p="$p,$((SVC_AT - BUSY_S)):trickle:$SMALL,$SVC_S:anon:$SVC_MIB" ;;
        1) p="$p,$((BURST_AT - pre - BUSY_S)):trickle:$SMALL,$BURST_S:anon:$BURST_MIB" ;;
    esac
    echo "$p,3600:trickle:$SMALL"
}

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/bcden.XXXXXX)
chmod 0755 "$TMP"
export LAB_GUEST_DIR=${LAB_CACHE:-$TMP/guest}
# shellcheck source-path=SCRIPTDIR source=../lab/lab-lib.sh
. "$HERE/../lab/lab-lib.sh"
SAMPLER_PID='' DAEMON_PID='' REC=/nonexistent
GUESTS=()
for ((i = 1; i <= N; i++)); do GUESTS+=("d$i"); done
trap lab_record_exit EXIT
trap 'exit 130' INT TERM

echo "density: $N guests, policy $POLICY, budget $BUDGET_MIB MiB, each starts at $START_MIB MiB"
"$HERE/../lab/build-guest.sh" "$LAB_GUEST_DIR" "$NFILES" 1 >/dev/null
lab_init "$TMP/lab" >/dev/null
install -m 0755 "$BIN_SRC" "$LAB_DIR/balloonctl"
BIN=$LAB_DIR/balloonctl
cat >"$LAB_DIR/balloonctl.conf" <<CONF
[controller]
policy=$([ "$DAEMON" = 1 ] && echo "$POLICY" || echo adaptive)
margin-interval-ms=$([ "$POLICY" = mom ] && echo 10000 || echo 5000)
[host]
budget-mib=$BUDGET_MIB
guest-size-mib=$START_MIB
CONF
chmod 0644 "$LAB_DIR/balloonctl.conf"

sched=()
for ((i = 0; i < N; i++)); do sched+=("$(phases "$i")"); done
python3 - "$OUT/density.json" "$N" "$POLICY" "$BUDGET_MIB" "$START_MIB" "$MAX_MIB" "$WARMUP_S" \
    "$BUSY_S" "$STAGGER_S" "$SPAN_S" "$SMALL" "$LARGE" "${sched[@]}" <<'PY'
import json, sys
a = sys.argv
n = int(a[2])
json.dump({"guests": n, "policy": a[3], "budget_mib": int(a[4]), "start_mib": int(a[5]),
           "max_mib": int(a[6]), "warmup_s": int(a[7]), "busy_s": int(a[8]), "stagger_s": int(a[9]),
           "span_s": int(a[10]), "small_mib": int(a[11]), "large_mib": int(a[12]), "file_mib": 1,
           "service": {"guest": "d1", "at_s": 75, "s": 60, "mib": 150},
           "burst": {"guest": "d2", "at_s": 150, "s": 20, "mib": 100},
           "phases": {f"d{i + 1}": a[13 + i] for i in range(n)}}, open(a[1], "w"), indent=1)
PY
for ((i = 0; i < N; i++)); do
    LAB_AUTODEFLATE=on lab_define_guest "${GUESTS[$i]}" "$START_MIB" "$MAX_MIB" "${sched[$i]}" >/dev/null
done
T_BOOT=$SECONDS
for g in "${GUESTS[@]}"; do
    lab_wait_agent "$g" 240 >/dev/null || { echo "density: $g's agent did not answer" >&2; exit 1; }
done
for g in "${GUESTS[@]}"; do lab_wait_balloon "$g" "$START_MIB" || exit 1; done
if [ "$DAEMON" = 1 ]; then
    lab_run "$BIN" --config "$LAB_DIR/balloonctl.conf" run >"$LAB_DIR/daemon.log" 2>&1 &
    DAEMON_PID=$!
fi
# until the last guest's schedule is over, counted from the first boot
DURATION=$((WARMUP_S + SPAN_S + 10 - (SECONDS - T_BOOT)))
echo "density: recording $DURATION s"
lab_record "$DURATION" "$(IFS=,; echo "${GUESTS[*]}")" || exit 1
echo "density: recorded in $OUT"
