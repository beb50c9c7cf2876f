#!/bin/bash
# test-real-guest.sh -- balloonctl against a real guest (run as root).
#
# A private qemu:///session libvirtd of the unprivileged user bclab boots a
# busybox guest rg1 (virtio balloon, qemu-ga, 1 vCPU under TCG) whose
# workload reads at random from a small file set, then a larger one, then the
# small one again, and an idle guest rg2 with no agent and balloon statistics
# off.  `balloonctl run` manages both.  Checks:
#   - rg1's memory rises when the page-cache working set grows, and comes
#     back down after it shrinks; never above max;
#   - rg2 is managed from balloon statistics alone (which the daemon turns
#     on), and a min-mib set with `virsh metadata` while it runs is applied;
#   - rg2 paused: no change while paused, the wanted one after resume;
#     saved and restored: not listed while saved, managed again after;
#     its kernel panicked (an NMI) and rebooted: said once, managed anew from
#     its new boot's figures; its QEMU killed by the host (SIGKILL, as the
#     OOM killer would): said once, no call on it, not listed; started
#     again and destroyed: no call on it, no longer listed by status;
#   - `balloonctl status --json` shows the agent as the source, with
#     plausible Committed_AS and Cached; the table is printed for the log;
#   - the guest kernel never OOM-kills or panics (but for the panic made);
#   - SIGTERM ends the daemon cleanly (exit 0), and teardown leaves nothing.
#
# Usage: test-real-guest.sh BALLOONCTL
# Environment: LAB_CACHE (guest build dir), BC_LAB_DIR (<= 40 chars),
#   BC_PHASE_S (seconds per phase, default 150; the first is shorter).
# Prints "real-guest: PASS" or "real-guest: FAIL: reason"; exit 77 (skip)
# when not root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC=${1:?usage: test-real-guest.sh BALLOONCTL}
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
BC_LAB_DIR=${BC_LAB_DIR:-/var/tmp/bclab-test}
PHASE_S=${BC_PHASE_S:-150}
FIRST_S=$((PHASE_S * 2 / 5))
SMALL=16 LARGE=300 MAX_MIB=768
NAME=rg1
export LAB_CACHE LAB_GUEST_DIR=$LAB_CACHE

fail() { echo "real-guest: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "real-guest: SKIP: needs root (creates user bclab)"; exit 77; }

# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"

"$HERE/build-guest.sh" "$LAB_CACHE" "$LARGE" 1 >/dev/null
lab_init "$BC_LAB_DIR"
DAEMON_PID=
cleanup() { lab_test_exit $? "${DLOG:-}" "${CLOG:-}" "${LAB_DIR:-/nonexistent}/rg2.console.log"; }
trap cleanup EXIT
# set -e ends the test on any unexpected failure: say where.
trap 'echo "real-guest: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

# The binary and its config must be readable by the lab user.
BIN=$LAB_DIR/balloonctl
install -m 0755 "$BIN_SRC" "$BIN"
CONF=$LAB_DIR/balloonctl.conf
cat >"$CONF" <<CONF
[domain]
min-mib=128
CONF
chmod 0644 "$CONF"
SAMPLES=$LAB_DIR/samples.tsv
DLOG=$LAB_DIR/daemon.log
CLOG=$LAB_DIR/$NAME.console.log

PHASES="$FIRST_S:read:$SMALL,$PHASE_S:read:$LARGE,$PHASE_S:read:$SMALL,600:idle"
echo "=== boot $NAME: max $MAX_MIB MiB, phases $PHASES"
lab_define_guest "$NAME" "$MAX_MIB" "$MAX_MIB" "$PHASES" || fail "cannot start guest"
echo "=== boot rg2: 512 MiB, idle, no agent, balloon statistics off"
# an NMI panics it, and a panic reboots it after a second
LAB_CMDLINE_EXTRA="bc.noagent unknown_nmi_panic panic=1" LAB_STATS_PERIOD=0 lab_define_guest rg2 512 512 3600:idle || fail "cannot start rg2"
lab_wait_agent "$NAME" 180 >/dev/null || fail "guest agent did not answer"
for _ in $(seq 120); do grep -q '^bc-ready noagent' "$LAB_DIR/rg2.console.log" && break; sleep 1; done
grep -q '^bc-ready noagent' "$LAB_DIR/rg2.console.log" || fail "rg2 did not boot"

echo "=== balloonctl run"
# --record appends: a recording left by an earlier run (another build) would
# not replay as this one's
rm -f "$LAB_DIR/record.jsonl"
# ASan/UBSan (CI) report into the daemon log; leaks end the run non-zero.
lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
    "$BIN" --config "$CONF" -v run --record "$LAB_DIR/record.jsonl" >"$DLOG" 2>&1 &
DAEMON_PID=$!
t0=$(date +%s)
# lab_run goes through runuser; signals go to balloonctl itself.
bc_pid() { pgrep -u "$LAB_USER" -f "^$BIN --config $CONF -v run --record" | head -1; }

# One sample a second: elapsed, balloon.current (KiB), phase of the workload.
phase_of() { lab_guest_cat "$NAME" /run/bc-workload 2>/dev/null | sed -n 's/^phase=\([0-9]*\).*/\1/p'; }
current_kib() { lab_run virsh dommemstat "$1" 2>/dev/null | awk '$1 == "actual" { print $2 }'; }
: >"$SAMPLES"
end=$((t0 + FIRST_S + 2 * PHASE_S))
status_json_done=0 meta_done=0
while [ "$(date +%s)" -lt "$end" ]; do
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited early: $(tail -5 "$DLOG")"
    # The agent may be busy for a moment: an unreadable phase is skipped.
    ph=$(phase_of || true)
    printf '%s\t%s\t%s\t%s\t%s\n' "$(( $(date +%s) - t0 ))" "$(current_kib "$NAME")" "$ph" "$(current_kib rg2)" "$meta_done" >>"$SAMPLES"
    if [ "$meta_done" = 0 ] && [ "${ph:-0}" = 2 ]; then
        echo "=== virsh metadata rg2: min-mib 384"
        lab_run virsh metadata rg2 http://balloonctl.org/xmlns/domain/1.0 --key balloonctl --live \
            --set '<policy><min-mib>384</min-mib></policy>' || fail "virsh metadata"
        meta_done=1
    fi
    if [ "$status_json_done" = 0 ] && [ "$(( $(date +%s) - t0 ))" -ge $((FIRST_S + PHASE_S / 2)) ]; then
        echo "=== balloonctl status (large working set)"
        lab_run "$BIN" --config "$CONF" status | tee "$LAB_DIR/status.txt"
        lab_run "$BIN" --config "$CONF" status --json >"$LAB_DIR/status.json"
        status_json_done=1
    fi
    sleep 1
done
echo "=== balloonctl status (small working set again)"
lab_run "$BIN" --config "$CONF" status

echo "=== SIGHUP with a bad config is rejected, the daemon goes on"
cp "$CONF" "$CONF.good"
echo "[margin]
step-mib=lots" >>"$CONF"
kill -HUP "$(bc_pid)"
sleep 2
cp "$CONF.good" "$CONF"
grep -q "reload rejected, keeping the running configuration: .*step-mib" "$DLOG" || fail "bad reload not reported"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died on a bad reload"
kill -HUP "$(bc_pid)"
sleep 2
grep -q "configuration reloaded" "$DLOG" || fail "good reload not reported"

echo "=== libvirt killed under the running daemon, and back"
# wait_log PATTERN SECS: until the daemon log has a line matching it.
wait_log() {
    local i
    for i in $(seq "$2"); do grep -qE "$1" "$DLOG" && return 0; sleep 1; done
    return 1
}
lvd=$(pgrep -u "$LAB_USER" -x libvirtd | head -1)
[ -n "$lvd" ] || fail "no libvirtd to kill"
t_kill=$(date +%s%N)
kill -KILL "$lvd"
wait_log 'connection to libvirt lost' 30 || fail "the lost connection went unnoticed: $(tail -5 "$DLOG")"
# the daemon itself connects again (qemu:///session starts its libvirtd)
wait_log 'connected to libvirt again after' 90 || fail "no reconnect: $(tail -5 "$DLOG")"
t_back=$(date +%s%N)
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon exited when libvirt went away"
grep 'connected to libvirt again' "$DLOG" | tail -1
max_kib=$(lab_run virsh dominfo "$NAME" | awk '/Max memory/ { print $3 }')
# Managed again: once the balloon has grown towards the size set by hand,
# the daemon sizes the guest from there (a shrink from above where it was).
changes=$(grep -c "$NAME: [0-9]* -> [0-9]* KiB" "$DLOG" || true)
before_kib=$(current_kib "$NAME")
lab_run virsh setmem "$NAME" "$max_kib" --live || fail "setmem by hand"
t_set=$(date +%s%N)
resumed=
for _ in $(seq 120); do
    resumed=$(grep "$NAME: [0-9]* -> [0-9]* KiB" "$DLOG" | tail -n +$((changes + 1)) |
        awk -v from="$before_kib" '{ for (i = 1; i < NF; i++) if ($(i + 1) == "->" && $i + 0 >= from + 16384 && $(i + 2) + 0 < $i + 0) { print; exit } }')
    [ -n "$resumed" ] && break
    sleep 0.5
done
[ -n "$resumed" ] || fail "$NAME not managed again after libvirt came back: $(tail -5 "$DLOG")"
t_resumed=$(date +%s%N)
echo "ok   libvirt killed: reconnected $(( (t_back - t_kill) / 1000000 )) ms after the kill;" \
     "$NAME set to its max by hand was managed again $(( (t_resumed - t_set) / 1000000 )) ms later:"
echo "     $resumed"

echo "=== domains in motion: rg2 paused, saved and restored, destroyed"
# new_changes DOMAIN MARK: the daemon's changes of DOMAIN after log line MARK
new_changes() { tail -n +$(($2 + 1)) "$DLOG" | grep -E "$1: [0-9]+ -> [0-9]+ KiB" || true; }
# wait_shrink DOMAIN MARK SECS: until the daemon shrinks DOMAIN after MARK
wait_shrink() {
    local i
    for i in $(seq "$3"); do
        new_changes "$1" "$2" | awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "->" && $(i + 2) + 0 < $i + 0) f = 1 } END { exit !f }' && return 0
        sleep 1
    done
    return 1
}
# paused: a shrink the daemon wants (min-mib 384 -> 192) waits for resume
lab_run virsh suspend rg2 >/dev/null || fail "virsh suspend"
mark=$(wc -l <"$DLOG")
lab_run virsh metadata rg2 http://balloonctl.org/xmlns/domain/1.0 --key balloonctl --live \
    --set '<policy><min-mib>192</min-mib></policy>' || fail "virsh metadata (paused)"
sleep 6
[ -z "$(new_changes rg2 "$mark")" ] || fail "rg2 resized while paused: $(new_changes rg2 "$mark")"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died with rg2 paused"
t_resume=$(date +%s%N)
lab_run virsh resume rg2 >/dev/null || fail "virsh resume"
wait_shrink rg2 "$mark" 30 || fail "rg2 not shrunk after resume: $(tail -5 "$DLOG")"
echo "ok   rg2 paused 6 s: no change; resumed: shrunk $(( ($(date +%s%N) - t_resume) / 1000000 )) ms later:" \
     "$(new_changes rg2 "$mark" | head -1 | grep -oE '[0-9]+ -> [0-9]+ KiB')"
# saved (a job, then the domain is off) and restored: managed again
sleep 3
lab_run virsh save rg2 "$LAB_DIR/rg2.save" >/dev/null || fail "virsh save"
sleep 3
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died when rg2 was saved"
lab_run "$BIN" --config "$CONF" status --json >"$LAB_DIR/status-saved.json"
python3 "$HERE/verdicts.py" real-guest-saved "$LAB_DIR/status-saved.json" || fail "status after save"
lab_run virsh restore "$LAB_DIR/rg2.save" >/dev/null || fail "virsh restore"
rm -f "$LAB_DIR/rg2.save"
sleep 3
mark=$(wc -l <"$DLOG")
lab_run virsh setmem rg2 524288 --live || fail "setmem rg2 after restore"
t_set=$(date +%s%N)
wait_shrink rg2 "$mark" 60 || fail "rg2 not managed after restore: $(tail -5 "$DLOG")"
echo "ok   rg2 saved (daemon running, rg2 no longer listed) and restored; set to 512 MiB by hand," \
     "shrunk again $(( ($(date +%s%N) - t_set) / 1000000 )) ms later"
# its kernel panics (an NMI, unknown_nmi_panic) and reboots (panic=1):
# the reboot said once, and rg2 managed anew from its new boot's figures
mark=$(wc -l <"$DLOG")
panic_mark=$(wc -l <"$LAB_DIR/rg2.console.log")
t_nmi=$(date +%s%N)
lab_run virsh inject-nmi rg2 || fail "virsh inject-nmi rg2"
ready_after() { tail -n +$((panic_mark + 1)) "$LAB_DIR/rg2.console.log" | grep -c '^bc-ready noagent' || true; }
for _ in $(seq 120); do [ "$(ready_after)" -ge 1 ] && break; sleep 1; done
tail -n +$((panic_mark + 1)) "$LAB_DIR/rg2.console.log" | grep -q 'Kernel panic' || fail "rg2 did not panic on the NMI"
[ "$(ready_after)" -ge 1 ] || fail "rg2 did not boot again after its panic"
wait_log 'rg2: guest rebooted' 30 || fail "rg2's reboot not said: $(tail -5 "$DLOG")"
[ "$(tail -n +$((mark + 1)) "$DLOG" | grep -c 'rg2: guest rebooted')" -eq 1 ] || fail "rg2's reboot said more than once"
mark2=$(wc -l <"$DLOG")
lab_run virsh setmem rg2 524288 --live || fail "setmem rg2 after its reboot"
wait_shrink rg2 "$mark2" 60 || fail "rg2 not managed after its reboot: $(tail -5 "$DLOG")"
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died when rg2 panicked"
echo "ok   rg2 panicked and rebooted: said once; set to 512 MiB by hand, shrunk again" \
     "$(( ($(date +%s%N) - t_nmi) / 1000000 )) ms after the NMI"
# its QEMU killed by the host: said once, no call on it, not listed
sleep 2
mark=$(wc -l <"$DLOG")
rg2_qemu=$(pgrep -u "$LAB_USER" -f 'guest=rg2,' | head -1)
[ -n "$rg2_qemu" ] || fail "no QEMU of rg2 to kill"
kill -KILL "$rg2_qemu"
wait_log 'rg2: stopped: its QEMU ended unexpectedly' 30 || fail "rg2's QEMU killed: not said: $(tail -5 "$DLOG")"
sleep 4
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died when rg2's QEMU was killed"
[ "$(tail -n +$((mark + 1)) "$DLOG" | grep -c 'rg2: stopped')" -eq 1 ] || fail "rg2's stop said more than once"
! tail -n +$((mark + 1)) "$DLOG" | grep -E "rg2: .*(fail|error)" || fail "a call on rg2 after its QEMU was killed"
lab_run "$BIN" --config "$CONF" status >"$LAB_DIR/status-killed.txt"
! grep -E "^rg2 " "$LAB_DIR/status-killed.txt" || fail "rg2 still listed after its QEMU was killed"
echo "ok   rg2's QEMU killed (SIGKILL): said once, no call on it, no longer listed"
# libvirt starts its console file afresh: keep the one of the panic
cp "$LAB_DIR/rg2.console.log" "$LAB_DIR/rg2.console.panic"
mark=$(wc -l <"$DLOG")
lab_run virsh start rg2 >/dev/null || fail "virsh start rg2 after the kill"
for _ in $(seq 60); do tail -n +$((mark + 1)) "$DLOG" | grep -q 'rg2: managed' && break; sleep 1; done
tail -n +$((mark + 1)) "$DLOG" | grep -q 'rg2: managed' || fail "rg2 not managed after its restart: $(tail -5 "$DLOG")"
sleep 5
# destroyed: no call on a gone domain, no stale entry
mark=$(wc -l <"$DLOG")
lab_run virsh destroy rg2 >/dev/null || fail "virsh destroy"
sleep 4
kill -0 "$DAEMON_PID" 2>/dev/null || fail "daemon died when rg2 was destroyed"
! tail -n +$((mark + 1)) "$DLOG" | grep -E "rg2: .*(fail|error)" || fail "a call on destroyed rg2"
[ -z "$(new_changes rg2 "$mark")" ] || fail "rg2 resized after destroy: $(new_changes rg2 "$mark")"
lab_run "$BIN" --config "$CONF" status >"$LAB_DIR/status-destroyed.txt"
! grep -E "^rg2 " "$LAB_DIR/status-destroyed.txt" || fail "rg2 still listed after destroy: $(cat "$LAB_DIR/status-destroyed.txt")"
echo "ok   rg2 destroyed: no call on it, no longer listed by status"

echo "=== SIGTERM"
kill -TERM "$(bc_pid)"
rc=0; wait "$DAEMON_PID" || rc=$?
DAEMON_PID=
echo "=== daemon log (changes)"
grep -E ' -> [0-9]+ KiB' "$DLOG" | sed -n '1,5p;$p' || true
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM: $(tail -20 "$DLOG")"
tail -1 "$DLOG" | grep -q ': stopped$' || fail "daemon did not stop cleanly: $(tail -3 "$DLOG")"
grep -qE 'ERROR: (Address|Leak)Sanitizer' "$DLOG" && fail "sanitizer report in daemon log"

echo "=== checks"
# the run's recording, replayed offline: with the configuration it ran
# with, every decision comes back; with another policy, the difference
lab_run "$BIN" replay "$LAB_DIR/record.jsonl" >"$LAB_DIR/replay.txt" 2>&1 || fail "replay: $(tail -3 "$LAB_DIR/replay.txt")"
grep -q 'every recorded decision reproduced' "$LAB_DIR/replay.txt" ||
    fail "replay did not reproduce the run: $(tail -5 "$LAB_DIR/replay.txt")"
echo "ok   replay of the run's $(wc -l <"$LAB_DIR/record.jsonl") passes: $(grep -o '[0-9]* passes replayed.*' "$LAB_DIR/replay.txt" | head -1); every recorded decision reproduced"
lab_run "$BIN" replay --policy committed "$LAB_DIR/record.jsonl" >"$LAB_DIR/replay-committed.txt" 2>&1 ||
    fail "replay --policy committed: $(tail -3 "$LAB_DIR/replay-committed.txt")"
grep -E "^  $NAME: [0-9]+ of [0-9]+ passes differ" "$LAB_DIR/replay-committed.txt" | grep -vq "^  $NAME: 0 of" ||
    fail "replay with policy committed shows no difference: $(tail -5 "$LAB_DIR/replay-committed.txt")"
echo "ok   replay --policy committed: $(grep -E "^  $NAME: [0-9]+ of" "$LAB_DIR/replay-committed.txt")"
grep -q 'rg2: managed .*balloon statistics enabled' "$DLOG" || fail "statistics not enabled on rg2"
echo "ok   balloon statistics enabled on rg2"
python3 "$HERE/verdicts.py" real-guest "$SAMPLES" "$LAB_DIR/status.json" "$MAX_MIB" "$SMALL" "$LARGE" || fail "see above"
# rg2's console without the panic made on purpose (from the NMI to the next boot)
{ head -n "$panic_mark" "$LAB_DIR/rg2.console.panic"
  tail -n +$((panic_mark + 1)) "$LAB_DIR/rg2.console.panic" | sed -n '/^bc-ready noagent/,$p'
  cat "$LAB_DIR/rg2.console.log"; } >"$LAB_DIR/rg2.console.checked"
for log in "$CLOG" "$LAB_DIR/rg2.console.checked"; do
    grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$log" && fail "guest kernel complained in $log: $(grep -iE 'out of memory|oom|panic' "$log" | head -3)"
done
echo "ok   no OOM kill or panic in either guest console"
echo "real-guest: PASS"
