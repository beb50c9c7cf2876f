/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: one domain's story, `balloonctl status DOMAIN`: its size, what the
 * daemon sets it to and why (Committed_AS, the margin and its state, its
 * floor and limits and where they come from, its weight and share, the
 * host budget), how fresh its figures are, the policy, and its last
 * changes with their reasons.  Live figures from libvirt and the guest
 * agent (the row); the rest from the daemon's state file, or said to be
 * unknown without a daemon.  Pure: what reaches a terminal is escaped
 * (bc_term_escape), times are arguments. */
#pragma once

#include "bc-status.h"

/* row: the domain's live figures, the daemon's record attached (row->ctl,
 * NULL when the daemon does not list it); daemon: NULL without a live
 * daemon for this hypervisor, why_none then says why (NULL: none runs). */
void bc_story_format_text (const BcStatusRow *row, const BcReport *daemon, const char *why_none, gint64 now_ms,
                           GString *out);
/* The same as one JSON object: "schema", "daemon" and "host" as `status
 * --json` has them, and "domain", one of its "domains". */
void bc_story_format_json (const BcStatusRow *row, const BcReport *daemon, GString *out);
