/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status without a daemon's word: a row a running domain, read from
 * libvirt and the guest agents on worker threads, then what the daemon's
 * state file says attached to each. */
#define G_LOG_DOMAIN "balloonctl-status"

#include "bc-status.h"
#include "bc-collect.h"
#include "bc-decide.h"
#include "bc-jobs.h"

#include <string.h>

static gint
row_by_name (gconstpointer a, gconstpointer b)
{
  const BcStatusRow *x = *(BcStatusRow *const *) a, *y = *(BcStatusRow *const *) b;

  return g_strcmp0 (x->name, y->name);
}

BcStatusRow *
bc_status_row_from_record (const BcBulkRecord *rec, gboolean use_agent, gint64 timeout_ms)
{
  BcStatusRow *row = g_new0 (BcStatusRow, 1);
  BcGuestFigures guest = { 0 };
  g_autoptr (GError) error = NULL;

  row->name = g_strdup (rec->name);
  row->uuid = g_strdup (rec->uuid);
  row->current_kib = rec->balloon.current_kib;
  row->max_kib = rec->balloon.max_kib;
  row->source = bc_decide_source (&rec->balloon, NULL, 0, 0);
  if (use_agent && bc_collect_guest (rec->dom, timeout_ms, 1, &guest, &error))
    {
      row->source = BC_SOURCE_AGENT;
      row->have_committed = row->have_cached = TRUE;
      row->committed_kib = guest.meminfo.committed_as_kib;
      row->cached_kib = guest.meminfo.cached_kib;
      row->active_file_kib = guest.meminfo.active_file_kib;
    }
  else if (row->source == BC_SOURCE_BALLOON)
    {
      row->have_cached = TRUE;
      row->cached_kib = rec->balloon.disk_caches_kib;
    }
  if (error)
    g_debug ("%s: agent: %s", rec->name, error->message);
  return row;
}

/* Agent reads can each take up to the timeout: they run on this many
 * threads at once, so one hung guest does not add its timeout per row. */
#define STATUS_THREADS 16

typedef struct {
  GPtrArray *records;
  BcStatusRow **rows;       /* one slot per record, filled by the workers */
  gboolean use_agent;
  gint64 timeout_ms;
} RowsJob;

static void
row_worker (gpointer index, gpointer data)
{
  RowsJob *job = data;
  guint i = GPOINTER_TO_UINT (index) - 1;

  job->rows[i] = bc_status_row_from_record (g_ptr_array_index (job->records, i), job->use_agent, job->timeout_ms);
}

GPtrArray *
bc_status_collect (virConnectPtr conn, gboolean use_agent, gint64 agent_timeout_ms, GError **error)
{
  g_autoptr (GPtrArray) records = bc_collect_bulk (conn, error);
  RowsJob job = { 0 };
  GThreadPool *pool;
  GPtrArray *rows;

  if (records == NULL)
    return NULL;
  job.records = records;
  job.rows = g_new0 (BcStatusRow *, records->len + 1);
  job.use_agent = use_agent;
  job.timeout_ms = agent_timeout_ms;
  bc_jobs_prepare_threads ();
  pool = g_thread_pool_new (row_worker, &job, MIN (STATUS_THREADS, MAX (records->len, 1)), TRUE, NULL);
  for (guint i = 0; i < records->len; i++)
    g_thread_pool_push (pool, GUINT_TO_POINTER (i + 1), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);
  for (guint i = 0; i < records->len; i++)
    g_ptr_array_add (rows, job.rows[i]);
  g_free (job.rows);
  g_ptr_array_sort (rows, row_by_name);
  return rows;
}

void
bc_status_attach (GPtrArray *rows, const BcReport *daemon)
{
  for (guint i = 0; i < rows->len; i++)
    {
      BcStatusRow *row = g_ptr_array_index (rows, i);
      const BcReportDomain *c = bc_report_find (daemon, row->uuid);
      BcReportDomain *copy;

      if (c == NULL)
        continue;
      copy = bc_report_domain_copy (c);
      bc_report_domain_free (row->ctl);
      row->ctl = copy;
    }
}

void
bc_status_snapshot_free (BcStatusSnapshot *s)
{
  if (s == NULL)
    return;
  g_clear_pointer (&s->rows, g_ptr_array_unref);
  bc_report_free (s->daemon);
  g_free (s->warning);
  g_free (s);
}
