/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report: the daemon's record of each domain in the words of the state
 * file `balloonctl status` reads (the change reasons: bc-explain.h). */
#pragma once

#include "bc-explain.h"
#include "bc-report.h"
#include "bc-room.h"

typedef struct _BcDomain BcDomain;

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
