/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's record of a domain's virtio-mem device (part of BcDomain):
 * whether the domain is sized by it, the device as last read, and how the
 * guest follows the last request.  Main thread only. */
#pragma once

#include "bc-vmem.h"

#include <glib.h>

typedef struct {
  gboolean driven;         /* sized by its virtio-mem device, not its
                              balloon (setup) */
  guint node;              /* the NUMA node it plugs into (setup) */
  BcVmemDevice dev;        /* as last read; requested_kib also as last
                              asked */
  gint64 read_at_ms;       /* monotonic: the last read (0 = none yet) */
  gint64 asked_at_ms;      /* monotonic: the last request libvirt took; a
                              read started before it has an old request */
  gboolean read_inflight;
  guint read_failures;     /* in a row */
  BcVmemFollow follow;
  BcVmemProgress progress; /* at the last read */
  gboolean dry_asked;      /* a dry run said it would ask... */
  guint64 dry_requested_kib; /* ...this: it stands for the dry run as a
                              request sent stands (dev is never asked) */
} BcDomainVmemState;
