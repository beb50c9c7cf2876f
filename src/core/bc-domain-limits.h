/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's own limits, as its metadata's <policy> gives them
 * (bc-metadata.h reads them from the domain's XML): whether it is
 * managed, its min and max, its weight.  (The algorithm that steers the
 * margin is the policy, BcPolicy, bc-policy.h.) */
#pragma once

#include <glib.h>

typedef struct {
  gboolean enabled;
  guint64 min_kib; /* 0 = not set */
  guint64 max_kib; /* 0 = not set */
  guint weight;    /* its part of the host budget, 1..10000; 0 = not set */
} BcDomainLimits;
