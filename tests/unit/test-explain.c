/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: the reason logged with every memory change. */
#include "bc-explain.h"

#define MIB 1024

static BcDecision
decision (BcSource source, guint64 committed_mib, guint64 target_mib, BcClamp clamp)
{
  BcDecision d = { 0 };

  d.source = source;
  d.committed_kib = committed_mib * MIB;
  d.target.target_kib = target_mib * MIB;
  d.target.clamp = clamp;
  return d;
}

static BcMarginState
margin (gint64 margin_mib, const char *reason)
{
  BcMarginState m = { 0 };

  m.margin_kib = margin_mib * MIB;
  g_strlcpy (m.reason, reason, sizeof m.reason);
  return m;
}

static void
check_weighted (const BcDecision *d, const BcMarginState *m, guint64 current_mib, guint64 granted_mib,
                guint scale, guint weight, guint64 share_kib, gboolean held_before, const char *want)
{
  BcExplainBudget b = { scale, weight, share_kib, FALSE, held_before };
  g_autofree char *got = bc_explain_change (d, m, current_mib * MIB, granted_mib * MIB, &b);

  g_assert_cmpstr (got, ==, want);
}

/* weight 100: its share is the level, as before weights */
static void
check_held (const BcDecision *d, const BcMarginState *m, guint64 current_mib, guint64 granted_mib,
            guint scale, guint64 level_kib, gboolean held_before, const char *want)
{
  check_weighted (d, m, current_mib, granted_mib, scale, 100, level_kib, held_before, want);
}

static void
check (const BcDecision *d, const BcMarginState *m, guint64 current_mib, guint64 granted_mib,
       guint scale, guint64 level_kib, const char *want)
{
  check_held (d, m, current_mib, granted_mib, scale, level_kib, FALSE, want);
}

static void
test_plain (void)
{
  BcDecision d = decision (BC_SOURCE_AGENT, 100, 228, BC_CLAMP_NONE);
  BcMarginState m = margin (128, "UP: cache turnover 40 MiB");

  check (&d, &m, 200, 228, 10000, G_MAXUINT64,
         "grow: committed 100 MiB + margin 128 MiB [UP: cache turnover 40 MiB]");
}

static void
test_clamped_balloon_only (void)
{
  BcDecision d = decision (BC_SOURCE_BALLOON, 41, 448, BC_CLAMP_SHRINK_RATE);
  BcMarginState m = margin (128, "initial margin");

  check (&d, &m, 512, 448, 10000, G_MAXUINT64,
         "shrink: used 41 MiB + margin 128 MiB [initial margin]; shrink rate limited");
}

/* A ceiling that won is said, even when the shrink rate shaped the target
 * last: the reason must not read as if used + margin were the want. */
static void
test_capped (void)
{
  BcDecision d = decision (BC_SOURCE_BALLOON, 256, 960, BC_CLAMP_SHRINK_RATE);
  BcMarginState m = margin (128, "initial margin");

  d.target.capped = TRUE;
  d.target.ceiling_kib = 200 * MIB;
  check (&d, &m, 1024, 960, 10000, G_MAXUINT64,
         "shrink: used 256 MiB + margin 128 MiB [initial margin]; capped at max 200 MiB; shrink rate limited");
  d.target.clamp = BC_CLAMP_MAX;
  d.target.target_kib = 200 * MIB;
  check (&d, &m, 260, 200, 10000, G_MAXUINT64,
         "shrink: used 256 MiB + margin 128 MiB [initial margin]; capped at max");
}

/* The floors do not fit and a domain is below its own: it is not "held at
 * its floor", it grows only into free room. */
static void
test_below_floor (void)
{
  BcDecision d = decision (BC_SOURCE_AGENT, 300, 500, BC_CLAMP_NONE);
  BcMarginState m = margin (200, "UP: refaults 64 MiB");
  BcExplainBudget over = { 2500, 100, 0, TRUE, FALSE };
  g_autofree char *got = NULL;

  d.target.floor_kib = 400 * MIB;
  got = bc_explain_change (&d, &m, 200 * MIB, 300 * MIB, &over);
  g_assert_cmpstr (got, ==, "grow: committed 300 MiB + margin 200 MiB [UP: refaults 64 MiB]; wants 500 MiB, "
                   "host budget: the floors do not fit, below its floor, growing only into free room, 25.00% of growth free now");
}

/* The arbiter granted less than the target: say how much was wanted, its
 * weighted share, and how much of the growth the budget allows now. */
static void
test_budget (void)
{
  BcDecision d = decision (BC_SOURCE_AGENT, 300, 900, BC_CLAMP_NONE);
  BcMarginState m = margin (600, "UP: refaults 64 MiB");

  check (&d, &m, 400, 500, 2000, 512 * MIB,
         "grow: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
         "host budget, weight 100: share 512 MiB, 20.00% of growth free now");
  /* above its share: memory is given back although more is wanted */
  check (&d, &m, 600, 536, 0, 512 * MIB,
         "shrink: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
         "host budget, weight 100: share 512 MiB");
  /* its own weight and share */
  check_weighted (&d, &m, 400, 500, 2000, 300, 768 * MIB, FALSE,
                  "grow: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
                  "host budget, weight 300: share 768 MiB, 20.00% of growth free now");
  /* every target fits: no share to speak of */
  check_weighted (&d, &m, 400, 500, 2000, 300, G_MAXUINT64, FALSE,
                  "grow: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
                  "20.00% of growth free now");
  /* the floors do not fit: no share to speak of */
  BcExplainBudget over = { 10000, 100, 0, TRUE, FALSE };
  g_autofree char *got = bc_explain_change (&d, &m, 600, 536, &over);

  g_assert_cmpstr (got, ==, "shrink: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
                   "host budget: the floors do not fit, held at its floor");
}

/* Floors that do not fit: said once, and once when they fit again. */
static void
test_budget_floors (void)
{
  BcPassBudget over = { .floors_over = TRUE, .floors_kib = 1536 * MIB, .managed_kib = 1024 * MIB };
  BcPassBudget fits = { .floors_over = FALSE, .floors_kib = 512 * MIB, .managed_kib = 1024 * MIB };
  gboolean said = FALSE;

  g_test_expect_message ("balloonctl-report", G_LOG_LEVEL_WARNING,
                         "host budget: the managed domains' floors (1536 MiB together) exceed the 1024 MiB it leaves them; "
                         "each is held at its floor, none below: one above gives back down to it, one below grows only into free room");
  bc_explain_budget (&over, &said);
  bc_explain_budget (&over, &said);
  g_test_assert_expected_messages ();
  g_assert_true (said);
  g_test_expect_message ("balloonctl-report", G_LOG_LEVEL_MESSAGE, "host budget: the managed domains' floors fit again");
  bc_explain_budget (&fits, &said);
  bc_explain_budget (&fits, &said);
  g_test_assert_expected_messages ();
  g_assert_false (said);
}

/* Growth the budget held back, granted once room is free: the margin may
 * already be shrinking, so the log says where the growth comes from. */
static void
test_budget_released (void)
{
  BcDecision d = decision (BC_SOURCE_AGENT, 100, 400, BC_CLAMP_NONE);
  BcMarginState m = margin (300, "DOWN: cache steady, no refaults");

  check_held (&d, &m, 300, 400, 10000, G_MAXUINT64, TRUE,
              "grow: committed 100 MiB + margin 300 MiB [DOWN: cache steady, no refaults]; "
              "growth the host budget held back until now");
  /* not held before: nothing to say; a shrink: nothing either */
  check_held (&d, &m, 300, 400, 10000, G_MAXUINT64, FALSE,
              "grow: committed 100 MiB + margin 300 MiB [DOWN: cache steady, no refaults]");
  check_held (&d, &m, 464, 400, 10000, G_MAXUINT64, TRUE,
              "shrink: committed 100 MiB + margin 300 MiB [DOWN: cache steady, no refaults]");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/plain", test_plain);
  g_test_add_func ("/explain/clamped-balloon-only", test_clamped_balloon_only);
  g_test_add_func ("/explain/budget", test_budget);
  g_test_add_func ("/explain/budget-released", test_budget_released);
  g_test_add_func ("/explain/budget-floors", test_budget_floors);
  g_test_add_func ("/explain/capped", test_capped);
  g_test_add_func ("/explain/below-floor", test_below_floor);
  return g_test_run ();
}
