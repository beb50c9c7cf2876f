/* SPDX-License-Identifier: GPL-2.0-or-later */
/* balloonctl status: a row a domain, one domain's story, --watch. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-cmd.h"
#include "bc-collect.h"
#include "bc-error.h"
#include "bc-quote.h"
#include "bc-report.h"
#include "bc-status.h"
#include "bc-story.h"
#include "bc-story-collect.h"
#include "bc-term.h"
#include "bc-uri.h"
#include "bc-watch.h"

#include <string.h>
#include <unistd.h>

static gboolean opt_json, opt_no_agent, opt_watch;
static gint64 opt_watch_ms = 2000;
static char *opt_sort;

static gboolean
parse_watch (const char *name, const char *value, gpointer data, GError **error)
{
  g_autofree char *shown = NULL;
  char *end = NULL;
  double secs;

  opt_watch = TRUE;
  if (value == NULL)
    return TRUE;
  secs = g_ascii_strtod (value, &end);
  if (end != value && *end == '\0' && secs >= 0.1 && secs <= 86400)
    {
      opt_watch_ms = (gint64) (secs * 1000.0 + 0.5);
      return TRUE;
    }
  shown = bc_quote (value, BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_USAGE, "--watch: %s is not a number of seconds from 0.1 to 86400", shown);
}

static const GOptionEntry status_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Machine-readable output, figures in KiB (see \"schema\" in balloonctl(8))", NULL },
  { "no-agent", 0, 0, G_OPTION_ARG_NONE, &opt_no_agent, "Do not ask guest agents (balloon figures only)", NULL },
  { "watch", 'w', G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_watch,
    "Refresh every SECS seconds (default 2) in place, fitted to the terminal, until Ctrl-C", "SECS" },
  { "sort", 's', 0, G_OPTION_ARG_STRING, &opt_sort,
    "Sort by a column: name (default), state, source alphabetically; current, target, max, committed, cached, "
    "active-file, margin, weight largest first; last-change latest first", "COLUMN" },
  { NULL }
};

/* "--watch SECS" as "--watch=SECS": GOption takes an optional value only
 * after '='.  Returns the joined argument, which argv now holds. */
static char *
join_watch_seconds (int *argc, char **argv)
{
  for (int i = 1; i + 1 < *argc && strcmp (argv[i], "--") != 0; i++)
    {
      char *end = NULL;

      if (strcmp (argv[i], "--watch") != 0 && strcmp (argv[i], "-w") != 0)
        continue;
      g_ascii_strtod (argv[i + 1], &end);
      if (end == argv[i + 1] || *end != '\0')
        return NULL;
      argv[i] = g_strconcat ("--watch=", argv[i + 1], NULL);
      memmove (&argv[i + 1], &argv[i + 2], (gsize) (*argc - i - 1) * sizeof *argv);
      (*argc)--;
      return argv[i];
    }
  return NULL;
}

/* --sort's column, and the options that do not go together. */
static gboolean
check_status_options (const char *domain, BcStatusColumn *column, gboolean *sorted, GError **error)
{
  g_autofree char *names = NULL, *shown = NULL;

  *sorted = opt_sort != NULL;
  if (opt_watch && opt_json)
    return bc_set_error (error, BC_ERROR_USAGE, "status: --watch and --json do not go together");
  if (domain && (opt_watch || opt_sort))
    return bc_set_error (error, BC_ERROR_USAGE, "status: --%s shows the table of every domain, not with DOMAIN",
                         opt_watch ? "watch" : "sort");
  if (opt_sort == NULL || bc_status_column_parse (opt_sort, column))
    return TRUE;
  names = bc_status_column_names ();
  shown = bc_quote (opt_sort, BC_QUOTE_MAX);
  return bc_set_error (error, BC_ERROR_USAGE, "status: --sort: unknown column %s (one of %s)", shown, names);
}

/* Why a connection to another host's libvirt shows no daemon's columns:
 * that host's daemon publishes them in that host's state file. */
static char *
elsewhere_note (const char *uri)
{
  g_autofree char *host = bc_uri_host (uri);

  return g_strdup_printf ("%s is libvirt on another host: its daemon's columns (STATE, TARGET, MARGIN, WEIGHT, "
                          "LAST CHANGE) are shown by 'balloonctl status' on %s", uri, host ? host : "that host");
}

/* The daemon's state file, when a daemon for this connection's hypervisor
 * lives (its URI the same, or another URI of the same local hypervisor);
 * why it could not be read, or that the hypervisor is on another host, in
 * *warning. */
static BcReport *
daemon_report (virConnectPtr conn, const BcConfig *cfg, char **warning)
{
  g_autofree char *path = bc_cmd_state_path ();
  g_autofree char *uri = virConnectGetURI (conn);
  g_autoptr (GError) error = NULL;
  g_autoptr (BcReport) r = NULL;

  if (path[0] == '\0')
    return NULL;
  r = bc_report_read_live (path, g_get_real_time () / 1000, cfg->apply_interval_ms, &error);
  if (error)
    *warning = g_strdup_printf ("%s: %s", path, error->message);
  if (r != NULL && bc_uri_same_hypervisor (r->uri, uri, g_get_host_name ()))
    return g_steal_pointer (&r);
  if (*warning == NULL && uri != NULL && !bc_uri_is_local (uri, g_get_host_name ()))
    *warning = elsewhere_note (uri);
  return NULL; /* no daemon, or one managing another hypervisor */
}

/* The state file refused, as daemon_report refuses one, when it sizes a
 * domain above its maximum memory (libvirt's). */
static void
check_maxima (BcReport **daemon, BcStatusRow *const *rows, guint n, char **warning)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = NULL;

  for (guint i = 0; *daemon && i < n && error == NULL; i++)
    bc_report_check_max (*daemon, rows[i]->uuid, rows[i]->max_kib, &error);
  if (error == NULL)
    return;
  path = bc_cmd_state_path ();
  g_clear_pointer (daemon, bc_report_free);
  g_free (*warning);
  *warning = g_strdup_printf ("%s: %s", path, error->message);
}

typedef struct {
  virConnectPtr conn;
  const BcConfig *cfg;
  gboolean sorted;
  BcStatusColumn sort;
} StatusRead;

/* A connection that died (libvirtd restarted) is opened again. */
static gboolean
ensure_connected (StatusRead *sr, GError **error)
{
  if (sr->conn != NULL && virConnectIsAlive (sr->conn) != 0)
    return TRUE;
  if (sr->conn != NULL)
    virConnectClose (sr->conn);
  sr->conn = bc_cmd_connect (error);
  return sr->conn != NULL;
}

static BcStatusSnapshot *
read_status (gpointer data, GError **error)
{
  StatusRead *sr = data;
  g_autoptr (BcStatusSnapshot) snap = g_new0 (BcStatusSnapshot, 1);

  if (!ensure_connected (sr, error))
    return NULL;
  snap->rows = bc_status_collect (sr->conn, sr->cfg->agent && !opt_no_agent, sr->cfg->agent_timeout_ms, error);
  if (snap->rows == NULL)
    return NULL;
  snap->daemon = daemon_report (sr->conn, sr->cfg, &snap->warning);
  check_maxima (&snap->daemon, (BcStatusRow *const *) snap->rows->pdata, snap->rows->len, &snap->warning);
  bc_status_attach (snap->rows, snap->daemon);
  if (sr->sorted)
    bc_status_sort (snap->rows, sr->sort);
  return g_steal_pointer (&snap);
}

static gboolean
status_once (StatusRead *sr, GError **error)
{
  g_autoptr (BcStatusSnapshot) snap = read_status (sr, error);
  g_autoptr (GString) out = g_string_new (NULL);

  if (snap == NULL)
    return FALSE;
  if (snap->warning)
    g_warning ("%s", snap->warning); /* escaped by the log writer */
  if (opt_json)
    bc_status_format_json (snap->rows, snap->daemon, out);
  else
    {
      bc_status_format_host (snap->daemon, out);
      bc_status_format_table (snap->rows, g_get_real_time () / 1000, out);
    }
  return bc_term_write_all (STDOUT_FILENO, out->str, out->len, error);
}

/* Why status finds no daemon when nothing went wrong reading its file. */
static char *
no_daemon_why (void)
{
  g_autofree char *path = bc_cmd_state_path ();

  if (path[0] == '\0')
    return g_strdup ("no state file read (--state-file \"\")");
  return g_strdup_printf ("the daemon is not running (no live state file at %s)", path);
}

/* status DOMAIN: its story, from libvirt, its guest agent and the daemon. */
static gboolean
status_domain (StatusRead *sr, const char *domain, GError **error)
{
  g_autoptr (BcStatusRow) row = NULL;
  g_autoptr (BcReport) daemon = NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *warning = NULL, *why_none = NULL;

  row = bc_story_collect (sr->conn, domain, sr->cfg->agent && !opt_no_agent, sr->cfg->agent_timeout_ms, error);
  if (row == NULL)
    return FALSE;
  daemon = daemon_report (sr->conn, sr->cfg, &warning);
  check_maxima (&daemon, &row, 1, &warning);
  if (bc_report_find (daemon, row->uuid))
    row->ctl = bc_report_domain_copy (bc_report_find (daemon, row->uuid));
  why_none = warning ? g_strdup (warning) : no_daemon_why ();
  if (opt_json && warning)
    g_warning ("%s", warning); /* escaped by the log writer */
  if (opt_json)
    bc_story_format_json (row, daemon, out);
  else
    bc_story_format_text (row, daemon, why_none, g_get_real_time () / 1000, out);
  return bc_term_write_all (STDOUT_FILENO, out->str, out->len, error);
}

static gboolean
status_watch (StatusRead *sr, GError **error)
{
  BcWatchOptions opts = { .interval_ms = opt_watch_ms, .read = read_status, .read_data = sr, .fd = STDOUT_FILENO };

  return bc_watch_run (&opts, error);
}

int
bc_cmd_status (int argc, char **argv)
{
  GError *error = NULL;
  BcConfig cfg;
  StatusRead sr = { .cfg = &cfg };
  g_autofree char *joined = join_watch_seconds (&argc, argv);
  const char *domain = NULL;
  gboolean ok;

  if (!bc_cmd_parse_args (&argc, &argv, "DOMAIN", TRUE,
                           "One row per running domain. Live figures come from libvirt and the guest agent;\n"
                           "STATE, TARGET, MARGIN, WEIGHT and LAST CHANGE, and the host's room on a line above the table,\n"
                           "from the daemon running on this host (\"-\" without one).\n"
                           "--watch[=SECS] (or --watch SECS) shows it again every SECS seconds, like top.\n"
                           "With DOMAIN (a running domain's name or UUID): that domain's story, in words: its size,\n"
                           "target, margin, floor, limits, weight and share and where each comes from, the host\n"
                           "budget, how fresh its figures are, and its last changes with their reasons.",
                           status_entries, &error) ||
      !check_status_options ((domain = argc > 1 ? argv[1] : NULL), &sr.sort, &sr.sorted, &error) || !bc_cmd_load_config (&cfg, &error) ||
      !ensure_connected (&sr, &error))
    return bc_cmd_fail (error);
  if (domain)
    ok = status_domain (&sr, domain, &error);
  else
    ok = opt_watch ? status_watch (&sr, &error) : status_once (&sr, &error);
  if (sr.conn != NULL)
    virConnectClose (sr.conn);
  return ok ? 0 : bc_cmd_fail (error);
}
