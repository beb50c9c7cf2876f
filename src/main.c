/* SPDX-License-Identifier: GPL-2.0-or-later */
/* balloonctl: command line.  One command = one options table + one function. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-build-config.h"
#include "bc-collect.h"
#include "bc-config-file.h"
#include "bc-daemon.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"
#include "bc-quote.h"
#include "bc-record-reader.h"
#include "bc-replay-format.h"
#include "bc-report.h"
#include "bc-status.h"
#include "bc-story.h"
#include "bc-story-collect.h"
#include "bc-term.h"
#include "bc-uri.h"
#include "bc-watch.h"

#include <libvirt-glib/libvirt-glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *uri;
  char *config_path;
  char *state_path;
  gint verbose;
} Globals;

static Globals globals;

static gboolean
count_verbose (const char *name, const char *value, gpointer data, GError **error)
{
  globals.verbose++;
  return TRUE;
}

static const GOptionEntry global_entries[] = {
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &globals.uri, "libvirt URI (default: $LIBVIRT_DEFAULT_URI, else libvirt's default)", "URI" },
  { "config", 0, 0, G_OPTION_ARG_FILENAME, &globals.config_path, "Configuration file (default: " BC_DEFAULT_CONFIG ")", "FILE" },
  { "state-file", 0, 0, G_OPTION_ARG_FILENAME, &globals.state_path, "Where the daemon publishes its state for status (default: state.json in $RUNTIME_DIRECTORY, else /run/balloonctl/state.json as root or when readable, else $XDG_RUNTIME_DIR/balloonctl/state.json; \"\" = none); run refuses a PATH that is a symbolic link, not a regular file, or not a balloonctl state file", "PATH" },
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_verbose, "More log output (repeat for debug)", NULL },
  { NULL }
};

/* syslog's priority of a GLib level, as g_log_structured gives it. */
static const char *
priority_of (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  return level & G_LOG_LEVEL_INFO ? "6" : "7";
}

/* Every message one line, whatever a domain's name or a guest's text in
 * it holds: every text field (MESSAGE, and DOMAIN, REASON, which the
 * journal shows too) escaped here, once (bc_term_escape; the messages carry
 * raw text), to the terminal and to the journal alike (a name with "\n"
 * could otherwise forge a line; "\r" overwrite one).  A structured event
 * (bc_log_event, a change) comes without PRIORITY: it is added, so that
 * `journalctl -p warning` finds its warnings. */
static GLogWriterOutput
write_escaped (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  g_autofree GLogField *copy = g_new0 (GLogField, n + 1);
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func (g_free);
  gboolean has_priority = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      copy[i] = fields[i];
      has_priority |= strcmp (fields[i].key, "PRIORITY") == 0;
      if (fields[i].length < 0 && fields[i].value && strcmp (fields[i].key, "PRIORITY") != 0)
        {
          copy[i].value = bc_term_escape (fields[i].value);
          g_ptr_array_add (owned, (gpointer) copy[i].value);
        }
    }
  if (!has_priority)
    copy[n++] = (GLogField) { "PRIORITY", priority_of (level), -1 };
  if (g_log_writer_is_journald (fileno (stderr)) &&
      g_log_writer_journald (level, copy, n, data) == G_LOG_WRITER_HANDLED)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_standard_streams (level, copy, n, data);
}

static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n, gpointer data)
{
  GLogLevelFlags max = globals.verbose >= 2 ? G_LOG_LEVEL_DEBUG
                     : globals.verbose == 1 ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_MESSAGE;

  if ((level & G_LOG_LEVEL_MASK) > max && !(level & G_LOG_FLAG_FATAL))
    return G_LOG_WRITER_HANDLED;
  return write_escaped (level, fields, n, data);
}

static void
libvirt_quiet (void *data, virErrorPtr err)
{
  /* errors reach the user as GErrors, once, with context */
}

static int
fail (GError *error)
{
  int code = error->domain == BC_ERROR && (error->code == BC_ERROR_USAGE || error->code == BC_ERROR_CONFIG ||
                                           error->code == BC_ERROR_RECORD) ? 2 : 1;

  g_autofree char *shown = bc_term_escape (error->message);

  g_printerr ("balloonctl: %s\n", shown);
  g_error_free (error);
  return code;
}

static const GOptionEntry verbose_entries[] = {
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_verbose, "More log output (repeat for debug)", NULL },
  { NULL }
};

/* args: what the command takes after its options ("FILE"), or NULL;
 * optional: it may be left out. */
static gboolean
parse_command_args (int *argc, char ***argv, const char *args, gboolean optional, const char *summary,
                    const GOptionEntry *entries, GError **error)
{
  g_autofree char *usage = g_strdup_printf ("%s [OPTION…]%s%s%s%s", (*argv)[0], args ? " " : "", optional ? "[" : "",
                                            args ? args : "", optional ? "]" : "");
  g_autoptr (GOptionContext) ctx = g_option_context_new (usage);
  g_autoptr (GError) local = NULL;
  int want = args ? 2 : 1;

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_main_entries (ctx, verbose_entries, NULL);
  if (!g_option_context_parse (ctx, argc, argv, &local))
    return bc_set_error (error, BC_ERROR_USAGE, "%s: %s", (*argv)[0], local->message);
  if (*argc > want)
    {
      g_autofree char *shown = bc_quote ((*argv)[want], BC_QUOTE_MAX);

      return bc_set_error (error, BC_ERROR_USAGE, "%s: unexpected argument %s", (*argv)[0], shown);
    }
  if (*argc < want && !optional)
    return bc_set_error (error, BC_ERROR_USAGE, "%s: no %s given", (*argv)[0], args);
  return TRUE;
}

static gboolean
parse_command_line (int *argc, char ***argv, const char *args, const char *summary, const GOptionEntry *entries,
                    GError **error)
{
  return parse_command_args (argc, argv, args, FALSE, summary, entries, error);
}

static gboolean
parse_command_options (int *argc, char ***argv, const char *summary, const GOptionEntry *entries, GError **error)
{
  return parse_command_line (argc, argv, NULL, summary, entries, error);
}

static gboolean
load_config (BcConfig *cfg, GError **error)
{
  bc_config_defaults (cfg);
  if (globals.config_path)
    return bc_config_load (cfg, globals.config_path, FALSE, error);
  return bc_config_load (cfg, BC_DEFAULT_CONFIG, TRUE, error);
}

static virConnectPtr
connect_libvirt (GError **error)
{
  virConnectPtr conn = virConnectOpen (globals.uri);

  if (conn == NULL)
    bc_set_error_from_libvirt (error, globals.uri ? globals.uri : "default libvirt URI");
  return conn;
}

static char *
state_path (void)
{
  return globals.state_path ? g_strdup (globals.state_path) : bc_report_default_path ();
}

/* ---- run ------------------------------------------------------------- */

static void
hold_sighup (int how)
{
  sigset_t set;

  sigemptyset (&set);
  sigaddset (&set, SIGHUP);
  pthread_sigmask (how, &set, NULL);
}

static gboolean opt_dry_run, opt_once;
static char *opt_record;
static gint64 opt_record_max_mib;
static const GOptionEntry run_entries[] = {
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &opt_dry_run, "Compute and log every target, never change memory", NULL },
  { "once", 0, 0, G_OPTION_ARG_NONE, &opt_once, "One collect/decide/apply pass, then exit", NULL },
  { "record", 0, 0, G_OPTION_ARG_FILENAME, &opt_record, "Append each pass's inputs and decisions to FILE, one JSON line a pass (see replay); FILE must be a regular file or missing (created 0600), not a symbolic link", "FILE" },
  { "record-max-mib", 0, 0, G_OPTION_ARG_INT64, &opt_record_max_mib, "Stop recording before FILE grows past MIB MiB (default: no cap; SIGHUP opens FILE again, e.g. after logrotate)", "MIB" },
  { NULL }
};

#define RECORD_MAX_MIB_MAX (G_GINT64_CONSTANT (1) << 30) /* 1 PiB */

static gboolean
check_record_options (GError **error)
{
  if (opt_record_max_mib < 0 || opt_record_max_mib > RECORD_MAX_MIB_MAX)
    return bc_set_error (error, BC_ERROR_USAGE, "run: --record-max-mib: %" G_GINT64_FORMAT " is out of range (0..%" G_GINT64_FORMAT "; 0: no cap)",
                         opt_record_max_mib, RECORD_MAX_MIB_MAX);
  if (opt_record_max_mib && opt_record == NULL)
    return bc_set_error (error, BC_ERROR_USAGE, "run: --record-max-mib goes with --record");
  return TRUE;
}

static int
cmd_run (int argc, char **argv)
{
  GError *error = NULL;
  BcConfig cfg;
  virConnectPtr conn;
  g_autofree char *path = NULL;
  BcDaemonOptions opts = { 0 };
  g_autoptr (BcDaemon) daemon = NULL;
  int status;

  if (!parse_command_options (&argc, &argv,
                              "Run the balloon controller in the foreground: every running domain is sized to\n"
                              "Committed_AS + MarginSize, within its limits and the host budget; the margin\n"
                              "follows the guest's refaults ([controller] policy=adaptive, the default) or the\n"
                              "paper's UP/DOWN rules (policy=paper).\n"
                              "SIGINT/SIGTERM stop it after pending changes; SIGHUP reloads the configuration\n"
                              "(and opens the --record file again).\n"
                              "With [metrics] listen = ADDRESS:PORT in the configuration, it serves Prometheus\n"
                              "metrics at http://ADDRESS:PORT/metrics.",
                              run_entries, &error) ||
      !check_record_options (&error) || !load_config (&cfg, &error))
    return fail (error);
  /* libvirt's events and keepalives on our main loop */
  gvir_event_register ();
  /* A reload asked for while connecting waits for the daemon's handler
   * instead of killing it (SIGHUP's default). */
  hold_sighup (SIG_BLOCK);
  conn = connect_libvirt (&error);
  if (conn == NULL)
    return fail (error);
  path = state_path ();
  opts.config_path = globals.config_path ? globals.config_path : BC_DEFAULT_CONFIG;
  opts.config_missing_ok = globals.config_path == NULL;
  opts.state_path = path;
  opts.connect_uri = globals.uri;
  opts.dry_run = opt_dry_run;
  opts.once = opt_once;
  opts.record_path = opt_record;
  opts.record_max_bytes = (guint64) opt_record_max_mib * 1024 * 1024;
  daemon = bc_daemon_new (conn, &cfg, &opts, &error);
  virConnectClose (conn);
  if (daemon)
    hold_sighup (SIG_UNBLOCK); /* the daemon's handler takes it from here */
  if (daemon == NULL)
    return fail (error);
  status = bc_daemon_run (daemon, &error);
  if (status != 0)
    return fail (error);
  return 0;
}

/* ---- status ---------------------------------------------------------- */

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
  g_autofree char *path = state_path ();
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
  path = state_path ();
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
  sr->conn = connect_libvirt (error);
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
  g_autofree char *path = state_path ();

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

static int
cmd_status (int argc, char **argv)
{
  GError *error = NULL;
  BcConfig cfg;
  StatusRead sr = { .cfg = &cfg };
  g_autofree char *joined = join_watch_seconds (&argc, argv);
  const char *domain = NULL;
  gboolean ok;

  if (!parse_command_args (&argc, &argv, "DOMAIN", TRUE,
                           "One row per running domain. Live figures come from libvirt and the guest agent;\n"
                           "STATE, TARGET, MARGIN, WEIGHT and LAST CHANGE, and the host's room on a line above the table,\n"
                           "from the daemon running on this host (\"-\" without one).\n"
                           "--watch[=SECS] (or --watch SECS) shows it again every SECS seconds, like top.\n"
                           "With DOMAIN (a running domain's name or UUID): that domain's story, in words: its size,\n"
                           "target, margin, floor, limits, weight and share and where each comes from, the host\n"
                           "budget, how fresh its figures are, and its last changes with their reasons.",
                           status_entries, &error) ||
      !check_status_options ((domain = argc > 1 ? argv[1] : NULL), &sr.sort, &sr.sorted, &error) || !load_config (&cfg, &error) ||
      !ensure_connected (&sr, &error))
    return fail (error);
  if (domain)
    ok = status_domain (&sr, domain, &error);
  else
    ok = opt_watch ? status_watch (&sr, &error) : status_once (&sr, &error);
  if (sr.conn != NULL)
    virConnectClose (sr.conn);
  return ok ? 0 : fail (error);
}

/* ---- replay ---------------------------------------------------------- */

static char *opt_replay_config, *opt_policy;
static gboolean opt_replay_json;
static const GOptionEntry replay_entries[] = {
  { "config", 0, 0, G_OPTION_ARG_FILENAME, &opt_replay_config, "Replay with this configuration (default: the recorded one)", "FILE" },
  { "policy", 0, 0, G_OPTION_ARG_STRING, &opt_policy, "Replay with this policy (adaptive, paper, paper-literal, committed, mom; by default the recorded one)", "POLICY" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_replay_json, "The summary alone, machine-readable, figures in KiB", NULL },
  { NULL }
};

static gboolean
replay_options (BcReplayOptions *ro, GError **error)
{
  const char *config = opt_replay_config ? opt_replay_config : globals.config_path;

  g_autofree char *shown = NULL;

  memset (ro, 0, sizeof *ro);
  if (opt_policy && !bc_policy_from_string (opt_policy, &ro->policy))
    return bc_set_error (error, BC_ERROR_USAGE, "replay: unknown policy %s (paper, paper-literal, adaptive, "
                         "committed, mom)", shown = bc_quote (opt_policy, BC_QUOTE_MAX));
  ro->have_policy = opt_policy != NULL;
  ro->have_config = config != NULL;
  bc_config_defaults (&ro->cfg);
  return config == NULL || bc_config_load (&ro->cfg, config, FALSE, error);
}

/* How many damaged lines replay names on stderr; the summary counts all. */
#define REPLAY_WARNINGS_MAX 10

/* A line that is not a pass: said on stderr (escaped here: the reason
 * quotes the line as it is), passed over, counted. */
static void
skip_line (BcReplay *replay, const char *path, const GError *why)
{
  guint64 before = bc_replay_lines_skipped (replay);
  g_autofree char *shown = NULL;

  bc_replay_skip_line (replay);
  if (before < REPLAY_WARNINGS_MAX)
    {
      shown = bc_term_escape (why->message);
      g_printerr ("balloonctl: warning: %s; line skipped\n", shown);
    }
  else if (before == REPLAY_WARNINGS_MAX)
    {
      shown = bc_term_escape (path);
      g_printerr ("balloonctl: warning: %s: more damaged lines, not named (the summary counts them)\n", shown);
    }
}

/* One pass replayed; its changes printed at once. */
static gboolean
replay_one (BcReplay *replay, BcRecordPass *rec, GError **error)
{
  g_autofree BcPassOutput *out = g_new0 (BcPassOutput, MAX (rec->n, 1));
  g_autoptr (GString) s = g_string_new (NULL);
  gboolean ok = bc_replay_pass (replay, rec, out, error);

  if (ok && !opt_replay_json)
    bc_replay_format_changes (replay, rec, out, s);
  for (gsize i = 0; i < rec->n; i++)
    bc_pass_output_clear (&out[i]);
  bc_record_pass_clear (rec);
  return ok && bc_term_write_all (STDOUT_FILENO, s->str, s->len, error);
}

/* Each pass replayed as it is read; a damaged line skipped. */
static gboolean
replay_file (BcReplay *replay, const char *path, GError **error)
{
  g_autoptr (BcRecordReader) reader = bc_record_reader_open (path, error);
  g_autoptr (GError) local = NULL;
  BcRecordRead got;
  BcRecordPass rec;

  if (reader == NULL)
    return FALSE;
  while ((got = bc_record_reader_next (reader, &rec, &local)) != BC_RECORD_READ_END)
    {
      if (got == BC_RECORD_READ_FAILED)
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      if (got == BC_RECORD_READ_DAMAGED)
        skip_line (replay, path, local);
      else if (!replay_one (replay, &rec, error))
        return FALSE;
      g_clear_error (&local);
    }
  if (bc_replay_passes (replay) == 0 && bc_replay_lines_skipped (replay) > 0)
    return bc_set_error (error, BC_ERROR_RECORD, "%s: no pass recorded (%" G_GUINT64_FORMAT " damaged lines skipped)",
                         path, bc_replay_lines_skipped (replay));
  if (bc_replay_passes (replay) == 0)
    return bc_set_error (error, BC_ERROR_RECORD, "%s: no pass recorded", path);
  return TRUE;
}

static int
cmd_replay (int argc, char **argv)
{
  GError *error = NULL;
  BcReplayOptions ro;
  g_autoptr (BcReplay) replay = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!parse_command_line (&argc, &argv, "FILE",
                           "Run the passes `run --record FILE` recorded again, offline, and print what would have\n"
                           "been set: with the recorded configuration it reproduces the recorded decisions;\n"
                           "with another (--config, --policy) it says how far from the recorded sizes it goes.\n"
                           "A damaged line (cut short by a crash or a full disk) is skipped with a warning\n"
                           "naming it, and counted in the summary.",
                           replay_entries, &error) ||
      !replay_options (&ro, &error))
    return fail (error);
  replay = bc_replay_new (&ro);
  if (!replay_file (replay, argv[1], &error))
    return fail (error);
  if (opt_replay_json)
    bc_replay_format_json (replay, out);
  else
    bc_replay_format_summary (replay, out);
  if (!bc_term_write_all (STDOUT_FILENO, out->str, out->len, &error))
    return fail (error);
  return 0;
}

/* ---- version, help, dispatch ----------------------------------------- */

static int
cmd_version (int argc, char **argv)
{
  GError *error = NULL;
  g_autofree char *line = NULL;
  unsigned long v = 0;

  if (!parse_command_options (&argc, &argv, "Print the version of balloonctl and libvirt.", (GOptionEntry[]) { { NULL } }, &error))
    return fail (error);
  virGetVersion (&v, NULL, NULL);
  line = g_strdup_printf ("balloonctl %s (libvirt %lu.%lu.%lu)\n", PACKAGE_VERSION, v / 1000000, v / 1000 % 1000, v % 1000);
  if (!bc_term_write_all (STDOUT_FILENO, line, strlen (line), &error))
    return fail (error);
  return 0;
}

typedef struct {
  const char *name;
  int (*fn) (int argc, char **argv);
  const char *help;
} Command;

static const Command commands[] = {
  { "run", cmd_run, "Run the controller (foreground daemon)" },
  { "status", cmd_status, "Show one row per running domain, or one domain's story (status DOMAIN)" },
  { "replay", cmd_replay, "Replay a recording offline, with another configuration or policy" },
  { "version", cmd_version, "Show the version" },
};

static char *
commands_description (void)
{
  GString *s = g_string_new ("Commands:\n");

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    g_string_append_printf (s, "  %-10s%s\n", commands[i].name, commands[i].help);
  g_string_append (s, "\n'balloonctl COMMAND --help' shows a command's options. See balloonctl(8) and balloonctl.conf(5).");
  return g_string_free (s, FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND [OPTIONS]");
  g_autofree char *desc = commands_description ();
  g_autoptr (GError) local = NULL;
  g_autofree char *shown = NULL;

  /* A closed pipe (balloonctl run | head) is a write error to handle, not
   * a reason to die: EPIPE for status, a dropped log line for the daemon. */
  signal (SIGPIPE, SIG_IGN);
  /* the name help and messages show: not argv[0], which whoever starts
   * the program chooses (exec -a), controls and all */
  g_set_prgname ("balloonctl");
  setlocale (LC_ALL, "");
  g_log_set_writer_func (log_writer, NULL, NULL);
  virSetErrorFunc (NULL, libvirt_quiet);
  g_option_context_set_strict_posix (ctx, TRUE);
  g_option_context_set_summary (ctx, "Memory-balloon controller for libvirt hosts: sizes every VM to what it\n"
                                     "uses plus enough page cache for its I/O (Committed_AS + MarginSize).");
  g_option_context_set_description (ctx, desc);
  g_option_context_add_main_entries (ctx, global_entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &local))
    return fail (g_error_new (BC_ERROR, BC_ERROR_USAGE, "%s", local->message));
  if (argc < 2)
    return fail (g_error_new (BC_ERROR, BC_ERROR_USAGE, "no command given (run, status, replay, version; see --help)"));
  if (virInitialize () < 0)
    return fail (g_error_new (BC_ERROR, BC_ERROR_FAILED, "cannot initialise libvirt"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (argv[1], commands[i].name) == 0)
      return commands[i].fn (argc - 1, argv + 1);
  shown = bc_quote (argv[1], BC_QUOTE_MAX);
  return fail (g_error_new (BC_ERROR, BC_ERROR_USAGE, "unknown command %s (run, status, replay, version; see --help)", shown));
}
