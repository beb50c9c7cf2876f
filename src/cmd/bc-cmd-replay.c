/* SPDX-License-Identifier: GPL-2.0-or-later */
/* balloonctl replay: a recording run again offline. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-cmd.h"
#include "bc-config-file.h"
#include "bc-error.h"
#include "bc-quote.h"
#include "bc-record-reader.h"
#include "bc-replay-format.h"
#include "bc-term.h"

#include <string.h>
#include <unistd.h>

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
  const char *config = opt_replay_config ? opt_replay_config : bc_cmd_globals.config_path;

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

int
bc_cmd_replay (int argc, char **argv)
{
  GError *error = NULL;
  BcReplayOptions ro;
  g_autoptr (BcReplay) replay = NULL;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!bc_cmd_parse_line (&argc, &argv, "FILE",
                           "Run the passes `run --record FILE` recorded again, offline, and print what would have\n"
                           "been set: with the recorded configuration it reproduces the recorded decisions;\n"
                           "with another (--config, --policy) it says how far from the recorded sizes it goes.\n"
                           "A damaged line (cut short by a crash or a full disk) is skipped with a warning\n"
                           "naming it, and counted in the summary.",
                           replay_entries, &error) ||
      !replay_options (&ro, &error))
    return bc_cmd_fail (error);
  replay = bc_replay_new (&ro);
  if (!replay_file (replay, argv[1], &error))
    return bc_cmd_fail (error);
  if (opt_replay_json)
    bc_replay_format_json (replay, out);
  else
    bc_replay_format_summary (replay, out);
  if (!bc_term_write_all (STDOUT_FILENO, out->str, out->len, &error))
    return bc_cmd_fail (error);
  return 0;
}
