/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why refaults: a refault is a file page the guest read again after its
 * kernel evicted it, so the KiB refaulted over a tick are memory the guest
 * would not have had to read from its disk with that much more memory (the
 * kernel's own measure, used by Meta's Senpai and Google's far-memory
 * controller).  Cache sizes cannot tell that: a full cache is flat both
 * when it holds the working set and when it thrashes.  Probing down is how
 * the working set is found: memory nobody reads again leaves without a
 * refault.  A tick of a second makes the growth proportional: a guest
 * short of D MiB of a working set it reads at R MiB/s refaults about
 * R x D / W MiB a second, so growing by what refaulted closes the gap in a
 * few ticks without overshooting it. */
#define G_LOG_DOMAIN "balloonctl-adaptive"

#include "bc-adaptive.h"

/* step-mib, down-step-mib and threshold-mib are per second here: a tick
 * moves by rate x its length, so the law is the same at any interval. */
static gint64
per_tick (gint64 per_second_kib, gint64 since_ms)
{
  return per_second_kib * CLAMP (since_ms, 1, 60000) / 1000;
}

static gint64
shrink_min (const BcMarginParams *p)
{
  return MAX (p->down_step_kib / 8, 1);
}

static gint64
tolerance (guint64 cached_kib, gint64 since_ms)
{
  gint64 per_s = MAX ((gint64) (cached_kib * BC_ADAPTIVE_TOLERANCE_PPM / 1000000), 64);

  return per_tick (per_s, since_ms);
}

static void
set_margin (BcMarginState *st, const BcMarginParams *p, gint64 margin_kib, BcState state)
{
  st->margin_kib = CLAMP (margin_kib, p->min_kib, p->max_kib);
  st->state = state;
}

static void
grow (BcMarginState *st, const BcMarginParams *p, gint64 demand_kib, gint64 now_ms, gint64 since_ms)
{
  gint64 by = MIN (demand_kib, per_tick (p->step_kib, since_ms));

  st->edge_kib = st->margin_kib;
  st->edge_at_ms = now_ms;
  set_margin (st, p, st->margin_kib + by, BC_STATE_UP);
  st->grown_kib = by;
  st->shrink_step_kib = shrink_min (p);
  st->hold_until_ms = now_ms + BC_ADAPTIVE_HOLD_MS;
  g_snprintf (st->reason, sizeof st->reason, "UP: refaults or new cache %" G_GINT64_FORMAT " MiB, margin +%" G_GINT64_FORMAT " MiB",
              demand_kib / 1024, by / 1024);
}

static gboolean
near_edge (const BcMarginState *st, gint64 now_ms)
{
  return st->edge_at_ms > 0 && now_ms - st->edge_at_ms < BC_ADAPTIVE_EDGE_MEMORY_MS &&
         st->margin_kib > st->edge_kib && st->margin_kib - st->edge_kib <= BC_ADAPTIVE_EDGE_ZONE_KIB;
}

/* shrink_step_kib is a rate (KiB/s), raised by shrink_min every quiet
 * second up to down_step_kib / 2. */
static void
probe_down (BcMarginState *st, const BcMarginParams *p, gint64 now_ms, gint64 since_ms)
{
  gint64 rate = MAX (st->shrink_step_kib, shrink_min (p));
  gboolean edge = near_edge (st, now_ms);
  gint64 by;

  if (edge)
    rate = shrink_min (p);
  by = per_tick (rate, since_ms);
  set_margin (st, p, st->margin_kib - by, BC_STATE_DOWN);
  if (!edge)
    st->shrink_step_kib = MIN (rate + per_tick (shrink_min (p), since_ms), p->down_step_kib / 2);
  g_snprintf (st->reason, sizeof st->reason, "DOWN: no refaults, margin -%" G_GINT64_FORMAT " MiB%s",
              by / 1024, edge ? " (near where refaults began)" : "");
}

void
bc_adaptive_tick (BcMarginState *st, const BcMarginParams *p, const BcMarginDelta *d,
                  guint64 cached_kib, gint64 now_ms, gint64 since_ms)
{
  gint64 refaults = d->have_turnover ? d->turnover : 0;
  /* The cache grows into what the last growth gave, whatever reads it
   * once (a backup streaming through): only growth beyond that, and beyond
   * the threshold (a full cache moves by a MiB either way), is new demand. */
  gint64 beyond = d->cached - st->grown_kib;
  gint64 new_cache = beyond > per_tick (p->threshold_kib, since_ms) ? beyond : 0;

  st->grown_kib = 0;
  if (refaults > tolerance (cached_kib, since_ms) || new_cache > 0)
    grow (st, p, MAX (refaults, new_cache), now_ms, since_ms);
  else if (now_ms < st->hold_until_ms)
    {
      st->state = BC_STATE_UP;
      g_strlcpy (st->reason, "UP: holding after growth", sizeof st->reason);
    }
  else
    probe_down (st, p, now_ms, since_ms);
}

void
bc_adaptive_unwind (BcMarginState *st, const BcMarginParams *p, guint64 granted_kib, guint64 committed_kib)
{
  gint64 room = granted_kib > committed_kib ? (gint64) (granted_kib - committed_kib) : 0;

  if (st->margin_kib > room)
    st->margin_kib = MAX (room, p->min_kib);
  /* refaults under the budget's cap say nothing of the working set */
  st->edge_at_ms = 0;
}
