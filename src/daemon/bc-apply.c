/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-log.h"
#include "bc-apply.h"
#include "bc-apply-vmem.h"
#include "bc-daemon-private.h"
#include "bc-error.h"
#include "bc-error-libvirt.h"

static const char *const job_names[] = {
  "unknown", "start", "save", "restore", "incoming migration", "migration",
  "snapshot", "snapshot revert", "dump", "backup", "snapshot delete",
};

/* The job running on the domain (migration, save, dump, snapshot...), or
 * NULL when none does or libvirt cannot say. */
const char *
bc_apply_running_job (virDomainPtr dom)
{
  virTypedParameterPtr params = NULL;
  int nparams = 0, type = VIR_DOMAIN_JOB_NONE, op = 0;

  if (virDomainGetJobStats (dom, &type, &params, &nparams, 0) < 0)
    return NULL;
  if (virTypedParamsGetInt (params, nparams, VIR_DOMAIN_JOB_OPERATION, &op) <= 0 ||
      op < 0 || op >= (int) G_N_ELEMENTS (job_names))
    op = 0;
  virTypedParamsFree (params, nparams);
  if (type != VIR_DOMAIN_JOB_BOUNDED && type != VIR_DOMAIN_JOB_UNBOUNDED)
    return NULL;
  return job_names[op];
}

gboolean
bc_apply_target (virDomainPtr dom, guint64 target_kib, GError **error)
{
  const char *job;

  if (target_kib == 0 || target_kib > G_MAXULONG)
    return bc_set_error (error, BC_ERROR_FAILED, "refusing target of %" G_GUINT64_FORMAT " KiB", target_kib);
  /* memory moved under a migration or a save is memory copied twice, or a
   * guest resumed elsewhere at a size meant for here */
  if ((job = bc_apply_running_job (dom)) != NULL)
    return bc_set_error (error, BC_ERROR_BUSY, "%s", job);
  if (virDomainSetMemoryFlags (dom, (unsigned long) target_kib, VIR_DOMAIN_AFFECT_LIVE) == 0)
    return TRUE;
  if (virDomainIsActive (dom) == 0)
    return bc_set_error (error, BC_ERROR_NOT_RUNNING, "the domain is no longer running");
  return bc_set_error_from_libvirt (error, "setting memory");
}

typedef struct {
  BcDomainJob job;
  guint64 old_kib;
  guint64 new_kib;
  char *reason;
  gboolean vmem;           /* a virtio-mem request of vmem_kib */
  guint64 vmem_kib;
} ApplyJob;

static void
apply_clear (gpointer data)
{
  g_free (((ApplyJob *) data)->reason);
}

static void
apply_work (gpointer data)
{
  ApplyJob *j = data;

  if (j->vmem)
    bc_apply_vmem_target (j->job.vdom, j->vmem_kib, &j->job.error);
  else
    bc_apply_target (j->job.vdom, j->new_kib, &j->job.error);
}

/* The log line of a change, with its figures as fields of their own, so
 * that under journald `journalctl DOMAIN=vm1` or `MESSAGE_ID=` finds it;
 * on a terminal, the line alone. */
static void
log_change (const BcDomain *dom, guint64 old_kib, guint64 new_kib, const char *reason)
{
  g_autofree char *message = g_strdup_printf ("%s: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB: %s",
                                              dom->name, old_kib, new_kib, reason);
  g_autofree char *old_s = g_strdup_printf ("%" G_GUINT64_FORMAT, old_kib);
  g_autofree char *new_s = g_strdup_printf ("%" G_GUINT64_FORMAT, new_kib);
  const GLogField fields[] = {
    { "MESSAGE", message, -1 },
    { "MESSAGE_ID", BC_MESSAGE_ID_CHANGE, -1 },
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "DOMAIN", dom->name, -1 },
    { "DOMAIN_UUID", dom->uuid, -1 },
    { "OLD_KIB", old_s, -1 },
    { "NEW_KIB", new_s, -1 },
    { "REASON", reason, -1 },
  };

  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, G_N_ELEMENTS (fields));
}

/* For /metrics: a domain that stopped meanwhile is neither. */
static void
count (BcCounters *c, const BcDomain *dom, const GError *error)
{
  if (error == NULL)
    c->applies++;
  else if (!dom->removed && !g_error_matches (error, BC_ERROR, BC_ERROR_NOT_RUNNING))
    c->apply_failures++;
}

/* A job on the domain: said when it starts being in the way and when it
 * has ended; each pass tries again meanwhile. */
static gboolean
busy (BcDomain *dom, const GError *error)
{
  BcDomainApplied *a = &dom->applied;

  if (g_error_matches (error, BC_ERROR, BC_ERROR_BUSY))
    {
      if (a->job == NULL && !dom->removed)
        bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_JOB, dom->name, dom->uuid, "%s: a %s job is running; its memory is left alone until it ends", dom->name, error->message);
      g_free (a->job);
      a->job = g_strdup (error->message);
      return TRUE;
    }
  if (a->job && !dom->removed)
    g_message ("%s: the %s job has ended", dom->name, a->job);
  g_clear_pointer (&a->job, g_free);
  return FALSE;
}

static void
apply_done (gpointer owner, gpointer data)
{
  ApplyJob *j = data;
  BcDomain *dom = j->job.dom;
  const GError *error = j->job.error;
  BcDomainApplied *a = &dom->applied;

  if (error)
    bc_carry_refused (&dom->carry);
  else
    bc_carry_confirm (&dom->carry, j->new_kib, g_get_monotonic_time () / 1000);
  if (busy (dom, error))
    return;
  if (error && (dom->removed || g_error_matches (error, BC_ERROR, BC_ERROR_NOT_RUNNING)))
    g_message ("%s: stopped before %" G_GUINT64_FORMAT " KiB could be set", dom->name, j->new_kib);
  else if (error)
    bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_APPLY_FAILED, dom->name, dom->uuid, "%s: setting %" G_GUINT64_FORMAT " KiB failed, retrying next tick: %s",
               dom->name, j->new_kib, error->message);
  count (&((BcDaemon *) owner)->counters, dom, error);
  if (error)
    return;
  if (j->vmem)
    bc_apply_vmem_done (dom, j->vmem_kib);
  log_change (dom, j->old_kib, j->new_kib, j->reason);
  /* never before the last one, whatever the wall clock did: the state
   * file's history is latest first */
  a->change_at_ms = MAX (g_get_real_time () / 1000, a->change_at_ms);
  a->change_old_kib = j->old_kib;
  a->change_new_kib = j->new_kib;
  g_free (a->change_reason);
  a->change_reason = g_strdup (j->reason);
}

char *
bc_apply_dry_run_line (const BcDomain *dom, const BcPassOutput *change, gint64 now_ms)
{
  if (dom->vmem.driven)
    return bc_apply_vmem_dry_run (dom, change, now_ms);
  return g_strdup_printf ("%s: dry run: would set %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB: %s",
                          dom->name, dom->figures.balloon.current_kib, change->new_kib, change->reason);
}

static void
dry_run (BcDomain *dom, const BcPassOutput *change)
{
  gint64 now_ms = bc_daemon_now_ms ();
  g_autofree char *line = bc_apply_dry_run_line (dom, change, now_ms);

  if (line == NULL)
    {
      g_debug ("%s: dry run: nothing to ask for %" G_GUINT64_FORMAT " KiB: its virtio-mem request of %" G_GUINT64_FORMAT
               " KiB stands or is held", dom->name, change->new_kib,
               dom->vmem.dry_asked ? dom->vmem.dry_requested_kib : dom->vmem.dev.requested_kib);
      return;
    }
  g_message ("%s", line);
  if (dom->vmem.driven)
    bc_apply_vmem_dry_run_said (dom, change, now_ms);
}

void
bc_apply_start (BcJobs *jobs, BcDomain *dom, const BcPassOutput *change)
{
  ApplyJob *j;
  guint64 vmem_kib = BC_VMEM_NO_REQUEST;

  if (change->action == BC_ACTION_DRY_RUN)
    return dry_run (dom, change);
  if (change->action == BC_ACTION_NONE && dom->applied.job && !dom->carry.apply_inflight)
    {
      g_message ("%s: nothing to change any more; no longer waiting for the %s job", dom->name, dom->applied.job);
      g_clear_pointer (&dom->applied.job, g_free);
    }
  if (change->action != BC_ACTION_SET)
    return;
  if (dom->vmem.driven && (vmem_kib = bc_apply_vmem_wanted (dom, change->new_kib, bc_daemon_now_ms ())) == BC_VMEM_NO_REQUEST)
    {
      /* the device's request stands, or is held: nothing to ask, no
       * change awaited */
      bc_carry_refused (&dom->carry);
      return;
    }
  j = bc_domain_job_new (sizeof *j, dom, apply_clear);
  j->old_kib = change->old_kib;
  j->new_kib = dom->vmem.driven ? bc_apply_vmem_domain_kib (dom, vmem_kib) : change->new_kib;
  j->vmem = dom->vmem.driven;
  j->vmem_kib = vmem_kib;
  j->reason = bc_apply_vmem_reason (dom, vmem_kib, change->new_kib, change->reason);
  bc_jobs_run (jobs, BC_QUEUE_LIBVIRT, apply_work, apply_done, j, bc_domain_job_free);
}
