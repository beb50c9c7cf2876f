/* SPDX-License-Identifier: GPL-2.0-or-later */
/* run --record on the test driver, then replay: with the recorded
 * configuration every recorded decision comes back; with another policy
 * the decisions differ and the summary says so.  A recording that cannot
 * be written is said once and stops; the daemon goes on.  What is at the
 * path: a FIFO or a symbolic link refused, a file open to others made
 * 0600. */
#include "bc-record-file.h"
#include "bc-record-reader.h"
#include "bc-domain.h"
#include "bc-replay-format.h"
#include "inproc-lib.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
send_signal (gpointer data)
{
  raise (GPOINTER_TO_INT (data));
  return G_SOURCE_REMOVE;
}

static goffset
file_size (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_size;
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
  while (bc_record_reader_next (reader, &rec, &error) == BC_RECORD_READ_PASS)
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
  g_assert_nonnull (strstr (other, "policy committed (recorded: adaptive)"));
  g_assert_nonnull (strstr (other, "against the recording (another configuration or policy):\n  vm-a: "));
  g_unlink (path);
  g_rmdir (dir);
}

/* A host under [host] follow, as /proc shows it: its free memory falls
 * every tick, and its memory pressure rises for a while. */
typedef struct {
  char *dir;
  guint ticks;
} FakeHost;

static gboolean
fake_host_tick (gpointer data)
{
  FakeHost *h = data;
  guint64 avail_mib = h->ticks < 18 ? 3000 - 150 * h->ticks : 300;

  inproc_write_host_proc (h->dir, 8192 * MIB, avail_mib * MIB, h->ticks >= 10 && h->ticks < 16 ? "30.00" : "0.50");
  h->ticks++;
  return G_SOURCE_CONTINUE;
}

/* How many passes of the recording ran on another budget than the one
 * before. */
static guint
budget_moves (const char *path)
{
  g_autoptr (BcRecordReader) reader = bc_record_reader_open (path, NULL);
  BcRecordPass rec;
  guint64 last = 0;
  guint moves = 0;

  while (bc_record_reader_next (reader, &rec, NULL) == BC_RECORD_READ_PASS)
    {
      g_assert_true (rec.have_host);
      moves += last && rec.budget_kib != last;
      last = rec.budget_kib;
      bc_record_pass_clear (&rec);
    }
  return moves;
}

/* [host] follow and pressure-percent are redone: replayed with the
 * configuration it ran with, a recording of a budget that followed a
 * changing host gives every decision again; replayed with a fixed budget,
 * others. */
static void
test_record_follow (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autofree char *pdir = g_build_filename (dir, "pressure", NULL);
  g_autofree char *memory = g_build_filename (pdir, "memory", NULL);
  g_autofree char *meminfo = g_build_filename (dir, "meminfo", NULL);
  g_autofree char *same = NULL;
  FakeHost host = { dir, 0 };
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path };
  BcReplayOptions ro = { .have_config = TRUE };
  BcConfig cfg;
  guint passes, changes, differ, tick_id;

  inproc_config (&cfg);
  /* a margin that asks for more than the host has: the budget binds */
  cfg.margin.min_kib = cfg.margin.initial_kib = 4096 * MIB;
  fake_host_tick (&host);
  g_setenv ("BALLOONCTL_HOST_PROC", dir, TRUE);
  tick_id = g_timeout_add (100, fake_host_tick, &host);
  g_timeout_add (2500, send_signal, GINT_TO_POINTER (SIGTERM));
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_source_remove (tick_id);
  g_unsetenv ("BALLOONCTL_HOST_PROC");
  virConnectClose (conn);
  g_assert_cmpuint (budget_moves (path), >=, 5);
  ro.cfg = cfg;
  same = replay (path, &ro, &passes, &changes, &differ);
  g_assert_cmpuint (passes, >=, 15);
  g_assert_cmpuint (changes, >=, 5);
  g_assert_cmpuint (differ, ==, 0);
  g_assert_nonnull (strstr (same, "configuration as recorded: every recorded decision reproduced\n"));
  ro.cfg.follow = FALSE;
  g_free (replay (path, &ro, &passes, &changes, &differ));
  g_assert_cmpuint (differ, >, 0);
  ro.cfg = cfg;
  ro.cfg.pressure_percent = 0;
  g_free (replay (path, &ro, &passes, &changes, &differ));
  g_assert_cmpuint (differ, >, 0);
  g_unlink (path);
  g_unlink (memory);
  g_rmdir (pdir);
  g_unlink (meminfo);
  g_rmdir (dir);
}

/* A write that fails (here past RLIMIT_FSIZE, as on a full disk): said
 * once, the line begun taken back, the daemon goes on. */
static void
test_record_fails (void)
{
  static const char *const expected[] = { "vm-d: not managed: *", "vm-f: not managed: *",
                                          "recording to */recording.jsonl stopped: *", NULL };
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path };
  struct rlimit was, small;
  struct stat out, err;
  BcConfig cfg;

  /* the limit would cut the test's own output, written to a file */
  if ((fstat (1, &out) == 0 && S_ISREG (out.st_mode)) || (fstat (2, &err) == 0 && S_ISREG (err.st_mode)))
    {
      g_test_skip ("stdout or stderr is a regular file: RLIMIT_FSIZE would cut it");
      virConnectClose (conn);
      g_rmdir (dir);
      return;
    }
  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &was), ==, 0);
  small = was;
  small.rlim_cur = 100;
  signal (SIGXFSZ, SIG_IGN);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &small), ==, 0);
  g_timeout_add (1000, send_signal, GINT_TO_POINTER (SIGTERM));
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &was), ==, 0);
  virConnectClose (conn);
  g_assert_cmpuint (inproc_count_messages ("recording to */recording.jsonl stopped: File too large (said once; the daemon goes on*"), ==, 1);
  /* it went on: passes after the failure changed vm-a */
  g_assert_cmpuint (inproc_count_messages ("vm-a: * -> * KiB: shrink: *"), >=, 3);
  g_assert_cmpint (file_size (path), ==, 0);
  g_unlink (path);
  g_rmdir (dir);
}

/* A recording whose last line was cut (a crash, a full disk): the next
 * pass starts a line of its own instead of being glued to the cut one. */
static void
test_record_after_cut (void)
{
  static const char cut[] = "{\"format\":2,\"pass\":7,\"host_kib\":314";
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path, .once = TRUE };
  BcRecordPass rec;
  BcConfig cfg;

  g_assert_true (g_file_set_contents (path, cut, -1, NULL));
  inproc_config (&cfg);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  g_assert_cmpuint (inproc_count_messages ("recording: */recording.jsonl ended in a line cut short*"), ==, 1);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[0], ==, cut);
  g_assert_true (bc_record_from_json (lines[1], strlen (lines[1]), &rec, NULL));
  g_assert_cmpuint (rec.pass, ==, 1);
  bc_record_pass_clear (&rec);
  g_assert_cmpstr (lines[2], ==, "");
  g_unlink (path);
  g_rmdir (dir);
}

static guint
count_lines (const char *path)
{
  g_autofree char *text = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  g_assert_true (text[0] == '\0' || g_str_has_suffix (text, "\n"));
  return n;
}

/* inproc_config as a file: what a SIGHUP reloads. */
#define INPROC_CONF "[host]\nbudget-mib=16384\n[controller]\napply-interval-ms=100\nmargin-interval-ms=500\nagent=false\n"

/* logrotate's way: the file renamed, then SIGHUP. */
static gboolean
rotate (gpointer data)
{
  g_autofree char *aside = g_strconcat (data, ".1", NULL);

  g_assert_cmpint (g_rename (data, aside), ==, 0);
  raise (SIGHUP);
  return G_SOURCE_REMOVE;
}

/* SIGHUP opens the recording again: passes before it are in the file
 * rotated away, passes after it in a new file at the path; replayed one
 * after the other, they are the daemon's passes in order. */
static void
test_record_reopen (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  g_autofree char *aside = g_strconcat (path, ".1", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path };
  BcConfig cfg;

  g_assert_true (g_file_set_contents (conf, INPROC_CONF, -1, NULL));
  opts.config_path = conf;
  inproc_config (&cfg);
  g_timeout_add (700, rotate, path);
  g_timeout_add (1500, send_signal, GINT_TO_POINTER (SIGTERM));
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  g_assert_cmpuint (inproc_count_messages ("recording: */recording.jsonl opened again"), ==, 1);
  g_assert_cmpuint (count_lines (aside), >=, 3);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (count_lines (path), >=, 3);
  g_unlink (conf);
  g_unlink (aside);
  g_unlink (path);
  g_rmdir (dir);
}

/* --record-max-mib: the pass that would take the file past it stops the
 * recording (said once, whole lines only), the daemon goes on; SIGHUP
 * after rotating starts again. */
static void
test_record_cap (void)
{
  static const char *const expected[] = { "vm-d: not managed: *", "vm-f: not managed: *",
                                          "recording to */recording.jsonl stopped: *", NULL };
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autofree char *conf = g_build_filename (dir, "balloonctl.conf", NULL);
  g_autofree char *aside = g_strconcat (path, ".1", NULL);
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path, .record_max_bytes = 20000 };
  BcConfig cfg;

  inproc_expect_warnings (expected);
  g_assert_true (g_file_set_contents (conf, INPROC_CONF, -1, NULL));
  opts.config_path = conf;
  inproc_config (&cfg);
  g_timeout_add (900, rotate, path);
  g_timeout_add (1500, send_signal, GINT_TO_POINTER (SIGTERM));
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  g_assert_cmpuint (inproc_count_messages ("recording to */recording.jsonl stopped: it holds * bytes and the next pass "
                                           "(* bytes) would take it past --record-max-mib (0 MiB): rotate it*"), ==, 2);
  g_assert_cmpint (file_size (aside), <=, 20000);
  g_assert_cmpuint (count_lines (aside), ==, 2);
  g_assert_cmpuint (count_lines (path), ==, 2);
  g_assert_cmpuint (inproc_count_messages ("vm-a: * -> * KiB: shrink: *"), >=, 8);
  g_unlink (conf);
  g_unlink (aside);
  g_unlink (path);
  g_rmdir (dir);
}

/* A pass past the longest line (a host of about 3000 domains) ends the
 * recording loudly, naming the pass, the domains and the bound. */
static void
test_record_line_max (void)
{
  static const char *const expected[] = { "recording to */recording.jsonl stopped: *", NULL };
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  g_autoptr (BcRecorder) r = bc_recorder_open (path, 0, NULL);
  g_autoptr (GPtrArray) doms = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_domain_unref);
  g_autofree char *name = g_strnfill (BC_RECORD_LINE_MAX, 'n');
  BcPassInput in[2] = { 0 };
  BcPassOutput out[2] = { 0 };
  BcConfig cfg;
  BcPassParams p = { &cfg, { .host_kib = 4096 }, 1, FALSE };
  BcPassBudget budget = { .budget_kib = 1024 };

  inproc_expect_warnings (expected);
  bc_config_defaults (&cfg);
  g_ptr_array_add (doms, bc_domain_new (NULL, "00000000-0000-4000-8000-000000000001", "small"));
  g_ptr_array_add (doms, bc_domain_new (NULL, "00000000-0000-4000-8000-000000000002", name));
  bc_recorder_write (r, &p, &budget, doms, in, out);
  bc_recorder_write (r, &p, &budget, doms, in, out);
  g_assert_cmpuint (inproc_count_messages ("recording to */recording.jsonl stopped: pass 1 of 2 domains takes * bytes, "
                                           "over the 4194304 bytes (4 MiB, about 3000 domains) a line may hold*"), ==, 1);
  g_assert_cmpint (file_size (path), ==, 0);
  g_unlink (path);
  g_rmdir (dir);
}

/* What run --once --record path says when it refuses to start. */
static char *
refused (const char *path)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = "", .record_path = path, .once = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (BcDaemon) d = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  d = bc_daemon_new (conn, &cfg, &opts, &error);
  virConnectClose (conn);
  g_assert_null (d);
  g_assert_nonnull (error);
  return g_strdup (error->message);
}

/* A FIFO (it blocked the start for ever, the lock held) and a symbolic
 * link (followed) are refused; nothing written through them. */
static void
test_record_not_regular (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo", NULL);
  g_autofree char *link = g_build_filename (dir, "link.jsonl", NULL);
  g_autofree char *target = g_build_filename (dir, "target", NULL);
  g_autofree char *msg = NULL;
  g_autofree char *want = NULL;
  int reader;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  /* a reader, so that an open that waits for one would not */
  reader = open (fifo, O_RDONLY | O_NONBLOCK);
  g_assert_cmpint (reader, >=, 0);
  msg = refused (fifo);
  want = g_strdup_printf ("recording: %s: is a FIFO, not a regular file", fifo);
  g_assert_cmpstr (msg, ==, want);
  close (reader);
  g_assert_true (g_file_set_contents (target, "", 0, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_free (msg);
  msg = refused (link);
  g_assert_nonnull (strstr (msg, ": is a symbolic link; balloonctl does not follow one"));
  g_assert_cmpint (file_size (target), ==, 0);
  g_unlink (fifo);
  g_unlink (link);
  g_unlink (target);
  g_rmdir (dir);
}

static mode_t
mode_of (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
open_and_close (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (BcRecorder) r = bc_recorder_open (path, 0, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
}

/* A new recording is 0600; an existing one of ours open to others is
 * narrowed to 0600, and the log says so. */
static void
test_record_mode (void)
{
  g_autofree char *dir = g_dir_make_tmp ("bc-record-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "recording.jsonl", NULL);
  mode_t mask = umask (0);

  open_and_close (path);
  g_assert_cmpint (mode_of (path), ==, 0600);
  g_assert_cmpint (chmod (path, 0644), ==, 0);
  open_and_close (path);
  umask (mask);
  g_assert_cmpint (mode_of (path), ==, 0600);
  g_assert_cmpuint (inproc_count_messages ("recording: */recording.jsonl was mode 0644: now 0600"), ==, 1);
  g_unlink (path);
  g_rmdir (dir);
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
  inproc_add_test ("/record/follow", test_record_follow);
  inproc_add_test ("/record/write-fails", test_record_fails);
  inproc_add_test ("/record/cannot-open", test_record_cannot_open);
  inproc_add_test ("/record/not-regular", test_record_not_regular);
  inproc_add_test ("/record/mode", test_record_mode);
  inproc_add_test ("/record/after-cut", test_record_after_cut);
  inproc_add_test ("/record/reopen", test_record_reopen);
  inproc_add_test ("/record/cap", test_record_cap);
  inproc_add_test ("/record/line-max", test_record_line_max);
  return g_test_run ();
}
