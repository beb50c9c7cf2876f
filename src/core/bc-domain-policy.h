/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A domain's own policy, as its metadata gives it (bc-metadata.h reads
 * it from the domain's XML): what decide takes of it. */
#pragma once

#include <glib.h>

typedef struct {
  gboolean enabled;
  guint64 min_kib; /* 0 = not set */
  guint64 max_kib; /* 0 = not set */
  guint weight;    /* its part of the host budget, 1..10000; 0 = not set */
} BcDomainPolicy;
