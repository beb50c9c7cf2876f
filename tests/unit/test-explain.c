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
check_held (const BcDecision *d, const BcMarginState *m, guint64 current_mib, guint64 granted_mib,
            guint scale, guint64 level_kib, gboolean held_before, const char *want)
{
  g_autofree char *got = bc_explain_change (d, m, current_mib * MIB, granted_mib * MIB, scale, level_kib,
                                            held_before);

  g_assert_cmpstr (got, ==, want);
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

/* The arbiter granted less than the target: say how much was wanted, the
 * fair share, and how much of the growth the budget allows now. */
static void
test_budget (void)
{
  BcDecision d = decision (BC_SOURCE_AGENT, 300, 900, BC_CLAMP_NONE);
  BcMarginState m = margin (600, "UP: refaults 64 MiB");

  check (&d, &m, 400, 500, 2000, 512 * MIB,
         "grow: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
         "host budget: fair share 512 MiB, 20.00% of growth free now");
  /* above the fair share: memory is given back although more is wanted */
  check (&d, &m, 600, 536, 0, 512 * MIB,
         "shrink: committed 300 MiB + margin 600 MiB [UP: refaults 64 MiB]; wants 900 MiB, "
         "host budget: fair share 512 MiB");
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
  return g_test_run ();
}
