/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why refaults: a refault is a file page the guest read again after its
 * kernel evicted it, so the KiB refaulted over a tick are memory the guest
 * would not have had to read from its disk with that much more memory (the
 * kernel's own measure, used by Meta's Senpai and Google's far-memory
 * controller).  Cache sizes cannot tell that: a full cache is flat both
 * when it holds the working set and when it thrashes.  A cache that grows
 * is demand too (a new working set being read for the first time shows no
 * refaults yet).  Probing down is how the working set is found: memory
 * nobody reads again leaves without a refault. */
#define G_LOG_DOMAIN "balloonctl-adaptive"

#include "bc-adaptive.h"

static gint64
shrink_min (const BcMarginParams *p)
{
  return MAX (p->down_step_kib / 2, 1);
}

static gint64
shrink_max (const BcMarginParams *p)
{
  return 2 * p->down_step_kib;
}

static void
set_margin (BcMarginState *st, const BcMarginParams *p, gint64 margin_kib, BcState state)
{
  st->margin_kib = CLAMP (margin_kib, p->min_kib, p->max_kib);
  st->state = state;
}

static void
grow (BcMarginState *st, const BcMarginParams *p, gint64 demand_kib, gint64 now_ms, gint64 interval_ms)
{
  gint64 by = MIN (demand_kib * BC_ADAPTIVE_GAIN, 4 * p->step_kib);

  set_margin (st, p, st->margin_kib + by, BC_STATE_UP);
  st->shrink_step_kib = shrink_min (p);
  st->hold_until_ms = now_ms + BC_ADAPTIVE_HOLD_TICKS * interval_ms;
  g_snprintf (st->reason, sizeof st->reason, "UP: refaults or new cache %" G_GINT64_FORMAT " MiB, margin +%" G_GINT64_FORMAT " MiB",
              demand_kib / 1024, by / 1024);
}

static void
probe_down (BcMarginState *st, const BcMarginParams *p)
{
  gint64 by = st->shrink_step_kib > 0 ? st->shrink_step_kib : shrink_min (p);

  set_margin (st, p, st->margin_kib - by, BC_STATE_DOWN);
  st->shrink_step_kib = MIN (by + by / 2, shrink_max (p));
  g_snprintf (st->reason, sizeof st->reason, "DOWN: no refaults, margin -%" G_GINT64_FORMAT " MiB", by / 1024);
}

void
bc_adaptive_tick (BcMarginState *st, const BcMarginParams *p, const BcMarginDelta *d,
                  gint64 now_ms, gint64 since_ms)
{
  gint64 demand = MAX (d->have_turnover ? d->turnover : 0, d->cached);

  if (demand > p->threshold_kib)
    grow (st, p, demand, now_ms, MAX (since_ms, 0));
  else if (now_ms < st->hold_until_ms)
    {
      st->state = BC_STATE_UP;
      g_strlcpy (st->reason, "UP: holding after growth", sizeof st->reason);
    }
  else
    probe_down (st, p);
}
