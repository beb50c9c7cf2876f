/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-budget"

#include "bc-budget.h"

static guint64
cap (guint64 v)
{
  return MIN (v, BC_HOST_KIB_MAX);
}

static guint64
available_kib (const BcHostFigures *h)
{
  guint64 avail = MIN (cap (h->mem_available_kib), cap (h->mem_total_kib));

  if (h->have_cgroup && h->cgroup_max_kib != G_MAXUINT64)
    {
      guint64 max = cap (h->cgroup_max_kib), cur = cap (h->cgroup_current_kib);

      avail = MIN (avail, max > cur ? max - cur : 0);
    }
  return avail;
}

guint64
bc_budget_room_kib (const BcBudgetParams *p, const BcHostFigures *h)
{
  /* each term at most 2^40: the sum cannot overflow */
  guint64 have = cap (p->domains_kib) + available_kib (h);
  guint64 room = have > p->reserve_kib ? have - p->reserve_kib : 0;

  return CLAMP (room, BC_BUDGET_MIN_KIB, MAX (p->fixed_kib, BC_BUDGET_MIN_KIB));
}

/* Moves from prev towards room by dt / (dt + tau) of the way, at most
 * half of it.  Asymmetric on purpose:
 *  - falling (tau two apply intervals): the host is short now, and what the
 *    budget holds back the guests give up only max-shrink-mib a pass, so
 *    it must not lag; but no one sample (a burst of page cache, a misread)
 *    takes more than half the way, so one sample cannot flap the guests;
 *  - rising (tau twenty apply intervals): memory that just came free may be
 *    taken again (a backup job between files, a cache refilling), and
 *    what a guest was given it gives back only slowly: growth waits for
 *    the room to last. */
static guint64
smooth (guint64 prev, guint64 room, gint64 dt_ms, gint64 interval_ms)
{
  gint64 tick = CLAMP (interval_ms, 1, 3600000);
  gint64 tau = tick * (room < prev ? BC_BUDGET_FALL_INTERVALS : BC_BUDGET_RISE_INTERVALS);
  guint64 gap = room < prev ? prev - room : room - prev;
  guint64 step;

  /* beyond a few time constants the cap of half the way decides */
  dt_ms = CLAMP (dt_ms, 0, 4 * tau);
  /* gap <= 2^40: gap * dt within 64 bits while dt + tau < 2^23 (long
   * intervals lose a little precision) */
  while (dt_ms + tau >= (1 << 23))
    {
      dt_ms >>= 1;
      tau >>= 1;
    }
  step = MIN (gap * (guint64) dt_ms / (guint64) (dt_ms + tau), gap / 2);
  return room < prev ? prev - step : prev + step;
}

/* Pressure: the budget stands a step below what the domains hold, so
 * they give back before the host swaps or kills one; the next pass
 * starts from there, and the budget grows back at the rising pace. */
static guint64
pressure_cap (const BcBudgetParams *p)
{
  guint64 domains = cap (p->domains_kib);

  return MAX (domains - domains / BC_BUDGET_PRESSURE_STEP_DIV, BC_BUDGET_MIN_KIB);
}

/* now - then, 0 when the clock went back, without overflow */
static gint64
elapsed_ms (gint64 then, gint64 now)
{
  if (now <= then)
    return 0;
  return (guint64) now - (guint64) then > G_MAXINT64 ? G_MAXINT64 : now - then;
}

guint64
bc_budget_next (const BcBudgetParams *p, const BcHostFigures *h, BcBudgetCarry *st, gint64 now_ms)
{
  guint64 room, next;

  if (h->mem_total_kib == 0)
    return st->budget_kib ? st->budget_kib : MAX (p->fixed_kib, BC_BUDGET_MIN_KIB);
  room = bc_budget_room_kib (p, h);
  next = st->budget_kib == 0 ? room : smooth (cap (st->budget_kib), room, elapsed_ms (st->at_ms, now_ms), p->interval_ms);
  st->pressure = p->pressure_bp && h->have_pressure && h->pressure_some_bp >= p->pressure_bp;
  if (st->pressure)
    next = MIN (next, pressure_cap (p));
  st->budget_kib = next;
  st->at_ms = now_ms;
  return next;
}
