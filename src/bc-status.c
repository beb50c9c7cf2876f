/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-status"

#include "bc-status.h"
#include "bc-collect.h"
#include "bc-decide.h"

#include "bc-json.h"

void
bc_status_row_free (BcStatusRow *row)
{
  g_free (row->name);
  g_free (row->uuid);
  bc_report_domain_free (row->ctl);
  g_free (row);
}

/* ---- table ----------------------------------------------------------- */

static char *
human (guint64 kib)
{
  if (kib >= 1024 * 1024)
    return g_strdup_printf ("%.2f GiB", (double) kib / (1024.0 * 1024.0));
  return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", kib / 1024);
}

static char *
human_if (gboolean known, guint64 kib)
{
  return known ? human (kib) : g_strdup ("-");
}

static char *
ago (gint64 then_ms, gint64 now_ms)
{
  gint64 s = MAX (0, now_ms - then_ms) / 1000;

  if (s < 120)
    return g_strdup_printf ("%" G_GINT64_FORMAT "s ago", s);
  if (s < 7200)
    return g_strdup_printf ("%" G_GINT64_FORMAT "m ago", s / 60);
  return g_strdup_printf ("%" G_GINT64_FORMAT "h ago", s / 3600);
}

static char *
last_change (const BcReportDomain *c, gint64 now_ms)
{
  g_autofree char *when = NULL, *from = NULL, *to = NULL;

  if (c == NULL)
    return g_strdup ("-");
  if (!c->managed)
    return g_strdup_printf ("not managed: %s", c->note ? c->note : "unknown");
  if (c->change_at_ms == 0)
    return g_strdup (c->note ? c->note : "none yet");
  when = ago (c->change_at_ms, now_ms);
  from = human (c->change_old_kib);
  to = human (c->change_new_kib);
  return g_strdup_printf ("%s %s -> %s, %s", when, from, to, c->change_reason ? c->change_reason : "");
}

#define NCOLS 11
static const char *const headers[NCOLS] = {
  "NAME", "STATE", "CURRENT", "TARGET", "MAX", "COMMITTED", "CACHED",
  "ACTIVE(FILE)", "MARGIN", "SOURCE", "LAST CHANGE",
};

static void
row_cells (const BcStatusRow *r, gint64 now_ms, char **cells)
{
  const BcReportDomain *c = r->ctl;
  gboolean ctl = c && c->managed;

  cells[0] = g_strdup (r->name);
  cells[1] = g_strdup (ctl && c->state ? c->state : c ? "off" : "-");
  cells[2] = human (r->current_kib);
  cells[3] = human_if (ctl && c->target_kib > 0, ctl ? c->target_kib : 0);
  cells[4] = human (r->max_kib);
  cells[5] = human_if (r->have_committed, r->committed_kib);
  cells[6] = human_if (r->have_cached, r->cached_kib);
  cells[7] = human_if (r->have_committed, r->active_file_kib);
  cells[8] = ctl ? g_strdup_printf ("%" G_GINT64_FORMAT " MiB", c->margin_kib / 1024) : g_strdup ("-");
  cells[9] = g_strdup (bc_source_to_string (r->source));
  cells[10] = last_change (c, now_ms);
}

void
bc_status_format_table (GPtrArray *rows, gint64 now_ms, GString *out)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gsize width[NCOLS];

  for (guint c = 0; c < NCOLS; c++)
    width[c] = strlen (headers[c]);
  for (guint i = 0; i < rows->len; i++)
    {
      char **cells = g_new0 (char *, NCOLS + 1);

      row_cells (g_ptr_array_index (rows, i), now_ms, cells);
      for (guint c = 0; c < NCOLS; c++)
        width[c] = MAX (width[c], (gsize) g_utf8_strlen (cells[c], -1));
      g_ptr_array_add (all, cells);
    }
  for (guint i = 0; i <= rows->len; i++)
    {
      const char *const *cells = i == 0 ? headers : g_ptr_array_index (all, i - 1);

      for (guint c = 0; c < NCOLS; c++)
        {
          gsize pad = width[c] - g_utf8_strlen (cells[c], -1);

          g_string_append (out, cells[c]);
          if (c + 1 < NCOLS)
            g_string_append_printf (out, "%*s", (int) (pad + 2), "");
        }
      g_string_append_c (out, '\n');
    }
}

/* ---- JSON ------------------------------------------------------------ */

static void
build_controller (JsonBuilder *b, const BcReportDomain *c)
{
  json_builder_set_member_name (b, "controller");
  if (c == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  bc_report_add_controller (b, c);
  json_builder_end_object (b);
}

static void
build_row (JsonBuilder *b, const BcStatusRow *r)
{
  json_builder_begin_object (b);
  bc_json_add_string (b, "name", r->name);
  bc_json_add_string (b, "uuid", r->uuid);
  bc_json_add_kib (b, "current_kib", TRUE, r->current_kib);
  bc_json_add_kib (b, "max_kib", TRUE, r->max_kib);
  bc_json_add_string (b, "source", bc_source_to_string (r->source));
  bc_json_add_kib (b, "committed_kib", r->have_committed, r->committed_kib);
  bc_json_add_kib (b, "cached_kib", r->have_cached, r->cached_kib);
  bc_json_add_kib (b, "active_file_kib", r->have_committed, r->active_file_kib);
  build_controller (b, r->ctl);
  json_builder_end_object (b);
}

void
bc_status_format_json (GPtrArray *rows, const BcReport *daemon, GString *out)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "daemon");
  if (daemon == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      bc_json_add_int (b, "pid", daemon->pid);
      bc_json_add_string (b, "policy", daemon->policy);
      bc_json_add_int (b, "updated_ms", daemon->updated_ms);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "domains");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    build_row (b, g_ptr_array_index (rows, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  text = bc_json_to_data (b);
  g_string_append (out, text);
  g_string_append_c (out, '\n');
}

/* ---- collect --------------------------------------------------------- */

static gint
row_by_name (gconstpointer a, gconstpointer b)
{
  const BcStatusRow *x = *(BcStatusRow *const *) a, *y = *(BcStatusRow *const *) b;

  return g_strcmp0 (x->name, y->name);
}

static BcStatusRow *
row_from_record (const BcBulkRecord *rec, gboolean use_agent, gint64 timeout_ms)
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

  job->rows[i] = row_from_record (g_ptr_array_index (job->records, i), job->use_agent, job->timeout_ms);
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
