/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What `run` finds at its state file's path and at the lock beside it: a
 * FIFO, a symbolic link, a file of someone else's are refused before
 * anything is written, and left as they were; an empty file or an old
 * state file is taken; at exit only the file this daemon wrote is
 * removed, not one put in its place. */
#include "bc-lock.h"
#include "inproc-lib.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOT_OURS "[host]\nbudget-mib = 8192\n"
#define OLD_STATE "{\"pid\": 1, \"updated_ms\": 1, \"apply_interval_ms\": 1000, \"domains\": []}"

typedef struct {
  char *dir;
  char *state;
  char *lock;
} Paths;

static void
paths_init (Paths *p)
{
  p->dir = g_dir_make_tmp ("bc-files-XXXXXX", NULL);
  p->state = g_build_filename (p->dir, "state.json", NULL);
  p->lock = g_strconcat (p->state, ".lock", NULL);
}

static void
paths_clear (Paths *p)
{
  g_autoptr (GDir) d = g_dir_open (p->dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (p->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (p->dir);
  g_free (p->dir);
  g_free (p->state);
  g_free (p->lock);
}

static gboolean
exists (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0;
}

static gboolean
is_fifo (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0 && S_ISFIFO (st.st_mode);
}

static char *
contents (const char *path)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

/* `run --once --dry-run` with this state file must not start; its message. */
static char *
refused (const char *state)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = state, .once = TRUE, .dry_run = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (BcDaemon) d = NULL;
  BcConfig cfg;

  inproc_config (&cfg);
  d = bc_daemon_new (conn, &cfg, &opts, &error);
  if (d != NULL)
    bc_daemon_run (d, NULL); /* what it would have done */
  g_assert_null (d);
  g_assert_nonnull (error);
  virConnectClose (conn);
  return g_strdup (error->message);
}

/* The same, which starts and runs one pass. */
static void
run_once (const char *state)
{
  virConnectPtr conn = inproc_open_node ();
  BcDaemonOptions opts = { .state_path = state, .once = TRUE, .dry_run = TRUE };
  BcConfig cfg;

  inproc_config (&cfg);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
}

static void
test_state_fifo (void)
{
  Paths p;
  g_autofree char *msg = NULL;
  g_autofree char *want = NULL;

  paths_init (&p);
  g_assert_cmpint (mkfifo (p.state, 0600), ==, 0);
  msg = refused (p.state);
  want = g_strdup_printf ("state file %s: is a FIFO, not a regular file: left alone", p.state);
  g_assert_cmpstr (msg, ==, want);
  g_assert_true (is_fifo (p.state));
  g_assert_false (exists (p.lock));
  paths_clear (&p);
}

/* A link to a real state file: still not followed, nor replaced. */
static void
test_state_symlink (void)
{
  Paths p;
  g_autofree char *target = NULL;
  g_autofree char *msg = NULL;
  g_autofree char *text = NULL;

  paths_init (&p);
  target = g_build_filename (p.dir, "elsewhere.json", NULL);
  g_assert_true (g_file_set_contents (target, OLD_STATE, -1, NULL));
  g_assert_cmpint (symlink (target, p.state), ==, 0);
  msg = refused (p.state);
  g_assert_nonnull (strstr (msg, "is a symbolic link; balloonctl does not follow one there"));
  g_assert_true (g_file_test (p.state, G_FILE_TEST_IS_SYMLINK));
  text = contents (target);
  g_assert_cmpstr (text, ==, OLD_STATE);
  g_assert_false (exists (p.lock));
  paths_clear (&p);
}

/* A mistyped --state-file naming the configuration. */
static void
test_state_not_ours (void)
{
  Paths p;
  g_autofree char *msg = NULL;
  g_autofree char *text = NULL;

  paths_init (&p);
  g_assert_true (g_file_set_contents (p.state, NOT_OURS, -1, NULL));
  msg = refused (p.state);
  g_assert_nonnull (strstr (msg, "is not a balloonctl state file (a mistyped --state-file?): left alone"));
  text = contents (p.state);
  g_assert_cmpstr (text, ==, NOT_OURS);
  g_assert_false (exists (p.lock));
  paths_clear (&p);
}

/* An empty file is not ours (each write renames a whole file into place,
 * so not even a crash leaves one; another program's lock might be), nor is
 * a long name whose temporary file would not fit. */
static void
test_state_empty_or_long (void)
{
  Paths p;
  g_autofree char *msg = NULL, *long_msg = NULL, *long_path = NULL, *name = g_strnfill (250, 'a');

  paths_init (&p);
  g_assert_true (g_file_set_contents (p.state, "", -1, NULL));
  msg = refused (p.state);
  g_assert_nonnull (strstr (msg, "is not a balloonctl state file (a mistyped --state-file?): left alone"));
  g_assert_true (exists (p.state));
  long_path = g_build_filename (p.dir, name, NULL);
  long_msg = refused (long_path);
  g_assert_nonnull (strstr (long_msg, "name too long for the temporary file each write goes through"));
  g_assert_false (exists (p.lock));
  paths_clear (&p);
}

/* An old daemon's file is taken, written over and removed at exit. */
static void
test_state_taken (void)
{
  const char *const before[] = { OLD_STATE };

  for (guint i = 0; i < G_N_ELEMENTS (before); i++)
    {
      Paths p;

      paths_init (&p);
      g_assert_true (g_file_set_contents (p.state, before[i], -1, NULL));
      run_once (p.state);
      g_assert_false (exists (p.state));
      paths_clear (&p);
    }
}

static gboolean
written (gpointer path)
{
  return exists (path);
}

/* Another file in its place; the daemon stops once a write has been
 * refused (at most one write a second). */
static gboolean
replace_state (gpointer data)
{
  g_autofree char *aside = g_strconcat (data, ".new", NULL);

  g_assert_true (g_file_set_contents (aside, OLD_STATE, -1, NULL));
  g_assert_cmpint (g_rename (aside, data), ==, 0);
  inproc_stop_when ("a write refused", 0, inproc_logged, "state file: *is now a regular file*");
  return G_SOURCE_REMOVE;
}

/* Another file put in its place while the daemon runs is neither written
 * over (said once) nor removed at exit. */
static void
test_state_replaced (void)
{
  const char *expected[] = { "vm-d: not managed: *", "vm-f: not managed: no balloon device", "state file: *", NULL };
  virConnectPtr conn = inproc_open_node ();
  Paths p;
  BcDaemonOptions opts = { 0 };
  g_autofree char *text = NULL;
  BcConfig cfg;

  paths_init (&p);
  opts.state_path = p.state;
  inproc_expect_warnings (expected);
  inproc_config (&cfg);
  inproc_when ("the state file written", 0, written, replace_state, p.state);
  g_assert_cmpint (inproc_run (conn, &cfg, &opts, NULL), ==, 0);
  virConnectClose (conn);
  g_assert_cmpuint (inproc_count_messages ("state file: state file */state.json: is now a regular file balloonctl did not write: left alone, not written (said once*"), ==, 1);
  text = contents (p.state);
  g_assert_cmpstr (text, ==, OLD_STATE);
  paths_clear (&p);
}

static void
test_lock_not_ours (void)
{
  Paths p;
  g_autofree char *msg = NULL;
  g_autofree char *text = NULL;
  g_autofree char *want = NULL;

  paths_init (&p);
  g_assert_true (g_file_set_contents (p.lock, "important\n", -1, NULL));
  msg = refused (p.state);
  want = g_strdup_printf ("lock file %s: is not a balloonctl lock file (it holds a process id, nothing else): left alone", p.lock);
  g_assert_cmpstr (msg, ==, want);
  text = contents (p.lock);
  g_assert_cmpstr (text, ==, "important\n");
  g_assert_false (exists (p.state));
  paths_clear (&p);
}

static void
test_lock_special (void)
{
  Paths p;
  g_autofree char *msg = NULL;
  g_autofree char *target = NULL;
  g_autofree char *text = NULL;

  paths_init (&p);
  g_assert_cmpint (mkfifo (p.lock, 0600), ==, 0);
  g_clear_pointer (&msg, g_free);
  msg = refused (p.state);
  g_assert_nonnull (strstr (msg, ".lock: is a FIFO, not a regular file: left alone"));
  g_assert_true (is_fifo (p.lock));
  g_unlink (p.lock);
  target = g_build_filename (p.dir, "pid", NULL);
  g_assert_true (g_file_set_contents (target, "1\n", -1, NULL));
  g_assert_cmpint (symlink (target, p.lock), ==, 0);
  g_clear_pointer (&msg, g_free);
  msg = refused (p.state);
  g_assert_nonnull (strstr (msg, ".lock: is a symbolic link; balloonctl does not follow one there"));
  text = contents (target);
  g_assert_cmpstr (text, ==, "1\n");
  paths_clear (&p);
}

int
main (int argc, char **argv)
{
  inproc_init (&argc, &argv);
  inproc_add_test ("/files/state/fifo", test_state_fifo);
  inproc_add_test ("/files/state/symlink", test_state_symlink);
  inproc_add_test ("/files/state/not-ours", test_state_not_ours);
  inproc_add_test ("/files/state/taken", test_state_taken);
  inproc_add_test ("/files/state/empty-or-long", test_state_empty_or_long);
  inproc_add_test ("/files/state/replaced", test_state_replaced);
  inproc_add_test ("/files/lock/not-ours", test_lock_not_ours);
  inproc_add_test ("/files/lock/special", test_lock_special);
  return g_test_run ();
}
