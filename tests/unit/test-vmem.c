/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-mem: the requested size for a target, the domain's size read from
 * the plugged size, and the follower of a request, as trace tables: one
 * row a reading of the device, with the time, what the guest plugged, the
 * pass's target, and what is expected of the follower and the request;
 * and what a dry run says it would ask. */
#include "bc-vmem.h"
#include "bc-apply.h"
#include "bc-apply-vmem.h"
#include "bc-decide.h"
#include "bc-error.h"

#define MIB 1024
#define NONE (-1)

/* 256 MiB of boot memory, a device of 512 MiB in blocks of 2 MiB: the
 * lab's guest */
static const BcVmemDevice lab = {
  .fixed_kib = 256 * MIB, .size_kib = 512 * MIB, .block_kib = 2 * MIB,
};

static void
test_requested_for (void)
{
  static const struct { guint64 target_kib, requested_kib; } rows[] = {
    { 0, 0 },                              /* below the boot memory: none */
    { 200 * MIB, 0 },
    { 256 * MIB, 0 },                      /* exactly the boot memory */
    { 256 * MIB + 1, 2 * MIB },            /* a KiB over: a whole block */
    { 300 * MIB, 44 * MIB },               /* whole blocks: as is */
    { 301 * MIB, 46 * MIB },               /* up, never below the target */
    { 767 * MIB, 512 * MIB },
    { 768 * MIB, 512 * MIB },              /* the device's size */
    { 4096 * MIB, 512 * MIB },             /* beyond: the size */
    { G_MAXUINT64, 512 * MIB },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    g_assert_cmpuint (bc_vmem_requested_for (&lab, rows[i].target_kib), ==, rows[i].requested_kib);
  g_assert_cmpuint (bc_vmem_max_kib (&lab), ==, 768 * MIB);
}

static void
test_current (void)
{
  BcVmemDevice d = lab;

  /* the plugged size, never the request */
  d.requested_kib = 64 * MIB;
  d.plugged_kib = 192 * MIB;
  g_assert_cmpuint (bc_vmem_current_kib (&d), ==, 448 * MIB);
  d.plugged_kib = 0;
  g_assert_cmpuint (bc_vmem_current_kib (&d), ==, 256 * MIB);
}

static void
test_valid (void)
{
  static const struct { guint64 fixed, size, block, requested, plugged; const char *error; } rows[] = {
    { 256 * MIB, 512 * MIB, 2 * MIB, 64 * MIB, 128 * MIB, NULL },
    { 256 * MIB, 512 * MIB, 2 * MIB, 512 * MIB, 512 * MIB, NULL },
    { 256 * MIB, 512 * MIB, 0, 0, 0, "power of two" },
    { 256 * MIB, 512 * MIB, 3 * MIB, 0, 0, "power of two" },
    { 256 * MIB, 0, 2 * MIB, 0, 0, "out of range" },
    { G_MAXUINT64 - 1, 512 * MIB, 2 * MIB, 0, 0, "out of range" },
    { 256 * MIB, G_MAXUINT64 - 2047, 2 * MIB, 0, 0, "out of range" },
    { 256 * MIB, 511 * MIB, 2 * MIB, 0, 0, "whole blocks" },
    { 256 * MIB, 512 * MIB, 2 * MIB, 1, 0, "whole blocks" },
    { 256 * MIB, 512 * MIB, 2 * MIB, 0, 3 * MIB, "whole blocks" },
    { 256 * MIB, 512 * MIB, 2 * MIB, 514 * MIB, 0, "beyond" },
    { 256 * MIB, 512 * MIB, 2 * MIB, 0, 514 * MIB, "beyond" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      BcVmemDevice d = { rows[i].fixed, rows[i].size, rows[i].block, rows[i].requested, rows[i].plugged };
      g_autoptr (GError) error = NULL;
      gboolean ok = bc_vmem_device_valid (&d, &error);

      g_assert_cmpint (ok, ==, rows[i].error == NULL);
      if (rows[i].error)
        g_assert_nonnull (strstr (error->message, rows[i].error));
    }
}

typedef struct {
  gint64 at_s;
  gint64 plugged_mib;    /* what the guest has plugged at this reading */
  gint64 target_mib;     /* the pass's target for the domain */
  BcVmemProgress progress; /* expected of the follower */
  gint64 request_mib;    /* expected request (applied before the next row),
                            NONE = nothing asked */
  gint64 other_mib;      /* someone else's request (virsh), made before
                            this reading; 0 = none */
} Row;

typedef struct {
  const char *name;
  gint64 requested_mib;  /* the device's request before the first row */
  Row rows[12];
  guint n;
} Trace;

#define REACHED BC_VMEM_REACHED
#define MOVING BC_VMEM_MOVING
#define STALLED BC_VMEM_STALLED
#define HELD BC_VMEM_HELD
static const Trace traces[] = {
  /* a shrink the guest follows: one request, then nothing while it moves */
  { "shrink-follows", 256,
    { { 1, 256, 320, REACHED, 64 }, { 2, 256, 320, MOVING, NONE }, { 3, 192, 320, MOVING, NONE },
      { 5, 64, 320, REACHED, NONE } }, 4 },
  /* a growth: the target's part above the boot memory, rounded up to a
   * block */
  { "grow-follows", 64,
    { { 1, 64, 401, REACHED, 146 }, { 2, 100, 401, MOVING, NONE }, { 4, 146, 401, REACHED, NONE } }, 3 },
  /* a target that moves within a block asks nothing new */
  { "within-a-block", 64,
    { { 1, 64, 319, REACHED, NONE }, { 2, 64, 321, REACHED, 66 } }, 2 },
  /* an unplug that stops half way (pages it cannot move): after 30 s no
   * closer it is withdrawn to what is plugged, and no shrink is asked
   * for 120 s; then it is tried again, once */
  { "unplug-stalls", 256,
    { { 0, 256, 320, REACHED, 64 }, { 5, 160, 320, MOVING, NONE }, { 20, 160, 320, MOVING, NONE },
      { 34, 160, 320, MOVING, NONE }, { 35, 160, 320, STALLED, 160 }, { 36, 160, 320, REACHED, NONE },
      { 100, 160, 320, REACHED, NONE }, { 154, 160, 320, REACHED, NONE }, { 155, 160, 320, REACHED, 64 },
      { 156, 160, 320, MOVING, NONE } }, 10 },
  /* held after a stalled unplug, the guest needs more: a growth is asked */
  { "held-grows", 256,
    { { 0, 256, 320, REACHED, 64 }, { 1, 160, 320, MOVING, NONE }, { 31, 160, 320, STALLED, 160 },
      { 32, 160, 320, REACHED, NONE }, { 40, 160, 500, REACHED, 244 }, { 41, 200, 500, HELD, NONE },
      { 42, 244, 500, REACHED, NONE } }, 7 },
  /* a plug the guest does not follow (no memory for it, no driver):
   * withdrawn; no growth asked while held, a shrink still is */
  { "plug-stalls", 0,
    { { 0, 0, 512, REACHED, 256 }, { 1, 64, 512, MOVING, NONE }, { 31, 64, 512, STALLED, 64 },
      { 32, 64, 512, REACHED, NONE }, { 60, 64, 288, REACHED, 32 } }, 5 },
  /* a guest that plugs nothing while the target moves every few seconds:
   * the new requests do not hide the stall */
  { "target-moves-stuck", 0,
    { { 0, 0, 300, REACHED, 44 }, { 10, 0, 320, MOVING, 64 }, { 20, 0, 340, MOVING, 84 },
      { 30, 0, 360, STALLED, 0 }, { 31, 0, 360, REACHED, NONE }, { 100, 0, 380, REACHED, NONE } }, 6 },
  /* someone else's request (virsh) is seen in the device's figures: the
   * pass's target asks its own size again */
  { "other-request", 64,
    { { 1, 64, 320, REACHED, NONE }, { 2, 64, 320, MOVING, 64, 128 } }, 2 },
};

static void
run_trace (const Trace *t)
{
  BcVmemDevice d = lab;
  BcVmemFollow f = { 0 };

  d.requested_kib = (guint64) t->requested_mib * MIB;
  for (guint i = 0; i < t->n; i++)
    {
      const Row *r = &t->rows[i];
      gint64 now_ms = r->at_s * 1000 + 1;
      guint64 req;

      g_test_message ("%s row %u", t->name, i);
      if (r->other_mib)
        d.requested_kib = (guint64) r->other_mib * MIB;
      d.plugged_kib = (guint64) r->plugged_mib * MIB;
      g_assert_cmpstr (bc_vmem_progress_to_string (bc_vmem_follow (&f, &d, now_ms)), ==,
                       bc_vmem_progress_to_string (r->progress));
      req = bc_vmem_request (&f, &d, (guint64) r->target_mib * MIB, now_ms);
      if (r->request_mib == NONE)
        g_assert_cmpuint (req, ==, BC_VMEM_NO_REQUEST);
      else
        g_assert_cmpuint (req, ==, (guint64) r->request_mib * MIB);
      if (req != BC_VMEM_NO_REQUEST)
        d.requested_kib = req;
    }
}

static void
test_traces (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (traces); i++)
    run_trace (&traces[i]);
}

/* The guest's own figures on a virtio-mem domain: its MemTotal moves with
 * what is plugged (boot + plugged), and so does the domain's size, so
 * "used" (MemTotal - MemAvailable) and the floor (used + guard) come out of
 * the guest's figures as they are, with no balloon correction: even with
 * deflate-on-oom on the balloon, nothing is counted as inside it.  Beside
 * it, a balloon domain of the same sizes with deflate-on-oom: its MemTotal
 * stays at its boot size, and what the balloon holds is taken off "used".
 * One row a plugged size: the guest's MemTotal and MemAvailable, and the
 * used and floor expected. */
static void
test_guest_figures (void)
{
  static const struct {
    guint64 plugged_mib, available_mib;
    gboolean balloon;        /* the balloon, not the device, at this size */
    guint64 used_mib, floor_mib;
  } rows[] = {
    { 512, 600, FALSE, 168, 232 },  /* all plugged: MemTotal 768 */
    { 256, 344, FALSE, 168, 232 },  /* half: MemTotal 512, the same use */
    { 0, 88, FALSE, 168, 232 },     /* none: MemTotal 256 */
    { 64, 100, FALSE, 220, 284 },   /* the guest uses more */
    /* a balloon at 512 of a 768 MiB guest with deflate-on-oom: MemTotal
     * 768, MemAvailable 344 counts the 256 MiB in the balloon as used */
    { 256, 344, TRUE, 168, 232 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      BcConfig cfg;
      BcDomainLimits limits = { .enabled = TRUE };
      BcVmemDevice dev = lab;
      BcBalloonFigures b = { 0 };
      BcGuestFigures g = { .at_ms = 1000 };
      BcMargin m;
      BcDecision d;

      bc_config_defaults (&cfg);
      bc_margin_init (&m, &cfg.margin);
      dev.plugged_kib = rows[i].plugged_mib * MIB;
      b.current_kib = bc_vmem_current_kib (&dev);
      b.max_kib = bc_vmem_max_kib (&dev);
      b.autodeflate = TRUE;
      g.meminfo.mem_total_kib = rows[i].balloon ? bc_vmem_max_kib (&dev) : b.current_kib;
      g.meminfo.mem_available_kib = rows[i].available_mib * MIB;
      g.meminfo.committed_as_kib = 100 * MIB;
      g_test_message ("row %u: size %" G_GUINT64_FORMAT " KiB, MemTotal %" G_GUINT64_FORMAT " KiB", i, b.current_kib,
                      g.meminfo.mem_total_kib);
      g_assert_true (bc_decide (&cfg, &limits, &b, b.current_kib, &g, 10000, &m, 1000, &d));
      g_assert_cmpint (d.source, ==, BC_SOURCE_AGENT);
      g_assert_cmpuint (d.used_kib, ==, rows[i].used_mib * MIB);
      g_assert_cmpuint (d.target.floor_kib, ==, rows[i].floor_mib * MIB);
    }
}

/* A dry run's line: the size it would set; for a domain its device sizes,
 * the request it would send and the domain's size that means (rounded up
 * to a block), the withdrawal of a stalled one with why, and nothing when
 * the request stands (the device's, or one the dry run said before). */
static void
test_dry_run_line (void)
{
  BcDomain dom = { .name = (char *) "vm1" };
  BcPassOutput change = { .action = BC_ACTION_DRY_RUN, .old_kib = 300 * MIB, .new_kib = 400 * MIB + 1,
                          .reason = (char *) "grow: refaults" };
  g_autofree char *balloon = NULL, *vmem = NULL, *withdrawn = NULL, *stands = NULL, *said = NULL;

  dom.figures.balloon.current_kib = 300 * MIB;
  balloon = bc_apply_dry_run_line (&dom, &change, 1000);
  g_assert_cmpstr (balloon, ==, "vm1: dry run: would set 307200 -> 409601 KiB: grow: refaults");
  /* 256 MiB of boot memory, 44 of 512 MiB plugged and asked */
  dom.vmem.driven = TRUE;
  dom.vmem.dev = lab;
  dom.vmem.dev.requested_kib = dom.vmem.dev.plugged_kib = 44 * MIB;
  vmem = bc_apply_dry_run_line (&dom, &change, 1000);
  g_assert_cmpstr (vmem, ==, "vm1: dry run: would set 307200 -> 411648 KiB (virtio-mem requested size 149504 KiB): grow: refaults");
  /* a plug the guest did not follow: held, the request withdrawn */
  dom.vmem.dev.requested_kib = 100 * MIB;
  dom.vmem.follow = (BcVmemFollow) { .last_plugged_kib = 44 * MIB, .since_ms = 1000, .held_until_ms = 200000, .held_shrink = FALSE };
  withdrawn = bc_apply_dry_run_line (&dom, &change, 50000);
  g_assert_cmpstr (withdrawn, ==, "vm1: dry run: would set 307200 -> 307200 KiB (virtio-mem requested size 45056 KiB): "
                                  "held at what the guest plugged: it did not follow its virtio-mem request; "
                                  "the pass wanted 409601 KiB: grow: refaults");
  /* the request stands: nothing would be asked */
  dom.vmem.follow = (BcVmemFollow) { 0 };
  dom.vmem.dev.requested_kib = 146 * MIB;
  stands = bc_apply_dry_run_line (&dom, &change, 1000);
  g_assert_null (stands);
  /* a dry run sends nothing: the request it said it would send stands
   * for it, as one sent would, and is not said again */
  dom.vmem.dev.requested_kib = 44 * MIB;
  bc_apply_vmem_dry_run_said (&dom, &change, 1000);
  g_assert_true (dom.vmem.dry_asked);
  g_assert_cmpuint (dom.vmem.dry_requested_kib, ==, 146 * MIB);
  g_assert_cmpuint (dom.vmem.dev.requested_kib, ==, 44 * MIB);
  said = bc_apply_dry_run_line (&dom, &change, 2000);
  g_assert_null (said);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vmem/requested-for", test_requested_for);
  g_test_add_func ("/vmem/current", test_current);
  g_test_add_func ("/vmem/valid", test_valid);
  g_test_add_func ("/vmem/traces", test_traces);
  g_test_add_func ("/vmem/guest-figures", test_guest_figures);
  g_test_add_func ("/vmem/dry-run-line", test_dry_run_line);
  return g_test_run ();
}
