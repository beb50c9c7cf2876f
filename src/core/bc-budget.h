/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host budget that follows the host: what the host can give the
 * domains now (their current memory plus the host's MemAvailable, and a
 * cgroup's room, less [host] reserve-mib), smoothed so that one sample
 * cannot move it far, and pulled below the domains' memory when the
 * host's memory pressure rises.  Pure: the figures and the time are
 * arguments (read by bc-host.c). */
#pragma once

#include <glib.h>

/* Largest figure believed from the host: 1 PiB in KiB. */
#define BC_HOST_KIB_MAX (G_GUINT64_CONSTANT (1) << 40)
/* No budget below this: the arbiter then holds every domain at its floor. */
#define BC_BUDGET_MIN_KIB (1024)
/* Time constants of the smoothing, in apply intervals (see smooth() in
 * bc-budget.c): 2 s and 20 s at the default 1 s. */
#define BC_BUDGET_FALL_INTERVALS 2
#define BC_BUDGET_RISE_INTERVALS 20
/* Under pressure the budget stands this part (1/16) of the domains'
 * memory below what they hold, each pass the pressure lasts. */
#define BC_BUDGET_PRESSURE_STEP_DIV 16

/* What one read of the host found. */
typedef struct {
  guint64 mem_total_kib;      /* 0 = no figures (the read failed) */
  guint64 mem_available_kib;
  gboolean have_cgroup;       /* the domains' cgroup was read */
  guint64 cgroup_max_kib;     /* G_MAXUINT64: no limit ("max") */
  guint64 cgroup_current_kib;
  gboolean have_pressure;     /* /proc/pressure/memory was read */
  guint pressure_some_bp;     /* "some avg10", in 1/100 of a percent */
} BcHostFigures;

typedef struct {
  guint64 fixed_kib;          /* [host] budget-mib, else the host's memory
                                 at start less reserve-mib: the budget
                                 without figures, and its ceiling */
  guint64 reserve_kib;        /* [host] reserve-mib */
  guint pressure_bp;          /* [host] pressure-percent x 100; 0 = off */
  guint64 domains_kib;        /* what the domains hold now, together */
  gint64 interval_ms;         /* [controller] apply-interval-ms */
} BcBudgetParams;

/* Carried from pass to pass. */
typedef struct {
  guint64 budget_kib;         /* the budget in force; 0 = none yet */
  gint64 at_ms;               /* when it was computed (monotonic) */
  gboolean pressure;          /* the pressure rule held it last pass */
} BcBudgetCarry;

/* What the host can give now, unsmoothed: domains + available - reserve
 * within [BC_BUDGET_MIN_KIB, fixed]; available is MemAvailable (at most
 * MemTotal), or the cgroup's max - current when that is less. */
guint64 bc_budget_room_kib (const BcBudgetParams *p, const BcHostFigures *h);
/* The budget for this pass; updates st. */
guint64 bc_budget_next (const BcBudgetParams *p, const BcHostFigures *h, BcBudgetCarry *st, gint64 now_ms);
