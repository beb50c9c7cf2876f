#!/bin/bash
# scenario.sh -- the paper's experiment (its Figures 1 and 2), scaled, on two
# real guests (run as root).
#
#   scenario.sh --bin BALLOONCTL --out DIR [--scenario paper|ci]
#               [--policy POLICY] [--memory-device balloon|virtio-mem] [--live]
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
# --memory-device: how each guest's memory is sized.  balloon (default): it
# boots with its max and a virtio balloon takes it down to its start size.
# virtio-mem: it boots with the daemon's floor (128 MiB, [domain] min-mib's
# default) as boot memory in one NUMA cell and the rest of its max as a
# virtio-mem device (2 MiB blocks), start size less boot memory plugged, its
# kernel onlining hot-plugged memory movable so that it can be unplugged
# again; the daemon ([domain] memory-device=auto) then sizes it by the
# device, between the same bounds as the balloon.  The sampler records each
# guest's QEMU resident set in both modes (what the host really gives), and
# the plugged size with virtio-mem.
# Everything lives in one temporary folder, removed on exit or Ctrl-C with
# every process and domain of the lab; DIR keeps scenario.json, one CSV per
# guest (tests/bench/sampler.py) and the daemon and console logs.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BIN_SRC='' OUT='' SCENARIO=paper POLICY=paper LIVE=0 MEMDEV=balloon
while [ $# -gt 0 ]; do
    case $1 in
        --bin) BIN_SRC=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --scenario) SCENARIO=$2; shift 2 ;;
        --policy) POLICY=$2; shift 2 ;;
        --memory-device) MEMDEV=$2; shift 2 ;;
        --live) LIVE=1; shift ;;
        *) echo "scenario: unknown argument $1" >&2; exit 2 ;;
    esac
done
# shellcheck disable=SC2015 # tests alone before ||: it runs when one fails
[ -n "$BIN_SRC" ] && [ -n "$OUT" ] || { echo "usage: scenario.sh --bin BALLOONCTL --out DIR [--scenario paper|ci] [--policy POLICY] [--memory-device balloon|virtio-mem] [--live]" >&2; exit 2; }
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
case $MEMDEV in
    balloon|virtio-mem) ;;
    *) echo "scenario: unknown memory device $MEMDEV (balloon or virtio-mem)" >&2; exit 2 ;;
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
# virtio-mem: only the device's memory can be given back (the boot memory
# stays the guest's), so the boot memory is the floor the daemon takes a
# guest down to ([domain] min-mib, 128 MiB by default): both modes move
# between the same bounds, 128 MiB to the max.  Booting with the start size
# (256 MiB) instead would pin the two guests at the whole budget and leave
# the daemon nothing to move.  The device holds the rest of the max (256
# MiB: two of the guest kernel's 128 MiB memory blocks) in 2 MiB blocks
# (x86's smallest) with START_MIB - BOOT_MIB plugged at boot, so that each
# guest starts where the balloon mode starts it.  Onlined movable,
# hot-plugged memory takes page cache and user memory only: what the guest's
# kernel allocates and its initramfs (ramfs, unmovable) live in the boot
# memory.  swiotlb=noforce: with a virtio-mem device the guest's possible
# memory reaches above 4 GiB, and the x86 kernel then sets aside 64 MiB of
# its boot memory for a DMA bounce buffer (SWIOTLB) that no device of
# this guest uses (legacy virtio bypasses the DMA API); in 128 MiB it left
# the kernel 33 MiB and an OOM kill, without it 80 MiB.
BOOT_MIB=128 VMEM_MIB=$((MAX_MIB - BOOT_MIB)) VMEM_BLOCK_MIB=2

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
TMP=$(mktemp -d /tmp/bclab.XXXXXX)
chmod 0755 "$TMP"
export LAB_GUEST_DIR=${LAB_CACHE:-$TMP/guest}
# shellcheck source-path=SCRIPTDIR source=../lab/lab-lib.sh
. "$HERE/../lab/lab-lib.sh"
SAMPLER_PID='' DAEMON_PID='' REC=/nonexistent
trap lab_record_exit EXIT
trap 'exit 130' INT TERM

echo "scenario $SCENARIO, policy $POLICY: memory and files x1/$MEM_F, time x1/$TIME_F" \
     "(host $HOST_MIB MiB, guests up to $MAX_MIB MiB, phases $PHASE_S s)"
[ "$MEMDEV" = balloon ] ||
    echo "memory device virtio-mem: $BOOT_MIB MiB of boot memory + a device of $VMEM_MIB MiB" \
         "(blocks of $VMEM_BLOCK_MIB MiB), $((START_MIB - BOOT_MIB)) MiB plugged at start"
"$HERE/../lab/build-guest.sh" "$LAB_GUEST_DIR" "$NFILES" 1 >/dev/null
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
sc = {"scenario": "$SCENARIO", "policy": "$POLICY", "mem_factor": "1/$MEM_F", "time_factor": "1/$TIME_F",
      "host_mib": $HOST_MIB, "max_mib": $MAX_MIB, "phase_s": $PHASE_S, "start_mib": $START_MIB,
      "warmup_s": $WARMUP_S, "file_mib": 1,
      "guests": {"vm1": [int(x) for x in "$VM1".split()], "vm2": [int(x) for x in "$VM2".split()]}}
sc.update({"memory_device": "virtio-mem", "boot_mib": $BOOT_MIB, "vmem_mib": $VMEM_MIB,
           "vmem_block_mib": $VMEM_BLOCK_MIB} if "$MEMDEV" == "virtio-mem" else {})
json.dump(sc, open(sys.argv[1], "w"), indent=1)
PY
for g in vm1 vm2; do
    # shellcheck disable=SC2086 # VM1 and VM2 are word lists, split on purpose
    if [ "$g" = vm1 ]; then set -- $VM1; else set -- $VM2; fi
    phases="$WARMUP_S:idle:0,$PHASE_S:read:$1,$PHASE_S:read:$2,$PHASE_S:read:$3,3600:idle"
    if [ "$MEMDEV" = balloon ]; then
        lab_define_guest $g "$START_MIB" "$MAX_MIB" "$phases" >/dev/null
    else
        LAB_VMEM_MIB=$VMEM_MIB LAB_VMEM_REQ_MIB=$((START_MIB - BOOT_MIB)) LAB_VMEM_BLOCK_MIB=$VMEM_BLOCK_MIB \
            LAB_CMDLINE_EXTRA="${LAB_CMDLINE_EXTRA:+$LAB_CMDLINE_EXTRA }memhp_default_state=online_movable swiotlb=noforce" \
            lab_define_guest $g "$BOOT_MIB" "$MAX_MIB" "$phases" >/dev/null
    fi
done
for g in vm1 vm2; do lab_wait_agent $g 180 >/dev/null || { echo "scenario: $g's agent did not answer" >&2; exit 1; }; done
if [ "$MEMDEV" = balloon ]; then
    for g in vm1 vm2; do lab_wait_balloon $g "$START_MIB" || exit 1; done
else
    for g in vm1 vm2; do lab_wait_vmem $g $((START_MIB - BOOT_MIB)) || exit 1; done
fi

if [ "$DAEMON" = 1 ]; then
    lab_run env ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
        "$BIN" --config "$LAB_DIR/balloonctl.conf" run >"$LAB_DIR/daemon.log" 2>&1 &
    DAEMON_PID=$!
fi
live=()
dev=''
[ "$MEMDEV" = balloon ] || dev=", $MEMDEV"
[ "$LIVE" = 1 ] && live=(--live 5 --title "balloonctl lab: $SCENARIO scenario, policy $POLICY$dev")
lab_record "$DURATION" vm1,vm2 "${live[@]}" || exit 1
if [ "$MEMDEV" = virtio-mem ] && [ "$DAEMON" = 1 ]; then
    for g in vm1 vm2; do
        grep -q "$g: sized by virtio-mem" "$LAB_DIR/daemon.log" ||
            { echo "scenario: the daemon did not size $g by virtio-mem (see daemon.log)" >&2; exit 1; }
    done
fi
echo "scenario: recorded in $OUT"
