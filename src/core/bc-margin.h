/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: the MarginSize controller: the margin, its UP/DOWN state and
 * what each policy remembers, stepped by the configured policy
 * (bc-policy.h).  Pure: figures and time in, new state out. */
#pragma once

#include <glib.h>

typedef enum {
  BC_POLICY_PAPER,         /* the paper's rules, "changing" read as cache turnover */
  BC_POLICY_PAPER_LITERAL, /* the paper's rules read literally, size deltas only */
  BC_POLICY_ADAPTIVE,      /* refault-driven: grow with the evidence, probe down
                              faster while nothing refaults (bc-adaptive.c) */
  /* For comparison in the lab's benchmark, not for production: */
  BC_POLICY_COMMITTED,     /* Committed_AS + a fixed reserve (initial-mib),
                              xenballoond's rule */
  BC_POLICY_MOM,           /* oVirt MoM's default balloon rules (bc-mom.c) */
} BcPolicy;

typedef enum {
  BC_STATE_UP,
  BC_STATE_DOWN,
} BcState;

typedef struct {
  gint64 initial_kib;
  gint64 min_kib;
  gint64 max_kib;
  gint64 step_kib;      /* margin growth per tick */
  gint64 down_step_kib; /* margin shrink per tick */
  gint64 threshold_kib; /* a change smaller than this is "not changing" */
} BcMarginParams;

/* What one margin tick looks at: cumulative figures from the guest. */
typedef struct {
  guint64 cached_kib;
  guint64 active_file_kib;   /* valid if have_active_file */
  guint64 inactive_file_kib; /* valid if have_active_file */
  guint64 refault_file_kib;  /* cumulative, valid if have_refault */
  guint64 read_kib;          /* cumulative KiB read from disks (pgpgin),
                                valid if have_refault; 0: not known (a
                                recording made before it) */
  gboolean have_active_file; /* FALSE when only balloon figures are known */
  gboolean have_refault;
  gint64 at_ms;              /* when the figures were read (0: unknown) */
  /* what policy = mom looks at */
  guint64 size_kib;          /* the domain's size (settled) */
  guint64 max_kib;           /* its maximum */
  guint64 free_kib;          /* MemFree (agent) or MemAvailable (balloon) */
  guint64 committed_kib;
  guint host_free_bp;        /* the budget's free part, 1/10000 */
} BcMarginSample;

typedef struct {
  BcState state;
  gint64 margin_kib;
  gint64 last_tick_ms; /* monotonic time of the last tick, or -1 */
  gboolean have_prev;
  BcMarginSample prev;
  gint64 shrink_step_kib; /* no longer used (adaptive's old probe rate);
                             kept: recordings carry it */
  gint64 hold_until_ms;   /* adaptive: no shrink before this */
  gint64 edge_kib;        /* adaptive: the margin where refaults last began */
  gint64 edge_at_ms;      /* adaptive: when (0 = never) */
  gint64 grown_kib;       /* adaptive: the last tick's growth */
  gint64 hold_ms;         /* adaptive: the hold after the last growth */
  gint64 refault_rate_kib; /* adaptive: KiB refaulted a second, last tick */
  gint64 read_credit_kib;  /* adaptive: growth first reads may still make */
  gint64 first_read_at_ms; /* adaptive: the last tick with first reads (0 = never) */
  gint64 read_owed_kib;    /* adaptive: growth first reads made that neither
                              a probe nor the budget has taken back, nor
                              refaults shown needed */
  char reason[96]; /* why the last tick did what it did */
} BcMargin;

/* What changed between two samples; counters that went backwards (guest
 * reboot, lies) count as no turnover. */
typedef struct {
  gint64 cached;
  gint64 active;
  gint64 turnover;     /* KiB of file pages refaulted */
  gint64 read;         /* KiB read from disks, valid if have_read */
  gboolean have_active;
  gboolean have_turnover;
  gboolean have_read;
} BcMarginDelta;

const char *bc_policy_to_string (BcPolicy policy);
gboolean bc_policy_from_string (const char *s, BcPolicy *out);
const char *bc_state_to_string (BcState state);

void bc_margin_init (BcMargin *st, const BcMarginParams *p);
/* Whether a tick is due at now_ms for the given interval. */
gboolean bc_margin_due (const BcMargin *st, gint64 now_ms, gint64 interval_ms);
/* One tick of the state machine at now_ms. */
void bc_margin_tick (BcMargin *st, const BcMarginParams *p, BcPolicy policy,
                     const BcMarginSample *now, gint64 now_ms);
