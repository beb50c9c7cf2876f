/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The loop: every apply interval, gather (bc-gather.c), run the pure pass
 * (bc-pass.c), start the applies (bc-apply.c), publish (bc-explain-report.c).
 * Signals, reload, --once, and a bounded stop; libvirt's events are
 * bc-events.c's. */
#define G_LOG_DOMAIN "balloonctl"

#include "bc-log.h"
#include "bc-daemon-private.h"
#include "bc-apply.h"
#include "bc-error.h"
#include "bc-explain-report.h"

#include <glib-unix.h>
#include <glib/gstdio.h>

#define SHUTDOWN_GRACE_MS_DEFAULT 15000

gint64
bc_daemon_now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* ---- the pass ---------------------------------------------------------- */

/* One line for systemd's STATUS=: what a `systemctl status` reader wants. */
static char *
summary (BcDaemon *d, GPtrArray *doms)
{
  guint managed = 0;

  for (guint i = 0; i < doms->len; i++)
    managed += bc_domain_managed (g_ptr_array_index (doms, i));
  return g_strdup_printf ("%u of %u domains managed, host budget %" G_GUINT64_FORMAT " MiB, policy %s%s%s%s",
                          managed, doms->len, d->budget_kib / 1024, bc_policy_to_string (d->cfg.policy),
                          d->opts.dry_run ? ", dry run" : "", d->last_change ? "; last change " : "",
                          d->last_change ? d->last_change : "");
}

static void
note_change (BcDaemon *d, const BcDomain *dom, const BcPassOutput *out)
{
  if (out->action == BC_ACTION_NONE)
    return;
  g_free (d->last_change);
  d->last_change = g_strdup_printf ("%s %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT " MiB", dom->name,
                                    out->old_kib / 1024, out->new_kib / 1024);
}

/* A domain held on old figures, and back: said once each way. */
static void
note_freeze (const BcDomain *dom, const BcPassOutput *out)
{
  if (out->frozen == dom->frozen)
    return;
  if (out->frozen == BC_FREEZE_AGENT)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_HELD, dom->name, dom->uuid, "%s: held at its size: no fresh figures from its guest agent", dom->name);
  else if (out->frozen == BC_FREEZE_BALLOON)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_HELD, dom->name, dom->uuid, "%s: held at its size: its balloon statistics are no longer updated", dom->name);
  else if (out->decided)
    g_message ("%s: fresh figures again", dom->name);
}

static void
note_taken_back (const BcDomain *dom, const BcPassOutput *out)
{
  if (out->took_back_kib && dom->setup.autodeflate)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_GREW, dom->name, dom->uuid, "%s: grew %" G_GUINT64_FORMAT " MiB on its own (its guest deflated the balloon, out of memory?): "
               "not taken below %" G_GUINT64_FORMAT " MiB for %d s",
               dom->name, out->took_back_kib / 1024, out->carry.took_back_floor_kib / 1024, BC_TOOK_BACK_HOLD_MS / 1000);
  else if (out->took_back_kib)
    bc_log_event (G_LOG_LEVEL_MESSAGE, BC_MESSAGE_ID_GREW, dom->name, dom->uuid, "%s: grew %" G_GUINT64_FORMAT " MiB on its own (set by hand?); sizing it from there",
               dom->name, out->took_back_kib / 1024);
}

static void
report_to_systemd (BcDaemon *d, GPtrArray *doms)
{
  g_autofree char *status = summary (d, doms);

  bc_notify_pass (&d->notify, status);
}

/* A write that fails every pass is said once, and again when it works. */
static void
publish_said (BcDaemon *d, gboolean ok, const GError *error)
{
  if (!ok)
    {
      if (!d->publish_failing)
        bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_STATE_FILE, NULL, NULL, "state file: %s (said once; `status` shows no daemon until it is written again)", error->message);
      d->publish_failing = TRUE;
      return;
    }
  if (d->publish_failing)
    g_message ("state file: written again");
  d->publish_failing = FALSE;
}

/* The write that waits, if one does, now (when due, its timer, at stop);
 * its timer, if set, goes. */
static void
publish_flush (BcDaemon *d)
{
  g_autoptr (GError) error = NULL;
  gboolean ok;

  g_clear_handle_id (&d->publish_id, g_source_remove);
  if (d->published.pending == NULL)
    return;
  ok = bc_report_flush (&d->state_file, &d->published, bc_daemon_now_ms (), &error);
  publish_said (d, ok, error);
}

static gboolean
on_publish_due (gpointer data)
{
  BcDaemon *d = data;

  d->publish_id = 0;
  publish_flush (d);
  return G_SOURCE_REMOVE;
}

/* The pass's state, written now when a write is due, else when it is
 * (at most one a second): a timer, unless one is set (a later pass
 * replaces what it writes, and does not put it off). */
static void
publish (BcDaemon *d, GPtrArray *doms, gint64 now_ms)
{
  gint64 wait_ms;

  bc_explain_offer (doms, d->uri, &d->cfg, &d->counters.room, &d->published, now_ms);
  wait_ms = bc_report_pending_ms (&d->published, now_ms);
  if (wait_ms == 0)
    publish_flush (d);
  else if (wait_ms > 0 && d->publish_id == 0)
    d->publish_id = g_timeout_add ((guint) MIN (wait_ms, G_MAXUINT), on_publish_due, d);
}

static void
control_pass (BcDaemon *d)
{
  g_autoptr (GPtrArray) doms = bc_gather_sorted (d);
  g_autofree BcPassInput *in = g_new0 (BcPassInput, MAX (doms->len, 1));
  g_autofree BcPassOutput *out = g_new0 (BcPassOutput, MAX (doms->len, 1));
  g_autofree BcRoomDomain *rooms = g_new0 (BcRoomDomain, MAX (doms->len, 1));
  BcPassParams p = { &d->cfg, { d->host_kib, d->host.figures, d->host.at_ms, d->host.carry }, bc_daemon_now_ms (),
                     d->opts.dry_run };
  BcPassBudget budget;

  for (guint i = 0; i < doms->len; i++)
    bc_domain_pass_input (g_ptr_array_index (doms, i), &in[i]);
  budget = bc_pass_plan (&p, in, doms->len, out);
  d->budget_kib = budget.budget_kib;
  bc_gather_host_take (d, &budget.host_carry);
  d->counters.room = bc_room_plan (&p, budget.budget_kib, in, out, doms->len, rooms);
  bc_recorder_write (d->recorder, &p, &budget, doms, in, out);
  bc_explain_budget (&budget, &d->floors_over_said);
  for (guint i = 0; i < doms->len; i++)
    {
      note_freeze (g_ptr_array_index (doms, i), &out[i]);
      note_taken_back (g_ptr_array_index (doms, i), &out[i]);
      bc_domain_take_output (g_ptr_array_index (doms, i), &out[i], &rooms[i]);
      bc_apply_start (d->jobs, g_ptr_array_index (doms, i), &out[i]);
      note_change (d, g_ptr_array_index (doms, i), &out[i]);
      bc_pass_output_clear (&out[i]);
    }
  if (d->state_path[0])
    publish (d, doms, p.now_ms);
  report_to_systemd (d, doms);
  d->counters.passes++;
  d->counters.last_pass_s = g_get_real_time () / G_USEC_PER_SEC;
  /* from the tick whose reads it decided from (--once: from its start) */
  d->counters.pass_ms = MAX (0, bc_daemon_now_ms () - (d->tick_at_ms ? d->tick_at_ms : p.now_ms));
}

void
bc_daemon_collected (BcDaemon *d)
{
  if (d->phase == BC_PHASE_ONCE_FIGURES)
    d->once_figures_in = TRUE;
  if (d->phase == BC_PHASE_RUN && d->pass_wanted)
    {
      d->pass_wanted = FALSE;
      control_pass (d);
    }
}

static gboolean
on_tick (gpointer data)
{
  BcDaemon *d = data;
  gint64 now_ms = bc_daemon_now_ms ();

  bc_counters_tick (&d->counters, d->tick_at_ms ? d->tick_at_ms + d->cfg.apply_interval_ms : 0, now_ms);
  d->tick_at_ms = now_ms;

  if (!d->connected)
    {
      /* waiting for libvirt is working as intended: systemd's watchdog
       * is still fed, and told why nothing moves */
      g_autofree char *status = g_strdup_printf ("libvirt connection lost %" G_GINT64_FORMAT " s ago; connecting again (attempt %u)",
                                                 (bc_daemon_now_ms () - d->lost_at_ms) / 1000, d->reconnect_attempts);

      bc_notify_pass (&d->notify, status);
      return G_SOURCE_CONTINUE;
    }
  bc_gather_guests (d, bc_daemon_now_ms ());
  bc_gather_host (d);
  d->pass_wanted = TRUE;
  /* a read still running serves this tick's pass */
  if (!d->bulk_inflight)
    bc_gather_bulk (d);
  return G_SOURCE_CONTINUE;
}

static void
start_ticking (BcDaemon *d)
{
  g_clear_handle_id (&d->tick_id, g_source_remove);
  d->tick_at_ms = 0;
  if (d->phase == BC_PHASE_RUN)
    d->tick_id = g_timeout_add ((guint) d->cfg.apply_interval_ms, on_tick, d);
}

/* ---- --once: list, set up, read the figures, one pass, stop ----------- */

static gboolean
once_ready (BcDaemon *d, gboolean need_figures)
{
  GHashTableIter it;
  gpointer v;

  if (!d->listed || d->bulk_inflight || (need_figures && !d->once_figures_in))
    return FALSE;
  g_hash_table_iter_init (&it, d->domains);
  while (g_hash_table_iter_next (&it, NULL, &v))
    {
      BcDomain *dom = v;

      if (!dom->setup.done || (need_figures && dom->figures.agent_inflight))
        return FALSE;
    }
  return TRUE;
}

/* After every job: moves --once on, and ends a stop once no job is left. */
static void
progress (gpointer data)
{
  BcDaemon *d = data;

  if (d->phase == BC_PHASE_ONCE_SETUP && once_ready (d, FALSE))
    {
      d->phase = BC_PHASE_ONCE_FIGURES;
      bc_gather_guests (d, bc_daemon_now_ms ());
      bc_gather_bulk (d);
    }
  else if (d->phase == BC_PHASE_ONCE_FIGURES && once_ready (d, TRUE))
    {
      control_pass (d);
      bc_daemon_stop (d);
    }
  if (d->phase == BC_PHASE_STOPPING && bc_jobs_pending (d->jobs) == 0)
    g_main_loop_quit (d->loop);
}

/* ---- stopping ------------------------------------------------------------ */

static gboolean
on_grace_over (gpointer data)
{
  BcDaemon *d = data;

  d->grace_id = 0;
  g_warning ("%u worker jobs still running after %" G_GINT64_FORMAT " ms; exiting anyway",
             bc_jobs_pending (d->jobs), d->opts.shutdown_grace_ms);
  g_main_loop_quit (d->loop);
  return G_SOURCE_REMOVE;
}

void
bc_daemon_stop (BcDaemon *d)
{
  if (d->phase == BC_PHASE_STOPPING)
    return;
  d->phase = BC_PHASE_STOPPING;
  bc_notify_stopping ();
  g_clear_handle_id (&d->tick_id, g_source_remove);
  g_clear_handle_id (&d->reconnect_id, g_source_remove);
  /* the last state a pass made, if it still waits */
  publish_flush (d);
  /* a bound: systemd's stop timeout must not be reached */
  d->grace_id = g_timeout_add ((guint) d->opts.shutdown_grace_ms, on_grace_over, d);
  progress (d);
}

static gboolean
on_term (gpointer data)
{
  BcDaemon *d = data;

  if (d->phase != BC_PHASE_STOPPING)
    g_message ("signal received, finishing %u pending jobs and exiting", bc_jobs_pending (d->jobs));
  bc_daemon_stop (d);
  return G_SOURCE_CONTINUE;
}

/* ---- reload ---------------------------------------------------------------- */

/* A file the running configuration came from must still be there: an
 * editor's rename leaves it missing for a moment, and the defaults are
 * not what the administrator asked for. */
static gboolean
load_next (BcDaemon *d, BcConfig *next, guint64 *budget, GError **error)
{
  gboolean missing_ok = d->opts.config_missing_ok && !d->cfg.from_file;

  bc_config_defaults (next);
  if (d->config_path && !bc_config_load (next, d->config_path, missing_ok, error))
    return FALSE;
  return bc_config_check_budget (next, d->host_kib, budget, error);
}

/* logrotate moved the recording away (or it stopped): a new file. */
static void
reopen_recording (BcDaemon *d)
{
  g_autoptr (GError) error = NULL;

  if (d->recorder && !bc_recorder_reopen (d->recorder, &error))
    g_warning ("%s: recording stopped until the next SIGHUP (the daemon goes on)", error->message);
}

static gboolean
on_hup (gpointer data)
{
  BcDaemon *d = data;
  g_autoptr (GError) error = NULL;
  BcConfig next;
  guint64 budget;

  if (d->phase == BC_PHASE_STOPPING)
    return G_SOURCE_CONTINUE;
  bc_notify_reloading ();
  reopen_recording (d);
  if (!load_next (d, &next, &budget, &error))
    bc_log_event (G_LOG_LEVEL_WARNING, BC_MESSAGE_ID_RELOAD_REJECTED, NULL, NULL, "reload rejected, keeping the running configuration: %s", error->message);
  else
    {
      gint64 interval_ms = d->cfg.apply_interval_ms;

      d->cfg = next;
      d->fixed_budget_kib = budget;
      if (!d->cfg.follow)
        d->budget_kib = budget;
      /* the tick keeps its pace unless its interval changed: reloads in a
       * row must not hold every pass back */
      if (d->cfg.apply_interval_ms != interval_ms)
        start_ticking (d);
      bc_metrics_reload (d);
      g_message ("configuration reloaded (policy %s, host budget %" G_GUINT64_FORMAT " MiB%s)",
                 bc_policy_to_string (d->cfg.policy), d->fixed_budget_kib / 1024, d->cfg.follow ? " at most" : "");
    }
  bc_notify_reloaded ();
  return G_SOURCE_CONTINUE;
}

/* ---- the owner ------------------------------------------------------------ */

static BcDaemon *
daemon_alloc (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts)
{
  BcDaemon *d = g_new0 (BcDaemon, 1);

  virConnectRef (conn);
  d->conn = conn;
  d->cfg = *cfg;
  d->opts = *opts;
  d->config_path = g_strdup (opts->config_path);
  d->state_path = g_strdup (opts->state_path ? opts->state_path : "");
  d->uri = virConnectGetURI (conn);
  d->connect_uri = g_strdup (opts->connect_uri ? opts->connect_uri : d->uri);
  d->connected = TRUE;
  d->opts.config_path = d->opts.state_path = d->opts.connect_uri = d->opts.record_path = NULL;
  if (d->opts.shutdown_grace_ms <= 0)
    d->opts.shutdown_grace_ms = SHUTDOWN_GRACE_MS_DEFAULT;
  d->lifecycle_cb = d->metadata_cb = d->reboot_cb = -1;
  d->lock = (BcLock) BC_LOCK_INIT;
  d->state_file = (BcStateFile) BC_STATE_FILE_INIT;
  g_mutex_init (&d->close_lock);
  d->loop = g_main_loop_new (NULL, FALSE);
  d->domains = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) bc_domain_unref);
  d->jobs = bc_jobs_new (d, progress);
  d->phase = opts->once ? BC_PHASE_ONCE_SETUP : BC_PHASE_RUN;
  return d;
}

BcDaemon *
bc_daemon_new (virConnectPtr conn, const BcConfig *cfg, const BcDaemonOptions *opts, GError **error)
{
  g_autoptr (BcDaemon) d = daemon_alloc (conn, cfg, opts);

  /* what is at the state file's path is checked before anything is
   * written: the lock beside it, or the recording */
  if (d->state_path[0] && (!bc_state_file_claim (&d->state_file, d->state_path, error) ||
                           !bc_lock_take (&d->lock, d->state_path, error)))
    return NULL;
  if (opts->record_path && (d->recorder = bc_recorder_open (opts->record_path, opts->record_max_bytes, error)) == NULL)
    return NULL;
  /* Read once, before the loop runs: a reload does not block on libvirt. */
  if (!bc_collect_host_memory (conn, &d->host_kib, error))
    return NULL;
  if (!bc_config_check_budget (&d->cfg, d->host_kib, &d->fixed_budget_kib, error))
    return NULL;
  d->budget_kib = d->fixed_budget_kib; /* until the host's figures come */
  if (!bc_events_register (d, error) || !bc_metrics_start (d, error))
    return NULL;
  d->signal_ids[0] = g_unix_signal_add (SIGINT, on_term, d);
  d->signal_ids[1] = g_unix_signal_add (SIGTERM, on_term, d);
  d->signal_ids[2] = g_unix_signal_add (SIGHUP, on_hup, d);
  return g_steal_pointer (&d);
}

int
bc_daemon_run (BcDaemon *d, GError **error)
{
  gint64 watchdog_ms = bc_notify_watchdog_ms ();

  g_message ("host budget %" G_GUINT64_FORMAT " MiB%s, policy %s%s", d->budget_kib / 1024,
             d->cfg.follow ? " at most, following the host's free memory" : "",
             bc_policy_to_string (d->cfg.policy), d->opts.dry_run ? ", dry run" : "");
  if (watchdog_ms > 0 && watchdog_ms < 2 * d->cfg.apply_interval_ms)
    g_warning ("systemd's watchdog (%" G_GINT64_FORMAT " ms) is shorter than two apply intervals "
               "(%" G_GINT64_FORMAT " ms): it will restart a healthy daemon; raise WatchdogSec=",
               watchdog_ms, 2 * d->cfg.apply_interval_ms);
  start_ticking (d);
  bc_gather_bulk (d); /* the first listing */
  g_main_loop_run (d->loop);
  if (bc_lock_held (&d->lock))
    bc_state_file_remove (&d->state_file);
  if (d->fatal)
    {
      g_message ("stopped after an error");
      g_propagate_error (error, g_steal_pointer (&d->fatal));
      return 1;
    }
  g_message ("stopped");
  return 0;
}

void
bc_daemon_free (BcDaemon *d)
{
  if (d == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (d->signal_ids); i++)
    g_clear_handle_id (&d->signal_ids[i], g_source_remove);
  g_clear_handle_id (&d->tick_id, g_source_remove);
  g_clear_handle_id (&d->grace_id, g_source_remove);
  g_clear_handle_id (&d->reconnect_id, g_source_remove);
  g_clear_handle_id (&d->publish_id, g_source_remove);
  bc_events_unregister (d);
  bc_metrics_stop (d);
  g_mutex_clear (&d->close_lock);
  bc_jobs_close (d->jobs);
  g_hash_table_unref (d->domains);
  g_main_loop_unref (d->loop);
  g_clear_error (&d->fatal);
  g_free (d->config_path);
  g_free (d->state_path);
  g_free (d->connect_uri);
  free (d->uri);
  bc_report_cache_clear (&d->published);
  bc_notify_clear (&d->notify);
  bc_lock_release (&d->lock);
  bc_state_file_clear (&d->state_file);
  g_free (d->last_change);
  bc_recorder_free (d->recorder);
  virConnectClose (d->conn);
  g_free (d);
}
