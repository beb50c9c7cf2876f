/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line's commands (run, status, replay), one file each, and
 * what they share: the global options, parsing a command's own, the
 * configuration, the connection, how an error ends the program.  Only
 * src/main.c and these include it. */
#pragma once

#include "bc-config.h"

#include <libvirt/libvirt.h>

/* The global options, before the command. */
typedef struct {
  char *uri;
  char *config_path;
  char *state_path;
  gint verbose;
} BcCmdGlobals;

extern BcCmdGlobals bc_cmd_globals;

/* -v, as an option callback: one level more. */
gboolean bc_cmd_count_verbose (const char *name, const char *value, gpointer data, GError **error);
/* Says error (escaped) on stderr, frees it, and returns the exit status:
 * 2 for a usage, configuration or recording error, else 1. */
int bc_cmd_fail (GError *error);
/* A command's options; args: what it takes after them ("FILE"), or NULL;
 * optional: it may be left out. */
gboolean bc_cmd_parse_args (int *argc, char ***argv, const char *args, gboolean optional, const char *summary,
                            const GOptionEntry *entries, GError **error);
gboolean bc_cmd_parse_line (int *argc, char ***argv, const char *args, const char *summary,
                            const GOptionEntry *entries, GError **error);
gboolean bc_cmd_parse_options (int *argc, char ***argv, const char *summary, const GOptionEntry *entries,
                               GError **error);
/* The defaults, then --config FILE or the default file when present. */
gboolean bc_cmd_load_config (BcConfig *cfg, GError **error);
virConnectPtr bc_cmd_connect (GError **error);
/* --state-file, or the default path. */
char *bc_cmd_state_path (void);

int bc_cmd_run (int argc, char **argv);
int bc_cmd_status (int argc, char **argv);
int bc_cmd_replay (int argc, char **argv);
