#!/bin/bash
# build-guest.sh OUTDIR [NFILES] [FILE_MIB]
#
# Builds a tiny test guest for the balloonctl lab from the host's Debian
# packages (linux-image-amd64, busybox-static, qemu-guest-agent, e2fsprogs,
# cpio).  No network is used.  Outputs, all world-readable, in OUTDIR:
#
#   vmlinuz     copy of the host's /boot/vmlinuz-<ver>
#   initrd.img  busybox initramfs: virtio + ext4 modules, qemu-ga, and an
#               /init that runs the workload given on the kernel command line
#               (bc.phases=SECONDS:KIND:ARG[,...], see guest-init below);
#               bc.noagent starts no agent, bc.liar a fake one that can lie
#               (bc-liar-agent, see liar_agent below)
#   data.img    ext4 image with NFILES (default 300) files f0000.. of FILE_MIB
#               (default 1) MiB of /dev/urandom data each
#   build.stamp what was built (kernel version, initrd recipe hash, data
#               geometry); a rerun with matching parameters rebuilds nothing
#
# Environment:
#   GUEST_KVER  kernel version to use (default: newest /boot/vmlinuz-* that
#               has a matching /lib/modules/<ver>)
#
# Concurrent runs on the same OUTDIR are serialised with flock(1).
set -euo pipefail

usage() {
    echo "usage: $0 OUTDIR [NFILES] [FILE_MIB]" >&2
    exit 2
}

if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage; fi
OUTDIR=$1
NFILES=${2:-300}
FILE_MIB=${3:-1}
[[ $NFILES =~ ^[1-9][0-9]*$ ]] || { echo "NFILES must be a positive integer" >&2; exit 2; }
[[ $FILE_MIB =~ ^[1-9][0-9]*$ ]] || { echo "FILE_MIB must be a positive integer" >&2; exit 2; }

die() { echo "build-guest: error: $*" >&2; exit 1; }
log() { echo "build-guest: $*" >&2; }

# Guest kernel modules, in load order: each after the ones it depends on
# (virtio transport before the balloon, console and block drivers; ext4's
# helpers before ext4).  Modules that are
# built into the kernel are skipped; a module that is neither a .ko[.xz|.zst]
# file nor built in is an error.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
virtio_balloon virtio_mem virtio_console virtio_blk crc32c_generic crc16 mbcache jbd2 ext4"

# ---------------------------------------------------------------------------
# The guest's /init (busybox ash).  Kept in this file so that the stamp hash
# of this script covers it.  Quoted heredoc: nothing is expanded here.
# ---------------------------------------------------------------------------
guest_init() {
    cat <<'GUEST_INIT'
#!/bin/sh
# /init of the balloonctl lab guest (busybox ash, PID 1; must never exit).
#
# Console protocol (serial ttyS0):
#   bc-ready                                  qemu-ga has been started
#   bc-ready noagent                          bc.noagent: no agent at all
#   bc-ready liar                             bc.liar: bc-liar-agent, a fake
#                                             agent, runs instead of qemu-ga
#   bc-phase <index> <kind> <arg> <uptime>    a workload phase starts (index from 0)
#   bc-anon-held <MiB> <uptime>               anon phase: memory is allocated
#   bc-done <uptime>                          all phases are over (then idles)
#   bc-error <text>                           something went wrong
# /run/bc-workload (read it with guest-file-read; disk_read = bytes read
# from /dev/vda, from /sys/block/vda/stat):
#   phase=<i> kind=<kind> arg=<arg> bytes_read=<N> disk_read=<N> lat=<c0:..:c15>
#   bytes_read counts all bytes the workload has read since boot (monotonic);
#   lat counts the file reads since boot by how long each took (from
#   $EPOCHREALTIME, microseconds), in 16 buckets with the upper bounds
#   2 5 10 20 30 50 75 100 150 200 300 500 750 1000 2000 ms and the last
#   unbounded; rewritten atomically (rename) after every file read and at
#   phase starts.
# Phase kinds: read:K (read a uniformly chosen file among the first K, in
# full, again and again: a busy guest), trickle:K (the same, one file every
# half second: an idle guest on a small working set), anon:M (hold M MiB of
# touched anonymous memory; bc-refused on the console when the program was
# refused its memory), idle.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

say() { echo "$@"; }
uptime_now() { read -r UP _ < /proc/uptime; }

mkdir -p /proc /sys /dev /tmp /run /data /root /var
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
ln -sfn /run /var/run
# The console might not be fd 0/1/2 if the kernel could not open it.
[ -c /dev/console ] && exec </dev/console >/dev/console 2>&1

# A loadable module's parameters on the kernel command line (MODULE.PARAM=
# VALUE) are passed by modprobe, not by the kernel: pass them to insmod.
for m in $(cat /etc/bc-modules); do
    args=
    for w in $(cat /proc/cmdline); do
        case $w in "$m".*=*) args="$args ${w#"$m".}" ;; esac
    done
    # shellcheck disable=SC2086 # one word a parameter
    insmod "/lib/modules/bc/$m.ko" $args || say "bc-error insmod $m failed"
done

# The workload's status file exists before the agent answers, so that a
# host that sees the agent up can read it at once.
echo "phase=0 kind=none arg=0 bytes_read=0 disk_read=0" > /run/bc-workload

# --- guest agent: find the virtio port named org.qemu.guest_agent.0 -------
port=
i=0
while [ $i -lt 100 ] && [ -z "$port" ]; do
    for n in /sys/class/virtio-ports/*/name; do
        [ -r "$n" ] || continue
        if [ "$(cat "$n")" = org.qemu.guest_agent.0 ]; then
            d=${n%/name}
            port=/dev/${d##*/}
        fi
    done
    [ -n "$port" ] || { i=$((i + 1)); sleep 0.1; }
done
if grep -qw bc.noagent /proc/cmdline; then
    # a guest without a working agent: balloonctl must manage it from the
    # balloon statistics alone
    say "bc-ready noagent"
elif grep -qw bc.liar /proc/cmdline && [ -n "$port" ]; then
    # a guest whose agent lies: bc-liar-agent instead of qemu-ga (truthful
    # until told to lie, see bc-liar-agent)
    j=0
    while [ ! -c "$port" ] && [ $j -lt 50 ]; do j=$((j + 1)); sleep 0.1; done
    bc-liar-agent "$port" </dev/null >/dev/null 2>/run/bc-liar.log &
    say "bc-ready liar"
elif [ -n "$port" ]; then
    j=0
    while [ ! -c "$port" ] && [ $j -lt 50 ]; do j=$((j + 1)); sleep 0.1; done
    mkdir -p /run/qemu-ga
    if qemu-ga -m virtio-serial -p "$port" -d -f /run/qemu-ga.pid \
            -t /run/qemu-ga -l /run/qemu-ga.log; then
        say "bc-ready"
    else
        say "bc-error qemu-ga failed to start"
    fi
else
    say "bc-error no virtio port named org.qemu.guest_agent.0"
fi

# --- data disk ---------------------------------------------------------------
j=0
while [ ! -b /dev/vda ] && [ $j -lt 100 ]; do j=$((j + 1)); sleep 0.1; done
if ! mount -t ext4 -o ro /dev/vda /data; then
    say "bc-error cannot mount /dev/vda on /data"
fi
# Size table: SZ_<digits> = size of /data/f<digits>; NDATA = number of files.
NDATA=0
(cd /data && stat -c '%n %s' f[0-9]*) > /run/bc-sizes 2>/dev/null
while read -r _n _s; do
    eval "SZ_${_n#f}=$_s"
    NDATA=$((NDATA + 1))
done < /run/bc-sizes

# --- workload -----------------------------------------------------------------
BYTES=0
PH_I=0
PH_KIND=none
PH_ARG=0
status() {
    # field 3 of the block stat: sectors (512 bytes) read from the disk
    _sect=0
    [ -r /sys/block/vda/stat ] && read -r _ _ _sect _ < /sys/block/vda/stat
    echo "phase=$PH_I kind=$PH_KIND arg=$PH_ARG bytes_read=$BYTES disk_read=$((_sect * 512)) lat=$LAT" > /run/bc-workload.tmp
    mv -f /run/bc-workload.tmp /run/bc-workload
}

# Read latency histogram: LAT_0..LAT_15 counts, LAT their c0:..:c15 string.
LAT_BOUNDS_US="2000 5000 10000 20000 30000 50000 75000 100000 150000 200000 300000 500000 750000 1000000 2000000"
_i=0
while [ $_i -lt 16 ]; do eval "LAT_$_i=0"; _i=$((_i + 1)); done
LAT=0:0:0:0:0:0:0:0:0:0:0:0:0:0:0:0
# lat_add T0 T1: count one read from $EPOCHREALTIME T0 to T1
lat_add() {
    _us=$(( ${2%.*}${2#*.} - ${1%.*}${1#*.} ))
    _i=0
    for _b in $LAT_BOUNDS_US; do
        [ "$_us" -lt "$_b" ] && break
        _i=$((_i + 1))
    done
    eval "LAT_$_i=\$((LAT_$_i + 1))"
    LAT=$LAT_0
    _i=1
    while [ $_i -lt 16 ]; do eval "LAT=\$LAT:\$LAT_$_i"; _i=$((_i + 1)); done
}

# rand_below K: REPLY = uniform random integer in [0, K).  32 bits from
# /dev/urandom with rejection sampling, so there is no modulo bias and K may
# be far above ash's 15-bit $RANDOM.  (ash arithmetic is 64-bit.)
rand_below() {
    _lim=$((4294967296 - 4294967296 % $1))
    while :; do
        _r=$(od -An -N4 -tu4 /dev/urandom)
        _r=${_r##* }
        [ "$_r" -lt "$_lim" ] && break
    done
    REPLY=$((_r % $1))
}

# read phase: until the deadline, read a uniformly chosen file among the
# first K files in full to /dev/null; with a third argument, sleep that
# long after each read (trickle).
phase_read() {
    _k=$1 _end=$2 _gap=${3:-}
    if [ "$_k" -gt "$NDATA" ]; then
        say "bc-error read:$_k but only $NDATA files on /data; using $NDATA"
        _k=$NDATA
    fi
    [ "$_k" -ge 1 ] || { say "bc-error no data files"; return; }
    while :; do
        uptime_now
        [ "${UP%.*}" -lt "$_end" ] || break
        rand_below "$_k"
        _f=$(printf '/data/f%04d' "$REPLY")
        _t0=$EPOCHREALTIME
        if dd if="$_f" of=/dev/null bs=1M 2>/dev/null; then
            lat_add "$_t0" "$EPOCHREALTIME"
            # Debian's busybox dd prints no byte count: use the size table.
            eval "BYTES=\$((BYTES + SZ_${_f##*/f}))"
        else
            say "bc-error dd $_f failed"
        fi
        status
        [ -n "$_gap" ] && sleep "$_gap"
    done
}

# anon phase: hold M MiB of touched anonymous memory until the deadline.
# busybox "tail -c N" reading a pipe keeps the last N bytes in one malloc'ed
# buffer (one anonymous mmap of ~N bytes).  dd writes M MiB of zeros through
# the pipe, so every page of that buffer is written (touched); then the
# writer side stays open (sleep) so tail keeps waiting for EOF and keeps
# the buffer.  In /proc/meminfo this shows as AnonPages +M MiB and
# Committed_AS +M MiB; Shmem/Cached do not change.
phase_anon() {
    _m=$1 _end=$2
    {
        dd if=/dev/zero bs=1M count="$_m" 2>/dev/null
        uptime_now
        say "bc-anon-held $_m $UP" > /dev/console
        _left=$((_end - ${UP%.*}))
        [ "$_left" -gt 0 ] && sleep "$_left"
    } | tail -c $((_m * 1048576)) > /dev/null
    _rc=$?
    # killed by a signal (the OOM killer) shows in /proc/vmstat oom_kill;
    # any other failure is a program refused its memory
    if [ "$_rc" -ne 0 ] && [ "$_rc" -le 128 ]; then
        uptime_now
        say "bc-refused $_m $UP" > /dev/console
    fi
}

phase_idle() {
    uptime_now
    _left=$(($1 - ${UP%.*}))
    [ "$_left" -gt 0 ] && sleep "$_left"
}

PHASES=
for w in $(cat /proc/cmdline); do
    case $w in bc.phases=*) PHASES=${w#bc.phases=} ;; esac
done
status
IFS_SAVE=$IFS
IFS=,
set -- $PHASES
IFS=$IFS_SAVE
for p in "$@"; do
    secs=${p%%:*}
    rest=${p#*:}
    [ "$rest" = "$p" ] && rest=idle
    kind=${rest%%:*}
    arg=${rest#*:}
    [ "$arg" = "$rest" ] && arg=0
    case $secs in ''|*[!0-9]*) say "bc-error bad phase '$p'"; PH_I=$((PH_I + 1)); continue ;; esac
    case $arg in ''|*[!0-9]*) say "bc-error bad phase '$p'"; PH_I=$((PH_I + 1)); continue ;; esac
    uptime_now
    PH_KIND=$kind PH_ARG=$arg
    say "bc-phase $PH_I $kind $arg $UP"
    status
    end=$((${UP%.*} + secs))
    case $kind in
        read) phase_read "$arg" "$end" ;;
        trickle) phase_read "$arg" "$end" 0.5 ;;
        anon) phase_anon "$arg" "$end" ;;
        idle) phase_idle "$end" ;;
        *) say "bc-error unknown phase kind '$kind'"; phase_idle "$end" ;;
    esac
    PH_I=$((PH_I + 1))
done
uptime_now
say "bc-done $UP"
PH_KIND=done PH_ARG=0
status
# PID 1 must never exit (that would panic the kernel).
while :; do sleep 3600; done
GUEST_INIT
}

# ---------------------------------------------------------------------------
# bc-liar-agent PORT (busybox ash): a fake guest agent on the virtio port,
# for a guest that lies (kernel command line bc.liar).  It speaks the QEMU
# guest agent protocol, one JSON command a line in, one reply a line out:
# guest-sync, guest-sync-delimited (libvirt), guest-ping, guest-info, and
# guest-file-open/read/close (read only, the whole file in one read).
# It starts truthful: every file is the guest's own.  The host turns the
# lies on and off with the command bc-lie {"on": true|false, "used": B};
# while on,
#   /proc/meminfo  says Committed_AS 64 GiB, and Cached, Active(file) and
#                  Inactive(file) jumping between 1/8 and 5/8 of MemTotal at
#                  every read (MemTotal stays true; MemFree and MemAvailable
#                  too, unless "used": true: then they say 1/100 of
#                  MemTotal, a guest using all it has);
#   /proc/vmstat   says workingset_refault_file grows by 100000 pages (390
#                  MiB) at every read;
# every other file is still the guest's own.  Each lie is counted in
# /run/bc-liar.count (lies=N), so the host can see it was asked.
# ---------------------------------------------------------------------------
liar_agent() {
    cat <<'LIAR'
#!/bin/sh
port=$1
LIE=0 LIE_USED=0 TICK=0 NH=0 REFAULT_PLUS=0
echo "lies=0" > /run/bc-liar.count

reply() { printf '%s\n' "$1" >&3; }
err() { reply "{\"error\": {\"class\": \"GenericError\", \"desc\": \"$1\"}}"; }

# fake_meminfo: the guest's /proc/meminfo with the lies in it
fake_meminfo() {
    awk -v t="$TICK" -v used="$LIE_USED" '
        $1 == "MemTotal:" { total = $2 }
        { line[NR] = $0; key[NR] = $1 }
        END {
            lo = int(total / 8); hi = int(total * 5 / 8)
            c = (t % 2) ? hi : lo
            for (i = 1; i <= NR; i++) {
                k = key[i]
                if (k == "Committed_AS:") printf "Committed_AS:   %8d kB\n", 67108864
                else if (k == "Cached:") printf "Cached:         %8d kB\n", c
                else if (k == "Active(file):") printf "Active(file):   %8d kB\n", c / 2
                else if (k == "Inactive(file):") printf "Inactive(file): %8d kB\n", c / 2
                else if (used && (k == "MemFree:" || k == "MemAvailable:")) printf "%-15s %8d kB\n", k, total / 100
                else print line[i]
            }
        }' /proc/meminfo
}

fake_vmstat() {
    awk -v plus="$REFAULT_PLUS" '
        $1 == "workingset_refault_file" { print $1, $2 + plus; next }
        { print }' /proc/vmstat
}

# content PATH: what this agent says PATH holds
content() {
    if [ "$LIE" = 1 ] && [ "$1" = /proc/meminfo ]; then
        TICK=$((TICK + 1))
        echo "lies=$TICK" > /run/bc-liar.count
        fake_meminfo
    elif [ "$LIE" = 1 ] && [ "$1" = /proc/vmstat ]; then
        REFAULT_PLUS=$((REFAULT_PLUS + 100000))
        fake_vmstat
    else
        cat "$1"
    fi
}

# member NAME: the value after "NAME": in $line (a number or a string)
member() {
    _v=${line#*\"$1\"}
    [ "$_v" = "$line" ] && { REPLY=; return; }
    _v=${_v#*:}
    _v=${_v# }
    case $_v in
        \"*) _v=${_v#\"}; REPLY=${_v%%\"*} ;;
        *) REPLY=${_v%%[!0-9a-z]*} ;;
    esac
}

handle_line() {
    member execute
    case $REPLY in
    guest-sync|guest-sync-delimited)
        [ "$REPLY" = guest-sync-delimited ] && printf '\377' >&3
        member id
        reply "{\"return\": ${REPLY:-0}}" ;;
    guest-ping) reply '{"return": {}}' ;;
    guest-info) reply '{"return": {"version": "7.2.0", "supported_commands": []}}' ;;
    bc-lie)
        member on
        if [ "$REPLY" = true ]; then LIE=1; else LIE=0; fi
        member used
        if [ "$REPLY" = true ]; then LIE_USED=1; else LIE_USED=0; fi
        reply '{"return": {}}' ;;
    guest-file-open)
        member path
        if [ -r "$REPLY" ]; then
            NH=$((NH + 1))
            eval "H_$NH=\$REPLY"
            reply "{\"return\": $NH}"
        else
            err "cannot open $REPLY"
        fi ;;
    guest-file-read)
        member handle
        _h=$REPLY
        eval "_p=\${H_$_h:-}"
        if [ -z "$_p" ]; then
            err "no handle $_h"
        elif [ "$_p" = - ]; then
            reply '{"return": {"count": 0, "buf-b64": "", "eof": true}}'
        else
            content "$_p" > /run/bc-liar.buf
            _n=$(wc -c < /run/bc-liar.buf)
            _b=$(base64 -w0 < /run/bc-liar.buf)
            eval "H_$_h=-"
            reply "{\"return\": {\"count\": $_n, \"buf-b64\": \"$_b\", \"eof\": true}}"
        fi ;;
    guest-file-close)
        member handle
        eval "unset H_$REPLY"
        reply '{"return": {}}' ;;
    *)
        reply "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command $REPLY has not been found\"}}" ;;
    esac
}

# One open of the port (a virtio port opens once at a time).  While the
# host end is closed a read returns end of file: wait and read again.
exec 3<>"$port"
while :; do
    while IFS= read -r line <&3; do
        case $line in *'{'*) line="{${line#*\{}" ;; *) continue ;; esac
        handle_line
    done
    sleep 0.2
done
LIAR
}

# ---------------------------------------------------------------------------
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
exec 9>"$OUTDIR/.lock"
flock 9

# Kernel choice.
if [ -z "${GUEST_KVER:-}" ]; then
    GUEST_KVER=
    for k in $(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V); do
        [ -d "/lib/modules/$k" ] && GUEST_KVER=$k
    done
fi
[ -n "$GUEST_KVER" ] || die "no /boot/vmlinuz-* with /lib/modules/<ver> (install linux-image-amd64)"
KERNEL=/boot/vmlinuz-$GUEST_KVER
MODDIR=/lib/modules/$GUEST_KVER
[ -r "$KERNEL" ] || die "cannot read $KERNEL"
for t in busybox cpio gzip mkfs.ext4 ldd; do
    command -v "$t" >/dev/null || die "missing tool: $t"
done
BUSYBOX=$(command -v busybox)
# It must be the static build: the initramfs has no libraries for it.
if ldd "$BUSYBOX" >/dev/null 2>&1; then
    die "$BUSYBOX is dynamically linked; install busybox-static"
fi
[ -x /usr/sbin/qemu-ga ] || die "missing /usr/sbin/qemu-ga (qemu-guest-agent)"

# What each output depends on.
SELF_HASH=$(sha256sum "$0" | cut -c1-16)
QGA_HASH=$(cat /usr/sbin/qemu-ga "$BUSYBOX" | sha256sum | cut -c1-16)
WANT_KERNEL="kernel=$GUEST_KVER $(stat -c %s "$KERNEL")"
WANT_INITRD="initrd=$GUEST_KVER $SELF_HASH $QGA_HASH"
WANT_DATA="data=${NFILES}x${FILE_MIB}MiB"
STAMP=$OUTDIR/build.stamp
have() { [ -f "$STAMP" ] && grep -qxF "$1" "$STAMP" && [ -s "$OUTDIR/$2" ]; }

TMP=$(mktemp -d "$OUTDIR/.build.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Drop the stamp while anything is being rebuilt, write it at the end.
NEW_STAMP=$TMP/stamp
: > "$NEW_STAMP"

# --- vmlinuz ------------------------------------------------------------------
if have "$WANT_KERNEL" vmlinuz; then
    log "vmlinuz up to date ($GUEST_KVER)"
else
    log "copying $KERNEL"
    cp "$KERNEL" "$TMP/vmlinuz"
    mv -f "$TMP/vmlinuz" "$OUTDIR/vmlinuz"
fi
echo "$WANT_KERNEL" >> "$NEW_STAMP"

# --- initrd.img -----------------------------------------------------------------
build_initrd() {
    local root=$TMP/root m f rel lib
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,data,root,var,lib/modules/bc,lib64}
    cp "$BUSYBOX" "$root/bin/busybox"
    for a in $("$BUSYBOX" --list); do
        [ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
    done

    # Kernel modules (decompressed at build time: busybox insmod may lack xz/zstd).
    : > "$root/etc/bc-modules"
    for m in $MODULES; do
        f=$(find "$MODDIR/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)
        if [ -z "$f" ]; then
            if grep -q "/$m\.ko\$" "$MODDIR/modules.builtin" 2>/dev/null; then
                log "module $m is built in"
                continue
            fi
            die "module $m neither in $MODDIR nor built in"
        fi
        case $f in
            *.ko.xz) xz -dc "$f" > "$root/lib/modules/bc/$m.ko" ;;
            *.ko.zst) zstd -qdc "$f" > "$root/lib/modules/bc/$m.ko" ;;
            *.ko.gz) gzip -dc "$f" > "$root/lib/modules/bc/$m.ko" ;;
            *) cp "$f" "$root/lib/modules/bc/$m.ko" ;;
        esac
        echo "$m" >> "$root/etc/bc-modules"
    done

    # qemu-ga and the libraries it links (incl. the dynamic loader), at the
    # same paths as on the host.
    cp /usr/sbin/qemu-ga "$root/usr/sbin/qemu-ga"
    for lib in $(ldd /usr/sbin/qemu-ga | grep -o '/[^ ]*'); do
        rel=${lib#/}
        mkdir -p "$root/$(dirname "$rel")"
        cp -L "$lib" "$root/$rel"
    done

    # /dev/console for the kernel to open before /init (needs root; the
    # kernel's built-in rootfs has one anyway).
    mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
    guest_init > "$root/init"
    chmod 755 "$root/init"
    liar_agent > "$root/usr/sbin/bc-liar-agent"
    chmod 755 "$root/usr/sbin/bc-liar-agent"
    echo "bc-guest" > "$root/etc/hostname"
    echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
    echo "root:x:0:" > "$root/etc/group"

    (cd "$root" && find . -print0 | LC_ALL=C sort -z |
        cpio --null -o -H newc --quiet -R 0:0) | gzip -6 > "$TMP/initrd.img"
    mv -f "$TMP/initrd.img" "$OUTDIR/initrd.img"
}
if have "$WANT_INITRD" initrd.img; then
    log "initrd.img up to date"
else
    log "building initrd.img ($GUEST_KVER)"
    build_initrd
fi
echo "$WANT_INITRD" >> "$NEW_STAMP"

# --- data.img -------------------------------------------------------------------
build_data() {
    local src=$TMP/data i total size_mib
    mkdir -p "$src"
    for ((i = 0; i < NFILES; i++)); do
        head -c $((FILE_MIB * 1048576)) /dev/urandom > "$src/$(printf 'f%04d' "$i")"
    done
    total=$((NFILES * FILE_MIB))
    # Room for metadata: 6 % + 16 MiB (4 KiB blocks, no reserve, no journal:
    # the guest mounts it read-only).
    size_mib=$((total + total * 6 / 100 + 16))
    mkfs.ext4 -q -F -b 4096 -m 0 -O ^has_journal -N $((NFILES + 64)) \
        -L bcdata -d "$src" "$TMP/data.img" "${size_mib}M" >/dev/null
    rm -rf "$src"
    mv -f "$TMP/data.img" "$OUTDIR/data.img"
}
if have "$WANT_DATA" data.img; then
    log "data.img up to date ($NFILES x $FILE_MIB MiB)"
else
    log "building data.img ($NFILES x $FILE_MIB MiB)"
    build_data
fi
echo "$WANT_DATA" >> "$NEW_STAMP"

chmod 0755 "$OUTDIR"
chmod 0644 "$OUTDIR/vmlinuz" "$OUTDIR/initrd.img" "$OUTDIR/data.img" "$NEW_STAMP"
mv -f "$NEW_STAMP" "$STAMP"
log "done: $OUTDIR/{vmlinuz,initrd.img,data.img}"
