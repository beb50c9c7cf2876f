/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The paper's margin control (README, "How it decides") has two states:
 *   UP:   cache changing, or Active(file) increasing -> margin up;
 *         otherwise -> DOWN.
 *   DOWN: cache not increasing, or Active(file) not decreasing -> margin down;
 *         otherwise -> margin up and UP.
 * "paper-literal" implements exactly that with size deltas.  Read literally,
 * DOWN can only be left when Cached grows *and* Active(file) shrinks at once,
 * which a guest whose full cache is being replaced never shows: measured in
 * the lab, its cache stays flat while it thrashes (76 % of reads missing).
 * "paper" therefore reads "the cache is changing" as cache turnover: file
 * pages read back soon after eviction (workingset_refault_file), plus growth
 * (a cache that shrinks was shrunk by our own balloon); and it leaves DOWN as
 * soon as the cache grows or turns over. */
#define G_LOG_DOMAIN "balloonctl-margin"

#include "bc-paper.h"

typedef BcMarginDelta Delta;

static void
step (BcMargin *st, const BcMarginParams *p, gint64 by, BcState next)
{
  st->margin_kib = CLAMP (st->margin_kib + by, p->min_kib, p->max_kib);
  st->state = next;
}

static void
tick_literal (BcMargin *st, const BcMarginParams *p, const Delta *d)
{
  gint64 t = p->threshold_kib;
  gboolean cache_changing = ABS (d->cached) > t;
  gboolean cache_increasing = d->cached > t;
  gboolean active_increasing = d->have_active && d->active > t;
  gboolean active_decreasing = d->have_active && d->active < -t;

  if (st->state == BC_STATE_UP)
    {
      if (cache_changing || active_increasing)
        {
          step (st, p, p->step_kib, BC_STATE_UP);
          g_snprintf (st->reason, sizeof st->reason, "UP: cache %+" G_GINT64_FORMAT " KiB, active(file) %+" G_GINT64_FORMAT " KiB",
                      d->cached, d->active);
        }
      else
        {
          step (st, p, 0, BC_STATE_DOWN);
          g_strlcpy (st->reason, "UP->DOWN: cache steady", sizeof st->reason);
        }
      return;
    }
  if (!cache_increasing || !active_decreasing)
    {
      step (st, p, -p->down_step_kib, BC_STATE_DOWN);
      g_strlcpy (st->reason, "DOWN: cache not increasing or active(file) not decreasing", sizeof st->reason);
    }
  else
    {
      step (st, p, p->step_kib, BC_STATE_UP);
      g_strlcpy (st->reason, "DOWN->UP: cache increasing, active(file) decreasing", sizeof st->reason);
    }
}

/* paper: the margin grows by what the guest showed it lacked over the
 * interval (refaulted pages, cache or Active(file) growth), at most a step:
 * a guest thrashing on a new working set grows a full step per tick, one
 * that refaulted a little after a shrink grows a little. */
static gint64
growth (const BcMarginParams *p, const Delta *d)
{
  gint64 evidence = MAX (d->turnover, MAX (d->cached, d->have_active ? d->active : 0));

  return CLAMP (evidence, 0, p->step_kib);
}

static void
tick_paper (BcMargin *st, const BcMarginParams *p, const Delta *d)
{
  gint64 t = p->threshold_kib;
  gboolean turning_over = d->turnover > t;
  gboolean cache_growing = d->cached > t;
  /* A cache that shrank was shrunk by our own balloon (or by deleted
   * files): no demand there, so only growth and turnover count. */
  gboolean cache_changing = turning_over || cache_growing;
  gboolean active_increasing = d->have_active && d->active > t;

  if (st->state == BC_STATE_UP && (cache_changing || active_increasing))
    {
      step (st, p, growth (p, d), BC_STATE_UP);
      g_snprintf (st->reason, sizeof st->reason, "UP: refaults %" G_GINT64_FORMAT " KiB, cache %+" G_GINT64_FORMAT " KiB",
                  d->turnover, d->cached);
    }
  else if (st->state == BC_STATE_UP)
    {
      step (st, p, 0, BC_STATE_DOWN);
      g_strlcpy (st->reason, "UP->DOWN: cache steady, no refaults", sizeof st->reason);
    }
  else if (turning_over || cache_growing)
    {
      step (st, p, growth (p, d), BC_STATE_UP);
      g_snprintf (st->reason, sizeof st->reason, "DOWN->UP: refaults %" G_GINT64_FORMAT " KiB, cache %+" G_GINT64_FORMAT " KiB",
                  d->turnover, d->cached);
    }
  else
    {
      step (st, p, -p->down_step_kib, BC_STATE_DOWN);
      g_strlcpy (st->reason, "DOWN: cache steady, no refaults", sizeof st->reason);
    }
}

void
bc_paper_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t)
{
  tick_paper (st, p, t->delta);
}

void
bc_paper_literal_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t)
{
  tick_literal (st, p, t->delta);
}

gboolean
bc_paper_quiet (const BcMargin *st, guint64 cached_kib)
{
  (void) cached_kib;
  return st->state == BC_STATE_DOWN;
}
