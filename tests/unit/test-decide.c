/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: which figures to trust, and the per-tick target. */
#include "bc-arbitrate.h"
#include "bc-decide.h"

#include <string.h>

#define MIB 1024

static BcBalloonFigures
balloon (guint64 current, guint64 max)
{
  BcBalloonFigures b = { 0 };

  b.current_kib = current * MIB;
  b.max_kib = max * MIB;
  b.have_stats = TRUE;
  b.guest_total_kib = current * MIB - 20 * MIB;
  b.usable_kib = b.guest_total_kib - 120 * MIB; /* 120 MiB used */
  b.disk_caches_kib = 50 * MIB;
  return b;
}

static BcGuestFigures
guest (gint64 at_ms, guint64 committed)
{
  BcGuestFigures g = { 0 };

  g.meminfo.mem_total_kib = 500 * MIB;
  g.meminfo.mem_available_kib = 380 * MIB; /* 120 MiB used */
  g.meminfo.cached_kib = 200 * MIB;
  g.meminfo.active_file_kib = 80 * MIB;
  g.meminfo.committed_as_kib = committed * MIB;
  g.at_ms = at_ms;
  return g;
}

static void
test_source (void)
{
  BcBalloonFigures b = balloon (512, 1024);
  BcGuestFigures g = guest (10000, 40);

  g_assert_cmpint (bc_decide_source (&b, &g, 12000, 5000), ==, BC_SOURCE_AGENT);
  g_assert_cmpint (bc_decide_source (&b, &g, 16000, 5000), ==, BC_SOURCE_BALLOON); /* stale */
  g_assert_cmpint (bc_decide_source (&b, NULL, 16000, 5000), ==, BC_SOURCE_BALLOON);
  b.usable_kib = b.guest_total_kib + 1; /* impossible figures */
  g_assert_cmpint (bc_decide_source (&b, NULL, 0, 5000), ==, BC_SOURCE_NONE);
  b = balloon (512, 1024);
  b.have_stats = FALSE;
  g_assert_cmpint (bc_decide_source (&b, NULL, 0, 5000), ==, BC_SOURCE_NONE);
}

static void
test_agent_target (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcBalloonFigures b = balloon (440, 1024);
  BcGuestFigures g = guest (1000, 300);
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  bc_margin_init (&m, &cfg.margin);
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpint (d.source, ==, BC_SOURCE_AGENT);
  g_assert_cmpuint (d.committed_kib, ==, 300 * MIB);
  g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
  g_assert_cmpuint (d.cached_kib, ==, 200 * MIB);
  g_assert_cmpuint (d.target.target_kib, ==, (300 + 128) * MIB);
  g_assert_cmpint (m.last_tick_ms, ==, 1000);
  /* not due yet: no margin tick */
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 2000, &d));
  g_assert_cmpint (m.last_tick_ms, ==, 1000);
}

static void
test_balloon_only_target (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 256 * MIB, 0 };
  BcBalloonFigures b = balloon (300, 1024);
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  bc_margin_init (&m, &cfg.margin);
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, NULL, 10000, &m, 1000, &d));
  g_assert_cmpint (d.source, ==, BC_SOURCE_BALLOON);
  g_assert_cmpuint (d.committed_kib, ==, 120 * MIB);
  /* used 120 + margin 128 = 248, below the metadata min of 256 */
  g_assert_cmpuint (d.target.target_kib, ==, 256 * MIB);
  g_assert_cmpint (d.target.clamp, ==, BC_CLAMP_MIN);
}

static void
test_metadata_max_over_config (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 384 * MIB };
  BcBalloonFigures b = balloon (512, 1024);
  BcGuestFigures g = guest (1000, 900);
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  cfg.domain_max_kib = 768 * MIB;
  bc_margin_init (&m, &cfg.margin);
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.target.target_kib, ==, 448 * MIB); /* shrink rate: 512 - 64 */
  g_assert_cmpuint (d.target.ceiling_kib, ==, 384 * MIB);
}

static void
test_anti_windup (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcBalloonFigures b = balloon (1000, 1024);
  BcGuestFigures g = guest (1000, 900);
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  bc_margin_init (&m, &cfg.margin);
  m.margin_kib = 4096 * MIB;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.target.target_kib, ==, 1024 * MIB);
  g_assert_cmpint (m.margin_kib, ==, 124 * MIB); /* 1024 - 900 */
  /* never below the configured margin floor */
  g.meminfo.committed_as_kib = 1020 * MIB;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 2000, &d));
  g_assert_cmpint (m.margin_kib, ==, cfg.margin.min_kib);
}

static void
test_nothing_known (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcBalloonFigures b = { .current_kib = 512 * MIB, .max_kib = 1024 * MIB };
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  bc_margin_init (&m, &cfg.margin);
  g_assert_false (bc_decide (&cfg, &pol, &b, b.current_kib, NULL, 10000, &m, 1000, &d));
}

static BcMeminfo
parse_meminfo (const char *text)
{
  g_autoptr (GError) error = NULL;
  BcMeminfo mi;

  g_assert_true (bc_meminfo_parse (text, strlen (text), &mi, &error));
  return mi;
}

/* Two domains of 8 GiB max share an 8 GiB budget through decide and the
 * arbiter for 200 ticks.  One guest is honest (2 GiB used, Committed_AS
 * 5.5 GiB: wants 5.6 GiB); the other reports 16 TiB of memory, none of it
 * available.  The liar may keep what it holds (it cannot be told apart
 * from a guest that uses it all) but never gets more than its fair share,
 * and the honest guest always gets at least its own. */
static void
run_liar (guint64 liar_start_mib, guint64 honest_start_mib)
{
  const char *honest =
    "MemTotal: 8388608 kB\nMemFree: 0 kB\nMemAvailable: 6291456 kB\nCached: 0 kB\n"
    "Active(file): 0 kB\nCommitted_AS: 5767168 kB\n";
  const char *liar =
    "MemTotal: 17179869184 kB\nMemFree: 0 kB\nMemAvailable: 0 kB\nCached: 0 kB\n"
    "Active(file): 0 kB\nCommitted_AS: 0 kB\n";
  const guint64 budget = 8192 * MIB;
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcMeminfo mi[2] = { parse_meminfo (liar), parse_meminfo (honest) };
  guint64 cur[2] = { liar_start_mib * MIB, honest_start_mib * MIB };
  BcMargin ms[2];

  bc_config_defaults (&cfg);
  bc_margin_init (&ms[0], &cfg.margin);
  bc_margin_init (&ms[1], &cfg.margin);
  for (gint64 tick = 0; tick < 200; tick++)
    {
      gint64 now = 1 + tick * 1000;
      BcClaim c[2] = { 0 };

      for (int i = 0; i < 2; i++)
        {
          BcBalloonFigures b = { cur[i], 8192 * MIB, FALSE, 0, 0, 0 };
          BcGuestFigures g = { mi[i], { 0 }, FALSE, now };
          BcDecision d;

          g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &ms[i], now, &d));
          g_assert_cmpuint (d.target.floor_kib, <=, MAX (cur[i], cfg.domain_min_kib));
          c[i].held_kib = cur[i];
          c[i].want_kib = d.target.target_kib;
          c[i].floor_kib = d.target.floor_kib;
        }
      bc_arbitrate (c, 2, budget, 0, cfg.clamp.max_shrink_kib, NULL);
      cur[0] = c[0].grant_kib;
      cur[1] = c[1].grant_kib;
      g_assert_cmpuint (cur[0] + cur[1], <=, MAX (budget, (liar_start_mib + honest_start_mib) * MIB));
    }
  g_assert_cmpuint (cur[0], <=, MAX (liar_start_mib * MIB, budget / 2));
  g_assert_cmpuint (cur[1], >=, MIN (5664 * MIB, budget - MAX (liar_start_mib * MIB, budget / 2)));
}

static void
test_liar (void)
{
  run_liar (4096, 4096); /* equal start: both end at the fair share */
  run_liar (1024, 4096); /* the liar grows only to its fair share */
  run_liar (512, 7680);  /* the honest guest grows into what it wants */
}

/* adaptive ticks on fresh samples only: an agent answering every other
 * 1 s pass, a guest refaulting a steady 1.5 MiB/s on a 1000 MiB cache
 * (under its 2 MiB/s target) is not seen as 3 MiB in one second */
static void
test_adaptive_fresh_samples (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcMargin m;
  guint ups = 0;

  bc_config_defaults (&cfg);
  cfg.policy = BC_POLICY_ADAPTIVE;
  bc_margin_init (&m, &cfg.margin);
  for (gint64 i = 0; i <= 20; i++)
    {
      gint64 now = 1000 * (i + 1);
      BcBalloonFigures b = balloon (1024, 2048);
      BcGuestFigures g = guest (1000 * (1 + (i / 2) * 2), 100);
      BcDecision d;

      g.meminfo.cached_kib = 1000 * MIB;
      g.have_vmstat = g.vmstat.have_refault = TRUE;
      g.vmstat.refault_file = (guint64) (i / 2) * 3 * MIB / 4; /* pages */
      g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, now, &d));
      ups += g_str_has_prefix (m.reason, "UP: refaults");
    }
  g_assert_cmpuint (ups, ==, 0);
}

/* A guest agent that claims to use all the guest holds does not raise the
 * "used + guard" floor past what the guest kernel's balloon driver says it
 * uses: the floor is honoured even past a domain's share. */
static void
test_agent_used_bounded (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcBalloonFigures b = balloon (500, 1024);
  BcGuestFigures g = guest (1000, 100);
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  bc_margin_init (&m, &cfg.margin);
  g.meminfo.mem_available_kib = 0;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
  g_assert_cmpuint (d.target.floor_kib, ==, (120 + 64) * MIB);
  /* without balloon statistics (or no MemAvailable in them), its word */
  b.usable_kib = 0;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 500 * MIB);
  /* a guest whose agent says less than its balloon driver: the agent */
  b = balloon (500, 1024);
  g = guest (1000, 100);
  g.meminfo.mem_available_kib = 420 * MIB;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 80 * MIB);
}

/* A guest with deflate-on-oom: MemTotal stays at its boot size (1000 MiB)
 * with the balloon at 500 MiB; the 500 MiB the balloon holds are not
 * what it uses (it used to be taken for 620 MiB used, and the "used +
 * guard" floor chased the balloon). */
static void
test_autodeflate_used (void)
{
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, 0, 0 };
  BcBalloonFigures b = balloon (500, 1024);
  BcGuestFigures g = guest (1000, 100);
  BcMargin m;
  BcDecision d;

  bc_config_defaults (&cfg);
  bc_margin_init (&m, &cfg.margin);
  b.autodeflate = TRUE;
  g.meminfo.mem_total_kib = 1000 * MIB;
  g.meminfo.mem_available_kib = 380 * MIB;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
  g_assert_cmpuint (d.target.floor_kib, ==, (120 + 64) * MIB);
  /* the same from balloon statistics alone */
  b.guest_total_kib = 1000 * MIB;
  b.usable_kib = 380 * MIB;
  bc_margin_init (&m, &cfg.margin);
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, NULL, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
  /* without deflate-on-oom MemTotal follows the balloon: nothing taken */
  b = balloon (500, 1024);
  g.meminfo.mem_total_kib = 480 * MIB;
  g.meminfo.mem_available_kib = 360 * MIB;
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
  /* ...even while it settles below MemTotal */
  b = balloon (400, 1024);
  g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, 1000, &d));
  g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
  /* with deflate-on-oom, while a shrink to 400 MiB is under way (the
   * balloon still at 500) and while a growth to 600 MiB is (still at
   * 500): what the balloon holds now is what is not used, not what it
   * settles to (the growth used to be taken for 100 MiB more used) */
  g.meminfo.mem_total_kib = 1000 * MIB;
  g.meminfo.mem_available_kib = 380 * MIB;
  for (guint64 settles = 400; settles <= 600; settles += 200)
    {
      b = balloon (500, 1024);
      b.autodeflate = TRUE;
      b.guest_total_kib = 1000 * MIB; /* the balloon driver's MemTotal */
      b.usable_kib = 380 * MIB;
      bc_margin_init (&m, &cfg.margin);
      g_assert_true (bc_decide (&cfg, &pol, &b, settles * MIB, &g, 10000, &m, 1000, &d));
      g_assert_cmpuint (d.used_kib, ==, 120 * MIB);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decide/source", test_source);
  g_test_add_func ("/decide/agent-target", test_agent_target);
  g_test_add_func ("/decide/balloon-only-target", test_balloon_only_target);
  g_test_add_func ("/decide/metadata-max-over-config", test_metadata_max_over_config);
  g_test_add_func ("/decide/anti-windup", test_anti_windup);
  g_test_add_func ("/decide/nothing-known", test_nothing_known);
  g_test_add_func ("/decide/liar-takes-no-share", test_liar);
  g_test_add_func ("/decide/adaptive-fresh-samples", test_adaptive_fresh_samples);
  g_test_add_func ("/decide/autodeflate-used", test_autodeflate_used);
  g_test_add_func ("/decide/agent-used-bounded", test_agent_used_bounded);
  return g_test_run ();
}
