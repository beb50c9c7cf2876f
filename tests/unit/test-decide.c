/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: which figures to trust, and the per-tick target. */
#include "bc-arbitrate.h"
#include "bc-decide.h"

#include <string.h>

#define MIB 1024
/* an override meaning "0" where 0 in a row means "as the helper fills it" */
#define ZERO G_GINT64_CONSTANT (-1)

/* One call: a domain's figures in, what decide (or decide_source) makes of
 * them out.  Sizes in MiB unless named _kib.  A want of 0 is not checked. */
typedef struct {
  gint64 now_ms;
  /* balloon statistics as row_balloon fills them (MemTotal current - 20
   * MiB, 120 MiB of it used, 50 MiB of caches) unless changed here */
  guint64 current_mib, max_mib;
  gboolean bare;           /* only current and max, no statistics */
  gboolean no_stats;       /* have_stats FALSE, the figures left in */
  gint64 guest_total_kib;  /* MemTotal; 0: row_balloon's, ZERO: 0 */
  gint64 usable_kib;       /* MemAvailable; 0: row_balloon's, ZERO: 0 */
  gboolean autodeflate;
  guint64 settled_mib;     /* the size it settles to; 0: current_mib */
  /* the guest agent's figures as row_guest fills them (MemTotal 500 MiB,
   * 380 available, 200 cached, 80 active) unless changed here */
  gboolean agent;
  gint64 agent_at_ms;
  guint64 committed_mib;
  guint64 total_mib;       /* MemTotal; 0: 500 */
  gint64 available_mib;    /* MemAvailable; 0: 380, ZERO: 0 */
  /* decide_source only */
  gint64 max_age_ms;
  /* what must come out */
  struct {
    gboolean fails;        /* decide returns FALSE */
    BcSource source;       /* 0 (NONE) is checked in the source table */
    guint64 committed, used, cached, target, floor, ceiling;
    BcClamp clamp;
    gint64 margin;         /* after the call; FLOOR: the configured min */
    gint64 last_tick_ms;   /* after the call */
  } want;
} Row;
#define FLOOR G_GINT64_CONSTANT (-1)

/* Rows decided one after another on one domain (its margin state carries
 * over), with its limits and configuration. */
typedef struct {
  const char *name;
  guint64 pol_min_mib, pol_max_mib; /* its metadata's, 0 = none */
  guint64 cfg_max_mib;              /* [domain] max-mib, 0 = default */
  gint64 margin_mib;                /* at the start, 0 = the initial */
  Row rows[4];
  guint n;
} Trace;

static guint64
or_default (gint64 given, guint64 dflt)
{
  if (given == ZERO)
    return 0;
  return given ? (guint64) given : dflt;
}

static BcBalloonFigures
row_balloon (const Row *r)
{
  BcBalloonFigures b = { 0 };

  b.current_kib = r->current_mib * MIB;
  b.max_kib = r->max_mib * MIB;
  if (r->bare)
    return b;
  b.have_stats = !r->no_stats;
  b.guest_total_kib = or_default (r->guest_total_kib, r->current_mib * MIB - 20 * MIB);
  b.usable_kib = or_default (r->usable_kib, b.guest_total_kib - 120 * MIB); /* 120 MiB used */
  b.disk_caches_kib = 50 * MIB;
  b.autodeflate = r->autodeflate;
  return b;
}

/* NULL without an agent */
static const BcGuestFigures *
row_guest (const Row *r, BcGuestFigures *g)
{
  if (!r->agent)
    return NULL;
  memset (g, 0, sizeof *g);
  g->meminfo.mem_total_kib = (r->total_mib ? r->total_mib : 500) * MIB;
  g->meminfo.mem_available_kib = or_default (r->available_mib, 380) * MIB; /* 120 MiB used */
  g->meminfo.cached_kib = 200 * MIB;
  g->meminfo.active_file_kib = 80 * MIB;
  g->meminfo.committed_as_kib = r->committed_mib * MIB;
  g->at_ms = r->agent_at_ms;
  return g;
}

/* Which figures to trust: the agent's while fresh, else the balloon's
 * while they make sense. */
static const Row source_rows[] = {
  { .now_ms = 12000, .current_mib = 512, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 10000,
    .committed_mib = 40, .max_age_ms = 5000, .want.source = BC_SOURCE_AGENT },
  /* stale */
  { .now_ms = 16000, .current_mib = 512, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 10000,
    .committed_mib = 40, .max_age_ms = 5000, .want.source = BC_SOURCE_BALLOON },
  { .now_ms = 16000, .current_mib = 512, .max_mib = 1024, .max_age_ms = 5000, .want.source = BC_SOURCE_BALLOON },
  /* impossible figures: more available than there is */
  { .now_ms = 0, .current_mib = 512, .max_mib = 1024, .usable_kib = 492 * MIB + 1, .max_age_ms = 5000,
    .want.source = BC_SOURCE_NONE },
  { .now_ms = 0, .current_mib = 512, .max_mib = 1024, .no_stats = TRUE, .max_age_ms = 5000,
    .want.source = BC_SOURCE_NONE },
};

static void
test_source (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (source_rows); i++)
    {
      const Row *r = &source_rows[i];
      BcBalloonFigures b = row_balloon (r);
      BcGuestFigures g;

      g_test_message ("source row %u", i);
      g_assert_cmpint (bc_decide_source (&b, row_guest (r, &g), r->now_ms, r->max_age_ms), ==, r->want.source);
    }
}

static const Trace traces[] = {
  { "agent-target", .rows = {
      { .now_ms = 1000, .current_mib = 440, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 300,
        .want = { .source = BC_SOURCE_AGENT, .committed = 300, .used = 120, .cached = 200, .target = 300 + 128,
                  .last_tick_ms = 1000 } },
      /* not due yet: no margin tick */
      { .now_ms = 2000, .current_mib = 440, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 300,
        .want.last_tick_ms = 1000 },
    }, 2 },
  /* used 120 + margin 128 = 248, below the metadata min of 256 */
  { "balloon-only-target", .pol_min_mib = 256, .rows = {
      { .now_ms = 1000, .current_mib = 300, .max_mib = 1024,
        .want = { .source = BC_SOURCE_BALLOON, .committed = 120, .target = 256, .clamp = BC_CLAMP_MIN } },
    }, 1 },
  /* shrink rate: 512 - 64; the metadata's max wins over [domain] max-mib */
  { "metadata-max-over-config", .pol_max_mib = 384, .cfg_max_mib = 768, .rows = {
      { .now_ms = 1000, .current_mib = 512, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 900,
        .want = { .target = 448, .ceiling = 384 } },
    }, 1 },
  /* a margin wound far above what fits is brought back to 1024 - 900, and
   * never below the configured margin floor */
  { "anti-windup", .margin_mib = 4096, .rows = {
      { .now_ms = 1000, .current_mib = 1000, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 900,
        .want = { .target = 1024, .margin = 124 } },
      { .now_ms = 2000, .current_mib = 1000, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 1020,
        .want.margin = FLOOR },
    }, 2 },
  { "nothing-known", .rows = {
      { .now_ms = 1000, .current_mib = 512, .max_mib = 1024, .bare = TRUE, .want.fails = TRUE },
    }, 1 },
  /* A guest agent that claims to use all the guest holds does not raise
   * the "used + guard" floor past what the guest kernel's balloon driver
   * says it uses: the floor is honoured even past a domain's share. */
  { "agent-used-bounded", .rows = {
      { .now_ms = 1000, .current_mib = 500, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 100,
        .available_mib = ZERO, .want = { .used = 120, .floor = 120 + 64 } },
      /* without balloon statistics (or no MemAvailable in them), its word */
      { .now_ms = 1000, .current_mib = 500, .max_mib = 1024, .usable_kib = ZERO, .agent = TRUE, .agent_at_ms = 1000,
        .committed_mib = 100, .available_mib = ZERO, .want.used = 500 },
      /* a guest whose agent says less than its balloon driver: the agent */
      { .now_ms = 1000, .current_mib = 500, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 100,
        .available_mib = 420, .want.used = 80 },
    }, 3 },
  /* A guest with deflate-on-oom: MemTotal stays at its boot size (1000
   * MiB) with the balloon at 500 MiB; the 500 MiB the balloon holds are
   * not what it uses (it used to be taken for 620 MiB used, and the "used
   * + guard" floor chased the balloon). */
  { "autodeflate-used/agent", .rows = {
      { .now_ms = 1000, .current_mib = 500, .max_mib = 1024, .autodeflate = TRUE, .agent = TRUE, .agent_at_ms = 1000,
        .committed_mib = 100, .total_mib = 1000, .available_mib = 380, .want = { .used = 120, .floor = 120 + 64 } },
    }, 1 },
  { "autodeflate-used/balloon", .rows = {
      /* the same from balloon statistics alone */
      { .now_ms = 1000, .current_mib = 500, .max_mib = 1024, .autodeflate = TRUE, .guest_total_kib = 1000 * MIB,
        .usable_kib = 380 * MIB, .want.used = 120 },
      /* without deflate-on-oom MemTotal follows the balloon: nothing taken */
      { .now_ms = 1000, .current_mib = 500, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 100,
        .total_mib = 480, .available_mib = 360, .want.used = 120 },
      /* ...even while it settles below MemTotal */
      { .now_ms = 1000, .current_mib = 400, .max_mib = 1024, .agent = TRUE, .agent_at_ms = 1000, .committed_mib = 100,
        .total_mib = 480, .available_mib = 360, .want.used = 120 },
    }, 3 },
  /* with deflate-on-oom, while a shrink to 400 MiB is under way (the
   * balloon still at 500) and while a growth to 600 MiB is (still at
   * 500): what the balloon holds now is what is not used, not what it
   * settles to (the growth used to be taken for 100 MiB more used) */
  { "autodeflate-used/shrinking", .rows = {
      { .now_ms = 1000, .current_mib = 500, .settled_mib = 400, .max_mib = 1024, .autodeflate = TRUE,
        .guest_total_kib = 1000 * MIB, .usable_kib = 380 * MIB, .agent = TRUE, .agent_at_ms = 1000,
        .committed_mib = 100, .total_mib = 1000, .available_mib = 380, .want.used = 120 },
    }, 1 },
  { "autodeflate-used/growing", .rows = {
      { .now_ms = 1000, .current_mib = 500, .settled_mib = 600, .max_mib = 1024, .autodeflate = TRUE,
        .guest_total_kib = 1000 * MIB, .usable_kib = 380 * MIB, .agent = TRUE, .agent_at_ms = 1000,
        .committed_mib = 100, .total_mib = 1000, .available_mib = 380, .want.used = 120 },
    }, 1 },
};

static void
check_row (const Row *r, const BcConfig *cfg, const BcMargin *m, gboolean ok, const BcDecision *d)
{
  if (r->want.fails)
    {
      g_assert_false (ok);
      return;
    }
  g_assert_true (ok);
#define WANT(field, got) if (r->want.field) g_assert_cmpuint ((got), ==, r->want.field * MIB)
  if (r->want.source)
    g_assert_cmpint (d->source, ==, r->want.source);
  WANT (committed, d->committed_kib);
  WANT (used, d->used_kib);
  WANT (cached, d->cached_kib);
  WANT (target, d->target.target_kib);
  WANT (floor, d->target.floor_kib);
  WANT (ceiling, d->target.ceiling_kib);
#undef WANT
  if (r->want.clamp)
    g_assert_cmpint (d->target.clamp, ==, r->want.clamp);
  if (r->want.margin)
    {
      gint64 want_margin_kib = r->want.margin == FLOOR ? (gint64) cfg->margin.min_kib : r->want.margin * MIB;

      g_assert_cmpint (m->margin_kib, ==, want_margin_kib);
    }
  if (r->want.last_tick_ms)
    g_assert_cmpint (m->last_tick_ms, ==, r->want.last_tick_ms);
}

static void
run_trace (gconstpointer data)
{
  const Trace *t = data;
  BcConfig cfg;
  BcDomainLimits pol = { TRUE, t->pol_min_mib * MIB, t->pol_max_mib * MIB };
  BcMargin m;

  bc_config_defaults (&cfg);
  if (t->cfg_max_mib)
    cfg.domain_max_kib = t->cfg_max_mib * MIB;
  bc_margin_init (&m, &cfg.margin);
  if (t->margin_mib)
    m.margin_kib = t->margin_mib * MIB;
  for (guint i = 0; i < t->n; i++)
    {
      const Row *r = &t->rows[i];
      BcBalloonFigures b = row_balloon (r);
      BcGuestFigures g;
      BcDecision d;
      guint64 settled_kib = r->settled_mib ? r->settled_mib * MIB : b.current_kib;
      gboolean ok = bc_decide (&cfg, &pol, &b, settled_kib, row_guest (r, &g), 10000, &m, r->now_ms, &d);

      g_test_message ("%s row %u: %s, target %" G_GUINT64_FORMAT " KiB, used %" G_GUINT64_FORMAT " KiB", t->name, i,
                      ok ? "decided" : "left alone", ok ? d.target.target_kib : 0, ok ? d.used_kib : 0);
      check_row (r, &cfg, &m, ok, &d);
    }
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

static const struct {
  guint64 liar_start_mib, honest_start_mib;
} liar_rows[] = {
  { 4096, 4096 }, /* equal start: both end at the fair share */
  { 1024, 4096 }, /* the liar grows only to its fair share */
  { 512, 7680 },  /* the honest guest grows into what it wants */
};

static void
test_liar (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (liar_rows); i++)
    run_liar (liar_rows[i].liar_start_mib, liar_rows[i].honest_start_mib);
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
      Row r = { .current_mib = 1024, .max_mib = 2048, .agent = TRUE, .agent_at_ms = 1000 * (1 + (i / 2) * 2),
                .committed_mib = 100 };
      BcBalloonFigures b = row_balloon (&r);
      BcGuestFigures g;
      BcDecision d;

      row_guest (&r, &g);
      g.meminfo.cached_kib = 1000 * MIB;
      g.have_vmstat = g.vmstat.have_refault = TRUE;
      g.vmstat.refault_file = (guint64) (i / 2) * 3 * MIB / 4; /* pages */
      g_assert_true (bc_decide (&cfg, &pol, &b, b.current_kib, &g, 10000, &m, now, &d));
      /* no growth of any kind: refaults, new cache or first reads */
      ups += g_str_has_prefix (m.reason, "UP: ") && !g_str_has_prefix (m.reason, "UP: holding");
    }
  g_assert_cmpuint (ups, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/decide/source", test_source);
  for (guint i = 0; i < G_N_ELEMENTS (traces); i++)
    {
      g_autofree char *path = g_strconcat ("/decide/", traces[i].name, NULL);

      g_test_add_data_func (path, &traces[i], run_trace);
    }
  g_test_add_func ("/decide/liar-takes-no-share", test_liar);
  g_test_add_func ("/decide/adaptive-fresh-samples", test_adaptive_fresh_samples);
  return g_test_run ();
}
