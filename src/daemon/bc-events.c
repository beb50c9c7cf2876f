/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt's events (bc-events.h): the callbacks libvirt calls, each told
 * to the sink as what happened. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-events.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"
#include "bc-metadata.h"

#include <string.h>

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

static void
on_reboot (virConnectPtr conn, virDomainPtr vdom, void *opaque)
{
  BcEvents *e = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (virDomainGetUUIDString (vdom, uuid) == 0)
    e->sink->rebooted (e->owner, uuid);
}

static int
on_lifecycle (virConnectPtr conn, virDomainPtr vdom, int event, int detail, void *opaque)
{
  BcEvents *e = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (event == VIR_DOMAIN_EVENT_STARTED)
    e->sink->started (e->owner, vdom);
  else if (is_stop (event, detail) && virDomainGetUUIDString (vdom, uuid) == 0)
    e->sink->stopped (e->owner, uuid, stop_reason (event, detail));
  return 0;
}

static void
on_metadata (virConnectPtr conn, virDomainPtr vdom, int type, const char *nsuri, void *opaque)
{
  BcEvents *e = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (type == VIR_DOMAIN_METADATA_ELEMENT && g_strcmp0 (nsuri, BC_METADATA_NS) == 0 &&
      virDomainGetUUIDString (vdom, uuid) == 0)
    e->sink->metadata_changed (e->owner, uuid);
}

static gboolean
on_closed (gpointer data)
{
  BcEvents *e = data;
  int reason;

  g_mutex_lock (&e->close_lock);
  g_clear_pointer (&e->close_source, g_source_unref);
  reason = e->close_reason;
  g_mutex_unlock (&e->close_lock);
  e->sink->closed (e->owner, reason);
  return G_SOURCE_REMOVE;
}

/* libvirt calls this on whichever thread saw the connection go (a worker's
 * RPC, often): the owner hears it on the main context. */
static void
on_close (virConnectPtr conn, int reason, void *opaque)
{
  BcEvents *e = opaque;

  g_mutex_lock (&e->close_lock);
  if (e->close_source == NULL)
    {
      e->close_reason = reason;
      e->close_source = g_idle_source_new ();
      g_source_set_callback (e->close_source, on_closed, e, NULL);
      g_source_attach (e->close_source, NULL);
    }
  g_mutex_unlock (&e->close_lock);
}

void
bc_events_init (BcEvents *e, const BcEventsSink *sink, gpointer owner)
{
  memset (e, 0, sizeof *e);
  e->sink = sink;
  e->owner = owner;
  e->lifecycle_cb = e->metadata_cb = e->reboot_cb = -1;
  g_mutex_init (&e->close_lock);
}

gboolean
bc_events_register (BcEvents *e, virConnectPtr conn, GError **error)
{
  e->conn = conn;
  /* first: a connection that goes while the rest registers is still heard */
  e->close_cb = virConnectRegisterCloseCallback (conn, on_close, e, NULL) == 0;
  e->lifecycle_cb = virConnectDomainEventRegisterAny (conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                      VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle), e, NULL);
  if (e->lifecycle_cb < 0)
    return bc_set_error_from_libvirt (error, "lifecycle events");
  e->metadata_cb = virConnectDomainEventRegisterAny (conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                                     VIR_DOMAIN_EVENT_CALLBACK (on_metadata), e, NULL);
  if (e->metadata_cb < 0)
    g_message ("metadata change events unavailable; metadata is read when a domain starts");
  e->reboot_cb = virConnectDomainEventRegisterAny (conn, NULL, VIR_DOMAIN_EVENT_ID_REBOOT,
                                                   VIR_DOMAIN_EVENT_CALLBACK (on_reboot), e, NULL);
  return TRUE;
}

void
bc_events_unregister (BcEvents *e)
{
  if (e->conn && e->lifecycle_cb >= 0)
    virConnectDomainEventDeregisterAny (e->conn, e->lifecycle_cb);
  if (e->conn && e->metadata_cb >= 0)
    virConnectDomainEventDeregisterAny (e->conn, e->metadata_cb);
  if (e->conn && e->reboot_cb >= 0)
    virConnectDomainEventDeregisterAny (e->conn, e->reboot_cb);
  if (e->conn && e->close_cb)
    virConnectUnregisterCloseCallback (e->conn, on_close);
  e->lifecycle_cb = e->metadata_cb = e->reboot_cb = -1;
  e->close_cb = FALSE;
  e->conn = NULL;
  g_mutex_lock (&e->close_lock);
  if (e->close_source)
    g_source_destroy (e->close_source);
  g_clear_pointer (&e->close_source, g_source_unref);
  g_mutex_unlock (&e->close_lock);
}

void
bc_events_clear (BcEvents *e)
{
  bc_events_unregister (e);
  g_mutex_clear (&e->close_lock);
}
