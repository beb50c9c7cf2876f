/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: the paper's MarginSize rules, every margin interval.  UP: the
 * margin grows while the guest shows it lacks memory, else turns DOWN;
 * DOWN: it shrinks a step while the cache is steady, else turns UP.
 *   paper          "changing" read as demand: refaulted pages, or cache
 *                  or Active(file) growth; growth by that evidence, at
 *                  most a step;
 *   paper-literal  the rules as written, on size deltas alone.
 * Also the rules of adaptive for a guest without refault figures.  Pure. */
#pragma once

#include "bc-policy.h"

void bc_paper_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t);
void bc_paper_literal_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t);
/* A guest probing down is quiet. */
gboolean bc_paper_quiet (const BcMargin *st, guint64 cached_kib);
