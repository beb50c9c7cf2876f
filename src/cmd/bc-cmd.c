/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the commands share (bc-cmd.h). */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-build-config.h"
#include "bc-cmd.h"
#include "bc-config-file.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"
#include "bc-quote.h"
#include "bc-report.h"
#include "bc-term.h"

BcCmdGlobals bc_cmd_globals;

gboolean
bc_cmd_count_verbose (const char *name, const char *value, gpointer data, GError **error)
{
  bc_cmd_globals.verbose++;
  return TRUE;
}

int
bc_cmd_fail (GError *error)
{
  int code = error->domain == BC_ERROR && (error->code == BC_ERROR_USAGE || error->code == BC_ERROR_CONFIG ||
                                           error->code == BC_ERROR_RECORD) ? 2 : 1;

  g_autofree char *shown = bc_term_escape (error->message);

  g_printerr ("balloonctl: %s\n", shown);
  g_error_free (error);
  return code;
}

static const GOptionEntry verbose_entries[] = {
  { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, bc_cmd_count_verbose, "More log output (repeat for debug)", NULL },
  { NULL }
};

/* args: what the command takes after its options ("FILE"), or NULL;
 * optional: it may be left out. */
gboolean
bc_cmd_parse_args (int *argc, char ***argv, const char *args, gboolean optional, const char *summary,
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

gboolean
bc_cmd_parse_line (int *argc, char ***argv, const char *args, const char *summary, const GOptionEntry *entries,
                    GError **error)
{
  return bc_cmd_parse_args (argc, argv, args, FALSE, summary, entries, error);
}

gboolean
bc_cmd_parse_options (int *argc, char ***argv, const char *summary, const GOptionEntry *entries, GError **error)
{
  return bc_cmd_parse_line (argc, argv, NULL, summary, entries, error);
}

gboolean
bc_cmd_load_config (BcConfig *cfg, GError **error)
{
  bc_config_defaults (cfg);
  if (bc_cmd_globals.config_path)
    return bc_config_load (cfg, bc_cmd_globals.config_path, FALSE, error);
  return bc_config_load (cfg, BC_DEFAULT_CONFIG, TRUE, error);
}

virConnectPtr
bc_cmd_connect (GError **error)
{
  virConnectPtr conn = virConnectOpen (bc_cmd_globals.uri);

  if (conn == NULL)
    bc_set_error_from_libvirt (error, bc_cmd_globals.uri ? bc_cmd_globals.uri : "default libvirt URI");
  return conn;
}

char *
bc_cmd_state_path (void)
{
  return bc_cmd_globals.state_path ? g_strdup (bc_cmd_globals.state_path) : bc_report_default_path ();
}
