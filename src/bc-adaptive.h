/* SPDX-License-Identifier: GPL-2.0-or-later */
/* decide: policy = adaptive, the margin steered by the kernel's own
 * evidence of too little memory (file pages refaulted: read back after
 * eviction), not by cache sizes.  Pure: a delta and time in, state out. */
#pragma once

#include "bc-margin.h"

/* Pressure target: refaults up to threshold_kib per tick are tolerated
 * (the noise of a guest at its working set).  Above it:
 *   grow   by ADAPTIVE_GAIN x the refaulted (or newly cached) KiB, at most
 *          4 x step_kib per tick, and hold: no shrink for two ticks;
 *          the next probe down starts again from its smallest step.
 *   below  probe down: shrink by the shrink step, which grows by half
 *          with every tick that stays quiet (from down_step_kib / 2 up to
 *          2 x down_step_kib), so a large cold cache is given back in a
 *          few ticks and memory converges onto the working set in small
 *          steps instead of saw-toothing below it. */
#define BC_ADAPTIVE_GAIN 2
#define BC_ADAPTIVE_HOLD_TICKS 2

/* since_ms: the time since the previous tick (the hold is two of them). */
void bc_adaptive_tick (BcMarginState *st, const BcMarginParams *p, const BcMarginDelta *d,
                       gint64 now_ms, gint64 since_ms);
