/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host budget that follows the host: traces of host readings, one row
 * a pass, with the budget expected after each; and hostile figures. */
#include "bc-budget.h"

#define MIB 1024
#define M(x) ((guint64) (x) * MIB)
#define NONE -1    /* no cgroup / no pressure figures */
#define NOLIMIT -2 /* the cgroup's memory.max is "max" */

typedef struct {
  gint64 t_ms;
  gint64 domains_mib;
  gint64 total_mib;     /* 0 = the read failed */
  gint64 avail_mib;
  gint64 cg_max_mib;    /* NONE, NOLIMIT or MiB */
  gint64 cg_cur_mib;
  gint64 psi_bp;        /* NONE or 1/100 % */
  guint64 budget_kib;   /* expected */
  gboolean pressure;    /* expected */
} Row;

typedef struct {
  const char *name;
  guint64 pressure_bp;  /* 0: 1000 (10 %); G_MAXUINT64: off */
  Row rows[8];
  guint n;
} Trace;

/* fixed 8192 MiB, reserve 1024 MiB, 1 s apply interval */
static const Trace traces[] = {
  /* the first reading is taken as it is: 4096 + 2048 - 1024 */
  { "first", 0, { { 0, 4096, 16384, 2048, NONE, 0, NONE, M (5120), FALSE } }, 1 },
  /* room shrinks and stays: half the way a 2 s pass, then on */
  { "fall", 0, { { 0, 4096, 16384, 3072, NONE, 0, NONE, M (6144), FALSE },
                 { 2000, 4096, 16384, 0, NONE, 0, NONE, M (4608), FALSE },
                 { 4000, 4096, 16384, 0, NONE, 0, NONE, M (3840), FALSE },
                 { 6000, 4096, 16384, 0, NONE, 0, NONE, M (3456), FALSE } }, 4 },
  /* one low sample after a long gap moves it half way, no more; the room
   * back grows it at the rising pace (10 s: a third) */
  { "one-sample", 0, { { 0, 4096, 16384, 3072, NONE, 0, NONE, M (6144), FALSE },
                       { 10000, 4096, 16384, 0, NONE, 0, NONE, M (4608), FALSE },
                       { 20000, 4096, 16384, 3072, NONE, 0, NONE, M (5120), FALSE } }, 3 },
  /* room grows: a third of the way every 10 s, up to the fixed budget */
  { "rise", 0, { { 0, 4096, 16384, 0, NONE, 0, NONE, M (3072), FALSE },
                 { 10000, 4096, 16384, 3072, NONE, 0, NONE, M (4096), FALSE },
                 { 20000, 4096, 16384, 4096, NONE, 0, NONE, M (5120), FALSE },
                 { 30000, 4096, 16384, 5120, NONE, 0, NONE, M (6144), FALSE },
                 { 40000, 4096, 16384, 12288, NONE, 0, NONE, M (6826) + 682, FALSE } }, 5 },
  /* a rise at 1 s passes: 1/21 of the way */
  { "rise-short", 0, { { 0, 4096, 16384, 0, NONE, 0, NONE, M (3072), FALSE },
                       { 1000, 4096, 16384, 2100, NONE, 0, NONE, M (3172), FALSE } }, 2 },
  /* [host] budget-mib (or the host at start) caps it */
  { "capped", 0, { { 0, 4096, 16384, 12288, NONE, 0, NONE, M (8192), FALSE } }, 1 },
  /* the cgroup's room is less than the host's */
  { "cgroup", 0, { { 0, 4096, 16384, 8192, 3072, 2560, NONE, M (3584), FALSE } }, 1 },
  { "cgroup-nolimit", 0, { { 0, 4096, 16384, 4096, NOLIMIT, 2560, NONE, M (7168), FALSE } }, 1 },
  { "cgroup-over", 0, { { 0, 4096, 16384, 8192, 3072, 5000, NONE, M (3072), FALSE } }, 1 },
  /* pressure: a step (1/16) below the domains, each pass it lasts; then
   * back at the rising pace */
  { "pressure", 0, { { 0, 4096, 16384, 3072, NONE, 0, 0, M (6144), FALSE },
                     { 1000, 4096, 16384, 3072, NONE, 0, 1500, M (3840), TRUE },
                     { 2000, 3840, 16384, 3072, NONE, 0, 1200, M (3600), TRUE },
                     { 3000, 3600, 16384, 3072, NONE, 0, 500, M (3600) + 99864, FALSE } }, 4 },
  { "pressure-threshold", 0, { { 0, 4096, 16384, 3072, NONE, 0, 999, M (6144), FALSE },
                               { 1000, 4096, 16384, 3072, NONE, 0, 1000, M (3840), TRUE } }, 2 },
  { "pressure-off", G_MAXUINT64, { { 0, 4096, 16384, 3072, NONE, 0, 10000, M (6144), FALSE } }, 1 },
  { "pressure-unread", 0, { { 0, 4096, 16384, 3072, NONE, 0, NONE, M (6144), FALSE } }, 1 },
  /* hostile: MemAvailable above MemTotal counts as MemTotal */
  { "available-above-total", 0, { { 0, 4096, 2048, 1000000000, NONE, 0, NONE, M (5120), FALSE } }, 1 },
  /* no figures: the fixed budget, then the last one in force */
  { "no-figures", 0, { { 0, 4096, 0, 0, NONE, 0, NONE, M (8192), FALSE },
                       { 1000, 4096, 16384, 2048, NONE, 0, NONE, M (5120), FALSE },
                       { 2000, 4096, 0, 0, NONE, 0, 9000, M (5120), FALSE } }, 3 },
  /* the reserve leaves nothing: the least budget, never 0 */
  { "nothing-left", 0, { { 0, 0, 16384, 512, NONE, 0, NONE, BC_BUDGET_MIN_KIB, FALSE } }, 1 },
  /* a clock that goes back moves nothing */
  { "time-back", 0, { { 5000, 4096, 16384, 2048, NONE, 0, NONE, M (5120), FALSE },
                      { 1000, 4096, 16384, 0, NONE, 0, NONE, M (5120), FALSE } }, 2 },
};

static void
host_of (const Row *r, BcHostFigures *h)
{
  memset (h, 0, sizeof *h);
  h->mem_total_kib = M (r->total_mib);
  h->mem_available_kib = M (r->avail_mib);
  h->have_cgroup = r->cg_max_mib != NONE;
  h->cgroup_max_kib = r->cg_max_mib == NOLIMIT ? G_MAXUINT64 : M (r->cg_max_mib);
  h->cgroup_current_kib = M (r->cg_cur_mib);
  h->have_pressure = r->psi_bp != NONE;
  h->pressure_some_bp = (guint) MAX (r->psi_bp, 0);
}

static void
run_trace (gconstpointer data)
{
  const Trace *t = data;
  BcBudgetCarry st = { 0 };
  BcBudgetParams p = { M (8192), M (1024), 1000, 0, 1000 };

  if (t->pressure_bp)
    p.pressure_bp = t->pressure_bp == G_MAXUINT64 ? 0 : (guint) t->pressure_bp;
  for (guint i = 0; i < t->n; i++)
    {
      const Row *r = &t->rows[i];
      BcHostFigures h;
      guint64 got;

      host_of (r, &h);
      p.domains_kib = M (r->domains_mib);
      got = bc_budget_next (&p, &h, &st, r->t_ms);
      if (got != r->budget_kib || st.pressure != r->pressure)
        g_error ("%s row %u: budget %" G_GUINT64_FORMAT " KiB pressure %d, expected %" G_GUINT64_FORMAT " KiB pressure %d",
                 t->name, i, got, st.pressure, r->budget_kib, r->pressure);
    }
}

/* Figures at the top of their types: no overflow, the fixed cap holds. */
static void
test_huge (void)
{
  BcBudgetParams p = { M (8192), M (1024), 1, G_MAXUINT64, G_MAXINT64 };
  BcHostFigures h = { G_MAXUINT64, G_MAXUINT64, TRUE, G_MAXUINT64 - 1, 0, TRUE, G_MAXUINT };
  BcBudgetCarry st = { 0 };

  g_assert_cmpuint (bc_budget_room_kib (&p, &h), ==, M (8192));
  /* pressure: a step below the domains' (believed) memory, still capped */
  g_assert_cmpuint (bc_budget_next (&p, &h, &st, G_MAXINT64), ==, M (8192));
  g_assert_true (st.pressure);
  /* a state from a huge budget (believed up to BC_HOST_KIB_MAX) falls by
   * half at most, over the longest time, without overflow */
  st.budget_kib = G_MAXUINT64;
  st.at_ms = G_MININT64;
  g_assert_cmpuint (bc_budget_next (&p, &h, &st, G_MAXINT64), ==, BC_HOST_KIB_MAX - (BC_HOST_KIB_MAX - M (8192)) / 2);
  /* a fixed budget of 0 (none configured) still gives the least one */
  p.fixed_kib = 0;
  memset (&st, 0, sizeof st);
  g_assert_cmpuint (bc_budget_room_kib (&p, &h), ==, BC_BUDGET_MIN_KIB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (traces); i++)
    {
      g_autofree char *path = g_strdup_printf ("/budget/trace/%s", traces[i].name);

      g_test_add_data_func (path, &traces[i], run_trace);
    }
  g_test_add_func ("/budget/huge", test_huge);
  return g_test_run ();
}
