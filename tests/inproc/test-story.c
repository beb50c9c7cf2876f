/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon on the test driver publishes what `status DOMAIN` tells: each
 * domain's last changes, latest first and joined end to end, the latest
 * its last_change; its limits and where they come from; its want and
 * floor; the story told from that state file. */
#include "inproc-lib.h"
#include "bc-story.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char *state_path;
  BcReport *seen;
} Watch;

static const BcReportDomain *
find_name (const BcReport *r, const char *name)
{
  for (guint i = 0; r && i < r->domains->len; i++)
    if (g_strcmp0 (((BcReportDomain *) g_ptr_array_index (r->domains, i))->name, name) == 0)
      return g_ptr_array_index (r->domains, i);
  return NULL;
}

/* Asked after every pass: once vm-a has changed three times (1024 MiB,
 * shrinking by steps), the state file as it is then. */
static gboolean
look (gpointer data)
{
  Watch *w = data;
  g_autofree char *text = NULL;
  g_autoptr (BcReport) r = NULL;
  const BcReportDomain *a;

  if (!g_file_get_contents (w->state_path, &text, NULL, NULL))
    return FALSE;
  r = bc_report_from_json (text, NULL);
  g_assert_nonnull (r);
  g_assert_true (bc_report_check_times (r, g_get_real_time () / 1000, NULL));
  a = find_name (r, "vm-a");
  if (a == NULL || a->detail.history.n < 3)
    return FALSE;
  w->seen = g_steal_pointer (&r);
  return TRUE;
}

static void
check_history (const BcReportDomain *a)
{
  const BcReportHistory *h = &a->detail.history;

  g_assert_cmpint (h->items[0].at_ms, ==, a->change_at_ms);
  g_assert_cmpuint (h->items[0].new_kib, ==, a->change_new_kib);
  g_assert_cmpstr (h->items[0].reason, ==, a->change_reason);
  for (guint i = 0; i + 1 < h->n; i++)
    {
      g_assert_cmpint (h->items[i].at_ms, >=, h->items[i + 1].at_ms);
      g_assert_cmpuint (h->items[i].old_kib, ==, h->items[i + 1].new_kib);
      g_assert_true (g_str_has_prefix (h->items[i].reason, "shrink: "));
    }
  g_assert_cmpuint (h->items[h->n - 1].old_kib, ==, 1024 * MIB);
}

static void
check_detail (const BcReport *r)
{
  const BcReportDomain *a = find_name (r, "vm-a"), *b = find_name (r, "vm-b"), *c = find_name (r, "vm-c");

  check_history (a);
  g_assert_true (a->detail.limits_known);
  g_assert_cmpint (a->detail.min_from, ==, BC_REPORT_FROM_CONFIG);
  g_assert_cmpint (a->detail.weight_from, ==, BC_REPORT_FROM_CONFIG);
  g_assert_true (a->detail.figures_known);
  g_assert_cmpint (a->detail.agent_at_ms, ==, 0); /* no agent on the test driver */
  g_assert_cmpint (a->detail.agent_max_age_ms, >, 0);
  g_assert_nonnull (a->detail.margin_reason);
  g_assert_true (b->detail.decided);
  g_assert_cmpuint (b->detail.min_kib, ==, 1000 * MIB);
  g_assert_cmpint (b->detail.min_from, ==, BC_REPORT_FROM_METADATA);
  g_assert_cmpint (b->detail.floor_from, ==, BC_REPORT_FLOOR_MIN);
  g_assert_cmpuint (b->detail.want_kib, ==, 1000 * MIB);
  g_assert_false (b->detail.budget_held);
  /* not managed: no limits, no decision */
  g_assert_false (c->detail.limits_known);
  g_assert_false (c->detail.decided);
  g_assert_cmpuint (c->detail.history.n, ==, 0);
}

/* The story of vm-a, from what the daemon wrote. */
static void
check_story (const BcReport *r)
{
  g_autoptr (BcStatusRow) row = g_new0 (BcStatusRow, 1);
  g_autoptr (GString) out = g_string_new (NULL);
  const BcReportDomain *a = find_name (r, "vm-a");

  row->name = g_strdup ("vm-a");
  row->uuid = g_strdup (a->uuid);
  row->current_kib = a->change_new_kib;
  row->max_kib = 2048 * MIB;
  row->ctl = bc_report_domain_copy (a);
  bc_story_format_text (row, r, NULL, g_get_real_time () / 1000, out);
  g_test_message ("%s", out->str);
  g_assert_nonnull (strstr (out->str, "\nLimits:       min 128 MiB ([domain] min-mib), max none set: its maximum memory, 2.00 GiB\n"));
  g_assert_nonnull (strstr (out->str, "\nChanges:      latest first\n"));
  g_assert_nonnull (strstr (out->str, " -> 960 MiB, shrink: "));
}

static void
test_history (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-test-XXXXXX", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { 0 };
  Watch w = { 0 };
  BcConfig cfg;

  w.state_path = g_build_filename (dir, "state.json", NULL);
  opts.state_path = w.state_path;
  inproc_config (&cfg);
  /* the state file is written at most once a second: at a pass every
   * 500 ms, a write holds two passes' changes at most, so the first file
   * with three changes has them all (BC_REPORT_HISTORY_MAX keeps five) */
  cfg.apply_interval_ms = 500;
  inproc_stop_when ("a state file with vm-a's 3 changes", 0, look, &w);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_nonnull (w.seen);
  check_detail (w.seen);
  check_story (w.seen);
  bc_report_free (w.seen);
  g_free (w.state_path);
  g_rmdir (dir);
  virConnectClose (conn);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/story/history", test_history);
  return g_test_run ();
}
