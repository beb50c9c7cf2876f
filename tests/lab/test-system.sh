#!/bin/bash
# test-system.sh -- balloonctl the way a host runs it (run as root).
#
# Debian's libvirt-daemon-system: virtlogd and libvirtd started as root, as
# their units would start them (no systemd needed); a busybox guest bcsys
# (build-guest.sh: virtio balloon, qemu-ga; 512 MiB, 1 vCPU, TCG, idle)
# defined by root on qemu:///system, so that QEMU runs as libvirt-qemu; and
# `balloonctl run` with the arguments of balloonctl.service's ExecStart, as
# the unit runs it: as the system user balloonctl (made by systemd-sysusers
# from data/balloonctl.sysusers when there is none), in the libvirt group,
# its runtime directory /run/balloonctl its own ($RUNTIME_DIRECTORY); and
# every other default: the default configuration file (the shipped example
# installed there when there is none, as `meson install` does) and the
# default state file /run/balloonctl/state.json.  libvirtd's socket is the
# libvirt group's (0770, no polkit here: on a Debian host, polkit's rule
# for that group grants the same).  Checks:
#   - QEMU runs as libvirt-qemu; the daemon as balloonctl, not root;
#   - `balloonctl status` as root, without options, shows the daemon's
#     columns for bcsys (its state, target, margin, source agent);
#   - `balloonctl -c 'qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock'
#     status` (a remote-style URI of the same libvirtd) shows the same row;
#   - a URI naming another host (qemu+ext://other-host.invalid/system through
#     virt-ssh-helper, what ssh runs on a remote host) shows the live
#     columns, the daemon's "-", and a warning naming that host;
#   - the idle guest shrinks from 512 MiB to Committed_AS + margin (within
#     the daemon's limits) within a minute (virsh dommemstat);
#   - SIGTERM ends the daemon cleanly (exit 0).
# Afterwards, also on failure: the domain destroyed and undefined, the
# daemons started here stopped, every file made here removed (images,
# logs, /run/balloonctl, /run/libvirt, the config file if installed here).
# A libvirt system daemon already running (or its socket) is never touched:
# the test fails saying so.  About a minute (libvirtd's first start probes
# QEMU's capabilities: a few seconds more).
#
# Usage: test-system.sh BALLOONCTL
# Environment: LAB_CACHE (guest build dir, shared with test-real-guest.sh).
# Prints "system: PASS" or "system: FAIL: reason"; exit 77 (skip) when not
# root.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"
BIN=${1:?usage: test-system.sh BALLOONCTL}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
NAME=bcsys MAX_MIB=512
IMG=/var/lib/libvirt/images/balloonctl-lab
URI=qemu:///system
REMOTE_URI='qemu+unix:///system?socket=/var/run/libvirt/libvirt-sock'
STATE_DIR=/run/balloonctl
# A service's environment: no LIBVIRT_DEFAULT_URI, no XDG variables.
CLEAN_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
    ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}")

fail() { echo "system: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "system: SKIP: needs root (starts the system libvirtd)"; exit 77; }

# ---- refuse to touch anything already there ----------------------------------
for f in /usr/sbin/libvirtd /usr/sbin/virtlogd /etc/libvirt/libvirtd.conf; do
    [ -e "$f" ] || fail "$f missing: install libvirt-daemon-system (tools/packages.txt)"
done
id -u libvirt-qemu >/dev/null 2>&1 || fail "no user libvirt-qemu: install libvirt-daemon-system"
running=
for d in libvirtd virtqemud virtproxyd virtlogd virtlockd; do
    running+=$(pgrep -u 0 -l -x "$d" | tr '\n' ' ' || true)
done
[ -z "$running" ] || fail "a libvirt daemon already runs as root ($running): this test starts the system daemons itself and touches no running one"
for s in /run/libvirt/libvirt-sock /run/libvirt/virtqemud-sock /run/libvirt/virtlogd-sock; do
    [ ! -e "$s" ] || fail "$s exists: a system libvirt daemon (or its socket unit) is there; this test does not touch one"
done
[ ! -e "$STATE_DIR" ] || fail "$STATE_DIR exists: a balloonctl daemon runs (or ran) on this host; this test does not touch it"
[ ! -e "/etc/libvirt/qemu/$NAME.xml" ] || fail "a domain $NAME is defined already (/etc/libvirt/qemu/$NAME.xml)"
[ ! -e "$IMG" ] || fail "$IMG exists (a test run left over?)"

# The default configuration file: the one this build reads without --config.
CONF=$("$BIN" --help | sed -n 's/.*Configuration file (default: \(.*\))$/\1/p')
[[ $CONF == /* ]] || fail "no default configuration path in balloonctl --help"
# The unit's command line after the binary (e.g. "-c qemu:///system run").
read -r -a UNIT_ARGS < <(sed -n 's|^ExecStart=@SBINDIR@/balloonctl ||p' "$SRC/data/balloonctl.service.in")
[ "${#UNIT_ARGS[@]}" -gt 0 ] || fail "no ExecStart in data/balloonctl.service.in"

"$HERE/build-guest.sh" "$LAB_CACHE" 300 1 >/dev/null 2>&1 || fail "build-guest.sh failed"

# ---- teardown ----------------------------------------------------------------
BC_PID='' LIBVIRTD_PID='' VIRTLOGD_PID='' QEMU_PID='' CONF_MADE='' CONF_DIR_MADE='' RUN_LIBVIRT_MADE='' USER_MADE=''
[ -e /run/libvirt ] || RUN_LIBVIRT_MADE=1
# what the daemons started here leave in /run when it was there already
# (their sockets: none was there, see above; their pid files if new)
RUN_FILES=(/run/libvirt/libvirt-sock /run/libvirt/libvirt-sock-ro /run/libvirt/libvirt-admin-sock
    /run/libvirt/virtlogd-sock /run/libvirt/virtlogd-admin-sock)
for f in /run/libvirtd.pid /run/virtlogd.pid; do [ -e "$f" ] || RUN_FILES+=("$f"); done
stop_pid() { # PID: TERM, 10 s, KILL
    local i
    [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    local rc=$? f
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        for f in "$IMG/daemon.log" "$IMG/libvirtd.log" "$IMG/$NAME.console.log" "/var/log/libvirt/qemu/$NAME.log"; do
            [ -s "$f" ] || continue
            echo "--- last lines of $f" >&2
            tail -n 20 "$f" >&2
        done
    fi
    stop_pid "$BC_PID"
    if [ -n "$LIBVIRTD_PID" ] && kill -0 "$LIBVIRTD_PID" 2>/dev/null; then
        virsh -q -c "$URI" destroy "$NAME" >/dev/null 2>&1 || true
        virsh -q -c "$URI" undefine "$NAME" >/dev/null 2>&1 || true
    fi
    stop_pid "$LIBVIRTD_PID"
    stop_pid "$VIRTLOGD_PID"
    # a QEMU left by a libvirtd that did not stop it: this test's guest only
    if [ -n "$QEMU_PID" ] && grep -qaF "guest=$NAME," "/proc/$QEMU_PID/cmdline" 2>/dev/null; then
        kill -KILL "$QEMU_PID" 2>/dev/null || true
    fi
    rm -f "/etc/libvirt/qemu/$NAME.xml" "/var/log/libvirt/qemu/$NAME.log"
    rm -rf "$IMG" "$STATE_DIR"
    rm -f "${RUN_FILES[@]}"
    [ -z "$RUN_LIBVIRT_MADE" ] || rm -rf /run/libvirt
    [ -z "$CONF_MADE" ] || rm -f "$CONF"
    [ -z "$CONF_DIR_MADE" ] || rm -rf "$CONF_DIR_MADE"
    if [ -n "$USER_MADE" ]; then
        userdel balloonctl 2>/dev/null || true
        groupdel balloonctl 2>/dev/null || true
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo "system: FAIL: line $LINENO: $BASH_COMMAND exited non-zero" >&2' ERR
trap 'exit 130' INT TERM

# ---- files: the guest's, where libvirt-qemu reads them -------------------------
install -d -m 0755 "$IMG"
install -m 0644 "$LAB_CACHE/vmlinuz" "$LAB_CACHE/initrd.img" "$IMG/"
# a small empty data disk: the guest only idles
mkfs.ext4 -q -F -O ^has_journal -L bcdata "$IMG/data.img" 4M >/dev/null
chmod 0644 "$IMG/data.img"
if [ ! -e "$CONF" ]; then
    # the topmost directory that is not there yet, removed after
    d=$(dirname "$CONF")
    while [ ! -e "$d" ]; do CONF_DIR_MADE=$d; d=$(dirname "$d"); done
    mkdir -p "$(dirname "$CONF")"
    install -m 0644 "$SRC/data/balloonctl.conf" "$CONF"
    CONF_MADE=1
    echo "=== installed the example configuration as $CONF"
else
    echo "=== using the configuration already at $CONF"
fi

# ---- the daemon's user, as systemd-sysusers makes it ------------------------------
if ! id -u balloonctl >/dev/null 2>&1; then
    systemd-sysusers "$SRC/data/balloonctl.sysusers" || fail "systemd-sysusers data/balloonctl.sysusers"
    USER_MADE=1
    echo "=== made the system user balloonctl (systemd-sysusers)"
fi
id -nG balloonctl | tr ' ' '\n' | grep -qx libvirt || fail "balloonctl is not in the libvirt group: $(id balloonctl)"
# the binary where that user can run it (the build tree may be root's alone)
install -m 0755 "$BIN" "$IMG/balloonctl"
# libvirtd's read-write socket for the libvirt group, as on a Debian host
cat >"$IMG/libvirtd.conf" <<'EOF'
unix_sock_group = "libvirt"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
EOF

# ---- the system daemons ---------------------------------------------------------
echo "=== virtlogd and libvirtd as root"
t_start=$SECONDS
"${CLEAN_ENV[@]}" /usr/sbin/virtlogd >"$IMG/virtlogd.log" 2>&1 &
VIRTLOGD_PID=$!
"${CLEAN_ENV[@]}" /usr/sbin/libvirtd -f "$IMG/libvirtd.conf" >"$IMG/libvirtd.log" 2>&1 &
LIBVIRTD_PID=$!
for _ in $(seq 120); do
    kill -0 "$LIBVIRTD_PID" 2>/dev/null || fail "libvirtd exited"
    virsh -q -c "$URI" version >/dev/null 2>&1 && break
    sleep 0.5
done
virsh -q -c "$URI" version >/dev/null 2>&1 || fail "libvirtd does not answer on $URI"
echo "libvirtd answers after $((SECONDS - t_start)) s"

echo "=== define and start $NAME on $URI ($MAX_MIB MiB, 1 vCPU, TCG)"
# the lab's guest (lab-lib.sh) on the system daemon: its agent socket
# where libvirt puts it, the disk as QEMU has it, the lab's settings unset
LAB_CMDLINE_EXTRA='' LAB_AUTODEFLATE='' LAB_STATS_PERIOD=1 \
    lab_domain_xml "$NAME" "$MAX_MIB" "$MAX_MIB" "$IMG" "$IMG/data.img" "$IMG/$NAME.console.log" 3600:idle '' plain \
    >"$IMG/$NAME.xml" || fail "lab_domain_xml"
virsh -q -c "$URI" define "$IMG/$NAME.xml" >/dev/null || fail "virsh define"
t_boot=$SECONDS
virsh -q -c "$URI" start "$NAME" >/dev/null || fail "virsh start"
QEMU_PID=$(cat "/run/libvirt/qemu/$NAME.pid")
qemu_user=$(stat -c %U "/proc/$QEMU_PID")
echo "QEMU runs as $qemu_user"
[ "$qemu_user" = libvirt-qemu ] || fail "QEMU runs as '$qemu_user', not libvirt-qemu"

actual_kib() { virsh -c "$URI" dommemstat "$NAME" 2>/dev/null | awk '$1 == "actual" { print $2 }'; }
for _ in $(seq 240); do
    virsh -q -c "$URI" qemu-agent-command "$NAME" --timeout 2 '{"execute":"guest-ping"}' >/dev/null 2>&1 && break
    sleep 0.5
done
virsh -q -c "$URI" qemu-agent-command "$NAME" --timeout 2 '{"execute":"guest-ping"}' >/dev/null 2>&1 ||
    fail "the guest agent of $NAME did not answer within 120 s"
start_kib=$(actual_kib)
echo "guest agent answers $((SECONDS - t_boot)) s after start; balloon at $start_kib KiB"
[ "$start_kib" -eq $((MAX_MIB * 1024)) ] || fail "balloon at $start_kib KiB, not the start size $((MAX_MIB * 1024)) KiB"

# ---- balloonctl as the unit runs it ------------------------------------------------
echo "=== balloonctl ${UNIT_ARGS[*]} (ExecStart of balloonctl.service)"
# as the unit's User=, Group=, SupplementaryGroups= and RuntimeDirectory= do
install -d -o balloonctl -g balloonctl -m 0755 "$STATE_DIR"
setpriv --reuid=balloonctl --regid=balloonctl --init-groups --inh-caps=-all \
    "${CLEAN_ENV[@]}" RUNTIME_DIRECTORY="$STATE_DIR" "$IMG/balloonctl" "${UNIT_ARGS[@]}" >"$IMG/daemon.log" 2>&1 &
BC_PID=$!
sleep 1
bc_user=$(stat -c %U "/proc/$BC_PID" 2>/dev/null) || fail "balloonctl run exited: $(tail -3 "$IMG/daemon.log")"
echo "balloonctl runs as $bc_user (groups: $(id -nG balloonctl))"
[ "$bc_user" = balloonctl ] || fail "balloonctl runs as '$bc_user', not balloonctl"
t0=$SECONDS
# status as an administrator types it: as root, no option
bc_status() { "${CLEAN_ENV[@]}" "$BIN" "$@"; }
# a sample every 2 s for a minute, or until the balloon has settled below
# the start size (the same figure for 20 s: the margin steps down every 5 s)
samples=() settled=0 last=
while [ $((SECONDS - t0)) -lt 60 ] && [ "$settled" -lt 10 ]; do
    kill -0 "$BC_PID" 2>/dev/null || fail "balloonctl run exited: $(tail -3 "$IMG/daemon.log")"
    mib=$(( $(actual_kib) / 1024 ))
    samples+=("$((SECONDS - t0)):$mib")
    if [ "$mib" = "$last" ] && [ "$mib" -lt "$MAX_MIB" ]; then settled=$((settled + 1)); else settled=0; fi
    last=$mib
    sleep 2
done
echo "balloon (s since run: MiB): ${samples[*]}"

echo "=== balloonctl status (as root, no option)"
bc_status status >"$IMG/status.txt" || fail "balloonctl status exited non-zero"
cat "$IMG/status.txt"
echo "=== balloonctl -c '$REMOTE_URI' status"
bc_status -c "$REMOTE_URI" status >"$IMG/remote.txt" 2>"$IMG/remote.err" ||
    fail "balloonctl -c $REMOTE_URI status exited non-zero: $(head -3 "$IMG/remote.err")"
cat "$IMG/remote.txt"
[ ! -s "$IMG/remote.err" ] || fail "status -c $REMOTE_URI said: $(head -3 "$IMG/remote.err")"
# Both as JSON, until both come from the same state file version (the
# daemon rewrites it as targets move): then the daemon's view must be equal.
for _ in $(seq 10); do
    bc_status status --json >"$IMG/status.json"
    bc_status -c "$REMOTE_URI" status --json >"$IMG/remote.json"
    python3 "$HERE/verdicts.py" system-same-state "$IMG" && break
done
# A URI that names another host, reaching this libvirtd the way
# qemu+ssh://HOST/system does on HOST (virt-ssh-helper, here without ssh):
# the live columns, the daemon's "-", and a warning naming the host.
printf '#!/bin/sh\nexec /usr/bin/virt-ssh-helper qemu:///system\n' >"$IMG/ssh-like"
chmod 0755 "$IMG/ssh-like"
OTHER_URI="qemu+ext://other-host.invalid/system?command=$IMG/ssh-like"
echo "=== balloonctl -c '$OTHER_URI' status"
bc_status -c "$OTHER_URI" status >"$IMG/other.txt" 2>"$IMG/other.err" ||
    fail "balloonctl -c $OTHER_URI status exited non-zero: $(head -3 "$IMG/other.err")"
cat "$IMG/other.txt" "$IMG/other.err"
grep -q "is libvirt on another host: .* shown by 'balloonctl status' on other-host.invalid\$" "$IMG/other.err" ||
    fail "no warning that the daemon's columns are on other-host.invalid"
end_kib=$(actual_kib)

echo "=== SIGTERM"
kill -TERM "$BC_PID"
rc=0; wait "$BC_PID" || rc=$?
BC_PID=
echo "=== daemon log (changes)"
grep -E ' -> [0-9]+ KiB' "$IMG/daemon.log" | sed -n '1,4p;$p' || true
[ "$rc" -eq 0 ] || fail "balloonctl run exited $rc on SIGTERM: $(tail -5 "$IMG/daemon.log")"
tail -1 "$IMG/daemon.log" | grep -q ': stopped$' || fail "balloonctl did not stop cleanly: $(tail -3 "$IMG/daemon.log")"
! grep -qE 'ERROR: (Address|Leak)Sanitizer' "$IMG/daemon.log" || fail "sanitizer report in the daemon log"
# shellcheck disable=SC2010 # the daemon's own file names: nothing for ls to mangle
[ "$(ls -A "$STATE_DIR" 2>/dev/null | grep -v '\.lock$' || true)" = "" ] || fail "state file left in $STATE_DIR: $(ls -A "$STATE_DIR")"

echo "=== checks"
python3 "$HERE/verdicts.py" system "$IMG" "$NAME" "$MAX_MIB" "$end_kib" "${samples[@]}" || fail "see above"
grep -qiE 'out of memory|oom-kill|kernel panic|call trace' "$IMG/$NAME.console.log" &&
    fail "the guest kernel complained: $(grep -iE 'out of memory|oom|panic' "$IMG/$NAME.console.log" | head -3)"
echo "ok   no OOM kill or panic in the guest console"
echo "system: $((SECONDS - t_start)) s from libvirtd's start"
echo "system: PASS"
