/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-arbitrate"

#include "bc-arbitrate.h"

/* What a claim asks for: under contention, less its cold memory. */
static guint64
want (const BcClaim *c, gboolean contended)
{
  guint64 above_floor = c->want_kib > c->floor_kib ? c->want_kib - c->floor_kib : 0;

  return contended ? c->want_kib - MIN (c->cold_kib, above_floor) : c->want_kib;
}

static guint64
capped (const BcClaim *c, guint64 level, gboolean contended)
{
  return MAX (c->floor_kib, MIN (level, want (c, contended)));
}

static guint64
sum_at (const BcClaim *claims, gsize n, guint64 level, gboolean contended)
{
  guint64 sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += capped (&claims[i], level, contended);
  return sum;
}

/* The highest level L with sum_at (L) <= share (0 when even the floors do
 * not fit): binary search, the sum grows with L. */
static guint64
fair_level (const BcClaim *claims, gsize n, guint64 share, gboolean contended)
{
  guint64 lo = 0, hi = 0;

  for (gsize i = 0; i < n; i++)
    hi = MAX (hi, claims[i].want_kib);
  if (sum_at (claims, n, hi, contended) <= share)
    return hi;
  while (lo + 1 < hi)
    {
      guint64 mid = lo + (hi - lo) / 2;

      if (sum_at (claims, n, mid, contended) <= share)
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
  gboolean contended = sum_at (claims, n, G_MAXUINT64, FALSE) > share;
  guint64 level = fair_level (claims, n, share, contended);
  guint64 held = fixed_kib, growth = 0, room;
  guint scale;

  for (gsize i = 0; i < n; i++)
    {
      BcClaim *c = &claims[i];
      guint64 cap = capped (c, level, contended);

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
