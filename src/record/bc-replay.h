/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay: a recording's passes run again through the pure pass, with the
 * recorded configuration or another (and another policy), to see what
 * balloonctl would have set on this host's own history.  Pure: recorded
 * passes in, outputs and a summary out; no clock, no I/O.
 *
 * What happened stays as recorded: which domains ran, their figures, the
 * balloon's size, the host's figures.  What the pass carries evolves in
 * replay: each domain's carry (BcCarry: its margin controller, holds,
 * budget flag) is seeded from the first pass that shows the domain (a new
 * run, a new daemon, or a record the daemon started afresh), and the
 * host's carry (the budget that follows the host) from the first pass;
 * both again after passes are missing (a damaged line skipped, a gap in
 * the pass numbers); from then on they are those replay computed on the
 * previous pass, never the recorded ones.
 *
 * The last target set (requested_kib, requested_at_ms) and an apply still
 * in flight are the recorded ones while replay decides for the domain
 * exactly what was recorded (the same request met the same fate: it took
 * that long, or failed); from the first pass where it decides otherwise,
 * until the domain's run ends, they are replay's own: a change is taken as
 * made at the pass's time, never in flight, never failing.  So with the
 * recorded configuration every recorded decision is reproduced.
 *
 * A domain its virtio-mem device sizes (its input plugged) is
 * answered as the daemon answers it: the device is asked for the target
 * rounded up to its blocks, within its size (bc_vmem_requested_for), from
 * what it was last asked (the recorded request while in step, then
 * replay's own), and the domain's size is its boot memory plus that; a
 * change whose request already stands asks nothing and is no change (a
 * target below the boot memory, a difference within a block).  A request
 * the guest does not follow is not foreseen: replay's requests are met. */
#pragma once

#include "bc-record.h"

typedef struct {
  gboolean have_config;    /* else each pass's recorded configuration */
  BcConfig cfg;
  gboolean have_policy;    /* over either */
  BcPolicy policy;
} BcReplayOptions;

/* One domain, over the passes that showed it. */
typedef struct {
  char uuid[37];
  char *name;              /* the latest */
  gboolean managed;        /* in some pass */
  gboolean virtio_mem;     /* sized by its virtio-mem device (the latest
                              pass): its sizes are the device's */
  guint64 passes;
  guint64 changes;         /* replay's */
  guint64 recorded_changes;
  guint64 target_min_kib, target_max_kib;
  double target_sum_kib, recorded_sum_kib;
  double memory_kib_ms, recorded_memory_kib_ms;
  guint64 differ;          /* passes whose size differs from the recorded */
  double abs_diff_sum_kib;
} BcReplaySummary;

typedef struct _BcReplay BcReplay;

BcReplay *bc_replay_new (const BcReplayOptions *opts);
void bc_replay_free (BcReplay *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcReplay, bc_replay_free)

/* Runs the recorded pass again: fills out[0..rec->n-1] (clear each with
 * bc_pass_output_clear).  FALSE when the configuration given leaves no
 * budget on the recorded host. */
gboolean bc_replay_pass (BcReplay *r, const BcRecordPass *rec, BcPassOutput *out, GError **error);

/* Since the recording's first pass. */
gint64 bc_replay_elapsed_ms (const BcReplay *r, const BcRecordPass *rec);
guint64 bc_replay_passes (const BcReplay *r);
/* A line of the recording that is not a pass was passed over; how many. */
void bc_replay_skip_line (BcReplay *r);
guint64 bc_replay_lines_skipped (const BcReplay *r);
/* Why the budget could not be made anew from the host's figures, in a
 * sentence, or NULL: a pass of format 1 (its budget as recorded stood;
 * under --config the configured fixed one), or [host] follow asked of a
 * recording with no figures in it. */
const char *bc_replay_budget_note (const BcReplay *r);
/* Every pass had the host's figures' place (format 2) and some held
 * figures. */
gboolean bc_replay_host_figures (const BcReplay *r);
/* Some pass ran with another configuration or policy than recorded. */
gboolean bc_replay_config_differs (const BcReplay *r);
/* Domain-passes whose decision (bc_record_output_equal) is not the
 * recorded one. */
guint64 bc_replay_decisions_differ (const BcReplay *r);
/* The policy of the last pass replayed, and the recorded one. */
BcPolicy bc_replay_policy (const BcReplay *r, gboolean recorded);
/* One summary a domain, by name then UUID (owned by r). */
GPtrArray *bc_replay_summaries (BcReplay *r);
