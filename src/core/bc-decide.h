/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: one domain's target for this apply tick, from its figures, its
 * margin state and its limits.  Pure: time is an argument. */
#pragma once

#include "bc-config.h"
#include "bc-figures.h"
#include "bc-domain-limits.h"

typedef struct {
  BcSource source;
  guint64 committed_kib;   /* Committed_AS, or used memory without an agent */
  guint64 cached_kib;
  guint64 active_file_kib; /* 0 without an agent */
  guint64 inactive_file_kib; /* 0 without an agent */
  guint64 used_kib;        /* MemTotal - MemAvailable */
  BcTarget target;         /* after the clamps, before the arbiter */
} BcDecision;

/* How old the agent's figures may be: its timeout and BC_STALE_PASSES
 * passes. */
gint64 bc_decide_agent_max_age_ms (const BcConfig *cfg);

/* Picks the figures to trust: the agent's when they are at most
 * max_agent_age_ms old, else the balloon's. */
BcSource bc_decide_source (const BcBalloonFigures *balloon, const BcGuestFigures *guest,
                           gint64 now_ms, gint64 max_agent_age_ms);

/* Runs the margin controller when due, then computes the clamped target.
 * balloon: as read (its current_kib the balloon's own size); settled_kib:
 * the size the domain is settling to (a target just set stands for the
 * balloon's size while the balloon moves: bc_pass_settled_kib).
 * host_free_bp: the part of the host budget no domain holds, in 1/10000
 * (policy = mom reads it).
 * Returns FALSE (and leaves the domain alone) when no figures are usable,
 * or the balloon's size or maximum is not known. */
gboolean bc_decide (const BcConfig *cfg, const BcDomainLimits *limits, const BcBalloonFigures *balloon,
                    guint64 settled_kib, const BcGuestFigures *guest, guint host_free_bp, BcMargin *margin,
                    gint64 now_ms, BcDecision *out);
