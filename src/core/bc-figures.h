/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: what we know of one domain's memory at one moment. */
#pragma once

#include "bc-meminfo.h"

typedef enum {
  BC_SOURCE_NONE,    /* nothing usable: the domain is left alone */
  BC_SOURCE_BALLOON, /* balloon statistics only */
  BC_SOURCE_AGENT,   /* the guest's /proc/meminfo through the guest agent */
} BcSource;

/* From virConnectGetAllDomainStats, "balloon" group. */
typedef struct {
  guint64 current_kib;
  guint64 max_kib;
  gboolean have_stats;     /* the guest's balloon driver reports figures */
  guint64 guest_total_kib; /* the guest's MemTotal (libvirt's
                              "balloon.available") */
  guint64 usable_kib;      /* MemAvailable */
  guint64 disk_caches_kib; /* file pages */
  gint64 last_update_s;    /* when QEMU last had the guest's figures
                              (host wall clock); 0 = not said */
  gboolean autodeflate;    /* from the domain's XML: with deflate-on-oom
                              the guest's MemTotal stays at its boot size */
} BcBalloonFigures;

/* From the guest agent. */
typedef struct {
  BcMeminfo meminfo;
  BcVmstat vmstat;
  gboolean have_vmstat;
  gint64 at_ms;            /* monotonic time it was read */
} BcGuestFigures;

const char *bc_source_to_string (BcSource source);
