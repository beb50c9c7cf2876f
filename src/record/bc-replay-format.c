/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl-replay"

#include "bc-replay-format.h"
#include "bc-term.h"
#include "bc-json.h"

#define MIB 1024

static void
append_elapsed (GString *s, gint64 ms)
{
  g_string_append_printf (s, "T%s%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT "s", ms < 0 ? "-" : "+",
                          ABS (ms) / 1000, ABS (ms) % 1000 / 100);
}

void
bc_replay_format_changes (const BcReplay *r, const BcRecordPass *rec, const BcPassOutput *out, GString *s)
{
  for (gsize i = 0; i < rec->n; i++)
    {
      g_autofree char *name = NULL;
      g_autofree char *reason = NULL;

      if (out[i].action == BC_ACTION_NONE)
        continue;
      name = bc_term_escape (rec->domains[i].name);
      reason = bc_term_escape (out[i].reason ? out[i].reason : "");
      append_elapsed (s, bc_replay_elapsed_ms (r, rec));
      g_string_append_printf (s, " %s: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " MiB: %s\n", name,
                              out[i].old_kib / MIB, out[i].new_kib / MIB, reason);
    }
}

static double
mean_mib (double sum_kib, guint64 n)
{
  return n ? sum_kib / (double) n / MIB : 0;
}

static void
domain_line (const BcReplaySummary *d, GString *s)
{
  g_autofree char *name = bc_term_escape (d->name);

  if (!d->managed)
    {
      g_string_append_printf (s, "  %s: not managed\n", name);
      return;
    }
  g_string_append_printf (s, "  %s%s: %" G_GUINT64_FORMAT " changes, %.0f MiB-s, size min %" G_GUINT64_FORMAT
                          " / mean %.1f / max %" G_GUINT64_FORMAT " MiB\n",
                          name, d->virtio_mem ? " (virtio-mem)" : "", d->changes, d->memory_kib_ms / 1000 / MIB, d->target_min_kib / MIB,
                          mean_mib (d->target_sum_kib, d->passes), d->target_max_kib / MIB);
}

static void
difference_line (const BcReplaySummary *d, GString *s)
{
  g_autofree char *name = bc_term_escape (d->name);

  if (!d->managed)
    return;
  g_string_append_printf (s, "  %s: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " passes differ, mean |difference| "
                          "%.1f MiB; recorded %" G_GUINT64_FORMAT " changes, %.0f MiB-s, mean %.1f MiB\n",
                          name, d->differ, d->passes, mean_mib (d->abs_diff_sum_kib, d->passes),
                          d->recorded_changes, d->recorded_memory_kib_ms / 1000 / MIB,
                          mean_mib (d->recorded_sum_kib, d->passes));
}

void
bc_replay_format_summary (BcReplay *r, GString *s)
{
  g_autoptr (GPtrArray) doms = bc_replay_summaries (r);
  guint64 differ = bc_replay_decisions_differ (r);
  guint64 skipped = bc_replay_lines_skipped (r);
  const char *note = bc_replay_budget_note (r);

  g_string_append_printf (s, "%" G_GUINT64_FORMAT " passes replayed, policy %s (recorded: %s)",
                          bc_replay_passes (r), bc_policy_to_string (bc_replay_policy (r, FALSE)),
                          bc_policy_to_string (bc_replay_policy (r, TRUE)));
  if (skipped)
    g_string_append_printf (s, "; %" G_GUINT64_FORMAT " damaged line%s skipped", skipped, skipped == 1 ? "" : "s");
  g_string_append_c (s, '\n');
  for (guint i = 0; i < doms->len; i++)
    domain_line (g_ptr_array_index (doms, i), s);
  if (note)
    g_string_append_printf (s, "%s\n", note);
  if (bc_replay_config_differs (r))
    {
      g_string_append (s, "against the recording (another configuration or policy):\n");
      for (guint i = 0; i < doms->len; i++)
        difference_line (g_ptr_array_index (doms, i), s);
    }
  else if (differ == 0)
    g_string_append (s, "configuration as recorded: every recorded decision reproduced\n");
  else
    g_string_append_printf (s, "configuration as recorded, yet %" G_GUINT64_FORMAT " decisions differ from the "
                            "recording (was it made by another version of balloonctl?)\n", differ);
}

static void
json_domain (JsonBuilder *b, const BcReplaySummary *d)
{
  json_builder_begin_object (b);
  bc_json_add_string (b, "uuid", d->uuid);
  bc_json_add_string (b, "name", d->name);
  json_builder_set_member_name (b, "managed");
  json_builder_add_boolean_value (b, d->managed);
  bc_json_add_string (b, "memory_device", d->virtio_mem ? "virtio-mem" : "balloon");
  bc_json_add_int (b, "passes", (gint64) d->passes);
  bc_json_add_int (b, "changes", (gint64) d->changes);
  bc_json_add_int (b, "kib_seconds", (gint64) (d->memory_kib_ms / 1000));
  bc_json_add_int (b, "min_kib", (gint64) (d->passes ? d->target_min_kib : 0));
  bc_json_add_int (b, "mean_kib", (gint64) (d->passes ? d->target_sum_kib / (double) d->passes : 0));
  bc_json_add_int (b, "max_kib", (gint64) d->target_max_kib);
  bc_json_add_int (b, "passes_differing", (gint64) d->differ);
  bc_json_add_int (b, "mean_abs_difference_kib", (gint64) (d->passes ? d->abs_diff_sum_kib / (double) d->passes : 0));
  bc_json_add_int (b, "recorded_changes", (gint64) d->recorded_changes);
  bc_json_add_int (b, "recorded_kib_seconds", (gint64) (d->recorded_memory_kib_ms / 1000));
  bc_json_add_int (b, "recorded_mean_kib", (gint64) (d->passes ? d->recorded_sum_kib / (double) d->passes : 0));
  json_builder_end_object (b);
}

void
bc_replay_format_json (BcReplay *r, GString *s)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GPtrArray) doms = bc_replay_summaries (r);
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  bc_json_add_int (b, "passes", (gint64) bc_replay_passes (r));
  bc_json_add_int (b, "lines_skipped", (gint64) bc_replay_lines_skipped (r));
  bc_json_add_string (b, "policy", bc_policy_to_string (bc_replay_policy (r, FALSE)));
  bc_json_add_string (b, "recorded_policy", bc_policy_to_string (bc_replay_policy (r, TRUE)));
  json_builder_set_member_name (b, "config_differs");
  json_builder_add_boolean_value (b, bc_replay_config_differs (r));
  json_builder_set_member_name (b, "host_figures_recorded");
  json_builder_add_boolean_value (b, bc_replay_host_figures (r));
  bc_json_add_int (b, "decisions_differing", (gint64) bc_replay_decisions_differ (r));
  json_builder_set_member_name (b, "domains");
  json_builder_begin_array (b);
  for (guint i = 0; i < doms->len; i++)
    json_domain (b, g_ptr_array_index (doms, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  text = bc_json_to_data (b);
  g_string_append_printf (s, "%s\n", text);
}
