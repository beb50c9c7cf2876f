/* SPDX-License-Identifier: GPL-2.0-or-later */
/* collect, the daemon's side: the jobs that read a domain's setup, its
 * guest's figures and every domain's statistics, and what their results
 * do to the domain table.  The blocking bodies are in bc-collect.c. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-log.h"
#include "bc-daemon-private.h"
#include "bc-gather-vmem.h"
#include "bc-quote.h"

#define AGENT_BACKOFF_MS 30000
#define AGENT_ERROR_MAX 200 /* characters of an agent's error kept */
#define SETUP_RETRY_MS_DEFAULT 30000

/* ---- setup: XML facts, metadata, statistics period ------------------- */

typedef struct {
  BcDomainJob job;
  gint stats_period_s;
  gint64 retry_ms;
  BcMemoryDevice memory_device; /* [domain] memory-device */
  BcDomainSetup setup;
} SetupJob;

static void
setup_clear (gpointer data)
{
  bc_domain_setup_clear (&((SetupJob *) data)->setup);
}

static void
setup_work (gpointer data)
{
  SetupJob *j = data;

  bc_collect_setup (j->job.vdom, j->stats_period_s, &j->setup, &j->job.error);
}

static const char *
skip_reason (const BcDomainSetup *s)
{
  if (s->limits_error)
    return s->limits_error->message;
  if (!s->balloon.has_balloon && !(s->vmem.n_devices == 1 && s->vmem_error == NULL))
    return "no balloon device";
  if (!s->limits.enabled)
    return "disabled in metadata";
  return NULL;
}

static void
log_setup (const BcDomain *dom, const BcDomainSetup *s)
{
  if (dom->setup.skip_reason && !s->limits_error && s->balloon.has_balloon)
    g_message ("%s: not managed: %s", dom->name, dom->setup.skip_reason);
  else if (dom->setup.skip_reason)
    bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_NOT_MANAGED, dom->name, dom->uuid, "%s: not managed: %s", dom->name, dom->setup.skip_reason);
  else
    g_message ("%s: managed (min %" G_GUINT64_FORMAT " MiB, max %" G_GUINT64_FORMAT " MiB from metadata, 0 = default)%s%s",
               dom->name, s->limits.min_kib / 1024, s->limits.max_kib / 1024,
               s->stats_enabled_now ? ", balloon statistics enabled" : "",
               s->balloon.autodeflate ? ", deflate-on-oom"
                                      : "; no deflate-on-oom: an allocation faster than a pass beyond its margin meets the OOM killer");
}

/* A libvirt error (daemon restarting, domain busy) is transient: retried
 * later, and a domain set up before keeps the settings it had. */
static void
setup_failed (BcDomain *dom, const SetupJob *j)
{
  gint64 retry_s = (j->retry_ms + 999) / 1000;

  dom->setup.retry_at_ms = bc_daemon_now_ms () + j->retry_ms;
  if (dom->setup.good)
    {
      bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_NOT_MANAGED, dom->name, dom->uuid, "%s: reading its settings again failed (%s); keeping the previous ones, retrying in %" G_GINT64_FORMAT " s",
                 dom->name, j->job.error->message, retry_s);
      return;
    }
  dom->setup.done = TRUE;
  dom->setup.skip_error = TRUE;
  bc_domain_set_skip (dom, j->job.error->message);
  bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_NOT_MANAGED, dom->name, dom->uuid, "%s: not managed: %s; retrying in %" G_GINT64_FORMAT " s", dom->name, j->job.error->message, retry_s);
}

static void
setup_result (BcDomain *dom, const SetupJob *j)
{
  if (j->job.error)
    {
      setup_failed (dom, j);
      return;
    }
  dom->setup.done = dom->setup.good = TRUE;
  dom->setup.retry_at_ms = 0;
  bc_domain_set_skip (dom, skip_reason (&j->setup));
  dom->setup.skip_error = j->setup.limits_error != NULL;
  dom->setup.autodeflate = j->setup.balloon.autodeflate;
  if (j->setup.limits_error == NULL)
    dom->setup.limits = j->setup.limits;
  bc_gather_vmem_setup (dom, &j->setup, j->memory_device);
  log_setup (dom, &j->setup);
}

static void
setup_done (gpointer owner, gpointer data)
{
  BcDaemon *d = owner;
  SetupJob *j = data;
  BcDomain *dom = j->job.dom;

  dom->setup.inflight = FALSE;
  if (dom->removed || d->phase == BC_PHASE_STOPPING)
    return;
  if (j->job.error == NULL && j->setup.limits_error == NULL)
    bc_metadata_check_floor (&j->setup.limits, d->cfg.domain_min_kib, &j->setup.limits_error);
  setup_result (dom, j);
  if (dom->setup.again)
    {
      dom->setup.again = FALSE;
      bc_gather_setup (d, dom);
    }
}

void
bc_gather_setup (BcDaemon *d, BcDomain *dom)
{
  SetupJob *j;

  if (dom->setup.inflight)
    {
      dom->setup.again = TRUE;
      return;
    }
  j = bc_domain_job_new (sizeof *j, dom, setup_clear);
  j->stats_period_s = (gint) MAX (1, d->cfg.apply_interval_ms / 1000);
  j->retry_ms = d->opts.setup_retry_ms > 0 ? d->opts.setup_retry_ms : SETUP_RETRY_MS_DEFAULT;
  j->memory_device = d->cfg.domain_memory_device;
  dom->setup.inflight = TRUE;
  bc_jobs_run (d->jobs, BC_QUEUE_LIBVIRT, setup_work, setup_done, j, bc_domain_job_free);
}

/* ---- agent: the guest's meminfo and vmstat ---------------------------- */

typedef struct {
  BcDomainJob job;
  gint64 timeout_ms;
  gboolean ok;
  BcGuestFigures guest;
} AgentJob;

static void
agent_work (gpointer data)
{
  AgentJob *j = data;

  j->ok = bc_collect_guest (j->job.vdom, j->timeout_ms, bc_daemon_now_ms (), &j->guest, &j->job.error);
}

static void
agent_result (BcDomainFigures *f, const char *name, const AgentJob *j)
{
  if (j->ok)
    {
      if (f->agent_failures >= BC_AGENT_FAILURES_BEFORE_BACKOFF)
        g_message ("%s: guest agent answers again", name);
      f->guest = j->guest;
      f->agent_seen = TRUE;
      f->agent_failures = 0;
      g_clear_pointer (&f->agent_error, g_free);
      return;
    }
  f->agent_failures++;
  g_free (f->agent_error);
  /* a guest's words, raw but bounded: escaped where they are written */
  f->agent_error = bc_cut (j->job.error->message, AGENT_ERROR_MAX);
  if (f->agent_failures == BC_AGENT_FAILURES_BEFORE_BACKOFF)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_AGENT_UNUSABLE, name, NULL, "%s: guest agent unusable (%s); using balloon figures, retrying every %d s",
               name, f->agent_error, AGENT_BACKOFF_MS / 1000);
  if (f->agent_failures >= BC_AGENT_FAILURES_BEFORE_BACKOFF)
    f->agent_retry_at_ms = bc_daemon_now_ms () + AGENT_BACKOFF_MS;
}

static void
agent_done (gpointer owner, gpointer data)
{
  AgentJob *j = data;
  BcDomain *dom = j->job.dom;

  dom->figures.agent_inflight = FALSE;
  ((BcDaemon *) owner)->counters.agent_failures += !j->ok;
  if (!dom->removed)
    agent_result (&dom->figures, dom->name, j);
}

static void
start_agent (BcDaemon *d, BcDomain *dom, gint64 now_ms)
{
  AgentJob *j;

  if (!d->cfg.agent || dom->figures.agent_inflight || !bc_domain_managed (dom) ||
      now_ms < dom->figures.agent_retry_at_ms)
    return;
  j = bc_domain_job_new (sizeof *j, dom, NULL);
  j->timeout_ms = d->cfg.agent_timeout_ms;
  dom->figures.agent_inflight = TRUE;
  bc_jobs_run (d->jobs, BC_QUEUE_AGENT, agent_work, agent_done, j, bc_domain_job_free);
}

void
bc_gather_guests (BcDaemon *d, gint64 now_ms)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      BcDomain *dom = v;

      if (dom->setup.retry_at_ms && now_ms >= dom->setup.retry_at_ms && !dom->setup.inflight)
        {
          dom->setup.retry_at_ms = 0;
          bc_gather_setup (d, dom);
        }
      start_agent (d, dom, now_ms);
      bc_gather_vmem (d, dom);
    }
}

/* ---- the domain table ------------------------------------------------- */

static gint
by_name (gconstpointer a, gconstpointer b)
{
  const BcDomain *x = *(BcDomain *const *) a, *y = *(BcDomain *const *) b;
  gint c = g_strcmp0 (x->name, y->name);

  return c ? c : g_strcmp0 (x->uuid, y->uuid);
}

GPtrArray *
bc_gather_sorted (BcDaemon *d)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) bc_domain_unref);
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    g_ptr_array_add (a, bc_domain_ref (v));
  g_ptr_array_sort (a, by_name);
  return a;
}

static BcDomain *
add_domain (BcDaemon *d, const BcBulkRecord *r)
{
  BcDomain *dom = bc_domain_new (r->dom, r->uuid, r->name);

  dom->run_id = r->id;
  bc_carry_init (&dom->carry, &d->cfg.margin);
  g_hash_table_insert (d->domains, dom->uuid, dom);
  g_message ("%s: now followed", dom->name);
  bc_gather_setup (d, dom);
  return dom;
}

static void
drop (BcDomain *dom, const char *why)
{
  g_message ("%s: %s, dropped", dom->name, why);
  dom->removed = TRUE;
}

/* Drops every domain the read of number `read` did not list. */
static void
drop_missing (BcDaemon *d, guint64 read)
{
  GHashTableIter it;
  gpointer v;

  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (((BcDomain *) v)->listed_in != read)
      {
        drop (v, "no longer running");
        g_hash_table_iter_remove (&it);
      }
}

/* The record a listed domain updates: none when it stopped after the read
 * began (the listing is older than the stop), a new one when it is a new
 * run of the domain (its settings, margin and last target are the old
 * run's). */
static BcDomain *
record_for (BcDaemon *d, const BcBulkRecord *r, guint64 read_at)
{
  BcDomain *dom = g_hash_table_lookup (d->domains, r->uuid);
  gboolean rebooted = dom && dom->rebooted && dom->run_id == r->id;

  if (dom && dom->stopped_at > read_at)
    return NULL;
  if (dom && (dom->run_id != r->id || dom->rebooted))
    {
      drop (dom, rebooted ? "rebooted, what was known of it" : "started again");
      g_hash_table_remove (d->domains, r->uuid);
      dom = NULL;
    }
  if (dom == NULL && d->phase != BC_PHASE_ONCE_FIGURES)
    dom = add_domain (d, r);
  if (dom && rebooted)
    dom->reboot_at_ms = bc_daemon_now_ms ();
  return dom;
}

/* QEMU stamps the balloon statistics with the host's clock: their age now,
 * on the monotonic clock the pass uses (0 = no stamp). */
static gint64
balloon_updated_ms (const BcBalloonFigures *b)
{
  gint64 age_ms;

  if (b->last_update_s <= 0)
    return 0;
  age_ms = MAX (0, g_get_real_time () / 1000 - b->last_update_s * 1000);
  return MAX (1, bc_daemon_now_ms () - age_ms);
}

/* The table becomes what the statistics list, as of the events seen when
 * the read began (read_at).  Under --once, a domain that appears once the
 * pass's figures are being read waits for the next run. */
static void
reconcile (BcDaemon *d, GPtrArray *records, guint64 read_at, virConnectPtr conn)
{
  guint64 read = ++d->reads;

  for (guint i = 0; i < records->len; i++)
    {
      const BcBulkRecord *r = g_ptr_array_index (records, i);
      BcDomain *dom = record_for (d, r, read_at);

      if (dom == NULL)
        continue;
      dom->listed_in = read;
      bc_domain_set_vdom (dom, r->dom, conn);
      dom->figures.libvirt_state = r->state;
      dom->figures.balloon = r->balloon;
      dom->figures.balloon_updated_ms = balloon_updated_ms (&r->balloon);
      dom->figures.have_balloon = TRUE;
      bc_gather_vmem_figures (dom);
    }
  drop_missing (d, read);
}

/* ---- bulk statistics: every domain's balloon and state ---------------- */

/* Connected again: every domain's settings, through the new connection's
 * domains the read just gave. */
static void
setup_all (BcDaemon *d)
{
  GHashTableIter it;
  gpointer v;

  d->setup_again = FALSE;
  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    bc_gather_setup (d, v);
}

typedef struct {
  virConnectPtr conn;  /* a reference: the job may outlive the daemon */
  guint64 events;      /* lifecycle events seen when it started */
  GPtrArray *records;
  GError *error;
} BulkJob;

static void
bulk_job_free (gpointer data)
{
  BulkJob *j = data;

  g_clear_pointer (&j->records, g_ptr_array_unref);
  g_clear_error (&j->error);
  virConnectClose (j->conn);
  g_free (j);
}

static void
bulk_work (gpointer data)
{
  BulkJob *j = data;

  j->records = bc_collect_bulk (j->conn, &j->error);
}

static void
bulk_failed (BcDaemon *d, const GError *error)
{
  d->counters.collect_failures++;
  if (d->phase == BC_PHASE_RUN)
    {
      /* a read the lost connection broke: said once, by the loss */
      if (d->connected)
        bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_COLLECT_FAILED, NULL, NULL, "collect: %s", error->message);
      return;
    }
  /* --once has no next tick to retry on: fail the run */
  if (d->fatal == NULL)
    d->fatal = g_error_copy (error);
  bc_daemon_stop (d);
}

static void
bulk_done (gpointer owner, gpointer data)
{
  BcDaemon *d = owner;
  BulkJob *j = data;

  d->bulk_inflight = FALSE;
  if (d->phase == BC_PHASE_STOPPING)
    return;
  if (j->records == NULL)
    {
      bulk_failed (d, j->error);
      return;
    }
  reconcile (d, j->records, j->events, j->conn);
  if (d->setup_again)
    setup_all (d);
  if (!d->listed)
    g_message ("%u running domains", j->records->len);
  d->listed = TRUE;
  bc_daemon_collected (d);
  /* a domain that started while this read ran may not be in it */
  if (d->bulk_again && d->phase != BC_PHASE_STOPPING)
    {
      d->bulk_again = FALSE;
      bc_gather_bulk (d);
    }
}

void
bc_gather_bulk (BcDaemon *d)
{
  BulkJob *j;

  if (!d->connected)
    return; /* the new connection's first read comes when it is made */
  if (d->bulk_inflight)
    {
      d->bulk_again = TRUE;
      return;
    }
  j = g_new0 (BulkJob, 1);
  virConnectRef (d->conn);
  j->conn = d->conn;
  j->events = d->events;
  d->bulk_inflight = TRUE;
  bc_jobs_run (d->jobs, BC_QUEUE_LIBVIRT, bulk_work, bulk_done, j, bulk_job_free);
}
