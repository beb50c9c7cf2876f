/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply: set a domain's balloon target, live.  The setMemory call is a
 * libvirt RPC, run as a job on the libvirt queue; its result is logged
 * and kept in the domain's record. */
#pragma once

#include "bc-domain.h"
#include "bc-jobs.h"

/* The blocking body.  A domain that stopped before the call fails with
 * BC_ERROR_NOT_RUNNING. */
gboolean bc_apply_target (virDomainPtr dom, guint64 target_kib, GError **error);
/* The job running on the domain (migration, save, dump, snapshot...), or
 * NULL when none does or libvirt cannot say.  Blocking. */
const char *bc_apply_running_job (virDomainPtr dom);

/* journald's MESSAGE_ID of a memory change (journalctl MESSAGE_ID=...). */
#define BC_MESSAGE_ID_CHANGE "4e754f387f714309a4ca0255fd4c5c1e"

/* The line a dry run logs for a change of the pass (BC_ACTION_DRY_RUN):
 * the size it would set, and for a domain its virtio-mem device sizes the
 * request it would send (bc_apply_vmem_dry_run); NULL when nothing would
 * be asked.  now_ms monotonic. */
char *bc_apply_dry_run_line (const BcDomain *dom, const BcPassOutput *change, gint64 now_ms);

/* Carries out one change of a pass: a setMemory job (BC_ACTION_SET), or
 * the log line of a dry run (BC_ACTION_DRY_RUN). */
void bc_apply_start (BcJobs *jobs, BcDomain *dom, const BcPassOutput *change);
