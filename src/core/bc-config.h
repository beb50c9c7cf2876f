/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration: what /etc/balloonctl/balloonctl.conf sets, its defaults
 * and the host budget it gives.  Reading the file: bc-config-file.h. */
#pragma once

#include "bc-domain-limits.h"
#include "bc-margin.h"
#include "bc-target.h"
#include "bc-domain-limits.h"

#define BC_CONFIG_PATH_MAX 256

/* The staleness rule: figures older than this many apply intervals are no
 * figures.  The step that reads them holds what it has (a domain its size,
 * the host its budget, status its word that the daemon is alive); each
 * adds the slack of its own source (bc_config_stale_ms' callers). */
#define BC_STALE_PASSES 3

typedef struct {
  /* [controller] */
  gint64 apply_interval_ms;
  gint64 margin_interval_ms;
  BcPolicy policy;
  gint64 agent_timeout_ms;
  gboolean agent;             /* use the guest agent at all */
  /* [margin] */
  BcMarginParams margin;
  /* [safety] */
  BcClampParams clamp;
  /* [host] */
  guint64 budget_kib;  /* 0 = host memory - reserve */
  guint64 reserve_kib;
  gboolean follow;            /* the budget follows the host's figures */
  gint64 pressure_percent;    /* PSI memory "some avg10" that makes the
                                 guests give back; 0 = never */
  char cgroup[BC_CONFIG_PATH_MAX]; /* the domains' cgroup directory, read
                                 as a limit too; "" = none */
  guint64 guest_size_kib;     /* the guest "room for K more guests" counts
                                 in (bc-room.h); no input of the pass */
  /* [domain] defaults, overridden by domain metadata */
  guint64 domain_min_kib;
  guint64 domain_max_kib; /* 0 = the domain's own maximum */
  BcWeight domain_weight; /* its part of the host budget, 1..10000 */
  BcMemoryDevice domain_memory_device; /* auto, balloon or virtio-mem */
  /* [metrics] */
  char metrics_listen[64]; /* ADDRESS:PORT; "" = no endpoint */
  /* read from a file (not the defaults of a missing one): a reload then
   * requires that file */
  gboolean from_file;
} BcConfig;

void bc_config_defaults (BcConfig *cfg);
/* The most all managed domains may hold together: [host] budget-mib, or
 * host memory minus reserve-mib.  0 when the reserve leaves nothing. */
guint64 bc_config_budget_kib (const BcConfig *cfg, guint64 host_kib);
/* The same, and a configuration error when it is 0. */
/* BC_STALE_PASSES apply intervals of interval_ms. */
gint64 bc_config_stale_ms (gint64 interval_ms);
gboolean bc_config_check_budget (const BcConfig *cfg, guint64 host_kib, guint64 *budget_kib, GError **error);
