/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-status"

#include "bc-status.h"
#include "bc-collect.h"
#include "bc-decide.h"

#include "bc-jobs.h"
#include "bc-json.h"
#include "bc-term.h"

#include <string.h>

void
bc_status_row_free (BcStatusRow *row)
{
  g_free (row->name);
  g_free (row->uuid);
  bc_report_domain_free (row->ctl);
  g_free (row);
}

/* ---- table ----------------------------------------------------------- */

char *
bc_status_human (guint64 kib)
{
  if (kib >= G_GUINT64_CONSTANT (1) << 30)
    return g_strdup_printf ("%.2f TiB", (double) kib / (double) (G_GUINT64_CONSTANT (1) << 30));
  if (kib >= 1024 * 1024)
    return g_strdup_printf ("%.2f GiB", (double) kib / (1024.0 * 1024.0));
  return g_strdup_printf ("%" G_GUINT64_FORMAT " MiB", kib / 1024);
}

static char *
human_if (gboolean known, guint64 kib)
{
  return known ? bc_status_human (kib) : g_strdup ("-");
}

char *
bc_status_ago (gint64 then_ms, gint64 now_ms)
{
  /* unsigned: the difference of any two times fits, whatever a state
   * file says */
  guint64 s = then_ms < now_ms ? ((guint64) now_ms - (guint64) then_ms) / 1000 : 0;

  if (s < 120)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "s ago", s);
  if (s < 7200)
    return g_strdup_printf ("%" G_GUINT64_FORMAT "m ago", s / 60);
  return g_strdup_printf ("%" G_GUINT64_FORMAT "h ago", s / 3600);
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
  when = bc_status_ago (c->change_at_ms, now_ms);
  from = bc_status_human (c->change_old_kib);
  to = bc_status_human (c->change_new_kib);
  return g_strdup_printf ("%s %s -> %s, %s", when, from, to, c->change_reason ? c->change_reason : "");
}

void
bc_status_format_host (const BcReport *daemon, GString *out)
{
  g_autofree char *budget = NULL, *held = NULL, *reclaimable = NULL;

  if (daemon == NULL || !daemon->host.known)
    return;
  budget = human_if (daemon->budget_kib > 0, (guint64) daemon->budget_kib);
  held = bc_status_human (daemon->host.held_kib);
  reclaimable = bc_status_human (daemon->host.reclaimable_kib);
  g_string_append_printf (out, "host: budget %s, held %s, reclaimable now %s: room for %" G_GUINT64_FORMAT
                          " more guest%s of %" G_GUINT64_FORMAT " MiB\n",
                          budget, held, reclaimable, daemon->host.guests, daemon->host.guests == 1 ? "" : "s",
                          daemon->host.guest_size_kib / 1024);
}

#define NCOLS BC_STATUS_N_COLS
#define GAP 2
#define NAME_COLUMNS_MAX 48
/* NULL-terminated: the header line is copied with g_strdupv */
static const char *const headers[NCOLS + 1] = {
  "NAME", "STATE", "CURRENT", "TARGET", "MAX", "COMMITTED", "CACHED",
  "ACTIVE(FILE)", "MARGIN", "WEIGHT", "SOURCE", "LAST CHANGE", NULL,
};

static const char *
state_cell (const BcReportDomain *c)
{
  if (c == NULL)
    return "-";
  return c->managed && c->state ? c->state : "off";
}

/* The weight, and the share it gives while the domains want more than the
 * budget holds: "300: 1.5 GiB". */
static char *
weight_cell (const BcReportDomain *c)
{
  g_autofree char *share = NULL;

  if (c == NULL || c->weight == 0)
    return g_strdup ("-");
  if (c->share_kib == 0)
    return g_strdup_printf ("%u", c->weight);
  share = bc_status_human (c->share_kib);
  return g_strdup_printf ("%u: %s", c->weight, share);
}

static void
row_cells (const BcStatusRow *r, gint64 now_ms, char **cells)
{
  const BcReportDomain *c = r->ctl;
  gboolean ctl = c && c->managed;

  cells[0] = g_strdup (r->name ? r->name : "");
  cells[1] = g_strdup (state_cell (c));
  cells[2] = bc_status_human (r->current_kib);
  cells[3] = human_if (ctl && c->target_kib > 0, ctl ? c->target_kib : 0);
  cells[4] = bc_status_human (r->max_kib);
  cells[5] = human_if (r->have_committed, r->committed_kib);
  cells[6] = human_if (r->have_cached, r->cached_kib);
  cells[7] = human_if (r->have_committed, r->active_file_kib);
  cells[8] = ctl ? g_strdup_printf ("%" G_GINT64_FORMAT " MiB", c->margin_kib / 1024) : g_strdup ("-");
  cells[9] = weight_cell (ctl ? c : NULL);
  cells[10] = ctl && c->virtio_mem ? g_strdup_printf ("%s, virtio-mem", bc_source_to_string (r->source))
                                    : g_strdup (bc_source_to_string (r->source));
  cells[11] = last_change (c, now_ms);
}

/* Every line of the table as its cells, header first, each escaped for a
 * terminal: names, notes and reasons carry what guests and libvirt say. */
static GPtrArray *
table_cells (GPtrArray *rows, gint64 now_ms)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  g_ptr_array_add (lines, g_strdupv ((char **) headers));
  for (guint i = 0; i < rows->len; i++)
    {
      char **cells = g_new0 (char *, NCOLS + 1);

      row_cells (g_ptr_array_index (rows, i), now_ms, cells);
      for (guint c = 0; c < NCOLS; c++)
        {
          char *escaped = bc_term_escape (cells[c]);

          g_free (cells[c]);
          cells[c] = escaped;
        }
      /* one long name must not widen every row: cut, its end a '+'
       * (the JSON has it whole) */
      if (bc_term_width (cells[0]) > NAME_COLUMNS_MAX)
        {
          char *cut = bc_term_truncate (cells[0], NAME_COLUMNS_MAX);

          g_free (cells[0]);
          cells[0] = cut;
        }
      g_ptr_array_add (lines, cells);
    }
  return lines;
}

static void
append_line (GString *out, char *const *cells, const gsize *shown, guint ncols)
{
  for (guint c = 0; c < ncols; c++)
    {
      g_autofree char *text = bc_term_truncate (cells[c], shown[c]);

      g_string_append (out, text);
      if (c + 1 < ncols)
        g_string_append_printf (out, "%*s", (int) (shown[c] - bc_term_width (text) + GAP), "");
    }
  g_string_append_c (out, '\n');
}

guint
bc_status_format_table_fit (GPtrArray *rows, gint64 now_ms, gsize width, GString *out)
{
  g_autoptr (GPtrArray) lines = table_cells (rows, now_ms);
  gsize natural[NCOLS] = { 0 }, shown[NCOLS];
  guint ncols = NCOLS;

  for (guint i = 0; i < lines->len; i++)
    for (guint c = 0; c < NCOLS; c++)
      natural[c] = MAX (natural[c], bc_term_width (((char **) g_ptr_array_index (lines, i))[c]));
  memcpy (shown, natural, sizeof shown);
  if (width > 0)
    ncols = bc_term_fit_columns (natural, NCOLS, GAP, width, shown);
  for (guint i = 0; i < lines->len; i++)
    append_line (out, g_ptr_array_index (lines, i), shown, ncols);
  return NCOLS - ncols;
}

void
bc_status_format_table (GPtrArray *rows, gint64 now_ms, GString *out)
{
  bc_status_format_table_fit (rows, now_ms, 0, out);
}

/* ---- columns and sorting --------------------------------------------- */

/* "ACTIVE(FILE)" and "active_file" -> "active-file" */
static char *
column_key (const char *text)
{
  GString *key = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    if (*p == ' ' || *p == '_' || *p == '(')
      g_string_append_c (key, '-');
    else if (*p != ')')
      g_string_append_c (key, g_ascii_tolower (*p));
  return g_string_free (key, FALSE);
}

gboolean
bc_status_column_parse (const char *text, BcStatusColumn *column)
{
  g_autofree char *key = column_key (text);

  for (guint c = 0; c < NCOLS; c++)
    {
      g_autofree char *name = column_key (headers[c]);

      if (strcmp (key, name) == 0)
        {
          *column = (BcStatusColumn) c;
          return TRUE;
        }
    }
  return FALSE;
}

char *
bc_status_column_names (void)
{
  GString *names = g_string_new (NULL);

  for (guint c = 0; c < NCOLS; c++)
    {
      g_autofree char *key = column_key (headers[c]);

      g_string_append_printf (names, "%s%s", c > 0 ? ", " : "", key);
    }
  return g_string_free (names, FALSE);
}

static gboolean
figure (gboolean known, guint64 kib, gint64 *value)
{
  *value = (gint64) MIN (kib, (guint64) G_MAXINT64);
  return known;
}

/* A numeric column's figure for sorting; FALSE when unknown ("-"). */
static gboolean
row_figure (const BcStatusRow *r, BcStatusColumn column, gint64 *value)
{
  const BcReportDomain *c = r->ctl && r->ctl->managed ? r->ctl : NULL;

  switch (column)
    {
    case BC_STATUS_COL_CURRENT: return figure (TRUE, r->current_kib, value);
    case BC_STATUS_COL_TARGET: return figure (c && c->target_kib > 0, c ? c->target_kib : 0, value);
    case BC_STATUS_COL_MAX: return figure (TRUE, r->max_kib, value);
    case BC_STATUS_COL_COMMITTED: return figure (r->have_committed, r->committed_kib, value);
    case BC_STATUS_COL_CACHED: return figure (r->have_cached, r->cached_kib, value);
    case BC_STATUS_COL_ACTIVE_FILE: return figure (r->have_committed, r->active_file_kib, value);
    case BC_STATUS_COL_MARGIN: *value = c ? c->margin_kib : 0; return c != NULL;
    case BC_STATUS_COL_WEIGHT: *value = c ? c->weight : 0; return c && c->weight > 0;
    case BC_STATUS_COL_LAST_CHANGE: *value = c ? c->change_at_ms : 0; return c && c->change_at_ms > 0;
    default: *value = 0; return FALSE;
    }
}

static gint
compare_figures (const BcStatusRow *x, const BcStatusRow *y, BcStatusColumn column)
{
  gint64 vx, vy;
  gboolean kx = row_figure (x, column, &vx), ky = row_figure (y, column, &vy);

  if (kx != ky)
    return kx ? -1 : 1;
  if (!kx || vx == vy)
    return 0;
  return vx > vy ? -1 : 1;
}

static gint
compare_rows (gconstpointer a, gconstpointer b, gpointer data)
{
  const BcStatusRow *x = *(BcStatusRow *const *) a, *y = *(BcStatusRow *const *) b;
  BcStatusColumn column = *(const BcStatusColumn *) data;
  gint order;

  if (column == BC_STATUS_COL_STATE)
    order = g_strcmp0 (state_cell (x->ctl), state_cell (y->ctl));
  else if (column == BC_STATUS_COL_SOURCE)
    order = g_strcmp0 (bc_source_to_string (x->source), bc_source_to_string (y->source));
  else
    order = compare_figures (x, y, column);
  return order != 0 ? order : g_strcmp0 (x->name, y->name);
}

void
bc_status_sort (GPtrArray *rows, BcStatusColumn by)
{
  g_ptr_array_sort_with_data (rows, compare_rows, &by);
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

void
bc_status_add_row (JsonBuilder *b, const BcStatusRow *r)
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
bc_status_add_daemon (JsonBuilder *b, const BcReport *daemon)
{
  json_builder_set_member_name (b, "daemon");
  if (daemon == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_object (b);
      bc_json_add_int (b, "pid", daemon->pid);
      bc_json_add_string (b, "policy", daemon->policy);
      bc_json_add_int (b, "updated_ms", daemon->updated_ms);
      /* 0 from a daemon before the budget was published */
      bc_json_add_kib (b, "budget_kib", daemon->budget_kib > 0, (guint64) daemon->budget_kib);
      json_builder_end_object (b);
    }
  bc_report_add_host (b, daemon);
}

void
bc_status_format_json (GPtrArray *rows, const BcReport *daemon, GString *out)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  bc_json_add_int (b, "schema", BC_STATUS_JSON_SCHEMA);
  bc_status_add_daemon (b, daemon);
  json_builder_set_member_name (b, "domains");
  json_builder_begin_array (b);
  for (guint i = 0; i < rows->len; i++)
    bc_status_add_row (b, g_ptr_array_index (rows, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  text = bc_json_to_data (b);
  g_string_append (out, text);
  g_string_append_c (out, '\n');
}
