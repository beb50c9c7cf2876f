/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: the live figures of the one domain `balloonctl status DOMAIN`
 * tells of, found by name or UUID among the running domains. */
#pragma once

#include "bc-status.h"

/* Of the running domains' records, the one named domain or of that UUID
 * (any case); NULL when none is, and NULL with an error when the name is
 * one's and the UUID another's (ambiguous: each has another way to be
 * named, the other's UUID or name). */
const BcBulkRecord *bc_story_find (GPtrArray *records, const char *domain, GError **error);
/* Its row (bc_status_row_from_record: the guest agent asked when
 * use_agent); NULL and an error naming the domain when no running domain
 * has that name or UUID (one that is defined but not running is said to
 * be so), or when it is ambiguous (bc_story_find). */
BcStatusRow *bc_story_collect (virConnectPtr conn, const char *domain, gboolean use_agent, gint64 agent_timeout_ms,
                               GError **error);
