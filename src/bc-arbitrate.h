/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arbitrate: keep the sum of all targets within the host budget.
 * Pure: the domains' current and wanted memory in, granted targets out. */
#pragma once

#include <glib.h>

typedef struct {
  guint64 held_kib;    /* what the domain may hold now: the larger of its
                          balloon size and a target still being reached */
  guint64 want_kib;    /* its clamped target */
  guint64 floor_kib;   /* the least it may be given (clamps' floor) */
  guint64 cold_kib;    /* of what it holds, memory it has not used lately
                          (taken first when the wants do not fit) */
  guint64 grant_kib;   /* out: what it gets */
  guint64 taken_kib;   /* out: cold memory taken from its want */
} BcClaim;

/* Keeps the memory the domains hold together (plus fixed_kib, memory of
 * domains we do not manage) within budget_kib.
 *
 * When every want fits, every domain gets it.  When not, cold memory is
 * taken first, as much as the wants are over and no more, from each domain
 * in proportion to its cold_kib, never below its floor (an idle guest's
 * unused cache is no claim against a busy guest's working set, as ESXi's
 * idle memory tax has it); then, if still over, each domain is
 * capped at a common level L (max-min fairness: clamp (L, floor, want), L the
 * highest level whose sum fits), so no guest keeps another's share: one above
 * the level gives back, at most max_shrink_kib per call, and one below it
 * grows into what is given back.  Growth is paid only from the room the
 * budget has left after what every domain holds now, so a shrink counts as
 * room once the balloon has done it; when growth does not fit, every growth
 * is scaled by the same factor.  Shrinks the policy asked for are always
 * granted.  Returns the growth scale in 1/10000ths (10000 = all granted);
 * level_kib (may be NULL) gets L, G_MAXUINT64 when every want fits. */
guint bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib,
                    guint64 max_shrink_kib, guint64 *level_kib);
