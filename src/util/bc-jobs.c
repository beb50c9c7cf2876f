/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-jobs.h"

#include <libxml/parser.h>

/* libvirt RPCs at once: setup of many domains at start, setMemory of many
 * in one pass. */
#define LIBVIRT_THREADS 8
/* Agent reads at once.  One per domain at most, and each ends by the agent
 * timeout, so a hung guest holds a thread for that long; beyond this many
 * hung guests, the others' reads wait for a thread (their figures age, the
 * pass goes on) instead of the daemon growing a thread per guest. */
#define AGENT_THREADS 32

struct _BcJobs {
  GMainContext *context;
  gpointer owner;      /* NULL once closed; main thread only */
  void (*after_each) (gpointer owner);
  guint pending;       /* main thread only */
  GThreadPool *pools[2];
};

typedef struct {
  BcJobs *jobs;        /* a reference */
  BcJobWork work;
  BcJobDone done;
  gpointer data;
  GDestroyNotify free_data;
} Job;

static void
jobs_clear (BcJobs *jobs)
{
  g_main_context_unref (jobs->context);
}

static void
job_free (Job *job)
{
  if (job->free_data)
    job->free_data (job->data);
  g_atomic_rc_box_release_full (job->jobs, (GDestroyNotify) jobs_clear);
  g_free (job);
}

static gboolean
job_done (gpointer data)
{
  Job *job = data;
  BcJobs *jobs = job->jobs;

  if (jobs->owner)
    {
      jobs->pending--;
      job->done (jobs->owner, job->data);
    }
  if (jobs->owner && jobs->after_each)
    jobs->after_each (jobs->owner);
  return G_SOURCE_REMOVE;
}

static void
worker (gpointer data, gpointer unused)
{
  Job *job = data;
  GSource *source = g_idle_source_new ();

  job->work (job->data);
  /* Never g_main_context_invoke: it would run done here, on this thread,
   * whenever nobody holds the context. */
  g_source_set_callback (source, job_done, job, (GDestroyNotify) job_free);
  /* at the priority of the tick and of libvirt's events, above what
   * clients of the metrics endpoint bring: a stream of scrapes must not
   * hold the pass back (an idle source would wait for a quiet loop) */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_attach (source, job->jobs->context);
  g_source_unref (source);
}

/* What is not safe to start from several threads at once is started here,
 * on the main thread, before any worker runs:
 * - GLib's C locale for g_ascii_strtoull, made on first use: two threads
 *   parsing their first numbers at once (two domains' metadata) made
 *   g_ascii_string_to_unsigned refuse "100" as "not an unsigned number"
 *   (GLib 2.74; about 1 run in 30 of the CLI test, 90 of 500 with three
 *   threads in a plain program);
 * - libxml2, whose documentation asks for xmlInitParser on the main thread
 *   before the library is used from others. */
void
bc_jobs_prepare_threads (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      (void) g_ascii_strtoull ("0", NULL, 10);
      xmlInitParser ();
      g_once_init_leave (&done, 1);
    }
}

BcJobs *
bc_jobs_new (gpointer owner, void (*after_each) (gpointer owner))
{
  BcJobs *jobs = g_atomic_rc_box_new0 (BcJobs);

  bc_jobs_prepare_threads ();

  jobs->context = g_main_context_ref_thread_default ();
  jobs->owner = owner;
  jobs->after_each = after_each;
  jobs->pools[BC_QUEUE_AGENT] = g_thread_pool_new (worker, NULL, AGENT_THREADS, FALSE, NULL);
  jobs->pools[BC_QUEUE_LIBVIRT] = g_thread_pool_new (worker, NULL, LIBVIRT_THREADS, FALSE, NULL);
  return jobs;
}

void
bc_jobs_run (BcJobs *jobs, BcQueue queue, BcJobWork work, BcJobDone done,
             gpointer data, GDestroyNotify free_data)
{
  Job *job;

  if (jobs->owner == NULL)
    {
      /* closed: nobody would see the result */
      if (free_data)
        free_data (data);
      g_return_if_reached ();
    }
  job = g_new0 (Job, 1);
  job->jobs = g_atomic_rc_box_acquire (jobs);
  job->work = work;
  job->done = done;
  job->data = data;
  job->free_data = free_data;
  jobs->pending++;
  g_thread_pool_push (jobs->pools[queue], job, NULL);
}

guint
bc_jobs_pending (const BcJobs *jobs)
{
  return jobs->pending;
}

void
bc_jobs_close (BcJobs *jobs)
{
  if (jobs == NULL)
    return;
  jobs->owner = NULL;
  /* queued jobs still run and free themselves; nobody waits for them */
  for (guint i = 0; i < G_N_ELEMENTS (jobs->pools); i++)
    g_thread_pool_free (jobs->pools[i], FALSE, FALSE);
  g_atomic_rc_box_release_full (jobs, (GDestroyNotify) jobs_clear);
}
