/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-mom"

#include "bc-mom.h"

#define PRESSURE_THRESHOLD_BP 2000
#define PRESSURE_CRITICAL_BP 500
#define MIN_GUEST_FREE_BP 2000
#define MAX_CHANGE_BP 500
#define MIN_CHANGE_BP 25

static gint64
part (guint64 kib, gint64 bp)
{
  return (gint64) kib * bp / 10000;
}

guint64
bc_mom_target (guint64 size_kib, guint64 max_kib, guint64 free_kib, guint host_free_bp)
{
  gint64 size = (gint64) MIN (size_kib, (guint64) G_MAXINT32 * 1024);
  gint64 used = size - (gint64) MIN (free_kib, size_kib);
  gint64 target;

  if (host_free_bp < PRESSURE_THRESHOLD_BP)
    {
      gint64 guest_free_bp = host_free_bp <= PRESSURE_CRITICAL_BP ? (gint64) host_free_bp - PRESSURE_CRITICAL_BP
                                                                 : (gint64) host_free_bp;

      target = MIN (size, MAX (size - part (size, MAX_CHANGE_BP), used + part (size, guest_free_bp)));
    }
  else
    target = MIN ((gint64) max_kib, MAX (size + part (size, MAX_CHANGE_BP), used + part (size, MIN_GUEST_FREE_BP)));
  if (ABS (target - size) <= part (size, MIN_CHANGE_BP) || target <= 0)
    return (guint64) size;
  return (guint64) target;
}

void
bc_mom_tick (BcMargin *st, const BcMarginParams *p, const BcMarginSample *s)
{
  guint64 target = bc_mom_target (s->size_kib, s->max_kib, s->free_kib, s->host_free_bp);

  st->margin_kib = (gint64) target - (gint64) MIN (s->committed_kib, (guint64) G_MAXINT64);
  st->state = target < s->size_kib ? BC_STATE_DOWN : BC_STATE_UP;
  g_snprintf (st->reason, sizeof st->reason, "mom: host %u.%02u%% free, target %" G_GUINT64_FORMAT " MiB",
              s->host_free_bp / 100, s->host_free_bp % 100, target / 1024);
}

void
bc_mom_policy_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t)
{
  bc_mom_tick (st, p, t->now);
}
