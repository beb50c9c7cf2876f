/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: the figures of every running domain.  Blocking calls (libvirt
 * RPCs, the guest agent) are run on worker threads by the daemon; the
 * functions here are the blocking bodies and their pure parsers. */
#pragma once

#include "bc-domxml.h"
#include "bc-figures.h"
#include "bc-metadata.h"

#include <libvirt/libvirt.h>

typedef struct {
  char uuid[VIR_UUID_STRING_BUFLEN];
  char *name;
  virDomainPtr dom;
  int id;                  /* libvirt's id: a new one for every start */
  int state;               /* virDomainState */
  BcBalloonFigures balloon;
} BcBulkRecord;

void bc_bulk_record_free (BcBulkRecord *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcBulkRecord, bc_bulk_record_free)

/* Balloon figures from the typed parameters of the "balloon" group. */
void bc_collect_parse_balloon (virTypedParameterPtr params, int nparams, BcBalloonFigures *out);

/* The host's memory in KiB: the smaller of virNodeGetInfo's figure and
 * virNodeGetMemoryStats' "total" (when the driver has it), so the budget
 * never rests on the larger of two readings that disagree. */
gboolean bc_collect_host_memory (virConnectPtr conn, guint64 *kib, GError **error);

/* All running domains, balloon and state groups, in one bulk call. */
GPtrArray *bc_collect_bulk (virConnectPtr conn, GError **error);

/* The guest's /proc/meminfo and /proc/vmstat through the agent. */
gboolean bc_collect_guest (virDomainPtr dom, gint64 timeout_ms, gint64 now_ms,
                           BcGuestFigures *out, GError **error);

/* What a domain's XML and metadata say about managing it; turns balloon
 * statistics on (live) when they are off. */
typedef struct {
  BcDomainBalloon balloon;
  BcDomainLimits limits;
  gboolean stats_enabled_now; /* we set the statistics period */
  GError *limits_error;       /* invalid metadata: the domain is skipped */
  BcDomainVmem vmem;          /* its virtio-mem device, if any */
  GError *vmem_error;         /* one that cannot be driven: the balloon
                                 sizes the domain */
} BcDomainSetup;

void bc_domain_setup_clear (BcDomainSetup *s);
gboolean bc_collect_setup (virDomainPtr dom, gint stats_period_s, BcDomainSetup *out, GError **error);

/* The domain's virtio-mem device as its live XML says now. */
gboolean bc_collect_vmem (virDomainPtr dom, BcDomainVmem *out, GError **error);
