#!/bin/bash
# vmem-by-hand.sh -- the issue's hand experiment, scripted (run as root):
# a lab guest with 256 MiB of boot memory in one NUMA cell and a virtio-mem
# device of 512 MiB (2 MiB blocks), moved 256 -> 64 -> 448 MiB with
# `virsh update-memory-device --requested-size`; prints how long the
# device's <current> (plugged) size took to follow, and the guest's MemTotal.
# Environment: LAB_CACHE (guest build dir), BC_LAB_DIR (<= 40 chars).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_CACHE=${LAB_CACHE:-/var/tmp/balloonctl-lab-cache}
export LAB_GUEST_DIR=$LAB_CACHE LAB_VMEM_MIB=512 LAB_VMEM_REQ_MIB=256
export LAB_CMDLINE_EXTRA=memhp_default_state=online_movable
# shellcheck source-path=SCRIPTDIR source=lab-lib.sh
. "$HERE/lab-lib.sh"
"$HERE/build-guest.sh" "$LAB_CACHE" >/dev/null
lab_init "${BC_LAB_DIR:-/var/tmp/bcvm}"
trap lab_teardown EXIT

plugged_kib() {
    local plugged
    read -r _ plugged <<<"$(lab_vmem_sizes vm1)" || true
    echo "$plugged"
}

lab_define_guest vm1 256 768 '600:idle'
echo "agent after $(lab_wait_agent vm1 180) s"
lab_run virsh dumpxml vm1 | sed -n '/<maxMemory/,/currentMemory/p;/<memory model/,/<\/memory>/p'
lab_run virsh domstats --balloon vm1
for mib in 256 64 448; do
    start=$SECONDS
    lab_run virsh update-memory-device vm1 --alias "$(lab_run virsh dumpxml vm1 | xmllint --xpath "string(//memory[@model='virtio-mem']/alias/@name)" -)" --live --requested-size "${mib}MiB"
    while [ "$(plugged_kib)" != $((mib * 1024)) ] && [ $((SECONDS - start)) -lt 60 ]; do sleep 0.5; done
    echo "requested $mib MiB: plugged $(plugged_kib) KiB after $((SECONDS - start)) s;" \
         "guest $(lab_guest_cat vm1 /proc/meminfo | grep MemTotal)"
    lab_run virsh dumpxml vm1 | grep -E "<memory unit|<currentMemory"
    lab_run virsh domstats --balloon vm1 | grep -E "current|maximum"
done
