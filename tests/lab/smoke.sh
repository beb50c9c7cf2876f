#!/bin/bash
# smoke.sh -- end-to-end check of the balloonctl lab (run as root).
#
# Builds the guest (build-guest.sh) into LAB_CACHE, boots one guest
# (512 MiB max and current, phases 20:read:20,20:anon:64,600:idle) under a
# private qemu:///session libvirtd of user bclab, and checks: the guest
# agent answers, /proc/meminfo and /run/bc-workload can be read through it,
# the read workload makes progress, the anon phase raises AnonPages and
# Committed_AS, "virsh setmem 300M --live" takes effect, the console log
# has bc-phase lines and no OOM/panic, and teardown leaves no qemu or
# libvirtd of bclab behind.
#
# Environment:
#   LAB_CACHE      guest build dir (default /var/tmp/balloonctl-lab-cache)
#   LAB_SMOKE_DIR  lab dir (default /var/tmp/bclab-smoke; <= 40 chars);
#                  kept afterwards for its console log and domain XML
# Exit status 0 on success; on failure prints "smoke: FAIL: <reason>".
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
LAB_SMOKE_DIR=${LAB_SMOKE_DIR:-/var/tmp/bclab-smoke}
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE
NAME=smoke
PHASES=20:read:20,20:anon:64,600:idle

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
step() { echo "=== $*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# meminfo_kib FILE FIELD -> value in KiB
meminfo_kib() { awk -v f="$2:" '$1 == f { print $2 }' "$1"; }
# wait_console REGEX TIMEOUT_S: wait for a console log line
wait_console() {
    local i
    for ((i = 0; i < $2 * 2; i++)); do
        grep -qE "$1" "$LOG" 2>/dev/null && return 0
        sleep 0.5
    done
    return 1
}

[ "$(id -u)" -eq 0 ] || fail "must run as root"

step "build guest into $LAB_CACHE"
"$HERE/build-guest.sh" "$LAB_CACHE"

step "lab in $LAB_SMOKE_DIR"
lab_init "$LAB_SMOKE_DIR" || fail "lab_init"
trap lab_teardown EXIT
trap 'exit 130' INT TERM
LOG=$LAB_DIR/$NAME.console.log
WORK=$LAB_DIR/smoke.tmp
mkdir -p "$WORK"

step "boot $NAME (512/512 MiB, phases $PHASES)"
t0=$(now)
lab_define_guest "$NAME" 512 512 "$PHASES" || fail "cannot define/start $NAME"
t1=$(now)
lab_wait_agent "$NAME" 120 >/dev/null || fail "agent did not answer; console:$(echo; cat "$LOG")"
t2=$(now)
echo "define+start: $(elapsed "$t0" "$t1") s, start to agent: $(elapsed "$t1" "$t2") s"
wait_console '^bc-ready' 10 || fail "no bc-ready on console"

step "guest /proc/meminfo (through the agent)"
lab_guest_cat "$NAME" /proc/meminfo | tee "$WORK/meminfo.read" || fail "guest-file read of /proc/meminfo"
[ -n "$(meminfo_kib "$WORK/meminfo.read" MemTotal)" ] || fail "no MemTotal in guest /proc/meminfo"

step "guest /run/bc-workload"
bytes=0
for ((i = 0; i < 40; i++)); do
    w=$(lab_guest_cat "$NAME" /run/bc-workload) || fail "guest-file read of /run/bc-workload"
    bytes=$(sed -n 's/.*bytes_read=\([0-9]*\).*/\1/p' <<<"$w")
    [ "${bytes:-0}" -gt 0 ] && break
    sleep 0.5
done
echo "$w"
[[ $w =~ ^phase=0\ kind=read\ arg=20\ bytes_read=[0-9]+\ disk_read=[0-9]+$ ]] || fail "unexpected /run/bc-workload: $w"
[ "$bytes" -gt 0 ] || fail "read workload made no progress"

step "setmem 300M"
echo "--- dommemstat before"
lab_run virsh dommemstat "$NAME" | tee "$WORK/memstat.before"
lab_run virsh setmem "$NAME" 300M --live || fail "virsh setmem"
ok=0
for ((i = 0; i < 40; i++)); do
    lab_run virsh dommemstat "$NAME" > "$WORK/memstat.after"
    if grep -qx 'actual 307200' "$WORK/memstat.after"; then ok=1; break; fi
    sleep 0.25
done
echo "--- dommemstat after ($(elapsed 0 "$(awk -v i="$i" 'BEGIN{print i/4}')") s)"
cat "$WORK/memstat.after"
[ "$ok" = 1 ] || fail "balloon 'actual' did not reach 307200 KiB"
lab_guest_cat "$NAME" /proc/meminfo > "$WORK/meminfo.setmem"
tot_before=$(meminfo_kib "$WORK/meminfo.read" MemTotal)
tot_after=$(meminfo_kib "$WORK/meminfo.setmem" MemTotal)
echo "guest MemTotal: $tot_before KiB -> $tot_after KiB"
[ $((tot_before - tot_after)) -ge $((180 * 1024)) ] || fail "guest MemTotal did not shrink by ~200 MiB"

step "anon phase (64 MiB)"
wait_console '^bc-anon-held 64 ' 60 || fail "anon phase did not hold its memory; console:$(echo; cat "$LOG")"
lab_guest_cat "$NAME" /proc/meminfo > "$WORK/meminfo.anon" || fail "meminfo in anon phase"
for f in AnonPages Committed_AS Shmem Cached MemFree; do
    a=$(meminfo_kib "$WORK/meminfo.setmem" $f)
    b=$(meminfo_kib "$WORK/meminfo.anon" $f)
    printf '%-13s read phase %7d KiB  anon phase %7d KiB  delta %+7d KiB\n' "$f" "$a" "$b" $((b - a))
done
d_anon=$(($(meminfo_kib "$WORK/meminfo.anon" AnonPages) - $(meminfo_kib "$WORK/meminfo.setmem" AnonPages)))
d_comm=$(($(meminfo_kib "$WORK/meminfo.anon" Committed_AS) - $(meminfo_kib "$WORK/meminfo.setmem" Committed_AS)))
[ "$d_anon" -ge $((60 * 1024)) ] || fail "AnonPages rose by only $d_anon KiB in the anon phase"
[ "$d_comm" -ge $((60 * 1024)) ] || fail "Committed_AS rose by only $d_comm KiB in the anon phase"
lab_guest_cat "$NAME" /run/bc-workload

step "console log"
cat "$LOG"
[ "$(grep -c '^bc-phase ' "$LOG")" -ge 2 ] || fail "fewer than 2 bc-phase lines on the console"
if grep -qE 'Out of memory|Kernel panic|bc-error' "$LOG"; then
    fail "console log shows OOM, panic or bc-error"
fi

step "teardown"
# shellcheck disable=SC2119 # no --purge: keep LAB_SMOKE_DIR for inspection
lab_teardown
# Zombies of the daemons may linger a moment until reaped.
left=
for ((i = 0; i < 50; i++)); do
    left=$(ps -u "$LAB_USER" -o stat=,pid=,comm= | awk '$1 !~ /^Z/ && $3 ~ /^(qemu|libvirtd|virtlogd)/')
    [ -z "$left" ] && break
    sleep 0.2
done
[ -z "$left" ] || fail "processes of $LAB_USER left after teardown: $left"
echo "smoke: PASS (start to agent $(elapsed "$t1" "$t2") s)"
