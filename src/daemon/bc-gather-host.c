/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The collect step's host side: the host's figures read on a job every
 * tick (bc-host.c), and the budget each pass runs with (bc-budget.c):
 * the fixed one, or with [host] follow the one that follows the host. */
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

/* What the domains hold now, together: their balloons' sizes. */
static guint64
domains_kib (const BcPassInput *in, gsize n)
{
  guint64 sum = 0;

  for (gsize i = 0; i < n; i++)
    if (in[i].have_balloon)
      sum += MIN (in[i].balloon.current_kib, BC_HOST_KIB_MAX);
  return sum;
}

guint64
bc_gather_host_budget (BcDaemon *d, const BcPassInput *in, gsize n, gint64 now_ms)
{
  BcBudgetParams p = { d->fixed_budget_kib, d->cfg.reserve_kib, (guint) d->cfg.pressure_percent * 100, domains_kib (in, n),
                     d->cfg.apply_interval_ms };
  /* figures older than three ticks are no figures: the budget stands */
  gint64 max_age_ms = 3 * d->cfg.apply_interval_ms;
  BcHostFigures none = { 0 };
  gboolean fresh = d->host.at_ms && now_ms - d->host.at_ms <= max_age_ms;
  gboolean was_pressed = d->host.budget.pressure;
  guint64 budget;

  if (!d->cfg.follow)
    {
      memset (&d->host.budget, 0, sizeof d->host.budget);
      return d->fixed_budget_kib;
    }
  budget = bc_budget_next (&p, fresh ? &d->host.figures : &none, &d->host.budget, now_ms);
  if (d->host.budget.pressure != was_pressed)
    g_message ("host memory pressure %s: some avg10 %u.%02u %% (threshold %" G_GINT64_FORMAT " %%)%s",
               was_pressed ? "eased" : "high", d->host.figures.pressure_some_bp / 100, d->host.figures.pressure_some_bp % 100,
               d->cfg.pressure_percent, was_pressed ? "" : "; the domains give memory back");
  return budget;
}
