/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: the room a host has left, for whoever places guests.  Per
 * domain, what could be taken from it now without its guest reading a page
 * back (reclaimable), and the floor it keeps; per host, how many more
 * guests of a size would fit.  A view of what the pass decided, not a
 * decision: nothing is taken because of it.  Pure: figures in, figures
 * out.
 *
 * A domain's reclaimable memory is its cold memory as the arbiter and the
 * adaptive policy judge it: three quarters of its inactive file cache (what
 * the arbiter takes first, bc_adaptive_cold_kib) and its free memory
 * (MemFree) beyond BC_ADAPTIVE_FREE_KEEP_KIB (what the adaptive probe
 * counts cold); at most what it holds above its floor (the decision's
 * target floor: the configured min, used + guard).  Only with evidence
 * that the guest is quiet: fresh guest agent figures with its refaults,
 * and
 *   policy adaptive  bc_adaptive_quiet: it did not grow on its last tick,
 *                    and is probing down or refaulting at most a trickle;
 *   policy paper     its margin DOWN: no growth, and refaults of at most
 *                    threshold-mib, over its last margin interval;
 * otherwise nothing: balloon figures only (no evidence of coldness), no
 * refault figures, a policy that does not read refaults (paper-literal,
 * committed, mom), a domain held on old figures or not managed.
 *
 * The host: room for K more guests of M = [host] guest-size-mib,
 * K = (budget - what every domain holds + the reclaimable) / M, rounded
 * down; 0 when the domains hold more than the budget and the reclaimable
 * together.  Sums saturate. */
#pragma once

#include "bc-pass.h"

/* What one domain's room is judged from. */
typedef struct {
  gboolean decided;          /* the pass decided it: managed, running,
                                fresh figures */
  BcSource source;           /* the figures it decided from */
  BcPolicy policy;
  gboolean have_refault;     /* the margin's last sample had refaults */
  BcState state;             /* the margin controller's, after the pass */
  gint64 grown_kib;          /* adaptive: its growth on its last tick */
  gint64 refault_rate_kib;   /* adaptive: KiB refaulted a second */
  guint64 cached_kib;
  guint64 inactive_file_kib;
  guint64 free_kib;          /* MemFree */
  guint64 held_kib;          /* what it holds, as the budget counts it */
  guint64 floor_kib;         /* the decision's target floor */
} BcRoomFigures;

typedef struct {
  guint64 reclaimable_kib;
  guint64 floor_kib;         /* 0 = not decided */
} BcRoomDomain;

typedef struct {
  guint64 budget_kib;
  guint64 held_kib;          /* every domain's, managed or not */
  guint64 reclaimable_kib;
  guint64 guest_size_kib;    /* M; 0 = not counted yet (no pass) */
  guint64 guests;            /* K */
} BcRoomHost;

BcRoomDomain bc_room_domain (const BcRoomFigures *f);
/* Counts one domain into the host's sums. */
void bc_room_host_add (BcRoomHost *h, guint64 held_kib, guint64 reclaimable_kib);
/* K of the host's sums, budget and guest size. */
guint64 bc_room_guests (const BcRoomHost *h);

/* The room of every domain of a pass (rooms[0..n-1]) and of the host,
 * from what the pass read and made of it, and the budget it ran with. */
BcRoomHost bc_room_plan (const BcPassParams *p, guint64 budget_kib, const BcPassInput *in, const BcPassOutput *out, gsize n,
                         BcRoomDomain *rooms);
