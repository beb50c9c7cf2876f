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

#include "bc-margin.h"
#include "bc-adaptive.h"
#include "bc-mom.h"

#include <string.h>

const char *
bc_policy_to_string (BcPolicy policy)
{
  switch (policy)
    {
    case BC_POLICY_PAPER_LITERAL: return "paper-literal";
    case BC_POLICY_ADAPTIVE: return "adaptive";
    case BC_POLICY_COMMITTED: return "committed";
    case BC_POLICY_MOM: return "mom";
    case BC_POLICY_PAPER:
    default: return "paper";
    }
}

gboolean
bc_policy_from_string (const char *s, BcPolicy *out)
{
  if (g_strcmp0 (s, "paper") == 0)
    *out = BC_POLICY_PAPER;
  else if (g_strcmp0 (s, "paper-literal") == 0)
    *out = BC_POLICY_PAPER_LITERAL;
  else if (g_strcmp0 (s, "adaptive") == 0)
    *out = BC_POLICY_ADAPTIVE;
  else if (g_strcmp0 (s, "committed") == 0)
    *out = BC_POLICY_COMMITTED;
  else if (g_strcmp0 (s, "mom") == 0)
    *out = BC_POLICY_MOM;
  else
    return FALSE;
  return TRUE;
}

const char *
bc_state_to_string (BcState state)
{
  return state == BC_STATE_UP ? "UP" : "DOWN";
}

void
bc_margin_init (BcMarginState *st, const BcMarginParams *p)
{
  memset (st, 0, sizeof *st);
  st->state = BC_STATE_UP;
  st->margin_kib = CLAMP (p->initial_kib, p->min_kib, p->max_kib);
  st->last_tick_ms = -1;
  g_strlcpy (st->reason, "initial margin", sizeof st->reason);
}

gboolean
bc_margin_due (const BcMarginState *st, gint64 now_ms, gint64 interval_ms)
{
  return st->last_tick_ms < 0 || now_ms - st->last_tick_ms >= interval_ms;
}

typedef BcMarginDelta Delta;

static Delta
delta_between (const BcMarginSample *a, const BcMarginSample *b)
{
  Delta d = { 0 };

  d.cached = (gint64) b->cached_kib - (gint64) a->cached_kib;
  d.have_active = a->have_active_file && b->have_active_file;
  if (d.have_active)
    d.active = (gint64) b->active_file_kib - (gint64) a->active_file_kib;
  d.have_turnover = a->have_refault && b->have_refault;
  if (d.have_turnover && b->refault_file_kib >= a->refault_file_kib)
    d.turnover = (gint64) MIN (b->refault_file_kib - a->refault_file_kib, (guint64) G_MAXINT64);
  return d;
}

static void
step (BcMarginState *st, const BcMarginParams *p, gint64 by, BcState next)
{
  st->margin_kib = CLAMP (st->margin_kib + by, p->min_kib, p->max_kib);
  st->state = next;
}

static void
tick_literal (BcMarginState *st, const BcMarginParams *p, const Delta *d)
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
tick_paper (BcMarginState *st, const BcMarginParams *p, const Delta *d)
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
bc_margin_tick (BcMarginState *st, const BcMarginParams *p, BcPolicy policy,
                const BcMarginSample *now, gint64 now_ms)
{
  /* the time between the two samples, where known */
  gint64 since = st->have_prev && st->prev.at_ms > 0 && now->at_ms > 0 ? now->at_ms - st->prev.at_ms
               : st->last_tick_ms >= 0 ? now_ms - st->last_tick_ms : 0;
  Delta d;

  st->last_tick_ms = now_ms;
  /* rules on levels, not on deltas */
  if (policy == BC_POLICY_COMMITTED)
    {
      g_strlcpy (st->reason, "fixed reserve", sizeof st->reason);
      return;
    }
  if (policy == BC_POLICY_MOM)
    {
      bc_mom_tick (st, p, now);
      return;
    }
  /* A first sample, or figures of another kind (the agent came or went):
   * deltas against the previous sample would mean nothing. */
  if (!st->have_prev || st->prev.have_active_file != now->have_active_file)
    {
      st->prev = *now;
      st->have_prev = TRUE;
      return;
    }
  d = delta_between (&st->prev, now);
  st->prev = *now;
  if (policy == BC_POLICY_PAPER_LITERAL)
    tick_literal (st, p, &d);
  else if (policy == BC_POLICY_ADAPTIVE && d.have_turnover)
    bc_adaptive_tick (st, p, &d, now, now_ms, since);
  else
    tick_paper (st, p, &d);
}
