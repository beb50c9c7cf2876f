/* SPDX-License-Identifier: GPL-2.0-or-later */
/* target = committed + margin, then each safety clamp; and the arbiter. */
#include "bc-arbitrate.h"
#include "bc-target.h"

#include <string.h>

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

/* ---- weights ------------------------------------------------------------ */

/* Both want more than they can have: 3:1, as their weights. */
static void
test_arbitrate_weights (void)
{
  BcClaim c[] = { { 1024 * MIB, 2048 * MIB, 128 * MIB, 0, .weight = 300 },
                  { 1024 * MIB, 2048 * MIB, 128 * MIB, 0, .weight = 100 } };
  guint64 level = 0;

  /* b gives back 64 MiB a call, a grows into it once it has */
  bc_arbitrate (c, 2, 2048 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (level, ==, 512 * MIB);
  g_assert_cmpuint (c[0].share_kib, ==, 1536 * MIB);
  g_assert_cmpuint (c[1].share_kib, ==, 512 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 1024 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 960 * MIB);
  for (guint round = 0; round < 9; round++)
    {
      for (guint i = 0; i < 2; i++)
        c[i].held_kib = c[i].grant_kib;
      bc_arbitrate (c, 2, 2048 * MIB, 0, 64 * MIB, NULL);
      g_assert_cmpuint (c[0].grant_kib + c[1].grant_kib, <=, 2048 * MIB);
    }
  g_assert_cmpuint (c[0].grant_kib, ==, 1536 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 512 * MIB);
}

/* What one does not want goes to the others, by weight; floors first;
 * never more than a want. */
static void
test_arbitrate_weights_max_min (void)
{
  /* held at the answer: the grants are the caps at once */
  BcClaim c[] = { { 675 * MIB, 2048 * MIB, 0, 0, .weight = 300 },
                  { 225 * MIB, 2048 * MIB, 0, 0, .weight = 100 },
                  { 100 * MIB, 100 * MIB, 0, 0, .weight = 100 } };
  guint64 level = 0;

  /* c wants 100 of its share: 3 L + L + 100 = 1000 */
  bc_arbitrate (c, 3, 1000 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (level, ==, 225 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 675 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 225 * MIB);
  g_assert_cmpuint (c[2].grant_kib, ==, 100 * MIB);
  g_assert_cmpuint (c[2].share_kib, ==, 225 * MIB);
  /* b's floor of 300 first: 3 L + 300 + 100 = 1000 */
  c[1].floor_kib = 300 * MIB;
  c[0].held_kib = 600 * MIB;
  c[1].held_kib = 300 * MIB;
  bc_arbitrate (c, 3, 1000 * MIB, 0, 64 * MIB, &level);
  g_assert_cmpuint (level, ==, 200 * MIB);
  g_assert_cmpuint (c[0].grant_kib, ==, 600 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].share_kib, ==, 200 * MIB);
  /* the heaviest wants little: the rest is the light one's */
  BcClaim d[] = { { 300 * MIB, 300 * MIB, 0, 0, .weight = 10000 },
                  { 724 * MIB, 2048 * MIB, 0, 0, .weight = 1 } };

  bc_arbitrate (d, 2, 1024 * MIB, 0, 64 * MIB, NULL);
  g_assert_cmpuint (d[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (d[1].grant_kib, ==, 724 * MIB);
}

/* The extremes of the range, and out of it: no overflow, no lost KiB. */
static void
test_arbitrate_weights_extremes (void)
{
  BcClaim c[] = { { 1 * MIB, 8192 * MIB, 0, 0, .weight = 1 },
                  { 10000 * MIB, 8192 * MIB * 2, 0, 0, .weight = 10000 } };

  /* L / 100 + 100 L = 10001 MiB: L = 1 MiB * 100 */
  bc_arbitrate (c, 2, 10001 * MIB, 0, NO_RATE, NULL);
  g_assert_cmpuint (c[0].grant_kib, ==, 1 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 10000 * MIB);
  /* a weight above the range counts as its top; 0 as the default */
  c[1].weight = G_MAXUINT;
  bc_arbitrate (c, 2, 10001 * MIB, 0, NO_RATE, NULL);
  g_assert_cmpuint (c[1].grant_kib, ==, 10000 * MIB);
  c[0].weight = 0;
  c[1].weight = BC_WEIGHT_DEFAULT;
  c[0].held_kib = c[1].held_kib = 1024 * MIB;
  bc_arbitrate (c, 2, 2048 * MIB, 0, NO_RATE, NULL);
  g_assert_cmpuint (c[0].grant_kib, ==, 1024 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 1024 * MIB);
  /* wants near the top of the type: shares saturate, nothing wraps */
  BcClaim d[] = { { 512 * MIB, G_MAXUINT64 - 5, 0, 0, .weight = 1 },
                  { 512 * MIB, G_MAXUINT64 / 2, 0, 0, .weight = 10000 } };

  bc_arbitrate (d, 2, 1024 * MIB, 0, NO_RATE, NULL);
  g_assert_cmpuint (d[0].grant_kib + d[1].grant_kib, <=, 1024 * MIB);
  g_assert_cmpuint (d[1].grant_kib, >, 100 * d[0].grant_kib);
}

/* Floors above the share: said (the flag), and each held at its floor,
 * none squeezed below it. */
static void
test_arbitrate_floors_over (void)
{
  BcClaim c[] = { { 331 * MIB, 384 * MIB, 300 * MIB, 0, .weight = 300 },
                  { 250 * MIB, 384 * MIB, 300 * MIB, 0, .weight = 100 } };
  guint64 floors = 0;

  g_assert_true (bc_arbitrate_floors_over (c, 2, 512 * MIB, 0, &floors));
  g_assert_cmpuint (floors, ==, 600 * MIB);
  g_assert_false (bc_arbitrate_floors_over (c, 2, 1024 * MIB, 400 * MIB, NULL));
  g_assert_true (bc_arbitrate_floors_over (c, 2, 1024 * MIB, 425 * MIB, NULL));
  g_assert_true (bc_arbitrate_floors_over (c, 2, 100 * MIB, 425 * MIB, NULL));
  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, NULL);
  g_assert_cmpuint (c[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 250 * MIB);
  /* a at its floor, the budget still exceeded: b is held where it is */
  c[0].held_kib = 300 * MIB;
  bc_arbitrate (c, 2, 512 * MIB, 0, 64 * MIB, NULL);
  g_assert_cmpuint (c[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 250 * MIB);
  /* with 30 MiB of room, b grows into it, towards its floor */
  bc_arbitrate (c, 2, 580 * MIB, 0, 64 * MIB, NULL);
  g_assert_cmpuint (c[0].grant_kib, ==, 300 * MIB);
  g_assert_cmpuint (c[1].grant_kib, ==, 280 * MIB);
}

/* ---- the arbiter's properties over random inputs ------------------------- */

#define PROP_CLAIMS_MAX 6
#define PROP_SIZE_MAX (16 * 1024 * MIB)

typedef struct {
  BcClaim c[PROP_CLAIMS_MAX];
  gsize n;
  guint64 budget, fixed, max_shrink;
} Case;

static guint64
rnd (GRand *r, guint64 max)
{
  guint64 v = (guint64) g_rand_int (r) << 32 | g_rand_int (r);

  return max == G_MAXUINT64 ? v : v % (max + 1);
}

static guint
random_weight (GRand *r)
{
  switch (g_rand_int_range (r, 0, 6))
    {
    case 0: return 0;
    case 1: return BC_WEIGHT_DEFAULT;
    case 2: return 1;
    case 3: return BC_WEIGHT_MAX;
    default: return (guint) g_rand_int_range (r, 1, BC_WEIGHT_MAX + 1);
    }
}

static void
random_claim (GRand *r, BcClaim *c)
{
  memset (c, 0, sizeof *c);
  c->want_kib = rnd (r, PROP_SIZE_MAX);
  /* floors mostly well below the want, sometimes at it */
  c->floor_kib = g_rand_boolean (r) ? rnd (r, c->want_kib / 4) : rnd (r, c->want_kib);
  c->held_kib = rnd (r, PROP_SIZE_MAX);
  c->cold_kib = g_rand_int_range (r, 0, 3) == 0 ? rnd (r, c->held_kib) : 0;
  c->weight = random_weight (r);
}

static void
random_case (GRand *r, Case *k)
{
  guint64 wants = 0;

  k->n = (gsize) g_rand_int_range (r, 1, PROP_CLAIMS_MAX + 1);
  for (gsize i = 0; i < k->n; i++)
    {
      random_claim (r, &k->c[i]);
      wants += k->c[i].want_kib;
    }
  k->fixed = g_rand_boolean (r) ? 0 : rnd (r, PROP_SIZE_MAX / 4);
  k->budget = rnd (r, wants + wants / 4) + k->fixed;
  k->max_shrink = g_rand_int_range (r, 0, 4) == 0 ? G_MAXUINT64 : (guint64) g_rand_int_range (r, 64, 4097) * MIB;
}

static guint
weight_of (const BcClaim *c)
{
  return c->weight ? c->weight : BC_WEIGHT_DEFAULT;
}

static guint
run (Case *k, guint64 *level)
{
  return bc_arbitrate (k->c, k->n, k->budget, k->fixed, k->max_shrink, level);
}

/* Per call: within [min (floor, held), want], no faster shrink than the
 * rate unless the policy asks, growth only from room, and the same inputs
 * give the same grants. */
static void
check_call (const Case *before, const Case *after, guint scale, guint64 level)
{
  guint64 share = after->budget - MIN (after->fixed, after->budget);
  guint64 held = before->fixed, growth = 0, room, wants = 0, taken = 0;
  Case again = *before;
  guint64 level2 = 0;

  for (gsize i = 0; i < after->n; i++)
    {
      const BcClaim *c = &after->c[i];
      guint64 shrunk = c->held_kib > after->max_shrink ? c->held_kib - after->max_shrink : 0;

      g_assert_cmpuint (c->grant_kib, <=, c->want_kib);
      g_assert_cmpuint (c->grant_kib, >=, MIN (c->floor_kib, c->held_kib));
      g_assert_cmpuint (c->grant_kib, >=, MIN (c->want_kib, shrunk));
      g_assert_cmpuint (c->taken_kib, <=, c->cold_kib);
      g_assert_cmpuint (c->floor_kib + c->taken_kib, <=, MAX (c->want_kib, c->floor_kib));
      if (level == G_MAXUINT64)
        g_assert_cmpuint (c->share_kib, ==, G_MAXUINT64);
      else if (weight_of (c) == BC_WEIGHT_DEFAULT)
        g_assert_cmpuint (c->share_kib, ==, level);
      held += c->held_kib;
      growth += c->grant_kib > c->held_kib ? c->grant_kib - c->held_kib : 0;
      wants += MAX (c->want_kib, c->floor_kib);
      taken += c->taken_kib;
    }
  /* cold memory taken only as far as the wants are over (rounded up) */
  g_assert_cmpuint (taken, <=, wants > share ? wants - share + after->n : 0);
  room = after->budget > held ? after->budget - held : 0;
  g_assert_cmpuint (growth, <=, room);
  g_assert_cmpuint (scale, <=, 10000);
  g_assert_cmpuint (run (&again, &level2), ==, scale);
  g_assert_cmpuint (level2, ==, level);
  g_assert_cmpmem (again.c, sizeof again.c, after->c, sizeof after->c);
}

/* Feeds the grants back as held until they stand, checking every call;
 * each grant moves one way only.  Returns the rounds it took. */
static guint
converge (Case *k, guint64 *level)
{
  gint dir[PROP_CLAIMS_MAX] = { 0 };
  guint64 most = 0;
  guint rounds = 0, bound;

  for (gsize i = 0; i < k->n; i++)
    most = MAX (most, k->c[i].held_kib);
  bound = (guint) (most / k->max_shrink) + 3;
  for (gboolean moved = TRUE; moved; rounds++)
    {
      Case before = *k;
      guint scale = run (k, level);

      check_call (&before, k, scale, *level);
      moved = FALSE;
      for (gsize i = 0; i < k->n; i++)
        {
          BcClaim *c = &k->c[i];
          gint d = (c->grant_kib > c->held_kib) - (c->grant_kib < c->held_kib);

          g_assert_true (d == 0 || dir[i] == 0 || d == dir[i]);
          dir[i] = d ? d : dir[i];
          moved |= d != 0;
          c->held_kib = c->grant_kib;
        }
      g_assert_cmpuint (rounds, <, bound);
    }
  return rounds;
}

/* Where both are capped by the level, between floor and want: grant / weight
 * alike but for rounding (each grant is level * weight / 100 rounded down). */
static void
check_weights (const Case *k)
{
  for (gsize i = 0; i < k->n; i++)
    for (gsize j = 0; j < k->n; j++)
      {
        const BcClaim *a = &k->c[i], *b = &k->c[j];
        guint64 wa = weight_of (a), wb = weight_of (b);
        guint64 x = a->grant_kib * wb, y = b->grant_kib * wa;

        if (a->grant_kib <= a->floor_kib || a->grant_kib >= a->want_kib - a->taken_kib ||
            b->grant_kib <= b->floor_kib || b->grant_kib >= b->want_kib - b->taken_kib)
          continue;
        g_assert_cmpuint (x > y ? x - y : y - x, <, MAX (wa, wb));

        g_assert_cmpuint (a->grant_kib, ==, a->share_kib);
      }
}

/* At convergence, when the floors fit: the grants fit the budget, each in
 * [floor, want], and no more of the budget is left over than one more step
 * of the level would have given those still below their want. */
static void
check_converged (const Case *k)
{
  guint64 sum = k->fixed, step = 0;

  for (gsize i = 0; i < k->n; i++)
    {
      const BcClaim *c = &k->c[i];

      g_assert_cmpuint (c->grant_kib, >=, c->floor_kib);
      g_assert_cmpuint (c->grant_kib, <=, c->want_kib - c->taken_kib);
      sum += c->grant_kib;
      if (c->grant_kib < c->want_kib - c->taken_kib)
        step += (weight_of (c) + 99) / 100;
    }
  g_assert_cmpuint (sum, <=, k->budget);
  if (step > 0)
    g_assert_cmpuint (k->budget - sum, <, step);
  check_weights (k);
}

/* When they do not: each at its floor, or below it at what it held. */
static void
check_converged_floors_over (const Case *k, const Case *start)
{
  guint64 sum = k->fixed, held = k->fixed;

  for (gsize i = 0; i < k->n; i++)
    {
      g_assert_cmpuint (k->c[i].grant_kib, <=, k->c[i].floor_kib);
      g_assert_cmpuint (k->c[i].grant_kib, >=, MIN (k->c[i].floor_kib, start->c[i].held_kib));
      sum += k->c[i].grant_kib;
      held += MIN (k->c[i].floor_kib, start->c[i].held_kib);
    }
  g_assert_cmpuint (sum, <=, MAX (k->budget, held));
}

#define PROP_ITERATIONS 3000

static void
test_arbitrate_properties (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (20240909);
  guint floors_over = 0, contended = 0;

  for (guint it = 0; it < PROP_ITERATIONS; it++)
    {
      Case k, start;
      guint64 level = 0;
      gboolean over;

      random_case (r, &k);
      start = k;
      over = bc_arbitrate_floors_over (k.c, k.n, k.budget, k.fixed, NULL);
      converge (&k, &level);
      if (over)
        check_converged_floors_over (&k, &start);
      else
        check_converged (&k);
      floors_over += over;
      contended += !over && level != G_MAXUINT64;
    }
  /* the generator reaches every regime */
  g_assert_cmpuint (floors_over, >, PROP_ITERATIONS / 20);
  g_assert_cmpuint (contended, >, PROP_ITERATIONS / 4);
}

/* Equal weights of at most 100 reach every share a weight of 100 does:
 * the same grants as all 100 (as before weights). */
static void
test_arbitrate_equal_weights (void)
{
  g_autoptr (GRand) r = g_rand_new_with_seed (7);

  for (guint it = 0; it < PROP_ITERATIONS; it++)
    {
      Case k, same;
      guint w = (guint) g_rand_int_range (r, 1, 101);

      random_case (r, &k);
      for (gsize i = 0; i < k.n; i++)
        k.c[i].weight = BC_WEIGHT_DEFAULT;
      same = k;
      for (gsize i = 0; i < k.n; i++)
        same.c[i].weight = w;
      run (&k, NULL);
      run (&same, NULL);
      for (gsize i = 0; i < k.n; i++)
        g_assert_cmpuint (same.c[i].grant_kib, ==, k.c[i].grant_kib);
    }
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
  g_test_add_func ("/arbitrate/weights", test_arbitrate_weights);
  g_test_add_func ("/arbitrate/weights-max-min", test_arbitrate_weights_max_min);
  g_test_add_func ("/arbitrate/weights-extremes", test_arbitrate_weights_extremes);
  g_test_add_func ("/arbitrate/floors-over", test_arbitrate_floors_over);
  g_test_add_func ("/arbitrate/properties", test_arbitrate_properties);
  g_test_add_func ("/arbitrate/equal-weights", test_arbitrate_equal_weights);
  return g_test_run ();
}
