/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-arbitrate"

#include "bc-arbitrate.h"

static guint64
sat_add (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

static guint
weight_of (const BcClaim *c)
{
  return c->weight == 0 ? BC_WEIGHT_DEFAULT : MIN (c->weight, BC_WEIGHT_MAX);
}

/* level * w / 100, rounded down, without overflow (G_MAXUINT64 when it
 * does not fit); exactly level for w = 100. */
static guint64
weighted (guint64 level, guint w)
{
  guint64 q = level / 100, part = level % 100 * w / 100;

  return q > (G_MAXUINT64 - part) / w ? G_MAXUINT64 : q * w + part;
}

/* The least level whose weighted share is want: want * 100 / w rounded
 * up; exactly want for w = 100. */
static guint64
level_for (guint64 want, guint w)
{
  guint64 q = want / w, part = (want % w * 100 + w - 1) / w;

  return q > (G_MAXUINT64 - part) / 100 ? G_MAXUINT64 : q * 100 + part;
}

/* What a claim asks for at the level, less the cold memory taken from it. */
static guint64
capped (const BcClaim *c, guint64 level)
{
  return MAX (c->floor_kib, MIN (weighted (level, weight_of (c)), c->want_kib - c->taken_kib));
}

static guint64
sum_at (const BcClaim *claims, gsize n, guint64 level)
{
  guint64 sum = 0;

  for (gsize i = 0; i < n; i++)
    sum = sat_add (sum, capped (&claims[i], level));
  return sum;
}

static guint64
cold_above_floor (const BcClaim *c)
{
  return MIN (c->cold_kib, c->want_kib > c->floor_kib ? c->want_kib - c->floor_kib : 0);
}

/* Takes cold memory first, as much as the wants exceed share by and no
 * more, from every claim in proportion to its cold memory. */
static void
take_cold (BcClaim *claims, gsize n, guint64 share)
{
  guint64 sum = 0, cold = 0, over;

  for (gsize i = 0; i < n; i++)
    {
      claims[i].taken_kib = 0;
      sum = sat_add (sum, capped (&claims[i], G_MAXUINT64));
      cold = sat_add (cold, cold_above_floor (&claims[i]));
    }
  over = sum > share ? MIN (sum - share, cold) : 0;
  for (gsize i = 0; over > 0 && i < n; i++)
    {
      guint64 c = cold_above_floor (&claims[i]);
      long double part = (long double) c * over / cold;

      claims[i].taken_kib = MIN (c, (guint64) part + (part > (guint64) part));
    }
}

/* The highest level L with sum_at (L) <= share (0 when even the floors do
 * not fit): binary search, the sum grows with L. */
static guint64
fair_level (const BcClaim *claims, gsize n, guint64 share)
{
  guint64 lo = 0, hi = 0;

  for (gsize i = 0; i < n; i++)
    hi = MAX (hi, level_for (claims[i].want_kib, weight_of (&claims[i])));
  if (sum_at (claims, n, hi) <= share)
    return hi;
  while (lo + 1 < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;

      if (sum_at (claims, n, mid) <= share)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

/* The claim's grant before growth is paid for; returns its growth. */
static guint64
grant_one (BcClaim *c, guint64 level, guint64 max_shrink_kib)
{
  guint64 cap = capped (c, level);

  if (cap >= c->held_kib)
    {
      c->grant_kib = cap;
      return cap - c->held_kib;
    }
  /* above its cap, or the policy's own shrink: never faster than
   * max_shrink, never above what the policy wants */
  c->grant_kib = MIN (c->want_kib, MAX (cap, c->held_kib - MIN (max_shrink_kib, c->held_kib)));
  return 0;
}

/* Growth is paid from the room the budget has now: when it does not fit,
 * every growth is scaled by room / growth.  Returns the scale. */
static guint
pay_growth (BcClaim *claims, gsize n, guint64 growth, guint64 room)
{
  if (growth <= room)
    return 10000;
  for (gsize i = 0; i < n; i++)
    {
      BcClaim *c = &claims[i];

      if (c->grant_kib > c->held_kib)
        c->grant_kib = c->held_kib + (guint64) ((long double) (c->grant_kib - c->held_kib) * room / growth);
    }
  return (guint) ((long double) room * 10000 / growth);
}

guint
bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib,
              guint64 max_shrink_kib, guint64 *level_kib)
{
  guint64 share = budget_kib > fixed_kib ? budget_kib - fixed_kib : 0;
  guint64 level, held = fixed_kib, growth = 0;
  gboolean contended;

  for (gsize i = 0; i < n; i++)
    claims[i].taken_kib = 0;
  contended = sum_at (claims, n, G_MAXUINT64) > share;
  take_cold (claims, n, share);
  level = fair_level (claims, n, share);
  for (gsize i = 0; i < n; i++)
    {
      held = sat_add (held, claims[i].held_kib);
      growth = sat_add (growth, grant_one (&claims[i], level, max_shrink_kib));
      claims[i].share_kib = contended ? weighted (level, weight_of (&claims[i])) : G_MAXUINT64;
    }
  if (level_kib)
    *level_kib = contended ? level : G_MAXUINT64;
  return pay_growth (claims, n, growth, budget_kib > held ? budget_kib - held : 0);
}

gboolean
bc_arbitrate_floors_over (const BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib,
                          guint64 *floors_kib)
{
  guint64 share = budget_kib > fixed_kib ? budget_kib - fixed_kib : 0, floors = 0;

  for (gsize i = 0; i < n; i++)
    floors = sat_add (floors, claims[i].floor_kib);
  if (floors_kib)
    *floors_kib = floors;
  return floors > share;
}
