/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: target = Committed_AS + MarginSize, then the safety clamps.
 * Pure: figures in, a target and the clamp that shaped it out. */
#pragma once

#include <glib.h>

typedef struct {
  guint64 guard_kib;          /* kept free above what the guest cannot give back */
  guint64 max_shrink_kib;     /* most memory taken away in one apply tick */
  guint64 dead_band_kib;      /* smaller changes are not applied */
} BcClampParams;

typedef struct {
  guint64 committed_kib;  /* Committed_AS (or used memory without an agent) */
  gint64 margin_kib;
  guint64 settled_kib;    /* the size it is settling to: a target just set,
                             else balloon.current */
  guint64 hard_max_kib;   /* the domain's maximum memory (balloon.maximum) */
  guint64 min_kib;        /* configured floor ([domain] min-mib or metadata) */
  guint64 max_kib;        /* configured ceiling, 0 = none */
  guint64 used_kib;       /* MemTotal - MemAvailable; 0 when unknown */
} BcTargetInput;

typedef enum {
  BC_CLAMP_NONE,
  BC_CLAMP_MAX,        /* capped at the domain's max or configured max */
  BC_CLAMP_MIN,        /* raised to the configured min */
  BC_CLAMP_USED,       /* raised to what the guest uses plus the guard */
  BC_CLAMP_SHRINK_RATE,/* shrink slowed to max_shrink per tick */
} BcClamp;

typedef struct {
  guint64 target_kib;
  guint64 floor_kib;   /* lowest target this domain may get now: the
                          configured min, and used + guard but at most
                          what it holds (the arbiter never goes below) */
  guint64 ceiling_kib; /* highest */
  BcClamp clamp;
  gboolean capped;     /* the ceiling won, whatever clamp shaped it last */
} BcTarget;

const char *bc_clamp_to_string (BcClamp clamp);
BcTarget bc_target_compute (const BcTargetInput *in, const BcClampParams *p);
/* Whether moving from current to target is worth a setMemory call. */
gboolean bc_target_should_apply (guint64 settled_kib, guint64 target_kib, const BcClampParams *p);
