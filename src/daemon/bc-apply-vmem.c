/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-apply-vmem.h"
#include "bc-apply.h"
#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"

guint64
bc_apply_vmem_wanted (const BcDomain *dom, guint64 new_kib, gint64 now_ms)
{
  return bc_vmem_request (&dom->vmem.follow, &dom->vmem.dev, new_kib, now_ms);
}

char *
bc_apply_vmem_reason (const BcDomain *dom, guint64 requested_kib, guint64 new_kib, const char *reason)
{
  guint64 wanted = bc_vmem_requested_for (&dom->vmem.dev, new_kib);

  if (!dom->vmem.driven || requested_kib == wanted)
    return g_strdup (reason);
  return g_strdup_printf ("held at what the guest plugged: it did not follow its virtio-mem request; the pass wanted %" G_GUINT64_FORMAT " KiB: %s",
                          new_kib, reason);
}

guint64
bc_apply_vmem_domain_kib (const BcDomain *dom, guint64 requested_kib)
{
  return dom->vmem.dev.fixed_kib + requested_kib;
}

/* What a dry run would ask: as bc_apply_vmem_wanted, from the request it
 * said it would send before (nothing is sent, so the device's own never
 * moves) */
static guint64
dry_run_wanted (const BcDomain *dom, guint64 new_kib, gint64 now_ms)
{
  BcVmemDevice dev = dom->vmem.dev;

  if (dom->vmem.dry_asked)
    dev.requested_kib = dom->vmem.dry_requested_kib;
  return bc_vmem_request (&dom->vmem.follow, &dev, new_kib, now_ms);
}

void
bc_apply_vmem_dry_run_said (BcDomain *dom, const BcPassOutput *change, gint64 now_ms)
{
  guint64 requested = dry_run_wanted (dom, change->new_kib, now_ms);

  if (requested == BC_VMEM_NO_REQUEST)
    return;
  dom->vmem.dry_asked = TRUE;
  dom->vmem.dry_requested_kib = requested;
}

char *
bc_apply_vmem_dry_run (const BcDomain *dom, const BcPassOutput *change, gint64 now_ms)
{
  guint64 requested = dry_run_wanted (dom, change->new_kib, now_ms);
  g_autofree char *reason = NULL;

  if (requested == BC_VMEM_NO_REQUEST)
    return NULL;
  reason = bc_apply_vmem_reason (dom, requested, change->new_kib, change->reason);
  return g_strdup_printf ("%s: dry run: would set %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB "
                          "(virtio-mem requested size %" G_GUINT64_FORMAT " KiB): %s",
                          dom->name, dom->figures.balloon.current_kib, bc_apply_vmem_domain_kib (dom, requested),
                          requested, reason);
}

static gboolean
stopped_or (virDomainPtr dom, GError **error, const char *what)
{
  if (virDomainIsActive (dom) == 0)
    return bc_set_error (error, BC_ERROR_NOT_RUNNING, "the domain is no longer running");
  return bc_set_error_from_libvirt (error, what);
}

gboolean
bc_apply_vmem_target (virDomainPtr dom, guint64 requested_kib, GError **error)
{
  g_autofree char *xml = NULL;
  g_autofree char *device = NULL;
  const char *job;

  /* as with the balloon: nothing moves under a migration or a save */
  if ((job = bc_apply_running_job (dom)) != NULL)
    return bc_set_error (error, BC_ERROR_BUSY, "%s", job);
  if ((xml = virDomainGetXMLDesc (dom, 0)) == NULL)
    return stopped_or (dom, error, "domain XML");
  if ((device = bc_domxml_vmem_update (xml, requested_kib, error)) == NULL)
    return FALSE;
  if (virDomainUpdateDeviceFlags (dom, device, VIR_DOMAIN_AFFECT_LIVE) == 0)
    return TRUE;
  return stopped_or (dom, error, "resizing the virtio-mem device");
}

void
bc_apply_vmem_done (BcDomain *dom, guint64 requested_kib)
{
  dom->vmem.dev.requested_kib = requested_kib;
  dom->vmem.asked_at_ms = bc_daemon_now_ms ();
}
