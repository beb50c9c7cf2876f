/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: the facts balloonctl needs from a domain's live XML: whether it
 * has a working balloon device and its statistics period.  Pure. */
#pragma once

#include <glib.h>

typedef struct {
  gboolean has_balloon; /* a <memballoon> other than model='none' */
  gint stats_period_s;  /* 0 = statistics off */
  gboolean autodeflate; /* deflate-on-oom: the guest may take its balloon
                           back when it runs out of memory */
} BcDomainBalloon;

gboolean bc_domxml_parse_balloon (const char *xml, BcDomainBalloon *out, GError **error);
