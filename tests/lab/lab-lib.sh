#!/bin/bash
# lab-lib.sh -- sourceable helpers for balloonctl's libvirt lab.
#
# A private qemu:///session libvirtd run by the unprivileged user "bclab"
# (no system daemon, nothing under /etc, no KVM needed: guests run on TCG).
# Must be sourced by a bash script running as root:
#
#   . tests/lab/lab-lib.sh
#   lab_init /var/tmp/my-lab
#   trap lab_teardown EXIT
#   lab_define_guest g1 256 512 '30:read:100,600:idle'
#   lab_wait_agent g1 120
#   lab_guest_cat g1 /proc/meminfo
#   lab_run virsh dommemstat g1
#
# Settings (environment, read when a function runs):
#   LAB_USER        unprivileged user (default bclab)
#   LAB_GUEST_DIR   where vmlinuz, initrd.img, data.img are (build-guest.sh
#                   OUTDIR; default $LAB_CACHE or /var/tmp/balloonctl-lab-cache)
#   LAB_CMDLINE_EXTRA  extra guest kernel command line words
#   LAB_STATS_PERIOD   balloon statistics period in s (default 1; 0 = off)
# Exported by lab_init:
#   LAB_DIR, LAB_USER, LAB_HOME, LAB_XDG_RUNTIME_DIR, LAB_XDG_CONFIG_HOME,
#   LAB_XDG_CACHE_HOME, LAB_URI (qemu:///session)
#
# Unix socket paths are limited to 107 bytes; libvirt puts each domain's
# monitor socket at XDG_CONFIG_HOME/libvirt/qemu/lib/domain-<id>-<name20>/
# monitor.sock, so LAB_DIR must be short (lab_init refuses over 40 chars).
# Each guest's agent socket is LAB_DIR/run/NAME.qga.

LAB_USER=${LAB_USER:-bclab}
LAB_URI=qemu:///session

_lab_die() { echo "lab: error: $*" >&2; return 1; }
_lab_log() { echo "lab: $*" >&2; }

# lab_init DIR -- create the user if needed, DIR (0755, owned by the user)
# with a fresh runtime dir DIR/run (0700) and DIR/cfg, DIR/cache.
lab_init() {
    local dir=${1:?usage: lab_init DIR}
    [ "$(id -u)" -eq 0 ] || { _lab_die "lab_init must run as root"; return 1; }
    case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
    dir=${dir%/}
    if [ ${#dir} -gt 40 ]; then
        _lab_die "LAB_DIR '$dir' is too long (max 40 chars; unix socket paths under it must fit in 107 bytes)"
        return 1
    fi
    if ! id -u "$LAB_USER" >/dev/null 2>&1; then
        useradd -m -s /bin/bash "$LAB_USER" || { _lab_die "useradd $LAB_USER failed"; return 1; }
    fi
    _lab_lock "$dir" || return 1
    LAB_HOME=$(getent passwd "$LAB_USER" | cut -d: -f6)
    export LAB_DIR=$dir LAB_USER LAB_HOME LAB_URI
    export LAB_XDG_RUNTIME_DIR=$dir/run
    export LAB_XDG_CONFIG_HOME=$dir/cfg
    export LAB_XDG_CACHE_HOME=$dir/cache
    # A daemon left over from an earlier lab in the same DIR would keep
    # stale sockets: stop it before making the runtime dir afresh.
    _lab_kill_leftovers
    mkdir -p "$dir"
    chmod 0755 "$dir"
    chown "$LAB_USER:" "$dir"
    rm -rf "$LAB_XDG_RUNTIME_DIR"
    install -d -m 0700 -o "$LAB_USER" -g "$(id -gn "$LAB_USER")" \
        "$LAB_XDG_RUNTIME_DIR" "$LAB_XDG_CONFIG_HOME" "$LAB_XDG_CACHE_HOME"
}

# _lab_lock DIR -- one lab at a time in DIR: two runs of one test (two
# clones' CI on one machine) would kill each other's daemons and guests
# (lab_init stops what is left in DIR).  The lock is DIR.lock, a folder made
# atomically, holding the owner's PID; an owner no longer alive is stale.
# Waits up to an hour, saying so once.  No file descriptor is held, so no
# daemon the lab spawns can keep it.
_lab_lock() {
    local lock=$1.lock pid i
    for ((i = 0; i < 3600; i++)); do
        if mkdir "$lock" 2>/dev/null; then
            echo "$$" >"$lock/pid"
            LAB_LOCK=$lock
            return 0
        fi
        pid=$(cat "$lock/pid" 2>/dev/null || true)
        if [ "$pid" = "$$" ]; then LAB_LOCK=$lock; return 0; fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            rm -rf "$lock"
            continue
        fi
        [ "$i" -ne 0 ] || _lab_log "waiting for the lab of process ${pid:-?} in $1 to end"
        sleep 1
    done
    _lab_die "$1 is still in use by process ${pid:-?} after an hour"
}

_lab_unlock() {
    [ -n "${LAB_LOCK:-}" ] || return 0
    [ "$(cat "$LAB_LOCK/pid" 2>/dev/null)" = "$$" ] && rm -rf "$LAB_LOCK"
    LAB_LOCK=
}

# lab_run CMD [ARGS...] -- run CMD as the lab user, in LAB_DIR, with a clean
# environment: HOME, USER, PATH, the XDG dirs and
# LIBVIRT_DEFAULT_URI=qemu:///session.  Pass more variables with
# "lab_run env VAR=value CMD ...".  The first libvirt call spawns the
# private "libvirtd --timeout=120".
lab_run() {
    [ -n "${LAB_DIR:-}" ] || { _lab_die "lab_init first"; return 1; }
    (
        cd "$LAB_DIR" &&
        exec runuser -u "$LAB_USER" -- env -i \
            HOME="$LAB_HOME" USER="$LAB_USER" LOGNAME="$LAB_USER" \
            PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
            XDG_RUNTIME_DIR="$LAB_XDG_RUNTIME_DIR" \
            XDG_CONFIG_HOME="$LAB_XDG_CONFIG_HOME" \
            XDG_CACHE_HOME="$LAB_XDG_CACHE_HOME" \
            LIBVIRT_DEFAULT_URI="$LAB_URI" \
            ${LIBVIRT_AUTOSTART:+LIBVIRT_AUTOSTART="$LIBVIRT_AUTOSTART"} \
            "$@"
    )
}

# (the replacements quoted: bash 5.2's patsub_replacement reads a bare '&'
# in them as the matched text, '<' became '<lt;')
_lab_xml_escape() {
    local s=$1
    s=${s//&/"&amp;"}
    s=${s//</"&lt;"}
    s=${s//>/"&gt;"}
    s=${s//\'/"&apos;"}
    printf '%s' "$s"
}

# lab_domain_xml NAME MEM_MIB MAX_MIB BOOT_DIR DATA_IMG CONSOLE_LOG PHASES AGENT_SOCK DISK
# Prints a lab guest's domain XML (TCG, 1 vCPU, the virtio balloon with
# statistics every LAB_STATS_PERIOD s, default 1): the kernel and initrd
# of BOOT_DIR (build-guest.sh's vmlinuz, initrd.img) booted with
# bc.phases=PHASES and LAB_CMDLINE_EXTRA, DATA_IMG read-only as vda, the
# serial console to CONSOLE_LOG, the guest agent's channel at AGENT_SOCK
# ('' = where libvirt puts it), deflate-on-oom with LAB_AUTODEFLATE=on.
# DISK: 'cloud' (no host page cache, cache='none' io='native', and an
# <iotune> of LAB_DISK_IOPS, default 3000, and LAB_DISK_MIBS, default 125
# MiB/s) or 'plain' (QEMU's defaults).
lab_domain_xml() {
    if [ $# -ne 9 ]; then
        _lab_die "usage: lab_domain_xml NAME MEM_MIB MAX_MIB BOOT_DIR DATA_IMG CONSOLE_LOG PHASES AGENT_SOCK DISK"
        return 1
    fi
    local name=$1 mem=$2 max=$3 boot=$4 data=$5 log=$6 phases=$7 sock=$8 disk=$9
    local driver="<driver name='qemu' type='raw'/>" iotune="" source=""
    case $disk in
        cloud)
            driver="<driver name='qemu' type='raw' cache='none' io='native'/>"
            iotune="
      <iotune>
        <total_iops_sec>${LAB_DISK_IOPS:-3000}</total_iops_sec>
        <total_bytes_sec>$(( ${LAB_DISK_MIBS:-125} * 1048576 ))</total_bytes_sec>
      </iotune>" ;;
        plain) ;;
        *) _lab_die "lab_domain_xml: DISK is cloud or plain, not '$disk'"; return 1 ;;
    esac
    [ -z "$sock" ] || source="
      <source mode='bind' path='$(_lab_xml_escape "$sock")'/>"
    # LAB_VMEM_MIB: a virtio-mem device of that size beside MEM_MIB of boot
    # memory in one NUMA cell, fully plugged at start unless LAB_VMEM_REQ_MIB
    # (blocks of LAB_VMEM_BLOCK_MIB, 2 MiB); MAX_MIB is then boot + device
    local vmem_max="" vmem_numa="" vmem_dev=""
    if [ -n "${LAB_VMEM_MIB:-}" ]; then
        [[ $LAB_VMEM_MIB =~ ^[0-9]+$ ]] || { _lab_die "LAB_VMEM_MIB must be an integer"; return 1; }
        vmem_numa="
  <cpu><numa><cell id='0' cpus='0' memory='$mem' unit='MiB'/></numa></cpu>"
        max=$((mem + LAB_VMEM_MIB))
        mem=$max
        vmem_max="
  <maxMemory slots='1' unit='MiB'>$max</maxMemory>"
        vmem_dev="
    <memory model='virtio-mem'><target><size unit='MiB'>$LAB_VMEM_MIB</size><node>0</node><block unit='MiB'>${LAB_VMEM_BLOCK_MIB:-2}</block><requested unit='MiB'>${LAB_VMEM_REQ_MIB:-$LAB_VMEM_MIB}</requested></target></memory>"
    fi
    # shellcheck disable=SC2016 # the quotes are the XML's, the expansions the shell's
    cat <<EOF
<domain type='qemu'>
  <name>$name</name>$vmem_max
  <memory unit='MiB'>$max</memory>
  <currentMemory unit='MiB'>$mem</currentMemory>
  <vcpu>1</vcpu>$vmem_numa
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$(_lab_xml_escape "$boot/vmlinuz")</kernel>
    <initrd>$(_lab_xml_escape "$boot/initrd.img")</initrd>
    <cmdline>console=ttyS0 quiet bc.phases=$phases $(_lab_xml_escape "${LAB_CMDLINE_EXTRA:-}")</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      $driver
      <source file='$(_lab_xml_escape "$data")'/>
      <target dev='vda' bus='virtio'/>
      <readonly/>$iotune
    </disk>
    <serial type='file'>
      <source path='$(_lab_xml_escape "$log")'/>
      <target port='0'/>
    </serial>
    <channel type='unix'>$source
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <controller type='usb' model='none'/>
    <memballoon model='virtio'${LAB_AUTODEFLATE:+ autodeflate='$LAB_AUTODEFLATE'}>
      <stats period='${LAB_STATS_PERIOD:-1}'/>
    </memballoon>$vmem_dev
  </devices>
</domain>
EOF
}

# lab_define_guest NAME MEM_MIB MAX_MIB PHASES [DATA_IMG]
# Writes LAB_DIR/NAME.xml, defines and starts the domain.  The serial
# console goes to LAB_DIR/NAME.console.log.  PHASES is the guest's
# bc.phases= value (see build-guest.sh), e.g. '20:read:20,600:idle'.
# The data disk is a cloud volume: no host page cache (cache='none',
# io='native': a guest's cache miss is a real read) and a libvirt <iotune>
# limit of LAB_DISK_IOPS (3000) and LAB_DISK_MIBS (125 MiB/s), as a
# general-purpose cloud SSD volume offers.  LAB_AUTODEFLATE=on gives the
# balloon deflate-on-oom.  LAB_VMEM_MIB=N adds a virtio-mem device of N MiB
# (blocks of LAB_VMEM_BLOCK_MIB, default 2; requested LAB_VMEM_REQ_MIB,
# default N) beside MEM_MIB of boot memory in one NUMA cell; MAX_MIB is then
# unused (the domain's maximum is MEM_MIB + N).  The guest needs
# memhp_default_state=online_movable (in LAB_CMDLINE_EXTRA) for its
# hot-plugged memory to be unpluggable again.
lab_define_guest() {
    if [ $# -lt 4 ] || [ $# -gt 5 ]; then
        _lab_die "usage: lab_define_guest NAME MEM_MIB MAX_MIB PHASES [DATA_IMG]"
        return 1
    fi
    local name=$1 mem=$2 max=$3 phases=$4
    local gdir=${LAB_GUEST_DIR:-${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}}
    local data=${5:-$gdir/data.img}
    local xml=$LAB_DIR/$name.xml log=$LAB_DIR/$name.console.log f
    # Agent socket: an explicit short path (libvirt's default one lies deep
    # under XDG_CONFIG_HOME and overflows the 107-byte limit quickly).
    local sock=$LAB_XDG_RUNTIME_DIR/$name.qga
    [[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || { _lab_die "bad domain name '$name'"; return 1; }
    [ ${#sock} -le 107 ] || { _lab_die "socket path $sock too long; use a shorter LAB_DIR or NAME"; return 1; }
    [[ $mem =~ ^[0-9]+$ && $max =~ ^[0-9]+$ ]] || { _lab_die "MEM_MIB/MAX_MIB must be integers"; return 1; }
    [ "$mem" -le "$max" ] || { _lab_die "MEM_MIB ($mem) > MAX_MIB ($max)"; return 1; }
    [[ $phases =~ ^[0-9a-z:,]*$ ]] || { _lab_die "bad PHASES '$phases'"; return 1; }
    for f in "$gdir/vmlinuz" "$gdir/initrd.img" "$data"; do
        runuser -u "$LAB_USER" -- test -r "$f" ||
            { _lab_die "$f missing or not readable by $LAB_USER (run build-guest.sh)"; return 1; }
    done
    rm -f "$log"
    lab_domain_xml "$name" "$mem" "$max" "$gdir" "$data" "$log" "$phases" "$sock" cloud >"$xml" || return 1
    chmod 0644 "$xml"
    lab_run virsh -q define "$xml" >/dev/null || { _lab_die "virsh define $name failed"; return 1; }
    lab_run virsh -q start "$name" >/dev/null || { _lab_die "virsh start $name failed"; return 1; }
}

# lab_wait_agent NAME TIMEOUT_S -- poll guest-ping until the agent answers.
# Prints the seconds waited on stdout; returns 1 on timeout.
lab_wait_agent() {
    local name=${1:?usage: lab_wait_agent NAME TIMEOUT_S} timeout=${2:?usage: lab_wait_agent NAME TIMEOUT_S}
    local start=$SECONDS
    while [ $((SECONDS - start)) -lt "$timeout" ]; do
        if lab_run virsh -q qemu-agent-command "$name" --timeout 2 \
                '{"execute":"guest-ping"}' >/dev/null 2>&1; then
            echo $((SECONDS - start))
            return 0
        fi
        sleep 0.5
    done
    _lab_die "guest agent of $name did not answer within ${timeout}s"
}

# _lab_agent NAME JSON -- one agent command, prints the raw JSON reply.
_lab_agent() {
    lab_run virsh -q qemu-agent-command "$1" --timeout 10 "$2"
}

# lab_guest_cat NAME PATH -- print a guest file's content, read through
# guest-file-open/read/close (base64-decoded).
lab_guest_cat() {
    local name=${1:?usage: lab_guest_cat NAME PATH} path=${2:?usage: lab_guest_cat NAME PATH}
    local p reply handle b64 rc=0
    p=${path//\\/\\\\}
    p=${p//\"/\\\"}
    reply=$(_lab_agent "$name" "{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"$p\",\"mode\":\"r\"}}") ||
        { _lab_die "guest-file-open $path failed on $name"; return 1; }
    handle=$(sed -n 's/.*"return":[[:space:]]*\([0-9][0-9]*\).*/\1/p' <<<"$reply")
    [ -n "$handle" ] || { _lab_die "unexpected reply: $reply"; return 1; }
    while :; do
        reply=$(_lab_agent "$name" "{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":$handle,\"count\":65536}}") ||
            { rc=1; _lab_die "guest-file-read $path failed on $name"; break; }
        b64=$(sed -n 's/.*"buf-b64":[[:space:]]*"\([^"]*\)".*/\1/p' <<<"$reply")
        [ -n "$b64" ] && base64 -d <<<"$b64"
        grep -q '"eof":[[:space:]]*true' <<<"$reply" && break
        grep -q '"count":[[:space:]]*0[,}]' <<<"$reply" && break
    done
    _lab_agent "$name" "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$handle}}" >/dev/null ||
        rc=1
    return $rc
}

# PIDs of processes of LAB_USER that belong to this lab: their environment
# or command line mentions "$LAB_DIR/" (libvirtd, virtlogd, qemu).
_lab_pids() {
    local uid p
    [ -n "${LAB_DIR:-}" ] || return 0
    uid=$(id -u "$LAB_USER" 2>/dev/null) || return 0
    for p in /proc/[0-9]*; do
        [ "$(stat -c %u "$p" 2>/dev/null)" = "$uid" ] || continue
        if grep -qaF "$LAB_DIR/" "$p/environ" "$p/cmdline" 2>/dev/null; then
            echo "${p#/proc/}"
        fi
    done
}

# TERM the lab's processes, wait up to 10 s, then KILL.
_lab_kill_leftovers() {
    local pids i
    pids=$(_lab_pids)
    [ -n "$pids" ] || return 0
    # shellcheck disable=SC2086 # word splitting of the PID list is wanted
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        pids=$(_lab_pids)
        [ -n "$pids" ] || return 0
        sleep 0.1
    done
    _lab_log "killing leftover lab processes: ${pids//$'\n'/ }"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.2
}

# lab_test_exit RC [LOG...] -- a lab test's EXIT trap: on failure the last
# lines of each LOG (what CI needs to tell why), then the daemon the test
# started ($DAEMON_PID, binary $BIN) stopped and the lab torn down; exits RC.
lab_test_exit() {
    local rc=$1 f
    shift
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
        for f in "$@"; do
            # shellcheck disable=SC2015 # two tests, then continue
            [ -n "$f" ] && [ -f "$f" ] || continue
            echo "--- last lines of $f" >&2
            tail -n 25 "$f" >&2
        done
    fi
    if [ -n "${DAEMON_PID:-}" ]; then
        pkill -TERM -u "$LAB_USER" -f "^$BIN " || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    lab_teardown || true
    exit "$rc"
}

# lab_teardown [--purge] -- destroy and undefine every domain of the private
# daemon, stop that libvirtd and any qemu/virtlogd of this lab.  Keeps
# LAB_DIR (console logs, XML) unless --purge.  Idempotent; never spawns a
# daemon (LIBVIRT_AUTOSTART=0); fit for "trap lab_teardown EXIT".
lab_teardown() {
    local rc=$? d
    [ -n "${LAB_DIR:-}" ] || return "$rc"
    if [ -S "$LAB_XDG_RUNTIME_DIR/libvirt/libvirt-sock" ]; then
        for d in $(LIBVIRT_AUTOSTART=0 lab_run virsh -q list --all --name 2>/dev/null); do
            LIBVIRT_AUTOSTART=0 lab_run virsh -q destroy "$d" >/dev/null 2>&1 || true
            LIBVIRT_AUTOSTART=0 lab_run virsh -q undefine "$d" >/dev/null 2>&1 || true
        done
    fi
    _lab_kill_leftovers
    if [ "${1:-}" = --purge ]; then
        rm -rf "$LAB_DIR"
    fi
    _lab_unlock || true
    return "$rc"
}

# --- a recorded run (scenario.sh, density.sh) ----------------------------------
# Such a script sets OUT (where the recording goes), TMP (its temporary
# folder) and, as they start, SAMPLER_PID, DAEMON_PID (empty when none) and
# REC (the sampler's folder); BIN is the daemon's binary under LAB_DIR.

# lab_wait_balloon NAME MIB -- wait (60 s at most) until NAME's balloon is at
# MIB (+4) as the sampler will read it: libvirt's balloon.current, which
# follows QEMU's balloon events, and QEMU's own figure (the first sample once
# read 383 MiB while QEMU already said 256).  A guest boots with all of its
# max and its balloon driver then inflates to currentMemory: recording from
# then on, every sample is the controller's doing.
lab_wait_balloon() {
    local name=$1 mib=$2 actual qemu
    for _ in $(seq 120); do
        actual=$(lab_run virsh domstats --balloon "$name" 2>/dev/null | awk -F= '$1 ~ /balloon.current$/ { print $2 }')
        qemu=$(lab_run virsh dommemstat "$name" 2>/dev/null | awk '$1 == "actual" { print $2 }')
        [ -n "$qemu" ] && [ "$qemu" -gt "${actual:-0}" ] && actual=$qemu
        [ -n "$actual" ] && [ "$actual" -le $(( (mib + 4) * 1024 )) ] && return 0
        sleep 0.5
    done
    _lab_die "$name's balloon stays at ${actual:-?} KiB"
}

# lab_vmem_sizes NAME -- "REQUESTED PLUGGED" (KiB, as libvirt's live XML
# gives them) of NAME's virtio-mem device; nothing when it cannot be read.
lab_vmem_sizes() {
    lab_run virsh dumpxml "${1:?usage: lab_vmem_sizes NAME}" 2>/dev/null |
        xmllint --xpath "concat(//memory[@model='virtio-mem']/target/requested, ' ', //memory[@model='virtio-mem']/target/current)" - 2>/dev/null
}

# lab_wait_vmem NAME MIB -- wait (60 s at most) until NAME's virtio-mem
# device has MIB plugged (its <current> in the live XML): the guest plugs
# what was requested as its driver loads, after the agent may already
# answer; recording from then on, every sample is the controller's doing.
lab_wait_vmem() {
    local name=$1 mib=$2 plugged
    for _ in $(seq 120); do
        read -r _ plugged <<<"$(lab_vmem_sizes "$name")" || true
        [ "$plugged" = $((mib * 1024)) ] && return 0
        sleep 0.5
    done
    _lab_die "$name's virtio-mem device stays at ${plugged:-?} KiB plugged, not $((mib * 1024))"
}

# lab_record DURATION GUESTS [SAMPLER ARGS...] -- run tests/bench/sampler.py
# as the lab user into REC (made here) for DURATION s over GUESTS (comma
# separated), then stop the daemon (DAEMON_PID) if one runs; returns 1 if
# either exited non-zero.
lab_record() {
    local duration=$1 guests=$2 rc=0
    shift 2
    REC=$TMP/rec
    mkdir -p "$REC"
    chown "$LAB_USER:" "$REC"
    install -m 0644 "$(dirname "${BASH_SOURCE[0]}")/../bench/sampler.py" "$TMP/sampler.py"
    lab_run python3 "$TMP/sampler.py" --bin "$BIN" --out "$REC" --guests "$guests" \
        --duration "$duration" "$@" &
    SAMPLER_PID=$!
    wait "$SAMPLER_PID" || rc=$?
    SAMPLER_PID=
    [ "$rc" -eq 0 ] || { _lab_die "the sampler exited $rc"; return 1; }
    [ -n "$DAEMON_PID" ] || return 0
    pkill -TERM -u "$LAB_USER" -f "^$BIN " || true
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=
    [ "$rc" -eq 0 ] || { _lab_die "balloonctl exited $rc"; return 1; }
}

# lab_record_exit -- a recorded run's EXIT trap: stop the sampler and the
# daemon, copy what the lab user recorded out as root (OUT may be a folder
# the lab user cannot reach), tear the lab down, remove TMP; exits with the
# status the script had.
lab_record_exit() {
    local rc=$? f
    trap - EXIT INT TERM
    [ -n "${SAMPLER_PID:-}" ] && kill "$SAMPLER_PID" 2>/dev/null
    if [ -n "${DAEMON_PID:-}" ]; then
        pkill -TERM -u "$LAB_USER" -f "^$LAB_DIR/balloonctl " 2>/dev/null || true
        wait "$DAEMON_PID" 2>/dev/null || true
    fi
    for f in "${REC:-/nonexistent}"/*.csv "$LAB_DIR"/*.console.log "$LAB_DIR/daemon.log"; do
        [ -f "$f" ] && cp "$f" "$OUT/"
    done
    lab_teardown --purge >/dev/null 2>&1 || true
    rm -rf "$TMP"
    exit "$rc"
}
