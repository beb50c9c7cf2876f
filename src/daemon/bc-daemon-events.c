/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What libvirt's events mean to the daemon (bc-events.h tells them): a
 * start or stop triggers a statistics read (the read owns the domain
 * table, bc-gather.c), a reboot a new record at the next read, a metadata
 * change a new setup, a closed connection a reconnect (bc-reconnect.h)
 * or the stop.
 *
 * libvirt went away: the daemon keeps running.  It stops passing (nothing
 * is decided on figures from before the outage), connects again with a
 * back-off, and once connected registers for events again and reads every
 * domain afresh; the domains' records, and so their controllers (margin,
 * UP/DOWN), are kept by UUID across the outage. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-log.h"

/* A stop: the domain is left alone from now on (no call on it; its memory
 * leaves the budget at the next read), and a read begun before it does not
 * keep it (bc-gather.c).  Said once, with how it stopped. */
static void
on_stopped (gpointer owner, const char *uuid, const char *how)
{
  BcDaemon *d = owner;
  BcDomain *dom = g_hash_table_lookup (d->domains, uuid);

  if (dom && dom->stopped_at == 0)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_STOPPED, dom->name, dom->uuid,
                  "%s: stopped: %s; left alone, the others' shares recomputed", dom->name, how);
  if (dom)
    {
      dom->figures.libvirt_state = VIR_DOMAIN_NOSTATE;
      dom->stopped_at = ++d->events;
    }
  if (d->phase == BC_PHASE_RUN || d->phase == BC_PHASE_ONCE_SETUP)
    bc_gather_bulk (d);
}

static void
on_started (gpointer owner, virDomainPtr vdom)
{
  BcDaemon *d = owner;

  if (d->opts.once && d->phase != BC_PHASE_ONCE_SETUP)
    g_message ("%s: started during --once; left for the next run", virDomainGetName (vdom));
  if (d->phase == BC_PHASE_RUN || d->phase == BC_PHASE_ONCE_SETUP)
    bc_gather_bulk (d);
}

/* Reset events this close to the reboot a record was made for are that
 * reboot's (QEMU can report one reset twice). */
#define REBOOT_SAME_MS 10000

/* A reboot (the guest's own, a panic's, or virsh reset): QEMU keeps the
 * balloon's size, but the guest's figures, the margin learnt from them and
 * any hold belong to the boot before; the next read makes a new record. */
static void
on_rebooted (gpointer owner, const char *uuid)
{
  BcDaemon *d = owner;
  BcDomain *dom = g_hash_table_lookup (d->domains, uuid);

  /* the same reset told again: the record is the new boot's already */
  if (dom == NULL || (dom->reboot_at_ms && bc_daemon_now_ms () - dom->reboot_at_ms < REBOOT_SAME_MS))
    return;
  if (!dom->rebooted)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_REBOOTED, dom->name, dom->uuid,
                  "%s: guest rebooted: its figures from before are dropped; managed anew from its next report", dom->name);
  dom->rebooted = TRUE;
  if (d->phase == BC_PHASE_RUN)
    bc_gather_bulk (d);
}

static void
on_metadata_changed (gpointer owner, const char *uuid)
{
  BcDaemon *d = owner;
  BcDomain *dom = g_hash_table_lookup (d->domains, uuid);

  if (d->phase == BC_PHASE_STOPPING || dom == NULL)
    return;
  g_message ("%s: balloonctl metadata changed, reloading it", dom->name);
  bc_gather_setup (d, dom);
}

/* The connection closed: pass nothing, connect again with a back-off. */
static void
connection_lost (BcDaemon *d, int reason)
{
  static const char *const reasons[] = { "an error", "end of file", "keepalive timeout", "a client's request" };

  if (!d->connected)
    return;
  bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_CONNECTION_LOST, NULL, NULL,
                "connection to libvirt lost (%s); changing nothing until it is back, trying to connect again",
                reason >= 0 && reason < (int) G_N_ELEMENTS (reasons) ? reasons[reason] : "unknown reason");
  d->connected = FALSE;
  d->pass_wanted = FALSE;
  bc_events_unregister (&d->libvirt_events);
  bc_reconnect_start (&d->reconnect, bc_daemon_now_ms ());
}

/* Figures read before the outage are not acted on: the agent's are
 * dropped (a domain whose agent had answered waits for a fresh answer),
 * the balloon's come with the first read on the new connection, and each
 * domain's settings are read again once that read has given the domains
 * of the new connection (its metadata may have changed). */
static void
start_afresh (BcDaemon *d)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      BcDomain *dom = v;

      dom->figures.guest.at_ms = 0;
      /* its failures were the outage's */
      dom->figures.agent_failures = 0;
      dom->figures.agent_retry_at_ms = 0;
    }
  d->setup_again = TRUE;
  bc_gather_bulk (d);
}

static gboolean
on_connected (gpointer owner, virConnectPtr conn)
{
  BcDaemon *d = owner;
  g_autoptr (GError) error = NULL;

  virConnectClose (d->conn);
  d->conn = conn;
  if (!bc_events_register (&d->libvirt_events, d->conn, &error))
    {
      g_warning ("connected again, but %s; trying again", error->message);
      bc_events_unregister (&d->libvirt_events);
      return FALSE;
    }
  d->connected = TRUE;
  d->reconnects++;
  bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_RECONNECTED, NULL, NULL,
                "connected to libvirt again after %.1f s (%u attempts); reading every domain afresh",
                (bc_daemon_now_ms () - d->reconnect.lost_at_ms) / 1000.0, d->reconnect.attempts);
  start_afresh (d);
  return TRUE;
}

static gboolean
on_wanted (gpointer owner)
{
  return ((BcDaemon *) owner)->phase != BC_PHASE_STOPPING;
}

const BcReconnectSink bc_daemon_reconnect_sink = { on_connected, on_wanted };

static void
on_closed (gpointer owner, int reason)
{
  BcDaemon *d = owner;

  if (d->phase == BC_PHASE_RUN)
    {
      connection_lost (d, reason);
      return;
    }
  if (d->phase == BC_PHASE_STOPPING)
    return; /* a stop under way is no failure */
  /* --once has nothing to wait for */
  if (d->fatal == NULL)
    bc_set_error (&d->fatal, BC_ERROR_FAILED, "connection to libvirt closed (reason %d)", reason);
  bc_daemon_stop (d);
}

const BcEventsSink bc_daemon_events_sink = {
  on_started, on_stopped, on_rebooted, on_metadata_changed, on_closed,
};
