/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt went away: the daemon keeps running.  It stops passing (nothing
 * is decided on figures from before the outage), tries to connect again
 * with a back-off, and once connected registers for events again and
 * reads every domain afresh; the domains' records, and so their
 * controllers (margin, UP/DOWN), are kept by UUID across the outage. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-log.h"
#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"

#define RECONNECT_FIRST_MS 1000
#define RECONNECT_MAX_MS 30000

typedef struct {
  char *uri;             /* NULL: libvirt's default */
  virConnectPtr conn;    /* out */
  GError *error;
} OpenJob;

static void
open_job_free (gpointer data)
{
  OpenJob *j = data;

  g_free (j->uri);
  if (j->conn)
    virConnectClose (j->conn);
  g_clear_error (&j->error);
  g_free (j);
}

static void
open_work (gpointer data)
{
  OpenJob *j = data;

  j->conn = virConnectOpen (j->uri);
  if (j->conn == NULL)
    bc_set_error_from_libvirt (&j->error, j->uri ? j->uri : "default libvirt URI");
}

static void schedule (BcDaemon *d);

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
take_connection (BcDaemon *d, OpenJob *j)
{
  g_autoptr (GError) error = NULL;

  virConnectClose (d->conn);
  d->conn = g_steal_pointer (&j->conn);
  if (bc_events_register (d, &error))
    return TRUE;
  g_warning ("connected again, but %s; trying again", error->message);
  bc_events_unregister (d);
  return FALSE;
}

static void
open_done (gpointer owner, gpointer data)
{
  BcDaemon *d = owner;
  OpenJob *j = data;

  d->reconnect_inflight = FALSE;
  if (d->phase == BC_PHASE_STOPPING)
    return;
  if (j->conn == NULL || !take_connection (d, j))
    {
      if (j->error && d->reconnect_attempts == 1)
        g_message ("libvirt still unreachable (%s); trying again, at most every %d s",
                   j->error->message, RECONNECT_MAX_MS / 1000);
      schedule (d);
      return;
    }
  d->connected = TRUE;
  d->reconnects++;
  bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_RECONNECTED, NULL, NULL, "connected to libvirt again after %.1f s (%u attempts); reading every domain afresh",
             (bc_daemon_now_ms () - d->lost_at_ms) / 1000.0, d->reconnect_attempts);
  start_afresh (d);
}

static gboolean
on_reconnect (gpointer data)
{
  BcDaemon *d = data;
  OpenJob *j = g_new0 (OpenJob, 1);

  d->reconnect_id = 0;
  d->reconnect_attempts++;
  j->uri = g_strdup (d->connect_uri);
  d->reconnect_inflight = TRUE;
  bc_jobs_run (d->jobs, BC_QUEUE_LIBVIRT, open_work, open_done, j, open_job_free);
  return G_SOURCE_REMOVE;
}

static void
schedule (BcDaemon *d)
{
  gint64 first = d->opts.reconnect_ms > 0 ? d->opts.reconnect_ms : RECONNECT_FIRST_MS;

  d->reconnect_delay_ms = d->reconnect_delay_ms ? MIN (2 * d->reconnect_delay_ms, RECONNECT_MAX_MS) : first;
  d->reconnect_id = g_timeout_add ((guint) d->reconnect_delay_ms, on_reconnect, d);
}

void
bc_daemon_connection_lost (BcDaemon *d, int reason)
{
  static const char *const reasons[] = { "an error", "end of file", "keepalive timeout", "a client's request" };

  if (!d->connected)
    return;
  bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_CONNECTION_LOST, NULL, NULL, "connection to libvirt lost (%s); changing nothing until it is back, trying to connect again",
             reason >= 0 && reason < (int) G_N_ELEMENTS (reasons) ? reasons[reason] : "unknown reason");
  d->connected = FALSE;
  d->lost_at_ms = bc_daemon_now_ms ();
  d->reconnect_attempts = 0;
  d->reconnect_delay_ms = 0;
  d->pass_wanted = FALSE;
  bc_events_unregister (d);
  schedule (d);
}
