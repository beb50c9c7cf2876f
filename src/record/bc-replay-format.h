/* SPDX-License-Identifier: GPL-2.0-or-later */
/* replay: what `balloonctl replay` prints.  Names and reasons come from a
 * file: control characters are escaped before they reach a terminal. */
#pragma once

#include "bc-replay.h"

/* One line a change the replayed pass would make:
 *   T+12.0s vm1: 512 -> 640 MiB: grow: ... */
void bc_replay_format_changes (const BcReplay *r, const BcRecordPass *rec, const BcPassOutput *out, GString *s);
/* Per domain: changes, memory-seconds, smallest, mean and largest size;
 * with another configuration or policy than recorded, how far from the
 * recorded sizes; else whether every recorded decision was reproduced. */
void bc_replay_format_summary (BcReplay *r, GString *s);
/* The summary as one JSON document, figures in KiB. */
void bc_replay_format_json (BcReplay *r, GString *s);
