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
      held += claims[i].current_kib;
      if (claims[i].want_kib > claims[i].current_kib)
        growth += claims[i].want_kib - claims[i].current_kib;
    }
  room = budget_kib > held ? budget_kib - held : 0;
  scale = growth <= room ? 10000 : (guint) ((long double) room * 10000 / growth);
  for (gsize i = 0; i < n; i++)
    {
      BcClaim *c = &claims[i];
      guint64 g;

      if (c->want_kib <= c->current_kib)
        {
          c->grant_kib = c->want_kib;
          continue;
        }
      g = c->want_kib - c->current_kib;
      if (growth > room)
        g = (guint64) ((long double) g * room / growth);
      c->grant_kib = c->current_kib + g;
    }
  return scale;
}
