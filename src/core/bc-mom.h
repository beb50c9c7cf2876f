/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: policy = mom, oVirt MoM's default balloon rules (its
 * doc/balloon.rules), implemented from those rules for the lab's
 * benchmark, not for production.  Pure.
 *
 * With the host's free memory below 20 % (here: the part of the host
 * budget the domains do not hold), every guest shrinks by at most 5 % of
 * its size a step, not below what it uses (size - MemFree) plus the host's
 * free fraction of its size (less 5 % when that fraction is under 5 %);
 * otherwise every guest grows by at least 5 % of its size, to at least
 * what it uses plus 20 % of its size, at most its maximum.  Changes under
 * 0.25 % of the size are not made.  MoM runs its rules every 10 s. */
#pragma once

#include "bc-policy.h"

guint64 bc_mom_target (guint64 size_kib, guint64 max_kib, guint64 free_kib, guint host_free_bp);
/* Sets the margin so that committed + margin is MoM's target. */
void bc_mom_tick (BcMargin *st, const BcMarginParams *p, const BcMarginSample *s);
/* The policy table's tick: bc_mom_tick on the tick's sample. */
void bc_mom_policy_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t);
