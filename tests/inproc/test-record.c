/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run --record on the test driver, then replay: with the recorded
 * configuration every recorded decision comes back; with another policy
 * the decisions differ and the summary says so.  A recording that cannot
 * be written is said once and stops; the daemon goes on. */
#include "bc-record-file.h"
#include "bc-replay-format.h"
#include "inproc-lib.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static gboolean
send_signal (gpointer data)
{
  raise (GPOINTER_TO_INT (data));
  return G_SOURCE_REMOVE;
}

/* Replays path; returns the summary, counts passes, recorded changes and
 * domain-passes decided otherwise than recorded. */
static char *
replay (const char *path, const BcReplayOptions *opts, guint *passes, guint *changes, guint *differ)
{
  g_autoptr (BcRecordReader) reader = bc_record_reader_open (path, NULL);
  g_autoptr (BcReplay) r = bc_replay_new (opts);
  g_autoptr (GError) error = NULL;
  GString *s = g_string_new (NULL);
  BcRecordPass rec;

  g_assert_nonnull (reader);
  *passes = *changes = *differ = 0;
  while (bc_record_reader_next (reader, &rec, &error))
    {
      g_autofree BcPassOutput *out = g_new0 (BcPassOutput, MAX (rec.n, 1));

      g_assert_true (bc_replay_pass (r, &rec, out, NULL));
      (*passes)++;
      for (gsize i = 0; i < rec.n; i++)
        {
          *changes += rec.domains[i].out.action != BC_ACTION_NONE;
          *differ += !bc_record_output_equal (&out[i], &rec.domains[i].out);
          bc_pass_output_clear (&out[i]);
        }
      bc_record_pass_clear (&rec);
    }
  g_assert_no_error (error);
  bc_replay_format_summary (r, s);
  g_test_message ("%s", s->str);
  return g_string_free (s, FALSE);
}

static void
test_record_replay (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autofree char *same = NULL;
  g_autofree char *other = NULL;
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path };
  BcReplayOptions ro = { 0 };
  BcConfig cfg;
  guint passes, changes, differ;

  inproc_config (&cfg);
  g_timeout_add (1500, send_signal, GINT_TO_POINTER (SIGTERM));
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  same = replay (path, &ro, &passes, &changes, &differ);
  /* 100 ms passes for 1.5 s, vm-a shrinking all along */
  g_assert_cmpuint (passes, >=, 8);
  g_assert_cmpuint (changes, >=, 5);
  g_assert_cmpuint (differ, ==, 0);
  g_assert_nonnull (strstr (same, "configuration as recorded: every recorded decision reproduced\n"));
  ro.have_policy = TRUE;
  ro.policy = BC_POLICY_COMMITTED;
  other = replay (path, &ro, &passes, &changes, &differ);
  g_assert_cmpuint (differ, >, 0);
  g_assert_nonnull (strstr (other, "policy committed (recorded: paper)"));
  g_assert_nonnull (strstr (other, "against the recording (another configuration or policy):\n  vm-a: "));
  g_unlink (path);
  g_rmdir (dir);
}

/* /dev/full takes the file's opening, and no line. */
static void
test_record_fails (void)
{
  static const char *const expected[] = { "vm-d: not managed: *", "vm-f: not managed: *",
                                          "recording to /dev/full stopped: *", NULL };
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = "/dev/full" };
  BcConfig cfg;

  if (!g_file_test ("/dev/full", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no /dev/full");
      virConnectClose (conn);
      return;
    }
  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  g_timeout_add (1000, send_signal, GINT_TO_POINTER (SIGTERM));
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  g_assert_cmpuint (inproc_count_messages ("recording to /dev/full stopped: No space left on device (said once; the daemon goes on)"), ==, 1);
  /* it went on: passes after the failure changed vm-a */
  g_assert_cmpuint (inproc_count_messages ("vm-a: * -> * KiB: shrink: *"), >=, 3);
}

/* A file that cannot be opened stops the daemon before it starts. */
static void
test_record_cannot_open (void)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = "/nonexistent/dir/recording.jsonl" };
  g_autoptr (GError) error = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  g_assert_null (bc_daemon_new (conn, &cfg, &opts, &error));
  g_assert_cmpstr (error->message, ==, "recording: /nonexistent/dir/recording.jsonl: No such file or directory");
  virConnectClose (conn);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/record/replay", test_record_replay);
  inproc_add_test ("/record/write-fails", test_record_fails);
  inproc_add_test ("/record/cannot-open", test_record_cannot_open);
  return g_test_run ();
}
