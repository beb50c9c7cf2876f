/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-pass"

#include "bc-pass.h"
#include "bc-policy.h"
#include "bc-arbitrate.h"
#include "bc-explain.h"

#include <string.h>

void
bc_carry_init (BcCarry *carry, const BcMarginParams *margin)
{
  memset (carry, 0, sizeof *carry);
  bc_margin_init (&carry->margin, margin);
}

void
bc_carry_confirm (BcCarry *carry, guint64 kib, gint64 at_ms)
{
  carry->requested_kib = kib;
  carry->requested_at_ms = at_ms;
  carry->apply_inflight = FALSE;
}

void
bc_carry_refused (BcCarry *carry)
{
  carry->apply_inflight = FALSE;
}

guint64
bc_pass_took_back_kib (const BcPassInput *in)
{
  const BcCarry *c = &in->carry;
  guint64 cur = in->balloon.current_kib;

  if (c->requested_kib == 0 || c->last_current_kib == 0 || cur <= c->requested_kib + BC_TOOK_BACK_KIB ||
      cur <= c->last_current_kib + BC_TOOK_BACK_KIB)
    return 0;
  return cur - MAX (c->requested_kib, c->last_current_kib);
}

/* The last target set still stands: for BC_SETTLE_MS while a balloon
 * moves; a virtio-mem request stands on the device until it is replaced
 * (withdrawn after a stall, too). */
static gboolean
request_stands (const BcPassInput *in, gint64 now_ms)
{
  if (in->carry.requested_kib == 0 || bc_pass_took_back_kib (in) != 0)
    return FALSE;
  return in->plugged || now_ms - in->carry.requested_at_ms < BC_SETTLE_MS;
}

guint64
bc_pass_settled_kib (const BcPassInput *in, gint64 now_ms)
{
  if (!in->plugged && request_stands (in, now_ms))
    return in->carry.requested_kib;
  return in->balloon.current_kib;
}

guint64
bc_pass_held_kib (const BcPassInput *in, gint64 now_ms)
{
  /* with virtio-mem too: a plug asked for may land any time */
  return MAX (in->balloon.current_kib, request_stands (in, now_ms) ? in->carry.requested_kib : 0);
}

/* The part of the budget no domain holds, in 1/10000. */
static guint
host_free_bp (const BcPassParams *p, const BcPassInput *in, gsize n, guint64 budget_kib)
{
  guint64 held = 0;

  for (gsize i = 0; i < n; i++)
    held += in[i].have_balloon ? bc_pass_held_kib (&in[i], p->now_ms) : 0;
  if (budget_kib == 0 || held >= budget_kib)
    return 0;
  return (guint) ((budget_kib - held) * 10000 / budget_kib);
}

gint64
bc_pass_balloon_max_age_ms (const BcConfig *cfg)
{
  return bc_config_stale_ms (MAX (cfg->apply_interval_ms, 1000)) + 2000;
}

/* What the domains hold now, together: their balloons' sizes. */
static guint64
domains_kib (const BcPassInput *in, gsize n)
{
  guint64 sum = 0;

  for (gsize i = 0; i < n; i++)
    if (in[i].have_balloon)
      sum += MIN (in[i].balloon.current_kib, BC_HOST_KIB_MAX);
  return sum;
}

guint64
bc_pass_host_budget (const BcPassParams *p, const BcPassInput *in, gsize n, BcBudgetCarry *carry)
{
  const BcConfig *cfg = p->cfg;
  BcHostFigures none = { 0 };
  BcBudgetParams bp;
  gboolean fresh;

  if (!cfg->follow)
    {
      memset (carry, 0, sizeof *carry);
      return bc_config_budget_kib (cfg, p->host.host_kib);
    }
  /* only a budget that follows the host sums what the domains hold */
  bp = (BcBudgetParams) { bc_config_budget_kib (cfg, p->host.host_kib), cfg->reserve_kib,
                          (guint) cfg->pressure_percent * 100, domains_kib (in, n), cfg->apply_interval_ms };
  fresh = p->host.figures_at_ms && p->now_ms - p->host.figures_at_ms <= bc_config_stale_ms (cfg->apply_interval_ms);
  *carry = p->host.carry;
  return bc_budget_next (&bp, fresh ? &p->host.figures : &none, carry, p->now_ms);
}

/* Never act on old figures: a domain whose agent has answered but has no
 * fresh answer waits for one (a switch to balloon figures would move it
 * on other grounds) until the agent is set aside; balloon statistics that
 * QEMU no longer updates are as good as none. */
BcFreeze
bc_pass_freeze (const BcConfig *cfg, const BcPassInput *in, gint64 now_ms)
{
  gboolean agent_fresh = in->guest.at_ms > 0 && now_ms - in->guest.at_ms <= bc_decide_agent_max_age_ms (cfg);

  if (agent_fresh)
    return BC_FREEZE_NONE;
  if (cfg->agent && in->agent_seen && in->agent_failures < BC_AGENT_FAILURES_BEFORE_BACKOFF)
    return BC_FREEZE_AGENT;
  if (in->balloon.have_stats && in->balloon_updated_ms &&
      now_ms - in->balloon_updated_ms > bc_pass_balloon_max_age_ms (cfg))
    return BC_FREEZE_BALLOON;
  return BC_FREEZE_NONE;
}

/* A guest that took memory back from its balloon keeps it for a while:
 * its floor is that size, whatever the figures say. */
static void
hold_taken_back (const BcPassParams *p, const BcPassInput *in, BcPassOutput *out)
{
  BcTarget *t = &out->decision.target;
  BcCarry *c = &out->carry;

  out->took_back_kib = bc_pass_took_back_kib (in);
  if (out->took_back_kib)
    c->requested_kib = 0; /* the balloon's size is the guest's now */
  if (out->took_back_kib && in->balloon.autodeflate)
    {
      c->took_back_floor_kib = in->balloon.current_kib;
      c->took_back_until_ms = p->now_ms + BC_TOOK_BACK_HOLD_MS;
    }
  if (p->now_ms >= c->took_back_until_ms)
    return;
  t->floor_kib = MAX (t->floor_kib, MIN (c->took_back_floor_kib, in->balloon.max_kib));
  t->target_kib = MAX (t->target_kib, t->floor_kib);
}

static void
decide_one (const BcPassParams *p, const BcPassInput *in, guint free_bp, BcPassOutput *out)
{
  out->carry = in->carry;
  if (!in->managed || !in->running || !in->have_balloon)
    return;
  out->frozen = bc_pass_freeze (p->cfg, in, p->now_ms);
  if (out->frozen != BC_FREEZE_NONE)
    return;
  /* the target just set stands for the balloon's size while it settles */
  out->decided = bc_decide (p->cfg, &in->limits, &in->balloon, bc_pass_settled_kib (in, p->now_ms), &in->guest,
                            free_bp, &out->carry.margin, p->now_ms, &out->decision);
  if (!out->decided)
    return;
  /* a balloon that grew while the domain was held still counts as grown */
  out->carry.last_current_kib = in->balloon.current_kib;
  hold_taken_back (p, in, out);
}

/* What the policy says the arbiter may take first (adaptive: cold
 * memory); nothing for a policy that says nothing. */
static guint64
cold_kib (const BcPassParams *p, const BcPassOutput *out)
{
  const BcPolicyOps *ops = bc_policy_ops (p->cfg->policy);

  return ops->cold_kib ? ops->cold_kib (&out->carry.margin, out->decision.cached_kib, out->decision.inactive_file_kib) : 0;
}

BcWeight
bc_pass_weight (const BcConfig *cfg, const BcDomainLimits *limits)
{
  return limits->weight ? limits->weight : cfg->domain_weight;
}

/* Shares the budget; returns the growth scale, fills each share. */
static guint
arbitrate_all (const BcPassParams *p, const BcPassInput *in, gsize n, BcPassOutput *out, BcPassBudget *budget)
{
  g_autofree BcClaim *claims = g_new0 (BcClaim, MAX (n, 1));
  guint64 fixed = 0;
  gsize k = 0;
  guint scale;

  for (gsize i = 0; i < n; i++)
    {
      if (!out[i].decided)
        {
          /* not ours to move: what it holds counts against the budget */
          fixed += in[i].have_balloon ? in[i].balloon.current_kib : 0;
          continue;
        }
      claims[k].held_kib = bc_pass_held_kib (&in[i], p->now_ms);
      claims[k].want_kib = out[i].decision.target.target_kib;
      claims[k].floor_kib = out[i].decision.target.floor_kib;
      claims[k].cold_kib = cold_kib (p, &out[i]);
      claims[k].weight = out[i].weight = bc_pass_weight (p->cfg, &in[i].limits);
      k++;
    }
  scale = bc_arbitrate (claims, k, budget->budget_kib, fixed, p->cfg->clamp.max_shrink_kib, NULL);
  budget->floors_over = bc_arbitrate_floors_over (claims, k, budget->budget_kib, fixed, &budget->floors_kib);
  budget->managed_kib = budget->budget_kib > fixed ? budget->budget_kib - fixed : 0;
  for (gsize i = 0, j = 0; i < n; i++)
    if (out[i].decided)
      {
        out[i].granted_kib = claims[j].grant_kib;
        out[i].share_kib = claims[j++].share_kib;
      }
  return scale;
}

static void
choose_action (const BcPassParams *p, const BcPassInput *in, BcPassOutput *out, guint scale, gboolean floors_over)
{
  guint64 settled = bc_pass_settled_kib (in, p->now_ms);
  BcExplainBudget budget = { scale, out->weight, out->share_kib, floors_over, in->carry.budget_held };
  BcCarry *c = &out->carry;

  c->budget_held = out->budget_held = out->granted_kib < out->decision.target.target_kib;
  if (out->budget_held && bc_policy_ops (p->cfg->policy)->unwind)
    bc_policy_ops (p->cfg->policy)->unwind (&c->margin, &p->cfg->margin, out->granted_kib, out->decision.committed_kib);
  if (in->carry.apply_inflight || !bc_target_should_apply (settled, out->granted_kib, &p->cfg->clamp))
    return;
  out->action = p->dry_run ? BC_ACTION_DRY_RUN : BC_ACTION_SET;
  out->old_kib = settled;
  out->new_kib = out->granted_kib;
  out->reason = bc_explain_change (&out->decision, &c->margin, settled, out->granted_kib, &budget);
  /* a dry run sets nothing, and stands for it at once */
  if (p->dry_run)
    bc_carry_confirm (c, out->new_kib, p->now_ms);
  else
    c->apply_inflight = TRUE;
}

BcPassBudget
bc_pass_plan (const BcPassParams *p, const BcPassInput *in, gsize n, BcPassOutput *out)
{
  BcPassBudget budget = { 0 };
  guint free_bp, scale;

  memset (out, 0, n * sizeof *out);
  budget.budget_kib = bc_pass_host_budget (p, in, n, &budget.host_carry);
  free_bp = host_free_bp (p, in, n, budget.budget_kib);
  for (gsize i = 0; i < n; i++)
    decide_one (p, &in[i], free_bp, &out[i]);
  scale = arbitrate_all (p, in, n, out, &budget);
  for (gsize i = 0; i < n; i++)
    if (out[i].decided)
      choose_action (p, &in[i], &out[i], scale, budget.floors_over);
  return budget;
}

void
bc_pass_output_clear (BcPassOutput *out)
{
  g_clear_pointer (&out->reason, g_free);
}
