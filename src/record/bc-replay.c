/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-replay"

#include "bc-replay.h"
#include "bc-error.h"

#include <string.h>

/* What replay carries for one domain from pass to pass. */
typedef struct {
  BcReplaySummary sum;     /* first: the summaries point here */
  gint64 run;
  guint64 seen;            /* the replayed pass that last showed it */
  BcCarry carry;           /* replay's own, as its passes leave it */
  gboolean in_step;        /* every decision of this run as recorded: the
                              daemon's answers to its changes (when, and
                              whether one is still awaited) stand */
  gboolean recorded_ticked; /* the recorded controller had ticked */
  gint64 last_ms;
  guint64 last_kib, last_recorded_kib;
  guint64 vmem_requested_kib; /* what its virtio-mem device was last asked:
                              the recorded while in step, then replay's */
} Dom;

struct _BcReplay {
  BcReplayOptions opts;
  GHashTable *domains;     /* uuid -> Dom */
  guint64 passes;
  guint64 last_pass;       /* the recorded pass number last replayed */
  gint64 first_ms;
  gboolean config_differs;
  guint64 decisions_differ;
  guint64 lines_skipped;
  BcPolicy policy, recorded_policy;
  BcBudgetCarry host_carry;  /* replay's own following budget */
  gboolean old_format;     /* a pass without the host's figures was read */
  gboolean follow;         /* some pass replayed with [host] follow... */
  gboolean figures_seen;   /* ...and some pass held the host's figures */
  gboolean skipped;        /* a damaged line since the last pass */
};

static void
dom_free (gpointer data)
{
  Dom *d = data;

  g_free (d->sum.name);
  g_free (d);
}

BcReplay *
bc_replay_new (const BcReplayOptions *opts)
{
  BcReplay *r = g_new0 (BcReplay, 1);

  r->opts = *opts;
  r->domains = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, dom_free);
  return r;
}

void
bc_replay_free (BcReplay *r)
{
  if (r == NULL)
    return;
  g_hash_table_unref (r->domains);
  g_free (r);
}

static gboolean
fresh_margin (const BcMargin *m)
{
  return m->last_tick_ms < 0 && !m->have_prev;
}

static gboolean
margin_params_equal (const BcMarginParams *a, const BcMarginParams *b)
{
  return a->initial_kib == b->initial_kib && a->min_kib == b->min_kib && a->max_kib == b->max_kib;
}

/* Where the daemon began following the domain anew, replay does too: from
 * what was recorded, but a controller that has not ticked yet starts at
 * replay's own initial margin. */
static void
seed (Dom *d, const BcRecordDomain *rd, const BcConfig *cfg, const BcConfig *recorded)
{
  d->run = rd->run;
  d->carry = rd->in.carry;
  if (fresh_margin (&rd->in.carry.margin) && !margin_params_equal (&cfg->margin, &recorded->margin))
    bc_margin_init (&d->carry.margin, &cfg->margin);
  d->in_step = TRUE;
  d->last_ms = -1;
}

/* A new daemon, a domain not in the last pass, a new run of it, or a
 * controller the daemon started afresh. */
static gboolean
begins_anew (const BcReplay *r, const Dom *d, const BcRecordDomain *rd, gboolean new_daemon)
{
  return new_daemon || d->seen != r->passes - 1 || d->run != rd->run ||
         (d->recorded_ticked && fresh_margin (&rd->in.carry.margin));
}

static Dom *
dom_for (BcReplay *r, const BcRecordPass *rec, const BcRecordDomain *rd, const BcConfig *cfg, gboolean new_daemon)
{
  Dom *d = g_hash_table_lookup (r->domains, rd->uuid);

  if (d == NULL)
    {
      d = g_new0 (Dom, 1);
      g_strlcpy (d->sum.uuid, rd->uuid, sizeof d->sum.uuid);
      d->sum.target_min_kib = G_MAXUINT64;
      g_hash_table_insert (r->domains, d->sum.uuid, d);
    }
  else if (!begins_anew (r, d, rd, new_daemon))
    return d;
  seed (d, rd, cfg, &rec->cfg);
  return d;
}

/* The recorded input, with what replay carries in place of the recorded;
 * while in step, the daemon's answers to its changes as recorded. */
static void
input_for (const Dom *d, const BcRecordDomain *rd, BcPassInput *in)
{
  *in = rd->in;
  in->carry = d->carry;
  if (!d->in_step)
    return;
  in->carry.requested_kib = rd->in.carry.requested_kib;
  in->carry.requested_at_ms = rd->in.carry.requested_at_ms;
  in->carry.apply_inflight = rd->in.carry.apply_inflight;
}

/* What a change asks of the domain's virtio-mem device last asked
 * requested_kib: the size, or BC_VMEM_NO_REQUEST when that stands (the
 * daemon's rule, bc_vmem_request, with no stall foreseen). */
static guint64
device_asks (const BcRecordDomain *rd, guint64 requested_kib, const BcPassOutput *out)
{
  BcVmemDevice dev = rd->vmem;

  dev.requested_kib = requested_kib;
  return bc_vmem_request (&(BcVmemFollow) { 0 }, &dev, out->new_kib, 0);
}

/* Whether the daemon would make the change: a balloon's always; a
 * virtio-mem device's unless its request stands. */
static gboolean
changes (const BcRecordDomain *rd, guint64 requested_kib, const BcPassOutput *out)
{
  if (out->action == BC_ACTION_NONE)
    return FALSE;
  return !rd->in.plugged || device_asks (rd, requested_kib, out) != BC_VMEM_NO_REQUEST;
}

/* The size a pass leaves the domain at: the change (for virtio-mem, its
 * boot memory and the device's request), or where it settles. */
static guint64
size_after (const BcRecordDomain *rd, guint64 requested_kib, const BcPassInput *in, const BcPassOutput *out,
            gint64 now_ms)
{
  BcVmemDevice dev = rd->vmem;

  if (out->action == BC_ACTION_NONE)
    return bc_pass_settled_kib (in, now_ms);
  if (!rd->in.plugged)
    return out->new_kib;
  dev.requested_kib = requested_kib;
  return dev.fixed_kib + bc_vmem_requested_for (&dev, out->new_kib);
}

static void
summarise (Dom *d, const BcRecordDomain *rd, const BcPassInput *in, const BcPassOutput *out, gint64 now_ms)
{
  BcReplaySummary *s = &d->sum;
  guint64 kib = size_after (rd, d->vmem_requested_kib, in, out, now_ms);
  guint64 recorded = size_after (rd, rd->vmem.requested_kib, &rd->in, &rd->out, now_ms);

  if (d->last_ms >= 0 && now_ms > d->last_ms)
    {
      s->memory_kib_ms += (double) d->last_kib * (double) (now_ms - d->last_ms);
      s->recorded_memory_kib_ms += (double) d->last_recorded_kib * (double) (now_ms - d->last_ms);
    }
  d->last_ms = now_ms;
  d->last_kib = kib;
  d->last_recorded_kib = recorded;
  g_free (s->name);
  s->name = g_strdup (rd->name);
  s->managed |= rd->in.managed;
  s->virtio_mem = rd->in.plugged;
  s->passes++;
  s->changes += changes (rd, d->vmem_requested_kib, out);
  s->recorded_changes += changes (rd, rd->vmem.requested_kib, &rd->out);
  s->target_min_kib = MIN (s->target_min_kib, kib);
  s->target_max_kib = MAX (s->target_max_kib, kib);
  s->target_sum_kib += (double) kib;
  s->recorded_sum_kib += (double) recorded;
  s->differ += kib != recorded;
  s->abs_diff_sum_kib += kib > recorded ? (double) (kib - recorded) : (double) (recorded - kib);
}

/* The answer to a change: made at once; a virtio-mem device's request
 * that stands is none (the daemon asks nothing). */
static void
answer (Dom *d, const BcRecordDomain *rd, const BcPassOutput *out, gint64 now_ms)
{
  guint64 asked;

  if (!rd->in.plugged)
    return bc_carry_confirm (&d->carry, out->new_kib, now_ms);
  if ((asked = device_asks (rd, d->vmem_requested_kib, out)) == BC_VMEM_NO_REQUEST)
    return bc_carry_refused (&d->carry);
  d->vmem_requested_kib = asked;
  bc_carry_confirm (&d->carry, rd->vmem.fixed_kib + asked, now_ms);
}

/* What replay carries to the next pass: the pass's carry, its change
 * made at once. */
static void
carry (BcReplay *r, Dom *d, const BcRecordDomain *rd, const BcPassOutput *out, gint64 now_ms)
{
  gboolean same = bc_record_output_equal (out, &rd->out);

  r->decisions_differ += !same;
  d->in_step = d->in_step && same;
  d->seen = r->passes;
  d->recorded_ticked = !fresh_margin (&rd->in.carry.margin);
  d->carry = out->carry;
  if (out->action == BC_ACTION_SET)
    answer (d, rd, out, now_ms);
  /* out of step, the change awaited was the daemon's, not replay's: its
   * own are made at once */
  if (!d->in_step)
    d->carry.apply_inflight = FALSE;
}

/* A format 1 pass has the budget it ran with, not the host's figures it
 * was made of: that budget stands as a fixed one (under --config, the
 * configured fixed budget), [host] follow and pressure-percent not redone. */
static void
without_host_figures (BcReplay *r, const BcRecordPass *rec, BcConfig *cfg)
{
  r->old_format = TRUE;
  cfg->follow = FALSE;
  if (!r->opts.have_config)
    cfg->budget_kib = (gint64) rec->budget_kib;
}

static gboolean
config_for (BcReplay *r, const BcRecordPass *rec, gboolean new_daemon, BcConfig *cfg, BcPassHost *host, GError **error)
{
  *cfg = r->opts.have_config ? r->opts.cfg : rec->cfg;
  if (r->opts.have_policy)
    cfg->policy = r->opts.policy;
  r->config_differs |= !bc_record_config_equal (cfg, &rec->cfg);
  r->policy = cfg->policy;
  r->recorded_policy = rec->cfg.policy;
  if (!rec->have_host)
    without_host_figures (r, rec, cfg);
  if (bc_config_budget_kib (cfg, rec->host.host_kib) == 0)
    return bc_set_error (error, BC_ERROR_CONFIG, "[host] reserve-mib %" G_GUINT64_FORMAT " leaves nothing of the "
                         "recorded host's %" G_GUINT64_FORMAT " MiB", cfg->reserve_kib / 1024, rec->host.host_kib / 1024);
  /* where the daemon began anew, or replay lost passes, the budget starts
   * again from what the daemon had */
  if (new_daemon)
    r->host_carry = rec->host.carry;
  *host = rec->host;
  host->carry = r->host_carry;
  r->follow |= cfg->follow;
  r->figures_seen |= rec->host.figures_at_ms != 0;
  return TRUE;
}

gboolean
bc_replay_pass (BcReplay *r, const BcRecordPass *rec, BcPassOutput *out, GError **error)
{
  g_autofree BcPassInput *in = g_new0 (BcPassInput, MAX (rec->n, 1));
  g_autofree Dom **doms = g_new0 (Dom *, MAX (rec->n, 1));
  /* a new daemon (its passes counted from 1 again), or passes missing
   * (damaged lines, a recording stopped and opened again): what was
   * carried is lost, and each starts again from the recorded */
  gboolean new_daemon = r->passes == 0 || rec->pass != r->last_pass + 1 || r->skipped;
  BcConfig cfg;
  BcPassParams p = { &cfg, { 0 }, rec->now_ms, rec->dry_run };
  BcPassBudget budget;

  if (!config_for (r, rec, new_daemon, &cfg, &p.host, error))
    return FALSE;
  if (r->passes == 0)
    r->first_ms = rec->now_ms;
  r->passes++;
  r->last_pass = rec->pass;
  r->skipped = FALSE;
  for (gsize i = 0; i < rec->n; i++)
    {
      doms[i] = dom_for (r, rec, &rec->domains[i], &cfg, new_daemon);
      input_for (doms[i], &rec->domains[i], &in[i]);
    }
  budget = bc_pass_plan (&p, in, rec->n, out);
  r->host_carry = budget.host_carry;
  for (gsize i = 0; i < rec->n; i++)
    {
      /* in step, the device was asked what the daemon asked it */
      if (doms[i]->in_step)
        doms[i]->vmem_requested_kib = rec->domains[i].vmem.requested_kib;
      summarise (doms[i], &rec->domains[i], &in[i], &out[i], rec->now_ms);
      carry (r, doms[i], &rec->domains[i], &out[i], rec->now_ms);
    }
  return TRUE;
}

gint64
bc_replay_elapsed_ms (const BcReplay *r, const BcRecordPass *rec)
{
  return rec->now_ms - r->first_ms;
}

guint64
bc_replay_passes (const BcReplay *r)
{
  return r->passes;
}

void
bc_replay_skip_line (BcReplay *r)
{
  r->lines_skipped++;
  r->skipped = TRUE;
}

guint64
bc_replay_lines_skipped (const BcReplay *r)
{
  return r->lines_skipped;
}

const char *
bc_replay_budget_note (const BcReplay *r)
{
  if (r->old_format && r->opts.have_config)
    return "recorded without the host's figures (format 1): the configured fixed budget stood, "
           "[host] follow and pressure-percent not redone";
  if (r->old_format)
    return "recorded without the host's figures (format 1): its budget as recorded stood, "
           "[host] follow and pressure-percent not redone";
  if (r->follow && !r->figures_seen)
    return "no pass recorded the host's figures (its daemon ran without [host] follow, or its driver "
           "gives none): the fixed budget stood";
  return NULL;
}

gboolean
bc_replay_host_figures (const BcReplay *r)
{
  return !r->old_format && r->figures_seen;
}

gboolean
bc_replay_config_differs (const BcReplay *r)
{
  return r->config_differs;
}

guint64
bc_replay_decisions_differ (const BcReplay *r)
{
  return r->decisions_differ;
}

BcPolicy
bc_replay_policy (const BcReplay *r, gboolean recorded)
{
  return recorded ? r->recorded_policy : r->policy;
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  const BcReplaySummary *x = *(BcReplaySummary *const *) a, *y = *(BcReplaySummary *const *) b;
  gint c = g_strcmp0 (x->name, y->name);

  return c ? c : strcmp (x->uuid, y->uuid);
}

GPtrArray *
bc_replay_summaries (BcReplay *r)
{
  GPtrArray *a = g_ptr_array_new ();
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, r->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_ptr_array_add (a, &((Dom *) v)->sum);
  g_ptr_array_sort (a, by_name);
  return a;
}
