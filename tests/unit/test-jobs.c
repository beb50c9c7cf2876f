/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The job helper: results come back on the main context, and hung work
 * holds a bounded number of threads. */
#include "bc-jobs.h"

#include <glib/gstdio.h>

static GMutex lock;
static GCond cond;
static gboolean released;
static guint started;

static void
hang (gpointer data)
{
  g_mutex_lock (&lock);
  started++;
  g_cond_broadcast (&cond);
  while (!released)
    g_cond_wait (&cond, &lock);
  g_mutex_unlock (&lock);
}

static void
count_done (gpointer owner, gpointer data)
{
  (*(guint *) owner)++;
}

static guint
threads_now (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

/* 200 guests whose agents hang: the daemon does not grow 200 threads, and
 * every read still completes once they answer. */
static void
test_hung_agents_bounded (void)
{
  guint done = 0, before = threads_now ();
  BcJobs *jobs = bc_jobs_new (&done, NULL);

  for (guint i = 0; i < 200; i++)
    bc_jobs_run (jobs, BC_QUEUE_AGENT, hang, count_done, NULL, NULL);
  g_mutex_lock (&lock);
  while (started < 32)
    g_cond_wait (&cond, &lock);
  g_mutex_unlock (&lock);
  g_usleep (100 * 1000); /* room for a pool that would start more */
  g_assert_cmpuint (threads_now () - before, <=, 32);
  g_assert_cmpuint (started, ==, 32);
  g_mutex_lock (&lock);
  released = TRUE;
  g_cond_broadcast (&cond);
  g_mutex_unlock (&lock);
  while (done < 200)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (bc_jobs_pending (jobs), ==, 0);
  bc_jobs_close (jobs);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/jobs/hung-agents-bounded", test_hung_agents_bounded);
  return g_test_run ();
}
