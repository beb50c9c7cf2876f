/* SPDX-License-Identifier: GPL-2.0-or-later */
/* balloonctl: the global options, the log, and the dispatch to a command
 * (src/cmd/: one command = one options table + one function). */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-build-config.h"
#include "bc-cmd.h"
#include "bc-error.h"
#include "bc-quote.h"
#include "bc-term.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const GOptionEntry global_entries[] = {
  { "connect", 'c', 0, G_OPTION_ARG_STRING, &bc_cmd_globals.uri, "libvirt URI (default: $LIBVIRT_DEFAULT_URI, else libvirt's default)", "URI" },
  { "config", 0, 0, G_OPTION_ARG_FILENAME, &bc_cmd_globals.config_path, "Configuration file (default: " BC_DEFAULT_CONFIG ")", "FILE" },
  { "state-file", 0, 0, G_OPTION_ARG_FILENAME, &bc_cmd_globals.state_path, "Where the daemon publishes its state for status (default: state.json in $RUNTIME_DIRECTORY, else /run/balloonctl/state.json as root or when readable, else $XDG_RUNTIME_DIR/balloonctl/state.json; \"\" = none); run refuses a PATH that is a symbolic link, not a regular file, or not a balloonctl state file", "PATH" },
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, bc_cmd_count_verbose, "More log output (repeat for debug)", NULL },
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
  GLogLevelFlags max = bc_cmd_globals.verbose >= 2 ? G_LOG_LEVEL_DEBUG
                     : bc_cmd_globals.verbose == 1 ? G_LOG_LEVEL_INFO : G_LOG_LEVEL_MESSAGE;

  if ((level & G_LOG_LEVEL_MASK) > max && !(level & G_LOG_FLAG_FATAL))
    return G_LOG_WRITER_HANDLED;
  return write_escaped (level, fields, n, data);
}

static void
libvirt_quiet (void *data, virErrorPtr err)
{
  /* errors reach the user as GErrors, once, with context */
}

/* ---- version, help, dispatch ----------------------------------------- */

static int
cmd_version (int argc, char **argv)
{
  GError *error = NULL;
  g_autofree char *line = NULL;
  unsigned long v = 0;

  if (!bc_cmd_parse_options (&argc, &argv, "Print the version of balloonctl and libvirt.", (GOptionEntry[]) { { NULL } }, &error))
    return bc_cmd_fail (error);
  virGetVersion (&v, NULL, NULL);
  line = g_strdup_printf ("balloonctl %s (libvirt %lu.%lu.%lu)\n", PACKAGE_VERSION, v / 1000000, v / 1000 % 1000, v % 1000);
  if (!bc_term_write_all (STDOUT_FILENO, line, strlen (line), &error))
    return bc_cmd_fail (error);
  return 0;
}

typedef struct {
  const char *name;
  int (*fn) (int argc, char **argv);
  const char *help;
} Command;

static const Command commands[] = {
  { "run", bc_cmd_run, "Run the controller (foreground daemon)" },
  { "status", bc_cmd_status, "Show one row per running domain, or one domain's story (status DOMAIN)" },
  { "replay", bc_cmd_replay, "Replay a recording offline, with another configuration or policy" },
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
    return bc_cmd_fail (g_error_new (BC_ERROR, BC_ERROR_USAGE, "%s", local->message));
  if (argc < 2)
    return bc_cmd_fail (g_error_new (BC_ERROR, BC_ERROR_USAGE, "no command given (run, status, replay, version; see --help)"));
  if (virInitialize () < 0)
    return bc_cmd_fail (g_error_new (BC_ERROR, BC_ERROR_FAILED, "cannot initialise libvirt"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_strcmp0 (argv[1], commands[i].name) == 0)
      return commands[i].fn (argc - 1, argv + 1);
  shown = bc_quote (argv[1], BC_QUOTE_MAX);
  return bc_cmd_fail (g_error_new (BC_ERROR, BC_ERROR_USAGE, "unknown command %s (run, status, replay, version; see --help)", shown));
}
