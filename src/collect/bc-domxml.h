/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: the facts balloonctl needs from a domain's live XML: whether it
 * has a working balloon device and its statistics period, and its
 * virtio-mem device.  Pure. */
#pragma once

#include "bc-vmem.h"

#include <glib.h>

typedef struct {
  gboolean has_balloon; /* a <memballoon> other than model='none' */
  gint stats_period_s;  /* 0 = statistics off */
  gboolean autodeflate; /* deflate-on-oom: the guest may take its balloon
                           back when it runs out of memory */
} BcDomainBalloon;

gboolean bc_domxml_parse_balloon (const char *xml, BcDomainBalloon *out, GError **error);

/* A domain's virtio-mem device, as its live XML says: <memory
 * model='virtio-mem'> with <target> <size>, <node>, <block>, <requested>
 * and <current> (the plugged size, which libvirt >= 7.9 keeps up to date),
 * sizes in their unit attribute's unit (libvirt's names; KiB without one).
 * The memory outside the device is the domain's <memory> less its size. */
typedef struct {
  guint n_devices;         /* virtio-mem devices; 0 = none */
  guint node;              /* the NUMA node it plugs into */
  BcVmemDevice dev;        /* its figures, when n_devices == 1 */
} BcDomainVmem;

/* Fills out; a domain without virtio-mem is no error (n_devices 0), one
 * with more than one is (each would need its own share of a target). */
gboolean bc_domxml_parse_vmem (const char *xml, BcDomainVmem *out, GError **error);

/* The XML of the domain's one virtio-mem device as its live XML has it,
 * with <requested> set to requested_kib: what virDomainUpdateDeviceFlags
 * takes to resize it (as `virsh update-memory-device` does). */
char *bc_domxml_vmem_update (const char *xml, guint64 requested_kib, GError **error);
