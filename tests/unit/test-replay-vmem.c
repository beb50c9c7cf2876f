/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replay of domains sized by virtio-mem, over literal passes made the way
 * the daemon makes them: a change asks the device for the target rounded
 * up to its blocks, and asks nothing when that request stands.  Replay
 * answers its own changes the same way: sizes the device can have, no
 * change where the daemon would ask nothing. */
#include "bc-record.h"
#include "bc-replay.h"

#include <string.h>

#define MIB 1024
#define PASSES 30
#define NDOMS 2
#define UUID_SHRINK "00000000-0000-4000-8000-0000000000a1"
#define UUID_GROW "00000000-0000-4000-8000-0000000000a2"

/* 1 GiB of boot memory, a device of 1 GiB in 2 MiB blocks, none plugged */
static const BcVmemDevice device = { 1024 * MIB, 1024 * MIB, 2 * MIB, 0, 0 };
/* vm-grow's min: 45 MiB and 1 KiB above its boot memory */
#define GROW_MIN_KIB (1069 * MIB + 1)

typedef struct {
  BcCarry carry;
  BcVmemDevice dev;
} SimDom;

static void
sim_config (BcConfig *cfg)
{
  bc_config_defaults (cfg);
  cfg->policy = BC_POLICY_PAPER;
  cfg->agent = FALSE;
  cfg->budget_kib = 8192 * MIB;
  cfg->follow = FALSE;
}

/* A guest using 300 MiB, sized by its device: its size is boot + plugged. */
static void
sim_input (const SimDom *s, guint i, BcPassInput *in)
{
  guint64 size = bc_vmem_current_kib (&s->dev);

  memset (in, 0, sizeof *in);
  in->managed = in->running = in->have_balloon = TRUE;
  in->balloon.current_kib = size;
  in->balloon.max_kib = bc_vmem_max_kib (&s->dev);
  in->balloon.have_stats = TRUE;
  in->balloon.guest_total_kib = size;
  in->balloon.usable_kib = size - 300 * MIB;
  in->limits.enabled = TRUE;
  in->limits.min_kib = i == 1 ? GROW_MIN_KIB : 0;
  in->plugged = TRUE; /* as bc_domain_pass_input says of a virtio-mem domain */
  in->carry = s->carry;
}

/* The daemon's apply (bc_apply_start): the request, or nothing when it
 * stands; the guest plugs what was asked by the next pass. */
static void
sim_apply (SimDom *s, const BcPassOutput *out, gint64 now_ms)
{
  guint64 want;

  s->carry = out->carry;
  if (out->action != BC_ACTION_SET)
    return;
  want = bc_vmem_requested_for (&s->dev, out->new_kib);
  if (want == s->dev.requested_kib)
    {
      bc_carry_refused (&s->carry);
      return;
    }
  s->dev.requested_kib = want;
  bc_carry_confirm (&s->carry, s->dev.fixed_kib + want, now_ms + 5);
}

static BcRecordPass *
simulate (void)
{
  BcRecordPass *rec = g_new0 (BcRecordPass, PASSES);
  SimDom sim[NDOMS];
  BcConfig cfg;

  sim_config (&cfg);
  for (guint i = 0; i < NDOMS; i++)
    {
      bc_carry_init (&sim[i].carry, &cfg.margin);
      sim[i].dev = device;
    }
  for (int k = 0; k < PASSES; k++)
    {
      BcPassInput in[NDOMS];
      BcPassOutput out[NDOMS];
      gint64 now_ms = 50000 + k * 1000;
      BcPassParams params = { &cfg, { 8192 * MIB, { 0 }, 0, { 0 } }, now_ms, FALSE };
      BcPassBudget budget;

      for (guint i = 0; i < NDOMS; i++)
        {
          sim[i].dev.plugged_kib = sim[i].dev.requested_kib;
          sim_input (&sim[i], i, &in[i]);
        }
      budget = bc_pass_plan (&params, in, NDOMS, out);
      rec[k] = (BcRecordPass) { (guint64) k + 1, cfg, TRUE, params.host, budget.budget_kib, now_ms, FALSE, NDOMS,
                                g_new0 (BcRecordDomain, NDOMS) };
      for (guint i = 0; i < NDOMS; i++)
        {
          BcRecordDomain *d = &rec[k].domains[i];

          g_strlcpy (d->uuid, i ? UUID_GROW : UUID_SHRINK, sizeof d->uuid);
          d->name = g_strdup (i ? "vm-grow" : "vm-shrink");
          d->run = 1;
          d->in = in[i];
          d->out = out[i];
          d->vmem = sim[i].dev;
          sim_apply (&sim[i], &out[i], now_ms);
        }
    }
  return rec;
}

static void
recording_free (BcRecordPass *rec)
{
  for (int k = 0; k < PASSES; k++)
    bc_record_pass_clear (&rec[k]);
  g_free (rec);
}

static const BcReplaySummary *
summary (GPtrArray *sums, const char *uuid)
{
  for (guint i = 0; i < sums->len; i++)
    if (strcmp (((BcReplaySummary *) g_ptr_array_index (sums, i))->uuid, uuid) == 0)
      return g_ptr_array_index (sums, i);
  g_assert_not_reached ();
}

/* Replays rec; each pass's outputs go to check (may be NULL). */
static BcReplay *
replay_all (const BcReplayOptions *opts, BcRecordPass *rec, void (*check) (int k, const BcPassOutput *out))
{
  BcReplay *r = bc_replay_new (opts);

  for (int k = 0; k < PASSES; k++)
    {
      BcPassOutput out[NDOMS];

      g_assert_true (bc_replay_pass (r, &rec[k], out, NULL));
      if (check)
        check (k, out);
      for (guint i = 0; i < NDOMS; i++)
        bc_pass_output_clear (&out[i]);
    }
  return r;
}

/* The recording is what the test means: vm-shrink's pass wants it below
 * its boot memory every pass (a request of 0, which stands: the daemon
 * asks nothing); vm-grow's once, 45 MiB and 1 KiB above it, asked as 46
 * MiB. */
static void
test_recording (void)
{
  BcRecordPass *rec = simulate ();
  guint shrink_sets = 0;

  for (int k = 0; k < PASSES; k++)
    {
      const BcRecordDomain *s = &rec[k].domains[0], *g = &rec[k].domains[1];

      shrink_sets += s->out.action == BC_ACTION_SET;
      g_assert_cmpuint (s->vmem.requested_kib, ==, 0);
      g_assert_cmpuint (g->vmem.requested_kib, ==, k == 0 ? 0 : 46 * MIB);
      g_assert_cmpint (g->out.action, ==, k == 0 ? BC_ACTION_SET : BC_ACTION_NONE);
    }
  g_assert_cmpuint (shrink_sets, ==, PASSES);
  g_assert_cmpuint (rec[0].domains[1].out.new_kib, ==, GROW_MIN_KIB);
  recording_free (rec);
}

/* With the recorded configuration: every decision again, and the sizes
 * and changes are the device's: vm-shrink stays at its boot memory with
 * no change made, vm-grow has one, to its boot memory and 46 MiB (never
 * the 1069 MiB and 1 KiB its pass asked for). */
static void
test_exact (void)
{
  BcRecordPass *rec = simulate ();
  BcReplayOptions opts = { 0 };
  g_autoptr (BcReplay) r = replay_all (&opts, rec, NULL);
  g_autoptr (GPtrArray) sums = bc_replay_summaries (r);
  const BcReplaySummary *s = summary (sums, UUID_SHRINK), *g = summary (sums, UUID_GROW);

  g_assert_cmpuint (bc_replay_decisions_differ (r), ==, 0);
  g_assert_true (s->virtio_mem && g->virtio_mem);
  g_assert_cmpuint (s->changes, ==, 0);
  g_assert_cmpuint (s->recorded_changes, ==, 0);
  g_assert_cmpuint (s->target_min_kib, ==, 1024 * MIB);
  g_assert_cmpuint (s->target_max_kib, ==, 1024 * MIB);
  g_assert_cmpuint (g->changes, ==, 1);
  g_assert_cmpuint (g->recorded_changes, ==, 1);
  g_assert_cmpuint (g->target_min_kib, ==, 1070 * MIB);
  g_assert_cmpuint (g->target_max_kib, ==, 1070 * MIB);
  g_assert_cmpuint (s->differ + g->differ, ==, 0);
  recording_free (rec);
}

/* Out of step (a slower shrink), replay's own changes are answered as the
 * daemon answers them: vm-shrink's request of 0 stands, so every pass
 * starts again from its boot memory and asks the same, never a size the
 * device cannot have. */
static void
check_own (int k, const BcPassOutput *out)
{
  (void) k;
  g_assert_cmpint (out[0].action, ==, BC_ACTION_SET);
  g_assert_cmpuint (out[0].old_kib, ==, 1024 * MIB);
  g_assert_cmpuint (out[0].new_kib, ==, 1024 * MIB - 32 * MIB);
}

static void
test_own (void)
{
  BcRecordPass *rec = simulate ();
  BcReplayOptions opts = { .have_config = TRUE };
  g_autoptr (BcReplay) r = NULL;
  g_autoptr (GPtrArray) sums = NULL;
  const BcReplaySummary *s;

  sim_config (&opts.cfg);
  opts.cfg.clamp.max_shrink_kib = 32 * MIB;
  r = replay_all (&opts, rec, check_own);
  sums = bc_replay_summaries (r);
  s = summary (sums, UUID_SHRINK);
  g_assert_cmpuint (bc_replay_decisions_differ (r), ==, PASSES);
  g_assert_cmpuint (s->changes, ==, 0);
  g_assert_cmpuint (s->target_min_kib, ==, 1024 * MIB);
  g_assert_cmpuint (s->differ, ==, 0);
  recording_free (rec);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/replay-vmem/recording", test_recording);
  g_test_add_func ("/replay-vmem/exact", test_exact);
  g_test_add_func ("/replay-vmem/own", test_own);
  return g_test_run ();
}
