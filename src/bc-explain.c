/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-explain.h"

char *
bc_explain_change (const BcDecision *dec, const BcMarginState *margin,
                   guint64 current_kib, guint64 granted_kib, guint arbiter_scale,
                   guint64 fair_level_kib, gboolean held_before)
{
  GString *s = g_string_new (granted_kib > current_kib ? "grow" : "shrink");
  const char *clamp = bc_clamp_to_string (dec->target.clamp);

  g_string_append_printf (s, ": %s %" G_GUINT64_FORMAT " MiB + margin %" G_GINT64_FORMAT " MiB [%s]",
                          dec->source == BC_SOURCE_AGENT ? "committed" : "used",
                          dec->committed_kib / 1024, margin->margin_kib / 1024, margin->reason);
  if (clamp[0])
    g_string_append_printf (s, "; %s", clamp);
  if (granted_kib < dec->target.target_kib)
    g_string_append_printf (s, "; wants %" G_GUINT64_FORMAT " MiB", dec->target.target_kib / 1024);
  if (granted_kib < dec->target.target_kib && fair_level_kib != G_MAXUINT64)
    g_string_append_printf (s, ", host budget: fair share %" G_GUINT64_FORMAT " MiB", fair_level_kib / 1024);
  if (granted_kib < dec->target.target_kib && granted_kib > current_kib)
    g_string_append_printf (s, ", %u.%02u%% of growth free now", arbiter_scale / 100, arbiter_scale % 100);
  else if (granted_kib >= dec->target.target_kib && granted_kib > current_kib && held_before)
    g_string_append (s, "; growth the host budget held back until now");
  return g_string_free (s, FALSE);
}

void
bc_explain_report (BcReportDomain *out, const BcDomain *dom)
{
  g_free (out->name);
  out->name = g_strdup (dom->name);
  out->managed = bc_domain_managed (dom);
  out->note = g_strdup (!dom->setup_done ? "starting" : dom->skip_reason);
  if (out->managed && dom->agent_error && dom->have_decision && dom->decision.source != BC_SOURCE_AGENT)
    {
      g_free (out->note);
      out->note = g_strdup_printf ("agent: %s", dom->agent_error);
    }
  out->state = g_strdup (bc_state_to_string (dom->margin.state));
  out->margin_kib = dom->margin.margin_kib;
  out->target_kib = dom->have_decision ? dom->granted_kib : 0;
  out->source = g_strdup (bc_source_to_string (dom->have_decision ? dom->decision.source : BC_SOURCE_NONE));
  out->change_at_ms = dom->change_at_ms;
  out->change_old_kib = dom->change_old_kib;
  out->change_new_kib = dom->change_new_kib;
  out->change_reason = g_strdup (dom->change_reason);
}
