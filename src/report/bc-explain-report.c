/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-report"

#include "bc-explain-report.h"
#include "bc-domain.h"
#include "bc-history.h"

#include <unistd.h>

void
bc_explain_report (BcReportDomain *out, const BcDomain *dom)
{
  const char *agent_error = dom->figures.agent_error;

  g_free (out->name);
  out->name = g_strdup (dom->name);
  out->managed = bc_domain_managed (dom);
  if (out->managed && dom->frozen == BC_FREEZE_AGENT)
    out->note = g_strdup_printf ("held: no fresh figures from the guest agent%s%s",
                                 agent_error ? ": " : "", agent_error ? agent_error : "");
  else if (out->managed && dom->frozen == BC_FREEZE_BALLOON)
    out->note = g_strdup ("held: balloon statistics no longer updated");
  else if (out->managed && dom->applied.job)
    out->note = g_strdup_printf ("%s job running: left alone", dom->applied.job);
  else if (out->managed && agent_error && dom->decided && dom->decision.source != BC_SOURCE_AGENT)
    out->note = g_strdup_printf ("agent: %s", agent_error);
  else
    out->note = g_strdup (!dom->setup.done ? "starting" : dom->setup.skip_reason);
  out->state = g_strdup (bc_state_to_string (dom->carry.margin.state));
  out->margin_kib = dom->carry.margin.margin_kib;
  out->target_kib = dom->decided ? dom->granted_kib : 0;
  out->source = g_strdup (bc_source_to_string (dom->decided ? dom->decision.source : BC_SOURCE_NONE));
  out->change_at_ms = dom->applied.change_at_ms;
  out->change_old_kib = dom->applied.change_old_kib;
  out->change_new_kib = dom->applied.change_new_kib;
  out->change_reason = g_strdup (dom->applied.change_reason);
  out->deflate_on_oom = dom->setup.autodeflate;
  out->virtio_mem = dom->vmem.driven;
  out->weight = dom->decided ? dom->weight : 0;
  out->share_kib = dom->decided && dom->share_kib != G_MAXUINT64 ? dom->share_kib : 0;
  out->reclaimable_kib = MIN (dom->room.reclaimable_kib, (guint64) BC_REPORT_MAX_KIB);
  out->floor_kib = MIN (dom->room.floor_kib, (guint64) BC_REPORT_MAX_KIB);
}

static BcReportFrom
from (guint64 own)
{
  return own ? BC_REPORT_FROM_METADATA : BC_REPORT_FROM_CONFIG;
}

/* What made its floor, as bc_target_compute and the pass's hold make it. */
static BcReportFloor
floor_from (const BcDomain *dom, guint64 min_kib, gint64 now_ms)
{
  const BcTarget *t = &dom->decision.target;

  if (now_ms < dom->carry.took_back_until_ms && t->floor_kib > min_kib &&
      t->floor_kib == MIN (dom->carry.took_back_floor_kib, dom->figures.balloon.max_kib))
    return BC_REPORT_FLOOR_TOOK_BACK;
  if (t->floor_kib < min_kib)
    return BC_REPORT_FLOOR_MAX;
  return t->floor_kib == min_kib ? BC_REPORT_FLOOR_MIN : BC_REPORT_FLOOR_USED;
}

static void
explain_limits (BcReportDetail *out, const BcDomainLimits *p, const BcConfig *cfg)
{
  out->limits_known = TRUE;
  out->min_kib = MIN (p->min_kib ? p->min_kib : cfg->domain_min_kib, (guint64) BC_REPORT_MAX_KIB);
  out->min_from = from (p->min_kib);
  out->max_kib = MIN (p->max_kib ? p->max_kib : cfg->domain_max_kib, (guint64) BC_REPORT_MAX_KIB);
  out->max_from = from (p->max_kib);
  out->weight_from = from (p->weight);
}

/* A monotonic time as wall clock, from a pair of now: 0 stays 0 (none). */
static gint64
wall_of (gint64 at_ms, gint64 now_ms, gint64 wall_ms)
{
  if (at_ms <= 0)
    return 0;
  return MAX (1, wall_ms - MAX (0, now_ms - at_ms));
}

static void
explain_figures (BcReportDetail *out, const BcDomain *dom, const BcConfig *cfg, gint64 now_ms, gint64 wall_ms)
{
  gint64 balloon_s = dom->figures.balloon.last_update_s;

  out->figures_known = TRUE;
  out->agent_at_ms = wall_of (dom->figures.guest.at_ms, now_ms, wall_ms);
  out->agent_max_age_ms = MIN (bc_decide_agent_max_age_ms (cfg), BC_REPORT_MAX_AGE_MS);
  out->balloon_at_ms = balloon_s > 0 && balloon_s < G_MAXINT64 / 1000 ? balloon_s * 1000 : 0;
  out->balloon_max_age_ms = MIN (bc_pass_balloon_max_age_ms (cfg), BC_REPORT_MAX_AGE_MS);
  out->held = dom->frozen != BC_FREEZE_NONE;
}

void
bc_explain_detail (BcReportDetail *out, const BcDomain *dom, const BcConfig *cfg, gint64 now_ms, gint64 wall_ms)
{
  const BcDecision *dec = &dom->decision;

  explain_figures (out, dom, cfg, now_ms, wall_ms);
  if (!bc_domain_managed (dom))
    return;
  explain_limits (out, &dom->setup.limits, cfg);
  out->margin_reason = g_strdup (dom->carry.margin.reason);
  if (!dom->decided)
    return;
  out->decided = TRUE;
  out->committed_kib = MIN (dec->committed_kib, (guint64) BC_REPORT_MAX_KIB);
  out->want_kib = MIN (dec->target.target_kib, (guint64) BC_REPORT_MAX_KIB);
  out->budget_held = dom->carry.budget_held;
  out->floor_from = floor_from (dom, out->min_kib, now_ms);
}

/* Within what a state file may say (BC_REPORT_MAX_KIB): sums of many
 * domains may be more. */
static void
report_room (BcReport *r, const BcRoomHost *room)
{
  r->budget_kib = (gint64) MIN (room->budget_kib, BC_REPORT_MAX_KIB);
  r->host.known = TRUE;
  r->host.held_kib = MIN (room->held_kib, (guint64) BC_REPORT_MAX_KIB);
  r->host.reclaimable_kib = MIN (room->reclaimable_kib, (guint64) BC_REPORT_MAX_KIB);
  r->host.guest_size_kib = MIN (room->guest_size_kib, (guint64) BC_REPORT_MAX_KIB);
  r->host.guests = MIN (room->guests, (guint64) BC_REPORT_MAX_KIB);
}

void
bc_explain_offer (GPtrArray *domains, const char *uri, const BcConfig *cfg, const BcRoomHost *room,
                  BcReportCache *cache, gint64 now_ms)
{
  g_autoptr (BcReport) r = bc_report_new ();

  r->pid = getpid ();
  r->uri = g_strdup (uri);
  r->policy = g_strdup (bc_policy_to_string (cfg->policy));
  r->apply_interval_ms = cfg->apply_interval_ms;
  report_room (r, room);
  r->updated_ms = g_get_real_time () / 1000;
  if (cache->history == NULL)
    cache->history = bc_history_store_new ();
  for (guint i = 0; i < domains->len; i++)
    {
      const BcDomain *dom = g_ptr_array_index (domains, i);
      BcReportDomain *d = bc_report_add_domain (r, dom->uuid, NULL);

      bc_explain_report (d, dom);
      bc_explain_detail (&d->detail, dom, cfg, now_ms, r->updated_ms);
      bc_history_note (cache->history, d);
    }
  bc_history_prune (cache->history, r);
  bc_report_offer (g_steal_pointer (&r), cache, now_ms);
}
