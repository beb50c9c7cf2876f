#!/bin/bash
# soak.sh -- balloonctl run for a long while next to guests whose
# workloads keep changing, while its surroundings break (run as root).
#
#   soak.sh BALLOONCTL MINUTES GUESTS OUTDIR [SEED]
#
# GUESTS busybox guests (384 MiB max each, deflate-on-oom, a host budget of 256 MiB each so
# they compete) run random phases (reads of 8..200 of its 300 files of 1 MiB, 32..128
# MiB of anonymous memory, idle; 20..60 s each).  During the run:
#   25 % and 70 %: libvirt's daemon is killed (SIGKILL); run connects again
#   40 % and 85 %: a guest's qemu-ga is stopped (SIGSTOP) for 30 s
#   55 %:          a guest is destroyed, and started again 10 s later
# Every 5 s: the daemon's RSS and open fds, and from its /metrics the
# passes, the tick lateness (last and largest), ticks late, applies and
# apply failures, reconnects; the guests' memory.  OUTDIR gets samples.tsv,
# events.tsv, the daemon log and summary.txt.  Fails (exit 1) if the daemon
# dies, a guest kernel OOM-kills or panics, the daemon does not connect
# again after each kill, open fds grow (more than 4 above the first
# sample after start), or a sanitizer reports.  Exit 77 when not root.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: soak.sh BALLOONCTL MINUTES GUESTS OUTDIR [SEED]}
MINUTES=${2:?minutes} GUESTS=${3:?guests} OUT=${4:?outdir} SEED=${5:-1}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-soak}
MAX_MIB=384
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE

fail() { echo "soak: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "soak: SKIP: needs root (creates user bclab)"; exit 77; }
[[ $MINUTES =~ ^[1-9][0-9]*$ && $GUESTS =~ ^[1-9]$ ]] || fail "MINUTES must be >= 1, GUESTS 1..9"

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_CACHE" 300 1 >/dev/null
lab_init "$BC_LAB_DIR"
mkdir -p "$OUT"
DAEMON_PID=
cleanup() { lab_test_exit $? "${DLOG:-}"; }
trap cleanup EXIT
trap 'echo "soak: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
printf '[host]\nbudget-mib=%d\n[domain]\nmin-mib=128\n[metrics]\nlisten=127.0.0.1:0\n' $((GUESTS * 256)) >"$CONF"
chmod 0644 "$CONF"
DLOG=$OUT/daemon.log SAMPLES=$OUT/samples.tsv EVENTS=$OUT/events.tsv
RANDOM=$SEED

# random phases covering the run and then some
phases() {
    local total=0 p="" secs kind
    while [ $total -lt $((MINUTES * 60 + 120)) ]; do
        secs=$((20 + RANDOM % 41))
        case $((RANDOM % 3)) in
            0) kind="read:$((8 + RANDOM % 193))" ;;
            1) kind="anon:$((32 + RANDOM % 97))" ;;
            *) kind="idle" ;;
        esac
        p+="${p:+,}$secs:$kind"
        total=$((total + secs))
    done
    echo "$p,3600:idle"
}
names=()
for i in $(seq "$GUESTS"); do
    names+=("s$i")
    ph=$(phases)
    echo "=== boot s$i: $ph"
    # deflate-on-oom, as the README recommends
    LAB_AUTODEFLATE=on lab_define_guest "s$i" "$MAX_MIB" "$MAX_MIB" "$ph" || fail "cannot start s$i"
done
for n in "${names[@]}"; do lab_wait_agent "$n" 240 >/dev/null || fail "agent of $n did not answer"; done

echo "=== balloonctl run ($MINUTES min, $GUESTS guests)"
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run >"$DLOG" 2>&1 &
DAEMON_PID=$!
bc_pid() { pgrep -u "$LAB_USER" -f "^$BIN --config $CONF -v run" | head -1; }
url=
for _ in $(seq 100); do
    url=$(sed -n 's/.*metrics: serving \(http:[^ ]*metrics\).*/\1/p' "$DLOG" | tail -1)
    [ -n "$url" ] && break
    sleep 0.2
done
[ -n "$url" ] || fail "no metrics endpoint in the daemon log"
pid=$(bc_pid)
metric() { awk -v k="$1" '$1 == k { print $2 }' "$OUT/m"; }
current() { lab_run virsh dommemstat "$1" 2>/dev/null | awk '$1 == "actual" { print $2 }'; }
event() { printf '%s\t%s\n' "$(( $(date +%s) - t0 ))" "$*" | tee -a "$EVENTS"; }
kill_libvirtd() {
    local lvd; lvd=$(pgrep -u "$LAB_USER" -x libvirtd | head -1)
    [ -n "$lvd" ] && kill -KILL "$lvd"
    event "libvirtd ($lvd) killed"
}
stop_agent() {
    # shellcheck disable=SC2016 # the $(...) and $p are the guest shell's
    _lab_agent "$1" '{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","p=$(cat /run/qemu-ga.pid); kill -STOP $p; sleep 30; kill -CONT $p"]}}' >/dev/null ||
        { event "could not stop the agent of $1"; return 0; }
    event "qemu-ga of $1 stopped for 30 s"
}

printf 't_s\trss_kib\tfds\tpasses\tlate_ms\tlate_max_ms\tticks_late\tapplies\tapply_failures\treconnects\tagent_stopped\tguests_kib\n' >"$SAMPLES"
: >"$EVENTS"
t0=$(date +%s) end=$(( $(date +%s) + MINUTES * 60 ))
done_events="" agent_stopped_until=0 restart=
while [ "$(date +%s)" -lt "$end" ]; do
    kill -0 "$pid" 2>/dev/null || fail "the daemon died: $(tail -3 "$DLOG")"
    pct=$(( ($(date +%s) - t0) * 100 / (MINUTES * 60) ))
    for e in 25:kill 40:agent1 55:destroy 70:kill2 85:agent2; do
        at=${e%%:*} what=${e#*:}
        # shellcheck disable=SC2015 # two tests, then continue
        [ "$pct" -ge "$at" ] && [[ " $done_events " != *" $what "* ]] || continue
        done_events+=" $what"
        case $what in
            kill|kill2) kill_libvirtd ;;
            agent1) stop_agent "${names[0]}"; agent_stopped_until=$(( $(date +%s) + 30 )) ;;
            agent2) stop_agent "${names[$(( GUESTS > 2 ? 2 : GUESTS - 1 ))]}"; agent_stopped_until=$(( $(date +%s) + 30 )) ;;
            destroy)
                d=${names[$(( GUESTS > 1 ? 1 : 0 ))]}
                lab_run virsh -q destroy "$d" >/dev/null && event "$d destroyed"
                ( sleep 10; lab_run virsh -q start "$d" >/dev/null && event "$d started again" ) &
                restart=$! ;;
        esac
    done
    curl -s --max-time 3 -o "$OUT/m" "$url" || : >"$OUT/m"
    total=0
    for n in "${names[@]}"; do c=$(current "$n" || true); total=$((total + ${c:-0})); done
    late=$(metric balloonctl_tick_lateness_seconds) late_max=$(metric balloonctl_tick_lateness_max_seconds)
    # shellcheck disable=SC2012 # descriptors: numbers, nothing for ls to mangle
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(( $(date +%s) - t0 ))" \
        "$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")" "$(ls "/proc/$pid/fd" | wc -l)" \
        "$(metric balloonctl_passes_total)" "$(awk -v s="${late:-0}" 'BEGIN { printf "%d", s * 1000 }')" \
        "$(awk -v s="${late_max:-0}" 'BEGIN { printf "%d", s * 1000 }')" "$(metric balloonctl_ticks_late_total)" \
        "$(metric balloonctl_applies_total)" "$(metric balloonctl_apply_failures_total)" \
        "$(metric balloonctl_reconnects_total)" "$([ "$(date +%s)" -lt "$agent_stopped_until" ] && echo 1 || echo 0)" \
        "$total" >>"$SAMPLES"
    sleep 5
done
[ -z "$restart" ] || wait "$restart" || true

echo "=== SIGTERM"
kill -TERM "$pid"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
grep -qE 'ERROR: (Address|Leak)Sanitizer' "$DLOG" && fail "sanitizer report in the daemon log"
# the guest kernel's OOM killer and panics fail the soak; a program's
# allocation refused ("tail: out of memory") is counted and shown
ooms=0 refused=0
for n in "${names[@]}"; do
    c=$(grep -ciE 'invoked oom-killer|out of memory: kill|oom-kill:|kernel panic' "$LAB_DIR/$n.console.log" || true)
    r=$(grep -ciE '^[a-z0-9_-]+: out of memory' "$LAB_DIR/$n.console.log" || true)
    ooms=$((ooms + c)) refused=$((refused + r))
done
python3 - "$SAMPLES" "$EVENTS" "$ooms" "$MINUTES" "$GUESTS" "$refused" >"$OUT/summary.txt" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
ooms, minutes, guests, refused = int(sys.argv[3]), sys.argv[4], sys.argv[5], int(sys.argv[6])
num = lambda r, k: int(r[k] or 0)
first, last = rows[1] if len(rows) > 1 else rows[0], rows[-1]
rss = [num(r, "rss_kib") for r in rows]
fds = [num(r, "fds") for r in rows]
stopped = [num(r, "late_ms") for r in rows if r["agent_stopped"] == "1"]
normal = [num(r, "late_ms") for r in rows if r["agent_stopped"] == "0"]
print(f"soak: {minutes} min, {guests} guests, {len(rows)} samples")
print(f"  daemon RSS KiB: first {rss[0]}, after 5 s {num(first, 'rss_kib')}, last {rss[-1]}, max {max(rss)}")
print(f"  open fds: after 5 s {num(first, 'fds')}, last {fds[-1]}, max {max(fds)}")
print(f"  passes {num(last, 'passes')}, ticks more than 0.25 s late {num(last, 'ticks_late')}, "
      f"largest lateness {num(last, 'late_max_ms')} ms")
print(f"  tick lateness (sampled) with a guest agent stopped: max {max(stopped, default=0)} ms over {len(stopped)} samples; "
      f"otherwise max {max(normal, default=0)} ms over {len(normal)}")
print(f"  applies {num(last, 'applies')}, apply failures {num(last, 'apply_failures')}, reconnects {num(last, 'reconnects')}")
print(f"  guest OOM kills or panics: {ooms}; allocations a guest program was refused: {refused}")
for line in open(sys.argv[2]):
    print("  event at", line.rstrip().replace("\t", " s: ", 1))
PY
cat "$OUT/summary.txt"
[ "$ooms" -eq 0 ] || fail "$ooms OOM kills or panics in the guests' consoles"
kills=$(grep -c 'libvirtd (.*) killed' "$EVENTS" || true)
back=$(grep -c 'connected to libvirt again' "$DLOG" || true)
[ "$back" -ge "$kills" ] || fail "libvirt was killed $kills times, the daemon connected again $back times"
awk -F'\t' 'NR == 3 { f = $3 } NR > 3 && $3 > f + 4 { bad = $3 } END { exit bad ? 1 : 0 }' "$SAMPLES" ||
    fail "open fds grew: $(cut -f3 "$SAMPLES" | tr '\n' ' ')"
echo "soak: PASS"
