/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply: set a domain's balloon target, live.  Blocking (a libvirt RPC):
 * the daemon runs it on a worker thread. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

gboolean bc_apply_target (virDomainPtr dom, guint64 target_kib, GError **error);
