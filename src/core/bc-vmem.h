/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide, for a domain sized by virtio-mem instead of its balloon: the
 * device's requested size for a target, the size the pass reads for the
 * domain, and whether the guest follows a request.  Pure: figures in,
 * figures out, time an argument.
 *
 * A virtio-mem domain has fixed memory (its boot memory, and any DIMMs)
 * and one virtio-mem device of size_kib, of which the guest has plugged
 * plugged_kib in blocks of block_kib.  Its size is fixed + plugged: what
 * the guest really has (its MemTotal moves with it), never the request,
 * which an unplug may not reach (pages the guest cannot move).
 *
 * The balloon takes nothing on such a domain: it stays deflated, so its
 * figures and the device's are one honest size, and the part of a target
 * below a block is rounded up to a whole block, never taken by the
 * balloon (the guest is never taken below its floor for less than one
 * block, 2 MiB on x86). */
#pragma once

#include "bc-domain-limits.h"

#include <glib.h>

typedef struct {
  guint64 fixed_kib;      /* the domain's memory outside the device */
  guint64 size_kib;       /* the device's size: the most it can plug */
  guint64 block_kib;      /* it plugs and unplugs in blocks of this */
  guint64 requested_kib;  /* what was last asked of it */
  guint64 plugged_kib;    /* what the guest has plugged (libvirt's
                             <current>) */
} BcVmemDevice;

/* A device's figures hold together: a block that is a power of two, a
 * size, request and plugged size that are whole blocks within the size. */
gboolean bc_vmem_device_valid (const BcVmemDevice *dev, GError **error);

/* The domain's size as the pass reads it: fixed + plugged. */
guint64 bc_vmem_current_kib (const BcVmemDevice *dev);
/* The most the domain can have: fixed + size. */
guint64 bc_vmem_max_kib (const BcVmemDevice *dev);

/* The device's requested size for a domain target: the target less the
 * fixed memory, rounded up to a whole block, within [0, size]. */
guint64 bc_vmem_requested_for (const BcVmemDevice *dev, guint64 target_kib);

/* A request the guest does not follow: the plugged size stays away from
 * the request, and does not move, for BC_VMEM_STALL_MS (new requests
 * meanwhile do not restart the count: a target that moves every pass
 * while the guest plugs nothing is a stall too).  It is then withdrawn (the device is asked for
 * what is plugged) and nothing more in that direction is asked for
 * BC_VMEM_HOLD_MS: after an unplug that stalled (pages the guest cannot
 * move), no smaller size, but a larger one if the guest needs it; after a
 * plug that stalled (a guest without the driver), no larger one. */
#define BC_VMEM_STALL_MS 30000
#define BC_VMEM_HOLD_MS 120000

/* What the follower has seen of the device. */
typedef struct {
  guint64 last_plugged_kib; /* the plugged size at since_ms */
  gint64 since_ms;        /* monotonic: when the plugged size last moved
                             or met the request; 0 = not read yet */
  gint64 held_until_ms;   /* no request in the stalled direction before
                             this (0 = none) */
  gboolean held_shrink;   /* the stall was an unplug (else a plug) */
} BcVmemFollow;

typedef enum {
  BC_VMEM_REACHED,        /* plugged == requested */
  BC_VMEM_MOVING,         /* closer than before, or not yet for long */
  BC_VMEM_STALLED,        /* no closer for BC_VMEM_STALL_MS: held now */
  BC_VMEM_HELD,           /* held by an earlier stall */
} BcVmemProgress;

/* One reading of the device: updates f, says how the request fares. */
BcVmemProgress bc_vmem_follow (BcVmemFollow *f, const BcVmemDevice *dev, gint64 now_ms);

/* The size to ask of the device for target_kib now, or G_MAXUINT64 for
 * nothing to ask: the request stands already, or a shrink is held, in
 * which case a request the guest did not reach is withdrawn to what it
 * plugged. */
#define BC_VMEM_NO_REQUEST G_MAXUINT64
guint64 bc_vmem_request (const BcVmemFollow *f, const BcVmemDevice *dev, guint64 target_kib, gint64 now_ms);

const char *bc_vmem_progress_to_string (BcVmemProgress p);

/* "auto", "balloon", "virtio-mem" (UNSET is no word). */
gboolean bc_memory_device_from_string (const char *s, BcMemoryDevice *out);
const char *bc_memory_device_to_string (BcMemoryDevice d);
/* A domain's choice: its metadata's, else the configuration's. */
BcMemoryDevice bc_memory_device_choose (BcMemoryDevice config, BcMemoryDevice metadata);
