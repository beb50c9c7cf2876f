/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The room a host has left: one domain's reclaimable memory and floor as
 * a table, one row a domain; the host's "room for K more guests" as a
 * table, one row a host; sums that saturate; and the room of a pass made
 * the way the daemon makes it (a quiet guest, a refaulting one,
 * balloon-only, held on old figures, not managed). */
#include "bc-room.h"
#include "bc-adaptive.h"

#include <string.h>

#define MIB G_GUINT64_CONSTANT (1024)
#define GIB (1024 * MIB)
#define TIB (1024 * GIB)
#define MAX64 G_MAXUINT64

#define AGENT BC_SOURCE_AGENT
#define BALLOON BC_SOURCE_BALLOON
#define ADAPTIVE BC_POLICY_ADAPTIVE
#define PAPER BC_POLICY_PAPER
#define UP BC_STATE_UP
#define DOWN BC_STATE_DOWN

/* ---- one domain --------------------------------------------------------- */

typedef struct {
  const char *name;
  gboolean decided;
  BcSource source;
  BcPolicy policy;
  gboolean have_refault;
  BcState state;
  gint64 grown_mib;
  gint64 refault_rate_kib;   /* a second */
  guint64 cached_mib, inactive_mib, free_mib, held_mib, floor_mib;
  guint64 reclaimable_mib;   /* expected */
  guint64 want_floor_mib;    /* expected */
} DomainRow;

#define Y TRUE
#define N FALSE
#define LITERAL BC_POLICY_PAPER_LITERAL
#define COMMITTED BC_POLICY_COMMITTED
#define T16 (G_GUINT64_CONSTANT (16) << 20) /* 16 TiB in MiB */

/* The first row is a quiet adaptive guest with the agent's figures: 700
 * MiB cached (refaults up to 4 x 0.2 % of that a second, 5732 KiB/s, are
 * a trickle), 400 MiB inactive (300 of it cold), 208 MiB free (200 beyond
 * the keep): 500 MiB cold; it holds 2048 MiB, its floor 512.  The others
 * change one thing or two. */
static const DomainRow domain_rows[] = {
  /* name                   decided source   policy    refault state grown rate   cached inact free held  floor   recl floor */
  { "cache-and-free",        Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 208, 2048, 512,   500, 512 },
  { "cold-cache",            Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 0,   2048, 512,   300, 512 },
  { "free-beyond-keep",      Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 0,   108, 2048, 512,   100, 512 },
  { "free-within-keep",      Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 0,   8,   2048, 512,   0,   512 },
  { "floor-binding",         Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 208, 1024, 800,   224, 800 },
  { "held-at-floor",         Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 208, 800,  800,   0,   800 },
  { "held-below-floor",      Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 208, 700,  800,   0,   800 },
  /* holding after a growth: refaults of a trickle leave it quiet... */
  { "refault-trickle",       Y, AGENT,   ADAPTIVE,  Y, UP,   0, 5732, 700, 400, 208, 2048, 512,   500, 512 },
  /* ...more make it a guest to take nothing from */
  { "refaulting-gives-0",    Y, AGENT,   ADAPTIVE,  Y, UP,   0, 5733, 700, 400, 208, 2048, 512,   0,   512 },
  { "just-grew-gives-0",     Y, AGENT,   ADAPTIVE,  Y, UP,   8, 0,    700, 400, 208, 2048, 512,   0,   512 },
  /* probing down is quiet, as bc_adaptive_cold_kib judges it */
  { "probing-down",          Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 6000, 700, 400, 208, 2048, 512,   500, 512 },
  { "no-refault-figures-0",  Y, AGENT,   ADAPTIVE,  N, DOWN, 0, 0,    700, 400, 208, 2048, 512,   0,   512 },
  { "balloon-only-0",        Y, BALLOON, ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 208, 2048, 512,   0,   512 },
  /* held on old figures (or not managed): the pass decided nothing */
  { "frozen-0",              N, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    700, 400, 208, 2048, 512,   0,   0 },
  /* paper reads refaults: its DOWN is quiet, its UP is not */
  { "paper-down",            Y, AGENT,   PAPER,     Y, DOWN, 0, 0,    700, 400, 208, 2048, 512,   500, 512 },
  { "paper-up-0",            Y, AGENT,   PAPER,     Y, UP,   0, 0,    700, 400, 208, 2048, 512,   0,   512 },
  /* policies that do not read refaults judge nothing */
  { "paper-literal-0",       Y, AGENT,   LITERAL,   Y, DOWN, 0, 0,    700, 400, 208, 2048, 512,   0,   512 },
  { "committed-0",           Y, AGENT,   COMMITTED, Y, DOWN, 0, 0,    700, 400, 208, 2048, 512,   0,   512 },
  /* 12 TiB of the cache and 16 TiB - 8 MiB free, within 31 TiB above the floor */
  { "16tib-figures",         Y, AGENT,   ADAPTIVE,  Y, DOWN, 0, 0,    T16, T16, T16, 2 * T16, T16 / 16,
                                                                                          28 * (T16 / 16) - 8, T16 / 16 },
};

static void
test_domain (gconstpointer data)
{
  const DomainRow *row = data;
  BcRoomFigures f = { row->decided, row->source, row->policy, row->have_refault, row->state,
                      row->grown_mib * (gint64) MIB, row->refault_rate_kib, row->cached_mib * MIB,
                      row->inactive_mib * MIB, row->free_mib * MIB, row->held_mib * MIB, row->floor_mib * MIB };
  BcRoomDomain r = bc_room_domain (&f);

  g_test_message ("%s: reclaimable %" G_GUINT64_FORMAT " KiB, floor %" G_GUINT64_FORMAT " KiB", row->name,
                  r.reclaimable_kib, r.floor_kib);
  g_assert_cmpuint (r.reclaimable_kib, ==, row->reclaimable_mib * MIB);
  g_assert_cmpuint (r.floor_kib, ==, row->want_floor_mib * MIB);
}

/* Figures at the top of their type: the cold memory saturates, and is
 * all it holds above its floor. */
static void
test_domain_saturating (void)
{
  BcRoomFigures f = { TRUE, AGENT, ADAPTIVE, TRUE, DOWN, 0, 0, MAX64, MAX64, MAX64, MAX64, 1 };
  BcRoomDomain r = bc_room_domain (&f);

  g_assert_cmpuint (r.reclaimable_kib, ==, MAX64 - 1);
  g_assert_cmpuint (r.floor_kib, ==, 1);
  f.held_kib = 1;
  r = bc_room_domain (&f);
  g_assert_cmpuint (r.reclaimable_kib, ==, 0);
}

/* ---- the host ----------------------------------------------------------- */

typedef struct {
  const char *name;
  BcRoomHost h;            /* guests: expected */
} HostRow;

static const HostRow host_rows[] = {
  /* (4096 - 3174 + 512) / 1024 */
  { "one-more", { 4096 * MIB, 3174 * MIB, 512 * MIB, 1024 * MIB, 1 } },
  { "exact", { 8 * GIB, 4 * GIB, 0, GIB, 4 } },
  { "exact-less-1-kib", { 8 * GIB, 4 * GIB + 1, 0, GIB, 3 } },
  { "reclaimable-counts", { 8 * GIB, 8 * GIB, 2 * GIB, GIB, 2 } },
  { "held-over-budget", { 4 * GIB, 5 * GIB, 512 * MIB, GIB, 0 } },
  { "reclaimable-covers-over", { 4 * GIB, 5 * GIB, 2 * GIB, 512 * MIB, 2 } },
  { "guest-size-huge-0", { 8 * GIB, 0, 0, 16 * TIB, 0 } },
  { "guest-size-0-no-pass", { 8 * GIB, 0, 0, 0, 0 } },
  { "16tib-figures", { 1024 * TIB, 16 * TIB, 16 * TIB, GIB, 1024 * 1024 } },
  { "saturated-sums", { 1024 * TIB, 0, MAX64, MIB, MAX64 / MIB } },
  { "saturated-held-0", { MAX64, MAX64, MAX64, MIB, 0 } },
};

static void
test_host (gconstpointer data)
{
  const HostRow *row = data;
  guint64 k = bc_room_guests (&row->h);

  g_test_message ("%s: room for %" G_GUINT64_FORMAT, row->name, k);
  g_assert_cmpuint (k, ==, row->h.guests);
}

static void
test_host_sums (void)
{
  BcRoomHost h = { 0 };

  for (guint i = 0; i < 3; i++)
    bc_room_host_add (&h, 16 * TIB, 16 * TIB);
  g_assert_cmpuint (h.held_kib, ==, 48 * TIB);
  g_assert_cmpuint (h.reclaimable_kib, ==, 48 * TIB);
  bc_room_host_add (&h, MAX64 - 48 * TIB, 1);
  g_assert_cmpuint (h.held_kib, ==, MAX64);
  g_assert_cmpuint (h.reclaimable_kib, ==, 48 * TIB + 1);
  bc_room_host_add (&h, 1, MAX64);
  g_assert_cmpuint (h.held_kib, ==, MAX64);
  g_assert_cmpuint (h.reclaimable_kib, ==, MAX64);
}

/* ---- from a pass ---------------------------------------------------------- */

#define NOW 100000
#define N_PASS 5

/* A guest of 2000 MiB holding 1800 (max 2048), using 1000 (floor 1064 =
 * used + guard), 700 cached, 400 inactive, 208 free: 500 cold.  Its last
 * sample a second ago; refaulted_mib since then. */
static BcPassInput
agent_guest (const BcConfig *cfg, guint64 refaulted_mib)
{
  BcPassInput in = { .managed = TRUE, .running = TRUE, .have_balloon = TRUE, .limits.enabled = TRUE };
  BcMeminfo mi = { .mem_total_kib = 2000 * MIB, .mem_free_kib = 208 * MIB, .mem_available_kib = 1000 * MIB,
                   .cached_kib = 700 * MIB, .active_file_kib = 200 * MIB, .inactive_file_kib = 400 * MIB,
                   .committed_as_kib = 900 * MIB };

  in.balloon = (BcBalloonFigures) { .current_kib = 1800 * MIB, .max_kib = 2048 * MIB, .have_stats = TRUE,
                                    .guest_total_kib = 2000 * MIB, .usable_kib = 1000 * MIB,
                                    .disk_caches_kib = 700 * MIB };
  in.guest.meminfo = mi;
  in.guest.vmstat.have_refault = TRUE;
  in.guest.vmstat.refault_file = 100000;
  in.guest.have_vmstat = TRUE;
  in.guest.at_ms = NOW;
  in.agent_seen = TRUE;
  bc_carry_init (&in.carry, &cfg->margin);
  in.carry.margin.margin_kib = 200 * MIB;
  in.carry.margin.have_prev = TRUE;
  in.carry.margin.last_tick_ms = NOW - 1000;
  in.carry.margin.prev = (BcMarginSample) { .cached_kib = mi.cached_kib, .active_file_kib = mi.active_file_kib,
                                      .inactive_file_kib = mi.inactive_file_kib, .have_active_file = TRUE,
                                      .have_refault = TRUE, .at_ms = NOW - 1000, .free_kib = mi.mem_free_kib,
                                      .refault_file_kib = (100000 - refaulted_mib * 256) * 4 };
  return in;
}

static void
test_plan (void)
{
  BcConfig cfg;
  BcPassInput in[N_PASS];
  BcPassOutput out[N_PASS];
  BcRoomDomain rooms[N_PASS];
  BcPassParams p = { &cfg, { 0 }, NOW, FALSE };
  BcPassBudget budget;
  BcRoomHost h;

  bc_config_defaults (&cfg);
  cfg.follow = FALSE;
  cfg.budget_kib = 10 * GIB;
  cfg.policy = BC_POLICY_ADAPTIVE;
  in[0] = agent_guest (&cfg, 0);   /* quiet: probes down */
  in[1] = agent_guest (&cfg, 100); /* refaulted 100 MiB in a second: grows */
  in[2] = agent_guest (&cfg, 0);   /* no agent: balloon figures */
  memset (&in[2].guest, 0, sizeof in[2].guest);
  in[2].agent_seen = FALSE;
  in[3] = agent_guest (&cfg, 0);   /* an agent with nothing fresh: held */
  in[3].guest.at_ms = NOW - bc_decide_agent_max_age_ms (&cfg) - 1;
  in[4] = agent_guest (&cfg, 0);   /* not managed */
  in[4].managed = FALSE;
  in[4].balloon.current_kib = 1024 * MIB;
  budget = bc_pass_plan (&p, in, N_PASS, out);
  g_assert_cmpint (out[0].carry.margin.state, ==, BC_STATE_DOWN);
  g_assert_cmpint (out[1].carry.margin.grown_kib, >, 0);
  g_assert_cmpint (out[2].decision.source, ==, BC_SOURCE_BALLOON);
  g_assert_cmpint (out[3].frozen, ==, BC_FREEZE_AGENT);
  h = bc_room_plan (&p, budget.budget_kib, in, out, N_PASS, rooms);

  g_assert_cmpuint (rooms[0].reclaimable_kib, ==, 500 * MIB);
  g_assert_cmpuint (rooms[0].floor_kib, ==, 1064 * MIB);
  g_assert_cmpuint (rooms[1].reclaimable_kib, ==, 0);
  g_assert_cmpuint (rooms[1].floor_kib, ==, 1064 * MIB);
  g_assert_cmpuint (rooms[2].reclaimable_kib, ==, 0);
  g_assert_cmpuint (rooms[2].floor_kib, ==, 1064 * MIB);
  for (guint i = 3; i < N_PASS; i++)
    {
      g_assert_cmpuint (rooms[i].reclaimable_kib, ==, 0);
      g_assert_cmpuint (rooms[i].floor_kib, ==, 0);
    }
  /* (10240 - 4 x 1800 - 1024 + 500) / 1024: 2 (without the 500, 1) */
  g_assert_cmpuint (h.budget_kib, ==, 10 * GIB);
  g_assert_cmpuint (h.held_kib, ==, (4 * 1800 + 1024) * MIB);
  g_assert_cmpuint (h.reclaimable_kib, ==, 500 * MIB);
  g_assert_cmpuint (h.guest_size_kib, ==, GIB);
  g_assert_cmpuint (h.guests, ==, 2);
  for (guint i = 0; i < N_PASS; i++)
    bc_pass_output_clear (&out[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (domain_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/room/domain/%s", domain_rows[i].name);

      g_test_add_data_func (path, &domain_rows[i], test_domain);
    }
  for (guint i = 0; i < G_N_ELEMENTS (host_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/room/host/%s", host_rows[i].name);

      g_test_add_data_func (path, &host_rows[i], test_host);
    }
  g_test_add_func ("/room/domain-saturating", test_domain_saturating);
  g_test_add_func ("/room/host-sums", test_host_sums);
  g_test_add_func ("/room/plan", test_plan);
  return g_test_run ();
}
