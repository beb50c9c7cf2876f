/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: each domain's last changes, kept where the state file is made
 * (the pass and the applies keep only the latest): every publish notes a
 * domain's latest change into its history, and the history goes into the
 * state file with it.  At most BC_REPORT_HISTORY_MAX changes a domain, for
 * the domains the daemon lists now (one that stops is forgotten).  Main
 * thread only; no I/O. */
#pragma once

#include "bc-report.h"

/* A store: uuid -> BcReportHistory. */
GHashTable *bc_history_store_new (void);
/* Puts d's latest change (its last_change) first in its history in store,
 * unless it is there already, and copies that history into d. */
void bc_history_note (GHashTable *store, BcReportDomain *d);
/* Forgets the histories of the domains r does not list. */
void bc_history_prune (GHashTable *store, const BcReport *r);
