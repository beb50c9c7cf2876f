/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-policy"

#include "bc-policy.h"
#include "bc-adaptive.h"
#include "bc-mom.h"
#include "bc-paper.h"

/* committed: Committed_AS + a fixed reserve, the margin as configured
 * (xenballoond's rule; for comparison in the lab's benchmark). */
static void
committed_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t)
{
  (void) p;
  (void) t;
  g_strlcpy (st->reason, "fixed reserve", sizeof st->reason);
}

static const BcPolicyOps policies[] = {
  { BC_POLICY_PAPER, "paper", FALSE, bc_paper_tick, NULL, NULL, NULL, NULL, bc_paper_quiet },
  { BC_POLICY_PAPER_LITERAL, "paper-literal", FALSE, bc_paper_literal_tick, NULL, NULL, NULL, NULL, NULL },
  { BC_POLICY_ADAPTIVE, "adaptive", FALSE, bc_adaptive_policy_tick, bc_adaptive_per_sample,
    bc_adaptive_unwind, bc_adaptive_raise, bc_adaptive_cold_kib, bc_adaptive_quiet },
  { BC_POLICY_COMMITTED, "committed", TRUE, committed_tick, NULL, NULL, NULL, NULL, NULL },
  { BC_POLICY_MOM, "mom", TRUE, bc_mom_policy_tick, NULL, NULL, NULL, NULL, NULL },
};

const BcPolicyOps *
bc_policy_ops (BcPolicy id)
{
  for (guint i = 0; i < G_N_ELEMENTS (policies); i++)
    if (policies[i].id == id)
      return &policies[i];
  return &policies[0];
}

const char *
bc_policy_to_string (BcPolicy policy)
{
  return bc_policy_ops (policy)->name;
}

gboolean
bc_policy_from_string (const char *s, BcPolicy *out)
{
  for (guint i = 0; s && i < G_N_ELEMENTS (policies); i++)
    if (g_strcmp0 (s, policies[i].name) == 0)
      {
        *out = policies[i].id;
        return TRUE;
      }
  return FALSE;
}
