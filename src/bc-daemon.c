/* SPDX-License-Identifier: GPL-2.0-or-later */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-daemon.h"
#include "bc-apply.h"
#include "bc-arbitrate.h"
#include "bc-collect.h"
#include "bc-domain.h"
#include "bc-error.h"
#include "bc-explain.h"
#include "bc-report.h"

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <unistd.h>

#define SHUTDOWN_GRACE_MS 15000
#define AGENT_BACKOFF_MS 30000
#define AGENT_FAILURES_BEFORE_BACKOFF 3
#define SETUP_RETRY_MS_DEFAULT 30000
/* How long a target just set stands for the domain's current memory. */
#define SETTLE_MS 10000

typedef struct {
  virConnectPtr conn;
  BcConfig cfg;
  BcDaemonOptions opts;
  GMainLoop *loop;
  GHashTable *domains;       /* uuid -> BcDomain */
  GThreadPool *agent_pool;
  guint jobs;                /* worker jobs whose result is still to come */
  guint tick_id;
  gboolean bulk_inflight;
  gboolean quitting;
  gboolean once_pass_started;
  gboolean once_pass_decided;
  guint64 host_kib;          /* host memory, read at start */
  guint64 budget_kib;
  int lifecycle_cb;
  int metadata_cb;
  GError *fatal;
} BcDaemon;

static void start_setup (BcDaemon *d, BcDomain *dom);
static void maybe_finish (BcDaemon *d);
static void quit (BcDaemon *d);

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* ---- domain table ---------------------------------------------------- */

static BcDomain *
add_domain (BcDaemon *d, virDomainPtr vdom)
{
  char uuid[VIR_UUID_STRING_BUFLEN];
  BcDomain *dom;

  if (virDomainGetUUIDString (vdom, uuid) < 0)
    return NULL;
  dom = g_hash_table_lookup (d->domains, uuid);
  if (dom)
    return dom;
  dom = bc_domain_new (vdom, uuid, virDomainGetName (vdom));
  bc_margin_init (&dom->margin, &d->cfg.margin);
  g_hash_table_insert (d->domains, dom->uuid, dom);
  g_message ("%s: now followed", dom->name);
  start_setup (d, dom);
  return dom;
}

static void
remove_domain (BcDaemon *d, const char *uuid)
{
  BcDomain *dom = g_hash_table_lookup (d->domains, uuid);

  if (dom == NULL)
    return;
  g_message ("%s: no longer running, dropped", dom->name);
  dom->removed = TRUE;
  g_hash_table_remove (d->domains, uuid);
}

/* ---- worker jobs ----------------------------------------------------- */

static void
job_done (BcDaemon *d)
{
  g_assert (d->jobs > 0);
  d->jobs--;
  maybe_finish (d);
}

/* setup: XML facts, metadata, statistics period */
typedef struct {
  BcDomain *dom;
  gint stats_period_s;
  gint64 retry_ms;
  BcDomainSetup setup;
  GError *error;
} SetupJob;

static void
setup_job_free (SetupJob *j)
{
  bc_domain_setup_clear (&j->setup);
  g_clear_error (&j->error);
  bc_domain_unref (j->dom);
  g_free (j);
}

static void
setup_thread (GTask *task, gpointer src, gpointer data, GCancellable *c)
{
  SetupJob *j = data;

  bc_collect_setup (j->dom->dom, j->stats_period_s, &j->setup, &j->error);
  g_task_return_boolean (task, TRUE);
}

static void
apply_setup (BcDomain *dom, SetupJob *j)
{
  dom->setup_done = TRUE;
  /* A libvirt error (daemon restarting, domain busy) is transient: retry. */
  dom->setup_retry_ms = j->error ? now_ms () + j->retry_ms : 0;
  if (j->error)
    bc_domain_set_skip (dom, j->error->message);
  else if (j->setup.policy_error)
    bc_domain_set_skip (dom, j->setup.policy_error->message);
  else if (!j->setup.balloon.has_balloon)
    bc_domain_set_skip (dom, "no balloon device");
  else if (!j->setup.policy.enabled)
    bc_domain_set_skip (dom, "disabled in metadata");
  else
    bc_domain_set_skip (dom, NULL);
  dom->balloon_dev = j->setup.balloon;
  if (!j->error && !j->setup.policy_error)
    dom->policy = j->setup.policy;
  if (dom->skip_reason && !j->error && !j->setup.policy_error && j->setup.balloon.has_balloon)
    g_message ("%s: not managed: %s", dom->name, dom->skip_reason);
  else if (j->error)
    g_warning ("%s: not managed: %s; retrying in %" G_GINT64_FORMAT " s", dom->name, dom->skip_reason,
               (j->retry_ms + 999) / 1000);
  else if (dom->skip_reason)
    g_warning ("%s: not managed: %s", dom->name, dom->skip_reason);
  else
    g_message ("%s: managed (min %" G_GUINT64_FORMAT " MiB, max %" G_GUINT64_FORMAT " MiB from metadata, 0 = default)%s",
               dom->name, dom->policy.min_kib / 1024, dom->policy.max_kib / 1024,
               j->setup.stats_enabled_now ? ", balloon statistics enabled" : "");
}

static void
setup_done_cb (GObject *src, GAsyncResult *res, gpointer user_data)
{
  BcDaemon *d = user_data;
  SetupJob *j = g_task_get_task_data (G_TASK (res));
  BcDomain *dom = j->dom;

  dom->setup_inflight = FALSE;
  if (!dom->removed && !d->quitting)
    {
      apply_setup (dom, j);
      if (dom->setup_again)
        {
          dom->setup_again = FALSE;
          start_setup (d, dom);
        }
    }
  job_done (d);
}

static void
start_setup (BcDaemon *d, BcDomain *dom)
{
  g_autoptr (GTask) task = NULL;
  SetupJob *j;

  if (dom->setup_inflight)
    {
      dom->setup_again = TRUE;
      return;
    }
  j = g_new0 (SetupJob, 1);
  j->dom = bc_domain_ref (dom);
  j->stats_period_s = (gint) MAX (1, d->cfg.apply_interval_ms / 1000);
  j->retry_ms = d->opts.setup_retry_ms > 0 ? d->opts.setup_retry_ms : SETUP_RETRY_MS_DEFAULT;
  task = g_task_new (NULL, NULL, setup_done_cb, d);
  g_task_set_task_data (task, j, (GDestroyNotify) setup_job_free);
  dom->setup_inflight = TRUE;
  d->jobs++;
  g_task_run_in_thread (task, setup_thread);
}

/* agent: the guest's meminfo and vmstat */
typedef struct {
  BcDaemon *d;
  BcDomain *dom;
  gint64 timeout_ms;
  gboolean ok;
  BcGuestFigures guest;
  GError *error;
} AgentJob;

static void
agent_job_free (AgentJob *j)
{
  g_clear_error (&j->error);
  bc_domain_unref (j->dom);
  g_free (j);
}

static void
agent_result (BcDaemon *d, BcDomain *dom, AgentJob *j)
{
  if (j->ok)
    {
      if (dom->agent_failures >= AGENT_FAILURES_BEFORE_BACKOFF)
        g_message ("%s: guest agent answers again", dom->name);
      dom->guest = j->guest;
      dom->agent_failures = 0;
      g_clear_pointer (&dom->agent_error, g_free);
      return;
    }
  dom->agent_failures++;
  g_free (dom->agent_error);
  dom->agent_error = g_strdup (j->error->message);
  if (dom->agent_failures == AGENT_FAILURES_BEFORE_BACKOFF)
    g_message ("%s: guest agent unusable (%s); using balloon figures, retrying every %d s",
               dom->name, j->error->message, AGENT_BACKOFF_MS / 1000);
  if (dom->agent_failures >= AGENT_FAILURES_BEFORE_BACKOFF)
    dom->agent_retry_ms = now_ms () + AGENT_BACKOFF_MS;
}

static gboolean
agent_done_idle (gpointer data)
{
  AgentJob *j = data;
  BcDaemon *d = j->d;

  j->dom->agent_inflight = FALSE;
  if (!j->dom->removed)
    agent_result (d, j->dom, j);
  agent_job_free (j);
  job_done (d);
  return G_SOURCE_REMOVE;
}

static void
agent_thread (gpointer data, gpointer user_data)
{
  AgentJob *j = data;

  j->ok = bc_collect_guest (j->dom->dom, j->timeout_ms, now_ms (), &j->guest, &j->error);
  /* Always through the main context's queue (g_main_context_invoke would
   * run it here, on this thread, whenever nobody holds the context, as
   * during shutdown). */
  g_idle_add (agent_done_idle, j);
}

static void
start_agent (BcDaemon *d, BcDomain *dom)
{
  AgentJob *j;

  if (!d->cfg.agent || dom->agent_inflight || !bc_domain_managed (dom) || now_ms () < dom->agent_retry_ms)
    return;
  j = g_new0 (AgentJob, 1);
  j->d = d;
  j->dom = bc_domain_ref (dom);
  j->timeout_ms = d->cfg.agent_timeout_ms;
  dom->agent_inflight = TRUE;
  d->jobs++;
  g_thread_pool_push (d->agent_pool, j, NULL);
}

/* apply: setMemory */
typedef struct {
  BcDomain *dom;
  guint64 old_kib;
  guint64 new_kib;
  char *reason;
  GError *error;
} ApplyJob;

static void
apply_job_free (ApplyJob *j)
{
  g_clear_error (&j->error);
  g_free (j->reason);
  bc_domain_unref (j->dom);
  g_free (j);
}

static void
apply_thread (GTask *task, gpointer src, gpointer data, GCancellable *c)
{
  ApplyJob *j = data;

  bc_apply_target (j->dom->dom, j->new_kib, &j->error);
  g_task_return_boolean (task, TRUE);
}

static void
apply_done_cb (GObject *src, GAsyncResult *res, gpointer user_data)
{
  BcDaemon *d = user_data;
  ApplyJob *j = g_task_get_task_data (G_TASK (res));
  BcDomain *dom = j->dom;

  dom->apply_inflight = FALSE;
  if (j->error)
    g_warning ("%s: setting %" G_GUINT64_FORMAT " KiB failed, retrying next tick: %s",
               dom->name, j->new_kib, j->error->message);
  else
    {
      g_message ("%s: %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB: %s",
                 dom->name, j->old_kib, j->new_kib, j->reason);
      dom->change_at_ms = g_get_real_time () / 1000;
      dom->change_old_kib = j->old_kib;
      dom->change_new_kib = j->new_kib;
      g_free (dom->change_reason);
      dom->change_reason = g_strdup (j->reason);
      dom->requested_kib = j->new_kib;
      dom->requested_at_ms = now_ms ();
    }
  job_done (d);
}

static void
start_apply (BcDaemon *d, BcDomain *dom, guint64 target_kib, const char *reason)
{
  g_autoptr (GTask) task = NULL;
  ApplyJob *j;

  if (d->opts.dry_run)
    {
      g_message ("%s: dry run: would set %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " KiB: %s",
                 dom->name, dom->balloon.current_kib, target_kib, reason);
      dom->requested_kib = target_kib;
      dom->requested_at_ms = now_ms ();
      return;
    }
  j = g_new0 (ApplyJob, 1);
  j->dom = bc_domain_ref (dom);
  j->old_kib = bc_domain_current_kib (dom, now_ms (), SETTLE_MS);
  j->new_kib = target_kib;
  j->reason = g_strdup (reason);
  task = g_task_new (NULL, NULL, apply_done_cb, d);
  g_task_set_task_data (task, j, (GDestroyNotify) apply_job_free);
  dom->apply_inflight = TRUE;
  d->jobs++;
  g_task_run_in_thread (task, apply_thread);
}

/* ---- decide, arbitrate, apply, report -------------------------------- */

static gint
by_name (gconstpointer a, gconstpointer b)
{
  const BcDomain *x = *(BcDomain *const *) a, *y = *(BcDomain *const *) b;
  gint c = g_strcmp0 (x->name, y->name);

  return c ? c : g_strcmp0 (x->uuid, y->uuid);
}

/* The domains in a stable order (by name), each with a reference. */
static GPtrArray *
sorted_domains (BcDaemon *d)
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

static void
decide_all (BcDaemon *d, GPtrArray *doms, gint64 now)
{
  for (guint i = 0; i < doms->len; i++)
    {
      BcDomain *dom = g_ptr_array_index (doms, i);
      BcBalloonFigures b = dom->balloon;

      b.current_kib = bc_domain_current_kib (dom, now, SETTLE_MS);
      dom->have_decision = bc_domain_managed (dom) && dom->have_balloon &&
                           dom->state == VIR_DOMAIN_RUNNING &&
                           bc_decide (&d->cfg, &dom->policy, &b, &dom->guest,
                                      &dom->margin, now, &dom->decision);
    }
}

static guint
arbitrate_all (BcDaemon *d, GPtrArray *doms, gint64 now, guint64 *level)
{
  g_autofree BcClaim *claims = g_new0 (BcClaim, MAX (doms->len, 1));
  guint64 fixed = 0;
  guint n = 0, scale;

  for (guint i = 0; i < doms->len; i++)
    {
      BcDomain *dom = g_ptr_array_index (doms, i);

      if (!dom->have_decision)
        {
          fixed += dom->have_balloon ? dom->balloon.current_kib : 0;
          continue;
        }
      claims[n].current_kib = bc_domain_held_kib (dom, now, SETTLE_MS);
      claims[n].want_kib = dom->decision.target.target_kib;
      claims[n].floor_kib = dom->decision.target.floor_kib;
      n++;
    }
  scale = bc_arbitrate (claims, n, d->budget_kib, fixed, d->cfg.clamp.max_shrink_kib, level);
  n = 0;
  for (guint i = 0; i < doms->len; i++)
    {
      BcDomain *dom = g_ptr_array_index (doms, i);

      if (dom->have_decision)
        dom->granted_kib = claims[n++].grant_kib;
    }
  return scale;
}

static void
apply_all (BcDaemon *d, GPtrArray *doms, guint scale, guint64 level, gint64 now)
{
  for (guint i = 0; i < doms->len; i++)
    {
      BcDomain *dom = g_ptr_array_index (doms, i);
      g_autofree char *reason = NULL;
      guint64 current = bc_domain_current_kib (dom, now, SETTLE_MS);
      gboolean held_before = dom->budget_held;

      if (!dom->have_decision)
        continue;
      dom->budget_held = dom->granted_kib < dom->decision.target.target_kib;
      if (dom->apply_inflight || !bc_target_should_apply (current, dom->granted_kib, &d->cfg.clamp))
        continue;
      reason = bc_explain_change (&dom->decision, &dom->margin, current,
                                  dom->granted_kib, scale, level, held_before);
      start_apply (d, dom, dom->granted_kib, reason);
    }
}

static void
report_all (BcDaemon *d, GPtrArray *doms)
{
  g_autoptr (BcReport) r = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = NULL;

  if (d->opts.state_path == NULL || d->opts.state_path[0] == '\0')
    return;
  r = bc_report_new ();
  r->pid = getpid ();
  uri = virConnectGetURI (d->conn);
  r->uri = g_strdup (uri);
  r->policy = g_strdup (bc_policy_to_string (d->cfg.policy));
  r->updated_ms = g_get_real_time () / 1000;
  for (guint i = 0; i < doms->len; i++)
    bc_explain_report (bc_report_add_domain (r, ((BcDomain *) g_ptr_array_index (doms, i))->uuid, NULL),
                       g_ptr_array_index (doms, i));
  if (!bc_report_write (r, d->opts.state_path, &error))
    g_warning ("state file: %s", error->message);
}

static void
control_pass (BcDaemon *d)
{
  g_autoptr (GPtrArray) doms = sorted_domains (d);
  gint64 now = now_ms ();
  guint64 level;
  guint scale;

  decide_all (d, doms, now);
  scale = arbitrate_all (d, doms, now, &level);
  apply_all (d, doms, scale, level, now);
  report_all (d, doms);
}

/* ---- collect --------------------------------------------------------- */

static void
reconcile (BcDaemon *d, GPtrArray *records)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) doms = NULL;

  for (guint i = 0; i < records->len; i++)
    {
      BcBulkRecord *r = g_ptr_array_index (records, i);
      BcDomain *dom = add_domain (d, r->dom);

      if (dom == NULL)
        continue;
      g_hash_table_add (seen, dom->uuid);
      dom->state = r->state;
      dom->balloon = r->balloon;
      dom->have_balloon = TRUE;
    }
  doms = sorted_domains (d);
  for (guint i = 0; i < doms->len; i++)
    {
      BcDomain *dom = g_ptr_array_index (doms, i);

      if (!g_hash_table_contains (seen, dom->uuid))
        remove_domain (d, dom->uuid);
    }
}

/* --once: whether every domain is set up and, with need_figures, whether
 * this pass's balloon and agent figures are all in. */
static gboolean
once_ready (BcDaemon *d, gboolean need_figures)
{
  GHashTableIter it;
  gpointer v;

  if (need_figures && d->bulk_inflight)
    return FALSE;
  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      BcDomain *dom = v;

      if (!dom->setup_done || (need_figures && (dom->agent_inflight || !dom->have_balloon)))
        return FALSE;
    }
  return TRUE;
}

static void
bulk_thread (GTask *task, gpointer src, gpointer data, GCancellable *c)
{
  GError *error = NULL;
  GPtrArray *records = bc_collect_bulk (data, &error);

  if (records)
    g_task_return_pointer (task, records, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

static void
bulk_done_cb (GObject *src, GAsyncResult *res, gpointer user_data)
{
  BcDaemon *d = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) records = g_task_propagate_pointer (G_TASK (res), &error);

  d->bulk_inflight = FALSE;
  if (records == NULL && d->opts.once && !d->quitting)
    {
      /* --once has no next tick to retry on: fail the run */
      if (d->fatal == NULL)
        d->fatal = g_error_copy (error);
      quit (d);
    }
  else if (records == NULL)
    g_warning ("collect: %s", error->message);
  else if (!d->quitting)
    {
      reconcile (d, records);
      if (!d->opts.once)
        control_pass (d);
    }
  job_done (d);
}

static void
conn_unref (gpointer conn)
{
  virConnectClose (conn);
}

static void
start_bulk (BcDaemon *d)
{
  g_autoptr (GTask) task = NULL;

  if (d->bulk_inflight)
    return;
  task = g_task_new (NULL, NULL, bulk_done_cb, d);
  /* the worker holds its own reference: it may outlive a shutdown grace */
  virConnectRef (d->conn);
  g_task_set_task_data (task, d->conn, conn_unref);
  d->bulk_inflight = TRUE;
  d->jobs++;
  g_task_run_in_thread (task, bulk_thread);
}

static gboolean
on_tick (gpointer data)
{
  BcDaemon *d = data;
  GHashTableIter it;
  gpointer v;

  gint64 now = now_ms ();

  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      BcDomain *dom = v;

      if (dom->setup_retry_ms && now >= dom->setup_retry_ms && !dom->setup_inflight)
        {
          dom->setup_retry_ms = 0;
          start_setup (d, dom);
        }
      start_agent (d, dom);
    }
  start_bulk (d);
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ------------------------------------------------------ */

static void
quit (BcDaemon *d)
{
  if (d->quitting)
    return;
  d->quitting = TRUE;
  g_clear_handle_id (&d->tick_id, g_source_remove);
  maybe_finish (d);
}

/* Ends the loop once no worker job is left, so no setMemory is cut off. */
static void
maybe_finish (BcDaemon *d)
{
  if (d->opts.once && !d->quitting)
    {
      if (!d->once_pass_started && once_ready (d, FALSE))
        {
          /* every domain set up: read the agents, then the balloons */
          d->once_pass_started = TRUE;
          on_tick (d);
        }
      else if (d->once_pass_started && !d->once_pass_decided && once_ready (d, TRUE))
        {
          d->once_pass_decided = TRUE;
          control_pass (d);
        }
      if (d->once_pass_decided && d->jobs == 0)
        quit (d);
      return;
    }
  if (d->quitting && d->jobs == 0)
    g_main_loop_quit (d->loop);
}

static gboolean
on_grace_over (gpointer data)
{
  BcDaemon *d = data;

  g_warning ("%u worker jobs still running after %d s; exiting anyway", d->jobs, SHUTDOWN_GRACE_MS / 1000);
  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_term (gpointer data)
{
  BcDaemon *d = data;

  if (!d->quitting)
    {
      g_message ("signal received, finishing %u pending jobs and exiting", d->jobs);
      g_timeout_add (SHUTDOWN_GRACE_MS, on_grace_over, d);
    }
  quit (d);
  return G_SOURCE_CONTINUE;
}

static void
start_ticking (BcDaemon *d)
{
  g_clear_handle_id (&d->tick_id, g_source_remove);
  if (!d->opts.once)
    d->tick_id = g_timeout_add ((guint) d->cfg.apply_interval_ms, on_tick, d);
}

static gboolean
on_hup (gpointer data)
{
  BcDaemon *d = data;
  g_autoptr (GError) error = NULL;
  BcConfig next;
  guint64 budget;

  if (d->quitting)
    return G_SOURCE_CONTINUE;
  bc_config_defaults (&next);
  if (d->opts.config_path && !bc_config_load (&next, d->opts.config_path, d->opts.config_missing_ok, &error))
    {
      g_warning ("reload rejected, keeping the running configuration: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  budget = bc_config_budget_kib (&next, d->host_kib);
  if (budget == 0)
    {
      g_warning ("reload rejected, keeping the running configuration: [host] reserve-mib %" G_GUINT64_FORMAT
                 " leaves nothing of the host's %" G_GUINT64_FORMAT " MiB", next.reserve_kib / 1024, d->host_kib / 1024);
      return G_SOURCE_CONTINUE;
    }
  d->cfg = next;
  d->budget_kib = budget;
  start_ticking (d);
  g_message ("configuration reloaded (policy %s, host budget %" G_GUINT64_FORMAT " MiB)",
             bc_policy_to_string (d->cfg.policy), d->budget_kib / 1024);
  return G_SOURCE_CONTINUE;
}

static int
on_lifecycle (virConnectPtr conn, virDomainPtr vdom, int event, int detail, void *opaque)
{
  BcDaemon *d = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];

  if (d->quitting || virDomainGetUUIDString (vdom, uuid) < 0)
    return 0;
  switch (event)
    {
    case VIR_DOMAIN_EVENT_STARTED:
    case VIR_DOMAIN_EVENT_RESUMED:
      /* --once: the pass is under way with the domains it started with */
      if (d->opts.once && d->once_pass_started)
        g_message ("%s: started during --once; left for the next run", virDomainGetName (vdom));
      else
        add_domain (d, vdom);
      break;
    case VIR_DOMAIN_EVENT_STOPPED:
    case VIR_DOMAIN_EVENT_CRASHED:
      remove_domain (d, uuid);
      break;
    case VIR_DOMAIN_EVENT_SHUTDOWN:
      if (detail == VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED)
        remove_domain (d, uuid);
      break;
    default:
      break;
    }
  return 0;
}

static void
on_metadata (virConnectPtr conn, virDomainPtr vdom, int type, const char *nsuri, void *opaque)
{
  BcDaemon *d = opaque;
  char uuid[VIR_UUID_STRING_BUFLEN];
  BcDomain *dom;

  if (d->quitting || type != VIR_DOMAIN_METADATA_ELEMENT || g_strcmp0 (nsuri, BC_METADATA_NS) != 0 ||
      virDomainGetUUIDString (vdom, uuid) < 0)
    return;
  dom = g_hash_table_lookup (d->domains, uuid);
  if (dom)
    {
      g_message ("%s: balloonctl metadata changed, reloading it", dom->name);
      start_setup (d, dom);
    }
}

static void
on_close (virConnectPtr conn, int reason, void *opaque)
{
  BcDaemon *d = opaque;

  if (d->fatal == NULL)
    bc_set_error (&d->fatal, BC_ERROR_FAILED, "connection to libvirt closed (reason %d)", reason);
  quit (d);
}

static gboolean
enumerate (BcDaemon *d, GError **error)
{
  virDomainPtr *list = NULL;
  int n = virConnectListAllDomains (d->conn, &list, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

  if (n < 0)
    return bc_set_error_from_libvirt (error, "listing domains");
  for (int i = 0; i < n; i++)
    {
      add_domain (d, list[i]);
      virDomainFree (list[i]);
    }
  free (list);
  g_message ("%d running domains, host budget %" G_GUINT64_FORMAT " MiB, policy %s%s",
             n, d->budget_kib / 1024, bc_policy_to_string (d->cfg.policy), d->opts.dry_run ? ", dry run" : "");
  return TRUE;
}

static gboolean
register_events (BcDaemon *d, GError **error)
{
  d->lifecycle_cb = virConnectDomainEventRegisterAny (d->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                      VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle), d, NULL);
  if (d->lifecycle_cb < 0)
    return bc_set_error_from_libvirt (error, "lifecycle events");
  d->metadata_cb = virConnectDomainEventRegisterAny (d->conn, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                                     VIR_DOMAIN_EVENT_CALLBACK (on_metadata), d, NULL);
  if (d->metadata_cb < 0)
    g_message ("metadata change events unavailable; metadata is read when a domain starts");
  virConnectRegisterCloseCallback (d->conn, on_close, d, NULL);
  return TRUE;
}

static void
unregister_events (BcDaemon *d)
{
  if (d->lifecycle_cb >= 0)
    virConnectDomainEventDeregisterAny (d->conn, d->lifecycle_cb);
  if (d->metadata_cb >= 0)
    virConnectDomainEventDeregisterAny (d->conn, d->metadata_cb);
  virConnectUnregisterCloseCallback (d->conn, on_close);
}

int
bc_daemon_run (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts, GError **error)
{
  BcDaemon d = { 0 };
  guint sig_ids[3];
  int status = 0;

  d.conn = conn;
  d.cfg = *cfg;
  d.opts = *opts;
  d.lifecycle_cb = d.metadata_cb = -1;
  d.loop = g_main_loop_new (NULL, FALSE);
  d.domains = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) bc_domain_unref);
  d.agent_pool = g_thread_pool_new (agent_thread, &d, -1, FALSE, NULL);
  /* Read once, before the loop runs: a reload does not block on libvirt. */
  if (!bc_collect_host_memory (conn, &d.host_kib, error))
    d.quitting = TRUE;
  else
    d.budget_kib = bc_config_budget_kib (&d.cfg, d.host_kib);
  if (d.quitting || d.budget_kib == 0 || !register_events (&d, error) || !enumerate (&d, error))
    {
      if (error && *error == NULL)
        bc_set_error (error, BC_ERROR_FAILED, "host budget is 0 KiB: [host] reserve-mib %" G_GUINT64_FORMAT
                      " leaves nothing of the host's %" G_GUINT64_FORMAT " MiB",
                      d.cfg.reserve_kib / 1024, d.host_kib / 1024);
      status = 1;
      d.quitting = TRUE;
    }
  sig_ids[0] = g_unix_signal_add (SIGINT, on_term, &d);
  sig_ids[1] = g_unix_signal_add (SIGTERM, on_term, &d);
  sig_ids[2] = g_unix_signal_add (SIGHUP, on_hup, &d);
  start_ticking (&d);
  maybe_finish (&d);
  if (d.jobs > 0 || !d.quitting)
    g_main_loop_run (d.loop);
  for (guint i = 0; i < G_N_ELEMENTS (sig_ids); i++)
    g_source_remove (sig_ids[i]);
  g_clear_handle_id (&d.tick_id, g_source_remove);
  unregister_events (&d);
  g_thread_pool_free (d.agent_pool, FALSE, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (d.fatal && status == 0)
    {
      g_propagate_error (error, g_steal_pointer (&d.fatal));
      status = 1;
    }
  g_clear_error (&d.fatal);
  if (opts->state_path && opts->state_path[0])
    g_unlink (opts->state_path);
  g_message ("stopped%s", status == 0 ? "" : " after an error");
  g_hash_table_unref (d.domains);
  g_main_loop_unref (d.loop);
  return status;
}
