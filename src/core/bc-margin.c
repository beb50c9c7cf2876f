/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The margin controller: its state, when a tick is due, and a tick, which
 * computes what changed since the previous sample and hands both to the
 * configured policy (bc-policy.c). */
#define G_LOG_DOMAIN "balloonctl-margin"

#include "bc-margin.h"
#include "bc-policy.h"

#include <string.h>

const char *
bc_state_to_string (BcState state)
{
  return state == BC_STATE_UP ? "UP" : "DOWN";
}

void
bc_margin_init (BcMargin *st, const BcMarginParams *p)
{
  memset (st, 0, sizeof *st);
  st->state = BC_STATE_UP;
  st->margin_kib = CLAMP (p->initial_kib, p->min_kib, p->max_kib);
  st->last_tick_ms = -1;
  g_strlcpy (st->reason, "initial margin", sizeof st->reason);
}

gboolean
bc_margin_due (const BcMargin *st, gint64 now_ms, gint64 interval_ms)
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
  d.have_read = d.have_turnover && a->read_kib > 0 && b->read_kib >= a->read_kib;
  if (d.have_read)
    d.read = (gint64) MIN (b->read_kib - a->read_kib, (guint64) G_MAXINT64);
  return d;
}

void
bc_margin_tick (BcMargin *st, const BcMarginParams *p, BcPolicy policy,
                const BcMarginSample *now, gint64 now_ms)
{
  const BcPolicyOps *ops = bc_policy_ops (policy);
  /* the time between the two samples, where known */
  gint64 since = st->have_prev && st->prev.at_ms > 0 && now->at_ms > 0 ? now->at_ms - st->prev.at_ms
               : st->last_tick_ms >= 0 ? now_ms - st->last_tick_ms : 0;
  BcPolicyTick t = { now, NULL, now_ms, since };
  Delta d;

  st->last_tick_ms = now_ms;
  /* A first sample, or figures of another kind (the agent came or went):
   * deltas against the previous sample would mean nothing.  Rules on
   * levels need none. */
  if (!ops->on_levels)
    {
      if (!st->have_prev || st->prev.have_active_file != now->have_active_file)
        {
          st->prev = *now;
          st->have_prev = TRUE;
          return;
        }
      d = delta_between (&st->prev, now);
      st->prev = *now;
      t.delta = &d;
    }
  ops->tick (st, p, &t);
}
