/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-target"

#include "bc-target.h"

const char *
bc_clamp_to_string (BcClamp clamp)
{
  switch (clamp)
    {
    case BC_CLAMP_MAX: return "capped at max";
    case BC_CLAMP_MIN: return "raised to min";
    case BC_CLAMP_USED: return "raised to used+guard";
    case BC_CLAMP_SHRINK_RATE: return "shrink rate limited";
    case BC_CLAMP_NONE:
    default: return "";
    }
}

static guint64
sat_add (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

static guint64
raw_target (const BcTargetInput *in)
{
  if (in->margin_kib >= 0)
    return sat_add (in->committed_kib, (guint64) in->margin_kib);
  if ((guint64) -in->margin_kib >= in->committed_kib)
    return 0;
  return in->committed_kib - (guint64) -in->margin_kib;
}

/* Order matters: limits first (max wins over every floor, so a VM never goes
 * above its limits), then the shrink rate, which only ever keeps more memory
 * than the policy asked for, and stays within the hard max. */
BcTarget
bc_target_compute (const BcTargetInput *in, const BcClampParams *p)
{
  BcTarget t = { 0 };
  guint64 ceiling = in->hard_max_kib;
  guint64 used_floor = in->used_kib ? sat_add (in->used_kib, p->guard_kib) : 0;
  guint64 raise_to = MAX (in->min_kib, used_floor);
  /* "used" is a figure the guest reports.  It keeps the domain from being
   * shrunk below used + guard, but it never makes a floor above what the
   * domain holds now: growth to used + guard is a want like any other, and
   * the arbiter shares it fairly.  (A guest that claims to use everything
   * keeps what it has; it cannot take another's share.)  The configured
   * min is the administrator's and is a floor as it is. */
  guint64 floor = MAX (in->min_kib, MIN (used_floor, in->settled_kib));
  guint64 v = raw_target (in);

  if (in->max_kib != 0 && in->max_kib < ceiling)
    ceiling = in->max_kib;
  floor = MIN (floor, ceiling);
  raise_to = MIN (raise_to, ceiling);
  t.clamp = BC_CLAMP_NONE;
  if (v > ceiling)
    v = ceiling, t.clamp = BC_CLAMP_MAX, t.capped = TRUE;
  if (v < raise_to)
    {
      t.clamp = used_floor >= in->min_kib && used_floor == raise_to ? BC_CLAMP_USED : BC_CLAMP_MIN;
      v = raise_to;
    }
  if (in->settled_kib > v && in->settled_kib - v > p->max_shrink_kib)
    {
      v = MIN (in->settled_kib - p->max_shrink_kib, in->hard_max_kib);
      t.clamp = BC_CLAMP_SHRINK_RATE;
    }
  t.target_kib = v;
  t.floor_kib = floor;
  t.ceiling_kib = ceiling;
  return t;
}

gboolean
bc_target_should_apply (guint64 settled_kib, guint64 target_kib, const BcClampParams *p)
{
  guint64 diff = settled_kib > target_kib ? settled_kib - target_kib : target_kib - settled_kib;

  return diff != 0 && diff >= p->dead_band_kib;
}
