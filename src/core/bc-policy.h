/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: the policies behind one table of operations.  A policy is one
 * file (its tick and, if it needs them, its hooks) and one entry in
 * bc-policy.c; the margin controller, the decision, the pass and the room
 * estimate ask the table, never a policy by name.  Pure. */
#pragma once

#include "bc-margin.h"

/* One tick's inputs: the sample, what changed since the previous one
 * (NULL for a policy on levels, or when there is no previous sample) and
 * the time between them. */
typedef struct {
  const BcMarginSample *now;
  const BcMarginDelta *delta;
  gint64 now_ms;
  gint64 since_ms;
} BcPolicyTick;

typedef struct {
  BcPolicy id;
  const char *name;
  /* Rules on levels (this sample alone): ticks from the first sample. */
  gboolean on_levels;
  /* One tick: the margin and its state from the tick's inputs. */
  void (*tick) (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t);
  /* Optional (NULL: the default in brackets). */
  /* Whether it ticks on every fresh sample (FALSE: every margin interval). */
  gboolean (*per_sample) (const BcMarginSample *s);
  /* The budget granted less than the target: the margin after it (kept). */
  void (*unwind) (BcMargin *st, const BcMarginParams *p, guint64 granted_kib, guint64 committed_kib);
  /* The target's floor is above committed + margin: the margin after it
   * (kept). */
  void (*raise) (BcMargin *st, const BcMarginParams *p, guint64 floor_kib, guint64 committed_kib);
  /* What the arbiter may take first under contention (0). */
  guint64 (*cold_kib) (const BcMargin *st, guint64 cached_kib, guint64 inactive_file_kib);
  /* Whether the guest is quiet, its cold memory reclaimable (FALSE). */
  gboolean (*quiet) (const BcMargin *st, guint64 cached_kib);
} BcPolicyOps;

/* The operations of a policy (an unknown id: paper's). */
const BcPolicyOps *bc_policy_ops (BcPolicy id);
