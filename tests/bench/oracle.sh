#!/bin/bash
# oracle.sh -- how much memory each working set of the paper scenario
# needs, measured (run as root):
#
#   oracle.sh --out DIR [--phase-s S]
#
# One guest (max 384 MiB, the scenario's) reads each working set the
# scenario uses below its max (62, 125, 250 MiB) at fixed sizes from
# 384 MiB down in 32 MiB steps, to 128 MiB at the least
# (tests/bench/oracle.py sets the balloon as
# each phase starts).  The oracle for a working set is the smallest size
# whose hit ratio is within 2 points of the best the sweep saw; a working
# set above the max needs the max.  DIR gets oracle.json.  No balloonctl:
# the sizes are set by hand.  About 11 minutes with 20 s phases.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT='' PHASE_S=20
while [ $# -gt 0 ]; do
    case $1 in
        --out) OUT=$2; shift 2 ;;
        --phase-s) PHASE_S=$2; shift 2 ;;
        *) echo "oracle: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$OUT" ] || { echo "usage: oracle.sh --out DIR [--phase-s S]" >&2; exit 2; }
[[ $PHASE_S =~ ^[1-9][0-9]*$ ]] || { echo "oracle: --phase-s must be a positive integer" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "oracle: run as root" >&2; exit 2; }

MAX_MIB=384 WARMUP_S=15 NFILES=625
SCHEDULE=
for ws in 62 125 250; do
    # not below 128 MiB: at 96 the guest's own processes (its agent among
    # them) no longer fit, and the sweep loses its eyes
    for size in 384 352 320 288 256 224 192 160 128; do
        [ "$size" -ge $((ws - 32)) ] || continue
        SCHEDULE+="${SCHEDULE:+,}$ws:$size"
    done
done
PHASES="$WARMUP_S:idle:0"
for p in ${SCHEDULE//,/ }; do PHASES+=",$PHASE_S:read:${p%%:*}"; done
PHASES+=",3600:idle"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/bclab.XXXXXX)
chmod 0755 "$TMP"
export LAB_GUEST_DIR=${LAB_CACHE:-$TMP/guest}
# shellcheck source-path=SCRIPTDIR source=../lab/lab-lib.sh
. "$HERE/../lab/lab-lib.sh"
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -f "$TMP/rec/oracle.json" ] && cp "$TMP/rec/oracle.json" "$OUT/"
    lab_teardown --purge >/dev/null 2>&1 || true
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "oracle: working sets 62, 125, 250 MiB at sizes 384 MiB down, ${PHASE_S} s phases"
"$HERE/../lab/build-guest.sh" "$LAB_GUEST_DIR" "$NFILES" 1 >/dev/null
lab_init "$TMP/lab" >/dev/null
lab_define_guest or1 "$MAX_MIB" "$MAX_MIB" "$PHASES" >/dev/null
lab_wait_agent or1 180 >/dev/null || { echo "oracle: the agent did not answer" >&2; exit 1; }
mkdir -p "$TMP/rec"
chown "$LAB_USER:" "$TMP/rec"
install -m 0644 "$HERE/sampler.py" "$HERE/oracle.py" "$TMP/"
lab_run python3 "$TMP/oracle.py" --guest or1 --schedule "$SCHEDULE" --phase-s "$PHASE_S" \
    --warmup-s "$WARMUP_S" --out "$TMP/rec"
