/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-watch"

#include "bc-watch.h"
#include "bc-jobs.h"
#include "bc-term.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* ---- one frame (pure) ------------------------------------------------ */

static void
append_daemon (GString *title, const BcStatusSnapshot *snap)
{
  g_autofree char *policy = NULL;

  if (snap == NULL)
    return;
  if (snap->daemon == NULL)
    {
      g_string_append (title, "; no daemon");
      return;
    }
  policy = bc_term_escape (snap->daemon->policy ? snap->daemon->policy : "?");
  g_string_append_printf (title, "; daemon pid %" G_GINT64_FORMAT ", policy %s", snap->daemon->pid, policy);
}

static char *
frame_title (const BcStatusSnapshot *snap, const BcWatchFrame *f, guint hidden)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_local (f->now_ms / 1000);
  g_autofree char *clock = t ? g_date_time_format (t, "%H:%M:%S") : g_strdup ("?");
  char every[G_ASCII_DTOSTR_BUF_SIZE];
  GString *title = g_string_new (f->tty ? "" : "--- ");

  g_ascii_formatd (every, sizeof every, "%g", (double) f->interval_ms / 1000.0);
  g_string_append_printf (title, "balloonctl at %s, every %s s", clock, every);
  if (hidden > 0)
    g_string_append_printf (title, ", %u column%s hidden", hidden, hidden > 1 ? "s" : "");
  append_daemon (title, snap);
  return g_string_free (title, FALSE);
}

static void
add_message (GPtrArray *lines, const char *what, const char *message)
{
  g_autofree char *escaped = NULL;

  if (message == NULL)
    return;
  escaped = bc_term_escape (message);
  g_ptr_array_add (lines, g_strdup_printf ("%s: %s", what, escaped));
}

/* The host's room, from the daemon's state file, if it said. */
static void
add_host (GPtrArray *lines, const BcStatusSnapshot *snap)
{
  g_autoptr (GString) host = g_string_new (NULL);

  if (snap == NULL)
    return;
  bc_status_format_host (snap->daemon, host);
  if (host->len > 0)
    g_ptr_array_add (lines, g_strndup (host->str, host->len - 1));
}

/* The table's lines, as many as fit below what lines holds already in
 * max_lines (0 = all), the last one saying how many were left out. */
static void
add_table (GPtrArray *lines, const char *table, gsize max_lines)
{
  g_auto (GStrv) split = g_strsplit (table, "\n", -1);
  guint n = g_strv_length (split) - 1; /* the text ends with a newline */
  gsize room = max_lines > lines->len ? max_lines - lines->len : 0;
  guint shown = max_lines == 0 || n <= room ? n : (guint) (room > 0 ? room - 1 : 0);

  for (guint i = 0; i < shown; i++)
    g_ptr_array_add (lines, g_strdup (split[i]));
  if (shown < n && room > 0)
    g_ptr_array_add (lines, g_strdup_printf ("(%u more line%s, taller terminal to see them)", n - shown, n - shown > 1 ? "s" : ""));
}

void
bc_watch_format_frame (const BcStatusSnapshot *snap, const GError *read_error, const BcWatchFrame *f, GString *out)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) table = g_string_new (NULL);
  guint hidden = 0;

  if (snap != NULL)
    hidden = bc_status_format_table_fit (snap->rows, f->now_ms, f->columns, table);
  g_ptr_array_add (lines, frame_title (snap, f, hidden));
  add_message (lines, "warning", snap ? snap->warning : NULL);
  add_message (lines, "error", read_error ? read_error->message : NULL);
  add_host (lines, snap);
  add_table (lines, table->str, f->lines > 1 ? f->lines - 1 : 0);
  g_string_append (out, f->tty ? "\033[H" : "");
  for (guint i = 0; i < lines->len; i++)
    {
      g_autofree char *line = bc_term_truncate (g_ptr_array_index (lines, i), f->columns);

      g_string_append_printf (out, "%s%s\n", line, f->tty ? "\033[K" : "");
    }
  g_string_append (out, f->tty ? "\033[J" : "");
}

/* ---- the loop -------------------------------------------------------- */

typedef struct {
  const BcWatchOptions *opts;
  GMainLoop *loop;
  guint timeout_id, sigint_id, sigterm_id, sigwinch_id;
  gboolean reading, quitting;
  BcStatusSnapshot *last;  /* the last read, shown again on a resize */
  GError *last_error;      /* or why it failed */
  GError *error;           /* a frame could not be written */
} BcWatch;

static void start_read (BcWatch *w);

static void
show (BcWatch *w)
{
  g_autoptr (GString) out = g_string_new (NULL);
  BcWatchFrame f = { .now_ms = g_get_real_time () / 1000, .interval_ms = w->opts->interval_ms };

  f.tty = isatty (w->opts->fd);
  bc_term_size (w->opts->fd, &f.columns, &f.lines);
  if (!f.tty)
    f.lines = 0;
  bc_watch_format_frame (w->last, w->last_error, &f, out);
  if (w->error == NULL && !bc_term_write_all (w->opts->fd, out->str, out->len, &w->error))
    w->quitting = TRUE;
}

static gboolean
on_tick (gpointer data)
{
  BcWatch *w = data;

  w->timeout_id = 0;
  start_read (w);
  return G_SOURCE_REMOVE;
}

static void
read_done (GObject *source, GAsyncResult *result, gpointer data)
{
  BcWatch *w = data;

  w->reading = FALSE;
  g_clear_pointer (&w->last, bc_status_snapshot_free);
  g_clear_error (&w->last_error);
  w->last = g_task_propagate_pointer (G_TASK (result), &w->last_error);
  if (!w->quitting)
    show (w);
  if (w->quitting)
    g_main_loop_quit (w->loop);
  else
    w->timeout_id = g_timeout_add ((guint) w->opts->interval_ms, on_tick, w);
}

static void
read_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const BcWatchOptions *opts = data;
  GError *error = NULL;
  BcStatusSnapshot *snap = opts->read (opts->read_data, &error);

  if (snap == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, snap, (GDestroyNotify) bc_status_snapshot_free);
}

static void
start_read (BcWatch *w)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, read_done, w);

  w->reading = TRUE;
  bc_jobs_prepare_threads ();
  g_task_set_task_data (task, (gpointer) w->opts, NULL);
  g_task_run_in_thread (task, read_thread);
}

static gboolean
on_quit_signal (gpointer data)
{
  BcWatch *w = data;

  w->quitting = TRUE;
  if (!w->reading)
    g_main_loop_quit (w->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_resize (gpointer data)
{
  BcWatch *w = data;

  if (!w->quitting && (w->last || w->last_error))
    show (w);
  if (w->quitting && !w->reading)
    g_main_loop_quit (w->loop);
  return G_SOURCE_CONTINUE;
}

gboolean
bc_watch_run (const BcWatchOptions *opts, GError **error)
{
  BcWatch w = { .opts = opts, .loop = g_main_loop_new (NULL, FALSE) };

  w.sigint_id = g_unix_signal_add (SIGINT, on_quit_signal, &w);
  w.sigterm_id = g_unix_signal_add (SIGTERM, on_quit_signal, &w);
  w.sigwinch_id = g_unix_signal_add (SIGWINCH, on_resize, &w);
  start_read (&w);
  g_main_loop_run (w.loop);
  g_clear_handle_id (&w.timeout_id, g_source_remove);
  g_clear_handle_id (&w.sigint_id, g_source_remove);
  g_clear_handle_id (&w.sigterm_id, g_source_remove);
  g_clear_handle_id (&w.sigwinch_id, g_source_remove);
  g_main_loop_unref (w.loop);
  g_clear_pointer (&w.last, bc_status_snapshot_free);
  g_clear_error (&w.last_error);
  if (w.error == NULL)
    return TRUE;
  g_propagate_error (error, w.error);
  return FALSE;
}
