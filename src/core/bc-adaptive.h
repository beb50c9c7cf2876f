/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: policy = adaptive, the margin steered by the kernel's own
 * evidence of too little memory (file pages refaulted: read back after
 * eviction), not by cache sizes.  It ticks every apply interval (not every
 * margin interval): refaults per second are the signal, and a short tick
 * keeps each correction small.  Pure: a delta and time in, state out.
 *
 * Pressure target: refaults of at most BC_ADAPTIVE_TOLERANCE_PPM of the
 * cache per second (0.2 %/s; at least 64 KiB/s) are the noise of a guest
 * at its working set.  Above it, or while the cache grows by more than
 * threshold_kib a tick (a new working set read for the first time shows
 * no refaults yet):
 *   grow   by what refaulted (times refaults / (BOOST_DIV x the tolerance),
 *          between 1 and BOOST_MAX) or was newly cached since the last tick, at
 *          most step_kib a tick (the first refault growth after a probe
 *          at least HEADROOM_KIB), and hold: no shrink for HOLD_MS; the
 *          margin where refaults appeared is remembered as the edge.
 *          A growth that starts within EDGE_ZONE_KIB of where the last one
 *          started doubles the hold, up to HOLD_MAX_MS: once a probe has
 *          found the working set's edge, the guest is probed less and less
 *          often instead of saw-toothing through it.
 *          Before refaults can show (a page refaults only when read a
 *          second time), a guest with no room left that reads from its
 *          disks more than its cache grew and its refaults account for is
 *          replacing its cache with a new working set: those first reads
 *          grow it too, up to FIRST_READ_KIB, whole again only
 *          FIRST_READ_REFILL_MS after the last tick that showed first
 *          reads (a stream read once, or a reader's bursts, get that much
 *          once, not every tick or burst).
 * Quiet:
 *   probe  down by the cold part of the guest's memory: a quarter a second
 *          of its inactive file cache plus its free memory beyond
 *          FREE_KEEP_KIB, at least PROBE_MIN_KIB (or 0.5 % of the cache) a
 *          second, at most down_step_kib / 2; at that least rate, at most
 *          EDGE_ZONE_KIB / 4 a second, while within EDGE_ZONE_KIB of the
 *          last edge (forgotten after
 *          EDGE_MEMORY_MS).  A large cold cache is given back in seconds;
 *          a guest whose cache is all in use is pressed gently, which makes
 *          its kernel age the active list, so stale pages turn inactive and
 *          cold.
 * It ticks only on the agent's figures with refaults; without them
 * (balloon figures only, no /proc/vmstat) the paper's rules run instead.
 * The pass keeps the margin within what the host budget grants
 * (bc_adaptive_unwind), so no margin winds up above the fair share, and
 * raises it to what the target's floor gives (bc_decide), so that growth
 * starts from the size the guest has, not from below its floor. */
#pragma once

#include "bc-policy.h"

#define BC_ADAPTIVE_TOLERANCE_PPM 2000
#define BC_ADAPTIVE_HOLD_MS 5000
#define BC_ADAPTIVE_HOLD_MAX_MS 80000
#define BC_ADAPTIVE_EDGE_ZONE_KIB (16 * 1024)
#define BC_ADAPTIVE_EDGE_MEMORY_MS 240000
#define BC_ADAPTIVE_FREE_KEEP_KIB (8 * 1024)
#define BC_ADAPTIVE_PROBE_MIN_KIB 1024
#define BC_ADAPTIVE_HEADROOM_KIB (8 * 1024)
#define BC_ADAPTIVE_BOOST_DIV 8
#define BC_ADAPTIVE_BOOST_MAX 4
#define BC_ADAPTIVE_COLD_REFAULTS 4
#define BC_ADAPTIVE_FIRST_READ_KIB (64 * 1024)
#define BC_ADAPTIVE_FIRST_READ_REFILL_MS 30000
#define BC_ADAPTIVE_REFAULTS_MAX_KIB ((gint64) 1 << 36)

/* The policy table's tick: adaptive's law on refault figures, the
 * paper's rules (bc_paper_tick) without them. */
void bc_adaptive_policy_tick (BcMargin *st, const BcMarginParams *p, const BcPolicyTick *t);
/* With refault figures it ticks on every fresh sample: refaults per
 * second are its signal. */
gboolean bc_adaptive_per_sample (const BcMarginSample *s);
/* since_ms: the time since the previous tick. */
void bc_adaptive_tick (BcMargin *st, const BcMarginParams *p, const BcMarginDelta *d,
                       const BcMarginSample *now, gint64 now_ms, gint64 since_ms);
/* What the host budget granted caps the margin: at most granted -
 * committed, never below the margin's min; where refaults began is
 * forgotten (refaults under the budget's cap say nothing of the working
 * set). */
void bc_adaptive_unwind (BcMargin *st, const BcMarginParams *p, guint64 granted_kib, guint64 committed_kib);
/* What the target's floor gives (the configured min, used + guard) is
 * margin the guest has anyway: the margin is raised to floor - committed,
 * never above the margin's max. */
void bc_adaptive_raise (BcMargin *st, const BcMarginParams *p, guint64 floor_kib, guint64 committed_kib);
/* Under contention, what the arbiter takes first (ESXi's idle memory tax
 * at 75 %): three quarters of the inactive file cache of a guest that is
 * probing down, or holding with refaults that are a trickle (at most
 * COLD_REFAULTS times the tolerance a second: a new working set's last
 * first reads, not a shortage); nothing of a guest that grew on its last
 * tick or refaults more. */
guint64 bc_adaptive_cold_kib (const BcMargin *st, guint64 cached_kib, guint64 inactive_file_kib);
/* Three quarters of an inactive file cache: what "cold" takes of it. */
guint64 bc_adaptive_cold_cache_kib (guint64 inactive_file_kib);
/* Free memory beyond BC_ADAPTIVE_FREE_KEEP_KIB, which the kernel keeps. */
guint64 bc_adaptive_spare_free_kib (guint64 free_kib);
/* Whether the guest is quiet as bc_adaptive_cold_kib judges it: it did
 * not grow on its last tick, and it is probing down or its refaults are
 * at most a trickle. */
gboolean bc_adaptive_quiet (const BcMargin *st, guint64 cached_kib);
