/* SPDX-License-Identifier: GPL-2.0-or-later */
/* target = committed + margin, then each safety clamp; and the arbiter. */
#include "bc-arbitrate.h"
#include "bc-target.h"

#define MIB 1024
static const BcClampParams clamp = { .guard_kib = 64 * MIB, .max_shrink_kib = 64 * MIB, .dead_band_kib = 4 * MIB };

static BcTargetInput
input (guint64 committed, gint64 margin, guint64 current, guint64 hard_max)
{
  BcTargetInput in = { 0 };

  in.committed_kib = committed * MIB;
  in.margin_kib = margin * MIB;
  in.settled_kib = current * MIB;
  in.hard_max_kib = hard_max * MIB;
  return in;
}

static void
test_formula (void)
{
  BcTargetInput in = input (100, 200, 300, 1024);
  BcTarget t = bc_target_compute (&in, &clamp);

  g_assert_cmpuint (t.target_kib, ==, 300 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_NONE);
}

static void
test_hard_max (void)
{
  BcTargetInput in = input (900, 400, 1000, 1024);
  BcTarget t = bc_target_compute (&in, &clamp);

  g_assert_cmpuint (t.target_kib, ==, 1024 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_MAX);
}

static void
test_configured_max (void)
{
  BcTargetInput in = input (900, 400, 700, 1024);
  BcTarget t;

  in.max_kib = 768 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 768 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_MAX);
}

static void
test_configured_min (void)
{
  BcTargetInput in = input (10, 20, 256, 1024);
  BcTarget t;

  in.min_kib = 256 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 256 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_MIN);
}

static void
test_used_floor (void)
{
  /* the guest uses 300 MiB it cannot give back: never below 300 + guard */
  BcTargetInput in = input (50, 32, 400, 1024);
  BcTarget t;

  in.used_kib = 300 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 364 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_USED);
}

static void
test_used_floor_not_above_current (void)
{
  /* the guest says it uses 700 MiB of the 400 it has: the target asks for
   * 764 (a want the arbiter may cut), the floor stays at what it holds */
  BcTargetInput in = input (50, 32, 400, 1024);
  BcTarget t;

  in.used_kib = 700 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 764 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_USED);
  g_assert_cmpuint (t.floor_kib, ==, 400 * MIB);
  /* the configured min is the administrator's: a floor as it is */
  in.min_kib = 600 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.floor_kib, ==, 600 * MIB);
}

static void
test_max_beats_floors (void)
{
  /* a floor above the ceiling: the ceiling wins, never above limits */
  BcTargetInput in = input (50, 32, 500, 1024);
  BcTarget t;

  in.used_kib = 900 * MIB;
  in.min_kib = 600 * MIB;
  in.max_kib = 512 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 512 * MIB);
  g_assert_cmpuint (t.floor_kib, ==, 512 * MIB);
}

static void
test_shrink_rate (void)
{
  /* lab fact 1: 512 -> 98 MiB in one step killed the guest */
  BcTargetInput in = input (30, 32, 512, 512);
  BcTarget t = bc_target_compute (&in, &clamp);

  g_assert_cmpuint (t.target_kib, ==, 448 * MIB);
  g_assert_cmpint (t.clamp, ==, BC_CLAMP_SHRINK_RATE);
  in.settled_kib = t.target_kib;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 384 * MIB);
}

static void
test_growth_not_rate_limited (void)
{
  BcTargetInput in = input (30, 900, 128, 2048);
  BcTarget t = bc_target_compute (&in, &clamp);

  g_assert_cmpuint (t.target_kib, ==, 930 * MIB);
}

static void
test_saturation (void)
{
  BcTargetInput in = input (0, 0, 512, 1024);
  BcTarget t;

  in.committed_kib = G_MAXUINT64 - 5;
  in.margin_kib = G_MAXINT64;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 1024 * MIB);
  in.committed_kib = 10;
  in.margin_kib = -1000;
  in.settled_kib = 0;
  in.min_kib = 128 * MIB;
  t = bc_target_compute (&in, &clamp);
  g_assert_cmpuint (t.target_kib, ==, 128 * MIB);
}

static void
test_dead_band (void)
{
  g_assert_false (bc_target_should_apply (512 * MIB, 512 * MIB, &clamp));
  g_assert_false (bc_target_should_apply (512 * MIB, 512 * MIB + 4095, &clamp));
  g_assert_false (bc_target_should_apply (512 * MIB, 512 * MIB - 4095, &clamp));
  g_assert_true (bc_target_should_apply (512 * MIB, 516 * MIB, &clamp));
  g_assert_true (bc_target_should_apply (512 * MIB, 508 * MIB, &clamp));
}

#define NO_RATE G_MAXUINT64

static void
test_arbitrate_fits (void)
{
  BcClaim c[] = { { 512 * MIB, 768 * MIB, 0, 0 }, { 512 * MIB, 256 * MIB, 0, 0 } };
  guint64 level = 0;

  g_assert_cmpuint (bc_arbitrate (c, 2, 2048 * MIB, 0, NO_RATE, &level), ==, 10000);
  g_assert_cmpuint (level, ==, G_MAXUINT64);
  g_assert_cmpuint (c[0].grant_kib, ==, 768 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 256 * MIB);
}

static void
test_arbitrate_scales_growth (void)
{
  /* share 2304: fair level 1024; a is at it, b may grow to it, but only
   * 256 of room is free until c's balloon has shrunk */
  BcClaim c[] = { { 1024 * MIB, 2048 * MIB, 0, 0 }, { 512 * MIB, 1536 * MIB, 0, 0 }, { 512 * MIB, 256 * MIB, 0, 0 } };
  guint64 sum = 0;

  g_assert_cmpuint (bc_arbitrate (c, 3, 2816 * MIB, 512 * MIB, NO_RATE, NULL), ==, 5000);
  g_assert_cmpuint (c[0].grant_kib, ==, 1024 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 768 * MIB);
  g_assert_cmpuint (c[2].grant_kib, ==, 256 * MIB);
  for (guint i = 0; i < 3; i++)
    sum += MAX (c[i].grant_kib, c[i].held_kib);
  /* even before the shrinking domain has given anything back */
  g_assert_cmpuint (sum + 512 * MIB, <=, 2816 * MIB);
}

static void
test_arbitrate_shrink_frees_later (void)
{
  /* a gives back 512 while b wants 512: b grows only once a's balloon
   * has shrunk (the next pass sees a's new size) */
  BcClaim c[] = { { 1024 * MIB, 512 * MIB, 0, 0 }, { 512 * MIB, 1024 * MIB, 0, 0 } };

  g_assert_cmpuint (bc_arbitrate (c, 2, 1536 * MIB, 0, NO_RATE, NULL), ==, 0);
  g_assert_cmpuint (c[0].grant_kib, ==, 512 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 512 * MIB);
  c[0].held_kib = 512 * MIB;
  g_assert_cmpuint (bc_arbitrate (c, 2, 1536 * MIB, 0, NO_RATE, NULL), ==, 10000);
  g_assert_cmpuint (c[1].grant_kib, ==, 1024 * MIB);
}

static void
test_arbitrate_fair_share (void)
{
  /* the lab's middle phase: both want their max, the budget holds 512;
   * a got in first.  a gives back 64 per tick, b grows into it, both end at
   * the fair level 256 and stay there, never together above 512 */
  BcClaim c[] = { { 331 * MIB, 384 * MIB, 100 * MIB, 0 }, { 181 * MIB, 384 * MIB, 100 * MIB, 0 } };

  guint64 level = 0;

  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (level, ==, 256 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 267 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 181 * MIB);
  for (guint round = 0; round < 5; round++)
    {
      for (guint i = 0; i < 2; i++)
        c[i].held_kib = c[i].grant_kib; /* the balloons did it */
      bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, NULL);
      g_assert_cmpuint (MAX (c[0].grant_kib, c[0].held_kib) + MAX (c[1].grant_kib, c[1].held_kib), <=, 512 * MIB);
    }
  g_assert_cmpuint (c[0].grant_kib, ==, 256 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 256 * MIB);
}

static void
test_arbitrate_floors (void)
{
  /* floors above the share: each keeps its floor, nobody grows */
  BcClaim c[] = { { 331 * MIB, 384 * MIB, 300 * MIB, 0 }, { 250 * MIB, 384 * MIB, 300 * MIB, 0 } };

  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, NULL);
  g_assert_cmpuint (c[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 250 * MIB);
}

static void
test_arbitrate_overcommitted (void)
{
  /* already above budget: no growth; the one above the fair level gives
   * back at the shrink rate, the policy's own shrink is granted */
  BcClaim c[] = { { 2048 * MIB, 4096 * MIB, 0, 0 }, { 2048 * MIB, 1024 * MIB, 0, 0 } };

  g_assert_cmpuint (bc_arbitrate (c, 2, 2048 * MIB, 0, 64 * MIB, NULL), ==, 10000);
  g_assert_cmpuint (c[0].grant_kib, ==, 1984 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 1024 * MIB);
}

static void
test_arbitrate_liar (void)
{
  /* a guest claiming an absurd need gets only what the honest one does
   * not want: it never takes the other's share */
  BcClaim c[] = { { 512 * MIB, G_MAXUINT64 / 4, 0, 0 }, { 512 * MIB, 600 * MIB, 0, 0 } };

  bc_arbitrate (c, 2, 1536 * MIB, 0, 64 * MIB, NULL);
  g_assert_cmpuint (c[1].grant_kib, ==, 600 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 936 * MIB);
}

/* Under contention an idle guest's cold memory is taken first: the busy
 * guest's working set gets it, not an equal split. */
static void
test_arbitrate_cold_first (void)
{
  /* held, want, floor, cold */
  BcClaim c[] = { { 256 * MIB, 300 * MIB, 100 * MIB, 0 }, { 256 * MIB, 256 * MIB, 100 * MIB, 80 * MIB } };
  guint64 level = 0;

  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, &level);
  /* 44 MiB over: b gives back that much of its cold 80; a waits for room */
  g_assert_cmpuint (c[1].taken_kib, ==, 44 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 212 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 256 * MIB);
  /* once b is at 212, a grows into what it gave back */
  c[1].held_kib = 212 * MIB;
  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (c[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 212 * MIB);
  /* without cold memory: the equal split */
  c[1].cold_kib = 0;
  c[1].held_kib = 256 * MIB;
  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (level, ==, 256 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 256 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 256 * MIB);
  /* no contention: cold memory is nobody's business */
  c[1].cold_kib = 80 * MIB;
  bc_arbitrate (c, 2, 1024 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (level, ==, G_MAXUINT64);
  g_assert_cmpuint (c[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 256 * MIB);
  /* never below the floor */
  c[1].floor_kib = 220 * MIB;
  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (c[1].grant_kib, ==, 220 * MIB);
}

/* Cold memory is taken only as far as the wants are over: 1 GiB over, a
 * has 4 GiB cold, it gives 1 GiB. */
static void
test_arbitrate_cold_only_what_is_over (void)
{
  BcClaim c[] = { { 6144 * MIB, 6144 * MIB, 1024 * MIB, 4096 * MIB },
                  { 4096 * MIB, 5120 * MIB, 1024 * MIB, 0 } };
  guint64 level;

  bc_arbitrate (c, 2, 10240 * MIB, 0, G_MAXUINT64, &level);
  g_assert_cmpuint (c[0].taken_kib, ==, 1024 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 5120 * MIB);
  c[0].held_kib = c[0].grant_kib;
  bc_arbitrate (c, 2, 10240 * MIB, 0, G_MAXUINT64, &level);
  g_assert_cmpuint (c[0].grant_kib, ==, 5120 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 5120 * MIB);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/target/formula", test_formula);
  g_test_add_func ("/target/hard-max", test_hard_max);
  g_test_add_func ("/target/configured-max", test_configured_max);
  g_test_add_func ("/target/configured-min", test_configured_min);
  g_test_add_func ("/target/used-floor", test_used_floor);
  g_test_add_func ("/target/used-floor-not-above-current", test_used_floor_not_above_current);
  g_test_add_func ("/target/max-beats-floors", test_max_beats_floors);
  g_test_add_func ("/target/shrink-rate", test_shrink_rate);
  g_test_add_func ("/target/growth-not-rate-limited", test_growth_not_rate_limited);
  g_test_add_func ("/target/saturation", test_saturation);
  g_test_add_func ("/target/dead-band", test_dead_band);
  g_test_add_func ("/arbitrate/fits", test_arbitrate_fits);
  g_test_add_func ("/arbitrate/scales-growth", test_arbitrate_scales_growth);
  g_test_add_func ("/arbitrate/shrink-frees-later", test_arbitrate_shrink_frees_later);
  g_test_add_func ("/arbitrate/fair-share", test_arbitrate_fair_share);
  g_test_add_func ("/arbitrate/floors", test_arbitrate_floors);
  g_test_add_func ("/arbitrate/overcommitted", test_arbitrate_overcommitted);
  g_test_add_func ("/arbitrate/liar", test_arbitrate_liar);
  g_test_add_func ("/arbitrate/cold-first", test_arbitrate_cold_first);
  g_test_add_func ("/arbitrate/cold-only-what-is-over", test_arbitrate_cold_only_what_is_over);
  return g_test_run ();
}
