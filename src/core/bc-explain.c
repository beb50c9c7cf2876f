/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-explain.h"

/* What the host budget did to a change that got less than its target. */
static void
append_budget (GString *s, const BcDecision *dec, guint64 current_kib, guint64 granted_kib,
               const BcExplainBudget *b)
{
  g_string_append_printf (s, "; wants %" G_GUINT64_FORMAT " MiB", dec->target.target_kib / 1024);
  if (b->floors_over && granted_kib < dec->target.floor_kib)
    g_string_append (s, ", host budget: the floors do not fit, below its floor, growing only into free room");
  else if (b->floors_over)
    g_string_append (s, ", host budget: the floors do not fit, held at its floor");
  else if (b->share_kib != G_MAXUINT64)
    g_string_append_printf (s, ", host budget, weight %u: share %" G_GUINT64_FORMAT " MiB", b->weight,
                            b->share_kib / 1024);
  if (granted_kib > current_kib)
    g_string_append_printf (s, ", %u.%02u%% of growth free now", b->scale / 100, b->scale % 100);
}

char *
bc_explain_change (const BcDecision *dec, const BcMarginState *margin,
                   guint64 current_kib, guint64 granted_kib, const BcExplainBudget *budget)
{
  GString *s = g_string_new (granted_kib > current_kib ? "grow" : "shrink");
  const char *clamp = bc_clamp_to_string (dec->target.clamp);

  g_string_append_printf (s, ": %s %" G_GUINT64_FORMAT " MiB + margin %" G_GINT64_FORMAT " MiB [%s]",
                          dec->source == BC_SOURCE_AGENT ? "committed" : "used",
                          dec->committed_kib / 1024, margin->margin_kib / 1024, margin->reason);
  /* a limit that won is said even when the shrink rate shaped it last */
  if (dec->target.capped && dec->target.clamp != BC_CLAMP_MAX)
    g_string_append_printf (s, "; capped at max %" G_GUINT64_FORMAT " MiB", dec->target.ceiling_kib / 1024);
  if (clamp[0])
    g_string_append_printf (s, "; %s", clamp);
  if (granted_kib < dec->target.target_kib)
    append_budget (s, dec, current_kib, granted_kib, budget);
  else if (granted_kib > current_kib && budget->held_before)
    g_string_append (s, "; growth the host budget held back until now");
  return g_string_free (s, FALSE);
}

void
bc_explain_budget (const BcPassBudget *budget, gboolean *said)
{
  if (budget->floors_over == *said)
    return;
  *said = budget->floors_over;
  if (budget->floors_over)
    g_warning ("host budget: the managed domains' floors (%" G_GUINT64_FORMAT " MiB together) exceed the %" G_GUINT64_FORMAT
               " MiB it leaves them; each is held at its floor, none below: one above gives back down to it,"
               " one below grows only into free room",
               budget->floors_kib / 1024, budget->managed_kib / 1024);
  else
    g_message ("host budget: the managed domains' floors fit again");
}
