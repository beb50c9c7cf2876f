/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-gather-vmem.h"
#include "bc-log.h"

#define MIB 1024
#define READ_FAILURES_SAID 3

/* What the choice leaves unmanaged: why, or NULL. */
static const char *
choice_skip (BcMemoryDevice choice, gboolean drivable, gboolean has_balloon)
{
  if (choice == BC_MEMORY_DEVICE_VIRTIO_MEM && !drivable)
    return "memory-device virtio-mem, but no virtio-mem device it can drive";
  if (choice == BC_MEMORY_DEVICE_BALLOON && !has_balloon)
    return "memory-device balloon, but no balloon device";
  return NULL;
}

void
bc_gather_vmem_setup (BcDomain *dom, const BcDomainSetup *s, BcMemoryDevice config)
{
  BcDomainVmemState *v = &dom->vmem;
  BcMemoryDevice choice = bc_memory_device_choose (config, s->limits.memory_device);
  gboolean drivable = s->vmem.n_devices == 1 && s->vmem_error == NULL, was = v->driven;
  const char *skip = choice_skip (choice, drivable, s->balloon.has_balloon);

  v->driven = drivable && choice != BC_MEMORY_DEVICE_BALLOON && skip == NULL;
  if (skip && dom->setup.skip_reason == NULL)
    bc_domain_set_skip (dom, skip); /* said by the setup's log line */
  if (s->vmem_error && choice != BC_MEMORY_DEVICE_BALLOON)
    bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_NOT_MANAGED, dom->name, dom->uuid,
                  "%s: its virtio-mem device cannot be driven: %s", dom->name, s->vmem_error->message);
  if (was && !v->driven)
    g_message ("%s: sized by its balloon from now on", dom->name);
  if (!v->driven || was)
    return;
  v->node = s->vmem.node;
  v->dev = s->vmem.dev;
  v->read_at_ms = bc_daemon_now_ms ();
  v->follow = (BcVmemFollow) { 0 };
  v->dry_asked = FALSE;
  g_message ("%s: sized by virtio-mem: %" G_GUINT64_FORMAT " MiB of boot memory and a device of %" G_GUINT64_FORMAT " MiB on node %u in blocks of %" G_GUINT64_FORMAT " KiB, %" G_GUINT64_FORMAT " MiB plugged; its balloon is left deflated",
             dom->name, v->dev.fixed_kib / MIB, v->dev.size_kib / MIB, v->node, v->dev.block_kib, v->dev.plugged_kib / MIB);
  bc_gather_vmem_figures (dom);
}

void
bc_gather_vmem_figures (BcDomain *dom)
{
  if (!dom->vmem.driven)
    return;
  dom->figures.balloon.current_kib = bc_vmem_current_kib (&dom->vmem.dev);
  dom->figures.balloon.max_kib = bc_vmem_max_kib (&dom->vmem.dev);
}

typedef struct {
  BcDomainJob job;
  gint64 started_ms;
  BcDomainVmem vmem;
} ReadJob;

static void
read_work (gpointer data)
{
  ReadJob *j = data;

  bc_collect_vmem (j->job.vdom, &j->vmem, &j->job.error);
}

static void
read_failed (BcDomain *dom, const GError *error)
{
  BcDomainVmemState *v = &dom->vmem;

  if (++v->read_failures == READ_FAILURES_SAID)
    bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_COLLECT_FAILED, dom->name, dom->uuid,
                  "%s: its virtio-mem device could not be read %u times in a row (%s); its size is the last one read",
                  dom->name, v->read_failures, error->message);
  else
    g_debug ("%s: virtio-mem read: %s", dom->name, error->message);
}

/* A request the guest does not follow: said once, withdrawn by the next
 * pass (bc_vmem_request). */
static void
say_progress (const BcDomain *dom, const BcDomainVmemState *v)
{
  if (v->progress != BC_VMEM_STALLED)
    return;
  bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_HELD, dom->name, dom->uuid,
                "%s: the guest does not follow its virtio-mem request of %" G_GUINT64_FORMAT " KiB (plugged %" G_GUINT64_FORMAT " KiB, unmoved for %d s): withdrawn to what is plugged, no %s asked for %d s",
                dom->name, v->dev.requested_kib, v->dev.plugged_kib, BC_VMEM_STALL_MS / 1000,
                v->follow.held_shrink ? "unplug" : "plug", BC_VMEM_HOLD_MS / 1000);
}

static void
read_result (BcDomain *dom, ReadJob *j)
{
  BcDomainVmemState *v = &dom->vmem;
  guint64 asked = v->dev.requested_kib;

  if (j->vmem.n_devices != 1)
    {
      g_message ("%s: its virtio-mem device is gone; the balloon sizes it", dom->name);
      v->driven = FALSE;
      return;
    }
  v->read_failures = 0;
  v->dev = j->vmem.dev;
  if (j->started_ms < v->asked_at_ms)
    v->dev.requested_kib = asked; /* read before the last request */
  v->read_at_ms = bc_daemon_now_ms ();
  v->progress = bc_vmem_follow (&v->follow, &v->dev, v->read_at_ms);
  say_progress (dom, v);
  bc_gather_vmem_figures (dom);
}

static void
read_done (gpointer owner, gpointer data)
{
  ReadJob *j = data;
  BcDomain *dom = j->job.dom;

  (void) owner;
  dom->vmem.read_inflight = FALSE;
  if (dom->removed || !dom->vmem.driven)
    return;
  if (j->job.error)
    read_failed (dom, j->job.error);
  else
    read_result (dom, j);
}

void
bc_gather_vmem (BcDaemon *d, BcDomain *dom)
{
  ReadJob *j;

  if (!dom->vmem.driven || dom->vmem.read_inflight || !bc_domain_managed (dom))
    return;
  j = bc_domain_job_new (sizeof *j, dom, NULL);
  j->started_ms = bc_daemon_now_ms ();
  dom->vmem.read_inflight = TRUE;
  bc_jobs_run (d->jobs, BC_QUEUE_LIBVIRT, read_work, read_done, j, bc_domain_job_free);
}
