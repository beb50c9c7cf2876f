/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `balloonctl status` output, table and JSON, against expected files. */
#include "bc-status.h"
#include "bc-error.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MIB 1024
#define NOW_MS G_GINT64_CONSTANT (1790000000000)

static BcReportDomain *
ctl (const char *uuid, const char *state, gint64 margin_mib, guint64 target_mib, gint64 changed_s_ago)
{
  BcReportDomain *c = g_new0 (BcReportDomain, 1);

  c->uuid = g_strdup (uuid);
  c->managed = TRUE;
  c->state = g_strdup (state);
  c->margin_kib = margin_mib * MIB;
  c->target_kib = target_mib * MIB;
  c->source = g_strdup ("agent");
  if (changed_s_ago >= 0)
    {
      c->change_at_ms = NOW_MS - changed_s_ago * 1000;
      c->change_old_kib = 512 * MIB;
      c->change_new_kib = target_mib * MIB;
      c->change_reason = g_strdup ("shrink: committed 40 MiB + margin 96 MiB [DOWN: cache steady, no refaults]; shrink rate limited");
    }
  return c;
}

static GPtrArray *
sample_rows (gboolean with_daemon)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);
  BcStatusRow *r;

  r = g_new0 (BcStatusRow, 1);
  r->name = g_strdup ("db1");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000001");
  r->current_kib = 448 * MIB;
  r->max_kib = 3 * 1024 * MIB;
  r->source = BC_SOURCE_AGENT;
  r->have_committed = r->have_cached = TRUE;
  r->committed_kib = 40 * MIB + 512;
  r->cached_kib = 300 * MIB;
  r->active_file_kib = 120 * MIB;
  if (with_daemon)
    r->ctl = ctl (r->uuid, "DOWN", 96, 384, 12);
  g_ptr_array_add (rows, r);

  r = g_new0 (BcStatusRow, 1);
  r->name = g_strdup ("web-with-a-long-name");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000002");
  r->current_kib = 1536 * MIB;
  r->max_kib = 2048 * MIB;
  r->source = BC_SOURCE_BALLOON;
  r->have_cached = TRUE;
  r->cached_kib = 700 * MIB;
  if (with_daemon)
    r->ctl = ctl (r->uuid, "UP", 512, 1600, 400);
  g_ptr_array_add (rows, r);

  r = g_new0 (BcStatusRow, 1);
  r->name = g_strdup ("legacy");
  r->uuid = g_strdup ("00000000-0000-0000-0000-000000000003");
  r->current_kib = 1024 * MIB;
  r->max_kib = 1024 * MIB;
  r->source = BC_SOURCE_NONE;
  if (with_daemon)
    {
      r->ctl = ctl (r->uuid, "UP", 128, 0, -1);
      r->ctl->managed = FALSE;
      r->ctl->note = g_strdup ("no balloon device");
    }
  g_ptr_array_add (rows, r);
  return rows;
}

static void
compare (const char *expected_name, const char *actual)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "expected", expected_name, NULL);
  g_autofree char *expected = NULL;

  if (g_getenv ("BC_UPDATE_EXPECTED"))
    g_assert_true (g_file_set_contents (path, actual, -1, NULL));
  g_assert_true (g_file_get_contents (path, &expected, NULL, NULL));
  g_assert_cmpstr (actual, ==, expected);
}

static void
test_table (gconstpointer with_daemon)
{
  g_autoptr (GPtrArray) rows = sample_rows (GPOINTER_TO_INT (with_daemon));
  g_autoptr (GString) out = g_string_new (NULL);

  bc_status_format_table (rows, NOW_MS, out);
  compare (with_daemon ? "status-table-daemon.txt" : "status-table-nodaemon.txt", out->str);
}

static void
test_json (gconstpointer with_daemon)
{
  g_autoptr (GPtrArray) rows = sample_rows (GPOINTER_TO_INT (with_daemon));
  g_autoptr (GString) out = g_string_new (NULL);
  g_autoptr (BcReport) daemon = NULL;

  if (with_daemon)
    {
      daemon = bc_report_new ();
      daemon->pid = 4242;
      daemon->policy = g_strdup ("paper");
      daemon->updated_ms = NOW_MS - 500;
    }
  bc_status_format_json (rows, daemon, out);
  compare (with_daemon ? "status-daemon.json" : "status-nodaemon.json", out->str);
}

static void
test_report_roundtrip (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) back = NULL;
  g_autofree char *json = NULL;
  BcReportDomain *d;
  const BcReportDomain *b;

  r->pid = 99;
  r->uri = g_strdup ("qemu:///system");
  r->policy = g_strdup ("paper");
  r->updated_ms = NOW_MS;
  d = bc_report_add_domain (r, "u-1", "vm \"quoted\"\n");
  d->managed = TRUE;
  d->state = g_strdup ("UP");
  d->margin_kib = -5;
  d->target_kib = 12345;
  d->change_at_ms = NOW_MS - 1000;
  d->change_old_kib = 10000;
  d->change_new_kib = 12345;
  d->change_reason = g_strdup ("grow");
  json = bc_report_to_json (r);
  back = bc_report_from_json (json, NULL);
  g_assert_nonnull (back);
  g_assert_cmpint (back->pid, ==, 99);
  g_assert_cmpstr (back->uri, ==, "qemu:///system");
  b = bc_report_find (back, "u-1");
  g_assert_nonnull (b);
  g_assert_cmpstr (b->name, ==, "vm \"quoted\"\n");
  g_assert_true (b->managed);
  g_assert_cmpint (b->margin_kib, ==, -5);
  g_assert_cmpuint (b->target_kib, ==, 12345);
  g_assert_cmpint (b->change_at_ms, ==, NOW_MS - 1000);
  g_assert_cmpuint (b->change_old_kib, ==, 10000);
  g_assert_cmpuint (b->change_new_kib, ==, 12345);
  g_assert_cmpstr (b->change_reason, ==, "grow");
  g_assert_null (bc_report_find (back, "u-2"));
  /* a state file of the wrong shape is refused or read as empty, quietly */
  g_assert_null (bc_report_from_json ("[1,2]", NULL));
  g_clear_pointer (&back, bc_report_free);
  back = bc_report_from_json ("{\"pid\":\"x\",\"domains\":[1,{\"uuid\":5},{\"uuid\":\"a\",\"margin_kib\":[]}]}", NULL);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->domains->len, ==, 1);
}

/* A note carrying a guest's bytes that are not UTF-8 (a lone surrogate
 * from an agent's error text) must not make the state file unreadable for
 * every other domain. */
static void
test_report_not_utf8 (void)
{
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) back = NULL;
  g_autofree char *json = NULL;
  BcReportDomain *d;
  const BcReportDomain *b;

  r->pid = 7;
  d = bc_report_add_domain (r, "u-1", "vm1");
  d->note = g_strdup ("agent: Guest agent error: \xed\xb0\x80 \xff junk");
  bc_report_add_domain (r, "u-2", "vm2")->managed = TRUE;
  json = bc_report_to_json (r);
  g_assert_true (g_utf8_validate (json, -1, NULL));
  back = bc_report_from_json (json, NULL);
  g_assert_nonnull (back);
  b = bc_report_find (back, "u-1");
  g_assert_nonnull (b);
  g_assert_true (g_str_has_prefix (b->note, "agent: Guest agent error: "));
  g_assert_true (g_str_has_suffix (b->note, " junk"));
  g_assert_nonnull (bc_report_find (back, "u-2"));
  g_assert_true (bc_report_find (back, "u-2")->managed);
}

static gint64
written_updated_ms (const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr (BcReport) r = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  r = bc_report_from_json (text, NULL);
  g_assert_nonnull (r);
  return r->updated_ms;
}

/* The state file is written when what it says changes, and at least every
 * BC_REPORT_HEARTBEAT_MS so status knows the daemon lives; not every tick. */
static void
test_report_publish (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr (BcReport) r = bc_report_new ();
  BcReportCache cache = { 0 };
  BcReportDomain *d = bc_report_add_domain (r, "u-1", "vm1");

  d->managed = TRUE;
  d->target_kib = 1000;
  r->apply_interval_ms = 2000;
  r->updated_ms = 1;
  g_assert_true (bc_report_publish (r, path, &cache, 0, NULL));
  g_assert_cmpint (written_updated_ms (path), ==, 1);
  r->updated_ms = 2;
  g_assert_true (bc_report_publish (r, path, &cache, BC_REPORT_HEARTBEAT_MS - 1, NULL));
  g_assert_cmpint (written_updated_ms (path), ==, 1);
  r->updated_ms = 3;
  g_assert_true (bc_report_publish (r, path, &cache, BC_REPORT_HEARTBEAT_MS, NULL));
  g_assert_cmpint (written_updated_ms (path), ==, 3);
  d->target_kib = 2000;
  r->updated_ms = 4;
  g_assert_true (bc_report_publish (r, path, &cache, BC_REPORT_HEARTBEAT_MS + 1, NULL));
  g_assert_cmpint (written_updated_ms (path), ==, 4);
  /* a short apply interval: the heartbeat is one interval + 1 s */
  r->apply_interval_ms = 100;
  r->updated_ms = 5;
  g_assert_true (bc_report_publish (r, path, &cache, 10000, NULL));
  r->updated_ms = 6;
  g_assert_true (bc_report_publish (r, path, &cache, 11099, NULL));
  g_assert_cmpint (written_updated_ms (path), ==, 5);
  g_assert_true (bc_report_publish (r, path, &cache, 11100, NULL));
  g_assert_cmpint (written_updated_ms (path), ==, 6);
  bc_report_cache_clear (&cache);
  g_unlink (path);
  g_rmdir (dir);
}

/* status takes the daemon's own apply interval to judge its file stale */
static void
test_report_live (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autoptr (BcReport) r = bc_report_new ();
  g_autoptr (BcReport) live = NULL;

  r->pid = getpid ();
  r->updated_ms = NOW_MS - 6000;
  r->apply_interval_ms = 100; /* stale after 5.3 s */
  g_assert_true (bc_report_write (r, path, NULL));
  live = bc_report_read_live (path, NOW_MS, 1000, NULL);
  g_assert_null (live);
  r->apply_interval_ms = 1000; /* stale after 8 s */
  g_assert_true (bc_report_write (r, path, NULL));
  live = bc_report_read_live (path, NOW_MS, 100, NULL);
  g_assert_nonnull (live);
  g_unlink (path);
  g_rmdir (dir);
}

/* A state file of 100,000 '[' (what `balloonctl status` reads) is an
 * error, not a stack overflow in the JSON parser. */
static void
test_report_live_deep (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-report-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "state.json", NULL);
  g_autofree char *text = g_strnfill (100000, '[');
  g_autoptr (GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_null (bc_report_read_live (path, NOW_MS, 1000, &error));
  g_assert_error (error, BC_ERROR, BC_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "state file: JSON nested deeper than 64 levels");
  g_unlink (path);
  g_rmdir (dir);
}

/* Times in the file are never negative: now - INT64_MIN overflowed (and
 * wrapped, so such a file read as fresh), and so did "how long ago" for a
 * change at INT64_MIN + 1. */
static void
test_report_negative_times (void)
{
  g_autofree char *text = g_strdup_printf ("{\"pid\":%d,\"updated_ms\":-9223372036854775808,\"domains\":[]}", (int) getpid ());
  g_autoptr (BcReport) live = bc_report_read_live_data (text, NOW_MS, 1000, NULL);
  g_autoptr (BcReport) r = bc_report_from_json ("{\"updated_ms\":-1,\"domains\":[{\"uuid\":\"u\",\"managed\":true,"
                                                "\"last_change\":{\"at_ms\":-9223372036854775807}}]}", NULL);

  g_assert_null (live);
  g_assert_nonnull (r);
  g_assert_cmpint (r->updated_ms, ==, 0);
  g_assert_cmpint (bc_report_find (r, "u")->change_at_ms, ==, 0);
}

/* Strings of the state file reach the terminal through the table (a note
 * can carry a guest agent's error text): control characters are shown as
 * \xNN, never sent.  A 0x1f in a note was the fuzzer's first find. */
static void
test_report_control_chars (void)
{
  g_autoptr (BcReport) r = bc_report_from_json ("{\"domains\":[{\"uuid\":\"u\",\"managed\":false,"
                                                "\"note\":\"agent: \\u001b]0;owned\\u0007\\u001b[2J\x1f\\u009b1m\\n\\u007f \xc3\xa9\"}]}", NULL);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_status_row_free);
  g_autoptr (GString) table = g_string_new (NULL);
  BcStatusRow *row = g_new0 (BcStatusRow, 1);

  g_assert_nonnull (r);
  g_assert_cmpstr (bc_report_find (r, "u")->note, ==, "agent: \\x1b]0;owned\\x07\\x1b[2J\\x1f\\x9b1m\\x0a\\x7f \xc3\xa9");
  row->name = g_strdup ("vm");
  row->uuid = g_strdup ("u");
  g_ptr_array_add (rows, row);
  bc_status_attach (rows, r);
  bc_status_format_table (rows, NOW_MS, table);
  g_assert_null (strchr (table->str, '\x1b'));
  g_assert_nonnull (strstr (table->str, "not managed: agent: \\x1b]0;owned"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/status/table/no-daemon", GINT_TO_POINTER (0), test_table);
  g_test_add_data_func ("/status/table/daemon", GINT_TO_POINTER (1), test_table);
  g_test_add_data_func ("/status/json/no-daemon", GINT_TO_POINTER (0), test_json);
  g_test_add_data_func ("/status/json/daemon", GINT_TO_POINTER (1), test_json);
  g_test_add_func ("/status/report-roundtrip", test_report_roundtrip);
  g_test_add_func ("/status/report-not-utf8", test_report_not_utf8);
  g_test_add_func ("/status/report-publish", test_report_publish);
  g_test_add_func ("/status/report-live", test_report_live);
  g_test_add_func ("/status/report-live-deep", test_report_live_deep);
  g_test_add_func ("/status/report-negative-times", test_report_negative_times);
  g_test_add_func ("/status/report-control-chars", test_report_control_chars);
  return g_test_run ();
}
