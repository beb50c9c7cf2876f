/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pass: decide, arbitrate and what to apply, from literal arrays of
 * domains, one case a row.  Figures are balloon-only (used = MemTotal -
 * MemAvailable stands for Committed_AS; MemTotal 2000 MiB), margin 128 MiB, max 2048, defaults
 * otherwise: guard 64, shrink at most 64 per pass, dead band 4 MiB. */
#include "bc-pass.h"

#include <string.h>

#define MIB 1024
#define NOW 100000

typedef struct {
  gboolean managed, running;
  guint64 current_mib, used_mib; /* used 0: no balloon figures read */
  guint64 requested_mib;         /* 0: none */
  gint64 requested_ago_ms;
  gboolean inflight, held_before;
  gint64 balloon_age_ms;         /* of the statistics' stamp; 0: no stamp */
  gboolean agent_seen;           /* has answered before, none fresh now */
  guint agent_failures;
  guint64 last_current_mib;      /* the balloon on the last pass, 0: none */
  gboolean autodeflate;
  guint64 hold_floor_mib;
  gint64 hold_left_ms;
  guint weight;                  /* in its metadata; 0: none */
} Dom;

typedef struct {
  gboolean decided;
  BcAction action;
  guint64 old_mib, new_mib;
  gboolean held;                 /* the budget holds it below its target */
  const char *reason;            /* glob; NULL: no change */
  BcFreeze frozen;
  guint64 took_back_mib;
  guint weight;                  /* 0: the default, 100 (decided only) */
  guint64 share_mib;             /* 0: not checked */
} Want;

typedef struct {
  const char *name;
  guint64 budget_mib;
  gboolean dry_run;
  guint n;
  Dom dom[2];
  Want want[2];
  guint cfg_weight;              /* [domain] weight; 0: the default */
  gboolean floors_over;
} Case;

#define ON TRUE, TRUE
#define SET BC_ACTION_SET
#define NONE BC_ACTION_NONE
static const Case cases[] = {
  { "grows-to-used+margin", 16384, FALSE, 1,
    { { ON, .current_mib = 512, .used_mib = 600 } },
    { { .decided = TRUE, .action = SET, .old_mib = 512, .new_mib = 728, .reason = "grow: used 600 MiB + margin 128 MiB [*]" } } },
  { "shrink-rate-limited", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300 } },
    { { .decided = TRUE, .action = SET, .old_mib = 1024, .new_mib = 960, .reason = "shrink: used 300 MiB + margin 128 MiB [*]; shrink rate limited" } } },
  /* a target set 2 s ago stands for the balloon, still at 1024 */
  { "settling", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300, .requested_mib = 960, .requested_ago_ms = 2000 } },
    { { .decided = TRUE, .action = SET, .old_mib = 960, .new_mib = 896, .reason = "shrink: *" } } },
  /* ...for 10 s, no more */
  { "settled-after-10s", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300, .requested_mib = 960, .requested_ago_ms = BC_SETTLE_MS } },
    { { .decided = TRUE, .action = SET, .old_mib = 1024, .new_mib = 960, .reason = "shrink: *" } } },
  { "in-flight", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300, .inflight = TRUE } },
    { { .decided = TRUE, .action = NONE } } },
  { "dead-band", 16384, FALSE, 1,
    { { ON, .current_mib = 630, .used_mib = 500 } },
    { { .decided = TRUE, .action = NONE } } },
  { "dry-run", 16384, TRUE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300 } },
    { { .decided = TRUE, .action = BC_ACTION_DRY_RUN, .old_mib = 1024, .new_mib = 960, .reason = "shrink: *" } } },
  /* an unmanaged domain's memory is fixed: the managed one shares the rest */
  { "unmanaged-fixed", 2048, FALSE, 2,
    { { .running = TRUE, .current_mib = 1024, .used_mib = 500 }, { ON, .current_mib = 512, .used_mib = 900 } },
    { { .action = NONE },
      { .decided = TRUE, .action = SET, .old_mib = 512, .new_mib = 1024, .held = TRUE, .reason = "grow: *; wants 1028 MiB, host budget, weight 100: share 1024 MiB, 100.00% of growth free now" } } },
  /* so is a paused one's */
  { "paused-fixed", 2048, FALSE, 2,
    { { .managed = TRUE, .current_mib = 1024, .used_mib = 500 }, { ON, .current_mib = 512, .used_mib = 900 } },
    { { .action = NONE },
      { .decided = TRUE, .action = SET, .old_mib = 512, .new_mib = 1024, .held = TRUE, .reason = "grow: *weight 100: share 1024 MiB*" } } },
  /* no figures yet: left alone, and it holds nothing we know of */
  { "no-figures", 1024, FALSE, 2,
    { { ON, .current_mib = 1024 }, { ON, .current_mib = 512, .used_mib = 900 } },
    { { .action = NONE },
      { .decided = TRUE, .action = SET, .old_mib = 512, .new_mib = 1024, .held = TRUE, .reason = "grow: *" } } },
  /* a balloon of no known size (no balloon.current): what it holds of the
   * guest is not known, so it is left alone */
  { "no-size", 16384, FALSE, 1,
    { { ON, .current_mib = 0, .used_mib = 300 } },
    { { .action = NONE } } },
  /* both want 728, the budget holds both at 512: nothing moves */
  { "budget-holds-both", 1024, FALSE, 2,
    { { ON, .current_mib = 512, .used_mib = 600 }, { ON, .current_mib = 512, .used_mib = 600 } },
    { { .decided = TRUE, .action = NONE, .held = TRUE },
      { .decided = TRUE, .action = NONE, .held = TRUE } } },
  /* an agent that has answered but has nothing fresh: the size stands,
   * and counts as held (the other gets its fair share, no more) */
  { "agent-stale-held", 2048, FALSE, 2,
    { { ON, .current_mib = 1024, .used_mib = 300, .agent_seen = TRUE, .agent_failures = 1 }, { ON, .current_mib = 512, .used_mib = 900 } },
    { { .action = NONE, .frozen = BC_FREEZE_AGENT },
      { .decided = TRUE, .action = SET, .old_mib = 512, .new_mib = 1024, .held = TRUE, .reason = "grow: *weight 100: share 1024 MiB*" } } },
  /* after three failures in a row it is set aside: balloon figures */
  { "agent-set-aside", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300, .agent_seen = TRUE, .agent_failures = BC_AGENT_FAILURES_BEFORE_BACKOFF } },
    { { .decided = TRUE, .action = SET, .old_mib = 1024, .new_mib = 960, .reason = "shrink: used 300 MiB*" } } },
  /* balloon statistics QEMU stopped updating: the size stands */
  { "balloon-stale-held", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300, .balloon_age_ms = 5001 } },
    { { .action = NONE, .frozen = BC_FREEZE_BALLOON } } },
  { "balloon-fresh-enough", 16384, FALSE, 1,
    { { ON, .current_mib = 1024, .used_mib = 300, .balloon_age_ms = 5000 } },
    { { .decided = TRUE, .action = SET, .old_mib = 1024, .new_mib = 960, .reason = "shrink: *" } } },
  /* asked for 400 two seconds ago, the balloon was at 420, it is at 700
   * now: its guest deflated it (deflate-on-oom); held at 700 */
  { "took-back-held", 16384, FALSE, 1,
    { { ON, .current_mib = 700, .used_mib = 300, .requested_mib = 400, .requested_ago_ms = 2000, .last_current_mib = 420, .autodeflate = TRUE } },
    { { .decided = TRUE, .action = NONE, .took_back_mib = 280 } } },
  /* the same without deflate-on-oom: set by hand; sized from 700 on */
  { "took-back-by-hand", 16384, FALSE, 1,
    { { ON, .current_mib = 700, .used_mib = 300, .requested_mib = 400, .requested_ago_ms = 2000, .last_current_mib = 420 } },
    { { .decided = TRUE, .action = SET, .old_mib = 700, .new_mib = 636, .reason = "shrink: *", .took_back_mib = 280 } } },
  /* a balloon on its way down to the 400 asked for took nothing back */
  { "inflating-not-taken-back", 16384, FALSE, 1,
    { { ON, .current_mib = 700, .used_mib = 300, .requested_mib = 400, .requested_ago_ms = 2000, .last_current_mib = 760 } },
    { { .decided = TRUE, .action = SET, .old_mib = 400, .new_mib = 428, .reason = "grow: *" } } },
  /* the hold lasts BC_TOOK_BACK_HOLD_MS, and no longer */
  { "hold-continues", 16384, FALSE, 1,
    { { ON, .current_mib = 700, .used_mib = 300, .last_current_mib = 700, .autodeflate = TRUE, .hold_floor_mib = 700, .hold_left_ms = 1 } },
    { { .decided = TRUE, .action = NONE } } },
  { "hold-over", 16384, FALSE, 1,
    { { ON, .current_mib = 700, .used_mib = 300, .last_current_mib = 700, .autodeflate = TRUE, .hold_floor_mib = 700 } },
    { { .decided = TRUE, .action = SET, .old_mib = 700, .new_mib = 636, .reason = "shrink: *" } } },
  /* held back on the last pass, free now: said so */
  { "held-then-released", 16384, FALSE, 1,
    { { ON, .current_mib = 512, .used_mib = 600, .held_before = TRUE } },
    { { .decided = TRUE, .action = SET, .old_mib = 512, .new_mib = 728, .reason = "grow: *; growth the host budget held back until now" } } },
  /* both want 428 (floor 364), the budget holds 800: weight 300 gets its
   * want, weight 100 the rest (equal weights: 400 each, nothing moves);
   * a waits for the room b gives back */
  { "weights-metadata", 800, FALSE, 2,
    { { ON, .current_mib = 400, .used_mib = 300, .weight = 300 }, { ON, .current_mib = 400, .used_mib = 300 } },
    { { .decided = TRUE, .action = NONE, .held = TRUE, .weight = 300, .share_mib = 1116 },
      { .decided = TRUE, .action = SET, .old_mib = 400, .new_mib = 372, .held = TRUE, .reason = "shrink: *; wants 428 MiB, host budget, weight 100: share 372 MiB", .share_mib = 372 } } },
  /* [domain] weight for a domain without its own; metadata wins */
  { "weights-config", 800, FALSE, 2,
    { { ON, .current_mib = 400, .used_mib = 300 }, { ON, .current_mib = 400, .used_mib = 300, .weight = 100 } },
    { { .decided = TRUE, .action = NONE, .held = TRUE, .weight = 300, .share_mib = 1116 },
      { .decided = TRUE, .action = SET, .old_mib = 400, .new_mib = 372, .held = TRUE, .reason = "shrink: *weight 100: share 372 MiB", .share_mib = 372 } }, .cfg_weight = 300 },
  /* equal weights, whatever they are: the equal split */
  { "weights-equal", 800, FALSE, 2,
    { { ON, .current_mib = 400, .used_mib = 300, .weight = 7 }, { ON, .current_mib = 400, .used_mib = 300, .weight = 7 } },
    { { .decided = TRUE, .action = NONE, .held = TRUE, .weight = 7, .share_mib = 400 },
      { .decided = TRUE, .action = NONE, .held = TRUE, .weight = 7, .share_mib = 400 } } },
  /* floors 364 + 364 above a budget of 600: said, both held */
  { "floors-over", 600, FALSE, 2,
    { { ON, .current_mib = 400, .used_mib = 300 }, { ON, .current_mib = 400, .used_mib = 300 } },
    { { .decided = TRUE, .action = SET, .old_mib = 400, .new_mib = 364, .held = TRUE, .reason = "shrink: *; wants 428 MiB, host budget: the floors do not fit, held at its floor" },
      { .decided = TRUE, .action = SET, .old_mib = 400, .new_mib = 364, .held = TRUE, .reason = "shrink: *the floors do not fit*" } }, .floors_over = TRUE },
};

static BcPassInput
input (const Dom *d, const BcConfig *cfg)
{
  BcPassInput in = { 0 };

  in.managed = d->managed;
  in.running = d->running;
  in.have_balloon = TRUE;
  in.balloon.current_kib = d->current_mib * MIB;
  in.balloon.max_kib = 2048 * MIB;
  if (d->used_mib)
    {
      in.balloon.have_stats = TRUE;
      in.balloon.guest_total_kib = 2000 * MIB;
      in.balloon.usable_kib = in.balloon.guest_total_kib - d->used_mib * MIB;
      in.balloon.disk_caches_kib = 50 * MIB;
    }
  else
    in.have_balloon = d->current_mib == 0;
  in.limits.enabled = TRUE;
  bc_carry_init (&in.carry, &cfg->margin);
  in.carry.requested_kib = d->requested_mib * MIB;
  in.carry.requested_at_ms = NOW - d->requested_ago_ms;
  in.carry.apply_inflight = d->inflight;
  in.carry.budget_held = d->held_before;
  in.balloon_updated_ms = d->balloon_age_ms ? NOW - d->balloon_age_ms : 0;
  in.agent_seen = d->agent_seen;
  in.agent_failures = d->agent_failures;
  in.carry.last_current_kib = d->last_current_mib * MIB;
  in.balloon.autodeflate = d->autodeflate;
  in.carry.took_back_floor_kib = d->hold_floor_mib * MIB;
  in.carry.took_back_until_ms = d->hold_floor_mib ? NOW + d->hold_left_ms : 0;
  in.limits.weight = d->weight;
  return in;
}

static void
check (const Want *w, const BcPassOutput *out, const char *name, guint i)
{
  g_test_message ("%s, domain %u: %s", name, i, out->reason ? out->reason : "(no change)");
  g_assert_cmpint (out->decided, ==, w->decided);
  g_assert_cmpint (out->frozen, ==, w->frozen);
  g_assert_cmpuint (out->took_back_kib, ==, w->took_back_mib * MIB);
  g_assert_cmpint (out->action, ==, w->action);
  g_assert_cmpuint (out->old_kib, ==, w->old_mib * MIB);
  g_assert_cmpuint (out->new_kib, ==, w->new_mib * MIB);
  g_assert_cmpint (out->budget_held, ==, w->held);
  if (out->decided)
    g_assert_cmpuint (out->weight, ==, w->weight ? w->weight : 100);
  if (w->share_mib)
    g_assert_cmpuint (out->share_kib, ==, w->share_mib * MIB);
  if (w->reason == NULL)
    g_assert_null (out->reason);
  else
    g_assert_true (g_pattern_match_simple (w->reason, out->reason));
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  BcConfig cfg;
  BcPassInput in[2], before[2];
  BcPassOutput out[2];
  BcPassParams p = { &cfg, { 0 }, NOW, c->dry_run };
  BcPassBudget budget;

  bc_config_defaults (&cfg);
  cfg.follow = FALSE;
  cfg.budget_kib = (gint64) (c->budget_mib * MIB);
  if (c->cfg_weight)
    cfg.domain_weight = c->cfg_weight;
  for (guint i = 0; i < c->n; i++)
    in[i] = input (&c->dom[i], &cfg);
  memcpy (before, in, sizeof in);
  budget = bc_pass_plan (&p, in, c->n, out);
  g_assert_cmpint (budget.floors_over, ==, c->floors_over);
  g_assert_cmpuint (budget.budget_kib, ==, c->budget_mib * MIB);
  /* pure: the inputs are as they were; the controller's state is out */
  g_assert_cmpmem (in, c->n * sizeof in[0], before, c->n * sizeof before[0]);
  for (guint i = 0; i < c->n; i++)
    {
      check (&c->want[i], &out[i], c->name, i);
      if (out[i].decided)
        g_assert_cmpint (out[i].carry.margin.last_tick_ms, ==, NOW);
      bc_pass_output_clear (&out[i]);
    }
}

/* The settled size: a target set within BC_SETTLE_MS, else the balloon. */
static void
test_settled (void)
{
  BcPassInput in = { 0 };

  in.balloon.current_kib = 1024 * MIB;
  g_assert_cmpuint (bc_pass_settled_kib (&in, NOW), ==, 1024 * MIB);
  in.carry.requested_kib = 900 * MIB;
  in.carry.requested_at_ms = NOW - BC_SETTLE_MS + 1;
  g_assert_cmpuint (bc_pass_settled_kib (&in, NOW), ==, 900 * MIB);
  in.carry.requested_at_ms = NOW - BC_SETTLE_MS;
  g_assert_cmpuint (bc_pass_settled_kib (&in, NOW), ==, 1024 * MIB);
}

/* virtio-mem (plugged): the size is what is plugged, whatever was asked;
 * the budget counts a plug asked for until the guest makes it or the
 * request is withdrawn (a new request), however long that takes. */
static void
test_held_plugged (void)
{
  BcPassInput in = { 0 };

  in.plugged = TRUE;
  in.balloon.current_kib = 1024 * MIB;
  in.carry.requested_kib = 1280 * MIB;
  in.carry.requested_at_ms = NOW - 1000;
  g_assert_cmpuint (bc_pass_settled_kib (&in, NOW), ==, 1024 * MIB);
  g_assert_cmpuint (bc_pass_held_kib (&in, NOW), ==, 1280 * MIB);
  in.carry.requested_at_ms = NOW - 5 * BC_SETTLE_MS;
  g_assert_cmpuint (bc_pass_settled_kib (&in, NOW), ==, 1024 * MIB);
  g_assert_cmpuint (bc_pass_held_kib (&in, NOW), ==, 1280 * MIB);
  /* an unplug asked for: what is plugged until it happens */
  in.carry.requested_kib = 900 * MIB;
  g_assert_cmpuint (bc_pass_held_kib (&in, NOW), ==, 1024 * MIB);
  /* a balloon's target stands for BC_SETTLE_MS only */
  in.plugged = FALSE;
  in.carry.requested_kib = 1280 * MIB;
  g_assert_cmpuint (bc_pass_held_kib (&in, NOW), ==, 1024 * MIB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/pass/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], run_case);
    }
  g_test_add_func ("/pass/settled", test_settled);
  g_test_add_func ("/pass/held-plugged", test_held_plugged);
  return g_test_run ();
}
