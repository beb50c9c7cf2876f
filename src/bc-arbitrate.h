/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arbitrate: keep the sum of all targets within the host budget.
 * Pure: the domains' current and wanted memory in, granted targets out. */
#pragma once

#include <glib.h>

typedef struct {
  guint64 current_kib; /* what the domain holds now */
  guint64 want_kib;    /* its clamped target */
  guint64 grant_kib;   /* out: what it gets */
} BcClaim;

/* Shrinks are always granted; growth is granted whole while the sum fits in
 * budget_kib, else every growth is scaled down by the same factor.  Memory a
 * domain holds is never given to another.  fixed_kib is memory the host budget
 * carries for domains we do not manage.  Returns the scale applied in
 * 1/10000ths (10000 = all growth granted). */
guint bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib);
