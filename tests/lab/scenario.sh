#!/bin/bash
# scenario.sh -- the paper's experiment (its Figures 1 and 2), scaled, on two
# real guests (run as root).
#
#   scenario.sh --bin BALLOONCTL --out DIR [--scenario paper|ci]
#               [--policy POLICY] [--live]
#
# The paper: two VMs read 1 MB files at random; VM1's working set goes
# 500 -> 5000 -> 2000 files, VM2's 1000 -> 4000 -> 1000, every 10 minutes;
# host 4096 MB, each VM up to 3072 MB.  Here memory and file counts are
# scaled by 1/MEM_F and phase length by 1/TIME_F, keeping every ratio (the
# two guests together want more than the host in the middle phase).
#   paper: MEM_F 8, TIME_F 4 (150 s phases, 7.5 minutes)
#   ci:    MEM_F 8, TIME_F 8 (75 s phases)
# POLICY: a balloonctl policy (paper, paper-literal, adaptive; committed and
# mom, for comparison), "default" (the configuration names no policy: what
# balloonctl runs by default), or no balloonctl at all: "static" (each guest keeps
# half the host) or "static-max" (each guest at its max, the budget ignored:
# the throughput ceiling).  The guests' data disks are cloud volumes
# (lab-lib.sh: no host cache, 3000 IOPS, 125 MiB/s).
# Everything lives in one temporary folder, removed on exit or Ctrl-C with
# every process and domain of the lab; DIR keeps scenario.json, one CSV per
# guest (tests/lab/sampler.py) and the daemon and console logs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC= OUT= SCENARIO=paper POLICY=paper LIVE=0
while [ $# -gt 0 ]; do
    case $1 in
        --bin) BIN_SRC=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --scenario) SCENARIO=$2; shift 2 ;;
        --policy) POLICY=$2; shift 2 ;;
        --live) LIVE=1; shift ;;
        *) echo "scenario: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$BIN_SRC" ] && [ -n "$OUT" ] || { echo "usage: scenario.sh --bin BALLOONCTL --out DIR [--scenario paper|ci] [--policy POLICY] [--live]" >&2; exit 2; }
case $SCENARIO in
    paper) MEM_F=8 TIME_F=4 ;;
    ci) MEM_F=8 TIME_F=8 ;;
    *) echo "scenario: unknown scenario $SCENARIO" >&2; exit 2 ;;
esac
case $POLICY in
    paper|paper-literal|adaptive|committed|mom|default) DAEMON=1 ;;
    static|static-max) DAEMON=0 ;;
    *) echo "scenario: unknown policy $POLICY" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "scenario: run as root" >&2; exit 2; }

# The paper's figures, scaled.
HOST_MIB=$((4096 / MEM_F))
MAX_MIB=$((3072 / MEM_F))
PHASE_S=$((600 / TIME_F))
WARMUP_S=15
VM1="$((500 / MEM_F)) $((5000 / MEM_F)) $((2000 / MEM_F))"
VM2="$((1000 / MEM_F)) $((4000 / MEM_F)) $((1000 / MEM_F))"
NFILES=$((5000 / MEM_F))
START_MIB=$((HOST_MIB / 2))
[ "$POLICY" = static-max ] && START_MIB=$MAX_MIB
DURATION=$((WARMUP_S + 3 * PHASE_S + 5))

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/bclab.XXXXXX)
chmod 0755 "$TMP"
export LAB_GUEST_DIR=${LAB_CACHE:-$TMP/guest}
# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"
SAMPLER_PID= DAEMON_PID= REC=/nonexistent
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
    if [ -n "$DAEMON_PID" ]; then
        pkill -TERM -u "$LAB_USER" -f "^$LAB_DIR/balloonctl " 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    # what the lab user recorded, copied out as root (OUT may be a folder
    # the lab user cannot reach)
    for f in "$REC"/*.csv "$LAB_DIR"/*.console.log "$LAB_DIR/daemon.log"; do
        [ -f "$f" ] && cp "$f" "$OUT/"
    done
    lab_teardown --purge >/dev/null 2>&1 || true
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "scenario $SCENARIO, policy $POLICY: memory and files x1/$MEM_F, time x1/$TIME_F" \
     "(host $HOST_MIB MiB, guests up to $MAX_MIB MiB, phases $PHASE_S s)"
"$HERE/build-guest.sh" "$LAB_GUEST_DIR" "$NFILES" 1 >/dev/null
lab_init "$TMP/lab" >/dev/null
install -m 0755 "$BIN_SRC" "$LAB_DIR/balloonctl"
BIN=$LAB_DIR/balloonctl
# MoM runs its rules every 10 s
cat >"$LAB_DIR/balloonctl.conf" <<CONF
[controller]
$(case $POLICY in default) ;; static*) echo policy=paper ;; *) echo "policy=$POLICY" ;; esac)
margin-interval-ms=$([ "$POLICY" = mom ] && echo 10000 || echo 5000)
[host]
budget-mib=$HOST_MIB
CONF
chmod 0644 "$LAB_DIR/balloonctl.conf"

python3 - "$OUT/scenario.json" <<PY
import json, sys
json.dump({"scenario": "$SCENARIO", "policy": "$POLICY", "mem_factor": "1/$MEM_F", "time_factor": "1/$TIME_F",
           "host_mib": $HOST_MIB, "max_mib": $MAX_MIB, "phase_s": $PHASE_S, "start_mib": $START_MIB,
           "warmup_s": $WARMUP_S, "file_mib": 1,
           "guests": {"vm1": [int(x) for x in "$VM1".split()], "vm2": [int(x) for x in "$VM2".split()]}},
          open(sys.argv[1], "w"), indent=1)
PY
for g in vm1 vm2; do
    if [ $g = vm1 ]; then set -- $VM1; else set -- $VM2; fi
    lab_define_guest $g "$START_MIB" "$MAX_MIB" \
        "$WARMUP_S:idle:0,$PHASE_S:read:$1,$PHASE_S:read:$2,$PHASE_S:read:$3,3600:idle" >/dev/null
done
for g in vm1 vm2; do lab_wait_agent $g 180 >/dev/null || { echo "scenario: $g's agent did not answer" >&2; exit 1; }; done
# A guest boots with all of its max and its balloon driver then inflates to
# currentMemory: start recording once both balloons are at the start size,
# so every sample is the controller's doing.
for g in vm1 vm2; do
    for _ in $(seq 120); do
        # what the sampler reads (libvirt's balloon.current, which follows
        # QEMU's balloon events), not only QEMU's own figure: the first
        # sample once read 383 MiB here while QEMU already said 256
        actual=$(lab_run virsh domstats --balloon $g 2>/dev/null | awk -F= '$1 ~ /balloon.current$/ { print $2 }')
        qemu=$(lab_run virsh dommemstat $g 2>/dev/null | awk '$1 == "actual" { print $2 }')
        [ -n "$qemu" ] && [ "$qemu" -gt "${actual:-0}" ] && actual=$qemu
        [ -n "$actual" ] && [ "$actual" -le $(( (START_MIB + 4) * 1024 )) ] && break
        sleep 0.5
    done
    [ "${actual:-0}" -le $(( (START_MIB + 4) * 1024 )) ] || { echo "scenario: $g's balloon stays at ${actual:-?} KiB" >&2; exit 1; }
done

if [ "$DAEMON" = 1 ]; then
    lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        "$BIN" --config "$LAB_DIR/balloonctl.conf" run >"$LAB_DIR/daemon.log" 2>&1 &
    DAEMON_PID=$!
fi
REC=$TMP/rec
mkdir -p "$REC"
chown "$LAB_USER:" "$REC"
install -m 0644 "$HERE/sampler.py" "$TMP/sampler.py"
live=()
[ "$LIVE" = 1 ] && live=(--live 5 --title "balloonctl lab: $SCENARIO scenario, policy $POLICY")
lab_run python3 "$TMP/sampler.py" --bin "$BIN" --out "$REC" --guests vm1,vm2 \
    --duration "$DURATION" "${live[@]}" &
SAMPLER_PID=$!
wait "$SAMPLER_PID"
SAMPLER_PID=
if [ -n "$DAEMON_PID" ]; then
    pkill -TERM -u "$LAB_USER" -f "^$BIN " || true
    rc=0; wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    [ "$rc" -eq 0 ] || { echo "scenario: balloonctl exited $rc" >&2; exit 1; }
fi
echo "scenario: recorded in $OUT"
