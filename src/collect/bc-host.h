/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect: the host's own figures for the budget (bc-budget.h): its
 * /proc/meminfo and /proc/pressure/memory, the domains' cgroup's
 * memory.max and memory.current, or for a remote host libvirt's node
 * memory statistics.  The readers block (a file, an RPC): the daemon
 * runs them on a job.  The parsers are pure and bounded: the text is
 * checked as hostile. */
#pragma once

#include "bc-budget.h"

#include <libvirt/libvirt.h>

/* Most text read from one host file. */
#define BC_HOST_TEXT_MAX (64 * 1024)

/* "some avg10=12.34 ..." -> 1234 (1/100 of a percent, at most 10000). */
gboolean bc_host_parse_pressure (const char *text, gsize len, guint *some_bp, GError **error);
/* A cgroup's memory.max or memory.current: bytes, or "max"
 * (G_MAXUINT64); to KiB. */
gboolean bc_host_parse_cgroup_kib (const char *text, gsize len, guint64 *kib, GError **error);

/* proc_dir: where meminfo and pressure/memory are ("/proc", or a
 * directory of the same files for tests); cgroup_dir: "" for none, else a
 * cgroup v2 directory (memory.max, memory.current, and memory.pressure:
 * the higher pressure counts) or, lacking those, a cgroup v1 memory one
 * (memory.limit_in_bytes, memory.usage_in_bytes).
 * Fails when meminfo cannot be read; a missing pressure file (a kernel
 * without PSI) leaves have_pressure FALSE; a cgroup that cannot be read
 * fails (it was asked for). */
gboolean bc_host_read_local (const char *proc_dir, const char *cgroup_dir, BcHostFigures *out, GError **error);
/* virNodeGetMemoryStats: total, and free + buffers + cached as available.
 * A driver without them (test:///) is BC_ERROR_FAILED: asking again is
 * no use; a failed call is BC_ERROR_LIBVIRT. */
gboolean bc_host_read_remote (virConnectPtr conn, BcHostFigures *out, GError **error);
