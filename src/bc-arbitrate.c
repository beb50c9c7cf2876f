/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-arbitrate"

#include "bc-arbitrate.h"

/* What a claim asks for, less the cold memory taken from it. */
static guint64
capped (const BcClaim *c, guint64 level)
{
  return MAX (c->floor_kib, MIN (level, c->want_kib - c->taken_kib));
}

static guint64
sum_at (const BcClaim *claims, gsize n, guint64 level)
{
  guint64 sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += capped (&claims[i], level);
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
      sum += capped (&claims[i], G_MAXUINT64);
      cold += cold_above_floor (&claims[i]);
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
    hi = MAX (hi, claims[i].want_kib);
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

guint
bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib,
              guint64 max_shrink_kib, guint64 *level_kib)
{
  guint64 share = budget_kib > fixed_kib ? budget_kib - fixed_kib : 0;
  gboolean contended;
  guint64 level;

  for (gsize i = 0; i < n; i++)
    claims[i].taken_kib = 0;
  contended = sum_at (claims, n, G_MAXUINT64) > share;
  take_cold (claims, n, share);
  level = fair_level (claims, n, share);
  guint64 held = fixed_kib, growth = 0, room;
  guint scale;

  for (gsize i = 0; i < n; i++)
    {
      BcClaim *c = &claims[i];
      guint64 cap = capped (c, level);

      held += c->held_kib;
      if (cap >= c->held_kib)
        c->grant_kib = cap, growth += cap - c->held_kib;
      else /* above the fair level, or the policy's own shrink: never
              faster than max_shrink, never above what the policy wants */
        c->grant_kib = MIN (c->want_kib, MAX (cap, c->held_kib - MIN (max_shrink_kib, c->held_kib)));
    }
  room = budget_kib > held ? budget_kib - held : 0;
  scale = growth <= room ? 10000 : (guint) ((long double) room * 10000 / growth);
  for (gsize i = 0; growth > room && i < n; i++)
    {
      BcClaim *c = &claims[i];

      if (c->grant_kib > c->held_kib)
        c->grant_kib = c->held_kib + (guint64) ((long double) (c->grant_kib - c->held_kib) * room / growth);
    }
  if (level_kib)
    *level_kib = contended ? level : G_MAXUINT64;
  return scale;
}
