/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The collect step's host side: the host's figures read on a job every
 * tick (bc-host.c), handed to the pass, which makes the budget of them
 * (bc_pass_host_budget); and what the pass carries of it for the next. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-log.h"
#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-uri.h"

/* For tests: a directory that stands for the host's /proc (meminfo,
 * pressure/memory); set, the host is read as a local one. */
#define HOST_PROC_ENV "BALLOONCTL_HOST_PROC"

typedef struct {
  virConnectPtr conn;   /* a reference; NULL: read the local files */
  char *proc_dir;
  char *cgroup;
  BcHostFigures figures;
  GError *error;
} HostJob;

static void
host_job_free (gpointer data)
{
  HostJob *j = data;

  if (j->conn)
    virConnectClose (j->conn);
  g_free (j->proc_dir);
  g_free (j->cgroup);
  g_clear_error (&j->error);
  g_free (j);
}

static void
host_work (gpointer data)
{
  HostJob *j = data;

  if (j->conn)
    bc_host_read_remote (j->conn, &j->figures, &j->error);
  else
    bc_host_read_local (j->proc_dir, j->cgroup, &j->figures, &j->error);
}

/* A failure is said once, and the return of the figures once. */
static void
host_failed (BcDaemon *d, const GError *error)
{
  if (!d->host.failing)
    bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_COLLECT_FAILED, NULL, NULL, "host figures: %s (said once; the budget stays at %" G_GUINT64_FORMAT " MiB)",
                  error->message, d->budget_kib / 1024);
  d->host.failing = TRUE;
}

static void
host_done (gpointer owner, gpointer data)
{
  BcDaemon *d = owner;
  HostJob *j = data;

  d->host.inflight = FALSE;
  if (j->error == NULL)
    {
      if (d->host.failing)
        g_message ("host figures: read again");
      d->host.failing = FALSE;
      d->host.figures = j->figures;
      d->host.at_ms = bc_daemon_now_ms ();
      return;
    }
  /* a driver without host statistics (test:///): the fixed budget */
  if (j->conn && g_error_matches (j->error, BC_ERROR, BC_ERROR_FAILED) && !d->host.conn_unsupported)
    {
      d->host.conn_unsupported = TRUE;
      g_message ("host figures: %s; the budget stays at %" G_GUINT64_FORMAT " MiB", j->error->message, d->budget_kib / 1024);
      return;
    }
  host_failed (d, j->error);
}

static gboolean
host_is_local (BcDaemon *d)
{
  return g_getenv (HOST_PROC_ENV) != NULL ||
         (!g_str_has_prefix (d->uri, "test:") && bc_uri_is_local (d->uri, g_get_host_name ()));
}

void
bc_gather_host (BcDaemon *d)
{
  gboolean local = host_is_local (d);
  HostJob *j;

  if (!d->cfg.follow || d->host.inflight || !d->connected || (!local && d->host.conn_unsupported))
    return;
  j = g_new0 (HostJob, 1);
  if (!local)
    {
      virConnectRef (d->conn);
      j->conn = d->conn;
    }
  j->proc_dir = g_strdup (g_getenv (HOST_PROC_ENV) ? g_getenv (HOST_PROC_ENV) : "/proc");
  j->cgroup = g_strdup (d->cfg.cgroup);
  d->host.inflight = TRUE;
  bc_jobs_run (d->jobs, BC_QUEUE_LIBVIRT, host_work, host_done, j, host_job_free);
}

/* Keeps the following budget as the pass left it; a change of the
 * pressure rule is said. */
void
bc_gather_host_take (BcDaemon *d, const BcBudgetCarry *next)
{
  gboolean was_pressed = d->host.carry.pressure;

  d->host.carry = *next;
  /* without follow there is no pressure rule to ease (a reload turned
   * it off): nothing to say */
  if (next->pressure == was_pressed || !d->cfg.follow)
    return;
  g_message ("host memory pressure %s: some avg10 %u.%02u %% (threshold %" G_GINT64_FORMAT " %%)%s",
             was_pressed ? "eased" : "high", d->host.figures.pressure_some_bp / 100, d->host.figures.pressure_some_bp % 100,
             d->cfg.pressure_percent, was_pressed ? "" : "; the domains give memory back");
}
