/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-reconnect.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"

#include <string.h>

typedef struct {
  BcReconnect *r;        /* lives as long as its owner, which closes the
                            jobs before it goes */
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

static void schedule (BcReconnect *r);

static void
open_done (gpointer owner, gpointer data)
{
  OpenJob *j = data;
  BcReconnect *r = j->r;

  r->inflight = FALSE;
  if (!r->sink->wanted (r->owner))
    return;
  if (j->conn && r->sink->connected (r->owner, g_steal_pointer (&j->conn)))
    return;
  if (j->error && r->attempts == 1)
    g_message ("libvirt still unreachable (%s); trying again, at most every %d s", j->error->message,
               BC_RECONNECT_MAX_MS / 1000);
  schedule (r);
}

static gboolean
on_attempt (gpointer data)
{
  BcReconnect *r = data;
  OpenJob *j = g_new0 (OpenJob, 1);

  r->id = 0;
  r->attempts++;
  j->r = r;
  j->uri = g_strdup (r->uri);
  r->inflight = TRUE;
  bc_jobs_run (r->jobs, BC_QUEUE_LIBVIRT, open_work, open_done, j, open_job_free);
  return G_SOURCE_REMOVE;
}

static void
schedule (BcReconnect *r)
{
  r->delay_ms = r->delay_ms ? MIN (2 * r->delay_ms, BC_RECONNECT_MAX_MS) : r->first_ms;
  r->id = g_timeout_add ((guint) r->delay_ms, on_attempt, r);
}

void
bc_reconnect_init (BcReconnect *r, const BcReconnectSink *sink, gpointer owner, BcJobs *jobs, const char *uri,
                   gint64 first_ms)
{
  memset (r, 0, sizeof *r);
  r->sink = sink;
  r->owner = owner;
  r->jobs = jobs;
  r->uri = g_strdup (uri);
  r->first_ms = first_ms > 0 ? first_ms : BC_RECONNECT_FIRST_MS;
}

void
bc_reconnect_start (BcReconnect *r, gint64 now_ms)
{
  r->lost_at_ms = now_ms;
  r->attempts = 0;
  r->delay_ms = 0;
  g_clear_handle_id (&r->id, g_source_remove);
  schedule (r);
}

void
bc_reconnect_clear (BcReconnect *r)
{
  g_clear_handle_id (&r->id, g_source_remove);
  g_clear_pointer (&r->uri, g_free);
}
