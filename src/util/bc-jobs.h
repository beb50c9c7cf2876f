/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's one way to run blocking work: a job's body runs on a worker
 * thread, and its result comes back to the main context, always through
 * the context's queue, to a callback that runs only while the owner is
 * still there.  Closing the owner's side never waits for a worker: a job
 * still running then finishes on its own and its result is freed unseen. */
#pragma once

#include <glib.h>

/* Two queues, so that the calls that change memory never wait behind the
 * ones a guest controls. */
typedef enum {
  BC_QUEUE_AGENT,   /* guest agent reads: a hung or hostile guest makes each
                       last up to its bound (4 x agent-timeout per file) */
  BC_QUEUE_LIBVIRT, /* libvirt RPC: setup, statistics, setMemory */
} BcQueue;

typedef struct _BcJobs BcJobs;

typedef void (*BcJobWork) (gpointer data);                 /* worker thread */
typedef void (*BcJobDone) (gpointer owner, gpointer data); /* main context */

/* after_each (may be NULL) runs on the main context after every done. */
BcJobs *bc_jobs_new (gpointer owner, void (*after_each) (gpointer owner));
/* Starts, on the calling (main) thread, what is unsafe to start from
 * several threads at once; every thread pool or task thread is made after
 * it.  bc_jobs_new calls it. */
void bc_jobs_prepare_threads (void);
void bc_jobs_run (BcJobs *jobs, BcQueue queue, BcJobWork work, BcJobDone done,
                  gpointer data, GDestroyNotify free_data);
/* Jobs started whose done has not run yet. */
guint bc_jobs_pending (const BcJobs *jobs);
/* The owner is gone: no done runs from now on.  Returns at once. */
void bc_jobs_close (BcJobs *jobs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BcJobs, bc_jobs_close)
