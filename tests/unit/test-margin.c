/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every branch of the UP/DOWN rules, as tables of input traces with the
 * expected state and margin after each tick. */
#include "bc-margin.h"
#include "bc-policy.h"
#include "bc-mom.h"
#include "bc-adaptive.h"

#define MIB 1024
/* step 64, down 32, threshold 4, margin 32..1024, initial 128 (MiB) */
static const BcMarginParams params = {
  .initial_kib = 128 * MIB, .min_kib = 32 * MIB, .max_kib = 1024 * MIB,
  .step_kib = 64 * MIB, .down_step_kib = 32 * MIB, .threshold_kib = 4 * MIB,
};

typedef struct {
  gint64 cached_mib;
  gint64 active_mib;
  gint64 refault_mib; /* cumulative; -1 = no vmstat */
  BcState state;      /* expected after the tick */
  gint64 margin_mib;  /* expected after the tick */
  gint64 inactive_mib; /* Inactive(file) */
  gint64 free_mib;    /* MemFree */
  gint64 read_mib;    /* cumulative, read from disks (pgpgin); 0 = not known */
} Step;

typedef struct {
  const char *name;
  BcPolicy policy;
  BcState start;
  Step steps[16];
  guint n;
  gint64 tick_ms;     /* 0: 5000 */
} Trace;

#define UP BC_STATE_UP
#define DOWN BC_STATE_DOWN
static const Trace traces[] = {
  /* first sample only sets the baseline */
  { "baseline", BC_POLICY_PAPER, UP, { { 100, 50, 0, UP, 128 } }, 1 },
  /* paper: UP with growing cache grows the margin */
  { "paper/up-cache-grows", BC_POLICY_PAPER, UP,
    { { 100, 50, 0, UP, 128 }, { 200, 50, 0, UP, 192 }, { 300, 50, 0, UP, 256 } }, 3 },
  /* paper: UP with a cache shrinking under our balloon is no demand */
  { "paper/up-cache-shrinks", BC_POLICY_PAPER, UP,
    { { 300, 50, 0, UP, 128 }, { 200, 50, 0, DOWN, 128 } }, 2 },
  /* paper: UP with only Active(file) increasing grows, by that much */
  { "paper/up-active-grows", BC_POLICY_PAPER, UP,
    { { 100, 50, 0, UP, 128 }, { 100, 80, 0, UP, 158 } }, 2 },
  /* paper: UP, flat cache but refaults (a full cache being replaced) grows */
  { "paper/up-refaults", BC_POLICY_PAPER, UP,
    { { 100, 50, 0, UP, 128 }, { 100, 50, 400, UP, 192 }, { 101, 50, 800, UP, 256 } }, 3 },
  /* paper: UP, all steady -> DOWN with the margin unchanged, then shrinks */
  { "paper/up-steady-to-down", BC_POLICY_PAPER, UP,
    { { 100, 50, 0, UP, 128 }, { 101, 51, 1, DOWN, 128 }, { 101, 51, 1, DOWN, 96 },
      { 100, 50, 2, DOWN, 64 }, { 100, 50, 2, DOWN, 32 }, { 100, 50, 2, DOWN, 32 } }, 6 },
  /* paper: DOWN, refaults -> margin up and UP */
  { "paper/down-refaults-to-up", BC_POLICY_PAPER, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 100, 50, 100, UP, 192 } }, 2 },
  /* paper: DOWN, cache grows -> UP, the margin by the growth */
  { "paper/down-cache-grows-to-up", BC_POLICY_PAPER, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 150, 50, 0, UP, 178 } }, 2 },
  /* paper: a few refaults after a shrink grow the margin a little, not a
   * full step (the saw-tooth of small working sets) */
  { "paper/small-refault", BC_POLICY_PAPER, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 98, 50, 10, UP, 138 }, { 98, 52, 12, DOWN, 138 } }, 3 },
  /* paper: DOWN, cache shrinks (we took it) -> keep shrinking */
  { "paper/down-cache-shrinks", BC_POLICY_PAPER, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 50, 20, 0, DOWN, 96 } }, 2 },
  /* paper: DOWN, Active(file) rises alone -> still DOWN (no turnover) */
  { "paper/down-active-only", BC_POLICY_PAPER, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 100, 90, 0, DOWN, 96 } }, 2 },
  /* paper: a refault counter going backwards (guest reboot) is no turnover */
  { "paper/counter-reset", BC_POLICY_PAPER, DOWN,
    { { 100, 50, 5000, DOWN, 128 }, { 100, 50, 10, DOWN, 96 } }, 2 },
  /* paper without vmstat: size signals only */
  { "paper/no-vmstat", BC_POLICY_PAPER, DOWN,
    { { 100, 50, -1, DOWN, 128 }, { 100, 50, -1, DOWN, 96 }, { 200, 50, -1, UP, 160 } }, 3 },
  /* paper: margin capped at max */
  { "paper/cap", BC_POLICY_PAPER, UP,
    { { 0, 0, 0, UP, 128 }, { 0, 0, 2000, UP, 192 }, { 0, 0, 4000, UP, 256 }, { 0, 0, 6000, UP, 320 } }, 4 },

  /* literal: UP, cache changing -> up */
  { "literal/up-cache-changes", BC_POLICY_PAPER_LITERAL, UP,
    { { 100, 50, 0, UP, 128 }, { 50, 50, 0, UP, 192 } }, 2 },
  /* literal: UP, active increasing -> up */
  { "literal/up-active-grows", BC_POLICY_PAPER_LITERAL, UP,
    { { 100, 50, 0, UP, 128 }, { 100, 60, 0, UP, 192 } }, 2 },
  /* literal: UP, refaults are ignored -> DOWN */
  { "literal/up-refaults-ignored", BC_POLICY_PAPER_LITERAL, UP,
    { { 100, 50, 0, UP, 128 }, { 100, 50, 900, DOWN, 128 } }, 2 },
  /* literal: DOWN, cache not increasing -> down */
  { "literal/down-cache-flat", BC_POLICY_PAPER_LITERAL, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 100, 30, 0, DOWN, 96 } }, 2 },
  /* literal: DOWN, cache increasing but active not decreasing -> down */
  { "literal/down-active-flat", BC_POLICY_PAPER_LITERAL, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 200, 50, 0, DOWN, 96 } }, 2 },
  /* literal: DOWN, cache increasing and active decreasing -> up, UP */
  { "literal/down-to-up", BC_POLICY_PAPER_LITERAL, DOWN,
    { { 100, 50, 0, DOWN, 128 }, { 200, 30, 0, UP, 192 } }, 2 },
  /* literal: stuck at the floor: a full cache stays flat while the guest
   thrashes (refaults climb), and the literal rules keep shrinking */
  { "literal/stuck-at-floor", BC_POLICY_PAPER_LITERAL, DOWN,
    { { 108, 48, 0, DOWN, 128 }, { 108, 48, 500, DOWN, 96 }, { 109, 49, 1000, DOWN, 64 },
      { 108, 48, 1500, DOWN, 32 }, { 108, 48, 2000, DOWN, 32 } }, 5 },
  /* ...which paper follows: */
  { "paper/not-stuck", BC_POLICY_PAPER, DOWN,
    { { 108, 48, 0, DOWN, 128 }, { 108, 48, 500, UP, 192 }, { 109, 49, 1000, UP, 256 } }, 3 },
  /* adaptive (ticks of 1 s): while nothing refaults, probe down by a
     quarter of the cold memory a second (inactive file cache, free beyond
     8 MiB), at most 16 (half the down step), at least 1 */
  { "adaptive/probe-cold", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128, 40, 0 }, { 100, 50, 0, DOWN, 118, 40, 0 }, { 100, 50, 0, DOWN, 108, 40, 0 },
      { 100, 50, 0, DOWN, 98, 0, 48 }, { 100, 50, 0, DOWN, 88, 0, 48 }, { 100, 50, 0, DOWN, 72, 200, 0 },
      { 100, 50, 0, DOWN, 71, 0, 0 }, { 100, 50, 0, DOWN, 70, 0, 8 }, { 100, 50, 0, DOWN, 66, 8, 16 } }, 9, 1000 },
  /* adaptive: with nothing cold, the least probe is 0.5 % of the cache a
     second when that is more than 1 MiB */
  { "adaptive/probe-least", BC_POLICY_ADAPTIVE, UP,
    { { 1000, 50, 0, UP, 128 }, { 1000, 50, 0, DOWN, 123 }, { 1000, 50, 0, DOWN, 118 } }, 3, 1000 },
  /* adaptive: ...but never more than half the down step (an 8000 MiB
     cache: 40 MiB/s, capped at 16), and near an edge at most 4 MiB/s, a
     quarter of the edge zone, so a probe that finds the edge again starts
     its growth within the zone (the hold doubles: 10 s) */
  { "adaptive/probe-least-bounded", BC_POLICY_ADAPTIVE, UP,
    { { 8000, 50, 0, UP, 128 }, { 8000, 50, 0, DOWN, 112 }, { 8000, 50, 100, UP, 176 },
      { 8000, 50, 100, UP, 176 }, { 8000, 50, 100, UP, 176 }, { 8000, 50, 100, UP, 176 },
      { 8000, 50, 100, UP, 176 }, { 8000, 50, 100, DOWN, 160 }, { 8000, 50, 100, DOWN, 144 },
      { 8000, 50, 100, DOWN, 128 }, { 8000, 50, 100, DOWN, 124 }, { 8000, 50, 100, DOWN, 120 },
      { 8000, 50, 200, UP, 184 }, { 8000, 50, 200, UP, 184 } }, 14, 1000 },
  /* adaptive: refaults grow the margin by what refaulted, boosted: 10 MiB
     a second in a 100 MiB cache is 50 times the tolerance, so 4 x; 5 s of
     hold; then a quarter of the cold memory a second, and the least step
     once within 16 MiB of where refaults began (128) */
  { "adaptive/grows-holds-probes", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128 }, { 100, 50, 10, UP, 168 }, { 100, 50, 10, UP, 168, 40 },
      { 100, 50, 10, UP, 168, 40 }, { 100, 50, 10, UP, 168, 40 }, { 100, 50, 10, UP, 168, 40 },
      { 100, 50, 10, DOWN, 158, 40 }, { 100, 50, 10, DOWN, 148, 40 }, { 100, 50, 10, DOWN, 138, 40 },
      { 100, 50, 10, DOWN, 137, 40 }, { 100, 50, 10, DOWN, 136, 40 } }, 11, 1000 },
  /* adaptive: the boost is refaults / (8 x the tolerance), 1 to 4: a
     1000 MiB cache tolerates 2 MiB/s; 20 MiB/s grows by 20, 40 MiB/s by
     80, capped at the 64 MiB step */
  { "adaptive/boost", BC_POLICY_ADAPTIVE, UP,
    { { 1000, 50, 0, UP, 128 }, { 1000, 50, 20, UP, 148 }, { 1000, 50, 60, UP, 212 } }, 3, 1000 },
  /* adaptive: a full cache moving by less than the threshold is noise */
  { "adaptive/cache-noise", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128 }, { 103, 50, 0, DOWN, 127 }, { 100, 50, 0, DOWN, 126 } }, 3, 1000 },
  /* adaptive: growth is at most a step a tick */
  { "adaptive/grow-capped", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128 }, { 100, 50, 500, UP, 192 } }, 2, 1000 },
  /* adaptive: refaults up to 0.2 % of the cache a second are noise (a
     1000 MiB cache: 2 MiB/s); the first growth after a probe is at least
     the 8 MiB headroom */
  { "adaptive/noise-tolerated", BC_POLICY_ADAPTIVE, UP,
    { { 1000, 50, 0, UP, 128 }, { 1000, 50, 2, DOWN, 123 }, { 1000, 50, 5, UP, 131 } }, 3, 1000 },
  /* adaptive: a new working set read for the first time shows as cache
     growth before any refault */
  { "adaptive/new-working-set", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128 }, { 200, 50, 0, UP, 192 } }, 2, 1000 },
  /* adaptive: a full guest reading more from its disk than its cache grew
     and its refaults account for (a new working set read for the first
     time: no page refaults before its second read) grows by those first
     reads, up to a credit of 64 MiB; spent, it holds, then probes, and a
     quiet second does not make it whole again (adaptive-first-reads-refill) */
  { "adaptive/first-reads", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128, 0, 0, 1000 }, { 100, 50, 0, DOWN, 127, 0, 0, 1002 },
      { 100, 50, 0, UP, 167, 0, 0, 1042 }, { 100, 50, 0, UP, 191, 0, 0, 1082 },
      { 100, 50, 0, UP, 191, 0, 0, 1122 }, { 100, 50, 0, UP, 191, 0, 0, 1162 },
      { 100, 50, 0, UP, 191, 0, 0, 1202 }, { 100, 50, 0, UP, 191, 0, 0, 1242 },
      { 100, 50, 0, DOWN, 190, 0, 0, 1282 }, { 100, 50, 0, DOWN, 189, 0, 0, 1284 },
      { 100, 50, 0, DOWN, 188, 0, 0, 1324 } }, 11, 1000 },
  /* adaptive: reads the cache grew by are no first reads (the cache
     filling what the last growth gave: it holds), nor reads that
     refaulted (they grow by the refault law, 40 MiB/s on a 1000 MiB cache
     boosted to the 64 MiB step, and leave the credit whole for the first
     reads of the next tick) */
  { "adaptive/first-reads-accounted", BC_POLICY_ADAPTIVE, UP,
    { { 1000, 50, 0, UP, 128, 0, 0, 1000 }, { 1000, 50, 0, DOWN, 123, 0, 0, 1002 },
      { 1030, 50, 0, UP, 153, 0, 0, 1032 }, { 1057, 50, 0, UP, 153, 0, 0, 1059 },
      { 1057, 50, 40, UP, 217, 0, 0, 1099 }, { 1057, 50, 40, UP, 257, 0, 0, 1139 } }, 6, 1000 },
  /* adaptive: a read counter unknown (0: a recording made before it) or
     going backwards (a guest reboot) is no first reads; counted again from
     the new value on (40 MiB read after it grow the margin by 40) */
  { "adaptive/first-reads-unknown", BC_POLICY_ADAPTIVE, UP,
    { { 100, 50, 0, UP, 128, 0, 0, 1000 }, { 100, 50, 0, DOWN, 127, 0, 0, 1002 },
      { 100, 50, 0, DOWN, 126, 0, 0, 0 }, { 100, 50, 0, DOWN, 125, 0, 0, 900 },
      { 100, 50, 0, DOWN, 124, 0, 0, 10 }, { 100, 50, 0, DOWN, 123, 0, 0, 12 },
      { 100, 50, 0, UP, 163, 0, 0, 52 } }, 7, 1000 },
  /* adaptive: a cache shrunk by the balloon is no demand */
  { "adaptive/cache-shrunk-by-us", BC_POLICY_ADAPTIVE, UP,
    { { 300, 50, 0, UP, 128 }, { 200, 50, 0, DOWN, 127 } }, 2, 1000 },
  /* adaptive without refault figures (no vmstat, or balloon figures only):
     the paper's rules, as paper/no-vmstat */
  { "adaptive/no-vmstat", BC_POLICY_ADAPTIVE, DOWN,
    { { 100, 50, -1, DOWN, 128 }, { 100, 50, -1, DOWN, 96 }, { 200, 50, -1, UP, 160 } }, 3 },
  /* committed: the reserve never moves, whatever the cache does */
  { "committed/fixed", BC_POLICY_COMMITTED, UP,
    { { 100, 50, 0, UP, 128 }, { 300, 50, 500, UP, 128 }, { 100, 10, 500, UP, 128 } }, 3 },
};

/* oVirt MoM's rules, from its doc/balloon.rules (sizes in MiB, host free
 * in 1/10000). */
static void
test_mom (void)
{
  static const struct {
    guint64 size, max, free;
    guint host_free_bp;
    guint64 want;
  } cases[] = {
    { 1000, 2048, 500, 1000, 950 },   /* host short: -5 %, floor used + 10 % */
    { 1000, 2048, 50, 1000, 1000 },   /* ...not below used + host free share */
    { 1000, 2048, 50, 200, 950 },     /* critical: floor used - 3 % (920): -5 % */
    { 1000, 2048, 100, 5000, 1100 },  /* host free: +5 %, at least used + 20 % */
    { 1000, 1040, 500, 5000, 1040 },  /* never above max */
    { 1000, 1002, 500, 5000, 1000 },  /* under 0.25 %: no change */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpuint (bc_mom_target (cases[i].size * MIB, cases[i].max * MIB, cases[i].free * MIB,
                                     cases[i].host_free_bp), ==, cases[i].want * MIB);
}

static void
run_trace (gconstpointer data)
{
  const Trace *t = data;
  BcMarginParams p = params;
  BcMargin st;

  if (g_str_has_suffix (t->name, "/cap"))
    p.max_kib = 320 * MIB;
  bc_margin_init (&st, &p);
  st.state = t->start;
  for (guint i = 0; i < t->n; i++)
    {
      const Step *s = &t->steps[i];
      BcMarginSample sample = {
        .cached_kib = (guint64) s->cached_mib * MIB,
        .active_file_kib = (guint64) s->active_mib * MIB,
        .inactive_file_kib = (guint64) s->inactive_mib * MIB,
        .free_kib = (guint64) s->free_mib * MIB,
        .have_active_file = TRUE,
        .have_refault = s->refault_mib >= 0,
        .refault_file_kib = s->refault_mib >= 0 ? (guint64) s->refault_mib * MIB : 0,
        .read_kib = (guint64) s->read_mib * MIB,
      };

      gint64 tick = t->tick_ms ? t->tick_ms : 5000;

      bc_margin_tick (&st, &p, t->policy, &sample, tick * (gint64) (i + 1));
      g_test_message ("%s step %u: %s %" G_GINT64_FORMAT " MiB (%s)", t->name, i,
                      bc_state_to_string (st.state), st.margin_kib / MIB, st.reason);
      g_assert_cmpint (st.state, ==, s->state);
      g_assert_cmpint (st.margin_kib, ==, s->margin_mib * MIB);
      g_assert_cmpint (st.last_tick_ms, ==, tick * (gint64) (i + 1));
    }
  if (g_str_has_suffix (t->name, "-bounded"))
    g_assert_cmpint (st.hold_ms, ==, 2 * BC_ADAPTIVE_HOLD_MS);
}

static BcMarginSample
refault_sample (gint64 cached_mib, gint64 refault_mib)
{
  BcMarginSample s = { .cached_kib = (guint64) cached_mib * MIB, .active_file_kib = 50 * MIB,
                       .have_active_file = TRUE, .have_refault = TRUE,
                       .refault_file_kib = (guint64) refault_mib * MIB };

  return s;
}

/* adaptive: the law is per second whatever the tick: at 100 ms ticks,
 * 10 MiB/s of refaults on a 1000 MiB cache (5x the target) grow it, and
 * a quiet second probes down by 4 MiB, not 10 ticks' worth */
static void
test_adaptive_short_ticks (void)
{
  BcMargin st;

  bc_margin_init (&st, &params);
  for (int i = 0; i <= 20; i++)
    {
      BcMarginSample s = refault_sample (1000, i);

      bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 100 * (gint64) i);
    }
  g_assert_cmpint (st.margin_kib, >, 128 * MIB);
  bc_margin_init (&st, &params);
  for (int i = 0; i <= 10; i++)
    {
      BcMarginSample s = refault_sample (1000, 0);

      bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 100 * (gint64) i);
    }
  g_assert_cmpint (st.margin_kib, >=, (128 - 8) * MIB);
  g_assert_cmpint (st.margin_kib, <, 128 * MIB);
}

/* adaptive: the margin is raised to what the target's floor gives */
static void
test_adaptive_raise (void)
{
  BcMargin st;

  bc_margin_init (&st, &params);
  st.margin_kib = 40 * MIB;
  bc_adaptive_raise (&st, &params, 128 * MIB, 20 * MIB);
  g_assert_cmpint (st.margin_kib, ==, 108 * MIB);
  bc_adaptive_raise (&st, &params, 100 * MIB, 20 * MIB);
  g_assert_cmpint (st.margin_kib, ==, 108 * MIB);
  bc_adaptive_raise (&st, &params, 10 * MIB, 20 * MIB);
  g_assert_cmpint (st.margin_kib, ==, 108 * MIB);
  bc_adaptive_raise (&st, &params, 4096 * MIB, 0);
  g_assert_cmpint (st.margin_kib, ==, params.max_kib);
}

/* adaptive: the cold claim the arbiter takes first: 3/4 of the inactive
 * file cache while probing down or refaulting a trickle (a 200 MiB cache
 * tolerates 400 KiB/s; a trickle is up to 4 x that), nothing when
 * refaulting more */
static void
test_adaptive_cold (void)
{
  BcMargin st;

  bc_margin_init (&st, &params);
  st.state = BC_STATE_DOWN;
  st.refault_rate_kib = 10 * MIB;
  g_assert_cmpuint (bc_adaptive_cold_kib (&st, 200 * MIB, 80 * MIB), ==, 60 * MIB);
  st.state = BC_STATE_UP;
  g_assert_cmpuint (bc_adaptive_cold_kib (&st, 200 * MIB, 80 * MIB), ==, 0);
  st.refault_rate_kib = 1600;
  g_assert_cmpuint (bc_adaptive_cold_kib (&st, 200 * MIB, 80 * MIB), ==, 60 * MIB);
  st.refault_rate_kib = 1700;
  g_assert_cmpuint (bc_adaptive_cold_kib (&st, 200 * MIB, 80 * MIB), ==, 0);
  /* a guest that just grew (a new working set read for the first time
     sits on the inactive list) has nothing cold */
  st.refault_rate_kib = 0;
  st.grown_kib = 64 * MIB;
  g_assert_cmpuint (bc_adaptive_cold_kib (&st, 200 * MIB, 80 * MIB), ==, 0);
  st.state = BC_STATE_DOWN;
  g_assert_cmpuint (bc_adaptive_cold_kib (&st, 200 * MIB, 80 * MIB), ==, 0);
}

/* A guest whose file cache holds margin - 20 MiB and whose workload reads
 * an 80 MiB working set at 50 MiB/s: what one tick of 1 s shows. */
static BcMarginSample
modelled_guest (const BcMargin *st, guint64 *refaulted_mib, gint64 now_ms)
{
  const gint64 ws = 80, rate = 50, room = st->margin_kib / MIB - 20;
  gint64 missing = MAX (ws - room, 0);
  BcMarginSample s = refault_sample (MIN (room, ws), 0);

  *refaulted_mib += (guint64) (rate * missing / ws);
  s.refault_file_kib = *refaulted_mib * MIB;
  s.active_file_kib = s.cached_kib;
  s.free_kib = (guint64) MAX (room - ws, 0) * MIB;
  s.at_ms = now_ms;
  return s;
}

/* adaptive, closed loop: once a probe has found the working set's edge
 * (margin 100 MiB), each probe that finds it again doubles the hold, so
 * over ten minutes the guest is probed a handful of times, not every
 * twenty seconds, and the memory stays just above the edge. */
static void
test_adaptive_backoff (void)
{
  BcMargin st;
  guint64 refaulted = 0;
  guint episodes = 0;
  gint64 sum = 0;
  int n = 0;

  bc_margin_init (&st, &params);
  st.margin_kib = 200 * MIB;
  for (int i = 0; i <= 600; i++)
    {
      BcState before = st.state;
      BcMarginSample s = modelled_guest (&st, &refaulted, 1000 * (gint64) i);

      bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 1000 * (gint64) i);
      episodes += before == BC_STATE_DOWN && st.state == BC_STATE_UP;
      if (i >= 120)
        sum += st.margin_kib / MIB, n++;
    }
  g_test_message ("backoff: %u probes found the edge, %" G_GUINT64_FORMAT " MiB refaulted, mean margin %"
                  G_GINT64_FORMAT " MiB from 2 min on, hold %" G_GINT64_FORMAT " s",
                  episodes, refaulted, sum / n, st.hold_ms / 1000);
  g_assert_cmpuint (episodes, <=, 10);
  g_assert_cmpuint (refaulted, <=, 20);
  g_assert_cmpint (sum / n, >=, 100);
  g_assert_cmpint (sum / n, <=, 115);
  g_assert_cmpint (st.hold_ms, ==, BC_ADAPTIVE_HOLD_MAX_MS);
}

/* adaptive: a guest reading a stream once (no refaults) at 50 MiB/s
 * fills whatever it is given; that is no demand, so the margin does not
 * ratchet to its max: its first reads grow it by one credit of 64 MiB, not
 * every tick (the peak without reads modelled, as before first reads
 * counted: 196 MiB) */
static void
test_adaptive_stream (void)
{
  BcMargin st;
  gint64 cache = 100, peak = 0;

  bc_margin_init (&st, &params);
  st.read_credit_kib = BC_ADAPTIVE_FIRST_READ_KIB;
  for (int i = 0; i <= 120; i++)
    {
      BcMarginSample s;

      cache = MIN (cache + 50, 100 + st.margin_kib / MIB - 10);
      s = refault_sample (cache, 0);
      s.read_kib = (guint64) (1000 + 50 * i) * MIB;
      /* pages read once stay on the inactive list */
      s.inactive_file_kib = s.cached_kib - s.active_file_kib;
      bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 1000 * (gint64) i);
      peak = MAX (peak, st.margin_kib);
    }
  g_test_message ("stream: peak margin %" G_GINT64_FORMAT " MiB, end %" G_GINT64_FORMAT " MiB",
                  peak / MIB, st.margin_kib / MIB);
  g_assert_cmpint (peak, <=, 196 * MIB + BC_ADAPTIVE_FIRST_READ_KIB);
  g_assert_cmpint (st.margin_kib, ==, params.min_kib);
}

/* One second of a full guest (cache 100 MiB, flat, nothing free) that
 * reads read_mib from its disks in all, refault_mib of it refaulting. */
static void
full_tick (BcMargin *st, guint64 read_mib, guint64 refault_mib, gint64 now_ms)
{
  BcMarginSample s = refault_sample (100, (gint64) refault_mib);

  s.read_kib = read_mib * MIB;
  s.at_ms = now_ms;
  bc_margin_tick (st, &params, BC_POLICY_ADAPTIVE, &s, now_ms);
}

/* One second of that guest reading reads_mib more (read_mib: what it has
 * read in all), none of it refaulting. */
static void
read_tick (BcMargin *st, guint64 *read_mib, gint64 reads_mib, gint64 now_ms)
{
  *read_mib += (guint64) reads_mib;
  full_tick (st, *read_mib, 0, now_ms);
}

/* A reader bursting burst_mib every period seconds for ticks seconds
 * (read_tick's guest), from a fresh margin; the peak margin. */
static gint64
bursts (BcMargin *st, guint64 *read, gint64 *t, int ticks, int period, gint64 burst_mib)
{
  gint64 peak = 0;

  bc_margin_init (st, &params);
  read_tick (st, read, 0, *t);
  for (int i = 0; i < ticks; i++)
    {
      read_tick (st, read, i % period == period - 1 ? burst_mib : 0, *t += 1000);
      peak = MAX (peak, st->margin_kib);
    }
  g_test_message ("bursts of %" G_GINT64_FORMAT " MiB every %d s: peak margin %" G_GINT64_FORMAT " MiB", burst_mib,
                  period, peak / MIB);
  return peak;
}

/* adaptive: first reads get their 64 MiB credit once an episode: a reader
 * bursting 60 MiB every other second for two minutes grows by 64 MiB (no
 * headroom: it never refaults), not by a burst each time; 30 s without
 * first reads make it whole again. */
static void
test_adaptive_first_reads_refill (void)
{
  BcMargin st;
  guint64 read = 1000;
  gint64 t = 1000, peak = bursts (&st, &read, &t, 120, 2, 60);

  g_assert_cmpint (peak, <=, params.initial_kib + BC_ADAPTIVE_FIRST_READ_KIB);
  /* 30 s after the last first reads, not sooner, the credit is whole (and
     first reads seen without it start the 30 s again) */
  for (int round = 0; round < 2; round++)
    {
      gint64 before;

      for (int i = 0; i < 28 + round; i++)
        read_tick (&st, &read, 0, t += 1000);
      before = st.margin_kib;
      read_tick (&st, &read, 40, t += 1000);
      if (round == 0)
        g_assert_cmpint (st.margin_kib, <=, before);
      else
        g_assert_cmpint (st.margin_kib, ==, before + 40 * MIB);
    }
}

/* A guest at its working set's edge, as in test_adaptive_backoff (80 MiB
 * read at 50 MiB/s, its cache holding margin - 20 MiB), that also runs a
 * job reading job_mib of new data once (read-once pages: inactive, evicted
 * first, never refaulting).  All in MiB. */
typedef struct {
  gint64 ws_resident, once, read, refaulted;
} JobGuest;

static BcMarginSample
job_guest (const BcMargin *st, JobGuest *g, gint64 job_mib, gboolean reads_known, gint64 now_ms)
{
  const gint64 ws = 80, rate = 50;
  gint64 room = MAX (st->margin_kib / MIB - 20, 0);
  gint64 refaults = rate * (ws - g->ws_resident) / ws;
  gint64 over;
  BcMarginSample s = refault_sample (0, 0);

  g->ws_resident += refaults;
  g->refaulted += refaults;
  g->once += job_mib;
  g->read += refaults + job_mib;
  over = MAX (g->ws_resident + g->once - room, 0);
  g->once -= MIN (over, g->once);
  over = MAX (g->ws_resident + g->once - room, 0);
  g->ws_resident -= over;
  s.cached_kib = (guint64) (g->ws_resident + g->once) * MIB;
  s.active_file_kib = (guint64) g->ws_resident * MIB;
  s.inactive_file_kib = (guint64) g->once * MIB;
  s.free_kib = (guint64) (room - g->ws_resident - g->once) * MIB;
  s.refault_file_kib = (guint64) g->refaulted * MIB;
  s.read_kib = reads_known ? (guint64) g->read * MIB : 0;
  s.at_ms = now_ms;
  return s;
}

/* Ten minutes at the edge (the hold doubles to 80 s, as designed), then
 * ten minutes of a job reading 64 MiB of new data every 40 s; the peak
 * margin of those ten minutes, and when (s into the job) it first reached
 * the margin's max (-1: never). */
static gint64
job_run (gboolean reads_known, gint64 *hold_ms_at_job, gint64 *at_max_s)
{
  BcMargin st;
  JobGuest g = { 0, 0, 1000, 0 };
  gint64 peak = 0;

  *at_max_s = -1;
  bc_margin_init (&st, &params);
  st.margin_kib = 200 * MIB;
  for (int i = 0; i <= 1200; i++)
    {
      gint64 job = i > 600 && (i - 600) % 40 == 0 ? 64 : 0;
      BcMarginSample s = job_guest (&st, &g, job, reads_known, 1000 * (gint64) i);

      if (i == 600)
        *hold_ms_at_job = st.hold_ms;
      bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 1000 * (gint64) i);
      if (i > 600)
        peak = MAX (peak, st.margin_kib);
      if (i > 600 && *at_max_s < 0 && st.margin_kib == params.max_kib)
        *at_max_s = i - 600;
      if (g_test_verbose () && i > 600)
        g_test_message ("%d: %" G_GINT64_FORMAT " MiB %s (credit %" G_GINT64_FORMAT " MiB)", i, st.margin_kib / MIB,
                        st.reason, st.read_credit_kib / MIB);
    }
  return peak;
}

/* adaptive: at the edge the hold is 80 s; a periodic job's first reads
 * (64 MiB of new data every 40 s) grow the margin, and the next job reads
 * into that room (new cache).  Were every growth to renew the 80 s hold,
 * the guest would never be probed again and ratchet to its max (1024 MiB
 * at the 15th job, when this was found): only refaults renew the long
 * hold, new cache and first reads hold 5 s, never longer than a hold
 * running, so the probe gives the job's memory back between jobs. */
static void
test_adaptive_first_reads_periodic_job (void)
{
  gint64 hold_before = 0, hold_after = 0, max_before, max_after;
  gint64 without = job_run (FALSE, &hold_before, &max_before);
  gint64 with = job_run (TRUE, &hold_after, &max_after);

  g_test_message ("periodic job: peak margin %" G_GINT64_FORMAT " MiB without reads, %" G_GINT64_FORMAT
                  " MiB with (at the max %" G_GINT64_FORMAT " s into the job; hold at its start %" G_GINT64_FORMAT " s)",
                  without / MIB, with / MIB, max_after, hold_after / 1000);
  g_assert_cmpint (hold_after, ==, BC_ADAPTIVE_HOLD_MAX_MS);
  g_assert_cmpint (with, <=, params.max_kib / 2);
}

/* adaptive: a reader bursting 64 MiB every 35 s (read_tick: a full guest,
 * nothing cold, so its probe takes 1 MiB a second, 30 MiB between bursts)
 * gets the credit again only once what first reads grew has been given
 * back, not every 30 s: it does not climb to its max. */
static void
test_adaptive_first_reads_bursts_35s (void)
{
  BcMargin st;
  guint64 read = 1000;
  gint64 t = 1000, peak = bursts (&st, &read, &t, 1200, 35, 64);

  g_assert_cmpint (peak, <=, params.initial_kib + BC_ADAPTIVE_FIRST_READ_KIB);
}

/* adaptive: the credit is spent by the growth first reads make, not by
 * what they asked: with step-mib = 16, a guest idle 30 s that starts
 * reading a new working set at 64 MiB/s gets its 64 MiB over four ticks. */
static void
test_adaptive_first_reads_credit_vs_step (void)
{
  BcMarginParams p = params;
  BcMargin st;
  guint64 read = 1000;
  gint64 t = 1000, before, peak = 0;

  p.step_kib = 16 * MIB;
  bc_margin_init (&st, &p);
  st.margin_kib = 512 * MIB; /* well above the least margin */
  for (int i = 0; i < 31; i++)
    {
      BcMarginSample s = refault_sample (100, 0);

      s.read_kib = read * MIB;
      s.at_ms = t;
      bc_margin_tick (&st, &p, BC_POLICY_ADAPTIVE, &s, t);
      t += 1000;
    }
  before = st.margin_kib;
  for (int i = 0; i < 4; i++)
    {
      BcMarginSample s = refault_sample (100, 0);

      read += 64;
      s.read_kib = read * MIB;
      s.at_ms = t;
      bc_margin_tick (&st, &p, BC_POLICY_ADAPTIVE, &s, t);
      peak = MAX (peak, st.margin_kib);
      t += 1000;
    }
  g_test_message ("step 16: first reads grew the margin by %" G_GINT64_FORMAT " MiB", (peak - before) / MIB);
  g_assert_cmpint (peak - before, >=, BC_ADAPTIVE_FIRST_READ_KIB);
}

/* adaptive: a guest with more free memory than it read had room: with
 * 2000 MiB free, reads that do not land in Cached (O_DIRECT, a block
 * device's own cache, counted in Buffers) are no first reads; a full
 * guest's free memory (24 MiB: the low zones' reserves, which its cache
 * cannot use) does not hide 40 MiB of first reads. */
static void
test_adaptive_first_reads_with_room (void)
{
  BcMargin st;
  BcMarginSample s = refault_sample (100, 0);
  gint64 before;

  s.free_kib = 2000 * MIB;
  bc_margin_init (&st, &params);
  st.state = BC_STATE_UP;
  s.read_kib = 1000 * MIB;
  s.at_ms = 1000;
  bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 1000);
  before = st.margin_kib;
  s.read_kib = 1100 * MIB;
  s.at_ms = 2000;
  bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 2000);
  g_test_message ("2000 MiB free, 100 MiB read: margin %+" G_GINT64_FORMAT " MiB (%s)", (st.margin_kib - before) / MIB,
                  st.reason);
  g_assert_cmpint (st.margin_kib, <=, before);
  s.free_kib = 24 * MIB;
  s.read_kib = 1140 * MIB;
  s.at_ms = 3000;
  before = st.margin_kib;
  bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 3000);
  g_assert_cmpint (st.margin_kib, ==, before + 40 * MIB);
}

/* adaptive: first reads at the edges of what a guest or a recording may
 * say (pgpgin to 2^62, Cached to 2^50, refaults to 2^64 - 1, times,
 * credit and first_read_at_ms at their recorded range's ends) keep the
 * margin within its bounds; run under -fsanitize=undefined. */
static void
test_adaptive_first_reads_hostile (void)
{
  const guint64 reads[] = { 1, G_GUINT64_CONSTANT (1) << 62, 1, G_GUINT64_CONSTANT (1) << 62, 2 };
  const guint64 cached[] = { G_GUINT64_CONSTANT (1) << 50, 0, G_GUINT64_CONSTANT (1) << 50, 0, 0 };
  const guint64 refaults[] = { 0, 0, G_MAXUINT64, G_MAXUINT64, 0 };
  const gint64 credits[] = { -(G_GINT64_CONSTANT (1) << 50), G_GINT64_CONSTANT (1) << 50, 0 };
  const gint64 firsts[] = { -1, 0, G_GINT64_CONSTANT (1) << 53 };
  const gint64 nows[] = { -1, 0, 1, G_GINT64_CONSTANT (1) << 53 };

  for (guint c = 0; c < G_N_ELEMENTS (credits); c++)
    for (guint f = 0; f < G_N_ELEMENTS (firsts); f++)
      for (guint n = 0; n < G_N_ELEMENTS (nows); n++)
        {
          BcMargin st;

          bc_margin_init (&st, &params);
          for (guint i = 0; i < G_N_ELEMENTS (reads); i++)
            {
              BcMarginSample s = { .cached_kib = cached[i], .inactive_file_kib = cached[i], .have_active_file = TRUE,
                                   .have_refault = TRUE, .refault_file_kib = refaults[i], .read_kib = reads[i],
                                   .free_kib = G_GUINT64_CONSTANT (1) << 50, .at_ms = nows[n] + (gint64) i };

              st.read_credit_kib = credits[c];
              st.first_read_at_ms = firsts[f];
              bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, nows[n] + (gint64) i);
              g_assert_cmpint (st.margin_kib, >=, params.min_kib);
              g_assert_cmpint (st.margin_kib, <=, params.max_kib);
            }
        }
}

/* adaptive: first reads come before refaults.  A guest whose last edge
 * (hold backed off to 80 s) is five minutes old, probing down far from
 * it, starts a new working set: its first reads grow it and start the hold
 * over, so the refaults that follow hold 5 s, not the old edge's 80 s; the
 * edge stays (refaults on a climb are no working set's edge).  The reasons
 * say which sign grew it. */
static void
test_adaptive_first_reads_then_refaults (void)
{
  BcMargin st;
  gint64 t = 400000, before;

  bc_margin_init (&st, &params);
  st.margin_kib = 100 * MIB;
  st.edge_kib = 100 * MIB;
  st.edge_at_ms = 100000;
  st.hold_ms = BC_ADAPTIVE_HOLD_MAX_MS;
  full_tick (&st, 1000, 0, t);
  full_tick (&st, 1000, 0, t += 1000);
  g_assert_cmpint (st.state, ==, BC_STATE_DOWN);
  full_tick (&st, 1040, 0, t += 1000);
  g_assert_cmpstr (st.reason, ==, "UP: first reads 40 MiB, margin +40 MiB");
  g_assert_cmpint (st.hold_ms, ==, BC_ADAPTIVE_HOLD_MS);
  before = st.margin_kib;
  /* 20 MiB refaulted on a 100 MiB cache: far above the tolerance, boosted
     4 times, the 64 MiB step */
  full_tick (&st, 1060, 20, t += 1000);
  g_assert_cmpstr (st.reason, ==, "UP: refaults 20 MiB, margin +64 MiB");
  g_assert_cmpint (st.margin_kib - before, ==, 64 * MIB);
  g_assert_cmpint (st.hold_until_ms, ==, t + BC_ADAPTIVE_HOLD_MS);
  g_assert_cmpint (st.edge_at_ms, ==, 100000);
  g_assert_cmpint (st.edge_kib, ==, 100 * MIB);
  /* refaults with more first reads beside them name both: of 99 MiB of
     first reads, what is left of the credit (64 - 40) */
  full_tick (&st, 1160, 21, t += 1000);
  g_assert_cmpstr (st.reason, ==, "UP: refaults 1 MiB (first reads 24 MiB), margin +24 MiB");
}

/* adaptive: what first reads grew is owed back until a probe or the budget
 * takes it, or growth on refaults makes up for it: a one-tick refault blip
 * pays what it grew (8 MiB of headroom), not the whole debt; a margin at
 * its min can give nothing more back, so it owes nothing. */
static void
test_adaptive_first_reads_owed (void)
{
  BcMargin st;
  gint64 t = 1000;

  bc_margin_init (&st, &params);
  st.margin_kib = 300 * MIB;
  st.state = BC_STATE_DOWN;
  st.read_owed_kib = 64 * MIB;
  full_tick (&st, 1000, 0, t);
  full_tick (&st, 1002, 2, t += 1000);
  g_assert_cmpint (st.grown_kib, ==, BC_ADAPTIVE_HEADROOM_KIB);
  g_assert_cmpint (st.read_owed_kib, ==, 64 * MIB - BC_ADAPTIVE_HEADROOM_KIB);
  st.margin_kib = params.min_kib;
  st.hold_until_ms = 0;
  full_tick (&st, 1002, 2, t += 1000);
  g_assert_cmpint (st.state, ==, BC_STATE_DOWN);
  g_assert_cmpint (st.read_owed_kib, ==, 0);
}

/* adaptive: hostile counters keep the margin within its bounds */
static void
test_adaptive_hostile (void)
{
  BcMargin st;
  guint64 vals[] = { 0, G_MAXUINT64, 0, G_MAXUINT64 / 2, 5 };

  bc_margin_init (&st, &params);
  for (guint i = 0; i < G_N_ELEMENTS (vals); i++)
    {
      BcMarginSample s = { .cached_kib = (i % 2) ? G_MAXUINT64 / 4 : 0, .have_active_file = TRUE,
                           .have_refault = TRUE, .refault_file_kib = vals[i] };

      bc_margin_tick (&st, &params, BC_POLICY_ADAPTIVE, &s, 1000 * (gint64) i);
      g_assert_cmpint (st.margin_kib, >=, params.min_kib);
      g_assert_cmpint (st.margin_kib, <=, params.max_kib);
    }
}

/* adaptive: the margin never stays above what the host budget granted */
static void
test_adaptive_unwind (void)
{
  BcMargin st;

  bc_margin_init (&st, &params);
  st.margin_kib = 300 * MIB;
  /* what the budget takes back of first reads' growth is no longer owed */
  st.read_owed_kib = 50 * MIB;
  bc_adaptive_unwind (&st, &params, 256 * MIB, 20 * MIB);
  g_assert_cmpint (st.margin_kib, ==, 236 * MIB);
  g_assert_cmpint (st.read_owed_kib, ==, 0);
  bc_adaptive_unwind (&st, &params, 300 * MIB, 20 * MIB);
  g_assert_cmpint (st.margin_kib, ==, 236 * MIB);
  bc_adaptive_unwind (&st, &params, 10 * MIB, 20 * MIB);
  g_assert_cmpint (st.margin_kib, ==, params.min_kib);
  /* a grant beyond gint64's range is room, not a negative one */
  st.margin_kib = 300 * MIB;
  bc_adaptive_unwind (&st, &params, G_MAXUINT64, 0);
  g_assert_cmpint (st.margin_kib, ==, 300 * MIB);
}

static void
test_due (void)
{
  BcMargin st;

  bc_margin_init (&st, &params);
  g_assert_true (bc_margin_due (&st, 0, 5000));
  st.last_tick_ms = 10000;
  g_assert_false (bc_margin_due (&st, 14999, 5000));
  g_assert_true (bc_margin_due (&st, 15000, 5000));
}

static void
test_source_change_rebaselines (void)
{
  BcMargin st;
  BcMarginSample agent = { .cached_kib = 100 * MIB, .have_active_file = TRUE };
  BcMarginSample balloon = { .cached_kib = 900 * MIB };

  bc_margin_init (&st, &params);
  st.state = BC_STATE_DOWN;
  bc_margin_tick (&st, &params, BC_POLICY_PAPER, &agent, 0);
  /* the balloon's disk_caches is another figure: no jump to UP on the switch */
  bc_margin_tick (&st, &params, BC_POLICY_PAPER, &balloon, 5000);
  g_assert_cmpint (st.state, ==, BC_STATE_DOWN);
  g_assert_cmpint (st.margin_kib, ==, 128 * MIB);
}

static void
test_init_clamps (void)
{
  BcMarginParams p = params;
  BcMargin st;

  p.initial_kib = 4096 * MIB;
  bc_margin_init (&st, &p);
  g_assert_cmpint (st.margin_kib, ==, p.max_kib);
  g_assert_cmpint (st.state, ==, BC_STATE_UP);
}

static void
test_policy_names (void)
{
  BcPolicy p;

  g_assert_true (bc_policy_from_string ("paper", &p));
  g_assert_cmpint (p, ==, BC_POLICY_PAPER);
  g_assert_true (bc_policy_from_string ("paper-literal", &p));
  g_assert_cmpint (p, ==, BC_POLICY_PAPER_LITERAL);
  g_assert_true (bc_policy_from_string ("adaptive", &p));
  g_assert_cmpint (p, ==, BC_POLICY_ADAPTIVE);
  g_assert_cmpstr (bc_policy_to_string (BC_POLICY_ADAPTIVE), ==, "adaptive");
  g_assert_false (bc_policy_from_string ("Paper", &p));
  g_assert_false (bc_policy_from_string (NULL, &p));
  g_assert_cmpstr (bc_policy_to_string (BC_POLICY_PAPER_LITERAL), ==, "paper-literal");
}

/* The table: every policy by its own name, and only adaptive with the
 * hooks of a rate-reading policy; a level policy ticks from its first
 * sample, a delta policy waits for a second. */
static void
test_policy_table (void)
{
  static const BcPolicy all[] = { BC_POLICY_PAPER, BC_POLICY_PAPER_LITERAL, BC_POLICY_ADAPTIVE,
                                  BC_POLICY_COMMITTED, BC_POLICY_MOM };
  BcMarginParams mp = { 64 * MIB, 0, 2048 * MIB, 32 * MIB, 32 * MIB, 1 * MIB };
  BcMarginSample s = { .cached_kib = 100 * MIB, .size_kib = 512 * MIB, .max_kib = 1024 * MIB,
                       .free_kib = 300 * MIB, .committed_kib = 50 * MIB, .host_free_bp = 5000 };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      const BcPolicyOps *ops = bc_policy_ops (all[i]);
      BcMargin st;
      BcPolicy back;

      g_assert_cmpint (ops->id, ==, all[i]);
      g_assert_true (bc_policy_from_string (ops->name, &back));
      g_assert_cmpint (back, ==, all[i]);
      g_assert_true ((ops->per_sample != NULL) == (all[i] == BC_POLICY_ADAPTIVE));
      g_assert_true ((ops->cold_kib != NULL) == (all[i] == BC_POLICY_ADAPTIVE));
      bc_margin_init (&st, &mp);
      bc_margin_tick (&st, &mp, all[i], &s, 1000);
      g_assert_true (st.have_prev == !ops->on_levels);
      /* a level policy has said why; a delta policy still waits */
      g_assert_true ((g_strcmp0 (st.reason, "initial margin") != 0) == ops->on_levels);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (traces); i++)
    {
      g_autofree char *path = g_strdup_printf ("/margin/trace/%s", traces[i].name);

      g_test_add_data_func (path, &traces[i], run_trace);
    }
  g_test_add_func ("/margin/due", test_due);
  g_test_add_func ("/margin/mom", test_mom);
  g_test_add_func ("/margin/adaptive-unwind", test_adaptive_unwind);
  g_test_add_func ("/margin/adaptive-raise", test_adaptive_raise);
  g_test_add_func ("/margin/adaptive-cold", test_adaptive_cold);
  g_test_add_func ("/margin/adaptive-backoff", test_adaptive_backoff);
  g_test_add_func ("/margin/adaptive-short-ticks", test_adaptive_short_ticks);
  g_test_add_func ("/margin/adaptive-stream", test_adaptive_stream);
  g_test_add_func ("/margin/adaptive-first-reads-refill", test_adaptive_first_reads_refill);
  g_test_add_func ("/margin/adaptive-hostile", test_adaptive_hostile);
  g_test_add_func ("/margin/adaptive-first-reads-periodic-job", test_adaptive_first_reads_periodic_job);
  g_test_add_func ("/margin/adaptive-first-reads-bursts-35s", test_adaptive_first_reads_bursts_35s);
  g_test_add_func ("/margin/adaptive-first-reads-credit-vs-step", test_adaptive_first_reads_credit_vs_step);
  g_test_add_func ("/margin/adaptive-first-reads-with-room", test_adaptive_first_reads_with_room);
  g_test_add_func ("/margin/adaptive-first-reads-hostile", test_adaptive_first_reads_hostile);
  g_test_add_func ("/margin/adaptive-first-reads-then-refaults", test_adaptive_first_reads_then_refaults);
  g_test_add_func ("/margin/adaptive-first-reads-owed", test_adaptive_first_reads_owed);
  g_test_add_func ("/margin/source-change", test_source_change_rebaselines);
  g_test_add_func ("/margin/init-clamps", test_init_clamps);
  g_test_add_func ("/margin/policy-names", test_policy_names);
  g_test_add_func ("/margin/policy-table", test_policy_table);
  return g_test_run ();
}
