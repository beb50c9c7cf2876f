/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arbitrate: keep the sum of all targets within the host budget.
 * Pure: the domains' current and wanted memory in, granted targets out. */
#pragma once

#include <glib.h>

typedef struct {
  guint64 current_kib; /* what the domain may hold now: the larger of its
                          balloon size and a target still being reached */
  guint64 want_kib;    /* its clamped target */
  guint64 grant_kib;   /* out: what it gets */
} BcClaim;

/* Shrinks are always granted.  Growth is paid from the room the budget has
 * left after what every domain holds now (and fixed_kib, memory of domains
 * we do not manage): granted whole when it fits, else every growth is scaled
 * by the same factor.  Memory a shrinking domain gives back counts as room
 * only once its balloon has given it back, so the memory domains hold
 * together never exceeds budget_kib because of a grant (when it already
 * does, nobody grows).  Memory a domain holds is never given to another.
 * Returns the scale applied in 1/10000ths (10000 = all growth granted). */
guint bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib);
