/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-arbitrate"

#include "bc-arbitrate.h"

guint
bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib)
{
  guint64 held = fixed_kib, growth = 0, room;
  guint scale;

  for (gsize i = 0; i < n; i++)
    {
      guint64 keep = MIN (claims[i].current_kib, claims[i].want_kib);

      held += keep;
      growth += claims[i].want_kib - keep;
    }
  room = budget_kib > held ? budget_kib - held : 0;
  if (growth <= room)
    scale = 10000;
  else
    scale = (guint) ((long double) room * 10000 / growth);
  for (gsize i = 0; i < n; i++)
    {
      guint64 keep = MIN (claims[i].current_kib, claims[i].want_kib);
      guint64 g = claims[i].want_kib - keep;

      if (growth > room)
        g = (guint64) ((long double) g * room / growth);
      claims[i].grant_kib = keep + g;
    }
  return scale;
}
