/* SPDX-License-Identifier: GPL-2.0-or-later */
/* arbitrate: keep the sum of all targets within the host budget.
 * Pure: the domains' current and wanted memory in, granted targets out. */
#pragma once

#include "bc-domain-limits.h"

typedef struct {
  guint64 held_kib;    /* what the domain may hold now: the larger of its
                          balloon size and a target still being reached */
  guint64 want_kib;    /* its clamped target */
  guint64 floor_kib;   /* the least it may be given (clamps' floor) */
  guint64 cold_kib;    /* of what it holds, memory it has not used lately
                          (taken first when the wants do not fit) */
  guint64 grant_kib;   /* out: what it gets */
  guint64 taken_kib;   /* out: cold memory taken from its want */
  BcWeight weight;        /* its part of the budget when the wants do not
                          fit, 1..BC_WEIGHT_MAX; 0 = BC_WEIGHT_DEFAULT */
  guint64 share_kib;   /* out: its weighted share, level * weight / 100
                          (rounded down); G_MAXUINT64 when every want fits */
} BcClaim;

/* Keeps the memory the domains hold together (plus fixed_kib, memory of
 * domains we do not manage) within budget_kib.
 *
 * When every want fits, every domain gets it.  When not, cold memory is
 * taken first, as much as the wants are over and no more, from each domain
 * in proportion to its cold_kib, never below its floor (an idle guest's
 * unused cache is no claim against a busy guest's working set, as ESXi's
 * idle memory tax has it); then, if still over, the budget is shared by
 * weight (weighted max-min fairness): each domain is capped at its share
 * S = L * weight / 100 of a common level L, clamp (S, floor, want), L the
 * highest level whose sum fits.  So a domain of weight 300 gets three
 * times what one of weight 100 does when both want more than that; what
 * one wants less than its share goes to the others, by weight; floors come
 * first and no domain gets more than it wants.  No guest keeps another's
 * share: one above its cap gives back, at most max_shrink_kib per call,
 * and one below it grows into what is given back.  Growth is paid only from
 * the room the budget has left after what every domain holds now, so a
 * shrink counts as room once the balloon has done it; when growth does not
 * fit, every growth is scaled by the same factor.  Shrinks the policy asked
 * for are always granted.
 *
 * Invariants (floor <= want, as bc_target_compute gives).  Per call: every
 * grant is at most its want, at least min (floor, held) and at least
 * min (want, held - max_shrink_kib); the growth granted, sum (grant - held)
 * over the growing domains, is at most the room, budget - fixed - sum
 * (held), or 0; so the memory held while the balloons move, sum (max
 * (grant, held)) + fixed, stays within the budget, or at what is held now
 * when that is already above it (sum (grants) itself may exceed the budget
 * until the shrinks are done).  The same inputs give the same grants.  Fed
 * back as held, the grants converge, each moving one way only, within
 * held / max_shrink_kib + 2 calls, to the caps (which do not depend on
 * held), and stay there: sum (grants) + fixed <= budget, each in [floor,
 * want], two capped between floor and want alike in grant / weight but for
 * rounding, and no more of the budget left than one step of the level
 * would give those below their want.
 *
 * When the floors alone do not fit (bc_arbitrate_floors_over), every
 * domain is capped at its floor: one above it gives back down to it at the
 * shrink rate, one below it is held at its size and grows towards it only
 * from room; none is squeezed below its floor.  At convergence each grant
 * is in [min (floor, first held), floor] and their sum at most the larger
 * of the budget less fixed and the sum of min (floor, first held): the
 * budget stays exceeded while what the domains hold below their floors
 * does not fit.
 *
 * Returns the growth scale in 1/10000ths (10000 = all granted); level_kib
 * (may be NULL) gets L, the share of a weight of 100, G_MAXUINT64 when
 * every want fits. */
guint bc_arbitrate (BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib,
                    guint64 max_shrink_kib, guint64 *level_kib);

/* Whether the domains' floors together exceed budget_kib - fixed_kib;
 * floors_kib (may be NULL) gets their sum. */
gboolean bc_arbitrate_floors_over (const BcClaim *claims, gsize n, guint64 budget_kib, guint64 fixed_kib,
                                   guint64 *floors_kib);
