/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's events, for the daemon: a start or stop triggers a statistics
 * read (the read owns the domain table, bc-gather.c), a metadata change a
 * new setup, a closed connection the stop. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"
#include "bc-log.h"

static gboolean
is_stop (int event, int detail)
{
  return event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_CRASHED ||
         (event == VIR_DOMAIN_EVENT_SHUTDOWN && detail == VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED);
}

/* How a domain stopped, in a few words. */
static const char *
stop_reason (int event, int detail)
{
  if (event == VIR_DOMAIN_EVENT_CRASHED)
    return "its guest crashed";
  if (event == VIR_DOMAIN_EVENT_SHUTDOWN)
    return "shut down";
  switch (detail)
    {
    case VIR_DOMAIN_EVENT_STOPPED_FAILED: return "its QEMU ended unexpectedly (killed, or it died)";
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED: return "its guest crashed";
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED: return "destroyed";
    case VIR_DOMAIN_EVENT_STOPPED_SAVED: return "saved";
    case VIR_DOMAIN_EVENT_STOPPED_MIGRATED: return "migrated away";
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN: return "shut down";
    default: return "stopped";
    }
}

/* A stop: the domain is left alone from now on (no call on it; its memory
 * leaves the budget at the next read), and a read begun before it does not
 * keep it (bc-gather.c).  Said once, with how it stopped. */
static void
domain_stopped (BcDaemon *d, BcDomain *dom, int event, int detail)
{
  if (dom->stopped_at == 0)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_STOPPED, dom->name, dom->uuid,
                  "%s: stopped: %s; left alone, the others' shares recomputed", dom->name, stop_reason (event, detail));
  dom->figures.libvirt_state = VIR_DOMAIN_NOSTATE;
  dom->stopped_at = ++d->events;
}

/* Reset events this close to the reboot a record was made for are that
 * reboot's (QEMU can report one reset twice). */
#define REBOOT_SAME_MS 10000

/* A reboot (the guest's own, a panic's, or virsh reset): QEMU keeps the
 * balloon's size, but the guest's figures, the margin learnt from them and
 * any hold belong to the boot before; the next read makes a new record. */
static void
on_reboot (virConnectPtr conn, virDomainPtr vdom, void *opaque)
{
  BcDaemon *d = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];
  BcDomain *dom;

  if (virDomainGetUUIDString (vdom, uuid) < 0 || (dom = g_hash_table_lookup (d->domains, uuid)) == NULL)
    return;
  /* the same reset told again: the record is the new boot's already */
  if (dom->reboot_at_ms && bc_daemon_now_ms () - dom->reboot_at_ms < REBOOT_SAME_MS)
    return;
  if (!dom->rebooted)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_REBOOTED, dom->name, dom->uuid,
                  "%s: guest rebooted: its figures from before are dropped; managed anew from its next report", dom->name);
  dom->rebooted = TRUE;
  if (d->phase == BC_PHASE_RUN)
    bc_gather_bulk (d);
}

static int
on_lifecycle (virConnectPtr conn, virDomainPtr vdom, int event, int detail, void *opaque)
{
  BcDaemon *d = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];
  BcDomain *dom;

  if (event != VIR_DOMAIN_EVENT_STARTED && !is_stop (event, detail))
    return 0;
  if (virDomainGetUUIDString (vdom, uuid) < 0)
    return 0;
  dom = g_hash_table_lookup (d->domains, uuid);
  if (dom && is_stop (event, detail))
    domain_stopped (d, dom, event, detail);
  if (event == VIR_DOMAIN_EVENT_STARTED && d->opts.once && d->phase != BC_PHASE_ONCE_SETUP)
    g_message ("%s: started during --once; left for the next run", virDomainGetName (vdom));
  if (d->phase == BC_PHASE_RUN || d->phase == BC_PHASE_ONCE_SETUP)
    bc_gather_bulk (d);
  return 0;
}

static void
on_metadata (virConnectPtr conn, virDomainPtr vdom, int type, const char *nsuri, void *opaque)
{
  BcDaemon *d = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];
  BcDomain *dom;

  if (d->phase == BC_PHASE_STOPPING || type != VIR_DOMAIN_METADATA_ELEMENT ||
      g_strcmp0 (nsuri, BC_METADATA_NS) != 0 || virDomainGetUUIDString (vdom, uuid) < 0)
    return;
  dom = g_hash_table_lookup (d->domains, uuid);
  if (dom)
    {
      g_message ("%s: balloonctl metadata changed, reloading it", dom->name);
      bc_gather_setup (d, dom);
    }
}

static gboolean
on_closed (gpointer data)
{
  BcDaemon *d = data;
  int reason;

  g_mutex_lock (&d->close_lock);
  g_clear_pointer (&d->close_source, g_source_unref);
  reason = d->close_reason;
  g_mutex_unlock (&d->close_lock);
  if (d->phase == BC_PHASE_RUN)
    {
      bc_daemon_connection_lost (d, reason);
      return G_SOURCE_REMOVE;
    }
  if (d->phase == BC_PHASE_STOPPING)
    return G_SOURCE_REMOVE; /* a stop under way is no failure */
  /* --once has nothing to wait for */
  if (d->fatal == NULL)
    bc_set_error (&d->fatal, BC_ERROR_FAILED, "connection to libvirt closed (reason %d)", reason);
  bc_daemon_stop (d);
  return G_SOURCE_REMOVE;
}

/* libvirt calls this on whichever thread saw the connection go (a worker's
 * RPC, often): the stop itself happens on the main context. */
static void
on_close (virConnectPtr conn, int reason, void *opaque)
{
  BcDaemon *d = opaque;

  g_mutex_lock (&d->close_lock);
  if (d->close_source == NULL)
    {
      d->close_reason = reason;
      d->close_source = g_idle_source_new ();
      g_source_set_callback (d->close_source, on_closed, d, NULL);
      g_source_attach (d->close_source, NULL);
    }
  g_mutex_unlock (&d->close_lock);
}

gboolean
bc_events_register (BcDaemon *d, GError **error)
{
  /* first: a connection that goes while the rest registers is still heard */
  d->close_cb = virConnectRegisterCloseCallback (d->conn, on_close, d, NULL) == 0;
  d->lifecycle_cb = virConnectDomainEventRegisterAny (d->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                      VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle), d, NULL);
  if (d->lifecycle_cb < 0)
    return bc_set_error_from_libvirt (error, "lifecycle events");
  d->metadata_cb = virConnectDomainEventRegisterAny (d->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                                     VIR_DOMAIN_EVENT_CALLBACK (on_metadata), d, NULL);
  if (d->metadata_cb < 0)
    g_message ("metadata change events unavailable; metadata is read when a domain starts");
  d->reboot_cb = virConnectDomainEventRegisterAny (d->conn, NULL, VIR_DOMAIN_EVENT_ID_REBOOT,
                                                   VIR_DOMAIN_EVENT_CALLBACK (on_reboot), d, NULL);
  return TRUE;
}

void
bc_events_unregister (BcDaemon *d)
{
  if (d->lifecycle_cb >= 0)
    virConnectDomainEventDeregisterAny (d->conn, d->lifecycle_cb);
  if (d->metadata_cb >= 0)
    virConnectDomainEventDeregisterAny (d->conn, d->metadata_cb);
  if (d->reboot_cb >= 0)
    virConnectDomainEventDeregisterAny (d->conn, d->reboot_cb);
  if (d->close_cb)
    virConnectUnregisterCloseCallback (d->conn, on_close);
  d->lifecycle_cb = d->metadata_cb = d->reboot_cb = -1;
  d->close_cb = FALSE;
  g_mutex_lock (&d->close_lock);
  if (d->close_source)
    g_source_destroy (d->close_source);
  g_clear_pointer (&d->close_source, g_source_unref);
  g_mutex_unlock (&d->close_lock);
}
