/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-apply"

#include "bc-apply.h"
#include "bc-error.h"

gboolean
bc_apply_target (virDomainPtr dom, guint64 target_kib, GError **error)
{
  if (target_kib == 0 || target_kib > G_MAXULONG)
    return bc_set_error (error, BC_ERROR_FAILED, "refusing target of %" G_GUINT64_FORMAT " KiB", target_kib);
  if (virDomainSetMemoryFlags (dom, (unsigned long) target_kib, VIR_DOMAIN_AFFECT_LIVE) < 0)
    return bc_set_error_from_libvirt (error, "setting memory");
  return TRUE;
}
