/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-decide"

#include "bc-decide.h"
#include "bc-policy.h"

#define PAGE_KIB 4 /* x86, arm64 with 4K pages: what the guests we run use */

gint64
bc_decide_agent_max_age_ms (const BcConfig *cfg)
{
  return cfg->agent_timeout_ms + bc_config_stale_ms (cfg->apply_interval_ms);
}

BcSource
bc_decide_source (const BcBalloonFigures *balloon, const BcGuestFigures *guest,
                  gint64 now_ms, gint64 max_agent_age_ms)
{
  if (guest && guest->at_ms > 0 && now_ms - guest->at_ms <= max_agent_age_ms)
    return BC_SOURCE_AGENT;
  if (balloon->have_stats && balloon->guest_total_kib > 0 &&
      balloon->usable_kib <= balloon->guest_total_kib &&
      balloon->guest_total_kib <= BC_GUEST_KIB_MAX &&
      balloon->disk_caches_kib <= balloon->guest_total_kib)
    return BC_SOURCE_BALLOON;
  return BC_SOURCE_NONE;
}

/* With deflate-on-oom (<memballoon autodeflate='on'>), Linux's balloon
 * driver leaves MemTotal at the boot size, so the balloon's own pages
 * count as used: what MemTotal holds beyond the balloon's size is the
 * balloon.  Its actual size, not the one it settles to: while a shrink is
 * under way the balloon has not taken what was asked yet (counting it
 * would make the guest look smaller than it is, pass after pass), and
 * while a growth is under way it still holds what it is giving back
 * (counting the request made the guest look larger: its used + guard
 * floor rose with the growth, and the daemon, asking for the floor, then
 * took its own growth for the guest deflating the balloon). */
static guint64
used_without_balloon (const BcBalloonFigures *balloon, guint64 used_kib, guint64 mem_total_kib)
{
  guint64 in_balloon = mem_total_kib > balloon->current_kib ? mem_total_kib - balloon->current_kib : 0;

  if (!balloon->autodeflate)
    return used_kib;
  return used_kib - MIN (used_kib, in_balloon);
}

/* What the guest uses by its own word (the agent's /proc/meminfo), no
 * more than what its kernel's balloon driver says (MemTotal - MemAvailable
 * in the balloon statistics): used + guard is a floor the arbiter honours
 * even past a domain's share, so a guest agent claiming to use all it
 * holds would otherwise keep memory its share no longer gives it. */
static guint64
agent_used_kib (const BcBalloonFigures *balloon, const BcMeminfo *mi)
{
  guint64 used = used_without_balloon (balloon, bc_meminfo_used_kib (mi), mi->mem_total_kib);

  if (balloon->have_stats && balloon->usable_kib > 0 && balloon->usable_kib <= balloon->guest_total_kib)
    used = MIN (used, used_without_balloon (balloon, balloon->guest_total_kib - balloon->usable_kib,
                                            balloon->guest_total_kib));
  return used;
}

static void
fill_figures (BcDecision *d, BcMarginSample *s, const BcBalloonFigures *balloon,
              const BcGuestFigures *guest)
{
  if (d->source == BC_SOURCE_AGENT)
    {
      const BcMeminfo *mi = &guest->meminfo;

      d->committed_kib = mi->committed_as_kib;
      d->cached_kib = mi->cached_kib;
      d->active_file_kib = mi->active_file_kib;
      d->inactive_file_kib = mi->inactive_file_kib;
      s->inactive_file_kib = mi->inactive_file_kib;
      d->used_kib = agent_used_kib (balloon, mi);
      s->have_active_file = TRUE;
      s->have_refault = guest->have_vmstat && guest->vmstat.have_refault;
      s->refault_file_kib = MIN (guest->vmstat.refault_file, G_MAXUINT64 / PAGE_KIB) * PAGE_KIB;
      s->read_kib = s->have_refault ? guest->vmstat.pgpgin_kib : 0;
      s->free_kib = mi->mem_free_kib;
      s->at_ms = guest->at_ms;
    }
  else
    {
      d->used_kib = used_without_balloon (balloon, balloon->guest_total_kib - balloon->usable_kib,
                                          balloon->guest_total_kib);
      d->committed_kib = d->used_kib;
      d->cached_kib = balloon->disk_caches_kib;
      s->free_kib = balloon->usable_kib;
    }
  s->cached_kib = d->cached_kib;
  s->max_kib = balloon->max_kib;
  s->committed_kib = d->committed_kib;
  s->active_file_kib = d->active_file_kib;
}

/* A policy that reads rates (adaptive) ticks on every fresh sample (the
 * agent may take longer than a pass to answer); the others every margin
 * interval. */
static gboolean
margin_due (const BcConfig *cfg, const BcMargin *margin, const BcMarginSample *s, gint64 now_ms)
{
  const BcPolicyOps *ops = bc_policy_ops (cfg->policy);

  if (ops->per_sample && ops->per_sample (s))
    return !margin->have_prev || s->at_ms > margin->prev.at_ms;
  return bc_margin_due (margin, now_ms, cfg->margin_interval_ms);
}

gboolean
bc_decide (const BcConfig *cfg, const BcDomainLimits *limits, const BcBalloonFigures *balloon, guint64 settled_kib,
           const BcGuestFigures *guest, guint host_free_bp, BcMargin *margin, gint64 now_ms, BcDecision *out)
{
  gint64 max_age = bc_decide_agent_max_age_ms (cfg);
  BcMarginSample sample = { 0 };
  BcTargetInput in = { 0 };
  BcDecision d = { 0 };

  d.source = bc_decide_source (balloon, guest, now_ms, max_age);
  /* a balloon of no known size: what it holds of the guest is not known */
  if (d.source == BC_SOURCE_NONE || balloon->max_kib == 0 || balloon->current_kib == 0)
    return FALSE;
  fill_figures (&d, &sample, balloon, guest);
  sample.size_kib = settled_kib;
  sample.host_free_bp = host_free_bp;
  if (sample.at_ms == 0)
    sample.at_ms = now_ms; /* balloon figures: this pass's */
  if (margin_due (cfg, margin, &sample, now_ms))
    bc_margin_tick (margin, &cfg->margin, cfg->policy, &sample, now_ms);
  in.committed_kib = d.committed_kib;
  in.margin_kib = margin->margin_kib;
  in.settled_kib = settled_kib;
  in.hard_max_kib = balloon->max_kib;
  in.min_kib = limits->min_kib ? limits->min_kib : cfg->domain_min_kib;
  in.max_kib = limits->max_kib ? limits->max_kib : cfg->domain_max_kib;
  in.used_kib = d.used_kib;
  d.target = bc_target_compute (&in, &cfg->clamp);
  /* Anti-windup: a margin that could only push the target past the ceiling
   * is not kept, so a shrink starts as soon as the state machine says so. */
  if (d.target.ceiling_kib > d.committed_kib &&
      margin->margin_kib > (gint64) (d.target.ceiling_kib - d.committed_kib))
    margin->margin_kib = MAX ((gint64) (d.target.ceiling_kib - d.committed_kib), cfg->margin.min_kib);
  if (bc_policy_ops (cfg->policy)->raise)
    bc_policy_ops (cfg->policy)->raise (margin, &cfg->margin, d.target.floor_kib, d.committed_kib);
  *out = d;
  return TRUE;
}
