/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: the words balloonctl uses to explain itself, in the log and in
 * the state file `balloonctl status` reads. */
#pragma once

#include "bc-decide.h"
#include "bc-report.h"

typedef struct _BcDomain BcDomain;

/* Why a domain goes from current to granted, in one line.  held_before:
 * the host budget held this domain below its target on the previous pass
 * (a growth now may be that growth, whatever the margin does this tick). */
char *bc_explain_change (const BcDecision *dec, const BcMarginState *margin,
                         guint64 current_kib, guint64 granted_kib, guint arbiter_scale,
                         guint64 fair_level_kib, gboolean held_before);

/* Fills a state-file entry from the daemon's record of a domain. */
void bc_explain_report (BcReportDomain *out, const BcDomain *dom);
/* Writes the state file for the domains (of BcDomain), unless it would
 * say what it already says (bc_report_publish). */
gboolean bc_explain_publish (GPtrArray *domains, const char *uri, const BcConfig *cfg, const char *path,
                             BcReportCache *cache, gint64 now_ms, GError **error);
