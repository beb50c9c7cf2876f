/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: the words balloonctl uses to explain itself, in the log and in
 * the state file `balloonctl status` reads. */
#pragma once

#include "bc-decide.h"
#include "bc-pass.h"
#include "bc-report.h"
#include "bc-room.h"

typedef struct _BcDomain BcDomain;

/* What the host budget made of one domain. */
typedef struct {
  guint scale;             /* of its growth, granted now, in 1/10000 */
  guint weight;
  guint64 share_kib;       /* its weighted share; G_MAXUINT64 when every
                              target fits */
  gboolean floors_over;    /* the floors alone do not fit */
  gboolean held_before;    /* the budget held it below its target on the
                              previous pass (a growth now may be that
                              growth, whatever the margin does this tick) */
} BcExplainBudget;

/* Why a domain goes from current to granted, in one line. */
char *bc_explain_change (const BcDecision *dec, const BcMarginState *margin,
                         guint64 current_kib, guint64 granted_kib, const BcExplainBudget *budget);

/* Says once (a warning) that the managed domains' floors alone do not fit
 * in the host budget, and once (a message) when they fit again; *said
 * keeps which was said last (FALSE at start). */
void bc_explain_budget (const BcPassBudget *budget, gboolean *said);

/* Fills a state-file entry from the daemon's record of a domain. */
void bc_explain_report (BcReportDomain *out, const BcDomain *dom);
/* Fills what `status DOMAIN` tells of the domain beyond its record (the
 * detail, its history aside): now_ms the pass's monotonic time, wall_ms
 * the wall clock at the same moment. */
void bc_explain_detail (BcReportDetail *out, const BcDomain *dom, const BcConfig *cfg, gint64 now_ms, gint64 wall_ms);
/* The state file's next contents for the domains (of BcDomain) and the
 * room the last pass left the host (its budget the budget in force),
 * offered to cache (bc_report_offer: kept as cache->pending unless it says
 * what the file already says).  Each domain's last changes are kept in
 * cache->history (bc-history.h). */
void bc_explain_offer (GPtrArray *domains, const char *uri, const BcConfig *cfg, const BcRoomHost *room,
                       BcReportCache *cache, gint64 now_ms);
