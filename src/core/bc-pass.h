/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One control pass as a pure function: decide every domain's target,
 * arbitrate the host budget, and choose what to apply (dead band, a change
 * still in flight, a target still settling, dry run), with the reason for
 * each change.  Plain data in and out, time an argument: the daemon gathers
 * the inputs, calls it, and starts the applies. */
#pragma once

#include "bc-budget.h"
#include "bc-config.h"
#include "bc-decide.h"

/* How long a target just set stands for the domain's size: the balloon
 * takes a few seconds to get there. */
#define BC_SETTLE_MS 10000

/* A balloon that grows on its own by more than this, while a smaller size
 * was asked for, was deflated by its guest (deflate-on-oom, when it ran
 * out of memory) or set by someone's `virsh setmem`: the last target no
 * longer stands.  A domain with deflate-on-oom is then not taken below
 * that size for BC_TOOK_BACK_HOLD_MS, so it is not squeezed into the same
 * out-of-memory again. */
#define BC_TOOK_BACK_KIB (16 * 1024)
#define BC_TOOK_BACK_HOLD_MS 60000

/* A guest agent that failed this many times in a row is set aside: the
 * domain goes on with its balloon figures. */
#define BC_AGENT_FAILURES_BEFORE_BACKOFF 3

/* Why a domain's size is held as it is (figures too old to act on). */
typedef enum {
  BC_FREEZE_NONE,
  BC_FREEZE_AGENT,   /* the agent it relies on has no fresh figures */
  BC_FREEZE_BALLOON, /* the balloon statistics stopped being updated */
} BcFreeze;

/* What a domain carries from one pass to the next, all of it: the pass
 * reads it from BcPassInput.carry and leaves the next one in
 * BcPassOutput.carry.  Its keeper (the daemon, replay) stores that as it
 * is, and tells it the answer to a change with bc_carry_confirm or
 * bc_carry_refused; nothing else writes it. */
typedef struct {
  BcMargin margin;    /* the margin controller */
  guint64 requested_kib;   /* last target set, 0 = none */
  gint64 requested_at_ms;  /* monotonic */
  gboolean apply_inflight; /* a change was started and has not answered:
                              no other until it does */
  gboolean budget_held;    /* the last pass granted less than the target */
  guint64 last_current_kib;/* the balloon's size on the last pass it
                              decided, 0 = none */
  guint64 took_back_floor_kib; /* the guest took memory back from its
                              balloon: not below this size... */
  gint64 took_back_until_ms;   /* ...until then (monotonic) */
} BcCarry;

/* A domain's first carry: nothing asked yet, the margin at its start. */
void bc_carry_init (BcCarry *carry, const BcMarginParams *margin);
/* A change the pass started (BC_ACTION_SET) was made: the balloon goes
 * to kib, asked at at_ms. */
void bc_carry_confirm (BcCarry *carry, guint64 kib, gint64 at_ms);
/* It was not made (an error, a job in the way): the next pass may try. */
void bc_carry_refused (BcCarry *carry);

/* What the pass knows of one domain. */
typedef struct {
  gboolean managed;        /* set up, enabled, with a balloon */
  gboolean running;        /* libvirt says running, per this pass's figures */
  gboolean have_balloon;   /* balloon figures were read */
  BcBalloonFigures balloon;
  gint64 balloon_updated_ms; /* monotonic time of the balloon statistics'
                              last update; 0 = not known */
  BcGuestFigures guest;    /* at_ms 0 = none */
  gboolean agent_seen;     /* the agent has answered in this run */
  guint agent_failures;    /* in a row */
  BcDomainLimits limits;
  gboolean plugged;        /* sized by virtio-mem: the size read is what
                              the guest plugged, and a request does not
                              stand for it (the guest plugs and unplugs at
                              its own pace, or not at all) */
  BcCarry carry;           /* as the last pass left it */
} BcPassInput;

typedef enum {
  BC_ACTION_NONE,
  BC_ACTION_SET,           /* call setMemory */
  BC_ACTION_DRY_RUN,       /* say what would be set, set nothing */
} BcAction;

/* What the pass made of it. */
typedef struct {
  gboolean decided;        /* managed, running, with usable figures */
  BcFreeze frozen;         /* managed and running, but its figures are
                              too old: its size stands (not decided) */
  BcDecision decision;     /* valid if decided */
  BcCarry carry;           /* for the next pass */
  guint64 granted_kib;     /* what the arbiter grants (decided only) */
  BcWeight weight;            /* its weight in the host budget: metadata's
                              <weight>, else [domain] weight (decided only) */
  guint64 share_kib;       /* its weighted share of the host budget;
                              G_MAXUINT64 when every target fits (decided
                              only) */
  gboolean budget_held;    /* granted < the decision's target */
  BcAction action;
  guint64 old_kib;         /* the size it moves from (settled) */
  guint64 new_kib;
  char *reason;            /* why, in one line (action != NONE) */
  guint64 took_back_kib;   /* the guest took this back from its balloon
                              since the last pass (0 = no): the last
                              target set no longer stands */
} BcPassOutput;

/* What the pass knows of the host: the budget for every domain together
 * is [host] budget-mib, or the host's memory less reserve-mib; with
 * [host] follow, what the host's figures leave, smoothed (bc-budget.h). */
typedef struct {
  guint64 host_kib;        /* the host's memory, read at start */
  BcHostFigures figures;   /* the last read; mem_total_kib 0 = none */
  gint64 figures_at_ms;    /* monotonic, when it came; 0 = none yet */
  BcBudgetCarry carry;     /* the following budget as the last pass left
                              it (all 0 before the first) */
} BcPassHost;

typedef struct {
  const BcConfig *cfg;
  BcPassHost host;
  gint64 now_ms;           /* monotonic */
  gboolean dry_run;
} BcPassParams;

/* The size a domain is settling to: a target set in the last BC_SETTLE_MS
 * (the balloon moves towards it), else the balloon's current size; with
 * virtio-mem (plugged) always what the guest plugged, so that a guest that
 * does not follow is not asked for the next step before this one. */
guint64 bc_pass_settled_kib (const BcPassInput *in, gint64 now_ms);
/* What the domain may hold now, for the budget: the larger of its size
 * and a target it is still settling to; with virtio-mem, the request
 * standing on its device however old (a plug asked for may land at any
 * moment). */
guint64 bc_pass_held_kib (const BcPassInput *in, gint64 now_ms);
/* How much the balloon grew on its own since the last pass (see
 * BC_TOOK_BACK_KIB); 0 = it did not. */
guint64 bc_pass_took_back_kib (const BcPassInput *in);

/* How old balloon statistics may be: BC_STALE_PASSES passes of at least a
 * second (the statistics period), plus their time stamp's granularity.
 * (The agent's: bc_decide_agent_max_age_ms.) */
gint64 bc_pass_balloon_max_age_ms (const BcConfig *cfg);
BcFreeze bc_pass_freeze (const BcConfig *cfg, const BcPassInput *in, gint64 now_ms);

/* What the pass made of the host budget as a whole. */
typedef struct {
  gboolean floors_over;    /* the decided domains' floors alone exceed
                              what the others leave of the budget: each is
                              held at its floor, or below it at its size */
  guint64 floors_kib;      /* those floors together */
  guint64 managed_kib;     /* the budget less what the domains not
                              decided hold: what the decided ones share */
  guint64 budget_kib;      /* the budget this pass ran with */
  BcBudgetCarry host_carry;/* for the next pass */
} BcPassBudget;

/* The budget for this pass, and *carry for the next: the fixed one, or
 * with [host] follow the one bc_budget_next makes of the figures, unless
 * they are stale (BC_STALE_PASSES). */
guint64 bc_pass_host_budget (const BcPassParams *p, const BcPassInput *in, gsize n, BcBudgetCarry *carry);

/* The weight a domain has: its metadata's, else the configuration's. */
BcWeight bc_pass_weight (const BcConfig *cfg, const BcDomainLimits *limits);

/* Fills out[0..n-1] (to be cleared with bc_pass_output_clear). */
BcPassBudget bc_pass_plan (const BcPassParams *p, const BcPassInput *in, gsize n, BcPassOutput *out);
void bc_pass_output_clear (BcPassOutput *out);
