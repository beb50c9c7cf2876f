/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply, for a domain its virtio-mem device sizes: the pass's target
 * becomes the device's requested size (bc_vmem_request), set live through
 * libvirt's update of a memory device, on the libvirt queue like a
 * setMemory (bc-apply.c runs the job; these are its two ends). */
#pragma once

#include "bc-domain.h"

/* Main thread: the device's size to ask for the pass's target new_kib, or
 * BC_VMEM_NO_REQUEST when nothing is to be asked (the request stands, or
 * is held). */
guint64 bc_apply_vmem_wanted (const BcDomain *dom, guint64 new_kib, gint64 now_ms);
/* Why the change is made: the pass's reason, or for a request held back
 * from what the pass wanted (a stall), that and the pass's reason. */
char *bc_apply_vmem_reason (const BcDomain *dom, guint64 requested_kib, guint64 new_kib, const char *reason);
/* The domain's size once the device has requested_kib. */
guint64 bc_apply_vmem_domain_kib (const BcDomain *dom, guint64 requested_kib);
/* The line a dry run logs for the pass's change (its new_kib): the
 * request it would send (the device's requested size, and the domain's
 * size it means), as the change's own line would say it; NULL when
 * nothing would be asked (the request stands, or is held).  A request the
 * dry run said it would send stands for it as one sent would
 * (bc_apply_vmem_dry_run_said), so that it is said once, not every pass. */
char *bc_apply_vmem_dry_run (const BcDomain *dom, const BcPassOutput *change, gint64 now_ms);
/* After the line of bc_apply_vmem_dry_run was logged: its request stands. */
void bc_apply_vmem_dry_run_said (BcDomain *dom, const BcPassOutput *change, gint64 now_ms);

/* The blocking body: the device's XML from the live XML with <requested>
 * set, given to virDomainUpdateDeviceFlags (VIR_DOMAIN_AFFECT_LIVE), as
 * `virsh update-memory-device --requested-size` does.  Not during a job
 * (BC_ERROR_BUSY); a domain that stopped fails with BC_ERROR_NOT_RUNNING. */
gboolean bc_apply_vmem_target (virDomainPtr dom, guint64 requested_kib, GError **error);

/* Main thread: libvirt took the request. */
void bc_apply_vmem_done (BcDomain *dom, guint64 requested_kib);
