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
 *   grow   by what refaulted or was newly cached since the last tick, at
 *          most step_kib a tick, and hold: no shrink for HOLD_MS; the
 *          margin where refaults appeared is remembered as the edge.
 * Quiet:
 *   probe  down, from down_step_kib / 8 a tick, that much more with every
 *          quiet tick up to down_step_kib / 2, but at the smallest step while
 *          within EDGE_ZONE_KIB above the last edge (forgotten after
 *          EDGE_MEMORY_MS): a large cold cache is given back in seconds,
 *          and memory settles just above the working set instead of
 *          saw-toothing below it.
 * The pass keeps the margin within what the host budget grants
 * (bc_adaptive_unwind), so no margin winds up above the fair share. */
#pragma once

#include "bc-margin.h"

#define BC_ADAPTIVE_TOLERANCE_PPM 2000
#define BC_ADAPTIVE_HOLD_MS 5000
#define BC_ADAPTIVE_EDGE_ZONE_KIB (16 * 1024)
#define BC_ADAPTIVE_EDGE_MEMORY_MS 60000

/* since_ms: the time since the previous tick. */
void bc_adaptive_tick (BcMarginState *st, const BcMarginParams *p, const BcMarginDelta *d,
                       guint64 cached_kib, gint64 now_ms, gint64 since_ms);
/* What the host budget granted caps the margin: at most granted -
 * committed, never below the margin's min. */
void bc_adaptive_unwind (BcMarginState *st, const BcMarginParams *p, guint64 granted_kib, guint64 committed_kib);
