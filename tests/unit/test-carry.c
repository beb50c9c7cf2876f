/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a pass carries to the next, as (carry in, world) -> (decision,
 * carry out) rows, and what the keeper's answer makes of it (confirmed at
 * once or later, refused).  Every field of the carry is compared in every
 * row (a time where its amount is set: a time without one means nothing;
 * the margin as ticked, or as it came when not decided), so a field the
 * pass forgets to carry, or carries from the wrong side, fails here.  One domain, balloon figures only (MemTotal 2000 MiB,
 * max 2048), margin 128 MiB, shrink at most 64 MiB a pass; then the host's
 * carry, the budget that follows the host. */
#include "bc-pass.h"

#include <string.h>

#define MIB 1024
#define NOW 100000

/* A carry in MiB and in ms from NOW; the margin is checked apart. */
typedef struct {
  guint64 requested_mib;         /* 0: none */
  gint64 requested_ago_ms;
  gboolean inflight, held;
  guint64 last_current_mib;
  guint64 took_back_floor_mib;   /* 0: none */
  gint64 took_back_left_ms;
} Carry;

typedef enum { ANSWER_NONE, ANSWER_CONFIRM, ANSWER_REFUSE } Answer;

typedef struct {
  const char *name;
  /* the world */
  gboolean unmanaged, dry_run, autodeflate, plugged;
  guint64 current_mib, used_mib, budget_mib;
  gint64 balloon_age_ms;         /* 0: fresh */
  Carry in;
  /* the decision */
  BcAction action;
  guint64 new_mib;
  Carry out;
  /* the keeper's answer to it, 50 ms later */
  Answer answer;
  Carry answered;
} Row;

#define SET BC_ACTION_SET
static const Row rows[] = {
  /* a change started: awaited, nothing asked yet; made: asked then */
  { "set-confirmed", .current_mib = 1024, .used_mib = 300, .action = SET, .new_mib = 960,
    .out = { .inflight = TRUE, .last_current_mib = 1024 }, .answer = ANSWER_CONFIRM,
    .answered = { .requested_mib = 960, .requested_ago_ms = -50, .last_current_mib = 1024 } },
  /* refused: no longer awaited, and what was asked before stands */
  { "set-refused", .current_mib = 1024, .used_mib = 300, .in = { .requested_mib = 1100, .requested_ago_ms = 20000 },
    .action = SET, .new_mib = 960,
    .out = { .requested_mib = 1100, .requested_ago_ms = 20000, .inflight = TRUE, .last_current_mib = 1024 },
    .answer = ANSWER_REFUSE, .answered = { .requested_mib = 1100, .requested_ago_ms = 20000, .last_current_mib = 1024 } },
  /* one awaited: no other, and it stays awaited */
  { "awaited", .current_mib = 1024, .used_mib = 300, .in = { .inflight = TRUE, .last_current_mib = 1000 },
    .out = { .inflight = TRUE, .last_current_mib = 1024 } },
  /* a dry run stands for its change at once */
  { "dry-run", .dry_run = TRUE, .current_mib = 1024, .used_mib = 300, .action = BC_ACTION_DRY_RUN, .new_mib = 960,
    .out = { .requested_mib = 960, .last_current_mib = 1024 } },
  /* the guest took 280 MiB back (deflate-on-oom): nothing asked stands,
   * and it is held at 700 for a minute */
  { "took-back", .autodeflate = TRUE, .current_mib = 700, .used_mib = 300,
    .in = { .requested_mib = 400, .requested_ago_ms = 2000, .last_current_mib = 420 },
    .out = { .last_current_mib = 700, .took_back_floor_mib = 700, .took_back_left_ms = BC_TOOK_BACK_HOLD_MS } },
  /* ...by hand (no deflate-on-oom): no hold, sized from 700 on */
  { "took-back-by-hand", .current_mib = 700, .used_mib = 300,
    .in = { .requested_mib = 400, .requested_ago_ms = 2000, .last_current_mib = 420 }, .action = SET, .new_mib = 636,
    .out = { .inflight = TRUE, .last_current_mib = 700 } },
  /* a hold carries on unchanged until it ends */
  { "hold-carried", .autodeflate = TRUE, .current_mib = 700, .used_mib = 300,
    .in = { .last_current_mib = 700, .took_back_floor_mib = 700, .took_back_left_ms = 30000 },
    .out = { .last_current_mib = 700, .took_back_floor_mib = 700, .took_back_left_ms = 30000 } },
  /* the budget grants less than the target: held, said next pass */
  { "budget-held", .current_mib = 512, .used_mib = 600, .budget_mib = 600, .action = SET, .new_mib = 600,
    .out = { .inflight = TRUE, .held = TRUE, .last_current_mib = 512 } },
  { "budget-released", .current_mib = 512, .used_mib = 600, .in = { .held = TRUE }, .action = SET, .new_mib = 728,
    .out = { .inflight = TRUE, .last_current_mib = 512 } },
  /* a balloon settles to what was asked 2 s ago: the next step starts
   * there; with virtio-mem (plugged) what the guest plugged is the size,
   * so a guest that has not moved is asked the same step again (which
   * the keeper does not resend while it stands), not the next one */
  { "settling", .current_mib = 1024, .used_mib = 300, .in = { .requested_mib = 960, .requested_ago_ms = 2000 },
    .action = SET, .new_mib = 896,
    .out = { .requested_mib = 960, .requested_ago_ms = 2000, .inflight = TRUE, .last_current_mib = 1024 } },
  { "plugged-unmoved", .plugged = TRUE, .current_mib = 1024, .used_mib = 300,
    .in = { .requested_mib = 960, .requested_ago_ms = 2000 }, .action = SET, .new_mib = 960,
    .out = { .requested_mib = 960, .requested_ago_ms = 2000, .inflight = TRUE, .last_current_mib = 1024 } },
  /* with virtio-mem, a plug the guest made is what was asked, not memory
   * taken back (deflate-on-oom or not): no floor held, the next step from
   * what it plugged */
  { "plugged-plug-made", .plugged = TRUE, .autodeflate = TRUE, .current_mib = 1024, .used_mib = 300,
    .in = { .requested_mib = 1024, .requested_ago_ms = 2000, .last_current_mib = 512 }, .action = SET, .new_mib = 960,
    .out = { .requested_mib = 1024, .requested_ago_ms = 2000, .inflight = TRUE, .last_current_mib = 1024 } },
  /* not decided: the carry goes through as it came, every field */
  { "unmanaged", .unmanaged = TRUE, .current_mib = 900, .used_mib = 300,
    .in = { 960, 2000, TRUE, TRUE, 900, 800, 100 }, .out = { 960, 2000, TRUE, TRUE, 900, 800, 100 } },
  { "frozen", .current_mib = 1024, .used_mib = 300, .balloon_age_ms = 60000,
    .in = { 960, 2000, FALSE, TRUE, 900, 800, 100 }, .out = { 960, 2000, FALSE, TRUE, 900, 800, 100 } },
};

static void
carry_from (const Carry *c, const BcConfig *cfg, BcCarry *out)
{
  bc_carry_init (out, &cfg->margin);
  out->requested_kib = c->requested_mib * MIB;
  out->requested_at_ms = c->requested_mib ? NOW - c->requested_ago_ms : 0;
  out->apply_inflight = c->inflight;
  out->budget_held = c->held;
  out->last_current_kib = c->last_current_mib * MIB;
  out->took_back_floor_kib = c->took_back_floor_mib * MIB;
  out->took_back_until_ms = c->took_back_floor_mib ? NOW + c->took_back_left_ms : 0;
}

/* Every field but the margin, in the row's terms. */
static void
check_carry (const BcCarry *got, const Carry *want, const char *when)
{
  g_test_message ("%s: requested %" G_GUINT64_FORMAT " KiB at %" G_GINT64_FORMAT ", inflight %d, held %d", when,
                  got->requested_kib, got->requested_at_ms, got->apply_inflight, got->budget_held);
  g_assert_cmpuint (got->requested_kib, ==, want->requested_mib * MIB);
  if (want->requested_mib)
    g_assert_cmpint (got->requested_at_ms, ==, NOW - want->requested_ago_ms);
  g_assert_cmpint (got->apply_inflight, ==, want->inflight);
  g_assert_cmpint (got->budget_held, ==, want->held);
  g_assert_cmpuint (got->last_current_kib, ==, want->last_current_mib * MIB);
  g_assert_cmpuint (got->took_back_floor_kib, ==, want->took_back_floor_mib * MIB);
  if (want->took_back_floor_mib)
    g_assert_cmpint (got->took_back_until_ms, ==, NOW + want->took_back_left_ms);
}

static BcPassInput
world (const Row *r, const BcConfig *cfg)
{
  BcPassInput in = { 0 };

  in.managed = !r->unmanaged;
  in.running = in.have_balloon = in.balloon.have_stats = TRUE;
  in.balloon.current_kib = r->current_mib * MIB;
  in.balloon.max_kib = 2048 * MIB;
  in.balloon.guest_total_kib = 2000 * MIB;
  in.balloon.usable_kib = (2000 - r->used_mib) * MIB;
  in.balloon.autodeflate = r->autodeflate;
  in.balloon_updated_ms = r->balloon_age_ms ? NOW - r->balloon_age_ms : 0;
  in.limits.enabled = TRUE;
  in.plugged = r->plugged;
  carry_from (&r->in, cfg, &in.carry);
  return in;
}

static void
run_row (gconstpointer data)
{
  const Row *r = data;
  BcConfig cfg;
  BcPassInput in;
  BcPassOutput out;
  BcPassParams p = { &cfg, { 0 }, NOW, r->dry_run };

  bc_config_defaults (&cfg);
  cfg.policy = BC_POLICY_PAPER;
  cfg.agent = FALSE;
  cfg.follow = FALSE;
  cfg.budget_kib = (gint64) (r->budget_mib ? r->budget_mib : 16384) * MIB;
  in = world (r, &cfg);
  bc_pass_plan (&p, &in, 1, &out);
  g_test_message ("%s", out.reason ? out.reason : "(no change)");
  g_assert_cmpint (out.action, ==, r->action);
  g_assert_cmpuint (out.new_kib, ==, r->new_mib * MIB);
  check_carry (&out.carry, &r->out, "out");
  /* the margin: ticked when decided, else as it came */
  if (out.decided)
    g_assert_cmpint (out.carry.margin.last_tick_ms, ==, NOW);
  else
    g_assert_cmpmem (&out.carry.margin, sizeof out.carry.margin, &in.carry.margin, sizeof in.carry.margin);
  if (r->answer == ANSWER_CONFIRM)
    bc_carry_confirm (&out.carry, out.new_kib, NOW + 50);
  else if (r->answer == ANSWER_REFUSE)
    bc_carry_refused (&out.carry);
  if (r->answer != ANSWER_NONE)
    check_carry (&out.carry, &r->answered, "answered");
  bc_pass_output_clear (&out);
}

/* The keeper's loop, three passes: a change started, awaited while its
 * answer is late, then the size it asked for stands while it settles. */
static void
test_sequence (void)
{
  BcConfig cfg;
  Row r = { .current_mib = 1024, .used_mib = 300 };
  BcPassInput in;
  BcPassOutput out;
  BcPassParams p = { &cfg, { 0 }, NOW, FALSE };

  bc_config_defaults (&cfg);
  cfg.policy = BC_POLICY_PAPER;
  cfg.agent = FALSE;
  cfg.follow = FALSE;
  in = world (&r, &cfg);
  bc_pass_plan (&p, &in, 1, &out);
  g_assert_cmpint (out.action, ==, BC_ACTION_SET);
  g_assert_cmpuint (out.new_kib, ==, 960 * MIB);
  in.carry = out.carry;
  bc_pass_output_clear (&out);
  p.now_ms += 1000;
  bc_pass_plan (&p, &in, 1, &out);
  g_assert_cmpint (out.action, ==, BC_ACTION_NONE);
  in.carry = out.carry;
  bc_carry_confirm (&in.carry, 960 * MIB, p.now_ms + 200);
  p.now_ms += 1000;
  bc_pass_plan (&p, &in, 1, &out);
  /* from 960, where the balloon is going, not the 1024 it still is */
  g_assert_cmpint (out.action, ==, BC_ACTION_SET);
  g_assert_cmpuint (out.old_kib, ==, 960 * MIB);
  g_assert_cmpuint (out.new_kib, ==, 896 * MIB);
  bc_pass_output_clear (&out);
}

/* ---- the host's carry ------------------------------------------------ */

typedef struct {
  const char *name;
  gboolean follow;
  guint64 avail_mib;             /* 0: no figures yet */
  gint64 figures_age_ms;
  guint pressure_bp;
  BcBudgetCarry in;              /* here: budget_kib in MiB, at_ms from NOW */
  guint64 budget_mib;
  BcBudgetCarry out;
} HostRow;

/* The host has 8192 MiB, the domains hold 2048, reserve 1024 MiB; the
 * fixed budget 7168; pressure-percent 10. */
static const HostRow host_rows[] = {
  /* without follow, the fixed budget, and nothing carried */
  { "fixed", FALSE, 3000, 0, 0, { 5000, -1000, TRUE }, 7168, { 0 } },
  /* no figures yet: the fixed budget, nothing carried yet */
  { "no-figures", TRUE, 0, 0, 0, { 0 }, 7168, { 0 } },
  /* the first figures: what they leave, 2048 + 3000 - 1024 */
  { "first", TRUE, 3000, 100, 0, { 0 }, 4024, { 4024, 0, FALSE } },
  /* later ones move it part of the way: the 2000 MiB fall times 1 s
   * over 1 s + a time constant of 2 s (a third), at most half */
  { "falls", TRUE, 1000, 100, 0, { 4024, -1000, FALSE }, 3357, { 3357, 0, FALSE } },
  /* figures BC_STALE_PASSES intervals old are none: the budget stands */
  { "stale", TRUE, 1000, 3001, 0, { 4024, -1000, FALSE }, 4024, { 4024, -1000, FALSE } },
  { "fresh-enough", TRUE, 1000, 3000, 0, { 4024, -1000, FALSE }, 3357, { 3357, 0, FALSE } },
  /* under pressure a sixteenth below what the domains hold */
  { "pressure", TRUE, 3000, 100, 2500, { 4024, -1000, FALSE }, 1920, { 1920, 0, TRUE } },
};

static void
run_host_row (gconstpointer data)
{
  const HostRow *r = data;
  BcConfig cfg;
  BcPassInput in = { .have_balloon = TRUE, .balloon.current_kib = 2048 * MIB };
  BcPassParams p = { &cfg, { .host_kib = 8192 * MIB }, NOW, FALSE };
  BcBudgetCarry out;

  bc_config_defaults (&cfg);
  cfg.follow = r->follow;
  p.host.figures = (BcHostFigures) { .mem_total_kib = r->avail_mib ? 8192 * MIB : 0, .mem_available_kib = r->avail_mib * MIB,
                                     .have_pressure = TRUE, .pressure_some_bp = r->pressure_bp };
  p.host.figures_at_ms = r->avail_mib ? NOW - r->figures_age_ms : 0;
  p.host.carry = (BcBudgetCarry) { r->in.budget_kib * MIB, r->in.budget_kib ? NOW + r->in.at_ms : 0, r->in.pressure };
  g_assert_cmpuint (bc_pass_host_budget (&p, &in, 1, &out) / MIB, ==, r->budget_mib);
  g_assert_cmpuint (out.budget_kib / MIB, ==, r->out.budget_kib);
  if (r->out.budget_kib)
    g_assert_cmpint (out.at_ms, ==, NOW + r->out.at_ms);
  g_assert_cmpint (out.pressure, ==, r->out.pressure);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/carry/%s", rows[i].name);

      g_test_add_data_func (path, &rows[i], run_row);
    }
  g_test_add_func ("/carry/sequence", test_sequence);
  for (guint i = 0; i < G_N_ELEMENTS (host_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/carry/host/%s", host_rows[i].name);

      g_test_add_data_func (path, &host_rows[i], run_host_row);
    }
  return g_test_run ();
}
