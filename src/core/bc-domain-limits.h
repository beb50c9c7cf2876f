/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's own limits, as its metadata's <policy> gives them
 * (bc-metadata.h reads them from the domain's XML): whether it is
 * managed, its min and max, its weight.  (The algorithm that steers the
 * margin is the policy, BcPolicy, bc-policy.h.) */
#pragma once

#include <glib.h>

/* A domain's part of the host budget when the wants do not fit: with
 * weights a and b, two domains that both want more get a : b of it; 1 to
 * 10000, 100 when none is given (as cgroup v2's memory and cpu weights). */
typedef guint BcWeight;
#define BC_WEIGHT_DEFAULT 100
#define BC_WEIGHT_MAX 10000

/* What sizes a domain: its balloon, or its virtio-mem device (bc-vmem.h);
 * auto, the default, is the device where the domain has one. */
typedef enum {
  BC_MEMORY_DEVICE_UNSET,    /* metadata: the configuration's choice */
  BC_MEMORY_DEVICE_AUTO,
  BC_MEMORY_DEVICE_BALLOON,
  BC_MEMORY_DEVICE_VIRTIO_MEM,
} BcMemoryDevice;

typedef struct {
  gboolean enabled;
  guint64 min_kib; /* 0 = not set */
  guint64 max_kib; /* 0 = not set */
  BcWeight weight; /* 1..BC_WEIGHT_MAX; 0 = not set */
  BcMemoryDevice memory_device; /* UNSET = not set */
} BcDomainLimits;
