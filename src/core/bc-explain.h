/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The words balloonctl uses to explain a change, in the log and in the
 * state file: pure text from the pass's figures.  Filling the state file
 * and `status DOMAIN` from them: bc-explain-report.h (report). */
#pragma once

#include "bc-decide.h"
#include "bc-pass.h"

/* What the host budget made of one domain. */
typedef struct {
  guint scale;             /* of its growth, granted now, in 1/10000 */
  BcWeight weight;
  guint64 share_kib;       /* its weighted share; G_MAXUINT64 when every
                              target fits */
  gboolean floors_over;    /* the floors alone do not fit */
  gboolean held_before;    /* the budget held it below its target on the
                              previous pass (a growth now may be that
                              growth, whatever the margin does this tick) */
} BcExplainBudget;

/* Why a domain goes from current to granted, in one line. */
char *bc_explain_change (const BcDecision *dec, const BcMarginState *margin,
                         guint64 current_kib, guint64 granted_kib, const BcExplainBudget *budget);

/* Says once (a warning) that the managed domains' floors alone do not fit
 * in the host budget, and once (a message) when they fit again; *said
 * keeps which was said last (FALSE at start). */
void bc_explain_budget (const BcPassBudget *budget, gboolean *said);
